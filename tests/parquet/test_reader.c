// labels: quick
/*
 * tests/parquet/test_reader.c: the Parquet reader on the parquet-testing corpus without
 * oracles: every flat file reads (file and memory image agree), nested files give
 * OUPS_EUNSUPPORTED naming the column, corrupt checksums give OUPS_ECORRUPT, *_expect.csv
 * files match, files DuckDB cannot read match sibling files/columns, decimals of every
 * physical type, statistics, key-value metadata, projection and row-group selection, the
 * descriptions and argument errors. DuckDB comparisons: test_reader_oracle.c.
 */
#include "harness.h"
#include "reader_text.h"
#include "util/util.h"


static const char *const NESTED[] = {
    "datapage_v2.snappy.parquet", "incorrect_map_schema.parquet", "large_string_map.brotli.parquet",
    "list_columns.parquet", "map_no_value.parquet", "nested_lists.snappy.parquet", "nested_maps.snappy.parquet",
    "nested_structs.rust.parquet", "nonnullable.impala.parquet", "null_list.parquet", "nullable.impala.parquet",
    "nulls.snappy.parquet", "old_list_structure.parquet", "repeated_no_annotation.parquet",
    "repeated_primitive_no_list.parquet",
};

static oups_table *read_file(const char *file) {
    char path[1024];
    corpus_path(path, sizeof path, file);
    oups_table *t = NULL;
    if (oups_parquet_read(&t, path) != 0) {
        fprintf(stderr, "  %s: %s\n", file, oups_error_last());
        return NULL;
    }
    return t;
}

TEST(flat_files_read_from_file_and_memory) {
    REQUIRE_CORPUS();
    for (size_t i = 0; i < sizeof CORPUS_FLAT / sizeof CORPUS_FLAT[0]; i++) {
        char path[1024];
        corpus_path(path, sizeof path, CORPUS_FLAT[i]);
        oups_parquet_reader *r;
        CHECK_OK(oups_parquet_reader_open(&r, path));
        oups_table *t, *schema, *tm;
        CHECK_OK(oups_parquet_reader_read(&t, r, NULL, 0, NULL, 0));
        CHECK(oups_table_num_rows(t) == oups_parquet_reader_num_rows(r));
        CHECK(oups_table_num_columns(t) == oups_parquet_reader_num_columns(r));
        CHECK_OK(oups_parquet_reader_schema(&schema, r));
        CHECK(oups_table_schema_equal(schema, t));
        oups_table_free(schema);
        oups_parquet_reader_free(r);

        size_t len;
        char *img = slurp(path, &len);
        CHECK(img != NULL);
        CHECK_OK(oups_parquet_reader_open_memory(&r, img, len, CORPUS_FLAT[i]));
        CHECK_OK(oups_parquet_reader_read(&tm, r, NULL, 0, NULL, 0));
        char desc[256];
        CHECK(oups_table_equal(t, tm, desc, sizeof desc) == 1);
        oups_table_free(tm);
        oups_table_free(t);
        oups_parquet_reader_free(r);
        free(img);
    }
}

TEST(nested_files_are_unsupported_naming_the_column) {
    REQUIRE_CORPUS();
    for (size_t i = 0; i < sizeof NESTED / sizeof NESTED[0]; i++) {
        char path[1024];
        corpus_path(path, sizeof path, NESTED[i]);
        oups_parquet_reader *r;
        CHECK_OK(oups_parquet_reader_open(&r, path));
        oups_table *t = NULL;
        CHECK_RC(oups_parquet_reader_read(&t, r, NULL, 0, NULL, 0), OUPS_EUNSUPPORTED);
        CHECK(t == NULL);
        CHECK(strstr(oups_error_last(), "column '") != NULL);
        CHECK(strstr(oups_error_last(), "nested") != NULL);
        CHECK_RC(oups_parquet_reader_schema(&t, r), OUPS_EUNSUPPORTED);
        char *txt;
        CHECK_OK(oups_parquet_reader_schema_text(&txt, r));
        CHECK(strstr(txt, "unsupported") != NULL);
        oups_mem_free(txt);
        oups_parquet_reader_free(r);
    }
}

