/* registry.c -- the parameter registry table and its look-ups (see registry.h). */
#include <math.h>
#include <stddef.h>
#include <string.h>
#include "textdist.h"
#include "neobay.h"
#include "registry.h"

const nb_param_info nb_registry[NB_NPARAMS] = {
#define NB_PARAM(field, name, type, unit, def, min, max, flags, measure, desc, source) \
    {name, type, offsetof(nb_params, field), unit, def, min, max, flags, measure, desc, source},
#include "params.def"
#undef NB_PARAM
};

int nb_registry_find(const char *name)
{
    for (int i = 0; i < NB_NPARAMS; i++)
        if (strcmp(nb_registry[i].name, name) == 0) return i;
    return -1;
}

/* The key after the group ("hazard_y1" of "exit.hazard_y1"). */
static const char *leaf(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot ? dot + 1 : name;
}

int nb_registry_suggest(const char *name)
{
    int best = -1, bestd = 1 << 30, bestfull = 1 << 30;
    for (int i = 0; i < NB_NPARAMS; i++) {
        int full = nb_edit_distance(name, nb_registry[i].name), d = full;
        /* A right key under the wrong group is close too. */
        int dl = nb_edit_distance(leaf(name), leaf(nb_registry[i].name)) + 1;
        if (dl < d) d = dl;
        /* Ties (many groups share a leaf such as `rate`) go to the whole name's
         * distance, so `listings.rate` is `listing.rate`, not `hightech.rate`. */
        if (d < bestd || (d == bestd && full < bestfull)) { bestd = d; bestfull = full; best = i; }
    }
    int len = (int)strlen(leaf(name));
    return (best >= 0 && bestd * 3 <= len + 3) ? best : -1;
}

int nb_registry_check(int id, double v, const char **why)
{
    const nb_param_info *p = &nb_registry[id];
    const char *w = NULL;
    if (!isfinite(v)) w = "is not a finite number";
    else if ((p->type == NB_T_INT || p->type == NB_T_MONTH) && v != floor(v))
        w = "must be a whole number";
    else if (p->type == NB_T_BOOL && v != 0 && v != 1) w = "must be true or false";
    else if (v < p->min) w = "is below the minimum";
    else if (v > p->max) w = "is above the maximum";
    if (why) *why = w;
    return w ? NB_EINVAL : NB_OK;
}

const char *nb_ptype_name(nb_ptype t)
{
    switch (t) {
    case NB_T_REAL: return "real";
    case NB_T_INT: return "integer";
    case NB_T_PROB: return "probability";
    case NB_T_MONEY: return "money";
    case NB_T_BOOL: return "boolean";
    case NB_T_MONTH: return "month";
    }
    return "?";
}

void nb_params_default(nb_params *p)
{
    for (int i = 0; i < NB_NPARAMS; i++) nb_params_set(p, i, nb_registry[i].def);
}
