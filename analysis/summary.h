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

#endif
