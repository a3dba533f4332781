/* infile.c -- see infile.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdbool.h>
#include <stdint.h>
#include "infile.h"

int nb_infile_read(const char *path, size_t max, char **buf, size_t *len, dev_t *dev, ino_t *ino)
{
    *buf = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) return errno ? errno : EIO;
    struct stat st;
    if (fstat(fd, &st) != 0) { int err = errno ? errno : EIO; close(fd); return err; }
    if (S_ISDIR(st.st_mode)) { close(fd); return EISDIR; }
    if (!S_ISREG(st.st_mode)) { close(fd); return NB_INFILE_ENOTREG; }
    if (st.st_size > (off_t)max) { close(fd); return EFBIG; }
    /* Read to the end even if the file grew since fstat, but never past max. */
    size_t cap = (size_t)st.st_size + 1, n = 0;
    char *b = malloc(cap + 1);
    int err = b ? 0 : ENOMEM;
    while (!err) {
        if (n == cap) {
            if (cap > max) { err = EFBIG; break; }
            size_t nc = cap * 2 > max + 1 ? max + 1 : cap * 2;
            char *nb = realloc(b, nc + 1);
            if (!nb) { err = ENOMEM; break; }
            b = nb;
            cap = nc;
        }
        ssize_t got = read(fd, b + n, cap - n);
        if (got < 0) { if (errno == EINTR) continue; err = errno ? errno : EIO; break; }
        if (got == 0) break;
        n += (size_t)got;
    }
    close(fd);
    if (!err && n > max) err = EFBIG;
    if (err) { free(b); return err; }
    b[n] = '\0';
    *buf = b;
    *len = n;
    if (dev) *dev = st.st_dev;
    if (ino) *ino = st.st_ino;
    return 0;
}

void nb_text_linecol(const char *text, size_t off, int *line, int *col)
{
    int l = 1, c = 1;
    for (size_t i = 0; i < off; i++) {
        if (text[i] == '\n') { l++; c = 1; }
        else if (((unsigned char)text[i] & 0xc0) != 0x80) c++;
    }
    *line = l;
    *col = c;
}

const char *nb_infile_strerror(int err)
{
    if (err == NB_INFILE_ENOTREG) return "not a regular file";
    if (err == EFBIG) return "file too large (the limit is 4 MiB)";
    return strerror(err);
}

/* Length of the valid UTF-8 sequence at s[0..n), or 0 when it is not one (overlong
 * forms, surrogates and code points past U+10FFFF are not). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c < 0x80) return 1;
    size_t k;
    unsigned cp;
    if (c >= 0xc2 && c <= 0xdf) { k = 2; cp = c & 0x1f; }
    else if (c >= 0xe0 && c <= 0xef) { k = 3; cp = c & 0x0f; }
    else if (c >= 0xf0 && c <= 0xf4) { k = 4; cp = c & 0x07; }
    else return 0;
    if (n < k) return 0;
    for (size_t i = 1; i < k; i++) {
        if ((s[i] & 0xc0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((k == 3 && cp < 0x800) || (k == 4 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return k;
}

/* True when line s[0..n) (no newline) is a well-formed %YAML 1.x or %TAG directive. */
static int directive_ok(const char *s, size_t n)
{
    size_t i;
    if (n >= 5 && memcmp(s, "%YAML", 5) == 0) {
        i = 5;
        if (i >= n || s[i] != ' ') return 0;
        while (i < n && s[i] == ' ') i++;
        if (i + 3 > n || s[i] != '1' || s[i + 1] != '.' || s[i + 2] < '0' || s[i + 2] > '9') return 0;
        i += 3;
    } else if (n >= 4 && memcmp(s, "%TAG", 4) == 0) {
        i = 4;
        if (i >= n || s[i] != ' ') return 0;
        while (i < n && s[i] == ' ') i++;
        if (i >= n || s[i] != '!') return 0;
        i++;
        while (i < n && (s[i] == '-' || (s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'z') ||
                         (s[i] >= 'A' && s[i] <= 'Z')))
            i++;
        if (i < n && s[i] == '!') i++;
        if (i >= n || s[i] != ' ') return 0;
        while (i < n && s[i] == ' ') i++;
        size_t p = i;
        while (i < n && s[i] > ' ' && s[i] < 0x7f) i++;
        if (i == p) return 0;
    } else {
        return 0;
    }
    while (i < n && s[i] == ' ') i++;
    return i == n || s[i] == '#';
}

