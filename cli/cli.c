/* cli.c -- what every subcommand shares: the one mapping of a library status to the
 * process's exit code, and the error lines and option parsing around it (cli.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "../model/neobay.h"
#include "error.h"
#include "scenario.h"
#include "cli.h"

int nb_cli_exit(int status)
{
    return status == NB_OK ? 0 : status == NB_EINVAL ? NB_EXIT_BAD : NB_EXIT_FAILED;
}

int nb_cli_input(int status)
{
    return status == NB_EIO ? NB_EINVAL : status;
}

int nb_cli_fail(int status, const char *msg)
{
    fprintf(stderr, "neobay: error: %s\n", msg);
    return nb_cli_exit(status);
}

int nb_cli_usage(const char *cmd, const char *what)
{
    fprintf(stderr, "neobay: error: %s\nTry 'neobay %s --help'.\n", what, cmd);
    return NB_EXIT_BAD;
}

int nb_cli_parse_long(const char *s, long lo, long hi, long *v)
{
    char *end;
    errno = 0;
    long x = strtol(s, &end, 10);
    if (errno || end == s || *end || x < lo || x > hi) return -1;
    *v = x;
    return 0;
}

nb_scenario *nb_cli_scenario(const char *path, const char *const *sets, int n_sets, int *code)
{
    nb_scenario *sc = NULL;
    nb_err e;
    int st = nb_scenario_load(path, &sc, &e);
    for (int i = 0; st == NB_OK && i < n_sets; i++) st = nb_scenario_set(sc, sets[i], &e);
    if (st == NB_OK) st = nb_scenario_validate(sc, &e);
    if (st != NB_OK) {
        *code = nb_cli_fail(nb_cli_input(st), e.msg);
        nb_scenario_free(sc);
        return NULL;
    }
    return sc;
}
