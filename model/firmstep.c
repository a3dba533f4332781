/* firmstep.c -- the monthly step of every firm: the model's hot loop.
 *
 * One Philox block (four 32-bit uniforms) per firm and month, keyed by the firm's
 * identity, drives everything that happens to the firm in the month:
 *   u0  exit ladder: projects are abandoned; firms fail by the background hazard,
 *       relocate out (rent), or take an acquisition offer (performance-priced)
 *   u1  graduation (pre-incubation) or high-tech certification (later stages)
 *   u2  month-to-month revenue noise (tabulated normal quantile)
 *   u3  capital ladder: priced round, then grant-to-equity, then listing
 * Once a year, in the firm's own month, a second block (purpose NB_RS_YEAR) draws
 * its growth shock for the coming year (Subbotin), the signal from which it learns
 * its quality (Jovanovic), and a lumpy event.  Exits by belief and by exhausted cash
 * follow from the firm's state, not from a draw.
 * Events are mutually exclusive within a ladder, so no draw is reused.
 */
#include <assert.h>
#include <math.h>
#include <gsl/gsl_cdf.h>
#include "neobay.h"
#include "model.h"

/* Interpolate table tab (NB_ZTAB+1 edges) at the uniform word x; the two tail bins
 * use `exact` (the quantile is steep there). */
static inline float tab_at(const float *tab, uint32_t x)
{
    uint32_t j = x >> 22;                      /* 10 bits: NB_ZTAB = 1024 bins */
    float w = (float)(x & 0x3fffffu) * (1.0f / 4194304.0f);
    return tab[j] + w * (tab[j + 1] - tab[j]);
}

/* Monthly noise factor exp(mu + sd*z) for the uniform word x. */
static inline float growth_noise(const nb_model *m, uint32_t x)
{
    uint32_t j = x >> 22;
    if (j == 0 || j == NB_ZTAB - 1)
        return (float)exp(m->gmu + m->gsd * gsl_cdf_ugaussian_Pinv(nb_u01(x)));
    return tab_at(m->gtab, x);
}

/* A listed firm's value v after this month's revenue and market moves, pulled a
 * share listing.ps_revert of the way (in logs) to revenue x listing.multiple:
 * price/sales ratios far from the market's do not last. */
static inline float listed_value(const nb_params *p, float v, float rev)
{
    float fund = (float)(rev * p->listing_multiple);
    if (fund <= 0 || v <= 0) return fund > 0 ? fund : v;
    return v * powf(fund / v, (float)p->listing_ps_revert);
}

/* The exit ladder of firm i (start-up or later); returns the exit kind or -1. */
static inline int firm_exit(const nb_sim *s, int i, int st, uint8_t fg, int incub, int age,
                            double u0, double hm, double am)
{
    const nb_month *d = &s->d;
    const nb_firms *f = &s->f;
    double hb = nb_seld(incub, d->h_firm_incub, d->h_firm);
    double h = nb_seld(age < d->honeymoon, 0.0, hb * f->hmul[i] * hm);
    double hr = h + (double)(st >= NB_BACKBONE) * d->h_move;   /* relocation: scale-ups only */
    if (u0 < hr) return u0 < h ? NB_EX_FAILED : NB_EX_RELOCATED;
    h = hr;
    /* funded, not listed, not a leader: one test of the flags, not three branches */
    int can = ((fg & (NB_FL_FUNDED | NB_FL_LISTED)) == NB_FL_FUNDED) & (st <= NB_BACKBONE);
    if (can && u0 < h + d->acq_base * am * exp(s->p.exit_acquire_quality * f->belief[i]))
        return NB_EX_ACQUIRED;
    return -1;
}

/* Price of firm i if acquired now: its performance value, revenue x multiple scaled
 * by believed quality, times the control premium (never below zero). */
static inline double acquire_price(const nb_sim *s, int i)
{
    const nb_firms *f = &s->f;
    return s->p.exit_acquire_premium * f->revenue[i] * s->d.mult
         * exp(s->p.fund_quality_effect * f->belief[i]);
}

