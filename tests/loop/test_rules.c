// labels: quick
/*
 * tests/loop/test_rules.c: the reference rules of stateful_loop.md one by one: construction
 * defaults, look-ahead counters (§5.2), empty and one-item sources, persistence only at the end
 * (§4.3, §5.3), resume precedence (§9), key naming, orphaned entries, bind errors, typed slots,
 * object state, locking.
 */
#include <math.h>

#include "loop/loop_test.h"

static char dir[64], path[128];

static void setup(void) {
    lt_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/job.loopstate", dir);
}

TEST(construction_defaults) {
    setup();
    oups_loop *loop;
    CHECK_OK(oups_loop_open(&loop, path, NULL));
    CHECK(strcmp(oups_loop_path(loop), path) == 0);
    CHECK(!oups_loop_resumed(loop));
    CHECK(oups_loop_iteration(loop) == -1);
    CHECK(!oups_loop_is_last(loop));
    CHECK(oups_loop_default_memory_limit(loop) == 314572800);
    CHECK(!lt_exists(path)); /* nothing written at construction */
    oups_loop_free(loop);
    oups_loop_options o = OUPS_LOOP_OPTIONS_INIT;
    o.version = 99;
    CHECK_RC(oups_loop_open(&loop, path, &o), OUPS_EINVAL);
    CHECK(loop == NULL);
    lt_rmdir(dir);
}

TEST(lookahead_counters) {
    setup();
    oups_loop *loop;
    lt_counting s = {3, 2, 0, -1, false};
    oups_source src = lt_counting_source(&s);
    CHECK_OK(oups_loop_open(&loop, path, NULL));
    CHECK_OK(oups_loop_begin(loop, &src));
    CHECK(s.pulled == 0); /* lazy */
    oups_table *chunk;
    int rc, k = 0;
    static const int pulled[] = {2, 3, 3};
    while ((rc = oups_loop_next(loop, &chunk)) == 1) {
        CHECK(oups_loop_iteration(loop) == k);
        CHECK(oups_loop_is_last(loop) == (k == 2));
        CHECK(s.pulled == pulled[k]);
        CHECK(chunk && lt_ts(chunk, 0) == 2 * k);
        CHECK(oups_loop_chunk(loop, 0) == chunk && oups_loop_chunk(loop, 1) == NULL);
        k++;
    }
    CHECK_RC(rc, 0);
    CHECK(k == 3);
    CHECK(oups_loop_is_last(loop)); /* stays true after the pass */
    CHECK(lt_exists(path));
    CHECK_RC(oups_loop_next(loop, &chunk), 0); /* done stays done */
    oups_loop_free(loop);
    CHECK(s.freed);
    lt_rmdir(dir);
}

TEST(one_item_source) {
    setup();
    oups_loop *loop;
    lt_counting s = {1, 1, 0, -1, false};
    oups_source src = lt_counting_source(&s);
    CHECK_OK(oups_loop_open(&loop, path, NULL));
    CHECK_OK(oups_loop_begin(loop, &src));
    oups_table *chunk;
    CHECK_RC(oups_loop_next(loop, &chunk), 1);
    CHECK(oups_loop_iteration(loop) == 0 && oups_loop_is_last(loop));
    CHECK_RC(oups_loop_next(loop, &chunk), 0);
    oups_loop_free(loop);
    lt_rmdir(dir);
}

TEST(empty_source_persists_nothing) {
    setup();
    oups_loop *loop;
    int64_t acc = 5;
    oups_state_field f = {"acc", OUPS_STATE_INT64, &acc, NULL};
    lt_counting s = {0, 1, 0, -1, false};
    oups_source src = lt_counting_source(&s);
    CHECK_OK(oups_loop_open(&loop, path, NULL));
    CHECK_OK(oups_loop_bind(loop, NULL, OUPS_STATE_FUNC, "step", &f, 1));
    CHECK_OK(oups_loop_begin(loop, &src));
    oups_table *chunk;
    CHECK_RC(oups_loop_next(loop, &chunk), 0);
    CHECK(chunk == NULL);
    CHECK(oups_loop_iteration(loop) == -1 && !oups_loop_is_last(loop));
    CHECK(!lt_exists(path));
    oups_loop_free(loop);
    lt_rmdir(dir);
}

