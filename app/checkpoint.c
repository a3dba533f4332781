/* checkpoint.c -- resumable runs (see checkpoint.h for the format and the contract).
 *
 * Plain POSIX file descriptors: one write(2) per record, pread(2) to scan, and
 * fdatasync(2) at most once a second.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "../model/neobay.h"
#include "../model/metrics.h"
#include "checkpoint.h"
#include "outpath.h"

#ifndef NB_GIT_COMMIT
#define NB_GIT_COMMIT "unknown"
#endif

#define MAGIC "NBCKPT1\n"
#define MAGIC_LEN 8
#define HDR_LEN (MAGIC_LEN + 8)
#define FNV_OFFSET 14695981039346656037ULL
#define FNV_PRIME 1099511628211ULL
#define SYNC_EVERY_S 1.0

struct nb_ckpt {
    int fd;
    char *path;
    int n_time;
    size_t rec_len;          /* bytes in one record */
    off_t end;               /* end of the last whole record written */
    unsigned char *buf;      /* one record */
    double synced;           /* when the file was last fdatasync'ed (monotonic s) */
};

/* ---- bytes ------------------------------------------------------------------------ */

/* FNV-1a over n bytes of p, continuing from hash h. */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * FNV_PRIME;
    return h;
}

static void put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static void put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get_u32(const unsigned char *p)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

static uint64_t get_u64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

static uint64_t dbl_bits(double x)
{
    uint64_t v;
    memcpy(&v, &x, sizeof v);
    return v;
}

static double bits_dbl(uint64_t v)
{
    double x;
    memcpy(&x, &v, sizeof x);
    return x;
}

/* Hash a string with its terminating NUL (so "ab","c" and "a","bc" differ). */
static uint64_t fnv_str(uint64_t h, const char *s)
{
    if (!s) s = "";
    return fnv(h, s, strlen(s) + 1);
}

/* Hash v as 8 little-endian bytes. */
static uint64_t fnv_u64(uint64_t h, uint64_t v)
{
    unsigned char b[8];
    put_u64(b, v);
    return fnv(h, b, sizeof b);
}

/* ---- the run hash ------------------------------------------------------------------ */

static ssize_t read_at(int fd, void *buf, size_t n, off_t off);

/* Hash one adaptive-policy rule, field by field. */
static uint64_t fnv_rule(uint64_t h, const nb_rule *r)
{
    int64_t f[5] = {r->from, r->metric, r->above, r->param, r->op};
    for (int k = 0; k < 5; k++) h = fnv_u64(h, (uint64_t)f[k]);
    h = fnv_u64(h, dbl_bits(r->threshold));
    return fnv_u64(h, dbl_bits(r->value));
}

/* Hash every parameter exactly (schedule lengths, months, value bits) and every
 * rule.  Field by field, never raw structs: padding is not hashed.  A new field in
 * nb_paramset must be added here. */
static uint64_t fnv_params(uint64_t h, const nb_paramset *ps)
{
    for (int i = 0; i < NB_NPARAMS; i++) {
        const nb_sched *s = &ps->p[i];
        h = fnv_u64(h, (uint64_t)s->n);
        for (int k = 0; k < s->n; k++) h = fnv_u64(h, (uint64_t)(int64_t)s->month[k]);
        for (int k = 0; k < (s->n > 0 ? s->n : 1); k++) h = fnv_u64(h, dbl_bits(s->value[k]));
    }
    h = fnv_u64(h, (uint64_t)ps->n_rules);
    for (int i = 0; i < ps->n_rules && i < NB_RULES_MAX; i++) h = fnv_rule(h, &ps->rules[i]);
    return h;
}

/* Hash the running executable's bytes (Linux: /proc/self/exe), so a rebuilt neobay
 * -- even one whose commit reads the same, "-dirty" -- refuses an older build's
 * checkpoint.  Where it cannot be read, the version and commit alone stand for the
 * build. */
static uint64_t fnv_exe(uint64_t h)
{
    int fd = open("/proc/self/exe", O_RDONLY);
    if (fd < 0) return h;
    unsigned char buf[65536];
    ssize_t n;
    off_t off = 0;
    while ((n = read_at(fd, buf, sizeof buf, off)) > 0) {
        h = fnv(h, buf, (size_t)n);
        off += n;
    }
    close(fd);
    return h;
}

uint64_t nb_ckpt_hash(const nb_run_meta *meta, const nb_results *res)
{
    uint64_t h = fnv_str(FNV_OFFSET, "neobay " NB_VERSION " commit " NB_GIT_COMMIT);
    h = fnv_exe(h);
    h = fnv_str(h, meta->scenario_name);
    h = fnv_str(h, meta->scenario_path);
    h = fnv_str(h, meta->scenario_yaml);
    if (meta->ps) h = fnv_params(h, meta->ps);
    h = fnv_u64(h, meta->seed);
    h = fnv_u64(h, (uint64_t)res->n_rep);
    h = fnv_u64(h, (uint64_t)res->n_time);
    h = fnv_u64(h, (uint64_t)(int64_t)res->start);
    h = fnv_u64(h, NB_NMETRICS);
    for (int m = 0; m < NB_NMETRICS; m++) h = fnv_str(h, nb_metrics[m].name);
    return h;
}

