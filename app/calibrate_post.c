/* calibrate_post.c -- the posterior file, `calibrate report`, and projections with
 * parameter uncertainty (`run --posterior`); see calibrate.h.
 *
 * The posterior file is built with app/h5util.c's blocks (in memory, every axis a
 * dimension scale so xarray names the dimensions, written under a temporary name and
 * renamed): identical calibrations give byte-identical files.
 *
 * Projection draws.  Replicate r of a run with seed s takes particle
 *     i(r) = the first i with cumulative weight share > u(s, r),
 * u(s, r) a Philox uniform keyed (s, r) at a counter no model event uses: so a draw
 * depends on the seed, the replicate and the posterior only (not on threads or on the
 * number of replicates), and two scenarios run with the same seed draw the same
 * parameters replicate by replicate (their comparison stays paired).
 */
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include "../model/metrics.h"
#include "../model/neobay.h"
#include "../model/rng.h"
#include "calibrate.h"
#include "format.h"

#ifndef NB_GIT_COMMIT
#define NB_GIT_COMMIT "unknown"
#endif

#define DRAW_ENTITY 0x504F5354ull   /* "POST": counter entity of the draws */
#define DRAW_PURPOSE 0x50u          /* no model event uses this purpose */

/* ==== weighted quantiles ============================================================ */

typedef struct wx { double x, w; } wx;

static int cmp_wx(const void *a, const void *b)
{
    double x = ((const wx *)a)->x, y = ((const wx *)b)->x;
    return (x > y) - (x < y);
}

double nb_wquantile(const double *x, const double *w, int n, double q)
{
    wx *v = malloc((size_t)(n > 0 ? n : 1) * sizeof *v);
    if (!v) return NAN;
    int m = 0;
    double tot = 0;
    for (int i = 0; i < n; i++)
        if (!isnan(x[i]) && w[i] > 0) { v[m++] = (wx){x[i], w[i]}; tot += w[i]; }
    if (m == 0) { free(v); return NAN; }
    qsort(v, (size_t)m, sizeof *v, cmp_wx);
    double cum = 0, target = q * tot, r = v[m - 1].x;
    for (int i = 0; i < m; i++) {
        cum += v[i].w;
        if (fabs(cum - target) <= 1e-12 * tot && i + 1 < m) { r = 0.5 * (v[i].x + v[i + 1].x); break; }
        if (cum > target) { r = v[i].x; break; }
    }
    free(v);
    return r;
}

/* ==== writing ======================================================================== */

typedef struct post_out {
    const nb_calib *c;
    const nb_abc_result *r;
} post_out;

static int w_long(nb_h5w *w, hid_t ds, const void *ud)
{
    return nb_h5w_attr_str(w, ds, "long_name", ud);
}

typedef struct lu { const char *long_name, *units; } lu;

static int w_lu(nb_h5w *w, hid_t ds, const void *ud)
{
    const lu *x = ud;
    if (nb_h5w_attr_str(w, ds, "long_name", x->long_name)) return NB_EIO;
    return x->units ? nb_h5w_attr_str(w, ds, "units", x->units) : NB_OK;
}

/* A 1-D dataset of doubles over scale s. */
static int w_vec(nb_h5w *w, const char *name, const double *v, hsize_t n, hid_t s,
                 const char *long_name, const char *units)
{
    lu x = {long_name, units};
    return nb_h5w_array(w, w->file, name, 1, &n, NULL, v, &s, w_lu, &x);
}

/* A 1-D dataset of strings over scale s. */
static int w_strs(nb_h5w *w, const char *name, const char *const *v, hsize_t n, hid_t s,
                  const char *long_name)
{
    return nb_h5w_typed(w, w->file, name, w->str, w->str, 1, &n, NULL, v, &s, w_long, long_name);
}

