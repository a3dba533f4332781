/* h5out.c -- the results file of a run (layout in h5out.h).
 *
 * Built with the building blocks of h5util.c: in memory, time tracking off, every
 * axis with a dimension scale (what h5netcdf, and so xarray, needs to name
 * dimensions), then written atomically.  Identical inputs give identical bytes.
 *
 * Besides the series and their quantiles, the writer derives two things planners
 * ask for directly: the probability, year by year, that each goal of the plans has
 * been reached (the `milestones` table below is the one place they are defined),
 * and the distribution of unicorns and listings at the 2030 and 2035 horizons.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include "format.h"
#include "h5out.h"
#include "../model/neobay.h"

#ifndef NB_GIT_COMMIT
#define NB_GIT_COMMIT "unknown"
#endif

#define CHUNK_REP 64          /* replicates per chunk of a metric dataset */

/* The goals whose probability of being reached each run file reports. */
typedef struct milestone {
    const char *name;          /* dataset name */
    const char *metric;        /* nb_metrics name; skipped if the model lacks it */
    double threshold;          /* reached when metric >= threshold */
    const char *label, *label_zh;
    const char *source;        /* "2023 plan" or "source document" */
    int target_year;           /* the year the plan sets for it, 0 when none */
} milestone;

static const milestone milestones[] = {
    {"p_alliance_300yi", "alliance_committed", 3e10,
     "Fund alliance committed >= 300亿 RMB", "基金联盟认缴规模达300亿元",
     "source document", 0},
    {"p_hightech_1000", "hightech", 1000,
     "High-tech firms >= 1000 (2025 goal)", "高新技术企业达1000家(2025年目标)",
     "2023 plan", 2025},
    {"p_revenue_1000yi", "revenue", 1e11,
     "Revenue >= 1000亿 RMB/yr (2025 goal)", "营业收入达千亿元/年(2025年目标)",
     "2023 plan", 2025},
    {"p_valuation_1wanyi", "valuation", 1e12,
     "Valuation >= 1万亿 RMB (2035 goal)", "企业估值合计达万亿元(2035年目标)",
     "2023 plan", 2035},
};
#define N_MILESTONES ((int)(sizeof milestones / sizeof milestones[0]))

/* The metrics whose distribution is written at the horizon years, and those years. */
static const char *const horizon_metrics[] = {"unicorns", "listed"};
static const int horizon_years[] = {2030, 2035};
#define N_HMETRICS ((int)(sizeof horizon_metrics / sizeof horizon_metrics[0]))
#define N_HYEARS ((int)(sizeof horizon_years / sizeof horizon_years[0]))

/* One run file being written: the results and their metadata. */
typedef struct run_out {
    const nb_results *res;
    const nb_run_meta *meta;
    nb_h5w_fill_fn extra;      /* more groups (nb_h5_write_run_ex); may be NULL */
    const void *extra_ud;
} run_out;

/* The month index of the last time point. */
static int last_month(const nb_results *r)
{
    return r->start + r->n_time - 1;
}

/* ---- metrics ----------------------------------------------------------------------- */

/* The metadata attributes of a metric (ud: its nb_metric_info). */
static int w_metric_attrs(nb_h5w *w, hid_t ds, const void *ud)
{
    const nb_metric_info *mi = ud;
    if (nb_h5w_attr_str(w, ds, "units", mi->unit) ||
        nb_h5w_attr_str(w, ds, "long_name", mi->long_name) ||
        nb_h5w_attr_str(w, ds, "long_name_zh", mi->long_name_zh) ||
        nb_h5w_attr_str(w, ds, "definition", mi->definition) ||
        nb_h5w_attr_str(w, ds, "kind", mi->kind == NB_STOCK ? "stock" : "flow"))
        return NB_EIO;
    return NB_OK;
}

/* Write metric m: <name>(replicate, time) and <name>_q(quantile, time).
 * sc: the time, replicate and quantile scales. */
