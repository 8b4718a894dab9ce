// labels: quick
/*
 * tests/parquet/test_thrift.c: the Thrift compact protocol (varints, zigzag, field id deltas
 * and long form, lists, skipping unknown fields, depth limit, truncation) and the parquet.thrift
 * structs of meta.c (serialize then parse gives the same values for FileMetaData, PageHeader,
 * ColumnIndex and OffsetIndex; every truncation of an encoding is OUPS_ECORRUPT).
 */
#include "harness.h"
#include "parquet/meta.h"
#include "parquet/thrift.h"

TEST(varints_and_zigzag_round_trip) {
    static const int64_t vals[] = {0, 1, -1, 63, -64, 64, 1000000, -1000000, INT32_MAX, INT32_MIN, INT64_MAX,
                                   INT64_MIN};
    oups_bytes b = {0};
    oups_thrift_writer w;
    oups_thrift__writer_init(&w, &b);
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) oups_thrift__write_i64(&w, vals[i]);
    CHECK_OK(oups_thrift__writer_status(&w));
    CHECK(b.data[0] == 0 && b.data[1] == 2 && b.data[2] == 1); /* zigzag 0, 1, -1 */
    oups_thrift_reader r;
    oups_thrift__reader_init(&r, b.data, b.len, "t");
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        int64_t v;
        CHECK_OK(oups_thrift__read_i64(&r, &v));
        CHECK(v == vals[i]);
    }
    CHECK(r.p == r.end);
    int64_t v;
    CHECK_RC(oups_thrift__read_i64(&r, &v), OUPS_ECORRUPT);
    static const uint8_t eleven[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
    oups_thrift__reader_init(&r, eleven, sizeof eleven, "t");
    CHECK_RC(oups_thrift__read_i64(&r, &v), OUPS_ECORRUPT);
    static const uint8_t big[] = {0xfe, 0xff, 0xff, 0xff, 0x1f}; /* zigzag of 2^31 */
    oups_thrift__reader_init(&r, big, sizeof big, "t");
    int32_t i32;
    CHECK_RC(oups_thrift__read_i32(&r, &i32), OUPS_ECORRUPT);
    oups_bytes_free(&b);
}

TEST(fields_lists_and_skipping) {
    oups_bytes b = {0};
    oups_thrift_writer w;
    oups_thrift__writer_init(&w, &b);
    oups_thrift__write_i32_field(&w, 1, 7);
    oups_thrift__write_binary_field(&w, 2, "abc", 3);
    oups_thrift__write_i64_field(&w, 40, -5); /* delta > 15: long form */
    oups_thrift__write_field(&w, OUPS_TT_LIST, 41);
    oups_thrift__write_list(&w, OUPS_TT_I32, 20); /* > 14 elements: long form */
    for (int i = 0; i < 20; i++) oups_thrift__write_i32(&w, i);
    oups_thrift__write_field(&w, OUPS_TT_STRUCT, 42); /* unknown nested struct */
    oups_thrift__struct_begin(&w);
    oups_thrift__write_bool_field(&w, 1, true);
    oups_thrift__write_field(&w, OUPS_TT_DOUBLE, 2);
    oups_thrift__write_double(&w, 2.5);
    oups_thrift__struct_end(&w);
    oups_thrift__write_bool_field(&w, 43, false);
    oups_thrift__struct_end(&w);
    CHECK_OK(oups_thrift__writer_status(&w));

    oups_thrift_reader r;
    oups_thrift__reader_init(&r, b.data, b.len, "t");
    int16_t last = 0, id;
    int t;
    CHECK_OK(oups_thrift__read_field(&r, &last, &t, &id));
    CHECK(t == OUPS_TT_I32 && id == 1);
    int32_t v;
    CHECK_OK(oups_thrift__read_i32(&r, &v));
    CHECK(v == 7);
    CHECK_OK(oups_thrift__read_field(&r, &last, &t, &id));
    const uint8_t *p;
    int64_t n;
    CHECK_OK(oups_thrift__read_binary(&r, &p, &n));
    CHECK(t == OUPS_TT_BINARY && id == 2 && n == 3 && memcmp(p, "abc", 3) == 0);
    CHECK_OK(oups_thrift__read_field(&r, &last, &t, &id));
    CHECK(t == OUPS_TT_I64 && id == 40);
    CHECK_OK(oups_thrift__skip(&r, t));
    CHECK_OK(oups_thrift__read_field(&r, &last, &t, &id));
    CHECK(t == OUPS_TT_LIST && id == 41);
    int et;
    CHECK_OK(oups_thrift__read_list(&r, &et, &n));
    CHECK(et == OUPS_TT_I32 && n == 20);
    for (int i = 0; i < 20; i++) {
        CHECK_OK(oups_thrift__read_i32(&r, &v));
        CHECK(v == i);
    }
    CHECK_OK(oups_thrift__read_field(&r, &last, &t, &id));
    CHECK(t == OUPS_TT_STRUCT && id == 42);
    CHECK_OK(oups_thrift__skip(&r, t));
    CHECK_OK(oups_thrift__read_field(&r, &last, &t, &id));
    bool bv = true;
    CHECK_OK(oups_thrift__read_bool(&r, t, &bv));
    CHECK(id == 43 && !bv);
    CHECK_OK(oups_thrift__read_field(&r, &last, &t, &id));
    CHECK(t == OUPS_TT_STOP && r.p == r.end);

    /* Whole struct skip, then every truncation fails cleanly. */
    oups_thrift__reader_init(&r, b.data, b.len, "t");
    CHECK_OK(oups_thrift__skip(&r, OUPS_TT_STRUCT));
    CHECK(r.p == r.end);
    for (size_t cut = 0; cut < b.len; cut++) {
        oups_thrift__reader_init(&r, b.data, cut, "t");
        CHECK_RC(oups_thrift__skip(&r, OUPS_TT_STRUCT), OUPS_ECORRUPT);
    }
    oups_bytes_free(&b);
}

