/* panel.c -- micro-data of a run: the sink that collects firm snapshots and events
 * into growable column buffers, the sequential rerun that feeds it, and the writer
 * of the /panel and /events groups (layout in panel.h).
 *
 * Rows come in a fixed order (replicate, then time, then the model's slot order or
 * the order events happen), and every object is written with time tracking off, so
 * the file stays byte-identical for identical inputs.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include "../model/neobay.h"
#include "../model/firms.h"
#include "../model/metrics.h"
#include "panel.h"

#define CHUNK_ROWS 65536        /* rows per chunk of a column */
#define DEFLATE_LEVEL 4         /* as h5util.c */
#define FIRST_CAP 4096          /* rows of a buffer's first allocation */

/* ===================================================================================
 * Column buffers
 * =================================================================================== */

/* The capacity to grow a buffer of capacity cap to so it holds `need` rows. */
static size_t grown_cap(size_t cap, size_t need)
{
    size_t c = cap ? cap : FIRST_CAP;
    while (c < need) c *= 2;
    return c;
}

/* Reallocate column `ptr` to c elements; on failure return NB_ENOMEM from the
 * calling function (columns already grown stay valid, the capacity stays). */
#define GROW(ptr, c)                                                  \
    do {                                                              \
        void *g_ = realloc((ptr), (c) * sizeof *(ptr));               \
        if (!g_) return NB_ENOMEM;                                    \
        (ptr) = g_;                                                   \
    } while (0)

static int firms_reserve(nb_panel_firms *t, size_t need)
{
    if (need <= t->cap) return NB_OK;
    size_t c = grown_cap(t->cap, need);
    GROW(t->rep, c); GROW(t->k, c); GROW(t->eid, c); GROW(t->birth, c);
    GROW(t->origin, c); GROW(t->sector, c); GROW(t->stage, c); GROW(t->flags, c);
    GROW(t->revenue, c); GROW(t->valuation, c); GROW(t->raised, c); GROW(t->cash, c);
    t->cap = c;
    return NB_OK;
}

static int rounds_reserve(nb_panel_rounds *t, size_t need)
{
    if (need <= t->cap) return NB_OK;
    size_t c = grown_cap(t->cap, need);
    GROW(t->rep, c); GROW(t->k, c); GROW(t->eid, c); GROW(t->kind, c);
    GROW(t->round, c); GROW(t->investor, c); GROW(t->amount, c); GROW(t->pre, c);
    GROW(t->post, c);
    t->cap = c;
    return NB_OK;
}

static int exits_reserve(nb_panel_exits *t, size_t need)
{
    if (need <= t->cap) return NB_OK;
    size_t c = grown_cap(t->cap, need);
    GROW(t->rep, c); GROW(t->k, c); GROW(t->eid, c); GROW(t->kind, c); GROW(t->value, c);
    t->cap = c;
    return NB_OK;
}
#undef GROW

static void firms_release(nb_panel_firms *t)
{
    free(t->rep); free(t->k); free(t->eid); free(t->birth);
    free(t->origin); free(t->sector); free(t->stage); free(t->flags);
    free(t->revenue); free(t->valuation); free(t->raised); free(t->cash);
}

static void rounds_release(nb_panel_rounds *t)
{
    free(t->rep); free(t->k); free(t->eid); free(t->kind); free(t->round);
    free(t->investor); free(t->amount); free(t->pre); free(t->post);
}

static void exits_release(nb_panel_exits *t)
{
    free(t->rep); free(t->k); free(t->eid); free(t->kind); free(t->value);
}

/* ===================================================================================
 * The sink
 * =================================================================================== */

/* nb_event_sink.panel: append the live firms after time point k, when k is a
 * snapshot of the panel's frequency. */
static void on_panel(void *ud, uint32_t rep, int k, const struct nb_firms *f)
{
    nb_panel *p = ud;
    if (p->status != NB_OK || !nb_panel_is_snapshot(p, k)) return;
    nb_panel_firms *t = &p->firms;
    if (firms_reserve(t, t->n + (size_t)f->n) != NB_OK) {
        p->status = NB_ENOMEM;
        return;
    }
    size_t o = t->n;
    for (int i = 0; i < f->n; i++) {
        if (f->flags[i] & NB_FL_DEAD) continue;     /* the model hands over live firms */
        t->rep[o] = (int32_t)rep;
        t->k[o] = (int16_t)k;
        t->eid[o] = f->eid[i];
        t->birth[o] = (int16_t)(f->birth[i] - p->n_hist);   /* model: from run.origin */
        t->origin[o] = f->origin[i];
        t->sector[o] = f->sector[i];
        t->stage[o] = f->stage[i];
        t->flags[o] = f->flags[i];
        t->revenue[o] = f->revenue[i];
        t->valuation[o] = f->valuation[i];
        t->raised[o] = f->raised[i];
        t->cash[o] = f->cash[i];
        o++;
    }
    t->n = o;
}

