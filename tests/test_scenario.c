/* test_scenario.c -- scenario files: value parsing, keys (nested and dotted), extends,
 * schedules, adaptive rules, --set, validation, the resolved YAML and its round trip, and
 * every broken scenario of tests/bad/ (so the error paths also run under the sanitizers).
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
#include "../model/metrics.h"
#include "../model/neobay.h"
#include "../io/scenario.h"

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
    assert_true(at(a, NB_P_exit_background, 2030, 1) == 0.02);
    assert_true(at(a, NB_P_origin_firms, 2024, 7) == 4200);
    assert_true(at(a, NB_P_pol_guidance_fund, 2025, 1) == 2e8);
    assert_string_equal(a->name, "nested");              /* the file's base name */
    assert_null(a->title);
    /* origins: the line and column of the key */
    assert_ptr_equal(a->origin[NB_P_exit_acquire_rate].file, a->files[0]);
    assert_int_equal(a->origin[NB_P_exit_acquire_rate].line, 4);
    assert_int_equal(a->origin[NB_P_exit_acquire_rate].col, 3);
    assert_int_equal(b->origin[NB_P_exit_acquire_rate].line, 3);
    assert_int_equal(b->origin[NB_P_exit_acquire_rate].col, 1);
    assert_null(a->origin[NB_P_exit_project_abandon].file);   /* default */
    nb_scenario_free(a);
    nb_scenario_free(b);
}

static void test_extends_override(void **state)
{
    nb_scenario *sc = load_ok("tests/data/scenarios/child.yaml");
    assert_int_equal(sc->n_files, 2);
    assert_non_null(strstr(sc->files[0], "child.yaml"));
    assert_non_null(strstr(sc->files[1], "tests/data/scenarios/base.yaml"));
    assert_true(at(sc, NB_P_exit_background, 2030, 1) == 0.04);        /* child wins */
    assert_true(at(sc, NB_P_origin_firms, 2024, 7) == 5000);            /* from base */
    assert_ptr_equal(sc->origin[NB_P_exit_background].file, sc->files[0]);
    assert_ptr_equal(sc->origin[NB_P_origin_firms].file, sc->files[1]);
    assert_int_equal(sc->origin[NB_P_origin_firms].line, 10);
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
    assert_true(at(sc, NB_P_exit_background, 2030, 1) == 0.04);
    assert_true(at(sc, NB_P_origin_firms, 2024, 7) == 5000);
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
    expect_error("exit.background: {2025-01: 0.1}\n", "1:1: key 'exit.background'", "is not schedulable");
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
    scratch_write(&s, "b.yaml", "origin.firms: 10\nextends: a.yaml\n", b, sizeof b);
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
            if (i + 1 < depth) snprintf(text, sizeof text, "extends: d%02d.yaml\norigin.firms: %d\n", i + 1, 100 + i);
            else snprintf(text, sizeof text, "origin.firms: %d\n", 100 + i);
            scratch_write(&s, name, text, path, sizeof path);
        }
        snprintf(path, sizeof path, "%s/d00.yaml", s.dir);
        int rc = nb_scenario_load(path, &sc, &e);
        if (depth == 16) {
            assert_int_equal(rc, NB_OK);
            assert_int_equal(sc->n_files, 16);
            assert_true(at(sc, NB_P_origin_firms, 2024, 7) == 100);     /* the top file wins */
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
    expect_error("exit.backgrond: 0.02\n", "1:1: key 'exit.backgrond'",
                 "unknown key; did you mean 'exit.background'?");
    expect_error("exit:\n  acquire_rate: 0.1\n  backgrond: 0.02\n", "3:3: key 'exit.backgrond'",
                 "did you mean 'exit.background'?");
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
    expect_error("exit:\n  background: 0.1\n  background: 0.2\n", "3:3: ", "YAML syntax error: duplicate key 'background'");
    expect_error("\"exit.background\": 0.1\n'exit.background': 0.2\n", "2:", "duplicate key 'exit.background'");
    expect_error("exit.background: 0.1\nexit: {background: 0.2}\n", "2:8: key 'exit.background'",
                 "set twice in this file (first at line 1)");
    expect_error("? [a, b]\n: 1\n", "", "a key must be a name, not a list");
    expect_error("exit: {~: 1}\n", "1:", "key 'exit': a key is missing");
    expect_error("exit.background: null\n", "1:1: key 'exit.background'", "has no value (probability, 1/year)");
    expect_error("exit.background: \"\"\n", "1:18: key 'exit.background'", "value '' is empty");
    expect_error("title: {a: 1}\n", "1:", "key 'title': expected a text, found a mapping");
    expect_error("name: a/b\n", "1:7: key 'name'", "without '/'");
    expect_error("extends: \"\"\n", "1:10: key 'extends'", "found an empty text");
    expect_error("origin.firms: 5000\n...\n---\norigin.firms: 1\n", "3:1: ", "a second YAML document starts here");
    expect_error("exit.background: 1.5\n", "1:18: key 'exit.background'",
                 "value 1.5 is above the maximum 1 (probability, 1/year)");
    expect_error("policy.guidance_fund: 2000亿\n", "1:23: key 'policy.guidance_fund'",
                 "value 2000亿 is above the maximum 1000亿 (money, RMB/month)");
    expect_error("run.start: 1990-01\n", "1:12: key 'run.start'", "value 1990-01 is below the minimum 2000-01 (month)");
    expect_error("growth.drift: \"a\\nb\"\n", "1:", "value 'a b' is not a number");
    /* aliases resolve to their anchor's value */
    char path[256];
    nb_scenario *sc = NULL;
    nb_err e;
    assert_int_equal(load_text("exit.background: &h 0.05\nexit.acquire_rate: *h\n", &sc, &e, path, sizeof path), NB_OK);
    assert_true(at(sc, NB_P_exit_acquire_rate, 2025, 1) == 0.05);
    nb_scenario_free(sc);
    assert_int_equal(load_text("defaults: &d {background: 0.01}\n", &sc, &e, path, sizeof path), NB_EINVAL);
    assert_null(sc);
}

