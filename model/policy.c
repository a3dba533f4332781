/* policy.c -- the month's policy: adaptive rules, the special-fund budget, and the
 * rates every mechanism reads (see model/ODD.md, "Submodels").
 *
 * Money levers are in RMB a month; "effects" are per 1亿 a month, so a lever's
 * effect is effect * spend / 1e8.  Capacity measures (strategic forces, space,
 * planning) build capacity from money spent so far; flow measures act while paid.
 */
#include <assert.h>
#include <math.h>
#include <string.h>
#include <gsl/gsl_cdf.h>
#include "neobay.h"
#include "model.h"

#define YI 1e8

static double monthly(double annual) { return 1.0 - pow(1.0 - annual, 1.0 / 12.0); }

/* Fire the rules whose condition held last month; apply every fired rule to s->p. */
static void rules_apply(nb_sim *s, const nb_model *m, int k)
{
    for (int r = 0; r < m->rules.n_rules; r++) {
        const nb_rule *ru = &m->rules.rules[r];
        if (s->z.fired[r] < 0 && k > 0 && m->origin + k >= ru->from) {
            double v = s->last[ru->metric];
            if (ru->above ? v > ru->threshold : v < ru->threshold) s->z.fired[r] = k;
        }
        if (s->z.fired[r] < 0) continue;
        double x = nb_params_get(&s->p, ru->param);
        x = ru->op == NB_RULE_SET ? ru->value : ru->op == NB_RULE_ADD ? x + ru->value
                                                                      : x * ru->value;
        const nb_param_info *pi = &nb_registry[ru->param];
        nb_params_set(&s->p, ru->param, fmin(pi->max, fmax(pi->min, x)));
    }
}

/* Budgets by instrument; those paid from the special fund (all but the guidance
 * fund) are scaled down pro rata when the fund runs out. */
static void policy_budget(nb_sim *s, nb_month *d)
{
    const nb_params *p = &s->p;
    double plan[NB_NINSTR], total = 0;
    int j = 0;
#define NB_INSTR(id, param, en, zh) plan[j++] = p->param;
#include "instruments.def"
#undef NB_INSTR
    if (!p->pol_lists) plan[NB_I_lists] = 0;   /* no places, and no spending, unless published */
    /* The reform's offices are paid for the admitted units only. */
    plan[NB_I_reform] = fmin(plan[NB_I_reform], p->pol_ownership_reform * p->conversion_reform_cost);
    for (j = 0; j < NB_NINSTR; j++)
        if (j != NB_I_guidance_fund) total += plan[j];
    double scale = 1.0;
    if (p->pol_special_fund > 0 && total > 0)
        scale = fmin(1.0, fmax(0.0, p->pol_special_fund - s->z.spent_fund) / total);
    for (j = 0; j < NB_NINSTR; j++) d->spend[j] = j == NB_I_guidance_fund ? plan[j] : plan[j] * scale;
}

/* Research output and the entry rates of the month (measures 1-4, 16-19; proof of
 * concept, measure 5, is a programme for projects, programme.c). */
static void policy_entry(const nb_params *p, const nb_zone *z, nb_month *d)
{
    const double *sp = d->spend;
    double sources = p->research_university + p->research_keylab + p->research_hospital
                   + p->research_newrd;
    d->results = sources * (1.0 + p->research_basic_effect * sp[NB_I_basic_research] / YI)
               + p->research_capacity_per_yi * z->cum_strategic / YI;
    double conv = p->conversion_prob * (1.0 + p->conversion_reform_effect * z->reform)
                * (1.0 + p->conversion_culture_effect * sp[NB_I_culture] / YI);
    d->rate[NB_OR_SPINOFF] = d->results * fmin(1.0, conv);
    d->rate[NB_OR_RELOCATION] = p->entry_relocation_rate
        * (1.0 + p->entry_attract_effect * sp[NB_I_planning] / YI);
    /* Founders from outside the zone's institutions, and projects spawned by the
     * zone's own firms (employees leaving to found: more firms, more spawning). */
    d->rate[NB_OR_OTHER] = p->entry_other_rate * (1.0 + p->entry_events_effect * sp[NB_I_events] / YI)
                         + p->entry_spawn_rate / 12.0 * z->n_firms;
    d->rate[NB_NORIGINS] = p->entry_outer_rate;
    d->qshift_all = p->entry_intl_quality * sp[NB_I_international] / YI;
    d->qshift_spin = d->qshift_all + p->research_basic_quality * sp[NB_I_basic_research] / YI;
    double tilt = 1.0 + p->sector_future_tilt * sp[NB_I_future_industry] / YI;
    double sh[6] = {p->sector_share_energy * tilt, p->sector_share_robotics * tilt,
                    p->sector_share_life, p->sector_share_ic, p->sector_share_ai, 0};
    double rest = 1.0 - p->sector_share_energy - p->sector_share_robotics - p->sector_share_life
                - p->sector_share_ic - p->sector_share_ai;
    sh[5] = fmax(0.0, rest);
    double tot = 0, c = 0;
    for (int i = 0; i < 6; i++) tot += sh[i];
    for (int i = 0; i < 6; i++) d->sector_cdf[i] = (c += sh[i] / tot);
    d->sector_cdf[5] = 1.0;
}

