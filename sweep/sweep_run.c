/* sweep_run.c -- running a sweep: each point as an ensemble, the journal that makes
 * a sweep resumable, progress on stderr, and the MPI driver.
 *
 * Serial (built without MPI, or not started by an MPI launcher, or one rank): the
 * points still missing are run in order.
 *
 * MPI (built with NB_HAVE_MPI and started by mpirun/srun): every rank loads the sweep
 * and checks that all loaded the same one (hash).  Rank 0 is the only one that reads
 * the journal and writes files.  Load is balanced dynamically: a worker asks rank 0
 * for a point, computes it with OpenMP inside, sends its payload back (one message:
 * row, status, then the payload of sweep_run.h) and thereby asks for the next; rank 0
 * answers -1 when none is left.  Rank 0's main thread only communicates (and
 * journals); rank 0 computes points too, on a thread of its own that takes rows from
 * the same queue, so MPI is called from one thread only (MPI_THREAD_FUNNELED; with
 * less, rank 0 only serves).  No rank spins while it waits: pending requests are
 * tested (MPI_Iprobe / MPI_Test) with naps that grow from 50 us to 2 ms -- blocking
 * calls (MPI_Recv, MPI_Wait, even with mpi_yield_when_idle) keep a core busy, which
 * on a node where ranks share cores halves the throughput (measured: see the report
 * in tools/bench_sweep.sh).  A point's numbers do not depend on where or with how
 * many threads it ran, and the file is written from the table in point order, so it
 * is byte-identical for any number of ranks and threads.
 *
 * Journal (OUT.journal): io/checkpoint.c's record file, one record per finished
 * point (its table row), fdatasync'ed as it is appended; its header hash covers the
 * sweep hash, the shard and the neobay build.  A rerun restores the recorded rows and
 * runs only the rest; the journal is removed once the results file is written.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <omp.h>
#include <pthread.h>
#include "../model/ensemble.h"
#include "../model/neobay.h"
#include "../model/sim.h"
#include "checkpoint.h"
#include "sweep_run.h"
#include "outpath.h"
#ifdef NB_HAVE_MPI
#include <mpi.h>
#endif

#define PRINT_EVERY_S 30.0       /* batch logs: a line at least this often */

/* ==== one point ========================================================================= */

typedef struct rep_cb {
    void (*fn)(void *ud);
    void *ud;
} rep_cb;

static void rep_done(void *ud, int rep, int n_done, int n_total)
{
    rep_cb *c = ud;
    c->fn(c->ud);
}

/* Mean, quantiles and (full_series) replicates of res into row `row` of table. */
static void payload_fill(const nb_results *res, int full, nb_results *table, int row)
{
    size_t nt = (size_t)res->n_time;
    for (int m = 0; m < NB_NMETRICS; m++) {
        double *out = nb_results_row(table, m, row);
        for (size_t t = 0; t < nt; t++) out[t] = 0;
        for (int i = 0; i < res->n_rep; i++) {            /* in replicate order */
            const double *x = nb_results_row(res, m, i);
            for (size_t t = 0; t < nt; t++) out[t] += x[t];
        }
        for (size_t t = 0; t < nt; t++) out[t] /= res->n_rep;
        memcpy(out + nt, nb_results_qrow(res, m, 0), NB_NQUANT * nt * sizeof *out);
        if (full) memcpy(out + (1 + NB_NQUANT) * nt, nb_results_row(res, m, 0), (size_t)res->n_rep * nt * sizeof *out);
    }
}

/* An impact sweep: run the counterfactual at the point's factor values (same seed,
 * so replicate i of both shares its random numbers) and replace res by the paired
 * differences res - counterfactual, with their quantiles. */
