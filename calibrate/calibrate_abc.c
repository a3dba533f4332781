/* calibrate_abc.c -- ABC-SMC: approximate Bayesian computation by sequential Monte
 * Carlo (Toni et al. 2009, J. R. Soc. Interface 6:187; adaptive tolerances and weights
 * as Beaumont et al. 2009, Biometrika 96:983), and the method of simulated moments.
 *
 * Coordinates.  Each parameter's prior is uniform on [lo, hi], or on [log lo, log hi]
 * for a log prior; the sampler works in those coordinates z, where every prior is
 * flat on a box.  A theta that a scenario rule refuses (init.listed above
 * init.valued_1e9, ...) is outside the support as well.
 *
 * Generation 0 samples the prior and accepts every candidate (tolerance infinite).
 * Generation t >= 1 has tolerance eps_t = the `quantile` quantile of generation t-1's
 * distances.  Candidate j of generation t draws an ancestor from generation t-1 by
 * weight and perturbs it with a component-wise Gaussian kernel whose variance is twice
 * the weighted variance of the previous particles (Beaumont et al.), each component
 * truncated to its prior's interval and drawn by inversion (a joint rejection of
 * points outside the box would need thousands of tries in twenty dimensions).  A
 * point that a scenario rule refuses is thrown away and the ancestor drawn again.
 * Accepted particles get weight
 *     w_i  proportional to  prior(z_i) / sum_j w_j^(t-1) K_j(z_i)
 * with K_j the truncated kernel about z_j^(t-1), its normaliser included (the prior is
 * flat on the support; the rule-refused region is a global factor that cancels).  The
 * distance is nb_cal_distance.
 *
 * Determinism.  Every random number comes from neobay's Philox generator
 * (nb_rng_philox, used through GSL), keyed by (calibration seed, generation) with a
 * counter of (candidate, purpose): candidate j's proposal, its model seed and so its
 * simulation are functions of (seed, generation, j, generation t-1) only.  Candidates
 * are evaluated in batches of `batch` on any number of threads; after each batch they
 * are scanned in index order and the first N accepted form the generation.  So the
 * posterior does not depend on the thread count, the order candidates finish in, or
 * whether the run was interrupted.
 *
 * Resume.  Each accepted candidate (generation, index, theta, distance), each finished
 * batch and each posterior-predictive simulation is appended to a journal
 * (io/checkpoint.h's durable record file: one write per record, checksums, a torn
 * tail ignored, a damaged record before the tail refused: nb_ckpt_open_strict) as
 * soon as it exists.  A rerun restores the journal and replays: a
 * finished batch is not simulated again (its rejected candidates are those without a
 * record), a batch cut short is simulated again except for the candidates already
 * accepted.  Candidates being pure functions, the replay gives the same posterior,
 * bit for bit, as an uninterrupted run.
 *
 * The journal reuses io/checkpoint.c by carrying each record as the "row" of a
 * replicate in an nb_results: record s is replicate s, its payload doubles laid out
 * metric by metric.  The run hash covers the resolved calibration (calibration file,
 * targets, base scenario), the seed and the neobay build.
 */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_multimin.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include "../model/metrics.h"
#include "../model/neobay.h"
#include "../model/rng.h"
#include "calibrate.h"
#include "checkpoint.h"

#define GEN_KEY 0xABC00000u      /* key word 1 of generation t: GEN_KEY + t */
#define PRED_KEY 0xABCFFFFFu     /* key word 1 of the posterior-predictive draws */
#define P_PROPOSE 1              /* purposes (counter word 3) */
#define P_SEED 2
#define MAX_TRIES 10000          /* proposals refused by the scenario before giving up */

enum { REC_ACCEPTED = 1, REC_BATCH = 2, REC_PRED = 3 };
#define REC_HDR 4                /* kind, generation, index, distance */

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* ==== the journal ================================================================= */

typedef struct jrec {            /* an accepted candidate restored from the journal */
    long j;
    double dist;
    double *theta;               /* [n_par], owned by the journal (J->vals) */
} jrec;

typedef struct jgen {            /* what the journal holds for one generation */
    jrec *acc;
    int n_acc, cap_acc;
    unsigned char *done;         /* batch b finished */
    long n_done;
} jgen;

typedef struct journal {
    nb_ckpt *ck;
    nb_results *car;             /* carrier: record s is "replicate" s */
    unsigned char *skip;
    int width;                   /* doubles per record */
    long next, cap;              /* next record number; records the carrier holds */
    long written;                /* records written by this call */
    long stop_after;
    int dead;                    /* journaling stopped after a failed write */
    FILE *log;
    jgen *gen;                   /* [generations] */
    double **pred;               /* [N] restored predictive statistics, or NULL */
    double *vals;                /* payloads of the restored records, copied out */
} journal;

