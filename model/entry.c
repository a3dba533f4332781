/* entry.c -- new firms: the founding population at run.origin, the monthly entrants
 * from research sources (spin-offs), relocations, outside founders and the wider
 * Greater Neo Bay area (measures 1-5, 16-19), and the boundary extension.
 */
#include <assert.h>
#include <math.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include "neobay.h"
#include "model.h"

/* Sector from uniform u and the month's cumulative shares. */
static uint8_t sector_draw(const nb_month *d, double u)
{
    uint8_t s = 0;
    while (s < NB_NSECTORS - 1 && u >= d->sector_cdf[s]) s++;
    return s;
}

/* Append a firm (caller has reserved room): identity eid, born at step `birth`, in
 * pre-incubation with no revenue, knowing nothing yet of its quality q. */
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
    f->cash[i] = 0;
    f->raised[i] = 0;
    f->belief[i] = 0;
    f->seen[i] = 0;
    f->distress[i] = 0;
    f->debt[i] = 0;
    f->pay[i] = 0;
    f->gmul[i] = 1;
    memset(&f->hist[NB_HIST * i], 0, NB_HIST * sizeof(float));
    memset(&f->award[NB_NPROG * i], 0, NB_NPROG * sizeof(uint16_t));
    return i;
}

/* Make firm i (step k) an incorporated firm with revenue `rev` and founders' cash. */
static void firm_incorporate(nb_sim *s, int k, int i, double rev)
{
    const nb_params *p = &s->p;
    nb_firms *f = &s->f;
    f->revenue[i] = (float)rev;
    f->stage[i] = stage_of_revenue(p, rev);
    f->cash[i] = (float)founders_cash(p, gsl_ran_gaussian_ziggurat(s->r, 1.0));
    f->valuation[i] = (float)(rev * s->d.mult);
    firms_year_draw(s, k, i);
}

/* The founding population of run.origin: origin.firms university spin-offs just
 * incorporated in the Zero Bay core. */
int entry_initial(nb_sim *s, const nb_model *m)
{
    const nb_params *p = &s->p;
    int n0 = (int)p->origin_firms;
    double inflow = 0;
    for (int k = 0; k < m->n_all; k++)
        inflow += m->p[k].entry_relocation_rate + m->p[k].entry_other_rate
                + m->p[k].entry_outer_rate + m->p[k].conversion_prob * 200.0;
    if (nb_firms_reserve(&s->f, n0 + (int)(0.5 * inflow) + 1024) != NB_OK) return NB_ENOMEM;
    s->f.n = 0;
    s->f.dead = 0;
    for (int i = 0; i < n0; i++) {
        nb_rng_stream(s->r, s->key, nb_rng_ctr((uint64_t)i, 0, NB_RS_INIT, 0));
        double q = gsl_ran_gaussian_ziggurat(s->r, 1.0);
        uint8_t sector = sector_draw(&s->d, gsl_rng_uniform(s->r));
        int j = firm_add(&s->f, p, (uint64_t)i, 0, NB_OR_SPINOFF, sector, q);
        firm_incorporate(s, 0, j, p->growth_start_revenue * s->f.rmul[j]);
    }
    return NB_OK;
}

/* Attributes of entrant j of origin o (NB_NORIGINS: the wider area) in step k. */
static void entry_birth(nb_sim *s, int k, int o, unsigned j)
{
    const nb_params *p = &s->p;
    const nb_month *d = &s->d;
    uint64_t eid = NB_ENTRANT | ((uint64_t)k << 20) | ((uint64_t)o << 16) | j;
    nb_rng_stream(s->r, s->key, nb_rng_ctr(eid, (uint32_t)k, NB_RS_BIRTH, 0));
    double shift = o == NB_OR_SPINOFF ? d->qshift_spin : d->qshift_all;
    double q = shift + gsl_ran_gaussian_ziggurat(s->r, 1.0);
    uint8_t sector = sector_draw(d, gsl_rng_uniform(s->r));
    int outer = o == NB_NORIGINS;
    int i = firm_add(&s->f, p, eid, k, outer ? NB_OR_OTHER : (uint8_t)o, sector, q);
    if (outer) s->f.flags[i] |= NB_FL_OUTER;
    if (o == NB_OR_RELOCATION)
        firm_incorporate(s, k, i, gsl_ran_lognormal(s->r, log(p->entry_relocation_revenue),
                                                            p->entry_relocation_spread));
}

int entry_step(nb_sim *s, const nb_model *m, int k, nb_flows *fl, nb_tally *t)
{
    (void)m;
    for (int o = 0; o <= NB_NORIGINS; o++) {
        nb_rng_stream(s->r, s->key, nb_rng_ctr(NB_ZONE_EID, (uint32_t)k, NB_RS_ENTRY, (uint32_t)o));
        unsigned c = gsl_ran_poisson(s->r, s->d.rate[o]);
        if (c > 0xffff) c = 0xffff;
        if (s->f.n + (int)c > s->f.cap &&
            nb_firms_reserve(&s->f, 2 * (s->f.n + (int)c)) != NB_OK)
            return NB_ENOMEM;
        int counted = o < NB_NORIGINS || s->d.outer_in;
        for (unsigned j = 0; j < c; j++) {
            entry_birth(s, k, o, j);
            if (counted) tally_firm(s, t, s->f.n - 1, k);
        }
        if (counted) fl->entries[o < NB_NORIGINS ? o : NB_OR_OTHER] += c;
    }
    return NB_OK;
}

/* The boundary extension (step zone.expand, before the firms move): every live firm
 * and project of the wider area joins the counts, as the month's annexed entries. */
void entry_annex(nb_sim *s, nb_flows *fl)
{
    const nb_firms *f = &s->f;
    for (int i = 0; i < f->n; i++)
        fl->annexed += (f->flags[i] & (NB_FL_OUTER | NB_FL_DEAD)) == NB_FL_OUTER;
}
