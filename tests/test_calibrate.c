/* test_calibrate.c -- calibration (calibrate/calibrate*.c): targets and calibration files
 * (good and broken: FILE:LINE:COL: key ...), the statistics, the distance, weighted
 * quantiles, ABC-SMC determinism across thread counts, resume after an interruption,
 * parameter recovery, and posterior draws for projections.
 *
 * Runs are tiny (300 firms, 13 months).  NB_RECOVERY_SEEDS=N runs the recovery check
 * over N seeds and prints the coverage of the 90% intervals (calibration/README.md).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../calibrate/calibrate.h"
#include "../io/checkpoint.h"
#include "../model/neobay.h"

static char dir[64];

static void put(const char *name, const char *text)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static const char *path_of(const char *name)
{
    static char p[4][256];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
    return p[k];
}

static const char base_yaml[] =
    "name: tiny\n"
    "run: {origin: 2022-01, start: 2023-02, end: 2024-02, replicates: 1, seed: 5}\n"
    "origin: {firms: 300}\n"
    "entry: {other_rate: 8, relocation_rate: 3}\n"
    "conversion: {prob: 0.02}\n";

static const char targets_yaml[] =
    "targets:\n"
    "  - id: firms_end\n"
    "    figure: synthetic\n"
    "    when: 2024-02\n"
    "    source: test\n"
    "    value: 420\n"
    "    sd: 10\n"
    "    uncertainty: test\n"
    "    statistic: {metric: firms, at: 2024-02}\n"
    "  - id: hightech_end\n"
    "    figure: synthetic\n"
    "    when: 2024-02\n"
    "    source: test\n"
    "    value: 80\n"
    "    range: [75, 85]\n"
    "    sd: 5\n"
    "    weight: 2\n"
    "    uncertainty: test\n"
    "    statistic: {metric: hightech, at: 2024-02}\n"
    "  - id: context\n"
    "    role: excluded\n"
    "    figure: a national count\n"
    "    when: '2023'\n"
    "    source: somewhere\n"
    "    note: not comparable\n";

static const char cal_yaml[] =
    "scenario: base.yaml\n"
    "targets: targets.yaml\n"
    "parameters:\n"
    "  entry.other_rate: {min: 0, max: 30}\n"
    "  hightech.rate: {min: 0.001, max: 0.05, log: true}\n"
    "  origin.firms: {min: 40, max: 60, nuisance: true}\n"
    "particles: 60\n"
    "generations: 3\n"
    "replicates: 1\n"
    "batch: 25\n"
    "seed: 7\n";

static int setup(void **state)
{
    snprintf(dir, sizeof dir, "/tmp/nbcaltest_XXXXXX");
    if (!mkdtemp(dir)) return -1;
    put("base.yaml", base_yaml);
    put("targets.yaml", targets_yaml);
    put("cal.yaml", cal_yaml);
    return 0;
}

static int teardown(void **state)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* ---- files -------------------------------------------------------------------------- */

static void test_targets_load(void **state)
{
    nb_targets *t;
    nb_err e;
    put("t1.yaml",
        "cohorts: {entrants: [2023-03, 2023-06], seeded: [2023-03, 2023-05]}\n"
        "targets:\n"
        "  - {id: a, figure: f, when: w, source: s, value: 1.6%, sd: 0.5%, uncertainty: u, statistic: {hazard: [1, 2]}}\n"
        "  - {id: b, figure: f, when: w, source: s, value: 3.1, range: [2.8, 3.4], sd: 0.5, uncertainty: u, statistic: {step_up: 1}}\n"
        "  - {id: c, figure: f, when: w, source: s, value: 2亿, sd: 1000万, uncertainty: u, weight: 0.5, statistic: {metric: revenue, at: 2024-01}}\n"
        "  - {id: d, figure: f, when: w, source: s, value: 0.46, sd: 0.08, uncertainty: u, statistic: {funnel_round: 2, follow: 6}}\n"
        "  - {id: e, role: input, figure: f, when: w, source: s, note: an initial condition}\n");
    assert_int_equal(nb_targets_load(path_of("t1.yaml"), &t, &e), NB_OK);
    assert_int_equal(t->n, 5);
    assert_int_equal(t->entrants[0], NB_MONTH(2023, 3));
    assert_int_equal(t->seeded[1], NB_MONTH(2023, 5));
    assert_true(fabs(t->t[0].value - 0.016) < 1e-15);
    assert_true(fabs(t->t[0].sd - 0.005) < 1e-15);
    assert_int_equal(t->t[0].stat.kind, NB_ST_HAZARD);
    assert_int_equal(t->t[0].stat.a, 1);
    assert_int_equal(t->t[0].stat.b, 2);
    assert_true(t->t[1].lo == 2.8 && t->t[1].hi == 3.4);
    assert_true(t->t[2].value == 2e8 && t->t[2].sd == 1e7 && t->t[2].weight == 0.5);
    assert_int_equal(t->t[2].stat.at, NB_MONTH(2024, 1));
    assert_int_equal(t->t[3].stat.follow, 6);
    assert_int_equal(t->t[4].role, NB_ROLE_INPUT);
    assert_string_equal(t->t[0].unit, "1/year");
    nb_targets_free(t);
}

typedef struct bad { const char *name, *text, *want; } bad;

static const char T_HEAD[] = "targets:\n";
#define TGT(extra) "  - id: x\n    figure: f\n    when: w\n    source: s\n    uncertainty: u\n" extra

