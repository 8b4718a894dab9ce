// labels: quick fault
/*
 * tests/table/test_dedup.c: dedup_last against a quadratic reference (a row is kept when no
 * later row has the same subset values, nulls equal, floats by bits), for every type, several
 * subsets, slices and all-null columns; the no-duplicate case returns the same handle; errors
 * and OOM at every allocation.
 */
#include "fixtures.h"

/* Quadratic reference: indices of the rows dedup_last must keep. */
static int64_t reference(int64_t *keep, const oups_table *t, const char *const *subset, int n) {
    int nk = n ? n : oups_table_num_columns(t);
    oups_column_view v[FX_NCOLS];
    for (int k = 0; k < nk; k++)
        oups_column_view_get(&v[k], oups_table_column(t, n ? oups_table_column_index(t, subset[k]) : k));
    int64_t rows = oups_table_num_rows(t), m = 0;
    for (int64_t i = 0; i < rows; i++) {
        bool later = false;
        for (int64_t j = i + 1; j < rows && !later; j++) {
            bool same = true;
            for (int k = 0; k < nk && same; k++) same = oups_column__same(&v[k], i, &v[k], j);
            later = same;
        }
        if (!later) keep[m++] = i;
    }
    return m;
}

static int check_dedup(const oups_table *t, const char *const *subset, int n) {
    int64_t rows = oups_table_num_rows(t);
    int64_t *keep = malloc((size_t)(rows + 1) * sizeof *keep);
    int64_t m = reference(keep, t, subset, n);
    oups_table *want = NULL, *got = NULL;
    int ok = oups_table_take(&want, t, keep, m) == 0 && oups_table_dedup_last(&got, t, subset, n) == 0;
    char desc[256] = "";
    if (ok) ok = oups_table_equal(want, got, desc, sizeof desc);
    if (!ok) fprintf(stderr, "  dedup on %d columns: %s %s\n", n, desc, oups_error_last());
    oups_table_free(want);
    oups_table_free(got);
    free(keep);
    return ok;
}

TEST(dedup_each_column) {
    for (int pct = 0; pct <= 50; pct += 25) {
        oups_table *big, *t;
        CHECK_OK(fx_table(&big, 400, pct, tests_seed() + (uint64_t)pct));
        CHECK_OK(oups_table_slice(&t, big, 9, 380));
        for (int c = 0; c < FX_NCOLS; c++) CHECK(check_dedup(t, &fx_names[c], 1));
        oups_table_free(t);
        oups_table_free(big);
    }
}

TEST(dedup_subsets_and_all_columns) {
    oups_table *t;
    int which[4] = {0, 5, 13, 10};
    CHECK_OK(fx_table_cols(&t, 500, 10, tests_seed(), which, 4));
    const char *subsets[][3] = {{"b", "u8", "str"}, {"f64", "b", "u8"}, {"str", "f64", "b"}};
    for (int s = 0; s < 3; s++)
        for (int n = 1; n <= 3; n++) CHECK(check_dedup(t, subsets[s], n));
    CHECK(check_dedup(t, NULL, 0)); /* all columns */
    oups_table *all;
    CHECK_OK(fx_table(&all, 300, 10, tests_seed()));
    CHECK(check_dedup(all, NULL, 0));
    oups_table_free(all);
    oups_table_free(t);
}

