/* test_dynamics.c -- patterns the firm dynamics must produce (issue 9): fat-tailed
 * annual growth whose spread falls with size, smooth responses to capacity (no cap
 * that binds as a cliff), no firm running on exhausted cash past its grace, and a
 * unicorn pipeline that is open (CB Insights' ~1% of a seed cohort). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include "../model/ensemble.h"
#include "../model/firms.h"
#include "../model/neobay.h"

static nb_paramset *defaults(void)
{
    static nb_paramset ps;
    nb_paramset_default(&ps);
    nb_paramset_set_const(&ps, NB_P_run_end, NB_MONTH(2030, 12));
    return &ps;
}

/* ---- growth ---------------------------------------------------------------------- */

/* Yearly snapshots of (eid, revenue) for one replicate, collected by the panel sink. */
typedef struct snaps {
    int n_snap;
    int n[16];
    uint64_t *eid[16];
    float *rev[16];
    int max_dist;              /* most months any firm ran with cash below zero */
} snaps;

static void on_panel(void *ud, uint32_t rep, int k, const struct nb_firms *f)
{
    snaps *s = ud;
    for (int i = 0; i < f->n; i++)
        if (f->distress[i] > s->max_dist) s->max_dist = f->distress[i];
    if (s->n_snap >= 16) return;
    int j = s->n_snap++;
    s->eid[j] = malloc((size_t)f->n * sizeof(uint64_t));
    s->rev[j] = malloc((size_t)f->n * sizeof(float));
    assert_non_null(s->eid[j]);
    assert_non_null(s->rev[j]);
    int m = 0;
    for (int i = 0; i < f->n; i++)
        if (f->stage[i] != NB_PRE && f->revenue[i] > 0) {
            s->eid[j][m] = f->eid[i];
            s->rev[j][m] = f->revenue[i];
            m++;
        }
    s->n[j] = m;
}

/* Annual log growth of firms alive in consecutive snapshots (slots keep their order,
 * so a merge by identity in order suffices), split at revenue `split`. */
static void growth_rates(const snaps *s, double split, double *all, int *n_all,
                         double *small, int *n_small, double *large, int *n_large)
{
    *n_all = *n_small = *n_large = 0;
    for (int j = 1; j < s->n_snap; j++) {
        int a = 0;
        for (int b = 0; b < s->n[j]; b++) {
            while (a < s->n[j - 1] && s->eid[j - 1][a] != s->eid[j][b]) a++;
            if (a == s->n[j - 1]) { a = 0; continue; }   /* entered since: not a pair */
            double r0 = s->rev[j - 1][a], g = log(s->rev[j][b] / r0);
            all[(*n_all)++] = g;
            if (r0 < split) small[(*n_small)++] = g; else large[(*n_large)++] = g;
        }
    }
}

/* Growth is fat-tailed (Laplace shocks: excess kurtosis 3 in theory; a Gaussian
 * gives 0) and its spread falls with size (sd ∝ revenue^-0.2: a firm 100 times
 * larger has sd 0.4 of the smaller's, before the drift terms).  Asserted: excess
 * kurtosis above 1 and the large firms' sd below 0.8 of the small ones'. */
static void test_growth_tails_and_size(void **state)
{
    nb_paramset *ps = defaults();
    nb_model *m = nb_model_alloc(ps);
    nb_sim *sim = nb_sim_alloc();
    nb_results *r = nb_results_alloc(1, nb_model_n_time(m), nb_model_start(m));
    snaps s;
    memset(&s, 0, sizeof s);
    nb_event_sink sink = {NULL, on_panel, 12, &s};
    nb_sim_set_sink(sim, &sink);
    assert_int_equal(nb_sim_run(m, sim, 0, r), NB_OK);
    enum { CAP = 400000 };
    double *all = malloc(CAP * sizeof *all), *sm = malloc(CAP * sizeof *sm),
           *lg = malloc(CAP * sizeof *lg);
    int na, ns, nl;
    growth_rates(&s, 1e7, all, &na, sm, &ns, lg, &nl);
    assert_true(na > 5000 && ns > 1000 && nl > 500);
    double kurt = gsl_stats_kurtosis(all, 1, (size_t)na);     /* excess kurtosis */
    double sd_s = gsl_stats_sd(sm, 1, (size_t)ns), sd_l = gsl_stats_sd(lg, 1, (size_t)nl);
    print_message("annual log growth: n %d, excess kurtosis %.2f; sd below 1000万 %.3f (n %d), above %.3f (n %d)\n",
                  na, kurt, sd_s, ns, sd_l, nl);
    assert_true(kurt > 1.0);
    assert_true(sd_l < 0.8 * sd_s);
    /* exhausted cash never outlasts the grace period (exit.grace_months) */
    assert_true(s.max_dist <= (int)nb_registry[NB_P_exit_grace_months].def);
    for (int j = 0; j < s.n_snap; j++) { free(s.eid[j]); free(s.rev[j]); }
    free(all); free(sm); free(lg);
    nb_results_free(r);
    nb_sim_free(sim);
    nb_model_free(m);
}

/* ---- the unicorn pipeline ------------------------------------------------------ */

/* The seed cohort of the first two projected years (first priced round in time
 * points 1..24), followed monthly for 8 years. */
