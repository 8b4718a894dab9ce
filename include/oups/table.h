/**
 * @file oups/table.h
 * @brief Typed columns in Arrow memory layout, tables of named columns, and the operations
 *        every layer above needs (slice, concat, take, sort, order checks, search, dedup),
 *        plus the Arrow C Data Interface in and out.
 *
 * Handles: oups_buffer (reference-counted bytes), oups_column (reference-counted typed array),
 * oups_table (named columns of equal length), oups_builder (appends values, makes a column).
 *
 * Memory layout (Arrow): a column of length n at element offset `off` has an optional validity
 * bitmap (bit off+i set = row i valid, LSB first), and for fixed-width types a value buffer
 * (element off+i); bool values are bit-packed like validity; utf8 and binary have int64 offsets
 * (Arrow "large" layout, n+1 entries from element off) into a byte buffer; decimal128 values
 * are 16-byte little-endian two's complement integers scaled by 10^scale.
 *
 * Ownership: columns and tables are immutable once built and reference-counted; every
 * operation returns new handles that share buffers with their inputs where it can (slice,
 * select, rename, concat of one table are zero-copy). A handle returned through `**out` belongs
 * to the caller: release it with the matching _free/_release (NULL is a no-op). A handle
 * returned by a getter (oups_table_column) is borrowed from its parent. A failed call moves no
 * ownership and sets `*out` to NULL.
 *
 * Threading: handles may be shared read-only between threads (reference counts are atomic);
 * a builder is used by one thread at a time.
 */
#ifndef OUPS_TABLE_H
#define OUPS_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oups/util.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------------ */
/** @name Data types */

typedef enum oups_type_id {
    OUPS_TYPE_BOOL = 1,
    OUPS_TYPE_INT8,
    OUPS_TYPE_INT16,
    OUPS_TYPE_INT32,
    OUPS_TYPE_INT64,
    OUPS_TYPE_UINT8,
    OUPS_TYPE_UINT16,
    OUPS_TYPE_UINT32,
    OUPS_TYPE_UINT64,
    OUPS_TYPE_FLOAT32,
    OUPS_TYPE_FLOAT64,
    OUPS_TYPE_TIMESTAMP, /**< int64 count of `unit` since the epoch; optional timezone */
    OUPS_TYPE_DATE32,    /**< int32 days since the epoch */
    OUPS_TYPE_STRING,    /**< utf8 */
    OUPS_TYPE_BINARY,
    OUPS_TYPE_DECIMAL128 /**< precision 1..38, scale 0..precision */
} oups_type_id;

typedef enum oups_time_unit { OUPS_UNIT_S = 0, OUPS_UNIT_MS, OUPS_UNIT_US, OUPS_UNIT_NS } oups_time_unit;

/** A data type: a plain value, copied freely (the timezone lives inside it). */
typedef struct oups_datatype {
    oups_type_id id;
    oups_time_unit unit; /**< timestamps only */
    int32_t precision;   /**< decimals only */
    int32_t scale;       /**< decimals only */
    char tz[64];         /**< timestamps only: "" (naive) or a zone name ("UTC", "+01:00") */
} oups_datatype;

/** A type with no parameters (bool, ints, floats, date32, string, binary). */
OUPS_API oups_datatype oups_type(oups_type_id id);
/** Timestamp type; `tz` may be NULL or "" for naive timestamps (truncated to 63 bytes). */
OUPS_API oups_datatype oups_type_timestamp(oups_time_unit unit, const char *tz);
/** Decimal128(precision, scale) (not validated here; see oups_datatype_validate). */
OUPS_API oups_datatype oups_type_decimal(int32_t precision, int32_t scale);
/** 0 if the type is well formed, else OUPS_EINVAL naming the problem. */
OUPS_API OUPS_NODISCARD int oups_datatype_validate(const oups_datatype *t);
/** True if both types are the same (id and parameters, timezone included). */
OUPS_API bool oups_datatype_equal(const oups_datatype *a, const oups_datatype *b);
/** Bytes per value for fixed-width types (bool: 0, bit-packed; string/binary: 0). */
OUPS_API int oups_datatype_width(oups_type_id id);
/**
 * Name of a type in the CLI schema syntax: bool, int8..uint64, float32, float64, string,
 * binary, date32, timestamp[ns], timestamp[ns,UTC], decimal(p,s). Writes at most `cap` bytes
 * (NUL included) to `buf`; returns `buf`.
 */
