// labels: quick
/*
 * tests/loop/test_restart.c: runs in separate processes (fork) reopening the same state file.
 * Restart parity: one run over all chunks and the same chunks split over several runs give the
 * same outputs and the same final state file, whatever the buffer limit. A child killed with
 * SIGKILL mid-item persists nothing and the replay converges; with checkpoints, a killed run
 * resumes from the last checkpoint and idempotent output (dedup by ts) matches.
 */
#include <signal.h>
#include <sys/wait.h>

#include "loop/loop_test.h"

#define N_CHUNKS 10
#define ROWS 7

typedef struct job {
    const char *state, *out;
    int first, last;   /* chunk range; first < 0: resume at oups_loop_items_done() */
    int kill_at;       /* global chunk index whose body is killed after the state update */
    int64_t limit;     /* buffer limit */
    int64_t checkpoint_every;
} job;

/* tail = last 3 rows of concat(tail, chunk) */
static int update_tail(oups_table **tail, oups_table *chunk) {
    oups_table *parts[2] = {*tail, chunk}, *all = NULL, *t = NULL;
    int rc = *tail ? oups_table_concat(&all, parts, 2) : oups_table_slice(&all, chunk, 0, oups_table_num_rows(chunk));
    int64_t n = rc == 0 ? oups_table_num_rows(all) : 0;
    if (rc == 0) rc = oups_table_slice(&t, all, n > 3 ? n - 3 : 0, n > 3 ? 3 : n);
    oups_table_free(all);
    if (rc == 0) {
        oups_table_free(*tail);
        *tail = t;
    }
    return rc;
}

static int append_output(const char *out, const oups_table *t) {
    FILE *f = fopen(out, "ab");
    if (!f) return OUPS_EIO;
    oups_column_view ts, v;
    oups_column_view_get(&ts, oups_table_column(t, 0));
    oups_column_view_get(&v, oups_table_column(t, 1));
    for (int64_t i = 0; i < ts.length; i++) {
        fwrite((const int64_t *)ts.data + ts.offset + i, 8, 1, f);
        fwrite((const double *)v.data + v.offset + i, 8, 1, f);
    }
    return fclose(f) == 0 ? 0 : OUPS_EIO;
}

static int run_job(const job *j) {
    oups_loop_options o = OUPS_LOOP_OPTIONS_INIT;
    o.checkpoint_every = j->checkpoint_every;
    oups_loop *loop;
    int64_t sum = 0;
    double sumv = 0;
    bool seen = false;
    char tagbuf[32] = "none", *tag = tagbuf, *restored_tag;
    oups_table *tail = NULL;
    lt_counter counter = {0, 0};
    oups_state_field f[] = {{"sum", OUPS_STATE_INT64, &sum, NULL},   {"sumv", OUPS_STATE_DOUBLE, &sumv, NULL},
                            {"seen", OUPS_STATE_BOOL, &seen, NULL},  {"tag", OUPS_STATE_STRING, &tag, NULL},
                            {"tail", OUPS_STATE_TABLE, &tail, NULL}};
    int rc = oups_loop_open(&loop, j->state, &o);
    if (rc < 0) return rc;
    if ((rc = oups_loop_bind(loop, NULL, OUPS_STATE_FUNC, "step", f, 5)) < 0) goto out;
    if ((rc = oups_loop_bind_object(loop, NULL, "Counter", &counter, &lt_counter_ops)) < 0) goto out;
    restored_tag = tag != tagbuf ? tag : NULL; /* ours to free */
    int first = j->first >= 0 ? j->first : (int)oups_loop_items_done(loop);
    oups_table *chunks[N_CHUNKS];
    int n = 0;
    for (int i = first; i < j->last; i++) chunks[n++] = lt_table((int64_t)i * ROWS, ROWS);
    oups_source src;
    rc = oups_source_tables(&src, chunks, n);
    for (int i = 0; i < n; i++) oups_table_free(chunks[i]);
    if (rc == 0) rc = oups_loop_begin(loop, &src);
    oups_table *chunk, *flushed;
    while (rc == 0 && (rc = oups_loop_next(loop, &chunk)) == 1) {
        rc = 0;
        for (int64_t r = 0; r < oups_table_num_rows(chunk); r++) {
            sum += lt_ts(chunk, r);
            sumv += (double)lt_ts(chunk, r) * 0.25;
        }
        seen = true;
        snprintf(tagbuf, sizeof tagbuf, "chunk-%" PRId64, lt_ts(chunk, 0));
        tag = tagbuf;
        if ((rc = update_tail(&tail, chunk)) < 0) break;
        counter.calls++;
        counter.rows += oups_table_num_rows(chunk);
        if (first + oups_loop_iteration(loop) == j->kill_at) raise(SIGKILL);
        rc = oups_loop_buffer(&flushed, loop, 0, &chunk, 1, j->limit);
        if (rc == OUPS_SKIP) {
            rc = 0;
            continue;
        }
        if (rc < 0) break;
        rc = append_output(j->out, flushed);
        oups_table_free(flushed);
    }
    oups_mem_free(restored_tag);
out:
    oups_table_free(tail);
    oups_loop_free(loop);
    return rc;
}

