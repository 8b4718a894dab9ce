// labels: quick
/*
 * tests/parquet/test_writer.c: the Parquet writer. Round trips of seeded random tables of
 * every type through our reader for every codec, page version and encoding option; footer
 * contents checked by parsing them (types, statistics with NaN/zero/truncation rules,
 * encodings, dictionary fallback, page index, key-value metadata, sorting columns); the
 * temporary-file life cycle; and argument/state errors.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gen_table.h"
#include "pq_mem.h"

TEST(roundtrip_all_options) {
    oups_table *t;
    CHECK_OK(gen_table(&t, gen_all_cols, GEN_ALL_N, 700, 15, tests_seed(), -1));
    static const oups_codec codecs[] = {OUPS_CODEC_UNCOMPRESSED, OUPS_CODEC_SNAPPY, OUPS_CODEC_GZIP,
                                        OUPS_CODEC_ZSTD, OUPS_CODEC_LZ4_RAW, OUPS_CODEC_BROTLI};
    /* option sets where each of the 4 switches takes both values (a full cross is slow
     * under ASan: every page allocates a compression context) */
    static const int sets[] = {0, 5, 10, 13, 15}; /* delta matters without dictionary: 5, 13 */
    for (int ci = 0; ci < 6; ci++)
        for (int si = 0; si < 5; si++) {
            int bits = sets[si];
            oups_parquet_write_options o = OUPS_PARQUET_WRITE_OPTIONS_INIT;
            o.codec = codecs[ci];
            o.data_page_version = (bits & 1) ? 2 : 1;
            o.dictionary = (bits & 2) != 0;
            o.delta_integers = (bits & 4) != 0;
            o.page_index = (bits & 8) != 0;
            o.page_size = (bits & 8) ? 1024 : 1 << 20; /* several pages with the page index */
            o.row_group_size = (bits & 4) ? 300 : 1000;
            char desc[256] = "";
            int eq = roundtrip(t, &o, desc, sizeof desc);
            if (!eq) fprintf(stderr, "  codec %s options %d: %s\n", oups_codec_name(codecs[ci]), bits, desc);
            CHECK(eq);
            if ((bits & 6) == 4) { /* delta without dictionary: integer columns say so */
                uint8_t *img;
                size_t len;
                oups_pq_file_meta m;
                oups_pq_arena a = {0};
                CHECK_OK(write_mem(&img, &len, t, &o));
                CHECK_OK(footer(&m, &a, img, len));
                for (int k = 0; k < GEN_ALL_N; k++) {
                    const oups_pq_column_meta *cm = &m.row_groups[0].columns[k].meta;
                    bool want = cm->type == OUPS_PQ_INT32 || cm->type == OUPS_PQ_INT64;
                    if (!strncmp(gen_all_cols[k].type, "dec", 3)) want = false;
                    bool delta = false;
                    for (int e = 0; e < cm->n_encodings; e++) delta |= cm->encodings[e] == OUPS_PQ_ENC_DELTA_BINARY_PACKED;
                    CHECK(delta == want);
                }
                oups_parquet__arena_free(&a);
                oups_mem_free(img);
            }
        }
    oups_table_free(t);
}

