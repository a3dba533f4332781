/* attribute.c -- a policy attributed to its measures (see attribute.h).
 *
 * Arms are parameter sets built from the base and the policy by copying the
 * schedules of one measure's parameters; they share seed and replicate numbers, so
 * each arm is paired with the base replicate by replicate (common random numbers)
 * and the difference of one replicate is the effect of the measure in that world.
 */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_statistics_double.h>
#include "../model/ensemble.h"
#include "../model/metrics.h"
#include "../model/neobay.h"
#include "../model/sim.h"
#include "format.h"
#include "h5out.h"
#include "interval.h"
#include "attribute.h"

const char *const nb_attr_outcomes[NB_ATTR_NOUT] = {"firms", "firms_backbone", "unicorns",
                                                    "listed", "hightech"};

/* Extra money below this share of the measure's own money (its spending alone) is
 * none: under the special fund's cap, removing a measure leaves the total nearly
 * unchanged, up to timing differences in guarantee losses. */
#define NO_MONEY 1e-3

typedef struct measure_label { int n; const char *en, *zh; } measure_label;
static const measure_label measure_labels[] = {
#define NB_MEASURE(n, en, zh) {n, en, zh},
#include "measures.def"
#undef NB_MEASURE
};

/* Whether schedules a and b give the same value in every month. */
static int sched_equal(const nb_sched *a, const nb_sched *b)
{
    if (a->n != b->n) return 0;
    if (a->n == 0) return a->value[0] == b->value[0];
    for (int j = 0; j < a->n; j++)
        if (a->month[j] != b->month[j] || a->value[j] != b->value[j]) return 0;
    return 1;
}

/* The measure parameter id belongs to as a lever, or 0 (run settings, model rows). */
static int lever_measure(int id)
{
    const nb_param_info *p = &nb_registry[id];
    return (p->flags & NB_F_RUN) ? 0 : p->measure;
}

/* Set in `used` the measures whose parameters differ between base and pol (rules
 * count for measure 20); returns how many. */
static int measures_used(const nb_paramset *base, const nb_paramset *pol, int used[21])
{
    memset(used, 0, 21 * sizeof *used);
    for (int id = 0; id < NB_NPARAMS; id++) {
        int m = lever_measure(id);
        if (m > 0 && !sched_equal(&base->p[id], &pol->p[id])) used[m] = 1;
    }
    if (pol->n_rules != base->n_rules ||
        memcmp(pol->rules, base->rules, (size_t)pol->n_rules * sizeof *pol->rules) != 0)
        used[20] = 1;
    int n = 0;
    for (int m = 1; m <= 20; m++) n += used[m];
    return n;
}

/* *out = from, with measure m's parameters (and rules, for m = 20) taken from src. */
static void arm_with(nb_paramset *out, const nb_paramset *from, const nb_paramset *src, int m)
{
    memcpy(out, from, sizeof *out);
    for (int id = 0; id < NB_NPARAMS; id++)
        if (lever_measure(id) == m) out->p[id] = src->p[id];
    if (m == 20) {
        out->n_rules = src->n_rules;
        memcpy(out->rules, src->rules, sizeof out->rules);
    }
}

/* Run ensemble ps: a new results table, or NULL when memory runs out. */
static nb_results *arm_run(const nb_paramset *ps, int threads)
{
    nb_model *m = nb_model_alloc(ps);
    if (!m) return NULL;
    nb_results *r = nb_results_alloc((int)ps->p[NB_P_run_replicates].value[0], nb_model_n_time(m),
                                     nb_model_start(m));
    nb_ensemble_opts o = {threads, NULL, NULL, NULL};
    if (r && nb_ensemble_run(m, r, &o, NULL) != NB_OK) { nb_results_free(r); r = NULL; }
    nb_model_free(m);
    return r;
}

/* Public money of replicate rep up to and including time point t. */
static double spent(const nb_results *r, int rep, int t)
{
    const double *x = nb_results_row(r, NB_M_public_spend, rep);
    double s = 0;
    for (int k = 1; k <= t; k++) s += x[k];
    return s;
}

