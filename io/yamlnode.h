/* yamlnode.h -- where a libfyaml node stands in its file, and whether it is empty:
 * shared by the scenario, sweep and calibration loaders so their messages agree. */
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

#endif
