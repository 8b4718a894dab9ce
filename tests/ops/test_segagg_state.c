// labels: quick fault
/*
 * tests/ops/test_segagg_state.c: the segmented aggregator's state blob: a round trip continues
 * exactly; a foreign, truncated (every length) or damaged (a flipped bit in every byte) blob is
 * OUPS_ECORRUPT and leaves the aggregator unchanged; a blob saved with other options is
 * OUPS_EINVAL; the aggregator persists through the StatefulLoop (oups_segagg_state_ops).
 */
#include <unistd.h>

#include "segagg_fixtures.h"

static const oups_segagg_agg AGGS[] = {{"s", "x", OUPS_AGG_SUM}, {"f", "x", OUPS_AGG_FIRST}, {"n", "x", OUPS_AGG_COUNT}};
static const char *const BY[] = {"g"};

static int new_agg(oups_segagg **a, int64_t minutes, bool grouped) {
    oups_segagg_options o = OUPS_SEGAGG_OPTIONS_INIT;
    o.ordered_on = "ts";
    o.bin_by.kind = OUPS_SEG_TIME;
    o.bin_by.freq_ns = minutes * MIN_NS;
    o.snap_by.kind = OUPS_SEG_TIME;
    o.snap_by.freq_ns = MIN_NS;
    o.aggs = AGGS;
    o.n_aggs = 3;
    if (grouped) {
        o.by = BY;
        o.n_by = 1;
    }
    return oups_segagg_new(a, &o);
}

/* Rows from HM(8, m0) every 40 s, groups g = i % 3, x = i. */
static oups_table *chunk(int m0, int n) {
    int64_t ts[64], g[64];
    double x[64];
    for (int i = 0; i < n; i++) ts[i] = HM(8, m0) + i * 40 * INT64_C(1000000000), g[i] = i % 3, x[i] = i;
    const char *names[] = {"ts", "g", "x"};
    oups_column *cols[] = {col_ts(ts, n), col_i64(g, n), col_f64(x, n)};
    return sa_table(3, names, cols);
}

static int process(oups_segagg *a, oups_table *t) {
    oups_table *b = NULL, *s = NULL;
    int rc = oups_segagg_process(&b, &s, a, t);
    oups_table_free(b);
    oups_table_free(s);
    return rc;
}

TEST(round_trip) {
    oups_segagg *a = NULL, *b = NULL;
    oups_table *t1 = chunk(0, 20), *t2 = chunk(20, 30);
    CHECK_OK(new_agg(&a, 5, true));
    CHECK_OK(new_agg(&b, 5, true));
    uint8_t *blob = NULL, *empty = NULL;
    size_t len = 0, elen = 0;
    CHECK_OK(oups_segagg_save(&empty, &elen, a)); /* before any row: loads as "no state" */
    CHECK_OK(oups_segagg_load(b, empty, elen));
    CHECK(!oups_segagg_has_state(b));
    CHECK_OK(process(a, t1));
    CHECK_OK(oups_segagg_save(&blob, &len, a));
    CHECK_OK(oups_segagg_load(b, blob, len));
    CHECK(oups_segagg_has_state(b));
    oups_table *ba = NULL, *sa = NULL, *bb = NULL, *sb = NULL;
    CHECK_OK(oups_segagg_process(&ba, &sa, a, t2));
    CHECK_OK(oups_segagg_process(&bb, &sb, b, t2));
    CHECK(same_table(ba, bb, "bins after load") && same_table(sa, sb, "snaps after load"));
    oups_table_free(ba);
    oups_table_free(sa);
    oups_table_free(bb);
    oups_table_free(sb);
    oups_mem_free(blob);
    oups_mem_free(empty);
    oups_table_free(t1);
    oups_table_free(t2);
    oups_segagg_free(a);
    oups_segagg_free(b);
}

