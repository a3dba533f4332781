/* sim.c -- one replicate of the firm-pipeline model (see sim.h and model/ODD.md).
 *
 * Process schedule of a month k >= 1 (time point k):
 *   1. zone_step     public spending, fund-alliance commitments and calls
 *   2. firms_step    each firm: exit, growth, stage, certification, round, listing
 *   3. entry_step    new firms by origin (they take their first step next month)
 *   4. january_step  in January: gazelle status, revenue snapshots, size effect
 *   5. record        the month's metrics
 * Time point 0 is the initial population (init_population), recorded as is.
 *
 * Every random number comes from Philox keyed by (seed, replicate) with a counter of
 * (firm identity, month, purpose): see rng.h.  Nothing depends on the order of slots.
 */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include "neobay.h"
#include "firms.h"
#include "rng.h"
#include "sim.h"

#define NB_ZTAB 1024            /* bins of the tabulated normal quantile */
#define NB_ZONE_EID UINT64_MAX  /* identity of zone-level streams */
#define NB_ENTRANT (1ull << 40) /* identities of entrants start here */

/* Per-month constants derived from the parameters (computed once per model). */
typedef struct nb_month {
    double hazard[8];       /* monthly exit hazard by age year 0..7+ */
    double grad_p;          /* pre-incubation -> start-up, per month */
    double spin_rate, reloc_rate, other_rate;   /* expected entrants */
    double public_spend;
    double alliance_inflow; /* private + levered guidance money, RMB/month */
    double unicorn_rmb;
    double round_decay[16]; /* funding.round_decay^r, r = rounds so far (capped) */
} nb_month;

struct nb_model {
    int start, n_time;
    uint32_t seed;
    nb_params *p;           /* [n_time] parameters of month start+k */
    nb_month *d;            /* [n_time] */
    float gtab[NB_ZTAB + 1];/* monthly growth factor at the bin edges of u */
    double gmu, gsd;        /* log growth factor: mean and s.d. per month */
};

/* The zone's aggregate state: the fund alliance. */
typedef struct nb_zone {
    double committed, called, deployed, demand_prev;
} nb_zone;

/* A month's flows, gathered while stepping. */
typedef struct nb_flows {
    double entries[NB_NORIGINS], exits[3], rounds, raised, spend;
} nb_flows;

struct nb_sim {
    nb_firms f;
    gsl_rng *r;             /* repositioned for each event that draws from GSL */
    nb_zone z;
    uint64_t firm_steps;
};

/* ---- model ------------------------------------------------------------------ */

static double monthly(double annual) { return 1.0 - pow(1.0 - annual, 1.0 / 12.0); }

static void month_derive(const nb_params *p, nb_month *d)
{
    double y[8] = {p->exit_hazard_y1, p->exit_hazard_y2, p->exit_hazard_y3,
                   p->exit_hazard_y4_7, p->exit_hazard_y4_7, p->exit_hazard_y4_7,
                   p->exit_hazard_y4_7, p->exit_hazard_y8};
    for (int a = 0; a < 8; a++) d->hazard[a] = monthly(y[a]);
    d->grad_p = fmin(1.0, p->stage_graduate_rate *
                     (1.0 + p->pol_incubator_effect * p->pol_incubator_budget / 1e8));
    d->spin_rate = p->entry_spinoff_rate + p->pol_poc_budget / p->pol_poc_cost;
    d->reloc_rate = p->entry_relocation_rate;
    d->other_rate = p->entry_other_rate;
    d->public_spend = p->pol_poc_budget + p->pol_incubator_budget + p->pol_guidance_fund;
    d->alliance_inflow = p->alliance_inflow + p->pol_guidance_fund * p->pol_guidance_leverage;
    d->unicorn_rmb = p->def_unicorn_usd * p->def_usd_cny;
    for (int r = 0; r < 16; r++) d->round_decay[r] = pow(p->fund_round_decay, r);
}

/* Tabulate the monthly growth factor exp(mu + sd*z(u)) at u = j/NB_ZTAB, from
 * GSL's normal quantile; the two end bins are evaluated exactly in growth_factor. */
