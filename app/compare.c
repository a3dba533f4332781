/* compare.c -- nb_compare: the impact of a policy run against a base run (see
 * compare.h).
 *
 * Metrics are found by their axes (datasets over `replicate` x `time`), so every
 * metric the two files share is compared, whatever the model version.  One metric
 * is held in memory at a time: a first pass reads every metric (so a damaged input
 * is reported as bad input before anything is printed or written) and keeps the
 * statistics the table shows; the impact file, when asked for, is built in a second
 * pass.  Quantiles are GSL's (type 7), as in run files.
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <hdf5.h>
#include "compare.h"
#include "format.h"
#include "h5out.h"
#include "../model/neobay.h"
#include "../model/results.h"

#ifndef NB_GIT_COMMIT
#define NB_GIT_COMMIT "unknown"
#endif

#define CHUNK_REP 64              /* replicates per chunk of an impact dataset */
#define SPEND_METRIC "public_spend"
#define TABLE_WIDTH 120

enum { BASE, POLICY };

/* The metrics of the printed table, in order (those the files lack are skipped). */
static const char *const headline[] = {
    "firms", "valued_1e8", "valued_1e9", "gazelles", "unicorns", "listed", "hightech",
    "revenue", "valuation", "alliance_committed",
};
#define N_HEADLINE ((int)(sizeof headline / sizeof headline[0]))

/* The outcomes whose public cost is reported. */
typedef struct outcome {
    const char *metric;        /* its impact at the last month is the denominator */
    const char *var;           /* scalar dataset in the impact file */
    const char *label, *label_zh;
} outcome;

static const outcome outcomes[] = {
    {"unicorns", "cost_per_unicorn", "per additional unicorn", "每新增一家独角兽企业"},
    {"listed", "cost_per_listing", "per additional listing", "每新增一家上市企业"},
    {"firms", "cost_per_firm", "per additional surviving firm", "每新增一家在区企业"},
};
#define N_OUTCOMES ((int)(sizeof outcomes / sizeof outcomes[0]))

/* One input file. */
typedef struct cmp_in {
    const char *path;
    hid_t file;
    char scenario[256], start[16];
    int64_t seed, reps, n_time;
} cmp_in;

/* The impact on a metric at one time point: mean and 90% interval. */
typedef struct cmp_stat {
    double mean, lo, hi;       /* lo, hi: the 5% and 95% quantiles */
} cmp_stat;

/* A row of the table. */
typedef struct cmp_row {
    char name[64], zh[192];
    int money;                 /* units in RMB: shown in 亿 */
    cmp_stat st[3];            /* at each column */
} cmp_row;

/* The public money per additional outcome. */
typedef struct cmp_cost {
    int have;                  /* the files hold the outcome's metric */
    cmp_stat st;               /* impact on it at the last month */
    double per;                /* RMB per additional outcome; NaN when n/a */
} cmp_cost;

/* A comparison in progress. */
typedef struct cmp {
    cmp_in in[2];
    int n_rep, n_time, start;        /* start: month index (NB_MONTH) */
    char **metric;                   /* metrics both files hold, in name order */
    int n_metric;
    int ncol, col[3];                /* table columns: time points */
    char label[3][16];
    cmp_row row[N_HEADLINE];
    int n_rows;
    int have_spend;
    double extra_spend;              /* RMB, mean of the paired cumulative difference */
    cmp_cost cost[N_OUTCOMES];
    double *scratch;                 /* n_rep doubles */
    nb_err *e;
} cmp;

