/*
 * tests/parquet/gen_table.h: seeded random tables of every table type for the writer tests
 * (round trip and oracle interop), with edge values mixed in: integer extremes, NaN, ±inf,
 * -0.0, empty and non-ASCII UTF-8 strings, strings past the 64-byte statistics limit,
 * timestamps and dates before 1970, decimals at their precision limits. Header-only.
 */
#ifndef OUPS_TESTS_GEN_TABLE_H
#define OUPS_TESTS_GEN_TABLE_H

#include <math.h>
#include <sys/stat.h>

#include "harness.h"

static inline bool gen_exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

typedef struct gen_col {
    const char *name;
    const char *type; /* oups_datatype_parse syntax */
} gen_col;

/* Every type the writer maps; `id` first so oracles can order rows. */
static const gen_col gen_all_cols[] = {
    {"id", "int64"},          {"b", "bool"},
    {"i8", "int8"},           {"i16", "int16"},
    {"i32", "int32"},         {"i64", "int64"},
    {"u8", "uint8"},          {"u16", "uint16"},
    {"u32", "uint32"},        {"u64", "uint64"},
    {"f32", "float32"},       {"f64", "float64"},
    {"ts_ns", "timestamp[ns]"}, {"ts_us_utc", "timestamp[us,UTC]"},
    {"ts_ms", "timestamp[ms]"}, {"d", "date32"},
    {"s", "string"},          {"bin", "binary"},
    {"dec9", "decimal(9,2)"}, {"dec18", "decimal(18,4)"},
    {"dec38", "decimal(38,6)"},
};
#define GEN_ALL_N ((int)(sizeof gen_all_cols / sizeof gen_all_cols[0]))

static const char *const gen_words[] = {"", "a", "abc", "héllo", "日本語", "zz\xf0\x9f\x98\x80", "NULL", "x,y\"z"};

