// labels: quick
/*
 * tests/ops/test_asof_merger.c: the as-of merger against every worked example of the spec
 * (asof_merger.md §11: values a, b, c, d written as 1, 2, 3, 4), the naming and layout rules
 * (§7), and the errors that replace the reference's quirks (§10).
 */
#include "asof_fixtures.h"

static oups_asof_merger *mk(int n_dfs, const char *const *prefixes, int J, const bool *allow, const int *n_prev,
                            int suffix) {
    oups_asof_merger_options o = OUPS_ASOF_MERGER_OPTIONS_INIT;
    o.on = "ts";
    o.n_dfs_per_group = n_dfs;
    o.prefixes = prefixes;
    o.n_join_positions = J;
    o.allow_exact_matches = allow;
    o.n_prev = n_prev;
    o.n_prev_suffix_start = suffix;
    oups_asof_merger *m = NULL;
    if (oups_asof_merger_new(&m, &o) < 0) return NULL;
    return m;
}

/* One group, one table: merge main against (ts, v). */
static int merge1(oups_table **out, oups_asof_merger *m, const int64_t *main, int64_t nm, const int64_t *ts,
                  const double *v, int64_t n) {
    oups_column *mc = col_i64(main, nm);
    oups_table *t = tbl_ts_v(ts, v, n);
    int rc = oups_asof_merger_merge(out, m, mc, &t, 1, NULL, 0, true);
    oups_column_release(mc);
    oups_table_free(t);
    return rc;
}

static int fill_is(const oups_asof_merger *m, int g, int d, const char *col, const double *expect, int n) {
    oups_table *f = NULL;
    if (oups_asof_merger_fill_block(&f, m, g, d) < 0) return 0;
    int ok = col_is(f, col, expect, n);
    oups_table_free(f);
    return ok;
}

static const int64_t ts3[] = {5, 15, 25};
static const double abc[] = {1, 2, 3};

TEST(example1_2_prev1) {
    for (int allow = 0; allow < 2; allow++) {
        bool al = allow;
        int np = 1;
        oups_asof_merger *m = mk(1, NULL, 0, &al, &np, 0);
        CHECK(m);
        oups_table *r = NULL;
        int64_t main[] = {10, 20, 30};
        CHECK_OK(merge1(&r, m, main, 3, ts3, abc, 3));
        char buf[256];
        CHECK(strcmp(names_of(r, buf, sizeof buf), "ts,v_1,v_0") == 0);
        CHECK(i64_at(r, "ts", 2) == 30);
        CHECK(col_is(r, "v_1", (double[]){0, 1, 2}, 3));
        CHECK(col_is(r, "v_0", (double[]){1, 2, 3}, 3));
        CHECK(fill_is(m, 0, 0, "v", (double[]){2, 3}, 2));
        oups_table_free(r);
        oups_asof_merger_free(m);
    }
}

TEST(example3_exact_ties) {
    int64_t main[] = {5, 15, 25};
    int np = 1;
    bool al = false;
    oups_asof_merger *m = mk(1, NULL, 0, &al, &np, 0);
    oups_table *r = NULL;
    CHECK_OK(merge1(&r, m, main, 3, ts3, abc, 3));
    CHECK(col_is(r, "v_1", (double[]){0, 0, 1}, 3));
    CHECK(col_is(r, "v_0", (double[]){0, 1, 2}, 3));
    CHECK(fill_is(m, 0, 0, "v", (double[]){2, 3}, 2));
    oups_table_free(r);
    oups_asof_merger_free(m);
    al = true;
    m = mk(1, NULL, 0, &al, &np, 0);
    CHECK_OK(merge1(&r, m, main, 3, ts3, abc, 3));
    CHECK(col_is(r, "v_1", (double[]){0, 1, 2}, 3));
    CHECK(col_is(r, "v_0", (double[]){1, 2, 3}, 3));
    oups_table_free(r);
    oups_asof_merger_free(m);
}

TEST(example4_guard_no_prev) {
    int64_t main[] = {10, 20, 30}, ts[] = {15, 25, 35};
    oups_asof_merger *m = mk(1, NULL, 0, NULL, NULL, 0);
    oups_table *r = NULL;
    CHECK_OK(merge1(&r, m, main, 3, ts, abc, 3));
    char buf[256];
    CHECK(strcmp(names_of(r, buf, sizeof buf), "ts,v") == 0);
    CHECK(col_is(r, "v", (double[]){0, 1, 2}, 3));
    CHECK(fill_is(m, 0, 0, "v", (double[]){3}, 1));
    oups_table_free(r);
    oups_asof_merger_free(m);
}