OUPS_API char *oups_datatype_format(const oups_datatype *t, char *buf, size_t cap);
/** Parse the syntax of oups_datatype_format. @return 0 or OUPS_EINVAL naming `text`. */
OUPS_API OUPS_NODISCARD int oups_datatype_parse(oups_datatype *out, const char *text);

/* ------------------------------------------------------------------------------------------ */
/** @name Buffers: reference-counted, 64-byte aligned byte arrays */

typedef struct oups_buffer oups_buffer;

/**
 * New buffer of `size` bytes (contents undefined; the bytes past `size` up to a multiple of
 * 64 are zero). Ownership: caller holds one reference. Errors: OUPS_ENOMEM.
 */
OUPS_API OUPS_NODISCARD int oups_buffer_new(oups_buffer **out, int64_t size);
/** Same, all bytes zero. */
OUPS_API OUPS_NODISCARD int oups_buffer_new_zeroed(oups_buffer **out, int64_t size);
/**
 * Grow or shrink a buffer nobody else references (refcount 1), keeping its contents.
 * Errors: OUPS_ENOMEM (buffer unchanged), OUPS_ESTATE if shared.
 */
OUPS_API OUPS_NODISCARD int oups_buffer_resize(oups_buffer *buf, int64_t size);
/** Wrap foreign memory; `release(payload)` is called when the last reference goes. */
OUPS_API OUPS_NODISCARD int oups_buffer_wrap(oups_buffer **out, const void *data, int64_t size,
                                             void (*release)(void *payload), void *payload);
/** Start of the bytes. Writable only while the caller is the sole owner (while building). */
OUPS_API uint8_t *oups_buffer_data(const oups_buffer *buf);
OUPS_API int64_t oups_buffer_size(const oups_buffer *buf);
/** Add a reference; returns `buf`. */
OUPS_API oups_buffer *oups_buffer_retain(oups_buffer *buf);
/** Drop a reference (NULL is a no-op); frees on the last one. */
OUPS_API void oups_buffer_release(oups_buffer *buf);

/* ------------------------------------------------------------------------------------------ */
/** @name Columns */

typedef struct oups_column oups_column;

/**
 * Read-only view of a column's memory, for kernels. Row i of the column is element
 * `offset + i` of each buffer. `validity` is NULL when the column has no nulls.
 * Pointers are borrowed from the column and valid while it lives.
 */
typedef struct oups_column_view {
    oups_datatype type;
    int64_t length;
    int64_t offset;
    int64_t null_count;
    const uint8_t *validity; /**< bitmap or NULL */
    const int64_t *offsets;  /**< string/binary only */
    const void *data;        /**< values (bit-packed for bool), or bytes for string/binary */
} oups_column_view;

/**
 * Make a column from buffers. Ownership: CONSUMES the caller's references to `validity`,
 * `offsets` and `data` (also on failure). `validity` may be NULL (no nulls); `offsets` only
 * for string/binary. `null_count` < 0 means "count it". Buffers are checked to be large
 * enough for `offset + length` rows (and string offsets to be non-decreasing and in range).
 * Errors: OUPS_EINVAL (sizes, type), OUPS_ECORRUPT (bad offsets), OUPS_ENOMEM.
 */
OUPS_API OUPS_NODISCARD int oups_column_new(oups_column **out, const oups_datatype *type, int64_t length,
                                            int64_t offset, int64_t null_count, oups_buffer *validity,
                                            oups_buffer *offsets, oups_buffer *data);
/** A column of `length` nulls of `type`. */
OUPS_API OUPS_NODISCARD int oups_column_new_nulls(oups_column **out, const oups_datatype *type, int64_t length);
/** A fixed-width column copied from `n` values at `values` (and optional validity bitmap). */
OUPS_API OUPS_NODISCARD int oups_column_from_values(oups_column **out, const oups_datatype *type,
                                                    const void *values, int64_t n, const uint8_t *validity);
