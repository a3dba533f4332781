/* runguard.c -- settings hash, default run path and the no-silent-overwrite check
 * (contract in runguard.h). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <hdf5.h>
#include "fnv.h"
#include "h5out.h"
#include "runguard.h"
#include "../model/neobay.h"

/* Continue h over the bytes of the file at path (its path when it cannot be read). */
static uint64_t rg_fnv_file(uint64_t h, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return nb_fnv_str(h, path);
    unsigned char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) h = nb_fnv(h, buf, n);
    fclose(f);
    return h;
}

/* Continue h over one schedule: its entries (count, months, values). */
static uint64_t rg_fnv_sched(uint64_t h, const nb_sched *s)
{
    h = nb_fnv_u64(h, (uint64_t)s->n);
    for (int k = 0; k < s->n; k++) h = nb_fnv_u64(h, (uint64_t)(int64_t)s->month[k]);
    for (int k = 0; k < (s->n > 0 ? s->n : 1); k++) h = nb_fnv_dbl(h, s->value[k]);
    return h;
}

void nb_runguard_hash(const nb_scenario *sc, const char *posterior, int effect_priors, char hex[9])
{
    uint64_t h = nb_fnv_str(NB_FNV_OFFSET, sc->name);
    for (int i = 0; i < NB_NPARAMS; i++)
        if (i != NB_P_run_replicates) h = rg_fnv_sched(h, &sc->ps.p[i]);
    for (int i = 0; i < sc->ps.n_rules; i++) {
        const nb_rule *r = &sc->ps.rules[i];
        int iv[5] = {r->from, r->metric, r->above, r->param, r->op};
        for (int k = 0; k < 5; k++) h = nb_fnv_u64(h, (uint64_t)(int64_t)iv[k]);
        h = nb_fnv_dbl(nb_fnv_dbl(h, r->threshold), r->value);
    }
    if (posterior) h = rg_fnv_file(nb_fnv_str(h, "posterior"), posterior);
    if (effect_priors) h = nb_fnv_str(h, "effect-priors");
    snprintf(hex, 9, "%08x", (unsigned)((h ^ (h >> 32)) & 0xffffffffu));
}

/* Make directory `dir` unless it exists as one.  NB_OK or NB_EINVAL. */
static int rg_mkdir(const char *dir, nb_err *e)
{
    struct stat st;
    if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) return NB_OK;
    if (mkdir(dir, 0777) == 0) return NB_OK;
    return nb_err_set(e, "default output directory '%s' cannot be made: %s (give -o FILE)",
                      dir, strerror(errno));
}

int nb_runguard_default_path(const char *name, const char *hex, char *buf, size_t n,
                             nb_err *e)
{
    if (rg_mkdir("output", e) != NB_OK || rg_mkdir("output/runs", e) != NB_OK) return NB_EINVAL;
    int k = snprintf(buf, n, "output/runs/%s-%s.h5", name, hex);
    if (k < 0 || (size_t)k >= n) return nb_err_set(e, "scenario name '%s' too long for a file name", name);
    return NB_OK;
}

/* Read the existing run file's scenario_name, settings_hash and overrides into
 * the buffers (each "" when missing).  0 when `out` is a readable HDF5 file. */
static int rg_read(const char *out, char *name, char *hex, char *ovr, size_t n)
{
    char why[256];
    hid_t f;
    name[0] = hex[0] = ovr[0] = '\0';
    nb_h5_quiet q = nb_h5_quiet_begin();
    int rc = nb_h5r_open(out, &f, why, sizeof why) == NB_OK ? 0 : -1;
    if (rc == 0) {
        if (nb_h5r_attr_str(f, "scenario_name", name, n)) name[0] = '\0';
        if (nb_h5r_attr_str(f, "settings_hash", hex, 9)) hex[0] = '\0';
        if (nb_h5r_attr_str(f, "overrides", ovr, n)) ovr[0] = '\0';
        H5Fclose(f);
    }
    nb_h5_quiet_end(q);
    return rc;
}

int nb_runguard_check(const char *out, const char *name, const char *hex, int force,
                      nb_err *e)
{
    struct stat st;
    if (force || stat(out, &st) != 0) return NB_OK;
    char oname[256], ohex[16], ovr[512];
    if (rg_read(out, oname, ohex, ovr, sizeof oname) != 0 || !*ohex)
        return nb_err_set(e, "%s exists and is not a run file with a settings hash; not replaced: "
                          "choose another -o, or pass --force to replace it", out);
    if (!strcmp(ohex, hex)) return NB_OK;
    return nb_err_set(e, "%s holds scenario '%s' with settings %s%s%s%s; this run is '%s' with "
                      "settings %s: not replaced: choose another -o, or pass --force to replace it",
                      out, oname, ohex, *ovr ? " (--set " : "", ovr, *ovr ? ")" : "", name, hex);
}

char *nb_runguard_overrides(const char *const *sets, int n)
{
    size_t len = 1;
    for (int i = 0; i < n; i++) len += strlen(sets[i]) + 2;
    char *s = malloc(len);
    if (!s) return NULL;
    s[0] = '\0';
    for (int i = 0; i < n; i++) {
        if (i) strcat(s, "; ");
        strcat(s, sets[i]);
    }
    return s;
}
