/* cmd_sensitivity.c -- `neobay sensitivity`: the command line of
 * nb_sensitivity_file (analysis/sensitivity_file.c).
 */
#include <getopt.h>     /* optind */
#include <stdio.h>
#include <stdlib.h>
#include "../model/metrics.h"
#include "../model/neobay.h"
#include "error.h"
#include "sensitivity.h"
#include "cli.h"
#include "cmdopts.h"

/* See sensitivity.h. */
int nb_cmd_sensitivity(int argc, char **argv)
{
    nb_sensitivity_args a;
    int code = nb_opts_parse(&nb_opts_sensitivity, argc, argv, &a);
    if (code) return code == NB_OPTS_HELP ? 0 : code;
    char msg[256];
    for (int i = 0; i < a.n_metrics; i++)
        if (nb_metric_find(a.metrics[i]) < 0) {
            int s = nb_metric_suggest(a.metrics[i]);
            snprintf(msg, sizeof msg, "--metric: unknown metric '%s'%s%s%s", a.metrics[i],
                     s >= 0 ? " (did you mean '" : "", s >= 0 ? nb_metrics[s].name : "",
                     s >= 0 ? "'?)" : "");
            return nb_cli_usage("sensitivity", msg);
        }
    int years[NB_SENS_MAX_YEARS];
    for (int i = 0; i < a.n_years; i++) years[i] = (int)a.years[i];
    nb_sens_opts o = {a.metrics, a.n_metrics, years, a.n_years, (int)a.resamples, !a.no_write};
    if (optind + 1 != argc)
        return nb_cli_usage("sensitivity", optind == argc ? "no sweep results file given" : "more than one file given");
    nb_err e;
    int rc = nb_sensitivity_file(argv[optind], &o, stdout, &e);
    return rc == NB_OK ? 0 : nb_cli_fail(rc, e.msg);
}
