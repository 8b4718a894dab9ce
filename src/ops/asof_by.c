/*
 * ops/asof_by.c: oups_asof_by_merger, the as-of join per group of `by` columns (pandas
 * merge_asof(by=), Polars join_asof(by=)), on top of the merger: each distinct by-value seen
 * in a table is a group of the merger (its own fill blocks: the group's history, carried
 * across calls and saved), and each main row's combination is its group. Group 0 is reserved:
 * it never receives rows (main rows whose by-value no table has brought yet point to it, so
 * they get the initial fill) and it fixes the layout at the first call. Groups are found by
 * hashing the by-values encoded as bytes (fixed-width values raw, strings length-prefixed).
 *
 * State blob (little-endian): "OUPSASBY" | u32 version (1) | u64 body length | body | u32
 * CRC-32 of all preceding bytes. Body: u32 n_by, per by column str name; u8 has_state; if set:
 * per by column its type, u32 n_groups (groups 1.., group 0 has no key), per group u32 len +
 * key bytes; then u64 length + the merger's own blob (asof_state.c) whose group count must
 * be n_groups + 1.
 */
#include <stdio.h>

#include "ops/blob.h"
#include "ops/internal.h"

#define MAGIC "OUPSASBY"
enum { VERSION = 1 };

struct oups_asof_by_merger {
    oups_asof_merger *m;
    char *on;
    char **by;
    int n_by, n_dfs;
    bool has_types;         /* by types known (first call or load) */
    oups_datatype *by_types;
    /* group keys: group g >= 1 is keys[koff[g - 1] .. koff[g]) */
    oups_bytes keys;
    int64_t *koff;
    int n_groups;           /* groups with a key (the merger has n_groups + 1) */
    int cap_groups;
    int32_t *slots;         /* open addressing: group id or 0 (empty) */
    uint64_t *hashes;       /* per group (index g - 1), for rehashing */
    int64_t n_slots;
};

/* ---- construction -------------------------------------------------------------------------- */

/* The group table and by types (what a load replaces). */
static void free_groups(oups_asof_by_merger *b) {
    oups_free(b->by_types);
    oups_bytes_free(&b->keys);
    oups_free(b->koff);
    oups_free(b->slots);
    oups_free(b->hashes);
    b->by_types = NULL;
    b->koff = NULL;
    b->slots = NULL;
    b->hashes = NULL;
}

void oups_asof_by_merger_free(oups_asof_by_merger *b) {
    if (!b) return;
    oups_asof_merger_free(b->m);
    oups_free(b->on);
    for (int i = 0; b->by && i < b->n_by; i++) oups_free(b->by[i]);
    oups_free(b->by);
    free_groups(b);
    oups_free(b);
}

int oups_asof_by_merger_new(oups_asof_by_merger **out, const oups_asof_merger_options *opts, const char *const *by,
                            int n_by) {
    *out = NULL;
    if (!opts || !by || n_by < 1 || n_by > 64)
        return oups_error_set(OUPS_EINVAL, "asof by merger: options NULL, or %d by columns (1..64)", n_by);
    if (opts->n_join_positions > 1 || (opts->fill == OUPS_ASOF_FILL_VALUES && opts->n_fill_groups != 1))
        return oups_error_set(OUPS_EINVAL, "asof by merger: one join position, and fill_values_init for one group "
                              "(every group starts from it)");
    for (int i = 0; i < n_by; i++) {
        if (!by[i] || !*by[i]) return oups_error_set(OUPS_EINVAL, "asof by merger: by column %d has no name", i);
        if (opts->on && !strcmp(by[i], opts->on))
            return oups_error_set(OUPS_EINVAL, "asof by merger: by column '%s' is the key column", by[i]);
        for (int k = 0; k < i; k++)
            if (!strcmp(by[i], by[k])) return oups_error_set(OUPS_EINVAL, "asof by merger: by column '%s' twice", by[i]);
    }
    oups_asof_merger_options o = *opts;
    o.n_join_positions = 1;
    o.reuse_output = false;
    oups_asof_by_merger *b = oups_calloc(1, sizeof *b);
    if (!b) return OUPS_ENOMEM;
    int rc = oups_asof_merger_new(&b->m, &o);
    b->n_dfs = opts->n_dfs_per_group;
    b->n_by = n_by;
    if (rc == 0 && (!(b->on = oups_strdup(opts->on)) || !(b->by = oups_calloc((size_t)n_by, sizeof *b->by)) ||
                    !(b->by_types = oups_calloc((size_t)n_by, sizeof *b->by_types))))
        rc = OUPS_ENOMEM;
    for (int i = 0; rc == 0 && i < n_by; i++)
        if (!(b->by[i] = oups_strdup(by[i]))) rc = OUPS_ENOMEM;
    if (rc < 0) {
        oups_asof_by_merger_free(b);
        return rc;
    }
    *out = b;
    return 0;
}

