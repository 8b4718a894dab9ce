/*
 * tests/fuzz/seeds/make_seeds.c: writes the seed corpora of the asof_state and loop_state fuzz
 * targets from real saved states: `fuzz_make_seeds tests/fuzz/corpus` (built with the tests,
 * not run by them). States cover the edges of issue 9: no state yet, key-only tables (last,
 * first, all), typed tables with 0 rows and an empty main, several groups with J = 2, a
 * second (all empty) chunk, timestamp keys; the loop files bind one field of every value type
 * (table: NULL, 0 rows, rows) and the merger, as loop_state.c does.
 */
#include <stdarg.h>

#include "../asof_target.h"
#include "loop/internal.h"

static oups_column *ints(const oups_datatype *t, const int64_t *v, int64_t n) {
    oups_column *c = NULL;
    if (oups_column_from_values(&c, t, v, n, NULL) < 0) abort();
    return c;
}

/* Table of n rows: key `ts` of type kt (keys k0, k0 + 3, ...), then the value columns named by
 * `kinds` ("f" float64, "s" string with a null, "b" bool, "t" timestamp[us, UTC]). */
static oups_table *table(const oups_datatype *kt, int64_t k0, int64_t n, const char *kinds) {
    int64_t k[8], iv[8];
    double fv[8];
    for (int64_t i = 0; i < n; i++) k[i] = k0 + 3 * i, iv[i] = 1000 * i + 7, fv[i] = 0.5 + (double)i;
    const char *names[8] = {"ts"};
    oups_column *cols[8] = {ints(kt, k, n)};
    int nc = 1;
    for (const char *p = kinds; *p; p++, nc++) {
        oups_datatype t;
        switch (*p) {
        case 'f':
            t = oups_type(OUPS_TYPE_FLOAT64);
            names[nc] = "price";
            if (oups_column_from_values(&cols[nc], &t, fv, n, NULL) < 0) abort();
            break;
        case 's': {
            oups_builder *b = NULL;
            t = oups_type(OUPS_TYPE_STRING);
            names[nc] = "name";
            if (oups_builder_new(&b, &t, n) < 0) abort();
            for (int64_t i = 0; i < n; i++)
                if ((i == 1 ? oups_builder_append_null(b) : oups_builder_append_bytes(b, "abc", (size_t)(i % 4))) < 0)
                    abort();
            if (oups_builder_finish(&cols[nc], b) < 0) abort();
            oups_builder_free(b);
            break;
        }
        case 'b': {
            oups_builder *b = NULL;
            t = oups_type(OUPS_TYPE_BOOL);
            names[nc] = "flag";
            if (oups_builder_new(&b, &t, n) < 0) abort();
            for (int64_t i = 0; i < n; i++)
                if (oups_builder_append_bool(b, i & 1) < 0) abort();
            if (oups_builder_finish(&cols[nc], b) < 0) abort();
            oups_builder_free(b);
            break;
        }
        default:
            t = oups_type_timestamp(OUPS_UNIT_US, "UTC");
            names[nc] = "at";
            cols[nc] = ints(&t, iv, n);
        }
    }
    oups_table *out = NULL;
    if (oups_table_new(&out, nc, names, cols) < 0) abort();
    for (int i = 0; i < nc; i++) oups_column_release(cols[i]);
    return out;
}

static void write_file(const char *dir, const char *target, const char *name, const uint8_t *p, size_t n) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s/%s", dir, target, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(1);
    }
}

/* One scenario: G groups, J positions, table kinds per df index, rows per chunk. */
typedef struct scen {
    const char *name;
    int G, J;
    const char *kinds[2];
    int64_t rows, main_rows;
    bool second_empty_chunk, ts_key;
} scen;

