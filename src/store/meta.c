/*
 * store/meta.c: the dataset metadata file `<parent>/<name>_opdmd` (spec §3.1, §8.18) and the
 * in-memory stats arrays and user key-value map it persists.
 * Format: an uncompressed Parquet file, one row per row group in dataset order, columns
 *   file_ids uint16, n_rows uint32, ordered_on_mins / ordered_on_maxs (the key column type),
 * and one key-value entry "oups" holding JSON:
 *   {"ordered_on": "ts" | null, "key_type": "timestamp[ns]", "key_value_metadata": {"k": "v"},
 *    "journal": {"phase": 1|2, "src": [old id or -1 per final row group], "drop": [old ids]}}
 * "journal" is present only between a commit and the end of its roll-forward (commit.c).
 * The file is replaced atomically (temp file, fsync, rename, fsync dir).
 */
#include <stdlib.h>

#include "store/internal.h"

/* ---- stats ---------------------------------------------------------------------------- */

int oups_store__stats_push(store_stats *s, int64_t file_id, int64_t n_rows, int64_t min, int64_t max) {
    if (s->n == s->cap) {
        int64_t cap = s->cap ? 2 * s->cap : 16;
        int64_t **arrs[4] = {&s->file_ids, &s->n_rows, &s->mins, &s->maxs};
        for (int i = 0; i < 4; i++) {
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
    s->n++;
    return 0;
}

void oups_store__stats_free(store_stats *s) {
    oups_free(s->file_ids);
    oups_free(s->n_rows);
    oups_free(s->mins);
    oups_free(s->maxs);
    memset(s, 0, sizeof *s);
}

int oups_store__stats_copy(store_stats *dst, const store_stats *src) {
    memset(dst, 0, sizeof *dst);
    for (int64_t i = 0; i < src->n; i++) {
        int rc = oups_store__stats_push(dst, src->file_ids[i], src->n_rows[i], src->mins[i], src->maxs[i]);
        if (rc < 0) {
            oups_store__stats_free(dst);
            return rc;
        }
    }
    return 0;
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

static int json_build(oups_bytes *b, const char *ordered_on, const oups_datatype *kt, const store_kv *kv,
                      const store_journal *j) {
    char tb[80];
    OUPS_TRY(oups_bytes_append(b, "{\"ordered_on\":", 14));
    if (ordered_on) OUPS_TRY(json_str(b, ordered_on));
    else OUPS_TRY(oups_bytes_append(b, "null", 4));
    OUPS_TRY(oups_bytes_append(b, ",\"key_type\":", 12));
    OUPS_TRY(json_str(b, oups_datatype_format(kt, tb, sizeof tb)));
    OUPS_TRY(oups_bytes_append(b, ",\"key_value_metadata\":{", 23));
    for (int i = 0; i < kv->n; i++) {
        if (i) OUPS_TRY(oups_bytes_append(b, ",", 1));
        OUPS_TRY(json_str(b, kv->keys[i]));
        OUPS_TRY(oups_bytes_append(b, ":", 1));
        OUPS_TRY(json_str(b, kv->values[i]));
    }
    OUPS_TRY(oups_bytes_append(b, "}", 1));
    if (j && j->phase) {
        OUPS_TRY(oups_bytes_printf(b, ",\"journal\":{\"phase\":%d,\"src\":", j->phase));
        OUPS_TRY(json_ints(b, j->src, j->n_final));
        OUPS_TRY(oups_bytes_append(b, ",\"drop\":", 8));
        OUPS_TRY(json_ints(b, j->drop, j->n_drop));
        OUPS_TRY(oups_bytes_append(b, "}", 1));
    }
    return oups_bytes_append(b, "}", 2); /* with the NUL */
}

typedef struct jp {
    const char *p;
    const char *file;
} jp;

static int jerr(jp *j) {
    return oups_error_set(OUPS_ECORRUPT, "%s: bad metadata JSON near '%.20s'", j->file, j->p);
}
static void jws(jp *j) {
    while (*j->p == ' ' || *j->p == '\n' || *j->p == '\t' || *j->p == '\r') j->p++;
}
static bool jeat(jp *j, char c) {
    jws(j);
    if (*j->p != c) return false;
    j->p++;
    return true;
}

static int jstring(jp *j, char **out) {
    *out = NULL;
    if (!jeat(j, '"')) return jerr(j);
    oups_bytes b = {0};
    int rc = 0;
    while (rc == 0 && *j->p && *j->p != '"') {
        char c = *j->p++;
        if (c == '\\') {
            c = *j->p++;
            if (c == 'u') {
                unsigned v = 0;
                for (int i = 0; i < 4; i++) {
                    char h = *j->p++;
                    v = v * 16 + (unsigned)(h >= 'a' ? h - 'a' + 10 : h >= 'A' ? h - 'A' + 10 : h - '0');
                }
                c = (char)v; /* we only escape control characters this way */
            } else if (c == 'n') c = '\n';
            else if (c == 't') c = '\t';
            else if (c != '"' && c != '\\' && c != '/') rc = jerr(j);
        }
        if (rc == 0) rc = oups_bytes_append(&b, &c, 1);
    }
    if (rc == 0 && *j->p != '"') rc = jerr(j);
    if (rc == 0) rc = oups_bytes_append(&b, "", 1);
    if (rc < 0) {
        oups_bytes_free(&b);
        return rc;
    }
    j->p++;
    *out = (char *)b.data;
    return 0;
}

static int jint(jp *j, int64_t *out) {
    jws(j);
    char *end;
    long long v = strtoll(j->p, &end, 10);
    if (end == j->p) return jerr(j);
    j->p = end;
    *out = v;
    return 0;
}

static int jints(jp *j, int64_t **out, int64_t *n) {
    *out = NULL;
    *n = 0;
    if (!jeat(j, '[')) return jerr(j);
    int64_t cap = 0;
    if (jeat(j, ']')) return 0;
    do {
        if (*n == cap) {
            cap = cap ? 2 * cap : 16;
            int64_t *p = oups_realloc(*out, (size_t)cap * 8);
            if (!p) return OUPS_ENOMEM;
            *out = p;
        }
        OUPS_TRY(jint(j, &(*out)[(*n)++]));
    } while (jeat(j, ','));
    return jeat(j, ']') ? 0 : jerr(j);
}

static int json_parse(const char *text, const char *file, char **ordered_on, oups_datatype *kt, bool *kt_known,
                      store_kv *kv, store_journal *jn) {
    jp j = {text, file};
    if (!jeat(&j, '{')) return jerr(&j);
    if (jeat(&j, '}')) return 0;
    do {
        char *name;
        OUPS_TRY(jstring(&j, &name));
        int rc = jeat(&j, ':') ? 0 : jerr(&j);
        if (rc == 0 && strcmp(name, "ordered_on") == 0) {
            jws(&j);
            if (strncmp(j.p, "null", 4) == 0) j.p += 4;
            else rc = jstring(&j, ordered_on);
        } else if (rc == 0 && strcmp(name, "key_type") == 0) {
            char *t;
            rc = jstring(&j, &t);
            if (rc == 0) {
                rc = oups_datatype_parse(kt, t);
                *kt_known = rc == 0;
                oups_free(t);
            }
        } else if (rc == 0 && strcmp(name, "key_value_metadata") == 0) {
            if (!jeat(&j, '{')) rc = jerr(&j);
            if (rc == 0 && !jeat(&j, '}')) {
                do {
                    char *k = NULL, *v = NULL;
                    rc = jstring(&j, &k);
                    if (rc == 0) rc = jeat(&j, ':') ? jstring(&j, &v) : jerr(&j);
                    if (rc == 0) rc = oups_store__kv_update(kv, k, v);
                    oups_free(k);
                    oups_free(v);
                } while (rc == 0 && jeat(&j, ','));
                if (rc == 0 && !jeat(&j, '}')) rc = jerr(&j);
            }
        } else if (rc == 0 && strcmp(name, "journal") == 0) {
            rc = jeat(&j, '{') ? 0 : jerr(&j);
            while (rc == 0 && !jeat(&j, '}')) {
                char *f;
                jeat(&j, ',');
                rc = jstring(&j, &f);
                if (rc == 0) rc = jeat(&j, ':') ? 0 : jerr(&j);
                if (rc == 0) {
                    int64_t ph = 0;
                    if (strcmp(f, "phase") == 0) {
                        rc = jint(&j, &ph);
                        jn->phase = (int)ph;
                    } else if (strcmp(f, "src") == 0) rc = jints(&j, &jn->src, &jn->n_final);
                    else if (strcmp(f, "drop") == 0) rc = jints(&j, &jn->drop, &jn->n_drop);
                    else rc = jerr(&j);
                }
                oups_free(f);
            }
        } else if (rc == 0) {
            rc = jerr(&j);
        }
        oups_free(name);
        if (rc < 0) return rc;
    } while (jeat(&j, ','));
    return jeat(&j, '}') ? 0 : jerr(&j);
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

int oups_store__meta_write(const char *md_path, const char *ordered_on, const oups_datatype *key_type,
                           const store_stats *st, const store_kv *kv, const store_journal *jn) {
    oups_datatype kt = key_type ? *key_type : oups_type(OUPS_TYPE_INT64);
    oups_bytes json = {0};
    oups_column *cols[4] = {0};
    oups_table *t = NULL;
    oups_parquet_writer *w = NULL;
    uint8_t *img = NULL;
    size_t img_len = 0;
    int rc = json_build(&json, ordered_on, &kt, kv, jn);
    uint16_t *ids = oups_malloc_array((size_t)(st->n + 1), 2);
    uint32_t *rows = oups_malloc_array((size_t)(st->n + 1), 4);
    if (!ids || !rows) rc = OUPS_ENOMEM;
    for (int64_t i = 0; rc == 0 && i < st->n; i++) {
        ids[i] = (uint16_t)st->file_ids[i];
        rows[i] = (uint32_t)st->n_rows[i];
    }
    oups_datatype u16 = oups_type(OUPS_TYPE_UINT16), u32 = oups_type(OUPS_TYPE_UINT32);
    if (rc == 0) rc = oups_column_from_values(&cols[0], &u16, ids, st->n, NULL);
    if (rc == 0) rc = oups_column_from_values(&cols[1], &u32, rows, st->n, NULL);
    if (rc == 0) rc = key_column(&cols[2], &kt, st->mins, st->n);
    if (rc == 0) rc = key_column(&cols[3], &kt, st->maxs, st->n);
    static const char *const names[] = {"file_ids", "n_rows", "ordered_on_mins", "ordered_on_maxs"};
    if (rc == 0) rc = oups_table_new(&t, 4, names, cols);
    if (rc == 0) {
        oups_parquet_write_options o = OUPS_PARQUET_WRITE_OPTIONS_INIT;
        const char *kk[] = {"oups"}, *kvv[] = {(const char *)json.data};
        o.codec = OUPS_CODEC_UNCOMPRESSED;
        o.n_kv = 1;
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
    for (int i = 0; i < 4; i++) oups_column_release(cols[i]);
    oups_free(ids);
    oups_free(rows);
    oups_bytes_free(&json);
    return rc;
}

int oups_store__meta_read(const char *md_path, char **ordered_on, oups_datatype *key_type, bool *key_type_known,
                          store_stats *st, store_kv *kv, store_journal *jn) {
    *ordered_on = NULL;
    *key_type_known = false;
    memset(st, 0, sizeof *st);
    memset(kv, 0, sizeof *kv);
    memset(jn, 0, sizeof *jn);
    oups_parquet_reader *r;
    OUPS_TRY(oups_parquet_reader_open(&r, md_path));
    oups_table *t = NULL;
    const char *json = oups_parquet_reader_kv_get(r, "oups");
    int rc = json ? json_parse(json, md_path, ordered_on, key_type, key_type_known, kv, jn)
                  : oups_error_set(OUPS_ECORRUPT, "%s: no 'oups' key-value metadata", md_path);
    if (rc == 0) rc = oups_parquet_reader_read(&t, r, NULL, 0, NULL, 0);
    int64_t n = t ? oups_table_num_rows(t) : 0;
    if (rc == 0 && (oups_table_num_columns(t) != 4 || (n > 0 && !*key_type_known)))
        rc = oups_error_set(OUPS_ECORRUPT, "%s: expected 4 stats columns and a key type", md_path);
    int64_t *mins = NULL, *maxs = NULL;
    if (rc == 0 && n > 0) {
        mins = oups_malloc_array((size_t)n, 8);
        maxs = oups_malloc_array((size_t)n, 8);
        if (!mins || !maxs) rc = OUPS_ENOMEM;
        if (rc == 0) rc = oups_store__key_extract(mins, oups_table_column(t, 2), "ordered_on_mins");
        if (rc == 0) rc = oups_store__key_extract(maxs, oups_table_column(t, 3), "ordered_on_maxs");
    }
    for (int64_t i = 0; rc == 0 && i < n; i++) {
        oups_column_view a, b;
        oups_column_view_get(&a, oups_table_column(t, 0));
        oups_column_view_get(&b, oups_table_column(t, 1));
        rc = oups_store__stats_push(st, (int64_t)oups_column__get_uint(&a, i), (int64_t)oups_column__get_uint(&b, i),
                                    mins[i], maxs[i]);
    }
    oups_free(mins);
    oups_free(maxs);
    oups_table_free(t);
    oups_parquet_reader_free(r);
    if (rc < 0) {
        oups_free(*ordered_on);
        *ordered_on = NULL;
        oups_store__stats_free(st);
        oups_store__kv_free(kv);
        oups_store__journal_free(jn);
        if (rc != OUPS_ENOMEM && rc != OUPS_ENOTFOUND) oups_error_prefix(rc, "dataset metadata: ");
    }
    return rc;
}
