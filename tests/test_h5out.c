/* test_h5out.c -- results files: layout, values, metadata, reproducibility,
 * atomic replacement and the summary's handling of bad files. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include "../io/h5out.h"
#include "../analysis/summary.h"
#include "../model/neobay.h"

#define N_REP 3
#define N_TIME 20                      /* 2024-07 .. 2026-02 */
#define START NB_MONTH(2024, 7)
#define DAYS_2024_07_01 19905          /* days from 1970-01-01 */
#define DAYS_2025_01_01 20089

/* Everything a test needs: a scratch directory, results and their metadata. */
typedef struct fixture {
    char dir[64];
    char path[128];                    /* dir/run.h5 */
    nb_results *res;
    nb_paramset ps;
    nb_run_meta meta;
} fixture;

/* The value written for metric m, replicate rep, time point t. */
static double expected(int m, int rep, int t)
{
    return m * 1000.0 + rep * 100.0 + t + 0.25;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f) return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/nb_h5out_XXXXXX");
    if (!mkdtemp(f->dir)) return -1;
    snprintf(f->path, sizeof f->path, "%s/run.h5", f->dir);
    f->res = nb_results_alloc(N_REP, N_TIME, START);
    if (!f->res) return -1;
    for (int m = 0; m < NB_NMETRICS; m++)
        for (int r = 0; r < N_REP; r++)
            for (int t = 0; t < N_TIME; t++) nb_results_row(f->res, m, r)[t] = expected(m, r, t);
    if (nb_results_quantiles(f->res) != NB_OK) return -1;
    nb_paramset_default(&f->ps);
    int month[2] = {NB_MONTH(2025, 1), NB_MONTH(2025, 7)};
    double value[2] = {7.3, 6.9};
    if (nb_paramset_set_sched(&f->ps, NB_P_def_usd_cny, 2, month, value) != NB_OK) return -1;
    f->meta = (nb_run_meta){.scenario_name = "unit-test 测试",
                            .scenario_path = "scenarios/unit.yaml",
                            .scenario_yaml = "name: unit-test\nrun:\n  seed: 42\n",
                            .ps = &f->ps,
                            .seed = 42};
    *state = f;
    return 0;
}

/* Remove every file in the scratch directory, then the directory. */
static int teardown(void **state)
{
    fixture *f = *state;
    DIR *d = opendir(f->dir);
    struct dirent *de;
    char p[512];
    while (d && (de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        snprintf(p, sizeof p, "%s/%s", f->dir, de->d_name);
        if (remove(p) != 0) rmdir(p);
    }
    if (d) closedir(d);
    rmdir(f->dir);
    nb_results_free(f->res);
    free(f);
    return 0;
}

/* ---- small helpers ------------------------------------------------------------- */

/* The whole content of a file (malloc'd) and its size, or NULL. */
static char *slurp(const char *path, long *size)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return NULL;
    fseek(fp, 0, SEEK_END);
    *size = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *buf = malloc((size_t)*size + 1);
    if (buf && fread(buf, 1, (size_t)*size, fp) != (size_t)*size) {
        free(buf);
        buf = NULL;
    }
    fclose(fp);
    return buf;
}

/* 1 when the two files have the same bytes. */
static int same_bytes(const char *a, const char *b)
{
    long na = -1, nb = -2;
    char *x = slurp(a, &na), *y = slurp(b, &nb);
    int same = x && y && na == nb && memcmp(x, y, (size_t)na) == 0;
    free(x);
    free(y);
    return same;
}

/* Write `size` bytes of `src` to `dst`. */
static void copy_prefix(const char *src, const char *dst, long size)
{
    long n;
    char *buf = slurp(src, &n);
    assert_non_null(buf);
    assert_true(size <= n);
    FILE *fp = fopen(dst, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(buf, 1, (size_t)size, fp), (size_t)size);
    fclose(fp);
    free(buf);
}

/* Number of directory entries of `dir` other than . and .. */
static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int n = 0;
    while (d && (de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) n++;
    if (d) closedir(d);
    return n;
}

/* String attribute `name` of obj into buf[n]: UTF-8, variable-length, or
 * fixed-length NUL-terminated (the CF attributes: units, long_name, ...). */
