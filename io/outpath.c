/* outpath.c -- see outpath.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../model/neobay.h"
#include "outpath.h"

/* NB_EINVAL (e set) when `in` exists and is the file so; NB_OK otherwise. */
static int same_file(const char *out, const struct stat *so, const char *in, nb_err *e)
{
    struct stat si;
    if (!in || stat(in, &si) != 0) return NB_OK;
    if (si.st_dev == so->st_dev && si.st_ino == so->st_ino)
        return nb_err_set(e, "--output: '%s' is the input file '%s'; refusing to replace an input", out, in);
    return NB_OK;
}

int nb_outpath_check(const char *out, const char *const *inputs, int n, const nb_scenario *sc, nb_err *e)
{
    struct stat so;
    if (!out || !*out) return nb_err_set(e, "--output: the file name is empty");
    if (stat(out, &so) != 0) return NB_OK;            /* absent: nothing to compare */
    if (S_ISDIR(so.st_mode)) return nb_err_set(e, "--output: '%s' is a directory", out);
    if (!S_ISREG(so.st_mode))
        return nb_err_set(e, "--output: '%s' exists and is not a regular file; refusing to replace it", out);
    for (int i = 0; i < n; i++)
        if (same_file(out, &so, inputs[i], e) != NB_OK) return NB_EINVAL;
    for (int i = 0; sc && i < sc->n_files; i++)
        if (same_file(out, &so, sc->files[i], e) != NB_OK) return NB_EINVAL;
    return NB_OK;
}

int nb_outpath_clean_stale(const char *out)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(out, '/');
    const char *base = slash ? slash + 1 : out;
    if (!slash) snprintf(dir, sizeof dir, ".");
    else if (slash == out) snprintf(dir, sizeof dir, "/");
    else snprintf(dir, sizeof dir, "%.*s", (int)(slash - out), out);
    size_t bl = strlen(base);
    DIR *d = opendir(dir);
    if (!d) return 0;
    int removed = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        const char *nm = de->d_name;
        if (strncmp(nm, base, bl) != 0 || strncmp(nm + bl, ".part-", 6) != 0) continue;
        char *end;
        errno = 0;
        long pid = strtol(nm + bl + 6, &end, 10);
        if (errno || *end || end == nm + bl + 6 || pid <= 0 || (pid_t)pid == getpid()) continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue;   /* alive, or not ours to judge */
        char full[PATH_MAX];
        if (snprintf(full, sizeof full, "%s/%s", dir, nm) >= (int)sizeof full) continue;
        struct stat st;
        if (lstat(full, &st) == 0 && S_ISREG(st.st_mode) && unlink(full) == 0) removed++;
    }
    closedir(d);
    return removed;
}

int nb_outpath_dir_check(const char *out, nb_err *e)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(out, '/');
    if (!slash) strcpy(dir, ".");
    else if (slash == out) strcpy(dir, "/");
    else snprintf(dir, sizeof dir, "%.*s", (int)(slash - out), out);
    struct stat st;
    if (!*out || (slash && !slash[1]))
        return nb_err_set(e, "--output: '%s' is not a file name", out);
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return nb_err_set(e, "--output: directory '%s' does not exist", dir);
    if (access(dir, W_OK) != 0)
        return nb_err_set(e, "--output: directory '%s' is not writable", dir);
    if (stat(out, &st) == 0 && S_ISDIR(st.st_mode))
        return nb_err_set(e, "--output: '%s' is a directory", out);
    return NB_OK;
}

int nb_write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n > 0) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

int nb_sync_path(const char *p, int flags)
{
    int fd = open(p, O_RDONLY | flags);
    if (fd < 0) return -1;
    int rc = fsync(fd), err = errno;
    close(fd);
    errno = err;
    return rc;
}
