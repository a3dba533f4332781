/* cmd_sensitivity.c -- `neobay sensitivity`: Sobol indices or Morris statistics of a
 * sweep's outcomes, as a ranked table and as group /sensitivity of the sweep file
 * (see sensitivity.h).
 *
 * Everything is read and computed before anything is printed or written, so a
 * damaged file or a metric or year that is not there gives one clear error line
 * and no partial output.  The file is rewritten by copying it to a temporary name
 * next to it, adding the group there, fsyncing and renaming: the original stays as
 * it was until the rename, and is never left half-written.
 *
 * Layout read (the sweep engine's, app/sweep.h): dimension scales point, factor
 * (names), time (days since 1970-01-01 of month starts); design_unit(point, factor);
 * <metric>_mean(point, time); morris_factor (any shape, points * factors integers);
 * root attributes design, points, n_points, replicates, seed and optionally the
 * sweep's outputs (metrics and years to analyse by default).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <hdf5.h>
#include "format.h"
#include "h5out.h"
#include "sensitivity.h"
#include "../model/metrics.h"
#include "../model/neobay.h"
#include "outpath.h"

#ifndef NB_GIT_COMMIT
#define NB_GIT_COMMIT "unknown"
#endif

#define MAX_METRICS 64
#define MAX_FACTORS 64           /* NB_SWEEP_MAX_FACTORS */
#define MAX_YEARS 16
#define EXIT_BAD 2

enum { SOBOL, MORRIS };

/* The metrics analysed when neither the command line nor the sweep names any. */
static const char *const default_metrics[] = {"firms", "unicorns", "listed"};

/* One outcome analysed: a metric at December of a year. */
typedef struct s_output {
    char metric[64], label[80];      /* label: "firms@2035" */
    char long_name[128], zh[128];
    int year, t;                     /* t: time index of December `year` */
    int constant;                    /* the output does not vary over the design */
    double mean, var;                /* over the design points (Sobol: A and B) */
    nb_sobol *sob;                   /* [k] for a saltelli design */
    nb_morris *mor;                  /* [k] for a morris design */
} s_output;

/* A sweep file being analysed. */
typedef struct sens {
    const char *path;
    hid_t file;
    nb_err *e;
    char design[32];
    int method;                      /* SOBOL or MORRIS */
    int64_t points, n_points, replicates, seed;
    int k;                           /* factors */
    char **factor;                   /* [k] names */
    int n_time, start;               /* start: month index of time point 0 */
    double *unit;                    /* [n_points][k] design on the unit scale */
    int *mfactor;                    /* morris: [points][k] */
    char *metric[MAX_METRICS];
    int n_metric;
    int year[MAX_YEARS];
    int n_year;
    s_output *out;
    int n_out;
    int resamples;
} sens;

/* Record a bad-input error "PATH: <message>".  Returns NB_EINVAL. */
static int s_bad(sens *s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static int s_bad(sens *s, const char *fmt, ...)
{
    char msg[1536];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return nb_err_code(s->e, NB_EINVAL, "%s: %s", s->path, msg);
}

static int s_nomem(sens *s)
{
    return nb_err_code(s->e, NB_ENOMEM, "out of memory");
}

/* ---- reading helpers -------------------------------------------------------------------- */

/* Split `text` at commas, spaces and brackets into at most max strdup'd tokens
 * appended to tok[*n].  0, or -1 when out of memory. */
static int split_tokens(const char *text, char **tok, int *n, int max)
{
    const char *p = text;
    while (*p) {
        while (*p && strchr(",; \t\n[]'\"", *p)) p++;
        const char *q = p;
        while (*q && !strchr(",; \t\n[]'\"", *q)) q++;
        if (q > p && *n < max) {
            if (!(tok[*n] = strndup(p, (size_t)(q - p)))) return -1;
            (*n)++;
        }
        p = q;
    }
    return 0;
}

/* Read the string values of attribute or dataset `obj` (H5Aread / H5Dread chosen by
 * is_attr) of type t and space sp into at most max strdup'd strings tok[*n] (a
 * single string is split into tokens when `split`).  0, or -1. */
static int read_strings(hid_t obj, int is_attr, hid_t t, hid_t sp, int split, char **tok,
                        int *n, int max)
{
    hssize_t cnt = H5Sget_simple_extent_npoints(sp);
    if (cnt < 0) return -1;
    int rc = -1;
    if (H5Tis_variable_str(t) > 0) {
        hid_t mt = nb_h5_str_type();
        char **raw = calloc((size_t)(cnt ? cnt : 1), sizeof *raw);
        if (mt >= 0 && raw &&
            (is_attr ? H5Aread(obj, mt, raw) : H5Dread(obj, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw)) >= 0) {
            rc = 0;
            for (hssize_t i = 0; i < cnt && rc == 0; i++) {
                const char *v = raw[i] ? raw[i] : "";
                if (split) rc = split_tokens(v, tok, n, max);
                else if (*n < max && !(tok[(*n)++] = strdup(v))) rc = -1;
            }
            H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, raw);
        }
        free(raw);
        if (mt >= 0) H5Tclose(mt);
        return rc;
    }
    size_t sz = H5Tget_size(t);
    char *buf = sz ? calloc((size_t)cnt * sz + 1, 1) : NULL;
    if (buf && (is_attr ? H5Aread(obj, t, buf) : H5Dread(obj, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf)) >= 0) {
        rc = 0;
        for (hssize_t i = 0; i < cnt && rc == 0; i++) {
            char *v = strndup(buf + (size_t)i * sz, sz);
            if (!v) rc = -1;
            else if (split) rc = split_tokens(v, tok, n, max);
            else if (*n < max) tok[(*n)++] = v, v = NULL;
            free(v);
        }
    }
    free(buf);
    return rc;
}

/* The 1-D string dataset `name` of loc as *n malloc'd strings (free each and the
 * array).  NULL when missing, not 1-D strings, or unreadable. */
