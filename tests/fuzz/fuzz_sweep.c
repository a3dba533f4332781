/* fuzz_sweep.c -- libFuzzer target: any bytes as a sweep file (nb_sweep_load, whose
 * base scenario base.yaml is a tiny valid one). */
#include "fuzz_common.h"
#include "../../sweep/sweep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One input: load it as w.yaml next to base.yaml. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        static const char base[] = "name: b\nrun: {end: 2025-12}\n";
        fuzz_write("base.yaml", (const uint8_t *)base, sizeof base - 1);
        ready = 1;
    }
    const char *path = fuzz_write("w.yaml", data, size);
    nb_sweep *sw = NULL;
    nb_err e;
    if (nb_sweep_load(path, &sw, &e) == NB_OK) nb_sweep_free(sw);
    return 0;
}
