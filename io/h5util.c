/* h5util.c -- HDF5 building blocks shared by every results file (see h5out.h).
 *
 * Writing: every object is created with time tracking off and nothing in a file
 * depends on the clock, the thread count or the temporary name, so identical inputs
 * give byte-identical files.  A file is built in memory (HDF5's core driver) and its
 * image written to `<path>.part-<pid>` with plain write/fsync, then renamed onto
 * `path`: HDF5 itself never does disk I/O, so every disk error is reported here and
 * undone.
 *
 * Reading: small helpers that report failure by return value; callers say which
 * file and object failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include "h5out.h"
#include "../model/neobay.h"
#include "outpath.h"

#define DEFLATE_LEVEL 4
#define CORE_INCREMENT (1u << 20)   /* in-memory file growth step, bytes */

/* ===================================================================================
 * Shared
 * =================================================================================== */

/* See h5out.h. */
nb_h5_quiet nb_h5_quiet_begin(void)
{
    nb_h5_quiet q = {NULL, NULL};
    H5Eget_auto2(H5E_DEFAULT, &q.fn, &q.data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    return q;
}

/* See h5out.h. */
void nb_h5_quiet_end(nb_h5_quiet q)
{
    H5Eset_auto2(H5E_DEFAULT, q.fn, q.data);
}

/* H5Ewalk2 callback: keep the description of the innermost error (n == 0 when
 * walking upward), which is the one that says what really went wrong. */
static herr_t h5_walk_inner(unsigned n, const H5E_error2_t *err, void *ud)
{
    if (n == 0 && err->desc) snprintf(ud, 256, "%s", err->desc);
    return 0;
}

/* See h5out.h: the system error text when HDF5 quotes one ("File too large"),
 * otherwise the innermost HDF5 description, otherwise "HDF5 error". */
void nb_h5_reason(char *buf)
{
    char inner[256] = "";
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, h5_walk_inner, inner);
    const char *key = "error message = '";
    const char *p = strstr(inner, key);
    if (p) {
        p += strlen(key);
        const char *q = strchr(p, '\'');
        int len = q ? (int)(q - p) : (int)strlen(p);
        snprintf(buf, 256, "%.*s", len, p);
    } else {
        snprintf(buf, 256, "%s", inner[0] ? inner : "HDF5 error");
    }
    for (char *c = buf; *c; c++)
        if (*c == '\n' || *c == '\r') *c = ' ';      /* messages are one line */
}

/* See h5out.h. */
hid_t nb_h5_str_type(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t < 0) return t;
    if (H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, H5T_CSET_UTF8) < 0) {
        H5Tclose(t);
        return H5I_INVALID_HID;
    }
    return t;
}

/* Days from 1970-01-01 to the civil date y-m-d (proleptic Gregorian; H. Hinnant's
 * algorithm, exact for any year). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* See h5out.h. */
int64_t nb_h5_month_days(int m)
{
    return days_from_civil(m / 12, m % 12 + 1, 1);
}

/* See h5out.h (the inverse of days_from_civil). */
void nb_h5_civil_from_days(int64_t z, int *year, int *month)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *year = (int)(yoe + era * 400 + (m <= 2));
    *month = m;
}

/* ===================================================================================
 * Writing: objects
 * =================================================================================== */

/* See h5out.h. */
int nb_h5w_fail(nb_h5w *w, const char *what, const char *name)
{
    if (!w->why[0]) {
        char reason[256];
        nb_h5_reason(reason);
        snprintf(w->why, sizeof w->why, "%s '%s': %s", what, name, reason);
    }
    return NB_EIO;
}

/* See h5out.h. */
int nb_h5w_nomem(nb_h5w *w)
{
    if (!w->why[0]) snprintf(w->why, sizeof w->why, "out of memory");
    return NB_EIO;
}

/* A dataset creation property list with time tracking off and, when chunk is not
 * NULL, chunked storage with shuffle and deflate.  Negative id on failure. */
