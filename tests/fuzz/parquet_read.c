/*
 * tests/fuzz/parquet_read.c: libFuzzer target for the Parquet reader. Any input bytes are a
 * Parquet image; the body (parquet_read_target.h) drives every reader entry point. An error
 * code other than OUPS_ECORRUPT / OUPS_EUNSUPPORTED aborts: with memory images there is no
 * I/O, and allocations sized from the file are capped, so OUPS_ENOMEM means a missing cap.
 * Built as a libFuzzer binary with OUPS_BUILD_FUZZERS=ON, else linked with replay.c.
 */
#include <stdio.h>
#include <stdlib.h>

#include "parquet_read_target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    int rc = fuzz_parquet_read(data, size);
    if (rc) {
        fprintf(stderr, "parquet_read: unexpected %s: %s\n", oups_strerror(rc), oups_error_last());
        abort();
    }
    return 0;
}