static int gen_value(oups_builder *bld, const oups_datatype *t, int64_t row, uint64_t *rs) {
    uint64_t r = test_rand(rs);
    int edge = (int)(r % 16); /* 1 in 16 rows takes an edge value (selected by bits above) */
    uint64_t sel = (r >> 8) % 4;
    switch (t->id) {
    case OUPS_TYPE_BOOL: return oups_builder_append_bool(bld, (r >> 20) & 1);
    case OUPS_TYPE_INT8:
    case OUPS_TYPE_INT16:
    case OUPS_TYPE_INT32:
    case OUPS_TYPE_INT64: {
        int bits = 8 * oups_datatype_width(t->id);
        int64_t mx = bits == 64 ? INT64_MAX : (INT64_C(1) << (bits - 1)) - 1, mn = -mx - 1;
        if (edge == 0) return oups_builder_append_int(bld, sel == 0 ? mn : sel == 1 ? mx : sel == 2 ? 0 : -1);
        int64_t v = (int64_t)(test_rand(rs) >> (65 - bits));
        return oups_builder_append_int(bld, (r & 1) ? v : -v - 1);
    }
    case OUPS_TYPE_UINT8:
    case OUPS_TYPE_UINT16:
    case OUPS_TYPE_UINT32:
    case OUPS_TYPE_UINT64: {
        int bits = 8 * oups_datatype_width(t->id);
        uint64_t mx = bits == 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
        if (edge == 0) return oups_builder_append_uint(bld, sel == 0 ? 0 : sel == 1 ? mx : mx / 2 + 1);
        return oups_builder_append_uint(bld, test_rand(rs) >> (64 - bits));
    }
    case OUPS_TYPE_FLOAT32:
    case OUPS_TYPE_FLOAT64: {
        static const double sp[] = {NAN, INFINITY, -INFINITY, -0.0};
        if (edge == 0) return oups_builder_append_double(bld, sp[sel]);
        double v = ((double)(test_rand(rs) >> 11) / 9007199254740992.0 - 0.5) * 2e6;
        if (t->id == OUPS_TYPE_FLOAT32) v = (float)v;
        return oups_builder_append_double(bld, v);
    }
    case OUPS_TYPE_TIMESTAMP: {
        /* within ±200 years of 1970 in every unit, so every engine can represent it */
        int64_t per_s = t->unit == OUPS_UNIT_NS ? 1000000000 : t->unit == OUPS_UNIT_US ? 1000000
                        : t->unit == OUPS_UNIT_MS ? 1000 : 1;
        int64_t s = (int64_t)(test_rand(rs) % (400ULL * 365 * 86400)) - 200LL * 365 * 86400;
        if (edge == 0) s = sel == 0 ? -1 : 0;
        return oups_builder_append_int(bld, s * per_s + (int64_t)(test_rand(rs) % (uint64_t)per_s));
    }
    case OUPS_TYPE_DATE32:
        return oups_builder_append_int(bld, edge == 0 ? -1 - (int64_t)sel : (int64_t)(test_rand(rs) % 146000) - 73000);
    case OUPS_TYPE_STRING: {
        char buf[200];
        int n = 0;
        int words = edge == 0 ? 30 : (int)((r >> 12) % 4); /* edge: long value (> 64 bytes) */
        for (int i = 0; i < words; i++) {
            const char *w = gen_words[test_rand(rs) % 8];
            size_t l = strlen(w);
            memcpy(buf + n, w, l);
            n += (int)l;
        }
        return oups_builder_append_bytes(bld, buf, n);
    }
    case OUPS_TYPE_BINARY: {
        uint8_t buf[100];
        int n = edge == 0 ? 80 : (int)((r >> 12) % 9);
        for (int i = 0; i < n; i++) buf[i] = (uint8_t)(edge == 0 && sel == 0 ? 0xFF : test_rand(rs));
        return oups_builder_append_bytes(bld, buf, n);
    }
    case OUPS_TYPE_DECIMAL128: {
        __extension__ typedef unsigned __int128 u128;
        u128 lim = 1, v;
        for (int i = 0; i < t->precision; i++) lim *= 10;
        v = ((u128)test_rand(rs) << 64 | test_rand(rs)) % lim;
        if (edge == 0) v = sel == 0 ? 0 : lim - 1; /* largest magnitude the precision allows */
        if (r & 1) v = (u128)0 - v;                /* two's complement negation */
        uint8_t out[16];
        memcpy(out, &v, 16);
        (void)row;
        return oups_builder_append_decimal(bld, out);
    }
    }
    return OUPS_EINVAL;
}

/*
 * Table of `n` rows of the columns cols[0..ncols); column "id" (if any) holds the row number.
 * A `null_pct` share of the other values are null; column k is all null when all_null_col == k.
 */
static int gen_table(oups_table **out, const gen_col *cols, int ncols, int64_t n, int null_pct, uint64_t seed,
                     int all_null_col) {
    uint64_t rs = seed;
    oups_column *c[64] = {NULL};
    const char *names[64] = {NULL};
    int rc = 0, made = 0;
    for (int k = 0; k < ncols && rc == 0; k++) {
        oups_datatype t;
        oups_builder *b = NULL;
        names[k] = cols[k].name;
        rc = oups_datatype_parse(&t, cols[k].type);
        if (rc == 0) rc = oups_builder_new(&b, &t, n);
        bool is_id = strcmp(cols[k].name, "id") == 0;
        for (int64_t i = 0; i < n && rc == 0; i++) {
            if (is_id) rc = oups_builder_append_int(b, i);
            else if (k == all_null_col || (int)(test_rand(&rs) % 100) < null_pct) rc = oups_builder_append_null(b);
            else rc = gen_value(b, &t, i, &rs);
        }
        if (rc == 0) rc = oups_builder_finish(&c[k], b);
        if (rc == 0) made++;
        oups_builder_free(b);
    }
    if (rc == 0) rc = oups_table_new(out, ncols, names, c);
    for (int k = 0; k < made; k++) oups_column_release(c[k]);
    return rc;
}

#endif /* OUPS_TESTS_GEN_TABLE_H */
