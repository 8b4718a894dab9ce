// labels: quick
/*
 * tests/loop/test_buffer.c: memory-capped buffers (spec §10): the worked examples of §10.4,
 * flush points for various limits, chained and independent buffers, several tables per call,
 * results identical whatever the limit, argument errors.
 */
#include "loop/loop_test.h"

static char dir[64], path[128];

/* Open a loop over n_items tables of `rows` rows (16 bytes a row: 2 x 8-byte columns). */
static int open_run(oups_loop **loop, int n_items, int rows, int64_t default_limit) {
    lt_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/buf.loopstate", dir);
    oups_loop_options o = OUPS_LOOP_OPTIONS_INIT;
    if (default_limit >= 0) o.default_memory_limit = default_limit;
    oups_table **ts = calloc((size_t)n_items + 1, sizeof *ts);
    for (int i = 0; i < n_items; i++) ts[i] = lt_table((int64_t)i * rows, rows);
    oups_source src;
    int rc = oups_loop_open(loop, path, &o);
    if (rc == 0) rc = oups_source_tables(&src, ts, n_items);
    if (rc == 0) rc = oups_loop_begin(*loop, &src);
    for (int i = 0; i < n_items; i++) oups_table_free(ts[i]);
    free(ts);
    return rc;
}

static void close_run(oups_loop *loop) {
    oups_loop_free(loop);
    lt_rmdir(dir);
}

TEST(worked_example_single) {
    oups_loop *loop;
    CHECK_OK(open_run(&loop, 5, 25, -1));
    oups_table *chunk, *out;
    int rc, flushes = 0;
    int64_t flushed_at[2] = {-1, -1}, rows[2] = {0, 0}, first[2] = {0, 0};
    while ((rc = oups_loop_next(loop, &chunk)) == 1) {
        CHECK(oups_table_memory_size(chunk) == 400);
        rc = oups_loop_buffer(&out, loop, 0, &chunk, 1, 1000);
        if (rc == OUPS_SKIP) continue;
        CHECK_OK(rc);
        CHECK(flushes < 2);
        flushed_at[flushes] = oups_loop_iteration(loop);
        rows[flushes] = oups_table_num_rows(out);
        first[flushes] = lt_ts(out, 0);
        flushes++;
        oups_table_free(out);
    }
    CHECK_RC(rc, 0);
    CHECK(flushes == 2 && flushed_at[0] == 2 && flushed_at[1] == 4);
    CHECK(rows[0] == 75 && first[0] == 0 && rows[1] == 50 && first[1] == 75);
    close_run(loop);
}

TEST(worked_example_chained) {
    oups_loop *loop;
    CHECK_OK(open_run(&loop, 5, 25, -1));
    oups_table *chunk, *a, *b;
    int rc, after = 0;
    while ((rc = oups_loop_next(loop, &chunk)) == 1) {
        rc = oups_loop_buffer(&a, loop, 0, &chunk, 1, 1000);
        if (rc == OUPS_SKIP) continue;
        CHECK_OK(rc);
        rc = oups_loop_buffer(&b, loop, 1, &a, 1, 1000000000);
        oups_table_free(a);
        if (rc == OUPS_SKIP) continue;
        CHECK_OK(rc);
        after++;
        CHECK(oups_loop_iteration(loop) == 4);
        CHECK(oups_table_num_rows(b) == 125 && lt_ts(b, 0) == 0 && lt_ts(b, 124) == 124);
        oups_table_free(b);
    }
    CHECK_RC(rc, 0);
    CHECK(after == 1);
    close_run(loop);
}

/* Flush points: with limit L and 400-byte items, a flush happens when the pending count
 * reaches ceil(L/400) items, or at the last item. Every row comes out once, in order. */