OUPS_API oups_column *oups_column_retain(oups_column *col);
OUPS_API void oups_column_release(oups_column *col);
OUPS_API void oups_column_view_get(oups_column_view *out, const oups_column *col);
OUPS_API const oups_datatype *oups_column_type(const oups_column *col);
OUPS_API int64_t oups_column_length(const oups_column *col);
OUPS_API int64_t oups_column_null_count(const oups_column *col);
/** Buffer i (0 validity, 1 offsets or data, 2 data for string/binary), borrowed, may be NULL. */
OUPS_API oups_buffer *oups_column_buffer(const oups_column *col, int i);
/** True if row i is not null. No bounds check. */
OUPS_API bool oups_column_is_valid(const oups_column *col, int64_t i);
/** Zero-copy slice of rows [off, off+n). Errors: OUPS_EINVAL if out of range. */
OUPS_API OUPS_NODISCARD int oups_column_slice(oups_column **out, const oups_column *col, int64_t off, int64_t n);

/* ------------------------------------------------------------------------------------------ */
/** @name Builders: append values one by one, then finish into a column */

typedef struct oups_builder oups_builder;

/*
 * Every append either adds exactly one row or fails and adds nothing. Errors common to all
 * appends: OUPS_ESCHEMA when the kind of value does not fit the builder's type (append_int on
 * a float64 builder), OUPS_ENOMEM. Cost: amortised O(1) (buffers double when full); the
 * validity bitmap is only allocated at the first null.
 */

/**
 * New builder for `type`; `capacity_hint` rows pre-allocated (0 is fine).
 * @param[out] out  The builder; free with oups_builder_free().
 * @return 0, OUPS_EINVAL (invalid type or hint), or OUPS_ENOMEM.
 */
OUPS_API OUPS_NODISCARD int oups_builder_new(oups_builder **out, const oups_datatype *type, int64_t capacity_hint);
/** Free a builder and any rows not finished. NULL is a no-op. */
OUPS_API void oups_builder_free(oups_builder *b);
/** Rows appended since creation or the last finish. */
OUPS_API int64_t oups_builder_length(const oups_builder *b);
/** A null row (any type). Fixed-width values under nulls are written as zeros. */
OUPS_API OUPS_NODISCARD int oups_builder_append_null(oups_builder *b);
/** For bool. */
OUPS_API OUPS_NODISCARD int oups_builder_append_bool(oups_builder *b, bool v);
/**
 * For any integer type, timestamp and date32. Range-checked against the column type:
 * OUPS_EOVERFLOW naming the type and value (e.g. 128 into int8, -1 into uint64).
 */
OUPS_API OUPS_NODISCARD int oups_builder_append_int(oups_builder *b, int64_t v);
/** For any integer type (range-checked like append_int: OUPS_EOVERFLOW). */
OUPS_API OUPS_NODISCARD int oups_builder_append_uint(oups_builder *b, uint64_t v);
/** For float32/float64 (float32 rounds to nearest). */
OUPS_API OUPS_NODISCARD int oups_builder_append_double(oups_builder *b, double v);
/** For string/binary: `n` bytes copied from `p` (string bytes are not UTF-8 validated here). */
OUPS_API OUPS_NODISCARD int oups_builder_append_bytes(oups_builder *b, const void *p, int64_t n);
/** For decimal128: 16 bytes little-endian two's complement (unscaled value). */
OUPS_API OUPS_NODISCARD int oups_builder_append_decimal(oups_builder *b, const uint8_t v[16]);
/**
 * Append row i of `col` (a copy of its value or null). Errors: OUPS_ESCHEMA if the column's type
 * differs from the builder's, OUPS_EINVAL if i is outside the column.
 */
OUPS_API OUPS_NODISCARD int oups_builder_append_from(oups_builder *b, const oups_column *col, int64_t i);
/**
 * Make the column from the rows appended; the builder is reset to empty and can be reused.
 * @param[out] out  The column; caller owns it (oups_column_release).
 * Ownership: the builder's buffers move into the column (no copy). On failure (OUPS_ENOMEM)
 * the builder keeps its rows.
 */
