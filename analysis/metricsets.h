/* metricsets.h -- the default metric sets of summary, compare and sensitivity
 * (analysis/metricsets.def). */
#ifndef NB_METRICSETS_H
#define NB_METRICSETS_H

#define NB_METRIC_SET(set, ...)                                                        \
    extern const char *const nb_metric_set_##set[];                                    \
    enum { NB_N_METRIC_SET_##set = (int)(sizeof((const char *[]){__VA_ARGS__}) /       \
                                         sizeof(const char *)) };
#include "metricsets.def"
#undef NB_METRIC_SET

#endif
