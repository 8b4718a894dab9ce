/*
 * parquet/thrift.h: the Thrift compact protocol, the encoding of every Parquet footer, page
 * header and page index. Reading is a cursor over [p, end) that never reads past `end`, caps
 * nesting depth and reports OUPS_ECORRUPT naming `what`; writing appends to an oups_bytes with
 * a sticky error. Implemented in thrift.c; the Parquet structs built on it live in meta.c.
 * Spec: Thrift compact protocol (field header = delta<<4 | type, zigzag varints).
 */
#ifndef OUPS_SRC_PARQUET_THRIFT_H
#define OUPS_SRC_PARQUET_THRIFT_H

#include "util/util.h"

/* Compact protocol type codes (low nibble of a field header, element type of a list). */
enum {
    OUPS_TT_STOP = 0,
    OUPS_TT_BOOL_TRUE = 1,
    OUPS_TT_BOOL_FALSE = 2,
    OUPS_TT_BYTE = 3,
    OUPS_TT_I16 = 4,
    OUPS_TT_I32 = 5,
    OUPS_TT_I64 = 6,
    OUPS_TT_DOUBLE = 7,
    OUPS_TT_BINARY = 8,
    OUPS_TT_LIST = 9,
    OUPS_TT_SET = 10,
    OUPS_TT_MAP = 11,
    OUPS_TT_STRUCT = 12
};

/* Deepest struct/list nesting accepted when reading (Parquet needs 5; hostile input more). */
#define OUPS_THRIFT_MAX_DEPTH 32

/* ---- reading ---------------------------------------------------------------------------- */

typedef struct oups_thrift_reader {
    const uint8_t *p, *end;
    const char *what; /* error context, e.g. "f.parquet: footer" */
    int depth;        /* current nesting depth (structs and lists) */
} oups_thrift_reader;

void oups_thrift__reader_init(oups_thrift_reader *r, const uint8_t *p, size_t n, const char *what);
/* OUPS_ECORRUPT "<what>: <msg> at byte <pos>"; returns OUPS_ECORRUPT. */
int oups_thrift__corrupt(const oups_thrift_reader *r, const char *msg);

int oups_thrift__read_varint(oups_thrift_reader *r, uint64_t *out);
int oups_thrift__read_i16(oups_thrift_reader *r, int16_t *out);
int oups_thrift__read_i32(oups_thrift_reader *r, int32_t *out);
int oups_thrift__read_i64(oups_thrift_reader *r, int64_t *out);
int oups_thrift__read_byte(oups_thrift_reader *r, int8_t *out);
int oups_thrift__read_double(oups_thrift_reader *r, double *out);
/* Length-prefixed bytes; `*out` points into the input (not copied, not NUL-terminated). */
int oups_thrift__read_binary(oups_thrift_reader *r, const uint8_t **out, int64_t *len);

/*
 * Next field of the current struct. `*last_id` is the previous field id of this struct (start
 * at 0); on return `*type` is the field type (OUPS_TT_STOP at the end) and `*id` its id.
 * For booleans the type carries the value (OUPS_TT_BOOL_TRUE / _FALSE).
 */
int oups_thrift__read_field(oups_thrift_reader *r, int16_t *last_id, int *type, int16_t *id);
/* Value of a field of type `type` when it is a bool (works for both field and list bools). */
int oups_thrift__read_bool(oups_thrift_reader *r, int type, bool *out);
/* List or set header: element type and count (count checked against the remaining bytes). */
int oups_thrift__read_list(oups_thrift_reader *r, int *elem_type, int64_t *n);
/* Skip a value of `type` (recursing into structs, lists, maps up to the depth limit). */
int oups_thrift__skip(oups_thrift_reader *r, int type);
/* Depth accounting for callers that descend into a struct or list by hand. */
int oups_thrift__enter(oups_thrift_reader *r);
static inline void oups_thrift__leave(oups_thrift_reader *r) { r->depth--; }

/* ---- writing ---------------------------------------------------------------------------- */

typedef struct oups_thrift_writer {
    oups_bytes *out;
    int rc;                                  /* first failure (sticky), 0 if none */
    int depth;                               /* number of open structs */
    int16_t last_id[OUPS_THRIFT_MAX_DEPTH];  /* previous field id per open struct */
} oups_thrift_writer;

/* Start writing to `out` (appends); the top-level struct is open (call struct_end at the end). */
void oups_thrift__writer_init(oups_thrift_writer *w, oups_bytes *out);
/* Field header of the current struct. Booleans: use oups_thrift__write_bool_field. */
void oups_thrift__write_field(oups_thrift_writer *w, int type, int16_t id);
void oups_thrift__write_bool_field(oups_thrift_writer *w, int16_t id, bool v);
void oups_thrift__write_i32_field(oups_thrift_writer *w, int16_t id, int32_t v);
void oups_thrift__write_i64_field(oups_thrift_writer *w, int16_t id, int64_t v);
void oups_thrift__write_binary_field(oups_thrift_writer *w, int16_t id, const void *p, int64_t n);
/* Raw values (list elements or after write_field). */
void oups_thrift__write_varint(oups_thrift_writer *w, uint64_t v);
void oups_thrift__write_i32(oups_thrift_writer *w, int32_t v); /* zigzag varint; also i16/i8 */
void oups_thrift__write_i64(oups_thrift_writer *w, int64_t v);
void oups_thrift__write_double(oups_thrift_writer *w, double v);
void oups_thrift__write_binary(oups_thrift_writer *w, const void *p, int64_t n);
void oups_thrift__write_bool(oups_thrift_writer *w, bool v); /* list element */
void oups_thrift__write_list(oups_thrift_writer *w, int elem_type, int64_t n);
/* Open a nested struct (after its field header, or as a list element) / close it (STOP). */
void oups_thrift__struct_begin(oups_thrift_writer *w);
void oups_thrift__struct_end(oups_thrift_writer *w);
/* 0 or the first failure (OUPS_ENOMEM, OUPS_EINVAL for nesting misuse). */
static inline int oups_thrift__writer_status(const oups_thrift_writer *w) { return w->rc; }

#endif /* OUPS_SRC_PARQUET_THRIFT_H */
