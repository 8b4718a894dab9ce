/*
 * tools/oups/jsonl.c: JSONL input (one JSON object of scalars per line, as `--format jsonl`
 * writes them) turned into rows of text cells (records.h), and the cell storage itself. A value
 * becomes the text a CSV cell would hold: strings unescaped, numbers and true/false as written,
 * null a null cell; the table builder (csv.c) then types the cells as it types CSV cells, so a
 * timestamp written as an ISO 8601 string reads back as a timestamp.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "records.h"

/* ---- cell storage ------------------------------------------------------------------------- */

/* Append s[0, n) and a NUL to the growable text *buf (*len excludes the NUL). */
static int append(char **buf, size_t *len, size_t *cap, const char *s, size_t n) {
    if (*cap - *len < n + 1) {
        size_t c = *cap ? *cap * 2 : 256;
        while (c - *len < n + 1) c *= 2;
        char *b = realloc(*buf, c);
        if (!b) return cli_fail(OUPS_ENOMEM, "out of memory");
        *buf = b;
        *cap = c;
    }
    memcpy(*buf + *len, s, n);
    *len += n;
    (*buf)[*len] = 0;
    return 0;
}

int cli_cells_add(cli_cells *c, const char *text, size_t len) {
    if (c->filled >= c->ncols) return cli_fail(OUPS_EINVAL, "internal: too many cells in a row");
    if (c->nrows >= c->cap_rows) {
        int64_t cap = c->cap_rows ? c->cap_rows * 2 : 256;
        size_t *no = realloc(c->off, sizeof *no * (size_t)cap * (size_t)c->ncols);
        if (no) c->off = no;
        int64_t *nl = no ? realloc(c->line, sizeof *nl * (size_t)cap) : NULL;
        if (!nl) return cli_fail(OUPS_ENOMEM, "out of memory");
        c->line = nl;
        c->cap_rows = cap;
    }
    size_t *slot = &c->off[c->nrows * c->ncols + c->filled++];
    if (!text) {
        *slot = SIZE_MAX;
        return 0;
    }
    *slot = c->arena_len;
    if (append(&c->arena, &c->arena_len, &c->arena_cap, text, len)) return OUPS_ENOMEM;
    c->arena_len++; /* past the NUL: the texts are back to back */
    return 0;
}

int cli_cells_end_row(cli_cells *c, int64_t line) {
    if (c->filled != c->ncols) return cli_fail(OUPS_EINVAL, "internal: %d cells in a row of %d", c->filled, c->ncols);
    c->line[c->nrows++] = line;
    c->filled = 0;
    return 0;
}

void cli_cells_clear(cli_cells *c) {
    c->nrows = 0;
    c->arena_len = 0;
    c->filled = 0;
}

void cli_cells_free(cli_cells *c) {
    free(c->arena);
    free(c->off);
    free(c->line);
    memset(c, 0, sizeof *c);
}

/* ---- JSON ----------------------------------------------------------------------------------- */

typedef struct jp {
    const char *p, *end, *name, *start;
    int64_t line;
    char *buf; /* the value or key being read, unescaped */
    size_t len, cap;
} jp;

static void ws(jp *j) {
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\r' || *j->p == '\n')) j->p++;
}

static int put(jp *j, const char *s, size_t n) { return append(&j->buf, &j->len, &j->cap, s, n); }

/* "line L[, field 'f']: what" */
static int bad(const jp *j, const char *field, const char *what) {
    if (field)
        return cli_fail(OUPS_EINVAL, "%s: line %lld, field '%s': %s", j->name, (long long)j->line, field, what);
    return cli_fail(OUPS_EINVAL, "%s: line %lld: %s (at character %lld)", j->name, (long long)j->line, what,
                    (long long)(j->p - j->start) + 1);
}

static int hex4(const char *p, unsigned *v) {
    *v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0) return -1;
        *v = *v << 4 | (unsigned)d;
    }
    return 0;
}

