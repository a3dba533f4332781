/* cmd_attribute.c -- `neobay attribute`: the command line of nb_attribute
 * (analysis/attribute.c).
 */
#include <getopt.h>     /* optind */
#include <stdio.h>
#include <stdlib.h>
#include "../model/neobay.h"
#include "attribute.h"
#include "error.h"
#include "outpath.h"
#include "scenario.h"
#include "cli.h"
#include "cmdopts.h"

/* See cli.h. */
int nb_cmd_attribute(int argc, char **argv)
{
    nb_attribute_args o;
    int code = nb_opts_parse(&nb_opts_attribute, argc, argv, &o);
    if (code) return code == NB_OPTS_HELP ? 0 : code;
    const char *base_path = o.base, *output = o.output;
    if (argc - optind != 1) return nb_cli_usage("attribute", "give one policy scenario");
    nb_scenario *pol = nb_cli_scenario(argv[optind], NULL, 0, &code);
    if (!pol) return code;
    nb_scenario *base = nb_cli_scenario(base_path, NULL, 0, &code);
    if (!base) { nb_scenario_free(pol); return code; }
    nb_err e;
    const char *in[] = {base_path};
    if (output && (nb_outpath_dir_check(output, &e) != NB_OK ||
                   nb_outpath_check(output, in, 1, pol, &e) != NB_OK ||
                   nb_outpath_check(output, NULL, 0, base, &e) != NB_OK)) {
        code = nb_cli_fail(NB_EINVAL, e.msg);
    } else {
        if (o.replicates > 0) nb_paramset_set_const(&pol->ps, NB_P_run_replicates, (double)o.replicates);
        nb_attribution *a = malloc(sizeof *a);
        int st = a ? nb_attribute(base, pol, (int)o.year, (int)o.threads, a, &e)
                   : nb_err_code(&e, NB_ENOMEM, "out of memory");
        if (st == NB_OK) {
            nb_attribute_print(a, pol->name, stdout);
            if (output) st = nb_attribute_write(output, a, pol->name, base->name, &e);
            if (st == NB_OK && output) fprintf(stderr, "neobay: wrote %s\n", output);
        }
        code = st == NB_OK ? 0 : nb_cli_fail(st, e.msg);
        free(a);
    }
    nb_scenario_free(base);
    nb_scenario_free(pol);
    return code;
}
