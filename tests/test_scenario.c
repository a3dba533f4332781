/* test_scenario.c -- scenario files: value parsing, keys (nested and dotted), extends,
 * schedules, --set, validation, the resolved YAML and its round trip, and every broken
 * scenario of tests/bad/ (so the error paths also run under the sanitizers).
 *
 * Files are read from $NB_ROOT (the repository root; "." when unset).  Scenarios a
 * test writes itself go to a fresh directory under /tmp, removed afterwards. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../model/neobay.h"
#include "../app/scenario.h"

/* ---- helpers --------------------------------------------------------------------- */

static const char *root(void)
{
    const char *r = getenv("NB_ROOT");
    return r && *r ? r : ".";
}

/* root()/rel into buf. */
static const char *at_root(char *buf, size_t n, const char *rel)
{
    snprintf(buf, n, "%s/%s", root(), rel);
    return buf;
}

/* Load root()/rel, which must succeed. */
static nb_scenario *load_ok(const char *rel)
{
    char path[4096];
    nb_scenario *sc = NULL;
    nb_err e = {{0}};
    int rc = nb_scenario_load(at_root(path, sizeof path, rel), &sc, &e);
    if (rc != NB_OK) fail_msg("%s: %s", rel, e.msg);
    assert_non_null(sc);
    return sc;
}

/* A scratch directory for scenarios written by a test. */
typedef struct scratch {
    char dir[64];
    char names[40][64];
    int n;
} scratch;

static void scratch_open(scratch *s)
{
    memset(s, 0, sizeof *s);
    strcpy(s->dir, "/tmp/nb_test_scenario.XXXXXX");
    assert_non_null(mkdtemp(s->dir));
}

/* Write text to DIR/name; the full path goes to buf. */
static const char *scratch_write(scratch *s, const char *name, const char *text, char *buf, size_t n)
{
    snprintf(buf, n, "%s/%s", s->dir, name);
    FILE *f = fopen(buf, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_true(s->n < 40);
    snprintf(s->names[s->n++], sizeof s->names[0], "%s", name);
    return buf;
}

static void scratch_close(scratch *s)
{
    char path[256];
    for (int i = 0; i < s->n; i++) {
        snprintf(path, sizeof path, "%s/%s", s->dir, s->names[i]);
        unlink(path);
    }
    rmdir(s->dir);
}

/* Load YAML text as a scratch file: the status; the message in e, the scenario
 * (if any) in *out (freed by the caller), the file's path in path. */
static int load_text(const char *text, nb_scenario **out, nb_err *e, char *path, size_t n)
{
    scratch s;
    scratch_open(&s);
    scratch_write(&s, "t.yaml", text, path, n);
    int rc = nb_scenario_load(path, out, e);
    scratch_close(&s);
    return rc;
}

/* Load text (and validate): must fail with a message starting "<file>:<where>" and
 * containing `want`. */
static void expect_error(const char *text, const char *where, const char *want)
{
    char path[256], prefix[512];
    nb_scenario *sc = NULL;
    nb_err e = {{0}};
    int rc = load_text(text, &sc, &e, path, sizeof path);
    if (rc == NB_OK) {
        rc = nb_scenario_validate(sc, &e);
        nb_scenario_free(sc);
    } else {
        assert_null(sc);
    }
    if (rc == NB_OK) fail_msg("accepted: %s", text);
    snprintf(prefix, sizeof prefix, "%s:%s", path, where);
    if (strncmp(e.msg, prefix, strlen(prefix)) != 0 || !strstr(e.msg, want))
        fail_msg("for %s\n  got:  %s\n  want: %s ... %s", text, e.msg, prefix, want);
}

static double at(const nb_scenario *sc, int id, int y, int m)
{
    return nb_paramset_at(&sc->ps, id, NB_MONTH(y, m));
}

/* ---- values ---------------------------------------------------------------------- */

static void check_value(nb_ptype t, const char *text, double want)
{
    double v = -12345;
    const char *why = NULL;
    if (nb_value_parse(t, text, &v, &why) != NB_OK) fail_msg("'%s' refused: %s", text, why);
    if (v != want) fail_msg("'%s' gave %.17g, not %.17g", text, v, want);
}

static void check_refused(nb_ptype t, const char *text, const char *why_part)
{
    double v = -12345;
    const char *why = NULL;
    if (nb_value_parse(t, text, &v, &why) == NB_OK) fail_msg("'%s' accepted as %.17g", text, v);
    assert_non_null(why);
    if (!strstr(why, why_part)) fail_msg("'%s': reason '%s' lacks '%s'", text, why, why_part);
    assert_true(v == -12345);                  /* *v untouched on failure */
}

static void test_money(void **state)
{
    check_value(NB_T_MONEY, "2亿", 2e8);
    check_value(NB_T_MONEY, "1.5亿", 1.5e8);
    check_value(NB_T_MONEY, "1.1亿", 110000000);      /* exact, not 1.1 * 1e8 */
    check_value(NB_T_MONEY, "5000万", 5e7);
    check_value(NB_T_MONEY, "5000 万", 5e7);
    check_value(NB_T_MONEY, "0.3万", 3000);
    check_value(NB_T_MONEY, "1万亿", 1e12);
    check_value(NB_T_MONEY, "2e3万", 2e7);
    check_value(NB_T_MONEY, "1.5e8", 1.5e8);
    check_value(NB_T_MONEY, "0", 0);
    check_value(NB_T_MONEY, " 300 ", 300);
    check_value(NB_T_MONEY, "-2亿", -2e8);            /* the range is the registry's */
    check_refused(NB_T_MONEY, "2兆", "unknown unit");
    check_refused(NB_T_MONEY, "2 元", "unknown unit");
    check_refused(NB_T_MONEY, "亿", "not a number");
    check_refused(NB_T_MONEY, "two亿", "not a number");
    check_refused(NB_T_MONEY, "", "empty");
    check_refused(NB_T_MONEY, ".inf", "not a finite number");
    check_refused(NB_T_MONEY, "1e400", "not a finite number");
    check_refused(NB_T_MONEY, "1,000", "unknown unit");
}

static void test_numbers(void **state)
{
    check_value(NB_T_REAL, "0.5", 0.5);
    check_value(NB_T_REAL, "-1e-3", -1e-3);
    check_value(NB_T_REAL, "  2 ", 2);
    check_value(NB_T_REAL, "+.25", 0.25);
    check_value(NB_T_PROB, "0.016", 0.016);
    check_value(NB_T_INT, "4000", 4000);
    check_value(NB_T_INT, "1e6", 1e6);
    check_value(NB_T_INT, "4294967295", 4294967295.0);
    check_refused(NB_T_INT, "4000.5", "whole number");
    check_refused(NB_T_INT, "0x10", "not a number");
    check_refused(NB_T_INT, "4_000", "not a number");
    check_refused(NB_T_REAL, "fast", "not a number");
    check_refused(NB_T_REAL, ".nan", "not a finite number");
    check_refused(NB_T_REAL, "NaN", "not a finite number");
    check_refused(NB_T_REAL, "-.inf", "not a finite number");
    check_refused(NB_T_REAL, "inf", "not a finite number");
    check_refused(NB_T_REAL, "1e999", "not a finite number");
    check_refused(NB_T_REAL, "1.2.3", "not a number");
    check_refused(NB_T_PROB, "", "empty");
    check_refused(NB_T_PROB, "50%", "not a number");
}

static void test_bools(void **state)
{
    const char *yes[] = {"true", "True", "TRUE", "yes", "on", "On"};
    const char *no[] = {"false", "False", "no", "NO", "off"};
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) check_value(NB_T_BOOL, yes[i], 1);
    for (size_t i = 0; i < sizeof no / sizeof *no; i++) check_value(NB_T_BOOL, no[i], 0);
    check_refused(NB_T_BOOL, "1", "true or false");
    check_refused(NB_T_BOOL, "maybe", "true or false");
}

