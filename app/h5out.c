/* h5out.c -- results files in HDF5 (see h5out.h).
 *
 * Writing: every object is created with time tracking off and nothing in the file
 * depends on the clock, the thread count or the temporary name, so identical inputs
 * give byte-identical files.  Every axis of every dataset has a dimension scale
 * attached, which is what h5netcdf (and so xarray) needs to name dimensions.
 * The file is built in memory (HDF5's core driver) and its image written to
 * `<path>.part-<pid>` with plain write/fsync, then renamed onto `path`: HDF5 itself
 * never does disk I/O, so every disk error is reported here and undone.
 *
 * Reading (nb_h5_summary) takes every label and unit from the file's own
 * attributes, so a file written by an older version still prints.
 *
 * HDF5's automatic error printing is switched off for the duration of each public
 * call (and restored afterwards); failures are reported through nb_err instead.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include "h5out.h"
#include "../model/neobay.h"

#ifndef NB_GIT_COMMIT
#define NB_GIT_COMMIT "unknown"
#endif

#define CHUNK_REP 64          /* replicates per chunk of a metric dataset */
#define DEFLATE_LEVEL 4
#define CORE_INCREMENT (1u << 20)   /* in-memory file growth step, bytes */

/* ===================================================================================
 * Shared helpers
 * =================================================================================== */

/* HDF5's automatic error reporting, saved so it can be restored. */
typedef struct h5_quiet {
    H5E_auto2_t fn;
    void *data;
} h5_quiet;

/* Switch HDF5's automatic error printing off; returns the previous setting. */
static h5_quiet h5_quiet_begin(void)
{
    h5_quiet q = {NULL, NULL};
    H5Eget_auto2(H5E_DEFAULT, &q.fn, &q.data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    return q;
}

/* Restore the setting saved by h5_quiet_begin. */
static void h5_quiet_end(h5_quiet q)
{
    H5Eset_auto2(H5E_DEFAULT, q.fn, q.data);
}

/* H5Ewalk2 callback: keep the description of the innermost error (n == 0 when
 * walking upward), which is the one that says what really went wrong. */
static herr_t h5_walk_inner(unsigned n, const H5E_error2_t *err, void *ud)
{
    if (n == 0 && err->desc) snprintf(ud, 256, "%s", err->desc);
    return 0;
}

/* A short reason for the last HDF5 failure on this thread, into buf (256 bytes):
 * the system error text when HDF5 quotes one ("File too large"), otherwise the
 * innermost HDF5 description, otherwise "HDF5 error". */
static void h5_reason(char *buf)
{
    char inner[256] = "";
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, h5_walk_inner, inner);
    const char *key = "error message = '";
    const char *p = strstr(inner, key);
    if (p) {
        p += strlen(key);
        const char *q = strchr(p, '\'');
        int len = q ? (int)(q - p) : (int)strlen(p);
        snprintf(buf, 256, "%.*s", len, p);
    } else {
        snprintf(buf, 256, "%s", inner[0] ? inner : "HDF5 error");
    }
    for (char *c = buf; *c; c++)
        if (*c == '\n' || *c == '\r') *c = ' ';      /* messages are one line */
}

/* A variable-length UTF-8 string type (close with H5Tclose), or a negative id. */
static hid_t h5_str_type(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t < 0) return t;
    if (H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, H5T_CSET_UTF8) < 0) {
        H5Tclose(t);
        return H5I_INVALID_HID;
    }
    return t;
}

/* Days from 1970-01-01 to the civil date y-m-d (proleptic Gregorian; H. Hinnant's
 * algorithm, exact for any year). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The year and month (1..12) of day `z` counted from 1970-01-01 (inverse of
 * days_from_civil). */
static void civil_from_days(int64_t z, int *year, int *month)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *year = (int)(yoe + era * 400 + (m <= 2));
    *month = m;
}

/* ===================================================================================
 * Writing
 * =================================================================================== */

/* One write in progress. */
typedef struct h5w {
    hid_t file;
    hid_t str;                   /* variable-length UTF-8 string type */
    const nb_results *res;
    const nb_run_meta *meta;
    char why[512];               /* the first failure, "" while all is well */
} h5w;

/* Record the first failure: `what` (e.g. "creating dataset 'firms'") and HDF5's
 * reason.  Call it straight after the failing HDF5 call, before any other HDF5 call
 * clears the error stack.  Returns NB_EIO. */
static int w_fail(h5w *w, const char *what, const char *name)
{
    if (!w->why[0]) {
        char reason[256];
        h5_reason(reason);
        snprintf(w->why, sizeof w->why, "%s '%s': %s", what, name, reason);
    }
    return NB_EIO;
}

/* A dataset creation property list with time tracking off and, when chunk is not
 * NULL, chunked storage with shuffle and deflate.  Negative id on failure. */
static hid_t w_dcpl(int rank, const hsize_t *chunk)
{
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (dcpl < 0) return dcpl;
    if (H5Pset_obj_track_times(dcpl, 0) < 0 ||
        (chunk && (H5Pset_chunk(dcpl, rank, chunk) < 0 || H5Pset_shuffle(dcpl) < 0 ||
                   H5Pset_deflate(dcpl, DEFLATE_LEVEL) < 0))) {
        H5Pclose(dcpl);
        return H5I_INVALID_HID;
    }
    return dcpl;
}

/* Create dataset `name` in `loc` with file type `ftype` and shape dims[rank], and
 * write `buf` (memory type `mtype`) into it.  chunk: see w_dcpl.  Returns the open
 * dataset (close with H5Dclose), or a negative id after w_fail. */
