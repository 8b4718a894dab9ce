/*
 * tools/oups/csv_write.c: the writing half of csv.h: tables as CSV (RFC 4180, header row)
 * or JSONL (one object per row), and the -o output helpers. Cell text is chosen so that
 * `from-csv` reads it back to the same type and value: floats in shortest round-trip form
 * (always with a '.' or exponent), timestamps ISO 8601 with the unit's digits, empty strings
 * quoted so they differ from nulls.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csv.h"

__extension__ typedef unsigned __int128 u128;

/* -o FILE is written to "FILE.tmp-<pid>" and renamed over FILE at cli_close_output only if
 * no failure was reported meanwhile (cli_failed(): every error path prints through cli_fail*),
 * so a failing command never leaves a partial output, and an existing FILE stays intact. The
 * temporary is removed on failure, and at exit if a command returns without closing it. */
static struct {
    FILE *f;
    char *tmp;
} pending[4];

static void drop_pending(void) {
    for (size_t i = 0; i < sizeof pending / sizeof pending[0]; i++)
        if (pending[i].tmp) {
            unlink(pending[i].tmp);
            free(pending[i].tmp);
            pending[i].tmp = NULL;
        }
}

int cli_open_output(FILE **out, const char *path) {
    if (!path || !strcmp(path, "-")) {
        *out = stdout;
        return 0;
    }
    size_t slot = 0;
    while (slot < sizeof pending / sizeof pending[0] && pending[slot].tmp) slot++;
    size_t cap = strlen(path) + 32;
    char *tmp = slot < sizeof pending / sizeof pending[0] ? malloc(cap) : NULL;
    if (!tmp) return cli_fail(OUPS_ENOMEM, "%s: out of memory", path);
    snprintf(tmp, cap, "%s.tmp-%ld", path, (long)getpid());
    *out = fopen(tmp, "wb");
    if (!*out) {
        int e = errno;
        free(tmp);
        return cli_fail(OUPS_EIO, "%s: %s", path, strerror(e));
    }
    static bool registered;
    if (!registered) registered = atexit(drop_pending) == 0;
    pending[slot].f = *out;
    pending[slot].tmp = tmp;
    return 0;
}

int cli_close_output(FILE *f, const char *path) {
    if (cli_box_active() && !cli_failed()) cli_box_end(f); /* --format table: drawn once complete */
    int bad = fflush(f) != 0 || ferror(f);
    int e = errno;
    if (f == stdout) {
        if (bad) return cli_fail(OUPS_EIO, "<stdout>: write failed: %s", strerror(e));
        return 0;
    }
    size_t slot = 0;
    while (slot < sizeof pending / sizeof pending[0] && pending[slot].f != f) slot++;
    char *tmp = slot < sizeof pending / sizeof pending[0] ? pending[slot].tmp : NULL;
    bad |= fclose(f) != 0;
    if (bad) e = errno;
    int rc = 0;
    if (bad) rc = cli_fail(OUPS_EIO, "%s: write failed: %s", path, strerror(e));
    else if (!cli_failed() && tmp && rename(tmp, path) != 0) rc = cli_fail(OUPS_EIO, "%s: %s", path, strerror(errno));
    if (tmp && (rc || cli_failed())) unlink(tmp); /* not committed: nothing appears at path */
    free(tmp);
    if (slot < sizeof pending / sizeof pending[0]) pending[slot].f = NULL, pending[slot].tmp = NULL;
    return rc;
}

static bool is_jsonl(const char *format) { return format && !strcmp(format, "jsonl"); }

static bool is_box(const char *format) { return format && !strcmp(format, "table"); }

static int check_format(const char *format) {
    if (format && strcmp(format, "csv") && strcmp(format, "jsonl") && !is_box(format))
        return cli_fail(OUPS_EINVAL, "unknown format '%s' (csv, jsonl or table)", format);
    return 0;
}

/* Unsigned decimal digits of v at buf; returns the length (no terminator). */
static size_t put_u64(char *buf, uint64_t v) {
    char tmp[20];
    size_t n = 0;
    do tmp[n++] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    for (size_t i = 0; i < n; i++) buf[i] = tmp[n - 1 - i];
    return n;
}

