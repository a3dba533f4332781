/* capital.c -- money into firms: the fund alliance, priced rounds, grant-to-equity,
 * tech credit, and exit proceeds (measures 4 and 13; see model/ODD.md).
 *
 * The alliance is a ring of yearly vintages (nb_vintage): each calls its
 * commitments over alliance.invest_period, after which the uncalled rest lapses,
 * and returns its uninvested money at alliance.fund_life.  Rounds are cleared
 * quarterly against the dry powder.
 *
 * Accounting identities (checked by tests/test_sim.c every month, and by
 * nb_zone_sanity at every step in sanitizer builds):
 *   committed(t) = committed(t-1) + inflow + guidance * leverage + recycled proceeds
 *   dry powder   = sum of the vintages' dry = called - deployed - returned >= 0
 *   called + lapsed + uncalled of live vintages = committed
 */
#include <assert.h>
#include <math.h>
#include <gsl/gsl_randist.h>
#include "neobay.h"
#include "model.h"

/* Vintage j of the live ring (0 = the oldest). */
static nb_vintage *vintage_at(nb_zone *z, int j)
{
    assert(j >= 0 && j < z->v_n);
    return &z->vint[(z->v_first + j) % NB_VINTAGES];
}

/* Commit `amount` to the alliance in step k, to the vintage of k's calendar year
 * (opened in its January, or at the first commitment); recycled money is called at
 * once (called), new money waits for capital calls. */
static void alliance_commit(nb_sim *s, int k, double amount, int called)
{
    nb_zone *z = &s->z;
    int january = (s->m->origin + k) % 12 == 0;
    if (z->v_n == 0 || (january && vintage_at(z, z->v_n - 1)->k0 != k)) {
        assert(z->v_n < NB_VINTAGES);
        z->vint[(z->v_first + z->v_n++) % NB_VINTAGES] = (nb_vintage){0, 0, 0, k};
    }
    nb_vintage *v = vintage_at(z, z->v_n - 1);
    v->commit += amount;
    z->committed += amount;
    if (called) { v->dry += amount; z->called += amount; }
    else v->uncalled += amount;
}

/* The alliance's founding commitment (alliance.initial) at run.origin. */
void capital_start(nb_sim *s)
{
    alliance_commit(s, 0, s->p.alliance_initial, 0);
}

/* Each vintage's month: capital calls while it invests, its uncalled commitment
 * lapsing when its investment period ends, and its dry powder returned to its
 * investors at the end of its life (the oldest vintages leave the ring).  Returns
 * the month's calls. */
static double alliance_vintages(nb_sim *s, int k)
{
    const nb_params *p = &s->p;
    nb_zone *z = &s->z;
    double calls = 0;
    for (int j = 0; j < z->v_n; j++) {
        nb_vintage *v = vintage_at(z, j);
        if (k - v->k0 < p->alliance_invest_period) {
            double c = p->alliance_call_rate * v->uncalled;
            v->uncalled -= c;
            v->dry += c;
            calls += c;
        } else {
            z->lapsed += v->uncalled;
            v->uncalled = 0;
        }
    }
    z->called += calls;
    while (z->v_n > 0 && k - vintage_at(z, 0)->k0 >= p->alliance_fund_life) {
        nb_vintage *v = vintage_at(z, 0);
        z->lapsed += v->uncalled;
        z->returned += v->dry;
        z->v_first = (z->v_first + 1) % NB_VINTAGES;
        z->v_n--;
    }
    return calls;
}

/* The alliance's dry powder: money called by live vintages and not yet invested. */
double capital_dry_powder(const nb_zone *z)
{
    double dry = 0;
    for (int j = 0; j < z->v_n; j++) dry += z->vint[(z->v_first + j) % NB_VINTAGES].dry;
    return dry;
}

/* The alliance's month k: new commitments (private inflow and levered guidance-fund
 * money) and recycled proceeds, the vintages' calls, lapses and returns, and -- in
 * the first month of each quarter -- the clearing of the quarter's market: the
 * money the alliance can invest this quarter (dry powder now plus two more months of
 * calls) against what the zone's rounds asked of it last quarter sets how scarce
 * money is for this quarter's rounds. */
