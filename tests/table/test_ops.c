// labels: quick fault
/*
 * tests/table/test_ops.c: slice (and slices of slices), concat, take, select/rename/
 * set_column and memory_size over every type, with nulls, all-null columns and empty tables;
 * OOM at every allocation of slice, concat and take.
 */
#include "fixtures.h"

/* Rows `idx` of `t` equal the rows of `got`, checked value by value (independent of take). */
static int rows_match(const oups_table *t, const int64_t *idx, int64_t n, const oups_table *got) {
    if (oups_table_num_rows(got) != n || !oups_table_schema_equal(t, got)) return 0;
    for (int c = 0; c < oups_table_num_columns(t); c++) {
        oups_column_view a, b;
        oups_column_view_get(&a, oups_table_column(t, c));
        oups_column_view_get(&b, oups_table_column(got, c));
        for (int64_t r = 0; r < n; r++)
            if (!oups_column__same(&a, idx[r], &b, r)) return 0;
    }
    return 1;
}

TEST(slice_of_slice) {
    oups_table *t, *s1, *s2;
    CHECK_OK(fx_table(&t, 500, 15, tests_seed()));
    CHECK_OK(oups_table_slice(&s1, t, 37, 400));
    CHECK_OK(oups_table_slice(&s2, s1, 5, 101));
    oups_table_free(s1); /* views keep the buffers alive */
    int64_t idx[101];
    for (int i = 0; i < 101; i++) idx[i] = 42 + i;
    CHECK(rows_match(t, idx, 101, s2));
    oups_column_view v;
    oups_column_view_get(&v, oups_table_column(s2, 0));
    CHECK(v.offset == 42); /* zero-copy */
    CHECK_RC(oups_table_slice(&s1, s2, 100, 2), OUPS_EINVAL);
    CHECK(s1 == NULL);
    CHECK(strstr(oups_error_last(), "101 rows") != NULL);
    CHECK_RC(oups_table_slice(&s1, s2, -1, 1), OUPS_EINVAL);
    CHECK_OK(oups_table_slice(&s1, s2, 101, 0));
    CHECK(oups_table_num_rows(s1) == 0);
    oups_table_free(s1);
    oups_table_free(s2);
    oups_table_free(t);
}

TEST(concat_slices_equals_whole) {
    uint64_t rng = tests_seed();
    oups_table *t;
    CHECK_OK(fx_table(&t, 1000, 25, tests_seed() + 1));
    for (int round = 0; round < 5; round++) {
        oups_table *parts[12];
        int n = 0;
        int64_t pos = 0;
        while (pos < 1000 && n < 11) {
            int64_t len = (int64_t)(test_rand(&rng) % 200);
            if (len > 1000 - pos) len = 1000 - pos;
            oups_table *big;
            /* slice of a slice, so offsets compose */
            CHECK_OK(oups_table_slice(&big, t, pos > 3 ? pos - 3 : 0, len + (pos > 3 ? 3 : 0)));
            CHECK_OK(oups_table_slice(&parts[n++], big, pos > 3 ? 3 : 0, len));
            oups_table_free(big);
            pos += len;
        }
        CHECK_OK(oups_table_slice(&parts[n++], t, pos, 1000 - pos));
        oups_table *cat;
        CHECK_OK(oups_table_concat(&cat, parts, n));
        char desc[256];
        CHECK(oups_table_equal(t, cat, desc, sizeof desc) == 1);
        CHECK(oups_table_memory_size(cat) == oups_table_memory_size(t));
        for (int i = 0; i < n; i++) oups_table_free(parts[i]);
        oups_table_free(cat);
    }
    oups_table_free(t);
}

