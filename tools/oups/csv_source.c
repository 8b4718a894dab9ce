/*
 * tools/oups/csv_source.c: the bytes of a text input, read sequentially: a file, stdin ("-"),
 * or a compressed file chosen by its extension (.gz: gzip, also multi-member; .zst/.zstd:
 * zstd frames). Used by the streaming CSV reader (csv.c), which only ever asks for the next
 * bytes, so a compressed input is never inflated whole in memory.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>
#include <zstd.h>

#include "csv.h"

struct cli_source {
    const char *name;
    FILE *f;          /* plain and zstd */
    gzFile gz;        /* gzip */
    ZSTD_DCtx *zd;    /* zstd: decompression context and its input buffer */
    uint8_t *zin;
    ZSTD_inBuffer in;
    bool z_frame_open; /* a frame was started and not finished: EOF then means truncation */
    int64_t raw;       /* bytes taken from the file (compressed bytes for .gz/.zst): progress */
};

static bool has_suffix(const char *s, const char *suffix) {
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcasecmp(s + a - b, suffix);
}

bool cli_path_is_parquet(const char *path) { return has_suffix(path, ".parquet") || has_suffix(path, ".pq"); }

int cli_source_open(cli_source **out, const char *path) {
    *out = NULL;
    cli_source *s = calloc(1, sizeof *s);
    if (!s) return cli_fail(OUPS_ENOMEM, "%s: out of memory", path);
    bool is_stdin = !strcmp(path, "-");
    s->name = is_stdin ? "<stdin>" : path;
    if (!is_stdin && has_suffix(path, ".gz")) {
        s->gz = gzopen(path, "rb");
        if (!s->gz) {
            int e = errno;
            free(s);
            return cli_fail(e == ENOENT ? OUPS_ENOTFOUND : OUPS_EIO, "%s: %s", path, strerror(e));
        }
        gzbuffer(s->gz, 1 << 17);
        *out = s;
        return 0;
    }
    s->f = is_stdin ? stdin : fopen(path, "rb");
    if (!s->f) {
        int e = errno;
        free(s);
        return cli_fail(e == ENOENT ? OUPS_ENOTFOUND : OUPS_EIO, "%s: %s", path, strerror(e));
    }
    if (!is_stdin && (has_suffix(path, ".zst") || has_suffix(path, ".zstd"))) {
        s->zd = ZSTD_createDCtx();
        s->zin = malloc(ZSTD_DStreamInSize());
        if (!s->zd || !s->zin) {
            cli_source_close(s);
            return cli_fail(OUPS_ENOMEM, "%s: out of memory", path);
        }
        s->in.src = s->zin;
    }
    *out = s;
    return 0;
}

const char *cli_source_name(const cli_source *s) { return s->name; }
int64_t cli_source_raw_bytes(const cli_source *s) { return s->raw; }

/* Up to cap bytes into buf: the count (0 at the end of the input), or < 0 with the message
 * printed (I/O error, damaged or truncated compressed data). */
int64_t cli_source_read(cli_source *s, char *buf, size_t cap) {
    if (s->gz) {
        int n = gzread(s->gz, buf, cap > (1u << 30) ? 1u << 30 : (unsigned)cap);
        if (n < 0) {
            int err;
            const char *m = gzerror(s->gz, &err);
            return cli_fail(OUPS_ECORRUPT, "%s: gzip: %s", s->name, m);
        }
        s->raw = gzoffset(s->gz);
        return n;
    }
    if (!s->zd) {
        size_t n = fread(buf, 1, cap, s->f);
        if (n == 0 && ferror(s->f)) return cli_fail(OUPS_EIO, "%s: read failed: %s", s->name, strerror(errno));
        s->raw += (int64_t)n;
        return (int64_t)n;
    }
    ZSTD_outBuffer out = {buf, cap, 0};
    while (out.pos == 0) {
        if (s->in.pos == s->in.size) {
            s->in.size = fread(s->zin, 1, ZSTD_DStreamInSize(), s->f);
            s->in.pos = 0;
            s->raw += (int64_t)s->in.size;
            if (s->in.size == 0) {
                if (ferror(s->f)) return cli_fail(OUPS_EIO, "%s: read failed: %s", s->name, strerror(errno));
                if (s->z_frame_open) return cli_fail(OUPS_ECORRUPT, "%s: zstd: truncated input", s->name);
                return 0;
            }
        }
        size_t r = ZSTD_decompressStream(s->zd, &out, &s->in);
        if (ZSTD_isError(r)) return cli_fail(OUPS_ECORRUPT, "%s: zstd: %s", s->name, ZSTD_getErrorName(r));
        s->z_frame_open = r != 0;
    }
    return (int64_t)out.pos;
}

void cli_source_close(cli_source *s) {
    if (!s) return;
    if (s->gz) gzclose(s->gz);
    if (s->f && s->f != stdin) fclose(s->f);
    ZSTD_freeDCtx(s->zd);
    free(s->zin);
    free(s);
}