TEST(flat_columns_of_a_partly_nested_file) {
    REQUIRE_CORPUS();
    char path[1024];
    corpus_path(path, sizeof path, "datapage_v2.snappy.parquet");
    oups_parquet_reader *r;
    CHECK_OK(oups_parquet_reader_open(&r, path));
    const char *cols[] = {"a", "b", "c", "d"};
    oups_table *t;
    CHECK_OK(oups_parquet_reader_read(&t, r, NULL, 0, cols, 4));
    CHECK(oups_table_num_rows(t) == 5);
    static const char *want[5][4] = {{"abc", "1", "2", "true"}, {"abc", "2", "3", "true"}, {"abc", "3", "4", "true"},
                                     {"\\N", "4", "5", "false"}, {"abc", "5", "2", "true"}};
    char got[64];
    for (int i = 0; i < 5; i++)
        for (int c = 0; c < 4; c++) {
            cell_text(got, sizeof got, oups_table_column(t, c), i, 1);
            CHECK(strcmp(got, want[i][c]) == 0);
        }
    oups_table_free(t);
    const char *nested[] = {"e.list.element"};
    CHECK_RC(oups_parquet_reader_read(&t, r, NULL, 0, nested, 1), OUPS_EUNSUPPORTED);
    CHECK(strstr(oups_error_last(), "'e.list.element'") != NULL);
    oups_parquet_reader_free(r);
}

TEST(corrupt_checksums_are_detected) {
    REQUIRE_CORPUS();
    const char *files[] = {"datapage_v1-corrupt-checksum.parquet", "rle-dict-uncompressed-corrupt-checksum.parquet"};
    for (int i = 0; i < 2; i++) {
        char path[1024];
        corpus_path(path, sizeof path, files[i]);
        oups_table *t = NULL;
        CHECK_RC(oups_parquet_read(&t, path), OUPS_ECORRUPT);
        CHECK(strstr(oups_error_last(), "CRC") != NULL);
        CHECK(strstr(oups_error_last(), "page") != NULL);
    }
}

TEST(malformed_dictionary_is_corrupt) {
    REQUIRE_CORPUS();
    char path[1024];
    corpus_path(path, sizeof path, "nation.dict-malformed.parquet");
    oups_table *t = NULL;
    CHECK_RC(oups_parquet_read(&t, path), OUPS_ECORRUPT);
}

static void strip_name(char *s) {
    char *w = s;
    for (; *s; s++)
        if (*s != ' ' && *s != ':') *w++ = *s;
    *w = '\0';
}

/* Compare a file with its *_expect.csv (header = column names, quoted values, null = empty). */
static int check_expect(const char *file, const char *csv) {
    oups_table *t = read_file(file);
    char path[1024];
    corpus_path(path, sizeof path, csv);
    char *text = slurp(path, NULL);
    if (!t || !text) return -1;
    static char want[1 << 16], got[1 << 16];
    const char *p = text;
    int nc = oups_table_num_columns(t), bad = 0;
    for (int c = 0; c < nc; c++) { /* header: names, ignoring the stray spaces/colons of some files */
        csv_field(&p, want, sizeof want);
        strip_name(want);
        snprintf(got, sizeof got, "%s", oups_table_column_name(t, c));
        strip_name(got);
        if (strcmp(want, got) != 0) bad++;
    }
    int64_t r = 0;
    for (; *p; r++) {
        for (int c = 0; c < nc; c++) {
            csv_field(&p, want, sizeof want);
            if (r >= oups_table_num_rows(t)) continue;
            cell_text(got, sizeof got, oups_table_column(t, c), r, 1);
            if (strcmp(want, got) != 0 && bad++ < 3)
                fprintf(stderr, "  %s row %lld col %d: want '%s' got '%s'\n", file, (long long)r, c, want, got);
        }
    }
    if (r != oups_table_num_rows(t)) bad++;
    oups_table_free(t);
    free(text);
    return bad;
}

TEST(expect_csv_files_match) {
    REQUIRE_CORPUS();
    CHECK(check_expect("delta_binary_packed.parquet", "delta_binary_packed_expect.csv") == 0);
    CHECK(check_expect("delta_byte_array.parquet", "delta_byte_array_expect.csv") == 0);
    CHECK(check_expect("delta_encoding_optional_column.parquet", "delta_encoding_optional_column_expect.csv") == 0);
    CHECK(check_expect("delta_encoding_required_column.parquet", "delta_encoding_required_column_expect.csv") == 0);
}

TEST(lz4_framings_agree) {
    REQUIRE_CORPUS();
    oups_table *raw = read_file("lz4_raw_compressed.parquet");
    oups_table *hadoop = read_file("hadoop_lz4_compressed.parquet");
    oups_table *plain = read_file("non_hadoop_lz4_compressed.parquet");
    CHECK(raw && hadoop && plain);
    char desc[256];
    CHECK(oups_table_num_rows(raw) == 4);
    CHECK(oups_table_equal(raw, hadoop, desc, sizeof desc) == 1);
    CHECK(oups_table_equal(raw, plain, desc, sizeof desc) == 1);
    oups_table_free(raw);
    oups_table_free(hadoop);
    oups_table_free(plain);
    raw = read_file("lz4_raw_compressed_larger.parquet");
    hadoop = read_file("hadoop_lz4_compressed_larger.parquet");
    CHECK(raw && hadoop);
    CHECK(oups_table_num_rows(raw) == 10000);
    CHECK(oups_table_equal(raw, hadoop, desc, sizeof desc) == 1);
    oups_table_free(raw);
    oups_table_free(hadoop);
}

