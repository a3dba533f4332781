/* calibrate.h -- calibration to observed figures (ABC-SMC) and projections that carry
 * parameter uncertainty (`neobay calibrate`, `neobay run --posterior`).
 *
 * Four layers, each usable on its own:
 *
 *   targets      calibration/targets.yaml: observed figures with their date, source,
 *                uncertainty and weight, and the simulated statistic each is compared
 *                with (calibrate_targets.c).  Statistics are pure functions of one
 *                replicate's monthly series and of the micro-data the model reports
 *                through its event sink (calibrate_stats.c).
 *   calibration  a calibration file (calibration/NAME.yaml): the base scenario, the
 *                targets file, the parameters with their priors, and the ABC-SMC
 *                settings (calibrate_targets.c).
 *   ABC-SMC      Toni et al. (2009) with the adaptive tolerances and weights of
 *                Beaumont et al. (2009) (calibrate_abc.c).  The work per candidate is
 *                nb_cal_simulate, a pure function of (calibration, parameter values,
 *                seed): any dispatcher (OpenMP threads here, MPI ranks later) may run
 *                candidates anywhere, in any order, and the posterior is the same.
 *   posterior    the HDF5 posterior file, `calibrate report`, and per-replicate
 *                parameter draws for `run --posterior` (calibrate_post.c).
 *
 * Every error in a targets or calibration file names the file, line, column and key:
 *   calibration/x.yaml:12:5: key 'parameters.funding.round_rate.min': ...
 */
#ifndef NB_CALIBRATE_H
#define NB_CALIBRATE_H
#include <stdint.h>
#include <stdio.h>
#include "../model/ensemble.h"
#include "../model/sim.h"
#include "error.h"
#include "h5out.h"
#include "scenario.h"

#define NB_CAL_MAX_PARAMS 32
#define NB_CAL_MAX_TARGETS 64

/* ==== targets ======================================================================= */

/* The simulated statistic a target is compared with. */
enum nb_stat_kind {
    NB_ST_METRIC,          /* metric `metric` at month `at` of one replicate */
    NB_ST_HAZARD,          /* annual exit hazard (failures and acquisitions; relocations
                            * out are censored) in age years a..b of the entrant cohort,
                            * Kaplan-Meier on the monthly grid, averaged over the years */
    NB_ST_SURVIVAL,        /* share of the entrant cohort not failed by age a months
                            * (acquisitions and relocations out censored) */
    NB_ST_FUNNEL_ROUND,    /* share of the seed cohort raising round a (>= 2) within
                            * `follow` months of its first round */
    NB_ST_FUNNEL_EXIT,     /* share of the seed cohort acquired or listed within a months */
    NB_ST_FUNNEL_UNICORN,  /* share of the seed cohort whose round or listing valuation
                            * reached def.unicorn_usd within a months */
    NB_ST_STEP_UP,         /* median step-up from round a to a+1: pre-money of round a+1
                            * over post-money of round a, both raised in the run */
    NB_ST_ROUND_AGE,       /* mean firm age (years) at round a, rounds raised in the run */
    NB_ST_UNICORN_IPO,     /* listings of unicorns a year per unicorn (listings of firms
                            * valued >= the unicorn threshold, aged <= its age limit,
                            * over unicorn-years of the `unicorns` metric) */
    NB_NSTAT_KINDS
};

typedef struct nb_stat {
    int kind;              /* nb_stat_kind */
    int metric;            /* NB_ST_METRIC: nb_metric_id */
    int at;                /* NB_ST_METRIC: month index (NB_MONTH) */
    int a, b;              /* see nb_stat_kind */
    int follow;            /* NB_ST_FUNNEL_ROUND: months after the first round */
} nb_stat;

enum nb_target_role {
    NB_ROLE_TARGET = 0,    /* fitted: enters the distance */
    NB_ROLE_INPUT = 1,     /* a figure used as an input (initial condition, parameter
                            * source): listed for completeness, not fitted */
    NB_ROLE_EXCLUDED = 2   /* not comparable with anything the model simulates */
};

