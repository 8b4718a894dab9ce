/*
 * store/meta.c: the dataset metadata file `<parent>/<name>_opdmd` (spec §3.1, §8.18) and the
 * in-memory stats arrays and user key-value map it persists.
 * Format: an uncompressed Parquet file, one row per row group in dataset order, columns
 *   file_ids uint16, n_rows uint32, ordered_on_mins / ordered_on_maxs (the key column type),
 * and one key-value entry "oups" holding JSON:
 *   {"ordered_on": "ts" | null, "key_type": "timestamp[ns]", "key_value_metadata": {"k": "v"},
 *    "journal": {"phase": 1|2, "src": [old id or -1 per final row group], "drop": [old ids]}}
 * "journal" is present only between a commit and the end of its roll-forward (commit.c).
 * Format 2 (this version) adds "format": 2 and "schema": CRC-32 of the row-group files' column
 * names and types to the JSON, and a second key-value entry "oups_crc32" (8 hex digits): CRC-32
 * of "oups-meta/2", the JSON text and every stats value as 8 little-endian bytes. A format-2
 * file with a missing or wrong checksum is OUPS_ECORRUPT. Format-1 files (no "format") are
 * still read: they cannot be verified, only validated structurally (meta_validate), which
 * every file also passes: file ids 0..n-1, rows >= 1, min <= max, max[k] <= min[k+1], and a
 * journal that describes a possible commit.
 * The file is replaced atomically (temp file, fsync, rename, fsync dir).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>

#include "store/internal.h"

/* ---- stats ---------------------------------------------------------------------------- */

int oups_store__stats_push(store_stats *s, int64_t file_id, int64_t n_rows, int64_t min, int64_t max, int64_t crc,
                           int64_t tail) {
    if (s->n == s->cap) {
        int64_t cap = s->cap ? 2 * s->cap : 16;
        int64_t **arrs[6] = {&s->file_ids, &s->n_rows, &s->mins, &s->maxs, &s->crcs, &s->tails};
        for (int i = 0; i < 6; i++) {
            int64_t *p = oups_realloc(*arrs[i], (size_t)cap * 8);
            if (!p) return OUPS_ENOMEM;
            *arrs[i] = p;
        }
        s->cap = cap;
    }
    s->file_ids[s->n] = file_id;
    s->n_rows[s->n] = n_rows;
    s->mins[s->n] = min;
    s->maxs[s->n] = max;
    s->crcs[s->n] = crc;
    s->tails[s->n] = tail;
    s->n++;
    return 0;
}

void oups_store__stats_free(store_stats *s) {
    oups_free(s->file_ids);
    oups_free(s->n_rows);
    oups_free(s->mins);
    oups_free(s->maxs);
    oups_free(s->crcs);
    oups_free(s->tails);
    memset(s, 0, sizeof *s);
}

int oups_store__stats_copy(store_stats *dst, const store_stats *src) {
    memset(dst, 0, sizeof *dst);
    for (int64_t i = 0; i < src->n; i++) {
        int rc = oups_store__stats_push(dst, src->file_ids[i], src->n_rows[i], src->mins[i], src->maxs[i], src->crcs[i],
                                        src->tails[i]);
        if (rc < 0) {
            oups_store__stats_free(dst);
            return rc;
        }
    }
    return 0;
}

/* CRC-32 of bytes [off, off + len) of an open file, in 1 MiB blocks through one small buffer
 * (no file-sized allocation, and its page faults). */
static int range_crc(int64_t *out, int fd, const char *path, int64_t off, int64_t len) {
    enum { BLOCK = 1 << 20 };
    uint8_t *buf = oups_malloc(len < BLOCK ? (size_t)len + 1 : BLOCK);
    if (!buf) return OUPS_ENOMEM;
    uint32_t crc = 0;
    int rc = 0;
    for (int64_t at = off; rc == 0 && at < off + len; at += BLOCK) {
        size_t n = off + len - at < BLOCK ? (size_t)(off + len - at) : BLOCK;
        rc = oups_io_pread(fd, buf, n, at, path);
        if (rc == 0) crc = oups_crc32(crc, buf, n);
    }
    oups_free(buf);
    if (rc == 0) *out = crc;
    return rc;
}

/* CRC-32 of the whole file (tail_off < 0) or of its bytes from tail_off to the end; *size
 * gets the bytes read. */
static int file_range_crc(int64_t *out, int64_t *size, const char *path, int64_t tail_off) {
    int fd;
    OUPS_TRY(oups_io_open(&fd, path, O_RDONLY, 0));
    int64_t n = 0;
    int rc = oups_io_file_size(&n, fd, path);
    int64_t off = tail_off < 0 ? 0 : tail_off;
    if (rc == 0 && off > n) rc = oups_error_set(OUPS_ECORRUPT, "%s: tail offset past the end of the file", path);
    if (rc == 0) rc = range_crc(out, fd, path, off, n - off);
    oups_io_close(fd);
    if (size) *size = rc == 0 ? n - off : 0;
    return rc;
}