static void growth_tabulate(nb_model *m)
{
    const nb_params *p = &m->p[0];
    m->gmu = p->growth_drift / 12.0;
    m->gsd = p->growth_volatility / sqrt(12.0);
    for (int j = 1; j < NB_ZTAB; j++)
        m->gtab[j] = (float)exp(m->gmu + m->gsd * gsl_cdf_ugaussian_Pinv((double)j / NB_ZTAB));
    m->gtab[0] = m->gtab[1];
    m->gtab[NB_ZTAB] = m->gtab[NB_ZTAB - 1];
}

nb_model *nb_model_alloc(const nb_paramset *ps)
{
    nb_model *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->start = nb_paramset_start(ps);
    m->n_time = nb_paramset_months(ps);
    assert(m->n_time >= 1);
    m->seed = (uint32_t)ps->p[NB_P_run_seed].value[0];
    m->p = malloc((size_t)m->n_time * sizeof *m->p);
    m->d = malloc((size_t)m->n_time * sizeof *m->d);
    if (!m->p || !m->d) { nb_model_free(m); return NULL; }
    nb_paramset_table(ps, m->start, m->n_time, m->p);
    for (int k = 0; k < m->n_time; k++) month_derive(&m->p[k], &m->d[k]);
    growth_tabulate(m);
    return m;
}

void nb_model_free(nb_model *m)
{
    if (!m) return;
    free(m->p);
    free(m->d);
    free(m);
}

int nb_model_start(const nb_model *m) { return m->start; }
int nb_model_n_time(const nb_model *m) { return m->n_time; }
uint32_t nb_model_seed(const nb_model *m) { return m->seed; }
const nb_params *nb_model_params(const nb_model *m, int k)
{
    assert(k >= 0 && k < m->n_time);
    return &m->p[k];
}

/* Monthly growth factor for the uniform word x: table interpolation inside, the
 * exact quantile in the two tail bins (where the quantile is steep). */
static inline float growth_factor(const nb_model *m, uint32_t x)
{
    uint32_t j = x >> 22;                      /* 10 bits: NB_ZTAB = 1024 bins */
    if (j == 0 || j == NB_ZTAB - 1)
        return (float)exp(m->gmu + m->gsd * gsl_cdf_ugaussian_Pinv(nb_u01(x)));
    float w = (float)(x & 0x3fffffu) * (1.0f / 4194304.0f);
    return m->gtab[j] + w * (m->gtab[j + 1] - m->gtab[j]);
}

/* ---- workspace ---------------------------------------------------------------- */

nb_sim *nb_sim_alloc(void)
{
    nb_sim *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->r = gsl_rng_alloc(nb_rng_philox);
    if (!s->r) { free(s); return NULL; }
    return s;
}

void nb_sim_free(nb_sim *s)
{
    if (!s) return;
    nb_firms_release(&s->f);
    gsl_rng_free(s->r);
    free(s);
}

uint64_t nb_sim_firm_steps(const nb_sim *s) { return s->firm_steps; }

/* ---- firms: birth ----------------------------------------------------------------- */

/* Stage implied by annual revenue for a firm past pre-incubation. */
static inline uint8_t stage_of_revenue(const nb_params *p, double rev)
{
    return rev >= p->stage_leader_revenue ? NB_LEADER
         : rev >= p->stage_backbone_revenue ? NB_BACKBONE : NB_STARTUP;
}

/* Append a firm with identity eid, born in month `birth` (relative to the start),
 * with quality q.  Caller has reserved room.  Revenue and valuation start at 0. */
static int firm_add(nb_firms *f, const nb_params *p, uint64_t eid, int birth,
                    uint8_t origin, double q)
{
    assert(f->n < f->cap);
    int i = f->n++;
    f->eid[i] = eid;
    f->birth[i] = (int16_t)birth;
    f->stage[i] = NB_PRE;
    f->flags[i] = 0;
    f->origin[i] = origin;
    f->rounds[i] = 0;
    f->quality[i] = (float)q;
    f->hmul[i] = (float)exp(-p->exit_quality_effect * q);
    f->gmul[i] = (float)exp(p->growth_quality_effect * q / 12.0);   /* no revenue yet */
    f->rmul[i] = (float)exp(0.5 * q);
    f->revenue[i] = 0;
    f->valuation[i] = 0;
    for (int h = 0; h < NB_HIST; h++) f->hist[NB_HIST * i + h] = 0;
    return i;
}

