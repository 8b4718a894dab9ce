/*
 * parquet/read_column.c: decode one flat leaf column over a list of row groups into one table
 * column. Per chunk: one pread of its bytes, then pages in order: dictionary page (PLAIN
 * values kept in physical form), data pages v1/v2 (decompression via codec.c, definition
 * levels, values via encoding.h: PLAIN, dictionary indices, RLE booleans, DELTA_*, BSS).
 * Values go straight into the output buffers when a page has no nulls; otherwise into a dense
 * scratch that is scattered by the definition levels. Conversions to the table type (INT96,
 * FLOAT16, decimals, narrow ints) happen once per value. Every size from the file is checked
 * against the chunk/page end and the reader's allocation cap: bad input gives OUPS_ECORRUPT
 * naming file, column, row group and page. Page CRCs are verified when present (not under
 * OUPS_FUZZING). Spec: parquet-format README (pages), Encodings.md, LogicalTypes.md.
 */
#include <stdatomic.h>
#include <stdio.h>

#include "parquet/codec.h"
#include "parquet/encoding.h"
#include "parquet/internal.h"

typedef struct colread {
    oups_parquet_reader *r;
    const oups_pqr_leaf *l;
    int rg, page;
    int64_t crc_next; /* file-order number of the next page in its chunk (page checksums) */
    int codec;
    int pw, ow; /* physical and output value widths in bytes */
    /* output */
    int64_t n_total, pos, null_count;
    uint8_t *vals;  /* fixed-width values or bool bits */
    uint8_t *valid; /* validity bits, NULL for required columns */
    int64_t *offs;  /* string/binary offsets */
    oups_bytes data;
    oups_buffer *vbuf, *valbuf, *offbuf;
    /* dictionary, physical form */
    bool has_dict;
    int64_t dict_n;
    oups_bytes dict; /* fixed values, or byte-array bytes */
    int64_t *dict_offs;
    /* scratch */
    oups_bytes chunk, pagebuf, phys, dense, tmp, offs_s, tmp_offs, levels, idx;
} colread;

/* ---- helpers shared with describe.c ------------------------------------------------------- */

int64_t oups_parquet__int96_to_ns(const uint8_t *p) {
    uint64_t nanos = oups_load_u64le(p);
    int64_t day = (int32_t)oups_load_u32le(p + 8);
    return (int64_t)((uint64_t)(day - 2440588) * UINT64_C(86400000000000) + nanos);
}

