/* calibrate_targets.c -- targets files and calibration files (see calibrate.h).
 *
 * targets file (calibration/targets.yaml):
 *
 *   cohorts:
 *     entrants: [2023-03, 2024-02]   # birth months of the entrant cohort (survival, hazards)
 *     seeded: [2023-03, 2024-02]     # months of the first round of the seed cohort (funnel)
 *   targets:
 *     - id: firms_2024_07            # unique: letters, digits, _
 *       figure: 4,000+ hard-tech firms
 *       when: mid 2024
 *       source: the source document (`../seed/`)
 *       value: 4000
 *       range: [4000, 4400]          # optional: the observed interval; gap 0 inside
 *       sd: 200                      # a gap of one sd counts 1 in the distance
 *       uncertainty: "assumption: ..."   # what sd/range stand for
 *       weight: 2                    # default 1
 *       statistic: {metric: firms, at: 2024-07}
 *     - id: spinoffs_2023_02
 *       role: input                  # target (default) | input | excluded
 *       note: why it is not fitted
 *       ...
 *
 * statistic (exactly one kind):
 *   {metric: NAME, at: YYYY-MM}           a metric of model/metrics.def at a month
 *   {hazard: [A, B]} or {hazard: A}       annual exit hazard in age years A..B
 *   {survival: MONTHS}                    survival to age MONTHS
 *   {funnel_round: R, follow: MONTHS}     share of the seed cohort raising round R
 *   {funnel_exit: MONTHS}                 ... acquired or listed within MONTHS
 *   {funnel_unicorn: MONTHS}              ... valued >= the unicorn threshold within MONTHS
 *   {step_up: R}                          median step-up from round R to R+1
 *   {round_age: R}                        mean age in years at round R
 *   {unicorn_ipo_rate: true}              listings of unicorns a year per unicorn
 *
 * calibration file (calibration/NAME.yaml):
 *
 *   name: gnb-2024
 *   scenario: start-2023-02.yaml     # the base scenario, relative to this file
 *   targets: targets.yaml            # relative to this file
 *   parameters:
 *     funding.round_rate: {min: 0.005, max: 0.1, log: true}
 *     init.valued_1e8: {min: 40, max: 130, nuisance: true}
 *     growth.drift: {}               # uniform on the registry range
 *   particles: 200                   # N per generation
 *   generations: 8                   # at most (generation 0 samples the prior)
 *   tolerance: 0                     # stop once the tolerance is at or below (0: never)
 *   quantile: 0.5                    # next tolerance = this quantile of the distances
 *   min_acceptance: 0.02             # stop when the acceptance rate falls below
 *   replicates: 2                    # model replicates per candidate
 *   predictive: 2                    # replicates per particle, posterior predictive
 *   batch: 200                       # candidates per scan (default: particles)
 *   max_simulations: 20000           # candidates per generation at most
 *   seed: 1
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../model/metrics.h"
#include "../model/neobay.h"
#include "calibrate.h"
#include "calibrate_yaml.h"
#include "infile.h"

/* ==== targets ======================================================================= */

static const char *const top_keys[] = {"title", "description", "cohorts", "targets"};
static const char *const cohort_keys[] = {"entrants", "seeded"};
static const char *const entry_keys[] = {"id", "figure", "when", "source", "role", "note",
                                         "value", "range", "sd", "uncertainty", "weight",
                                         "statistic"};
static const char *const role_words[] = {"target", "input", "excluded"};
static const char *const stat_keys[] = {"metric", "at", "hazard", "survival", "funnel_round",
                                        "follow", "funnel_exit", "funnel_unicorn", "step_up",
                                        "round_age", "unicorn_ipo_rate"};
#define N_OF(a) ((int)(sizeof(a) / sizeof((a)[0])))

void nb_targets_free(nb_targets *t)
{
    if (!t) return;
    for (int i = 0; i < t->n; i++) {
        nb_target *x = &t->t[i];
        free(x->id); free(x->figure); free(x->when); free(x->source);
        free(x->uncertainty); free(x->note); free(x->stat_text);
    }
    free(t->path);
    free(t->text);
    free(t);
}

/* [FROM, TO] months of a cohort window. */
static int read_window(const nb_cy *y, struct fy_node *v, const char *path, int *w)
{
    if (nb_cy_is_null(v) || !fy_node_is_sequence(v) || fy_node_sequence_item_count(v) != 2)
        return nb_cy_fail(y, v, path, "expected [FROM, TO], two months YYYY-MM, found %s",
                          nb_cy_is_null(v) ? "nothing" : nb_cy_kind(v));
    if (nb_cy_month(y, fy_node_sequence_get_by_index(v, 0), path, &w[0]) ||
        nb_cy_month(y, fy_node_sequence_get_by_index(v, 1), path, &w[1]))
        return NB_EINVAL;
    if (w[1] < w[0]) return nb_cy_fail(y, v, path, "the window ends before it starts");
    return NB_OK;
}

