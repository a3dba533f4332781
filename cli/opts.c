/* opts.c -- command-line options from tables: getopt structures, validation and
 * --help generated from one nb_optset (opts.h).
 */
#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "error.h"
#include "opts.h"

/* getopt_long's value for entry i of a table (above every short letter). */
#define LONG_VAL(i) (256 + (i))

/* See opts.h. */
int nb_cli_usage(const char *cmd, const char *what)
{
    fprintf(stderr, "neobay: error: %s\nTry 'neobay %s --help'.\n", what, cmd);
    return NB_EXIT_BAD;
}

/* A whole number in [lo, hi] from all of s into *v: 0, or -1 (*v unchanged). */
static int parse_long(const char *s, long lo, long hi, long *v)
{
    char *end;
    errno = 0;
    long x = strtol(s, &end, 10);
    if (errno || end == s || *end || x < lo || x > hi) return -1;
    *v = x;
    return 0;
}

/* A problem with a table: -1 after writing it into why[n] (why may be NULL). */
static int table_problem(char *why, size_t n, const char *fmt, const char *name)
{
    if (why && n) snprintf(why, n, fmt, name ? name : "(no name)");
    return -1;
}

/* See opts.h. */
int nb_optset_check(const nb_optset *set, char *why, size_t n)
{
    if (set->n < 0 || set->n > NB_OPTS_MAX) return table_problem(why, n, "%s: too many options", set->cmd);
    for (int i = 0; i < set->n; i++) {
        const nb_opt *o = &set->opt[i];
        if (!o->name || !o->name[0]) return table_problem(why, n, "an option of %s has no name", set->cmd);
        if (!strcmp(o->name, "help") || o->letter == 'h' || o->letter == ':' || o->letter == '?')
            return table_problem(why, n, "--%s: -h, --help, ':' and '?' are getopt's", o->name);
        if (!o->help || !o->help[0]) return table_problem(why, n, "--%s has no help line", o->name);
        if ((o->kind == NB_OPT_FLAG) != (o->arg == NULL))
            return table_problem(why, n, "--%s: a value's name exactly when it takes a value", o->name);
        if (o->kind == NB_OPT_LONG && o->lo > o->hi) return table_problem(why, n, "--%s: lo > hi", o->name);
        if (o->max < 0 || (o->max > 0 && o->kind != NB_OPT_LONG && o->kind != NB_OPT_TEXT))
            return table_problem(why, n, "--%s: only numbers and text repeat", o->name);
        if (strstr(o->help, "{default}") && !(o->kind == NB_OPT_LONG && !o->max) &&
            !(o->kind == NB_OPT_TEXT && o->def_text))
            return table_problem(why, n, "--%s: {default} in the help of an option without one", o->name);
        for (int j = 0; j < i; j++) {
            if (!strcmp(set->opt[j].name, o->name)) return table_problem(why, n, "--%s twice", o->name);
            if (o->letter && set->opt[j].letter == o->letter)
                return table_problem(why, n, "--%s: its letter is another option's", o->name);
        }
    }
    return 0;
}

/* The entry of short letter c, or -1. */
static int letter_index(const nb_optset *set, int c)
{
    for (int i = 0; i < set->n; i++)
        if (set->opt[i].letter && set->opt[i].letter == c) return i;
    return -1;
}

/* CHOICE: the position (from 1) of word s among words "a|b|c", or 0. */
static int choice_index(const char *words, const char *s)
{
    size_t len = strlen(s);
    int k = 1;
    for (const char *w = words;; k++) {
        size_t wl = strcspn(w, "|");
        if (wl == len && len && !strncmp(w, s, len)) return k;
        if (!w[wl]) return 0;
        w += wl + 1;
    }
}

/* "a, b or c" from "a|b|c" into buf[n]. */
static const char *choice_words(const char *words, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    for (const char *w = words; len < n;) {
        size_t wl = strcspn(w, "|");
        const char *sep = w == words ? "" : w[wl] ? ", " : " or ";
        len += (size_t)snprintf(buf + len, n - len, "%s%.*s", sep, (int)wl, w);
        if (!w[wl]) break;
        w += wl + 1;
    }
    return buf;
}

/* Store the value `arg` of entry o into args.  0, or -1 with the message in msg[n]. */
static int store(const nb_opt *o, char *args, const char *arg, char *msg, size_t n)
{
    void *f = args + o->field;
    int *count = o->max ? (int *)(void *)(args + o->count) : NULL;
    if (count && *count >= o->max) {
        snprintf(msg, n, "--%s: given more than %d times", o->name, o->max);
        return -1;
    }
    switch (o->kind) {
    case NB_OPT_FLAG:
        *(int *)f = 1;
        return 0;
    case NB_OPT_LONG: {
        long v;
        if (parse_long(arg, o->lo, o->hi, &v)) {
            snprintf(msg, n, "--%s: '%s' is not a whole number from %ld to %ld", o->name, arg, o->lo, o->hi);
            return -1;
        }
        if (count) ((long *)f)[(*count)++] = v;
        else *(long *)f = v;
        return 0;
    }
    case NB_OPT_TEXT:
        if (count) ((const char **)f)[(*count)++] = arg;
        else *(const char **)f = arg;
        return 0;
    case NB_OPT_CHOICE: {
        int k = choice_index(o->arg, arg);
        if (!k) {
            char w[256];
            snprintf(msg, n, "--%s: '%s' is not %s", o->name, arg, choice_words(o->arg, w, sizeof w));
            return -1;
        }
        *(int *)f = k;
        return 0;
    }
    }
    return 0;
}