int oups_store__file_crc(int64_t *out, const char *path) { return file_range_crc(out, NULL, path, -1); }

int oups_store__tail_crc(int64_t *out, int64_t *bytes, const oups_parquet_reader *r, const char *path) {
    return file_range_crc(out, bytes, path, oups_parquet_reader_tail_offset(r));
}

int oups_store__file_digest(int64_t *crc, int64_t *tail, const char *path) {
    *tail = -1;
    oups_parquet_reader *r;
    OUPS_TRY(oups_parquet_reader_open(&r, path));
    int rc = oups_parquet_reader_has_page_checksums(r) ? oups_store__tail_crc(tail, NULL, r, path) : 0;
    oups_parquet_reader_free(r);
    OUPS_TRY(rc);
    return oups_store__file_crc(crc, path);
}

/* ---- key-value map ---------------------------------------------------------------------- */

const char *oups_store__kv_get(const store_kv *kv, const char *key) {
    for (int i = 0; i < kv->n; i++)
        if (strcmp(kv->keys[i], key) == 0) return kv->values[i];
    return NULL;
}

int oups_store__kv_update(store_kv *kv, const char *key, const char *value) {
    for (int i = 0; i < kv->n; i++) {
        if (strcmp(kv->keys[i], key) != 0) continue;
        if (!value) { /* delete, keeping the order of the others */
            oups_free(kv->keys[i]);
            oups_free(kv->values[i]);
            memmove(kv->keys + i, kv->keys + i + 1, (size_t)(kv->n - i - 1) * sizeof(char *));
            memmove(kv->values + i, kv->values + i + 1, (size_t)(kv->n - i - 1) * sizeof(char *));
            kv->n--;
            return 0;
        }
        char *v = oups_strdup(value);
        if (!v) return OUPS_ENOMEM;
        oups_free(kv->values[i]);
        kv->values[i] = v;
        return 0;
    }
    if (!value || !*value) return 0; /* upstream quirk: falsy new values are ignored */
    if (kv->n == kv->cap) {
        int cap = kv->cap ? 2 * kv->cap : 8;
        char **k = oups_realloc(kv->keys, (size_t)cap * sizeof(char *));
        if (!k) return OUPS_ENOMEM;
        kv->keys = k;
        char **v = oups_realloc(kv->values, (size_t)cap * sizeof(char *));
        if (!v) return OUPS_ENOMEM;
        kv->values = v;
        kv->cap = cap;
    }
    char *k = oups_strdup(key), *v = oups_strdup(value);
    if (!k || !v) {
        oups_free(k);
        oups_free(v);
        return OUPS_ENOMEM;
    }
    kv->keys[kv->n] = k;
    kv->values[kv->n] = v;
    kv->n++;
    return 0;
}

void oups_store__kv_free(store_kv *kv) {
    for (int i = 0; i < kv->n; i++) {
        oups_free(kv->keys[i]);
        oups_free(kv->values[i]);
    }
    oups_free(kv->keys);
    oups_free(kv->values);
    memset(kv, 0, sizeof *kv);
}

int oups_store__kv_copy(store_kv *dst, const store_kv *src) {
    memset(dst, 0, sizeof *dst);
    for (int i = 0; i < src->n; i++) {
        int rc = oups_store__kv_update(dst, src->keys[i], src->values[i]);
        if (rc < 0) {
            oups_store__kv_free(dst);
            return rc;
        }
    }
    return 0;
}

void oups_store__journal_free(store_journal *j) {
    oups_free(j->src);
    oups_free(j->drop);
    memset(j, 0, sizeof *j);
}

int oups_store__journal_copy(store_journal *dst, const store_journal *src) {
    memset(dst, 0, sizeof *dst);
    dst->phase = src->phase;
    dst->n_final = src->n_final;
    dst->n_drop = src->n_drop;
    dst->src = oups_malloc_array((size_t)src->n_final + 1, 8);
    dst->drop = oups_malloc_array((size_t)src->n_drop + 1, 8);
    if (!dst->src || !dst->drop) {
        oups_store__journal_free(dst);
        return OUPS_ENOMEM;
    }
    if (src->n_final) memcpy(dst->src, src->src, (size_t)src->n_final * 8);
    if (src->n_drop) memcpy(dst->drop, src->drop, (size_t)src->n_drop * 8);
    return 0;
}

void oups_store__meta_free(store_meta *m) {
    oups_free(m->ordered_on);
    oups_table_free(m->columns);
    oups_store__stats_free(&m->stats);
    oups_store__kv_free(&m->kv);
    oups_store__journal_free(&m->journal);
    memset(m, 0, sizeof *m);
}

