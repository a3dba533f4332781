/* sweep_h5.c -- the results file of a sweep and the merge of shard files (layout in
 * sweep_run.h).
 *
 * Written with the building blocks of h5util.c (in memory, time tracking off, a
 * dimension scale on every axis, renamed into place), so identical inputs give
 * identical bytes.  A merge reads back everything a whole run would write -- the
 * metadata and design exactly as the shards stored them -- and calls the same writer,
 * so the merged file is the whole run's file; a shard's own attributes (shard_index,
 * shard_count) and its subset of points are not carried over.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include "../model/metrics.h"
#include "../model/neobay.h"
#include "h5out.h"
#include "sweep_run.h"

#ifndef NB_GIT_COMMIT
#define NB_GIT_COMMIT "unknown"
#endif

#define CHUNK_POINTS 256      /* points per chunk of a (point, time) dataset */
#define CHUNK_QPOINTS 64      /* per chunk of a (point, quantile, time) dataset */

static char *dup_str(const char *s)
{
    size_t n = strlen(s ? s : "") + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s ? s : "", n);
    return d;
}

nb_results *nb_sweep_table_alloc(int rows, int len, int start)
{
    nb_results *t = rows > 0 && len > 0 ? calloc(1, sizeof *t) : NULL;
    if (!t) return NULL;
    *t = (nb_results){.n_rep = rows, .n_time = len, .start = start,
                      .series = calloc((size_t)NB_NMETRICS * rows * len, sizeof(double))};
    if (!t->series) {
        free(t);
        return NULL;
    }
    return t;
}

/* ==== meta ============================================================================ */

void nb_sweep_meta_free(nb_sweep_meta *mt)
{
    if (!mt) return;
    free(mt->version);
    free(mt->commit);
    free(mt->sweep_yaml);
    free(mt->scenario_yaml);
    free(mt->scenario_name);
    free(mt->output_metrics);
    free(mt->output_years);
    for (int j = 0; j < mt->n_factors; j++) {
        if (mt->factor_name) free(mt->factor_name[j]);
        if (mt->factor_units) free(mt->factor_units[j]);
    }
    free(mt->factor_name);
    free(mt->factor_units);
    free(mt->factor_min);
    free(mt->factor_max);
    free(mt->factor_scale);
    free(mt->factor_log);
    free(mt->unit);
    free(mt->value);
    free(mt->morris_factor);
    memset(mt, 0, sizeof *mt);
}

/* Allocate the per-factor and design arrays of mt (n_factors, n_points, n_morris set). */
static int meta_alloc(nb_sweep_meta *mt)
{
    size_t k = (size_t)mt->n_factors, n = (size_t)mt->n_points * k;
    mt->factor_name = calloc(k, sizeof *mt->factor_name);
    mt->factor_units = calloc(k, sizeof *mt->factor_units);
    mt->factor_min = calloc(k, sizeof *mt->factor_min);
    mt->factor_max = calloc(k, sizeof *mt->factor_max);
    mt->factor_scale = calloc(k, sizeof *mt->factor_scale);
    mt->factor_log = calloc(k, sizeof *mt->factor_log);
    mt->unit = calloc(n ? n : 1, sizeof *mt->unit);
    mt->value = calloc(n ? n : 1, sizeof *mt->value);
    mt->morris_factor = calloc(mt->n_morris ? (size_t)mt->n_morris : 1, sizeof *mt->morris_factor);
    return mt->factor_name && mt->factor_units && mt->factor_min && mt->factor_max && mt->factor_scale &&
           mt->factor_log && mt->unit && mt->value && mt->morris_factor ? NB_OK : NB_ENOMEM;
}

/* Space-separated output metric names and years of sw into mt. */
static int meta_outputs(nb_sweep_meta *mt, const nb_sweep *sw)
{
    size_t n = 1;
    for (int i = 0; i < sw->n_out_metrics; i++) n += strlen(nb_metrics[sw->out_metrics[i]].name) + 1;
    mt->output_metrics = calloc(n, 1);
    mt->output_years = calloc((size_t)sw->n_out_years * 12 + 1, 1);
    if (!mt->output_metrics || !mt->output_years) return NB_ENOMEM;
    for (int i = 0; i < sw->n_out_metrics; i++) {
        if (i) strcat(mt->output_metrics, " ");
        strcat(mt->output_metrics, nb_metrics[sw->out_metrics[i]].name);
    }
    for (int i = 0; i < sw->n_out_years; i++)
        sprintf(mt->output_years + strlen(mt->output_years), "%s%d", i ? " " : "", sw->out_years[i]);
    return NB_OK;
}