static int read_cohorts(const nb_cy *y, struct fy_node *v, nb_targets *t)
{
    if (nb_cy_is_null(v) || !fy_node_is_mapping(v))
        return nb_cy_fail(y, v, "cohorts", "expected a mapping {entrants: [FROM, TO], seeded: [FROM, TO]}, found %s",
                          nb_cy_is_null(v) ? "nothing" : nb_cy_kind(v));
    if (nb_cy_keys(y, v, "cohorts", cohort_keys, N_OF(cohort_keys))) return NB_EINVAL;
    struct fy_node *k, *w;
    int col;
    if ((w = nb_cy_get(v, "entrants", &k))) {
        if (read_window(y, w, "cohorts.entrants", t->entrants)) return NB_EINVAL;
        nb_cy_loc(k, &t->cohort_line[0], &col);
    }
    if ((w = nb_cy_get(v, "seeded", &k))) {
        if (read_window(y, w, "cohorts.seeded", t->seeded)) return NB_EINVAL;
        nb_cy_loc(k, &t->cohort_line[1], &col);
    }
    return NB_OK;
}

static const char *stat_unit(int kind, int metric)
{
    switch (kind) {
    case NB_ST_METRIC: return nb_metrics[metric].unit;
    case NB_ST_HAZARD: return "1/year";
    case NB_ST_STEP_UP: return "x";
    case NB_ST_ROUND_AGE: return "years";
    case NB_ST_UNICORN_IPO: return "1/year";
    default: return "fraction";
    }
}

/* The statistic in words. */
static char *stat_words(const nb_stat *s)
{
    char buf[512], m1[8], m2[8];
    switch (s->kind) {
    case NB_ST_METRIC:
        nb_month_format(s->at, m1);
        snprintf(buf, sizeof buf, "metric %s at %s", nb_metrics[s->metric].name, m1);
        break;
    case NB_ST_HAZARD:
        if (s->a == s->b)
            snprintf(buf, sizeof buf, "annual exit hazard (failures, acquisitions) in age year %d, entrant cohort", s->a);
        else
            snprintf(buf, sizeof buf, "annual exit hazard (failures, acquisitions) in age years %d-%d (mean), entrant cohort", s->a, s->b);
        break;
    case NB_ST_SURVIVAL:
        snprintf(buf, sizeof buf, "share of the entrant cohort not failed at age %d months", s->a);
        break;
    case NB_ST_FUNNEL_ROUND:
        snprintf(buf, sizeof buf, "share of the seed cohort raising round %d within %d months", s->a, s->follow);
        break;
    case NB_ST_FUNNEL_EXIT:
        snprintf(buf, sizeof buf, "share of the seed cohort acquired or listed within %d months", s->a);
        break;
    case NB_ST_FUNNEL_UNICORN:
        snprintf(buf, sizeof buf, "share of the seed cohort valued >= def.unicorn_usd (round or listing) within %d months", s->a);
        break;
    case NB_ST_STEP_UP:
        snprintf(buf, sizeof buf, "median step-up, pre-money of round %d / post-money of round %d", s->a + 1, s->a);
        break;
    case NB_ST_ROUND_AGE:
        snprintf(buf, sizeof buf, "mean firm age in years at round %d (rounds in the run)", s->a);
        break;
    case NB_ST_UNICORN_IPO:
        snprintf(buf, sizeof buf, "unicorn listings a year per unicorn (run mean)");
        break;
    default:
        snprintf(buf, sizeof buf, "?");
    }
    (void)m2;
    return nb_cy_dup(buf);
}