/* Run `step`: acc += sum of ts over `n` items of 2 rows; returns the final acc as seen. */
static int run_sum(int64_t *acc_out, int n_items, int64_t initial, int stop_at, int fail_at) {
    oups_loop *loop;
    int64_t acc = initial;
    oups_state_field f = {"acc", OUPS_STATE_INT64, &acc, NULL};
    lt_counting s = {n_items, 2, 0, fail_at, false};
    oups_source src = lt_counting_source(&s);
    int rc = oups_loop_open(&loop, path, NULL);
    if (rc < 0) return rc;
    if ((rc = oups_loop_bind(loop, NULL, OUPS_STATE_FUNC, "step", &f, 1)) == 0 &&
        (rc = oups_loop_begin(loop, &src)) == 0) {
        oups_table *chunk;
        while ((rc = oups_loop_next(loop, &chunk)) == 1) {
            acc += lt_ts(chunk, 0) + lt_ts(chunk, 1);
            if (oups_loop_iteration(loop) == stop_at) break; /* abandoned pass */
        }
    }
    *acc_out = acc;
    oups_loop_free(loop);
    return rc;
}

TEST(persist_at_end_and_resume_precedence) {
    setup();
    int64_t acc;
    CHECK_OK(run_sum(&acc, 3, 0, -1, -1)); /* ts 0..5: 15 */
    CHECK(acc == 15);
    CHECK_OK(run_sum(&acc, 2, 1000, -1, -1)); /* stored 15 wins over 1000; +0+1+2+3 */
    CHECK(acc == 21);
    /* interrupted in a non-last item: nothing written, next run resumes from 21 */
    CHECK_RC(run_sum(&acc, 3, 0, 1, -1), 1);
    CHECK_OK(run_sum(&acc, 1, 0, -1, -1));
    CHECK(acc == 22);
    /* interrupted in the last item: this port drops the quirk, nothing written */
    CHECK_RC(run_sum(&acc, 2, 0, 1, -1), 1);
    CHECK_OK(run_sum(&acc, 1, 0, -1, -1));
    CHECK(acc == 23);
    /* a failing look-ahead pull: item 1 never handed out, nothing persisted */
    CHECK_RC(run_sum(&acc, 5, 0, -1, 2), OUPS_EIO);
    CHECK(strstr(oups_error_last(), "item 2") != NULL);
    CHECK(acc == 23 + 0 + 1); /* only item 0's body ran */
    CHECK_OK(run_sum(&acc, 1, 0, -1, -1));
    CHECK(acc == 24);
    lt_rmdir(dir);
}