TEST(concat_edge_cases) {
    oups_table *a, *b, *out;
    CHECK_OK(fx_table(&a, 10, 0, 1));
    CHECK_OK(oups_table_concat(&out, &a, 1)); /* one table: the same rows, no copy */
    CHECK(out == a);
    oups_table_free(out);
    CHECK_RC(oups_table_concat(&out, &a, 0), OUPS_EINVAL);
    /* empty + table + empty */
    oups_table *e;
    CHECK_OK(oups_table_slice(&e, a, 3, 0));
    oups_table *three[3] = {e, a, e};
    CHECK_OK(oups_table_concat(&out, three, 3));
    CHECK(oups_table_equal(out, a, NULL, 0) == 1);
    oups_table_free(out);
    /* schema mismatch names the column */
    int which[2] = {4, 3};
    CHECK_OK(fx_table_cols(&b, 5, 0, 2, which, 2));
    oups_table *sel;
    const char *names[2] = {"i64", "i32"};
    CHECK_OK(oups_table_select(&sel, a, names, 2));
    oups_table *pair[2] = {sel, b};
    CHECK_OK(oups_table_concat(&out, pair, 2));
    CHECK(oups_table_num_rows(out) == 15);
    oups_table_free(out);
    pair[1] = a;
    CHECK_RC(oups_table_concat(&out, pair, 2), OUPS_ESCHEMA);
    CHECK(out == NULL);
    oups_table *ren;
    const char *from[1] = {"i32"}, *to[1] = {"other"};
    CHECK_OK(oups_table_rename(&ren, b, from, to, 1));
    pair[1] = ren;
    CHECK_RC(oups_table_concat(&out, pair, 2), OUPS_ESCHEMA);
    CHECK(strstr(oups_error_last(), "'other'") != NULL);
    oups_table *b2;
    int which2[2] = {4, 7};
    CHECK_OK(fx_table_cols(&b2, 5, 0, 2, which2, 2));
    const char *from2[1] = {"u32"}, *to2[1] = {"i32"};
    oups_table *ren2;
    CHECK_OK(oups_table_rename(&ren2, b2, from2, to2, 1));
    pair[1] = ren2;
    CHECK_RC(oups_table_concat(&out, pair, 2), OUPS_ESCHEMA);
    CHECK(strstr(oups_error_last(), "uint32") != NULL && strstr(oups_error_last(), "'i32'") != NULL);
    /* zero-column tables keep their row counts */
    oups_table *z1, *z2;
    CHECK_OK(oups_table_select(&z1, a, NULL, 0));
    CHECK_OK(oups_table_select(&z2, b, NULL, 0));
    oups_table *zz[2] = {z1, z2};
    CHECK_OK(oups_table_concat(&out, zz, 2));
    CHECK(oups_table_num_rows(out) == 15 && oups_table_num_columns(out) == 0);
    oups_table_free(out);
    oups_table_free(z1);
    oups_table_free(z2);
    oups_table_free(ren);
    oups_table_free(ren2);
    oups_table_free(b2);
    oups_table_free(sel);
    oups_table_free(b);
    oups_table_free(e);
    oups_table_free(a);
}

TEST(take_random_with_repeats) {
    uint64_t rng = tests_seed() + 7;
    oups_table *t, *s;
    CHECK_OK(fx_table(&t, 700, 30, tests_seed() + 2));
    CHECK_OK(oups_table_slice(&s, t, 11, 600));
    int64_t idx[900];
    for (int i = 0; i < 900; i++) idx[i] = (int64_t)(test_rand(&rng) % 600);
    oups_table *got;
    CHECK_OK(oups_table_take(&got, s, idx, 900));
    CHECK(rows_match(s, idx, 900, got));
    oups_table_free(got);
    CHECK_OK(oups_table_take(&got, s, NULL, 0));
    CHECK(oups_table_num_rows(got) == 0 && oups_table_schema_equal(got, s));
    oups_table_free(got);
    idx[5] = 600;
    CHECK_RC(oups_table_take(&got, s, idx, 900), OUPS_EINVAL);
    CHECK(strstr(oups_error_last(), "index 600 at position 5") != NULL);
    idx[5] = -1;
    CHECK_RC(oups_table_take(&got, s, idx, 900), OUPS_EINVAL);
    /* taking only valid rows of a column with nulls gives a column without a bitmap */
    oups_column *c = oups_table_column(s, 3);
    int64_t valid[50];
    int nv = 0;
    for (int64_t i = 0; i < 600 && nv < 50; i++)
        if (oups_column_is_valid(c, i)) valid[nv++] = i;
    CHECK_OK(oups_table_take(&got, s, valid, nv));
    CHECK(oups_column_null_count(oups_table_column(got, 3)) == 0);
    CHECK(oups_column_buffer(oups_table_column(got, 3), 0) == NULL);
    oups_table_free(got);
    oups_table_free(s);
    oups_table_free(t);
}

TEST(all_null_columns) {
    oups_table *t;
    CHECK_OK(fx_table(&t, 40, 100, 5));
    for (int c = 0; c < FX_NCOLS; c++) CHECK(oups_column_null_count(oups_table_column(t, c)) == 40);
    oups_table *s, *cat, *got;
    CHECK_OK(oups_table_slice(&s, t, 3, 30));
    oups_table *two[2] = {s, t};
    CHECK_OK(oups_table_concat(&cat, two, 2));
    CHECK(oups_table_num_rows(cat) == 70);
    for (int c = 0; c < FX_NCOLS; c++) CHECK(oups_column_null_count(oups_table_column(cat, c)) == 70);
    int64_t idx[3] = {0, 69, 35};
    CHECK_OK(oups_table_take(&got, cat, idx, 3));
    for (int c = 0; c < FX_NCOLS; c++) CHECK(oups_column_null_count(oups_table_column(got, c)) == 3);
    /* nulls compare equal whatever lies under them */
    oups_table *nulls;
    CHECK_OK(oups_table_slice(&nulls, t, 0, 3));
    CHECK(oups_table_equal(got, nulls, NULL, 0) == 1);
    oups_table_free(nulls);
    oups_table_free(got);
    oups_table_free(cat);
    oups_table_free(s);
    oups_table_free(t);
}

