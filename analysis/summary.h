/* summary.h -- a results file's key tables as text (summary.c), and the zone's
 * the observed figures it appends (observed.h).  Only reads the file.
 */
#ifndef NB_SUMMARY_H
#define NB_SUMMARY_H
#include <stdio.h>
#include "error.h"

/* Print a results file's key table to `out`: for the headline metrics, the median
 * and 90% band at the first month, each December and the last month; then the
 * milestone probabilities by year and the unicorn and listing distributions at the
 * horizons, when the file has them.  A file that is missing, not HDF5, damaged or
 * not a neobay run gives NB_EIO and a clear message. */
int nb_h5_summary(const char *path, FILE *out, nb_err *e);

/* What `neobay summary` shows: years (December of each, or the run's last month in
 * its last year; all years when n_years is 0), metrics (the headline metrics when
 * n_metrics is 0), and csv: instead of the tables, CSV on `out` with one row per
 * metric, month and quantile (0.05, 0.5, 0.95): metric,time,quantile,value,units
 * (the registry's units, not 亿). */
typedef struct nb_summary_opts {
    const int *years;
    int n_years;
    const char *const *metrics;
    int n_metrics;
    int csv;
} nb_summary_opts;

/* As nb_h5_summary, with the choices of opts (NULL: the defaults).  A year outside
 * the run or a metric the file lacks: NB_EINVAL and one line naming the file. */
int nb_h5_summary_ex(const char *path, FILE *out, const nb_summary_opts *opts, nb_err *e);

#endif