static void test_months(void **state)
{
    check_value(NB_T_MONTH, "2024-07", NB_MONTH(2024, 7));
    check_value(NB_T_MONTH, "2024-07-11", NB_MONTH(2024, 7));
    check_value(NB_T_MONTH, "2035-12-31", NB_MONTH(2035, 12));
    check_value(NB_T_MONTH, "2024-02-29", NB_MONTH(2024, 2));     /* leap year */
    check_value(NB_T_MONTH, "2000-02-29", NB_MONTH(2000, 2));     /* 400-year rule */
    check_refused(NB_T_MONTH, "2023-02-29", "day");
    check_refused(NB_T_MONTH, "1900-02-29", "day");
    check_refused(NB_T_MONTH, "2025-02-30", "day");
    check_refused(NB_T_MONTH, "2024-04-31", "day");
    check_refused(NB_T_MONTH, "2024-01-00", "day");
    check_refused(NB_T_MONTH, "2024-13", "month outside 01-12");
    check_refused(NB_T_MONTH, "2024-00", "month outside 01-12");
    check_refused(NB_T_MONTH, "2024-7", "YYYY-MM");
    check_refused(NB_T_MONTH, "July 2024", "YYYY-MM");
    check_refused(NB_T_MONTH, "2024/07", "YYYY-MM");
    check_refused(NB_T_MONTH, "2024-07-11T00:00", "YYYY-MM");
}

static void test_month_format(void **state)
{
    char buf[8];
    nb_month_format(NB_MONTH(2024, 7), buf);
    assert_string_equal(buf, "2024-07");
    nb_month_format(NB_MONTH(2035, 12), buf);
    assert_string_equal(buf, "2035-12");
    nb_month_format(NB_MONTH(0, 1), buf);
    assert_string_equal(buf, "0000-01");
    for (int m = NB_MONTH(1999, 1); m < NB_MONTH(2101, 1); m++) {   /* parse inverts it */
        double v;
        const char *why;
        nb_month_format(m, buf);
        assert_int_equal(nb_value_parse(NB_T_MONTH, buf, &v, &why), NB_OK);
        assert_int_equal((int)v, m);
    }
}