bool oups_asof_by_merger_has_state(const oups_asof_by_merger *b) { return b && oups_asof_merger_has_state(b->m); }

/* ---- group keys ------------------------------------------------------------------------------ */

static uint64_t hash_bytes(const uint8_t *p, size_t n) {
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a, then a final mix */
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ull;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    return h ^ (h >> 33);
}

static int64_t slot_of(const oups_asof_by_merger *b, uint64_t h, const uint8_t *key, size_t n) {
    int64_t mask = b->n_slots - 1, i = (int64_t)(h & (uint64_t)mask);
    for (;; i = (i + 1) & mask) {
        int32_t g = b->slots[i];
        if (g == 0) return i;
        int64_t k0 = b->koff[g - 1], k1 = b->koff[g];
        if (b->hashes[g - 1] == h && (size_t)(k1 - k0) == n && !memcmp(b->keys.data + k0, key, n)) return i;
    }
}

static int rehash(oups_asof_by_merger *b, int64_t n_slots) {
    int32_t *s = oups_calloc((size_t)n_slots, sizeof *s);
    if (!s) return OUPS_ENOMEM;
    oups_free(b->slots);
    b->slots = s;
    b->n_slots = n_slots;
    for (int g = 1; g <= b->n_groups; g++) {
        int64_t i = (int64_t)(b->hashes[g - 1] & (uint64_t)(n_slots - 1));
        while (s[i]) i = (i + 1) & (n_slots - 1);
        s[i] = g;
    }
    return 0;
}

/* The group of `key`; with `add`, a new group if unknown (else 0). */
static int find_group(int32_t *out, oups_asof_by_merger *b, const uint8_t *key, size_t n, bool add) {
    if (!b->slots) { /* first use, or rebuilt after a failed call */
        int64_t ns = 64;
        while (ns < (int64_t)b->n_groups * 2 + 2) ns *= 2;
        OUPS_TRY(rehash(b, ns));
    }
    uint64_t h = hash_bytes(key, n);
    int64_t i = slot_of(b, h, key, n);
    if (b->slots[i] || !add) {
        *out = b->slots[i];
        return 0;
    }
    if (b->n_groups >= INT32_MAX - 2) return oups_error_set(OUPS_EINVAL, "asof by merger: too many groups");
    if (b->n_groups + 1 >= b->cap_groups) {
        int cap = b->cap_groups ? b->cap_groups * 2 : 64;
        int64_t *ko = oups_realloc(b->koff, (size_t)(cap + 1) * sizeof *ko);
        if (!ko) return OUPS_ENOMEM;
        b->koff = ko;
        uint64_t *hs = oups_realloc(b->hashes, (size_t)cap * sizeof *hs);
        if (!hs) return OUPS_ENOMEM;
        b->hashes = hs;
        b->cap_groups = cap;
    }
    if (b->n_groups == 0) b->koff[0] = 0;
    OUPS_TRY(oups_bytes_append(&b->keys, key, n));
    int g = ++b->n_groups;
    b->koff[g] = (int64_t)b->keys.len;
    b->hashes[g - 1] = h;
    b->slots[i] = g;
    if ((int64_t)b->n_groups * 2 > b->n_slots) OUPS_TRY(rehash(b, b->n_slots * 2));
    *out = g;
    return 0;
}

