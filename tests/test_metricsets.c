/* test_metricsets.c -- the default metric sets (analysis/metricsets.def): every
 * name is a metric of model/metrics.def, none appears twice in a set, and the
 * lengths the header computes match the arrays. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include "../model/metrics.h"
#include "../analysis/metricsets.h"

static int metric_known(const char *name)
{
    for (int i = 0; i < NB_NMETRICS; i++)
        if (strcmp(nb_metrics[i].name, name) == 0) return 1;
    return 0;
}

static void check_set(const char *set, const char *const *m, int n)
{
    assert_true(n > 0);
    for (int i = 0; i < n; i++) {
        if (!metric_known(m[i])) fprintf(stderr, "set %s: '%s' is not a metric\n", set, m[i]);
        assert_true(metric_known(m[i]));
        for (int j = 0; j < i; j++) assert_string_not_equal(m[i], m[j]);
    }
}

static void test_sets_name_metrics(void **state)
{
    (void)state;
#define NB_METRIC_SET(set, ...) check_set(#set, nb_metric_set_##set, NB_N_METRIC_SET_##set);
#include "../analysis/metricsets.def"
#undef NB_METRIC_SET
    /* the lengths: a set's entries written out here count what the table says */
    assert_int_equal(NB_N_METRIC_SET_sensitivity, 3);
    assert_string_equal(nb_metric_set_summary[0], "firms");
    assert_string_equal(nb_metric_set_summary[NB_N_METRIC_SET_summary - 1], "valuation");
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_sets_name_metrics)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
