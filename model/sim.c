/* sim.c -- one replicate of the model: the process schedule (see model/ODD.md).
 *
 * Time point 0 is the initial population, recorded as is.  Each later month k:
 *   1. policy_month     the month's parameters (schedules, fired rules), budgets
 *                       under the special fund, and every derived rate
 *   2. firms_january    in January, before the firms move: gazelle status from the
 *                       December revenues, and the revenue snapshots
 *   2b capital_alliance commitments, calls, scarcity of dry powder
 *   3. firms_step       each firm: exit, cash, graduation, (in its own month of the
 *                       year: size effect, valuation reversion), growth, stage,
 *                       certification, credit, round / grant / listing; each
 *                       survivor is tallied for the month's metrics as it passes
 *   4. entry_step       new firms (tallied too; their first step is next month)
 *   5. record           the metrics, and the zone's queues for next month
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

/* Tabulate the monthly growth factor exp(mu + sd*z(u)) at u = j/NB_ZTAB from GSL's
 * normal quantile (growth.drift and growth.volatility are not schedulable). */
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
    assert(m->n_time >= 1 && ps->n_rules <= NB_RULES_MAX);
    m->seed = (uint32_t)ps->p[NB_P_run_seed].value[0];
    m->p = malloc((size_t)m->n_time * sizeof *m->p);
    if (!m->p) { nb_model_free(m); return NULL; }
    nb_paramset_table(ps, m->start, m->n_time, m->p);
    m->rules.n_rules = ps->n_rules;
    memcpy(m->rules.rules, ps->rules, sizeof ps->rules);
    growth_tabulate(m);
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
uint32_t nb_model_seed(const nb_model *m) { return m->seed; }
const nb_params *nb_model_params(const nb_model *m, int k)
{
    assert(k >= 0 && k < m->n_time);
    return &m->p[k];
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
    gsl_rng_free(s->r);
    free(s);
}

void nb_sim_set_sink(nb_sim *s, const nb_event_sink *sink) { s->sink = sink; }

uint64_t nb_sim_firm_steps(const nb_sim *s) { return s->firm_steps; }

/* Carry the tally's queues and market sizes into next month's zone state. */
static void record_queues(nb_zone *z, const nb_tally *t)
{
    z->incub_demand = t->incub_demand;
    z->space_demand = t->space_demand;
    z->grant_demand = t->grant_demand;
    z->proc_base = t->proc_base;
    z->ovs_base = t->ovs_base;
    z->n_leaders = t->stage[NB_LEADER];
}

/* Write the metrics of time point k into row `rep` of res and into s->last. */
static void record(nb_sim *s, int k, const nb_flows *fl, const nb_tally *t, nb_results *res)
{
    double *v = s->last;
    memset(v, 0, sizeof s->last);
    record_queues(&s->z, t);
    const nb_zone *z = &s->z;
    for (int st = 0; st < NB_NSTAGES; st++) v[NB_M_firms_pre + st] = t->stage[st];
    v[NB_M_firms] = s->f.n - s->f.dead;
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
    v[NB_M_no_space] = t->no_space;
    v[NB_M_rnd] = s->p.growth_rnd_intensity * t->revenue;
    v[NB_M_entries_spinoff] = fl->entries[NB_OR_SPINOFF];
    v[NB_M_entries_relocation] = fl->entries[NB_OR_RELOCATION];
    v[NB_M_entries_other] = fl->entries[NB_OR_OTHER];
    v[NB_M_exits_failed] = fl->exits[NB_EX_FAILED];
    v[NB_M_exits_acquired] = fl->exits[NB_EX_ACQUIRED];
    v[NB_M_exits_relocated] = fl->exits[NB_EX_RELOCATED];
    v[NB_M_rounds] = fl->rounds;
    v[NB_M_capital_raised] = fl->raised;
    v[NB_M_alliance_committed] = z->committed;
    v[NB_M_alliance_deployed] = z->deployed;
    v[NB_M_alliance_dry_powder] = z->called - z->deployed;
    v[NB_M_alliance_distributions] = fl->distributions;
    v[NB_M_tech_results] = fl->results;
    v[NB_M_loans] = fl->loans;
    v[NB_M_grants_equity] = fl->grants;
    v[NB_M_talent_fill] = s->d.talent_fill;
    double total = 0;
    for (int j = 0; j < NB_NINSTR; j++) {
        v[NB_M_spend_strategic_forces + j] = fl->spend[j];
        total += fl->spend[j];
    }
    v[NB_M_public_spend] = total;
    s->z.spent_fund += total - fl->spend[NB_I_guidance_fund];
    for (int j = 0; j < NB_NMETRICS; j++) nb_results_row(res, j, (int)s->rep)[k] = v[j];
}

/* Hand the population at time point k to the sink's panel, when it asks for it
 * (compacted first, so the sink sees live firms only). */
static void panel(nb_sim *s, int k, int last)
{
    const nb_event_sink *sk = s->sink;
    if (sk && sk->panel && sk->panel_every > 0 && (k % sk->panel_every == 0 || last)) {
        if (s->f.dead) nb_firms_compact(&s->f);
        sk->panel(sk->ud, s->rep, k, &s->f);
    }
}

/* Reset the replicate's state and build the initial population (time point 0). */
static int sim_start(const nb_model *m, nb_sim *s, uint32_t rep, nb_flows *fl)
{
    s->rep = rep;
    s->key = nb_rng_key(m->seed, rep);
    s->firm_steps = 0;
    memset(&s->z, 0, sizeof s->z);
    for (int r = 0; r < NB_RULES_MAX; r++) s->z.fired[r] = -1;
    memset(fl, 0, sizeof *fl);
    policy_month(s, m, 0, fl);
    s->z.committed = s->p.alliance_initial;
    return entry_initial(s, m);
}

int nb_sim_run(const nb_model *m, nb_sim *s, uint32_t rep, nb_results *res)
{
    assert(res->n_time == m->n_time && (int)rep < res->n_rep);
    nb_flows fl;
    nb_tally t;
    if (sim_start(m, s, rep, &fl) != NB_OK) return NB_ENOMEM;
    memset(&t, 0, sizeof t);
    for (int i = 0; i < s->f.n; i++) tally_firm(s, &t, i, 0);
    record(s, 0, &fl, &t, res);
    panel(s, 0, m->n_time == 1);
    for (int k = 1; k < m->n_time; k++) {
        memset(&fl, 0, sizeof fl);
        memset(&t, 0, sizeof t);
        policy_month(s, m, k, &fl);
        if ((m->start + k) % 12 == 0) firms_january(s, k);
        capital_alliance(s, &fl);
        firms_step(s, m, k, &fl, &t);
        if (s->f.dead > s->f.n / 4) nb_firms_compact(&s->f);
        if (entry_step(s, m, k, &fl, &t) != NB_OK) return NB_ENOMEM;
        record(s, k, &fl, &t, res);
        panel(s, k, k == m->n_time - 1);
    }
    return NB_OK;
}
