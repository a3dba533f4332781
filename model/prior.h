/* prior.h -- evidence priors of the effect parameters (issue 10 item 3, issue 11).
 *
 * Every registry row flagged NB_F_EFFECT (an effect size: what a lever's money does
 * to firms) has one row in priors.def: a distribution built from the studies of
 * model/EVIDENCE.md (section named in the row), widened for transfer to Shanghai.
 * A prior is a distribution of the parameter as the registry stores it, shifted by
 * `shift` (for multipliers stored as "x - 1") and truncated to the registry's range.
 * Draws go through the quantile function, so a uniform from a counter-based stream
 * (or a quasi-random point) gives the same draw on every machine.
 */
#ifndef NB_PRIOR_H
#define NB_PRIOR_H
#include "nb_api.h"
#include <stddef.h>
#include <stdint.h>
#include "paramset.h"

typedef enum {
    NB_PR_LOGNORMAL,   /* a = median, b = s.d. of the log */
    NB_PR_NORMAL,      /* a = mean, b = s.d. */
    NB_PR_BETA,        /* a, b = shape parameters */
    NB_PR_UNIFORM      /* a = lower, b = upper */
} nb_prior_kind;

typedef struct nb_prior {
    int param;             /* nb_param_id */
    nb_prior_kind kind;
    double a, b;           /* see nb_prior_kind */
    double shift;          /* the parameter is shift + a draw of the distribution */
    const char *evidence;  /* section of model/EVIDENCE.md, e.g. "§1" */
    const char *note;      /* [V]/[K]/[A] and a few words on the transfer */
} nb_prior;

enum {
#define NB_PRIOR(field, kind, a, b, shift, evidence, note) NB_PRI_##field,
#include "priors.def"
#undef NB_PRIOR
    NB_NPRIORS
};

/* The prior table, NB_NPRIORS rows in priors.def order. */
NB_API extern const nb_prior nb_priors[NB_NPRIORS];

/* The prior of parameter `param`, or NULL when it has none. */
NB_API const nb_prior *nb_prior_of(int param);

/* The parameter value at probability u in (0, 1) of the prior truncated to the
 * registry range [min, max] of its parameter: monotone in u, the same on every
 * machine.  u outside (0, 1) is clamped to it. */
NB_API double nb_prior_quantile(const nb_prior *pr, double u);

/* The prior in words, e.g. "LogNormal(median 1.6, sd log 0.4)", into buf (NUL
 * terminated, truncated to n); returns buf. */
NB_API char *nb_prior_describe(const nb_prior *pr, char *buf, size_t n);

/* Replicate rep's draw of every effect size into ps (as a constant), from the
 * priors' quantile functions at uniforms keyed by (seed, rep, prior row) only: the
 * same draws in every scenario run with that seed (common random numbers), on any
 * machine and thread count.  A parameter with keep[param] != 0 (set by the scenario)
 * or with a dated schedule in ps keeps its value.  keep may be NULL. */
NB_API void nb_prior_draw_all(nb_paramset *ps, uint32_t seed, uint32_t rep,
                              const unsigned char *keep);

#endif
