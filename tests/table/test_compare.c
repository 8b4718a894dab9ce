// labels: quick
/*
 * tests/table/test_compare.c: oups_table_equal (bit-identical floats, nulls ignore values,
 * slicing irrelevant, description of the first difference), scalars read from columns,
 * compare_scalar across type families, and search_sorted LEFT/RIGHT for every orderable type
 * (typed fast paths checked against the row-by-row comparison).
 */
#include "fixtures.h"

static int f64_table(oups_table **out, const char *name, const double *v, const uint8_t *valid, int n) {
    oups_datatype t = oups_type(OUPS_TYPE_FLOAT64);
    uint8_t bits[8] = {0};
    for (int i = 0; valid && i < n; i++)
        if (valid[i]) bits[i / 8] |= (uint8_t)(1u << (i % 8));
    oups_column *c;
    OUPS_TRY(oups_column_from_values(&c, &t, v, n, valid ? bits : NULL));
    int rc = oups_table_new(out, 1, &name, &c);
    oups_column_release(c);
    return rc;
}

TEST(equal_floats_by_bits) {
    double a[3] = {1.0, NAN, 0.0}, b[3] = {1.0, NAN, -0.0};
    oups_table *ta, *tb, *tc;
    CHECK_OK(f64_table(&ta, "p", a, NULL, 3));
    CHECK_OK(f64_table(&tb, "p", b, NULL, 3));
    CHECK_OK(f64_table(&tc, "p", a, NULL, 3));
    char desc[200];
    CHECK(oups_table_equal(ta, tc, desc, sizeof desc) == 1); /* NaN equals NaN of the same bits */
    CHECK(desc[0] == '\0');
    CHECK(oups_table_equal(ta, tb, desc, sizeof desc) == 0); /* 0.0 differs from -0.0 */
    CHECK(strcmp(desc, "column 'p' row 2: 0 vs -0") == 0);
    oups_table_free(ta);
    oups_table_free(tb);
    oups_table_free(tc);
}

TEST(equal_ignores_values_under_nulls_and_slicing) {
    double a[4] = {1, 2, 3, 4}, b[4] = {1, 99, 3, 4};
    uint8_t valid[4] = {1, 0, 1, 1};
    oups_table *ta, *tb, *tc;
    CHECK_OK(f64_table(&ta, "p", a, valid, 4));
    CHECK_OK(f64_table(&tb, "p", b, valid, 4));
    CHECK_OK(f64_table(&tc, "p", b, NULL, 4));
    char desc[200];
    CHECK(oups_table_equal(ta, tb, desc, sizeof desc) == 1);
    CHECK(oups_table_equal(ta, tc, desc, sizeof desc) == 0);
    CHECK(strcmp(desc, "column 'p' row 1: null vs 99") == 0);
    /* a slice equals a compact copy of the same rows */
    oups_table *big, *s, *copy;
    CHECK_OK(fx_table(&big, 300, 20, tests_seed()));
    CHECK_OK(oups_table_slice(&s, big, 101, 77));
    int64_t idx[77];
    for (int i = 0; i < 77; i++) idx[i] = 101 + i;
    CHECK_OK(oups_table_take(&copy, big, idx, 77));
    CHECK(oups_table_equal(s, copy, desc, sizeof desc) == 1);
    CHECK(oups_table_equal(copy, s, NULL, 0) == 1);
    oups_table_free(copy);
    oups_table_free(s);
    oups_table_free(big);
    oups_table_free(ta);
    oups_table_free(tb);
    oups_table_free(tc);
}

TEST(equal_describes_schema_differences) {
    oups_table *a, *b, *c, *d;
    CHECK_OK(fx_table(&a, 10, 0, 1));
    CHECK_OK(fx_table(&b, 11, 0, 1));
    char desc[200];
    CHECK(oups_table_equal(a, b, desc, sizeof desc) == 0);
    CHECK(strcmp(desc, "row count 10 vs 11") == 0);
    const char *from[1] = {"i8"}, *to[1] = {"x"};
    CHECK_OK(oups_table_rename(&c, a, from, to, 1));
    CHECK(oups_table_equal(a, c, desc, sizeof desc) == 0);
    CHECK(strcmp(desc, "column 1 name 'i8' vs 'x'") == 0);
    CHECK_OK(oups_table_set_column(&d, a, "i8", oups_table_column(a, 2)));
    CHECK(oups_table_equal(a, d, desc, sizeof desc) == 0);
    CHECK(strcmp(desc, "column 'i8' type int8 vs int16") == 0);
    oups_table_free(d);
    CHECK_OK(oups_table_select(&d, a, from, 1));
    CHECK(oups_table_equal(a, d, desc, sizeof desc) == 0);
    CHECK(strcmp(desc, "column count 16 vs 1") == 0);
    /* a small buffer truncates, never overflows */
    char tiny[8];
    CHECK(oups_table_equal(a, b, tiny, sizeof tiny) == 0 && strlen(tiny) == 7);
    /* string values are quoted with escapes */
    oups_table *s1, *s2;
    int which[1] = {13};
    CHECK_OK(fx_table_cols(&s1, 50, 0, 3, which, 1));
    CHECK_OK(fx_table_cols(&s2, 50, 0, 4, which, 1));
    CHECK(oups_table_equal(s1, s2, desc, sizeof desc) == 0);
    CHECK(strstr(desc, "column 'str' row ") == desc && strchr(desc, '"') != NULL);
    oups_table_free(s1);
    oups_table_free(s2);
    oups_table_free(a);
    oups_table_free(b);
    oups_table_free(c);
    oups_table_free(d);
}

