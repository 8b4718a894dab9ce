// labels: fault
/*
 * tests/loop/test_fault.c: a whole loop run (open, bind every slot type, buffers, persist)
 * with the k-th allocation failing, the k-th I/O call failing, or a simulated power loss at
 * the k-th I/O call: the run fails cleanly (no crash, no leak) and the state file always holds
 * the previous or the new state, never a damaged one.
 */
#include "loop/loop_test.h"

static char dir[64], path[128];

/* One run over 6 chunks: acc += rows; the table slot keeps the last chunk. */
static int run_once(int64_t *acc_seen) {
    oups_loop *loop = NULL;
    int64_t acc = 0;
    static char lit[] = "job";
    char *name = lit;
    oups_table *last = NULL;
    lt_counter c = {0, 0};
    oups_state_field f[] = {{"acc", OUPS_STATE_INT64, &acc, NULL},
                            {"name", OUPS_STATE_STRING, &name, NULL},
                            {"last", OUPS_STATE_TABLE, &last, NULL}};
    oups_table *chunks[6];
    for (int i = 0; i < 6; i++) chunks[i] = lt_table(i * 4, 4);
    char *restored_name = NULL; /* a restored string or table is ours to free */
    oups_source src;
    int rc = oups_loop_open(&loop, path, NULL);
    if (rc == 0) rc = oups_loop_bind(loop, NULL, OUPS_STATE_FUNC, "step", f, 3);
    if (rc == 0) {
        restored_name = name != lit ? name : NULL;
        rc = oups_loop_bind_object(loop, NULL, "C", &c, &lt_counter_ops);
    }
    if (rc == 0) rc = oups_source_tables(&src, chunks, 6);
    if (rc == 0) rc = oups_loop_begin(loop, &src);
    oups_table *chunk, *out[2];
    while (rc == 0 && (rc = oups_loop_next(loop, &chunk)) == 1) {
        rc = 0;
        acc += oups_table_num_rows(chunk);
        c.calls++;
        oups_table_free(last);
        last = oups_table_retain(chunk);
        oups_table *in[2] = {chunk, chunk};
        rc = oups_loop_buffer(out, loop, 0, in, 2, 100);
        if (rc == OUPS_SKIP) rc = 0;
        else if (rc == 0) {
            oups_table_free(out[0]);
            oups_table_free(out[1]);
        }
    }
    *acc_seen = acc;
    oups_loop_free(loop);
    oups_table_free(last);
    oups_mem_free(restored_name);
    for (int i = 0; i < 6; i++) oups_table_free(chunks[i]);
    return rc;
}

/* The stored acc (-1 if there is no file); fails the test on a damaged file. */
static int64_t stored_acc(void) {
    if (!lt_exists(path)) return -1;
    oups_loop *loop;
    int64_t acc = -2;
    oups_state_field f = {"acc", OUPS_STATE_INT64, &acc, NULL};
    if (oups_loop_open(&loop, path, NULL) < 0 || oups_loop_bind(loop, NULL, OUPS_STATE_FUNC, "step", &f, 1) < 0)
        acc = -3;
    oups_loop_free(loop);
    return acc;
}

static void setup(void) {
    lt_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/f.loopstate", dir);
}

TEST(allocation_failures) {
    setup();
    int64_t acc;
    CHECK_OK(run_once(&acc)); /* first run: state 24 */
    CHECK(stored_acc() == 24);
    for (int64_t k = 1;; k++) {
        oups_fault_alloc_after(k, OUPS_FAULT_ONCE);
        int rc = run_once(&acc);
        int64_t failed = oups_fault_alloc_off();
        int64_t now = stored_acc();
        if (rc < 0) {
            CHECK(failed == 1);
            CHECK(now == 24 * (now / 24) && now >= 24); /* previous or a completed state */
        } else if (failed == 0) {
            CHECK(now % 24 == 0 && now > 24);
            printf("  %" PRId64 " allocation points tried\n", k - 1);
            break; /* every allocation of a run was tried */
        }
        CHECK(k < 100000);
    }
    lt_rmdir(dir);
}

TEST(io_failures_and_power_loss) {
    setup();
    int64_t acc;
    CHECK_OK(run_once(&acc));
    for (int mode = OUPS_FAULT_FAIL; mode <= OUPS_FAULT_CRASH; mode++) {
        for (int64_t k = 1;; k++) {
            int64_t before = stored_acc();
            oups_fault_io_after(k, OUPS_IO_ALL, mode);
            int rc = run_once(&acc);
            int64_t failed = oups_fault_io_off();
            int64_t now = stored_acc();
            /* old or new state, never damaged; a failing directory fsync after the rename
             * reports an error although the new state is in place */
            CHECK(now == before || now == before + 24);
            if (rc == 0) CHECK(now == before + 24);
            if (rc < 0) CHECK(failed >= 1);
            if (failed == 0) {
                CHECK_OK(rc);
                break;
            }
            CHECK(k < 10000);
        }
    }
    lt_rmdir(dir);
}

RUN_TESTS("loop.fault", allocation_failures, io_failures_and_power_loss)
