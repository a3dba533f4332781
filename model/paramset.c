/* paramset.c -- constants and dated schedules (see paramset.h). */
#include <assert.h>
#include <string.h>
#include "neobay.h"
#include "paramset.h"

void nb_paramset_default(nb_paramset *ps)
{
    memset(ps, 0, sizeof *ps);
    for (int i = 0; i < NB_NPARAMS; i++) ps->p[i].value[0] = nb_registry[i].def;
}

void nb_paramset_set_const(nb_paramset *ps, int id, double v)
{
    assert(id >= 0 && id < NB_NPARAMS);
    ps->p[id].n = 0;
    ps->p[id].value[0] = v;
}

int nb_paramset_set_sched(nb_paramset *ps, int id, int n, const int *month,
                          const double *value)
{
    assert(id >= 0 && id < NB_NPARAMS);
    if (n < 1 || n > NB_SCHED_MAX) return NB_EINVAL;
    for (int k = 1; k < n; k++)
        if (month[k] <= month[k - 1]) return NB_EINVAL;
    nb_sched *s = &ps->p[id];
    s->n = n;
    memcpy(s->month, month, (size_t)n * sizeof *month);
    memcpy(s->value, value, (size_t)n * sizeof *value);
    return NB_OK;
}

double nb_paramset_at(const nb_paramset *ps, int id, int m)
{
    const nb_sched *s = &ps->p[id];
    if (s->n == 0) return s->value[0];
    double v = nb_registry[id].def;      /* before the first date: the default */
    for (int k = 0; k < s->n && s->month[k] <= m; k++) v = s->value[k];
    return v;
}

int nb_paramset_start(const nb_paramset *ps)
{
    return (int)ps->p[NB_P_run_start].value[0];
}

int nb_paramset_months(const nb_paramset *ps)
{
    return (int)ps->p[NB_P_run_end].value[0] - nb_paramset_start(ps) + 1;
}

void nb_paramset_table(const nb_paramset *ps, int start, int n, nb_params *table)
{
    for (int k = 0; k < n; k++)
        for (int i = 0; i < NB_NPARAMS; i++)
            nb_params_set(&table[k], i, nb_paramset_at(ps, i, start + k));
}
