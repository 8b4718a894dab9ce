/*
 * parquet/enc_delta.c: DELTA_BINARY_PACKED (int32/int64), DELTA_LENGTH_BYTE_ARRAY and
 * DELTA_BYTE_ARRAY, decode and encode (Encodings.md). Arithmetic is unsigned 64-bit so it
 * wraps as the spec requires; int32 streams keep the low 32 bits, which is correct whether the
 * writer computed deltas in 32 or 64 bits. Header fields are validated before use (block size
 * a multiple of 128, miniblock size a multiple of 32, widths <= 64); no allocation is sized by
 * a field of the stream; every block consumes input, so hostile totals cannot loop forever.
 */
#include "parquet/encoding.h"

#define DELTA_BLOCK 128
#define DELTA_MINIBLOCKS 4
/* Decoded DELTA_BYTE_ARRAY output can grow much faster than its input (shared prefixes). */
#define DELTA_MAX_OUTPUT ((size_t)1 << 31)

static inline uint64_t unzigzag(uint64_t z) { return (z >> 1) ^ (~(z & 1) + 1); }
static inline uint64_t zigzag(int64_t v) { return ((uint64_t)v << 1) ^ (~((uint64_t)v >> 63) + 1); }

/* Exactly one of o64 / o32 is non-NULL. */
static int delta_decode(const uint8_t *p, const uint8_t *end, int64_t *o64, int32_t *o32, int64_t n, int64_t *n_out,
                        size_t *consumed) {
    const uint8_t *start = p;
    uint64_t block_size, n_mini, total, first;
    OUPS_TRY(oups_enc__read_uleb(&p, end, &block_size));
    OUPS_TRY(oups_enc__read_uleb(&p, end, &n_mini));
    OUPS_TRY(oups_enc__read_uleb(&p, end, &total));
    OUPS_TRY(oups_enc__read_uleb(&p, end, &first));
    if (block_size == 0 || block_size % 128 || block_size > ((uint64_t)1 << 20))
        return oups_error_set(OUPS_ECORRUPT, "DELTA_BINARY_PACKED block size %llu is not a multiple of 128",
                              (unsigned long long)block_size);
    if (n_mini == 0 || block_size % n_mini || (block_size / n_mini) % 32)
        return oups_error_set(OUPS_ECORRUPT, "DELTA_BINARY_PACKED: %llu miniblocks per block of %llu values",
                              (unsigned long long)n_mini, (unsigned long long)block_size);
    if (total > INT64_MAX)
        return oups_error_set(OUPS_ECORRUPT, "DELTA_BINARY_PACKED value count %llu", (unsigned long long)total);
    const uint64_t vpm = block_size / n_mini;
    const int64_t want = n < (int64_t)total ? (n < 0 ? 0 : n) : (int64_t)total;
    uint64_t last = unzigzag(first);
    if (want > 0) {
        if (o64) o64[0] = (int64_t)last;
        else o32[0] = (int32_t)(uint32_t)last;
    }
    uint64_t i = total > 0 ? 1 : 0; /* values of the stream accounted for */
    uint64_t tmp[64];
    while (i < total) {
        uint64_t zmin;
        OUPS_TRY(oups_enc__read_uleb(&p, end, &zmin));
        const uint64_t min_delta = unzigzag(zmin);
        if (n_mini > (uint64_t)(end - p)) return oups_error_set(OUPS_ECORRUPT, "DELTA_BINARY_PACKED widths truncated");
        const uint8_t *widths = p;
        p += n_mini;
        for (uint64_t m = 0; m < n_mini && i < total; m++) {
            int w = widths[m];
            if (w > 64) return oups_error_set(OUPS_ECORRUPT, "DELTA_BINARY_PACKED miniblock bit width %d", w);
            uint64_t in_mini = total - i < vpm ? total - i : vpm;
            size_t avail = (size_t)(end - p);
            size_t need = (size_t)((in_mini * (uint64_t)w + 7) / 8);
            if (need > avail)
                return oups_error_set(OUPS_ECORRUPT, "DELTA_BINARY_PACKED miniblock truncated: needs %zu bytes, %zu left",
                                      need, avail);
            size_t full = (size_t)(vpm * (uint64_t)w / 8);
            size_t have = full < avail ? full : avail;
            uint64_t take = (int64_t)i < want ? ((uint64_t)want - i < in_mini ? (uint64_t)want - i : in_mini) : 0;
            for (uint64_t k = 0; k < take; k += 64) {
                int64_t c = take - k < 64 ? (int64_t)(take - k) : 64;
                oups_enc__unpack(p, avail, k * (uint64_t)w, w, tmp, c);
                if (o64) {
                    int64_t *o = o64 + i + k;
                    for (int64_t j = 0; j < c; j++) o[j] = (int64_t)(last += min_delta + tmp[j]);
                } else {
                    int32_t *o = o32 + i + k;
                    for (int64_t j = 0; j < c; j++) o[j] = (int32_t)(uint32_t)(last += min_delta + tmp[j]);
                }
            }
            i += in_mini;
            p += have;
        }
    }
    if (n_out) *n_out = want;
    if (consumed) *consumed = (size_t)(p - start);
    return 0;
}

