/* cmdopts.c -- the option table of every subcommand (cmdopts.h): long name, short
 * letter, kind of value and its range or words, the field it sets, its default and
 * its help line, in the order --help lists them.  The usage line and the prose
 * around the options sit beside each table.  Nothing else in neobay spells an
 * option: getopt's structures, the checks of values and the options part of --help
 * are made from these (opts.c).
 */
#include "cmdopts.h"

/* Entries several commands share, word for word (T: the command's struct). */
#define OPT_QUIET(T) NB_O_FLAG(T, quiet, "quiet", 'q', "no progress on stderr")
#define OPT_BASE(T) NB_O_TEXT(T, base, "base", 'b', "FILE", "scenarios/baseline.yaml", \
                              "the counterfactual (default {default})")
#define OPT_YEAR(T) NB_O_LONG(T, year, "year", 'y', "Y", 2000, 2100, 2030, \
                              "December of year Y (default {default})")
#define OPT_THREADS(T) NB_O_LONG(T, threads, "threads", 't', "N", 1, 4096, 0, "OpenMP threads (default: all)")

/* ---- run -------------------------------------------------------------------------- */

#define A nb_run_args
static const nb_opt run_opts[] = {
    NB_O_TEXT(A, output, "output", 'o', "FILE", NULL,
              "results file (default output/runs/<scenario>-<hash>.h5,\n"
              "hash: 8 hex digits of the resolved settings); written\n"
              "under a temporary name, renamed when complete"),
    NB_O_FLAG(A, force, "force", 0,
              "replace FILE even when it holds another scenario or\n"
              "other settings (without it such a run stops, exit 2)"),
    NB_O_LONG(A, replicates, "replicates", 'r', "N", 1, 1000000, -1,
              "replicates (default: the scenario's run.replicates)"),
    NB_O_LONG(A, threads, "threads", 't', "N", 1, 4096, -1,
              "OpenMP threads (default: all cores); results do not\ndepend on it"),
    NB_O_LONG(A, seed, "seed", 's', "N", 0, 4294967295L, -1,
              "master seed (default: the scenario's run.seed)"),
    NB_O_TEXTS(A, sets, n_sets, NB_MAX_SETS, "set", 0, "KEY=VALUE",
               "override a parameter, as in a scenario file; repeatable"),
    OPT_QUIET(A),
    NB_O_FLAG(A, restart, "restart", 0, "delete FILE.ckpt (see below) and start afresh"),
    NB_O_CHOICE(A, panel, "panel", 0, "yearly|monthly",
                "also write micro-data into FILE: groups /panel (one\n"
                "row per firm and snapshot: time point 0, each December\n"
                "and the last month, or every month) and /events/rounds,\n"
                "/events/exits; replicates are rerun one by one after\n"
                "the ensemble (with the parameters each drew under\n"
                "--posterior or --effect-priors).  Memory\n"
                "~100 bytes per firm per snapshot\n"
                "(baseline monthly: ~100 MB per replicate)"),
    NB_O_LONG(A, panel_reps, "panel-replicates", 0, "N", 1, 1000000, 0,
              "micro-data of replicates 0..N-1 (default 1)"),
    NB_O_FLAG(A, fixed, "fixed-parameters", 0,
              "draw no parameters: every replicate runs at the\n"
              "scenario's values and the registry defaults (stochastic\n"
              "uncertainty only; the results of neobay before issue 11)"),
    NB_O_TEXT(A, posterior, "posterior", 0, "FILE", NULL,
              "draw the calibrated parameters from this posterior\n"
              "(neobay calibrate) instead of the shipped one, and no\n"
              "effect sizes unless --effect-priors is given too; the\n"
              "draws are stored as posterior_draw(replicate, parameter)"),
    NB_O_FLAG(A, effect_priors, "effect-priors", 0,
              "draw the effect sizes (every parameter with an evidence\n"
              "prior, neobay params) from their priors, and no\n"
              "calibrated parameters unless --posterior is given too.\n"
              "Stored as effect_draw(replicate, effect_parameter)"),
};
#undef A