/* The arm's effects: pol - base per replicate at time point t (d: room for 2 n
 * doubles): the t interval of each mean effect (interval.h) and Fieller's interval of
 * the money per unit of it.  ref: the measure's own money (0: the arm's own), against
 * which extra money below NO_MONEY of it counts as none. */
static void arm_effects(const nb_results *base, const nb_results *pol, int t, int measure,
                        double ref, double *d, nb_attr_arm *a)
{
    int n = base->n_rep;
    double *ds = d + n;
    a->measure = measure;
    for (int r = 0; r < n; r++) ds[r] = spent(pol, r, t) - spent(base, r, t);
    a->spend = gsl_stats_mean(ds, 1, (size_t)n);
    for (int o = 0; o < NB_ATTR_NOUT; o++) {
        int m = nb_metric_find(nb_attr_outcomes[o]);
        for (int r = 0; r < n; r++)
            d[r] = nb_results_row(pol, m, r)[t] - nb_results_row(base, m, r)[t];
        nb_attr_cell *c = &a->out[o];
        nb_interval mi = nb_interval_mean(d, (size_t)n, 0.90);
        c->mean = gsl_stats_mean(d, 1, (size_t)n);
        c->lo = mi.kind == NB_INTERVAL_BOUNDED ? mi.lo : -HUGE_VAL;
        c->hi = mi.kind == NB_INTERVAL_BOUNDED ? mi.hi : HUGE_VAL;
        c->cost = c->cost_lo = c->cost_hi = NAN;
        /* no cost when the effect is not clearly non-zero or no extra money was spent */
        if ((c->lo > 0 || c->hi < 0) && fabs(a->spend) > 0 && fabs(a->spend) >= NO_MONEY * ref) {
            nb_interval f = nb_interval_fieller(ds, d, (size_t)n, 0.90);
            c->cost = a->spend / c->mean;
            if (f.kind == NB_INTERVAL_BOUNDED) { c->cost_lo = f.lo; c->cost_hi = f.hi; }
        }
    }
}

int nb_attribute(const nb_scenario *base, const nb_scenario *pol, int year, int threads,
                 nb_attribution *out, nb_err *e)
{
    memset(out, 0, sizeof *out);
    int used[21];
    if (measures_used(&base->ps, &pol->ps, used) == 0)
        return nb_err_set(e, "%s sets no measure that %s does not: nothing to attribute",
                          pol->path, base->path);
    nb_paramset *b = malloc(sizeof *b), *x = malloc(sizeof *x);
    double *d = malloc(2 * (size_t)pol->ps.p[NB_P_run_replicates].value[0] * sizeof *d);
    if (!b || !x || !d) { free(b); free(x); free(d); return nb_err_code(e, NB_ENOMEM, "out of memory"); }
    memcpy(b, &base->ps, sizeof *b);
    for (int id = 0; id < NB_NPARAMS; id++)     /* the policy's run settings everywhere */
        if (nb_registry[id].flags & NB_F_RUN) b->p[id] = pol->ps.p[id];
    int start = nb_paramset_start(&pol->ps), t = NB_MONTH(year, 12) - start;
    if (t < 1 || t >= nb_paramset_months(&pol->ps)) {
        free(b); free(x); free(d);
        return nb_err_set(e, "--year %d: December %d is not inside the run (%s)", year, year, pol->path);
    }
    out->year = year;
    out->n_rep = (int)pol->ps.p[NB_P_run_replicates].value[0];
    arm_with(x, &pol->ps, &pol->ps, 0);
    for (int id = 0; id < NB_NPARAMS; id++)
        if (nb_registry[id].flags & NB_F_RUN) x->p[id] = pol->ps.p[id];
    nb_results *rb = arm_run(b, threads), *rp = rb ? arm_run(x, threads) : NULL;
    int rc = rb && rp ? NB_OK : NB_ENOMEM;
    if (rc == NB_OK) arm_effects(rb, rp, t, 0, 0.0, d, &out->full);
    for (int m = 1; rc == NB_OK && m <= 20; m++) {
        if (!used[m]) continue;
        int j = out->n_measures++;
        out->measure[j] = m;
        arm_with(x, b, &pol->ps, m);                  /* the measure alone */
        nb_results *r = arm_run(x, threads);
        if (!r) { rc = NB_ENOMEM; break; }
        arm_effects(rb, r, t, m, 0.0, d, &out->alone[j]);
        nb_results_free(r);
        arm_with(x, &pol->ps, b, m);                  /* the policy without it */
        if (!(r = arm_run(x, threads))) { rc = NB_ENOMEM; break; }
        arm_effects(r, rp, t, m, fabs(out->alone[j].spend), d, &out->removed[j]);   /* full - without */
        nb_results_free(r);
    }
    nb_results_free(rb);
    nb_results_free(rp);
    free(b);
    free(x);
    free(d);
    return rc == NB_OK ? NB_OK : nb_err_code(e, rc, "out of memory");
}