/* Record a bad-input error "PATH: <message>" for input `which`.  Returns NB_EINVAL. */
static int c_bad(cmp *c, int which, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static int c_bad(cmp *c, int which, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return nb_err_code(c->e, NB_EINVAL, "%s: %s", c->in[which].path, msg);
}

/* ---- reading the inputs ---------------------------------------------------------- */

/* Open input `which`.  NB_OK, or NB_EINVAL after c_bad. */
static int c_open(cmp *c, int which)
{
    char why[512];
    int rc = nb_h5r_open(c->in[which].path, &c->in[which].file, why, sizeof why);
    if (rc == NB_EINVAL) return c_bad(c, which, "not a neobay results file (%s)", why);
    if (rc != NB_OK) return c_bad(c, which, "damaged results file: %s", why);
    return NB_OK;
}

/* Read the attributes and the number of months of input `which`.  NB_OK, or
 * NB_EINVAL after c_bad. */
static int c_header(cmp *c, int which)
{
    cmp_in *in = &c->in[which];
    char version[64];
    const char *miss = NULL;
    if (nb_h5r_attr_str(in->file, "neobay_version", version, sizeof version) != 0)
        return c_bad(c, which, "not a neobay results file (no neobay_version attribute)");
    if (nb_h5r_attr_str(in->file, "scenario_name", in->scenario, sizeof in->scenario))
        miss = "scenario_name";
    else if (nb_h5r_attr_i64(in->file, "seed", &in->seed)) miss = "seed";
    else if (nb_h5r_attr_i64(in->file, "replicates", &in->reps)) miss = "replicates";
    else if (nb_h5r_attr_str(in->file, "start", in->start, sizeof in->start)) miss = "start";
    if (miss) return c_bad(c, which, "not a neobay run file (no %s attribute)", miss);
    hsize_t n = 0;
    double *t = nb_h5r_doubles(in->file, "time", 1, &n);
    free(t);
    if (!t || n == 0) return c_bad(c, which, "damaged results file: cannot read dataset 'time'");
    in->n_time = (int64_t)n;
    return NB_OK;
}

/* The month index of "YYYY-MM" into *m.  0, or -1. */
static int parse_month(const char *s, int *m)
{
    int y, mo;
    char extra;
    if (sscanf(s, "%d-%d%c", &y, &mo, &extra) != 2 || y < 0 || mo < 1 || mo > 12) return -1;
    *m = NB_MONTH(y, mo);
    return 0;
}

/* Check that the runs pair: same seed, replicates, start and months.  NB_OK, or
 * NB_EINVAL after c_bad naming the policy file, the setting and both values. */
static int c_pair(cmp *c)
{
    static const char *const what[4] = {"seed", "replicates", "start", "months"};
    const cmp_in *in[2] = {&c->in[BASE], &c->in[POLICY]};
    char v[2][4][32];
    for (int k = 0; k < 2; k++) {
        snprintf(v[k][0], sizeof v[k][0], "%lld", (long long)in[k]->seed);
        snprintf(v[k][1], sizeof v[k][1], "%lld", (long long)in[k]->reps);
        snprintf(v[k][2], sizeof v[k][2], "%s", in[k]->start);
        snprintf(v[k][3], sizeof v[k][3], "%lld", (long long)in[k]->n_time);
    }
    for (int j = 0; j < 4; j++)
        if (strcmp(v[BASE][j], v[POLICY][j]) != 0)
            return c_bad(c, POLICY, "cannot be paired with %s: %s is %s here but %s there; "
                         "compare pairs replicate i of one run with replicate i of the "
                         "other (common random numbers), so both runs need the same seed, "
                         "replicate count, start and number of months",
                         in[BASE]->path, what[j], v[POLICY][j], v[BASE][j]);
    if (parse_month(in[BASE]->start, &c->start) != 0)
        return c_bad(c, BASE, "damaged results file: bad start attribute '%s'", in[BASE]->start);
    c->n_rep = (int)in[BASE]->reps;
    c->n_time = (int)in[BASE]->n_time;
    return c->n_rep > 0 ? NB_OK : c_bad(c, BASE, "damaged results file: no replicates");
}

/* The metrics both files hold: datasets over (replicate, time) in each. */
static int c_metrics(cmp *c)
{
    static const char *const dims[2] = {"replicate", "time"};
    char **names = NULL;
    int n = 0;
    int rc = nb_h5r_find(c->in[BASE].file, 2, dims, &names, &n);
    if (rc == NB_ENOMEM) return nb_err_code(c->e, NB_ENOMEM, "out of memory");
    if (rc != NB_OK) return c_bad(c, BASE, "damaged results file: cannot list its datasets");
    c->metric = names;
    for (int i = 0; i < n; i++) {
        if (nb_h5r_has_dims(c->in[POLICY].file, names[i], 2, dims))
            names[c->n_metric++] = names[i];
        else
            free(names[i]);
    }
    if (c->n_metric == 0)
        return c_bad(c, POLICY, "no metric in common with %s", c->in[BASE].path);
    return NB_OK;
}

/* Metric `name` of input `which` as [n_rep][n_time] doubles, or NULL after c_bad. */
static double *c_read(cmp *c, int which, const char *name)
{
    hsize_t dims[2] = {0, 0};
    double *v = nb_h5r_doubles(c->in[which].file, name, 2, dims);
    if (v && dims[0] == (hsize_t)c->n_rep && dims[1] == (hsize_t)c->n_time) return v;
    free(v);
    c_bad(c, which, "damaged results file: cannot read dataset '%s' as %d x %d values",
          name, c->n_rep, c->n_time);
    return NULL;
}

/* The paired differences POLICY - BASE of metric `name`, [n_rep][n_time]
 * (malloc'd), or NULL after c_bad. */
static double *c_diff(cmp *c, const char *name)
{
    double *b = c_read(c, BASE, name);
    double *p = b ? c_read(c, POLICY, name) : NULL;
    if (p) {
        size_t n = (size_t)c->n_rep * c->n_time;
        for (size_t i = 0; i < n; i++) p[i] -= b[i];
    }
    free(b);
    return p;
}

/* ---- statistics --------------------------------------------------------------------- */

/* Column t of d[n_rep][n_time], sorted, into c->scratch. */
static void c_column(const cmp *c, const double *d, int t)
{
    for (int i = 0; i < c->n_rep; i++) c->scratch[i] = d[(size_t)i * c->n_time + t];
    gsl_sort(c->scratch, 1, (size_t)c->n_rep);
}

/* The mean and 90% interval of the paired differences d at time point t. */
static cmp_stat c_stat(const cmp *c, const double *d, int t)
{
    double sum = 0;
    for (int i = 0; i < c->n_rep; i++) sum += d[(size_t)i * c->n_time + t];
    c_column(c, d, t);
    size_t n = (size_t)c->n_rep;
    cmp_stat s = {sum / c->n_rep,
                  gsl_stats_quantile_from_sorted_data(c->scratch, 1, n, 0.05),
                  gsl_stats_quantile_from_sorted_data(c->scratch, 1, n, 0.95)};
    return s;
}

/* 1 when the interval of s excludes zero. */
static int excludes_zero(const cmp_stat *s)
{
    return s->lo > 0 || s->hi < 0;
}

/* The quantiles (nb_quantile_levels) of d over replicates at every time point, into
 * q[NB_NQUANT][n_time]. */
static void c_quantiles(const cmp *c, const double *d, double *q)
{
    for (int t = 0; t < c->n_time; t++) {
        c_column(c, d, t);
        for (int j = 0; j < NB_NQUANT; j++)
            q[(size_t)j * c->n_time + t] = gsl_stats_quantile_from_sorted_data(
                c->scratch, 1, (size_t)c->n_rep, nb_quantile_levels[j]);
    }
}

/* The mean over replicates of the summed differences d (a flow's cumulative
 * impact over the whole run). */
static double c_cumulative(const cmp *c, const double *d)
{
    double total = 0;
    for (int i = 0; i < c->n_rep; i++) {
        double sum = 0;
        for (int t = 0; t < c->n_time; t++) sum += d[(size_t)i * c->n_time + t];
        total += sum;
    }
    return total / c->n_rep;
}

/* ---- the first pass: what the table shows -------------------------------------------- */

/* The table's columns: December 2025 and December 2030 when inside the run and
 * before its last month, then the last month. */
static void c_columns(cmp *c)
{
    static const int years[2] = {2025, 2030};
    int last = c->start + c->n_time - 1;
    for (int i = 0; i < 2; i++) {
        int m = NB_MONTH(years[i], 12);
        if (m >= c->start && m < last) c->col[c->ncol++] = m - c->start;
    }
    c->col[c->ncol++] = c->n_time - 1;
    for (int j = 0; j < c->ncol; j++) {
        int m = c->start + c->col[j];
        snprintf(c->label[j], sizeof c->label[j], "%04d-%02d", m / 12, m % 12 + 1);
    }
}

/* Index of `name` in the headline list, or -1. */
static int headline_index(const char *name)
{
    for (int i = 0; i < N_HEADLINE; i++)
        if (strcmp(headline[i], name) == 0) return i;
    return -1;
}

/* Fill row r for metric `name`: labels from the base file, statistics from d. */
static void c_row(cmp *c, cmp_row *r, const char *name, const double *d)
{
    char units[64] = "";
    hid_t ds = H5Dopen2(c->in[BASE].file, name, H5P_DEFAULT);
    if (ds >= 0) {
        nb_h5r_attr_str(ds, "long_name_zh", r->zh, sizeof r->zh);
        nb_h5r_attr_str(ds, "units", units, sizeof units);
        H5Dclose(ds);
    }
    snprintf(r->name, sizeof r->name, "%s", name);
    r->money = strncmp(units, "RMB", 3) == 0;
    for (int j = 0; j < c->ncol; j++) r->st[j] = c_stat(c, d, c->col[j]);
}

/* Keep what the table and the costs need from metric `name`'s differences d. */
static void c_keep(cmp *c, const char *name, const double *d, cmp_row *rows, int *have)
{
    int h = headline_index(name);
    if (h >= 0) {
        c_row(c, &rows[h], name, d);
        have[h] = 1;
    }
    if (strcmp(name, SPEND_METRIC) == 0) {
        c->have_spend = 1;
        c->extra_spend = c_cumulative(c, d);
    }
    for (int k = 0; k < N_OUTCOMES; k++)
        if (strcmp(name, outcomes[k].metric) == 0) {
            c->cost[k].have = 1;
            c->cost[k].st = c_stat(c, d, c->n_time - 1);
        }
}

/* The public money per additional outcome, where it is meaningful: the impact's
 * 90% interval lies above zero and its mean is positive. */
static void c_costs(cmp *c)
{
    for (int k = 0; k < N_OUTCOMES; k++) {
        cmp_cost *cc = &c->cost[k];
        int ok = c->have_spend && cc->have && cc->st.lo > 0 && cc->st.mean > 0;
        cc->per = ok ? c->extra_spend / cc->st.mean : NAN;
    }
}

/* Read every common metric once: validates both inputs and keeps the table's
 * statistics.  NB_OK, or NB_EINVAL after c_bad. */
static int c_collect(cmp *c)
{
    cmp_row rows[N_HEADLINE];
    int have[N_HEADLINE] = {0};
    memset(rows, 0, sizeof rows);
    c_columns(c);
    for (int i = 0; i < c->n_metric; i++) {
        double *d = c_diff(c, c->metric[i]);
        if (!d) return NB_EINVAL;
        c_keep(c, c->metric[i], d, rows, have);
        free(d);
    }
    for (int h = 0; h < N_HEADLINE; h++)
        if (have[h]) c->row[c->n_rows++] = rows[h];
    c_costs(c);
    return NB_OK;
}

/* ---- printing ------------------------------------------------------------------------ */

enum { CELL_SZ = 80 };

/* The mean cell of s ("+12", "-3.5亿", with "*" when the interval excludes zero). */
static void cell_mean(char *buf, const cmp_stat *s, int money)
{
    char v[32];
    nb_format_num(v, sizeof v, s->mean, money);
    snprintf(buf, CELL_SZ, "%s%s%s%s", s->mean > 0 && strcmp(v, "0") ? "+" : "", v,
             money ? "亿" : "", excludes_zero(s) ? "*" : "");
}

/* The interval cell of s ("[-3, 12]"). */
static void cell_band(char *buf, const cmp_stat *s, int money)
{
    char lo[32], hi[32];
    nb_format_num(lo, sizeof lo, s->lo, money);
    nb_format_num(hi, sizeof hi, s->hi, money);
    snprintf(buf, CELL_SZ, "[%s, %s]", lo, hi);
}

/* The widest label and cell of the table, in display columns. */
static void c_widths(const cmp *c, int *lw, int *cw)
{
    char a[CELL_SZ], b[CELL_SZ];
    *lw = nb_format_width("mean [5%, 95%]");
    *cw = 7;
    for (int i = 0; i < c->n_rows; i++) {
        const cmp_row *r = &c->row[i];
        int w = nb_format_width(r->zh) + 2;
        if (w > *lw) *lw = w;
        if ((w = nb_format_width(r->name)) > *lw) *lw = w;
        for (int j = 0; j < c->ncol; j++) {
            cell_mean(a, &r->st[j], r->money);
            cell_band(b, &r->st[j], r->money);
            if (nb_format_width(a) > *cw) *cw = nb_format_width(a);
            if (nb_format_width(b) > *cw) *cw = nb_format_width(b);
        }
    }
}

/* Print one line of the table: `label`, then the column labels (r NULL), the mean
 * cells or (band) the interval cells of row r. */
static void c_line(const cmp *c, FILE *out, const char *label, const cmp_row *r, int band,
                   int lw, int cw)
{
    char cell[CELL_SZ];
    nb_format_pad(out, label, lw, 0);
    for (int j = 0; j < c->ncol; j++) {
        if (!r) snprintf(cell, sizeof cell, "%s", c->label[j]);
        else if (band) cell_band(cell, &r->st[j], r->money);
        else cell_mean(cell, &r->st[j], r->money);
        fputc(' ', out);
        nb_format_pad(out, cell, cw, 1);
    }
    fputc('\n', out);
}

/* The header lines: what is compared with what. */
static void c_print_header(const cmp *c, FILE *out)
{
    const cmp_in *b = &c->in[BASE], *p = &c->in[POLICY];
    int last = c->start + c->n_time - 1;
    fprintf(out, "policy impact (政策效应): %s minus %s, paired by replicate\n",
            p->scenario, b->scenario);
    fprintf(out, "base   (基准): %s  (scenario %s)\n", b->path, b->scenario);
    fprintf(out, "policy (政策): %s  (scenario %s)\n", p->path, p->scenario);
    fprintf(out, "seed %lld, %d replicates, %s to %04d-%02d (%d months)\n",
            (long long)b->seed, c->n_rep, b->start, last / 12, last % 12 + 1, c->n_time);
    fprintf(out, "each metric: mean impact (policy - base) and below it the 90%% interval of "
            "the paired differences\n(5%% and 95%% quantiles); * the interval excludes zero; "
            "money in 亿 RMB (1亿 = 1e8)\n\n");
}

/* Print the impact table. */
static void c_print_table(const cmp *c, FILE *out)
{
    int lw, cw;
    char zh[200];
    c_widths(c, &lw, &cw);
    c_line(c, out, "mean [5%, 95%]", NULL, 0, lw, cw);
    for (int i = 0; i < c->n_rows; i++) {
        snprintf(zh, sizeof zh, "  %s", c->row[i].zh);
        c_line(c, out, c->row[i].name, &c->row[i], 0, lw, cw);
        c_line(c, out, zh, &c->row[i], 1, lw, cw);
    }
}

/* Print one cost line: label, amount (or n/a) and the impact it divides by. */
static void c_print_cost(const cmp *c, FILE *out, int k, int lw)
{
    const cmp_cost *cc = &c->cost[k];
    char label[256], money[64], mean[CELL_SZ], band[CELL_SZ];
    snprintf(label, sizeof label, "  %s (%s)", outcomes[k].label, outcomes[k].label_zh);
    nb_format_pad(out, label, lw, 0);
    if (!cc->have) {
        fprintf(out, " %10s   (no %s in the files)\n", "n/a", outcomes[k].metric);
        return;
    }
    cell_mean(mean, &cc->st, 0);
    cell_band(band, &cc->st, 0);
    if (isfinite(cc->per)) nb_format_money(cc->per, money, sizeof money);
    else snprintf(money, sizeof money, "n/a");
    fprintf(out, " %10s   impact on %s %s %s\n", money, outcomes[k].metric, mean, band);
}

/* Print the extra public spending and the public money per additional outcome. */
static void c_print_costs(const cmp *c, FILE *out)
{
    char label[256], money[64];
    static const char spend_label[] = "  extra public spending (新增财政支出)";
    int lw = nb_format_width(spend_label), last = c->start + c->n_time - 1;
    for (int k = 0; k < N_OUTCOMES; k++) {
        snprintf(label, sizeof label, "  %s (%s)", outcomes[k].label, outcomes[k].label_zh);
        if (nb_format_width(label) > lw) lw = nb_format_width(label);
    }
    fprintf(out, "\npublic money per additional outcome at %04d-%02d (每新增成果的财政投入):\n"
            "extra public spending %s to %04d-%02d divided by the mean impact; n/a where the "
            "impact's 90%% interval\nis not above zero\n", last / 12, last % 12 + 1,
            c->in[BASE].start, last / 12, last % 12 + 1);
    if (c->have_spend) nb_format_money(c->extra_spend, money, sizeof money);
    else snprintf(money, sizeof money, "n/a");
    nb_format_pad(out, spend_label, lw, 0);
    fprintf(out, " %10s\n", money);
    for (int k = 0; k < N_OUTCOMES; k++) c_print_cost(c, out, k, lw);
}

/* ---- the impact file ---------------------------------------------------------------- */

/* A metric's attributes as the base file has them. */
typedef struct imp_meta {
    char units[64], long_name[256], zh[256], def[1536], kind[16];
} imp_meta;

/* Read metric `name`'s attributes from the base file into m. */
static void c_meta(const cmp *c, const char *name, imp_meta *m)
{
    memset(m, 0, sizeof *m);
    hid_t ds = H5Dopen2(c->in[BASE].file, name, H5P_DEFAULT);
    if (ds < 0) return;
    nb_h5r_attr_str(ds, "units", m->units, sizeof m->units);
    if (nb_h5r_attr_str(ds, "long_name", m->long_name, sizeof m->long_name))
        snprintf(m->long_name, sizeof m->long_name, "%s", name);
    nb_h5r_attr_str(ds, "long_name_zh", m->zh, sizeof m->zh);
    nb_h5r_attr_str(ds, "definition", m->def, sizeof m->def);
    nb_h5r_attr_str(ds, "kind", m->kind, sizeof m->kind);
    H5Dclose(ds);
}

/* The attributes of <metric>_impact and <metric>_impact_q (ud: its imp_meta). */
static int w_impact_attrs(nb_h5w *w, hid_t ds, const void *ud)
{
    const imp_meta *m = ud;
    char ln[300], zh[300], def[2048];
    snprintf(ln, sizeof ln, "Impact on %s (policy - base)", m->long_name);
    snprintf(zh, sizeof zh, "政策效应:%s", m->zh);
    snprintf(def, sizeof def, "Paired difference, replicate by replicate (common random "
             "numbers), of the policy run minus the base run. The metric: %s", m->def);
    if (nb_h5w_attr_str(w, ds, "units", m->units) ||
        nb_h5w_attr_str(w, ds, "long_name", ln) || nb_h5w_attr_str(w, ds, "long_name_zh", zh) ||
        nb_h5w_attr_str(w, ds, "definition", def) || nb_h5w_attr_str(w, ds, "kind", m->kind))
        return NB_EIO;
    return NB_OK;
}

/* Write <name>_impact from the differences d and <name>_impact_q.  sc: the time,
 * replicate and quantile scales. */
static int w_impact_pair(nb_h5w *w, const cmp *c, const char *name, const double *d,
                         const hid_t *sc)
{
    imp_meta m;
    char vname[160];
    hsize_t dims[2] = {(hsize_t)c->n_rep, (hsize_t)c->n_time};
    hsize_t chunk[2] = {c->n_rep < CHUNK_REP ? (hsize_t)c->n_rep : CHUNK_REP,
                        (hsize_t)c->n_time};
    hsize_t qdims[2] = {NB_NQUANT, (hsize_t)c->n_time};
    hid_t s_series[2] = {sc[1], sc[0]}, s_quant[2] = {sc[2], sc[0]};
    double *q = malloc((size_t)NB_NQUANT * c->n_time * sizeof *q);
    if (!q) return nb_h5w_nomem(w);
    c_meta(c, name, &m);
    c_quantiles(c, d, q);
    snprintf(vname, sizeof vname, "%s_impact", name);
    int rc = nb_h5w_array(w, w->file, vname, 2, dims, chunk, d, s_series, w_impact_attrs, &m);
    snprintf(vname, sizeof vname, "%s_impact_q", name);
    if (rc == NB_OK)
        rc = nb_h5w_array(w, w->file, vname, 2, qdims, qdims, q, s_quant, w_impact_attrs, &m);
    free(q);
    return rc;
}

/* The impact datasets of metric i (re-read: the first pass checked it reads). */
static int w_impact(nb_h5w *w, cmp *c, int i, const hid_t *sc)
{
    double *d = c_diff(c, c->metric[i]);
    if (!d) {
        snprintf(w->why, sizeof w->why, "%.500s", c->e->msg);
        return NB_EIO;
    }
    int rc = w_impact_pair(w, c, c->metric[i], d, sc);
    free(d);
    return rc;
}

/* The scales: sc[0] time, sc[1] replicate, sc[2] quantile. */
static int w_scales(nb_h5w *w, const cmp *c, hid_t *sc)
{
    if ((sc[0] = nb_h5w_time_scale(w, w->file, c->start, c->n_time)) < 0) return NB_EIO;
    int32_t *reps = malloc((size_t)c->n_rep * sizeof *reps);
    if (!reps) return nb_h5w_nomem(w);
    for (int i = 0; i < c->n_rep; i++) reps[i] = i;
    sc[1] = nb_h5w_scale(w, w->file, "replicate", H5T_STD_I32LE, H5T_NATIVE_INT32,
                         (hsize_t)c->n_rep, reps, "Monte Carlo replicate number (paired)");
    free(reps);
    if (sc[1] < 0) return NB_EIO;
    sc[2] = nb_h5w_scale(w, w->file, "quantile", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                         NB_NQUANT, nb_quantile_levels, "quantile level across replicates");
    return sc[2] < 0 ? NB_EIO : NB_OK;
}

/* The attributes of extra_public_spend (ud unused). */
static int w_spend_attrs(nb_h5w *w, hid_t ds, const void *ud)
{
    if (nb_h5w_attr_str(w, ds, "units", "RMB") ||
        nb_h5w_attr_str(w, ds, "long_name", "Extra public spending (policy - base)") ||
        nb_h5w_attr_str(w, ds, "long_name_zh", "新增财政支出") ||
        nb_h5w_attr_str(w, ds, "definition", "Mean over replicates of the paired difference "
                        "of public_spend summed over every month of the run."))
        return NB_EIO;
    return NB_OK;
}

/* An outcome and its cost, for w_cost_attrs. */
typedef struct cost_ud {
    const outcome *o;
    const cmp_cost *cc;
} cost_ud;

/* The attributes of a cost-per-outcome scalar (ud: its cost_ud). */
static int w_cost_attrs(nb_h5w *w, hid_t ds, const void *ud)
{
    const cost_ud *u = ud;
    char units[64], ln[256], zh[256], def[512];
    snprintf(units, sizeof units, "RMB per additional firm");
    snprintf(ln, sizeof ln, "Public money %s", u->o->label);
    snprintf(zh, sizeof zh, "%s所需财政资金", u->o->label_zh);
    snprintf(def, sizeof def, "extra_public_spend divided by the mean impact on %s at the "
             "last month; NaN when that impact's 90%% interval (5%%-95%% of the paired "
             "differences) is not above zero.", u->o->metric);
    if (nb_h5w_attr_str(w, ds, "units", units) || nb_h5w_attr_str(w, ds, "long_name", ln) ||
        nb_h5w_attr_str(w, ds, "long_name_zh", zh) ||
        nb_h5w_attr_str(w, ds, "definition", def) ||
        nb_h5w_attr_str(w, ds, "metric", u->o->metric) ||
        nb_h5w_attr_f64(w, ds, "impact_mean", u->cc->st.mean) ||
        nb_h5w_attr_f64(w, ds, "impact_q05", u->cc->st.lo) ||
        nb_h5w_attr_f64(w, ds, "impact_q95", u->cc->st.hi))
        return NB_EIO;
    return NB_OK;
}

/* extra_public_spend and the cost-per-outcome scalars (those the files allow). */
static int w_costs(nb_h5w *w, const cmp *c)
{
    if (!c->have_spend) return NB_OK;
    int rc = nb_h5w_array(w, w->file, "extra_public_spend", 0, NULL, NULL, &c->extra_spend,
                          NULL, w_spend_attrs, NULL);
    for (int k = 0; rc == NB_OK && k < N_OUTCOMES; k++) {
        if (!c->cost[k].have) continue;
        cost_ud u = {&outcomes[k], &c->cost[k]};
        rc = nb_h5w_array(w, w->file, outcomes[k].var, 0, NULL, NULL, &c->cost[k].per, NULL,
                          w_cost_attrs, &u);
    }
    return rc;
}

/* The root attributes: what was compared. */
static int w_root_attrs(nb_h5w *w, const cmp *c)
{
    const cmp_in *b = &c->in[BASE], *p = &c->in[POLICY];
    char title[600];
    snprintf(title, sizeof title, "neobay policy impact: %s minus %s, paired by replicate",
             p->scenario, b->scenario);
    if (nb_h5w_attr_str(w, w->file, "neobay_version", NB_VERSION) ||
        nb_h5w_attr_str(w, w->file, "git_commit", NB_GIT_COMMIT) ||
        nb_h5w_attr_str(w, w->file, "title", title) ||
        nb_h5w_attr_str(w, w->file, "base_file", b->path) ||
        nb_h5w_attr_str(w, w->file, "policy_file", p->path) ||
        nb_h5w_attr_str(w, w->file, "base_scenario", b->scenario) ||
        nb_h5w_attr_str(w, w->file, "policy_scenario", p->scenario) ||
        nb_h5w_attr_i64(w, w->file, "seed", b->seed) ||
        nb_h5w_attr_i64(w, w->file, "replicates", c->n_rep) ||
        nb_h5w_attr_str(w, w->file, "start", b->start) ||
        nb_h5w_attr_str(w, w->file, "Conventions", "CF-1.8"))
        return NB_EIO;
    return NB_OK;
}

/* Everything in the impact file (an nb_h5w_fill_fn; ud: a cmp *const *). */
static int w_contents(nb_h5w *w, const void *ud)
{
    cmp *c = *(cmp *const *)ud;
    hid_t sc[3] = {H5I_INVALID_HID, H5I_INVALID_HID, H5I_INVALID_HID};
    int rc = w_scales(w, c, sc);
    for (int i = 0; rc == NB_OK && i < c->n_metric; i++) rc = w_impact(w, c, i, sc);
    nb_h5w_close(sc, 3);
    if (rc == NB_OK) rc = w_costs(w, c);
    if (rc == NB_OK) rc = w_root_attrs(w, c);
    return rc;
}

/* ---- the whole comparison ---------------------------------------------------------- */

/* NB_EINVAL when `output` names the same file as an input (it would be replaced). */
static int c_check_output(cmp *c, const char *output)
{
    struct stat so, si;
    if (!output || stat(output, &so) != 0) return NB_OK;
    for (int k = 0; k < 2; k++)
        if (stat(c->in[k].path, &si) == 0 && si.st_dev == so.st_dev && si.st_ino == so.st_ino)
            return c_bad(c, k, "is also the output file: refusing to overwrite an input");
    return NB_OK;
}

/* Open, check and pair both inputs, then read every common metric. */
static int c_load(cmp *c, const char *output)
{
    int rc = NB_OK;
    for (int k = 0; k < 2 && rc == NB_OK; k++) rc = c_open(c, k);
    for (int k = 0; k < 2 && rc == NB_OK; k++) rc = c_header(c, k);
    if (rc == NB_OK) rc = c_pair(c);
    if (rc == NB_OK) rc = c_check_output(c, output);
    if (rc == NB_OK) rc = c_metrics(c);
    if (rc == NB_OK && !(c->scratch = malloc((size_t)c->n_rep * sizeof *c->scratch)))
        rc = nb_err_code(c->e, NB_ENOMEM, "out of memory");
    if (rc == NB_OK) rc = c_collect(c);
    return rc;
}

/* Print everything. */
static void c_print(const cmp *c, FILE *out)
{
    c_print_header(c, out);
    c_print_table(c, out);
    c_print_costs(c, out);
}

/* Free what c_load allocated and close the inputs. */
static void c_free(cmp *c)
{
    for (int k = 0; k < 2; k++)
        if (c->in[k].file >= 0) H5Fclose(c->in[k].file);
    nb_h5r_names_free(c->metric, c->n_metric);
    free(c->scratch);
}

/* See compare.h. */
int nb_compare(const char *base, const char *policy, const char *output, FILE *out,
               nb_err *e)
{
    nb_err local;
    if (!e) e = &local;
    cmp c;
    memset(&c, 0, sizeof c);
    c.in[BASE] = (cmp_in){.path = base, .file = H5I_INVALID_HID};
    c.in[POLICY] = (cmp_in){.path = policy, .file = H5I_INVALID_HID};
    c.e = e;
    nb_h5_quiet q = nb_h5_quiet_begin();
    int rc = c_load(&c, output);
    nb_h5_quiet_end(q);
    if (rc == NB_OK) c_print(&c, out);
    if (rc == NB_OK && output) {
        cmp *pc = &c;
        rc = nb_h5_write_file(output, "impact file", w_contents, &pc, e);
    }
    c_free(&c);
    return rc;
}
