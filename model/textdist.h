/* textdist.h -- how far apart two names are, for did-you-mean hints. */
#ifndef NB_TEXTDIST_H
#define NB_TEXTDIST_H
#include "nb_api.h"

/* Optimal string alignment distance of a and b: Levenshtein edits, with a swap of two
 * neighbouring characters counting as one.  Only the first 63 bytes of each count
 * (names are short).  Never fails. */
NB_API int nb_edit_distance(const char *a, const char *b);

/* Index of the word of words[0..n) closest to key for a did-you-mean hint: the
 * first at the smallest nb_edit_distance, when that is within a third of the key's
 * length (plus one); -1 when none is that close. */
NB_API int nb_suggest_word(const char *key, const char *const *words, int n);

#endif
