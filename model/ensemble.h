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

/* Fill `ps` with the parameters of replicate `rep` (a validated set: the model is
 * built from it).  Called from the replicate's thread, possibly from several threads
 * at once, so it must only read shared state.  Returns NB_OK, or a status that stops
 * the ensemble (nb_ensemble_run then returns it). */
typedef int (*nb_ensemble_params_fn)(const void *ud, int rep, nb_paramset *ps);

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
 * NB_ENOMEM; on failure the rows are unspecified. */
NB_API int nb_ensemble_run(const nb_model *m, nb_results *res, const nb_ensemble_opts *o,
                    uint64_t *firm_steps);

/* nb_ensemble_run with parameters per replicate (parameter uncertainty: a posterior
 * draw per replicate): replicate rep runs a model of its own, built from the set
 * params(ud, rep, ps) fills.  Same contract (skip, on_done, bit-identical for any
 * thread count); returns NB_OK, NB_ENOMEM or the first failing status of params. */
NB_API int nb_ensemble_run_each(nb_ensemble_params_fn params, const void *ud, nb_results *res,
                                const nb_ensemble_opts *o, uint64_t *firm_steps);

#endif