int nb_sweep_meta_init(nb_sweep_meta *mt, const nb_sweep *sw, int k, int n)
{
    memset(mt, 0, sizeof *mt);
    mt->hash = sw->hash;
    mt->design = sw->design;
    mt->points = sw->points;
    mt->levels = sw->design == NB_DESIGN_MORRIS ? sw->levels : 0;
    mt->n_points = sw->n_points;
    mt->replicates = sw->replicates;
    mt->full_series = sw->full_series;
    mt->seed = sw->seed;
    mt->start = nb_paramset_start(&sw->base->ps);
    mt->n_time = nb_paramset_months(&sw->base->ps);
    mt->n_factors = sw->n_factors;
    mt->n_morris = sw->morris_factor ? sw->points * sw->n_factors : 0;
    mt->shard_k = n > 0 ? k : 0;
    mt->shard_n = n > 0 ? n : 0;
    int rc = meta_alloc(mt);
    if (!rc) rc = meta_outputs(mt, sw);
    if (rc) return nb_sweep_meta_free(mt), NB_ENOMEM;
    mt->version = dup_str(NB_VERSION);
    mt->commit = dup_str(NB_GIT_COMMIT);
    mt->sweep_yaml = dup_str(sw->yaml);
    mt->scenario_yaml = nb_scenario_to_yaml(sw->base);
    mt->scenario_name = dup_str(sw->base->name);
    for (int j = 0; j < sw->n_factors; j++) {
        const nb_factor *f = &sw->f[j];
        mt->factor_name[j] = dup_str(nb_registry[f->param].name);
        mt->factor_units[j] = dup_str(f->scale ? "1" : nb_registry[f->param].unit);
        mt->factor_min[j] = f->lo;
        mt->factor_max[j] = f->hi;
        mt->factor_scale[j] = f->scale;
        mt->factor_log[j] = f->log;
        if (!mt->factor_name[j] || !mt->factor_units[j]) rc = NB_ENOMEM;
    }
    size_t nd = (size_t)sw->n_points * sw->n_factors;
    memcpy(mt->unit, sw->unit, nd * sizeof *mt->unit);
    memcpy(mt->value, sw->value, nd * sizeof *mt->value);
    for (int i = 0; i < mt->n_morris; i++) mt->morris_factor[i] = sw->morris_factor[i];
    if (!mt->version || !mt->commit || !mt->sweep_yaml || !mt->scenario_yaml || !mt->scenario_name) rc = NB_ENOMEM;
    if (rc) nb_sweep_meta_free(mt);
    return rc;
}

/* ==== writing ========================================================================= */

typedef struct sw_out {
    const nb_sweep_meta *mt;
    const nb_results *table;
    int rows;
} sw_out;

enum { S_POINT, S_FACTOR, S_QUANT, S_TIME, S_REP, S_STEP, N_SCALES };

static int w_long_name(nb_h5w *w, hid_t ds, const void *ud)
{
    return nb_h5w_attr_str(w, ds, "long_name", ud);
}

/* The scales (an unused one stays invalid). */
static int w_scales(nb_h5w *w, const sw_out *o, hid_t *s)
{
    const nb_sweep_meta *mt = o->mt;
    int n = o->rows > mt->replicates ? o->rows : mt->replicates;
    if (mt->n_morris > n) n = mt->n_morris;
    int32_t *idx = malloc((size_t)(n > 0 ? n : 1) * sizeof *idx);
    if (!idx) return nb_h5w_nomem(w);
    for (int i = 0; i < o->rows; i++) idx[i] = nb_sweep_row_point(i, mt->shard_k, mt->shard_n);
    s[S_POINT] = nb_h5w_scale(w, w->file, "point", H5T_STD_I32LE, H5T_NATIVE_INT32, (hsize_t)o->rows, idx,
                              "design point number");
    if (s[S_POINT] >= 0)
        s[S_FACTOR] = nb_h5w_scale(w, w->file, "factor", w->str, w->str, (hsize_t)mt->n_factors,
                                   mt->factor_name, "factor: the parameter the sweep varies");
    if (s[S_FACTOR] >= 0)
        s[S_QUANT] = nb_h5w_scale(w, w->file, "quantile", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, NB_NQUANT,
                                  nb_quantile_levels, "quantile level across replicates");
    if (s[S_QUANT] >= 0) s[S_TIME] = nb_h5w_time_scale(w, w->file, mt->start, mt->n_time);
    int ok = s[S_TIME] >= 0;
    if (ok && mt->full_series) {
        for (int i = 0; i < mt->replicates; i++) idx[i] = i;
        s[S_REP] = nb_h5w_scale(w, w->file, "replicate", H5T_STD_I32LE, H5T_NATIVE_INT32,
                                (hsize_t)mt->replicates, idx, "Monte Carlo replicate number");
        ok = s[S_REP] >= 0;
    }
    if (ok && mt->n_morris) {
        for (int i = 0; i < mt->n_morris; i++) idx[i] = i;
        s[S_STEP] = nb_h5w_scale(w, w->file, "trajectory_step", H5T_STD_I32LE, H5T_NATIVE_INT32,
                                 (hsize_t)mt->n_morris, idx, "Morris step t * n_factors + j: from point "
                                 "t * (n_factors + 1) + j to the next");
        ok = s[S_STEP] >= 0;
    }
    free(idx);
    return ok ? NB_OK : NB_EIO;
}

