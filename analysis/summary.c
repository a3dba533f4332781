/* summary.c -- nb_h5_summary: a results file's key tables as text (see summary.h).
 *
 * Every label and unit comes from the file's own attributes, so a file written by
 * an older version still prints; the milestone and horizon sections are found by
 * their dimension scales (`year`; `replicate` x `horizon`) and are left out when a
 * file does not have them.  Everything is read before anything is printed, so a
 * damaged file prints nothing.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <hdf5.h>
#include "format.h"
#include "h5out.h"
#include "observed.h"
#include "summary.h"
#include "metricsets.h"
#include "../model/neobay.h"

#define SUM_WIDTH 120         /* the tables' target width in columns */

/* The main table's metrics (analysis/metricsets.def). */
#define headline nb_metric_set_summary
#define N_HEADLINE NB_N_METRIC_SET_summary

/* The quantile levels a table shows: median, then the 90% band. */
static const double shown_levels[3] = {0.5, 0.05, 0.95};

/* One row of a table: a metric's median and band at each column. */
typedef struct sum_row {
    char name[64], zh[192];
    char units[64];            /* the registry unit (units_label, else units) */
    int money;                 /* units in RMB: shown in 亿 */
    int count;                 /* units count things (firms, persons): whole numbers */
    double *v;                 /* [3][ncol]: median, 5%, 95% */
} sum_row;

/* A table of rows over labelled columns. */
typedef struct sum_table {
    int ncol;
    char (*label)[16];         /* "YYYY-MM" of each column */
    sum_row *row;
    int n_rows;
} sum_table;

/* One milestone: its labels and its probability in each year. */
typedef struct ms_row {
    char label[256], zh[256];
    double *p;                 /* [n_year] */
} ms_row;

/* A results file being summarised. */
typedef struct summary {
    const char *path;
    const nb_summary_opts *opts;     /* never NULL */
    int bad_choice;                  /* why names a year or metric not in the file */
    char span[2][16];                /* "YYYY-MM" of the first and the last month */
    hid_t file;
    char version[64], commit[64], scenario[256], why[512];
    char settings[16], overrides[2048];   /* "" when the file has none (older files) */
    char uncertainty[128];           /* the sources drawn (attribute uncertainty), or "" */
    int other_kind;                  /* why names another kind of neobay file */
    int64_t seed, reps;
    int n_time, n_quant, iq[3];      /* iq: indices of the 0.5, 0.05, 0.95 levels */
    int *col;                        /* time point of each column of `main` */
    sum_table main;                  /* headline metrics over the time points */
    int n_year, *year;               /* milestones: years and rows */
    ms_row *ms;
    int n_ms;
    sum_table hz;                    /* distributions at the horizon years */
} summary;

/* Record why the file is damaged (first reason wins).  Returns NB_EIO. */
static int s_damaged(summary *s, const char *what, const char *name)
{
    if (!s->why[0]) snprintf(s->why, sizeof s->why, "%s '%s'", what, name);
    return NB_EIO;
}

/* Read the whole dataset `name` of rank `rank` as doubles (see nb_h5r_doubles), or
 * NULL after s_damaged. */
static double *s_dataset(summary *s, const char *name, int rank, hsize_t *dims)
{
    double *v = nb_h5r_doubles(s->file, name, rank, dims);
    if (!v) s_damaged(s, "cannot read dataset", name);
    return v;
}

/* Allocate t's column labels and rows for n columns and up to n_rows rows. */
static int s_table_alloc(summary *s, sum_table *t, int n, int n_rows)
{
    t->label = calloc((size_t)(n ? n : 1), sizeof *t->label);
    t->row = calloc((size_t)n_rows, sizeof *t->row);
    if (!t->label || !t->row) return s_damaged(s, "out of memory reading", s->path);
    return NB_OK;
}

/* The header attributes.  A file without neobay_version, or an impact, sweep or
 * posterior file (of compare, sweep, calibrate), is not a run: NB_EINVAL with s->why; other problems are damage
 * (NB_EIO). */
