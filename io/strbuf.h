/* strbuf.h -- a growing string for building YAML and messages. */
#ifndef NB_STRBUF_H
#define NB_STRBUF_H
#include <stdbool.h>
#include <stddef.h>

typedef struct nb_buf {          /* zero-initialise; free(b.s) when done */
    char *s;
    size_t len, cap;
    bool oom;                    /* an append failed: the text is incomplete */
} nb_buf;

/* A malloc'd copy of s (of "" when s is NULL), or NULL when memory runs out. */
char *nb_strdup(const char *s);

/* The shortest decimal text of v that reads back as v (strtod), into buf (n bytes):
 * whole numbers below 1e15 without exponent ("3000"), others with 15 to 17
 * significant digits.  How scenarios and sweeps write their values. */
void nb_num_exact(double v, char *buf, size_t n);

/* Append printf-style text to b; after a failed allocation nothing more is appended
 * and b->oom stays set. */
void nb_buf_printf(nb_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Append text as a YAML double-quoted string (", \, newline, tab and control
 * characters escaped). */
void nb_buf_quoted(nb_buf *b, const char *text);

#endif