static int cf_subtract(const nb_sweep *sw, int point, int threads, nb_results *res,
                       uint64_t *firm_steps, nb_err *e)
{
    nb_paramset *ps = malloc(sizeof *ps);
    if (!ps) return nb_err_code(e, NB_ENOMEM, "out of memory");
    int rc = nb_sweep_cf_paramset(sw, point, ps, e);
    nb_model *m = rc ? NULL : nb_model_alloc(ps);
    nb_results *cf = m ? nb_results_alloc(res->n_rep, nb_model_n_time(m), nb_model_start(m)) : NULL;
    if (!rc && !cf) rc = nb_err_code(e, NB_ENOMEM, "design point %d: out of memory", point);
    if (!rc && (cf->n_time != res->n_time || cf->start != res->start))
        rc = nb_err_code(e, NB_EINVAL, "design point %d: the counterfactual's months differ from the base's", point);
    nb_ensemble_opts o = {threads, NULL, NULL, NULL};
    if (!rc && nb_ensemble_run(m, cf, &o, firm_steps) != NB_OK)
        rc = nb_err_code(e, NB_ENOMEM, "design point %d: out of memory", point);
    if (!rc) {
        for (int k = 0; k < NB_NMETRICS; k++)
            for (int i = 0; i < res->n_rep; i++) {
                double *x = nb_results_row(res, k, i);
                const double *y = nb_results_row(cf, k, i);
                for (int t = 0; t < res->n_time; t++) x[t] -= y[t];
            }
        if (nb_results_quantiles(res) != NB_OK) rc = nb_err_code(e, NB_ENOMEM, "out of memory");
    }
    nb_results_free(cf);
    nb_model_free(m);
    free(ps);
    return rc;
}

int nb_sweep_point_run(const nb_sweep *sw, int point, int threads, void (*on_rep)(void *ud),
                       void *ud, nb_results *table, int row, uint64_t *firm_steps, nb_err *e)
{
    nb_paramset *ps = malloc(sizeof *ps);
    if (!ps) return nb_err_code(e, NB_ENOMEM, "out of memory");
    int rc = nb_sweep_paramset(sw, point, ps, e);
    nb_model *m = rc ? NULL : nb_model_alloc(ps);
    int nt = m ? nb_model_n_time(m) : 0;
    nb_results *res = m ? nb_results_alloc(sw->replicates, nt, nb_model_start(m)) : NULL;
    if (!rc && !res) rc = nb_err_code(e, NB_ENOMEM, "design point %d: out of memory", point);
    if (!rc && table->n_time != nb_sweep_row_len(nt, sw->replicates, sw->full_series))
        rc = nb_err_code(e, NB_EINVAL, "design point %d: %d months, not the sweep's", point, nt);
    rep_cb cb = {on_rep, ud};
    nb_ensemble_opts o = {threads, on_rep ? rep_done : NULL, &cb, NULL};
    if (!rc && nb_ensemble_run(m, res, &o, firm_steps) != NB_OK)
        rc = nb_err_code(e, NB_ENOMEM, "design point %d: out of memory", point);
    if (!rc && sw->cf) rc = cf_subtract(sw, point, threads, res, firm_steps, e);
    if (!rc) payload_fill(res, sw->full_series, table, row);
    nb_results_free(res);
    nb_model_free(m);
    free(ps);
    return rc;
}

/* ==== the runner (the only process, or rank 0) ========================================== */

typedef struct runner {
    const nb_sweep *sw;
    const nb_sweep_opts *o;
    int rows;
    nb_results *table;          /* the rows of this file */
    unsigned char *done;        /* [rows] */
    int next;                   /* rows below it are done or handed out */
    nb_ckpt *journal;
    int journal_failed;         /* a write to the journal failed: append no more, but keep
                                 * it open so a written results file still deletes it */
    int n_done, n_resumed;
    int status;                 /* first failure: its nb_status, NB_OK while all is well */
    nb_err err;
    uint64_t steps;
    /* progress */
    int tty, last_decile;
    double t0, last_print;
    /* MPI */
    int size, active;           /* ranks; workers not yet released */
    double *msg;                /* [2 + payload] */
    pthread_mutex_t *mu;        /* guards next/done/status when rank 0 computes too */
    size_t msg_len;
    double waited;              /* seconds rank 0 napped */
    int mine;                   /* points rank 0 computed */
} runner;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* The next row neither done nor handed out, or -1. */
static int next_row(runner *r)
{
    if (r->status) return -1;
    while (r->next < r->rows && r->done[r->next]) r->next++;
    return r->next < r->rows ? r->next++ : -1;
}