/* Encode row r of the by columns `cols` into `kb` (reset first). Nulls are refused. */
static int encode_key(oups_bytes *kb, const oups_column *const *cols, const oups_column_view *v, int n_by, int64_t r,
                      const char *what, char *const *names) {
    kb->len = 0;
    for (int c = 0; c < n_by; c++) {
        int64_t k = v[c].offset + r;
        if (v[c].validity && !oups_bit_get(v[c].validity, k))
            return oups_error_set(OUPS_EINVAL, "asof by merger: %s, by column '%s': null at row %lld (by values must be "
                                  "set)", what, names[c], (long long)r);
        (void)cols;
        if (oups_type_is_binary(v[c].type.id)) {
            int64_t s0 = v[c].offsets[k], n = v[c].offsets[k + 1] - s0;
            uint32_t n32 = (uint32_t)n;
            OUPS_TRY(oups_bytes_append(kb, &n32, 4));
            OUPS_TRY(oups_bytes_append(kb, (const uint8_t *)v[c].data + s0, (size_t)n));
        } else if (v[c].type.id == OUPS_TYPE_BOOL) {
            uint8_t x = oups_bit_get(v[c].data, k);
            OUPS_TRY(oups_bytes_append(kb, &x, 1));
        } else {
            int w = oups_datatype_width(v[c].type.id);
            OUPS_TRY(oups_bytes_append(kb, (const uint8_t *)v[c].data + k * w, (size_t)w));
        }
    }
    return 0;
}

/* The by columns of table `t` (named `what` in messages), checked against the by types. */
static int by_columns(oups_column_view *v, const oups_column **cols, const oups_asof_by_merger *b, const oups_table *t,
                      const char *what) {
    char x[64], y[64];
    for (int c = 0; c < b->n_by; c++) {
        int k = oups_table_column_index(t, b->by[c]);
        if (k < 0) return oups_error_set(OUPS_ENOTFOUND, "asof by merger: %s has no by column '%s'", what, b->by[c]);
        cols[c] = t->cols[k];
        if (!oups_datatype_equal(&cols[c]->type, &b->by_types[c]))
            return oups_error_set(OUPS_ESCHEMA, "asof by merger: %s, by column '%s' is %s, expected %s", what, b->by[c],
                                  oups_datatype_format(&cols[c]->type, x, sizeof x),
                                  oups_datatype_format(&b->by_types[c], y, sizeof y));
        oups_column_view_get(&v[c], cols[c]);
    }
    return 0;
}

/* Group ids of the rows of t; new groups with `add`. */
static int group_ids(int32_t *gid, oups_asof_by_merger *b, const oups_table *t, const char *what, bool add) {
    oups_column_view v[64];
    const oups_column *cols[64];
    OUPS_TRY(by_columns(v, cols, b, t, what));
    oups_bytes kb = {0};
    int rc = 0;
    for (int64_t r = 0; rc == 0 && r < t->n_rows; r++) {
        rc = encode_key(&kb, cols, v, b->n_by, r, what, b->by);
        if (rc == 0) rc = find_group(&gid[r], b, kb.data ? kb.data : (const uint8_t *)"", kb.len, add);
    }
    oups_bytes_free(&kb);
    return rc;
}

/* ---- merge ------------------------------------------------------------------------------------ */

/* Table t without the by columns, its rows ordered by group (stable) into *out; the rows of
 * group g are [start[g], start[g + 1]). */