int nb_ckpt_path(const char *out, char *buf, size_t size, nb_err *e)
{
    int n = snprintf(buf, size, "%s.ckpt", out);
    if (n < 0 || (size_t)n >= size) return nb_err_set(e, "%s: path too long for a checkpoint", out);
    return NB_OK;
}

/* ---- records ------------------------------------------------------------------------ */

static size_t rec_len(int n_time)
{
    return 4 + 8 * (size_t)NB_NMETRICS * (size_t)n_time + 8;
}

/* Encode replicate rep's row of res into c->buf. */
static void rec_encode(nb_ckpt *c, const nb_results *res, int rep)
{
    unsigned char *p = c->buf;
    put_u32(p, (uint32_t)rep);
    p += 4;
    for (int m = 0; m < NB_NMETRICS; m++) {
        const double *row = nb_results_row(res, m, rep);
        for (int t = 0; t < c->n_time; t++, p += 8) put_u64(p, dbl_bits(row[t]));
    }
    put_u64(p, fnv(FNV_OFFSET, c->buf, c->rec_len - 8));
}

/* The replicate of the record in c->buf, or -1 when its checksum or replicate
 * number is wrong. */
static int rec_check(const nb_ckpt *c, int n_rep)
{
    uint64_t sum = get_u64(c->buf + c->rec_len - 8);
    if (sum != fnv(FNV_OFFSET, c->buf, c->rec_len - 8)) return -1;
    uint32_t rep = get_u32(c->buf);
    return rep < (uint32_t)n_rep ? (int)rep : -1;
}

/* Copy the record in c->buf (already checked) into replicate rep's row of res. */
static void rec_restore(const nb_ckpt *c, nb_results *res, int rep)
{
    const unsigned char *p = c->buf + 4;
    for (int m = 0; m < NB_NMETRICS; m++) {
        double *row = nb_results_row(res, m, rep);
        for (int t = 0; t < c->n_time; t++, p += 8) row[t] = bits_dbl(get_u64(p));
    }
}

/* ---- file I/O ------------------------------------------------------------------------ */

/* Write n bytes of buf to fd, through short writes and interruptions.  0, or -1
 * with errno set. */
static int write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n > 0) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Read up to n bytes at offset off: the count read (< n only at end of file), or
 * -1 with errno set. */
static ssize_t read_at(int fd, void *buf, size_t n, off_t off)
{
    size_t got = 0;
    while (got < n) {
        ssize_t k = pread(fd, (char *)buf + got, n - got, off + (off_t)got);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) return -1;
        if (k == 0) break;
        got += (size_t)k;
    }
    return (ssize_t)got;
}

/* fsync the directory holding `path` so a rename in it survives a crash (best
 * effort). */
static void sync_parent(const char *path)
{
    const char *slash = strrchr(path, '/');
    char dir[4096] = ".";
    if (slash) snprintf(dir, sizeof dir, "%.*s", slash == path ? 1 : (int)(slash - path), path);
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0) return;
    fsync(fd);
    close(fd);
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* ---- opening -------------------------------------------------------------------------- */

/* A closed checkpoint object for `path` and records of n_time points, or NULL. */
static nb_ckpt *ckpt_alloc(const char *path, int n_time)
{
    nb_ckpt *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->fd = -1;
    c->n_time = n_time;
    c->rec_len = rec_len(n_time);
    c->path = malloc(strlen(path) + 1);
    c->buf = malloc(c->rec_len);
    if (!c->path || !c->buf) {
        nb_ckpt_close(c, 0, NULL);
        return NULL;
    }
    strcpy(c->path, path);
    c->synced = now_s();
    return c;
}

/* Create c->path holding just the header: written to a temporary name, synced and
 * renamed into place, so the file never exists without a whole header.  Leaves
 * c->fd open at the end of the header. */
static int ckpt_create(nb_ckpt *c, uint64_t hash, nb_err *e)
{
    size_t len = strlen(c->path) + 32;
    char *tmp = malloc(len);
    if (!tmp) return nb_err_code(e, NB_ENOMEM, "out of memory");
    snprintf(tmp, len, "%s.part-%ld", c->path, (long)getpid());
    nb_outpath_clean_stale(c->path);            /* .part files of killed runs */
    unsigned char hdr[HDR_LEN];
    memcpy(hdr, MAGIC, MAGIC_LEN);
    put_u64(hdr + MAGIC_LEN, hash);
    c->fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC, 0666);
    int ok = c->fd >= 0 && write_all(c->fd, hdr, HDR_LEN) == 0 && fsync(c->fd) == 0 &&
             rename(tmp, c->path) == 0;
    int err = errno;
    if (!ok) unlink(tmp);
    free(tmp);
    if (!ok)
        return nb_err_code(e, NB_EIO, "%s: cannot create checkpoint: %s", c->path, strerror(err));
    sync_parent(c->path);
    c->end = HDR_LEN;
    return NB_OK;
}

