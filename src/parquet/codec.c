/*
 * parquet/codec.c: page compression through the system libraries (Compression.md) and the
 * codec names of the public API (oups_codec_parse / oups_codec_name).
 * Decompression always targets the exact size from the page header: producing fewer or more
 * bytes, or any library error, is OUPS_ECORRUPT. GZIP reads concatenated members (the spec
 * asks readers to); the deprecated LZ4 codec tries the Hadoop framing, then an LZ4 frame,
 * then a raw LZ4 block, as files from different writers use all three.
 */
#include <brotli/decode.h>
#include <brotli/encode.h>
#include <ctype.h>
#include <limits.h>
#include <lz4.h>
#include <lz4frame.h>
#include <lz4hc.h>
#include <pthread.h>
#include <snappy-c.h>
#include <stdlib.h>
#include <strings.h>
#include <zlib.h>
#include <zstd.h>

#include "parquet/codec.h"

/* zstd contexts are reused per thread: creating one per page (ZSTD_compress does) costs
 * megabytes of fresh, page-faulting workspace for every page. Freed at thread exit. */
static pthread_key_t zstd_key;
static pthread_once_t zstd_once = PTHREAD_ONCE_INIT;
typedef struct zstd_ctx {
    ZSTD_CCtx *c;
    ZSTD_DCtx *d;
} zstd_ctx;

static void zstd_ctx_free(void *p) {
    zstd_ctx *z = p;
    ZSTD_freeCCtx(z->c);
    ZSTD_freeDCtx(z->d);
    free(z);
}
static void zstd_key_init(void) { (void)pthread_key_create(&zstd_key, zstd_ctx_free); }

/* This thread's contexts (created on first use), or NULL when out of memory. */
static zstd_ctx *zstd_thread_ctx(void) {
    (void)pthread_once(&zstd_once, zstd_key_init);
    zstd_ctx *z = pthread_getspecific(zstd_key);
    if (z) return z;
    z = calloc(1, sizeof *z);
    if (!z) return NULL;
    z->c = ZSTD_createCCtx();
    z->d = ZSTD_createDCtx();
    if (!z->c || !z->d || pthread_setspecific(zstd_key, z) != 0) {
        zstd_ctx_free(z);
        return NULL;
    }
    return z;
}

#define GZIP_DEFAULT_LEVEL 6
#define BROTLI_DEFAULT_LEVEL 8 /* Arrow's default: a good ratio at a moderate cost */

static const struct {
    const char *name;
    oups_codec codec;
} codec_names[] = {
    {"uncompressed", OUPS_CODEC_UNCOMPRESSED}, {"none", OUPS_CODEC_UNCOMPRESSED}, {"snappy", OUPS_CODEC_SNAPPY},
    {"gzip", OUPS_CODEC_GZIP},   {"lzo", OUPS_CODEC_LZO},       {"brotli", OUPS_CODEC_BROTLI},
    {"lz4", OUPS_CODEC_LZ4},     {"zstd", OUPS_CODEC_ZSTD},     {"lz4_raw", OUPS_CODEC_LZ4_RAW},
};

const char *oups_codec_name(oups_codec codec) {
    for (size_t i = 0; i < sizeof codec_names / sizeof codec_names[0]; i++)
        if (codec_names[i].codec == codec) return codec_names[i].name;
    return "unknown";
}

/* Accepted explicit levels per writable codec (0 always means the codec default). */
static int check_level(oups_codec codec, int level) {
    int lo = 0, hi = 0;
    switch (codec) {
    case OUPS_CODEC_GZIP: lo = 1, hi = 9; break;
    case OUPS_CODEC_ZSTD: lo = ZSTD_minCLevel(), hi = ZSTD_maxCLevel(); break;
    case OUPS_CODEC_LZ4_RAW: lo = 1, hi = LZ4HC_CLEVEL_MAX; break;
    case OUPS_CODEC_BROTLI: lo = 1, hi = BROTLI_MAX_QUALITY; break;
    default: break;
    }
    if (level == 0 || (level >= lo && level <= hi && hi > 0)) return 0;
    if (hi == 0) return oups_error_set(OUPS_EINVAL, "codec %s takes no level (got %d)", oups_codec_name(codec), level);
    return oups_error_set(OUPS_EINVAL, "%s level %d outside %d..%d", oups_codec_name(codec), level, lo, hi);
}