/* Monthly growth multiplier of firm i from its quality and its current size. */
static void firm_growth_mul(nb_firms *f, const nb_params *p, int i)
{
    double size = f->revenue[i] > 0 ? log(f->revenue[i] / p->growth_ref_revenue) : 0.0;
    f->gmul[i] = (float)exp((p->growth_quality_effect * f->quality[i]
                             - p->growth_size_effect * size) / 12.0);
}

/* Give firm i revenue `rev` and a history on its expected growth path. */
static void firm_set_revenue(nb_firms *f, const nb_params *p, int i, double rev)
{
    f->revenue[i] = (float)rev;
    f->stage[i] = stage_of_revenue(p, rev);
    firm_growth_mul(f, p, i);
    double g = p->growth_drift + p->growth_quality_effect * f->quality[i];
    for (int h = 0; h < NB_HIST; h++)
        f->hist[NB_HIST * i + h] = (float)(rev * exp(-g * (h + 1)));
}

/* Draw an origin from the initial shares with uniform u. */
static uint8_t init_origin(const nb_params *p, double u)
{
    if (u < p->init_share_spinoff) return NB_OR_SPINOFF;
    if (u < p->init_share_spinoff + p->init_share_relocated) return NB_OR_RELOCATION;
    return NB_OR_OTHER;
}

/* Firm i of the initial population.  The first init.valued_1e9 firms are valued in
 * [10亿, 1000亿) (Pareto, shape 1) and the first init.listed of them are listed; the
 * next up to init.valued_1e8 in [1亿, 10亿) (log-uniform); the rest below 1亿.  So the
 * starting figures are reproduced exactly, whatever the seed. */
static void init_firm(nb_sim *s, const nb_model *m, uint32_t rep, int i)
{
    const nb_params *p = &m->p[0];
    nb_firms *f = &s->f;
    nb_rng_stream(s->r, nb_rng_key(m->seed, rep), nb_rng_ctr((uint64_t)i, 0, NB_RS_INIT, 0));
    double q = gsl_ran_gaussian_ziggurat(s->r, 1.0);
    int age = (int)fmin(240.0, gsl_ran_exponential(s->r, 12.0 * p->init_mean_age));
    uint8_t origin = init_origin(p, gsl_rng_uniform_pos(s->r));
    int k = firm_add(f, p, (uint64_t)i, -age, origin, q);
    int n9 = (int)p->init_valued_1e9, n8 = (int)p->init_valued_1e8;
    double val;
    if (i < n9) val = fmin(1e11, 1e9 / gsl_rng_uniform_pos(s->r));
    else if (i < n8) val = 1e8 * pow(10.0, gsl_rng_uniform(s->r));
    else if (gsl_rng_uniform(s->r) < p->init_share_pre) return;   /* pre-incubation */
    else {
        double rev = fmin(0.99e8 / p->fund_revenue_multiple,
                          gsl_ran_lognormal(s->r, log(2.0 * p->growth_start_revenue), 1.0));
        firm_set_revenue(f, p, k, rev);
        f->valuation[k] = (float)(rev * p->fund_revenue_multiple);
        return;
    }
    firm_set_revenue(f, p, k, val / p->fund_revenue_multiple);
    f->valuation[k] = (float)val;
    f->flags[k] |= NB_FL_FUNDED;
    f->rounds[k] = (uint8_t)(2 + gsl_rng_uniform_int(s->r, 3));
    if (i < (int)p->init_listed) f->flags[k] |= NB_FL_LISTED;
}

/* The initial population; certificates go to the valued firms first, then to the
 * earliest other firms past pre-incubation, up to init.hightech. */
static int init_population(nb_sim *s, const nb_model *m, uint32_t rep)
{
    const nb_params *p = &m->p[0];
    int n0 = (int)p->init_firms;
    double inflow = 0;
    for (int k = 0; k < m->n_time; k++)
        inflow += m->d[k].spin_rate + m->d[k].reloc_rate + m->d[k].other_rate;
    int want = n0 + (int)(1.2 * inflow) + 1024;
    if (nb_firms_reserve(&s->f, want) != NB_OK) return NB_ENOMEM;
    s->f.n = 0;
    for (int i = 0; i < n0; i++) init_firm(s, m, rep, i);
    int ht = (int)p->init_hightech;
    for (int i = 0; i < s->f.n && ht > 0; i++)
        if (s->f.stage[i] != NB_PRE) { s->f.flags[i] |= NB_FL_HIGHTECH; ht--; }
    memset(&s->z, 0, sizeof s->z);
    s->z.committed = p->alliance_initial;
    return NB_OK;
}

