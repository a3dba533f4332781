/* scenario.h -- scenario files (YAML) to a validated parameter set.
 *
 * A scenario file is a YAML mapping.  Meta keys: `extends` (a path, relative to the
 * file, of a .yaml/.yml scenario this one overrides, inside the scenario's folder
 * tree: see nb_scenario_allow_outside), `name`, `title`, `title_zh`,
 * `description`.  Every other key is a parameter of the registry, written nested
 * (`exit: {hazard_y1: 0.02}`) or dotted (`exit.background: 0.02`).  A value is a
 * scalar of the parameter's type or, for NB_F_SCHED parameters, a dated schedule
 * `{2024-07-11: 0, 2025-01-01: 2亿}`.  Money may carry 万 (1e4), 亿 (1e8) or 万亿 (1e12).
 *
 * Adaptive policy rules (measure 20): the top-level key `rules` is a list of at most
 * NB_RULES_MAX rules, each a mapping
 *
 *     rules:
 *       - name: top up the guidance fund       # optional text, kept for the output
 *         from: 2026-01                        # optional; YYYY-MM or YYYY-MM-DD
 *         if: {metric: alliance_deployed, below: 50亿}     # or above: VALUE
 *         then: {param: policy.guidance_fund, add: 1亿}    # or set: / multiply:
 *
 * From month `from` on (from the first month when `from` is left out) the model checks
 * the rule each month: the first month in which last month's value of the output
 * metric (any name of model/metrics.def) is below (or above) the threshold, the rule
 * fires, and from that month on the parameter is set to, raised by, or multiplied by
 * the value, on top of its schedule.  Each rule fires at most once; rules apply in
 * the order written; the result is clamped to the parameter's registry range.
 * `if` takes exactly one of below/above: a number, which may carry 万/亿/万亿 whatever
 * the metric.  `then` takes exactly one of set/add/multiply; `param` must be a
 * parameter that may be a dated schedule (NB_F_SCHED).  `set` is a value of the
 * parameter's type within its range; `add` is of its type (negative lowers it) and no
 * larger than its whole range; `multiply` is a plain number >= 0.  A boolean
 * parameter can only be `set`.
 *
 * A file's `rules` replaces the whole list of the scenario it extends (`rules: []`
 * removes every rule); a file without `rules` keeps its base's.  `--set` cannot give
 * rules.  Messages name a rule by its position from 0: `rules[2].if.metric`.
 *
 * Every error message names the file, line, column, key path and what is wrong.
 */
#ifndef NB_SCENARIO_H
#define NB_SCENARIO_H
#include <stdbool.h>
#include "../model/paramset.h"
#include "error.h"

typedef struct nb_origin {       /* where a parameter got its value */
    const char *file;            /* NULL: the registry default; "--set" for overrides */
    int line, col;
} nb_origin;

typedef struct nb_scenario {
    nb_paramset ps;
    nb_origin origin[NB_NPARAMS];
    char *path;                  /* the top file as given */
    char *name;                  /* `name`, or the file's base name without .yaml */
    char *title, *title_zh, *description;   /* may be NULL */
    char **files;                /* every file read (for origins), owned */
    int n_files;
    /* For each of ps.rules[0 .. ps.n_rules): where it was written (the file is one of
     * files[]) and its `name` (owned; NULL when it has none). */
    nb_origin rule_origin[NB_RULES_MAX];
    char *rule_name[NB_RULES_MAX];
} nb_scenario;

/* Load `path` and the chain of files it extends.  On success *out is a new
 * scenario (free with nb_scenario_free) and NB_OK is returned; on failure *out is
 * NULL, e->msg says what is wrong and NB_EINVAL (bad content) or NB_EIO (a file
 * cannot be read) is returned. */
int nb_scenario_load(const char *path, nb_scenario **out, nb_err *e);

/* Apply a command-line override "key=value" (value as in a file, schedules in flow
 * style allowed; not `rules`).  Errors name "--set" in place of file:line. */
int nb_scenario_set(nb_scenario *sc, const char *assignment, nb_err *e);

/* Cross-parameter checks after all overrides (run.end >= run.start, nested
 * initial counts, ...), naming the file and line where the offending value was set;
 * every stored value and rule is checked again. */
int nb_scenario_validate(const nb_scenario *sc, nb_err *e);

/* The fully resolved scenario as YAML text (every parameter, defaults included, then
 * the rules, with comments naming the file and line each value came from).  malloc'd;
 * NULL when memory runs out.  Loading this text as a file gives the same parameter
 * set, rules included, and the same rule names. */
char *nb_scenario_to_yaml(const nb_scenario *sc);

void nb_scenario_free(nb_scenario *sc);

/* Let `extends` name files outside the scenario's folder tree (the flag
 * --allow-extends-outside; off by default).  The tree is the folder holding the top
 * file's folder, resolved with realpath (so neither ../.. nor a symlink leaves it),
 * or the top file's folder when that is a child of /.  In every case extends names
 * a .yaml or .yml file.  Process-wide: call before loading. */
void nb_scenario_allow_outside(bool allow);

/* Parse a scalar of type `t` ("2亿", "5000万", "1.5e8", "2024-07", "true").
 * Returns NB_OK and *v, or NB_EINVAL with a static reason in *why. */
int nb_value_parse(nb_ptype t, const char *text, double *v, const char **why);

/* Format month index m as "YYYY-MM" into buf (at least 8 bytes). */
void nb_month_format(int m, char *buf);

/* Parameter id's type and unit for messages, "money, RMB/month" ("month" or "bool"
 * alone, and the type alone for unitless ones), written into buf (n bytes).
 * Returns buf. */
const char *nb_scenario_type_note(int id, char *buf, size_t n);

#endif
