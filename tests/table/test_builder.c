// labels: quick fault
/*
 * tests/table/test_builder.c: builders of every type: values land in the Arrow layout,
 * nulls only create a bitmap when present, integer range checks (OUPS_EOVERFLOW), wrong-type
 * appends (OUPS_ESCHEMA), append_from, finish resetting the builder, growth past the hint,
 * and OOM at every allocation.
 */
#include "fixtures.h"

TEST(builder_int_values_and_layout) {
    oups_datatype t = oups_type(OUPS_TYPE_INT32);
    oups_builder *b;
    CHECK_OK(oups_builder_new(&b, &t, 0));
    for (int i = 0; i < 1000; i++) CHECK_OK(oups_builder_append_int(b, i * 3 - 7));
    CHECK(oups_builder_length(b) == 1000);
    oups_column *c;
    CHECK_OK(oups_builder_finish(&c, b));
    CHECK(oups_builder_length(b) == 0);
    oups_column_view v;
    oups_column_view_get(&v, c);
    CHECK(v.length == 1000 && v.offset == 0 && v.null_count == 0 && v.validity == NULL);
    CHECK(oups_column_buffer(c, 0) == NULL);
    for (int i = 0; i < 1000; i++) CHECK(((const int32_t *)v.data)[i] == i * 3 - 7);
    /* the builder is reusable after finish */
    CHECK_OK(oups_builder_append_int(b, 5));
    oups_column *c2;
    CHECK_OK(oups_builder_finish(&c2, b));
    CHECK(oups_column_length(c2) == 1);
    oups_column_view_get(&v, c2);
    CHECK(((const int32_t *)v.data)[0] == 5);
    oups_column_release(c);
    oups_column_release(c2);
    oups_builder_free(b);
}

TEST(builder_nulls_bool_strings) {
    oups_datatype tb = oups_type(OUPS_TYPE_BOOL), ts = oups_type(OUPS_TYPE_STRING);
    oups_builder *bb, *bs;
    CHECK_OK(oups_builder_new(&bb, &tb, 3));
    CHECK_OK(oups_builder_new(&bs, &ts, 0));
    for (int i = 0; i < 77; i++) {
        if (i % 5 == 4) {
            CHECK_OK(oups_builder_append_null(bb));
            CHECK_OK(oups_builder_append_null(bs));
        } else {
            CHECK_OK(oups_builder_append_bool(bb, i % 3 == 0));
            char s[16];
            int n = snprintf(s, sizeof s, "v%d", i);
            CHECK_OK(oups_builder_append_bytes(bs, s, n));
        }
    }
    oups_column *cb, *cs;
    CHECK_OK(oups_builder_finish(&cb, bb));
    CHECK_OK(oups_builder_finish(&cs, bs));
    CHECK(oups_column_null_count(cb) == 15 && oups_column_null_count(cs) == 15);
    oups_column_view vb, vs;
    oups_column_view_get(&vb, cb);
    oups_column_view_get(&vs, cs);
    CHECK(vs.offsets[0] == 0);
    for (int i = 0; i < 77; i++) {
        bool valid = i % 5 != 4;
        CHECK(oups_column_is_valid(cb, i) == valid && oups_column_is_valid(cs, i) == valid);
        if (!valid) {
            CHECK(vs.offsets[i + 1] == vs.offsets[i]); /* nulls take no bytes */
            continue;
        }
        CHECK(oups_bit_get(vb.data, i) == (i % 3 == 0));
        char s[16];
        int n = snprintf(s, sizeof s, "v%d", i);
        CHECK(vs.offsets[i + 1] - vs.offsets[i] == n);
        CHECK(memcmp((const char *)vs.data + vs.offsets[i], s, (size_t)n) == 0);
    }
    oups_column_release(cb);
    oups_column_release(cs);
    oups_builder_free(bb);
    oups_builder_free(bs);
}

