/* yamlnode.c -- see yamlnode.h. */
#include <string.h>
#include "yamlnode.h"

nb_loc nb_yaml_node_loc(struct fy_node *n)
{
    nb_loc at = {0, 0};
    if (!n) return at;
    if (fy_node_is_scalar(n)) {
        struct fy_token *t = fy_node_get_scalar_token(n);
        const struct fy_mark *m = t ? fy_token_start_mark(t) : NULL;
        if (m) at = (nb_loc){m->line + 1, m->column + 1};
        enum fy_node_style st = fy_node_get_style(n);            /* marks skip the quote */
        if (m && m->column > 0 && (st == FYNS_SINGLE_QUOTED || st == FYNS_DOUBLE_QUOTED)) at.col--;
    } else if (fy_node_is_mapping(n) && fy_node_mapping_item_count(n) > 0) {
        at = nb_yaml_node_loc(fy_node_pair_key(fy_node_mapping_get_by_index(n, 0)));
    } else if (fy_node_is_sequence(n) && fy_node_sequence_item_count(n) > 0) {
        at = nb_yaml_node_loc(fy_node_sequence_get_by_index(n, 0));
    }
    return at;
}

bool nb_yaml_node_is_null(struct fy_node *n)
{
    if (!n || fy_node_is_null(n)) return true;
    if (!fy_node_is_scalar(n) || fy_node_get_style(n) != FYNS_PLAIN) return false;
    const char *t = fy_node_get_scalar0(n);
    return !t || !*t || strcmp(t, "~") == 0 || strcmp(t, "null") == 0 ||
           strcmp(t, "Null") == 0 || strcmp(t, "NULL") == 0;
}