static double jget(const journal *J, long s, int i)
{
    int nt = J->car->n_time;
    return nb_results_row(J->car, i / nt, (int)s)[i % nt];
}

/* Copy n payload values of record s into dst (the carrier is not contiguous). */
static void jcopy(const journal *J, long s, int n, double *dst)
{
    for (int i = 0; i < n; i++) dst[i] = jget(J, s, REC_HDR + i);
}

static double *jslot(const journal *J, long s, int i)
{
    int nt = J->car->n_time;
    return &nb_results_row(J->car, i / nt, (int)s)[i % nt];
}

/* Append a record (hdr fields and n values); call from one thread at a time.
 * Returns 1 when the caller should stop (stop_after reached). */
static int jput(journal *J, int kind, int gen, long idx, double dist, const double *x, int n)
{
    if (!J->ck || J->dead) return 0;
    if (J->next >= J->cap) {
        if (J->log) fprintf(J->log, "neobay: warning: calibration journal full (%ld records); continuing without it\n", J->cap);
        J->dead = 1;
        return 0;
    }
    long s = J->next++;
    for (int i = 0; i < J->width; i++) *jslot(J, s, i) = 0;
    *jslot(J, s, 0) = kind;
    *jslot(J, s, 1) = gen;
    *jslot(J, s, 2) = (double)idx;
    *jslot(J, s, 3) = dist;
    for (int i = 0; i < n; i++) *jslot(J, s, REC_HDR + i) = x[i];
    nb_err e;
    if (nb_ckpt_append(J->ck, J->car, (int)s, &e) != NB_OK) {
        if (J->log) fprintf(J->log, "neobay: warning: %s; continuing without a journal\n", e.msg);
        J->dead = 1;
        return 0;
    }
    J->written++;
    return J->stop_after > 0 && J->written >= J->stop_after;
}

static int cmp_jrec(const void *a, const void *b)
{
    long x = ((const jrec *)a)->j, y = ((const jrec *)b)->j;
    return (x > y) - (x < y);
}

static void journal_close(journal *J, int n_gen, int N)
{
    if (J->ck) nb_ckpt_close(J->ck, 0, NULL);
    nb_results_free(J->car);
    free(J->skip);
    if (J->gen)
        for (int t = 0; t < n_gen; t++) {
            free(J->gen[t].acc);
            free(J->gen[t].done);
        }
    free(J->gen);
    free(J->pred);
    free(J->vals);
    (void)N;
}