/* ---- the monthly step ------------------------------------------------------------- */

/* Public spending and fund-alliance flows of month k.  Returns the factor (0..1]
 * by which scarce alliance money scales the chance of a round this month. */
static double zone_step(nb_sim *s, const nb_model *m, int k, nb_flows *fl)
{
    const nb_params *p = &m->p[k];
    const nb_month *d = &m->d[k];
    nb_zone *z = &s->z;
    fl->spend = d->public_spend;
    z->committed += d->alliance_inflow;
    z->called += p->alliance_call_rate * (z->committed - z->called);
    double dry = z->called - z->deployed;
    double avail = z->demand_prev > 0 ? fmin(1.0, dry / z->demand_prev) : 1.0;
    z->demand_prev = 0;
    return 1.0 - p->alliance_zone_share * (1.0 - avail);
}

/* Close a priced round for firm i in month k: new valuation, amount, the alliance's
 * share drawn from its dry powder. */
static void firm_round(nb_sim *s, const nb_model *m, uint32_t rep, int k, int i,
                       nb_flows *fl)
{
    const nb_params *p = &m->p[k];
    nb_firms *f = &s->f;
    nb_rng_stream(s->r, nb_rng_key(m->seed, rep), nb_rng_ctr(f->eid[i], (uint32_t)k, NB_RS_ROUND, 0));
    double post;
    if (!(f->flags[i] & NB_FL_FUNDED))
        post = p->fund_seed_valuation * f->rmul[i] * gsl_ran_lognormal(s->r, 0.0, 0.5);
    else {
        double base = fmax(f->valuation[i], f->revenue[i] * p->fund_revenue_multiple);
        post = base * gsl_ran_lognormal(s->r, log(p->fund_step_up), 0.3);
    }
    double amount = p->fund_dilution * post;
    double want = p->alliance_zone_share * amount;
    double dry = s->z.called - s->z.deployed;
    s->z.deployed += fmin(want, fmax(0.0, dry));
    s->z.demand_prev += want;
    f->valuation[i] = (float)post;
    f->flags[i] |= NB_FL_FUNDED;
    if (f->rounds[i] < 255) f->rounds[i]++;
    fl->rounds += 1;
    fl->raised += amount;
}

/* Exit kind for a firm that exits, from w uniform on (0,1). */
static int exit_kind(const nb_params *p, double w, int funded)
{
    if (w < p->exit_relocate_share) return NB_EX_RELOCATED;
    w = (w - p->exit_relocate_share) / (1.0 - p->exit_relocate_share);
    return (funded && w < p->exit_acquired_share) ? NB_EX_ACQUIRED : NB_EX_FAILED;
}