static int w_post_contents(nb_h5w *w, const void *ud)
{
    const post_out *po = ud;
    const nb_calib *c = po->c;
    const nb_abc_result *r = po->r;
    int N = r->N, d = r->n_par, F = r->n_fit, G = r->n_gen, R = r->pp_rep, last = G - 1;
    hid_t sc[5] = {H5I_INVALID_HID, H5I_INVALID_HID, H5I_INVALID_HID, H5I_INVALID_HID, H5I_INVALID_HID};
    enum { S_PART, S_PAR, S_GEN, S_TG, S_PP };
    int32_t *idx = malloc((size_t)(N > G ? (N > R ? N : R) : (G > R ? G : R)) * sizeof *idx);
    const char *names[NB_CAL_MAX_PARAMS], *tnames[NB_CAL_MAX_TARGETS];
    double *buf = malloc((size_t)(N * d + 3 * d + 8 * F + 16) * sizeof *buf);
    int rc = idx && buf ? NB_OK : nb_h5w_nomem(w);
    for (int k = 0; k < d; k++) names[k] = nb_registry[c->par[k].id].name;
    for (int i = 0; i < F; i++) tnames[i] = c->tg->t[c->fit[i]].id;
    if (rc == NB_OK) {
        for (int i = 0; i < N; i++) idx[i] = i;
        sc[S_PART] = nb_h5w_scale(w, w->file, "particle", H5T_STD_I32LE, H5T_NATIVE_INT32, (hsize_t)N, idx, "particle of the last generation");
        sc[S_PAR] = nb_h5w_scale(w, w->file, "parameter", w->str, w->str, (hsize_t)d, names, "calibrated parameter (registry name)");
        for (int i = 0; i < G; i++) idx[i] = i;
        sc[S_GEN] = nb_h5w_scale(w, w->file, "generation", H5T_STD_I32LE, H5T_NATIVE_INT32, (hsize_t)G, idx, "ABC-SMC generation (0: the prior)");
        sc[S_TG] = nb_h5w_scale(w, w->file, "target", w->str, w->str, (hsize_t)F, tnames, "fitted target (targets file id)");
        for (int i = 0; i < R; i++) idx[i] = i;
        sc[S_PP] = nb_h5w_scale(w, w->file, "predictive_replicate", H5T_STD_I32LE, H5T_NATIVE_INT32, (hsize_t)R, idx, "replicate of the posterior-predictive simulation");
        for (int i = 0; i < 5; i++) if (sc[i] < 0) rc = NB_EIO;
    }
    /* The last generation. */
    const double *th = &r->theta[(size_t)last * N * d], *wt = &r->w[(size_t)last * N];
    if (rc == NB_OK) {
        hsize_t dims[2] = {(hsize_t)N, (hsize_t)d};
        hid_t s2[2] = {sc[S_PART], sc[S_PAR]};
        lu x = {"posterior particles (last generation), in each parameter's units", "see unit(parameter)"};
        rc = nb_h5w_array(w, w->file, "particles", 2, dims, NULL, th, s2, w_lu, &x);
    }
    if (rc == NB_OK) rc = w_vec(w, "weights", wt, (hsize_t)N, sc[S_PART], "normalised importance weight", "1");
    if (rc == NB_OK) rc = w_vec(w, "distance", &r->dist[(size_t)last * N], (hsize_t)N, sc[S_PART], "distance of the accepted simulation from the targets", "1");
    /* History. */
    if (rc == NB_OK) {
        hsize_t dims[3] = {(hsize_t)G, (hsize_t)N, (hsize_t)d};
        hid_t s3[3] = {sc[S_GEN], sc[S_PART], sc[S_PAR]};
        lu x = {"particles of every generation", "see unit(parameter)"};
        rc = nb_h5w_array(w, w->file, "history_particles", 3, dims, NULL, r->theta, s3, w_lu, &x);
        lu x2 = {"weights of every generation", "1"}, x3 = {"distances of every generation", "1"};
        if (rc == NB_OK) rc = nb_h5w_array(w, w->file, "history_weights", 2, dims, NULL, r->w, s3, w_lu, &x2);
        if (rc == NB_OK) rc = nb_h5w_array(w, w->file, "history_distance", 2, dims, NULL, r->dist, s3, w_lu, &x3);
    }
    double *g = rc == NB_OK ? malloc((size_t)G * 5 * sizeof *g) : NULL;
    if (rc == NB_OK && !g) rc = nb_h5w_nomem(w);
    if (rc == NB_OK) {
        for (int t = 0; t < G; t++) {
            g[t] = r->gen[t].tolerance;
            g[G + t] = r->gen[t].acceptance;
            g[2 * G + t] = (double)r->gen[t].candidates;
            g[3 * G + t] = (double)r->gen[t].simulated;
            g[4 * G + t] = r->gen[t].ess;
        }
        if ((rc = w_vec(w, "tolerance", g, (hsize_t)G, sc[S_GEN], "tolerance: accepted distances are at or below it (generation 0: none)", "1")) == NB_OK &&
            (rc = w_vec(w, "acceptance_rate", g + G, (hsize_t)G, sc[S_GEN], "particles / candidates needed", "1")) == NB_OK &&
            (rc = w_vec(w, "candidates", g + 2 * G, (hsize_t)G, sc[S_GEN], "candidates up to the last one accepted", "1")) == NB_OK &&
            (rc = w_vec(w, "simulated", g + 3 * G, (hsize_t)G, sc[S_GEN], "candidates simulated (whole batches)", "1")) == NB_OK)
            rc = w_vec(w, "ess", g + 4 * G, (hsize_t)G, sc[S_GEN], "effective sample size 1/sum(w^2)", "1");
    }
    free(g);
    /* Per parameter. */
    if (rc == NB_OK) {
        const char *units[NB_CAL_MAX_PARAMS], *desc[NB_CAL_MAX_PARAMS], *src[NB_CAL_MAX_PARAMS];
        double col[8][NB_CAL_MAX_PARAMS];
        double *x = malloc((size_t)N * sizeof *x);
        if (!x) rc = nb_h5w_nomem(w);
        for (int k = 0; rc == NB_OK && k < d; k++) {
            const nb_param_info *pi = &nb_registry[c->par[k].id];
            units[k] = pi->unit; desc[k] = pi->desc; src[k] = pi->source;
            col[0][k] = c->par[k].lo; col[1][k] = c->par[k].hi;
            col[2][k] = c->par[k].log; col[3][k] = c->par[k].nuisance; col[4][k] = pi->def;
            double m = 0;
            for (int i = 0; i < N; i++) { x[i] = th[(size_t)i * d + k]; m += wt[i] * x[i]; }
            col[5][k] = m;
            col[6][k] = nb_wquantile(x, wt, N, 0.05);
            col[7][k] = nb_wquantile(x, wt, N, 0.95);
        }
        free(x);
        static const char *cn[8] = {"prior_min", "prior_max", "prior_log", "nuisance", "registry_default",
                                    "posterior_mean", "posterior_q05", "posterior_q95"};
        static const char *cl[8] = {"lower end of the uniform prior", "upper end of the uniform prior",
                                    "1: the prior is uniform in log(value)",
                                    "1: used in the calibration runs only, not in projections",
                                    "the registry default when calibrated",
                                    "weighted posterior mean", "weighted posterior 5% quantile",
                                    "weighted posterior 95% quantile"};
        if (rc == NB_OK) rc = w_strs(w, "unit", units, (hsize_t)d, sc[S_PAR], "unit of the parameter");
        if (rc == NB_OK) rc = w_strs(w, "description", desc, (hsize_t)d, sc[S_PAR], "description (registry)");
        if (rc == NB_OK) rc = w_strs(w, "source", src, (hsize_t)d, sc[S_PAR], "source or assumption (registry)");
        for (int j = 0; rc == NB_OK && j < 8; j++)
            rc = w_vec(w, cn[j], col[j], (hsize_t)d, sc[S_PAR], cl[j], j == 2 || j == 3 ? "1" : NULL);
    }
    /* Per target. */
    if (rc == NB_OK) {
        const char *tx[7][NB_CAL_MAX_TARGETS];
        double tv[5][NB_CAL_MAX_TARGETS];
        for (int i = 0; i < F; i++) {
            const nb_target *t = &c->tg->t[c->fit[i]];
            tx[0][i] = t->figure; tx[1][i] = t->when; tx[2][i] = t->source;
            tx[3][i] = t->uncertainty; tx[4][i] = t->stat_text; tx[5][i] = t->unit;
            tx[6][i] = t->note ? t->note : "";
            tv[0][i] = t->value; tv[1][i] = t->lo; tv[2][i] = t->hi; tv[3][i] = t->sd; tv[4][i] = t->weight;
        }
        static const char *tn[7] = {"figure", "when", "source_text", "uncertainty", "statistic", "units", "note"};
        static const char *tl[7] = {"the figure as published", "its date as published", "source, as data.md gives it",
                                    "what sd and range stand for", "the simulated statistic compared with it",
                                    "unit of the statistic", "note"};
        static const char *vn[5] = {"observed", "observed_lo", "observed_hi", "sd", "weight"};
        static const char *vl[5] = {"observed value", "observed interval, low end", "observed interval, high end",
                                    "scale of the gap (one sd counts 1)", "weight in the distance"};
        for (int j = 0; rc == NB_OK && j < 7; j++) rc = w_strs(w, tn[j], tx[j], (hsize_t)F, sc[S_TG], tl[j]);
        for (int j = 0; rc == NB_OK && j < 5; j++) rc = w_vec(w, vn[j], tv[j], (hsize_t)F, sc[S_TG], vl[j], NULL);
    }
    if (rc == NB_OK) {
        hsize_t dims[3] = {(hsize_t)N, (hsize_t)R, (hsize_t)F};
        hid_t s3[3] = {sc[S_PART], sc[S_PP], sc[S_TG]};
        lu x = {"posterior predictive: the statistic simulated afresh at each particle", "see units(target)"};
        rc = nb_h5w_array(w, w->file, "predictive", 3, dims, NULL, r->pred, s3, w_lu, &x);
    }
    /* Figures not fitted. */
    int nu = 0;
    const char *ux[5][NB_CAL_MAX_TARGETS];
    static const char *roles[3] = {"target", "input", "excluded"};
    for (int i = 0; i < c->tg->n; i++) {
        const nb_target *t = &c->tg->t[i];
        if (t->role == NB_ROLE_TARGET && t->weight > 0) continue;
        ux[0][nu] = t->id; ux[1][nu] = t->figure; ux[2][nu] = t->source;
        ux[3][nu] = roles[t->role]; ux[4][nu] = t->note ? t->note : "weight 0";
        nu++;
    }
    if (rc == NB_OK && nu > 0) {
        hid_t su = nb_h5w_scale(w, w->file, "unused", w->str, w->str, (hsize_t)nu, ux[0], "figure of the targets file that is not fitted (id)");
        static const char *un[4] = {"unused_figure", "unused_source", "unused_role", "unused_note"};
        static const char *ul[4] = {"the figure as published", "source", "input or excluded", "why it is not fitted"};
        if (su < 0) rc = NB_EIO;
        for (int j = 0; rc == NB_OK && j < 4; j++) rc = w_strs(w, un[j], ux[j + 1], (hsize_t)nu, su, ul[j]);
        nb_h5w_close(&su, 1);
    }
    nb_h5w_close(sc, 5);
    if (rc == NB_OK) {
        char title[512];
        snprintf(title, sizeof title, "neobay calibration (ABC-SMC): %s", c->name);
        hid_t f = w->file;
        char *scen = nb_scenario_to_yaml(c->base);
        if (!scen) rc = nb_h5w_nomem(w);
        else if (nb_h5w_attr_str(w, f, "title", title) ||
                 nb_h5w_attr_str(w, f, "Conventions", "CF-1.8") ||
                 nb_h5w_attr_str(w, f, "neobay_version", NB_VERSION) ||
                 nb_h5w_attr_str(w, f, "git_commit", NB_GIT_COMMIT) ||
                 nb_h5w_attr_str(w, f, "calibration_name", c->name) ||
                 nb_h5w_attr_str(w, f, "calibration_path", c->path) ||
                 nb_h5w_attr_str(w, f, "calibration_yaml", c->text) ||
                 nb_h5w_attr_str(w, f, "targets_path", c->tg->path) ||
                 nb_h5w_attr_str(w, f, "targets_yaml", c->tg->text) ||
                 nb_h5w_attr_str(w, f, "scenario_yaml", scen) ||
                 nb_h5w_attr_str(w, f, "method", "ABC-SMC (Toni et al. 2009; adaptive tolerance and weights as Beaumont et al. 2009); component-wise Gaussian kernel with twice the weighted variance, in the prior's coordinates") ||
                 nb_h5w_attr_str(w, f, "stop_reason", r->stop_reason) ||
                 nb_h5w_attr_i64(w, f, "seed", c->seed) ||
                 nb_h5w_attr_i64(w, f, "particles", N) ||
                 nb_h5w_attr_i64(w, f, "replicates", c->replicates) ||
                 nb_h5w_attr_i64(w, f, "predictive_replicates", R) ||
                 nb_h5w_attr_i64(w, f, "generations", G) ||
                 nb_h5w_attr_f64(w, f, "quantile", c->quantile))
            rc = NB_EIO;
        free(scen);
    }
    free(idx);
    free(buf);
    return rc;
}