static int w_metric(nb_h5w *w, const nb_results *r, int m, const hid_t *sc)
{
    const nb_metric_info *mi = &nb_metrics[m];
    hsize_t dims[2] = {(hsize_t)r->n_rep, (hsize_t)r->n_time};
    hsize_t chunk[2] = {r->n_rep < CHUNK_REP ? (hsize_t)r->n_rep : CHUNK_REP,
                        (hsize_t)r->n_time};
    hid_t s_series[2] = {sc[1], sc[0]}, s_quant[2] = {sc[2], sc[0]};
    int rc = nb_h5w_array(w, w->file, mi->name, 2, dims, chunk, nb_results_row(r, m, 0),
                          s_series, w_metric_attrs, mi);
    if (rc != NB_OK) return rc;

    char qname[128];
    snprintf(qname, sizeof qname, "%s_q", mi->name);
    hsize_t qdims[2] = {NB_NQUANT, (hsize_t)r->n_time};
    return nb_h5w_array(w, w->file, qname, 2, qdims, qdims, nb_results_qrow(r, m, 0),
                        s_quant, w_metric_attrs, mi);
}

/* The root scales: sc[0] time, sc[1] replicate, sc[2] quantile.  On failure the
 * ones created are left in sc for the caller to close. */
static int w_root_scales(nb_h5w *w, const nb_results *r, hid_t *sc)
{
    if ((sc[0] = nb_h5w_time_scale(w, w->file, r->start, r->n_time)) < 0) return NB_EIO;
    int32_t *reps = malloc((size_t)r->n_rep * sizeof *reps);
    if (!reps) return nb_h5w_nomem(w);
    for (int i = 0; i < r->n_rep; i++) reps[i] = i;
    sc[1] = nb_h5w_scale(w, w->file, "replicate", H5T_STD_I32LE, H5T_NATIVE_INT32,
                         (hsize_t)r->n_rep, reps, "Monte Carlo replicate number");
    free(reps);
    if (sc[1] < 0) return NB_EIO;
    sc[2] = nb_h5w_scale(w, w->file, "quantile", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                         NB_NQUANT, nb_quantile_levels, "quantile level across replicates");
    return sc[2] < 0 ? NB_EIO : NB_OK;
}

/* ---- milestones ---------------------------------------------------------------------- */

/* The index of the first of the n values of `row` that is >= thr, or n. */
static int first_reached(const double *row, int n, double thr)
{
    for (int k = 0; k < n; k++)
        if (row[k] >= thr) return k;
    return n;
}

/* p[y] for each of the run's calendar years y (from the start year): the share of
 * replicates in which metric m was >= thr at some month up to December of that
 * year (up to the last month in the last year). */
static void milestone_probs(const nb_results *r, int m, double thr, double *p)
{
    int y0 = r->start / 12, ny = last_month(r) / 12 - y0 + 1;
    for (int y = 0; y < ny; y++) p[y] = 0;
    for (int i = 0; i < r->n_rep; i++) {
        int k = first_reached(nb_results_row(r, m, i), r->n_time, thr);
        if (k == r->n_time) continue;
        for (int y = (r->start + k) / 12 - y0; y < ny; y++) p[y] += 1;
    }
    for (int y = 0; y < ny; y++) p[y] /= r->n_rep;
}

