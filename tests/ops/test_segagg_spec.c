// labels: quick
/*
 * tests/ops/test_segagg_spec.c: the segmented aggregator against the worked examples of the
 * spec (segmented_aggregation.md §8: S02, S08, S11, S12, S16, S17, S23) and its rules (row-count
 * bins §2.4, explicit points §2.3, the user segmenter contract §2.5, the grid origin fix of
 * §2.2, null rules, groups, errors leaving the state unchanged).
 */
#include "ops/segagg.h"
#include "segagg_fixtures.h"

static const double N = NAN;

/* DS9 of the spec. */
static oups_table *ds9(void) {
    int64_t ts[9] = {HM(8, 10), HM(8, 10), HM(8, 12), HM(8, 17), HM(8, 19), HM(8, 20), HM(9, 0), HM(9, 10), HM(9, 30)};
    double value[9] = {4.0, 4.2, 3.9, 5.6, 6.0, 9.8, 4.5, 1.1, 3.2};
    int64_t qty[9] = {4, 3, 1, 7, 2, 6, 2, 8, 1};
    const char *names[] = {"dti", "value", "qty"};
    oups_column *cols[] = {col_ts(ts, 9), col_f64(value, 9), col_i64(qty, 9)};
    return sa_table(3, names, cols);
}

static oups_segmenter grid(int64_t minutes, bool right, bool label_right) {
    oups_segmenter s = {.kind = OUPS_SEG_TIME};
    s.freq_ns = minutes * MIN_NS;
    s.closed_right = right;
    s.label_right = label_right;
    return s;
}

static int new_agg(oups_segagg **a, const char *on, oups_segmenter bin, oups_segmenter snap, const oups_segagg_agg *aggs,
                   int n_aggs) {
    oups_segagg_options o = OUPS_SEGAGG_OPTIONS_INIT;
    o.ordered_on = on;
    o.bin_by = bin;
    o.snap_by = snap;
    o.aggs = aggs;
    o.n_aggs = n_aggs;
    return oups_segagg_new(a, &o);
}

static const oups_segmenter NO_SNAP = OUPS_SEGMENTER_INIT;

/* S01 (white-box): the counting primitive with truncation, through the points snapshot
 * segmenter restarting at point 0 (so no leading point is dropped). */
TEST(s01_counting_primitive) {
    static const struct {
        int64_t data[8], n, edges[8], m;
        bool right;
        int64_t counts[8], n_counts;
    } cases[] = {
        {{1, 2, 3, 4, 7, 8, 9}, 7, {2, 5, 6, 7, 8}, 5, true, {2, 4, 4, 5, 6}, 5},
        {{1, 2, 3, 4, 7, 8, 9}, 7, {2, 5, 6, 7, 8}, 5, false, {1, 4, 4, 4, 5}, 5},
        {{1, 2, 3, 4, 7, 8, 9}, 7, {50, 60, 70, 88}, 4, false, {7}, 1},
        {{10, 22, 32}, 3, {5, 6, 7, 8}, 4, false, {0, 0, 0, 0}, 4},
        {{5, 5, 6}, 3, {5, 6, 7, 8}, 4, false, {0, 2, 3}, 3},
        {{5, 5, 6}, 3, {5, 6, 7, 8}, 4, true, {2, 3}, 2},
        {{5, 5, 7, 7, 7}, 5, {5, 6, 7, 8}, 4, false, {0, 2, 2, 5}, 4},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        oups_segagg a;
        memset(&a, 0, sizeof a);
        a.bin.closed_right = cases[c].right;
        a.snap.kind = OUPS_SEG_POINTS;
        a.snap.points = cases[c].edges;
        a.snap.n_points = cases[c].m;
        sa_group g;
        memset(&g, 0, sizeof g);
        sa_marks out;
        memset(&out, 0, sizeof out);
        CHECK_OK(oups_ops__sa_snaps(&out, &a, cases[c].data, cases[c].n, &g, true));
        bool ok = out.n == cases[c].n_counts;
        for (int64_t k = 0; ok && k < out.n; k++) ok = out.row[k] == cases[c].counts[k];
        bool traversed = cases[c].counts[cases[c].n_counts - 1] == cases[c].n;
        ok = ok && (traversed ? g.snap_key == cases[c].n_counts - 1 : g.snap_key == cases[c].m);
        oups_ops__sa_marks_free(&out);
        if (!ok) fprintf(stderr, "  S01 case %zu\n", c);
        CHECK(ok);
    }
}

