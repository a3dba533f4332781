/* fuzz_common.h -- shared by the libFuzzer targets (tests/fuzz/fuzz.mk): the loaders
 * read files, so each input is written to a scratch file first. */
#ifndef NB_FUZZ_COMMON_H
#define NB_FUZZ_COMMON_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../../model/neobay.h"

/* A scratch folder (made once) and a file path in it; the loaders' extends tree is
 * the folder above it, a fresh mkdtemp folder. */
static const char *fuzz_path(const char *name)
{
    static char dir[64], path[128];
    if (!dir[0]) {
        const char *t = getenv("TMPDIR");
        char top[96];
        snprintf(top, sizeof top, "%s/nbfuzz.XXXXXX", t && *t ? t : "/tmp");
        if (!mkdtemp(top)) abort();
        snprintf(dir, sizeof dir, "%s/in", top);
        if (mkdir(dir, 0700) != 0) abort();
    }
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}

/* Write data[0..size) to file `name` of the scratch folder; its path. */
static const char *fuzz_write(const char *name, const uint8_t *data, size_t size)
{
    const char *p = fuzz_path(name);
    FILE *f = fopen(p, "wb");
    if (!f) abort();
    if (size && fwrite(data, 1, size, f) != size) abort();
    fclose(f);
    return p;
}
#endif
