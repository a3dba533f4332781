/* cmd_sensitivity.c -- `neobay sensitivity`: the command line of
 * nb_sensitivity_file (analysis/sensitivity_file.c).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include "../model/metrics.h"
#include "../model/neobay.h"
#include "error.h"
#include "sensitivity.h"
#include "cli.h"

static const char sensitivity_help[] =
    "Usage: neobay sensitivity SWEEP.h5 [--metric M]... [--year Y]... [options]\n"
    "Global sensitivity analysis (全局敏感性分析) of a sweep's outcomes to its factors.\n"
    "A saltelli sweep gives Sobol indices: first order S1 (the factor alone) and total\n"
    "ST (with its interactions), with 90% bootstrap intervals.  A morris sweep gives\n"
    "the elementary-effect statistics mu* (importance), mu (direction) and sigma\n"
    "(non-linearity, interactions).  The outcome is the mean over replicates of a\n"
    "metric at December of a year.  Prints a table per outcome, ranked, and writes the\n"
    "results into SWEEP.h5 as group /sensitivity (replacing an earlier one; the file is\n"
    "rewritten under a temporary name and renamed, so it is never left half-written).\n\n"
    "  -m, --metric M      a metric to analyse; repeatable (default: the sweep's\n"
    "                      outputs.metrics, else firms, unicorns and listed)\n"
    "  -y, --year Y        December of year Y; repeatable (default: the sweep's\n"
    "                      outputs.years, else the last December of the run)\n"
    "  -b, --resamples B   bootstrap resamples (default 1000)\n"
    "  -n, --no-write      print only; leave the file as it is\n"
    "  -h, --help          this text\n\n"
    "Exit codes: 0 done, 2 bad input (not a sweep file, a grid/lhs/sobol design, a\n"
    "metric or year not in the file), 1 the file could not be rewritten.\n";

/* See sensitivity.h. */
int nb_cmd_sensitivity(int argc, char **argv)
{
    static const struct option opts[] = {
        {"metric", required_argument, 0, 'm'}, {"year", required_argument, 0, 'y'},
        {"resamples", required_argument, 0, 'b'}, {"no-write", no_argument, 0, 'n'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *metrics[NB_SENS_MAX_METRICS];
    int years[NB_SENS_MAX_YEARS];
    nb_sens_opts o = {metrics, 0, years, 0, NB_SENS_RESAMPLES, 1};
    char msg[256], *end;
    long v;
    int c;
    while ((c = getopt_long(argc, argv, ":m:y:b:nh", opts, NULL)) != -1) {
        switch (c) {
        case 'm':
            if (o.n_metrics == NB_SENS_MAX_METRICS) return nb_cli_usage("sensitivity", "--metric: at most 64 metrics");
            if (nb_metric_find(optarg) < 0) {
                int s = nb_metric_suggest(optarg);
                snprintf(msg, sizeof msg, "--metric: unknown metric '%s'%s%s%s", optarg,
                         s >= 0 ? " (did you mean '" : "", s >= 0 ? nb_metrics[s].name : "",
                         s >= 0 ? "'?)" : "");
                return nb_cli_usage("sensitivity", msg);
            }
            metrics[o.n_metrics++] = optarg;
            break;
        case 'y':
            errno = 0;
            v = strtol(optarg, &end, 10);
            if (errno || end == optarg || *end || v < 1900 || v > 2200)
                return snprintf(msg, sizeof msg, "--year: '%s' is not a year from 1900 to 2200", optarg), nb_cli_usage("sensitivity", msg);
            if (o.n_years == NB_SENS_MAX_YEARS) return nb_cli_usage("sensitivity", "--year: at most 16 years");
            years[o.n_years++] = (int)v;
            break;
        case 'b':
            errno = 0;
            v = strtol(optarg, &end, 10);
            if (errno || end == optarg || *end || v < 1 || v > 1000000)
                return snprintf(msg, sizeof msg, "--resamples: '%s' is not a whole number from 1 to 1000000", optarg), nb_cli_usage("sensitivity", msg);
            o.resamples = (int)v;
            break;
        case 'n': o.write = 0; break;
        case 'h': fputs(sensitivity_help, stdout); return 0;
        default: return nb_cli_usage("sensitivity", nb_opt_problem(c, argv, msg, sizeof msg));
        }
    }
    if (optind + 1 != argc)
        return nb_cli_usage("sensitivity", optind == argc ? "no sweep results file given" : "more than one file given");
    nb_err e;
    int rc = nb_sensitivity_file(argv[optind], &o, stdout, &e);
    return rc == NB_OK ? 0 : nb_cli_fail(rc, e.msg);
}
