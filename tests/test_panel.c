/* test_panel.c -- micro-data (neobay run --panel): the sink collects snapshots and
 * events, the sequential rerun reproduces the ensemble's replicates, the rows agree
 * with the replicate's metrics, and the groups are written into the results file
 * byte-identically. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include "../io/h5out.h"
#include "../analysis/panel.h"
#include "../model/ensemble.h"
#include "../model/firms.h"
#include "../model/model.h"
#include "../model/neobay.h"

#define N_REP 3
#define END NB_MONTH(2027, 6)           /* 2024-07 .. 2027-06: 36 time points */

/* Shared by every test: the model, its ensemble and two collected panels. */
typedef struct fixture {
    nb_paramset ps;
    nb_model *m;
    nb_results *ens;                    /* N_REP replicates on 2 threads */
    nb_panel *monthly;                  /* replicates 0..N_REP-1, every month */
    nb_panel *yearly;                   /* replicates 0..1 */
    char dir[64];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f) return -1;
    nb_paramset_default(&f->ps);
    nb_paramset_set_const(&f->ps, NB_P_run_end, END);
    nb_paramset_set_const(&f->ps, NB_P_pol_grant_equity, 5e7);   /* grants happen */
    nb_paramset_set_const(&f->ps, NB_P_pol_tech_credit, 2e7);    /* loans happen */
    f->m = nb_model_alloc(&f->ps);
    if (!f->m) return -1;
    f->ens = nb_results_alloc(N_REP, nb_model_n_time(f->m), nb_model_start(f->m));
    if (!f->ens) return -1;
    nb_ensemble_opts o = {2, NULL, NULL, NULL};
    if (nb_ensemble_run(f->m, f->ens, &o, NULL) != NB_OK) return -1;
    nb_err e;
    f->monthly = nb_panel_alloc(f->m, NB_PANEL_MONTHLY);
    f->yearly = nb_panel_alloc(f->m, NB_PANEL_YEARLY);
    if (!f->monthly || !f->yearly ||
        nb_panel_collect(f->monthly, f->m, N_REP, f->ens, &e) != NB_OK ||
        nb_panel_collect(f->yearly, f->m, 2, f->ens, &e) != NB_OK)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/nb_panel_XXXXXX");
    if (!mkdtemp(f->dir)) return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    DIR *d = opendir(f->dir);
    struct dirent *de;
    char p[512];
    while (d && (de = readdir(d)))
        if (de->d_name[0] != '.') {
            snprintf(p, sizeof p, "%s/%s", f->dir, de->d_name);
            remove(p);
        }
    if (d) closedir(d);
    rmdir(f->dir);
    nb_panel_free(f->monthly);
    nb_panel_free(f->yearly);
    nb_results_free(f->ens);
    nb_model_free(f->m);
    free(f);
    return 0;
}

static double metric(const fixture *f, int m, int rep, int k)
{
    return nb_results_row(f->ens, m, rep)[k];
}

/* The first and one-past-last panel rows of (rep, k); rows are ordered by replicate
 * then time.  first == last when there is no such snapshot. */
