/*
 * util/io.c: the I/O layer. Every file-system call of liboups goes through here so that
 * (1) each failure gets a message naming the path and errno, and (2) tests can inject faults:
 * fail the k-th call (EIO) or simulate a crash at the k-th call. In crash mode the call and
 * all later ones fail, and on disarm every file written since its last fsync is cut back to
 * its size at that fsync: data that was never made durable is lost, as on power loss.
 * Simplification (documented): renames and unlinks are treated as durable once done.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/util.h"

static _Atomic int64_t io_countdown; /* 0: disarmed */
static _Atomic int64_t io_calls, io_hits;
static unsigned io_ops;
static int io_mode;
static _Atomic int io_crashed;

/* Files open for writing and their durable size, for crash simulation. Tests only. */
#define MAX_TRACKED 256
static struct {
    int fd;
    char path[PATH_MAX];
    int64_t synced;
} tracked[MAX_TRACKED];
static int n_tracked;

void oups_fault_io_after(int64_t k, unsigned ops, int mode) {
    io_calls = 0;
    io_hits = 0;
    io_ops = ops;
    io_mode = mode;
    io_crashed = 0;
    n_tracked = 0;
    io_countdown = k > 0 ? k : 0;
}

int64_t oups_fault_io_off(void) {
    if (io_crashed) {
        for (int i = 0; i < n_tracked; i++)
            if (truncate(tracked[i].path, tracked[i].synced) != 0 && errno != ENOENT)
                perror("oups_fault_io_off: truncate");
    }
    io_countdown = 0;
    io_crashed = 0;
    n_tracked = 0;
    return io_hits;
}

int64_t oups_fault_io_count(void) { return io_calls; }
bool oups_fault_io_armed(void) { return io_countdown != 0 || io_crashed; }

/* Returns true when this call must fail (and sets errno to EIO). */
static bool io_fault(oups_io_op op) {
    if (OUPS_LIKELY(atomic_load_explicit(&io_countdown, memory_order_relaxed) == 0 && !io_crashed)) {
        io_calls++;
        return false;
    }
    if (io_crashed) {
        io_hits++;
        errno = EIO;
        return true;
    }
    if (!(io_ops & (unsigned)op)) return false;
    io_calls++;
    if (--io_countdown > 0) return false;
    io_countdown = 0;
    io_hits++;
    if (io_mode == OUPS_FAULT_CRASH) io_crashed = 1;
    errno = EIO;
    return true;
}

static bool tracking(void) { return io_mode == OUPS_FAULT_CRASH && (io_countdown > 0 || io_crashed); }

static void track(int fd, const char *path) {
    if (!tracking() || n_tracked >= MAX_TRACKED) return;
    tracked[n_tracked].fd = fd;
    snprintf(tracked[n_tracked].path, PATH_MAX, "%s", path);
    tracked[n_tracked].synced = 0;
    n_tracked++;
}

static int sys_error(const char *what, const char *path) {
    int e = errno;
    int code = e == ENOENT ? OUPS_ENOTFOUND : e == EEXIST ? OUPS_EEXISTS : OUPS_EIO;
    return oups_error_set(code, "%s: %s failed: %s", path, what, strerror(e));
}

int oups_io_open(int *fd, const char *path, int flags, int mode) {
    *fd = -1;
    if (io_fault(OUPS_IO_OPEN)) return sys_error("open", path);
    int f;
    do f = open(path, flags | O_CLOEXEC, mode);
    while (f < 0 && errno == EINTR);
    if (f < 0) return sys_error("open", path);
    if (flags & (O_WRONLY | O_RDWR)) {
        /* durable size of a pre-existing file is its current size */
        track(f, path);
        if (tracking() && n_tracked > 0 && tracked[n_tracked - 1].fd == f) {
            struct stat st;
            if (fstat(f, &st) == 0 && !(flags & O_TRUNC)) tracked[n_tracked - 1].synced = st.st_size;
        }
    }
    *fd = f;
    return 0;
}