/* The attributes of a milestone dataset (ud: its milestone row). */
static int w_milestone_attrs(nb_h5w *w, hid_t ds, const void *ud)
{
    const milestone *ms = ud;
    const nb_metric_info *mi = &nb_metrics[nb_metric_find(ms->metric)];
    char thr[32], def[1024], goal[64] = "";
    nb_format_g(thr, ms->threshold, 6);
    if (ms->target_year) snprintf(goal, sizeof goal, " for %d", ms->target_year);
    snprintf(def, sizeof def,
             "Share of replicates in which %s (%s) was >= %s %s at some month up to "
             "December of the year (the last month of the run in its last year). "
             "Goal of the %s%s.",
             ms->metric, mi->long_name, thr, mi->unit, ms->source, goal);
    if (nb_h5w_attr_str(w, ds, "units", "probability") ||
        nb_h5w_attr_str(w, ds, "long_name", ms->label) ||
        nb_h5w_attr_str(w, ds, "long_name_zh", ms->label_zh) ||
        nb_h5w_attr_str(w, ds, "definition", def) ||
        nb_h5w_attr_str(w, ds, "metric", ms->metric) ||
        nb_h5w_attr_f64(w, ds, "threshold", ms->threshold) ||
        nb_h5w_attr_str(w, ds, "source", ms->source))
        return NB_EIO;
    return ms->target_year ? nb_h5w_attr_i64(w, ds, "target_year", ms->target_year) : NB_OK;
}

/* The `year` scale and, for each milestone the model has a metric for,
 * p_<milestone>(year). */
static int w_milestones(nb_h5w *w, const nb_results *r)
{
    int y0 = r->start / 12, ny = last_month(r) / 12 - y0 + 1;
    int32_t *years = malloc((size_t)ny * sizeof *years);
    double *p = malloc((size_t)ny * sizeof *p);
    hid_t s_year = H5I_INVALID_HID;
    int rc = (years && p) ? NB_OK : nb_h5w_nomem(w);
    for (int y = 0; rc == NB_OK && y < ny; y++) years[y] = y0 + y;
    if (rc == NB_OK &&
        (s_year = nb_h5w_scale(w, w->file, "year", H5T_STD_I32LE, H5T_NATIVE_INT32,
                               (hsize_t)ny, years, "calendar year (state at its end)")) < 0)
        rc = NB_EIO;
    hsize_t dims[1] = {(hsize_t)ny};
    for (int i = 0; rc == NB_OK && i < N_MILESTONES; i++) {
        int m = nb_metric_find(milestones[i].metric);
        if (m < 0) continue;
        milestone_probs(r, m, milestones[i].threshold, p);
        rc = nb_h5w_array(w, w->file, milestones[i].name, 1, dims, NULL, p, &s_year,
                          w_milestone_attrs, &milestones[i]);
    }
    nb_h5w_close(&s_year, 1);
    free(years);
    free(p);
    return rc;
}

/* ---- horizons ------------------------------------------------------------------------- */

/* The horizon years whose December lies in the run, into years[N_HYEARS]; their
 * number. */
static int horizons_in_run(const nb_results *r, int32_t *years)
{
    int n = 0;
    for (int h = 0; h < N_HYEARS; h++) {
        int m = NB_MONTH(horizon_years[h], 12);
        if (m >= r->start && m <= last_month(r)) years[n++] = horizon_years[h];
    }
    return n;
}

/* The attributes of <metric>_at (ud: the metric's nb_metric_info). */
static int w_at_attrs(nb_h5w *w, hid_t ds, const void *ud)
{
    const nb_metric_info *mi = ud;
    char ln[256], zh[256], def[1024];
    snprintf(ln, sizeof ln, "%s in December of the horizon year", mi->long_name);
    snprintf(zh, sizeof zh, "%s(目标年份年末)", mi->long_name_zh);
    snprintf(def, sizeof def, "%s Value in December of each horizon year.", mi->definition);
    if (nb_h5w_attr_str(w, ds, "units", mi->unit) ||
        nb_h5w_attr_str(w, ds, "long_name", ln) ||
        nb_h5w_attr_str(w, ds, "long_name_zh", zh) ||
        nb_h5w_attr_str(w, ds, "definition", def) ||
        nb_h5w_attr_str(w, ds, "kind", mi->kind == NB_STOCK ? "stock" : "flow"))
        return NB_EIO;
    return NB_OK;
}

