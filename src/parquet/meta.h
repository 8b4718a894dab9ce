/*
 * parquet/meta.h: C mirrors of the parquet.thrift structs oups reads and writes (FileMetaData,
 * SchemaElement, RowGroup, ColumnChunk, ColumnMetaData, Statistics, PageHeader and its three
 * page kinds, KeyValue, LogicalType, SortingColumn, ColumnIndex, OffsetIndex) with parse and
 * serialize functions (meta.c). Parsed byte strings point INTO the parsed buffer (keep it
 * alive); parsed arrays live in an oups_pq_arena freed at once. Unknown fields are skipped.
 * Conventions: integer fields absent from the file are -1 (they are never negative in valid
 * files); byte strings absent have ptr == NULL. Serialize writes only present fields.
 */
#ifndef OUPS_SRC_PARQUET_META_H
#define OUPS_SRC_PARQUET_META_H

#include "util/util.h"

/* ---- enums (values are those of parquet.thrift) ---------------------------------------- */

enum { /* Type */
    OUPS_PQ_BOOLEAN = 0,
    OUPS_PQ_INT32 = 1,
    OUPS_PQ_INT64 = 2,
    OUPS_PQ_INT96 = 3,
    OUPS_PQ_FLOAT = 4,
    OUPS_PQ_DOUBLE = 5,
    OUPS_PQ_BYTE_ARRAY = 6,
    OUPS_PQ_FLBA = 7
};
enum { /* ConvertedType */
    OUPS_PQ_CT_UTF8 = 0,
    OUPS_PQ_CT_MAP = 1,
    OUPS_PQ_CT_MAP_KEY_VALUE = 2,
    OUPS_PQ_CT_LIST = 3,
    OUPS_PQ_CT_ENUM = 4,
    OUPS_PQ_CT_DECIMAL = 5,
    OUPS_PQ_CT_DATE = 6,
    OUPS_PQ_CT_TIME_MILLIS = 7,
    OUPS_PQ_CT_TIME_MICROS = 8,
    OUPS_PQ_CT_TIMESTAMP_MILLIS = 9,
    OUPS_PQ_CT_TIMESTAMP_MICROS = 10,
    OUPS_PQ_CT_UINT_8 = 11,
    OUPS_PQ_CT_UINT_16 = 12,
    OUPS_PQ_CT_UINT_32 = 13,
    OUPS_PQ_CT_UINT_64 = 14,
    OUPS_PQ_CT_INT_8 = 15,
    OUPS_PQ_CT_INT_16 = 16,
    OUPS_PQ_CT_INT_32 = 17,
    OUPS_PQ_CT_INT_64 = 18,
    OUPS_PQ_CT_JSON = 19,
    OUPS_PQ_CT_BSON = 20,
    OUPS_PQ_CT_INTERVAL = 21
};
enum { /* FieldRepetitionType */
    OUPS_PQ_REQUIRED = 0,
    OUPS_PQ_OPTIONAL = 1,
    OUPS_PQ_REPEATED = 2
};
enum { /* Encoding */
    OUPS_PQ_ENC_PLAIN = 0,
    OUPS_PQ_ENC_PLAIN_DICTIONARY = 2,
    OUPS_PQ_ENC_RLE = 3,
    OUPS_PQ_ENC_BIT_PACKED = 4,
    OUPS_PQ_ENC_DELTA_BINARY_PACKED = 5,
    OUPS_PQ_ENC_DELTA_LENGTH_BYTE_ARRAY = 6,
    OUPS_PQ_ENC_DELTA_BYTE_ARRAY = 7,
    OUPS_PQ_ENC_RLE_DICTIONARY = 8,
    OUPS_PQ_ENC_BYTE_STREAM_SPLIT = 9
};
enum { /* PageType */
    OUPS_PQ_PAGE_DATA = 0,
    OUPS_PQ_PAGE_INDEX = 1,
    OUPS_PQ_PAGE_DICTIONARY = 2,
    OUPS_PQ_PAGE_DATA_V2 = 3
};
enum { /* BoundaryOrder */
    OUPS_PQ_BOUNDARY_UNORDERED = 0,
    OUPS_PQ_BOUNDARY_ASCENDING = 1,
    OUPS_PQ_BOUNDARY_DESCENDING = 2
};
enum { /* LogicalType union member = its thrift field id; 0: no logical type */
    OUPS_PQ_LT_NONE = 0,
    OUPS_PQ_LT_STRING = 1,
    OUPS_PQ_LT_MAP = 2,
    OUPS_PQ_LT_LIST = 3,
    OUPS_PQ_LT_ENUM = 4,
    OUPS_PQ_LT_DECIMAL = 5,
    OUPS_PQ_LT_DATE = 6,
    OUPS_PQ_LT_TIME = 7,
    OUPS_PQ_LT_TIMESTAMP = 8,
    OUPS_PQ_LT_INTEGER = 10,
    OUPS_PQ_LT_UNKNOWN = 11, /* "NullType": always null */
    OUPS_PQ_LT_JSON = 12,
    OUPS_PQ_LT_BSON = 13,
    OUPS_PQ_LT_UUID = 14,
    OUPS_PQ_LT_FLOAT16 = 15,
    OUPS_PQ_LT_VARIANT = 16,
    OUPS_PQ_LT_GEOMETRY = 17,
    OUPS_PQ_LT_GEOGRAPHY = 18,
    OUPS_PQ_LT_OTHER = 1000 /* a member this version does not know */
};
enum { /* TimeUnit union member */
    OUPS_PQ_UNIT_MILLIS = 1,
    OUPS_PQ_UNIT_MICROS = 2,
    OUPS_PQ_UNIT_NANOS = 3
};

