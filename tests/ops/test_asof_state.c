// labels: quick
/*
 * tests/ops/test_asof_state.c: iterative use of the merger. Property: random groups, tables,
 * join positions, windows and types, split into random consecutive chunks at the same key
 * boundaries, with the state saved to a FILE and loaded into a fresh merger between chunks,
 * give a result bit-identical (oups_table_equal) to one call. Also: the state blob rejects
 * corrupt, truncated and foreign input without crashing, and options mismatches.
 */
#include "asof_fixtures.h"
#include "table/fixtures.h"

typedef struct scenario {
    int G, D, J;
    int np[3];
    bool allow[3];
    oups_asof_fill fill;
    oups_asof_direction dir;
    bool has_tol;
    int64_t tol;
    const char *prefixes[9];
    char pre_buf[9][16];
    int64_t nm;
    int64_t *main;
    int32_t *comb;
    oups_table **tables; /* G * D */
} scenario;

/* Value columns of table d (names from tests/table/fixtures.h). */
static const char *const value_cols[3][3] = {{"f64", "i32", "str"}, {"b", "dec"}, {"i64"}};
static const int n_value_cols[3] = {3, 2, 1};

static int make_scenario(scenario *s, uint64_t *rng) {
    memset(s, 0, sizeof *s);
    s->G = test_rand(rng) % 8 ? 1 + (int)(test_rand(rng) % 4) : 10 + (int)(test_rand(rng) % 30); /* sometimes many */
    s->D = 1 + (int)(test_rand(rng) % 3);
    s->J = 1 + (int)(test_rand(rng) % 3);
    s->fill = (oups_asof_fill)(test_rand(rng) % 2);
    for (int d = 0; d < s->D; d++) {
        s->np[d] = (int)(test_rand(rng) % 4);
        s->allow[d] = test_rand(rng) & 1;
    }
    for (int i = 0; i < s->J * s->D; i++) {
        snprintf(s->pre_buf[i], sizeof s->pre_buf[i], "p%d_", i);
        s->prefixes[i] = s->pre_buf[i];
    }
    s->nm = (int64_t)(test_rand(rng) % 300);
    s->main = malloc(sizeof(int64_t) * (size_t)(s->nm + 1));
    s->comb = malloc(sizeof(int32_t) * (size_t)(s->nm * s->J + 1));
    s->tables = calloc((size_t)(s->G * s->D), sizeof *s->tables);
    int64_t v = 0;
    for (int64_t i = 0; i < s->nm; i++) {
        v += (int64_t)(test_rand(rng) % 4);
        s->main[i] = v;
    }
    for (int64_t i = 0; i < s->nm * s->J; i++) s->comb[i] = (int32_t)(test_rand(rng) % (uint64_t)s->G);
    for (int g = 0; g < s->G; g++)
        for (int d = 0; d < s->D; d++) {
            int64_t n = (int64_t)(test_rand(rng) % 120);
            int64_t *k = malloc(sizeof(int64_t) * (size_t)(n + 1));
            int64_t kv = -5;
            for (int64_t i = 0; i < n; i++) {
                kv += (int64_t)(test_rand(rng) % 6);
                k[i] = kv;
            }
            oups_table *all = NULL, *vals = NULL;
            int rc = fx_table(&all, n, 15, test_rand(rng));
            if (rc == 0) rc = oups_table_select(&vals, all, value_cols[d], n_value_cols[d]);
            oups_table_free(all);
            oups_column *kc = col_i64(k, n);
            free(k);
            if (rc == 0) rc = oups_table_set_column(&s->tables[g * s->D + d], vals, "ts", kc);
            oups_table_free(vals);
            oups_column_release(kc);
            if (rc < 0) return rc;
        }
    return 0;
}

static void free_scenario(scenario *s) {
    free(s->main);
    free(s->comb);
    for (int i = 0; s->tables && i < s->G * s->D; i++) oups_table_free(s->tables[i]);
    free(s->tables);
}

static int new_merger(oups_asof_merger **m, const scenario *s) {
    oups_asof_merger_options o = OUPS_ASOF_MERGER_OPTIONS_INIT;
    o.on = "ts";
    o.n_dfs_per_group = s->D;
    o.prefixes = s->prefixes;
    o.n_join_positions = s->J;
    o.allow_exact_matches = s->allow;
    o.n_prev = s->np;
    o.n_prev_suffix_start = 1;
    o.fill = s->fill;
    o.direction = s->dir;
    o.has_tolerance = s->has_tol;
    o.tolerance = s->tol;
    return oups_asof_merger_new(m, &o);
}

