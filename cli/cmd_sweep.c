/* cmd_sweep.c -- `neobay sweep`: run a sweep, check it, print one point as a
 * scenario, merge shard files.  Exit codes: 0, 2 for bad input (the sweep file, the
 * command line, shard files), 1 for anything else. */
#include <errno.h>
#include <getopt.h>     /* optind */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../model/metrics.h"
#include "../model/neobay.h"
#include "format.h"
#include "sweep_run.h"
#include "outpath.h"
#include "cli.h"
#include "cmdopts.h"

#define CHECK_ROWS 5            /* design rows `sweep check` shows */

/* The end of `neobay sweep --help` (after the table's): how this binary was built. */
static int help_mpi(void)
{
    printf("\nThis neobay is %s.\n", nb_sweep_mpi_info());
    return 0;
}

/* `neobay sweep --help`. */
static int help(void)
{
    nb_opts_help(&nb_opts_sweep, stdout);
    return help_mpi();
}

static int load_or_fail(const char *path, nb_sweep **sw)
{
    nb_err e;
    int st = nb_sweep_load(path, sw, &e);
    return st == NB_OK ? 0 : nb_cli_fail(nb_cli_input(st), e.msg);
}

/* ---- check ---------------------------------------------------------------------------- */

/* A factor value for a table cell. */
static void cell(const nb_factor *f, double v, char *buf, size_t n)
{
    nb_ptype t = nb_registry[f->param].type;
    if (f->scale) snprintf(buf, n, "x%.4g", v);
    else if (t == NB_T_MONEY) nb_format_money(v, buf, n);
    else if (t == NB_T_BOOL || t == NB_T_MONTH) nb_format_value(t, v, buf, n);
    else snprintf(buf, n, "%.6g", v);
}

/* "uniform 0 .. 2亿 RMB/month" for factor f. */
static void describe(const nb_factor *f, char *buf, size_t n)
{
    const nb_param_info *p = &nb_registry[f->param];
    char a[64], b[64];
    if (f->n_levels) {
        size_t len = (size_t)snprintf(buf, n, "%d levels:", f->n_levels);
        for (int i = 0; i < f->n_levels && len < n; i++) {
            nb_format_value(p->type, f->levels[i], a, sizeof a);
            len += (size_t)snprintf(buf + len, n - len, " %s", a);
        }
        return;
    }
    nb_format_value(f->scale ? NB_T_REAL : p->type, f->lo, a, sizeof a);
    nb_format_value(f->scale ? NB_T_REAL : p->type, f->hi, b, sizeof b);
    if (f->scale)
        snprintf(buf, n, "%s scale x%s .. x%s of the base %s", f->log ? "log-uniform" : "uniform", a, b,
                 p->flags & NB_F_SCHED ? "value or every entry of its schedule" : "value");
    else
        snprintf(buf, n, "%s %s .. %s %s", f->log ? "log-uniform" : "uniform", a, b,
                 strcmp(p->unit, "-") ? p->unit : "");
}

