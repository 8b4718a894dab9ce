/*
 * parquet/enc_plain.c: PLAIN byte arrays (4-byte little-endian length + bytes), PLAIN booleans
 * (bit-packed, LSB first) and BYTE_STREAM_SPLIT for any fixed width (Encodings.md).
 * Fixed-width PLAIN values are plain memcpy and are left to the page decoder.
 * Invariant: every length is checked against the bytes left before it is used; the output
 * data buffer grows by at most the input size.
 */
#include "parquet/encoding.h"
#include "table/table.h"

int oups_plain_decode_byte_array(const uint8_t *p, const uint8_t *end, int64_t n, int64_t *offsets, oups_bytes *data,
                                 size_t *consumed) {
    /* First pass validates and records lengths, so the data buffer grows once. */
    const uint8_t *q = p;
    size_t total = 0;
    for (int64_t i = 0; i < n; i++) {
        if ((size_t)(end - q) < 4)
            return oups_error_set(OUPS_ECORRUPT, "PLAIN byte array: length of value %lld truncated", (long long)i);
        uint32_t len = oups_load_u32le(q);
        q += 4;
        if (len > (size_t)(end - q))
            return oups_error_set(OUPS_ECORRUPT, "PLAIN byte array: value %lld of %u bytes ends past the page",
                                  (long long)i, len);
        q += len;
        total += len;
        offsets[i + 1] = len;
    }
    OUPS_TRY(oups_bytes_reserve(data, total));
    offsets[0] = (int64_t)data->len;
    q = p;
    for (int64_t i = 0; i < n; i++) {
        size_t len = (size_t)offsets[i + 1];
        if (len) memcpy(data->data + data->len, q + 4, len);
        data->len += len;
        q += 4 + len;
        offsets[i + 1] = (int64_t)data->len;
    }
    if (consumed) *consumed = (size_t)(q - p);
    return 0;
}

int oups_plain_encode_byte_array(oups_bytes *out, const int64_t *offsets, const uint8_t *data, int64_t n) {
    if (n <= 0) return 0;
    OUPS_TRY(oups_bytes_reserve(out, (size_t)(offsets[n] - offsets[0]) + 4 * (size_t)n));
    for (int64_t i = 0; i < n; i++) {
        int64_t len = offsets[i + 1] - offsets[i];
        if (len < 0 || len > INT32_MAX)
            return oups_error_set(OUPS_EOVERFLOW, "byte array value %lld has length %lld", (long long)i, (long long)len);
        oups_store_u32le(out->data + out->len, (uint32_t)len);
        if (len) memcpy(out->data + out->len + 4, data + offsets[i], (size_t)len);
        out->len += 4 + (size_t)len;
    }
    return 0;
}

int oups_bss_decode(const uint8_t *p, const uint8_t *end, int width, int64_t n, uint8_t *out) {
    if (width <= 0 || n < 0) return oups_error_set(OUPS_EINVAL, "BYTE_STREAM_SPLIT width %d, count %lld", width, (long long)n);
    if ((uint64_t)n > (uint64_t)(end - p) / (uint64_t)width)
        return oups_error_set(OUPS_ECORRUPT, "BYTE_STREAM_SPLIT: %lld values of %d bytes need more than the %zu bytes left",
                              (long long)n, width, (size_t)(end - p));
    for (int b = 0; b < width; b++) {
        const uint8_t *s = p + (size_t)b * (size_t)n;
        for (int64_t i = 0; i < n; i++) out[(size_t)i * (size_t)width + (size_t)b] = s[i];
    }
    return 0;
}

int oups_bss_encode(oups_bytes *out, const uint8_t *v, int width, int64_t n) {
    if (width <= 0 || n < 0) return oups_error_set(OUPS_EINVAL, "BYTE_STREAM_SPLIT width %d, count %lld", width, (long long)n);
    size_t total = (size_t)n * (size_t)width;
    OUPS_TRY(oups_bytes_reserve(out, total));
    uint8_t *d = out->data + out->len;
    for (int b = 0; b < width; b++)
        for (int64_t i = 0; i < n; i++) d[(size_t)b * (size_t)n + (size_t)i] = v[(size_t)i * (size_t)width + (size_t)b];
    out->len += total;
    return 0;
}

int oups_plain_decode_bool(const uint8_t *p, const uint8_t *end, int64_t n, uint8_t *out_bits, int64_t out_off) {
    if (n < 0) return oups_error_set(OUPS_EINVAL, "negative value count %lld", (long long)n);
    if ((uint64_t)(n + 7) / 8 > (uint64_t)(end - p))
        return oups_error_set(OUPS_ECORRUPT, "PLAIN booleans: %lld values need %lld bytes, %zu left", (long long)n,
                              (long long)((n + 7) / 8), (size_t)(end - p));
    oups_bits_copy(out_bits, out_off, p, 0, n);
    return 0;
}

int oups_plain_encode_bool(oups_bytes *out, const uint8_t *bits, int64_t off, int64_t n) {
    if (n <= 0) return 0;
    size_t nbytes = (size_t)(n + 7) / 8;
    OUPS_TRY(oups_bytes_reserve(out, nbytes));
    uint8_t *d = out->data + out->len;
    memset(d, 0, nbytes);
    oups_bits_copy(d, 0, bits, off, n);
    out->len += nbytes;
    return 0;
}
