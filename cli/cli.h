/* cli.h -- the subcommands of `neobay` that live in their own files (cli/cmd_*.c),
 * for cli/main.c's table.  Each takes the arguments from the subcommand's name on
 * (argv[0] is "sweep", "calibrate", ...) and returns the process's exit code: the
 * command line is the only layer that has exit codes.
 */
#ifndef NB_CLI_H
#define NB_CLI_H

#include "opts.h"     /* the exit codes, nb_cli_usage: the command line's own */

/* The exit code of a library status (nb_status): 0 for NB_OK, 2 for NB_EINVAL, 1 for
 * any other.  The only place a status becomes an exit code. */
int nb_cli_exit(int status);

/* An input file (scenario, sweep, posterior) that cannot be read is bad input, as
 * one that is wrong: NB_EIO becomes NB_EINVAL, any other status is returned as is. */
int nb_cli_input(int status);

/* Print "neobay: error: MSG" to stderr; nb_cli_exit(status). */
int nb_cli_fail(int status, const char *msg);

/* Load scenario `path`, apply the n_sets --set assignments, validate.  NULL after
 * printing the error, with *code the exit code (an unreadable file is bad input). */
struct nb_scenario;
struct nb_scenario *nb_cli_scenario(const char *path, const char *const *sets, int n_sets, int *code);

/* The calibration posterior the project ships (calibration/gnb-2024.h5, committed),
 * which `neobay run` draws from by default. */
#define NB_SHIPPED_POSTERIOR "calibration/gnb-2024.h5"

/* Find the shipped posterior for scenario file `scenario`: the first regular file
 * DIR/calibration/gnb-2024.h5 for DIR the scenario's folder and each folder above it
 * (lexically: "scenarios/baseline.yaml" finds "calibration/gnb-2024.h5" from the
 * repository, share/neobay/scenarios/ finds share/neobay/calibration/), then beside
 * the running binary (EXE/../calibration/, EXE/../share/neobay/calibration/).  The
 * path into buf (n bytes); 1 when found, 0 when not. */
int nb_cli_shipped_posterior(const char *scenario, char *buf, size_t n);

/* `neobay sweep ...`: exit code 0, 1 or 2 (bad input or command line). */
int nb_cmd_sweep(int argc, char **argv);

/* `neobay calibrate ...`: exit code 0, 1 or 2. */
int nb_cmd_calibrate(int argc, char **argv);

/* `neobay sensitivity ...`: 0, 2 for bad input or command line, 1 for a failed
 * write or lack of memory. */
int nb_cmd_sensitivity(int argc, char **argv);

/* `neobay attribute ...`: 0, 2 for bad input or command line, 1 for a failed write. */
int nb_cmd_attribute(int argc, char **argv);

/* `neobay uncertainty ...`: 0, 2 for bad input or command line, 1 otherwise. */
int nb_cmd_uncertainty(int argc, char **argv);

#endif
