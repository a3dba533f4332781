/* firms.h -- the firm population, stored as a structure of arrays.
 *
 * The monthly step streams through these arrays in order, so each field is its own
 * contiguous array (cache lines carry only what the loop reads).  Index i is a
 * firm's slot, not its identity: slots are compacted as firms exit; `eid` is the
 * stable identity that keys the firm's random streams.
 */
#ifndef NB_FIRMS_H
#define NB_FIRMS_H
#include "nb_api.h"
#include <stdint.h>

enum nb_stage { NB_PRE = 0, NB_STARTUP = 1, NB_BACKBONE = 2, NB_LEADER = 3, NB_NSTAGES };
enum nb_origin_kind { NB_OR_SPINOFF = 0, NB_OR_RELOCATION = 1, NB_OR_OTHER = 2, NB_NORIGINS };
enum nb_sector { NB_SEC_ENERGY, NB_SEC_ROBOTICS, NB_SEC_LIFE, NB_SEC_IC, NB_SEC_AI,
                 NB_SEC_MATERIALS, NB_NSECTORS };
enum nb_exit_kind { NB_EX_FAILED = 0, NB_EX_ACQUIRED = 1, NB_EX_RELOCATED = 2 };

enum nb_firm_flag {
    NB_FL_FUNDED = 1u,      /* has raised equity: a priced round or a grant-to-equity */
    NB_FL_LISTED = 2u,
    NB_FL_HIGHTECH = 4u,
    NB_FL_GAZELLE = 8u,     /* as of the last January */
    NB_FL_DEAD = 16u,       /* exited; the slot is skipped until nb_firms_compact */
    NB_FL_OUTER = 32u       /* founded in the wider area: counted only from zone.expand */
};

#define NB_HIST 3           /* January revenue snapshots kept, for the gazelle test */

/* The programmes of the programme engine (programmes.def), indexing nb_firms.award. */
enum nb_programme_id {
#define NB_PROG(id, ...) NB_PG_##id,
#include "programmes.def"
#undef NB_PROG
    NB_NPROG
};

typedef struct nb_firms {
    int n, cap;
    int dead;               /* slots flagged NB_FL_DEAD, removed by nb_firms_compact */
    uint64_t *eid;          /* identity: keys the random streams */
    int16_t *birth;         /* month founded (incorporated, for a graduated project), in steps since run.origin */
    uint8_t *stage, *flags, *origin, *rounds, *sector;
    float *quality;         /* latent quality, standard normal at birth */
    float *hmul;            /* exit-hazard multiplier exp(-exit.quality_effect*quality) */
    float *gmul;            /* monthly growth multiplier from quality, size and the yearly shock (redrawn in the firm's own month) */
    float *rmul;            /* exp(funding.quality_effect * quality): rounds, seed value, start revenue */
    float *prio;            /* fixed queue priority in [0,1): incubation and space places */
    float *revenue;         /* annualised revenue, RMB/year (0 in pre-incubation) */
    float *valuation;       /* RMB */
    float *cash;            /* RMB; below zero the firm is in distress */
    float *raised;          /* equity raised so far, RMB */
    float *belief;          /* posterior mean of quality from the yearly signals */
    uint8_t *seen;          /* yearly signals observed so far (saturates at 255) */
    uint8_t *distress;      /* consecutive months with cash below zero */
    float *debt;            /* outstanding tech-credit loans, RMB */
    float *pay;             /* monthly principal instalment of those loans, RMB */
    float *hist;            /* [NB_HIST * cap]: January revenues 1, 2, 3 years ago */
    uint16_t *award;        /* [NB_NPROG * cap]: 1 + step of the firm's last award of each programme, 0 none */
    uint32_t *u0, *u1, *u2, *u3;   /* scratch: this month's random words, filled in bulk */
    uint32_t *ua, *ub;      /* scratch: the seed of this month's applications (NB_RS_APPLY) */
} nb_firms;

/* Bytes of state per firm (the arrays above), for the memory budget. */
#define NB_FIRM_BYTES (8 + 2 + 7 * 1 + 14 * 4 + NB_HIST * 4 + NB_NPROG * 2 + 6 * 4)

/* Make room for at least `cap` firms, keeping the first f->n.  NB_OK or NB_ENOMEM
 * (then f is unchanged). */
NB_API int nb_firms_reserve(nb_firms *f, int cap);

/* Free the arrays; f is left empty. */
NB_API void nb_firms_release(nb_firms *f);

/* Remove firms flagged NB_FL_DEAD, keeping the others' order; f->dead becomes 0. */
NB_API void nb_firms_compact(nb_firms *f);

#endif