/* A JSON string at j->p (the opening quote) into j->buf, UTF-8. */
static int string(jp *j, const char *field) {
    j->len = 0;
    if (put(j, "", 0)) return OUPS_ENOMEM;
    j->p++;
    for (;;) {
        if (j->p >= j->end) return bad(j, field, "string not closed");
        unsigned char c = (unsigned char)*j->p++;
        if (c == '"') return 0;
        if (c < 0x20) return bad(j, field, "control character in a string");
        if (c != '\\') {
            if (put(j, (const char *)&c, 1)) return OUPS_ENOMEM;
            continue;
        }
        if (j->p >= j->end) return bad(j, field, "string not closed");
        char e = *j->p++, ch = 0;
        switch (e) {
        case '"': case '\\': case '/': ch = e; break;
        case 'b': ch = '\b'; break;
        case 'f': ch = '\f'; break;
        case 'n': ch = '\n'; break;
        case 'r': ch = '\r'; break;
        case 't': ch = '\t'; break;
        case 'u': {
            unsigned u, lo;
            if (j->end - j->p < 4 || hex4(j->p, &u)) return bad(j, field, "bad \\u escape");
            j->p += 4;
            if (u >= 0xD800 && u < 0xDC00) { /* a surrogate pair */
                if (j->end - j->p < 6 || j->p[0] != '\\' || j->p[1] != 'u' || hex4(j->p + 2, &lo) || lo < 0xDC00 ||
                    lo > 0xDFFF)
                    return bad(j, field, "unpaired surrogate in a \\u escape");
                j->p += 6;
                u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
            } else if (u >= 0xDC00 && u < 0xE000) return bad(j, field, "unpaired surrogate in a \\u escape");
            if (u == 0) return bad(j, field, "\\u0000 is not supported in a value");
            char b[4];
            size_t n;
            if (u < 0x80) b[0] = (char)u, n = 1;
            else if (u < 0x800) b[0] = (char)(0xC0 | u >> 6), b[1] = (char)(0x80 | (u & 63)), n = 2;
            else if (u < 0x10000)
                b[0] = (char)(0xE0 | u >> 12), b[1] = (char)(0x80 | (u >> 6 & 63)), b[2] = (char)(0x80 | (u & 63)), n = 3;
            else
                b[0] = (char)(0xF0 | u >> 18), b[1] = (char)(0x80 | (u >> 12 & 63)), b[2] = (char)(0x80 | (u >> 6 & 63)),
                b[3] = (char)(0x80 | (u & 63)), n = 4;
            if (put(j, b, n)) return OUPS_ENOMEM;
            continue;
        }
        default: return bad(j, field, "bad escape in a string");
        }
        if (put(j, &ch, 1)) return OUPS_ENOMEM;
    }
}

