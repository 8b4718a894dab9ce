/*
 * parquet/describe.c: what the reader tells about a file without reading data: column chunk
 * statistics decoded to table scalars (oups_parquet_reader_stats), the JSON description of
 * `oups parquet meta` and the schema text of `oups parquet schema`.
 * Statistics rule: min_value/max_value when present (column order TYPE_ORDER or absent);
 * legacy min/max only for types whose order is signed (BOOLEAN, signed INT32/INT64, FLOAT,
 * DOUBLE, INT32/INT64 decimals), since old writers compared bytes signed. NaN bounds and INT96
 * are reported absent. Spec: parquet.thrift (Statistics, ColumnOrder).
 */
#include <math.h>
#include <stdio.h>

#include "parquet/internal.h"

__extension__ typedef __int128 i128;
__extension__ typedef unsigned __int128 u128;

int oups_parquet__stat_scalar(oups_scalar *out, const oups_parquet_reader *r, int leaf, oups_pq_str v) {
    const oups_pqr_leaf *l = &r->leaves[leaf];
    memset(out, 0, sizeof *out);
    out->type = l->type;
    const uint8_t *p = v.ptr;
    int64_t n = v.len;
    switch (l->conv) {
    case OUPS_PQR_BOOL:
        if (n < 1) return 1;
        out->v.b = p[0] & 1;
        return 0;
    case OUPS_PQR_INT96:
        return 1;
    case OUPS_PQR_BYTES:
    case OUPS_PQR_FLBA_BYTES:
        out->v.bytes.ptr = p;
        out->v.bytes.len = n;
        return 0;
    case OUPS_PQR_DEC_FLBA:
    case OUPS_PQR_DEC_BA:
        return oups_parquet__be_to_dec128(out->v.dec, p, n) ? 0 : 1;
    case OUPS_PQR_F16:
        if (n != 2) return 1;
        out->v.f = oups_parquet__half_to_float((uint16_t)(p[0] | p[1] << 8));
        return isnan(out->v.f);
    default:
        break;
    }
    if (n != l->phys_width) return 1;
    int type = l->el->type;
    if (type == OUPS_PQ_FLOAT || type == OUPS_PQ_DOUBLE) {
        float f;
        memcpy(&f, p, 4);
        out->v.f = type == OUPS_PQ_FLOAT ? (double)f : 0;
        if (type == OUPS_PQ_DOUBLE) memcpy(&out->v.f, p, 8);
        return isnan(out->v.f);
    }
    int64_t i = type == OUPS_PQ_INT32 ? (int64_t)(int32_t)oups_load_u32le(p) : (int64_t)oups_load_u64le(p);
    if (l->type.id == OUPS_TYPE_DECIMAL128) {
        uint64_t hi = i < 0 ? UINT64_MAX : 0;
        memcpy(out->v.dec, &i, 8);
        memcpy(out->v.dec + 8, &hi, 8);
    } else if (oups_type_is_unsigned(l->type.id)) {
        out->v.u = type == OUPS_PQ_INT32 ? (uint64_t)oups_load_u32le(p) : (uint64_t)i;
        if (l->type.id == OUPS_TYPE_UINT8) out->v.u &= 0xff;
        if (l->type.id == OUPS_TYPE_UINT16) out->v.u &= 0xffff;
    } else {
        out->v.i = i;
        if (l->type.id == OUPS_TYPE_INT8) out->v.i = (int8_t)i;
        if (l->type.id == OUPS_TYPE_INT16) out->v.i = (int16_t)i;
    }
    return 0;
}

static bool legacy_order_ok(const oups_pqr_leaf *l) {
    int t = l->el->type;
    if (t == OUPS_PQ_BOOLEAN || t == OUPS_PQ_FLOAT || t == OUPS_PQ_DOUBLE) return true;
    if (t == OUPS_PQ_INT32 || t == OUPS_PQ_INT64) return !oups_type_is_unsigned(l->type.id);
    return false;
}