static char **r_string_dataset(hid_t loc, const char *name, int *n)
{
    *n = 0;
    if (H5Lexists(loc, name, H5P_DEFAULT) <= 0) return NULL;
    hid_t ds = H5Dopen2(loc, name, H5P_DEFAULT);
    hid_t t = ds < 0 ? H5I_INVALID_HID : H5Dget_type(ds);
    hid_t sp = ds < 0 ? H5I_INVALID_HID : H5Dget_space(ds);
    char **v = NULL;
    hssize_t cnt = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
    if (t >= 0 && sp >= 0 && H5Tget_class(t) == H5T_STRING &&
        H5Sget_simple_extent_ndims(sp) == 1 && cnt > 0 && cnt <= 1 << 20 &&
        (v = calloc((size_t)cnt, sizeof *v)) != NULL &&
        (read_strings(ds, 0, t, sp, 0, v, n, (int)cnt) != 0 || *n != cnt)) {
        for (int i = 0; i < *n; i++) free(v[i]);
        free(v);
        v = NULL;
        *n = 0;
    }
    if (sp >= 0) H5Sclose(sp);
    if (t >= 0) H5Tclose(t);
    if (ds >= 0) H5Dclose(ds);
    return v;
}

/* The whole numeric dataset `name` of loc as n ints into a malloc'd array (any
 * shape); NULL when missing or unreadable. */