const nb_optset nb_opts_run = NB_OPTSET("run",
    "Usage: neobay run SCENARIO.yaml [options]\n"
    "Run a Monte Carlo ensemble of a scenario and write the results (HDF5).\n\n",
    "\nParameters are drawn by default (parameter uncertainty): each replicate draws\n"
    "the calibrated parameters from the shipped posterior calibration/gnb-2024.h5\n"
    "(found beside or above the scenario's folder, or beside the neobay binary; when\n"
    "there is none, a note says so and only the effect sizes are drawn) and the\n"
    "effect sizes from their evidence priors (model/priors.def).  Replicate r's draws\n"
    "depend only on the seed, r and the parameter, never on the scenario, so two\n"
    "scenarios run with the same seed share them and neobay compare stays paired.\n"
    "What is never drawn: policy levers (the budgets and settings under policy.*;\n"
    "policy.guidance_leverage is an effect size and is drawn), and any parameter\n"
    "the scenario file (or a file it extends) or --set gives explicitly: explicit\n"
    "settings win.  The root attribute uncertainty names the sources drawn.\n\n"
    "The file records the --set assignments (attribute overrides) and the settings\n"
    "hash (settings_hash: scenario name, every resolved parameter and rule, the\n"
    "posterior file; not the replicate count); neobay summary prints both.\n\n"
    "Long runs resume: each finished replicate is saved to FILE.ckpt next to FILE.\n"
    "If the run is killed, run the same command again: it restores the saved\n"
    "replicates (\"resuming from FILE.ckpt: K of N replicates already done\"), runs\n"
    "the rest and writes the same file, byte for byte, as an uninterrupted run.  The\n"
    "checkpoint is deleted once FILE is written.  A checkpoint left by a different\n"
    "run (another scenario, seed, replicate count or neobay build) is an error (exit\n"
    "2) unless --restart is given.\n",
    run_opts);

/* ---- check, params ------------------------------------------------------------------ */

static const nb_opt check_opts[] = {
    NB_O_TEXTS(nb_check_args, sets, n_sets, NB_MAX_SETS, "set", 0, "KEY=VALUE",
               "override a parameter, as in a scenario file; repeatable"),
};

const nb_optset nb_opts_check = NB_OPTSET("check",
    "Usage: neobay check SCENARIO.yaml [--set KEY=VALUE]...\n"
    "Validate a scenario and print it fully resolved (every parameter, with the file\n"
    "and line each value came from).  Exit 0 when valid, 2 with a message when not.\n\n",
    "", check_opts);

static const nb_opt params_opts[] = {
    NB_O_FLAG(nb_params_args, markdown, "markdown", 0,
              "print model/PARAMETERS.md (one Markdown table) instead"),
};

const nb_optset nb_opts_params = NB_OPTSET("params",
    "Usage: neobay params [--markdown] [NAME-PREFIX]\n"
    "List every parameter: name, type, unit, default, valid range, policy measure,\n"
    "description and source (those whose name starts with NAME-PREFIX).\n\n",
    "", params_opts);

/* ---- summary, compare, export --------------------------------------------------------- */

#define A nb_summary_args
static const nb_opt summary_opts[] = {
    NB_O_LONGS(A, years, n_years, 64, "year", 0, "Y", 1900, 2200,
               "only December of year Y (the last month in the run's last year);\n"
               "repeatable"),
    NB_O_TEXTS(A, metrics, n_metrics, 64, "metric", 0, "M",
               "this metric instead of the headline ones; repeatable"),
    NB_O_FLAG(A, csv, "csv", 0,
              "CSV instead of the tables: metric,time,quantile,value,units, one\n"
              "row per metric, month and quantile (0.05, 0.5, 0.95), in the\n"
              "file's own units"),
};
#undef A

const nb_optset nb_opts_summary = NB_OPTSET("summary",
    "Usage: neobay summary RESULTS.h5 [--year Y]... [--metric M]... [--csv]\n"
    "Print a results file's key table: medians and 90% bands of the headline metrics\n"
    "at the first month, each December and the last month, then the milestones and\n"
    "the horizon distributions.\n\n",
    "", summary_opts);

static const nb_opt compare_opts[] = {
    NB_O_TEXT(nb_output_args, output, "output", 'o', "FILE", NULL,
              "also write every metric's impact, its quantiles and the\n"
              "costs to an HDF5 file (opens in xarray)"),
};

