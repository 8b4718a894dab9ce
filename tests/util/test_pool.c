// labels: quick
/*
 * tests/util/test_pool.c: oups_pool_run: every task runs once with a slot below the thread
 * count; the error reported is the lowest failing task's (code and message on the calling
 * thread) whatever the thread count; inline runs stop at the first failure; armed fault hooks
 * run inline; concurrent callers and nested calls finish; OUPS_THREADS-free resolution.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "harness.h"
#include "util/util.h"

enum { N = 1000 };

typedef struct ctx {
    _Atomic int runs[N];
    _Atomic int bad_slot;
    int threads;
    int64_t fail_from; /* tasks >= this (and odd) fail; N: none */
    _Atomic int64_t sum;
} ctx;

static int task(void *payload, int64_t i, int slot) {
    ctx *c = payload;
    c->runs[i]++;
    if (slot < 0 || slot >= c->threads) c->bad_slot = 1;
    volatile uint64_t x = (uint64_t)i; /* a little work so tasks overlap */
    for (int k = 0; k < 2000; k++) x = x * 6364136223846793005ULL + 1;
    c->sum += i;
    if (i >= c->fail_from && (i & 1)) return oups_error_set(OUPS_ECORRUPT, "task %" PRId64 " failed", i);
    return 0;
}

TEST(every_task_once) {
    static const int counts[] = {1, 2, 3, 7, 16};
    for (size_t t = 0; t < sizeof counts / sizeof counts[0]; t++) {
        static ctx c;
        memset(&c, 0, sizeof c);
        c.threads = counts[t];
        c.fail_from = N;
        CHECK_OK(oups_pool_run(counts[t], N, task, &c));
        for (int i = 0; i < N; i++) CHECK(c.runs[i] == 1);
        CHECK(!c.bad_slot);
        CHECK(c.sum == (int64_t)N * (N - 1) / 2);
    }
}

TEST(lowest_error_wins) {
    static const int counts[] = {1, 2, 7};
    for (size_t t = 0; t < sizeof counts / sizeof counts[0]; t++) {
        static ctx c;
        memset(&c, 0, sizeof c);
        c.threads = counts[t];
        c.fail_from = 500; /* 501, 503, ... fail: 501 must be reported */
        oups_error_clear();
        CHECK_RC(oups_pool_run(counts[t], N, task, &c), OUPS_ECORRUPT);
        CHECK(strcmp(oups_error_last(), "task 501 failed") == 0);
        for (int i = 0; i <= 501; i++) CHECK(c.runs[i] == 1); /* everything before it ran */
        if (counts[t] == 1)
            for (int i = 502; i < N; i++) CHECK(c.runs[i] == 0); /* inline: stops at once */
    }
}

TEST(empty_and_single) {
    static ctx c;
    memset(&c, 0, sizeof c);
    c.threads = 4;
    c.fail_from = N;
    CHECK_OK(oups_pool_run(4, 0, task, &c));
    CHECK_OK(oups_pool_run(4, 1, task, &c));
    CHECK(c.runs[0] == 1);
    CHECK(oups_pool_threads(3) == 3);
    CHECK(oups_pool_threads(0) >= 1);
}

/* Armed fault hooks: tasks run inline on the calling thread, in order (slot 0). */
static int slot_task(void *payload, int64_t i, int slot) {
    int *slots = payload;
    slots[i] = slot;
    return 0;
}

TEST(fault_hook_runs_inline) {
    int slots[64];
    oups_fault_alloc_after(1000000, OUPS_FAULT_ONCE);
    int rc = oups_pool_run(8, 64, slot_task, slots);
    oups_fault_alloc_off();
    CHECK_OK(rc);
    for (int i = 0; i < 64; i++) CHECK(slots[i] == 0);
}

/* Several callers at once, and a task that itself runs a parallel loop, complete. */
typedef struct caller_arg {
    ctx c;
    int rc;
} caller_arg;

static void *caller(void *p) {
    caller_arg *a = p;
    a->rc = oups_pool_run(3, N, task, &a->c);
    return NULL;
}

static int outer_task(void *payload, int64_t i, int slot) {
    (void)slot;
    ctx *cs = payload;
    return oups_pool_run(2, N, task, &cs[i]);
}

TEST(concurrent_and_nested) {
    static caller_arg args[4];
    pthread_t th[4];
    for (int k = 0; k < 4; k++) {
        memset(&args[k], 0, sizeof args[k]);
        args[k].c.threads = 3;
        args[k].c.fail_from = N;
        CHECK(pthread_create(&th[k], NULL, caller, &args[k]) == 0);
    }
    for (int k = 0; k < 4; k++) pthread_join(th[k], NULL);
    for (int k = 0; k < 4; k++) {
        CHECK_OK(args[k].rc);
        CHECK(args[k].c.sum == (int64_t)N * (N - 1) / 2);
        CHECK(!args[k].c.bad_slot);
    }
    static ctx cs[3];
    memset(cs, 0, sizeof cs);
    for (int k = 0; k < 3; k++) cs[k].threads = 2, cs[k].fail_from = N;
    CHECK_OK(oups_pool_run(3, 3, outer_task, cs));
    for (int k = 0; k < 3; k++) CHECK(cs[k].sum == (int64_t)N * (N - 1) / 2);
}

RUN_TESTS("util.pool", every_task_once, lowest_error_wins, empty_and_single, fault_hook_runs_inline, concurrent_and_nested)