float oups_parquet__half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h >> 15) << 31, exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
    if (exp == 0x1f) {
        bits = sign | 0x7f800000u | (man << 13); /* inf / nan (payload kept) */
    } else if (exp == 0) {
        if (man == 0) {
            bits = sign;
        } else { /* subnormal: normalise */
            int e = -1;
            do {
                man <<= 1;
                e++;
            } while (!(man & 0x400));
            bits = sign | (uint32_t)(127 - 15 - e) << 23 | (man & 0x3ff) << 13;
        }
    } else {
        bits = sign | (exp + 127 - 15) << 23 | man << 13;
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

bool oups_parquet__be_to_dec128(uint8_t out[16], const uint8_t *p, int64_t n) {
    uint8_t fill = n > 0 && (p[0] & 0x80) ? 0xff : 0x00;
    for (int64_t i = 0; i + 16 < n; i++)
        if (p[i] != fill) return false;
    if (n > 16 && ((p[n - 16] ^ fill) & 0x80)) return false;
    for (int i = 0; i < 16; i++) out[i] = i < n ? p[n - 1 - i] : fill;
    return true;
}

/* ---- errors and scratch ------------------------------------------------------------------- */

static int corrupt(const colread *c, const char *msg) {
    return oups_error_set(OUPS_ECORRUPT, "%s: column '%s': row group %d: page %d: %s", c->r->name, c->l->name,
                          c->rg, c->page, msg);
}

/* Prefix a decoder's message with the location. */
static int located(const colread *c, int rc) {
    if (rc >= 0 || rc == OUPS_ENOMEM) return rc;
    return oups_error_prefix(rc, "%s: column '%s': row group %d: page %d: ", c->r->name, c->l->name, c->rg,
                             c->page);
}

/* Make `b` hold at least n bytes (contents not kept); returns its data or NULL. */
static void *scratch(oups_bytes *b, size_t n) {
    b->len = 0;
    if (oups_bytes_reserve(b, n + 16) < 0) return NULL;
    return b->data;
}

static int check_cap(const colread *c, int64_t bytes, const char *what) {
    if (bytes < 0 || bytes > c->r->alloc_cap)
        return oups_error_set(OUPS_ECORRUPT, "%s: column '%s': row group %d: %s of %lld bytes exceeds the decode limit",
                              c->r->name, c->l->name, c->rg, what, (long long)bytes);
    return 0;
}

/* ---- definition levels -------------------------------------------------------------------- */

/* Decode n levels (bit width 1) and set validity bits for rows [pos, pos+n); `*nn` gets the
 * number of non-null values. */
static int read_levels(colread *c, const uint8_t *p, const uint8_t *end, int64_t n, int64_t *nn) {
    uint8_t *v = c->valid;
    int64_t pos = c->pos, i = 0, k = 0;
    /* A page without nulls is usually one repeated run of 1s (header: count << 1, then the
     * value byte): no need to expand it. */
    const uint8_t *q = p;
    uint64_t h = 0;
    if (oups_enc__read_uleb(&q, end, &h) == 0 && !(h & 1) && (h >> 1) >= (uint64_t)n && q < end && *q == 1) {
        k = n;
    } else {
        uint16_t *lv = scratch(&c->levels, (size_t)n * 2);
        if (!lv) return OUPS_ENOMEM;
        OUPS_TRY(located(c, oups_rle_decode_u16(p, end, 1, lv, n, NULL)));
        uint16_t bad = 0;
        for (int64_t r = 0; r < n; r++) {
            bad |= lv[r];
            k += lv[r] == 1;
        }
        if (bad > 1) return corrupt(c, "definition level above the maximum");
        if (k < n) {
            for (; i < n; i++)
                if (lv[i]) v[(pos + i) >> 3] |= (uint8_t)(1u << ((pos + i) & 7));
            *nn = k;
            c->null_count += n - k;
            return 0;
        }
    }
    /* no nulls (the common case): set whole bytes */
    for (; i < n && ((pos + i) & 7); i++) v[(pos + i) >> 3] |= (uint8_t)(1u << ((pos + i) & 7));
    int64_t bytes = (n - i) >> 3;
    memset(v + ((pos + i) >> 3), 0xff, (size_t)bytes);
    for (i += bytes << 3; i < n; i++) v[(pos + i) >> 3] |= (uint8_t)(1u << ((pos + i) & 7));
    *nn = k;
    c->null_count += n - k;
    return 0;
}

/* ---- dictionary ---------------------------------------------------------------------------- */

static int read_dict(colread *c, const uint8_t *p, size_t len, int64_t n, int enc) {
    if (enc != OUPS_PQ_ENC_PLAIN && enc != OUPS_PQ_ENC_PLAIN_DICTIONARY)
        return corrupt(c, "dictionary page encoding is not PLAIN");
    if (n < 0) return corrupt(c, "negative dictionary size");
    c->dict.len = 0;
    c->dict_n = 0;
    c->has_dict = false;
    OUPS_TRY(oups_bytes_reserve(&c->dict, 16)); /* never NULL, even for empty values */
    if (c->l->el->type == OUPS_PQ_BOOLEAN)
        return oups_error_set(OUPS_EUNSUPPORTED, "%s: column '%s': dictionary-encoded booleans", c->r->name,
                              c->l->name);
    if (c->l->el->type == OUPS_PQ_BYTE_ARRAY) {
        if ((uint64_t)n > len / 4) return corrupt(c, "dictionary count larger than its page");
        oups_free(c->dict_offs);
        c->dict_offs = oups_malloc_array((size_t)n + 1, sizeof(int64_t));
        if (!c->dict_offs) return OUPS_ENOMEM;
        OUPS_TRY(located(c, oups_plain_decode_byte_array(p, p + len, n, c->dict_offs, &c->dict, NULL)));
        OUPS_TRY(oups_bytes_reserve(&c->dict, 16)); /* byte_values copies short strings 16 bytes at a time */
    } else {
        if ((uint64_t)n > len / (size_t)c->pw) return corrupt(c, "dictionary count larger than its page");
        OUPS_TRY(oups_bytes_append(&c->dict, p, (size_t)n * (size_t)c->pw));
    }
    c->dict_n = n;
    c->has_dict = true;
    return 0;
}

/* Dictionary indices of nn values: bit width byte then RLE/bit-packed hybrid. */
static int read_indices(colread *c, const uint8_t *p, const uint8_t *end, int64_t nn, const uint32_t **out) {
    if (!c->has_dict && nn > 0) return corrupt(c, "dictionary-encoded page without a dictionary page");
    uint32_t *idx = scratch(&c->idx, (size_t)nn * 4);
    if (!idx) return OUPS_ENOMEM;
    if (nn > 0) {
        if (p >= end) return corrupt(c, "missing dictionary index bit width");
        int bw = *p++;
        if (bw > 32) return corrupt(c, "dictionary index bit width above 32");
        OUPS_TRY(located(c, oups_rle_decode_u32(p, end, bw, idx, nn, NULL)));
    }
    /* Signed max (vectorised with baseline SSE2, unlike an unsigned one), the top bits apart. */
    int32_t mx = 0;
    uint32_t top = 0;
    for (int64_t i = 0; i < nn; i++) {
        int32_t x = (int32_t)(idx[i] & 0x7fffffffu);
        top |= idx[i];
        mx = x > mx ? x : mx;
    }
    if (nn > 0 && ((top >> 31) || (int64_t)mx >= c->dict_n)) return corrupt(c, "dictionary index out of range");
    *out = idx;
    return 0;
}

/* ---- fixed-width physical values ----------------------------------------------------------- */

static void gather_fixed(uint8_t *dst, const uint8_t *dict, const uint32_t *idx, int64_t nn, int w) {
    if (w == 4) {
        uint32_t *d = (uint32_t *)(void *)dst;
        for (int64_t i = 0; i < nn; i++) memcpy(&d[i], dict + (size_t)idx[i] * 4, 4);
    } else if (w == 8) {
        uint64_t *d = (uint64_t *)(void *)dst;
        for (int64_t i = 0; i < nn; i++) memcpy(&d[i], dict + (size_t)idx[i] * 8, 8);
    } else {
        for (int64_t i = 0; i < nn; i++) memcpy(dst + i * w, dict + (size_t)idx[i] * (size_t)w, (size_t)w);
    }
}

/* nn physical values as a dense array (`*out`), decoded into `want` when not PLAIN. When
 * `want` is given and the values were copied there, `*out == want`. */
static int phys_values(colread *c, int enc, const uint8_t *p, const uint8_t *end, int64_t nn, uint8_t *want,
                       const uint8_t **out) {
    size_t bytes = (size_t)nn * (size_t)c->pw;
    int type = c->l->el->type;
    uint8_t *dst = want;
    if (enc != OUPS_PQ_ENC_PLAIN && !dst) {
        dst = scratch(&c->phys, bytes);
        if (!dst) return OUPS_ENOMEM;
    }
    switch (enc) {
    case OUPS_PQ_ENC_PLAIN:
        if ((size_t)(end - p) < bytes) return corrupt(c, "PLAIN values end past the page");
        *out = p;
        return 0;
    case OUPS_PQ_ENC_PLAIN_DICTIONARY:
    case OUPS_PQ_ENC_RLE_DICTIONARY: {
        const uint32_t *idx;
        OUPS_TRY(read_indices(c, p, end, nn, &idx));
        gather_fixed(dst, c->dict.data, idx, nn, c->pw);
        break;
    }
    case OUPS_PQ_ENC_DELTA_BINARY_PACKED: {
        int64_t got = 0;
        if (type == OUPS_PQ_INT32)
            OUPS_TRY(located(c, oups_delta_decode_i32(p, end, (int32_t *)(void *)dst, nn, &got, NULL)));
        else if (type == OUPS_PQ_INT64)
            OUPS_TRY(located(c, oups_delta_decode_i64(p, end, (int64_t *)(void *)dst, nn, &got, NULL)));
        else return corrupt(c, "DELTA_BINARY_PACKED on a non-integer column");
        if (got != nn) return corrupt(c, "DELTA_BINARY_PACKED has fewer values than the page");
        break;
    }
    case OUPS_PQ_ENC_BYTE_STREAM_SPLIT:
        OUPS_TRY(located(c, oups_bss_decode(p, end, c->pw, nn, dst)));
        break;
    case OUPS_PQ_ENC_DELTA_BYTE_ARRAY: {
        if (type != OUPS_PQ_FLBA) return corrupt(c, "DELTA_BYTE_ARRAY on a fixed-width column");
        int64_t *o = scratch(&c->tmp_offs, ((size_t)nn + 1) * 8);
        if (!o) return OUPS_ENOMEM;
        c->tmp.len = 0;
        OUPS_TRY(oups_bytes_reserve(&c->tmp, 16));
        OUPS_TRY(located(c, oups_delta_byte_array_decode(p, end, nn, o, &c->tmp, NULL)));
        for (int64_t i = 0; i < nn; i++)
            if (o[i + 1] - o[i] != c->pw) return corrupt(c, "DELTA_BYTE_ARRAY value length differs from type_length");
        memcpy(dst, c->tmp.data, bytes);
        break;
    }
    default: {
        char e[16];
        snprintf(e, sizeof e, "%d", enc);
        return oups_error_set(OUPS_EUNSUPPORTED, "%s: column '%s': row group %d: page %d: encoding %s",
                              c->r->name, c->l->name, c->rg, c->page, e);
    }
    }
    *out = dst;
    return 0;
}

/* Physical -> output conversion of nn dense values. */
static int convert(colread *c, uint8_t *dst, const uint8_t *src, int64_t nn) {
    switch (c->l->conv) {
    case OUPS_PQR_COPY:
        if (dst != src) memcpy(dst, src, (size_t)nn * (size_t)c->pw);
        break;
    case OUPS_PQR_I32_TO_8:
        for (int64_t i = 0; i < nn; i++) dst[i] = (uint8_t)oups_load_u32le(src + 4 * i);
        break;
    case OUPS_PQR_I32_TO_16:
        for (int64_t i = 0; i < nn; i++) {
            uint16_t v = (uint16_t)oups_load_u32le(src + 4 * i);
            memcpy(dst + 2 * i, &v, 2);
        }
        break;
    case OUPS_PQR_INT96:
        for (int64_t i = 0; i < nn; i++) {
            int64_t v = oups_parquet__int96_to_ns(src + 12 * i);
            memcpy(dst + 8 * i, &v, 8);
        }
        break;
    case OUPS_PQR_F16:
        for (int64_t i = 0; i < nn; i++) {
            float f = oups_parquet__half_to_float((uint16_t)(src[2 * i] | src[2 * i + 1] << 8));
            memcpy(dst + 4 * i, &f, 4);
        }
        break;
    case OUPS_PQR_DEC_I32:
    case OUPS_PQR_DEC_I64:
        for (int64_t i = 0; i < nn; i++) {
            int64_t v = c->pw == 4 ? (int64_t)(int32_t)oups_load_u32le(src + 4 * i)
                                   : (int64_t)oups_load_u64le(src + 8 * i);
            uint64_t hi = v < 0 ? UINT64_MAX : 0;
            memcpy(dst + 16 * i, &v, 8);
            memcpy(dst + 16 * i + 8, &hi, 8);
        }
        break;
    case OUPS_PQR_DEC_FLBA:
        for (int64_t i = 0; i < nn; i++)
            if (!oups_parquet__be_to_dec128(dst + 16 * i, src + (size_t)i * (size_t)c->pw, c->pw))
                return corrupt(c, "decimal value does not fit in 128 bits");
        break;
    default:
        return corrupt(c, "internal: bad conversion");
    }
    return 0;
}

/* Spread nn dense values of width w over rows [pos, pos+n) by the validity bits. */
static void scatter_fixed(colread *c, const uint8_t *src, int64_t n) {
    int w = c->ow;
    uint8_t *dst = c->vals + (size_t)c->pos * (size_t)w;
    const uint8_t *v = c->valid;
    int64_t pos = c->pos, k = 0;
    for (int64_t i = 0; i < n; i++) {
        if ((v[(pos + i) >> 3] >> ((pos + i) & 7)) & 1) {
            memcpy(dst + i * w, src + k * w, (size_t)w);
            k++;
        } else {
            memset(dst + i * w, 0, (size_t)w);
        }
    }
}

/* ---- byte arrays --------------------------------------------------------------------------- */

/* Decode nn byte arrays to offsets `o` (nn+1 entries, o[0] = data len) appending to `data`. */
static int byte_values(colread *c, int enc, const uint8_t *p, const uint8_t *end, int64_t nn, int64_t *o,
                       oups_bytes *data) {
    switch (enc) {
    case OUPS_PQ_ENC_PLAIN: return located(c, oups_plain_decode_byte_array(p, end, nn, o, data, NULL));
    case OUPS_PQ_ENC_DELTA_LENGTH_BYTE_ARRAY: return located(c, oups_delta_length_decode(p, end, nn, o, data, NULL));
    case OUPS_PQ_ENC_DELTA_BYTE_ARRAY: return located(c, oups_delta_byte_array_decode(p, end, nn, o, data, NULL));
    case OUPS_PQ_ENC_PLAIN_DICTIONARY:
    case OUPS_PQ_ENC_RLE_DICTIONARY: {
        const uint32_t *idx;
        OUPS_TRY(read_indices(c, p, end, nn, &idx));
        const int64_t *d = c->dict_offs;
        int64_t total = 0;
        for (int64_t i = 0; i < nn; i++) total += d[idx[i] + 1] - d[idx[i]];
        OUPS_TRY(check_cap(c, (int64_t)data->len + total, "decoded strings"));
        OUPS_TRY(oups_bytes_reserve(data, (size_t)total + 16));
        uint8_t *q = data->data + data->len;
        const uint8_t *src = c->dict.data;
        int64_t at = (int64_t)data->len;
        o[0] = at;
        for (int64_t i = 0; i < nn; i++) {
            int64_t s = d[idx[i]], len = d[idx[i] + 1] - s;
            /* Short strings (symbols, codes): one fixed 16-byte copy instead of a memcpy call;
             * both buffers have 16 bytes of slack (reserved above and in read_dict). */
            if (len <= 16) memcpy(q, src + s, 16);
            else memcpy(q, src + s, (size_t)len);
            q += len;
            at += len;
            o[i + 1] = at;
        }
        data->len = (size_t)at;
        return 0;
    }
    default: {
        char e[16];
        snprintf(e, sizeof e, "%d", enc);
        return oups_error_set(OUPS_EUNSUPPORTED, "%s: column '%s': row group %d: page %d: encoding %s",
                              c->r->name, c->l->name, c->rg, c->page, e);
    }
    }
}

/* ---- one page's values --------------------------------------------------------------------- */

static int read_values(colread *c, int enc, const uint8_t *p, const uint8_t *end, int64_t n, int64_t nn) {
    bool dense = nn == n; /* no nulls in this page: decode straight into the output */
    switch (c->l->conv) {
    case OUPS_PQR_BOOL: {
        uint8_t *bits = dense ? c->vals : scratch(&c->dense, (size_t)nn / 8 + 1);
        int64_t off = dense ? c->pos : 0;
        if (!bits) return OUPS_ENOMEM;
        if (!dense) memset(bits, 0, (size_t)nn / 8 + 1);
        if (enc == OUPS_PQ_ENC_PLAIN) {
            OUPS_TRY(located(c, oups_plain_decode_bool(p, end, nn, bits, off)));
        } else if (enc == OUPS_PQ_ENC_RLE) {
            if (end - p < 4) return corrupt(c, "RLE booleans without their length");
            uint32_t len = oups_load_u32le(p);
            if (len > (size_t)(end - p - 4)) return corrupt(c, "RLE booleans longer than the page");
            uint32_t *v = scratch(&c->idx, (size_t)nn * 4);
            if (!v) return OUPS_ENOMEM;
            OUPS_TRY(located(c, oups_rle_decode_u32(p + 4, p + 4 + len, 1, v, nn, NULL)));
            for (int64_t i = 0; i < nn; i++)
                if (v[i]) bits[(off + i) >> 3] |= (uint8_t)(1u << ((off + i) & 7));
        } else {
            return oups_error_set(OUPS_EUNSUPPORTED, "%s: column '%s': row group %d: page %d: boolean encoding %d",
                                  c->r->name, c->l->name, c->rg, c->page, enc);
        }
        if (!dense) {
            int64_t k = 0;
            for (int64_t i = 0; i < n; i++) {
                int64_t row = c->pos + i;
                if ((c->valid[row >> 3] >> (row & 7)) & 1) {
                    if ((bits[k >> 3] >> (k & 7)) & 1) c->vals[row >> 3] |= (uint8_t)(1u << (row & 7));
                    k++;
                }
            }
        }
        return 0;
    }
    case OUPS_PQR_BYTES:
    case OUPS_PQR_FLBA_BYTES: {
        int64_t *o = dense ? c->offs + c->pos : scratch(&c->offs_s, ((size_t)nn + 1) * 8);
        if (!o) return OUPS_ENOMEM;
        if (c->l->conv == OUPS_PQR_BYTES) {
            OUPS_TRY(byte_values(c, enc, p, end, nn, o, &c->data));
        } else {
            const uint8_t *src;
            OUPS_TRY(phys_values(c, enc, p, end, nn, NULL, &src));
            OUPS_TRY(check_cap(c, (int64_t)c->data.len + nn * c->pw, "decoded bytes"));
            int64_t at = (int64_t)c->data.len;
            OUPS_TRY(oups_bytes_append(&c->data, src, (size_t)nn * (size_t)c->pw));
            for (int64_t i = 0; i <= nn; i++) o[i] = at + i * c->pw;
        }
        if (!dense) {
            int64_t k = 0, *out = c->offs + c->pos;
            for (int64_t i = 0; i < n; i++) {
                int64_t row = c->pos + i;
                k += (c->valid[row >> 3] >> (row & 7)) & 1;
                out[i + 1] = o[k];
            }
        }
        return 0;
    }
    case OUPS_PQR_DEC_BA: {
        int64_t *o = scratch(&c->offs_s, ((size_t)nn + 1) * 8);
        uint8_t *dst = dense ? c->vals + (size_t)c->pos * 16 : scratch(&c->dense, (size_t)nn * 16);
        if (!o || !dst) return OUPS_ENOMEM;
        c->tmp.len = 0;
        OUPS_TRY(oups_bytes_reserve(&c->tmp, 16));
        OUPS_TRY(byte_values(c, enc, p, end, nn, o, &c->tmp));
        for (int64_t i = 0; i < nn; i++)
            if (!oups_parquet__be_to_dec128(dst + 16 * i, c->tmp.data + o[i], o[i + 1] - o[i]))
                return corrupt(c, "decimal value does not fit in 128 bits");
        if (!dense) scatter_fixed(c, dst, n);
        return 0;
    }
    default: {
        uint8_t *dst = dense ? c->vals + (size_t)c->pos * (size_t)c->ow : scratch(&c->dense, (size_t)nn * c->ow);
        if (!dst) return OUPS_ENOMEM;
        const uint8_t *src;
        /* COPY columns decode dictionaries, deltas and BSS straight into the destination. */
        OUPS_TRY(phys_values(c, enc, p, end, nn, c->l->conv == OUPS_PQR_COPY ? dst : NULL, &src));
        OUPS_TRY(convert(c, dst, src, nn));
        if (!dense) scatter_fixed(c, dst, n);
        return 0;
    }
    }
}

/* ---- pages ------------------------------------------------------------------------------- */

/* Decompress [p, p+n) to exactly `ulen` bytes (or pass it through when uncompressed). */
static int inflate(colread *c, const uint8_t *p, size_t n, int64_t ulen, const uint8_t **out, size_t *out_len) {
    if (c->codec == OUPS_CODEC_UNCOMPRESSED || (n == 0 && ulen == 0)) {
        *out = p;
        *out_len = n;
        return 0;
    }
    if (ulen < 0 || ulen > INT32_MAX) return corrupt(c, "bad uncompressed page size");
    OUPS_TRY(check_cap(c, ulen, "uncompressed page"));
    uint8_t *dst = scratch(&c->pagebuf, (size_t)ulen);
    if (!dst) return OUPS_ENOMEM;
    char what[256];
    snprintf(what, sizeof what, "%s: column '%s': row group %d: page %d", c->r->name, c->l->name, c->rg, c->page);
    OUPS_TRY(oups_codec_decompress((oups_codec)c->codec, p, n, dst, (size_t)ulen, what));
    *out = dst;
    *out_len = (size_t)ulen;
    return 0;
}

static int read_page_v1(colread *c, const oups_pq_page_header *h, const uint8_t *body, int64_t rows_left) {
    const oups_pq_data_page_v1 *d = &h->data_v1;
    int64_t n = d->num_values;
    if (n < 0 || n > rows_left) return corrupt(c, "page has more values than its row group has rows");
    if (n == 0) return 0;
    const uint8_t *p;
    size_t len;
    OUPS_TRY(inflate(c, body, (size_t)h->compressed_page_size, h->uncompressed_page_size, &p, &len));
    const uint8_t *end = p + len;
    int64_t nn = n;
    if (c->l->max_def > 0) {
        if (d->def_level_encoding != OUPS_PQ_ENC_RLE)
            return oups_error_set(OUPS_EUNSUPPORTED, "%s: column '%s': row group %d: page %d: BIT_PACKED levels",
                                  c->r->name, c->l->name, c->rg, c->page);
        if (end - p < 4) return corrupt(c, "definition levels truncated");
        uint32_t ll = oups_load_u32le(p);
        if (ll > (size_t)(end - p - 4)) return corrupt(c, "definition levels longer than the page");
        OUPS_TRY(read_levels(c, p + 4, p + 4 + ll, n, &nn));
        p += 4 + ll;
    }
    OUPS_TRY(read_values(c, d->encoding, p, end, n, nn));
    c->pos += n;
    return 0;
}

static int read_page_v2(colread *c, const oups_pq_page_header *h, const uint8_t *body, int64_t rows_left) {
    const oups_pq_data_page_v2 *d = &h->data_v2;
    int64_t n = d->num_values;
    if (n < 0 || n > rows_left || d->num_rows != n)
        return corrupt(c, "page value/row counts do not match its row group");
    int64_t rl = d->rep_levels_byte_length, dl = d->def_levels_byte_length, comp = h->compressed_page_size;
    if (rl < 0 || dl < 0 || rl + dl > comp || rl + dl > h->uncompressed_page_size)
        return corrupt(c, "level lengths larger than the page");
    if (n == 0) return 0;
    int64_t nn = n, ulen = h->uncompressed_page_size - rl - dl;
    if (c->l->max_def > 0) OUPS_TRY(read_levels(c, body + rl, body + rl + dl, n, &nn));
    if (c->l->max_def == 0 && d->num_nulls != 0) return corrupt(c, "nulls in a required column");
    const uint8_t *vals = body + rl + dl;
    if (d->is_compressed && c->codec != OUPS_CODEC_UNCOMPRESSED && nn == n && d->encoding == OUPS_PQ_ENC_PLAIN &&
        c->l->conv == OUPS_PQR_COPY && ulen == n * c->pw && comp > rl + dl) {
        /* Fixed-width PLAIN values without nulls: decompress straight into the column. */
        char what[256];
        snprintf(what, sizeof what, "%s: column '%s': row group %d: page %d", c->r->name, c->l->name, c->rg,
                 c->page);
        OUPS_TRY(oups_codec_decompress((oups_codec)c->codec, vals, (size_t)(comp - rl - dl),
                                       c->vals + (size_t)c->pos * (size_t)c->ow, (size_t)ulen, what));
        c->pos += n;
        return 0;
    }
    const uint8_t *p = vals;
    size_t len = (size_t)(comp - rl - dl);
    if (d->is_compressed) OUPS_TRY(inflate(c, vals, len, ulen, &p, &len));
    OUPS_TRY(read_values(c, d->encoding, p, p + len, n, nn));
    c->pos += n;
    return 0;
}

/* Checks of column chunk `rg` of the leaf before reading it; start and len get its byte range. */
static int chunk_begin(colread *c, int rg, int64_t *start, int64_t *len) {
    oups_parquet_reader *r = c->r;
    int leaf = (int)(c->l - r->leaves);
    const oups_pq_column_chunk *cc = &r->meta.row_groups[rg].columns[leaf];
    const oups_pq_column_meta *m = &cc->meta;
    c->rg = rg;
    c->page = -1;
    c->has_dict = false;
    if (!cc->has_meta) return corrupt(c, "column chunk without metadata");
    if (cc->file_path.ptr)
        return oups_error_set(OUPS_EUNSUPPORTED, "%s: column '%s': row group %d: data in another file", r->name,
                              c->l->name, rg);
    if (m->type != c->l->el->type) return corrupt(c, "chunk type differs from the schema");
    c->codec = m->codec;
    *start = *len = 0;
    if (r->meta.row_groups[rg].num_rows == 0) return 0; /* nothing read: the range is not checked */
    /* Some writers record dictionary_page_offset 0 (or garbage) when there is none: trust it
     * only when it points before the first data page. */
    *start = m->data_page_offset;
    if (m->dictionary_page_offset >= 4 && m->dictionary_page_offset < *start) *start = m->dictionary_page_offset;
    *len = m->total_compressed_size;
    if (*start < 4 || *len <= 0 || *start > r->size - 8 || *len > r->size - 8 - *start)
        return corrupt(c, "column chunk byte range outside the file");
    return 0;
}

/* Bytes [start, start+len) of the file, then [start2, start2+len2) right after them in the
 * same scratch (len2 may be 0); memory images are used in place when there is one range. */
static int fetch(colread *c, const uint8_t **out, int64_t start, int64_t len, int64_t start2, int64_t len2) {
    oups_parquet_reader *r = c->r;
    atomic_fetch_add_explicit(&r->bytes_read, len + len2, memory_order_relaxed);
    if (r->fd < 0 && len2 == 0) {
        *out = r->mem + start;
        return 0;
    }
    uint8_t *buf = scratch(&c->chunk, (size_t)(len + len2));
    if (!buf) return OUPS_ENOMEM;
    if (r->fd < 0) {
        memcpy(buf, r->mem + start, (size_t)len);
        memcpy(buf + len, r->mem + start2, (size_t)len2);
    } else {
        OUPS_TRY(oups_io_pread(r->fd, buf, (size_t)len, start, r->name));
        if (len2) OUPS_TRY(oups_io_pread(r->fd, buf + len, (size_t)len2, start2, r->name));
    }
    *out = buf;
    return 0;
}

/* Decode the pages in [p, end) until `rows` more rows are read (rows < 0: every page of the
 * range, which may hold no data rows: a dictionary); pages are numbered from `first_page`. */
static int decode_pages(colread *c, const uint8_t *p, const uint8_t *end, int64_t rows, int first_page) {
    oups_parquet_reader *r = c->r;
    int64_t done_at = c->pos + (rows > 0 ? rows : 0);
    char what[256];
    for (c->page = first_page; rows < 0 ? p < end : c->pos < done_at; c->page++) {
        if (p >= end) return corrupt(c, "column chunk ends before all rows were read");
        oups_pq_page_header h;
        size_t hl;
        snprintf(what, sizeof what, "%s: column '%s': row group %d: page %d header", r->name, c->l->name, c->rg,
                 c->page);
        const uint8_t *hdr = p;
        OUPS_TRY(oups_parquet__parse_page_header(&h, p, (size_t)(end - p), &hl, what));
        p += hl;
        if (h.compressed_page_size > end - p) return corrupt(c, "page ends past its column chunk");
        const uint8_t *body = p;
        p += h.compressed_page_size;
        uint32_t body_crc = h.has_crc || r->page_crcs ? oups_crc32(0, body, (size_t)h.compressed_page_size) : 0;
#ifndef OUPS_FUZZING
        if (h.has_crc && body_crc != (uint32_t)h.crc) return corrupt(c, "page CRC mismatch");
#endif
        OUPS_TRY(oups_parquet__page_crc_check(r, c->rg, (int)(c->l - r->leaves), c->crc_next++, body_crc, hdr, hl));
        int rc = 0;
        if (h.type == OUPS_PQ_PAGE_DICTIONARY && h.has_dict) {
            const uint8_t *d;
            size_t dlen;
            rc = inflate(c, body, (size_t)h.compressed_page_size, h.uncompressed_page_size, &d, &dlen);
            if (rc == 0) rc = read_dict(c, d, dlen, h.dict.num_values, h.dict.encoding);
        } else if (h.type == OUPS_PQ_PAGE_DATA && h.has_data_v1) {
            rc = read_page_v1(c, &h, body, done_at - c->pos);
            atomic_fetch_add_explicit(&r->pages_decoded, 1, memory_order_relaxed);
        } else if (h.type == OUPS_PQ_PAGE_DATA_V2 && h.has_data_v2) {
            rc = read_page_v2(c, &h, body, done_at - c->pos);
            atomic_fetch_add_explicit(&r->pages_decoded, 1, memory_order_relaxed);
        } else if (h.type == OUPS_PQ_PAGE_DATA || h.type == OUPS_PQ_PAGE_DATA_V2 || h.type == OUPS_PQ_PAGE_DICTIONARY) {
            rc = corrupt(c, "page header without its page-type header");
        } /* index pages and unknown page types are skipped */
        if (rc) return rc;
    }
    return 0;
}

static int read_chunk(colread *c, int rg) {
    int64_t start = 0, len = 0, rows = c->r->meta.row_groups[rg].num_rows; /* zeroed for -O3 */
    OUPS_TRY(chunk_begin(c, rg, &start, &len));
    if (rows == 0) return 0;
    const uint8_t *p;
    OUPS_TRY(fetch(c, &p, start, len, 0, 0));
    c->crc_next = 0;
    return decode_pages(c, p, p + len, rows, 0);
}

/* ---- the column ---------------------------------------------------------------------------- */

static void colread_free(colread *c) {
    oups_buffer_release(c->vbuf);
    oups_buffer_release(c->valbuf);
    oups_buffer_release(c->offbuf);
    oups_bytes_free(&c->data);
    oups_bytes_free(&c->dict);
    oups_free(c->dict_offs);
    oups_bytes *s[] = {&c->chunk, &c->pagebuf, &c->phys, &c->dense, &c->tmp, &c->offs_s, &c->tmp_offs, &c->levels, &c->idx};
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++) oups_bytes_free(s[i]);
}

