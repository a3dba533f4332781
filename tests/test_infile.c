/* test_infile.c -- the input reader and the output-path rule (issue 14): FIFOs and
 * devices refused without blocking, the size bound, the UTF-8/NUL/directive pre-scan
 * with byte offsets, the alias expansion bound, and outputs equal to inputs refused. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "../model/neobay.h"
#include "../io/infile.h"
#include "../io/outpath.h"

/* Check text s[0..n) and return the offset it was refused at, or -1 if accepted. */
static long check(const char *s, size_t n)
{
    size_t off = 0;
    char why[256];
    return nb_yamltext_check(s, n, &off, why, sizeof why) ? (long)off : -1;
}

static void test_text_checks(void **state)
{
    (void)state;
    assert_int_equal(check("name: a\n", 8), -1);
    assert_int_equal(check("%\xff", 2), 0);
    assert_int_equal(check("%FOO x\n", 7), 0);
    assert_int_equal(check("%YAML 1.2\n---\na: 1\n", 19), -1);
    assert_int_equal(check("%TAG ! tag:x.org,2000:\n---\na: 1\n", 32), -1);
    assert_int_equal(check("a: 1\0b: 2\n", 10), 4);
    assert_int_equal(check("a: \xc3\x28\n", 6), 3);
    assert_int_equal(check("a: \xed\xa0\x80\n", 7), 3);             /* a surrogate */
    assert_int_equal(check("a: \xc0\xaf\n", 6), 3);                 /* overlong */
    assert_int_equal(check("a: \xe6\x96\xb0\n", 7), -1);            /* 新 */
}

static void test_alias_bomb(void **state)
{
    (void)state;
    char s[4096] = "a0: &a0 [x,x,x,x,x,x,x,x,x,x]\n";
    for (int i = 1; i < 9; i++) {
        size_t l = strlen(s);
        l += (size_t)snprintf(s + l, sizeof s - l, "a%d: &a%d [", i, i);
        for (int k = 0; k < 10; k++) l += (size_t)snprintf(s + l, sizeof s - l, "%s*a%d", k ? "," : "", i - 1);
        snprintf(s + l, sizeof s - l, "]\n");
    }
    assert_int_equal(check(s, strlen(s)), -1);      /* few aliases: the text passes */
    struct fy_parse_cfg pc = {.flags = FYPCF_QUIET};
    struct fy_document *doc = fy_document_build_from_string(&pc, s, strlen(s));
    assert_non_null(doc);
    char why[256];
    int line, col;
    assert_int_equal(nb_yaml_resolve_bounded(doc, &line, &col, why, sizeof why), 1);
    fy_document_destroy(doc);
}

/* Parse s as the loaders do; the result of nb_yaml_resolve_bounded (-9: no document). */
static int parse_resolve(const char *s, int *line, int *col, char *why, size_t n)
{
    struct fy_parse_cfg pc = {.flags = nb_yaml_parse_flags(s, strlen(s))};
    struct fy_document *doc = fy_document_build_from_string(&pc, s, strlen(s));
    if (!doc) return -9;
    int r = nb_yaml_resolve_bounded(doc, line, col, why, n);
    fy_document_destroy(doc);
    return r;
}

/* 20,000 keys in one mapping: libfyaml's own duplicate check took > 60 s (issue 14);
 * the hash-set check is linear and names the second occurrence of a duplicate. */
