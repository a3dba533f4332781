/* cmd_calibrate.c -- `neobay calibrate`: ABC-SMC calibration, its report, a quick
 * check of a calibration's targets, and a method-of-simulated-moments estimate.
 *
 * Exit codes as every neobay command: 0 success, 2 bad input (a calibration or
 * targets file, the command line, a posterior file, another calibration's journal),
 * 1 anything else.
 */
#include <errno.h>
#include <getopt.h>     /* optind */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../model/neobay.h"
#include "calibrate.h"
#include "checkpoint.h"
#include "format.h"
#include "outpath.h"
#include "cli.h"
#include "cmdopts.h"


/* ---- report ------------------------------------------------------------------------ */

static int cmd_report(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        nb_opts_help(&nb_opts_calibrate, stdout);
        return 0;
    }
    if (argc != 2) return nb_cli_usage("calibrate", "calibrate report: give exactly one posterior file");
    nb_err e;
    int st = nb_posterior_report(argv[1], stdout, &e);
    return st == NB_OK ? 0 : nb_cli_fail(st == NB_ENOMEM ? NB_ENOMEM : NB_EINVAL, e.msg);
}

/* ---- check ------------------------------------------------------------------------- */

/* theta: the base scenario's values of the calibrated parameters, then --set. */
static int theta_from(const nb_calib *c, char **sets, int n_sets, double *theta, nb_err *e)
{
    for (int k = 0; k < c->n_par; k++)
        theta[k] = nb_paramset_at(&c->base->ps, c->par[k].id, nb_paramset_start(&c->base->ps));
    for (int i = 0; i < n_sets; i++) {
        char *eq = strchr(sets[i], '=');
        if (!eq) return nb_err_set(e, "--set: '%s' is not NAME=VALUE", sets[i]);
        *eq = '\0';
        int k = 0;
        while (k < c->n_par && strcmp(nb_registry[c->par[k].id].name, sets[i])) k++;
        if (k == c->n_par) return nb_err_set(e, "--set: '%s' is not a calibrated parameter of %s", sets[i], c->path);
        const char *why;
        double v;
        if (nb_value_parse(nb_registry[c->par[k].id].type == NB_T_INT ? NB_T_REAL : nb_registry[c->par[k].id].type,
                           eq + 1, &v, &why) != NB_OK)
            return nb_err_set(e, "--set: key '%s': '%s' %s", sets[i], eq + 1, why);
        theta[k] = v;
    }
    return NB_OK;
}

static int cmd_check(int argc, char **argv)
{
    nb_calcheck_args a;
    int ch = nb_opts_parse(&nb_opts_calcheck, argc, argv, &a);
    if (ch) return ch == NB_OPTS_HELP ? 0 : ch;
    if (optind + 1 != argc) return nb_cli_usage("calibrate check", "calibrate check: give exactly one calibration file");
    nb_calib *c;
    nb_err e;
    int st = nb_calib_load(argv[optind], &c, &e);
    if (st != NB_OK) return nb_cli_fail(st, e.msg);
    double theta[NB_CAL_MAX_PARAMS];
    st = theta_from(c, (char **)a.sets, a.n_sets, theta, &e);
    if (st != NB_OK) { nb_calib_free(c); return nb_cli_fail(NB_EINVAL, e.msg); }
    nb_cal_ws *w = nb_cal_ws_alloc(c);
    double *stats = malloc((size_t)c->replicates * c->n_fit * sizeof *stats);
    if (!w || !stats) st = nb_err_code(&e, NB_ENOMEM, "out of memory");
    else if ((st = nb_cal_simulate(c, theta, c->seed, c->replicates, w, stats, NULL)) == NB_EINVAL)
        nb_err_set(&e, "the parameter values break a rule of the base scenario (init counts nested, ...)");
    else if (st != NB_OK) nb_err_set(&e, "out of memory");
    if (st == NB_OK) {
        printf("calibration %s: %d parameters, %d fitted targets, base scenario %s\n", c->name, c->n_par,
               c->n_fit, c->base->path);
        for (int k = 0; k < c->n_par; k++)
            printf("  %-32s prior [%g, %g]%s%s  value %g\n", nb_registry[c->par[k].id].name, c->par[k].lo,
                   c->par[k].hi, c->par[k].log ? " log" : "", c->par[k].nuisance ? " nuisance" : "", theta[k]);
        printf("\n%-28s %12s %12s %12s  %s\n", "target", "observed", "simulated", "gap/sd", "statistic");
        for (int i = 0; i < c->n_fit; i++) {
            const nb_target *t = &c->tg->t[c->fit[i]];
            double s = 0;
            int n = 0;
            for (int r = 0; r < c->replicates; r++) {
                double x = stats[(size_t)r * c->n_fit + i];
                if (!isnan(x)) { s += x; n++; }
            }
            double m = n ? s / n : NAN;
            double g = isnan(m) ? NAN : (m < t->lo ? m - t->lo : m > t->hi ? m - t->hi : 0) / t->sd;
            printf("%-28s %12.4g %12.4g %+12.2f  %s\n", t->id, t->value, m, g, t->stat_text);
        }
        printf("\ndistance %.4g (replicates %d, seed %u)\n", nb_cal_distance(c, stats, c->replicates),
               c->replicates, c->seed);
    }
    free(stats);
    nb_cal_ws_free(w);
    nb_calib_free(c);
    return st == NB_OK ? 0 : nb_cli_fail(st, e.msg);
}