static size_t put_i64(char *buf, int64_t v) {
    if (v >= 0) return put_u64(buf, (uint64_t)v);
    buf[0] = '-';
    return 1 + put_u64(buf + 1, 0 - (uint64_t)v);
}

/* v's `width` low decimal digits, zero-padded. */
static void put_fixed(char *buf, uint64_t v, int width) {
    for (int i = width - 1; i >= 0; i--, v /= 10) buf[i] = (char)('0' + v % 10);
}

/* The text of %.15g when v = x / 10^d exactly as a double for some x < 10^15 and d <= 8, found
 * without printf (prices and most measured values); 0 when v is not such a value. Why it equals
 * %.15g: IEEE division is correctly rounded, so fl(x / 10^d) == v means v is the double nearest
 * x·10^-d, which is what strtod gives for that text; and v lies within half an ulp of x·10^-d,
 * far below half a unit of the 15th significant digit, so %.15g rounds v to that same text
 * (trailing zeros stripped, and fixed notation since 1e-4 <= |v| < 1e15). */
static size_t fmt_decimal_double(char *buf, double v) {
    static const double p10[] = {1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8};
    double a = fabs(v);
    if (!(a >= 1e-4 && a < 1e15)) return 0;
    for (int d = 0; d <= 8; d++) {
        double x = nearbyint(a * p10[d]);
        if (x >= 1e15) return 0;
        if (x / p10[d] != a) continue;
        uint64_t xi = (uint64_t)x, ip = xi, fp = 0;
        for (int k = 0; k < d; k++) ip /= 10;
        fp = xi - ip * (uint64_t)p10[d];
        size_t n = 0;
        if (signbit(v)) buf[n++] = '-';
        n += put_u64(buf + n, ip);
        buf[n++] = '.';
        if (d == 0) buf[n++] = '0'; /* integral: ".0" so that it reads back as a float */
        else put_fixed(buf + n, fp, d), n += (size_t)d;
        buf[n] = '\0';
        return n;
    }
    return 0;
}

/* Shortest %.Ng that reads back to the same value; ".0" added to integral output. */
static void fmt_float(char *buf, size_t cap, double v, bool single) {
    if (isnan(v)) {
        snprintf(buf, cap, "nan");
        return;
    }
    if (isinf(v)) {
        snprintf(buf, cap, v < 0 ? "-inf" : "inf");
        return;
    }
    if (!single && cap >= 40 && fmt_decimal_double(buf, v)) return;
    for (int prec = single ? 6 : 15; prec <= (single ? 9 : 17); prec++) {
        snprintf(buf, cap, "%.*g", prec, v);
        if (single ? strtof(buf, NULL) == (float)v : strtod(buf, NULL) == v) break;
    }
    if (!strpbrk(buf, ".e")) strncat(buf, ".0", cap - strlen(buf) - 1);
}

static void fmt_timestamp(char *buf, size_t cap, int64_t v, const oups_datatype *t) {
    static const int64_t ups[] = {1, 1000, 1000000, 1000000000};
    static const int ndig[] = {0, 3, 6, 9};
    int64_t u = ups[t->unit];
    int64_t secs = v / u, frac = v % u;
    if (frac < 0) frac += u, secs--;
    int64_t days = secs / 86400, sod = secs % 86400;
    if (sod < 0) sod += 86400, days--;
    int64_t y;
    unsigned m, d;
    cli_civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999 || cap < 40) { /* rare: printf's sign and width rules */
        int n = snprintf(buf, cap, "%04lld-%02u-%02uT%02d:%02d:%02d", (long long)y, m, d, (int)(sod / 3600),
                         (int)(sod / 60 % 60), (int)(sod % 60));
        if (ndig[t->unit]) n += snprintf(buf + n, cap - (size_t)n, ".%0*lld", ndig[t->unit], (long long)frac);
        if (t->tz[0]) snprintf(buf + n, cap - (size_t)n, "Z");
        return;
    }
    /* YYYY-MM-DDTHH:MM:SS[.fff...][Z] by hand: printf was most of a CSV row's cost */
    put_fixed(buf, (uint64_t)y, 4);
    buf[4] = '-';
    put_fixed(buf + 5, m, 2);
    buf[7] = '-';
    put_fixed(buf + 8, d, 2);
    buf[10] = 'T';
    put_fixed(buf + 11, (uint64_t)(sod / 3600), 2);
    buf[13] = ':';
    put_fixed(buf + 14, (uint64_t)(sod / 60 % 60), 2);
    buf[16] = ':';
    put_fixed(buf + 17, (uint64_t)(sod % 60), 2);
    size_t n = 19;
    if (ndig[t->unit]) {
        buf[n++] = '.';
        put_fixed(buf + n, (uint64_t)frac, ndig[t->unit]);
        n += (size_t)ndig[t->unit];
    }
    if (t->tz[0]) buf[n++] = 'Z';
    buf[n] = '\0';
}

