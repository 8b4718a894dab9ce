/*
 * ops/blob.h: the byte-level pieces shared by the operators' state blobs (asof_state.c,
 * segagg_state.c): fixed-width fields (host order: little-endian on every supported target),
 * length-prefixed strings and data types, appended to an oups_bytes, and read back with bounds
 * checks. A read past the end or a bad type is OUPS_ECORRUPT, the message starting with the
 * reader's `what` (e.g. "asof merger load").
 */
#ifndef OUPS_OPS_BLOB_H
#define OUPS_OPS_BLOB_H

#include "util/util.h"
#include "oups/table.h"

/* The frame of every state blob: 8-byte magic | u32 version | u64 body length | body | u32
 * CRC-32 of all preceding bytes. begin writes the head; end patches the length and appends
 * the CRC; open checks a frame (OUPS_ECORRUPT "<what>: not <kind>
 * state ...", bad version, length or checksum) and points r at the body. */
int oups_blob_begin(oups_bytes *b, const char *magic, uint32_t version);
int oups_blob_end(oups_bytes *b);
typedef struct oups_blob_rd oups_blob_rd;
int oups_blob_open(oups_blob_rd *r, const uint8_t *blob, size_t len, const char *magic, uint32_t version,
                   const char *what, const char *kind);

int oups_blob_put(oups_bytes *b, const void *p, size_t n);
int oups_blob_put_u8(oups_bytes *b, unsigned v);
int oups_blob_put_u32(oups_bytes *b, uint32_t v);
int oups_blob_put_i64(oups_bytes *b, int64_t v);
int oups_blob_put_str(oups_bytes *b, const char *s);
int oups_blob_put_type(oups_bytes *b, const oups_datatype *t);

struct oups_blob_rd {
    const uint8_t *p;
    size_t n, pos;
    const char *what; /* message prefix */
};

/** OUPS_ECORRUPT "<what>: blob truncated". */
int oups_blob_short(const oups_blob_rd *r);
int oups_blob_get(oups_blob_rd *r, void *dst, size_t n);
int oups_blob_get_u8(oups_blob_rd *r, uint8_t *v);
int oups_blob_get_u32(oups_blob_rd *r, uint32_t *v);
int oups_blob_get_i64(oups_blob_rd *r, int64_t *v);
/** A data type written by oups_blob_put_type, validated. */
int oups_blob_get_type(oups_blob_rd *r, oups_datatype *t);

#endif