static int *r_ints(hid_t loc, const char *name, hssize_t *n)
{
    *n = 0;
    if (H5Lexists(loc, name, H5P_DEFAULT) <= 0) return NULL;
    hid_t ds = H5Dopen2(loc, name, H5P_DEFAULT);
    hid_t t = ds < 0 ? H5I_INVALID_HID : H5Dget_type(ds);
    hid_t sp = ds < 0 ? H5I_INVALID_HID : H5Dget_space(ds);
    int *v = NULL;
    hssize_t cnt = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
    if (t >= 0 && (H5Tget_class(t) == H5T_INTEGER || H5Tget_class(t) == H5T_FLOAT) &&
        cnt > 0 && (v = malloc((size_t)cnt * sizeof *v)) != NULL &&
        H5Dread(ds, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) {
        free(v);
        v = NULL;
    }
    if (v) *n = cnt;
    if (sp >= 0) H5Sclose(sp);
    if (t >= 0) H5Tclose(t);
    if (ds >= 0) H5Dclose(ds);
    return v;
}

/* The first of the root attributes names[] that exists, opened, or a negative id. */
static hid_t r_attr_any(hid_t file, const char *const *names)
{
    for (int i = 0; names[i]; i++)
        if (H5Aexists(file, names[i]) > 0) return H5Aopen(file, names[i], H5P_DEFAULT);
    return H5I_INVALID_HID;
}

/* ---- reading the sweep -------------------------------------------------------------------- */

/* Open the file and read its header: design, sizes, seed.  NB_OK or NB_EINVAL. */
static int s_open(sens *s)
{
    char why[512];
    int rc = nb_h5r_open(s->path, &s->file, why, sizeof why);
    if (rc == NB_EINVAL) return s_bad(s, "not a neobay sweep file (%s)", why);
    if (rc != NB_OK) return s_bad(s, "damaged sweep file: %s", why);
    if (nb_h5r_attr_str(s->file, "design", s->design, sizeof s->design) != 0)
        return s_bad(s, "not a neobay sweep file (no 'design' attribute; "
                     "`neobay sweep` writes the files this command reads)");
    const char *miss = NULL;
    if (nb_h5r_attr_i64(s->file, "points", &s->points)) miss = "points";
    else if (nb_h5r_attr_i64(s->file, "n_points", &s->n_points)) miss = "n_points";
    else if (nb_h5r_attr_i64(s->file, "seed", &s->seed)) miss = "seed";
    if (miss) return s_bad(s, "not a neobay sweep file (no '%s' attribute)", miss);
    if (nb_h5r_attr_i64(s->file, "replicates", &s->replicates)) s->replicates = 0;
    int64_t shard_k, shard_n;
    if (nb_h5r_attr_i64(s->file, "shard_index", &shard_k) == 0 &&
        nb_h5r_attr_i64(s->file, "shard_count", &shard_n) == 0)
        return s_bad(s, "is shard %lld of %lld of a sweep, not the whole sweep: merge the "
                     "shards first (neobay sweep merge)", (long long)shard_k, (long long)shard_n);
    if (!strcmp(s->design, "saltelli")) s->method = SOBOL;
    else if (!strcmp(s->design, "morris")) s->method = MORRIS;
    else
        return s_bad(s, "sensitivity needs a saltelli or morris design; this sweep's "
                     "design is '%s' (set `design: saltelli` or `design: morris` in the "
                     "sweep file and run it again)", s->design);
    return NB_OK;
}

/* Read the factors, the time axis and the design.  NB_OK, NB_EINVAL or NB_ENOMEM. */
static int s_design(sens *s)
{
    s->factor = r_string_dataset(s->file, "factor", &s->k);
    if (!s->factor) return s_bad(s, "damaged sweep file: cannot read the factor names (dataset 'factor')");
    int k = s->k;
    if (k > MAX_FACTORS)
        return s_bad(s, "damaged sweep file: %d factors (a sweep has at most %d)", k, MAX_FACTORS);
    int64_t want = s->method == SOBOL ? s->points * (k + 2) : s->points * (k + 1);
    if (s->points < (s->method == SOBOL ? 2 : 1) || s->n_points != want)
        return s_bad(s, "damaged sweep file: %lld points for a %s design of %lld with %d "
                     "factors (expected %lld)", (long long)s->n_points, s->design,
                     (long long)s->points, k, (long long)want);
    hsize_t n = 0;
    double *days = nb_h5r_doubles(s->file, "time", 1, &n);
    if (!days || n == 0) {
        free(days);
        return s_bad(s, "damaged sweep file: cannot read dataset 'time'");
    }
    int y, m;
    nb_h5_civil_from_days((int64_t)days[0], &y, &m);
    s->start = NB_MONTH(y, m);
    s->n_time = (int)n;
    free(days);
    static const char *const dims[2] = {"point", "factor"};
    hsize_t d[2] = {0, 0};
    if (!nb_h5r_has_dims(s->file, "design_unit", 2, dims) ||
        !(s->unit = nb_h5r_doubles(s->file, "design_unit", 2, d)) ||
        d[0] != (hsize_t)s->n_points || d[1] != (hsize_t)k)
        return s_bad(s, "damaged sweep file: cannot read dataset 'design_unit' as %lld "
                     "points x %d factors", (long long)s->n_points, k);
    if (s->method == MORRIS) {
        hssize_t cnt = 0;
        s->mfactor = r_ints(s->file, "morris_factor", &cnt);
        if (!s->mfactor || cnt != s->points * k)
            return s_bad(s, "damaged sweep file: cannot read dataset 'morris_factor' as "
                         "%lld values (trajectories x factors)", (long long)(s->points * k));
    }
    return NB_OK;
}

/* 1 when the file holds metric `name` as <name>_mean(point, time) of the right shape. */
static int s_has_metric(const sens *s, const char *name)
{
    static const char *const dims[2] = {"point", "time"};
    char ds[96];
    snprintf(ds, sizeof ds, "%s_mean", name);
    return nb_h5r_has_dims(s->file, ds, 2, dims);
}

/* The metrics present in the file (<m>_mean over point x time), comma separated,
 * into buf[n], for a hint. */
static void s_list_metrics(const sens *s, char *buf, size_t n)
{
    static const char *const dims[2] = {"point", "time"};
    char **names = NULL;
    int cnt = 0;
    buf[0] = '\0';
    if (nb_h5r_find(s->file, 2, dims, &names, &cnt) != NB_OK) return;
    size_t used = 0;
    for (int i = 0; i < cnt; i++) {
        size_t len = strlen(names[i]);
        if (len <= 5 || strcmp(names[i] + len - 5, "_mean")) continue;
        int w = snprintf(buf + used, n - used, "%s%.*s", used ? ", " : "", (int)(len - 5), names[i]);
        if (w < 0 || (size_t)w >= n - used) break;
        used += (size_t)w;
    }
    nb_h5r_names_free(names, cnt);
}

/* The metrics to analyse: the command line's, else the sweep's outputs (root
 * attribute outputs_metrics or output_metrics: strings, or one string of names),
 * else the defaults present in the file. */
static int s_metrics(sens *s, const nb_sens_opts *o)
{
    char have[1024];
    if (o->n_metrics > 0) {
        for (int i = 0; i < o->n_metrics && i < MAX_METRICS; i++) {
            if (!s_has_metric(s, o->metrics[i])) {
                s_list_metrics(s, have, sizeof have);
                return s_bad(s, "no metric '%s' in this sweep (it has: %s)", o->metrics[i],
                             have[0] ? have : "none");
            }
            if (!(s->metric[s->n_metric++] = strdup(o->metrics[i]))) return s_nomem(s);
        }
        return NB_OK;
    }
    static const char *const attrs[] = {"outputs_metrics", "output_metrics", NULL};
    hid_t a = r_attr_any(s->file, attrs);
    if (a >= 0) {
        hid_t t = H5Aget_type(a), sp = H5Aget_space(a);
        if (t >= 0 && sp >= 0 && H5Tget_class(t) == H5T_STRING)
            read_strings(a, 1, t, sp, 1, s->metric, &s->n_metric, MAX_METRICS);
        if (sp >= 0) H5Sclose(sp);
        if (t >= 0) H5Tclose(t);
        H5Aclose(a);
        for (int i = 0; i < s->n_metric; i++)
            if (!s_has_metric(s, s->metric[i]))
                return s_bad(s, "damaged sweep file: its outputs name metric '%s', which "
                             "it does not hold", s->metric[i]);
        if (s->n_metric > 0) return NB_OK;
    }
    for (size_t i = 0; i < sizeof default_metrics / sizeof *default_metrics; i++)
        if (s_has_metric(s, default_metrics[i]) &&
            !(s->metric[s->n_metric++] = strdup(default_metrics[i])))
            return s_nomem(s);
    if (s->n_metric == 0) {
        s_list_metrics(s, have, sizeof have);
        return s_bad(s, "no firms, unicorns or listed in this sweep: name metrics with "
                     "--metric (it has: %s)", have[0] ? have : "none");
    }
    return NB_OK;
}

/* Time index of December of `year`, or -1 when the sweep does not cover it. */
static int s_december(const sens *s, int year)
{
    int t = NB_MONTH(year, 12) - s->start;
    return t >= 0 && t < s->n_time ? t : -1;
}

/* The years: the command line's, else the sweep's outputs (root attribute
 * outputs_years or output_years: integers or a string), else the last December. */
static int s_years(sens *s, const nb_sens_opts *o)
{
    if (o->n_years > 0) {
        for (int i = 0; i < o->n_years && i < MAX_YEARS; i++) s->year[s->n_year++] = o->years[i];
    } else {
        static const char *const attrs[] = {"outputs_years", "output_years", NULL};
        hid_t a = r_attr_any(s->file, attrs);
        if (a >= 0) {
            hid_t t = H5Aget_type(a), sp = H5Aget_space(a);
            hssize_t cnt = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
            if (t >= 0 && H5Tget_class(t) == H5T_INTEGER && cnt > 0 && cnt <= MAX_YEARS) {
                if (H5Aread(a, H5T_NATIVE_INT, s->year) >= 0) s->n_year = (int)cnt;
            } else if (t >= 0 && H5Tget_class(t) == H5T_STRING) {
                char *tok[MAX_YEARS];
                int n = 0;
                read_strings(a, 1, t, sp, 1, tok, &n, MAX_YEARS);
                for (int i = 0; i < n; i++) {
                    s->year[s->n_year++] = atoi(tok[i]);
                    free(tok[i]);
                }
            }
            if (sp >= 0) H5Sclose(sp);
            if (t >= 0) H5Tclose(t);
            H5Aclose(a);
        }
        if (s->n_year == 0) {
            int last = s->start + s->n_time - 1;
            int y = last / 12 - (last % 12 != 11);
            if (s_december(s, y) < 0)
                return s_bad(s, "the sweep covers no December (it runs %d months from "
                             "%04d-%02d): give --year", s->n_time, s->start / 12, s->start % 12 + 1);
            s->year[s->n_year++] = y;
        }
    }
    for (int i = 0; i < s->n_year; i++)
        if (s_december(s, s->year[i]) < 0) {
            int last = s->start + s->n_time - 1;
            return s_bad(s, "December %d is not in this sweep (it runs from %04d-%02d to "
                         "%04d-%02d)", s->year[i], s->start / 12, s->start % 12 + 1,
                         last / 12, last % 12 + 1);
        }
    return NB_OK;
}

/* ---- computing ------------------------------------------------------------------------ */

/* The labels of output o from the dataset's attributes, else the metric table. */
static void s_labels(sens *s, s_output *o, const char *ds_name)
{
    snprintf(o->label, sizeof o->label, "%s@%d", o->metric, o->year);
    hid_t ds = H5Dopen2(s->file, ds_name, H5P_DEFAULT);
    if (ds >= 0) {
        nb_h5r_attr_str(ds, "long_name", o->long_name, sizeof o->long_name);
        nb_h5r_attr_str(ds, "long_name_zh", o->zh, sizeof o->zh);
        H5Dclose(ds);
    }
    int m = nb_metric_find(o->metric);
    if (!o->long_name[0] && m >= 0) snprintf(o->long_name, sizeof o->long_name, "%s", nb_metrics[m].long_name);
    if (!o->zh[0] && m >= 0) snprintf(o->zh, sizeof o->zh, "%s", nb_metrics[m].long_name_zh);
}

/* Compute output o from column t of values[n_points][n_time].  NB_OK, NB_EINVAL or
 * NB_ENOMEM. */
static int s_compute(sens *s, s_output *o, const double *values)
{
    size_t np = (size_t)s->n_points;
    double *y = malloc(np * sizeof *y);
    if (!y) return s_nomem(s);
    double sum = 0;
    for (size_t p = 0; p < np; p++) sum += (y[p] = values[p * s->n_time + o->t]);
    o->mean = sum / (double)np;
    int rc, k = s->k, bad = -1;
    uint32_t seed = (uint32_t)s->seed;
    if (s->method == SOBOL) {
        o->sob = malloc((size_t)k * sizeof *o->sob);
        rc = o->sob ? nb_sens_sobol(y, (int)s->points, k, s->resamples, NB_SENS_LEVEL, seed,
                                    o->sob, &o->var)
                    : NB_ENOMEM;
        if (rc == NB_ERANGE) o->constant = 1, rc = NB_OK;
    } else {
        o->mor = malloc((size_t)k * sizeof *o->mor);
        rc = o->mor ? nb_sens_morris(y, s->unit, s->mfactor, (int)s->points, k, s->resamples,
                                     NB_SENS_LEVEL, seed, o->mor, &bad)
                    : NB_ENOMEM;
        double v = 0;
        for (size_t p = 0; p < np; p++) v += (y[p] - o->mean) * (y[p] - o->mean);
        o->var = v / (double)np;
        if (rc == NB_OK && o->var == 0) o->constant = 1;
    }
    free(y);
    if (rc == NB_ENOMEM) return s_nomem(s);
    if (rc != NB_OK && bad >= 0)
        return s_bad(s, "damaged sweep file: points %d and %d are not a Morris step of "
                     "factor %d (morris_factor and design_unit disagree)", bad, bad + 1,
                     s->mfactor[(bad / (k + 1)) * k + bad % (k + 1)]);
    if (rc != NB_OK)
        return s_bad(s, "metric '%s' at December %d has values that are not finite numbers",
                     o->metric, o->year);
    return NB_OK;
}

/* Every (metric, year) output: read each metric once, compute its years. */
static int s_outputs(sens *s)
{
    s->out = calloc((size_t)s->n_metric * s->n_year, sizeof *s->out);
    if (!s->out) return s_nomem(s);
    for (int i = 0; i < s->n_metric; i++) {
        char name[96];
        snprintf(name, sizeof name, "%s_mean", s->metric[i]);
        hsize_t d[2] = {0, 0};
        double *v = nb_h5r_doubles(s->file, name, 2, d);
        if (!v || d[0] != (hsize_t)s->n_points || d[1] != (hsize_t)s->n_time) {
            free(v);
            return s_bad(s, "damaged sweep file: cannot read dataset '%s' as %lld points x "
                         "%d months", name, (long long)s->n_points, s->n_time);
        }
        int rc = NB_OK;
        for (int j = 0; j < s->n_year && rc == NB_OK; j++) {
            s_output *o = &s->out[s->n_out++];
            snprintf(o->metric, sizeof o->metric, "%s", s->metric[i]);
            o->year = s->year[j];
            o->t = s_december(s, o->year);
            s_labels(s, o, name);
            rc = s_compute(s, o, v);
        }
        free(v);
        if (rc != NB_OK) return rc;
    }
    return NB_OK;
}

/* ---- printing ---------------------------------------------------------------------------- */

/* The ranking key of factor i in output o: ST (Sobol) or mu* (Morris); NaN last. */
static double s_key(const sens *s, const s_output *o, int i)
{
    double v = s->method == SOBOL ? o->sob[i].st : o->mor[i].mu_star;
    return isfinite(v) ? v : -INFINITY;
}

/* Factor indices of output o in decreasing order of importance into rank[k]
 * (insertion sort: k <= 64; ties keep the factors' order). */
static void s_rank(const sens *s, const s_output *o, int *rank)
{
    for (int i = 0; i < s->k; i++) {
        int j = i;
        while (j > 0 && s_key(s, o, rank[j - 1]) < s_key(s, o, i)) {
            rank[j] = rank[j - 1];
            j--;
        }
        rank[j] = i;
    }
}

/* "v [lo, hi]" with `prec` decimals (Sobol) or %.4g (prec < 0), n/a when not finite. */
static void s_cell(char *buf, size_t n, double v, double lo, double hi, int prec)
{
    char a[32], b[32], c[32];
    if (prec >= 0) {
        snprintf(a, sizeof a, "%.*f", prec, v);
        snprintf(b, sizeof b, "%.*f", prec, lo);
        snprintf(c, sizeof c, "%.*f", prec, hi);
    } else {
        nb_format_g(a, v, 4);
        nb_format_g(b, lo, 4);
        nb_format_g(c, hi, 4);
    }
    if (!isfinite(v)) snprintf(a, sizeof a, "n/a");
    if (isfinite(lo) && isfinite(hi)) snprintf(buf, n, "%s [%s, %s]", a, b, c);
    else snprintf(buf, n, "%s", a);
}

/* The table of output o. */
static void s_print_output(const sens *s, const s_output *o, FILE *out)
{
    char mean[32], var[32];
    nb_format_g(mean, o->mean, 5);
    nb_format_g(var, o->var, 4);
    fprintf(out, "\n%s: %s (%s), December %d: mean %s, variance %s\n", o->label,
            o->long_name[0] ? o->long_name : o->metric, o->zh[0] ? o->zh : o->metric,
            o->year, mean, var);
    if (o->constant) {
        fprintf(out, "  the output is the same at every design point (输出无变化): no "
                "factor moves it, indices are n/a\n");
        return;
    }
    const char *h1 = "factor 因素";
    const char *h2 = s->method == SOBOL ? "S1 一阶 [90%]" : "μ* 平均绝对效应 [90%]";
    const char *h3 = s->method == SOBOL ? "ST 总效应 [90%]" : "μ 平均效应";
    const char *h4 = s->method == SOBOL ? NULL : "σ 标准差";
    int w1 = nb_format_width(h1), w2 = nb_format_width(h2), w3 = nb_format_width(h3);
    char c2[MAX_FACTORS][128], c3[MAX_FACTORS][128], c4[MAX_FACTORS][32];
    int rank[MAX_FACTORS];
    s_rank(s, o, rank);
    double top = 0;
    for (int i = 0; s->method == MORRIS && i < s->k; i++)
        if (isfinite(o->mor[i].mu_star) && o->mor[i].mu_star > top) top = o->mor[i].mu_star;
    for (int i = 0; i < s->k; i++) {
        if (s->method == SOBOL) {
            const nb_sobol *x = &o->sob[i];
            s_cell(c2[i], sizeof c2[i], x->s1, x->s1_lo, x->s1_hi, 3);
            s_cell(c3[i], sizeof c3[i], x->st, x->st_lo, x->st_hi, 3);
        } else {
            /* Rounding noise (a sigma of 2e-16 for an additive factor) shows as 0. */
            const nb_morris *x = &o->mor[i];
            double eps = 1e-12 * top;
            s_cell(c2[i], sizeof c2[i], x->mu_star, x->mu_star_lo, x->mu_star_hi, -1);
            s_cell(c3[i], sizeof c3[i], fabs(x->mu) < eps ? 0 : x->mu, NAN, NAN, -1);
            s_cell(c4[i], sizeof c4[i], fabs(x->sigma) < eps ? 0 : x->sigma, NAN, NAN, -1);
        }
        if (nb_format_width(s->factor[i]) > w1) w1 = nb_format_width(s->factor[i]);
        if (nb_format_width(c2[i]) > w2) w2 = nb_format_width(c2[i]);
        if (nb_format_width(c3[i]) > w3) w3 = nb_format_width(c3[i]);
    }
    fputs("  rank  ", out);
    nb_format_pad(out, h1, w1, 0);
    fputs(" | ", out);
    nb_format_pad(out, h2, w2, 0);
    fputs(" | ", out);
    nb_format_pad(out, h3, h4 ? w3 : 0, 0);
    if (h4) fprintf(out, " | %s", h4);
    fputc('\n', out);
    for (int j = 0; j < s->k; j++) {
        int i = rank[j];
        fprintf(out, "  %4d  ", j + 1);
        nb_format_pad(out, s->factor[i], w1, 0);
        fputs(" | ", out);
        nb_format_pad(out, c2[i], w2, 0);
        fputs(" | ", out);
        nb_format_pad(out, c3[i], h4 ? w3 : 0, 0);
        if (h4) fprintf(out, " | %s", c4[i]);
        fputc('\n', out);
    }
}

/* The header and every output's table. */
static void s_print(const sens *s, FILE *out)
{
    if (s->method == SOBOL) {
        fprintf(out, "Sobol sensitivity indices (Sobol 敏感性指数) of %s\n", s->path);
        fprintf(out, "saltelli design: %d factors, N = %lld base rows (%lld points", s->k,
                (long long)s->points, (long long)s->n_points);
        if (s->replicates > 0) fprintf(out, " x %lld replicates", (long long)s->replicates);
        fprintf(out, "); 90%% intervals from %d bootstrap resamples (seed %lld)\n",
                s->resamples, (long long)s->seed);
        fputs("S1 (一阶指数): share of the outcome's variance due to the factor alone; "
              "ST (总效应指数): including its interactions with the other factors.\n"
              "Ranked by ST.  Outcome: the mean over replicates at each design point.\n", out);
    } else {
        fprintf(out, "Morris elementary effects (Morris 基本效应) of %s\n", s->path);
        fprintf(out, "morris design: %d factors, %lld trajectories (%lld points", s->k,
                (long long)s->points, (long long)s->n_points);
        if (s->replicates > 0) fprintf(out, " x %lld replicates", (long long)s->replicates);
        fprintf(out, "); 90%% intervals of μ* from %d bootstrap resamples (seed %lld)\n",
                s->resamples, (long long)s->seed);
        fputs("Effects are changes in the outcome per whole range of the factor (unit "
              "scale).  μ* (平均绝对效应): importance; μ (平均效应): direction;\n"
              "σ (标准差): non-linearity or interactions with other factors.  Ranked by μ*.\n",
              out);
    }
    for (int i = 0; i < s->n_out; i++) s_print_output(s, &s->out[i], out);
}

/* ---- writing ------------------------------------------------------------------------------ */

/* What the group's datasets are filled from. */
typedef struct s_fill {
    const sens *s;
    hid_t grp;
    hid_t scale[3];                  /* factor, output, bound */
    const char *long_name, *zh, *units, *definition;
} s_fill;

/* Attributes of a dataset of the group. */
static int s_attrs(nb_h5w *w, hid_t obj, const void *ud)
{
    const s_fill *f = ud;
    return nb_h5w_attr_str(w, obj, "long_name", f->long_name) ||
           nb_h5w_attr_str(w, obj, "long_name_zh", f->zh) ||
           nb_h5w_attr_str(w, obj, "units", f->units) ||
           nb_h5w_attr_str(w, obj, "definition", f->definition)
               ? NB_EIO : NB_OK;
}

/* Write dataset `name` over (factor, output) [with bound when `ci`] from field at
 * byte offsets off (off_hi) of the per-factor result structs. */
static int s_put(nb_h5w *w, s_fill *f, const char *name, size_t off, size_t off_hi, int ci,
                 const char *ln, const char *zh, const char *units, const char *def)
{
    const sens *s = f->s;
    size_t k = (size_t)s->k, no = (size_t)s->n_out, nb = ci ? 2 : 1;
    double *v = malloc(k * no * nb * sizeof *v);
    if (!v) return nb_h5w_nomem(w);
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < no; j++) {
            const char *rec = s->method == SOBOL ? (const char *)&s->out[j].sob[i]
                                                 : (const char *)&s->out[j].mor[i];
            double lo, hi;
            memcpy(&lo, rec + off, sizeof lo);
            memcpy(&hi, rec + off_hi, sizeof hi);
            v[(i * no + j) * nb] = lo;
            if (ci) v[(i * no + j) * nb + 1] = hi;
        }
    hsize_t dims[3] = {k, no, 2};
    f->long_name = ln, f->zh = zh, f->units = units, f->definition = def;
    int rc = nb_h5w_array(w, f->grp, name, ci ? 3 : 2, dims, NULL, v, f->scale, s_attrs, f);
    free(v);
    return rc;
}