TEST(roundtrip_edges) {
    char desc[256] = "";
    oups_table *t;
    /* all-null column, 1-row table, 0-row table */
    CHECK_OK(gen_table(&t, gen_all_cols, GEN_ALL_N, 50, 30, tests_seed() + 1, 5));
    CHECK(roundtrip(t, NULL, desc, sizeof desc));
    oups_table_free(t);
    for (int k = 0; k < GEN_ALL_N; k++) { /* every column entirely null, dictionary on */
        CHECK_OK(gen_table(&t, gen_all_cols, GEN_ALL_N, 20, 0, tests_seed() + 2, k));
        int eq = roundtrip(t, NULL, desc, sizeof desc);
        oups_table_free(t);
        if (!eq) fprintf(stderr, "  all-null column %d: %s\n", k, desc);
        CHECK(eq);
    }
    CHECK_OK(gen_table(&t, gen_all_cols, GEN_ALL_N, 1, 0, tests_seed() + 3, -1));
    CHECK(roundtrip(t, NULL, desc, sizeof desc));
    oups_table_free(t);
    CHECK_OK(gen_table(&t, gen_all_cols, GEN_ALL_N, 0, 0, tests_seed(), -1));
    uint8_t *img;
    size_t len;
    CHECK_OK(write_mem(&img, &len, t, NULL));
    oups_table *back;
    CHECK_OK(read_mem(&back, img, len));
    CHECK(oups_table_equal(t, back, desc, sizeof desc));
    oups_pq_file_meta m;
    oups_pq_arena a = {0};
    CHECK_OK(footer(&m, &a, img, len));
    CHECK(m.n_row_groups == 0 && m.num_rows == 0 && m.n_schema == GEN_ALL_N + 1);
    oups_parquet__arena_free(&a);
    oups_mem_free(img);
    oups_table_free(back);
    oups_table_free(t);
    /* no statistics: none in the footer, page index without ColumnIndex */
    CHECK_OK(gen_table(&t, gen_all_cols, GEN_ALL_N, 300, 20, tests_seed() + 5, -1));
    oups_parquet_write_options o = OUPS_PARQUET_WRITE_OPTIONS_INIT;
    o.statistics = false, o.page_index = true, o.page_size = 512;
    CHECK(roundtrip(t, &o, desc, sizeof desc));
    CHECK_OK(write_mem(&img, &len, t, &o));
    CHECK_OK(footer(&m, &a, img, len));
    for (int k = 0; k < GEN_ALL_N; k++) {
        const oups_pq_column_chunk *cc = &m.row_groups[0].columns[k];
        CHECK(!cc->meta.has_stats && cc->column_index_offset < 0 && cc->offset_index_offset > 0);
    }
    oups_parquet__arena_free(&a);
    oups_mem_free(img);
    oups_table_free(t);
    /* a sliced input (non-zero column offsets) */
    CHECK_OK(gen_table(&t, gen_all_cols, GEN_ALL_N, 300, 20, tests_seed() + 4, -1));
    oups_table *s;
    CHECK_OK(oups_table_slice(&s, t, 77, 150));
    CHECK(roundtrip(s, NULL, desc, sizeof desc));
    oups_table_free(s);
    oups_table_free(t);
}

/* Few distinct values in every column: dictionary pages for all types, then the fallback to
 * PLAIN once a small dictionary limit is passed (distinct rows follow the repeated ones). */
TEST(roundtrip_dictionary_all_types) {
    enum { N = 3000 };
    oups_table *t, *rep;
    CHECK_OK(gen_table(&t, gen_all_cols, GEN_ALL_N, N, 10, tests_seed() + 11, -1));
    int64_t idx[N];
    for (int i = 0; i < N; i++) idx[i] = i < 2000 ? (i * 7) % 13 : i; /* 13 values, then distinct */
    CHECK_OK(oups_table_take(&rep, t, idx, N));
    for (int bits = 0; bits < 8; bits++) {
        oups_parquet_write_options o = OUPS_PARQUET_WRITE_OPTIONS_INIT;
        o.data_page_version = (bits & 1) ? 2 : 1;
        o.page_size = (bits & 2) ? 300 : 1 << 20;
        o.dictionary_page_limit = (bits & 4) ? 200 : 1 << 20;
        o.page_index = true;
        char desc[256] = "";
        int eq = roundtrip(rep, &o, desc, sizeof desc);
        if (!eq) fprintf(stderr, "  options %d: %s\n", bits, desc);
        CHECK(eq);
        uint8_t *img;
        size_t len;
        CHECK_OK(write_mem(&img, &len, rep, &o));
        oups_pq_file_meta m;
        oups_pq_arena a = {0};
        CHECK_OK(footer(&m, &a, img, len));
        /* dictionary page for all but bool and decimal(38), unless a one-page chunk passes the limit */
        for (int k = 0; k < GEN_ALL_N && (o.page_size < 1000 || o.dictionary_page_limit > 1000); k++) {
            const oups_pq_column_meta *cm = &m.row_groups[0].columns[k].meta;
            bool dict = cm->dictionary_page_offset >= 0;
            bool want = strcmp(gen_all_cols[k].type, "bool") && strcmp(gen_all_cols[k].type, "decimal(38,6)");
            if (o.dictionary_page_limit < 1000 && (gen_all_cols[k].type[0] == 's' || gen_all_cols[k].type[0] == 'b'))
                continue; /* long strings may pass a 200-byte limit at once */
            if (dict != want) fprintf(stderr, "  column %s: dictionary %d\n", gen_all_cols[k].name, dict);
            CHECK(dict == want);
        }
        oups_parquet__arena_free(&a);
        oups_mem_free(img);
    }
    oups_table_free(rep);
    oups_table_free(t);
}