OUPS_API OUPS_NODISCARD int oups_builder_finish(oups_column **out, oups_builder *b);

/* ------------------------------------------------------------------------------------------ */
/** @name Tables */

typedef struct oups_table oups_table;

/**
 * Table from `n_cols` named columns of equal length. Ownership: names are copied, columns
 * retained (the caller keeps its references). Errors: OUPS_EINVAL (length mismatch, empty or
 * duplicate name), OUPS_ENOMEM.
 */
OUPS_API OUPS_NODISCARD int oups_table_new(oups_table **out, int n_cols, const char *const *names,
                                           oups_column *const *cols);
/** An empty table (0 rows) with the given schema. */
OUPS_API OUPS_NODISCARD int oups_table_new_empty(oups_table **out, int n_cols, const char *const *names,
                                                 const oups_datatype *types);
OUPS_API oups_table *oups_table_retain(oups_table *t);
OUPS_API void oups_table_free(oups_table *t);
OUPS_API int64_t oups_table_num_rows(const oups_table *t);
OUPS_API int oups_table_num_columns(const oups_table *t);
/** Column i, borrowed (valid while `t` lives). NULL if out of range. */
OUPS_API oups_column *oups_table_column(const oups_table *t, int i);
/** Name of column i, borrowed. NULL if out of range. */
OUPS_API const char *oups_table_column_name(const oups_table *t, int i);
/** Index of the column named `name`, or -1. */
OUPS_API int oups_table_column_index(const oups_table *t, const char *name);
/** Like oups_table_column_index, but OUPS_ENOTFOUND naming the column when absent. */
OUPS_API OUPS_NODISCARD int oups_table_column_find(int *out, const oups_table *t, const char *name);
/** True if both tables have the same column names and types in the same order. */
OUPS_API bool oups_table_schema_equal(const oups_table *a, const oups_table *b);

/** Zero-copy view of rows [off, off+n). Errors: OUPS_EINVAL if out of range. */
OUPS_API OUPS_NODISCARD int oups_table_slice(oups_table **out, const oups_table *t, int64_t off, int64_t n);
/**
 * Rows of the tables one after the other. All must have the same schema (OUPS_ESCHEMA names
 * the first difference). n == 1 is zero-copy (returns tables[0], retained). n == 0 is
 * OUPS_EINVAL. Ownership: the tables are borrowed. Cost: one copy of the data; the result is
 * compact (offset 0) with a validity bitmap only for columns that have nulls.
 */
OUPS_API OUPS_NODISCARD int oups_table_concat(oups_table **out, oups_table *const *tables, int n);
/**
 * Rows at `indices` (each in [0, rows), repeats allowed), in that order. Errors: OUPS_EINVAL
 * naming a bad index and its position, OUPS_ENOMEM. Cost: one gather per column (a copy).
 */
OUPS_API OUPS_NODISCARD int oups_table_take(oups_table **out, const oups_table *t, const int64_t *indices,
                                            int64_t n);
/** Columns `names` in that order (zero-copy). Errors: OUPS_ENOTFOUND naming the column. */
OUPS_API OUPS_NODISCARD int oups_table_select(oups_table **out, const oups_table *t, const char *const *names,
                                              int n);
/** Rename columns: `from[k]` becomes `to[k]` (zero-copy). Errors: OUPS_ENOTFOUND, OUPS_EINVAL (dup). */
OUPS_API OUPS_NODISCARD int oups_table_rename(oups_table **out, const oups_table *t, const char *const *from,
                                              const char *const *to, int n);
/** The table with one column added at the end (or replaced if a column has that name). */
OUPS_API OUPS_NODISCARD int oups_table_set_column(oups_table **out, const oups_table *t, const char *name,
                                                  oups_column *col);