TEST(example5_fill_values_suffix_start) {
    int np = 2;
    oups_table *fill = tbl(1, "v", col_f64((double[]){7, 8, 9}, 3)); /* x, y, z */
    oups_asof_merger_options o = OUPS_ASOF_MERGER_OPTIONS_INIT;
    o.on = "ts";
    o.n_dfs_per_group = 1;
    o.n_prev = &np;
    o.n_prev_suffix_start = 1;
    o.fill = OUPS_ASOF_FILL_VALUES;
    o.fill_values_init = &fill;
    o.n_fill_groups = 1;
    oups_asof_merger *m = NULL;
    CHECK_OK(oups_asof_merger_new(&m, &o));
    oups_table_free(fill); /* the merger keeps its own reference */
    oups_table *r = NULL;
    int64_t main[] = {3, 10, 30};
    CHECK_OK(merge1(&r, m, main, 3, ts3, abc, 3));
    char buf[256];
    CHECK(strcmp(names_of(r, buf, sizeof buf), "ts,v_3,v_2,v_1") == 0);
    CHECK(col_is(r, "v_3", (double[]){7, 8, 1}, 3));
    CHECK(col_is(r, "v_2", (double[]){8, 9, 2}, 3));
    CHECK(col_is(r, "v_1", (double[]){9, 1, 3}, 3));
    CHECK(fill_is(m, 0, 0, "v", (double[]){1, 2, 3}, 3));
    oups_table_free(r);
    oups_asof_merger_free(m);
}

TEST(example6_duplicate_keys) {
    int64_t ts[] = {10, 10, 20}, main[] = {10, 15};
    for (int allow = 0; allow < 2; allow++)
        for (int np = 0; np < 2; np++) {
            bool al = allow;
            oups_asof_merger *m = mk(1, NULL, 0, &al, &np, 0);
            oups_table *r = NULL;
            CHECK_OK(merge1(&r, m, main, 2, ts, abc, 3));
            const char *cur = np ? "v_0" : "v";
            if (allow) CHECK(col_is(r, cur, (double[]){2, 2}, 2));
            else CHECK(col_is(r, cur, (double[]){0, 2}, 2));
            if (np && allow) CHECK(col_is(r, "v_1", (double[]){1, 1}, 2));
            if (np && !allow) CHECK(col_is(r, "v_1", (double[]){0, 1}, 2));
            oups_table_free(r);
            oups_asof_merger_free(m);
        }
}

TEST(example7_two_tables_mixed_types) {
    const char *prefixes[] = {"A_", "B_"};
    bool allow[] = {true, false};
    int np[] = {0, 1};
    oups_asof_merger *m = mk(2, prefixes, 1, allow, np, 0);
    CHECK(m);
    oups_datatype i64 = oups_type(OUPS_TYPE_INT64);
    oups_column *q = NULL, *s = NULL;
    CHECK_OK(oups_column_from_values(&q, &i64, (int64_t[]){7, 8}, 2, NULL));
    CHECK_OK(oups_column_from_values(&s, &i64, (int64_t[]){100, 200, 300}, 3, NULL));
    oups_table *ab[2];
    ab[0] = tbl(4, "ts", col_i64((int64_t[]){10, 20}, 2), "p", col_f64((double[]){1.5, 2.5}, 2), "q", q, "r",
                col_f64((double[]){0.1, 0.2}, 2));
    ab[1] = tbl(2, "ts", col_i64((int64_t[]){12, 18, 22}, 3), "s", s);
    oups_column *mc = col_i64((int64_t[]){15, 20, 25}, 3);
    oups_table *r = NULL;
    CHECK_OK(oups_asof_merger_merge(&r, m, mc, ab, 1, NULL, 0, true));
    char buf[256];
    CHECK(strcmp(names_of(r, buf, sizeof buf), "ts,A_p,A_r,A_q,B_s_1,B_s_0") == 0);
    CHECK(col_is(r, "A_p", (double[]){1.5, 2.5, 2.5}, 3));
    CHECK(col_is(r, "A_r", (double[]){0.1, 0.2, 0.2}, 3));
    CHECK(col_is(r, "A_q", (double[]){7, 8, 8}, 3));
    CHECK(col_is(r, "B_s_1", (double[]){0, 100, 200}, 3));
    CHECK(col_is(r, "B_s_0", (double[]){100, 200, 300}, 3));
    CHECK(oups_column_type(oups_table_column(r, 3))->id == OUPS_TYPE_INT64);
    CHECK(oups_column_type(oups_table_column(r, 2))->id == OUPS_TYPE_FLOAT64);
    CHECK(fill_is(m, 0, 0, "q", (double[]){8}, 1));
    CHECK(fill_is(m, 0, 1, "s", (double[]){200, 300}, 2));
    oups_table_free(r);
    oups_column_release(mc);
    oups_table_free(ab[0]);
    oups_table_free(ab[1]);
    oups_asof_merger_free(m);
}