/* Each broken targets file gives exit-2 style errors naming file:line:col and key. */
static void test_bad_targets(void **state)
{
    static const bad cases[] = {
        {"empty", "", "bad.yaml:1:1: the targets file is empty"},
        {"syntax", "targets: [\n", "bad.yaml:2:1: YAML syntax error"},
        {"no_targets", "cohorts: {}\n", "key 'targets': missing"},
        {"unknown_top", "target: []\n", "bad.yaml:1:1: key 'target': unknown key; did you mean 'targets'?"},
        {"no_value", "targets:\n" TGT("    sd: 1\n    statistic: {metric: firms, at: 2024-01}\n"), "bad.yaml:2:5: key 'targets[0].value': missing"},
        {"no_sd", "targets:\n" TGT("    value: 1\n    statistic: {metric: firms, at: 2024-01}\n"), "key 'targets[0].sd': missing"},
        {"sd_zero", "targets:\n" TGT("    value: 1\n    sd: 0\n    statistic: {metric: firms, at: 2024-01}\n"), "bad.yaml:8:9: key 'targets[0].sd': must be above 0"},
        {"bad_number", "targets:\n" TGT("    value: lots\n    sd: 1\n    statistic: {metric: firms, at: 2024-01}\n"), "bad.yaml:7:12: key 'targets[0].value': 'lots' is not a number"},
        {"unknown_metric", "targets:\n" TGT("    value: 1\n    sd: 1\n    statistic: {metric: firm, at: 2024-01}\n"), "key 'targets[0].statistic.metric': unknown metric 'firm'; did you mean 'firms'?"},
        {"no_at", "targets:\n" TGT("    value: 1\n    sd: 1\n    statistic: {metric: firms}\n"), "key 'targets[0].statistic.at': a metric statistic needs"},
        {"two_kinds", "targets:\n" TGT("    value: 1\n    sd: 1\n    statistic: {survival: 24, step_up: 1}\n"), "give one kind of statistic"},
        {"bad_key", "targets:\n" TGT("    value: 1\n    sd: 1\n    wieght: 2\n    statistic: {survival: 24}\n"), "bad.yaml:9:5: key 'targets[0].wieght': unknown key; did you mean 'weight'?"},
        {"bad_role", "targets:\n" TGT("    role: goal\n    value: 1\n    sd: 1\n    statistic: {survival: 24}\n"), "key 'targets[0].role': 'goal' is not target, input or excluded"},
        {"range_order", "targets:\n" TGT("    value: 1\n    range: [3, 2]\n    sd: 1\n    statistic: {survival: 24}\n"), "key 'targets[0].range': HIGH is below LOW"},
        {"dup_id", "targets:\n" TGT("    value: 1\n    sd: 1\n    statistic: {survival: 24}\n") TGT("    value: 1\n    sd: 1\n    statistic: {survival: 24}\n"), "key 'targets[1].id': 'x' is already the id of targets[0]"},
        {"no_fitted", "targets:\n" TGT("    role: excluded\n    note: n\n"), "no fitted target"},
        {"input_no_note", "targets:\n" TGT("    role: input\n"), "key 'targets[0].note': missing"},
        {"funnel_follow", "targets:\n" TGT("    value: 1\n    sd: 1\n    statistic: {funnel_round: 2}\n"), "funnel_round needs 'follow: MONTHS'"},
        {"window", "cohorts: {entrants: [2024-05, 2024-01]}\ntargets:\n" TGT("    value: 1\n    sd: 1\n    statistic: {survival: 24}\n"), "bad.yaml:1:22: key 'cohorts.entrants': the window ends before it starts"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        put("bad.yaml", cases[i].text);
        nb_targets *t = NULL;
        nb_err e = {""};
        int st = nb_targets_load(path_of("bad.yaml"), &t, &e);
        if (st != NB_EINVAL || !strstr(e.msg, cases[i].want) || !strstr(e.msg, "bad.yaml:"))
            fail_msg("case %s: status %d, message '%s', wanted '%s'", cases[i].name, st, e.msg, cases[i].want);
        assert_null(t);
    }
    (void)T_HEAD;
}

/* Broken calibration files. */
static void test_bad_calibration(void **state)
{
    static const bad cases[] = {
        {"no_params", "scenario: base.yaml\ntargets: targets.yaml\n", "badcal.yaml:1:1: key 'parameters': missing"},
        {"unknown_param", "scenario: base.yaml\ntargets: targets.yaml\nparameters:\n  entry.other_rat: {}\n", "badcal.yaml:4:3: key 'parameters.entry.other_rat': unknown parameter; did you mean 'entry.other_rate'?"},
        {"prior_out", "scenario: base.yaml\ntargets: targets.yaml\nparameters:\n  hightech.rate: {min: 0, max: 2}\n", "badcal.yaml:4:32: key 'parameters.hightech.rate.max': 2 is outside the registry range [0, 1]"},
        {"prior_empty", "scenario: base.yaml\ntargets: targets.yaml\nparameters:\n  hightech.rate: {min: 0.5, max: 0.1}\n", "key 'parameters.hightech.rate': the prior is empty"},
        {"log_zero", "scenario: base.yaml\ntargets: targets.yaml\nparameters:\n  hightech.rate: {min: 0, max: 0.1, log: true}\n", "a log prior needs min above 0"},
        {"run_param", "scenario: base.yaml\ntargets: targets.yaml\nparameters:\n  run.seed: {}\n", "key 'parameters.run.seed': a run setting cannot be calibrated"},
        {"bool_param", "scenario: base.yaml\ntargets: targets.yaml\nparameters:\n  policy.lists: {}\n", "a boolean parameter cannot be calibrated"},
        {"particles", "scenario: base.yaml\ntargets: targets.yaml\nparameters:\n  hightech.rate: {}\nparticles: 2\n", "badcal.yaml:5:12: key 'particles': '2' is not a whole number from 4 to 1000000"},
        {"quantile", "scenario: base.yaml\ntargets: targets.yaml\nparameters:\n  hightech.rate: {}\nquantile: 1\n", "key 'quantile': must lie strictly between 0 and 1"},
        {"no_scenario", "scenario: nowhere.yaml\ntargets: targets.yaml\nparameters:\n  hightech.rate: {}\n", "badcal.yaml:1:11: key 'scenario': "},
        {"bad_targets", "scenario: base.yaml\ntargets: missing.yaml\nparameters:\n  hightech.rate: {}\n", "badcal.yaml:2:10: key 'targets': "},
        {"unknown_key", "scenario: base.yaml\ntargets: targets.yaml\nparameters:\n  hightech.rate: {}\ngenerationz: 3\n", "badcal.yaml:5:1: key 'generationz': unknown key; did you mean 'generations'?"},
        {"stat_outside", "scenario: base.yaml\ntargets: late.yaml\nparameters:\n  hightech.rate: {}\n", "late.yaml:9:5: key 'targets[0].statistic': 2030-01 is outside the calibration run (2023-02 to 2024-02)"},
        {"follow_short", "scenario: base.yaml\ntargets: short.yaml\nparameters:\n  hightech.rate: {}\n", "short.yaml:10:5: key 'targets[0].statistic': needs 48 months of follow-up"},
    };
    put("late.yaml", "targets:\n" TGT("    value: 1\n    sd: 1\n    statistic: {metric: firms, at: 2030-01}\n"));
    put("short.yaml", "cohorts: {entrants: [2023-03, 2023-04]}\ntargets:\n" TGT("    value: 1\n    sd: 1\n    statistic: {survival: 48}\n"));
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        put("badcal.yaml", cases[i].text);
        nb_calib *c = NULL;
        nb_err e = {""};
        int st = nb_calib_load(path_of("badcal.yaml"), &c, &e);
        if ((st != NB_EINVAL && st != NB_EIO) || !strstr(e.msg, cases[i].want))
            fail_msg("case %s: status %d, message '%s', wanted '%s'", cases[i].name, st, e.msg, cases[i].want);
        assert_null(c);
    }
}