int oups_codec_parse(oups_codec *codec, int *level, const char *text) {
    if (!codec || !text) return oups_error_set(OUPS_EINVAL, "oups_codec_parse: NULL argument");
    const char *colon = strchr(text, ':');
    size_t n = colon ? (size_t)(colon - text) : strlen(text);
    int found = -1;
    for (size_t i = 0; i < sizeof codec_names / sizeof codec_names[0]; i++)
        if (strlen(codec_names[i].name) == n && strncasecmp(text, codec_names[i].name, n) == 0) found = (int)i;
    if (found < 0 || codec_names[found].codec == OUPS_CODEC_LZO)
        return oups_error_set(OUPS_EINVAL, "unknown compression '%s' (none, snappy, gzip, zstd, lz4_raw, brotli)", text);
    oups_codec c = codec_names[found].codec;
    if (c == OUPS_CODEC_LZ4) c = OUPS_CODEC_LZ4_RAW; /* the legacy framing is read-only */
    long lv = 0;
    if (colon) {
        char *e;
        lv = strtol(colon + 1, &e, 10);
        if (!colon[1] || *e || lv < INT_MIN || lv > INT_MAX)
            return oups_error_set(OUPS_EINVAL, "bad compression level in '%s'", text);
    }
    OUPS_TRY(check_level(c, (int)lv));
    *codec = c;
    if (level) *level = (int)lv;
    return 0;
}

static int corrupt(oups_codec codec, const char *what, const char *detail, size_t dst_len) {
    return oups_error_set(OUPS_ECORRUPT, "%s: %s data %s (expected %zu uncompressed bytes)", what ? what : "page",
                          oups_codec_name(codec), detail, dst_len);
}

static int gunzip(const uint8_t *src, size_t src_len, uint8_t *dst, size_t dst_len, const char *what) {
    if (src_len > UINT_MAX || dst_len > UINT_MAX) return corrupt(OUPS_CODEC_GZIP, what, "too large", dst_len);
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, 15 + 32) != Z_OK) return oups_error_oom(); /* 32: gzip or zlib header */
    zs.next_in = (Bytef *)(uintptr_t)src;
    zs.avail_in = (uInt)src_len;
    zs.next_out = dst;
    zs.avail_out = (uInt)dst_len;
    int rc = 0;
    for (;;) {
        int zr = inflate(&zs, Z_NO_FLUSH);
        if (zr == Z_STREAM_END) {
            if (zs.avail_in == 0 || zs.avail_out == 0) break;
            if (inflateReset(&zs) != Z_OK) {
                rc = corrupt(OUPS_CODEC_GZIP, what, "bad member", dst_len);
                break;
            }
        } else if (zr != Z_OK) { /* Z_BUF_ERROR: truncated, or more data than expected */
            rc = corrupt(OUPS_CODEC_GZIP, what, zr == Z_BUF_ERROR ? "truncated or too long" : "corrupt", dst_len);
            break;
        }
    }
    if (rc == 0 && zs.avail_out != 0) rc = corrupt(OUPS_CODEC_GZIP, what, "too short", dst_len);
    inflateEnd(&zs);
    return rc;
}

static uint32_t load_be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Hadoop framing: blocks of [uncompressed size BE32][compressed size BE32][raw LZ4 block]. */
static bool lz4_hadoop(const uint8_t *src, size_t src_len, uint8_t *dst, size_t dst_len) {
    size_t ip = 0, op = 0;
    while (src_len - ip >= 8) {
        uint32_t ulen = load_be32(src + ip), clen = load_be32(src + ip + 4);
        ip += 8;
        if (clen > src_len - ip || ulen > dst_len - op || clen > INT_MAX || ulen > INT_MAX) return false;
        int r = LZ4_decompress_safe((const char *)src + ip, (char *)dst + op, (int)clen, (int)ulen);
        if (r < 0 || (uint32_t)r != ulen) return false;
        ip += clen;
        op += ulen;
    }
    return ip == src_len && op == dst_len;
}

