/* programme.c -- the programme engine (issue 10): public money that reaches firms
 * through applications, selection and awards, one row per programme in
 * programmes.def (see that file and model/ODD.md §7.24).
 *
 * Each month programme_month turns every programme's budget into a number of awards
 * and sets who wins: a lottery share, or a merit cut on a noisy score placed from the
 * moments of last month's applicants' scores (a normal approximation), so the cut
 * admits about as many as the money pays.  Awards then go first come, in slot order,
 * until the month's money is used.  Spending is booked as awarded.  A programme's
 * draws are keyed by firm, month and programme (its word of the firm's month of
 * applications, NB_RS_APPLY; an applicant's block of NB_RS_PROG), so a programme
 * without a budget, or another programme's budget, changes none of them.
 * A contract programme (NB_AW_CONTRACT) pays its award as revenue over its term
 * (programme_revenue, model.h) and may leave a lasting customer (programme_follow).
 */
#include <assert.h>
#include <math.h>
#include <gsl/gsl_cdf.h>
#include "neobay.h"
#include "model.h"

/* A programme's constant description: programmes.def's row. */
typedef struct prog_row {
    int instr, select;
    unsigned stages, elig;
    int kind;
    int p_ticket, p_term, p_apply, p_reapply, p_noise, p_add, p_round, p_hazard, p_growth;
} prog_row;

