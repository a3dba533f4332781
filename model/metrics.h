/* metrics.h -- the output metrics (one row per metric, from metrics.def). */
#ifndef NB_METRICS_H
#define NB_METRICS_H

typedef enum { NB_STOCK, NB_FLOW } nb_mkind;

enum nb_metric_id {
#define NB_METRIC(field, ...) NB_M_##field,
#include "metrics.def"
#undef NB_METRIC
    NB_NMETRICS
};

typedef struct nb_metric_info {
    const char *name;
    const char *unit;
    nb_mkind kind;
    const char *long_name;
    const char *long_name_zh;
    const char *definition;
} nb_metric_info;

extern const nb_metric_info nb_metrics[NB_NMETRICS];

/* Index of the metric called `name`, or -1. */
int nb_metric_find(const char *name);

#endif