/* Run a job in a child process: returns its exit code, or 128 + signal. */
static int fork_job(const job *j) {
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        int rc = run_job(j);
        if (rc < 0) fprintf(stderr, "child: %s: %s\n", oups_strerror(rc), oups_error_last());
        _exit(rc < 0 ? 1 : 0);
    }
    int status;
    if (pid < 0 || waitpid(pid, &status, 0) != pid) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static bool same_file(const char *a, const char *b) {
    uint8_t *da = NULL, *db = NULL;
    size_t la = 0, lb = 0;
    bool same = oups_io_read_file(&da, &la, a) == 0 && oups_io_read_file(&db, &lb, b) == 0 && la == lb &&
                memcmp(da, db, la) == 0;
    oups_mem_free(da);
    oups_mem_free(db);
    return same;
}

static int cmp_rec(const void *a, const void *b) {
    int64_t x, y;
    memcpy(&x, a, 8);
    memcpy(&y, b, 8);
    return x < y ? -1 : x > y;
}

/* The output as an idempotent sink would hold it: records sorted by ts, duplicates dropped.
 * Returns the number of records (-1 on error) and fills `recs` (16 bytes each). */
static int64_t dedup_output(const char *out, uint8_t *recs, int64_t cap) {
    uint8_t *d = NULL;
    size_t len = 0;
    if (oups_io_read_file(&d, &len, out) < 0 || len % 16 || (int64_t)(len / 16) > cap) return -1;
    memcpy(recs, d, len);
    oups_mem_free(d);
    int64_t n = (int64_t)(len / 16), k = 0;
    qsort(recs, (size_t)n, 16, cmp_rec);
    for (int64_t i = 0; i < n; i++)
        if (k == 0 || cmp_rec(recs + 16 * i, recs + 16 * (k - 1)) != 0) memmove(recs + 16 * k++, recs + 16 * i, 16);
    return k;
}

static char dir[64];
static char st_a[128], out_a[128], st_b[128], out_b[128];

static void paths(void) {
    lt_tmpdir(dir, sizeof dir);
    snprintf(st_a, sizeof st_a, "%s/a.loopstate", dir);
    snprintf(out_a, sizeof out_a, "%s/a.out", dir);
    snprintf(st_b, sizeof st_b, "%s/b.loopstate", dir);
    snprintf(out_b, sizeof out_b, "%s/b.out", dir);
}

/* Check the final state of `state` is the expected one for all N_CHUNKS chunks. */
static int check_final_state(const char *state) {
    oups_loop *loop;
    int64_t sum = -1;
    double sumv = -1;
    bool seen = false;
    char *tag = NULL;
    oups_table *tail = NULL;
    lt_counter c = {0, 0};
    oups_state_field f[] = {{"sum", OUPS_STATE_INT64, &sum, NULL},   {"sumv", OUPS_STATE_DOUBLE, &sumv, NULL},
                            {"seen", OUPS_STATE_BOOL, &seen, NULL},  {"tag", OUPS_STATE_STRING, &tag, NULL},
                            {"tail", OUPS_STATE_TABLE, &tail, NULL}};
    int rc = oups_loop_open(&loop, state, NULL);
    if (rc == 0) rc = oups_loop_bind(loop, NULL, OUPS_STATE_FUNC, "step", f, 5);
    if (rc == 0) rc = oups_loop_bind_object(loop, NULL, "Counter", &c, &lt_counter_ops);
    int64_t n = N_CHUNKS * ROWS;
    bool ok = rc == 0 && oups_loop_items_done(loop) == N_CHUNKS && sum == n * (n - 1) / 2 &&
              sumv == (double)sum * 0.25 && seen && tag && strcmp(tag, "chunk-63") == 0 && tail &&
              oups_table_num_rows(tail) == 3 && lt_ts(tail, 2) == n - 1 && c.calls == N_CHUNKS && c.rows == n;
    oups_mem_free(tag);
    oups_table_free(tail);
    oups_loop_free(loop);
    return rc < 0 ? rc : ok ? 0 : 1;
}

/* Run b ends like the uninterrupted run a: same state file, expected state, and the same
 * output once an idempotent sink dropped replayed rows. */
static bool same_results(void) {
    static uint8_t ra[16 * N_CHUNKS * ROWS * 3], rb[16 * N_CHUNKS * ROWS * 3];
    int64_t na = dedup_output(out_a, ra, N_CHUNKS * ROWS * 3), nb = dedup_output(out_b, rb, N_CHUNKS * ROWS * 3);
    return same_file(st_a, st_b) && check_final_state(st_b) == 0 && na == N_CHUNKS * ROWS && nb == na &&
           memcmp(ra, rb, (size_t)na * 16) == 0;
}

