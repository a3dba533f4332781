/* metricsets.c -- the arrays of analysis/metricsets.def. */
#include "metricsets.h"

#define NB_METRIC_SET(set, ...) const char *const nb_metric_set_##set[] = {__VA_ARGS__};
#include "metricsets.def"
#undef NB_METRIC_SET
