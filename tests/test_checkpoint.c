/* test_checkpoint.c -- resumable runs: records written, reopened and restored bit
 * for bit; a cut-short tail, corrupt records, duplicates and out-of-range replicates
 * ignored; another run's checkpoint and a file that is no checkpoint refused; the
 * run hash. */
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
#include "../io/checkpoint.h"
#include "../model/neobay.h"

#define N_REP 5
#define N_TIME 7
#define START NB_MONTH(2024, 7)
#define HASH 0x0123456789abcdefULL
#define HDR_LEN 16
#define REC_LEN (4 + 8 * NB_NMETRICS * N_TIME + 8)   /* the format in checkpoint.h */

typedef struct fixture {
    char dir[64];
    char path[128];              /* dir/run.h5.ckpt */
    nb_results *res;             /* the values a run computed */
    nb_results *back;            /* what a resumed run restores into */
    unsigned char skip[N_REP];
} fixture;

/* The value of metric m, replicate rep, time t: awkward doubles included (negative
 * zero, a subnormal, infinity, a NaN) to show rows come back bit for bit. */
static double value(int m, int rep, int t)
{
    switch ((m + rep + t) % 9) {
    case 0: return -0.0;
    case 1: return 4.9e-324;
    case 2: return INFINITY;
    case 3: return nan("0x5");
    default: return m * 1000.0 + rep * 10.0 + t / 3.0;
    }
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f) return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/nb_ckpt_XXXXXX");
    if (!mkdtemp(f->dir)) return -1;
    snprintf(f->path, sizeof f->path, "%s/run.h5.ckpt", f->dir);
    f->res = nb_results_alloc(N_REP, N_TIME, START);
    f->back = nb_results_alloc(N_REP, N_TIME, START);
    if (!f->res || !f->back) return -1;
    for (int m = 0; m < NB_NMETRICS; m++)
        for (int r = 0; r < N_REP; r++)
            for (int t = 0; t < N_TIME; t++) nb_results_row(f->res, m, r)[t] = value(m, r, t);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    unlink(f->path);
    rmdir(f->dir);
    nb_results_free(f->res);
    nb_results_free(f->back);
    free(f);
    return 0;
}

/* Create the checkpoint and append replicates reps[0..n-1] of f->res. */
static void write_reps(fixture *f, const int *reps, int n)
{
    nb_ckpt *c;
    int found = -1, done = -1;
    unsigned char skip[N_REP] = {0};
    nb_results *scratch = nb_results_alloc(N_REP, N_TIME, START);
    assert_non_null(scratch);
    assert_int_equal(nb_ckpt_open(f->path, HASH, scratch, skip, &c, &found, &done, NULL), NB_OK);
    assert_int_equal(found, 0);
    assert_int_equal(done, 0);
    for (int i = 0; i < n; i++) assert_int_equal(nb_ckpt_append(c, f->res, reps[i], NULL), NB_OK);
    assert_int_equal(nb_ckpt_close(c, 0, NULL), NB_OK);
    nb_results_free(scratch);
}

/* Reopen the checkpoint into f->back and f->skip; the replicates restored. */
static int reopen(fixture *f, nb_ckpt **c)
{
    int found = 0, done = -1;
    memset(f->skip, 0, sizeof f->skip);
    assert_int_equal(nb_ckpt_open(f->path, HASH, f->back, f->skip, c, &found, &done, NULL), NB_OK);
    assert_int_equal(found, 1);
    return done;
}

