/* checkpoint.h -- resumable runs: each finished replicate's row, appended to a file.
 *
 * While `neobay run -o OUT.h5` runs, every completed replicate is appended to
 * OUT.h5.ckpt; a rerun of the same command restores those rows and computes only the
 * rest.  Replicates are a pure function of (scenario, seed, replicate), so the
 * restored rows are exactly the ones a fresh run would compute and the final file is
 * byte-identical to an uninterrupted run's.
 *
 * File format (integers and doubles little-endian, doubles as their IEEE-754 bits):
 *   header  "NBCKPT1\n" (8 bytes), uint64 run hash (nb_ckpt_hash)
 *   records uint32 rep,
 *           NB_NMETRICS * n_time float64: metric 0's row, metric 1's row, ...,
 *           uint64 FNV-1a checksum of the rep and payload bytes
 * Records have a fixed size.  A record that is cut short (a kill in mid-write) or
 * whose checksum or replicate number is wrong is ignored; so is a second record for
 * the same replicate.  The header is written under a temporary name and renamed into
 * place, so a checkpoint that exists always has a whole header.
 *
 * Durability: each record reaches the kernel with one write(2) as soon as its
 * replicate finishes, so a killed process (SIGKILL, OOM killer, batch time limit)
 * loses nothing that finished.  fdatasync(2) runs at most once a second (and at
 * close): a replicate takes ~50 ms and a run may use many threads, so syncing every
 * record would serialise the threads on the disk for protection that only matters
 * when the machine itself goes down -- and then at most ~1 s of work is lost.
 *
 * The run hash covers the neobay version, git commit and executable, so a rebuilt
 * neobay refuses the checkpoint rather than mix rows from two builds.  Not
 * thread-safe: call nb_ckpt_append from one thread at a time (the ensemble's on_done
 * callback is).
 */
#ifndef NB_CHECKPOINT_H
#define NB_CHECKPOINT_H
#include <stddef.h>
#include <stdint.h>
#include "../model/results.h"
#include "error.h"
#include "h5out.h"

typedef struct nb_ckpt nb_ckpt;

/* The checkpoint path for results file `out` ("OUT.ckpt") into buf (size bytes).
 * NB_OK, or NB_EINVAL with e->msg when it does not fit. */
int nb_ckpt_path(const char *out, char *buf, size_t size, nb_err *e);

/* A 64-bit FNV-1a hash of everything that determines the results file: the
 * resolved scenario YAML, name and path, every parameter value bit for bit, the
 * seed, res's n_rep, n_time and start, the metric names, NB_VERSION, the git commit
 * and the running executable's bytes (/proc/self/exe, when readable).  Two runs
 * with equal hashes write the same file. */
uint64_t nb_ckpt_hash(const nb_run_meta *meta, const nb_results *res);

/* Open the checkpoint at `path` for the run with hash `hash` and results shaped
 * like `res`; skip has res->n_rep entries, all zero.
 *   - No file: create one holding just the header; *found = 0, *n_done = 0.
 *   - A checkpoint of this run: copy every valid record's row into res and set
 *     skip[rep] = 1; cut the file after its last valid record and open it for
 *     appending; *found = 1, *n_done = replicates restored.
 *   - Anything else at `path` (another run's checkpoint, not a checkpoint at all):
 *     NB_EINVAL, e->msg "PATH: checkpoint of a different run (...); delete it or
 *     choose another -o"; the file is left alone.
 * I/O failures give NB_EIO, out of memory NB_ENOMEM, with e->msg.  On NB_OK *out
 * is the open checkpoint (free with nb_ckpt_close). */
int nb_ckpt_open(const char *path, uint64_t hash, nb_results *res, unsigned char *skip,
                 nb_ckpt **out, int *found, int *n_done, nb_err *e);

/* nb_ckpt_open for a journal whose records depend on each other (a calibration's:
 * a missing accepted candidate in a finished batch would change the posterior): a
 * damaged whole record (checksum or replicate number wrong: a bit flip, a zeroed
 * block) followed by a valid record is NB_EINVAL, e->msg "PATH: record K (byte
 * offset X) is damaged ...; delete it or pass --restart", the file left alone.
 * Damage only after the last valid record is a torn tail, cut as nb_ckpt_open does
 * (what follows the last valid record is always redone). */
int nb_ckpt_open_strict(const char *path, uint64_t hash, nb_results *res, unsigned char *skip,
                        nb_ckpt **out, int *found, int *n_done, nb_err *e);

/* Append replicate rep's row of res (every metric, n_time values).  NB_OK, or
 * NB_EIO with e->msg.  A failed write or sync (a full disk) cuts the file back to
 * its whole, synced records -- no space is kept for records it cannot keep -- and
 * e->msg says how many records and bytes it still holds, and to delete it to free
 * them (the records stay, so a rerun resumes from them). */
int nb_ckpt_append(nb_ckpt *c, const nb_results *res, int rep, nb_err *e);

/* fdatasync c now (appends sync at most once a second; a caller whose records are
 * rare and costly -- a sweep's points -- syncs each).  NB_OK, or NB_EIO with e->msg. */
int nb_ckpt_sync(nb_ckpt *c, nb_err *e);

/* Sync and close c (NULL is a no-op).  With remove != 0, delete the file too
 * (after a results file was written).  NB_OK, or NB_EIO with e->msg; c is freed
 * either way. */
int nb_ckpt_close(nb_ckpt *c, int remove, nb_err *e);

/* Delete the file at `path` if there is one (--restart).  NB_OK, or NB_EIO. */
int nb_ckpt_delete(const char *path, nb_err *e);

#endif