/* ---- keys, extends, schedules ----------------------------------------------------- */

static void test_nested_equals_dotted(void **state)
{
    nb_scenario *a = load_ok("tests/data/scenarios/nested.yaml");
    nb_scenario *b = load_ok("tests/data/scenarios/dotted.yaml");
    assert_memory_equal(&a->ps, &b->ps, sizeof a->ps);
    assert_true(at(a, NB_P_exit_hazard_y1, 2030, 1) == 0.02);
    assert_true(at(a, NB_P_init_firms, 2024, 7) == 4200);
    assert_true(at(a, NB_P_pol_guidance_fund, 2025, 1) == 2e8);
    assert_string_equal(a->name, "nested");              /* the file's base name */
    assert_null(a->title);
    /* origins: the line and column of the key */
    assert_ptr_equal(a->origin[NB_P_exit_hazard_y2].file, a->files[0]);
    assert_int_equal(a->origin[NB_P_exit_hazard_y2].line, 4);
    assert_int_equal(a->origin[NB_P_exit_hazard_y2].col, 3);
    assert_int_equal(b->origin[NB_P_exit_hazard_y2].line, 3);
    assert_int_equal(b->origin[NB_P_exit_hazard_y2].col, 1);
    assert_null(a->origin[NB_P_exit_hazard_y3].file);   /* default */
    nb_scenario_free(a);
    nb_scenario_free(b);
}

static void test_extends_override(void **state)
{
    nb_scenario *sc = load_ok("tests/data/scenarios/child.yaml");
    assert_int_equal(sc->n_files, 2);
    assert_non_null(strstr(sc->files[0], "child.yaml"));
    assert_non_null(strstr(sc->files[1], "tests/data/scenarios/base.yaml"));
    assert_true(at(sc, NB_P_exit_hazard_y1, 2030, 1) == 0.04);        /* child wins */
    assert_true(at(sc, NB_P_init_firms, 2024, 7) == 5000);            /* from base */
    assert_ptr_equal(sc->origin[NB_P_exit_hazard_y1].file, sc->files[0]);
    assert_ptr_equal(sc->origin[NB_P_init_firms].file, sc->files[1]);
    assert_int_equal(sc->origin[NB_P_init_firms].line, 10);
    /* a constant replaces the base's schedule, for every month */
    assert_int_equal(sc->ps.p[NB_P_pol_poc_budget].n, 0);
    assert_true(at(sc, NB_P_pol_poc_budget, 2024, 7) == 2e7);
    assert_true(at(sc, NB_P_pol_poc_budget, 2030, 7) == 2e7);
    assert_true(at(sc, NB_P_fund_seed_valuation, 2024, 7) == 110000000);
    /* meta keys come from the top file only */
    assert_string_equal(sc->name, "test-child");
    assert_null(sc->title);
    assert_null(sc->description);
    nb_scenario_free(sc);

    sc = load_ok("tests/data/scenarios/base.yaml");
    assert_string_equal(sc->title, "Base scenario of the unit tests");
    assert_string_equal(sc->title_zh, "单元测试基准情景");
    assert_string_equal(sc->description, "Two lines of description,\nkept as written.\n");
    nb_scenario_free(sc);
}

static void test_extends_relative_to_file(void **state)
{
    nb_scenario *sc = load_ok("tests/data/scenarios/sub/grandchild.yaml");
    assert_int_equal(sc->n_files, 3);
    assert_non_null(strstr(sc->files[1], "sub/../child.yaml"));
    assert_true(at(sc, NB_P_exit_hazard_y1, 2030, 1) == 0.04);
    assert_true(at(sc, NB_P_init_firms, 2024, 7) == 5000);
    assert_int_equal(nb_paramset_start(&sc->ps), NB_MONTH(2025, 1));
    assert_int_equal(nb_paramset_months(&sc->ps), 72);
    assert_string_equal(sc->name, "grandchild");
    nb_scenario_free(sc);
}

