/*
 * tests/ops/segagg_fixtures.h: helpers shared by the segmented aggregator tests: column and
 * table builders (NaN / INT64_MIN mean null), value checks, and the consolidation rule that
 * rebuilds a one-shot output from chunked outputs (drop each group's previous last bin, append,
 * stable sort by (label, group); snapshots: keep the last row per (label, group)).
 */
#ifndef OUPS_TESTS_SEGAGG_FIXTURES_H
#define OUPS_TESTS_SEGAGG_FIXTURES_H

#include <math.h>

#include "harness.h"

/* 2020-01-01 HH:MM UTC in ns (the spec's notation). */
#define HM(h, m) (INT64_C(1577836800000000000) + ((int64_t)(h) * 60 + (m)) * INT64_C(60000000000))
#define MIN_NS INT64_C(60000000000)
#define NUL_I INT64_MIN

static inline oups_column *sa_col(oups_datatype t, const void *vals, int64_t n, const uint8_t *valid) {
    oups_column *c = NULL;
    if (oups_column_from_values(&c, &t, vals, n, valid) < 0) return NULL;
    return c;
}

static inline oups_column *col_ts(const int64_t *v, int64_t n) {
    return sa_col(oups_type_timestamp(OUPS_UNIT_NS, NULL), v, n, NULL);
}

/* float64; NaN entries become nulls. */
static inline oups_column *col_f64(const double *v, int64_t n) {
    uint8_t valid[4096] = {0};
    bool any = false;
    for (int64_t i = 0; i < n && i < 4096 * 8; i++) {
        if (isnan(v[i])) any = true;
        else valid[i >> 3] |= (uint8_t)(1u << (i & 7));
    }
    if (n > 4096 * 8) any = false;
    return sa_col(oups_type(OUPS_TYPE_FLOAT64), v, n, any ? valid : NULL);
}

/* int64; INT64_MIN entries become nulls. */
static inline oups_column *col_i64(const int64_t *v, int64_t n) {
    uint8_t valid[4096] = {0};
    bool any = false;
    for (int64_t i = 0; i < n && i < 4096 * 8; i++) {
        if (v[i] == NUL_I) any = true;
        else valid[i >> 3] |= (uint8_t)(1u << (i & 7));
    }
    if (n > 4096 * 8) any = false;
    return sa_col(oups_type(OUPS_TYPE_INT64), v, n, any ? valid : NULL);
}

/* A table from n columns (consumed). */
static inline oups_table *sa_table(int n, const char *const *names, oups_column **cols) {
    oups_table *t = NULL;
    int rc = oups_table_new(&t, n, names, cols);
    for (int i = 0; i < n; i++) oups_column_release(cols[i]);
    return rc < 0 ? NULL : t;
}

/* Column `name` of t against exp[0..n): doubles (null = NaN, compared to 1e-9 relative) when
 * `ef` is given, else int64 (null = NUL_I; ints, uint64 and timestamps). 0 if equal, else -1
 * with a message. */
static inline int check_col(const oups_table *t, const char *name, const double *ef, const int64_t *ei, int64_t n) {
    int k = oups_table_column_index(t, name);
    if (k < 0 || oups_table_num_rows(t) != n) {
        fprintf(stderr, "  column '%s': missing or %lld rows, expected %lld\n", name,
                (long long)(t ? oups_table_num_rows(t) : -1), (long long)n);
        return -1;
    }
    for (int64_t i = 0; i < n; i++) {
        oups_scalar s;
        oups_column_get_scalar(&s, oups_table_column(t, k), i);
        if (ef) {
            double got = s.is_null ? NAN : s.v.f, e = ef[i];
            if ((isnan(got) != isnan(e)) || (!isnan(got) && fabs(got - e) > 1e-9 * (1 + fabs(e)))) {
                fprintf(stderr, "  column '%s' row %lld: %g, expected %g\n", name, (long long)i, got, e);
                return -1;
            }
        } else {
            int64_t got = s.is_null ? NUL_I : s.type.id == OUPS_TYPE_UINT64 ? (int64_t)s.v.u : s.v.i;
            if (got != ei[i]) {
                fprintf(stderr, "  column '%s' row %lld: %lld, expected %lld\n", name, (long long)i, (long long)got,
                        (long long)ei[i]);
                return -1;
            }
        }
    }
    return 0;
}
static inline int check_f(const oups_table *t, const char *name, const double *exp, int64_t n) {
    return check_col(t, name, exp, NULL, n);
}
static inline int check_i(const oups_table *t, const char *name, const int64_t *exp, int64_t n) {
    return check_col(t, name, NULL, exp, n);
}