/* ---- numbers ------------------------------------------------------------------------ */

static void test_wquantile(void **state)
{
    double x[] = {5, 1, 3, NAN, 2, 4}, w[] = {1, 1, 1, 1, 1, 1};
    assert_true(nb_wquantile(x, w, 6, 0.5) == 3);
    assert_true(nb_wquantile(x, w, 6, 0.0) == 1);
    assert_true(nb_wquantile(x, w, 6, 1.0) == 5);
    double w2[] = {0, 0, 0, 1, 10, 0};                  /* all the weight on x = 2 */
    assert_true(nb_wquantile(x, w2, 6, 0.05) == 2 && nb_wquantile(x, w2, 6, 0.95) == 2);
    double y[] = {1, 2}, wy[] = {1, 1};
    assert_true(nb_wquantile(y, wy, 2, 0.5) == 1.5);   /* reached exactly: the mean */
    assert_true(isnan(nb_wquantile(y, wy, 0, 0.5)));
}

static nb_calib *load_cal(const char *name)
{
    nb_calib *c = NULL;
    nb_err e;
    if (nb_calib_load(path_of(name), &c, &e) != NB_OK) fail_msg("%s", e.msg);
    return c;
}

static void test_distance(void **state)
{
    nb_calib *c = load_cal("cal.yaml");
    assert_int_equal(c->n_fit, 2);                      /* the excluded figure is not fitted */
    double s[4] = {420, 80, 440, 90};                   /* two replicates x two targets */
    /* means 430 and 85: gaps (430-420)/10 = 1 and 0 (inside [75, 85]) */
    assert_true(fabs(nb_cal_distance(c, s, 2) - 1.0) < 1e-12);
    double s2[2] = {410, 95};                           /* gaps 1 and 2, weight 2: sqrt(1 + 8) */
    assert_true(fabs(nb_cal_distance(c, s2, 1) - 3.0) < 1e-12);
    double s3[2] = {NAN, 80};                           /* no value: NB_CAL_MISSING_GAP */
    assert_true(fabs(nb_cal_distance(c, s3, 1) - NB_CAL_MISSING_GAP) < 1e-12);
    nb_calib_free(c);
}

/* The per-candidate function is pure: same inputs, same statistics, any workspace. */
static void test_simulate_pure(void **state)
{
    nb_calib *c = load_cal("cal.yaml");
    nb_cal_ws *w1 = nb_cal_ws_alloc(c), *w2 = nb_cal_ws_alloc(c);
    double th[3] = {12, 0.02, 50}, a[6], b[6], one[2];
    assert_int_equal(nb_cal_simulate(c, th, 99, 3, w1, a, NULL), NB_OK);
    double other[3] = {3, 0.004, 41}, junk[6];
    assert_int_equal(nb_cal_simulate(c, other, 5, 3, w2, junk, NULL), NB_OK);
    assert_int_equal(nb_cal_simulate(c, th, 99, 3, w2, b, NULL), NB_OK);
    assert_memory_equal(a, b, sizeof a);
    assert_int_equal(nb_cal_simulate_rep(c, th, 99, 2, w1, one, NULL), NB_OK);
    assert_memory_equal(one, &a[4], sizeof one);
    /* A theta the registry refuses (origin.firms above its maximum) is out of support. */
    double badth[3] = {12, 0.02, 20000};
    assert_int_equal(nb_cal_simulate(c, badth, 99, 1, w1, a, NULL), NB_EINVAL);
    nb_cal_ws_free(w1);
    nb_cal_ws_free(w2);
    nb_calib_free(c);
}