static int split_by_group(oups_table **out, int64_t *start, const oups_table *t, const int32_t *gid, int G,
                          const oups_asof_by_merger *b) {
    int64_t n = t->n_rows;
    int64_t *idx = oups_malloc((size_t)(n ? n : 1) * sizeof *idx);
    const char **keep = oups_calloc((size_t)t->n_cols + 1, sizeof *keep);
    oups_table *sel = NULL;
    int rc = idx && keep ? 0 : OUPS_ENOMEM, nk = 0;
    for (int c = 0; rc == 0 && c < t->n_cols; c++) {
        bool is_by = false;
        for (int k = 0; k < b->n_by; k++) is_by |= !strcmp(t->names[c], b->by[k]);
        if (!is_by) keep[nk++] = t->names[c];
    }
    if (rc == 0) {
        memset(start, 0, (size_t)(G + 1) * sizeof *start);
        for (int64_t r = 0; r < n; r++) start[gid[r] + 1]++;
        for (int g = 0; g < G; g++) start[g + 1] += start[g];
        int64_t *pos = oups_malloc((size_t)G * sizeof *pos);
        if (!pos) rc = OUPS_ENOMEM;
        else {
            memcpy(pos, start, (size_t)G * sizeof *pos);
            for (int64_t r = 0; r < n; r++) idx[pos[gid[r]]++] = r;
            oups_free(pos);
        }
    }
    if (rc == 0) rc = oups_table_select(&sel, t, keep, nk);
    if (rc == 0) rc = oups_table_take(out, sel, idx, n);
    oups_table_free(sel);
    oups_free(idx);
    oups_free(keep);
    return rc;
}

/* First call: the by types from main, and the merger's layout from 0-row tables (group 0). */
static int first_call(oups_asof_by_merger *b, const oups_table *main, oups_table *const *tables) {
    if (!b->has_types) {
        for (int c = 0; c < b->n_by; c++) {
            int k = oups_table_column_index(main, b->by[c]);
            if (k < 0) return oups_error_set(OUPS_ENOTFOUND, "asof by merger: main has no by column '%s'", b->by[c]);
            b->by_types[c] = main->cols[k]->type;
        }
        b->has_types = true;
    }
    if (oups_asof_merger_has_state(b->m)) return 0;
    int nd = b->n_dfs, rc = 0;
    oups_table **empty = oups_calloc((size_t)nd, sizeof *empty);
    oups_column *mk = NULL;
    oups_table *res = NULL;
    if (!empty) return OUPS_ENOMEM;
    int64_t st[2];
    for (int d = 0; rc == 0 && d < nd; d++) {
        int32_t none = 0;
        oups_table *s = NULL;
        rc = oups_table_slice(&s, tables[d], 0, 0);
        if (rc == 0) rc = split_by_group(&empty[d], st, s, &none, 1, b);
        oups_table_free(s);
    }
    int k = -1;
    if (rc == 0) rc = oups_table_column_find(&k, main, b->on);
    if (rc == 0) rc = oups_column_slice(&mk, main->cols[k], 0, 0);
    int32_t comb = 0;
    if (rc == 0) rc = oups_asof_merger_merge(&res, b->m, mk, empty, 1, &comb, 1, false);
    oups_table_free(res);
    oups_column_release(mk);
    for (int d = 0; d < nd; d++) oups_table_free(empty[d]);
    oups_free(empty);
    return rc;
}

/* Output: the key, main's by columns, then the merger's value columns. */
static int assemble(oups_table **out, const oups_asof_by_merger *b, const oups_table *main, const oups_table *res) {
    int n = res->n_cols + b->n_by, rc = 0;
    const char **names = oups_calloc((size_t)n, sizeof *names);
    oups_column **cols = oups_calloc((size_t)n, sizeof *cols);
    if (!names || !cols) rc = OUPS_ENOMEM;
    for (int c = 0, o = 0; rc == 0 && c < res->n_cols; c++) {
        names[o] = res->names[c];
        cols[o++] = res->cols[c];
        for (int k = 0; c == 0 && k < b->n_by; k++) {
            names[o] = b->by[k];
            cols[o++] = main->cols[oups_table_column_index(main, b->by[k])];
        }
    }
    if (rc == 0) rc = oups_table_new(out, n, names, cols);
    oups_free(names);
    oups_free(cols);
    return rc;
}

