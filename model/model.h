/* model.h -- internals shared by the model's modules (not part of the public API).
 *
 *   sim.c       the process schedule, the model object, recording the metrics
 *   policy.c    the month's policy: special-fund budget, adaptive rules, derived rates
 *   entry.c     research output, new firms, the initial population
 *   firmstep.c  the monthly step of every firm (the hot loop)
 *   capital.c   funding rounds, grant-to-equity, tech credit, the fund alliance
 */
#ifndef NB_MODEL_H
#define NB_MODEL_H
#include <assert.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <gsl/gsl_rng.h>
#include "firms.h"
#include "paramset.h"
#include "results.h"
#include "rng.h"
#include "sim.h"

#define NB_ZTAB 1024            /* bins of the tabulated growth factor */
#define NB_ZONE_EID UINT64_MAX  /* identity of zone-level streams */
#define NB_ENTRANT (1ull << 40) /* identities of entrants start here */

enum nb_instr_id {
#define NB_INSTR(id, param, en, zh) NB_I_##id,
#include "instruments.def"
#undef NB_INSTR
    NB_NINSTR
};

enum nb_selection { NB_SEL_LOTTERY, NB_SEL_MERIT };
/* Eligibility flags of programmes.def: young firms only; certified high-tech firms
 * only; compute-intensive sectors (robotics, IC, AI) only; instrument-intensive
 * sectors (future energy, life sciences, materials) only. */
enum nb_eligible { NB_EL_YOUNG = 1u, NB_EL_HIGHTECH = 2u, NB_EL_COMPUTE = 4u, NB_EL_LAB = 8u };
enum nb_award_kind { NB_AW_CASH, NB_AW_CONTRACT };

/* One programme's settings for the month (programme_month), read by every firm. */
typedef struct nb_prog_month {
    int awards;                 /* awards this month's budget pays (0: the programme is idle) */
    int term, reapply, instr;   /* months; months; instrument paying the awards */
    double ticket, keep_cash;   /* RMB; the share of the ticket that adds to cash */
    double apply, noise;        /* monthly application chance; score noise s.d. */
    double share, cut;          /* lottery: win chance; merit: the score to beat */
    double rmult, hmult;        /* effects while an award lasts */
    double gradm;               /* project rows: incorporation-chance multiplier (1 elsewhere) */
    double amult;               /* NB_ACQUIRE rows: acquisition-hazard multiplier (1 elsewhere) */
    float gmul;                 /* monthly growth factor while an award lasts */
    int contract;               /* NB_AW_CONTRACT: the award is paid as revenue */
    double crev;                /* contract: new annual revenue while it runs (RMB/year) */
    double followon, lasting;   /* contract: follow-on chance; annual revenue kept then */
} nb_prog_month;

/* Applicants to one programme in a month: count and the moments of their scores. */
typedef struct nb_applicants { double n, s1, s2; } nb_applicants;

/* Firm classes of programme eligibility: stage (2 bits), young, certified high-tech,
 * instrument-intensive sector (else compute-intensive); programme_month sets, for
 * each class, the mask of programmes with awards this month that it may apply to. */
#define NB_ELIG(stage, young, hightech, lab) ((unsigned)(stage) | (unsigned)(young) << 2 \
                                             | (unsigned)(hightech) << 3 | (unsigned)(lab) << 4)
#define NB_ELIG_N 32

/* Growth classes: stage (2 bits) x young. */
#define NB_GC(stage, young) (((stage) << 1) | (young))
#define NB_GC_N 8

/* c ? a : b without a branch (bit masks), for conditions that are not predictable
 * firm by firm (a mispredicted branch costs more than computing both sides). */
static inline double nb_seld(int c, double a, double b)
{
    uint64_t ua, ub, mk = -(uint64_t)(c != 0);
    memcpy(&ua, &a, sizeof ua);
    memcpy(&ub, &b, sizeof ub);
    ua = (ua & mk) | (ub & ~mk);
    memcpy(&a, &ua, sizeof a);
    return a;
}

static inline float nb_self(int c, float a, float b)
{
    uint32_t ua, ub, mk = -(uint32_t)(c != 0);
    memcpy(&ua, &a, sizeof ua);
    memcpy(&ub, &b, sizeof ub);
    ua = (ua & mk) | (ub & ~mk);
    memcpy(&a, &ua, sizeof a);
    return a;
}