static bool lz4_frame(const uint8_t *src, size_t src_len, uint8_t *dst, size_t dst_len) {
    if (src_len < 4 || oups_load_u32le(src) != 0x184D2204u) return false;
    LZ4F_dctx *ctx;
    if (LZ4F_isError(LZ4F_createDecompressionContext(&ctx, LZ4F_VERSION))) return false;
    size_t ip = 0, op = 0;
    bool ok = true;
    while (ip < src_len) {
        size_t in = src_len - ip, out = dst_len - op;
        size_t r = LZ4F_decompress(ctx, dst + op, &out, src + ip, &in, NULL);
        if (LZ4F_isError(r) || (in == 0 && out == 0)) {
            ok = false;
            break;
        }
        ip += in;
        op += out;
    }
    LZ4F_freeDecompressionContext(ctx);
    return ok && op == dst_len;
}

static bool lz4_block(const uint8_t *src, size_t src_len, uint8_t *dst, size_t dst_len) {
    if (src_len > INT_MAX || dst_len > INT_MAX) return false;
    int r = LZ4_decompress_safe((const char *)src, (char *)dst, (int)src_len, (int)dst_len);
    return r >= 0 && (size_t)r == dst_len;
}

int oups_codec_decompress(oups_codec codec, const uint8_t *src, size_t src_len, uint8_t *dst, size_t dst_len,
                          const char *what) {
    switch (codec) {
    case OUPS_CODEC_UNCOMPRESSED:
        if (src_len != dst_len) return corrupt(codec, what, "size differs", dst_len);
        if (src_len) memcpy(dst, src, src_len);
        return 0;
    case OUPS_CODEC_SNAPPY: {
        size_t n;
        if (snappy_uncompressed_length((const char *)src, src_len, &n) != SNAPPY_OK || n != dst_len)
            return corrupt(codec, what, "header corrupt or size differs", dst_len);
        if (snappy_uncompress((const char *)src, src_len, (char *)dst, &n) != SNAPPY_OK || n != dst_len)
            return corrupt(codec, what, "corrupt", dst_len);
        return 0;
    }
    case OUPS_CODEC_GZIP: return gunzip(src, src_len, dst, dst_len, what);
    case OUPS_CODEC_ZSTD: {
        zstd_ctx *z = zstd_thread_ctx();
        if (!z) return oups_error_oom();
        size_t r = ZSTD_decompressDCtx(z->d, dst, dst_len, src, src_len);
        if (ZSTD_isError(r)) return corrupt(codec, what, ZSTD_getErrorName(r), dst_len);
        if (r != dst_len) return corrupt(codec, what, "too short", dst_len);
        return 0;
    }
    case OUPS_CODEC_LZ4_RAW:
        return lz4_block(src, src_len, dst, dst_len) ? 0 : corrupt(codec, what, "corrupt or size differs", dst_len);
    case OUPS_CODEC_LZ4:
        if (lz4_hadoop(src, src_len, dst, dst_len) || lz4_frame(src, src_len, dst, dst_len) ||
            lz4_block(src, src_len, dst, dst_len))
            return 0;
        return corrupt(codec, what, "corrupt in every known framing", dst_len);
    case OUPS_CODEC_BROTLI: {
        size_t n = dst_len;
        if (BrotliDecoderDecompress(src_len, src, &n, dst) != BROTLI_DECODER_RESULT_SUCCESS || n != dst_len)
            return corrupt(codec, what, "corrupt or size differs", dst_len);
        return 0;
    }
    case OUPS_CODEC_LZO:
        return oups_error_set(OUPS_EUNSUPPORTED, "%s: LZO compression is not supported", what ? what : "page");
    }
    return oups_error_set(OUPS_ECORRUPT, "%s: unknown compression codec %d", what ? what : "page", (int)codec);
}

