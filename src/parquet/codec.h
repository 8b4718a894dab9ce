/*
 * parquet/codec.h: page compression and decompression through the system libraries
 * (libsnappy, zlib, libzstd, liblz4, libbrotli). Implemented in codec.c.
 */
#ifndef OUPS_SRC_PARQUET_CODEC_H
#define OUPS_SRC_PARQUET_CODEC_H

#include "oups/parquet.h"
#include "util/util.h"

/**
 * Decompress `src` into exactly `dst_len` bytes at `dst` (the page header's uncompressed
 * size; the caller allocated dst). GZIP accepts concatenated members; LZ4 accepts the legacy
 * Hadoop framing and falls back to an LZ4 frame, then a raw LZ4 block. Any mismatch in the
 * produced size, or any library error, is OUPS_ECORRUPT with `what` (e.g. "f.parquet: column
 * 'x': page 3"; NULL: "page") in the message. LZO: OUPS_EUNSUPPORTED. Cost: one pass, no
 * allocation beyond the libraries' own decoder state.
 */
int oups_codec_decompress(oups_codec codec, const uint8_t *src, size_t src_len, uint8_t *dst, size_t dst_len,
                          const char *what);

/** Compress `src` and append the result to `out`. `level` 0 = codec default (gzip 6, zstd 3,
 * lz4_raw fast LZ4, brotli 8); explicit levels: gzip 1..9, zstd ZSTD_minCLevel()..22, lz4_raw
 * 1..12 (LZ4 HC), brotli 1..11; a level for snappy/uncompressed or out of range is OUPS_EINVAL.
 * Writable codecs: UNCOMPRESSED, SNAPPY, GZIP (one member), ZSTD, LZ4_RAW, BROTLI; LZ4 (legacy)
 * and LZO are OUPS_EUNSUPPORTED. Cost: reserves the codec's worst-case bound in `out`. */
int oups_codec_compress(oups_codec codec, int level, const uint8_t *src, size_t src_len, oups_bytes *out);

#endif
