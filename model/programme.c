/* programme.c -- the programme engine (issue 10): public money that reaches firms
 * through applications, selection and awards, one row per programme in
 * programmes.def (see that file and model/ODD.md §7.24).
 *
 * Each month programme_month turns every programme's budget into a number of awards
 * and sets who wins: a lottery share, or a merit cut on a noisy score placed from the
 * moments of last month's applicants' scores (a normal approximation), so the cut
 * admits about as many as the money pays.  Awards then go first come, in slot order,
 * until the month's money is used.  Spending is booked as awarded.  The draws of a
 * programme (stream NB_RS_PROG, keyed by firm, month and programme) are made only
 * when the programme has money, so a programme without a budget changes nothing.
 */
#include <assert.h>
#include <math.h>
#include <gsl/gsl_cdf.h>
#include "neobay.h"
#include "model.h"

/* A programme's constant description: programmes.def's row. */
typedef struct prog_row {
    int instr, select;
    unsigned stages;
    int young_only;
    int p_ticket, p_term, p_apply, p_reapply, p_noise, p_add, p_round, p_hazard, p_growth;
} prog_row;

static const prog_row prog_rows[NB_NPROG] = {
#define NB_PROG(id, instrument, sel, stg, young, en, zh)                                    \
    {NB_I_##instrument, sel, stg, young, NB_P_prog_##id##_ticket, NB_P_prog_##id##_term,      \
     NB_P_prog_##id##_apply, NB_P_prog_##id##_reapply, NB_P_prog_##id##_score_noise,          \
     NB_P_prog_##id##_additionality, NB_P_prog_##id##_round_mult,                             \
     NB_P_prog_##id##_hazard_mult, NB_P_prog_##id##_growth},
#include "programmes.def"
#undef NB_PROG
};

/* Whether instrument j pays a programme's awards (and so is booked as awarded). */
int programme_instrument(int j)
{
    for (int g = 0; g < NB_NPROG; g++)
        if (prog_rows[g].instr == j) return 1;
    return 0;
}

/* The month's settings of every programme, from this month's parameters and budget
 * (s->d.spend, after the special fund's cap) and last month's applicants. */
void programme_month(nb_sim *s)
{
    nb_month *d = &s->d;
    nb_zone *z = &s->z;
    d->prog_open = 0;
    for (int g = 0; g < NB_NPROG; g++) {
        const prog_row *r = &prog_rows[g];
        nb_prog_month *pm = &d->prog[g];
        const nb_params *p = &s->p;
        pm->instr = r->instr;
        pm->ticket = nb_params_get(p, r->p_ticket);
        pm->term = (int)nb_params_get(p, r->p_term);
        pm->reapply = (int)nb_params_get(p, r->p_reapply);
        pm->apply = nb_params_get(p, r->p_apply);
        pm->noise = nb_params_get(p, r->p_noise);
        pm->keep_cash = 1.0 - nb_params_get(p, r->p_add);
        pm->rmult = nb_params_get(p, r->p_round);
        pm->hmult = nb_params_get(p, r->p_hazard);
        pm->gmul = (float)exp(nb_params_get(p, r->p_growth) / 12.0);
        pm->awards = (int)floor(d->spend[r->instr] / pm->ticket + 1e-9);
        const nb_applicants *a = &z->app_prev[g];
        double share = a->n > 0 ? fmin(1.0, pm->awards / a->n) : 1.0;
        pm->share = share;
        pm->cut = -HUGE_VAL;
        if (r->select == NB_SEL_MERIT && share < 1.0 && a->n > 1) {
            double mu = a->s1 / a->n, var = fmax(0.0, a->s2 / a->n - mu * mu);
            pm->cut = mu + sqrt(var) * gsl_cdf_ugaussian_Qinv(share);
        }
        d->prog_open |= pm->awards > 0;
    }
}

/* Firm i (stage st, age in months) in step k: for each programme with money
 * this month that it is eligible for, it may apply, and may win an award while the
 * month's money lasts. */
void programme_consider(nb_sim *s, int k, int i, int st, int age, nb_flows *fl)
{
    nb_firms *f = &s->f;
    nb_zone *z = &s->z;
    uint16_t *a = &f->award[NB_NPROG * i];
    for (int g = 0; g < NB_NPROG; g++) {
        const prog_row *r = &prog_rows[g];
        const nb_prog_month *pm = &s->d.prog[g];
        if (pm->awards <= 0 || !(r->stages & (1u << st))) continue;
        if (r->young_only && age >= (int)s->p.support_young_age) continue;
        if (a[g] && k - (a[g] - 1) < pm->reapply) continue;
        nb_ctr w = nb_philox4x32(s->key, nb_rng_ctr(f->eid[i], (uint32_t)k, NB_RS_PROG, (uint32_t)g));
        if (nb_u01(w.v[0]) >= pm->apply) continue;
        double score = f->belief[i] + pm->noise * gsl_cdf_ugaussian_Pinv(nb_u01(w.v[1]));
        z->app[g].n += 1;
        z->app[g].s1 += score;
        z->app[g].s2 += score * score;
        int wins = r->select == NB_SEL_MERIT ? score >= pm->cut : nb_u01(w.v[2]) < pm->share;
        if (!wins || fl->awards[g] >= pm->awards) continue;
        a[g] = (uint16_t)(k + 1);
        f->cash[i] += (float)(pm->ticket * pm->keep_cash);
        fl->awards[g] += 1;
        fl->spend[r->instr] += pm->ticket;
        z->awarded = 1;
    }
}
