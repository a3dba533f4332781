/* interval.c -- nb_interval_mean, nb_interval_fieller (see interval.h).  Means,
 * variances and covariances are GSL's (gsl_stats_*, n - 1 divisor), the t quantile
 * is gsl_cdf_tdist_Pinv. */
#include <assert.h>
#include <math.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_statistics_double.h>
#include "interval.h"

/* The interval of kind NONE. */
static nb_interval interval_none(void)
{
    return (nb_interval){NB_INTERVAL_NONE, NAN, NAN, NAN};
}

/* 1 when every x[0..n-1] is finite. */
static int interval_finite(const double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i])) return 0;
    return 1;
}

/* The two-sided level-`level` Student t quantile with n - 1 degrees of freedom. */
static double interval_t(size_t n, double level)
{
    assert(n >= 2 && level > 0 && level < 1);
    return gsl_cdf_tdist_Pinv(0.5 + level / 2, (double)(n - 1));
}

/* See interval.h. */
nb_interval nb_interval_mean(const double *x, size_t n, double level)
{
    assert(level > 0 && level < 1);
    if (n < 2 || !interval_finite(x, n)) return interval_none();
    double m = gsl_stats_mean(x, 1, n);
    double half = interval_t(n, level) * sqrt(gsl_stats_variance_m(x, 1, n, m) / (double)n);
    return (nb_interval){NB_INTERVAL_BOUNDED, m, m - half, m + half};
}

/* See interval.h. */
nb_interval nb_interval_fieller(const double *num, const double *den, size_t n,
                                double level)
{
    assert(level > 0 && level < 1);
    if (n < 2 || !interval_finite(num, n) || !interval_finite(den, n)) return interval_none();
    double a = gsl_stats_mean(num, 1, n), b = gsl_stats_mean(den, 1, n);
    double v11 = gsl_stats_variance_m(num, 1, n, a) / (double)n;
    double v22 = gsl_stats_variance_m(den, 1, n, b) / (double)n;
    double v12 = gsl_stats_covariance_m(num, 1, den, 1, n, a, b) / (double)n;
    double t = interval_t(n, level), t2 = t * t;
    double A = b * b - t2 * v22, B = a * b - t2 * v12, C = a * a - t2 * v11;
    double est = b != 0 ? a / b : NAN;
    if (!(A > 0)) return (nb_interval){NB_INTERVAL_UNBOUNDED, est, -INFINITY, INFINITY};
    double D = B * B - A * C;      /* >= 0 when A > 0 (a / b is in the set); rounding */
    double r = sqrt(D > 0 ? D : 0);
    nb_interval iv = {NB_INTERVAL_BOUNDED, est, (B - r) / A, (B + r) / A};
    assert(iv.lo <= iv.hi);
    return iv;
}