TEST(depth_limit_and_hostile_counts) {
    uint8_t deep[200];
    for (int i = 0; i < 200; i++) deep[i] = 0x1c; /* field 1, type struct, nested forever */
    oups_thrift_reader r;
    oups_thrift__reader_init(&r, deep, sizeof deep, "t");
    CHECK_RC(oups_thrift__skip(&r, OUPS_TT_STRUCT), OUPS_ECORRUPT);
    CHECK(strstr(oups_error_last(), "deep") != NULL);
    static const uint8_t huge_list[] = {0xf5, 0xff, 0xff, 0xff, 0xff, 0x0f}; /* 2^32-1 i32s */
    oups_thrift__reader_init(&r, huge_list, sizeof huge_list, "t");
    CHECK_RC(oups_thrift__skip(&r, OUPS_TT_LIST), OUPS_ECORRUPT);
    static const uint8_t huge_bin[] = {0xff, 0xff, 0xff, 0x7f};
    oups_thrift__reader_init(&r, huge_bin, sizeof huge_bin, "t");
    CHECK_RC(oups_thrift__skip(&r, OUPS_TT_BINARY), OUPS_ECORRUPT);
    static const uint8_t bad_type[] = {0x1d};
    oups_thrift__reader_init(&r, bad_type, sizeof bad_type, "t");
    CHECK_RC(oups_thrift__skip(&r, OUPS_TT_STRUCT), OUPS_ECORRUPT);
    static const uint8_t map[] = {0x02, 0x88, 0x01, 'a', 0x01, 'b', 0x01, 'c', 0x01, 'd', 0x00};
    oups_thrift__reader_init(&r, map, sizeof map, "t");
    CHECK_OK(oups_thrift__skip(&r, OUPS_TT_MAP));
    CHECK(r.p + 1 == r.end);
}

static oups_pq_str S(const char *s) {
    oups_pq_str v = {(const uint8_t *)s, (int64_t)strlen(s)};
    return v;
}

static bool str_eq(oups_pq_str a, const char *s) {
    return a.ptr && a.len == (int64_t)strlen(s) && memcmp(a.ptr, s, (size_t)a.len) == 0;
}