static void test_schedule_semantics(void **state)
{
    nb_scenario *sc = load_ok("tests/data/scenarios/child.yaml");
    int id = NB_P_alliance_inflow;
    const nb_sched *s = &sc->ps.p[id];
    assert_int_equal(s->n, 2);
    assert_int_equal(s->month[0], NB_MONTH(2025, 1));
    assert_int_equal(s->month[1], NB_MONTH(2026, 7));                 /* the date's month */
    assert_true(at(sc, id, 2024, 12) == nb_registry[id].def);         /* before: default */
    assert_true(at(sc, id, 2025, 1) == 2e8);
    assert_true(at(sc, id, 2026, 6) == 2e8);
    assert_true(at(sc, id, 2026, 7) == 3e8);                          /* from its month */
    assert_true(at(sc, id, 2035, 12) == 3e8);
    nb_scenario_free(sc);

    expect_error("policy.poc_budget: {2025-03: 1亿, 2025-03-31: 2亿}\n", "1:",
                 "dates '2025-03' and '2025-03-31' fall in the same month");
    expect_error("policy.poc_budget:\n  2026-01: 1亿\n  2025-01: 0\n", "3:3: key 'policy.poc_budget'",
                 "comes before the date above it");
    expect_error("exit.hazard_y1: {2025-01: 0.1}\n", "1:1: key 'exit.hazard_y1'", "is not schedulable");
    expect_error("policy.poc_budget: {2025-01: ~}\n", "1:", "at 2025-01: expected one value");
    expect_error("policy.poc_budget: {2025-01: [1, 2]}\n", "1:", "found a list");
    expect_error("policy.poc_budget: {2025-01: -1}\n", "1:30: key 'policy.poc_budget'",
                 "at 2025-01: value -1 is below the minimum 0 (money, RMB/month)");
    /* NB_SCHED_MAX dates are fine, one more is not */
    char text[4096];
    for (int extra = 0; extra <= 1; extra++) {
        size_t len = (size_t)snprintf(text, sizeof text, "policy.poc_budget:\n");
        for (int k = 0; k < NB_SCHED_MAX + extra; k++)
            len += (size_t)snprintf(text + len, sizeof text - len, "  %04d-%02d: %d\n",
                                    2025 + k / 12, k % 12 + 1, k);
        char path[256];
        nb_err e;
        nb_scenario *t = NULL;
        int rc = load_text(text, &t, &e, path, sizeof path);
        assert_int_equal(rc, extra ? NB_EINVAL : NB_OK);
        if (extra) assert_non_null(strstr(e.msg, "at most 64"));
        else assert_true(nb_paramset_at(&t->ps, NB_P_pol_poc_budget, NB_MONTH(2030, 4)) == 63);
        nb_scenario_free(t);
    }
}

static void test_extends_errors(void **state)
{
    scratch s;
    char a[256], b[256], path[256];
    nb_scenario *sc = NULL;
    nb_err e;
    scratch_open(&s);
    /* a -> b -> a: the message names the whole chain */
    scratch_write(&s, "a.yaml", "extends: b.yaml\n", a, sizeof a);
    scratch_write(&s, "b.yaml", "init.firms: 10\nextends: a.yaml\n", b, sizeof b);
    assert_int_equal(nb_scenario_load(a, &sc, &e), NB_EINVAL);
    assert_null(sc);
    char want[1024];
    snprintf(want, sizeof want, "%s:2:10: key 'extends': extends cycle: %s -> %s/b.yaml -> %s/a.yaml",
             b, a, s.dir, s.dir);
    assert_string_equal(e.msg, want);
    /* a missing base is an I/O error at the extends key */
    scratch_write(&s, "m.yaml", "name: m\nextends: gone.yaml\n", path, sizeof path);
    assert_int_equal(nb_scenario_load(path, &sc, &e), NB_EIO);
    snprintf(want, sizeof want, "%s:2:10: key 'extends': cannot read 'gone.yaml': No such file or directory", path);
    assert_string_equal(e.msg, want);
    /* 16 files in a chain are fine, 17 are not */
    for (int depth = 16; depth <= 17; depth++) {
        for (int i = 0; i < depth; i++) {
            char name[32], text[64];
            snprintf(name, sizeof name, "d%02d.yaml", i);
            if (i + 1 < depth) snprintf(text, sizeof text, "extends: d%02d.yaml\ninit.firms: %d\n", i + 1, 100 + i);
            else snprintf(text, sizeof text, "init.firms: %d\n", 100 + i);
            scratch_write(&s, name, text, path, sizeof path);
        }
        snprintf(path, sizeof path, "%s/d00.yaml", s.dir);
        int rc = nb_scenario_load(path, &sc, &e);
        if (depth == 16) {
            assert_int_equal(rc, NB_OK);
            assert_int_equal(sc->n_files, 16);
            assert_true(at(sc, NB_P_init_firms, 2024, 7) == 100);     /* the top file wins */
            nb_scenario_free(sc);
        } else {
            assert_int_equal(rc, NB_EINVAL);
            assert_non_null(strstr(e.msg, "d15.yaml:1:10: key 'extends': the extends chain is longer than 16 files"));
        }
    }
    scratch_close(&s);
    /* the top file missing */
    assert_int_equal(nb_scenario_load("no/such/file.yaml", &sc, &e), NB_EIO);
    assert_null(sc);
    assert_string_equal(e.msg, "no/such/file.yaml: cannot read the scenario: No such file or directory");
    assert_int_equal(nb_scenario_load("/tmp", &sc, &e), NB_EIO);
    assert_non_null(strstr(e.msg, "/tmp: cannot read the scenario: Is a directory"));
}