static hid_t w_dataset(h5w *w, hid_t loc, const char *name, hid_t ftype, hid_t mtype,
                       int rank, const hsize_t *dims, const hsize_t *chunk,
                       const void *buf)
{
    hid_t space = H5Screate_simple(rank, dims, NULL);
    hid_t dcpl = space < 0 ? H5I_INVALID_HID : w_dcpl(rank, chunk);
    hid_t ds = H5I_INVALID_HID;
    if (dcpl < 0)
        w_fail(w, "preparing dataset", name);
    else if ((ds = H5Dcreate2(loc, name, ftype, space, H5P_DEFAULT, dcpl,
                              H5P_DEFAULT)) < 0)
        w_fail(w, "creating dataset", name);
    else if (H5Dwrite(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
        w_fail(w, "writing dataset", name);
        H5Dclose(ds);
        ds = H5I_INVALID_HID;
    }
    if (dcpl >= 0) H5Pclose(dcpl);
    if (space >= 0) H5Sclose(space);
    return ds;
}

/* Attach scalar attribute `name` (file type ftype, memory type mtype, value at buf)
 * to object `obj`.  NB_OK, or NB_EIO after w_fail. */
static int w_attr(h5w *w, hid_t obj, const char *name, hid_t ftype, hid_t mtype,
                  const void *buf)
{
    hid_t space = H5Screate(H5S_SCALAR);
    hid_t a = space < 0 ? H5I_INVALID_HID
                        : H5Acreate2(obj, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT);
    int rc = NB_OK;
    if (a < 0 || H5Awrite(a, mtype, buf) < 0) rc = w_fail(w, "writing attribute", name);
    if (a >= 0) H5Aclose(a);
    if (space >= 0) H5Sclose(space);
    return rc;
}

/* A UTF-8 string attribute (NULL is written as ""). */
static int w_attr_str(h5w *w, hid_t obj, const char *name, const char *s)
{
    const char *v = s ? s : "";
    return w_attr(w, obj, name, w->str, w->str, &v);
}

/* A 64-bit integer attribute. */
static int w_attr_i64(h5w *w, hid_t obj, const char *name, int64_t v)
{
    return w_attr(w, obj, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &v);
}

/* A 1-D dimension scale `name` of n values at buf, with a long_name.  Returns the
 * open dataset or a negative id after w_fail. */
static hid_t w_scale(h5w *w, hid_t loc, const char *name, hid_t ftype, hid_t mtype,
                     hsize_t n, const void *buf, const char *long_name)
{
    hid_t ds = w_dataset(w, loc, name, ftype, mtype, 1, &n, NULL, buf);
    if (ds < 0) return ds;
    if (H5DSset_scale(ds, name) < 0) {
        w_fail(w, "making a dimension scale of", name);
    } else if (w_attr_str(w, ds, "long_name", long_name) == NB_OK) {
        return ds;
    }
    H5Dclose(ds);
    return H5I_INVALID_HID;
}

/* Attach scale s[i] to axis i of dataset ds (named `name`), for i < rank. */
static int w_attach(h5w *w, hid_t ds, const char *name, int rank, const hid_t *s)
{
    for (int i = 0; i < rank; i++)
        if (H5DSattach_scale(ds, s[i], (unsigned)i) < 0)
            return w_fail(w, "attaching dimension scales to", name);
    return NB_OK;
}

/* Write the 2-D dataset `name` of doubles (chunked, compressed), attach scales s[0]
 * and s[1] to its axes, call `with` (may be NULL) on it to add attributes, and close
 * it.  Returns NB_OK or NB_EIO. */
static int w_matrix(h5w *w, hid_t loc, const char *name, const hsize_t *dims,
                    const hsize_t *chunk, const double *data, const hid_t *s,
                    int (*with)(h5w *, hid_t, const void *), const void *ud)
{
    hid_t ds = w_dataset(w, loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, dims,
                         chunk, data);
    if (ds < 0) return NB_EIO;
    int rc = w_attach(w, ds, name, 2, s);
    if (rc == NB_OK && with) rc = with(w, ds, ud);
    H5Dclose(ds);
    return rc;
}

/* The metadata attributes of a metric (ud: its nb_metric_info). */
static int w_metric_attrs(h5w *w, hid_t ds, const void *ud)
{
    const nb_metric_info *mi = ud;
    if (w_attr_str(w, ds, "units", mi->unit) || w_attr_str(w, ds, "long_name", mi->long_name) ||
        w_attr_str(w, ds, "long_name_zh", mi->long_name_zh) ||
        w_attr_str(w, ds, "definition", mi->definition) ||
        w_attr_str(w, ds, "kind", mi->kind == NB_STOCK ? "stock" : "flow"))
        return NB_EIO;
    return NB_OK;
}

/* Write metric m: <name>(replicate, time) and <name>_q(quantile, time).
 * sc: the time, replicate and quantile scales. */
static int w_metric(h5w *w, int m, const hid_t *sc)
{
    const nb_results *r = w->res;
    const nb_metric_info *mi = &nb_metrics[m];
    hsize_t dims[2] = {(hsize_t)r->n_rep, (hsize_t)r->n_time};
    hsize_t chunk[2] = {r->n_rep < CHUNK_REP ? (hsize_t)r->n_rep : CHUNK_REP,
                        (hsize_t)r->n_time};
    hid_t s_series[2] = {sc[1], sc[0]}, s_quant[2] = {sc[2], sc[0]};
    int rc = w_matrix(w, w->file, mi->name, dims, chunk, nb_results_row(r, m, 0),
                      s_series, w_metric_attrs, mi);
    if (rc != NB_OK) return rc;

    char qname[128];
    snprintf(qname, sizeof qname, "%s_q", mi->name);
    hsize_t qdims[2] = {NB_NQUANT, (hsize_t)r->n_time};
    return w_matrix(w, w->file, qname, qdims, qdims, nb_results_qrow(r, m, 0), s_quant,
                    w_metric_attrs, mi);
}

/* The `time` scale in `loc`: days since 1970-01-01 of each month start, with CF
 * attributes.  Returns the open dataset or a negative id after w_fail. */
static hid_t w_time_scale(h5w *w, hid_t loc)
{
    const nb_results *r = w->res;
    int64_t *days = malloc((size_t)r->n_time * sizeof *days);
    if (!days) {
        snprintf(w->why, sizeof w->why, "out of memory");
        return H5I_INVALID_HID;
    }
    for (int k = 0; k < r->n_time; k++) {
        int m = r->start + k;
        days[k] = days_from_civil(m / 12, m % 12 + 1, 1);
    }
    hid_t ds = w_scale(w, loc, "time", H5T_STD_I64LE, H5T_NATIVE_INT64,
                       (hsize_t)r->n_time, days, "time (first day of the month)");
    free(days);
    if (ds < 0) return ds;
    if (w_attr_str(w, ds, "units", "days since 1970-01-01") ||
        w_attr_str(w, ds, "calendar", "standard") ||
        w_attr_str(w, ds, "standard_name", "time") || w_attr_str(w, ds, "axis", "T")) {
        H5Dclose(ds);
        return H5I_INVALID_HID;
    }
    return ds;
}

/* The root scales: sc[0] time, sc[1] replicate, sc[2] quantile.  On failure the
 * ones created are left in sc for the caller to close. */
static int w_root_scales(h5w *w, hid_t *sc)
{
    const nb_results *r = w->res;
    if ((sc[0] = w_time_scale(w, w->file)) < 0) return NB_EIO;
    int32_t *reps = malloc((size_t)r->n_rep * sizeof *reps);
    if (!reps) {
        snprintf(w->why, sizeof w->why, "out of memory");
        return NB_EIO;
    }
    for (int i = 0; i < r->n_rep; i++) reps[i] = i;
    sc[1] = w_scale(w, w->file, "replicate", H5T_STD_I32LE, H5T_NATIVE_INT32,
                    (hsize_t)r->n_rep, reps, "Monte Carlo replicate number");
    free(reps);
    if (sc[1] < 0) return NB_EIO;
    sc[2] = w_scale(w, w->file, "quantile", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, NB_NQUANT,
                    nb_quantile_levels, "quantile level across replicates");
    return sc[2] < 0 ? NB_EIO : NB_OK;
}

/* Close every valid id of ids[n]. */
static void close_datasets(hid_t *ids, int n)
{
    for (int i = 0; i < n; i++)
        if (ids[i] >= 0) H5Dclose(ids[i]);
}

/* ---- the /parameters group ------------------------------------------------------ */

enum { PCOL_UNIT, PCOL_TYPE, PCOL_DESC, PCOL_SOURCE, PCOL_NTEXT };
enum { PCOL_DEF, PCOL_MIN, PCOL_MAX, PCOL_NREAL };

/* The text column c of registry row i. */
static const char *par_text(int c, int i)
{
    const nb_param_info *p = &nb_registry[i];
    const char *s = c == PCOL_UNIT ? p->unit : c == PCOL_TYPE ? nb_ptype_name(p->type)
                    : c == PCOL_DESC ? p->desc : p->source;
    return s ? s : "";
}

/* The numeric column c of registry row i. */
static double par_real(int c, int i)
{
    const nb_param_info *p = &nb_registry[i];
    return c == PCOL_DEF ? p->def : c == PCOL_MIN ? p->min : p->max;
}

/* Write the 1-D dataset `name`(parameter) of mtype values at buf, with a long_name,
 * attached to scale s_par. */
static int w_par_column(h5w *w, hid_t g, const char *name, hid_t ftype, hid_t mtype,
                        const void *buf, const char *long_name, hid_t s_par)
{
    hsize_t n = NB_NPARAMS;
    hid_t ds = w_dataset(w, g, name, ftype, mtype, 1, &n, NULL, buf);
    if (ds < 0) return NB_EIO;
    int rc = w_attach(w, ds, name, 1, &s_par);
    if (rc == NB_OK) rc = w_attr_str(w, ds, "long_name", long_name);
    H5Dclose(ds);
    return rc;
}

/* The registry columns: unit, type, description, source, default, min, max,
 * measure, each over `parameter`. */
static int w_par_columns(h5w *w, hid_t g, hid_t s_par)
{
    static const char *tname[PCOL_NTEXT] = {"unit", "type", "description", "source"};
    static const char *tlong[PCOL_NTEXT] = {"unit of the parameter", "value type",
                                            "description", "source or assumption"};
    static const char *rname[PCOL_NREAL] = {"default", "min", "max"};
    static const char *rlong[PCOL_NREAL] = {"registry default", "smallest valid value",
                                            "largest valid value"};
    const char *text[NB_NPARAMS];
    double real[NB_NPARAMS];
    int32_t measure[NB_NPARAMS];
    for (int c = 0; c < PCOL_NTEXT; c++) {
        for (int i = 0; i < NB_NPARAMS; i++) text[i] = par_text(c, i);
        if (w_par_column(w, g, tname[c], w->str, w->str, text, tlong[c], s_par))
            return NB_EIO;
    }
    for (int c = 0; c < PCOL_NREAL; c++) {
        for (int i = 0; i < NB_NPARAMS; i++) real[i] = par_real(c, i);
        if (w_par_column(w, g, rname[c], H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, real,
                         rlong[c], s_par))
            return NB_EIO;
    }
    for (int i = 0; i < NB_NPARAMS; i++) measure[i] = nb_registry[i].measure;
    return w_par_column(w, g, "measure", H5T_STD_I32LE, H5T_NATIVE_INT32, measure,
                        "policy measure number (1..20), 0 for none", s_par);
}

/* Attributes of /parameters/value. */
static int w_value_attrs(h5w *w, hid_t ds, const void *ud)
{
    if (w_attr_str(w, ds, "long_name", "resolved parameter value in each month") ||
        w_attr_str(w, ds, "comment", "units: see unit(parameter)"))
        return NB_EIO;
    return NB_OK;
}

/* /parameters/value(parameter, time): each parameter's value in each month. */
static int w_par_values(h5w *w, hid_t g, const hid_t *s)
{
    const nb_results *r = w->res;
    size_t nt = (size_t)r->n_time;
    nb_params *table = malloc(nt * sizeof *table);
    double *v = malloc(nt * NB_NPARAMS * sizeof *v);
    int rc = NB_EIO;
    if (!table || !v) {
        snprintf(w->why, sizeof w->why, "out of memory");
    } else {
        nb_paramset_table(w->meta->ps, r->start, r->n_time, table);
        for (int i = 0; i < NB_NPARAMS; i++)
            for (size_t k = 0; k < nt; k++) v[i * nt + k] = nb_params_get(&table[k], i);
        hsize_t dims[2] = {NB_NPARAMS, nt};
        rc = w_matrix(w, g, "value", dims, dims, v, s, w_value_attrs, NULL);
    }
    free(table);
    free(v);
    return rc;
}

/* The contents of group g = /parameters. */
static int w_par_contents(h5w *w, hid_t g)
{
    const char *names[NB_NPARAMS];
    for (int i = 0; i < NB_NPARAMS; i++) names[i] = nb_registry[i].name;
    hid_t s[2] = {H5I_INVALID_HID, H5I_INVALID_HID};   /* parameter, time */
    int rc = NB_EIO;
    s[0] = w_scale(w, g, "parameter", w->str, w->str, NB_NPARAMS, names,
                   "parameter name (registry order)");
    if (s[0] >= 0) s[1] = w_time_scale(w, g);
    if (s[1] >= 0 && w_par_columns(w, g, s[0]) == NB_OK) rc = w_par_values(w, g, s);
    close_datasets(s, 2);
    return rc;
}

/* Create the /parameters group (time tracking off) and fill it. */
static int w_parameters(h5w *w)
{
    hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
    hid_t g = H5I_INVALID_HID;
    if (gcpl < 0 || H5Pset_obj_track_times(gcpl, 0) < 0 ||
        (g = H5Gcreate2(w->file, "parameters", H5P_DEFAULT, gcpl, H5P_DEFAULT)) < 0) {
        w_fail(w, "creating group", "parameters");
        if (gcpl >= 0) H5Pclose(gcpl);
        return NB_EIO;
    }
    H5Pclose(gcpl);
    int rc = w_par_contents(w, g);
    H5Gclose(g);
    return rc;
}

/* ---- root attributes ------------------------------------------------------------ */

/* v with `prec` significant digits in %g style and a plain exponent ("1e9", not
 * "1e+09") into buf[32]. */
static const char *fmt_g(char *buf, double v, int prec)
{
    snprintf(buf, 32, "%.*g", prec, v);
    char *x = strchr(buf, 'e');
    if (!x) return buf;
    char *src = x + 1, *dst = x + 1;
    if (*src == '-') *dst++ = *src++;
    else if (*src == '+') src++;
    while (src[0] == '0' && src[1]) src++;
    memmove(dst, src, strlen(src) + 1);          /* dst <= src */
    return buf;
}

/* The unicorn and gazelle definitions in words, from the parameter values at time
 * point 0. */
static int w_definitions(h5w *w)
{
    const nb_paramset *ps = w->meta->ps;
    int m = w->res->start;
    char u[512], g[512], a[32], b[32], c[32], d[32];
    snprintf(u, sizeof u,
             "unicorn: unlisted, valued >= %s USD at %s RMB/USD, founded <= %s years ago",
             fmt_g(a, nb_paramset_at(ps, NB_P_def_unicorn_usd, m), 6),
             fmt_g(b, nb_paramset_at(ps, NB_P_def_usd_cny, m), 6),
             fmt_g(c, nb_paramset_at(ps, NB_P_def_unicorn_max_age, m), 6));
    snprintf(g, sizeof g,
             "gazelle: aged <= %s years, annual revenue growing >= %s%% a year over %s "
             "years from >= %s RMB/year",
             fmt_g(a, nb_paramset_at(ps, NB_P_def_gazelle_max_age, m), 6),
             fmt_g(b, 100 * nb_paramset_at(ps, NB_P_def_gazelle_growth, m), 6),
             fmt_g(c, nb_paramset_at(ps, NB_P_def_gazelle_years, m), 6),
             fmt_g(d, nb_paramset_at(ps, NB_P_def_gazelle_min_revenue, m), 6));
    if (w_attr_str(w, w->file, "unicorn_definition", u) ||
        w_attr_str(w, w->file, "gazelle_definition", g))
        return NB_EIO;
    return NB_OK;
}

/* The root attributes: provenance, scenario and conventions. */
static int w_root_attrs(h5w *w)
{
    const nb_run_meta *mt = w->meta;
    hid_t f = w->file;
    char start[16], title[512];
    int s = w->res->start;
    snprintf(start, sizeof start, "%04d-%02d", s / 12, s % 12 + 1);
    snprintf(title, sizeof title, "neobay simulation results: scenario %s",
             mt->scenario_name ? mt->scenario_name : "");
    if (w_attr_str(w, f, "neobay_version", NB_VERSION) ||
        w_attr_str(w, f, "git_commit", NB_GIT_COMMIT) ||
        w_attr_i64(w, f, "seed", mt->seed) ||
        w_attr_str(w, f, "scenario_name", mt->scenario_name) ||
        w_attr_str(w, f, "scenario_path", mt->scenario_path) ||
        w_attr_str(w, f, "scenario_yaml", mt->scenario_yaml) ||
        w_attr_i64(w, f, "replicates", w->res->n_rep) ||
        w_attr_str(w, f, "start", start) || w_attr_str(w, f, "Conventions", "CF-1.8") ||
        w_attr_str(w, f, "title", title))
        return NB_EIO;
    return w_definitions(w);
}

/* Everything in the file, in a fixed order. */
static int w_contents(h5w *w)
{
    hid_t sc[3] = {H5I_INVALID_HID, H5I_INVALID_HID, H5I_INVALID_HID};
    int rc = w_root_scales(w, sc);
    for (int m = 0; m < NB_NMETRICS && rc == NB_OK; m++) rc = w_metric(w, m, sc);
    close_datasets(sc, 3);
    if (rc == NB_OK) rc = w_parameters(w);
    if (rc == NB_OK) rc = w_root_attrs(w);
    return rc;
}

/* Copy the image of the open in-memory file w->file into *img (malloc'd), *size. */
static int w_copy_image(h5w *w, void **img, size_t *size)
{
    if (H5Fflush(w->file, H5F_SCOPE_GLOBAL) < 0) return w_fail(w, "flushing", "file");
    ssize_t n = H5Fget_file_image(w->file, NULL, 0);
    if (n <= 0) return w_fail(w, "sizing", "file image");
    *img = malloc((size_t)n);
    if (!*img) {
        snprintf(w->why, sizeof w->why, "out of memory (%zd bytes)", n);
        return NB_EIO;
    }
    if (H5Fget_file_image(w->file, *img, (size_t)n) != n) {
        free(*img);
        *img = NULL;
        return w_fail(w, "copying", "file image");
    }
    *size = (size_t)n;
    return NB_OK;
}

/* Build the whole file in memory and return its image in *img (malloc'd) and
 * *size.  The core driver without backing store never touches the disk, so
 * closing cannot fail on I/O and leave a file id open; all disk I/O is done by
 * w_save, which can report and undo every failure.  `label` names the in-memory
 * file (it is not stored in it).  NB_OK, or NB_EIO with w->why. */
static int w_image(h5w *w, const char *label, void **img, size_t *size)
{
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE), fapl = H5Pcreate(H5P_FILE_ACCESS);
    int rc = NB_EIO;
    w->file = H5I_INVALID_HID;
    *img = NULL;
    if (fcpl < 0 || fapl < 0 || H5Pset_obj_track_times(fcpl, 0) < 0 ||
        H5Pset_fapl_core(fapl, CORE_INCREMENT, 0) < 0 ||
        H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) < 0)
        w_fail(w, "preparing", "file properties");
    else if ((w->file = H5Fcreate(label, H5F_ACC_TRUNC, fcpl, fapl)) < 0)
        w_fail(w, "creating in-memory file", label);
    else if ((rc = w_contents(w)) == NB_OK)
        rc = w_copy_image(w, img, size);
    if (w->file >= 0) H5Fclose(w->file);
    if (fcpl >= 0) H5Pclose(fcpl);
    if (fapl >= 0) H5Pclose(fapl);
    return rc;
}

