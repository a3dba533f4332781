/* ensemble.c -- replicates over OpenMP threads (see ensemble.h).
 *
 * Each thread owns one nb_sim workspace for all the replicates it runs; rows of the
 * results are disjoint, so the hot loop takes no lock.  The only critical section
 * is the per-replicate callback, once per replicate.
 */
#include <omp.h>
#include <stdlib.h>
#include "neobay.h"
#include "ensemble.h"

int nb_ensemble_run(const nb_model *m, nb_results *res, const nb_ensemble_opts *o,
                    uint64_t *firm_steps)
{
    int threads = (o && o->threads > 0) ? o->threads : omp_get_max_threads();
    int status = NB_OK, done = 0;
    uint64_t steps = 0;
#pragma omp parallel num_threads(threads) reduction(+ : steps)
    {
        nb_sim *s = nb_sim_alloc();
        if (!s) {
#pragma omp atomic write
            status = NB_ENOMEM;
        }
#pragma omp for schedule(dynamic, 1)
        for (int rep = 0; rep < res->n_rep; rep++) {
            int st;
#pragma omp atomic read
            st = status;
            if (!s || st != NB_OK || (o && o->skip && o->skip[rep])) continue;
            if (nb_sim_run(m, s, (uint32_t)rep, res) != NB_OK) {
#pragma omp atomic write
                status = NB_ENOMEM;
                continue;
            }
            steps += nb_sim_firm_steps(s);
            if (o && o->on_done) {
#pragma omp critical(nb_ensemble_done)
                o->on_done(o->ud, rep, ++done, res->n_rep);
            }
        }
        nb_sim_free(s);
    }
    if (firm_steps) *firm_steps = steps;
    if (status != NB_OK) return status;
    return nb_results_quantiles(res);
}
