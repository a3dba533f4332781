/* rng.c -- Philox4x32-10 and its gsl_rng_type wrapper (see rng.h).
 *
 * Written from the published algorithm: J. K. Salmon, M. A. Moraes, R. O. Dror and
 * D. E. Shaw, "Parallel random numbers: as easy as 1, 2, 3", SC'11.  Checked against
 * the Random123 known-answer vectors in tests/test_rng.c.
 */
#include <assert.h>
#include <string.h>
#include "rng.h"

/* State of a GSL stream: the block in hand and the next word to return. */
typedef struct {
    nb_key key;
    nb_ctr ctr;     /* counter of the block in `buf` */
    nb_ctr buf;
    int next;       /* 0..4; 4 = block used up */
} philox_state;

static void philox_refill(philox_state *s)
{
    s->buf = nb_philox4x32(s->key, s->ctr);
    s->next = 0;
}

/* Next block of a stream.  An event's stream (purpose != 0) has 65,536 blocks and
 * then wraps, so it never runs into another event's counters; the free-running
 * stream of gsl_rng_set (purpose 0, used by no event) carries into the higher words
 * and has a period of 2^112 blocks. */
static void philox_advance(nb_ctr *c)
{
    uint32_t purpose = c->v[3] & 0xffff0000u, block = (c->v[3] + 1) & 0xffffu;
    c->v[3] = purpose | block;
    if (block != 0 || purpose != 0) return;
    for (int w = 2; w >= 0 && ++c->v[w] == 0; w--) {}
}

static unsigned long philox_get(void *vs)
{
    philox_state *s = vs;
    if (s->next == 4) {
        philox_advance(&s->ctr);
        philox_refill(s);
    }
    return s->buf.v[s->next++];
}

static double philox_get_double(void *vs)
{
    return nb_u01((uint32_t)philox_get(vs));
}

static void philox_set(void *vs, unsigned long seed)
{
    philox_state *s = vs;
    memset(s, 0, sizeof *s);
    s->key = nb_rng_key((uint32_t)seed, 0);
    philox_refill(s);
}

static const gsl_rng_type philox_type = {
    "nb_philox4x32_10", 0xffffffffUL, 0, sizeof(philox_state),
    philox_set, philox_get, philox_get_double
};

const gsl_rng_type *const nb_rng_philox = &philox_type;

void nb_rng_stream(gsl_rng *r, nb_key key, nb_ctr ctr)
{
    assert(r->type == nb_rng_philox);
    philox_state *s = r->state;
    s->key = key;
    s->ctr = ctr;
    philox_refill(s);
}

/* ---- batch: block 0 of (eid[i], step, purpose) for n firms --------------------- */

#if defined(__SSE2__)
#include <emmintrin.h>

/* hi and lo words of a[j] * m for the four 32-bit lanes of a. */
static inline void mulhilo4(__m128i a, __m128i m, __m128i *hi, __m128i *lo)
{
    __m128i p02 = _mm_mul_epu32(a, m);                       /* lanes 0, 2 */
    __m128i p13 = _mm_mul_epu32(_mm_srli_epi64(a, 32), m);   /* lanes 1, 3 */
    __m128i x = _mm_shuffle_epi32(p02, _MM_SHUFFLE(3, 1, 2, 0));   /* lo0 lo2 hi0 hi2 */
    __m128i y = _mm_shuffle_epi32(p13, _MM_SHUFFLE(3, 1, 2, 0));   /* lo1 lo3 hi1 hi3 */
    *lo = _mm_unpacklo_epi32(x, y);
    *hi = _mm_unpackhi_epi32(x, y);
}

/* Four firms at once, lanes = firms (structure of arrays). */
static int philox_batch4(nb_key key, int n, const uint64_t *eid, uint32_t step,
                         uint32_t purpose, uint32_t *r0, uint32_t *r1, uint32_t *r2,
                         uint32_t *r3)
{
    const __m128i m0 = _mm_set1_epi32((int)NB_PHILOX_M0), m1 = _mm_set1_epi32((int)NB_PHILOX_M1);
    int i = 0;
    for (; i + 4 <= n; i += 4) {
        __m128i e01 = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(eid + i)), _MM_SHUFFLE(3, 1, 2, 0));
        __m128i e23 = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(eid + i + 2)), _MM_SHUFFLE(3, 1, 2, 0));
        __m128i c0 = _mm_unpackhi_epi64(e01, e23);           /* high words of eid */
        __m128i c1 = _mm_unpacklo_epi64(e01, e23);           /* low words */
        __m128i c2 = _mm_set1_epi32((int)step), c3 = _mm_set1_epi32((int)(purpose << 16));
        uint32_t k0 = key.v[0], k1 = key.v[1];
        for (int r = 0; r < 10; r++) {
            __m128i hi0, lo0, hi1, lo1;
            mulhilo4(c0, m0, &hi0, &lo0);
            mulhilo4(c2, m1, &hi1, &lo1);
            c0 = _mm_xor_si128(_mm_xor_si128(hi1, c1), _mm_set1_epi32((int)k0));
            c1 = lo1;
            c2 = _mm_xor_si128(_mm_xor_si128(hi0, c3), _mm_set1_epi32((int)k1));
            c3 = lo0;
            k0 += NB_PHILOX_W0;
            k1 += NB_PHILOX_W1;
        }
        _mm_storeu_si128((__m128i *)(r0 + i), c0);
        _mm_storeu_si128((__m128i *)(r1 + i), c1);
        if (r2) _mm_storeu_si128((__m128i *)(r2 + i), c2);
        if (r3) _mm_storeu_si128((__m128i *)(r3 + i), c3);
    }
    return i;
}
/* Eight firms at once with AVX2 where the processor has it (chosen at run time, so
 * the binary stays portable; the numbers are the same: integer arithmetic only). */