uint32_t oups_store__schema_crc(const oups_table *t) {
    uint32_t crc = 0;
    char tb[128];
    for (int i = 0; i < oups_table_num_columns(t); i++) {
        const char *name = oups_table_column_name(t, i);
        crc = oups_crc32(crc, name, strlen(name) + 1);
        const char *ty = oups_datatype_format(oups_column_type(oups_table_column(t, i)), tb, sizeof tb);
        crc = oups_crc32(crc, ty, strlen(ty) + 1);
    }
    return crc;
}

/* ---- JSON (the "oups" entry) -------------------------------------------------------------- */

static int json_str(oups_bytes *b, const char *s) {
    OUPS_TRY(oups_bytes_append(b, "\"", 1));
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') OUPS_TRY(oups_bytes_printf(b, "\\%c", *p));
        else if (*p < 0x20) OUPS_TRY(oups_bytes_printf(b, "\\u%04x", *p));
        else OUPS_TRY(oups_bytes_append(b, p, 1));
    }
    return oups_bytes_append(b, "\"", 1);
}

static int json_ints(oups_bytes *b, const int64_t *v, int64_t n) {
    OUPS_TRY(oups_bytes_append(b, "[", 1));
    for (int64_t i = 0; i < n; i++) OUPS_TRY(oups_bytes_printf(b, i ? ",%lld" : "%lld", (long long)v[i]));
    return oups_bytes_append(b, "]", 1);
}

static int json_build(oups_bytes *b, const store_meta *m) {
    char tb[80];
    bool legacy = m->format == 1; /* tests write format 1 to check that it is still read */
    if (legacy) OUPS_TRY(oups_bytes_append(b, "{\"ordered_on\":", 14));
    else OUPS_TRY(oups_bytes_printf(b, "{\"format\":%d,\"ordered_on\":",
                                    m->format >= STORE_META_FORMAT_TAILS ? STORE_META_FORMAT_TAILS
                                    : m->columns                         ? STORE_META_FORMAT_COLUMNS
                                                                         : STORE_META_FORMAT_CHECKSUM));
    if (m->ordered_on) OUPS_TRY(json_str(b, m->ordered_on));
    else OUPS_TRY(oups_bytes_append(b, "null", 4));
    OUPS_TRY(oups_bytes_append(b, ",\"key_type\":", 12));
    OUPS_TRY(json_str(b, oups_datatype_format(&m->key_type, tb, sizeof tb)));
    if (m->has_schema && !legacy) OUPS_TRY(oups_bytes_printf(b, ",\"schema\":%lu", (unsigned long)m->schema_crc));
    if (m->columns && !legacy) {
        OUPS_TRY(oups_bytes_append(b, ",\"columns\":[", 12));
        for (int i = 0; i < oups_table_num_columns(m->columns); i++) {
            OUPS_TRY(oups_bytes_append(b, i ? ",[" : "[", i ? 2 : 1));
            OUPS_TRY(json_str(b, oups_table_column_name(m->columns, i)));
            OUPS_TRY(oups_bytes_append(b, ",", 1));
            OUPS_TRY(json_str(b, oups_datatype_format(oups_column_type(oups_table_column(m->columns, i)), tb, sizeof tb)));
            OUPS_TRY(oups_bytes_append(b, "]", 1));
        }
        OUPS_TRY(oups_bytes_append(b, "]", 1));
    }
    OUPS_TRY(oups_bytes_append(b, ",\"key_value_metadata\":{", 23));
    for (int i = 0; i < m->kv.n; i++) {
        if (i) OUPS_TRY(oups_bytes_append(b, ",", 1));
        OUPS_TRY(json_str(b, m->kv.keys[i]));
        OUPS_TRY(oups_bytes_append(b, ":", 1));
        OUPS_TRY(json_str(b, m->kv.values[i]));
    }
    OUPS_TRY(oups_bytes_append(b, "}", 1));
    const store_journal *j = &m->journal;
    if (j->phase) {
        OUPS_TRY(oups_bytes_printf(b, ",\"journal\":{\"phase\":%d,\"src\":", j->phase));
        OUPS_TRY(json_ints(b, j->src, j->n_final));
        OUPS_TRY(oups_bytes_append(b, ",\"drop\":", 8));
        OUPS_TRY(json_ints(b, j->drop, j->n_drop));
        OUPS_TRY(oups_bytes_append(b, "}", 1));
    }
    return oups_bytes_append(b, "}", 2); /* with the NUL */
}

/* Parser over [p, end): every read is bounds-checked (the text comes from a file). */
typedef struct jp {
    const char *p, *end;
    const char *file;
} jp;

static int jerr(jp *j, const char *what) {
    int left = (int)(j->end - j->p);
    return oups_error_set(OUPS_ECORRUPT, "%s: bad metadata JSON (%s) near '%.*s'", j->file, what, left < 20 ? left : 20,
                          j->p);
}
static void jws(jp *j) {
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' || *j->p == '\t' || *j->p == '\r')) j->p++;
}
static bool jeat(jp *j, char c) {
    jws(j);
    if (j->p >= j->end || *j->p != c) return false;
    j->p++;
    return true;
}