/* First row of a sorted int64 column >= key. */
static int64_t lower(const oups_column *c, int64_t key) {
    int64_t lo = 0, hi = oups_column_length(c);
    oups_column_view v;
    oups_column_view_get(&v, c);
    while (lo < hi) {
        int64_t mid = (lo + hi) / 2;
        if (((const int64_t *)v.data)[v.offset + mid] < key) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* The scenario in chunks [cut[k-1], cut[k]) of key space, state through a file. */
static int run_chunked(oups_table **out, const scenario *s, const int64_t *cuts, int n_cuts, const char *state_path) {
    oups_table *parts[64];
    int n_parts = 0, rc = 0;
    oups_column *mc = col_i64(s->main, s->nm);
    for (int k = 0; k <= n_cuts && rc == 0; k++) {
        int64_t lo = k == 0 ? INT64_MIN : cuts[k - 1], hi = k == n_cuts ? INT64_MAX : cuts[k];
        oups_asof_merger *m = NULL;
        rc = new_merger(&m, s);
        if (rc == 0 && k > 0) {
            uint8_t *blob = NULL;
            size_t len = 0;
            rc = oups_io_read_file(&blob, &len, state_path);
            if (rc == 0) rc = oups_asof_merger_load(m, blob, len);
            oups_free(blob);
        }
        int64_t i0 = lower(mc, lo), i1 = lower(mc, hi);
        oups_column *mchunk = NULL;
        oups_table **tchunk = calloc((size_t)(s->G * s->D), sizeof *tchunk);
        if (rc == 0) rc = oups_column_slice(&mchunk, mc, i0, i1 - i0);
        for (int t = 0; rc == 0 && t < s->G * s->D; t++) {
            const oups_column *kc = oups_table_column(s->tables[t], oups_table_column_index(s->tables[t], "ts"));
            int64_t a = lower(kc, lo), b = lower(kc, hi);
            rc = oups_table_slice(&tchunk[t], s->tables[t], a, b - a);
        }
        if (rc == 0) rc = oups_asof_merger_merge(&parts[n_parts], m, mchunk, tchunk, s->G, s->comb + i0 * s->J, s->J, true);
        if (rc == 0) n_parts++;
        uint8_t *blob = NULL;
        size_t len = 0;
        if (rc == 0) rc = oups_asof_merger_save(&blob, &len, m);
        if (rc == 0) rc = oups_io_write_file_atomic(state_path, blob, len);
        oups_mem_free(blob);
        for (int t = 0; t < s->G * s->D; t++) oups_table_free(tchunk[t]);
        free(tchunk);
        oups_column_release(mchunk);
        oups_asof_merger_free(m);
    }
    if (rc == 0) rc = oups_table_concat(out, parts, n_parts);
    for (int i = 0; i < n_parts; i++) oups_table_free(parts[i]);
    oups_column_release(mc);
    return rc;
}

TEST(random_chunkings_equal_one_call) {
    uint64_t rng = tests_seed();
    char dir[64], path[128];
    CHECK(tmpdir_make(dir, sizeof dir));
    snprintf(path, sizeof path, "%s/asof.state", dir);
    for (int iter = 0; iter < 200; iter++) {
        scenario s;
        CHECK_OK(make_scenario(&s, &rng));
        oups_asof_merger *m = NULL;
        oups_table *one = NULL, *chunked = NULL;
        oups_column *mc = col_i64(s.main, s.nm);
        int rc = new_merger(&m, &s);
        if (rc == 0) rc = oups_asof_merger_merge(&one, m, mc, s.tables, s.G, s.comb, s.J, true);
        int n_cuts = (int)(test_rand(&rng) % 6);
        int64_t cuts[8], c = (int64_t)(test_rand(&rng) % 20) - 5;
        for (int k = 0; k < n_cuts; k++) {
            c += (int64_t)(test_rand(&rng) % 150);
            cuts[k] = c;
        }
        if (rc == 0) rc = run_chunked(&chunked, &s, cuts, n_cuts, path);
        char desc[256] = "";
        int eq = rc == 0 && oups_table_equal(one, chunked, desc, sizeof desc);
        if (!eq)
            fprintf(stderr, "  iter %d: G=%d D=%d J=%d cuts=%d rc=%d: %s\n", iter, s.G, s.D, s.J, n_cuts, rc, desc);
        oups_table_free(one);
        oups_table_free(chunked);
        oups_column_release(mc);
        oups_asof_merger_free(m);
        free_scenario(&s);
        CHECK(eq);
    }
    unlink(path);
    rmdir(dir);
}

/* A saved state of a small merger (two groups, window, strings). */
static int sample_blob(uint8_t **blob, size_t *len, scenario *s) {
    uint64_t rng = 99;
    int rc;
    do { /* a scenario with rows and some window */
        rc = make_scenario(s, &rng);
        if (rc == 0 && s->nm > 0 && s->np[0] > 0) break;
        free_scenario(s);
    } while (rc == 0);
    oups_asof_merger *m = NULL;
    oups_table *r = NULL;
    oups_column *mc = col_i64(s->main, s->nm);
    if (rc == 0) rc = new_merger(&m, s);
    if (rc == 0) rc = oups_asof_merger_merge(&r, m, mc, s->tables, s->G, s->comb, s->J, true);
    if (rc == 0) rc = oups_asof_merger_save(blob, len, m);
    oups_table_free(r);
    oups_column_release(mc);
    oups_asof_merger_free(m);
    return rc;
}

TEST(corrupt_blobs_never_crash) {
    scenario s;
    uint8_t *blob = NULL;
    size_t len = 0;
    CHECK_OK(sample_blob(&blob, &len, &s));
    oups_asof_merger *m = NULL;
    CHECK_OK(new_merger(&m, &s));
    CHECK_OK(oups_asof_merger_load(m, blob, len));
    CHECK(oups_asof_merger_has_state(m));
    uint8_t *copy = malloc(len);
    /* Every truncation, every single bit flip: ECORRUPT, the loaded state kept. */
    for (size_t n = 0; n < len; n++) CHECK_RC(oups_asof_merger_load(m, blob, n), OUPS_ECORRUPT);
    for (size_t i = 0; i < len; i++) {
        memcpy(copy, blob, len);
        copy[i] ^= (uint8_t)(1u << (i % 8));
        CHECK_RC(oups_asof_merger_load(m, copy, len), OUPS_ECORRUPT);
    }
    CHECK(oups_asof_merger_has_state(m));
    /* Mutated bodies with a recomputed checksum: any error code (or success), never a crash. */
    uint64_t rng = tests_seed();
    for (int it = 0; it < 3000; it++) {
        memcpy(copy, blob, len);
        int k = 1 + (int)(test_rand(&rng) % 4);
        for (int q = 0; q < k; q++) copy[20 + test_rand(&rng) % (len - 24)] = (uint8_t)test_rand(&rng);
        oups_store_u32le(copy + len - 4, oups_crc32(0, copy, len - 4));
        int rc = oups_asof_merger_load(m, copy, len);
        CHECK(rc == 0 || rc == OUPS_ECORRUPT || rc == OUPS_EINVAL);
    }
    /* Foreign input. */
    CHECK_RC(oups_asof_merger_load(m, (const uint8_t *)"hello, world: not a merger state", 32), OUPS_ECORRUPT);
    memcpy(copy, blob, len);
    copy[8] = 9; /* version */
    oups_store_u32le(copy + len - 4, oups_crc32(0, copy, len - 4));
    CHECK_RC(oups_asof_merger_load(m, copy, len), OUPS_ECORRUPT);
    free(copy);
    oups_asof_merger_free(m);
    /* A merger with other options refuses the state. */
    s.np[0] += 1;
    CHECK_OK(new_merger(&m, &s));
    CHECK_RC(oups_asof_merger_load(m, blob, len), OUPS_EINVAL);
    CHECK(strstr(oups_error_last(), "n_prev") != NULL);
    CHECK(!oups_asof_merger_has_state(m));
    oups_asof_merger_free(m);
    oups_mem_free(blob);
    free_scenario(&s);
}

TEST(state_ops_and_empty_state) {
    oups_asof_merger_options o = OUPS_ASOF_MERGER_OPTIONS_INIT;
    o.on = "ts";
    o.n_dfs_per_group = 1;
    oups_asof_merger *a = NULL, *b = NULL;
    CHECK_OK(oups_asof_merger_new(&a, &o));
    CHECK_OK(oups_asof_merger_new(&b, &o));
    uint8_t *blob = NULL;
    size_t len = 0;
    /* Before any merge: a blob saying "no state". */
    CHECK_OK(oups_asof_merger_state_ops.save(a, &blob, &len));
    CHECK_OK(oups_asof_merger_state_ops.load(b, blob, len));
    CHECK(!oups_asof_merger_has_state(b));
    oups_mem_free(blob);
    oups_table *t = tbl_ts_v((int64_t[]){5, 15}, (double[]){1, 2}, 2), *r = NULL;
    oups_column *mc = col_i64((int64_t[]){10, 20}, 2);
    CHECK_OK(oups_asof_merger_merge(&r, a, mc, &t, 1, NULL, 0, false));
    oups_table_free(r);
    CHECK_OK(oups_asof_merger_state_ops.save(a, &blob, &len));
    CHECK_OK(oups_asof_merger_state_ops.load(b, blob, len));
    oups_mem_free(blob);
    oups_table *fa = NULL, *fb = NULL;
    CHECK_OK(oups_asof_merger_fill_block(&fa, a, 0, 0));
    CHECK_OK(oups_asof_merger_fill_block(&fb, b, 0, 0));
    CHECK(oups_table_equal(fa, fb, NULL, 0));
    CHECK(col_is(fb, "v", (double[]){2}, 1));
    oups_table_free(fa);
    oups_table_free(fb);
    CHECK_RC(oups_asof_merger_fill_block(&fa, b, 1, 0), OUPS_EINVAL);
    oups_table_free(t);
    oups_column_release(mc);
    oups_asof_merger_free(a);
    oups_asof_merger_free(b);
}

/* Key-only tables (no value columns) anywhere, the last one included: the blob of such a
 * merger loads again (it used to be refused as truncated) and the loaded merger continues. */
TEST(key_only_tables_round_trip) {
    for (int shape = 0; shape < 3; shape++) { /* key-only table last, first, everywhere */
        int np[2] = {1, 2};
        oups_asof_merger_options o = OUPS_ASOF_MERGER_OPTIONS_INIT;
        o.on = "ts";
        o.n_dfs_per_group = 2;
        o.n_prev = np;
        const char *pre[2] = {"a_", "b_"};
        o.prefixes = pre;
        o.n_join_positions = 1;
        oups_asof_merger *m = NULL, *m2 = NULL;
        CHECK_OK(oups_asof_merger_new(&m, &o));
        CHECK_OK(oups_asof_merger_new(&m2, &o));
        oups_table *t[4];
        for (int g = 0; g < 2; g++)
            for (int d = 0; d < 2; d++) {
                bool key_only = shape == 2 || (shape == 0 ? d == 1 : d == 0);
                int64_t k[2] = {g + 1, g + 4};
                t[g * 2 + d] = key_only ? tbl(1, "ts", col_i64(k, 2)) : tbl_ts_v(k, (double[]){g + 0.5, g + 1.5}, 2);
            }
        oups_column *mc = col_i64((int64_t[]){2, 6}, 2);
        oups_table *r = NULL;
        CHECK_OK(oups_asof_merger_merge(&r, m, mc, t, 2, (int32_t[]){1, 0}, 1, true));
        oups_table_free(r);
        uint8_t *blob = NULL;
        size_t len = 0;
        CHECK_OK(oups_asof_merger_save(&blob, &len, m));
        oups_datatype kt;
        bool has = false;
        CHECK_OK(oups_asof_merger_state_key_type(&kt, &has, blob, len));
        CHECK(has && kt.id == OUPS_TYPE_INT64);
        CHECK_OK(oups_asof_merger_load(m2, blob, len));
        for (size_t n = 0; n < len; n++) CHECK_RC(oups_asof_merger_load(m2, blob, n), OUPS_ECORRUPT);
        /* Both continue identically. */
        oups_table *r1 = NULL, *r2 = NULL;
        oups_column *mc2 = col_i64((int64_t[]){7, 8}, 2);
        oups_table *e[4];
        for (int i = 0; i < 4; i++) CHECK_OK(oups_table_slice(&e[i], t[i], 0, 0));
        CHECK_OK(oups_asof_merger_merge(&r1, m, mc2, e, 2, (int32_t[]){0, 1}, 1, true));
        CHECK_OK(oups_asof_merger_merge(&r2, m2, mc2, e, 2, (int32_t[]){0, 1}, 1, true));
        CHECK(oups_table_equal(r1, r2, NULL, 0));
        uint8_t *blob2 = NULL;
        size_t len2 = 0;
        CHECK_OK(oups_asof_merger_save(&blob2, &len2, m2));
        CHECK_OK(oups_asof_merger_load(m, blob2, len2));
        for (int i = 0; i < 4; i++) {
            oups_table_free(t[i]);
            oups_table_free(e[i]);
        }
        oups_table_free(r1);
        oups_table_free(r2);
        oups_column_release(mc);
        oups_column_release(mc2);
        oups_mem_free(blob);
        oups_mem_free(blob2);
        oups_asof_merger_free(m);
        oups_asof_merger_free(m2);
    }
}

RUN_TESTS("ops.asof_state", random_chunkings_equal_one_call, corrupt_blobs_never_crash, state_ops_and_empty_state,
          key_only_tables_round_trip)