/* x > y ? a : b without a branch, the mask from the comparison itself (SSE). */
static inline float nb_gt_self(float x, float y, float a, float b)
{
#if defined(__SSE2__)
    __m128 mk = _mm_cmpgt_ss(_mm_set_ss(x), _mm_set_ss(y));
    return _mm_cvtss_f32(_mm_or_ps(_mm_and_ps(mk, _mm_set_ss(a)), _mm_andnot_ps(mk, _mm_set_ss(b))));
#else
    return nb_self(x > y, a, b);
#endif
}

/* Age bands of the exit-hazard outputs (SAIC 2013's years 1, 2, 3, 4-7, 8+). */
#define NB_NAGES 5
static inline int age_band(int months)
{
    /* a look-up, not a ladder of branches: ages are not predictable */
    static const uint8_t band[85] = {
        0,0,0,0,0,0,0,0,0,0,0,0, 1,1,1,1,1,1,1,1,1,1,1,1, 2,2,2,2,2,2,2,2,2,2,2,2,
        3,3,3,3,3,3,3,3,3,3,3,3, 3,3,3,3,3,3,3,3,3,3,3,3, 3,3,3,3,3,3,3,3,3,3,3,3,
        3,3,3,3,3,3,3,3,3,3,3,3, 4};
    assert(months >= 0);
    unsigned m = (unsigned)months;
    return band[m < 84u ? m : 84u];
}

/* Everything the firm loop needs for one month, derived from the parameters and the
 * zone's state by policy_month().  Read-only during the firm loop. */
typedef struct nb_month {
    double spend[NB_NINSTR];        /* this month's spending by instrument */
    double h_firm, h_firm_incub;    /* monthly background exit hazard (x hmul) */
    double h_proj, h_proj_incub;    /* monthly abandonment hazard of projects */
    double h_move;                  /* monthly relocation-out hazard of scale-ups */
    double acq_base;                /* monthly acquisition rate of funded firms at belief 0 */
    float gmul[NB_GC_N];            /* monthly growth multiplier from support measures */
    float gsec[NB_NSECTORS];        /* ... and from sector-targeted measures */
    double grad_p, grad_p_incub;    /* pre-incubation -> start-up */
    double round_p[16];             /* monthly chance of the round after r rounds */
    double list_boost;              /* round multiplier of firms holding a list place */
    double list_share;              /* list places / eligible firms (0: no places) */
    int list_term;                  /* months a list place is held */
    double grant_p;                 /* chance an unfunded start-up gets grant-to-equity */
    double incub_share;             /* share of eligible firms holding a place */
    double hire_slow;               /* wage^-demand_elasticity: damps expansion */
    double wage_cost;               /* cash margin lost to wages above the base */
    double rent_cost;               /* cash margin lost to rent above the base (scale-ups) */
    double places;                  /* scale-up places this month */
    double credit_pool;             /* loans available this month */
    double round_avail;             /* alliance scarcity factor on round chances */
    double round_price;             /* ... and on round prices (and so sizes) */
    double cycle_round, cycle_price;   /* capital-cycle factors on round chances and prices */
    double mult;                    /* revenue multiple for valuations (with IP effect) */
    double comp;                    /* listed comparables' multiple (with IP effect) */
    double list_move;               /* this month's change of the market multiple */
    int honeymoon;                  /* months after incorporation free of the background hazard */
    nb_prog_month prog[NB_NPROG];   /* the programme engine (programme.c) */
    int prog_open;                  /* some programme makes awards this month */
    unsigned prog_elig[NB_ELIG_N];  /* programmes with awards open to each firm class (NB_ELIG) */
    double results;                 /* technology results this month */
    double rate[NB_NORIGINS + 1];   /* expected entrants by origin, then the wider area */
    double qshift_spin, qshift_all; /* mean quality of new projects */
    double sector_cdf[6];           /* cumulative sector shares of new firms */
    double unicorn_rmb, unicorn_age;    /* RMB; months */
    double team, per_head;              /* head count floor; employees per RMB/year */
    int outer_in;                   /* the wider area is counted (month >= zone.expand) */
    int reporting;                  /* past run.start: policy rules and the special fund act */
} nb_month;

/* Counts and sums over the counted firms at the end of a month, gathered as the firm
 * loop passes each firm (and each entrant), so no separate pass is needed. */
typedef struct nb_tally {
    int stage[NB_NSTAGES], v1e8, v1e9, gazelles, unicorns, listed, hightech;
    int no_cash, future, incubated, no_space;
    int incub_demand, space_demand, grant_demand;
    int list_demand, list_members;  /* firms eligible for, and holding, a list place */
    double employees, revenue, valuation, debt;
    double hire_demand;             /* gross hires wanted (growth and replacement) */
    double separations;             /* employees leaving their firm this month */
    int age[NB_NAGES];              /* firms by age band */
} nb_tally;

