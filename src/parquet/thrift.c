/*
 * parquet/thrift.c: Thrift compact protocol reading and writing (see thrift.h).
 * Reading invariant: every byte is bounds-checked against `end`, varints are at most 10 bytes,
 * list counts may not exceed the remaining bytes (every element takes at least one byte,
 * except bools packed in field headers, which lists never use) and nesting is capped at
 * OUPS_THRIFT_MAX_DEPTH, so hostile input ends in OUPS_ECORRUPT quickly.
 */
#include "parquet/thrift.h"

void oups_thrift__reader_init(oups_thrift_reader *r, const uint8_t *p, size_t n, const char *what) {
    r->p = p;
    r->end = p + n;
    r->what = what ? what : "thrift";
    r->depth = 0;
}

int oups_thrift__corrupt(const oups_thrift_reader *r, const char *msg) {
    return oups_error_set(OUPS_ECORRUPT, "%s: corrupt thrift: %s", r->what, msg);
}

int oups_thrift__read_varint(oups_thrift_reader *r, uint64_t *out) {
    uint64_t v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
        if (r->p >= r->end) return oups_thrift__corrupt(r, "truncated varint");
        uint8_t b = *r->p++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return 0;
        }
    }
    return oups_thrift__corrupt(r, "varint longer than 10 bytes");
}

static int64_t unzigzag(uint64_t v) { return (int64_t)(v >> 1) ^ -(int64_t)(v & 1); }

int oups_thrift__read_i64(oups_thrift_reader *r, int64_t *out) {
    uint64_t v = 0;
    OUPS_TRY(oups_thrift__read_varint(r, &v));
    *out = unzigzag(v);
    return 0;
}

int oups_thrift__read_i32(oups_thrift_reader *r, int32_t *out) {
    int64_t v;
    OUPS_TRY(oups_thrift__read_i64(r, &v));
    if (v < INT32_MIN || v > INT32_MAX) return oups_thrift__corrupt(r, "i32 out of range");
    *out = (int32_t)v;
    return 0;
}

int oups_thrift__read_i16(oups_thrift_reader *r, int16_t *out) {
    int64_t v;
    OUPS_TRY(oups_thrift__read_i64(r, &v));
    if (v < INT16_MIN || v > INT16_MAX) return oups_thrift__corrupt(r, "i16 out of range");
    *out = (int16_t)v;
    return 0;
}

int oups_thrift__read_byte(oups_thrift_reader *r, int8_t *out) {
    if (r->p >= r->end) return oups_thrift__corrupt(r, "truncated byte");
    *out = (int8_t)*r->p++;
    return 0;
}

int oups_thrift__read_double(oups_thrift_reader *r, double *out) {
    if (r->end - r->p < 8) return oups_thrift__corrupt(r, "truncated double");
    memcpy(out, r->p, 8);
    r->p += 8;
    return 0;
}

int oups_thrift__read_binary(oups_thrift_reader *r, const uint8_t **out, int64_t *len) {
    uint64_t n = 0;
    OUPS_TRY(oups_thrift__read_varint(r, &n));
    if (n > (uint64_t)(r->end - r->p)) return oups_thrift__corrupt(r, "binary longer than the input");
    *out = r->p;
    *len = (int64_t)n;
    r->p += n;
    return 0;
}

int oups_thrift__read_field(oups_thrift_reader *r, int16_t *last_id, int *type, int16_t *id) {
    if (r->p >= r->end) return oups_thrift__corrupt(r, "truncated struct");
    uint8_t b = *r->p++;
    *type = b & 0x0f;
    if (*type == OUPS_TT_STOP) {
        *id = 0;
        return 0;
    }
    if (*type > OUPS_TT_STRUCT) return oups_thrift__corrupt(r, "bad field type");
    int delta = b >> 4;
    if (delta) {
        int v = *last_id + delta;
        if (v > INT16_MAX) return oups_thrift__corrupt(r, "field id overflow");
        *id = (int16_t)v;
    } else {
        OUPS_TRY(oups_thrift__read_i16(r, id));
    }
    *last_id = *id;
    return 0;
}

int oups_thrift__read_bool(oups_thrift_reader *r, int type, bool *out) {
    if (type == OUPS_TT_BOOL_TRUE || type == OUPS_TT_BOOL_FALSE) {
        *out = type == OUPS_TT_BOOL_TRUE;
        return 0;
    }
    return oups_thrift__corrupt(r, "expected a bool");
}