/* <metric>_at(replicate, horizon) for metric m at the nh horizon years. */
static int w_at(nb_h5w *w, const nb_results *r, int m, const int32_t *years, int nh,
                const hid_t *s)
{
    double *v = malloc((size_t)r->n_rep * nh * sizeof *v);
    if (!v) return nb_h5w_nomem(w);
    for (int i = 0; i < r->n_rep; i++)
        for (int h = 0; h < nh; h++)
            v[i * nh + h] = nb_results_row(r, m, i)[NB_MONTH(years[h], 12) - r->start];
    char name[128];
    snprintf(name, sizeof name, "%s_at", nb_metrics[m].name);
    hsize_t dims[2] = {(hsize_t)r->n_rep, (hsize_t)nh};
    int rc = nb_h5w_array(w, w->file, name, 2, dims, NULL, v, s, w_at_attrs, &nb_metrics[m]);
    free(v);
    return rc;
}

/* The `horizon` scale and <metric>_at for the horizon metrics, when at least one
 * horizon year's December is in the run.  s_rep: the replicate scale. */
static int w_horizons(nb_h5w *w, const nb_results *r, hid_t s_rep)
{
    int32_t years[N_HYEARS];
    int nh = horizons_in_run(r, years);
    if (nh == 0) return NB_OK;
    hid_t s[2] = {s_rep, H5I_INVALID_HID};
    s[1] = nb_h5w_scale(w, w->file, "horizon", H5T_STD_I32LE, H5T_NATIVE_INT32,
                        (hsize_t)nh, years, "horizon year (value in its December)");
    int rc = s[1] < 0 ? NB_EIO : NB_OK;
    for (int i = 0; rc == NB_OK && i < N_HMETRICS; i++) {
        int m = nb_metric_find(horizon_metrics[i]);
        if (m >= 0) rc = w_at(w, r, m, years, nh, s);
    }
    nb_h5w_close(&s[1], 1);
    return rc;
}

/* ---- the /parameters group ------------------------------------------------------ */

enum { PCOL_UNIT, PCOL_TYPE, PCOL_DESC, PCOL_SOURCE, PCOL_NTEXT };
enum { PCOL_DEF, PCOL_MIN, PCOL_MAX, PCOL_NREAL };

/* The text column c of registry row i. */
static const char *par_text(int c, int i)
{
    const nb_param_info *p = &nb_registry[i];
    const char *s = c == PCOL_UNIT ? p->unit : c == PCOL_TYPE ? nb_ptype_name(p->type)
                    : c == PCOL_DESC ? p->desc : p->source;
    return s ? s : "";
}

/* The numeric column c of registry row i. */
static double par_real(int c, int i)
{
    const nb_param_info *p = &nb_registry[i];
    return c == PCOL_DEF ? p->def : c == PCOL_MIN ? p->min : p->max;
}

/* The long_name attribute given as ud. */
static int w_long_name(nb_h5w *w, hid_t ds, const void *ud)
{
    return nb_h5w_attr_str(w, ds, "long_name", ud);
}

/* The registry columns: unit, type, description, source, default, min, max,
 * measure, each over `parameter`. */
static int w_par_columns(nb_h5w *w, hid_t g, hid_t s_par)
{
    static const char *tname[PCOL_NTEXT] = {"unit", "type", "description", "source"};
    static const char *tlong[PCOL_NTEXT] = {"unit of the parameter", "value type",
                                            "description", "source or assumption"};
    static const char *rname[PCOL_NREAL] = {"default", "min", "max"};
    static const char *rlong[PCOL_NREAL] = {"registry default", "smallest valid value",
                                            "largest valid value"};
    const char *text[NB_NPARAMS];
    double real[NB_NPARAMS];
    int32_t measure[NB_NPARAMS];
    hsize_t n = NB_NPARAMS;
    for (int c = 0; c < PCOL_NTEXT; c++) {
        for (int i = 0; i < NB_NPARAMS; i++) text[i] = par_text(c, i);
        if (nb_h5w_typed(w, g, tname[c], w->str, w->str, 1, &n, NULL, text, &s_par,
                         w_long_name, tlong[c]))
            return NB_EIO;
    }
    for (int c = 0; c < PCOL_NREAL; c++) {
        for (int i = 0; i < NB_NPARAMS; i++) real[i] = par_real(c, i);
        if (nb_h5w_array(w, g, rname[c], 1, &n, NULL, real, &s_par, w_long_name, rlong[c]))
            return NB_EIO;
    }
    for (int i = 0; i < NB_NPARAMS; i++) measure[i] = nb_registry[i].measure;
    return nb_h5w_typed(w, g, "measure", H5T_STD_I32LE, H5T_NATIVE_INT32, 1, &n, NULL,
                        measure, &s_par, w_long_name,
                        "policy measure number (1..20), 0 for none");
}

