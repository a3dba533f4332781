/* sweep.c -- sweep files (YAML, read with libfyaml) to a design of parameter points
 * (see sweep.h for the file format and the design layouts).
 *
 * Layers, bottom up:
 *   yaml     one document parsed from memory, libfyaml's diagnostics captured;
 *   keys     the top-level keys, `factors` and `outputs`, each checked as read;
 *   design   unit coordinates for every design (GSL: gsl_qrng_sobol, and
 *            nb_rng_philox with gsl_ran_shuffle for lhs and morris), mapped to values;
 *   points   a point's parameter set, and its validation (registry ranges and the
 *            scenario's cross-checks), run for every point when the file is loaded;
 *   text     the resolved sweep as YAML, a point as a scenario, the identity hash.
 * No globals and no output: every failure is one message in an nb_err of the form
 * "FILE:LINE:COL: key 'factors.policy.poc_budget': what is wrong".
 */
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_qrng.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <libfyaml.h>
#include "yamlnode.h"
#include "infile.h"
#include "strbuf.h"
#include "../model/textdist.h"
#include "../model/metrics.h"
#include "../model/neobay.h"
#include "../model/rng.h"
#include "format.h"
#include "sweep.h"
#include "sweep_run.h"

#ifndef NB_GIT_COMMIT
#define NB_GIT_COMMIT "unknown"
#endif

#define SW_FILE_MAX (4L << 20)       /* no sweep file is larger */
#define SW_POINTS_MAX 10000000       /* design points in one sweep */
#define SW_SOBOL_MAX 40              /* gsl_qrng_sobol's largest dimension */
#define SW_SALTELLI_MAX 20           /* 2k Sobol dimensions */
#define SW_KEY_MAX 256
#define FNV_OFFSET 14695981039346656037ULL
#define FNV_PRIME 1099511628211ULL

static const char *const design_names[] = {"grid", "lhs", "sobol", "saltelli", "morris"};
#define N_DESIGNS 5

enum { K_BASE, K_DESIGN, K_POINTS, K_REPLICATES, K_SEED, K_LEVELS, K_FULL, K_OUTPUTS,
       K_FACTORS, K_TITLE, K_TITLE_ZH, K_DESCRIPTION, N_TOP };
static const char *const top_keys[N_TOP] = {
    "base", "design", "points", "replicates", "seed", "levels", "full_series", "outputs",
    "factors", "title", "title_zh", "description"};

enum { F_MIN, F_MAX, F_LOG, F_SCALE, F_LEVELS, N_FKEYS };
static const char *const factor_keys[N_FKEYS] = {"min", "max", "log", "scale", "levels"};

enum { O_METRICS, O_YEARS, N_OKEYS };
static const char *const output_keys[N_OKEYS] = {"metrics", "years"};

/* The default outputs for `neobay sensitivity`, those the model has. */
static const char *const default_metrics[] = {"firms", "unicorns", "listed"};
static const int default_years[] = {2030, 2035};

const char *nb_design_name(int design)
{
    return design >= 0 && design < N_DESIGNS ? design_names[design] : "?";
}

/* ==== small helpers ================================================================= */

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

/* The word of words[0..n) closest to key (within a third of its length), or -1. */
static int suggest_word(const char *key, const char *const *words, int n)
{
    int best = -1, bestd = 1 << 30, len = (int)strlen(key);
    for (int i = 0; i < n; i++) {
        int d = nb_edit_distance(key, words[i]);
        if (d < bestd) { bestd = d; best = i; }
    }
    return best >= 0 && bestd * 3 <= len + 3 ? best : -1;
}

/* "a, b and c" from words[0..n) into buf. */
static const char *word_list(const char *const *words, int n, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; i < n && len < size; i++)
        len += (size_t)snprintf(buf + len, size - len, "%s%s", i == 0 ? "" : i + 1 == n ? " and " : ", ",
                                words[i]);
    return buf;
}

/* Shortest decimal text of v that reads back as v (as scenario.c writes values). */
static void fmt_exact(double v, char *buf, size_t n)
{
    if (v == floor(v) && fabs(v) < 1e15) {
        snprintf(buf, n, "%.0f", v);
        return;
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, n, "%.*g", prec, v);
        if (strtod(buf, NULL) == v) return;
    }
}

/* FNV-1a over n bytes, continuing from h. */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * FNV_PRIME;
    return h;
}

static uint64_t fnv_str(uint64_t h, const char *s)
{
    return fnv(h, s ? s : "", strlen(s ? s : "") + 1);
}

static uint64_t fnv_u64(uint64_t h, uint64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)(v >> (8 * i));
    return fnv(h, b, 8);
}

static uint64_t fnv_dbl(uint64_t h, double x)
{
    uint64_t v;
    memcpy(&v, &x, sizeof v);
    return fnv_u64(h, v);
}


/* ==== yaml ========================================================================== */

typedef nb_loc sw_loc;

typedef struct sw_yaml {
    struct fy_diag *diag;
    struct fy_parser *parser;
    struct fy_document *doc;
    char log[1024];
    size_t log_len;
} sw_yaml;

static void yaml_capture(struct fy_diag *diag, void *user, const char *buf, size_t len)
{
    sw_yaml *y = user;
    size_t room = sizeof y->log - 1 - y->log_len;
    if (len > room) len = room;
    memcpy(y->log + y->log_len, buf, len);
    y->log_len += len;
    y->log[y->log_len] = '\0';
}

/* libfyaml's first error "...:LINE:COL: error: REASON" as *at and why[n]. */
static void yaml_first_error(const sw_yaml *y, sw_loc *at, char *why, size_t n)
{
    *at = (sw_loc){1, 1};
    const char *hit = strstr(y->log, ": error: ");
    const char *reason = hit ? hit + 9 : y->log;
    if (hit) {
        const char *p = hit;
        int mul = 1, col = 0, line = 0;
        while (p > y->log && p[-1] >= '0' && p[-1] <= '9') col += (*--p - '0') * mul, mul *= 10;
        if (p > y->log && p[-1] == ':') {
            p--;
            mul = 1;
            while (p > y->log && p[-1] >= '0' && p[-1] <= '9') line += (*--p - '0') * mul, mul *= 10;
        }
        if (line > 0) *at = (sw_loc){line, col > 0 ? col : 1};
    }
    size_t len = strcspn(reason, "\n");
    snprintf(why, n, "%.*s", (int)len, *reason ? reason : "the text cannot be parsed");
}

/* Parse text as one YAML document.  NB_OK (y->doc may be NULL: empty), NB_EINVAL with
 * *at and why, or NB_ENOMEM.  Call yaml_close in every case. */
static int yaml_open(sw_yaml *y, const char *text, size_t len, sw_loc *at, char *why, size_t n)
{
    memset(y, 0, sizeof *y);
    struct fy_diag_cfg dc;
    fy_diag_cfg_default(&dc);
    dc.fp = NULL;
    dc.output_fn = yaml_capture;
    dc.user = y;
    dc.level = FYET_ERROR;
    dc.colorize = false;
    y->diag = fy_diag_create(&dc);
    size_t off;
    if (nb_yamltext_check(text, len, &off, why, n)) {
        nb_text_linecol(text, off, &at->line, &at->col);
        return NB_EINVAL;
    }
    /* Aliases are resolved by nb_yaml_resolve_bounded, after their expansion is counted. */
    struct fy_parse_cfg pc = {.flags = FYPCF_QUIET, .diag = y->diag};
    y->parser = y->diag ? fy_parser_create(&pc) : NULL;
    if (!y->parser || fy_parser_set_string(y->parser, text, len) != 0) return NB_ENOMEM;
    y->doc = fy_parse_load_document(y->parser);
    bool failed = fy_diag_got_error(y->diag) || y->log_len > 0;
    if (!failed && y->doc) {
        int r = nb_yaml_resolve_bounded(y->doc, why, n);
        if (r > 0) { *at = (sw_loc){1, 1}; return NB_EINVAL; }
        failed = r < 0 || fy_diag_got_error(y->diag) || y->log_len > 0;
    }
    if (!failed && y->doc) {
        struct fy_document *next = fy_parse_load_document(y->parser);
        if (next) {
            const struct fy_mark *m = fy_document_state_start_mark(fy_document_get_document_state(next));
            *at = m ? (sw_loc){m->line + 1, m->column + 1} : (sw_loc){1, 1};
            snprintf(why, n, "a second YAML document starts here; a sweep is one document");
            fy_parse_document_destroy(y->parser, next);
            return NB_EINVAL;
        }
        failed = fy_diag_got_error(y->diag) || y->log_len > 0;
    }
    if (!failed) return NB_OK;
    char reason[512];
    yaml_first_error(y, at, reason, sizeof reason);
    snprintf(why, n, "YAML syntax error: %s", reason);
    return NB_EINVAL;
}