/* A round, grant-to-equity or loan. */
static void add_round(nb_panel *p, uint32_t rep, const nb_event *ev)
{
    nb_panel_rounds *t = &p->rounds;
    if (rounds_reserve(t, t->n + 1) != NB_OK) {
        p->status = NB_ENOMEM;
        return;
    }
    size_t i = t->n++;
    t->rep[i] = (int32_t)rep;
    t->k[i] = (int16_t)ev->k;
    t->eid[i] = ev->eid;
    t->kind[i] = (uint8_t)ev->kind;
    t->round[i] = (uint8_t)(ev->round < 0 ? 0 : ev->round > 255 ? 255 : ev->round);
    t->investor[i] = (uint8_t)ev->investor;
    t->amount[i] = ev->amount;
    t->pre[i] = ev->pre_money;
    t->post[i] = ev->value;
}

/* An exit (kind: nb_exit_kind) or a listing (NB_PANEL_LISTED). */
static void add_exit(nb_panel *p, uint32_t rep, const nb_event *ev, int kind)
{
    nb_panel_exits *t = &p->exits;
    if (exits_reserve(t, t->n + 1) != NB_OK) {
        p->status = NB_ENOMEM;
        return;
    }
    size_t i = t->n++;
    t->rep[i] = (int32_t)rep;
    t->k[i] = (int16_t)ev->k;
    t->eid[i] = ev->eid;
    t->kind[i] = (uint8_t)kind;
    t->value[i] = ev->value;
}

/* nb_event_sink.event: file the event under rounds or exits. */
static void on_event(void *ud, uint32_t rep, const nb_event *ev)
{
    nb_panel *p = ud;
    if (p->status != NB_OK) return;
    switch (ev->kind) {
    case NB_EV_ROUND:
    case NB_EV_GRANT:
    case NB_EV_LOAN: add_round(p, rep, ev); break;
    case NB_EV_LISTING: add_exit(p, rep, ev, NB_PANEL_LISTED); break;
    case NB_EV_EXIT: add_exit(p, rep, ev, ev->exit_kind); break;
    default: break;
    }
}

/* ===================================================================================
 * The panel object and the rerun
 * =================================================================================== */

/* See panel.h. */
int nb_panel_freq_parse(const char *s)
{
    if (s && !strcmp(s, "yearly")) return NB_PANEL_YEARLY;
    if (s && !strcmp(s, "monthly")) return NB_PANEL_MONTHLY;
    return -1;
}

/* See panel.h. */
/* The panel's per-month team size and revenue per employee from model m. */
static void panel_set_model(nb_panel *p, const nb_model *m)
{
    for (int k = 0; k < p->n_time; k++) {
        const nb_params *par = nb_model_params(m, k);
        p->team[k] = par->growth_team_size;
        p->rpe[k] = par->growth_revenue_per_employee;
    }
}

nb_panel *nb_panel_alloc(const nb_model *m, int freq)
{
    if (freq != NB_PANEL_YEARLY && freq != NB_PANEL_MONTHLY) return NULL;
    nb_panel *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->freq = freq;
    p->start = nb_model_start(m);
    p->n_time = nb_model_n_time(m);
    p->n_hist = nb_model_n_hist(m);
    p->team = malloc((size_t)p->n_time * sizeof *p->team);
    p->rpe = malloc((size_t)p->n_time * sizeof *p->rpe);
    if (!p->team || !p->rpe) {
        nb_panel_free(p);
        return NULL;
    }
    panel_set_model(p, m);
    /* Asked for every month; on_panel keeps the snapshots of the frequency. */
    p->sink = (nb_event_sink){on_event, on_panel, 1, p};
    p->status = NB_OK;
    return p;
}

/* See panel.h. */
void nb_panel_free(nb_panel *p)
{
    if (!p) return;
    firms_release(&p->firms);
    rounds_release(&p->rounds);
    exits_release(&p->exits);
    free(p->team);
    free(p->rpe);
    free(p);
}

