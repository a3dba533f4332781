/* fuzz_scenario.c -- libFuzzer target: any bytes as a scenario file (nb_scenario_load
 * and nb_scenario_validate); must never crash, leak, hang or hit undefined behaviour. */
#include "fuzz_common.h"
#include "../../io/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One input: load it as s.yaml (it may extend b.yaml, written by the last input). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write("s.yaml", data, size);
    nb_scenario *sc = NULL;
    nb_err e;
    if (nb_scenario_load(path, &sc, &e) == NB_OK) {
        nb_scenario_validate(sc, &e);
        free(nb_scenario_to_yaml(sc));
        nb_scenario_free(sc);
    }
    fuzz_write("b.yaml", data, size);
    return 0;
}