TEST(restart_parity_over_limits) {
    static const int64_t limits[] = {0, 200, 1000, INT64_MAX};
    for (size_t li = 0; li < 4; li++) {
        paths();
        job a = {st_a, out_a, 0, N_CHUNKS, -1, limits[li], 0};
        CHECK(fork_job(&a) == 0);
        static const int splits[] = {0, 3, 4, 7, 10};
        for (int s = 0; s + 1 < 5; s++) {
            job b = {st_b, out_b, splits[s], splits[s + 1], -1, limits[li], 0};
            CHECK(fork_job(&b) == 0);
        }
        CHECK(same_file(out_a, out_b));
        CHECK(same_file(st_a, st_b));
        CHECK_OK(check_final_state(st_a));
        uint8_t recs[16 * N_CHUNKS * ROWS * 2];
        CHECK(dedup_output(out_a, recs, N_CHUNKS * ROWS * 2) == N_CHUNKS * ROWS); /* no duplicates */
        lt_rmdir(dir);
    }
}

TEST(killed_run_persists_nothing_and_replays) {
    paths();
    job a = {st_a, out_a, 0, N_CHUNKS, -1, 200, 0};
    CHECK(fork_job(&a) == 0);
    job b1 = {st_b, out_b, 0, 3, -1, 200, 0};
    CHECK(fork_job(&b1) == 0);
    uint8_t *before = NULL;
    size_t before_len = 0;
    CHECK_OK(oups_io_read_file(&before, &before_len, st_b));
    job killed = {st_b, out_b, 3, 7, 5, 200, 0}; /* killed inside chunk 5 */
    CHECK(fork_job(&killed) == 128 + SIGKILL);
    uint8_t *after = NULL;
    size_t after_len = 0;
    CHECK_OK(oups_io_read_file(&after, &after_len, st_b));
    bool unchanged = before_len == after_len && memcmp(before, after, after_len) == 0;
    oups_mem_free(before);
    oups_mem_free(after);
    CHECK(unchanged); /* the lock died with the child, the file kept the last completed run */
    job b2 = {st_b, out_b, 3, 7, -1, 200, 0}, b3 = {st_b, out_b, 7, N_CHUNKS, -1, 200, 0};
    CHECK(fork_job(&b2) == 0);
    CHECK(fork_job(&b3) == 0);
    CHECK(same_results());
    lt_rmdir(dir);
}

TEST(checkpoint_resume_after_kill) {
    paths();
    job a = {st_a, out_a, 0, N_CHUNKS, -1, 0, 0};
    CHECK(fork_job(&a) == 0);
    /* limit 0 keeps buffers empty between items: checkpoints after items 2, 4, 6 (every 2) */
    job killed = {st_b, out_b, -1, N_CHUNKS, 6, 0, 2};
    CHECK(fork_job(&killed) == 128 + SIGKILL);
    oups_loop *loop;
    CHECK_OK(oups_loop_open(&loop, st_b, NULL));
    CHECK(oups_loop_resumed(loop) && oups_loop_items_done(loop) == 6);
    oups_loop_free(loop);
    job resume = {st_b, out_b, -1, N_CHUNKS, -1, 0, 2};
    CHECK(fork_job(&resume) == 0);
    CHECK(same_results());
    lt_rmdir(dir);
}

TEST(checkpoint_waits_for_empty_buffers) {
    paths();
    /* a huge limit keeps data pending until the last item: no checkpoint can happen */
    job killed = {st_b, out_b, -1, N_CHUNKS, 6, INT64_MAX, 2};
    CHECK(fork_job(&killed) == 128 + SIGKILL);
    CHECK(!lt_exists(st_b));
    /* limit 300 with 112-byte chunks: flushes after items 2, 5, 8; checkpoints are due after
     * items 1, 3, 5, 7 and taken at the next empty point: after items 2 and 5 */
    job k2 = {st_b, out_b, -1, N_CHUNKS, 8, 300, 2};
    CHECK(fork_job(&k2) == 128 + SIGKILL);
    oups_loop *loop;
    CHECK_OK(oups_loop_open(&loop, st_b, NULL));
    int64_t done = oups_loop_items_done(loop);
    oups_loop_free(loop);
    CHECK(done == 6);
    job resume = {st_b, out_b, -1, N_CHUNKS, -1, 300, 2};
    CHECK(fork_job(&resume) == 0);
    CHECK_OK(check_final_state(st_b));
    lt_rmdir(dir);
}

RUN_TESTS("loop.restart", restart_parity_over_limits, killed_run_persists_nothing_and_replays,
          checkpoint_resume_after_kill, checkpoint_waits_for_empty_buffers)
