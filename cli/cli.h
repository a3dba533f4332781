/* cli.h -- the subcommands of `neobay` that live in their own files (cli/cmd_*.c),
 * for cli/main.c's table.  Each takes the arguments from the subcommand's name on
 * (argv[0] is "sweep", "calibrate", ...) and returns the process's exit code: the
 * command line is the only layer that has exit codes.
 */
#ifndef NB_CLI_H
#define NB_CLI_H

/* `neobay sweep ...`: exit code 0, 1 or 2 (bad input or command line). */
int nb_cmd_sweep(int argc, char **argv);

/* `neobay calibrate ...`: exit code 0, 1 or 2. */
int nb_cmd_calibrate(int argc, char **argv);

/* `neobay sensitivity ...`: 0, 2 for bad input or command line, 1 for a failed
 * write or lack of memory. */
int nb_cmd_sensitivity(int argc, char **argv);

#endif
