/* one_replicate.c -- a program built against the installed libneobay alone
 * (`cc one_replicate.c $(pkg-config --cflags --libs neobay)`), for test_build.py.
 *
 * Runs replicate 0 of the registry defaults with run.end moved to December of the
 * year given as argv[1] (2026 when absent) and prints one line:
 *     neobay VERSION months N firm_steps S firms F
 * F the firms alive in the last month, printed exactly (%.17g).  Exit code 0 on
 * success, 1 when a call fails (a message on stderr), 2 on a bad argument.
 */
#include <stdio.h>
#include <stdlib.h>
#include <neobay/metrics.h>
#include <neobay/neobay.h>
#include <neobay/sim.h>

int main(int argc, char **argv)
{
    static nb_paramset ps;      /* large (every parameter's schedule): not on the stack */
    int end_year = argc > 1 ? atoi(argv[1]) : 2026;
    if (end_year < 2025 || end_year > 2035) {
        fprintf(stderr, "one_replicate: end year %s not in 2025..2035\n", argv[1]);
        return 2;
    }
    nb_paramset_default(&ps);
    nb_paramset_set_const(&ps, NB_P_run_end, NB_MONTH(end_year, 12));
    nb_model *m = nb_model_alloc(&ps);
    nb_sim *s = nb_sim_alloc();
    nb_results *r = m ? nb_results_alloc(1, nb_model_n_time(m), nb_model_start(m)) : NULL;
    int st = m && s && r ? nb_sim_run(m, s, 0, r) : NB_ENOMEM;
    int firms = nb_metric_find("firms");
    if (st == NB_OK && firms >= 0) {
        int n = nb_model_n_time(m);
        printf("neobay %s months %d firm_steps %llu firms %.17g\n", NB_VERSION, n,
               (unsigned long long)nb_sim_firm_steps(s), nb_results_row(r, firms, 0)[n - 1]);
    } else {
        fprintf(stderr, "one_replicate: the run failed (status %d)\n", st);
    }
    nb_results_free(r);
    nb_sim_free(s);
    nb_model_free(m);
    return st == NB_OK && firms >= 0 ? 0 : 1;
}
