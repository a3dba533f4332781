/* calibrate_yaml.h -- reading the calibration's YAML files (internal to calibrate*.c).
 *
 * A thin layer over libfyaml with the project's error style: every failure becomes
 * "FILE:LINE:COL: key 'a.b': what is wrong" in an nb_err, and NB_EINVAL.
 */
#ifndef NB_CALIBRATE_YAML_H
#define NB_CALIBRATE_YAML_H
#include <stddef.h>
#include <libfyaml.h>
#include "../model/registry.h"
#include "error.h"
#include "yamlnode.h"

typedef struct nb_cy {
    const char *path;            /* for messages (not owned) */
    char *text;                  /* the file's bytes, NUL-terminated */
    size_t len;
    nb_yaml yaml;                /* the parsed document (yamlnode.h) */
    nb_err *e;
} nb_cy;

/* Read and parse `path` (a `what`: "targets file"); the root must be a mapping.
 * NB_OK; NB_EIO (cannot read), NB_EINVAL (syntax, not a mapping), NB_ENOMEM.  Call
 * nb_cy_close whatever it returns. */
int nb_cy_open(nb_cy *y, const char *path, const char *what, nb_err *e);
void nb_cy_close(nb_cy *y);
struct fy_node *nb_cy_root(const nb_cy *y);

/* 1-based line and column where node n starts (0 when unknown). */
void nb_cy_loc(struct fy_node *n, int *line, int *col);

/* Set y->e to "FILE:LINE:COL: key 'KEY': WHAT" at node n (key may be NULL); NB_EINVAL. */
int nb_cy_fail(const nb_cy *y, struct fy_node *n, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* True for a missing value: no node, ~, null, or nothing. */
int nb_cy_is_null(struct fy_node *n);

/* The text of scalar node n ("" when none). */
const char *nb_cy_text(struct fy_node *n);

/* "a list", "a mapping" or "a single value". */
const char *nb_cy_kind(struct fy_node *n);

/* Check that mapping `map` (at key path `path`, "" for the root) has only keys in
 * keys[n]; an unknown key is an error naming the closest known key.  NB_OK/NB_EINVAL. */
int nb_cy_keys(const nb_cy *y, struct fy_node *map, const char *path,
               const char *const *keys, int n);

/* The value of key `key` in mapping map, or NULL; *knode (may be NULL) gets the key. */
struct fy_node *nb_cy_get(struct fy_node *map, const char *key, struct fy_node **knode);

/* Scalars.  Each reads the value node v of key path `path` (for messages); the value
 * must be a single value.  Numbers accept a trailing % (1.6% = 0.016), 万 and 亿.
 * Text must be non-empty.  Whole numbers must lie in [lo, hi]. */
int nb_cy_number(const nb_cy *y, struct fy_node *v, const char *path, double *out);
int nb_cy_whole(const nb_cy *y, struct fy_node *v, const char *path, long lo, long hi,
                long *out);
int nb_cy_string(const nb_cy *y, struct fy_node *v, const char *path, char **out);
int nb_cy_bool(const nb_cy *y, struct fy_node *v, const char *path, int *out);
int nb_cy_month(const nb_cy *y, struct fy_node *v, const char *path, int *out);
/* A value of registry type t (money with 万/亿, months, ...). */
int nb_cy_typed(const nb_cy *y, struct fy_node *v, const char *path, nb_ptype t,
                double *out);

/* malloc'd copy of s (NULL when s is NULL or memory runs out). */
char *nb_cy_dup(const char *s);

/* Read the whole file at `path` into *text (malloc'd, NUL-terminated) and *len.
 * 0 or an errno value. */
int nb_cy_read_file(const char *path, char **text, size_t *len);

#endif
