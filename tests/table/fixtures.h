/*
 * tests/table/fixtures.h: test tables shared by the table tests: one column of every oups type
 * filled with seeded random values (a few distinct values per column so sorts and dedups meet
 * ties; NaN, -0.0, empty strings and extreme integers included), nulls at a chosen rate, and
 * the OOM loop helper (fail allocation n = 1, 2, ... until a run hits no fault).
 */
#ifndef OUPS_TESTS_TABLE_FIXTURES_H
#define OUPS_TESTS_TABLE_FIXTURES_H

#include <math.h>

#include "harness.h"
#include "table/table.h"

#define FX_NCOLS 16
static const char *const fx_names[FX_NCOLS] = {"b",   "i8",  "i16", "i32", "i64", "u8",  "u16", "u32",
                                               "u64", "f32", "f64", "ts",  "d32", "str", "bin", "dec"};

static inline oups_datatype fx_type(int c) {
    static const oups_type_id ids[FX_NCOLS] = {
        OUPS_TYPE_BOOL,   OUPS_TYPE_INT8,    OUPS_TYPE_INT16,   OUPS_TYPE_INT32,     OUPS_TYPE_INT64,  OUPS_TYPE_UINT8,
        OUPS_TYPE_UINT16, OUPS_TYPE_UINT32,  OUPS_TYPE_UINT64,  OUPS_TYPE_FLOAT32,   OUPS_TYPE_FLOAT64,
        OUPS_TYPE_TIMESTAMP, OUPS_TYPE_DATE32, OUPS_TYPE_STRING, OUPS_TYPE_BINARY, OUPS_TYPE_DECIMAL128};
    if (ids[c] == OUPS_TYPE_TIMESTAMP) return oups_type_timestamp(OUPS_UNIT_NS, "UTC");
    if (ids[c] == OUPS_TYPE_DECIMAL128) return oups_type_decimal(20, 4);
    return oups_type(ids[c]);
}

/* Append a random value of column c (k picks among a few values, so ties are common). */
static inline int fx_append(oups_builder *b, int c, uint64_t *rng) {
    uint64_t r = test_rand(rng);
    int k = (int)(r % 7);
    static const double fl[7] = {-1.5, 0.0, -0.0, 2.25, 1e300, -7.0, 3.0};
    static const char *const strs[7] = {"", "a", "ab", "b", "zzz", "\xff\x01", "hello world"};
    switch (c) {
    case 0: return oups_builder_append_bool(b, k & 1);
    case 1: return oups_builder_append_int(b, k == 6 ? INT8_MIN : k * 11 - 30);
    case 2: return oups_builder_append_int(b, k == 6 ? INT16_MAX : k * 1000 - 3000);
    case 3: return oups_builder_append_int(b, k == 6 ? INT32_MIN : k * 100000 - 2);
    case 4: return oups_builder_append_int(b, k == 6 ? INT64_MIN : k == 5 ? INT64_MAX : (int64_t)(r >> 60) - 8);
    case 5: return oups_builder_append_uint(b, k == 6 ? UINT8_MAX : (uint64_t)k);
    case 6: return oups_builder_append_uint(b, (uint64_t)k * 9000);
    case 7: return oups_builder_append_uint(b, k == 6 ? UINT32_MAX : (uint64_t)k);
    case 8: return oups_builder_append_uint(b, k == 6 ? UINT64_MAX : (uint64_t)k << 40);
    case 9: return oups_builder_append_double(b, k == 6 ? NAN : fl[k]);
    case 10: return oups_builder_append_double(b, k == 6 ? NAN : fl[k]);
    case 11: return oups_builder_append_int(b, INT64_C(1700000000000000000) + (int64_t)(r % 5) * 1000000000);
    case 12: return oups_builder_append_int(b, 19000 + k);
    case 13: case 14: return oups_builder_append_bytes(b, strs[k], (int64_t)strlen(strs[k]));
    default: {
        uint8_t d[16];
        int64_t v = k == 6 ? -123456789 : (int64_t)k * 10000 - 20000;
        memcpy(d, &v, 8);
        memset(d + 8, v < 0 ? 0xff : 0, 8);
        return oups_builder_append_decimal(b, d);
    }
    }
}

/* A table of `n` rows with the columns `cols` (indices into fx_names; NULL: all), nulls with
 * probability null_pct/100. Returns 0 or a code (and *out NULL). */
static inline int fx_table_cols(oups_table **out, int64_t n, int null_pct, uint64_t seed, const int *which, int nc) {
    *out = NULL;
    oups_column *cols[FX_NCOLS] = {0};
    const char *names[FX_NCOLS] = {0};
    uint64_t rng = seed;
    int rc = 0;
    for (int j = 0; j < nc && rc == 0; j++) {
        int c = which ? which[j] : j;
        names[j] = fx_names[c];
        oups_datatype t = fx_type(c);
        oups_builder *b = NULL;
        rc = oups_builder_new(&b, &t, 0);
        for (int64_t i = 0; i < n && rc == 0; i++)
            rc = (int)(test_rand(&rng) % 100) < null_pct ? oups_builder_append_null(b) : fx_append(b, c, &rng);
        if (rc == 0) rc = oups_builder_finish(&cols[j], b);
        oups_builder_free(b);
    }
    if (rc == 0) rc = oups_table_new(out, nc, names, cols);
    for (int j = 0; j < nc; j++) oups_column_release(cols[j]);
    return rc;
}

static inline int fx_table(oups_table **out, int64_t n, int null_pct, uint64_t seed) {
    return fx_table_cols(out, n, null_pct, seed, NULL, FX_NCOLS);
}

/* A single int64 column "x" from values (validity optional, as bytes 0/1 per row). */
static inline int fx_int64(oups_table **out, const int64_t *v, const uint8_t *valid, int64_t n) {
    *out = NULL;
    oups_datatype t = oups_type(OUPS_TYPE_INT64);
    oups_builder *b = NULL;
    oups_column *c = NULL;
    int rc = oups_builder_new(&b, &t, n);
    for (int64_t i = 0; i < n && rc == 0; i++)
        rc = valid && !valid[i] ? oups_builder_append_null(b) : oups_builder_append_int(b, v[i]);
    if (rc == 0) rc = oups_builder_finish(&c, b);
    oups_builder_free(b);
    const char *name = "x";
    if (rc == 0) rc = oups_table_new(out, 1, &name, &c);
    oups_column_release(c);
    return rc;
}

/* OOM loop (SQLite's method): run `body` (a statement setting `rc`, cleaning up after itself)
 * with the n-th allocation failing, n = 1, 2, ... until a run hits no fault; every faulted run
 * must return OUPS_ENOMEM. Leaks are caught by the ASan build. */
#define FX_OOM_LOOP(...)                                                                               \
    for (int64_t fx_n = 1;; fx_n++) {                                                              \
        int rc = 0;                                                                                \
        oups_fault_alloc_after(fx_n, OUPS_FAULT_ONCE);                                             \
        __VA_ARGS__;                                                                                    \
        int64_t fx_hits = oups_fault_alloc_off();                                                  \
        if (fx_hits == 0) {                                                                        \
            CHECK_OK(rc);                                                                          \
            break;                                                                                 \
        }                                                                                          \
        if (rc != OUPS_ENOMEM) fprintf(stderr, "  OOM loop: allocation %lld failed\n", (long long)fx_n); \
        CHECK_RC(rc, OUPS_ENOMEM);                                                                 \
    }

#endif /* OUPS_TESTS_TABLE_FIXTURES_H */
