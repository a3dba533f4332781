/* cmdopts.h -- every subcommand's options (issue 12): the struct each table fills and
 * the table (cmdopts.c), the one place an option of `neobay` is defined.  A command
 * calls nb_opts_parse(&nb_opts_CMD, argc, argv, &args) (opts.h) and reads its
 * operands from argv[optind..].
 */
#ifndef NB_CMDOPTS_H
#define NB_CMDOPTS_H

#include "opts.h"
#include "sensitivity.h"        /* NB_SENS_MAX_METRICS, NB_SENS_MAX_YEARS */

#define NB_MAX_SETS 256          /* --set of run and check */

/* `neobay run`. */
typedef struct nb_run_args {
    const char *output;
    long replicates, threads, seed;   /* -1: the scenario's (threads: OpenMP's) */
    int quiet, restart, force, effect_priors;
    int fixed;                        /* --fixed-parameters */
    const char *sets[NB_MAX_SETS];
    int n_sets;
    int panel;                        /* nb_panel_freq: 0 off, 1 yearly, 2 monthly */
    long panel_reps;                  /* 0: not given */
    const char *posterior;            /* NULL: none */
    const char *scenario;             /* the operand (not an option) */
} nb_run_args;

/* `neobay check`. */
typedef struct nb_check_args {
    const char *sets[NB_MAX_SETS];
    int n_sets;
} nb_check_args;

/* `neobay params`. */
typedef struct nb_params_args {
    int markdown;
} nb_params_args;

/* `neobay summary`. */
typedef struct nb_summary_args {
    long years[64];
    int n_years;
    const char *metrics[64];
    int n_metrics;
    int csv;
} nb_summary_args;

/* `neobay compare` and `neobay sweep merge`. */
typedef struct nb_output_args {
    const char *output;
} nb_output_args;

/* `neobay export`. */
typedef struct nb_export_args {
    const char *csv;
} nb_export_args;

/* `neobay attribute`. */
typedef struct nb_attribute_args {
    const char *base, *output;
    long year, replicates, threads;   /* replicates, threads 0: the policy's, OpenMP's */
} nb_attribute_args;

/* `neobay uncertainty`. */
typedef struct nb_uncertainty_args {
    const char *base, *posterior, *output;
    long draws, per_draw, year, threads;
} nb_uncertainty_args;

/* `neobay sensitivity` (the limits are nb_sensitivity_file's, sensitivity.h). */
typedef struct nb_sensitivity_args {
    const char *metrics[NB_SENS_MAX_METRICS];
    int n_metrics;
    long years[NB_SENS_MAX_YEARS];
    int n_years;
    long resamples;
    int no_write;
} nb_sensitivity_args;

/* `neobay sweep SWEEP.yaml`. */
typedef struct nb_sweep_args {
    const char *output, *shard;
    long threads;
    int restart, quiet;
} nb_sweep_args;

/* `neobay calibrate CALIBRATION.yaml` (ABC-SMC or --msm). */
typedef struct nb_calibrate_args {
    const char *output;
    long threads, iterations;
    int quiet, restart, msm;
} nb_calibrate_args;

/* `neobay calibrate check`. */
typedef struct nb_calcheck_args {
    const char *sets[64];
    int n_sets;
} nb_calcheck_args;

/* `neobay calibrate sbc`. */
typedef struct nb_sbc_args {
    const char *output;
    long threads, truths, particles, generations, seed;   /* particles, generations 0
                                                           * and seed -1: the file's */
    int quiet, restart;
} nb_sbc_args;

extern const nb_optset nb_opts_run, nb_opts_check, nb_opts_params, nb_opts_summary,
    nb_opts_compare, nb_opts_export, nb_opts_attribute, nb_opts_uncertainty,
    nb_opts_sensitivity, nb_opts_sweep, nb_opts_sweep_merge, nb_opts_calibrate,
    nb_opts_calcheck, nb_opts_sbc;

/* Every table above, then NULL (for tests). */
extern const nb_optset *const nb_optsets[];

#endif
