/* sweep_run.h -- running a sweep (sweep/sweep_run.c): one design point, or the whole
 * sweep serially or over MPI ranks, journalled and resumable.  The payload rows and
 * the results file it writes: sweep_h5.h.
 */
#ifndef NB_SWEEP_RUN_H
#define NB_SWEEP_RUN_H
#include <stdint.h>
#include "../model/results.h"
#include "error.h"
#include "sweep.h"
#include "sweep_h5.h"

/* Run design point `point` of sw as an ensemble of sw->replicates replicates with
 * `threads` OpenMP threads (<= 0: OpenMP's default) and store its payload in row
 * `row` of table (n_time must be nb_sweep_row_len of the base's months).  on_rep (may
 * be NULL) is called after each replicate, from one thread at a time.  *firm_steps
 * (may be NULL) receives the model's cost.  NB_OK, or NB_EINVAL / NB_ENOMEM with
 * e->msg. */
int nb_sweep_point_run(const nb_sweep *sw, int point, int threads, void (*on_rep)(void *ud),
                       void *ud, nb_results *table, int row, uint64_t *firm_steps, nb_err *e);

/* ---- the whole sweep ------------------------------------------------------------------ */

typedef struct nb_sweep_opts {
    const char *sweep, *output;
    int threads;                /* per rank; <= 0: OpenMP's default */
    int shard_k, shard_n;       /* shard_n 0: the whole sweep */
    int restart, quiet;
} nb_sweep_opts;

/* Run a sweep to its results file: serially, or over MPI ranks when built with MPI
 * and started by mpirun/srun (rank 0 hands out points and writes; every rank
 * computes).  Resumes from OUT.journal.  Returns NB_OK, or after printing the error
 * (rank 0, or the rank that failed) NB_EINVAL for bad input (a sweep file that is
 * wrong or cannot be read, an output refused, a journal of another sweep, a shard
 * with no points), NB_ENOMEM, or NB_EIO (a file could not be written, MPI would not
 * start).  Every rank returns the same status. */
int nb_sweep_main(const nb_sweep_opts *o);

/* "built with MPI (Open MPI v4.1.4)" or "built without MPI: ...", for --help. */
const char *nb_sweep_mpi_info(void);

#endif