/* The statistic mapping of entry `pre` (targets[i]). */
static int read_stat(const nb_cy *y, struct fy_node *v, const char *pre, nb_stat *s)
{
    char path[128];
    snprintf(path, sizeof path, "%s.statistic", pre);
    if (nb_cy_is_null(v) || !fy_node_is_mapping(v))
        return nb_cy_fail(y, v, path, "expected a mapping such as {metric: firms, at: 2024-07}, found %s",
                          nb_cy_is_null(v) ? "nothing" : nb_cy_kind(v));
    if (nb_cy_keys(y, v, path, stat_keys, N_OF(stat_keys))) return NB_EINVAL;
    static const char *const kinds[] = {"metric", "hazard", "survival", "funnel_round",
                                        "funnel_exit", "funnel_unicorn", "step_up",
                                        "round_age", "unicorn_ipo_rate"};
    static const int kind_id[] = {NB_ST_METRIC, NB_ST_HAZARD, NB_ST_SURVIVAL,
                                  NB_ST_FUNNEL_ROUND, NB_ST_FUNNEL_EXIT, NB_ST_FUNNEL_UNICORN,
                                  NB_ST_STEP_UP, NB_ST_ROUND_AGE, NB_ST_UNICORN_IPO};
    int found = -1;
    struct fy_node *kn = NULL;
    for (int i = 0; i < N_OF(kinds); i++) {
        struct fy_node *k;
        if (!nb_cy_get(v, kinds[i], &k)) continue;
        if (found >= 0)
            return nb_cy_fail(y, k, path, "give one kind of statistic, not both '%s' and '%s'",
                              kinds[found], kinds[i]);
        found = i;
        kn = k;
    }
    if (found < 0)
        return nb_cy_fail(y, v, path, "no statistic: give one of metric, hazard, survival, funnel_round, "
                                      "funnel_exit, funnel_unicorn, step_up, round_age, unicorn_ipo_rate");
    memset(s, 0, sizeof *s);
    s->kind = kind_id[found];
    struct fy_node *at = nb_cy_get(v, "at", NULL), *fo = nb_cy_get(v, "follow", NULL);
    if (at && s->kind != NB_ST_METRIC)
        return nb_cy_fail(y, at, path, "'at' belongs to a metric statistic only");
    if (fo && s->kind != NB_ST_FUNNEL_ROUND)
        return nb_cy_fail(y, fo, path, "'follow' belongs to funnel_round only");
    struct fy_node *val = nb_cy_get(v, kinds[found], NULL);
    snprintf(path, sizeof path, "%s.statistic.%s", pre, kinds[found]);
    switch (s->kind) {
    case NB_ST_METRIC: {
        if (nb_cy_is_null(val) || !fy_node_is_scalar(val))
            return nb_cy_fail(y, val ? val : kn, path, "expected a metric name, found %s",
                              nb_cy_is_null(val) ? "nothing" : nb_cy_kind(val));
        s->metric = nb_metric_find(nb_cy_text(val));
        if (s->metric < 0) {
            int g = nb_metric_suggest(nb_cy_text(val));
            if (g >= 0) return nb_cy_fail(y, val, path, "unknown metric '%s'; did you mean '%s'?",
                                          nb_cy_text(val), nb_metrics[g].name);
            return nb_cy_fail(y, val, path, "unknown metric '%s' (model/metrics.def lists them)",
                              nb_cy_text(val));
        }
        snprintf(path, sizeof path, "%s.statistic.at", pre);
        if (!at) return nb_cy_fail(y, kn, path, "a metric statistic needs 'at: YYYY-MM'");
        return nb_cy_month(y, at, path, &s->at);
    }
    case NB_ST_HAZARD: {
        long a, b;
        if (val && fy_node_is_sequence(val)) {
            if (fy_node_sequence_item_count(val) != 2)
                return nb_cy_fail(y, val, path, "expected [FIRST, LAST] age years, or one age year");
            if (nb_cy_whole(y, fy_node_sequence_get_by_index(val, 0), path, 1, 30, &a) ||
                nb_cy_whole(y, fy_node_sequence_get_by_index(val, 1), path, 1, 30, &b))
                return NB_EINVAL;
            if (b < a) return nb_cy_fail(y, val, path, "the last age year is before the first");
        } else {
            if (nb_cy_whole(y, val, path, 1, 30, &a)) return NB_EINVAL;
            b = a;
        }
        s->a = (int)a;
        s->b = (int)b;
        return NB_OK;
    }
    case NB_ST_SURVIVAL:
    case NB_ST_FUNNEL_EXIT:
    case NB_ST_FUNNEL_UNICORN: {
        long a;
        if (nb_cy_whole(y, val, path, 1, 1200, &a)) return NB_EINVAL;
        s->a = (int)a;
        return NB_OK;
    }
    case NB_ST_FUNNEL_ROUND: {
        long a, f;
        if (nb_cy_whole(y, val, path, 2, 15, &a)) return NB_EINVAL;
        s->a = (int)a;
        snprintf(path, sizeof path, "%s.statistic.follow", pre);
        if (!fo) return nb_cy_fail(y, kn, path, "funnel_round needs 'follow: MONTHS' (the follow-up after the first round)");
        if (nb_cy_whole(y, fo, path, 1, 1200, &f)) return NB_EINVAL;
        s->follow = (int)f;
        return NB_OK;
    }
    case NB_ST_STEP_UP:
    case NB_ST_ROUND_AGE: {
        long a;
        if (nb_cy_whole(y, val, path, 1, s->kind == NB_ST_STEP_UP ? 14 : 15, &a)) return NB_EINVAL;
        s->a = (int)a;
        return NB_OK;
    }
    case NB_ST_UNICORN_IPO: {
        int on;
        if (nb_cy_bool(y, val, path, &on)) return NB_EINVAL;
        if (!on) return nb_cy_fail(y, val, path, "write 'unicorn_ipo_rate: true' (or leave the statistic out)");
        return NB_OK;
    }
    }
    return NB_OK;
}