int oups_parquet_reader_stats(oups_parquet_stats *out, const oups_parquet_reader *r, int rg, int col) {
    memset(out, 0, sizeof *out);
    if (rg < 0 || rg >= r->meta.n_row_groups || col < 0 || col >= r->n_leaves)
        return oups_error_set(OUPS_EINVAL, "%s: no column %d in row group %d", r->name, col, rg);
    const oups_pqr_leaf *l = &r->leaves[col];
    if (l->unsupported) return oups_error_set(l->unsupported, "%s: column '%s': %s", r->name, l->name, l->why);
    const oups_pq_column_chunk *cc = &r->meta.row_groups[rg].columns[col];
    out->min.type = out->max.type = l->type;
    if (!cc->has_meta || !cc->meta.has_stats) return 0;
    const oups_pq_stats *s = &cc->meta.stats;
    if (s->null_count >= 0) {
        out->has_null_count = true;
        out->null_count = s->null_count;
    }
    bool type_order = !r->meta.column_orders || col >= r->meta.n_column_orders || r->meta.column_orders[col] == 1 ||
                      r->meta.column_orders[col] == 2; /* IEEE 754 total order: same bounds, NaN dropped */
    oups_pq_str mn = {0}, mx = {0};
    if (s->min_value.ptr && s->max_value.ptr && type_order) {
        mn = s->min_value;
        mx = s->max_value;
    } else if (s->min.ptr && s->max.ptr && legacy_order_ok(l)) {
        mn = s->min;
        mx = s->max;
    }
    if (mn.ptr && oups_parquet__stat_scalar(&out->min, r, col, mn) == 0 &&
        oups_parquet__stat_scalar(&out->max, r, col, mx) == 0)
        out->has_min_max = true;
    if (!out->has_min_max) {
        memset(&out->min, 0, sizeof out->min);
        memset(&out->max, 0, sizeof out->max);
        out->min.type = out->max.type = l->type;
    }
    return 0;
}

/* ---- text helpers --------------------------------------------------------------------------- */

static void put(oups_bytes *b, const char *s) { (void)oups_bytes_append(b, s, strlen(s)); }

static void json_str(oups_bytes *b, const void *p, int64_t n) {
    const uint8_t *s = p;
    put(b, "\"");
    for (int64_t i = 0; i < n; i++) {
        uint8_t ch = s[i];
        if (ch == '"' || ch == '\\') {
            char e[2] = {'\\', (char)ch};
            (void)oups_bytes_append(b, e, 2);
        } else if (ch < 0x20 || ch == 0x7f) {
            (void)oups_bytes_printf(b, "\\u%04x", ch);
        } else {
            (void)oups_bytes_append(b, &ch, 1);
        }
    }
    put(b, "\"");
}

static void json_cstr(oups_bytes *b, const char *s) { json_str(b, s, (int64_t)strlen(s)); }

static void dec_text(char *buf, size_t cap, const uint8_t dec[16], int32_t scale) {
    i128 v;
    memcpy(&v, dec, 16);
    bool neg = v < 0;
    u128 u = neg ? (u128)0 - (u128)v : (u128)v;
    char digits[48];
    int nd = 0;
    do {
        digits[nd++] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u && nd < 45);
    while (nd <= scale && nd < 45) digits[nd++] = '0';
    size_t k = 0;
    if (neg && k + 1 < cap) buf[k++] = '-';
    for (int i = nd - 1; i >= 0 && k + 2 < cap; i--) {
        buf[k++] = digits[i];
        if (i == scale && scale > 0) buf[k++] = '.';
    }
    buf[k] = '\0';
}

static void json_scalar(oups_bytes *b, const oups_scalar *s) {
    char buf[64];
    switch (s->type.id) {
    case OUPS_TYPE_BOOL: (void)oups_bytes_printf(b, "%s", s->v.b ? "true" : "false"); break;
    case OUPS_TYPE_UINT8:
    case OUPS_TYPE_UINT16:
    case OUPS_TYPE_UINT32:
    case OUPS_TYPE_UINT64: (void)oups_bytes_printf(b, "%llu", (unsigned long long)s->v.u); break;
    case OUPS_TYPE_FLOAT32:
    case OUPS_TYPE_FLOAT64:
        if (isfinite(s->v.f)) (void)oups_bytes_printf(b, "%.17g", s->v.f);
        else (void)oups_bytes_printf(b, "\"%s\"", isnan(s->v.f) ? "NaN" : s->v.f > 0 ? "inf" : "-inf");
        break;
    case OUPS_TYPE_STRING: json_str(b, s->v.bytes.ptr, s->v.bytes.len); break;
    case OUPS_TYPE_BINARY:
        put(b, "\"0x");
        for (int64_t i = 0; i < s->v.bytes.len; i++)
            (void)oups_bytes_printf(b, "%02x", ((const uint8_t *)s->v.bytes.ptr)[i]);
        put(b, "\"");
        break;
    case OUPS_TYPE_DECIMAL128:
        dec_text(buf, sizeof buf, s->v.dec, s->type.scale);
        json_cstr(b, buf);
        break;
    default: (void)oups_bytes_printf(b, "%lld", (long long)s->v.i); break;
    }
}

