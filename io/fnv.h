/* fnv.h -- FNV-1a, 64 bits: the identity hashes of checkpoints, journals and sweeps
 * (checkpoint.c, sweep.c) and the checksum of a journal record.  Values go in as
 * little-endian bytes, strings with their NUL (so "ab","c" and "a","bc" differ),
 * so a hash is the same on every machine.  Not for anything an adversary chooses.
 */
#ifndef NB_FNV_H
#define NB_FNV_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define NB_FNV_OFFSET 14695981039346656037ULL   /* the hash of nothing */
#define NB_FNV_PRIME 1099511628211ULL

/* FNV-1a over n bytes of p, continuing from hash h. */
static inline uint64_t nb_fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * NB_FNV_PRIME;
    return h;
}

/* s with its terminating NUL; NULL hashes as "". */
static inline uint64_t nb_fnv_str(uint64_t h, const char *s)
{
    if (!s) s = "";
    return nb_fnv(h, s, strlen(s) + 1);
}

/* v as 8 little-endian bytes. */
static inline uint64_t nb_fnv_u64(uint64_t h, uint64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)(v >> (8 * i));
    return nb_fnv(h, b, sizeof b);
}

/* The bits of x, as nb_fnv_u64. */
static inline uint64_t nb_fnv_dbl(uint64_t h, double x)
{
    uint64_t v;
    memcpy(&v, &x, sizeof v);
    return nb_fnv_u64(h, v);
}

#endif
