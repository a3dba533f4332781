/* test_opts.c -- the option tables of the command line (cli/opts.c, cli/cmdopts.c):
 * values and defaults land in their fields; a number out of range, a missing value,
 * an unknown option, a word not among a choice's and a repeat too many each give
 * their one message and exit code 2; --help lists every entry; and every
 * subcommand's table is well formed, with a help line for each option. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../cli/opts.h"
#include "../cli/cmdopts.h"

typedef struct targs {
    long n;
    const char *name;
    int quiet, mode;
    const char *tags[2];
    int n_tags;
    long years[3];
    int n_years;
} targs;

static const nb_opt topts[] = {
    NB_O_LONG(targs, n, "replicates", 'r', "N", 1, 1000000, 7, "replicates (default {default})"),
    NB_O_TEXT(targs, name, "name", 0, "NAME", "anon", "a name (default {default})"),
    NB_O_FLAG(targs, quiet, "quiet", 'q', "no progress"),
    NB_O_CHOICE(targs, mode, "panel", 0, "yearly|monthly|daily", "how often\nsecond line"),
    NB_O_TEXTS(targs, tags, n_tags, 2, "tag", 't', "T", "a tag; repeatable"),
    NB_O_LONGS(targs, years, n_years, 3, "year", 'y', "Y", 1900, 2200, "a year; repeatable"),
};
static const nb_optset tset = NB_OPTSET("test", "Usage: neobay test [options]\n\n", "\nThe end.\n", topts);

#define MAXARGS 16

/* Scan the NULL-terminated words after "test" with tset; rc, args, msg. */
typedef struct scan {
    char *argv[MAXARGS + 2];
    char words[MAXARGS][64];
    int argc, rc;
    targs a;
    char msg[256];
} scan;

static void run_scan(scan *s, ...)
{
    va_list ap;
    va_start(ap, s);
    memset(s, 0, sizeof *s);
    s->argv[s->argc++] = "test";
    for (const char *w; (w = va_arg(ap, const char *));) {
        assert_true(s->argc <= MAXARGS);
        snprintf(s->words[s->argc - 1], sizeof s->words[0], "%s", w);
        s->argv[s->argc] = s->words[s->argc - 1];
        s->argc++;
    }
    va_end(ap);
    s->argv[s->argc] = NULL;
    s->rc = nb_opts_scan(&tset, s->argc, s->argv, &s->a, s->msg, sizeof s->msg);
}

/* The scan fails with exit code 2 and exactly message `want`. */
static void assert_bad(const scan *s, const char *want)
{
    if (s->rc != NB_EXIT_BAD || strcmp(s->msg, want)) fprintf(stderr, "got %d '%s', want '%s'\n", s->rc, s->msg, want);
    assert_int_equal(s->rc, NB_EXIT_BAD);
    assert_string_equal(s->msg, want);
}

static void test_defaults_and_values(void **state)
{
    (void)state;
    scan s;
    run_scan(&s, "op", NULL);
    assert_int_equal(s.rc, 0);
    assert_int_equal(s.a.n, 7);
    assert_string_equal(s.a.name, "anon");
    assert_int_equal(s.a.quiet, 0);
    assert_int_equal(s.a.mode, 0);
    assert_int_equal(s.a.n_tags, 0);
    assert_int_equal(s.a.n_years, 0);
    assert_int_equal(optind, 1);
    run_scan(&s, "-r", "5", "first", "--name=x", "-q", "--panel", "daily", "-t", "a", "--tag", "b",
             "-y", "2000", "--year=2100", "second", NULL);
    assert_int_equal(s.rc, 0);
    assert_int_equal(s.a.n, 5);
    assert_string_equal(s.a.name, "x");
    assert_int_equal(s.a.quiet, 1);
    assert_int_equal(s.a.mode, 3);              /* the third word */
    assert_int_equal(s.a.n_tags, 2);
    assert_string_equal(s.a.tags[0], "a");
    assert_string_equal(s.a.tags[1], "b");
    assert_int_equal(s.a.n_years, 2);
    assert_int_equal(s.a.years[0], 2000);
    assert_int_equal(s.a.years[1], 2100);
    /* the operands, moved after the options */
    assert_int_equal(s.argc - optind, 2);
    assert_string_equal(s.argv[optind], "first");
    assert_string_equal(s.argv[optind + 1], "second");
    run_scan(&s, "-r1000000", "-qy1900", NULL);  /* the ends of the range, letters joined */
    assert_int_equal(s.rc, 0);
    assert_int_equal(s.a.n, 1000000);
    assert_int_equal(s.a.quiet, 1);
    assert_int_equal(s.a.years[0], 1900);
}