const nb_optset nb_opts_compare = NB_OPTSET("compare",
    "Usage: neobay compare BASE.h5 POLICY.h5 [-o IMPACT.h5]\n"
    "The impact of a policy (政策效应): POLICY minus BASE, replicate by replicate.  Both\n"
    "runs need the same seed, replicate count, start and number of months, so that\n"
    "replicate i of each shares its random numbers, and the same parameter sources\n"
    "(attribute uncertainty: both drawn, the default of run, or both\n"
    "--fixed-parameters) and posterior particles.  Prints, for the headline metrics\n"
    "at December 2025, December 2030 and the last month, the mean impact, the 90%\n"
    "confidence interval of that mean (Student t; * when it excludes zero) and the\n"
    "5-95% spread of the per-replicate impacts (** when it excludes zero too), and the\n"
    "public money per additional unicorn, listing and surviving firm with Fieller's 90%\n"
    "interval (unbounded when the mean impact is not distinguishable from zero).\n\n",
    "", compare_opts);

static const nb_opt export_opts[] = {
    NB_O_TEXT(nb_export_args, csv, "csv", 0, "DIR", NULL, "the folder to write into (made if missing)"),
};

const nb_optset nb_opts_export = NB_OPTSET("export",
    "Usage: neobay export RESULTS.h5 --csv DIR\n"
    "Write a results file (run, compare, sweep, posterior; panels included) as tidy\n"
    "CSV tables under DIR, one folder per group of the file:\n"
    "  <dataset>.csv     every array of two or more dimensions, one row per value:\n"
    "                    metric,<dim>,...,value [units]   (e.g. firms.csv:\n"
    "                    metric,replicate,time,value [firms])\n"
    "  by_<dim>.csv      the one-dimensional datasets over <dim> side by side, units\n"
    "                    in each header (milestones by year, panel rows, parameters)\n"
    "  scalars.csv       name,value,units (the costs of an impact file)\n"
    "Times are ISO dates, codes are written as their meanings, NaN as an empty field.\n\n",
    "", export_opts);

/* ---- attribute, uncertainty ------------------------------------------------------------ */

#define A nb_attribute_args
static const nb_opt attribute_opts[] = {
    OPT_BASE(A),
    OPT_YEAR(A),
    NB_O_LONG(A, replicates, "replicates", 'r', "N", 2, 1000000, 0,
              "replicates per arm (default: the policy's run.replicates)"),
    OPT_THREADS(A),
    NB_O_TEXT(A, output, "output", 'o', "FILE", NULL,
              "also write the table as HDF5 (dimensions arm, measure,\noutcome)"),
};
#undef A

const nb_optset nb_opts_attribute = NB_OPTSET("attribute",
    "Usage: neobay attribute POLICY.yaml [--base BASE.yaml] [--year Y] [options]\n"
    "Attribute a policy to its measures (政策分项归因): runs the base, the full policy,\n"
    "each measure alone (base + its levers) and the policy with each measure removed,\n"
    "all paired by replicate (common random numbers), and prints for each the mean\n"
    "effect on firms, unicorns and listings in December of the year with its 90%\n"
    "interval, the extra public money, and the money per additional firm and listing.\n"
    "A measure is every lever (parameter of measures 1..20) the policy sets differently\n"
    "from the base; adaptive rules belong to measure 20.  2 + 2 x measures ensembles.\n\n",
    "\nExit codes: 0 done, 2 bad input or command line, 1 the output could not be written.\n",
    attribute_opts);

#define A nb_uncertainty_args
static const nb_opt uncertainty_opts[] = {
    OPT_BASE(A),
    NB_O_TEXT(A, posterior, "posterior", 0, "FILE", NULL,
              "draw the calibrated parameters from this posterior"),
    NB_O_LONG(A, draws, "draws", 'd', "K", 2, 100000, 40,
              "draws of the uncertain inputs (default {default})"),
    NB_O_LONG(A, per_draw, "per-draw", 'm', "M", 2, 100000, 5, "replicates per draw (default {default})"),
    OPT_YEAR(A),
    OPT_THREADS(A),
    NB_O_TEXT(A, output, "output", 'o', "FILE", NULL,
              "also write the decomposition as HDF5 (dimensions outcome,\nsource)"),
};
#undef A