static void lock(runner *r)
{
    if (r->mu) pthread_mutex_lock(r->mu);
}

static void unlock(runner *r)
{
    if (r->mu) pthread_mutex_unlock(r->mu);
}

/* "1 min 5 s", "3 h 2 min": a duration for progress lines. */
static const char *duration(double s, char *buf, size_t n)
{
    if (!isfinite(s) || s < 0) snprintf(buf, n, "?");
    else if (s < 90) snprintf(buf, n, "%.0f s", s);
    else if (s < 5400) snprintf(buf, n, "%.0f min", s / 60);
    else if (s < 172800) snprintf(buf, n, "%.1f h", s / 3600);
    else snprintf(buf, n, "%.1f days", s / 86400);
    return buf;
}

/* Progress after a point: a bar on a terminal, a line every 10% or 30 s otherwise. */
static void progress(runner *r)
{
    if (r->o->quiet) return;
    double t = now_s(), el = t - r->t0;
    int ran = r->n_done - r->n_resumed, pct = (int)(100.0 * r->n_done / r->rows);
    double rate = el > 0 ? ran / el : 0, left = rate > 0 ? (r->rows - r->n_done) / rate : NAN;
    char d[32];
    if (r->tty) {
        int w = pct / 4;
        fprintf(stderr, "\r[%.*s%*s] %3d%% %d/%d points, %.3g points/s, %s left   ", w,
                "#########################", 25 - w, "", pct, r->n_done, r->rows, rate, duration(left, d, sizeof d));
        if (r->n_done == r->rows) fputc('\n', stderr);
    } else if (pct / 10 > r->last_decile || t - r->last_print >= PRINT_EVERY_S || r->n_done == r->rows) {
        fprintf(stderr, "neobay: sweep: %d/%d points (%d%%), %.3g points/s, %s left\n", r->n_done, r->rows, pct,
                rate, duration(left, d, sizeof d));
        r->last_decile = pct / 10;
        r->last_print = t;
    }
    fflush(stderr);
}

/* Row `row` of the table is complete: journal it (durably) and report.  After a
 * failed write (the journal is cut back to its whole records) warn once and journal
 * no more; the journal stays open so that runner_finish still deletes it. */
static void row_done(runner *r, int row)
{
    nb_err e;
    lock(r);
    r->done[row] = 1;
    unlock(r);
    r->n_done++;
    if (r->journal && !r->journal_failed &&
        (nb_ckpt_append(r->journal, r->table, row, &e) || nb_ckpt_sync(r->journal, &e))) {
        fprintf(stderr, "neobay: warning: %s; continuing without a journal\n", e.msg);
        r->journal_failed = 1;
    }
    progress(r);
}

/* Record the first failure (its nb_status) with its message. */
static void fail_with(runner *r, int status, const nb_err *e)
{
    if (r->status) return;
    r->status = status;
    r->err = *e;
}

/* The status to report of two failures: bad input (NB_EINVAL) before any other, so
 * the user hears of what can be fixed first. */
static int worse(int a, int b)
{
    return a == NB_EINVAL || b == NB_EINVAL ? NB_EINVAL : a > b ? a : b;
}

/* The journal's header hash: the sweep, the shard and the build (nb_ckpt_hash). */
static uint64_t journal_hash(const runner *r)
{
    char id[128];
    snprintf(id, sizeof id, "sweep %016" PRIx64 " shard %d/%d", r->sw->hash, r->o->shard_k, r->o->shard_n);
    nb_run_meta meta = {"sweep", "", id, NULL, r->sw->seed};
    return nb_ckpt_hash(&meta, r->table);
}

