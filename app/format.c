/* format.c -- see format.h. */
#include <math.h>
#include <stdio.h>
#include "format.h"
#include "scenario.h"

/* Print v/unit with the fewest digits that give back v exactly, or return 0. */
static int exact_in(double v, double unit, const char *suffix, char *buf, size_t n)
{
    for (int prec = 1; prec <= 15; prec++) {
        snprintf(buf, n, "%.*g", prec, v / unit);
        double back;
        if (sscanf(buf, "%lf", &back) == 1 && back * unit == v) {
            snprintf(buf, n, "%.*g%s", prec, v / unit, suffix);
            return 1;
        }
    }
    return 0;
}

void nb_format_value(nb_ptype t, double v, char *buf, size_t n)
{
    if (t == NB_T_MONTH) {
        char m[16];
        nb_month_format((int)v, m);
        snprintf(buf, n, "%s", m);
    } else if (t == NB_T_BOOL) {
        snprintf(buf, n, "%s", v != 0 ? "true" : "false");
    } else if (t == NB_T_MONEY && fabs(v) >= 1e8 && exact_in(v, 1e8, "亿", buf, n)) {
    } else if (t == NB_T_MONEY && fabs(v) >= 1e4 && exact_in(v, 1e4, "万", buf, n)) {
    } else {
        snprintf(buf, n, "%.10g", v);
    }
}

void nb_format_money(double v, char *buf, size_t n)
{
    if (fabs(v) >= 1e8) snprintf(buf, n, "%.4g亿", v / 1e8);
    else if (fabs(v) >= 1e4) snprintf(buf, n, "%.4g万", v / 1e4);
    else snprintf(buf, n, "%.4g", v);
}