TEST(damaged_blobs) {
    oups_segagg *a = NULL, *b = NULL;
    oups_table *t1 = chunk(0, 20), *t2 = chunk(3, 5);
    CHECK_OK(new_agg(&a, 5, true));
    CHECK_OK(new_agg(&b, 5, true));
    CHECK_OK(process(a, t1));
    CHECK_OK(process(b, t2));
    uint8_t *blob = NULL, *ref = NULL, *after = NULL;
    size_t len = 0, rlen = 0, alen = 0;
    CHECK_OK(oups_segagg_save(&blob, &len, a));
    CHECK_OK(oups_segagg_save(&ref, &rlen, b));
    uint8_t *copy = malloc(len);
    for (size_t n = 0; n < len; n++) CHECK_RC(oups_segagg_load(b, blob, n), OUPS_ECORRUPT);
    for (size_t i = 0; i < len; i++) {
        memcpy(copy, blob, len);
        copy[i] ^= (uint8_t)(1u << (i % 8));
        CHECK_RC(oups_segagg_load(b, copy, len), OUPS_ECORRUPT);
    }
    static const uint8_t foreign[] = "OUPSASOF\x01\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0";
    CHECK_RC(oups_segagg_load(b, foreign, sizeof foreign), OUPS_ECORRUPT);
    CHECK_OK(oups_segagg_save(&after, &alen, b));
    CHECK(alen == rlen && memcmp(after, ref, rlen) == 0); /* unchanged by every failed load */
    /* saved with other options */
    oups_segagg *c = NULL;
    CHECK_OK(new_agg(&c, 10, true));
    CHECK_RC(oups_segagg_load(c, blob, len), OUPS_EINVAL);
    oups_segagg_free(c);
    CHECK_OK(new_agg(&c, 5, false));
    CHECK_RC(oups_segagg_load(c, blob, len), OUPS_EINVAL);
    oups_segagg_free(c);
    free(copy);
    oups_mem_free(blob);
    oups_mem_free(ref);
    oups_mem_free(after);
    oups_table_free(t1);
    oups_table_free(t2);
    oups_segagg_free(a);
    oups_segagg_free(b);
}

/* A StatefulLoop run binding the aggregator; a second run resumes it from the file. */
static int loop_run(const char *path, oups_table *t, oups_table **bins) {
    oups_loop *loop = NULL;
    oups_segagg *a = NULL;
    oups_source src;
    int rc = oups_loop_open(&loop, path, NULL);
    if (rc == 0) rc = new_agg(&a, 5, true);
    if (rc == 0) rc = oups_loop_bind_object(loop, NULL, "segagg", a, &oups_segagg_state_ops);
    if (rc == 0) rc = oups_source_tables(&src, &t, 1);
    if (rc == 0) rc = oups_loop_begin(loop, &src);
    oups_table *c;
    while (rc == 0 && (rc = oups_loop_next(loop, &c)) == 1) {
        oups_table *s = NULL;
        rc = oups_segagg_process(bins, &s, a, c);
        oups_table_free(s);
    }
    oups_loop_free(loop);
    oups_segagg_free(a);
    return rc;
}

TEST(loop_persistence) {
    char dir[] = "/tmp/oups_segagg_state_XXXXXX", path[256], cmd[300];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/job.loopstate", dir);
    oups_table *t1 = chunk(0, 20), *t2 = chunk(20, 30), *b1 = NULL, *b2 = NULL, *ref = NULL;
    CHECK_OK(loop_run(path, t1, &b1));
    CHECK_OK(loop_run(path, t2, &b2));
    oups_segagg *a = NULL;
    oups_table *x = NULL, *s = NULL;
    CHECK_OK(new_agg(&a, 5, true));
    CHECK_OK(oups_segagg_process(&x, &s, a, t1));
    oups_table_free(x);
    oups_table_free(s);
    CHECK_OK(oups_segagg_process(&ref, &s, a, t2));
    CHECK(same_table(ref, b2, "second loop run vs continued aggregator"));
    oups_table_free(s);
    oups_table_free(ref);
    oups_table_free(b1);
    oups_table_free(b2);
    oups_table_free(t1);
    oups_table_free(t2);
    oups_segagg_free(a);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
}

RUN_TESTS("ops.segagg_state", round_trip, damaged_blobs, loop_persistence)