/* Open (or, with --restart, recreate) OUT.journal, restoring what it holds. */
static int journal_open(runner *r)
{
    char path[PATH_MAX];
    nb_err e;
    int found = 0;
    if (snprintf(path, sizeof path, "%s.journal", r->o->output) >= (int)sizeof path)
        return nb_err_set(&r->err, "%s: path too long for a journal", r->o->output);
    if (r->o->restart && nb_ckpt_delete(path, &e)) return r->err = e, NB_EIO;
    int st = nb_ckpt_open(path, journal_hash(r), r->table, r->done, &r->journal, &found, &r->n_resumed, &e);
    if (st == NB_EINVAL) {
        nb_err_set(&r->err, "%s: journal of a different sweep (another sweep file, base scenario, shard or "
                   "neobay build); delete it, choose another -o, or pass --restart to start afresh", path);
        return NB_EINVAL;
    }
    if (st) return r->err = e, st;
    r->n_done = r->n_resumed;
    if (found && !r->o->quiet)
        fprintf(stderr, "neobay: resuming from %s: %d of %d points already done\n", path, r->n_resumed, r->rows);
    return 0;
}

/* Everything rank 0 prepares before points run; NB_OK, or the status with r->err. */
static int runner_init(runner *r, const nb_sweep *sw, const nb_sweep_opts *o)
{
    memset(r, 0, sizeof *r);
    r->sw = sw;
    r->o = o;
    r->rows = nb_sweep_rows(sw->n_points, o->shard_k, o->shard_n);
    r->tty = isatty(2);
    r->last_decile = -1;
    const char *in[] = {sw->path, o->sweep};
    if (nb_outpath_dir_check(o->output, &r->err) || nb_outpath_check(o->output, in, 2, sw->base, &r->err))
        return NB_EINVAL;
    if (o->shard_n > 0 && r->rows == 0)
        return nb_err_set(&r->err, "--shard %d/%d: the sweep has only %d points, so shard %d has none; use at most %d shards",
                          o->shard_k, o->shard_n, sw->n_points, o->shard_k, sw->n_points);
    int len = nb_sweep_row_len(nb_paramset_months(&sw->base->ps), sw->replicates, sw->full_series);
    r->table = nb_sweep_table_alloc(r->rows, len, nb_paramset_start(&sw->base->ps));
    r->done = calloc((size_t)r->rows, 1);
    r->msg_len = 2 + (size_t)NB_NMETRICS * len;
    if (!r->table || !r->done) return nb_err_code(&r->err, NB_ENOMEM, "out of memory (a table of %d points)", r->rows);
    return journal_open(r);
}

static void runner_free(runner *r)
{
    nb_ckpt_close(r->journal, 0, NULL);
    nb_results_free(r->table);
    free(r->done);
    free(r->msg);
}

/* The point of row i. */
static int row_point(const runner *r, int i)
{
    return nb_sweep_row_point(i, r->o->shard_k, r->o->shard_n);
}

/* Compute row `row` here.  on_rep: see nb_sweep_point_run. */
static void run_row(runner *r, int row, void (*on_rep)(void *), void *ud)
{
    nb_err e;
    uint64_t steps = 0;
    int st = nb_sweep_point_run(r->sw, row_point(r, row), r->o->threads, on_rep, ud, r->table, row, &steps, &e);
    if (st) {
        fail_with(r, st, &e);
        return;
    }
    r->steps += steps;
    row_done(r, row);
}

/* Write the results file and remove the journal; NB_OK or the status. */
static int runner_finish(runner *r, int ranks, double secs)
{
    if (r->status) return r->status;
    nb_sweep_meta mt;
    nb_err e;
    if (nb_sweep_meta_init(&mt, r->sw, r->o->shard_k, r->o->shard_n))
        return nb_err_code(&r->err, NB_ENOMEM, "out of memory");
    int st = nb_sweep_h5_write(r->o->output, &mt, r->table, &e);
    nb_sweep_meta_free(&mt);
    if (st) return r->err = e, NB_EIO;
    if (nb_ckpt_close(r->journal, 1, &e)) fprintf(stderr, "neobay: warning: %s\n", e.msg);
    r->journal = NULL;
    if (!r->o->quiet) {
        int ran = r->n_done - r->n_resumed;
        double runs = (double)ran * r->sw->replicates;
        int threads = r->o->threads > 0 ? r->o->threads : omp_get_max_threads();
        char shard[64] = "";
        if (r->o->shard_n > 0) snprintf(shard, sizeof shard, " (shard %d of %d)", r->o->shard_k, r->o->shard_n);
        fprintf(stderr, "neobay: wrote %s%s: %d points x %d replicates; %.0f model runs in %.2f s: %.3g runs/s "
                "(%d rank%s x %d thread%s)\n", r->o->output, shard, r->rows, r->sw->replicates, runs, secs,
                secs > 0 ? runs / secs : 0.0, ranks, ranks == 1 ? "" : "s", threads, threads == 1 ? "" : "s");
    }
    return 0;
}