/* Per-output values (mean, variance) over (output). */
static int s_put_output(nb_h5w *w, s_fill *f, const char *name, int var, const char *ln,
                        const char *zh, const char *def)
{
    const sens *s = f->s;
    double *v = malloc((size_t)s->n_out * sizeof *v);
    if (!v) return nb_h5w_nomem(w);
    for (int j = 0; j < s->n_out; j++) v[j] = var ? s->out[j].var : s->out[j].mean;
    hsize_t n = (hsize_t)s->n_out;
    f->long_name = ln, f->zh = zh, f->units = "the metric's units", f->definition = def;
    if (var) f->units = "the metric's units, squared";
    int rc = nb_h5w_array(w, f->grp, name, 1, &n, NULL, v, &f->scale[1], s_attrs, f);
    free(v);
    return rc;
}

/* The scales, coordinates and attributes of the group. */
static int s_put_axes(nb_h5w *w, s_fill *f)
{
    const sens *s = f->s;
    int no = s->n_out, rc = NB_OK;
    const char **labels = malloc((size_t)no * sizeof *labels);
    const char **metric = malloc((size_t)no * sizeof *metric);
    int32_t *year = malloc((size_t)no * sizeof *year);
    static const char *const bound[2] = {"lo", "hi"};
    if (!labels || !metric || !year) rc = nb_h5w_nomem(w);
    for (int j = 0; rc == NB_OK && j < no; j++) {
        labels[j] = s->out[j].label;
        metric[j] = s->out[j].metric;
        year[j] = s->out[j].year;
    }
    if (rc == NB_OK &&
        ((f->scale[0] = nb_h5w_scale(w, f->grp, "factor", w->str, w->str, (hsize_t)s->k,
                                     s->factor, "factor varied by the sweep")) < 0 ||
         (f->scale[1] = nb_h5w_scale(w, f->grp, "output", w->str, w->str, (hsize_t)no,
                                     labels, "outcome analysed: metric@year (December)")) < 0 ||
         (f->scale[2] = nb_h5w_scale(w, f->grp, "bound", w->str, w->str, 2, bound,
                                     "bound of the 90% bootstrap interval")) < 0))
        rc = NB_EIO;
    hsize_t n = (hsize_t)no;
    f->long_name = "metric", f->zh = "指标", f->units = "", f->definition = "the metric of the outcome";
    if (rc == NB_OK)
        rc = nb_h5w_typed(w, f->grp, "metric", w->str, w->str, 1, &n, NULL, metric,
                          &f->scale[1], s_attrs, f);
    f->long_name = "year", f->zh = "年份", f->units = "year",
    f->definition = "calendar year: the outcome is the metric at December of it";
    if (rc == NB_OK)
        rc = nb_h5w_typed(w, f->grp, "year", H5T_STD_I32LE, H5T_NATIVE_INT32, 1, &n, NULL,
                          year, &f->scale[1], s_attrs, f);
    free(year);
    free(metric);
    free(labels);
    return rc;
}

