/* calibrate_stats.c -- the simulated statistics of the targets, and the per-candidate
 * pure function nb_cal_simulate (see calibrate.h).
 *
 * A metric statistic reads one replicate's monthly series.  The others need
 * micro-data: the model reports every priced round, listing and exit through its
 * event sink (model/sim.h), and the population at time point 0 (for the founding
 * month of the initial firms).  The collector below keeps, per replicate:
 *   - for each firm that raised a round in the run: its last round and post-money
 *     (step-ups), and, for the seed cohort (first round inside cohorts.seeded), the
 *     month it first reached each later round, its first acquisition or listing and
 *     its first unicorn-sized valuation (funnel);
 *   - sums of firm age at each round number (age at rounds);
 *   - for the entrant cohort (born inside cohorts.entrants), exits by age in months
 *     and kind (Kaplan-Meier survival and hazards);
 *   - listings of unicorn-sized young firms (unicorn IPO rate).
 * Entrants' founding month is part of their identity (model/entry.c: 2^40 + k 2^20 +
 * origin 2^16 + j); initial firms' comes from the time-point-0 snapshot.
 *
 * Everything is a function of (calibration, theta, seed, replicate): no state is
 * carried from one candidate to the next, so candidates can run on any thread or rank.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include "../model/firms.h"
#include "../model/metrics.h"
#include "../model/neobay.h"
#include "calibrate.h"

#define ENTRANT (1ull << 40)
#define MAX_ROUND 16             /* round numbers tracked: 1..15 */

typedef struct fst {             /* a firm that raised a round in the run */
    uint64_t eid;
    uint32_t stamp;              /* == collector stamp: the slot is in use */
    float last_post;             /* post-money of its last round in the run */
    int16_t last_round;          /* that round's number (0: none in the run) */
    int16_t seed_k;              /* time point of its first round, when in the seed cohort; -1 */
    int16_t k_exit, k_uni;       /* first acquisition or listing; first unicorn-sized value */
    int16_t k_round[MAX_ROUND];  /* first time point at round r (seed cohort) */
} fst;

typedef struct dvec { double *v; int n, cap; } dvec;

struct nb_cal_ws {
    const nb_calib *c;
    nb_sim *sim;
    nb_scenario *sc;             /* shallow copy of the base scenario, ps replaced */
    nb_results *res;
    const nb_model *m;           /* the model being run */
    int start, n_time;
    /* what the targets need */
    int need_micro, need_entrants, need_seed, need_age, need_ipo;
    int need_step[MAX_ROUND];
    int ent0, ent1, seed0, seed1;    /* windows as time points */
    /* collector */
    nb_event_sink sink;
    uint32_t stamp;
    fst *map;
    int cap, used;
    int16_t *birth0;             /* founding time point of initial firm eid */
    int n0;
    dvec step[MAX_ROUND];        /* step-ups from round r to r+1 */
    double age_sum[MAX_ROUND];
    long age_n[MAX_ROUND];
    double *ex_all, *ex_fail, *ex_acq;   /* entrant cohort exits by age in months [n_time + 1] */
    long ipo;                    /* listings of unicorn-sized young firms */
    int oom;
};

/* ---- the firm map ----------------------------------------------------------------- */

static uint64_t mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static int map_grow(nb_cal_ws *w);

/* The entry of firm eid, created when absent (NULL when memory runs out). */
static fst *map_get(nb_cal_ws *w, uint64_t eid, int create)
{
    if (create && 10 * (w->used + 1) > 7 * w->cap && map_grow(w) != NB_OK) return NULL;
    uint64_t mask = (uint64_t)w->cap - 1, i = mix(eid) & mask;
    for (;; i = (i + 1) & mask) {
        fst *f = &w->map[i];
        if (f->stamp != w->stamp) {
            if (!create) return NULL;
            memset(f, 0, sizeof *f);
            f->stamp = w->stamp;
            f->eid = eid;
            f->seed_k = f->k_exit = f->k_uni = -1;
            for (int r = 0; r < MAX_ROUND; r++) f->k_round[r] = -1;
            w->used++;
            return f;
        }
        if (f->eid == eid) return f;
    }
}