TEST(file_meta_round_trip) {
    oups_pq_schema_elem schema[4];
    for (int i = 0; i < 4; i++) oups_parquet__schema_elem_init(&schema[i]);
    schema[0].name = S("schema");
    schema[0].num_children = 3;
    schema[1].name = S("ts");
    schema[1].type = OUPS_PQ_INT64;
    schema[1].repetition = OUPS_PQ_REQUIRED;
    schema[1].logical.kind = OUPS_PQ_LT_TIMESTAMP;
    schema[1].logical.unit = OUPS_PQ_UNIT_NANOS;
    schema[1].logical.adjusted_to_utc = true;
    schema[2].name = S("price");
    schema[2].type = OUPS_PQ_FLBA;
    schema[2].type_length = 9;
    schema[2].repetition = OUPS_PQ_OPTIONAL;
    schema[2].converted_type = OUPS_PQ_CT_DECIMAL;
    schema[2].precision = 20;
    schema[2].scale = 4;
    schema[2].logical.kind = OUPS_PQ_LT_DECIMAL;
    schema[2].logical.precision = 20;
    schema[2].logical.scale = 4;
    schema[3].name = S("u8");
    schema[3].type = OUPS_PQ_INT32;
    schema[3].repetition = OUPS_PQ_OPTIONAL;
    schema[3].logical.kind = OUPS_PQ_LT_INTEGER;
    schema[3].logical.bit_width = 8;
    schema[3].logical.is_signed = false;

    int32_t encs[] = {OUPS_PQ_ENC_PLAIN, OUPS_PQ_ENC_RLE};
    oups_pq_str path[] = {S("ts")};
    oups_pq_kv ckv[] = {{S("ck"), S("cv")}};
    oups_pq_column_chunk cols[3];
    for (int i = 0; i < 3; i++) {
        oups_parquet__column_chunk_init(&cols[i]);
        cols[i].has_meta = true;
        cols[i].file_offset = 100 + i;
        cols[i].meta.type = OUPS_PQ_INT64;
        cols[i].meta.n_encodings = 2;
        cols[i].meta.encodings = encs;
        cols[i].meta.n_path = 1;
        cols[i].meta.path = path;
        cols[i].meta.codec = 6;
        cols[i].meta.num_values = 1000;
        cols[i].meta.total_uncompressed_size = 8000;
        cols[i].meta.total_compressed_size = 123;
        cols[i].meta.data_page_offset = 4 + i;
    }
    cols[0].meta.dictionary_page_offset = 4;
    cols[0].meta.has_stats = true;
    cols[0].meta.stats.min_value = S("\x01\x02");
    cols[0].meta.stats.max_value = S("\x09");
    cols[0].meta.stats.null_count = 0;
    cols[0].meta.stats.is_max_value_exact = 1;
    cols[0].meta.n_kv = 1;
    cols[0].meta.kv = ckv;
    cols[1].column_index_offset = 5000;
    cols[1].column_index_length = 50;
    cols[1].offset_index_offset = 5050;
    cols[1].offset_index_length = 20;
    oups_pq_sorting_column sorting[] = {{0, false, true}};
    oups_pq_row_group rg[2];
    for (int i = 0; i < 2; i++) {
        oups_parquet__row_group_init(&rg[i]);
        rg[i].n_columns = 3;
        rg[i].columns = cols;
        rg[i].num_rows = 1000 + i;
        rg[i].total_byte_size = 9999;
        rg[i].ordinal = i;
    }
    rg[0].n_sorting = 1;
    rg[0].sorting = sorting;
    oups_pq_kv kv[] = {{S("k1"), S("v1")}, {S("k2"), {NULL, 0}}};
    int32_t orders[] = {1, 1, 1};
    oups_pq_file_meta m;
    oups_parquet__file_meta_init(&m);
    m.version = 2;
    m.n_schema = 4;
    m.schema = schema;
    m.num_rows = 2001;
    m.n_row_groups = 2;
    m.row_groups = rg;
    m.n_kv = 2;
    m.kv = kv;
    m.created_by = S("oups test");
    m.n_column_orders = 3;
    m.column_orders = orders;

    oups_bytes b = {0};
    CHECK_OK(oups_parquet__write_file_meta(&b, &m));
    oups_pq_arena a = {0};
    oups_pq_file_meta g;
    CHECK_OK(oups_parquet__parse_file_meta(&g, &a, b.data, b.len, "meta"));
    CHECK(g.version == 2 && g.num_rows == 2001 && g.n_schema == 4 && g.n_row_groups == 2 && g.n_kv == 2);
    CHECK(str_eq(g.created_by, "oups test") && !g.encrypted);
    CHECK(g.n_column_orders == 3 && g.column_orders[2] == 1);
    CHECK(str_eq(g.schema[0].name, "schema") && g.schema[0].num_children == 3 && g.schema[0].type == -1);
    CHECK(g.schema[1].logical.kind == OUPS_PQ_LT_TIMESTAMP && g.schema[1].logical.unit == OUPS_PQ_UNIT_NANOS &&
          g.schema[1].logical.adjusted_to_utc);
    CHECK(g.schema[2].type == OUPS_PQ_FLBA && g.schema[2].type_length == 9 && g.schema[2].precision == 20 &&
          g.schema[2].logical.kind == OUPS_PQ_LT_DECIMAL && g.schema[2].logical.scale == 4);
    CHECK(g.schema[3].logical.kind == OUPS_PQ_LT_INTEGER && g.schema[3].logical.bit_width == 8 &&
          !g.schema[3].logical.is_signed);
    CHECK(str_eq(g.kv[0].key, "k1") && str_eq(g.kv[0].value, "v1") && g.kv[1].value.ptr == NULL);
    const oups_pq_row_group *gr = &g.row_groups[0];
    CHECK(gr->num_rows == 1000 && gr->n_columns == 3 && gr->ordinal == 0 && gr->n_sorting == 1);
    CHECK(gr->sorting[0].column_idx == 0 && gr->sorting[0].nulls_first && !gr->sorting[0].descending);
    CHECK(g.row_groups[1].num_rows == 1001 && g.row_groups[1].sorting == NULL);
    const oups_pq_column_chunk *c0 = &gr->columns[0], *c1 = &gr->columns[1];
    CHECK(c0->has_meta && c0->file_offset == 100 && c0->meta.codec == 6 && c0->meta.n_encodings == 2 &&
          c0->meta.encodings[1] == OUPS_PQ_ENC_RLE && str_eq(c0->meta.path[0], "ts"));
    CHECK(c0->meta.dictionary_page_offset == 4 && c1->meta.dictionary_page_offset == -1);
    CHECK(c0->meta.has_stats && c0->meta.stats.null_count == 0 && str_eq(c0->meta.stats.max_value, "\x09") &&
          c0->meta.stats.min_value.len == 2 && c0->meta.stats.is_max_value_exact == 1 &&
          c0->meta.stats.is_min_value_exact == -1 && c0->meta.stats.min.ptr == NULL);
    CHECK(c0->meta.n_kv == 1 && str_eq(c0->meta.kv[0].value, "cv"));
    CHECK(c1->column_index_offset == 5000 && c1->offset_index_length == 20 && c0->column_index_offset == -1);

    /* Every strict prefix is corrupt (never a crash, never success). */
    for (size_t cut = 0; cut < b.len; cut++) {
        oups_pq_arena a2 = {0};
        CHECK_RC(oups_parquet__parse_file_meta(&g, &a2, b.data, cut, "meta"), OUPS_ECORRUPT);
        oups_parquet__arena_free(&a2);
    }
    oups_parquet__arena_free(&a);
    oups_bytes_free(&b);
}