/* One month for every firm alive at its start. */
static void firms_step(nb_sim *s, const nb_model *m, uint32_t rep, int k, double avail,
                       nb_flows *fl)
{
    const nb_params *p = &m->p[k];
    const nb_month *d = &m->d[k];
    nb_firms *f = &s->f;
    const nb_key key = nb_rng_key(m->seed, rep);
    const double vf = p->exit_valued_factor, mult = p->fund_revenue_multiple;
    const double rate0 = p->fund_round_rate * avail;
    const double ht_p = p->hightech_rate, list_p = p->listing_rate;
    const double list_min = p->listing_min_valuation;
    const int n = f->n;
    s->firm_steps += (uint64_t)n;
    for (int i = 0; i < n; i++) {
        nb_ctr u = nb_philox4x32(key, nb_rng_ctr(f->eid[i], (uint32_t)k, NB_RS_FIRM, 0));
        int age = k - f->birth[i];
        int ay = age >= 84 ? 7 : age / 12;
        uint8_t fg = f->flags[i];
        double h = d->hazard[ay] * f->hmul[i] * ((fg & NB_FL_FUNDED) ? vf : 1.0);
        double u0 = nb_u01(u.v[0]);
        if (u0 < h) {
            fl->exits[exit_kind(p, u0 / h, fg & NB_FL_FUNDED)] += 1;
            f->flags[i] = fg | NB_FL_DEAD;
            continue;
        }
        if (f->stage[i] == NB_PRE) {
            if (nb_u01(u.v[1]) < d->grad_p) {
                f->stage[i] = NB_STARTUP;
                f->revenue[i] = (float)(p->growth_start_revenue * f->rmul[i]);
                firm_growth_mul(f, p, i);
                if (!(fg & NB_FL_FUNDED)) f->valuation[i] = (float)(f->revenue[i] * mult);
            }
            continue;   /* projects raise no rounds and hold no certificates */
        }
        float g = f->gmul[i] * growth_factor(m, u.v[2]);
        f->revenue[i] *= g;
        f->valuation[i] = (fg & NB_FL_FUNDED) ? f->valuation[i] * g
                                              : (float)(f->revenue[i] * mult);
        uint8_t st = stage_of_revenue(p, f->revenue[i]);
        if (st > f->stage[i]) f->stage[i] = st;    /* stages never go back */
        if (!(fg & NB_FL_HIGHTECH) && age >= 12 && nb_u01(u.v[1]) < ht_p)
            f->flags[i] = (fg |= NB_FL_HIGHTECH);
        if (fg & NB_FL_LISTED) continue;
        double pr = rate0 * f->rmul[i] * d->round_decay[f->rounds[i] < 15 ? f->rounds[i] : 15];
        double u3 = nb_u01(u.v[3]);
        if (u3 < pr) firm_round(s, m, rep, k, i, fl);
        else if (f->valuation[i] >= list_min && (u3 - pr) / (1.0 - pr) < list_p)
            f->flags[i] |= NB_FL_LISTED;
    }
}

/* New firms of month k: Poisson counts by origin; spin-offs and other founders
 * start in pre-incubation, relocations arrive with revenue. */
static int entry_step(nb_sim *s, const nb_model *m, uint32_t rep, int k, nb_flows *fl)
{
    const nb_params *p = &m->p[k];
    const nb_month *d = &m->d[k];
    const nb_key key = nb_rng_key(m->seed, rep);
    const double rate[NB_NORIGINS] = {d->spin_rate, d->reloc_rate, d->other_rate};
    for (int o = 0; o < NB_NORIGINS; o++) {
        nb_rng_stream(s->r, key, nb_rng_ctr(NB_ZONE_EID, (uint32_t)k, NB_RS_ENTRY, (uint32_t)o));
        unsigned c = gsl_ran_poisson(s->r, rate[o]);
        if (c > 0xffff) c = 0xffff;
        if (s->f.n + (int)c > s->f.cap &&
            nb_firms_reserve(&s->f, 2 * (s->f.n + (int)c)) != NB_OK)
            return NB_ENOMEM;
        for (unsigned j = 0; j < c; j++) {
            uint64_t eid = NB_ENTRANT | ((uint64_t)k << 20) | ((uint64_t)o << 16) | j;
            nb_rng_stream(s->r, key, nb_rng_ctr(eid, (uint32_t)k, NB_RS_BIRTH, 0));
            double q = gsl_ran_gaussian_ziggurat(s->r, 1.0);
            int i = firm_add(&s->f, p, eid, k, (uint8_t)o, q);
            if (o == NB_OR_RELOCATION) {
                double rev = gsl_ran_lognormal(s->r, log(5.0 * p->growth_start_revenue), 1.0);
                firm_set_revenue(&s->f, p, i, rev);
                s->f.valuation[i] = (float)(rev * p->fund_revenue_multiple);
            }
        }
        fl->entries[o] = c;
    }
    return NB_OK;
}

/* In January: gazelle status from this January's revenue against the snapshot
 * def.gazelle_years ago, then shift the snapshots; re-evaluate the size effect. */