/* ---- atomic replacement --------------------------------------------------------- */

/* fsync the file or directory at `p`.  0, or -1 with errno set. */
static int sync_path(const char *p, int flags)
{
    int fd = open(p, O_RDONLY | flags);
    if (fd < 0) return -1;
    int rc = fsync(fd);
    int err = errno;
    close(fd);
    errno = err;
    return rc;
}

/* fsync the directory holding `path`, so the rename survives a crash.  Best
 * effort: the file is already in place when this runs. */
static void sync_parent(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash) {
        sync_path(".", O_DIRECTORY);
        return;
    }
    size_t n = slash == path ? 1 : (size_t)(slash - path);
    char *dir = malloc(n + 1);
    if (!dir) return;
    memcpy(dir, path, n);
    dir[n] = '\0';
    sync_path(dir, O_DIRECTORY);
    free(dir);
}

/* Write n bytes of buf to fd, through short writes and interruptions.  0, or -1
 * with errno set. */
static int write_all(int fd, const char *buf, size_t n)
{
    while (n > 0) {
        ssize_t k = write(fd, buf, n);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) return -1;
        buf += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Create `tmp` exclusively, write the image, fsync and close it, and rename it
 * onto `path`.  On failure `tmp` is removed if this call created it, `path` is
 * untouched and e->msg names `path` and the system's reason. */
static int w_save(const char *path, const char *tmp, const void *img, size_t size,
                  nb_err *e)
{
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0666);
    if (fd < 0)
        return nb_err_code(e, NB_EIO, "%s: cannot write results file: cannot create %s: %s",
                           path, tmp, strerror(errno));
    int ok = write_all(fd, img, size) == 0 && fsync(fd) == 0;
    int err = errno;
    if (close(fd) != 0 && ok) ok = 0, err = errno;
    if (ok && rename(tmp, path) != 0) ok = 0, err = errno;
    if (!ok) {
        unlink(tmp);
        return nb_err_code(e, NB_EIO, "%s: cannot write results file: %s", path,
                           strerror(err));
    }
    sync_parent(path);
    return NB_OK;
}