int nb_posterior_write(const char *path, const nb_calib *c, const nb_abc_result *r,
                       nb_err *e)
{
    if (!r || r->n_gen < 1) return nb_err_code(e, NB_EIO, "%s: no posterior to write", path);
    post_out po = {c, r};
    return nb_h5_write_file(path, "posterior file", w_post_contents, &po, e);
}

/* ==== reading ======================================================================== */

void nb_posterior_free(nb_posterior *p)
{
    if (!p) return;
    for (int i = 0; p->name && i < p->n_par; i++) free(p->name[i]);
    for (int i = 0; i < p->n_fit; i++) {
        if (p->tname) free(p->tname[i]);
        if (p->tunit) free(p->tunit[i]);
        if (p->tsource) free(p->tsource[i]);
    }
    free(p->name); free(p->id); free(p->nuisance); free(p->lo); free(p->hi);
    free(p->theta); free(p->w); free(p->tname); free(p->tunit); free(p->tsource);
    free(p->obs); free(p->obs_lo); free(p->obs_hi); free(p->pred); free(p->tol); free(p->acc);
    free(p->path);
    free(p);
}

static char *dupstr(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

/* The 1-D string dataset `name` of loc with n entries, malloc'd strings; NULL. */
static char **r_strs(hid_t loc, const char *name, int n)
{
    if (H5Lexists(loc, name, H5P_DEFAULT) <= 0) return NULL;
    hid_t ds = H5Dopen2(loc, name, H5P_DEFAULT);
    hid_t sp = ds < 0 ? H5I_INVALID_HID : H5Dget_space(ds);
    hid_t mt = nb_h5_str_type();
    char **raw = calloc((size_t)(n > 0 ? n : 1), sizeof *raw), **out = NULL;
    hsize_t dim = 0;
    if (ds >= 0 && sp >= 0 && mt >= 0 && raw && H5Sget_simple_extent_ndims(sp) == 1 &&
        H5Sget_simple_extent_dims(sp, &dim, NULL) >= 0 && dim == (hsize_t)n &&
        H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw) >= 0) {
        out = calloc((size_t)(n > 0 ? n : 1), sizeof *out);
        for (int i = 0; out && i < n; i++) out[i] = raw[i] ? dupstr(raw[i]) : NULL;
        H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, raw);
    }
    free(raw);
    if (mt >= 0) H5Tclose(mt);
    if (sp >= 0) H5Sclose(sp);
    if (ds >= 0) H5Dclose(ds);
    return out;
}