/* Text of the group key of row i (columns by[0..n_by)), for grouping in tests. */
static inline void key_text(char *buf, size_t cap, const oups_table *t, int64_t i, const char *const *by, int n_by) {
    size_t len = 0;
    buf[0] = 0;
    for (int c = 0; c < n_by && len < cap; c++) {
        oups_scalar s;
        oups_column_get_scalar(&s, oups_table_column(t, oups_table_column_index(t, by[c])), i);
        if (s.is_null) len += (size_t)snprintf(buf + len, cap - len, "|null");
        else if (s.type.id == OUPS_TYPE_STRING)
            len += (size_t)snprintf(buf + len, cap - len, "|s%.*s", (int)s.v.bytes.len, (const char *)s.v.bytes.ptr);
        else len += (size_t)snprintf(buf + len, cap - len, "|%lld", (long long)s.v.i);
    }
}

/*
 * The consolidation rule: `acc` (may be NULL) holds the rebuilt output so far, `next` a call's
 * output. Bins: each group present in `next` loses its last row in `acc`. Snapshots
 * (snaps = true): rows of `acc` whose (label, group) reappear in `next` are dropped. Then the
 * rows are stable-sorted by (label, group). Returns the new table (acc is freed).
 */
static inline oups_table *consolidate(oups_table *acc, oups_table *next, const char *label, const char *const *by,
                                      int n_by, bool snaps) {
    if (!next) return acc;
    if (!acc) return oups_table_retain(next);
    int64_t na = oups_table_num_rows(acc), nn = oups_table_num_rows(next);
    int64_t *keep = malloc(sizeof *keep * (size_t)(na + 1));
    char ka[512], kb[512];
    int64_t nk = 0;
    int lk = oups_table_column_index(acc, label);
    for (int64_t i = 0; i < na; i++) {
        key_text(ka, sizeof ka, acc, i, by, n_by);
        bool drop = false;
        if (snaps) {
            oups_scalar li;
            oups_column_get_scalar(&li, oups_table_column(acc, lk), i);
            for (int64_t j = 0; j < nn && !drop; j++) {
                oups_scalar lj;
                oups_column_get_scalar(&lj, oups_table_column(next, lk), j);
                if (lj.v.i != li.v.i) continue;
                key_text(kb, sizeof kb, next, j, by, n_by);
                drop = strcmp(ka, kb) == 0;
            }
        } else {
            bool last = true; /* last row of its group in acc? */
            for (int64_t j = i + 1; j < na && last; j++) {
                key_text(kb, sizeof kb, acc, j, by, n_by);
                last = strcmp(ka, kb) != 0;
            }
            for (int64_t j = 0; j < nn && last && !drop; j++) {
                key_text(kb, sizeof kb, next, j, by, n_by);
                drop = strcmp(ka, kb) == 0;
            }
        }
        if (!drop) keep[nk++] = i;
    }
    oups_table *kept = NULL, *cat = NULL, *sorted = NULL;
    if (oups_table_take(&kept, acc, keep, nk) == 0) {
        oups_table *two[2] = {kept, next};
        if (oups_table_concat(&cat, two, 2) == 0) {
            const char *keys[9] = {label};
            for (int i = 0; i < n_by && i < 8; i++) keys[1 + i] = by[i];
            if (oups_table_sort(&sorted, cat, keys, 1 + n_by) < 0) sorted = NULL;
        }
    }
    free(keep);
    oups_table_free(kept);
    oups_table_free(cat);
    oups_table_free(acc);
    return sorted;
}

/* Compare two tables; prints the first difference. */
static inline int same_table(const oups_table *a, const oups_table *b, const char *what) {
    char desc[512];
    if (!a || !b) {
        fprintf(stderr, "  %s: missing table\n", what);
        return 0;
    }
    if (oups_table_equal(a, b, desc, sizeof desc)) return 1;
    fprintf(stderr, "  %s: %s\n", what, desc);
    return 0;
}

#endif
