/* interval.h -- confidence intervals for paired replicates: the mean of a paired
 * effect (Student t) and the ratio of two paired means (Fieller 1954).
 *
 * Both use the same two-sided level and the same t quantile
 * t = gsl_cdf_tdist_Pinv((1 + level) / 2, n - 1), so the ratio's interval is bounded
 * exactly when the denominator's mean interval excludes zero.
 */
#ifndef NB_INTERVAL_H
#define NB_INTERVAL_H
#include <stddef.h>

/* What an interval is. */
typedef enum nb_interval_kind {
    NB_INTERVAL_NONE,          /* not computable: fewer than 2 values, or a non-finite one */
    NB_INTERVAL_BOUNDED,       /* [lo, hi] */
    NB_INTERVAL_UNBOUNDED,     /* Fieller: the confidence set is not a bounded interval
                                * (the whole line, or two rays): the denominator's mean
                                * is not distinguishable from zero */
} nb_interval_kind;

/* An interval.  lo, hi: the bounds when BOUNDED; -inf, +inf when UNBOUNDED; NaN when
 * NONE.  est: the point estimate (the mean, the ratio of means; NaN when undefined). */
typedef struct nb_interval {
    nb_interval_kind kind;
    double est, lo, hi;
} nb_interval;

/* The level-`level` Student t interval of the mean of x[0..n-1]:
 * mean -+ t * s / sqrt(n), s the sample standard deviation (n - 1 divisor).
 * level in (0, 1).  kind NONE when n < 2 or a value is not finite. */
nb_interval nb_interval_mean(const double *x, size_t n, double level);

/* Fieller's level-`level` interval for the ratio mean(num) / mean(den) of paired
 * values num[i], den[i], i < n.  With a = mean(num), b = mean(den), v11, v22, v12 the
 * variances and covariance of those means (sample (co)variances / n), the set is
 * the theta with (a - theta b)^2 <= t^2 (v11 - 2 theta v12 + theta^2 v22), i.e.
 *   A theta^2 - 2 B theta + C <= 0,  A = b^2 - t^2 v22,  B = a b - t^2 v12,
 *   C = a^2 - t^2 v11,
 * bounded, [(B - sqrt(B^2 - AC)) / A, (B + sqrt(B^2 - AC)) / A], iff A > 0;
 * UNBOUNDED otherwise.  est = a / b (NaN when b = 0).  kind NONE when n < 2 or a
 * value is not finite. */
nb_interval nb_interval_fieller(const double *num, const double *den, size_t n,
                                double level);

#endif