static const char *physical_name(int t) {
    static const char *names[] = {"BOOLEAN", "INT32", "INT64", "INT96", "FLOAT", "DOUBLE", "BYTE_ARRAY",
                                  "FIXED_LEN_BYTE_ARRAY"};
    return t >= 0 && t <= 7 ? names[t] : "?";
}

static const char *encoding_name(int e) {
    static const char *names[] = {"PLAIN", "GROUP_VAR_INT", "PLAIN_DICTIONARY", "RLE", "BIT_PACKED",
                                  "DELTA_BINARY_PACKED", "DELTA_LENGTH_BYTE_ARRAY", "DELTA_BYTE_ARRAY",
                                  "RLE_DICTIONARY", "BYTE_STREAM_SPLIT"};
    return e >= 0 && e <= 9 ? names[e] : "?";
}

static const char *logical_name(const oups_pq_schema_elem *e) {
    static const char *lt[] = {"",     "STRING", "MAP",     "LIST",    "ENUM", "DECIMAL", "DATE",
                               "TIME", "TIMESTAMP", "",     "INTEGER", "UNKNOWN", "JSON",  "BSON",
                               "UUID", "FLOAT16", "VARIANT", "GEOMETRY", "GEOGRAPHY"};
    static const char *ct[] = {"UTF8",   "MAP",    "MAP_KEY_VALUE", "LIST",   "ENUM",   "DECIMAL",
                               "DATE",   "TIME_MILLIS", "TIME_MICROS", "TIMESTAMP_MILLIS", "TIMESTAMP_MICROS",
                               "UINT_8", "UINT_16", "UINT_32",  "UINT_64", "INT_8",  "INT_16",
                               "INT_32", "INT_64", "JSON",          "BSON",   "INTERVAL"};
    int k = e->logical.kind;
    if (k > 0 && k <= 18) return lt[k];
    if (k == OUPS_PQ_LT_OTHER) return "(unknown logical type)";
    if (e->converted_type >= 0 && e->converted_type <= 21) return ct[e->converted_type];
    return "";
}

/* Appends ignore failures; the text functions clear the thread's error first, so an append
 * that ran out of memory on the way shows up here as OUPS_ENOMEM. */
static int finish_text(char **out, oups_bytes *b) {
    if (oups_bytes_append(b, "", 1) < 0 || oups_error_last_code() == OUPS_ENOMEM) {
        oups_bytes_free(b);
        return OUPS_ENOMEM;
    }
    *out = (char *)b->data;
    return 0;
}

int oups_parquet_reader_schema_text(char **out, const oups_parquet_reader *r) {
    *out = NULL;
    oups_error_clear();
    oups_bytes b = {0};
    char tbuf[128];
    for (int c = 0; c < r->n_leaves; c++) {
        const oups_pqr_leaf *l = &r->leaves[c];
        const oups_pq_schema_elem *e = l->el;
        const char *ln = logical_name(e);
        (void)oups_bytes_printf(&b, "%s: %s (%s%s%s, %s)\n", l->name,
                                l->unsupported ? "unsupported" : oups_datatype_format(&l->type, tbuf, sizeof tbuf),
                                physical_name(e->type), *ln ? " " : "", ln,
                                e->repetition == OUPS_PQ_REQUIRED ? "required"
                                : e->repetition == OUPS_PQ_REPEATED ? "repeated"
                                                                     : "optional");
    }
    return finish_text(out, &b);
}

static void json_i64(oups_bytes *b, const char *key, int64_t v, bool comma) {
    (void)oups_bytes_printf(b, "%s\"%s\":%lld", comma ? "," : "", key, (long long)v);
}