/**
 * Stable sort permutation by the columns `keys` (lexicographic, ascending; nulls first;
 * NaN after all numbers and equal to NaN; -0.0 equal to 0.0; strings and binary by bytes,
 * shorter prefix first; decimals as signed integers). `*out` has oups_table_num_rows(t) entries;
 * free with oups_mem_free(). Errors: OUPS_EINVAL (n_keys < 1), OUPS_ENOTFOUND naming a missing
 * key column, OUPS_ENOMEM. Cost: a single numeric key (ints, timestamp, date32, floats, bool)
 * is checked for sorted input in O(n), else LSD radix sorted (about 24 bytes of scratch per
 * row); other keys use a merge sort, O(n log n).
 */
OUPS_API OUPS_NODISCARD int oups_table_sort_indices(int64_t **out, const oups_table *t, const char *const *keys,
                                                    int n_keys);
/** Stable sort of the rows by `keys` (sort_indices then take; same errors). Cost: a copy. */
OUPS_API OUPS_NODISCARD int oups_table_sort(oups_table **out, const oups_table *t, const char *const *keys,
                                            int n_keys);
/**
 * Check rows are in non-decreasing lexicographic order of `keys` (nulls first).
 * @param[out] first_bad  If not NULL: index of the first row smaller than its predecessor, or -1.
 * @return 0 if ordered, OUPS_EUNORDERED naming the column, row and values if not,
 *         OUPS_ENOTFOUND for a missing key column.
 */
OUPS_API OUPS_NODISCARD int oups_table_check_ordered(int64_t *first_bad, const oups_table *t,
                                                     const char *const *keys, int n_keys);

/**
 * Compare two tables: names, types, row count and every value. Floats compare by bits (so
 * NaN equals NaN of the same bits and 0.0 differs from -0.0: "bit-identical"); values under
 * nulls are ignored; slicing and buffer sharing do not matter.
 * @param desc  If not NULL, receives a description of the first difference, truncated to
 *              desc_cap bytes: "column 'px' row 3: 1.5 vs null", "row count 5 vs 6",
 *              "column 'ts' type timestamp[ns] vs timestamp[us]"; "" when equal.
 * @return 1 if equal, 0 if different. Cost: one pass, stops at the first difference.
 */
OUPS_API int oups_table_equal(const oups_table *a, const oups_table *b, char *desc, size_t desc_cap);

/** A single typed value (for searches and CLI parsing). Bytes are borrowed. */
typedef struct oups_scalar {
    oups_datatype type;
    bool is_null;
    union {
        int64_t i;    /**< signed ints, timestamp, date32 */
        uint64_t u;   /**< unsigned ints */
        double f;     /**< floats */
        bool b;       /**< bool */
        uint8_t dec[16];
        struct {
            const void *ptr;
            int64_t len;
        } bytes; /**< string / binary */
    } v;
} oups_scalar;

/** Row i of a column as a scalar (bytes borrowed from the column). */
OUPS_API void oups_column_get_scalar(oups_scalar *out, const oups_column *col, int64_t i);
/**
 * Compare row i of `col` with `s` in the sort order (same type family: any int with any int,
 * exactly across signedness; floats with floats or ints; bytes with bytes; decimals with
 * decimals of the same scale; bool with bool). Nulls sort first, NaN last. Returns <0, 0, >0;
 * 0 for values of different families (use search_sorted to get an error for those).
 */
OUPS_API int oups_column_compare_scalar(const oups_column *col, int64_t i, const oups_scalar *s);

typedef enum oups_side { OUPS_SIDE_LEFT = 0, OUPS_SIDE_RIGHT = 1 } oups_side;
/**
 * Binary search in a column sorted ascending in the sort order (nulls first, NaN last): LEFT
 * gives the first row >= value, RIGHT the first row > value (numpy's searchsorted). Works for
 * every type (bool: false < true); a null value finds the block of nulls; an integer value
 * outside a narrow column's range gives 0 or the length.
 * Errors: OUPS_ESCHEMA if the scalar's type family does not match the column, OUPS_EINVAL for
 * a bad side. Cost: O(log n); int and float columns without nulls search the raw array.
 */
OUPS_API OUPS_NODISCARD int oups_column_search_sorted(int64_t *out, const oups_column *col, const oups_scalar *value,
                                                      oups_side side);