/* ---- structs ------------------------------------------------------------------------------ */

/* Byte string: ptr NULL = absent. Parsed ones point into the parsed buffer. */
typedef struct oups_pq_str {
    const uint8_t *ptr;
    int64_t len;
} oups_pq_str;

typedef struct oups_pq_logical {
    int kind;             /* OUPS_PQ_LT_* */
    int32_t scale;        /* DECIMAL */
    int32_t precision;    /* DECIMAL */
    bool adjusted_to_utc; /* TIME, TIMESTAMP */
    int unit;             /* TIME, TIMESTAMP: OUPS_PQ_UNIT_* */
    int bit_width;        /* INTEGER: 8, 16, 32, 64 */
    bool is_signed;       /* INTEGER */
} oups_pq_logical;

typedef struct oups_pq_schema_elem {
    int32_t type;           /* OUPS_PQ_*, -1 for group nodes */
    int32_t type_length;    /* FLBA width, -1 absent */
    int32_t repetition;     /* OUPS_PQ_REQUIRED..., -1 absent (root) */
    oups_pq_str name;
    int32_t num_children;   /* -1 absent (leaf) */
    int32_t converted_type; /* OUPS_PQ_CT_*, -1 absent */
    int32_t scale;          /* -1 absent */
    int32_t precision;      /* -1 absent */
    int32_t field_id;       /* -1 absent */
    oups_pq_logical logical;
} oups_pq_schema_elem;

typedef struct oups_pq_stats {
    oups_pq_str max, min;             /* legacy (signed order only) */
    oups_pq_str max_value, min_value; /* column order aware */
    int64_t null_count;               /* -1 absent */
    int64_t distinct_count;           /* -1 absent */
    int8_t is_max_value_exact;        /* -1 absent, 0, 1 */
    int8_t is_min_value_exact;
} oups_pq_stats;

typedef struct oups_pq_kv {
    oups_pq_str key;
    oups_pq_str value; /* ptr NULL: absent */
} oups_pq_kv;

typedef struct oups_pq_page_enc_stats {
    int32_t page_type, encoding, count;
} oups_pq_page_enc_stats;

typedef struct oups_pq_column_meta {
    int32_t type; /* physical */
    int32_t n_encodings;
    int32_t *encodings;
    int32_t n_path;
    oups_pq_str *path;
    int32_t codec;
    int64_t num_values;
    int64_t total_uncompressed_size;
    int64_t total_compressed_size;
    int32_t n_kv;
    oups_pq_kv *kv;
    int64_t data_page_offset;
    int64_t index_page_offset;      /* -1 absent */
    int64_t dictionary_page_offset; /* -1 absent */
    bool has_stats;
    oups_pq_stats stats;
    int32_t n_encoding_stats;
    oups_pq_page_enc_stats *encoding_stats;
    int64_t bloom_filter_offset; /* -1 absent */
    int32_t bloom_filter_length; /* -1 absent */
} oups_pq_column_meta;

typedef struct oups_pq_column_chunk {
    oups_pq_str file_path; /* absent: same file */
    int64_t file_offset;
    bool has_meta;
    oups_pq_column_meta meta;
    int64_t offset_index_offset; /* -1 absent */
    int32_t offset_index_length;
    int64_t column_index_offset; /* -1 absent */
    int32_t column_index_length;
    bool encrypted; /* crypto_metadata or encrypted_column_metadata present (read only) */
} oups_pq_column_chunk;

typedef struct oups_pq_sorting_column {
    int32_t column_idx;
    bool descending;
    bool nulls_first;
} oups_pq_sorting_column;

typedef struct oups_pq_row_group {
    int32_t n_columns;
    oups_pq_column_chunk *columns;
    int64_t total_byte_size;
    int64_t num_rows;
    int32_t n_sorting;
    oups_pq_sorting_column *sorting; /* NULL when absent */
    int64_t file_offset;             /* -1 absent */
    int64_t total_compressed_size;   /* -1 absent */
    int32_t ordinal;                 /* -1 absent */
} oups_pq_row_group;