/* ---- --set, validate -------------------------------------------------------------- */

static void test_set(void **state)
{
    nb_scenario *sc = load_ok("tests/data/scenarios/child.yaml");
    nb_err e;
    assert_int_equal(nb_scenario_set(sc, "exit.background=0.05", &e), NB_OK);
    assert_true(at(sc, NB_P_exit_background, 2025, 1) == 0.05);
    assert_string_equal(sc->origin[NB_P_exit_background].file, "--set");
    assert_int_equal(sc->origin[NB_P_exit_background].line, 0);
    assert_int_equal(nb_scenario_set(sc, " policy.poc_budget = {2025-01: 1亿, 2026-01-15: 2亿}", &e), NB_OK);
    assert_int_equal(sc->ps.p[NB_P_pol_poc_budget].n, 2);
    assert_true(at(sc, NB_P_pol_poc_budget, 2024, 12) == 0);
    assert_true(at(sc, NB_P_pol_poc_budget, 2026, 1) == 2e8);
    assert_int_equal(nb_scenario_set(sc, "exit={acquire_rate: 0.07, project_abandon: 0.08}", &e), NB_OK);
    assert_true(at(sc, NB_P_exit_project_abandon, 2025, 1) == 0.08);
    assert_int_equal(nb_scenario_set(sc, "run.start=2025-03", &e), NB_OK);
    assert_int_equal(nb_paramset_start(&sc->ps), NB_MONTH(2025, 3));
    assert_int_equal(nb_scenario_set(sc, "name=renamed", &e), NB_OK);
    assert_string_equal(sc->name, "renamed");
    assert_int_equal(nb_scenario_set(sc, "title=A title: with a colon", &e), NB_EINVAL);
    assert_int_equal(nb_scenario_set(sc, "title='A title: with a colon'", &e), NB_OK);
    assert_string_equal(sc->title, "A title: with a colon");

    static const struct { const char *set, *msg; } bad[] = {
        {"exit.backgrond=0.1", "--set: key 'exit.backgrond': unknown key; did you mean 'exit.background'?"},
        {"exit.background=2", "--set: key 'exit.background': value 2 is above the maximum 1 (probability, 1/year)"},
        {"exit.background=", "--set: key 'exit.background': has no value (probability, 1/year)"},
        {"exit.background", "--set: 'exit.background' is not of the form key=value"},
        {"=3", "--set: '=3' has no key before '='"},
        {"policy.poc_budget={2025-01: 1亿", "--set: key 'policy.poc_budget': YAML syntax error in the value: "},
        {"origin.firms={2025-01: 3}", "--set: key 'origin.firms': is not schedulable"},
        {"extends=base.yaml", "--set: key 'extends': cannot be set from the command line"},
        {"exit=0.1", "--set: key 'exit': is a group of parameters"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        e.msg[0] = '\0';
        assert_int_equal(nb_scenario_set(sc, bad[i].set, &e), NB_EINVAL);
        if (strncmp(e.msg, bad[i].msg, strlen(bad[i].msg)) != 0)
            fail_msg("--set %s\n  got:  %s\n  want: %s", bad[i].set, e.msg, bad[i].msg);
    }
    assert_true(at(sc, NB_P_exit_background, 2025, 1) == 0.05);       /* failures change nothing */
    assert_int_equal(nb_scenario_set(sc, "exit={acquire_rate: 0.09, project_abandn: 1}", &e), NB_EINVAL);
    assert_string_equal(e.msg, "--set: key 'exit.project_abandn': unknown key; did you mean 'exit.project_abandon'?");
    assert_true(at(sc, NB_P_exit_acquire_rate, 2025, 1) == 0.07);       /* not even half of it */
    assert_string_equal(sc->origin[NB_P_exit_acquire_rate].file, "--set");
    nb_scenario_free(sc);
}

static void test_validate(void **state)
{
    nb_scenario *sc = load_ok("tests/data/scenarios/child.yaml");
    nb_err e;
    assert_int_equal(nb_scenario_validate(sc, &e), NB_OK);
    assert_int_equal(nb_scenario_set(sc, "run.origin=2025-01", &e), NB_OK);
    assert_int_equal(nb_scenario_validate(sc, &e), NB_EINVAL);
    assert_non_null(strstr(e.msg, "--set: key 'run.origin': run.origin = 2025-01 is after run.start = 2024-07 (the default)"));
    assert_int_equal(nb_scenario_set(sc, "run.origin=2000-01", &e), NB_OK);
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
    /* a value put into the parameter set behind the loader's back is still caught */
    nb_paramset_set_const(&sc->ps, NB_P_exit_acquire_rate, 3);
    sc->origin[NB_P_exit_acquire_rate] = (nb_origin){NULL, 0, 0};
    assert_int_equal(nb_scenario_validate(sc, &e), NB_EINVAL);
    assert_string_equal(e.msg, "default: key 'exit.acquire_rate': value 3 is above the maximum");
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
    for (int i = 0; i < NB_RULES_MAX; i++) {
        if (!sc->rule_name[i]) assert_null(back->rule_name[i]);
        else assert_string_equal(sc->rule_name[i], back->rule_name[i]);
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
                          "growth.lumpy_rate=1e-300", "poc.ticket=123456789.25", "run.seed=4294967295",
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
    assert_non_null(strstr(yaml, "\nexit:\n  background: 0.04 "));                   /* nested */
    assert_null(strstr(yaml, "exit.hazard"));
    free(yaml);
    nb_scenario_free(sc);
}

/* ---- adaptive rules (measure 20) -------------------------------------------------- */

static void check_rule(const nb_scenario *sc, int i, int from, int metric, int above, double threshold,
                       int param, int op, double value)
{
    const nb_rule *r = &sc->ps.rules[i];
    assert_true(i < sc->ps.n_rules);
    assert_int_equal(r->from, from);
    assert_int_equal(r->metric, metric);
    assert_int_equal(r->above, above);
    assert_true(r->threshold == threshold);
    assert_int_equal(r->param, param);
    assert_int_equal(r->op, op);
    assert_true(r->value == value);
}

static void test_rules_parse(void **state)
{
    nb_scenario *sc = load_ok("tests/data/scenarios/rules.yaml");
    assert_int_equal(sc->ps.n_rules, 5);
    check_rule(sc, 0, NB_MONTH(2026, 1), NB_M_alliance_deployed, 0, 5e9, NB_P_pol_guidance_fund,
               NB_RULE_ADD, 1e8);
    check_rule(sc, 1, 0, NB_M_out_of_cash, 1, 200, NB_P_pol_tech_credit, NB_RULE_SET, 5e7);
    check_rule(sc, 2, NB_MONTH(2027, 6), NB_M_no_space, 1, 150, NB_P_pol_space, NB_RULE_MUL, 2);
    check_rule(sc, 3, NB_MONTH(2026, 1), NB_M_wage_index, 0, 0.9, NB_P_pol_lists, NB_RULE_SET, 1);
    check_rule(sc, 4, 0, NB_M_capital_raised, 0, 1.25e12, NB_P_alliance_zone_share, NB_RULE_ADD, -0.05);
    assert_string_equal(sc->rule_name[0], "top up the guidance fund");
    assert_null(sc->rule_name[1]);
    assert_string_equal(sc->rule_name[2], "扩大产业化空间: 骨干企业缺空间");
    for (int i = 3; i < NB_RULES_MAX; i++) assert_null(sc->rule_name[i]);
    /* origins: the first key of each rule */
    assert_ptr_equal(sc->rule_origin[0].file, sc->files[0]);
    assert_int_equal(sc->rule_origin[0].line, 7);
    assert_int_equal(sc->rule_origin[0].col, 5);
    assert_int_equal(sc->rule_origin[1].line, 11);
    assert_int_equal(sc->rule_origin[4].line, 24);
    assert_null(sc->rule_origin[5].file);
    /* unused entries stay zero, so equal rule lists compare equal byte for byte */
    nb_rule zero;
    memset(&zero, 0, sizeof zero);
    for (int i = 5; i < NB_RULES_MAX; i++) assert_memory_equal(&sc->ps.rules[i], &zero, sizeof zero);
    nb_err e;
    assert_int_equal(nb_scenario_validate(sc, &e), NB_OK);
    nb_scenario_free(sc);

    /* a scenario without rules has none; `rules: []` is allowed */
    sc = load_ok("tests/data/scenarios/base.yaml");
    assert_int_equal(sc->ps.n_rules, 0);
    nb_scenario_free(sc);
    char path[256];
    assert_int_equal(load_text("rules: []\n", &sc, &e, path, sizeof path), NB_OK);
    assert_int_equal(sc->ps.n_rules, 0);
    nb_scenario_free(sc);

    /* every op on every schedulable type; values parsed with the parameter's type */
    const char *text =
        "rules:\n"
        "  - {if: {metric: firms, below: 3000}, then: {param: policy.lists, set: on}}\n"
        "  - {if: {metric: firms, below: '5000万'}, then: {param: def.usd_cny, multiply: 0}}\n"
        "  - {if: {metric: firms, below: -1}, then: {param: def.usd_cny, add: -5}}\n"
        "  - {if: {metric: wage_index, above: 1e-3}, then: {param: conversion.prob, set: 1}}\n"
        "  - {from: 2024-02-29, if: {metric: spend_planning, above: 0}, then: {param: policy.planning, add: 1000亿}}\n";
    assert_int_equal(load_text(text, &sc, &e, path, sizeof path), NB_OK);
    assert_int_equal(sc->ps.n_rules, 5);
    check_rule(sc, 0, 0, NB_M_firms, 0, 3000, NB_P_pol_lists, NB_RULE_SET, 1);
    check_rule(sc, 1, 0, NB_M_firms, 0, 5e7, NB_P_def_usd_cny, NB_RULE_MUL, 0);
    check_rule(sc, 2, 0, NB_M_firms, 0, -1, NB_P_def_usd_cny, NB_RULE_ADD, -5);
    check_rule(sc, 3, 0, NB_M_wage_index, 1, 1e-3, NB_P_conversion_prob, NB_RULE_SET, 1);
    check_rule(sc, 4, NB_MONTH(2024, 2), nb_metric_find("spend_planning"), 1, 0, NB_P_pol_planning,
               NB_RULE_ADD, 1e11);
    nb_scenario_free(sc);

    /* NB_RULES_MAX rules are fine, one more is not */
    char big[8192];
    for (int extra = 0; extra <= 1; extra++) {
        size_t len = (size_t)snprintf(big, sizeof big, "rules:\n");
        for (int k = 0; k < NB_RULES_MAX + extra; k++)
            len += (size_t)snprintf(big + len, sizeof big - len,
                                    "  - {if: {metric: firms, below: %d}, then: {param: policy.poc_budget, add: %d}}\n",
                                    k, k);
        nb_scenario *t = NULL;
        int rc = load_text(big, &t, &e, path, sizeof path);
        assert_int_equal(rc, extra ? NB_EINVAL : NB_OK);
        if (extra) assert_non_null(strstr(e.msg, ":34:6: key 'rules': 33 rules; a scenario has at most 32"));
        else assert_true(t->ps.n_rules == NB_RULES_MAX && t->ps.rules[31].value == 31);
        nb_scenario_free(t);
    }
}

static void test_rules_extends(void **state)
{
    char cwd[4096], abs_base[8192], path[256], text[9000];
    assert_non_null(getcwd(cwd, sizeof cwd));
    snprintf(abs_base, sizeof abs_base, "%s%s%s/tests/data/scenarios/rules.yaml", root()[0] == '/' ? "" : cwd,
             root()[0] == '/' ? "" : "/", root());
    scratch s;
    nb_scenario *sc = NULL;
    nb_err e;
    scratch_open(&s);
    nb_scenario_allow_outside(true);          /* the base lies in tests/data, not under /tmp */
    /* no `rules`: the base's are kept, with their origins */
    snprintf(text, sizeof text, "extends: %s\norigin.firms: 4000\n", abs_base);
    scratch_write(&s, "keep.yaml", text, path, sizeof path);
    assert_int_equal(nb_scenario_load(path, &sc, &e), NB_OK);
    assert_int_equal(sc->ps.n_rules, 5);
    assert_ptr_equal(sc->rule_origin[0].file, sc->files[1]);
    assert_string_equal(sc->rule_name[0], "top up the guidance fund");
    nb_scenario_free(sc);
    /* `rules` replaces the whole list */
    snprintf(text, sizeof text, "extends: %s\nrules:\n  - if: {metric: listed, above: 60}\n"
             "    then: {param: listing.rate, multiply: 0.5}\n", abs_base);
    scratch_write(&s, "replace.yaml", text, path, sizeof path);
    assert_int_equal(nb_scenario_load(path, &sc, &e), NB_OK);
    assert_int_equal(sc->ps.n_rules, 1);
    check_rule(sc, 0, 0, NB_M_listed, 1, 60, NB_P_listing_rate, NB_RULE_MUL, 0.5);
    assert_null(sc->rule_name[0]);                      /* not the base's first name */
    assert_null(sc->rule_name[2]);
    assert_ptr_equal(sc->rule_origin[0].file, sc->files[0]);
    assert_int_equal(sc->rule_origin[0].line, 3);
    assert_null(sc->rule_origin[1].file);
    nb_rule zero;
    memset(&zero, 0, sizeof zero);
    for (int i = 1; i < NB_RULES_MAX; i++) assert_memory_equal(&sc->ps.rules[i], &zero, sizeof zero);
    nb_scenario_free(sc);
    /* `rules: []` removes them all */
    snprintf(text, sizeof text, "extends: %s\nrules: []\n", abs_base);
    scratch_write(&s, "clear.yaml", text, path, sizeof path);
    assert_int_equal(nb_scenario_load(path, &sc, &e), NB_OK);
    assert_int_equal(sc->ps.n_rules, 0);
    assert_null(sc->rule_name[0]);
    nb_scenario_free(sc);
    nb_scenario_allow_outside(false);
    scratch_close(&s);
}

static void test_rules_errors(void **state)
{
    const char *ok_then = "    then: {param: policy.poc_budget, add: 1亿}\n";
    char text[1024];
    expect_error("rules:\n", "1:1: key 'rules'", "expected a list of rules");
    expect_error("rules: ~\n", "1:1: key 'rules'", "('rules: []' for none); found nothing");
    expect_error("rules: {if: 1}\n", "1:1: key 'rules'", "found a mapping");
    expect_error("rules:\n  -\n", "1:1: key 'rules[0]'", "a rule is a mapping");
    expect_error("rules:\n  - [1, 2]\n", "2:", "key 'rules[0]': a rule is a mapping");
    expect_error("rules:\n  - {[a]: 1}\n", "2:", "key 'rules[0]': a key must be a name, not a list");
    expect_error("rule:\n  - from: 2026-01\n", "1:1: key 'rule'", "unknown key; did you mean 'rules'?");
    expect_error("policy:\n  rules: []\n", "2:3: key 'policy.rules'", "unknown key");
    expect_error("rules:\n  - then: {param: policy.poc_budget, add: 1}\n    fi: {}\n", "3:5: key 'rules[0].fi'",
                 "did you mean 'if'?");
    expect_error("rules:\n  - name: ~\n", "2:5: key 'rules[0].name'", "has no value (a text)");
    expect_error("rules:\n  - name: {a: b}\n", "2:", "key 'rules[0].name': expected a text, found a mapping");
    expect_error("rules:\n  - from: 2026\n", "2:11: key 'rules[0].from'", "is not a month (write YYYY-MM or YYYY-MM-DD)");
    expect_error("rules:\n  - from: [2026-01]\n", "2:", "key 'rules[0].from': expected a month");
    expect_error("rules:\n  - from: 2026-01\n    then: {param: policy.poc_budget, add: 1}\n", "2:5: key 'rules[0]'",
                 "the rule has no 'if'");
    snprintf(text, sizeof text, "rules:\n  - if: 5\n%s", ok_then);
    expect_error(text, "2:9: key 'rules[0].if'", "an 'if' is a mapping");
    snprintf(text, sizeof text, "rules:\n  - if: {below: 5}\n%s", ok_then);
    expect_error(text, "2:10: key 'rules[0].if'", "has no 'metric'");
    snprintf(text, sizeof text, "rules:\n  - if: {metric: ~, below: 5}\n%s", ok_then);
    expect_error(text, "2:10: key 'rules[0].if.metric'", "has no value (the name of an output metric)");
    snprintf(text, sizeof text, "rules:\n  - if: {metric: qqqqqqqqqqqq, below: 5}\n%s", ok_then);
    expect_error(text, "2:18: key 'rules[0].if.metric'", "unknown metric 'qqqqqqqqqqqq'; the metrics are firms, projects,");
    snprintf(text, sizeof text, "rules:\n  - if: {metric: alliance_depolyed, below: 5}\n%s", ok_then);
    expect_error(text, "2:18: key 'rules[0].if.metric'", "did you mean 'alliance_deployed'?");
    snprintf(text, sizeof text, "rules:\n  - if: {metric: firms, above: .nan}\n%s", ok_then);
    expect_error(text, "2:32: key 'rules[0].if.above'", "value '.nan' is not a finite number");
    snprintf(text, sizeof text, "rules:\n  - if: {metric: firms, above: many}\n%s", ok_then);
    expect_error(text, "2:32: key 'rules[0].if.above'", "value 'many' is not a number (a threshold: a number, which may carry 万, 亿 or 万亿)");
    snprintf(text, sizeof text, "rules:\n  - if: {metric: firms, above: 1, below: 2}\n%s", ok_then);
    expect_error(text, "2:35: key 'rules[0].if'", "give only one of below and above");
    const char *if_ok = "rules:\n  - if: {metric: firms, below: 10}\n";
    struct { const char *then, *where, *want; } bad[] = {
        {"then: 5", "3:11: key 'rules[0].then'", "a 'then' is a mapping"},
        {"then: {set: 1}", "3:12: key 'rules[0].then'", "has no 'param'"},
        {"then: {param: policy, set: 1}", "3:19: key 'rules[0].then.param'", "'policy' is a group of parameters; name one of them, e.g. 'policy.strategic_forces'"},
        {"then: {param: exit, set: 1}", "3:19: key 'rules[0].then.param'", "'exit' is a group of parameters; name one of them, e.g. 'exit.background'"},
        {"then: {param: zzzzzzzz.qqqqqqqq, set: 1}", "3:19: key 'rules[0].then.param'", "unknown parameter 'zzzzzzzz.qqqqqqqq' (`neobay params`"},
        {"then: {param: guidance_fund, set: 1}", "3:19: key 'rules[0].then.param'", "did you mean 'policy.guidance_fund'?"},
        {"then: {param: run.seed, set: 1}", "3:19: key 'rules[0].then.param'", "'run.seed' (integer) is not schedulable"},
        {"then: {param: origin.firms, add: 1}", "3:19: key 'rules[0].then.param'", "is not schedulable"},
        {"then: {param: policy.poc_budget, set: 1, multiply: 2}", "3:46: key 'rules[0].then'", "found both 'set' and 'multiply'"},
        {"then: {param: policy.poc_budget, add: 1, multiply: 2}", "3:46: key 'rules[0].then'", "found both 'add' and 'multiply'"},
        {"then: {param: policy.poc_budget, mul: 2}", "3:38: key 'rules[0].then.mul'", "did you mean 'multiply'?"},
        {"then: {param: policy.poc_budget, to: 2}", "3:38: key 'rules[0].then.to'", "unknown key; a 'then' has the keys param, set, add and multiply"},
        {"then: {param: policy.poc_budget, set: -1}", "3:43: key 'rules[0].then.set'", "value -1 is below the minimum 0 (policy.poc_budget: money, RMB/month)"},
        {"then: {param: policy.poc_budget, set: 2兆}", "3:43: key 'rules[0].then.set'", "value '2兆' has an unknown unit"},
        {"then: {param: policy.poc_budget, set: [1]}", "3:44: key 'rules[0].then.set'", "expected policy.poc_budget: money, RMB/month, found a list"},
        {"then: {param: policy.poc_budget, add: ~}", "3:38: key 'rules[0].then.add'", "has no value (policy.poc_budget: money, RMB/month)"},
        {"then: {param: policy.poc_budget, add: -101亿}", "3:43: key 'rules[0].then.add'", "value -101亿 is more than the whole range of the parameter (0 to 100亿)"},
        {"then: {param: conversion.prob, add: 1.5}", "3:41: key 'rules[0].then.add'", "value 1.5 is more than the whole range of the parameter (0 to 1) (conversion.prob: probability, fraction)"},
        {"then: {param: conversion.prob, set: 50%}", "3:41: key 'rules[0].then.set'", "value '50%' is not a number (conversion.prob: probability, fraction)"},
        {"then: {param: policy.poc_budget, multiply: 1.5亿}", "3:48: key 'rules[0].then.multiply'", "value '1.5亿' is not a number (a factor: a plain number >= 0)"},
        {"then: {param: policy.poc_budget, multiply: -0.5}", "3:48: key 'rules[0].then.multiply'", "value -0.5 is below 0 (a factor: a plain number >= 0)"},
        {"then: {param: policy.poc_budget, multiply: inf}", "3:48: key 'rules[0].then.multiply'", "is not a finite number"},
        {"then: {param: policy.lists, multiply: 0}", "3:33: key 'rules[0].then.multiply'", "policy.lists is on/off: a rule can only set it"},
        {"then: {param: policy.lists, set: 2}", "3:38: key 'rules[0].then.set'", "is not true or false"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        snprintf(text, sizeof text, "%s    %s\n", if_ok, bad[i].then);
        expect_error(text, bad[i].where, bad[i].want);
    }
    /* the first bad rule is reported, after good ones; a second rules key is a duplicate */
    snprintf(text, sizeof text, "%s%s  - if: {metric: firms, below: 10}\n    then: {param: policy.poc_budget, add: 1亿, set: 0}\n",
             if_ok, ok_then);
    expect_error(text, "5:47: key 'rules[1].then'", "give only one of set, add and multiply; found both 'add' and 'set'");
    expect_error("rules: []\nrules: []\n", "2:1: ", "duplicate key 'rules'");
}

static void test_rules_set(void **state)
{
    nb_scenario *sc = load_ok("tests/data/scenarios/rules.yaml");
    nb_paramset before = sc->ps;
    nb_err e;
    const char *sets[] = {"rules=[]", "rules=[{if: {metric: firms, below: 1}, then: {param: policy.ip, set: 1}}]",
                          "rules[0].if.below=5亿", "rules.x=1", "rules=[{"};
    for (size_t i = 0; i < sizeof sets / sizeof *sets; i++) {
        assert_int_equal(nb_scenario_set(sc, sets[i], &e), NB_EINVAL);
        assert_string_equal(e.msg, "--set: key 'rules': rules can only be given in a scenario file");
    }
    assert_int_equal(nb_scenario_set(sc, "rule=[]", &e), NB_EINVAL);
    assert_string_equal(e.msg, "--set: key 'rule': unknown key; did you mean 'rules'?");
    assert_memory_equal(&sc->ps, &before, sizeof before);
    assert_int_equal(nb_scenario_set(sc, "policy.guidance_fund=3亿", &e), NB_OK);   /* rules kept */
    assert_int_equal(sc->ps.n_rules, 5);
    assert_memory_equal(sc->ps.rules, before.rules, sizeof before.rules);
    nb_scenario_free(sc);
}

static void test_rules_validate(void **state)
{
    nb_scenario *sc = load_ok("tests/data/scenarios/rules.yaml");
    nb_err e;
    char want[2048];
    const nb_rule good = sc->ps.rules[2];
    /* rules put into the parameter set behind the loader's back are still checked */
    sc->ps.rules[2].metric = NB_NMETRICS;
    assert_int_equal(nb_scenario_validate(sc, &e), NB_EINVAL);
    snprintf(want, sizeof want, "%s:17:5: key 'rules[2].if.metric': is not a metric", sc->files[0]);
    assert_string_equal(e.msg, want);
    sc->ps.rules[2] = good;
    sc->ps.rules[2].param = NB_P_exit_background;
    assert_int_equal(nb_scenario_validate(sc, &e), NB_EINVAL);
    assert_non_null(strstr(e.msg, "key 'rules[2].then.param': is not a schedulable parameter"));
    sc->ps.rules[2] = good;
    sc->ps.rules[2].op = NB_RULE_SET;
    sc->ps.rules[2].value = 2e11;
    assert_int_equal(nb_scenario_validate(sc, &e), NB_EINVAL);
    assert_non_null(strstr(e.msg, "key 'rules[2].then.set': policy.space 200000000000 is above the maximum 1000亿"));
    sc->ps.rules[2] = good;
    sc->ps.rules[2].threshold = NAN;
    assert_int_equal(nb_scenario_validate(sc, &e), NB_EINVAL);
    assert_non_null(strstr(e.msg, "key 'rules[2].if.above': is not a finite number"));
    sc->ps.rules[2] = good;
    sc->ps.rules[2].op = 7;
    assert_int_equal(nb_scenario_validate(sc, &e), NB_EINVAL);
    assert_non_null(strstr(e.msg, "key 'rules[2].then': is not set, add or multiply"));
    sc->ps.rules[2] = good;
    assert_int_equal(nb_scenario_validate(sc, &e), NB_OK);
    sc->ps.n_rules = NB_RULES_MAX + 1;
    assert_int_equal(nb_scenario_validate(sc, &e), NB_EINVAL);
    assert_string_equal(e.msg, "key 'rules': 33 rules; a scenario has at most 32");
    nb_scenario_free(sc);
}

static void test_rules_to_yaml(void **state)
{
    nb_scenario *sc = load_ok("tests/data/scenarios/rules.yaml");
    char *yaml = round_trip(sc);
    assert_non_null(strstr(yaml, "\nrules:\n  - name: \"top up the guidance fund\""));
    assert_non_null(strstr(yaml, "tests/data/scenarios/rules.yaml:7:5\n    from: 2026-01\n"));
    assert_non_null(strstr(yaml, "\n    if: {metric: alliance_deployed, below: 5000000000}"));
    assert_non_null(strstr(yaml, "# below 50亿\n    then: {param: policy.guidance_fund, add: 100000000}"));
    assert_non_null(strstr(yaml, "# add 1亿\n"));
    assert_non_null(strstr(yaml, "\n  - if: {metric: out_of_cash, above: 200}"));      /* no from */
    assert_non_null(strstr(yaml, "\n    then: {param: policy.lists, set: true}"));
    assert_non_null(strstr(yaml, "\n    then: {param: alliance.zone_share, add: -0.05}"));
    free(yaml);
    nb_scenario_free(sc);

    sc = load_ok("tests/data/scenarios/base.yaml");
    yaml = nb_scenario_to_yaml(sc);
    assert_non_null(strstr(yaml, "\nrules: []\n"));
    free(yaml);
    /* NB_RULES_MAX rules put in directly, over every metric, every schedulable parameter
     * and every op, with values far from round numbers, survive exactly */
    int sched[NB_NPARAMS], n_sched = 0;
    for (int id = 0; id < NB_NPARAMS; id++)
        if (nb_registry[id].flags & NB_F_SCHED) sched[n_sched++] = id;
    for (int pass = 0; pass < 3; pass++) {
        memset(sc->ps.rules, 0, sizeof sc->ps.rules);
        sc->ps.n_rules = NB_RULES_MAX;
        for (int i = 0; i < NB_RULES_MAX; i++) {
            nb_rule *r = &sc->ps.rules[i];
            int id = sched[(i + pass * NB_RULES_MAX) % n_sched];
            const nb_param_info *p = &nb_registry[id];
            r->from = i % 3 == 0 ? 0 : NB_MONTH(2024 + i, i % 12 + 1);
            r->metric = (i + pass * NB_RULES_MAX) % NB_NMETRICS;
            r->above = (i + pass) % 2;
            r->threshold = (i % 4 == 0 ? 1e9 : i % 4 == 1 ? -0.1 : 1) * 0.3183098861837907 * (i + 1);
            r->param = id;
            r->op = p->type == NB_T_BOOL ? NB_RULE_SET : (i + pass) % 3;
            r->value = r->op == NB_RULE_MUL ? 0.7071067811865476 * i
                     : r->op == NB_RULE_ADD ? -(p->max - p->min) * 0.1 * (i % 7)
                     : odd_value(id, 0.3183098861837907);
            free(sc->rule_name[i]);
            sc->rule_name[i] = NULL;
            if (i % 2) {
                char name[64];
                snprintf(name, sizeof name, "rule %d: \"quoted\" # 规则 \\ %d", i, pass);
                sc->rule_name[i] = strdup(name);
            }
        }
        assert_int_equal(nb_scenario_validate(sc, &(nb_err){{0}}), NB_OK);
        free(round_trip_v(sc, false));
    }
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
        cmocka_unit_test(test_rules_parse),
        cmocka_unit_test(test_rules_extends),
        cmocka_unit_test(test_rules_errors),
        cmocka_unit_test(test_rules_set),
        cmocka_unit_test(test_rules_validate),
        cmocka_unit_test(test_rules_to_yaml),
        cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_free_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
