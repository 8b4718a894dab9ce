// labels: quick
/*
 * tests/parquet/test_writer_encodings.c: the writer's encoding choices. Every choice (auto,
 * plain, dictionary, delta, byte_stream_split; global and per column, where the type allows
 * it) round trips through our reader with nulls, several row groups and both page versions,
 * and the footer shows the encoding asked for; AUTO picks DELTA_BINARY_PACKED (no dictionary)
 * for a sorted timestamp column, a dictionary for few distinct floats, BYTE_STREAM_SPLIT for
 * smooth full-precision floats; choices a type cannot take are OUPS_EINVAL naming the column,
 * unknown columns OUPS_ENOTFOUND; version-1 option structs are accepted; names parse and print. (DuckDB and Polars read every
 * choice: parquet.interop.)
 */
#include <math.h>

#include "gen_table.h"
#include "pq_mem.h"

/* The encoding that must appear in the chunk's metadata for choice e. */
static int expected_enc(oups_parquet_encoding e, int page_version) {
    switch (e) {
    case OUPS_PARQUET_ENCODING_PLAIN: return OUPS_PQ_ENC_PLAIN;
    case OUPS_PARQUET_ENCODING_DICTIONARY: return page_version == 2 ? OUPS_PQ_ENC_RLE_DICTIONARY : OUPS_PQ_ENC_PLAIN_DICTIONARY;
    case OUPS_PARQUET_ENCODING_DELTA: return OUPS_PQ_ENC_DELTA_BINARY_PACKED;
    case OUPS_PARQUET_ENCODING_BYTE_STREAM_SPLIT: return OUPS_PQ_ENC_BYTE_STREAM_SPLIT;
    default: return -1;
    }
}

TEST(every_choice_round_trips) {
    oups_table *t;
    CHECK_OK(gen_table(&t, gen_all_cols, GEN_ALL_N, 900, 15, tests_seed() + 40, -1));
    const char *names[GEN_ALL_N];
    oups_parquet_encoding encs[GEN_ALL_N];
    for (size_t ei = 0; ei < sizeof all_encodings / sizeof all_encodings[0]; ei++)
        for (int v = 1; v <= 2; v++) {
            oups_parquet_encoding e = all_encodings[ei];
            int n = 0;
            for (int k = 0; k < GEN_ALL_N; k++)
                if (allowed(gen_all_cols[k].type, e)) names[n] = gen_all_cols[k].name, encs[n++] = e;
            oups_parquet_write_options o = OUPS_PARQUET_WRITE_OPTIONS_INIT;
            o.data_page_version = v;
            o.row_group_size = 400;
            o.page_size = 700;
            o.n_column_encodings = n;
            o.encoding_columns = names;
            o.column_encodings = encs;
            uint8_t *img;
            size_t len;
            CHECK_OK(write_mem(&img, &len, t, &o));
            oups_table *back;
            CHECK_OK(read_mem(&back, img, len));
            char desc[256] = "";
            int eq = oups_table_equal(t, back, desc, sizeof desc);
            if (!eq) fprintf(stderr, "  encoding %s v%d: %s\n", oups_parquet_encoding_name(e), v, desc);
            CHECK(eq);
            oups_table_free(back);
            oups_pq_file_meta m;
            oups_pq_arena a = {0};
            CHECK_OK(footer(&m, &a, img, len));
            for (int g = 0; g < m.n_row_groups; g++)
                for (int k = 0; k < GEN_ALL_N; k++) {
                    const oups_pq_column_meta *cm = &m.row_groups[g].columns[k].meta;
                    int want = allowed(gen_all_cols[k].type, e) ? expected_enc(e, v) : -1;
                    if (want < 0) continue;
                    if (!has_enc(cm, want))
                        fprintf(stderr, "  column %s row group %d lacks %s\n", gen_all_cols[k].name, g,
                                oups_parquet_encoding_name(e));
                    CHECK(has_enc(cm, want));
                    if (e != OUPS_PARQUET_ENCODING_DICTIONARY) CHECK(cm->dictionary_page_offset < 4);
                }
            oups_parquet__arena_free(&a);
            oups_mem_free(img);
            /* The same choice for every column, where it fits all of them. */
            bool all = true;
            for (int k = 0; k < GEN_ALL_N; k++) all &= allowed(gen_all_cols[k].type, e);
            o.n_column_encodings = 0;
            o.encoding = e;
            if (all) {
                CHECK(roundtrip(t, &o, desc, sizeof desc));
            } else {
                CHECK_RC(write_mem(&img, &len, t, &o), OUPS_EINVAL);
                CHECK(strstr(oups_error_last(), oups_parquet_encoding_name(e)) != NULL);
            }
        }
    oups_table_free(t);
}

/* Build a 3-column table: sorted timestamps, floats of 50 values, a smooth random walk. */
static int auto_table(oups_table **out, int64_t n) {
    int64_t *ts = oups_malloc((size_t)n * 8);
    double *few = oups_malloc((size_t)n * 8), *walk = oups_malloc((size_t)n * 8);
    int rc = ts && few && walk ? 0 : OUPS_ENOMEM;
    uint64_t rs = tests_seed() + 41;
    double x = 1000.0;
    for (int64_t i = 0; rc == 0 && i < n; i++) {
        uint64_t r = test_rand(&rs);
        ts[i] = INT64_C(1704067200000000000) + i * 1000 + (int64_t)(r % 1000);
        few[i] = 100.0 + 0.25 * (double)(r % 50);
        x += ((double)(r >> 11) / 9007199254740992.0 - 0.5) * 1e-3;
        walk[i] = x;
    }
    oups_datatype tt = oups_type_timestamp(OUPS_UNIT_NS, "UTC"), tf = oups_type(OUPS_TYPE_FLOAT64);
    oups_column *c[3] = {NULL, NULL, NULL};
    const char *names[3] = {"ts", "few", "walk"};
    if (rc == 0) rc = oups_column_from_values(&c[0], &tt, ts, n, NULL);
    if (rc == 0) rc = oups_column_from_values(&c[1], &tf, few, n, NULL);
    if (rc == 0) rc = oups_column_from_values(&c[2], &tf, walk, n, NULL);
    if (rc == 0) rc = oups_table_new(out, 3, names, c);
    for (int i = 0; i < 3; i++) oups_column_release(c[i]);
    oups_free(ts), oups_free(few), oups_free(walk);
    return rc;
}