static void snapshot_rows(const nb_panel *p, int rep, int k, size_t *first, size_t *last)
{
    const nb_panel_firms *t = &p->firms;
    size_t i = 0;
    while (i < t->n && (t->rep[i] < rep || (t->rep[i] == rep && t->k[i] < k))) i++;
    *first = i;
    while (i < t->n && t->rep[i] == rep && t->k[i] == k) i++;
    *last = i;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The sorted firm ids of snapshot (rep, k) of p: malloc'd, *n of them. */
static uint64_t *snapshot_ids(const nb_panel *p, int rep, int k, size_t *n)
{
    size_t a, b;
    snapshot_rows(p, rep, k, &a, &b);
    *n = b - a;
    uint64_t *ids = malloc((*n ? *n : 1) * sizeof *ids);
    assert_non_null(ids);
    memcpy(ids, p->firms.eid + a, *n * sizeof *ids);
    qsort(ids, *n, sizeof *ids, cmp_u64);
    return ids;
}

static int has_id(const uint64_t *ids, size_t n, uint64_t id)
{
    return bsearch(&id, ids, n, sizeof id, cmp_u64) != NULL;
}

/* ---- the basics ------------------------------------------------------------------- */

static void test_freq_parse(void **state)
{
    assert_int_equal(nb_panel_freq_parse("yearly"), NB_PANEL_YEARLY);
    assert_int_equal(nb_panel_freq_parse("monthly"), NB_PANEL_MONTHLY);
    assert_int_equal(nb_panel_freq_parse("weekly"), -1);
    assert_int_equal(nb_panel_freq_parse("Yearly"), -1);
    assert_int_equal(nb_panel_freq_parse(""), -1);
    assert_int_equal(nb_panel_freq_parse(NULL), -1);
}

/* Yearly: time point 0, each December and the last month; monthly: every month. */
static void test_snapshot_times(void **state)
{
    fixture *f = *state;
    const int want[] = {0, 5, 17, 29, 35};   /* 2024-07, Dec 2024/25/26, 2027-06 */
    int n_time = nb_model_n_time(f->m), j = 0;
    assert_int_equal(n_time, 36);
    for (int k = 0; k < n_time; k++) {
        assert_true(nb_panel_is_snapshot(f->monthly, k));
        int snap = nb_panel_is_snapshot(f->yearly, k);
        assert_int_equal(snap, j < 5 && want[j] == k);
        j += snap;
        /* and the collected rows are exactly those snapshots */
        for (int rep = 0; rep < 2; rep++) {
            size_t a, b;
            snapshot_rows(f->yearly, rep, k, &a, &b);
            assert_int_equal(b > a, snap);
        }
    }
    assert_int_equal(j, 5);
    assert_int_equal(f->yearly->n_rep, 2);
    assert_int_equal(f->monthly->n_rep, N_REP);
    assert_int_equal(f->yearly->status, NB_OK);
    /* the snapshots of the yearly panel are the monthly panel's, row for row */
    for (int rep = 0; rep < 2; rep++)
        for (int i = 0; i < 5; i++) {
            size_t a, b, c, d;
            snapshot_rows(f->yearly, rep, want[i], &a, &b);
            snapshot_rows(f->monthly, rep, want[i], &c, &d);
            assert_int_equal(b - a, d - c);
            assert_memory_equal(f->yearly->firms.eid + a, f->monthly->firms.eid + c,
                                (b - a) * sizeof(uint64_t));
            assert_memory_equal(f->yearly->firms.valuation + a,
                                f->monthly->firms.valuation + c, (b - a) * sizeof(float));
        }
}

/* A replicate rerun sequentially with the sink is the ensemble's replicate, bit for
 * bit; nb_panel_collect checks it and reports a difference. */
static void test_rerun_matches_ensemble(void **state)
{
    fixture *f = *state;
    nb_panel *p = nb_panel_alloc(f->m, NB_PANEL_YEARLY);
    nb_sim *s = nb_sim_alloc();
    nb_results *r = nb_results_alloc(N_REP, f->ens->n_time, f->ens->start);
    assert_non_null(p);
    assert_non_null(s);
    assert_non_null(r);
    nb_sim_set_sink(s, &p->sink);
    for (int rep = N_REP - 1; rep >= 0; rep--) {       /* any order, one workspace */
        assert_int_equal(nb_sim_run(f->m, s, (uint32_t)rep, r), NB_OK);
        for (int m = 0; m < NB_NMETRICS; m++)
            assert_memory_equal(nb_results_row(r, m, rep), nb_results_row(f->ens, m, rep),
                                (size_t)r->n_time * sizeof(double));
    }
    nb_sim_free(s);
    nb_panel_free(p);

    /* a perturbed ensemble row is caught and named */
    nb_err e;
    size_t bytes = (size_t)NB_NMETRICS * N_REP * r->n_time * sizeof(double);
    memcpy(r->series, f->ens->series, bytes);
    nb_results_row(r, NB_M_revenue, 1)[7] *= 1.0000001;
    p = nb_panel_alloc(f->m, NB_PANEL_YEARLY);
    assert_int_equal(nb_panel_collect(p, f->m, 2, r, &e), NB_ERANGE);
    assert_non_null(strstr(e.msg, "replicate 1"));
    assert_non_null(strstr(e.msg, "revenue"));
    assert_int_equal(p->n_rep, 1);
    nb_panel_free(p);

    /* more replicates than the ensemble has */
    p = nb_panel_alloc(f->m, NB_PANEL_YEARLY);
    assert_int_equal(nb_panel_collect(p, f->m, N_REP + 1, f->ens, &e), NB_EINVAL);
    assert_non_null(strstr(e.msg, "--panel-replicates"));
    assert_int_equal(p->firms.n, 0);
    nb_panel_free(p);
    nb_results_free(r);
}

/* ---- rows against the metrics ------------------------------------------------------- */

/* Each snapshot has as many rows as the `firms` metric at that time, and its sums
 * and counts are the replicate's stock metrics (the same sums in the same order). */
static void test_snapshots_match_metrics(void **state)
{
    fixture *f = *state;
    const nb_panel *p = f->monthly;
    const nb_panel_firms *t = &p->firms;
    size_t total = 0;
    for (int rep = 0; rep < N_REP; rep++)
        for (int k = 0; k < p->n_time; k++) {
            size_t a, b;
            snapshot_rows(p, rep, k, &a, &b);
            assert_true(b - a == metric(f, NB_M_firms, rep, k) + metric(f, NB_M_projects, rep, k));
            total += b - a;
            int stage[NB_NSTAGES] = {0}, ht = 0, listed = 0, gz = 0;
            double rev = 0, val = 0, emp = 0;
            for (size_t i = a; i < b; i++) {
                stage[t->stage[i]]++;
                ht += (t->flags[i] & NB_FL_HIGHTECH) != 0;
                listed += (t->flags[i] & NB_FL_LISTED) != 0;
                gz += (t->flags[i] & NB_FL_GAZELLE) != 0;
                rev += t->revenue[i];
                val += t->valuation[i];
                emp += fmax(p->team[k], (double)t->revenue[i] * (1.0 / p->rpe[k]));
                assert_true(t->birth[i] <= k);
                assert_int_equal(t->flags[i] & NB_FL_DEAD, 0);
            }
            for (int st = 0; st < NB_NSTAGES; st++)
                assert_true(stage[st] == metric(f, NB_M_projects + st, rep, k));
            assert_true(ht == metric(f, NB_M_hightech, rep, k));
            assert_true(listed == metric(f, NB_M_listed, rep, k));
            assert_true(gz == metric(f, NB_M_gazelles, rep, k));
            assert_true(rev == metric(f, NB_M_revenue, rep, k));
            assert_true(val == metric(f, NB_M_valuation, rep, k));
            assert_true(fabs(emp - metric(f, NB_M_employees, rep, k)) <= 1e-12 * emp);
        }
    assert_int_equal(total, t->n);
    /* time point 0 is the zone grown from 2015: thousands of firms, not a handful */
    size_t a, b;
    snapshot_rows(p, 0, 0, &a, &b);
    assert_true(b - a > 1000);
}

/* Exits per month and kind are the exits_* metrics; rounds, grants, loans and the
 * money raised are the flow metrics of the month. */
static void test_events_match_metrics(void **state)
{
    fixture *f = *state;
    const nb_panel *p = f->monthly;
    const nb_panel_exits *x = &p->exits;
    const nb_panel_rounds *r = &p->rounds;
    int n_time = p->n_time;
    size_t xi = 0, ri = 0;
    int seen[3] = {0};
    for (int rep = 0; rep < N_REP; rep++)
        for (int k = 0; k < n_time; k++) {
            int ex[4] = {0}, rounds = 0, grants = 0;
            double loans = 0, raised = 0;
            for (; xi < x->n && x->rep[xi] == rep && x->k[xi] == k; xi++) {
                assert_true(x->kind[xi] <= NB_PANEL_LISTED);
                ex[x->kind[xi]]++;
                assert_true(x->kind[xi] == NB_EX_FAILED ? x->value[xi] == 0 : x->value[xi] >= 0);
            }
            for (; ri < r->n && r->rep[ri] == rep && r->k[ri] == k; ri++) {
                assert_true(r->amount[ri] > 0);
                assert_true(r->kind[ri] <= NB_EV_LOAN);
                seen[r->kind[ri]]++;
                switch (r->kind[ri]) {
                case NB_EV_ROUND:
                    rounds++;
                    raised += r->amount[ri];
                    assert_int_equal(r->investor[ri], NB_INV_MARKET);
                    assert_true(r->round[ri] >= 1);
                    break;
                case NB_EV_GRANT:
                    grants++;
                    raised += r->amount[ri];
                    assert_int_equal(r->investor[ri], NB_INV_PUBLIC);
                    assert_true(r->post[ri] > r->pre[ri]);
                    break;
                case NB_EV_LOAN:
                    loans += r->amount[ri];
                    assert_int_equal(r->investor[ri], NB_INV_BANK);
                    break;
                default: fail_msg("kind %d", r->kind[ri]);
                }
            }
            assert_true(ex[NB_EX_FAILED] == metric(f, NB_M_exits_failed, rep, k));
            assert_true(ex[NB_EX_ACQUIRED] == metric(f, NB_M_exits_acquired, rep, k));
            assert_true(ex[NB_EX_RELOCATED] == metric(f, NB_M_exits_relocated, rep, k));
            assert_true(rounds == metric(f, NB_M_rounds, rep, k));
            assert_true(grants == metric(f, NB_M_grants_equity, rep, k));
            assert_true(loans == metric(f, NB_M_loans, rep, k));
            assert_true(raised == metric(f, NB_M_capital_raised, rep, k));
            if (k == 0) assert_true(ex[0] + ex[1] + ex[2] + ex[3] + rounds + grants == 0);
        }
    assert_int_equal(xi, x->n);        /* every event is in time order, none left over */
    assert_int_equal(ri, r->n);
    assert_true(seen[NB_EV_ROUND] > 0 && seen[NB_EV_GRANT] > 0 && seen[NB_EV_LOAN] > 0);
}

/* The sorted firm ids of every snapshot of p: ids[rep * n_time + k], n[...] (NULL
 * and 0 for time points that are not snapshots). */
typedef struct id_index {
    const nb_panel *p;
    uint64_t **ids;
    size_t *n;
} id_index;

static id_index index_ids(const nb_panel *p)
{
    size_t cells = (size_t)p->n_rep * p->n_time;
    id_index x = {p, calloc(cells, sizeof(uint64_t *)), calloc(cells, sizeof(size_t))};
    assert_non_null(x.ids);
    assert_non_null(x.n);
    for (int rep = 0; rep < p->n_rep; rep++)
        for (int k = 0; k < p->n_time; k++)
            if (nb_panel_is_snapshot(p, k))
                x.ids[rep * p->n_time + k] = snapshot_ids(p, rep, k, &x.n[rep * p->n_time + k]);
    return x;
}

static void index_free(id_index *x)
{
    for (int c = 0; c < x->p->n_rep * x->p->n_time; c++) free(x->ids[c]);
    free(x->ids);
    free(x->n);
}

/* Every event's firm is in the panel: monthly, in the snapshot before the event;
 * yearly, in the last snapshot before it unless it entered after that snapshot. */
static void check_event_firm(const id_index *x, int rep, int k, uint64_t eid)
{
    const nb_panel *p = x->p;
    int s = k - 1;
    while (s > 0 && !nb_panel_is_snapshot(p, s)) s--;
    assert_true(s >= 0 && nb_panel_is_snapshot(p, s));
    int c = rep * p->n_time + s;
    int found = has_id(x->ids[c], x->n[c], eid);
    int entered_later = eid >= NB_ENTRANT && (int)((eid >> 20) & 0xfffff) - p->n_hist > s;
    if (!found && !entered_later)
        fail_msg("replicate %d month %d: firm %llu is in no snapshot before", rep, k,
                 (unsigned long long)eid);
    if (p->freq == NB_PANEL_MONTHLY) assert_true(found);
}

static void test_event_firms_in_panel(void **state)
{
    fixture *f = *state;
    const nb_panel *panels[2] = {f->monthly, f->yearly};
    for (int pi = 0; pi < 2; pi++) {
        const nb_panel *p = panels[pi];
        id_index x = index_ids(p);
        for (size_t i = 0; i < p->rounds.n; i++)
            check_event_firm(&x, p->rounds.rep[i], p->rounds.k[i], p->rounds.eid[i]);
        for (size_t i = 0; i < p->exits.n; i++)
            check_event_firm(&x, p->exits.rep[i], p->exits.k[i], p->exits.eid[i]);
        /* firms that exit are gone from the next snapshot; firms that list are listed */
        for (size_t i = 0; p->freq == NB_PANEL_MONTHLY && i < p->exits.n; i++) {
            int c = p->exits.rep[i] * p->n_time + p->exits.k[i];
            int present = has_id(x.ids[c], x.n[c], p->exits.eid[i]);
            assert_int_equal(present, p->exits.kind[i] == NB_PANEL_LISTED);
        }
        index_free(&x);
    }
    /* listings: listed in that month's snapshot */
    const nb_panel *p = f->monthly;
    int listings = 0;
    for (size_t i = 0; i < p->exits.n; i++) {
        if (p->exits.kind[i] != NB_PANEL_LISTED) continue;
        size_t a, b;
        snapshot_rows(p, p->exits.rep[i], p->exits.k[i], &a, &b);
        size_t j = a;
        while (j < b && p->firms.eid[j] != p->exits.eid[i]) j++;
        assert_true(j < b && (p->firms.flags[j] & NB_FL_LISTED));
        listings++;
    }
    assert_true(listings > 0);
}

/* ---- the file ------------------------------------------------------------------------ */

static char *slurp(const char *path, long *size)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return NULL;
    fseek(fp, 0, SEEK_END);
    *size = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *buf = malloc((size_t)*size + 1);
    if (buf && fread(buf, 1, (size_t)*size, fp) != (size_t)*size) {
        free(buf);
        buf = NULL;
    }
    fclose(fp);
    return buf;
}