/* ---- sbc --------------------------------------------------------------------------- */

/* `calibrate sbc CALIBRATION.yaml`: simulation-based calibration of a calibration. */
static int cmd_sbc(int argc, char **argv)
{
    nb_sbc_args a;
    int ch = nb_opts_parse(&nb_opts_sbc, argc, argv, &a);
    if (ch) return ch == NB_OPTS_HELP ? 0 : ch;
    const char *output = a.output;
    long threads = a.threads, truths = a.truths, particles = a.particles, generations = a.generations,
         seed = a.seed;
    int quiet = a.quiet, restart = a.restart;
    if (optind + 1 != argc)
        return nb_cli_usage("calibrate sbc", "calibrate sbc: give exactly one calibration file");
    nb_calib *c;
    nb_err e;
    int st = nb_calib_load(argv[optind], &c, &e);
    if (st != NB_OK) return nb_cli_fail(st, e.msg);
    char defout[PATH_MAX], base[PATH_MAX], fmt[2 * PATH_MAX + 16];
    snprintf(defout, sizeof defout, "output/%s-sbc.h5", c->name);
    const char *out = output ? output : defout;
    const char *in[] = {argv[optind], c->path, c->tg ? c->tg->path : NULL};
    if (nb_outpath_dir_check(out, &e) != NB_OK || nb_outpath_check(out, in, 3, c->base, &e) != NB_OK ||
        nb_ckpt_path(out, base, sizeof base, &e) != NB_OK) {
        nb_calib_free(c);
        return nb_cli_fail(NB_EINVAL, e.msg);
    }
    /* Each truth journals to BASE-<truth> ('%' in the path doubled for the format). */
    size_t n = 0;
    for (const char *p = base; *p && n + 4 < sizeof fmt; p++) {
        if (*p == '%') fmt[n++] = '%';
        fmt[n++] = *p;
    }
    snprintf(fmt + n, sizeof fmt - n, "-%%d");
    nb_sbc_opts o = {(int)truths, NULL, seed >= 0 ? (uint32_t)seed : c->seed, (int)particles,
                     (int)generations, fmt, {(int)threads, NULL, restart, quiet, stderr, 0}};
    if (!quiet)
        fprintf(stderr, "neobay: simulation-based calibration of %s: %ld truths, %d parameters, %d targets, "
                        "%d particles, up to %d generations each\n",
                c->name, truths, c->n_par, c->n_fit, particles > 0 ? (int)particles : c->particles,
                generations > 0 ? (int)generations : c->generations);
    nb_sbc_result *r = NULL;
    st = nb_sbc_run(c, &o, &r, &e);
    int code = 0;
    if (st != NB_OK) code = nb_cli_fail(st, e.msg);
    else if (nb_sbc_write(out, c, &o, r, &e) != NB_OK) code = nb_cli_fail(NB_EIO, e.msg);
    if (code == 0) {
        nb_sbc_print(c, r, stdout);
        for (long t = 0; t < truths; t++) {
            char j[sizeof fmt + 32];
            snprintf(j, sizeof j, fmt, (int)t);
            if (nb_ckpt_delete(j, &e) != NB_OK) fprintf(stderr, "neobay: warning: %s\n", e.msg);
        }
        if (!quiet)
            fprintf(stderr, "neobay: wrote %s: %d of %ld truths calibrated, %ld model runs in %.1f s\n", out,
                    r->n_ok, truths, r->runs, r->seconds);
    }
    nb_sbc_result_free(r);
    nb_calib_free(c);
    return code;
}

