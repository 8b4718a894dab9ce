// labels: quick
/*
 * tests/ops/test_asof_kinds.c: every column type carried through the merger with its nulls
 * (against a slow reference of spec §6), the zero fill of each type, the extensions (forward,
 * nearest, tolerance, fill modes) against a slow reference, other key types, and the plain
 * oups_asof() API.
 */
#include "asof_fixtures.h"
#include "table/fixtures.h"

/* Slow reference: window base (spec §6 "r + 1"), or -1 for a miss, in a single call with
 * nothing seen before. Linear scans only. */
static int64_t ref_base(const int64_t *K, int64_t nk, int64_t m, oups_asof_direction dir, bool allow, bool has_tol,
                        int64_t tol) {
    int64_t b = 0, f = -1;
    for (int64_t j = 0; j < nk; j++)
        if (allow ? K[j] <= m : K[j] < m) b = j + 1;
    for (int64_t j = nk - 1; j >= 0; j--)
        if (allow ? K[j] >= m : K[j] > m) f = j;
    bool hb = b > 0, hf = f >= 0;
    if (dir == OUPS_ASOF_BACKWARD) {
        if (has_tol && (!hb || m - K[b - 1] > tol)) return -1;
        return b;
    }
    if (dir == OUPS_ASOF_FORWARD) {
        if (!hf || (has_tol && K[f] - m > tol)) return -1;
        return f + 1;
    }
    if (hf && (!hb || K[f] - m < m - K[b - 1])) return has_tol && K[f] - m > tol ? -1 : f + 1;
    if (has_tol && (!hb || m - K[b - 1] > tol)) return -1;
    return b;
}

/* Cell (a, i) equals cell (b, j): both null, or same bytes (floats by bits). */
static int cell_eq(const oups_column *a, int64_t i, const oups_column *b, int64_t j) {
    bool va = oups_column_is_valid(a, i), vb = oups_column_is_valid(b, j);
    if (va != vb) return 0;
    if (!va) return 1;
    oups_column_view x, y;
    oups_column_view_get(&x, a);
    oups_column_view_get(&y, b);
    int64_t p = x.offset + i, q = y.offset + j;
    if (oups_type_is_binary(x.type.id)) {
        int64_t la = x.offsets[p + 1] - x.offsets[p], lb = y.offsets[q + 1] - y.offsets[q];
        return la == lb && memcmp((const uint8_t *)x.data + x.offsets[p], (const uint8_t *)y.data + y.offsets[q],
                                  (size_t)la) == 0;
    }
    if (x.type.id == OUPS_TYPE_BOOL) return oups_bit_get(x.data, p) == oups_bit_get(y.data, q);
    int w = oups_datatype_width(x.type.id);
    return memcmp((const uint8_t *)x.data + p * w, (const uint8_t *)y.data + q * w, (size_t)w) == 0;
}

/* Sorted random keys with ties. */
static void sorted_keys(int64_t *k, int64_t n, uint64_t *rng, int64_t step) {
    int64_t v = 0;
    for (int64_t i = 0; i < n; i++) {
        v += (int64_t)(test_rand(rng) % (uint64_t)step);
        k[i] = v;
    }
}