/* Exit, abandonment, acquisition and relocation hazards of the month (measures 6,
 * 7, 9): monthly rates from annual ones; the relocation hazard rises with rent. */
static void policy_hazard(const nb_params *p, const nb_zone *z, nb_month *d)
{
    d->h_firm = monthly(p->exit_background);
    d->honeymoon = (int)p->exit_honeymoon;
    d->h_firm_incub = d->h_firm * p->incubator_hazard_factor;
    d->h_proj = fmin(1.0, p->exit_project_abandon);
    d->h_proj_incub = d->h_proj * p->incubator_hazard_factor;
    d->h_move = monthly(fmin(0.99, p->space_move_rate * pow(z->rent, p->space_rent_elasticity)));
    d->acq_base = monthly(p->exit_acquire_rate);
}

/* Growth multipliers by stage and youth (leader spill-overs, without policy) and by
 * sector (future industries, measure 2).  Cultivation grants, vouchers, open-innovation
 * pilots, compute and instrument vouchers, IP support and overseas-market support act
 * on their winners only (programme.c), not on every firm of a stage or sector. */
static void policy_growth(const nb_params *p, const nb_zone *z, nb_month *d)
{
    double spill = p->support_spillover * z->n_leaders;
    for (int st = 0; st < NB_NSTAGES; st++)
        for (int young = 0; young < 2; young++) {
            double g = 0.0;     /* cultivation and vouchers act on winners (programme.c) */
            if (st == NB_STARTUP) g += spill;
            d->gmul[NB_GC(st, young)] = (float)exp(g / 12.0);
        }
    for (int sec = 0; sec < NB_NSECTORS; sec++) {
        int fut = sec == NB_SEC_ENERGY || sec == NB_SEC_ROBOTICS;
        d->gsec[sec] = (float)exp((fut ? p->sector_future_drift : 0.0) / 12.0);
    }
}

/* The labour market (measures 11, 12, 19): supply from graduates, policy hires and
 * in-migration that responds to the wage and to housing and services; the wage index
 * moves with log(demand / supply), and a dearer wage slows expansion and costs
 * margin.  No fill ratio: the response is smooth in every parameter. */
static void policy_talent(const nb_params *p, nb_zone *z, nb_month *d, int step)
{
    const double *sp = d->spend;
    double attract = 1.0 + p->talent_services_effect * (sp[NB_I_talent_services] + sp[NB_I_planning]) / YI;
    double supply = p->talent_graduates + sp[NB_I_talent] / p->talent_cost_per_hire
                  + p->talent_migration * attract * pow(z->wage, p->talent_supply_elasticity);
    /* Workers who leave a firm stay in the market: gross flows on both sides. */
    if (step && z->hire_demand > 0 && supply > 0)
        z->wage *= exp(p->talent_wage_adjust / 12.0 * log(z->hire_demand / (supply + z->separations))
                       - p->talent_wage_revert / 12.0 * log(z->wage));
    z->wage = fmin(20.0, fmax(0.05, z->wage));
    d->hire_slow = pow(z->wage, -p->talent_demand_elasticity);
    d->wage_cost = p->talent_labour_share * (z->wage - 1.0);
}

/* Scale-up space (measures 7, 19): occupancy against places moves the rent index
 * (Wheaton & Torto 1988); rent above its base costs scale-ups margin and raises the
 * relocation hazard (policy_hazard). */
static void policy_space(const nb_params *p, nb_zone *z, nb_month *d, int step)
{
    d->places = p->space_places + p->space_places_per_yi * z->cum_space / YI;
    double occ = d->places > 0 ? fmin(1.0, z->space_demand / d->places) : 1.0;
    if (step) z->rent *= exp(p->space_rent_adjust / 12.0 * (occ - p->space_target_occupancy));
    z->rent = fmin(20.0, fmax(0.5, z->rent));
    d->rent_cost = p->space_rent_share * (z->rent - 1.0);
}

/* The capital cycle: the scheduled (observed) index up to run.start; after it, each
 * January a common AR(1) step in logs from a zone-level draw, so a replicate's
 * booms and winters are shared by every scenario compared with it (the draw does not
 * depend on policy).  Sets the factors on round chances and prices. */
