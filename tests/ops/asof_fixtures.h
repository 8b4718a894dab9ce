/*
 * tests/ops/asof_fixtures.h: small helpers for the as-of tests: columns from C arrays, tables
 * from (name, column) lists (taking the column references), reading cells back, and a
 * reference as-of implementation written the slow obvious way (spec §6) for cross-checks.
 */
#ifndef OUPS_TESTS_ASOF_FIXTURES_H
#define OUPS_TESTS_ASOF_FIXTURES_H

#include <stdarg.h>
#include <unistd.h>

#include "harness.h"
#include "table/table.h"

static inline oups_column *col_i64(const int64_t *v, int64_t n) {
    oups_datatype t = oups_type(OUPS_TYPE_INT64);
    oups_column *c = NULL;
    if (oups_column_from_values(&c, &t, v, n, NULL) < 0) return NULL;
    return c;
}

static inline oups_column *col_f64(const double *v, int64_t n) {
    oups_datatype t = oups_type(OUPS_TYPE_FLOAT64);
    oups_column *c = NULL;
    if (oups_column_from_values(&c, &t, v, n, NULL) < 0) return NULL;
    return c;
}

/* Table from n (name, column) pairs given as varargs; the column references are consumed. */
static inline oups_table *tbl(int n, ...) {
    const char *names[64];
    oups_column *cols[64];
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++) {
        names[i] = va_arg(ap, const char *);
        cols[i] = va_arg(ap, oups_column *);
    }
    va_end(ap);
    oups_table *t = NULL;
    int ok = 1;
    for (int i = 0; i < n; i++) ok &= cols[i] != NULL;
    if (ok && oups_table_new(&t, n, names, cols) < 0) t = NULL;
    for (int i = 0; i < n; i++) oups_column_release(cols[i]);
    return t;
}

/* Table ts:int64, v:float64. */
static inline oups_table *tbl_ts_v(const int64_t *ts, const double *v, int64_t n) {
    return tbl(2, "ts", col_i64(ts, n), "v", col_f64(v, n));
}

/* Comma-separated column names of t, into buf. */
static inline const char *names_of(const oups_table *t, char *buf, size_t cap) {
    buf[0] = 0;
    size_t len = 0;
    for (int i = 0; i < oups_table_num_columns(t); i++)
        len += (size_t)snprintf(buf + len, cap - len, "%s%s", i ? "," : "", oups_table_column_name(t, i));
    return buf;
}

static inline double f64_at(const oups_table *t, const char *name, int64_t row) {
    int k = oups_table_column_index(t, name);
    if (k < 0) return -999999.0;
    oups_column_view v;
    oups_column_view_get(&v, oups_table_column(t, k));
    return oups_column__get_double(&v, row);
}

static inline int64_t i64_at(const oups_table *t, const char *name, int64_t row) {
    int k = oups_table_column_index(t, name);
    if (k < 0) return -999999;
    oups_column_view v;
    oups_column_view_get(&v, oups_table_column(t, k));
    return oups_column__get_int(&v, row);
}

static inline int is_null_at(const oups_table *t, const char *name, int64_t row) {
    int k = oups_table_column_index(t, name);
    return k >= 0 && !oups_column_is_valid(oups_table_column(t, k), row);
}

/* 1 if column `name` of t equals the n doubles. */
static inline int col_is(const oups_table *t, const char *name, const double *expect, int64_t n) {
    if (oups_table_num_rows(t) != n) return 0;
    for (int64_t i = 0; i < n; i++)
        if (f64_at(t, name, i) != expect[i] || is_null_at(t, name, i)) {
            fprintf(stderr, "  column %s row %lld: %g, expected %g\n", name, (long long)i, f64_at(t, name, i), expect[i]);
            return 0;
        }
    return 1;
}

/* A fresh temp directory (mkdtemp under /tmp); path into buf. */
static inline const char *tmpdir_make(char *buf, size_t cap) {
    snprintf(buf, cap, "/tmp/oups_asof_XXXXXX");
    return mkdtemp(buf);
}

/* dir/name := text (CLI tests' input files). */
static inline void write_text_in(const char *dir, const char *name, const char *text) {
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* The contents of dir/name, NUL-terminated (free()), or NULL. */
static inline char *slurp_in(const char *dir, const char *name) {
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    uint8_t *data = NULL;
    size_t len = 0;
    if (oups_io_read_file(&data, &len, path) < 0) return NULL;
    char *s = malloc(len + 1);
    if (s) memcpy(s, data, len), s[len] = 0;
    oups_free(data);
    return s;
}

#endif /* OUPS_TESTS_ASOF_FIXTURES_H */