static int jhex4(jp *j, unsigned *out) {
    if (j->end - j->p < 4) return jerr(j, "truncated \\u escape");
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char h = *j->p++;
        int d = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
        if (d < 0) return jerr(j, "bad \\u escape");
        v = v * 16 + (unsigned)d;
    }
    *out = v;
    return 0;
}

/* One escape after the backslash, appended to b as UTF-8. */
static int jescape(jp *j, oups_bytes *b) {
    if (j->p >= j->end) return jerr(j, "truncated escape");
    char c = *j->p++;
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    const char *k = c ? strchr(from, c) : NULL;
    if (k) return oups_bytes_append(b, &to[k - from], 1);
    if (c != 'u') return jerr(j, "bad escape");
    unsigned v;
    OUPS_TRY(jhex4(j, &v));
    if (v >= 0xd800 && v < 0xdc00) { /* surrogate pair */
        unsigned lo;
        if (j->end - j->p < 2 || j->p[0] != '\\' || j->p[1] != 'u') return jerr(j, "lone surrogate");
        j->p += 2;
        OUPS_TRY(jhex4(j, &lo));
        if (lo < 0xdc00 || lo >= 0xe000) return jerr(j, "bad surrogate pair");
        v = 0x10000 + ((v - 0xd800) << 10) + (lo - 0xdc00);
    } else if (v >= 0xdc00 && v < 0xe000) {
        return jerr(j, "lone surrogate");
    }
    if (v == 0) return jerr(j, "NUL in string");
    unsigned char u[4];
    size_t n;
    if (v < 0x80) u[0] = (unsigned char)v, n = 1;
    else if (v < 0x800) u[0] = (unsigned char)(0xc0 | v >> 6), u[1] = (unsigned char)(0x80 | (v & 0x3f)), n = 2;
    else if (v < 0x10000)
        u[0] = (unsigned char)(0xe0 | v >> 12), u[1] = (unsigned char)(0x80 | (v >> 6 & 0x3f)),
        u[2] = (unsigned char)(0x80 | (v & 0x3f)), n = 3;
    else
        u[0] = (unsigned char)(0xf0 | v >> 18), u[1] = (unsigned char)(0x80 | (v >> 12 & 0x3f)),
        u[2] = (unsigned char)(0x80 | (v >> 6 & 0x3f)), u[3] = (unsigned char)(0x80 | (v & 0x3f)), n = 4;
    return oups_bytes_append(b, u, n);
}

static int jstring(jp *j, char **out) {
    *out = NULL;
    if (!jeat(j, '"')) return jerr(j, "expected a string");
    oups_bytes b = {0};
    int rc = 0;
    while (rc == 0 && j->p < j->end && *j->p != '"') {
        if (*j->p == '\\') {
            j->p++;
            rc = jescape(j, &b);
        } else {
            rc = oups_bytes_append(&b, j->p++, 1);
        }
    }
    if (rc == 0 && j->p >= j->end) rc = jerr(j, "unterminated string");
    if (rc == 0) rc = oups_bytes_append(&b, "", 1);
    if (rc < 0) {
        oups_bytes_free(&b);
        return rc;
    }
    j->p++;
    *out = (char *)b.data;
    return 0;
}

/* A decimal integer in [lo, hi]. */
static int jint(jp *j, int64_t *out, int64_t lo, int64_t hi) {
    jws(j);
    const char *q = j->p;
    bool neg = q < j->end && *q == '-';
    if (neg) q++;
    if (q >= j->end || *q < '0' || *q > '9') return jerr(j, "expected an integer");
    int64_t v = 0;
    while (q < j->end && *q >= '0' && *q <= '9') {
        if (v > (INT64_C(1) << 40)) return jerr(j, "integer out of range");
        v = v * 10 + (*q++ - '0');
    }
    if (neg) v = -v;
    if (v < lo || v > hi) return jerr(j, "integer out of range");
    j->p = q;
    *out = v;
    return 0;
}

static int jints(jp *j, int64_t **out, int64_t *n, int64_t lo, int64_t hi) {
    oups_free(*out);
    *out = NULL;
    *n = 0;
    if (!jeat(j, '[')) return jerr(j, "expected a list");
    int64_t cap = 0;
    if (jeat(j, ']')) { /* non-NULL even when empty: the journal checks members were present */
        *out = oups_malloc(8);
        return *out ? 0 : OUPS_ENOMEM;
    }
    do {
        if (*n == cap) {
            cap = cap ? 2 * cap : 16;
            int64_t *p = oups_realloc(*out, (size_t)cap * 8);
            if (!p) return OUPS_ENOMEM;
            *out = p;
        }
        OUPS_TRY(jint(j, &(*out)[(*n)++], lo, hi));
    } while (jeat(j, ','));
    return jeat(j, ']') ? 0 : jerr(j, "expected ']'");
}