/* Micro-data statistics: with no exits at all, hazards are 0 and survival 1; with no
 * rounds, the funnel has no cohort (NaN); shares lie in [0, 1]. */
static void test_micro_statistics(void **state)
{
    put("micro_base.yaml",
        "name: micro\n"
        "run: {origin: 2022-01, start: 2023-02, end: 2025-06, replicates: 1, seed: 3}\n"
        "origin: {firms: 400}\n"
        "entry: {other_rate: 20, relocation_rate: 5}\n"
        "exit: {project_abandon: 0, belief_cutoff: -5, grace_months: 60, honeymoon: 0}\n");   /* only the fitted exits */
    put("micro_targets.yaml",
        "cohorts: {entrants: [2023-03, 2023-06], seeded: [2023-03, 2023-08]}\n"
        "targets:\n"
        "  - {id: h1, figure: f, when: w, source: s, value: 0.016, sd: 0.01, uncertainty: u, statistic: {hazard: 1}}\n"
        "  - {id: s2, figure: f, when: w, source: s, value: 0.66, sd: 0.1, uncertainty: u, statistic: {survival: 24}}\n"
        "  - {id: f2, figure: f, when: w, source: s, value: 0.46, sd: 0.1, uncertainty: u, statistic: {funnel_round: 2, follow: 18}}\n"
        "  - {id: fx, figure: f, when: w, source: s, value: 0.22, sd: 0.1, uncertainty: u, statistic: {funnel_exit: 18}}\n"
        "  - {id: su, figure: f, when: w, source: s, value: 3, sd: 0.5, uncertainty: u, statistic: {step_up: 1}}\n"
        "  - {id: ag, figure: f, when: w, source: s, value: 1.5, sd: 1, uncertainty: u, statistic: {round_age: 1}}\n"
        "  - {id: ip, figure: f, when: w, source: s, value: 0.05, sd: 0.03, uncertainty: u, statistic: {unicorn_ipo_rate: true}}\n");
    put("micro.yaml",
        "scenario: micro_base.yaml\ntargets: micro_targets.yaml\n"
        "parameters:\n"
        "  exit.background: {min: 0, max: 0.5}\n"
        "  exit.acquire_rate: {min: 0, max: 0.5}\n"
        "  space.move_rate: {min: 0, max: 0.5}\n"
        "  funding.round_rate: {min: 0, max: 0.5}\n"
        "  support.acquire_rate: {min: 0, max: 0.001}\n");
    nb_calib *c = load_cal("micro.yaml");
    nb_cal_ws *w = nb_cal_ws_alloc(c);
    double st[7];
    double none[5] = {0, 0, 0, 0.05, 0};                /* no exits; rounds on */
    assert_int_equal(nb_cal_simulate(c, none, 1, 1, w, st, NULL), NB_OK);
    assert_true(st[0] == 0.0);                          /* hazard in year 1 */
    assert_true(st[1] == 1.0);                          /* survival to 24 months */
    assert_true(st[2] > 0 && st[2] <= 1);               /* funnel: some raise a 2nd round */
    assert_true(st[3] >= 0 && st[3] <= 1);
    assert_true(st[4] > 1);                             /* a step-up */
    assert_true(st[5] > 0 && st[5] < 25);               /* years */
    double lots[5] = {0.3, 0.3, 0, 0, 0};               /* exits on; no rounds */
    assert_int_equal(nb_cal_simulate(c, lots, 1, 1, w, st, NULL), NB_OK);
    assert_true(st[0] > 0.1 && st[0] < 0.6);            /* about 30% a year */
    assert_true(st[1] < 0.85);                          /* projects face no firm hazard until they incorporate (mean 11 months) */
    assert_true(isnan(st[2]) && isnan(st[3]) && isnan(st[4]) && isnan(st[5]));
    nb_cal_ws_free(w);
    nb_calib_free(c);
}

/* ---- ABC-SMC --------------------------------------------------------------------------- */

static nb_abc_result *abc(const nb_calib *c, int threads, const char *journal, long stop_after)
{
    nb_abc_opts o = {threads, journal, 0, 1, NULL, stop_after};
    nb_abc_result *r = NULL;
    nb_err e;
    if (nb_abc_run(c, &o, &r, &e) != NB_OK) fail_msg("%s", e.msg);
    return r;
}

static void assert_same_posterior(const nb_abc_result *a, const nb_abc_result *b)
{
    assert_int_equal(a->n_gen, b->n_gen);
    size_t n = (size_t)a->n_gen * a->N;
    assert_memory_equal(a->theta, b->theta, n * a->n_par * sizeof(double));
    assert_memory_equal(a->w, b->w, n * sizeof(double));
    assert_memory_equal(a->dist, b->dist, n * sizeof(double));
    assert_memory_equal(a->pred, b->pred, (size_t)a->N * a->pp_rep * a->n_fit * sizeof(double));
    for (int t = 0; t < a->n_gen; t++) {
        assert_true(a->gen[t].tolerance == b->gen[t].tolerance);
        assert_int_equal(a->gen[t].candidates, b->gen[t].candidates);
    }
}