/* design(point, factor), design_unit(point, factor), the factor columns, morris_factor. */
static int w_design(nb_h5w *w, const sw_out *o, const hid_t *s)
{
    const nb_sweep_meta *mt = o->mt;
    size_t k = (size_t)mt->n_factors;
    double *v = malloc((size_t)(o->rows ? o->rows : 1) * k * sizeof *v);
    double *u = malloc((size_t)(o->rows ? o->rows : 1) * k * sizeof *u);
    int rc = v && u ? NB_OK : nb_h5w_nomem(w);
    for (int i = 0; rc == NB_OK && i < o->rows; i++) {
        size_t p = (size_t)nb_sweep_row_point(i, mt->shard_k, mt->shard_n);
        memcpy(v + i * k, mt->value + p * k, k * sizeof *v);
        memcpy(u + i * k, mt->unit + p * k, k * sizeof *u);
    }
    hsize_t dims[2] = {(hsize_t)o->rows, k};
    hid_t pf[2] = {s[S_POINT], s[S_FACTOR]};
    if (!rc) rc = nb_h5w_array(w, w->file, "design", 2, dims, NULL, v, pf, w_long_name,
                               "factor value at the design point (parameter units, or the scale factor)");
    if (!rc) rc = nb_h5w_array(w, w->file, "design_unit", 2, dims, NULL, u, pf, w_long_name,
                               "design point on the unit scale [0, 1]");
    free(v);
    free(u);
    hsize_t nk = k;
    if (!rc) rc = nb_h5w_array(w, w->file, "factor_min", 1, &nk, NULL, mt->factor_min, &s[S_FACTOR],
                               w_long_name, "low end of the factor's range (value or scale)");
    if (!rc) rc = nb_h5w_array(w, w->file, "factor_max", 1, &nk, NULL, mt->factor_max, &s[S_FACTOR],
                               w_long_name, "high end of the factor's range (value or scale)");
    if (!rc) rc = nb_h5w_typed(w, w->file, "factor_scale", H5T_STD_I32LE, H5T_NATIVE_INT32, 1, &nk, NULL,
                               mt->factor_scale, &s[S_FACTOR], w_long_name,
                               "1: the value multiplies the base value or every entry of its schedule");
    if (!rc) rc = nb_h5w_typed(w, w->file, "factor_log", H5T_STD_I32LE, H5T_NATIVE_INT32, 1, &nk, NULL,
                               mt->factor_log, &s[S_FACTOR], w_long_name, "1: sampled uniformly in logs");
    if (!rc) rc = nb_h5w_typed(w, w->file, "factor_units", w->str, w->str, 1, &nk, NULL, mt->factor_units,
                               &s[S_FACTOR], w_long_name, "units of the factor's values (1: a scale factor)");
    hsize_t nm = (hsize_t)mt->n_morris;
    if (!rc && mt->n_morris)
        rc = nb_h5w_typed(w, w->file, "morris_factor", H5T_STD_I32LE, H5T_NATIVE_INT32, 1, &nm, NULL,
                          mt->morris_factor, &s[S_STEP], w_long_name,
                          "index (into factor) of the factor changed at the step");
    return rc;
}