TEST(byte_stream_split_matches_plain_columns) {
    REQUIRE_CORPUS();
    oups_table *t = read_file("byte_stream_split_extended.gzip.parquet");
    CHECK(t != NULL);
    CHECK(oups_table_num_columns(t) == 14);
    for (int c = 0; c < 14; c += 2) {
        const char *names[] = {oups_table_column_name(t, c)};
        const char *names2[] = {oups_table_column_name(t, c + 1)};
        CHECK(strstr(names2[0], "byte_stream_split") != NULL);
        oups_table *a, *b, *b2;
        CHECK_OK(oups_table_select(&a, t, names, 1));
        CHECK_OK(oups_table_select(&b, t, names2, 1));
        CHECK_OK(oups_table_rename(&b2, b, names2, names, 1));
        char desc[256];
        CHECK(oups_table_equal(a, b2, desc, sizeof desc) == 1);
        oups_table_free(a);
        oups_table_free(b);
        oups_table_free(b2);
    }
    oups_table_free(t);
}

TEST(decimals_of_every_physical_type) {
    REQUIRE_CORPUS();
    const char *files[] = {"int32_decimal.parquet", "int64_decimal.parquet", "fixed_length_decimal.parquet",
                           "fixed_length_decimal_legacy.parquet", "byte_array_decimal.parquet"};
    for (int f = 0; f < 5; f++) {
        oups_table *t = read_file(files[f]);
        CHECK(t != NULL);
        CHECK(oups_table_num_rows(t) == 24);
        const oups_datatype *ty = oups_column_type(oups_table_column(t, 0));
        CHECK(ty->id == OUPS_TYPE_DECIMAL128 && ty->scale == 2);
        for (int i = 0; i < 24; i++) {
            char got[64], want[64];
            cell_text(got, sizeof got, oups_table_column(t, 0), i, 1);
            snprintf(want, sizeof want, "%d.00", i + 1);
            CHECK(strcmp(got, want) == 0);
        }
        oups_table_free(t);
    }
}

TEST(type_mapping) {
    REQUIRE_CORPUS();
    oups_table *t = read_file("alltypes_plain.parquet");
    CHECK(t != NULL);
    const oups_datatype *ts = oups_column_type(oups_table_column(t, 10));
    CHECK(ts->id == OUPS_TYPE_TIMESTAMP && ts->unit == OUPS_UNIT_NS && ts->tz[0] == '\0');
    oups_scalar s;
    oups_column_get_scalar(&s, oups_table_column(t, 10), 0);
    CHECK(s.v.i == INT64_C(1235865600000000000)); /* 2009-03-01 00:00:00 */
    CHECK(oups_column_type(oups_table_column(t, 1))->id == OUPS_TYPE_BOOL);
    oups_table_free(t);
    t = read_file("float16_nonzeros_and_nans.parquet");
    CHECK(t != NULL);
    CHECK(oups_column_type(oups_table_column(t, 0))->id == OUPS_TYPE_FLOAT32);
    oups_table_free(t);
    t = read_file("unknown-logical-type.parquet");
    CHECK(t != NULL);
    CHECK(oups_column_type(oups_table_column(t, 0))->id == OUPS_TYPE_STRING);
    CHECK(oups_column_type(oups_table_column(t, 1))->id == OUPS_TYPE_BINARY);
    oups_table_free(t);
}

