/* export.h -- a neobay results file as tidy CSV tables (layout in analysis/export.c). */
#ifndef NB_EXPORT_H
#define NB_EXPORT_H
#include "error.h"

/* Write every dataset of the results file `path` (run, compare, sweep, posterior,
 * with or without panel groups) as CSV under directory `dir` (made if missing;
 * existing files of the same names are replaced), mirroring the file's groups.
 * *files (may be NULL) gets the number of CSV files written.  NB_OK; NB_EINVAL
 * with e naming the file when it is missing or not a neobay file, or the directory
 * when it cannot be made or written; NB_EIO when a dataset cannot be read. */
int nb_export_csv(const char *path, const char *dir, long *files, nb_err *e);

#endif
