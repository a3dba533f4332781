/* sim.c -- one replicate of the model: the process schedule (see model/ODD.md).
 *
 * Time point 0 is the initial population, recorded as is.  Each later month k:
 *   1. policy_month     the month's parameters (schedules, fired rules), budgets
 *                       under the special fund, and every derived rate
 *   2. capital_alliance commitments, calls, scarcity of dry powder
 *   3. firms_step       each firm: exit, cash, graduation, growth, stage,
 *                       certification, credit, round / grant / listing
 *   4. compact, entry_step (new firms take their first step next month)
 *   5. firms_january    in January: gazelle status, size effect, valuation reversion
 *   6. record           the metrics, and the zone's queues for next month
 * Every random number comes from Philox keyed by (seed, replicate) with a counter of
 * (firm identity, month, purpose): see rng.h.  Nothing depends on slot order.
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

/* Per-firm sums of the metrics and of next month's queues. */
static void record_firms(nb_sim *s, int k, double *v)
{
    const nb_params *p = &s->p;
    const nb_month *d = &s->d;
    const nb_firms *f = &s->f;
    nb_zone *z = &s->z;
    double uni = d->unicorn_rmb, uni_age = 12.0 * p->def_unicorn_max_age;
    double team = p->growth_team_size, per_head = 1.0 / p->growth_revenue_per_employee;
    double incub = 0, space = 0, grant = 0, proc = 0, ovs = 0;
    for (int i = 0; i < f->n; i++) {
        uint8_t fg = f->flags[i];
        int st = f->stage[i], age = k - f->birth[i];
        double val = f->valuation[i], rev = f->revenue[i];
        v[NB_M_firms_pre + st] += 1;
        v[NB_M_valued_1e8] += val >= 1e8;
        v[NB_M_valued_1e9] += val >= 1e9;
        v[NB_M_gazelles] += (fg & NB_FL_GAZELLE) != 0;
        v[NB_M_unicorns] += !(fg & NB_FL_LISTED) && val >= uni && age <= uni_age;
        v[NB_M_listed] += (fg & NB_FL_LISTED) != 0;
        v[NB_M_hightech] += (fg & NB_FL_HIGHTECH) != 0;
        v[NB_M_employees] += fmax(team, rev * per_head);
        v[NB_M_revenue] += rev;
        v[NB_M_valuation] += val;
        v[NB_M_out_of_cash] += f->cash[i] < 0;
        v[NB_M_firms_future] += f->sector[i] <= NB_SEC_ROBOTICS;
        int incub_ok = st == NB_PRE || (st == NB_STARTUP && age < NB_INCUB_MONTHS);
        incub += incub_ok;
        if (incub_ok && firm_priority(f->eid[i]) < d->incub_share) v[NB_M_incubated] += 1;
        if (st >= NB_BACKBONE) {
            space += 1;
            ovs += rev;
            if (1.0 - firm_priority(f->eid[i]) >= d->space_share) v[NB_M_no_space] += 1;
        }
        grant += st == NB_STARTUP && !(fg & NB_FL_FUNDED);
        if ((fg & NB_FL_HIGHTECH) && (st == NB_STARTUP || st == NB_BACKBONE)) proc += rev;
    }
    z->incub_demand = incub;
    z->space_demand = space;
    z->grant_demand = grant;
    z->proc_base = proc;
    z->ovs_base = ovs;
    z->n_leaders = v[NB_M_firms_leader];
}

/* Write the metrics of time point k into row `rep` of res and into s->last. */
static void record(nb_sim *s, int k, const nb_flows *fl, nb_results *res)
{
    double *v = s->last;
    memset(v, 0, sizeof s->last);
    record_firms(s, k, v);
    const nb_zone *z = &s->z;
    v[NB_M_firms] = s->f.n;
    v[NB_M_rnd] = s->p.growth_rnd_intensity * v[NB_M_revenue];
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
    s->z.spent_total += total;
    for (int j = 0; j < NB_NMETRICS; j++) nb_results_row(res, j, (int)s->rep)[k] = v[j];
}

/* Hand the population at time point k to the sink's panel, when it asks for it. */
static void panel(nb_sim *s, int k, int last)
{
    const nb_event_sink *sk = s->sink;
    if (sk && sk->panel && sk->panel_every > 0 && (k % sk->panel_every == 0 || last))
        sk->panel(sk->ud, s->rep, k, &s->f);
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
    if (sim_start(m, s, rep, &fl) != NB_OK) return NB_ENOMEM;
    record(s, 0, &fl, res);
    panel(s, 0, m->n_time == 1);
    for (int k = 1; k < m->n_time; k++) {
        memset(&fl, 0, sizeof fl);
        policy_month(s, m, k, &fl);
        capital_alliance(s, &fl);
        firms_step(s, m, k, &fl);
        nb_firms_compact(&s->f);
        if (entry_step(s, m, k, &fl) != NB_OK) return NB_ENOMEM;
        if ((m->start + k) % 12 == 0) firms_january(s, k);
        record(s, k, &fl, res);
        panel(s, k, k == m->n_time - 1);
    }
    return NB_OK;
}
