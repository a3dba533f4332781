/* ensemble.h -- Monte Carlo ensembles over OpenMP threads.
 *
 * Replicates are independent (counter-based streams), so each is computed whole by
 * one thread into its own row: the results are bit-identical for any thread count.
 */
#ifndef NB_ENSEMBLE_H
#define NB_ENSEMBLE_H
#include "nb_api.h"
#include <stdint.h>
#include "sim.h"

typedef struct nb_ensemble_opts {
    int threads;                 /* <= 0: OpenMP's default */
    /* Called after each replicate completes, from one thread at a time, with the
     * replicate number; may be NULL.  For progress reports and checkpoints. */
    void (*on_done)(void *ud, int rep, int n_done, int n_total);
    void *ud;
    const unsigned char *skip;   /* skip[rep] != 0: leave that row as it is; may be NULL */
} nb_ensemble_opts;

/* Run replicates 0..res->n_rep-1 of `m` into `res`, then compute its quantiles.
 * *firm_steps (may be NULL) receives the total firm-steps.  Returns NB_OK or
 * NB_ENOMEM. */
NB_API int nb_ensemble_run(const nb_model *m, nb_results *res, const nb_ensemble_opts *o,
                    uint64_t *firm_steps);

#endif
