/* paramset.h -- a scenario's parameter values: constants or dated schedules.
 *
 * A schedule is a step function of the month: entry k holds from month[k] (the month
 * of its date) until the next entry.  Before the first entry the registry default
 * holds, so `{2026-01-01: 5亿}` means "absent until 2026, then 5亿".
 */
#ifndef NB_PARAMSET_H
#define NB_PARAMSET_H
#include "registry.h"

#define NB_SCHED_MAX 64

typedef struct nb_sched {
    int n;                       /* 0: constant `value[0]`; otherwise entries */
    int month[NB_SCHED_MAX];     /* strictly increasing month indices */
    double value[NB_SCHED_MAX];
} nb_sched;

typedef struct nb_paramset {
    nb_sched p[NB_NPARAMS];
} nb_paramset;

/* Fill *ps with every parameter's default as a constant. */
void nb_paramset_default(nb_paramset *ps);

/* Make parameter `id` the constant `v`.  No validation: see nb_registry_check. */
void nb_paramset_set_const(nb_paramset *ps, int id, double v);

/* Make parameter `id` a schedule of n entries (months strictly increasing,
 * 1 <= n <= NB_SCHED_MAX).  Returns NB_EINVAL (and changes nothing) otherwise. */
int nb_paramset_set_sched(nb_paramset *ps, int id, int n, const int *month,
                          const double *value);

/* Value of parameter `id` in month `m`. */
double nb_paramset_at(const nb_paramset *ps, int id, int m);

/* The run settings, read from the (constant) run.* parameters. */
int nb_paramset_start(const nb_paramset *ps);
int nb_paramset_months(const nb_paramset *ps);   /* run.end - run.start + 1 */

/* Fill table[k] with every parameter's value in month start+k, k < n. */
void nb_paramset_table(const nb_paramset *ps, int start, int n, nb_params *table);

#endif
