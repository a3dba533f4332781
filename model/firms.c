/* firms.c -- storage of the firm population (see firms.h). */
#include <stdlib.h>
#include <string.h>
#include "neobay.h"
#include "firms.h"

/* Grow one array to `cap` elements of `size` bytes; NULL on failure (old kept). */
static void *grow(void *p, int cap, size_t size)
{
    return realloc(p, (size_t)cap * size);
}

int nb_firms_reserve(nb_firms *f, int cap)
{
    if (cap <= f->cap) return NB_OK;
    /* Allocate every array first, so a failure leaves f unchanged. */
    void *eid = grow(NULL, cap, 8), *birth = grow(NULL, cap, 2);
    void *stage = grow(NULL, cap, 1), *flags = grow(NULL, cap, 1);
    void *origin = grow(NULL, cap, 1), *rounds = grow(NULL, cap, 1);
    void *fl[7];
    int ok = eid && birth && stage && flags && origin && rounds;
    for (int k = 0; k < 6; k++) { fl[k] = grow(NULL, cap, 4); ok = ok && fl[k]; }
    fl[6] = grow(NULL, cap, 4 * NB_HIST);
    ok = ok && fl[6];
    if (!ok) {
        free(eid); free(birth); free(stage); free(flags); free(origin); free(rounds);
        for (int k = 0; k < 7; k++) free(fl[k]);
        return NB_ENOMEM;
    }
    size_t n = (size_t)f->n;
#define MOVE(dst, field, size) do { if (n) memcpy(dst, f->field, n * (size)); \
        free(f->field); f->field = dst; } while (0)
    MOVE(eid, eid, 8); MOVE(birth, birth, 2); MOVE(stage, stage, 1);
    MOVE(flags, flags, 1); MOVE(origin, origin, 1); MOVE(rounds, rounds, 1);
    MOVE(fl[0], quality, 4); MOVE(fl[1], hmul, 4); MOVE(fl[2], gmul, 4);
    MOVE(fl[3], rmul, 4); MOVE(fl[4], revenue, 4); MOVE(fl[5], valuation, 4);
    MOVE(fl[6], hist, 4 * NB_HIST);
#undef MOVE
    f->cap = cap;
    return NB_OK;
}

void nb_firms_release(nb_firms *f)
{
    free(f->eid); free(f->birth); free(f->stage); free(f->flags); free(f->origin);
    free(f->rounds); free(f->quality); free(f->hmul); free(f->gmul); free(f->rmul);
    free(f->revenue); free(f->valuation); free(f->hist);
    memset(f, 0, sizeof *f);
}

void nb_firms_compact(nb_firms *f)
{
    int j = 0;
    for (int i = 0; i < f->n; i++) {
        if (f->flags[i] & NB_FL_DEAD) continue;
        if (j != i) {
            f->eid[j] = f->eid[i]; f->birth[j] = f->birth[i];
            f->stage[j] = f->stage[i]; f->flags[j] = f->flags[i];
            f->origin[j] = f->origin[i]; f->rounds[j] = f->rounds[i];
            f->quality[j] = f->quality[i]; f->hmul[j] = f->hmul[i];
            f->gmul[j] = f->gmul[i]; f->rmul[j] = f->rmul[i];
            f->revenue[j] = f->revenue[i]; f->valuation[j] = f->valuation[i];
            memcpy(&f->hist[NB_HIST * j], &f->hist[NB_HIST * i], NB_HIST * sizeof(float));
        }
        j++;
    }
    f->n = j;
}
