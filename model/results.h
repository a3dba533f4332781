/* results.h -- an ensemble's output: per-replicate monthly series and quantiles.
 *
 * Time point k (0 <= k < n_time) is the calendar month start+k; point 0 is the
 * initial population, so stocks at k = 0 are the observed starting figures and flows
 * at k = 0 are zero.
 */
#ifndef NB_RESULTS_H
#define NB_RESULTS_H
#include "nb_api.h"
#include <stddef.h>
#include "metrics.h"

#define NB_NQUANT 5
NB_API extern const double nb_quantile_levels[NB_NQUANT];   /* 0.05 0.25 0.5 0.75 0.95 */

typedef struct nb_results {
    int n_rep, n_time, start;   /* start: month index of time point 0 */
    double *series;             /* [NB_NMETRICS][n_rep][n_time] */
    double *quant;              /* [NB_NMETRICS][NB_NQUANT][n_time] */
    int n_hist, hist_start;     /* the history before time point 0, if kept */
    double *hist;               /* [NB_NMETRICS][n_rep][n_hist], or NULL */
} nb_results;

/* Allocate zeroed results, or NULL when memory runs out. */
NB_API nb_results *nb_results_alloc(int n_rep, int n_time, int start);
NB_API void nb_results_free(nb_results *r);

/* The n_time values of metric `m` for replicate `rep`. */
static inline double *nb_results_row(const nb_results *r, int m, int rep)
{ return r->series + ((size_t)m * r->n_rep + rep) * r->n_time; }

/* Keep the history too: n_hist months from month hist_start, the months simulated
 * before time point 0 (nb_model_n_hist, nb_model_origin).  NB_OK or NB_ENOMEM. */
NB_API int nb_results_keep_history(nb_results *r, int n_hist, int hist_start);

/* The n_hist history values of metric `m` for replicate `rep` (r->hist != NULL). */
static inline double *nb_results_hrow(const nb_results *r, int m, int rep)
{ return r->hist + ((size_t)m * r->n_rep + rep) * r->n_hist; }

/* The n_time values of quantile `q` of metric `m`. */
static inline double *nb_results_qrow(const nb_results *r, int m, int q)
{ return r->quant + ((size_t)m * NB_NQUANT + q) * r->n_time; }

/* Compute r->quant from r->series across replicates (GSL's quantile estimator,
 * type 7).  Returns NB_ENOMEM on failure. */
NB_API int nb_results_quantiles(nb_results *r);

#endif