TEST(auto_picks_from_the_data) {
    oups_table *t;
    CHECK_OK(auto_table(&t, 50000));
    oups_parquet_write_options o = OUPS_PARQUET_WRITE_OPTIONS_INIT;
    uint8_t *img;
    size_t len;
    CHECK_OK(write_mem(&img, &len, t, &o));
    oups_pq_file_meta m;
    oups_pq_arena a = {0};
    CHECK_OK(footer(&m, &a, img, len));
    const oups_pq_column_meta *ts = &m.row_groups[0].columns[0].meta, *few = &m.row_groups[0].columns[1].meta,
                              *walk = &m.row_groups[0].columns[2].meta;
    CHECK(has_enc(ts, OUPS_PQ_ENC_DELTA_BINARY_PACKED) && ts->dictionary_page_offset < 4);
    CHECK(has_enc(few, OUPS_PQ_ENC_PLAIN_DICTIONARY) && few->dictionary_page_offset >= 4);
    CHECK(has_enc(walk, OUPS_PQ_ENC_BYTE_STREAM_SPLIT));
    oups_table *back;
    CHECK_OK(read_mem(&back, img, len));
    CHECK(oups_table_equal(t, back, NULL, 0) == 1);
    oups_table_free(back);
    oups_parquet__arena_free(&a);
    oups_mem_free(img);
    /* No compression: BYTE_STREAM_SPLIT would not pay; dictionary = false: none. */
    o.codec = OUPS_CODEC_UNCOMPRESSED;
    o.dictionary = false;
    CHECK_OK(write_mem(&img, &len, t, &o));
    a = (oups_pq_arena){0};
    CHECK_OK(footer(&m, &a, img, len));
    CHECK(has_enc(&m.row_groups[0].columns[2].meta, OUPS_PQ_ENC_PLAIN));
    CHECK(m.row_groups[0].columns[1].meta.dictionary_page_offset < 4);
    oups_parquet__arena_free(&a);
    oups_mem_free(img);
    oups_table_free(t);
}

TEST(bad_choices) {
    oups_table *t;
    CHECK_OK(gen_table(&t, gen_all_cols, GEN_ALL_N, 10, 0, tests_seed() + 42, -1));
    oups_parquet_write_options o = OUPS_PARQUET_WRITE_OPTIONS_INIT;
    const char *name = "s";
    oups_parquet_encoding e = OUPS_PARQUET_ENCODING_DELTA;
    o.n_column_encodings = 1;
    o.encoding_columns = &name;
    o.column_encodings = &e;
    oups_parquet_writer *w = NULL;
    CHECK_RC(oups_parquet_writer_open_memory(&w, t, &o), OUPS_EINVAL);
    CHECK(strstr(oups_error_last(), "'s'") && strstr(oups_error_last(), "delta"));
    name = "nope";
    CHECK_RC(oups_parquet_writer_open_memory(&w, t, &o), OUPS_ENOTFOUND);
    o.column_encodings = NULL;
    CHECK_RC(oups_parquet_writer_open_memory(&w, t, &o), OUPS_EINVAL);
    o.n_column_encodings = 0;
    o.encoding = (oups_parquet_encoding)9;
    CHECK_RC(oups_parquet_writer_open_memory(&w, t, &o), OUPS_EINVAL);
    o.encoding = OUPS_PARQUET_ENCODING_AUTO;
    o.threads = -1;
    CHECK_RC(oups_parquet_writer_open_memory(&w, t, &o), OUPS_EINVAL);
    CHECK(w == NULL);
    /* A version-1 struct (compiled before the encoding fields): those fields are not read. */
    o.version = 1;
    o.encoding = (oups_parquet_encoding)9;
    CHECK_OK(oups_parquet_writer_open_memory(&w, t, &o));
    oups_parquet_writer_free(w);
    w = NULL;
    o.version = 3;
    CHECK_RC(oups_parquet_writer_open_memory(&w, t, &o), OUPS_EINVAL);
    oups_table_free(t);
    oups_parquet_encoding p;
    for (size_t i = 0; i < sizeof all_encodings / sizeof all_encodings[0]; i++) {
        CHECK_OK(oups_parquet_encoding_parse(&p, oups_parquet_encoding_name(all_encodings[i])));
        CHECK(p == all_encodings[i]);
    }
    CHECK_OK(oups_parquet_encoding_parse(&p, "bss"));
    CHECK(p == OUPS_PARQUET_ENCODING_BYTE_STREAM_SPLIT);
    CHECK_RC(oups_parquet_encoding_parse(&p, "rle"), OUPS_EINVAL);
    CHECK(strstr(oups_error_last(), "'rle'"));
}

RUN_TESTS("parquet.writer_encodings", every_choice_round_trips, auto_picks_from_the_data, bad_choices)