/* FNV-1a of the particles and weights, bit for bit. */
static uint64_t post_hash(const nb_posterior *p)
{
    uint64_t h = 14695981039346656037ULL;
    const unsigned char *b = (const unsigned char *)p->theta;
    for (size_t i = 0; i < (size_t)p->N * p->n_par * sizeof(double); i++) h = (h ^ b[i]) * 1099511628211ULL;
    b = (const unsigned char *)p->w;
    for (size_t i = 0; i < (size_t)p->N * sizeof(double); i++) h = (h ^ b[i]) * 1099511628211ULL;
    return h;
}

int nb_posterior_read(const char *path, nb_posterior **out, nb_err *e)
{
    *out = NULL;
    nb_h5_quiet q = nb_h5_quiet_begin();
    hid_t f;
    char why[512];
    int st = nb_h5r_open(path, &f, why, sizeof why);
    if (st != NB_OK) {
        nb_h5_quiet_end(q);
        return nb_err_set(e, "%s: cannot read the posterior file: %s", path, why);
    }
    nb_posterior *p = calloc(1, sizeof *p);
    const char *missing = NULL;
    hsize_t d1[1], d2[2], d3[3];
    if (!p) { H5Fclose(f); nb_h5_quiet_end(q); return nb_err_code(e, NB_ENOMEM, "out of memory"); }
    p->path = dupstr(path);
    double *tmp = NULL;
    if (!(p->w = nb_h5r_doubles(f, "weights", 1, d1))) missing = "weights(particle)";
    else p->N = (int)d1[0];
    if (!missing && !(p->theta = nb_h5r_doubles(f, "particles", 2, d2))) missing = "particles(particle, parameter)";
    else if (!missing) {
        p->n_par = (int)d2[1];
        if ((int)d2[0] != p->N || p->n_par > NB_CAL_MAX_PARAMS) missing = "particles of the right shape";
    }
    if (!missing && !(p->name = r_strs(f, "parameter", p->n_par))) missing = "parameter names";
    if (!missing && !(tmp = nb_h5r_doubles(f, "nuisance", 1, d1))) missing = "nuisance(parameter)";
    if (!missing) {
        p->nuisance = malloc((size_t)p->n_par * sizeof *p->nuisance);
        p->id = malloc((size_t)p->n_par * sizeof *p->id);
        for (int k = 0; p->nuisance && p->id && k < p->n_par; k++) {
            p->nuisance[k] = tmp[k] != 0;
            p->id[k] = p->name[k] ? nb_registry_find(p->name[k]) : -1;
        }
    }
    free(tmp);
    if (!missing && !(p->lo = nb_h5r_doubles(f, "prior_min", 1, d1))) missing = "prior_min(parameter)";
    if (!missing && !(p->hi = nb_h5r_doubles(f, "prior_max", 1, d1))) missing = "prior_max(parameter)";
    if (!missing && !(p->obs = nb_h5r_doubles(f, "observed", 1, d1))) missing = "observed(target)";
    else if (!missing) p->n_fit = (int)d1[0];
    if (!missing && !(p->obs_lo = nb_h5r_doubles(f, "observed_lo", 1, d1))) missing = "observed_lo(target)";
    if (!missing && !(p->obs_hi = nb_h5r_doubles(f, "observed_hi", 1, d1))) missing = "observed_hi(target)";
    if (!missing && !(p->tname = r_strs(f, "target", p->n_fit))) missing = "target names";
    if (!missing && !(p->tunit = r_strs(f, "units", p->n_fit))) missing = "units(target)";
    if (!missing && !(p->tsource = r_strs(f, "source_text", p->n_fit))) missing = "source_text(target)";
    if (!missing && !(p->pred = nb_h5r_doubles(f, "predictive", 3, d3))) missing = "predictive(particle, predictive_replicate, target)";
    else if (!missing) {
        p->pp_rep = (int)d3[1];
        if ((int)d3[0] != p->N || (int)d3[2] != p->n_fit) missing = "predictive of the right shape";
    }
    if (!missing && !(p->tol = nb_h5r_doubles(f, "tolerance", 1, d1))) missing = "tolerance(generation)";
    else if (!missing) p->n_gen = (int)d1[0];
    if (!missing && !(p->acc = nb_h5r_doubles(f, "acceptance_rate", 1, d1))) missing = "acceptance_rate(generation)";
    if (!missing && (!p->nuisance || !p->id || !p->path)) {
        H5Fclose(f);
        nb_h5_quiet_end(q);
        nb_posterior_free(p);
        return nb_err_code(e, NB_ENOMEM, "out of memory");
    }
    if (!missing && nb_h5r_attr_str(f, "calibration_name", p->cal_name, sizeof p->cal_name) != 0)
        missing = "the calibration_name attribute";
    H5Fclose(f);
    nb_h5_quiet_end(q);
    if (missing) {
        nb_posterior_free(p);
        return nb_err_set(e, "%s: not a neobay posterior file (no %s)", path, missing);
    }
    double sw = 0;
    for (int i = 0; i < p->N; i++) {
        if (!(p->w[i] >= 0) || !isfinite(p->w[i])) {
            nb_posterior_free(p);
            return nb_err_set(e, "%s: damaged posterior file (weight %d is %g)", path, i, p->w[i]);
        }
        sw += p->w[i];
    }
    if (!(sw > 0)) {
        nb_posterior_free(p);
        return nb_err_set(e, "%s: damaged posterior file (weights sum to 0)", path);
    }
    p->hash = post_hash(p);
    *out = p;
    return NB_OK;
}