/* Check the inputs the writer relies on.  NB_OK or NB_EIO with a message. */
static int w_check(const char *path, const nb_results *res, const nb_run_meta *meta,
                   nb_err *e)
{
    if (!path || !*path) return nb_err_code(e, NB_EIO, "results file: empty path");
    if (!res || !meta || !meta->ps || res->n_rep < 1 || res->n_time < 1 || res->start < 0)
        return nb_err_code(e, NB_EIO, "%s: cannot write results file: no results to write",
                           path);
    return NB_OK;
}

/* Build the image in memory, then save it atomically. */
static int w_run(const char *path, const char *tmp, h5w *w, nb_err *e)
{
    void *img = NULL;
    size_t size = 0;
    int rc = w_image(w, tmp, &img, &size);
    if (rc != NB_OK)
        nb_err_code(e, NB_EIO, "%s: cannot write results file: %s", path, w->why);
    else
        rc = w_save(path, tmp, img, size, e);
    free(img);
    return rc;
}

/* See h5out.h.  Builds the file in memory, then writes `<path>.part-<pid>`, fsyncs
 * it and renames it onto `path`.  On failure: NB_EIO, e->msg names `path`, the
 * temporary is removed and `path` is untouched.  HDF5's error printing is off
 * during the call and restored afterwards. */