static void test_did_you_mean(void **state)
{
    expect_error("exit.hazrd_y1: 0.02\n", "1:1: key 'exit.hazrd_y1'",
                 "unknown key; did you mean 'exit.hazard_y1'?");
    expect_error("exit:\n  hazard_y2: 0.1\n  hazrd_y1: 0.02\n", "3:3: key 'exit.hazrd_y1'",
                 "did you mean 'exit.hazard_y1'?");
    expect_error("polcy:\n  poc_budget: 1亿\n", "1:1: key 'polcy'", "unknown group 'polcy'; did you mean 'policy'?");
    expect_error("polcy.poc_budget: 1亿\n", "1:1: key 'polcy.poc_budget'", "did you mean 'policy'?");
    expect_error("seed: 5\n", "1:1: key 'seed'", "did you mean 'run.seed'?");
    expect_error("zzzzzz.qqqqqqqqq: 1\n", "1:1: key 'zzzzzz.qqqqqqqqq'", "unknown group 'zzzzzz'; the groups are run, def,");
    expect_error("exit.zzzzzzzzzzzz: 1\n", "1:1: key 'exit.zzzzzzzzzzzz'", "unknown key (`neobay params`");
}

static void test_other_errors(void **state)
{
    expect_error("", "1:1: ", "the scenario is empty");
    expect_error("---\n", "1:1: ", "the scenario is empty");
    expect_error("# nothing\n", "1:1: ", "the scenario is empty");
    expect_error("- a\n- b\n", "1:", "not a list");
    expect_error("a: [\n", "", "YAML syntax error: ");
    expect_error("exit:\n  hazard_y1: 0.1\n  hazard_y1: 0.2\n", "3:3: ", "YAML syntax error: duplicate key 'hazard_y1'");
    expect_error("\"exit.hazard_y1\": 0.1\n'exit.hazard_y1': 0.2\n", "2:", "duplicate key 'exit.hazard_y1'");
    expect_error("exit.hazard_y1: 0.1\nexit: {hazard_y1: 0.2}\n", "2:8: key 'exit.hazard_y1'",
                 "set twice in this file (first at line 1)");
    expect_error("? [a, b]\n: 1\n", "", "a key must be a name, not a list");
    expect_error("exit: {~: 1}\n", "1:", "key 'exit': a key is missing");
    expect_error("exit.hazard_y1: null\n", "1:1: key 'exit.hazard_y1'", "has no value (probability, 1/year)");
    expect_error("exit.hazard_y1: \"\"\n", "1:17: key 'exit.hazard_y1'", "value '' is empty");
    expect_error("title: {a: 1}\n", "1:", "key 'title': expected a text, found a mapping");
    expect_error("name: a/b\n", "1:7: key 'name'", "without '/'");
    expect_error("extends: \"\"\n", "1:10: key 'extends'", "found an empty text");
    expect_error("init.firms: 5000\n...\n---\ninit.firms: 1\n", "3:1: ", "a second YAML document starts here");
    expect_error("exit.hazard_y1: 1.5\n", "1:17: key 'exit.hazard_y1'",
                 "value 1.5 is above the maximum 1 (probability, 1/year)");
    expect_error("policy.guidance_fund: 2000亿\n", "1:23: key 'policy.guidance_fund'",
                 "value 2000亿 is above the maximum 1000亿 (money, RMB/month)");
    expect_error("run.start: 1990-01\n", "1:12: key 'run.start'", "value 1990-01 is below the minimum 2000-01 (month)");
    expect_error("growth.drift: \"a\\nb\"\n", "1:", "value 'a b' is not a number");
    /* aliases resolve to their anchor's value */
    char path[256];
    nb_scenario *sc = NULL;
    nb_err e;
    assert_int_equal(load_text("exit.hazard_y1: &h 0.05\nexit.hazard_y2: *h\n", &sc, &e, path, sizeof path), NB_OK);
    assert_true(at(sc, NB_P_exit_hazard_y2, 2025, 1) == 0.05);
    nb_scenario_free(sc);
    assert_int_equal(load_text("defaults: &d {hazard_y1: 0.01}\n", &sc, &e, path, sizeof path), NB_EINVAL);
    assert_null(sc);
}

/* ---- --set, validate -------------------------------------------------------------- */

