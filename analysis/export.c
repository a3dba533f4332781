/* export.c -- `neobay export FILE --csv DIR`: any neobay results file (run, compare,
 * sweep, posterior, panel) as tidy CSV tables, without new dependencies.
 *
 * The file is walked group by group (name order); DIR mirrors its groups.  In each
 * group, the datasets that are dimension scales are coordinates, the others data:
 *   - a dataset of rank >= 2 becomes <name>.csv in long form, one row per value:
 *       metric,<dim 1>,...,<dim k>,value [<units>]
 *     e.g. firms.csv: metric,replicate,time,value [1]
 *   - the rank-1 datasets over the same dimension become one wide table
 *     by_<dim>.csv, one row per coordinate value and one column per dataset, each
 *     header carrying its units: year,p_hightech_1000 [1],...  (the panel and
 *     event tables, the parameter table, the milestones)
 *   - scalars go to scalars.csv: name,value,units
 * Coordinates: a `time` axis (units "days since 1970-01-01") is written as an ISO
 * date, string coordinates as text; coded columns (flag_values/flag_meanings) as
 * their meanings.  Numbers use %.15g; a NaN is an empty field.  Fields holding a
 * comma, quote or line break are quoted (RFC 4180).
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include "export.h"
#include "h5out.h"
#include "../model/neobay.h"

#define EX_MAXRANK 8
#define EX_MAXDS 4096

/* One dataset's values as text or numbers, with how to print them. */
typedef struct ex_col {
    char name[256], units[128];
    hsize_t n;
    double *num;               /* numeric values, or NULL */
    char **str;                /* string values, or NULL */
    int is_time;               /* days since 1970-01-01: printed as a date */
    int n_flags;               /* coded values: flag[i] means meaning[i] */
    long long *flag;
    char **meaning;
} ex_col;

/* A dataset of the group being exported. */
typedef struct ex_ds {
    char name[256];
    int rank, is_scale;
    hsize_t dims[EX_MAXRANK];
    char scale[EX_MAXRANK][256];   /* name of the scale on each axis ("" for none) */
} ex_ds;

/* An export under way. */
typedef struct ex_state {
    const char *path;          /* the results file */
    nb_err *e;
    int rc;
    long files;                /* CSV files written */
} ex_state;

/* Record a failure (first wins).  Returns NB_EINVAL or NB_EIO as code. */
static int ex_fail(ex_state *x, int code, const char *what, const char *name)
{
    if (x->rc == NB_OK) {
        nb_err_code(x->e, code, "%s: %s '%s'", x->path, what, name);
        x->rc = code;
    }
    return code;
}

/* ---- CSV output -------------------------------------------------------------------- */

/* Write s as one CSV field (quoted when it holds , " or a line break). */
static void csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) { fputs(s, f); return; }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* Value i of column c as text into buf[n]. */
static const char *col_text(const ex_col *c, hsize_t i, char *buf, size_t n)
{
    if (c->str) return c->str[i] ? c->str[i] : "";
    double v = c->num[i];
    if (!isfinite(v)) return isnan(v) ? "" : v > 0 ? "inf" : "-inf";
    for (int k = 0; k < c->n_flags; k++)
        if ((double)c->flag[k] == v) return c->meaning[k];
    if (c->is_time) {
        int y, m;
        int64_t d = (int64_t)floor(v);
        nb_h5_civil_from_days(d, &y, &m);
        int64_t first = nb_h5_month_days(NB_MONTH(y, m));
        snprintf(buf, n, "%04d-%02d-%02d", y, m, (int)(d - first) + 1);
        return buf;
    }
    snprintf(buf, n, "%.15g", v);
    return buf;
}

/* A column header: "name" or "name [units]". */
static void csv_header(FILE *f, const char *name, const char *units)
{
    char h[512];
    if (units && *units) snprintf(h, sizeof h, "%s [%s]", name, units);
    else snprintf(h, sizeof h, "%s", name);
    csv_field(f, h);
}

/* ---- reading ---------------------------------------------------------------------- */

/* Free what col_read filled. */
static void col_free(ex_col *c)
{
    free(c->num);
    if (c->str)
        for (hsize_t i = 0; i < c->n; i++) free(c->str[i]);
    free(c->str);
    free(c->flag);
    for (int k = 0; k < c->n_flags; k++) free(c->meaning[k]);
    free(c->meaning);
    memset(c, 0, sizeof *c);
}