/* Attributes of /parameters/value. */
static int w_value_attrs(nb_h5w *w, hid_t ds, const void *ud)
{
    if (nb_h5w_attr_str(w, ds, "long_name", "resolved parameter value in each month") ||
        nb_h5w_attr_str(w, ds, "comment", "units: see unit(parameter)"))
        return NB_EIO;
    return NB_OK;
}

/* /parameters/value(parameter, time): each parameter's value in each month. */
static int w_par_values(nb_h5w *w, const run_out *ro, hid_t g, const hid_t *s)
{
    const nb_results *r = ro->res;
    size_t nt = (size_t)r->n_time;
    nb_params *table = malloc(nt * sizeof *table);
    double *v = malloc(nt * NB_NPARAMS * sizeof *v);
    int rc = NB_EIO;
    if (!table || !v) {
        nb_h5w_nomem(w);
    } else {
        nb_paramset_table(ro->meta->ps, r->start, r->n_time, table);
        for (int i = 0; i < NB_NPARAMS; i++)
            for (size_t k = 0; k < nt; k++) v[i * nt + k] = nb_params_get(&table[k], i);
        hsize_t dims[2] = {NB_NPARAMS, nt};
        rc = nb_h5w_array(w, g, "value", 2, dims, dims, v, s, w_value_attrs, NULL);
    }
    free(table);
    free(v);
    return rc;
}

/* The contents of group g = /parameters. */
static int w_par_contents(nb_h5w *w, const run_out *ro, hid_t g)
{
    const char *names[NB_NPARAMS];
    for (int i = 0; i < NB_NPARAMS; i++) names[i] = nb_registry[i].name;
    hid_t s[2] = {H5I_INVALID_HID, H5I_INVALID_HID};   /* parameter, time */
    int rc = NB_EIO;
    s[0] = nb_h5w_scale(w, g, "parameter", w->str, w->str, NB_NPARAMS, names,
                        "parameter name (registry order)");
    if (s[0] >= 0) s[1] = nb_h5w_time_scale(w, g, ro->res->start, ro->res->n_time);
    if (s[1] >= 0 && w_par_columns(w, g, s[0]) == NB_OK) rc = w_par_values(w, ro, g, s);
    nb_h5w_close(s, 2);
    return rc;
}

/* Create the /parameters group (time tracking off) and fill it. */
static int w_parameters(nb_h5w *w, const run_out *ro)
{
    hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
    hid_t g = H5I_INVALID_HID;
    if (gcpl < 0 || H5Pset_obj_track_times(gcpl, 0) < 0 ||
        (g = H5Gcreate2(w->file, "parameters", H5P_DEFAULT, gcpl, H5P_DEFAULT)) < 0) {
        nb_h5w_fail(w, "creating group", "parameters");
        if (gcpl >= 0) H5Pclose(gcpl);
        return NB_EIO;
    }
    H5Pclose(gcpl);
    int rc = w_par_contents(w, ro, g);
    H5Gclose(g);
    return rc;
}

/* ---- the history ------------------------------------------------------------------ */