typedef struct oups_pq_file_meta {
    int32_t version;
    int32_t n_schema;
    oups_pq_schema_elem *schema; /* depth-first; [0] is the root */
    int64_t num_rows;
    int32_t n_row_groups;
    oups_pq_row_group *row_groups;
    int32_t n_kv;
    oups_pq_kv *kv;
    oups_pq_str created_by;
    int32_t n_column_orders;
    int32_t *column_orders; /* per leaf: ColumnOrder member id (1 TYPE_ORDER, 2 IEEE_754_TOTAL_ORDER); NULL when absent */
    bool encrypted;         /* encryption_algorithm present (read only) */
} oups_pq_file_meta;

typedef struct oups_pq_data_page_v1 {
    int32_t num_values;
    int32_t encoding;
    int32_t def_level_encoding;
    int32_t rep_level_encoding;
    bool has_stats;
    oups_pq_stats stats;
} oups_pq_data_page_v1;

typedef struct oups_pq_dict_page {
    int32_t num_values;
    int32_t encoding;
    int8_t is_sorted; /* -1 absent */
} oups_pq_dict_page;

typedef struct oups_pq_data_page_v2 {
    int32_t num_values;
    int32_t num_nulls;
    int32_t num_rows;
    int32_t encoding;
    int32_t def_levels_byte_length;
    int32_t rep_levels_byte_length;
    bool is_compressed; /* default true */
    bool has_stats;
    oups_pq_stats stats;
} oups_pq_data_page_v2;

typedef struct oups_pq_page_header {
    int32_t type; /* OUPS_PQ_PAGE_* */
    int32_t uncompressed_page_size;
    int32_t compressed_page_size;
    bool has_crc;
    int32_t crc; /* CRC-32 of the page bytes after the header (compressed form) */
    bool has_data_v1, has_dict, has_data_v2;
    oups_pq_data_page_v1 data_v1;
    oups_pq_dict_page dict;
    oups_pq_data_page_v2 data_v2;
} oups_pq_page_header;

typedef struct oups_pq_column_index {
    int32_t n_pages;
    bool *null_pages;
    oups_pq_str *min_values;
    oups_pq_str *max_values;
    int32_t boundary_order;
    int64_t *null_counts; /* NULL when absent */
} oups_pq_column_index;

typedef struct oups_pq_page_location {
    int64_t offset;
    int32_t compressed_page_size;
    int64_t first_row_index;
} oups_pq_page_location;

typedef struct oups_pq_offset_index {
    int32_t n_pages;
    oups_pq_page_location *pages;
} oups_pq_offset_index;

/* ---- arena: every array of a parse, freed at once ----------------------------------------- */

typedef struct oups_pq_arena {
    void *blocks; /* private list; zero-initialise: oups_pq_arena a = {0}; */
} oups_pq_arena;

void *oups_parquet__arena_alloc(oups_pq_arena *a, size_t size); /* zeroed; NULL + ENOMEM */
void oups_parquet__arena_free(oups_pq_arena *a);

/* ---- init (sets the -1 "absent" sentinels; use before filling a struct to serialize) ------- */

void oups_parquet__schema_elem_init(oups_pq_schema_elem *e);
void oups_parquet__stats_init(oups_pq_stats *s);
void oups_parquet__column_chunk_init(oups_pq_column_chunk *c);
void oups_parquet__row_group_init(oups_pq_row_group *g);
void oups_parquet__file_meta_init(oups_pq_file_meta *m);
void oups_parquet__page_header_init(oups_pq_page_header *h); /* v2 is_compressed = true */

/* ---- parse: 0 or OUPS_ECORRUPT naming `what`, OUPS_ENOMEM ---------------------------------- */

/* Whole footer (the bytes between the data and the 4-byte length). */
int oups_parquet__parse_file_meta(oups_pq_file_meta *out, oups_pq_arena *a, const uint8_t *p, size_t n,
                                  const char *what);
/* One page header at the start of [p, p+n); `*consumed` gets its encoded size. No arena:
 * statistics bytes point into [p, p+n). */
int oups_parquet__parse_page_header(oups_pq_page_header *out, const uint8_t *p, size_t n, size_t *consumed,
                                    const char *what);
int oups_parquet__parse_column_index(oups_pq_column_index *out, oups_pq_arena *a, const uint8_t *p, size_t n,
                                     const char *what);
int oups_parquet__parse_offset_index(oups_pq_offset_index *out, oups_pq_arena *a, const uint8_t *p, size_t n,
                                     const char *what);

/* ---- serialize: append to `out`; 0 or OUPS_ENOMEM ------------------------------------------ */

int oups_parquet__write_file_meta(oups_bytes *out, const oups_pq_file_meta *m);
int oups_parquet__write_page_header(oups_bytes *out, const oups_pq_page_header *h);
int oups_parquet__write_column_index(oups_bytes *out, const oups_pq_column_index *ci);
int oups_parquet__write_offset_index(oups_bytes *out, const oups_pq_offset_index *oi);

#endif /* OUPS_SRC_PARQUET_META_H */