/* S02: time grid labels and end rows (as counts per bin) for the seven cases of the spec. */
TEST(s02_time_grid) {
    static const struct {
        int m[3];
        bool right, lr;
        int n_bins;
        int64_t labels[2];
        int64_t counts[2];
    } cases[] = {
        {{0, 4, 5}, false, false, 2, {HM(8, 0), HM(8, 5)}, {2, 1}},
        {{0, 3, 4}, false, false, 1, {HM(8, 0)}, {3}},
        {{1, 3, 5}, false, false, 2, {HM(8, 0), HM(8, 5)}, {2, 1}},
        {{0, 3, 5}, false, true, 2, {HM(8, 5), HM(8, 10)}, {2, 1}},
        {{0, 4, 5}, true, false, 2, {HM(7, 55), HM(8, 0)}, {1, 2}},
        {{1, 3, 4}, true, false, 1, {HM(8, 0)}, {3}},
        {{0, 4, 5}, true, true, 2, {HM(8, 0), HM(8, 5)}, {1, 2}},
    };
    oups_segagg_agg aggs[] = {{"n", "v", OUPS_AGG_COUNT}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        int64_t ts[3], v[3] = {1, 2, 3};
        for (int i = 0; i < 3; i++) ts[i] = HM(8, cases[c].m[i]);
        const char *names[] = {"ts", "v"};
        oups_column *cols[] = {col_ts(ts, 3), col_i64(v, 3)};
        oups_table *t = sa_table(2, names, cols), *bins = NULL;
        oups_segagg *a = NULL;
        CHECK_OK(new_agg(&a, "ts", grid(5, cases[c].right, cases[c].lr), NO_SNAP, aggs, 1));
        CHECK_OK(oups_segagg_process(&bins, NULL, a, t));
        CHECK(check_i(bins, "ts", cases[c].labels, cases[c].n_bins) == 0);
        CHECK(check_i(bins, "n", cases[c].counts, cases[c].n_bins) == 0);
        oups_table_free(bins);
        oups_table_free(t);
        oups_segagg_free(a);
    }
}

/* A user segmenter returning fixed end rows (S08) with labels 0, 1, 2, ... */
typedef struct fixed_bins {
    const int64_t *rows;
    int64_t n;
} fixed_bins;

static int fixed_fn(oups_segagg_bins *out, const int64_t *on, int64_t n_rows, uint8_t state[OUPS_SEGAGG_USER_STATE],
                    bool restarting, void *user) {
    (void)on, (void)n_rows, (void)state, (void)restarting;
    const fixed_bins *f = user;
    if (out->cap < f->n) {
        out->n = f->n;
        return OUPS_EOVERFLOW;
    }
    for (int64_t i = 0; i < f->n; i++) {
        out->next_starts[i] = f->rows[i];
        out->labels[i] = i;
        out->ends[i] = i;
    }
    out->n = f->n;
    return 0;
}

/* S08: bins with empty bins, through a user segmenter (also exercises the capacity retry). */
TEST(s08_kernel_empty_bins) {
    int64_t on[6] = {0, 1, 2, 3, 4, 5};
    double val[6] = {1, 4, 3, 7, 2, 6};
    const char *names[] = {"k", "x"};
    oups_column *cols[] = {col_i64(on, 6), col_f64(val, 6)};
    oups_table *t = sa_table(2, names, cols);
    oups_segagg_agg aggs[] = {{"first", "x", OUPS_AGG_FIRST}, {"last", "x", OUPS_AGG_LAST}, {"min", "x", OUPS_AGG_MIN},
                              {"max", "x", OUPS_AGG_MAX},     {"sum", "x", OUPS_AGG_SUM}};
    static const int64_t rows1[] = {0, 0, 3, 3, 5, 5, 6}, rows2[] = {3, 5, 6};
    fixed_bins fb[2] = {{rows1, 7}, {rows2, 3}};
    static const double exp1[5][7] = {{N, N, 1, N, 7, N, 6}, {N, N, 3, N, 2, N, 6}, {N, N, 1, N, 2, N, 6},
                                      {N, N, 4, N, 7, N, 6}, {N, N, 8, N, 9, N, 6}};
    static const double exp2[5][3] = {{1, 7, 6}, {3, 2, 6}, {1, 2, 6}, {4, 7, 6}, {8, 9, 6}};
    for (int c = 0; c < 2; c++) {
        oups_segmenter s = {.kind = OUPS_SEG_CALLBACK};
        s.fn = fixed_fn;
        s.user = &fb[c];
        oups_segagg *a = NULL;
        oups_table *bins = NULL;
        CHECK_OK(new_agg(&a, "k", s, NO_SNAP, aggs, 5));
        CHECK_OK(oups_segagg_process(&bins, NULL, a, t));
        for (int k = 0; k < 5; k++) CHECK(check_f(bins, aggs[k].name, c ? exp2[k] : exp1[k], c ? 3 : 7) == 0);
        oups_table_free(bins);
        oups_segagg_free(a);
    }
    oups_table_free(t);
}