void capital_alliance(nb_sim *s, int k)
{
    const nb_params *p = &s->p;
    nb_zone *z = &s->z;
    /* Realised returns come back as commitments with a lag: a share
     * 1/alliance.recycle_lag of the proceeds awaiting recommitment each month. */
    double back = z->pending / p->alliance_recycle_lag;
    z->pending -= back;
    alliance_commit(s, k, p->alliance_inflow * s->d.cycle_round
                          + s->d.spend[NB_I_guidance_fund] * p->pol_guidance_leverage, 0);
    if (back > 0) alliance_commit(s, k, back, 1);
    double calls = alliance_vintages(s, k);
    if ((s->m->origin + k) % 3 == 0 || k == 1) {
        z->supply_q = capital_dry_powder(z) + 2.0 * (calls + back);
        z->demand_prev = z->demand_q;
        z->demand_q = 0;
        z->avail = z->demand_prev > 0 ? fmin(1.0, z->supply_q / z->demand_prev) : 1.0;
    }
    s->d.round_avail = 1.0 - p->alliance_zone_share * (1.0 - z->avail);
    /* Scarce money also lowers prices, so rounds (a share of post-money) shrink too. */
    s->d.round_price = pow(s->d.round_avail, p->capital_price_elasticity);
}

/* Invest up to `want` of the alliance's dry powder in a round, oldest vintage first
 * (reserves of funds past their investment period go to follow-ons before younger
 * funds' money); returns what was invested. */
static double alliance_invest(nb_zone *z, double want)
{
    double got = 0;
    for (int j = 0; j < z->v_n && got < want; j++) {
        nb_vintage *v = vintage_at(z, j);
        double x = fmin(v->dry, want - got);
        v->dry -= x;
        got += x;
    }
    z->deployed += got;
    z->demand_q += want;
    return got;
}

/* A priced round for firm i in month k: the post-money valuation steps up from the
 * last valuation blended (funding.price_on_fundamentals) with revenue x the listed
 * comparables multiple, times a log-normal step-up; the round sells
 * funding.dilution of the firm; the alliance takes its share from dry powder. */
void capital_round(nb_sim *s, int k, int i, nb_flows *fl)
{
    const nb_params *p = &s->p;
    nb_firms *f = &s->f;
    nb_rng_stream(s->r, s->key, nb_rng_ctr(f->eid[i], (uint32_t)k, NB_RS_ROUND, 0));
    double post, pre = f->valuation[i];
    if (!(f->flags[i] & NB_FL_FUNDED))
        post = p->fund_seed_valuation * f->rmul[i] * gsl_ran_lognormal(s->r, 0.0, p->fund_seed_spread);
    else {
        /* Investors price on performance: the step-up from the marked valuation
         * shrinks as it runs ahead of the firm's fundamental value (revenue x
         * multiple), and turns into a down round far above it. */
        double fund = fmax(f->revenue[i] * s->d.comp, 1.0);
        post = pre * pow(fund / fmax(pre, 1.0), p->fund_price_on_fundamentals)
             * gsl_ran_lognormal(s->r, log(p->fund_step_up), p->fund_step_spread);
    }
    post *= s->d.cycle_price * s->d.round_price;   /* money chasing deals, or scarce */
    double amount = p->fund_dilution * post;
    alliance_invest(&s->z, p->alliance_zone_share * amount);
    f->valuation[i] = (float)post;
    f->cash[i] += (float)amount;
    f->raised[i] += (float)amount;
    f->flags[i] |= NB_FL_FUNDED;
    if (f->rounds[i] < 255) f->rounds[i]++;
    fl->rounds += 1;
    fl->raised += amount;
    sim_emit(s, NB_EV_ROUND, k, i, NB_INV_MARKET, amount, pre, post, 0);
}

/* Grant-to-equity (拨投结合): a public seed investment of policy.grant_ticket in an
 * unfunded start-up, at a post-money of ticket / funding.dilution. */
void capital_grant(nb_sim *s, int k, int i, nb_flows *fl)
{
    const nb_params *p = &s->p;
    nb_firms *f = &s->f;
    double ticket = p->pol_grant_ticket, pre = f->valuation[i];
    if (fl->spend[NB_I_grant_equity] + ticket > s->d.spend[NB_I_grant_equity] + 1e-6) return;
    double post = fmax(pre + ticket, ticket / p->fund_dilution);
    f->valuation[i] = (float)post;
    f->cash[i] += (float)ticket;
    f->raised[i] += (float)ticket;
    f->flags[i] |= NB_FL_FUNDED;        /* public stake: not a market round */
    fl->grants += 1;
    fl->raised += ticket;
    fl->spend[NB_I_grant_equity] += ticket;
    sim_emit(s, NB_EV_GRANT, k, i, NB_INV_PUBLIC, ticket, pre, post, 0);
}