/* Open (or create) the journal and index what it holds. */
static int journal_open(journal *J, const nb_calib *c, const nb_abc_opts *o, int pp_len,
                        long max_batches, nb_err *e)
{
    memset(J, 0, sizeof *J);
    J->log = o->quiet ? NULL : (o->log ? o->log : stderr);
    J->stop_after = o->stop_after;
    J->gen = calloc((size_t)c->generations, sizeof *J->gen);
    J->pred = calloc((size_t)c->particles, sizeof *J->pred);
    if (!J->gen || !J->pred) return nb_err_code(e, NB_ENOMEM, "out of memory");
    for (int t = 0; t < c->generations; t++) {
        J->gen[t].done = calloc((size_t)max_batches, 1);
        if (!J->gen[t].done) return nb_err_code(e, NB_ENOMEM, "out of memory");
    }
    if (!o->journal) return NB_OK;
    int payload = REC_HDR + (c->n_par > pp_len ? c->n_par : pp_len);
    int nt = (payload + NB_NMETRICS - 1) / NB_NMETRICS;
    double cap = (double)c->generations * ((double)max_batches + c->particles + c->batch) +
                 c->particles + 16;
    J->cap = cap > (1 << 17) ? (1 << 17) : (long)cap;
    J->width = nt * NB_NMETRICS;
    J->car = nb_results_alloc((int)J->cap, nt, 0);
    J->skip = calloc((size_t)J->cap, 1);
    if (!J->car || !J->skip) return nb_err_code(e, NB_ENOMEM, "out of memory");
    nb_run_meta meta = {c->name, c->path, c->resolved, &c->base->ps, c->seed};
    int found = 0, n_done = 0;
    if (o->restart) {
        int st = nb_ckpt_delete(o->journal, e);
        if (st != NB_OK) return st;
    }
    int st = nb_ckpt_open_strict(o->journal, nb_ckpt_hash(&meta, J->car), J->car, J->skip, &J->ck,
                          &found, &n_done, e);
    if (st != NB_OK) return st;
    /* Copy the restored payloads out and index them. */
    int vw = c->n_par > pp_len ? c->n_par : pp_len;
    J->vals = malloc((size_t)(n_done > 0 ? n_done : 1) * vw * sizeof *J->vals);
    if (!J->vals) return nb_err_code(e, NB_ENOMEM, "out of memory");
    long nv = 0;
    for (long s = 0; s < J->cap; s++) {
        if (!J->skip[s]) continue;
        J->next = s + 1;
        int kind = (int)jget(J, s, 0), t = (int)jget(J, s, 1);
        long idx = (long)jget(J, s, 2);
        double *v = &J->vals[(size_t)nv * vw];
        if (kind == REC_PRED) {
            if (idx >= 0 && idx < c->particles && nv < n_done) {
                jcopy(J, s, pp_len, v);
                J->pred[idx] = v;
                nv++;
            }
            continue;
        }
        if (t < 0 || t >= c->generations) continue;
        jgen *g = &J->gen[t];
        if (kind == REC_BATCH) {
            if (idx >= 0 && idx < max_batches && !g->done[idx]) g->done[idx] = 1, g->n_done++;
        } else if (kind == REC_ACCEPTED) {
            if (g->n_acc == g->cap_acc) {
                int cp = g->cap_acc ? 2 * g->cap_acc : 64;
                jrec *a = realloc(g->acc, (size_t)cp * sizeof *a);
                if (!a) return nb_err_code(e, NB_ENOMEM, "out of memory");
                g->acc = a;
                g->cap_acc = cp;
            }
            if (nv >= n_done) continue;
            jcopy(J, s, c->n_par, v);
            nv++;
            g->acc[g->n_acc++] = (jrec){idx, jget(J, s, 3), v};
        }
    }
    for (int t = 0; t < c->generations; t++)
        if (J->gen[t].n_acc > 1) qsort(J->gen[t].acc, (size_t)J->gen[t].n_acc, sizeof(jrec), cmp_jrec);
    if (found && J->log)
        fprintf(J->log, "neobay: resuming from %s: %d journal records\n", o->journal, n_done);
    return NB_OK;
}

/* The restored accepted record of candidate j in generation g, or NULL. */
static const jrec *jfind(const jgen *g, long j)
{
    long lo = 0, hi = g->n_acc - 1;
    while (lo <= hi) {
        long mid = (lo + hi) / 2;
        if (g->acc[mid].j == j) return &g->acc[mid];
        if (g->acc[mid].j < j) lo = mid + 1; else hi = mid - 1;
    }
    return NULL;
}

/* ==== per-thread context ========================================================== */

typedef struct tctx {
    nb_cal_ws *ws;
    gsl_rng *r;
    double *stats;               /* [max(replicates, predictive) * n_fit] */
    double *z, *theta;           /* [n_par] */
    uint64_t steps;
    long runs;
} tctx;

/* ==== the sampler ================================================================= */

typedef struct abc {
    const nb_calib *c;
    int N, d, F, B, threads;
    double *zlo, *zhi;           /* [d] support */
    /* previous generation, in z coordinates */
    double *pz, *pw, *cdf;       /* [N*d], [N], [N] */
    double *sig;                 /* [d] kernel s.d. */
    double *lnz;                 /* [N] log normaliser of the truncated kernel about each */
    /* the batch being evaluated */
    double *bz, *bdist;          /* [B*d], [B] */
    unsigned char *bacc;         /* [B] */
    tctx *tc;
    journal J;
    volatile int stop;           /* stop_after reached */
    int err;                     /* NB_OK or the first failure */
    char errmsg[512];
} abc;

static uint32_t model_seed(uint32_t seed, uint32_t keyword, uint64_t j)
{
    return nb_philox4x32(nb_rng_key(seed, keyword), nb_rng_ctr(j, 0, P_SEED, 0)).v[0];
}

/* Draw candidate j of generation t into z (and theta): from the prior when t == 0,
 * else an ancestor by weight, perturbed.  The stream is positioned by the caller. */