static hid_t w_dcpl(int rank, const hsize_t *chunk)
{
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (dcpl < 0) return dcpl;
    if (H5Pset_obj_track_times(dcpl, 0) < 0 ||
        (chunk && (H5Pset_chunk(dcpl, rank, chunk) < 0 || H5Pset_shuffle(dcpl) < 0 ||
                   H5Pset_deflate(dcpl, DEFLATE_LEVEL) < 0))) {
        H5Pclose(dcpl);
        return H5I_INVALID_HID;
    }
    return dcpl;
}

/* Create dataset `name` in `loc` with file type `ftype` and shape dims[rank] (rank
 * 0: scalar), and write `buf` (memory type `mtype`) into it.  chunk: see w_dcpl.
 * Returns the open dataset (close with H5Dclose), or a negative id after
 * nb_h5w_fail. */
static hid_t w_dataset(nb_h5w *w, hid_t loc, const char *name, hid_t ftype, hid_t mtype,
                       int rank, const hsize_t *dims, const hsize_t *chunk,
                       const void *buf)
{
    hid_t space = rank ? H5Screate_simple(rank, dims, NULL) : H5Screate(H5S_SCALAR);
    hid_t dcpl = space < 0 ? H5I_INVALID_HID : w_dcpl(rank, chunk);
    hid_t ds = H5I_INVALID_HID;
    if (dcpl < 0)
        nb_h5w_fail(w, "preparing dataset", name);
    else if ((ds = H5Dcreate2(loc, name, ftype, space, H5P_DEFAULT, dcpl,
                              H5P_DEFAULT)) < 0)
        nb_h5w_fail(w, "creating dataset", name);
    else if (H5Dwrite(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
        nb_h5w_fail(w, "writing dataset", name);
        H5Dclose(ds);
        ds = H5I_INVALID_HID;
    }
    if (dcpl >= 0) H5Pclose(dcpl);
    if (space >= 0) H5Sclose(space);
    return ds;
}

/* Attach scalar attribute `name` (file type ftype, memory type mtype, value at buf)
 * to object `obj`.  NB_OK, or NB_EIO after nb_h5w_fail. */
static int w_attr(nb_h5w *w, hid_t obj, const char *name, hid_t ftype, hid_t mtype,
                  const void *buf)
{
    hid_t space = H5Screate(H5S_SCALAR);
    hid_t a = space < 0 ? H5I_INVALID_HID
                        : H5Acreate2(obj, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT);
    int rc = NB_OK;
    if (a < 0 || H5Awrite(a, mtype, buf) < 0) rc = nb_h5w_fail(w, "writing attribute", name);
    if (a >= 0) H5Aclose(a);
    if (space >= 0) H5Sclose(space);
    return rc;
}

/* See h5out.h. */
int nb_h5w_attr_str(nb_h5w *w, hid_t obj, const char *name, const char *s)
{
    const char *v = s ? s : "";
    return w_attr(w, obj, name, w->str, w->str, &v);
}

/* See h5out.h. */
int nb_h5w_attr_i64(nb_h5w *w, hid_t obj, const char *name, int64_t v)
{
    return w_attr(w, obj, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &v);
}

/* See h5out.h. */
int nb_h5w_attr_f64(nb_h5w *w, hid_t obj, const char *name, double v)
{
    return w_attr(w, obj, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &v);
}

/* See h5out.h. */
hid_t nb_h5w_scale(nb_h5w *w, hid_t loc, const char *name, hid_t ftype, hid_t mtype,
                   hsize_t n, const void *buf, const char *long_name)
{
    hid_t ds = w_dataset(w, loc, name, ftype, mtype, 1, &n, NULL, buf);
    if (ds < 0) return ds;
    if (H5DSset_scale(ds, name) < 0) {
        nb_h5w_fail(w, "making a dimension scale of", name);
    } else if (nb_h5w_attr_str(w, ds, "long_name", long_name) == NB_OK) {
        return ds;
    }
    H5Dclose(ds);
    return H5I_INVALID_HID;
}

/* See h5out.h. */
hid_t nb_h5w_time_scale(nb_h5w *w, hid_t loc, int start, int n)
{
    int64_t *days = malloc((size_t)n * sizeof *days);
    if (!days) {
        nb_h5w_nomem(w);
        return H5I_INVALID_HID;
    }
    for (int k = 0; k < n; k++) days[k] = nb_h5_month_days(start + k);
    hid_t ds = nb_h5w_scale(w, loc, "time", H5T_STD_I64LE, H5T_NATIVE_INT64, (hsize_t)n,
                            days, "time (first day of the month)");
    free(days);
    if (ds < 0) return ds;
    if (nb_h5w_attr_str(w, ds, "units", "days since 1970-01-01") ||
        nb_h5w_attr_str(w, ds, "calendar", "standard") ||
        nb_h5w_attr_str(w, ds, "standard_name", "time") ||
        nb_h5w_attr_str(w, ds, "axis", "T")) {
        H5Dclose(ds);
        return H5I_INVALID_HID;
    }
    return ds;
}

/* Attach scale s[i] to axis i of dataset ds (named `name`), for i < rank. */
static int w_attach(nb_h5w *w, hid_t ds, const char *name, int rank, const hid_t *s)
{
    for (int i = 0; i < rank; i++)
        if (H5DSattach_scale(ds, s[i], (unsigned)i) < 0)
            return nb_h5w_fail(w, "attaching dimension scales to", name);
    return NB_OK;
}

/* See h5out.h. */
int nb_h5w_typed(nb_h5w *w, hid_t loc, const char *name, hid_t ftype, hid_t mtype,
                 int rank, const hsize_t *dims, const hsize_t *chunk, const void *data,
                 const hid_t *s, nb_h5w_attrs_fn with, const void *ud)
{
    hid_t ds = w_dataset(w, loc, name, ftype, mtype, rank, dims, chunk, data);
    if (ds < 0) return NB_EIO;
    int rc = w_attach(w, ds, name, rank, s);
    if (rc == NB_OK && with) rc = with(w, ds, ud);
    H5Dclose(ds);
    return rc;
}

/* See h5out.h. */
int nb_h5w_array(nb_h5w *w, hid_t loc, const char *name, int rank, const hsize_t *dims,
                 const hsize_t *chunk, const double *data, const hid_t *s,
                 nb_h5w_attrs_fn with, const void *ud)
{
    return nb_h5w_typed(w, loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, rank, dims, chunk,
                        data, s, with, ud);
}

/* See h5out.h. */
void nb_h5w_close(hid_t *ids, int n)
{
    for (int i = 0; i < n; i++)
        if (ids[i] >= 0) H5Dclose(ids[i]);
}

/* ===================================================================================
 * Writing: the in-memory image and its atomic replacement of `path`
 * =================================================================================== */

/* Copy the image of the open in-memory file w->file into *img (malloc'd), *size. */
static int w_copy_image(nb_h5w *w, void **img, size_t *size)
{
    if (H5Fflush(w->file, H5F_SCOPE_GLOBAL) < 0) return nb_h5w_fail(w, "flushing", "file");
    ssize_t n = H5Fget_file_image(w->file, NULL, 0);
    if (n <= 0) return nb_h5w_fail(w, "sizing", "file image");
    *img = malloc((size_t)n);
    if (!*img) {
        snprintf(w->why, sizeof w->why, "out of memory (%zd bytes)", n);
        return NB_EIO;
    }
    if (H5Fget_file_image(w->file, *img, (size_t)n) != n) {
        free(*img);
        *img = NULL;
        return nb_h5w_fail(w, "copying", "file image");
    }
    *size = (size_t)n;
    return NB_OK;
}

/* Build the whole file in memory with fill(w, ud) and return its image in *img
 * (malloc'd) and *size.  The core driver without backing store never touches the
 * disk, so closing cannot fail on I/O and leave a file id open; all disk I/O is
 * done by w_save.  `label` names the in-memory file (it is not stored in it).
 * NB_OK, or NB_EIO with w->why. */
static int w_image(nb_h5w *w, const char *label, nb_h5w_fill_fn fill, const void *ud,
                   void **img, size_t *size)
{
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE), fapl = H5Pcreate(H5P_FILE_ACCESS);
    int rc = NB_EIO;
    w->file = H5I_INVALID_HID;
    *img = NULL;
    if (fcpl < 0 || fapl < 0 || H5Pset_obj_track_times(fcpl, 0) < 0 ||
        H5Pset_fapl_core(fapl, CORE_INCREMENT, 0) < 0 ||
        H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) < 0)
        nb_h5w_fail(w, "preparing", "file properties");
    else if ((w->file = H5Fcreate(label, H5F_ACC_TRUNC, fcpl, fapl)) < 0)
        nb_h5w_fail(w, "creating in-memory file", label);
    else if ((rc = fill(w, ud)) == NB_OK)
        rc = w_copy_image(w, img, size);
    if (w->file >= 0) H5Fclose(w->file);
    if (fcpl >= 0) H5Pclose(fcpl);
    if (fapl >= 0) H5Pclose(fapl);
    return rc;
}

