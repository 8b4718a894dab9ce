/*
 * util/util.h: what higher layers may call from util (semi-private, not installed).
 * Owns: error reporting helpers, the allocator (the only malloc/free calls in liboups, with
 * an allocation-failure hook for tests), the I/O layer (every open/pread/pwrite/fsync/rename/
 * unlink/lock, with fault and crash hooks), worker threads, checksums and small byte helpers.
 */
#ifndef OUPS_SRC_UTIL_H
#define OUPS_SRC_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "oups/util.h"

#if defined(__GNUC__)
#define OUPS_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define OUPS_LIKELY(x) __builtin_expect(!!(x), 1)
#define OUPS_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define OUPS_PRINTF(a, b)
#define OUPS_LIKELY(x) (x)
#define OUPS_UNLIKELY(x) (x)
#endif

/* ---- errors (error.c) ---------------------------------------------------------------- */

/** Record `code` with a formatted message for this thread and return `code`. */
int oups_error_set(int code, const char *fmt, ...) OUPS_PRINTF(2, 3);
/** Prepend context ("file.parquet: ") to the current message; returns `code` unchanged. */
int oups_error_prefix(int code, const char *fmt, ...) OUPS_PRINTF(2, 3);
/** Record OUPS_ENOMEM without allocating; returns OUPS_ENOMEM. */
int oups_error_oom(void);

/** Propagate a failure: `OUPS_TRY(f(x));` returns f's code from the enclosing function. */
#define OUPS_TRY(expr)                                                                        \
    do {                                                                                      \
        int oups_try_rc_ = (expr);                                                            \
        if (OUPS_UNLIKELY(oups_try_rc_ < 0)) return oups_try_rc_;                             \
    } while (0)

/* ---- allocation (alloc.c) -------------------------------------------------------------- */

/* The only allocation calls in liboups. On failure they return NULL and record OUPS_ENOMEM
 * (so callers just `return OUPS_ENOMEM` / `oups_error_oom()`). Sizes overflowing size_t fail. */
void *oups_malloc(size_t size);
/* Transparent huge pages for a large fresh block (>= 4 MiB), only with OUPS_HUGEPAGES=1. */
void oups_advise_huge_pages(void *p, size_t size);
void *oups_calloc(size_t n, size_t size);
void *oups_realloc(void *ptr, size_t size);
void *oups_malloc_array(size_t n, size_t size);   /* overflow-checked n * size */
void oups_free(void *ptr);
char *oups_strdup(const char *s);
char *oups_strndup(const char *s, size_t n);

/* Test hook (SQLite style): fail the n-th allocation from now (1-based), once or always.
 * oups_fault_alloc_off() disarms and returns how many allocations were failed. Process-wide;
 * tests using it run single-threaded. */
enum { OUPS_FAULT_ONCE = 0, OUPS_FAULT_PERSIST = 1 };
void oups_fault_alloc_after(int64_t n, int mode);
int64_t oups_fault_alloc_off(void);
/* True while an allocation fault is armed (oups_pool_run then runs tasks inline). */
bool oups_fault_alloc_armed(void);

/* ---- growable byte buffer (bytes.c) ---------------------------------------------------- */

typedef struct oups_bytes {
    uint8_t *data;
    size_t len, cap;
} oups_bytes;

int oups_bytes_reserve(oups_bytes *b, size_t extra);          /* ensure cap >= len + extra */
int oups_bytes_append(oups_bytes *b, const void *p, size_t n);
int oups_bytes_printf(oups_bytes *b, const char *fmt, ...) OUPS_PRINTF(2, 3);
void oups_bytes_free(oups_bytes *b);

/* ---- checksums (crc32.c) --------------------------------------------------------------- */

/** CRC-32 (IEEE, zlib's) of `n` bytes, continuing from `crc` (start with 0). */
uint32_t oups_crc32(uint32_t crc, const void *p, size_t n);

/* ---- I/O layer (io.c) ----------------------------------------------------------------- */

/* Every file-system call of liboups goes through these. Each returns 0 or a negative code with
 * a message naming the path (OUPS_EIO with strerror, OUPS_ENOTFOUND for ENOENT).
 * A test hook can make the k-th call (counting all io calls of the kinds selected) fail with
 * EIO, or "crash": the call and every later one fail, and writes not yet fsynced are
 * discarded from the files (simulated power loss) when oups_fault_io_off() is called. */