/* ---- msm --------------------------------------------------------------------------- */

static int cmd_msm(const char *path, long threads, long iters, int quiet)
{
    nb_calib *c;
    nb_err e;
    int st = nb_calib_load(path, &c, &e);
    if (st != NB_OK) return nb_cli_fail(st, e.msg);
    double theta[NB_CAL_MAX_PARAMS], dist = NAN;
    st = nb_msm_run(c, (int)threads, (int)iters, theta, &dist, quiet ? NULL : stderr);
    if (st == NB_OK) {
        printf("# method of simulated moments: %s, distance %.4g (%d replicates, seed %u)\n",
               c->name, dist, c->replicates, c->seed);
        for (int k = 0; k < c->n_par; k++) {
            const nb_param_info *pi = &nb_registry[c->par[k].id];
            printf("%s: %.6g%s\n", pi->name, pi->type == NB_T_INT ? round(theta[k]) : theta[k],
                   c->par[k].nuisance ? "    # nuisance" : "");
        }
    }
    nb_calib_free(c);
    return st == NB_OK ? 0 : nb_cli_fail(NB_ENOMEM, "out of memory");
}

/* ---- calibrate ---------------------------------------------------------------------- */

int nb_cmd_calibrate(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "report")) return cmd_report(argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "check")) return cmd_check(argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "sbc")) return cmd_sbc(argc - 1, argv + 1);
    nb_calibrate_args a;
    int ch = nb_opts_parse(&nb_opts_calibrate, argc, argv, &a);
    if (ch) return ch == NB_OPTS_HELP ? 0 : ch;
    const char *output = a.output;
    long threads = a.threads, iters = a.iterations;
    int quiet = a.quiet, restart = a.restart, msm = a.msm;
    if (optind + 1 != argc)
        return nb_cli_usage("calibrate", optind == argc ? "no calibration file given" : "more than one calibration file given");
    const char *path = argv[optind];
    if (msm) return cmd_msm(path, threads, iters, quiet);

    nb_calib *c;
    nb_err e;
    int st = nb_calib_load(path, &c, &e);
    if (st != NB_OK) return nb_cli_fail(st, e.msg);
    char defout[PATH_MAX], journal[PATH_MAX];
    snprintf(defout, sizeof defout, "output/%s-posterior.h5", c->name);
    const char *out = output ? output : defout;
    const char *in[] = {path, c->path, c->tg ? c->tg->path : NULL};
    if (nb_outpath_dir_check(out, &e) != NB_OK || nb_outpath_check(out, in, 3, c->base, &e) != NB_OK ||
        nb_ckpt_path(out, journal, sizeof journal, &e) != NB_OK) {
        nb_calib_free(c);
        return nb_cli_fail(NB_EINVAL, e.msg);
    }
    nb_abc_opts o = {(int)threads, journal, restart, quiet, stderr, 0};
    if (!quiet)
        fprintf(stderr, "neobay: calibrating %s: %d parameters, %d targets, %d particles, up to %d "
                        "generations, %d replicates per candidate\n",
                c->name, c->n_par, c->n_fit, c->particles, c->generations, c->replicates);
    nb_abc_result *r = NULL;
    st = nb_abc_run(c, &o, &r, &e);
    int code = 0;
    if (st != NB_OK) code = nb_cli_fail(st, e.msg);
    else if (nb_posterior_write(out, c, r, &e) != NB_OK) code = nb_cli_fail(NB_EIO, e.msg);
    else if (nb_ckpt_delete(journal, &e) != NB_OK) fprintf(stderr, "neobay: warning: %s\n", e.msg);
    if (code == 0 && !quiet)
        fprintf(stderr, "neobay: wrote %s: %d generations (%s); %ld model runs, %.3g firm-steps in %.1f s "
                        "(%.1f runs/s)\n",
                out, r->n_gen, r->stop_reason, r->runs, (double)r->firm_steps, r->seconds,
                r->runs / fmax(r->seconds, 1e-9));
    nb_abc_result_free(r);
    nb_calib_free(c);
    return code;
}