/* fsync the directory holding `path`, so the rename survives a crash.  Best
 * effort: the file is already in place when this runs. */
static void sync_parent(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash) {
        nb_sync_path(".", O_DIRECTORY);
        return;
    }
    size_t n = slash == path ? 1 : (size_t)(slash - path);
    char *dir = malloc(n + 1);
    if (!dir) return;
    memcpy(dir, path, n);
    dir[n] = '\0';
    nb_sync_path(dir, O_DIRECTORY);
    free(dir);
}

/* Create `tmp` exclusively, write the image, fsync and close it, and rename it
 * onto `path`.  On failure `tmp` is removed if this call created it, `path` is
 * untouched and e->msg names `path` and the system's reason. */
static int w_save(const char *path, const char *what, const char *tmp, const void *img,
                  size_t size, nb_err *e)
{
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0666);
    if (fd < 0)
        return nb_err_code(e, NB_EIO, "%s: cannot write %s: cannot create %s: %s", path,
                           what, tmp, strerror(errno));
    int ok = nb_write_all(fd, img, size) == 0 && fsync(fd) == 0;
    int err = errno;
    if (close(fd) != 0 && ok) ok = 0, err = errno;
    if (ok && rename(tmp, path) != 0) ok = 0, err = errno;
    if (!ok) {
        unlink(tmp);
        return nb_err_code(e, NB_EIO, "%s: cannot write %s: %s", path, what, strerror(err));
    }
    sync_parent(path);
    return NB_OK;
}

