/* bench.c -- `make bench`: the model's throughput in firm-steps per second.
 *
 * Runs the default parameters (the baseline) from 2024-07 to 2035-12 with 1 and 2
 * threads, best of three, and prints firm-steps/s, the speed-up and the state per firm.
 * Timing lives here, never in tests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "../model/ensemble.h"
#include "../model/firms.h"
#include "../model/neobay.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Best-of-3 seconds for nrep replicates on `threads` threads; *steps gets firm-steps. */
static double time_run(const nb_model *m, int nrep, int threads, uint64_t *steps)
{
    double best = 1e30;
    for (int trial = 0; trial < 3; trial++) {
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

int main(int argc, char **argv)
{
    int nrep = argc > 1 ? atoi(argv[1]) : 200;
    nb_paramset *ps = malloc(sizeof *ps);
    nb_paramset_default(ps);
    nb_model *m = nb_model_alloc(ps);
    uint64_t steps = 0;
    printf("neobay bench: baseline defaults, %d replicates, %d months (2024-07..2035-12)\n",
           nrep, nb_model_n_time(m));
    double t1 = time_run(m, nrep, 1, &steps);
    double r1 = (double)steps / t1;
    printf("  1 thread : %8.3f s  %6.2f M firm-steps/s  (%.3g firm-steps)\n", t1, r1 / 1e6, (double)steps);
    double t2 = time_run(m, nrep, 2, &steps);
    double r2 = (double)steps / t2;
    printf("  2 threads: %8.3f s  %6.2f M firm-steps/s  speed-up %.2fx\n", t2, r2 / 1e6, r2 / r1);
    printf("  1000 replicates on 2 threads, extrapolated: %.1f s\n", t2 * 1000.0 / nrep);
    printf("  state per firm: %d bytes\n", NB_FIRM_BYTES);
    nb_model_free(m);
    free(ps);
    return 0;
}
