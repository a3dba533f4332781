/* test_sanity.c -- the model's sanity routines (model/sanity.h): a replicate's state
 * passes them, and each corruption of the firms, the zone or the month makes the
 * routine that watches it return 0.  (In make test-asan, built with NB_SANITY, sim.c
 * also asserts them at every step of every test's runs.) */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>
#include "../model/neobay.h"
#include "../model/model.h"
#include "../model/sanity.h"

typedef struct fixture {
    nb_paramset ps;
    nb_model *m;
    nb_sim *s;
    nb_results *r;
    nb_flows fl;
    nb_tally t;
} fixture;

/* The tally of the counted live firms at the end of the last step (as sim.c has it). */
static void tally(fixture *x)
{
    nb_sim *s = x->s;
    int k = nb_model_n_hist(x->m) + nb_model_n_time(x->m) - 1;
    memset(&x->t, 0, sizeof x->t);
    for (int i = 0; i < s->f.n; i++)
        if (!(s->f.flags[i] & NB_FL_DEAD) && (!(s->f.flags[i] & NB_FL_OUTER) || s->d.outer_in))
            tally_firm(s, &x->t, i, k);
}

/* One replicate of the default scenario, to 2026, and its last month's tally. */
static int setup(void **state)
{
    static fixture x;
    memset(&x, 0, sizeof x);
    nb_paramset_default(&x.ps);
    nb_paramset_set_const(&x.ps, NB_P_run_end, NB_MONTH(2026, 12));
    nb_paramset_set_const(&x.ps, NB_P_pol_tech_credit, 1e7);
    x.m = nb_model_alloc(&x.ps);
    x.s = nb_sim_alloc();
    x.r = nb_results_alloc(1, nb_model_n_time(x.m), nb_model_start(x.m));
    if (!x.m || !x.s || !x.r || nb_sim_run(x.m, x.s, 0, x.r) != NB_OK) return -1;
    tally(&x);
    *state = &x;
    return 0;
}

static int teardown(void **state)
{
    fixture *x = *state;
    nb_results_free(x->r);
    nb_sim_free(x->s);
    nb_model_free(x->m);
    return 0;
}

/* The index of a live firm past pre-incubation (stage >= `stage`). */
static int live_firm(const nb_firms *f, int stage)
{
    for (int i = 0; i < f->n; i++)
        if (!(f->flags[i] & NB_FL_DEAD) && f->stage[i] >= stage) return i;
    fail_msg("no live firm of stage %d", stage);
    return -1;
}

static void test_a_run_is_sane(void **state)
{
    fixture *x = *state;
    assert_true(x->s->f.n > 100);
    assert_int_equal((nb_firms_sanity)(&x->s->f), 1);
    assert_int_equal((nb_zone_sanity)(&x->s->z), 1);
    assert_int_equal((nb_month_sanity)(x->s, 0, &x->fl, &x->t), 1);
    /* The next month with no flows and nothing changed is sane too. */
    assert_int_equal((nb_month_sanity)(x->s, 1, &x->fl, &x->t), 1);
}

static void test_firms_corrupted(void **state)
{
    fixture *x = *state;
    nb_firms *f = &x->s->f;
    int i = live_firm(f, NB_STARTUP);

    uint8_t stage = f->stage[i];
    f->stage[i] = NB_NSTAGES;                       /* no such stage */
    assert_int_equal((nb_firms_sanity)(f), 0);
    f->stage[i] = stage;

    float rev = f->revenue[i];
    f->revenue[i] = -1.0f;                          /* negative revenue */
    assert_int_equal((nb_firms_sanity)(f), 0);
    f->revenue[i] = NAN;
    assert_int_equal((nb_firms_sanity)(f), 0);
    f->revenue[i] = rev;

    float prio = f->prio[i];
    f->prio[i] = 1.0f;                              /* priority outside [0, 1) */
    assert_int_equal((nb_firms_sanity)(f), 0);
    f->prio[i] = prio;

    int dead = f->dead;
    f->dead = f->n + 1;                             /* dead > n */
    assert_int_equal((nb_firms_sanity)(f), 0);
    f->dead = dead + 1;                             /* count and flags disagree */
    assert_int_equal((nb_firms_sanity)(f), 0);
    f->dead = dead;

    assert_int_equal((nb_firms_sanity)(f), 1);
}

