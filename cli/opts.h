/* opts.h -- command-line options as tables (issue 12): one table per subcommand is
 * the single source of each option's long name, short letter, kind of value, the
 * field it sets, its default and its help line.  From the table come the getopt
 * structures, the validation with one message per kind of mistake, and the options
 * part of `--help`.  The tables themselves are in cmdopts.c.
 *
 * A table entry is written with the NB_O_* macros below; `field` is the offset of a
 * member in the subcommand's argument struct (cmdopts.h), so the tables are constant
 * data that a test can read.
 *
 * The messages, each printed as "neobay: error: MSG" and "Try 'neobay CMD --help'."
 * with exit code 2 (nb_opts_parse):
 *   --replicates: 'x' is not a whole number from 1 to 1000000
 *   --panel: 'weekly' is not yearly or monthly
 *   --set: given more than 256 times
 *   option '--output' needs a value          unknown option '--bogus'
 */
#ifndef NB_OPTS_H
#define NB_OPTS_H

#include <stddef.h>
#include <stdio.h>

/* Exit codes: 0 done; 2 bad input or command line (fix it and run again); 1 any
 * other failure (out of memory, a file that could not be written). */
#define NB_EXIT_BAD 2
#define NB_EXIT_FAILED 1

/* Print "neobay: error: WHAT" and "Try 'neobay CMD --help'." to stderr; exit code 2.
 * For a command line that is wrong as a whole (a missing operand, options that
 * need each other); nb_opts_parse uses it for each bad option. */
int nb_cli_usage(const char *cmd, const char *what);

typedef enum nb_opt_kind {
    NB_OPT_FLAG,     /* no value: the int field becomes 1 */
    NB_OPT_LONG,     /* a whole number in [lo, hi]: the long field */
    NB_OPT_TEXT,     /* any word: the const char * field points into argv */
    NB_OPT_CHOICE    /* one of the words of `arg` ("yearly|monthly"): the int field
                      * becomes its position counted from 1 (0: not given) */
} nb_opt_kind;

typedef struct nb_opt {
    const char *name;      /* long name, without "--" */
    char letter;           /* short letter; 0 for none ('h' is --help's) */
    nb_opt_kind kind;
    const char *arg;       /* the value's name in --help ("N", "FILE"); a CHOICE's words
                            * separated by '|'; NULL for a FLAG */
    size_t field;          /* offsetof the member it sets */
    long lo, hi;           /* LONG: the range, both ends included */
    long def;              /* LONG: the value before parsing (may lie outside [lo, hi]
                            * to mean "not given") */
    const char *def_text;  /* TEXT: the value before parsing (NULL: none) */
    int max;               /* > 0: repeatable up to max times; the field is an array of
                            * max longs or const char *s, the int at `count` how many */
    size_t count;          /* offsetof that int (max > 0) */
    const char *help;      /* --help text, lines separated by '\n'; "{default}" stands
                            * for the default (def or def_text) */
} nb_opt;

/* A subcommand's table and the rest of its --help. */
typedef struct nb_optset {
    const char *cmd;       /* the command the error points to: "Try 'neobay CMD --help'."
                            * ("run", "calibrate sbc") */
    const char *usage;     /* --help before the options ("Usage: neobay ...\n...\n\n") */
    const char *epilog;    /* --help after the options ("" or "\n...") */
    const nb_opt *opt;
    int n;
} nb_optset;

/* Table entries (T: the argument struct, m: its member). */
#define NB_O_FLAG(T, m, name, letter, help) \
    {name, letter, NB_OPT_FLAG, NULL, offsetof(T, m), 0, 0, 0, NULL, 0, 0, help}
#define NB_O_LONG(T, m, name, letter, arg, lo, hi, def, help) \
    {name, letter, NB_OPT_LONG, arg, offsetof(T, m), lo, hi, def, NULL, 0, 0, help}
#define NB_O_TEXT(T, m, name, letter, arg, def, help) \
    {name, letter, NB_OPT_TEXT, arg, offsetof(T, m), 0, 0, 0, def, 0, 0, help}
#define NB_O_CHOICE(T, m, name, letter, words, help) \
    {name, letter, NB_OPT_CHOICE, words, offsetof(T, m), 0, 0, 0, NULL, 0, 0, help}
/* Repeatable: m an array of max const char *s (TEXTS) or longs (LONGS), n its count. */
#define NB_O_TEXTS(T, m, n, max, name, letter, arg, help) \
    {name, letter, NB_OPT_TEXT, arg, offsetof(T, m), 0, 0, 0, NULL, max, offsetof(T, n), help}
#define NB_O_LONGS(T, m, n, max, name, letter, arg, lo, hi, help) \
    {name, letter, NB_OPT_LONG, arg, offsetof(T, m), lo, hi, 0, NULL, max, offsetof(T, n), help}
#define NB_OPTSET(cmd, usage, epilog, table) {cmd, usage, epilog, table, (int)(sizeof table / sizeof table[0])}

/* The most entries a table may have. */
#define NB_OPTS_MAX 32

/* What nb_opts_scan returns when -h or --help was given (not an exit code). */
#define NB_OPTS_HELP (-1)

/* Whether `set` is a well-formed table: every entry has a name and a help line, an
 * arg exactly when it takes a value, a range with lo <= hi, a count when
 * repeatable; no two entries share a name or letter, none is help's; at most
 * NB_OPTS_MAX entries.  0, or -1 with the first problem in why[n]. */
int nb_optset_check(const nb_optset *set, char *why, size_t n);

/* Set every field of `args` (the argument struct of `set`) to its default, then read
 * the options of argv[1..argc-1] into it with getopt_long (operands are moved after
 * the options: on 0, argv[optind..argc-1] are the operands).  Returns 0; NB_OPTS_HELP
 * at -h/--help (nothing printed, the rest of argv not read); or 2 (NB_EXIT_BAD) at
 * the first bad option, with its message (see the top of this file) in msg[n]. */
int nb_opts_scan(const nb_optset *set, int argc, char **argv, void *args, char *msg, size_t n);

/* nb_opts_scan, printing what it found: at -h/--help the help (nb_opts_help) on
 * stdout, for a bad option the message and the pointer to `neobay CMD --help` on
 * stderr.  0 (go on), NB_OPTS_HELP (done: exit 0), or the exit code 2.  A command
 * begins:  if ((rc = nb_opts_parse(...))) return rc == NB_OPTS_HELP ? 0 : rc; */
int nb_opts_parse(const nb_optset *set, int argc, char **argv, void *args);

/* Print the --help of `set` to out: usage, one line (or more) per option, "-h, --help
 * this text", the epilog.  The options are in table order, their help at one
 * column. */
void nb_opts_help(const nb_optset *set, FILE *out);

#endif
