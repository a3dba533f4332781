/* sensitivity.c -- Sobol and Morris estimators with bootstrap intervals (see
 * sensitivity.h).  Pure functions over arrays: no I/O, no global state. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include "sensitivity.h"
#include "../model/neobay.h"
#include "../model/rng.h"

#define BOOT_CHUNK 16384       /* draws per Philox stream (a stream holds 262,144 words) */
#define UNIT_EPS 1e-12         /* smallest step on the unit scale taken as a change */

/* ---- bootstrap ------------------------------------------------------------------------ */

/* Resample b: n indices in [0, n) drawn with replacement into idx.  Draws come from
 * nb_rng_philox keyed (seed, NB_SENS_KEY), one stream of counter (b, chunk, 0, 0)
 * for every BOOT_CHUNK draws, so no stream is ever read past its end. */
static void boot_draw(gsl_rng *r, uint32_t seed, int b, int n, int *idx)
{
    nb_key key = nb_rng_key(seed, NB_SENS_KEY);
    for (int j = 0; j < n; j++) {
        if (j % BOOT_CHUNK == 0)
            nb_rng_stream(r, key, nb_rng_ctr((uint64_t)b, (uint32_t)(j / BOOT_CHUNK), 0, 0));
        idx[j] = (int)gsl_rng_uniform_int(r, (unsigned long)n);
    }
}

/* The percentile interval at `level` of the finite values among v[n] (sorted in
 * place), into *lo, *hi; NaN when none is finite. */
static void boot_interval(double *v, int n, double level, double *lo, double *hi)
{
    int m = 0;
    for (int i = 0; i < n; i++)
        if (isfinite(v[i])) v[m++] = v[i];
    if (m == 0) {
        *lo = *hi = NAN;
        return;
    }
    gsl_sort(v, 1, (size_t)m);
    *lo = gsl_stats_quantile_from_sorted_data(v, 1, (size_t)m, (1 - level) / 2);
    *hi = gsl_stats_quantile_from_sorted_data(v, 1, (size_t)m, (1 + level) / 2);
}

/* 1 when every v[i], i < n, is finite. */
static int all_finite(const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i])) return 0;
    return 1;
}

/* ---- Sobol ---------------------------------------------------------------------------- */

/* The Sobol estimates over base rows rows[0..n) (NULL: rows 0..n-1) of the Saltelli
 * outputs y (n_base rows a block): s1[k], st[k]; returns V (0 when the output does
 * not vary, s1 and st then NaN). */
static double sobol_estimate(const double *y, int n_base, int k, const int *rows, int n,
                             double *s1, double *st)
{
    const double *fa = y, *fb = y + n_base;
    double mean = 0;
    for (int j = 0; j < n; j++) {
        int r = rows ? rows[j] : j;
        mean += fa[r] + fb[r];
    }
    mean /= 2.0 * n;
    double v = 0;
    for (int j = 0; j < n; j++) {
        int r = rows ? rows[j] : j;
        v += (fa[r] - mean) * (fa[r] - mean) + (fb[r] - mean) * (fb[r] - mean);
    }
    v /= 2.0 * n;
    for (int i = 0; i < k; i++) {
        const double *fab = y + (size_t)(2 + i) * n_base;
        double first = 0, total = 0;
        for (int j = 0; j < n; j++) {
            int r = rows ? rows[j] : j;
            double d = fab[r] - fa[r];
            first += (fb[r] - mean) * d;
            total += d * d;
        }
        s1[i] = v > 0 ? first / n / v : NAN;
        st[i] = v > 0 ? total / n / (2 * v) : NAN;
    }
    return v;
}

/* See sensitivity.h. */
int nb_sens_sobol(const double *y, int n, int k, int boot, double level, uint32_t seed,
                  nb_sobol *out, double *var)
{
    if (n < 2 || k < 1 || boot < 0 || !(level > 0 && level < 1) ||
        !all_finite(y, (size_t)(k + 2) * n))
        return NB_EINVAL;
    double *s1 = malloc((size_t)k * sizeof *s1), *st = malloc((size_t)k * sizeof *st);
    double *bs1 = boot ? malloc((size_t)k * boot * sizeof *bs1) : NULL;
    double *bst = boot ? malloc((size_t)k * boot * sizeof *bst) : NULL;
    int *idx = boot ? malloc((size_t)n * sizeof *idx) : NULL;
    gsl_rng *r = boot ? gsl_rng_alloc(nb_rng_philox) : NULL;
    int rc = NB_ENOMEM;
    if (s1 && st && (!boot || (bs1 && bst && idx && r))) {
        double v = sobol_estimate(y, n, k, NULL, n, s1, st);
        /* Resample b's estimates go to column b of bs1/bst ([factor][resample]). */
        for (int b = 0; b < boot; b++) {
            boot_draw(r, seed, b, n, idx);
            sobol_estimate(y, n, k, idx, n, s1, st);
            for (int i = 0; i < k; i++) {
                bs1[(size_t)i * boot + b] = s1[i];
                bst[(size_t)i * boot + b] = st[i];
            }
        }
        sobol_estimate(y, n, k, NULL, n, s1, st);
        for (int i = 0; i < k; i++) {
            nb_sobol *o = &out[i];
            o->s1 = s1[i];
            o->st = st[i];
            o->s1_lo = o->s1_hi = o->st_lo = o->st_hi = NAN;
            if (boot && v > 0) {
                boot_interval(bs1 + (size_t)i * boot, boot, level, &o->s1_lo, &o->s1_hi);
                boot_interval(bst + (size_t)i * boot, boot, level, &o->st_lo, &o->st_hi);
            }
        }
        if (var) *var = v;
        rc = v > 0 ? NB_OK : NB_ERANGE;
    }
    if (r) gsl_rng_free(r);
    free(idx);
    free(bst);
    free(bs1);
    free(st);
    free(s1);
    return rc;
}

