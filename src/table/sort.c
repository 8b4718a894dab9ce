/*
 * table/sort.c: stable sort permutations, sort, and the order check.
 * Order: lexicographic over the key columns, ascending, nulls first, NaN after all numbers
 * (oups_column__compare in compare.c). A single numeric key (ints, timestamp, date32, floats,
 * bool) takes the fast path: already-sorted input is detected in one pass; otherwise nulls are
 * partitioned first and the rest is LSD radix sorted on an order-preserving unsigned key,
 * minus the minimum, 11 bits per pass, skipping passes whose digit is constant (ns timestamps
 * spanning a day need 5 passes); row ids ride along as uint32 inside the output array.
 * Everything else uses a bottom-up merge sort of the indices
 * (insertion sort on runs of 32 first), also for tables of more than 2^32 rows. Both are stable.
 */
#include <math.h>
#include <stdio.h>

#include "table/table.h"

typedef struct keyset {
    int n;
    oups_column_view *v;
    const char *const *names;
} keyset;

static int open_keys(keyset *ks, const oups_table *t, const char *const *keys, int n_keys, const char *what) {
    ks->n = n_keys;
    ks->names = keys;
    ks->v = NULL;
    if (n_keys < 0 || (n_keys > 0 && !keys)) return oups_error_set(OUPS_EINVAL, "%s: bad key list", what);
    ks->v = oups_calloc((size_t)n_keys + 1, sizeof *ks->v);
    if (!ks->v) return OUPS_ENOMEM;
    for (int k = 0; k < n_keys; k++) {
        int ci;
        int rc = oups_table_column_find(&ci, t, keys[k]);
        if (rc < 0) {
            oups_free(ks->v);
            ks->v = NULL;
            return oups_error_prefix(rc, "%s: ", what);
        }
        oups_column_view_get(&ks->v[k], t->cols[ci]);
    }
    return 0;
}

static int cmp_rows(const keyset *ks, int64_t i, int64_t j) {
    for (int k = 0; k < ks->n; k++) {
        int c = oups_column__compare(&ks->v[k], i, &ks->v[k], j);
        if (c) return c;
    }
    return 0;
}

/* ---- merge sort (any keys) ----------------------------------------------------------------- */

static int merge_sort(int64_t *idx, int64_t n, const keyset *ks) {
    enum { RUN = 32 };
    for (int64_t lo = 0; lo < n; lo += RUN) { /* insertion sort each run (stable) */
        int64_t hi = lo + RUN < n ? lo + RUN : n;
        for (int64_t i = lo + 1; i < hi; i++) {
            int64_t x = idx[i], j = i;
            while (j > lo && cmp_rows(ks, idx[j - 1], x) > 0) {
                idx[j] = idx[j - 1];
                j--;
            }
            idx[j] = x;
        }
    }
    if (n <= RUN) return 0;
    int64_t *tmp = oups_malloc_array((size_t)n, sizeof *tmp);
    if (!tmp) return OUPS_ENOMEM;
    int64_t *src = idx, *dst = tmp;
    for (int64_t w = RUN; w < n; w *= 2) {
        for (int64_t lo = 0; lo < n; lo += 2 * w) {
            int64_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            int64_t a = lo, b = mid, o = lo;
            if (mid == hi || cmp_rows(ks, src[mid - 1], src[mid]) <= 0) { /* already in order */
                memcpy(dst + lo, src + lo, (size_t)(hi - lo) * sizeof *src);
                continue;
            }
            while (a < mid && b < hi) dst[o++] = cmp_rows(ks, src[b], src[a]) < 0 ? src[b++] : src[a++];
            while (a < mid) dst[o++] = src[a++];
            while (b < hi) dst[o++] = src[b++];
        }
        int64_t *s = src;
        src = dst;
        dst = s;
    }
    if (src != idx) memcpy(idx, src, (size_t)n * sizeof *idx);
    oups_free(tmp);
    return 0;
}

/* ---- radix sort (one numeric key) ---------------------------------------------------------- */

static bool radix_type(oups_type_id id) {
    return oups_type_is_signed(id) || oups_type_is_unsigned(id) || oups_type_is_float(id) || id == OUPS_TYPE_BOOL;
}

/* Order-preserving map of a double to an unsigned key: -0.0 becomes 0.0 and every NaN the top
 * key, then the IEEE total-order trick (flip all bits of negatives, the sign bit of others). */
static inline uint64_t float_key(double d) {
    if (isnan(d)) return UINT64_MAX;
    if (d == 0) d = 0.0;
    uint64_t bits;
    memcpy(&bits, &d, 8);
    return (bits >> 63) ? ~bits : bits | (UINT64_C(1) << 63);
}

/* key[i] for every row i (keys of null rows are computed and ignored). Typed loops for the
 * common types: this runs over 10M-row columns. Signed ints flip the sign bit. */
