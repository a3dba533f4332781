/* h5out.h -- results files (HDF5), written so xarray and h5py read them directly.
 *
 * Layout of a run file (all at the root unless said):
 *   time(time)                 int64 days since 1970-01-01 (CF units): month starts
 *   replicate(replicate)       int32
 *   quantile(quantile)         float64 levels
 *   <metric>(replicate, time)  float64, attrs units, long_name, long_name_zh,
 *                              definition, kind (stock/flow)
 *   <metric>_q(quantile, time) ensemble quantiles of <metric>, same attrs
 *   year(year)                 int32 calendar years covered by the run
 *   p_<milestone>(year)        float64 share of replicates in which the milestone was
 *                              reached at some month up to December of the year (the
 *                              last month in the run's last year); attrs units
 *                              ("probability"), long_name, long_name_zh, definition,
 *                              metric, threshold, source [, target_year]
 *   horizon(horizon)           int32 years 2030 and 2035, those whose December is in
 *                              the run (horizon, unicorns_at and listed_at are
 *                              absent when neither is)
 *   <metric>_at(replicate, horizon)  the metric at December of each horizon year
 *                              (unicorns_at, listed_at), the metric's attrs
 *   /parameters group: parameter(parameter) names; unit, type, default, min, max,
 *     description, source, measure (parameter); value(parameter, time) resolved
 *   root attrs: neobay_version, git_commit, seed, scenario_name, scenario_path,
 *     scenario_yaml (the fully resolved scenario), replicates, start, conventions
 *   /panel, /events groups: micro-data, only with `run --panel` (analysis/panel.h)
 * The file is written under a temporary name in the same directory and renamed
 * into place only when complete: a run that fails or is killed never leaves a file
 * at `path`, and never replaces a good one.
 *
 * The second half of this header exposes the building blocks (io/h5util.c) that
 * other results files (analysis/compare.c) are written and read with.
 */
#ifndef NB_H5OUT_H
#define NB_H5OUT_H
#include <stdio.h>
#include <stdint.h>
#include <hdf5.h>
#include "../model/results.h"
#include "../model/paramset.h"
#include "error.h"

struct nb_h5w;                   /* below: a file being built */

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

/* As nb_h5_write_run; then, when extra is not NULL, extra(w, extra_ud) adds more to
 * the file being built (an nb_h5w_fill_fn: the micro-data of analysis/panel.h) before it
 * is written.  With extra NULL the file is exactly nb_h5_write_run's. */
int nb_h5_write_run_ex(const char *path, const nb_results *res, const nb_run_meta *meta,
                       int (*extra)(struct nb_h5w *w, const void *ud),
                       const void *extra_ud, nb_err *e);

/* ===================================================================================
 * Building blocks (io/h5util.c)
 * =================================================================================== */

/* HDF5's automatic error printing, saved by nb_h5_quiet_begin (which switches it
 * off) and restored by nb_h5_quiet_end. */
typedef struct nb_h5_quiet {
    H5E_auto2_t fn;
    void *data;
} nb_h5_quiet;
nb_h5_quiet nb_h5_quiet_begin(void);
void nb_h5_quiet_end(nb_h5_quiet q);

/* A short one-line reason for the last HDF5 failure on this thread, into buf[256]. */
void nb_h5_reason(char *buf);

/* A variable-length UTF-8 string type (close with H5Tclose), or a negative id. */
hid_t nb_h5_str_type(void);

/* Days from 1970-01-01 to the first day of month index m (NB_MONTH). */
int64_t nb_h5_month_days(int m);

/* The year and month (1..12) of day `z` counted from 1970-01-01. */
void nb_h5_civil_from_days(int64_t z, int *year, int *month);

/* ---- writing ----------------------------------------------------------------------- */

/* A file being built in memory by nb_h5_write_file. */
typedef struct nb_h5w {
    hid_t file;                  /* the in-memory file */
    hid_t str;                   /* variable-length UTF-8 string type */
    char why[512];               /* the first failure, "" while all is well */
} nb_h5w;

/* Fills w->file; NB_OK, or NB_EIO with w->why set. */
typedef int (*nb_h5w_fill_fn)(nb_h5w *w, const void *ud);
/* Adds attributes to the open object `obj`; NB_OK, or NB_EIO with w->why set. */
typedef int (*nb_h5w_attrs_fn)(nb_h5w *w, hid_t obj, const void *ud);