/* Replicate rep's row in f->back equals f->res's bit for bit. */
static void assert_restored(const fixture *f, int rep)
{
    for (int m = 0; m < NB_NMETRICS; m++)
        assert_memory_equal(nb_results_row(f->back, m, rep), nb_results_row(f->res, m, rep),
                            N_TIME * sizeof(double));
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* Overwrite one byte at offset off (XOR 0x5a). */
static void flip_byte(const char *path, long off)
{
    FILE *fp = fopen(path, "r+b");
    assert_non_null(fp);
    assert_int_equal(fseek(fp, off, SEEK_SET), 0);
    int ch = fgetc(fp);
    assert_int_equal(fseek(fp, off, SEEK_SET), 0);
    fputc(ch ^ 0x5a, fp);
    fclose(fp);
}

static void test_restore_after_reopen(void **state)
{
    fixture *f = *state;
    write_reps(f, (int[]){0, 2, 3}, 3);
    assert_int_equal(file_size(f->path), HDR_LEN + 3 * REC_LEN);
    nb_ckpt *c;
    assert_int_equal(reopen(f, &c), 3);
    assert_memory_equal(f->skip, ((unsigned char[]){1, 0, 1, 1, 0}), N_REP);
    assert_restored(f, 0);
    assert_restored(f, 2);
    assert_restored(f, 3);
    assert_true(nb_results_row(f->back, 0, 1)[0] == 0.0);   /* untouched */
    /* Appending continues the same file. */
    assert_int_equal(nb_ckpt_append(c, f->res, 4, NULL), NB_OK);
    assert_int_equal(nb_ckpt_close(c, 0, NULL), NB_OK);
    assert_int_equal(reopen(f, &c), 4);
    assert_restored(f, 4);
    /* Closing with remove deletes the file. */
    assert_int_equal(nb_ckpt_close(c, 1, NULL), NB_OK);
    assert_int_equal(access(f->path, F_OK), -1);
}

static void test_truncated_tail_ignored(void **state)
{
    fixture *f = *state;
    write_reps(f, (int[]){1, 4, 0}, 3);
    /* A kill in mid-write: the last record is cut short. */
    assert_int_equal(truncate(f->path, HDR_LEN + 2 * REC_LEN + REC_LEN / 2), 0);
    nb_ckpt *c;
    assert_int_equal(reopen(f, &c), 2);
    assert_memory_equal(f->skip, ((unsigned char[]){0, 1, 0, 0, 1}), N_REP);
    assert_restored(f, 1);
    assert_restored(f, 4);
    /* The partial record is cut off, so the next record lands on a boundary. */
    assert_int_equal(file_size(f->path), HDR_LEN + 2 * REC_LEN);
    assert_int_equal(nb_ckpt_append(c, f->res, 0, NULL), NB_OK);
    assert_int_equal(nb_ckpt_close(c, 0, NULL), NB_OK);
    assert_int_equal(reopen(f, &c), 3);
    assert_restored(f, 0);
    nb_ckpt_close(c, 0, NULL);
}

static void test_corrupt_records_ignored(void **state)
{
    fixture *f = *state;
    write_reps(f, (int[]){0, 1, 2, 3}, 4);
    flip_byte(f->path, HDR_LEN + 1 * REC_LEN + 100);          /* rep 1's payload */
    flip_byte(f->path, HDR_LEN + 3 * REC_LEN + REC_LEN - 1);  /* rep 3's checksum */
    nb_ckpt *c;
    assert_int_equal(reopen(f, &c), 2);
    assert_memory_equal(f->skip, ((unsigned char[]){1, 0, 1, 0, 0}), N_REP);
    assert_restored(f, 0);
    assert_restored(f, 2);
    /* The bad tail (rep 3) is cut; the bad record in the middle is skipped. */
    assert_int_equal(file_size(f->path), HDR_LEN + 3 * REC_LEN);
    assert_int_equal(nb_ckpt_append(c, f->res, 3, NULL), NB_OK);
    assert_int_equal(nb_ckpt_append(c, f->res, 1, NULL), NB_OK);
    assert_int_equal(nb_ckpt_close(c, 0, NULL), NB_OK);
    assert_int_equal(reopen(f, &c), 4);
    assert_restored(f, 1);
    assert_restored(f, 3);
    nb_ckpt_close(c, 0, NULL);
}

static void test_duplicates_and_foreign_reps_ignored(void **state)
{
    fixture *f = *state;
    write_reps(f, (int[]){2, 2, 2}, 3);
    nb_ckpt *c;
    assert_int_equal(reopen(f, &c), 1);
    assert_restored(f, 2);
    nb_ckpt_close(c, 0, NULL);
    /* A record for replicate 7 (valid checksum) is not restored into 5 replicates. */
    nb_results *big = nb_results_alloc(8, N_TIME, START);
    unsigned char skip[8] = {0};
    int found, done;
    assert_non_null(big);
    assert_int_equal(nb_ckpt_open(f->path, HASH, big, skip, &c, &found, &done, NULL), NB_OK);
    assert_int_equal(nb_ckpt_append(c, big, 7, NULL), NB_OK);
    nb_ckpt_close(c, 0, NULL);
    nb_results_free(big);
    assert_int_equal(reopen(f, &c), 1);
    assert_memory_equal(f->skip, ((unsigned char[]){0, 0, 1, 0, 0}), N_REP);
    nb_ckpt_close(c, 0, NULL);
}

static void test_other_run_refused(void **state)
{
    fixture *f = *state;
    write_reps(f, (int[]){0, 1}, 2);
    long size = file_size(f->path);
    nb_ckpt *c = (nb_ckpt *)1;
    nb_err e = {""};
    int found, done;
    assert_int_equal(nb_ckpt_open(f->path, HASH + 1, f->back, f->skip, &c, &found, &done, &e),
                     NB_EINVAL);
    assert_null(c);
    assert_non_null(strstr(e.msg, "run.h5.ckpt: checkpoint of a different run ("));
    assert_non_null(strstr(e.msg, "); delete it or choose another -o"));
    assert_int_equal(file_size(f->path), size);                 /* left alone */
    assert_memory_equal(f->skip, ((unsigned char[N_REP]){0}), N_REP);
    /* --restart: delete, then a fresh checkpoint. */
    assert_int_equal(nb_ckpt_delete(f->path, NULL), NB_OK);
    assert_int_equal(nb_ckpt_delete(f->path, NULL), NB_OK);    /* absent is fine */
    assert_int_equal(nb_ckpt_open(f->path, HASH + 1, f->back, f->skip, &c, &found, &done, &e),
                     NB_OK);
    assert_int_equal(found, 0);
    assert_int_equal(file_size(f->path), HDR_LEN);
    nb_ckpt_close(c, 0, NULL);
}

/* Write `text` (len bytes) as the whole checkpoint file. */
static void write_file(const char *path, const char *text, size_t len)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(text, 1, len, fp), len);
    fclose(fp);
}

