/* test_compare.c -- nb_compare: paired impacts, their intervals, the public money
 * per additional outcome, the impact file, and the refusal of runs that cannot be
 * paired or files that are not neobay runs. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include "../analysis/compare.h"
#include "../analysis/interval.h"
#include "../io/h5out.h"
#include "../model/neobay.h"

#define N_REP 21
#define N_TIME 24                       /* 2024-07 .. 2026-06 */
#define START NB_MONTH(2024, 7)
#define LAST (N_TIME - 1)
#define T_DEC25 (NB_MONTH(2025, 12) - START)
#define SPEND 1e6                       /* extra public money a month, from month 1 */

/* Scratch directory, the two runs' paths and what they are written from. */
typedef struct fixture {
    char dir[64], base[128], policy[128], out[128];
    nb_paramset ps;
    nb_run_meta meta;
} fixture;

/* The base run's value of metric m, replicate i, time point t. */
static double base_value(int m, int i, int t)
{
    return 100.0 * m + i + 0.5 * t;
}

/* The policy run's value: base plus a known impact on a few metrics.
 *   firms:        +i at every t        -> last month: mean 10, 90% [1, 19]
 *   unicorns:     +(i - 10)            -> mean 0, [-9, 9]: cost n/a
 *   listed:       +2                   -> mean 2, [2, 2]
 *   public_spend: +SPEND from month 1  -> extra spending SPEND * (N_TIME - 1) */
static double policy_value(int m, int i, int t)
{
    double v = base_value(m, i, t);
    if (m == NB_M_firms) v += i;
    if (m == NB_M_unicorns) v += i - 10;
    if (m == NB_M_listed) v += 2;
    if (m == NB_M_public_spend && t > 0) v += SPEND;
    return v;
}

/* Write a run file of n_rep replicates and n_time months from `start`, values from
 * fn, seed `seed`, to `path`. */
static void write_run(fixture *f, const char *path, double (*fn)(int, int, int),
                      int n_rep, int n_time, int start, uint32_t seed, const char *name)
{
    nb_results *r = nb_results_alloc(n_rep, n_time, start);
    assert_non_null(r);
    for (int m = 0; m < NB_NMETRICS; m++)
        for (int i = 0; i < n_rep; i++)
            for (int t = 0; t < n_time; t++) nb_results_row(r, m, i)[t] = fn(m, i, t);
    assert_int_equal(nb_results_quantiles(r), NB_OK);
    nb_run_meta meta = f->meta;
    meta.seed = seed;
    meta.scenario_name = name;
    nb_err e = {""};
    int rc = nb_h5_write_run(path, r, &meta, &e);
    if (rc != NB_OK) print_error("%s\n", e.msg);
    assert_int_equal(rc, NB_OK);
    nb_results_free(r);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f) return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/nb_compare_XXXXXX");
    if (!mkdtemp(f->dir)) return -1;
    snprintf(f->base, sizeof f->base, "%s/base.h5", f->dir);
    snprintf(f->policy, sizeof f->policy, "%s/policy.h5", f->dir);
    snprintf(f->out, sizeof f->out, "%s/impact.h5", f->dir);
    nb_paramset_default(&f->ps);
    f->meta = (nb_run_meta){.scenario_name = "base", .scenario_path = "b.yaml",
                            .scenario_yaml = "name: base\n", .ps = &f->ps, .seed = 7};
    write_run(f, f->base, base_value, N_REP, N_TIME, START, 7, "base");
    write_run(f, f->policy, policy_value, N_REP, N_TIME, START, 7, "policy");
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
        remove(p);
    }
    if (d) closedir(d);
    rmdir(f->dir);
    free(f);
    return 0;
}

/* ---- helpers ------------------------------------------------------------------------ */

/* Run nb_compare; its status, the printed text in *text (malloc'd). */
static int compare(const char *base, const char *policy, const char *out, char **text,
                   nb_err *e)
{
    size_t len = 0;
    FILE *fp = open_memstream(text, &len);
    assert_non_null(fp);
    int rc = nb_compare(base, policy, out, fp, e);
    fclose(fp);
    return rc;
}