static int map_grow(nb_cal_ws *w)
{
    int cap = w->cap ? 2 * w->cap : 4096;
    fst *old = w->map;
    int ocap = w->cap;
    fst *m = calloc((size_t)cap, sizeof *m);
    if (!m) return NB_ENOMEM;
    w->map = m;
    w->cap = cap;
    w->used = 0;
    uint32_t st = w->stamp;
    for (int i = 0; i < ocap; i++) {
        if (old[i].stamp != st) continue;
        fst *f = map_get(w, old[i].eid, 1);
        *f = old[i];
    }
    free(old);
    return NB_OK;
}

static int dvec_push(dvec *d, double x)
{
    if (d->n == d->cap) {
        int cap = d->cap ? 2 * d->cap : 256;
        double *v = realloc(d->v, (size_t)cap * sizeof *v);
        if (!v) return NB_ENOMEM;
        d->v = v;
        d->cap = cap;
    }
    d->v[d->n++] = x;
    return NB_OK;
}

/* ---- the sink ---------------------------------------------------------------------- */

/* Time point (from run.start) at which firm eid was founded: entrants carry their
 * founding step, counted from run.origin, in their identity. */
static int birth_of(const nb_cal_ws *w, uint64_t eid)
{
    if (eid >= ENTRANT) return (int)(((eid - ENTRANT) >> 20) & 0xfffff) - nb_model_n_hist(w->m);
    return eid < (uint64_t)w->n0 ? w->birth0[eid] : 0;
}

static double unicorn_rmb(const nb_cal_ws *w, int k)
{
    const nb_params *p = nb_model_params(w->m, k);
    return p->def_unicorn_usd * p->def_usd_cny;
}

static void on_round(nb_cal_ws *w, const nb_event *ev)
{
    int r = ev->round;
    if (w->need_age && r >= 1 && r < MAX_ROUND) {
        w->age_sum[r] += (ev->k - birth_of(w, ev->eid)) / 12.0;
        w->age_n[r]++;
    }
    fst *f = map_get(w, ev->eid, 1);
    if (!f) { w->oom = 1; return; }
    if (r >= 2 && r < MAX_ROUND && f->last_round == r - 1 && f->last_post > 0 && w->need_step[r - 1])
        if (dvec_push(&w->step[r - 1], (ev->value - ev->amount) / f->last_post) != NB_OK) w->oom = 1;
    f->last_round = (int16_t)r;
    f->last_post = (float)ev->value;
    if (r == 1 && ev->k >= w->seed0 && ev->k <= w->seed1) f->seed_k = (int16_t)ev->k;
    if (f->seed_k < 0) return;
    if (r < MAX_ROUND && f->k_round[r] < 0) f->k_round[r] = (int16_t)ev->k;
    if (f->k_uni < 0 && ev->value >= unicorn_rmb(w, ev->k)) f->k_uni = (int16_t)ev->k;
}

static void on_event(void *ud, uint32_t rep, const nb_event *ev)
{
    nb_cal_ws *w = ud;
    switch (ev->kind) {
    case NB_EV_ROUND:               /* priced rounds; grant-to-equity is not a market round */
        on_round(w, ev);
        break;
    case NB_EV_LISTING: {
        double thr = unicorn_rmb(w, ev->k);
        const nb_params *p = nb_model_params(w->m, ev->k);
        if (w->need_ipo && ev->value >= thr &&
            ev->k - birth_of(w, ev->eid) <= 12.0 * p->def_unicorn_max_age)
            w->ipo++;
        fst *f = map_get(w, ev->eid, 0);
        if (f && f->seed_k >= 0) {
            if (f->k_exit < 0) f->k_exit = (int16_t)ev->k;
            if (f->k_uni < 0 && ev->value >= thr) f->k_uni = (int16_t)ev->k;
        }
        break;
    }
    case NB_EV_EXIT: {
        if (ev->exit_kind == NB_EX_ACQUIRED) {
            fst *f = map_get(w, ev->eid, 0);
            if (f && f->seed_k >= 0 && f->k_exit < 0) f->k_exit = (int16_t)ev->k;
        }
        if (w->need_entrants && ev->eid >= ENTRANT) {
            int b = birth_of(w, ev->eid), age = ev->k - b;
            if (b >= w->ent0 && b <= w->ent1 && age >= 0 && age <= w->n_time) {
                w->ex_all[age] += 1;
                if (ev->exit_kind == NB_EX_FAILED) w->ex_fail[age] += 1;
                if (ev->exit_kind == NB_EX_ACQUIRED) w->ex_acq[age] += 1;
            }
        }
        break;
    }
    default:
        break;
    }
}