int oups_io_close(int fd) {
    if (fd < 0) return 0;
    for (int i = 0; i < n_tracked; i++)
        if (tracked[i].fd == fd) tracked[i].fd = -1;
    return close(fd) == 0 || errno == EINTR ? 0 : oups_error_set(OUPS_EIO, "close failed: %s", strerror(errno));
}

int oups_io_pread(int fd, void *buf, size_t n, int64_t off, const char *path) {
    if (io_fault(OUPS_IO_READ)) return sys_error("read", path);
    uint8_t *p = buf;
    while (n > 0) {
        ssize_t r = pread(fd, p, n > (1u << 30) ? (1u << 30) : n, (off_t)off);
        if (r < 0) {
            if (errno == EINTR) continue;
            return sys_error("read", path);
        }
        if (r == 0)
            return oups_error_set(OUPS_ECORRUPT, "%s: truncated: wanted %zu more bytes at offset %lld",
                                  path, n, (long long)off);
        p += r;
        n -= (size_t)r;
        off += r;
    }
    return 0;
}

int oups_io_pwrite(int fd, const void *buf, size_t n, int64_t off, const char *path) {
    if (io_fault(OUPS_IO_WRITE)) return sys_error("write", path);
    const uint8_t *p = buf;
    while (n > 0) {
        ssize_t r = pwrite(fd, p, n > (1u << 30) ? (1u << 30) : n, (off_t)off);
        if (r < 0) {
            if (errno == EINTR) continue;
            return sys_error("write", path);
        }
        p += r;
        n -= (size_t)r;
        off += r;
    }
    return 0;
}

int oups_io_fsync(int fd, const char *path) {
    if (io_fault(OUPS_IO_FSYNC)) return sys_error("fsync", path);
    if (fsync(fd) != 0) return sys_error("fsync", path);
    for (int i = 0; i < n_tracked; i++)
        if (tracked[i].fd == fd) {
            struct stat st;
            if (fstat(fd, &st) == 0) tracked[i].synced = st.st_size;
        }
    return 0;
}

int oups_io_fsync_dir(const char *dir) {
    if (io_fault(OUPS_IO_FSYNC)) return sys_error("fsync", dir);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return sys_error("open directory", dir);
    int rc = fsync(fd) == 0 ? 0 : sys_error("fsync", dir);
    close(fd);
    return rc;
}

/* Forget the tracked file named `path` (deleted or replaced). */
static void untrack(const char *path) {
    for (int i = 0; i < n_tracked; i++)
        if (strcmp(tracked[i].path, path) == 0) tracked[i].path[0] = '\0';
}

int oups_io_rename(const char *from, const char *to) {
    if (io_fault(OUPS_IO_RENAME)) return sys_error("rename", from);
    if (rename(from, to) != 0) {
        int e = errno;
        return oups_error_set(e == ENOENT ? OUPS_ENOTFOUND : OUPS_EIO, "rename %s -> %s failed: %s", from,
                              to, strerror(e));
    }
    untrack(to); /* the file replaced at `to` is gone */
    for (int i = 0; i < n_tracked; i++)
        if (strcmp(tracked[i].path, from) == 0) snprintf(tracked[i].path, PATH_MAX, "%s", to);
    return 0;
}

int oups_io_unlink(const char *path) {
    if (io_fault(OUPS_IO_UNLINK)) return sys_error("unlink", path);
    if (unlink(path) != 0) return sys_error("unlink", path);
    untrack(path); /* a later file of that name is another one (the crash model is per path) */
    return 0;
}

int oups_io_rmdir(const char *path) {
    if (io_fault(OUPS_IO_UNLINK)) return sys_error("rmdir", path);
    if (rmdir(path) != 0) return sys_error("rmdir", path);
    return 0;
}

