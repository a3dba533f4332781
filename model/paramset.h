/* paramset.h -- a scenario's parameter values: constants or dated schedules.
 *
 * A schedule is a step function of the month: entry k holds from month[k] (the month
 * of its date) until the next entry.  Before the first entry the registry default
 * holds, so `{2026-01-01: 5亿}` means "absent until 2026, then 5亿".
 */
#ifndef NB_PARAMSET_H
#define NB_PARAMSET_H
#include "nb_api.h"
#include "registry.h"

#define NB_SCHED_MAX 64

typedef struct nb_sched {
    int n;                       /* 0: constant `value[0]`; otherwise entries */
    int month[NB_SCHED_MAX];     /* strictly increasing month indices */
    double value[NB_SCHED_MAX];
} nb_sched;

/* An adaptive-policy rule (measure 20): from month `from` on, the first month in
 * which last month's value of `metric` is below (or above) `threshold`, the rule
 * fires, and from then on parameter `param` is set to, raised by, or multiplied by
 * `value` on top of its scheduled value.  Each rule fires at most once. */
enum nb_rule_op { NB_RULE_SET, NB_RULE_ADD, NB_RULE_MUL };
typedef struct nb_rule {
    int from;            /* month index */
    int metric;          /* nb_metric_id */
    int above;           /* 0: fires when metric < threshold; 1: when metric > threshold */
    double threshold;
    int param;           /* nb_param_id; must be NB_F_SCHED */
    int op;              /* nb_rule_op */
    double value;
} nb_rule;

#define NB_RULES_MAX 32

typedef struct nb_paramset {
    nb_sched p[NB_NPARAMS];
    int n_rules;
    nb_rule rules[NB_RULES_MAX];
} nb_paramset;

/* Fill *ps with every parameter's default as a constant. */
NB_API void nb_paramset_default(nb_paramset *ps);

/* Make parameter `id` the constant `v`.  No validation: see nb_registry_check. */
NB_API void nb_paramset_set_const(nb_paramset *ps, int id, double v);

/* Make parameter `id` a schedule of n entries (months strictly increasing,
 * 1 <= n <= NB_SCHED_MAX).  Returns NB_EINVAL (and changes nothing) otherwise. */
NB_API int nb_paramset_set_sched(nb_paramset *ps, int id, int n, const int *month,
                          const double *value);

/* Value of parameter `id` in month `m`. */
NB_API double nb_paramset_at(const nb_paramset *ps, int id, int m);

/* The run settings, read from the (constant) run.* parameters. */
NB_API int nb_paramset_start(const nb_paramset *ps);
NB_API int nb_paramset_months(const nb_paramset *ps);   /* run.end - run.start + 1 */

/* Fill table[k] with every parameter's value in month start+k, k < n. */
NB_API void nb_paramset_table(const nb_paramset *ps, int start, int n, nb_params *table);

/* The run's founding month (run.origin; never after run.start). */
NB_API int nb_paramset_origin(const nb_paramset *ps);

/* Fill table[t] with every parameter's value in month origin+t, t < n, as the model
 * runs it: up to and including run.start (the history and time point 0) a policy
 * lever ("policy.*") keeps its counterfactual default unless its schedule has an
 * entry dated before run.start, so scenarios that differ only in measures from
 * run.start on share their history (common random numbers). */
NB_API void nb_paramset_table_run(const nb_paramset *ps, int n, nb_params *table);

#endif
