/* results.c -- ensemble results and their quantiles (see results.h). */
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include "neobay.h"
#include "results.h"

const double nb_quantile_levels[NB_NQUANT] = {0.05, 0.25, 0.5, 0.75, 0.95};

nb_results *nb_results_alloc(int n_rep, int n_time, int start)
{
    if (n_rep < 1 || n_time < 1) return NULL;
    nb_results *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->n_rep = n_rep;
    r->n_time = n_time;
    r->start = start;
    r->series = calloc((size_t)NB_NMETRICS * n_rep * n_time, sizeof *r->series);
    r->quant = calloc((size_t)NB_NMETRICS * NB_NQUANT * n_time, sizeof *r->quant);
    if (!r->series || !r->quant) { nb_results_free(r); return NULL; }
    return r;
}

int nb_results_keep_history(nb_results *r, int n_hist, int hist_start)
{
    free(r->hist);
    r->hist = NULL;
    r->n_hist = n_hist;
    r->hist_start = hist_start;
    if (n_hist <= 0) { r->n_hist = 0; return NB_OK; }
    r->hist = calloc((size_t)NB_NMETRICS * r->n_rep * n_hist, sizeof *r->hist);
    if (!r->hist) { r->n_hist = 0; return NB_ENOMEM; }
    return NB_OK;
}

void nb_results_free(nb_results *r)
{
    if (!r) return;
    free(r->hist);
    free(r->series);
    free(r->quant);
    free(r);
}

int nb_results_quantiles(nb_results *r)
{
    double *col = malloc((size_t)r->n_rep * sizeof *col);
    if (!col) return NB_ENOMEM;
    for (int m = 0; m < NB_NMETRICS; m++)
        for (int t = 0; t < r->n_time; t++) {
            for (int i = 0; i < r->n_rep; i++) col[i] = nb_results_row(r, m, i)[t];
            gsl_sort(col, 1, (size_t)r->n_rep);
            for (int q = 0; q < NB_NQUANT; q++)
                nb_results_qrow(r, m, q)[t] = gsl_stats_quantile_from_sorted_data(
                    col, 1, (size_t)r->n_rep, nb_quantile_levels[q]);
        }
    free(col);
    return NB_OK;
}
