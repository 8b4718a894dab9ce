/*
 * table/dedup.c: drop duplicate rows on a subset of columns, keeping the LAST occurrence of
 * each distinct key, kept rows in their original order (pandas drop_duplicates(keep="last"),
 * the store's duplicates_on). Hash based, O(n) expected: rows are visited from last to first
 * into an open-addressing table of row numbers, so the first visit of a key is its last
 * occurrence. Identity is oups_column__same (nulls equal nulls, floats by bits).
 * A table without duplicates is returned as is (same handle, retained).
 */
#include "table/table.h"

static inline uint64_t mix(uint64_t h, uint64_t x) {
    h ^= x + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    h *= 0xbf58476d1ce4e5b9ULL;
    return h ^ (h >> 31);
}

static uint64_t hash_row(const oups_column_view *v, int n, int64_t i) {
    uint64_t h = 0x12345678;
    for (int k = 0; k < n; k++) {
        const oups_column_view *c = &v[k];
        int64_t r = c->offset + i;
        if (c->validity && !oups_bit_get(c->validity, r)) {
            h = mix(h, 0x6e756c6c); /* all nulls hash alike */
            continue;
        }
        oups_type_id id = c->type.id;
        if (oups_type_is_binary(id)) {
            const uint8_t *p = (const uint8_t *)c->data + c->offsets[r];
            int64_t len = c->offsets[r + 1] - c->offsets[r], j = 0;
            for (; j + 8 <= len; j += 8) h = mix(h, oups_load_u64le(p + j));
            uint64_t tail = 0;
            memcpy(&tail, p + j, (size_t)(len - j));
            h = mix(mix(h, tail), (uint64_t)len);
        } else if (id == OUPS_TYPE_BOOL) {
            h = mix(h, oups_bit_get(c->data, r));
        } else {
            int w = oups_datatype_width(id);
            const uint8_t *p = (const uint8_t *)c->data + r * w;
            uint64_t x[2] = {0, 0};
            memcpy(x, p, (size_t)w);
            h = mix(h, x[0]);
            if (w == 16) h = mix(h, x[1]);
        }
    }
    return h;
}

static bool same_row(const oups_column_view *v, int n, int64_t i, int64_t j) {
    for (int k = 0; k < n; k++)
        if (!oups_column__same(&v[k], i, &v[k], j)) return false;
    return true;
}

/* Mark in `keep` the last occurrence of each key; returns the number kept or a negative code. */
static int64_t mark_last(uint8_t *keep, const oups_column_view *v, int nk, int64_t n) {
    int64_t cap = 16;
    while (cap < 2 * n) cap *= 2;
    int64_t *slot = oups_malloc_array((size_t)cap, sizeof *slot);
    uint64_t *hashes = oups_malloc_array((size_t)n + 1, sizeof *hashes);
    if (!slot || !hashes) {
        oups_free(slot);
        oups_free(hashes);
        return OUPS_ENOMEM;
    }
    memset(slot, 0xff, (size_t)cap * sizeof *slot); /* -1: empty */
    bool fast = nk == 1 && !v[0].validity && oups_datatype_width(v[0].type.id) == 8;
    const uint64_t *raw = fast ? (const uint64_t *)v[0].data + v[0].offset : NULL;
    int64_t kept = 0;
    for (int64_t i = n - 1; i >= 0; i--) {
        uint64_t h = fast ? mix(0, raw[i]) : hash_row(v, nk, i);
        hashes[i] = h;
        int64_t s = (int64_t)(h & (uint64_t)(cap - 1));
        for (;;) {
            int64_t j = slot[s];
            if (j < 0) {
                slot[s] = i;
                oups_bit_set(keep, i, true);
                kept++;
                break;
            }
            if (hashes[j] == h && (fast ? raw[j] == raw[i] : same_row(v, nk, i, j))) break; /* later copy kept */
            s = (s + 1) & (cap - 1);
        }
    }
    oups_free(slot);
    oups_free(hashes);
    return kept;
}

int oups_table_dedup_last(oups_table **out, const oups_table *t, const char *const *subset, int n) {
    *out = NULL;
    if (n < 0 || (n > 0 && !subset)) return oups_error_set(OUPS_EINVAL, "dedup: bad column list");
    int nk = n > 0 ? n : t->n_cols;
    int64_t rows = t->n_rows;
    oups_column_view *v = oups_calloc((size_t)nk + 1, sizeof *v);
    if (!v) return OUPS_ENOMEM;
    int rc = 0;
    for (int k = 0; k < nk && rc == 0; k++) {
        int ci = k;
        if (n > 0) rc = oups_table_column_find(&ci, t, subset[k]);
        if (rc == 0) oups_column_view_get(&v[k], t->cols[ci]);
    }
    if (rc < 0) {
        oups_free(v);
        return oups_error_prefix(rc, "dedup: ");
    }
    uint8_t *keep = oups_calloc((size_t)(rows + 7) / 8 + 1, 1);
    int64_t kept = keep ? mark_last(keep, v, nk, rows) : OUPS_ENOMEM;
    oups_free(v);
    if (kept < 0 || kept == rows) {
        oups_free(keep);
        if (kept < 0) return (int)kept;
        *out = oups_table_retain((oups_table *)t);
        return 0;
    }
    int64_t *idx = oups_malloc_array((size_t)kept + 1, sizeof *idx);
    if (!idx) {
        oups_free(keep);
        return OUPS_ENOMEM;
    }
    for (int64_t i = 0, m = 0; i < rows; i++)
        if (oups_bit_get(keep, i)) idx[m++] = i;
    oups_free(keep);
    rc = oups_table_take(out, t, idx, kept);
    oups_free(idx);
    return rc;
}