/* S11: mixed dtypes, 5min bins left/left. */
TEST(s11_mixed_dtypes) {
    int64_t ts[5] = {HM(8, 0), HM(8, 5), HM(8, 8), HM(8, 12), HM(8, 14)};
    double f1[5] = {2, 4, 5, 8, 9}, f2[5] = {20, 40, 50, 80, 90};
    int64_t i3[5] = {1, 3, 6, 7, 9}, i4[5] = {10, 30, 60, 70, 90};
    const char *names[] = {"dti", "f1", "f2", "i3", "i4"};
    oups_column *cols[] = {col_ts(ts, 5), col_f64(f1, 5), col_f64(f2, 5), col_i64(i3, 5), col_i64(i4, 5)};
    oups_table *t = sa_table(5, names, cols), *bins = NULL;
    oups_segagg_agg aggs[] = {{"first_f", "f1", OUPS_AGG_FIRST}, {"sum_f", "f1", OUPS_AGG_SUM},
                              {"last_f", "f2", OUPS_AGG_LAST},   {"min_i", "i3", OUPS_AGG_MIN},
                              {"max_i", "i4", OUPS_AGG_MAX},     {"first_d", "dti", OUPS_AGG_FIRST}};
    oups_segagg *a = NULL;
    CHECK_OK(new_agg(&a, "dti", grid(5, false, false), NO_SNAP, aggs, 6));
    CHECK_OK(oups_segagg_process(&bins, NULL, a, t));
    int64_t labels[3] = {HM(8, 0), HM(8, 5), HM(8, 10)}, min_i[3] = {1, 3, 7}, max_i[3] = {10, 60, 90},
            first_d[3] = {HM(8, 0), HM(8, 5), HM(8, 12)};
    double first_f[3] = {2, 4, 8}, sum_f[3] = {2, 9, 17}, last_f[3] = {20, 50, 90};
    CHECK(check_i(bins, "dti", labels, 3) == 0);
    CHECK(check_f(bins, "first_f", first_f, 3) == 0);
    CHECK(check_f(bins, "sum_f", sum_f, 3) == 0);
    CHECK(check_f(bins, "last_f", last_f, 3) == 0);
    CHECK(check_i(bins, "min_i", min_i, 3) == 0);
    CHECK(check_i(bins, "max_i", max_i, 3) == 0);
    CHECK(check_i(bins, "first_d", first_d, 3) == 0);
    CHECK(oups_column_type(oups_table_column(bins, 6))->id == OUPS_TYPE_TIMESTAMP);
    CHECK(oups_column_type(oups_table_column(bins, 4))->id == OUPS_TYPE_INT64);
    oups_table_free(bins);
    oups_table_free(t);
    oups_segagg_free(a);
}

static const oups_segagg_agg ds9_aggs[] = {{"first", "value", OUPS_AGG_FIRST}, {"max", "value", OUPS_AGG_MAX},
                                           {"min", "value", OUPS_AGG_MIN},     {"last", "value", OUPS_AGG_LAST},
                                           {"sum", "qty", OUPS_AGG_SUM},       {"ts_first", "dti", OUPS_AGG_FIRST}};

/* S12: 30min bins + 5min snapshots (closed left, labels right), DS9, one call. */
TEST(s12_bins_and_snapshots) {
    oups_table *t = ds9(), *bins = NULL, *snaps = NULL;
    oups_segagg *a = NULL;
    CHECK_OK(new_agg(&a, "dti", grid(30, false, true), grid(5, false, true), ds9_aggs, 6));
    CHECK_OK(oups_segagg_process(&bins, &snaps, a, t));
    int64_t bl[4] = {HM(8, 30), HM(9, 0), HM(9, 30), HM(10, 0)}, bsum[4] = {23, NUL_I, 10, 1},
            bts[4] = {HM(8, 10), NUL_I, HM(9, 0), HM(9, 30)};
    double bfirst[4] = {4.0, N, 4.5, 3.2}, bmax[4] = {9.8, N, 4.5, 3.2}, bmin[4] = {3.9, N, 1.1, 3.2},
           blast[4] = {9.8, N, 1.1, 3.2};
    CHECK(check_i(bins, "dti", bl, 4) == 0);
    CHECK(check_f(bins, "first", bfirst, 4) == 0);
    CHECK(check_f(bins, "max", bmax, 4) == 0);
    CHECK(check_f(bins, "min", bmin, 4) == 0);
    CHECK(check_f(bins, "last", blast, 4) == 0);
    CHECK(check_i(bins, "sum", bsum, 4) == 0);
    CHECK(check_i(bins, "ts_first", bts, 4) == 0);
    int64_t sl[17], ssum[17], sts[17];
    double sfirst[17], smax[17], smin[17], slast[17];
    for (int i = 0; i < 17; i++) {
        sl[i] = HM(8, 15) + i * 5 * MIN_NS;
        ssum[i] = NUL_I, sts[i] = NUL_I;
        sfirst[i] = smax[i] = smin[i] = slast[i] = N;
    }
    const struct {
        int i;
        double f, mx, mn, l;
        int64_t s, ts;
    } rows[] = {{0, 4.0, 4.2, 3.9, 3.9, 8, HM(8, 10)},   {1, 4.0, 6.0, 3.9, 6.0, 17, HM(8, 10)},
                {2, 4.0, 9.8, 3.9, 9.8, 23, HM(8, 10)},  {3, 4.0, 9.8, 3.9, 9.8, 23, HM(8, 10)},
                {10, 4.5, 4.5, 4.5, 4.5, 2, HM(9, 0)},   {11, 4.5, 4.5, 4.5, 4.5, 2, HM(9, 0)},
                {12, 4.5, 4.5, 1.1, 1.1, 10, HM(9, 0)},  {13, 4.5, 4.5, 1.1, 1.1, 10, HM(9, 0)},
                {14, 4.5, 4.5, 1.1, 1.1, 10, HM(9, 0)},  {15, 4.5, 4.5, 1.1, 1.1, 10, HM(9, 0)},
                {16, 3.2, 3.2, 3.2, 3.2, 1, HM(9, 30)}};
    for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
        int i = rows[k].i;
        sfirst[i] = rows[k].f, smax[i] = rows[k].mx, smin[i] = rows[k].mn, slast[i] = rows[k].l;
        ssum[i] = rows[k].s, sts[i] = rows[k].ts;
    }
    CHECK(check_i(snaps, "dti", sl, 17) == 0);
    CHECK(check_f(snaps, "first", sfirst, 17) == 0);
    CHECK(check_f(snaps, "max", smax, 17) == 0);
    CHECK(check_f(snaps, "min", smin, 17) == 0);
    CHECK(check_f(snaps, "last", slast, 17) == 0);
    CHECK(check_i(snaps, "sum", ssum, 17) == 0);
    CHECK(check_i(snaps, "ts_first", sts, 17) == 0);
    oups_table_free(bins);
    oups_table_free(snaps);
    oups_table_free(t);
    oups_segagg_free(a);
}