static void propose(const abc *A, int t, gsl_rng *r, double *z)
{
    if (t == 0) {
        for (int k = 0; k < A->d; k++) z[k] = A->zlo[k] + (A->zhi[k] - A->zlo[k]) * gsl_rng_uniform(r);
        return;
    }
    double u = gsl_rng_uniform(r);
    int lo = 0, hi = A->N - 1;
    while (lo < hi) {                           /* first i with cdf[i] > u */
        int mid = (lo + hi) / 2;
        if (A->cdf[mid] > u) hi = mid; else lo = mid + 1;
    }
    for (int k = 0; k < A->d; k++) {            /* truncated normal by inversion */
        double m = A->pz[(size_t)lo * A->d + k], sg = A->sig[k];
        double a = gsl_cdf_ugaussian_P((A->zlo[k] - m) / sg);
        double b = gsl_cdf_ugaussian_P((A->zhi[k] - m) / sg);
        double x = m + sg * gsl_cdf_ugaussian_Pinv(a + gsl_rng_uniform_pos(r) * (b - a));
        z[k] = x < A->zlo[k] ? A->zlo[k] : x > A->zhi[k] ? A->zhi[k] : x;
    }
}

static void z_to_theta(const nb_calib *c, const double *z, double *theta)
{
    for (int k = 0; k < c->n_par; k++) theta[k] = nb_cal_from_z(&c->par[k], z[k]);
}

static void theta_to_z(const nb_calib *c, const double *theta, double *z)
{
    for (int k = 0; k < c->n_par; k++) z[k] = nb_cal_to_z(&c->par[k], theta[k]);
}

/* Evaluate candidate j (slot b in the batch) of generation t against tolerance eps. */
static void eval_candidate(abc *A, tctx *T, int t, long j, int b, double eps)
{
    const nb_calib *c = A->c;
    uint32_t kw = GEN_KEY + (uint32_t)t;
    nb_rng_stream(T->r, nb_rng_key(c->seed, kw), nb_rng_ctr((uint64_t)j, 0, P_PROPOSE, 0));
    int st;
    for (int tries = 0;; tries++) {
        propose(A, t, T->r, T->z);
        z_to_theta(c, T->z, T->theta);
        st = nb_cal_simulate(c, T->theta, model_seed(c->seed, kw, (uint64_t)j), c->replicates,
                             T->ws, T->stats, &T->steps);
        if (st != NB_EINVAL) break;
        if (tries == MAX_TRIES) { st = NB_ERANGE; break; }
    }
    if (st != NB_OK) {
#pragma omp critical(nb_abc_err)
        if (A->err == NB_OK) {
            A->err = st == NB_ERANGE ? NB_EINVAL : st;
            snprintf(A->errmsg, sizeof A->errmsg, st == NB_ERANGE
                     ? "no proposal within the priors passes the base scenario's checks (init counts nested, ...): narrow the priors"
                     : "out of memory");
        }
        return;
    }
    T->runs += c->replicates;
    double dist = nb_cal_distance(c, T->stats, c->replicates);
    memcpy(&A->bz[(size_t)b * A->d], T->z, (size_t)A->d * sizeof *T->z);
    A->bdist[b] = dist;
    A->bacc[b] = dist <= eps;
    if (A->bacc[b]) {
#pragma omp critical(nb_abc_journal)
        if (jput(&A->J, REC_ACCEPTED, t, j, dist, T->theta, c->n_par)) A->stop = 1;
    }
}

/* Evaluate batch bi (candidates bi*B ..) of generation t: restored or simulated. */
static void eval_batch(abc *A, int t, long bi, double eps)
{
    const nb_calib *c = A->c;
    const jgen *g = &A->J.gen[t];
    int done = g->done[bi];
    for (int b = 0; b < A->B; b++) A->bacc[b] = 0;
#pragma omp parallel for schedule(dynamic, 1) num_threads(A->threads)
    for (int b = 0; b < A->B; b++) {
        if (A->stop || A->err) continue;
        long j = bi * A->B + b;
        const jrec *rj = jfind(g, j);
        if (rj) {                                /* accepted before the interruption */
            theta_to_z(c, rj->theta, &A->bz[(size_t)b * A->d]);
            A->bdist[b] = rj->dist;
            A->bacc[b] = 1;
            continue;
        }
        if (done) continue;                      /* rejected: no record */
        eval_candidate(A, &A->tc[omp_get_thread_num()], t, j, b, eps);
    }
    if (!done && !A->stop && !A->err && jput(&A->J, REC_BATCH, t, bi, 0, NULL, 0)) A->stop = 1;
}

