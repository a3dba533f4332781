/* sim.c -- one replicate of the model: the process schedule (see model/ODD.md).
 *
 * Every run starts at run.origin (2015) with the founding population (step 0) and
 * simulates each month to run.end; steps before run.start are the history (kept in
 * nb_results.hist when asked), step run.start is time point 0.  Each later month k:
 *   1. policy_month     the month's parameters (schedules, fired rules), budgets
 *                       under the special fund, and every derived rate
 *   1b entry_annex      at zone.expand only: the wider area's live firms join the counts
 *   2. firms_january    in January, before the firms move: gazelle status from the
 *                       December revenues, and the revenue snapshots
 *   2b capital_alliance commitments into the year's vintage, calls, lapses and
 *                       returns; each quarter, the scarcity of dry powder
 *   3. firms_step       each project: abandonment or incorporation; each firm: exit
 *                       (and, in its own month of the year, the yearly review: the
 *                       year's growth draw and the quality signal), cash, debt
 *                       service, growth, valuation marks, stage, certification,
 *                       credit, round / grant / listing, distress; each survivor is
 *                       tallied for the month's metrics as it passes
 *   4. entry_step       new firms (tallied too; their first step is next month)
 *   5. record           the metrics, and the zone's queues and counts for next month
 * Exited firms are flagged and skipped; their slots are compacted away when they
 * exceed a quarter of the arrays.
 * Every random number comes from Philox keyed by (seed, replicate) with a counter of
 * (firm identity, month, purpose): see rng.h, so draws never depend on slot order.
 * Scarce pools handed out within a month (grant-to-equity tickets, the credit pool,
 * dry powder) go first come in slot order, which is fixed (older firms first).
 */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cdf.h>
#include "neobay.h"
#include "model.h"
#include "sanity.h"

/* Tabulate the monthly noise factor exp(mu + sd*z(u)) at u = j/NB_ZTAB from GSL's
 * normal quantile (growth.drift and growth.volatility are not schedulable; the
 * drift itself enters through each firm's yearly multiplier, so mu is 0 here). */
static void growth_tabulate(nb_model *m)
{
    const nb_params *p = &m->p[0];
    m->gmu = 0.0;
    m->gsd = p->growth_volatility / sqrt(12.0);
    for (int j = 1; j < NB_ZTAB; j++)
        m->gtab[j] = (float)exp(m->gmu + m->gsd * gsl_cdf_ugaussian_Pinv((double)j / NB_ZTAB));
    m->gtab[0] = m->gtab[1];
    m->gtab[NB_ZTAB] = m->gtab[NB_ZTAB - 1];
}

/* Quantile at u of the Subbotin (exponential power) law of shape b, scaled to unit
 * variance: bisection on GSL's CDF (GSL has no inverse for it). */
static double subbotin_quantile(double u, double b)
{
    double a = sqrt(exp(lgamma(1.0 / b) - lgamma(3.0 / b)));   /* Var = a^2 G(3/b)/G(1/b) */
    double lo = -60.0, hi = 60.0;
    for (int it = 0; it < 200 && hi - lo > 1e-12; it++) {
        double mid = 0.5 * (lo + hi);
        if (gsl_cdf_exppow_P(mid, a, b) < u) lo = mid; else hi = mid;
    }
    return 0.5 * (lo + hi);
}

/* Tabulate the yearly shock's standardised quantile at u = j/NB_ZTAB; the end
 * points are the quantiles at a quarter bin in, so the tails stay finite. */
static void shock_tabulate(nb_model *m)
{
    double b = m->p[0].growth_shock_shape;
    for (int j = 0; j <= NB_ZTAB; j++) {
        double u = j == 0 ? 0.25 / NB_ZTAB : j == NB_ZTAB ? 1.0 - 0.25 / NB_ZTAB : (double)j / NB_ZTAB;
        m->stab[j] = (float)subbotin_quantile(u, b);
    }
}

nb_model *nb_model_alloc(const nb_paramset *ps)
{
    nb_model *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->origin = nb_paramset_origin(ps);
    m->start = nb_paramset_start(ps);
    m->n_time = nb_paramset_months(ps);
    m->n_hist = m->start - m->origin;
    m->n_all = m->n_hist + m->n_time;
    m->expand = (int)ps->p[NB_P_zone_expand].value[0] - m->origin;
    assert(m->n_time >= 1 && m->n_hist >= 0 && ps->n_rules <= NB_RULES_MAX);
    m->seed = (uint32_t)ps->p[NB_P_run_seed].value[0];
    m->p = malloc((size_t)m->n_all * sizeof *m->p);
    if (!m->p) { nb_model_free(m); return NULL; }
    nb_paramset_table_run(ps, m->n_all, m->p);
    m->rules.n_rules = ps->n_rules;
    memcpy(m->rules.rules, ps->rules, sizeof ps->rules);
    growth_tabulate(m);
    shock_tabulate(m);
    return m;
}