/* Read the string dataset ds (n values, fixed or variable length) into c->str. */
static int col_read_str(hid_t ds, hid_t t, ex_col *c)
{
    c->str = calloc(c->n ? c->n : 1, sizeof *c->str);
    if (!c->str) return -1;
    int rc = -1;
    if (H5Tis_variable_str(t) > 0) {
        hid_t mt = H5Tcopy(H5T_C_S1);
        H5Tset_size(mt, H5T_VARIABLE);
        H5Tset_cset(mt, H5Tget_cset(t));      /* HDF5 converts no ASCII <-> UTF-8 */
        char **v = calloc(c->n ? c->n : 1, sizeof *v);
        if (v && H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0) {
            for (hsize_t i = 0; i < c->n; i++) c->str[i] = strdup(v[i] ? v[i] : "");
            hid_t sp = H5Dget_space(ds);
            H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, v);
            H5Sclose(sp);
            rc = 0;
        }
        free(v);
        H5Tclose(mt);
        return rc;
    }
    size_t w = H5Tget_size(t);
    char *buf = malloc(c->n * w + 1);
    hid_t mt = H5Tcopy(t);
    if (buf && H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0) {
        for (hsize_t i = 0; i < c->n; i++) c->str[i] = strndup(buf + i * w, w);
        rc = 0;
    }
    H5Tclose(mt);
    free(buf);
    return rc;
}

/* The flag_values / flag_meanings of ds into c (none when absent or malformed). */
static void col_read_flags(hid_t ds, ex_col *c)
{
    char meanings[4096];
    if (H5Aexists(ds, "flag_values") <= 0 ||
        nb_h5r_attr_str(ds, "flag_meanings", meanings, sizeof meanings) != 0) return;
    hid_t a = H5Aopen(ds, "flag_values", H5P_DEFAULT);
    hid_t sp = H5Aget_space(a);
    hssize_t n = H5Sget_simple_extent_npoints(sp);
    c->flag = n > 0 ? malloc((size_t)n * sizeof *c->flag) : NULL;
    c->meaning = n > 0 ? calloc((size_t)n, sizeof *c->meaning) : NULL;
    if (c->flag && c->meaning && H5Aread(a, H5T_NATIVE_LLONG, c->flag) >= 0) {
        char *save = NULL, *tok = strtok_r(meanings, " ", &save);
        for (; tok && c->n_flags < n; tok = strtok_r(NULL, " ", &save))
            c->meaning[c->n_flags++] = strdup(tok);
    }
    H5Sclose(sp);
    H5Aclose(a);
}

/* Read dataset `name` of group g (any rank, numeric or string) into c, flattened
 * in C order.  0, or -1 when it cannot be read. */
static int col_read(hid_t g, const char *name, ex_col *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "%s", name);
    hid_t ds = H5Dopen2(g, name, H5P_DEFAULT);
    if (ds < 0) return -1;
    hid_t t = H5Dget_type(ds), sp = H5Dget_space(ds);
    hssize_t n = H5Sget_simple_extent_npoints(sp);
    c->n = n > 0 ? (hsize_t)n : 0;
    int rc = -1;
    H5T_class_t cls = H5Tget_class(t);
    /* the registry's unit ("firms", "RMB/month") where CF's units say "1" */
    if (nb_h5r_attr_str(ds, "units_label", c->units, sizeof c->units) != 0)
        nb_h5r_attr_str(ds, "units", c->units, sizeof c->units);
    c->is_time = strncmp(c->units, "days since 1970-01-01", 21) == 0;
    if (cls == H5T_STRING) {
        rc = col_read_str(ds, t, c);
    } else if (cls == H5T_INTEGER || cls == H5T_FLOAT) {
        c->num = malloc((c->n ? c->n : 1) * sizeof *c->num);
        rc = c->num && H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, c->num) >= 0 ? 0 : -1;
        if (rc == 0) col_read_flags(ds, c);
    }
    H5Sclose(sp);
    H5Tclose(t);
    H5Dclose(ds);
    if (rc) col_free(c);
    return rc;
}