/* See panel.h: time point 0, each December and the last month (yearly), or every
 * month. */
int nb_panel_is_snapshot(const nb_panel *p, int k)
{
    if (k < 0 || k >= p->n_time) return 0;
    if (p->freq == NB_PANEL_MONTHLY) return 1;
    return p->freq == NB_PANEL_YEARLY &&
           (k == 0 || k == p->n_time - 1 || (p->start + k) % 12 == 11);
}

/* The first metric whose series of replicate rep differs between a and b, or -1. */
static int first_difference(const nb_results *a, const nb_results *b, int rep)
{
    for (int m = 0; m < NB_NMETRICS; m++)
        if (memcmp(nb_results_row(a, m, rep), nb_results_row(b, m, rep),
                   (size_t)a->n_time * sizeof(double)) != 0)
            return m;
    return -1;
}

/* See panel.h. */
/* Rerun replicate rep of m into r with s (the panel's sink) and check it against
 * the ensemble's row. */
static int panel_rep(nb_panel *p, const nb_model *m, nb_sim *s, int rep, nb_results *r,
                     const nb_results *ens, nb_err *e)
{
    int d;
    panel_set_model(p, m);
    if (nb_sim_run(m, s, (uint32_t)rep, r) != NB_OK || p->status != NB_OK)
        return nb_err_code(e, NB_ENOMEM,
                           "micro-data: out of memory in replicate %d (%zu panel rows "
                           "held; try fewer --panel-replicates or --panel yearly)",
                           rep, p->firms.n);
    if (ens && (d = first_difference(r, ens, rep)) >= 0)
        return nb_err_code(e, NB_ERANGE,
                           "micro-data: the rerun of replicate %d differs from the "
                           "ensemble's (metric %s)", rep, nb_metrics[d].name);
    p->n_rep = rep + 1;
    return NB_OK;
}

/* Checks shared by both collectors. */
static int panel_args_check(const nb_panel *p, int n_rep, const nb_results *ens, nb_err *e)
{
    if (n_rep < 1)
        return nb_err_set(e, "--panel-replicates: %d is not a whole number from 1", n_rep);
    if (ens && (ens->n_rep < n_rep || ens->n_time != p->n_time || ens->start != p->start))
        return nb_err_set(e, "--panel-replicates: %d is more than the run's %d replicates",
                          n_rep, ens->n_rep);
    return NB_OK;
}

int nb_panel_collect(nb_panel *p, const nb_model *m, int n_rep, const nb_results *ens,
                     nb_err *e)
{
    int rc = panel_args_check(p, n_rep, ens, e);
    if (rc != NB_OK) return rc;
    nb_sim *s = nb_sim_alloc();
    nb_results *r = nb_results_alloc(n_rep, p->n_time, p->start);
    if (!s || !r) rc = nb_err_code(e, NB_ENOMEM, "micro-data: out of memory");
    else nb_sim_set_sink(s, &p->sink);
    for (int rep = 0; rc == NB_OK && rep < n_rep; rep++)
        rc = panel_rep(p, m, s, rep, r, ens, e);
    nb_sim_free(s);
    nb_results_free(r);
    return rc;
}

int nb_panel_collect_each(nb_panel *p, nb_ensemble_params_fn params, const void *ud,
                          int n_rep, const nb_results *ens, nb_err *e)
{
    int rc = panel_args_check(p, n_rep, ens, e);
    if (rc != NB_OK) return rc;
    nb_sim *s = nb_sim_alloc();
    nb_results *r = nb_results_alloc(n_rep, p->n_time, p->start);
    nb_paramset *ps = malloc(sizeof *ps);
    if (!s || !r || !ps) rc = nb_err_code(e, NB_ENOMEM, "micro-data: out of memory");
    else nb_sim_set_sink(s, &p->sink);
    for (int rep = 0; rc == NB_OK && rep < n_rep; rep++) {
        if (params(ud, rep, ps) != NB_OK) {
            rc = nb_err_set(e, "micro-data: no parameters for replicate %d", rep);
            break;
        }
        nb_model *m = nb_model_alloc(ps);
        rc = m ? panel_rep(p, m, s, rep, r, ens, e)
               : nb_err_code(e, NB_ENOMEM, "micro-data: out of memory");
        nb_model_free(m);
    }
    free(ps);
    nb_sim_free(s);
    nb_results_free(r);
    return rc;
}

