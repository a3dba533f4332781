/* scenario.c -- scenario files (YAML, read with libfyaml) to a parameter set.
 *
 * Layers, bottom up:
 *   values   nb_value_parse: scalar text to a double, for each nb_ptype;
 *   yaml     one YAML document parsed from memory, libfyaml's diagnostics captured;
 *   apply    a parsed mapping applied to a scenario: keys, groups, schedules, meta;
 *   rules    the top-level `rules` list (adaptive policy, measure 20), read whole;
 *   files    reading files and following `extends`;
 *   public   load, --set, validate, to_yaml, free.
 * No output and one global (nb_scenario_allow_outside, set once from the command
 * line before anything is loaded): every failure becomes one message in an nb_err, of the
 * form "FILE:LINE:COL: key 'group.key': what is wrong" ("--set: key ..." for
 * command-line overrides).
 *
 * The meta keys `name`, `title`, `title_zh` and `description` are taken from the top
 * file only (and --set): a scenario that extends another does not inherit its title.
 */
#define _XOPEN_SOURCE 700       /* realpath */
#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <libfyaml.h>
#include "yamlnode.h"
#include "infile.h"
#include "strbuf.h"
#include "../model/textdist.h"
#include "../model/metrics.h"
#include "../model/neobay.h"
#include "scenario.h"

#define NB_EXTENDS_MAX 16            /* files in one extends chain, the top included */
#define NB_FILE_MAX (16L << 20)      /* no scenario file is larger */
#define NB_KEY_MAX 256               /* longest dotted key path */
#define NB_RUN_MONTHS_MAX 1200       /* longest run: 100 years */
#define NB_CLI "--set"               /* origin file of command-line overrides */

/* ==== small helpers ================================================================= */

/* `text` for a one-line message (infile.h). */
static const char *show(const char *text, char *buf, size_t n) { return nb_text_show(text, buf, n); }

/* A value as a scenario file writes it: months YYYY-MM, booleans, exact numbers. */
static void fmt_plain(nb_ptype t, double v, char *buf, size_t n)
{
    if (t == NB_T_MONTH && v == floor(v) && fabs(v) < INT_MAX) {
        char m[16];
        nb_month_format((int)v, m);
        snprintf(buf, n, "%s", m);
    } else if (t == NB_T_BOOL && (v == 0 || v == 1)) {
        snprintf(buf, n, "%s", v != 0 ? "true" : "false");
    } else {
        nb_num_exact(v, buf, n);
    }
}

static int parse_money(const char *s, double *v, const char **why);

/* Money v as "2亿", "1.5亿" or "5000万" when that reads back as exactly v (fewest
 * decimals); false when no such text exists, or v is under 1万. */
static bool fmt_money_unit(double v, char *buf, size_t n)
{
    double unit = fabs(v) >= 1e8 ? 1e8 : fabs(v) >= 1e4 ? 1e4 : 0, back;
    const char *why;
    if (unit == 0 || !isfinite(v)) return false;
    for (int d = 0; d <= 8; d++) {
        snprintf(buf, n, "%.*f%s", d, v / unit, unit == 1e8 ? "亿" : "万");
        if (parse_money(buf, &back, &why) == NB_OK && back == v) return true;
    }
    return false;
}

/* A value for a message or comment: as fmt_plain, money as "2亿" when that is exact. */
static void fmt_human(nb_ptype t, double v, char *buf, size_t n)
{
    if (t == NB_T_MONEY && fmt_money_unit(v, buf, n)) return;
    fmt_plain(t, v, buf, n);
}

const char *nb_scenario_type_note(int id, char *buf, size_t n)
{
    assert(id >= 0 && id < NB_NPARAMS);
    const nb_param_info *p = &nb_registry[id];
    if (strcmp(p->unit, "-") == 0 || p->type == NB_T_MONTH || p->type == NB_T_BOOL)
        snprintf(buf, n, "%s", nb_ptype_name(p->type));
    else
        snprintf(buf, n, "%s, %s", nb_ptype_name(p->type), p->unit);
    return buf;
}

/* Index of the word of words[0..n) closest to `key`, for a did-you-mean hint: within
 * a third of the key's length (as nb_registry_suggest), or one the key (3 characters
 * or more) begins; -1 when none is close. */
static int suggest_word(const char *key, const char *const *words, int n)
{
    int best = nb_suggest_word(key, words, n), len = (int)strlen(key);
    if (best >= 0) return best;
    for (int i = 0; i < n && len >= 3; i++)
        if (strncmp(words[i], key, (size_t)len) == 0) return i;
    return -1;
}

/* "a, b and c": words[0..n) joined with `last` ("and", "or") before the last, into buf. */
static const char *word_list(const char *const *words, int n, const char *last, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; i < n && len < size; i++) {
        bool end = i > 0 && i + 1 == n;
        len += (size_t)snprintf(buf + len, size - len, "%s%s%s%s", i == 0 || end ? "" : ", ",
                                end ? " " : "", end ? last : "", end ? " " : "");
        if (len < size) len += (size_t)snprintf(buf + len, size - len, "%s", words[i]);
    }
    return buf;
}

/* ==== values ======================================================================== */

/* Copy text into buf (n bytes) without leading and trailing blanks; false when the
 * result does not fit. */
static bool trim_copy(const char *text, char *buf, size_t n)
{
    while (*text == ' ' || *text == '\t' || *text == '\r' || *text == '\n') text++;
    size_t len = strlen(text);
    while (len > 0 && strchr(" \t\r\n", text[len - 1])) len--;
    if (len >= n) return false;
    memmove(buf, text, len);                         /* buf may be text itself */
    buf[len] = '\0';
    return true;
}

/* True for the spellings of infinity and not-a-number (YAML's .inf, C's inf). */
static bool is_nonfinite_word(const char *s)
{
    if (*s == '+' || *s == '-') s++;
    if (*s == '.') s++;
    return strcasecmp(s, "inf") == 0 || strcasecmp(s, "infinity") == 0 ||
           strcasecmp(s, "nan") == 0;
}

/* A plain decimal number ("12", "-0.5", "1.5e8"): no hex, no inf/nan. */
static int parse_number(const char *s, double *v, const char **why)
{
    if (!*s) return *why = "is empty", NB_EINVAL;
    if (is_nonfinite_word(s)) return *why = "is not a finite number", NB_EINVAL;
    if (strspn(s, "0123456789.eE+-") != strlen(s)) return *why = "is not a number", NB_EINVAL;
    char *end;
    double x = strtod(s, &end);
    if (end == s || *end) return *why = "is not a number", NB_EINVAL;
    if (!isfinite(x)) return *why = "is not a finite number", NB_EINVAL;
    *v = x;
    return NB_OK;
}

/* Power of ten of a money unit ("" 0, 万 4, 亿 8, 万亿 12), or -1. */
static int money_unit(const char *u)
{
    while (*u == ' ') u++;
    if (!*u) return 0;
    if (strcmp(u, "万") == 0) return 4;
    if (strcmp(u, "亿") == 0) return 8;
    if (strcmp(u, "万亿") == 0) return 12;
    return -1;
}

/* Money: a number, optionally followed by 万 or 亿 ("2亿", "5000 万", "1.5e8").  The
 * unit becomes a decimal exponent, so "1.1亿" is exactly 110000000. */
static int parse_money(const char *s, double *v, const char **why)
{
    if (is_nonfinite_word(s)) return *why = "is not a finite number", NB_EINVAL;
    size_t k = strspn(s, "0123456789.eE+-");
    int exp = money_unit(s + k);
    if (k == 0) return *why = "is not a number", NB_EINVAL;
    if (exp < 0) return *why = "has an unknown unit (money takes 万 = 1e4 or 亿 = 1e8)", NB_EINVAL;
    char num[96];
    if (k + 8 > sizeof num) return *why = "is not a number", NB_EINVAL;
    memcpy(num, s, k);
    num[k] = '\0';
    double scale = 1;
    if (exp > 0 && !strpbrk(num, "eE")) snprintf(num + k, sizeof num - k, "e%d", exp);
    else if (exp > 0) scale = exp == 4 ? 1e4 : exp == 8 ? 1e8 : 1e12;
    double x;
    if (parse_number(num, &x, why) != NB_OK) return NB_EINVAL;
    x *= scale;
    if (!isfinite(x)) return *why = "is not a finite number", NB_EINVAL;
    *v = x;
    return NB_OK;
}

/* true/false, yes/no, on/off in any case. */
static int parse_bool(const char *s, double *v, const char **why)
{
    static const char *const yes[] = {"true", "yes", "on"}, *const no[] = {"false", "no", "off"};
    for (int i = 0; i < 3; i++) {
        if (strcasecmp(s, yes[i]) == 0) return *v = 1, NB_OK;
        if (strcasecmp(s, no[i]) == 0) return *v = 0, NB_OK;
    }
    *why = "is not true or false (yes/no and on/off also work)";
    return NB_EINVAL;
}

/* Days in month m (1..12) of year y, Gregorian. */
static int month_days(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    assert(m >= 1 && m <= 12);
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return days[m - 1] + (m == 2 && leap);
}