int nb_h5_write_run(const char *path, const nb_results *res, const nb_run_meta *meta,
                    nb_err *e)
{
    int rc = w_check(path, res, meta, e);
    if (rc != NB_OK) return rc;
    size_t n = strlen(path) + 32;
    char *tmp = malloc(n);
    if (!tmp) return nb_err_code(e, NB_EIO, "%s: cannot write results file: out of memory", path);
    snprintf(tmp, n, "%s.part-%ld", path, (long)getpid());

    h5w w = {.file = H5I_INVALID_HID, .res = res, .meta = meta, .why = ""};
    h5_quiet q = h5_quiet_begin();
    w.str = h5_str_type();
    if (w.str < 0)
        rc = nb_err_code(e, NB_EIO, "%s: cannot write results file: HDF5 unavailable", path);
    else
        rc = w_run(path, tmp, &w, e);
    if (w.str >= 0) H5Tclose(w.str);
    h5_quiet_end(q);
    free(tmp);
    return rc;
}

/* ===================================================================================
 * Reading: nb_h5_summary
 * =================================================================================== */

#define SUM_WIDTH 120         /* the table's target width in columns */

static const char *const headline[] = {
    "firms", "firms_pre", "firms_startup", "firms_backbone", "firms_leader",
    "valued_1e8", "valued_1e9", "gazelles", "unicorns", "listed", "hightech",
    "alliance_committed", "revenue", "valuation",
};
#define N_HEADLINE ((int)(sizeof headline / sizeof headline[0]))

