// labels: quick fault
/*
 * tests/table/test_sort.c: sort_indices / sort / check_ordered. Each permutation is checked
 * against the specification directly: it is a permutation, adjacent rows are in order
 * (nulls first, NaN last) and equal keys keep their original order (stability). Covers the
 * radix path (single numeric key), the merge path (strings, decimals, several keys), slices,
 * already-sorted input, extreme integers, order-check messages, and OOM at every allocation.
 */
#include "fixtures.h"

static int check_permutation(const oups_table *t, const int64_t *idx, const char *const *keys, int nk) {
    int64_t n = oups_table_num_rows(t);
    uint8_t *seen = calloc((size_t)n + 1, 1);
    oups_column_view v[4];
    for (int k = 0; k < nk; k++) oups_column_view_get(&v[k], oups_table_column(t, oups_table_column_index(t, keys[k])));
    int ok = 1;
    for (int64_t r = 0; r < n && ok; r++) {
        if (idx[r] < 0 || idx[r] >= n || seen[idx[r]]) ok = 0;
        else seen[idx[r]] = 1;
        if (!ok || r == 0) continue;
        int c = 0;
        for (int k = 0; k < nk && c == 0; k++) c = oups_column__compare(&v[k], idx[r - 1], &v[k], idx[r]);
        if (c > 0 || (c == 0 && idx[r - 1] > idx[r])) {
            fprintf(stderr, "  order broken at output row %lld (rows %lld, %lld)\n", (long long)r,
                    (long long)idx[r - 1], (long long)idx[r]);
            ok = 0;
        }
    }
    free(seen);
    return ok;
}

TEST(sort_every_type_single_key) {
    for (int pct = 0; pct <= 40; pct += 20) {
        oups_table *big, *t;
        CHECK_OK(fx_table(&big, 3000, pct, tests_seed() + (uint64_t)pct));
        CHECK_OK(oups_table_slice(&t, big, 5, 2990));
        for (int c = 0; c < FX_NCOLS; c++) {
            int64_t *idx;
            CHECK_OK(oups_table_sort_indices(&idx, t, &fx_names[c], 1));
            int ok = check_permutation(t, idx, &fx_names[c], 1);
            oups_mem_free(idx);
            if (!ok) fprintf(stderr, "  column %s, %d%% nulls\n", fx_names[c], pct);
            CHECK(ok);
            oups_table *sorted;
            CHECK_OK(oups_table_sort(&sorted, t, &fx_names[c], 1));
            int64_t bad = 7;
            CHECK_OK(oups_table_check_ordered(&bad, sorted, &fx_names[c], 1));
            CHECK(bad == -1);
            oups_table_free(sorted);
        }
        oups_table_free(t);
        oups_table_free(big);
    }
}

TEST(sort_multi_key) {
    oups_table *t;
    CHECK_OK(fx_table(&t, 2000, 10, tests_seed() + 99));
    const char *sets[][3] = {{"b", "str", "i64"}, {"f64", "d32", "dec"}, {"u8", "bin", "f32"}, {"ts", "i8", "u64"}};
    for (size_t s = 0; s < sizeof sets / sizeof sets[0]; s++)
        for (int nk = 2; nk <= 3; nk++) {
            int64_t *idx;
            CHECK_OK(oups_table_sort_indices(&idx, t, sets[s], nk));
            int ok = check_permutation(t, idx, sets[s], nk);
            oups_mem_free(idx);
            CHECK(ok);
            oups_table *sorted;
            CHECK_OK(oups_table_sort(&sorted, t, sets[s], nk));
            CHECK_OK(oups_table_check_ordered(NULL, sorted, sets[s], nk));
            oups_table_free(sorted);
        }
    oups_table_free(t);
}

TEST(sort_float_order_example) {
    double v[7] = {NAN, 1, 0 /* null */, -0.0, 0.0, -INFINITY, NAN};
    uint8_t bits[1] = {0x7b}; /* row 2 null */
    oups_datatype f = oups_type(OUPS_TYPE_FLOAT64);
    oups_column *c;
    CHECK_OK(oups_column_from_values(&c, &f, v, 7, bits));
    const char *name = "f";
    oups_table *t;
    CHECK_OK(oups_table_new(&t, 1, &name, &c));
    oups_column_release(c);
    int64_t *idx;
    CHECK_OK(oups_table_sort_indices(&idx, t, &name, 1));
    int64_t want[7] = {2, 5, 3, 4, 1, 0, 6}; /* null, -inf, -0.0 and 0.0 (stable), 1, NaN, NaN */
    for (int i = 0; i < 7; i++) CHECK(idx[i] == want[i]);
    oups_mem_free(idx);
    oups_table_free(t);
}