/* Build the image in memory, then save it atomically. */
static int w_build_and_save(const char *path, const char *what, const char *tmp,
                            nb_h5w *w, nb_h5w_fill_fn fill, const void *ud, nb_err *e)
{
    void *img = NULL;
    size_t size = 0;
    int rc = w_image(w, tmp, fill, ud, &img, &size);
    if (rc != NB_OK)
        nb_err_code(e, NB_EIO, "%s: cannot write %s: %s", path, what, w->why);
    else
        rc = w_save(path, what, tmp, img, size, e);
    free(img);
    return rc;
}

/* See h5out.h. */
int nb_h5_write_file(const char *path, const char *what, nb_h5w_fill_fn fill,
                     const void *ud, nb_err *e)
{
    if (!path || !*path) return nb_err_code(e, NB_EIO, "%s: empty path", what);
    size_t n = strlen(path) + 32;
    char *tmp = malloc(n);
    if (!tmp) return nb_err_code(e, NB_EIO, "%s: cannot write %s: out of memory", path, what);
    snprintf(tmp, n, "%s.part-%ld", path, (long)getpid());
    nb_outpath_clean_stale(path);            /* .part files of killed runs */

    nb_h5w w = {.file = H5I_INVALID_HID, .why = ""};
    nb_h5_quiet q = nb_h5_quiet_begin();
    w.str = nb_h5_str_type();
    int rc;
    if (w.str < 0)
        rc = nb_err_code(e, NB_EIO, "%s: cannot write %s: HDF5 unavailable", path, what);
    else
        rc = w_build_and_save(path, what, tmp, &w, fill, ud, e);
    if (w.str >= 0) H5Tclose(w.str);
    nb_h5_quiet_end(q);
    free(tmp);
    return rc;
}

