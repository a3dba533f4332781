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

int nb_paramset_origin(const nb_paramset *ps)
{
    int o = (int)ps->p[NB_P_run_origin].value[0], start = nb_paramset_start(ps);
    return o < start ? o : start;
}

/* Value of parameter id in month m of a run that reports from `start`. */
static double run_value(const nb_paramset *ps, int id, int m, int start)
{
    if (m > start || strncmp(nb_registry[id].name, "policy.", 7) != 0)
        return nb_paramset_at(ps, id, m);
    const nb_sched *s = &ps->p[id];
    if (s->n == 0 || s->month[0] >= start) return nb_registry[id].def;
    return nb_paramset_at(ps, id, m < start ? m : start - 1);
}

void nb_paramset_table_run(const nb_paramset *ps, int n, nb_params *table)
{
    int origin = nb_paramset_origin(ps), start = nb_paramset_start(ps);
    for (int t = 0; t < n; t++)
        for (int i = 0; i < NB_NPARAMS; i++)
            nb_params_set(&table[t], i, run_value(ps, i, origin + t, start));
}