/* Random shapes: rows, null share, repeated values, column subset and every option drawn
 * from the seed; each must read back equal. */
TEST(roundtrip_random) {
    uint64_t rs = tests_seed() * 31 + 7;
    static const oups_codec codecs[] = {OUPS_CODEC_UNCOMPRESSED, OUPS_CODEC_SNAPPY, OUPS_CODEC_GZIP,
                                        OUPS_CODEC_ZSTD, OUPS_CODEC_LZ4_RAW};
    for (int it = 0; it < 40; it++) {
        gen_col cols[GEN_ALL_N];
        int nc = 0;
        for (int k = 0; k < GEN_ALL_N; k++)
            if (test_rand(&rs) % 3) cols[nc++] = gen_all_cols[k];
        if (nc == 0) cols[nc++] = gen_all_cols[1];
        int64_t n = (int64_t)(test_rand(&rs) % 1500);
        int nulls = (int)(test_rand(&rs) % 4) * 30; /* 0, 30, 60, 90 % */
        oups_table *t, *rep;
        CHECK_OK(gen_table(&t, cols, nc, n, nulls, test_rand(&rs), -1));
        int64_t *idx = malloc((size_t)(n + 1) * sizeof *idx), distinct = 1 + (int64_t)(test_rand(&rs) % 50);
        for (int64_t i = 0; i < n; i++) idx[i] = (test_rand(&rs) & 1) ? i % distinct : i;
        CHECK_OK(oups_table_take(&rep, t, idx, n));
        free(idx);
        oups_parquet_write_options o = OUPS_PARQUET_WRITE_OPTIONS_INIT;
        uint64_t r = test_rand(&rs);
        o.codec = codecs[r % 5];
        o.data_page_version = 1 + (int)((r >> 4) & 1);
        o.dictionary = (r >> 5) & 1;
        o.delta_integers = (r >> 6) & 1;
        o.page_index = (r >> 7) & 1;
        o.statistics = ((r >> 8) & 3) != 0;
        o.page_size = 64 + (int64_t)((r >> 10) % 4000);
        o.row_group_size = 1 + (int64_t)((r >> 22) % 700);
        o.dictionary_page_limit = (int64_t)((r >> 32) % 3000);
        char desc[256] = "";
        int eq = roundtrip(rep, &o, desc, sizeof desc);
        if (!eq) fprintf(stderr, "  iteration %d (rows %" PRId64 ", options %" PRIx64 "): %s\n", it, n, r, desc);
        oups_table_free(rep);
        oups_table_free(t);
        CHECK(eq);
    }
}

/* Seconds have no Parquet unit: they come back as milliseconds with the same instants. */
TEST(timestamp_seconds) {
    oups_datatype ts = oups_type_timestamp(OUPS_UNIT_S, NULL), ms = oups_type_timestamp(OUPS_UNIT_MS, NULL);
    int64_t v[3] = {-5, 0, 1700000000};
    oups_column *c;
    CHECK_OK(oups_column_from_values(&c, &ts, v, 3, NULL));
    const char *name = "t";
    oups_table *t;
    CHECK_OK(oups_table_new(&t, 1, &name, &c));
    uint8_t *img;
    size_t len;
    CHECK_OK(write_mem(&img, &len, t, NULL));
    oups_table *back;
    CHECK_OK(read_mem(&back, img, len));
    oups_column *bc = oups_table_column(back, 0);
    CHECK(oups_datatype_equal(oups_column_type(bc), &ms));
    oups_column_view bv;
    oups_column_view_get(&bv, bc);
    for (int i = 0; i < 3; i++) CHECK(((const int64_t *)bv.data)[bv.offset + i] == v[i] * 1000);
    oups_table_free(back);
    oups_mem_free(img);
    oups_table_free(t);
    oups_column_release(c);
}