static oups_asof_merger *run(const scen *s) {
    static const int n_prev[2] = {1, 0};
    static const bool allow[2] = {true, false};
    static const char *const pre[4] = {"l_a_", "l_b_", "r_a_", "r_b_"};
    oups_asof_merger_options o = OUPS_ASOF_MERGER_OPTIONS_INIT;
    o.on = "ts";
    o.n_dfs_per_group = 2;
    o.n_prev = n_prev;
    o.allow_exact_matches = allow;
    if (s->J > 1) {
        o.prefixes = pre;
        o.n_join_positions = s->J;
    }
    oups_asof_merger *m = NULL;
    if (oups_asof_merger_new(&m, &o) < 0) abort();
    if (s->G == 0) return m; /* no merge: the "no state yet" blob */
    oups_datatype kt = s->ts_key ? oups_type_timestamp(OUPS_UNIT_NS, NULL) : oups_type(OUPS_TYPE_INT64);
    for (int chunk = 0; chunk < 1 + s->second_empty_chunk; chunk++) {
        int64_t rows = chunk ? 0 : s->rows, mrows = chunk ? 0 : s->main_rows;
        oups_table *t[8];
        for (int i = 0; i < s->G * 2; i++) t[i] = table(&kt, 2 + i + 20 * chunk, rows, s->kinds[i % 2]);
        int64_t mk[4] = {3, 5, 9, 12};
        int32_t comb[8];
        for (int i = 0; i < 8; i++) comb[i] = (int32_t)(i % s->G);
        oups_column *main = ints(&kt, mk, mrows);
        oups_table *res = NULL;
        if (oups_asof_merger_merge(&res, m, main, t, s->G, comb, s->J, true) < 0) {
            fprintf(stderr, "%s: %s\n", s->name, oups_error_last());
            exit(1);
        }
        oups_table_free(res);
        oups_column_release(main);
        for (int i = 0; i < s->G * 2; i++) oups_table_free(t[i]);
    }
    return m;
}

static oups_loop *new_loop(void) {
    oups_loop *loop = oups_calloc(1, sizeof *loop);
    loop->path = oups_strdup("seed.loopstate");
    loop->lock_fd = -1;
    loop->iteration = -1;
    return loop;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: fuzz_make_seeds CORPUS_DIR (e.g. tests/fuzz/corpus)\n");
        return 2;
    }
    static const scen scens[] = {
        {"no_state", 0, 1, {"", ""}, 0, 0, false, false},
        {"values", 1, 1, {"fs", "bt"}, 4, 4, false, false},
        {"key_only_last", 1, 1, {"f", ""}, 3, 4, false, false},
        {"key_only_first", 2, 1, {"", "s"}, 3, 2, false, false},
        {"key_only_all", 2, 1, {"", ""}, 2, 3, false, false},
        {"empty_tables_empty_main", 1, 1, {"fs", "b"}, 0, 0, false, false},
        {"groups_j2", 3, 2, {"sf", "t"}, 5, 4, false, false},
        {"second_chunk_empty", 2, 1, {"f", ""}, 2, 2, true, true},
    };
    int n = (int)(sizeof scens / sizeof scens[0]);
    for (int k = 0; k < n; k++) {
        oups_asof_merger *m = run(&scens[k]);
        uint8_t *blob = NULL;
        size_t len = 0;
        if (oups_asof_merger_save(&blob, &len, m) < 0) abort();
        write_file(argv[1], "asof_state", scens[k].name, blob, len);
        oups_mem_free(blob);
        /* The same merger in a loop state file, with one field of every type. */
        oups_loop *loop = new_loop();
        int64_t i = 42 + k;
        double d = 2.5;
        bool b = k & 1;
        char *s = k % 3 ? "hello" : "";
        oups_state_bytes y = {k % 2 ? "\x01\x02\x00\x03" : NULL, k % 2 ? 4u : 0u};
        oups_table *t = k % 3 == 0 ? NULL : table(&(oups_datatype){.id = OUPS_TYPE_INT64}, 1, k % 3 == 1 ? 0 : 3, "fs");
        oups_state_field f[6] = {{"i", OUPS_STATE_INT64, &i, NULL},  {"d", OUPS_STATE_DOUBLE, &d, NULL},
                                 {"b", OUPS_STATE_BOOL, &b, NULL},   {"s", OUPS_STATE_STRING, &s, NULL},
                                 {"y", OUPS_STATE_BYTES, &y, NULL},  {"t", OUPS_STATE_TABLE, &t, NULL}};
        oups_bytes out = {0};
        if (oups_loop_bind(loop, NULL, OUPS_STATE_FUNC, "f", f, 6) < 0 ||
            oups_loop_bind_object(loop, NULL, "AsofMerger", m, &oups_asof_merger_state_ops) < 0 ||
            oups_loop__encode(&out, loop, 3 + k) < 0) {
            fprintf(stderr, "%s: %s\n", scens[k].name, oups_error_last());
            return 1;
        }
        write_file(argv[1], "loop_state", scens[k].name, out.data, out.len);
        oups_bytes_free(&out);
        oups_loop_free(loop);
        oups_table_free(t);
        oups_asof_merger_free(m);
    }
    printf("%d seeds each in %s/asof_state and %s/loop_state\n", n, argv[1], argv[1]);
    return 0;
}