static void test_set(void **state)
{
    nb_scenario *sc = load_ok("tests/data/scenarios/child.yaml");
    nb_err e;
    assert_int_equal(nb_scenario_set(sc, "exit.hazard_y1=0.05", &e), NB_OK);
    assert_true(at(sc, NB_P_exit_hazard_y1, 2025, 1) == 0.05);
    assert_string_equal(sc->origin[NB_P_exit_hazard_y1].file, "--set");
    assert_int_equal(sc->origin[NB_P_exit_hazard_y1].line, 0);
    assert_int_equal(nb_scenario_set(sc, " policy.poc_budget = {2025-01: 1亿, 2026-01-15: 2亿}", &e), NB_OK);
    assert_int_equal(sc->ps.p[NB_P_pol_poc_budget].n, 2);
    assert_true(at(sc, NB_P_pol_poc_budget, 2024, 12) == 0);
    assert_true(at(sc, NB_P_pol_poc_budget, 2026, 1) == 2e8);
    assert_int_equal(nb_scenario_set(sc, "exit={hazard_y2: 0.07, hazard_y3: 0.08}", &e), NB_OK);
    assert_true(at(sc, NB_P_exit_hazard_y3, 2025, 1) == 0.08);
    assert_int_equal(nb_scenario_set(sc, "run.start=2025-03", &e), NB_OK);
    assert_int_equal(nb_paramset_start(&sc->ps), NB_MONTH(2025, 3));
    assert_int_equal(nb_scenario_set(sc, "name=renamed", &e), NB_OK);
    assert_string_equal(sc->name, "renamed");
    assert_int_equal(nb_scenario_set(sc, "title=A title: with a colon", &e), NB_EINVAL);
    assert_int_equal(nb_scenario_set(sc, "title='A title: with a colon'", &e), NB_OK);
    assert_string_equal(sc->title, "A title: with a colon");

    static const struct { const char *set, *msg; } bad[] = {
        {"exit.hazrd_y1=0.1", "--set: key 'exit.hazrd_y1': unknown key; did you mean 'exit.hazard_y1'?"},
        {"exit.hazard_y1=2", "--set: key 'exit.hazard_y1': value 2 is above the maximum 1 (probability, 1/year)"},
        {"exit.hazard_y1=", "--set: key 'exit.hazard_y1': has no value (probability, 1/year)"},
        {"exit.hazard_y1", "--set: 'exit.hazard_y1' is not of the form key=value"},
        {"=3", "--set: '=3' has no key before '='"},
        {"policy.poc_budget={2025-01: 1亿", "--set: key 'policy.poc_budget': YAML syntax error in the value: "},
        {"init.firms={2025-01: 3}", "--set: key 'init.firms': is not schedulable"},
        {"extends=base.yaml", "--set: key 'extends': cannot be set from the command line"},
        {"exit=0.1", "--set: key 'exit': is a group of parameters"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        e.msg[0] = '\0';
        assert_int_equal(nb_scenario_set(sc, bad[i].set, &e), NB_EINVAL);
        if (strncmp(e.msg, bad[i].msg, strlen(bad[i].msg)) != 0)
            fail_msg("--set %s\n  got:  %s\n  want: %s", bad[i].set, e.msg, bad[i].msg);
    }
    assert_true(at(sc, NB_P_exit_hazard_y1, 2025, 1) == 0.05);       /* failures change nothing */
    assert_int_equal(nb_scenario_set(sc, "exit={hazard_y2: 0.09, hazrd_y3: 1}", &e), NB_EINVAL);
    assert_string_equal(e.msg, "--set: key 'exit.hazrd_y3': unknown key; did you mean 'exit.hazard_y3'?");
    assert_true(at(sc, NB_P_exit_hazard_y2, 2025, 1) == 0.07);       /* not even half of it */
    assert_string_equal(sc->origin[NB_P_exit_hazard_y2].file, "--set");
    nb_scenario_free(sc);
}

static void test_validate(void **state)
{
    nb_scenario *sc = load_ok("tests/data/scenarios/child.yaml");
    nb_err e;
    assert_int_equal(nb_scenario_validate(sc, &e), NB_OK);
    assert_int_equal(nb_scenario_set(sc, "init.valued_1e9=200", &e), NB_OK);
    assert_int_equal(nb_scenario_validate(sc, &e), NB_EINVAL);
    assert_string_equal(e.msg, "--set: key 'init.valued_1e9': init.valued_1e9 = 200 exceeds init.valued_1e8 = 130 (the default): firms valued at 10亿 are among those valued at 1亿");
    assert_int_equal(nb_scenario_set(sc, "init.valued_1e8=6000", &e), NB_OK);
    assert_int_equal(nb_scenario_validate(sc, &e), NB_EINVAL);
    assert_non_null(strstr(e.msg, "--set: key 'init.valued_1e8': init.valued_1e8 = 6000 exceeds init.firms = 5000 (from "));
    assert_non_null(strstr(e.msg, "base.yaml:10:3): firms valued at 1亿"));
    assert_int_equal(nb_scenario_set(sc, "init.firms=8000", &e), NB_OK);
    assert_int_equal(nb_scenario_validate(sc, &e), NB_OK);
    assert_int_equal(nb_scenario_set(sc, "run.end=2024-06", &e), NB_OK);
    assert_int_equal(nb_scenario_validate(sc, &e), NB_EINVAL);
    assert_string_equal(e.msg, "--set: key 'run.end': run.start = 2024-07 (the default) is after run.end = 2024-06: the run must end in or after the month it starts");
    assert_int_equal(nb_scenario_set(sc, "run.end=2024-07", &e), NB_OK);    /* one month */
    assert_int_equal(nb_scenario_validate(sc, &e), NB_OK);
    assert_int_equal(nb_scenario_set(sc, "run.start=2000-01", &e), NB_OK);
    assert_int_equal(nb_scenario_set(sc, "run.end=2099-12", &e), NB_OK);   /* 1200 months */
    assert_int_equal(nb_scenario_validate(sc, &e), NB_OK);
    assert_int_equal(nb_scenario_set(sc, "run.end=2100-01", &e), NB_OK);
    assert_int_equal(nb_scenario_validate(sc, &e), NB_EINVAL);
    assert_string_equal(e.msg, "--set: key 'run.end': the run spans 1201 months; at most 1200 (100 years)");
    assert_int_equal(nb_scenario_set(sc, "run.end=2035-12", &e), NB_OK);
    assert_int_equal(nb_scenario_set(sc, "init.share_relocated=0.9", &e), NB_OK);
    assert_int_equal(nb_scenario_validate(sc, &e), NB_EINVAL);
    assert_non_null(strstr(e.msg, "--set: key 'init.share_relocated': init.share_spinoff + init.share_relocated = 1.1 exceeds 1 (init.share_spinoff = 0.2, the default)"));
    assert_int_equal(nb_scenario_set(sc, "init.share_relocated=0.8", &e), NB_OK);
    assert_int_equal(nb_scenario_validate(sc, &e), NB_OK);                 /* 0.2 + 0.8 = 1 */
    /* a value put into the parameter set behind the loader's back is still caught */
    nb_paramset_set_const(&sc->ps, NB_P_exit_hazard_y2, 3);
    sc->origin[NB_P_exit_hazard_y2] = (nb_origin){NULL, 0, 0};
    assert_int_equal(nb_scenario_validate(sc, &e), NB_EINVAL);
    assert_string_equal(e.msg, "default: key 'exit.hazard_y2': value 3 is above the maximum");
    nb_scenario_free(sc);
}

/* ---- to_yaml ---------------------------------------------------------------------- */

/* Write sc as YAML, load that text, and require the same parameters and meta keys
 * (and a valid scenario when `valid`); return the text (malloc'd). */
static char *round_trip_v(const nb_scenario *sc, bool valid)
{
    char *yaml = nb_scenario_to_yaml(sc);
    assert_non_null(yaml);
    char path[256];
    nb_scenario *back = NULL;
    nb_err e;
    if (load_text(yaml, &back, &e, path, sizeof path) != NB_OK) fail_msg("%s\n%s", e.msg, yaml);
    assert_memory_equal(&back->ps, &sc->ps, sizeof sc->ps);
    assert_string_equal(back->name, sc->name);
    const char *a[] = {sc->title, sc->title_zh, sc->description};
    const char *b[] = {back->title, back->title_zh, back->description};
    for (int i = 0; i < 3; i++) {
        if (!a[i]) assert_null(b[i]);
        else assert_string_equal(a[i], b[i]);
    }
    if (valid) assert_int_equal(nb_scenario_validate(back, &e), NB_OK);
    char *again = nb_scenario_to_yaml(back);                /* and it is stable */
    assert_non_null(again);
    assert_int_equal(strchr(again, '\n') - again, strchr(yaml, '\n') - yaml);
    free(again);
    nb_scenario_free(back);
    return yaml;
}

static char *round_trip(const nb_scenario *sc)
{
    return round_trip_v(sc, true);
}

/* A value of parameter id inside its range, far from round numbers. */
static double odd_value(int id, double frac)
{
    const nb_param_info *p = &nb_registry[id];
    double v = p->min + (p->max - p->min) * frac;
    if (p->type == NB_T_INT || p->type == NB_T_MONTH) v = floor(v);
    if (p->type == NB_T_BOOL) v = frac > 0.5;
    return v;
}

/* Every parameter, of every type, as a constant and (where allowed) as a schedule,
 * survives the round trip exactly -- whatever the registry holds. */
static void test_to_yaml_every_parameter(void **state)
{
    nb_scenario *sc = load_ok("tests/data/scenarios/base.yaml");
    const double frac[] = {0.3183098861837907, 0.7071067811865476, 0.1};
    for (int id = 0; id < NB_NPARAMS; id++) {
        nb_paramset_set_const(&sc->ps, id, odd_value(id, frac[0]));
        if (!(nb_registry[id].flags & NB_F_SCHED)) continue;
        int month[3] = {NB_MONTH(2024, 7), NB_MONTH(2025, 1), NB_MONTH(2031, 12)};
        double value[3] = {odd_value(id, frac[0]), odd_value(id, frac[1]), odd_value(id, frac[2])};
        memset(&sc->ps.p[id], 0, sizeof sc->ps.p[id]);
        assert_int_equal(nb_paramset_set_sched(&sc->ps, id, 3, month, value), NB_OK);
    }
    free(round_trip_v(sc, false));
    for (int id = 0; id < NB_NPARAMS; id++) {             /* and the other end of the range */
        memset(&sc->ps.p[id], 0, sizeof sc->ps.p[id]);
        nb_paramset_set_const(&sc->ps, id, nb_registry[id].type == NB_T_BOOL ? 1 : nb_registry[id].max);
    }
    free(round_trip_v(sc, false));
    nb_scenario_free(sc);
}

static void test_to_yaml(void **state)
{
    nb_scenario *sc = load_ok("tests/data/scenarios/base.yaml");
    free(round_trip(sc));
    nb_scenario_free(sc);

    sc = load_ok("tests/data/scenarios/sub/grandchild.yaml");
    nb_err e;
    const char *sets[] = {"growth.drift=0.1234567890123456789", "def.usd_cny={2024-07: 7.1, 2027-01: 6.9}",
                          "exit.hazard_y8=1e-300", "policy.poc_cost=123456789.25", "run.seed=4294967295",
                          "title=\"quote \\\" and backslash \\\\ and tab\\t: # not a comment\"",
                          "description=\"line one\\nline two\\n\"", "alliance.initial=1万亿"};
    for (size_t i = 0; i < sizeof sets / sizeof *sets; i++)
        if (nb_scenario_set(sc, sets[i], &e) != NB_OK) fail_msg("%s: %s", sets[i], e.msg);
    char *yaml = round_trip(sc);
    assert_true(strncmp(yaml, "# ", 2) == 0);                                      /* header */
    assert_non_null(strstr(yaml, "\nrun:\n  seed: 4294967295"));
    assert_non_null(strstr(yaml, "\n  start: 2025-01"));                           /* months */
    assert_non_null(strstr(yaml, "sub/grandchild.yaml:3:"));                       /* origin */
    assert_non_null(strstr(yaml, "\n  inflow: {2025-01: 200000000, 2026-07: 300000000}"));
    assert_non_null(strstr(yaml, "# {2025-01: 2亿, 2026-07: 3亿}; "));
    assert_non_null(strstr(yaml, "\n  seed_valuation: 110000000 "));
    assert_non_null(strstr(yaml, "# 1.1亿; "));
    assert_non_null(strstr(yaml, "\n  initial: 1000000000000 "));
    assert_non_null(strstr(yaml, "--set"));
    assert_non_null(strstr(yaml, "\nexit:\n  hazard_y1: 0.04 "));                   /* nested */
    assert_null(strstr(yaml, "exit.hazard"));
    free(yaml);
    nb_scenario_free(sc);
}

/* ---- every file of tests/bad ------------------------------------------------------ */

/* Each row of tests/bad/cases.tsv (file, line, key, message) fails to load or validate
 * with that location, key and message -- read from the root as the CLI tests do, so
 * the messages are the same text. */
static void test_bad_files(void **state)
{
    char cwd[4096], line[2048];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(root()), 0);
    FILE *f = fopen("tests/bad/cases.tsv", "r");
    assert_non_null(f);
    int rows = 0;
    assert_non_null(fgets(line, sizeof line, f));                   /* header */
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *file = strtok(line, "\t"), *where = strtok(NULL, "\t"), *key = strtok(NULL, "\t"),
             *msg = strtok(NULL, "");
        assert_non_null(msg);
        char path[512], prefix[1024], keytext[512];
        snprintf(path, sizeof path, "tests/bad/%s", file);
        if (strchr(where, ':')) snprintf(prefix, sizeof prefix, "tests/bad/%s:", where);
        else snprintf(prefix, sizeof prefix, "%s:%s:", path, where);
        snprintf(keytext, sizeof keytext, "key '%s'", key);
        nb_scenario *sc = NULL;
        nb_err e = {{0}};
        int rc = nb_scenario_load(path, &sc, &e);
        if (rc == NB_OK) {
            rc = nb_scenario_validate(sc, &e);
            nb_scenario_free(sc);
        }
        if (rc == NB_OK) fail_msg("%s was accepted", file);
        if (strncmp(e.msg, prefix, strlen(prefix)) != 0 || (strcmp(key, "-") != 0 && !strstr(e.msg, keytext)) ||
            !strstr(e.msg, msg) || strchr(e.msg, '\n'))
            fail_msg("%s\n  got:  %s\n  want: %s ... %s ... %s", file, e.msg, prefix, keytext, msg);
        rows++;
    }
    fclose(f);
    assert_int_equal(chdir(cwd), 0);
    assert_true(rows >= 30);
}

static void test_free_null(void **state)
{
    nb_scenario_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_money),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_bools),
        cmocka_unit_test(test_months),
        cmocka_unit_test(test_month_format),
        cmocka_unit_test(test_nested_equals_dotted),
        cmocka_unit_test(test_extends_override),
        cmocka_unit_test(test_extends_relative_to_file),
        cmocka_unit_test(test_schedule_semantics),
        cmocka_unit_test(test_extends_errors),
        cmocka_unit_test(test_did_you_mean),
        cmocka_unit_test(test_other_errors),
        cmocka_unit_test(test_set),
        cmocka_unit_test(test_validate),
        cmocka_unit_test(test_to_yaml),
        cmocka_unit_test(test_to_yaml_every_parameter),
        cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_free_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
