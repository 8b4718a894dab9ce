// labels: quick
/*
 * tests/parquet/test_codec.c: page compression (src/parquet/codec.c). Round trips for every
 * writable codec and level over awkward sizes; wrong sizes, truncation and garbage give
 * OUPS_ECORRUPT; concatenated GZIP members; the legacy LZ4 codec in Hadoop framing, LZ4
 * frame and raw block form; codec name parsing.
 */
#include <lz4.h>
#include <lz4frame.h>
#include <zlib.h>

#include "harness.h"
#include "parquet/codec.h"

static const size_t sizes[] = {0, 1, 7, 8, 9, 127, 128, 129, 1000, 65536, 300001};

/* Half compressible text, half random bytes. */
static uint8_t *make_data(size_t n, uint64_t *st) {
    uint8_t *d = malloc(n ? n : 1);
    for (size_t i = 0; i < n; i++) d[i] = i < n / 2 ? (uint8_t)("timestamp,price\n"[i % 16]) : (uint8_t)test_rand(st);
    return d;
}

TEST(roundtrip_all_codecs) {
    const struct {
        oups_codec c;
        int level;
    } cases[] = {{OUPS_CODEC_UNCOMPRESSED, 0}, {OUPS_CODEC_SNAPPY, 0}, {OUPS_CODEC_GZIP, 0}, {OUPS_CODEC_GZIP, 1},
                 {OUPS_CODEC_GZIP, 9},         {OUPS_CODEC_ZSTD, 0},   {OUPS_CODEC_ZSTD, 1},  {OUPS_CODEC_ZSTD, 19},
                 {OUPS_CODEC_ZSTD, -5},        {OUPS_CODEC_LZ4_RAW, 0}, {OUPS_CODEC_LZ4_RAW, 9}, {OUPS_CODEC_BROTLI, 0},
                 {OUPS_CODEC_BROTLI, 1}};
    uint64_t st = tests_seed();
    for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++)
        for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
            size_t n = sizes[si];
            if (cases[ci].level > 9 && n > 70000) continue; /* slow levels: small inputs only */
            uint8_t *src = make_data(n, &st), *dst = malloc(n + 1);
            oups_bytes z = {0};
            int rc = oups_codec_compress(cases[ci].c, cases[ci].level, src, n, &z);
            int rc2 = rc ? rc : oups_codec_decompress(cases[ci].c, z.data, z.len, dst, n, "t");
            int same = rc2 == 0 && memcmp(src, dst, n) == 0;
            /* one byte more or less than the real size is corrupt */
            int rc3 = oups_codec_decompress(cases[ci].c, z.data, z.len, dst, n + 1, "t");
            int rc4 = n ? oups_codec_decompress(cases[ci].c, z.data, z.len, dst, n - 1, "t") : OUPS_ECORRUPT;
            /* a truncated stream is corrupt (except uncompressed, where it is a size mismatch too) */
            int rc5 = z.len > 1 ? oups_codec_decompress(cases[ci].c, z.data, z.len - 1, dst, n, "t") : OUPS_ECORRUPT;
            if (!same || rc3 != OUPS_ECORRUPT || rc4 != OUPS_ECORRUPT || rc5 != OUPS_ECORRUPT)
                fprintf(stderr, "  codec %s level %d size %zu: rc %d %d %d %d %d\n", oups_codec_name(cases[ci].c),
                        cases[ci].level, n, rc, rc2, rc3, rc4, rc5);
            free(src);
            free(dst);
            oups_bytes_free(&z);
            CHECK_OK(rc);
            CHECK(same);
            CHECK_RC(rc3, OUPS_ECORRUPT);
            CHECK_RC(rc4, OUPS_ECORRUPT);
            CHECK_RC(rc5, OUPS_ECORRUPT);
        }
}

TEST(garbage_is_corrupt) {
    uint64_t st = tests_seed() + 1;
    const oups_codec codecs[] = {OUPS_CODEC_SNAPPY, OUPS_CODEC_GZIP, OUPS_CODEC_ZSTD, OUPS_CODEC_LZ4_RAW,
                                 OUPS_CODEC_LZ4, OUPS_CODEC_BROTLI};
    uint8_t junk[200], dst[4096];
    for (int t = 0; t < 600; t++) {
        size_t len = test_rand(&st) % sizeof junk, n = 1 + test_rand(&st) % sizeof dst;
        for (size_t i = 0; i < len; i++) junk[i] = (uint8_t)test_rand(&st);
        int rc = oups_codec_decompress(codecs[t % 6], junk, len, dst, n, "junk");
        CHECK(rc == OUPS_ECORRUPT || rc == 0);
    }
    CHECK_RC(oups_codec_decompress(OUPS_CODEC_LZO, junk, 10, dst, 10, "p"), OUPS_EUNSUPPORTED);
    CHECK_RC(oups_codec_decompress((oups_codec)42, junk, 10, dst, 10, "p"), OUPS_ECORRUPT);
    oups_bytes z = {0};
    CHECK_RC(oups_codec_compress(OUPS_CODEC_LZ4, 0, junk, 10, &z), OUPS_EUNSUPPORTED);
    CHECK_RC(oups_codec_compress(OUPS_CODEC_GZIP, 12, junk, 10, &z), OUPS_EINVAL);
    CHECK_RC(oups_codec_compress(OUPS_CODEC_SNAPPY, 3, junk, 10, &z), OUPS_EINVAL);
    oups_bytes_free(&z);
}