int oups_asof_by_merger_merge(oups_table **out, oups_asof_by_merger *b, const oups_table *main,
                              oups_table *const *tables, bool check_sorted) {
    *out = NULL;
    if (!b || !main || !tables) return oups_error_set(OUPS_EINVAL, "asof by merger: merger, main or tables is NULL");
    int nd = b->n_dfs, rc = 0, k = -1;
    for (int d = 0; d < nd; d++)
        if (!tables[d]) return oups_error_set(OUPS_EINVAL, "asof by merger: table %d is NULL", d);
    OUPS_TRY(oups_table_column_find(&k, main, b->on));
    /* Checks first (nothing changes on failure); new groups are added only at the end. */
    int old_groups = b->n_groups;
    size_t old_keys = b->keys.len;
    bool had_types = b->has_types, had_state = oups_asof_merger_has_state(b->m);
    rc = first_call(b, main, tables);
    int32_t **gid = oups_calloc((size_t)nd + 1, sizeof *gid); /* [nd]: main */
    oups_table **parts = NULL, **split = oups_calloc((size_t)nd, sizeof *split);
    int64_t **start = oups_calloc((size_t)nd, sizeof *start);
    oups_table *res = NULL;
    if (rc == 0 && (!gid || !split || !start)) rc = OUPS_ENOMEM;
    char what[64];
    for (int d = 0; rc == 0 && d <= nd; d++) {
        const oups_table *t = d < nd ? tables[d] : main;
        if (d < nd) snprintf(what, sizeof what, "table %d", d);
        else snprintf(what, sizeof what, "main");
        if (!(gid[d] = oups_malloc((size_t)(t->n_rows ? t->n_rows : 1) * sizeof(int32_t)))) rc = OUPS_ENOMEM;
        else rc = group_ids(gid[d], b, t, what, d < nd); /* main: known groups only (else group 0) */
    }
    int G = b->n_groups + 1;
    for (int d = 0; rc == 0 && d < nd; d++) {
        if (!(start[d] = oups_malloc((size_t)(G + 1) * sizeof *start[d]))) rc = OUPS_ENOMEM;
        else rc = split_by_group(&split[d], start[d], tables[d], gid[d], G, b);
    }
    if (rc == 0 && !(parts = oups_calloc((size_t)G * nd, sizeof *parts))) rc = OUPS_ENOMEM;
    for (int g = 0; rc == 0 && g < G; g++)
        for (int d = 0; rc == 0 && d < nd; d++)
            rc = oups_table_slice(&parts[g * nd + d], split[d], start[d][g], start[d][g + 1] - start[d][g]);
    if (rc == 0) rc = oups_ops__asof_set_groups(b->m, G);
    if (rc == 0) rc = oups_asof_merger_merge(&res, b->m, main->cols[k], parts, G, gid[nd], 1, check_sorted);
    if (rc == 0) rc = assemble(out, b, main, res);
    if (rc < 0) { /* a failed call changes nothing: forget its groups (and a first call's layout) */
        b->n_groups = old_groups;
        b->keys.len = old_keys;
        oups_free(b->slots);
        b->slots = NULL; /* rebuilt at the next find_group */
        b->n_slots = 0;
        if (oups_asof_merger_has_state(b->m)) (void)oups_ops__asof_set_groups(b->m, old_groups + 1); /* shrinks */
        if (!had_state) {
            oups_ops__asof_state_free(&b->m->st, nd);
            b->m->has_state = false;
        }
        b->has_types = had_types;
    }
    oups_table_free(res);
    for (int i = 0; parts && i < G * nd; i++) oups_table_free(parts[i]);
    oups_free(parts);
    for (int d = 0; d < nd; d++) {
        oups_table_free(split ? split[d] : NULL);
        if (start) oups_free(start[d]);
    }
    for (int d = 0; gid && d <= nd; d++) oups_free(gid[d]);
    oups_free(gid);
    oups_free(split);
    oups_free(start);
    return rc;
}