void nb_model_free(nb_model *m)
{
    if (!m) return;
    free(m->p);
    free(m);
}

int nb_model_start(const nb_model *m) { return m->start; }
int nb_model_n_time(const nb_model *m) { return m->n_time; }
int nb_model_origin(const nb_model *m) { return m->origin; }
int nb_model_n_hist(const nb_model *m) { return m->n_hist; }
uint32_t nb_model_seed(const nb_model *m) { return m->seed; }
const nb_params *nb_model_params(const nb_model *m, int k)
{
    assert(k >= 0 && k < m->n_time);
    return &m->p[m->n_hist + k];
}

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
    nb_sanity_free(s->sanity);
    gsl_rng_free(s->r);
    free(s);
}

void nb_sim_set_sink(nb_sim *s, const nb_event_sink *sink) { s->sink = sink; }

uint64_t nb_sim_firm_steps(const nb_sim *s) { return s->firm_steps + s->hist_steps; }
uint64_t nb_sim_hist_steps(const nb_sim *s) { return s->hist_steps; }

/* Carry the tally's queues and market sizes into next month's zone state. */
static void record_queues(nb_zone *z, const nb_tally *t)
{
    z->incub_demand = t->incub_demand;
    z->space_demand = t->space_demand;
    z->grant_demand = t->grant_demand;
    z->list_demand = t->list_demand;
    memcpy(z->app_prev, z->app, sizeof z->app);
    memset(z->app, 0, sizeof z->app);
    z->n_leaders = t->stage[NB_LEADER];
    z->n_firms = t->stage[NB_STARTUP] + t->stage[NB_BACKBONE] + t->stage[NB_LEADER];
    z->hire_demand = t->hire_demand;
    z->separations = t->separations;
}

/* Write the metrics of step k into s->last and into row `rep` of res: the history
 * (when res keeps it) before m->n_hist, time point k - n_hist from there. */
static void record(nb_sim *s, const nb_model *m, int k, const nb_flows *fl, const nb_tally *t,
                   nb_results *res)
{
    double *v = s->last;
    memset(v, 0, sizeof s->last);
    record_queues(&s->z, t);
    const nb_zone *z = &s->z;
    for (int st = 0; st < NB_NSTAGES; st++) v[NB_M_projects + st] = t->stage[st];
    v[NB_M_firms] = t->stage[NB_STARTUP] + t->stage[NB_BACKBONE] + t->stage[NB_LEADER];
    for (int a = 0; a < NB_NAGES; a++) {
        v[NB_M_firms_age1 + 2 * a] = t->age[a];
        v[NB_M_exits_age1 + 2 * a] = fl->exits_age[a];
    }
    v[NB_M_valued_1e8] = t->v1e8;
    v[NB_M_valued_1e9] = t->v1e9;
    v[NB_M_gazelles] = t->gazelles;
    v[NB_M_unicorns] = t->unicorns;
    v[NB_M_listed] = t->listed;
    v[NB_M_hightech] = t->hightech;
    v[NB_M_employees] = t->employees;
    v[NB_M_revenue] = t->revenue;
    v[NB_M_valuation] = t->valuation;
    v[NB_M_out_of_cash] = t->no_cash;
    v[NB_M_firms_future] = t->future;
    v[NB_M_incubated] = t->incubated;
    v[NB_M_list_members] = t->list_members;
    v[NB_M_no_space] = fmax(0.0, t->space_demand - floor(s->d.places));
    v[NB_M_rnd] = s->p.growth_rnd_intensity * t->revenue;
    v[NB_M_entries_spinoff] = fl->entries[NB_OR_SPINOFF];
    v[NB_M_entries_relocation] = fl->entries[NB_OR_RELOCATION];
    v[NB_M_entries_other] = fl->entries[NB_OR_OTHER];
    v[NB_M_entries_annexed] = fl->annexed;
    v[NB_M_graduations] = fl->graduations;
    v[NB_M_projects_abandoned] = fl->abandoned;
    v[NB_M_exits_failed] = fl->exits[NB_EX_FAILED];
    v[NB_M_exits_acquired] = fl->exits[NB_EX_ACQUIRED];
    v[NB_M_exits_relocated] = fl->exits[NB_EX_RELOCATED];
    v[NB_M_rounds] = fl->rounds;
    v[NB_M_capital_raised] = fl->raised;
    v[NB_M_alliance_committed] = z->committed;
    v[NB_M_alliance_deployed] = z->deployed;
    v[NB_M_alliance_dry_powder] = capital_dry_powder(z);
    v[NB_M_alliance_distributions] = fl->distributions;
    v[NB_M_tech_results] = fl->results;
    v[NB_M_loans] = fl->loans;
    v[NB_M_grants_equity] = fl->grants;
    v[NB_M_loans_repaid] = fl->repaid;
    v[NB_M_loans_defaulted] = fl->defaulted;
    v[NB_M_loans_outstanding] = t->debt;
    v[NB_M_wage_index] = z->wage;
    v[NB_M_rent_index] = z->rent;
    v[NB_M_capital_cycle] = z->cycle;
    double total = 0;
    for (int j = 0; j < NB_NINSTR; j++) {
        v[NB_M_spend_strategic_forces + j] = fl->spend[j];
        total += fl->spend[j];
    }
    v[NB_M_public_spend] = total;
    static const int app_metric[NB_NPROG] = {
#define NB_PROG(id, ...) NB_M_applicants_##id,
#include "programmes.def"
#undef NB_PROG
    };
    for (int g = 0; g < NB_NPROG; g++) {
        v[app_metric[g]] = z->app_prev[g].n;   /* this month's, moved by record_queues */
        v[app_metric[g] + 1] = fl->awards[g];  /* awards_<id> follows applicants_<id> (metrics.def) */
    }
    if (s->d.reporting) s->z.spent_fund += total - fl->spend[NB_I_guidance_fund];
    if (k >= m->n_hist) {
        /* Time point 0 is a state: its month's flows belong to the history. */
        for (int j = 0; j < NB_NMETRICS; j++)
            nb_results_row(res, j, (int)s->rep)[k - m->n_hist] =
                k == m->n_hist && nb_metrics[j].kind == NB_FLOW ? 0.0 : v[j];
    } else if (res->hist && k < res->n_hist) {
        for (int j = 0; j < NB_NMETRICS; j++) nb_results_hrow(res, j, (int)s->rep)[k] = v[j];
    }
}

