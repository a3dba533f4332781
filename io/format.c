/* format.c -- see format.h. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <string.h>
#include "format.h"
#include "scenario.h"

/* Print v/unit with the fewest digits that give back v exactly, or return 0. */
static int exact_in(double v, double unit, const char *suffix, char *buf, size_t n)
{
    for (int prec = 1; prec <= 15; prec++) {
        snprintf(buf, n, "%.*g", prec, v / unit);
        double back;
        if (strchr(buf, 'e')) continue;
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

const char *nb_format_g(char *buf, double v, int prec)
{
    snprintf(buf, 32, "%.*g", prec, v);
    char *x = strchr(buf, 'e');
    if (!x) return buf;
    char *src = x + 1, *dst = x + 1;
    if (*src == '-') *dst++ = *src++;
    else if (*src == '+') src++;
    while (src[0] == '0' && src[1]) src++;
    memmove(dst, src, strlen(src) + 1);          /* dst <= src */
    return buf;
}

void nb_format_num(char *buf, size_t n, double v, int money)
{
    char tmp[32];
    if (money) v /= 1e8;
    double a = fabs(v);
    if (!isfinite(v)) snprintf(tmp, sizeof tmp, "%s", "n/a");
    else if (a >= 1e5) nb_format_g(tmp, v, 3);
    else snprintf(tmp, sizeof tmp, "%.*f", a >= 100 ? 0 : a >= 10 ? 1 : 2, v);
    char *dot = strchr(tmp, '.');
    if (dot && !strchr(tmp, 'e')) {
        char *end = tmp + strlen(tmp);
        while (end > dot + 1 && end[-1] == '0') *--end = '\0';
        if (end == dot + 1) *dot = '\0';
    }
    if (strcmp(tmp, "-0") == 0) snprintf(tmp, sizeof tmp, "0");
    snprintf(buf, n, "%s", tmp);
}

int nb_format_width(const char *str)
{
    const unsigned char *p = (const unsigned char *)str;
    int w = 0;
    while (*p) {
        unsigned cp = *p;
        int len = cp < 0x80 ? 1 : cp >= 0xF0 ? 4 : cp >= 0xE0 ? 3 : cp >= 0xC0 ? 2 : 1;
        if (len > 1) cp &= 0x3Fu >> (len - 1);
        int i = 1;
        for (; i < len && (p[i] & 0xC0) == 0x80; i++) cp = (cp << 6) | (p[i] & 0x3Fu);
        p += i;
        w += ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
              (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
              (cp >= 0xFF00 && cp <= 0xFF60) || (cp >= 0xFFE0 && cp <= 0xFFE6) ||
              (cp >= 0x20000 && cp <= 0x3FFFD)) ? 2 : 1;
    }
    return w;
}

void nb_format_pad(FILE *out, const char *str, int width, int right)
{
    int pad = width - nb_format_width(str);
    if (right) fprintf(out, "%*s%s", pad > 0 ? pad : 0, "", str);
    else fprintf(out, "%s%*s", str, pad > 0 ? pad : 0, "");
}