static int s_header(summary *s)
{
    if (nb_h5r_attr_str(s->file, "neobay_version", s->version, sizeof s->version) != 0) {
        snprintf(s->why, sizeof s->why, "no neobay_version attribute");
        return NB_EINVAL;
    }
    if (nb_h5r_attr_str(s->file, "git_commit", s->commit, sizeof s->commit) != 0)
        snprintf(s->commit, sizeof s->commit, "unknown");
    if (H5Aexists(s->file, "policy_file") > 0) {
        snprintf(s->why, sizeof s->why, "an impact file of neobay compare, not a run");
        return NB_EINVAL;
    }
    if (H5Aexists(s->file, "sweep_hash") > 0) {
        snprintf(s->why, sizeof s->why, "a sweep file of neobay sweep, not a run: "
                 "`neobay sensitivity %s` reads it (saltelli or morris designs)", s->path);
        s->other_kind = 1;
        return NB_EINVAL;
    }
    if (H5Aexists(s->file, "calibration_name") > 0) {
        snprintf(s->why, sizeof s->why, "a posterior file of neobay calibrate, not a run: "
                 "`neobay calibrate report %s` reads it", s->path);
        s->other_kind = 1;
        return NB_EINVAL;
    }
    if (nb_h5r_attr_str(s->file, "scenario_name", s->scenario, sizeof s->scenario) != 0)
        return s_damaged(s, "missing attribute", "scenario_name");
    if (nb_h5r_attr_i64(s->file, "seed", &s->seed) != 0)
        return s_damaged(s, "missing attribute", "seed");
    if (nb_h5r_attr_str(s->file, "settings_hash", s->settings, sizeof s->settings) != 0)
        s->settings[0] = '\0';
    if (nb_h5r_attr_str(s->file, "overrides", s->overrides, sizeof s->overrides) != 0)
        s->overrides[0] = '\0';
    if (nb_h5r_attr_str(s->file, "uncertainty", s->uncertainty, sizeof s->uncertainty) != 0)
        s->uncertainty[0] = '\0';
    if (nb_h5r_attr_i64(s->file, "replicates", &s->reps) != 0)
        return s_damaged(s, "missing attribute", "replicates");
    return NB_OK;
}

/* Whether year y is one of opts' years. */
static int year_chosen(const nb_summary_opts *o, int y)
{
    for (int i = 0; i < o->n_years; i++)
        if (o->years[i] == y) return 1;
    return 0;
}

/* NB_OK when every chosen year has a column; else NB_EINVAL with s->why. */
static int s_check_years(summary *s)
{
    for (int i = 0; i < s->opts->n_years; i++) {
        int found = 0;
        for (int c = 0; c < s->main.ncol; c++) found |= atoi(s->main.label[c]) == s->opts->years[i];
        if (!found) {
            snprintf(s->why, sizeof s->why, "--year %d: not in the run (%s to %s)",
                     s->opts->years[i], s->span[0], s->span[1]);
            s->bad_choice = 1;
            return NB_EINVAL;
        }
    }
    return NB_OK;
}

/* Choose the columns of the main table: the first month, each December and the
 * last month (with chosen years: December of each, or the last month). */
static int s_columns(summary *s, const double *days)
{
    s->col = malloc((size_t)s->n_time * sizeof *s->col);
    int rc = s_table_alloc(s, &s->main, s->n_time, N_HEADLINE);
    if (!s->col) return s_damaged(s, "out of memory reading", "time");
    for (int k = 0; rc == NB_OK && k < s->n_time; k++) {
        int y, m;
        nb_h5_civil_from_days((int64_t)floor(days[k]), &y, &m);
        if (k == 0 || k == s->n_time - 1)
            snprintf(s->span[k != 0], sizeof s->span[0], "%04d-%02d", y, m);
        if (s->opts->n_years ? year_chosen(s->opts, y) && (m == 12 || k == s->n_time - 1)
                             : (k == 0 || m == 12 || k == s->n_time - 1)) {
            s->col[s->main.ncol] = k;
            snprintf(s->main.label[s->main.ncol++], sizeof s->main.label[0], "%04d-%02d", y, m);
        }
    }
    return rc;
}