/* Examples 8 and 9: two groups, two join positions. */
static void run_example8(int np) {
    const char *prefixes[] = {"L_", "R_"};
    oups_asof_merger *m = mk(1, prefixes, 2, NULL, &np, 0);
    CHECK(m);
    oups_table *groups[2];
    groups[0] = tbl_ts_v((int64_t[]){5, 15, 25}, (double[]){1, 2, 3}, 3);
    groups[1] = tbl_ts_v((int64_t[]){12, 18, 28}, (double[]){10, 20, 30}, 3);
    oups_column *mc = col_i64((int64_t[]){10, 10, 20, 30}, 4);
    int32_t comb[] = {0, 1, 1, 0, 0, 0, 1, 0};
    oups_table *r = NULL;
    CHECK_OK(oups_asof_merger_merge(&r, m, mc, groups, 2, comb, 2, true));
    char buf[256];
    if (np == 0) {
        CHECK(strcmp(names_of(r, buf, sizeof buf), "ts,L_v,R_v") == 0);
        CHECK(col_is(r, "L_v", (double[]){1, 0, 2, 30}, 4));
        CHECK(col_is(r, "R_v", (double[]){0, 1, 2, 3}, 4));
        CHECK(fill_is(m, 0, 0, "v", (double[]){3}, 1));
        CHECK(fill_is(m, 1, 0, "v", (double[]){30}, 1));
    } else {
        CHECK(strcmp(names_of(r, buf, sizeof buf), "ts,L_v_1,L_v_0,R_v_1,R_v_0") == 0);
        CHECK(col_is(r, "L_v_1", (double[]){0, 0, 1, 20}, 4));
        CHECK(col_is(r, "L_v_0", (double[]){1, 0, 2, 30}, 4));
        CHECK(col_is(r, "R_v_1", (double[]){0, 0, 1, 2}, 4));
        CHECK(col_is(r, "R_v_0", (double[]){0, 1, 2, 3}, 4));
        CHECK(fill_is(m, 0, 0, "v", (double[]){2, 3}, 2));
        CHECK(fill_is(m, 1, 0, "v", (double[]){20, 30}, 2));
    }
    oups_table_free(r);
    oups_column_release(mc);
    oups_table_free(groups[0]);
    oups_table_free(groups[1]);
    oups_asof_merger_free(m);
}
TEST(example8_combinations) { run_example8(0); }
TEST(example9_combinations_prev1) { run_example8(1); }

TEST(example10_iterative) {
    int np = 1;
    oups_asof_merger *m = mk(1, NULL, 0, NULL, &np, 0);
    oups_table *r = NULL;
    CHECK_OK(merge1(&r, m, (int64_t[]){10, 20}, 2, (int64_t[]){5, 15}, (double[]){1, 2}, 2));
    CHECK(col_is(r, "v_1", (double[]){0, 1}, 2));
    CHECK(col_is(r, "v_0", (double[]){1, 2}, 2));
    oups_table_free(r);
    CHECK_OK(merge1(&r, m, (int64_t[]){22, 30, 40}, 3, (int64_t[]){25, 35}, (double[]){3, 4}, 2));
    CHECK(col_is(r, "v_1", (double[]){1, 2, 3}, 3));
    CHECK(col_is(r, "v_0", (double[]){2, 3, 4}, 3));
    CHECK(fill_is(m, 0, 0, "v", (double[]){3, 4}, 2));
    oups_table_free(r);
    oups_asof_merger_free(m);
}