/* One-column table from doubles / strings. */
static int table_f64(oups_table **t, const double *v, int n) {
    oups_datatype ty = oups_type(OUPS_TYPE_FLOAT64);
    oups_column *c;
    OUPS_TRY(oups_column_from_values(&c, &ty, v, n, NULL));
    const char *name = "x";
    int rc = oups_table_new(t, 1, &name, &c);
    oups_column_release(c);
    return rc;
}

static int table_str(oups_table **t, const char *const *v, int n, oups_type_id id) {
    oups_datatype ty = oups_type(id);
    oups_builder *b;
    OUPS_TRY(oups_builder_new(&b, &ty, n));
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++)
        rc = v[i] ? oups_builder_append_bytes(b, v[i], (int64_t)strlen(v[i])) : oups_builder_append_null(b);
    oups_column *c = NULL;
    if (rc == 0) rc = oups_builder_finish(&c, b);
    oups_builder_free(b);
    const char *name = "x";
    if (rc == 0) rc = oups_table_new(t, 1, &name, &c);
    oups_column_release(c);
    return rc;
}

/* Statistics of column 0, row group 0 of the image. */
static int stats_of(oups_pq_stats *st, oups_pq_arena *a, const uint8_t *img, size_t len) {
    oups_pq_file_meta m;
    OUPS_TRY(footer(&m, a, img, len));
    if (m.n_row_groups < 1 || !m.row_groups[0].columns[0].meta.has_stats) return OUPS_ENOTFOUND;
    *st = m.row_groups[0].columns[0].meta.stats;
    return 0;
}

static double f64_of(oups_pq_str s) {
    double d;
    memcpy(&d, s.ptr, 8);
    return d;
}

TEST(stats_floats) {
    static const double v1[] = {NAN, 0.0, 2.5, -0.0, NAN, 1.0};
    static const double v2[] = {NAN, NAN};
    static const double v3[] = {-INFINITY, 3.0, INFINITY};
    const double *vs[] = {v1, v2, v3};
    int ns[] = {6, 2, 3};
    for (int k = 0; k < 3; k++) {
        oups_table *t;
        CHECK_OK(table_f64(&t, vs[k], ns[k]));
        uint8_t *img;
        size_t len;
        CHECK_OK(write_mem(&img, &len, t, NULL));
        oups_pq_arena a = {0};
        oups_pq_stats st;
        CHECK_OK(stats_of(&st, &a, img, len));
        CHECK(st.null_count == 0);
        if (k == 0) { /* zero min is -0.0, NaN ignored */
            CHECK(st.min_value.len == 8 && f64_of(st.min_value) == 0 && signbit(f64_of(st.min_value)));
            CHECK(f64_of(st.max_value) == 2.5 && st.min.ptr && st.is_min_value_exact == 1);
        } else if (k == 1) { /* all NaN: no bounds */
            CHECK(!st.min_value.ptr && !st.max_value.ptr && !st.min.ptr);
        } else {
            CHECK(f64_of(st.min_value) == -INFINITY && f64_of(st.max_value) == INFINITY);
        }
        oups_parquet__arena_free(&a);
        oups_mem_free(img);
        oups_table_free(t);
    }
}