/* One year's vintage of the fund alliance: commitments made in the calendar year
 * starting at step k0 (from run.origin); it calls money while younger than
 * alliance.invest_period, then its uncalled commitment lapses; money it called and
 * has not invested goes back to its investors when it reaches alliance.fund_life. */
typedef struct nb_vintage {
    double commit;                  /* committed to this vintage */
    double uncalled;                /* commit not yet called (0 once lapsed) */
    double dry;                     /* called and not yet invested */
    int k0;                         /* step of the vintage's first month */
} nb_vintage;

#define NB_VINTAGES 32              /* > alliance.fund_life's maximum in years + 1 */

/* The zone's aggregate state, carried from month to month. */
typedef struct nb_zone {
    double committed, called, deployed; /* cumulative sums over every vintage */
    double lapsed, returned;            /* uncalled commitments lapsed; dry powder returned */
    double supply_q, demand_q;          /* this quarter's investable money; its demand so far */
    double demand_prev;                 /* last quarter's demand */
    double avail;                       /* this quarter's money / last quarter's demand, <= 1 */
    nb_vintage vint[NB_VINTAGES];       /* live vintages, a ring from v_first */
    int v_first, v_n;
    double pending;                         /* exit proceeds awaiting recommitment */
    double spent_fund;                      /* special-fund money spent since run.start */
    double cum_strategic, cum_space;        /* capacity-building money so far */
    double incub_demand, space_demand;      /* eligible firms last month */
    double hire_demand;                     /* gross hires wanted last month */
    double separations;                     /* employees who left their firm last month */
    double grant_demand;                    /* unfunded start-ups last month */
    double list_demand;                     /* firms eligible for a list place last month */
    double reform;                          /* ownership-reform coverage of research units, 0-1 */
    nb_applicants app[NB_NPROG];            /* this month's applicants so far */
    nb_applicants app_prev[NB_NPROG];       /* last month's */
    int awarded;                            /* some award was ever made in this replicate */
    double n_leaders;
    double n_firms;                         /* incorporated firms counted last month */
    double credit_left;                     /* loans still available this month */
    double guarantee_left;                  /* special-fund money left for guaranteed losses */
    double wage, rent;                      /* indices, 1 at run.origin */
    double cycle;                           /* capital-cycle index after run.start */
    int fired[NB_RULES_MAX];                /* month index a rule fired, or -1 */
} nb_zone;

/* A month's flows, gathered while stepping. */
typedef struct nb_flows {
    double entries[NB_NORIGINS], exits[3], rounds, raised, loans, grants;
    double annexed, graduations, abandoned, exits_age[NB_NAGES];
    double repaid, defaulted;       /* tech-credit principal */
    double distributions, spend[NB_NINSTR], results;
    double awards[NB_NPROG];        /* programme awards made */
} nb_flows;

struct nb_model {
    int origin, start, n_hist, n_time, n_all;   /* n_all = n_hist + n_time steps */
    int expand;                 /* time step (from origin) the wider area joins */
    uint32_t seed;
    nb_params *p;               /* [n_all] scheduled parameters of month origin+t */
    nb_paramset rules;          /* only .n_rules/.rules are used */
    float gtab[NB_ZTAB + 1];    /* monthly Gaussian noise factor at the bin edges of u */
    float stab[NB_ZTAB + 1];    /* standardised Subbotin quantile at the bin edges of u */
    double gmu, gsd;
};

struct nb_sim {
    nb_firms f;
    gsl_rng *r;                 /* repositioned for each event that draws from GSL */
    nb_zone z;
    nb_params p;                /* this month's parameters (schedule + fired rules) */
    nb_month d;
    uint32_t rep;
    nb_key key;
    uint64_t firm_steps, hist_steps;
    const nb_event_sink *sink;  /* may be NULL */
    const nb_model *m;          /* the model of the run in progress */
    double last[NB_NMETRICS];   /* last recorded metrics, for the rules */
    struct nb_sanity *sanity;   /* the last month, for nb_month_sanity (sanity.h) */
};

/* policy.c */
void policy_month(nb_sim *s, const nb_model *m, int k, nb_flows *fl);

/* Inside the model, k counts months from run.origin (time step 0 is the founding
 * population); reported time point k - m->n_hist is month run.start + that. */

/* entry.c */
int entry_initial(nb_sim *s, const nb_model *m);
int entry_step(nb_sim *s, const nb_model *m, int k, nb_flows *fl, nb_tally *t);
void entry_annex(nb_sim *s, nb_flows *fl);