static void make_keys(uint64_t *key, const oups_column_view *v) {
    const uint64_t sign = UINT64_C(1) << 63;
    int64_t n = v->length;
    switch (v->type.id) {
    case OUPS_TYPE_INT64: case OUPS_TYPE_TIMESTAMP: {
        const int64_t *a = (const int64_t *)v->data + v->offset;
        for (int64_t i = 0; i < n; i++) key[i] = (uint64_t)a[i] ^ sign;
        return;
    }
    case OUPS_TYPE_INT32: case OUPS_TYPE_DATE32: {
        const int32_t *a = (const int32_t *)v->data + v->offset;
        for (int64_t i = 0; i < n; i++) key[i] = (uint64_t)(int64_t)a[i] ^ sign;
        return;
    }
    case OUPS_TYPE_UINT64: {
        const uint64_t *a = (const uint64_t *)v->data + v->offset;
        for (int64_t i = 0; i < n; i++) key[i] = a[i];
        return;
    }
    case OUPS_TYPE_FLOAT64: {
        const double *a = (const double *)v->data + v->offset;
        for (int64_t i = 0; i < n; i++) key[i] = float_key(a[i]);
        return;
    }
    default:
        for (int64_t i = 0; i < n; i++) {
            oups_type_id id = v->type.id;
            if (oups_type_is_float(id)) key[i] = float_key(oups_column__get_double(v, i));
            else if (oups_type_is_unsigned(id) || id == OUPS_TYPE_BOOL) key[i] = oups_column__get_uint(v, i);
            else key[i] = (uint64_t)oups_column__get_int(v, i) ^ sign;
        }
    }
}

enum { RADIX_BITS = 11, RADIX = 1 << RADIX_BITS };

/* Sort idx[0..n) (row ids whose keys are key[0..n)) stably by key, LSD radix on key - min.
 * Row ids fit 32 bits (the caller checks), so both ping-pong id arrays live inside idx itself
 * (two uint32 halves): 8 bytes per row less scratch and less memory traffic per pass. */
static int radix_sort(int64_t *idx, uint64_t *key, int64_t n) {
    uint64_t lo = UINT64_MAX, hi = 0;
    for (int64_t i = 0; i < n; i++) {
        if (key[i] < lo) lo = key[i];
        if (key[i] > hi) hi = key[i];
    }
    int passes = 0;
    for (uint64_t span = hi - lo; span; span >>= RADIX_BITS) passes++;
    if (passes == 0) return 0;
    int64_t (*count)[RADIX] = oups_calloc((size_t)passes, sizeof *count);
    uint64_t *key2 = oups_malloc_array((size_t)n, sizeof *key2);
    if (!count || !key2) {
        oups_free(count);
        oups_free(key2);
        return OUPS_ENOMEM;
    }
    for (int64_t i = 0; i < n; i++) {
        uint64_t k = key[i] -= lo;
        for (int p = 0; p < passes; p++) count[p][(k >> (p * RADIX_BITS)) & (RADIX - 1)]++;
    }
    uint64_t *ks = key, *kd = key2;
    uint32_t *a = (uint32_t *)idx, *b = a + n;
    for (int64_t i = 0; i < n; i++) a[i] = (uint32_t)idx[i]; /* a[i] only overwrites idx[<= i/2] */
    uint32_t *is = a, *id = b;
    for (int p = 0; p < passes; p++) {
        int64_t sum = 0, *pos = count[p];
        bool trivial = false;
        for (int d = 0; d < RADIX; d++) {
            int64_t c = pos[d];
            trivial |= c == n;
            pos[d] = sum;
            sum += c;
        }
        if (trivial) continue; /* every key has the same digit here: the pass would move nothing */
        int shift = p * RADIX_BITS;
        for (int64_t i = 0; i < n; i++) {
            uint64_t k = ks[i];
            int64_t at = pos[(k >> shift) & (RADIX - 1)]++;
            kd[at] = k;
            id[at] = is[i];
        }
        uint64_t *kt = ks;
        ks = kd;
        kd = kt;
        uint32_t *it = is;
        is = id;
        id = it;
    }
    if (is == a) /* widen in place: backwards, idx[i] covers a[2i..2i+1], not yet needed */
        for (int64_t i = n - 1; i >= 0; i--) idx[i] = a[i];
    else /* forwards: idx[i] covers b[2i-n..2i+1-n], all <= i, already read */
        for (int64_t i = 0; i < n; i++) idx[i] = b[i];
    oups_free(count);
    oups_free(key2);
    return 0;
}