/* A text field of entry `pre`, required or not. */
static int entry_text(const nb_cy *y, struct fy_node *m, struct fy_node *at, const char *pre,
                      const char *key, int required, char **out)
{
    char path[128];
    snprintf(path, sizeof path, "%s.%s", pre, key);
    struct fy_node *v = nb_cy_get(m, key, NULL);
    if (!v) {
        if (!required) return NB_OK;
        return nb_cy_fail(y, at, path, "missing: every %s needs '%s'", "target", key);
    }
    return nb_cy_string(y, v, path, out);
}

static int valid_id(const char *s)
{
    if (!*s) return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_') return 0;
    return 1;
}

/* Entry i of the targets list. */
static int read_entry(const nb_cy *y, struct fy_node *m, int i, nb_targets *tg)
{
    char pre[64], path[128];
    snprintf(pre, sizeof pre, "targets[%d]", i);
    if (nb_cy_is_null(m) || !fy_node_is_mapping(m))
        return nb_cy_fail(y, m, pre, "expected a mapping (id, figure, when, source, value, sd, ...), found %s",
                          nb_cy_is_null(m) ? "nothing" : nb_cy_kind(m));
    if (nb_cy_keys(y, m, pre, entry_keys, N_OF(entry_keys))) return NB_EINVAL;
    nb_target *t = &tg->t[i];
    memset(t, 0, sizeof *t);
    tg->n = i + 1;
    nb_cy_loc(m, &t->line, &t->col);
    t->weight = 1;
    t->value = t->lo = t->hi = NAN;
    struct fy_node *v;
    if ((v = nb_cy_get(m, "role", NULL))) {
        snprintf(path, sizeof path, "%s.role", pre);
        const char *r = nb_cy_text(v);
        int k = 0;
        while (k < 3 && (!fy_node_is_scalar(v) || strcmp(r, role_words[k]))) k++;
        if (k == 3) return nb_cy_fail(y, v, path, "'%s' is not target, input or excluded",
                                      fy_node_is_scalar(v) ? r : nb_cy_kind(v));
        t->role = k;
    }
    int fitted = t->role == NB_ROLE_TARGET;
    if (entry_text(y, m, m, pre, "id", 1, &t->id) || entry_text(y, m, m, pre, "figure", 1, &t->figure) ||
        entry_text(y, m, m, pre, "when", 1, &t->when) || entry_text(y, m, m, pre, "source", 1, &t->source) ||
        entry_text(y, m, m, pre, "uncertainty", fitted, &t->uncertainty) ||
        entry_text(y, m, m, pre, "note", !fitted, &t->note))
        return NB_EINVAL;
    snprintf(path, sizeof path, "%s.id", pre);
    if (!valid_id(t->id))
        return nb_cy_fail(y, nb_cy_get(m, "id", NULL), path, "'%s': use letters, digits and _ only", t->id);
    for (int j = 0; j < i; j++)
        if (!strcmp(tg->t[j].id, t->id))
            return nb_cy_fail(y, nb_cy_get(m, "id", NULL), path, "'%s' is already the id of targets[%d] (line %d)",
                              t->id, j, tg->t[j].line);
    if ((v = nb_cy_get(m, "value", NULL))) {
        snprintf(path, sizeof path, "%s.value", pre);
        if (nb_cy_number(y, v, path, &t->value)) return NB_EINVAL;
    } else if (fitted) {
        snprintf(path, sizeof path, "%s.value", pre);
        return nb_cy_fail(y, m, path, "missing: a fitted target needs the observed 'value'");
    }
    t->lo = t->hi = t->value;
    if ((v = nb_cy_get(m, "range", NULL))) {
        snprintf(path, sizeof path, "%s.range", pre);
        if (!fy_node_is_sequence(v) || fy_node_sequence_item_count(v) != 2)
            return nb_cy_fail(y, v, path, "expected [LOW, HIGH], found %s", nb_cy_kind(v));
        if (nb_cy_number(y, fy_node_sequence_get_by_index(v, 0), path, &t->lo) ||
            nb_cy_number(y, fy_node_sequence_get_by_index(v, 1), path, &t->hi))
            return NB_EINVAL;
        if (t->hi < t->lo) return nb_cy_fail(y, v, path, "HIGH is below LOW");
        if (!isnan(t->value) && (t->value < t->lo || t->value > t->hi))
            return nb_cy_fail(y, v, path, "the value %g lies outside the range", t->value);
        if (isnan(t->value)) t->value = 0.5 * (t->lo + t->hi);
    }
    if ((v = nb_cy_get(m, "sd", NULL))) {
        snprintf(path, sizeof path, "%s.sd", pre);
        if (nb_cy_number(y, v, path, &t->sd)) return NB_EINVAL;
        if (!(t->sd > 0)) return nb_cy_fail(y, v, path, "must be above 0");
    } else if (fitted) {
        snprintf(path, sizeof path, "%s.sd", pre);
        return nb_cy_fail(y, m, path, "missing: a fitted target needs 'sd' (stated, or an assumption explained in 'uncertainty')");
    }
    if ((v = nb_cy_get(m, "weight", NULL))) {
        snprintf(path, sizeof path, "%s.weight", pre);
        if (nb_cy_number(y, v, path, &t->weight)) return NB_EINVAL;
        if (!(t->weight >= 0) || t->weight > 1e6) return nb_cy_fail(y, v, path, "must be from 0 to 1e6");
    }
    struct fy_node *sk;
    if ((v = nb_cy_get(m, "statistic", &sk))) {
        if (read_stat(y, v, pre, &t->stat)) return NB_EINVAL;
        nb_cy_loc(sk, &t->sline, &t->scol);
        t->unit = stat_unit(t->stat.kind, t->stat.metric);
        if (!(t->stat_text = stat_words(&t->stat))) return nb_err_code(y->e, NB_ENOMEM, "out of memory");
    } else if (fitted) {
        snprintf(path, sizeof path, "%s.statistic", pre);
        return nb_cy_fail(y, m, path, "missing: a fitted target needs the simulated 'statistic' it is compared with");
    }
    return NB_OK;
}