/* ==== the report ======================================================================= */

static void fmt_v(char *buf, size_t n, double v)
{
    if (isnan(v)) snprintf(buf, n, "n/a");
    else if (v != 0 && (fabs(v) >= 1e6 || fabs(v) < 1e-3)) snprintf(buf, n, "%.3g", v);
    else snprintf(buf, n, "%.4g", v);
}

typedef struct col { const char *en, *zh; int right; } col;

/* Print a table: ncol columns, two header lines (English, Chinese), then rows of
 * cells[row][col]. */
static void table(FILE *out, const col *c, int ncol, char (*cells)[8][96], int nrow)
{
    int wd[8];
    for (int j = 0; j < ncol; j++) {
        wd[j] = nb_format_width(c[j].en);
        if (nb_format_width(c[j].zh) > wd[j]) wd[j] = nb_format_width(c[j].zh);
        for (int i = 0; i < nrow; i++)
            if (nb_format_width(cells[i][j]) > wd[j]) wd[j] = nb_format_width(cells[i][j]);
    }
    for (int h = 0; h < 2; h++) {
        for (int j = 0; j < ncol; j++) {
            nb_format_pad(out, h ? c[j].zh : c[j].en, j + 1 < ncol ? wd[j] : 0, c[j].right);
            if (j + 1 < ncol) fputs("  ", out);
        }
        fputc('\n', out);
    }
    for (int i = 0; i < nrow; i++) {
        for (int j = 0; j < ncol; j++) {
            nb_format_pad(out, cells[i][j], j + 1 < ncol ? wd[j] : 0, c[j].right);
            if (j + 1 < ncol) fputs("  ", out);
        }
        fputc('\n', out);
    }
}

