/* cli.c -- what every subcommand shares: the one mapping of a library status to the
 * process's exit code, the error line of a failure, loading a scenario and finding
 * the shipped posterior (cli.h).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../model/neobay.h"
#include "error.h"
#include "scenario.h"
#include "cli.h"

int nb_cli_exit(int status)
{
    return status == NB_OK ? 0 : status == NB_EINVAL ? NB_EXIT_BAD : NB_EXIT_FAILED;
}

int nb_cli_input(int status)
{
    return status == NB_EIO ? NB_EINVAL : status;
}

int nb_cli_fail(int status, const char *msg)
{
    fprintf(stderr, "neobay: error: %s\n", msg);
    return nb_cli_exit(status);
}

nb_scenario *nb_cli_scenario(const char *path, const char *const *sets, int n_sets, int *code)
{
    nb_scenario *sc = NULL;
    nb_err e;
    int st = nb_scenario_load(path, &sc, &e);
    for (int i = 0; st == NB_OK && i < n_sets; i++) st = nb_scenario_set(sc, sets[i], &e);
    if (st == NB_OK) st = nb_scenario_validate(sc, &e);
    if (st != NB_OK) {
        *code = nb_cli_fail(nb_cli_input(st), e.msg);
        nb_scenario_free(sc);
        return NULL;
    }
    return sc;
}

/* Set dir (a folder path, lexically) to its parent: "a/b" -> "a", "a" -> ".",
 * "." or "../.." -> one ".." more, "/a" -> "/".  0, or -1 at "/" or when buf is full. */
static int parent_dir(char *dir, size_t n)
{
    size_t len = strlen(dir);
    if (!strcmp(dir, "/")) return -1;
    const char *last = strrchr(dir, '/');
    const char *base = last ? last + 1 : dir;
    if (!strcmp(base, ".") || !strcmp(base, "..")) {
        if (!strcmp(dir, ".")) return snprintf(dir, n, "..") < (int)n ? 0 : -1;
        if (len + 3 >= n) return -1;
        memcpy(dir + len, "/..", 4);
        return 0;
    }
    if (!last) { snprintf(dir, n, "."); return 0; }
    if (last == dir) { dir[1] = '\0'; return 0; }
    dir[last - dir] = '\0';
    return 0;
}

/* path = dir + "/" + rel ("." adds nothing, "/" no second slash).  0, or -1. */
static int join(char *path, size_t n, const char *dir, const char *rel)
{
    int k = !strcmp(dir, ".") ? snprintf(path, n, "%s", rel)
          : snprintf(path, n, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", rel);
    return k < 0 || (size_t)k >= n ? -1 : 0;
}

/* dir is the root folder (or cannot be read). */
static int is_root(const char *dir)
{
    struct stat a, r;
    return stat(dir, &a) != 0 || stat("/", &r) != 0 || (a.st_dev == r.st_dev && a.st_ino == r.st_ino);
}

static int is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int nb_cli_shipped_posterior(const char *scenario, char *buf, size_t n)
{
    char dir[PATH_MAX];
    /* the scenario's folder, then each folder above it up to / */
    const char *slash = strrchr(scenario, '/');
    if (!slash) snprintf(dir, sizeof dir, ".");
    else if (slash == scenario) snprintf(dir, sizeof dir, "/");
    else snprintf(dir, sizeof dir, "%.*s", (int)(slash - scenario), scenario);
    for (int depth = 0; depth < 64; depth++) {
        if (join(buf, n, dir, NB_SHIPPED_POSTERIOR) == 0 && is_file(buf)) return 1;
        if (is_root(dir) || parent_dir(dir, sizeof dir) != 0) break;
    }
    /* beside the running binary: a build tree (build/neobay) or an installation
     * (PREFIX/bin/neobay, PREFIX/share/neobay/calibration) */
    ssize_t k = readlink("/proc/self/exe", dir, sizeof dir - 1);
    if (k <= 0) return 0;
    dir[k] = '\0';
    char *s = strrchr(dir, '/');
    if (!s) return 0;
    *s = '\0';
    static const char *const beside[] = {"../" NB_SHIPPED_POSTERIOR, "../share/neobay/" NB_SHIPPED_POSTERIOR};
    for (size_t i = 0; i < sizeof beside / sizeof beside[0]; i++)
        if (join(buf, n, dir[0] ? dir : "/", beside[i]) == 0 && is_file(buf)) return 1;
    return 0;
}