/* The name (last path component) of the scale attached to an axis. */
static herr_t scale_name_cb(hid_t did, unsigned dim, hid_t dsid, void *ud)
{
    char full[512];
    if (H5Iget_name(dsid, full, sizeof full) <= 0) return 0;
    const char *b = strrchr(full, '/');
    snprintf(ud, 256, "%.255s", b ? b + 1 : full);
    return 1;
}

/* Describe dataset `name` of g into d.  0, or -1. */
static int ds_describe(hid_t g, const char *name, ex_ds *d)
{
    memset(d, 0, sizeof *d);
    snprintf(d->name, sizeof d->name, "%s", name);
    hid_t ds = H5Dopen2(g, name, H5P_DEFAULT);
    if (ds < 0) return -1;
    hid_t sp = H5Dget_space(ds);
    d->rank = H5Sget_simple_extent_ndims(sp);
    int ok = d->rank >= 0 && d->rank <= EX_MAXRANK;
    if (ok) H5Sget_simple_extent_dims(sp, d->dims, NULL);
    d->is_scale = H5DSis_scale(ds) > 0;
    for (int i = 0; ok && i < d->rank; i++) {
        if (H5DSget_num_scales(ds, (unsigned)i) > 0)
            H5DSiterate_scales(ds, (unsigned)i, NULL, scale_name_cb, d->scale[i]);
        if (!d->scale[i][0]) snprintf(d->scale[i], sizeof d->scale[i], "dim%d", i);
    }
    H5Sclose(sp);
    H5Dclose(ds);
    return ok ? 0 : -1;
}

/* The coordinate values of axis `scale` (length n) in g: the scale dataset, or the
 * indices 0..n-1 when there is none. */
static int coord_read(hid_t g, const char *scale, hsize_t n, ex_col *c)
{
    if (H5Lexists(g, scale, H5P_DEFAULT) > 0 && col_read(g, scale, c) == 0 && c->n == n) return 0;
    if (c->num || c->str) col_free(c);
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "%s", scale);
    c->n = n;
    c->num = malloc((n ? n : 1) * sizeof *c->num);
    if (!c->num) return -1;
    for (hsize_t i = 0; i < n; i++) c->num[i] = (double)i;
    return 0;
}

/* ---- writing the tables -------------------------------------------------------------- */

/* Open DIR/NAME.csv for writing; NULL after ex_fail. */
static FILE *csv_open(ex_state *x, const char *dir, const char *name)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/%s.csv", dir, name);
    FILE *f = fopen(p, "w");
    if (!f) {
        nb_err_code(x->e, NB_EINVAL, "%s: cannot write: %s", p, strerror(errno));
        x->rc = NB_EINVAL;
    } else {
        x->files++;
    }
    return f;
}

/* Close f; a write error becomes the export's failure. */
static void csv_close(ex_state *x, FILE *f, const char *dir, const char *name)
{
    if ((ferror(f) | fclose(f)) && x->rc == NB_OK) {
        nb_err_code(x->e, NB_EIO, "%s/%s.csv: write failed", dir, name);
        x->rc = NB_EIO;
    }
}

/* Dataset d (rank >= 2) of g as DIR/<name>.csv in long form. */
static void ex_long(ex_state *x, hid_t g, const ex_ds *d, const char *dir)
{
    ex_col v, co[EX_MAXRANK];
    memset(co, 0, sizeof co);
    if (col_read(g, d->name, &v) != 0) { ex_fail(x, NB_EIO, "cannot read dataset", d->name); return; }
    int ok = 1;
    for (int i = 0; ok && i < d->rank; i++) ok = coord_read(g, d->scale[i], d->dims[i], &co[i]) == 0;
    FILE *f = ok ? csv_open(x, dir, d->name) : NULL;
    if (f) {
        fputs("metric", f);
        for (int i = 0; i < d->rank; i++) fputc(',', f), csv_field(f, d->scale[i]);
        fputc(',', f);
        csv_header(f, "value", v.units);
        fputc('\n', f);
        hsize_t idx[EX_MAXRANK] = {0};
        char buf[64];
        /* <metric>_q with a quantile axis: the metric is <metric> */
        char metric[256];
        size_t nl = strlen(d->name);
        int q = 0;
        for (int i = 0; i < d->rank; i++) q |= !strcmp(d->scale[i], "quantile");
        q = q && nl > 2 && !strcmp(d->name + nl - 2, "_q");
        snprintf(metric, sizeof metric, "%.*s", (int)(q ? nl - 2 : nl), d->name);
        for (hsize_t k = 0; k < v.n; k++) {
            csv_field(f, metric);
            for (int i = 0; i < d->rank; i++)
                fputc(',', f), csv_field(f, col_text(&co[i], idx[i], buf, sizeof buf));
            fputc(',', f);
            csv_field(f, col_text(&v, k, buf, sizeof buf));
            fputc('\n', f);
            for (int i = d->rank - 1; i >= 0 && ++idx[i] == d->dims[i]; i--) idx[i] = 0;
        }
        csv_close(x, f, dir, d->name);
    }
    for (int i = 0; i < d->rank; i++) col_free(&co[i]);
    col_free(&v);
}