TEST(stats_bytes_truncation) {
    char lo[100], hi[100], ff[100];
    memset(lo, 'b', 99), lo[99] = 0;
    memset(hi, 'y', 99), hi[99] = 0;
    memset(ff, 0xFF, 99), ff[99] = 0;
    const char *v[] = {"c", NULL, lo, hi, "x"};
    oups_table *t;
    CHECK_OK(table_str(&t, v, 5, OUPS_TYPE_STRING));
    uint8_t *img;
    size_t len;
    CHECK_OK(write_mem(&img, &len, t, NULL));
    oups_pq_arena a = {0};
    oups_pq_stats st;
    CHECK_OK(stats_of(&st, &a, img, len));
    CHECK(st.null_count == 1 && !st.min.ptr && !st.max.ptr); /* no legacy stats for strings */
    CHECK(st.min_value.len == 64 && memcmp(st.min_value.ptr, lo, 64) == 0 && st.is_min_value_exact == 0);
    CHECK(st.max_value.len == 64 && memcmp(st.max_value.ptr, hi, 63) == 0 && st.max_value.ptr[63] == 'z');
    CHECK(st.is_max_value_exact == 0);
    oups_parquet__arena_free(&a);
    oups_mem_free(img);
    oups_table_free(t);
    /* a max of 0xFF bytes has no truncated upper bound: omitted */
    const char *w[] = {"a", ff};
    CHECK_OK(table_str(&t, w, 2, OUPS_TYPE_BINARY));
    CHECK_OK(write_mem(&img, &len, t, NULL));
    CHECK_OK(stats_of(&st, &a, img, len));
    CHECK(st.min_value.len == 1 && !st.max_value.ptr);
    oups_parquet__arena_free(&a);
    oups_mem_free(img);
    oups_table_free(t);
    /* UTF-8: cut on a code point boundary, max's last code point incremented */
    char u[200] = "";
    for (int i = 0; i < 30; i++) strcat(u, "é"); /* 60 bytes */
    strcat(u, "日本語");                         /* 3 x 3 bytes: cut falls inside the 2nd */
    const char *x[] = {u};
    CHECK_OK(table_str(&t, x, 1, OUPS_TYPE_STRING));
    CHECK_OK(write_mem(&img, &len, t, NULL));
    CHECK_OK(stats_of(&st, &a, img, len));
    CHECK(st.min_value.len == 63 && memcmp(st.min_value.ptr, u, 63) == 0);
    CHECK(st.max_value.len == 63 && memcmp(st.max_value.ptr, u, 60) == 0);
    CHECK(memcmp(st.max_value.ptr + 60, "\xe6\x97\xa6", 3) == 0); /* U+65E5 + 1 = U+65E6 */
    oups_parquet__arena_free(&a);
    oups_mem_free(img);
    oups_table_free(t);
}

TEST(schema_and_stats_ints) {
    oups_table *t;
    CHECK_OK(gen_table(&t, gen_all_cols, GEN_ALL_N, 200, 10, tests_seed() + 5, -1));
    uint8_t *img;
    size_t len;
    CHECK_OK(write_mem(&img, &len, t, NULL));
    oups_pq_file_meta m;
    oups_pq_arena a = {0};
    CHECK_OK(footer(&m, &a, img, len));
    CHECK(m.n_column_orders == GEN_ALL_N && m.column_orders[0] == 1);
    CHECK(m.created_by.len > 4 && memcmp(m.created_by.ptr, "oups", 4) == 0);
    for (int k = 0; k < GEN_ALL_N; k++) {
        const oups_pq_schema_elem *e = &m.schema[k + 1];
        const oups_pq_column_meta *cm = &m.row_groups[0].columns[k].meta;
        const char *ty = gen_all_cols[k].type;
        CHECK(e->repetition == OUPS_PQ_OPTIONAL && cm->has_stats);
        bool legacy = cm->stats.min.ptr != NULL;
        if (!strcmp(ty, "uint64")) {
            CHECK(e->type == OUPS_PQ_INT64 && e->converted_type == OUPS_PQ_CT_UINT_64 && !legacy);
            CHECK(e->logical.kind == OUPS_PQ_LT_INTEGER && !e->logical.is_signed && e->logical.bit_width == 64);
            /* unsigned order: the max is the largest unsigned value (edge values include 2^64-1) */
            uint64_t mn = oups_load_u64le(cm->stats.min_value.ptr), mx = oups_load_u64le(cm->stats.max_value.ptr);
            CHECK(mn <= mx);
        } else if (!strcmp(ty, "int8")) {
            CHECK(e->type == OUPS_PQ_INT32 && e->converted_type == OUPS_PQ_CT_INT_8 && legacy);
            CHECK((int32_t)oups_load_u32le(cm->stats.min_value.ptr) >= -128);
        } else if (!strcmp(ty, "timestamp[us,UTC]")) {
            CHECK(e->logical.kind == OUPS_PQ_LT_TIMESTAMP && e->logical.adjusted_to_utc);
            CHECK(e->logical.unit == OUPS_PQ_UNIT_MICROS && e->converted_type == OUPS_PQ_CT_TIMESTAMP_MICROS);
        } else if (!strcmp(ty, "timestamp[ns]")) {
            CHECK(!e->logical.adjusted_to_utc && e->logical.unit == OUPS_PQ_UNIT_NANOS && e->converted_type < 0);
        } else if (!strcmp(ty, "decimal(38,6)")) {
            CHECK(e->type == OUPS_PQ_FLBA && e->type_length == 16 && e->precision == 38 && e->scale == 6);
            CHECK(!legacy && cm->stats.min_value.len == 16);
        } else if (!strcmp(ty, "decimal(18,4)")) {
            CHECK(e->type == OUPS_PQ_INT64 && e->converted_type == OUPS_PQ_CT_DECIMAL);
        } else if (!strcmp(ty, "string")) {
            CHECK(e->logical.kind == OUPS_PQ_LT_STRING && e->converted_type == OUPS_PQ_CT_UTF8 && !legacy);
        } else if (!strcmp(ty, "date32")) {
            CHECK(e->logical.kind == OUPS_PQ_LT_DATE && e->converted_type == OUPS_PQ_CT_DATE);
        }
    }
    /* the id column's statistics are exact */
    const oups_pq_stats *st = &m.row_groups[0].columns[0].meta.stats;
    CHECK(oups_load_u64le(st->min_value.ptr) == 0 && oups_load_u64le(st->max_value.ptr) == 199);
    CHECK(st->null_count == 0);
    oups_parquet__arena_free(&a);
    oups_mem_free(img);
    oups_table_free(t);
}