typedef enum oups_io_op {
    OUPS_IO_OPEN = 1 << 0,
    OUPS_IO_READ = 1 << 1,
    OUPS_IO_WRITE = 1 << 2,
    OUPS_IO_FSYNC = 1 << 3,
    OUPS_IO_RENAME = 1 << 4,
    OUPS_IO_UNLINK = 1 << 5,
    OUPS_IO_LOCK = 1 << 6,
    OUPS_IO_MKDIR = 1 << 7,
    OUPS_IO_ALL = 0xff
} oups_io_op;
enum { OUPS_FAULT_FAIL = 0, OUPS_FAULT_CRASH = 1 };
/** Arm: the k-th (1-based) call among `ops` fails (mode FAIL) or starts a crash (CRASH). */
void oups_fault_io_after(int64_t k, unsigned ops, int mode);
/** Disarm; returns the number of calls that were failed. In CRASH mode, first truncates each
 * file written since its last fsync back to its size at that fsync (losing unsynced data). */
int64_t oups_fault_io_off(void);
/** Number of io calls among `ops` made since the last arm/off (for sizing fault loops). */
int64_t oups_fault_io_count(void);
/** True while an io fault is armed or a crash is in effect. */
bool oups_fault_io_armed(void);

int oups_io_open(int *fd, const char *path, int flags, int mode);
int oups_io_close(int fd);
/** Read exactly n bytes at offset; a short read (file too small) is OUPS_ECORRUPT. */
int oups_io_pread(int fd, void *buf, size_t n, int64_t off, const char *path);
/** Write all n bytes at offset. */
int oups_io_pwrite(int fd, const void *buf, size_t n, int64_t off, const char *path);
int oups_io_fsync(int fd, const char *path);
int oups_io_fsync_dir(const char *dir);
int oups_io_rename(const char *from, const char *to);
int oups_io_unlink(const char *path);
int oups_io_mkdir_p(const char *path);
/** Remove an empty directory (fault op OUPS_IO_UNLINK). OUPS_EIO (ENOTEMPTY...) names it. */
int oups_io_rmdir(const char *path);
int oups_io_file_size(int64_t *out, int fd, const char *path);
/** Whole file into memory (caller frees with oups_free). */
int oups_io_read_file(uint8_t **out, size_t *len, const char *path);
/** Write a whole file atomically: path.tmp-<pid>, fsync, rename, fsync dir. */
int oups_io_write_file_atomic(const char *path, const void *data, size_t len);
/** Exclusive open-file-description lock (F_OFD_SETLK) on fd, waiting up to timeout_ms
 * (negative: forever, 0: try once). OUPS_EBUSY / OUPS_ETIMEOUT when held by another. */
int oups_io_lock(int fd, const char *path, int64_t timeout_ms);
/** Same, shared (F_RDLCK) when `shared`: readers exclude writers, not each other. */
int oups_io_lock_mode(int fd, const char *path, int64_t timeout_ms, bool shared);
int oups_io_unlock(int fd, const char *path);

/* ---- worker threads (pool.c) ------------------------------------------------------- */

/** Threads to use for `requested`: itself when positive, else (0) the OUPS_THREADS
 * environment variable when set to a positive integer, else the online cores. At most 257. */
int oups_pool_threads(int requested);
/**
 * Run fn(payload, i, slot) for every i in [0, n) on up to `threads` threads (as resolved by
 * oups_pool_threads; the calling thread is one of them). `slot` in [0, threads) is unique
 * among the threads running the call's tasks, for per-thread scratch. One thread, n <= 1 or
 * an armed fault hook: inline, in order. Tasks start in index order and none starts after a
 * failure; returns 0 or the code of the lowest failing task, its message set on the calling
 * thread (what a sequential run reports). Workers are created on first parallel use and
 * shared by all callers; if none can be created the caller runs every task itself.
 */
int oups_pool_run(int threads, int64_t n, int (*fn)(void *payload, int64_t i, int slot), void *payload);

/* ---- misc ----------------------------------------------------------------------------- */

/** Monotonic clock in nanoseconds. */
int64_t oups_now_ns(void);
/** Peak resident set size of this process in bytes (from /proc/self/status VmHWM). */
int64_t oups_peak_rss(void);

static inline uint32_t oups_load_u32le(const uint8_t *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return v; /* liboups targets little-endian hosts (checked in CMake). */
}
static inline void oups_store_u32le(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static inline uint64_t oups_load_u64le(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}
static inline void oups_store_u64le(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

#endif /* OUPS_SRC_UTIL_H */
