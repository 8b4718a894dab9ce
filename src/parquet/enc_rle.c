/*
 * parquet/enc_rle.c: the RLE / bit-packed hybrid encoding (Encodings.md "Run Length Encoding /
 * Bit-Packing Hybrid") used for levels, dictionary indices and v2 booleans, plus the helpers
 * every encoding file shares: ULEB128 varints and LSB-first bit packing of 0..64-bit values.
 * Invariant: decoders read only inside [p, end); every run header consumes at least one byte,
 * so a hostile stream cannot loop forever; output is bounded by the caller's n.
 */
#include "parquet/encoding.h"

int oups_enc__read_uleb(const uint8_t **pp, const uint8_t *end, uint64_t *v) {
    const uint8_t *p = *pp;
    uint64_t r = 0;
    for (int s = 0; s < 70; s += 7) {
        if (p >= end) return oups_error_set(OUPS_ECORRUPT, "truncated varint");
        uint8_t b = *p++;
        if (s == 63 && (b & 0x7e)) return oups_error_set(OUPS_ECORRUPT, "varint overflows 64 bits");
        r |= (uint64_t)(b & 0x7f) << s;
        if (!(b & 0x80)) {
            *pp = p;
            *v = r;
            return 0;
        }
    }
    return oups_error_set(OUPS_ECORRUPT, "varint longer than 10 bytes");
}

int oups_enc__write_uleb(oups_bytes *out, uint64_t v) {
    uint8_t buf[10];
    int n = 0;
    do {
        uint8_t b = v & 0x7f;
        v >>= 7;
        buf[n++] = (uint8_t)(b | (v ? 0x80 : 0));
    } while (v);
    return oups_bytes_append(out, buf, (size_t)n);
}

void oups_enc__unpack(const uint8_t *p, size_t avail, uint64_t bitpos, int w, uint64_t *out, int64_t n) {
    if (w == 0) {
        memset(out, 0, (size_t)n * sizeof *out);
        return;
    }
    const uint64_t mask = w == 64 ? ~(uint64_t)0 : (((uint64_t)1 << w) - 1);
    if (w <= 56 && ((bitpos + (uint64_t)n * (uint64_t)w) >> 3) + 8 <= avail) {
        /* fast path: every value lies within one unaligned 8-byte load inside the input */
        int64_t i = 0;
        if ((bitpos & 7) == 0) { /* groups of 8 values are w bytes: fixed offsets, independent loads */
            unsigned off[8], sh[8];
            for (int r = 0; r < 8; r++) {
                off[r] = (unsigned)(r * w) >> 3;
                sh[r] = (unsigned)(r * w) & 7;
            }
            const uint8_t *q = p + (bitpos >> 3);
            for (; i + 8 <= n; i += 8, q += w)
                for (int r = 0; r < 8; r++) out[i + r] = (oups_load_u64le(q + off[r]) >> sh[r]) & mask;
            bitpos += (uint64_t)i * (uint64_t)w;
        }
        for (; i < n; i++, bitpos += (uint64_t)w)
            out[i] = (oups_load_u64le(p + (bitpos >> 3)) >> (bitpos & 7)) & mask;
        return;
    }
    for (int64_t i = 0; i < n; i++, bitpos += (uint64_t)w) {
        size_t byte = (size_t)(bitpos >> 3);
        unsigned sh = (unsigned)(bitpos & 7);
        uint64_t lo;
        if (byte + 8 <= avail) {
            lo = oups_load_u64le(p + byte);
        } else {
            uint8_t tmp[8] = {0};
            memcpy(tmp, p + byte, avail - byte);
            lo = oups_load_u64le(tmp);
        }
        uint64_t v = lo >> sh;
        if (sh + (unsigned)w > 64) {
            uint64_t hi = byte + 8 < avail ? p[byte + 8] : 0;
            v |= hi << (64 - sh);
        }
        out[i] = v & mask;
    }
}

int oups_enc__pack(oups_bytes *out, const uint64_t *v, int64_t n, int w) {
    size_t nbytes = (size_t)(((uint64_t)n * (uint64_t)w + 7) / 8);
    OUPS_TRY(oups_bytes_reserve(out, nbytes));
    uint8_t *d = out->data + out->len;
    const uint64_t mask = w == 64 ? ~(uint64_t)0 : (((uint64_t)1 << w) - 1);
    uint64_t acc = 0; /* the low `nb` bits are pending output */
    int nb = 0;
    size_t pos = 0;
    for (int64_t i = 0; i < n; i++) {
        uint64_t x = v[i] & mask;
        acc |= x << nb;
        if (nb + w >= 64) {
            oups_store_u64le(d + pos, acc);
            pos += 8;
            acc = nb ? x >> (64 - nb) : 0;
            nb = nb + w - 64;
        } else {
            nb += w;
        }
    }
    for (; nb > 0; nb -= 8, acc >>= 8) d[pos++] = (uint8_t)acc;
    out->len += nbytes;
    return 0;
}

int oups_bit_width(uint64_t max_value) { return max_value ? 64 - __builtin_clzll(max_value) : 0; }

