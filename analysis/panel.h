/* panel.h -- micro-data of a run (`neobay run --panel`): firm snapshots and events.
 *
 * The ensemble runs without a sink.  Afterwards replicates 0..N-1 are rerun one by
 * one in a single nb_sim with the panel's sink (a replicate is a pure function of
 * the scenario, seed and replicate number, so the rerun is the ensemble's
 * replicate: nb_panel_collect checks it series by series).  The sink appends rows
 * to growable column buffers; nb_panel_write puts them into the results file as
 * groups of 1-D columns sharing a `row` dimension scale, so
 *   xr.open_dataset(f, engine="h5netcdf", group="panel").to_dataframe()
 *   pd.DataFrame({k: v[()] for k, v in h5py.File(f)["panel"].items()})
 * are pandas DataFrames directly (the h5py form gives raw codes and day counts).
 *
 * Layout (every column has units, long_name, long_name_zh; codes also flag_values
 * and flag_meanings; times are int64 days since 1970-01-01 with CF attributes):
 *   /panel          one row per (replicate, snapshot, firm), in that order, firms in
 *                   the model's slot order: replicate, time, firm_id, founded,
 *                   origin, sector, stage, age_months, revenue, employees,
 *                   valuation, capital_raised, cash, hightech, listed, gazelle.
 *                   Snapshots: the population after the step of month `time`;
 *                   yearly = time point 0, each December and the last month;
 *                   monthly = every month.
 *   /events/rounds  one row per round, grant-to-equity or loan, in time order:
 *                   replicate, time, firm_id, kind, round, amount, pre_money,
 *                   post_money, investor, instrument
 *   /events/exits   one row per exit or listing: replicate, time, firm_id, kind
 *                   (failed acquired relocated listed), value
 * Memory: about 36 bytes per panel row in the buffers (72 at worst after a
 * doubling), plus the compressed file image while it is written: ~100 bytes per
 * firm per snapshot in all.
 */
#ifndef NB_PANEL_H
#define NB_PANEL_H
#include <stddef.h>
#include <stdint.h>
#include "../model/ensemble.h"
#include "../model/sim.h"
#include "../model/results.h"
#include "error.h"
#include "h5out.h"

enum nb_panel_freq { NB_PANEL_OFF = 0, NB_PANEL_YEARLY = 1, NB_PANEL_MONTHLY = 2 };

/* Codes of /events/rounds `instrument`: the special-fund instrument that paid. */
enum nb_panel_instr { NB_PI_NONE = 0, NB_PI_GRANT_EQUITY = 1, NB_PI_TECH_CREDIT = 2 };
/* Codes of /events/exits `kind`: nb_exit_kind, and listings. */
#define NB_PANEL_LISTED 3

/* Firm snapshot rows (column i of each array is row i). */
typedef struct nb_panel_firms {
    size_t n, cap;
    int32_t *rep;
    int16_t *k;                 /* time point */
    uint64_t *eid;
    int16_t *birth;             /* month founded, relative to the run's start */
    uint8_t *origin, *sector, *stage, *flags;   /* flags: nb_firm_flag */
    float *revenue, *valuation, *raised, *cash;
} nb_panel_firms;

/* Rounds, grants and loans (kind: nb_event_kind NB_EV_ROUND/GRANT/LOAN). */
typedef struct nb_panel_rounds {
    size_t n, cap;
    int32_t *rep;
    int16_t *k;
    uint64_t *eid;
    uint8_t *kind, *round, *investor;
    double *amount, *pre, *post;
} nb_panel_rounds;

/* Exits and listings (kind: nb_exit_kind or NB_PANEL_LISTED). */
typedef struct nb_panel_exits {
    size_t n, cap;
    int32_t *rep;
    int16_t *k;
    uint64_t *eid;
    uint8_t *kind;
    double *value;
} nb_panel_exits;

typedef struct nb_panel {
    int freq, start, n_time, n_rep;   /* n_rep: replicates collected */
    int n_hist;                 /* months the model simulates before time point 0 */
    double *team, *rpe;         /* [n_time] growth.team_size, growth.revenue_per_employee */
    nb_event_sink sink;         /* collects into this panel (nb_sim_set_sink) */
    int status;                 /* NB_OK, or NB_ENOMEM once a buffer could not grow */
    nb_panel_firms firms;
    nb_panel_rounds rounds;
    nb_panel_exits exits;
} nb_panel;

/* "yearly" or "monthly": the nb_panel_freq; -1 for anything else. */
int nb_panel_freq_parse(const char *s);

/* An empty panel for runs of model m at frequency freq (YEARLY or MONTHLY); NULL
 * when memory runs out. */
nb_panel *nb_panel_alloc(const nb_model *m, int freq);
void nb_panel_free(nb_panel *p);

/* 1 when time point k is a snapshot of p's frequency. */
int nb_panel_is_snapshot(const nb_panel *p, int k);

/* Rerun replicates 0..n_rep-1 of m, one after another, collecting into p.  When
 * ens is not NULL each rerun's series must equal ens's row bit for bit.  NB_OK;
 * NB_ENOMEM; NB_ERANGE when a rerun differs from ens (e->msg says which). */
int nb_panel_collect(nb_panel *p, const nb_model *m, int n_rep, const nb_results *ens,
                     nb_err *e);

/* nb_panel_collect for an ensemble run by nb_ensemble_run_each(params, ud, ...):
 * replicate r is rerun with a model built from the parameters params gives it (so
 * --posterior and --effect-priors runs have micro-data of the replicates they
 * stored).  Same contract; NB_EINVAL when params refuses a replicate. */
int nb_panel_collect_each(nb_panel *p, nb_ensemble_params_fn params, const void *ud,
                          int n_rep, const nb_results *ens, nb_err *e);

/* Write the groups /panel, /events/rounds and /events/exits of the panel `ud` into
 * w->file: the `extra` of nb_h5_write_run_ex.  NB_OK, or NB_EIO with w->why. */
int nb_panel_write(nb_h5w *w, const void *ud);

#endif