int oups_thrift__read_list(oups_thrift_reader *r, int *elem_type, int64_t *n) {
    if (r->p >= r->end) return oups_thrift__corrupt(r, "truncated list header");
    uint8_t b = *r->p++;
    *elem_type = b & 0x0f;
    uint64_t count = b >> 4;
    if (count == 15) OUPS_TRY(oups_thrift__read_varint(r, &count));
    if (*elem_type == OUPS_TT_STOP || *elem_type > OUPS_TT_STRUCT) return oups_thrift__corrupt(r, "bad list type");
    if (count > (uint64_t)(r->end - r->p)) return oups_thrift__corrupt(r, "list longer than the input");
    *n = (int64_t)count;
    return 0;
}

int oups_thrift__enter(oups_thrift_reader *r) {
    if (++r->depth > OUPS_THRIFT_MAX_DEPTH) {
        r->depth--;
        return oups_thrift__corrupt(r, "nesting too deep");
    }
    return 0;
}

static int skip_n(oups_thrift_reader *r, int type, int64_t n) {
    for (int64_t i = 0; i < n; i++) OUPS_TRY(oups_thrift__skip(r, type));
    return 0;
}

int oups_thrift__skip(oups_thrift_reader *r, int type) {
    uint64_t v = 0;
    switch (type) {
    case OUPS_TT_BOOL_TRUE:
    case OUPS_TT_BOOL_FALSE:
        /* A field bool has no payload; a list element bool is one byte. Field skips pass the
         * field type, list skips go through skip_list below which uses OUPS_TT_BYTE. */
        return 0;
    case OUPS_TT_BYTE:
        if (r->p >= r->end) return oups_thrift__corrupt(r, "truncated byte");
        r->p++;
        return 0;
    case OUPS_TT_I16:
    case OUPS_TT_I32:
    case OUPS_TT_I64:
        return oups_thrift__read_varint(r, &v);
    case OUPS_TT_DOUBLE:
        if (r->end - r->p < 8) return oups_thrift__corrupt(r, "truncated double");
        r->p += 8;
        return 0;
    case OUPS_TT_BINARY: {
        const uint8_t *p;
        int64_t len;
        return oups_thrift__read_binary(r, &p, &len);
    }
    case OUPS_TT_LIST:
    case OUPS_TT_SET: {
        int et;
        int64_t n;
        OUPS_TRY(oups_thrift__read_list(r, &et, &n));
        OUPS_TRY(oups_thrift__enter(r));
        /* bools inside lists take one byte each */
        int rc = skip_n(r, et == OUPS_TT_BOOL_TRUE || et == OUPS_TT_BOOL_FALSE ? OUPS_TT_BYTE : et, n);
        oups_thrift__leave(r);
        return rc;
    }
    case OUPS_TT_MAP: {
        OUPS_TRY(oups_thrift__read_varint(r, &v));
        if (v == 0) return 0;
        if (v > (uint64_t)(r->end - r->p)) return oups_thrift__corrupt(r, "map longer than the input");
        if (r->p >= r->end) return oups_thrift__corrupt(r, "truncated map");
        uint8_t kv = *r->p++;
        int kt = kv >> 4, vt = kv & 0x0f;
        if (kt == 0 || kt > OUPS_TT_STRUCT || vt == 0 || vt > OUPS_TT_STRUCT)
            return oups_thrift__corrupt(r, "bad map types");
        if (kt <= OUPS_TT_BOOL_FALSE) kt = OUPS_TT_BYTE;
        if (vt <= OUPS_TT_BOOL_FALSE) vt = OUPS_TT_BYTE;
        OUPS_TRY(oups_thrift__enter(r));
        int rc = 0;
        for (uint64_t i = 0; i < v && rc == 0; i++) {
            rc = oups_thrift__skip(r, kt);
            if (rc == 0) rc = oups_thrift__skip(r, vt);
        }
        oups_thrift__leave(r);
        return rc;
    }
    case OUPS_TT_STRUCT: {
        OUPS_TRY(oups_thrift__enter(r));
        int16_t last = 0, id;
        int ft, rc;
        for (;;) {
            rc = oups_thrift__read_field(r, &last, &ft, &id);
            if (rc || ft == OUPS_TT_STOP) break;
            rc = oups_thrift__skip(r, ft);
            if (rc) break;
        }
        oups_thrift__leave(r);
        return rc;
    }
    default:
        return oups_thrift__corrupt(r, "bad type");
    }
}