/* The months simulated before time point 0 (from run.origin), when the results keep
 * them: group `history` with its own time and replicate scales and one
 * <metric>(replicate, time) array per metric, flagged by the group's `description`. */
static int w_history(nb_h5w *w, const nb_results *r)
{
    if (!r->hist || r->n_hist <= 0) return NB_OK;
    hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
    hid_t g = H5I_INVALID_HID, sc[2] = {H5I_INVALID_HID, H5I_INVALID_HID};
    if (gcpl < 0 || H5Pset_obj_track_times(gcpl, 0) < 0 ||
        (g = H5Gcreate2(w->file, "history", H5P_DEFAULT, gcpl, H5P_DEFAULT)) < 0) {
        nb_h5w_fail(w, "creating group", "history");
        if (gcpl >= 0) H5Pclose(gcpl);
        return NB_EIO;
    }
    H5Pclose(gcpl);
    int rc = nb_h5w_attr_str(w, g, "description",
                             "The zone simulated from run.origin up to the month before run.start "
                             "(the spin-up): history, not projection. 模型自run.origin起的历史模拟。");
    if (rc == NB_OK && (sc[0] = nb_h5w_time_scale(w, g, r->hist_start, r->n_hist)) < 0) rc = NB_EIO;
    int32_t *reps = rc == NB_OK ? malloc((size_t)r->n_rep * sizeof *reps) : NULL;
    if (rc == NB_OK && !reps) rc = nb_h5w_nomem(w);
    if (rc == NB_OK) {
        for (int i = 0; i < r->n_rep; i++) reps[i] = i;
        sc[1] = nb_h5w_scale(w, g, "replicate", H5T_STD_I32LE, H5T_NATIVE_INT32,
                             (hsize_t)r->n_rep, reps, "Monte Carlo replicate number");
        if (sc[1] < 0) rc = NB_EIO;
    }
    free(reps);
    hsize_t dims[2] = {(hsize_t)r->n_rep, (hsize_t)r->n_hist};
    hsize_t chunk[2] = {r->n_rep < CHUNK_REP ? (hsize_t)r->n_rep : CHUNK_REP, (hsize_t)r->n_hist};
    hid_t s_series[2] = {sc[1], sc[0]};
    for (int m = 0; m < NB_NMETRICS && rc == NB_OK; m++)
        rc = nb_h5w_array(w, g, nb_metrics[m].name, 2, dims, chunk, nb_results_hrow(r, m, 0),
                          s_series, w_metric_attrs, &nb_metrics[m]);
    nb_h5w_close(sc, 2);
    H5Gclose(g);
    return rc;
}

/* ---- root attributes ------------------------------------------------------------ */

/* The unicorn and gazelle definitions in words, from the parameter values at time
 * point 0. */
static int w_definitions(nb_h5w *w, const run_out *ro)
{
    const nb_paramset *ps = ro->meta->ps;
    int m = ro->res->start;
    char u[512], g[512], a[32], b[32], c[32], d[32];
    snprintf(u, sizeof u,
             "unicorn: unlisted, valued >= %s USD at %s RMB/USD, founded <= %s years ago",
             nb_format_g(a, nb_paramset_at(ps, NB_P_def_unicorn_usd, m), 6),
             nb_format_g(b, nb_paramset_at(ps, NB_P_def_usd_cny, m), 6),
             nb_format_g(c, nb_paramset_at(ps, NB_P_def_unicorn_max_age, m), 6));
    snprintf(g, sizeof g,
             "gazelle: aged <= %s years, annual revenue growing >= %s%% a year over %s "
             "years from >= %s RMB/year",
             nb_format_g(a, nb_paramset_at(ps, NB_P_def_gazelle_max_age, m), 6),
             nb_format_g(b, 100 * nb_paramset_at(ps, NB_P_def_gazelle_growth, m), 6),
             nb_format_g(c, nb_paramset_at(ps, NB_P_def_gazelle_years, m), 6),
             nb_format_g(d, nb_paramset_at(ps, NB_P_def_gazelle_min_revenue, m), 6));
    if (nb_h5w_attr_str(w, w->file, "unicorn_definition", u) ||
        nb_h5w_attr_str(w, w->file, "gazelle_definition", g))
        return NB_EIO;
    return NB_OK;
}