TEST(key_naming_and_orphans) {
    setup();
    oups_loop *loop;
    int64_t a = 1, b = 2, c = 3, d = 4;
    oups_state_field fa = {"x", OUPS_STATE_INT64, &a, NULL}, fb = {"x", OUPS_STATE_INT64, &b, NULL};
    oups_state_field fc = {"x", OUPS_STATE_INT64, &c, NULL}, fd = {"x", OUPS_STATE_INT64, &d, NULL};
    lt_counter m = {7, 8};
    const char *k1, *k2, *k3, *k4, *k5;
    CHECK_OK(oups_loop_open(&loop, path, NULL));
    CHECK_OK(oups_loop_bind(loop, &k1, OUPS_STATE_FUNC, "f", &fa, 1));
    CHECK_OK(oups_loop_bind(loop, &k2, OUPS_STATE_FUNC, "f", &fb, 1));
    CHECK_OK(oups_loop_bind_object(loop, &k3, "AsofMerger", &m, &lt_counter_ops));
    CHECK_OK(oups_loop_bind(loop, &k4, OUPS_STATE_FUNC, "x", &fc, 1));
    CHECK_OK(oups_loop_bind(loop, &k5, OUPS_STATE_OBJ, "x", &fd, 1));
    CHECK(strcmp(k1, "func:f#1") == 0 && strcmp(k2, "func:f#2") == 0 && strcmp(k3, "obj:AsofMerger#1") == 0);
    CHECK(strcmp(k4, "func:x#1") == 0 && strcmp(k5, "obj:x#1") == 0);
    CHECK_OK(oups_loop_persist(loop));
    oups_loop_free(loop);

    /* Run 2 binds only func:f#1 and changes it: the other entries are written back unchanged. */
    CHECK_OK(oups_loop_open(&loop, path, NULL));
    CHECK(oups_loop_resumed(loop));
    a = 100;
    CHECK_OK(oups_loop_bind(loop, NULL, OUPS_STATE_FUNC, "f", &fa, 1));
    CHECK(a == 1);
    a = 11;
    CHECK_OK(oups_loop_persist(loop));
    oups_loop_free(loop);

    CHECK_OK(oups_loop_open(&loop, path, NULL));
    a = b = c = d = 0;
    m = (lt_counter){0, 0};
    CHECK_OK(oups_loop_bind(loop, NULL, OUPS_STATE_FUNC, "f", &fa, 1));
    CHECK_OK(oups_loop_bind(loop, NULL, OUPS_STATE_FUNC, "f", &fb, 1));
    CHECK_OK(oups_loop_bind_object(loop, NULL, "AsofMerger", &m, &lt_counter_ops));
    CHECK_OK(oups_loop_bind(loop, NULL, OUPS_STATE_OBJ, "x", &fd, 1)); /* obj:x#1 before func:x#1: fine */
    CHECK_OK(oups_loop_bind(loop, NULL, OUPS_STATE_FUNC, "x", &fc, 1));
    CHECK(a == 11 && b == 2 && c == 3 && d == 4 && m.calls == 7 && m.rows == 8);
    oups_loop_free(loop);
    lt_rmdir(dir);
}

TEST(bind_errors) {
    setup();
    oups_loop *loop;
    int64_t a = 1;
    double x = 2;
    oups_state_field dup[2] = {{"a", OUPS_STATE_INT64, &a, NULL}, {"a", OUPS_STATE_DOUBLE, &x, NULL}};
    oups_state_field noname = {"", OUPS_STATE_INT64, &a, NULL};
    oups_state_field noptr = {"a", OUPS_STATE_INT64, NULL, NULL};
    oups_state_field noops = {"o", OUPS_STATE_OBJECT, &a, NULL};
    CHECK_OK(oups_loop_open(&loop, path, NULL));
    CHECK_RC(oups_loop_bind(loop, NULL, OUPS_STATE_FUNC, "", dup, 1), OUPS_EINVAL);
    CHECK(strstr(oups_error_last(), "no name"));
    CHECK_RC(oups_loop_bind(loop, NULL, OUPS_STATE_FUNC, NULL, dup, 1), OUPS_EINVAL);
    CHECK_RC(oups_loop_bind(loop, NULL, OUPS_STATE_FUNC, "f", dup, 2), OUPS_EINVAL);
    CHECK(strstr(oups_error_last(), "duplicate field name 'a'"));
    CHECK_RC(oups_loop_bind(loop, NULL, OUPS_STATE_FUNC, "f", &noname, 1), OUPS_EINVAL);
    CHECK_RC(oups_loop_bind(loop, NULL, OUPS_STATE_FUNC, "f", &noptr, 1), OUPS_EINVAL);
    CHECK_RC(oups_loop_bind(loop, NULL, OUPS_STATE_FUNC, "f", &noops, 1), OUPS_EINVAL);
    /* failed binds reserve no key */
    const char *key;
    CHECK_OK(oups_loop_bind(loop, &key, OUPS_STATE_FUNC, "f", dup, 1));
    CHECK(strcmp(key, "func:f#1") == 0);
    CHECK_OK(oups_loop_persist(loop));
    oups_loop_free(loop);

    CHECK_OK(oups_loop_open(&loop, path, NULL));
    oups_state_field wrong = {"a", OUPS_STATE_DOUBLE, &x, NULL};
    CHECK_RC(oups_loop_bind(loop, NULL, OUPS_STATE_FUNC, "f", &wrong, 1), OUPS_ESCHEMA);
    CHECK(strstr(oups_error_last(), "func:f#1") && strstr(oups_error_last(), "stored as int64, bound as double"));
    oups_state_field missing = {"b", OUPS_STATE_INT64, &a, NULL};
    CHECK_RC(oups_loop_bind(loop, NULL, OUPS_STATE_FUNC, "f", &missing, 1), OUPS_ENOTFOUND);
    CHECK(strstr(oups_error_last(), "no field 'b'"));
    /* binding after begin */
    lt_counting s = {1, 1, 0, -1, false};
    oups_source src = lt_counting_source(&s);
    CHECK_OK(oups_loop_begin(loop, &src));
    CHECK_RC(oups_loop_bind(loop, NULL, OUPS_STATE_FUNC, "g", dup, 1), OUPS_ESTATE);
    lt_counting s2 = {1, 1, 0, -1, false};
    oups_source src2 = lt_counting_source(&s2);
    CHECK_RC(oups_loop_begin(loop, &src2), OUPS_ESTATE);
    CHECK(s2.freed); /* the source is taken over even on failure */
    oups_loop_free(loop);
    lt_rmdir(dir);
}