/* Weighted mean and variance of the previous particles -> kernel s.d.; cdf of weights. */
static void kernel_setup(abc *A)
{
    for (int k = 0; k < A->d; k++) {
        double m = 0, v = 0;
        for (int i = 0; i < A->N; i++) m += A->pw[i] * A->pz[(size_t)i * A->d + k];
        for (int i = 0; i < A->N; i++) {
            double x = A->pz[(size_t)i * A->d + k] - m;
            v += A->pw[i] * x * x;
        }
        double s = sqrt(2.0 * v), floor_s = 1e-9 * (A->zhi[k] - A->zlo[k]);
        A->sig[k] = s > floor_s ? s : floor_s;
    }
    for (int j = 0; j < A->N; j++) {           /* log mass of each truncated kernel */
        double l = 0;
        for (int k = 0; k < A->d; k++) {
            double m = A->pz[(size_t)j * A->d + k];
            double mass = gsl_cdf_ugaussian_P((A->zhi[k] - m) / A->sig[k]) -
                          gsl_cdf_ugaussian_P((A->zlo[k] - m) / A->sig[k]);
            l += log(mass > 1e-300 ? mass : 1e-300);
        }
        A->lnz[j] = l;
    }
    double cum = 0;
    for (int i = 0; i < A->N; i++) A->cdf[i] = (cum += A->pw[i]);
    for (int i = 0; i < A->N; i++) A->cdf[i] /= cum;
    A->cdf[A->N - 1] = 1.0;
}