/* Every field of args to its default. */
static void set_defaults(const nb_optset *set, char *args)
{
    for (int i = 0; i < set->n; i++) {
        const nb_opt *o = &set->opt[i];
        void *f = args + o->field;
        if (o->max) *(int *)(void *)(args + o->count) = 0;
        else if (o->kind == NB_OPT_LONG) *(long *)f = o->def;
        else if (o->kind == NB_OPT_TEXT) *(const char **)f = o->def_text;
        else *(int *)f = 0;
    }
}

/* See opts.h. */
int nb_opts_scan(const nb_optset *set, int argc, char **argv, void *args, char *msg, size_t n)
{
    struct option lo[NB_OPTS_MAX + 2];
    char shorts[3 * NB_OPTS_MAX + 4];
    size_t k = 0;
    int c;
    assert(nb_optset_check(set, NULL, 0) == 0);
    set_defaults(set, args);
    shorts[k++] = ':';                   /* a missing value is ':', not '?' */
    for (int i = 0; i < set->n; i++) {
        const nb_opt *o = &set->opt[i];
        lo[i] = (struct option){o->name, o->kind == NB_OPT_FLAG ? no_argument : required_argument,
                                NULL, LONG_VAL(i)};
        if (o->letter) {
            shorts[k++] = o->letter;
            if (o->kind != NB_OPT_FLAG) shorts[k++] = ':';
        }
    }
    lo[set->n] = (struct option){"help", no_argument, NULL, 'h'};
    lo[set->n + 1] = (struct option){NULL, 0, NULL, 0};
    shorts[k++] = 'h';
    shorts[k] = '\0';
    optind = 0;                          /* glibc: start afresh (a test scans often) */
    opterr = 0;
    while ((c = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
        if (c == 'h') return NB_OPTS_HELP;
        int i = c >= LONG_VAL(0) && c < LONG_VAL(set->n) ? c - LONG_VAL(0) : letter_index(set, c);
        if (i < 0) {                     /* '?' unknown, ':' a value missing */
            nb_opt_problem(c, argv, msg, n);
            return NB_EXIT_BAD;
        }
        if (store(&set->opt[i], args, optarg, msg, n)) return NB_EXIT_BAD;
    }
    return 0;
}

/* See opts.h. */
int nb_opts_parse(const nb_optset *set, int argc, char **argv, void *args)
{
    char msg[512];
    int rc = nb_opts_scan(set, argc, argv, args, msg, sizeof msg);
    if (rc == NB_OPTS_HELP) nb_opts_help(set, stdout);
    return rc > 0 ? nb_cli_usage(set->cmd, msg) : rc;
}

/* "  -o, --output FILE" or "      --force" into buf[n]; its length. */
static int left_part(const nb_opt *o, char *buf, size_t n)
{
    return snprintf(buf, n, "  %c%c%s--%s%s%s", o->letter ? '-' : ' ', o->letter ? o->letter : ' ',
                    o->letter ? ", " : "  ", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
}

/* The widest left part that still has its help beside it; wider ones put it below. */
#define HELP_LEFT_MAX 24

/* See opts.h. */
void nb_opts_help(const nb_optset *set, FILE *out)
{
    static const nb_opt help = {"help", 'h', NB_OPT_FLAG, NULL, 0, 0, 0, 0, NULL, 0, 0, "this text"};
    char left[128];
    int col = left_part(&help, left, sizeof left);
    for (int i = 0; i < set->n; i++) {
        int w = left_part(&set->opt[i], left, sizeof left);
        if (w <= HELP_LEFT_MAX && w > col) col = w;
    }
    col += 2;
    fputs(set->usage, out);
    for (int i = 0; i <= set->n; i++) {
        const nb_opt *o = i < set->n ? &set->opt[i] : &help;
        int w = left_part(o, left, sizeof left);
        fputs(left, out);
        if (w + 2 > col) fprintf(out, "\n%*s", col, "");
        else fprintf(out, "%*s", col - w, "");
        for (const char *p = o->help; *p; p++) {
            if (*p == '\n') fprintf(out, "\n%*s", col, "");
            else if (!strncmp(p, "{default}", 9)) {
                if (o->kind == NB_OPT_LONG) fprintf(out, "%ld", o->def);
                else fputs(o->def_text, out);
                p += 8;
            } else fputc(*p, out);
        }
        fputc('\n', out);
    }
    fputs(set->epilog, out);
}
