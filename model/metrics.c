/* metrics.c -- the metric table (see metrics.h). */
#include <string.h>
#include "metrics.h"

const nb_metric_info nb_metrics[NB_NMETRICS] = {
#define NB_METRIC(field, name, unit, kind, ln, lnzh, def) {name, unit, kind, ln, lnzh, def},
#include "metrics.def"
#undef NB_METRIC
};

int nb_metric_find(const char *name)
{
    for (int i = 0; i < NB_NMETRICS; i++)
        if (strcmp(nb_metrics[i].name, name) == 0) return i;
    return -1;
}
