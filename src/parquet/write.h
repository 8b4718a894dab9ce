/*
 * parquet/write.h: internals shared by the writer files: writer.c (public API, schema mapping,
 * temporary file, footer, page index), write_column.c (one column chunk: definition levels,
 * value conversion, dictionary with fallback, pages v1/v2, compression) and write_stats.c
 * (min/max/null_count in the Parquet column order, NaN and zero rules, truncation, encoding).
 * Metadata built here is serialized by meta.c; all of it lives in the writer's arena.
 */
#ifndef OUPS_SRC_PARQUET_WRITE_H
#define OUPS_SRC_PARQUET_WRITE_H

#include "oups/parquet.h"
#include "parquet/meta.h"
#include "table/table.h"

/* Order of min/max for a column: its physical type plus the signedness of its logical type. */
typedef enum oups_pqw_order {
    OUPS_PQW_BOOL,
    OUPS_PQW_I32,
    OUPS_PQW_U32,
    OUPS_PQW_I64,
    OUPS_PQW_U64,
    OUPS_PQW_F32,
    OUPS_PQW_F64,
    OUPS_PQW_BYTES,      /* unsigned lexicographic (string, binary) */
    OUPS_PQW_FLBA_SIGNED /* big-endian two's complement (decimal in FLBA) */
} oups_pqw_order;

/* How one table column is stored (decided once at open from its table type). */
typedef struct oups_pqw_col {
    const char *name;    /* borrowed from the writer */
    oups_datatype type;  /* table type */
    int32_t physical;    /* OUPS_PQ_* */
    int32_t width;       /* bytes per physical value (FLBA: type_length); 0 for bool and bytes */
    oups_pqw_order order;
    bool legacy_stats;   /* the deprecated min/max fields (signed order) are right for it */
    bool delta_ok;       /* DELTA_BINARY_PACKED allowed: integer-like, not a decimal */
    bool dict_ok;        /* dictionary allowed: not bool, not FLBA */
    oups_parquet_encoding enc; /* the caller's choice for this column (AUTO by default) */
} oups_pqw_col;

/* Running statistics of a page or chunk. Byte values are borrowed from the column. */
typedef struct oups_pqw_stats {
    int64_t null_count;
    bool has_minmax;
    union {
        int64_t i;
        uint64_t u;
        double d;
    } min, max;
    const uint8_t *min_p, *max_p; /* BYTES; FLBA_SIGNED: 16-byte little-endian decimals */
    int64_t min_len, max_len;
} oups_pqw_stats;

/* Fold n contiguous physical values (int32, int64, float or double). */
void oups_pqw__stats_values(oups_pqw_stats *s, const oups_pqw_col *c, const void *v, int64_t n);
/* Fold the non-null rows [r0, r1) of a string/binary or decimal column (FLBA_SIGNED order:
 * the 16-byte little-endian values). Min/max point into the column's memory. */
void oups_pqw__stats_rows(oups_pqw_stats *s, const oups_pqw_col *c, const oups_column_view *v, int64_t r0,
                          int64_t r1);
/* Fold one byte array (dictionary entries; `p` must outlive the stats). */
void oups_pqw__stats_one_bytes(oups_pqw_stats *s, const uint8_t *p, int64_t len);
/* Fold n booleans at bits [off, off+n). */
void oups_pqw__stats_bool(oups_pqw_stats *s, const uint8_t *bits, int64_t off, int64_t n);
/* Fold `src` (a page) into `dst` (the chunk). */
void oups_pqw__stats_merge(oups_pqw_stats *dst, const oups_pqw_stats *src, const oups_pqw_col *c);
/* Compare the minima (which = 0) or maxima (which = 1) of two stats with min/max: <0, 0, >0. */
int oups_pqw__stats_cmp(const oups_pqw_stats *a, const oups_pqw_stats *b, const oups_pqw_col *c, int which);
/*
 * Encode to Parquet Statistics (PLAIN bytes, allocated in `arena`): null_count, min_value /
 * max_value with exactness (byte arrays truncated to 64 bytes), legacy min/max when the column
 * allows it and the values are exact. Returns 0 or OUPS_ENOMEM.
 */
int oups_pqw__stats_encode(oups_pq_stats *out, oups_pq_arena *arena, const oups_pqw_stats *s,
                           const oups_pqw_col *c);

/* Reusable buffers of a writer (so steady-state writing does not allocate). */
typedef struct oups_pqw_scratch {
    oups_bytes vals;  /* gathered / converted non-null values of a page */
    oups_bytes offs;  /* byte arrays: gathered offsets */
    oups_bytes page;  /* uncompressed page body */
    oups_bytes comp;  /* compressed page body */
    oups_bytes data;  /* data pages of the chunk (before the dictionary page is known) */
    oups_bytes lvls;  /* definition levels as uint16, then a page's dictionary indices as uint32 */
    oups_bytes hdr;   /* serialized page header */
} oups_pqw_scratch;
void oups_pqw__scratch_free(oups_pqw_scratch *s);

/* Page index of one chunk (NULL members when not built), and with page_checksums the CRC of
 * each of its pages in file order (data then header bytes; see write_column.c emit()). */
typedef struct oups_pqw_page_index {
    bool has_column_index;
    oups_pq_column_index ci;
    oups_pq_offset_index oi;
    uint32_t *crcs;
    int32_t n_crcs;
} oups_pqw_page_index;

/*
 * Encode rows [0, n) of `col` as one column chunk in `out` (replacing its contents), as if
 * written at file offset 0: the caller places it with oups_pqw__chunk_rebase(). Fills `cc`
 * (metadata, arrays in `arena`) and, when `pi` is not NULL, the chunk's page index. `what`
 * names the file for errors. Touches nothing shared: column chunks may be encoded in
 * parallel, each thread with its own `s` and `arena`.
 * Errors: OUPS_EOVERFLOW (value too large for its Parquet type or a page), OUPS_ENOMEM,
 * codec failures.
 */
int oups_pqw__write_chunk(oups_pq_column_chunk *cc, oups_pqw_page_index *pi, oups_bytes *out, const oups_column *col,
                          const oups_pqw_col *c, const oups_parquet_write_options *o, oups_pqw_scratch *s,
                          oups_pq_arena *arena, const char *what);
/* Move a chunk encoded at offset 0 to file offset `pos` (metadata and page index offsets). */
void oups_pqw__chunk_rebase(oups_pq_column_chunk *cc, oups_pqw_page_index *pi, int64_t pos);

#endif /* OUPS_SRC_PARQUET_WRITE_H */