/* The group's attributes. */
static int s_put_attrs(nb_h5w *w, const sens *s, hid_t g)
{
    int rc = nb_h5w_attr_str(w, g, "method", s->method == SOBOL ? "sobol" : "morris") ||
             nb_h5w_attr_str(w, g, "design", s->design) ||
             nb_h5w_attr_i64(w, g, "points", s->points) ||
             nb_h5w_attr_i64(w, g, "bootstrap_resamples", s->resamples) ||
             nb_h5w_attr_f64(w, g, "confidence_level", NB_SENS_LEVEL) ||
             nb_h5w_attr_i64(w, g, "seed", s->seed) ||
             nb_h5w_attr_str(w, g, "neobay_version", NB_VERSION) ||
             nb_h5w_attr_str(w, g, "git_commit", NB_GIT_COMMIT);
    if (rc) return NB_EIO;
    const char *est =
        s->method == SOBOL
            ? "Outcomes centred on the pooled mean of blocks A and B; V = variance of A and B "
              "pooled; S1_i = mean(f_B (f_ABi - f_A)) / V (Saltelli et al. 2010); ST_i = "
              "mean((f_A - f_ABi)^2) / (2 V) (Jansen 1999); intervals: percentile bootstrap "
              "over the N base rows"
            : "EE = (f(x + delta e_i) - f(x)) / delta on the unit scale, one per factor and "
              "trajectory; mu = mean EE, mu_star = mean |EE| (Campolongo et al. 2007), sigma = "
              "standard deviation of EE (n - 1); interval of mu_star: percentile bootstrap "
              "over trajectories";
    return nb_h5w_attr_str(w, g, "estimator", est) ? NB_EIO : NB_OK;
}

