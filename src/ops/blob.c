/*
 * ops/blob.c: fields of the operators' state blobs, written and read back with bounds checks
 * (see blob.h), and the frame around them (magic, version, length, CRC-32); the formats
 * themselves are at the top of asof_state.c, asof_by.c and segagg_state.c.
 */
#include <string.h>

#include "ops/blob.h"

enum { HEADER = 8 + 4 + 8 };

int oups_blob_begin(oups_bytes *b, const char *magic, uint32_t version) {
    OUPS_TRY(oups_blob_put(b, magic, 8));
    OUPS_TRY(oups_blob_put_u32(b, version));
    return oups_blob_put_i64(b, 0); /* body length, patched by oups_blob_end */
}

int oups_blob_end(oups_bytes *b) {
    oups_store_u64le(b->data + 12, (uint64_t)(b->len - HEADER));
    return oups_blob_put_u32(b, oups_crc32(0, b->data, b->len));
}

int oups_blob_open(oups_blob_rd *r, const uint8_t *blob, size_t len, const char *magic, uint32_t version,
                   const char *what, const char *kind) {
    if (!blob && len) return oups_error_set(OUPS_EINVAL, "%s: blob is NULL", what);
    if (len < HEADER + 4 || memcmp(blob, magic, 8) != 0)
        return oups_error_set(OUPS_ECORRUPT, "%s: not %s state (%zu bytes, bad magic)", what, kind, len);
    uint32_t v = oups_load_u32le(blob + 8);
    if (v != version)
        return oups_error_set(OUPS_ECORRUPT, "%s: state version %u, this library reads %u", what, v, version);
    uint64_t body = oups_load_u64le(blob + 12);
    if (body != len - HEADER - 4)
        return oups_error_set(OUPS_ECORRUPT, "%s: body of %llu bytes in a blob of %zu", what, (unsigned long long)body,
                              len);
#ifndef OUPS_FUZZING /* let the fuzzer's mutations reach the decoders */
    if (oups_load_u32le(blob + len - 4) != oups_crc32(0, blob, len - 4))
        return oups_error_set(OUPS_ECORRUPT, "%s: checksum mismatch", what);
#endif
    *r = (oups_blob_rd){blob + HEADER, (size_t)body, 0, what};
    return 0;
}

int oups_blob_put(oups_bytes *b, const void *p, size_t n) { return oups_bytes_append(b, p, n); }
int oups_blob_put_u8(oups_bytes *b, unsigned v) {
    uint8_t x = (uint8_t)v;
    return oups_blob_put(b, &x, 1);
}
int oups_blob_put_u32(oups_bytes *b, uint32_t v) { return oups_blob_put(b, &v, 4); }
int oups_blob_put_i64(oups_bytes *b, int64_t v) { return oups_blob_put(b, &v, 8); }
int oups_blob_put_str(oups_bytes *b, const char *s) {
    size_t n = strlen(s);
    OUPS_TRY(oups_blob_put_u32(b, (uint32_t)n));
    return oups_blob_put(b, s, n);
}
int oups_blob_put_type(oups_bytes *b, const oups_datatype *t) {
    OUPS_TRY(oups_blob_put_u8(b, (unsigned)t->id));
    OUPS_TRY(oups_blob_put_u8(b, (unsigned)t->unit));
    OUPS_TRY(oups_blob_put_u32(b, (uint32_t)t->precision));
    OUPS_TRY(oups_blob_put_u32(b, (uint32_t)t->scale));
    return oups_blob_put_str(b, t->tz);
}

int oups_blob_short(const oups_blob_rd *r) { return oups_error_set(OUPS_ECORRUPT, "%s: blob truncated", r->what); }
int oups_blob_get(oups_blob_rd *r, void *dst, size_t n) {
    if (n > r->n - r->pos) return oups_blob_short(r);
    memcpy(dst, r->p + r->pos, n);
    r->pos += n;
    return 0;
}
int oups_blob_get_u8(oups_blob_rd *r, uint8_t *v) { return oups_blob_get(r, v, 1); }
int oups_blob_get_u32(oups_blob_rd *r, uint32_t *v) { return oups_blob_get(r, v, 4); }
int oups_blob_get_i64(oups_blob_rd *r, int64_t *v) { return oups_blob_get(r, v, 8); }

int oups_blob_get_type(oups_blob_rd *r, oups_datatype *t) {
    uint8_t id = 0, unit = 0;
    uint32_t prec = 0, scale = 0, n = 0;
    memset(t, 0, sizeof *t);
    OUPS_TRY(oups_blob_get_u8(r, &id));
    OUPS_TRY(oups_blob_get_u8(r, &unit));
    OUPS_TRY(oups_blob_get_u32(r, &prec));
    OUPS_TRY(oups_blob_get_u32(r, &scale));
    OUPS_TRY(oups_blob_get_u32(r, &n));
    if (n >= sizeof t->tz) return oups_error_set(OUPS_ECORRUPT, "%s: timezone of %u bytes", r->what, n);
    OUPS_TRY(oups_blob_get(r, t->tz, n));
    t->id = (oups_type_id)id;
    t->unit = (oups_time_unit)unit;
    t->precision = (int32_t)prec;
    t->scale = (int32_t)scale;
    if (id < OUPS_TYPE_BOOL || id > OUPS_TYPE_DECIMAL128 || unit > OUPS_UNIT_NS || oups_datatype_validate(t) < 0)
        return oups_error_set(OUPS_ECORRUPT, "%s: bad data type (id %u)", r->what, id);
    return 0;
}