/* A scalar value into j->buf: 1 = a value, 0 = null, < 0 error. */
static int value(jp *j, const char *field) {
    ws(j);
    if (j->p >= j->end) return bad(j, field, "value missing");
    char c = *j->p;
    if (c == '"') return string(j, field) ? -1 : 1;
    if (c == '{' || c == '[') return bad(j, field, "nested objects and arrays are not supported (scalars only)");
    static const char *const words[] = {"null", "true", "false"};
    for (int w = 0; w < 3; w++) {
        size_t n = strlen(words[w]);
        if ((size_t)(j->end - j->p) >= n && !memcmp(j->p, words[w], n)) {
            j->p += n;
            j->len = 0;
            if (w && put(j, words[w], n)) return OUPS_ENOMEM;
            return w ? 1 : 0;
        }
    }
    /* a number, checked against the JSON grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
    const char *s = j->p, *p = s, *e = j->end;
    if (p < e && *p == '-') p++;
    const char *d = p;
    while (p < e && *p >= '0' && *p <= '9') p++;
    bool ok = p > d && !(*d == '0' && p - d > 1);
    if (ok && p < e && *p == '.') {
        d = ++p;
        while (p < e && *p >= '0' && *p <= '9') p++;
        ok = p > d;
    }
    if (ok && p < e && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < e && (*p == '+' || *p == '-')) p++;
        d = p;
        while (p < e && *p >= '0' && *p <= '9') p++;
        ok = p > d;
    }
    if (!ok) return bad(j, field, "not a JSON value (string, number, true, false or null)");
    j->p = p;
    j->len = 0;
    return put(j, s, (size_t)(p - s)) ? -1 : 1;
}

/* Walk the object of one line: `on_pair(ctx, key, has_value)` for each member, the value in
 * j->buf (key copied before the value is read). */
typedef int (*pair_fn)(void *ctx, jp *j, const char *key, int has_value);
static int object(jp *j, pair_fn fn, void *ctx) {
    int rc = 0;
    char *key = NULL;
    ws(j);
    if (j->p >= j->end || *j->p != '{') return bad(j, NULL, "expected a JSON object '{'");
    j->p++;
    ws(j);
    if (j->p < j->end && *j->p == '}') j->p++;
    else
        for (;;) {
            ws(j);
            if (j->p >= j->end || *j->p != '"') {
                rc = bad(j, NULL, "expected a field name in double quotes");
                break;
            }
            if ((rc = string(j, NULL)) < 0) break;
            free(key);
            if (!(key = strdup(j->buf))) {
                rc = cli_fail(OUPS_ENOMEM, "out of memory");
                break;
            }
            ws(j);
            if (j->p >= j->end || *j->p != ':') {
                rc = bad(j, key, "expected ':' after the field name");
                break;
            }
            j->p++;
            int v = value(j, key);
            if (v < 0 || (rc = fn(ctx, j, key, v)) < 0) {
                rc = v < 0 ? v : rc;
                break;
            }
            ws(j);
            if (j->p < j->end && *j->p == ',') {
                j->p++;
                continue;
            }
            if (j->p < j->end && *j->p == '}') {
                j->p++;
                break;
            }
            rc = bad(j, key, "expected ',' or '}' after the value");
            break;
        }
    free(key);
    if (rc < 0) return rc;
    ws(j);
    if (j->p < j->end) return bad(j, NULL, "text after the JSON object");
    return 0;
}

typedef struct keys_ctx {
    char **names;
    int n;
} keys_ctx;

static int key_pair(void *vctx, jp *j, const char *key, int has_value) {
    (void)has_value;
    keys_ctx *k = vctx;
    for (int i = 0; i < k->n; i++)
        if (!strcmp(k->names[i], key)) return bad(j, key, "the field appears twice");
    char **nn = realloc(k->names, sizeof *nn * (size_t)(k->n + 1));
    if (!nn) return cli_fail(OUPS_ENOMEM, "out of memory");
    k->names = nn;
    return (k->names[k->n++] = strdup(key)) ? 0 : cli_fail(OUPS_ENOMEM, "out of memory");
}

int cli_jsonl_keys(char ***names, int *n, const char *name, const char *text, size_t len, int64_t line) {
    jp j = {.p = text, .end = text + len, .name = name, .start = text, .line = line};
    keys_ctx k = {0};
    int rc = object(&j, key_pair, &k);
    if (rc == 0 && k.n == 0) rc = bad(&j, NULL, "an object without fields (the first line names the columns)");
    free(j.buf);
    if (rc < 0) {
        for (int i = 0; i < k.n; i++) free(k.names[i]);
        free(k.names);
        return rc;
    }
    *names = k.names;
    *n = k.n;
    return 0;
}

/* A row's values by column: texts in `row` (one arena), set[i] = 1 value, 0 null, -1 absent. */
typedef struct row_ctx {
    char *const *names;
    int ncols;
    int *set;
    size_t *off;
    jp vals; /* storage of the row's value texts */
} row_ctx;

static int row_pair(void *vctx, jp *j, const char *key, int has_value) {
    row_ctx *r = vctx;
    int i = 0;
    while (i < r->ncols && strcmp(r->names[i], key)) i++;
    if (i == r->ncols) return bad(j, key, "not a column of the stream (the columns are fixed by its first line or the state)");
    if (r->set[i] >= 0) return bad(j, key, "the field appears twice");
    r->set[i] = has_value;
    r->off[i] = r->vals.len;
    return has_value ? put(&r->vals, j->buf, j->len + 1) : 0; /* with its NUL: texts back to back */
}

int cli_jsonl_cells(cli_cells *c, char *const *names, const char *name, const char *text, size_t len, int64_t line) {
    jp j = {.p = text, .end = text + len, .name = name, .start = text, .line = line};
    row_ctx r = {.names = names, .ncols = c->ncols};
    r.set = malloc(sizeof *r.set * (size_t)c->ncols);
    r.off = malloc(sizeof *r.off * (size_t)c->ncols);
    int rc = r.set && r.off ? 0 : cli_fail(OUPS_ENOMEM, "out of memory");
    for (int i = 0; rc == 0 && i < c->ncols; i++) r.set[i] = -1;
    if (rc == 0) rc = object(&j, row_pair, &r);
    for (int i = 0; rc == 0 && i < c->ncols; i++) {
        const char *v = r.set[i] > 0 ? r.vals.buf + r.off[i] : NULL;
        rc = cli_cells_add(c, v, v ? strlen(v) : 0);
    }
    if (rc == 0) rc = cli_cells_end_row(c, line);
    else c->filled = 0; /* the row is dropped whole */
    free(r.set);
    free(r.off);
    free(r.vals.buf);
    free(j.buf);
    return rc;
}

/* ---- JSONL files, block by block ------------------------------------------------------------ */

int cli_schema_of_table(cli_schema *s, const oups_table *t) {
    int nc = oups_table_num_columns(t);
    memset(s, 0, sizeof *s);
    s->names = calloc((size_t)nc + 1, sizeof *s->names);
    s->types = calloc((size_t)nc + 1, sizeof *s->types);
    for (; s->names && s->types && s->n < nc; s->n++) {
        s->types[s->n] = *oups_column_type(oups_table_column(t, s->n));
        if (!(s->names[s->n] = strdup(oups_table_column_name(t, s->n)))) break;
    }
    if (s->n == nc) return 0;
    cli_schema_free(s);
    return cli_fail(OUPS_ENOMEM, "out of memory");
}

struct cli_jsonl {
    cli_source *src;
    const char *name;
    size_t block;
    char *buf;
    size_t len, cap;
    bool eof;
    int64_t line;       /* line of buf[0] */
    char **names;       /* the columns: the keys of the first line */
    int ncols;
    cli_schema types;   /* given, then (after the first block) every column's */
    bool typed;
    cli_cells cells;
    oups_table *schema; /* 0 rows */
    oups_table *pending;
};

/* The next block as a table (*out NULL when the input has no more rows). */
static int jsonl_block(oups_table **out, cli_jsonl *j) {
    *out = NULL;
    size_t cut = 0;
    for (;;) { /* read at least one complete line (all of the rest at the end) */
        if (!j->eof && j->len < j->block) {
            if (j->cap - j->len < 65536) {
                size_t cap = j->cap ? j->cap * 2 : (size_t)1 << 17;
                char *b = realloc(j->buf, cap);
                if (!b) return cli_fail(OUPS_ENOMEM, "%s: out of memory", j->name);
                j->buf = b;
                j->cap = cap;
            }
            int64_t n = cli_source_read(j->src, j->buf + j->len, j->cap - j->len);
            if (n < 0) return (int)n;
            j->eof = n == 0;
            j->len += (size_t)n;
            continue;
        }
        for (cut = j->len; !j->eof && cut > 0 && j->buf[cut - 1] != '\n'; cut--) {}
        if (cut > 0 || j->eof) break;
        j->block = j->len + 1; /* a line longer than a block: read more */
    }
    int rc = 0;
    for (size_t p = 0; rc == 0 && p < cut;) {
        const char *nl = memchr(j->buf + p, '\n', cut - p);
        size_t e = nl ? (size_t)(nl - j->buf) : cut;
        const char *r = j->buf + p;
        size_t n = e - p;
        bool blank = true;
        for (size_t i = 0; blank && i < n; i++) blank = r[i] == ' ' || r[i] == '\t' || r[i] == '\r';
        if (!blank && !j->names) {
            if ((rc = cli_jsonl_keys(&j->names, &j->ncols, j->name, r, n, j->line)) == 0) j->cells.ncols = j->ncols;
        }
        if (!blank && rc == 0) rc = cli_jsonl_cells(&j->cells, j->names, j->name, r, n, j->line);
        j->line++;
        p = e + 1;
    }
    if (cut < j->len) memmove(j->buf, j->buf + cut, j->len - cut);
    j->len -= cut;
    if (rc == 0 && j->cells.nrows > 0) {
        rc = cli_cells_table(out, &j->cells, j->name, j->names, j->types.n ? &j->types : NULL);
        if (rc == 0 && !j->typed) { /* the first block fixes the types, for good */
            cli_schema_free(&j->types);
            j->typed = (rc = cli_schema_of_table(&j->types, *out)) == 0;
        }
    }
    cli_cells_clear(&j->cells);
    return rc;
}

int cli_jsonl_open(cli_jsonl **out, const char *path, const cli_schema *sch, bool need_all, const cli_csv_options *o) {
    *out = NULL;
    cli_jsonl *j = calloc(1, sizeof *j);
    if (!j) return cli_fail(OUPS_ENOMEM, "%s: out of memory", path);
    j->block = o && o->block_bytes ? o->block_bytes : ((cli_csv_options)CLI_CSV_OPTIONS_INIT).block_bytes;
    const char *env = getenv("OUPS_CSV_BLOCK_BYTES"); /* tests: block boundaries everywhere */
    if (env && atoll(env) > 0) j->block = (size_t)atoll(env);
    j->line = 1;
    int rc = cli_source_open(&j->src, path);
    if (rc == 0) j->name = cli_source_name(j->src);
    if (rc == 0 && sch && sch->n) { /* a copy: the caller's may go */
        j->types.names = calloc((size_t)sch->n, sizeof *j->types.names);
        j->types.types = calloc((size_t)sch->n, sizeof *j->types.types);
        for (; j->types.names && j->types.types && j->types.n < sch->n; j->types.n++) {
            j->types.types[j->types.n] = sch->types[j->types.n];
            if (!(j->types.names[j->types.n] = strdup(sch->names[j->types.n]))) break;
        }
        if (j->types.n < sch->n) rc = cli_fail(OUPS_ENOMEM, "out of memory");
    }
    if (rc == 0) rc = jsonl_block(&j->pending, j);
    if (rc == 0 && j->pending) rc = oups_table_slice(&j->schema, j->pending, 0, 0);
    else if (rc == 0 && need_all && sch && sch->n) /* no rows: the --schema columns, as for an empty CSV */
        rc = oups_table_new_empty(&j->schema, sch->n, (const char *const *)sch->names, sch->types);
    else if (rc == 0) rc = cli_fail(OUPS_EINVAL, "%s: %s", j->name, CLI_NO_COLUMNS);
    if (rc < 0) {
        if (!cli_failed()) cli_fail_lib(rc, path);
        cli_jsonl_close(j);
        return rc;
    }
    *out = j;
    return 0;
}

int cli_jsonl_next(oups_table **out, cli_jsonl *j) {
    *out = NULL;
    if (j->pending) {
        *out = j->pending;
        j->pending = NULL;
        return 1;
    }
    while (!j->eof || j->len > 0) {
        int rc = jsonl_block(out, j);
        if (rc < 0) return rc;
        if (*out) return 1;
    }
    return 0;
}

const oups_table *cli_jsonl_schema(const cli_jsonl *j) { return j->schema; }

void cli_jsonl_close(cli_jsonl *j) {
    if (!j) return;
    cli_source_close(j->src);
    for (int i = 0; i < j->ncols; i++) free(j->names[i]);
    free(j->names);
    cli_schema_free(&j->types);
    cli_cells_free(&j->cells);
    oups_table_free(j->schema);
    oups_table_free(j->pending);
    free(j->buf);
    free(j);
}