TEST(example11_rows_beyond_targets) {
    int np = 2;
    oups_asof_merger *m = mk(1, NULL, 0, NULL, &np, 0);
    oups_table *r = NULL;
    CHECK_OK(merge1(&r, m, (int64_t[]){10}, 1, (int64_t[]){5, 15}, (double[]){1, 2}, 2));
    CHECK(col_is(r, "v_2", (double[]){0}, 1) && col_is(r, "v_1", (double[]){0}, 1) && col_is(r, "v_0", (double[]){1}, 1));
    CHECK(fill_is(m, 0, 0, "v", (double[]){0, 1, 2}, 3));
    oups_table_free(r);
    CHECK_OK(merge1(&r, m, (int64_t[]){20}, 1, (int64_t[]){25}, (double[]){3}, 1));
    CHECK(col_is(r, "v_2", (double[]){0}, 1) && col_is(r, "v_1", (double[]){1}, 1) && col_is(r, "v_0", (double[]){2}, 1));
    CHECK(fill_is(m, 0, 0, "v", (double[]){1, 2, 3}, 3));
    oups_table_free(r);
    oups_asof_merger_free(m);
}

TEST(example12_empty_chunk) {
    oups_asof_merger *m = mk(1, NULL, 0, NULL, NULL, 0);
    oups_table *r = NULL;
    CHECK_OK(merge1(&r, m, (int64_t[]){10, 20}, 2, (int64_t[]){5, 15}, (double[]){1, 2}, 2));
    CHECK(col_is(r, "v", (double[]){1, 2}, 2));
    oups_table_free(r);
    CHECK_OK(merge1(&r, m, (int64_t[]){30, 40}, 2, NULL, NULL, 0));
    CHECK(col_is(r, "v", (double[]){2, 2}, 2));
    CHECK(fill_is(m, 0, 0, "v", (double[]){2}, 1));
    oups_table_free(r);
    CHECK_OK(merge1(&r, m, (int64_t[]){50}, 1, (int64_t[]){45}, (double[]){3}, 1));
    CHECK(col_is(r, "v", (double[]){3}, 1));
    oups_table_free(r);
    /* Empty main (an extension): no rows, the fill still advances. */
    CHECK_OK(merge1(&r, m, NULL, 0, (int64_t[]){55}, (double[]){4}, 1));
    CHECK(oups_table_num_rows(r) == 0 && fill_is(m, 0, 0, "v", (double[]){4}, 1));
    oups_table_free(r);
    oups_asof_merger_free(m);
}

/* §7.2/§7.3 counts: J = 2, n_prev = [3, 1] gives 1 + 2 * (4 + 2) = 13 columns. */
TEST(layout_column_count) {
    const char *prefixes[] = {"a_", "b_", "c_", "d_"};
    int np[] = {3, 1};
    oups_asof_merger *m = mk(2, prefixes, 2, NULL, np, 0);
    oups_table *g[2] = {tbl_ts_v((int64_t[]){1}, (double[]){1}, 1), tbl(2, "ts", col_i64((int64_t[]){1}, 1), "w", col_f64((double[]){2}, 1))};
    oups_column *mc = col_i64((int64_t[]){2, 3}, 2);
    int32_t comb[] = {0, 0, 0, 0};
    oups_table *r = NULL;
    CHECK_OK(oups_asof_merger_merge(&r, m, mc, g, 1, comb, 2, false));
    char buf[512];
    CHECK(oups_table_num_columns(r) == 13);
    CHECK(strcmp(names_of(r, buf, sizeof buf),
                 "ts,a_v_3,a_v_2,a_v_1,a_v_0,b_w_1,b_w_0,c_v_3,c_v_2,c_v_1,c_v_0,d_w_1,d_w_0") == 0);
    CHECK(f64_at(r, "c_v_0", 1) == 1 && f64_at(r, "d_w_0", 0) == 2 && f64_at(r, "d_w_1", 0) == 0);
    oups_table_free(r);
    oups_column_release(mc);
    oups_table_free(g[0]);
    oups_table_free(g[1]);
    oups_asof_merger_free(m);
}

