/* capital.c -- money into firms: the fund alliance, priced rounds, grant-to-equity,
 * tech credit, and exit proceeds (measures 4 and 13; see model/ODD.md).
 *
 * Accounting identities (checked by tests/test_sim.c every month):
 *   committed(t) = committed(t-1) + inflow + guidance * leverage + recycled proceeds
 *   dry powder   = called - deployed >= 0, called <= committed
 */
#include <assert.h>
#include <math.h>
#include <gsl/gsl_randist.h>
#include "neobay.h"
#include "model.h"

/* Report an event to the sink, if any. */
static void emit(nb_sim *s, int kind, int k, int i, int investor, double amount,
                 double pre, double value, int exit_kind)
{
    if (!s->sink || !s->sink->event || k <= s->m->n_hist) return;   /* history, time point 0 */
    nb_event ev = {kind, k - s->m->n_hist, s->f.eid[i], s->f.rounds[i], investor, exit_kind,
                   amount, pre, value};
    s->sink->event(s->sink->ud, s->rep, &ev);
}

/* The alliance's month: new commitments (private inflow and levered guidance-fund
 * money), capital calls, and the scarcity of dry powder for this month's rounds. */
void capital_alliance(nb_sim *s, nb_flows *fl)
{
    const nb_params *p = &s->p;
    nb_zone *z = &s->z;
    z->committed += p->alliance_inflow * s->d.cycle_round
                  + s->d.spend[NB_I_guidance_fund] * p->pol_guidance_leverage;
    z->called += p->alliance_call_rate * (z->committed - z->called);
    double dry = z->called - z->deployed;
    double avail = z->demand_prev > 0 ? fmin(1.0, dry / z->demand_prev) : 1.0;
    z->demand_prev = 0;
    s->d.round_avail = 1.0 - p->alliance_zone_share * (1.0 - avail);
    /* Scarce money also lowers prices, so rounds (a share of post-money) shrink too. */
    s->d.round_price = pow(s->d.round_avail, p->capital_price_elasticity);
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
    double want = p->alliance_zone_share * amount;
    double dry = s->z.called - s->z.deployed;
    s->z.deployed += fmin(want, fmax(0.0, dry));
    s->z.demand_prev += want;
    f->valuation[i] = (float)post;
    f->cash[i] += (float)amount;
    f->raised[i] += (float)amount;
    f->flags[i] |= NB_FL_FUNDED;
    if (f->rounds[i] < 255) f->rounds[i]++;
    fl->rounds += 1;
    fl->raised += amount;
    emit(s, NB_EV_ROUND, k, i, NB_INV_MARKET, amount, pre, post, 0);
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
    emit(s, NB_EV_GRANT, k, i, NB_INV_PUBLIC, ticket, pre, post, 0);
}

/* Tech credit: a firm out of cash borrows credit.loan_months of its burn while the
 * month's guaranteed pool lasts. */
void capital_credit(nb_sim *s, int k, int i, nb_flows *fl)
{
    const nb_params *p = &s->p;
    nb_firms *f = &s->f;
    double loan = p->credit_loan_months / 12.0 * cash_burn(p, f->stage[i]) - f->cash[i];
    if (loan <= 0 || loan > s->z.credit_left) return;
    s->z.credit_left -= loan;
    f->cash[i] += (float)loan;
    f->debt[i] += (float)loan;
    f->pay[i] += (float)(loan / p->credit_term_months);   /* equal principal parts */
    fl->loans += loan;
    emit(s, NB_EV_LOAN, k, i, NB_INV_BANK, loan, f->valuation[i], f->valuation[i], 0);
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
 * and the alliance alliance.zone_share of that; alliance.recycle of the proceeds is
 * recommitted and called at once. */
void capital_exit(nb_sim *s, int k, int i, int kind, double value, nb_flows *fl)
{
    const nb_params *p = &s->p;
    nb_firms *f = &s->f;
    double val = f->valuation[i];
    if (kind >= 0) capital_settle(s, i, kind, fl);
    if (kind < 0) emit(s, NB_EV_LISTING, k, i, NB_INV_MARKET, 0, val, value, 0);
    else emit(s, NB_EV_EXIT, k, i, NB_INV_MARKET, 0, val,
              kind == NB_EX_ACQUIRED ? value : kind == NB_EX_FAILED ? 0 : val, kind);
    /* No proceeds from failures and moves, for unfunded firms, or a second time for a
     * listed firm (booked at listing). */
    if (kind == NB_EX_FAILED || kind == NB_EX_RELOCATED || !(f->flags[i] & NB_FL_FUNDED)
        || (kind >= 0 && (f->flags[i] & NB_FL_LISTED)))
        return;
    double held = 1.0 - pow(1.0 - p->fund_dilution, f->rounds[i]);
    double proceeds = value * held * p->alliance_zone_share;
    double back = p->alliance_recycle * proceeds;
    s->z.committed += back;
    s->z.called += back;
    fl->distributions += proceeds;
}
