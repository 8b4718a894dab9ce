/*
 * tests/parquet/reader_text.h: helpers shared by the reader tests: the corpus path, a
 * canonical text form of a table cell (so values can be compared with CSV files and with
 * DuckDB output), a tiny CSV parser that tells null (unquoted empty) from "" and a file
 * slurper. Canonical forms: null "\N"; ints and unsigned decimal; floats "%.17g" of the value
 * widened to double ("nan" for any NaN); timestamps epoch microseconds (floor); dates days
 * since the epoch; decimals "123.45"; string/binary uppercase hex (or raw when `raw`).
 */
#ifndef OUPS_TESTS_READER_TEXT_H
#define OUPS_TESTS_READER_TEXT_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oups/oups.h"

static inline const char *corpus_dir(void) {
    static char buf[1024];
    const char *src = getenv("OUPS_SOURCE_DIR");
    snprintf(buf, sizeof buf, "%s/../shared/parquet-testing/data", src ? src : OUPS_SOURCE_DIR);
    return buf;
}

/* The corpus is external (parquet-testing beside the repository): absent on a fresh clone. */
static inline int corpus_present(void) {
    char probe[1100];
    snprintf(probe, sizeof probe, "%s/alltypes_plain.parquet", corpus_dir());
    FILE *f = fopen(probe, "rb");
    if (f) fclose(f);
    return f != NULL;
}

/* First statement of a case that reads the corpus: skip it, saying why, when it is absent. */
#define REQUIRE_CORPUS() \
    SKIP_IF(!corpus_present(), "needs the parquet-testing corpus, absent at %s", corpus_dir())

/* Every flat-schema file of the corpus (all read by oups). */
static const char *const CORPUS_FLAT[] = {
    "alltypes_dictionary.parquet", "alltypes_plain.parquet", "alltypes_plain.snappy.parquet",
    "alltypes_tiny_pages.parquet", "alltypes_tiny_pages_plain.parquet", "binary.parquet",
    "binary_truncated_min_max.parquet", "byte_array_decimal.parquet", "byte_stream_split.zstd.parquet",
    "byte_stream_split_extended.gzip.parquet", "column_chunk_key_value_metadata.parquet",
    "concatenated_gzip_members.parquet", "data_index_bloom_encoding_stats.parquet",
    "data_index_bloom_encoding_with_length.parquet", "datapage_v1-snappy-compressed-checksum.parquet",
    "datapage_v1-uncompressed-checksum.parquet", "datapage_v2_empty_datapage.snappy.parquet",
    "delta_binary_packed.parquet", "delta_byte_array.parquet", "delta_encoding_optional_column.parquet",
    "delta_encoding_required_column.parquet", "delta_length_byte_array.parquet", "dict-page-offset-zero.parquet",
    "fixed_length_byte_array.parquet", "fixed_length_decimal.parquet", "fixed_length_decimal_legacy.parquet",
    "float16_nonzeros_and_nans.parquet", "float16_zeros_and_nans.parquet", "floating_orders_nan_count.parquet",
    "hadoop_lz4_compressed.parquet", "hadoop_lz4_compressed_larger.parquet", "int32_decimal.parquet",
    "int32_with_null_pages.parquet", "int64_decimal.parquet", "int96_from_spark.parquet",
    "lz4_raw_compressed.parquet", "lz4_raw_compressed_larger.parquet", "nan_in_stats.parquet",
    "non_hadoop_lz4_compressed.parquet", "overflow_i16_page_cnt.parquet", "page_v2_empty_compressed.parquet",
    "plain-dict-uncompressed-checksum.parquet", "rle-dict-snappy-checksum.parquet", "rle_boolean_encoding.parquet",
    "single_nan.parquet", "sort_columns.parquet", "unknown-logical-type.parquet",
};

static inline void corpus_path(char *buf, size_t cap, const char *file) {
    int n = snprintf(buf, cap, "%s/%s", corpus_dir(), file);
    if (n < 0 || (size_t)n >= cap) buf[0] = '\0'; /* too long: an empty path fails to open */
}