TEST(statistics) {
    REQUIRE_CORPUS();
    char path[1024];
    corpus_path(path, sizeof path, "sort_columns.parquet");
    oups_parquet_reader *r;
    CHECK_OK(oups_parquet_reader_open(&r, path));
    CHECK(oups_parquet_reader_num_row_groups(r) == 2);
    oups_parquet_stats st;
    CHECK_OK(oups_parquet_reader_stats(&st, r, 0, 0));
    CHECK(st.has_null_count && st.null_count == 1);
    CHECK(st.has_min_max && st.min.v.i == 1 && st.max.v.i == 2);
    CHECK_OK(oups_parquet_reader_stats(&st, r, 1, 1));
    CHECK(st.has_min_max && st.min.v.bytes.len == 1 && memcmp(st.min.v.bytes.ptr, "a", 1) == 0);
    CHECK(st.max.v.bytes.len == 1 && memcmp(st.max.v.bytes.ptr, "c", 1) == 0);
    CHECK_RC(oups_parquet_reader_stats(&st, r, 2, 0), OUPS_EINVAL);
    CHECK_RC(oups_parquet_reader_stats(&st, r, 0, 2), OUPS_EINVAL);
    oups_parquet_reader_free(r);

    corpus_path(path, sizeof path, "floating_orders_nan_count.parquet");
    CHECK_OK(oups_parquet_reader_open(&r, path));
    for (int c = 0; c < oups_parquet_reader_num_columns(r); c++) {
        CHECK_OK(oups_parquet_reader_stats(&st, r, 0, c));
        CHECK(st.has_min_max && st.min.v.f == -2.0 && st.max.v.f == 5.0);
    }
    oups_parquet_reader_free(r);

    corpus_path(path, sizeof path, "int32_decimal.parquet");
    CHECK_OK(oups_parquet_reader_open(&r, path));
    CHECK_OK(oups_parquet_reader_stats(&st, r, 0, 0));
    if (st.has_min_max) {
        char txt[64];
        dec128_text(txt, sizeof txt, st.min.v.dec, 2);
        CHECK(strcmp(txt, "1.00") == 0);
    }
    oups_parquet_reader_free(r);
}

TEST(key_value_metadata) {
    REQUIRE_CORPUS();
    char path[1024];
    corpus_path(path, sizeof path, "sort_columns.parquet");
    oups_parquet_reader *r;
    CHECK_OK(oups_parquet_reader_open(&r, path));
    CHECK(oups_parquet_reader_kv_count(r) == 1);
    CHECK(strcmp(oups_parquet_reader_kv_key(r, 0), "ARROW:schema") == 0);
    CHECK(oups_parquet_reader_kv_get(r, "ARROW:schema") == oups_parquet_reader_kv_value(r, 0));
    CHECK(oups_parquet_reader_kv_get(r, "nope") == NULL);
    CHECK(oups_parquet_reader_kv_key(r, 1) == NULL && oups_parquet_reader_kv_value(r, -1) == NULL);
    oups_parquet_reader_free(r);
}

TEST(projection_and_row_group_selection) {
    REQUIRE_CORPUS();
    char path[1024];
    corpus_path(path, sizeof path, "sort_columns.parquet");
    oups_parquet_reader *r;
    CHECK_OK(oups_parquet_reader_open(&r, path));
    oups_table *all, *part, *expect, *sel;
    CHECK_OK(oups_parquet_reader_read(&all, r, NULL, 0, NULL, 0));
    CHECK(oups_table_num_rows(all) == 6);
    int rg[] = {1};
    const char *cols[] = {"b"};
    CHECK_OK(oups_parquet_reader_read(&part, r, rg, 1, cols, 1));
    CHECK_OK(oups_table_slice(&sel, all, 3, 3));
    CHECK_OK(oups_table_select(&expect, sel, cols, 1));
    char desc[256];
    CHECK(oups_table_equal(part, expect, desc, sizeof desc) == 1);
    oups_table_free(part);
    oups_table_free(sel);
    oups_table_free(expect);
    int rev[] = {1, 0};
    const char *ba[] = {"b", "a"};
    CHECK_OK(oups_parquet_reader_read(&part, r, rev, 2, ba, 2));
    CHECK(oups_table_num_rows(part) == 6 && strcmp(oups_table_column_name(part, 0), "b") == 0);
    oups_table_free(part);
    CHECK_OK(oups_parquet_reader_read(&part, r, rg, 0, cols, 0)); /* nothing: 0 rows, 0 columns */
    CHECK(oups_table_num_rows(part) == 0 && oups_table_num_columns(part) == 0);
    oups_table_free(part);
    const char *missing[] = {"zz"};
    CHECK_RC(oups_parquet_reader_read(&part, r, NULL, 0, missing, 1), OUPS_ENOTFOUND);
    CHECK(strstr(oups_error_last(), "zz") != NULL);
    int bad_rg[] = {2};
    CHECK_RC(oups_parquet_reader_read(&part, r, bad_rg, 1, NULL, 0), OUPS_EINVAL);
    const char *name;
    CHECK_OK(oups_parquet_reader_column_name(&name, r, 1));
    CHECK(strcmp(name, "b") == 0);
    CHECK_RC(oups_parquet_reader_column_name(&name, r, 2), OUPS_EINVAL);
    CHECK(oups_parquet_reader_row_group_num_rows(r, 1) == 3 && oups_parquet_reader_row_group_num_rows(r, 5) == -1);
    oups_table_free(all);
    oups_parquet_reader_free(r);
}