/* The time-point-0 population: founding months of the initial firms. */
static void on_panel(void *ud, uint32_t rep, int k, const struct nb_firms *f)
{
    nb_cal_ws *w = ud;
    if (k != 0) return;
    for (int i = 0; i < f->n; i++)
        if (f->eid[i] < (uint64_t)w->n0)   /* the model counts births from run.origin */
            w->birth0[f->eid[i]] = (int16_t)(f->birth[i] - nb_model_n_hist(w->m));
}

static void collector_reset(nb_cal_ws *w)
{
    if (++w->stamp == 0) {           /* wrapped: clear every slot */
        memset(w->map, 0, (size_t)w->cap * sizeof *w->map);
        w->stamp = 1;
    }
    w->used = 0;
    for (int r = 0; r < MAX_ROUND; r++) {
        w->step[r].n = 0;
        w->age_sum[r] = 0;
        w->age_n[r] = 0;
    }
    if (w->ex_all) {
        size_t n = (size_t)w->n_time + 1;
        memset(w->ex_all, 0, n * sizeof *w->ex_all);
        memset(w->ex_fail, 0, n * sizeof *w->ex_fail);
        memset(w->ex_acq, 0, n * sizeof *w->ex_acq);
    }
    w->ipo = 0;
    w->oom = 0;
}

/* ---- workspace --------------------------------------------------------------------- */

void nb_cal_ws_free(nb_cal_ws *w)
{
    if (!w) return;
    nb_sim_free(w->sim);
    free(w->sc);
    nb_results_free(w->res);
    free(w->map);
    free(w->birth0);
    for (int r = 0; r < MAX_ROUND; r++) free(w->step[r].v);
    free(w->ex_all);
    free(w->ex_fail);
    free(w->ex_acq);
    free(w);
}

nb_cal_ws *nb_cal_ws_alloc(const nb_calib *c)
{
    nb_cal_ws *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    w->c = c;
    w->start = nb_paramset_start(&c->base->ps);
    w->n_time = nb_paramset_months(&c->base->ps);
    w->sim = nb_sim_alloc();
    w->sc = malloc(sizeof *w->sc);
    w->ent0 = c->tg->entrants[0] - w->start;
    w->ent1 = c->tg->entrants[1] - w->start;
    w->seed0 = c->tg->seeded[0] - w->start;
    w->seed1 = c->tg->seeded[1] - w->start;
    for (int i = 0; i < c->n_fit; i++) {
        const nb_stat *s = &c->tg->t[c->fit[i]].stat;
        switch (s->kind) {
        case NB_ST_HAZARD: case NB_ST_SURVIVAL: w->need_entrants = 1; break;
        case NB_ST_FUNNEL_ROUND: case NB_ST_FUNNEL_EXIT: case NB_ST_FUNNEL_UNICORN: w->need_seed = 1; break;
        case NB_ST_STEP_UP: w->need_step[s->a] = 1; break;
        case NB_ST_ROUND_AGE: w->need_age = 1; break;
        case NB_ST_UNICORN_IPO: w->need_ipo = 1; break;
        default: break;
        }
        w->need_micro |= s->kind != NB_ST_METRIC;
    }
    if (!w->need_seed) w->seed0 = 1, w->seed1 = 0;      /* empty window */
    int n0 = (int)c->base->ps.p[NB_P_origin_firms].value[0];
    for (int i = 0; i < c->n_par; i++)           /* the most initial firms any theta gives */
        if (c->par[i].id == NB_P_origin_firms && c->par[i].hi > n0) n0 = (int)ceil(c->par[i].hi);
    w->n0 = n0;
    w->birth0 = calloc((size_t)(n0 > 0 ? n0 : 1), sizeof *w->birth0);
    if (w->need_entrants) {
        size_t n = (size_t)w->n_time + 1;
        w->ex_all = calloc(n, sizeof(double));
        w->ex_fail = calloc(n, sizeof(double));
        w->ex_acq = calloc(n, sizeof(double));
    }
    w->sink = (nb_event_sink){on_event, on_panel, w->n_time + 1, w};
    if (!w->sim || !w->sc || !w->birth0 || map_grow(w) != NB_OK ||
        (w->need_entrants && (!w->ex_all || !w->ex_fail || !w->ex_acq))) {
        nb_cal_ws_free(w);
        return NULL;
    }
    memcpy(w->sc, c->base, sizeof *w->sc);
    if (w->need_micro) nb_sim_set_sink(w->sim, &w->sink);
    return w;
}

