/*
 * util/pool.c: the worker threads of liboups and the parallel loop that uses them.
 * oups_pool_run(threads, n, fn, payload) runs fn(payload, i, slot) for every task i in [0, n):
 * the calling thread works on its own job and up to threads - 1 pooled workers help. Workers
 * are created on first need (never when every call asks for one thread), shared by every
 * caller and kept until the process exits; after fork() the child starts with none.
 * Tasks are claimed in index order, and after a failure no new one starts, so the error
 * reported (the lowest failing index, with its message moved to the caller's thread) is the
 * one a sequential run would report. While a fault hook is armed everything runs inline, so
 * fault tests stay deterministic.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "util/util.h"

#define MAX_WORKERS 256

typedef struct job {
    struct job *next; /* in the list of jobs accepting helpers */
    int (*fn)(void *payload, int64_t i, int slot);
    void *payload;
    int64_t n, claimed; /* tasks [0, claimed) have started */
    int helpers_max, helpers, joined;
    bool stop;
    int64_t err_i; /* lowest failing task, or n */
    int err_rc;
    char err_msg[1024];
} job;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work_cv = PTHREAD_COND_INITIALIZER; /* a job wants helpers */
static pthread_cond_t done_cv = PTHREAD_COND_INITIALIZER; /* a helper left a job */
static job *jobs;
static int n_workers;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

/* The child of a fork has only the forking thread: forget the workers and any jobs. */
static void after_fork_child(void) {
    pthread_mutex_init(&mu, NULL);
    pthread_cond_init(&work_cv, NULL);
    pthread_cond_init(&done_cv, NULL);
    jobs = NULL;
    n_workers = 0;
}
static void register_atfork(void) { (void)pthread_atfork(NULL, NULL, after_fork_child); }

/* Run tasks of j until none is left (or one failed). Called and returns with mu held. */
static void run_tasks(job *j, int slot) {
    while (!j->stop && j->claimed < j->n) {
        int64_t i = j->claimed++;
        pthread_mutex_unlock(&mu);
        int rc = j->fn(j->payload, i, slot);
        char msg[sizeof j->err_msg];
        if (rc < 0) snprintf(msg, sizeof msg, "%s", oups_error_last());
        pthread_mutex_lock(&mu);
        if (rc < 0) {
            j->stop = true;
            if (i < j->err_i) {
                j->err_i = i;
                j->err_rc = rc;
                memcpy(j->err_msg, msg, sizeof msg);
            }
        }
    }
}

static void *worker(void *arg) {
    (void)arg;
    pthread_mutex_lock(&mu);
    for (;;) {
        job *j = jobs;
        while (j && (j->stop || j->claimed >= j->n || j->helpers >= j->helpers_max)) j = j->next;
        if (!j) {
            pthread_cond_wait(&work_cv, &mu);
            continue;
        }
        j->helpers++;
        int slot = ++j->joined;
        run_tasks(j, slot);
        j->helpers--;
        pthread_cond_broadcast(&done_cv);
    }
    return NULL;
}

/* Make sure `want` workers exist (fewer if threads cannot be created). Called with mu held. */
static void grow(int want) {
    if (want > MAX_WORKERS) want = MAX_WORKERS;
    while (n_workers < want) {
        pthread_t t;
        pthread_attr_t a;
        if (pthread_attr_init(&a) != 0) return;
        (void)pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
        /* 2 MiB stacks, not the 8 MiB default: tasks (encode, compress, decode a column chunk)
         * keep their data on the heap, and address-space caps (`ulimit -v`) count stacks whole */
        (void)pthread_attr_setstacksize(&a, (size_t)2 << 20);
        int rc = pthread_create(&t, &a, worker, NULL);
        pthread_attr_destroy(&a);
        if (rc != 0) return; /* run with the workers there are */
        n_workers++;
    }
}

int oups_pool_threads(int requested) {
    if (requested > 0) return requested < MAX_WORKERS + 1 ? requested : MAX_WORKERS + 1;
    static _Atomic int cached; /* the default, computed once */
    int t = cached;
    if (t > 0) return t;
    const char *env = getenv("OUPS_THREADS");
    long v = 0;
    if (env && *env) {
        char *end;
        v = strtol(env, &end, 10);
        if (*end || v < 1) v = 0; /* malformed: the default */
    }
    if (v < 1) v = sysconf(_SC_NPROCESSORS_ONLN);
    if (v < 1) v = 1;
    if (v > MAX_WORKERS + 1) v = MAX_WORKERS + 1;
    cached = (int)v;
    return (int)v;
}

int oups_pool_run(int threads, int64_t n, int (*fn)(void *payload, int64_t i, int slot), void *payload) {
    threads = oups_pool_threads(threads);
    if (threads > n) threads = (int)(n > 0 ? n : 1);
    if (threads <= 1 || oups_fault_alloc_armed() || oups_fault_io_armed()) {
        for (int64_t i = 0; i < n; i++) OUPS_TRY(fn(payload, i, 0));
        return 0;
    }
    (void)pthread_once(&atfork_once, register_atfork);
    job j;
    memset(&j, 0, sizeof j);
    j.fn = fn, j.payload = payload, j.n = n, j.err_i = n;
    j.helpers_max = threads - 1;
    pthread_mutex_lock(&mu);
    grow(threads - 1);
    j.next = jobs;
    jobs = &j;
    pthread_cond_broadcast(&work_cv);
    run_tasks(&j, 0);
    for (job **p = &jobs; *p; p = &(*p)->next) /* no helper may join any more */
        if (*p == &j) {
            *p = j.next;
            break;
        }
    while (j.helpers > 0) pthread_cond_wait(&done_cv, &mu);
    pthread_mutex_unlock(&mu);
    if (j.err_i < n) return oups_error_set(j.err_rc, "%s", j.err_msg);
    return 0;
}