/* ---- the table ------------------------------------------------------------------- */

static const measure_label *label_of(int m)
{
    for (size_t i = 0; i < sizeof measure_labels / sizeof *measure_labels; i++)
        if (measure_labels[i].n == m) return &measure_labels[i];
    return NULL;
}

/* "+12 [+3,+21]*" for a cell: whole numbers for effects of 10 or more, one decimal
 * below (a mean of 0.2 listings is not "+0"). */
static void fmt_cell(const nb_attr_cell *c, char *buf, size_t n)
{
    int sig = c->lo > 0 || c->hi < 0;
    if (fabs(c->mean) >= 10)
        snprintf(buf, n, "%+.0f [%+.0f,%+.0f]%s", c->mean, c->lo, c->hi, sig ? "*" : "");
    else
        snprintf(buf, n, "%+.1f [%+.1f,%+.1f]%s", c->mean, c->lo, c->hi, sig ? "*" : "");
}

/* v in buf: whole numbers from 100, three significant digits below. */
static void fmt_num(double v, char *buf, size_t n)
{
    if (fabs(v) >= 100) snprintf(buf, n, "%.0f", v);
    else snprintf(buf, n, "%.3g", v);
}

/* Money per unit with its interval: "447万 [429-466]" (bounds in the unit of the
 * estimate: 万 below 1亿, else 亿), "447万 [unbounded]", or "n/a". */
static void fmt_cost(const nb_attr_cell *c, char *buf, size_t n)
{
    double v = c->cost, u = fabs(v) >= 1e8 ? 1e8 : 1e4;
    const char *unit = u == 1e8 ? "亿" : "万";
    char e[24], lo[24], hi[24];
    if (!isfinite(v) || v <= 0) { snprintf(buf, n, "n/a"); return; }
    fmt_num(v / u, e, sizeof e);
    if (isfinite(c->cost_lo) && isfinite(c->cost_hi)) {
        fmt_num(c->cost_lo / u, lo, sizeof lo);
        fmt_num(c->cost_hi / u, hi, sizeof hi);
        snprintf(buf, n, "%s%s [%s-%s]", e, unit, lo, hi);
    } else {
        snprintf(buf, n, "%s%s [unbounded]", e, unit);
    }
}

/* Order of arms for the table: by effect alone on listed, then on firms. */
static int rank_cmp(const void *pa, const void *pb)
{
    const nb_attr_arm *a = *(const nb_attr_arm *const *)pa, *b = *(const nb_attr_arm *const *)pb;
    double d = b->out[3].mean - a->out[3].mean;
    if (d == 0) d = b->out[0].mean - a->out[0].mean;
    return d > 0 ? 1 : d < 0 ? -1 : a->measure - b->measure;
}

/* One row: name (display width 44, CJK counted double), money, three effects, two costs. */
static void print_row(FILE *out, const char *name, const nb_attr_arm *a)
{
    char f[40], u[40], l[40], cf[96], cl[96], m[24];
    fmt_cell(&a->out[0], f, sizeof f);
    fmt_cell(&a->out[2], u, sizeof u);
    fmt_cell(&a->out[3], l, sizeof l);
    fmt_cost(&a->out[0], cf, sizeof cf);
    fmt_cost(&a->out[3], cl, sizeof cl);
    snprintf(m, sizeof m, "%.2f亿", a->spend / 1e8);
    nb_format_pad(out, name, 44, 0);
    nb_format_pad(out, m, 10, 1);
    fputs("  ", out);
    nb_format_pad(out, f, 22, 0);
    nb_format_pad(out, u, 20, 0);
    nb_format_pad(out, l, 20, 0);
    nb_format_pad(out, cf, 24, 1);
    nb_format_pad(out, cl, 26, 1);
    fputc('\n', out);
}