static void test_abc_threads(void **state)
{
    nb_calib *c = load_cal("cal.yaml");
    nb_abc_result *a = abc(c, 1, NULL, 0), *b = abc(c, 2, NULL, 0), *d = abc(c, 3, NULL, 0);
    assert_int_equal(a->n_gen, 3);
    assert_same_posterior(a, b);
    assert_same_posterior(a, d);
    /* Tolerances fall; weights are normalised; particles lie in the priors. */
    assert_true(a->gen[2].tolerance < a->gen[1].tolerance);
    double sw = 0;
    for (int i = 0; i < a->N; i++) sw += a->w[2 * a->N + i];
    assert_true(fabs(sw - 1) < 1e-9);
    for (int i = 0; i < a->N; i++) {
        const double *th = &a->theta[((size_t)2 * a->N + i) * 3];
        assert_true(th[0] >= 0 && th[0] <= 30 && th[1] >= 0.001 && th[1] <= 0.05);
        assert_true(a->dist[2 * a->N + i] <= a->gen[2].tolerance);
    }
    nb_abc_result_free(a);
    nb_abc_result_free(b);
    nb_abc_result_free(d);
    nb_calib_free(c);
}

/* Stopped part way (as a kill would), then resumed: the same posterior. */
static void test_abc_resume(void **state)
{
    nb_calib *c = load_cal("cal.yaml");
    nb_abc_result *full = abc(c, 2, NULL, 0);
    const char *j = path_of("run.ckpt");
    long stops[] = {1, 37, 90, 200};
    for (size_t s = 0; s < sizeof stops / sizeof stops[0]; s++) {
        unlink(j);
        nb_abc_result *part = abc(c, 2, j, stops[s]);
        assert_int_equal(part->stopped, 1);
        nb_abc_result_free(part);
        nb_abc_result *again = abc(c, 1, j, 0);
        assert_int_equal(again->stopped, 0);
        assert_true(again->journal_restored >= stops[s]);
        assert_same_posterior(full, again);
        nb_abc_result_free(again);
    }
    /* A journal of another calibration is refused. */
    put("cal2.yaml", "scenario: base.yaml\ntargets: targets.yaml\nparameters:\n  entry.other_rate: {min: 0, max: 30}\nparticles: 60\nseed: 8\n");
    nb_calib *c2 = load_cal("cal2.yaml");
    nb_abc_opts o = {1, j, 0, 1, NULL, 0};
    nb_abc_result *r = NULL;
    nb_err e;
    assert_int_equal(nb_abc_run(c2, &o, &r, &e), NB_EINVAL);
    assert_non_null(strstr(e.msg, "checkpoint of a different run"));
    nb_calib_free(c2);
    unlink(j);
    nb_abc_result_free(full);
    nb_calib_free(c);
}

/* Change journal j in place: flip bit `bit` of byte off, or zero n bytes from off
 * (bit < 0); or, with off < 0, cut it to n bytes. */
static void damage(const char *j, long off, int bit, long n)
{
    if (off < 0) { assert_int_equal(truncate(j, n), 0); return; }
    FILE *f = fopen(j, "r+b");
    assert_non_null(f);
    assert_int_equal(fseek(f, off, SEEK_SET), 0);
    if (bit >= 0) {
        int ch = fgetc(f);
        assert_int_equal(fseek(f, off, SEEK_SET), 0);
        fputc(ch ^ (1 << bit), f);
    } else {
        for (long i = 0; i < n; i++) fputc(0, f);
    }
    fclose(f);
}

/* Copy file a to b. */
static void copy_file(const char *a, const char *b)
{
    FILE *in = fopen(a, "rb"), *out = fopen(b, "wb");
    assert_true(in && out);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0) assert_int_equal(fwrite(buf, 1, n, out), n);
    fclose(in);
    fclose(out);
}

/* Issue 14: a bit flip or zeroed block inside a calibration journal gave a different
 * posterior with exit 0 (a dropped accepted candidate of a finished batch counts as
 * rejected).  Now damage before the tail is refused; damage at the tail is cut and
 * redone, giving the same posterior. */
static void test_abc_damaged_journal(void **state)
{
    nb_calib *c = load_cal("cal.yaml");
    nb_abc_result *full = abc(c, 2, NULL, 0);
    char keep[4096];
    snprintf(keep, sizeof keep, "%s", path_of("keep.ckpt"));
    const char *j = path_of("dmg.ckpt");
    enum { RECS = 120, HDR = 16 };
    unlink(keep);
    nb_abc_result *part = abc(c, 1, keep, RECS);           /* one thread: exactly RECS */
    nb_abc_result_free(part);
    struct stat st;
    assert_int_equal(stat(keep, &st), 0);
    long L = (long)(st.st_size - HDR) / RECS;
    assert_int_equal((long)st.st_size, HDR + L * RECS);
    struct { long off; int bit; long n; int refused; } cases[] = {
        {HDR + 60 * L + 7, 3, 0, 1},             /* a bit flip in a middle record's payload */
        {HDR + 2 * L, 0, 0, 1},                  /* in a record number */
        {HDR + 30 * L - 100, -1, 4096, 1},       /* a zeroed 4 KiB block */
        {HDR + (RECS - 1) * L + 9, 5, 0, 0},     /* the last record: a torn tail, redone */
        {HDR + (RECS - 3) * L, -1, 3 * L, 0},    /* the last three zeroed */
        {-1, 0, HDR + 50 * L + L / 2, 0},        /* cut in mid-record */
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        copy_file(keep, j);
        damage(j, cases[k].off, cases[k].bit, cases[k].n);
        nb_abc_opts o = {1, j, 0, 1, NULL, 0};
        nb_abc_result *r = NULL;
        nb_err e;
        int rc = nb_abc_run(c, &o, &r, &e);
        if (cases[k].refused) {
            assert_int_equal(rc, NB_EINVAL);
            assert_non_null(strstr(e.msg, "is damaged (checksum mismatch)"));
            assert_non_null(strstr(e.msg, "dmg.ckpt: record "));
            assert_null(r);
        } else {
            assert_int_equal(rc, NB_OK);
            assert_same_posterior(full, r);
            nb_abc_result_free(r);
        }
        unlink(j);
    }
    unlink(keep);
    nb_abc_result_free(full);
    nb_calib_free(c);
}