static void policy_cycle(nb_sim *s, const nb_model *m, int k)
{
    const nb_params *p = &s->p;
    nb_zone *z = &s->z;
    nb_month *d = &s->d;
    if (k <= m->n_hist || z->cycle <= 0) {
        z->cycle = p->capital_cycle;
    } else if ((m->origin + k) % 12 == 0) {
        nb_ctr w = nb_philox4x32(s->key, nb_rng_ctr(NB_ZONE_EID, (uint32_t)k, NB_RS_ZONE, 1));
        double e = gsl_cdf_ugaussian_Pinv(nb_u01(w.v[0]));
        double mu = log(p->capital_cycle_mean), rho = p->capital_cycle_persistence;
        z->cycle = exp(mu + rho * (log(z->cycle) - mu) + p->capital_cycle_sd * e);
        z->cycle = fmin(5.0, fmax(0.05, z->cycle));
    }
    double rel = z->cycle / p->capital_cycle_mean;
    d->cycle_round = pow(rel, p->capital_round_elasticity);
    d->cycle_price = pow(rel, p->capital_price_elasticity);
}

/* Queues and market sizes from last month's state (measures 6, 9-14). */
static void policy_capacity(const nb_params *p, const nb_zone *z, nb_month *d)
{
    const double *sp = d->spend;
    double slots = p->incubator_slots + sp[NB_I_incubator] / p->incubator_slot_cost;
    d->incub_share = z->incub_demand > 0 ? fmin(1.0, slots / z->incub_demand) : 1.0;
    d->grant_p = z->grant_demand > 0
               ? fmin(1.0, floor(sp[NB_I_grant_equity] / p->pol_grant_ticket) / z->grant_demand) : 0.0;
    double places = 12.0 * sp[NB_I_lists] / p->list_cost_per_place;
    d->list_share = z->list_demand > 0 ? fmin(1.0, places / z->list_demand) : 0.0;
    d->list_term = (int)p->list_term;
    d->credit_pool = sp[NB_I_tech_credit] * p->credit_leverage;
    d->acq_base += monthly(fmin(0.99, 12.0 * p->support_acquire_rate * z->n_leaders));
    d->mult = p->fund_revenue_multiple;
    d->comp = p->listing_multiple;
}

void policy_month(nb_sim *s, const nb_model *m, int k, nb_flows *fl)
{
    nb_month *d = &s->d;
    s->p = m->p[k];
    d->reporting = k > m->n_hist;
    d->outer_in = k >= m->expand;
    if (d->reporting) rules_apply(s, m, k);
    const nb_params *p = &s->p;
    policy_budget(s, d);
    if (k == 0 || k == m->n_hist) memset(d->spend, 0, sizeof d->spend);   /* time point 0 spends nothing */
    s->z.cum_strategic += d->spend[NB_I_strategic_forces];
    s->z.cum_space += d->spend[NB_I_space] + d->spend[NB_I_planning];
    /* The ownership reform's coverage moves toward what its budget pays for. */
    double cover = fmin(1.0, d->spend[NB_I_reform] / p->conversion_reform_cost);
    s->z.reform += (cover - s->z.reform) / p->conversion_reform_ramp;
    policy_entry(p, &s->z, d);
    policy_hazard(p, &s->z, d);
    policy_growth(p, &s->z, d);
    policy_talent(p, &s->z, d, k > 0);
    policy_space(p, &s->z, d, k > 0);
    policy_capacity(p, &s->z, d);
    programme_month(s);
    policy_cycle(s, m, k);
    d->grad_p = fmin(1.0, p->stage_graduate_rate);
    d->grad_p_incub = fmin(1.0, p->stage_graduate_rate * p->incubator_grad_factor);
    d->round_p[0] = p->fund_round_rate;
    for (int r = 1; r < 16; r++) d->round_p[r] = p->fund_follow_rate * pow(p->fund_round_decay, r - 1);
    d->list_move = k > 0 ? p->listing_multiple / m->p[k - 1].listing_multiple : 1.0;
    d->list_boost = 1.0 + p->support_list_signal;
    d->unicorn_rmb = p->def_unicorn_usd * p->def_usd_cny;
    d->unicorn_age = 12.0 * p->def_unicorn_max_age;
    d->team = p->growth_team_size;
    d->per_head = 1.0 / p->growth_revenue_per_employee;
    s->z.credit_left = d->credit_pool;
    /* Guaranteed losses are paid while the special fund lasts (then banks bear them). */
    double booked = 0;
    for (int j = 0; j < NB_NINSTR; j++)
        if (j != NB_I_guidance_fund && j != NB_I_tech_credit) booked += d->spend[j];
    s->z.guarantee_left = p->pol_special_fund > 0
                        ? fmax(0.0, p->pol_special_fund - s->z.spent_fund - booked) : HUGE_VAL;
    /* Grant-to-equity is booked as invested, tech credit as the guaranteed losses it
     * pays (capital.c:capital_settle), the programmes' instruments as awarded
     * (programme.c); every other instrument as budgeted. */
    for (int j = 0; j < NB_NINSTR; j++)
        fl->spend[j] = j == NB_I_grant_equity || j == NB_I_tech_credit || programme_instrument(j)
                     ? 0.0 : d->spend[j];
    fl->results = k > 0 ? d->results : 0.0;
}