static inline void dec128_text(char *buf, size_t cap, const uint8_t dec[16], int scale) {
    __extension__ typedef __int128 i128;
    __extension__ typedef unsigned __int128 u128;
    i128 v;
    memcpy(&v, dec, 16);
    int neg = v < 0;
    u128 u = neg ? (u128)0 - (u128)v : (u128)v;
    char d[64];
    int n = 0;
    do {
        d[n++] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u);
    while (n <= scale) d[n++] = '0';
    size_t k = 0;
    if (neg) buf[k++] = '-';
    for (int i = n - 1; i >= 0 && k + 2 < cap; i--) {
        buf[k++] = d[i];
        if (i == scale && scale > 0) buf[k++] = '.';
    }
    buf[k] = '\0';
}

/* Text of row i of `col` into buf (cap >= 64; long strings are cut at cap). */
static inline void cell_text(char *buf, size_t cap, const oups_column *col, int64_t i, int raw) {
    oups_scalar s;
    oups_column_get_scalar(&s, col, i);
    if (s.is_null) {
        snprintf(buf, cap, "\\N");
        return;
    }
    switch (s.type.id) {
    case OUPS_TYPE_BOOL: snprintf(buf, cap, "%s", s.v.b ? "true" : "false"); break;
    case OUPS_TYPE_UINT8:
    case OUPS_TYPE_UINT16:
    case OUPS_TYPE_UINT32:
    case OUPS_TYPE_UINT64: snprintf(buf, cap, "%llu", (unsigned long long)s.v.u); break;
    case OUPS_TYPE_FLOAT32:
    case OUPS_TYPE_FLOAT64:
        if (isnan(s.v.f)) snprintf(buf, cap, "nan");
        else snprintf(buf, cap, "%.17g", s.v.f);
        break;
    case OUPS_TYPE_TIMESTAMP: {
        int64_t v = s.v.i, div = 1, mul = 1;
        if (s.type.unit == OUPS_UNIT_NS) div = 1000;
        if (s.type.unit == OUPS_UNIT_MS) mul = 1000;
        if (s.type.unit == OUPS_UNIT_S) mul = 1000000;
        int64_t q = v / div;
        if (v % div != 0 && v < 0) q--;
        snprintf(buf, cap, "%lld", (long long)(q * mul));
        break;
    }
    case OUPS_TYPE_DECIMAL128: dec128_text(buf, cap, s.v.dec, s.type.scale); break;
    case OUPS_TYPE_STRING:
    case OUPS_TYPE_BINARY: {
        const uint8_t *p = s.v.bytes.ptr;
        size_t k = 0;
        for (int64_t j = 0; j < s.v.bytes.len && k + 3 < cap; j++) {
            if (raw) buf[k++] = (char)p[j];
            else k += (size_t)snprintf(buf + k, cap - k, "%02X", p[j]);
        }
        buf[k] = '\0';
        break;
    }
    default: snprintf(buf, cap, "%lld", (long long)s.v.i); break;
    }
}

/* Whole file into a NUL-terminated malloc'ed buffer (NULL on failure). */
static inline char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    if (b) b[n] = '\0';
    if (len) *len = (size_t)n;
    fclose(f);
    return b;
}

/* Parse one CSV field at *pp (RFC 4180 quoting) into buf; unquoted empty gives "\N".
 * Returns 1 if the record continues (comma), 0 at end of line/input. */
static inline int csv_field(const char **pp, char *buf, size_t cap) {
    const char *p = *pp;
    size_t k = 0;
    int quoted = 0;
    if (*p == '"') {
        quoted = 1;
        p++;
        for (;;) {
            if (!*p) break;
            if (*p == '"') {
                if (p[1] == '"') {
                    if (k + 1 < cap) buf[k++] = '"';
                    p += 2;
                    continue;
                }
                p++;
                break;
            }
            if (k + 1 < cap) buf[k++] = *p;
            p++;
        }
    } else {
        while (*p && *p != ',' && *p != '\n' && *p != '\r') {
            if (k + 1 < cap) buf[k++] = *p;
            p++;
        }
    }
    buf[k] = '\0';
    if (!quoted && k == 0) snprintf(buf, cap, "\\N");
    int more = *p == ',';
    if (*p == ',') p++;
    else {
        if (*p == '\r') p++;
        if (*p == '\n') p++;
    }
    *pp = p;
    return more;
}

#endif /* OUPS_TESTS_READER_TEXT_H */