static void print_check(const nb_sweep *sw)
{
    static const char *const long_design[] = {"full grid", "Latin hypercube", "Sobol sequence",
                                              "Saltelli (Sobol indices)", "Morris trajectories"};
    int start = nb_paramset_start(&sw->base->ps), months = nb_paramset_months(&sw->base->ps);
    char a[16], b[16], desc[512];
    nb_month_format(start, a);
    nb_month_format(start + months - 1, b);
    printf("%s: valid sweep\n", sw->path);
    printf("  design    %s (%s), seed %lu", nb_design_name(sw->design), long_design[sw->design],
           (unsigned long)sw->seed);
    if (sw->design == NB_DESIGN_MORRIS) printf(", %d trajectories, %d grid levels", sw->points, sw->levels);
    if (sw->design == NB_DESIGN_SALTELLI) printf(", %d base rows", sw->points);
    printf("\n  base      %s: %s .. %s (%d months), model seed %.0f\n", sw->base->path, a, b, months,
           sw->base->ps.p[NB_P_run_seed].value[0]);
    printf("  size      %d points x %d replicates = %lld model runs\n", sw->n_points, sw->replicates,
           (long long)sw->n_points * sw->replicates);
    printf("  outputs   ");
    for (int i = 0; i < sw->n_out_metrics; i++) printf("%s%s", i ? ", " : "", nb_metrics[sw->out_metrics[i]].name);
    printf(" in December of");
    for (int i = 0; i < sw->n_out_years; i++) printf("%s %d", i ? "," : "", sw->out_years[i]);
    printf("%s\n  hash      %016llx\nfactors (%d):\n", sw->full_series ? "; every replicate kept" : "",
           (unsigned long long)sw->hash, sw->n_factors);
    int wname = 6;
    for (int j = 0; j < sw->n_factors; j++) {
        int l = (int)strlen(nb_registry[sw->f[j].param].name);
        if (l > wname) wname = l;
    }
    for (int j = 0; j < sw->n_factors; j++) {
        describe(&sw->f[j], desc, sizeof desc);
        printf("  %-*s  %s\n", wname, nb_registry[sw->f[j].param].name, desc);
    }
    int rows = sw->n_points < CHECK_ROWS ? sw->n_points : CHECK_ROWS;
    printf("design, first %d of %d points:\n  %5s", rows, sw->n_points, "point");
    for (int j = 0; j < sw->n_factors; j++) printf("  %s", nb_registry[sw->f[j].param].name);
    printf("\n");
    for (int p = 0; p < rows; p++) {
        printf("  %5d", p);
        for (int j = 0; j < sw->n_factors; j++) {
            char c[64];
            cell(&sw->f[j], sw->value[(size_t)p * sw->n_factors + j], c, sizeof c);
            int w = nb_format_width(nb_registry[sw->f[j].param].name);
            printf("  ");
            nb_format_pad(stdout, c, w, 1);
        }
        printf("\n");
    }
}

static int cmd_check(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) return help();
    if (argc != 2) return nb_cli_usage("sweep", "sweep check: give exactly one sweep file");
    nb_sweep *sw;
    int code = load_or_fail(argv[1], &sw);
    if (code) return code;
    print_check(sw);
    nb_sweep_free(sw);
    return 0;
}

/* ---- point ------------------------------------------------------------------------------- */

static int cmd_point(int argc, char **argv)
{
    if (argc != 3) return nb_cli_usage("sweep", "sweep point: give a sweep file and a point number");
    char *end;
    errno = 0;
    long k = strtol(argv[2], &end, 10);
    if (errno || end == argv[2] || *end || k < 0 || k > INT_MAX) return nb_cli_usage("sweep", "sweep point: K is not a point number (0, 1, ...)");
    nb_sweep *sw;
    int code = load_or_fail(argv[1], &sw);
    if (code) return code;
    nb_err e;
    char *yaml = nb_sweep_point_yaml(sw, (int)k, &e);
    if (!yaml) {
        code = nb_cli_fail(k >= sw->n_points ? NB_EINVAL : NB_ENOMEM, e.msg);
    } else {
        fputs(yaml, stdout);
    }
    free(yaml);
    nb_sweep_free(sw);
    return code;
}

/* ---- merge -------------------------------------------------------------------------------- */

static int cmd_merge(int argc, char **argv)
{
    nb_output_args o;
    int code = nb_opts_parse(&nb_opts_sweep_merge, argc, argv, &o);
    if (code) return code == NB_OPTS_HELP ? 0 : code;
    const char *out = o.output;
    if (!out) return nb_cli_usage("sweep merge", "sweep merge: give the merged file with -o OUT.h5");
    if (optind >= argc) return nb_cli_usage("sweep merge", "sweep merge: give the shard files");
    nb_err e;
    if (nb_outpath_check(out, (const char *const *)argv + optind, argc - optind, NULL, &e) != NB_OK)
        return nb_cli_fail(NB_EINVAL, e.msg);
    int st = nb_sweep_h5_merge(out, (const char *const *)argv + optind, argc - optind, &e);
    if (st) return nb_cli_fail(st, e.msg);
    fprintf(stderr, "neobay: merged %d shards into %s\n", argc - optind, out);
    return 0;
}

