/*
 * util/alloc.c: the allocator of liboups and its failure hook.
 * Every allocation in the library goes through here, so a test can fail the n-th one
 * (SQLite's test_malloc.c method) and check that each path returns OUPS_ENOMEM and leaks
 * nothing. The hook costs one predictable branch and stays in every build.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "util/util.h"

static _Atomic int64_t fault_countdown; /* 0: disarmed; k: the k-th next allocation fails */
static _Atomic int fault_persist;
static _Atomic int64_t fault_hits;

void oups_fault_alloc_after(int64_t n, int mode) {
    fault_hits = 0;
    fault_persist = mode == OUPS_FAULT_PERSIST;
    fault_countdown = n > 0 ? n : 0;
}

int64_t oups_fault_alloc_off(void) {
    fault_countdown = 0;
    fault_persist = 0;
    return fault_hits;
}

bool oups_fault_alloc_armed(void) { return atomic_load(&fault_countdown) != 0; }

static bool should_fail(void) {
    if (OUPS_LIKELY(atomic_load_explicit(&fault_countdown, memory_order_relaxed) == 0)) return false;
    int64_t left = atomic_fetch_sub(&fault_countdown, 1) - 1;
    if (left > 0) return false;
    if (left < 0) { /* raced past zero: only persist mode keeps failing */
        if (!fault_persist) {
            fault_countdown = 0;
            return false;
        }
    }
    fault_hits++;
    if (fault_persist) fault_countdown = 1;
    else fault_countdown = 0;
    return true;
}

/* Large blocks (tables of millions of rows) are first touched right after allocation; asking
 * for transparent huge pages makes that touch fault 512x fewer pages. Advisory only. */
static void advise_large(void *p, size_t size) {
    enum { LARGE = 8 << 20, PAGE = 4096 };
    if (!p || size < LARGE) return;
    uintptr_t start = ((uintptr_t)p + PAGE - 1) & ~(uintptr_t)(PAGE - 1);
    uintptr_t end = ((uintptr_t)p + size) & ~(uintptr_t)(PAGE - 1);
    (void)madvise((void *)start, end - start, MADV_HUGEPAGE);
}

void *oups_malloc(size_t size) {
    if (should_fail()) {
        oups_error_oom();
        return NULL;
    }
    void *p = malloc(size ? size : 1);
    if (!p) oups_error_oom();
    advise_large(p, size);
    return p;
}

void *oups_calloc(size_t n, size_t size) {
    if (size && n > SIZE_MAX / size) {
        oups_error_oom();
        return NULL;
    }
    if (should_fail()) {
        oups_error_oom();
        return NULL;
    }
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) oups_error_oom();
    return p;
}

void *oups_malloc_array(size_t n, size_t size) {
    if (size && n > SIZE_MAX / size) {
        oups_error_oom();
        return NULL;
    }
    return oups_malloc(n * size);
}

void *oups_realloc(void *ptr, size_t size) {
    if (should_fail()) {
        oups_error_oom();
        return NULL;
    }
    void *p = realloc(ptr, size ? size : 1);
    if (!p) oups_error_oom();
    return p;
}

void oups_free(void *ptr) { free(ptr); }

char *oups_strndup(const char *s, size_t n) {
    size_t len = strnlen(s, n);
    char *d = oups_malloc(len + 1);
    if (!d) return NULL;
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

char *oups_strdup(const char *s) { return oups_strndup(s, SIZE_MAX); }

void oups_mem_free(void *p) { free(p); }

void *oups_mem_alloc(size_t size) { return oups_malloc(size); }