int oups_asof_by_merger_num_groups(const oups_asof_by_merger *b) { return b ? b->n_groups : 0; }

int oups_asof_by_merger_schema(oups_table **out, const oups_asof_by_merger *b, int d) {
    *out = NULL;
    if (!b || !oups_asof_merger_has_state(b->m) || !b->has_types)
        return oups_error_set(OUPS_ESTATE, "asof by merger: no state yet (merge or load first)");
    if (d < -1 || d >= b->n_dfs) return oups_error_set(OUPS_EINVAL, "asof by merger: table %d out of range", d);
    const asof_table_layout *L = d >= 0 ? &b->m->st.layout[d] : NULL;
    int n = 1 + b->n_by + (L ? L->n_cols : 0);
    const char **names = oups_calloc((size_t)n, sizeof *names);
    oups_datatype *types = oups_calloc((size_t)n, sizeof *types);
    int rc = names && types ? 0 : OUPS_ENOMEM;
    for (int c = 0; rc == 0 && c < n; c++) {
        names[c] = c == 0 ? b->on : c <= b->n_by ? b->by[c - 1] : L->names[c - 1 - b->n_by];
        types[c] = c == 0 ? b->m->st.key_type : c <= b->n_by ? b->by_types[c - 1] : L->types[c - 1 - b->n_by];
    }
    if (rc == 0) rc = oups_table_new_empty(out, n, names, types);
    oups_free(names);
    oups_free(types);
    return rc;
}

/* ---- state ------------------------------------------------------------------------------------ */

static int put_names(oups_bytes *w, const oups_asof_by_merger *b) {
    OUPS_TRY(oups_blob_put_u32(w, (uint32_t)b->n_by));
    for (int c = 0; c < b->n_by; c++) OUPS_TRY(oups_blob_put_str(w, b->by[c]));
    return 0;
}

int oups_asof_by_merger_save(uint8_t **out, size_t *len, const oups_asof_by_merger *b) {
    *out = NULL;
    *len = 0;
    if (!b) return oups_error_set(OUPS_EINVAL, "asof by merger save: merger is NULL");
    uint8_t *inner = NULL;
    size_t inner_len = 0;
    bool st = oups_asof_merger_has_state(b->m);
    oups_bytes w = {0};
    int rc = oups_blob_begin(&w, MAGIC, VERSION);
    if (rc == 0) rc = put_names(&w, b);
    if (rc == 0) rc = oups_blob_put_u8(&w, st);
    for (int c = 0; rc == 0 && st && c < b->n_by; c++) rc = oups_blob_put_type(&w, &b->by_types[c]);
    if (rc == 0 && st) rc = oups_blob_put_u32(&w, (uint32_t)b->n_groups);
    for (int g = 1; rc == 0 && st && g <= b->n_groups; g++) {
        rc = oups_blob_put_u32(&w, (uint32_t)(b->koff[g] - b->koff[g - 1]));
        if (rc == 0) rc = oups_blob_put(&w, b->keys.data + b->koff[g - 1], (size_t)(b->koff[g] - b->koff[g - 1]));
    }
    if (rc == 0 && st) rc = oups_asof_merger_save(&inner, &inner_len, b->m);
    if (rc == 0 && st) rc = oups_blob_put_i64(&w, (int64_t)inner_len);
    if (rc == 0 && st) rc = oups_blob_put(&w, inner, inner_len);
    oups_mem_free(inner);
    if (rc == 0) rc = oups_blob_end(&w);
    if (rc < 0) {
        oups_bytes_free(&w);
        return rc;
    }
    *out = w.data;
    *len = w.len;
    return 0;
}

static int open_blob(oups_blob_rd *r, const uint8_t *blob, size_t len) {
    return oups_blob_open(r, blob, len, MAGIC, VERSION, "asof by merger load", "an asof by merger");
}