static int same_bytes(const char *a, const char *b)
{
    long na = -1, nb = -2;
    char *x = slurp(a, &na), *y = slurp(b, &nb);
    int same = x && y && na == nb && memcmp(x, y, (size_t)na) == 0;
    free(x);
    free(y);
    return same;
}

/* Dataset `name` of loc: 1-D of n values on the group's `row` scale. */
static void assert_column(hid_t loc, const char *name, hsize_t n)
{
    static const char *const row[1] = {"row"};
    assert_true(nb_h5r_has_dims(loc, name, 1, row));
    hid_t ds = H5Dopen2(loc, name, H5P_DEFAULT);
    hid_t sp = H5Dget_space(ds);
    hsize_t got = 0;
    H5Sget_simple_extent_dims(sp, &got, NULL);
    assert_int_equal(got, n);
    char buf[256];
    assert_int_equal(nb_h5r_attr_str(ds, "long_name", buf, sizeof buf), 0);
    assert_int_equal(nb_h5r_attr_str(ds, "long_name_zh", buf, sizeof buf), 0);
    assert_int_equal(nb_h5r_attr_str(ds, "units", buf, sizeof buf), 0);
    H5Sclose(sp);
    H5Dclose(ds);
}

static void test_write_file(void **state)
{
    fixture *f = *state;
    const nb_panel *p = f->yearly;
    nb_run_meta meta = {"unit-test", "scenarios/unit.yaml", "name: unit-test\n", &f->ps, 42};
    char a[128], b[128], c[128], d[128];
    snprintf(a, sizeof a, "%s/a.h5", f->dir);
    snprintf(b, sizeof b, "%s/b.h5", f->dir);
    snprintf(c, sizeof c, "%s/c.h5", f->dir);
    snprintf(d, sizeof d, "%s/d.h5", f->dir);
    nb_err e;
    assert_int_equal(nb_h5_write_run_ex(a, f->ens, &meta, nb_panel_write, p, &e), NB_OK);
    assert_int_equal(nb_h5_write_run_ex(b, f->ens, &meta, nb_panel_write, p, &e), NB_OK);
    assert_int_equal(nb_h5_write_run(c, f->ens, &meta, &e), NB_OK);
    assert_int_equal(nb_h5_write_run_ex(d, f->ens, &meta, NULL, NULL, &e), NB_OK);
    assert_true(same_bytes(a, b));             /* byte-identical with the panel */
    assert_true(same_bytes(c, d));             /* and without it, exactly as before */
    assert_false(same_bytes(a, c));

    hid_t file;
    char why[256], buf[256];
    assert_int_equal(nb_h5r_open(c, &file, why, sizeof why), NB_OK);
    assert_true(H5Lexists(file, "panel", H5P_DEFAULT) == 0);
    assert_true(H5Lexists(file, "events", H5P_DEFAULT) == 0);
    H5Fclose(file);

    assert_int_equal(nb_h5r_open(a, &file, why, sizeof why), NB_OK);
    hid_t g = H5Gopen2(file, "panel", H5P_DEFAULT);
    assert_true(g >= 0);
    static const char *const cols[] = {
        "replicate", "time", "firm_id", "founded", "origin", "sector", "stage",
        "age_months", "revenue", "employees", "valuation", "capital_raised", "cash",
        "hightech", "listed", "gazelle"};
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
        assert_column(g, cols[i], p->firms.n);
    hid_t row = H5Dopen2(g, "row", H5P_DEFAULT);
    assert_true(H5DSis_scale(row) > 0);
    H5Dclose(row);
    /* values: ids as collected, time as CF days of the snapshot month */
    hid_t ds = H5Dopen2(g, "firm_id", H5P_DEFAULT);
    uint64_t *ids = malloc(p->firms.n * sizeof *ids);
    assert_true(H5Dread(ds, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, ids) >= 0);
    assert_memory_equal(ids, p->firms.eid, p->firms.n * sizeof *ids);
    free(ids);
    H5Dclose(ds);
    ds = H5Dopen2(g, "time", H5P_DEFAULT);
    assert_int_equal(nb_h5r_attr_str(ds, "units", buf, sizeof buf), 0);
    assert_string_equal(buf, "days since 1970-01-01");
    int64_t *days = malloc(p->firms.n * sizeof *days);
    assert_true(H5Dread(ds, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, days) >= 0);
    assert_int_equal(days[0], nb_h5_month_days(NB_MONTH(2024, 7)));
    assert_int_equal(days[p->firms.n - 1], nb_h5_month_days(END));
    free(days);
    H5Dclose(ds);
    ds = H5Dopen2(g, "stage", H5P_DEFAULT);
    assert_int_equal(nb_h5r_attr_str(ds, "flag_meanings", buf, sizeof buf), 0);
    assert_string_equal(buf, "pre_incubation startup backbone leader");
    assert_true(H5Aexists(ds, "flag_values") > 0);
    H5Dclose(ds);
    int64_t reps = 0;
    assert_int_equal(nb_h5r_attr_i64(g, "replicates", &reps), 0);
    assert_int_equal(reps, 2);
    H5Gclose(g);

    static const char *const rcols[] = {"replicate", "time", "firm_id", "kind", "round",
                                        "amount", "pre_money", "post_money", "investor",
                                        "instrument"};
    g = H5Gopen2(file, "events/rounds", H5P_DEFAULT);
    assert_true(g >= 0);
    for (size_t i = 0; i < sizeof rcols / sizeof rcols[0]; i++)
        assert_column(g, rcols[i], p->rounds.n);
    H5Gclose(g);
    static const char *const xcols[] = {"replicate", "time", "firm_id", "kind", "value"};
    g = H5Gopen2(file, "events/exits", H5P_DEFAULT);
    assert_true(g >= 0);
    for (size_t i = 0; i < sizeof xcols / sizeof xcols[0]; i++)
        assert_column(g, xcols[i], p->exits.n);
    ds = H5Dopen2(g, "kind", H5P_DEFAULT);
    assert_int_equal(nb_h5r_attr_str(ds, "flag_meanings", buf, sizeof buf), 0);
    assert_string_equal(buf, "failed acquired relocated listed");
    H5Dclose(ds);
    H5Gclose(g);
    H5Fclose(file);
}