static int finish(oups_column **out, colread *c) {
    oups_buffer *validity = NULL, *offsets = NULL, *data = NULL;
    if (c->valbuf && c->null_count > 0) validity = c->valbuf;
    else oups_buffer_release(c->valbuf);
    c->valbuf = NULL;
    if (c->offbuf) {
        offsets = c->offbuf;
        c->offbuf = NULL;
        int rc = c->data.data ? oups_buffer_wrap(&data, c->data.data, (int64_t)c->data.len, oups_free, c->data.data)
                              : oups_buffer_new(&data, 0);
        if (rc < 0) {
            oups_buffer_release(validity);
            oups_buffer_release(offsets);
            return rc;
        }
        c->data.data = NULL; /* now owned by the buffer */
        c->data.len = c->data.cap = 0;
    } else {
        data = c->vbuf;
        c->vbuf = NULL;
    }
    return oups_column_new(out, &c->l->type, c->n_total, 0, c->null_count, validity, offsets, data);
}

/* Output buffers for n_total rows of the leaf. */
static int colread_init(colread *c, oups_parquet_reader *r, int leaf, int64_t n_total) {
    memset(c, 0, sizeof *c);
    c->r = r;
    c->l = &r->leaves[leaf];
    c->pw = c->l->phys_width;
    c->ow = oups_datatype_width(c->l->type.id);
    c->n_total = n_total;
    OUPS_TRY(check_cap(c, c->n_total * (c->ow > 8 ? c->ow : 8), "column"));
    bool bytes = c->l->conv == OUPS_PQR_BYTES || c->l->conv == OUPS_PQR_FLBA_BYTES;
    if (bytes) OUPS_TRY(oups_buffer_new(&c->offbuf, (c->n_total + 1) * 8));
    else if (c->l->conv == OUPS_PQR_BOOL) OUPS_TRY(oups_buffer_new_zeroed(&c->vbuf, (c->n_total + 7) / 8));
    else OUPS_TRY(oups_buffer_new(&c->vbuf, c->n_total * c->ow));
    if (c->l->max_def > 0) OUPS_TRY(oups_buffer_new_zeroed(&c->valbuf, (c->n_total + 7) / 8));
    if (bytes) OUPS_TRY(oups_bytes_reserve(&c->data, 64)); /* decoders memcpy into it */
    if (c->vbuf) c->vals = oups_buffer_data(c->vbuf);
    if (c->valbuf) c->valid = oups_buffer_data(c->valbuf);
    if (c->offbuf) {
        c->offs = (int64_t *)(void *)oups_buffer_data(c->offbuf);
        c->offs[0] = 0;
    }
    return 0;
}