/* Merge a table of every type (with nulls) and compare each cell with the reference. */
static void check_all_types(oups_asof_direction dir, bool allow, bool has_tol, int64_t tol, int np) {
    enum { NK = 150, NM = 220 };
    uint64_t rng = tests_seed() + (uint64_t)dir * 7 + allow + (uint64_t)np * 3;
    oups_table *vals = NULL;
    CHECK_OK(fx_table(&vals, NK, 20, rng));
    int64_t K[NK], M[NM];
    sorted_keys(K, NK, &rng, 6);
    sorted_keys(M, NM, &rng, 4);
    oups_column *kc = col_i64(K, NK), *mc = col_i64(M, NM);
    oups_table *t = NULL;
    CHECK_OK(oups_table_set_column(&t, vals, "key", kc));
    oups_asof_merger_options o = OUPS_ASOF_MERGER_OPTIONS_INIT;
    o.on = "key";
    o.n_dfs_per_group = 1;
    o.n_prev = &np;
    o.allow_exact_matches = &allow;
    o.direction = dir;
    o.has_tolerance = has_tol;
    o.tolerance = tol;
    o.fill = OUPS_ASOF_FILL_NULLS;
    oups_asof_merger *m = NULL;
    CHECK_OK(oups_asof_merger_new(&m, &o));
    oups_table *r = NULL;
    CHECK_OK(oups_asof_merger_merge(&r, m, mc, &t, 1, NULL, 0, true));
    CHECK(oups_table_num_columns(r) == 1 + FX_NCOLS * (np + 1));
    for (int c = 0; c < FX_NCOLS; c++) {
        const oups_column *src = oups_table_column(vals, c);
        for (int s = 0; s <= np; s++) {
            char name[64];
            if (np) snprintf(name, sizeof name, "%s_%d", fx_names[c], np - s);
            else snprintf(name, sizeof name, "%s", fx_names[c]);
            int k = oups_table_column_index(r, name);
            CHECK(k >= 0);
            const oups_column *out = oups_table_column(r, k);
            CHECK(oups_datatype_equal(oups_column_type(out), oups_column_type(src)));
            for (int64_t i = 0; i < NM; i++) {
                int64_t b = ref_base(K, NK, M[i], dir, allow, has_tol, tol), tt = b + s;
                bool from_d = b >= 0 && tt >= np + 1;
                if (from_d ? !cell_eq(out, i, src, tt - np - 1) : oups_column_is_valid(out, i)) {
                    fprintf(stderr, "  %s row %lld (target %lld, base %lld) differs\n", name, (long long)i,
                            (long long)M[i], (long long)b);
                    CHECK(0);
                }
            }
        }
    }
    oups_table_free(r);
    oups_asof_merger_free(m);
    oups_table_free(t);
    oups_table_free(vals);
    oups_column_release(kc);
    oups_column_release(mc);
}

TEST(all_types_backward) {
    check_all_types(OUPS_ASOF_BACKWARD, false, false, 0, 2);
    check_all_types(OUPS_ASOF_BACKWARD, true, false, 0, 0);
}
TEST(all_types_forward) {
    check_all_types(OUPS_ASOF_FORWARD, true, false, 0, 1);
    check_all_types(OUPS_ASOF_FORWARD, false, false, 0, 0);
}
TEST(all_types_nearest) {
    check_all_types(OUPS_ASOF_NEAREST, true, false, 0, 1);
    check_all_types(OUPS_ASOF_NEAREST, false, false, 0, 0);
}
TEST(all_types_tolerance) {
    for (int dir = 0; dir < 3; dir++) {
        check_all_types((oups_asof_direction)dir, true, true, 3, 1);
        check_all_types((oups_asof_direction)dir, false, true, 0, 0);
    }
}

/* Zero fill of every type: 0, false, epoch, "", decimal 0. */
TEST(zero_fill_every_type) {
    oups_table *vals = NULL;
    CHECK_OK(fx_table(&vals, 3, 0, 5));
    oups_column *kc = col_i64((int64_t[]){10, 20, 30}, 3), *mc = col_i64((int64_t[]){1}, 1);
    oups_table *t = NULL;
    CHECK_OK(oups_table_set_column(&t, vals, "key", kc));
    oups_asof_merger_options o = OUPS_ASOF_MERGER_OPTIONS_INIT;
    o.on = "key";
    o.n_dfs_per_group = 1;
    oups_asof_merger *m = NULL;
    CHECK_OK(oups_asof_merger_new(&m, &o));
    oups_table *r = NULL;
    CHECK_OK(oups_asof_merger_merge(&r, m, mc, &t, 1, NULL, 0, false));
    for (int c = 1; c < oups_table_num_columns(r); c++) {
        oups_scalar s;
        oups_column_get_scalar(&s, oups_table_column(r, c), 0);
        CHECK(!s.is_null);
        static const uint8_t zero[16] = {0};
        oups_type_id id = s.type.id;
        if (oups_type_is_binary(id)) CHECK(s.v.bytes.len == 0);
        else if (id == OUPS_TYPE_BOOL) CHECK(!s.v.b);
        else if (id == OUPS_TYPE_DECIMAL128) CHECK(memcmp(s.v.dec, zero, 16) == 0);
        else if (oups_type_is_float(id)) CHECK(s.v.f == 0.0);
        else CHECK(s.v.i == 0);
    }
    oups_table_free(r);
    oups_asof_merger_free(m);
    oups_table_free(t);
    oups_table_free(vals);
    oups_column_release(kc);
    oups_column_release(mc);
}