TEST(gzip_concatenated_members) {
    uint64_t st = tests_seed() + 2;
    size_t n = 50000;
    uint8_t *src = make_data(n, &st), *dst = malloc(n);
    oups_bytes z = {0};
    CHECK_OK(oups_codec_compress(OUPS_CODEC_GZIP, 0, src, 20000, &z));
    CHECK_OK(oups_codec_compress(OUPS_CODEC_GZIP, 0, src + 20000, 1, &z));
    CHECK_OK(oups_codec_compress(OUPS_CODEC_GZIP, 5, src + 20001, n - 20001, &z));
    int rc = oups_codec_decompress(OUPS_CODEC_GZIP, z.data, z.len, dst, n, "t");
    int same = rc == 0 && memcmp(src, dst, n) == 0;
    int rc2 = oups_codec_decompress(OUPS_CODEC_GZIP, z.data, z.len, dst, n - 1, "t");
    free(src);
    free(dst);
    oups_bytes_free(&z);
    CHECK_OK(rc);
    CHECK(same);
    CHECK_RC(rc2, OUPS_ECORRUPT);
    CHECK(strstr(oups_error_last(), "gzip") != NULL);
}

static void put_be32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

TEST(lz4_legacy_framings) {
    uint64_t st = tests_seed() + 3;
    size_t n = 100000, half = 60000;
    uint8_t *src = make_data(n, &st), *dst = malloc(n);
    size_t cap = (size_t)LZ4_compressBound((int)n) * 2 + 64;
    uint8_t *z = malloc(cap);
    /* Hadoop: two blocks, each [usize BE][csize BE][raw block] */
    size_t zl = 0;
    for (int b = 0; b < 2; b++) {
        size_t off = b ? half : 0, len = b ? n - half : half;
        int c = LZ4_compress_default((const char *)src + off, (char *)z + zl + 8, (int)len, (int)(cap - zl - 8));
        put_be32(z + zl, (uint32_t)len);
        put_be32(z + zl + 4, (uint32_t)c);
        zl += 8 + (size_t)c;
    }
    memset(dst, 0, n);
    int rc = oups_codec_decompress(OUPS_CODEC_LZ4, z, zl, dst, n, "hadoop");
    int ok1 = rc == 0 && memcmp(src, dst, n) == 0;
    int rc_bad = oups_codec_decompress(OUPS_CODEC_LZ4, z, zl - 3, dst, n, "hadoop");
    /* raw block fallback */
    int c = LZ4_compress_default((const char *)src, (char *)z, (int)n, (int)cap);
    memset(dst, 0, n);
    int rc2 = oups_codec_decompress(OUPS_CODEC_LZ4, z, (size_t)c, dst, n, "raw");
    int ok2 = rc2 == 0 && memcmp(src, dst, n) == 0;
    /* LZ4 frame fallback */
    size_t fl = LZ4F_compressFrame(z, cap, src, n, NULL);
    memset(dst, 0, n);
    int rc3 = LZ4F_isError(fl) ? -100 : oups_codec_decompress(OUPS_CODEC_LZ4, z, fl, dst, n, "frame");
    int ok3 = rc3 == 0 && memcmp(src, dst, n) == 0;
    free(src);
    free(dst);
    free(z);
    CHECK_OK(rc);
    CHECK(ok1);
    CHECK_RC(rc_bad, OUPS_ECORRUPT);
    CHECK_OK(rc2);
    CHECK(ok2);
    CHECK_OK(rc3);
    CHECK(ok3);
}

TEST(codec_names) {
    oups_codec c;
    int level = -1;
    CHECK_OK(oups_codec_parse(&c, &level, "zstd"));
    CHECK(c == OUPS_CODEC_ZSTD && level == 0);
    CHECK_OK(oups_codec_parse(&c, &level, "ZSTD:7"));
    CHECK(c == OUPS_CODEC_ZSTD && level == 7);
    CHECK_OK(oups_codec_parse(&c, &level, "none"));
    CHECK(c == OUPS_CODEC_UNCOMPRESSED);
    CHECK_OK(oups_codec_parse(&c, &level, "uncompressed"));
    CHECK_OK(oups_codec_parse(&c, &level, "gzip:9"));
    CHECK(c == OUPS_CODEC_GZIP && level == 9);
    CHECK_OK(oups_codec_parse(&c, NULL, "lz4"));
    CHECK(c == OUPS_CODEC_LZ4_RAW);
    CHECK_OK(oups_codec_parse(&c, &level, "brotli:11"));
    CHECK_OK(oups_codec_parse(&c, &level, "snappy"));
    CHECK(c == OUPS_CODEC_SNAPPY);
    CHECK_RC(oups_codec_parse(&c, &level, "gzip:10"), OUPS_EINVAL);
    CHECK_RC(oups_codec_parse(&c, &level, "gzip:"), OUPS_EINVAL);
    CHECK_RC(oups_codec_parse(&c, &level, "gzip:x"), OUPS_EINVAL);
    CHECK_RC(oups_codec_parse(&c, &level, "snappy:1"), OUPS_EINVAL);
    CHECK_RC(oups_codec_parse(&c, &level, "lzo"), OUPS_EINVAL);
    CHECK_RC(oups_codec_parse(&c, &level, "bzip2"), OUPS_EINVAL);
    CHECK(strstr(oups_error_last(), "bzip2") != NULL);
    CHECK(strcmp(oups_codec_name(OUPS_CODEC_LZ4_RAW), "lz4_raw") == 0);
    CHECK(strcmp(oups_codec_name(OUPS_CODEC_UNCOMPRESSED), "uncompressed") == 0);
    CHECK(strcmp(oups_codec_name(OUPS_CODEC_ZSTD), "zstd") == 0);
}

RUN_TESTS("parquet.codec", roundtrip_all_codecs, garbage_is_corrupt, gzip_concatenated_members, lz4_legacy_framings,
          codec_names)