/* ==== serial ============================================================================ */

static int run_serial(runner *r)
{
    r->t0 = r->last_print = now_s();
    for (int row; (row = next_row(r)) >= 0;) run_row(r, row, NULL, NULL);
    return runner_finish(r, 1, now_s() - r->t0);
}

/* ==== MPI =============================================================================== */

#ifdef NB_HAVE_MPI

enum { TAG_RESULT = 11, TAG_ASSIGN = 12 };
#define NAP_MIN_NS 50000L
#define NAP_MAX_NS 2000000L

static void nap(long ns)
{
    struct timespec t = {0, ns};
    nanosleep(&t, NULL);
}

/* Wait for req without spinning a core: test, then nap, the naps growing. */
static void wait_gently(MPI_Request *req, double *waited)
{
    long ns = NAP_MIN_NS;
    for (;;) {
        int flag = 0;
        MPI_Test(req, &flag, MPI_STATUS_IGNORE);
        if (flag) return;
        double t = now_s();
        nap(ns);
        if (waited) *waited += now_s() - t;
        if (ns < NAP_MAX_NS) ns *= 2;
    }
}

/* Rank 0's own computing: a thread of its own (MPI stays on the main thread). */
typedef struct computer {
    runner *r;
    pthread_t thread;
    int running;                /* under r->mu */
    int *finished, n_finished;  /* rows done, not yet journaled (under r->mu) */
} computer;

static void *compute_rows(void *ud)
{
    computer *c = ud;
    runner *r = c->r;
    for (;;) {
        lock(r);
        int row = next_row(r);
        unlock(r);
        if (row < 0) break;
        nb_err e;
        uint64_t steps = 0;
        int st = nb_sweep_point_run(r->sw, row_point(r, row), r->o->threads, NULL, NULL, r->table, row, &steps, &e);
        lock(r);
        if (st) fail_with(r, st, &e);
        else c->finished[c->n_finished++] = row, r->mine++;
        r->steps += steps;
        unlock(r);
    }
    lock(r);
    c->running = 0;
    unlock(r);
    return NULL;
}

/* Journal and report the rows rank 0's thread finished.  1 when there were any. */
static int drain_finished(runner *r, computer *c)
{
    int rows[64], n = 0, any = 0;
    do {
        lock(r);
        n = c->n_finished < 64 ? c->n_finished : 64;
        memcpy(rows, c->finished + c->n_finished - n, (size_t)n * sizeof *rows);
        c->n_finished -= n;
        unlock(r);
        for (int i = 0; i < n; i++) row_done(r, rows[i]);
        any |= n > 0;
    } while (n > 0);
    return any;
}

/* Rank 0: answer one message from `src` (a result and a request, or a request) with
 * the next row, or -1 (then the worker is released). */