/* The header line of a block. */
static void print_header(FILE *out, const char *title)
{
    nb_format_pad(out, title, 44, 0);
    nb_format_pad(out, "money", 10, 1);
    fputs("  ", out);
    nb_format_pad(out, "firms", 22, 0);
    nb_format_pad(out, "unicorns", 20, 0);
    nb_format_pad(out, "listed", 20, 0);
    nb_format_pad(out, "per firm [90%]", 24, 1);
    nb_format_pad(out, "per listing [90%]", 26, 1);
    fputc('\n', out);
}

/* The rows of one block (arms[0..n)), ranked. */
static void print_block(FILE *out, const char *title, const nb_attr_arm *arms, int n)
{
    const nb_attr_arm *order[20];
    for (int j = 0; j < n; j++) order[j] = &arms[j];
    qsort(order, (size_t)n, sizeof *order, rank_cmp);
    print_header(out, title);
    for (int j = 0; j < n; j++) {
        const measure_label *ml = label_of(order[j]->measure);
        char name[160];
        snprintf(name, sizeof name, "m%d %s %.26s", order[j]->measure, ml ? ml->zh : "", ml ? ml->en : "");
        print_row(out, name, order[j]);
    }
    fputc('\n', out);
}

void nb_attribute_print(const nb_attribution *a, const char *pol_name, FILE *out)
{
    fprintf(out, "Attribution of %s to its measures (政策分项归因), December %d, %d paired replicates\n"
            "effect = arm - base, mean [90%% interval of the mean]; * interval excludes 0;\n"
            "money = extra public spending to December %d; per firm / per listing = money / mean effect\n\n",
            pol_name, a->year, a->n_rep, a->year);
    print_block(out, "measure alone (单项: base + it)", a->alone, a->n_measures);
    print_block(out, "measure removed (去除: policy - policy without)", a->removed, a->n_measures);
    print_row(out, "full policy (整体政策)", &a->full);
    double sf = 0, sl = 0, money = 0;
    int capped = 0;
    for (int j = 0; j < a->n_measures; j++) {
        sf += a->alone[j].out[0].mean;
        sl += a->alone[j].out[3].mean;
        money += a->removed[j].spend;
        capped |= a->measure[j] != 20 && fabs(a->removed[j].spend) < 1e-6 * (1.0 + fabs(a->alone[j].spend))
                  && a->alone[j].spend > 0;
    }
    fprintf(out, "\nsum of the measures alone: firms %+.0f, listed %+.1f; the full policy minus this sum "
            "is their interaction\n", sf, sl);
    if (capped)
        fprintf(out, "the special fund's cap binds (专项资金上限): removing a measure leaves its money to the\n"
                "others (pro rata) and makes the fund last longer, so 'removed' is the value of the\n"
                "measure against that use of the same money (no extra money: no cost per unit)\n");
}

/* ---- the file -------------------------------------------------------------------- */

typedef struct attr_write { const nb_attribution *a; const char *pol, *base; } attr_write;

static int w_desc(nb_h5w *w, hid_t ds, const void *ud)
{
    const char *const *d = ud;
    if (nb_h5w_attr_str(w, ds, "long_name", d[0])) return NB_EIO;
    return nb_h5w_units(w, ds, d[1]);
}

/* Dataset name over (arm, measure, outcome) from the cells' field at offset off. */
static int w_cells(nb_h5w *w, const attr_write *aw, const char *name, size_t off,
                   const hid_t *s, const char *long_name, const char *units)
{
    const nb_attribution *a = aw->a;
    int nm = a->n_measures;
    double *v = malloc((size_t)2 * nm * NB_ATTR_NOUT * sizeof *v);
    if (!v) return nb_h5w_nomem(w);
    for (int k = 0; k < 2; k++)
        for (int j = 0; j < nm; j++)
            for (int o = 0; o < NB_ATTR_NOUT; o++) {
                const nb_attr_arm *arm = k ? &a->removed[j] : &a->alone[j];
                v[((size_t)k * nm + j) * NB_ATTR_NOUT + o] = *(const double *)((const char *)&arm->out[o] + off);
            }
    hsize_t dims[3] = {2, (hsize_t)nm, NB_ATTR_NOUT};
    const char *d[2] = {long_name, units};
    int rc = nb_h5w_array(w, w->file, name, 3, dims, NULL, v, s, w_desc, d);
    free(v);
    return rc;
}

