/* firmstep.c -- the monthly step of every firm: the model's hot loop.
 *
 * One Philox block (four 32-bit uniforms) per firm and month, keyed by the firm's
 * identity, drives everything that happens to the firm in the month:
 *   u0  exit ladder: [0,h) exit by age hazard (kind by u0/h), then relocation for
 *       want of space, then acquisition by a leader
 *   u1  graduation (pre-incubation) or high-tech certification (later stages)
 *   u2  revenue growth shock (tabulated normal quantile)
 *   u3  capital ladder: priced round, then grant-to-equity, then listing
 * Events are mutually exclusive within a ladder, so no draw is reused.
 */
#include <math.h>
#include <gsl/gsl_cdf.h>
#include "neobay.h"
#include "model.h"

/* Monthly growth factor for the uniform word x: table interpolation inside, the
 * exact quantile in the two tail bins (where the quantile is steep). */
static inline float growth_shock(const nb_model *m, uint32_t x)
{
    uint32_t j = x >> 22;                      /* 10 bits: NB_ZTAB = 1024 bins */
    if (j == 0 || j == NB_ZTAB - 1)
        return (float)exp(m->gmu + m->gsd * gsl_cdf_ugaussian_Pinv(nb_u01(x)));
    float w = (float)(x & 0x3fffffu) * (1.0f / 4194304.0f);
    return m->gtab[j] + w * (m->gtab[j + 1] - m->gtab[j]);
}

/* Exit kind of a firm that exits by the age hazard, from w uniform on (0,1). */
static inline int exit_kind(const nb_params *p, double w, int funded)
{
    if (w < p->exit_relocate_share) return NB_EX_RELOCATED;
    w = (w - p->exit_relocate_share) / (1.0 - p->exit_relocate_share);
    return (funded && w < p->exit_acquired_share) ? NB_EX_ACQUIRED : NB_EX_FAILED;
}

/* The exit ladder for firm i; returns the exit kind, or -1 if the firm stays. */
static inline int firm_exit(const nb_sim *s, int i, int age, int st, uint8_t fg,
                            double u0)
{
    const nb_month *d = &s->d;
    const nb_firms *f = &s->f;
    int incub_ok = st == NB_PRE || (st == NB_STARTUP && age < NB_INCUB_MONTHS);
    float prio = f->prio[i];
    int cls = ((fg & NB_FL_FUNDED) ? NB_HC_FUNDED : 0)
            | ((incub_ok && prio < d->incub_share) ? NB_HC_INCUB : 0)
            | (f->cash[i] < 0 ? NB_HC_CASHLESS : 0) | (st == NB_PRE ? NB_HC_PRE : 0);
    double h = d->hazard[age >= 84 ? 7 : age / 12][cls] * f->hmul[i];
    if (u0 < h) return exit_kind(&s->p, u0 / h, fg & NB_FL_FUNDED);
    if (st >= NB_BACKBONE && 1.0f - prio >= d->space_share) {
        h += s->p.space_short_hazard;
        if (u0 < h) return NB_EX_RELOCATED;
    }
    if (st == NB_STARTUP && (fg & NB_FL_FUNDED) && u0 < h + d->acquire_p) return NB_EX_ACQUIRED;
    return -1;
}

/* Revenue growth of firm i (a start-up or later) for the month; returns the factor
 * and adds the hires it would want, before the talent constraint, to *hires.
 * (Procurement and overseas revenue are added by tally_firm while paid; the caller
 * adds their margin to cash and their lasting share to growth.) */
static inline float firm_grow(const nb_sim *s, const nb_model *m, int i, int age, int st,
                              uint8_t fg, uint32_t x, double *hires)
{
    const nb_month *d = &s->d;
    const nb_firms *f = &s->f;
    float g = f->gmul[i] * d->gmul[NB_GC(st, age < NB_YOUNG_MONTHS)] * d->gsec[f->sector[i]]
            * growth_shock(m, x);
    *hires += (g - 1.0f) * f->revenue[i];      /* net: firms that shrink free staff */
    if (g > 1.0f) g = 1.0f + (g - 1.0f) * (float)d->talent_fill;
    return g;
}

/* The capital ladder for firm i (not listed): round, grant-to-equity or listing. */
static inline void firm_capital(nb_sim *s, int k, int i, int st, uint8_t fg, double u3,
                                nb_flows *fl)
{
    const nb_month *d = &s->d;
    const nb_params *p = &s->p;
    nb_firms *f = &s->f;
    int r = f->rounds[i] < 15 ? f->rounds[i] : 15;
    double pr = p->fund_round_rate * d->round_avail * f->rmul[i] * d->round_decay[r];
    if (fg & (NB_FL_GAZELLE | NB_FL_HIGHTECH)) pr *= d->list_boost;
    if (u3 < pr) { capital_round(s, k, i, fl); return; }
    double pg = (!(fg & NB_FL_FUNDED) && st == NB_STARTUP) ? d->grant_p : 0.0;
    if (u3 < pr + pg) { capital_grant(s, k, i, fl); return; }
    if (f->valuation[i] >= p->listing_min_valuation && u3 < pr + pg + p->listing_rate) {
        f->flags[i] |= NB_FL_LISTED;
        capital_exit(s, k, i, -1, fl);
    }
}