TEST(scalars_and_compare) {
    oups_table *t;
    CHECK_OK(fx_table(&t, 200, 20, tests_seed()));
    for (int c = 0; c < FX_NCOLS; c++) {
        oups_column *col = oups_table_column(t, c);
        for (int64_t i = 0; i < 200; i++) {
            oups_scalar s;
            oups_column_get_scalar(&s, col, i);
            CHECK(s.is_null == !oups_column_is_valid(col, i));
            CHECK(oups_datatype_equal(&s.type, oups_column_type(col)));
            CHECK(oups_column_compare_scalar(col, i, &s) == 0); /* every value equals itself (NaN too) */
        }
    }
    oups_table_free(t);
    /* mixed families: any int with any int, floats with ints */
    int64_t v[4] = {-5, 0, 7, INT64_MAX};
    oups_table *ti;
    CHECK_OK(fx_int64(&ti, v, (const uint8_t[]){1, 1, 1, 0}, 4));
    oups_column *c = oups_table_column(ti, 0);
    oups_scalar u = {.type = oups_type(OUPS_TYPE_UINT64), .v.u = UINT64_MAX};
    CHECK(oups_column_compare_scalar(c, 0, &u) < 0);
    u.v.u = 7;
    CHECK(oups_column_compare_scalar(c, 2, &u) == 0);
    oups_scalar f = {.type = oups_type(OUPS_TYPE_FLOAT64), .v.f = -5.5};
    CHECK(oups_column_compare_scalar(c, 0, &f) > 0);
    f.v.f = NAN;
    CHECK(oups_column_compare_scalar(c, 2, &f) < 0); /* NaN after every number */
    oups_scalar n = {.type = oups_type(OUPS_TYPE_INT64), .is_null = true};
    CHECK(oups_column_compare_scalar(c, 3, &n) == 0); /* null row vs null */
    CHECK(oups_column_compare_scalar(c, 0, &n) > 0);  /* nulls first */
    oups_scalar i8 = {.type = oups_type(OUPS_TYPE_INT8), .v.i = -5};
    CHECK(oups_column_compare_scalar(c, 3, &i8) < 0);
    CHECK(oups_column_compare_scalar(c, 0, &i8) == 0);
    oups_table_free(ti);
}

/* search_sorted must agree with a linear scan of compare_scalar, for LEFT and RIGHT. */
static int check_search(const oups_column *col, const oups_scalar *s) {
    int64_t n = oups_column_length(col), left = 0, right = 0;
    for (int64_t i = 0; i < n; i++) {
        int c = oups_column_compare_scalar(col, i, s);
        left += c < 0;
        right += c <= 0;
    }
    int64_t l, r;
    if (oups_column_search_sorted(&l, col, s, OUPS_SIDE_LEFT) < 0) return 0;
    if (oups_column_search_sorted(&r, col, s, OUPS_SIDE_RIGHT) < 0) return 0;
    if (l != left || r != right) {
        fprintf(stderr, "  search: got [%lld, %lld), expected [%lld, %lld)\n", (long long)l, (long long)r,
                (long long)left, (long long)right);
        return 0;
    }
    return 1;
}

TEST(search_sorted_every_type) {
    for (int pct = 0; pct <= 30; pct += 30) {
        oups_table *t;
        CHECK_OK(fx_table(&t, 400, pct, tests_seed() + (uint64_t)pct));
        for (int c = 0; c < FX_NCOLS; c++) {
            const char *key = fx_names[c];
            oups_table *sorted, *sl;
            CHECK_OK(oups_table_sort(&sorted, t, &key, 1));
            CHECK_OK(oups_table_slice(&sl, sorted, 3, 390)); /* offset != 0 */
            oups_column *col = oups_table_column(sl, c);
            for (int64_t i = 0; i < 390; i += 13) {
                oups_scalar s;
                oups_column_get_scalar(&s, col, i);
                CHECK(check_search(col, &s));
            }
            oups_table_free(sl);
            oups_table_free(sorted);
        }
        oups_table_free(t);
    }
}

