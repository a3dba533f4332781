/* cmd_uncertainty.c -- `neobay uncertainty`: the command line of nb_decompose
 * (analysis/decompose.c), with the posterior draws of calibrate/ as its parameter
 * source.
 */
#include <getopt.h>     /* optind */
#include <stdio.h>
#include <stdlib.h>
#include "../model/neobay.h"
#include "calibrate.h"
#include "decompose.h"
#include "error.h"
#include "outpath.h"
#include "scenario.h"
#include "cli.h"
#include "cmdopts.h"

/* nb_draw_fn over posterior draws: draw j is the posterior's replicate-j particle. */
static void post_draw(const void *ud, int draw, nb_paramset *ps)
{
    nb_post_draws_apply(ud, draw, ps, NULL);
}

/* See cli.h. */
int nb_cmd_uncertainty(int argc, char **argv)
{
    nb_uncertainty_args o;
    int code = nb_opts_parse(&nb_opts_uncertainty, argc, argv, &o);
    if (code) return code == NB_OPTS_HELP ? 0 : code;
    const char *base_path = o.base, *post_path = o.posterior, *output = o.output;
    if (argc - optind != 1) return nb_cli_usage("uncertainty", "give one policy scenario");
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
    int st = post_path ? nb_post_draws_make(post_path, pol, (int)o.draws, &pd, stderr, &e) : NB_OK;
    if (st != NB_OK) {
        code = nb_cli_fail(nb_cli_input(st), e.msg);
    } else {
        nb_decomp_opts d_o = {(int)o.draws, (int)o.per_draw, (int)o.year, (int)o.threads, pd ? post_draw : NULL, pd};
        nb_decomposition d;
        st = nb_decompose(base, pol, &d_o, &d, &e);
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
