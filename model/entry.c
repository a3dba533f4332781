/* entry.c -- new firms: the initial population and the monthly entrants from
 * research sources (spin-offs), relocations and outside founders (measures 1-5, 16-19).
 */
#include <assert.h>
#include <math.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include "neobay.h"
#include "model.h"

void firm_growth_mul(nb_firms *f, const nb_params *p, int i)
{
    double size = f->revenue[i] > 0 ? log(f->revenue[i] / p->growth_ref_revenue) : 0.0;
    f->gmul[i] = (float)exp((p->growth_quality_effect * f->quality[i]
                             - p->growth_size_effect * size) / 12.0);
}

/* Sector from uniform u and the month's cumulative shares. */
static uint8_t sector_draw(const nb_month *d, double u)
{
    uint8_t s = 0;
    while (s < NB_NSECTORS - 1 && u >= d->sector_cdf[s]) s++;
    return s;
}

/* Append a firm (caller has reserved room): identity eid, born at time point
 * `birth`, in pre-incubation with no revenue, cash for a year of its burn. */
static int firm_add(nb_firms *f, const nb_params *p, uint64_t eid, int birth,
                    uint8_t origin, uint8_t sector, double q)
{
    assert(f->n < f->cap);
    int i = f->n++;
    f->eid[i] = eid;
    f->birth[i] = (int16_t)birth;
    f->stage[i] = NB_PRE;
    f->flags[i] = 0;
    f->origin[i] = origin;
    f->sector[i] = sector;
    f->rounds[i] = 0;
    f->quality[i] = (float)q;
    f->hmul[i] = (float)exp(-p->exit_quality_effect * q);
    f->rmul[i] = (float)exp(p->fund_quality_effect * q);
    f->prio[i] = (float)firm_priority(eid);
    f->revenue[i] = 0;
    f->valuation[i] = 0;
    f->cash[i] = (float)p->cash_burn_pre;
    f->raised[i] = 0;
    memset(&f->hist[NB_HIST * i], 0, NB_HIST * sizeof(float));
    firm_growth_mul(f, p, i);
    return i;
}

/* Give firm i revenue `rev` (a start-up or later), a revenue history on its expected
 * growth path, and a year of start-up burn in cash. */
static void firm_set_revenue(nb_firms *f, const nb_params *p, int i, double rev)
{
    f->revenue[i] = (float)rev;
    f->stage[i] = stage_of_revenue(p, rev);
    f->cash[i] = (float)cash_burn(p, NB_STARTUP);
    firm_growth_mul(f, p, i);
    double g = p->growth_drift + p->growth_quality_effect * f->quality[i];
    for (int h = 0; h < NB_HIST; h++)
        f->hist[NB_HIST * i + h] = (float)(rev * exp(-g * (h + 1)));
}

static uint8_t init_origin(const nb_params *p, double u)
{
    if (u < p->init_share_spinoff) return NB_OR_SPINOFF;
    if (u < p->init_share_spinoff + p->init_share_relocated) return NB_OR_RELOCATION;
    return NB_OR_OTHER;
}

/* Firm i of the initial population.  The first init.valued_1e9 firms are valued in
 * [10亿, 1000亿) (Pareto, shape 1), the first init.listed of them listed; the next
 * up to init.valued_1e8 in [1亿, 10亿) (log-uniform); the rest below 1亿.  So the
 * starting figures are reproduced exactly, whatever the seed. */