TEST(memory_size_formula) {
    oups_datatype types[4] = {oups_type(OUPS_TYPE_INT64), oups_type(OUPS_TYPE_BOOL), oups_type(OUPS_TYPE_STRING),
                              oups_type_decimal(10, 2)};
    oups_builder *b[4];
    for (int c = 0; c < 4; c++) CHECK_OK(oups_builder_new(&b[c], &types[c], 0));
    for (int i = 0; i < 10; i++) {
        CHECK_OK(i == 2 ? oups_builder_append_null(b[0]) : oups_builder_append_int(b[0], i));
        CHECK_OK(oups_builder_append_bool(b[1], i & 1));
        CHECK_OK(oups_builder_append_bytes(b[2], "abc", i % 4)); /* 0,1,2,3,0,1,2,3,0,1 = 13 bytes */
        uint8_t d[16] = {(uint8_t)i};
        CHECK_OK(oups_builder_append_decimal(b[3], d));
    }
    oups_column *cols[4];
    for (int c = 0; c < 4; c++) {
        CHECK_OK(oups_builder_finish(&cols[c], b[c]));
        oups_builder_free(b[c]);
    }
    const char *names[4] = {"i", "b", "s", "d"};
    oups_table *t, *s;
    CHECK_OK(oups_table_new(&t, 4, names, cols));
    for (int c = 0; c < 4; c++) oups_column_release(cols[c]);
    CHECK(oups_table_memory_size(t) == (2 + 80) + 2 + (11 * 8 + 13) + 160);
    CHECK_OK(oups_table_slice(&s, t, 3, 5)); /* rows 3..7: no null; strings 3,0,1,2,3 */
    CHECK(oups_table_memory_size(s) == 40 + 1 + (6 * 8 + 9) + 80);
    oups_table_free(s);
    oups_table *e;
    CHECK_OK(oups_table_new_empty(&e, 4, names, types));
    CHECK(oups_table_num_rows(e) == 0 && oups_table_memory_size(e) == 8);
    oups_table_free(e);
    oups_table_free(t);
}

TEST(select_rename_set_column) {
    oups_table *t, *out;
    CHECK_OK(fx_table(&t, 20, 10, 9));
    const char *bad[1] = {"nope"};
    CHECK_RC(oups_table_select(&out, t, bad, 1), OUPS_ENOTFOUND);
    CHECK(strstr(oups_error_last(), "'nope'") != NULL);
    const char *from[1] = {"i8"}, *to[1] = {"i16"};
    CHECK_RC(oups_table_rename(&out, t, from, to, 1), OUPS_EINVAL); /* duplicate name */
    oups_column *c = oups_table_column(t, 0);
    CHECK_OK(oups_table_set_column(&out, t, "extra", c));
    CHECK(oups_table_num_columns(out) == FX_NCOLS + 1 && oups_table_column(out, FX_NCOLS) == c);
    oups_table_free(out);
    CHECK_OK(oups_table_set_column(&out, t, "i8", c));
    CHECK(oups_table_num_columns(out) == FX_NCOLS && oups_table_column(out, 1) == c);
    oups_table_free(out);
    oups_table *s;
    CHECK_OK(oups_table_slice(&s, t, 0, 5));
    CHECK_RC(oups_table_set_column(&out, s, "x", c), OUPS_EINVAL);
    oups_table_free(s);
    oups_table_free(t);
}

TEST(ops_oom) {
    oups_table *t;
    CHECK_OK(fx_table(&t, 100, 20, 3));
    int64_t idx[50];
    for (int i = 0; i < 50; i++) idx[i] = (i * 37) % 100;
    FX_OOM_LOOP({
        oups_table *s = NULL;
        rc = oups_table_slice(&s, t, 7, 80);
        oups_table_free(s);
    });
    FX_OOM_LOOP({
        oups_table *s = NULL, *s2 = NULL, *cat = NULL;
        rc = oups_table_slice(&s, t, 7, 80);
        if (rc == 0) rc = oups_table_slice(&s2, t, 1, 9);
        oups_table *parts[3] = {s, t, s2};
        if (rc == 0) rc = oups_table_concat(&cat, parts, 3);
        CHECK(rc == 0 || cat == NULL);
        oups_table_free(cat);
        oups_table_free(s);
        oups_table_free(s2);
    });
    FX_OOM_LOOP({
        oups_table *got = NULL;
        rc = oups_table_take(&got, t, idx, 50);
        CHECK(rc == 0 || got == NULL);
        oups_table_free(got);
    });
    const char *names[2] = {"str", "b"};
    FX_OOM_LOOP({
        oups_table *got = NULL;
        rc = oups_table_select(&got, t, names, 2);
        oups_table_free(got);
    });
    oups_table_free(t);
}

RUN_TESTS("table.ops", slice_of_slice, concat_slices_equals_whole, concat_edge_cases, take_random_with_repeats,
          all_null_columns, memory_size_formula, select_rename_set_column, ops_oom)
