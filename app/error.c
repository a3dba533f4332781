/* error.c -- see error.h. */
#include <stdarg.h>
#include <stdio.h>
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
