/*
 * tools/oups/csv.c: the reading half of csv.h: RFC 4180 CSV tokenizing, type inference, the
 * --schema syntax, and parsing of single values (ints, floats, bool, ISO 8601 timestamps and
 * dates, decimals, hex binary), shared by CSV cells and --start/--end-excl style options.
 * CSV is read in two passes over the text held in memory: the first checks row widths and
 * infers types, the second appends to one builder per column. Writing lives in csv_write.c.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "csv.h"

__extension__ typedef unsigned __int128 u128;

static bool failed; /* an error was reported: outputs must not be committed (csv_write.c) */

bool cli_failed(void) { return failed; }

int cli_fail(int rc, const char *fmt, ...) {
    failed = true;
    cli_progress_interrupt();
    va_list ap;
    va_start(ap, fmt);
    fputs("oups: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return rc;
}

int cli_fail_lib(int rc, const char *context) {
    failed = true;
    cli_progress_interrupt();
    const char *m = oups_error_last();
    if (!*m) m = oups_strerror(rc);
    if (context) fprintf(stderr, "oups: %s: %s\n", context, m);
    else fprintf(stderr, "oups: %s\n", m);
    return rc;
}

/* ---- civil dates (proleptic Gregorian, days since 1970-01-01) ---------------------------- */

int64_t cli_days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void cli_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static bool leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int digits(const char **p, const char *end, int n, int64_t *out) {
    int64_t v = 0;
    for (int i = 0; i < n; i++) {
        if (*p >= end || !isdigit((unsigned char)**p)) return -1;
        v = v * 10 + (*(*p)++ - '0');
    }
    *out = v;
    return 0;
}

/* YYYY-MM-DD at *p; advances. */
static int parse_date_part(const char **p, const char *end, int64_t *days) {
    int64_t y, mo, d;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (digits(p, end, 4, &y) || *p >= end || **p != '-') return -1;
    (*p)++;
    if (digits(p, end, 2, &mo) || *p >= end || **p != '-') return -1;
    (*p)++;
    if (digits(p, end, 2, &d)) return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] + (mo == 2 && leap(y))) return -1;
    *days = cli_days_from_civil(y, (unsigned)mo, (unsigned)d);
    return 0;
}

/* ISO 8601: date, optional [T ]HH:MM[:SS[.f{1,9}]], optional Z / +HH:MM / +HHMM / +HH.
 * Gives UTC seconds, nanoseconds and whether a zone was given. */
static int parse_iso(const char *s, size_t len, int64_t *secs, int64_t *nanos, bool *has_tz) {
    const char *p = s, *end = s + len;
    int64_t days, h = 0, mi = 0, sec = 0, ns = 0, off = 0;
    if (parse_date_part(&p, end, &days)) return -1;
    *has_tz = false;
    if (p < end && (*p == 'T' || *p == ' ')) {
        p++;
        if (digits(&p, end, 2, &h) || p >= end || *p++ != ':' || digits(&p, end, 2, &mi)) return -1;
        if (p < end && *p == ':') {
            p++;
            if (digits(&p, end, 2, &sec)) return -1;
            if (p < end && (*p == '.' || *p == ',')) {
                p++;
                int nd = 0;
                while (p < end && isdigit((unsigned char)*p) && nd < 9) ns = ns * 10 + (*p++ - '0'), nd++;
                if (nd == 0 || (p < end && isdigit((unsigned char)*p))) return -1;
                for (; nd < 9; nd++) ns *= 10;
            }
        }
        if (h > 23 || mi > 59 || sec > 59) return -1;
    }
    if (p < end && (*p == 'Z' || *p == 'z')) {
        p++;
        *has_tz = true;
    } else if (p < end && (*p == '+' || *p == '-')) {
        int sign = *p++ == '-' ? -1 : 1;
        int64_t oh, om = 0;
        if (digits(&p, end, 2, &oh)) return -1;
        if (p < end && *p == ':') p++;
        if (p < end && digits(&p, end, 2, &om)) return -1;
        if (oh > 23 || om > 59) return -1;
        off = sign * (oh * 3600 + om * 60);
        *has_tz = true;
    }
    if (p != end) return -1;
    *secs = days * 86400 + h * 3600 + mi * 60 + sec - off;
    *nanos = ns;
    return 0;
}

static int64_t unit_per_sec(oups_time_unit u) {
    return u == OUPS_UNIT_S ? 1 : u == OUPS_UNIT_MS ? 1000 : u == OUPS_UNIT_US ? 1000000 : 1000000000;
}

/* [+-]digits into a sign and a 64-bit magnitude (-1 on overflow or a non-digit). */
static int parse_magnitude(const char *s, size_t len, bool *neg, uint64_t *out) {
    const char *p = s, *end = s + len;
    *neg = false;
    if (p < end && (*p == '+' || *p == '-')) *neg = *p++ == '-';
    if (p == end) return -1;
    uint64_t v = 0;
    for (; p < end; p++) {
        if (!isdigit((unsigned char)*p)) return -1;
        unsigned dgt = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - dgt) / 10) return -1;
        v = v * 10 + dgt;
    }
    *out = v;
    return 0;
}

static int parse_int(const char *s, size_t len, int64_t *out) {
    bool neg;
    uint64_t v;
    if (parse_magnitude(s, len, &neg, &v) || v > (uint64_t)INT64_MAX + neg) return -1;
    *out = neg ? (int64_t)(~v + 1) : (int64_t)v;
    return 0;
}