static void yaml_close(sw_yaml *y)
{
    if (y->doc) fy_parse_document_destroy(y->parser, y->doc);
    if (y->parser) fy_parser_destroy(y->parser);
    if (y->diag) fy_diag_destroy(y->diag);
    memset(y, 0, sizeof *y);
}




static const char *node_text(struct fy_node *n)
{
    const char *t = n ? fy_node_get_scalar0(n) : NULL;
    return t ? t : "";
}

static const char *node_kind(struct fy_node *n)
{
    if (nb_yaml_node_is_null(n)) return "nothing";
    if (fy_node_is_sequence(n)) return "a list";
    if (fy_node_is_mapping(n)) return "a mapping";
    return "a single value";
}

/* ==== the loader's context and its errors ============================================ */

typedef struct sw_ctx {
    nb_sweep *sw;
    nb_err *e;
    const char *file;                        /* sw->path */
    struct fy_node *key[N_TOP], *val[N_TOP]; /* top-level keys given (NULL: absent) */
    const char *base_written;
    char *title[3];                          /* title, title_zh, description (owned) */
    int first[NB_NPARAMS];                   /* line each factor was given at */
    sw_loc f_at[NB_SWEEP_MAX_FACTORS];       /* where each factor's value is */
} sw_ctx;

/* "FILE:LINE:COL: key 'KEY': WHAT" (no key part when key is NULL); returns NB_EINVAL. */
static int ctx_fail(const sw_ctx *c, sw_loc at, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int ctx_fail(const sw_ctx *c, sw_loc at, const char *key, const char *fmt, ...)
{
    char what[1400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (!key)
        return nb_err_set(c->e, "%s:%d:%d: %s", c->file, at.line > 0 ? at.line : 1,
                          at.col > 0 ? at.col : 1, what);
    return nb_err_set(c->e, "%s:%d:%d: key '%s': %s", c->file, at.line > 0 ? at.line : 1,
                      at.col > 0 ? at.col : 1, key, what);
}

/* Where top-level key i is written ({1,1} when absent). */
static sw_loc key_at(const sw_ctx *c, int i)
{
    return nb_yaml_loc_or(nb_yaml_node_loc(c->key[i]), (sw_loc){1, 1});
}

/* The scalar text of top-level key i (present) into *text; NB_EINVAL when it is not a
 * single value.  `what` describes the expected value. */
static int top_text(const sw_ctx *c, int i, const char *what, const char **text, sw_loc *at)
{
    struct fy_node *v = c->val[i];
    *at = nb_yaml_loc_or(nb_yaml_node_loc(v), key_at(c, i));
    if (nb_yaml_node_is_null(v) || !fy_node_is_scalar(v))
        return ctx_fail(c, *at, top_keys[i], "expected %s, found %s", what, node_kind(v));
    *text = node_text(v);
    return NB_OK;
}

/* A whole number in [lo, hi] from top-level key i into *v. */
static int top_int(const sw_ctx *c, int i, double lo, double hi, double *v)
{
    const char *text, *why;
    sw_loc at;
    char what[128];
    snprintf(what, sizeof what, "a whole number from %.0f to %.0f", lo, hi);
    int rc = top_text(c, i, what, &text, &at);
    if (rc) return rc;
    if (nb_value_parse(NB_T_INT, text, v, &why) != NB_OK)
        return ctx_fail(c, at, top_keys[i], "value '%.60s' %s (%s)", text, why, what);
    if (*v < lo || *v > hi) return ctx_fail(c, at, top_keys[i], "value %.60s is not %s", text, what);
    return NB_OK;
}

/* ==== top-level keys ================================================================= */

static int group_first(const char *g);

/* The error for an unknown top-level key. */
static int unknown_top(const sw_ctx *c, const char *name, sw_loc at)
{
    char list[256];
    int id = nb_registry_find(name);
    if (id >= 0 || (strchr(name, '.') && nb_registry_suggest(name) >= 0))
        return ctx_fail(c, at, name, "unknown key: parameters to vary go under 'factors:' "
                        "(factors: {%s: {min: ..., max: ...}}); fixed values go in the base scenario",
                        id >= 0 ? nb_registry[id].name : nb_registry[nb_registry_suggest(name)].name);
    if (!strcmp(name, "extends") || !strcmp(name, "name") || !strcmp(name, "rules") || group_first(name) >= 0)
        return ctx_fail(c, at, name, "unknown key: this looks like a scenario file; a sweep names its "
                        "scenario with base: and the parameters it varies under factors: (see scenarios/sweeps/)");
    int s = suggest_word(name, top_keys, N_TOP);
    if (s >= 0) return ctx_fail(c, at, name, "unknown key; did you mean '%s'?", top_keys[s]);
    return ctx_fail(c, at, name, "unknown key; a sweep has the keys %s", word_list(top_keys, N_TOP, list, sizeof list));
}

/* Sort the root mapping's pairs into c->key/val, refusing unknown keys. */
static int read_top(sw_ctx *c, struct fy_node *root)
{
    void *iter = NULL;
    struct fy_node_pair *pair;
    while ((pair = fy_node_mapping_iterate(root, &iter))) {
        struct fy_node *k = fy_node_pair_key(pair);
        sw_loc at = nb_yaml_loc_or(nb_yaml_node_loc(k), (sw_loc){1, 1});
        if (!k || !fy_node_is_scalar(k) || nb_yaml_node_is_null(k))
            return ctx_fail(c, at, NULL, "a key must be a name, not %s", node_kind(k));
        const char *name = node_text(k);
        int i = 0;
        while (i < N_TOP && strcmp(name, top_keys[i]) != 0) i++;
        if (i == N_TOP) return unknown_top(c, name, at);
        c->key[i] = k;
        c->val[i] = fy_node_pair_value(pair);
    }
    return NB_OK;
}

/* `written` relative to the directory of file `from`; malloc'd. */
static char *resolve_rel(const char *from, const char *written)
{
    const char *slash = strrchr(from, '/');
    size_t dir = written[0] == '/' || !slash ? 0 : (size_t)(slash - from) + 1;
    size_t n = strlen(written);
    char *out = malloc(dir + n + 1);
    if (!out) return NULL;
    memcpy(out, from, dir);
    memcpy(out + dir, written, n + 1);
    return out;
}

/* `base`: load and validate the base scenario. */
static int read_base(sw_ctx *c)
{
    if (!c->key[K_BASE])
        return ctx_fail(c, (sw_loc){1, 1}, "base", "missing: name the scenario the sweep varies, "
                        "relative to the sweep file (base: ../baseline.yaml)");
    const char *text;
    sw_loc at;
    int rc = top_text(c, K_BASE, "the path of a scenario file", &text, &at);
    if (rc) return rc;
    if (!*text) return ctx_fail(c, at, "base", "expected the path of a scenario file, found an empty text");
    char *path = resolve_rel(c->file, text);
    if (!path) return nb_err_code(c->e, NB_ENOMEM, "out of memory");
    c->base_written = text;
    struct stat st;
    int missing = stat(path, &st) != 0, err = errno;
    if (missing || S_ISDIR(st.st_mode)) {
        rc = ctx_fail(c, at, "base", "cannot read '%s': %s", path, missing ? strerror(err) : "is a directory");
        free(path);
        return rc;
    }
    rc = nb_scenario_load(path, &c->sw->base, c->e);
    if (rc == NB_OK) rc = nb_scenario_validate(c->sw->base, c->e);
    free(path);
    return rc == NB_EIO ? NB_EINVAL : rc;
}

/* `design`. */
static int read_design(sw_ctx *c)
{
    char list[128];
    if (!c->key[K_DESIGN])
        return ctx_fail(c, (sw_loc){1, 1}, "design", "missing: give one of %s",
                        word_list(design_names, N_DESIGNS, list, sizeof list));
    const char *text;
    sw_loc at;
    int rc = top_text(c, K_DESIGN, "the name of a design", &text, &at);
    if (rc) return rc;
    for (int i = 0; i < N_DESIGNS; i++)
        if (strcmp(text, design_names[i]) == 0) return c->sw->design = i, NB_OK;
    int s = suggest_word(text, design_names, N_DESIGNS);
    if (s >= 0) return ctx_fail(c, at, "design", "unknown design '%.60s'; did you mean '%s'?", text, design_names[s]);
    return ctx_fail(c, at, "design", "unknown design '%.60s'; the designs are %s", text,
                    word_list(design_names, N_DESIGNS, list, sizeof list));
}

/* points, replicates, seed, levels, full_series, and the texts. */
static int read_sizes(sw_ctx *c)
{
    nb_sweep *sw = c->sw;
    double v;
    int rc;
    sw->points = 0;
    if (c->key[K_POINTS]) {
        if ((rc = top_int(c, K_POINTS, 1, SW_POINTS_MAX, &v))) return rc;
        sw->points = (int)v;
    } else if (sw->design != NB_DESIGN_GRID) {
        return ctx_fail(c, (sw_loc){1, 1}, "points", "missing: the %s design needs its size (points: 64)",
                        design_names[sw->design]);
    }
    sw->replicates = (int)sw->base->ps.p[NB_P_run_replicates].value[0];
    if (c->key[K_REPLICATES]) {
        if ((rc = top_int(c, K_REPLICATES, 1, 1000000, &v))) return rc;
        sw->replicates = (int)v;
    }
    sw->seed = 1;
    if (c->key[K_SEED]) {
        if ((rc = top_int(c, K_SEED, 0, 4294967295.0, &v))) return rc;
        sw->seed = (uint32_t)v;
    }
    sw->levels = 4;
    if (c->key[K_LEVELS]) {
        if (sw->design != NB_DESIGN_MORRIS)
            return ctx_fail(c, key_at(c, K_LEVELS), "levels",
                            "only the morris design has grid levels (a grid factor takes levels: [...] under factors)");
        if ((rc = top_int(c, K_LEVELS, 2, NB_SWEEP_MAX_LEVELS, &v))) return rc;
        if ((int)v % 2)
            return ctx_fail(c, nb_yaml_loc_or(nb_yaml_node_loc(c->val[K_LEVELS]), key_at(c, K_LEVELS)), "levels",
                            "value %.0f is odd; Morris grids need an even number of levels (4, 6, 8, ...)", v);
        sw->levels = (int)v;
    }
    sw->full_series = 0;
    if (c->key[K_FULL]) {
        const char *text, *why;
        sw_loc at;
        if ((rc = top_text(c, K_FULL, "true or false", &text, &at))) return rc;
        if (nb_value_parse(NB_T_BOOL, text, &v, &why) != NB_OK)
            return ctx_fail(c, at, "full_series", "value '%.60s' %s", text, why);
        sw->full_series = v != 0;
    }
    for (int i = 0; i < 3; i++) {
        int k = K_TITLE + i;
        if (!c->key[k]) continue;
        const char *text;
        sw_loc at;
        if ((rc = top_text(c, k, "a text", &text, &at))) return rc;
        if (!(c->title[i] = dup_str(text))) return nb_err_code(c->e, NB_ENOMEM, "out of memory");
    }
    return NB_OK;
}

/* ==== factors ========================================================================= */

/* "money, RMB/month": a parameter's type and unit, for messages. */
static const char *type_note(int id, char *buf, size_t n)
{
    const nb_param_info *p = &nb_registry[id];
    if (strcmp(p->unit, "-") == 0 || p->type == NB_T_MONTH || p->type == NB_T_BOOL)
        snprintf(buf, n, "%s", nb_ptype_name(p->type));
    else
        snprintf(buf, n, "%s, %s", nb_ptype_name(p->type), p->unit);
    return buf;
}

/* Parse scalar node v (key path `path`) as a value of parameter id, range-checked. */
static int factor_value_node(const sw_ctx *c, const char *path, int id, struct fy_node *v,
                             sw_loc at, double *x)
{
    const char *why;
    char note[96], bound[64];
    at = nb_yaml_loc_or(nb_yaml_node_loc(v), at);
    if (nb_yaml_node_is_null(v) || !fy_node_is_scalar(v))
        return ctx_fail(c, at, path, "expected one value (%s), found %s", type_note(id, note, sizeof note),
                        node_kind(v));
    const char *text = node_text(v);
    if (nb_value_parse(nb_registry[id].type, text, x, &why) != NB_OK)
        return ctx_fail(c, at, path, "value '%.60s' %s (%s)", text, why, type_note(id, note, sizeof note));
    if (nb_registry_check(id, *x, &why) != NB_OK) {
        const nb_param_info *p = &nb_registry[id];
        bound[0] = '\0';
        if (*x < p->min) nb_format_value(p->type, p->min, bound, sizeof bound);
        else if (*x > p->max) nb_format_value(p->type, p->max, bound, sizeof bound);
        return ctx_fail(c, at, path, "value %.60s %s%s%s (%s)", text, why, *bound ? " " : "", bound,
                        type_note(id, note, sizeof note));
    }
    return NB_OK;
}

/* A plain number >= 0 (a scale factor) from scalar node v. */
static int scale_value_node(const sw_ctx *c, const char *path, struct fy_node *v, sw_loc at, double *x)
{
    const char *why;
    at = nb_yaml_loc_or(nb_yaml_node_loc(v), at);
    if (nb_yaml_node_is_null(v) || !fy_node_is_scalar(v))
        return ctx_fail(c, at, path, "expected a factor (a plain number >= 0), found %s", node_kind(v));
    if (nb_value_parse(NB_T_REAL, node_text(v), x, &why) != NB_OK)
        return ctx_fail(c, at, path, "value '%.60s' %s (a scale is a plain number >= 0)", node_text(v), why);
    if (*x < 0) return ctx_fail(c, at, path, "value %.60s is below 0 (a scale is a plain number >= 0)", node_text(v));
    return NB_OK;
}

/* The keys of factor mapping v into key[]/val[]; unknown keys are errors. */
static int factor_fields(const sw_ctx *c, const char *path, struct fy_node *v, sw_loc at,
                         struct fy_node **key, struct fy_node **val)
{
    char list[128], full[2 * SW_KEY_MAX];
    void *iter = NULL;
    struct fy_node_pair *pair;
    while ((pair = fy_node_mapping_iterate(v, &iter))) {
        struct fy_node *k = fy_node_pair_key(pair);
        sw_loc kat = nb_yaml_loc_or(nb_yaml_node_loc(k), at);
        if (!k || !fy_node_is_scalar(k) || nb_yaml_node_is_null(k))
            return ctx_fail(c, kat, path, "a key must be a name, not %s", node_kind(k));
        const char *name = node_text(k);
        int i = 0;
        while (i < N_FKEYS && strcmp(name, factor_keys[i]) != 0) i++;
        snprintf(full, sizeof full, "%s.%.60s", path, name);
        if (i == N_FKEYS) {
            int s = suggest_word(name, factor_keys, N_FKEYS);
            word_list(factor_keys, N_FKEYS, list, sizeof list);
            if (s >= 0)
                return ctx_fail(c, kat, full, "unknown key; did you mean '%s'? (a factor has the keys %s)",
                                factor_keys[s], list);
            return ctx_fail(c, kat, full, "unknown key; a factor has the keys %s", list);
        }
        key[i] = k;
        val[i] = fy_node_pair_value(pair);
    }
    return NB_OK;
}

/* levels: [...] of factor f (parameter id). */
static int factor_levels(const sw_ctx *c, const char *path, nb_factor *f, struct fy_node *k,
                         struct fy_node *v)
{
    char full[2 * SW_KEY_MAX];
    snprintf(full, sizeof full, "%s.levels", path);
    sw_loc at = nb_yaml_loc_or(nb_yaml_node_loc(k), (sw_loc){1, 1});
    if (c->sw->design != NB_DESIGN_GRID)
        return ctx_fail(c, at, full, "explicit levels need design: grid (this sweep's design is %s); "
                        "give min and max instead", design_names[c->sw->design]);
    if (nb_yaml_node_is_null(v) || !fy_node_is_sequence(v))
        return ctx_fail(c, nb_yaml_loc_or(nb_yaml_node_loc(v), at), full, "expected a list of values ([3000, 4000, 5000]), found %s",
                        node_kind(v));
    int n = fy_node_sequence_item_count(v);
    if (n < 1) return ctx_fail(c, at, full, "the list is empty");
    if (n > NB_SWEEP_MAX_LEVELS)
        return ctx_fail(c, at, full, "%d levels; at most %d", n, NB_SWEEP_MAX_LEVELS);
    for (int i = 0; i < n; i++) {
        struct fy_node *item = fy_node_sequence_get_by_index(v, i);
        int rc = factor_value_node(c, full, f->param, item, at, &f->levels[i]);
        if (rc) return rc;
        for (int j = 0; j < i; j++)
            if (f->levels[j] == f->levels[i])
                return ctx_fail(c, nb_yaml_loc_or(nb_yaml_node_loc(item), at), full, "value %.60s is listed twice", node_text(item));
    }
    f->n_levels = n;
    f->lo = f->hi = f->levels[0];
    for (int i = 1; i < n; i++) {
        if (f->levels[i] < f->lo) f->lo = f->levels[i];
        if (f->levels[i] > f->hi) f->hi = f->levels[i];
    }
    return NB_OK;
}

/* scale: [a, b] of factor f. */
static int factor_scale(const sw_ctx *c, const char *path, nb_factor *f, struct fy_node *k,
                        struct fy_node *v)
{
    char full[2 * SW_KEY_MAX];
    snprintf(full, sizeof full, "%s.scale", path);
    sw_loc at = nb_yaml_loc_or(nb_yaml_node_loc(k), (sw_loc){1, 1});
    nb_ptype t = nb_registry[f->param].type;
    if (t == NB_T_BOOL || t == NB_T_MONTH)
        return ctx_fail(c, at, full, "%s is a %s: it cannot be scaled; give levels (grid) or min and max",
                        nb_registry[f->param].name, nb_ptype_name(t));
    if (nb_yaml_node_is_null(v) || !fy_node_is_sequence(v) || fy_node_sequence_item_count(v) != 2)
        return ctx_fail(c, nb_yaml_loc_or(nb_yaml_node_loc(v), at), full,
                        "expected the range of the factor as two numbers, [low, high] (scale: [0.5, 2]); found %s",
                        fy_node_is_sequence(v) ? "a list of another length" : node_kind(v));
    int rc = scale_value_node(c, full, fy_node_sequence_get_by_index(v, 0), at, &f->lo);
    if (!rc) rc = scale_value_node(c, full, fy_node_sequence_get_by_index(v, 1), at, &f->hi);
    if (rc) return rc;
    if (f->lo > f->hi)
        return ctx_fail(c, nb_yaml_loc_or(nb_yaml_node_loc(v), at), full, "low %.17g is above high %.17g", f->lo, f->hi);
    f->scale = 1;
    return NB_OK;
}

/* min: and max: of factor f. */
static int factor_range(const sw_ctx *c, const char *path, nb_factor *f, struct fy_node **key,
                        struct fy_node **val, sw_loc at)
{
    char full[2 * SW_KEY_MAX];
    for (int i = F_MIN; i <= F_MAX; i++)
        if (!key[i]) {
            snprintf(full, sizeof full, "%s.%s", path, factor_keys[i]);
            return ctx_fail(c, at, full, "missing: a range needs both min and max");
        }
    snprintf(full, sizeof full, "%s.min", path);
    int rc = factor_value_node(c, full, f->param, val[F_MIN], nb_yaml_node_loc(key[F_MIN]), &f->lo);
    snprintf(full, sizeof full, "%s.max", path);
    if (!rc) rc = factor_value_node(c, full, f->param, val[F_MAX], nb_yaml_node_loc(key[F_MAX]), &f->hi);
    if (rc) return rc;
    if (f->lo > f->hi) {
        char a[64], b[64];
        nb_format_value(nb_registry[f->param].type, f->lo, a, sizeof a);
        nb_format_value(nb_registry[f->param].type, f->hi, b, sizeof b);
        return ctx_fail(c, nb_yaml_loc_or(nb_yaml_node_loc(key[F_MAX]), at), full, "max %s is below min %s", b, a);
    }
    return NB_OK;
}

/* log: of factor f (after its range). */
static int factor_log(const sw_ctx *c, const char *path, nb_factor *f, struct fy_node *k, struct fy_node *v)
{
    char full[2 * SW_KEY_MAX];
    const char *why;
    double x;
    snprintf(full, sizeof full, "%s.log", path);
    sw_loc at = nb_yaml_loc_or(nb_yaml_node_loc(v), nb_yaml_loc_or(nb_yaml_node_loc(k), (sw_loc){1, 1}));
    if (nb_yaml_node_is_null(v) || !fy_node_is_scalar(v))
        return ctx_fail(c, at, full, "expected true or false, found %s", node_kind(v));
    if (nb_value_parse(NB_T_BOOL, node_text(v), &x, &why) != NB_OK)
        return ctx_fail(c, at, full, "value '%.60s' %s", node_text(v), why);
    if (x == 0) return NB_OK;
    nb_ptype t = nb_registry[f->param].type;
    if (f->n_levels) return ctx_fail(c, at, full, "log applies to a range (min/max or scale), not to levels");
    if (!f->scale && (t == NB_T_BOOL || t == NB_T_MONTH))
        return ctx_fail(c, at, full, "%s is a %s: it cannot be sampled in logs", nb_registry[f->param].name,
                        nb_ptype_name(t));
    if (!(f->lo > 0)) {
        char a[64];
        nb_format_value(f->scale ? NB_T_REAL : t, f->lo, a, sizeof a);
        return ctx_fail(c, at, full, "a log-uniform range needs %s > 0; it is %s", f->scale ? "scale low" : "min", a);
    }
    f->log = 1;
    return NB_OK;
}

/* One factor: parameter id with spec v (key written at `at`). */
static int read_factor(sw_ctx *c, int id, const char *path, sw_loc at, struct fy_node *v)
{
    nb_sweep *sw = c->sw;
    const nb_param_info *p = &nb_registry[id];
    char list[128];
    if (p->flags & NB_F_RUN)
        return ctx_fail(c, at, path, "run settings cannot vary in a sweep: every point runs the same "
                        "months and seed (set them in the base; replicates at the top of the sweep)");
    if (c->first[id])
        return ctx_fail(c, at, path, "the factor %s is given twice (first at line %d)", p->name, c->first[id]);
    if (sw->n_factors == NB_SWEEP_MAX_FACTORS)
        return ctx_fail(c, at, path, "more than %d factors", NB_SWEEP_MAX_FACTORS);
    if (nb_yaml_node_is_null(v) || !fy_node_is_mapping(v))
        return ctx_fail(c, nb_yaml_loc_or(nb_yaml_node_loc(v), at), path,
                        "a factor is a mapping: {min: LOW, max: HIGH}, {scale: [LOW, HIGH]} or "
                        "{levels: [...]} (grid), optionally with log: true; found %s", node_kind(v));
    struct fy_node *key[N_FKEYS] = {0}, *val[N_FKEYS] = {0};
    int rc = factor_fields(c, path, v, at, key, val);
    if (rc) return rc;
    nb_factor *f = &sw->f[sw->n_factors];
    memset(f, 0, sizeof *f);
    f->param = id;
    f->origin = (nb_origin){sw->path, at.line, at.col};
    int forms = (key[F_MIN] || key[F_MAX]) + !!key[F_SCALE] + !!key[F_LEVELS];
    if (forms != 1) {
        const char *const fk[] = {"min/max", "scale", "levels"};
        return ctx_fail(c, at, path, "%s one of %s", forms ? "give only" : "give",
                        word_list(fk, 3, list, sizeof list));
    }
    if (key[F_LEVELS]) rc = factor_levels(c, path, f, key[F_LEVELS], val[F_LEVELS]);
    else if (key[F_SCALE]) rc = factor_scale(c, path, f, key[F_SCALE], val[F_SCALE]);
    else rc = factor_range(c, path, f, key, val, at);
    if (!rc && key[F_LOG]) rc = factor_log(c, path, f, key[F_LOG], val[F_LOG]);
    if (rc) return rc;
    c->first[id] = at.line > 0 ? at.line : 1;
    c->f_at[sw->n_factors] = at;
    sw->n_factors++;
    return NB_OK;
}

/* Index of the first parameter in group g ("policy"), or -1. */
static int group_first(const char *g)
{
    size_t n = strlen(g);
    for (int i = 0; i < NB_NPARAMS; i++)
        if (n > 0 && strncmp(nb_registry[i].name, g, n) == 0 && nb_registry[i].name[n] == '.') return i;
    return -1;
}

static int read_factor_map(sw_ctx *c, const char *prefix, struct fy_node *map, sw_loc at);

/* One pair of the factors mapping under dotted prefix ("" at the top). */
static int read_factor_pair(sw_ctx *c, const char *prefix, struct fy_node_pair *pair, sw_loc parent)
{
    struct fy_node *k = fy_node_pair_key(pair), *v = fy_node_pair_value(pair);
    sw_loc at = nb_yaml_loc_or(nb_yaml_node_loc(k), parent);
    char ctx[SW_KEY_MAX + 16], path[SW_KEY_MAX], full[SW_KEY_MAX + 16];
    snprintf(ctx, sizeof ctx, "factors%s%s", *prefix ? "." : "", prefix);
    if (!k || !fy_node_is_scalar(k) || nb_yaml_node_is_null(k))
        return ctx_fail(c, at, ctx, "a key must be a parameter name, not %s", node_kind(k));
    const char *name = node_text(k);
    int len = *prefix ? snprintf(path, sizeof path, "%s.%s", prefix, name) : snprintf(path, sizeof path, "%s", name);
    if (len < 0 || (size_t)len >= sizeof path) return ctx_fail(c, at, ctx, "a key is too long");
    snprintf(full, sizeof full, "factors.%s", path);
    int id = nb_registry_find(path);
    if (id >= 0) return read_factor(c, id, full, at, v);
    if (group_first(path) >= 0 && v && fy_node_is_mapping(v)) return read_factor_map(c, path, v, at);
    int s = nb_registry_suggest(path);
    if (s >= 0) return ctx_fail(c, at, full, "unknown parameter '%s'; did you mean '%s'?", path, nb_registry[s].name);
    if (group_first(path) >= 0)
        return ctx_fail(c, at, full, "'%s' is a group of parameters; name one of them (%s)", path,
                        nb_registry[group_first(path)].name);
    return ctx_fail(c, at, full, "unknown parameter '%s' (`neobay params` lists the parameters)", path);
}

static int read_factor_map(sw_ctx *c, const char *prefix, struct fy_node *map, sw_loc at)
{
    void *iter = NULL;
    struct fy_node_pair *pair;
    int rc = NB_OK;
    while (rc == NB_OK && (pair = fy_node_mapping_iterate(map, &iter))) rc = read_factor_pair(c, prefix, pair, at);
    return rc;
}

static int read_factors(sw_ctx *c)
{
    if (!c->key[K_FACTORS])
        return ctx_fail(c, (sw_loc){1, 1}, "factors", "missing: name the parameters to vary "
                        "(factors: {policy.guidance_fund: {min: 0, max: 2亿}})");
    struct fy_node *v = c->val[K_FACTORS];
    sw_loc at = key_at(c, K_FACTORS);
    if (nb_yaml_node_is_null(v) || !fy_node_is_mapping(v) || fy_node_mapping_item_count(v) == 0)
        return ctx_fail(c, nb_yaml_loc_or(nb_yaml_node_loc(v), at), "factors",
                        "expected a mapping of parameter names to ranges, found %s",
                        fy_node_is_mapping(v) ? "an empty mapping" : node_kind(v));
    return read_factor_map(c, "", v, at);
}

/* ==== outputs ========================================================================= */

static int read_out_metrics(sw_ctx *c, struct fy_node *k, struct fy_node *v)
{
    nb_sweep *sw = c->sw;
    sw_loc at = nb_yaml_loc_or(nb_yaml_node_loc(k), (sw_loc){1, 1});
    if (nb_yaml_node_is_null(v) || !fy_node_is_sequence(v) || fy_node_sequence_item_count(v) < 1)
        return ctx_fail(c, nb_yaml_loc_or(nb_yaml_node_loc(v), at), "outputs.metrics",
                        "expected a list of metric names ([firms, unicorns]), found %s",
                        fy_node_is_sequence(v) ? "an empty list" : node_kind(v));
    int n = fy_node_sequence_item_count(v);
    if (n > (int)(sizeof sw->out_metrics / sizeof sw->out_metrics[0]))
        return ctx_fail(c, at, "outputs.metrics", "%d metrics; at most 64", n);
    for (int i = 0; i < n; i++) {
        struct fy_node *item = fy_node_sequence_get_by_index(v, i);
        sw_loc iat = nb_yaml_loc_or(nb_yaml_node_loc(item), at);
        if (nb_yaml_node_is_null(item) || !fy_node_is_scalar(item))
            return ctx_fail(c, iat, "outputs.metrics", "expected a metric name, found %s", node_kind(item));
        int m = nb_metric_find(node_text(item));
        if (m < 0) {
            int s = nb_metric_suggest(node_text(item));
            if (s >= 0)
                return ctx_fail(c, iat, "outputs.metrics", "unknown metric '%.60s'; did you mean '%s'?",
                                node_text(item), nb_metrics[s].name);
            return ctx_fail(c, iat, "outputs.metrics", "unknown metric '%.60s' (the metrics are listed in "
                            "model/metrics.def and in every results file)", node_text(item));
        }
        for (int j = 0; j < i; j++)
            if (sw->out_metrics[j] == m)
                return ctx_fail(c, iat, "outputs.metrics", "metric '%s' is listed twice", nb_metrics[m].name);
        sw->out_metrics[i] = m;
    }
    sw->n_out_metrics = n;
    return NB_OK;
}

/* 1 when December of year y is a time point of the base's run. */
static int year_in_run(const nb_sweep *sw, int y)
{
    int m = NB_MONTH(y, 12), start = nb_paramset_start(&sw->base->ps);
    return m >= start && m < start + nb_paramset_months(&sw->base->ps);
}

static int read_out_years(sw_ctx *c, struct fy_node *k, struct fy_node *v)
{
    nb_sweep *sw = c->sw;
    sw_loc at = nb_yaml_loc_or(nb_yaml_node_loc(k), (sw_loc){1, 1});
    int cap = (int)(sizeof sw->out_years / sizeof sw->out_years[0]);
    if (nb_yaml_node_is_null(v) || !fy_node_is_sequence(v) || fy_node_sequence_item_count(v) < 1)
        return ctx_fail(c, nb_yaml_loc_or(nb_yaml_node_loc(v), at), "outputs.years", "expected a list of years ([2030, 2035]), found %s",
                        fy_node_is_sequence(v) ? "an empty list" : node_kind(v));
    int n = fy_node_sequence_item_count(v);
    if (n > cap) return ctx_fail(c, at, "outputs.years", "%d years; at most %d", n, cap);
    for (int i = 0; i < n; i++) {
        struct fy_node *item = fy_node_sequence_get_by_index(v, i);
        sw_loc iat = nb_yaml_loc_or(nb_yaml_node_loc(item), at);
        double y;
        const char *why;
        if (nb_yaml_node_is_null(item) || !fy_node_is_scalar(item) ||
            nb_value_parse(NB_T_INT, node_text(item), &y, &why) != NB_OK || y < 1 || y > 9999)
            return ctx_fail(c, iat, "outputs.years", "'%.60s' is not a year (2030)",
                            fy_node_is_scalar(item) ? node_text(item) : node_kind(item));
        if (!year_in_run(sw, (int)y)) {
            char a[16], b[16];
            int start = nb_paramset_start(&sw->base->ps);
            nb_month_format(start, a);
            nb_month_format(start + nb_paramset_months(&sw->base->ps) - 1, b);
            return ctx_fail(c, iat, "outputs.years", "December %.0f is not in the run (%s .. %s)", y, a, b);
        }
        for (int j = 0; j < i; j++)
            if (sw->out_years[j] == (int)y)
                return ctx_fail(c, iat, "outputs.years", "year %.0f is listed twice", y);
        sw->out_years[i] = (int)y;
    }
    sw->n_out_years = n;
    return NB_OK;
}

/* `outputs`, or the defaults: firms, unicorns, listed at the Decembers of 2030 and
 * 2035 in the run (else the run's last December, else its last year). */
static int read_outputs(sw_ctx *c)
{
    nb_sweep *sw = c->sw;
    struct fy_node *key[N_OKEYS] = {0}, *val[N_OKEYS] = {0};
    if (c->key[K_OUTPUTS]) {
        struct fy_node *v = c->val[K_OUTPUTS];
        sw_loc at = key_at(c, K_OUTPUTS);
        if (nb_yaml_node_is_null(v) || !fy_node_is_mapping(v))
            return ctx_fail(c, nb_yaml_loc_or(nb_yaml_node_loc(v), at), "outputs",
                            "expected a mapping {metrics: [...], years: [...]}, found %s", node_kind(v));
        void *iter = NULL;
        struct fy_node_pair *pair;
        while ((pair = fy_node_mapping_iterate(v, &iter))) {
            struct fy_node *k = fy_node_pair_key(pair);
            const char *name = node_text(k);
            int i = 0;
            while (i < N_OKEYS && strcmp(name, output_keys[i]) != 0) i++;
            if (i == N_OKEYS) {
                char full[128];
                snprintf(full, sizeof full, "outputs.%.60s", name);
                int s = suggest_word(name, output_keys, N_OKEYS);
                if (s >= 0) return ctx_fail(c, nb_yaml_loc_or(nb_yaml_node_loc(k), at), full, "unknown key; did you mean '%s'?", output_keys[s]);
                return ctx_fail(c, nb_yaml_loc_or(nb_yaml_node_loc(k), at), full, "unknown key; outputs has the keys metrics and years");
            }
            key[i] = k;
            val[i] = fy_node_pair_value(pair);
        }
    }
    int rc = NB_OK;
    if (key[O_METRICS]) {
        rc = read_out_metrics(c, key[O_METRICS], val[O_METRICS]);
    } else {
        sw->n_out_metrics = 0;
        for (size_t i = 0; i < sizeof default_metrics / sizeof *default_metrics; i++) {
            int m = nb_metric_find(default_metrics[i]);
            if (m >= 0) sw->out_metrics[sw->n_out_metrics++] = m;
        }
    }
    if (rc) return rc;
    if (key[O_YEARS]) return read_out_years(c, key[O_YEARS], val[O_YEARS]);
    sw->n_out_years = 0;
    for (size_t i = 0; i < sizeof default_years / sizeof *default_years; i++)
        if (year_in_run(sw, default_years[i])) sw->out_years[sw->n_out_years++] = default_years[i];
    int last = nb_paramset_start(&sw->base->ps) + nb_paramset_months(&sw->base->ps) - 1;
    int y = year_in_run(sw, last / 12) ? last / 12 : last / 12 - 1;
    if (sw->n_out_years == 0 && year_in_run(sw, y)) sw->out_years[sw->n_out_years++] = y;
    return NB_OK;
}

/* ==== design ========================================================================== */

/* Value of factor f at unit coordinate u: lo + u (hi - lo), or that in logs; within
 * [lo, hi]; whole numbers for integer, boolean and month parameters (not scales). */
static double unit_to_value(const nb_factor *f, double u)
{
    double x = f->log ? exp(log(f->lo) + u * (log(f->hi) - log(f->lo))) : f->lo + u * (f->hi - f->lo);
    if (x < f->lo) x = f->lo;
    if (x > f->hi) x = f->hi;
    nb_ptype t = nb_registry[f->param].type;
    if (!f->scale && (t == NB_T_INT || t == NB_T_BOOL || t == NB_T_MONTH)) {
        x = floor(x + 0.5);
        if (x > f->hi) x = floor(f->hi);
        if (x < f->lo) x = ceil(f->lo);
    }
    return x;
}

/* Levels of factor j in a grid. */
static int grid_levels(const nb_sweep *sw, int j)
{
    return sw->f[j].n_levels ? sw->f[j].n_levels : sw->points;
}

/* Design sizes: sw->n_points, or an error (limits of each design). */
static int design_size(sw_ctx *c)
{
    nb_sweep *sw = c->sw;
    int k = sw->n_factors;
    int64_t n = 0;
    sw_loc fat = key_at(c, K_FACTORS), pat = key_at(c, K_POINTS);
    switch (sw->design) {
    case NB_DESIGN_GRID:
        n = 1;
        for (int j = 0; j < k; j++) {
            if (!sw->f[j].n_levels && sw->points < 2) {
                char key[SW_KEY_MAX];
                snprintf(key, sizeof key, "factors.%s", nb_registry[sw->f[j].param].name);
                return ctx_fail(c, c->f_at[j], key, "a grid factor given by a range takes `points` evenly "
                                "spaced levels: give points: 2 or more at the top, or levels: [...]");
            }
            n *= grid_levels(sw, j);
            if (n > SW_POINTS_MAX)
                return ctx_fail(c, fat, "factors", "the grid has more than %d points", SW_POINTS_MAX);
        }
        break;
    case NB_DESIGN_LHS:
        n = sw->points;
        break;
    case NB_DESIGN_SOBOL:
        if (k > SW_SOBOL_MAX)
            return ctx_fail(c, fat, "factors", "%d factors; the sobol design takes at most %d", k, SW_SOBOL_MAX);
        n = sw->points;
        break;
    case NB_DESIGN_SALTELLI:
        if (k > SW_SALTELLI_MAX)
            return ctx_fail(c, fat, "factors", "%d factors; the saltelli design takes at most %d "
                            "(it draws a Sobol sequence of 2k dimensions, at most %d)", k, SW_SALTELLI_MAX, SW_SOBOL_MAX);
        if (sw->points < 2)
            return ctx_fail(c, pat, "points", "the saltelli design needs at least 2 base rows");
        n = (int64_t)sw->points * (k + 2);
        break;
    case NB_DESIGN_MORRIS:
        n = (int64_t)sw->points * (k + 1);
        break;
    }
    if (n > SW_POINTS_MAX)
        return ctx_fail(c, pat, "points", "%lld design points; at most %d",
                        (long long)n, SW_POINTS_MAX);
    sw->n_points = (int)n;
    return NB_OK;
}

static void design_grid(nb_sweep *sw)
{
    int k = sw->n_factors;
    for (int r = 0; r < sw->n_points; r++) {
        int rest = r;
        for (int j = k - 1; j >= 0; j--) {           /* the last factor varies fastest */
            int nl = grid_levels(sw, j), i = rest % nl;
            rest /= nl;
            double u = nl > 1 ? (double)i / (nl - 1) : 0.5;
            sw->unit[(size_t)r * k + j] = u;
            sw->value[(size_t)r * k + j] = sw->f[j].n_levels ? sw->f[j].levels[i] : unit_to_value(&sw->f[j], u);
        }
    }
}

/* Latin hypercube: column j is (perm_j(r) + U) / n, perm_j a random permutation. */
static int design_lhs(nb_sweep *sw, gsl_rng *rng)
{
    int n = sw->n_points, k = sw->n_factors;
    int *perm = malloc((size_t)n * sizeof *perm);
    if (!perm) return NB_ENOMEM;
    for (int j = 0; j < k; j++) {
        for (int i = 0; i < n; i++) perm[i] = i;
        gsl_ran_shuffle(rng, perm, (size_t)n, sizeof *perm);
        for (int r = 0; r < n; r++) {
            double u = (perm[r] + gsl_rng_uniform(rng)) / n;
            sw->unit[(size_t)r * k + j] = u < 1 ? u : 1;
        }
    }
    free(perm);
    return NB_OK;
}

/* Sobol points; saltelli: A, B and AB_i blocks from a 2k-dimensional sequence. */
static int design_sobol(nb_sweep *sw)
{
    int k = sw->n_factors, n = sw->points, two = sw->design == NB_DESIGN_SALTELLI;
    gsl_qrng *q = gsl_qrng_alloc(gsl_qrng_sobol, (unsigned)(two ? 2 * k : k));
    double x[2 * SW_SOBOL_MAX];
    if (!q) return NB_ENOMEM;
    for (int r = 0; r < n; r++) {
        gsl_qrng_get(q, x);
        if (!two) {
            memcpy(sw->unit + (size_t)r * k, x, (size_t)k * sizeof *x);
            continue;
        }
        memcpy(sw->unit + (size_t)r * k, x, (size_t)k * sizeof *x);                 /* A */
        memcpy(sw->unit + ((size_t)n + r) * k, x + k, (size_t)k * sizeof *x);       /* B */
        for (int i = 0; i < k; i++) {                                               /* AB_i */
            double *row = sw->unit + ((size_t)(2 + i) * n + r) * k;
            memcpy(row, x, (size_t)k * sizeof *x);
            row[i] = x[k + i];
        }
    }
    gsl_qrng_free(q);
    return NB_OK;
}

/* Morris trajectories: a random base on the grid {0, 1/(p-1), ..., 1}, random
 * directions and a random order of the factors; each step moves one factor by
 * +-delta, delta = p / (2 (p - 1)). */
static int design_morris(nb_sweep *sw, gsl_rng *rng)
{
    int k = sw->n_factors, p = sw->levels;
    double delta = p / (2.0 * (p - 1));
    int *order = malloc((size_t)k * sizeof *order);
    sw->morris_factor = malloc((size_t)sw->points * k * sizeof *sw->morris_factor);
    if (!order || !sw->morris_factor) {
        free(order);
        return NB_ENOMEM;
    }
    for (int t = 0; t < sw->points; t++) {
        double *x = sw->unit + (size_t)t * (k + 1) * k;
        for (int j = 0; j < k; j++)
            x[j] = (double)gsl_rng_uniform_int(rng, (unsigned long)(p / 2)) / (p - 1);
        for (int j = 0; j < k; j++)
            if (gsl_rng_uniform_int(rng, 2)) x[j] += delta;             /* it moves down */
        for (int j = 0; j < k; j++) order[j] = j;
        gsl_ran_shuffle(rng, order, (size_t)k, sizeof *order);
        for (int s = 0; s < k; s++) {
            double *prev = x + (size_t)s * k, *next = prev + k;
            int j = order[s];
            memcpy(next, prev, (size_t)k * sizeof *next);
            /* A start at or above delta moves down: prev[j] in {delta .. 1}. */
            next[j] = prev[j] >= delta - 1e-12 ? prev[j] - delta : prev[j] + delta;
            if (next[j] < 0) next[j] = 0;
            if (next[j] > 1) next[j] = 1;
            sw->morris_factor[(size_t)t * k + s] = j;
        }
    }
    free(order);
    return NB_OK;
}

static int design_build(nb_sweep *sw, nb_err *e)
{
    size_t n = (size_t)sw->n_points * sw->n_factors;
    sw->unit = calloc(n, sizeof *sw->unit);
    sw->value = calloc(n, sizeof *sw->value);
    if (!sw->unit || !sw->value) return nb_err_code(e, NB_ENOMEM, "out of memory (design of %d points)", sw->n_points);
    gsl_rng *rng = NULL;
    if (sw->design == NB_DESIGN_LHS || sw->design == NB_DESIGN_MORRIS) {
        rng = gsl_rng_alloc(nb_rng_philox);
        if (!rng) return nb_err_code(e, NB_ENOMEM, "out of memory");
        gsl_rng_set(rng, sw->seed);
    }
    int rc = NB_OK;
    switch (sw->design) {
    case NB_DESIGN_GRID: design_grid(sw); break;
    case NB_DESIGN_LHS: rc = design_lhs(sw, rng); break;
    case NB_DESIGN_SOBOL:
    case NB_DESIGN_SALTELLI: rc = design_sobol(sw); break;
    case NB_DESIGN_MORRIS: rc = design_morris(sw, rng); break;
    }
    gsl_rng_free(rng);
    if (rc) return nb_err_code(e, NB_ENOMEM, "out of memory (design of %d points)", sw->n_points);
    if (sw->design != NB_DESIGN_GRID)
        for (size_t i = 0; i < n; i++) sw->value[i] = unit_to_value(&sw->f[i % sw->n_factors], sw->unit[i]);
    return NB_OK;
}

/* ==== points ========================================================================== */

/* Apply factor f's value x to ps: a constant replaced, or (scale) the constant or
 * every schedule entry multiplied, rounded for whole-number parameters. */
static void apply_factor(const nb_factor *f, double x, nb_paramset *ps)
{
    nb_sched *s = &ps->p[f->param];
    if (!f->scale) {
        memset(s, 0, sizeof *s);
        nb_paramset_set_const(ps, f->param, x);
        return;
    }
    nb_ptype t = nb_registry[f->param].type;
    for (int i = 0; i < (s->n ? s->n : 1); i++) {
        s->value[i] *= x;
        if (t == NB_T_INT) s->value[i] = floor(s->value[i] + 0.5);
    }
}

/* Apply every factor of point `point` to ps and set the sweep's replicates. */
static void apply_point(const nb_sweep *sw, int point, nb_paramset *ps)
{
    for (int j = 0; j < sw->n_factors; j++)
        apply_factor(&sw->f[j], sw->value[(size_t)point * sw->n_factors + j], ps);
    nb_paramset_set_const(ps, NB_P_run_replicates, (double)sw->replicates);
}

/* Check the registry range of every value factor j gave point `point` in ps. */
static int check_factor(const nb_sweep *sw, int point, int j, const nb_paramset *ps, nb_err *e)
{
    const nb_factor *f = &sw->f[j];
    const nb_param_info *p = &nb_registry[f->param];
    const nb_sched *s = &ps->p[f->param];
    const char *why;
    for (int i = 0; i < (s->n ? s->n : 1); i++) {
        if (nb_registry_check(f->param, s->value[i], &why) == NB_OK) continue;
        char v[64], b[64] = "", x[64] = "", m[16] = "";
        nb_format_value(p->type, s->value[i], v, sizeof v);
        if (s->value[i] < p->min) nb_format_value(p->type, p->min, b, sizeof b);
        else if (s->value[i] > p->max) nb_format_value(p->type, p->max, b, sizeof b);
        if (f->scale) snprintf(x, sizeof x, " (the base times %.6g)", sw->value[(size_t)point * sw->n_factors + j]);
        if (s->n) nb_month_format(s->month[i], m);
        return nb_err_set(e, "%s:%d:%d: key 'factors.%s': design point %d: %s%s%s = %s%s %s%s%s",
                          f->origin.file, f->origin.line, f->origin.col, p->name, point, p->name,
                          s->n ? " at " : "", m, v, x, why, *b ? " " : "", b);
    }
    return NB_OK;
}

/* Validate point `point`: every factor's values against the registry, then the
 * scenario's cross-checks on scratch (a copy of the base whose factor parameters
 * are restored from the base first; origins of factors point at the sweep file). */
static int check_point(const nb_sweep *sw, int point, nb_scenario *scratch, nb_err *e)
{
    for (int j = 0; j < sw->n_factors; j++) scratch->ps.p[sw->f[j].param] = sw->base->ps.p[sw->f[j].param];
    apply_point(sw, point, &scratch->ps);
    for (int j = 0; j < sw->n_factors; j++) {
        int rc = check_factor(sw, point, j, &scratch->ps, e);
        if (rc) return rc;
    }
    if (nb_scenario_validate(scratch, e) == NB_OK) return NB_OK;
    size_t len = strlen(e->msg);
    snprintf(e->msg + len, sizeof e->msg - len, " (design point %d)", point);
    return NB_EINVAL;
}

/* A shallow copy of the base scenario with its own parameter set, where the
 * origins of the factors are the sweep file: free with free(). */
static nb_scenario *scratch_new(const nb_sweep *sw)
{
    nb_scenario *s = malloc(sizeof *s);
    if (!s) return NULL;
    *s = *sw->base;
    for (int j = 0; j < sw->n_factors; j++) s->origin[sw->f[j].param] = sw->f[j].origin;
    return s;
}

int nb_sweep_paramset(const nb_sweep *sw, int point, nb_paramset *ps, nb_err *e)
{
    assert(sw && ps);
    if (point < 0 || point >= sw->n_points)
        return nb_err_set(e, "%s: design point %d does not exist (the sweep has points 0 to %d)", sw->path,
                          point, sw->n_points - 1);
    nb_scenario *scratch = scratch_new(sw);
    if (!scratch) return nb_err_code(e, NB_ENOMEM, "out of memory");
    int rc = check_point(sw, point, scratch, e);
    if (rc == NB_OK) *ps = scratch->ps;
    free(scratch);
    return rc;
}

static int check_points(const nb_sweep *sw, nb_err *e)
{
    nb_scenario *scratch = scratch_new(sw);
    if (!scratch) return nb_err_code(e, NB_ENOMEM, "out of memory");
    int rc = NB_OK;
    for (int p = 0; p < sw->n_points && rc == NB_OK; p++) rc = check_point(sw, p, scratch, e);
    free(scratch);
    return rc;
}

/* ==== text: the resolved sweep, a point as a scenario, the hash ======================= */

/* "{min: 0, max: 200000000}" and its human comment for factor f. */
static void yaml_factor(nb_buf *b, const nb_factor *f)
{
    const nb_param_info *p = &nb_registry[f->param];
    char a[64], z[64], ha[64], hz[64], note[96];
    nb_buf h = {0};
    if (f->n_levels) {
        nb_buf_printf(b, "{levels: [");
        nb_buf_printf(&h, "levels ");
        for (int i = 0; i < f->n_levels; i++) {
            fmt_exact(f->levels[i], a, sizeof a);
            nb_format_value(p->type, f->levels[i], ha, sizeof ha);
            nb_buf_printf(b, "%s%s", i ? ", " : "", p->type == NB_T_BOOL ? ha : a);
            nb_buf_printf(&h, "%s%s", i ? ", " : "", ha);
        }
        nb_buf_printf(b, "]}");
    } else if (f->scale) {
        fmt_exact(f->lo, a, sizeof a);
        fmt_exact(f->hi, z, sizeof z);
        nb_buf_printf(b, "{scale: [%s, %s]%s}", a, z, f->log ? ", log: true" : "");
        nb_buf_printf(&h, "%sx %s .. %s the base value%s", f->log ? "log-uniform " : "", a, z,
                   p->flags & NB_F_SCHED ? " or every entry of its schedule" : "");
    } else {
        fmt_exact(f->lo, a, sizeof a);
        fmt_exact(f->hi, z, sizeof z);
        nb_format_value(p->type, f->lo, ha, sizeof ha);
        nb_format_value(p->type, f->hi, hz, sizeof hz);
        nb_buf_printf(b, "{min: %s, max: %s%s}", a, z, f->log ? ", log: true" : "");
        nb_buf_printf(&h, "%s%s .. %s", f->log ? "log-uniform " : "", ha, hz);
    }
    if (h.oom) b->oom = true;
    else nb_buf_printf(b, "   # %s (%s)", h.s ? h.s : "", type_note(f->param, note, sizeof note));
    free(h.s);
}

/* The resolved sweep as YAML text (loadable again next to the original file). */
static char *sweep_yaml(const nb_sweep *sw, const sw_ctx *c)
{
    nb_buf b = {0};
    int64_t runs = (int64_t)sw->n_points * sw->replicates;
    nb_buf_printf(&b, "# neobay %s sweep, resolved from %s: %d design points x %d replicates = %lld model runs.\n",
               NB_VERSION, sw->path, sw->n_points, sw->replicates, (long long)runs);
    nb_buf_printf(&b, "# Unit coordinates u in [0,1] map to lo + u (hi - lo) (log: the same in logs); a scale\n"
                   "# multiplies the base value or every entry of its dated schedule.\n");
    const char *tk[3] = {"title", "title_zh", "description"};
    for (int i = 0; i < 3; i++)
        if (c->title[i]) {
            nb_buf_printf(&b, "%s: ", tk[i]);
            nb_buf_quoted(&b, c->title[i]);
            nb_buf_printf(&b, "\n");
        }
    nb_buf_printf(&b, "base: ");
    nb_buf_quoted(&b, c->base_written);
    nb_buf_printf(&b, "\ndesign: %s\n", design_names[sw->design]);
    if (sw->points) nb_buf_printf(&b, "points: %d\n", sw->points);
    nb_buf_printf(&b, "# n_points: %d (design points after expansion)\n", sw->n_points);
    nb_buf_printf(&b, "replicates: %d\nseed: %lu\n", sw->replicates, (unsigned long)sw->seed);
    if (sw->design == NB_DESIGN_MORRIS) nb_buf_printf(&b, "levels: %d\n", sw->levels);
    nb_buf_printf(&b, "full_series: %s\noutputs:\n  metrics: [", sw->full_series ? "true" : "false");
    for (int i = 0; i < sw->n_out_metrics; i++) nb_buf_printf(&b, "%s%s", i ? ", " : "", nb_metrics[sw->out_metrics[i]].name);
    nb_buf_printf(&b, "]\n  years: [");
    for (int i = 0; i < sw->n_out_years; i++) nb_buf_printf(&b, "%s%d", i ? ", " : "", sw->out_years[i]);
    nb_buf_printf(&b, "]\nfactors:\n");
    for (int j = 0; j < sw->n_factors; j++) {
        nb_buf_printf(&b, "  %s: ", nb_registry[sw->f[j].param].name);
        yaml_factor(&b, &sw->f[j]);
        nb_buf_printf(&b, "\n");
    }
    if (b.oom) {
        free(b.s);
        return NULL;
    }
    return b.s;
}

/* The identity of the sweep's results: see sweep.h. */
static uint64_t sweep_hash(const nb_sweep *sw, const char *base_yaml)
{
    uint64_t h = fnv_str(FNV_OFFSET, "neobay sweep " NB_VERSION " commit " NB_GIT_COMMIT);
    h = fnv_str(h, base_yaml);
    int64_t ints[9] = {sw->design, sw->points, sw->levels, sw->n_points, sw->replicates,
                       sw->seed, sw->full_series, sw->n_factors, NB_NMETRICS};
    for (int i = 0; i < 9; i++) h = fnv_u64(h, (uint64_t)ints[i]);
    for (int m = 0; m < NB_NMETRICS; m++) h = fnv_str(h, nb_metrics[m].name);
    for (int i = 0; i < sw->n_out_metrics; i++) h = fnv_u64(h, (uint64_t)sw->out_metrics[i]);
    h = fnv_u64(h, UINT64_MAX);
    for (int i = 0; i < sw->n_out_years; i++) h = fnv_u64(h, (uint64_t)sw->out_years[i]);
    for (int j = 0; j < sw->n_factors; j++) {
        const nb_factor *f = &sw->f[j];
        h = fnv_str(h, nb_registry[f->param].name);
        int64_t fi[3] = {f->scale, f->log, f->n_levels};
        for (int i = 0; i < 3; i++) h = fnv_u64(h, (uint64_t)fi[i]);
        h = fnv_dbl(fnv_dbl(h, f->lo), f->hi);
        for (int i = 0; i < f->n_levels; i++) h = fnv_dbl(h, f->levels[i]);
    }
    size_t n = (size_t)sw->n_points * sw->n_factors;
    for (size_t i = 0; i < n; i++) h = fnv_dbl(fnv_dbl(h, sw->unit[i]), sw->value[i]);
    if (sw->morris_factor)
        for (size_t i = 0; i < (size_t)sw->points * sw->n_factors; i++) h = fnv_u64(h, (uint64_t)sw->morris_factor[i]);
    return h;
}

/* The name of the sweep: the file's base name without .yaml. */
static void sweep_name(const char *path, char *buf, size_t n)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t len = strlen(base);
    if (len > 5 && strcmp(base + len - 5, ".yaml") == 0) len -= 5;
    else if (len > 4 && strcmp(base + len - 4, ".yml") == 0) len -= 4;
    snprintf(buf, n, "%.*s", (int)len, base);
}

char *nb_sweep_point_yaml(const nb_sweep *sw, int point, nb_err *e)
{
    nb_paramset *ps = malloc(sizeof *ps);
    nb_scenario *sc = scratch_new(sw);
    char name[300], sname[256], *yaml = NULL;
    nb_buf b = {0};
    int rc = ps && sc ? nb_sweep_paramset(sw, point, ps, e) : nb_err_code(e, NB_ENOMEM, "out of memory");
    if (rc == NB_OK) {
        sweep_name(sw->path, sname, sizeof sname);
        snprintf(name, sizeof name, "%s-point-%d", sname, point);
        sc->ps = *ps;
        sc->name = name;
        sc->origin[NB_P_run_replicates] = (nb_origin){sw->path, 0, 0};
        yaml = nb_scenario_to_yaml(sc);
    }
    if (yaml) {
        nb_buf_printf(&b, "# Design point %d of %d of the sweep %s (design %s, seed %lu):\n", point, sw->n_points,
                   sw->path, design_names[sw->design], (unsigned long)sw->seed);
        for (int j = 0; j < sw->n_factors; j++) {
            const nb_factor *f = &sw->f[j];
            char v[64];
            double x = sw->value[(size_t)point * sw->n_factors + j];
            if (f->scale) snprintf(v, sizeof v, "x %.17g", x);
            else nb_format_value(nb_registry[f->param].type, x, v, sizeof v);
            nb_buf_printf(&b, "#   %s = %s   (unit coordinate %.17g)\n", nb_registry[f->param].name, v,
                       sw->unit[(size_t)point * sw->n_factors + j]);
        }
        nb_buf_printf(&b, "# `neobay run` on this file gives the statistics of row %d of the sweep's results.\n%s",
                   point, yaml);
    }
    if (rc == NB_OK && (!yaml || b.oom)) rc = nb_err_code(e, NB_ENOMEM, "out of memory");
    free(yaml);
    free(ps);
    free(sc);
    if (rc != NB_OK) {
        free(b.s);
        return NULL;
    }
    return b.s;
}

/* ==== load and free =================================================================== */

/* Read all of `path` (at most SW_FILE_MAX bytes) into *text (NUL-terminated). */
static int read_text(const char *path, char **text, size_t *len, nb_err *e)
{
    int err = nb_infile_read(path, (size_t)SW_FILE_MAX, text, len, NULL, NULL);
    if (err == ENOMEM) return nb_err_code(e, NB_ENOMEM, "out of memory");
    if (err) return nb_err_code(e, NB_EIO, "%s: cannot read the sweep: %s", path, nb_infile_strerror(err));
    return NB_OK;
}

/* Everything after the file is parsed: keys, design, checks, text and hash. */
static int load_doc(sw_ctx *c, struct fy_node *root)
{
    nb_sweep *sw = c->sw;
    if (nb_yaml_node_is_null(root)) return ctx_fail(c, (sw_loc){1, 1}, NULL, "the sweep is empty");
    if (!fy_node_is_mapping(root))
        return ctx_fail(c, nb_yaml_loc_or(nb_yaml_node_loc(root), (sw_loc){1, 1}), NULL,
                        "a sweep is a mapping of keys (base, design, points, factors, ...), not %s", node_kind(root));
    int rc = read_top(c, root);
    if (!rc) rc = read_base(c);
    if (!rc) rc = read_design(c);
    if (!rc) rc = read_sizes(c);
    if (!rc) rc = read_factors(c);
    if (!rc) rc = read_outputs(c);
    if (!rc) rc = design_size(c);
    if (!rc) rc = design_build(sw, c->e);
    if (!rc) rc = check_points(sw, c->e);
    if (rc) return rc;
    char *base_yaml = nb_scenario_to_yaml(sw->base);
    sw->yaml = sweep_yaml(sw, c);
    if (!base_yaml || !sw->yaml) rc = nb_err_code(c->e, NB_ENOMEM, "out of memory");
    else sw->hash = sweep_hash(sw, base_yaml);
    free(base_yaml);
    return rc;
}

int nb_sweep_load(const char *path, nb_sweep **out, nb_err *e)
{
    assert(path && out);
    *out = NULL;
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    nb_sweep *sw = calloc(1, sizeof *sw);
    sw_ctx *c = calloc(1, sizeof *c);
    char *text = NULL;
    size_t len = 0;
    int rc = sw && c && (sw->path = dup_str(path)) ? NB_OK : nb_err_code(e, NB_ENOMEM, "out of memory");
    if (!rc) rc = read_text(path, &text, &len, e);
    if (!rc) {
        *c = (sw_ctx){.sw = sw, .e = e, .file = sw->path};
        sw_yaml y;
        sw_loc at = {1, 1};
        char why[700];
        rc = yaml_open(&y, text, len, &at, why, sizeof why);
        if (rc == NB_EINVAL) ctx_fail(c, at, NULL, "%s", why);
        else if (rc == NB_ENOMEM) nb_err_code(e, NB_ENOMEM, "out of memory");
        else rc = load_doc(c, y.doc ? fy_document_root(y.doc) : NULL);
        yaml_close(&y);
    }
    if (c)
        for (int i = 0; i < 3; i++) free(c->title[i]);
    free(c);
    free(text);
    gsl_set_error_handler(old);
    if (rc != NB_OK) {
        nb_sweep_free(sw);
        return rc;
    }
    *out = sw;
    return NB_OK;
}

void nb_sweep_free(nb_sweep *sw)
{
    if (!sw) return;
    nb_scenario_free(sw->base);
    free(sw->path);
    free(sw->unit);
    free(sw->value);
    free(sw->morris_factor);
    free(sw->yaml);
    free(sw);
}