int nb_posterior_report(const char *path, FILE *out, nb_err *e)
{
    nb_posterior *p;
    int st = nb_posterior_read(path, &p, e);
    if (st != NB_OK) return st;
    int N = p->N, R = p->pp_rep, F = p->n_fit, d = p->n_par;
    double *x = malloc((size_t)N * R * sizeof *x), *w = malloc((size_t)N * R * sizeof *w);
    char (*cells)[8][96] = calloc((size_t)(F > d ? F : d) + 1, sizeof *cells);
    if (!x || !w || !cells) {
        free(x); free(w); free(cells);
        nb_posterior_free(p);
        return nb_err_code(e, NB_ENOMEM, "out of memory");
    }
    double sw = 0;
    for (int i = 0; i < N; i++) sw += p->w[i];
    fprintf(out, "calibration %s  (%s)\n", p->cal_name, path);
    fprintf(out, "ABC-SMC: %d particles, %d generations, final tolerance %.4g, acceptance %.3g\n\n",
            N, p->n_gen, p->tol[p->n_gen - 1], p->acc[p->n_gen - 1]);
    fprintf(out, "Fit to the targets: posterior predictive (%d particles x %d fresh replicates)\n"
                 "拟合检验:后验预测(%d个粒子 x %d次新模拟)\n", N, R, N, R);
    int n_in = 0;
    for (int t = 0; t < F; t++) {
        for (int i = 0; i < N; i++)
            for (int r = 0; r < R; r++) {
                x[i * R + r] = p->pred[((size_t)i * R + r) * F + t];
                w[i * R + r] = p->w[i] / sw;
            }
        double med = nb_wquantile(x, w, N * R, 0.5);
        double q05 = nb_wquantile(x, w, N * R, 0.05), q95 = nb_wquantile(x, w, N * R, 0.95);
        int within = !isnan(q05) && p->obs_hi[t] >= q05 && p->obs_lo[t] <= q95;
        n_in += within;
        char a[24], b[24], c2[24];
        snprintf(cells[t][0], 96, "%s", p->tname[t]);
        fmt_v(a, sizeof a, p->obs[t]);
        if (p->obs_lo[t] != p->obs_hi[t]) {
            fmt_v(b, sizeof b, p->obs_lo[t]);
            fmt_v(c2, sizeof c2, p->obs_hi[t]);
            snprintf(cells[t][1], 96, "%s [%s-%s]", a, b, c2);
        } else {
            snprintf(cells[t][1], 96, "%s", a);
        }
        fmt_v(cells[t][2], 96, med);
        fmt_v(a, sizeof a, q05);
        fmt_v(b, sizeof b, q95);
        snprintf(cells[t][3], 96, "[%s, %s]", a, b);
        snprintf(cells[t][4], 96, "%s", within ? "yes 是" : "NO 否");
        snprintf(cells[t][5], 96, "%s", p->tunit[t] ? p->tunit[t] : "");
    }
    static const col fc[6] = {{"target", "目标", 0}, {"observed", "观测值", 1},
                              {"simulated median", "模拟中位数", 1}, {"90% interval", "90%区间", 1},
                              {"within", "是否在内", 0}, {"unit", "单位", 0}};
    table(out, fc, 6, cells, F);
    fprintf(out, "%d of %d targets inside the simulated 90%% interval (目标落在90%%区间内: %d/%d)\n\n",
            n_in, F, n_in, F);

    fprintf(out, "Posterior (last generation) 后验分布(末代)\n");
    for (int k = 0; k < d; k++) {
        double m = 0;
        for (int i = 0; i < N; i++) { x[i] = p->theta[(size_t)i * d + k]; m += p->w[i] * x[i] / sw; }
        char a[32], b[32], c2[32];
        snprintf(cells[k][0], 96, "%s%s", p->name[k], p->nuisance[k] ? " *" : "");
        fmt_v(cells[k][1], 96, m);
        fmt_v(a, sizeof a, nb_wquantile(x, p->w, N, 0.05));
        fmt_v(b, sizeof b, nb_wquantile(x, p->w, N, 0.95));
        snprintf(cells[k][2], 96, "[%s, %s]", a, b);
        fmt_v(a, sizeof a, p->lo[k]);
        fmt_v(b, sizeof b, p->hi[k]);
        snprintf(cells[k][3], 96, "[%s, %s]", a, b);
        if (p->id[k] >= 0) fmt_v(c2, sizeof c2, nb_registry[p->id[k]].def);
        else snprintf(c2, sizeof c2, "?");
        snprintf(cells[k][4], 96, "%s", c2);
        snprintf(cells[k][5], 96, "%s", p->id[k] >= 0 ? nb_registry[p->id[k]].unit : "");
    }
    static const col pc[6] = {{"parameter", "参数", 0}, {"mean", "均值", 1}, {"90% interval", "90%区间", 1},
                              {"prior", "先验区间", 1}, {"registry default", "注册表默认值", 1}, {"unit", "单位", 0}};
    table(out, pc, 6, cells, d);
    fprintf(out, "* nuisance: used in the calibration runs only, not drawn by run --posterior (仅用于校准)\n");
    free(x);
    free(w);
    free(cells);
    nb_posterior_free(p);
    return NB_OK;
}