/* The by names (checked against the merger's) and the state flag. */
static int get_head(oups_blob_rd *r, const oups_asof_by_merger *b, uint8_t *has) {
    uint32_t n = 0;
    OUPS_TRY(oups_blob_get_u32(r, &n));
    if (n != (uint32_t)b->n_by)
        return oups_error_set(OUPS_EINVAL, "asof by merger load: state saved with %u by columns, the merger has %d", n,
                              b->n_by);
    for (int c = 0; c < b->n_by; c++) {
        uint32_t len = 0;
        OUPS_TRY(oups_blob_get_u32(r, &len));
        if (len > r->n - r->pos) return oups_blob_short(r);
        if (len != strlen(b->by[c]) || memcmp(r->p + r->pos, b->by[c], len))
            return oups_error_set(OUPS_EINVAL, "asof by merger load: by column %d saved as '%.*s', the merger has '%s'",
                                  c, (int)(len > 200 ? 200 : len), (const char *)r->p + r->pos, b->by[c]);
        r->pos += len;
    }
    OUPS_TRY(oups_blob_get_u8(r, has));
    if (*has > 1) return oups_error_set(OUPS_ECORRUPT, "asof by merger load: bad state flag %u", *has);
    return 0;
}

int oups_asof_by_merger_state_key_type(oups_datatype *key, bool *has_state, const uint8_t *blob, size_t len) {
    *has_state = false;
    oups_blob_rd r;
    OUPS_TRY(open_blob(&r, blob, len));
    uint32_t n = 0;
    uint8_t has = 0;
    OUPS_TRY(oups_blob_get_u32(&r, &n));
    if (n < 1 || n > 64) return oups_error_set(OUPS_ECORRUPT, "asof by merger load: %u by columns", n);
    for (uint32_t c = 0; c < n; c++) {
        uint32_t l = 0;
        OUPS_TRY(oups_blob_get_u32(&r, &l));
        if (l > r.n - r.pos) return oups_blob_short(&r);
        r.pos += l;
    }
    OUPS_TRY(oups_blob_get_u8(&r, &has));
    if (has > 1) return oups_error_set(OUPS_ECORRUPT, "asof by merger load: bad state flag %u", has);
    if (!has) return 0;
    oups_datatype t;
    for (uint32_t c = 0; c < n; c++) OUPS_TRY(oups_blob_get_type(&r, &t));
    uint32_t ng = 0;
    OUPS_TRY(oups_blob_get_u32(&r, &ng));
    for (uint32_t g = 0; g < ng; g++) {
        uint32_t l = 0;
        OUPS_TRY(oups_blob_get_u32(&r, &l));
        if (l > r.n - r.pos) return oups_blob_short(&r);
        r.pos += l;
    }
    int64_t il = 0;
    OUPS_TRY(oups_blob_get_i64(&r, &il));
    if (il < 0 || (uint64_t)il != r.n - r.pos)
        return oups_error_set(OUPS_ECORRUPT, "asof by merger load: inner state of %lld bytes, %zu left", (long long)il,
                              r.n - r.pos);
    return oups_asof_merger_state_key_type(key, has_state, r.p + r.pos, (size_t)il);
}