/* firmstep.c */
void firms_step(nb_sim *s, const nb_model *m, int k, nb_flows *fl, nb_tally *t);
void firms_january(nb_sim *s, int k);
double firms_year_draw(nb_sim *s, int k, int i);
int firms_yearly(nb_sim *s, int k, int i);

/* capital.c */
void programme_month(nb_sim *s);
int programme_instrument(int j);
int programme_consider(nb_sim *s, int k, int i, int st, int age, nb_flows *fl);
void programme_follow(nb_sim *s, int k, int i, unsigned ending);
void sim_emit(nb_sim *s, int kind, int k, int i, int investor, double amount,
                double pre, double value, int exit_kind);
void capital_start(nb_sim *s);
void capital_alliance(nb_sim *s, int k);
double capital_dry_powder(const nb_zone *z);
void capital_round(nb_sim *s, int k, int i, nb_flows *fl);
void capital_grant(nb_sim *s, int k, int i, nb_flows *fl);
void capital_credit(nb_sim *s, int k, int i, nb_flows *fl);
void capital_service(nb_sim *s, int i, nb_flows *fl);
void capital_exit(nb_sim *s, int k, int i, int kind, double value, nb_flows *fl);

/* Stage implied by annual revenue for a firm past pre-incubation. */
static inline uint8_t stage_of_revenue(const nb_params *p, double rev)
{
    int st = NB_STARTUP + (rev >= p->stage_backbone_revenue);   /* arithmetic, not branches */
    int lead = rev >= p->stage_leader_revenue;
    return (uint8_t)(st + lead * (NB_LEADER - st));
}

/* A fixed priority in [0,1) for firm identity eid (incubation and space queues):
 * the splitmix64 finaliser, so it needs no draw; stored in nb_firms.prio at birth. */
static inline double firm_priority(uint64_t eid)
{
    uint64_t z = nb_mix64(eid + 0x9E3779B97F4A7C15ull);
    return (double)(z >> 11) * (1.0 / 9007199254740992.0);
}

/* Whether firm i holds a place on the published list of quality firms (measure 8)
 * in step k: among eligible firms (gazelles and certified firms, not listed on an
 * exchange) a lottery at the month's share of places, redrawn every
 * list.term months with a phase of its own for each firm, so entries expire and are
 * re-awarded without storing any state. */
static inline int list_member(const nb_firms *f, const nb_month *d, int i, int k, uint8_t fg)
{
    if ((d->list_share <= 0) | !(fg & (NB_FL_GAZELLE | NB_FL_HIGHTECH)) | ((fg & NB_FL_LISTED) != 0))
        return 0;
    uint64_t e = f->eid[i];
    uint64_t period = (uint64_t)(k + (int)(e % (uint64_t)d->list_term)) / (uint64_t)d->list_term;
    return firm_priority(e ^ (period * 0xD1B54A32D192ED03ull)) < d->list_share;
}

/* The programmes of which firm i holds, or once held, an award (a bit per
 * programme: its award month is not zero).  Most firms never win one, so this one
 * test spares them the loops over programmes below. */
static inline unsigned programme_mask(const nb_firms *f, int i)
{
    const uint16_t *a = &f->award[NB_NPROG * i];
    unsigned m = 0;
    int g = 0;
#if defined(__SSE2__)
    if (NB_NPROG >= 8) {                       /* programmes 0-7 in one compare */
        __m128i z = _mm_cmpeq_epi16(_mm_loadu_si128((const __m128i *)a), _mm_setzero_si128());
        m = ~(unsigned)_mm_movemask_epi8(_mm_packs_epi16(z, z)) & 0xffu;
        g = 8;
    }
#endif
    for (; g < NB_NPROG; g++) m |= (unsigned)(a[g] != 0) << g;
    return m;
}

/* What the awards firm i holds in step k do to it (programmes.def), from one pass
 * over its awards: multipliers of its round chance, exit hazard, acquisition hazard
 * and (projects) incorporation chance, its monthly growth factor, the annual revenue
 * of the public contracts it runs, and the contract programmes whose term ends this
 * month (a bit per programme, for programme_follow). */
typedef struct nb_held {
    double rm, hm, am, gradm, crev;
    float gm;
    unsigned ending;
} nb_held;

