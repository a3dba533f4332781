/* main.c -- the `neobay` command line: a thin layer over the model library.
 *
 * Exit codes: 0 success, 2 bad input (scenario, command line, results file),
 * 1 anything else (out of memory, a write that failed).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "../model/neobay.h"
#include "../model/ensemble.h"
#include "../model/firms.h"
#include "calibrate.h"
#include "checkpoint.h"
#include "compare.h"
#include "format.h"
#include "h5out.h"
#include "panel.h"
#include "scenario.h"
#include "sensitivity.h"
#include "sweep_run.h"
#include "outpath.h"

#define EXIT_BAD 2

#ifndef NB_GIT_COMMIT
#define NB_GIT_COMMIT "unknown"
#endif

/* Print "neobay: error: MSG" and return the exit code for `status`. */
static int fail(int status, const char *msg)
{
    fprintf(stderr, "neobay: error: %s\n", msg);
    return status == NB_ENOMEM ? 1 : EXIT_BAD;
}

static int fail_usage(const char *cmd, const char *what)
{
    fprintf(stderr, "neobay: error: %s\nTry 'neobay %s --help'.\n", what, cmd);
    return EXIT_BAD;
}

/* Parse a whole number in [lo, hi] from `s` into *v; 0 on success. */
static int parse_long(const char *s, long lo, long hi, long *v)
{
    char *end;
    errno = 0;
    long x = strtol(s, &end, 10);
    if (errno || end == s || *end || x < lo || x > hi) return -1;
    *v = x;
    return 0;
}

/* ---- run ------------------------------------------------------------------------- */

static const char run_help[] =
    "Usage: neobay run SCENARIO.yaml [options]\n"
    "Run a Monte Carlo ensemble of a scenario and write the results (HDF5).\n\n"
    "  -o, --output FILE      results file (default output/<scenario name>.h5);\n"
    "                         written under a temporary name, renamed when complete\n"
    "  -r, --replicates N     replicates (default: the scenario's run.replicates)\n"
    "  -t, --threads N        OpenMP threads (default: all cores); results do not\n"
    "                         depend on it\n"
    "  -s, --seed N           master seed (default: the scenario's run.seed)\n"
    "      --set KEY=VALUE    override a parameter, as in a scenario file; repeatable\n"
    "  -q, --quiet            no progress on stderr\n"
    "      --restart          delete FILE.ckpt (see below) and start afresh\n"
    "      --panel yearly|monthly\n"
    "                         also write micro-data into FILE: groups /panel (one\n"
    "                         row per firm and snapshot: time point 0, each December\n"
    "                         and the last month, or every month) and /events/rounds,\n"
    "                         /events/exits; replicates are rerun one by one after\n"
    "                         the ensemble.  Memory ~100 bytes per firm per snapshot\n"
    "                         (baseline monthly: ~100 MB per replicate)\n"
    "      --panel-replicates N  micro-data of replicates 0..N-1 (default 1)\n"
    "      --posterior FILE   draw each replicate's parameters from a calibration's\n"
    "                         posterior (neobay calibrate), so the projection carries\n"
    "                         parameter as well as stochastic uncertainty; the draws\n"
    "                         are stored as posterior_draw(replicate, parameter)\n"
    "  -h, --help             this text\n\n"
    "Long runs resume: each finished replicate is saved to FILE.ckpt next to FILE.\n"
    "If the run is killed, run the same command again: it restores the saved\n"
    "replicates (\"resuming from FILE.ckpt: K of N replicates already done\"), runs\n"
    "the rest and writes the same file, byte for byte, as an uninterrupted run.  The\n"
    "checkpoint is deleted once FILE is written.  A checkpoint left by a different\n"
    "run (another scenario, seed, replicate count or neobay build) is an error (exit\n"
    "2) unless --restart is given.\n";

typedef struct progress {
    int quiet, tty, last_pct;
    struct timespec t0;
    const nb_results *res;
    nb_ckpt *ck;        /* where finished replicates are saved; NULL: nowhere */
    int resumed;        /* replicates restored from the checkpoint */
} progress;

static double seconds_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + 1e-9 * (double)(t.tv_nsec - t0->tv_nsec);
}

