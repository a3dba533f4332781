/* test_rng.c -- Philox4x32-10 against the Random123 known answers, and the GSL
 * wrapper's contract. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_cdf.h>
#include "../model/rng.h"

/* Random123 kat_vectors: counter, key -> output. */
static void test_known_answers(void **state)
{
    static const uint32_t kat[3][10] = {
        {0, 0, 0, 0, 0, 0, 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
        {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff,
         0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
        {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0,
         0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}};
    for (int t = 0; t < 3; t++) {
        nb_ctr c = {{kat[t][0], kat[t][1], kat[t][2], kat[t][3]}};
        nb_key k = {{kat[t][4], kat[t][5]}};
        nb_ctr o = nb_philox4x32(k, c);
        for (int j = 0; j < 4; j++) assert_int_equal(o.v[j], kat[t][6 + j]);
    }
}

/* The GSL stream returns the block's words in order, then the next block's. */
static void test_gsl_stream_words(void **state)
{
    gsl_rng *r = gsl_rng_alloc(nb_rng_philox);
    nb_key k = nb_rng_key(7, 3);
    nb_ctr c = nb_rng_ctr(42, 5, NB_RS_ROUND, 0);
    nb_rng_stream(r, k, c);
    nb_ctr b0 = nb_philox4x32(k, c);
    c.v[3] += 1;
    nb_ctr b1 = nb_philox4x32(k, c);
    for (int j = 0; j < 4; j++) assert_int_equal(gsl_rng_get(r), b0.v[j]);
    for (int j = 0; j < 4; j++) assert_int_equal(gsl_rng_get(r), b1.v[j]);
    assert_int_equal(gsl_rng_max(r), 0xffffffffUL);
    assert_int_equal(gsl_rng_min(r), 0);
    gsl_rng_free(r);
}

/* Repositioning gives the same draws: a stream is a pure function of its address. */
static void test_stream_reproducible(void **state)
{
    gsl_rng *r = gsl_rng_alloc(nb_rng_philox);
    double a[8], b[8];
    nb_rng_stream(r, nb_rng_key(1, 2), nb_rng_ctr(3, 4, NB_RS_BIRTH, 0));
    for (int i = 0; i < 8; i++) a[i] = gsl_ran_gaussian_ziggurat(r, 1.0);
    nb_rng_stream(r, nb_rng_key(9, 9), nb_rng_ctr(9, 9, NB_RS_BIRTH, 0));
    (void)gsl_rng_get(r);
    nb_rng_stream(r, nb_rng_key(1, 2), nb_rng_ctr(3, 4, NB_RS_BIRTH, 0));
    for (int i = 0; i < 8; i++) b[i] = gsl_ran_gaussian_ziggurat(r, 1.0);
    for (int i = 0; i < 8; i++) assert_true(a[i] == b[i]);
    gsl_rng_free(r);
}

/* Uniformity: 200 bins of 1e6 draws from counters 0..; chi-square with 199 degrees
 * of freedom must lie inside its central 99.98% (fixed seed, so the test is
 * deterministic; the bound is the chi-square law, not a run we liked). */
static void test_uniform_chisq(void **state)
{
    enum { BINS = 200, N = 1000000 };
    static double count[BINS];
    gsl_rng *r = gsl_rng_alloc(nb_rng_philox);
    gsl_rng_set(r, 12345);
    for (int i = 0; i < N; i++) count[(int)(gsl_rng_uniform(r) * BINS)] += 1;
    double e = (double)N / BINS, chi = 0;
    for (int b = 0; b < BINS; b++) chi += (count[b] - e) * (count[b] - e) / e;
    assert_true(chi > gsl_cdf_chisq_Pinv(0.0001, BINS - 1));
    assert_true(chi < gsl_cdf_chisq_Pinv(0.9999, BINS - 1));
    gsl_rng_free(r);
}

/* The batch (SSE2) path gives exactly the scalar numbers, for every tail length. */
static void test_batch_matches_scalar(void **state)
{
    enum { N = 37 };
    uint64_t eid[N];
    uint32_t r[4][N];
    for (int i = 0; i < N; i++) eid[i] = 0x9E3779B97F4A7C15ull * (uint64_t)(i + 1) ^ ((uint64_t)i << 40);
    nb_key key = nb_rng_key(20240711, 17);
    for (int n = 0; n <= N; n++) {
        nb_philox4x32_batch(key, n, eid, 123, NB_RS_FIRM, r[0], r[1], r[2], r[3]);
        for (int i = 0; i < n; i++) {
            nb_ctr u = nb_philox4x32(key, nb_rng_ctr(eid[i], 123, NB_RS_FIRM, 0));
            for (int j = 0; j < 4; j++) assert_int_equal(r[j][i], u.v[j]);
        }
    }
}

/* The batch with r2 = r3 = NULL gives the first two words and writes nothing else. */
static void test_batch_two_words(void **state)
{
    enum { N = 21 };
    uint64_t eid[N];
    uint32_t r0[N], r1[N];
    for (int i = 0; i < N; i++) eid[i] = (1ull << 40) + 977u * (uint64_t)i;
    nb_key key = nb_rng_key(7, 2);
    nb_philox4x32_batch(key, N, eid, 55, NB_RS_APPLY, r0, r1, NULL, NULL);
    for (int i = 0; i < N; i++) {
        nb_ctr u = nb_philox4x32(key, nb_rng_ctr(eid[i], 55, NB_RS_APPLY, 0));
        assert_int_equal(r0[i], u.v[0]);
        assert_int_equal(r1[i], u.v[1]);
    }
}

/* Application words (nb_splitmix_word): seeded by Philox blocks, words j = 0..8 of
 * 200,000 seeds.  Each word's mean is 1/2 within 5 standard errors (1/sqrt(12 n)),
 * the correlation of neighbouring words is 0 within 5/sqrt(n), and the words of
 * every j pass the chi-square test of test_uniform_chisq (50 bins): one programme's
 * draw says nothing about another's. */
static void test_splitmix_words(void **state)
{
    enum { N = 200000, J = 9, BINS = 50 };
    static double count[J][BINS];
    double sum[J] = {0}, cross[J - 1] = {0};
    nb_key key = nb_rng_key(99, 4);
    for (int i = 0; i < N; i++) {
        nb_ctr b = nb_philox4x32(key, nb_rng_ctr((uint64_t)i, 31, NB_RS_APPLY, 0));
        uint64_t seed = (uint64_t)b.v[0] << 32 | b.v[1];
        double u[J];
        for (int j = 0; j < J; j++) {
            u[j] = nb_u01(nb_splitmix_word(seed, (uint32_t)j));
            sum[j] += u[j];
            count[j][(int)(u[j] * BINS)] += 1;
        }
        for (int j = 0; j + 1 < J; j++) cross[j] += (u[j] - 0.5) * (u[j + 1] - 0.5);
    }
    double se = 1.0 / sqrt(12.0 * N), e = (double)N / BINS;
    for (int j = 0; j < J; j++) {
        assert_true(fabs(sum[j] / N - 0.5) < 5 * se);
        double chi = 0;
        for (int b = 0; b < BINS; b++) chi += (count[j][b] - e) * (count[j][b] - e) / e;
        assert_true(chi > gsl_cdf_chisq_Pinv(0.0001, BINS - 1));
        assert_true(chi < gsl_cdf_chisq_Pinv(0.9999, BINS - 1));
    }
    for (int j = 0; j + 1 < J; j++)    /* corr = cross / (n var), var = 1/12 */
        assert_true(fabs(12.0 * cross[j] / N) < 5.0 / sqrt((double)N));
}

/* nb_u01 never returns 0 or 1. */
static void test_u01_open(void **state)
{
    assert_true(nb_u01(0) > 0.0);
    assert_true(nb_u01(0xffffffffu) < 1.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_answers),
        cmocka_unit_test(test_gsl_stream_words),
        cmocka_unit_test(test_stream_reproducible),
        cmocka_unit_test(test_uniform_chisq),
        cmocka_unit_test(test_u01_open),
        cmocka_unit_test(test_batch_matches_scalar),
        cmocka_unit_test(test_batch_two_words),
        cmocka_unit_test(test_splitmix_words),
    };
    return cmocka_run_group_tests_name("rng", tests, NULL, NULL);
}