/* True when s[0..n) are all decimal digits. */
static bool digits(const char *s, int n)
{
    for (int i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9') return false;
    return true;
}

/* YYYY-MM or YYYY-MM-DD (a real date) to a month index. */
static int parse_month(const char *s, double *v, const char **why)
{
    size_t len = strlen(s);
    bool shape = (len == 7 || len == 10) && digits(s, 4) && s[4] == '-' && digits(s + 5, 2) &&
                 (len == 7 || (s[7] == '-' && digits(s + 8, 2)));
    if (!shape) return *why = "is not a month (write YYYY-MM or YYYY-MM-DD)", NB_EINVAL;
    int y = atoi(s), m = atoi(s + 5), d = len == 10 ? atoi(s + 8) : 1;
    if (m < 1 || m > 12) return *why = "has a month outside 01-12", NB_EINVAL;
    if (d < 1 || d > month_days(y, m)) return *why = "has a day that its month does not have", NB_EINVAL;
    *v = NB_MONTH(y, m);
    return NB_OK;
}

int nb_value_parse(nb_ptype t, const char *text, double *v, const char **why)
{
    assert(text && v && why);
    char s[128];
    if (!trim_copy(text, s, sizeof s)) return *why = "is too long", NB_EINVAL;
    if (!*s) return *why = "is empty", NB_EINVAL;
    switch (t) {
    case NB_T_BOOL: return parse_bool(s, v, why);
    case NB_T_MONTH: return parse_month(s, v, why);
    case NB_T_MONEY: return parse_money(s, v, why);
    case NB_T_INT: {
        double x;
        if (parse_number(s, &x, why) != NB_OK) return NB_EINVAL;
        if (x != floor(x)) return *why = "is not a whole number", NB_EINVAL;
        return *v = x, NB_OK;
    }
    case NB_T_REAL:
    case NB_T_PROB: return parse_number(s, v, why);
    }
    *why = "has an unknown type";
    return NB_EINVAL;
}

void nb_month_format(int m, char *buf)
{
    assert(buf);
    int y = m >= 0 ? m / 12 : -((-m + 11) / 12);     /* floor division */
    int mo = m - 12 * y + 1;
    assert(mo >= 1 && mo <= 12);
    if (y < 0 || y > 9999) {
        memcpy(buf, "\?\?\?\?-\?\?", 8);
        return;
    }
    const int digit[6] = {y / 1000, y / 100 % 10, y / 10 % 10, y % 10, mo / 10, mo % 10};
    const int pos[6] = {0, 1, 2, 3, 5, 6};
    for (int i = 0; i < 6; i++) buf[pos[i]] = (char)('0' + digit[i]);
    buf[4] = '-';
    buf[7] = '\0';
}

/* The text of scalar node n ("" when it has none). */
static const char *node_text(struct fy_node *n)
{
    const char *t = n ? fy_node_get_scalar0(n) : NULL;
    return t ? t : "";
}

/* "a list", "a mapping" or "a value": what node n is, for messages. */
static const char *node_kind(struct fy_node *n)
{
    if (n && fy_node_is_sequence(n)) return "a list";
    if (n && fy_node_is_mapping(n)) return "a mapping";
    return "a single value";
}

/* ==== apply: a parsed mapping onto a scenario ======================================= */

typedef struct nb_src {          /* one text being applied: a file, or one --set */
    nb_scenario *sc;
    nb_err *e;
    const char *file;            /* for messages and origins: in sc->files, or NB_CLI */
    bool top;                    /* the meta keys (name, title, ...) are kept */
    bool cli;                    /* a --set: messages start "--set: " */
    int first[NB_NPARAMS];       /* line where this text set each parameter; 0: not */
} nb_src;

/* Set e->msg to "FILE:LINE:COL: key 'KEY': WHAT" (no key part when key is NULL) and
 * return code. */
static int src_vfail(const nb_src *s, int code, nb_loc at, const char *key, const char *fmt,
                     va_list ap)
{
    char where[1100], what[1400], k[NB_KEY_MAX + 8];
    if (s->cli) snprintf(where, sizeof where, "%s: ", NB_CLI);
    else snprintf(where, sizeof where, "%s:%d:%d: ", s->file, at.line > 0 ? at.line : 1,
                  at.col > 0 ? at.col : 1);
    vsnprintf(what, sizeof what, fmt, ap);
    if (!key) return nb_err_code(s->e, code, "%s%s", where, what);
    return nb_err_code(s->e, code, "%skey '%s': %s", where, show(key, k, sizeof k), what);
}

/* src_vfail with NB_EINVAL. */
static int src_fail(const nb_src *s, nb_loc at, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int src_fail(const nb_src *s, nb_loc at, const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = src_vfail(s, NB_EINVAL, at, key, fmt, ap);
    va_end(ap);
    return rc;
}

/* src_vfail with a chosen status. */
static int src_fail_code(const nb_src *s, int code, nb_loc at, const char *key,
                         const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int src_fail_code(const nb_src *s, int code, nb_loc at, const char *key,
                         const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = src_vfail(s, code, at, key, fmt, ap);
    va_end(ap);
    return rc;
}

static const char *const meta_keys[] = {"extends", "name", "title", "title_zh", "description"};

/* True when key is one of the meta keys. */
static bool is_meta(const char *key)
{
    for (size_t i = 0; i < sizeof meta_keys / sizeof *meta_keys; i++)
        if (strcmp(key, meta_keys[i]) == 0) return true;
    return false;
}

/* Index of the first parameter under group path `g` ("exit" for "exit.*"), or -1. */
static int group_first(const char *g)
{
    size_t n = strlen(g);
    for (int i = 0; i < NB_NPARAMS; i++)
        if (n > 0 && strncmp(nb_registry[i].name, g, n) == 0 && nb_registry[i].name[n] == '.')
            return i;
    return -1;
}

/* Copy the group of registry name `name` (the part before the first dot) into buf. */
static void group_of(const char *name, char *buf, size_t n)
{
    snprintf(buf, n, "%.*s", (int)strcspn(name, "."), name);
}

/* "run, def, init, ...": every group, in registry order. */
static void group_list(char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; i < NB_NPARAMS; i++) {
        char g[NB_KEY_MAX];
        group_of(nb_registry[i].name, g, sizeof g);
        if (group_first(g) != i) continue;             /* listed at its first row */
        len += (size_t)snprintf(buf + len, len < n ? n - len : 0, "%s%s", len ? ", " : "", g);
        if (len >= n) return;
    }
}

/* Empty the schedule of parameter id and make it the constant v (no stale entries, so
 * equal scenarios compare equal byte for byte). */
static void set_const(nb_paramset *ps, int id, double v)
{
    memset(&ps->p[id], 0, sizeof ps->p[id]);
    nb_paramset_set_const(ps, id, v);
}

/* The error for a value of parameter id that parsed but fails the registry check. */
static int range_fail(const nb_src *s, nb_loc at, int id, const char *pre, const char *text,
                      double x, const char *why)
{
    const nb_param_info *p = &nb_registry[id];
    char bound[96] = "", note[96], shown[80];
    if (isfinite(x) && x < p->min) fmt_human(p->type, p->min, bound, sizeof bound);
    else if (isfinite(x) && x > p->max) fmt_human(p->type, p->max, bound, sizeof bound);
    return src_fail(s, at, p->name, "%svalue %s %s%s%s (%s)", pre, show(text, shown, sizeof shown),
                    why, *bound ? " " : "", bound, nb_scenario_type_note(id, note, sizeof note));
}

/* Read scalar node v as a value of parameter id into *x: type and range checked.
 * `pre` prefixes the message ("at 2025-01: " in schedules). */
static int scalar_value(const nb_src *s, int id, struct fy_node *v, nb_loc at, const char *pre,
                        double *x)
{
    const char *text = node_text(v), *why;
    char shown[80], note[96], trimmed[128];
    at = nb_yaml_loc_or(nb_yaml_node_loc(v), at);
    nb_ptype t = nb_registry[id].type;
    bool say_type = t != NB_T_MONTH && t != NB_T_BOOL;     /* their reasons say it */
    if (nb_value_parse(t, text, x, &why) != NB_OK)
        return src_fail(s, at, nb_registry[id].name, "%svalue '%s' %s%s%s%s", pre,
                        show(text, shown, sizeof shown), why, say_type ? " (" : "",
                        say_type ? nb_scenario_type_note(id, note, sizeof note) : "", say_type ? ")" : "");
    if (nb_registry_check(id, *x, &why) != NB_OK) {
        if (!trim_copy(text, trimmed, sizeof trimmed)) snprintf(trimmed, sizeof trimmed, "?");
        return range_fail(s, at, id, pre, trimmed, *x, why);
    }
    return NB_OK;
}

/* Read one date of a schedule: key node k into *month. */
static int sched_date(const nb_src *s, int id, struct fy_node *k, nb_loc at, int *month)
{
    const char *why;
    char shown[80];
    double m;
    if (!k || !fy_node_is_scalar(k) || nb_yaml_node_is_null(k))
        return src_fail(s, at, nb_registry[id].name,
                        "a schedule maps dates (YYYY-MM or YYYY-MM-DD) to values; found %s as a date",
                        nb_yaml_node_is_null(k) ? "nothing" : node_kind(k));
    if (nb_value_parse(NB_T_MONTH, node_text(k), &m, &why) != NB_OK)
        return src_fail(s, at, nb_registry[id].name, "date '%s' %s",
                        show(node_text(k), shown, sizeof shown), why);
    *month = (int)m;
    return NB_OK;
}

/* Check that date `cur` (month m) comes after the date before it, `prev` (prev_m). */
static int sched_order(const nb_src *s, int id, nb_loc at, const char *prev, int prev_m,
                       const char *cur, int m)
{
    char a[80], b[80];
    if (m == prev_m)
        return src_fail(s, at, nb_registry[id].name,
                        "dates '%s' and '%s' fall in the same month; a schedule changes at most once a month",
                        show(prev, a, sizeof a), show(cur, b, sizeof b));
    if (m < prev_m)
        return src_fail(s, at, nb_registry[id].name,
                        "date '%s' comes before the date above it ('%s'); list dates in increasing order",
                        show(cur, b, sizeof b), show(prev, a, sizeof a));
    return NB_OK;
}

/* Read entry k of schedule mapping v (parameter id, key at `at`) into month[k] and
 * value[k]; entries before k are already read. */
static int sched_entry(const nb_src *s, int id, struct fy_node *v, int k, nb_loc at,
                       int *month, double *value)
{
    const nb_param_info *p = &nb_registry[id];
    char note[96], pre[96], shown[80];
    struct fy_node_pair *pair = fy_node_mapping_get_by_index(v, k);
    struct fy_node *dk = fy_node_pair_key(pair), *dv = fy_node_pair_value(pair);
    nb_loc dat = nb_yaml_loc_or(nb_yaml_node_loc(dk), at);
    int rc = sched_date(s, id, dk, dat, &month[k]);
    if (!rc && k > 0)
        rc = sched_order(s, id, dat, node_text(fy_node_pair_key(fy_node_mapping_get_by_index(v, k - 1))),
                         month[k - 1], node_text(dk), month[k]);
    if (rc) return rc;
    snprintf(pre, sizeof pre, "at %s: ", show(node_text(dk), shown, sizeof shown));
    if (nb_yaml_node_is_null(dv) || !fy_node_is_scalar(dv))
        return src_fail(s, dat, p->name, "%sexpected one value (%s), found %s", pre,
                        nb_scenario_type_note(id, note, sizeof note), nb_yaml_node_is_null(dv) ? "nothing" : node_kind(dv));
    return scalar_value(s, id, dv, dat, pre, &value[k]);
}

/* Apply the mapping v as the dated schedule of parameter id (key at `at`).  On failure
 * the parameter is unchanged. */
static int apply_sched(nb_src *s, int id, nb_loc at, struct fy_node *v)
{
    const nb_param_info *p = &nb_registry[id];
    char note[96];
    int n = fy_node_mapping_item_count(v), month[NB_SCHED_MAX];
    double value[NB_SCHED_MAX];
    if (!(p->flags & NB_F_SCHED))
        return src_fail(s, at, p->name, "is not schedulable: give one value (%s), not dated values",
                        nb_scenario_type_note(id, note, sizeof note));
    if (n <= 0) return src_fail(s, at, p->name, "the schedule has no dates");
    if (n > NB_SCHED_MAX)
        return src_fail(s, at, p->name, "the schedule has %d dates; at most %d", n, NB_SCHED_MAX);
    for (int k = 0; k < n; k++) {
        int rc = sched_entry(s, id, v, k, at, month, value);
        if (rc) return rc;
    }
    memset(&s->sc->ps.p[id], 0, sizeof s->sc->ps.p[id]);
    int rc = nb_paramset_set_sched(&s->sc->ps, id, n, month, value);
    assert(rc == NB_OK);                  /* dates were checked to increase */
    return rc;
}

/* Apply value node v (key at `at`) to parameter id and record where it came from. */
static int apply_param(nb_src *s, int id, nb_loc at, struct fy_node *v)
{
    const nb_param_info *p = &nb_registry[id];
    char note[96];
    double x;
    int rc;
    if (s->first[id])
        return src_fail(s, at, p->name, "set twice in this file (first at line %d)", s->first[id]);
    if (nb_yaml_node_is_null(v))
        return src_fail(s, at, p->name, "has no value (%s)", nb_scenario_type_note(id, note, sizeof note));
    if (fy_node_is_sequence(v))
        return src_fail(s, at, p->name, "expected one value (%s), not a list", nb_scenario_type_note(id, note, sizeof note));
    if (fy_node_is_mapping(v)) {
        rc = apply_sched(s, id, at, v);
    } else {
        rc = scalar_value(s, id, v, at, "", &x);
        if (rc == NB_OK) set_const(&s->sc->ps, id, x);
    }
    if (rc) return rc;
    s->first[id] = at.line > 0 ? at.line : 1;
    s->sc->origin[id] = (nb_origin){s->file, at.line, at.col};
    return NB_OK;
}

/* The error for a key that names neither a parameter nor a group. */
static int unknown_key(const nb_src *s, const char *path, nb_loc at, struct fy_node *v)
{
    char group[NB_KEY_MAX], probe[2 * NB_KEY_MAX], sg[NB_KEY_MAX], list[512];
    bool dotted = strchr(path, '.') != NULL, map = v && fy_node_is_mapping(v);
    if (!dotted && nb_edit_distance(path, "rules") <= 1)
        return src_fail(s, at, path, "unknown key; did you mean 'rules'?");
    group_of(path, group, sizeof group);
    if (group_first(group) >= 0 || (!dotted && !map)) {
        int sug = nb_registry_suggest(path);
        if (sug >= 0) return src_fail(s, at, path, "unknown key; did you mean '%s'?", nb_registry[sug].name);
        return src_fail(s, at, path, "unknown key (`neobay params` lists the parameters)");
    }
    snprintf(probe, sizeof probe, "%s", path);                 /* a whole name to compare */
    if (!dotted && fy_node_mapping_item_count(v) > 0) {
        struct fy_node *k = fy_node_pair_key(fy_node_mapping_get_by_index(v, 0));
        if (k && fy_node_is_scalar(k)) snprintf(probe, sizeof probe, "%s.%s", group, node_text(k));
    }
    int sug = nb_registry_suggest(probe);
    if (sug >= 0) {
        group_of(nb_registry[sug].name, sg, sizeof sg);
        return src_fail(s, at, path, "unknown group '%s'; did you mean '%s'?", group, sg);
    }
    group_list(list, sizeof list);
    return src_fail(s, at, path, "unknown group '%s'; the groups are %s", group, list);
}

static int apply_mapping(nb_src *s, const char *prefix, struct fy_node *map, nb_loc at);

/* Apply value v to dotted key `path` (key at `at`): a parameter, a group or an error. */
static int apply_entry(nb_src *s, const char *path, nb_loc at, struct fy_node *v)
{
    int id = nb_registry_find(path);
    if (id >= 0) return apply_param(s, id, at, v);
    int g = group_first(path);
    if (g < 0) return unknown_key(s, path, at, v);
    if (v && fy_node_is_mapping(v)) return apply_mapping(s, path, v, at);
    const char *leaf = nb_registry[g].name + strlen(path) + 1;
    return src_fail(s, at, path,
                    "is a group of parameters: write its keys under it ('%s: {%s: ...}') or dotted ('%s.%s: ...')",
                    path, leaf, path, leaf);
}

/* Apply the meta key `key` (name, title, ...) with value v. */
static int apply_meta(nb_src *s, const char *key, nb_loc at, struct fy_node *v)
{
    if (strcmp(key, "extends") == 0)    /* followed before the walk (files only) */
        return s->cli ? src_fail(s, at, key, "cannot be set from the command line") : NB_OK;
    if (nb_yaml_node_is_null(v) || !fy_node_is_scalar(v))
        return src_fail(s, nb_yaml_loc_or(nb_yaml_node_loc(v), at), key, "expected a text, found %s",
                        nb_yaml_node_is_null(v) ? "nothing" : node_kind(v));
    const char *text = node_text(v);
    if (strcmp(key, "name") == 0 && (!*text || strcspn(text, "/\\\t\r\n") != strlen(text)))
        return src_fail(s, nb_yaml_loc_or(nb_yaml_node_loc(v), at), key,
                        "the name is used in file names: it must be non-empty, without '/', '\\' or line breaks");
    if (!s->top) return NB_OK;          /* a base file's meta keys are checked, not kept */
    nb_scenario *sc = s->sc;
    char **slot = strcmp(key, "name") == 0 ? &sc->name : strcmp(key, "title") == 0 ? &sc->title
                : strcmp(key, "title_zh") == 0 ? &sc->title_zh : &sc->description;
    char *copy = nb_strdup(text);
    if (!copy) return nb_err_code(s->e, NB_ENOMEM, "out of memory");
    free(*slot);
    *slot = copy;
    return NB_OK;
}

/* ==== rules: adaptive policy (measure 20) ========================================== */

#define NB_RULES_KEY "rules"

enum { RK_NAME, RK_FROM, RK_IF, RK_THEN, RK_N };          /* the keys of a rule */
enum { IK_METRIC, IK_BELOW, IK_ABOVE, IK_N };              /* of its `if` */
enum { TK_PARAM, TK_SET, TK_ADD, TK_MUL, TK_N };           /* of its `then` */
static const char *const rule_keys[RK_N] = {"name", "from", "if", "then"};
static const char *const if_keys[IK_N] = {"metric", "below", "above"};
static const char *const then_keys[TK_N] = {"param", "set", "add", "multiply"};

typedef struct nb_part {         /* one mapping of a rule: the rule, its if, its then */
    const char *what;            /* for messages: "a rule" */
    const char *const *keys;
    int n;
    const char *shape;           /* what it looks like, for messages */
} nb_part;

static const nb_part part_rule = {"a rule", rule_keys, RK_N,
                                  "{name: TEXT, from: YYYY-MM, if: {...}, then: {...}}"};
static const nb_part part_if = {"an 'if'", if_keys, IK_N, "{metric: NAME, below: VALUE} or above: VALUE"};
static const nb_part part_then = {"a 'then'", then_keys, TK_N,
                                  "{param: NAME, set: VALUE}, or add: VALUE, or multiply: FACTOR"};

typedef struct nb_fields {       /* a mapping of a rule, read: key and value by index */
    struct fy_node *key[TK_N], *val[TK_N];    /* NULL: not given */
    nb_loc at;                   /* where the mapping starts */
} nb_fields;

/* Read mapping v (the value of key path `path`, written at `at`) as part p into *f;
 * every key must be one of p->keys. */
static int read_fields(const nb_src *s, const char *path, nb_loc at, struct fy_node *v,
                       const nb_part *p, nb_fields *f)
{
    memset(f, 0, sizeof *f);
    f->at = nb_yaml_loc_or(nb_yaml_node_loc(v), at);
    if (nb_yaml_node_is_null(v) || !fy_node_is_mapping(v))
        return src_fail(s, f->at, path, "%s is a mapping %s; found %s", p->what, p->shape,
                        nb_yaml_node_is_null(v) ? "nothing" : node_kind(v));
    void *iter = NULL;
    struct fy_node_pair *pair;
    while ((pair = fy_node_mapping_iterate(v, &iter))) {
        struct fy_node *k = fy_node_pair_key(pair);
        nb_loc kat = nb_yaml_loc_or(nb_yaml_node_loc(k), f->at);
        if (!k || !fy_node_is_scalar(k) || nb_yaml_node_is_null(k))
            return src_fail(s, kat, path, "a key must be a name, not %s",
                            nb_yaml_node_is_null(k) ? "nothing" : node_kind(k));
        const char *name = node_text(k);
        int i = 0;
        while (i < p->n && strcmp(name, p->keys[i]) != 0) i++;
        if (i < p->n) {
            f->key[i] = k;
            f->val[i] = fy_node_pair_value(pair);
            continue;
        }
        char full[NB_KEY_MAX], shown[80], list[128];
        snprintf(full, sizeof full, "%s.%s", path, show(name, shown, sizeof shown));
        word_list(p->keys, p->n, "and", list, sizeof list);
        int sug = suggest_word(name, p->keys, p->n);
        if (sug >= 0)
            return src_fail(s, kat, full, "unknown key; did you mean '%s'? (%s has the keys %s)",
                            p->keys[sug], p->what, list);
        return src_fail(s, kat, full, "unknown key; %s has the keys %s", p->what, list);
    }
    return NB_OK;
}

/* The text of f's value i (key path path.KEY) into *text; `what` says what it should
 * be ("a month, YYYY-MM or YYYY-MM-DD"); *at is where the value is. */
static int field_text(const nb_src *s, const char *path, const nb_fields *f, int i,
                      const char *const *keys, const char *what, const char **text, nb_loc *at)
{
    char full[NB_KEY_MAX];
    snprintf(full, sizeof full, "%s.%s", path, keys[i]);
    nb_loc kat = nb_yaml_loc_or(nb_yaml_node_loc(f->key[i]), f->at);
    *at = nb_yaml_loc_or(nb_yaml_node_loc(f->val[i]), kat);
    if (nb_yaml_node_is_null(f->val[i])) return src_fail(s, kat, full, "has no value (%s)", what);
    if (!fy_node_is_scalar(f->val[i]))
        return src_fail(s, *at, full, "expected %s, found %s", what, node_kind(f->val[i]));
    *text = node_text(f->val[i]);
    return NB_OK;
}

/* Exactly one of f's keys first..first+n-1 is given: its index into *which.  Neither
 * is an error at the mapping ("needs `need`"), two at the later of the two. */
static int one_of(const nb_src *s, const char *path, const nb_fields *f, const char *const *keys,
                  int first, int n, const char *need, int *which)
{
    char list[128];
    int found = -1;
    word_list(keys + first, n, "and", list, sizeof list);
    for (int i = first; i < first + n; i++) {
        if (!f->key[i]) continue;
        if (found >= 0) {
            nb_loc a = nb_yaml_loc_or(nb_yaml_node_loc(f->key[found]), f->at), b = nb_yaml_loc_or(nb_yaml_node_loc(f->key[i]), f->at);
            bool a_later = a.line > b.line || (a.line == b.line && a.col > b.col);
            return src_fail(s, a_later ? a : b, path, "give only one of %s; found both '%s' and '%s'",
                            list, keys[a_later ? i : found], keys[a_later ? found : i]);
        }
        found = i;
    }
    if (found < 0) return src_fail(s, f->at, path, "needs %s", need);
    *which = found;
    return NB_OK;
}

/* Why a rule cannot do `op` to parameter id, or NULL when it can. */
static const char *rule_op_why(int id, int op)
{
    nb_ptype t = nb_registry[id].type;
    if (op == NB_RULE_SET) return NULL;
    if (t == NB_T_BOOL) return "is on/off: a rule can only set it (set: true or set: false)";
    if (t == NB_T_MONTH) return "is a month: a rule can only set it";
    if (t == NB_T_INT && op == NB_RULE_MUL)
        return "is a whole number: a rule can set it or add to it, not multiply it";
    return NULL;
}

/* Why x cannot be the value of a rule doing `op` to parameter id ("is above the
 * maximum 1000亿"; buf holds it when it names a bound), or NULL when it can. */
static const char *rule_value_why(int id, int op, double x, char *buf, size_t n)
{
    const nb_param_info *p = &nb_registry[id];
    const char *why = NULL;
    char lo[64], hi[64];
    if (!isfinite(x)) return "is not a finite number";
    fmt_human(p->type, p->min, lo, sizeof lo);
    fmt_human(p->type, p->max, hi, sizeof hi);
    switch (op) {
    case NB_RULE_SET:
        if (nb_registry_check(id, x, &why) == NB_OK) return NULL;
        if (x < p->min || x > p->max) snprintf(buf, n, "%s %s", why, x < p->min ? lo : hi);
        else snprintf(buf, n, "%s", why);
        return buf;
    case NB_RULE_ADD:
        if ((p->type == NB_T_INT || p->type == NB_T_MONTH) && x != floor(x)) return "is not a whole number";
        if (fabs(x) <= p->max - p->min) return NULL;
        snprintf(buf, n, "is more than the whole range of the parameter (%s to %s)", lo, hi);
        return buf;
    case NB_RULE_MUL:
        return x < 0 ? "is below 0" : NULL;
    }
    return "belongs to no known operation";
}

/* Read the `from` of rule `path` (f) into r->from. */
static int rule_from(const nb_src *s, const char *path, const nb_fields *f, nb_rule *r)
{
    const char *text, *why, *what = "a month, YYYY-MM or YYYY-MM-DD";
    char full[64], shown[80];
    nb_loc at;
    double m;
    int rc = field_text(s, path, f, RK_FROM, rule_keys, what, &text, &at);
    if (rc) return rc;
    snprintf(full, sizeof full, "%.32s.from", path);
    if (nb_value_parse(NB_T_MONTH, text, &m, &why) != NB_OK)
        return src_fail(s, at, full, "value '%s' %s", show(text, shown, sizeof shown), why);
    r->from = (int)m;
    return NB_OK;
}

/* The error for metric name `text` (key path `full`, at `at`), which is not a metric. */
static int unknown_metric(const nb_src *s, const char *full, nb_loc at, const char *text)
{
    char shown[80], list[1200];
    int sug = nb_metric_suggest(text);
    show(text, shown, sizeof shown);
    if (sug >= 0)
        return src_fail(s, at, full, "unknown metric '%s'; did you mean '%s'?", shown, nb_metrics[sug].name);
    size_t len = 0;
    list[0] = '\0';
    for (int i = 0; i < NB_NMETRICS && len < sizeof list; i++)
        len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", i ? ", " : "", nb_metrics[i].name);
    return src_fail(s, at, full, "unknown metric '%s'; the metrics are %s", shown, list);
}

/* Read the `if` of rule `path` (key k, value v) into r: metric, above, threshold. */
static int rule_if(const nb_src *s, const char *rpath, struct fy_node *k, struct fy_node *v, nb_rule *r)
{
    char path[32], full[64], shown[80];
    const char *text, *why;
    nb_fields f;
    nb_loc at;
    int which = 0;
    snprintf(path, sizeof path, "%.24s.if", rpath);
    int rc = read_fields(s, path, nb_yaml_node_loc(k), v, &part_if, &f);
    if (rc) return rc;
    if (!f.key[IK_METRIC])
        return src_fail(s, f.at, path, "has no 'metric' (the output metric the rule watches: metric: NAME)");
    rc = field_text(s, path, &f, IK_METRIC, if_keys, "the name of an output metric", &text, &at);
    if (rc) return rc;
    snprintf(full, sizeof full, "%s.metric", path);
    int m = nb_metric_find(text);
    if (m < 0) return unknown_metric(s, full, at, text);
    rc = one_of(s, path, &f, if_keys, IK_BELOW, 2, "a threshold: below: VALUE or above: VALUE", &which);
    if (rc) return rc;
    const char *what = "a threshold: a number, which may carry 万, 亿 or 万亿";
    rc = field_text(s, path, &f, which, if_keys, what, &text, &at);
    if (rc) return rc;
    snprintf(full, sizeof full, "%s.%s", path, if_keys[which]);
    double x;
    if (nb_value_parse(NB_T_MONEY, text, &x, &why) != NB_OK)      /* some reasons say it */
        return src_fail(s, at, full, "value '%s' %s%s%s%s", show(text, shown, sizeof shown), why,
                        strchr(why, '(') ? "" : " (", strchr(why, '(') ? "" : what, strchr(why, '(') ? "" : ")");
    r->metric = m;
    r->above = which == IK_ABOVE;
    r->threshold = x;
    return NB_OK;
}

/* The parameter named `text` for a rule (key path `full`, at `at`) into *id: it must
 * exist and be schedulable. */
static int rule_param(const nb_src *s, const char *full, nb_loc at, const char *text, int *id)
{
    char shown[80], note[96];
    show(text, shown, sizeof shown);
    int i = nb_registry_find(text);
    if (i < 0) {
        int g = group_first(text);
        if (g >= 0) {
            for (int j = g; j < NB_NPARAMS; j++)        /* an example that would do */
                if ((nb_registry[j].flags & NB_F_SCHED) &&
                    strncmp(nb_registry[j].name, text, strlen(text)) == 0 &&
                    nb_registry[j].name[strlen(text)] == '.') { g = j; break; }
            return src_fail(s, at, full, "'%s' is a group of parameters; name one of them, e.g. '%s'",
                            shown, nb_registry[g].name);
        }
        int sug = nb_registry_suggest(text);
        for (int j = 0; j < NB_NPARAMS && sug < 0 && strlen(text) >= 3; j++)   /* or a beginning */
            if ((nb_registry[j].flags & NB_F_SCHED) && strncmp(nb_registry[j].name, text, strlen(text)) == 0)
                sug = j;
        if (sug >= 0)
            return src_fail(s, at, full, "unknown parameter '%s'; did you mean '%s'?", shown, nb_registry[sug].name);
        return src_fail(s, at, full, "unknown parameter '%s' (`neobay params` lists the parameters)", shown);
    }
    if (!(nb_registry[i].flags & NB_F_SCHED))
        return src_fail(s, at, full, "'%s' (%s) is not schedulable: a rule can only change a parameter "
                        "that may be a dated schedule (`neobay params` marks them)",
                        nb_registry[i].name, nb_scenario_type_note(i, note, sizeof note));
    *id = i;
    return NB_OK;
}

/* Read the `then` of rule `path` (key k, value v) into r: param, op, value. */
static int rule_then(const nb_src *s, const char *rpath, struct fy_node *k, struct fy_node *v, nb_rule *r)
{
    static const int ops[TK_N] = {-1, NB_RULE_SET, NB_RULE_ADD, NB_RULE_MUL};
    char path[32], full[64], shown[80], note[160], tn[96], why_buf[200];
    const char *text, *why;
    nb_fields f;
    nb_loc at;
    int which = 0, id = 0;
    snprintf(path, sizeof path, "%.24s.then", rpath);
    int rc = read_fields(s, path, nb_yaml_node_loc(k), v, &part_then, &f);
    if (rc) return rc;
    if (!f.key[TK_PARAM])
        return src_fail(s, f.at, path, "has no 'param' (the parameter the rule changes: param: NAME)");
    rc = field_text(s, path, &f, TK_PARAM, then_keys, "the name of a schedulable parameter", &text, &at);
    snprintf(full, sizeof full, "%s.param", path);
    if (!rc) rc = rule_param(s, full, at, text, &id);
    if (!rc) rc = one_of(s, path, &f, then_keys, TK_SET, 3,
                         "what to do: set: VALUE, add: VALUE or multiply: FACTOR", &which);
    if (rc) return rc;
    int op = ops[which];
    snprintf(full, sizeof full, "%s.%s", path, then_keys[which]);
    if ((why = rule_op_why(id, op)))
        return src_fail(s, nb_yaml_loc_or(nb_yaml_node_loc(f.key[which]), f.at), full, "%s %s", nb_registry[id].name, why);
    nb_ptype t = op == NB_RULE_MUL ? NB_T_REAL : nb_registry[id].type;
    if (op == NB_RULE_MUL) snprintf(note, sizeof note, "a factor: a plain number >= 0");
    else snprintf(note, sizeof note, "%s: %s", nb_registry[id].name, nb_scenario_type_note(id, tn, sizeof tn));
    rc = field_text(s, path, &f, which, then_keys, note, &text, &at);
    if (rc) return rc;
    double x;
    if (nb_value_parse(t, text, &x, &why) != NB_OK)              /* some reasons say it */
        return src_fail(s, at, full, "value '%s' %s%s%s%s", show(text, shown, sizeof shown), why,
                        strchr(why, '(') ? "" : " (", strchr(why, '(') ? "" : note, strchr(why, '(') ? "" : ")");
    if ((why = rule_value_why(id, op, x, why_buf, sizeof why_buf))) {
        char trimmed[128];
        if (!trim_copy(text, trimmed, sizeof trimmed)) snprintf(trimmed, sizeof trimmed, "?");
        return src_fail(s, at, full, "value %s %s (%s)", show(trimmed, shown, sizeof shown), why, note);
    }
    r->param = id;
    r->op = op;
    r->value = x;
    return NB_OK;
}

/* Read rule i (node v; the rules key written at `at`) into *r, its name (text of the
 * document, or NULL) into *name and where it starts into *where. */
static int read_rule(const nb_src *s, int i, struct fy_node *v, nb_loc at, nb_rule *r,
                     const char **name, nb_loc *where)
{
    char path[24];
    nb_fields f;
    nb_loc nat;
    snprintf(path, sizeof path, "%s[%d]", NB_RULES_KEY, i);
    int rc = read_fields(s, path, at, v, &part_rule, &f);
    if (rc) return rc;
    *where = f.at;
    *name = NULL;
    if (f.key[RK_NAME]) rc = field_text(s, path, &f, RK_NAME, rule_keys, "a text", name, &nat);
    if (!rc && f.key[RK_FROM]) rc = rule_from(s, path, &f, r);
    if (rc) return rc;
    if (!f.key[RK_IF])
        return src_fail(s, f.at, path, "the rule has no 'if' (when it fires: if: {metric: NAME, below: VALUE})");
    rc = rule_if(s, path, f.key[RK_IF], f.val[RK_IF], r);
    if (rc) return rc;
    if (!f.key[RK_THEN])
        return src_fail(s, f.at, path, "the rule has no 'then' (what it does: then: {param: NAME, add: VALUE})");
    return rule_then(s, path, f.key[RK_THEN], f.val[RK_THEN], r);
}

/* Apply the value v of the top-level key `rules` (written at `at`): the list replaces
 * the scenario's rules (those of a file it extends) only when all of it is valid. */
static int apply_rules(nb_src *s, nb_loc at, struct fy_node *v)
{
    if (s->cli) return src_fail(s, at, NB_RULES_KEY, "rules can only be given in a scenario file");
    if (nb_yaml_node_is_null(v) || !fy_node_is_sequence(v))
        return src_fail(s, at, NB_RULES_KEY,
                        "expected a list of rules, each '- {from: YYYY-MM, if: {...}, then: {...}}' "
                        "('rules: []' for none); found %s", nb_yaml_node_is_null(v) ? "nothing" : node_kind(v));
    int n = fy_node_sequence_item_count(v);
    if (n > NB_RULES_MAX)
        return src_fail(s, nb_yaml_loc_or(nb_yaml_node_loc(fy_node_sequence_get_by_index(v, NB_RULES_MAX)), at),
                        NB_RULES_KEY, "%d rules; a scenario has at most %d", n, NB_RULES_MAX);
    nb_rule rules[NB_RULES_MAX];
    const char *names[NB_RULES_MAX] = {0};
    nb_loc where[NB_RULES_MAX];
    memset(rules, 0, sizeof rules);      /* padding included: equal sets compare equal */
    for (int i = 0; i < n; i++) {        /* an empty item has no place: the key's */
        struct fy_node *item = fy_node_sequence_get_by_index(v, i);
        int rc = read_rule(s, i, item, at, &rules[i], &names[i], &where[i]);
        if (rc) return rc;
    }
    char *copies[NB_RULES_MAX] = {0};
    for (int i = 0; i < n; i++)
        if (names[i] && !(copies[i] = nb_strdup(names[i]))) {
            for (int j = 0; j < i; j++) free(copies[j]);
            return nb_err_code(s->e, NB_ENOMEM, "out of memory");
        }
    nb_scenario *sc = s->sc;
    for (int i = 0; i < NB_RULES_MAX; i++) {
        free(sc->rule_name[i]);
        sc->rule_name[i] = copies[i];
        sc->rule_origin[i] = i < n ? (nb_origin){s->file, where[i].line, where[i].col} : (nb_origin){0};
    }
    memcpy(sc->ps.rules, rules, sizeof rules);
    sc->ps.n_rules = n;
    return NB_OK;
}

/* True for `rules` and any key path into it ("rules[0].if"), for --set. */
static bool is_rules_path(const char *key)
{
    size_t n = strlen(NB_RULES_KEY);
    return strncmp(key, NB_RULES_KEY, n) == 0 && (!key[n] || key[n] == '[' || key[n] == '.');
}

/* Apply one key: value pair of a mapping under dotted prefix (empty at the top). */
static int apply_pair(nb_src *s, const char *prefix, struct fy_node_pair *pair, nb_loc parent)
{
    struct fy_node *k = fy_node_pair_key(pair), *v = fy_node_pair_value(pair);
    nb_loc at = nb_yaml_loc_or(nb_yaml_node_loc(k), nb_yaml_loc_or(nb_yaml_node_loc(v), parent));
    const char *ctx = *prefix ? prefix : NULL;
    if (!k || !fy_node_is_scalar(k))
        return src_fail(s, at, ctx, "a key must be a name, not %s", node_kind(k));
    if (nb_yaml_node_is_null(k)) return src_fail(s, at, ctx, "a key is missing (empty or null)");
    const char *name = node_text(k);
    char path[NB_KEY_MAX];
    int len = *prefix ? snprintf(path, sizeof path, "%s.%s", prefix, name)
                      : snprintf(path, sizeof path, "%s", name);
    if (len < 0 || (size_t)len >= sizeof path) return src_fail(s, at, ctx, "a key is too long");
    if (!*prefix && is_meta(name)) return apply_meta(s, name, at, v);
    if (!*prefix && strcmp(name, NB_RULES_KEY) == 0) return apply_rules(s, at, v);
    return apply_entry(s, path, at, v);
}

/* Apply every pair of mapping `map` under dotted prefix. */
static int apply_mapping(nb_src *s, const char *prefix, struct fy_node *map, nb_loc at)
{
    assert(map && fy_node_is_mapping(map));
    void *iter = NULL;
    struct fy_node_pair *pair;
    int rc = NB_OK;
    while (rc == NB_OK && (pair = fy_node_mapping_iterate(map, &iter)))
        rc = apply_pair(s, prefix, pair, at);
    return rc;
}

/* ==== files and extends ============================================================ */

typedef struct nb_fileid { dev_t dev; ino_t ino; } nb_fileid;   /* a file, however named */

/* Whether `extends` may leave the scenario's folder tree (--allow-extends-outside). */
static bool extends_outside = false;

void nb_scenario_allow_outside(bool allow)
{
    extends_outside = allow;
}

typedef struct nb_loader {
    nb_scenario *sc;
    nb_err *e;
    char *tree;                              /* the folder tree extends may name (realpath) */
    int depth;                               /* files in the chain being read */
    const char *opened[NB_EXTENDS_MAX];      /* each of them, as opened */
    nb_fileid id[NB_EXTENDS_MAX];            /* and which file it is, for cycles */
} nb_loader;

typedef struct nb_site {          /* the `extends` that led to a file, for messages */
    const nb_src *src;
    nb_loc at;
    const char *written;          /* the path as written there */
    const char *real;             /* its realpath, the file actually opened */
} nb_site;

/* Read all of file `path` into *buf (NUL-terminated, malloc'd) and *len, and say which
 * file it is in *id.  Returns 0 or an errno value. */
static int read_file(const char *path, char **buf, size_t *len, nb_fileid *id)
{
    dev_t dev;
    ino_t ino;
    int err = nb_infile_read(path, (size_t)NB_FILE_MAX, buf, len, &dev, &ino);
    if (err) return err;
    *id = (nb_fileid){dev, ino};
    return 0;
}

/* Append a copy of path to sc->files; the copy, or NULL when memory runs out. */
static const char *add_file(nb_scenario *sc, const char *path)
{
    char **files = realloc(sc->files, (size_t)(sc->n_files + 1) * sizeof *files);
    if (!files) return NULL;
    sc->files = files;
    if (!(files[sc->n_files] = nb_strdup(path))) return NULL;
    return files[sc->n_files++];
}

/* The error for a file that cannot be read (the top file, or one named by extends). */
static int read_fail(const nb_loader *ld, const char *path, const nb_site *site, int err)
{
    char shown[256];
    if (err == ENOMEM) return nb_err_code(ld->e, NB_ENOMEM, "out of memory");
    if (!site)
        return nb_err_code(ld->e, NB_EIO, "%s: cannot read the scenario: %s", path, nb_infile_strerror(err));
    return src_fail_code(site->src, NB_EIO, site->at, "extends", "cannot read '%s': %s",
                         show(site->written, shown, sizeof shown), nb_infile_strerror(err));
}

/* Refuse a file (path, identity id) that is already in the chain, or one file too many. */
static int chain_check(const nb_loader *ld, const char *path, nb_fileid id, const nb_site *site)
{
    if (!site) return NB_OK;
    if (ld->depth >= NB_EXTENDS_MAX)
        return src_fail(site->src, site->at, "extends", "the extends chain is longer than %d files",
                        NB_EXTENDS_MAX);
    int i = 0;
    while (i < ld->depth && !(ld->id[i].dev == id.dev && ld->id[i].ino == id.ino)) i++;
    if (i == ld->depth) return NB_OK;
    char chain[1024] = "";
    size_t len = 0;
    for (int k = 0; k < ld->depth && len < sizeof chain; k++)
        len += (size_t)snprintf(chain + len, sizeof chain - len, "%s -> ", ld->opened[k]);
    if (len < sizeof chain) snprintf(chain + len, sizeof chain - len, "%s", path);
    return src_fail(site->src, site->at, "extends", "extends cycle: %s", chain);
}

static int load_file(nb_loader *ld, const char *path, const nb_site *site);

/* The folder tree of top file `path` (malloc'd realpath, NULL when it cannot be
 * resolved): the folder that holds the file's folder (so scenarios/sweeps/x.yaml may
 * extend ../baseline.yaml and calibration/x.yaml ../scenarios/y.yaml), or the file's
 * own folder when that one is the filesystem root's child (/tmp/x.yaml: /tmp). */
static char *tree_of(const char *path)
{
    char *real = realpath(path, NULL);
    if (!real) return NULL;
    for (int up = 0; up < 2; up++) {
        char *slash = strrchr(real, '/');
        if (up == 1 && slash == real) break;           /* never widen to / */
        if (slash == real) slash[1] = '\0';
        else *slash = '\0';
    }
    return real;
}

/* True when real (a realpath) is tree or lies below it. */
static bool under_tree(const char *tree, const char *real)
{
    size_t n = strlen(tree);
    if (n == 1) return true;                             /* the tree is / */
    return strncmp(real, tree, n) == 0 && (real[n] == '\0' || real[n] == '/');
}

/* True when path names a .yaml or .yml file. */
static bool yaml_named(const char *path)
{
    size_t n = strlen(path);
    return (n > 5 && strcmp(path + n - 5, ".yaml") == 0) || (n > 4 && strcmp(path + n - 4, ".yml") == 0);
}

/* Check extends target (site->written, resolved to target) before it is opened: a
 * .yaml/.yml file inside ld->tree (unless --allow-extends-outside).  Sets *real to its
 * malloc'd realpath (NULL when it does not exist: the read then says why).  The
 * messages name the path as written, never the file's content. */
static int extends_check(nb_loader *ld, const nb_site *site, const char *target, char **real)
{
    char shown[256];
    *real = NULL;
    if (!ld->tree && !(ld->tree = tree_of(ld->opened[0])))
        return nb_err_code(ld->e, NB_EIO, "%s: cannot resolve the scenario's folder: %s", ld->opened[0],
                           strerror(errno));
    char *r = realpath(target, NULL);
    if (!r) return errno == ENOMEM ? nb_err_code(ld->e, NB_ENOMEM, "out of memory") : NB_OK;
    if (!yaml_named(r) || !yaml_named(target)) {
        free(r);
        return src_fail(site->src, site->at, "extends", "'%s' is not a scenario file: extends names a "
                        ".yaml or .yml file", show(site->written, shown, sizeof shown));
    }
    if (!extends_outside && !under_tree(ld->tree, r)) {
        free(r);
        return src_fail(site->src, site->at, "extends", "'%s' lies outside the scenario's folder tree %s "
                        "(--allow-extends-outside allows it)", show(site->written, shown, sizeof shown),
                        ld->tree);
    }
    *real = r;
    return NB_OK;
}

/* Load the file named by the `extends` key of root, if any, before root's own keys. */
static int follow_extends(nb_loader *ld, const nb_src *src, struct fy_node *root, nb_fileid id)
{
    struct fy_node *v = NULL;
    nb_loc at = {1, 1};
    void *iter = NULL;
    struct fy_node_pair *pair;
    while ((pair = fy_node_mapping_iterate(root, &iter))) {
        struct fy_node *k = fy_node_pair_key(pair);
        if (k && fy_node_is_scalar(k) && strcmp(node_text(k), "extends") == 0) {
            v = fy_node_pair_value(pair);
            at = nb_yaml_loc_or(nb_yaml_node_loc(k), at);
            break;
        }
    }
    if (!pair) return NB_OK;
    if (nb_yaml_node_is_null(v) || !fy_node_is_scalar(v) || !*node_text(v))
        return src_fail(src, nb_yaml_loc_or(nb_yaml_node_loc(v), at), "extends", "expected the path of a scenario file, found %s",
                        nb_yaml_node_is_null(v) ? "nothing" : !fy_node_is_scalar(v) ? node_kind(v) : "an empty text");
    char *target = nb_path_relative(src->file, node_text(v));
    if (!target) return nb_err_code(ld->e, NB_ENOMEM, "out of memory");
    assert(ld->depth < NB_EXTENDS_MAX);
    ld->opened[ld->depth] = src->file;
    ld->id[ld->depth++] = id;
    nb_site site = {src, nb_yaml_loc_or(nb_yaml_node_loc(v), at), node_text(v), NULL};
    char *real = NULL;
    int rc = extends_check(ld, &site, target, &real);
    site.real = real;
    if (rc == NB_OK) rc = load_file(ld, target, &site);
    ld->depth--;
    free(real);
    free(target);
    return rc;
}

/* Apply parsed file y (opened as src->file, identity id): extends, then keys. */
static int apply_file(nb_loader *ld, nb_src *src, nb_yaml *y, nb_fileid id)
{
    struct fy_node *root = y->doc ? fy_document_root(y->doc) : NULL;
    nb_loc top = {1, 1};
    if (nb_yaml_node_is_null(root)) return src_fail(src, top, NULL, "the scenario is empty");
    if (!fy_node_is_mapping(root))
        return src_fail(src, nb_yaml_loc_or(nb_yaml_node_loc(root), top), NULL,
                        "a scenario is a mapping of keys to values, not %s", node_kind(root));
    int rc = follow_extends(ld, src, root, id);
    return rc ? rc : apply_mapping(src, "", root, top);
}

/* Parse and apply text (the contents of `path`, file identity id). */
static int load_text(nb_loader *ld, const char *path, const char *text, size_t len, nb_fileid id)
{
    const char *fname = add_file(ld->sc, path);
    if (!fname) return nb_err_code(ld->e, NB_ENOMEM, "out of memory");
    nb_src *src = calloc(1, sizeof *src);             /* first[] is large for a stack */
    if (!src) return nb_err_code(ld->e, NB_ENOMEM, "out of memory");
    *src = (nb_src){.sc = ld->sc, .e = ld->e, .file = fname, .top = ld->depth == 0};
    nb_yaml y;
    nb_loc at = {1, 1};
    char why[512];
    int rc = nb_yaml_open(&y, text, len, "scenario", &at, why, sizeof why);
    if (rc == NB_EINVAL) rc = src_fail(src, at, NULL, "%s%s", y.syntax ? "YAML syntax error: " : "", why);
    else if (rc == NB_ENOMEM) rc = nb_err_code(ld->e, NB_ENOMEM, "out of memory");
    else rc = apply_file(ld, src, &y, id);
    nb_yaml_close(&y);
    free(src);
    return rc;
}

/* Load scenario file `path` into ld->sc; site is the extends that named it (NULL for
 * the top file).  On failure ld->e says why and the scenario is partly applied. */
static int load_file(nb_loader *ld, const char *path, const nb_site *site)
{
    char *text = NULL;
    size_t len = 0;
    nb_fileid id;
    int err = read_file(site && site->real ? site->real : path, &text, &len, &id);
    if (err) return read_fail(ld, path, site, err);
    int rc = chain_check(ld, path, id, site);
    if (rc == NB_OK) rc = load_text(ld, path, text, len, id);
    free(text);
    return rc;
}

/* ==== public: load, set, free ====================================================== */

/* A new scenario for `path`: defaults, name from the file's base name.  NULL on OOM. */
static nb_scenario *scenario_new(const char *path)
{
    nb_scenario *sc = calloc(1, sizeof *sc);
    if (!sc) return NULL;
    nb_paramset_default(&sc->ps);
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    if (n > 5 && strcmp(base + n - 5, ".yaml") == 0) n -= 5;
    else if (n > 4 && strcmp(base + n - 4, ".yml") == 0) n -= 4;
    sc->path = nb_strdup(path);
    sc->name = malloc(n ? n + 1 : sizeof "scenario");
    if (sc->name) snprintf(sc->name, n ? n + 1 : sizeof "scenario", "%s", n ? base : "scenario");
    if (!sc->path || !sc->name) {
        nb_scenario_free(sc);
        return NULL;
    }
    return sc;
}

int nb_scenario_load(const char *path, nb_scenario **out, nb_err *e)
{
    assert(path && out);
    *out = NULL;
    nb_scenario *sc = scenario_new(path);
    if (!sc) return nb_err_code(e, NB_ENOMEM, "out of memory");
    nb_loader ld = {.sc = sc, .e = e};
    int rc = load_file(&ld, path, NULL);
    assert(ld.depth == 0);
    free(ld.tree);
    if (rc != NB_OK) {
        nb_scenario_free(sc);
        return rc;
    }
    *out = sc;
    return NB_OK;
}

/* Apply the value text of one --set to key (see nb_scenario_set). */
static int set_value(nb_scenario *sc, const char *key, const char *text, nb_err *e)
{
    char why[512];
    nb_src *src = calloc(1, sizeof *src);
    if (!src) return nb_err_code(e, NB_ENOMEM, "out of memory");
    *src = (nb_src){.sc = sc, .e = e, .file = NB_CLI, .top = true, .cli = true};
    nb_yaml y;
    nb_loc at = {0, 0};
    if (is_rules_path(key)) {              /* refused whatever the value */
        int rc = apply_rules(src, at, NULL);
        free(src);
        return rc;
    }
    int rc = nb_yaml_open(&y, text, strlen(text), "scenario", &at, why, sizeof why);
    if (rc == NB_EINVAL) rc = src_fail(src, at, key, "%s%s", y.syntax ? "YAML syntax error in the value: " : "", why);
    else if (rc == NB_ENOMEM) rc = nb_err_code(e, NB_ENOMEM, "out of memory");
    else {
        struct fy_node *v = y.doc ? fy_document_root(y.doc) : NULL;
        at = (nb_loc){0, 0};
        rc = is_meta(key) ? apply_meta(src, key, at, v) : apply_entry(src, key, at, v);
    }
    nb_yaml_close(&y);
    free(src);
    return rc;
}

typedef struct nb_saved {        /* what a --set may change, to undo a failed one */
    nb_paramset ps;
    nb_origin origin[NB_NPARAMS];
} nb_saved;

int nb_scenario_set(nb_scenario *sc, const char *assignment, nb_err *e)
{
    assert(sc && assignment);
    char key[NB_KEY_MAX], shown[128];
    const char *eq = strchr(assignment, '=');
    size_t klen = eq ? (size_t)(eq - assignment) : 0;
    if (!eq) return nb_err_set(e, "%s: '%s' is not of the form key=value", NB_CLI, show(assignment, shown, sizeof shown));
    if (klen >= sizeof key) return nb_err_set(e, "%s: the key of '%s' is too long", NB_CLI, show(assignment, shown, sizeof shown));
    memcpy(key, assignment, klen);
    key[klen] = '\0';
    if (!trim_copy(key, key, sizeof key) || !*key)
        return nb_err_set(e, "%s: '%s' has no key before '='", NB_CLI, show(assignment, shown, sizeof shown));
    nb_saved *saved = malloc(sizeof *saved);        /* a group may fail half-way */
    if (!saved) return nb_err_code(e, NB_ENOMEM, "out of memory");
    saved->ps = sc->ps;
    memcpy(saved->origin, sc->origin, sizeof saved->origin);
    int rc = set_value(sc, key, eq + 1, e);
    if (rc != NB_OK) {
        sc->ps = saved->ps;
        memcpy(sc->origin, saved->origin, sizeof sc->origin);
    }
    free(saved);
    return rc;
}

void nb_scenario_free(nb_scenario *sc)
{
    if (!sc) return;
    for (int i = 0; i < sc->n_files; i++) free(sc->files[i]);
    free(sc->files);
    free(sc->path);
    free(sc->name);
    free(sc->title);
    free(sc->title_zh);
    free(sc->description);
    for (int i = 0; i < NB_RULES_MAX; i++) free(sc->rule_name[i]);
    free(sc);
}

/* ==== validate ===================================================================== */

/* "FILE:LINE:COL", "--set" or "default": where a parameter's value was set. */
static const char *origin_where(const nb_origin *o, char *buf, size_t n)
{
    if (!o->file) snprintf(buf, n, "default");
    else if (o->line <= 0) snprintf(buf, n, "%s", o->file);
    else snprintf(buf, n, "%s:%d:%d", o->file, o->line, o->col > 0 ? o->col : 1);
    return buf;
}

/* "from FILE:LINE:COL", "from --set" or "the default", for the other value named in a
 * cross-parameter message. */
static const char *origin_from(const nb_origin *o, char *buf, size_t n)
{
    char w[1100];
    if (!o->file) snprintf(buf, n, "the default");
    else snprintf(buf, n, "from %.*s", (int)(n > 6 ? n - 6 : 0), origin_where(o, w, sizeof w));
    return buf;
}

/* How late a value was set: default 0, files by extends depth (the top file last),
 * --set last of all.  Errors blame the later of two values. */
static int origin_rank(const nb_scenario *sc, const nb_origin *o)
{
    if (!o->file) return 0;
    for (int i = 0; i < sc->n_files; i++)
        if (o->file == sc->files[i]) return 1 + sc->n_files - i;
    return sc->n_files + 2;
}

/* The constant value of parameter id (all the cross-checked parameters are constants). */
static double const_value(const nb_scenario *sc, int id)
{
    return sc->ps.p[id].value[0];
}

/* Check every stored value of parameter id against the registry again. */
static int check_stored(const nb_scenario *sc, int id, nb_err *e)
{
    const nb_param_info *p = &nb_registry[id];
    const nb_sched *s = &sc->ps.p[id];
    char where[1100], val[96];
    const char *why;
    origin_where(&sc->origin[id], where, sizeof where);
    if (s->n > 0 && !(p->flags & NB_F_SCHED))
        return nb_err_set(e, "%s: key '%s': is not schedulable", where, p->name);
    for (int k = 0; k < (s->n ? s->n : 1); k++) {
        assert(k == 0 || s->month[k] > s->month[k - 1]);
        if (nb_registry_check(id, s->value[k], &why) != NB_OK) {
            fmt_human(p->type, s->value[k], val, sizeof val);
            return nb_err_set(e, "%s: key '%s': value %s %s", where, p->name, val, why);
        }
    }
    return NB_OK;
}

/* "init.firms = 500", with " (from FILE:LINE:COL)" or " (the default)" when `from`. */
static const char *name_value(const nb_scenario *sc, int id, bool from, char *buf, size_t n)
{
    char v[64], o[1200];
    fmt_plain(nb_registry[id].type, const_value(sc, id), v, sizeof v);
    snprintf(buf, n, "%s = %s%s%s%s", nb_registry[id].name, v, from ? " (" : "",
             from ? origin_from(&sc->origin[id], o, sizeof o) : "", from ? ")" : "");
    return buf;
}

/* Require value(lo) <= value(hi).  The message names the later-set of the two (hi on a
 * tie when tie_hi), `verb` relates them ("exceeds") and `why` explains the rule. */
static int check_le(const nb_scenario *sc, int lo, int hi, bool tie_hi, const char *verb,
                    const char *why, nb_err *e)
{
    if (const_value(sc, lo) <= const_value(sc, hi)) return NB_OK;
    int rl = origin_rank(sc, &sc->origin[lo]), rh = origin_rank(sc, &sc->origin[hi]);
    int blame = rh > rl || (rh == rl && tie_hi) ? hi : lo;
    char w[1100], a[1300], b[1300];
    return nb_err_set(e, "%s: key '%s': %s %s %s: %s",
                      origin_where(&sc->origin[blame], w, sizeof w), nb_registry[blame].name,
                      name_value(sc, lo, blame != lo, a, sizeof a), verb,
                      name_value(sc, hi, blame != hi, b, sizeof b), why);
}

/* The run must not end before it starts nor last more than NB_RUN_MONTHS_MAX months. */
static int check_run(const nb_scenario *sc, nb_err *e)
{
    int rc = check_le(sc, NB_P_run_start, NB_P_run_end, true, "is after",
                      "the run must end in or after the month it starts", e);
    if (rc) return rc;
    int months = nb_paramset_months(&sc->ps);
    if (months <= NB_RUN_MONTHS_MAX) return NB_OK;
    int rs = origin_rank(sc, &sc->origin[NB_P_run_start]), re = origin_rank(sc, &sc->origin[NB_P_run_end]);
    int blame = rs > re ? NB_P_run_start : NB_P_run_end;
    char w[1100];
    return nb_err_set(e, "%s: key '%s': the run spans %d months; at most %d (100 years)",
                      origin_where(&sc->origin[blame], w, sizeof w), nb_registry[blame].name,
                      months, NB_RUN_MONTHS_MAX);
}

/* Check every stored rule again (a rule put into the parameter set behind the
 * loader's back is caught too). */
static int check_rules(const nb_scenario *sc, nb_err *e)
{
    const nb_paramset *ps = &sc->ps;
    char where[1100], val[96], buf[200];
    if (ps->n_rules < 0 || ps->n_rules > NB_RULES_MAX)
        return nb_err_set(e, "key '%s': %d rules; a scenario has at most %d", NB_RULES_KEY, ps->n_rules,
                          NB_RULES_MAX);
    for (int i = 0; i < ps->n_rules; i++) {
        const nb_rule *r = &ps->rules[i];
        const char *why = NULL, *part = "";
        origin_where(&sc->rule_origin[i], where, sizeof where);
        if (r->metric < 0 || r->metric >= NB_NMETRICS) part = "if.metric", why = "is not a metric";
        else if (r->above != 0 && r->above != 1) part = "if", why = "is neither below nor above";
        else if (!isfinite(r->threshold)) part = r->above ? "if.above" : "if.below", why = "is not a finite number";
        else if (r->param < 0 || r->param >= NB_NPARAMS || !(nb_registry[r->param].flags & NB_F_SCHED))
            part = "then.param", why = "is not a schedulable parameter";
        else if (r->op != NB_RULE_SET && r->op != NB_RULE_ADD && r->op != NB_RULE_MUL)
            part = "then", why = "is not set, add or multiply";
        else if ((why = rule_op_why(r->param, r->op)) || (why = rule_value_why(r->param, r->op, r->value, buf, sizeof buf))) {
            part = r->op == NB_RULE_SET ? "then.set" : r->op == NB_RULE_ADD ? "then.add" : "then.multiply";
            nb_num_exact(r->value, val, sizeof val);
            return nb_err_set(e, "%s: key '%s[%d].%s': %s %s %s", where, NB_RULES_KEY, i, part,
                              nb_registry[r->param].name, val, why);
        }
        if (why) return nb_err_set(e, "%s: key '%s[%d].%s': %s", where, NB_RULES_KEY, i, part, why);
    }
    return NB_OK;
}

int nb_scenario_validate(const nb_scenario *sc, nb_err *e)
{
    assert(sc);
    int rc = NB_OK;
    for (int id = 0; id < NB_NPARAMS && rc == NB_OK; id++) rc = check_stored(sc, id, e);
    if (!rc) rc = check_rules(sc, e);
    if (!rc) rc = check_run(sc, e);
    if (!rc) rc = check_le(sc, NB_P_run_origin, NB_P_run_start, false, "is after",
                           "the zone is simulated from its founding up to the reporting start", e);
    return rc;
}

/* ==== to_yaml ====================================================================== */


/* Append the value of parameter id: a scalar, or a flow mapping for a schedule.
 * human: the same for readers (money in 万/亿), for a comment. */
static void yaml_value(nb_buf *b, nb_buf *human, const nb_scenario *sc, int id)
{
    const nb_sched *s = &sc->ps.p[id];
    nb_ptype t = nb_registry[id].type;
    char v[64], h[96], m[16];
    if (s->n == 0) {
        fmt_plain(t, s->value[0], v, sizeof v);
        fmt_human(t, s->value[0], h, sizeof h);
        nb_buf_printf(b, "%s", v);
        nb_buf_printf(human, "%s", h);
        return;
    }
    for (int k = 0; k < s->n; k++) {
        nb_month_format(s->month[k], m);
        fmt_plain(t, s->value[k], v, sizeof v);
        fmt_human(t, s->value[k], h, sizeof h);
        nb_buf_printf(b, "%s%s: %s%s", k ? ", " : "{", m, v, k + 1 == s->n ? "}" : "");
        nb_buf_printf(human, "%s%s: %s%s", k ? ", " : "{", m, h, k + 1 == s->n ? "}" : "");
    }
}

/* Append "  leaf: value   # human; origin" for parameter id. */
static void yaml_param(nb_buf *b, const nb_scenario *sc, int id)
{
    nb_buf val = {0}, human = {0};
    yaml_value(&val, &human, sc, id);
    if (val.oom || human.oom || !val.s || !human.s) {
        b->oom = true;
    } else {
        const char *leaf = strchr(nb_registry[id].name, '.') + 1;
        bool differ = strcmp(val.s, human.s) != 0;
        const nb_origin *o = &sc->origin[id];
        char where[1100], shown[1100];
        origin_where(o, where, sizeof where);
        int width = (int)strlen(leaf) + 4 + (int)val.len;
        nb_buf_printf(b, "  %s: %s", leaf, val.s);
        if (differ || o->file)
            nb_buf_printf(b, "%*s# %s%s%s", width < 40 ? 40 - width : 1, "", differ ? human.s : "",
                       differ && o->file ? "; " : "", o->file ? show(where, shown, sizeof shown) : "");
        nb_buf_printf(b, "\n");
    }
    free(val.s);
    free(human.s);
}

/* Append the header comment and the meta keys. */
static void yaml_head(nb_buf *b, const nb_scenario *sc)
{
    char shown[1100];
    nb_buf_printf(b, "# neobay %s scenario '%s', fully resolved: every parameter, defaults included.\n",
               NB_VERSION, show(sc->name, shown, sizeof shown));
    for (int i = 0; i < sc->n_files; i++)
        nb_buf_printf(b, "# %s %s\n", i ? "  which extends" : "Read from", show(sc->files[i], shown, sizeof shown));
    nb_buf_printf(b, "# A comment after a value gives it in 万/亿 and names the file:line:col it was set\n"
                  "# at; values without one are registry defaults.  Money is in RMB (yuan).\n");
    nb_buf_printf(b, "name: ");
    nb_buf_quoted(b, sc->name);
    const char *keys[] = {"title", "title_zh", "description"};
    const char *vals[] = {sc->title, sc->title_zh, sc->description};
    for (int i = 0; i < 3; i++) {
        if (!vals[i]) continue;
        nb_buf_printf(b, "\n%s: ", keys[i]);
        nb_buf_quoted(b, vals[i]);
    }
    nb_buf_printf(b, "\n");
}

/* Append one line of a rule ("  - " before the first, "    " before the others) with
 * the comment parts c1 and c2 (either may be empty). */
static void yaml_rule_line(nb_buf *b, bool first, const char *text, const char *c1, const char *c2)
{
    int width = 4;                       /* columns: a CJK character (3 bytes) takes 2 */
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        width += (*p & 0xC0) == 0x80 ? 0 : (*p & 0xF0) == 0xE0 ? 2 : 1;
    nb_buf_printf(b, "%s%s", first ? "  - " : "    ", text);
    if (*c1 || *c2)
        nb_buf_printf(b, "%*s# %s%s%s", width < 60 ? 60 - width : 1, "", c1, *c1 && *c2 ? "; " : "", c2);
    nb_buf_printf(b, "\n");
}

/* Append rule i: name, from (when not the first month), if and then; the comments give
 * the money in 万/亿 and the file:line:col the rule was written at. */
static void yaml_rule(nb_buf *b, const nb_scenario *sc, int i)
{
    const nb_rule *r = &sc->ps.rules[i];
    const nb_param_info *p = &nb_registry[r->param];
    static const char *const op_key[] = {"set", "add", "multiply"};
    char where[1100], origin[1100], text[512], plain[64], human[96], hif[160] = "", hthen[160] = "";
    bool first = true;
    origin_where(&sc->rule_origin[i], where, sizeof where);
    show(sc->rule_origin[i].file ? where : "", origin, sizeof origin);
    if (sc->rule_name[i]) {
        nb_buf name = {0};
        nb_buf_printf(&name, "name: ");
        nb_buf_quoted(&name, sc->rule_name[i]);
        if (name.oom) b->oom = true;
        else yaml_rule_line(b, first, name.s, "", origin);
        free(name.s);
        first = false;
    }
    if (r->from != 0) {
        nb_month_format(r->from, plain);
        snprintf(text, sizeof text, "from: %s", plain);
        yaml_rule_line(b, first, text, "", first ? origin : "");
        first = false;
    }
    const char *unit = nb_metrics[r->metric].unit;
    nb_num_exact(r->threshold, plain, sizeof plain);
    if (strncmp(unit, "RMB", 3) == 0 && fmt_money_unit(r->threshold, human, sizeof human))
        snprintf(hif, sizeof hif, "%s %s", r->above ? "above" : "below", human);
    snprintf(text, sizeof text, "if: {metric: %s, %s: %s}", nb_metrics[r->metric].name,
             r->above ? "above" : "below", plain);
    yaml_rule_line(b, first, text, hif, first ? origin : "");
    first = false;
    nb_ptype t = r->op == NB_RULE_MUL ? NB_T_REAL : p->type;
    fmt_plain(t, r->value, plain, sizeof plain);
    fmt_human(t, r->value, human, sizeof human);
    if (strcmp(plain, human) != 0) snprintf(hthen, sizeof hthen, "%s %s", op_key[r->op], human);
    snprintf(text, sizeof text, "then: {param: %s, %s: %s}", p->name, op_key[r->op], plain);
    yaml_rule_line(b, first, text, hthen, "");
}

/* Append the rules: a list, or "rules: []" when there are none. */
static void yaml_rules(nb_buf *b, const nb_scenario *sc)
{
    nb_buf_printf(b, "\n# Adaptive rules (measure 20), in order: from `from` on, the first month in which last\n"
                  "# month's metric is below/above the threshold, the rule fires and from then on sets,\n"
                  "# raises or multiplies the parameter on top of its schedule.  Each fires at most once.\n");
    if (sc->ps.n_rules <= 0) {
        nb_buf_printf(b, "%s: []\n", NB_RULES_KEY);
        return;
    }
    nb_buf_printf(b, "%s:\n", NB_RULES_KEY);
    for (int i = 0; i < sc->ps.n_rules && i < NB_RULES_MAX; i++) yaml_rule(b, sc, i);
}

char *nb_scenario_to_yaml(const nb_scenario *sc)
{
    assert(sc && sc->name);
    nb_buf b = {0};
    yaml_head(&b, sc);
    for (int g = 0; g < NB_NPARAMS; g++) {
        char group[NB_KEY_MAX];
        group_of(nb_registry[g].name, group, sizeof group);
        if (group_first(group) != g) continue;         /* each group once, in order */
        nb_buf_printf(&b, "\n%s:\n", group);
        for (int id = g; id < NB_NPARAMS; id++) {
            char other[NB_KEY_MAX];
            group_of(nb_registry[id].name, other, sizeof other);
            if (strcmp(group, other) == 0) yaml_param(&b, sc, id);
        }
    }
    yaml_rules(&b, sc);
    if (b.oom) {
        free(b.s);
        return NULL;
    }
    return b.s;
}