/* Save replicate rep to the checkpoint; after a failed write, warn once and carry on
 * without one (the run itself is unaffected). */
static void save_replicate(progress *pg, int rep)
{
    nb_err e;
    if (!pg->ck || nb_ckpt_append(pg->ck, pg->res, rep, &e) == NB_OK) return;
    fprintf(stderr, "neobay: warning: %s; continuing without a checkpoint\n", e.msg);
    nb_ckpt_close(pg->ck, 0, NULL);
    pg->ck = NULL;
}

/* Checkpoint each finished replicate; progress on stderr: a bar on a terminal, a
 * line every 10% in a batch log.  Counts include replicates restored on resuming. */
static void on_done(void *ud, int rep, int done, int total)
{
    progress *pg = ud;
    save_replicate(pg, rep);
    if (pg->quiet) return;
    int ran = done;
    done += pg->resumed;
    int pct = (int)(100.0 * done / total);
    double el = seconds_since(&pg->t0), left = el / ran * (total - done);
    if (pg->tty) {
        int w = pct / 4;
        fprintf(stderr, "\r[%.*s%*s] %3d%% %d/%d replicates, %.0f s left ",
                w, "#########################", 25 - w, "", pct, done, total, left);
        if (done == total) fputc('\n', stderr);
    } else if (pct / 10 > pg->last_pct / 10 || done == total) {
        fprintf(stderr, "neobay: %d/%d replicates (%d%%), %.1f s elapsed, %.0f s left\n",
                done, total, pct, el, left);
    }
    pg->last_pct = pct;
}

/* Refuse an output path whose directory is missing or not writable, before running. */
static int check_output_path(const char *out, nb_err *e)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(out, '/');
    if (!slash) strcpy(dir, ".");
    else if (slash == out) strcpy(dir, "/");
    else snprintf(dir, sizeof dir, "%.*s", (int)(slash - out), out);
    struct stat st;
    if (!*out || (slash && !slash[1]))
        return nb_err_set(e, "--output: '%s' is not a file name", out);
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return nb_err_set(e, "--output: directory '%s' does not exist", dir);
    if (access(dir, W_OK) != 0)
        return nb_err_set(e, "--output: directory '%s' is not writable", dir);
    if (stat(out, &st) == 0 && S_ISDIR(st.st_mode))
        return nb_err_set(e, "--output: '%s' is a directory", out);
    return NB_OK;
}

typedef struct run_args {
    const char *scenario, *output;
    long replicates, threads, seed;
    int quiet;
    const char *sets[256];
    int n_sets;
    int restart;
    int panel;          /* nb_panel_freq */
    long panel_reps;
    const char *posterior;   /* --posterior FILE, or NULL */
} run_args;