TEST(flush_points_and_parity_over_limits) {
    static const int64_t limits[] = {0, 1, 399, 400, 401, 1000, 2000, 4000, INT64_MAX};
    for (size_t li = 0; li < sizeof limits / sizeof limits[0]; li++) {
        oups_loop *loop;
        CHECK_OK(open_run(&loop, 13, 25, -1));
        oups_table *chunk, *out;
        int rc, pending = 0;
        int64_t next_ts = 0, n_flush = 0;
        while ((rc = oups_loop_next(loop, &chunk)) == 1) {
            pending++;
            bool expect = oups_loop_is_last(loop) || (int64_t)pending * 400 >= limits[li];
            rc = oups_loop_buffer(&out, loop, 7, &chunk, 1, limits[li]);
            CHECK(rc == (expect ? 0 : OUPS_SKIP));
            if (rc == OUPS_SKIP) continue;
            CHECK(oups_table_num_rows(out) == 25 * pending);
            for (int64_t r = 0; r < oups_table_num_rows(out); r++) CHECK(lt_ts(out, r) == next_ts++);
            oups_table_free(out);
            pending = 0;
            n_flush++;
        }
        CHECK_RC(rc, 0);
        CHECK(next_ts == 13 * 25);
        if (limits[li] <= 400) CHECK(n_flush == 13);
        if (limits[li] == INT64_MAX) CHECK(n_flush == 1);
        close_run(loop);
    }
}

TEST(default_limit_and_several_tables) {
    oups_loop *loop;
    CHECK_OK(open_run(&loop, 4, 10, 300)); /* default limit 300 bytes; 160 bytes per table */
    oups_table *chunk, *out[3];
    int rc, flushes = 0;
    while ((rc = oups_loop_next(loop, &chunk)) == 1) {
        /* list 1 only gets data in even iterations; list 2 never */
        oups_table *in[3] = {chunk, oups_loop_iteration(loop) % 2 ? NULL : chunk, NULL};
        rc = oups_loop_buffer(out, loop, 0, in, 3, -1);
        if (rc == OUPS_SKIP) continue;
        CHECK_OK(rc);
        flushes++;
        int64_t it = oups_loop_iteration(loop);
        bool ok = out[0] && out[2] == NULL;
        if (it == 0) /* 160 + 160 >= 300 */
            ok = ok && oups_table_num_rows(out[0]) == 10 && out[1] && oups_table_num_rows(out[1]) == 10;
        else if (it == 2) /* items 1 and 2 in list 0, item 2 in list 1: 480 */
            ok = ok && oups_table_num_rows(out[0]) == 20 && out[1] && lt_ts(out[1], 0) == 20;
        else if (it == 3) /* last: list 1 has nothing pending, so no output for it */
            ok = ok && oups_table_num_rows(out[0]) == 10 && out[1] == NULL;
        else
            ok = false;
        for (int k = 0; k < 3; k++) oups_table_free(out[k]);
        CHECK(ok);
        continue;
        for (int k = 0; k < 3; k++) oups_table_free(out[k]);
    }
    CHECK_RC(rc, 0);
    CHECK(flushes == 3);
    close_run(loop);
}

TEST(independent_buffers_same_key) {
    oups_loop *loop;
    CHECK_OK(open_run(&loop, 3, 5, -1));
    oups_table *chunk, *a, *b;
    int rc;
    while ((rc = oups_loop_next(loop, &chunk)) == 1) {
        oups_table *other = lt_table(1000 + oups_loop_iteration(loop), 1);
        rc = oups_loop_buffer(&a, loop, 0, &chunk, 1, INT64_MAX);
        if (rc != OUPS_SKIP) {
            CHECK_OK(rc);
            /* both buffers are reached only at the last item (a Skip ends the body) */
            rc = oups_loop_buffer(&b, loop, 1, &other, 1, INT64_MAX);
            CHECK_OK(rc);
            CHECK(oups_table_num_rows(a) == 15 && oups_table_num_rows(b) == 1 && lt_ts(b, 0) == 1002);
            oups_table_free(a);
            oups_table_free(b);
        }
        oups_table_free(other);
    }
    CHECK_RC(rc, 0);
    close_run(loop);
}

