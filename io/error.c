/* error.c -- see error.h. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "error.h"
#include "../model/neobay.h"

static void err_vset(nb_err *e, const char *fmt, va_list ap)
{
    if (e) vsnprintf(e->msg, sizeof e->msg, fmt, ap);
}

int nb_err_set(nb_err *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_vset(e, fmt, ap);
    va_end(ap);
    return NB_EINVAL;
}

int nb_err_code(nb_err *e, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_vset(e, fmt, ap);
    va_end(ap);
    return code;
}

const char *nb_opt_problem(int c, char **argv, char *buf, unsigned long n)
{
    /* getopt has moved optind past the offending word (and, for a missing value at
     * the end of the line, no further). */
    const char *word = optind > 0 ? argv[optind - 1] : "";
    char name[64];
    if (strncmp(word, "--", 2) == 0)
        snprintf(name, sizeof name, "%.*s", (int)strcspn(word, "="), word);
    else if (optopt > 0 && optopt < 128)
        snprintf(name, sizeof name, "-%c", optopt);
    else
        snprintf(name, sizeof name, "%s", word);
    if (c == ':')
        snprintf(buf, n, "option '%s' needs a value", name);
    else
        snprintf(buf, n, "unknown option '%s'", name);
    return buf;
}