/* Read the time and quantile scales: time points, columns, quantile indices. */
static int s_axes(summary *s)
{
    hsize_t dims[2];
    double *t = s_dataset(s, "time", 1, dims);
    if (!t) return NB_EIO;
    s->n_time = (int)dims[0];
    int rc = s->n_time > 0 ? s_columns(s, t) : s_damaged(s, "empty dataset", "time");
    free(t);
    if (rc == NB_OK) rc = s_check_years(s);
    if (rc != NB_OK) return rc;
    double *q = s_dataset(s, "quantile", 1, dims);
    if (!q) return NB_EIO;
    s->n_quant = (int)dims[0];
    for (int j = 0; j < 3; j++) {
        s->iq[j] = -1;
        for (int i = 0; i < s->n_quant; i++)
            if (fabs(q[i] - shown_levels[j]) < 1e-9) s->iq[j] = i;
        if (s->iq[j] < 0) rc = s_damaged(s, "missing quantile levels in", "quantile");
    }
    free(q);
    return rc;
}

/* Whether `units` counts whole things: firms, persons, projects, or so many a month. */
static int is_count_unit(const char *units)
{
    static const char *const counted[] = {"firms", "persons", "projects"};
    for (size_t i = 0; i < sizeof counted / sizeof counted[0]; i++) {
        size_t n = strlen(counted[i]);
        if (strncmp(units, counted[i], n) == 0 && (!units[n] || !strcmp(units + n, "/month")))
            return 1;
    }
    return 0;
}

/* Fill row r's name, Chinese name, money and count flags from dataset `ds_name`. */
static void s_row_labels(summary *s, sum_row *r, const char *name, const char *ds_name)
{
    char units[64] = "";
    hid_t ds = H5Dopen2(s->file, ds_name, H5P_DEFAULT);
    if (ds >= 0) {
        nb_h5r_attr_str(ds, "long_name_zh", r->zh, sizeof r->zh);
        nb_h5r_attr_str(ds, "units", r->units, sizeof r->units);
        /* the registry's unit ("firms", "RMB") when CF's "1" stands for it */
        if (nb_h5r_attr_str(ds, "units_label", units, sizeof units) != 0)
            snprintf(units, sizeof units, "%s", r->units);
        H5Dclose(ds);
    }
    snprintf(r->name, sizeof r->name, "%s", name);
    /* CSV readers get the registry's unit, as `neobay export` writes it in headers */
    snprintf(r->units, sizeof r->units, "%s", units);
    r->money = strncmp(units, "RMB", 3) == 0;
    r->count = is_count_unit(units);
}

/* Read the headline metric `name` into the next row of the main table, if the file
 * has it. */
static int s_metric(summary *s, const char *name)
{
    char qname[128];
    snprintf(qname, sizeof qname, "%s_q", name);
    if (H5Lexists(s->file, qname, H5P_DEFAULT) <= 0 && s->opts->n_metrics) {
        snprintf(s->why, sizeof s->why, "--metric %s: the file has no dataset '%s' "
                 "(neobay params lists metrics in model/metrics.def)", name, qname);
        s->bad_choice = 1;
        return NB_EINVAL;
    }
    if (H5Lexists(s->file, qname, H5P_DEFAULT) <= 0) return NB_OK;   /* older file */
    hsize_t dims[2];
    double *q = s_dataset(s, qname, 2, dims);
    if (!q) return NB_EIO;
    sum_table *t = &s->main;
    sum_row *r = &t->row[t->n_rows];
    int rc = NB_OK;
    if (dims[0] != (hsize_t)s->n_quant || dims[1] != (hsize_t)s->n_time)
        rc = s_damaged(s, "wrong shape of dataset", qname);
    else if (!(r->v = malloc(3 * (size_t)t->ncol * sizeof *r->v)))
        rc = s_damaged(s, "out of memory reading", qname);
    if (rc == NB_OK) {
        s_row_labels(s, r, name, qname);
        for (int j = 0; j < 3; j++)
            for (int c = 0; c < t->ncol; c++)
                r->v[j * t->ncol + c] = q[(size_t)s->iq[j] * s->n_time + s->col[c]];
        t->n_rows++;
    }
    free(q);
    return rc;
}

/* ---- milestones ------------------------------------------------------------------ */

/* Read the `year` scale into s->year. */
static int s_years(summary *s)
{
    hsize_t n;
    double *y = s_dataset(s, "year", 1, &n);
    if (!y) return NB_EIO;
    s->n_year = (int)n;
    s->year = malloc((n ? n : 1) * sizeof *s->year);
    if (!s->year) s_damaged(s, "out of memory reading", "year");
    for (hsize_t i = 0; s->year && i < n; i++) s->year[i] = (int)y[i];
    free(y);
    return s->year ? NB_OK : NB_EIO;
}

