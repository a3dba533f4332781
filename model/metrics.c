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

/* Optimal string alignment distance of a and b (Levenshtein plus adjacent
 * transpositions), capped at 63 characters each (metric names are short). */
static int edit_distance(const char *a, const char *b)
{
    int la = (int)strlen(a), lb = (int)strlen(b);
    if (la > 63) la = 63;
    if (lb > 63) lb = 63;
    int d[64][64];
    for (int i = 0; i <= la; i++) d[i][0] = i;
    for (int j = 0; j <= lb; j++) d[0][j] = j;
    for (int i = 1; i <= la; i++)
        for (int j = 1; j <= lb; j++) {
            int c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            int del = d[i - 1][j] + 1, ins = d[i][j - 1] + 1;
            int x = c < del ? (c < ins ? c : ins) : (del < ins ? del : ins);
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < x)
                x = d[i - 2][j - 2] + 1;
            d[i][j] = x;
        }
    return d[la][lb];
}

int nb_metric_suggest(const char *name)
{
    int best = -1, bestd = 1 << 30;
    for (int i = 0; i < NB_NMETRICS; i++) {
        int d = edit_distance(name, nb_metrics[i].name);
        if (d < bestd) { bestd = d; best = i; }
    }
    int len = (int)strlen(name);
    return (best >= 0 && bestd * 3 <= len + 3) ? best : -1;
}
