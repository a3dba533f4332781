/* format.h -- values as a planner reads them (money in 万/亿, months as YYYY-MM). */
#ifndef NB_FORMAT_H
#define NB_FORMAT_H
#include <stddef.h>
#include "../model/registry.h"

/* Write parameter value v of type t into buf (n bytes): money as "2亿" or "5000万"
 * when that is exact, months as "2024-07", booleans as true/false, else %g. */
void nb_format_value(nb_ptype t, double v, char *buf, size_t n);

/* Money for tables: "12.3亿", "850万", "1200". */
void nb_format_money(double v, char *buf, size_t n);

#endif
