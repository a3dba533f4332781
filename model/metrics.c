/* metrics.c -- the metric table (see metrics.h). */
#include <string.h>
#include "textdist.h"
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

int nb_metric_suggest(const char *name)
{
    int best = -1, bestd = 1 << 30;
    for (int i = 0; i < NB_NMETRICS; i++) {
        int d = nb_edit_distance(name, nb_metrics[i].name);
        if (d < bestd) { bestd = d; best = i; }
    }
    int len = (int)strlen(name);
    return (best >= 0 && bestd * 3 <= len + 3) ? best : -1;
}