TEST(dictionary_fallback) {
    enum { N = 3000 };
    static const gen_col cols[] = {{"s", "string"}};
    oups_table *t;
    oups_table *u;
    CHECK_OK(gen_table(&u, cols, 1, N, 5, tests_seed() + 6, -1)); /* mostly distinct values */
    int64_t idx[N];
    for (int i = 0; i < N; i++) idx[i] = i < 500 ? i % 3 : i; /* a small first page, then distinct */
    CHECK_OK(oups_table_take(&t, u, idx, N));
    oups_table_free(u);
    for (int v = 1; v <= 2; v++) {
        oups_parquet_write_options o = OUPS_PARQUET_WRITE_OPTIONS_INIT;
        o.dictionary_page_limit = 300;
        o.page_size = 128;
        o.data_page_version = v;
        uint8_t *img;
        size_t len;
        CHECK_OK(write_mem(&img, &len, t, &o));
        oups_pq_file_meta m;
        oups_pq_arena a = {0};
        CHECK_OK(footer(&m, &a, img, len));
        const oups_pq_column_meta *cm = &m.row_groups[0].columns[0].meta;
        CHECK(cm->dictionary_page_offset == 4 && cm->data_page_offset > 4);
        CHECK(has_enc(cm, OUPS_PQ_ENC_PLAIN));
        CHECK(has_enc(cm, v == 1 ? OUPS_PQ_ENC_PLAIN_DICTIONARY : OUPS_PQ_ENC_RLE_DICTIONARY));
        oups_table *back;
        CHECK_OK(read_mem(&back, img, len));
        char desc[200];
        CHECK(oups_table_equal(t, back, desc, sizeof desc));
        oups_table_free(back);
        oups_parquet__arena_free(&a);
        oups_mem_free(img);
    }
    oups_table_free(t);
}

TEST(page_index) {
    static const gen_col cols[] = {{"id", "int64"}, {"f", "float64"}, {"s", "string"}};
    oups_table *t;
    CHECK_OK(gen_table(&t, cols, 3, 5000, 10, tests_seed() + 7, -1));
    oups_parquet_write_options o = OUPS_PARQUET_WRITE_OPTIONS_INIT;
    o.page_index = true;
    o.page_size = 4096;
    o.row_group_size = 2000;
    uint8_t *img;
    size_t len;
    CHECK_OK(write_mem(&img, &len, t, &o));
    oups_pq_file_meta m;
    oups_pq_arena a = {0};
    CHECK_OK(footer(&m, &a, img, len));
    CHECK(m.n_row_groups == 3);
    for (int g = 0; g < 3; g++) {
        const oups_pq_column_chunk *cc = &m.row_groups[g].columns[0];
        CHECK(cc->offset_index_offset > 0 && cc->column_index_offset > 0);
        oups_pq_offset_index oi;
        oups_pq_column_index ci;
        CHECK_OK(oups_parquet__parse_offset_index(&oi, &a, img + cc->offset_index_offset,
                                                  (size_t)cc->offset_index_length, "oi"));
        CHECK_OK(oups_parquet__parse_column_index(&ci, &a, img + cc->column_index_offset,
                                                  (size_t)cc->column_index_length, "ci"));
        CHECK(oi.n_pages > 1 && ci.n_pages == oi.n_pages);
        CHECK(oi.pages[0].offset == cc->meta.data_page_offset && oi.pages[0].first_row_index == 0);
        CHECK(ci.boundary_order == OUPS_PQ_BOUNDARY_ASCENDING);
        for (int p = 1; p < oi.n_pages; p++) {
            CHECK(oi.pages[p].offset == oi.pages[p - 1].offset + oi.pages[p - 1].compressed_page_size);
            CHECK(oi.pages[p].first_row_index > oi.pages[p - 1].first_row_index);
            /* ids are ascending: page p starts right after page p-1's max */
            CHECK((int64_t)oups_load_u64le(ci.min_values[p].ptr) == oi.pages[p].first_row_index + g * 2000);
        }
    }
    oups_parquet__arena_free(&a);
    oups_mem_free(img);
    oups_table_free(t);
}