/* Fill group g of the open file with the results. */
static int s_fill_group(nb_h5w *w, const sens *s, hid_t g)
{
    s_fill f = {s, g, {H5I_INVALID_HID, H5I_INVALID_HID, H5I_INVALID_HID}, 0, 0, 0, 0};
    int rc = s_put_axes(w, &f);
    if (rc == NB_OK) rc = s_put_attrs(w, s, g);
    if (rc == NB_OK)
        rc = s_put_output(w, &f, "outcome_mean", 0, "Mean of the outcome over the design",
                          "输出均值", "mean over design points of the replicate-mean outcome");
    if (rc == NB_OK)
        rc = s_put_output(w, &f, "outcome_variance", 1, "Variance of the outcome over the design",
                          "输出方差", s->method == SOBOL ? "V: variance of blocks A and B pooled (divisor 2N)"
                                                          : "variance over all design points (divisor n)");
    if (s->method == SOBOL) {
        if (rc == NB_OK)
            rc = s_put(w, &f, "S1", offsetof(nb_sobol, s1), 0, 0, "First-order Sobol index",
                       "一阶 Sobol 指数", "1", "share of the outcome's variance due to the factor alone");
        if (rc == NB_OK)
            rc = s_put(w, &f, "S1_interval", offsetof(nb_sobol, s1_lo), offsetof(nb_sobol, s1_hi), 1,
                       "90% bootstrap interval of S1", "一阶指数 90% 区间", "1",
                       "percentile bootstrap interval of S1");
        if (rc == NB_OK)
            rc = s_put(w, &f, "ST", offsetof(nb_sobol, st), 0, 0, "Total Sobol index",
                       "总效应 Sobol 指数", "1",
                       "share of the outcome's variance due to the factor and its interactions");
        if (rc == NB_OK)
            rc = s_put(w, &f, "ST_interval", offsetof(nb_sobol, st_lo), offsetof(nb_sobol, st_hi), 1,
                       "90% bootstrap interval of ST", "总效应指数 90% 区间", "1",
                       "percentile bootstrap interval of ST");
    } else {
        const char *u = "the metric's units per unit range of the factor";
        if (rc == NB_OK)
            rc = s_put(w, &f, "mu_star", offsetof(nb_morris, mu_star), 0, 0,
                       "Morris mu*: mean absolute elementary effect", "平均绝对基本效应", u,
                       "importance of the factor");
        if (rc == NB_OK)
            rc = s_put(w, &f, "mu_star_interval", offsetof(nb_morris, mu_star_lo),
                       offsetof(nb_morris, mu_star_hi), 1, "90% bootstrap interval of mu*",
                       "平均绝对效应 90% 区间", u, "percentile bootstrap over trajectories");
        if (rc == NB_OK)
            rc = s_put(w, &f, "mu", offsetof(nb_morris, mu), 0, 0,
                       "Morris mu: mean elementary effect", "平均基本效应", u,
                       "direction of the factor's effect");
        if (rc == NB_OK)
            rc = s_put(w, &f, "sigma", offsetof(nb_morris, sigma), 0, 0,
                       "Morris sigma: standard deviation of the elementary effects",
                       "基本效应标准差", u, "non-linearity or interactions with other factors");
    }
    nb_h5w_close(f.scale, 3);
    return rc;
}

