/*
 * tests/fuzz/asof_target.h: the AsofMerger shared by the asof_state and loop_state fuzz targets
 * and by their seed generator (make_seeds.c): fixed options (the blobs of the seeds are saved
 * with them, so mutations get past the options check), and the exercise of a loaded merger:
 * merge a small chunk shaped by its state, save, load the blob into a fresh merger, save again
 * and demand the same bytes. Any failure that a valid state cannot explain aborts.
 */
#ifndef OUPS_TESTS_FUZZ_ASOF_TARGET_H
#define OUPS_TESTS_FUZZ_ASOF_TARGET_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/internal.h"

/* Two tables per group: n_prev 1 (exact matches allowed) and 0. J and prefixes come from the
 * state (options without prefixes accept any). */
static inline int fuzz_asof_new(oups_asof_merger **m) {
    static const int n_prev[2] = {1, 0};
    static const bool allow[2] = {true, false};
    oups_asof_merger_options o = OUPS_ASOF_MERGER_OPTIONS_INIT;
    o.on = "ts";
    o.n_dfs_per_group = 2;
    o.n_prev = n_prev;
    o.allow_exact_matches = allow;
    return oups_asof_merger_new(m, &o);
}

static inline void fuzz_asof_fail(const char *what, int rc) {
    fprintf(stderr, "asof fuzz: %s: unexpected %s: %s\n", what, oups_strerror(rc), oups_error_last());
    abort();
}

/* Table d of group g for a chunk: the fill block's columns (layout types) plus `ts`, n rows of
 * equal zero keys (sorted for every key type that is orderable). */
static inline int fuzz_asof_table(oups_table **out, const oups_asof_merger *m, int g, int d, int64_t n) {
    oups_table *fill = NULL, *rows = NULL;
    oups_column *key = NULL;
    oups_datatype kt;
    *out = NULL;
    int rc = oups_asof_merger_fill_block(&fill, m, g, d);
    if (rc == 0) rc = oups_asof_merger_key_type(&kt, m);
    if (rc == 0) rc = oups_table_slice(&rows, fill, 0, n < oups_table_num_rows(fill) ? n : oups_table_num_rows(fill));
    if (rc == 0) rc = oups_ops__asof_const_column(&key, &kt, oups_table_num_rows(rows), false);
    if (rc == 0) rc = oups_table_set_column(out, rows, "ts", key);
    oups_column_release(key);
    oups_table_free(rows);
    oups_table_free(fill);
    return rc;
}

/* Merge a chunk into a merger that has a state, then check save/load/save gives equal bytes. */
static inline void fuzz_asof_exercise(oups_asof_merger *m) {
    if (!oups_asof_merger_has_state(m)) return;
    int G = m->st.n_groups < 8 ? m->st.n_groups : 8, J = m->st.J < 4 ? m->st.J : 4;
    if (J != m->st.J) return; /* the call must give the layout's J */
    oups_table *t[16] = {0}, *res = NULL;
    oups_column *main = NULL;
    int32_t comb[3 * 4] = {0};
    int rc = oups_ops__asof_const_column(&main, &m->st.key_type, 3, false);
    for (int i = 0; rc == 0 && i < G * 2; i++) rc = fuzz_asof_table(&t[i], m, i / 2, i % 2, i % 3);
    if (rc == 0) rc = oups_asof_merger_merge(&res, m, main, t, G, comb, J, true);
    /* A name in the layout equal to the key, or a key type that is not orderable: refused. */
    if (rc < 0 && rc != OUPS_ESCHEMA && rc != OUPS_EUNSUPPORTED && rc != OUPS_EINVAL && rc != OUPS_ENOTFOUND)
        fuzz_asof_fail("merge", rc);
    oups_table_free(res);
    oups_column_release(main);
    for (int i = 0; i < G * 2; i++) oups_table_free(t[i]);
    uint8_t *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    oups_asof_merger *m2 = NULL;
    if ((rc = oups_asof_merger_save(&a, &na, m)) < 0) fuzz_asof_fail("save", rc);
    if ((rc = fuzz_asof_new(&m2)) < 0) fuzz_asof_fail("new", rc);
    if ((rc = oups_asof_merger_load(m2, a, na)) < 0) fuzz_asof_fail("load of a saved state", rc);
    if ((rc = oups_asof_merger_save(&b, &nb, m2)) < 0) fuzz_asof_fail("save again", rc);
    if (na != nb || memcmp(a, b, na) != 0) {
        fprintf(stderr, "asof fuzz: save/load/save changed the blob (%zu -> %zu bytes)\n", na, nb);
        abort();
    }
    oups_mem_free(a);
    oups_mem_free(b);
    oups_asof_merger_free(m2);
}

#endif
