/*
 * parquet/encoding.h: Parquet value and level encodings as pure functions on byte ranges
 * (Encodings.md): PLAIN, RLE/bit-packed hybrid, DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY,
 * DELTA_BYTE_ARRAY, BYTE_STREAM_SPLIT. Decoders never read outside [p, end) and return
 * OUPS_ECORRUPT (with a short message; the caller prefixes file/column/page) on any malformed
 * or truncated input, and never loop without consuming input. Encoders append to an oups_bytes.
 * Implemented in enc_rle.c, enc_delta.c, enc_plain.c (decode and encode of each in one file).
 */
#ifndef OUPS_SRC_PARQUET_ENCODING_H
#define OUPS_SRC_PARQUET_ENCODING_H

#include "util/util.h"

/* ---- RLE / bit-packed hybrid (levels, dictionary indices, booleans) ---- */

/* Decode exactly `n` values of `bit_width` (0..32) bits from [p, end) into out[0..n).
 * No length prefix here (the caller handles the 4-byte prefix of v1 levels). Running out of
 * input before n values is OUPS_ECORRUPT, except that with bit_width 0 missing runs are
 * zeros. `*consumed` (may be NULL) gets the bytes of the runs read (values past n in the last
 * run are skipped). Cost: O(n), no allocation. */
int oups_rle_decode_u32(const uint8_t *p, const uint8_t *end, int bit_width, uint32_t *out, int64_t n,
                        size_t *consumed);
/* Same, for 16-bit outputs (levels); bit_width 0..16. */
int oups_rle_decode_u16(const uint8_t *p, const uint8_t *end, int bit_width, uint16_t *out, int64_t n,
                        size_t *consumed);
/* Encode n values (each < 2^bit_width, else OUPS_EINVAL) with the hybrid encoding; no length
 * prefix. Runs of 8+ equal values become repeated runs, the rest bit-packed runs (the last
 * one zero-padded to 8 values). A RLE run value wider than bit_width is OUPS_ECORRUPT on decode;
 * a final bit-packed run may lack its padding bytes (some writers trim it). */
int oups_rle_encode_u32(oups_bytes *out, const uint32_t *v, int64_t n, int bit_width);
int oups_rle_encode_u16(oups_bytes *out, const uint16_t *v, int64_t n, int bit_width);
/* Bits needed for max value (0 for 0). */
int oups_bit_width(uint64_t max_value);

/* ---- DELTA_BINARY_PACKED (int32 and int64; wrapping arithmetic as the spec requires) ---- */

/* Decode min(n, the header's total count) values into out[] and set *n_out to that count.
 * *consumed (may be NULL) is the size of the whole encoded stream, even when fewer values were
 * asked for (it locates the next section in DELTA_BYTE_ARRAY / DELTA_LENGTH_BYTE_ARRAY).
 * The caller checks *n_out against what it expected. int32 keeps the low 32 bits of the
 * wrapping 64-bit sums. Errors: OUPS_ECORRUPT for bad header fields or truncation. */
int oups_delta_decode_i64(const uint8_t *p, const uint8_t *end, int64_t *out, int64_t n, int64_t *n_out,
                          size_t *consumed);
int oups_delta_decode_i32(const uint8_t *p, const uint8_t *end, int32_t *out, int64_t n, int64_t *n_out,
                          size_t *consumed);
/* Encode with block size 128 and 4 miniblocks of 32 (int32 deltas wrap in 32 bits, as other
 * writers do, so miniblock widths stay <= 32). */
int oups_delta_encode_i64(oups_bytes *out, const int64_t *v, int64_t n);
int oups_delta_encode_i32(oups_bytes *out, const int32_t *v, int64_t n);

/* ---- byte arrays ---- */

/* Decoded byte arrays: value i is bytes [offsets[i], offsets[i+1]) of `data` (caller-provided
 * oups_bytes, appended to); `offsets` has room for n+1 entries and offsets[0] is set by the
 * callee to data->len at entry. */
int oups_plain_decode_byte_array(const uint8_t *p, const uint8_t *end, int64_t n, int64_t *offsets,
                                 oups_bytes *data, size_t *consumed);
int oups_delta_length_decode(const uint8_t *p, const uint8_t *end, int64_t n, int64_t *offsets,
                             oups_bytes *data, size_t *consumed);
int oups_delta_byte_array_decode(const uint8_t *p, const uint8_t *end, int64_t n, int64_t *offsets,
                                 oups_bytes *data, size_t *consumed);
/* The three decoders above check every length against the input (OUPS_ECORRUPT), grow `data`
 * by at most the decoded size (DELTA_BYTE_ARRAY: capped at 2 GiB per call) and set *consumed
 * (may be NULL) to the encoded size. Encoders take values as (offsets[0..n], data): value i
 * is data[offsets[i], offsets[i+1]); a value over 2^31-1 bytes is OUPS_EOVERFLOW. */
int oups_plain_encode_byte_array(oups_bytes *out, const int64_t *offsets, const uint8_t *data, int64_t n);
int oups_delta_length_encode(oups_bytes *out, const int64_t *offsets, const uint8_t *data, int64_t n);
int oups_delta_byte_array_encode(oups_bytes *out, const int64_t *offsets, const uint8_t *data, int64_t n);

/* ---- BYTE_STREAM_SPLIT (any fixed width: 2, 4, 8, FLBA k) ---- */

/* n values of `width` bytes: the encoded form holds `width` streams of n bytes each (stream b
 * has byte b of every value). Decoding needs n*width bytes (else OUPS_ECORRUPT); extra bytes
 * are ignored. `out` has room for n*width bytes. */
int oups_bss_decode(const uint8_t *p, const uint8_t *end, int width, int64_t n, uint8_t *out);
int oups_bss_encode(oups_bytes *out, const uint8_t *v, int width, int64_t n);

/* ---- PLAIN booleans (bit-packed LSB first) ---- */
/* Decode n booleans into bits [out_off, out_off + n) of out_bits (LSB first, Arrow layout). */
int oups_plain_decode_bool(const uint8_t *p, const uint8_t *end, int64_t n, uint8_t *out_bits, int64_t out_off);
/* Encode bits [off, off + n) of `bits`. */
int oups_plain_encode_bool(oups_bytes *out, const uint8_t *bits, int64_t off, int64_t n);

/* ---- helpers shared by the encoding files (enc_rle.c) ---- */

/* ULEB128 varint of at most 10 bytes (64 bits) at *p; advances *p. OUPS_ECORRUPT if truncated
 * or too long. */
int oups_enc__read_uleb(const uint8_t **p, const uint8_t *end, uint64_t *v);
int oups_enc__write_uleb(oups_bytes *out, uint64_t v);
/* Unpack n values of w (0..64) bits, LSB first, starting at bit `bitpos` of p[0..avail).
 * The caller has checked that the bits exist. */
void oups_enc__unpack(const uint8_t *p, size_t avail, uint64_t bitpos, int w, uint64_t *out, int64_t n);
/* Append n values of w bits packed LSB first, padded with zero bits to a whole byte. */
int oups_enc__pack(oups_bytes *out, const uint64_t *v, int64_t n, int w);

#endif