TEST(builder_range_checks) {
    static const struct {
        oups_type_id id;
        int64_t lo, hi;
    } cases[] = {{OUPS_TYPE_INT8, INT8_MIN, INT8_MAX},     {OUPS_TYPE_INT16, INT16_MIN, INT16_MAX},
                 {OUPS_TYPE_INT32, INT32_MIN, INT32_MAX},  {OUPS_TYPE_DATE32, INT32_MIN, INT32_MAX},
                 {OUPS_TYPE_UINT8, 0, UINT8_MAX},          {OUPS_TYPE_UINT16, 0, UINT16_MAX},
                 {OUPS_TYPE_UINT32, 0, UINT32_MAX}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        oups_datatype t = oups_type(cases[k].id);
        oups_builder *b;
        CHECK_OK(oups_builder_new(&b, &t, 0));
        CHECK_OK(oups_builder_append_int(b, cases[k].lo));
        CHECK_OK(oups_builder_append_int(b, cases[k].hi));
        CHECK_RC(oups_builder_append_int(b, cases[k].lo - 1), OUPS_EOVERFLOW);
        CHECK(strstr(oups_error_last(), "out of range") != NULL);
        CHECK_RC(oups_builder_append_int(b, cases[k].hi + 1), OUPS_EOVERFLOW);
        CHECK_RC(oups_builder_append_uint(b, (uint64_t)cases[k].hi + 1), OUPS_EOVERFLOW);
        CHECK_OK(oups_builder_append_uint(b, (uint64_t)cases[k].hi));
        CHECK(oups_builder_length(b) == 3); /* failed appends add nothing */
        oups_column *c;
        CHECK_OK(oups_builder_finish(&c, b));
        oups_scalar s;
        oups_column_get_scalar(&s, c, 0);
        CHECK(oups_type_is_unsigned(cases[k].id) ? s.v.u == (uint64_t)cases[k].lo : s.v.i == cases[k].lo);
        oups_column_get_scalar(&s, c, 2);
        CHECK(oups_type_is_unsigned(cases[k].id) ? s.v.u == (uint64_t)cases[k].hi : s.v.i == cases[k].hi);
        oups_column_release(c);
        oups_builder_free(b);
    }
    oups_datatype t64 = oups_type(OUPS_TYPE_INT64), u64 = oups_type(OUPS_TYPE_UINT64);
    oups_builder *b, *u;
    CHECK_OK(oups_builder_new(&b, &t64, 0));
    CHECK_OK(oups_builder_new(&u, &u64, 0));
    CHECK_OK(oups_builder_append_int(b, INT64_MIN));
    CHECK_RC(oups_builder_append_uint(b, (uint64_t)INT64_MAX + 1), OUPS_EOVERFLOW);
    CHECK_OK(oups_builder_append_uint(u, UINT64_MAX));
    CHECK_RC(oups_builder_append_int(u, -1), OUPS_EOVERFLOW);
    CHECK(strstr(oups_error_last(), "-1") != NULL);
    oups_builder_free(b);
    oups_builder_free(u);
}

TEST(builder_wrong_type) {
    oups_datatype f = oups_type(OUPS_TYPE_FLOAT64), s = oups_type(OUPS_TYPE_STRING), i = oups_type(OUPS_TYPE_INT64);
    oups_builder *bf, *bs, *bi;
    CHECK_OK(oups_builder_new(&bf, &f, 0));
    CHECK_OK(oups_builder_new(&bs, &s, 0));
    CHECK_OK(oups_builder_new(&bi, &i, 0));
    CHECK_RC(oups_builder_append_int(bf, 1), OUPS_ESCHEMA);
    CHECK(strstr(oups_error_last(), "float64") != NULL);
    CHECK_RC(oups_builder_append_double(bs, 1), OUPS_ESCHEMA);
    CHECK_RC(oups_builder_append_bytes(bi, "x", 1), OUPS_ESCHEMA);
    CHECK_RC(oups_builder_append_bool(bi, true), OUPS_ESCHEMA);
    uint8_t d[16] = {0};
    CHECK_RC(oups_builder_append_decimal(bi, d), OUPS_ESCHEMA);
    CHECK_RC(oups_builder_append_bytes(bs, NULL, 3), OUPS_EINVAL);
    oups_datatype bad = oups_type_decimal(50, 2);
    oups_builder *bd = (oups_builder *)1;
    CHECK_RC(oups_builder_new(&bd, &bad, 0), OUPS_EINVAL);
    CHECK(bd == NULL);
    oups_builder_free(bf);
    oups_builder_free(bs);
    oups_builder_free(bi);
}

TEST(builder_float_decimal_timestamp) {
    oups_datatype f32 = oups_type(OUPS_TYPE_FLOAT32), dec = oups_type_decimal(38, 10);
    oups_datatype ts = oups_type_timestamp(OUPS_UNIT_US, "Europe/Paris");
    oups_builder *bf, *bd, *bt;
    CHECK_OK(oups_builder_new(&bf, &f32, 0));
    CHECK_OK(oups_builder_new(&bd, &dec, 0));
    CHECK_OK(oups_builder_new(&bt, &ts, 0));
    CHECK_OK(oups_builder_append_double(bf, 1.5));
    CHECK_OK(oups_builder_append_double(bf, -0.0));
    uint8_t d[16];
    memset(d, 0xff, 16); /* -1 */
    CHECK_OK(oups_builder_append_decimal(bd, d));
    CHECK_OK(oups_builder_append_int(bt, INT64_MIN));
    oups_column *cf, *cd, *ct;
    CHECK_OK(oups_builder_finish(&cf, bf));
    CHECK_OK(oups_builder_finish(&cd, bd));
    CHECK_OK(oups_builder_finish(&ct, bt));
    oups_column_view v;
    oups_column_view_get(&v, cf);
    CHECK(((const float *)v.data)[0] == 1.5f && signbit(((const float *)v.data)[1]));
    oups_column_view_get(&v, cd);
    CHECK(memcmp(v.data, d, 16) == 0);
    CHECK(strcmp(oups_column_type(ct)->tz, "Europe/Paris") == 0 && oups_column_type(ct)->unit == OUPS_UNIT_US);
    char buf[64];
    CHECK(strcmp(oups_column__format(buf, sizeof buf, &v, 0), "-0.0000000001") == 0);
    oups_column_release(cf);
    oups_column_release(cd);
    oups_column_release(ct);
    oups_builder_free(bf);
    oups_builder_free(bd);
    oups_builder_free(bt);
}