TEST(errors_instead_of_quirks) {
    oups_table *g[2] = {tbl_ts_v((int64_t[]){5, 15}, (double[]){1, 2}, 2), tbl_ts_v((int64_t[]){6}, (double[]){3}, 1)};
    oups_column *mc = col_i64((int64_t[]){10, 20}, 2);
    oups_table *r = NULL;
    /* Duplicate output names (Example 8 with prefixes = None): an error, nothing computed. */
    oups_asof_merger *m = mk(1, NULL, 0, NULL, NULL, 0);
    int32_t comb[] = {0, 1, 1, 0};
    CHECK_RC(oups_asof_merger_merge(&r, m, mc, g, 2, comb, 2, false), OUPS_EINVAL);
    CHECK(strstr(oups_error_last(), "'v'") != NULL);
    CHECK(!r && !oups_asof_merger_has_state(m));
    oups_asof_merger_free(m);
    /* Group index out of range: message names the row and position. */
    const char *pre[] = {"L_", "R_"};
    m = mk(1, pre, 2, NULL, NULL, 0);
    int32_t bad[] = {0, 1, 0, 2};
    CHECK_RC(oups_asof_merger_merge(&r, m, mc, g, 2, bad, 2, false), OUPS_EINVAL);
    CHECK(strstr(oups_error_last(), "[1][1]") != NULL);
    bad[3] = -1;
    CHECK_RC(oups_asof_merger_merge(&r, m, mc, g, 2, bad, 2, false), OUPS_EINVAL);
    CHECK(!oups_asof_merger_has_state(m));
    /* J differs from the prefixes. */
    CHECK_RC(oups_asof_merger_merge(&r, m, mc, g, 2, comb, 1, false), OUPS_EINVAL);
    CHECK_OK(oups_asof_merger_merge(&r, m, mc, g, 2, comb, 2, false));
    oups_table_free(r);
    /* More groups than the first call. */
    oups_table *g3[3] = {g[0], g[1], g[1]};
    CHECK_RC(oups_asof_merger_merge(&r, m, mc, g3, 3, comb, 2, false), OUPS_EINVAL);
    /* Later call with other columns: extra, missing, retyped. */
    oups_table *other = tbl(3, "ts", col_i64((int64_t[]){1}, 1), "v", col_f64((double[]){1}, 1), "x",
                            col_f64((double[]){1}, 1));
    oups_table *g2[2] = {g[0], other};
    CHECK_RC(oups_asof_merger_merge(&r, m, mc, g2, 2, comb, 2, false), OUPS_ESCHEMA);
    oups_table_free(other);
    other = tbl(2, "ts", col_i64((int64_t[]){1}, 1), "v", col_i64((int64_t[]){1}, 1));
    g2[1] = other;
    CHECK_RC(oups_asof_merger_merge(&r, m, mc, g2, 2, comb, 2, false), OUPS_ESCHEMA);
    CHECK(strstr(oups_error_last(), "group 1, table 0") != NULL);
    oups_table_free(other);
    other = tbl(2, "tz", col_i64((int64_t[]){1}, 1), "v", col_f64((double[]){1}, 1));
    g2[1] = other;
    CHECK_RC(oups_asof_merger_merge(&r, m, mc, g2, 2, comb, 2, false), OUPS_ENOTFOUND);
    oups_table_free(other);
    /* Unsorted input with check_sorted: main, then a table; without it, no check. */
    oups_column *um = col_i64((int64_t[]){20, 10}, 2);
    CHECK_RC(oups_asof_merger_merge(&r, m, um, g, 2, comb, 2, true), OUPS_EUNORDERED);
    CHECK(strstr(oups_error_last(), "main") != NULL);
    other = tbl_ts_v((int64_t[]){9, 3}, (double[]){1, 2}, 2);
    g2[1] = other;
    CHECK_RC(oups_asof_merger_merge(&r, m, mc, g2, 2, comb, 2, true), OUPS_EUNORDERED);
    CHECK(strstr(oups_error_last(), "group 1, table 0") != NULL);
    oups_table_free(other);
    oups_column_release(um);
    /* Main of another key type. */
    oups_datatype i32 = oups_type(OUPS_TYPE_INT32);
    oups_column *m32 = NULL;
    CHECK_OK(oups_column_from_values(&m32, &i32, (int32_t[]){1, 2}, 2, NULL));
    CHECK_RC(oups_asof_merger_merge(&r, m, m32, g, 2, comb, 2, false), OUPS_ESCHEMA);
    oups_column_release(m32);
    /* The failures left the fill blocks alone. */
    CHECK(fill_is(m, 0, 0, "v", (double[]){2}, 1) && fill_is(m, 1, 0, "v", (double[]){3}, 1));
    oups_asof_merger_free(m);
    /* Bad options. */
    oups_asof_merger_options o = OUPS_ASOF_MERGER_OPTIONS_INIT;
    CHECK_RC(oups_asof_merger_new(&m, &o), OUPS_EINVAL);
    o.on = "ts";
    CHECK_RC(oups_asof_merger_new(&m, &o), OUPS_EINVAL);
    o.n_dfs_per_group = 1;
    int neg = -1;
    o.n_prev = &neg;
    CHECK_RC(oups_asof_merger_new(&m, &o), OUPS_EINVAL);
    o.n_prev = NULL;
    o.fill = OUPS_ASOF_FILL_VALUES;
    CHECK_RC(oups_asof_merger_new(&m, &o), OUPS_EINVAL);
    oups_column_release(mc);
    oups_table_free(g[0]);
    oups_table_free(g[1]);
}

