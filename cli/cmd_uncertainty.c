/* cmd_uncertainty.c -- `neobay uncertainty`: the command line of nb_decompose
 * (analysis/decompose.c), with the posterior draws of calibrate/ as its parameter
 * source.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include "../model/neobay.h"
#include "calibrate.h"
#include "decompose.h"
#include "error.h"
#include "outpath.h"
#include "scenario.h"
#include "cli.h"

static const char uncertainty_help[] =
    "Usage: neobay uncertainty POLICY.yaml [--base BASE.yaml] [--posterior FILE] [options]\n"
    "Split the variance of a policy's impact by source (政策影响的方差分解): runs the\n"
    "policy and the base paired by replicate in a nested design -- DRAWS draws of the\n"
    "uncertain inputs, PER-DRAW replicates each -- and prints, for firms, backbones,\n"
    "unicorns, listings and high-tech firms in December of the year, the mean impact,\n"
    "its standard deviation and the shares of its variance that are stochastic (the\n"
    "replicates' own draws: within-draw variance), evidence (the effect sizes drawn\n"
    "from their priors, model/priors.def) and parameter (the calibrated parameters\n"
    "drawn from --posterior).  With a posterior, three designs are run (both sources,\n"
    "each alone), else one; each design is 2 x DRAWS x PER-DRAW runs.\n\n"
    "  -b, --base FILE        the counterfactual (default scenarios/baseline.yaml)\n"
    "      --posterior FILE   draw the calibrated parameters from this posterior\n"
    "  -d, --draws K          draws of the uncertain inputs (default 40)\n"
    "  -m, --per-draw M       replicates per draw (default 5)\n"
    "  -y, --year Y           December of year Y (default 2030)\n"
    "  -t, --threads N        OpenMP threads (default: all)\n"
    "  -o, --output FILE      also write the decomposition as HDF5 (dimensions outcome,\n"
    "                         source)\n"
    "  -h, --help             this text\n\n"
    "Exit codes: 0 done, 2 bad input or command line, 1 anything else.\n";

/* nb_draw_fn over posterior draws: draw j is the posterior's replicate-j particle. */
static void post_draw(const void *ud, int draw, nb_paramset *ps)
{
    nb_post_draws_apply(ud, draw, ps, NULL);
}

/* See cli.h. */
int nb_cmd_uncertainty(int argc, char **argv)
{
    static const struct option opts[] = {
        {"base", required_argument, 0, 'b'}, {"posterior", required_argument, 0, 'P'},
        {"draws", required_argument, 0, 'd'}, {"per-draw", required_argument, 0, 'm'},
        {"year", required_argument, 0, 'y'}, {"threads", required_argument, 0, 't'},
        {"output", required_argument, 0, 'o'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *base_path = "scenarios/baseline.yaml", *post_path = NULL, *output = NULL;
    long year = 2030, draws = 40, per = 5, threads = 0;
    char msg[160];
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":b:d:m:y:t:o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'b': base_path = optarg; break;
        case 'o': output = optarg; break;
        case 'P': post_path = optarg; break;
        case 'd':
            if (nb_cli_parse_long(optarg, 2, 100000, &draws)) return nb_cli_usage("uncertainty", "--draws: a whole number from 2");
            break;
        case 'm':
            if (nb_cli_parse_long(optarg, 2, 100000, &per)) return nb_cli_usage("uncertainty", "--per-draw: a whole number from 2");
            break;
        case 'y':
            if (nb_cli_parse_long(optarg, 2000, 2100, &year)) return nb_cli_usage("uncertainty", "--year: a year from 2000 to 2100");
            break;
        case 't':
            if (nb_cli_parse_long(optarg, 1, 4096, &threads)) return nb_cli_usage("uncertainty", "--threads: a whole number from 1");
            break;
        case 'h': fputs(uncertainty_help, stdout); return 0;
        default: return nb_cli_usage("uncertainty", nb_opt_problem(c, argv, msg, sizeof msg));
        }
    }
    if (argc - optind != 1) return nb_cli_usage("uncertainty", "give one policy scenario");
    int code = 0;
    nb_scenario *pol = nb_cli_scenario(argv[optind], NULL, 0, &code);
    if (!pol) return code;
    nb_scenario *base = nb_cli_scenario(base_path, NULL, 0, &code);
    if (!base) { nb_scenario_free(pol); return code; }
    nb_err e;
    nb_post_draws *pd = NULL;
    const char *in[] = {base_path, post_path};
    if (output && (nb_outpath_dir_check(output, &e) != NB_OK ||
                   nb_outpath_check(output, in, post_path ? 2 : 1, pol, &e) != NB_OK ||
                   nb_outpath_check(output, NULL, 0, base, &e) != NB_OK)) {
        code = nb_cli_fail(NB_EINVAL, e.msg);
        nb_scenario_free(base);
        nb_scenario_free(pol);
        return code;
    }
    int st = post_path ? nb_post_draws_make(post_path, pol, (int)draws, &pd, stderr, &e) : NB_OK;
    if (st != NB_OK) {
        code = nb_cli_fail(nb_cli_input(st), e.msg);
    } else {
        nb_decomp_opts o = {(int)draws, (int)per, (int)year, (int)threads, pd ? post_draw : NULL, pd};
        nb_decomposition d;
        st = nb_decompose(base, pol, &o, &d, &e);
        if (st == NB_OK) nb_decompose_print(&d, pol->name, base->name, stdout);
        if (st == NB_OK && output) {
            st = nb_decompose_write(output, &d, pol->name, base->name, &e);
            if (st == NB_OK) fprintf(stderr, "neobay: wrote %s\n", output);
        }
        code = st == NB_OK ? 0 : nb_cli_fail(st, e.msg);
    }
    nb_post_draws_free(pd);
    nb_scenario_free(base);
    nb_scenario_free(pol);
    return code;
}
