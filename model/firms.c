/* firms.c -- storage of the firm population (see firms.h). */
#include <stdlib.h>
#include <string.h>
#include "neobay.h"
#include "firms.h"

/* The arrays of nb_firms with their element sizes, so that growing, freeing and
 * compacting treat every field alike and a new field is added in one place. */
#define FIRM_FIELDS(X) X(eid, 8) X(birth, 2) X(stage, 1) X(flags, 1) X(origin, 1) \
    X(rounds, 1) X(sector, 1) X(quality, 4) X(hmul, 4) X(gmul, 4) X(rmul, 4) X(prio, 4)        \
    X(revenue, 4) X(valuation, 4) X(cash, 4) X(raised, 4) X(belief, 4) X(seen, 1)      \
    X(distress, 1) X(debt, 4) X(pay, 4) X(hist, 4 * NB_HIST) X(award, 2 * NB_NPROG) \
    X(u0, 4) X(u1, 4) X(u2, 4) X(u3, 4) X(ua, 4) X(ub, 4)

enum {
#define COUNT(field, size) FIELD_##field,
    FIRM_FIELDS(COUNT)
#undef COUNT
    NFIELDS
};

int nb_firms_reserve(nb_firms *f, int cap)
{
    if (cap <= f->cap) return NB_OK;
    void *fresh[NFIELDS];
    size_t sizes[NFIELDS];
    int ok = 1, j = 0;
    /* Allocate every array first, so a failure leaves f unchanged. */
#define ALLOC(field, size) sizes[j] = (size); fresh[j] = malloc((size_t)cap * (size)); ok = ok && fresh[j]; j++;
    FIRM_FIELDS(ALLOC)
#undef ALLOC
    if (!ok) {
        for (j = 0; j < NFIELDS; j++) free(fresh[j]);
        return NB_ENOMEM;
    }
    j = 0;
#define MOVE(field, size) if (f->n) memcpy(fresh[j], f->field, (size_t)f->n * sizes[j]); \
    free(f->field); f->field = fresh[j]; j++;
    FIRM_FIELDS(MOVE)
#undef MOVE
    f->cap = cap;
    return NB_OK;
}

void nb_firms_release(nb_firms *f)
{
#define FREE(field, size) free(f->field);
    FIRM_FIELDS(FREE)
#undef FREE
    memset(f, 0, sizeof *f);
}

void nb_firms_compact(nb_firms *f)
{
    int j = 0;
    for (int i = 0; i < f->n; i++) {
        if (f->flags[i] & NB_FL_DEAD) continue;
        if (j != i) {
#define COPY(field, size) memcpy((char *)f->field + (size_t)j * (size), \
                                 (char *)f->field + (size_t)i * (size), (size));
            FIRM_FIELDS(COPY)
#undef COPY
        }
        j++;
    }
    f->n = j;
    f->dead = 0;
}