TEST(fill_values_init_checks) {
    int np = 1;
    oups_table *fill = tbl(1, "v", col_f64((double[]){7, 8, 9}, 3)); /* 3 rows, needs 2 */
    oups_asof_merger_options o = OUPS_ASOF_MERGER_OPTIONS_INIT;
    o.on = "ts";
    o.n_dfs_per_group = 1;
    o.n_prev = &np;
    o.fill = OUPS_ASOF_FILL_VALUES;
    o.fill_values_init = &fill;
    o.n_fill_groups = 1;
    oups_asof_merger *m = NULL;
    CHECK_OK(oups_asof_merger_new(&m, &o));
    oups_table *r = NULL;
    CHECK_RC(merge1(&r, m, (int64_t[]){1}, 1, (int64_t[]){0}, (double[]){1}, 1), OUPS_EINVAL);
    oups_asof_merger_free(m);
    oups_table_free(fill);
    fill = tbl(2, "ts", col_i64((int64_t[]){0, 0}, 2), "w", col_f64((double[]){7, 8}, 2));
    o.fill_values_init = &fill;
    CHECK_OK(oups_asof_merger_new(&m, &o));
    CHECK_RC(merge1(&r, m, (int64_t[]){1}, 1, (int64_t[]){0}, (double[]){1}, 1), OUPS_ESCHEMA);
    oups_asof_merger_free(m);
    oups_table_free(fill);
    /* `on` in the fill table is ignored. */
    fill = tbl(2, "ts", col_i64((int64_t[]){0, 0}, 2), "v", col_f64((double[]){7, 8}, 2));
    o.fill_values_init = &fill;
    CHECK_OK(oups_asof_merger_new(&m, &o));
    CHECK_OK(merge1(&r, m, (int64_t[]){1}, 1, (int64_t[]){5}, (double[]){1}, 1));
    CHECK(col_is(r, "v_1", (double[]){7}, 1) && col_is(r, "v_0", (double[]){8}, 1));
    oups_table_free(r);
    oups_asof_merger_free(m);
    oups_table_free(fill);
}

/* A long window (more slots than the gathers keep on the stack), over two calls. */
TEST(long_window) {
    int np = 70;
    oups_asof_merger *m = mk(1, NULL, 0, NULL, &np, 0);
    int64_t ts[100], main[2] = {1000, 2000};
    double v[100];
    for (int i = 0; i < 100; i++) {
        ts[i] = i * 10;
        v[i] = i + 1;
    }
    oups_table *r = NULL;
    CHECK_OK(merge1(&r, m, main, 1, ts, v, 50)); /* rows 0..49, all before 1000 */
    CHECK(oups_table_num_columns(r) == 1 + 71);
    CHECK(f64_at(r, "v_0", 0) == 50 && f64_at(r, "v_49", 0) == 1 && f64_at(r, "v_50", 0) == 0);
    oups_table_free(r);
    CHECK_OK(merge1(&r, m, main + 1, 1, ts + 50, v + 50, 50));
    CHECK(f64_at(r, "v_0", 0) == 100 && f64_at(r, "v_70", 0) == 30);
    oups_table *f = NULL;
    CHECK_OK(oups_asof_merger_fill_block(&f, m, 0, 0));
    CHECK(oups_table_num_rows(f) == 71 && f64_at(f, "v", 0) == 30 && f64_at(f, "v", 70) == 100);
    oups_table_free(f);
    oups_table_free(r);
    oups_asof_merger_free(m);
}

RUN_TESTS("ops.asof_merger", example1_2_prev1, example3_exact_ties, example4_guard_no_prev,
          example5_fill_values_suffix_start, example6_duplicate_keys, example7_two_tables_mixed_types,
          example8_combinations, example9_combinations_prev1, example10_iterative, example11_rows_beyond_targets,
          example12_empty_chunk, layout_column_count, errors_instead_of_quirks, fill_values_init_checks, long_window)
