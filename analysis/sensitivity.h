/* sensitivity.h -- global sensitivity analysis of a sweep: Sobol indices from a
 * Saltelli design, Morris elementary effects from trajectories.
 *
 * The estimators (analysis/sensitivity.c) are pure functions over arrays: no I/O, no
 * global state; the random numbers of the bootstrap come from neobay's Philox
 * generator keyed by the caller's seed, so the same inputs give the same numbers.
 * The command (cli/cmd_sensitivity.c) reads a sweep results file (sweep/sweep.h),
 * runs them on chosen metrics and years, prints a ranked table and writes the
 * indices back into the file under /sensitivity.
 *
 * Sobol (design saltelli, k factors, n base rows; y in the order of sweep.h: block A
 * y[0..n), block B y[n..2n), block AB_i y[(2+i)n .. (3+i)n)):
 *   V    = variance of the 2n outputs of A and B pooled (divided by 2n)
 *   S_i  = mean_r( f_B[r] (f_ABi[r] - f_A[r]) ) / V             Saltelli et al. 2010
 *   ST_i = mean_r( (f_A[r] - f_ABi[r])^2 ) / (2 V)               Jansen 1999
 * Outputs are first centred on the pooled mean of A and B: the indices do not change
 * in expectation when a constant is added to f, but the first-order estimator's
 * variance does (badly, for an output like 4,000 firms +- 50), so centring is a free
 * variance reduction.  Intervals: percentile bootstrap, each resample drawing n base
 * rows with replacement (a row carries its A, B and every AB_i value together).
 *
 * Morris (design morris, r trajectories of k + 1 points, factor[t k + j] the factor
 * changed between points j and j+1 of trajectory t): the elementary effect of that
 * step is EE = (f[j+1] - f[j]) / (u[j+1] - u[j]) on the unit scale (so a step down
 * divides by a negative delta and the sign of EE is the sign of the slope).  Per
 * factor over trajectories: mu = mean EE, mu* = mean |EE| (Campolongo et al. 2007),
 * sigma = standard deviation of EE (n - 1 divisor; NaN with one trajectory).
 * Interval of mu*: percentile bootstrap over trajectories.
 */
#ifndef NB_SENSITIVITY_H
#define NB_SENSITIVITY_H
#include <stdint.h>
#include <stdio.h>
#include "error.h"

#define NB_SENS_RESAMPLES 1000     /* default bootstrap resamples */
#define NB_SENS_MAX_METRICS 64     /* metrics and years nb_sensitivity_file takes at most */
#define NB_SENS_MAX_YEARS 16
#define NB_SENS_LEVEL 0.90         /* confidence level of the intervals */
#define NB_SENS_KEY 0x53454E53u    /* "SENS": second word of the bootstrap's Philox key */

/* Sobol indices of one factor.  Intervals are NaN when no bootstrap was asked for. */
typedef struct nb_sobol {
    double s1, s1_lo, s1_hi;       /* first order and its interval */
    double st, st_lo, st_hi;       /* total and its interval */
} nb_sobol;

/* Morris statistics of one factor. */
typedef struct nb_morris {
    double mu, mu_star, sigma;
    double mu_star_lo, mu_star_hi; /* interval of mu*; NaN without bootstrap */
} nb_morris;

/* The Sobol indices of k factors from the outputs y[(k + 2) n] of a Saltelli design
 * of n base rows (layout above), into out[k], and the pooled variance into *var
 * (may be NULL).  `boot` bootstrap resamples (0: none) give percentile intervals at
 * confidence `level` (0 < level < 1); resample b draws its rows with nb_rng_philox
 * keyed (seed, NB_SENS_KEY) at counter (b, chunk, 0, 0), so the intervals depend
 * only on (y, n, k, boot, level, seed).
 * Returns NB_OK; NB_EINVAL when n < 2, k < 1, boot < 0, level outside (0, 1) or a y
 * is not finite (out unchanged); NB_ERANGE when V is 0 (the output does not vary:
 * every index and interval NaN, *var 0); NB_ENOMEM (out unchanged). */
int nb_sens_sobol(const double *y, int n, int k, int boot, double level, uint32_t seed,
                  nb_sobol *out, double *var);

/* The Morris statistics of k factors from r trajectories: y[r (k + 1)] outputs,
 * unit[r (k + 1) k] the design on the unit scale (row = point, column = factor),
 * factor[r k] the factor changed at each step, into out[k].  `boot`, `level` and
 * `seed` as nb_sens_sobol (resampling trajectories).
 * Returns NB_OK; NB_EINVAL when r < 1, k < 1, a y or u is not finite, or the design
 * is not a Morris design: a step whose recorded factor is out of range, does not
 * change, or where another factor changes too, or a trajectory that does not move
 * each factor exactly once -- *bad_point (may be NULL) is then the first point of
 * the offending step (-1 for other errors), and out is unchanged; NB_ENOMEM. */
int nb_sens_morris(const double *y, const double *unit, const int *factor, int r, int k,
                   int boot, double level, uint32_t seed, nb_morris *out, int *bad_point);

/* ---- the command (cli/cmd_sensitivity.c) --------------------------------------------- */

/* What to analyse. */
typedef struct nb_sens_opts {
    const char *const *metrics;    /* metric names; NULL/0: the sweep's outputs, else */
    int n_metrics;                 /*   firms, unicorns, listed (those in the file) */
    const int *years;              /* calendar years (December of each); NULL/0: the */
    int n_years;                   /*   sweep's outputs, else the last December */
    int resamples;                 /* bootstrap resamples; <= 0: NB_SENS_RESAMPLES */
    int write;                     /* 1: write /sensitivity into the file */
} nb_sens_opts;

/* Analyse sweep results file `path` by its design (saltelli: Sobol; morris: Morris),
 * print the ranked tables to `out` and, with o->write, rewrite the file atomically
 * with group /sensitivity (replacing an earlier one): the file is copied to
 * `<path>.part-<pid>`, the group added, the copy fsynced and renamed onto `path`;
 * on any failure the copy is removed and `path` is untouched.
 * Returns NB_OK; NB_EINVAL with e->msg (one line naming the file) when the file is
 * missing, not HDF5, damaged, not a sweep, of another design, or lacks a metric or
 * year asked for; NB_EIO when the file cannot be rewritten; NB_ENOMEM. */
int nb_sensitivity_file(const char *path, const nb_sens_opts *o, FILE *out, nb_err *e);

#endif
