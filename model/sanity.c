/* sanity.c -- consistency checks of the firms, the zone and the month (sanity.h).
 *
 * Each check reads only; a broken invariant returns 0 at once, so the failing
 * assert in sim.c names the structure, and a debugger at that line shows the state.
 * Tolerances are relative and loose (float firm arrays summed in double): the
 * checks catch a broken identity, not rounding.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#define NB_SANITY_IMPL     /* the functions, not the constant 1 of a default build */
#include "sanity.h"

/* What nb_month_sanity carries from one month to the next. */
struct nb_sanity {
    uint32_t rep;
    int k;                      /* the month kept; -1: none */
    int n, cap;                 /* live firms of that month, in slot order */
    uint64_t *eid;
    uint8_t *stage;
    double debt, deployed;      /* the tally's loans outstanding; the alliance's deployed */
};

#define OK_NONNEG(x) (isfinite(x) && (x) >= 0)
#define OK_SHARE(x) ((x) >= 0 && (x) <= 1)          /* false for NaN too */

static int near(double a, double b, double scale)
{
    return fabs(a - b) <= 1e-3 * (1.0 + fabs(scale));
}

int nb_firms_sanity(const nb_firms *f)
{
    if (f->n < 0 || f->n > f->cap || f->dead < 0 || f->dead > f->n) return 0;
    int dead = 0;
    for (int i = 0; i < f->n; i++) {
        uint8_t fg = f->flags[i];
        if (fg & NB_FL_DEAD) {
            dead++;
            continue;
        }
        if (f->stage[i] >= NB_NSTAGES || f->origin[i] >= NB_NORIGINS || f->sector[i] >= NB_NSECTORS)
            return 0;
        if (!OK_NONNEG(f->revenue[i]) || !OK_NONNEG(f->valuation[i]) || !OK_NONNEG(f->raised[i])
            || !OK_NONNEG(f->debt[i]) || !isfinite(f->cash[i]) || !isfinite(f->quality[i]))
            return 0;
        if (f->stage[i] == NB_PRE && f->revenue[i] != 0) return 0;
        if (!(f->hmul[i] > 0) || !(f->gmul[i] > 0) || !(f->rmul[i] > 0) || !isfinite(f->hmul[i])
            || !isfinite(f->gmul[i]) || !isfinite(f->rmul[i]))
            return 0;
        if (!(f->prio[i] >= 0 && f->prio[i] < 1)) return 0;
    }
    return dead == f->dead;
}

int nb_zone_sanity(const nb_zone *z)
{
    const double tol = 1e-3 * (1.0 + z->committed);
    if (!OK_NONNEG(z->committed) || !OK_NONNEG(z->called) || !OK_NONNEG(z->deployed)) return 0;
    if (z->called > z->committed + tol || z->deployed > z->called + tol) return 0;
    /* The vintages: live ones in order, each with money in [0, commit]; their sums
     * reconcile with the cumulative flows. */
    if (z->v_n < 0 || z->v_n > NB_VINTAGES || z->v_first < 0 || z->v_first >= NB_VINTAGES) return 0;
    double uncalled = 0, dry = 0;
    for (int j = 0; j < z->v_n; j++) {
        const nb_vintage *v = &z->vint[(z->v_first + j) % NB_VINTAGES];
        if (!OK_NONNEG(v->uncalled) || !OK_NONNEG(v->dry) || v->uncalled > v->commit + tol) return 0;
        if (j > 0 && v->k0 <= z->vint[(z->v_first + j - 1) % NB_VINTAGES].k0) return 0;
        uncalled += v->uncalled;
        dry += v->dry;
    }
    if (!OK_NONNEG(z->lapsed) || !OK_NONNEG(z->returned)) return 0;
    if (fabs(z->called + z->lapsed + uncalled - z->committed) > tol) return 0;
    if (fabs(z->called - z->deployed - z->returned - dry) > tol) return 0;
    if (!(z->reform >= 0 && z->reform <= 1)) return 0;
    if (!(z->avail >= 0 && z->avail <= 1) || !OK_NONNEG(z->supply_q) || !OK_NONNEG(z->demand_q)) return 0;
    const double amounts[] = {z->spent_fund, z->cum_strategic, z->cum_space, z->incub_demand,
                              z->space_demand, z->hire_demand, z->separations, z->grant_demand,
                              z->n_leaders, z->demand_prev};
    for (size_t j = 0; j < sizeof amounts / sizeof amounts[0]; j++)
        if (!OK_NONNEG(amounts[j])) return 0;
    if (!(z->credit_left >= -tol) || !(z->guarantee_left >= 0)) return 0;     /* HUGE_VAL: no cap */
    if (!(z->wage > 0) || !(z->rent > 0) || !(z->cycle >= 0) || !isfinite(z->wage)
        || !isfinite(z->rent) || !isfinite(z->cycle))
        return 0;
    for (int r = 0; r < NB_RULES_MAX; r++)
        if (z->fired[r] < -1) return 0;
    return 1;
}