/* A panel with no rows yet writes empty columns. */
static void test_write_empty(void **state)
{
    fixture *f = *state;
    nb_panel *p = nb_panel_alloc(f->m, NB_PANEL_MONTHLY);
    assert_non_null(p);
    nb_run_meta meta = {"unit-test", "scenarios/unit.yaml", "name: unit-test\n", &f->ps, 42};
    char path[128];
    snprintf(path, sizeof path, "%s/empty.h5", f->dir);
    nb_err e;
    assert_int_equal(nb_h5_write_run_ex(path, f->ens, &meta, nb_panel_write, p, &e), NB_OK);
    hid_t file;
    char why[256];
    assert_int_equal(nb_h5r_open(path, &file, why, sizeof why), NB_OK);
    hid_t g = H5Gopen2(file, "panel", H5P_DEFAULT);
    assert_column(g, "revenue", 0);
    H5Gclose(g);
    g = H5Gopen2(file, "events/exits", H5P_DEFAULT);
    assert_column(g, "value", 0);
    H5Gclose(g);
    H5Fclose(file);
    nb_panel_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_freq_parse),
        cmocka_unit_test(test_snapshot_times),
        cmocka_unit_test(test_rerun_matches_ensemble),
        cmocka_unit_test(test_snapshots_match_metrics),
        cmocka_unit_test(test_events_match_metrics),
        cmocka_unit_test(test_event_firms_in_panel),
        cmocka_unit_test(test_write_file),
        cmocka_unit_test(test_write_empty),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