/* Report an event of firm i at step k to the sink, if any (reported steps only). */
void sim_emit(nb_sim *s, int kind, int k, int i, int investor, double amount,
              double pre, double value, int exit_kind)
{
    if (!s->sink || !s->sink->event || k <= s->m->n_hist) return;   /* history, time point 0 */
    nb_event ev = {kind, k - s->m->n_hist, s->f.eid[i], s->f.rounds[i], investor, exit_kind,
                   amount, pre, value};
    s->sink->event(s->sink->ud, s->rep, &ev);
}

/* Hand the population at step k to the sink's panel, when it asks for it
 * (compacted first, so the sink sees live firms only): reported time points only. */
static void panel(nb_sim *s, const nb_model *m, int k)
{
    const nb_event_sink *sk = s->sink;
    int kr = k - m->n_hist, last = k == m->n_all - 1;
    if (kr < 0 || !sk || !sk->panel || sk->panel_every <= 0) return;
    if (kr % sk->panel_every == 0 || last) {
        if (s->f.dead) nb_firms_compact(&s->f);
        sk->panel(sk->ud, s->rep, kr, &s->f);
    }
}

/* Reset the replicate's state and build the founding population (step 0). */
static int sim_start(const nb_model *m, nb_sim *s, uint32_t rep, nb_flows *fl)
{
    s->rep = rep;
    s->m = m;
    s->key = nb_rng_key(m->seed, rep);
    s->firm_steps = s->hist_steps = 0;
    memset(&s->z, 0, sizeof s->z);
    s->z.wage = s->z.rent = 1.0;
    for (int r = 0; r < NB_RULES_MAX; r++) s->z.fired[r] = -1;
    memset(fl, 0, sizeof *fl);
    policy_month(s, m, 0, fl);
    s->z.avail = 1.0;
    capital_start(s);
    return entry_initial(s, m);
}

int nb_sim_run(const nb_model *m, nb_sim *s, uint32_t rep, nb_results *res)
{
    assert(res->n_time == m->n_time && (int)rep < res->n_rep);
    nb_flows fl;
    nb_tally t;
    if (sim_start(m, s, rep, &fl) != NB_OK) return NB_ENOMEM;
    memset(&t, 0, sizeof t);
    for (int i = 0; i < s->f.n; i++)
        if (!(s->f.flags[i] & NB_FL_OUTER) || s->d.outer_in) tally_firm(s, &t, i, 0);
    record(s, m, 0, &fl, &t, res);
    assert(nb_firms_sanity(&s->f));
    assert(nb_zone_sanity(&s->z));
    assert(nb_month_sanity(s, 0, &fl, &t));
    panel(s, m, 0);
    for (int k = 1; k < m->n_all; k++) {
        memset(&fl, 0, sizeof fl);
        memset(&t, 0, sizeof t);
        policy_month(s, m, k, &fl);
        if (k == m->expand) entry_annex(s, &fl);
        if ((m->origin + k) % 12 == 0) firms_january(s, k);
        capital_alliance(s, k);
        firms_step(s, m, k, &fl, &t);
        if (s->f.dead > s->f.n / 4) nb_firms_compact(&s->f);
        if (entry_step(s, m, k, &fl, &t) != NB_OK) return NB_ENOMEM;
        record(s, m, k, &fl, &t, res);
        assert(nb_firms_sanity(&s->f));
        assert(nb_zone_sanity(&s->z));
        assert(nb_month_sanity(s, k, &fl, &t));
        panel(s, m, k);
    }
    return NB_OK;
}