/* ---- parameter recovery ----------------------------------------------------------------- */

/* The four statistics of the recovery and SBC set-ups (tiny zone). */
enum { REC_F = 4, REC_NR = 20 };
static const char *const rec_stat[REC_F] = {"{metric: firms, at: 2024-02}", "{metric: projects, at: 2024-02}",
                                            "{metric: hightech, at: 2024-02}", "{metric: hightech, at: 2023-08}"};

/* The s.d. of each statistic of c over REC_NR replicates at theta (seed `seed`), at
 * least 1: the stochastic scale of a synthetic target. */
static void rec_sds(const nb_calib *c, const double *theta, uint32_t seed, double sd[REC_F])
{
    nb_cal_ws *w = nb_cal_ws_alloc(c);
    double many[REC_NR * REC_F];
    assert_int_equal(nb_cal_simulate(c, theta, seed, REC_NR, w, many, NULL), NB_OK);
    for (int i = 0; i < REC_F; i++) {
        double m = 0, v = 0;
        for (int r = 0; r < REC_NR; r++) m += many[r * REC_F + i] / REC_NR;
        for (int r = 0; r < REC_NR; r++) v += (many[r * REC_F + i] - m) * (many[r * REC_F + i] - m) / (REC_NR - 1);
        sd[i] = sqrt(v) > 1 ? sqrt(v) : 1;
    }
    nb_cal_ws_free(w);
}

/* Write targets file `name` with the four statistics, observed values obs (NULL: 1)
 * and scales sd. */
static void rec_targets(const char *name, const double *obs, const double *sd)
{
    char text[2048];
    size_t len = (size_t)snprintf(text, sizeof text, "targets:\n");
    for (int i = 0; i < REC_F; i++)
        len += (size_t)snprintf(text + len, sizeof text - len,
                                "  - {id: t%d, figure: x, when: w, source: s, value: %.17g, sd: %.17g, uncertainty: u, statistic: %s}\n",
                                i, obs ? obs[i] : 1.0, sd[i], rec_stat[i]);
    put(name, text);
}

/* Synthetic data at known values: one replicate (seed `seed`) of the tiny scenario at
 * entry.other_rate = 12, hightech.rate = 0.02, stochastic sds from 20 other replicates;
 * calibrate; count the true values inside their 90% posterior intervals. */
static int recovery(uint32_t seed, int verbose)
{
    static const double truth[2] = {12, 0.02};
    put("rec.yaml",
        "scenario: base.yaml\ntargets: rec_t0.yaml\n"
        "parameters:\n"
        "  entry.other_rate: {min: 0, max: 30}\n"
        "  hightech.rate: {min: 0.002, max: 0.08, log: true}\n");
    put("rec_t0.yaml",
        "targets:\n"
        "  - {id: f, figure: x, when: w, source: s, value: 1, sd: 1, uncertainty: u, statistic: {metric: firms, at: 2024-02}}\n"
        "  - {id: p, figure: x, when: w, source: s, value: 1, sd: 1, uncertainty: u, statistic: {metric: projects, at: 2024-02}}\n"
        "  - {id: h, figure: x, when: w, source: s, value: 1, sd: 1, uncertainty: u, statistic: {metric: hightech, at: 2024-02}}\n"
        "  - {id: m, figure: x, when: w, source: s, value: 1, sd: 1, uncertainty: u, statistic: {metric: hightech, at: 2023-08}}\n");
    nb_calib *c0 = load_cal("rec.yaml");
    nb_cal_ws *w = nb_cal_ws_alloc(c0);
    double obs[REC_F], sd[REC_F];
    assert_int_equal(nb_cal_simulate_rep(c0, truth, seed, 0, w, obs, NULL), NB_OK);
    nb_cal_ws_free(w);
    rec_sds(c0, truth, seed ^ 0x5bd1e995u, sd);
    nb_calib_free(c0);
    rec_targets("rec_t.yaml", obs, sd);
    char cal[512];
    snprintf(cal, sizeof cal,
             "scenario: base.yaml\ntargets: rec_t.yaml\n"
             "parameters:\n"
             "  entry.other_rate: {min: 0, max: 30}\n"
             "  hightech.rate: {min: 0.002, max: 0.08, log: true}\n"
             "particles: 200\ngenerations: 5\nreplicates: 1\nquantile: 0.5\nseed: %u\n", seed);
    put("rec.yaml", cal);
    nb_calib *c = load_cal("rec.yaml");
    nb_abc_result *r = abc(c, 0, NULL, 0);
    int inside = 0, last = r->n_gen - 1, N = r->N;
    for (int k = 0; k < 2; k++) {
        double x[400];
        for (int i = 0; i < N; i++) x[i] = r->theta[((size_t)last * N + i) * 2 + k];
        double lo = nb_wquantile(x, &r->w[(size_t)last * N], N, 0.05);
        double hi = nb_wquantile(x, &r->w[(size_t)last * N], N, 0.95);
        inside += truth[k] >= lo && truth[k] <= hi;
        if (verbose)
            printf("  seed %u: %s true %g, 90%% interval [%.4g, %.4g]%s\n", seed,
                   nb_registry[c->par[k].id].name, truth[k], lo, hi,
                   truth[k] >= lo && truth[k] <= hi ? "" : "  MISSED");
    }
    nb_abc_result_free(r);
    nb_calib_free(c);
    return inside;
}