/* One row of the table: a metric's median and band at each chosen time point. */
typedef struct sum_row {
    char name[64], zh[192];
    int money;                 /* units in RMB: shown in 亿 */
    double *v;                 /* [3][ncol]: median, 5%, 95% */
} sum_row;

/* A results file being summarised. */
typedef struct summary {
    const char *path;
    hid_t file;
    char version[64], commit[64], scenario[256], why[512];
    int64_t seed, reps;
    int n_time, n_quant, iq[3];      /* iq: indices of the 0.5, 0.05, 0.95 levels */
    int ncol, *col;                  /* time points shown */
    char (*label)[16];               /* "YYYY-MM" of each time point */
    sum_row row[N_HEADLINE];
    int n_rows;
} summary;

/* Record why the file is damaged (first reason wins).  Returns NB_EIO. */
static int s_damaged(summary *s, const char *what, const char *name)
{
    if (!s->why[0]) snprintf(s->why, sizeof s->why, "%s '%s'", what, name);
    return NB_EIO;
}

/* Read string attribute `name` of obj (variable or fixed length) into buf[n].
 * 0, or -1 when it is missing or not a string. */
static int r_attr_str(hid_t obj, const char *name, char *buf, size_t n)
{
    if (H5Aexists(obj, name) <= 0) return -1;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    hid_t t = a < 0 ? H5I_INVALID_HID : H5Aget_type(a);
    int rc = -1;
    if (t >= 0 && H5Tget_class(t) == H5T_STRING) {
        if (H5Tis_variable_str(t) > 0) {
            char *s = NULL;
            hid_t mt = h5_str_type();
            if (mt >= 0 && H5Aread(a, mt, &s) >= 0 && s) {
                snprintf(buf, n, "%s", s);
                H5free_memory(s);
                rc = 0;
            }
            if (mt >= 0) H5Tclose(mt);
        } else {
            size_t sz = H5Tget_size(t);
            char *tmp = calloc(sz + 1, 1);
            if (tmp && H5Aread(a, t, tmp) >= 0) {
                snprintf(buf, n, "%s", tmp);
                rc = 0;
            }
            free(tmp);
        }
    }
    if (t >= 0) H5Tclose(t);
    if (a >= 0) H5Aclose(a);
    return rc;
}

/* Read numeric scalar attribute `name` of obj as int64.  0, or -1. */
static int r_attr_i64(hid_t obj, const char *name, int64_t *v)
{
    if (H5Aexists(obj, name) <= 0) return -1;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0) return -1;
    int rc = H5Aread(a, H5T_NATIVE_INT64, v) < 0 ? -1 : 0;
    H5Aclose(a);
    return rc;
}

/* Read the whole numeric dataset `name` of rank `rank` as doubles.  Returns a
 * malloc'd array and its shape in dims, or NULL after s_damaged. */
static double *r_dataset(summary *s, const char *name, int rank, hsize_t *dims)
{
    hid_t ds = H5Dopen2(s->file, name, H5P_DEFAULT);
    hid_t sp = ds < 0 ? H5I_INVALID_HID : H5Dget_space(ds);
    double *v = NULL;
    if (sp < 0 || H5Sget_simple_extent_ndims(sp) != rank ||
        H5Sget_simple_extent_dims(sp, dims, NULL) < 0) {
        s_damaged(s, "cannot read the shape of dataset", name);
    } else {
        hsize_t n = 1;
        for (int i = 0; i < rank; i++) n *= dims[i];
        v = malloc((n ? n : 1) * sizeof *v);
        if (!v || H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) {
            s_damaged(s, "cannot read dataset", name);
            free(v);
            v = NULL;
        }
    }
    if (sp >= 0) H5Sclose(sp);
    if (ds >= 0) H5Dclose(ds);
    return v;
}

/* The header attributes.  Missing neobay_version means "not a neobay file"
 * (returns NB_EINVAL); other problems are damage (NB_EIO). */
static int s_header(summary *s)
{
    if (r_attr_str(s->file, "neobay_version", s->version, sizeof s->version) != 0)
        return NB_EINVAL;
    if (r_attr_str(s->file, "git_commit", s->commit, sizeof s->commit) != 0)
        snprintf(s->commit, sizeof s->commit, "unknown");
    if (r_attr_str(s->file, "scenario_name", s->scenario, sizeof s->scenario) != 0)
        return s_damaged(s, "missing attribute", "scenario_name");
    if (r_attr_i64(s->file, "seed", &s->seed) != 0)
        return s_damaged(s, "missing attribute", "seed");
    if (r_attr_i64(s->file, "replicates", &s->reps) != 0)
        return s_damaged(s, "missing attribute", "replicates");
    return NB_OK;
}

/* Choose the columns: the first month, each December and the last month. */
static int s_columns(summary *s, const double *days)
{
    s->col = malloc((size_t)s->n_time * sizeof *s->col);
    s->label = malloc((size_t)s->n_time * sizeof *s->label);
    if (!s->col || !s->label) return s_damaged(s, "out of memory reading", "time");
    for (int k = 0; k < s->n_time; k++) {
        int y, m;
        civil_from_days((int64_t)floor(days[k]), &y, &m);
        if (k == 0 || m == 12 || k == s->n_time - 1) {
            s->col[s->ncol] = k;
            snprintf(s->label[s->ncol++], sizeof s->label[0], "%04d-%02d", y, m);
        }
    }
    return NB_OK;
}