static int w_attr_contents(nb_h5w *w, const void *ud)
{
    const attr_write *aw = ud;
    const nb_attribution *a = aw->a;
    static const char *arms[2] = {"alone", "removed"};
    int32_t ms[20];
    for (int j = 0; j < a->n_measures; j++) ms[j] = a->measure[j];
    hid_t s[3];
    s[0] = nb_h5w_scale(w, w->file, "arm", w->str, w->str, 2, arms,
                        "alone: base + the measure; removed: policy - policy without the measure");
    s[1] = s[0] < 0 ? -1 : nb_h5w_scale(w, w->file, "measure", H5T_STD_I32LE, H5T_NATIVE_INT32,
                                        (hsize_t)a->n_measures, ms, "policy measure (1..20)");
    s[2] = s[1] < 0 ? -1 : nb_h5w_scale(w, w->file, "outcome", w->str, w->str, NB_ATTR_NOUT,
                                        nb_attr_outcomes, "outcome metric in December of the year");
    int rc = s[2] < 0 ? NB_EIO : NB_OK;
    /* The cell datasets: which field of nb_attr_cell each holds, and its text. */
    static const struct { const char *name; size_t off; const char *desc, *units; } cells[] = {
        {"effect", offsetof(nb_attr_cell, mean), "mean paired effect", "1"},
        {"effect_lo", offsetof(nb_attr_cell, lo),
         "lower end of the 90% interval of the mean effect (t)", "1"},
        {"effect_hi", offsetof(nb_attr_cell, hi),
         "upper end of the 90% interval of the mean effect (t)", "1"},
        {"cost", offsetof(nb_attr_cell, cost),
         "extra public money per additional unit of outcome (NaN: effect not significant)", "RMB"},
        {"cost_lo", offsetof(nb_attr_cell, cost_lo),
         "lower end of Fieller's 90% interval of the cost (NaN: none or unbounded)", "RMB"},
        {"cost_hi", offsetof(nb_attr_cell, cost_hi),
         "upper end of Fieller's 90% interval of the cost (NaN: none or unbounded)", "RMB"},
    };
    for (size_t i = 0; rc == NB_OK && i < sizeof cells / sizeof *cells; i++)
        rc = w_cells(w, aw, cells[i].name, cells[i].off, s, cells[i].desc, cells[i].units);
    double sp[40];
    for (int j = 0; j < a->n_measures; j++) { sp[j] = a->alone[j].spend; sp[a->n_measures + j] = a->removed[j].spend; }
    hsize_t d2[2] = {2, (hsize_t)a->n_measures};
    const char *dd[2] = {"extra public money to December of the year", "RMB"};
    if (rc == NB_OK) rc = nb_h5w_array(w, w->file, "spend", 2, d2, NULL, sp, s, w_desc, dd);
    if (rc == NB_OK &&
        (nb_h5w_attr_str(w, w->file, "title", "policy attributed to its measures (政策分项归因)") ||
         nb_h5w_attr_str(w, w->file, "policy", aw->pol) || nb_h5w_attr_str(w, w->file, "base", aw->base) ||
         nb_h5w_attr_i64(w, w->file, "year", a->year) || nb_h5w_attr_i64(w, w->file, "replicates", a->n_rep)))
        rc = NB_EIO;
    nb_h5w_close(s, 3);
    return rc;
}

int nb_attribute_write(const char *path, const nb_attribution *a, const char *pol_name,
                       const char *base_name, nb_err *e)
{
    attr_write aw = {a, pol_name, base_name};
    return nb_h5_write_file(path, "attribution file", w_attr_contents, &aw, e);
}