/* ---- Morris --------------------------------------------------------------------------- */

/* The elementary effects of trajectory t into ee[t k + i] (factor i).  NB_OK, or
 * NB_EINVAL with *bad the first point of the offending step. */
static int morris_effects(const double *y, const double *unit, const int *factor, int t,
                          int k, double *ee, unsigned char *seen, int *bad)
{
    size_t p0 = (size_t)t * (k + 1);
    memset(seen, 0, (size_t)k);
    for (int j = 0; j < k; j++) {
        const double *u0 = unit + (p0 + j) * k, *u1 = u0 + k;
        int i = factor[(size_t)t * k + j];
        *bad = (int)(p0 + j);
        if (i < 0 || i >= k || seen[i]) return NB_EINVAL;
        double du = u1[i] - u0[i];
        if (fabs(du) < UNIT_EPS) return NB_EINVAL;
        for (int q = 0; q < k; q++)
            if (q != i && fabs(u1[q] - u0[q]) >= UNIT_EPS) return NB_EINVAL;
        seen[i] = 1;
        ee[(size_t)t * k + i] = (y[p0 + j + 1] - y[p0 + j]) / du;
    }
    *bad = -1;
    return NB_OK;
}

/* mu* of factor i over trajectories rows[0..r) (NULL: all) of ee[r][k]. */
static double morris_mu_star(const double *ee, int k, int i, const int *rows, int r)
{
    double s = 0;
    for (int j = 0; j < r; j++) s += fabs(ee[(size_t)(rows ? rows[j] : j) * k + i]);
    return s / r;
}

/* See sensitivity.h. */
int nb_sens_morris(const double *y, const double *unit, const int *factor, int r, int k,
                   int boot, double level, uint32_t seed, nb_morris *out, int *bad_point)
{
    int bad = -1;
    if (bad_point) *bad_point = -1;
    if (r < 1 || k < 1 || boot < 0 || !(level > 0 && level < 1) ||
        !all_finite(y, (size_t)r * (k + 1)) || !all_finite(unit, (size_t)r * (k + 1) * k))
        return NB_EINVAL;
    double *ee = malloc((size_t)r * k * sizeof *ee);
    unsigned char *seen = malloc((size_t)k);
    double *bv = boot ? malloc((size_t)boot * sizeof *bv) : NULL;
    int *idx = boot ? malloc((size_t)r * sizeof *idx) : NULL;
    gsl_rng *g = boot ? gsl_rng_alloc(nb_rng_philox) : NULL;
    int rc = NB_ENOMEM;
    if (ee && seen && (!boot || (bv && idx && g))) {
        rc = NB_OK;
        for (int t = 0; t < r && rc == NB_OK; t++)
            rc = morris_effects(y, unit, factor, t, k, ee, seen, &bad);
        if (rc != NB_OK && bad_point) *bad_point = bad;
    }
    for (int i = 0; rc == NB_OK && i < k; i++) {
        nb_morris *o = &out[i];
        double s = 0, ss = 0;
        for (int t = 0; t < r; t++) s += ee[(size_t)t * k + i];
        o->mu = s / r;
        for (int t = 0; t < r; t++) {
            double d = ee[(size_t)t * k + i] - o->mu;
            ss += d * d;
        }
        o->sigma = r > 1 ? sqrt(ss / (r - 1)) : NAN;
        o->mu_star = morris_mu_star(ee, k, i, NULL, r);
        o->mu_star_lo = o->mu_star_hi = NAN;
        if (!boot) continue;
        /* The same resamples for every factor: resample b is a function of b alone. */
        for (int b = 0; b < boot; b++) {
            boot_draw(g, seed, b, r, idx);
            bv[b] = morris_mu_star(ee, k, i, idx, r);
        }
        boot_interval(bv, boot, level, &o->mu_star_lo, &o->mu_star_hi);
    }
    if (g) gsl_rng_free(g);
    free(idx);
    free(bv);
    free(seen);
    free(ee);
    return rc;
}