static void test_not_a_checkpoint_refused(void **state)
{
    fixture *f = *state;
    static const char *const junk[] = {"", "NBCKPT", "name: baseline\nrun:\n  seed: 1\n",
                                       "NBCKPT2\n0123456789abcdef"};
    for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
        write_file(f->path, junk[i], strlen(junk[i]));
        nb_ckpt *c;
        nb_err e = {""};
        int found, done;
        assert_int_equal(nb_ckpt_open(f->path, HASH, f->back, f->skip, &c, &found, &done, &e),
                         NB_EINVAL);
        assert_non_null(strstr(e.msg, "checkpoint of a different run (not a neobay checkpoint)"));
        assert_int_equal(file_size(f->path), (long)strlen(junk[i]));
    }
}

static void test_hash_covers_the_run(void **state)
{
    fixture *f = *state;
    nb_paramset ps;
    nb_paramset_default(&ps);
    nb_run_meta a = {"baseline", "scenarios/baseline.yaml", "name: baseline\n", &ps, 42};
    uint64_t h = nb_ckpt_hash(&a, f->res);
    assert_true(h == nb_ckpt_hash(&a, f->res));
    nb_run_meta b = a;
    b.seed = 43;
    assert_true(h != nb_ckpt_hash(&b, f->res));
    b = a;
    b.scenario_yaml = "name: baseline \n";
    assert_true(h != nb_ckpt_hash(&b, f->res));
    b = a;
    b.scenario_path = "other/baseline.yaml";
    assert_true(h != nb_ckpt_hash(&b, f->res));
    nb_results *more = nb_results_alloc(N_REP + 1, N_TIME, START);
    assert_non_null(more);
    assert_true(h != nb_ckpt_hash(&a, more));
    nb_results_free(more);
    nb_paramset_set_const(&ps, 0, nextafter(ps.p[0].value[0], INFINITY));   /* 1 ulp */
    assert_true(h != nb_ckpt_hash(&a, f->res));
}

static void test_path(void **state)
{
    char buf[32];
    nb_err e;
    assert_int_equal(nb_ckpt_path("out/run.h5", buf, sizeof buf, &e), NB_OK);
    assert_string_equal(buf, "out/run.h5.ckpt");
    assert_int_equal(nb_ckpt_path("a-very-long-directory-name/run.h5", buf, sizeof buf, &e),
                     NB_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_restore_after_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncated_tail_ignored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_records_ignored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicates_and_foreign_reps_ignored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_run_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_a_checkpoint_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hash_covers_the_run, setup, teardown),
        cmocka_unit_test(test_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