int oups_codec_compress(oups_codec codec, int level, const uint8_t *src, size_t src_len, oups_bytes *out) {
    if (codec == OUPS_CODEC_LZ4 || codec == OUPS_CODEC_LZO || (unsigned)codec > OUPS_CODEC_LZ4_RAW)
        return oups_error_set(OUPS_EUNSUPPORTED, "writing %s compression is not supported", oups_codec_name(codec));
    OUPS_TRY(check_level(codec, level));
    switch (codec) {
    case OUPS_CODEC_SNAPPY: {
        size_t cap = snappy_max_compressed_length(src_len);
        OUPS_TRY(oups_bytes_reserve(out, cap));
        if (snappy_compress((const char *)src, src_len, (char *)out->data + out->len, &cap) != SNAPPY_OK)
            return oups_error_set(OUPS_EINVAL, "snappy compression failed on %zu bytes", src_len);
        out->len += cap;
        return 0;
    }
    case OUPS_CODEC_GZIP: {
        if (src_len > UINT_MAX) return oups_error_set(OUPS_EOVERFLOW, "gzip input of %zu bytes too large", src_len);
        z_stream zs;
        memset(&zs, 0, sizeof zs);
        if (deflateInit2(&zs, level ? level : GZIP_DEFAULT_LEVEL, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
            return oups_error_oom();
        size_t cap = deflateBound(&zs, (uLong)src_len);
        int rc = cap > UINT_MAX ? oups_error_set(OUPS_EOVERFLOW, "gzip output too large") : oups_bytes_reserve(out, cap);
        if (rc == 0) {
            zs.next_in = (Bytef *)(uintptr_t)src;
            zs.avail_in = (uInt)src_len;
            zs.next_out = out->data + out->len;
            zs.avail_out = (uInt)cap;
            if (deflate(&zs, Z_FINISH) != Z_STREAM_END) rc = oups_error_set(OUPS_EINVAL, "gzip compression failed");
            else out->len += cap - zs.avail_out;
        }
        deflateEnd(&zs);
        return rc;
    }
    case OUPS_CODEC_ZSTD: {
        size_t cap = ZSTD_compressBound(src_len);
        OUPS_TRY(oups_bytes_reserve(out, cap));
        zstd_ctx *z = zstd_thread_ctx();
        if (!z) return oups_error_oom();
        size_t r = ZSTD_compressCCtx(z->c, out->data + out->len, cap, src, src_len, level ? level : ZSTD_CLEVEL_DEFAULT);
        if (ZSTD_isError(r)) return oups_error_set(OUPS_EINVAL, "zstd compression failed: %s", ZSTD_getErrorName(r));
        out->len += r;
        return 0;
    }
    case OUPS_CODEC_LZ4_RAW: {
        if (src_len > LZ4_MAX_INPUT_SIZE) return oups_error_set(OUPS_EOVERFLOW, "lz4 input of %zu bytes too large", src_len);
        int cap = LZ4_compressBound((int)src_len);
        OUPS_TRY(oups_bytes_reserve(out, (size_t)cap));
        char *d = (char *)out->data + out->len;
        int r = level ? LZ4_compress_HC((const char *)src, d, (int)src_len, cap, level)
                      : LZ4_compress_default((const char *)src, d, (int)src_len, cap);
        if (r <= 0) return oups_error_set(OUPS_EINVAL, "lz4 compression failed on %zu bytes", src_len);
        out->len += (size_t)r;
        return 0;
    }
    case OUPS_CODEC_BROTLI: {
        size_t cap = BrotliEncoderMaxCompressedSize(src_len);
        if (cap == 0) cap = src_len + 1024; /* only 0 for inputs past the bound's range */
        OUPS_TRY(oups_bytes_reserve(out, cap));
        if (!BrotliEncoderCompress(level ? level : BROTLI_DEFAULT_LEVEL, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_GENERIC,
                                   src_len, src, &cap, out->data + out->len))
            return oups_error_set(OUPS_EINVAL, "brotli compression failed on %zu bytes", src_len);
        out->len += cap;
        return 0;
    }
    default: /* UNCOMPRESSED */
        return oups_bytes_append(out, src, src_len);
    }
}