static void test_number_out_of_range(void **state)
{
    (void)state;
    scan s;
    run_scan(&s, "--replicates", "0", NULL);
    assert_bad(&s, "--replicates: '0' is not a whole number from 1 to 1000000");
    run_scan(&s, "-r", "1000001", NULL);
    assert_bad(&s, "--replicates: '1000001' is not a whole number from 1 to 1000000");
    run_scan(&s, "-r", "x", NULL);
    assert_bad(&s, "--replicates: 'x' is not a whole number from 1 to 1000000");
    run_scan(&s, "--replicates=3.5", NULL);
    assert_bad(&s, "--replicates: '3.5' is not a whole number from 1 to 1000000");
    run_scan(&s, "-r", "", NULL);
    assert_bad(&s, "--replicates: '' is not a whole number from 1 to 1000000");
    run_scan(&s, "--year", "1899", NULL);
    assert_bad(&s, "--year: '1899' is not a whole number from 1900 to 2200");
}

static void test_missing_value(void **state)
{
    (void)state;
    scan s;
    run_scan(&s, "op", "--replicates", NULL);
    assert_bad(&s, "option '--replicates' needs a value");
    run_scan(&s, "op", "-r", NULL);
    assert_bad(&s, "option '-r' needs a value");
    run_scan(&s, "--panel", NULL);
    assert_bad(&s, "option '--panel' needs a value");
}

static void test_unknown_option(void **state)
{
    (void)state;
    scan s;
    run_scan(&s, "op", "--bogus", NULL);
    assert_bad(&s, "unknown option '--bogus'");
    run_scan(&s, "--bogus=1", NULL);
    assert_bad(&s, "unknown option '--bogus'");
    run_scan(&s, "-x", NULL);
    assert_bad(&s, "unknown option '-x'");
    run_scan(&s, "--quiet=1", NULL);               /* a flag takes no value */
    assert_int_equal(s.rc, NB_EXIT_BAD);
}

static void test_choice_not_in_list(void **state)
{
    (void)state;
    scan s;
    run_scan(&s, "--panel", "weekly", NULL);
    assert_bad(&s, "--panel: 'weekly' is not yearly, monthly or daily");
    run_scan(&s, "--panel", "year", NULL);         /* no prefixes */
    assert_bad(&s, "--panel: 'year' is not yearly, monthly or daily");
    run_scan(&s, "--panel", "", NULL);
    assert_bad(&s, "--panel: '' is not yearly, monthly or daily");
    run_scan(&s, "--panel", "yearly", NULL);
    assert_int_equal(s.rc, 0);
    assert_int_equal(s.a.mode, 1);
}

static void test_repeats_too_many(void **state)
{
    (void)state;
    scan s;
    run_scan(&s, "-t", "a", "-t", "b", "-t", "c", NULL);
    assert_bad(&s, "--tag: given more than 2 times");
}

static void test_help_and_parse_status(void **state)
{
    (void)state;
    scan s;
    run_scan(&s, "-h", "--bogus", NULL);           /* help first: the rest is not read */
    assert_int_equal(s.rc, NB_OPTS_HELP);
    run_scan(&s, "op", "--help", NULL);
    assert_int_equal(s.rc, NB_OPTS_HELP);
    /* nb_opts_parse: the same status, the message printed (stderr) */
    char *argv[] = {"test", "--replicates", "0", NULL};
    targs a;
    assert_int_equal(nb_opts_parse(&tset, 3, argv, &a), NB_EXIT_BAD);
}

/* The --help of set, in a malloc'd string. */
static char *help_text(const nb_optset *set)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    nb_opts_help(set, f);
    fclose(f);
    return buf;
}