/* ---- writing ---------------------------------------------------------------------------- */

void oups_thrift__writer_init(oups_thrift_writer *w, oups_bytes *out) {
    w->out = out;
    w->rc = 0;
    w->depth = 1;
    w->last_id[0] = 0;
}

static void put(oups_thrift_writer *w, const void *p, size_t n) {
    if (w->rc) return;
    if (oups_bytes_append(w->out, p, n) < 0) w->rc = OUPS_ENOMEM;
}

static void put_byte(oups_thrift_writer *w, uint8_t b) { put(w, &b, 1); }

void oups_thrift__write_varint(oups_thrift_writer *w, uint64_t v) {
    uint8_t buf[10];
    size_t n = 0;
    while (v >= 0x80) {
        buf[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    buf[n++] = (uint8_t)v;
    put(w, buf, n);
}

void oups_thrift__write_i64(oups_thrift_writer *w, int64_t v) {
    oups_thrift__write_varint(w, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

void oups_thrift__write_i32(oups_thrift_writer *w, int32_t v) { oups_thrift__write_i64(w, v); }

void oups_thrift__write_double(oups_thrift_writer *w, double v) { put(w, &v, 8); }

void oups_thrift__write_binary(oups_thrift_writer *w, const void *p, int64_t n) {
    if (n < 0) n = 0;
    oups_thrift__write_varint(w, (uint64_t)n);
    if (n) put(w, p, (size_t)n);
}

void oups_thrift__write_bool(oups_thrift_writer *w, bool v) {
    put_byte(w, v ? OUPS_TT_BOOL_TRUE : OUPS_TT_BOOL_FALSE);
}

void oups_thrift__write_field(oups_thrift_writer *w, int type, int16_t id) {
    if (w->depth < 1) {
        if (!w->rc) w->rc = oups_error_set(OUPS_EINVAL, "thrift writer: field outside a struct");
        return;
    }
    int16_t *last = &w->last_id[w->depth - 1];
    int delta = id - *last;
    if (delta > 0 && delta <= 15) {
        put_byte(w, (uint8_t)(delta << 4 | type));
    } else {
        put_byte(w, (uint8_t)type);
        oups_thrift__write_i32(w, id);
    }
    *last = id;
}

void oups_thrift__write_bool_field(oups_thrift_writer *w, int16_t id, bool v) {
    oups_thrift__write_field(w, v ? OUPS_TT_BOOL_TRUE : OUPS_TT_BOOL_FALSE, id);
}

void oups_thrift__write_i32_field(oups_thrift_writer *w, int16_t id, int32_t v) {
    oups_thrift__write_field(w, OUPS_TT_I32, id);
    oups_thrift__write_i32(w, v);
}

void oups_thrift__write_i64_field(oups_thrift_writer *w, int16_t id, int64_t v) {
    oups_thrift__write_field(w, OUPS_TT_I64, id);
    oups_thrift__write_i64(w, v);
}

void oups_thrift__write_binary_field(oups_thrift_writer *w, int16_t id, const void *p, int64_t n) {
    oups_thrift__write_field(w, OUPS_TT_BINARY, id);
    oups_thrift__write_binary(w, p, n);
}

void oups_thrift__write_list(oups_thrift_writer *w, int elem_type, int64_t n) {
    if (n < 15) {
        put_byte(w, (uint8_t)(n << 4 | elem_type));
    } else {
        put_byte(w, (uint8_t)(0xf0 | elem_type));
        oups_thrift__write_varint(w, (uint64_t)n);
    }
}

void oups_thrift__struct_begin(oups_thrift_writer *w) {
    if (w->depth >= OUPS_THRIFT_MAX_DEPTH) {
        if (!w->rc) w->rc = oups_error_set(OUPS_EINVAL, "thrift writer: nesting too deep");
        return;
    }
    w->last_id[w->depth++] = 0;
}

void oups_thrift__struct_end(oups_thrift_writer *w) {
    if (w->depth < 1) {
        if (!w->rc) w->rc = oups_error_set(OUPS_EINVAL, "thrift writer: unbalanced struct_end");
        return;
    }
    put_byte(w, OUPS_TT_STOP);
    w->depth--;
}
