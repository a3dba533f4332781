/* outpath.h -- the one output-path rule every subcommand applies before it writes.
 *
 * An output path is refused (the CLI exits 2 with one line) when it exists and is
 * not a regular file (a device, FIFO, directory, socket), or when it is the same
 * file -- same st_dev and st_ino, whatever the spelling or links -- as any input the
 * command reads: the scenario and every file of its extends chain, a posterior, a
 * sweep file, shards, a calibration file and its targets.
 */
#ifndef NB_OUTPATH_H
#define NB_OUTPATH_H
#include <stddef.h>
#include "error.h"
#include "scenario.h"

/* NB_OK when `out` may be written; NB_EINVAL with e saying why otherwise.  inputs[0..n)
 * are the files the command reads (NULL entries and files that do not exist are
 * skipped); sc (may be NULL) adds every file of a loaded scenario. */
int nb_outpath_check(const char *out, const char *const *inputs, int n, const nb_scenario *sc, nb_err *e);

/* NB_OK when `out` names a file in a directory that exists and is writable;
 * NB_EINVAL with e ("--output: ...") when it is empty or ends in '/', its directory
 * is missing or not writable, or it is a directory.  Checked before a run starts,
 * so a long run is not lost at the end for want of a place to write. */
int nb_outpath_dir_check(const char *out, nb_err *e);

/* Write n bytes of buf to fd, through short writes and interruptions.  0, or -1
 * with errno set. */
int nb_write_all(int fd, const void *buf, size_t n);

/* fsync the file at p, or the directory with flags O_DIRECTORY.  0, or -1 with
 * errno set. */
int nb_sync_path(const char *p, int flags);

/* Remove `<out>.part-<pid>` files left in out's directory by processes that no longer
 * exist (kill(pid, 0) fails with ESRCH).  Returns how many were removed; never fails. */
int nb_outpath_clean_stale(const char *out);

#endif