/* Read milestone dataset `name` (a probability over `year`) into the next row. */
static int s_milestone(summary *s, const char *name)
{
    hsize_t n;
    ms_row *r = &s->ms[s->n_ms];
    if (!(r->p = s_dataset(s, name, 1, &n))) return NB_EIO;
    if (n != (hsize_t)s->n_year) {
        free(r->p);
        r->p = NULL;
        return s_damaged(s, "wrong shape of dataset", name);
    }
    hid_t ds = H5Dopen2(s->file, name, H5P_DEFAULT);
    if (ds >= 0) {
        if (nb_h5r_attr_str(ds, "long_name", r->label, sizeof r->label) != 0)
            snprintf(r->label, sizeof r->label, "%s", name);
        nb_h5r_attr_str(ds, "long_name_zh", r->zh, sizeof r->zh);
        H5Dclose(ds);
    }
    s->n_ms++;
    return NB_OK;
}

/* Read every milestone dataset over `year`. */
static int s_milestones(summary *s)
{
    static const char *const dims[1] = {"year"};
    char **names = NULL, units[64];
    int n = 0, rc = NB_OK;
    if (H5Lexists(s->file, "year", H5P_DEFAULT) <= 0) return NB_OK;    /* older file */
    if (nb_h5r_find(s->file, 1, dims, &names, &n) != NB_OK)
        return s_damaged(s, "cannot list the datasets over", "year");
    if (n > 0 && (rc = s_years(s)) == NB_OK && !(s->ms = calloc((size_t)n, sizeof *s->ms)))
        rc = s_damaged(s, "out of memory reading", "year");
    for (int i = 0; rc == NB_OK && i < n; i++) {
        hid_t ds = H5Dopen2(s->file, names[i], H5P_DEFAULT);
        /* a milestone: a probability ("1"; "probability" in older files) of reaching
         * a threshold */
        int prob = ds >= 0 && nb_h5r_attr_str(ds, "units", units, sizeof units) == 0 &&
                   (strcmp(units, "probability") == 0 ||
                    (strcmp(units, "1") == 0 && H5Aexists(ds, "threshold") > 0));
        if (ds >= 0) H5Dclose(ds);
        if (prob) rc = s_milestone(s, names[i]);
    }
    nb_h5r_names_free(names, n);
    return rc;
}

/* ---- horizons -------------------------------------------------------------------- */

/* The median and 90% band of each column of v[nrep][nh] into r->v (allocated).
 * GSL's quantile estimator (type 7), as for <metric>_q. */
static int s_column_quantiles(const double *v, size_t nrep, int nh, sum_row *r)
{
    double *col = malloc(nrep * sizeof *col);
    r->v = malloc(3 * (size_t)nh * sizeof *r->v);
    if (!col || !r->v) {
        free(col);
        return NB_ENOMEM;
    }
    for (int h = 0; h < nh; h++) {
        for (size_t i = 0; i < nrep; i++) col[i] = v[i * nh + h];
        gsl_sort(col, 1, nrep);
        for (int j = 0; j < 3; j++)
            r->v[j * nh + h] = gsl_stats_quantile_from_sorted_data(col, 1, nrep, shown_levels[j]);
    }
    free(col);
    return NB_OK;
}

/* Read the distribution `name`(replicate, horizon) into the next horizon row; its
 * row name drops the "_at". */
static int s_horizon_row(summary *s, const char *name)
{
    hsize_t dims[2];
    double *v = s_dataset(s, name, 2, dims);
    if (!v) return NB_EIO;
    sum_row *r = &s->hz.row[s->hz.n_rows];
    int rc = NB_OK;
    if (dims[1] != (hsize_t)s->hz.ncol || dims[0] == 0)
        rc = s_damaged(s, "wrong shape of dataset", name);
    else if (s_column_quantiles(v, dims[0], s->hz.ncol, r) != NB_OK)
        rc = s_damaged(s, "out of memory reading", name);
    free(v);
    if (rc != NB_OK) return rc;
    char base[64];
    size_t len = strlen(name);
    snprintf(base, sizeof base, "%.*s", (int)(len > 3 ? len - 3 : len), name);
    s_row_labels(s, r, base, name);
    s->hz.n_rows++;
    return NB_OK;
}