/* Dataset `name` of the file as doubles (n values expected). */
static double *read_all(hid_t file, const char *name, size_t n)
{
    hid_t ds = H5Dopen2(file, name, H5P_DEFAULT);
    assert_true(ds >= 0);
    hid_t sp = H5Dget_space(ds);
    assert_int_equal((size_t)H5Sget_simple_extent_npoints(sp), n);
    double *v = malloc(n * sizeof *v);
    assert_true(H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
    H5Sclose(sp);
    H5Dclose(ds);
    return v;
}

/* Double attribute `name` of object `obj_name` in file. */
static double attr_f64(hid_t file, const char *obj_name, const char *name)
{
    double v = NAN;
    hid_t a = H5Aopen_by_name(file, obj_name, name, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(a >= 0);
    assert_true(H5Aread(a, H5T_NATIVE_DOUBLE, &v) >= 0);
    H5Aclose(a);
    return v;
}

/* String attribute `name` of the root of file, into buf[n]. */
static void root_str(hid_t file, const char *name, char *buf, size_t n)
{
    buf[0] = '\0';
    assert_int_equal(nb_h5r_attr_str(file, name, buf, n), 0);
}

/* The line of `text` that starts with `start` (after a newline), or NULL. */
static const char *line_of(const char *text, const char *start)
{
    char key[128];
    snprintf(key, sizeof key, "\n%s", start);
    const char *p = strstr(text, key);
    return p ? p + 1 : NULL;
}

/* Assert that the line starting with `start` contains `what` before its end. */
static void assert_line_has(const char *text, const char *start, const char *what)
{
    const char *l = line_of(text, start);
    assert_non_null(l);
    const char *end = strchr(l, '\n');
    const char *hit = strstr(l, what);
    if (!hit || (end && hit > end)) print_error("line '%.*s' lacks '%s'\n",
                                                end ? (int)(end - l) : 80, l, what);
    assert_true(hit && (!end || hit < end));
}

/* ---- the impact --------------------------------------------------------------------- */

static void test_table(void **state)
{
    fixture *f = *state;
    char *text = NULL;
    nb_err e = {""};
    int rc = compare(f->base, f->policy, NULL, &text, &e);
    if (rc != NB_OK) print_error("%s\n", e.msg);
    assert_int_equal(rc, NB_OK);
    assert_non_null(strstr(text, "policy minus base"));
    assert_non_null(strstr(text, "政策效应"));
    assert_non_null(strstr(text, f->base));
    assert_non_null(strstr(text, "21 replicates"));
    /* columns: December 2025 and the last month (December 2030 is not in the run) */
    assert_line_has(text, "impact (政策效应)", "2025-12");
    assert_line_has(text, "impact (政策效应)", "2026-06");
    assert_null(strstr(text, "2030-12"));
    /* firms (the first row): +i, mean 10, s^2 = 38.5, t(0.95, 20) = 1.7247182429207857:
     * mean's CI 10 -+ t sqrt(38.5 / 21) = [7.66, 12.3]; 5-95% [1, 19]; both exclude 0 */
    assert_line_has(text, "firms 在区企业数", "+10**");
    assert_line_has(text, "  mean's 90% CI (均值置信区间)", "[7.66, 12.3]");
    assert_line_has(text, "  5-95% of replicates (预测区间)", "[1, 19]");
    assert_line_has(text, "unicorns ", " 0 ");
    assert_line_has(text, "listed ", "+2**");
    assert_line_has(text, "hightech ", " 0 ");
    /* public money: 23 months x 100万 = 2300万 = 0.23亿 RMB; per firm 230万 RMB, per
     * listing 1150万 RMB */
    assert_line_has(text, "  extra public spending", "0.23亿 RMB");
    assert_line_has(text, "  per additional unicorn", "n/a");
    assert_line_has(text, "  per additional unicorn", "unbounded");
    assert_line_has(text, "  per additional listing", "1150万 RMB");
    assert_line_has(text, "  per additional listing", "90% CI [1150万, 1150万] RMB");
    assert_line_has(text, "  per additional surviving firm", "230万 RMB");
    /* Fieller with no spending variance: [a / (b + t se), a / (b - t se)],
     * a = 2300万, b = 10, t se = 2.33528: [186.5万, 300.1万] */
    assert_line_has(text, "  per additional surviving firm", "90% CI [186.5万, 300.1万] RMB");
    free(text);
}

static void test_impact_file(void **state)
{
    fixture *f = *state;
    char *text = NULL;
    nb_err e = {""};
    int rc = compare(f->base, f->policy, f->out, &text, &e);
    if (rc != NB_OK) print_error("%s\n", e.msg);
    assert_int_equal(rc, NB_OK);
    free(text);
    hid_t file = H5Fopen(f->out, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(file >= 0);
    double *d = read_all(file, "firms_impact", (size_t)N_REP * N_TIME);
    for (int i = 0; i < N_REP; i++)
        for (int t = 0; t < N_TIME; t++) assert_true(d[i * N_TIME + t] == i);
    free(d);
    double *q = read_all(file, "firms_impact_q", (size_t)NB_NQUANT * N_TIME);
    static const double want[NB_NQUANT] = {1, 5, 10, 15, 19};   /* type 7 of 0..20 */
    for (int j = 0; j < NB_NQUANT; j++) assert_true(fabs(q[j * N_TIME + LAST] - want[j]) < 1e-12);
    free(q);
    q = read_all(file, "hightech_impact_q", (size_t)NB_NQUANT * N_TIME);
    for (int j = 0; j < NB_NQUANT * N_TIME; j++) assert_true(q[j] == 0);
    free(q);
    double *v = read_all(file, "extra_public_spend", 1);
    assert_true(fabs(*v - SPEND * (N_TIME - 1)) < 1e-6);
    free(v);
    v = read_all(file, "cost_per_firm", 1);
    assert_true(fabs(*v - SPEND * (N_TIME - 1) / 10) < 1e-6);
    free(v);
    v = read_all(file, "cost_per_listing", 1);
    assert_true(fabs(*v - SPEND * (N_TIME - 1) / 2) < 1e-6);
    free(v);
    v = read_all(file, "cost_per_unicorn", 1);
    assert_true(isnan(*v));
    free(v);
    assert_true(attr_f64(file, "cost_per_firm", "impact_q05") == 1);
    assert_true(attr_f64(file, "cost_per_firm", "impact_q95") == 19);
    assert_true(attr_f64(file, "cost_per_unicorn", "impact_mean") == 0);
    /* the new datasets: mean, mean's CI and predictive interval of each impact */
    double t20 = 1.7247182429207857, se = sqrt(38.5 / 21), a = SPEND * (N_TIME - 1);
    v = read_all(file, "firms_impact_mean", N_TIME);
    assert_true(fabs(v[LAST] - 10) < 1e-9);
    free(v);
    v = read_all(file, "firms_impact_mean_ci", 2 * N_TIME);
    assert_true(fabs(v[LAST] - (10 - t20 * se)) < 1e-9);
    assert_true(fabs(v[N_TIME + LAST] - (10 + t20 * se)) < 1e-9);
    free(v);
    v = read_all(file, "firms_impact_pi", 2 * N_TIME);
    assert_true(v[LAST] == 1 && v[N_TIME + LAST] == 19);
    free(v);
    v = read_all(file, "cost_per_firm_ci", 2);
    assert_true(fabs(v[0] / (a / (10 + t20 * se)) - 1) < 1e-9);
    assert_true(fabs(v[1] / (a / (10 - t20 * se)) - 1) < 1e-9);
    free(v);
    v = read_all(file, "cost_per_unicorn_ci", 2);
    assert_true(isinf(v[0]) && v[0] < 0 && isinf(v[1]) && v[1] > 0);
    free(v);
    static const char *const bd[2] = {"bound", "time"}, *const b1[1] = {"bound"};
    assert_true(nb_h5r_has_dims(file, "unicorns_impact_mean_ci", 2, bd));
    assert_true(nb_h5r_has_dims(file, "unicorns_impact_pi", 2, bd));
    assert_true(nb_h5r_has_dims(file, "cost_per_listing_ci", 1, b1));
    {
        char st[32];
        hid_t cs = H5Dopen2(file, "cost_per_unicorn_ci", H5P_DEFAULT);
        assert_int_equal(nb_h5r_attr_str(cs, "status", st, sizeof st), 0);
        assert_string_equal(st, "unbounded");
        H5Dclose(cs);
        cs = H5Dopen2(file, "firms_impact_mean_ci", H5P_DEFAULT);
        assert_int_equal(nb_h5r_attr_str(cs, "units", st, sizeof st), 0);
        assert_string_equal(st, "1");
        H5Dclose(cs);
    }
    char buf[256];
    root_str(file, "base_file", buf, sizeof buf);
    assert_string_equal(buf, f->base);
    root_str(file, "policy_file", buf, sizeof buf);
    assert_string_equal(buf, f->policy);
    root_str(file, "policy_scenario", buf, sizeof buf);
    assert_string_equal(buf, "policy");
    root_str(file, "base_scenario", buf, sizeof buf);
    assert_string_equal(buf, "base");
    static const char *const sd[2] = {"replicate", "time"}, *const qd[2] = {"quantile", "time"};
    for (int m = 0; m < NB_NMETRICS; m++) {
        char name[128];
        snprintf(name, sizeof name, "%s_impact", nb_metrics[m].name);
        assert_true(nb_h5r_has_dims(file, name, 2, sd));
        snprintf(name, sizeof name, "%s_impact_q", nb_metrics[m].name);
        assert_true(nb_h5r_has_dims(file, name, 2, qd));
    }
    hid_t ds = H5Dopen2(file, "firms_impact", H5P_DEFAULT);
    assert_int_equal(nb_h5r_attr_str(ds, "long_name_zh", buf, sizeof buf), 0);
    assert_non_null(strstr(buf, "在区企业数"));
    assert_int_equal(nb_h5r_attr_str(ds, "units", buf, sizeof buf), 0);
    assert_string_equal(buf, "1");                       /* CF: a count */
    assert_int_equal(nb_h5r_attr_str(ds, "units_label", buf, sizeof buf), 0);
    assert_string_equal(buf, nb_metrics[NB_M_firms].unit);
    H5Dclose(ds);
    H5Fclose(file);
}

/* The same inputs give the same impact file, byte for byte. */
static void test_impact_file_reproducible(void **state)
{
    fixture *f = *state;
    char again[160], *text = NULL;
    nb_err e = {""};
    snprintf(again, sizeof again, "%s/again.h5", f->dir);
    assert_int_equal(compare(f->base, f->policy, f->out, &text, &e), NB_OK);
    free(text);
    assert_int_equal(compare(f->base, f->policy, again, &text, &e), NB_OK);
    free(text);
    FILE *a = fopen(f->out, "rb"), *b = fopen(again, "rb");
    assert_non_null(a);
    assert_non_null(b);
    int ca, cb;
    do {
        ca = fgetc(a);
        cb = fgetc(b);
        assert_int_equal(ca, cb);
    } while (ca != EOF);
    fclose(a);
    fclose(b);
}

/* ---- the intervals, by hand ----------------------------------------------------------- */

/* Paired spend S = {2, 4, 5, 9} and outcome Y = {1, 2, 3, 6}, n = 4.
 * Means a = 5, b = 3; sample (co)variances s_SS = 26/3, s_YY = 14/3, s_SY = 19/3; of the
 * means v11 = 13/6, v22 = 7/6, v12 = 19/12.  t = t(0.95, 3) = 2.3533634348018264.
 * Mean of Y: 3 -+ t sqrt(7/6) = [0.45807696832248146, 5.541923031677518].
 * Fieller: A = 9 - t^2 7/6 = 2.5386273010273737, B = 15 - t^2 19/12 = 6.230994194251437,
 * C = 25 - t^2 13/6 = 13.000307844765125, D = B^2 - AC = 5.8223522323140315;
 * A > 0 (the mean of Y is significant): [(B - sqrt D) / A, (B + sqrt D) / A]
 * = [1.5039778031853979, 3.404969793596355], around a / b = 5/3. */
static void test_interval_by_hand(void **state)
{
    (void)state;
    static const double S[4] = {2, 4, 5, 9}, Y[4] = {1, 2, 3, 6};
    double t = 2.3533634348018264, t2 = t * t;
    nb_interval m = nb_interval_mean(Y, 4, 0.9);
    assert_int_equal(m.kind, NB_INTERVAL_BOUNDED);
    assert_true(fabs(m.est - 3) < 1e-12);
    assert_true(fabs(m.lo - (3 - t * sqrt(7.0 / 6))) < 1e-9);
    assert_true(fabs(m.hi - (3 + t * sqrt(7.0 / 6))) < 1e-9);
    assert_true(fabs(m.lo - 0.45807696832248146) < 1e-9);
    assert_true(fabs(m.hi - 5.541923031677518) < 1e-9);
    double A = 9 - t2 * 7 / 6, B = 15 - t2 * 19 / 12, C = 25 - t2 * 13 / 6;
    double D = B * B - A * C;
    nb_interval f = nb_interval_fieller(S, Y, 4, 0.9);
    assert_int_equal(f.kind, NB_INTERVAL_BOUNDED);
    assert_true(fabs(f.est - 5.0 / 3) < 1e-12);
    assert_true(fabs(f.lo - (B - sqrt(D)) / A) < 1e-9);
    assert_true(fabs(f.hi - (B + sqrt(D)) / A) < 1e-9);
    assert_true(fabs(f.lo - 1.5039778031853979) < 1e-9);
    assert_true(fabs(f.hi - 3.404969793596355) < 1e-9);
}

/* Y = {1, -1, 2, -1}: mean 0.25, s_YY = 2.25, v22 = 0.5625; A = 0.0625 - t^2 0.5625 < 0:
 * the denominator is not significant, the Fieller set is not an interval; the mean
 * interval 0.25 -+ t 0.75 contains 0.  Fewer than 2 pairs: NONE. */
static void test_interval_unbounded(void **state)
{
    (void)state;
    static const double S[4] = {2, 4, 5, 9}, Y[4] = {1, -1, 2, -1};
    nb_interval f = nb_interval_fieller(S, Y, 4, 0.9);
    assert_int_equal(f.kind, NB_INTERVAL_UNBOUNDED);
    assert_true(isinf(f.lo) && f.lo < 0 && isinf(f.hi) && f.hi > 0);
    assert_true(fabs(f.est - 20) < 1e-12);
    nb_interval m = nb_interval_mean(Y, 4, 0.9);
    assert_true(m.lo < 0 && m.hi > 0);
    assert_true(fabs(m.lo - (0.25 - 2.3533634348018264 * 0.75)) < 1e-9);
    assert_int_equal(nb_interval_fieller(S, Y, 1, 0.9).kind, NB_INTERVAL_NONE);
    assert_int_equal(nb_interval_mean(Y, 1, 0.9).kind, NB_INTERVAL_NONE);
}

/* ---- inputs that cannot be compared ----------------------------------------------- */

/* Compare base with `other` and check the status and the one-line message. */
static void assert_refused(fixture *f, const char *other, int code, const char *words)
{
    char *text = NULL;
    nb_err e = {""};
    assert_int_equal(compare(f->base, other, f->out, &text, &e), code);
    if (!strstr(e.msg, words)) print_error("message: %s\n", e.msg);
    assert_non_null(strstr(e.msg, words));
    assert_non_null(strstr(e.msg, other));
    assert_null(strchr(e.msg, '\n'));
    assert_int_equal(strlen(text), 0);                 /* nothing printed */
    assert_int_equal(access(f->out, F_OK), -1);        /* nothing written */
    free(text);
}

static void test_mismatched_runs(void **state)
{
    fixture *f = *state;
    char other[160];
    snprintf(other, sizeof other, "%s/other.h5", f->dir);
    write_run(f, other, policy_value, N_REP, N_TIME, START, 8, "policy");
    assert_refused(f, other, NB_EINVAL, "seed is 8 here but 7 there");
    write_run(f, other, policy_value, N_REP - 1, N_TIME, START, 7, "policy");
    assert_refused(f, other, NB_EINVAL, "replicates is 20 here but 21 there");
    write_run(f, other, policy_value, N_REP, N_TIME, START + 1, 7, "policy");
    assert_refused(f, other, NB_EINVAL, "start is 2024-08 here but 2024-07 there");
    write_run(f, other, policy_value, N_REP, N_TIME - 1, START, 7, "policy");
    assert_refused(f, other, NB_EINVAL, "months is 23 here but 24 there");
}

static void test_bad_files(void **state)
{
    fixture *f = *state;
    char path[160];
    snprintf(path, sizeof path, "%s/missing.h5", f->dir);
    assert_refused(f, path, NB_EINVAL, "not a neobay results file");
    snprintf(path, sizeof path, "%s/notes.txt", f->dir);
    FILE *fp = fopen(path, "w");
    fputs("not HDF5\n", fp);
    fclose(fp);
    assert_refused(f, path, NB_EINVAL, "not a neobay results file (not an HDF5 file)");
    snprintf(path, sizeof path, "%s/foreign.h5", f->dir);
    hid_t file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    H5Fclose(file);
    assert_refused(f, path, NB_EINVAL, "no neobay_version");
    /* a truncated run file */
    snprintf(path, sizeof path, "%s/cut.h5", f->dir);
    FILE *in = fopen(f->policy, "rb"), *out = fopen(path, "wb");
    fseek(in, 0, SEEK_END);
    long n = ftell(in) / 2;
    fseek(in, 0, SEEK_SET);
    for (long i = 0; i < n; i++) fputc(fgetc(in), out);
    fclose(in);
    fclose(out);
    assert_refused(f, path, NB_EINVAL, "damaged results file");
}

/* An impact file is not a run: comparing it is refused. */
static void test_impact_file_is_not_a_run(void **state)
{
    fixture *f = *state;
    char *text = NULL, impact[160];
    nb_err e = {""};
    snprintf(impact, sizeof impact, "%s/i.h5", f->dir);
    assert_int_equal(compare(f->base, f->policy, impact, &text, &e), NB_OK);
    free(text);
    assert_refused(f, impact, NB_EINVAL, "not a neobay run file");
}

/* -o naming an input would destroy it: refused before anything is done. */
static void test_output_is_an_input(void **state)
{
    fixture *f = *state;
    char *text = NULL;
    nb_err e = {""};
    assert_int_equal(compare(f->base, f->policy, f->policy, &text, &e), NB_EINVAL);
    assert_non_null(strstr(e.msg, "refusing to overwrite"));
    free(text);
}

/* An impact file that cannot be written: NB_EIO, and no file. */
static void test_output_unwritable(void **state)
{
    fixture *f = *state;
    char *text = NULL, path[200];
    nb_err e = {""};
    snprintf(path, sizeof path, "%s/no/such/dir/i.h5", f->dir);
    assert_int_equal(compare(f->base, f->policy, path, &text, &e), NB_EIO);
    assert_non_null(strstr(e.msg, "cannot write impact file"));
    free(text);
}

int main(void)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_interval_by_hand),
        cmocka_unit_test(test_interval_unbounded),
        cmocka_unit_test_setup_teardown(test_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_impact_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_impact_file_reproducible, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mismatched_runs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_impact_file_is_not_a_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_output_is_an_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_output_unwritable, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