int nb_yamltext_check(const char *text, size_t len, size_t *off, char *why, size_t n)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t aliases = 0, keys = 0, keys_off = 0;
    int comment = 0, merge = nb_yaml_parse_flags(text, len) & FYPCF_ALLOW_DUPLICATE_KEYS ? 0 : 1;
    for (size_t i = 0; i < len;) {
        unsigned c = s[i];
        if (c == 0) {
            *off = i;
            snprintf(why, n, "a NUL byte at byte offset %zu; a YAML file is text", i);
            return 1;
        }
        size_t k = utf8_len(s + i, len - i);
        if (!k) {
            *off = i;
            snprintf(why, n, "not UTF-8 text: invalid byte 0x%02x at byte offset %zu", c, i);
            return 1;
        }
        int bol = i == 0 || s[i - 1] == '\n';
        if (bol) comment = 0;
        if (bol && c == '%') {
            size_t e = i;
            while (e < len && s[e] != '\n' && s[e] != '\r') e++;
            if (!directive_ok(text + i, e - i)) {
                *off = i;
                snprintf(why, n, "a line starting with '%%' at byte offset %zu is not a %%YAML 1.x or "
                         "%%TAG directive", i);
                return 1;
            }
            comment = 1;                       /* nothing else counts on this line */
        }
        if (!comment) {
            unsigned prev = i ? s[i - 1] : '\n';
            unsigned next = i + 1 < len ? s[i + 1] : '\n';
            int prev_sp = prev == ' ' || prev == '\t' || prev == '\n' || prev == '\r';
            int next_sp = next == ' ' || next == '\t' || next == '\n' || next == '\r';
            if (c == '#' && prev_sp) comment = 1;
            else if (c == '*' && !next_sp && (prev_sp || prev == '[' || prev == '{' || prev == ',' ||
                                             prev == ':' || prev == '-'))
                aliases++;
            else if ((c == ':' && next_sp) || c == ',' || (c == '-' && next_sp && prev_sp))
                keys++;
            if (aliases > NB_YAML_ALIAS_MAX) {
                *off = i;
                snprintf(why, n, "more than %d aliases (*name); the limit is %d", NB_YAML_ALIAS_MAX,
                         NB_YAML_ALIAS_MAX);
                return 1;
            }
            if (keys == NB_YAML_KEYS_MAX + 1 && !keys_off) keys_off = i;
        }
        i += k;
    }
    if ((merge || aliases) && keys_off) {
        *off = keys_off;
        snprintf(why, n, "more than %d keys and entries in a text with aliases or merge keys; "
                 "the limit is %d", NB_YAML_KEYS_MAX, NB_YAML_KEYS_MAX);
        return 1;
    }
    return 0;
}

/* Count the nodes of n with aliases expanded into *count, stopping past the bound. */
static void count_nodes(struct fy_node *n, long *count, int depth)
{
    if (!n || *count > NB_YAML_NODES_MAX) return;
    ++*count;
    if (depth > 512) { *count = NB_YAML_NODES_MAX + 1; return; }
    if (fy_node_is_alias(n)) {
        count_nodes(fy_node_resolve_alias(n), count, depth + 1);
    } else if (fy_node_is_sequence(n)) {
        void *it = NULL;
        struct fy_node *c;
        while ((c = fy_node_sequence_iterate(n, &it)) && *count <= NB_YAML_NODES_MAX)
            count_nodes(c, count, depth + 1);
    } else if (fy_node_is_mapping(n)) {
        void *it = NULL;
        struct fy_node_pair *p;
        while ((p = fy_node_mapping_iterate(n, &it)) && *count <= NB_YAML_NODES_MAX) {
            count_nodes(fy_node_pair_key(p), count, depth + 1);
            count_nodes(fy_node_pair_value(p), count, depth + 1);
        }
    }
}

unsigned nb_yaml_parse_flags(const char *text, size_t len)
{
    for (size_t i = 0; i + 1 < len; i++)
        if (text[i] == '<' && text[i + 1] == '<') return FYPCF_QUIET;
    return FYPCF_QUIET | FYPCF_ALLOW_DUPLICATE_KEYS;
}

/* One key of a mapping in a hash set: its text and node. */
typedef struct key_slot { const char *s; size_t len; struct fy_node *node; } key_slot;