/* Copy file `src` to `dst` (created exclusively, with src's permissions).  0, or -1
 * with errno set (dst removed if this call created it). */
static int copy_file(const char *src, const char *dst)
{
    int in = open(src, O_RDONLY), out = -1, err = 0;
    struct stat st;
    if (in < 0) return -1;
    if (fstat(in, &st) != 0 || (out = open(dst, O_WRONLY | O_CREAT | O_EXCL, st.st_mode & 07777)) < 0) {
        err = errno;
        close(in);
        errno = err;
        return -1;
    }
    static char buf[1 << 16];
    ssize_t n;
    while ((n = read(in, buf, sizeof buf)) != 0) {
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) { err = errno; break; }
        for (ssize_t off = 0; off < n;) {
            ssize_t k = write(out, buf + off, (size_t)(n - off));
            if (k < 0 && errno == EINTR) continue;
            if (k < 0) { err = errno; break; }
            off += k;
        }
        if (err) break;
    }
    close(in);
    if (close(out) != 0 && !err) err = errno;
    if (err) {
        unlink(dst);
        errno = err;
        return -1;
    }
    return 0;
}

/* fsync `p` (a file, or a directory with O_DIRECTORY).  0, or -1 with errno set. */
static int sync_path(const char *p, int flags)
{
    int fd = open(p, O_RDONLY | flags);
    if (fd < 0) return -1;
    int rc = fsync(fd), err = errno;
    close(fd);
    errno = err;
    return rc;
}

/* Add /sensitivity (replacing it) to the open file f.  NB_OK or NB_EIO with w->why. */
static int s_add_group(nb_h5w *w, const sens *s, hid_t f)
{
    if (H5Lexists(f, "sensitivity", H5P_DEFAULT) > 0 && H5Ldelete(f, "sensitivity", H5P_DEFAULT) < 0)
        return nb_h5w_fail(w, "removing the earlier group", "sensitivity");
    hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
    hid_t g = H5I_INVALID_HID;
    int rc = NB_EIO;
    if (gcpl < 0 || H5Pset_obj_track_times(gcpl, 0) < 0)
        nb_h5w_fail(w, "preparing group", "sensitivity");
    else if ((g = H5Gcreate2(f, "sensitivity", H5P_DEFAULT, gcpl, H5P_DEFAULT)) < 0)
        nb_h5w_fail(w, "creating group", "sensitivity");
    else
        rc = s_fill_group(w, s, g);
    if (g >= 0 && H5Gclose(g) < 0 && rc == NB_OK) rc = nb_h5w_fail(w, "closing group", "sensitivity");
    if (gcpl >= 0) H5Pclose(gcpl);
    return rc;
}

/* Rewrite the file with /sensitivity: copy, add, fsync, rename (see the top). */
static int s_write(sens *s)
{
    size_t n = strlen(s->path) + 32;
    char *tmp = malloc(n);
    if (!tmp) return s_nomem(s);
    snprintf(tmp, n, "%s.part-%ld", s->path, (long)getpid());
    nb_outpath_clean_stale(s->path);            /* .part files of killed runs */
    if (copy_file(s->path, tmp) != 0) {
        int rc = nb_err_code(s->e, NB_EIO, "%s: cannot write the sensitivity results: cannot "
                             "create %s: %s", s->path, tmp, strerror(errno));
        free(tmp);
        return rc;
    }
    nb_h5w w = {.file = H5I_INVALID_HID, .str = H5I_INVALID_HID, .why = ""};
    nb_h5_quiet q = nb_h5_quiet_begin();
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl >= 0) H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG);
    int rc = NB_EIO;
    if ((w.str = nb_h5_str_type()) < 0)
        snprintf(w.why, sizeof w.why, "HDF5 unavailable");
    else if ((w.file = H5Fopen(tmp, H5F_ACC_RDWR, fapl >= 0 ? fapl : H5P_DEFAULT)) < 0)
        nb_h5w_fail(&w, "opening the copy", tmp);
    else
        rc = s_add_group(&w, s, w.file);
    if (w.file >= 0 && H5Fclose(w.file) < 0 && rc == NB_OK)
        rc = nb_h5w_fail(&w, "closing the copy", tmp);
    if (fapl >= 0) H5Pclose(fapl);
    if (w.str >= 0) H5Tclose(w.str);
    nb_h5_quiet_end(q);
    if (rc != NB_OK) {
        nb_err_code(s->e, NB_EIO, "%s: cannot write the sensitivity results: %s", s->path, w.why);
    } else if (sync_path(tmp, 0) != 0 || rename(tmp, s->path) != 0) {
        rc = nb_err_code(s->e, NB_EIO, "%s: cannot write the sensitivity results: %s", s->path,
                         strerror(errno));
    } else {
        /* In place: sync the directory so the rename survives a crash (best effort). */
        char *dir = strdup(s->path), *slash = dir ? strrchr(dir, '/') : NULL;
        if (dir) {
            if (slash) slash[slash == dir ? 1 : 0] = '\0';
            sync_path(slash ? dir : ".", O_DIRECTORY);
        }
        free(dir);
    }
    if (rc != NB_OK) unlink(tmp);
    free(tmp);
    return rc;
}

