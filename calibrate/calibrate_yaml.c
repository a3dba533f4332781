/* calibrate_yaml.c -- YAML reading for the calibration files (see calibrate_yaml.h).
 *
 * The same conventions as the scenario loader (io/scenario.c): libfyaml's own
 * diagnostics are captured, never printed; the first one becomes a
 * "FILE:LINE:COL: YAML syntax error: ..." message; values are parsed with
 * nb_value_parse so money, months and booleans read as in scenario files.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "../model/neobay.h"
#include "../model/textdist.h"
#include "calibrate_yaml.h"
#include "infile.h"
#include "scenario.h"

#define NB_CY_FILE_MAX (4L << 20)

char *nb_cy_dup(const char *s)
{
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

int nb_cy_read_file(const char *path, char **text, size_t *len)
{
    return nb_infile_read(path, (size_t)NB_CY_FILE_MAX, text, len, NULL, NULL);
}

int nb_cy_open(nb_cy *y, const char *path, const char *what, nb_err *e)
{
    memset(y, 0, sizeof *y);
    y->path = path;
    y->e = e;
    int err = nb_cy_read_file(path, &y->text, &y->len);
    if (err == ENOMEM) return nb_err_code(e, NB_ENOMEM, "out of memory");
    if (err) return nb_err_code(e, NB_EIO, "%s: cannot read the %s: %s", path, what, nb_infile_strerror(err));
    nb_loc at = {1, 1};
    char why[512];
    int rc = nb_yaml_open(&y->yaml, y->text, y->len, what, &at, why, sizeof why);
    if (rc == NB_ENOMEM) return nb_err_code(e, NB_ENOMEM, "out of memory");
    if (rc) return nb_err_set(e, "%s:%d:%d: %s%s", path, at.line, at.col,
                              y->yaml.syntax ? "YAML syntax error: " : "", why);
    struct fy_node *root = nb_cy_root(y);
    if (nb_cy_is_null(root)) return nb_err_set(e, "%s:1:1: the %s is empty", path, what);
    if (!fy_node_is_mapping(root))
        return nb_cy_fail(y, root, NULL, "a %s is a mapping of keys to values, not %s", what,
                          nb_cy_kind(root));
    return NB_OK;
}

void nb_cy_close(nb_cy *y)
{
    nb_yaml_close(&y->yaml);
    free(y->text);
    memset(y, 0, sizeof *y);
}

struct fy_node *nb_cy_root(const nb_cy *y)
{
    return y->yaml.doc ? fy_document_root(y->yaml.doc) : NULL;
}

void nb_cy_loc(struct fy_node *n, int *line, int *col)
{
    *line = *col = 0;
    if (!n) return;
    if (fy_node_is_scalar(n)) {
        struct fy_token *t = fy_node_get_scalar_token(n);
        const struct fy_mark *m = t ? fy_token_start_mark(t) : NULL;
        if (!m) return;
        *line = m->line + 1;
        *col = m->column + 1;
        enum fy_node_style st = fy_node_get_style(n);      /* marks skip the quote */
        if (m->column > 0 && (st == FYNS_SINGLE_QUOTED || st == FYNS_DOUBLE_QUOTED)) (*col)--;
    } else if (fy_node_is_mapping(n) && fy_node_mapping_item_count(n) > 0) {
        nb_cy_loc(fy_node_pair_key(fy_node_mapping_get_by_index(n, 0)), line, col);
    } else if (fy_node_is_sequence(n) && fy_node_sequence_item_count(n) > 0) {
        nb_cy_loc(fy_node_sequence_get_by_index(n, 0), line, col);
    }
    if (*line > 0) return;
    /* An empty collection: where its key (or its parent) is. */
    struct fy_node *parent = fy_node_get_parent(n);
    if (parent && fy_node_is_mapping(parent)) {
        void *it = NULL;
        struct fy_node_pair *pair;
        while ((pair = fy_node_mapping_iterate(parent, &it)))
            if (fy_node_pair_value(pair) == n) {
                nb_cy_loc(fy_node_pair_key(pair), line, col);
                return;
            }
    }
    if (parent) nb_cy_loc(parent, line, col);
}