static void serve_one(runner *r, int src, int count)
{
    MPI_Recv(r->msg, count, MPI_DOUBLE, src, TAG_RESULT, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    int row = (int)r->msg[0], st = (int)r->msg[1];
    if (row >= 0 && row < r->rows && st == NB_OK && count == (int)r->msg_len) {
        size_t len = (size_t)r->table->n_time;
        for (int m = 0; m < NB_NMETRICS; m++)
            memcpy(nb_results_row(r->table, m, row), r->msg + 2 + m * len, len * sizeof *r->msg);
        row_done(r, row);
    } else if (row >= 0) {
        nb_err e;
        nb_err_set(&e, "rank %d failed at design point %d (%s); see its message above", src, row_point(r, row),
                   st == NB_ENOMEM ? "out of memory" : "error");
        lock(r);
        fail_with(r, st == NB_EINVAL ? NB_EINVAL : NB_ENOMEM, &e);
        unlock(r);
    }
    lock(r);
    int next = next_row(r);
    unlock(r);
    MPI_Send(&next, 1, MPI_INT, src, TAG_ASSIGN, MPI_COMM_WORLD);
    if (next < 0) r->active--;
}

/* Rank 0 of `size`: hand out rows and collect results on this (the main) thread,
 * napping when there is nothing to do; compute rows on a thread of its own when
 * `compute`.  Returns when every worker is released and every row is in. */
static int run_master(runner *r, int size, int compute)
{
    pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    computer c = {r, 0, 0, calloc((size_t)r->rows, sizeof(int)), 0};
    r->msg = malloc(r->msg_len * sizeof *r->msg);
    if (!r->msg || !c.finished) {               /* without them no worker can be answered */
        fprintf(stderr, "neobay: error: rank 0: out of memory\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    r->mu = &mu;
    r->size = size;
    r->active = size - 1;
    r->t0 = r->last_print = now_s();
    if (compute && !r->status) {
        c.running = 1;
        if (pthread_create(&c.thread, NULL, compute_rows, &c) != 0) c.running = 0;
        else compute = 2;                                     /* joined below */
    }
    long ns = NAP_MIN_NS;
    for (;;) {
        int flag = 0, count = 0, busy;
        MPI_Status st;
        MPI_Iprobe(MPI_ANY_SOURCE, TAG_RESULT, MPI_COMM_WORLD, &flag, &st);
        if (flag) {
            MPI_Get_count(&st, MPI_DOUBLE, &count);
            serve_one(r, st.MPI_SOURCE, count);
        }
        int drained = drain_finished(r, &c);
        lock(r);
        busy = c.running;
        unlock(r);
        if (!flag && !drained && !busy && r->active == 0) break;
        if (flag || drained) {
            ns = NAP_MIN_NS;
            continue;
        }
        double t = now_s();
        nap(ns);
        r->waited += now_s() - t;
        if (ns < NAP_MAX_NS) ns *= 2;
    }
    if (compute == 2) pthread_join(c.thread, NULL);
    drain_finished(r, &c);
    r->mu = NULL;
    free(c.finished);
    return runner_finish(r, size, now_s() - r->t0);
}

/* A worker: ask rank 0 for rows until it answers -1. */
static int run_worker(const nb_sweep *sw, const nb_sweep_opts *o, double *waited, int *n_points)
{
    int len = nb_sweep_row_len(nb_paramset_months(&sw->base->ps), sw->replicates, sw->full_series);
    size_t msg_len = 2 + (size_t)NB_NMETRICS * len;
    double *msg = malloc(msg_len * sizeof *msg);
    /* A one-row table over the message's payload: points are computed in place. */
    nb_results one = {.n_rep = 1, .n_time = len, .start = nb_paramset_start(&sw->base->ps),
                      .series = msg ? msg + 2 : NULL};
    double hdr[2] = {-1, NB_OK};
    int code = 0, row = -1;
    MPI_Request req;
    if (!msg) {
        int rank;
        MPI_Comm_rank(MPI_COMM_WORLD, &rank);
        fprintf(stderr, "neobay: error: rank %d: out of memory\n", rank);
        code = NB_ENOMEM;
    }
    MPI_Isend(hdr, 2, MPI_DOUBLE, 0, TAG_RESULT, MPI_COMM_WORLD, &req);
    wait_gently(&req, waited);
    for (;;) {
        MPI_Irecv(&row, 1, MPI_INT, 0, TAG_ASSIGN, MPI_COMM_WORLD, &req);
        wait_gently(&req, waited);
        if (row < 0) break;
        nb_err e;
        int point = nb_sweep_row_point(row, o->shard_k, o->shard_n);
        int st = code ? NB_ENOMEM : nb_sweep_point_run(sw, point, o->threads, NULL, NULL, &one, 0, NULL, &e);
        if (st && !code) {
            int rank;
            MPI_Comm_rank(MPI_COMM_WORLD, &rank);
            fprintf(stderr, "neobay: error: rank %d: %s\n", rank, e.msg);
            code = st;
        }
        int count = 2;
        hdr[0] = row;
        hdr[1] = st;
        if (!st) {
            msg[0] = row;
            msg[1] = NB_OK;
            count = (int)msg_len;
            (*n_points)++;
        }
        MPI_Isend(st ? hdr : msg, count, MPI_DOUBLE, 0, TAG_RESULT, MPI_COMM_WORLD, &req);
        wait_gently(&req, waited);
    }
    free(msg);
    return code;
}

/* True when an MPI launcher started this process (so MPI_Init finds its peers). */
static int under_mpi_launcher(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE",
                                       "MPI_LOCALNRANKS", "MV2_COMM_WORLD_SIZE"};
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++)
        if (getenv(vars[i])) return 1;
    return 0;
}

/* CPU seconds this process used so far. */
static double cpu_seconds(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)u.ru_utime.tv_sec + 1e-6 * u.ru_utime.tv_usec + (double)u.ru_stime.tv_sec +
           1e-6 * u.ru_stime.tv_usec;
}