static void attr_str(hid_t obj, const char *name, char *buf, size_t n)
{
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    assert_true(a >= 0);
    hid_t t = H5Aget_type(a);
    assert_int_equal(H5Tget_class(t), H5T_STRING);
    assert_int_equal(H5Tget_cset(t), H5T_CSET_UTF8);
    if (H5Tis_variable_str(t) > 0) {
        char *s = NULL;
        assert_true(H5Aread(a, t, &s) >= 0);
        snprintf(buf, n, "%s", s);
        H5free_memory(s);
    } else {
        assert_int_equal(H5Tget_strpad(t), H5T_STR_NULLTERM);
        size_t w = H5Tget_size(t);
        char *s = calloc(w + 1, 1);
        assert_true(H5Aread(a, t, s) >= 0);
        snprintf(buf, n, "%s", s);
        free(s);
    }
    H5Tclose(t);
    H5Aclose(a);
}

/* Numeric scalar attribute `name` of obj as int64. */
static int64_t attr_i64(hid_t obj, const char *name)
{
    int64_t v = -1;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    assert_true(a >= 0);
    assert_true(H5Aread(a, H5T_NATIVE_INT64, &v) >= 0);
    H5Aclose(a);
    return v;
}

/* Read dataset `name` (rank `rank`, shape checked against dims) as doubles. */
static double *read_doubles(hid_t loc, const char *name, int rank, const hsize_t *dims)
{
    hid_t ds = H5Dopen2(loc, name, H5P_DEFAULT);
    assert_true(ds >= 0);
    hid_t sp = H5Dget_space(ds);
    hsize_t got[2] = {0, 0};
    assert_int_equal(H5Sget_simple_extent_ndims(sp), rank);
    H5Sget_simple_extent_dims(sp, got, NULL);
    size_t n = 1;
    for (int i = 0; i < rank; i++) {
        assert_int_equal(got[i], dims[i]);
        n *= dims[i];
    }
    double *v = malloc(n * sizeof *v);
    assert_non_null(v);
    assert_true(H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
    H5Sclose(sp);
    H5Dclose(ds);
    return v;
}

/* Assert that axis i of dataset `name` in loc carries the scale called scales[i]. */
static void assert_scales(hid_t loc, const char *name, int rank, const char *const *scales)
{
    hid_t ds = H5Dopen2(loc, name, H5P_DEFAULT);
    assert_true(ds >= 0);
    for (int i = 0; i < rank; i++) {
        hid_t sc = H5Dopen2(loc, scales[i], H5P_DEFAULT);
        assert_true(sc >= 0);
        assert_true(H5DSis_scale(sc) > 0);
        char sname[64] = "";
        H5DSget_scale_name(sc, sname, sizeof sname);
        assert_string_equal(sname, scales[i]);
        assert_true(H5DSis_attached(ds, sc, (unsigned)i) > 0);
        H5Dclose(sc);
    }
    H5Dclose(ds);
}

static void write_ok(fixture *f, const char *path)
{
    nb_err e = {""};
    int rc = nb_h5_write_run(path, f->res, &f->meta, &e);
    if (rc != NB_OK) print_error("%s\n", e.msg);
    assert_int_equal(rc, NB_OK);
}

/* ---- layout and values ------------------------------------------------------------ */

static void test_scales_and_time(void **state)
{
    fixture *f = *state;
    write_ok(f, f->path);
    hid_t file = H5Fopen(f->path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(file >= 0);
    hsize_t nt = N_TIME, nr = N_REP, nq = NB_NQUANT;
    double *t = read_doubles(file, "time", 1, &nt);
    assert_true(t[0] == DAYS_2024_07_01);
    assert_true(t[6] == DAYS_2025_01_01);
    assert_true(t[1] == DAYS_2024_07_01 + 31);
    free(t);
    double *r = read_doubles(file, "replicate", 1, &nr);
    assert_true(r[0] == 0 && r[N_REP - 1] == N_REP - 1);
    free(r);
    double *q = read_doubles(file, "quantile", 1, &nq);
    for (int i = 0; i < NB_NQUANT; i++) assert_true(q[i] == nb_quantile_levels[i]);
    free(q);
    hid_t ds = H5Dopen2(file, "time", H5P_DEFAULT);
    char buf[128];
    attr_str(ds, "units", buf, sizeof buf);
    assert_string_equal(buf, "days since 1970-01-01");
    attr_str(ds, "calendar", buf, sizeof buf);
    assert_string_equal(buf, "standard");
    H5Dclose(ds);
    H5Fclose(file);
}

static void test_metric_values_and_attrs(void **state)
{
    fixture *f = *state;
    write_ok(f, f->path);
    hid_t file = H5Fopen(f->path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(file >= 0);
    hsize_t dims[2] = {N_REP, N_TIME}, qdims[2] = {NB_NQUANT, N_TIME};
    static const char *const sdims[2] = {"replicate", "time"}, *const qd[2] = {"quantile", "time"};
    char qname[128], buf[512];
    for (int m = 0; m < NB_NMETRICS; m++) {
        const nb_metric_info *mi = &nb_metrics[m];
        double *v = read_doubles(file, mi->name, 2, dims);
        for (int r = 0; r < N_REP; r++)
            for (int t = 0; t < N_TIME; t++) assert_true(v[r * N_TIME + t] == expected(m, r, t));
        free(v);
        snprintf(qname, sizeof qname, "%s_q", mi->name);
        v = read_doubles(file, qname, 2, qdims);
        assert_memory_equal(v, nb_results_qrow(f->res, m, 0), sizeof(double) * NB_NQUANT * N_TIME);
        free(v);
        assert_scales(file, mi->name, 2, sdims);
        assert_scales(file, qname, 2, qd);
        hid_t ds = H5Dopen2(file, qname, H5P_DEFAULT);
        char cf[128];
        int money = nb_h5_cf_units(mi->unit, cf, sizeof cf);
        attr_str(ds, "units", buf, sizeof buf);
        assert_string_equal(buf, cf);                 /* CF: "firms" -> "1" */
        if (strcmp(cf, mi->unit)) {
            attr_str(ds, "units_label", buf, sizeof buf);
            assert_string_equal(buf, mi->unit);
        }
        assert_int_equal(H5Aexists(ds, "currency") > 0, money);
        attr_str(ds, "long_name_zh", buf, sizeof buf);
        assert_string_equal(buf, mi->long_name_zh);
        attr_str(ds, "definition", buf, sizeof buf);
        assert_string_equal(buf, mi->definition);
        attr_str(ds, "kind", buf, sizeof buf);
        assert_string_equal(buf, mi->kind == NB_STOCK ? "stock" : "flow");
        H5Dclose(ds);
    }
    H5Fclose(file);
}

static void test_root_attrs(void **state)
{
    fixture *f = *state;
    write_ok(f, f->path);
    hid_t file = H5Fopen(f->path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(file >= 0);
    char buf[512];
    attr_str(file, "neobay_version", buf, sizeof buf);
    assert_string_equal(buf, NB_VERSION);
    attr_str(file, "git_commit", buf, sizeof buf);
    assert_true(strlen(buf) > 0);
    attr_str(file, "scenario_name", buf, sizeof buf);
    assert_string_equal(buf, "unit-test 测试");
    attr_str(file, "scenario_yaml", buf, sizeof buf);
    assert_string_equal(buf, f->meta.scenario_yaml);
    attr_str(file, "start", buf, sizeof buf);
    assert_string_equal(buf, "2024-07");
    attr_str(file, "Conventions", buf, sizeof buf);
    assert_string_equal(buf, "CF-1.8");
    attr_str(file, "unicorn_definition", buf, sizeof buf);
    assert_string_equal(buf, "unicorn: unlisted, valued >= 1e9 USD at 7.1 RMB/USD, "
                             "founded <= 10 years ago");
    attr_str(file, "gazelle_definition", buf, sizeof buf);
    assert_non_null(strstr(buf, ">= 20% a year over 3 years from >= 5e6 RMB/year"));
    assert_int_equal(attr_i64(file, "seed"), 42);
    assert_int_equal(attr_i64(file, "replicates"), N_REP);
    H5Fclose(file);
}

static void test_parameters_group(void **state)
{
    fixture *f = *state;
    write_ok(f, f->path);
    hid_t file = H5Fopen(f->path, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t g = H5Gopen2(file, "parameters", H5P_DEFAULT);
    assert_true(g >= 0);
    /* names */
    hid_t ds = H5Dopen2(g, "parameter", H5P_DEFAULT);
    hid_t t = H5Dget_type(ds);
    assert_true(H5Tis_variable_str(t) > 0);
    char *names[NB_NPARAMS];
    assert_true(H5Dread(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, names) >= 0);
    for (int i = 0; i < NB_NPARAMS; i++) {
        assert_string_equal(names[i], nb_registry[i].name);
        H5free_memory(names[i]);
    }
    H5Tclose(t);
    H5Dclose(ds);
    /* registry columns and the resolved values */
    hsize_t np = NB_NPARAMS, vd[2] = {NB_NPARAMS, N_TIME};
    double *def = read_doubles(g, "default", 1, &np);
    double *measure = read_doubles(g, "measure", 1, &np);
    for (int i = 0; i < NB_NPARAMS; i++) {
        assert_true(def[i] == nb_registry[i].def);
        assert_true(measure[i] == nb_registry[i].measure);
    }
    double *v = read_doubles(g, "value", 2, vd);
    const double *usd = v + (size_t)NB_P_def_usd_cny * N_TIME;
    assert_true(usd[0] == 7.1 && usd[5] == 7.1 && usd[6] == 7.3 && usd[12] == 6.9);
    assert_true(v[(size_t)NB_P_run_seed * N_TIME] == nb_registry[NB_P_run_seed].def);
    free(def);
    free(measure);
    free(v);
    static const char *const one[1] = {"parameter"}, *const two[2] = {"parameter", "time"};
    static const char *const cols[] = {"unit", "type", "default", "min", "max",
                                       "description", "source", "measure"};
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) assert_scales(g, cols[i], 1, one);
    assert_scales(g, "value", 2, two);
    H5Gclose(g);
    H5Fclose(file);
}

/* ---- milestones and horizons ----------------------------------------------------- */

/* Double attribute `name` of obj. */
static double attr_f64(hid_t obj, const char *name)
{
    double v = NAN;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    assert_true(a >= 0);
    assert_true(H5Aread(a, H5T_NATIVE_DOUBLE, &v) >= 0);
    H5Aclose(a);
    return v;
}

/* hightech: replicate 0 reaches exactly 1000 in 2025-03 (t = 8) and stays; replicate
 * 1 touches 1200 in 2025-06 (t = 11) only; replicate 2 reaches it in 2026-01 (t = 18).
 * So by the end of 2024, 2025, 2026 the shares are 0, 2/3, 1. */
static void set_hightech(nb_results *r)
{
    for (int t = 0; t < N_TIME; t++) {
        nb_results_row(r, NB_M_hightech, 0)[t] = t >= 8 ? 1000 : 900;
        nb_results_row(r, NB_M_hightech, 1)[t] = t == 11 ? 1200 : 999.5;
        nb_results_row(r, NB_M_hightech, 2)[t] = t >= 18 ? 1001 : 600;
    }
}

static void test_milestones(void **state)
{
    fixture *f = *state;
    set_hightech(f->res);
    write_ok(f, f->path);
    hid_t file = H5Fopen(f->path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(file >= 0);
    hsize_t ny = 3;
    double *year = read_doubles(file, "year", 1, &ny);
    assert_true(year[0] == 2024 && year[1] == 2025 && year[2] == 2026);
    free(year);
    double *p = read_doubles(file, "p_hightech_1000", 1, &ny);
    assert_true(p[0] == 0 && fabs(p[1] - 2.0 / 3) < 1e-15 && p[2] == 1);
    free(p);
    p = read_doubles(file, "p_alliance_300yi", 1, &ny);    /* values ~2e4: never */
    assert_true(p[0] == 0 && p[1] == 0 && p[2] == 0);
    free(p);
    static const char *const names[] = {"p_alliance_300yi", "p_hightech_1000",
                                        "p_revenue_1000yi", "p_valuation_1wanyi"};
    static const char *const yd[1] = {"year"};
    for (int i = 0; i < 4; i++) assert_scales(file, names[i], 1, yd);
    hid_t ds = H5Dopen2(file, "p_hightech_1000", H5P_DEFAULT);
    char buf[512];
    attr_str(ds, "units", buf, sizeof buf);
    assert_string_equal(buf, "1");
    attr_str(ds, "source", buf, sizeof buf);
    assert_string_equal(buf, "2023 plan");
    attr_str(ds, "metric", buf, sizeof buf);
    assert_string_equal(buf, "hightech");
    attr_str(ds, "long_name_zh", buf, sizeof buf);
    assert_non_null(strstr(buf, "高新技术企业"));
    attr_str(ds, "definition", buf, sizeof buf);
    assert_non_null(strstr(buf, ">= 1000"));
    assert_true(attr_f64(ds, "threshold") == 1000);
    assert_int_equal(attr_i64(ds, "target_year"), 2025);
    H5Dclose(ds);
    ds = H5Dopen2(file, "p_alliance_300yi", H5P_DEFAULT);
    attr_str(ds, "source", buf, sizeof buf);
    assert_string_equal(buf, "source document");
    assert_true(attr_f64(ds, "threshold") == 3e10);
    assert_int_equal(H5Aexists(ds, "target_year"), 0);
    H5Dclose(ds);
    /* the run ends 2026-02: no horizon year's December is in it */
    assert_int_equal(H5Lexists(file, "horizon", H5P_DEFAULT), 0);
    assert_int_equal(H5Lexists(file, "unicorns_at", H5P_DEFAULT), 0);
    H5Fclose(file);
}

/* A run from 2024-07 to 2031-03: December 2030 is in it, December 2035 is not. */
static void test_horizons(void **state)
{
    fixture *f = *state;
    int n_time = NB_MONTH(2031, 3) - START + 1, t30 = NB_MONTH(2030, 12) - START;
    nb_results *r = nb_results_alloc(N_REP, n_time, START);
    assert_non_null(r);
    for (int m = 0; m < NB_NMETRICS; m++)
        for (int i = 0; i < N_REP; i++)
            for (int t = 0; t < n_time; t++) nb_results_row(r, m, i)[t] = expected(m, i, t);
    nb_err e = {""};
    assert_int_equal(nb_h5_write_run(f->path, r, &f->meta, &e), NB_OK);
    hid_t file = H5Fopen(f->path, H5F_ACC_RDONLY, H5P_DEFAULT);
    hsize_t nh = 1, dims[2] = {N_REP, 1};
    double *h = read_doubles(file, "horizon", 1, &nh);
    assert_true(h[0] == 2030);
    free(h);
    static const char *const hd[2] = {"replicate", "horizon"};
    static const char *const which[2] = {"unicorns_at", "listed_at"};
    static const int metric[2] = {NB_M_unicorns, NB_M_listed};
    for (int k = 0; k < 2; k++) {
        double *v = read_doubles(file, which[k], 2, dims);
        for (int i = 0; i < N_REP; i++) assert_true(v[i] == expected(metric[k], i, t30));
        free(v);
        assert_scales(file, which[k], 2, hd);
    }
    hid_t ds = H5Dopen2(file, "unicorns_at", H5P_DEFAULT);
    char buf[512];
    attr_str(ds, "units", buf, sizeof buf);
    assert_string_equal(buf, "1");
    attr_str(ds, "units_label", buf, sizeof buf);
    assert_string_equal(buf, nb_metrics[NB_M_unicorns].unit);
    attr_str(ds, "long_name_zh", buf, sizeof buf);
    assert_non_null(strstr(buf, nb_metrics[NB_M_unicorns].long_name_zh));
    H5Dclose(ds);
    H5Fclose(file);
    nb_results_free(r);
}

/* ---- reproducibility and atomicity ---------------------------------------------- */

static void test_byte_identical(void **state)
{
    fixture *f = *state;
    char second[160];
    snprintf(second, sizeof second, "%s/again.h5", f->dir);
    write_ok(f, f->path);
    /* Cross a second boundary: HDF5 timestamps have one-second resolution. */
    struct timespec pause = {1, 100000000};
    nanosleep(&pause, NULL);
    write_ok(f, second);
    assert_true(same_bytes(f->path, second));
    assert_int_equal(count_entries(f->dir), 2);          /* no temporary left */
}

static void test_missing_directory(void **state)
{
    fixture *f = *state;
    char path[200];
    nb_err e = {""};
    snprintf(path, sizeof path, "%s/no/such/dir/out.h5", f->dir);
    assert_int_equal(nb_h5_write_run(path, f->res, &f->meta, &e), NB_EIO);
    assert_non_null(strstr(e.msg, path));
    assert_null(strchr(e.msg, '\n'));
    assert_int_equal(access(path, F_OK), -1);
    assert_int_equal(count_entries(f->dir), 0);
}

/* A good file stays as it was when the temporary cannot be created. */
static void test_failed_create_keeps_good_file(void **state)
{
    fixture *f = *state;
    char backup[160], blocker[200];
    write_ok(f, f->path);
    snprintf(backup, sizeof backup, "%s/backup.h5", f->dir);
    long n;
    free(slurp(f->path, &n));
    copy_prefix(f->path, backup, n);
    snprintf(blocker, sizeof blocker, "%s.part-%ld", f->path, (long)getpid());
    assert_int_equal(mkdir(blocker, 0700), 0);
    f->res->series[0] = -1;                              /* a different file */
    nb_err e = {""};
    assert_int_equal(nb_h5_write_run(f->path, f->res, &f->meta, &e), NB_EIO);
    assert_non_null(strstr(e.msg, f->path));
    assert_true(same_bytes(f->path, backup));
    struct stat st;
    assert_int_equal(stat(blocker, &st), 0);             /* not ours: not removed */
    assert_true(S_ISDIR(st.st_mode));
}

/* A good file stays as it was when writing fails half-way (file size limit). */
static void test_failed_write_keeps_good_file(void **state)
{
    fixture *f = *state;
    char backup[160];
    write_ok(f, f->path);
    snprintf(backup, sizeof backup, "%s/backup.h5", f->dir);
    long n;
    free(slurp(f->path, &n));
    copy_prefix(f->path, backup, n);
    f->res->series[0] = -1;
    struct rlimit old, lim;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = 8192;                                 /* far below the file's size */
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    nb_err e = {""};
    int rc = nb_h5_write_run(f->path, f->res, &f->meta, &e);
    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, prev);
    assert_int_equal(rc, NB_EIO);
    assert_non_null(strstr(e.msg, f->path));
    assert_null(strchr(e.msg, '\n'));
    assert_true(same_bytes(f->path, backup));
    assert_int_equal(count_entries(f->dir), 2);          /* run.h5, backup.h5 */
}

/* ---- summary ----------------------------------------------------------------------- */

/* Run nb_h5_summary on path; returns its status, the output in *text (malloc'd). */
static int summarise(const char *path, char **text, nb_err *e)
{
    size_t len = 0;
    FILE *out = open_memstream(text, &len);
    assert_non_null(out);
    int rc = nb_h5_summary(path, out, e);
    fclose(out);
    return rc;
}

static void test_summary_table(void **state)
{
    fixture *f = *state;
    set_hightech(f->res);
    write_ok(f, f->path);
    char *text = NULL;
    nb_err e = {""};
    int rc = summarise(f->path, &text, &e);
    if (rc != NB_OK) print_error("%s\n", e.msg);
    assert_int_equal(rc, NB_OK);
    assert_non_null(strstr(text, "unit-test"));
    assert_non_null(strstr(text, "seed: 42"));
    assert_non_null(strstr(text, "replicates: 3"));
    assert_non_null(strstr(text, NB_VERSION));
    assert_non_null(strstr(text, "在区企业数"));
    assert_non_null(strstr(text, "alliance_committed"));
    assert_non_null(strstr(text, "亿"));
    assert_non_null(strstr(text, "2024-07"));
    assert_non_null(strstr(text, "2024-12"));
    assert_non_null(strstr(text, "2025-12"));
    assert_non_null(strstr(text, "2026-02"));
    assert_null(strstr(text, "2025-06"));
    /* the milestone table: years as columns, probabilities in % */
    assert_non_null(strstr(text, "milestones"));
    assert_non_null(strstr(text, "High-tech firms >= 1000"));
    assert_non_null(strstr(text, "高新技术企业达1000家"));
    assert_non_null(strstr(text, " 2024  2025  2026"));
    assert_null(strstr(text, "at the horizons"));         /* none in this run */
    /* firms (metric 0), replicate 1 at 2024-12 (t = 5): the median. */
    char cell[32];
    snprintf(cell, sizeof cell, " %.0f ", expected(NB_M_firms, 1, 5));
    assert_non_null(strstr(text, cell));
    /* p_hightech_1000 by the end of 2024, 2025, 2026 */
    const char *row = strstr(text, "High-tech firms >= 1000");
    assert_non_null(row);
    assert_non_null(strstr(row, "0%   67%  100%"));
    free(text);
}

/* The summary of a run that reaches December 2030 shows the horizon section: the
 * median and band of unicorns and listings at 2030-12. */
static void test_summary_horizons(void **state)
{
    fixture *f = *state;
    int n_time = NB_MONTH(2031, 3) - START + 1, t30 = NB_MONTH(2030, 12) - START;
    nb_results *r = nb_results_alloc(5, n_time, START);
    assert_non_null(r);
    for (int i = 0; i < 5; i++)
        for (int t = 0; t < n_time; t++) {
            nb_results_row(r, NB_M_unicorns, i)[t] = t == t30 ? 10 + i : 0;  /* 10..14 */
            nb_results_row(r, NB_M_listed, i)[t] = 7;
        }
    nb_err e = {""};
    assert_int_equal(nb_h5_write_run(f->path, r, &f->meta, &e), NB_OK);
    nb_results_free(r);
    char *text = NULL;
    assert_int_equal(summarise(f->path, &text, &e), NB_OK);
    const char *hz = strstr(text, "at the horizons");
    assert_non_null(hz);
    assert_non_null(strstr(hz, "2030-12"));
    assert_null(strstr(hz, "2035-12"));
    const char *u = strstr(hz, "\nunicorns");
    assert_non_null(u);
    assert_non_null(strstr(u, " 12\n"));                   /* median of 10..14 */
    assert_non_null(strstr(u, "[10-14]"));   /* type-7 5% and 95% (10.2, 13.8), as counts */
    assert_non_null(strstr(hz, "\nlisted"));
    free(text);
}

static void test_summary_truncated(void **state)
{
    fixture *f = *state;
    char cut[160];
    write_ok(f, f->path);
    snprintf(cut, sizeof cut, "%s/cut.h5", f->dir);
    long n;
    free(slurp(f->path, &n));
    copy_prefix(f->path, cut, n / 2);
    char *text = NULL;
    nb_err e = {""};
    assert_int_equal(summarise(cut, &text, &e), NB_EIO);
    assert_non_null(strstr(e.msg, cut));
    assert_non_null(strstr(e.msg, "damaged results file"));
    assert_null(strchr(e.msg, '\n'));
    assert_int_equal(strlen(text), 0);
    free(text);
}

/* A dataset whose compressed chunk is garbage: the file opens, the read fails. */
static void test_summary_corrupt_chunk(void **state)
{
    fixture *f = *state;
    write_ok(f, f->path);
    hid_t file = H5Fopen(f->path, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t ds = H5Dopen2(file, "firms_q", H5P_DEFAULT);
    haddr_t addr = 0;
    hsize_t size = 0, off[2];
    unsigned mask;
    hid_t sp = H5Dget_space(ds);              /* 1.10 does not take H5S_ALL here */
    herr_t got = H5Dget_chunk_info(ds, sp, 0, off, &mask, &addr, &size);
    H5Sclose(sp);
    H5Dclose(ds);
    H5Fclose(file);
    assert_true(got >= 0 && size > 0);
    FILE *fp = fopen(f->path, "r+b");
    assert_non_null(fp);
    fseek(fp, (long)addr, SEEK_SET);
    for (hsize_t i = 0; i < size; i++) fputc(0x5A, fp);
    fclose(fp);
    char *text = NULL;
    nb_err e = {""};
    assert_int_equal(summarise(f->path, &text, &e), NB_EIO);
    assert_non_null(strstr(e.msg, "damaged results file"));
    assert_non_null(strstr(e.msg, "firms_q"));
    free(text);
}

static void test_summary_not_hdf5(void **state)
{
    fixture *f = *state;
    char txt[160], missing[160];
    snprintf(txt, sizeof txt, "%s/notes.txt", f->dir);
    FILE *fp = fopen(txt, "w");
    fputs("this is not a results file\n", fp);
    fclose(fp);
    char *text = NULL;
    nb_err e = {""};
    assert_int_equal(summarise(txt, &text, &e), NB_EIO);
    assert_non_null(strstr(e.msg, txt));
    assert_non_null(strstr(e.msg, "not a neobay results file"));
    assert_null(strchr(e.msg, '\n'));
    free(text);
    snprintf(missing, sizeof missing, "%s/missing.h5", f->dir);
    assert_int_equal(summarise(missing, &text, &e), NB_EIO);
    assert_non_null(strstr(e.msg, "not a neobay results file"));
    free(text);
}

/* An HDF5 file that was not written by neobay. */
static void test_summary_foreign_hdf5(void **state)
{
    fixture *f = *state;
    hid_t file = H5Fcreate(f->path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(file >= 0);
    H5Fclose(file);
    char *text = NULL;
    nb_err e = {""};
    assert_int_equal(summarise(f->path, &text, &e), NB_EIO);
    assert_non_null(strstr(e.msg, "not a neobay results file (no neobay_version"));
    free(text);
}

/* Open HDF5 ids of every kind that a leak would show: objects of the file, and
 * dataspaces, attributes and datatypes anywhere. */
static long open_ids(hid_t f)
{
    hsize_t sp = 0, at = 0, ty = 0;
    H5Inmembers(H5I_DATASPACE, &sp);
    H5Inmembers(H5I_ATTR, &at);
    H5Inmembers(H5I_DATATYPE, &ty);
    return (long)H5Fget_obj_count(f, H5F_OBJ_ALL) + (long)(sp + at + ty);
}

/* nb_h5r_has_dims on every odd path (issue 14): a match, a dataset without scales, a
 * wrong rank, a missing scale, a scale that is a plain dataset, a group, a missing
 * name, a dangling soft link as the dataset and as the scale.  Each answers and
 * leaves no HDF5 id open. */
static void test_has_dims_odd_paths(void **state)
{
    (void)state;
    char path[] = "/tmp/nb_hasdims_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hsize_t n = 3;
    hid_t sp = H5Screate_simple(1, &n, NULL);
    hid_t a = H5Dcreate2(f, "a", H5T_NATIVE_DOUBLE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    hid_t t = H5Dcreate2(f, "time", H5T_NATIVE_DOUBLE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    hid_t x = H5Dcreate2(f, "x", H5T_NATIVE_DOUBLE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(H5DSset_scale(t, "time") >= 0 && H5DSattach_scale(x, t, 0) >= 0);
    H5Gclose(H5Gcreate2(f, "g", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    H5Lcreate_soft("/nowhere", f, "dangling", H5P_DEFAULT, H5P_DEFAULT);
    H5Dclose(a); H5Dclose(t); H5Dclose(x); H5Sclose(sp);
    static const char *const time_s[] = {"time"}, *const none_s[] = {"nope"},
                             *const plain_s[] = {"a"}, *const grp_s[] = {"g"},
                             *const dang_s[] = {"dangling"};
    static const struct { const char *name; int rank; const char *const *scales; int want; } c[] = {
        {"x", 1, time_s, 1}, {"a", 1, time_s, 0}, {"x", 2, time_s, 0}, {"x", 1, none_s, 0},
        {"x", 1, plain_s, 0}, {"g", 1, time_s, 0}, {"missing", 1, time_s, 0},
        {"x", 1, grp_s, 0}, {"dangling", 1, time_s, 0}, {"x", 1, dang_s, 0}};
    H5E_auto2_t fn;
    void *ud;
    H5Eget_auto2(H5E_DEFAULT, &fn, &ud);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        long before = open_ids(f);
        assert_int_equal(nb_h5r_has_dims(f, c[i].name, c[i].rank, c[i].scales), c[i].want);
        assert_int_equal(open_ids(f), before);
    }
    H5Eset_auto2(H5E_DEFAULT, fn, ud);
    H5Fclose(f);
    unlink(path);
}

int main(void)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_scales_and_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_metric_values_and_attrs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_root_attrs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parameters_group, setup, teardown),
        cmocka_unit_test_setup_teardown(test_milestones, setup, teardown),
        cmocka_unit_test_setup_teardown(test_horizons, setup, teardown),
        cmocka_unit_test_setup_teardown(test_byte_identical, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_directory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_create_keeps_good_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_write_keeps_good_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_summary_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_summary_horizons, setup, teardown),
        cmocka_unit_test_setup_teardown(test_summary_truncated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_summary_corrupt_chunk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_summary_not_hdf5, setup, teardown),
        cmocka_unit_test_setup_teardown(test_summary_foreign_hdf5, setup, teardown),
        cmocka_unit_test(test_has_dims_odd_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