static int parse_uint(const char *s, size_t len, uint64_t *out) {
    bool neg;
    return parse_magnitude(s, len, &neg, out) || (neg && *out) ? -1 : 0;
}

/* s is NUL-terminated at s[len]. Numbers (digits, one exponent) or nan/inf/infinity. */
static int parse_float(const char *s, size_t len, double *out) {
    const char *q = s + (len && (*s == '+' || *s == '-'));
    bool special = !strcasecmp(q, "nan") || !strcasecmp(q, "inf") || !strcasecmp(q, "infinity");
    if (!special) {
        bool digit = false;
        for (size_t i = 0; i < len; i++) {
            char c = s[i];
            if (isdigit((unsigned char)c)) digit = true;
            else if (!strchr(".eE+-", c)) return -1;
        }
        if (!digit) return -1;
    }
    char *e;
    errno = 0;
    double v = strtod(s, &e);
    if (e != s + len || len == 0) return -1;
    *out = v;
    return 0;
}

static int parse_bool(const char *s, bool *out) {
    if (!strcasecmp(s, "true")) *out = true;
    else if (!strcasecmp(s, "false")) *out = false;
    else return -1;
    return 0;
}

/* [+-]digits[.digits] into a 16-byte two's complement unscaled value. */
static int parse_decimal(const char *s, size_t len, int32_t precision, int32_t scale, uint8_t out[16]) {
    const char *p = s, *end = s + len;
    bool neg = false;
    if (p < end && (*p == '+' || *p == '-')) neg = *p++ == '-';
    u128 v = 0;
    int sig = 0, frac = -1;
    bool any = false;
    for (; p < end; p++) {
        if (*p == '.' && frac < 0) {
            frac = 0;
            continue;
        }
        if (!isdigit((unsigned char)*p)) return -1;
        any = true;
        if (frac >= 0 && frac >= scale) { /* digits past the scale must be zeros */
            if (*p != '0') return -1;
            continue;
        }
        if (frac >= 0) frac++;
        if (v || *p != '0') sig++;
        if (sig > 38) return -1;
        v = v * 10 + (unsigned)(*p - '0');
    }
    if (!any) return -1;
    for (int k = frac < 0 ? 0 : frac; k < scale; k++) {
        if (v) sig++;
        v *= 10;
    }
    if (sig > precision) return -1;
    if (neg) v = ~v + 1;
    for (int i = 0; i < 16; i++) out[i] = (uint8_t)(v >> (8 * i));
    return 0;
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Parse a NUL-terminated cell of `type` into a scalar. Binary decodes into buf (cap >= len/2).
 * Returns 0, or -1 with *why set to a short reason. */
static int parse_cell(oups_scalar *out, const oups_datatype *type, const char *s, size_t len, uint8_t *buf,
                      size_t cap, const char **why) {
    memset(out, 0, sizeof *out);
    out->type = *type;
    *why = NULL;
    switch (type->id) {
    case OUPS_TYPE_BOOL: return parse_bool(s, &out->v.b);
    case OUPS_TYPE_INT8: case OUPS_TYPE_INT16: case OUPS_TYPE_INT32: case OUPS_TYPE_INT64: {
        if (parse_int(s, len, &out->v.i)) return -1;
        int bits = oups_datatype_width(type->id) * 8;
        if (bits < 64 && (out->v.i < -((int64_t)1 << (bits - 1)) || out->v.i >= ((int64_t)1 << (bits - 1)))) {
            *why = "out of range";
            return -1;
        }
        return 0;
    }
    case OUPS_TYPE_UINT8: case OUPS_TYPE_UINT16: case OUPS_TYPE_UINT32: case OUPS_TYPE_UINT64: {
        if (parse_uint(s, len, &out->v.u)) return -1;
        int bits = oups_datatype_width(type->id) * 8;
        if (bits < 64 && out->v.u >> bits) {
            *why = "out of range";
            return -1;
        }
        return 0;
    }
    case OUPS_TYPE_FLOAT32: case OUPS_TYPE_FLOAT64: return parse_float(s, len, &out->v.f);
    case OUPS_TYPE_TIMESTAMP: {
        if (parse_int(s, len, &out->v.i) == 0) return 0;
        int64_t secs, ns;
        bool tz;
        if (parse_iso(s, len, &secs, &ns, &tz)) return -1;
        int64_t ups = unit_per_sec(type->unit), div = 1000000000 / ups;
        if (ns % div) {
            *why = "has more fraction digits than the unit";
            return -1;
        }
        if (__builtin_mul_overflow(secs, ups, &out->v.i) || __builtin_add_overflow(out->v.i, ns / div, &out->v.i)) {
            *why = "out of range for the unit";
            return -1;
        }
        return 0;
    }
    case OUPS_TYPE_DATE32: {
        if (parse_int(s, len, &out->v.i) == 0) {
        } else {
            const char *p = s;
            if (parse_date_part(&p, s + len, &out->v.i) || p != s + len) return -1;
        }
        if (out->v.i < INT32_MIN || out->v.i > INT32_MAX) {
            *why = "out of range";
            return -1;
        }
        return 0;
    }
    case OUPS_TYPE_STRING:
        out->v.bytes.ptr = s;
        out->v.bytes.len = (int64_t)len;
        return 0;
    case OUPS_TYPE_BINARY: {
        if (len % 2 || len / 2 > cap) {
            *why = len % 2 ? "odd number of hex digits" : "too long";
            return -1;
        }
        for (size_t i = 0; i < len / 2; i++) {
            int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
            if (hi < 0 || lo < 0) {
                *why = "not hex";
                return -1;
            }
            buf[i] = (uint8_t)(hi << 4 | lo);
        }
        out->v.bytes.ptr = buf;
        out->v.bytes.len = (int64_t)(len / 2);
        return 0;
    }
    case OUPS_TYPE_DECIMAL128: return parse_decimal(s, len, type->precision, type->scale, out->v.dec);
    }
    return -1;
}

int cli_parse_value(oups_scalar *out, const oups_datatype *type, const char *text, uint8_t *buf, size_t cap,
                    const char *what) {
    const char *why;
    char tname[96];
    if (parse_cell(out, type, text, strlen(text), buf, cap, &why))
        return cli_fail(OUPS_EINVAL, "%s: cannot parse '%s' as %s%s%s", what ? what : "value", text,
                        oups_datatype_format(type, tname, sizeof tname), why ? ": " : "", why ? why : "");
    return 0;
}

/* ---- schema spec -------------------------------------------------------------------------- */

void cli_schema_free(cli_schema *s) {
    for (int i = 0; i < s->n; i++) free(s->names[i]);
    free(s->names);
    free(s->types);
    memset(s, 0, sizeof *s);
}

static char *trim_dup(const char *a, const char *b) {
    while (a < b && isspace((unsigned char)*a)) a++;
    while (b > a && isspace((unsigned char)b[-1])) b--;
    return strndup(a, (size_t)(b - a));
}

int cli_parse_schema(cli_schema *out, const char *spec) {
    memset(out, 0, sizeof *out);
    const char *p = spec;
    while (*p) {
        const char *start = p;
        int depth = 0;
        while (*p && (depth > 0 || *p != ',')) {
            if (*p == '[' || *p == '(') depth++;
            if (*p == ']' || *p == ')') depth--;
            p++;
        }
        const char *colon = memchr(start, ':', (size_t)(p - start));
        char *entry = trim_dup(start, p);
        if (!colon || !entry) {
            int rc = cli_fail(OUPS_EINVAL, "--schema: entry '%s' is not name:type", entry ? entry : "");
            free(entry);
            cli_schema_free(out);
            return rc;
        }
        free(entry);
        char *name = trim_dup(start, colon), *tname = trim_dup(colon + 1, p);
        oups_datatype t;
        int rc = 0;
        if (!name || !*name) rc = cli_fail(OUPS_EINVAL, "--schema: empty column name before '%s'", colon);
        else if (oups_datatype_parse(&t, tname) != 0)
            rc = cli_fail(OUPS_EINVAL, "--schema: column '%s': unknown type '%s' (e.g. int64, float64, bool, string, "
                                       "timestamp[ns], timestamp[us,UTC], date32, decimal(10,2))", name, tname);
        for (int i = 0; rc == 0 && i < out->n; i++)
            if (!strcmp(out->names[i], name)) rc = cli_fail(OUPS_EINVAL, "--schema: column '%s' given twice", name);
        free(tname);
        if (rc == 0) {
            char **nn = realloc(out->names, sizeof *nn * (size_t)(out->n + 1));
            if (nn) out->names = nn;
            oups_datatype *nt = realloc(out->types, sizeof *nt * (size_t)(out->n + 1));
            if (nt) out->types = nt;
            if (!nn || !nt) rc = cli_fail(OUPS_ENOMEM, "out of memory");
        }
        if (rc) {
            free(name);
            cli_schema_free(out);
            return rc;
        }
        out->names[out->n] = name;
        out->types[out->n++] = t;
        if (*p == ',') p++;
    }
    if (out->n == 0) return cli_fail(OUPS_EINVAL, "--schema: no columns in '%s'", spec);
    return 0;
}

/* ---- CSV tokenizer ------------------------------------------------------------------------ */

typedef struct csv_reader {
    const char *p, *end, *name;
    char delim;
    int64_t line;     /* line of the current position (1-based) */
    int64_t rec_line; /* line where the current record started */
    char *buf;        /* current field, NUL-terminated */
    size_t len, cap;
    bool quoted;
} csv_reader;

static int put(csv_reader *r, char c) {
    if (r->len + 1 >= r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 256;
        char *b = realloc(r->buf, cap);
        if (!b) return cli_fail(OUPS_ENOMEM, "out of memory");
        r->buf = b;
        r->cap = cap;
    }
    r->buf[r->len++] = c;
    return 0;
}

/* Next field: 1 = more fields follow in this record, 2 = last field of the record,
 * 0 = end of input, < 0 = error (printed). */
static int csv_next(csv_reader *r, bool record_start) {
    if (record_start) {
        if (r->p >= r->end) return 0;
        r->rec_line = r->line;
    }
    r->len = 0;
    r->quoted = false;
    if (r->p < r->end && *r->p == '"') {
        r->quoted = true;
        int64_t open_line = r->line;
        r->p++;
        for (;;) {
            if (r->p >= r->end)
                return cli_fail(OUPS_EINVAL, "%s: line %lld: quoted field never closed", r->name, (long long)open_line);
            char c = *r->p++;
            if (c == '"') {
                if (r->p < r->end && *r->p == '"') r->p++;
                else break;
            }
            if (c == '\n') r->line++;
            if (put(r, c)) return OUPS_ENOMEM;
        }
        if (r->p < r->end && *r->p != r->delim && *r->p != '\n' && *r->p != '\r')
            return cli_fail(OUPS_EINVAL, "%s: line %lld: unexpected '%c' after a closing quote", r->name,
                            (long long)r->line, *r->p);
    } else {
        while (r->p < r->end && *r->p != r->delim && *r->p != '\n' && *r->p != '\r')
            if (put(r, *r->p++)) return OUPS_ENOMEM;
    }
    if (put(r, '\0')) return OUPS_ENOMEM;
    r->len--;
    if (r->p < r->end && *r->p == r->delim) {
        r->p++;
        return 1;
    }
    if (r->p < r->end && *r->p == '\r') r->p++;
    if (r->p < r->end && *r->p == '\n') r->p++;
    r->line++;
    return 2;
}

/* Read one record's fields, calling back per field; returns field count or < 0. A blank line
 * gives 0 fields when skip_blank (with one column it is a null, so the file round-trips). */
typedef int (*field_fn)(void *ctx, csv_reader *r, int col);
static int csv_record(csv_reader *r, field_fn fn, void *ctx, bool skip_blank) {
    int col = 0, rc;
    if ((rc = csv_next(r, true)) <= 0) return rc;
    if (skip_blank && rc == 2 && r->len == 0 && !r->quoted) return 0;
    for (;;) {
        if (fn) {
            int frc = fn(ctx, r, col);
            if (frc) return frc;
        }
        col++;
        if (rc == 2) return col;
        if ((rc = csv_next(r, false)) < 0) return rc;
    }
}

/* End of the last complete record in [p, end), `p` being a record start: the tokenizer's own
 * quoting rules (a quote opens a field only at its start; "" inside is an escaped quote), so a
 * block never ends inside a quoted field. Returns p if no record is complete. */
static const char *last_record_end(const char *p, const char *end, char delim) {
    const char *cut = p;
    bool field_start = true, in_quotes = false;
    for (; p < end; p++) {
        char c = *p;
        if (in_quotes) {
            if (c == '"') {
                if (p + 1 < end && p[1] == '"') p++;
                else if (p + 1 == end) return cut; /* cannot tell "" from a close yet */
                else in_quotes = false;
            }
            continue;
        }
        if (c == '"' && field_start) in_quotes = true;
        field_start = c == delim || c == '\n';
        if (c == '\n') cut = p + 1;
    }
    return cut;
}

/* ---- inference and building --------------------------------------------------------------- */

enum { CAN_BOOL = 1, CAN_INT = 2, CAN_FLOAT = 4, CAN_TS = 8, ALL_TZ = 16, CAN_DATE = 32 };

typedef struct csv_ctx {
    int ncols;
    char **names;
    oups_datatype *types;
    bool *given;      /* type from --schema */
    int *can;         /* inference masks */
    int64_t *nonnull; /* inferred columns: non-null cells seen */
    oups_builder **builders;
    uint8_t *bin;     /* scratch for hex binary */
    size_t bin_cap;
} csv_ctx;

static int add_name(csv_ctx *c, int col, const char *name) {
    char **nn = realloc(c->names, sizeof *nn * (size_t)(col + 1));
    if (!nn) return cli_fail(OUPS_ENOMEM, "out of memory");
    c->names = nn;
    c->names[col] = strdup(name);
    c->ncols = col + 1;
    return c->names[col] ? 0 : cli_fail(OUPS_ENOMEM, "out of memory");
}

static int header_field(void *vctx, csv_reader *r, int col) {
    csv_ctx *c = vctx;
    if (add_name(c, col, r->buf)) return OUPS_ENOMEM;
    if (!*r->buf)
        return cli_fail(OUPS_EINVAL, "%s: line %lld: column %d has an empty name", r->name, (long long)r->rec_line,
                        col + 1);
    for (int i = 0; i < col; i++)
        if (!strcmp(c->names[i], r->buf))
            return cli_fail(OUPS_EINVAL, "%s: line %lld: column '%s' appears twice", r->name, (long long)r->rec_line,
                            r->buf);
    return 0;
}

/* --no-header: columns named as Polars names them, column_1, column_2, ... */
static int numbered_field(void *vctx, csv_reader *r, int col) {
    (void)r;
    char name[32];
    snprintf(name, sizeof name, "column_%d", col + 1);
    return add_name(vctx, col, name);
}

static int infer_field(void *vctx, csv_reader *r, int col) {
    csv_ctx *c = vctx;
    if (col >= c->ncols || c->given[col] || (r->len == 0 && !r->quoted)) return 0;
    int m = 0;
    int64_t i64, secs, ns;
    double f;
    bool b, tz;
    if (parse_bool(r->buf, &b) == 0) m |= CAN_BOOL;
    if (parse_int(r->buf, r->len, &i64) == 0) m |= CAN_INT | CAN_FLOAT;
    else if (parse_float(r->buf, r->len, &f) == 0) m |= CAN_FLOAT;
    if (parse_iso(r->buf, r->len, &secs, &ns, &tz) == 0) m |= CAN_TS | (tz ? ALL_TZ : 0) | (r->len == 10 ? CAN_DATE : 0);
    c->can[col] &= m;
    c->nonnull[col]++;
    return 0;
}

static int append_scalar(oups_builder *b, const oups_scalar *s) {
    switch (s->type.id) {
    case OUPS_TYPE_BOOL: return oups_builder_append_bool(b, s->v.b);
    case OUPS_TYPE_UINT8: case OUPS_TYPE_UINT16: case OUPS_TYPE_UINT32: case OUPS_TYPE_UINT64:
        return oups_builder_append_uint(b, s->v.u);
    case OUPS_TYPE_FLOAT32: case OUPS_TYPE_FLOAT64: return oups_builder_append_double(b, s->v.f);
    case OUPS_TYPE_STRING: case OUPS_TYPE_BINARY: return oups_builder_append_bytes(b, s->v.bytes.ptr, s->v.bytes.len);
    case OUPS_TYPE_DECIMAL128: return oups_builder_append_decimal(b, s->v.dec);
    default: return oups_builder_append_int(b, s->v.i);
    }
}

static int build_field(void *vctx, csv_reader *r, int col) {
    csv_ctx *c = vctx;
    if (r->len == 0 && !r->quoted) {
        if (oups_builder_append_null(c->builders[col])) return cli_fail_lib(OUPS_ENOMEM, r->name);
        return 0;
    }
    if (c->types[col].id == OUPS_TYPE_BINARY && r->len / 2 > c->bin_cap) {
        uint8_t *nb = realloc(c->bin, r->len / 2 + 1);
        if (!nb) return cli_fail(OUPS_ENOMEM, "out of memory");
        c->bin = nb;
        c->bin_cap = r->len / 2 + 1;
    }
    oups_scalar s;
    const char *why;
    char tname[96];
    if (parse_cell(&s, &c->types[col], r->buf, r->len, c->bin, c->bin_cap, &why))
        return cli_fail(OUPS_EINVAL, "%s: line %lld, column '%s': cannot parse '%s' as %s%s%s%s", r->name,
                        (long long)r->rec_line, c->names[col], r->buf,
                        oups_datatype_format(&c->types[col], tname, sizeof tname), why ? ": " : "", why ? why : "",
                        c->given[col] ? "" : " (the type was inferred from the first rows; give it with --schema)");
    int rc = append_scalar(c->builders[col], &s);
    if (rc) {
        char ctx[512];
        snprintf(ctx, sizeof ctx, "%s: line %lld, column '%s'", r->name, (long long)r->rec_line, c->names[col]);
        return cli_fail_lib(rc, ctx);
    }
    return 0;
}

static oups_datatype inferred_type(const csv_ctx *c, int col) {
    int m = c->can[col];
    if (c->nonnull[col] == 0) return oups_type(OUPS_TYPE_STRING);
    if (m & CAN_BOOL) return oups_type(OUPS_TYPE_BOOL);
    if (m & CAN_INT) return oups_type(OUPS_TYPE_INT64);
    if (m & CAN_FLOAT) return oups_type(OUPS_TYPE_FLOAT64);
    if (m & CAN_DATE) return oups_type(OUPS_TYPE_DATE32);
    if (m & CAN_TS) return oups_type_timestamp(OUPS_UNIT_NS, (m & ALL_TZ) ? "UTC" : NULL);
    return oups_type(OUPS_TYPE_STRING);
}

static void ctx_free(csv_ctx *c) {
    for (int i = 0; i < c->ncols; i++) {
        if (c->names) free(c->names[i]);
        if (c->builders) oups_builder_free(c->builders[i]);
    }
    free(c->names);
    free(c->types);
    free(c->given);
    free(c->can);
    free(c->nonnull);
    free(c->builders);
    free(c->bin);
}

/* ---- the streaming reader ----------------------------------------------------------------- */

struct cli_csv {
    cli_source *src;
    const char *name;
    cli_csv_options o;
    char *buf;           /* unparsed bytes buf[start, len), buf[start] starts a record */
    size_t start, len, cap;
    bool eof, at_start;
    int64_t line;        /* line number of buf[start] */
    csv_ctx c;
    csv_reader r;        /* its field buffer is reused across blocks */
    oups_table *schema;  /* 0 rows */
    oups_table *pending; /* the first block, built at open (inference needs it) */
    int64_t *row_lines;  /* the line where each row of the last block built starts */
    int64_t n_lines, cap_lines;
    int64_t line_before; /* ... and where the last row of the block before it started (-1: none) */
};

/* Read until at least one complete record past `start` and block_bytes are buffered, or EOF;
 * *cut is then the end of the last complete record (the whole rest at EOF). */
static int fill(cli_csv *s, const char **cut) {
    if (s->start) {
        memmove(s->buf, s->buf + s->start, s->len - s->start);
        s->len -= s->start;
        s->start = 0;
    }
    for (;;) {
        if (!s->eof && s->len < s->o.block_bytes) {
            if (s->cap - s->len < 65536) {
                size_t cap = s->cap ? s->cap * 2 : (size_t)1 << 20;
                char *b = realloc(s->buf, cap);
                if (!b) return cli_fail(OUPS_ENOMEM, "%s: out of memory", s->name);
                s->buf = b;
                s->cap = cap;
            }
            size_t want = s->o.block_bytes - s->len; /* a block is about block_bytes, not the buffer's size */
            int64_t n = cli_source_read(s->src, s->buf + s->len, want < s->cap - s->len ? want : s->cap - s->len);
            if (n < 0) return (int)n;
            if (n == 0) s->eof = true;
            s->len += (size_t)n;
            if (s->at_start && s->len >= 3 && !memcmp(s->buf, "\xEF\xBB\xBF", 3)) { /* UTF-8 byte order mark */
                memmove(s->buf, s->buf + 3, s->len - 3);
                s->len -= 3;
            }
            if (s->len >= 3 || s->eof) s->at_start = false;
            continue;
        }
        *cut = s->eof ? s->buf + s->len : last_record_end(s->buf, s->buf + s->len, s->o.delimiter);
        if (*cut > s->buf || s->eof) return 0;
        s->o.block_bytes = s->len + 1; /* one record longer than a block: read more */
    }
}

static void reader_at(cli_csv *s, const char *cut) {
    s->r.p = s->buf + s->start;
    s->r.end = cut;
    s->r.line = s->line;
}

static void reader_done(cli_csv *s) {
    s->start = (size_t)(s->r.p - s->buf);
    s->line = s->r.line;
}

/* Every record of the buffered block has exactly ncols fields (blank lines skipped). */
static int block_pass(cli_csv *s, const char *cut, field_fn fn) {
    reader_at(s, cut);
    int rc = 0;
    while (rc >= 0) {
        rc = csv_record(&s->r, fn, &s->c, s->c.ncols > 1);
        if (rc == 0 && s->r.p >= s->r.end) break;
        if (rc > 0 && rc != s->c.ncols)
            rc = cli_fail(OUPS_EINVAL, "%s: line %lld: %d fields, the header has %d", s->name,
                          (long long)s->r.rec_line, rc, s->c.ncols);
        if (rc > 0 && fn == build_field) { /* a row: its line, for messages about it */
            if (s->n_lines == s->cap_lines) {
                int64_t cap = s->cap_lines ? 2 * s->cap_lines : 4096, *l = realloc(s->row_lines, (size_t)cap * 8);
                if (!l) return cli_fail(OUPS_ENOMEM, "%s: out of memory", s->name);
                s->row_lines = l, s->cap_lines = cap;
            }
            s->row_lines[s->n_lines++] = s->r.rec_line;
        }
    }
    return rc < 0 ? rc : 0;
}

static int build_block(oups_table **out, cli_csv *s, const char *cut) {
    if (s->n_lines > 0) s->line_before = s->row_lines[s->n_lines - 1];
    s->n_lines = 0;
    int rc = block_pass(s, cut, build_field);
    if (rc) return rc;
    reader_done(s);
    oups_column **cols = calloc((size_t)s->c.ncols, sizeof *cols);
    if (!cols) return cli_fail(OUPS_ENOMEM, "%s: out of memory", s->name);
    for (int i = 0; rc == 0 && i < s->c.ncols; i++)
        if ((rc = oups_builder_finish(&cols[i], s->c.builders[i])) != 0) rc = cli_fail_lib(rc, s->name);
    if (rc == 0 && (rc = oups_table_new(out, s->c.ncols, (const char *const *)s->c.names, cols)) != 0)
        rc = cli_fail_lib(rc, s->name);
    for (int i = 0; i < s->c.ncols; i++) oups_column_release(cols[i]);
    free(cols);
    return rc;
}

/* `sch` (NULL: none) types the columns it names; with `need_all` each must be in the header. */
static int open_columns(cli_csv *s, const cli_schema *sch, bool need_all) {
    csv_ctx *c = &s->c;
    int rc = 0;
    c->types = calloc((size_t)c->ncols, sizeof *c->types);
    c->given = calloc((size_t)c->ncols, sizeof *c->given);
    c->can = calloc((size_t)c->ncols, sizeof *c->can);
    c->nonnull = calloc((size_t)c->ncols, sizeof *c->nonnull);
    c->builders = calloc((size_t)c->ncols, sizeof *c->builders);
    if (!c->types || !c->given || !c->can || !c->nonnull || !c->builders) rc = cli_fail(OUPS_ENOMEM, "out of memory");
    for (int i = 0; rc == 0 && i < c->ncols; i++) c->can[i] = CAN_BOOL | CAN_INT | CAN_FLOAT | CAN_TS | ALL_TZ | CAN_DATE;
    for (int k = 0; rc == 0 && sch && k < sch->n; k++) {
        int i = 0;
        while (i < c->ncols && strcmp(c->names[i], sch->names[k])) i++;
        if (i < c->ncols) c->types[i] = sch->types[k], c->given[i] = true;
        else if (need_all)
            rc = cli_fail(OUPS_ENOTFOUND, "--schema: column '%s' is not in the header of %s", sch->names[k], s->name);
    }
    return rc;
}

int cli_csv_open_typed(cli_csv **out, const char *path, const cli_schema *sch, bool need_all,
                       const cli_csv_options *opts) {
    *out = NULL;
    cli_csv *s = calloc(1, sizeof *s);
    if (!s) return cli_fail(OUPS_ENOMEM, "%s: out of memory", path);
    s->o = opts ? *opts : (cli_csv_options)CLI_CSV_OPTIONS_INIT;
    const char *env = getenv("OUPS_CSV_BLOCK_BYTES"); /* tests: block boundaries everywhere */
    if (env && atoll(env) > 0) s->o.block_bytes = (size_t)atoll(env);
    if (s->o.block_bytes < 1) s->o.block_bytes = ((cli_csv_options)CLI_CSV_OPTIONS_INIT).block_bytes;
    s->line = 1;
    s->line_before = -1;
    s->at_start = true;
    int rc = cli_source_open(&s->src, path);
    if (rc) {
        free(s);
        return rc;
    }
    s->name = cli_source_name(s->src);
    s->r.name = s->name;
    s->r.delim = s->o.delimiter;
    const char *cut = NULL;
    /* the header: the first non-blank record (or, without one, the first record's width) */
    do {
        if ((rc = fill(s, &cut)) != 0) break;
        reader_at(s, cut);
        const char *rec = s->r.p;
        int64_t rec_line = s->r.line;
        do rc = csv_record(&s->r, s->o.no_header ? numbered_field : header_field, &s->c, true);
        while (rc == 0 && s->r.p < s->r.end);
        if (s->o.no_header && rc > 0) s->r.p = rec, s->r.line = rec_line; /* the record is data */
        if (rc >= 0) reader_done(s);
    } while (rc == 0 && !s->eof);
    if (rc >= 0 && s->c.ncols == 0) { /* an empty file: the --schema columns (0 rows), else an error */
        for (int k = 0; rc >= 0 && need_all && sch && k < sch->n; k++) rc = add_name(&s->c, k, sch->names[k]);
        if (rc >= 0 && s->c.ncols == 0) rc = cli_fail(OUPS_EINVAL, "%s: %s", s->name, CLI_NO_COLUMNS);
    }
    if (rc >= 0) rc = open_columns(s, sch, need_all);
    /* the first block: types are inferred from it, then fixed for the rest of the input */
    if (rc >= 0) rc = fill(s, &cut);
    if (rc >= 0) rc = block_pass(s, cut, infer_field);
    for (int i = 0; rc >= 0 && i < s->c.ncols; i++) {
        if (!s->c.given[i]) s->c.types[i] = inferred_type(&s->c, i);
        if ((rc = oups_builder_new(&s->c.builders[i], &s->c.types[i], 0)) != 0) rc = cli_fail_lib(rc, s->name);
    }
    if (rc >= 0 && (rc = oups_table_new_empty(&s->schema, s->c.ncols, (const char *const *)s->c.names, s->c.types)))
        rc = cli_fail_lib(rc, s->name);
    if (rc >= 0) rc = build_block(&s->pending, s, cut);
    if (rc < 0) {
        cli_csv_close(s);
        return rc;
    }
    *out = s;
    return 0;
}

int cli_csv_open(cli_csv **out, const char *path, const char *schema_spec, const cli_csv_options *opts) {
    *out = NULL;
    cli_schema sch = {0};
    int rc = schema_spec ? cli_parse_schema(&sch, schema_spec) : 0;
    if (rc == 0) rc = cli_csv_open_typed(out, path, schema_spec ? &sch : NULL, true, opts);
    cli_schema_free(&sch);
    return rc;
}

const oups_table *cli_csv_schema(const cli_csv *s) { return s->schema; }
int64_t cli_csv_raw_bytes(const cli_csv *s) { return cli_source_raw_bytes(s->src); }

int cli_csv_next(oups_table **out, cli_csv *s) {
    *out = NULL;
    if (s->pending) {
        *out = s->pending;
        s->pending = NULL;
        return 1;
    }
    const char *cut;
    int rc = fill(s, &cut);
    if (rc) return rc;
    if (cut == s->buf + s->start) return 0; /* nothing left (only at EOF) */
    rc = build_block(out, s, cut);
    return rc ? rc : 1;
}

int64_t cli_csv_row_line(const cli_csv *s, int64_t row) {
    if (row == -1) return s->line_before;
    return row >= 0 && row < s->n_lines ? s->row_lines[row] : -1;
}

void cli_csv_close(cli_csv *s) {
    if (!s) return;
    free(s->row_lines);
    cli_source_close(s->src);
    oups_table_free(s->schema);
    oups_table_free(s->pending);
    ctx_free(&s->c);
    free(s->r.buf);
    free(s->buf);
    free(s);
}

/* `sch`/`need_all` as in open_columns; a Parquet file is read as stored. */
static int read_table(oups_table **out, const char *path, const cli_schema *sch, bool need_all,
                      const cli_csv_options *o) {
    *out = NULL;
    if (cli_path_is_parquet(path)) {
        int rc = oups_parquet_read(out, path);
        return rc ? cli_fail_lib(rc, NULL) : 0;
    }
    cli_csv *s = NULL;
    int rc = cli_csv_open_typed(&s, path, sch, need_all, o);
    oups_table **parts = NULL, *t = NULL;
    int n = 0;
    while (rc == 0 && (rc = cli_csv_next(&t, s)) == 1) {
        oups_table **np = realloc(parts, sizeof *np * (size_t)(n + 1));
        if (!np) {
            oups_table_free(t);
            rc = cli_fail(OUPS_ENOMEM, "%s: out of memory", path);
            break;
        }
        parts = np;
        parts[n++] = t;
        rc = 0;
    }
    if (rc == 0 && n == 0) *out = oups_table_retain((oups_table *)cli_csv_schema(s));
    else if (rc == 0 && (rc = oups_table_concat(out, parts, n)) != 0) rc = cli_fail_lib(rc, path);
    for (int i = 0; i < n; i++) oups_table_free(parts[i]);
    free(parts);
    cli_csv_close(s);
    return rc;
}

int cli_read_table_opts(oups_table **out, const char *path, const char *schema_spec, const cli_csv_options *o) {
    *out = NULL;
    if (schema_spec && cli_path_is_parquet(path))
        return cli_fail(OUPS_EINVAL, "%s: --schema applies to CSV input only", path);
    cli_schema sch = {0};
    int rc = schema_spec ? cli_parse_schema(&sch, schema_spec) : 0;
    if (rc == 0) rc = read_table(out, path, schema_spec ? &sch : NULL, true, o);
    cli_schema_free(&sch);
    return rc;
}

int cli_read_table(oups_table **out, const char *path, const char *schema_spec) {
    return cli_read_table_opts(out, path, schema_spec, NULL);
}

int cli_read_table_typed(oups_table **out, const char *path, const cli_schema *types) {
    return read_table(out, path, types, false, NULL);
}

int cli_read_table_typed_opts(oups_table **out, const char *path, const cli_schema *types, const cli_csv_options *o) {
    return read_table(out, path, types, false, o);
}

/* ---- rows of cells held in memory (records.h: the live input, live.c) --------------------- */
/* Kept apart from the streaming reader above: the same tokenizer, inference and cell parsing,
 * applied to complete records the live driver has already cut from its input. */
#include "records.h"

static int collect_field(void *vctx, csv_reader *r, int col) {
    cli_cells *c = vctx;
    if (col >= c->ncols) return 0; /* counted by csv_record; the width is checked after */
    return cli_cells_add(c, r->len == 0 && !r->quoted ? NULL : r->buf, r->len);
}

int cli_csv_cells(cli_cells *c, const char *name, const char *buf, size_t len, char delim, int64_t first_line) {
    csv_reader r = {.p = buf, .end = buf + len, .name = name, .delim = delim, .line = first_line};
    int rc = 0;
    if (c->ncols == 0) { /* the width of the first record (a header) */
        csv_reader probe = r;
        do rc = csv_record(&probe, NULL, NULL, true);
        while (rc == 0 && probe.p < probe.end);
        free(probe.buf);
        c->ncols = rc > 0 ? rc : 0;
        if (rc <= 0) return rc;
        r.buf = NULL;
    }
    while (rc >= 0 && r.p < r.end) {
        int before = c->filled;
        rc = csv_record(&r, collect_field, c, true);
        if (rc > 0 && rc != c->ncols) {
            c->filled = before;
            rc = cli_fail(OUPS_EINVAL, "%s: line %lld: %d fields, the header has %d", name, (long long)r.rec_line, rc,
                          c->ncols);
        }
        if (rc > 0) rc = cli_cells_end_row(c, r.rec_line);
    }
    free(r.buf);
    return rc < 0 ? rc : 0;
}

/* Each cell of the rows through `fn`, as the reader's current field. */
static int cells_pass(csv_ctx *x, const cli_cells *c, const char *name, field_fn fn) {
    csv_reader r = {.name = name};
    for (int64_t i = 0; i < c->nrows; i++) {
        r.rec_line = c->line[i];
        for (int k = 0; k < c->ncols; k++) {
            size_t off = c->off[i * c->ncols + k];
            r.buf = off == SIZE_MAX ? (char *)"" : c->arena + off;
            r.len = strlen(r.buf);
            r.quoted = off != SIZE_MAX;
            int rc = fn(x, &r, k);
            if (rc) return rc;
        }
    }
    return 0;
}

int cli_cells_table(oups_table **out, const cli_cells *c, const char *name, char *const *names, const cli_schema *sch) {
    *out = NULL;
    csv_ctx x = {0};
    int rc = 0;
    for (int i = 0; rc == 0 && i < c->ncols; i++) rc = add_name(&x, i, names[i]);
    x.types = calloc((size_t)x.ncols + 1, sizeof *x.types);
    x.given = calloc((size_t)x.ncols + 1, sizeof *x.given);
    x.can = calloc((size_t)x.ncols + 1, sizeof *x.can);
    x.nonnull = calloc((size_t)x.ncols + 1, sizeof *x.nonnull);
    x.builders = calloc((size_t)x.ncols + 1, sizeof *x.builders);
    if (rc == 0 && (!x.types || !x.given || !x.can || !x.nonnull || !x.builders)) rc = cli_fail(OUPS_ENOMEM, "out of memory");
    for (int i = 0; rc == 0 && i < x.ncols; i++) {
        x.can[i] = CAN_BOOL | CAN_INT | CAN_FLOAT | CAN_TS | ALL_TZ | CAN_DATE;
        for (int k = 0; sch && k < sch->n; k++)
            if (!strcmp(sch->names[k], x.names[i])) x.types[i] = sch->types[k], x.given[i] = true;
    }
    if (rc == 0) rc = cells_pass(&x, c, name, infer_field);
    for (int i = 0; rc == 0 && i < x.ncols; i++) {
        if (!x.given[i]) x.types[i] = inferred_type(&x, i);
        if ((rc = oups_builder_new(&x.builders[i], &x.types[i], c->nrows)) != 0) rc = cli_fail_lib(rc, name);
    }
    if (rc == 0) rc = cells_pass(&x, c, name, build_field);
    oups_column **cols = rc == 0 ? calloc((size_t)x.ncols + 1, sizeof *cols) : NULL;
    if (rc == 0 && !cols) rc = cli_fail(OUPS_ENOMEM, "out of memory");
    for (int i = 0; rc == 0 && i < x.ncols; i++)
        if ((rc = oups_builder_finish(&cols[i], x.builders[i])) != 0) rc = cli_fail_lib(rc, name);
    if (rc == 0 && (rc = oups_table_new(out, x.ncols, (const char *const *)x.names, cols)) != 0) rc = cli_fail_lib(rc, name);
    for (int i = 0; cols && i < x.ncols; i++) oups_column_release(cols[i]);
    free(cols);
    ctx_free(&x);
    return rc;
}