/* The sweep over MPI ranks (MPI initialised; rank, size). */
static int sweep_mpi(const nb_sweep_opts *o, int rank, int size, int thread_level)
{
    nb_sweep *sw = NULL;
    nb_err e;
    int st = nb_sweep_load(o->sweep, &sw, &e);
    /* A sweep file that cannot be read is bad input, as one that is wrong. */
    int code = st == NB_OK ? NB_OK : st == NB_ENOMEM ? NB_ENOMEM : NB_EINVAL;
    int *codes = calloc((size_t)size, sizeof *codes);
    uint64_t h = sw ? sw->hash : 0, *hashes = calloc((size_t)size, sizeof *hashes);
    if (!codes || !hashes) {
        fprintf(stderr, "neobay: error: rank %d: out of memory\n", rank);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    MPI_Allgather(&code, 1, MPI_INT, codes, 1, MPI_INT, MPI_COMM_WORLD);
    MPI_Allgather(&h, 1, MPI_UINT64_T, hashes, 1, MPI_UINT64_T, MPI_COMM_WORLD);
    int worst = 0;
    for (int i = 0; i < size; i++) worst = worse(worst, codes[i]);
    if (code && rank == 0) fprintf(stderr, "neobay: error: %s\n", e.msg);
    else if (code && codes[0] == 0) fprintf(stderr, "neobay: error: rank %d: %s\n", rank, e.msg);
    if (!worst && rank == 0)
        for (int i = 1; i < size && !worst; i++)
            if (hashes[i] != hashes[0]) {
                fprintf(stderr, "neobay: error: rank %d loaded a different sweep from %s (hash %016" PRIx64
                        ", rank 0: %016" PRIx64 "): the sweep file, its base or neobay differ between nodes\n",
                        i, o->sweep, hashes[i], hashes[0]);
                worst = NB_EINVAL;
            }
    free(codes);
    free(hashes);
    MPI_Bcast(&worst, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (worst) {
        nb_sweep_free(sw);
        return worst;
    }
    runner r;
    struct timespec tc0, tc1;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &tc0);
    double cpu0 = cpu_seconds(), waited = 0, t0 = now_s();
    int mine = 0;
    if (rank == 0) code = runner_init(&r, sw, o);
    MPI_Bcast(&code, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (code) {
        if (rank == 0) {
            fprintf(stderr, "neobay: error: %s\n", r.err.msg);
            runner_free(&r);
        }
        nb_sweep_free(sw);
        return code;
    }
    if (rank == 0) {
        code = run_master(&r, size, thread_level >= MPI_THREAD_FUNNELED);
        if (code) fprintf(stderr, "neobay: error: %s\n", r.err.msg);
        waited = r.waited;
        mine = r.mine;
        runner_free(&r);
    } else {
        code = run_worker(sw, o, &waited, &mine);
    }
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &tc1);
    if (getenv("NB_SWEEP_STATS"))           /* for measuring: what each rank did */
        fprintf(stderr, "neobay: rank %d: %.2f s, cpu %.2f s (main thread %.2f s), napped %.2f s, %d points\n",
                rank, now_s() - t0, cpu_seconds() - cpu0,
                (double)(tc1.tv_sec - tc0.tv_sec) + 1e-9 * (double)(tc1.tv_nsec - tc0.tv_nsec), waited, mine);
    /* Every rank returns the same status: bad input on any rank, else the largest. */
    int bad = code == NB_EINVAL;
    MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    MPI_Allreduce(MPI_IN_PLACE, &code, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    nb_sweep_free(sw);
    return bad ? NB_EINVAL : code;
}

#endif /* NB_HAVE_MPI */

/* ==== the command ======================================================================== */

const char *nb_sweep_mpi_info(void)
{
#ifdef NB_HAVE_MPI
    static char info[MPI_MAX_LIBRARY_VERSION_STRING + 64];
    char lib[MPI_MAX_LIBRARY_VERSION_STRING] = "";
    int len = 0;
    MPI_Get_library_version(lib, &len);        /* callable before MPI_Init */
    lib[strcspn(lib, ",\n")] = '\0';
    snprintf(info, sizeof info, "built with MPI (%s)", lib);
    return info;
#else
    return "built without MPI: mpirun would start independent copies";
#endif
}

static int sweep_serial(const nb_sweep_opts *o)
{
    nb_sweep *sw = NULL;
    nb_err e;
    int st = nb_sweep_load(o->sweep, &sw, &e);
    if (st) {
        fprintf(stderr, "neobay: error: %s\n", e.msg);
        return st == NB_ENOMEM ? NB_ENOMEM : NB_EINVAL;    /* unreadable: bad input too */
    }
    runner r;
    int code = runner_init(&r, sw, o);
    if (!code) code = run_serial(&r);
    if (code) fprintf(stderr, "neobay: error: %s\n", r.err.msg);
    runner_free(&r);
    nb_sweep_free(sw);
    return code;
}

int nb_sweep_main(const nb_sweep_opts *o)
{
#ifdef NB_HAVE_MPI
    if (under_mpi_launcher()) {
        int provided = MPI_THREAD_SINGLE, rank = 0, size = 1;
        if (MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
            fprintf(stderr, "neobay: error: MPI_Init failed\n");
            return NB_EIO;
        }
        MPI_Comm_rank(MPI_COMM_WORLD, &rank);
        MPI_Comm_size(MPI_COMM_WORLD, &size);
        int code = size > 1 ? sweep_mpi(o, rank, size, provided) : sweep_serial(o);
        MPI_Finalize();
        return code;
    }
#endif
#ifndef NB_HAVE_MPI
    const char *np = getenv("OMPI_COMM_WORLD_SIZE") ? getenv("OMPI_COMM_WORLD_SIZE") : getenv("PMI_SIZE");
    if (np && atoi(np) > 1) {
        fprintf(stderr, "neobay: error: started as one of %s MPI ranks, but this neobay is built without MPI "
                "(every rank would run the whole sweep): rebuild it with MPI (libopenmpi-dev, then make) or "
                "run it without mpirun\n", np);
        return NB_EINVAL;
    }
#endif
    const char *ntasks = getenv("SLURM_NTASKS");
    if (o->shard_n == 0 && ntasks && atoi(ntasks) > 1 && getenv("SLURM_STEP_ID"))
        fprintf(stderr, "neobay: warning: started as one of %s Slurm tasks without MPI%s: every task runs the "
                "whole sweep (use srun --mpi=pmix, or mpirun)\n", ntasks,
#ifdef NB_HAVE_MPI
                ""
#else
                " (this neobay is built without MPI)"
#endif
        );
    return sweep_serial(o);
}