typedef struct cohort {
    int n;
    uint64_t eid[8192];
    int k0[8192];
    char hit[8192];
} cohort;

static int cohort_find(const cohort *c, uint64_t e)
{
    for (int i = 0; i < c->n; i++)
        if (c->eid[i] == e) return i;
    return -1;
}

static void on_seed(void *ud, uint32_t rep, const nb_event *ev)
{
    cohort *c = ud;
    if (ev->kind == NB_EV_ROUND && ev->round == 1 && ev->k >= 1 && ev->k <= 24 && c->n < 8192) {
        c->eid[c->n] = ev->eid;
        c->k0[c->n] = ev->k;
        c->hit[c->n++] = 0;
    }
}

static void on_month(void *ud, uint32_t rep, int k, const struct nb_firms *f)
{
    cohort *c = ud;
    double usd1bn = nb_registry[NB_P_def_unicorn_usd].def * nb_registry[NB_P_def_usd_cny].def;
    for (int i = 0; i < f->n; i++) {
        if (f->valuation[i] < usd1bn) continue;
        int j = cohort_find(c, f->eid[i]);
        if (j >= 0 && k - c->k0[j] <= 96) c->hit[j] = 1;
    }
}

/* CB Insights (2015, data.md): about 1% of a seed cohort reaches a USD 1 bn valuation;
 * the acceptance band is [0.3%, 3%] within 8 years.  Ten replicates seed ~3,900
 * firms; at the model's ~0.7% the binomial s.e. is ~0.13 points, so the band holds
 * with 3 s.e. to spare on the low side. */
static void test_unicorn_odds(void **state)
{
    nb_paramset *ps = defaults();
    nb_paramset_set_const(ps, NB_P_run_end, NB_MONTH(2035, 12));
    nb_model *m = nb_model_alloc(ps);
    static cohort c;
    long seeded = 0, hits = 0;
    for (int rep = 0; rep < 10; rep++) {
        c.n = 0;
        nb_sim *sim = nb_sim_alloc();
        nb_results *r = nb_results_alloc(10, nb_model_n_time(m), nb_model_start(m));
        nb_event_sink sink = {on_seed, on_month, 1, &c};
        nb_sim_set_sink(sim, &sink);
        assert_int_equal(nb_sim_run(m, sim, (uint32_t)rep, r), NB_OK);
        for (int i = 0; i < c.n; i++) hits += c.hit[i];
        seeded += c.n;
        nb_results_free(r);
        nb_sim_free(sim);
    }
    double share = (double)hits / (double)seeded;
    print_message("seed cohort: %ld firms, %ld reach USD 1 bn within 8 years (%.2f%%)\n",
                  seeded, hits, 100 * share);
    assert_true(seeded > 1000);
    assert_true(share >= 0.003 && share <= 0.03);
    nb_model_free(m);
}

/* ---- capacity: no cliff ---------------------------------------------------------- */

/* Mean over nrep replicates of metric `met` in the last month with parameter id at v. */
static double outcome(int id, double v, int met, int nrep)
{
    nb_paramset *ps = defaults();
    nb_paramset_set_const(ps, id, v);
    nb_model *m = nb_model_alloc(ps);
    nb_results *r = nb_results_alloc(nrep, nb_model_n_time(m), nb_model_start(m));
    nb_ensemble_opts o = {2, NULL, NULL, NULL};
    assert_int_equal(nb_ensemble_run(m, r, &o, NULL), NB_OK);
    double s = 0;
    for (int i = 0; i < nrep; i++) s += nb_results_row(r, met, i)[r->n_time - 1];
    nb_results_free(r);
    nb_model_free(m);
    return s / nrep;
}

/* Lift each capacity tenfold in five log-spaced steps (common random numbers across
 * steps).  A cap that binds shows as an increment many times its neighbours (the
 * old talent cap: 2035 revenue x4.6 once supply exceeded demand); a smooth response
 * keeps each increment within 3x the previous one plus 3% of the level (noise). */
static void test_capacity_smooth(void **state)
{
    const struct { int id; const char *name; } caps[] = {
        {NB_P_talent_graduates, "talent.graduates"},
        {NB_P_space_places, "space.places"},
        {NB_P_alliance_initial, "alliance.initial"},
    };
    for (size_t c = 0; c < sizeof caps / sizeof caps[0]; c++) {
        double base = nb_registry[caps[c].id].def, y[5];
        for (int j = 0; j < 5; j++) y[j] = outcome(caps[c].id, base * pow(10.0, j / 4.0), NB_M_revenue, 6);
        print_message("%s x1..x10: revenue %.4g %.4g %.4g %.4g %.4g\n", caps[c].name,
                      y[0], y[1], y[2], y[3], y[4]);
        for (int j = 2; j < 5; j++) {
            double d0 = fabs(y[j - 1] - y[j - 2]), d1 = fabs(y[j] - y[j - 1]);
            if (d1 > 3 * d0 + 0.03 * y[j - 1])
                fail_msg("%s: step %d jumps (%.4g after %.4g)", caps[c].name, j, d1, d0);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_growth_tails_and_size),
        cmocka_unit_test(test_capacity_smooth),
        cmocka_unit_test(test_unicorn_odds),
    };
    return cmocka_run_group_tests_name("dynamics", tests, NULL, NULL);
}