TEST(projection_reads_one_chunk_per_column) {
    REQUIRE_CORPUS();
    char path[1024];
    corpus_path(path, sizeof path, "alltypes_tiny_pages.parquet");
    oups_parquet_reader *r;
    oups_fault_io_after(INT64_MAX, OUPS_IO_READ, OUPS_FAULT_FAIL); /* count reads, fail none */
    CHECK_OK(oups_parquet_reader_open(&r, path));
    int64_t at_open = oups_fault_io_count();
    const char *cols[] = {"id", "string_col"};
    oups_table *t;
    int rc = oups_parquet_reader_read(&t, r, NULL, 0, cols, 2);
    int64_t reads = oups_fault_io_count() - at_open;
    oups_fault_io_off();
    CHECK_OK(rc);
    CHECK(at_open == 3); /* head magic, tail, footer */
    CHECK(reads == 2);   /* one pread per column chunk */
    CHECK(oups_table_num_rows(t) == 7300);
    oups_table_free(t);
    oups_parquet_reader_free(r);
}

TEST(descriptions) {
    REQUIRE_CORPUS();
    char path[1024];
    corpus_path(path, sizeof path, "alltypes_tiny_pages.parquet");
    oups_parquet_reader *r;
    CHECK_OK(oups_parquet_reader_open(&r, path));
    char *json, *txt;
    CHECK_OK(oups_parquet_reader_meta_json(&json, r));
    CHECK(json[0] == '{' && strstr(json, "\"num_rows\":7300") && strstr(json, "\"row_groups\":[") &&
          strstr(json, "\"statistics\":{"));
    int depth = 0;
    for (const char *p = json; *p; p++) depth += (*p == '{' || *p == '[') - (*p == '}' || *p == ']');
    CHECK(depth == 0);
    CHECK_OK(oups_parquet_reader_schema_text(&txt, r));
    CHECK(strstr(txt, "id: int32 (INT32, optional)\n") != NULL);
    oups_mem_free(json);
    oups_mem_free(txt);
    oups_parquet_reader_free(r);
}

TEST(open_errors) {
    oups_parquet_reader *r = NULL;
    CHECK_RC(oups_parquet_reader_open(&r, "/nonexistent/x.parquet"), OUPS_ENOTFOUND);
    CHECK(r == NULL);
    CHECK_RC(oups_parquet_reader_open_memory(&r, "PAR1", 4, "tiny"), OUPS_ECORRUPT);
    CHECK(strstr(oups_error_last(), "tiny") != NULL);
    CHECK_RC(oups_parquet_reader_open_memory(&r, "PAR1xxxxxxxxxxxxxxxxPAR2", 24, "magic"), OUPS_ECORRUPT);
    static const uint8_t big_len[] = {'P', 'A', 'R', '1', 0, 0, 0, 0, 0xff, 0xff, 0, 0, 'P', 'A', 'R', '1'};
    CHECK_RC(oups_parquet_reader_open_memory(&r, big_len, sizeof big_len, "len"), OUPS_ECORRUPT);
    static const uint8_t enc[] = {'P', 'A', 'R', 'E', 0, 0, 0, 0, 0, 0, 0, 0, 'P', 'A', 'R', 'E'};
    CHECK_RC(oups_parquet_reader_open_memory(&r, enc, sizeof enc, "enc"), OUPS_EUNSUPPORTED);
    static const uint8_t empty_footer[] = {'P', 'A', 'R', '1', 0, 1, 0, 0, 0, 'P', 'A', 'R', '1'};
    CHECK_RC(oups_parquet_reader_open_memory(&r, empty_footer, sizeof empty_footer, "nofooter"), OUPS_ECORRUPT);
    oups_table *t = NULL;
    CHECK_RC(oups_parquet_read(&t, "/nonexistent/x.parquet"), OUPS_ENOTFOUND);
}

RUN_TESTS("parquet.reader", flat_files_read_from_file_and_memory, nested_files_are_unsupported_naming_the_column,
          flat_columns_of_a_partly_nested_file, corrupt_checksums_are_detected, malformed_dictionary_is_corrupt,
          expect_csv_files_match, lz4_framings_agree, byte_stream_split_matches_plain_columns,
          decimals_of_every_physical_type, type_mapping, statistics, key_value_metadata,
          projection_and_row_group_selection, projection_reads_one_chunk_per_column, descriptions, open_errors)
