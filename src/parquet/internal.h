/*
 * parquet/internal.h: the reader's private state shared by reader.c (open, footer, schema
 * mapping, public read API), read_column.c (decode one column over row groups) and
 * describe.c (statistics, JSON and schema text). Invariants established at open: every row
 * group has exactly one chunk per leaf column, leaves[i] is the i-th leaf in schema order.
 */
#ifndef OUPS_SRC_PARQUET_INTERNAL_H
#define OUPS_SRC_PARQUET_INTERNAL_H

#include <stdatomic.h>

#include "oups/parquet.h"
#include "parquet/meta.h"
#include "table/table.h"

/* How physical values become table values (read side). */
typedef enum oups_pqr_conv {
    OUPS_PQR_COPY,      /* same bytes: INT32->int32/uint32/date32, INT64->int64/uint64/ts, FLOAT, DOUBLE */
    OUPS_PQR_I32_TO_8,  /* INT32 -> int8/uint8 (truncating) */
    OUPS_PQR_I32_TO_16, /* INT32 -> int16/uint16 */
    OUPS_PQR_INT96,     /* INT96 (nanos of day, julian day) -> timestamp[ns] */
    OUPS_PQR_F16,       /* FLBA(2) FLOAT16 -> float32 */
    OUPS_PQR_DEC_I32,   /* INT32 decimal -> decimal128 */
    OUPS_PQR_DEC_I64,   /* INT64 decimal -> decimal128 */
    OUPS_PQR_DEC_FLBA,  /* FLBA big-endian decimal -> decimal128 */
    OUPS_PQR_DEC_BA,    /* BYTE_ARRAY big-endian decimal -> decimal128 */
    OUPS_PQR_BOOL,      /* BOOLEAN -> bool bits */
    OUPS_PQR_BYTES,     /* BYTE_ARRAY -> string/binary */
    OUPS_PQR_FLBA_BYTES /* FLBA -> binary */
} oups_pqr_conv;

typedef struct oups_pqr_leaf {
    char *name;                    /* dotted path, NUL-terminated */
    const oups_pq_schema_elem *el; /* borrowed from the footer */
    int max_def, max_rep;
    int unsupported;               /* 0, or OUPS_EUNSUPPORTED with `why` */
    char why[96];
    oups_datatype type;            /* table type */
    oups_pqr_conv conv;
    int phys_width;                /* bytes per physical value; 0 for BOOLEAN and BYTE_ARRAY */
} oups_pqr_leaf;

struct oups_parquet_reader {
    char *name;            /* path or caller's name, for messages */
    int fd;                /* -1 for memory images */
    const uint8_t *mem;    /* memory image (borrowed) */
    int64_t size;          /* file size */
    uint8_t *footer;       /* footer bytes (file: owned copy; memory: NULL) */
    uint32_t footer_len;
    oups_pq_arena arena;
    oups_pq_file_meta meta;
    int n_leaves;
    oups_pqr_leaf *leaves;
    char **kv_keys, **kv_values; /* NUL-terminated copies; values may be NULL */
    int64_t alloc_cap;           /* cap on bytes of decoded data per column (hostile sizes) */
    int threads;                 /* 0: oups_pool_threads default */
    _Atomic int64_t pages_decoded; /* data pages decoded since open (page_index.c reports it) */
    _Atomic int64_t bytes_read;    /* bytes read from the file since open, footer included */
    /* The footer's OUPS_PARQUET_PAGE_CRC_KEY, parsed at open (NULL: none): the CRCs of chunk
     * (g, c)'s pages are page_crcs[crc_at[k] .. crc_at[k + 1]) with k = g * n_leaves + c. */
    uint32_t *page_crcs;
    int64_t *crc_at;
};

/* Check the page of chunk (rg, leaf) numbered `k` in file order (dictionary first), its
 * header `hdr` of hl bytes and its data of CRC `body_crc`, against the footer's page checksums;
 * 0 when the file has none (reader.c). */
int oups_parquet__page_crc_check(const oups_parquet_reader *r, int rg, int leaf, int64_t k, uint32_t body_crc,
                                 const uint8_t *hdr, size_t hl);

/* Decode leaf `leaf` over row groups `rgs[0..n_rg)` into one column (read_column.c). */
int oups_parquet__read_column(oups_column **out, oups_parquet_reader *r, int leaf, const int *rgs, int n_rg);

/* Decode the pages of leaf `leaf` in row group `rg` that hold `rows` rows: the chunk's first
 * dict_len bytes (its dictionary page, or 0) and bytes [off, off+len) of the file (whole data
 * pages, found by the offset index; the first is page `first_page` in messages). */
int oups_parquet__read_column_span(oups_column **out, oups_parquet_reader *r, int leaf, int rg, int64_t dict_len,
                                   int64_t off, int64_t len, int64_t rows, int first_page);

/* Decode a PLAIN-encoded statistics value of `leaf` into a scalar (describe.c); 0, or 1 when
 * the value cannot be represented (then the statistic is reported absent). */
int oups_parquet__stat_scalar(oups_scalar *out, const oups_parquet_reader *r, int leaf, oups_pq_str v);

/* INT96 / FLOAT16 / big-endian decimal helpers shared by read_column.c and describe.c. */
int64_t oups_parquet__int96_to_ns(const uint8_t *p);
float oups_parquet__half_to_float(uint16_t h);
/* Big-endian two's complement of n bytes -> 16-byte LE; false if it does not fit in 128 bits. */
bool oups_parquet__be_to_dec128(uint8_t out[16], const uint8_t *p, int64_t n);

#endif /* OUPS_SRC_PARQUET_INTERNAL_H */