/* ==== draws for projections ============================================================ */

void nb_post_draws_free(nb_post_draws *d)
{
    if (!d) return;
    nb_posterior_free(d->post);
    free(d->particle);
    free(d->value);
    free(d);
}

int nb_post_draws_make(const char *path, const nb_scenario *sc, int n_rep,
                       nb_post_draws **out, FILE *note, nb_err *e)
{
    *out = NULL;
    nb_post_draws *d = calloc(1, sizeof *d);
    if (!d) return nb_err_code(e, NB_ENOMEM, "out of memory");
    int st = nb_posterior_read(path, &d->post, e);
    if (st != NB_OK) { free(d); return st; }
    const nb_posterior *p = d->post;
    d->n_rep = n_rep;
    d->base = &sc->ps;
    for (int k = 0; k < p->n_par; k++) {
        if (p->id[k] < 0) {
            /* report before freeing: the name lives in the posterior */
            int rc = nb_err_set(e, "%s: parameter '%s' is not in this neobay's registry", path,
                                p->name[k] ? p->name[k] : "?");
            nb_post_draws_free(d);
            return rc;
        }
        if (p->nuisance[k]) continue;
        const nb_origin *o = &sc->origin[p->id[k]];
        if (o->file) {
            if (note)
                fprintf(note, "neobay: note: %s is set by %s:%d; its posterior draws are not used\n",
                        p->name[k], o->file, o->line);
            continue;
        }
        d->use[d->n_use++] = k;
    }
    d->particle = malloc((size_t)n_rep * sizeof *d->particle);
    d->value = malloc((size_t)n_rep * (d->n_use ? d->n_use : 1) * sizeof *d->value);
    double *cdf = malloc((size_t)p->N * sizeof *cdf);
    nb_scenario *chk = malloc(sizeof *chk);
    if (!d->particle || !d->value || !cdf || !chk) {
        free(cdf); free(chk);
        nb_post_draws_free(d);
        return nb_err_code(e, NB_ENOMEM, "out of memory");
    }
    double cum = 0;
    for (int i = 0; i < p->N; i++) cdf[i] = (cum += p->w[i]);
    uint32_t seed = (uint32_t)sc->ps.p[NB_P_run_seed].value[0];
    memcpy(chk, sc, sizeof *chk);
    for (int r = 0; r < n_rep; r++) {
        nb_ctr u = nb_philox4x32(nb_rng_key(seed, (uint32_t)r), nb_rng_ctr(DRAW_ENTITY, 0, DRAW_PURPOSE, 0));
        double target = nb_u01(u.v[0]) * cum;
        int i = 0;
        while (i < p->N - 1 && cdf[i] <= target) i++;
        d->particle[r] = i;
        for (int j = 0; j < d->n_use; j++) {
            int k = d->use[j];
            double v = p->theta[(size_t)i * p->n_par + k];
            if (nb_registry[p->id[k]].type == NB_T_INT) v = round(v);
            const char *why;
            if (nb_registry_check(p->id[k], v, &why) != NB_OK) {
                free(cdf); free(chk);
                int rc = nb_err_set(e, "%s: particle %d: %s = %g %s", path, i, p->name[k], v, why);
                nb_post_draws_free(d);
                return rc;
            }
            d->value[(size_t)r * d->n_use + j] = v;
            nb_paramset_set_const(&chk->ps, p->id[k], v);
        }
        nb_err sub;
        if (d->n_use && nb_scenario_validate(chk, &sub) != NB_OK) {
            free(cdf); free(chk);
            int rc = nb_err_set(e, "%s: particle %d with this scenario: %s", path, i, sub.msg);
            nb_post_draws_free(d);
            return rc;
        }
    }
    free(cdf);
    free(chk);
    *out = d;
    return NB_OK;
}

int nb_post_draws_annotate(const nb_post_draws *d, char **yaml)
{
    const nb_posterior *p = d->post;
    size_t n = strlen(*yaml) + strlen(p->path) + 256 + (size_t)d->n_use * 64;
    char *s = realloc(*yaml, n);
    if (!s) return NB_ENOMEM;
    *yaml = s;
    size_t len = strlen(s);
    len += (size_t)snprintf(s + len, n - len, "\n# posterior: %s (calibration %s, hash %016llx, %d particles)\n"
                            "# drawn for each replicate:", p->path, p->cal_name,
                            (unsigned long long)p->hash, p->N);
    for (int j = 0; j < d->n_use; j++)
        len += (size_t)snprintf(s + len, n - len, " %s", p->name[d->use[j]]);
    snprintf(s + len, n - len, "\n");
    return NB_OK;
}

