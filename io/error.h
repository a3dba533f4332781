/* error.h -- one error message, built where the error is found.
 *
 * Messages have the form "FILE:LINE:COL: key 'a.b': what is wrong", so a planner
 * can go straight to the line.  The CLI prints them as "neobay: error: <msg>".
 */
#ifndef NB_ERROR_H
#define NB_ERROR_H

typedef struct nb_err {
    char msg[2048];
} nb_err;

/* Format into e->msg (printf-style; truncates safely).  Returns NB_EINVAL, so
 * callers can write `return nb_err_set(e, ...)`.  e may be NULL. */
int nb_err_set(nb_err *e, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* As nb_err_set, with status `code` returned instead of NB_EINVAL. */
int nb_err_code(nb_err *e, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* The problem getopt_long just reported as `c` (':' an option without its value,
 * '?' an unknown option; the caller's optstring starts with ':' and opterr is 0), as
 * one phrase naming the option as typed ("option '--output' needs a value"), in
 * buf[n].  Returns buf. */
const char *nb_opt_problem(int c, char **argv, char *buf, unsigned long n);

#endif