/* ===================================================================================
 * Writing
 * =================================================================================== */

/* What a column carries besides its data. */
typedef struct col_attrs {
    const char *units, *long_name, *long_name_zh;
    const char *flag_meanings;  /* codes 0..n-1 named by these words, or NULL */
    int is_time;                /* CF time: add calendar */
} col_attrs;

/* flag_values (int8 0..n-1) and flag_meanings (n words) of a code column. */
static int w_flags(nb_h5w *w, hid_t ds, const char *meanings)
{
    int8_t v[32];
    int n = 0;
    for (const char *c = meanings; *c && n < 32; c++)
        if (*c != ' ' && (c == meanings || c[-1] == ' ')) {
            v[n] = (int8_t)n;
            n++;
        }
    hsize_t dims[1] = {(hsize_t)n};
    hid_t space = H5Screate_simple(1, dims, NULL);
    hid_t a = space < 0 ? H5I_INVALID_HID
                        : H5Acreate2(ds, "flag_values", H5T_STD_I8LE, space, H5P_DEFAULT,
                                     H5P_DEFAULT);
    int rc = NB_OK;
    if (a < 0 || H5Awrite(a, H5T_NATIVE_INT8, v) < 0)
        rc = nb_h5w_fail(w, "writing attribute", "flag_values");
    if (a >= 0) H5Aclose(a);
    if (space >= 0) H5Sclose(space);
    return rc ? rc : nb_h5w_attr_str(w, ds, "flag_meanings", meanings);
}

/* An nb_h5w_attrs_fn: the attributes of a column (ud: its col_attrs). */
static int w_col_attrs(nb_h5w *w, hid_t ds, const void *ud)
{
    const col_attrs *a = ud;
    if ((a->is_time ? nb_h5w_attr_str(w, ds, "units", a->units) : nb_h5w_units(w, ds, a->units)) ||
        (a->is_time && nb_h5w_attr_str(w, ds, "calendar", "standard")) ||
        nb_h5w_attr_str(w, ds, "long_name", a->long_name) ||
        nb_h5w_attr_str(w, ds, "long_name_zh", a->long_name_zh))
        return NB_EIO;
    return a->flag_meanings ? w_flags(w, ds, a->flag_meanings) : NB_OK;
}

/* A column writer: the group, its row scale, the row count and a scratch buffer of
 * 8 bytes a row for derived columns. */
typedef struct colw {
    nb_h5w *w;
    hid_t g, row;
    size_t n;
    void *tmp;
} colw;

/* Column `name` of c->n values at data (memory type mtype, file type ftype) over
 * `row`, chunked and compressed. */
static int w_col(colw *c, const char *name, hid_t ftype, hid_t mtype, const void *data,
                 col_attrs a)
{
    static const char none = 0;   /* a valid buffer for empty columns */
    hsize_t dims[1] = {c->n}, chunk[1] = {c->n < CHUNK_ROWS ? c->n : CHUNK_ROWS};
    return nb_h5w_typed(c->w, c->g, name, ftype, mtype, 1, dims, c->n ? chunk : NULL,
                        c->n ? data : &none, &c->row, w_col_attrs, &a);
}

/* Group `name` in loc, time tracking off, links in creation order (so h5py and
 * xarray list the columns in the order written); negative id after nb_h5w_fail. */
static hid_t w_group(nb_h5w *w, hid_t loc, const char *name)
{
    hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE), g = H5I_INVALID_HID;
    if (gcpl < 0 || H5Pset_obj_track_times(gcpl, 0) < 0 ||
        H5Pset_link_creation_order(gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) < 0 ||
        (g = H5Gcreate2(loc, name, H5P_DEFAULT, gcpl, H5P_DEFAULT)) < 0)
        nb_h5w_fail(w, "creating group", name);
    if (gcpl >= 0) H5Pclose(gcpl);
    return g;
}

/* The `row` dimension scale of group g: int64 0..n-1, chunked and compressed like
 * the columns.  Returns the open dataset or a negative id after nb_h5w_fail. */