/* The root attributes: provenance, scenario and conventions. */
static int w_root_attrs(nb_h5w *w, const run_out *ro)
{
    const nb_run_meta *mt = ro->meta;
    hid_t f = w->file;
    char start[16], title[512];
    int s = ro->res->start;
    snprintf(start, sizeof start, "%04d-%02d", s / 12, s % 12 + 1);
    snprintf(title, sizeof title, "neobay simulation results: scenario %s",
             mt->scenario_name ? mt->scenario_name : "");
    if (nb_h5w_attr_str(w, f, "neobay_version", NB_VERSION) ||
        nb_h5w_attr_str(w, f, "git_commit", NB_GIT_COMMIT) ||
        nb_h5w_attr_i64(w, f, "seed", mt->seed) ||
        nb_h5w_attr_str(w, f, "scenario_name", mt->scenario_name) ||
        nb_h5w_attr_str(w, f, "scenario_path", mt->scenario_path) ||
        nb_h5w_attr_str(w, f, "scenario_yaml", mt->scenario_yaml) ||
        nb_h5w_attr_i64(w, f, "replicates", ro->res->n_rep) ||
        nb_h5w_attr_str(w, f, "start", start) ||
        nb_h5w_attr_str(w, f, "Conventions", "CF-1.8") ||
        nb_h5w_attr_str(w, f, "title", title))
        return NB_EIO;
    return w_definitions(w, ro);
}

/* ---- the whole file -------------------------------------------------------------- */

/* Everything in the file, in a fixed order (an nb_h5w_fill_fn; ud: the run_out). */
static int w_contents(nb_h5w *w, const void *ud)
{
    const run_out *ro = ud;
    hid_t sc[3] = {H5I_INVALID_HID, H5I_INVALID_HID, H5I_INVALID_HID};
    int rc = w_root_scales(w, ro->res, sc);
    for (int m = 0; m < NB_NMETRICS && rc == NB_OK; m++) rc = w_metric(w, ro->res, m, sc);
    if (rc == NB_OK) rc = w_milestones(w, ro->res);
    if (rc == NB_OK) rc = w_horizons(w, ro->res, sc[1]);
    nb_h5w_close(sc, 3);
    if (rc == NB_OK) rc = w_history(w, ro->res);
    if (rc == NB_OK) rc = w_parameters(w, ro);
    if (rc == NB_OK) rc = w_root_attrs(w, ro);
    if (rc == NB_OK && ro->extra) rc = ro->extra(w, ro->extra_ud);
    return rc;
}

/* See h5out.h.  Inputs the writer relies on are checked first (NB_EIO with a
 * message); then the file is built in memory and written atomically
 * (nb_h5_write_file). */
int nb_h5_write_run(const char *path, const nb_results *res, const nb_run_meta *meta,
                    nb_err *e)
{
    return nb_h5_write_run_ex(path, res, meta, NULL, NULL, e);
}

/* See h5out.h. */
int nb_h5_write_run_ex(const char *path, const nb_results *res, const nb_run_meta *meta,
                       nb_h5w_fill_fn extra, const void *extra_ud, nb_err *e)
{
    if (!path || !*path) return nb_err_code(e, NB_EIO, "results file: empty path");
    if (!res || !meta || !meta->ps || res->n_rep < 1 || res->n_time < 1 || res->start < 0)
        return nb_err_code(e, NB_EIO, "%s: cannot write results file: no results to write",
                           path);
    run_out ro = {res, meta, extra, extra_ud};
    return nb_h5_write_file(path, "results file", w_contents, &ro, e);
}
