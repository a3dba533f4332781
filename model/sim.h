/* sim.h -- one replicate of the firm-pipeline model.
 *
 * nb_model holds everything a run reads and never writes (the per-month parameter
 * table and derived constants): build it once, share it between threads.
 * nb_sim is one thread's workspace (the firm arrays): reuse it across replicates.
 * A replicate's output is a function of (model, replicate) only.
 */
#ifndef NB_SIM_H
#define NB_SIM_H
#include "nb_api.h"
#include <stdint.h>
#include "paramset.h"
#include "results.h"

typedef struct nb_model nb_model;
typedef struct nb_sim nb_sim;
struct nb_firms;

/* Micro-data for analysts: events as they happen, and firm snapshots. */
/* NB_EV_AWARD: a programme award (programmes.def); `exit_kind` holds the programme's
 * index (nb_programme_id), `amount` the ticket or contract value. */
enum nb_event_kind { NB_EV_ROUND, NB_EV_GRANT, NB_EV_LOAN, NB_EV_LISTING, NB_EV_EXIT, NB_EV_AWARD };
enum nb_investor { NB_INV_MARKET = 0, NB_INV_PUBLIC = 1, NB_INV_BANK = 2 };

typedef struct nb_event {
    int kind;               /* nb_event_kind */
    int k;                  /* time point (month start+k) */
    uint64_t eid;           /* the firm */
    int round;              /* market rounds so far, this one included for NB_EV_ROUND */
    int investor;           /* nb_investor */
    int exit_kind;          /* nb_exit_kind (exits); the programme (NB_EV_AWARD) */
    double amount;          /* money raised or lent, RMB */
    double pre_money;       /* valuation before the event, RMB */
    double value;           /* valuation after (rounds, listing) or at exit, RMB */
} nb_event;

typedef struct nb_event_sink {
    /* Called for each event of replicate `rep`, in time order; may be NULL. */
    void (*event)(void *ud, uint32_t rep, const nb_event *ev);
    /* Called with the population after time point k when k % panel_every == 0 or k is
     * the last point (and at k = 0); may be NULL. */
    void (*panel)(void *ud, uint32_t rep, int k, const struct nb_firms *f);
    int panel_every;        /* months between snapshots; 0: none */
    void *ud;
} nb_event_sink;

/* Build the model for a validated parameter set; NULL when memory runs out. */
NB_API nb_model *nb_model_alloc(const nb_paramset *ps);
NB_API void nb_model_free(nb_model *m);

NB_API int nb_model_start(const nb_model *m);     /* month index of time point 0 */
NB_API int nb_model_origin(const nb_model *m);    /* month index of the founding (run.origin) */
NB_API int nb_model_n_hist(const nb_model *m);    /* months simulated before time point 0 */
NB_API int nb_model_n_time(const nb_model *m);    /* time points (months simulated) */
NB_API uint32_t nb_model_seed(const nb_model *m);
NB_API const nb_params *nb_model_params(const nb_model *m, int k);  /* month start+k */

NB_API nb_sim *nb_sim_alloc(void);
NB_API void nb_sim_free(nb_sim *s);

/* Report events and snapshots of later runs in `s` to `sink` (NULL: none).  The
 * sink is only read; it must outlive the runs. */
NB_API void nb_sim_set_sink(nb_sim *s, const nb_event_sink *sink);

/* Run replicate `rep` of model `m` in workspace `s`, writing its series into row
 * `rep` of `res` (which must have n_time = nb_model_n_time(m)), and its history
 * into res->hist when the results keep it (nb_results_keep_history).  Rows of other
 * replicates are untouched, so threads may fill one nb_results together.
 * Returns NB_OK or NB_ENOMEM (the row is then unspecified). */
NB_API int nb_sim_run(const nb_model *m, nb_sim *s, uint32_t rep, nb_results *res);

/* Firm-steps (firms alive at the start of a month, summed over months) of the last
 * run in `s`: the unit of the model's cost. */
NB_API uint64_t nb_sim_firm_steps(const nb_sim *s);

/* Of those, the firm-steps of the history before time point 0 (the spin-up). */
NB_API uint64_t nb_sim_hist_steps(const nb_sim *s);

#endif