/* Check the header of the open c->fd against `hash`. */
static int ckpt_check_header(nb_ckpt *c, uint64_t hash, nb_err *e)
{
    unsigned char hdr[HDR_LEN];
    ssize_t n = read_at(c->fd, hdr, HDR_LEN, 0);
    if (n < 0)
        return nb_err_code(e, NB_EIO, "%s: cannot read checkpoint: %s", c->path, strerror(errno));
    const char *why = NULL;
    if (n < HDR_LEN || memcmp(hdr, MAGIC, MAGIC_LEN) != 0) why = "not a neobay checkpoint";
    else if (get_u64(hdr + MAGIC_LEN) != hash)
        why = "another scenario, seed, number of replicates or neobay build";
    if (why)
        return nb_err_set(e, "%s: checkpoint of a different run (%s); delete it or choose "
                             "another -o (--restart deletes it)", c->path, why);
    return NB_OK;
}

/* Read every whole record of c->fd into res and skip, count the replicates
 * restored into *n_done, and cut the file after the last valid record. */
static int ckpt_restore(nb_ckpt *c, nb_results *res, unsigned char *skip, int *n_done,
                        nb_err *e)
{
    off_t off = HDR_LEN, good = HDR_LEN;
    ssize_t n;
    *n_done = 0;
    while ((n = read_at(c->fd, c->buf, c->rec_len, off)) == (ssize_t)c->rec_len) {
        off += (off_t)c->rec_len;
        int rep = rec_check(c, res->n_rep);
        if (rep < 0) continue;
        good = off;
        if (skip[rep]) continue;
        rec_restore(c, res, rep);
        skip[rep] = 1;
        ++*n_done;
    }
    if (n < 0 || ftruncate(c->fd, good) != 0 || lseek(c->fd, good, SEEK_SET) != good)
        return nb_err_code(e, NB_EIO, "%s: cannot read checkpoint: %s", c->path, strerror(errno));
    c->end = good;
    return NB_OK;
}

int nb_ckpt_open(const char *path, uint64_t hash, nb_results *res, unsigned char *skip,
                 nb_ckpt **out, int *found, int *n_done, nb_err *e)
{
    *out = NULL;
    *found = *n_done = 0;
    nb_ckpt *c = ckpt_alloc(path, res->n_time);
    if (!c) return nb_err_code(e, NB_ENOMEM, "out of memory");
    int st;
    c->fd = open(path, O_RDWR);
    if (c->fd < 0 && errno == ENOENT) {
        st = ckpt_create(c, hash, e);
    } else if (c->fd < 0) {
        st = nb_err_code(e, NB_EIO, "%s: cannot open checkpoint: %s", path, strerror(errno));
    } else {
        *found = 1;
        st = ckpt_check_header(c, hash, e);
        if (st == NB_OK) st = ckpt_restore(c, res, skip, n_done, e);
    }
    if (st != NB_OK) {
        nb_ckpt_close(c, 0, NULL);
        return st;
    }
    *out = c;
    return NB_OK;
}

/* ---- appending and closing ------------------------------------------------------------ */

int nb_ckpt_append(nb_ckpt *c, const nb_results *res, int rep, nb_err *e)
{
    rec_encode(c, res, rep);
    if (write_all(c->fd, c->buf, c->rec_len) != 0) {
        int err = errno;
        if (ftruncate(c->fd, c->end) == 0) lseek(c->fd, c->end, SEEK_SET);   /* best effort */
        return nb_err_code(e, NB_EIO, "%s: cannot write checkpoint: %s", c->path, strerror(err));
    }
    c->end += (off_t)c->rec_len;
    double t = now_s();
    if (t - c->synced < SYNC_EVERY_S) return NB_OK;
    c->synced = t;
    if (fdatasync(c->fd) != 0)
        return nb_err_code(e, NB_EIO, "%s: cannot write checkpoint: %s", c->path, strerror(errno));
    return NB_OK;
}

int nb_ckpt_sync(nb_ckpt *c, nb_err *e)
{
    c->synced = now_s();
    if (fdatasync(c->fd) != 0)
        return nb_err_code(e, NB_EIO, "%s: cannot write checkpoint: %s", c->path, strerror(errno));
    return NB_OK;
}

int nb_ckpt_close(nb_ckpt *c, int remove, nb_err *e)
{
    if (!c) return NB_OK;
    int st = NB_OK;
    if (c->fd >= 0 && !remove && fdatasync(c->fd) != 0)
        st = nb_err_code(e, NB_EIO, "%s: cannot write checkpoint: %s", c->path, strerror(errno));
    if (c->fd >= 0 && close(c->fd) != 0 && st == NB_OK && !remove)
        st = nb_err_code(e, NB_EIO, "%s: cannot write checkpoint: %s", c->path, strerror(errno));
    if (remove && c->path && st == NB_OK) st = nb_ckpt_delete(c->path, e);
    free(c->path);
    free(c->buf);
    free(c);
    return st;
}

int nb_ckpt_delete(const char *path, nb_err *e)
{
    if (unlink(path) != 0 && errno != ENOENT)
        return nb_err_code(e, NB_EIO, "%s: cannot delete checkpoint: %s", path, strerror(errno));
    return NB_OK;
}