/* Object members: calls member(name) for each; names may not repeat (mask of known ones). */
static int jobject(jp *j, const char *const *names, int (*member)(jp *, int, void *), void *ctx) {
    if (!jeat(j, '{')) return jerr(j, "expected an object");
    if (jeat(j, '}')) return 0;
    unsigned seen = 0;
    do {
        char *name;
        OUPS_TRY(jstring(j, &name));
        int k = 0;
        while (names[k] && strcmp(names[k], name) != 0) k++;
        oups_free(name);
        if (!names[k] || (seen >> k & 1)) return jerr(j, names[k] ? "repeated member" : "unknown member");
        seen |= 1u << k;
        if (!jeat(j, ':')) return jerr(j, "expected ':'");
        OUPS_TRY(member(j, k, ctx));
    } while (jeat(j, ','));
    return jeat(j, '}') ? 0 : jerr(j, "expected '}'");
}

static const char *const JOURNAL_MEMBERS[] = {"phase", "src", "drop", NULL};
static int journal_member(jp *j, int k, void *ctx) {
    store_journal *jn = ctx;
    int64_t ph;
    switch (k) {
    case 0:
        OUPS_TRY(jint(j, &ph, 1, 2));
        jn->phase = (int)ph;
        return 0;
    case 1: return jints(j, &jn->src, &jn->n_final, -(INT64_C(1) << 32), INT64_C(1) << 32);
    default: return jints(j, &jn->drop, &jn->n_drop, 0, INT64_C(1) << 32);
    }
}

static int kv_members(jp *j, store_kv *kv) {
    if (!jeat(j, '{')) return jerr(j, "expected an object");
    if (jeat(j, '}')) return 0;
    do {
        char *k = NULL, *v = NULL;
        int rc = jstring(j, &k);
        if (rc == 0) rc = jeat(j, ':') ? jstring(j, &v) : jerr(j, "expected ':'");
        if (rc == 0 && oups_store__kv_get(kv, k)) rc = jerr(j, "repeated key");
        if (rc == 0) rc = oups_store__kv_update(kv, k, v);
        oups_free(k);
        oups_free(v);
        OUPS_TRY(rc);
    } while (jeat(j, ','));
    return jeat(j, '}') ? 0 : jerr(j, "expected '}'");
}

/* "columns": [["name", "type"], ...] into a 0-row table. */
static int jcolumns(jp *j, oups_table **out) {
    char *names[1024] = {0}, *ty = NULL;
    oups_datatype types[1024];
    int n = 0, rc = jeat(j, '[') ? 0 : jerr(j, "expected a list");
    if (rc == 0 && !jeat(j, ']')) {
        do {
            if (n == 1024) rc = jerr(j, "more than 1024 columns");
            if (rc == 0) rc = jeat(j, '[') ? jstring(j, &names[n]) : jerr(j, "expected a [name, type] pair");
            if (rc == 0) rc = jeat(j, ',') ? jstring(j, &ty) : jerr(j, "expected ','");
            if (rc == 0 && oups_datatype_parse(&types[n], ty) < 0) rc = jerr(j, "bad column type");
            oups_free(ty);
            ty = NULL;
            if (rc == 0) rc = jeat(j, ']') ? 0 : jerr(j, "expected ']'");
            if (rc == 0) n++;
        } while (rc == 0 && jeat(j, ','));
        if (rc == 0 && !jeat(j, ']')) rc = jerr(j, "expected ']'");
    }
    if (rc == 0 && n == 0) rc = jerr(j, "no columns");
    if (rc == 0 && (rc = oups_table_new_empty(out, n, (const char *const *)names, types)) < 0 && rc != OUPS_ENOMEM)
        rc = jerr(j, "bad columns (a repeated name?)");
    for (int i = 0; i <= n && i < 1024; i++) oups_free(names[i]);
    return rc;
}

static const char *const TOP_MEMBERS[] = {"format", "ordered_on", "key_type", "schema", "key_value_metadata",
                                          "journal", "columns", NULL};
static int top_member(jp *j, int k, void *ctx) {
    store_meta *m = ctx;
    int64_t v;
    char *t;
    switch (k) {
    case 0:
        OUPS_TRY(jint(j, &v, 0, INT32_MAX));
        if (v < STORE_META_FORMAT_CHECKSUM || v > STORE_META_FORMAT_TAILS)
            return oups_error_set(OUPS_EUNSUPPORTED, "%s: metadata format %lld is not supported (this version reads "
                                  "formats 1 to %d)", j->file, (long long)v, STORE_META_FORMAT_TAILS);
        m->format = (int)v;
        return 0;
    case 1:
        jws(j);
        if (j->end - j->p >= 4 && memcmp(j->p, "null", 4) == 0) {
            j->p += 4;
            return 0;
        }
        OUPS_TRY(jstring(j, &m->ordered_on));
        return *m->ordered_on ? 0 : jerr(j, "empty ordered_on");
    case 2:
        OUPS_TRY(jstring(j, &t));
        int rc = oups_datatype_parse(&m->key_type, t);
        oups_free(t);
        if (rc < 0) return jerr(j, "bad key_type");
        m->key_type_known = true;
        return 0;
    case 3:
        OUPS_TRY(jint(j, &v, 0, UINT32_MAX));
        m->schema_crc = (uint32_t)v;
        m->has_schema = true;
        return 0;
    case 4: return kv_members(j, &m->kv);
    case 6: return jcolumns(j, &m->columns);
    default:
        OUPS_TRY(jobject(j, JOURNAL_MEMBERS, journal_member, &m->journal));
        return m->journal.phase && m->journal.src && m->journal.drop ? 0 : jerr(j, "incomplete journal");
    }
}

