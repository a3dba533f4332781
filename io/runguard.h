/* runguard.h -- a run never silently replaces a results file of other settings.
 *
 * Every run file carries `settings_hash`: 8 hex digits of a hash of the scenario
 * name and every resolved parameter value and rule (seed and dates included; not
 * run.replicates, so more replicates of the same settings are the same settings),
 * plus the bytes of the --posterior file when there is one.  `neobay run` without -o
 * writes output/runs/<scenario>-<hash>.h5; with -o it refuses (exit 2) to replace an
 * existing file whose settings hash differs (or that has none) unless --force.
 */
#ifndef NB_RUNGUARD_H
#define NB_RUNGUARD_H
#include <stddef.h>
#include "error.h"
#include "scenario.h"

/* The settings hash of scenario sc (after its overrides), with the posterior file
 * at `posterior` (NULL: none), as 8 lower-case hex digits into hex[9]. */
void nb_runguard_hash(const nb_scenario *sc, const char *posterior, int effect_priors, char hex[9]);

/* The default output path output/runs/<name>-<hex>.h5 into buf[n], creating
 * output/ and output/runs/ as needed.  NB_OK, or NB_EINVAL with e naming the
 * directory that cannot be made. */
int nb_runguard_default_path(const char *name, const char *hex, char *buf, size_t n,
                             nb_err *e);

/* NB_OK when `out` does not exist, when force is set, or when it is a run file whose
 * settings_hash is `hex`.  Otherwise NB_EINVAL with a one-line message naming out,
 * what it holds, this run's settings and --force. */
int nb_runguard_check(const char *out, const char *name, const char *hex, int force,
                      nb_err *e);

/* The --set assignments sets[0..n) joined by "; " (malloc'd; "" when n is 0), for the
 * `overrides` attribute.  NULL when memory runs out. */
char *nb_runguard_overrides(const char *const *sets, int n);

#endif