TEST(dedup_keeps_last_in_order) {
    int64_t k[8] = {3, 1, 3, 2, 1, 3, 7, 2};
    int64_t want[4] = {4, 5, 6, 7}; /* last 1, last 3, 7, last 2 in row order */
    oups_table *t, *got, *exp;
    CHECK_OK(fx_int64(&t, k, NULL, 8));
    const char *x = "x";
    CHECK_OK(oups_table_dedup_last(&got, t, &x, 1));
    CHECK_OK(oups_table_take(&exp, t, want, 4));
    CHECK(oups_table_equal(got, exp, NULL, 0) == 1);
    oups_table_free(got);
    oups_table_free(exp);
    oups_table_free(t);
    /* floats by bits: NaN == NaN, 0.0 != -0.0; nulls equal nulls */
    double f[6] = {NAN, 0.0, -0.0, NAN, 5, 6};
    uint8_t bits[1] = {0x0f}; /* rows 4 and 5 null */
    oups_datatype ft = oups_type(OUPS_TYPE_FLOAT64);
    oups_column *c;
    CHECK_OK(oups_column_from_values(&c, &ft, f, 6, bits));
    const char *name = "f";
    CHECK_OK(oups_table_new(&t, 1, &name, &c));
    oups_column_release(c);
    CHECK_OK(oups_table_dedup_last(&got, t, NULL, 0));
    int64_t want2[4] = {1, 2, 3, 5};
    CHECK_OK(oups_table_take(&exp, t, want2, 4));
    CHECK(oups_table_equal(got, exp, NULL, 0) == 1);
    oups_table_free(got);
    oups_table_free(exp);
    oups_table_free(t);
}

TEST(dedup_no_duplicates_and_errors) {
    int64_t k[5] = {1, 2, 3, 4, 5};
    oups_table *t, *got;
    CHECK_OK(fx_int64(&t, k, NULL, 5));
    const char *x = "x";
    CHECK_OK(oups_table_dedup_last(&got, t, &x, 1));
    CHECK(got == t); /* nothing dropped: the same immutable table */
    oups_table_free(got);
    const char *bad = "nope";
    CHECK_RC(oups_table_dedup_last(&got, t, &bad, 1), OUPS_ENOTFOUND);
    CHECK(got == NULL && strstr(oups_error_last(), "'nope'") != NULL);
    oups_table *e;
    CHECK_OK(oups_table_slice(&e, t, 2, 0));
    CHECK_OK(oups_table_dedup_last(&got, e, &x, 1));
    CHECK(oups_table_num_rows(got) == 0);
    oups_table_free(got);
    oups_table_free(e);
    oups_table_free(t);
}

TEST(dedup_large_int64) {
    int64_t n = 200000;
    int64_t *k = malloc((size_t)n * sizeof *k);
    uint64_t rng = tests_seed();
    for (int64_t i = 0; i < n; i++) k[i] = (int64_t)(test_rand(&rng) % 50000);
    oups_table *t, *got;
    CHECK_OK(fx_int64(&t, k, NULL, n));
    const char *x = "x";
    CHECK_OK(oups_table_dedup_last(&got, t, &x, 1));
    /* every value once, each at its last position */
    int64_t *last = malloc(50000 * sizeof *last);
    for (int i = 0; i < 50000; i++) last[i] = -1;
    for (int64_t i = 0; i < n; i++) last[k[i]] = i;
    int64_t distinct = 0;
    for (int i = 0; i < 50000; i++) distinct += last[i] >= 0;
    CHECK(oups_table_num_rows(got) == distinct);
    oups_column_view v;
    oups_column_view_get(&v, oups_table_column(got, 0));
    int64_t prev = -1, ok = 1;
    for (int64_t r = 0; r < distinct && ok; r++) { /* kept rows are increasing last positions */
        int64_t val = ((const int64_t *)v.data)[r], pos = last[val];
        ok = pos > prev;
        prev = pos;
    }
    CHECK(ok);
    free(last);
    free(k);
    oups_table_free(got);
    oups_table_free(t);
}

TEST(dedup_oom) {
    oups_table *t;
    CHECK_OK(fx_table(&t, 200, 10, 4));
    const char *sub[2] = {"str", "i64"};
    for (int n = 0; n <= 2; n++)
        FX_OOM_LOOP({
            oups_table *got = NULL;
            rc = oups_table_dedup_last(&got, t, n ? sub + (2 - n) : NULL, n);
            CHECK(rc == 0 || got == NULL);
            oups_table_free(got);
        });
    oups_table_free(t);
}

RUN_TESTS("table.dedup", dedup_each_column, dedup_subsets_and_all_columns, dedup_keeps_last_in_order,
          dedup_no_duplicates_and_errors, dedup_large_int64, dedup_oom)