/* The leading whole groups of 8 values of a bit-packed run (width bw <= 32) straight into the
 * output, as long as an 8-byte load at each value stays inside the `avail` input bytes; returns
 * the values done (a multiple of 8; the rest goes through oups_enc__unpack). A group of 8
 * values is bw bytes, so each value's byte offset and shift within its group are fixed for
 * the run: eight independent loads per group, no running bit position (dictionary indices
 * and levels are most of a dictionary-encoded column's decode time). */
static int64_t unpack_groups(const uint8_t *p, size_t avail, int bw, uint32_t *o32, uint16_t *o16, int64_t take) {
    size_t last = (size_t)(7 * bw) >> 3; /* byte offset of a group's last value */
    if (bw == 0 || avail < last + 8) return 0;
    int64_t n_groups = (int64_t)((avail - last - 8) / (size_t)bw) + 1; /* groups g with g*bw + last + 8 <= avail */
    if (n_groups > take / 8) n_groups = take / 8;
    const uint64_t mask = ((uint64_t)1 << bw) - 1;
    unsigned off[8], sh[8];
    for (int r = 0; r < 8; r++) {
        off[r] = (unsigned)(r * bw) >> 3;
        sh[r] = (unsigned)(r * bw) & 7;
    }
    const uint8_t *q = p;
    if (o32) {
        for (int64_t g = 0; g < n_groups; g++, q += bw, o32 += 8)
            for (int r = 0; r < 8; r++) o32[r] = (uint32_t)((oups_load_u64le(q + off[r]) >> sh[r]) & mask);
    } else {
        for (int64_t g = 0; g < n_groups; g++, q += bw, o16 += 8)
            for (int r = 0; r < 8; r++) o16[r] = (uint16_t)((oups_load_u64le(q + off[r]) >> sh[r]) & mask);
    }
    return n_groups * 8;
}

/* One decoder for both output widths: exactly one of o32 / o16 is non-NULL. */
static int rle_decode(const uint8_t *p, const uint8_t *end, int bw, int max_bw, uint32_t *o32, uint16_t *o16,
                      int64_t n, size_t *consumed) {
    if (bw < 0 || bw > max_bw) return oups_error_set(OUPS_ECORRUPT, "RLE bit width %d outside 0..%d", bw, max_bw);
    if (n < 0) return oups_error_set(OUPS_EINVAL, "negative value count %lld", (long long)n);
    const uint8_t *start = p;
    const size_t vbytes = (size_t)(bw + 7) / 8;
    int64_t i = 0;
    while (i < n) {
        if (p == end && bw == 0) { /* a width-0 stream may be empty: every value is 0 */
            if (o32) memset(o32 + i, 0, (size_t)(n - i) * sizeof *o32);
            else memset(o16 + i, 0, (size_t)(n - i) * sizeof *o16);
            break;
        }
        uint64_t h = 0;
        OUPS_TRY(oups_enc__read_uleb(&p, end, &h));
        if (h > UINT32_MAX) return oups_error_set(OUPS_ECORRUPT, "RLE run header %llu too large", (unsigned long long)h);
        if (h & 1) {
            uint64_t groups = h >> 1;
            int64_t take = (int64_t)(groups * 8) < n - i ? (int64_t)(groups * 8) : n - i;
            size_t avail = (size_t)(end - p);
            size_t need = (size_t)(((uint64_t)take * (uint64_t)bw + 7) / 8);
            if (need > avail)
                return oups_error_set(OUPS_ECORRUPT, "bit-packed run truncated: needs %zu bytes, %zu left", need,
                                      avail);
            size_t run_bytes = (size_t)(groups * (uint64_t)bw);
            size_t have = run_bytes < avail ? run_bytes : avail;
            int64_t k0 = unpack_groups(p, avail, bw, o32 ? o32 + i : NULL, o16 ? o16 + i : NULL, take);
            uint64_t tmp[64];
            for (int64_t k = k0; k < take; k += 64) {
                int64_t m = take - k < 64 ? take - k : 64;
                oups_enc__unpack(p, avail, (uint64_t)k * (uint64_t)bw, bw, tmp, m);
                if (o32)
                    for (int64_t j = 0; j < m; j++) o32[i + k + j] = (uint32_t)tmp[j];
                else
                    for (int64_t j = 0; j < m; j++) o16[i + k + j] = (uint16_t)tmp[j];
            }
            i += take;
            p += have;
        } else {
            uint64_t count = h >> 1;
            if (vbytes > (size_t)(end - p)) return oups_error_set(OUPS_ECORRUPT, "RLE run value truncated");
            uint32_t v = 0;
            for (size_t k = 0; k < vbytes; k++) v |= (uint32_t)p[k] << (8 * k);
            p += vbytes;
            if (bw < 32 && (v >> bw))
                return oups_error_set(OUPS_ECORRUPT, "RLE run value %u does not fit %d bits", v, bw);
            int64_t take = (int64_t)count < n - i ? (int64_t)count : n - i;
            if (o32)
                for (int64_t j = 0; j < take; j++) o32[i + j] = v;
            else
                for (int64_t j = 0; j < take; j++) o16[i + j] = (uint16_t)v;
            i += take;
        }
    }
    if (consumed) *consumed = (size_t)(p - start);
    return 0;
}