/* Keys of other types: int32, uint64 (past 2^63), float64 (negative, -0.0), date32. */
TEST(other_key_types) {
    oups_datatype u64 = oups_type(OUPS_TYPE_UINT64), f64 = oups_type(OUPS_TYPE_FLOAT64), i32 = oups_type(OUPS_TYPE_INT32);
    uint64_t uk[] = {1, UINT64_C(1) << 63, UINT64_MAX - 1}, um[] = {0, 5, UINT64_C(1) << 63, UINT64_MAX};
    double fk[] = {-3.5, -0.0, 2.0}, fm[] = {-4, -1, 0.0, 1, 9};
    int32_t ik[] = {-5, 0, 7}, im[] = {-6, -5, 6, 100};
    struct {
        const oups_datatype *t;
        const void *k, *m;
        int nm;
        double expect[5];
    } cases[] = {{&u64, uk, um, 4, {0, 1, 2, 3}}, {&f64, fk, fm, 5, {0, 1, 2, 2, 3}}, {&i32, ik, im, 4, {0, 1, 2, 3}}};
    for (int c = 0; c < 3; c++) {
        oups_column *kc = NULL, *mc = NULL;
        CHECK_OK(oups_column_from_values(&kc, cases[c].t, cases[c].k, 3, NULL));
        CHECK_OK(oups_column_from_values(&mc, cases[c].t, cases[c].m, cases[c].nm, NULL));
        oups_table *t = tbl(2, "ts", kc, "v", col_f64((double[]){1, 2, 3}, 3));
        bool allow = true;
        oups_asof_merger_options o = OUPS_ASOF_MERGER_OPTIONS_INIT;
        o.on = "ts";
        o.n_dfs_per_group = 1;
        o.allow_exact_matches = &allow;
        oups_asof_merger *m = NULL;
        CHECK_OK(oups_asof_merger_new(&m, &o));
        oups_table *r = NULL;
        CHECK_OK(oups_asof_merger_merge(&r, m, mc, &t, 1, NULL, 0, true));
        CHECK(col_is(r, "v", cases[c].expect, cases[c].nm));
        oups_table_free(r);
        oups_asof_merger_free(m);
        oups_table_free(t);
        oups_column_release(mc);
    }
    /* Float keys and a tolerance: unsupported; a string key: unsupported. */
    oups_asof_merger_options o = OUPS_ASOF_MERGER_OPTIONS_INIT;
    o.on = "ts";
    o.n_dfs_per_group = 1;
    o.has_tolerance = true;
    o.tolerance = 1;
    oups_asof_merger *m = NULL;
    CHECK_OK(oups_asof_merger_new(&m, &o));
    oups_column *fc = NULL;
    CHECK_OK(oups_column_from_values(&fc, &f64, fk, 3, NULL));
    oups_table *t = tbl(2, "ts", oups_column_retain(fc), "v", col_f64((double[]){1, 2, 3}, 3));
    oups_table *r = NULL;
    CHECK_RC(oups_asof_merger_merge(&r, m, fc, &t, 1, NULL, 0, true), OUPS_EUNSUPPORTED);
    oups_asof_merger_free(m);
    oups_table_free(t);
    oups_column_release(fc);
}

TEST(null_key_rejected) {
    oups_datatype i64 = oups_type(OUPS_TYPE_INT64);
    oups_column *kc = NULL;
    uint8_t valid = 0x5; /* rows 0 and 2 valid */
    CHECK_OK(oups_column_from_values(&kc, &i64, (int64_t[]){1, 2, 3}, 3, &valid));
    oups_table *t = tbl(2, "ts", kc, "v", col_f64((double[]){1, 2, 3}, 3));
    oups_column *mc = col_i64((int64_t[]){2}, 1);
    oups_table *r = NULL;
    CHECK_RC(oups_asof(&r, mc, t, "ts", NULL), OUPS_EINVAL);
    CHECK(strstr(oups_error_last(), "row 1") != NULL);
    oups_table_free(t);
    oups_column_release(mc);
}