static void firm_yearly(nb_sim *s, int i);

void firms_step(nb_sim *s, const nb_model *m, int k, nb_flows *fl, nb_tally *t)
{
    const nb_params *p = &s->p;
    const nb_month *d = &s->d;
    nb_firms *f = &s->f;
    const double margin = p->cash_margin / 12.0, ht_p = p->hightech_rate;
    const double persist = p->support_demand_persistence;
    const int cal_month = (m->start + k) % 12;
    const double burn[NB_NSTAGES] = {cash_burn(p, NB_PRE) / 12, cash_burn(p, NB_STARTUP) / 12, 0, 0};
    double hires = 0;
    const int n = f->n;
    s->firm_steps += (uint64_t)(n - f->dead);
    nb_philox4x32_batch(s->key, n, f->eid, (uint32_t)k, NB_RS_FIRM, f->u0, f->u1, f->u2, f->u3);
    for (int i = 0; i < n; i++) {
        uint8_t fg = f->flags[i];
        if (fg & NB_FL_DEAD) continue;
        int age = k - f->birth[i], st = f->stage[i];
        int ex = firm_exit(s, i, age, st, fg, nb_u01(f->u0[i]));
        if (ex >= 0) {
            fl->exits[ex] += 1;
            capital_exit(s, k, i, ex, fl);
            f->flags[i] = fg | NB_FL_DEAD;
            f->dead++;
            continue;
        }
        double boost = ((fg & NB_FL_HIGHTECH) && (st == NB_STARTUP || st == NB_BACKBONE)
                        ? d->proc_boost : 0.0) + (st >= NB_BACKBONE ? d->ovs_boost : 0.0);
        f->cash[i] += (float)(margin * f->revenue[i] * (1.0 + boost) - burn[st]);
        if (st == NB_PRE) {
            int incub = f->prio[i] < d->incub_share;
            if (nb_u01(f->u1[i]) < (incub ? d->grad_p_incub : d->grad_p)) {
                f->stage[i] = NB_STARTUP;
                f->revenue[i] = (float)(p->growth_start_revenue * f->rmul[i]);
                if (!(fg & NB_FL_FUNDED)) f->valuation[i] = (float)(f->revenue[i] * d->mult);
                firm_growth_mul(f, p, i);
            }
            tally_firm(s, t, i, k);
            continue;   /* projects raise no rounds and hold no certificates */
        }
        if ((int)(f->prio[i] * 12.0f) == cal_month) firm_yearly(s, i);
        float g = firm_grow(s, m, i, age, st, fg, f->u2[i], &hires)
                * (float)(1.0 + persist * boost);
        f->revenue[i] *= g;
        f->valuation[i] = (fg & NB_FL_FUNDED) ? f->valuation[i] * g
                                              : (float)(f->revenue[i] * d->mult);
        uint8_t up = stage_of_revenue(p, f->revenue[i]);
        if (up > st) f->stage[i] = up;             /* stages never go back */
        if (!(fg & NB_FL_HIGHTECH) && age >= 12 && nb_u01(f->u1[i]) < ht_p)
            f->flags[i] = (fg |= NB_FL_HIGHTECH);
        if (f->cash[i] < 0 && s->z.credit_left > 0) capital_credit(s, k, i, fl);
        if (!(fg & NB_FL_LISTED)) firm_capital(s, k, i, f->stage[i], fg, nb_u01(f->u3[i]), fl);
        tally_firm(s, t, i, k);
    }
    s->z.hire_demand = fmax(0.0, hires / p->growth_revenue_per_employee);
}

void firms_january(nb_sim *s, int k)
{
    const nb_params *p = &s->p;
    nb_firms *f = &s->f;
    int yrs = (int)p->def_gazelle_years;
    double need = pow(1.0 + p->def_gazelle_growth, yrs);
    int max_age = (int)(12.0 * p->def_gazelle_max_age);
    for (int i = 0; i < f->n; i++) {
        if (f->flags[i] & NB_FL_DEAD) continue;
        float *h = &f->hist[NB_HIST * i];
        double base = h[yrs - 1], rev = f->revenue[i];
        int gz = f->stage[i] != NB_PRE && k - f->birth[i] <= max_age &&
                 base >= p->def_gazelle_min_revenue && rev >= base * need;
        f->flags[i] = (uint8_t)(gz ? f->flags[i] | NB_FL_GAZELLE : f->flags[i] & ~NB_FL_GAZELLE);
        for (int j = NB_HIST - 1; j > 0; j--) h[j] = h[j - 1];
        h[0] = (float)rev;
    }
}

/* Once a year, in the firm's own month (from its fixed priority, so the zone's
 * firms are spread over the year and aggregates move smoothly): re-evaluate the size
 * effect on growth, and move a funded firm's valuation funding.valuation_reversion of
 * the way (in logs) back to revenue x multiple. */
static void firm_yearly(nb_sim *s, int i)
{
    const nb_params *p = &s->p;
    nb_firms *f = &s->f;
    firm_growth_mul(f, p, i);
    double rev = f->revenue[i], val = f->valuation[i];
    if ((f->flags[i] & NB_FL_FUNDED) && rev > 0 && val > 0)
        f->valuation[i] = (float)(val * pow(rev * s->d.mult / val, p->fund_valuation_reversion));
}