int oups_io_mkdir_p(const char *path) {
    char buf[PATH_MAX];
    size_t len = strlen(path);
    if (len == 0 || len >= sizeof buf) return oups_error_set(OUPS_EINVAL, "bad directory path '%s'", path);
    memcpy(buf, path, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (buf[i] != '/' && buf[i] != '\0') continue;
        char c = buf[i];
        buf[i] = '\0';
        if (io_fault(OUPS_IO_MKDIR)) return sys_error("mkdir", buf);
        if (mkdir(buf, 0777) != 0 && errno != EEXIST) return sys_error("mkdir", buf);
        buf[i] = c;
    }
    return 0;
}

int oups_io_file_size(int64_t *out, int fd, const char *path) {
    struct stat st;
    if (fstat(fd, &st) != 0) return sys_error("stat", path);
    *out = st.st_size;
    return 0;
}

int oups_io_read_file(uint8_t **out, size_t *len, const char *path) {
    *out = NULL;
    *len = 0;
    int fd;
    OUPS_TRY(oups_io_open(&fd, path, O_RDONLY, 0));
    int64_t size;
    int rc = oups_io_file_size(&size, fd, path);
    uint8_t *buf = NULL;
    if (rc == 0) {
        buf = oups_malloc((size_t)size + 1);
        if (!buf) rc = OUPS_ENOMEM;
    }
    if (rc == 0) rc = oups_io_pread(fd, buf, (size_t)size, 0, path);
    oups_io_close(fd);
    if (rc < 0) {
        oups_free(buf);
        return rc;
    }
    buf[size] = '\0';
    *out = buf;
    *len = (size_t)size;
    return 0;
}

static void dir_of(char *dir, size_t cap, const char *path) {
    const char *slash = strrchr(path, '/');
    if (!slash) snprintf(dir, cap, ".");
    else if (slash == path) snprintf(dir, cap, "/");
    else snprintf(dir, cap, "%.*s", (int)(slash - path), path);
}

int oups_io_write_file_atomic(const char *path, const void *data, size_t len) {
    char tmp[PATH_MAX], dir[PATH_MAX];
    if (snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid()) >= (int)sizeof tmp)
        return oups_error_set(OUPS_EINVAL, "path too long: %s", path);
    int fd;
    OUPS_TRY(oups_io_open(&fd, tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644));
    int rc = oups_io_pwrite(fd, data, len, 0, tmp);
    if (rc == 0) rc = oups_io_fsync(fd, tmp);
    oups_io_close(fd);
    if (rc == 0) rc = oups_io_rename(tmp, path);
    if (rc < 0) {
        unlink(tmp); /* best effort: never leave the temp file behind */
        return rc;
    }
    dir_of(dir, sizeof dir, path);
    return oups_io_fsync_dir(dir);
}

int oups_io_lock(int fd, const char *path, int64_t timeout_ms) { return oups_io_lock_mode(fd, path, timeout_ms, false); }

int oups_io_lock_mode(int fd, const char *path, int64_t timeout_ms, bool shared) {
    if (io_fault(OUPS_IO_LOCK)) return sys_error("lock", path);
    int64_t deadline = oups_now_ns() + (timeout_ms > 0 ? timeout_ms : 0) * 1000000;
    for (;;) {
        struct flock fl = {.l_type = shared ? F_RDLCK : F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
        if (fcntl(fd, F_OFD_SETLK, &fl) == 0) return 0;
        if (errno != EAGAIN && errno != EACCES && errno != EINTR) return sys_error("lock", path);
        if (timeout_ms == 0) return oups_error_set(OUPS_EBUSY, "%s: locked by another holder", path);
        if (timeout_ms > 0 && oups_now_ns() >= deadline)
            return oups_error_set(OUPS_ETIMEOUT, "%s: still locked after %lld ms", path,
                                  (long long)timeout_ms);
        struct timespec ts = {0, 2000000}; /* poll every 2 ms */
        nanosleep(&ts, NULL);
    }
}

int oups_io_unlock(int fd, const char *path) {
    struct flock fl = {.l_type = F_UNLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    if (fcntl(fd, F_OFD_SETLK, &fl) != 0) return sys_error("unlock", path);
    return 0;
}