static void init_firm(nb_sim *s, int i)
{
    const nb_params *p = &s->p;
    nb_firms *f = &s->f;
    nb_rng_stream(s->r, s->key, nb_rng_ctr((uint64_t)i, 0, NB_RS_INIT, 0));
    double q = gsl_ran_gaussian_ziggurat(s->r, 1.0);
    int age = (int)fmin(240.0, gsl_ran_exponential(s->r, 12.0 * p->init_mean_age));
    uint8_t origin = init_origin(p, gsl_rng_uniform_pos(s->r));
    uint8_t sector = sector_draw(&s->d, gsl_rng_uniform(s->r));
    int k = firm_add(f, p, (uint64_t)i, -age, origin, sector, q);
    int n9 = (int)p->init_valued_1e9, n8 = (int)p->init_valued_1e8;
    double val, mult = p->fund_revenue_multiple;
    if (i < n9) val = fmin(1e11, 1e9 / gsl_rng_uniform_pos(s->r));
    else if (i < n8) val = 1e8 * pow(10.0, gsl_rng_uniform(s->r));
    else if (gsl_rng_uniform(s->r) < p->init_share_pre) return;   /* pre-incubation */
    else {
        double rev = fmin(0.99e8 / mult,
                          gsl_ran_lognormal(s->r, log(p->init_median_revenue), 1.0));
        firm_set_revenue(f, p, k, rev);
        f->valuation[k] = (float)(rev * mult);
        f->cash[k] = (float)(cash_burn(p, NB_STARTUP) * 1.5 * gsl_rng_uniform(s->r));
        return;
    }
    firm_set_revenue(f, p, k, val / mult);
    f->valuation[k] = (float)val;
    f->flags[k] |= NB_FL_FUNDED;
    f->rounds[k] = (uint8_t)(2 + gsl_rng_uniform_int(s->r, 3));
    f->raised[k] = (float)(val * (1.0 - pow(1.0 - p->fund_dilution, f->rounds[k])));
    f->cash[k] = (float)(0.5 * p->fund_dilution * val);
    if (i < (int)p->init_listed) f->flags[k] |= NB_FL_LISTED;
}

int entry_initial(nb_sim *s, const nb_model *m)
{
    const nb_params *p = &s->p;
    int n0 = (int)p->init_firms;
    double inflow = 0;
    for (int k = 0; k < m->n_time; k++)
        inflow += m->p[k].entry_relocation_rate + m->p[k].entry_other_rate
                + m->p[k].conversion_prob * 200.0;
    if (nb_firms_reserve(&s->f, n0 + (int)(1.5 * inflow) + 1024) != NB_OK) return NB_ENOMEM;
    s->f.n = 0;
    s->f.dead = 0;
    for (int i = 0; i < n0; i++) init_firm(s, i);
    /* Certificates go to the valued firms first, then to the earliest other firms past
     * pre-incubation, up to init.hightech. */
    int ht = (int)p->init_hightech;
    for (int i = 0; i < s->f.n && ht > 0; i++)
        if (s->f.stage[i] != NB_PRE) { s->f.flags[i] |= NB_FL_HIGHTECH; ht--; }
    return NB_OK;
}

/* Attributes of entrant j of origin o in month k. */
static void entry_birth(nb_sim *s, int k, int o, unsigned j)
{
    const nb_params *p = &s->p;
    const nb_month *d = &s->d;
    uint64_t eid = NB_ENTRANT | ((uint64_t)k << 20) | ((uint64_t)o << 16) | j;
    nb_rng_stream(s->r, s->key, nb_rng_ctr(eid, (uint32_t)k, NB_RS_BIRTH, 0));
    double shift = o == NB_OR_SPINOFF ? d->qshift_spin : d->qshift_all;
    double q = shift + gsl_ran_gaussian_ziggurat(s->r, 1.0);
    uint8_t sector = sector_draw(d, gsl_rng_uniform(s->r));
    int i = firm_add(&s->f, p, eid, k, (uint8_t)o, sector, q);
    if (o == NB_OR_RELOCATION) {
        double rev = gsl_ran_lognormal(s->r, log(p->entry_relocation_revenue), 1.0);
        firm_set_revenue(&s->f, p, i, rev);
        s->f.valuation[i] = (float)(rev * d->mult);
    }
}

int entry_step(nb_sim *s, const nb_model *m, int k, nb_flows *fl, nb_tally *t)
{
    for (int o = 0; o < NB_NORIGINS; o++) {
        nb_rng_stream(s->r, s->key, nb_rng_ctr(NB_ZONE_EID, (uint32_t)k, NB_RS_ENTRY, (uint32_t)o));
        unsigned c = gsl_ran_poisson(s->r, s->d.rate[o]);
        if (c > 0xffff) c = 0xffff;
        if (s->f.n + (int)c > s->f.cap &&
            nb_firms_reserve(&s->f, 2 * (s->f.n + (int)c)) != NB_OK)
            return NB_ENOMEM;
        for (unsigned j = 0; j < c; j++) {
            entry_birth(s, k, o, j);
            tally_firm(s, t, s->f.n - 1, k);
        }
        fl->entries[o] = c;
    }
    return NB_OK;
}