/* The metadata attributes of a metric (ud: its nb_metric_info). */
static int w_metric_attrs(nb_h5w *w, hid_t ds, const void *ud)
{
    const nb_metric_info *mi = ud;
    if (nb_h5w_attr_str(w, ds, "units", mi->unit) || nb_h5w_attr_str(w, ds, "long_name", mi->long_name) ||
        nb_h5w_attr_str(w, ds, "long_name_zh", mi->long_name_zh) ||
        nb_h5w_attr_str(w, ds, "definition", mi->definition) ||
        nb_h5w_attr_str(w, ds, "kind", mi->kind == NB_STOCK ? "stock" : "flow"))
        return NB_EIO;
    return NB_OK;
}

/* <metric>_mean, <metric>_q and (full_series) <metric> of metric m; buf holds the
 * largest of them. */
static int w_metric(nb_h5w *w, const sw_out *o, int m, const hid_t *s, double *buf)
{
    const nb_sweep_meta *mt = o->mt;
    const nb_metric_info *mi = &nb_metrics[m];
    size_t nt = (size_t)mt->n_time, rows = (size_t)o->rows;
    size_t reps = (size_t)mt->replicates;
    char name[160];
    hsize_t cp = rows < CHUNK_POINTS ? rows : CHUNK_POINTS, cq = rows < CHUNK_QPOINTS ? rows : CHUNK_QPOINTS;
    for (size_t i = 0; i < rows; i++) memcpy(buf + i * nt, nb_results_row(o->table, m, (int)i), nt * sizeof *buf);
    hsize_t d2[2] = {rows, nt}, c2[2] = {cp, nt};
    hid_t s2[2] = {s[S_POINT], s[S_TIME]};
    snprintf(name, sizeof name, "%s_mean", mi->name);
    int rc = nb_h5w_array(w, w->file, name, 2, d2, rows ? c2 : NULL, buf, s2, w_metric_attrs, mi);
    for (size_t i = 0; !rc && i < rows; i++)
        memcpy(buf + i * NB_NQUANT * nt, nb_results_row(o->table, m, (int)i) + nt, NB_NQUANT * nt * sizeof *buf);
    hsize_t d3[3] = {rows, NB_NQUANT, nt}, c3[3] = {cq, NB_NQUANT, nt};
    hid_t s3[3] = {s[S_POINT], s[S_QUANT], s[S_TIME]};
    snprintf(name, sizeof name, "%s_q", mi->name);
    if (!rc) rc = nb_h5w_array(w, w->file, name, 3, d3, rows ? c3 : NULL, buf, s3, w_metric_attrs, mi);
    if (rc || !mt->full_series) return rc;
    for (size_t i = 0; i < rows; i++)
        memcpy(buf + i * reps * nt, nb_results_row(o->table, m, (int)i) + (1 + NB_NQUANT) * nt,
               reps * nt * sizeof *buf);
    hsize_t dr[3] = {rows, reps, nt}, cr[3] = {rows ? 1 : 0, reps < 64 ? reps : 64, nt};
    hid_t sr[3] = {s[S_POINT], s[S_REP], s[S_TIME]};
    return nb_h5w_array(w, w->file, mi->name, 3, dr, rows ? cr : NULL, buf, sr, w_metric_attrs, mi);
}

/* The root attributes. */
static int w_root_attrs(nb_h5w *w, const sw_out *o)
{
    const nb_sweep_meta *mt = o->mt;
    hid_t f = w->file;
    char hash[32], start[16], title[256];
    snprintf(hash, sizeof hash, "%016" PRIx64, mt->hash);
    nb_month_format(mt->start, start);
    snprintf(title, sizeof title, "neobay sweep results: %s design, %d points x %d replicates, base %s",
             nb_design_name(mt->design), mt->n_points, mt->replicates, mt->scenario_name);
    if (nb_h5w_attr_str(w, f, "neobay_version", mt->version) || nb_h5w_attr_str(w, f, "git_commit", mt->commit) ||
        nb_h5w_attr_str(w, f, "design", nb_design_name(mt->design)) ||
        nb_h5w_attr_i64(w, f, "points", mt->points) || nb_h5w_attr_i64(w, f, "n_points", mt->n_points) ||
        nb_h5w_attr_i64(w, f, "n_factors", mt->n_factors) ||
        nb_h5w_attr_i64(w, f, "replicates", mt->replicates) || nb_h5w_attr_i64(w, f, "seed", mt->seed) ||
        nb_h5w_attr_i64(w, f, "levels", mt->levels) || nb_h5w_attr_i64(w, f, "full_series", mt->full_series) ||
        nb_h5w_attr_str(w, f, "start", start) || nb_h5w_attr_str(w, f, "sweep_hash", hash) ||
        nb_h5w_attr_str(w, f, "sweep_yaml", mt->sweep_yaml) ||
        nb_h5w_attr_str(w, f, "scenario_yaml", mt->scenario_yaml) ||
        nb_h5w_attr_str(w, f, "scenario_name", mt->scenario_name) ||
        nb_h5w_attr_str(w, f, "output_metrics", mt->output_metrics) ||
        nb_h5w_attr_str(w, f, "output_years", mt->output_years) ||
        nb_h5w_attr_str(w, f, "Conventions", "CF-1.8") || nb_h5w_attr_str(w, f, "title", title))
        return NB_EIO;
    if (mt->shard_n > 0 && (nb_h5w_attr_i64(w, f, "shard_index", mt->shard_k) ||
                            nb_h5w_attr_i64(w, f, "shard_count", mt->shard_n)))
        return NB_EIO;
    return NB_OK;
}

