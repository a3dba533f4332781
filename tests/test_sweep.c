/* test_sweep.c -- sweep files and designs (sweep/sweep.h): sizes and layouts of every
 * design (grid order, Latin hypercube strata, Sobol points, Saltelli's A, B and AB_i
 * blocks, Morris one-factor steps), value mapping (logs, whole numbers), scale
 * factors on constants and dated schedules, a point as a scenario that loads back to
 * the same parameters, the identity hash, errors with file:line:col and key, shard
 * rows, a point's statistics against its ensemble, and results files: shards merged
 * give the whole file byte for byte.
 *
 * Sweeps and their base scenario are written to a temporary directory. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <gsl/gsl_qrng.h>
#include "../sweep/sweep.h"
#include "../sweep/sweep_run.h"
#include "../model/ensemble.h"
#include "../model/neobay.h"

/* A base scenario with a dated schedule (for scale factors) and a short run. */
static const char base_text[] =
    "name: tbase\n"
    "run: {seed: 42, replicates: 3, origin: 2024-01, start: 2024-07, end: 2024-12}\n"
    "origin: {firms: 300}\n"
    "policy:\n"
    "  poc_budget: {2024-07: 500万, 2024-10: 1000万}\n";

typedef struct fixture {
    char dir[64];
    char base[128];
    char path[128];              /* the sweep file being tested */
    char files[16][160];         /* everything written, for teardown */
    int n_files;
} fixture;

static void put(fixture *f, const char *name, const char *text)
{
    char p[160];
    snprintf(p, sizeof p, "%s/%s", f->dir, name);
    memcpy(f->files[f->n_files++], p, sizeof p);
    FILE *fp = fopen(p, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f) return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/nb_sweep_XXXXXX");
    if (!mkdtemp(f->dir)) return -1;
    snprintf(f->base, sizeof f->base, "%s/base.yaml", f->dir);
    snprintf(f->path, sizeof f->path, "%s/sweep.yaml", f->dir);
    *state = f;
    put(f, "base.yaml", base_text);
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    for (int i = 0; i < f->n_files; i++) unlink(f->files[i]);
    rmdir(f->dir);
    free(f);
    return 0;
}