int nb_cy_fail(const nb_cy *y, struct fy_node *n, const char *key, const char *fmt, ...)
{
    int line, col;
    nb_cy_loc(n, &line, &col);
    char what[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (line <= 0) line = col = 1;
    if (key) return nb_err_set(y->e, "%s:%d:%d: key '%s': %s", y->path, line, col, key, what);
    return nb_err_set(y->e, "%s:%d:%d: %s", y->path, line, col, what);
}

int nb_cy_is_null(struct fy_node *n)
{
    if (!n || fy_node_is_null(n)) return 1;
    if (!fy_node_is_scalar(n) || fy_node_get_style(n) != FYNS_PLAIN) return 0;
    const char *t = fy_node_get_scalar0(n);
    return !t || !*t || !strcmp(t, "~") || !strcasecmp(t, "null");
}

const char *nb_cy_text(struct fy_node *n)
{
    const char *t = n ? fy_node_get_scalar0(n) : NULL;
    return t ? t : "";
}

const char *nb_cy_kind(struct fy_node *n)
{
    if (n && fy_node_is_sequence(n)) return "a list";
    if (n && fy_node_is_mapping(n)) return "a mapping";
    return "a single value";
}

int nb_cy_keys(const nb_cy *y, struct fy_node *map, const char *path,
               const char *const *keys, int n)
{
    void *it = NULL;
    struct fy_node_pair *pair;
    while ((pair = fy_node_mapping_iterate(map, &it))) {
        struct fy_node *k = fy_node_pair_key(pair);
        char full[512];
        if (!k || !fy_node_is_scalar(k) || nb_cy_is_null(k))
            return nb_cy_fail(y, k ? k : map, path[0] ? path : NULL, "a key must be a single word");
        const char *name = nb_cy_text(k);
        int i = 0;
        while (i < n && strcmp(name, keys[i])) i++;
        if (i < n) continue;
        snprintf(full, sizeof full, "%s%s%s", path, path[0] ? "." : "", name);
        int s = nb_suggest_word(name, keys, n);
        char known[512] = "";
        size_t len = 0;
        for (int j = 0; j < n && len < sizeof known; j++)
            len += (size_t)snprintf(known + len, sizeof known - len, "%s%s", j ? ", " : "", keys[j]);
        if (s >= 0) return nb_cy_fail(y, k, full, "unknown key; did you mean '%s'?", keys[s]);
        return nb_cy_fail(y, k, full, "unknown key (known here: %s)", known);
    }
    return NB_OK;
}

struct fy_node *nb_cy_get(struct fy_node *map, const char *key, struct fy_node **knode)
{
    if (knode) *knode = NULL;
    if (!map || !fy_node_is_mapping(map)) return NULL;
    void *it = NULL;
    struct fy_node_pair *pair;
    while ((pair = fy_node_mapping_iterate(map, &it))) {
        struct fy_node *k = fy_node_pair_key(pair);
        if (k && fy_node_is_scalar(k) && !strcmp(nb_cy_text(k), key)) {
            if (knode) *knode = k;
            return fy_node_pair_value(pair);
        }
    }
    return NULL;
}

/* The value must be one non-null scalar. */
static int need_scalar(const nb_cy *y, struct fy_node *v, const char *path, const char *want)
{
    if (nb_cy_is_null(v))
        return nb_cy_fail(y, v, path, "expected %s, found nothing", want);
    if (!fy_node_is_scalar(v))
        return nb_cy_fail(y, v, path, "expected %s, found %s", want, nb_cy_kind(v));
    return NB_OK;
}

int nb_cy_number(const nb_cy *y, struct fy_node *v, const char *path, double *out)
{
    if (need_scalar(y, v, path, "a number")) return NB_EINVAL;
    const char *t = nb_cy_text(v), *why = NULL;
    char buf[128];
    snprintf(buf, sizeof buf, "%s", t);
    size_t n = strlen(buf);
    while (n > 0 && buf[n - 1] == ' ') buf[--n] = '\0';
    int pct = n > 0 && buf[n - 1] == '%';
    if (pct) buf[--n] = '\0';
    double x;
    if (nb_value_parse(NB_T_MONEY, buf, &x, &why) != NB_OK)
        return nb_cy_fail(y, v, path, "'%s' %s", t, why);
    *out = pct ? x / 100.0 : x;
    return NB_OK;
}

int nb_cy_whole(const nb_cy *y, struct fy_node *v, const char *path, long lo, long hi,
                long *out)
{
    double x;
    if (nb_cy_number(y, v, path, &x)) return NB_EINVAL;
    if (x != floor(x) || x < (double)lo || x > (double)hi)
        return nb_cy_fail(y, v, path, "'%s' is not a whole number from %ld to %ld",
                          nb_cy_text(v), lo, hi);
    *out = (long)x;
    return NB_OK;
}

int nb_cy_string(const nb_cy *y, struct fy_node *v, const char *path, char **out)
{
    if (need_scalar(y, v, path, "a text")) return NB_EINVAL;
    if (!*nb_cy_text(v)) return nb_cy_fail(y, v, path, "expected a text, found an empty one");
    free(*out);
    *out = nb_cy_dup(nb_cy_text(v));
    return *out ? NB_OK : nb_err_code(y->e, NB_ENOMEM, "out of memory");
}

int nb_cy_typed(const nb_cy *y, struct fy_node *v, const char *path, nb_ptype t,
                double *out)
{
    if (need_scalar(y, v, path, "a value")) return NB_EINVAL;
    const char *why = NULL;
    if (nb_value_parse(t, nb_cy_text(v), out, &why) != NB_OK)
        return nb_cy_fail(y, v, path, "'%s' %s", nb_cy_text(v), why);
    return NB_OK;
}

int nb_cy_bool(const nb_cy *y, struct fy_node *v, const char *path, int *out)
{
    double x;
    if (nb_cy_typed(y, v, path, NB_T_BOOL, &x)) return NB_EINVAL;
    *out = x != 0;
    return NB_OK;
}

int nb_cy_month(const nb_cy *y, struct fy_node *v, const char *path, int *out)
{
    double x;
    if (nb_cy_typed(y, v, path, NB_T_MONTH, &x)) return NB_EINVAL;
    *out = (int)x;
    return NB_OK;
}