TEST(kv_and_sorting) {
    static const gen_col cols[] = {{"id", "int64"}, {"s", "string"}};
    oups_table *t;
    CHECK_OK(gen_table(&t, cols, 2, 100, 0, tests_seed(), -1));
    const char *keys[] = {"k1", "k2"}, *vals[] = {"v1", NULL}, *sort[] = {"id"};
    oups_parquet_write_options o = OUPS_PARQUET_WRITE_OPTIONS_INIT;
    o.n_kv = 2, o.kv_keys = keys, o.kv_values = vals;
    o.n_sorting_columns = 1, o.sorting_columns = sort;
    uint8_t *img;
    size_t len;
    CHECK_OK(write_mem(&img, &len, t, &o));
    oups_parquet_reader *r;
    CHECK_OK(oups_parquet_reader_open_memory(&r, img, len, "mem"));
    CHECK(oups_parquet_reader_kv_count(r) == 2);
    CHECK(oups_parquet_reader_kv_get(r, "k1") && !strcmp(oups_parquet_reader_kv_get(r, "k1"), "v1"));
    CHECK(oups_parquet_reader_kv_get(r, "k2") == NULL);
    oups_parquet_reader_free(r);
    oups_pq_file_meta m;
    oups_pq_arena a = {0};
    CHECK_OK(footer(&m, &a, img, len));
    CHECK(m.row_groups[0].n_sorting == 1 && m.row_groups[0].sorting[0].column_idx == 0);
    CHECK(!m.row_groups[0].sorting[0].descending && m.row_groups[0].sorting[0].nulls_first);
    oups_parquet__arena_free(&a);
    oups_mem_free(img);
    /* sorted by "s" is false: refused, and the writer stays usable */
    sort[0] = "s";
    oups_parquet_writer *w;
    CHECK_OK(oups_parquet_writer_open_memory(&w, t, &o));
    CHECK_RC(oups_parquet_writer_write_table(w, t), OUPS_EUNORDERED);
    CHECK_OK(oups_parquet_writer_finish_memory(w, &img, &len));
    oups_parquet_writer_free(w);
    oups_mem_free(img);
    sort[0] = "nope";
    CHECK_RC(oups_parquet_writer_open_memory(&w, t, &o), OUPS_ENOTFOUND);
    CHECK(w == NULL && strstr(oups_error_last(), "nope"));
    oups_table_free(t);
}