/* ---- statistics ---------------------------------------------------------------------- */

/* Kaplan-Meier on the monthly age grid for the entrant cohort of size n_c: S(a) with
 * events ev[], everyone leaving the cohort at all[] (events and censoring). */
static double km(const double *ev, const double *all, double n_c, int a)
{
    double s = 1, out = 0;
    for (int m = 1; m <= a; m++) {
        double at_risk = n_c - out;
        if (at_risk <= 0) return NAN;
        s *= 1.0 - ev[m] / at_risk;
        out += all[m];
    }
    return s;
}

/* Statistic s of replicate rep. */
static double stat_value(nb_cal_ws *w, const nb_stat *s, int rep)
{
    const nb_results *res = w->res;
    switch (s->kind) {
    case NB_ST_METRIC:
        return nb_results_row(res, s->metric, rep)[s->at - w->start];
    case NB_ST_HAZARD:
    case NB_ST_SURVIVAL: {
        double n_c = 0;
        for (int k = w->ent0; k <= w->ent1; k++)
            n_c += nb_results_row(res, NB_M_entries_spinoff, rep)[k] +
                   nb_results_row(res, NB_M_entries_relocation, rep)[k] +
                   nb_results_row(res, NB_M_entries_other, rep)[k];
        if (n_c <= 0) return NAN;
        if (s->kind == NB_ST_SURVIVAL) return km(w->ex_fail, w->ex_all, n_c, s->a);
        double ev[1201], sum = 0;
        int top = 12 * s->b;
        for (int m = 0; m <= top && m <= w->n_time; m++) ev[m] = w->ex_fail[m] + w->ex_acq[m];
        for (int y = s->a; y <= s->b; y++) {
            double s0 = km(ev, w->ex_all, n_c, 12 * (y - 1)), s1 = km(ev, w->ex_all, n_c, 12 * y);
            if (!(s0 > 0)) return NAN;
            sum += 1.0 - s1 / s0;
        }
        return sum / (s->b - s->a + 1);
    }
    case NB_ST_FUNNEL_ROUND:
    case NB_ST_FUNNEL_EXIT:
    case NB_ST_FUNNEL_UNICORN: {
        long n = 0, hit = 0;
        int follow = s->kind == NB_ST_FUNNEL_ROUND ? s->follow : s->a;
        for (int i = 0; i < w->cap; i++) {
            const fst *f = &w->map[i];
            if (f->stamp != w->stamp || f->seed_k < 0) continue;
            n++;
            int k = s->kind == NB_ST_FUNNEL_ROUND ? f->k_round[s->a]
                  : s->kind == NB_ST_FUNNEL_EXIT ? f->k_exit : f->k_uni;
            hit += k >= 0 && k - f->seed_k <= follow;
        }
        return n ? (double)hit / (double)n : NAN;
    }
    case NB_ST_STEP_UP: {
        dvec *d = &w->step[s->a];
        if (d->n == 0) return NAN;
        gsl_sort(d->v, 1, (size_t)d->n);
        return gsl_stats_median_from_sorted_data(d->v, 1, (size_t)d->n);
    }
    case NB_ST_ROUND_AGE:
        return w->age_n[s->a] ? w->age_sum[s->a] / (double)w->age_n[s->a] : NAN;
    case NB_ST_UNICORN_IPO: {
        double years = 0;
        const double *u = nb_results_row(res, NB_M_unicorns, rep);
        for (int k = 1; k < w->n_time; k++) years += u[k] / 12.0;
        return years > 0 ? (double)w->ipo / years : NAN;
    }
    }
    return NAN;
}