/* The rank-1 datasets ds[0..n) over axis `scale` (length len) of g as one wide table
 * DIR/by_<scale>.csv. */
static void ex_wide(ex_state *x, hid_t g, const ex_ds *ds, int n, const char *scale,
                    hsize_t len, const char *dir)
{
    ex_col *c = calloc((size_t)n + 1, sizeof *c);
    if (!c) { ex_fail(x, NB_ENOMEM, "out of memory exporting", scale); return; }
    int ok = coord_read(g, scale, len, &c[0]) == 0;
    for (int i = 0; ok && i < n; i++)
        if (col_read(g, ds[i].name, &c[i + 1]) != 0) ok = 0, ex_fail(x, NB_EIO, "cannot read dataset", ds[i].name);
    char tname[300];
    snprintf(tname, sizeof tname, "by_%s", scale);
    FILE *f = ok ? csv_open(x, dir, tname) : NULL;
    if (f) {
        char buf[64];
        for (int i = 0; i <= n; i++) {
            if (i) fputc(',', f);
            csv_header(f, c[i].name, c[i].is_time ? "" : c[i].units);
        }
        fputc('\n', f);
        for (hsize_t k = 0; k < len; k++) {
            for (int i = 0; i <= n; i++) {
                if (i) fputc(',', f);
                csv_field(f, col_text(&c[i], k, buf, sizeof buf));
            }
            fputc('\n', f);
        }
        csv_close(x, f, dir, tname);
    }
    for (int i = 0; i <= n; i++) col_free(&c[i]);
    free(c);
}

/* The scalars of g (ds[0..n) of rank 0) as DIR/scalars.csv. */
static void ex_scalars(ex_state *x, hid_t g, const ex_ds *ds, int n, const char *dir)
{
    FILE *f = csv_open(x, dir, "scalars");
    if (!f) return;
    fputs("name,value,units\n", f);
    char buf[64];
    for (int i = 0; i < n; i++) {
        ex_col c;
        if (col_read(g, ds[i].name, &c) != 0) { ex_fail(x, NB_EIO, "cannot read dataset", ds[i].name); continue; }
        csv_field(f, ds[i].name);
        fputc(',', f);
        csv_field(f, col_text(&c, 0, buf, sizeof buf));
        fputc(',', f);
        csv_field(f, c.units);
        fputc('\n', f);
        col_free(&c);
    }
    csv_close(x, f, dir, "scalars");
}

/* ---- the walk -------------------------------------------------------------------------- */

static void ex_group(ex_state *x, hid_t g, const char *dir);

/* A group's members, collected by link iteration. */
typedef struct ex_members {
    ex_ds *ds;
    int n_ds;
    char (*sub)[256];
    int n_sub;
} ex_members;

/* H5Literate callback: sort a member into datasets and subgroups. */
static herr_t member_cb(hid_t g, const char *name, const H5L_info_t *info, void *ud)
{
    ex_members *m = ud;
    H5O_info_t oi;
    if (H5Oget_info_by_name(g, name, &oi, H5P_DEFAULT) < 0) return 0;
    if (oi.type == H5O_TYPE_GROUP && m->n_sub < EX_MAXDS)
        snprintf(m->sub[m->n_sub++], 256, "%s", name);
    else if (oi.type == H5O_TYPE_DATASET && m->n_ds < EX_MAXDS &&
             ds_describe(g, name, &m->ds[m->n_ds]) == 0)
        m->n_ds++;
    return 0;
}