int nb_targets_load(const char *path, nb_targets **out, nb_err *e)
{
    *out = NULL;
    nb_targets *tg = calloc(1, sizeof *tg);
    if (!tg) return nb_err_code(e, NB_ENOMEM, "out of memory");
    tg->entrants[0] = tg->seeded[0] = 0;
    tg->entrants[1] = tg->seeded[1] = -1;
    nb_cy y;
    int rc = nb_cy_open(&y, path, "targets file", e);
    struct fy_node *root = nb_cy_root(&y), *list = NULL, *k = NULL;
    if (rc == NB_OK) rc = nb_cy_keys(&y, root, "", top_keys, N_OF(top_keys));
    if (rc == NB_OK && nb_cy_get(root, "cohorts", NULL))
        rc = read_cohorts(&y, nb_cy_get(root, "cohorts", NULL), tg);
    if (rc == NB_OK) {
        list = nb_cy_get(root, "targets", &k);
        if (!k) rc = nb_cy_fail(&y, root, "targets", "missing: the file needs a 'targets' list");
        else if (nb_cy_is_null(list) || !fy_node_is_sequence(list) || fy_node_sequence_item_count(list) == 0)
            rc = nb_cy_fail(&y, list ? list : k, "targets", "expected a list of targets, found %s",
                            nb_cy_is_null(list) ? "nothing" : fy_node_is_sequence(list) ? "an empty list" : nb_cy_kind(list));
        else if (fy_node_sequence_item_count(list) > NB_CAL_MAX_TARGETS)
            rc = nb_cy_fail(&y, fy_node_sequence_get_by_index(list, NB_CAL_MAX_TARGETS), "targets",
                            "at most %d targets", NB_CAL_MAX_TARGETS);
    }
    int n = rc == NB_OK ? fy_node_sequence_item_count(list) : 0, fitted = 0;
    for (int i = 0; rc == NB_OK && i < n; i++) {
        rc = read_entry(&y, fy_node_sequence_get_by_index(list, i), i, tg);
        fitted += rc == NB_OK && tg->t[i].role == NB_ROLE_TARGET && tg->t[i].weight > 0;
    }
    if (rc == NB_OK && fitted == 0)
        rc = nb_cy_fail(&y, list, "targets", "no fitted target: at least one needs role target and a weight above 0");
    if (rc == NB_OK) {
        tg->text = y.text;
        y.text = NULL;
        if (!(tg->path = nb_cy_dup(path))) rc = nb_err_code(e, NB_ENOMEM, "out of memory");
    }
    nb_cy_close(&y);
    if (rc != NB_OK) {
        nb_targets_free(tg);
        return rc;
    }
    *out = tg;
    return NB_OK;
}

/* ==== calibration files ============================================================ */

static const char *const cal_keys[] = {"name", "title", "description", "scenario", "targets",
                                       "parameters", "particles", "generations", "tolerance",
                                       "quantile", "min_acceptance", "replicates", "predictive",
                                       "batch", "max_simulations", "seed"};
static const char *const par_keys[] = {"min", "max", "log", "nuisance"};

double nb_cal_to_z(const nb_cal_param *p, double v) { return p->log ? log(v) : v; }
double nb_cal_from_z(const nb_cal_param *p, double z) { return p->log ? exp(z) : z; }

void nb_calib_free(nb_calib *c)
{
    if (!c) return;
    free(c->path);
    free(c->name);
    free(c->text);
    free(c->resolved);
    nb_scenario_free(c->base);
    nb_targets_free(c->tg);
    free(c);
}