typedef struct nb_target {
    char *id;              /* short name, unique: firms_2024_07 */
    char *figure;          /* the figure as published */
    char *when;            /* its date as published ("mid 2024", "2008-10 cohort") */
    char *source;          /* exactly as data.md gives it */
    char *uncertainty;     /* what sd (and range) stand for: stated, or an assumption */
    char *note;            /* why an input or excluded figure is not fitted */
    int role;              /* nb_target_role */
    double value;          /* the observed figure */
    double lo, hi;         /* the observed interval ("4,000+": [4000, 4400]); lo = hi =
                            * value when the figure is a point */
    double sd;             /* scale of the gap: a gap of sd counts 1 in the distance */
    double weight;         /* weight of the squared standardised gap */
    nb_stat stat;
    char *stat_text;       /* the statistic in words, for reports and metadata */
    const char *unit;      /* of the statistic (static text) */
    int line, col;         /* where the entry starts in the targets file */
    int sline, scol;       /* where its statistic is given */
} nb_target;

typedef struct nb_targets {
    char *path;
    char *text;            /* the file as read (stored with the posterior) */
    int n;                 /* every entry, all roles */
    nb_target t[NB_CAL_MAX_TARGETS];
    int entrants[2];       /* cohorts.entrants: birth months (NB_MONTH) of the entrant
                            * cohort, inclusive; {0, -1} when not given */
    int seeded[2];         /* cohorts.seeded: months of the first round of the seed cohort */
    int cohort_line[2];    /* where each cohort was given (0: not given) */
} nb_targets;

/* Load a targets file.  NB_OK and *out (free with nb_targets_free); NB_EINVAL or NB_EIO
 * with e->msg "FILE:LINE:COL: key 'targets[3].sd': ..." otherwise. */
int nb_targets_load(const char *path, nb_targets **out, nb_err *e);
void nb_targets_free(nb_targets *t);

/* ==== calibration files ============================================================ */

typedef struct nb_cal_param {
    int id;                /* registry id */
    double lo, hi;         /* prior bounds in the parameter's units */
    int log;               /* prior uniform in log(value) (lo > 0) */
    int nuisance;          /* used in the calibration runs only (e.g. the Feb 2023
                            * initial counts); never carried into projections */
    int line, col;         /* where it is named in the calibration file */
} nb_cal_param;

typedef struct nb_calib {
    char *path;
    char *name;            /* `name`, or the file's base name */
    char *text;            /* the calibration file as read */
    char *resolved;        /* calibration, targets and base scenario as one text: the
                            * identity of the calibration (journal hash, metadata) */
    nb_scenario *base;     /* the base scenario (`scenario:`, relative to the file) */
    nb_targets *tg;
    int n_par;
    nb_cal_param par[NB_CAL_MAX_PARAMS];
    int n_fit;             /* targets fitted: tg->t[fit[i]], i < n_fit */
    int fit[NB_CAL_MAX_TARGETS];
    int particles;         /* N, particles per generation */
    int generations;       /* at most this many (generation 0 samples the prior) */
    double tolerance;      /* stop once a generation's tolerance is at or below (0: never) */
    double quantile;       /* next tolerance: this quantile of the last distances */
    double min_acceptance; /* stop when a generation's acceptance rate falls below */
    int replicates;        /* model replicates per candidate */
    int predictive;        /* replicates per particle in the posterior-predictive check */
    int batch;             /* candidates evaluated between scans (default: particles) */
    long max_simulations;  /* candidates per generation: when a generation needs more, the
                            * calibration stops and the previous generation is the posterior */
    uint32_t seed;
} nb_calib;

/* Load a calibration file, its base scenario and its targets; check that the run is
 * long enough for every statistic.  NB_OK and *out, or NB_EINVAL / NB_EIO / NB_ENOMEM
 * with e->msg. */
int nb_calib_load(const char *path, nb_calib **out, nb_err *e);
void nb_calib_free(nb_calib *c);

/* Prior transform: z = log(v) for log priors, z = v otherwise; and back. */
double nb_cal_to_z(const nb_cal_param *p, double v);
double nb_cal_from_z(const nb_cal_param *p, double z);

/* ==== simulation: the pure per-candidate function =================================== */

typedef struct nb_cal_ws nb_cal_ws;   /* one thread's workspace */

nb_cal_ws *nb_cal_ws_alloc(const nb_calib *c);
void nb_cal_ws_free(nb_cal_ws *w);

/* Run replicates 0..nrep-1 of c's base scenario with the calibrated parameters set to
 * theta[0..n_par) (parameter units; whole-number parameters rounded) and run.seed =
 * seed, and write each fitted target's statistic into stats[r * n_fit + i] (NaN where a
 * replicate gives it no value, e.g. no rounds to take a median of).  *firm_steps (may be
 * NULL) is increased by the firm-steps simulated.  NB_OK; NB_EINVAL when theta breaks a
 * cross-parameter rule of the scenario (outside the prior's support); NB_ENOMEM. */