/* Read the time and quantile scales: time points, columns, quantile indices. */
static int s_axes(summary *s)
{
    hsize_t dims[2];
    double *t = r_dataset(s, "time", 1, dims);
    if (!t) return NB_EIO;
    s->n_time = (int)dims[0];
    int rc = s->n_time > 0 ? s_columns(s, t) : s_damaged(s, "empty dataset", "time");
    free(t);
    if (rc != NB_OK) return rc;
    double *q = r_dataset(s, "quantile", 1, dims);
    if (!q) return NB_EIO;
    static const double want[3] = {0.5, 0.05, 0.95};
    s->n_quant = (int)dims[0];
    for (int j = 0; j < 3; j++) {
        s->iq[j] = -1;
        for (int i = 0; i < s->n_quant; i++)
            if (fabs(q[i] - want[j]) < 1e-9) s->iq[j] = i;
        if (s->iq[j] < 0) rc = s_damaged(s, "missing quantile levels in", "quantile");
    }
    free(q);
    return rc;
}

/* Read the headline metric `name` into the next row, if the file has it. */
static int s_metric(summary *s, const char *name)
{
    char qname[128], units[64] = "";
    snprintf(qname, sizeof qname, "%s_q", name);
    if (H5Lexists(s->file, qname, H5P_DEFAULT) <= 0) return NB_OK;   /* older file */
    hsize_t dims[2];
    double *q = r_dataset(s, qname, 2, dims);
    if (!q) return NB_EIO;
    sum_row *r = &s->row[s->n_rows];
    int rc = NB_OK;
    if (dims[0] != (hsize_t)s->n_quant || dims[1] != (hsize_t)s->n_time)
        rc = s_damaged(s, "wrong shape of dataset", qname);
    else if (!(r->v = malloc(3 * (size_t)s->ncol * sizeof *r->v)))
        rc = s_damaged(s, "out of memory reading", qname);
    if (rc == NB_OK) {
        hid_t ds = H5Dopen2(s->file, qname, H5P_DEFAULT);
        if (ds >= 0) {
            r_attr_str(ds, "long_name_zh", r->zh, sizeof r->zh);
            r_attr_str(ds, "units", units, sizeof units);
            H5Dclose(ds);
        }
        snprintf(r->name, sizeof r->name, "%s", name);
        r->money = strncmp(units, "RMB", 3) == 0;
        for (int j = 0; j < 3; j++)
            for (int c = 0; c < s->ncol; c++)
                r->v[j * s->ncol + c] = q[(size_t)s->iq[j] * s->n_time + s->col[c]];
        s->n_rows++;
    }
    free(q);
    return rc;
}

/* Read everything the table shows. */
static int s_read(summary *s)
{
    int rc = s_header(s);
    if (rc == NB_OK) rc = s_axes(s);
    for (int i = 0; i < N_HEADLINE && rc == NB_OK; i++) rc = s_metric(s, headline[i]);
    return rc;
}

/* ---- printing ---------------------------------------------------------------- */

/* Display width of UTF-8 text in a terminal: East Asian wide characters count 2. */
static int disp_width(const char *str)
{
    const unsigned char *p = (const unsigned char *)str;
    int w = 0;
    while (*p) {
        unsigned cp = *p;
        int len = cp < 0x80 ? 1 : cp >= 0xF0 ? 4 : cp >= 0xE0 ? 3 : cp >= 0xC0 ? 2 : 1;
        if (len > 1) cp &= 0x3Fu >> (len - 1);
        int i = 1;
        for (; i < len && (p[i] & 0xC0) == 0x80; i++) cp = (cp << 6) | (p[i] & 0x3Fu);
        p += i;
        w += ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
              (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
              (cp >= 0xFF00 && cp <= 0xFF60) || (cp >= 0xFFE0 && cp <= 0xFFE6) ||
              (cp >= 0x20000 && cp <= 0x3FFFD)) ? 2 : 1;
    }
    return w;
}

/* Print `str` padded with spaces to `width` display columns, right-aligned when
 * `right`, left-aligned otherwise. */
static void put_padded(FILE *out, const char *str, int width, int right)
{
    int pad = width - disp_width(str);
    if (right) fprintf(out, "%*s%s", pad > 0 ? pad : 0, "", str);
    else fprintf(out, "%s%*s", str, pad > 0 ? pad : 0, "");
}

/* Format v in at most 7 characters: below 1e5 with no decimals from 100 on, one
 * from 10, two below, trailing zeros dropped ("3.5", "27"); from 1e5 with three
 * significant digits ("1.24e7").  Money (RMB) is shown in 亿. */
static void fmt_num(char *buf, size_t n, double v, int money)
{
    char tmp[32];
    if (money) v /= 1e8;
    double a = fabs(v);
    if (!isfinite(v)) snprintf(tmp, sizeof tmp, "%s", "n/a");
    else if (a >= 1e5) fmt_g(tmp, v, 3);
    else snprintf(tmp, sizeof tmp, "%.*f", a >= 100 ? 0 : a >= 10 ? 1 : 2, v);
    char *dot = strchr(tmp, '.');
    if (dot && !strchr(tmp, 'e')) {
        char *end = tmp + strlen(tmp);
        while (end > dot + 1 && end[-1] == '0') *--end = '\0';
        if (end == dot + 1) *dot = '\0';
    }
    if (strcmp(tmp, "-0") == 0) snprintf(tmp, sizeof tmp, "0");
    snprintf(buf, n, "%s", tmp);
}

enum { MED_SZ = 48, BAND_SZ = 72 };

/* The two cells of row r at column c: the median (with 亿 for money) into
 * med[MED_SZ] and the band into band[BAND_SZ]. */
static void cells(const summary *s, const sum_row *r, int c, char *med, char *band)
{
    char lo[32], hi[32], m[32];
    fmt_num(m, sizeof m, r->v[c], r->money);
    fmt_num(lo, sizeof lo, r->v[s->ncol + c], r->money);
    fmt_num(hi, sizeof hi, r->v[2 * s->ncol + c], r->money);
    snprintf(med, MED_SZ, "%s%s", m, r->money ? "亿" : "");
    snprintf(band, BAND_SZ, "[%s-%s]", lo, hi);
}