static void test_zone_corrupted(void **state)
{
    fixture *x = *state;
    nb_zone *z = &x->s->z, keep = *z;
    z->called = z->committed * 2 + 1e9;             /* more called than committed */
    assert_int_equal((nb_zone_sanity)(z), 0);
    *z = keep;
    z->deployed = z->called + 1e9;                  /* more deployed than called */
    assert_int_equal((nb_zone_sanity)(z), 0);
    *z = keep;
    z->wage = 0;
    assert_int_equal((nb_zone_sanity)(z), 0);
    *z = keep;
    z->fired[0] = -2;
    assert_int_equal((nb_zone_sanity)(z), 0);
    *z = keep;
    assert_int_equal((nb_zone_sanity)(z), 1);
}

static void test_month_corrupted(void **state)
{
    fixture *x = *state;
    nb_sim *s = x->s;
    nb_month keep_d = s->d;
    nb_tally keep_t = x->t;

    s->d.incub_share = 1.5;                         /* a share above 1 */
    assert_int_equal((nb_month_sanity)(s, 0, &x->fl, &x->t), 0);
    s->d = keep_d;
    s->d.h_firm = -0.1;                             /* a negative hazard */
    assert_int_equal((nb_month_sanity)(s, 0, &x->fl, &x->t), 0);
    s->d = keep_d;

    x->t.stage[NB_STARTUP]++;                       /* tally and firms disagree */
    assert_int_equal((nb_month_sanity)(s, 0, &x->fl, &x->t), 0);
    x->t = keep_t;
    x->t.v1e9 = x->t.v1e8 + 1;                      /* more >= 1e9 than >= 1e8 */
    assert_int_equal((nb_month_sanity)(s, 0, &x->fl, &x->t), 0);
    x->t = keep_t;

    x->fl.exits[NB_EX_FAILED] = -1;                 /* a negative flow */
    assert_int_equal((nb_month_sanity)(s, 0, &x->fl, &x->t), 0);
    x->fl.exits[NB_EX_FAILED] = 0;

    /* Against the month before: month 0 is kept, month 1 looks back. */
    assert_int_equal((nb_month_sanity)(s, 0, &x->fl, &x->t), 1);
    x->fl.loans = 1e6;                              /* lent, but outstanding did not move */
    assert_int_equal((nb_month_sanity)(s, 1, &x->fl, &x->t), 0);
    x->fl.loans = 0;

    assert_int_equal((nb_month_sanity)(s, 0, &x->fl, &x->t), 1);
    int i = live_firm(&s->f, NB_BACKBONE);
    uint8_t stage = s->f.stage[i];
    s->f.stage[i] = NB_STARTUP;                     /* a stage went down */
    tally(x);
    assert_int_equal((nb_month_sanity)(s, 1, &x->fl, &x->t), 0);
    s->f.stage[i] = stage;
    tally(x);

    assert_int_equal((nb_month_sanity)(s, 0, &x->fl, &x->t), 1);
    double deployed = s->z.deployed;
    s->z.deployed = deployed * 0.5 - 1e6;           /* deployed money fell */
    assert_int_equal((nb_month_sanity)(s, 1, &x->fl, &x->t), 0);
    s->z.deployed = deployed;

    assert_int_equal((nb_month_sanity)(s, 0, &x->fl, &x->t), 1);
    assert_int_equal((nb_month_sanity)(s, 1, &x->fl, &x->t), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_run_is_sane),
        cmocka_unit_test(test_firms_corrupted),
        cmocka_unit_test(test_zone_corrupted),
        cmocka_unit_test(test_month_corrupted),
    };
    return cmocka_run_group_tests_name("sanity", tests, setup, teardown);
}
