/* h5out.h -- results files (HDF5), written so xarray and h5py read them directly.
 *
 * Layout (all at the root unless said):
 *   time(time)                 int64 days since 1970-01-01 (CF units): month starts
 *   replicate(replicate)       int32
 *   quantile(quantile)         float64 levels
 *   <metric>(replicate, time)  float64, attrs units, long_name, long_name_zh,
 *                              definition, kind (stock/flow)
 *   <metric>_q(quantile, time) ensemble quantiles of <metric>, same attrs
 *   /parameters group: parameter(parameter) names; unit, type, default, min, max,
 *     description, source, measure (parameter); value(parameter, time) resolved
 *   root attrs: neobay_version, git_commit, seed, scenario_name, scenario_path,
 *     scenario_yaml (the fully resolved scenario), replicates, start, conventions
 * The file is written under a temporary name in the same directory and renamed
 * into place only when complete: a run that fails or is killed never leaves a file
 * at `path`, and never replaces a good one.
 */
#ifndef NB_H5OUT_H
#define NB_H5OUT_H
#include <stdio.h>
#include <stdint.h>
#include "../model/results.h"
#include "../model/paramset.h"
#include "error.h"

typedef struct nb_run_meta {
    const char *scenario_name;
    const char *scenario_path;
    const char *scenario_yaml;   /* nb_scenario_to_yaml() */
    const nb_paramset *ps;
    uint32_t seed;
} nb_run_meta;

/* Write `res` to `path` atomically (see above).  NB_OK, or NB_EIO with e->msg. */
int nb_h5_write_run(const char *path, const nb_results *res, const nb_run_meta *meta,
                    nb_err *e);

/* Print a results file's key table to `out`: for the headline metrics, the median
 * and 90% band at the first month, each December and the last month.  A file that is
 * missing, not HDF5, damaged or not a neobay run gives NB_EIO and a clear message. */
int nb_h5_summary(const char *path, FILE *out, nb_err *e);

#endif