static void test_recovery(void **state)
{
    const char *env = getenv("NB_RECOVERY_SEEDS");
    int n = env ? atoi(env) : 0;
    if (n > 0) {
        int in = 0;
        for (int s = 1; s <= n; s++) in += recovery((uint32_t)s, 1);
        printf("recovery coverage: %d of %d true values inside their 90%% posterior intervals (%.0f%%)\n",
               in, 2 * n, 100.0 * in / (2 * n));
    }
    assert_int_equal(recovery(2024, 0), 2);
}

/* ---- simulation-based calibration --------------------------------------------------------- */

/* The recovery set-up (tiny zone, two parameters, four statistics) with its sds fixed
 * at the prior's centre (part of the likelihood approximation, not of a truth). */
static void sbc_files(void)
{
    static const double centre[2] = {15, 0.0126};   /* uniform centre; geometric centre of the log prior */
    put("sbc.yaml",
        "scenario: base.yaml\ntargets: sbc_t0.yaml\n"
        "parameters:\n"
        "  entry.other_rate: {min: 0, max: 30}\n"
        "  hightech.rate: {min: 0.002, max: 0.08, log: true}\n");
    put("sbc_t0.yaml",
        "targets:\n"
        "  - {id: f, figure: x, when: w, source: s, value: 1, sd: 1, uncertainty: u, statistic: {metric: firms, at: 2024-02}}\n"
        "  - {id: p, figure: x, when: w, source: s, value: 1, sd: 1, uncertainty: u, statistic: {metric: projects, at: 2024-02}}\n"
        "  - {id: h, figure: x, when: w, source: s, value: 1, sd: 1, uncertainty: u, statistic: {metric: hightech, at: 2024-02}}\n"
        "  - {id: m, figure: x, when: w, source: s, value: 1, sd: 1, uncertainty: u, statistic: {metric: hightech, at: 2023-08}}\n");
    nb_calib *c0 = load_cal("sbc.yaml");
    double sd[REC_F];
    rec_sds(c0, centre, 77, sd);
    nb_calib_free(c0);
    rec_targets("sbc_t.yaml", NULL, sd);
    put("sbc.yaml",
        "scenario: base.yaml\ntargets: sbc_t.yaml\n"
        "parameters:\n"
        "  entry.other_rate: {min: 0, max: 30}\n"
        "  hightech.rate: {min: 0.002, max: 0.08, log: true}\n"
        "particles: 120\ngenerations: 4\nreplicates: 1\nquantile: 0.5\nseed: 31\n");
}

/* A reduced SBC (issue 11): 8 truths placed off the prior's centre (at its 10-30% and
 * 70-90% points, in the prior's coordinates; the two parameters in opposite order),
 * one synthetic history each, calibrated with the file's ABC-SMC.  A calibrated
 * posterior covers each truth with probability 0.9: at least 6 of 8 for each parameter
 * fails with probability 0.038 (binomial) when the sampler is right, so the bound
 * tests calibration, not luck.  Also: every rank lies in [0, 1], the file writes, and
 * the first two truths on 2 threads give the same ranks as on 1. */
static void test_sbc(void **state)
{
    (void)state;
    sbc_files();
    nb_calib *c = load_cal("sbc.yaml");
    static const double u[8] = {0.1, 0.9, 0.2, 0.8, 0.15, 0.85, 0.3, 0.7};
    double truths[16];
    for (int t = 0; t < 8; t++) {
        truths[2 * t] = 30 * u[t];
        truths[2 * t + 1] = exp(log(0.002) + u[7 - t] * (log(0.08) - log(0.002)));
    }
    nb_sbc_opts o = {8, truths, 11, 0, 0, NULL, {1, NULL, 0, 1, NULL, 0}};
    nb_sbc_result *r = NULL;
    nb_err e;
    if (nb_sbc_run(c, &o, &r, &e) != NB_OK) fail_msg("%s", e.msg);
    assert_int_equal(r->n_ok, 8);
    int cov[2] = {0, 0};
    for (int t = 0; t < 8; t++)
        for (int k = 0; k < 2; k++) {
            double rk = r->rank[t * 2 + k];
            assert_true(rk >= 0 && rk <= 1);
            cov[k] += r->covered[t * 2 + k];
            printf("  sbc truth %d %s = %.4g: rank %.3f, width ratio %.2f%s\n", t,
                   nb_registry[c->par[k].id].name, truths[2 * t + k], rk, r->width[t * 2 + k],
                   r->covered[t * 2 + k] ? "" : "  NOT COVERED");
        }
    printf("  sbc coverage: entry.other_rate %d/8, hightech.rate %d/8\n", cov[0], cov[1]);
    assert_true(cov[0] >= 6);
    assert_true(cov[1] >= 6);
    assert_float_equal(r->coverage[0], cov[0] / 8.0, 1e-12);
    assert_int_equal(nb_sbc_write(path_of("sbc.h5"), c, &o, r, &e), NB_OK);
    struct stat sb;
    assert_int_equal(stat(path_of("sbc.h5"), &sb), 0);
    nb_sbc_opts o2 = o;
    o2.n_truth = 2;
    o2.abc.threads = 2;
    nb_sbc_result *r2 = NULL;
    assert_int_equal(nb_sbc_run(c, &o2, &r2, &e), NB_OK);
    assert_memory_equal(r2->rank, r->rank, 4 * sizeof(double));
    nb_sbc_result_free(r2);
    nb_sbc_result_free(r);
    nb_calib_free(c);
}