/* Everything in the file, in a fixed order (an nb_h5w_fill_fn). */
static int w_contents(nb_h5w *w, const void *ud)
{
    const sw_out *o = ud;
    const nb_sweep_meta *mt = o->mt;
    hid_t s[N_SCALES];
    for (int i = 0; i < N_SCALES; i++) s[i] = H5I_INVALID_HID;
    int rc = w_scales(w, o, s);
    if (!rc) rc = w_design(w, o, s);
    size_t per = (size_t)mt->n_time * (mt->full_series && mt->replicates > NB_NQUANT ? (size_t)mt->replicates : NB_NQUANT);
    double *buf = rc ? NULL : malloc(((size_t)o->rows ? (size_t)o->rows : 1) * per * sizeof *buf);
    if (!rc && !buf) rc = nb_h5w_nomem(w);
    for (int m = 0; !rc && m < NB_NMETRICS; m++) rc = w_metric(w, o, m, s, buf);
    free(buf);
    nb_h5w_close(s, N_SCALES);
    if (!rc) rc = w_root_attrs(w, o);
    return rc;
}

int nb_sweep_h5_write(const char *path, const nb_sweep_meta *mt, const nb_results *table, nb_err *e)
{
    int rows = nb_sweep_rows(mt->n_points, mt->shard_k, mt->shard_n);
    if (!table || table->n_rep != rows ||
        table->n_time != nb_sweep_row_len(mt->n_time, mt->replicates, mt->full_series))
        return nb_err_code(e, NB_EIO, "%s: cannot write sweep results: the table does not fit the sweep", path);
    sw_out o = {mt, table, rows};
    return nb_h5_write_file(path, "sweep results file", w_contents, &o, e);
}

/* ==== reading shards ==================================================================== */

/* A whole string attribute (any length), malloc'd; NULL when missing. */
static char *r_attr_str(hid_t obj, const char *name)
{
    if (H5Aexists(obj, name) <= 0) return NULL;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT), t = a >= 0 ? H5Aget_type(a) : H5I_INVALID_HID;
    char *out = NULL;
    if (t >= 0 && H5Tget_class(t) == H5T_STRING && H5Tis_variable_str(t) > 0) {
        hid_t mt = nb_h5_str_type();
        char *s = NULL;
        if (mt >= 0 && H5Aread(a, mt, &s) >= 0 && s) {
            out = dup_str(s);
            H5free_memory(s);
        }
        if (mt >= 0) H5Tclose(mt);
    }
    if (t >= 0) H5Tclose(t);
    if (a >= 0) H5Aclose(a);
    return out;
}

/* The strings of 1-D string dataset `name` (n of them) into out[n] (malloc'd each). */
static int r_strings(hid_t loc, const char *name, int n, char **out)
{
    if (H5Lexists(loc, name, H5P_DEFAULT) <= 0) return -1;
    hid_t ds = H5Dopen2(loc, name, H5P_DEFAULT);
    hid_t sp = ds >= 0 ? H5Dget_space(ds) : H5I_INVALID_HID, mt = nb_h5_str_type();
    hsize_t dim = 0;
    char **tmp = calloc((size_t)(n > 0 ? n : 1), sizeof *tmp);
    int rc = -1;
    if (tmp && sp >= 0 && mt >= 0 && H5Sget_simple_extent_ndims(sp) == 1 &&
        H5Sget_simple_extent_dims(sp, &dim, NULL) == 1 && dim == (hsize_t)n &&
        H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, tmp) >= 0) {
        rc = 0;
        for (int i = 0; i < n; i++)
            if (!(out[i] = dup_str(tmp[i]))) rc = -1;
        H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, tmp);
    }
    free(tmp);
    if (mt >= 0) H5Tclose(mt);
    if (sp >= 0) H5Sclose(sp);
    if (ds >= 0) H5Dclose(ds);
    return rc;
}