/* ---- run ------------------------------------------------------------------------------------ */

/* --shard K/N, auto/N or /N (K from SLURM_ARRAY_TASK_ID). */
static int parse_shard(const char *s, nb_sweep_opts *o)
{
    const char *slash = strchr(s, '/');
    char *end, msg[300];
    if (!slash) return snprintf(msg, sizeof msg, "--shard: '%s' is not K/N (e.g. 0/8, or auto/8 under Slurm)", s), nb_cli_usage("sweep", msg);
    errno = 0;
    long n = strtol(slash + 1, &end, 10);
    if (errno || end == slash + 1 || *end || n < 1 || n > 1000000)
        return snprintf(msg, sizeof msg, "--shard: N in '%s' is not a whole number from 1 to 1000000", s), nb_cli_usage("sweep", msg);
    long k;
    if (slash == s || (slash - s == 4 && strncmp(s, "auto", 4) == 0)) {
        const char *id = getenv("SLURM_ARRAY_TASK_ID");
        if (!id) return snprintf(msg, sizeof msg, "--shard %s: SLURM_ARRAY_TASK_ID is not set (not a Slurm array task); give K/N", s), nb_cli_usage("sweep", msg);
        errno = 0;
        k = strtol(id, &end, 10);
        if (errno || end == id || *end || k < 0 || k >= n)
            return snprintf(msg, sizeof msg, "--shard %s: SLURM_ARRAY_TASK_ID=%s is not in 0..%ld: submit the array as --array=0-%ld",
                            s, id, n - 1, n - 1), nb_cli_usage("sweep", msg);
    } else {
        errno = 0;
        k = strtol(s, &end, 10);
        if (errno || end != slash || k < 0 || k >= n)
            return snprintf(msg, sizeof msg, "--shard: K in '%s' is not a whole number from 0 to N-1", s), nb_cli_usage("sweep", msg);
    }
    o->shard_k = (int)k;
    o->shard_n = (int)n;
    return 0;
}

/* The default output: output/<sweep name>.h5, or .shard-K-of-N.h5. */
static void default_output(const nb_sweep_opts *o, char *buf, size_t n)
{
    const char *base = strrchr(o->sweep, '/');
    base = base ? base + 1 : o->sweep;
    int len = (int)strlen(base);
    if (len > 5 && strcmp(base + len - 5, ".yaml") == 0) len -= 5;
    if (o->shard_n > 0) snprintf(buf, n, "output/%.*s.shard-%d-of-%d.h5", len, base, o->shard_k, o->shard_n);
    else snprintf(buf, n, "output/%.*s.h5", len, base);
}

static int cmd_run(int argc, char **argv)
{
    nb_sweep_args a;
    nb_sweep_opts o = {0};
    char defout[PATH_MAX];
    int code = nb_opts_parse(&nb_opts_sweep, argc, argv, &a);
    if (code) return code == NB_OPTS_HELP ? help_mpi() : code;
    if (a.shard && (code = parse_shard(a.shard, &o))) return code;
    o.output = a.output;
    o.threads = (int)a.threads;
    o.restart = a.restart;
    o.quiet = a.quiet;
    if (optind + 1 != argc) return nb_cli_usage("sweep", optind == argc ? "no sweep file given" : "more than one sweep file given");
    o.sweep = argv[optind];
    if (!o.output) {
        default_output(&o, defout, sizeof defout);
        o.output = defout;
    }
    return nb_cli_exit(nb_sweep_main(&o));
}

int nb_cmd_sweep(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "check")) return cmd_check(argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "point")) return cmd_point(argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "merge")) return cmd_merge(argc - 1, argv + 1);
    if (argc < 2) return nb_cli_usage("sweep", "no sweep file given");
    return cmd_run(argc, argv);
}