/* Build a file in memory with fill(w, ud) (time tracking off, so identical inputs
 * give identical bytes), write its image to `<path>.part-<pid>`, fsync it and
 * rename it onto `path`.  `what` names the kind of file in messages ("results
 * file").  On failure: NB_EIO, e->msg names `path` and the reason, the temporary is
 * removed and `path` is untouched.  HDF5's error printing is off during the call. */
int nb_h5_write_file(const char *path, const char *what, nb_h5w_fill_fn fill,
                     const void *ud, nb_err *e);

/* Record the first failure as "WHAT 'NAME': <HDF5's reason>".  Call it straight
 * after the failing HDF5 call.  Returns NB_EIO. */
int nb_h5w_fail(nb_h5w *w, const char *what, const char *name);

/* Record the first failure as "out of memory".  Returns NB_EIO. */
int nb_h5w_nomem(nb_h5w *w);

/* Scalar attributes of `obj`: a UTF-8 string (NULL is written as ""), an int64, a
 * float64.  NB_OK, or NB_EIO after nb_h5w_fail. */
int nb_h5w_attr_str(nb_h5w *w, hid_t obj, const char *name, const char *s);
int nb_h5w_attr_i64(nb_h5w *w, hid_t obj, const char *name, int64_t v);
int nb_h5w_attr_f64(nb_h5w *w, hid_t obj, const char *name, double v);

/* A 1-D dimension scale `name` of n values at buf (memory type mtype, file type
 * ftype) with a long_name.  Returns the open dataset (close with H5Dclose) or a
 * negative id after nb_h5w_fail. */
hid_t nb_h5w_scale(nb_h5w *w, hid_t loc, const char *name, hid_t ftype, hid_t mtype,
                   hsize_t n, const void *buf, const char *long_name);

/* The `time` scale in `loc`: days since 1970-01-01 of months start .. start+n-1,
 * with CF attributes.  Returns the open dataset or a negative id. */
hid_t nb_h5w_time_scale(nb_h5w *w, hid_t loc, int start, int n);

/* Write dataset `name` of doubles in `loc` with shape dims[rank] (rank 0: a
 * scalar), chunked and compressed when chunk is not NULL, attach scales s[i] to
 * axis i, call `with` (may be NULL) to add attributes, and close it. */
int nb_h5w_array(nb_h5w *w, hid_t loc, const char *name, int rank, const hsize_t *dims,
                 const hsize_t *chunk, const double *data, const hid_t *s,
                 nb_h5w_attrs_fn with, const void *ud);

/* As nb_h5w_array for data of memory type `mtype` stored as file type `ftype`
 * (strings: w->str for both). */
int nb_h5w_typed(nb_h5w *w, hid_t loc, const char *name, hid_t ftype, hid_t mtype,
                 int rank, const hsize_t *dims, const hsize_t *chunk, const void *data,
                 const hid_t *s, nb_h5w_attrs_fn with, const void *ud);

/* Close every valid dataset id of ids[n]. */
void nb_h5w_close(hid_t *ids, int n);

/* ---- reading ----------------------------------------------------------------------- */

/* Open `path` read-only into *file.  NB_OK; NB_EINVAL when it is missing or not
 * HDF5; NB_EIO when it is HDF5 but cannot be opened (damaged).  why[n] says which. */
int nb_h5r_open(const char *path, hid_t *file, char *why, size_t n);

/* String attribute `name` of obj (variable or fixed length) into buf[n].  0, or -1
 * when it is missing or not a string. */
int nb_h5r_attr_str(hid_t obj, const char *name, char *buf, size_t n);

/* Numeric scalar attribute `name` of obj as int64 / as double.  0, or -1. */
int nb_h5r_attr_i64(hid_t obj, const char *name, int64_t *v);
int nb_h5r_attr_f64(hid_t obj, const char *name, double *v);

/* The whole numeric dataset `name` in loc, of rank `rank`, as doubles: a malloc'd
 * array and its shape in dims[rank].  NULL when it is missing, of another rank or
 * unreadable. */
double *nb_h5r_doubles(hid_t loc, const char *name, int rank, hsize_t *dims);

/* 1 when dataset `name` in loc has rank `rank` and axis i carries the dimension
 * scale called scales[i] (a dataset in loc); 0 otherwise. */
int nb_h5r_has_dims(hid_t loc, const char *name, int rank, const char *const *scales);

/* The names of the datasets in loc whose axes carry scales[0..rank-1], in name
 * order: *names is a malloc'd array of *n malloc'd strings (free with
 * nb_h5r_names_free).  NB_OK or NB_ENOMEM / NB_EIO. */
int nb_h5r_find(hid_t loc, int rank, const char *const *scales, char ***names, int *n);
void nb_h5r_names_free(char **names, int n);

#endif