TEST(search_sorted_examples) {
    int64_t v[6] = {1, 2, 2, 3, 40, 40};
    oups_table *t;
    CHECK_OK(fx_int64(&t, v, NULL, 6));
    oups_column *c = oups_table_column(t, 0);
    oups_scalar s = {.type = oups_type(OUPS_TYPE_INT64), .v.i = 2};
    int64_t at;
    CHECK_OK(oups_column_search_sorted(&at, c, &s, OUPS_SIDE_LEFT));
    CHECK(at == 1);
    CHECK_OK(oups_column_search_sorted(&at, c, &s, OUPS_SIDE_RIGHT));
    CHECK(at == 3);
    s.v.i = 0;
    CHECK_OK(oups_column_search_sorted(&at, c, &s, OUPS_SIDE_RIGHT));
    CHECK(at == 0);
    s.v.i = 41;
    CHECK_OK(oups_column_search_sorted(&at, c, &s, OUPS_SIDE_LEFT));
    CHECK(at == 6);
    oups_scalar d = {.type = oups_type(OUPS_TYPE_FLOAT64), .v.f = 2.5};
    CHECK_OK(oups_column_search_sorted(&at, c, &d, OUPS_SIDE_LEFT));
    CHECK(at == 3);
    oups_scalar str = {.type = oups_type(OUPS_TYPE_STRING), .v.bytes = {"a", 1}};
    CHECK_RC(oups_column_search_sorted(&at, c, &str, OUPS_SIDE_LEFT), OUPS_ESCHEMA);
    CHECK(strstr(oups_error_last(), "string") != NULL && strstr(oups_error_last(), "int64") != NULL);
    oups_table_free(t);
    /* narrow column, key out of its range; uint64 column, negative key */
    oups_datatype i8 = oups_type(OUPS_TYPE_INT8), u64 = oups_type(OUPS_TYPE_UINT64);
    int8_t small[3] = {-100, 0, 100};
    uint64_t big[3] = {0, 5, UINT64_MAX};
    oups_column *c8, *cu;
    CHECK_OK(oups_column_from_values(&c8, &i8, small, 3, NULL));
    CHECK_OK(oups_column_from_values(&cu, &u64, big, 3, NULL));
    oups_scalar k = {.type = oups_type(OUPS_TYPE_INT64), .v.i = 1000};
    CHECK_OK(oups_column_search_sorted(&at, c8, &k, OUPS_SIDE_LEFT));
    CHECK(at == 3);
    k.v.i = -1000;
    CHECK_OK(oups_column_search_sorted(&at, c8, &k, OUPS_SIDE_RIGHT));
    CHECK(at == 0);
    CHECK_OK(oups_column_search_sorted(&at, cu, &k, OUPS_SIDE_RIGHT));
    CHECK(at == 0);
    oups_scalar ku = {.type = oups_type(OUPS_TYPE_UINT64), .v.u = UINT64_MAX};
    CHECK_OK(oups_column_search_sorted(&at, cu, &ku, OUPS_SIDE_LEFT));
    CHECK(at == 2);
    oups_column_release(c8);
    oups_column_release(cu);
    /* floats with NaN last, nulls first */
    double f[5] = {0, -1, 2, NAN, NAN};
    uint8_t valid[5] = {0, 1, 1, 1, 1};
    CHECK_OK(f64_table(&t, "f", f, valid, 5));
    c = oups_table_column(t, 0);
    oups_scalar nan = {.type = oups_type(OUPS_TYPE_FLOAT64), .v.f = NAN};
    CHECK_OK(oups_column_search_sorted(&at, c, &nan, OUPS_SIDE_LEFT));
    CHECK(at == 3);
    CHECK_OK(oups_column_search_sorted(&at, c, &nan, OUPS_SIDE_RIGHT));
    CHECK(at == 5);
    oups_scalar null = {.type = oups_type(OUPS_TYPE_FLOAT64), .is_null = true};
    CHECK_OK(oups_column_search_sorted(&at, c, &null, OUPS_SIDE_RIGHT));
    CHECK(at == 1);
    oups_table_free(t);
    CHECK_OK(f64_table(&t, "f", f + 1, NULL, 4)); /* no nulls: typed path */
    c = oups_table_column(t, 0);
    CHECK_OK(oups_column_search_sorted(&at, c, &nan, OUPS_SIDE_LEFT));
    CHECK(at == 2);
    oups_scalar two = {.type = oups_type(OUPS_TYPE_INT32), .v.i = 2};
    CHECK_OK(oups_column_search_sorted(&at, c, &two, OUPS_SIDE_RIGHT));
    CHECK(at == 2);
    oups_table_free(t);
}

