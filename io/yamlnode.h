/* yamlnode.h -- the YAML front end of the scenario, sweep and calibration loaders, so
 * their messages agree: one document parsed from memory (with the input checks of
 * infile.h), where a node stands in its file, and whether it is empty. */
#ifndef NB_YAMLNODE_H
#define NB_YAMLNODE_H
#include <stdbool.h>
#include <libfyaml.h>

typedef struct nb_loc { int line, col; } nb_loc;   /* 1-based; 0: unknown */

/* Where node n starts: a scalar's own token (at its opening quote if quoted); a
 * collection's first entry; {0, 0} when unknown or n is NULL. */
nb_loc nb_yaml_node_loc(struct fy_node *n);

/* a when known, else b. */
static inline nb_loc nb_yaml_loc_or(nb_loc a, nb_loc b) { return a.line > 0 ? a : b; }

/* True for a missing value: NULL, or an unquoted empty, ~ or null. */
bool nb_yaml_node_is_null(struct fy_node *n);

/* One YAML document being read (zero it, or let nb_yaml_open do it). */
typedef struct nb_yaml {
    struct fy_diag *diag;
    struct fy_parser *parser;
    struct fy_document *doc;     /* NULL when the text holds no document */
    char log[1024];              /* libfyaml's diagnostics, captured */
    size_t log_len;
    bool syntax;                 /* the error is libfyaml's (not the one-document rule) */
} nb_yaml;

/* Parse text[0..len) as one YAML document (checked first by nb_yamltext_check;
 * aliases resolved within nb_yaml_resolve_bounded's bounds).  NB_OK: y->doc is the
 * document (NULL when the text is empty or only comments).  NB_EINVAL: *at and why
 * say what was rejected -- y->syntax set when libfyaml did (the caller adds "YAML
 * syntax error: "; a duplicate key is named), else the input checks or the
 * one-document rule ("a second YAML document starts here; a WHAT is one document").
 * NB_ENOMEM.  Call nb_yaml_close in every case. */
int nb_yaml_open(nb_yaml *y, const char *text, size_t len, const char *what, nb_loc *at, char *why,
                 size_t n);

/* Release what nb_yaml_open made (safe after any result); y is zeroed. */
void nb_yaml_close(nb_yaml *y);

#endif
