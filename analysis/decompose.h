/* decompose.h -- the variance of a policy's impact split by its sources (issue 11
 * item 4): stochastic (each replicate's own demographic and market draws), evidence
 * (the effect sizes drawn from their priors, model/priors.def) and parameter (the
 * calibrated parameters drawn from a posterior, when the caller supplies draws).
 *
 * A crossed design: Kp draws of the calibrated parameters x Ke draws of the effect
 * sizes x M replicates each.  Replicate r = (jp Ke + je) M + m runs parameter draw
 * jp and effect draw je (the same inputs for its M replicates) with its own
 * stochastic stream r, in the policy and in the base (common random numbers); its
 * impact is d_r = policy_r - base_r in December of the year.  The two-way
 * random-effects analysis of variance of d (balanced, M replicates per cell) gives
 * the variance components: parameter (between parameter draws), evidence (between
 * effect draws), their interaction, and stochastic (within cells); they add up to
 * the impact's variance by construction.  Without parameter draws Kp = 1 and the
 * design is one-way (evidence and stochastic).
 */
#ifndef NB_DECOMPOSE_H
#define NB_DECOMPOSE_H
#include <stdio.h>
#include "error.h"
#include "scenario.h"

#define NB_DEC_NOUT 5      /* firms, firms_backbone, unicorns, listed, hightech */

/* Set draw `draw` of the calibrated parameters into ps (ud: the caller's draws). */
typedef void (*nb_draw_fn)(const void *ud, int draw, nb_paramset *ps);

typedef struct nb_decomp_opts {
    int draws;              /* Ke (and Kp when `post` is given): >= 2 */
    int per_draw;           /* M >= 2 */
    int year;               /* December of this year */
    int threads;            /* <= 0: OpenMP's default */
    nb_draw_fn post;        /* parameter draws (a posterior), or NULL: none */
    const void *post_ud;
} nb_decomp_opts;

typedef struct nb_decomp_row {
    double mean;            /* mean impact */
    double total;           /* its variance: the sum of the four components */
    double stochastic;      /* within cells: the replicates' own draws */
    double evidence;        /* between effect-size draws */
    double parameter;       /* between parameter draws (0: no posterior) */
    double interaction;     /* parameter x evidence (0: no posterior) */
    double plain;           /* the plain variance of the Kp Ke M impacts (a check) */
} nb_decomp_row;

typedef struct nb_decomposition {
    int year, draws, per_draw, has_post;
    nb_decomp_row out[NB_DEC_NOUT];
} nb_decomposition;

extern const char *const nb_dec_outcomes[NB_DEC_NOUT];

/* Decompose the variance of pol's impact against base (both validated; run settings
 * from pol).  Parameters a scenario sets itself are never drawn.  NB_OK; NB_EINVAL
 * with e (K or M below 2, the year outside the run); NB_ENOMEM. */
int nb_decompose(const nb_scenario *base, const nb_scenario *pol, const nb_decomp_opts *o,
                 nb_decomposition *out, nb_err *e);

/* The table: per outcome the mean impact, its sd and each component's share. */
void nb_decompose_print(const nb_decomposition *d, const char *pol_name, const char *base_name,
                        FILE *out);

/* Write the decomposition to `path` (HDF5, atomically): variance(outcome, source),
 * mean_impact, total_variance, plain_variance (outcome).  NB_OK or NB_EIO with e. */
int nb_decompose_write(const char *path, const nb_decomposition *d, const char *pol_name,
                       const char *base_name, nb_err *e);

#endif