/* Values as messages show them. */
TEST(format_values) {
    static const struct {
        oups_datatype t;
        int64_t v;
        const char *want;
    } cases[] = {
        {{.id = OUPS_TYPE_TIMESTAMP, .unit = OUPS_UNIT_NS, .tz = "UTC"}, INT64_C(1704164645000000006),
         "2024-01-02T03:04:05.000000006Z"},
        {{.id = OUPS_TYPE_TIMESTAMP, .unit = OUPS_UNIT_S}, INT64_C(1704164645), "2024-01-02T03:04:05"},
        {{.id = OUPS_TYPE_TIMESTAMP, .unit = OUPS_UNIT_MS}, -1, "1969-12-31T23:59:59.999"},
        {{.id = OUPS_TYPE_TIMESTAMP, .unit = OUPS_UNIT_US}, INT64_MIN, "-290308-12-21T19:59:05.224192"},
        {{.id = OUPS_TYPE_TIMESTAMP, .unit = OUPS_UNIT_S}, INT64_MIN, "-9223372036854775808"}, /* beyond gmtime */
        {{.id = OUPS_TYPE_DATE32}, 19000, "2022-01-08"},
        {{.id = OUPS_TYPE_INT16}, -7, "-7"},
        {{.id = OUPS_TYPE_UINT64}, -1, "18446744073709551615"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        oups_builder *b;
        CHECK_OK(oups_builder_new(&b, &cases[k].t, 1));
        if (cases[k].t.id == OUPS_TYPE_UINT64) CHECK_OK(oups_builder_append_uint(b, (uint64_t)cases[k].v));
        else CHECK_OK(oups_builder_append_int(b, cases[k].v));
        CHECK_OK(oups_builder_append_null(b));
        oups_column *c;
        CHECK_OK(oups_builder_finish(&c, b));
        oups_builder_free(b);
        oups_column_view v;
        oups_column_view_get(&v, c);
        char buf[64];
        oups_column__format(buf, sizeof buf, &v, 0);
        if (strcmp(buf, cases[k].want) != 0) fprintf(stderr, "  got %s, want %s\n", buf, cases[k].want);
        CHECK(strcmp(buf, cases[k].want) == 0);
        CHECK(strcmp(oups_column__format(buf, sizeof buf, &v, 1), "null") == 0);
        oups_column_release(c);
    }
    /* decimals keep their scale; long strings are cut */
    oups_datatype d = oups_type_decimal(12, 3), s = oups_type(OUPS_TYPE_STRING);
    oups_builder *bd, *bs;
    CHECK_OK(oups_builder_new(&bd, &d, 0));
    CHECK_OK(oups_builder_new(&bs, &s, 0));
    uint8_t v[16] = {0};
    int64_t x = -1234567;
    memcpy(v, &x, 8);
    memset(v + 8, 0xff, 8);
    CHECK_OK(oups_builder_append_decimal(bd, v));
    char longs[200];
    memset(longs, 'a', sizeof longs);
    CHECK_OK(oups_builder_append_bytes(bs, longs, 200));
    oups_column *cd, *cs;
    CHECK_OK(oups_builder_finish(&cd, bd));
    CHECK_OK(oups_builder_finish(&cs, bs));
    oups_column_view vd, vs;
    oups_column_view_get(&vd, cd);
    oups_column_view_get(&vs, cs);
    char buf[128];
    CHECK(strcmp(oups_column__format(buf, sizeof buf, &vd, 0), "-1234.567") == 0);
    oups_column__format(buf, sizeof buf, &vs, 0);
    CHECK(strlen(buf) == 1 + 48 + 3 + 1 && strcmp(buf + 49, "...\"") == 0);
    char tiny[5];
    CHECK(strlen(oups_column__format(tiny, sizeof tiny, &vs, 0)) <= 4);
    oups_column_release(cd);
    oups_column_release(cs);
    oups_builder_free(bd);
    oups_builder_free(bs);
}

RUN_TESTS("table.compare", format_values, equal_floats_by_bits, equal_ignores_values_under_nulls_and_slicing,
          equal_describes_schema_differences, scalars_and_compare, search_sorted_every_type, search_sorted_examples)