static int run_parse(int argc, char **argv, run_args *a)
{
    static const struct option opts[] = {
        {"output", required_argument, 0, 'o'}, {"replicates", required_argument, 0, 'r'},
        {"threads", required_argument, 0, 't'}, {"seed", required_argument, 0, 's'},
        {"set", required_argument, 0, 'S'}, {"quiet", no_argument, 0, 'q'},
        {"panel", required_argument, 0, 'P'}, {"panel-replicates", required_argument, 0, 'N'},
        {"restart", no_argument, 0, 'R'}, {"posterior", required_argument, 0, 'p'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    memset(a, 0, sizeof *a);
    a->replicates = a->threads = a->seed = -1;
    int c;
    char msg[512];
    while ((c = getopt_long(argc, argv, "o:r:t:s:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'o': a->output = optarg; break;
        case 'r':
            if (parse_long(optarg, 1, 1000000, &a->replicates))
                return snprintf(msg, sizeof msg, "--replicates: '%s' is not a whole number from 1 to 1000000", optarg), fail_usage("run", msg);
            break;
        case 't':
            if (parse_long(optarg, 1, 4096, &a->threads))
                return snprintf(msg, sizeof msg, "--threads: '%s' is not a whole number from 1 to 4096", optarg), fail_usage("run", msg);
            break;
        case 's':
            if (parse_long(optarg, 0, 4294967295L, &a->seed))
                return snprintf(msg, sizeof msg, "--seed: '%s' is not a whole number from 0 to 4294967295", optarg), fail_usage("run", msg);
            break;
        case 'S':
            if (a->n_sets == 256) return fail_usage("run", "--set: at most 256 overrides");
            a->sets[a->n_sets++] = optarg;
            break;
        case 'q': a->quiet = 1; break;
        case 'p': a->posterior = optarg; break;
        case 'R': a->restart = 1; break;
        case 'P':
            if ((a->panel = nb_panel_freq_parse(optarg)) < 0)
                return snprintf(msg, sizeof msg, "--panel: '%s' is not yearly or monthly", optarg), fail_usage("run", msg);
            break;
        case 'N':
            if (parse_long(optarg, 1, 1000000, &a->panel_reps))
                return snprintf(msg, sizeof msg, "--panel-replicates: '%s' is not a whole number from 1 to 1000000", optarg), fail_usage("run", msg);
            break;
        case 'h': fputs(run_help, stdout); exit(0);
        default: return fail_usage("run", "unknown option");
        }
    }
    if (a->panel_reps && !a->panel) return fail_usage("run", "--panel-replicates needs --panel");
    if (a->panel && a->posterior) return fail_usage("run", "--panel cannot be combined with --posterior");
    if (a->panel && !a->panel_reps) a->panel_reps = 1;
    if (optind + 1 != argc)
        return fail_usage("run", optind == argc ? "no scenario file given" : "more than one scenario file given");
    a->scenario = argv[optind];
    return 0;
}

/* Load the scenario, apply overrides, validate.  NULL after printing the error. */
static nb_scenario *scenario_open(const char *path, const char *const *sets, int n_sets,
                                  int *code)
{
    nb_scenario *sc = NULL;
    nb_err e;
    int st = nb_scenario_load(path, &sc, &e);
    for (int i = 0; st == NB_OK && i < n_sets; i++) st = nb_scenario_set(sc, sets[i], &e);
    if (st == NB_OK) st = nb_scenario_validate(sc, &e);
    if (st != NB_OK) {
        *code = fail(st, e.msg);
        nb_scenario_free(sc);
        return NULL;
    }
    return sc;
}

/* Open the checkpoint of results file `out` (deleting it first when `restart`),
 * restoring into res and skip what an earlier run of the same command finished, and
 * say so on stderr.  Sets pg->ck and pg->resumed.  0, or the exit code after
 * printing the error (2 for another run's checkpoint). */
static int run_resume(const char *out, int restart, const nb_run_meta *meta,
                      nb_results *res, unsigned char *skip, progress *pg)
{
    char path[PATH_MAX];
    nb_err e;
    int found = 0, st = nb_ckpt_path(out, path, sizeof path, &e);
    if (st == NB_OK && restart) st = nb_ckpt_delete(path, &e);
    if (st == NB_OK)
        st = nb_ckpt_open(path, nb_ckpt_hash(meta, res), res, skip, &pg->ck, &found,
                          &pg->resumed, &e);
    if (st != NB_OK) return fail(st == NB_EINVAL ? NB_EINVAL : NB_ENOMEM, e.msg);
    if (found)
        fprintf(stderr, "neobay: resuming from %s: %d of %d replicates already done\n",
                path, pg->resumed, res->n_rep);
    return 0;
}

static int cmd_run(int argc, char **argv)
{
    run_args a;
    int code = run_parse(argc, argv, &a);
    if (code) return code;
    nb_scenario *sc = scenario_open(a.scenario, a.sets, a.n_sets, &code);
    if (!sc) return code;
    if (a.replicates > 0) nb_paramset_set_const(&sc->ps, NB_P_run_replicates, (double)a.replicates);
    if (a.seed >= 0) nb_paramset_set_const(&sc->ps, NB_P_run_seed, (double)a.seed);
    char defout[PATH_MAX];
    snprintf(defout, sizeof defout, "output/%s.h5", sc->name);
    const char *out = a.output ? a.output : defout;
    nb_err e;
    const char *in[] = {a.posterior};
    if (check_output_path(out, &e) != NB_OK || nb_outpath_check(out, in, 1, sc, &e) != NB_OK) {
        nb_scenario_free(sc);
        return fail(NB_EINVAL, e.msg);
    }
    if (a.panel_reps > sc->ps.p[NB_P_run_replicates].value[0]) {
        nb_err_set(&e, "--panel-replicates: %ld is more than the run's %.0f replicates", a.panel_reps, sc->ps.p[NB_P_run_replicates].value[0]);
        nb_scenario_free(sc);
        return fail(NB_EINVAL, e.msg);
    }
    /* --posterior: each replicate's parameters drawn from a calibration (calibrate.h). */
    nb_post_draws *pd = NULL;
    int dst = a.posterior ? nb_post_draws_make(a.posterior, sc, (int)sc->ps.p[NB_P_run_replicates].value[0],
                                               &pd, a.quiet ? NULL : stderr, &e) : NB_OK;
    if (dst != NB_OK) { nb_scenario_free(sc); return fail(dst, e.msg); }

    nb_model *m = nb_model_alloc(&sc->ps);
    int nrep = (int)sc->ps.p[NB_P_run_replicates].value[0];
    nb_results *res = m ? nb_results_alloc(nrep, nb_model_n_time(m), nb_model_start(m)) : NULL;
    char *yaml = nb_scenario_to_yaml(sc);
    if (pd && yaml && nb_post_draws_annotate(pd, &yaml) != NB_OK) { free(yaml); yaml = NULL; }
    unsigned char *skip = calloc((size_t)nrep, 1);
    progress pg = {a.quiet, isatty(2), 0, {0, 0}, res, NULL, 0};
    nb_run_meta meta = {sc->name, sc->path, yaml, &sc->ps, m ? nb_model_seed(m) : 0};
    code = (m && res && yaml && skip) ? run_resume(out, a.restart, &meta, res, skip, &pg)
                                      : fail(NB_ENOMEM, "out of memory");
    clock_gettime(CLOCK_MONOTONIC, &pg.t0);
    nb_ensemble_opts o = {(int)a.threads, on_done, &pg, skip};
    uint64_t steps = 0;
    int st = code ? NB_OK : pd ? nb_post_ensemble_run(pd, res, &o, &steps) : nb_ensemble_run(m, res, &o, &steps);
    double secs = seconds_since(&pg.t0);
    /* Micro-data: rerun replicates 0..N-1 with the panel's sink; written with the file. */
    nb_panel *pn = (!code && st == NB_OK && a.panel) ? nb_panel_alloc(m, a.panel) : NULL;
    if (!code && st == NB_OK && a.panel) {
        int pst = pn ? nb_panel_collect(pn, m, (int)a.panel_reps, res, &e)
                     : nb_err_code(&e, NB_ENOMEM, "micro-data: out of memory");
        if (pst != NB_OK) code = fail(pst == NB_EINVAL ? NB_EINVAL : NB_ENOMEM, e.msg);
        if (!code && !a.quiet)
            fprintf(stderr, "neobay: micro-data of %ld replicate(s): %zu panel rows, %zu financing events, %zu exits and listings\n",
                    a.panel_reps, pn->firms.n, pn->rounds.n, pn->exits.n);
    }
    if (!code && st != NB_OK) code = fail(NB_ENOMEM, "out of memory");
    else if (!code && nb_h5_write_run_ex(out, res, &meta, pd ? nb_post_draws_write : pn ? nb_panel_write : NULL, pd ? (const void *)pd : pn, &e) != NB_OK) code = fail(NB_ENOMEM, e.msg);
    /* Written: the checkpoint has served.  Failed: keep it, so a rerun resumes. */
    if (nb_ckpt_close(pg.ck, code == 0, &e) != NB_OK)
        fprintf(stderr, "neobay: warning: %s\n", e.msg);
    if (code == 0 && !a.quiet)
        fprintf(stderr, "neobay: wrote %s: %d replicates x %d months, %.3g firm-steps in %.2f s (%.3g firm-steps/s)\n",
                out, nrep, nb_model_n_time(m), (double)steps, secs, (double)steps / fmax(secs, 1e-9));
    free(skip);
    free(yaml);
    nb_results_free(res);
    nb_panel_free(pn);
    nb_post_draws_free(pd);
    nb_model_free(m);
    nb_scenario_free(sc);
    return code;
}

/* ---- check ------------------------------------------------------------------------ */

static const char check_help[] =
    "Usage: neobay check SCENARIO.yaml [--set KEY=VALUE]...\n"
    "Validate a scenario and print it fully resolved (every parameter, with the file\n"
    "and line each value came from).  Exit 0 when valid, 2 with a message when not.\n";

static int cmd_check(int argc, char **argv)
{
    static const struct option opts[] = {
        {"set", required_argument, 0, 'S'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *sets[256];
    int n_sets = 0, c, code = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h') { fputs(check_help, stdout); return 0; }
        if (c != 'S') return fail_usage("check", "unknown option");
        if (n_sets == 256) return fail_usage("check", "--set: at most 256 overrides");
        sets[n_sets++] = optarg;
    }
    if (optind + 1 != argc) return fail_usage("check", "give exactly one scenario file");
    nb_scenario *sc = scenario_open(argv[optind], sets, n_sets, &code);
    if (!sc) return code;
    char *yaml = nb_scenario_to_yaml(sc);
    if (!yaml) code = fail(NB_ENOMEM, "out of memory");
    else fputs(yaml, stdout);
    free(yaml);
    nb_scenario_free(sc);
    return code;
}

/* ---- params ----------------------------------------------------------------------- */

static const char params_help[] =
    "Usage: neobay params [--markdown] [NAME-PREFIX]\n"
    "List every parameter: name, type, unit, default, valid range, policy measure,\n"
    "description and source.  --markdown prints model/PARAMETERS.md.\n";

static void params_text(const char *prefix)
{
    for (int i = 0; i < NB_NPARAMS; i++) {
        const nb_param_info *p = &nb_registry[i];
        if (prefix && strncmp(p->name, prefix, strlen(prefix)) != 0) continue;
        char d[64], lo[64], hi[64];
        nb_format_value(p->type, p->def, d, sizeof d);
        nb_format_value(p->type, p->min, lo, sizeof lo);
        nb_format_value(p->type, p->max, hi, sizeof hi);
        printf("%s  (%s, %s%s)\n  default %s, range [%s, %s]", p->name, nb_ptype_name(p->type),
               p->unit, (p->flags & NB_F_SCHED) ? ", may be a dated schedule" : "", d, lo, hi);
        if (p->measure) printf(", measure %d", p->measure);
        printf("\n  %s\n  source: %s\n\n", p->desc, p->source);
    }
}

static void params_markdown(void)
{
    puts("# neobay parameters\n");
    puts("Generated by `neobay params --markdown` from the registry (`model/params.def`);");
    puts("do not edit by hand: `make docs` regenerates it and a test fails when it is stale.\n");
    puts("Money is in RMB (yuan; scenario files may write 万 = 1e4 and 亿 = 1e8). Months are");
    puts("`YYYY-MM`. *Schedule* marks parameters that may be given as a dated schedule");
    puts("`{2024-07-11: 0, 2025-01-01: 2亿}`: each value holds from its date's month, and the");
    puts("default holds before the first date.\n");
    puts("| name | type | unit | default | min | max | measure | description | source |");
    puts("|---|---|---|---|---|---|---|---|---|");
    for (int i = 0; i < NB_NPARAMS; i++) {
        const nb_param_info *p = &nb_registry[i];
        char d[64], lo[64], hi[64];
        nb_format_value(p->type, p->def, d, sizeof d);
        nb_format_value(p->type, p->min, lo, sizeof lo);
        nb_format_value(p->type, p->max, hi, sizeof hi);
        char ms[8] = "";
        if (p->measure) snprintf(ms, sizeof ms, "%d", p->measure);
        printf("| `%s` | %s%s | %s | %s | %s | %s | %s | %s | %s |\n", p->name,
               nb_ptype_name(p->type), (p->flags & NB_F_SCHED) ? ", schedule" : "",
               p->unit, d, lo, hi, ms, p->desc, p->source);
    }
}

static int cmd_params(int argc, char **argv)
{
    static const struct option opts[] = {
        {"markdown", no_argument, 0, 'm'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c, md = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h') { fputs(params_help, stdout); return 0; }
        if (c != 'm') return fail_usage("params", "unknown option");
        md = 1;
    }
    if (argc - optind > 1) return fail_usage("params", "at most one name prefix");
    if (md) params_markdown();
    else params_text(optind < argc ? argv[optind] : NULL);
    return 0;
}

/* ---- summary ----------------------------------------------------------------------- */

static const char summary_help[] =
    "Usage: neobay summary RESULTS.h5\n"
    "Print a results file's key table: medians and 90% bands of the headline metrics.\n";

static int cmd_summary(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        fputs(summary_help, stdout);
        return 0;
    }
    if (argc != 2) return fail_usage("summary", "give exactly one results file");
    nb_err e;
    if (nb_h5_summary(argv[1], stdout, &e) != NB_OK) return fail(NB_EINVAL, e.msg);
    return 0;
}

/* ---- compare ----------------------------------------------------------------------- */

static const char compare_help[] =
    "Usage: neobay compare BASE.h5 POLICY.h5 [-o IMPACT.h5]\n"
    "The impact of a policy (政策效应): POLICY minus BASE, replicate by replicate.  Both\n"
    "runs need the same seed, replicate count, start and number of months, so that\n"
    "replicate i of each shares its random numbers.  Prints, for the headline metrics\n"
    "at December 2025, December 2030 and the last month, the mean impact and its 90%\n"
    "interval (* when it excludes zero), and the public money per additional unicorn,\n"
    "listing and surviving firm.\n\n"
    "  -o, --output FILE   also write every metric's impact, its quantiles and the\n"
    "                      costs to an HDF5 file (opens in xarray)\n"
    "  -h, --help          this text\n";

/* `neobay compare`: exit 0, 2 for a bad command line or input file, 1 when the
 * impact file cannot be written or memory runs out. */
static int cmd_compare(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, 0, 'o'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *output = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        if (c == 'h') { fputs(compare_help, stdout); return 0; }
        if (c != 'o') return fail_usage("compare", "unknown option");
        output = optarg;
    }
    if (argc - optind != 2) return fail_usage("compare", "give exactly two results files: BASE.h5 POLICY.h5");
    nb_err e;
    if (output && check_output_path(output, &e) != NB_OK) return fail(NB_EINVAL, e.msg);
    int st = nb_compare(argv[optind], argv[optind + 1], output, stdout, &e);
    if (st != NB_OK) return fail(st == NB_EINVAL ? NB_EINVAL : NB_ENOMEM, e.msg);
    return 0;
}

/* ---- main --------------------------------------------------------------------------- */

static const char main_help[] =
    "neobay " NB_VERSION " -- policy-impact simulator for Greater Neo Bay (大零号湾)\n\n"
    "Usage: neobay COMMAND [options]   (neobay COMMAND --help for each)\n\n"
    "  run SCENARIO       run an ensemble, write an HDF5 results file\n"
    "  check SCENARIO     validate a scenario and print it fully resolved\n"
    "  params             list every parameter with unit, default, range and source\n"
    "  summary FILE       print a results file's key table\n"
    "  compare BASE POLICY  the impact of a policy, paired by replicate\n"
    "  sweep SWEEP.yaml   run a design of parameter points (MPI, Slurm shards, resumable)\n"
    "  sensitivity SWEEP.h5  Sobol indices or Morris effects of a sweep's outcomes\n"
    "  calibrate CAL.yaml fit parameters to observed figures (ABC-SMC); calibrate report\n"
    "  version            print the version and git commit\n";

int main(int argc, char **argv)
{
    static const struct { const char *name; int (*fn)(int, char **); } cmds[] = {
        {"run", cmd_run}, {"check", cmd_check}, {"params", cmd_params},
        {"summary", cmd_summary}, {"compare", cmd_compare},
        {"sensitivity", nb_cmd_sensitivity}, {"sweep", nb_cmd_sweep},
        {"calibrate", nb_cmd_calibrate}};
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        fputs(main_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_BAD : 0;
    }
    if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version")) {
        printf("neobay %s (commit %s)\n", NB_VERSION, NB_GIT_COMMIT);
        return 0;
    }
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (!strcmp(argv[1], cmds[i].name)) return cmds[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "neobay: error: unknown command '%s'\n%s", argv[1], main_help);
    return EXIT_BAD;
}