static void test_many_keys_linear(void **state)
{
    (void)state;
    enum { N = 20000 };
    size_t cap = (size_t)N * 24 + 64, len = 0;
    char *s = malloc(cap), why[256];
    assert_non_null(s);
    len += (size_t)snprintf(s + len, cap - len, "name: x\nextra:\n");
    for (int i = 0; i < N; i++) len += (size_t)snprintf(s + len, cap - len, "  k%05d: %d\n", i, i);
    assert_int_equal(check(s, len), -1);                     /* no key cap */
    int line = 0, col = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(parse_resolve(s, &line, &col, why, sizeof why), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    assert_true(secs < 2.0);                                 /* ~0.07 s; sanitizers slower */
    len += (size_t)snprintf(s + len, cap - len, "  k00007: again\n");       /* line 20003 */
    assert_int_equal(parse_resolve(s, &line, &col, why, sizeof why), 2);
    assert_int_equal(line, 20003);
    assert_int_equal(col, 3);
    assert_string_equal(why, "duplicate key 'k00007' (first at line 10)");
    free(s);
}

static void test_duplicate_keys(void **state)
{
    (void)state;
    int line, col;
    char why[256];
    assert_int_equal(parse_resolve("a: {b: 1, c: [{x: 1, x: 2}]}\n", &line, &col, why, sizeof why), 2);
    assert_int_equal(line, 1);
    assert_int_equal(col, 22);
    assert_string_equal(why, "duplicate key 'x' (first at line 1)");
    assert_int_equal(parse_resolve("'a': 1\n\"a\": 2\n", &line, &col, why, sizeof why), 2);
    assert_int_equal(line, 2);
    assert_int_equal(parse_resolve("a: 1\nb: {a: 2}\n", &line, &col, why, sizeof why), 0);
    /* merge keys keep their meaning: an explicit key overrides a merged one */
    const char *m = "b: &b {x: 1, y: 2}\nm: {<<: *b, x: 5}\n";
    struct fy_parse_cfg pc = {.flags = nb_yaml_parse_flags(m, strlen(m))};
    struct fy_document *doc = fy_document_build_from_string(&pc, m, strlen(m));
    assert_non_null(doc);
    assert_int_equal(nb_yaml_resolve_bounded(doc, &line, &col, why, sizeof why), 0);
    assert_string_equal(fy_node_get_scalar0(fy_node_by_path(fy_document_root(doc), "/m/x", -1, 0)), "5");
    assert_string_equal(fy_node_get_scalar0(fy_node_by_path(fy_document_root(doc), "/m/y", -1, 0)), "2");
    fy_document_destroy(doc);
}

static void test_read_kinds(void **state)
{
    (void)state;
    char dir[] = "/tmp/nb_infile_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char fifo[64], reg[64], big[64];
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    snprintf(reg, sizeof reg, "%s/a.yaml", dir);
    snprintf(big, sizeof big, "%s/big.yaml", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    char *b;
    size_t n;
    assert_int_equal(nb_infile_read(fifo, 100, &b, &n, NULL, NULL), NB_INFILE_ENOTREG);
    assert_int_equal(nb_infile_read("/dev/zero", 100, &b, &n, NULL, NULL), NB_INFILE_ENOTREG);
    FILE *f = fopen(reg, "w");
    fputs("name: a\n", f);
    fclose(f);
    assert_int_equal(nb_infile_read(reg, 100, &b, &n, NULL, NULL), 0);
    assert_int_equal(n, 8);
    assert_string_equal(b, "name: a\n");
    free(b);
    assert_int_equal(nb_infile_read(reg, 4, &b, &n, NULL, NULL), EFBIG);
    assert_null(b);
    /* the output rule */
    nb_err e;
    const char *in[] = {reg};
    assert_int_equal(nb_outpath_check(reg, in, 1, NULL, &e), NB_EINVAL);
    assert_int_equal(nb_outpath_check(big, in, 1, NULL, &e), NB_OK);      /* absent */
    assert_int_equal(nb_outpath_check(fifo, NULL, 0, NULL, &e), NB_EINVAL);
    assert_int_equal(nb_outpath_check("/dev/null", NULL, 0, NULL, &e), NB_EINVAL);
    unlink(fifo);
    unlink(reg);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_checks),
        cmocka_unit_test(test_alias_bomb),
        cmocka_unit_test(test_many_keys_linear),
        cmocka_unit_test(test_duplicate_keys),
        cmocka_unit_test(test_read_kinds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