#include <immintrin.h>
__attribute__((target("avx2")))
static inline void mulhilo8(__m256i a, __m256i m, __m256i *hi, __m256i *lo)
{
    __m256i p02 = _mm256_mul_epu32(a, m);
    __m256i p13 = _mm256_mul_epu32(_mm256_srli_epi64(a, 32), m);
    __m256i x = _mm256_shuffle_epi32(p02, _MM_SHUFFLE(3, 1, 2, 0));
    __m256i y = _mm256_shuffle_epi32(p13, _MM_SHUFFLE(3, 1, 2, 0));
    *lo = _mm256_unpacklo_epi32(x, y);
    *hi = _mm256_unpackhi_epi32(x, y);
}

/* Lanes are firms in the order 0 1 4 5 | 2 3 6 7 (AVX2 unpacks work per 128-bit
 * half); the loads and stores below undo that, so rj[i] is firm i's word j. */
__attribute__((target("avx2")))
static int philox_batch8(nb_key key, int n, const uint64_t *eid, uint32_t step,
                         uint32_t purpose, uint32_t *r0, uint32_t *r1, uint32_t *r2,
                         uint32_t *r3)
{
    const __m256i m0 = _mm256_set1_epi32((int)NB_PHILOX_M0), m1 = _mm256_set1_epi32((int)NB_PHILOX_M1);
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        /* e[0..3] hold eids (0,1) (2,3) (4,5) (6,7); per half: lo lo hi hi after shuffle */
        __m256i a = _mm256_loadu_si256((const __m256i *)(eid + i));       /* eids 0-3 */
        __m256i b = _mm256_loadu_si256((const __m256i *)(eid + i + 4));   /* eids 4-7 */
        a = _mm256_shuffle_epi32(a, _MM_SHUFFLE(3, 1, 2, 0));  /* halves: lo0 lo1 hi0 hi1 | lo2 lo3 hi2 hi3 */
        b = _mm256_shuffle_epi32(b, _MM_SHUFFLE(3, 1, 2, 0));  /* lo4 lo5 hi4 hi5 | lo6 lo7 hi6 hi7 */
        __m256i c1 = _mm256_unpacklo_epi64(a, b);   /* lo0 lo1 lo4 lo5 | lo2 lo3 lo6 lo7 */
        __m256i c0 = _mm256_unpackhi_epi64(a, b);   /* hi0 hi1 hi4 hi5 | hi2 hi3 hi6 hi7 */
        __m256i c2 = _mm256_set1_epi32((int)step), c3 = _mm256_set1_epi32((int)(purpose << 16));
        uint32_t k0 = key.v[0], k1 = key.v[1];
        for (int r = 0; r < 10; r++) {
            __m256i hi0, lo0, hi1, lo1;
            mulhilo8(c0, m0, &hi0, &lo0);
            mulhilo8(c2, m1, &hi1, &lo1);
            c0 = _mm256_xor_si256(_mm256_xor_si256(hi1, c1), _mm256_set1_epi32((int)k0));
            c1 = lo1;
            c2 = _mm256_xor_si256(_mm256_xor_si256(hi0, c3), _mm256_set1_epi32((int)k1));
            c3 = lo0;
            k0 += NB_PHILOX_W0;
            k1 += NB_PHILOX_W1;
        }
        /* lane order 0 1 4 5 | 2 3 6 7 -> 0 1 2 3 4 5 6 7 */
        const __m256i perm = _mm256_setr_epi32(0, 1, 4, 5, 2, 3, 6, 7);
        _mm256_storeu_si256((__m256i *)(r0 + i), _mm256_permutevar8x32_epi32(c0, perm));
        _mm256_storeu_si256((__m256i *)(r1 + i), _mm256_permutevar8x32_epi32(c1, perm));
        if (r2) _mm256_storeu_si256((__m256i *)(r2 + i), _mm256_permutevar8x32_epi32(c2, perm));
        if (r3) _mm256_storeu_si256((__m256i *)(r3 + i), _mm256_permutevar8x32_epi32(c3, perm));
    }
    return i;
}
#else
static int philox_batch4(nb_key key, int n, const uint64_t *eid, uint32_t step,
                         uint32_t purpose, uint32_t *r0, uint32_t *r1, uint32_t *r2,
                         uint32_t *r3)
{
    return 0;
}
#endif

void nb_philox4x32_batch(nb_key key, int n, const uint64_t *eid, uint32_t step,
                         uint32_t purpose, uint32_t *r0, uint32_t *r1, uint32_t *r2,
                         uint32_t *r3)
{
    int i = 0;
#if defined(__SSE2__)
    if (__builtin_cpu_supports("avx2")) i = philox_batch8(key, n, eid, step, purpose, r0, r1, r2, r3);
#endif
    i += philox_batch4(key, n - i, eid + i, step, purpose, r0 + i, r1 + i, r2 ? r2 + i : NULL,
                       r3 ? r3 + i : NULL);
    for (; i < n; i++) {
        nb_ctr u = nb_philox4x32(key, nb_rng_ctr(eid[i], step, purpose, 0));
        r0[i] = u.v[0]; r1[i] = u.v[1];
        if (r2) r2[i] = u.v[2];
        if (r3) r3[i] = u.v[3];
    }
}
