/* observed.h -- the zone's published figures beside a run's simulated ones
 * (observed.c).
 */
#ifndef NB_OBSERVED_H
#define NB_OBSERVED_H
#include <stdio.h>

/* Print the zone's published figures (data.md) beside the run's simulated median and
 * 5%-95% band at the same month, from the history group or the projection, to out.
 * Prints nothing for a file without those months; never fails (it only reads). */
void nb_h5_print_observed(const char *path, FILE *out);

#endif