/* The month's derived quantities (policy_month). */
static int month_derived(const nb_month *d)
{
    const double shares[] = {d->h_firm, d->h_firm_incub, d->h_proj, d->h_proj_incub, d->h_move,
                             d->grad_p, d->grad_p_incub, d->grant_p, d->incub_share};
    for (size_t j = 0; j < sizeof shares / sizeof shares[0]; j++)
        if (!OK_SHARE(shares[j])) return 0;
    double prev = 0;
    for (int j = 0; j < 6; j++) {
        if (!OK_SHARE(d->sector_cdf[j]) || d->sector_cdf[j] < prev) return 0;
        prev = d->sector_cdf[j];
    }
    for (int j = 0; j < NB_NINSTR; j++)
        if (!OK_NONNEG(d->spend[j])) return 0;
    for (int j = 0; j <= NB_NORIGINS; j++)
        if (!OK_NONNEG(d->rate[j])) return 0;
    return OK_NONNEG(d->acq_base) && OK_NONNEG(d->places) && OK_NONNEG(d->credit_pool)
        && OK_NONNEG(d->per_head) && OK_NONNEG(d->team);
}

/* The month's flows: counts and amounts, none negative. */
static int month_flows(const nb_flows *fl)
{
    double out = 0, out_age = 0;
    for (int j = 0; j < NB_NORIGINS; j++)
        if (!OK_NONNEG(fl->entries[j])) return 0;
    for (int j = 0; j < 3; j++) {
        if (!OK_NONNEG(fl->exits[j])) return 0;
        out += fl->exits[j];
    }
    for (int a = 0; a < NB_NAGES; a++) {
        if (!OK_NONNEG(fl->exits_age[a])) return 0;
        out_age += fl->exits_age[a];
    }
    for (int j = 0; j < NB_NINSTR; j++)
        if (!OK_NONNEG(fl->spend[j])) return 0;
    return out_age <= out && OK_NONNEG(fl->rounds) && OK_NONNEG(fl->raised)
        && OK_NONNEG(fl->loans) && OK_NONNEG(fl->grants) && OK_NONNEG(fl->annexed)
        && OK_NONNEG(fl->graduations) && OK_NONNEG(fl->abandoned) && OK_NONNEG(fl->repaid)
        && OK_NONNEG(fl->defaulted) && OK_NONNEG(fl->distributions);
}

/* The tally against a recount of the counted live firms. */
static int month_tally(const nb_sim *s, const nb_tally *t)
{
    const nb_firms *f = &s->f;
    int stage[NB_NSTAGES] = {0};
    double debt = 0;
    for (int i = 0; i < f->n; i++) {
        uint8_t fg = f->flags[i];
        if ((fg & NB_FL_DEAD) || ((fg & NB_FL_OUTER) && !s->d.outer_in)) continue;
        stage[f->stage[i]]++;
        debt += f->debt[i];
    }
    int firms = 0, ages = 0;
    for (int st = 0; st < NB_NSTAGES; st++) {
        if (stage[st] != t->stage[st]) return 0;
        firms += st != NB_PRE ? stage[st] : 0;
    }
    for (int a = 0; a < NB_NAGES; a++) ages += t->age[a];
    return ages == firms && near(debt, t->debt, t->debt) && t->v1e9 <= t->v1e8
        && t->listed <= firms && t->gazelles <= firms + stage[NB_PRE];
}

/* Against the month kept: stages only rise, loans outstanding and deployed money. */
static int month_lookback(const nb_sanity *st, const nb_sim *s, const nb_flows *fl, const nb_tally *t)
{
    const nb_firms *f = &s->f;
    int j = 0;
    for (int i = 0; i < f->n && j < st->n; i++) {
        if (f->flags[i] & NB_FL_DEAD) continue;
        /* Slots keep their order (compaction) and entrants are appended, so the
         * surviving firms of the month kept come in the same order. */
        int at = j;
        while (at < st->n && st->eid[at] != f->eid[i]) at++;
        if (at == st->n) break;                     /* an entrant: the rest are new */
        if (f->stage[i] < st->stage[at]) return 0;
        j = at + 1;
    }
    double lent = t->debt - st->debt, moved = fl->loans - fl->repaid - fl->defaulted;
    return near(lent, moved, st->debt + t->debt) && s->z.deployed >= st->deployed - 1e-6 * (1 + st->deployed);
}

/* Keep this month's live firms and loans for the next month's look-back. */
static void month_keep(nb_sanity *st, const nb_sim *s, int k, const nb_tally *t)
{
    const nb_firms *f = &s->f;
    if (f->n > st->cap) {
        uint64_t *eid = realloc(st->eid, (size_t)f->n * sizeof *eid);
        if (eid) st->eid = eid;
        uint8_t *stage = realloc(st->stage, (size_t)f->n);
        if (stage) st->stage = stage;
        if (!eid || !stage) {
            st->k = -1;                             /* nothing kept: skip a month */
            return;
        }
        st->cap = f->n;
    }
    st->n = 0;
    for (int i = 0; i < f->n; i++) {
        if (f->flags[i] & NB_FL_DEAD) continue;
        st->eid[st->n] = f->eid[i];
        st->stage[st->n++] = f->stage[i];
    }
    st->rep = s->rep;
    st->k = k;
    st->debt = t->debt;
    st->deployed = s->z.deployed;
}

int nb_month_sanity(nb_sim *s, int k, const nb_flows *fl, const nb_tally *t)
{
    if (!month_derived(&s->d) || !month_flows(fl) || !month_tally(s, t)) return 0;
    if (!s->sanity) {
        s->sanity = calloc(1, sizeof *s->sanity);
        if (!s->sanity) return 1;
        s->sanity->k = -1;
    }
    nb_sanity *st = s->sanity;
    if (k > 0 && st->k == k - 1 && st->rep == s->rep && !month_lookback(st, s, fl, t)) return 0;
    month_keep(st, s, k, t);
    return 1;
}

void nb_sanity_free(nb_sanity *st)
{
    if (!st) return;
    free(st->eid);
    free(st->stage);
    free(st);
}