/* One entry of `parameters`: name -> {min, max, log, nuisance} or nothing. */
static int read_param(const nb_cy *y, struct fy_node *k, struct fy_node *v, nb_calib *c)
{
    const char *name = nb_cy_text(k);
    char path[300];
    snprintf(path, sizeof path, "parameters.%s", name);
    int id = nb_registry_find(name);
    if (id < 0) {
        int g = nb_registry_suggest(name);
        if (g >= 0) return nb_cy_fail(y, k, path, "unknown parameter; did you mean '%s'?", nb_registry[g].name);
        return nb_cy_fail(y, k, path, "unknown parameter (`neobay params` lists them)");
    }
    const nb_param_info *pi = &nb_registry[id];
    if (pi->flags & NB_F_RUN)
        return nb_cy_fail(y, k, path, "a run setting cannot be calibrated");
    if (pi->type == NB_T_BOOL || pi->type == NB_T_MONTH)
        return nb_cy_fail(y, k, path, "a %s parameter cannot be calibrated", nb_ptype_name(pi->type));
    if (c->n_par == NB_CAL_MAX_PARAMS)
        return nb_cy_fail(y, k, path, "at most %d parameters", NB_CAL_MAX_PARAMS);
    nb_cal_param *p = &c->par[c->n_par];
    memset(p, 0, sizeof *p);
    p->id = id;
    p->lo = pi->min;
    p->hi = pi->max;
    nb_cy_loc(k, &p->line, &p->col);
    if (!nb_cy_is_null(v)) {
        if (!fy_node_is_mapping(v))
            return nb_cy_fail(y, v, path, "expected a mapping {min: .., max: .., log: true, nuisance: true} or nothing, found %s",
                              nb_cy_kind(v));
        if (nb_cy_keys(y, v, path, par_keys, N_OF(par_keys))) return NB_EINVAL;
        struct fy_node *x;
        char sub[340];
        const char *why;
        static const char *const bound[2] = {"min", "max"};
        for (int b = 0; b < 2; b++) {
            if (!(x = nb_cy_get(v, bound[b], NULL))) continue;
            snprintf(sub, sizeof sub, "%s.%s", path, bound[b]);
            double val;
            nb_ptype t = pi->type == NB_T_INT ? NB_T_REAL : pi->type;
            if (nb_cy_typed(y, x, sub, t == NB_T_PROB ? NB_T_REAL : t, &val)) return NB_EINVAL;
            if (nb_registry_check(id, pi->type == NB_T_INT ? floor(val) : val, &why) != NB_OK ||
                val < pi->min || val > pi->max)
                return nb_cy_fail(y, x, sub, "%g is outside the registry range [%g, %g]", val, pi->min, pi->max);
            if (b == 0) p->lo = val; else p->hi = val;
        }
        if ((x = nb_cy_get(v, "log", NULL))) {
            snprintf(sub, sizeof sub, "%s.log", path);
            if (nb_cy_bool(y, x, sub, &p->log)) return NB_EINVAL;
        }
        if ((x = nb_cy_get(v, "nuisance", NULL))) {
            snprintf(sub, sizeof sub, "%s.nuisance", path);
            if (nb_cy_bool(y, x, sub, &p->nuisance)) return NB_EINVAL;
        }
    }
    if (!(p->hi > p->lo))
        return nb_cy_fail(y, nb_cy_is_null(v) ? k : v, path, "the prior is empty: max %g is not above min %g", p->hi, p->lo);
    if (p->log && !(p->lo > 0))
        return nb_cy_fail(y, nb_cy_is_null(v) ? k : v, path, "a log prior needs min above 0 (min is %g)", p->lo);
    c->n_par++;
    return NB_OK;
}

static int read_params(const nb_cy *y, struct fy_node *kn, struct fy_node *v, nb_calib *c)
{
    if (nb_cy_is_null(v) || !fy_node_is_mapping(v) || fy_node_mapping_item_count(v) == 0)
        return nb_cy_fail(y, v ? v : kn, "parameters", "expected a mapping of parameter names to priors, found %s",
                          nb_cy_is_null(v) ? "nothing" : fy_node_is_mapping(v) ? "an empty mapping" : nb_cy_kind(v));
    void *it = NULL;
    struct fy_node_pair *pair;
    while ((pair = fy_node_mapping_iterate(v, &it))) {
        struct fy_node *k = fy_node_pair_key(pair);
        if (!k || !fy_node_is_scalar(k) || nb_cy_is_null(k))
            return nb_cy_fail(y, k ? k : v, "parameters", "a key must be a parameter name");
        if (read_param(y, k, fy_node_pair_value(pair), c)) return NB_EINVAL;
    }
    return NB_OK;
}

