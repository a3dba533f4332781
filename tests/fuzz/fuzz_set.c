/* fuzz_set.c -- libFuzzer target: any bytes as a --set override "key=value" (the
 * input up to its first NUL), applied to a tiny scenario. */
#include "fuzz_common.h"
#include "../../io/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One input: one nb_scenario_set, then validate. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char base[] = "name: b\n";
    nb_scenario *sc = NULL;
    nb_err e;
    if (nb_scenario_load(fuzz_write("base.yaml", (const uint8_t *)base, sizeof base - 1), &sc, &e) != NB_OK)
        abort();
    char *text = malloc(size + 1);
    if (!text) abort();
    memcpy(text, data, size);
    text[size] = '\0';
    if (nb_scenario_set(sc, text, &e) == NB_OK) nb_scenario_validate(sc, &e);
    free(text);
    nb_scenario_free(sc);
    return 0;
}