/* Read the `horizon` scale into the horizon table's column labels. */
static int s_horizon_years(summary *s, int n_rows)
{
    hsize_t n;
    double *y = s_dataset(s, "horizon", 1, &n);
    if (!y) return NB_EIO;
    int rc = s_table_alloc(s, &s->hz, (int)n, n_rows);
    for (hsize_t h = 0; rc == NB_OK && h < n; h++)
        snprintf(s->hz.label[h], sizeof s->hz.label[0], "%04d-12", (int)y[h]);
    if (rc == NB_OK) s->hz.ncol = (int)n;
    free(y);
    return rc;
}

/* Read every dataset over (replicate, horizon). */
static int s_horizons(summary *s)
{
    static const char *const dims[2] = {"replicate", "horizon"};
    char **names = NULL;
    int n = 0, rc = NB_OK;
    if (H5Lexists(s->file, "horizon", H5P_DEFAULT) <= 0) return NB_OK;  /* none */
    if (nb_h5r_find(s->file, 2, dims, &names, &n) != NB_OK)
        return s_damaged(s, "cannot list the datasets over", "horizon");
    if (n > 0) rc = s_horizon_years(s, n);
    for (int i = 0; rc == NB_OK && i < n; i++) rc = s_horizon_row(s, names[i]);
    nb_h5r_names_free(names, n);
    return rc;
}

/* Read everything the tables show. */
static int s_read(summary *s)
{
    int rc = s_header(s);
    if (rc == NB_OK) rc = s_axes(s);
    const nb_summary_opts *o = s->opts;
    if (rc == NB_OK && o->n_metrics) {
        free(s->main.row);
        if (!(s->main.row = calloc((size_t)o->n_metrics, sizeof *s->main.row)))
            rc = s_damaged(s, "out of memory reading", s->path);
    }
    for (int i = 0; i < o->n_metrics && rc == NB_OK; i++) rc = s_metric(s, o->metrics[i]);
    for (int i = 0; !o->n_metrics && i < N_HEADLINE && rc == NB_OK; i++) rc = s_metric(s, headline[i]);
    if (o->csv) return rc;
    if (rc == NB_OK) rc = s_milestones(s);
    if (rc == NB_OK) rc = s_horizons(s);
    return rc;
}

/* ---- printing ---------------------------------------------------------------- */

enum { MED_SZ = 48, BAND_SZ = 72 };

/* The two cells of row r at column c of a table of ncol columns: the median (with
 * 亿 for money) into med[MED_SZ] and the band into band[BAND_SZ]. */
static void cells(int ncol, const sum_row *r, int c, char *med, char *band)
{
    char lo[32], hi[32], m[32];
    if (r->count) {            /* a quantile of counts, as a whole count (as the
                                  observed-vs-simulated table rounds) */
        snprintf(m, sizeof m, "%.0f", r->v[c]);
        snprintf(lo, sizeof lo, "%.0f", r->v[ncol + c]);
        snprintf(hi, sizeof hi, "%.0f", r->v[2 * ncol + c]);
    } else {
        nb_format_num(m, sizeof m, r->v[c], r->money);
        nb_format_num(lo, sizeof lo, r->v[ncol + c], r->money);
        nb_format_num(hi, sizeof hi, r->v[2 * ncol + c], r->money);
    }
    snprintf(med, MED_SZ, "%s%s", m, r->money ? "亿" : "");
    snprintf(band, BAND_SZ, "[%s-%s]", lo, hi);
}

/* The widest cell and the widest label of table t, in display columns. */
static void widths(const sum_table *t, int *label_w, int *col_w)
{
    *label_w = nb_format_width("median [5%-95%]");
    *col_w = 7;                                    /* "YYYY-MM" */
    char med[MED_SZ], band[BAND_SZ];
    for (int i = 0; i < t->n_rows; i++) {
        const sum_row *r = &t->row[i];
        int lw = nb_format_width(r->name), zw = nb_format_width(r->zh) + 2;
        if (lw > *label_w) *label_w = lw;
        if (zw > *label_w) *label_w = zw;
        for (int c = 0; c < t->ncol; c++) {
            cells(t->ncol, r, c, med, band);
            if (nb_format_width(med) > *col_w) *col_w = nb_format_width(med);
            if (nb_format_width(band) > *col_w) *col_w = nb_format_width(band);
        }
    }
}

/* Print one line: `label` padded to lw, then cells c0..c1-1 of row r (the bands
 * when `band`, else the medians), or the column labels when r is NULL. */
