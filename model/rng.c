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

const gsl_rng_type *nb_rng_philox = &philox_type;

void nb_rng_stream(gsl_rng *r, nb_key key, nb_ctr ctr)
{
    assert(r->type == nb_rng_philox);
    philox_state *s = r->state;
    s->key = key;
    s->ctr = ctr;
    philox_refill(s);
}
