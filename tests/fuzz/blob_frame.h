/*
 * tests/fuzz/blob_frame.h: the input driver of the state-blob fuzz targets (asof_state,
 * asof_by_state): the raw bytes test the frame checks (magic, version, length, CRC-32 of the
 * ops state blobs, src/ops/blob.h); a copy with the body length and the CRC made right lets
 * mutations reach the parser behind them.
 */
#ifndef OUPS_TESTS_FUZZ_BLOB_FRAME_H
#define OUPS_TESTS_FUZZ_BLOB_FRAME_H

#include <stdlib.h>
#include <string.h>

#include "util/util.h"

static inline void fuzz_blob_frames(void (*one_input)(const uint8_t *, size_t), const uint8_t *data, size_t size) {
    one_input(data, size);
    if (size < 24) return;
    uint8_t *fixed = malloc(size);
    if (!fixed) abort();
    memcpy(fixed, data, size);
    oups_store_u64le(fixed + 12, (uint64_t)(size - 24));
    oups_store_u32le(fixed + size - 4, oups_crc32(0, fixed, size - 4));
    one_input(fixed, size);
    free(fixed);
}

#endif