/* The whole numeric dataset `name` of rank `rank` whose shape must be dims; NULL
 * otherwise. */
static double *r_array(hid_t loc, const char *name, int rank, const hsize_t *want)
{
    hsize_t dims[3];
    double *v = nb_h5r_doubles(loc, name, rank, dims);
    for (int i = 0; v && i < rank; i++)
        if (dims[i] != want[i]) {
            free(v);
            return NULL;
        }
    return v;
}

/* One shard file. */
typedef struct shard {
    const char *path;
    hid_t file;
    uint64_t hash;
    int64_t k, n;
} shard;

/* Open shard s and read its identity. */
static int shard_open(shard *s, nb_err *e)
{
    char why[300], *hash;
    int rc = nb_h5r_open(s->path, &s->file, why, sizeof why);
    if (rc) return nb_err_set(e, "%s: cannot read the shard: %s", s->path, why);
    if (!(hash = r_attr_str(s->file, "sweep_hash")) || nb_h5r_attr_i64(s->file, "shard_index", &s->k) ||
        nb_h5r_attr_i64(s->file, "shard_count", &s->n)) {
        free(hash);
        return nb_err_set(e, "%s: not a sweep shard (no sweep_hash, shard_index or shard_count: "
                          "write shards with `neobay sweep FILE --shard K/N`)", s->path);
    }
    char *end;
    s->hash = strtoull(hash, &end, 16);
    int bad = *end != '\0' || strlen(hash) != 16;
    free(hash);
    if (bad || s->n < 1 || s->k < 0 || s->k >= s->n)
        return nb_err_set(e, "%s: damaged sweep shard (sweep_hash, shard_index or shard_count)", s->path);
    return NB_OK;
}

/* Check the shards belong together and cover 0..N-1 once each. */
static int shards_check(shard *sh, int n, nb_err *e)
{
    for (int i = 1; i < n; i++) {
        if (sh[i].hash != sh[0].hash)
            return nb_err_set(e, "%s: shard of another sweep (hash %016" PRIx64 "; %s has %016" PRIx64
                              "): merge the shards of one sweep, run by one neobay build", sh[i].path,
                              sh[i].hash, sh[0].path, sh[0].hash);
        if (sh[i].n != sh[0].n)
            return nb_err_set(e, "%s: shard %" PRId64 " of %" PRId64 ", but %s is of %" PRId64 " shards",
                              sh[i].path, sh[i].k, sh[i].n, sh[0].path, sh[0].n);
        for (int j = 0; j < i; j++)
            if (sh[j].k == sh[i].k)
                return nb_err_set(e, "%s: shard %" PRId64 " of %" PRId64 " is given twice (also %s)", sh[i].path,
                                  sh[i].k, sh[i].n, sh[j].path);
    }
    if (n != sh[0].n) {
        char missing[512] = "";
        size_t len = 0;
        for (int64_t k = 0; k < sh[0].n && len < sizeof missing - 16; k++) {
            int found = 0;
            for (int i = 0; i < n; i++) found |= sh[i].k == k;
            if (!found) len += (size_t)snprintf(missing + len, sizeof missing - len, "%s%" PRId64, len ? ", " : "", k);
        }
        return nb_err_set(e, "the sweep has %" PRId64 " shards and %d were given: shard%s %s missing", sh[0].n, n,
                          strchr(missing, ',') ? "s" : "", missing);
    }
    return NB_OK;
}

/* Read the integer attribute `name` of f into *v, within [lo, hi]. */
static int r_int(hid_t f, const char *name, int64_t lo, int64_t hi, int *v)
{
    int64_t x;
    if (nb_h5r_attr_i64(f, name, &x) || x < lo || x > hi) return -1;
    *v = (int)x;
    return 0;
}