static inline void programme_held(const nb_sim *s, int i, int k, nb_held *h)
{
    h->rm = h->hm = h->am = h->gradm = 1.0;
    h->crev = 0.0;
    h->gm = 1.0f;
    h->ending = 0;
    if (!s->z.awarded) return;
    const uint16_t *a = &s->f.award[NB_NPROG * i];
    for (unsigned m = programme_mask(&s->f, i); m; m &= m - 1) {
        int g = __builtin_ctz(m);
        const nb_prog_month *pm = &s->d.prog[g];
        int held = k - (a[g] - 1);
        if (pm->contract && held == pm->term) h->ending |= 1u << g;
        if (held >= pm->term) continue;
        h->rm *= pm->rmult;
        h->hm *= pm->hmult;
        h->am *= pm->amult;
        h->gradm *= pm->gradm;
        h->gm *= pm->gmul;
        if (pm->contract) h->crev += pm->crev;
    }
}

/* The annual revenue rate that firm i earns in step k from public contracts it holds
 * (NB_AW_CONTRACT programmes): paid while a contract runs, never compounding. */
static inline double programme_revenue(const nb_sim *s, int i, int k)
{
    if (!s->z.awarded) return 0.0;
    const uint16_t *a = &s->f.award[NB_NPROG * i];
    double c = 0.0;
    for (unsigned m = programme_mask(&s->f, i); m; m &= m - 1) {
        int g = __builtin_ctz(m);
        const nb_prog_month *pm = &s->d.prog[g];
        if (pm->contract && k - (a[g] - 1) < pm->term) c += pm->crev;
    }
    return c;
}

/* Add counted live firm i, at the end of step k, to the tally; crev is the annual
 * revenue of the public contracts it runs this month (programme_revenue), lm
 * whether it holds a list place (list_member). */
static inline __attribute__((always_inline)) void tally_firm_rev(const nb_sim *s, nb_tally *t, int i,
                                                                 int k, double crev, int lm)
{
    const nb_firms *f = &s->f;
    const nb_month *d = &s->d;
    uint8_t fg = f->flags[i];
    int st = f->stage[i], age = k - f->birth[i];
    double val = f->valuation[i], rev = f->revenue[i];
    /* Public contracts add revenue while they run (they do not compound). */
    rev += crev;
    double emp = rev * d->per_head;
    t->stage[st]++;
    t->age[age_band(age)] += st != NB_PRE;     /* projects have no age band */
    /* Only a market price is a valuation: a priced round or a listing (an unfunded
     * firm's revenue x multiple is a book figure, used for acquisitions; a public
     * grant-to-equity stake is not a market round). */
    int priced = (f->rounds[i] > 0) | ((fg & NB_FL_LISTED) != 0);
    t->v1e8 += priced & (val >= 1e8);
    t->v1e9 += priced & (val >= 1e9);
    t->gazelles += (fg & NB_FL_GAZELLE) != 0;
    t->unicorns += priced & !(fg & NB_FL_LISTED) & (val >= d->unicorn_rmb) & (age <= d->unicorn_age);
    t->listed += (fg & NB_FL_LISTED) != 0;
    t->hightech += (fg & NB_FL_HIGHTECH) != 0;
    t->list_demand += ((fg & (NB_FL_GAZELLE | NB_FL_HIGHTECH)) != 0) & !(fg & NB_FL_LISTED);
    t->list_members += lm;
    t->employees += emp > d->team ? emp : d->team;
    t->revenue += rev;
    t->valuation += val;
    t->debt += f->debt[i];
    t->no_cash += f->cash[i] < 0;
    t->future += f->sector[i] <= NB_SEC_ROBOTICS;
    int nursery = (st == NB_PRE) | ((st == NB_STARTUP) & (age < (int)s->p.incubator_max_age));
    t->incub_demand += nursery;
    t->incubated += nursery & (f->prio[i] < d->incub_share);
    t->space_demand += st >= NB_BACKBONE;
    t->grant_demand += (st == NB_STARTUP) & !(fg & NB_FL_FUNDED);
}

/* tally_firm_rev for a firm whose contract revenue is not yet known. */
static inline __attribute__((always_inline)) void tally_firm(const nb_sim *s, nb_tally *t, int i, int k)
{
    tally_firm_rev(s, t, i, k, programme_revenue(s, i, k), list_member(&s->f, &s->d, i, k, s->f.flags[i]));
}

/* Founders' cash at incorporation for the standard normal draw z: a mean-preserving
 * log-normal spread around cash.start_years of start-up burn. */
static inline double founders_cash(const nb_params *p, double z)
{
    double sd = p->cash_start_spread;
    return p->cash_start_years * p->cash_burn_startup * exp(sd * z - 0.5 * sd * sd);
}

/* Annual burn of cash by stage (backbones and leaders live on their margin). */
static inline double cash_burn(const nb_params *p, int stage)
{
    return stage == NB_PRE ? p->cash_burn_pre : stage == NB_STARTUP ? p->cash_burn_startup : 0.0;
}

#endif