int oups_delta_decode_i64(const uint8_t *p, const uint8_t *end, int64_t *out, int64_t n, int64_t *n_out,
                          size_t *consumed) {
    return delta_decode(p, end, out, NULL, n, n_out, consumed);
}

int oups_delta_decode_i32(const uint8_t *p, const uint8_t *end, int32_t *out, int64_t n, int64_t *n_out,
                          size_t *consumed) {
    return delta_decode(p, end, NULL, out, n, n_out, consumed);
}

/* int32 deltas are computed in 32 bits (as other writers do), so widths stay <= 32. */
static int delta_encode(oups_bytes *out, const int64_t *a, const int32_t *b, int64_t n) {
    if (n < 0) return oups_error_set(OUPS_EINVAL, "negative value count %lld", (long long)n);
    OUPS_TRY(oups_enc__write_uleb(out, DELTA_BLOCK));
    OUPS_TRY(oups_enc__write_uleb(out, DELTA_MINIBLOCKS));
    OUPS_TRY(oups_enc__write_uleb(out, (uint64_t)n));
    OUPS_TRY(oups_enc__write_uleb(out, n ? zigzag(a ? a[0] : b[0]) : 0));
    uint64_t d[DELTA_BLOCK];
    for (int64_t s = 1; s < n; s += DELTA_BLOCK) {
        int64_t m = n - s < DELTA_BLOCK ? n - s : DELTA_BLOCK;
        int64_t min = INT64_MAX;
        for (int64_t k = 0; k < m; k++) {
            int64_t v = a ? (int64_t)((uint64_t)a[s + k] - (uint64_t)a[s + k - 1])
                          : (int64_t)(int32_t)((uint32_t)b[s + k] - (uint32_t)b[s + k - 1]);
            d[k] = (uint64_t)v;
            if (v < min) min = v;
        }
        OUPS_TRY(oups_enc__write_uleb(out, zigzag(min)));
        for (int64_t k = 0; k < m; k++) d[k] -= (uint64_t)min;
        for (int64_t k = m; k < DELTA_BLOCK; k++) d[k] = 0;
        const int per = DELTA_BLOCK / DELTA_MINIBLOCKS;
        uint8_t widths[DELTA_MINIBLOCKS] = {0};
        for (int mb = 0; mb < DELTA_MINIBLOCKS && mb * per < m; mb++) {
            uint64_t mx = 0;
            for (int k = 0; k < per; k++) mx |= d[mb * per + k];
            widths[mb] = (uint8_t)oups_bit_width(mx);
        }
        OUPS_TRY(oups_bytes_append(out, widths, sizeof widths));
        for (int mb = 0; mb < DELTA_MINIBLOCKS && mb * per < m; mb++)
            OUPS_TRY(oups_enc__pack(out, d + mb * per, per, widths[mb]));
    }
    return 0;
}

int oups_delta_encode_i64(oups_bytes *out, const int64_t *v, int64_t n) { return delta_encode(out, v, NULL, n); }
int oups_delta_encode_i32(oups_bytes *out, const int32_t *v, int64_t n) { return delta_encode(out, NULL, v, n); }

/* Decode n non-negative int32 lengths (stored as int64) into len[0..n); advances *p. */
static int decode_lengths(const uint8_t **p, const uint8_t *end, int64_t n, int64_t *len, const char *what) {
    int64_t got;
    size_t used;
    OUPS_TRY(delta_decode(*p, end, len, NULL, n, &got, &used));
    if (got < n)
        return oups_error_set(OUPS_ECORRUPT, "%s: %lld lengths for %lld values", what, (long long)got, (long long)n);
    for (int64_t i = 0; i < n; i++) {
        len[i] = (int32_t)(uint32_t)len[i]; /* int32 stream: low 32 bits are exact */
        if (len[i] < 0) return oups_error_set(OUPS_ECORRUPT, "%s: negative length %lld", what, (long long)len[i]);
    }
    *p += used;
    return 0;
}

int oups_delta_length_decode(const uint8_t *p, const uint8_t *end, int64_t n, int64_t *offsets, oups_bytes *data,
                             size_t *consumed) {
    const uint8_t *start = p;
    OUPS_TRY(decode_lengths(&p, end, n, offsets + 1, "DELTA_LENGTH_BYTE_ARRAY"));
    size_t avail = (size_t)(end - p), sum = 0;
    for (int64_t i = 0; i < n; i++) {
        sum += (size_t)offsets[i + 1];
        if (sum > avail)
            return oups_error_set(OUPS_ECORRUPT, "DELTA_LENGTH_BYTE_ARRAY: value %lld ends past the page (%zu bytes left)",
                                  (long long)i, avail);
    }
    OUPS_TRY(oups_bytes_reserve(data, sum));
    offsets[0] = (int64_t)data->len;
    for (int64_t i = 0; i < n; i++) offsets[i + 1] += offsets[i];
    if (sum) memcpy(data->data + data->len, p, sum);
    data->len += sum;
    if (consumed) *consumed = (size_t)(p - start) + sum;
    return 0;
}