TEST(typed_slots_roundtrip) {
    setup();
    oups_loop *loop;
    int64_t i = -42;
    double d = -0.0, nan_v;
    uint64_t nan_bits = 0x7ff8000000001234ULL;
    memcpy(&nan_v, &nan_bits, 8);
    bool flag = true;
    char *str = "hello";
    oups_state_bytes bytes = {"\0\1\2", 3};
    oups_table *tab = lt_table(10, 5), *none = NULL;
    oups_state_field f[] = {{"i", OUPS_STATE_INT64, &i, NULL},      {"d", OUPS_STATE_DOUBLE, &d, NULL},
                            {"nan", OUPS_STATE_DOUBLE, &nan_v, NULL}, {"flag", OUPS_STATE_BOOL, &flag, NULL},
                            {"s", OUPS_STATE_STRING, &str, NULL},     {"b", OUPS_STATE_BYTES, &bytes, NULL},
                            {"t", OUPS_STATE_TABLE, &tab, NULL},      {"none", OUPS_STATE_TABLE, &none, NULL}};
    CHECK_OK(oups_loop_open(&loop, path, NULL));
    CHECK_OK(oups_loop_bind(loop, NULL, OUPS_STATE_FUNC, "all", f, 8));
    CHECK_OK(oups_loop_persist(loop));
    oups_loop_free(loop);
    oups_table *orig = tab;

    i = 0, d = 1, nan_v = 0, flag = false, str = NULL, bytes = (oups_state_bytes){NULL, 0}, tab = NULL;
    CHECK_OK(oups_loop_open(&loop, path, NULL));
    CHECK_OK(oups_loop_bind(loop, NULL, OUPS_STATE_FUNC, "all", f, 8));
    oups_loop_free(loop);
    uint64_t bits;
    memcpy(&bits, &nan_v, 8);
    CHECK(i == -42 && signbit(d) && d == 0 && bits == nan_bits && flag);
    CHECK(str && strcmp(str, "hello") == 0);
    CHECK(bytes.len == 3 && memcmp(bytes.data, "\0\1\2", 3) == 0);
    CHECK(tab && oups_table_equal(tab, orig, NULL, 0) == 1);
    CHECK(none == NULL);
    oups_mem_free(str);
    oups_mem_free(bytes.data);
    oups_table_free(tab);
    oups_table_free(orig);
    lt_rmdir(dir);
}

