/* registry.h -- the parameter registry (one row per parameter, from params.def).
 *
 * Like Redis's config table: one static table holds each parameter's name, type,
 * unit, default, range, description and source.  Validation, `neobay params`,
 * PARAMETERS.md and the output metadata all read this table and nothing else.
 */
#ifndef NB_REGISTRY_H
#define NB_REGISTRY_H
#include "nb_api.h"
#include <stddef.h>

typedef enum { NB_T_REAL, NB_T_INT, NB_T_PROB, NB_T_MONEY, NB_T_BOOL, NB_T_MONTH } nb_ptype;

/* NB_F_EFFECT: an effect size (what a lever's money does to firms); it has an
 * evidence prior in priors.def (prior.h) and a source section in EVIDENCE.md. */
enum { NB_F_SCHED = 1u, NB_F_RUN = 2u, NB_F_EFFECT = 4u };

/* Every parameter's value for one month, as the model reads it. */
typedef struct nb_params {
#define NB_PARAM(field, ...) double field;
#include "params.def"
#undef NB_PARAM
} nb_params;

enum nb_param_id {
#define NB_PARAM(field, ...) NB_P_##field,
#include "params.def"
#undef NB_PARAM
    NB_NPARAMS
};

typedef struct nb_param_info {
    const char *name;        /* dotted path, "group.key" */
    nb_ptype type;
    size_t offset;           /* offsetof(nb_params, field) */
    const char *unit;
    double def, min, max;
    unsigned flags;          /* NB_F_* */
    int measure;             /* 1..20, or 0 */
    const char *desc;
    const char *source;
} nb_param_info;

/* The registry, NB_NPARAMS rows in params.def order. */
NB_API extern const nb_param_info nb_registry[NB_NPARAMS];

/* Index of the parameter called `name`, or -1. */
NB_API int nb_registry_find(const char *name);

/* Index of the registered name closest to `name` (edit distance of the whole name,
 * or of the part after the last dot plus one), for a did-you-mean hint, or -1 when
 * nothing is close (distance > 1/3 of the length).  Ties go to the smaller distance
 * of the whole name (`listings.rate` -> `listing.rate`, not `hightech.rate`). */
NB_API int nb_registry_suggest(const char *name);

/* NB_OK when `v` is a valid value for parameter `id` (type and range);
 * otherwise NB_EINVAL and, if `why` is not NULL, a static reason text. */
NB_API int nb_registry_check(int id, double v, const char **why);

/* Type name for messages and documentation ("real", "money", ...). */
NB_API const char *nb_ptype_name(nb_ptype t);

/* Set every field of *p to its registered default. */
NB_API void nb_params_default(nb_params *p);

/* Read and write a parameter by index. */
static inline double nb_params_get(const nb_params *p, int id)
{ return *(const double *)((const char *)p + nb_registry[id].offset); }
static inline void nb_params_set(nb_params *p, int id, double v)
{ *(double *)((char *)p + nb_registry[id].offset) = v; }

#endif