static void json_column_chunk(oups_bytes *b, const oups_parquet_reader *r, int g, int c) {
    const oups_pq_column_chunk *cc = &r->meta.row_groups[g].columns[c];
    const oups_pq_column_meta *m = &cc->meta;
    put(b, "{\"name\":");
    json_cstr(b, r->leaves[c].name);
    if (!cc->has_meta) {
        put(b, "}");
        return;
    }
    (void)oups_bytes_printf(b, ",\"codec\":\"%s\",\"encodings\":[", oups_codec_name((oups_codec)m->codec));
    for (int i = 0; i < m->n_encodings; i++)
        (void)oups_bytes_printf(b, "%s\"%s\"", i ? "," : "", encoding_name(m->encodings[i]));
    put(b, "]");
    json_i64(b, "num_values", m->num_values, true);
    json_i64(b, "compressed_size", m->total_compressed_size, true);
    json_i64(b, "uncompressed_size", m->total_uncompressed_size, true);
    json_i64(b, "data_page_offset", m->data_page_offset, true);
    if (m->dictionary_page_offset >= 0) json_i64(b, "dictionary_page_offset", m->dictionary_page_offset, true);
    if (cc->column_index_offset >= 0) json_i64(b, "column_index_offset", cc->column_index_offset, true);
    if (cc->offset_index_offset >= 0) json_i64(b, "offset_index_offset", cc->offset_index_offset, true);
    oups_parquet_stats st;
    if (!r->leaves[c].unsupported && oups_parquet_reader_stats(&st, r, g, c) == 0 &&
        (st.has_null_count || st.has_min_max)) {
        put(b, ",\"statistics\":{");
        bool comma = false;
        if (st.has_null_count) {
            json_i64(b, "null_count", st.null_count, false);
            comma = true;
        }
        if (st.has_min_max) {
            (void)oups_bytes_printf(b, "%s\"min\":", comma ? "," : "");
            json_scalar(b, &st.min);
            put(b, ",\"max\":");
            json_scalar(b, &st.max);
        }
        put(b, "}");
    }
    put(b, "}");
}

int oups_parquet_reader_meta_json(char **out, const oups_parquet_reader *r) {
    *out = NULL;
    oups_error_clear();
    oups_bytes b = {0};
    char tbuf[128];
    put(&b, "{\"file\":");
    json_cstr(&b, r->name);
    json_i64(&b, "num_rows", r->meta.num_rows, true);
    json_i64(&b, "num_row_groups", r->meta.n_row_groups, true);
    json_i64(&b, "format_version", r->meta.version, true);
    if (r->meta.created_by.ptr) {
        put(&b, ",\"created_by\":");
        json_str(&b, r->meta.created_by.ptr, r->meta.created_by.len);
    }
    put(&b, ",\"schema\":[");
    for (int c = 0; c < r->n_leaves; c++) {
        const oups_pqr_leaf *l = &r->leaves[c];
        put(&b, c ? ",{\"name\":" : "{\"name\":");
        json_cstr(&b, l->name);
        (void)oups_bytes_printf(&b, ",\"type\":\"%s\",\"physical\":\"%s\",\"logical\":\"%s\",\"nullable\":%s",
                                l->unsupported ? "unsupported" : oups_datatype_format(&l->type, tbuf, sizeof tbuf),
                                physical_name(l->el->type), logical_name(l->el),
                                l->el->repetition == OUPS_PQ_REQUIRED ? "false" : "true");
        if (l->unsupported) {
            put(&b, ",\"unsupported\":");
            json_cstr(&b, l->why);
        }
        put(&b, "}");
    }
    put(&b, "],\"key_value_metadata\":[");
    for (int i = 0; i < r->meta.n_kv; i++) {
        put(&b, i ? ",{\"key\":" : "{\"key\":");
        json_cstr(&b, r->kv_keys[i]);
        put(&b, ",\"value\":");
        if (r->kv_values[i]) json_cstr(&b, r->kv_values[i]);
        else put(&b, "null");
        put(&b, "}");
    }
    put(&b, "],\"row_groups\":[");
    for (int g = 0; g < r->meta.n_row_groups; g++) {
        const oups_pq_row_group *rg = &r->meta.row_groups[g];
        put(&b, g ? ",{" : "{");
        json_i64(&b, "num_rows", rg->num_rows, false);
        json_i64(&b, "total_byte_size", rg->total_byte_size, true);
        if (rg->n_sorting > 0) {
            put(&b, ",\"sorting_columns\":[");
            for (int i = 0; i < rg->n_sorting; i++) {
                const oups_pq_sorting_column *sc = &rg->sorting[i];
                put(&b, i ? ",{\"column\":" : "{\"column\":");
                if (sc->column_idx >= 0 && sc->column_idx < r->n_leaves) json_cstr(&b, r->leaves[sc->column_idx].name);
                else (void)oups_bytes_printf(&b, "%d", sc->column_idx);
                (void)oups_bytes_printf(&b, ",\"descending\":%s,\"nulls_first\":%s}", sc->descending ? "true" : "false",
                                        sc->nulls_first ? "true" : "false");
            }
            put(&b, "]");
        }
        put(&b, ",\"columns\":[");
        for (int c = 0; c < r->n_leaves; c++) {
            if (c) put(&b, ",");
            json_column_chunk(&b, r, g, c);
        }
        put(&b, "]}");
    }
    put(&b, "]}\n");
    return finish_text(out, &b);
}