int nb_post_ensemble_run(const nb_post_draws *d, nb_results *res,
                         const nb_ensemble_opts *o, uint64_t *firm_steps)
{
    int threads = (o && o->threads > 0) ? o->threads : omp_get_max_threads();
    int status = NB_OK, done = 0;
    uint64_t steps = 0;
    const nb_posterior *p = d->post;
#pragma omp parallel num_threads(threads) reduction(+ : steps)
    {
        nb_sim *s = nb_sim_alloc();
        nb_paramset *ps = malloc(sizeof *ps);
        if (!s || !ps) {
#pragma omp atomic write
            status = NB_ENOMEM;
        }
#pragma omp for schedule(dynamic, 1)
        for (int rep = 0; rep < res->n_rep; rep++) {
            int st;
#pragma omp atomic read
            st = status;
            if (!s || !ps || st != NB_OK || (o && o->skip && o->skip[rep])) continue;
            memcpy(ps, d->base, sizeof *ps);
            for (int j = 0; j < d->n_use; j++)
                nb_paramset_set_const(ps, p->id[d->use[j]], d->value[(size_t)rep * d->n_use + j]);
            nb_model *m = nb_model_alloc(ps);
            if (!m || nb_sim_run(m, s, (uint32_t)rep, res) != NB_OK) {
                nb_model_free(m);
#pragma omp atomic write
                status = NB_ENOMEM;
                continue;
            }
            nb_model_free(m);
            steps += nb_sim_firm_steps(s);
            if (o && o->on_done) {
#pragma omp critical(nb_ensemble_done)
                o->on_done(o->ud, rep, ++done, res->n_rep);
            }
        }
        nb_sim_free(s);
        free(ps);
    }
    if (firm_steps) *firm_steps = steps;
    if (status != NB_OK) return status;
    return nb_results_quantiles(res);
}

/* Attributes of posterior_draw. */
static int w_draw_attrs(nb_h5w *w, hid_t ds, const void *ud)
{
    const nb_post_draws *d = ud;
    char hash[32];
    snprintf(hash, sizeof hash, "%016llx", (unsigned long long)d->post->hash);
    if (nb_h5w_attr_str(w, ds, "long_name", "parameter values drawn from the posterior for each replicate") ||
        nb_h5w_attr_str(w, ds, "long_name_zh", "各次模拟从后验分布抽取的参数值") ||
        nb_h5w_attr_str(w, ds, "units", "see /parameters/unit") ||
        nb_h5w_attr_str(w, ds, "posterior_file", d->post->path) ||
        nb_h5w_attr_str(w, ds, "posterior_hash", hash) ||
        nb_h5w_attr_str(w, ds, "posterior_calibration", d->post->cal_name))
        return NB_EIO;
    return NB_OK;
}

/* Attributes of posterior_particle. */
static int w_particle_attrs(nb_h5w *w, hid_t ds, const void *ud)
{
    const nb_post_draws *d = ud;
    if (nb_h5w_attr_str(w, ds, "long_name", "particle of the posterior file drawn for each replicate") ||
        nb_h5w_attr_str(w, ds, "long_name_zh", "各次模拟抽取的后验粒子编号") ||
        nb_h5w_attr_str(w, ds, "posterior_file", d->post->path))
        return NB_EIO;
    return NB_OK;
}

int nb_post_draws_write(nb_h5w *w, const void *ud)
{
    const nb_post_draws *d = ud;
    const char *names[NB_CAL_MAX_PARAMS];
    for (int j = 0; j < d->n_use; j++) names[j] = d->post->name[d->use[j]];
    hid_t s[2] = {H5I_INVALID_HID, H5I_INVALID_HID};
    s[0] = H5Dopen2(w->file, "replicate", H5P_DEFAULT);
    if (s[0] < 0) return nb_h5w_fail(w, "opening", "replicate");
    int rc = NB_OK;
    if (d->n_use > 0) {
        s[1] = nb_h5w_scale(w, w->file, "parameter", w->str, w->str, (hsize_t)d->n_use, names,
                            "parameter drawn from the posterior (registry name)");
        if (s[1] < 0) rc = NB_EIO;
        hsize_t dims[2] = {(hsize_t)d->n_rep, (hsize_t)d->n_use};
        if (rc == NB_OK)
            rc = nb_h5w_array(w, w->file, "posterior_draw", 2, dims, NULL, d->value, s, w_draw_attrs, d);
    }
    int32_t *pi = malloc((size_t)d->n_rep * sizeof *pi);
    if (rc == NB_OK && !pi) rc = nb_h5w_nomem(w);
    if (rc == NB_OK) {
        for (int r = 0; r < d->n_rep; r++) pi[r] = d->particle[r];
        hsize_t n = (hsize_t)d->n_rep;
        rc = nb_h5w_typed(w, w->file, "posterior_particle", H5T_STD_I32LE, H5T_NATIVE_INT32, 1, &n,
                          NULL, pi, s, w_particle_attrs, d);
    }
    free(pi);
    nb_h5w_close(s, 2);
    return rc;
}