TEST(empty_store_written_and_missing_parent) {
    setup();
    oups_loop *loop;
    lt_counting s = {2, 1, 0, -1, false};
    oups_source src = lt_counting_source(&s);
    CHECK_OK(oups_loop_open(&loop, path, NULL));
    CHECK_OK(oups_loop_begin(loop, &src));
    oups_table *chunk;
    while (oups_loop_next(loop, &chunk) == 1) {}
    oups_loop_free(loop);
    CHECK(lt_exists(path)); /* marker "completed once" */
    CHECK_OK(oups_loop_open(&loop, path, NULL));
    CHECK(oups_loop_resumed(loop) && oups_loop_items_done(loop) == 2);
    oups_loop_free(loop);

    /* missing parent directory: the lock file cannot be created, reported at open */
    char bad[192];
    snprintf(bad, sizeof bad, "%s/nodir/job.loopstate", dir);
    CHECK(oups_loop_open(&loop, bad, NULL) < 0);
    CHECK(strstr(oups_error_last(), "nodir"));
    lt_rmdir(dir);
}

TEST(lock_second_open_busy) {
    setup();
    oups_loop *a, *b;
    CHECK_OK(oups_loop_open(&a, path, NULL));
    CHECK_RC(oups_loop_open(&b, path, NULL), OUPS_EBUSY);
    CHECK(strstr(oups_error_last(), path));
    oups_loop_options o = OUPS_LOOP_OPTIONS_INIT;
    o.lock_timeout_ms = 30; /* waits, then gives up */
    int rc = oups_loop_open(&b, path, &o);
    CHECK(rc == OUPS_ETIMEOUT || rc == OUPS_EBUSY);
    oups_loop_free(a);
    CHECK_OK(oups_loop_open(&b, path, &o));
    oups_loop_free(b);
    lt_rmdir(dir);
}

TEST(object_bound_twice_and_refreshed) {
    setup();
    oups_loop *loop;
    lt_counter m = {0, 0};
    lt_counting s = {4, 3, 0, -1, false};
    oups_source src = lt_counting_source(&s);
    CHECK_OK(oups_loop_open(&loop, path, NULL));
    CHECK_OK(oups_loop_bind_object(loop, NULL, "Counter", &m, &lt_counter_ops));
    CHECK_OK(oups_loop_bind_object(loop, NULL, "Counter", &m, &lt_counter_ops));
    CHECK_OK(oups_loop_begin(loop, &src));
    oups_table *chunk;
    while (oups_loop_next(loop, &chunk) == 1) {
        m.calls++;
        m.rows += oups_table_num_rows(chunk);
    }
    oups_loop_free(loop);
    lt_counter m1 = {0, 0}, m2 = {0, 0};
    CHECK_OK(oups_loop_open(&loop, path, NULL));
    CHECK_OK(oups_loop_bind_object(loop, NULL, "Counter", &m1, &lt_counter_ops));
    CHECK_OK(oups_loop_bind_object(loop, NULL, "Counter", &m2, &lt_counter_ops));
    CHECK(m1.calls == 4 && m1.rows == 12 && m2.calls == 4 && m2.rows == 12);
    oups_loop_free(loop);
    /* a stored object bound as another type is refused, naming the key */
    CHECK_OK(oups_loop_open(&loop, path, NULL));
    oups_state_field wrong = {"state", OUPS_STATE_INT64, &m1.calls, NULL};
    CHECK_RC(oups_loop_bind(loop, NULL, OUPS_STATE_OBJ, "Counter", &wrong, 1), OUPS_ESCHEMA);
    CHECK(strstr(oups_error_last(), "obj:Counter#1"));
    oups_loop_free(loop);
    lt_rmdir(dir);
}

RUN_TESTS("loop.rules", construction_defaults, lookahead_counters, one_item_source, empty_source_persists_nothing,
          persist_at_end_and_resume_precedence, key_naming_and_orphans, bind_errors, typed_slots_roundtrip,
          empty_store_written_and_missing_parent, lock_second_open_busy, object_bound_twice_and_refreshed)
