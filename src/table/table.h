/*
 * table/table.h: what higher layers (parquet, store, ops...) may use of the table module
 * beyond the public oups/table.h: the struct layouts, for kernels that fill buffers directly.
 * Invariants: a column's buffers cover offset+length rows; refcounts are atomic; tables are
 * immutable once returned to a caller.
 */
#ifndef OUPS_SRC_TABLE_H
#define OUPS_SRC_TABLE_H

#include <stdatomic.h>

#include "oups/table.h"
#include "util/util.h"

struct oups_buffer {
    _Atomic int64_t refcount;
    uint8_t *data;
    int64_t size;
    int64_t capacity;                 /* bytes allocated (own memory only) */
    void (*release)(void *payload);   /* foreign memory: called at last release */
    void *payload;
};

struct oups_column {
    _Atomic int64_t refcount;
    oups_datatype type;
    int64_t length;
    int64_t offset;
    int64_t null_count;
    oups_buffer *validity; /* NULL: no nulls */
    oups_buffer *offsets;  /* string/binary: int64 offsets */
    oups_buffer *data;
};

struct oups_table {
    _Atomic int64_t refcount;
    int n_cols;
    int64_t n_rows;
    char **names;
    oups_column **cols;
};

static inline bool oups_bit_get(const uint8_t *bits, int64_t i) { return (bits[i >> 3] >> (i & 7)) & 1; }
static inline void oups_bit_set(uint8_t *bits, int64_t i, bool v) {
    if (v) bits[i >> 3] |= (uint8_t)(1u << (i & 7));
    else bits[i >> 3] &= (uint8_t)~(1u << (i & 7));
}
static inline bool oups_type_is_binary(oups_type_id id) { return id == OUPS_TYPE_STRING || id == OUPS_TYPE_BINARY; }
static inline bool oups_type_is_signed(oups_type_id id) {
    return (id >= OUPS_TYPE_INT8 && id <= OUPS_TYPE_INT64) || id == OUPS_TYPE_TIMESTAMP || id == OUPS_TYPE_DATE32;
}
static inline bool oups_type_is_unsigned(oups_type_id id) { return id >= OUPS_TYPE_UINT8 && id <= OUPS_TYPE_UINT64; }
static inline bool oups_type_is_float(oups_type_id id) { return id == OUPS_TYPE_FLOAT32 || id == OUPS_TYPE_FLOAT64; }

/* Count set bits in bits[off, off+n). */
int64_t oups_bits_count(const uint8_t *bits, int64_t off, int64_t n);
/* Copy n bits from src[src_off..] to dst[dst_off..]. */
void oups_bits_copy(uint8_t *dst, int64_t dst_off, const uint8_t *src, int64_t src_off, int64_t n);

/* Read row i of an integer-like column (ints, timestamp, date32) as int64 / uint64. */
int64_t oups_column__get_int(const oups_column_view *v, int64_t i);
uint64_t oups_column__get_uint(const oups_column_view *v, int64_t i);
double oups_column__get_double(const oups_column_view *v, int64_t i);

/* Row comparison (compare.c). Both views must have the same type.
 * compare: ordering used by sort/search/check_ordered: nulls first, NaN last (== NaN),
 * -0.0 == 0.0, strings by bytes. same: bit-identical, nulls equal nulls (equal, dedup). */
int oups_column__compare(const oups_column_view *a, int64_t i, const oups_column_view *b, int64_t j);
bool oups_column__same(const oups_column_view *a, int64_t i, const oups_column_view *b, int64_t j);
int oups_column__cmp_decimal(const uint8_t *a, const uint8_t *b);
int oups_column__cmp_double(double a, double b); /* NaN last, NaN == NaN */
/* Row i as text for messages ("null", 12, 1.5, "abc", 12.34); returns buf. */
char *oups_column__format(char *buf, size_t cap, const oups_column_view *v, int64_t i);

/* Rows `idx[0..n)` of a column (each in range, checked by the caller), copied (copy.c). */
int oups_column__take(oups_column **out, const oups_column *c, const int64_t *idx, int64_t n);

/* A new table taking over `names` (oups_malloc'ed strings) and `cols` references on success
 * and on failure (it frees them). n_rows given explicitly so 0-column tables keep a count. */
int oups_table__adopt(oups_table **out, int n_cols, int64_t n_rows, char **names, oups_column **cols);

/* Smallest and largest value of an integer-like type (ints, timestamp, date32) (datatype.c). */
void oups_datatype__int_range(oups_type_id id, int64_t *lo, uint64_t *hi);

/* Arrow C Data format string of a type ("l", "tsn:UTC", "d:10,2", "U") (arrow_export.c). */
void oups_arrow__format(char *buf, size_t cap, const oups_datatype *t);

/* A table from `n` columns (retained: the caller keeps its references) named by `names`
 * (copied); `n_rows` matters only when n == 0 (table.c). */
int oups_table__make(oups_table **out, int n, const char *const *names, oups_column *const *cols, int64_t n_rows);

#endif /* OUPS_SRC_TABLE_H */