TEST(builder_append_from_every_type) {
    oups_table *t;
    CHECK_OK(fx_table(&t, 300, 20, tests_seed()));
    oups_table *sl;
    CHECK_OK(oups_table_slice(&sl, t, 13, 250)); /* odd offset: bool and validity bits unaligned */
    oups_column *cols[FX_NCOLS] = {0};
    for (int c = 0; c < FX_NCOLS; c++) {
        oups_column *src = oups_table_column(sl, c);
        oups_builder *b;
        CHECK_OK(oups_builder_new(&b, oups_column_type(src), 0));
        for (int64_t i = 0; i < 250; i++) CHECK_OK(oups_builder_append_from(b, src, i));
        CHECK_OK(oups_builder_finish(&cols[c], b));
        oups_builder_free(b);
    }
    oups_table *copy;
    CHECK_OK(oups_table_new(&copy, FX_NCOLS, fx_names, cols));
    for (int c = 0; c < FX_NCOLS; c++) oups_column_release(cols[c]);
    char desc[256];
    CHECK(oups_table_equal(sl, copy, desc, sizeof desc) == 1);
    /* mismatched type and bad row */
    oups_builder *b;
    oups_datatype i32 = oups_type(OUPS_TYPE_INT32);
    CHECK_OK(oups_builder_new(&b, &i32, 0));
    CHECK_RC(oups_builder_append_from(b, oups_table_column(sl, 4), 0), OUPS_ESCHEMA);
    CHECK_RC(oups_builder_append_from(b, oups_table_column(sl, 3), 250), OUPS_EINVAL);
    CHECK_RC(oups_builder_append_from(b, oups_table_column(sl, 3), -1), OUPS_EINVAL);
    oups_builder_free(b);
    oups_table_free(copy);
    oups_table_free(sl);
    oups_table_free(t);
}

TEST(builder_empty_and_all_null) {
    for (int c = 0; c < FX_NCOLS; c++) {
        oups_datatype t = fx_type(c);
        oups_builder *b;
        CHECK_OK(oups_builder_new(&b, &t, 0));
        oups_column *e, *n;
        CHECK_OK(oups_builder_finish(&e, b));
        CHECK(oups_column_length(e) == 0 && oups_column_null_count(e) == 0);
        for (int i = 0; i < 9; i++) CHECK_OK(oups_builder_append_null(b));
        CHECK_OK(oups_builder_finish(&n, b));
        CHECK(oups_column_length(n) == 9 && oups_column_null_count(n) == 9);
        oups_column *nn;
        CHECK_OK(oups_column_new_nulls(&nn, &t, 9));
        oups_table *ta, *tb;
        const char *name = "c";
        CHECK_OK(oups_table_new(&ta, 1, &name, &n));
        CHECK_OK(oups_table_new(&tb, 1, &name, &nn));
        CHECK(oups_table_equal(ta, tb, NULL, 0) == 1);
        oups_table_free(ta);
        oups_table_free(tb);
        oups_column_release(e);
        oups_column_release(n);
        oups_column_release(nn);
        oups_builder_free(b);
    }
}

TEST(builder_oom) {
    for (int c = 0; c < FX_NCOLS; c++) {
        FX_OOM_LOOP({
            oups_table *t = NULL;
            int which[1] = {c};
            rc = fx_table_cols(&t, 200, 10, tests_seed(), which, 1);
            CHECK(rc == 0 || t == NULL);
            oups_table_free(t);
        });
    }
}

TEST(builder_finish_failure_keeps_builder) {
    oups_datatype t = oups_type(OUPS_TYPE_STRING);
    oups_builder *b;
    CHECK_OK(oups_builder_new(&b, &t, 0));
    CHECK_OK(oups_builder_append_bytes(b, "abc", 3));
    CHECK_OK(oups_builder_append_null(b));
    for (int64_t n = 1;; n++) {
        oups_column *c = NULL;
        oups_fault_alloc_after(n, OUPS_FAULT_ONCE);
        int rc = oups_builder_finish(&c, b);
        int64_t hits = oups_fault_alloc_off();
        if (hits == 0) {
            CHECK_OK(rc);
            CHECK(oups_column_length(c) == 2 && oups_column_null_count(c) == 1);
            oups_column_release(c);
            break;
        }
        CHECK_RC(rc, OUPS_ENOMEM);
        CHECK(c == NULL && oups_builder_length(b) == 2);
    }
    oups_builder_free(b);
}

RUN_TESTS("table.builder", builder_int_values_and_layout, builder_nulls_bool_strings, builder_range_checks,
          builder_wrong_type, builder_float_decimal_timestamp, builder_append_from_every_type,
          builder_empty_and_all_null, builder_oom, builder_finish_failure_keeps_builder)