/* FNV-1a of s[0..len), for the key set. */
static uint64_t key_hash(const char *s, size_t len)
{
    uint64_t h = 14695981039346656037ULL;
    for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

/* Key k's text (its scalar, or "" for a null key); NULL for a non-scalar key, which
 * is not compared (the loaders refuse such keys themselves). */
static const char *key_text(struct fy_node *k, size_t *len)
{
    *len = 0;
    if (!k) return "";
    if (!fy_node_is_scalar(k)) return NULL;
    const char *s = fy_node_get_scalar(k, len);
    return s ? s : "";
}

/* Where scalar key k starts (1-based; its opening quote if quoted), or line 0. */
static void key_loc(struct fy_node *k, int *line, int *col)
{
    struct fy_token *t = k && fy_node_is_scalar(k) ? fy_node_get_scalar_token(k) : NULL;
    const struct fy_mark *m = t ? fy_token_start_mark(t) : NULL;
    *line = m ? m->line + 1 : 0;
    *col = m ? m->column + 1 : 0;
    enum fy_node_style st = m ? fy_node_get_style(k) : FYNS_PLAIN;
    if (m && m->column > 0 && (st == FYNS_SINGLE_QUOTED || st == FYNS_DOUBLE_QUOTED)) --*col;
}

/* Why text for duplicate key k (first seen at node first): the key shown safely. */
static void dup_why(const char *s, size_t len, struct fy_node *first, char *why, size_t n)
{
    char shown[80];
    size_t j = len < 64 ? len : 64;
    while (j > 0 && j < len && ((unsigned char)s[j] & 0xc0) == 0x80) j--;   /* whole characters */
    for (size_t i = 0; i < j; i++) shown[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
    memcpy(shown + j, j < len ? "..." : "", j < len ? 4 : 1);
    int fl, fc;
    key_loc(first, &fl, &fc);
    snprintf(why, n, "duplicate key '%s' (first at line %d)", shown, fl > 0 ? fl : 1);
}

/* Find a duplicate key in mapping m: 1 with *dup the second key node and why, else 0
 * (-1 when memory runs out).  One open-addressing hash set of the keys. */
static int map_dups(struct fy_node *m, struct fy_node **dup, char *why, size_t n)
{
    int count = fy_node_mapping_item_count(m);
    if (count < 2) return 0;
    size_t cap = 4;
    while (cap < (size_t)count * 2) cap *= 2;
    key_slot *set = calloc(cap, sizeof *set);
    if (!set) return -1;
    void *it = NULL;
    struct fy_node_pair *p;
    int found = 0;
    while (!found && (p = fy_node_mapping_iterate(m, &it))) {
        struct fy_node *k = fy_node_pair_key(p);
        size_t len;
        const char *s = key_text(k, &len);
        if (!s) continue;
        size_t h = (size_t)key_hash(s, len) & (cap - 1);
        while (set[h].s && !(set[h].len == len && memcmp(set[h].s, s, len) == 0)) h = (h + 1) & (cap - 1);
        if (set[h].s) {
            *dup = k;
            dup_why(s, len, set[h].node, why, n);
            found = 1;
        } else {
            set[h] = (key_slot){s, len, k};
        }
    }
    free(set);
    return found;
}

/* Refuse a duplicate key in n or below (aliases not followed: each node is visited
 * once); *alias is set when an alias is met.  As map_dups. */
static int find_dups(struct fy_node *n, int depth, bool *alias, struct fy_node **dup, char *why, size_t size)
{
    if (!n || depth > 512) return 0;
    if (fy_node_is_alias(n)) { *alias = true; return 0; }
    void *it = NULL;
    int r = 0;
    if (fy_node_is_sequence(n)) {
        struct fy_node *c;
        while (!r && (c = fy_node_sequence_iterate(n, &it))) r = find_dups(c, depth + 1, alias, dup, why, size);
    } else if (fy_node_is_mapping(n)) {
        if ((r = map_dups(n, dup, why, size)) != 0) return r;
        struct fy_node_pair *p;
        while (!r && (p = fy_node_mapping_iterate(n, &it))) {
            r = find_dups(fy_node_pair_key(p), depth + 1, alias, dup, why, size);
            if (!r) r = find_dups(fy_node_pair_value(p), depth + 1, alias, dup, why, size);
        }
    }
    return r;
}

int nb_yaml_resolve_bounded(struct fy_document *doc, int *line, int *col, char *why, size_t n)
{
    *line = *col = 1;
    if (!doc) return 0;
    struct fy_node *dup = NULL;
    bool alias = false;
    int d = find_dups(fy_document_root(doc), 0, &alias, &dup, why, n);
    if (d < 0) { snprintf(why, n, "out of memory"); return 1; }
    /* Without aliases and merge keys there is nothing to resolve, and libfyaml's
     * resolution, quadratic in a mapping's size, is skipped. */
    if (d == 0 && !alias && fy_document_get_cfg(doc)->flags & FYPCF_ALLOW_DUPLICATE_KEYS) return 0;
    if (d > 0) {
        int l, c;
        key_loc(dup, &l, &c);
        if (l > 0) { *line = l; *col = c; }
        return 2;
    }
    long count = 0;
    count_nodes(fy_document_root(doc), &count, 0);
    if (count > NB_YAML_NODES_MAX) {
        snprintf(why, n, "the aliases expand to more than %d nodes", NB_YAML_NODES_MAX);
        return 1;
    }
    return fy_document_resolve(doc) == 0 ? 0 : -1;
}

/* See infile.h. */
const char *nb_text_show(const char *text, char *buf, size_t n)
{
    size_t cap = n - 4, k = 0;
    for (const char *p = text ? text : ""; *p && k < cap; p++)
        buf[k++] = ((unsigned char)*p < 0x20 || *p == 0x7f) ? ' ' : *p;
    if (text && strlen(text) > k) {
        while (k > 0 && ((unsigned char)text[k] & 0xC0) == 0x80) k--;  /* whole chars */
        memcpy(buf + k, "...", 3);
        k += 3;
    }
    buf[k] = '\0';
    return buf;
}

char *nb_path_relative(const char *base, const char *written)
{
    const char *slash = strrchr(base, '/');
    size_t dir = written[0] == '/' || !slash ? 0 : (size_t)(slash - base) + 1;
    size_t n = strlen(written);
    char *out = malloc(dir + n + 1);
    if (!out) return NULL;
    memcpy(out, base, dir);
    memcpy(out + dir, written, n + 1);
    return out;
}
