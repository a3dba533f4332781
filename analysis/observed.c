/* observed.c -- the zone's observed figures beside a run's simulated ones.
 *
 * A run file keeps the history from run.origin (group `history`) and the projection
 * from run.start (the root).  The published figures of data.md fall in one or the
 * other; this module prints each with the simulated median and 5%-95% band at the
 * same month, so a reader sees at once whether the spin-up reaches the zone as it
 * was observed.  It only reads.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <hdf5.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include "../model/neobay.h"
#include "h5out.h"
#include "observed.h"

/* One published figure: the metric, the month, the value, whether it is a floor
 * ("3,000+": at least the value) and where it is from. */
typedef struct observation {
    const char *metric;
    int year, month;
    double value;
    int floor;
    const char *what, *source;
} observation;

static const observation observations[] = {
    {"firms", 2023, 2, 3000, 1, "hard-tech firms (3,000+)", "Global Times 2023-02-27"},
    {"firms", 2024, 7, 4000, 1, "hard-tech firms (4,000+)", "source document, mid 2024"},
    {"valued_1e8", 2024, 7, 130, 0, "valued >= 1亿 RMB", "source document, mid 2024"},
    {"valued_1e9", 2024, 7, 38, 0, "valued >= 10亿 RMB", "source document, mid 2024"},
    {"listed", 2024, 7, 10, 0, "listed firms", "source document, mid 2024"},
    {"hightech", 2024, 7, 600, 1, "high-tech enterprises (600+)", "source document, mid 2024"},
};
#define N_OBS ((int)(sizeof observations / sizeof observations[0]))

/* The mark beside an observation with simulated median and band q: a point figure
 * must lie inside the 5%-95% band; a floor ("3,000+") only needs the band to reach it. */
static const char *fit_note(const observation *o, const double q[3])
{
    if (o->floor) return q[2] >= o->value ? "" : "  (below floor)";
    return o->value >= q[1] && o->value <= q[2] ? "" : "  (outside)";
}

/* The time index of month (y, m) in the time scale of group `loc`, or -1. */
static int time_index(hid_t loc, int y, int m)
{
    hsize_t n = 0;
    double *t = nb_h5r_doubles(loc, "time", 1, &n);
    int k = -1;
    int64_t want = nb_h5_month_days(NB_MONTH(y, m));
    for (hsize_t i = 0; t && i < n; i++)
        if ((int64_t)t[i] == want) k = (int)i;
    free(t);
    return k;
}

/* Median, 5% and 95% across replicates of metric `name` at time index k of `loc`;
 * 0 on success. */
static int quantiles_at(hid_t loc, const char *name, int k, double *q)
{
    hsize_t dims[2] = {0, 0};
    double *v = nb_h5r_doubles(loc, name, 2, dims);
    if (!v || dims[0] == 0 || (hsize_t)k >= dims[1]) { free(v); return -1; }
    double *col = malloc(dims[0] * sizeof *col);
    if (!col) { free(v); return -1; }
    for (hsize_t r = 0; r < dims[0]; r++) col[r] = v[r * dims[1] + (hsize_t)k];
    gsl_sort(col, 1, dims[0]);
    q[0] = gsl_stats_quantile_from_sorted_data(col, 1, dims[0], 0.5);
    q[1] = gsl_stats_quantile_from_sorted_data(col, 1, dims[0], 0.05);
    q[2] = gsl_stats_quantile_from_sorted_data(col, 1, dims[0], 0.95);
    free(col);
    free(v);
    return 0;
}

/* See h5out.h. */
void nb_h5_print_observed(const char *path, FILE *out)
{
    nb_h5_quiet qt = nb_h5_quiet_begin();
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t h = f >= 0 && H5Lexists(f, "history", H5P_DEFAULT) > 0
            ? H5Gopen2(f, "history", H5P_DEFAULT) : H5I_INVALID_HID;
    int printed = 0;
    for (int i = 0; f >= 0 && i < N_OBS; i++) {
        const observation *o = &observations[i];
        hid_t loc = f;
        int k = time_index(f, o->year, o->month);
        if (k < 0 && h >= 0) { loc = h; k = time_index(h, o->year, o->month); }
        double q[3];
        if (k < 0 || quantiles_at(loc, o->metric, k, q) != 0) continue;
        if (!printed++)
            fprintf(out, "\nobserved vs simulated (观测值与模拟值, data.md): the run grows the zone from\n"
                    "run.origin, so the simulated figures are reached by the dynamics, not imposed\n"
                    "%-8s %-30s %9s %9s %15s  %s\n", "month", "figure", "observed", "median",
                    "5%-95%", "source");
        char band[64];
        snprintf(band, sizeof band, "[%.0f-%.0f]", q[1], q[2]);
        fprintf(out, "%04d-%02d  %-30s %9.0f %9.0f %15s  %s%s\n", o->year, o->month, o->what,
                o->value, q[0], band, o->source,
                fit_note(o, q));
    }
    if (h >= 0) H5Gclose(h);
    if (f >= 0) H5Fclose(f);
    nb_h5_quiet_end(qt);
}