/* The sweep's metadata from shard file f (everything but the design rows). */
static int meta_read(nb_sweep_meta *mt, const shard *s, nb_err *e)
{
    hid_t f = s->file;
    char *design = r_attr_str(f, "design");
    int rc = 0;
    memset(mt, 0, sizeof *mt);
    mt->hash = s->hash;
    mt->design = -1;
    for (int d = 0; design && d < 5; d++)
        if (strcmp(design, nb_design_name(d)) == 0) mt->design = d;
    free(design);
    int64_t seed = -1;
    if (mt->design < 0 || r_int(f, "points", 0, INT32_MAX, &mt->points) ||
        r_int(f, "n_points", 1, INT32_MAX, &mt->n_points) || r_int(f, "n_factors", 1, NB_SWEEP_MAX_FACTORS, &mt->n_factors) ||
        r_int(f, "replicates", 1, INT32_MAX, &mt->replicates) || r_int(f, "levels", 0, INT32_MAX, &mt->levels) ||
        r_int(f, "full_series", 0, 1, &mt->full_series) || nb_h5r_attr_i64(f, "seed", &seed) || seed < 0 ||
        seed > UINT32_MAX)
        rc = -1;
    mt->seed = (uint32_t)seed;
    hsize_t nt = 0;
    double *days = rc ? NULL : nb_h5r_doubles(f, "time", 1, &nt);
    if (!days || nt < 1) rc = -1;
    else {
        int y, mo;
        nb_h5_civil_from_days((int64_t)days[0], &y, &mo);
        mt->start = NB_MONTH(y, mo);
        mt->n_time = (int)nt;
    }
    free(days);
    if (rc) return nb_err_set(e, "%s: not a neobay sweep results file (missing or bad attributes)", s->path);
    mt->n_morris = mt->design == NB_DESIGN_MORRIS ? mt->points * mt->n_factors : 0;
    mt->shard_k = mt->shard_n = 0;
    if (meta_alloc(mt)) return nb_err_code(e, NB_ENOMEM, "out of memory");
    mt->version = r_attr_str(f, "neobay_version");
    mt->commit = r_attr_str(f, "git_commit");
    mt->sweep_yaml = r_attr_str(f, "sweep_yaml");
    mt->scenario_yaml = r_attr_str(f, "scenario_yaml");
    mt->scenario_name = r_attr_str(f, "scenario_name");
    mt->output_metrics = r_attr_str(f, "output_metrics");
    mt->output_years = r_attr_str(f, "output_years");
    hsize_t nk = (hsize_t)mt->n_factors, nm = (hsize_t)mt->n_morris;
    double *fs = r_array(f, "factor_scale", 1, &nk), *fl = r_array(f, "factor_log", 1, &nk);
    double *fmin = r_array(f, "factor_min", 1, &nk), *fmax = r_array(f, "factor_max", 1, &nk);
    double *mf = mt->n_morris ? r_array(f, "morris_factor", 1, &nm) : NULL;
    if (!mt->version || !mt->commit || !mt->sweep_yaml || !mt->scenario_yaml || !mt->scenario_name ||
        !mt->output_metrics || !mt->output_years || !fs || !fl || !fmin || !fmax || (mt->n_morris && !mf) ||
        r_strings(f, "factor", mt->n_factors, mt->factor_name) ||
        r_strings(f, "factor_units", mt->n_factors, mt->factor_units))
        rc = -1;
    for (int j = 0; !rc && j < mt->n_factors; j++) {
        mt->factor_scale[j] = (int32_t)fs[j];
        mt->factor_log[j] = (int32_t)fl[j];
        mt->factor_min[j] = fmin[j];
        mt->factor_max[j] = fmax[j];
    }
    for (int i = 0; !rc && i < mt->n_morris; i++) mt->morris_factor[i] = (int32_t)mf[i];
    free(fs);
    free(fl);
    free(fmin);
    free(fmax);
    free(mf);
    if (rc) return nb_err_set(e, "%s: not a neobay sweep results file (missing or bad metadata)", s->path);
    return NB_OK;
}