TEST(page_header_round_trip) {
    oups_pq_page_header h;
    oups_parquet__page_header_init(&h);
    h.type = OUPS_PQ_PAGE_DATA_V2;
    h.uncompressed_page_size = 1000;
    h.compressed_page_size = 400;
    h.has_crc = true;
    h.crc = -12345;
    h.has_data_v2 = true;
    h.data_v2.num_values = 100;
    h.data_v2.num_nulls = 3;
    h.data_v2.num_rows = 100;
    h.data_v2.encoding = OUPS_PQ_ENC_RLE_DICTIONARY;
    h.data_v2.def_levels_byte_length = 7;
    h.data_v2.is_compressed = false;
    h.data_v2.has_stats = true;
    h.data_v2.stats.null_count = 3;
    oups_bytes b = {0};
    CHECK_OK(oups_parquet__write_page_header(&b, &h));
    size_t hl = b.len;
    CHECK_OK(oups_bytes_append(&b, "trailing page bytes", 19));
    oups_pq_page_header g;
    size_t used;
    CHECK_OK(oups_parquet__parse_page_header(&g, b.data, b.len, &used, "page"));
    CHECK(used == hl);
    CHECK(g.type == OUPS_PQ_PAGE_DATA_V2 && g.uncompressed_page_size == 1000 && g.compressed_page_size == 400);
    CHECK(g.has_crc && g.crc == -12345 && g.has_data_v2 && !g.has_data_v1 && !g.has_dict);
    CHECK(g.data_v2.num_nulls == 3 && g.data_v2.def_levels_byte_length == 7 && !g.data_v2.is_compressed &&
          g.data_v2.encoding == OUPS_PQ_ENC_RLE_DICTIONARY && g.data_v2.has_stats && g.data_v2.stats.null_count == 3);

    b.len = 0;
    oups_parquet__page_header_init(&h);
    h.type = OUPS_PQ_PAGE_DICTIONARY;
    h.uncompressed_page_size = h.compressed_page_size = 80;
    h.has_dict = true;
    h.dict.num_values = 10;
    h.dict.encoding = OUPS_PQ_ENC_PLAIN;
    CHECK_OK(oups_parquet__write_page_header(&b, &h));
    CHECK_OK(oups_parquet__parse_page_header(&g, b.data, b.len, &used, "page"));
    CHECK(g.has_dict && g.dict.num_values == 10 && g.dict.is_sorted == -1 && !g.has_crc && g.data_v2.is_compressed);
    for (size_t cut = 0; cut < b.len; cut++)
        CHECK_RC(oups_parquet__parse_page_header(&g, b.data, cut, &used, "page"), OUPS_ECORRUPT);
    oups_bytes_free(&b);
}