/* ---- the whole ---------------------------------------------------------------------------- */

static void s_free(sens *s)
{
    if (s->file >= 0) H5Fclose(s->file);
    for (int i = 0; i < s->k && s->factor; i++) free(s->factor[i]);
    free(s->factor);
    free(s->unit);
    free(s->mfactor);
    for (int i = 0; i < s->n_metric; i++) free(s->metric[i]);
    for (int i = 0; i < s->n_out; i++) {
        free(s->out[i].sob);
        free(s->out[i].mor);
    }
    free(s->out);
}

/* See sensitivity.h. */
int nb_sensitivity_file(const char *path, const nb_sens_opts *o, FILE *out, nb_err *e)
{
    sens s = {.path = path, .file = H5I_INVALID_HID, .e = e};
    s.resamples = o->resamples > 0 ? o->resamples : NB_SENS_RESAMPLES;
    if (o->n_metrics > MAX_METRICS)
        return nb_err_code(e, NB_EINVAL, "at most %d metrics", MAX_METRICS);
    if (o->n_years > MAX_YEARS) return nb_err_code(e, NB_EINVAL, "at most %d years", MAX_YEARS);
    nb_h5_quiet q = nb_h5_quiet_begin();
    int rc = s_open(&s);
    if (rc == NB_OK) rc = s_design(&s);
    if (rc == NB_OK) rc = s_metrics(&s, o);
    if (rc == NB_OK) rc = s_years(&s, o);
    if (rc == NB_OK) rc = s_outputs(&s);
    if (s.file >= 0) H5Fclose(s.file);
    s.file = H5I_INVALID_HID;
    nb_h5_quiet_end(q);
    if (rc == NB_OK && o->write) rc = s_write(&s);
    if (rc == NB_OK) {
        s_print(&s, out);
        if (o->write)
            fprintf(out, "\nwritten to %s, group /sensitivity (xarray: "
                    "xr.open_dataset(path, engine=\"h5netcdf\", group=\"sensitivity\"))\n", path);
    }
    s_free(&s);
    return rc;
}

/* ---- the command line ------------------------------------------------------------------- */

static const char sensitivity_help[] =
    "Usage: neobay sensitivity SWEEP.h5 [--metric M]... [--year Y]... [options]\n"
    "Global sensitivity analysis (全局敏感性分析) of a sweep's outcomes to its factors.\n"
    "A saltelli sweep gives Sobol indices: first order S1 (the factor alone) and total\n"
    "ST (with its interactions), with 90% bootstrap intervals.  A morris sweep gives\n"
    "the elementary-effect statistics mu* (importance), mu (direction) and sigma\n"
    "(non-linearity, interactions).  The outcome is the mean over replicates of a\n"
    "metric at December of a year.  Prints a table per outcome, ranked, and writes the\n"
    "results into SWEEP.h5 as group /sensitivity (replacing an earlier one; the file is\n"
    "rewritten under a temporary name and renamed, so it is never left half-written).\n\n"
    "  -m, --metric M      a metric to analyse; repeatable (default: the sweep's\n"
    "                      outputs.metrics, else firms, unicorns and listed)\n"
    "  -y, --year Y        December of year Y; repeatable (default: the sweep's\n"
    "                      outputs.years, else the last December of the run)\n"
    "  -b, --resamples B   bootstrap resamples (default 1000)\n"
    "  -n, --no-write      print only; leave the file as it is\n"
    "  -h, --help          this text\n\n"
    "Exit codes: 0 done, 2 bad input (not a sweep file, a grid/lhs/sobol design, a\n"
    "metric or year not in the file), 1 the file could not be rewritten.\n";

static int usage(const char *what)
{
    fprintf(stderr, "neobay: error: %s\nTry 'neobay sensitivity --help'.\n", what);
    return EXIT_BAD;
}

/* See sensitivity.h. */
int nb_cmd_sensitivity(int argc, char **argv)
{
    static const struct option opts[] = {
        {"metric", required_argument, 0, 'm'}, {"year", required_argument, 0, 'y'},
        {"resamples", required_argument, 0, 'b'}, {"no-write", no_argument, 0, 'n'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *metrics[MAX_METRICS];
    int years[MAX_YEARS];
    nb_sens_opts o = {metrics, 0, years, 0, NB_SENS_RESAMPLES, 1};
    char msg[256], *end;
    long v;
    int c;
    while ((c = getopt_long(argc, argv, "m:y:b:nh", opts, NULL)) != -1) {
        switch (c) {
        case 'm':
            if (o.n_metrics == MAX_METRICS) return usage("--metric: at most 64 metrics");
            if (nb_metric_find(optarg) < 0) {
                int s = nb_metric_suggest(optarg);
                snprintf(msg, sizeof msg, "--metric: unknown metric '%s'%s%s%s", optarg,
                         s >= 0 ? " (did you mean '" : "", s >= 0 ? nb_metrics[s].name : "",
                         s >= 0 ? "'?)" : "");
                return usage(msg);
            }
            metrics[o.n_metrics++] = optarg;
            break;
        case 'y':
            errno = 0;
            v = strtol(optarg, &end, 10);
            if (errno || end == optarg || *end || v < 1900 || v > 2200)
                return snprintf(msg, sizeof msg, "--year: '%s' is not a year from 1900 to 2200", optarg), usage(msg);
            if (o.n_years == MAX_YEARS) return usage("--year: at most 16 years");
            years[o.n_years++] = (int)v;
            break;
        case 'b':
            errno = 0;
            v = strtol(optarg, &end, 10);
            if (errno || end == optarg || *end || v < 1 || v > 1000000)
                return snprintf(msg, sizeof msg, "--resamples: '%s' is not a whole number from 1 to 1000000", optarg), usage(msg);
            o.resamples = (int)v;
            break;
        case 'n': o.write = 0; break;
        case 'h': fputs(sensitivity_help, stdout); return 0;
        default: return usage("unknown option");
        }
    }
    if (optind + 1 != argc)
        return usage(optind == argc ? "no sweep results file given" : "more than one file given");
    nb_err e;
    int rc = nb_sensitivity_file(argv[optind], &o, stdout, &e);
    if (rc == NB_OK) return 0;
    fprintf(stderr, "neobay: error: %s\n", e.msg);
    return rc == NB_EINVAL ? EXIT_BAD : 1;
}