static void january_step(nb_firms *f, const nb_params *p, int k)
{
    double lam = p->fund_valuation_reversion, mult = p->fund_revenue_multiple;
    int yrs = (int)p->def_gazelle_years;
    double need = pow(1.0 + p->def_gazelle_growth, yrs);
    int max_age = (int)(12.0 * p->def_gazelle_max_age);
    for (int i = 0; i < f->n; i++) {
        float *h = &f->hist[NB_HIST * i];
        double base = h[yrs - 1], rev = f->revenue[i];
        int gz = f->stage[i] != NB_PRE && k - f->birth[i] <= max_age &&
                 base >= p->def_gazelle_min_revenue && rev >= base * need;
        f->flags[i] = (uint8_t)(gz ? f->flags[i] | NB_FL_GAZELLE : f->flags[i] & ~NB_FL_GAZELLE);
        for (int j = NB_HIST - 1; j > 0; j--) h[j] = h[j - 1];
        h[0] = (float)rev;
        firm_growth_mul(f, p, i);
        if ((f->flags[i] & NB_FL_FUNDED) && rev > 0 && f->valuation[i] > 0)
            f->valuation[i] = (float)(f->valuation[i] * pow(rev * mult / f->valuation[i], lam));
    }
}

/* Write the metrics of time point k into row `rep` of res. */
static void record(const nb_sim *s, const nb_model *m, int k, const nb_flows *fl,
                   uint32_t rep, nb_results *res)
{
    const nb_params *p = &m->p[k];
    const nb_firms *f = &s->f;
    double v[NB_NMETRICS] = {0};
    double uni = m->d[k].unicorn_rmb, uni_age = 12.0 * p->def_unicorn_max_age;
    double team = p->growth_team_size, per_head = 1.0 / p->growth_revenue_per_employee;
    for (int i = 0; i < f->n; i++) {
        uint8_t fg = f->flags[i];
        double val = f->valuation[i], rev = f->revenue[i];
        v[NB_M_firms_pre + f->stage[i]] += 1;
        v[NB_M_valued_1e8] += val >= 1e8;
        v[NB_M_valued_1e9] += val >= 1e9;
        v[NB_M_gazelles] += (fg & NB_FL_GAZELLE) != 0;
        v[NB_M_unicorns] += !(fg & NB_FL_LISTED) && val >= uni && k - f->birth[i] <= uni_age;
        v[NB_M_listed] += (fg & NB_FL_LISTED) != 0;
        v[NB_M_hightech] += (fg & NB_FL_HIGHTECH) != 0;
        v[NB_M_employees] += fmax(team, rev * per_head);
        v[NB_M_revenue] += rev;
        v[NB_M_valuation] += val;
    }
    v[NB_M_firms] = f->n;
    v[NB_M_rnd] = p->growth_rnd_intensity * v[NB_M_revenue];
    v[NB_M_entries_spinoff] = fl->entries[NB_OR_SPINOFF];
    v[NB_M_entries_relocation] = fl->entries[NB_OR_RELOCATION];
    v[NB_M_entries_other] = fl->entries[NB_OR_OTHER];
    v[NB_M_exits_failed] = fl->exits[NB_EX_FAILED];
    v[NB_M_exits_acquired] = fl->exits[NB_EX_ACQUIRED];
    v[NB_M_exits_relocated] = fl->exits[NB_EX_RELOCATED];
    v[NB_M_rounds] = fl->rounds;
    v[NB_M_capital_raised] = fl->raised;
    v[NB_M_alliance_committed] = s->z.committed;
    v[NB_M_alliance_deployed] = s->z.deployed;
    v[NB_M_alliance_dry_powder] = s->z.called - s->z.deployed;
    v[NB_M_public_spend] = fl->spend;
    for (int j = 0; j < NB_NMETRICS; j++) nb_results_row(res, j, (int)rep)[k] = v[j];
}

int nb_sim_run(const nb_model *m, nb_sim *s, uint32_t rep, nb_results *res)
{
    assert(res->n_time == m->n_time && (int)rep < res->n_rep);
    s->firm_steps = 0;
    if (init_population(s, m, rep) != NB_OK) return NB_ENOMEM;
    nb_flows fl;
    memset(&fl, 0, sizeof fl);
    record(s, m, 0, &fl, rep, res);
    for (int k = 1; k < m->n_time; k++) {
        memset(&fl, 0, sizeof fl);
        double avail = zone_step(s, m, k, &fl);
        firms_step(s, m, rep, k, avail, &fl);
        nb_firms_compact(&s->f);
        if (entry_step(s, m, rep, k, &fl) != NB_OK) return NB_ENOMEM;
        if ((m->start + k) % 12 == 0) january_step(&s->f, &m->p[k], k);
        record(s, m, k, &fl, rep, res);
    }
    return NB_OK;
}
