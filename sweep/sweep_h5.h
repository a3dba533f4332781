/* sweep_h5.h -- a sweep's payload rows and its results file (sweep/sweep_h5.c).
 *
 * A point's statistics (the "payload" a journal record and an MPI message carry):
 * for each metric m, in nb_metrics order, a row of L = nb_sweep_row_len() doubles:
 *   mean over the replicates            [n_time]
 *   quantiles at nb_quantile_levels     [NB_NQUANT][n_time]   (as nb_results_quantiles)
 *   with full_series, every replicate   [replicates][n_time]
 * The points a process holds form a `table`: an nb_results whose n_rep is the number
 * of rows and whose n_time is L, so row i of metric m is nb_results_row(table, m, i)
 * and io/checkpoint.c journals a row as it journals a replicate.  Row i holds design
 * point nb_sweep_row_point(i, K, N): all points in order for a whole sweep (N = 0),
 * points K, K+N, K+2N, ... for shard K of N.
 *
 * Results file (one HDF5 file; `neobay sweep` and `neobay sweep merge` write it, and
 * a shard file has the same layout over its own points):
 *   point(point)                  int32 design point numbers (a shard: its own)
 *   factor(factor)                UTF-8 parameter names, in the order of the sweep file
 *   quantile(quantile)            float64 levels; time(time) int64 days since 1970-01-01
 *   replicate(replicate)          int32, only with full_series
 *   trajectory_step(trajectory_step)  int32, morris only: t * k + j
 *   design(point, factor)         float64 factor values (parameter units, or the scale)
 *   design_unit(point, factor)    float64 unit coordinates in [0, 1]
 *   factor_min, factor_max(factor)  float64 range of each factor (value or scale)
 *   factor_scale, factor_log(factor)  int32 0/1; factor_units(factor) UTF-8
 *   morris_factor(trajectory_step)  int32 the factor changed at step j of trajectory t
 *   <metric>_mean(point, time)    float64 mean over the replicates
 *   <metric>_q(point, quantile, time)  float64 quantiles over the replicates
 *   <metric>(point, replicate, time)   float64 each replicate (only with full_series)
 *   metric datasets carry units, long_name, long_name_zh, definition, kind
 *   root attributes: neobay_version, git_commit, design, points, n_points, n_factors,
 *     replicates, seed, levels, full_series, start (YYYY-MM), sweep_hash (16 hex
 *     digits), sweep_yaml (the resolved sweep), scenario_yaml (the base, resolved),
 *     scenario_name, output_metrics (names, space-separated), output_years (years,
 *     space-separated), Conventions, title; a shard also shard_index, shard_count.
 */
#ifndef NB_SWEEP_H5_H
#define NB_SWEEP_H5_H
#include <stdint.h>
#include "../model/results.h"
#include "error.h"
#include "sweep.h"

/* ---- rows ----------------------------------------------------------------------------- */

/* Doubles per metric in a point's payload row. */
static inline int nb_sweep_row_len(int n_time, int replicates, int full_series)
{
    return n_time * (1 + NB_NQUANT + (full_series ? replicates : 0));
}

/* Rows of shard k of n (n == 0: the whole sweep) of a sweep of n_points points. */
static inline int nb_sweep_rows(int n_points, int k, int n)
{
    return n <= 0 ? n_points : (k < n_points ? (n_points - 1 - k) / n + 1 : 0);
}

/* The design point of row i. */
static inline int nb_sweep_row_point(int i, int k, int n)
{
    return n <= 0 ? i : k + i * n;
}

/* A table of `rows` rows of `len` doubles per metric (zeroed; no quantile block:
 * quant is NULL), or NULL when memory runs out.  Free with nb_results_free. */
nb_results *nb_sweep_table_alloc(int rows, int len, int start);

/* ---- the results file ----------------------------------------------------------------- */

/* Everything a sweep results file says besides the statistics: filled from a loaded
 * sweep (nb_sweep_meta_init) or read back from shard files (merge).  Owned. */
typedef struct nb_sweep_meta {
    uint64_t hash;
    int design, points, levels, n_points, replicates, full_series;
    uint32_t seed;
    int start, n_time;                     /* month index of time point 0; months */
    char *version, *commit;                /* of the neobay that ran the points */
    char *sweep_yaml, *scenario_yaml, *scenario_name, *output_metrics, *output_years;
    char *counterfactual;                  /* name of the counterfactual scenario of an impact
                                            * sweep (its points are base - counterfactual), "" none */
    int n_factors;
    char **factor_name, **factor_units;    /* [n_factors] */
    double *factor_min, *factor_max;       /* [n_factors] */
    int32_t *factor_scale, *factor_log;    /* [n_factors] */
    double *unit, *value;                  /* [n_points * n_factors]: the whole design */
    int n_morris;                          /* points * n_factors (morris), else 0 */
    int32_t *morris_factor;                /* [n_morris] */
    int shard_k, shard_n;                  /* shard_n 0: the whole sweep */
} nb_sweep_meta;

/* Fill mt from sw for shard k of n (n 0: none).  NB_OK or NB_ENOMEM. */
int nb_sweep_meta_init(nb_sweep_meta *mt, const nb_sweep *sw, int k, int n);
void nb_sweep_meta_free(nb_sweep_meta *mt);

/* Write the results file of the rows of `table` (nb_sweep_rows of mt's shard)
 * atomically to `path` (io/h5out.h: built in memory, renamed into place; identical
 * inputs give identical bytes).  NB_OK, or NB_EIO with e->msg. */
int nb_sweep_h5_write(const char *path, const nb_sweep_meta *mt, const nb_results *table,
                      nb_err *e);

/* Merge the n shard files into `out`: every shard must carry the same sweep hash and
 * shard count N, the shard numbers 0..N-1 exactly once; the result is the file a
 * whole run writes, byte for byte.  NB_OK; NB_EINVAL (bad or inconsistent shards),
 * NB_EIO (cannot write), NB_ENOMEM, with e->msg. */
int nb_sweep_h5_merge(const char *out, const char *const *shards, int n, nb_err *e);

#endif