/* ---- posterior file and draws ----------------------------------------------------------- */

static void test_posterior_draws(void **state)
{
    nb_calib *c = load_cal("cal.yaml");
    nb_abc_result *r = abc(c, 2, NULL, 0);
    const char *post = path_of("post.h5");
    nb_err e;
    assert_int_equal(nb_posterior_write(post, c, r, &e), NB_OK);
    nb_posterior *p;
    assert_int_equal(nb_posterior_read(post, &p, &e), NB_OK);
    assert_int_equal(p->N, 60);
    assert_int_equal(p->n_par, 3);
    assert_int_equal(p->n_fit, 2);
    assert_memory_equal(p->theta, &r->theta[(size_t)2 * 60 * 3], 60 * 3 * sizeof(double));
    assert_true(p->nuisance[2] && !p->nuisance[0]);
    nb_posterior_free(p);

    /* Draws: nuisance not drawn; reproducible; replicate r's draw does not depend on the
     * number of replicates; a parameter the scenario sets keeps the scenario's value. */
    nb_scenario *sc;
    assert_int_equal(nb_scenario_load(path_of("base.yaml"), &sc, &e), NB_OK);
    nb_post_draws *d1, *d2;
    assert_int_equal(nb_post_draws_make(post, sc, 50, &d1, NULL, &e), NB_OK);
    assert_int_equal(nb_post_draws_make(post, sc, 20, &d2, NULL, &e), NB_OK);
    assert_int_equal(d1->n_use, 1);                   /* entry.other_rate is set by base.yaml */
    assert_string_equal(d1->post->name[d1->use[0]], "hightech.rate");
    assert_memory_equal(d1->particle, d2->particle, 20 * sizeof(int));
    int distinct = 0;
    for (int i = 1; i < 50; i++) distinct += d1->particle[i] != d1->particle[0];
    assert_true(distinct > 0);
    for (int i = 0; i < 50; i++)
        assert_true(d1->value[i] == r->theta[((size_t)2 * 60 + d1->particle[i]) * 3 + 1]);
    /* The posterior ensemble: bit-identical for any thread count, and replicate i equals a
     * plain run of the scenario with its drawn value. */
    int n_time = nb_paramset_months(&sc->ps), start = nb_paramset_start(&sc->ps);
    nb_results *a = nb_results_alloc(20, n_time, start), *b = nb_results_alloc(20, n_time, start);
    nb_ensemble_opts o1 = {1, NULL, NULL, NULL}, o2 = {2, NULL, NULL, NULL};
    assert_int_equal(nb_post_ensemble_run(d2, a, &o1, NULL), NB_OK);
    assert_int_equal(nb_post_ensemble_run(d2, b, &o2, NULL), NB_OK);
    assert_memory_equal(a->series, b->series, (size_t)NB_NMETRICS * 20 * n_time * sizeof(double));
    nb_paramset_set_const(&sc->ps, NB_P_hightech_rate, d2->value[7]);
    nb_model *m = nb_model_alloc(&sc->ps);
    nb_sim *s = nb_sim_alloc();
    assert_int_equal(nb_sim_run(m, s, 7, b), NB_OK);
    for (int k = 0; k < NB_NMETRICS; k++)
        assert_memory_equal(nb_results_row(a, k, 7), nb_results_row(b, k, 7), n_time * sizeof(double));
    nb_sim_free(s);
    nb_model_free(m);
    nb_results_free(a);
    nb_results_free(b);
    nb_post_draws_free(d1);
    nb_post_draws_free(d2);
    nb_scenario_free(sc);
    /* Not a posterior file. */
    put("notpost.h5", "hello");
    assert_int_equal(nb_posterior_read(path_of("notpost.h5"), &p, &e), NB_EINVAL);
    assert_non_null(strstr(e.msg, "notpost.h5: cannot read the posterior file"));
    nb_abc_result_free(r);
    nb_calib_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_targets_load),
        cmocka_unit_test(test_bad_targets),
        cmocka_unit_test(test_bad_calibration),
        cmocka_unit_test(test_wquantile),
        cmocka_unit_test(test_distance),
        cmocka_unit_test(test_simulate_pure),
        cmocka_unit_test(test_micro_statistics),
        cmocka_unit_test(test_abc_threads),
        cmocka_unit_test(test_abc_resume),
        cmocka_unit_test(test_abc_damaged_journal),
        cmocka_unit_test(test_recovery),
        cmocka_unit_test(test_sbc),
        cmocka_unit_test(test_posterior_draws),
    };
    return cmocka_run_group_tests_name("calibrate", tests, setup, teardown);
}