/* Make directory dir (it may exist).  0, or -1 after ex_fail. */
static int ex_mkdir(ex_state *x, const char *dir)
{
    struct stat st;
    if ((stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) || mkdir(dir, 0777) == 0) return 0;
    nb_err_code(x->e, NB_EINVAL, "--csv: directory '%s' cannot be made: %s", dir, strerror(errno));
    x->rc = NB_EINVAL;
    return -1;
}

/* The rank-1 tables of m: one per distinct axis, skipping scales. */
static void ex_wide_all(ex_state *x, hid_t g, const ex_members *m, const char *dir)
{
    ex_ds *pick = malloc((size_t)(m->n_ds ? m->n_ds : 1) * sizeof *pick);
    char *done = calloc((size_t)(m->n_ds ? m->n_ds : 1), 1);
    if (!pick || !done) { free(pick); free(done); ex_fail(x, NB_ENOMEM, "out of memory exporting", dir); return; }
    for (int i = 0; i < m->n_ds && x->rc == NB_OK; i++) {
        const ex_ds *d = &m->ds[i];
        if (done[i] || d->rank != 1 || d->is_scale) continue;
        int n = 0;
        for (int j = i; j < m->n_ds; j++) {
            const ex_ds *o = &m->ds[j];
            if (!done[j] && o->rank == 1 && !o->is_scale && o->dims[0] == d->dims[0] &&
                !strcmp(o->scale[0], d->scale[0]))
                pick[n++] = *o, done[j] = 1;
        }
        ex_wide(x, g, pick, n, d->scale[0], d->dims[0], dir);
    }
    free(pick);
    free(done);
}

/* Export group g into directory dir, then its subgroups into subdirectories. */
static void ex_group(ex_state *x, hid_t g, const char *dir)
{
    ex_members m = {calloc(EX_MAXDS, sizeof(ex_ds)), 0, calloc(EX_MAXDS, 256), 0};
    if (!m.ds || !m.sub) { ex_fail(x, NB_ENOMEM, "out of memory exporting", dir); goto out; }
    hsize_t at = 0;
    H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, &at, member_cb, &m);
    int n0 = 0;
    for (int i = 0; i < m.n_ds; i++) n0 += m.ds[i].rank == 0;
    if (m.n_ds && ex_mkdir(x, dir) != 0) goto out;
    for (int i = 0; i < m.n_ds && x->rc == NB_OK; i++)
        if (m.ds[i].rank >= 2) ex_long(x, g, &m.ds[i], dir);
    if (x->rc == NB_OK) ex_wide_all(x, g, &m, dir);
    if (x->rc == NB_OK && n0) {
        ex_ds *sc = malloc((size_t)n0 * sizeof *sc);
        int k = 0;
        for (int i = 0; sc && i < m.n_ds; i++)
            if (m.ds[i].rank == 0) sc[k++] = m.ds[i];
        if (sc) ex_scalars(x, g, sc, k, dir);
        free(sc);
    }
    for (int i = 0; i < m.n_sub && x->rc == NB_OK; i++) {
        char sub[4096];
        snprintf(sub, sizeof sub, "%s/%s", dir, m.sub[i]);
        hid_t sg = H5Gopen2(g, m.sub[i], H5P_DEFAULT);
        if (sg < 0) { ex_fail(x, NB_EIO, "cannot open group", m.sub[i]); break; }
        if (ex_mkdir(x, sub) == 0) ex_group(x, sg, sub);
        H5Gclose(sg);
    }
out:
    free(m.ds);
    free(m.sub);
}

/* See export.h. */
int nb_export_csv(const char *path, const char *dir, long *files, nb_err *e)
{
    ex_state x = {path, e, NB_OK, 0};
    hid_t f;
    char why[512];
    nb_h5_quiet q = nb_h5_quiet_begin();
    int rc = nb_h5r_open(path, &f, why, sizeof why);
    if (rc == NB_OK && H5Aexists(f, "neobay_version") <= 0) {
        H5Fclose(f);
        snprintf(why, sizeof why, "not a neobay results file (no neobay_version attribute)");
        rc = NB_EINVAL;
    }
    if (rc != NB_OK) {
        nb_h5_quiet_end(q);
        return nb_err_code(e, NB_EINVAL, "%s: %s", path, why);
    }
    if (ex_mkdir(&x, dir) == 0) ex_group(&x, f, dir);
    H5Fclose(f);
    nb_h5_quiet_end(q);
    if (files) *files = x.files;
    return x.rc;
}