/* S16: edge cases and errors (codes, and the state untouched by each failure). */
TEST(s16_errors) {
    oups_table *t = ds9(), *bins = NULL, *empty = NULL, *snaps = NULL;
    oups_segagg *a = NULL;
    oups_segagg_agg bad_col[] = {{"x", "value_", OUPS_AGG_FIRST}};
    CHECK_OK(new_agg(&a, "dti", grid(10, false, false), NO_SNAP, bad_col, 1));
    CHECK_RC(oups_segagg_process(&bins, NULL, a, t), OUPS_ENOTFOUND);
    CHECK(strstr(oups_error_last(), "value_") != NULL);
    oups_segagg_free(a);
    a = NULL;
    oups_segagg_agg bad_fn[] = {{"x", "value", (oups_segagg_func)42}};
    CHECK_RC(new_agg(&a, "dti", grid(10, false, false), NO_SNAP, bad_fn, 1), OUPS_EINVAL);
    /* a) empty input: no rows out, state untouched. */
    CHECK_OK(new_agg(&a, "dti", grid(10, false, false), grid(5, false, false), ds9_aggs, 6));
    CHECK_OK(oups_table_slice(&empty, t, 0, 0));
    CHECK_OK(oups_segagg_process(&bins, &snaps, a, empty));
    CHECK(oups_table_num_rows(bins) == 0 && oups_table_num_rows(snaps) == 0 && oups_table_num_columns(bins) == 7);
    CHECK(!oups_segagg_has_state(a));
    oups_table_free(bins);
    oups_table_free(snaps);
    /* e) unordered: 08:00 09:00 07:00. */
    int64_t ts[3] = {HM(8, 0), HM(9, 0), HM(7, 0)};
    double v[3] = {1, 2, 3};
    int64_t q[3] = {1, 2, 3};
    const char *names[] = {"dti", "value", "qty"};
    oups_column *cols[] = {col_ts(ts, 3), col_f64(v, 3), col_i64(q, 3)};
    oups_table *u = sa_table(3, names, cols);
    CHECK_RC(oups_segagg_process(&bins, &snaps, a, u), OUPS_EUNORDERED);
    CHECK(strstr(oups_error_last(), "dti") != NULL && strstr(oups_error_last(), "2020-01-01T07:00:00") != NULL);
    CHECK(!oups_segagg_has_state(a) && bins == NULL && snaps == NULL);
    oups_table_free(u);
    oups_table_free(empty);
    oups_table_free(t);
    oups_segagg_free(a);
}

/* S16 f): user segmenter contract violations. */
TEST(s16_user_contract) {
    int64_t on[4] = {0, 1, 2, 3};
    double val[4] = {1, 2, 3, 4};
    const char *names[] = {"k", "x"};
    oups_column *cols[] = {col_i64(on, 4), col_f64(val, 4)};
    oups_table *t = sa_table(2, names, cols), *bins = NULL;
    oups_segagg_agg aggs[] = {{"s", "x", OUPS_AGG_SUM}};
    static const int64_t trailing[] = {1, 4, 4}, short_[] = {1, 3}, down[] = {2, 1, 4};
    fixed_bins fb[3] = {{trailing, 3}, {short_, 2}, {down, 3}};
    for (int c = 0; c < 3; c++) {
        oups_segmenter s = {.kind = OUPS_SEG_CALLBACK};
        s.fn = fixed_fn;
        s.user = &fb[c];
        oups_segagg *a = NULL;
        CHECK_OK(new_agg(&a, "k", s, NO_SNAP, aggs, 1));
        CHECK_RC(oups_segagg_process(&bins, NULL, a, t), OUPS_EINVAL);
        CHECK(!oups_segagg_has_state(a));
        oups_segagg_free(a);
    }
    /* restarting with a first label different from the previous last one (labels restart at 0) */
    static const int64_t ok[] = {2, 4};
    fixed_bins f = {ok, 2};
    oups_segmenter s = {.kind = OUPS_SEG_CALLBACK};
    s.fn = fixed_fn;
    s.user = &f;
    oups_segagg *a = NULL;
    CHECK_OK(new_agg(&a, "k", s, NO_SNAP, aggs, 1));
    CHECK_OK(oups_segagg_process(&bins, NULL, a, t));
    oups_table_free(bins);
    int64_t on2[4] = {4, 5, 6, 7};
    oups_column *cols2[] = {col_i64(on2, 4), col_f64(val, 4)};
    oups_table *t2 = sa_table(2, names, cols2);
    CHECK_RC(oups_segagg_process(&bins, NULL, a, t2), OUPS_EINVAL);
    CHECK(strstr(oups_error_last(), "not possible to have label") != NULL);
    oups_table_free(t2);
    oups_table_free(t);
    oups_segagg_free(a);
}

