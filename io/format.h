/* format.h -- values as a planner reads them (money in 万/亿, months as YYYY-MM). */
#ifndef NB_FORMAT_H
#define NB_FORMAT_H
#include <stddef.h>
#include <stdio.h>
#include "../model/registry.h"

/* Write parameter value v of type t into buf (n bytes): money as "2亿" or "5000万"
 * when that is exact, months as "2024-07", booleans as true/false, else %g. */
void nb_format_value(nb_ptype t, double v, char *buf, size_t n);

/* Money for tables: "12.3亿", "850万", "1200". */
void nb_format_money(double v, char *buf, size_t n);

/* v with `prec` significant digits in %g style and a plain exponent ("1e9", not
 * "1e+09") into buf[32].  Returns buf. */
const char *nb_format_g(char *buf, double v, int prec);

/* A table cell in at most 7 characters: below 1e5 with no decimals from 100 on, one
 * from 10, two below, trailing zeros dropped ("3.5", "27"); from 1e5 with three
 * significant digits ("1.24e7"); "n/a" when not finite.  With `money`, v (RMB) is
 * shown in 亿 (the caller appends the 亿). */
void nb_format_num(char *buf, size_t n, double v, int money);

/* Display width of UTF-8 text in a terminal: East Asian wide characters count 2. */
int nb_format_width(const char *str);

/* Print `str` to `out` padded with spaces to `width` display columns, right-aligned
 * when `right`, left-aligned otherwise. */
void nb_format_pad(FILE *out, const char *str, int width, int right);

#endif