/* ===================================================================================
 * Reading
 * =================================================================================== */

/* See h5out.h. */
int nb_h5r_open(const char *path, hid_t *file, char *why, size_t n)
{
    *file = H5I_INVALID_HID;
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(why, n, "%s", strerror(errno));
        return NB_EINVAL;
    }
    fclose(f);
    if (H5Fis_hdf5(path) <= 0) {
        snprintf(why, n, "not an HDF5 file");
        return NB_EINVAL;
    }
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl >= 0) H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG);
    *file = H5Fopen(path, H5F_ACC_RDONLY, fapl >= 0 ? fapl : H5P_DEFAULT);
    if (*file < 0) {
        char reason[256];
        nb_h5_reason(reason);
        snprintf(why, n, "cannot open (%s)", reason);
    }
    if (fapl >= 0) H5Pclose(fapl);
    return *file < 0 ? NB_EIO : NB_OK;
}

/* Read the variable-length string attribute a into buf[n].  0, or -1. */
static int r_attr_vlen(hid_t a, char *buf, size_t n)
{
    char *s = NULL;
    hid_t mt = nb_h5_str_type();
    int rc = -1;
    if (mt >= 0 && H5Aread(a, mt, &s) >= 0 && s) {
        snprintf(buf, n, "%s", s);
        H5free_memory(s);
        rc = 0;
    }
    if (mt >= 0) H5Tclose(mt);
    return rc;
}

/* Read the fixed-length string attribute a of type t into buf[n].  0, or -1. */
static int r_attr_fixed(hid_t a, hid_t t, char *buf, size_t n)
{
    size_t sz = H5Tget_size(t);
    char *tmp = calloc(sz + 1, 1);
    int rc = -1;
    if (tmp && H5Aread(a, t, tmp) >= 0) {
        snprintf(buf, n, "%s", tmp);
        rc = 0;
    }
    free(tmp);
    return rc;
}

/* See h5out.h. */
int nb_h5r_attr_str(hid_t obj, const char *name, char *buf, size_t n)
{
    if (H5Aexists(obj, name) <= 0) return -1;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    hid_t t = a < 0 ? H5I_INVALID_HID : H5Aget_type(a);
    int rc = -1;
    if (t >= 0 && H5Tget_class(t) == H5T_STRING)
        rc = H5Tis_variable_str(t) > 0 ? r_attr_vlen(a, buf, n) : r_attr_fixed(a, t, buf, n);
    if (t >= 0) H5Tclose(t);
    if (a >= 0) H5Aclose(a);
    return rc;
}

/* Read numeric scalar attribute `name` of obj into *v as memory type mt.  0 or -1. */
static int r_attr_num(hid_t obj, const char *name, hid_t mt, void *v)
{
    if (H5Aexists(obj, name) <= 0) return -1;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0) return -1;
    hid_t t = H5Aget_type(a);
    hid_t sp = H5Aget_space(a);
    int ok = t >= 0 && sp >= 0 &&
             (H5Tget_class(t) == H5T_INTEGER || H5Tget_class(t) == H5T_FLOAT) &&
             H5Sget_simple_extent_npoints(sp) == 1 && H5Aread(a, mt, v) >= 0;
    if (sp >= 0) H5Sclose(sp);
    if (t >= 0) H5Tclose(t);
    H5Aclose(a);
    return ok ? 0 : -1;
}

/* See h5out.h. */
int nb_h5r_attr_i64(hid_t obj, const char *name, int64_t *v)
{
    return r_attr_num(obj, name, H5T_NATIVE_INT64, v);
}

/* See h5out.h. */
int nb_h5r_attr_f64(hid_t obj, const char *name, double *v)
{
    return r_attr_num(obj, name, H5T_NATIVE_DOUBLE, v);
}