/* Run `t` through a fresh aggregator split at `cuts` (rows), consolidating the outputs. */
static int run_split(oups_table **bins_out, oups_table **snaps_out, const oups_segagg_options *o, const oups_table *t,
                     const int64_t *cuts, int n_cuts, oups_table **first_out) {
    oups_segagg *a = NULL;
    int rc = oups_segagg_new(&a, o);
    oups_table *acc_b = NULL, *acc_s = NULL;
    int64_t prev = 0, n = oups_table_num_rows(t);
    for (int i = 0; rc == 0 && i <= n_cuts; i++) {
        int64_t end = i < n_cuts ? cuts[i] : n;
        oups_table *chunk = NULL, *b = NULL, *s = NULL;
        rc = oups_table_slice(&chunk, t, prev, end - prev);
        if (rc == 0) rc = oups_segagg_process(&b, o->snap_by.kind ? &s : NULL, a, chunk);
        if (rc == 0 && i == 0 && first_out) *first_out = oups_table_retain(b);
        if (rc == 0) acc_b = consolidate(acc_b, b, o->ordered_on, o->by, o->n_by, false);
        if (rc == 0 && s) acc_s = consolidate(acc_s, s, o->ordered_on, o->by, o->n_by, true);
        oups_table_free(chunk);
        oups_table_free(b);
        oups_table_free(s);
        prev = end;
    }
    oups_segagg_free(a);
    *bins_out = acc_b;
    if (snaps_out) *snaps_out = acc_s;
    else oups_table_free(acc_s);
    return rc;
}

/* S17: restart with grid bins (15min, left, label right), splits [0:6][6:9] and [0:5][5:9]. */
TEST(s17_restart) {
    oups_table *t = ds9();
    oups_segagg_agg aggs[] = {{"first", "value", OUPS_AGG_FIRST}, {"sum", "qty", OUPS_AGG_SUM}};
    oups_segagg_options o = OUPS_SEGAGG_OPTIONS_INIT;
    o.ordered_on = "dti";
    o.bin_by = grid(15, false, true);
    o.aggs = aggs;
    o.n_aggs = 2;
    int64_t labels[7], sum[7] = {8, 15, NUL_I, NUL_I, 10, NUL_I, 1};
    double first[7] = {4.0, 5.6, N, N, 4.5, N, 3.2};
    for (int i = 0; i < 7; i++) labels[i] = HM(8, 15) + i * 15 * MIN_NS;
    int64_t cut_a = 6, cut_b = 5;
    oups_table *b = NULL, *first_call = NULL;
    CHECK_OK(run_split(&b, NULL, &o, t, &cut_a, 1, &first_call));
    int64_t l1[2] = {HM(8, 15), HM(8, 30)}, s1[2] = {8, 15};
    CHECK(check_i(first_call, "sum", s1, 2) == 0 && check_i(first_call, "dti", l1, 2) == 0);
    CHECK(check_i(b, "dti", labels, 7) == 0 && check_i(b, "sum", sum, 7) == 0 && check_f(b, "first", first, 7) == 0);
    oups_table_free(b);
    oups_table_free(first_call);
    CHECK_OK(run_split(&b, NULL, &o, t, &cut_b, 1, &first_call));
    int64_t s2[2] = {8, 9};
    CHECK(check_i(first_call, "sum", s2, 2) == 0);
    CHECK(check_i(b, "dti", labels, 7) == 0 && check_i(b, "sum", sum, 7) == 0 && check_f(b, "first", first, 7) == 0);
    oups_table_free(b);
    oups_table_free(first_call);
    oups_table_free(t);
}

/* S23 (bins part): 1h sum over 17 rows given in 7 chunks == the one-shot group-by. */
TEST(s23_hourly_sum_chunks) {
    int64_t ts[17];
    int64_t val[17];
    int mins[17] = {0, 30, 60, 90, 120, 140, 160, 180, 210, 240, 260, 280, 300, 320, 340, 360, 380};
    for (int i = 0; i < 17; i++) ts[i] = HM(8, 0) + mins[i] * MIN_NS, val[i] = i + 1;
    const char *names[] = {"ts", "val"};
    oups_column *cols[] = {col_ts(ts, 17), col_i64(val, 17)};
    oups_table *t = sa_table(2, names, cols), *b = NULL;
    oups_segagg_agg aggs[] = {{"sum", "val", OUPS_AGG_SUM}};
    oups_segagg_options o = OUPS_SEGAGG_OPTIONS_INIT;
    o.ordered_on = "ts";
    o.bin_by = grid(60, false, false);
    o.aggs = aggs;
    o.n_aggs = 1;
    int64_t cuts[6] = {4, 6, 10, 12, 13, 15};
    CHECK_OK(run_split(&b, NULL, &o, t, cuts, 6, NULL));
    int64_t labels[7], sum[7] = {3, 7, 18, 17, 33, 42, 33};
    for (int i = 0; i < 7; i++) labels[i] = HM(8 + i, 0);
    CHECK(check_i(b, "ts", labels, 7) == 0 && check_i(b, "sum", sum, 7) == 0);
    oups_table_free(b);
    oups_table_free(t);
}