/* The settings (numbers) of the calibration file. */
static int read_settings(const nb_cy *y, struct fy_node *root, nb_calib *c)
{
    struct fy_node *v;
    long x;
    if ((v = nb_cy_get(root, "particles", NULL))) {
        if (nb_cy_whole(y, v, "particles", 4, 1000000, &x)) return NB_EINVAL;
        c->particles = (int)x;
    }
    if ((v = nb_cy_get(root, "generations", NULL))) {
        if (nb_cy_whole(y, v, "generations", 1, 1000, &x)) return NB_EINVAL;
        c->generations = (int)x;
    }
    if ((v = nb_cy_get(root, "replicates", NULL))) {
        if (nb_cy_whole(y, v, "replicates", 1, 10000, &x)) return NB_EINVAL;
        c->replicates = (int)x;
    }
    c->predictive = c->replicates;
    if ((v = nb_cy_get(root, "predictive", NULL))) {
        if (nb_cy_whole(y, v, "predictive", 1, 10000, &x)) return NB_EINVAL;
        c->predictive = (int)x;
    }
    c->batch = c->particles;
    if ((v = nb_cy_get(root, "batch", NULL))) {
        if (nb_cy_whole(y, v, "batch", 1, 10000000, &x)) return NB_EINVAL;
        c->batch = (int)x;
    }
    c->max_simulations = 1000L * c->particles;
    if ((v = nb_cy_get(root, "max_simulations", NULL))) {
        if (nb_cy_whole(y, v, "max_simulations", 1, 2000000000L, &x)) return NB_EINVAL;
        c->max_simulations = x;
    }
    if ((v = nb_cy_get(root, "seed", NULL))) {
        if (nb_cy_whole(y, v, "seed", 0, 4294967295L, &x)) return NB_EINVAL;
        c->seed = (uint32_t)x;
    }
    if ((v = nb_cy_get(root, "tolerance", NULL))) {
        if (nb_cy_number(y, v, "tolerance", &c->tolerance)) return NB_EINVAL;
        if (!(c->tolerance >= 0)) return nb_cy_fail(y, v, "tolerance", "must be 0 or above");
    }
    if ((v = nb_cy_get(root, "quantile", NULL))) {
        if (nb_cy_number(y, v, "quantile", &c->quantile)) return NB_EINVAL;
        if (!(c->quantile > 0 && c->quantile < 1)) return nb_cy_fail(y, v, "quantile", "must lie strictly between 0 and 1");
    }
    if ((v = nb_cy_get(root, "min_acceptance", NULL))) {
        if (nb_cy_number(y, v, "min_acceptance", &c->min_acceptance)) return NB_EINVAL;
        if (!(c->min_acceptance >= 0 && c->min_acceptance < 1))
            return nb_cy_fail(y, v, "min_acceptance", "must be from 0 to below 1");
    }
    if (c->max_simulations < c->particles)
        return nb_cy_fail(y, nb_cy_get(root, "max_simulations", NULL), "max_simulations",
                          "must be at least the number of particles (%d)", c->particles);
    return NB_OK;
}