/* Set the workspace's parameter set to the base with theta and seed, check it, make
 * room for replicates 0..nrep-1 and build the model into *out. */
static int prepare(const nb_calib *c, const double *theta, uint32_t seed, int nrep,
                   nb_cal_ws *w, nb_model **out)
{
    nb_paramset *ps = &w->sc->ps;
    memcpy(ps, &c->base->ps, sizeof *ps);
    for (int i = 0; i < c->n_par; i++) {
        double v = theta[i];
        if (nb_registry[c->par[i].id].type == NB_T_INT) v = round(v);
        nb_paramset_set_const(ps, c->par[i].id, v);
    }
    nb_paramset_set_const(ps, NB_P_run_seed, (double)seed);
    nb_err e;
    if (nb_scenario_validate(w->sc, &e) != NB_OK) return NB_EINVAL;
    if (!w->res || w->res->n_rep < nrep) {
        nb_results_free(w->res);
        w->res = nb_results_alloc(nrep, w->n_time, w->start);
        if (!w->res) return NB_ENOMEM;
    }
    int n0 = (int)ps->p[NB_P_origin_firms].value[0];
    if (n0 > w->n0) {
        int16_t *b = realloc(w->birth0, (size_t)n0 * sizeof *b);
        if (!b) return NB_ENOMEM;
        w->birth0 = b;
        w->n0 = n0;
    }
    *out = nb_model_alloc(ps);
    return *out ? NB_OK : NB_ENOMEM;
}

/* Run replicate r of model m and write its statistics into row[n_fit]. */
static int run_rep(const nb_calib *c, nb_cal_ws *w, const nb_model *m, int r, double *row,
                   uint64_t *firm_steps)
{
    w->m = m;
    collector_reset(w);
    int rc = nb_sim_run(m, w->sim, (uint32_t)r, w->res);
    if (rc == NB_OK && w->oom) rc = NB_ENOMEM;
    if (firm_steps) *firm_steps += nb_sim_firm_steps(w->sim);
    for (int i = 0; rc == NB_OK && i < c->n_fit; i++)
        row[i] = stat_value(w, &c->tg->t[c->fit[i]].stat, r);
    w->m = NULL;
    return rc;
}

int nb_cal_simulate(const nb_calib *c, const double *theta, uint32_t seed, int nrep,
                    nb_cal_ws *w, double *stats, uint64_t *firm_steps)
{
    nb_model *m = NULL;
    int rc = prepare(c, theta, seed, nrep, w, &m);
    for (int r = 0; rc == NB_OK && r < nrep; r++)
        rc = run_rep(c, w, m, r, &stats[(size_t)r * c->n_fit], firm_steps);
    nb_model_free(m);
    return rc;
}

int nb_cal_simulate_rep(const nb_calib *c, const double *theta, uint32_t seed, int rep,
                        nb_cal_ws *w, double *row, uint64_t *firm_steps)
{
    nb_model *m = NULL;
    int rc = prepare(c, theta, seed, rep + 1, w, &m);
    if (rc == NB_OK) rc = run_rep(c, w, m, rep, row, firm_steps);
    nb_model_free(m);
    return rc;
}

double nb_cal_distance(const nb_calib *c, const double *stats, int nrep)
{
    double sum = 0;
    for (int i = 0; i < c->n_fit; i++) {
        const nb_target *t = &c->tg->t[c->fit[i]];
        double s = 0, g;
        int n = 0;
        for (int r = 0; r < nrep; r++) {
            double x = stats[(size_t)r * c->n_fit + i];
            if (!isnan(x)) { s += x; n++; }
        }
        if (n == 0) {
            g = NB_CAL_MISSING_GAP;
        } else {
            double mean = s / n;
            g = (mean < t->lo ? t->lo - mean : mean > t->hi ? mean - t->hi : 0.0) / t->sd;
        }
        sum += t->weight * g * g;
    }
    return sqrt(sum);
}
