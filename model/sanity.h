/* sanity.h -- consistency checks of the model's structures at step boundaries
 * (SQLite's sqlite3PcachePageSanity pattern): each returns 1 when the structure is
 * consistent and 0 at the first broken invariant, so sim.c asserts them,
 *     assert(nb_firms_sanity(&s->f));
 * at every step boundary.  They run in debug and sanitizer builds: compiled with
 * NB_SANITY defined (make test-asan does; a debug build is
 * `make BUILD=build-debug CFLAGS="-O0 -g -DNB_SANITY"`) and NDEBUG not.  The default
 * build keeps its other asserts (it does not define NDEBUG) but not these, which
 * pass over every firm three times a month: there each call below is the constant
 * 1 and the assert disappears.  Tests call the functions themselves, as
 * (nb_firms_sanity)(f).  Internal to the model (not installed); they never change
 * the state they check, so a run's results are the same with or without them.
 */
#ifndef NB_SANITY_H
#define NB_SANITY_H
#include "model.h"

typedef struct nb_sanity nb_sanity;

/* The firm arrays: 0 <= dead <= n <= cap, dead equals the slots flagged
 * NB_FL_DEAD, every live firm's stage, origin and sector in range, revenue,
 * valuation, raised and debt finite and >= 0 (revenue 0 in pre-incubation), the
 * multipliers finite and > 0, the queue priority in [0, 1). */
int nb_firms_sanity(const nb_firms *f);

/* The zone's aggregates: the fund alliance's called money within what is
 * committed and deployed money within what is called (to rounding), every amount,
 * queue and index finite and >= 0 (the wage and rent indices > 0; the guarantee
 * left may be HUGE_VAL, no cap), each rule fired at month -1 (not yet) or later. */
int nb_zone_sanity(const nb_zone *z);

/* The month just stepped (k = 0: the founding population; a new replicate restarts
 * the checks that look back): the month's derived shares and hazards in [0, 1] and
 * its spending >= 0 (s->d); the tally against the firms (stage counts of the counted
 * live firms, their loans; valued >= 1e9 <= valued >= 1e8; firms by age band equal
 * the firms past pre-incubation; exits by age band equal the exits); the flows >= 0;
 * and against the month before: no live firm's stage went down, loans outstanding
 * move by lent - repaid - defaulted, deployed money never falls.  It keeps the last
 * month's stages in s->sanity (allocated here, freed by nb_sanity_free); when that
 * allocation fails the look-back checks are skipped, never failed. */
int nb_month_sanity(nb_sim *s, int k, const nb_flows *fl, const nb_tally *t);

/* Free what nb_month_sanity kept (NULL: nothing). */
void nb_sanity_free(nb_sanity *st);

#if !defined(NB_SANITY) && !defined(NB_SANITY_IMPL)
#define nb_firms_sanity(f) 1
#define nb_zone_sanity(z) 1
#define nb_month_sanity(s, k, fl, t) 1
#endif

#endif