/* Write the sweep "base: base.yaml\n" + body (printf-style) and load it. */
static int load(fixture *f, nb_sweep **sw, nb_err *e, const char *fmt, ...)
{
    char body[4096], text[4200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    snprintf(text, sizeof text, "base: base.yaml\n%s", body);
    FILE *fp = fopen(f->path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
    if (f->n_files < 2) snprintf(f->files[f->n_files++], 160, "%s", f->path);
    return nb_sweep_load(f->path, sw, e);
}

static nb_sweep *load_ok(fixture *f, const char *body)
{
    nb_sweep *sw = NULL;
    nb_err e = {""};
    int rc = load(f, &sw, &e, "%s", body);
    if (rc != NB_OK) fail_msg("sweep refused: %s", e.msg);
    return sw;
}

#define U(sw, p, j) ((sw)->unit[(size_t)(p) * (sw)->n_factors + (j)])
#define V(sw, p, j) ((sw)->value[(size_t)(p) * (sw)->n_factors + (j)])

/* ---- designs ------------------------------------------------------------------------ */

static void test_grid(void **state)
{
    nb_sweep *sw = load_ok(*state, "design: grid\npoints: 2\nreplicates: 5\n"
                                   "factors:\n  origin.firms: {levels: [200, 300, 400]}\n"
                                   "  policy.guidance_fund: {min: 0, max: 1亿}\n");
    assert_int_equal(sw->design, NB_DESIGN_GRID);
    assert_int_equal(sw->n_factors, 2);
    assert_int_equal(sw->n_points, 6);
    assert_int_equal(sw->replicates, 5);
    const double firms[3] = {200, 300, 400}, fund[2] = {0, 1e8};
    for (int r = 0; r < 6; r++) {                       /* the last factor fastest */
        assert_true(V(sw, r, 0) == firms[r / 2]);
        assert_true(V(sw, r, 1) == fund[r % 2]);
        assert_true(U(sw, r, 0) == (r / 2) / 2.0);
        assert_true(U(sw, r, 1) == (double)(r % 2));
    }
    assert_null(sw->morris_factor);
    nb_sweep_free(sw);
}

static int cmp_int(const void *a, const void *b)
{
    return *(const int *)a - *(const int *)b;
}

static void test_lhs_strata(void **state)
{
    const char *body = "design: lhs\npoints: 10\nseed: %d\nfactors:\n"
                       "  policy.guidance_fund: {min: 0, max: 1亿}\n"
                       "  stage.graduate_rate: {scale: [0.5, 1.5]}\n"
                       "  policy.talent: {min: 1万, max: 100万, log: true}\n";
    nb_sweep *sw, *again, *other;
    nb_err e;
    assert_int_equal(load(*state, &sw, &e, body, 5), NB_OK);
    assert_int_equal(sw->n_points, 10);
    for (int j = 0; j < 3; j++) {                        /* one point per stratum */
        int strata[10];
        for (int p = 0; p < 10; p++) {
            assert_true(U(sw, p, j) >= 0 && U(sw, p, j) < 1);
            strata[p] = (int)floor(U(sw, p, j) * 10);
        }
        qsort(strata, 10, sizeof *strata, cmp_int);
        for (int p = 0; p < 10; p++) assert_int_equal(strata[p], p);
    }
    for (int p = 0; p < 10; p++) {
        assert_true(V(sw, p, 0) == 0 + U(sw, p, 0) * 1e8);
        assert_true(V(sw, p, 1) == 0.5 + U(sw, p, 1) * 1.0);
        double lg = exp(log(1e4) + U(sw, p, 2) * (log(1e6) - log(1e4)));
        assert_true(fabs(V(sw, p, 2) - lg) <= 1e-9 * lg);
    }
    assert_int_equal(load(*state, &again, &e, body, 5), NB_OK);        /* same seed: same */
    assert_memory_equal(sw->unit, again->unit, 30 * sizeof(double));
    assert_true(sw->hash == again->hash);
    assert_int_equal(load(*state, &other, &e, body, 6), NB_OK);        /* another: not */
    assert_memory_not_equal(sw->unit, other->unit, 30 * sizeof(double));
    assert_true(sw->hash != other->hash);
    nb_sweep_free(sw);
    nb_sweep_free(again);
    nb_sweep_free(other);
}

static void test_sobol(void **state)
{
    nb_sweep *sw = load_ok(*state, "design: sobol\npoints: 8\nfactors:\n"
                                   "  policy.guidance_fund: {min: 0, max: 1亿}\n"
                                   "  policy.talent: {min: 0, max: 100万}\n"
                                   "  policy.compute: {min: 0, max: 100万}\n");
    assert_int_equal(sw->n_points, 8);
    gsl_qrng *q = gsl_qrng_alloc(gsl_qrng_sobol, 3);
    double x[3];
    for (int p = 0; p < 8; p++) {
        gsl_qrng_get(q, x);
        for (int j = 0; j < 3; j++) assert_true(U(sw, p, j) == x[j]);
    }
    gsl_qrng_free(q);
    nb_sweep_free(sw);
}

static void test_saltelli_blocks(void **state)
{
    const int n = 8, k = 3;
    nb_sweep *sw = load_ok(*state, "design: saltelli\npoints: 8\nfactors:\n"
                                   "  policy.guidance_fund: {scale: [0, 2]}\n"
                                   "  policy.talent: {min: 0, max: 100万}\n"
                                   "  policy.compute: {min: 0, max: 100万}\n");
    assert_int_equal(sw->n_points, n * (k + 2));
    gsl_qrng *q = gsl_qrng_alloc(gsl_qrng_sobol, 2 * k);
    double x[6];
    for (int r = 0; r < n; r++) {
        gsl_qrng_get(q, x);
        for (int j = 0; j < k; j++) {
            assert_true(U(sw, r, j) == x[j]);                   /* A: first k */
            assert_true(U(sw, n + r, j) == x[k + j]);           /* B: last k */
        }
        for (int i = 0; i < k; i++)                             /* AB_i: A, column i of B */
            for (int j = 0; j < k; j++)
                assert_true(U(sw, (2 + i) * n + r, j) == (j == i ? x[k + j] : x[j]));
    }
    gsl_qrng_free(q);
    for (int p = 0; p < sw->n_points; p++) assert_true(V(sw, p, 0) == 2 * U(sw, p, 0));
    nb_sweep_free(sw);
}

static void test_morris_steps(void **state)
{
    const int r = 6, k = 4, levels = 6;
    nb_sweep *sw = load_ok(*state, "design: morris\npoints: 6\nlevels: 6\nseed: 3\nfactors:\n"
                                   "  policy.guidance_fund: {min: 0, max: 1亿}\n"
                                   "  policy.talent: {min: 0, max: 100万}\n"
                                   "  stage.graduate_rate: {scale: [0.5, 2]}\n"
                                   "  exit.acquire_rate: {min: 0.03, max: 0.1}\n");
    double delta = levels / (2.0 * (levels - 1));
    assert_int_equal(sw->n_points, r * (k + 1));
    assert_int_equal(sw->levels, levels);
    assert_non_null(sw->morris_factor);
    for (int t = 0; t < r; t++) {
        int moved[4] = {0};
        for (int p = t * (k + 1); p < (t + 1) * (k + 1); p++)   /* on the grid */
            for (int j = 0; j < k; j++) {
                double g = U(sw, p, j) * (levels - 1);
                assert_true(fabs(g - round(g)) < 1e-9 && U(sw, p, j) >= 0 && U(sw, p, j) <= 1);
            }
        for (int s = 0; s < k; s++) {
            int p = t * (k + 1) + s, f = sw->morris_factor[t * k + s], changed = 0;
            assert_true(f >= 0 && f < k);
            for (int j = 0; j < k; j++)
                if (U(sw, p + 1, j) != U(sw, p, j)) {
                    changed++;
                    assert_int_equal(j, f);
                    assert_true(fabs(fabs(U(sw, p + 1, j) - U(sw, p, j)) - delta) < 1e-9);
                }
            assert_int_equal(changed, 1);
            moved[f]++;
        }
        for (int j = 0; j < k; j++) assert_int_equal(moved[j], 1);   /* each factor once */
    }
    nb_sweep_free(sw);
}

static void test_whole_numbers(void **state)
{
    nb_sweep *sw = load_ok(*state, "design: lhs\npoints: 7\nfactors:\n"
                                   "  origin.firms: {min: 250, max: 400}\n"
                                   "  policy.lists: {min: false, max: true}\n");
    for (int p = 0; p < 7; p++) {
        assert_true(V(sw, p, 0) == floor(V(sw, p, 0)) && V(sw, p, 0) >= 250 && V(sw, p, 0) <= 400);
        assert_true(V(sw, p, 1) == 0 || V(sw, p, 1) == 1);
    }
    nb_sweep_free(sw);
}

/* ---- points -------------------------------------------------------------------------- */

static void test_scale_on_schedules(void **state)
{
    nb_sweep *sw = load_ok(*state, "design: grid\nreplicates: 2\nfactors:\n"
                                   "  policy.poc_budget: {scale: [0.5, 2]}\n"        /* a schedule */
                                   "  stage.graduate_rate: {scale: [0.5, 2]}\n"      /* a constant */
                                   "  policy.talent: {scale: [0.5, 2]}\n"            /* no schedule */
                                   "points: 2\n");
    assert_int_equal(sw->n_points, 8);
    nb_paramset *ps = malloc(sizeof *ps);
    nb_err e;
    assert_non_null(ps);
    for (int p = 0; p < sw->n_points; p++) {
        assert_int_equal(nb_sweep_paramset(sw, p, ps, &e), NB_OK);
        double s0 = V(sw, p, 0), s1 = V(sw, p, 1), s2 = V(sw, p, 2);
        const nb_sched *poc = &ps->p[NB_P_pol_poc_budget];
        assert_int_equal(poc->n, 2);
        assert_int_equal(poc->month[0], NB_MONTH(2024, 7));
        assert_int_equal(poc->month[1], NB_MONTH(2024, 10));
        assert_true(poc->value[0] == 5e6 * s0);
        assert_true(poc->value[1] == 1e7 * s0);
        assert_int_equal(ps->p[NB_P_stage_graduate_rate].n, 0);
        assert_true(ps->p[NB_P_stage_graduate_rate].value[0] == nb_registry[NB_P_stage_graduate_rate].def * s1);
        assert_true(ps->p[NB_P_pol_talent].value[0] == 0 * s2);
        assert_true(ps->p[NB_P_run_replicates].value[0] == 2);
        assert_true(ps->p[NB_P_run_seed].value[0] == 42);           /* the base's seed */
    }
    assert_int_equal(nb_sweep_paramset(sw, sw->n_points, ps, &e), NB_EINVAL);
    assert_non_null(strstr(e.msg, "does not exist"));
    free(ps);
    nb_sweep_free(sw);
}

static void test_point_yaml_loads_back(void **state)
{
    fixture *f = *state;
    nb_sweep *sw = load_ok(f, "design: lhs\npoints: 4\nreplicates: 3\nfactors:\n"
                              "  policy.poc_budget: {scale: [0.5, 2]}\n"
                              "  policy.guidance_fund: {min: 0, max: 1亿}\n"
                              "  origin.firms: {min: 250, max: 400}\n");
    nb_paramset *ps = malloc(sizeof *ps);
    nb_err e;
    for (int p = 0; p < 4; p++) {
        char *yaml = nb_sweep_point_yaml(sw, p, &e);
        assert_non_null(yaml);
        assert_non_null(strstr(yaml, "Design point"));
        put(f, "point.yaml", yaml);
        f->n_files--;
        free(yaml);
        nb_scenario *sc = NULL;
        char path[200];
        snprintf(path, sizeof path, "%s/point.yaml", f->dir);
        if (nb_scenario_load(path, &sc, &e) != NB_OK) fail_msg("%s", e.msg);
        assert_int_equal(nb_scenario_validate(sc, &e), NB_OK);
        assert_int_equal(nb_sweep_paramset(sw, p, ps, &e), NB_OK);
        for (int id = 0; id < NB_NPARAMS; id++) {
            const nb_sched *a = &sc->ps.p[id], *b = &ps->p[id];
            assert_int_equal(a->n, b->n);
            for (int i = 0; i < (a->n ? a->n : 1); i++) {
                assert_true(a->value[i] == b->value[i]);
                if (a->n) assert_int_equal(a->month[i], b->month[i]);
            }
        }
        nb_scenario_free(sc);
        unlink(path);
    }
    assert_null(nb_sweep_point_yaml(sw, 4, &e));
    free(ps);
    nb_sweep_free(sw);
}

static void test_hash(void **state)
{
    const char *body = "design: lhs\npoints: 4\nreplicates: %d\nfactors:\n  policy.poc_budget: {scale: [0.5, %s]}\n";
    nb_sweep *a, *b, *c, *d;
    nb_err e;
    assert_int_equal(load(*state, &a, &e, body, 3, "2"), NB_OK);
    assert_int_equal(load(*state, &b, &e, body, 3, "2"), NB_OK);
    assert_int_equal(load(*state, &c, &e, body, 4, "2"), NB_OK);
    assert_int_equal(load(*state, &d, &e, body, 3, "2.5"), NB_OK);
    assert_true(a->hash == b->hash);
    assert_true(a->hash != c->hash);
    assert_true(a->hash != d->hash);
    assert_non_null(strstr(a->yaml, "policy.poc_budget: {scale: [0.5, 2]}"));
    nb_sweep_free(a);
    nb_sweep_free(b);
    nb_sweep_free(c);
    nb_sweep_free(d);
}

/* ---- errors --------------------------------------------------------------------------- */

typedef struct bad_case {
    const char *body;            /* after "base: base.yaml\n" (line 1) */
    const char *where;           /* "LINE:COL: key '...'" expected after the path */
    const char *what;            /* expected in the message */
} bad_case;

static const bad_case bad_cases[] = {
    {"design: lhs\npoints: 4\nfactorz:\n  policy.poc_budget: {min: 0, max: 1}\n", "4:1: key 'factorz'",
     "did you mean 'factors'?"},
    {"design: lhs\npoints: 4\nfactors:\n  policy.poc_budgt: {min: 0, max: 1}\n", "5:3: key 'factors.policy.poc_budgt'",
     "did you mean 'policy.poc_budget'?"},
    {"design: lhs\npoints: 4\nfactors:\n  policy:\n    guidance_fnd: {min: 0, max: 1}\n",
     "6:5: key 'factors.policy.guidance_fnd'", "did you mean 'policy.guidance_fund'?"},
    {"design: lhs\npoints: 4\nfactors:\n  policy.poc_budget: {mn: 0, max: 1}\n",
     "5:23: key 'factors.policy.poc_budget.mn'", "did you mean 'min'?"},
    {"design: lhs\npoints: 4\nfactors:\n  policy.poc_budget: {min: 2亿, max: 1亿}\n",
     "5:32: key 'factors.policy.poc_budget.max'", "max 1亿 is below min 2亿"},
    {"design: lhs\npoints: 4\nfactors:\n  policy.poc_budget: {min: 0, max: 1亿, log: true}\n",
     "5:45: key 'factors.policy.poc_budget.log'", "a log-uniform range needs min > 0"},
    {"design: lhs\npoints: 4\nfactors:\n  policy.poc_budget: {scale: [0, 2], log: true}\n",
     "5:43: key 'factors.policy.poc_budget.log'", "needs scale low > 0"},
    {"design: sobol\npoints: 4\nfactors:\n  origin.firms: {levels: [300, 400]}\n",
     "5:18: key 'factors.origin.firms.levels'", "explicit levels need design: grid"},
    {"design: lhs\npoints: 4\nfactors:\n  policy.poc_budget: {min: 0, max: 1000亿}\n",
     "5:36: key 'factors.policy.poc_budget.max'", "is above the maximum 100亿"},
    {"design: lhs\npoints: 4\nfactors:\n  alliance.zone_share: {scale: [1, 20]}\n",
     "5:3: key 'factors.alliance.zone_share'", "is above the maximum 1"},
    {"design: lhs\npoints: 4\nfactors:\n  run.end: {min: 2024-08, max: 2024-09}\n", "5:3: key 'factors.run.end'",
     "run settings cannot vary"},
    {"design: sobel\npoints: 4\nfactors:\n  policy.talent: {min: 0, max: 1}\n", "2:9: key 'design'",
     "did you mean 'sobol'?"},
    {"design: lhs\nfactors:\n  policy.talent: {min: 0, max: 1}\n", "1:1: key 'points'", "missing"},
    {"design: morris\npoints: 3\nlevels: 5\nfactors:\n  policy.talent: {min: 0, max: 1}\n", "4:9: key 'levels'",
     "even number of levels"},
    {"design: lhs\nlevels: 4\npoints: 3\nfactors:\n  policy.talent: {min: 0, max: 1}\n", "3:1: key 'levels'",
     "only the morris design"},
    {"design: lhs\npoints: [4\nfactors:\n", "", "YAML syntax error"},
    {"design: lhs\npoints: 4\noutputs: {metrics: [unicorn]}\nfactors:\n  policy.talent: {min: 0, max: 1}\n",
     "4:21: key 'outputs.metrics'", "did you mean 'unicorns'?"},
    {"design: lhs\npoints: 4\noutputs: {years: [2030]}\nfactors:\n  policy.talent: {min: 0, max: 1}\n",
     "4:19: key 'outputs.years'", "December 2030 is not in the run"},
    {"design: lhs\npoints: 4\nfactors:\n  policy.talent: {min: 0, max: 1}\n  policy:\n    talent: {min: 0, max: 1}\n",
     "7:5: key 'factors.policy.talent'", "given twice (first at line 5)"},
    {"design: lhs\npoints: 4\nfactors:\n  policy.lists: {scale: [0, 1]}\n", "5:18: key 'factors.policy.lists.scale'",
     "cannot be scaled"},
    {"design: grid\npoints: 2\nfactors:\n  policy.talent: {min: 0, max: 1, levels: [1, 2]}\n",
     "5:3: key 'factors.policy.talent'", "give only one of min/max, scale and levels"},
    {"design: grid\npoints: 1\nfactors:\n  policy.talent: {min: 0, max: 1}\n", "5:3: key 'factors.policy.talent'",
     "give points: 2 or more"},
    {"design: lhs\npoints: 4\n", "1:1: key 'factors'", "missing"},
    {"design: lhs\npoints: 4\npolicy.talent: 5\nfactors:\n  policy.talent: {min: 0, max: 1}\n",
     "4:1: key 'policy.talent'", "parameters to vary go under 'factors:'"},
};

static void test_errors(void **state)
{
    fixture *f = *state;
    for (size_t i = 0; i < sizeof bad_cases / sizeof *bad_cases; i++) {
        nb_sweep *sw = (void *)1;
        nb_err e = {""};
        char want[256];
        int rc = load(f, &sw, &e, "%s", bad_cases[i].body);
        if (rc != NB_EINVAL) fail_msg("case %zu: accepted (rc %d)", i, rc);
        assert_null(sw);
        snprintf(want, sizeof want, "%s:%s", f->path, bad_cases[i].where);
        if (strncmp(e.msg, want, strlen(want)) != 0 || !strstr(e.msg, bad_cases[i].what))
            fail_msg("case %zu: got \"%s\", want \"%s...%s\"", i, e.msg, want, bad_cases[i].what);
        assert_null(strchr(e.msg, '\n'));
    }
    nb_sweep *sw;
    nb_err e;
    /* a missing base, a base that does not exist, too many factors for the design */
    FILE *fp = fopen(f->path, "w");
    fputs("design: lhs\npoints: 3\nfactors: {policy.talent: {min: 0, max: 1}}\n", fp);
    fclose(fp);
    assert_int_equal(nb_sweep_load(f->path, &sw, &e), NB_EINVAL);
    assert_non_null(strstr(e.msg, ":1:1: key 'base': missing"));
    assert_int_equal(load(f, &sw, &e, "base: nothere.yaml\n"), NB_EINVAL);   /* base twice: */
    assert_non_null(strstr(e.msg, "duplicate key"));                         /* YAML says so */
    fp = fopen(f->path, "w");
    fputs("base: nothere.yaml\ndesign: lhs\npoints: 3\nfactors: {policy.talent: {min: 0, max: 1}}\n", fp);
    fclose(fp);
    assert_int_equal(nb_sweep_load(f->path, &sw, &e), NB_EINVAL);
    assert_non_null(strstr(e.msg, ":1:7: key 'base': cannot read"));
    char body[8192] = "design: saltelli\npoints: 4\nfactors:\n";
    for (int j = 0, n = 0; n < 21; j++)
        if ((nb_registry[j].flags & NB_F_SCHED) && nb_registry[j].type != NB_T_BOOL) {
            snprintf(body + strlen(body), sizeof body - strlen(body), "  %s: {scale: [0.9, 1]}\n", nb_registry[j].name);
            n++;
        }
    assert_int_equal(load(f, &sw, &e, "%s", body), NB_EINVAL);
    assert_non_null(strstr(e.msg, "21 factors; the saltelli design takes at most 20"));
    assert_int_equal(nb_sweep_load("/nonexistent/sweep.yaml", &sw, &e), NB_EIO);
}

/* ---- rows, a point's statistics, results files ---------------------------------------- */

static void test_rows(void **state)
{
    int seen[10] = {0}, total = 0;
    for (int k = 0; k < 3; k++) {
        int n = nb_sweep_rows(10, k, 3);
        assert_int_equal(n, k == 0 ? 4 : 3);
        for (int i = 0; i < n; i++) {
            int p = nb_sweep_row_point(i, k, 3);
            assert_int_equal(p % 3, k);
            seen[p]++;
            total++;
        }
    }
    assert_int_equal(total, 10);
    for (int p = 0; p < 10; p++) assert_int_equal(seen[p], 1);
    assert_int_equal(nb_sweep_rows(10, 0, 0), 10);
    assert_int_equal(nb_sweep_row_point(7, 0, 0), 7);
    assert_int_equal(nb_sweep_rows(2, 5, 8), 0);
}

static void test_point_statistics(void **state)
{
    nb_sweep *sw = load_ok(*state, "design: lhs\npoints: 2\nreplicates: 3\nfull_series: true\nfactors:\n"
                                   "  policy.guidance_fund: {min: 0, max: 1亿}\n");
    nb_paramset *ps = malloc(sizeof *ps);
    nb_err e;
    assert_int_equal(nb_sweep_paramset(sw, 1, ps, &e), NB_OK);
    nb_model *m = nb_model_alloc(ps);
    int nt = nb_model_n_time(m), len = nb_sweep_row_len(nt, 3, 1);
    assert_int_equal(nt, 6);
    nb_results *res = nb_results_alloc(3, nt, nb_model_start(m));
    nb_results *table = nb_results_alloc(2, len, nb_model_start(m));
    nb_ensemble_opts o = {1, NULL, NULL, NULL};
    assert_int_equal(nb_ensemble_run(m, res, &o, NULL), NB_OK);
    assert_int_equal(nb_sweep_point_run(sw, 1, 2, NULL, NULL, table, 1, NULL, &e), NB_OK);
    for (int k = 0; k < NB_NMETRICS; k++) {
        const double *row = nb_results_row(table, k, 1);
        for (int t = 0; t < nt; t++) {
            double s = 0;
            for (int i = 0; i < 3; i++) s += nb_results_row(res, k, i)[t];
            assert_true(row[t] == s / 3);                                   /* mean */
            for (int q = 0; q < NB_NQUANT; q++)                             /* quantiles */
                assert_true(row[(1 + q) * nt + t] == nb_results_qrow(res, k, q)[t]);
            for (int i = 0; i < 3; i++)                                     /* replicates */
                assert_true(row[(1 + NB_NQUANT + i) * nt + t] == nb_results_row(res, k, i)[t]);
        }
    }
    nb_results_free(res);
    nb_results_free(table);
    nb_model_free(m);
    free(ps);
    nb_sweep_free(sw);
}

/* The whole contents of a file (malloc'd) and its size. */
static unsigned char *slurp(const char *path, long *n)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    *n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)*n);
    assert_int_equal(fread(b, 1, (size_t)*n, fp), (size_t)*n);
    fclose(fp);
    return b;
}

