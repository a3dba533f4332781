/* ensemble.c -- replicates over OpenMP threads (see ensemble.h).
 *
 * Each thread owns one nb_sim workspace for all the replicates it runs (and, with
 * per-replicate parameters, one parameter set it refills for each); rows of the
 * results are disjoint, so the hot loop takes no lock.  The only critical section
 * is the per-replicate callback, once per replicate.
 */
#include <assert.h>
#include <omp.h>
#include <stdlib.h>
#include "neobay.h"
#include "ensemble.h"

/* Run replicate `rep` in workspace `s`: of `m`, or, when `params` is set, of a model
 * built from the parameters it writes into `ps`.  Returns NB_OK or a failure status. */
static int ensemble_run_one(const nb_model *m, nb_ensemble_params_fn params, const void *ud,
                            nb_paramset *ps, nb_sim *s, int rep, nb_results *res)
{
    if (!params) return nb_sim_run(m, s, (uint32_t)rep, res);
    assert(ps);
    int rc = params(ud, rep, ps);
    if (rc != NB_OK) return rc;
    nb_model *own = nb_model_alloc(ps);
    rc = own ? nb_sim_run(own, s, (uint32_t)rep, res) : NB_ENOMEM;
    nb_model_free(own);
    return rc;
}

/* The replicate loop of both entry points: exactly one of m and params is set. */
static int ensemble_loop(const nb_model *m, nb_ensemble_params_fn params, const void *ud,
                         nb_results *res, const nb_ensemble_opts *o, uint64_t *firm_steps)
{
    assert(res && res->n_rep >= 0);
    assert(!m != !params);
    int threads = (o && o->threads > 0) ? o->threads : omp_get_max_threads();
    int status = NB_OK, done = 0;
    uint64_t steps = 0;
#pragma omp parallel num_threads(threads) reduction(+ : steps)
    {
        nb_sim *s = nb_sim_alloc();
        nb_paramset *ps = params ? malloc(sizeof *ps) : NULL;
        if (!s || (params && !ps)) {
#pragma omp atomic write
            status = NB_ENOMEM;
        }
#pragma omp for schedule(dynamic, 1)
        for (int rep = 0; rep < res->n_rep; rep++) {
            int st;
#pragma omp atomic read
            st = status;
            if (!s || st != NB_OK || (o && o->skip && o->skip[rep])) continue;
            if ((st = ensemble_run_one(m, params, ud, ps, s, rep, res)) != NB_OK) {
#pragma omp atomic write
                status = st;
                continue;
            }
            steps += nb_sim_firm_steps(s);
            if (o && o->on_done) {
#pragma omp critical(nb_ensemble_done)
                o->on_done(o->ud, rep, ++done, res->n_rep);
            }
        }
        nb_sim_free(s);
        free(ps);
    }
    if (firm_steps) *firm_steps = steps;
    if (status != NB_OK) return status;
    return nb_results_quantiles(res);
}

int nb_ensemble_run(const nb_model *m, nb_results *res, const nb_ensemble_opts *o,
                    uint64_t *firm_steps)
{
    assert(m);
    return ensemble_loop(m, NULL, NULL, res, o, firm_steps);
}

int nb_ensemble_run_each(nb_ensemble_params_fn params, const void *ud, nb_results *res,
                         const nb_ensemble_opts *o, uint64_t *firm_steps)
{
    assert(params);
    return ensemble_loop(NULL, params, ud, res, o, firm_steps);
}