static int json_parse(const char *text, size_t len, const char *file, store_meta *m) {
    jp j = {text, text + len, file};
    OUPS_TRY(jobject(&j, TOP_MEMBERS, top_member, m));
    jws(&j);
    return j.p == j.end ? 0 : jerr(&j, "trailing bytes");
}

/* ---- checksum and structural validation ---------------------------------------------------- */

/* Format 4 adds the tail CRCs to the stats values. */
static uint32_t meta_crc(const char *json, size_t len, const store_stats *st, int format) {
    static const char tag[] = "oups-meta/2";
    uint32_t crc = oups_crc32(0, tag, sizeof tag - 1);
    crc = oups_crc32(crc, json, len);
    int n_v = format >= STORE_META_FORMAT_TAILS ? 6 : 5;
    for (int64_t i = 0; i < st->n; i++) {
        const int64_t v[6] = {st->file_ids[i], st->n_rows[i], st->mins[i], st->maxs[i], st->crcs[i], st->tails[i]};
        for (int k = 0; k < n_v; k++) {
            uint8_t le[8];
            for (int b = 0; b < 8; b++) le[b] = (uint8_t)((uint64_t)v[k] >> (8 * b));
            crc = oups_crc32(crc, le, 8);
        }
    }
    return crc;
}

static int bad(const char *file, const char *what, int64_t i) {
    return oups_error_set(OUPS_ECORRUPT, "%s: %s (row group %lld)", file, what, (long long)i);
}

static bool has_id(const int64_t *v, int64_t n, int64_t x) {
    for (int64_t i = 0; i < n; i++)
        if (v[i] == x) return true;
    return false;
}

/* What every metadata file must satisfy, checksummed or not (format 1 relies on it alone). */
static int meta_validate(const store_meta *m, const char *file) {
    const store_stats *s = &m->stats;
    if ((m->format == STORE_META_FORMAT_COLUMNS && !m->columns) || (m->format < STORE_META_FORMAT_COLUMNS && m->columns) ||
        (m->columns && (!m->has_schema || oups_store__schema_crc(m->columns) != m->schema_crc)))
        return oups_error_set(OUPS_ECORRUPT, "%s: columns missing, unexpected or not matching the schema checksum", file);
    if (s->n > 0 && (!m->ordered_on || !m->key_type_known))
        return oups_error_set(OUPS_ECORRUPT, "%s: row groups without ordered_on or key type", file);
    if (s->n > oups_store__max_file_id + 1)
        return oups_error_set(OUPS_ECORRUPT, "%s: %lld row groups", file, (long long)s->n);
    for (int64_t i = 0; i < s->n; i++) {
        if (s->file_ids[i] != i) return bad(file, "file id is not the row group's position", i);
        if (s->n_rows[i] < 1) return bad(file, "no rows", i);
        if (s->mins[i] > s->maxs[i]) return bad(file, "min > max", i);
        if (s->crcs[i] < -1 || s->crcs[i] > (int64_t)UINT32_MAX || (m->format == 1 && s->crcs[i] != -1))
            return bad(file, "bad file checksum", i);
        if (s->tails[i] < -1 || s->tails[i] > (int64_t)UINT32_MAX || (m->format < STORE_META_FORMAT_TAILS && s->tails[i] != -1))
            return bad(file, "bad tail checksum", i);
        if (i > 0 && s->maxs[i - 1] > s->mins[i]) return bad(file, "min < previous row group's max", i);
    }
    const store_journal *j = &m->journal;
    if (!j->phase) return 0;
    if (j->n_final != s->n)
        return oups_error_set(OUPS_ECORRUPT, "%s: journal has %lld entries for %lld row groups", file,
                              (long long)j->n_final, (long long)s->n);
    /* A commit's journal: each old id is kept at one place or dropped, each staged file e < n
     * placed once; ids fit the file-id range. */
    for (int64_t k = 0; k < j->n_final; k++) {
        int64_t v = j->src[k];
        if (v == -1 || v > oups_store__max_file_id || (v < 0 && -v - 2 >= j->n_final))
            return bad(file, "journal source out of range", k);
        if (has_id(j->src, k, v)) return bad(file, "journal source repeated", k);
        if (v >= 0 && has_id(j->drop, j->n_drop, v)) return bad(file, "journal source also dropped", k);
    }
    for (int64_t i = 0; i < j->n_drop; i++)
        if (j->drop[i] > oups_store__max_file_id || has_id(j->drop, i, j->drop[i]))
            return oups_error_set(OUPS_ECORRUPT, "%s: journal drop list entry %lld is invalid", file, (long long)i);
    return 0;
}

