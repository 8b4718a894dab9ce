/*
 * util/misc.c: checksums (CRC-32 via zlib, the same polynomial Parquet page CRCs use),
 * clocks and process memory figures for progress reports and benchmarks.
 */
#include <stdio.h>
#include <time.h>
#include <zlib.h>

#include "util/util.h"

uint32_t oups_crc32(uint32_t crc, const void *p, size_t n) {
    const uint8_t *b = p;
    while (n > 0) { /* zlib takes uInt lengths */
        uInt chunk = n > (1u << 30) ? (1u << 30) : (uInt)n;
        crc = (uint32_t)crc32(crc, b, chunk);
        b += chunk;
        n -= chunk;
    }
    return crc;
}

int64_t oups_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t oups_peak_rss(void) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    long kb = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld kB", &kb) == 1) break;
    fclose(f);
    return kb < 0 ? -1 : kb * 1024;
}