TEST(errors) {
    static const gen_col cols[] = {{"id", "int64"}, {"s", "string"}};
    static const gen_col other[] = {{"id", "int64"}, {"s", "binary"}};
    oups_table *t, *u;
    CHECK_OK(gen_table(&t, cols, 2, 10, 0, 1, -1));
    CHECK_OK(gen_table(&u, other, 2, 10, 0, 1, -1));
    oups_parquet_writer *w;
    oups_parquet_write_options o = OUPS_PARQUET_WRITE_OPTIONS_INIT;
    o.data_page_version = 3;
    CHECK_RC(oups_parquet_writer_open_memory(&w, t, &o), OUPS_EINVAL);
    o = (oups_parquet_write_options)OUPS_PARQUET_WRITE_OPTIONS_INIT;
    o.codec = OUPS_CODEC_LZO;
    CHECK_RC(oups_parquet_writer_open_memory(&w, t, &o), OUPS_EINVAL);
    o.codec = OUPS_CODEC_ZSTD, o.page_size = 0;
    CHECK_RC(oups_parquet_writer_open_memory(&w, t, &o), OUPS_EINVAL);
    CHECK_OK(oups_parquet_writer_open_memory(&w, t, NULL));
    CHECK_RC(oups_parquet_writer_write_row_group(w, u), OUPS_ESCHEMA);
    CHECK(strstr(oups_error_last(), "'s'") != NULL);
    CHECK_RC(oups_parquet_writer_finish(w), OUPS_ESTATE); /* memory writer */
    uint8_t *img;
    size_t len;
    CHECK_OK(oups_parquet_writer_finish_memory(w, &img, &len));
    CHECK_RC(oups_parquet_writer_write_row_group(w, t), OUPS_ESTATE);
    oups_parquet_writer_free(w);
    oups_mem_free(img);
    /* decimal beyond its declared precision's storage */
    oups_datatype d = oups_type_decimal(4, 0);
    oups_builder *b;
    CHECK_OK(oups_builder_new(&b, &d, 1));
    uint8_t big[16] = {0, 0, 0, 0, 1}; /* 2^32 */
    CHECK_OK(oups_builder_append_decimal(b, big));
    oups_column *c;
    CHECK_OK(oups_builder_finish(&c, b));
    oups_builder_free(b);
    const char *name = "d";
    oups_table *dt;
    CHECK_OK(oups_table_new(&dt, 1, &name, &c));
    oups_column_release(c);
    CHECK_RC(write_mem(&img, &len, dt, NULL), OUPS_EOVERFLOW);
    CHECK(strstr(oups_error_last(), "'d'") && strstr(oups_error_last(), "row 0"));
    oups_table_free(dt);
    oups_table_free(t);
    oups_table_free(u);
}

TEST(file_lifecycle) {
    char dir[] = "/tmp/oups_writer_XXXXXX", path[300], tmp[340];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/t.parquet", dir);
    snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid());
    oups_table *t;
    CHECK_OK(gen_table(&t, gen_all_cols, GEN_ALL_N, 100, 10, tests_seed(), -1));
    /* freed unfinished: nothing remains */
    oups_parquet_writer *w;
    CHECK_OK(oups_parquet_writer_open(&w, path, t, NULL));
    CHECK_OK(oups_parquet_writer_write_table(w, t));
    CHECK(gen_exists(tmp) && !gen_exists(path));
    oups_parquet_writer_free(w);
    CHECK(!gen_exists(tmp) && !gen_exists(path));
    /* finished: renamed into place, readable */
    CHECK_OK(oups_parquet_write(path, t, NULL));
    CHECK(!gen_exists(tmp) && gen_exists(path));
    oups_table *back;
    CHECK_OK(oups_parquet_read(&back, path));
    char desc[200];
    CHECK(oups_table_equal(t, back, desc, sizeof desc));
    oups_table_free(back);
    /* several row groups streamed */
    CHECK_OK(oups_parquet_writer_open(&w, path, t, NULL));
    for (int i = 0; i < 3; i++) CHECK_OK(oups_parquet_writer_write_row_group(w, t));
    CHECK_OK(oups_parquet_writer_finish(w));
    CHECK_RC(oups_parquet_writer_finish(w), OUPS_ESTATE);
    oups_parquet_writer_free(w);
    oups_parquet_reader *r;
    CHECK_OK(oups_parquet_reader_open(&r, path));
    CHECK(oups_parquet_reader_num_row_groups(r) == 3 && oups_parquet_reader_num_rows(r) == 300);
    oups_parquet_reader_free(r);
    /* unwritable directory */
    CHECK_RC(oups_parquet_write("/nonexistent-dir/x.parquet", t, NULL), OUPS_ENOTFOUND);
    unlink(path);
    rmdir(dir);
    oups_table_free(t);
}

RUN_TESTS("parquet.writer", roundtrip_all_options, roundtrip_edges, roundtrip_dictionary_all_types, roundtrip_random, timestamp_seconds, stats_floats,
          stats_bytes_truncation, schema_and_stats_ints, dictionary_fallback, page_index, kv_and_sorting, errors,
          file_lifecycle)
