/* bench.c -- `make bench`: the model's throughput in firm-steps per second.
 *
 * Loads a scenario (default scenarios/policy-2024.yaml, the full model with every
 * measure on), runs it from 2024-07 to 2035-12 with 1 and 2 threads (best of three),
 * then times a 1000-replicate run on 2 threads including the HDF5 write, and prints
 * firm-steps/s, the speed-up and the state per firm.  Timing lives here, never in
 * tests.  Since the spin-up from run.origin, a run also simulates the history; its
 * share of the firm-steps is printed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include "../model/ensemble.h"
#include "../model/firms.h"
#include "../model/neobay.h"
#include "../io/h5out.h"
#include "../io/scenario.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Best-of-`trials` seconds for nrep replicates on `threads` threads. */
static double time_run(const nb_model *m, int nrep, int threads, int trials, uint64_t *steps)
{
    double best = 1e30;
    for (int trial = 0; trial < trials; trial++) {
        nb_results *r = nb_results_alloc(nrep, nb_model_n_time(m), nb_model_start(m));
        if (!r) { fprintf(stderr, "bench: out of memory\n"); exit(1); }
        nb_ensemble_opts o = {threads, NULL, NULL, NULL};
        double t0 = now();
        nb_ensemble_run(m, r, &o, steps);
        double t = now() - t0;
        if (t < best) best = t;
        nb_results_free(r);
    }
    return best;
}

/* A full `neobay run` of 1000 replicates on 2 threads: ensemble and HDF5 file. */
static double time_full(const nb_scenario *sc, const nb_model *m)
{
    nb_results *r = nb_results_alloc(1000, nb_model_n_time(m), nb_model_start(m));
    char *yaml = nb_scenario_to_yaml(sc);
    char path[] = "/tmp/neobay-bench-XXXXXX";
    int fd = mkstemp(path);
    if (!r || !yaml || fd < 0) { fprintf(stderr, "bench: cannot set up\n"); exit(1); }
    close(fd);
    nb_ensemble_opts o = {2, NULL, NULL, NULL};
    nb_run_meta meta = {sc->name, sc->path, yaml, &sc->ps, nb_model_seed(m)};
    nb_err e;
    double t0 = now();
    int st = nb_ensemble_run(m, r, &o, NULL);
    if (st == NB_OK) st = nb_h5_write_run(path, r, &meta, &e);
    double t = now() - t0;
    unlink(path);
    free(yaml);
    nb_results_free(r);
    return st == NB_OK ? t : -1;
}

int main(int argc, char **argv)
{
    const char *file = argc > 1 ? argv[1] : "scenarios/policy-2024.yaml";
    int nrep = argc > 2 ? atoi(argv[2]) : 100;
    nb_scenario *sc = NULL;
    nb_err e;
    if (nb_scenario_load(file, &sc, &e) != NB_OK) {
        fprintf(stderr, "bench: %s\n", e.msg);
        return 2;
    }
    nb_model *m = nb_model_alloc(&sc->ps);
    uint64_t steps = 0;
    printf("neobay bench: %s, %d replicates x %d months\n", file, nrep, nb_model_n_time(m));
    double t1 = time_run(m, nrep, 1, 3, &steps);
    double r1 = (double)steps / t1;
    printf("  1 thread : %7.3f s  %6.2f M firm-steps/s  (%.3g firm-steps, %.0f firms/replicate-month)\n",
           t1, r1 / 1e6, (double)steps, (double)steps / nrep / (nb_model_n_time(m) - 1));
    double t2 = time_run(m, nrep, 2, 3, &steps);
    double r2 = (double)steps / t2;
    printf("  2 threads: %7.3f s  %6.2f M firm-steps/s  speed-up %.2fx\n", t2, r2 / 1e6, r2 / r1);
    {   /* the spin-up's share: firm-steps of the history over all (one replicate) */
        nb_sim *sim = nb_sim_alloc();
        nb_results *r1r = nb_results_alloc(1, nb_model_n_time(m), nb_model_start(m));
        if (sim && r1r && nb_sim_run(m, sim, 0, r1r) == NB_OK)
            printf("  spin-up from %d-%02d: %d of %d months, %.1f%% of firm-steps (so of run time)\n",
                   nb_model_origin(m) / 12, nb_model_origin(m) % 12 + 1, nb_model_n_hist(m),
                   nb_model_n_hist(m) + nb_model_n_time(m),
                   100.0 * (double)nb_sim_hist_steps(sim) / (double)nb_sim_firm_steps(sim));
        nb_results_free(r1r);
        nb_sim_free(sim);
    }
    double tf = time_full(sc, m);
    printf("  1000 replicates, 2 threads, ensemble + HDF5 file: %.1f s\n", tf);
    printf("  state per firm: %d bytes\n", NB_FIRM_BYTES);
    nb_model_free(m);
    nb_scenario_free(sc);
    return 0;
}