/**
 * Drop duplicate rows on the columns `subset` (all columns if n == 0), keeping the LAST
 * occurrence of each distinct combination; the kept rows stay in their original order
 * (pandas drop_duplicates(keep="last")). Nulls equal nulls; floats compare by bits.
 * When nothing is dropped, `*out` is `t` itself (retained). Errors: OUPS_ENOTFOUND naming a
 * missing column, OUPS_ENOMEM. Cost: O(n) expected (hash table, about 24 bytes per row of
 * scratch) plus one take of the kept rows.
 */
OUPS_API OUPS_NODISCARD int oups_table_dedup_last(oups_table **out, const oups_table *t, const char *const *subset,
                                                  int n);

/**
 * Exact memory size of the table's rows in bytes, independent of slicing and sharing:
 * per column, validity ceil(n/8) if the column has nulls (null_count > 0), values n*width
 * (bool ceil(n/8), decimal 16), string/binary (n+1)*8 offset bytes plus the bytes of the n
 * values. Used by memory caps. Cost: O(columns).
 */
OUPS_API int64_t oups_table_memory_size(const oups_table *t);

/* ------------------------------------------------------------------------------------------ */
/** @name Arrow C Data Interface (https://arrow.apache.org/docs/format/CDataInterface.html) */

#ifndef ARROW_C_DATA_INTERFACE
#define ARROW_C_DATA_INTERFACE

#define ARROW_FLAG_DICTIONARY_ORDERED 1
#define ARROW_FLAG_NULLABLE 2
#define ARROW_FLAG_MAP_KEYS_SORTED 4

struct ArrowSchema {
    const char *format;
    const char *name;
    const char *metadata;
    int64_t flags;
    int64_t n_children;
    struct ArrowSchema **children;
    struct ArrowSchema *dictionary;
    void (*release)(struct ArrowSchema *);
    void *private_data;
};

struct ArrowArray {
    int64_t length;
    int64_t null_count;
    int64_t offset;
    int64_t n_buffers;
    int64_t n_children;
    const void **buffers;
    struct ArrowArray **children;
    struct ArrowArray *dictionary;
    void (*release)(struct ArrowArray *);
    void *private_data;
};

#endif /* ARROW_C_DATA_INTERFACE */

/**
 * Export a table as a struct array ("+s", no nulls) with one child per column, zero-copy.
 * Formats: b c C s S i I l L f g tdD ts{s,m,u,n}:tz U Z d:p,s (strings/binary as large_utf8/
 * large_binary). A child's validity buffer is NULL when the column has no nulls.
 * Ownership: the caller owns `*out_array` and `*out_schema` and must call their release
 * callbacks; the exported memory stays valid after `t` is freed. Each child has its own
 * private data: children may be moved out and released in any order, before or after the
 * parent (whose release releases only the children still in place). On failure both
 * structures are zeroed (release NULL). Errors: OUPS_EINVAL (NULL argument), OUPS_ENOMEM.
 */
OUPS_API OUPS_NODISCARD int oups_table_export(struct ArrowArray *out_array, struct ArrowSchema *out_schema,
                                              const oups_table *t);
/**
 * Import a struct array of supported columns, zero-copy where layouts match ("u"/"z" offsets
 * are widened to int64, "b" kept bit-packed). Formats: those of oups_table_export plus u, z
 * and d:p,s,128; parent and child offsets are honoured. Ownership: MOVES both structures in on
 * success: their release is set to NULL; the array's release is called by oups when the last
 * column using its memory goes, the schema's before this function returns. On failure the
 * caller still owns them. Errors: OUPS_EUNSUPPORTED naming the column and format (also for a
 * non-struct top level, dictionaries, nested children, null struct rows), OUPS_EINVAL for a
 * released or malformed input (buffer counts, lengths, empty or duplicate names), OUPS_ENOMEM.
 */
OUPS_API OUPS_NODISCARD int oups_table_import(oups_table **out, struct ArrowArray *array, struct ArrowSchema *schema);

#ifdef __cplusplus
}
#endif
#endif /* OUPS_TABLE_H */
