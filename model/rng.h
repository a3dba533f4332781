/* rng.h -- counter-based random numbers (Philox4x32-10, Salmon et al. SC'11).
 *
 * A draw is a pure function of (key, counter): key = (seed, replicate), counter =
 * (entity hi, entity lo, step, purpose<<16 | block).  No state is carried from one
 * firm or month to the next, so results do not depend on thread count or on the
 * order firms are visited, and two scenarios draw the same numbers for the same firm
 * and event (common random numbers).
 *
 * nb_rng_philox is a gsl_rng_type, so every gsl_ran_* distribution can draw from a
 * stream: position it with nb_rng_stream(), then call GSL as usual.
 */
#ifndef NB_RNG_H
#define NB_RNG_H
#include "nb_api.h"
#include <stdint.h>
#include <gsl/gsl_rng.h>

typedef struct { uint32_t v[4]; } nb_ctr;
typedef struct { uint32_t v[2]; } nb_key;

/* Purposes: one per kind of event, so adding an event never shifts another's draws. */
enum nb_purpose {
    NB_RS_INIT = 1,      /* initial population attributes */
    NB_RS_FIRM = 2,      /* the per-firm monthly block (4 uniforms) */
    NB_RS_ROUND = 3,     /* funding round details */
    NB_RS_ENTRY = 4,     /* entrant counts (zone-level) */
    NB_RS_BIRTH = 5,     /* attributes of a new firm */
    NB_RS_ZONE = 6,      /* other zone-level draws */
    NB_RS_YEAR = 7,      /* a firm's yearly block: growth shock, quality signal, lumpy event */
    NB_RS_PROG = 8,      /* an applicant's score and lottery draw (index: the programme) */
    NB_RS_PRIOR = 9,     /* a replicate's draw of an effect size (index: the prior row) */
    NB_RS_APPLY = 10     /* a firm's month of applications: seed of nb_splitmix_word */
};

#define NB_PHILOX_M0 0xD2511F53u
#define NB_PHILOX_M1 0xCD9E8D57u
#define NB_PHILOX_W0 0x9E3779B9u   /* golden ratio */
#define NB_PHILOX_W1 0xBB67AE85u   /* sqrt(3) - 1 */

/* The Philox4x32-10 bijection: out = philox(key, ctr).  Inline: the firm loop calls
 * it once per firm-step. */
static inline nb_ctr nb_philox4x32(nb_key key, nb_ctr c)
{
    uint32_t k0 = key.v[0], k1 = key.v[1];
    for (int r = 0; r < 10; r++) {
        uint64_t p0 = (uint64_t)NB_PHILOX_M0 * c.v[0];
        uint64_t p1 = (uint64_t)NB_PHILOX_M1 * c.v[2];
        uint32_t c1 = c.v[1], c3 = c.v[3];
        c.v[0] = (uint32_t)(p1 >> 32) ^ c1 ^ k0;
        c.v[1] = (uint32_t)p1;
        c.v[2] = (uint32_t)(p0 >> 32) ^ c3 ^ k1;
        c.v[3] = (uint32_t)p0;
        k0 += NB_PHILOX_W0;
        k1 += NB_PHILOX_W1;
    }
    return c;
}

/* Block 0 of the streams (eid[i], step, purpose) for i < n, word j into rj[i]:
 * the same numbers as nb_philox4x32(key, nb_rng_ctr(eid[i], step, purpose, 0)),
 * computed four firms at a time with SSE2 where available (eight with AVX2).  r2
 * and r3 may be NULL when only the first two words are wanted. */
NB_API void nb_philox4x32_batch(nb_key key, int n, const uint64_t *eid, uint32_t step,
                         uint32_t purpose, uint32_t *r0, uint32_t *r1, uint32_t *r2,
                         uint32_t *r3);

/* Key for a replicate of a run. */
static inline nb_key nb_rng_key(uint32_t seed, uint32_t replicate)
{ nb_key k = {{seed, replicate}}; return k; }

/* Counter for (entity, step, purpose, block). */
static inline nb_ctr nb_rng_ctr(uint64_t entity, uint32_t step, uint32_t purpose,
                                uint32_t block)
{
    nb_ctr c = {{(uint32_t)(entity >> 32), (uint32_t)entity, step,
                 (purpose << 16) | (block & 0xffffu)}};
    return c;
}

/* The SplitMix64 output function (Steele, Lea & Flood, OOPSLA 2014): a bijection
 * of 64-bit words with full avalanche. */
static inline uint64_t nb_mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Word j of the SplitMix64 sequence seeded by s (the high half of its j-th
 * output).  Many cheap uniforms from one Philox block: a firm's application draws
 * for every programme from a single block (NB_RS_APPLY), word j for programme j, so
 * one programme's draw never depends on another's. */
static inline uint32_t nb_splitmix_word(uint64_t s, uint32_t j)
{
    return (uint32_t)(nb_mix64(s + (uint64_t)(j + 1) * 0x9E3779B97F4A7C15ull) >> 32);
}

/* A uniform double in (0,1) from a 32-bit word: never 0 or 1, so logs are safe. */
static inline double nb_u01(uint32_t x) { return ((double)x + 0.5) * (1.0 / 4294967296.0); }

/* The GSL generator type.  gsl_rng_set(r, s) keys it with (s, 0) at counter 0 and
 * purpose 0, which no event uses: a free-running stream of period 2^114 words. */
NB_API extern const gsl_rng_type *const nb_rng_philox;

/* Reposition a gsl_rng of type nb_rng_philox at (key, ctr): the next gsl_rng_get
 * returns word 0 of philox(key, ctr); after 4 words the block (low 16 bits of
 * ctr.v[3]) advances.  An event's stream holds 262,144 words, then repeats. */
NB_API void nb_rng_stream(gsl_rng *r, nb_key key, nb_ctr ctr);

#endif
