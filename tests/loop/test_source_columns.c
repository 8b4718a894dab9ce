// labels: quick
/*
 * tests/loop/test_source_columns.c: a loop over iter_intersections with column selection
 * (oups_intersections_options version 2): every item equals the all-columns item projected on
 * the chosen columns (ordered_on appended when not listed), whatever the bounds, n_prev and
 * row-group boundaries inside runs of equal keys; a version-1 options struct reads every
 * column; bad selections are refused naming the column or the dataset.
 */
#include "loop/loop_test.h"

static char dir[64], path[128], ds[2][160];

/* n rows: ts = (start + i) / 2 (runs of 2 equal keys), v = i * 0.5, k = i * 3. */
static oups_table *three_cols(int64_t start, int64_t n) {
    oups_table *base = lt_table(start, n), *t = NULL;
    int64_t *ts = malloc((size_t)(n ? n : 1) * 8), *k = malloc((size_t)(n ? n : 1) * 8);
    for (int64_t i = 0; i < n; i++) {
        ts[i] = (start + i) / 2;
        k[i] = i * 3;
    }
    oups_datatype ti = oups_type(OUPS_TYPE_INT64);
    oups_column *c[3] = {NULL, oups_column_retain(oups_table_column(base, 1)), NULL};
    const char *names[3] = {"ts", "v", "k"};
    if (oups_column_from_values(&c[0], &ti, ts, n, NULL) != 0 || oups_column_from_values(&c[2], &ti, k, n, NULL) != 0 ||
        oups_table_new(&t, 3, names, c) != 0)
        t = NULL;
    for (int i = 0; i < 3; i++) oups_column_release(c[i]);
    oups_table_free(base);
    free(ts);
    free(k);
    return t;
}

static void setup(void) {
    lt_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/cols.loopstate", dir);
    int64_t rows[2] = {41, 17}, starts[2] = {0, 9}, rg[2] = {6, 4};
    for (int d = 0; d < 2; d++) {
        snprintf(ds[d], sizeof ds[d], "%s/store/d%d", dir, d);
        oups_opd *opd = NULL;
        oups_table *t = three_cols(starts[d], rows[d]);
        oups_store_write_options wo = OUPS_STORE_WRITE_OPTIONS_INIT;
        wo.ordered_on = "ts";
        wo.row_group_rows = rg[d];
        CHECK_OK(oups_opd_open(&opd, ds[d], NULL));
        CHECK_OK(oups_opd_write(opd, t, &wo));
        oups_opd_close(opd);
        oups_table_free(t);
    }
}

/* One loop pass over the two datasets with `o`; items[s][d] receive the step tables (NULL if
 * dataset d does not take part). Returns the number of steps, or the error code. */
static int pass(oups_table *items[][2], int cap, const oups_intersections_options *o) {
    oups_opd *opds[2] = {NULL, NULL};
    oups_intersections *it = NULL;
    oups_loop *loop = NULL;
    oups_source src;
    int rc = 0, n = 0;
    for (int d = 0; rc == 0 && d < 2; d++) rc = oups_opd_open(&opds[d], ds[d], NULL);
    if (rc == 0) rc = oups_loop_open(&loop, path, NULL);
    if (rc == 0) rc = oups_intersections_open(&it, opds, 2, o);
    if (rc == 0) rc = oups_source_intersections(&src, it, 2); /* takes over `it` */
    if (rc == 0) rc = oups_loop_begin(loop, &src);            /* takes over `src` */
    while (rc == 0 && (rc = oups_loop_next(loop, NULL)) == 1 && n < cap) {
        for (int d = 0; d < 2; d++) items[n][d] = oups_table_retain(oups_loop_chunk(loop, d));
        n++;
        rc = 0;
    }
    oups_loop_free(loop);
    unlink(path);
    for (int d = 0; d < 2; d++) oups_opd_close(opds[d]);
    return rc < 0 ? rc : n;
}

static void free_items(oups_table *items[][2], int n) {
    for (int s = 0; s < n; s++)
        for (int d = 0; d < 2; d++) oups_table_free(items[s][d]);
}

TEST(selection_equals_full_projected) {
    setup();
    static oups_table *full[64][2], *sel[64][2];
    const char *c0[] = {"k"}, *c1[] = {"ts", "v"}, *c_none[] = {"v"};
    struct {
        const char *const *cols[2];
        int n[2];
        const char *want0[3], *want1[3];
    } cases[] = {
        {{c0, c1}, {1, 2}, {"k", "ts"}, {"ts", "v"}},        /* ts appended; listed ts kept in place */
        {{NULL, c_none}, {0, 1}, {"ts", "v", "k"}, {"v", "ts"}}, /* NULL: all of dataset 0 */
        {{c0, c0}, {0, 0}, {"ts"}, {"ts"}},                  /* empty lists: the key only */
    };
    oups_scalar start = {0}, end = {0};
    start.type = end.type = oups_type(OUPS_TYPE_INT64);
    start.v.i = 6;
    end.v.i = 20;
    int64_t n_prev[2] = {3, 1};
    for (int b = 0; b < 3; b++) { /* unbounded; [6, 20) with n_prev; from 6 */
        oups_intersections_options o = OUPS_INTERSECTIONS_OPTIONS_INIT;
        o.version = 1; /* a version-1 struct: every column */
        if (b > 0) {
            o.start = &start;
            o.n_prev = n_prev;
        }
        if (b == 1) o.end_excl = &end;
        int n = pass(full, 64, &o);
        CHECK(n >= 3);
        for (int c = 0; c < 3; c++) {
            o.version = OUPS_INTERSECTIONS_OPTIONS_VERSION;
            o.columns = cases[c].cols;
            o.n_columns = cases[c].n;
            CHECK(pass(sel, 64, &o) == n);
            for (int s = 0; s < n; s++)
                for (int d = 0; d < 2; d++) {
                    CHECK((full[s][d] == NULL) == (sel[s][d] == NULL));
                    if (!full[s][d] || !sel[s][d]) continue;
                    const char *const *want = d == 0 ? cases[c].want0 : cases[c].want1;
                    int nw = 0;
                    while (nw < 3 && want[nw]) nw++;
                    oups_table *proj = NULL;
                    CHECK_OK(oups_table_select(&proj, full[s][d], want, nw));
                    CHECK(oups_table_equal(sel[s][d], proj, NULL, 0) == 1);
                    oups_table_free(proj);
                }
            free_items(sel, n);
        }
        free_items(full, n);
    }
    lt_rmdir(dir);
}

TEST(bad_selections_are_refused) {
    setup();
    static oups_table *items[64][2];
    const char *bad[] = {"nope"}, *null_name[] = {NULL}, *ok[] = {"v"};
    const char *const *cols[2] = {ok, bad};
    int n[2] = {1, 1};
    oups_intersections_options o = OUPS_INTERSECTIONS_OPTIONS_INIT;
    o.columns = cols;
    o.n_columns = n;
    CHECK_RC(pass(items, 64, &o), OUPS_ENOTFOUND); /* at the first read of dataset 1 */
    CHECK(strstr(oups_error_last(), "nope"));
    cols[1] = null_name;
    CHECK_RC(pass(items, 64, &o), OUPS_EINVAL);
    CHECK(strstr(oups_error_last(), "d1"));
    o.n_columns = NULL;
    CHECK_RC(pass(items, 64, &o), OUPS_EINVAL);
    CHECK(strstr(oups_error_last(), "column count"));
    lt_rmdir(dir);
}

RUN_TESTS("loop.source_columns", selection_equals_full_projected, bad_selections_are_refused)