TEST(page_index_round_trip) {
    bool nulls[] = {false, true, false};
    oups_pq_str mins[] = {S("a"), S(""), S("m")}, maxs[] = {S("f"), S(""), S("z")};
    int64_t counts[] = {0, 10, 2};
    oups_pq_column_index ci = {3, nulls, mins, maxs, OUPS_PQ_BOUNDARY_ASCENDING, counts};
    oups_bytes b = {0};
    CHECK_OK(oups_parquet__write_column_index(&b, &ci));
    oups_pq_arena a = {0};
    oups_pq_column_index g;
    CHECK_OK(oups_parquet__parse_column_index(&g, &a, b.data, b.len, "ci"));
    CHECK(g.n_pages == 3 && g.null_pages[1] && !g.null_pages[0] && str_eq(g.min_values[2], "m") &&
          str_eq(g.max_values[0], "f") && g.boundary_order == OUPS_PQ_BOUNDARY_ASCENDING && g.null_counts[1] == 10);
    oups_pq_page_location locs[] = {{4, 100, 0}, {104, 50, 1000}};
    oups_pq_offset_index oi = {2, locs};
    b.len = 0;
    CHECK_OK(oups_parquet__write_offset_index(&b, &oi));
    oups_pq_offset_index go;
    CHECK_OK(oups_parquet__parse_offset_index(&go, &a, b.data, b.len, "oi"));
    CHECK(go.n_pages == 2 && go.pages[1].offset == 104 && go.pages[1].compressed_page_size == 50 &&
          go.pages[1].first_row_index == 1000);
    oups_parquet__arena_free(&a);
    oups_bytes_free(&b);
}

RUN_TESTS("parquet.thrift", varints_and_zigzag_round_trip, fields_lists_and_skipping, depth_limit_and_hostile_counts,
          file_meta_round_trip, page_header_round_trip, page_index_round_trip)