int oups_rle_decode_u32(const uint8_t *p, const uint8_t *end, int bit_width, uint32_t *out, int64_t n,
                        size_t *consumed) {
    return rle_decode(p, end, bit_width, 32, out, NULL, n, consumed);
}

int oups_rle_decode_u16(const uint8_t *p, const uint8_t *end, int bit_width, uint16_t *out, int64_t n,
                        size_t *consumed) {
    return rle_decode(p, end, bit_width, 16, NULL, out, n, consumed);
}

static inline uint32_t get_value(const uint32_t *a, const uint16_t *b, int64_t i) { return a ? a[i] : b[i]; }

/* Literal run of values [from, to), zero-padded to a multiple of 8 values. */
static int emit_literal(oups_bytes *out, const uint32_t *a, const uint16_t *b, int64_t from, int64_t to, int bw) {
    int64_t groups = (to - from + 7) / 8;
    OUPS_TRY(oups_enc__write_uleb(out, ((uint64_t)groups << 1) | 1));
    uint64_t tmp[64];
    for (int64_t k = 0; k < groups * 8; k += 64) {
        int64_t m = groups * 8 - k < 64 ? groups * 8 - k : 64;
        for (int64_t j = 0; j < m; j++) tmp[j] = from + k + j < to ? get_value(a, b, from + k + j) : 0;
        OUPS_TRY(oups_enc__pack(out, tmp, m, bw)); /* m is a multiple of 8: byte aligned */
    }
    return 0;
}

static int emit_repeat(oups_bytes *out, uint32_t v, int64_t count, int bw) {
    OUPS_TRY(oups_enc__write_uleb(out, (uint64_t)count << 1));
    uint8_t buf[4];
    int vbytes = (bw + 7) / 8;
    for (int k = 0; k < vbytes; k++) buf[k] = (uint8_t)(v >> (8 * k));
    return oups_bytes_append(out, buf, (size_t)vbytes);
}

/* Runs of >= 8 equal values (after topping pending literals up to a multiple of 8) become
 * repeated runs; everything else goes into bit-packed literal runs. Runs are found with a
 * branch-free count of equal neighbours, so data without runs (dictionary indices of random
 * values) costs no branch mispredictions. */
static int rle_encode(oups_bytes *out, const uint32_t *a, const uint16_t *b, int64_t n, int bw, int max_bw) {
    if (bw < 0 || bw > max_bw) return oups_error_set(OUPS_EINVAL, "RLE bit width %d outside 0..%d", bw, max_bw);
    if (n < 0) return oups_error_set(OUPS_EINVAL, "negative value count %lld", (long long)n);
    uint32_t any = 0;
    if (a)
        for (int64_t i = 0; i < n; i++) any |= a[i];
    else
        for (int64_t i = 0; i < n; i++) any |= b[i];
    if (bw < 32 && (any >> bw))
        for (int64_t i = 0; i < n; i++)
            if (get_value(a, b, i) >> bw)
                return oups_error_set(OUPS_EINVAL, "value %u at %lld does not fit %d bits", get_value(a, b, i),
                                      (long long)i, bw);
    int64_t lit_start = 0, i = 0;
    while (i < n) {
        int64_t start = -1, c = 0;
        if (a) {
            for (int64_t k = i + 1; k < n; k++) {
                c = (c + 1) & -(int64_t)(a[k] == a[k - 1]);
                if (OUPS_UNLIKELY(c >= 7)) {
                    start = k - 7;
                    break;
                }
            }
        } else {
            for (int64_t k = i + 1; k < n; k++) {
                c = (c + 1) & -(int64_t)(b[k] == b[k - 1]);
                if (OUPS_UNLIKELY(c >= 7)) {
                    start = k - 7;
                    break;
                }
            }
        }
        if (start < 0) break; /* no run of 8 left: the rest is literal */
        uint32_t v = get_value(a, b, start);
        int64_t j = start + 8;
        while (j < n && get_value(a, b, j) == v) j++;
        int64_t pad = (8 - (start - lit_start) % 8) % 8;
        if (j - start >= pad + 8) {
            if (start + pad > lit_start) OUPS_TRY(emit_literal(out, a, b, lit_start, start + pad, bw));
            OUPS_TRY(emit_repeat(out, v, j - start - pad, bw));
            lit_start = j;
        }
        i = j;
    }
    if (lit_start < n) OUPS_TRY(emit_literal(out, a, b, lit_start, n, bw));
    return 0;
}

int oups_rle_encode_u32(oups_bytes *out, const uint32_t *v, int64_t n, int bit_width) {
    return rle_encode(out, v, NULL, n, bit_width, 32);
}

int oups_rle_encode_u16(oups_bytes *out, const uint16_t *v, int64_t n, int bit_width) {
    return rle_encode(out, NULL, v, n, bit_width, 16);
}
