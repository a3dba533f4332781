/* textdist.c -- see textdist.h. */
#include <string.h>
#include "textdist.h"

int nb_edit_distance(const char *a, const char *b)
{
    int la = (int)strlen(a), lb = (int)strlen(b);
    if (la > 63) la = 63;
    if (lb > 63) lb = 63;
    int d[64][64];
    for (int i = 0; i <= la; i++) d[i][0] = i;
    for (int j = 0; j <= lb; j++) d[0][j] = j;
    for (int i = 1; i <= la; i++)
        for (int j = 1; j <= lb; j++) {
            int x = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < x) x = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < x) x = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < x)
                x = d[i - 2][j - 2] + 1;
            d[i][j] = x;
        }
    return d[la][lb];
}

int nb_suggest_word(const char *key, const char *const *words, int n)
{
    int best = -1, bestd = 1 << 30, len = (int)strlen(key);
    for (int i = 0; i < n; i++) {
        int d = nb_edit_distance(key, words[i]);
        if (d < bestd) { bestd = d; best = i; }
    }
    return best >= 0 && bestd * 3 <= len + 3 ? best : -1;
}
