/* compare.h -- the impact of a policy: a policy run against a base run.
 *
 * Both runs must share the seed, the replicate count, the start month and the
 * number of months: replicate i of each then draws the same random numbers (common
 * random numbers), so the paired difference POLICY - BASE of replicate i measures
 * the policy's effect with little noise.  For every metric the two files have in
 * common the impact is that paired difference, replicate by replicate.
 *
 * Impact file (-o), all at the root:
 *   time(time), replicate(replicate), quantile(quantile)   as in a run file
 *   <metric>_impact(replicate, time)     float64 POLICY - BASE, the metric's units
 *   bound(bound)                         0.05, 0.95: the bounds of a 90% interval
 *   <metric>_impact_q(quantile, time)    its 5/25/50/75/95% quantiles
 *   <metric>_impact_mean(time)           mean over replicates
 *   <metric>_impact_mean_ci(bound, time) 90% Student t interval of that mean
 *                                        (mean -+ t s / sqrt(n), n - 1 df)
 *   <metric>_impact_pi(bound, time)      90% predictive interval: 5% and 95% quantiles
 *   extra_public_spend                   scalar RMB: mean over replicates of the
 *                                        paired difference of cumulative public_spend
 *   cost_per_unicorn, cost_per_listing, cost_per_firm
 *                                        scalar RMB per additional unicorn / listed
 *                                        firm / active firm at the last month: the
 *                                        ratio of the paired means (NaN unless the
 *                                        mean impact's 90% interval is above zero);
 *                                        attrs impact_mean, impact_q05, impact_q95,
 *                                        impact_mean_ci_lo, impact_mean_ci_hi
 *   cost_per_<x>_ci(bound)               Fieller's 90% interval for that ratio (see
 *                                        interval.h); attr status bounded, unbounded
 *                                        (-inf, +inf: the mean impact is not
 *                                        distinguishable from zero) or n/a (NaN)
 *   root attrs: neobay_version, git_commit, base_file, policy_file, base_scenario,
 *     policy_scenario, seed, replicates, start, Conventions, title
 */
#ifndef NB_COMPARE_H
#define NB_COMPARE_H
#include <stdio.h>
#include "error.h"

/* Compare the run files `base` and `policy`: print the impact table and the public
 * money per additional outcome to `out` and, when `output` is not NULL, write the
 * impact file there (atomically, as run files are written).  Nothing is printed
 * unless both inputs were read and paired.  Returns NB_OK; NB_EINVAL when an input
 * is missing, not a neobay run file, damaged, the output would overwrite an input,
 * or the runs cannot be paired (e->msg, one line, names the file and the problem);
 * NB_EIO when the impact file cannot be written; NB_ENOMEM. */
int nb_compare(const char *base, const char *policy, const char *output, FILE *out,
               nb_err *e);

#endif