static void fmt_date(char *buf, size_t cap, int64_t days) {
    int64_t y;
    unsigned m, d;
    cli_civil_from_days(days, &y, &m, &d);
    snprintf(buf, cap, "%04lld-%02u-%02u", (long long)y, m, d);
}

static void fmt_decimal(char *buf, size_t cap, const uint8_t dec[16], int scale) {
    u128 v = 0;
    for (int i = 15; i >= 0; i--) v = v << 8 | dec[i];
    bool neg = dec[15] & 0x80;
    if (neg) v = ~v + 1;
    char tmp[64];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v);
    while (n <= scale) tmp[n++] = '0'; /* at least one digit before the point */
    size_t o = 0;
    if (neg && o + 1 < cap) buf[o++] = '-';
    for (int i = n - 1; i >= 0 && o + 2 < cap; i--) {
        buf[o++] = tmp[i];
        if (i == scale && scale > 0) buf[o++] = '.';
    }
    buf[o] = '\0';
}

/* Text of a non-null fixed-size cell (not string/binary). */
static void fmt_cell(char *buf, size_t cap, const oups_scalar *s) {
    switch (s->type.id) {
    case OUPS_TYPE_BOOL: snprintf(buf, cap, s->v.b ? "true" : "false"); break;
    case OUPS_TYPE_UINT8: case OUPS_TYPE_UINT16: case OUPS_TYPE_UINT32: case OUPS_TYPE_UINT64:
        if (cap >= 24) buf[put_u64(buf, s->v.u)] = '\0';
        else snprintf(buf, cap, "%llu", (unsigned long long)s->v.u);
        break;
    case OUPS_TYPE_FLOAT32: case OUPS_TYPE_FLOAT64:
        fmt_float(buf, cap, s->v.f, s->type.id == OUPS_TYPE_FLOAT32);
        break;
    case OUPS_TYPE_TIMESTAMP: fmt_timestamp(buf, cap, s->v.i, &s->type); break;
    case OUPS_TYPE_DATE32: fmt_date(buf, cap, s->v.i); break;
    case OUPS_TYPE_DECIMAL128: fmt_decimal(buf, cap, s->v.dec, s->type.scale); break;
    default:
        if (cap >= 24) buf[put_i64(buf, s->v.i)] = '\0';
        else snprintf(buf, cap, "%lld", (long long)s->v.i);
        break;
    }
}

static void put_hex(FILE *f, const uint8_t *p, int64_t n) {
    static const char hx[] = "0123456789abcdef";
    for (int64_t i = 0; i < n; i++) {
        putc(hx[p[i] >> 4], f);
        putc(hx[p[i] & 15], f);
    }
}

static void put_csv_text(FILE *f, const char *p, size_t n) {
    bool quote = n == 0 || memchr(p, ',', n) || memchr(p, '"', n) || memchr(p, '\n', n) || memchr(p, '\r', n);
    if (!quote) {
        fwrite(p, 1, n, f);
        return;
    }
    putc('"', f);
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '"') putc('"', f);
        putc(p[i], f);
    }
    putc('"', f);
}