TEST(sort_extreme_integers_and_sorted_input) {
    int64_t v[8] = {INT64_MAX, 0, INT64_MIN, -1, 1, INT64_MIN, INT64_MAX, 0};
    oups_table *t;
    CHECK_OK(fx_int64(&t, v, NULL, 8));
    const char *x = "x";
    int64_t *idx;
    CHECK_OK(oups_table_sort_indices(&idx, t, &x, 1));
    int64_t want[8] = {2, 5, 3, 1, 7, 4, 0, 6};
    for (int i = 0; i < 8; i++) CHECK(idx[i] == want[i]);
    oups_mem_free(idx);
    oups_table_free(t);
    /* already sorted (with nulls): identity after the nulls */
    int64_t s[6] = {0, 0, 1, 2, 2, 9};
    uint8_t valid[6] = {1, 0, 1, 1, 0, 1};
    CHECK_OK(fx_int64(&t, s, valid, 6));
    CHECK_OK(oups_table_sort_indices(&idx, t, &x, 1));
    int64_t want2[6] = {1, 4, 0, 2, 3, 5};
    for (int i = 0; i < 6; i++) CHECK(idx[i] == want2[i]);
    oups_mem_free(idx);
    oups_table_free(t);
    /* a large random int64 column through the radix passes */
    int64_t n = 200000;
    int64_t *r = malloc((size_t)n * sizeof *r);
    uint64_t rng = tests_seed();
    for (int64_t i = 0; i < n; i++) r[i] = (int64_t)(test_rand(&rng) % 1000000) * 1000 - 5000000;
    CHECK_OK(fx_int64(&t, r, NULL, n));
    free(r);
    CHECK_OK(oups_table_sort_indices(&idx, t, &x, 1));
    CHECK(check_permutation(t, idx, &x, 1));
    oups_mem_free(idx);
    oups_table_free(t);
}

TEST(sort_empty_and_errors) {
    oups_table *t, *e;
    CHECK_OK(fx_table(&t, 10, 0, 1));
    CHECK_OK(oups_table_slice(&e, t, 10, 0));
    for (int c = 0; c < FX_NCOLS; c++) {
        oups_table *s;
        CHECK_OK(oups_table_sort(&s, e, &fx_names[c], 1));
        CHECK(oups_table_num_rows(s) == 0);
        oups_table_free(s);
        CHECK_OK(oups_table_check_ordered(NULL, e, &fx_names[c], 1));
    }
    const char *missing[2] = {"i64", "nope"};
    int64_t *idx = (int64_t *)1;
    CHECK_RC(oups_table_sort_indices(&idx, t, missing, 2), OUPS_ENOTFOUND);
    CHECK(idx == NULL && strstr(oups_error_last(), "'nope'") != NULL);
    CHECK_RC(oups_table_sort_indices(&idx, t, missing, 0), OUPS_EINVAL);
    CHECK_RC(oups_table_check_ordered(NULL, t, missing, 2), OUPS_ENOTFOUND);
    CHECK_OK(oups_table_check_ordered(NULL, t, missing, 0));
    oups_table_free(e);
    oups_table_free(t);
}

TEST(check_ordered_messages) {
    int64_t v[5] = {1, 5, 5, 3, 9};
    oups_table *t;
    CHECK_OK(fx_int64(&t, v, NULL, 5));
    const char *x = "x";
    int64_t bad;
    CHECK_RC(oups_table_check_ordered(&bad, t, &x, 1), OUPS_EUNORDERED);
    CHECK(bad == 3);
    CHECK(strcmp(oups_error_last(), "not ordered on column 'x': row 3 (3) is smaller than row 2 (5)") == 0);
    /* nulls first: a null after a value is out of order */
    uint8_t valid[5] = {1, 1, 1, 1, 0};
    int64_t ok[5] = {1, 2, 3, 4, 5};
    oups_table_free(t);
    CHECK_OK(fx_int64(&t, ok, valid, 5));
    CHECK_RC(oups_table_check_ordered(&bad, t, &x, 1), OUPS_EUNORDERED);
    CHECK(bad == 4 && strstr(oups_error_last(), "(null)") != NULL);
    oups_table_free(t);
    /* several keys: the message names the first key that differs */
    oups_table *m;
    int which[2] = {13, 4};
    CHECK_OK(fx_table_cols(&m, 300, 0, tests_seed(), which, 2));
    const char *keys[2] = {"str", "i64"};
    oups_table *sorted;
    CHECK_OK(oups_table_sort(&sorted, m, keys, 2));
    CHECK_OK(oups_table_check_ordered(&bad, sorted, keys, 2));
    const char *rev[2] = {"i64", "str"};
    CHECK_RC(oups_table_check_ordered(&bad, sorted, rev, 2), OUPS_EUNORDERED);
    CHECK(bad > 0 && strstr(oups_error_last(), "2 key columns") != NULL);
    oups_table_free(sorted);
    oups_table_free(m);
}

TEST(sort_oom) {
    oups_table *t;
    CHECK_OK(fx_table(&t, 300, 15, 11));
    const char *keys[2] = {"str", "f64"};
    for (int nk = 1; nk <= 2; nk++)
        FX_OOM_LOOP({
            oups_table *s = NULL;
            rc = oups_table_sort(&s, t, keys + (2 - nk), nk); /* f64 alone: radix; str,f64: merge */
            CHECK(rc == 0 || s == NULL);
            oups_table_free(s);
        });
    oups_table_free(t);
}

RUN_TESTS("table.sort", sort_every_type_single_key, sort_multi_key, sort_float_order_example,
          sort_extreme_integers_and_sorted_input, sort_empty_and_errors, check_ordered_messages, sort_oom)