/* Tech credit: a firm out of cash borrows credit.loan_months of its burn while the
 * month's guaranteed pool lasts, if the bank's underwriting passes: its debt, the
 * loan included, within credit.max_debt_revenue years of its revenue (banks size
 * working-capital loans on sales, so a firm without revenue gets none). */
void capital_credit(nb_sim *s, int k, int i, nb_flows *fl)
{
    const nb_params *p = &s->p;
    nb_firms *f = &s->f;
    double loan = p->credit_loan_months / 12.0 * cash_burn(p, f->stage[i]) - f->cash[i];
    if (loan <= 0 || loan > s->z.credit_left) return;
    if (f->debt[i] + loan > p->credit_max_debt_revenue * f->revenue[i]) return;
    s->z.credit_left -= loan;
    f->cash[i] += (float)loan;
    f->debt[i] += (float)loan;
    f->pay[i] += (float)(loan / p->credit_term_months);   /* equal principal parts */
    fl->loans += loan;
    sim_emit(s, NB_EV_LOAN, k, i, NB_INV_BANK, loan, f->valuation[i], f->valuation[i], 0);
}

/* Firm i's month of debt service: interest on the balance and the loans' fixed
 * principal instalment (each loan repaid in credit.term_months equal parts) from
 * cash, which may push it into distress. */
void capital_service(nb_sim *s, int i, nb_flows *fl)
{
    const nb_params *p = &s->p;
    nb_firms *f = &s->f;
    double debt = f->debt[i], part = fmin(debt, f->pay[i]);
    assert(f->pay[i] > 0);
    f->cash[i] -= (float)(part + debt * p->credit_rate / 12.0);
    f->debt[i] = (float)(debt - part);
    if (f->debt[i] < 1.0f) { part += f->debt[i]; f->debt[i] = 0; f->pay[i] = 0; }
    fl->repaid += part;
}

/* Firm i leaves owing its debt: repaid in full by an acquirer or on moving out,
 * defaulted on failure -- the guarantee fund then pays its share of the loss after
 * recovery, booked as tech-credit spending of the special fund. */
static void capital_settle(nb_sim *s, int i, int kind, nb_flows *fl)
{
    const nb_params *p = &s->p;
    double debt = s->f.debt[i];
    if (debt <= 0) return;
    if (kind == NB_EX_FAILED) {
        fl->defaulted += debt;
        double pay = fmin(debt * (1.0 - p->credit_recovery) * p->credit_guarantee_share,
                          s->z.guarantee_left);
        s->z.guarantee_left -= pay;
        fl->spend[NB_I_tech_credit] += pay;
    } else {
        fl->repaid += debt;
    }
    s->f.debt[i] = 0;
    s->f.pay[i] = 0;
}

/* A firm leaves (kind: nb_exit_kind) or lists (kind < 0) at `value` (the price of
 * an acquisition, the valuation at listing; ignored for failures and moves).
 * Acquisitions and listings return the alliance's share of the value: market
 * investors hold 1-(1-dilution)^rounds of the firm (rounds counts market rounds only)
 * and the alliance alliance.zone_share of that; alliance.recycle of the proceeds
 * waits to be recommitted (and called at once) over alliance.recycle_lag months. */
void capital_exit(nb_sim *s, int k, int i, int kind, double value, nb_flows *fl)
{
    const nb_params *p = &s->p;
    nb_firms *f = &s->f;
    double val = f->valuation[i];
    if (kind >= 0) capital_settle(s, i, kind, fl);
    if (kind < 0) sim_emit(s, NB_EV_LISTING, k, i, NB_INV_MARKET, 0, val, value, 0);
    else sim_emit(s, NB_EV_EXIT, k, i, NB_INV_MARKET, 0, val,
              kind == NB_EX_ACQUIRED ? value : kind == NB_EX_FAILED ? 0 : val, kind);
    /* No proceeds from failures and moves, for unfunded firms, or a second time for a
     * listed firm (booked at listing). */
    if (kind == NB_EX_FAILED || kind == NB_EX_RELOCATED || !(f->flags[i] & NB_FL_FUNDED)
        || (kind >= 0 && (f->flags[i] & NB_FL_LISTED)))
        return;
    double held = 1.0 - pow(1.0 - p->fund_dilution, f->rounds[i]);
    double proceeds = value * held * p->alliance_zone_share;
    s->z.pending += p->alliance_recycle * proceeds;   /* recommitted with a lag */
    fl->distributions += proceeds;
}