int nb_cal_simulate(const nb_calib *c, const double *theta, uint32_t seed, int nrep,
                    nb_cal_ws *w, double *stats, uint64_t *firm_steps);

/* As nb_cal_simulate for replicate `rep` alone: its statistics into row[n_fit]. */
int nb_cal_simulate_rep(const nb_calib *c, const double *theta, uint32_t seed, int rep,
                        nb_cal_ws *w, double *row, uint64_t *firm_steps);

/* The distance of simulated statistics stats[nrep * n_fit] from the observed figures:
 * sqrt(sum_i weight_i * g_i^2), g_i = gap of the replicate mean (NaNs skipped) from
 * target i's interval [lo, hi], in units of its sd; a statistic with no value in any
 * replicate counts g_i = NB_CAL_MISSING_GAP. */
#define NB_CAL_MISSING_GAP 5.0
double nb_cal_distance(const nb_calib *c, const double *stats, int nrep);

/* ==== ABC-SMC ======================================================================= */

typedef struct nb_abc_gen {   /* one generation's summary */
    double tolerance;          /* accepted candidates have distance <= tolerance */
    long candidates;           /* candidates needed for N acceptances */
    long simulated;            /* candidates simulated (whole batches) */
    double acceptance;         /* N / candidates */
    double ess;                /* effective sample size 1 / sum w^2 */
} nb_abc_gen;

typedef struct nb_abc_opts {
    int threads;                /* <= 0: OpenMP's default */
    const char *journal;        /* journal path (resume after a kill); NULL: none */
    int restart;                /* delete an existing journal first */
    int quiet;
    FILE *log;                  /* progress lines (stderr when NULL and not quiet) */
    long stop_after;            /* tests: stop (as if killed) after this many journal
                                 * records were written in this call; 0: never */
} nb_abc_opts;

/* The result of a calibration: the last generation and the history. */
typedef struct nb_abc_result {
    int n_par, n_fit, N, n_gen, pp_rep;
    double *theta;              /* [n_gen][N][n_par] particles, parameter units */
    double *w;                  /* [n_gen][N] normalised weights */
    double *dist;               /* [n_gen][N] distances */
    nb_abc_gen *gen;            /* [n_gen] */
    double *pred;               /* [N][pp_rep][n_fit] posterior-predictive statistics */
    long journal_restored;      /* records restored from the journal (0: fresh run) */
    uint64_t firm_steps;        /* simulated in this call */
    long runs;                  /* model runs (replicates) in this call */
    double seconds;             /* wall time of this call */
    int stopped;                /* 1 when opts.stop_after ended the call early */
    char stop_reason[256];      /* why the last generation is the last */
} nb_abc_result;

/* Run ABC-SMC for calibration c.  Stops after `generations`, or once the tolerance
 * reaches `tolerance`, or the acceptance rate falls below `min_acceptance`, or a
 * generation cannot be filled within `max_simulations` candidates (the previous one is
 * then the posterior); r->stop_reason says which.  NB_OK and *out (free with
 * nb_abc_result_free); NB_EINVAL for a journal of another calibration (e->msg says so)
 * or priors that no candidate passes; NB_EIO, NB_ENOMEM. */
int nb_abc_run(const nb_calib *c, const nb_abc_opts *o, nb_abc_result **out, nb_err *e);
void nb_abc_result_free(nb_abc_result *r);

/* Method of simulated moments: Nelder-Mead (GSL nmsimplex2) on the distance of the mean
 * statistics over c->replicates replicates with one fixed seed (common random numbers),
 * in the prior's transformed coordinates, from the prior's centre.  theta[n_par] gets
 * the estimate, *dist its distance.  NB_OK or NB_ENOMEM. */
int nb_msm_run(const nb_calib *c, int threads, int max_iter, double *theta, double *dist,
               FILE *log);

/* ==== the posterior file ============================================================ */

/* Write the posterior HDF5 file (atomically; dimension scales for xarray):
 *   particle(particle), parameter(parameter), generation(generation), target(target),
 *   predictive_replicate(predictive_replicate)          dimension scales
 *   particles(particle, parameter)      last generation, parameter units
 *   weights(particle), distance(particle)
 *   history_particles(generation, particle, parameter), history_weights(generation,
 *   particle), history_distance(generation, particle)
 *   tolerance(generation), acceptance_rate(generation), candidates(generation),
 *   simulated(generation), ess(generation)
 *   unit, description, source, prior_min, prior_max, prior_log, nuisance,
 *   registry_default, posterior_mean, posterior_q05, posterior_q95 (parameter)
 *   observed, observed_lo, observed_hi, sd, weight, figure, when, source_text,
 *   uncertainty, statistic, units (target)
 *   predictive(particle, predictive_replicate, target)  fresh simulations at the
 *                                                       particles (posterior predictive)
 *   root attrs: calibration_name, calibration_path, calibration_yaml, targets_yaml,
 *   scenario_yaml, seed, particles, replicates, generations, stop_reason,
 *   neobay_version, git_commit, title, Conventions
 *   unused(unused), unused_figure, unused_source, unused_role, unused_note (unused):
 *   the targets file's input and excluded entries, with why they are not fitted */