int oups_asof_by_merger_load(oups_asof_by_merger *b, const uint8_t *blob, size_t len) {
    if (!b) return oups_error_set(OUPS_EINVAL, "asof by merger load: merger is NULL");
    oups_blob_rd r;
    OUPS_TRY(open_blob(&r, blob, len));
    uint8_t has = 0;
    OUPS_TRY(get_head(&r, b, &has));
    /* Everything is read into `n` (a new group table) and a merger state `tmp` first; the
     * merger is changed only when all of it checks. */
    oups_asof_by_merger n = {.n_by = b->n_by, .n_dfs = b->n_dfs, .by = b->by};
    oups_asof_merger tmp = *b->m;
    memset(&tmp.st, 0, sizeof tmp.st);
    tmp.has_state = false;
    tmp.pool = NULL;
    tmp.n_pool = 0;
    int rc = 0;
    if (has) {
        if (!(n.by_types = oups_calloc((size_t)b->n_by, sizeof *n.by_types))) rc = OUPS_ENOMEM;
        for (int c = 0; rc == 0 && c < b->n_by; c++) rc = oups_blob_get_type(&r, &n.by_types[c]);
        uint32_t ng = 0;
        if (rc == 0) rc = oups_blob_get_u32(&r, &ng);
        if (rc == 0 && ng > (r.n - r.pos) / 4) rc = oups_blob_short(&r); /* each key takes >= 4 bytes */
        for (uint32_t g = 0; rc == 0 && g < ng; g++) {
            uint32_t l = 0;
            int32_t id = 0;
            rc = oups_blob_get_u32(&r, &l);
            if (rc == 0 && l > r.n - r.pos) rc = oups_blob_short(&r);
            if (rc == 0) rc = find_group(&id, &n, r.p + r.pos, l, true);
            if (rc == 0 && id != (int32_t)g + 1)
                rc = oups_error_set(OUPS_ECORRUPT, "asof by merger load: group %u has the key of group %d", g + 1, id);
            r.pos += l;
        }
        int64_t il = 0;
        if (rc == 0) rc = oups_blob_get_i64(&r, &il);
        if (rc == 0 && (il < 0 || (uint64_t)il != r.n - r.pos))
            rc = oups_error_set(OUPS_ECORRUPT, "asof by merger load: inner state of %lld bytes, %zu left", (long long)il,
                                r.n - r.pos);
        if (rc == 0) rc = oups_asof_merger_load(&tmp, r.p + r.pos, (size_t)il);
        /* The by columns lead every schema: a value column of the same name is damage. */
        for (int d = 0; rc == 0 && tmp.has_state && d < b->n_dfs; d++)
            for (int c = 0; rc == 0 && c < tmp.st.layout[d].n_cols; c++)
                for (int k = 0; rc == 0 && k < b->n_by; k++)
                    if (strcmp(tmp.st.layout[d].names[c], b->by[k]) == 0)
                        rc = oups_error_set(OUPS_ECORRUPT, "asof by merger load: table %d has a value column named "
                                            "as the by column '%s'", d, b->by[k]);
        if (rc == 0 && (!tmp.has_state || tmp.st.n_groups != n.n_groups + 1))
            rc = oups_error_set(OUPS_ECORRUPT, "asof by merger load: %d group keys for a merger state of %d groups",
                                n.n_groups, tmp.has_state ? tmp.st.n_groups - 1 : -1);
    } else if (r.pos != r.n) rc = oups_error_set(OUPS_ECORRUPT, "asof by merger load: trailing bytes");
    if (rc < 0) {
        oups_ops__asof_state_free(&tmp.st, tmp.n_dfs);
        free_groups(&n);
        return rc;
    }
    /* install */
    if (has) oups_ops__asof_state_install(b->m, &tmp.st);
    else {
        oups_ops__asof_state_free(&b->m->st, b->n_dfs);
        b->m->has_state = false;
    }
    free_groups(b);
    b->by_types = n.by_types;
    if (!b->by_types) b->by_types = oups_calloc((size_t)b->n_by, sizeof *b->by_types);
    b->has_types = has;
    b->keys = n.keys;
    b->koff = n.koff;
    b->slots = n.slots;
    b->hashes = n.hashes;
    b->n_groups = n.n_groups;
    b->cap_groups = n.cap_groups;
    b->n_slots = n.n_slots;
    return b->by_types ? 0 : OUPS_ENOMEM;
}

static int ops_save(void *obj, uint8_t **out, size_t *len) { return oups_asof_by_merger_save(out, len, obj); }
static int ops_load(void *obj, const uint8_t *blob, size_t len) { return oups_asof_by_merger_load(obj, blob, len); }

const oups_state_ops oups_asof_by_merger_state_ops = {ops_save, ops_load};