const nb_optset nb_opts_uncertainty = NB_OPTSET("uncertainty",
    "Usage: neobay uncertainty POLICY.yaml [--base BASE.yaml] [--posterior FILE] [options]\n"
    "Split the variance of a policy's impact by source (政策影响的方差分解): runs the\n"
    "policy and the base paired by replicate in a nested design -- DRAWS draws of the\n"
    "uncertain inputs, PER-DRAW replicates each -- and prints, for firms, backbones,\n"
    "unicorns, listings and high-tech firms in December of the year, the mean impact,\n"
    "its standard deviation and the shares of its variance that are stochastic (the\n"
    "replicates' own draws: within-draw variance), evidence (the effect sizes drawn\n"
    "from their priors, model/priors.def) and parameter (the calibrated parameters\n"
    "drawn from --posterior).  With a posterior, three designs are run (both sources,\n"
    "each alone), else one; each design is 2 x DRAWS x PER-DRAW runs.\n\n",
    "\nExit codes: 0 done, 2 bad input or command line, 1 anything else.\n",
    uncertainty_opts);

/* ---- sensitivity ------------------------------------------------------------------------ */

#define A nb_sensitivity_args
static const nb_opt sensitivity_opts[] = {
    NB_O_TEXTS(A, metrics, n_metrics, NB_SENS_MAX_METRICS, "metric", 'm', "M",
               "a metric to analyse; repeatable (default: the sweep's\n"
               "outputs.metrics, else firms, unicorns and listed)"),
    NB_O_LONGS(A, years, n_years, NB_SENS_MAX_YEARS, "year", 'y', "Y", 1900, 2200,
               "December of year Y; repeatable (default: the sweep's\n"
               "outputs.years, else the last December of the run)"),
    NB_O_LONG(A, resamples, "resamples", 'b', "B", 1, 1000000, NB_SENS_RESAMPLES,
              "bootstrap resamples (default {default})"),
    NB_O_FLAG(A, no_write, "no-write", 'n', "print only; leave the file as it is"),
};
#undef A

const nb_optset nb_opts_sensitivity = NB_OPTSET("sensitivity",
    "Usage: neobay sensitivity SWEEP.h5 [--metric M]... [--year Y]... [options]\n"
    "Global sensitivity analysis (全局敏感性分析) of a sweep's outcomes to its factors.\n"
    "A saltelli sweep gives Sobol indices: first order S1 (the factor alone) and total\n"
    "ST (with its interactions), with 90% bootstrap intervals.  A morris sweep gives\n"
    "the elementary-effect statistics mu* (importance), mu (direction) and sigma\n"
    "(non-linearity, interactions).  The outcome is the mean over replicates of a\n"
    "metric at December of a year.  Prints a table per outcome, ranked, and writes the\n"
    "results into SWEEP.h5 as group /sensitivity (replacing an earlier one; the file is\n"
    "rewritten under a temporary name and renamed, so it is never left half-written).\n\n",
    "\nExit codes: 0 done, 2 bad input (not a sweep file, a grid/lhs/sobol design, a\n"
    "metric or year not in the file), 1 the file could not be rewritten.\n",
    sensitivity_opts);

/* ---- sweep ------------------------------------------------------------------------------ */

#define A nb_sweep_args
static const nb_opt sweep_opts[] = {
    NB_O_TEXT(A, output, "output", 'o', "FILE", NULL,
              "results file (default output/<sweep name>.h5); written\n"
              "under a temporary name, renamed when complete"),
    NB_O_LONG(A, threads, "threads", 't', "N", 1, 4096, 0,
              "OpenMP threads per process (default: all cores it has);\n"
              "results do not depend on it"),
    NB_O_TEXT(A, shard, "shard", 0, "K/N", NULL,
              "run only the points p with p % N == K into FILE (a Slurm\n"
              "array task); K may be 'auto' or left out (--shard /N) to\n"
              "take it from SLURM_ARRAY_TASK_ID (submit --array=0-(N-1))"),
    NB_O_FLAG(A, restart, "restart", 0, "delete FILE.journal (see below) and start afresh"),
    OPT_QUIET(A),
};
#undef A

