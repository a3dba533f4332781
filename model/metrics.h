/* metrics.h -- the output metrics (one row per metric, from metrics.def). */
#ifndef NB_METRICS_H
#define NB_METRICS_H
#include "nb_api.h"

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

NB_API extern const nb_metric_info nb_metrics[NB_NMETRICS];

/* Index of the metric called `name`, or -1. */
NB_API int nb_metric_find(const char *name);

/* Index of the metric name closest to `name` (edit distance, a swap of two adjacent
 * characters counting as one edit), for a did-you-mean hint; -1 when nothing is
 * close (distance > 1/3 of the length, as nb_registry_suggest). */
NB_API int nb_metric_suggest(const char *name);

#endif