static hid_t w_rows(nb_h5w *w, hid_t g, size_t n, int64_t *tmp)
{
    for (size_t i = 0; i < n; i++) tmp[i] = (int64_t)i;
    hsize_t dims[1] = {n}, chunk[1] = {n < CHUNK_ROWS ? n : CHUNK_ROWS};
    hid_t space = H5Screate_simple(1, dims, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE);
    hid_t ds = H5I_INVALID_HID;
    int ok = space >= 0 && dcpl >= 0 && H5Pset_obj_track_times(dcpl, 0) >= 0 &&
             (n == 0 || (H5Pset_chunk(dcpl, 1, chunk) >= 0 && H5Pset_shuffle(dcpl) >= 0 &&
                         H5Pset_deflate(dcpl, DEFLATE_LEVEL) >= 0)) &&
             (ds = H5Dcreate2(g, "row", H5T_STD_I64LE, space, H5P_DEFAULT, dcpl,
                              H5P_DEFAULT)) >= 0 &&
             (n == 0 || H5Dwrite(ds, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, tmp) >= 0) &&
             H5DSset_scale(ds, "row") >= 0;
    if (!ok) nb_h5w_fail(w, "writing dimension scale", "row");
    if (dcpl >= 0) H5Pclose(dcpl);
    if (space >= 0) H5Sclose(space);
    if (ok && nb_h5w_attr_str(w, ds, "long_name", "row number") == NB_OK) return ds;
    if (ds >= 0) H5Dclose(ds);
    return H5I_INVALID_HID;
}

/* Open a column writer on the new group `name` of loc for n rows: group, scratch
 * buffer and row scale.  NB_OK, or NB_EIO (c closed by colw_close either way). */
static int colw_open(colw *c, nb_h5w *w, hid_t loc, const char *name, size_t n)
{
    *c = (colw){w, H5I_INVALID_HID, H5I_INVALID_HID, n, malloc((n ? n : 1) * 8)};
    if (!c->tmp) return nb_h5w_nomem(w);
    if ((c->g = w_group(w, loc, name)) < 0) return NB_EIO;
    return (c->row = w_rows(w, c->g, n, c->tmp)) < 0 ? NB_EIO : NB_OK;
}

static void colw_close(colw *c)
{
    if (c->row >= 0) H5Dclose(c->row);
    if (c->g >= 0) H5Gclose(c->g);
    free(c->tmp);
}

/* The CF time of month start+k for each of the n time points k[] into c->tmp. */
static const int64_t *days_of(colw *c, int start, const int16_t *k)
{
    int64_t *d = c->tmp;
    for (size_t i = 0; i < c->n; i++) d[i] = nb_h5_month_days(start + k[i]);
    return d;
}

/* The 0/1 of flag bit `bit` for each row into c->tmp. */
static const uint8_t *bit_of(colw *c, const uint8_t *flags, unsigned bit)
{
    uint8_t *b = c->tmp;
    for (size_t i = 0; i < c->n; i++) b[i] = (flags[i] & bit) != 0;
    return b;
}

#define DAYS "days since 1970-01-01"
#define I8 H5T_STD_I8LE
#define U8 H5T_NATIVE_UINT8

/* The columns every group starts with: replicate, time, firm_id. */
static int w_keys(colw *c, int start, const int32_t *rep, const int16_t *k,
                  const uint64_t *eid, const char *time_en, const char *time_zh)
{
    if (w_col(c, "replicate", H5T_STD_I32LE, H5T_NATIVE_INT32, rep,
              (col_attrs){"1", "Monte Carlo replicate number", "蒙特卡洛重复编号", NULL, 0}) ||
        w_col(c, "time", H5T_STD_I64LE, H5T_NATIVE_INT64, days_of(c, start, k),
              (col_attrs){DAYS, time_en, time_zh, NULL, 1}) ||
        w_col(c, "firm_id", H5T_STD_U64LE, H5T_NATIVE_UINT64, eid,
              (col_attrs){"1", "firm identity (the same in every month and group)",
                          "企业编号(各月、各表一致)", NULL, 0}))
        return NB_EIO;
    return NB_OK;
}

