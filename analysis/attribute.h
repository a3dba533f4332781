/* attribute.h -- a policy attributed to its measures (issue 10 item 5).
 *
 * A policy scenario differs from its base in levers (parameters of measures 1..20)
 * and in adaptive rules (measure 20).  nb_attribute runs the base, the full policy,
 * each measure alone (base + that measure's levers) and the policy with each measure
 * removed (its levers back at the base's values), all with the same seed and
 * replicate numbers, so every arm is paired with the base under common random
 * numbers.  For each arm and outcome (a stock in December of `year`) it gives the
 * mean paired effect with its 90% t interval, the extra public money spent up to
 * then, and the money per additional unit of outcome with Fieller's interval.
 */
#ifndef NB_ATTRIBUTE_H
#define NB_ATTRIBUTE_H
#include <stdio.h>
#include "error.h"
#include "scenario.h"

#define NB_ATTR_NOUT 5      /* firms, firms_backbone, unicorns, listed, hightech */

typedef struct nb_attr_cell {
    double mean, lo, hi;    /* mean paired effect, its 90% interval (t, n - 1 d.f.) */
    double cost;            /* extra money / mean effect (RMB per unit); NAN when the
                               interval of the effect includes 0, or when removing
                               the measure saves under 0.1% of its own money */
    double cost_lo, cost_hi;  /* Fieller's 90% interval of the cost (interval.h); NAN
                               when there is no cost or the set is unbounded */
} nb_attr_cell;

typedef struct nb_attr_arm {
    int measure;            /* 1..20; 0 for the full policy */
    double spend;           /* mean extra public money to December of the year, RMB */
    nb_attr_cell out[NB_ATTR_NOUT];
} nb_attr_arm;

typedef struct nb_attribution {
    int year, n_rep, n_measures;
    int measure[20];                /* the measures the policy sets, ascending */
    nb_attr_arm full;
    nb_attr_arm alone[20], removed[20];   /* removed: full - (policy without it) */
} nb_attribution;

/* The outcome metrics, NB_ATTR_NOUT names ("firms", ...). */
extern const char *const nb_attr_outcomes[NB_ATTR_NOUT];

/* Attribute `pol` to its measures against `base` (both validated, same run settings
 * taken from pol: seed, dates, replicates) at December of `year` (inside the run).
 * threads <= 0: OpenMP's default.  NB_OK; NB_EINVAL with e when the policy sets no
 * measure or the year is outside the run; NB_ENOMEM. */
int nb_attribute(const nb_scenario *base, const nb_scenario *pol, int year, int threads,
                 nb_attribution *out, nb_err *e);

/* Print the ranked table (measures by their effect alone on `listed`, then firms). */
void nb_attribute_print(const nb_attribution *a, const char *pol_name, FILE *out);

/* Write the attribution to `path` (HDF5, atomically): datasets over dimensions
 * `arm` (alone, removed), `measure` and `outcome`.  NB_OK or NB_EIO with e. */
int nb_attribute_write(const char *path, const nb_attribution *a, const char *pol_name,
                       const char *base_name, nb_err *e);

#endif