int nb_posterior_write(const char *path, const nb_calib *c, const nb_abc_result *r,
                       nb_err *e);

/* A posterior file read back (what report and run --posterior need). */
typedef struct nb_posterior {
    char *path;
    int n_par, N, n_fit, pp_rep, n_gen;
    char **name;                /* [n_par] registry names */
    int *id;                    /* [n_par] registry ids (-1: unknown to this build) */
    int *nuisance;              /* [n_par] */
    double *lo, *hi;            /* [n_par] prior bounds */
    double *theta;              /* [N][n_par] */
    double *w;                  /* [N] */
    char **tname, **tunit, **tsource;   /* [n_fit] */
    double *obs, *obs_lo, *obs_hi;      /* [n_fit] */
    double *pred;               /* [N][pp_rep][n_fit] */
    double *tol, *acc;          /* [n_gen] */
    uint64_t hash;              /* FNV-1a of the particles and weights */
    char cal_name[256];
} nb_posterior;

/* The attributes of a dataset of a calibration file (posterior, SBC): long_name and
 * units (ud: an nb_cal_lu; units NULL: none).  A dataset whose rows carry different
 * units (one per parameter or target) has no CF units: "see X" names the variable
 * holding them and goes into `comment`, as /parameters/value of a run file does, so
 * every `units` attribute parses as a UDUNITS-2 unit.  An nb_h5w_attrs_fn. */
typedef struct nb_cal_lu { const char *long_name, *units; } nb_cal_lu;
int nb_cal_attrs_lu(nb_h5w *w, hid_t ds, const void *ud);

/* Read a posterior file.  NB_OK and *out; NB_EINVAL (not a posterior file: message
 * names the file and what is missing); NB_ENOMEM. */
int nb_posterior_read(const char *path, nb_posterior **out, nb_err *e);
void nb_posterior_free(nb_posterior *p);

/* `neobay calibrate report`: the fit table (target, observed, simulated median and
 * 90% interval of the posterior predictive, within or not; headers in English and
 * Chinese) and the posterior summaries (mean and 90% interval per parameter). */
int nb_posterior_report(const char *path, FILE *out, nb_err *e);

/* Weighted quantile q of x[n] with weights w[n] (not necessarily normalised): the
 * smallest x whose cumulative weight share reaches q, averaging the two values when
 * it is reached exactly.  NaNs are skipped; NaN when nothing is left. */
double nb_wquantile(const double *x, const double *w, int n, double q);

/* ==== projections with parameter uncertainty (run --posterior) ======================= */

typedef struct nb_post_draws {
    nb_posterior *post;
    int n_rep;
    int n_use;                  /* parameters drawn (not nuisance, not set by the scenario) */
    int use[NB_CAL_MAX_PARAMS]; /* their indices in post */
    int *particle;              /* [n_rep] particle drawn for each replicate */
    double *value;              /* [n_rep][n_use] values applied (rounded if whole) */
    const nb_paramset *base;    /* the scenario's parameters (not owned) */
} nb_post_draws;

/* Draw each replicate's particle from posterior file `path` (weighted resampling keyed
 * by (seed, replicate): reproducible, independent of the thread count) for the
 * scenario sc and n_rep replicates.  Parameters the scenario sets itself keep the
 * scenario's value (a note names them on `note`, may be NULL); nuisance parameters
 * are not drawn.  NB_OK and *out; NB_EINVAL (bad file, unknown parameter, a draw the
 * scenario's rules refuse), NB_ENOMEM. */
int nb_post_draws_make(const char *path, const nb_scenario *sc, int n_rep,
                       nb_post_draws **out, FILE *note, nb_err *e);
void nb_post_draws_free(nb_post_draws *d);

/* Append a comment naming the posterior and its hash to the resolved scenario text
 * *yaml (realloc'd), so checkpoints and results files tell posterior runs apart. */
int nb_post_draws_annotate(const nb_post_draws *d, char **yaml);