const nb_optset nb_opts_sweep = NB_OPTSET("sweep",
    "Usage: neobay sweep SWEEP.yaml [-o OUT.h5] [options]\n"
    "       neobay sweep check SWEEP.yaml\n"
    "       neobay sweep point SWEEP.yaml K\n"
    "       neobay sweep merge -o OUT.h5 SHARD.h5...\n"
    "Run every design point of a sweep as an ensemble and write one HDF5 file: the design\n"
    "table and each point's mean and quantiles of every metric over time (and, with\n"
    "full_series, every replicate).  The file opens in xarray (engine h5netcdf).\n\n",
    "\n  check     validate the sweep; print its size (points x replicates = model runs),\n"
    "            factors and first design rows\n"
    "  point     print design point K as a fully resolved scenario: `neobay run` on it\n"
    "            gives the statistics of row K of the sweep's results\n"
    "  merge     combine the N shard files of a sweep into the file a whole run writes\n"
    "            (byte for byte); every shard 0..N-1 exactly once\n\n"
    "MPI: started by `mpirun -n R neobay sweep ...` (or srun --mpi=pmix) the points are\n"
    "spread over the R ranks as they finish (dynamic load balancing); rank 0 writes the\n"
    "file.  The file is the same, byte for byte, for any R and thread count.\n\n"
    "Resuming: each finished point is saved to FILE.journal.  If the sweep is killed,\n"
    "run the same command again: it runs only the missing points and writes the same\n"
    "file as an uninterrupted run; the journal is deleted once FILE is written.  A\n"
    "journal of another sweep (or shard, or neobay build) is an error (exit 2) unless\n"
    "--restart is given.\n",
    sweep_opts);

static const nb_opt sweep_merge_opts[] = {
    NB_O_TEXT(nb_output_args, output, "output", 'o', "FILE", NULL,
              "the merged file (required); written under a temporary\nname, renamed when complete"),
};

const nb_optset nb_opts_sweep_merge = NB_OPTSET("sweep merge",
    "Usage: neobay sweep merge -o OUT.h5 SHARD.h5...\n"
    "Combine the N shard files of a sweep (neobay sweep --shard K/N) into the file a\n"
    "whole run writes (byte for byte); every shard 0..N-1 exactly once.\n\n",
    "", sweep_merge_opts);

/* ---- calibrate ------------------------------------------------------------------------------ */

#define A nb_calibrate_args
static const nb_opt calibrate_opts[] = {
    NB_O_TEXT(A, output, "output", 'o', "FILE", NULL,
              "posterior file (default output/<calibration name>-posterior.h5);\n"
              "written under a temporary name, renamed when complete"),
    NB_O_LONG(A, threads, "threads", 't', "N", 1, 4096, 0,
              "OpenMP threads (default: all cores); the posterior does\nnot depend on it"),
    OPT_QUIET(A),
    NB_O_FLAG(A, restart, "restart", 0, "delete FILE.ckpt (see below) and start afresh"),
    NB_O_FLAG(A, msm, "msm", 0, "a method-of-simulated-moments point estimate instead\n(see below)"),
    NB_O_LONG(A, iterations, "iterations", 0, "N", 1, 1000000, 200,
              "--msm: Nelder-Mead iterations (default {default})"),
};
#undef A

