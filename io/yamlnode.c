/* yamlnode.c -- see yamlnode.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../model/neobay.h"
#include "infile.h"
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

/* ==== one document from memory ====================================================== */

/* libfyaml's output callback: keep the diagnostics (as much as fits), print nothing. */
static void yaml_capture(struct fy_diag *diag, void *user, const char *buf, size_t len)
{
    nb_yaml *y = user;
    size_t room = sizeof y->log - 1 - y->log_len;
    if (len > room) len = room;
    memcpy(y->log + y->log_len, buf, len);
    y->log_len += len;
    y->log[y->log_len] = '\0';
}

/* Read back the number that ends just before `end` (digits only); -1 if none. */
static int number_before(const char *start, const char **end)
{
    const char *p = *end;
    while (p > start && p[-1] >= '0' && p[-1] <= '9') p--;
    if (p == *end) return -1;
    int v = atoi(p);
    *end = p;
    return v;
}

/* The first error libfyaml reported, "...:LINE:COL: error: REASON", as *at and why. */
static void yaml_first_error(const nb_yaml *y, nb_loc *at, char *why, size_t n)
{
    *at = (nb_loc){1, 1};
    const char *hit = strstr(y->log, ": error: ");
    const char *reason = hit ? hit + 9 : y->log;
    if (hit) {
        const char *p = hit;
        int col = number_before(y->log, &p);
        if (col >= 0 && p > y->log && p[-1] == ':') {
            p--;
            int line = number_before(y->log, &p);
            if (line > 0) *at = (nb_loc){line, col > 0 ? col : 1};
        }
    }
    size_t len = strcspn(reason, "\n");
    char tmp[512];
    snprintf(tmp, sizeof tmp, "%.*s", (int)len, reason);
    nb_text_show(*tmp ? tmp : "the text cannot be parsed", why, n);
}

/* The text of the key at (line, col) of text, for "duplicate key 'x'". */
static void key_at(const char *text, size_t len, nb_loc at, char *buf, size_t n)
{
    const char *p = text, *end = text + len;
    for (int l = 1; l < at.line && p < end; p++)
        if (*p == '\n') l++;
    for (int c = 1; c < at.col && p < end && *p != '\n'; c++)      /* columns count chars */
        do p++; while (p < end && ((unsigned char)*p & 0xC0) == 0x80);
    if (p > text && (p[-1] == '"' || p[-1] == '\'')) p--;   /* libfyaml points inside quotes */
    const char *q = p;
    if (q < end && (*q == '"' || *q == '\'')) {
        char quote = *q++;
        p = q;
        while (q < end && *q != quote && *q != '\n') q++;
    } else {
        while (q < end && *q != '\n' && *q != ',' && *q != '}' &&
               !(*q == ':' && (q + 1 == end || q[1] == ' ' || q[1] == '\n'))) q++;
        while (q > p && q[-1] == ' ') q--;
    }
    char tmp[256];
    snprintf(tmp, sizeof tmp, "%.*s", (int)(q - p), p);
    nb_text_show(tmp, buf, n);
}

/* Start y: a diagnostic object that captures into y->log and a parser reading
 * text[0..len).  NB_OK or NB_ENOMEM. */
static int yaml_start(nb_yaml *y, const char *text, size_t len)
{
    memset(y, 0, sizeof *y);
    struct fy_diag_cfg dc;
    fy_diag_cfg_default(&dc);
    dc.fp = NULL;                    /* never print: everything goes to yaml_capture */
    dc.output_fn = yaml_capture;
    dc.user = y;
    dc.level = FYET_ERROR;
    dc.colorize = false;
    y->diag = fy_diag_create(&dc);
    /* Aliases are resolved by nb_yaml_resolve_bounded, after their expansion is counted. */
    struct fy_parse_cfg pc = {.flags = nb_yaml_parse_flags(text, len), .diag = y->diag};
    y->parser = y->diag ? fy_parser_create(&pc) : NULL;
    if (!y->parser || fy_parser_set_string(y->parser, text, len) != 0) return NB_ENOMEM;
    return NB_OK;
}

/* True when libfyaml reported an error. */
static bool yaml_failed(const nb_yaml *y)
{
    return fy_diag_got_error(y->diag) || y->log_len > 0;
}

/* libfyaml's first error as *at and why (naming the key of a duplicate); NB_EINVAL. */
static int yaml_syntax_error(nb_yaml *y, const char *text, size_t len, nb_loc *at, char *why, size_t n)
{
    y->syntax = true;
    yaml_first_error(y, at, why, n);
    if (strcmp(why, "duplicate key") == 0) {
        char key[128];
        key_at(text, len, *at, key, sizeof key);
        snprintf(why, n, "duplicate key '%s'", key);
    }
    return NB_EINVAL;
}

/* See yamlnode.h. */
int nb_yaml_open(nb_yaml *y, const char *text, size_t len, const char *what, nb_loc *at, char *why,
                 size_t n)
{
    size_t off;
    if (nb_yamltext_check(text, len, &off, why, n)) {
        memset(y, 0, sizeof *y);
        nb_text_linecol(text, off, &at->line, &at->col);
        return NB_EINVAL;
    }
    if (yaml_start(y, text, len) != NB_OK) return NB_ENOMEM;
    y->doc = fy_parse_load_document(y->parser);
    if (!y->doc) return yaml_failed(y) ? yaml_syntax_error(y, text, len, at, why, n) : NB_OK;
    if (!yaml_failed(y)) {
        int r = nb_yaml_resolve_bounded(y->doc, &at->line, &at->col, why, n);
        y->syntax = r == 2;                             /* a duplicate key */
        if (r > 0) return NB_EINVAL;
        if (r < 0 || yaml_failed(y)) return yaml_syntax_error(y, text, len, at, why, n);
    }
    struct fy_document *next = fy_parse_load_document(y->parser);
    if (next) {
        const struct fy_mark *m =
            fy_document_state_start_mark(fy_document_get_document_state(next));
        *at = m ? (nb_loc){m->line + 1, m->column + 1} : (nb_loc){1, 1};
        snprintf(why, n, "a second YAML document starts here; a %s is one document", what);
        fy_parse_document_destroy(y->parser, next);
        return NB_EINVAL;
    }
    return yaml_failed(y) ? yaml_syntax_error(y, text, len, at, why, n) : NB_OK;
}

void nb_yaml_close(nb_yaml *y)
{
    if (y->doc) fy_parse_document_destroy(y->parser, y->doc);
    if (y->parser) fy_parser_destroy(y->parser);
    if (y->diag) fy_diag_destroy(y->diag);
    memset(y, 0, sizeof *y);
}