/* /panel: the firm snapshots. */
static int w_panel(nb_h5w *w, const nb_panel *p)
{
    const nb_panel_firms *t = &p->firms;
    colw c;
    int rc = colw_open(&c, w, w->file, "panel", t->n);
    if (rc == NB_OK)
        rc = nb_h5w_attr_str(w, c.g, "description",
                 "Firm snapshots: one row per (replicate, time, firm), the population "
                 "after the step of month `time` (time point 0: the initial population).");
    if (rc == NB_OK)
        rc = nb_h5w_attr_str(w, c.g, "snapshots",
                 p->freq == NB_PANEL_MONTHLY ? "monthly"
                 : "yearly: time point 0, each December and the last month");
    if (rc == NB_OK) rc = nb_h5w_attr_i64(w, c.g, "replicates", p->n_rep);
    if (rc == NB_OK)
        rc = w_keys(&c, p->start, t->rep, t->k, t->eid,
                    "snapshot month (state after the month's step)",
                    "快照月份(当月模拟步之后的状态)");
    if (rc == NB_OK) {
        int64_t *d = c.tmp;
        for (size_t i = 0; i < t->n; i++) d[i] = nb_h5_month_days(p->start + t->birth[i]);
        rc = w_col(&c, "founded", H5T_STD_I64LE, H5T_NATIVE_INT64, d,
                   (col_attrs){DAYS, "month founded (run start + birth month)", "成立月份",
                               NULL, 1});
    }
    if (rc == NB_OK &&
        (w_col(&c, "origin", I8, U8, t->origin,
               (col_attrs){"1", "origin of the firm", "企业来源",
                           "spinoff relocation other", 0}) ||
         w_col(&c, "sector", I8, U8, t->sector,
               (col_attrs){"1", "industry sector", "产业领域",
                           "energy robotics life_sciences ic_electronics ai_software "
                           "advanced_materials", 0}) ||
         w_col(&c, "stage", I8, U8, t->stage,
               (col_attrs){"1", "pipeline stage", "发展阶段(预孵/初创/骨干/领军)",
                           "pre_incubation startup backbone leader", 0})))
        rc = NB_EIO;
    if (rc == NB_OK) {
        int32_t *a = c.tmp;
        for (size_t i = 0; i < t->n; i++) a[i] = t->k[i] - t->birth[i];
        rc = w_col(&c, "age_months", H5T_STD_I32LE, H5T_NATIVE_INT32, a,
                   (col_attrs){"months", "age: months since the month founded",
                               "企业年龄(月)", NULL, 0});
    }
    if (rc == NB_OK)
        rc = w_col(&c, "revenue", H5T_IEEE_F64LE, H5T_NATIVE_FLOAT, t->revenue,
                   (col_attrs){"RMB/year", "annualised revenue", "年化营业收入", NULL, 0});
    if (rc == NB_OK) {
        /* As the model's `employees` metric: max(team, revenue * (1/revenue per head)). */
        double *v = c.tmp;
        for (size_t i = 0; i < t->n; i++)
            v[i] = fmax(p->team[t->k[i]], (double)t->revenue[i] * (1.0 / p->rpe[t->k[i]]));
        rc = w_col(&c, "employees", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, v,
                   (col_attrs){"persons",
                               "employees: max(growth.team_size, revenue / "
                               "growth.revenue_per_employee) of the month",
                               "员工人数", NULL, 0});
    }
    if (rc == NB_OK &&
        (w_col(&c, "valuation", H5T_IEEE_F64LE, H5T_NATIVE_FLOAT, t->valuation,
               (col_attrs){"RMB", "valuation", "企业估值", NULL, 0}) ||
         w_col(&c, "capital_raised", H5T_IEEE_F64LE, H5T_NATIVE_FLOAT, t->raised,
               (col_attrs){"RMB", "equity raised to date (rounds and grant-to-equity)",
                           "累计股权融资额", NULL, 0}) ||
         w_col(&c, "cash", H5T_IEEE_F64LE, H5T_NATIVE_FLOAT, t->cash,
               (col_attrs){"RMB", "cash (below zero: in distress)", "现金(为负表示资金困难)",
                           NULL, 0}) ||
         w_col(&c, "hightech", I8, U8, bit_of(&c, t->flags, NB_FL_HIGHTECH),
               (col_attrs){"1", "certified high-tech enterprise", "高新技术企业", "no yes", 0}) ||
         w_col(&c, "listed", I8, U8, bit_of(&c, t->flags, NB_FL_LISTED),
               (col_attrs){"1", "listed company", "上市企业", "no yes", 0}) ||
         w_col(&c, "gazelle", I8, U8, bit_of(&c, t->flags, NB_FL_GAZELLE),
               (col_attrs){"1", "gazelle (as of the last January)", "瞪羚企业(截至上一个1月)",
                           "no yes", 0})))
        rc = NB_EIO;
    colw_close(&c);
    return rc;
}