/* ---- the metadata file -------------------------------------------------------------------- */

static int key_column(oups_column **out, const oups_datatype *kt, const int64_t *keys, int64_t n) {
    oups_builder *b;
    OUPS_TRY(oups_builder_new(&b, kt, n));
    int rc = 0;
    for (int64_t i = 0; i < n && rc == 0; i++) {
        if (kt->id == OUPS_TYPE_FLOAT64) {
            oups_scalar s;
            oups_store__key_to_scalar(&s, kt, keys[i]);
            rc = oups_builder_append_double(b, s.v.f);
        } else {
            rc = oups_builder_append_int(b, keys[i]);
        }
    }
    if (rc == 0) rc = oups_builder_finish(out, b);
    oups_builder_free(b);
    return rc;
}

/* Format 1 has the first 4 columns; format 2 adds the file CRCs (int64, -1 unknown), format 4
 * the tail CRCs (int64, -1 unknown). */
static const char *const STATS_NAMES[] = {"file_ids",        "n_rows",     "ordered_on_mins",
                                          "ordered_on_maxs", "file_crc32", "tail_crc32"};
static int stats_columns(int format) { return format == 1 ? 4 : format < STORE_META_FORMAT_TAILS ? 5 : 6; }

int oups_store__meta_write(const char *md_path, const store_meta *m) {
    store_meta mm = *m;
    if (!mm.key_type_known) mm.key_type = oups_type(OUPS_TYPE_INT64);
    const store_stats *st = &m->stats;
    oups_bytes json = {0};
    oups_column *cols[6] = {0};
    int n_cols = stats_columns(m->format);
    oups_table *t = NULL;
    oups_parquet_writer *w = NULL;
    uint8_t *img = NULL;
    size_t img_len = 0;
    int rc = json_build(&json, &mm);
    char crc[16];
    if (rc == 0) snprintf(crc, sizeof crc, "%08lx", (unsigned long)meta_crc((const char *)json.data, json.len - 1, st, m->format));
    uint16_t *ids = oups_malloc_array((size_t)(st->n + 1), 2);
    uint32_t *rows = oups_malloc_array((size_t)(st->n + 1), 4);
    if (!ids || !rows) rc = OUPS_ENOMEM;
    for (int64_t i = 0; rc == 0 && i < st->n; i++) {
        ids[i] = (uint16_t)st->file_ids[i];
        rows[i] = (uint32_t)st->n_rows[i];
    }
    oups_datatype u16 = oups_type(OUPS_TYPE_UINT16), u32 = oups_type(OUPS_TYPE_UINT32), i64 = oups_type(OUPS_TYPE_INT64);
    if (rc == 0) rc = oups_column_from_values(&cols[0], &u16, ids, st->n, NULL);
    if (rc == 0) rc = oups_column_from_values(&cols[1], &u32, rows, st->n, NULL);
    if (rc == 0) rc = key_column(&cols[2], &mm.key_type, st->mins, st->n);
    if (rc == 0) rc = key_column(&cols[3], &mm.key_type, st->maxs, st->n);
    if (rc == 0) rc = oups_column_from_values(&cols[4], &i64, st->crcs, st->n, NULL);
    if (rc == 0) rc = oups_column_from_values(&cols[5], &i64, st->tails, st->n, NULL);
    if (rc == 0) rc = oups_table_new(&t, n_cols, STATS_NAMES, cols);
    if (rc == 0) {
        oups_parquet_write_options o = OUPS_PARQUET_WRITE_OPTIONS_INIT;
        const char *kk[] = {"oups", "oups_crc32"}, *kvv[] = {(const char *)json.data, crc};
        o.codec = OUPS_CODEC_UNCOMPRESSED;
        o.n_kv = m->format == 1 ? 1 : 2;
        o.kv_keys = kk;
        o.kv_values = kvv;
        rc = oups_parquet_writer_open_memory(&w, t, &o);
    }
    if (rc == 0 && st->n > 0) rc = oups_parquet_writer_write_row_group(w, t);
    if (rc == 0) rc = oups_parquet_writer_finish_memory(w, &img, &img_len);
    if (rc == 0) rc = oups_io_write_file_atomic(md_path, img, img_len);
    oups_parquet_writer_free(w);
    oups_mem_free(img);
    oups_table_free(t);
    for (int i = 0; i < 6; i++) oups_column_release(cols[i]);
    oups_free(ids);
    oups_free(rows);
    oups_bytes_free(&json);
    return rc;
}

/* The stats table: 4 (format 1), 5 or 6 (format 4) columns of the expected names and types, no
 * nulls. */