const nb_optset nb_opts_calibrate = NB_OPTSET("calibrate",
    "Usage: neobay calibrate CALIBRATION.yaml [options]\n"
    "       neobay calibrate report POSTERIOR.h5\n"
    "       neobay calibrate check CALIBRATION.yaml [--set NAME=VALUE]...\n"
    "       neobay calibrate sbc CALIBRATION.yaml [--truths N] [--particles N]\n"
    "                            [--generations N] [--seed N] [-o FILE]\n"
    "       neobay calibrate --msm CALIBRATION.yaml [--iterations N]\n\n"
    "Calibrate the model to observed figures by ABC-SMC (approximate Bayesian\n"
    "computation, sequential Monte Carlo): the calibration file names a base scenario,\n"
    "a targets file (observed figures, each with its source, uncertainty, weight and\n"
    "the simulated statistic it is compared with), the parameters with their priors,\n"
    "and the sampler's settings (particles, generations, tolerance quantile,\n"
    "replicates per candidate, seed).  The posterior (particles, weights, history,\n"
    "tolerances, acceptance rates, targets, a posterior-predictive check) is written\n"
    "to an HDF5 file that xarray opens; `neobay run SCENARIO --posterior FILE` then\n"
    "draws each replicate's parameters from it.\n\n",
    "\nreport   the fit table (target, observed, simulated median and 90% interval of\n"
    "         the posterior predictive, within or not) and the posterior summaries\n"
    "check    validate the calibration and targets files and print each fitted\n"
    "         target's statistic simulated at the base scenario's values (or at\n"
    "         --set NAME=VALUE for calibrated parameters) with the distance\n"
    "sbc      simulation-based calibration (Talts et al. 2018): draw --truths\n"
    "         (default 50) parameter values from the prior, simulate the targets at\n"
    "         each (one replicate), calibrate on them (--particles, --generations\n"
    "         override the file's, for smaller runs) and report per parameter the\n"
    "         coverage of the 90% interval, a rank-uniformity test and the\n"
    "         posterior/prior width ratio; writes output/<name>-sbc.h5 (or -o) and\n"
    "         resumes after a kill (one journal per truth); its options:\n"
    "         neobay calibrate sbc --help\n"
    "--msm    a point estimate by the method of simulated moments: GSL's Nelder-Mead\n"
    "         on the same distance, common random numbers (one seed) across points\n\n"
    "A calibration killed part way resumes: accepted candidates and finished batches\n"
    "are journaled to FILE.ckpt as they happen; run the same command again and it\n"
    "continues, writing the same posterior, byte for byte, as an uninterrupted run.\n"
    "The journal is deleted once FILE is written.  A journal of another calibration\n"
    "(other files, seed or neobay build) is an error (exit 2) unless --restart.\n",
    calibrate_opts);

static const nb_opt calcheck_opts[] = {
    NB_O_TEXTS(nb_calcheck_args, sets, n_sets, 64, "set", 0, "NAME=VALUE",
               "simulate at this value of a calibrated parameter instead\n"
               "of the base scenario's; repeatable"),
};

const nb_optset nb_opts_calcheck = NB_OPTSET("calibrate check",
    "Usage: neobay calibrate check CALIBRATION.yaml [--set NAME=VALUE]...\n"
    "Validate a calibration and its targets file and print each fitted target's\n"
    "statistic simulated at the base scenario's values of the calibrated parameters\n"
    "(or at --set NAME=VALUE), with the distance.\n\n",
    "", calcheck_opts);

#define A nb_sbc_args
static const nb_opt sbc_opts[] = {
    NB_O_LONG(A, truths, "truths", 0, "N", 1, 100000, 50,
              "parameter values drawn from the prior (default {default})"),
    NB_O_LONG(A, particles, "particles", 0, "N", 2, 1000000, 0,
              "particles of each calibration (default: the file's)"),
    NB_O_LONG(A, generations, "generations", 0, "N", 1, 1000, 0,
              "generations at most of each calibration (default: the\nfile's)"),
    NB_O_LONG(A, seed, "seed", 's', "N", 0, 4294967295L, -1, "master seed (default: the file's)"),
    NB_O_TEXT(A, output, "output", 'o', "FILE", NULL,
              "results file (default output/<calibration name>-sbc.h5)"),
    NB_O_LONG(A, threads, "threads", 't', "N", 1, 4096, 0, "OpenMP threads (default: all cores)"),
    OPT_QUIET(A),
    NB_O_FLAG(A, restart, "restart", 0, "delete the truths' journals and start afresh"),
};
#undef A

const nb_optset nb_opts_sbc = NB_OPTSET("calibrate sbc",
    "Usage: neobay calibrate sbc CALIBRATION.yaml [options]\n"
    "Simulation-based calibration (Talts et al. 2018) of a calibration: draw --truths\n"
    "parameter values from the prior, simulate the targets at each (one replicate),\n"
    "calibrate on them and report per parameter the coverage of the 90% interval, a\n"
    "rank-uniformity test and the posterior/prior width ratio.  Resumes after a kill\n"
    "(one journal per truth, FILE.ckpt-<truth>).\n\n",
    "", sbc_opts);

/* ---- every table ------------------------------------------------------------------------- */

const nb_optset *const nb_optsets[] = {
    &nb_opts_run, &nb_opts_check, &nb_opts_params, &nb_opts_summary, &nb_opts_compare,
    &nb_opts_export, &nb_opts_attribute, &nb_opts_uncertainty, &nb_opts_sensitivity,
    &nb_opts_sweep, &nb_opts_sweep_merge, &nb_opts_calibrate, &nb_opts_calcheck, &nb_opts_sbc,
    NULL};