/* /events/rounds: rounds, grants-to-equity and loans. */
static int w_rounds(nb_h5w *w, hid_t events, const nb_panel *p)
{
    const nb_panel_rounds *t = &p->rounds;
    colw c;
    int rc = colw_open(&c, w, events, "rounds", t->n);
    if (rc == NB_OK)
        rc = nb_h5w_attr_str(w, c.g, "description",
                 "Financing events in the order they happened: priced rounds, "
                 "grant-to-equity (拨投结合) and tech-credit loans.");
    if (rc == NB_OK)
        rc = w_keys(&c, p->start, t->rep, t->k, t->eid, "month of the event", "事件月份");
    if (rc == NB_OK &&
        (w_col(&c, "kind", I8, U8, t->kind,
               (col_attrs){"1", "kind of financing", "融资类型(股权融资/拨投结合/贷款)",
                           "round grant loan", 0}) ||
         w_col(&c, "round", H5T_STD_I16LE, U8, t->round,
               (col_attrs){"1", "priced market rounds raised so far (this one included when kind = round)",
                           "已完成市场化融资轮次(股权融资含本轮)", NULL, 0}) ||
         w_col(&c, "amount", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, t->amount,
               (col_attrs){"RMB", "money raised or lent", "融资或贷款金额", NULL, 0}) ||
         w_col(&c, "pre_money", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, t->pre,
               (col_attrs){"RMB", "valuation before the event (the firm's last mark, "
                           "not post_money - amount)", "事件前估值", NULL, 0}) ||
         w_col(&c, "post_money", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, t->post,
               (col_attrs){"RMB", "valuation after the event", "事件后估值(投后估值)", NULL, 0}) ||
         w_col(&c, "investor", I8, U8, t->investor,
               (col_attrs){"1", "kind of investor", "出资方类型(市场/政府/银行)",
                           "market public bank", 0})))
        rc = NB_EIO;
    if (rc == NB_OK) {
        uint8_t *v = c.tmp;
        for (size_t i = 0; i < t->n; i++)
            v[i] = t->kind[i] == NB_EV_GRANT ? NB_PI_GRANT_EQUITY
                 : t->kind[i] == NB_EV_LOAN ? NB_PI_TECH_CREDIT : NB_PI_NONE;
        rc = w_col(&c, "instrument", I8, U8, v,
                   (col_attrs){"1", "special-fund instrument that paid (metric spend_<name>); "
                               "none: private and fund-alliance money",
                               "专项资金工具(none为市场资金)",
                               "none grant_equity tech_credit", 0});
    }
    colw_close(&c);
    return rc;
}

/* /events/exits: exits and listings. */
static int w_exits(nb_h5w *w, hid_t events, const nb_panel *p)
{
    const nb_panel_exits *t = &p->exits;
    colw c;
    int rc = colw_open(&c, w, events, "exits", t->n);
    if (rc == NB_OK)
        rc = nb_h5w_attr_str(w, c.g, "description",
                 "Exits from the zone (failed, acquired, relocated: the firm leaves the "
                 "panel) and listings (the firm stays, listed), in the order they happened.");
    if (rc == NB_OK)
        rc = w_keys(&c, p->start, t->rep, t->k, t->eid, "month of the event", "事件月份");
    if (rc == NB_OK &&
        (w_col(&c, "kind", I8, U8, t->kind,
               (col_attrs){"1", "kind of exit", "退出类型(失败/被并购/迁出/上市)",
                           "failed acquired relocated listed", 0}) ||
         w_col(&c, "value", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, t->value,
               (col_attrs){"RMB", "valuation at the exit (failed: 0)",
                           "退出时估值(失败为0)", NULL, 0})))
        rc = NB_EIO;
    colw_close(&c);
    return rc;
}

/* See panel.h. */
int nb_panel_write(nb_h5w *w, const void *ud)
{
    const nb_panel *p = ud;
    int rc = w_panel(w, p);
    if (rc != NB_OK) return rc;
    hid_t ev = w_group(w, w->file, "events");
    if (ev < 0) return NB_EIO;
    rc = nb_h5w_attr_str(w, ev, "description",
                         "Events of the replicates in /panel: rounds (financing), exits "
                         "(exits and listings).");
    if (rc == NB_OK) rc = w_rounds(w, ev, p);
    if (rc == NB_OK) rc = w_exits(w, ev, p);
    H5Gclose(ev);
    return rc;
}