/* The capital ladder for firm i (not listed): round, grant-to-equity or listing;
 * rm multiplies the round chance (programme awards); listed_place: the firm holds a
 * place on the list of quality firms (list_member). */
static inline void firm_capital(nb_sim *s, int k, int i, int st, uint8_t fg, double u3,
                                double rm, int listed_place, nb_flows *fl)
{
    const nb_month *d = &s->d;
    const nb_params *p = &s->p;
    nb_firms *f = &s->f;
    int r = f->rounds[i] < 15 ? f->rounds[i] : 15;
    double pr = d->round_p[r] * d->round_avail * d->cycle_round * f->rmul[i] * rm;
    if (listed_place) pr *= d->list_boost;
    if (u3 < pr) { capital_round(s, k, i, fl); return; }
    double pg = d->grant_p * (double)(!(fg & NB_FL_FUNDED) & (st == NB_STARTUP));
    if (u3 < pr + pg) { capital_grant(s, k, i, fl); return; }
    if (f->valuation[i] >= p->listing_min_valuation && u3 < pr + pg + p->listing_rate) {
        f->flags[i] |= NB_FL_LISTED;
        capital_exit(s, k, i, -1, f->valuation[i], fl);
    }
}

/* Remove firm i (kind: nb_exit_kind) at step k, counting it if it is counted. */
static inline void firm_leave(nb_sim *s, int k, int i, int kind, int counted, nb_flows *fl)
{
    nb_firms *f = &s->f;
    if (counted) {
        fl->exits[kind] += 1;
        fl->exits_age[age_band(k - f->birth[i])] += 1;
    }
    capital_exit(s, k, i, kind, kind == NB_EX_ACQUIRED ? acquire_price(s, i) : 0.0, fl);
    f->flags[i] |= NB_FL_DEAD;
    f->dead++;
}

/* A project's month: abandonment or incorporation.  Returns 1 if it was abandoned. */
static int project_step(nb_sim *s, int k, int i, int incub, int counted, nb_flows *fl)
{
    nb_firms *f = &s->f;
    const nb_month *d = &s->d;
    const nb_params *p = &s->p;
    nb_held h;
    programme_held(s, i, k, &h);                            /* proof-of-concept awards (m5) */
    if (nb_u01(f->u0[i]) < (incub ? d->h_proj_incub : d->h_proj) * h.hm) {
        if (counted) fl->abandoned += 1;
        f->flags[i] |= NB_FL_DEAD;
        f->dead++;
        return 1;
    }
    if (nb_u01(f->u1[i]) < (incub ? d->grad_p_incub : d->grad_p) * h.gradm) {
        f->stage[i] = NB_STARTUP;
        f->birth[i] = (int16_t)k;                /* a firm's age runs from incorporation */
        f->revenue[i] = (float)(p->growth_start_revenue * f->rmul[i]);
        f->cash[i] += (float)founders_cash(p, gsl_cdf_ugaussian_Pinv(nb_u01(f->u3[i])));
        if (!(f->flags[i] & NB_FL_FUNDED)) f->valuation[i] = (float)(f->revenue[i] * d->mult);
        firms_year_draw(s, k, i);
        if (counted) fl->graduations += 1;
    } else if (d->prog_open) {
        programme_consider(s, k, i, NB_PRE, k - f->birth[i], fl);
    }
    return 0;
}

