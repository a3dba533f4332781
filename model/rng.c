/* rng.c -- Philox4x32-10 and its gsl_rng_type wrapper (see rng.h).
 *
 * Written from the published algorithm: J. K. Salmon, M. A. Moraes, R. O. Dror and
 * D. E. Shaw, "Parallel random numbers: as easy as 1, 2, 3", SC'11.  Checked against
 * the Random123 known-answer vectors in tests/test_rng.c.
 */
#include <assert.h>
#include <string.h>
#include "rng.h"

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u   /* golden ratio */
#define PHILOX_W1 0xBB67AE85u   /* sqrt(3) - 1 */

static inline void philox_round(uint32_t c[4], const uint32_t k[2])
{
    uint64_t p0 = (uint64_t)PHILOX_M0 * c[0];
    uint64_t p1 = (uint64_t)PHILOX_M1 * c[2];
    uint32_t hi0 = (uint32_t)(p0 >> 32), lo0 = (uint32_t)p0;
    uint32_t hi1 = (uint32_t)(p1 >> 32), lo1 = (uint32_t)p1;
    uint32_t c1 = c[1], c3 = c[3];
    c[0] = hi1 ^ c1 ^ k[0];
    c[1] = lo1;
    c[2] = hi0 ^ c3 ^ k[1];
    c[3] = lo0;
}

nb_ctr nb_philox4x32(nb_key key, nb_ctr ctr)
{
    uint32_t k[2] = {key.v[0], key.v[1]};
    for (int r = 0; r < 10; r++) {
        if (r) { k[0] += PHILOX_W0; k[1] += PHILOX_W1; }
        philox_round(ctr.v, k);
    }
    return ctr;
}

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

const gsl_rng_type *nb_rng_philox = &philox_type;

void nb_rng_stream(gsl_rng *r, nb_key key, nb_ctr ctr)
{
    assert(r->type == nb_rng_philox);
    philox_state *s = r->state;
    s->key = key;
    s->ctr = ctr;
    philox_refill(s);
}
