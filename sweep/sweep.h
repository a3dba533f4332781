/* sweep.h -- batch sweeps: a design of parameter points, each run as an ensemble.
 *
 * A sweep file (YAML) names a base scenario and the factors to vary:
 *
 *   base: ../policy-2024.yaml      # scenario file, relative to the sweep file
 *   design: sobol                  # grid | lhs | sobol | saltelli | morris
 *   points: 16                     # see "Sizes" below
 *   replicates: 20                 # ensemble size at every point
 *   seed: 1                        # seed of the design (lhs, morris) and of bootstraps;
 *                                  # the model's seed is the base's run.seed, the same at
 *                                  # every point (common random numbers across points)
 *   levels: 4                      # morris only: grid levels p (default 4)
 *   full_series: false             # also keep <metric>(point, replicate, time)
 *   outputs:                       # what `neobay sensitivity` analyses by default
 *     metrics: [firms, unicorns, listed]
 *     years: [2030, 2035]          # the December of each year
 *   factors:
 *     policy.guidance_fund: {min: 0, max: 2亿}             # uniform on [min, max]
 *     alliance.inflow: {min: 1000万, max: 5亿, log: true}  # log-uniform
 *     policy.poc_budget: {scale: [0.5, 2]}     # multiplies the base value or every
 *                                              # entry of its dated schedule
 *     origin.firms: {levels: [3000, 4000, 5000]} # grid only: explicit levels
 *
 * Sizes (n_points, the number of design points; model runs = n_points * replicates):
 *   grid      product over factors of their level counts; a factor given by min/max
 *             takes `points` evenly spaced levels (ends included); rows run through
 *             the levels with the last factor varying fastest
 *   lhs       `points` (Latin hypercube, GSL random permutations)
 *   sobol     `points` (GSL's gsl_qrng_sobol, dimension = factors, at most 40)
 *   saltelli  points * (k + 2) for k factors (k <= 20): blocks A, B, AB_1 .. AB_k of
 *             `points` rows each, in that order; A and B are the first and last k
 *             coordinates of a 2k-dimensional Sobol sequence; AB_i is A with column i
 *             taken from B.  Row r of block AB_i is point (2 + i) * points + r.
 *   morris    points * (k + 1): `points` trajectories of k + 1 points each, in order;
 *             trajectory t occupies points t*(k+1) .. t*(k+1)+k, and consecutive points
 *             differ in one factor by +-delta = levels / (2 (levels - 1)) on the unit
 *             scale; the factor changed between point j and j+1 is recorded in
 *             nb_sweep.morris_factor[t*k + j].
 * Unit coordinates u in [0,1] map to values: lo + u (hi - lo), or exp of that in logs.
 * Integer, boolean and month parameters (not scales) take the nearest whole value.
 * A scale of a schedule multiplies its entries; months before its first date keep
 * the registry default.  Every point is validated when the file is loaded.
 *
 * Every error names the file, line, column and key, as scenario errors do.
 * Running a sweep and the layout of its results file: sweep/sweep_run.h and sweep/sweep_h5.h.
 */
#ifndef NB_SWEEP_H
#define NB_SWEEP_H
#include <stdint.h>
#include "scenario.h"

#define NB_SWEEP_MAX_FACTORS 64
#define NB_SWEEP_MAX_LEVELS 64

enum nb_design { NB_DESIGN_GRID, NB_DESIGN_LHS, NB_DESIGN_SOBOL, NB_DESIGN_SALTELLI,
                 NB_DESIGN_MORRIS };

typedef struct nb_factor {
    int param;                  /* registry id */
    int scale;                  /* 1: the value multiplies the base (constant or schedule) */
    int log;                    /* sampled uniformly in log space */
    double lo, hi;              /* range of the value (or of the scale factor) */
    int n_levels;               /* grid: explicit levels (0: from lo/hi and points) */
    double levels[NB_SWEEP_MAX_LEVELS];
    nb_origin origin;           /* where the factor was given */
} nb_factor;

typedef struct nb_sweep {
    char *path;
    nb_scenario *base;
    nb_scenario *cf;            /* `counterfactual`: every point also runs this scenario with
                                 * the same factor values and seed, and the point's results
                                 * are the paired differences base - counterfactual (the
                                 * impact); NULL: none, the results are the base's own */
    char *cf_written;           /* the counterfactual's path as written (NULL: none) */
    int design;                 /* enum nb_design */
    int n_factors;
    nb_factor f[NB_SWEEP_MAX_FACTORS];
    int points;                 /* `points` as written */
    int levels;                 /* morris grid levels */
    int n_points;               /* design points after expansion */
    int replicates;
    uint32_t seed;
    int full_series;
    int n_out_metrics, out_metrics[64];
    int n_out_years, out_years[16];
    double *unit;               /* [n_points * n_factors] design in [0,1] */
    double *value;              /* [n_points * n_factors] in parameter units (or scale) */
    int *morris_factor;         /* morris: [points * n_factors]; else NULL */
    char *yaml;                 /* the sweep, resolved, as YAML text (for metadata) */
    uint64_t hash;              /* identity: base scenario + factors + design + sizes */
} nb_sweep;

/* Load and validate a sweep file and build its design.  NB_OK and *out, or
 * NB_EINVAL / NB_EIO with e->msg (file:line:col: key '...': what is wrong). */
int nb_sweep_load(const char *path, nb_sweep **out, nb_err *e);
void nb_sweep_free(nb_sweep *sw);

/* The parameter set of design point `point`: the base with every factor applied,
 * validated against the registry ranges (a point outside them is an error naming the
 * factor).  Replicates are set to sw->replicates. */
int nb_sweep_paramset(const nb_sweep *sw, int point, nb_paramset *ps, nb_err *e);

/* The counterfactual's parameter set at design point `point` (sw->cf != NULL): the
 * counterfactual with every factor applied as to the base, validated likewise. */
int nb_sweep_cf_paramset(const nb_sweep *sw, int point, nb_paramset *ps, nb_err *e);

/* "grid", "lhs", "sobol", "saltelli", "morris" ("?" for anything else). */
const char *nb_design_name(int design);

/* Point `point` of sw as a fully resolved scenario (YAML text, malloc'd), headed by
 * comments naming the point and its factor values: `neobay run` on it computes the
 * point alone.  NULL with e->msg (a bad point number, out of memory). */
char *nb_sweep_point_yaml(const nb_sweep *sw, int point, nb_err *e);

#endif