void firms_step(nb_sim *s, const nb_model *m, int k, nb_flows *fl, nb_tally *tally)
{
    /* The tally lives on the stack during the loop: the firm arrays' byte fields
     * could alias it through *tally, and would force every count to memory. */
    nb_tally tl = *tally, *t = &tl;
    const nb_params *p = &s->p;
    const nb_month *d = &s->d;
    nb_firms *f = &s->f;
    const double margin = (p->cash_margin - d->wage_cost) / 12.0, ht_p = p->hightech_rate;
    const double keep = p->exit_distress_cut;
    const double burn = p->cash_burn_startup / 12.0, rent = d->rent_cost / 12.0;
    const double rpe = p->growth_revenue_per_employee, sep = p->talent_separation;
    const int cal_month = (m->origin + k) % 12, grace = (int)p->exit_grace_months;
    const float slow = (float)d->hire_slow, mark = (float)p->fund_mark_elasticity;
    const float list_move = (float)d->list_move;
    const int incub_age = (int)p->incubator_max_age, young = (int)p->support_young_age;
    const int ht_age = (int)p->hightech_min_age, outer_in = d->outer_in != 0;
    double hires = 0, quits = 0;
    const int n = f->n;
    uint64_t live = (uint64_t)(n - f->dead);
    if (d->reporting) s->firm_steps += live; else s->hist_steps += live;
    nb_philox4x32_batch(s->key, n, f->eid, (uint32_t)k, NB_RS_FIRM, f->u0, f->u1, f->u2, f->u3);
    if (d->prog_open)           /* the seeds of the month's applications (programme_consider) */
        nb_philox4x32_batch(s->key, n, f->eid, (uint32_t)k, NB_RS_APPLY, f->ua, f->ub, NULL, NULL);
    for (int i = 0; i < n; i++) {
        uint8_t fg = f->flags[i];
        if (fg & NB_FL_DEAD) continue;
        int age = k - f->birth[i], st = f->stage[i];
        /* bitwise, not short-circuit: these are not predictable firm by firm */
        int counted = ((fg & NB_FL_OUTER) == 0) | outer_in;
        int incub = ((st == NB_PRE) | ((st == NB_STARTUP) & (age < incub_age)))
                  & (f->prio[i] < d->incub_share);
        if (st == NB_PRE) {
            if (!project_step(s, k, i, incub, counted, fl) && counted) tally_firm(s, t, i, k);
            continue;   /* projects raise no rounds and hold no certificates */
        }
        nb_held h;
        programme_held(s, i, k, &h);
        int ex = firm_exit(s, i, st, fg, incub, age, nb_u01(f->u0[i]), h.hm, h.am);
        if (ex < 0 && (int)(f->prio[i] * 12.0f) == cal_month && firms_yearly(s, k, i))
            ex = NB_EX_FAILED;                  /* learnt it is not worth going on */
        if (ex >= 0) { firm_leave(s, k, i, ex, counted, fl); continue; }
        double rev = f->revenue[i];
        double out = burn * (double)(st == NB_STARTUP) * nb_seld(f->distress[i], keep, 1.0)
                   + rent * rev * (double)(st >= NB_BACKBONE);
        f->cash[i] += (float)(margin * (rev + h.crev) - out);   /* h.crev: public contracts (m10) */
        if (f->debt[i] > 0) capital_service(s, i, fl);
        float g = f->gmul[i] * d->gmul[NB_GC(st, age < young)] * d->gsec[f->sector[i]]
                * growth_noise(m, f->u2[i]) * h.gm;
        float gs = 1.0f + (g - 1.0f) * slow;           /* dear hires slow expansion */
        g = nb_gt_self(g, 1.0f, gs, g);
        hires += nb_seld(g > 1.0f, (g - 1.0f) * rev, 0.0);
        quits += sep * rev;
        f->revenue[i] = (float)(rev * g);
        if (h.ending) programme_follow(s, k, i, h.ending);   /* a contract's lasting customer */
        /* Listed firms move with their revenue and the market multiple from their
         * listing price; venture-backed firms are marked by performance between
         * rounds (funding.mark_elasticity); others are valued on revenue. */
        float v = nb_self(fg & NB_FL_FUNDED, f->valuation[i] * (1.0f + mark * (g - 1.0f)),
                          (float)(f->revenue[i] * d->mult));
        if (fg & NB_FL_LISTED) v = listed_value(p, f->valuation[i] * g * list_move, f->revenue[i]);
        f->valuation[i] = v;
        uint8_t up = stage_of_revenue(p, f->revenue[i]);
        if (up > st) f->stage[i] = up;             /* stages never go back */
        if (!(fg & NB_FL_HIGHTECH) & (age >= ht_age) & (nb_u01(f->u1[i]) < ht_p))
            f->flags[i] = (fg |= NB_FL_HIGHTECH);
        int won = d->prog_open ? programme_consider(s, k, i, f->stage[i], age, fl) : 0;
        if (f->cash[i] < 0 && s->z.credit_left > 0) capital_credit(s, k, i, fl);
        int lm = list_member(f, d, i, k, fg);
        if (!(fg & NB_FL_LISTED)) firm_capital(s, k, i, f->stage[i], fg, nb_u01(f->u3[i]), h.rm, lm, fl);
        if (f->cash[i] >= 0) f->distress[i] = 0;
        else if (f->distress[i] < 255) f->distress[i]++;
        if (f->distress[i] > grace) { firm_leave(s, k, i, NB_EX_FAILED, counted, fl); continue; }
        /* a contract won this month runs already this month */
        if (counted) {
            const uint8_t lf = NB_FL_GAZELLE | NB_FL_HIGHTECH | NB_FL_LISTED;   /* list_member's flags */
            lm = ((f->flags[i] ^ fg) & lf) ? list_member(f, d, i, k, f->flags[i]) : lm;
            tally_firm_rev(s, t, i, k, won ? programme_revenue(s, i, k) : h.crev, lm);
        }
    }
    t->hire_demand += (hires + quits) / rpe;
    t->separations += quits / rpe;
    *tally = tl;
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

/* Draw firm i's year ahead (step k): the growth shock sets its monthly growth
 * multiplier for the next 12 months -- drift, quality, the size effect, and a
 * Subbotin shock whose scale falls with revenue as a power (Stanley et al. 1996) --
 * and, for a firm with a year behind it, the signal it learns its quality from.
 * Returns the standard normal signal noise (for firms_yearly). */
double firms_year_draw(nb_sim *s, int k, int i)
{
    const nb_params *p = &s->p;
    nb_firms *f = &s->f;
    nb_ctr w = nb_philox4x32(s->key, nb_rng_ctr(f->eid[i], (uint32_t)k, NB_RS_YEAR, 0));
    double rev = f->revenue[i] > 0 ? f->revenue[i] : p->growth_start_revenue;
    double rel = rev / p->growth_ref_revenue;
    double sd = fmin(p->growth_shock_max, p->growth_shock_scale * pow(rel, -p->growth_size_exponent));
    double shock = sd * (double)tab_at(s->m->stab, w.v[0]);
    if (nb_u01(w.v[2]) < p->growth_lumpy_rate) shock += p->growth_lumpy_size;
    double g = p->growth_drift + p->growth_quality_effect * f->quality[i]
             - p->growth_size_effect * log(rel) + shock;
    f->gmul[i] = (float)exp(g / 12.0);
    return gsl_cdf_ugaussian_Pinv(nb_u01(w.v[1]));
}

/* Once a year, in the firm's own month (from its fixed priority, so the zone's
 * firms are spread over the year and aggregates move smoothly): draw the year ahead
 * and update the firm's belief about its quality from this year's signal
 * (normal learning, prior N(0,1): after n signals the posterior mean is
 * sum/(noise^2 + n)).  Returns 1 when the belief falls below exit.belief_cutoff. */
int firms_yearly(nb_sim *s, int k, int i)
{
    const nb_params *p = &s->p;
    nb_firms *f = &s->f;
    double z = firms_year_draw(s, k, i);
    double v = p->exit_signal_noise * p->exit_signal_noise;
    int n = f->seen[i];
    double sum = f->belief[i] * (v + n) + f->quality[i] + p->exit_signal_noise * z;
    if (n < 255) f->seen[i] = (uint8_t)++n;
    f->belief[i] = (float)(sum / (v + n));
    return f->belief[i] < p->exit_belief_cutoff;
}