static void print_line(const sum_table *t, FILE *out, const char *label,
                       const sum_row *r, int band, int c0, int c1, int lw, int cw)
{
    char med[MED_SZ], bnd[BAND_SZ];
    nb_format_pad(out, label, lw, 0);
    for (int c = c0; c < c1; c++) {
        const char *cell = t->label[c];
        if (r) {
            cells(t->ncol, r, c, med, bnd);
            cell = band ? bnd : med;
        }
        fputc(' ', out);
        nb_format_pad(out, cell, cw, 1);
    }
    fputc('\n', out);
}

/* Print columns c0..c1-1: a header of columns, then for each metric a line with
 * its name and medians and a line with its Chinese name and bands. */
static void print_block(const sum_table *t, FILE *out, int c0, int c1, int lw, int cw)
{
    char zh[200];
    print_line(t, out, "median [5%-95%]", NULL, 0, c0, c1, lw, cw);
    for (int i = 0; i < t->n_rows; i++) {
        const sum_row *r = &t->row[i];
        snprintf(zh, sizeof zh, "  %s", r->zh);
        print_line(t, out, r->name, r, 0, c0, c1, lw, cw);
        print_line(t, out, zh, r, 1, c0, c1, lw, cw);
    }
}

/* How many of n columns of width cw fit beside a label of width lw in SUM_WIDTH,
 * balanced so the blocks come out even. */
static int per_block(int n, int lw, int cw)
{
    int per = (SUM_WIDTH - lw) / (cw + 1);
    if (per < 1) per = 1;
    int blocks = (n + per - 1) / per;
    return blocks ? (n + blocks - 1) / blocks : 1;
}

/* Print table t, wrapping its columns into blocks of at most SUM_WIDTH columns. */
static void print_table(const sum_table *t, FILE *out)
{
    int lw, cw;
    widths(t, &lw, &cw);
    int per = per_block(t->ncol, lw, cw);
    for (int c0 = 0; c0 < t->ncol; c0 += per) {
        fputc('\n', out);
        print_block(t, out, c0, c0 + per < t->ncol ? c0 + per : t->ncol, lw, cw);
    }
}

/* A probability as a percentage cell: "0%", "<1%", "37%", ">99%", "100%". */
static void fmt_pct(char *buf, size_t n, double p)
{
    if (!isfinite(p)) snprintf(buf, n, "n/a");
    else if (p > 0 && p < 0.005) snprintf(buf, n, "<1%%");
    else if (p < 1 && p > 0.995) snprintf(buf, n, ">99%%");
    else snprintf(buf, n, "%.0f%%", 100 * p);
}

/* Print years y0..y1-1 of the milestone table: a header of years, then each
 * milestone's English label with its probabilities and its Chinese label. */
static void print_ms_block(const summary *s, FILE *out, int y0, int y1, int lw)
{
    char cell[16];
    nb_format_pad(out, "reached by the end of", lw, 0);
    for (int y = y0; y < y1; y++) fprintf(out, " %5d", s->year[y]);
    fputc('\n', out);
    for (int i = 0; i < s->n_ms; i++) {
        nb_format_pad(out, s->ms[i].label, lw, 0);
        for (int y = y0; y < y1; y++) {
            fmt_pct(cell, sizeof cell, s->ms[i].p[y]);
            fprintf(out, " %5s", cell);
        }
        fprintf(out, "\n  %s\n", s->ms[i].zh);
    }
}

/* Print the milestone table, wrapped like the others. */
static void print_milestones(const summary *s, FILE *out)
{
    int lw = nb_format_width("reached by the end of");
    for (int i = 0; i < s->n_ms; i++) {
        int w = nb_format_width(s->ms[i].label);
        if (w > lw) lw = w;
    }
    int per = per_block(s->n_year, lw, 5);
    fprintf(out, "\nmilestones (里程碑): probability, in %% of replicates, that the goal has "
            "been reached by the end of each year\n");
    for (int y0 = 0; y0 < s->n_year; y0 += per) {
        fputc('\n', out);
        print_ms_block(s, out, y0, y0 + per < s->n_year ? y0 + per : s->n_year, lw);
    }
}