/* Weights of the new particles z[N*d] against the previous generation. */
static void new_weights(const abc *A, const double *z, double *w)
{
    int N = A->N, d = A->d;
    double mx = -INFINITY;
#pragma omp parallel for num_threads(A->threads)
    for (int i = 0; i < N; i++) {
        double best = -INFINITY, s = 0;
        double *lk = malloc((size_t)N * sizeof *lk);
        for (int j = 0; j < N; j++) {
            double q = 0;
            for (int k = 0; k < d; k++) {
                double x = (z[(size_t)i * d + k] - A->pz[(size_t)j * d + k]) / A->sig[k];
                q += x * x;
            }
            double l = (A->pw[j] > 0 ? log(A->pw[j]) : -INFINITY) - 0.5 * q - A->lnz[j];
            if (lk) lk[j] = l;
            if (l > best) best = l;
        }
        if (lk) {
            for (int j = 0; j < N; j++) s += exp(lk[j] - best);
            free(lk);
            w[i] = -(best + log(s));             /* log weight */
        } else {
            w[i] = NAN;
        }
    }
    for (int i = 0; i < N; i++) if (w[i] > mx) mx = w[i];
    double sum = 0;
    for (int i = 0; i < N; i++) sum += (w[i] = exp(w[i] - mx));
    for (int i = 0; i < N; i++) w[i] /= sum;
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The q quantile of the n distances (type 7). */
static double quantile_of(const double *x, int n, double q)
{
    double *s = malloc((size_t)n * sizeof *s);
    if (!s) return NAN;
    memcpy(s, x, (size_t)n * sizeof *s);
    qsort(s, (size_t)n, sizeof *s, cmp_dbl);
    double h = (n - 1) * q;
    int lo = (int)floor(h);
    double v = lo + 1 < n ? s[lo] + (h - lo) * (s[lo + 1] - s[lo]) : s[lo];
    free(s);
    return v;
}

void nb_abc_result_free(nb_abc_result *r)
{
    if (!r) return;
    free(r->theta);
    free(r->w);
    free(r->dist);
    free(r->gen);
    free(r->pred);
    free(r);
}

static int abc_alloc(abc *A, const nb_calib *c, const nb_abc_opts *o, nb_abc_result **out)
{
    memset(A, 0, sizeof *A);
    A->c = c;
    A->N = c->particles;
    A->d = c->n_par;
    A->F = c->n_fit;
    A->B = c->batch;
    A->threads = o->threads > 0 ? o->threads : omp_get_max_threads();
    int N = A->N, d = A->d, B = A->B, G = c->generations;
    A->zlo = malloc((size_t)d * sizeof(double));
    A->zhi = malloc((size_t)d * sizeof(double));
    A->pz = malloc((size_t)N * d * sizeof(double));
    A->pw = malloc((size_t)N * sizeof(double));
    A->cdf = malloc((size_t)N * sizeof(double));
    A->sig = malloc((size_t)d * sizeof(double));
    A->lnz = malloc((size_t)N * sizeof(double));
    A->bz = malloc((size_t)B * d * sizeof(double));
    A->bdist = malloc((size_t)B * sizeof(double));
    A->bacc = malloc((size_t)B);
    A->tc = calloc((size_t)A->threads, sizeof *A->tc);
    nb_abc_result *r = calloc(1, sizeof *r);
    *out = r;
    if (!A->zlo || !A->zhi || !A->pz || !A->pw || !A->cdf || !A->sig || !A->lnz || !A->bz || !A->bdist ||
        !A->bacc || !A->tc || !r)
        return NB_ENOMEM;
    for (int k = 0; k < d; k++) {
        A->zlo[k] = nb_cal_to_z(&c->par[k], c->par[k].lo);
        A->zhi[k] = nb_cal_to_z(&c->par[k], c->par[k].hi);
    }
    r->n_par = d;
    r->n_fit = A->F;
    r->N = N;
    r->pp_rep = c->predictive;
    r->theta = malloc((size_t)G * N * d * sizeof(double));
    r->w = malloc((size_t)G * N * sizeof(double));
    r->dist = malloc((size_t)G * N * sizeof(double));
    r->gen = calloc((size_t)G, sizeof *r->gen);
    r->pred = malloc((size_t)N * c->predictive * A->F * sizeof(double));
    if (!r->theta || !r->w || !r->dist || !r->gen || !r->pred) return NB_ENOMEM;
    int sl = (c->replicates > c->predictive ? c->replicates : c->predictive) * A->F;
    for (int i = 0; i < A->threads; i++) {
        tctx *T = &A->tc[i];
        T->ws = nb_cal_ws_alloc(c);
        T->r = gsl_rng_alloc(nb_rng_philox);
        T->stats = malloc((size_t)sl * sizeof(double));
        T->z = malloc((size_t)d * sizeof(double));
        T->theta = malloc((size_t)d * sizeof(double));
        if (!T->ws || !T->r || !T->stats || !T->z || !T->theta) return NB_ENOMEM;
    }
    return NB_OK;
}

static void abc_free(abc *A)
{
    free(A->zlo); free(A->zhi); free(A->pz); free(A->pw); free(A->cdf); free(A->sig); free(A->lnz);
    free(A->bz); free(A->bdist); free(A->bacc);
    if (A->tc)
        for (int i = 0; i < A->threads; i++) {
            nb_cal_ws_free(A->tc[i].ws);
            if (A->tc[i].r) gsl_rng_free(A->tc[i].r);
            free(A->tc[i].stats); free(A->tc[i].z); free(A->tc[i].theta);
        }
    free(A->tc);
}

/* Fill generation t (tolerance eps) into the result; NB_OK, or the failure. */
static int run_generation(abc *A, int t, double eps, long max_batches, nb_abc_result *r,
                          nb_err *e)
{
    const nb_calib *c = A->c;
    int N = A->N, d = A->d;
    double *gz = malloc((size_t)N * d * sizeof *gz);
    double *gd = &r->dist[(size_t)t * N];
    if (!gz) return nb_err_code(e, NB_ENOMEM, "out of memory");
    int n_acc = 0;
    long bi = 0, last = -1;
    while (n_acc < N) {
        if (bi >= max_batches) {               /* the budget of a generation is spent */
            free(gz);
            if (t == 0)
                return nb_err_set(e, "%s: generation 0: only %d of %d prior draws after %ld candidates "
                                     "(max_simulations)", c->path, n_acc, N, bi * A->B);
            snprintf(r->stop_reason, sizeof r->stop_reason,
                     "generation %d reached only %d of %d particles within tolerance %.4g in %ld candidates "
                     "(max_simulations): the posterior is generation %d", t, n_acc, N, eps, bi * A->B, t - 1);
            return NB_ERANGE;
        }
        eval_batch(A, t, bi, eps);
        if (A->err) {
            free(gz);
            return nb_err_code(e, A->err, "%s: %s", c->path, A->errmsg);
        }
        if (A->stop) { free(gz); return NB_OK; }
        for (int b = 0; b < A->B && n_acc < N; b++) {
            if (!A->bacc[b]) continue;
            memcpy(&gz[(size_t)n_acc * d], &A->bz[(size_t)b * d], (size_t)d * sizeof *gz);
            gd[n_acc++] = A->bdist[b];
            last = bi * A->B + b;
        }
        bi++;
    }
    double *gw = &r->w[(size_t)t * N];
    if (t == 0) for (int i = 0; i < N; i++) gw[i] = 1.0 / N;
    else new_weights(A, gz, gw);
    double s2 = 0;
    for (int i = 0; i < N; i++) s2 += gw[i] * gw[i];
    nb_abc_gen *G = &r->gen[t];
    G->tolerance = eps;
    G->candidates = last + 1;
    G->simulated = bi * A->B;
    G->acceptance = (double)N / (double)(last + 1);
    G->ess = 1.0 / s2;
    for (int i = 0; i < N; i++) z_to_theta(c, &gz[(size_t)i * d], &r->theta[((size_t)t * N + i) * d]);
    memcpy(A->pz, gz, (size_t)N * d * sizeof *gz);
    memcpy(A->pw, gw, (size_t)N * sizeof *gw);
    free(gz);
    return NB_OK;
}

/* Posterior predictive: fresh simulations at each particle of the last generation. */
static int run_predictive(abc *A, int t, nb_abc_result *r, nb_err *e)
{
    const nb_calib *c = A->c;
    int N = A->N, F = A->F, R = c->predictive;
#pragma omp parallel for schedule(dynamic, 1) num_threads(A->threads)
    for (int i = 0; i < N; i++) {
        if (A->stop || A->err) continue;
        double *dst = &r->pred[(size_t)i * R * F];
        if (A->J.pred[i]) {
            memcpy(dst, A->J.pred[i], (size_t)R * F * sizeof *dst);
            continue;
        }
        tctx *T = &A->tc[omp_get_thread_num()];
        int st = nb_cal_simulate(c, &r->theta[((size_t)t * N + i) * A->d],
                                 model_seed(c->seed, PRED_KEY, (uint64_t)i), R, T->ws, dst, &T->steps);
        if (st != NB_OK) {
#pragma omp critical(nb_abc_err)
            if (A->err == NB_OK) {
                A->err = st == NB_EINVAL ? NB_EINVAL : NB_ENOMEM;
                snprintf(A->errmsg, sizeof A->errmsg, "posterior predictive: %s",
                         st == NB_EINVAL ? "a particle fails the scenario's checks" : "out of memory");
            }
            continue;
        }
        T->runs += R;
#pragma omp critical(nb_abc_journal)
        if (jput(&A->J, REC_PRED, t, i, 0, dst, R * F)) A->stop = 1;
    }
    if (A->err) return nb_err_code(e, A->err, "%s: %s", c->path, A->errmsg);
    return NB_OK;
}

int nb_abc_run(const nb_calib *c, const nb_abc_opts *o, nb_abc_result **out, nb_err *e)
{
    *out = NULL;
    double t0 = now_s();
    abc A;
    nb_abc_result *r = NULL;
    int rc = abc_alloc(&A, c, o, &r);
    long max_batches = (c->max_simulations + c->batch - 1) / c->batch;
    if (rc != NB_OK) rc = nb_err_code(e, NB_ENOMEM, "out of memory");
    else rc = journal_open(&A.J, c, o, c->predictive * c->n_fit, max_batches, e);
    FILE *log = o->quiet ? NULL : (o->log ? o->log : stderr);
    if (rc == NB_OK) {
        long restored = 0;
        for (long s = 0; A.J.skip && s < A.J.cap; s++) restored += A.J.skip[s];
        r->journal_restored = restored;
    }
    int t = 0;
    double eps = INFINITY;
    for (; rc == NB_OK && t < c->generations; t++) {
        if (t > 0) {
            eps = quantile_of(&r->dist[(size_t)(t - 1) * A.N], A.N, c->quantile);
            kernel_setup(&A);
        }
        rc = run_generation(&A, t, eps, max_batches, r, e);
        if (rc == NB_ERANGE) { rc = NB_OK; break; }    /* stop_reason says why */
        if (rc != NB_OK || A.stop) break;
        r->n_gen = t + 1;
        const nb_abc_gen *G = &r->gen[t];
        if (log)
            fprintf(log, "neobay: generation %d: tolerance %.4g, %d particles from %ld candidates "
                         "(acceptance %.1f%%), ESS %.0f, %.1f s\n",
                    t, G->tolerance, A.N, G->candidates, 100 * G->acceptance, G->ess, now_s() - t0);
        if (t > 0 && c->tolerance > 0 && G->tolerance <= c->tolerance) {
            snprintf(r->stop_reason, sizeof r->stop_reason, "tolerance %.4g reached the target %.4g",
                     G->tolerance, c->tolerance);
            break;
        }
        if (t > 0 && G->acceptance < c->min_acceptance) {
            snprintf(r->stop_reason, sizeof r->stop_reason, "acceptance rate %.4g fell below %.4g",
                     G->acceptance, c->min_acceptance);
            break;
        }
        if (t == c->generations - 1)
            snprintf(r->stop_reason, sizeof r->stop_reason, "%d generations", c->generations);
    }
    if (rc == NB_OK && !A.stop) rc = run_predictive(&A, r->n_gen - 1, r, e);
    for (int i = 0; r && A.tc && i < A.threads; i++) {
        r->firm_steps += A.tc[i].steps;
        r->runs += A.tc[i].runs;
    }
    if (r) {
        r->stopped = A.stop;
        r->seconds = now_s() - t0;
    }
    journal_close(&A.J, c->generations, A.N);
    abc_free(&A);
    if (rc != NB_OK) {
        nb_abc_result_free(r);
        return rc;
    }
    *out = r;
    return NB_OK;
}

/* ==== method of simulated moments ================================================= */

typedef struct msm_ctx {
    const nb_calib *c;
    tctx *tc;
    int threads;
    double *zlo, *zhi;
    uint32_t seed;
    long evals;
    FILE *log;
} msm_ctx;

/* Map unconstrained x to the box by a logistic in each coordinate. */
static void x_to_theta(const msm_ctx *M, const gsl_vector *x, double *theta)
{
    for (int k = 0; k < M->c->n_par; k++) {
        double u = 1.0 / (1.0 + exp(-gsl_vector_get(x, (size_t)k)));
        theta[k] = nb_cal_from_z(&M->c->par[k], M->zlo[k] + u * (M->zhi[k] - M->zlo[k]));
    }
}

static double msm_f(const gsl_vector *x, void *params)
{
    msm_ctx *M = params;
    const nb_calib *c = M->c;
    tctx *T = &M->tc[0];
    x_to_theta(M, x, T->theta);
    int R = c->replicates, F = c->n_fit;
    /* Replicates in parallel (common random numbers: the same seed at every point). */
    int rc = NB_OK;
#pragma omp parallel for schedule(dynamic, 1) num_threads(M->threads)
    for (int rep = 0; rep < R; rep++) {
        tctx *U = &M->tc[omp_get_thread_num()];
        int st = nb_cal_simulate_rep(c, T->theta, M->seed, rep, U->ws, &T->stats[(size_t)rep * F], &U->steps);
        if (st != NB_OK) {
#pragma omp atomic write
            rc = st;
        }
    }
    M->evals++;
    if (rc != NB_OK) return 1e30;
    return nb_cal_distance(c, T->stats, R);
}

int nb_msm_run(const nb_calib *c, int threads, int max_iter, double *theta, double *dist,
               FILE *log)
{
    msm_ctx M = {c, NULL, threads > 0 ? threads : omp_get_max_threads(), NULL, NULL,
                 c->seed, 0, log};
    int d = c->n_par, rc = NB_OK;
    M.tc = calloc((size_t)M.threads, sizeof *M.tc);
    M.zlo = malloc((size_t)d * sizeof(double));
    M.zhi = malloc((size_t)d * sizeof(double));
    gsl_vector *x = gsl_vector_alloc((size_t)d), *step = gsl_vector_alloc((size_t)d);
    gsl_multimin_fminimizer *mm = gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, (size_t)d);
    if (!M.tc || !M.zlo || !M.zhi || !x || !step || !mm) rc = NB_ENOMEM;
    for (int i = 0; rc == NB_OK && i < M.threads; i++) {
        M.tc[i].ws = nb_cal_ws_alloc(c);
        M.tc[i].stats = malloc((size_t)c->replicates * c->n_fit * sizeof(double));
        M.tc[i].theta = malloc((size_t)d * sizeof(double));
        if (!M.tc[i].ws || !M.tc[i].stats || !M.tc[i].theta) rc = NB_ENOMEM;
    }
    if (rc == NB_OK) {
        for (int k = 0; k < d; k++) {
            M.zlo[k] = nb_cal_to_z(&c->par[k], c->par[k].lo);
            M.zhi[k] = nb_cal_to_z(&c->par[k], c->par[k].hi);
        }
        gsl_vector_set_all(x, 0.0);              /* the prior's centre */
        gsl_vector_set_all(step, 1.0);
        gsl_multimin_function fn = {msm_f, (size_t)d, &M};
        gsl_multimin_fminimizer_set(mm, &fn, x, step);
        for (int it = 0; it < max_iter; it++) {
            if (gsl_multimin_fminimizer_iterate(mm)) break;
            double size = gsl_multimin_fminimizer_size(mm);
            if (log && it % 10 == 0)
                fprintf(log, "neobay: msm iteration %d: distance %.4g (simplex size %.3g)\n", it, mm->fval, size);
            if (gsl_multimin_test_size(size, 1e-3) == GSL_SUCCESS) break;
        }
        x_to_theta(&M, gsl_multimin_fminimizer_x(mm), theta);
        *dist = gsl_multimin_fminimizer_minimum(mm);
    }
    if (mm) gsl_multimin_fminimizer_free(mm);
    if (x) gsl_vector_free(x);
    if (step) gsl_vector_free(step);
    for (int i = 0; M.tc && i < M.threads; i++) {
        nb_cal_ws_free(M.tc[i].ws);
        free(M.tc[i].stats);
        free(M.tc[i].theta);
    }
    free(M.tc);
    free(M.zlo);
    free(M.zhi);
    return rc;
}