/* See h5out.h. */
double *nb_h5r_doubles(hid_t loc, const char *name, int rank, hsize_t *dims)
{
    if (H5Lexists(loc, name, H5P_DEFAULT) <= 0) return NULL;
    hid_t ds = H5Dopen2(loc, name, H5P_DEFAULT);
    hid_t sp = ds < 0 ? H5I_INVALID_HID : H5Dget_space(ds);
    double *v = NULL;
    if (sp >= 0 && H5Sget_simple_extent_ndims(sp) == rank &&
        H5Sget_simple_extent_dims(sp, dims, NULL) >= 0) {
        hsize_t n = 1;
        for (int i = 0; i < rank; i++) n *= dims[i];
        v = malloc((n ? n : 1) * sizeof *v);
        if (v && H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) {
            free(v);
            v = NULL;
        }
    }
    if (sp >= 0) H5Sclose(sp);
    if (ds >= 0) H5Dclose(ds);
    return v;
}

/* 1 when the open dataset ds has rank `rank` and axis i carries the scale
 * scales[i] of loc. */
static int r_dims_of(hid_t loc, hid_t ds, int rank, const char *const *scales)
{
    hid_t sp = H5Dget_space(ds);
    int ok = sp >= 0 && H5Sget_simple_extent_ndims(sp) == rank;
    if (sp >= 0) H5Sclose(sp);
    for (int i = 0; ok && i < rank; i++) {
        hid_t sc = H5Lexists(loc, scales[i], H5P_DEFAULT) > 0
                       ? H5Dopen2(loc, scales[i], H5P_DEFAULT) : H5I_INVALID_HID;
        ok = sc >= 0 && H5DSis_attached(ds, sc, (unsigned)i) > 0;
        if (sc >= 0) H5Dclose(sc);
    }
    return ok;
}

/* See h5out.h. */
int nb_h5r_has_dims(hid_t loc, const char *name, int rank, const char *const *scales)
{
    if (H5Lexists(loc, name, H5P_DEFAULT) <= 0) return 0;
    hid_t obj = H5Oopen(loc, name, H5P_DEFAULT);
    if (obj < 0) return 0;
    int ok = H5Iget_type(obj) == H5I_DATASET && r_dims_of(loc, obj, rank, scales);
    H5Oclose(obj);
    return ok;
}

/* What nb_h5r_find collects. */
typedef struct r_found {
    int rank;
    const char *const *scales;
    char **names;
    int n, cap, rc;
} r_found;

/* H5Literate callback: keep `name` when it is a dataset with the wanted axes. */
static herr_t r_find_one(hid_t loc, const char *name, const H5L_info_t *info, void *ud)
{
    r_found *f = ud;
    if (!nb_h5r_has_dims(loc, name, f->rank, f->scales)) return 0;
    if (f->n == f->cap) {
        int cap = f->cap ? 2 * f->cap : 32;
        char **grown = realloc(f->names, (size_t)cap * sizeof *grown);
        if (!grown) return f->rc = NB_ENOMEM, -1;
        f->names = grown;
        f->cap = cap;
    }
    if (!(f->names[f->n] = strdup(name))) return f->rc = NB_ENOMEM, -1;
    f->n++;
    return 0;
}

/* See h5out.h. */
int nb_h5r_find(hid_t loc, int rank, const char *const *scales, char ***names, int *n)
{
    r_found f = {rank, scales, NULL, 0, 0, NB_OK};
    hsize_t idx = 0;
    if (H5Literate(loc, H5_INDEX_NAME, H5_ITER_INC, &idx, r_find_one, &f) < 0 &&
        f.rc == NB_OK)
        f.rc = NB_EIO;
    if (f.rc != NB_OK) {
        nb_h5r_names_free(f.names, f.n);
        return f.rc;
    }
    *names = f.names;
    *n = f.n;
    return NB_OK;
}

/* See h5out.h. */
void nb_h5r_names_free(char **names, int n)
{
    for (int i = 0; i < n; i++) free(names[i]);
    free(names);
}
