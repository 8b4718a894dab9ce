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

/* Large blocks (tables of millions of rows, asof outputs) are first touched right after allocation; asking
 * for transparent huge pages makes that touch fault 512x fewer pages, but where the kernel's
 * THP defrag setting is "madvise" (Debian's default) each such fault may compact memory
 * synchronously: measured on a 2-core VM, the 10M-row as-of job spent 1.5 s of system time
 * with the advice against 0.6 s without. So it is opt-in: OUPS_HUGEPAGES=1. Advisory only. */
static bool huge_pages_wanted(void) {
    static _Atomic int wanted = -1; /* every thread computes the same value */
    int w = atomic_load_explicit(&wanted, memory_order_relaxed);
    if (w < 0) {
        const char *e = getenv("OUPS_HUGEPAGES");
        w = e && e[0] == '1';
        atomic_store_explicit(&wanted, w, memory_order_relaxed);
    }
    return w;
}

void oups_advise_huge_pages(void *p, size_t size) {
    const uintptr_t huge = (uintptr_t)2 << 20;
    if (!p || size < 2 * huge || !huge_pages_wanted()) return;
    uintptr_t start = ((uintptr_t)p + huge - 1) & ~(huge - 1), end = ((uintptr_t)p + size) & ~(huge - 1);
    if (end > start) (void)madvise((void *)start, end - start, MADV_HUGEPAGE);
}

void *oups_malloc(size_t size) {
    if (should_fail()) {
        oups_error_oom();
        return NULL;
    }
    void *p = malloc(size ? size : 1);
    if (!p) oups_error_oom();
    oups_advise_huge_pages(p, size);
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
