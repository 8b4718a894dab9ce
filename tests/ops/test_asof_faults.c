// labels: quick fault
/*
 * tests/ops/test_asof_faults.c: the merger under allocation failures (every allocation of a
 * merge, a save and a load failed in turn: OUPS_ENOMEM, no leak, state unchanged, and the
 * next call succeeds with the one-shot result), and reuse_output never overwriting a result
 * the caller still holds.
 */
#include "asof_fixtures.h"

static oups_asof_merger *mk(bool reuse) {
    const char *prefixes[] = {"L_", "R_"};
    int np = 2;
    oups_asof_merger_options o = OUPS_ASOF_MERGER_OPTIONS_INIT;
    o.on = "ts";
    o.n_dfs_per_group = 1;
    o.prefixes = prefixes;
    o.n_join_positions = 2;
    o.n_prev = &np;
    o.fill = OUPS_ASOF_FILL_NULLS;
    o.reuse_output = reuse;
    oups_asof_merger *m = NULL;
    return oups_asof_merger_new(&m, &o) < 0 ? NULL : m;
}

TEST(oom_merge_save_load) {
    oups_table *g[2] = {tbl(3, "ts", col_i64((int64_t[]){1, 3, 5, 7}, 4), "v", col_f64((double[]){1, 2, 3, 4}, 4),
                            "w", col_f64((double[]){9, 8, 7, 6}, 4)),
                        tbl(3, "ts", col_i64((int64_t[]){2, 4}, 2), "v", col_f64((double[]){5, 6}, 2), "w",
                            col_f64((double[]){1, 1}, 2))};
    oups_column *mc = col_i64((int64_t[]){2, 4, 6, 8}, 4);
    int32_t comb[] = {0, 1, 1, 0, 0, 0, 1, 1};
    oups_asof_merger *ref = mk(false);
    oups_table *expect = NULL;
    CHECK_OK(oups_asof_merger_merge(&expect, ref, mc, g, 2, comb, 2, true));
    uint8_t *blob = NULL;
    size_t len = 0;
    CHECK_OK(oups_asof_merger_save(&blob, &len, ref));
    for (int64_t n = 1;; n++) { /* merge */
        oups_asof_merger *m = mk(false);
        CHECK(m);
        oups_table *r = NULL;
        oups_fault_alloc_after(n, OUPS_FAULT_ONCE);
        int rc = oups_asof_merger_merge(&r, m, mc, g, 2, comb, 2, true);
        int64_t hits = oups_fault_alloc_off();
        if (hits == 0) {
            CHECK_OK(rc);
            CHECK(oups_table_equal(r, expect, NULL, 0));
            oups_table_free(r);
            oups_asof_merger_free(m);
            break;
        }
        CHECK_RC(rc, OUPS_ENOMEM);
        CHECK(!r && !oups_asof_merger_has_state(m));
        CHECK_OK(oups_asof_merger_merge(&r, m, mc, g, 2, comb, 2, true)); /* nothing was half-done */
        CHECK(oups_table_equal(r, expect, NULL, 0));
        oups_table_free(r);
        oups_asof_merger_free(m);
    }
    for (int64_t n = 1;; n++) { /* save and load */
        oups_asof_merger *m = mk(false);
        uint8_t *b2 = NULL;
        size_t l2 = 0;
        oups_fault_alloc_after(n, OUPS_FAULT_ONCE);
        int rc = oups_asof_merger_load(m, blob, len);
        if (rc == 0) rc = oups_asof_merger_save(&b2, &l2, m);
        int64_t hits = oups_fault_alloc_off();
        if (hits == 0) {
            CHECK_OK(rc);
            CHECK(l2 == len && memcmp(b2, blob, len) == 0);
        } else {
            CHECK_RC(rc, OUPS_ENOMEM);
        }
        oups_mem_free(b2);
        oups_asof_merger_free(m);
        if (hits == 0) break;
    }
    oups_mem_free(blob);
    oups_table_free(expect);
    oups_asof_merger_free(ref);
    oups_column_release(mc);
    oups_table_free(g[0]);
    oups_table_free(g[1]);
}

TEST(reuse_output_keeps_held_results) {
    oups_asof_merger *m = mk(true), *plain = mk(false);
    CHECK(m && plain);
    oups_table *g[1] = {tbl_ts_v((int64_t[]){1, 3, 5}, (double[]){1, 2, 3}, 3)};
    oups_table *g2[1] = {tbl_ts_v((int64_t[]){7, 9}, (double[]){4, 5}, 2)};
    oups_column *m1 = col_i64((int64_t[]){2, 4, 6}, 3), *m2 = col_i64((int64_t[]){8, 10, 11}, 3);
    int32_t comb[6] = {0};
    oups_table *a = NULL, *b = NULL, *c = NULL, *ea = NULL, *eb = NULL, *ec = NULL;
    CHECK_OK(oups_asof_merger_merge(&a, m, m1, g, 1, comb, 2, true));
    CHECK_OK(oups_asof_merger_merge(&ea, plain, m1, g, 1, comb, 2, true));
    /* `a` still held: the next result must not share its buffers. */
    CHECK_OK(oups_asof_merger_merge(&b, m, m2, g2, 1, comb, 2, true));
    CHECK_OK(oups_asof_merger_merge(&eb, plain, m2, g2, 1, comb, 2, true));
    CHECK(oups_table_equal(a, ea, NULL, 0) && oups_table_equal(b, eb, NULL, 0));
    const void *b_data = oups_buffer_data(oups_column_buffer(oups_table_column(b, 1), 1));
    oups_table_free(b); /* freed: the next call may write into its buffers */
    CHECK_OK(oups_asof_merger_merge(&c, m, m2, g2, 1, comb, 2, true));
    CHECK_OK(oups_asof_merger_merge(&ec, plain, m2, g2, 1, comb, 2, true));
    CHECK(oups_table_equal(c, ec, NULL, 0));
    CHECK(oups_table_equal(a, ea, NULL, 0));
    int reused = 0;
    for (int k = 1; k < oups_table_num_columns(c); k++)
        reused |= oups_buffer_data(oups_column_buffer(oups_table_column(c, k), 1)) == b_data;
    CHECK(reused);
    oups_table_free(a);
    oups_table_free(c);
    oups_table_free(ea);
    oups_table_free(eb);
    oups_table_free(ec);
    oups_column_release(m1);
    oups_column_release(m2);
    oups_table_free(g[0]);
    oups_table_free(g2[0]);
    oups_asof_merger_free(m);
    oups_asof_merger_free(plain);
}

RUN_TESTS("ops.asof_faults", oom_merge_save_load, reuse_output_keeps_held_results)