static int stats_read(store_meta *m, oups_parquet_reader *r, const char *file) {
    oups_table *t = NULL;
    int rc = oups_parquet_reader_read(&t, r, NULL, 0, NULL, 0);
    if (rc < 0) return rc == OUPS_ENOMEM ? rc : oups_error_set(OUPS_ECORRUPT, "%s: stats table: %s", file, oups_error_last());
    int64_t n = oups_table_num_rows(t);
    oups_datatype want[6] = {oups_type(OUPS_TYPE_UINT16), oups_type(OUPS_TYPE_UINT32), m->key_type, m->key_type,
                             oups_type(OUPS_TYPE_INT64), oups_type(OUPS_TYPE_INT64)};
    int n_cols = stats_columns(m->format);
    bool ok = oups_table_num_columns(t) == n_cols && (n == 0 || m->key_type_known);
    for (int c = 0; ok && c < n_cols; c++) {
        const oups_column *col = oups_table_column(t, c);
        ok = strcmp(oups_table_column_name(t, c), STATS_NAMES[c]) == 0 && oups_column_null_count(col) == 0 &&
             (n == 0 || oups_datatype_equal(oups_column_type(col), &want[c]));
    }
    if (!ok) rc = oups_error_set(OUPS_ECORRUPT, "%s: stats table does not have the expected columns and types", file);
    int64_t *mins = NULL, *maxs = NULL;
    if (rc == 0 && n > 0) {
        mins = oups_malloc_array((size_t)n, 8);
        maxs = oups_malloc_array((size_t)n, 8);
        if (!mins || !maxs) rc = OUPS_ENOMEM;
        if (rc == 0) rc = oups_store__key_extract(mins, oups_table_column(t, 2), "ordered_on_mins");
        if (rc == 0) rc = oups_store__key_extract(maxs, oups_table_column(t, 3), "ordered_on_maxs");
        if (rc < 0 && rc != OUPS_ENOMEM) rc = oups_error_prefix(OUPS_ECORRUPT, "%s: ", file);
    }
    oups_column_view a, b, c, d;
    if (rc == 0 && n > 0) {
        oups_column_view_get(&a, oups_table_column(t, 0));
        oups_column_view_get(&b, oups_table_column(t, 1));
        if (n_cols >= 5) oups_column_view_get(&c, oups_table_column(t, 4));
        if (n_cols >= 6) oups_column_view_get(&d, oups_table_column(t, 5));
    }
    for (int64_t i = 0; rc == 0 && i < n; i++)
        rc = oups_store__stats_push(&m->stats, (int64_t)oups_column__get_uint(&a, i),
                                    (int64_t)oups_column__get_uint(&b, i), mins[i], maxs[i],
                                    n_cols >= 5 ? ((const int64_t *)c.data)[c.offset + i] : -1,
                                    n_cols >= 6 ? ((const int64_t *)d.data)[d.offset + i] : -1);
    oups_free(mins);
    oups_free(maxs);
    oups_table_free(t);
    return rc;
}

int oups_store__meta_parse(store_meta *m, const void *data, size_t len, const char *file) {
    memset(m, 0, sizeof *m);
    m->format = 1;
    oups_parquet_reader *r;
    int rc = oups_parquet_reader_open_memory(&r, data, len, file);
    if (rc < 0) return rc == OUPS_ENOMEM ? rc : oups_error_prefix(OUPS_ECORRUPT, "dataset metadata: ");
    const char *json = oups_parquet_reader_kv_get(r, "oups");
    const char *crc = oups_parquet_reader_kv_get(r, "oups_crc32");
    rc = json ? json_parse(json, strlen(json), file, m)
              : oups_error_set(OUPS_ECORRUPT, "%s: no 'oups' key-value metadata", file);
    if (rc == 0) rc = stats_read(m, r, file);
    if (rc == 0 && m->format >= STORE_META_FORMAT_CHECKSUM) {
        char want[16];
        snprintf(want, sizeof want, "%08lx", (unsigned long)meta_crc(json, strlen(json), &m->stats, m->format));
        if (!crc) rc = oups_error_set(OUPS_ECORRUPT, "%s: checksum missing", file);
#ifndef OUPS_FUZZING /* let mutations reach the validation */
        else if (strcmp(crc, want) != 0)
            rc = oups_error_set(OUPS_ECORRUPT, "%s: checksum mismatch (stored %.8s, computed %s)", file, crc, want);
#endif
    } else if (rc == 0 && crc) {
        rc = oups_error_set(OUPS_ECORRUPT, "%s: checksum without a format number", file);
    }
    if (rc == 0) rc = meta_validate(m, file);
    oups_parquet_reader_free(r);
    if (rc < 0) oups_store__meta_free(m);
    return rc;
}

int oups_store__meta_read(store_meta *m, const char *md_path) {
    memset(m, 0, sizeof *m);
    uint8_t *img;
    size_t len;
    OUPS_TRY(oups_io_read_file(&img, &len, md_path));
    int rc = oups_store__meta_parse(m, img, len, md_path);
    oups_free(img);
    return rc;
}