static void put_json_text(FILE *f, const char *p, size_t n) {
    putc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c == '\n') fputs("\\n", f);
        else if (c == '\t') fputs("\\t", f);
        else if (c == '\r') fputs("\\r", f);
        else if (c < 0x20 || c == 0x7f) fprintf(f, "\\u%04x", c);
        else putc(c, f);
    }
    putc('"', f);
}

void cli_cell_text(char *buf, size_t cap, const oups_column *col, int64_t r) {
    static const char hx[] = "0123456789abcdef";
    oups_scalar s;
    oups_column_get_scalar(&s, col, r);
    if (s.is_null) {
        snprintf(buf, cap, "null");
    } else if (s.type.id == OUPS_TYPE_STRING) {
        snprintf(buf, cap, "%.*s", (int)(s.v.bytes.len < (int64_t)cap ? s.v.bytes.len : (int64_t)cap - 1),
                 (const char *)s.v.bytes.ptr);
    } else if (s.type.id == OUPS_TYPE_BINARY) {
        size_t o = 0;
        const uint8_t *p = s.v.bytes.ptr;
        for (int64_t i = 0; i < s.v.bytes.len && o + 3 <= cap; i++) buf[o++] = hx[p[i] >> 4], buf[o++] = hx[p[i] & 15];
        buf[o] = '\0';
    } else {
        fmt_cell(buf, cap, &s);
    }
}

int cli_write_header(FILE *f, const oups_table *t, const char *format) {
    if (check_format(format)) return OUPS_EINVAL;
    if (is_box(format)) return cli_box_begin(t);
    if (is_jsonl(format)) return 0;
    for (int c = 0; c < oups_table_num_columns(t); c++) {
        if (c) putc(',', f);
        const char *name = oups_table_column_name(t, c);
        put_csv_text(f, name, strlen(name));
    }
    putc('\n', f);
    return ferror(f) ? cli_fail(OUPS_EIO, "write failed: %s", strerror(errno)) : 0;
}

int cli_write_rows(FILE *f, const oups_table *t, const char *format) {
    if (check_format(format)) return OUPS_EINVAL;
    if (is_box(format)) return cli_box_rows(t);
    const bool json = is_jsonl(format);
    const int nc = oups_table_num_columns(t);
    const int64_t nr = oups_table_num_rows(t);
    char buf[128];
    for (int64_t r = 0; r < nr; r++) {
        if (json) putc('{', f);
        for (int c = 0; c < nc; c++) {
            const char *name = oups_table_column_name(t, c);
            if (json) {
                if (c) putc(',', f);
                put_json_text(f, name, strlen(name));
                putc(':', f);
            } else if (c) {
                putc(',', f);
            }
            oups_scalar s;
            oups_column_get_scalar(&s, oups_table_column(t, c), r);
            oups_type_id id = s.type.id;
            if (s.is_null) {
                if (json) fputs("null", f);
            } else if (id == OUPS_TYPE_STRING) {
                if (json) put_json_text(f, s.v.bytes.ptr, (size_t)s.v.bytes.len);
                else put_csv_text(f, s.v.bytes.ptr, (size_t)s.v.bytes.len);
            } else if (id == OUPS_TYPE_BINARY) {
                if (json || s.v.bytes.len == 0) putc('"', f);
                put_hex(f, s.v.bytes.ptr, s.v.bytes.len);
                if (json || s.v.bytes.len == 0) putc('"', f);
            } else {
                fmt_cell(buf, sizeof buf, &s);
                bool nonfinite = (id == OUPS_TYPE_FLOAT32 || id == OUPS_TYPE_FLOAT64) && !isfinite(s.v.f);
                bool as_string = id == OUPS_TYPE_TIMESTAMP || id == OUPS_TYPE_DATE32;
                if (json && nonfinite) fputs("null", f);
                else if (json && as_string) put_json_text(f, buf, strlen(buf));
                else fputs(buf, f);
            }
        }
        fputs(json ? "}\n" : "\n", f);
        if (ferror(f)) return cli_fail(OUPS_EIO, "write failed: %s", strerror(errno));
    }
    return 0;
}

int cli_write_table(FILE *f, const oups_table *t, const char *format) {
    int rc = cli_write_header(f, t, format);
    return rc ? rc : cli_write_rows(f, t, format);
}