static const prog_row prog_rows[NB_NPROG] = {
#define NB_PROG(id, instrument, sel, stg, elig, kind, en, zh)                              \
    {NB_I_##instrument, sel, stg, elig, kind, NB_P_prog_##id##_ticket, NB_P_prog_##id##_term, \
     NB_P_prog_##id##_apply, NB_P_prog_##id##_reapply, NB_P_prog_##id##_score_noise,          \
     NB_P_prog_##id##_additionality, NB_P_prog_##id##_round_mult,                             \
     NB_P_prog_##id##_hazard_mult, NB_P_prog_##id##_growth},
#include "programmes.def"
#undef NB_PROG
};

/* The follow-on parameters of contract rows (NB_CONTRACT lines), -1 elsewhere. */
typedef struct contract_row { int p_followon, p_lasting; } contract_row;

/* Contract parameters of programme g: its NB_CONTRACT line, or {-1, -1}. */
static contract_row contract_of(int g)
{
    contract_row c = {-1, -1};
#define NB_PROG(...)
#define NB_CONTRACT(id)                                                                    \
    if (g == NB_PG_##id) { c.p_followon = NB_P_prog_##id##_followon; c.p_lasting = NB_P_prog_##id##_lasting; }
#include "programmes.def"
#undef NB_CONTRACT
#undef NB_PROG
    return c;
}

/* The sector class of a firm in sector sec: NB_EL_COMPUTE for the compute-intensive
 * sectors (robotics, integrated circuits, AI and software), NB_EL_LAB for the
 * instrument-intensive ones (future energy, life sciences, advanced materials). */
static inline unsigned sector_class(int sec)
{
    assert(sec >= 0 && sec < NB_NSECTORS);
    return (sec == NB_SEC_ROBOTICS) | (sec == NB_SEC_IC) | (sec == NB_SEC_AI) ? NB_EL_COMPUTE : NB_EL_LAB;
}

/* The incorporation-multiplier parameter of project rows (NB_PROJECT lines), -1 elsewhere. */
static int project_of(int g)
{
#define NB_PROG(...)
#define NB_PROJECT(id) if (g == NB_PG_##id) return NB_P_prog_##id##_grad_mult;
#include "programmes.def"
#undef NB_PROJECT
#undef NB_PROG
    return -1;
}

/* The acquisition-multiplier parameter of NB_ACQUIRE rows, -1 elsewhere. */
static int acquire_of(int g)
{
#define NB_PROG(...)
#define NB_ACQUIRE(id) if (g == NB_PG_##id) return NB_P_prog_##id##_acquire_mult;
#include "programmes.def"
#undef NB_ACQUIRE
#undef NB_PROG
    return -1;
}

/* Whether instrument j pays a programme's awards (and so is booked as awarded). */
int programme_instrument(int j)
{
    for (int g = 0; g < NB_NPROG; g++)
        if (prog_rows[g].instr == j) return 1;
    return 0;
}

/* Whether a firm of class c (NB_ELIG: stage, young, high-tech, sector group) may
 * apply to programme row r. */
static int class_eligible(const prog_row *r, unsigned c)
{
    unsigned st = c & 3u, young = (c >> 2) & 1u, ht = (c >> 3) & 1u, lab = (c >> 4) & 1u;
    if (!(r->stages & (1u << st))) return 0;
    if ((r->elig & NB_EL_YOUNG) && !young) return 0;
    if ((r->elig & NB_EL_HIGHTECH) && !ht) return 0;
    if ((r->elig & (NB_EL_COMPUTE | NB_EL_LAB)) && !(r->elig & (lab ? NB_EL_LAB : NB_EL_COMPUTE)))
        return 0;
    return 1;
}

/* The month's mask of programmes with awards open to each firm class, so a firm
 * finds the programmes it may apply to with one look-up. */
static void programme_classes(nb_sim *s)
{
    nb_month *d = &s->d;
    for (unsigned c = 0; c < NB_ELIG_N; c++) {
        unsigned m = 0;
        for (int g = 0; g < NB_NPROG; g++)
            if (d->prog[g].awards > 0 && class_eligible(&prog_rows[g], c)) m |= 1u << g;
        d->prog_elig[c] = m;
    }
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
        int pg = project_of(g);
        pm->gradm = pg >= 0 ? nb_params_get(p, pg) : 1.0;
        int pq = acquire_of(g);
        pm->amult = pq >= 0 ? nb_params_get(p, pq) : 1.0;
        pm->contract = r->kind == NB_AW_CONTRACT;
        pm->crev = pm->followon = pm->lasting = 0.0;
        if (pm->contract) {
            contract_row c = contract_of(g);
            assert(c.p_followon >= 0 && pm->term > 0);
            double annual = 12.0 * pm->ticket / pm->term;    /* the contract's yearly value */
            pm->crev = annual * nb_params_get(p, r->p_add);  /* the new demand in it */
            pm->keep_cash = 0.0;       /* a contract is paid as revenue, not as cash */
            pm->followon = nb_params_get(p, c.p_followon);
            pm->lasting = annual * nb_params_get(p, c.p_lasting);
        }
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
    programme_classes(s);
}

/* Firm i (stage st, age in months) in step k: for each programme with money
 * this month that it is eligible for (the month's mask for its class), it may
 * apply, and may win an award while the month's money lasts.  Whether it applies
 * to programme g is word g of a SplitMix64 sequence seeded by one Philox block of
 * the firm and month (NB_RS_APPLY): applications are rare (a few percent a month),
 * so one block serves all programmes and only applicants draw their own
 * (NB_RS_PROG, block g: score noise, lottery).  Returns the number of awards won. */
int programme_consider(nb_sim *s, int k, int i, int st, int age, nb_flows *fl)
{
    nb_firms *f = &s->f;
    nb_zone *z = &s->z;
    const uint8_t fg = f->flags[i];
    unsigned c = NB_ELIG(st, age < (int)s->p.support_young_age, (fg & NB_FL_HIGHTECH) != 0,
                         sector_class(f->sector[i]) == NB_EL_LAB);
    unsigned m = s->d.prog_elig[c];
    if (!m) return 0;
    uint16_t *a = &f->award[NB_NPROG * i];
    /* words 0 and 1 of the firm's block NB_RS_APPLY of this month, drawn in bulk by firms_step */
    const uint64_t seed = (uint64_t)f->ua[i] << 32 | f->ub[i];
    int won = 0;
    for (; m; m &= m - 1) {
        int g = __builtin_ctz(m);
        const prog_row *r = &prog_rows[g];
        const nb_prog_month *pm = &s->d.prog[g];
        if (a[g] && k - (a[g] - 1) < pm->reapply) continue;
        if (nb_u01(nb_splitmix_word(seed, (uint32_t)g)) >= pm->apply) continue;
        /* an applicant: its score noise and lottery draw */
        nb_ctr w = nb_philox4x32(s->key, nb_rng_ctr(f->eid[i], (uint32_t)k, NB_RS_PROG, (uint32_t)g));
        double score = f->belief[i] + pm->noise * gsl_cdf_ugaussian_Pinv(nb_u01(w.v[1]));
        z->app[g].n += 1;
        z->app[g].s1 += score;
        z->app[g].s2 += score * score;
        int wins = r->select == NB_SEL_MERIT ? score >= pm->cut : nb_u01(w.v[2]) < pm->share;
        if (!wins || fl->awards[g] >= pm->awards) continue;
        a[g] = (uint16_t)(k + 1);
        f->cash[i] += (float)(pm->ticket * pm->keep_cash);
        fl->awards[g] += 1;
        sim_emit(s, NB_EV_AWARD, k, i, NB_INV_PUBLIC, pm->ticket, 0, 0, g);
        fl->spend[r->instr] += pm->ticket;
        z->awarded = 1;
        won++;
    }
    return won;
}

/* Firm i in step k: each contract programme in `ending` (a bit per programme, from
 * programme_held) whose term is over this month leaves a lasting customer with
 * probability followon (stream NB_RS_PROG, block NB_NPROG + g, apart from the
 * application draws): the firm's own revenue rises by `lasting`. */
void programme_follow(nb_sim *s, int k, int i, unsigned ending)
{
    nb_firms *f = &s->f;
    for (; ending; ending &= ending - 1) {
        int g = __builtin_ctz(ending);
        const nb_prog_month *pm = &s->d.prog[g];
        assert(pm->contract && g < NB_NPROG);
        nb_ctr w = nb_philox4x32(s->key, nb_rng_ctr(f->eid[i], (uint32_t)k, NB_RS_PROG,
                                                    (uint32_t)(NB_NPROG + g)));
        if (nb_u01(w.v[0]) < pm->followon) f->revenue[i] += (float)pm->lasting;
    }
}