int oups_delta_byte_array_decode(const uint8_t *p, const uint8_t *end, int64_t n, int64_t *offsets, oups_bytes *data,
                                 size_t *consumed) {
    const uint8_t *start = p;
    OUPS_TRY(decode_lengths(&p, end, n, offsets + 1, "DELTA_BYTE_ARRAY prefixes"));
    int64_t *suffix = n ? oups_malloc_array((size_t)n, sizeof *suffix) : NULL;
    if (n && !suffix) return OUPS_ENOMEM;
    int rc = decode_lengths(&p, end, n, suffix, "DELTA_BYTE_ARRAY suffixes");
    const size_t base = data->len;
    offsets[0] = (int64_t)base;
    for (int64_t i = 0; rc == 0 && i < n; i++) {
        size_t pre = (size_t)offsets[i + 1], suf = (size_t)suffix[i];
        size_t prev_len = i ? (size_t)(offsets[i] - offsets[i - 1]) : 0;
        if (pre > prev_len) {
            rc = oups_error_set(OUPS_ECORRUPT, "DELTA_BYTE_ARRAY: value %lld prefix %zu longer than previous value (%zu)",
                                (long long)i, pre, prev_len);
        } else if (suf > (size_t)(end - p)) {
            rc = oups_error_set(OUPS_ECORRUPT, "DELTA_BYTE_ARRAY: value %lld suffix ends past the page", (long long)i);
        } else if (data->len - base + pre + suf > DELTA_MAX_OUTPUT) {
            rc = oups_error_set(OUPS_ECORRUPT, "DELTA_BYTE_ARRAY: decoded values exceed 2 GiB");
        } else if ((rc = oups_bytes_reserve(data, pre + suf)) == 0) {
            if (pre) memcpy(data->data + data->len, data->data + offsets[i - 1], pre);
            if (suf) memcpy(data->data + data->len + pre, p, suf);
            p += suf;
            data->len += pre + suf;
            offsets[i + 1] = (int64_t)data->len;
        }
    }
    oups_free(suffix);
    if (rc == 0 && consumed) *consumed = (size_t)(p - start);
    return rc;
}

/* Lengths of the n values as int32 (the Parquet limit for one value). */
static int value_lengths(int32_t *len, const int64_t *offsets, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        int64_t l = offsets[i + 1] - offsets[i];
        if (l < 0 || l > INT32_MAX)
            return oups_error_set(OUPS_EOVERFLOW, "byte array value %lld has length %lld", (long long)i, (long long)l);
        len[i] = (int32_t)l;
    }
    return 0;
}

int oups_delta_length_encode(oups_bytes *out, const int64_t *offsets, const uint8_t *data, int64_t n) {
    if (n <= 0) return delta_encode(out, NULL, NULL, 0);
    int32_t *len = oups_malloc_array((size_t)n, sizeof *len);
    if (!len) return OUPS_ENOMEM;
    int rc = value_lengths(len, offsets, n);
    if (rc == 0) rc = delta_encode(out, NULL, len, n);
    if (rc == 0) rc = oups_bytes_append(out, data + offsets[0], (size_t)(offsets[n] - offsets[0]));
    oups_free(len);
    return rc;
}

int oups_delta_byte_array_encode(oups_bytes *out, const int64_t *offsets, const uint8_t *data, int64_t n) {
    if (n <= 0) {
        OUPS_TRY(delta_encode(out, NULL, NULL, 0));
        return delta_encode(out, NULL, NULL, 0);
    }
    int32_t *len = oups_malloc_array((size_t)n * 2, sizeof *len);
    if (!len) return OUPS_ENOMEM;
    int32_t *pre = len + n;
    int rc = value_lengths(len, offsets, n);
    for (int64_t i = 0; rc == 0 && i < n; i++) {
        int32_t k = 0;
        if (i) {
            const uint8_t *a = data + offsets[i - 1], *b = data + offsets[i];
            int32_t max = len[i - 1] < len[i] ? len[i - 1] : len[i];
            while (k < max && a[k] == b[k]) k++;
        }
        pre[i] = k;
    }
    /* len[] becomes the suffix lengths only after every prefix is known. */
    for (int64_t i = 0; rc == 0 && i < n; i++) len[i] -= pre[i];
    if (rc == 0) rc = delta_encode(out, NULL, pre, n);
    if (rc == 0) rc = delta_encode(out, NULL, len, n);
    for (int64_t i = 0; rc == 0 && i < n; i++)
        rc = oups_bytes_append(out, data + offsets[i] + pre[i], (size_t)len[i]);
    oups_free(len);
    return rc;
}