TEST(plain_api) {
    oups_table *t = tbl(3, "x", col_i64((int64_t[]){7, 8, 9}, 3), "ts", col_i64((int64_t[]){10, 20, 30}, 3), "v",
                        col_f64((double[]){1, 2, 3}, 3));
    oups_column *mc = col_i64((int64_t[]){5, 10, 25, 35}, 4);
    oups_table *r = NULL;
    CHECK_OK(oups_asof(&r, mc, t, "ts", NULL)); /* backward, exact matches allowed, nulls */
    char buf[128];
    CHECK(strcmp(names_of(r, buf, sizeof buf), "ts,x,v") == 0);
    CHECK(is_null_at(r, "v", 0) && is_null_at(r, "x", 0));
    CHECK(f64_at(r, "v", 1) == 1 && f64_at(r, "v", 2) == 2 && f64_at(r, "v", 3) == 3);
    CHECK(i64_at(r, "x", 3) == 9);
    oups_table_free(r);
    oups_asof_options o = OUPS_ASOF_OPTIONS_INIT;
    o.direction = OUPS_ASOF_FORWARD;
    o.allow_exact_matches = false;
    o.prefix = "r_";
    CHECK_OK(oups_asof(&r, mc, t, "ts", &o));
    CHECK(strcmp(names_of(r, buf, sizeof buf), "ts,r_x,r_v") == 0);
    CHECK(f64_at(r, "r_v", 0) == 1 && f64_at(r, "r_v", 1) == 2 && f64_at(r, "r_v", 2) == 3 && is_null_at(r, "r_v", 3));
    oups_table_free(r);
    o.direction = OUPS_ASOF_NEAREST;
    o.allow_exact_matches = true;
    o.has_tolerance = true;
    o.tolerance = 5;
    o.fill = OUPS_ASOF_FILL_ZEROS;
    CHECK_OK(oups_asof(&r, mc, t, "ts", &o));
    CHECK(col_is(r, "r_v", (double[]){1, 1, 2, 3}, 4)); /* 25: the tie 20/30 takes 20 */
    oups_table_free(r);
    o.tolerance = 4;
    CHECK_OK(oups_asof(&r, mc, t, "ts", &o));
    CHECK(col_is(r, "r_v", (double[]){0, 1, 0, 0}, 4)); /* 5 > 4 away: the zero fill */
    oups_table_free(r);
    oups_column *um = col_i64((int64_t[]){3, 1}, 2);
    CHECK_RC(oups_asof(&r, um, t, "ts", NULL), OUPS_EUNORDERED);
    CHECK(strstr(oups_error_last(), "row 1: 1 after 3") != NULL);
    CHECK_RC(oups_asof(&r, mc, t, "nope", NULL), OUPS_ENOTFOUND);
    oups_column_release(um);
    oups_column_release(mc);
    oups_table_free(t);
}

/* An unordered timestamp key is reported with its values in ISO 8601, not as raw integers. */
TEST(unordered_message_iso) {
    oups_datatype ts = oups_type_timestamp(OUPS_UNIT_NS, NULL);
    const int64_t v[] = {1700000060000000000, 1700000000000000000};
    oups_column *um = NULL, *rk = NULL;
    CHECK_OK(oups_column_from_values(&um, &ts, v, 2, NULL));
    CHECK_OK(oups_column_from_values(&rk, &ts, v + 1, 1, NULL));
    oups_table *t = tbl(2, "ts", rk, "x", col_f64((double[]){1}, 1)), *r = NULL;
    CHECK_RC(oups_asof(&r, um, t, "ts", NULL), OUPS_EUNORDERED);
    CHECK(strstr(oups_error_last(), "2023-11-14T22:13:20") != NULL);
    CHECK(strstr(oups_error_last(), "2023-11-14T22:14:20") != NULL);
    oups_column_release(um);
    oups_table_free(t);
}

RUN_TESTS("ops.asof_kinds", all_types_backward, all_types_forward, all_types_nearest, all_types_tolerance,
          zero_fill_every_type, other_key_types, null_key_rejected, plain_api,
          unordered_message_iso)