/* Message for a statistic that needs more months than the run has. */
static int stat_fail(const nb_targets *tg, const nb_target *t, nb_err *e, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int stat_fail(const nb_targets *tg, const nb_target *t, nb_err *e, const char *fmt, ...)
{
    int i = (int)(t - tg->t);
    char what[800];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return nb_err_set(e, "%s:%d:%d: key 'targets[%d].statistic': %s (target '%s')", tg->path,
                      t->sline > 0 ? t->sline : t->line, t->scol > 0 ? t->scol : 1, i, what, t->id);
}

/* Every fitted statistic must be computable from the base scenario's run. */
static int check_stats(nb_calib *c, nb_err *e)
{
    const nb_targets *tg = c->tg;
    int start = nb_paramset_start(&c->base->ps);
    int end = start + nb_paramset_months(&c->base->ps) - 1;
    char s0[8], s1[8], w[8];
    nb_month_format(start, s0);
    nb_month_format(end, s1);
    for (int i = 0; i < tg->n; i++) {
        const nb_target *t = &tg->t[i];
        if (t->role != NB_ROLE_TARGET || t->weight <= 0) continue;
        const nb_stat *s = &t->stat;
        int need = 0;
        const int *win = NULL;
        const char *wname = NULL;
        switch (s->kind) {
        case NB_ST_METRIC:
            if (s->at < start || s->at > end) {
                nb_month_format(s->at, w);
                return stat_fail(tg, t, e, "%s is outside the calibration run (%s to %s)", w, s0, s1);
            }
            break;
        case NB_ST_HAZARD: need = 12 * s->b; win = tg->entrants; wname = "cohorts.entrants"; break;
        case NB_ST_SURVIVAL: need = s->a; win = tg->entrants; wname = "cohorts.entrants"; break;
        case NB_ST_FUNNEL_ROUND: need = s->follow; win = tg->seeded; wname = "cohorts.seeded"; break;
        case NB_ST_FUNNEL_EXIT:
        case NB_ST_FUNNEL_UNICORN: need = s->a; win = tg->seeded; wname = "cohorts.seeded"; break;
        default: break;
        }
        if (!win) continue;
        if (win[1] < win[0])
            return stat_fail(tg, t, e, "needs %s (the cohort's window) in the targets file", wname);
        if (win[0] <= start) {
            nb_month_format(win[0], w);
            return stat_fail(tg, t, e, "%s starts at %s, not after the run's first month %s", wname, w, s0);
        }
        if (win[1] + need > end) {
            nb_month_format(win[1], w);
            return stat_fail(tg, t, e, "needs %d months of follow-up after %s ends (%s), but the run ends %s",
                             need, wname, w, s1);
        }
    }
    return NB_OK;
}

/* calibration, targets and base scenario as one text. */
static int resolve_text(nb_calib *c, nb_err *e)
{
    char *sy = nb_scenario_to_yaml(c->base);
    if (!sy) return nb_err_code(e, NB_ENOMEM, "out of memory");
    size_t n = strlen(c->text) + strlen(c->tg->text) + strlen(sy) + strlen(c->path) +
               strlen(c->tg->path) + 256;
    c->resolved = malloc(n);
    if (!c->resolved) { free(sy); return nb_err_code(e, NB_ENOMEM, "out of memory"); }
    snprintf(c->resolved, n, "# ---- calibration file %s\n%s\n# ---- targets file %s\n%s\n"
             "# ---- base scenario, resolved\n%s", c->path, c->text, c->tg->path, c->tg->text, sy);
    free(sy);
    return NB_OK;
}

int nb_calib_load(const char *path, nb_calib **out, nb_err *e)
{
    *out = NULL;
    nb_calib *c = calloc(1, sizeof *c);
    if (!c) return nb_err_code(e, NB_ENOMEM, "out of memory");
    c->particles = 100;
    c->generations = 6;
    c->quantile = 0.5;
    c->replicates = 1;
    nb_cy y;
    int rc = nb_cy_open(&y, path, "calibration file", e);
    struct fy_node *root = nb_cy_root(&y), *v, *k;
    if (rc == NB_OK) rc = nb_cy_keys(&y, root, "", cal_keys, N_OF(cal_keys));
    if (rc == NB_OK && (v = nb_cy_get(root, "name", NULL))) rc = nb_cy_string(&y, v, "name", &c->name);
    if (rc == NB_OK) rc = read_settings(&y, root, c);
    if (rc == NB_OK) {
        v = nb_cy_get(root, "parameters", &k);
        rc = k ? read_params(&y, k, v, c)
               : nb_cy_fail(&y, root, "parameters", "missing: name the parameters to calibrate and their priors");
    }
    /* The base scenario and the targets, relative to this file. */
    static const char *const files[2] = {"scenario", "targets"};
    char *fpath[2] = {NULL, NULL};
    struct fy_node *fnode[2] = {NULL, NULL};
    for (int f = 0; rc == NB_OK && f < 2; f++) {
        v = nb_cy_get(root, files[f], &k);
        if (!k) { rc = nb_cy_fail(&y, root, files[f], "missing: the calibration needs '%s: FILE'", files[f]); break; }
        char *written = NULL;
        if ((rc = nb_cy_string(&y, v, files[f], &written)) != NB_OK) break;
        fpath[f] = nb_path_relative(path, written);
        free(written);
        fnode[f] = v;
        if (!fpath[f]) rc = nb_err_code(e, NB_ENOMEM, "out of memory");
    }
    if (rc == NB_OK) {
        nb_err sub;
        rc = nb_scenario_load(fpath[0], &c->base, &sub);
        if (rc == NB_OK) rc = nb_scenario_validate(c->base, &sub);
        if (rc == NB_EIO) rc = nb_cy_fail(&y, fnode[0], "scenario", "%s", sub.msg);
        else if (rc != NB_OK) *e = sub;      /* the scenario's own FILE:LINE:COL message */
    }
    if (rc == NB_OK) {
        nb_err sub;
        rc = nb_targets_load(fpath[1], &c->tg, &sub);
        if (rc == NB_EIO) rc = nb_cy_fail(&y, fnode[1], "targets", "%s", sub.msg);
        else if (rc != NB_OK) *e = sub;
    }
    if (rc == NB_OK) {
        c->text = y.text;
        y.text = NULL;
        c->path = nb_cy_dup(path);
        if (!c->name) {
            const char *b = strrchr(path, '/');
            b = b ? b + 1 : path;
            size_t n = strlen(b);
            if (n > 5 && !strcmp(b + n - 5, ".yaml")) n -= 5;
            c->name = malloc(n + 1);
            if (c->name) { memcpy(c->name, b, n); c->name[n] = '\0'; }
        }
        if (!c->path || !c->name) rc = nb_err_code(e, NB_ENOMEM, "out of memory");
    }
    nb_cy_close(&y);
    free(fpath[0]);
    free(fpath[1]);
    if (rc == NB_OK) {
        for (int i = 0; i < c->tg->n; i++)
            if (c->tg->t[i].role == NB_ROLE_TARGET && c->tg->t[i].weight > 0) c->fit[c->n_fit++] = i;
        rc = check_stats(c, e);
    }
    if (rc == NB_OK) rc = resolve_text(c, e);
    if (rc != NB_OK) {
        nb_calib_free(c);
        return rc;
    }
    *out = c;
    return NB_OK;
}