/* Copy shard s's rows (design and statistics) into mt and the whole table. */
static int shard_rows(const shard *s, nb_sweep_meta *mt, nb_results *table, nb_err *e)
{
    int rows = nb_sweep_rows(mt->n_points, (int)s->k, (int)s->n);
    size_t k = (size_t)mt->n_factors, nt = (size_t)mt->n_time, reps = (size_t)mt->replicates;
    hsize_t d1 = (hsize_t)rows, d2[2] = {(hsize_t)rows, k};
    double *pt = r_array(s->file, "point", 1, &d1);
    double *v = r_array(s->file, "design", 2, d2), *u = r_array(s->file, "design_unit", 2, d2);
    int rc = pt && v && u ? NB_OK : -1;
    for (int i = 0; !rc && i < rows; i++)
        if (pt[i] != nb_sweep_row_point(i, (int)s->k, (int)s->n)) rc = -1;
    for (int i = 0; !rc && i < rows; i++) {
        size_t p = (size_t)nb_sweep_row_point(i, (int)s->k, (int)s->n);
        memcpy(mt->value + p * k, v + (size_t)i * k, k * sizeof *v);
        memcpy(mt->unit + p * k, u + (size_t)i * k, k * sizeof *u);
    }
    free(pt);
    free(v);
    free(u);
    char name[160];
    for (int m = 0; !rc && m < NB_NMETRICS; m++) {
        const char *mn = nb_metrics[m].name;
        hsize_t dm[2] = {(hsize_t)rows, nt}, dq[3] = {(hsize_t)rows, NB_NQUANT, nt}, dr[3] = {(hsize_t)rows, reps, nt};
        snprintf(name, sizeof name, "%s_mean", mn);
        double *mean = r_array(s->file, name, 2, dm);
        snprintf(name, sizeof name, "%s_q", mn);
        double *q = r_array(s->file, name, 3, dq);
        double *ser = mt->full_series ? r_array(s->file, mn, 3, dr) : NULL;
        if (!mean || !q || (mt->full_series && !ser)) {
            rc = nb_err_set(e, "%s: the shard lacks %s of metric '%s' (written by another neobay build?)", s->path,
                            !mean ? "the mean" : !q ? "the quantiles" : "the replicate series", mn);
        }
        for (int i = 0; !rc && i < rows; i++) {
            double *row = nb_results_row(table, m, nb_sweep_row_point(i, (int)s->k, (int)s->n));
            memcpy(row, mean + (size_t)i * nt, nt * sizeof *row);
            memcpy(row + nt, q + (size_t)i * NB_NQUANT * nt, NB_NQUANT * nt * sizeof *row);
            if (ser) memcpy(row + (1 + NB_NQUANT) * nt, ser + (size_t)i * reps * nt, reps * nt * sizeof *row);
        }
        free(mean);
        free(q);
        free(ser);
    }
    if (rc == -1) return nb_err_set(e, "%s: damaged sweep shard (its points or design do not fit shard %" PRId64 " of %" PRId64 ")",
                                    s->path, s->k, s->n);
    return rc;
}

int nb_sweep_h5_merge(const char *out, const char *const *paths, int n, nb_err *e)
{
    shard *sh = calloc((size_t)(n > 0 ? n : 1), sizeof *sh);
    nb_sweep_meta mt;
    nb_results *table = NULL;
    memset(&mt, 0, sizeof mt);
    if (!sh) return nb_err_code(e, NB_ENOMEM, "out of memory");
    for (int i = 0; i < n; i++) sh[i] = (shard){paths[i], H5I_INVALID_HID, 0, 0, 0};
    nb_h5_quiet q = nb_h5_quiet_begin();
    int rc = n > 0 ? NB_OK : nb_err_set(e, "no shard files given");
    for (int i = 0; !rc && i < n; i++) rc = shard_open(&sh[i], e);
    if (!rc) rc = shards_check(sh, n, e);
    if (!rc) rc = meta_read(&mt, &sh[0], e);
    if (!rc && mt.n_points < sh[0].n)
        rc = nb_err_set(e, "%s: %" PRId64 " shards for %d points", sh[0].path, sh[0].n, mt.n_points);
    if (!rc) {
        table = nb_sweep_table_alloc(mt.n_points, nb_sweep_row_len(mt.n_time, mt.replicates, mt.full_series), mt.start);
        if (!table) rc = nb_err_code(e, NB_ENOMEM, "out of memory (%d points)", mt.n_points);
    }
    for (int i = 0; !rc && i < n; i++) rc = shard_rows(&sh[i], &mt, table, e);
    for (int i = 0; i < n; i++)
        if (sh[i].file >= 0) H5Fclose(sh[i].file);
    nb_h5_quiet_end(q);
    if (!rc) rc = nb_sweep_h5_write(out, &mt, table, e);
    nb_results_free(table);
    nb_sweep_meta_free(&mt);
    free(sh);
    return rc;
}