/* Nulls first (in row order), then the valid rows radix sorted. */
static int sort_one_numeric(int64_t *idx, const oups_column_view *v) {
    int64_t n = v->length, nulls = v->validity ? v->null_count : 0;
    if (!nulls && (v->type.id == OUPS_TYPE_INT64 || v->type.id == OUPS_TYPE_TIMESTAMP)) {
        const int64_t *a = (const int64_t *)v->data + v->offset; /* ordered_on columns usually are */
        int64_t i = 1;
        while (i < n && a[i - 1] <= a[i]) i++;
        if (i >= n) {
            for (int64_t j = 0; j < n; j++) idx[j] = j;
            return 0;
        }
    }
    uint64_t *key = oups_malloc_array((size_t)n + 1, sizeof *key);
    if (!key) return OUPS_ENOMEM;
    make_keys(key, v);
    int64_t m = 0;
    if (nulls) { /* null rows first; compact the keys of valid rows */
        for (int64_t i = 0, k = 0; i < n; i++) {
            if (!oups_bit_get(v->validity, v->offset + i)) {
                idx[k++] = i;
                continue;
            }
            key[m] = key[i];
            idx[nulls + m++] = i;
        }
    } else {
        for (int64_t i = 0; i < n; i++) idx[i] = i;
        m = n;
    }
    int64_t i = 1;
    while (i < m && key[i - 1] <= key[i]) i++;
    int rc = i >= m ? 0 : radix_sort(idx + nulls, key, m);
    oups_free(key);
    return rc;
}

int oups_table_sort_indices(int64_t **out, const oups_table *t, const char *const *keys, int n_keys) {
    *out = NULL;
    if (n_keys <= 0) return oups_error_set(OUPS_EINVAL, "sort: no key columns");
    keyset ks;
    OUPS_TRY(open_keys(&ks, t, keys, n_keys, "sort"));
    int64_t n = t->n_rows;
    int64_t *idx = oups_malloc_array((size_t)n + 1, sizeof *idx);
    int rc = idx ? 0 : OUPS_ENOMEM;
    if (rc == 0 && n_keys == 1 && radix_type(ks.v[0].type.id) && n <= (int64_t)UINT32_MAX) {
        rc = sort_one_numeric(idx, &ks.v[0]);
    } else if (rc == 0) {
        for (int64_t i = 0; i < n; i++) idx[i] = i;
        rc = merge_sort(idx, n, &ks);
    }
    oups_free(ks.v);
    if (rc < 0) {
        oups_free(idx);
        return rc;
    }
    *out = idx;
    return 0;
}

int oups_table_sort(oups_table **out, const oups_table *t, const char *const *keys, int n_keys) {
    *out = NULL;
    int64_t *idx;
    OUPS_TRY(oups_table_sort_indices(&idx, t, keys, n_keys));
    int rc = oups_table_take(out, t, idx, t->n_rows);
    oups_free(idx);
    return rc;
}

/* ---- order check ------------------------------------------------------------------------- */

static int report_unordered(const keyset *ks, int64_t row) {
    int k = 0;
    while (k < ks->n - 1 && oups_column__compare(&ks->v[k], row - 1, &ks->v[k], row) == 0) k++;
    char a[128], b[128];
    oups_column__format(a, sizeof a, &ks->v[k], row - 1);
    oups_column__format(b, sizeof b, &ks->v[k], row);
    if (ks->n == 1)
        return oups_error_set(OUPS_EUNORDERED, "not ordered on column '%s': row %lld (%s) is smaller than row %lld (%s)",
                              ks->names[k], (long long)row, b, (long long)(row - 1), a);
    return oups_error_set(OUPS_EUNORDERED,
                          "not ordered on %d key columns: row %lld is smaller than row %lld at column '%s' (%s < %s, "
                          "earlier keys equal)",
                          ks->n, (long long)row, (long long)(row - 1), ks->names[k], b, a);
}

int oups_table_check_ordered(int64_t *first_bad, const oups_table *t, const char *const *keys, int n_keys) {
    if (first_bad) *first_bad = -1;
    if (n_keys == 0) return 0;
    keyset ks;
    OUPS_TRY(open_keys(&ks, t, keys, n_keys, "check_ordered"));
    int64_t bad = -1, n = t->n_rows;
    const oups_column_view *v = &ks.v[0];
    if (n_keys == 1 && !v->validity && (v->type.id == OUPS_TYPE_INT64 || v->type.id == OUPS_TYPE_TIMESTAMP)) {
        const int64_t *a = (const int64_t *)v->data + v->offset; /* hot path: ordered_on columns */
        for (int64_t i = 1; i < n; i++)
            if (a[i] < a[i - 1]) {
                bad = i;
                break;
            }
    } else {
        for (int64_t i = 1; i < n; i++)
            if (cmp_rows(&ks, i - 1, i) > 0) {
                bad = i;
                break;
            }
    }
    int rc = bad < 0 ? 0 : report_unordered(&ks, bad);
    if (first_bad) *first_bad = bad;
    oups_free(ks.v);
    return rc;
}