TEST(buffer_errors) {
    oups_loop *loop;
    CHECK_OK(open_run(&loop, 2, 5, -1));
    oups_table *t = lt_table(0, 3), *out[2], *pair[2] = {t, t};
    /* before the loop starts: nothing is last, so the limit alone decides */
    CHECK_RC(oups_loop_buffer(out, loop, 0, &t, 1, 1000), OUPS_SKIP);
    CHECK_RC(oups_loop_buffer(out, loop, 0, pair, 2, 1000), OUPS_EINVAL);
    CHECK(strstr(oups_error_last(), "buffer 0 takes 1 tables"));
    CHECK_RC(oups_loop_buffer(out, loop, -1, &t, 1, 0), OUPS_EINVAL);
    CHECK_RC(oups_loop_buffer(out, loop, 4096, &t, 1, 0), OUPS_EINVAL);
    CHECK_RC(oups_loop_buffer(out, loop, 1, &t, 0, 0), OUPS_EINVAL);
    /* schema mismatch at concat: error, nothing returned */
    oups_table *sel = NULL;
    const char *names[1] = {"ts"};
    CHECK_OK(oups_table_select(&sel, t, names, 1));
    CHECK_RC(oups_loop_buffer(out, loop, 0, &sel, 1, 0), OUPS_ESCHEMA);
    CHECK(out[0] == NULL);
    oups_table_free(sel);
    oups_table_free(t);
    close_run(loop); /* pending tables are released with the loop */
}

/* Random table of n rows: int32 and string with nulls, bool, float64, timestamp; then sliced. */
static oups_table *mixed_table(uint64_t *rng, int64_t n, bool nulls) {
    oups_datatype types[5] = {oups_type(OUPS_TYPE_INT32), oups_type(OUPS_TYPE_STRING), oups_type(OUPS_TYPE_BOOL),
                              oups_type(OUPS_TYPE_FLOAT64), oups_type_timestamp(OUPS_UNIT_NS, "UTC")};
    const char *names[5] = {"i", "s", "b", "f", "ts"};
    oups_column *cols[5] = {0};
    oups_table *t = NULL, *sl = NULL;
    int rc = 0;
    for (int c = 0; c < 5 && rc == 0; c++) {
        oups_builder *b = NULL;
        rc = oups_builder_new(&b, &types[c], n);
        for (int64_t r = 0; r < n + 5 && rc == 0; r++) {
            uint64_t x = test_rand(rng);
            if (nulls && c < 2 && x % 5 == 0) rc = oups_builder_append_null(b);
            else if (c == 0 || c == 4) rc = oups_builder_append_int(b, (int32_t)(x >> 33));
            else if (c == 1) {
                char buf[16];
                int len = (int)(x % 12);
                for (int k = 0; k < len; k++) buf[k] = (char)('a' + (x >> (k * 3)) % 26);
                rc = oups_builder_append_bytes(b, buf, len);
            } else if (c == 2) rc = oups_builder_append_bool(b, x & 1);
            else rc = oups_builder_append_double(b, (double)(int64_t)x / 7.0);
        }
        if (rc == 0) rc = oups_builder_finish(&cols[c], b);
        oups_builder_free(b);
    }
    if (rc == 0) rc = oups_table_new(&t, 5, names, cols);
    if (rc == 0) rc = oups_table_slice(&sl, t, (int64_t)(test_rand(rng) % 6), n); /* odd bit offsets */
    for (int c = 0; c < 5; c++) oups_column_release(cols[c]);
    oups_table_free(t);
    return sl;
}

TEST(accumulated_equals_concat) {
    uint64_t rng = tests_seed();
    lt_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/acc.loopstate", dir);
    for (int round = 0; round < 20; round++) {
        oups_loop *loop;
        CHECK_OK(oups_loop_open(&loop, path, NULL));
        int k = 1 + (int)(test_rand(&rng) % 6);
        oups_table *parts[6], *out = NULL, *want = NULL;
        for (int i = 0; i < k; i++) parts[i] = mixed_table(&rng, (int64_t)(test_rand(&rng) % 40), round % 3 != 0);
        int rc = 0;
        for (int i = 0; i < k && rc >= 0; i++) rc = oups_loop_buffer(&out, loop, 3, &parts[i], 1, i == k - 1 ? 0 : INT64_MAX);
        int crc = oups_table_concat(&want, parts, k);
        bool same = rc == 0 && crc == 0 && out && oups_table_equal(out, want, NULL, 0) == 1 &&
                    oups_table_memory_size(out) == oups_table_memory_size(want);
        for (int i = 0; i < k; i++) oups_table_free(parts[i]);
        oups_table_free(out);
        oups_table_free(want);
        oups_loop_free(loop);
        CHECK(same);
    }
    lt_rmdir(dir);
}

RUN_TESTS("loop.buffer", worked_example_single, worked_example_chained, flush_points_and_parity_over_limits,
          default_limit_and_several_tables, independent_buffers_same_key, buffer_errors, accumulated_equals_concat)