static void test_help_text(void **state)
{
    (void)state;
    char *h = help_text(&tset);
    assert_true(strncmp(h, "Usage: neobay test [options]\n\n", 30) == 0);
    assert_non_null(strstr(h, "  -r, --replicates N  replicates (default 7)\n"));
    assert_non_null(strstr(h, "      --name NAME     a name (default anon)\n"));
    assert_non_null(strstr(h, "      --panel yearly|monthly|daily\n"));
    assert_non_null(strstr(h, "how often\n                      second line\n"));
    assert_non_null(strstr(h, "  -h, --help          this text\n"));
    assert_non_null(strstr(h, "\nThe end.\n"));
    free(h);
}

/* Every subcommand's table: well formed, every option with a help line, and its
 * --help names every option. */
static void test_every_table_documents_every_option(void **state)
{
    (void)state;
    int sets = 0;
    for (const nb_optset *const *p = nb_optsets; *p; p++, sets++) {
        const nb_optset *set = *p;
        char why[256];
        int rc = nb_optset_check(set, why, sizeof why);
        if (rc) fprintf(stderr, "options of %s: %s\n", set->cmd, why);
        assert_int_equal(rc, 0);
        assert_true(set->n > 0);
        assert_non_null(set->usage);
        assert_true(strncmp(set->usage, "Usage: neobay ", 14) == 0);
        char *h = help_text(set);
        for (int i = 0; i < set->n; i++) {
            const nb_opt *o = &set->opt[i];
            assert_non_null(o->help);
            assert_true(strlen(o->help) > 0);
            char left[96];
            snprintf(left, sizeof left, "--%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
            if (!strstr(h, left)) fprintf(stderr, "%s --help does not list %s\n", set->cmd, left);
            assert_non_null(strstr(h, left));
            if (o->letter) {
                snprintf(left, sizeof left, "-%c, --%s", o->letter, o->name);
                assert_non_null(strstr(h, left));
            }
        }
        assert_null(strstr(h, "{default}"));
        free(h);
    }
    assert_int_equal(sets, 14);
}

/* nb_optset_check finds what would break --help or getopt. */
static void test_check_rejects_bad_tables(void **state)
{
    (void)state;
    char why[256];
    static const nb_opt no_help[] = {NB_O_FLAG(targs, quiet, "quiet", 'q', "")};
    static const nb_optset s1 = NB_OPTSET("t1", "Usage: neobay t1\n", "", no_help);
    assert_int_equal(nb_optset_check(&s1, why, sizeof why), -1);
    assert_string_equal(why, "--quiet has no help line");
    static const nb_opt twice[] = {NB_O_FLAG(targs, quiet, "quiet", 'q', "x"),
                                   NB_O_LONG(targs, n, "n", 'q', "N", 0, 1, 0, "y")};
    static const nb_optset s2 = NB_OPTSET("t2", "Usage: neobay t2\n", "", twice);
    assert_int_equal(nb_optset_check(&s2, why, sizeof why), -1);
    assert_non_null(strstr(why, "letter"));
    static const nb_opt help[] = {NB_O_FLAG(targs, quiet, "help", 0, "x")};
    static const nb_optset s3 = NB_OPTSET("t3", "Usage: neobay t3\n", "", help);
    assert_int_equal(nb_optset_check(&s3, why, sizeof why), -1);
    static const nb_opt range[] = {NB_O_LONG(targs, n, "n", 0, "N", 5, 1, 0, "y")};
    static const nb_optset s4 = NB_OPTSET("t4", "Usage: neobay t4\n", "", range);
    assert_int_equal(nb_optset_check(&s4, why, sizeof why), -1);
    assert_int_equal(nb_optset_check(&tset, why, sizeof why), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_and_values),
        cmocka_unit_test(test_number_out_of_range),
        cmocka_unit_test(test_missing_value),
        cmocka_unit_test(test_unknown_option),
        cmocka_unit_test(test_choice_not_in_list),
        cmocka_unit_test(test_repeats_too_many),
        cmocka_unit_test(test_help_and_parse_status),
        cmocka_unit_test(test_help_text),
        cmocka_unit_test(test_every_table_documents_every_option),
        cmocka_unit_test(test_check_rejects_bad_tables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