int oups_parquet__read_column(oups_column **out, oups_parquet_reader *r, int leaf, const int *rgs, int n_rg) {
    *out = NULL;
    colread c;
    int64_t n_total = 0;
    for (int i = 0; i < n_rg; i++) n_total += r->meta.row_groups[rgs[i]].num_rows;
    int rc = colread_init(&c, r, leaf, n_total);
    for (int i = 0; rc == 0 && i < n_rg; i++) rc = read_chunk(&c, rgs[i]);
    if (rc == 0) rc = finish(out, &c);
    colread_free(&c);
    return rc;
}

int oups_parquet__read_column_span(oups_column **out, oups_parquet_reader *r, int leaf, int rg, int64_t dict_len,
                                   int64_t off, int64_t len, int64_t rows, int first_page) {
    *out = NULL;
    colread c;
    int64_t start = 0, clen = 0; /* set by chunk_begin; zeroed for -O3's maybe-uninitialized */
    int rc = colread_init(&c, r, leaf, rows);
    if (rc == 0) rc = chunk_begin(&c, rg, &start, &clen);
    if (rc == 0 && (dict_len < 0 || dict_len > clen || off < start + dict_len || len < 0 || off + len > start + clen))
        rc = corrupt(&c, "page index locations outside the column chunk");
    const uint8_t *p = NULL;
    if (rc == 0) rc = dict_len ? fetch(&c, &p, start, dict_len, off, len) : fetch(&c, &p, off, len, 0, 0);
    if (rc == 0 && dict_len) rc = decode_pages(&c, p, p + dict_len, -1, -1);
    c.crc_next += first_page; /* data page first_page follows the dictionary page(s) */
    if (rc == 0) rc = decode_pages(&c, p + dict_len, p + dict_len + len, rows, first_page);
    if (rc == 0) rc = finish(out, &c);
    colread_free(&c);
    return rc;
}