/* Print the header and every table. */
static void s_print(const summary *s, FILE *out)
{
    const sum_table *t = &s->main;
    fprintf(out, "scenario: %s  seed: %lld  replicates: %lld  (neobay %s, git %s)\n",
            s->scenario, (long long)s->seed, (long long)s->reps, s->version, s->commit);
    if (s->settings[0])
        fprintf(out, "settings: %s  overrides: %s\n", s->settings,
                s->overrides[0] ? s->overrides : "none (the scenario file as written)");
    if (s->uncertainty[0]) fprintf(out, "uncertainty: %s\n", s->uncertainty);
    fprintf(out, "file: %s  (%s to %s, %d months)\n", s->path, s->span[0], s->span[1],
            s->n_time);
    fprintf(out, "each metric: median across replicates, and below it the 5%%-95%% band; "
            "money in 亿 RMB (1亿 = 1e8)\n");
    print_table(t, out);
    if (s->n_ms > 0 && s->n_year > 0) print_milestones(s, out);
    if (s->hz.n_rows > 0) {
        fprintf(out, "\nat the horizons (目标年份年末): median across replicates and the "
                "5%%-95%% band in December of each year\n");
        print_table(&s->hz, out);
    }
}

/* The main table as CSV: metric,time,quantile,value,units, one row per value. */
static void s_print_csv(const summary *s, FILE *out)
{
    static const int order[3] = {1, 0, 2};        /* 0.05, 0.5, 0.95 */
    const sum_table *t = &s->main;
    fputs("metric,time,quantile,value,units\n", out);
    for (int i = 0; i < t->n_rows; i++)
        for (int c = 0; c < t->ncol; c++)
            for (int j = 0; j < 3; j++) {
                double v = t->row[i].v[order[j] * t->ncol + c];
                fprintf(out, "%s,%s-01,%g,", t->row[i].name, t->label[c], shown_levels[order[j]]);
                if (isfinite(v)) fprintf(out, "%.15g", v);
                fprintf(out, ",%s\n", t->row[i].units);
            }
}

/* Free what s_read allocated. */
static void s_free(summary *s)
{
    sum_table *tables[2] = {&s->main, &s->hz};
    for (int k = 0; k < 2; k++) {
        for (int i = 0; i < tables[k]->n_rows; i++) free(tables[k]->row[i].v);
        free(tables[k]->row);
        free(tables[k]->label);
    }
    for (int i = 0; i < s->n_ms; i++) free(s->ms[i].p);
    free(s->ms);
    free(s->year);
    free(s->col);
}

/* See h5out.h.  Returns NB_OK, or NB_EIO with a one-line e->msg:
 * "FILE: not a neobay results file (...)" (missing, not HDF5, no neobay_version),
 * "FILE: a sweep file of neobay sweep, not a run: ..." (or a posterior file)
 * or "FILE: damaged results file: ..." (unopenable HDF5, unreadable dataset). */
int nb_h5_summary(const char *path, FILE *out, nb_err *e)
{
    return nb_h5_summary_ex(path, out, NULL, e);
}

/* See h5out.h. */
int nb_h5_summary_ex(const char *path, FILE *out, const nb_summary_opts *opts, nb_err *e)
{
    static const nb_summary_opts none = {0};
    summary s = {.path = path, .file = H5I_INVALID_HID, .opts = opts ? opts : &none};
    nb_h5_quiet q = nb_h5_quiet_begin();
    int rc = nb_h5r_open(path, &s.file, s.why, sizeof s.why);
    if (rc == NB_OK) {
        rc = s_read(&s);
        H5Fclose(s.file);
    }
    nb_h5_quiet_end(q);
    if (rc == NB_OK && s.opts->csv) s_print_csv(&s, out);
    else if (rc == NB_OK) s_print(&s, out);
    if (rc == NB_OK && !s.opts->csv && !s.opts->n_years && !s.opts->n_metrics)
        nb_h5_print_observed(path, out);
    s_free(&s);
    if (rc == NB_EINVAL && s.bad_choice)
        return nb_err_code(e, NB_EINVAL, "%s: %s", path, s.why);
    if (rc == NB_EINVAL && s.other_kind)
        return nb_err_code(e, NB_EIO, "%s: %s", path, s.why);
    if (rc == NB_EINVAL)
        return nb_err_code(e, NB_EIO, "%s: not a neobay results file (%s)", path, s.why);
    if (rc != NB_OK) return nb_err_code(e, NB_EIO, "%s: damaged results file: %s", path, s.why);
    return NB_OK;
}