static void test_shards_merge_byte_identical(void **state)
{
    fixture *f = *state;
    nb_sweep *sw = load_ok(f, "design: morris\npoints: 2\nreplicates: 3\nfull_series: true\nfactors:\n"
                              "  policy.guidance_fund: {min: 0, max: 1亿}\n  policy.talent: {min: 0, max: 1亿}\n");
    int nt = nb_paramset_months(&sw->base->ps), len = nb_sweep_row_len(nt, 3, 1), start = NB_MONTH(2024, 7);
    nb_results *whole = nb_results_alloc(sw->n_points, len, start);
    for (int k = 0; k < NB_NMETRICS; k++)                   /* synthetic statistics */
        for (int p = 0; p < sw->n_points; p++)
            for (int i = 0; i < len; i++) nb_results_row(whole, k, p)[i] = k * 1e6 + p * 1e3 + i + 0.25;
    char out[200], merged[200], shard[3][200];
    const char *paths[3];
    nb_err e;
    nb_sweep_meta mt;
    snprintf(out, sizeof out, "%s/whole.h5", f->dir);
    snprintf(merged, sizeof merged, "%s/merged.h5", f->dir);
    assert_int_equal(nb_sweep_meta_init(&mt, sw, 0, 0), NB_OK);
    assert_int_equal(nb_sweep_h5_write(out, &mt, whole, &e), NB_OK);
    nb_sweep_meta_free(&mt);
    for (int s = 0; s < 3; s++) {
        int rows = nb_sweep_rows(sw->n_points, s, 3);
        nb_results *part = nb_results_alloc(rows, len, start);
        for (int k = 0; k < NB_NMETRICS; k++)
            for (int i = 0; i < rows; i++)
                memcpy(nb_results_row(part, k, i), nb_results_row(whole, k, nb_sweep_row_point(i, s, 3)),
                       (size_t)len * sizeof(double));
        snprintf(shard[s], sizeof shard[s], "%s/shard%d.h5", f->dir, s);
        paths[2 - s] = shard[s];                                         /* any order */
        assert_int_equal(nb_sweep_meta_init(&mt, sw, s, 3), NB_OK);
        assert_int_equal(nb_sweep_h5_write(shard[s], &mt, part, &e), NB_OK);
        nb_sweep_meta_free(&mt);
        nb_results_free(part);
    }
    if (nb_sweep_h5_merge(merged, paths, 3, &e) != NB_OK) fail_msg("%s", e.msg);
    long na, nb;
    unsigned char *a = slurp(out, &na), *b = slurp(merged, &nb);
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, (size_t)na);
    free(a);
    free(b);
    assert_int_equal(nb_sweep_h5_merge(merged, paths, 2, &e), NB_EINVAL);          /* one missing */
    assert_non_null(strstr(e.msg, "missing"));
    const char *twice[3] = {paths[0], paths[1], paths[1]};
    assert_int_equal(nb_sweep_h5_merge(merged, twice, 3, &e), NB_EINVAL);
    assert_non_null(strstr(e.msg, "given twice"));
    const char *whole_too[3] = {paths[0], paths[1], out};
    assert_int_equal(nb_sweep_h5_merge(merged, whole_too, 3, &e), NB_EINVAL);
    assert_non_null(strstr(e.msg, "not a sweep shard"));
    unlink(out);
    unlink(merged);
    for (int s = 0; s < 3; s++) unlink(shard[s]);
    nb_results_free(whole);
    nb_sweep_free(sw);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_grid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lhs_strata, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sobol, setup, teardown),
        cmocka_unit_test_setup_teardown(test_saltelli_blocks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_morris_steps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_whole_numbers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scale_on_schedules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_point_yaml_loads_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hash, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test(test_rows),
        cmocka_unit_test_setup_teardown(test_point_statistics, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shards_merge_byte_identical, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
