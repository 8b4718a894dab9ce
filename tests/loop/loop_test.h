/*
 * tests/loop/loop_test.h: helpers shared by the loop tests: temporary directories, small
 * int64/float64 tables, a counting chunk source (to observe the look-ahead) and a counter
 * object implementing oups_state_ops.
 */
#ifndef OUPS_TESTS_LOOP_TEST_H
#define OUPS_TESTS_LOOP_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "util/util.h"

/* A fresh directory under /tmp (static buffer per call site is enough for the tests). */
static inline void lt_tmpdir(char *buf, size_t cap) {
    snprintf(buf, cap, "/tmp/oups_loop_XXXXXX");
    if (!mkdtemp(buf)) {
        perror("mkdtemp");
        exit(2);
    }
}

static inline void lt_rmdir(const char *dir) {
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "warning: could not remove %s\n", dir);
}

/* Table with n rows: ts = start .. start+n-1 (int64), v = ts * 0.5 (float64). */
static inline oups_table *lt_table(int64_t start, int64_t n) {
    int64_t *ts = malloc((size_t)(n ? n : 1) * 8);
    double *v = malloc((size_t)(n ? n : 1) * 8);
    for (int64_t i = 0; i < n; i++) {
        ts[i] = start + i;
        v[i] = (double)(start + i) * 0.5;
    }
    oups_datatype ti = oups_type(OUPS_TYPE_INT64), tf = oups_type(OUPS_TYPE_FLOAT64);
    oups_column *c[2] = {NULL, NULL};
    oups_table *t = NULL;
    const char *names[2] = {"ts", "v"};
    if (oups_column_from_values(&c[0], &ti, ts, n, NULL) == 0 && oups_column_from_values(&c[1], &tf, v, n, NULL) == 0 &&
        oups_table_new(&t, 2, names, c) != 0)
        t = NULL;
    oups_column_release(c[0]);
    oups_column_release(c[1]);
    free(ts);
    free(v);
    return t;
}

/* Value of the int64 column 0 at row i. */
static inline int64_t lt_ts(const oups_table *t, int64_t i) {
    oups_column_view v;
    oups_column_view_get(&v, oups_table_column(t, 0));
    return ((const int64_t *)v.data)[v.offset + i];
}

/* A source of n_items tables of `rows` rows each (ts continuing), counting its pulls, that
 * fails with OUPS_EIO when asked for item `fail_at` (-1: never). */
typedef struct lt_counting {
    int n_items, rows, pulled, fail_at;
    bool freed;
} lt_counting;

static inline int lt_counting_next(void *self, oups_table **out) {
    lt_counting *s = self;
    if (s->pulled == s->fail_at) return oups_error_set(OUPS_EIO, "test source: item %d fails", s->fail_at);
    if (s->pulled >= s->n_items) return 0;
    out[0] = lt_table((int64_t)s->pulled * s->rows, s->rows);
    s->pulled++;
    return out[0] ? 1 : OUPS_ENOMEM;
}
static inline void lt_counting_free(void *self) { ((lt_counting *)self)->freed = true; }
static inline oups_source lt_counting_source(lt_counting *s) {
    return (oups_source){lt_counting_next, lt_counting_free, s, 1};
}

/* An object persisted through oups_state_ops: two counters, 16 bytes. */
typedef struct lt_counter {
    int64_t calls, rows;
} lt_counter;

static inline int lt_counter_save(void *obj, uint8_t **out, size_t *len) {
    if (!(*out = oups_malloc(16))) return OUPS_ENOMEM;
    memcpy(*out, obj, 16);
    *len = 16;
    return 0;
}
static inline int lt_counter_load(void *obj, const uint8_t *blob, size_t len) {
    if (len != 16) return oups_error_set(OUPS_ECORRUPT, "counter blob of %zu bytes", len);
    memcpy(obj, blob, 16);
    return 0;
}
static const oups_state_ops lt_counter_ops = {lt_counter_save, lt_counter_load};

static inline bool lt_exists(const char *path) { return access(path, F_OK) == 0; }

#endif /* OUPS_TESTS_LOOP_TEST_H */
