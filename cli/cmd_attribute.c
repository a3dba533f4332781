/* cmd_attribute.c -- `neobay attribute`: the command line of nb_attribute
 * (analysis/attribute.c).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include "../model/neobay.h"
#include "attribute.h"
#include "error.h"
#include "outpath.h"
#include "scenario.h"
#include "cli.h"

static const char attribute_help[] =
    "Usage: neobay attribute POLICY.yaml [--base BASE.yaml] [--year Y] [options]\n"
    "Attribute a policy to its measures (政策分项归因): runs the base, the full policy,\n"
    "each measure alone (base + its levers) and the policy with each measure removed,\n"
    "all paired by replicate (common random numbers), and prints for each the mean\n"
    "effect on firms, unicorns and listings in December of the year with its 90%\n"
    "interval, the extra public money, and the money per additional firm and listing.\n"
    "A measure is every lever (parameter of measures 1..20) the policy sets differently\n"
    "from the base; adaptive rules belong to measure 20.  2 + 2 x measures ensembles.\n\n"
    "  -b, --base FILE        the counterfactual (default scenarios/baseline.yaml)\n"
    "  -y, --year Y           December of year Y (default 2030)\n"
    "  -r, --replicates N     replicates per arm (default: the policy's run.replicates)\n"
    "  -t, --threads N        OpenMP threads (default: all)\n"
    "  -o, --output FILE      also write the table as HDF5 (dimensions arm, measure,\n"
    "                         outcome)\n"
    "  -h, --help             this text\n\n"
    "Exit codes: 0 done, 2 bad input or command line, 1 the output could not be written.\n";

/* See cli.h. */
int nb_cmd_attribute(int argc, char **argv)
{
    static const struct option opts[] = {
        {"base", required_argument, 0, 'b'}, {"year", required_argument, 0, 'y'},
        {"replicates", required_argument, 0, 'r'}, {"threads", required_argument, 0, 't'},
        {"output", required_argument, 0, 'o'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *base_path = "scenarios/baseline.yaml", *output = NULL;
    long year = 2030, reps = 0, threads = 0;
    char msg[160];
    int c;
    while ((c = getopt_long(argc, argv, ":b:y:r:t:o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'b': base_path = optarg; break;
        case 'o': output = optarg; break;
        case 'y':
            if (nb_cli_parse_long(optarg, 2000, 2100, &year)) return nb_cli_usage("attribute", "--year: a year from 2000 to 2100");
            break;
        case 'r':
            if (nb_cli_parse_long(optarg, 2, 1000000, &reps)) return nb_cli_usage("attribute", "--replicates: a whole number from 2");
            break;
        case 't':
            if (nb_cli_parse_long(optarg, 1, 4096, &threads)) return nb_cli_usage("attribute", "--threads: a whole number from 1");
            break;
        case 'h': fputs(attribute_help, stdout); return 0;
        default: return nb_cli_usage("attribute", nb_opt_problem(c, argv, msg, sizeof msg));
        }
    }
    if (argc - optind != 1) return nb_cli_usage("attribute", "give one policy scenario");
    int code = 0;
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
        if (reps > 0) nb_paramset_set_const(&pol->ps, NB_P_run_replicates, (double)reps);
        nb_attribution *a = malloc(sizeof *a);
        int st = a ? nb_attribute(base, pol, (int)year, (int)threads, a, &e)
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