/* Set in ps (a copy of the scenario's parameters) the values replicate rep draws.
 * used[i] becomes 1 for every registry parameter the draws set (used may be NULL). */
void nb_post_draws_apply(const nb_post_draws *d, int rep, nb_paramset *ps,
                         unsigned char *used);

/* An nb_ensemble_params_fn (ud: the nb_post_draws): the scenario's parameters with
 * the draw of replicate rep. */
int nb_post_rep_params(const void *ud, int rep, nb_paramset *ps);

/* nb_ensemble_run with replicate r's model built from the scenario's parameters and
 * the draw of replicate r.  Same contract (skip, on_done, bit-identical for any
 * thread count). */
int nb_post_ensemble_run(const nb_post_draws *d, nb_results *res,
                         const nb_ensemble_opts *o, uint64_t *firm_steps);

/* The results file's extra content (nb_h5w_fill_fn; ud: the nb_post_draws):
 *   parameter(parameter) names of the parameters drawn (a root-level scale; the
 *   /parameters group keeps its own),
 *   posterior_draw(replicate, parameter) values applied,
 *   posterior_particle(replicate) the particle drawn; attrs posterior_file,
 *   posterior_hash, posterior_calibration. */
int nb_post_draws_write(nb_h5w *w, const void *ud);

/* ==== simulation-based calibration (calibrate_sbc.c) ================================= */

typedef struct nb_sbc_opts {
    int n_truth;                /* truths to calibrate on */
    const double *truths;       /* [n_truth][n_par] given truths, or NULL: drawn from the
                                 * calibration's prior, keyed by (seed, truth) */
    uint32_t seed;              /* of the truths and of their synthetic histories */
    int particles, generations; /* > 0: override the calibration file's (smaller runs) */
    const char *journal_fmt;    /* printf format with one %d (the truth): each truth's
                                 * ABC-SMC journal, so a killed run resumes; NULL: none */
    nb_abc_opts abc;            /* threads, restart, log (quiet: no progress lines) */
} nb_sbc_opts;

typedef struct nb_sbc_result {
    int n_truth, n_par, n_ok, bins;
    double *truth;              /* [n_truth][n_par] parameter units */
    double *rank;               /* [n_truth][n_par] posterior weight below the truth (+ half
                                 * of that equal to it): uniform on [0, 1] if calibrated */
    unsigned char *covered;     /* [n_truth][n_par] truth inside the weighted 5-95% interval */
    double *width;              /* [n_truth][n_par] posterior 90% width / prior 90% width */
    int *ok;                    /* [n_truth] 0: skipped (the truth broke a scenario rule, or
                                 * its synthetic history gave a statistic no value) */
    double *coverage;           /* [n_par] share of the truths covered */
    double *chisq_p;            /* [n_par] chi-square test of the ranks against uniform (bins) */
    double *mean_width;         /* [n_par] mean width ratio */
    int *identified;            /* [n_par] p >= 0.01, coverage above its binomial 1% quantile
                                 * and mean width ratio <= 0.5 */
    long runs;                  /* model runs of the calibrations in this call (a resumed
                                 * run replays journaled truths without running them) */
    double seconds;             /* their wall time */
} nb_sbc_result;

/* Simulation-based calibration (Talts et al. 2018) of calibration c: for each truth,
 * simulate its targets' statistics (one replicate), calibrate on them with c's ABC-SMC
 * (and o's overrides), and record the truth's posterior rank, coverage and width.
 * Deterministic in (c, o) and independent of the thread count.  NB_OK and *out (free
 * with nb_sbc_result_free); NB_EINVAL (n_truth < 1, a journal of another run),
 * NB_EIO, NB_ENOMEM with e->msg. */
int nb_sbc_run(const nb_calib *c, const nb_sbc_opts *o, nb_sbc_result **out, nb_err *e);
void nb_sbc_result_free(nb_sbc_result *r);

/* The SBC table (coverage, rank uniformity, width ratio, identified; English and
 * Chinese headers). */
void nb_sbc_print(const nb_calib *c, const nb_sbc_result *r, FILE *out);

/* Write the SBC file (atomically; dimension scales truth(truth), parameter(parameter)):
 * truth, rank, covered, width_ratio (truth, parameter); ran (truth); coverage,
 * rank_uniformity_p, mean_width_ratio, identified, prior_min, prior_max, prior_log
 * (parameter); root attributes name the calibration and the SBC settings. */
int nb_sbc_write(const char *path, const nb_calib *c, const nb_sbc_opts *o,
                 const nb_sbc_result *r, nb_err *e);

#endif
