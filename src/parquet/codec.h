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
 * Hadoop framing and falls back to raw LZ4 blocks. Any mismatch in the produced size, or any
 * library error, is OUPS_ECORRUPT with `what` (e.g. "f.parquet: column 'x': page 3") in the
 * message. LZO: OUPS_EUNSUPPORTED.
 */
int oups_codec_decompress(oups_codec codec, const uint8_t *src, size_t src_len, uint8_t *dst, size_t dst_len,
                          const char *what);

/** Compress `src` and append the result to `out`. `level` 0 = codec default. Writable codecs:
 * UNCOMPRESSED, SNAPPY, GZIP, ZSTD, LZ4_RAW, BROTLI; others OUPS_EUNSUPPORTED. */
int oups_codec_compress(oups_codec codec, int level, const uint8_t *src, size_t src_len, oups_bytes *out);

#endif