/* The widest cell and the widest label, in display columns. */
static void widths(const summary *s, int *label_w, int *col_w)
{
    *label_w = disp_width("median [5%-95%]");
    *col_w = 7;                                    /* "YYYY-MM" */
    char med[MED_SZ], band[BAND_SZ];
    for (int i = 0; i < s->n_rows; i++) {
        const sum_row *r = &s->row[i];
        int lw = disp_width(r->name), zw = disp_width(r->zh) + 2;
        if (lw > *label_w) *label_w = lw;
        if (zw > *label_w) *label_w = zw;
        for (int c = 0; c < s->ncol; c++) {
            cells(s, r, c, med, band);
            if (disp_width(med) > *col_w) *col_w = disp_width(med);
            if (disp_width(band) > *col_w) *col_w = disp_width(band);
        }
    }
}

/* Print one line: `label` padded to lw, then cells c0..c1-1 of row r (the bands
 * when `band`, else the medians), or the month labels when r is NULL. */
static void print_line(const summary *s, FILE *out, const char *label,
                       const sum_row *r, int band, int c0, int c1, int lw, int cw)
{
    char med[MED_SZ], bnd[BAND_SZ];
    put_padded(out, label, lw, 0);
    for (int c = c0; c < c1; c++) {
        const char *cell = s->label[c];
        if (r) {
            cells(s, r, c, med, bnd);
            cell = band ? bnd : med;
        }
        fputc(' ', out);
        put_padded(out, cell, cw, 1);
    }
    fputc('\n', out);
}

/* Print columns c0..c1-1: a header of months, then for each metric a line with its
 * name and medians and a line with its Chinese name and bands. */
static void print_block(const summary *s, FILE *out, int c0, int c1, int lw, int cw)
{
    char zh[200];
    print_line(s, out, "median [5%-95%]", NULL, 0, c0, c1, lw, cw);
    for (int i = 0; i < s->n_rows; i++) {
        const sum_row *r = &s->row[i];
        snprintf(zh, sizeof zh, "  %s", r->zh);
        print_line(s, out, r->name, r, 0, c0, c1, lw, cw);
        print_line(s, out, zh, r, 1, c0, c1, lw, cw);
    }
}

/* Print the whole table, wrapping the time points into blocks of at most
 * SUM_WIDTH columns. */
static void s_print(const summary *s, FILE *out)
{
    int lw, cw;
    widths(s, &lw, &cw);
    int per = (SUM_WIDTH - lw) / (cw + 1);
    if (per < 1) per = 1;
    int blocks = (s->ncol + per - 1) / per;
    per = (s->ncol + blocks - 1) / blocks;          /* balance the blocks */
    fprintf(out, "scenario: %s  seed: %lld  replicates: %lld  (neobay %s, git %s)\n",
            s->scenario, (long long)s->seed, (long long)s->reps, s->version, s->commit);
    fprintf(out, "file: %s  (%s to %s, %d months)\n", s->path, s->label[0],
            s->label[s->ncol - 1], s->n_time);
    fprintf(out, "each metric: median across replicates, and below it the 5%%-95%% band; "
            "money in 亿 RMB (1亿 = 1e8)\n");
    for (int c0 = 0; c0 < s->ncol; c0 += per) {
        fputc('\n', out);
        print_block(s, out, c0, c0 + per < s->ncol ? c0 + per : s->ncol, lw, cw);
    }
}

/* Free what s_read allocated. */
static void s_free(summary *s)
{
    for (int i = 0; i < s->n_rows; i++) free(s->row[i].v);
    free(s->col);
    free(s->label);
}

/* Open `path` read-only into s->file.  NB_OK, NB_EINVAL (not HDF5 or cannot be
 * opened: s->why says) or NB_EIO (HDF5 but cannot be opened: damaged). */
static int s_open(summary *s)
{
    FILE *f = fopen(s->path, "rb");
    if (!f) {
        snprintf(s->why, sizeof s->why, "%s", strerror(errno));
        return NB_EINVAL;
    }
    fclose(f);
    if (H5Fis_hdf5(s->path) <= 0) {
        snprintf(s->why, sizeof s->why, "not an HDF5 file");
        return NB_EINVAL;
    }
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl >= 0) H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG);
    s->file = H5Fopen(s->path, H5F_ACC_RDONLY, fapl >= 0 ? fapl : H5P_DEFAULT);
    if (s->file < 0) {
        char reason[256];
        h5_reason(reason);
        snprintf(s->why, sizeof s->why, "cannot open (%s)", reason);
    }
    if (fapl >= 0) H5Pclose(fapl);
    return s->file < 0 ? NB_EIO : NB_OK;
}

/* See h5out.h.  Everything is read before anything is printed, so a damaged file
 * prints nothing to `out`.  Returns NB_OK, or NB_EIO with a one-line e->msg:
 * "FILE: not a neobay results file (...)" (missing, not HDF5, no neobay_version)
 * or "FILE: damaged results file: ..." (unopenable HDF5, unreadable dataset). */
int nb_h5_summary(const char *path, FILE *out, nb_err *e)
{
    summary s = {.path = path, .file = H5I_INVALID_HID};
    h5_quiet q = h5_quiet_begin();
    int rc = s_open(&s);
    if (rc == NB_OK) {
        rc = s_read(&s);
        if (rc == NB_EINVAL) snprintf(s.why, sizeof s.why, "no neobay_version attribute");
        H5Fclose(s.file);
    }
    h5_quiet_end(q);
    if (rc == NB_OK) s_print(&s, out);
    s_free(&s);
    if (rc == NB_EINVAL)
        return nb_err_code(e, NB_EIO, "%s: not a neobay results file (%s)", path, s.why);
    if (rc != NB_OK) return nb_err_code(e, NB_EIO, "%s: damaged results file: %s", path, s.why);
    return NB_OK;
}