/* §2.4 row-count bins: by 3 over duplicated keys; labels are the bins' first values, so two
 * bins can share one; the spec's empty continuation bin re-emits a full last bin. */
TEST(row_bins) {
    int64_t ts[8] = {HM(8, 0), HM(8, 0), HM(8, 0), HM(8, 0), HM(8, 1), HM(8, 2), HM(8, 2), HM(8, 3)};
    int64_t v[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    const char *names[] = {"ts", "v"};
    oups_column *cols[] = {col_ts(ts, 8), col_i64(v, 8)};
    oups_table *t = sa_table(2, names, cols);
    oups_segagg_agg aggs[] = {{"s", "v", OUPS_AGG_SUM}, {"n", "v", OUPS_AGG_COUNT}};
    oups_segagg_options o = OUPS_SEGAGG_OPTIONS_INIT;
    o.ordered_on = "ts";
    o.bin_by.kind = OUPS_SEG_ROWS;
    o.bin_by.rows = 3;
    o.aggs = aggs;
    o.n_aggs = 2;
    int64_t labels[3] = {HM(8, 0), HM(8, 0), HM(8, 2)}, sums[3] = {6, 15, 15}, counts[3] = {3, 3, 2};
    for (int64_t c1 = 0; c1 <= 8; c1++)
        for (int64_t c2 = c1; c2 <= 8; c2++) {
            int64_t cuts[2] = {c1, c2};
            oups_table *b = NULL, *first = NULL;
            CHECK_OK(run_split(&b, NULL, &o, t, cuts, 2, &first));
            CHECK(check_i(b, "ts", labels, 3) == 0 && check_i(b, "s", sums, 3) == 0 && check_i(b, "n", counts, 3) == 0);
            oups_table_free(b);
            oups_table_free(first);
        }
    oups_table_free(t);
}

/* Explicit points: bins end at the points (labels = points); snapshots at points; a value past
 * the last bin end point is an error that leaves the state unchanged. */
TEST(points) {
    int64_t ts[6] = {HM(8, 1), HM(8, 2), HM(8, 7), HM(8, 9), HM(8, 12), HM(8, 20)};
    double v[6] = {1, 2, 3, 4, 5, 6};
    const char *names[] = {"ts", "v"};
    oups_column *cols[] = {col_ts(ts, 6), col_f64(v, 6)};
    oups_table *t = sa_table(2, names, cols);
    int64_t bp[4] = {HM(8, 0), HM(8, 5), HM(8, 10), HM(8, 30)}, sp[4] = {HM(8, 2), HM(8, 8), HM(8, 9), HM(8, 25)};
    oups_segagg_agg aggs[] = {{"s", "v", OUPS_AGG_SUM}};
    oups_segagg_options o = OUPS_SEGAGG_OPTIONS_INIT;
    o.ordered_on = "ts";
    o.bin_by.kind = OUPS_SEG_POINTS;
    o.bin_by.points = bp;
    o.bin_by.n_points = 4;
    o.snap_by.kind = OUPS_SEG_POINTS;
    o.snap_by.points = sp;
    o.snap_by.n_points = 4;
    o.aggs = aggs;
    o.n_aggs = 1;
    int64_t bl[3] = {HM(8, 5), HM(8, 10), HM(8, 30)}, sl[4] = {HM(8, 2), HM(8, 8), HM(8, 9), HM(8, 25)};
    double bs[3] = {3, 7, 11}, ss[4] = {1, 3, 3, 11};
    for (int64_t c = 0; c <= 6; c++) {
        oups_table *b = NULL, *s = NULL;
        CHECK_OK(run_split(&b, &s, &o, t, &c, 1, NULL));
        CHECK(check_i(b, "ts", bl, 3) == 0 && check_f(b, "s", bs, 3) == 0);
        CHECK(check_i(s, "ts", sl, 4) == 0 && check_f(s, "s", ss, 4) == 0);
        oups_table_free(b);
        oups_table_free(s);
    }
    o.bin_by.n_points = 3; /* 08:20 is beyond 08:10 */
    oups_segagg *a = NULL;
    oups_table *b = NULL, *s = NULL;
    CHECK_OK(oups_segagg_new(&a, &o));
    CHECK_RC(oups_segagg_process(&b, &s, a, t), OUPS_EINVAL);
    CHECK(strstr(oups_error_last(), "2020-01-01T08:20:00") != NULL && !oups_segagg_has_state(a));
    oups_segagg_free(a);
    oups_table_free(t);
}

/* §2.2 origin caveat: 13min bins over 7-min data from 23:30, split after the 8th row. With an
 * origin at the start of the first day (persisted) chunked == one-shot across midnight. */
TEST(origin_persisted) {
    int64_t ts[20];
    double v[20];
    for (int i = 0; i < 20; i++) ts[i] = HM(23, 30) + i * 7 * MIN_NS, v[i] = i;
    const char *names[] = {"ts", "v"};
    oups_column *cols[] = {col_ts(ts, 20), col_f64(v, 20)};
    oups_table *t = sa_table(2, names, cols);
    oups_segagg_agg aggs[] = {{"s", "v", OUPS_AGG_SUM}, {"f", "v", OUPS_AGG_FIRST}};
    for (int origin = 0; origin < 3; origin++) {
        oups_segagg_options o = OUPS_SEGAGG_OPTIONS_INIT;
        o.ordered_on = "ts";
        o.bin_by = grid(13, origin == 1, origin == 2);
        o.bin_by.origin = (oups_seg_origin)origin;
        o.bin_by.offset_ns = origin == 2 ? 2 * MIN_NS : 0;
        o.aggs = aggs;
        o.n_aggs = 2;
        int64_t cut = 8;
        oups_table *one = NULL, *chunked = NULL;
        CHECK_OK(run_split(&one, NULL, &o, t, NULL, 0, NULL));
        CHECK_OK(run_split(&chunked, NULL, &o, t, &cut, 1, NULL));
        CHECK(same_table(one, chunked, "13min chunked vs one-shot"));
        /* start_day anchors at 2020-01-01 00:00 -> 23:30 floors to 23:24 (1404 = 108 * 13) */
        if (origin == 1) {
            oups_scalar s;
            oups_column_get_scalar(&s, oups_table_column(one, 0), 0);
            CHECK(s.v.i == HM(23, 24) - 13 * MIN_NS || s.v.i == HM(23, 24));
        }
        oups_table_free(one);
        oups_table_free(chunked);
    }
    oups_table_free(t);
}

/* Null rules: empty bins null everywhere (count, sum, mean too); input nulls skipped; a bin of
 * only null values: sum 0 and count 0 (pandas), first/min/mean null. */
TEST(null_rules) {
    int64_t ts[5] = {HM(8, 0), HM(8, 1), HM(8, 11), HM(8, 12), HM(8, 21)};
    double v[5] = {N, 2, N, N, 5};
    const char *names[] = {"ts", "v"};
    oups_column *cols[] = {col_ts(ts, 5), col_f64(v, 5)};
    oups_table *t = sa_table(2, names, cols), *b = NULL;
    oups_segagg_agg aggs[] = {{"f", "v", OUPS_AGG_FIRST}, {"s", "v", OUPS_AGG_SUM}, {"n", "v", OUPS_AGG_COUNT},
                              {"m", "v", OUPS_AGG_MEAN},  {"mn", "v", OUPS_AGG_MIN}};
    oups_segagg *a = NULL;
    CHECK_OK(new_agg(&a, "ts", grid(5, false, false), NO_SNAP, aggs, 5));
    CHECK_OK(oups_segagg_process(&b, NULL, a, t));
    double f[5] = {2, N, N, N, 5}, s[5] = {2, N, 0, N, 5}, m[5] = {2, N, N, N, 5};
    int64_t n[5] = {1, NUL_I, 0, NUL_I, 1};
    CHECK(check_f(b, "f", f, 5) == 0 && check_f(b, "s", s, 5) == 0 && check_i(b, "n", n, 5) == 0);
    CHECK(check_f(b, "m", m, 5) == 0 && check_f(b, "mn", f, 5) == 0);
    oups_table_free(b);
    oups_table_free(t);
    oups_segagg_free(a);
}

/* Groups: bins per group over its own span, output ordered by (label, group key); a group
 * absent from a chunk prints nothing for it; chunked == one-shot under the consolidation rule. */
TEST(groups) {
    int64_t ts[8] = {HM(8, 0), HM(8, 1), HM(8, 2), HM(8, 6), HM(8, 7), HM(8, 16), HM(8, 17), HM(8, 18)};
    const char *sym[8] = {"B", "A", "B", "A", "A", "B", "B", "A"};
    double v[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    oups_builder *bs = NULL;
    oups_datatype st = oups_type(OUPS_TYPE_STRING);
    CHECK_OK(oups_builder_new(&bs, &st, 8));
    for (int i = 0; i < 8; i++) CHECK_OK(oups_builder_append_bytes(bs, sym[i], 1));
    oups_column *sc = NULL;
    CHECK_OK(oups_builder_finish(&sc, bs));
    oups_builder_free(bs);
    const char *names[] = {"ts", "sym", "v"};
    oups_column *cols[] = {col_ts(ts, 8), sc, col_f64(v, 8)};
    oups_table *t = sa_table(3, names, cols);
    oups_segagg_agg aggs[] = {{"s", "v", OUPS_AGG_SUM}, {"n", "v", OUPS_AGG_COUNT}};
    const char *by[] = {"sym"};
    oups_segagg_options o = OUPS_SEGAGG_OPTIONS_INIT;
    o.ordered_on = "ts";
    o.bin_by = grid(5, false, false);
    o.by = by;
    o.n_by = 1;
    o.aggs = aggs;
    o.n_aggs = 2;
    oups_table *one = NULL;
    CHECK_OK(run_split(&one, NULL, &o, t, NULL, 0, NULL));
    /* A: 08:00 (2), 08:05 (9), 08:10 null, 08:15 (8); B: 08:00 (4), 08:05 null, 08:10 null, 08:15 (13) */
    int64_t labels[8] = {HM(8, 0), HM(8, 0), HM(8, 5), HM(8, 5), HM(8, 10), HM(8, 10), HM(8, 15), HM(8, 15)};
    double s[8] = {2, 4, 9, N, N, N, 8, 13};
    CHECK(check_i(one, "ts", labels, 8) == 0 && check_f(one, "s", s, 8) == 0);
    for (int64_t c1 = 0; c1 <= 8; c1++)
        for (int64_t c2 = c1; c2 <= 8; c2++) {
            int64_t cuts[2] = {c1, c2};
            oups_table *ch = NULL;
            CHECK_OK(run_split(&ch, NULL, &o, t, cuts, 2, NULL));
            CHECK(same_table(one, ch, "groups chunked vs one-shot"));
            oups_table_free(ch);
        }
    oups_table_free(one);
    oups_table_free(t);
}

/* A failing chunk (unordered, before the previous end, schema change, overflow) leaves the
 * saved state byte-identical. */
TEST(error_keeps_state) {
    oups_table *t = ds9(), *b = NULL, *s = NULL, *head = NULL, *tail = NULL;
    oups_segagg *a = NULL;
    CHECK_OK(new_agg(&a, "dti", grid(30, false, true), grid(5, false, true), ds9_aggs, 6));
    CHECK_OK(oups_table_slice(&head, t, 0, 6));
    CHECK_OK(oups_table_slice(&tail, t, 2, 7));
    CHECK_OK(oups_segagg_process(&b, &s, a, head));
    oups_table_free(b);
    oups_table_free(s);
    uint8_t *before = NULL, *after = NULL;
    size_t lb = 0, la = 0;
    CHECK_OK(oups_segagg_save(&before, &lb, a));
    CHECK_RC(oups_segagg_process(&b, &s, a, tail), OUPS_EUNORDERED); /* starts at 08:12 < 08:20 */
    const char *names[] = {"dti", "value", "qty"};
    int64_t ts[1] = {HM(9, 0)};
    double v[1] = {1};
    oups_column *cols[] = {col_ts(ts, 1), col_f64(v, 1), col_f64(v, 1)};
    oups_table *other = sa_table(3, names, cols);
    CHECK_RC(oups_segagg_process(&b, &s, a, other), OUPS_ESCHEMA); /* qty became float64 */
    int64_t big[2] = {INT64_MAX, 1};
    int64_t ts2[2] = {HM(9, 0), HM(9, 1)};
    double v2[2] = {1, 2};
    oups_column *cols2[] = {col_ts(ts2, 2), col_f64(v2, 2), col_i64(big, 2)};
    oups_table *ovf = sa_table(3, names, cols2);
    CHECK_RC(oups_segagg_process(&b, &s, a, ovf), OUPS_EOVERFLOW);
    CHECK(strstr(oups_error_last(), "qty") != NULL);
    CHECK_OK(oups_segagg_save(&after, &la, a));
    CHECK(la == lb && memcmp(before, after, lb) == 0);
    oups_mem_free(before);
    oups_mem_free(after);
    oups_table_free(other);
    oups_table_free(ovf);
    oups_table_free(head);
    oups_table_free(tail);
    oups_table_free(t);
    oups_segagg_free(a);
}

/* Option checks. */
TEST(options) {
    oups_segagg *a = NULL;
    oups_segagg_agg dup[] = {{"x", "v", OUPS_AGG_SUM}, {"x", "v", OUPS_AGG_MIN}};
    CHECK_RC(new_agg(&a, "ts", grid(5, false, false), NO_SNAP, dup, 2), OUPS_EINVAL);
    CHECK_RC(new_agg(&a, "ts", NO_SNAP, NO_SNAP, dup, 1), OUPS_EINVAL);
    CHECK_RC(new_agg(&a, "ts", grid(0, false, false), NO_SNAP, dup, 1), OUPS_EINVAL);
    oups_segagg_agg same_as_on[] = {{"ts", "v", OUPS_AGG_SUM}};
    CHECK_RC(new_agg(&a, "ts", grid(5, false, false), NO_SNAP, same_as_on, 1), OUPS_EINVAL);
    int64_t pts[2] = {5, 5};
    oups_segmenter p = {.kind = OUPS_SEG_POINTS};
    p.points = pts;
    p.n_points = 2;
    CHECK_RC(new_agg(&a, "ts", p, NO_SNAP, dup, 1), OUPS_EINVAL);
    CHECK(a == NULL);
    /* sum of a timestamp, min of a bool: type errors at the first chunk */
    oups_segagg_agg ts_sum[] = {{"x", "ts", OUPS_AGG_SUM}};
    CHECK_OK(new_agg(&a, "ts", grid(5, false, false), NO_SNAP, ts_sum, 1));
    int64_t ts[1] = {HM(8, 0)};
    const char *names[] = {"ts"};
    oups_column *cols[] = {col_ts(ts, 1)};
    oups_table *t = sa_table(1, names, cols), *b = NULL;
    CHECK_RC(oups_segagg_process(&b, NULL, a, t), OUPS_ESCHEMA);
    oups_table_free(t);
    oups_segagg_free(a);
}

RUN_TESTS("ops.segagg_spec", s01_counting_primitive, s02_time_grid, s08_kernel_empty_bins, s11_mixed_dtypes, s12_bins_and_snapshots,
          s16_errors, s16_user_contract, s17_restart, s23_hourly_sum_chunks, row_bins, points, origin_persisted,
          null_rules, groups, error_keeps_state, options)
