/*
 * tools/oups/cli_state.c: the --state FILE of the stateful commands (asof, agg): read a state
 * blob if the file exists, and replace it atomically (temporary file in the same directory,
 * fsync, rename, fsync of the directory), so a crash leaves the old or the new state, whole.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "csv.h"

/* Whole file into memory; 1 if it does not exist. */
int cli_read_state(uint8_t **out, size_t *len, const char *path) {
    *out = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return errno == ENOENT ? 1 : cli_fail(OUPS_EIO, "%s: %s", path, strerror(errno));
    size_t cap = 1 << 16;
    uint8_t *buf = malloc(cap);
    while (buf) {
        *len += fread(buf + *len, 1, cap - *len, f);
        if (*len < cap) break;
        uint8_t *nb = realloc(buf, cap *= 2);
        if (!nb) free(buf);
        buf = nb;
    }
    int err = ferror(f);
    fclose(f);
    if (!buf || err) {
        free(buf);
        return cli_fail(OUPS_EIO, "%s: cannot read the state file", path);
    }
    *out = buf;
    return 0;
}

/* Write `path` atomically: a temporary in the same directory, fsync, rename, fsync the dir. */
int cli_write_state(const char *path, const uint8_t *data, size_t len) {
    char tmp[4096], dir[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid());
    snprintf(dir, sizeof dir, "%s", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return cli_fail(OUPS_EIO, "%s: %s", tmp, strerror(errno));
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, data + done, len - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) break;
        done += (size_t)w;
    }
    int ok = done == len && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return cli_fail(OUPS_EIO, "%s: cannot write the state file: %s", path, strerror(e));
    }
    int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
    return 0;
}

/* The save tail of every stateful command: make the blob, write it atomically. */
int cli_save_state(const char *path, int (*save)(uint8_t **out, size_t *len, const void *obj), const void *obj) {
    uint8_t *blob = NULL;
    size_t len = 0;
    int rc = save(&blob, &len, obj);
    if (rc < 0) return cli_fail_lib(rc, path);
    rc = cli_write_state(path, blob, len);
    oups_mem_free(blob);
    return rc;
}
