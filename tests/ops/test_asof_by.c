// labels: quick
/*
 * tests/ops/test_asof_by.c: oups_asof_by_merger, the as-of join per group of `by` columns.
 *   - examples by hand (string and int by columns, a group main sees before any table row,
 *     groups appearing in later calls, a by-value only in a table);
 *   - random cases against a per-group brute force written the obvious way (two tables with
 *     windows, both allow modes, nulls and zeros, tolerance, two by columns);
 *   - parity: random chunks (cuts inside runs of equal keys), each merged in a NEW PROCESS
 *     that loads the state saved by the previous one from a file, equal to one-shot bit for bit;
 *   - errors change nothing (null by-value, a by type other than the first call's, a missing
 *     by column); the state blob: every truncation and bit flip is OUPS_ECORRUPT (or loads),
 *     never a crash; options mismatch is OUPS_EINVAL.
 */
#include <sys/stat.h>

#include "asof_fixtures.h"
#include "parity.h"

static oups_column *col_str(const char *const *v, int64_t n) {
    oups_datatype t = oups_type(OUPS_TYPE_STRING);
    oups_builder *b = NULL;
    oups_column *c = NULL;
    if (oups_builder_new(&b, &t, n) < 0) return NULL;
    int rc = 0;
    for (int64_t i = 0; rc == 0 && i < n; i++)
        rc = v[i] ? oups_builder_append_bytes(b, v[i], (int64_t)strlen(v[i])) : oups_builder_append_null(b);
    if (rc == 0) rc = oups_builder_finish(&c, b);
    oups_builder_free(b);
    return rc == 0 ? c : NULL;
}

static int by_new(oups_asof_by_merger **m, int D, const int *np, const bool *allow, oups_asof_fill fill, int64_t tol,
                  int n_by) {
    static const char *by[] = {"sym", "g"};
    static const char *pre[] = {"a_", "b_"};
    oups_asof_merger_options o = OUPS_ASOF_MERGER_OPTIONS_INIT;
    o.on = "ts";
    o.n_dfs_per_group = D;
    o.n_prev = np;
    o.allow_exact_matches = allow;
    o.fill = fill;
    o.prefixes = pre;
    o.n_join_positions = 1;
    o.has_tolerance = tol >= 0;
    o.tolerance = tol >= 0 ? tol : 0;
    return oups_asof_by_merger_new(m, &o, by, n_by);
}

TEST(by_hand) {
    /* trades (main) and quotes per symbol; "C" has no quote; "B" appears in the second call */
    int64_t mk[] = {1, 2, 5, 6, 7}, qk[] = {1, 2, 5, 6};
    const char *ms[] = {"A", "B", "A", "C", "A"}, *qs[] = {"B", "A", "A", "B"};
    double qv[] = {1.5, 2.5, 3.5, 4.5};
    oups_table *main = tbl(2, "ts", col_i64(mk, 5), "sym", col_str(ms, 5));
    oups_table *q = tbl(3, "ts", col_i64(qk, 4), "sym", col_str(qs, 4), "px", col_f64(qv, 4));
    static const int np[] = {0};
    static const bool allow[] = {true};
    oups_asof_by_merger *m = NULL;
    CHECK_OK(by_new(&m, 1, np, allow, OUPS_ASOF_FILL_NULLS, -1, 1));
    oups_table *out = NULL;
    CHECK_OK(oups_asof_by_merger_merge(&out, m, main, &q, true));
    char names[256];
    CHECK(!strcmp(names_of(out, names, sizeof names), "ts,sym,a_px"));
    CHECK(is_null_at(out, "a_px", 0)); /* A at 1: the A quote is at 2 */
    CHECK(f64_at(out, "a_px", 1) == 1.5 && f64_at(out, "a_px", 2) == 3.5 && is_null_at(out, "a_px", 3) &&
          f64_at(out, "a_px", 4) == 3.5);
    CHECK(oups_asof_by_merger_num_groups(m) == 2);
    oups_table_free(out);
    /* second call: "C" now gets a quote; "B" keeps its history (4.5 at 6) */
    int64_t mk2[] = {8, 9, 9}, qk2[] = {8};
    const char *ms2[] = {"B", "C", "D"}, *qs2[] = {"C"};
    double qv2[] = {9.5};
    oups_table *main2 = tbl(2, "ts", col_i64(mk2, 3), "sym", col_str(ms2, 3));
    oups_table *q2 = tbl(3, "ts", col_i64(qk2, 1), "sym", col_str(qs2, 1), "px", col_f64(qv2, 1));
    CHECK_OK(oups_asof_by_merger_merge(&out, m, main2, &q2, true));
    CHECK(f64_at(out, "a_px", 0) == 4.5 && f64_at(out, "a_px", 1) == 9.5 && is_null_at(out, "a_px", 2));
    CHECK(oups_asof_by_merger_num_groups(m) == 3);
    oups_table_free(out);
    /* the schema the state fixes */
    oups_table *sch = NULL;
    CHECK_OK(oups_asof_by_merger_schema(&sch, m, -1));
    CHECK(!strcmp(names_of(sch, names, sizeof names), "ts,sym"));
    oups_table_free(sch);
    CHECK_OK(oups_asof_by_merger_schema(&sch, m, 0));
    CHECK(!strcmp(names_of(sch, names, sizeof names), "ts,sym,px"));
    oups_table_free(sch);
    CHECK_RC(oups_asof_by_merger_schema(&sch, m, 1), OUPS_EINVAL);
    /* errors change nothing */
    const char *bad[] = {"A", NULL};
    int64_t bk[] = {10, 11};
    oups_table *nulls = tbl(2, "ts", col_i64(bk, 2), "sym", col_str(bad, 2));
    uint8_t *before = NULL, *after = NULL;
    size_t nb = 0, na = 0;
    CHECK_OK(oups_asof_by_merger_save(&before, &nb, m));
    CHECK_RC(oups_asof_by_merger_merge(&out, m, nulls, &q2, true), OUPS_EINVAL);
    CHECK(strstr(oups_error_last(), "null") && strstr(oups_error_last(), "'sym'"));
    oups_table *qn = tbl(3, "ts", col_i64(bk, 2), "sym", col_str(bad, 2), "px", col_f64(qv, 2));
    CHECK_RC(oups_asof_by_merger_merge(&out, m, main2, &qn, true), OUPS_EINVAL);
    oups_table *intsym = tbl(2, "ts", col_i64(bk, 2), "sym", col_i64(bk, 2));
    CHECK_RC(oups_asof_by_merger_merge(&out, m, intsym, &q2, true), OUPS_ESCHEMA);
    oups_table *nosym = tbl(1, "ts", col_i64(bk, 2));
    CHECK_RC(oups_asof_by_merger_merge(&out, m, nosym, &q2, true), OUPS_ENOTFOUND);
    /* a new group in a table of a failing call (unsorted main) is forgotten */
    int64_t uk[] = {12, 11};
    const char *us[] = {"E", "E"};
    oups_table *unsorted = tbl(2, "ts", col_i64(uk, 2), "sym", col_str(us, 2));
    oups_table *qe = tbl(3, "ts", col_i64(bk, 1), "sym", col_str(us, 1), "px", col_f64(qv, 1));
    CHECK_RC(oups_asof_by_merger_merge(&out, m, unsorted, &qe, true), OUPS_EUNORDERED);
    CHECK_OK(oups_asof_by_merger_save(&after, &na, m));
    CHECK(na == nb && !memcmp(before, after, na));
    CHECK(oups_asof_by_merger_num_groups(m) == 3);
    oups_mem_free(before);
    oups_mem_free(after);
    oups_table_free(unsorted), oups_table_free(qe);
    oups_table_free(nulls), oups_table_free(qn), oups_table_free(intsym), oups_table_free(nosym);
    oups_table_free(main), oups_table_free(q), oups_table_free(main2), oups_table_free(q2);
    oups_asof_by_merger_free(m);
}

/* ---- random cases ------------------------------------------------------------------------- */

enum { MAXN = 400 };
static const char *SYMS[] = {"A", "BB", "", "C"};

typedef struct scen {
    int D, np[2], n_by;
    bool allow[2];
    oups_asof_fill fill;
    int64_t tol; /* -1: none */
    int64_t nm, nt[2];
    int64_t mk[MAXN], tk[2][MAXN], mg[MAXN], tg[2][MAXN];
    int ms[MAXN], ts[2][MAXN];
    double tv[2][MAXN];
} scen;

static void gen(scen *s, uint64_t *rng) {
    memset(s, 0, sizeof *s);
    s->D = 1 + (int)(test_rand(rng) % 2);
    s->n_by = 1 + (int)(test_rand(rng) % 2);
    s->fill = test_rand(rng) % 2 ? OUPS_ASOF_FILL_NULLS : OUPS_ASOF_FILL_ZEROS;
    s->tol = test_rand(rng) % 3 ? -1 : (int64_t)(test_rand(rng) % 4);
    int r = (int)(test_rand(rng) % 6);
    s->nm = r == 0 ? 0 : r == 1 ? 1 : (int64_t)(test_rand(rng) % MAXN);
    int64_t k = 0;
    for (int64_t i = 0; i < s->nm; i++) {
        s->mk[i] = k += (int64_t)(test_rand(rng) % 3);
        s->ms[i] = (int)(test_rand(rng) % 4);
        s->mg[i] = (int64_t)(test_rand(rng) % 2);
    }
    for (int d = 0; d < s->D; d++) {
        s->np[d] = (int)(test_rand(rng) % 3);
        s->allow[d] = test_rand(rng) % 2;
        r = (int)(test_rand(rng) % 6);
        s->nt[d] = r == 0 ? 0 : r == 1 ? 1 : (int64_t)(test_rand(rng) % MAXN);
        k = -2;
        for (int64_t i = 0; i < s->nt[d]; i++) {
            s->tk[d][i] = k += (int64_t)(test_rand(rng) % 3);
            s->ts[d][i] = (int)(test_rand(rng) % 3); /* "C" never in a table */
            s->tg[d][i] = (int64_t)(test_rand(rng) % 2);
            s->tv[d][i] = (double)(d * 1000 + i) + 0.5;
        }
    }
}

/* Rows [lo, hi) of main (ts, sym, g, q) or of table d (ts, sym, g, v; v null every 7th row). */
static oups_table *main_rows(const scen *s, int64_t lo, int64_t hi) {
    const char *sv[MAXN];
    double q[MAXN];
    for (int64_t i = lo; i < hi; i++) sv[i - lo] = SYMS[s->ms[i]], q[i - lo] = (double)i;
    return tbl(4, "ts", col_i64(s->mk + lo, hi - lo), "sym", col_str(sv, hi - lo), "g", col_i64(s->mg + lo, hi - lo),
               "q", col_f64(q, hi - lo));
}

static oups_table *table_rows(const scen *s, int d, int64_t lo, int64_t hi) {
    const char *sv[MAXN];
    for (int64_t i = lo; i < hi; i++) sv[i - lo] = SYMS[s->ts[d][i]];
    oups_column *v = col_f64(s->tv[d] + lo, hi - lo);
    if (v && hi > lo) { /* nulls: rows i % 7 == 3 */
        oups_builder *b = NULL;
        oups_column *vn = NULL;
        oups_datatype ft = oups_type(OUPS_TYPE_FLOAT64);
        int rc = oups_builder_new(&b, &ft, hi - lo);
        for (int64_t i = lo; rc == 0 && i < hi; i++)
            rc = i % 7 == 3 ? oups_builder_append_null(b) : oups_builder_append_double(b, s->tv[d][i]);
        if (rc == 0) rc = oups_builder_finish(&vn, b);
        oups_builder_free(b);
        oups_column_release(v);
        v = rc == 0 ? vn : NULL;
    }
    return tbl(4, "ts", col_i64(s->tk[d] + lo, hi - lo), "sym", col_str(sv, hi - lo), "g",
               col_i64(s->tg[d] + lo, hi - lo), "v", v);
}

static bool same_group(const scen *s, int d, int64_t mi, int64_t ti) {
    return s->ms[mi] == s->ts[d][ti] && (s->n_by == 1 || s->mg[mi] == s->tg[d][ti]);
}

/* The brute force: every output cell of table d's window for main row i. */
static int check_brute(const scen *s, const oups_table *out) {
    if (oups_table_num_rows(out) != s->nm) return 0;
    static const char *pre[] = {"a_", "b_"};
    for (int64_t i = 0; i < s->nm; i++)
        for (int d = 0; d < s->D; d++) {
            int64_t rowsg[MAXN], n = 0, r = -1;
            for (int64_t t = 0; t < s->nt[d]; t++)
                if (same_group(s, d, i, t)) rowsg[n++] = t;
            for (int64_t x = 0; x < n; x++)
                if (s->allow[d] ? s->tk[d][rowsg[x]] <= s->mk[i] : s->tk[d][rowsg[x]] < s->mk[i]) r = x;
            bool miss = r < 0 || (s->tol >= 0 && s->mk[i] - s->tk[d][rowsg[r]] > s->tol);
            for (int sl = 0; sl <= s->np[d]; sl++) {
                char name[32];
                if (s->np[d]) snprintf(name, sizeof name, "%sv_%d", pre[d], s->np[d] - sl);
                else snprintf(name, sizeof name, "%sv", pre[d]);
                int64_t h = r - s->np[d] + sl; /* index in the group's rows; < 0: fill */
                bool want_null, got_null = is_null_at(out, name, i);
                double want = 0, got = f64_at(out, name, i);
                if (miss || h < 0) want_null = s->fill == OUPS_ASOF_FILL_NULLS;
                else {
                    want_null = rowsg[h] % 7 == 3;
                    want = s->tv[d][rowsg[h]];
                }
                if (want_null != got_null || (!want_null && want != got)) {
                    fprintf(stderr, "  row %lld (ts %lld) %s: got %s%g, want %s%g\n", (long long)i, (long long)s->mk[i],
                            name, got_null ? "null " : "", got, want_null ? "null " : "", want);
                    return 0;
                }
            }
        }
    return 1;
}

static int one_shot(oups_table **out, const scen *s) {
    oups_asof_by_merger *m = NULL;
    oups_table *main = main_rows(s, 0, s->nm), *t[2] = {table_rows(s, 0, 0, s->nt[0]), table_rows(s, 1, 0, s->nt[1])};
    int rc = by_new(&m, s->D, s->np, s->allow, s->fill, s->tol, s->n_by);
    if (rc == 0) rc = oups_asof_by_merger_merge(out, m, main, t, true);
    oups_asof_by_merger_free(m);
    oups_table_free(main), oups_table_free(t[0]), oups_table_free(t[1]);
    return rc;
}

TEST(random_vs_brute_force) {
    uint64_t rng = tests_seed() ^ 0xb1;
    static scen s;
    for (int iter = 0; iter < 150; iter++) {
        gen(&s, &rng);
        oups_table *out = NULL;
        CHECK_OK(one_shot(&out, &s));
        int ok = out && check_brute(&s, out);
        if (!ok) fprintf(stderr, "  iter %d: D %d n_by %d np %d,%d allow %d,%d tol %lld\n", iter, s.D, s.n_by, s.np[0],
                         s.np[1], s.allow[0], s.allow[1], (long long)s.tol);
        oups_table_free(out);
        CHECK(ok);
    }
}

/* ---- parity: each chunk in a new process --------------------------------------------------- */

static char dir[64];
static scen ps;

static void pathf(char *buf, size_t cap, const char *name) { snprintf(buf, cap, "%s/%s", dir, name); }

/* Child: chunk files c<k>_main.parquet, c<k>_t<d>.parquet and the scenario's options in the
 * argument "dir k D n_by np0 np1 allow0 allow1 fill tol"; state in dir/state; output
 * c<k>_out.parquet. */
TEST(chunk_worker) {
    const char *arg = parity_child_arg();
    if (!arg) return;
    int k, D, n_by, np[2], al[2], fill;
    long long tol;
    char d[64];
    CHECK(sscanf(arg, "%63s %d %d %d %d %d %d %d %d %lld", d, &k, &D, &n_by, &np[0], &np[1], &al[0], &al[1], &fill,
                 &tol) == 10);
    snprintf(dir, sizeof dir, "%s", d);
    bool allow[2] = {al[0], al[1]};
    oups_asof_by_merger *m = NULL;
    CHECK_OK(by_new(&m, D, np, allow, (oups_asof_fill)fill, tol, n_by));
    char p[256], name[64];
    pathf(p, sizeof p, "state");
    uint8_t *blob = NULL;
    size_t len = 0;
    if (oups_io_read_file(&blob, &len, p) == 0) {
        CHECK_OK(oups_asof_by_merger_load(m, blob, len));
        oups_free(blob);
    }
    oups_table *main = NULL, *t[2] = {NULL, NULL}, *out = NULL;
    snprintf(name, sizeof name, "c%d_main.parquet", k);
    pathf(p, sizeof p, name);
    CHECK_OK(oups_parquet_read(&main, p));
    for (int i = 0; i < D; i++) {
        snprintf(name, sizeof name, "c%d_t%d.parquet", k, i);
        pathf(p, sizeof p, name);
        CHECK_OK(oups_parquet_read(&t[i], p));
    }
    CHECK_OK(oups_asof_by_merger_merge(&out, m, main, t, true));
    snprintf(name, sizeof name, "c%d_out.parquet", k);
    pathf(p, sizeof p, name);
    CHECK_OK(oups_parquet_write(p, out, NULL));
    uint8_t *saved = NULL;
    CHECK_OK(oups_asof_by_merger_save(&saved, &len, m));
    pathf(p, sizeof p, "state");
    CHECK_OK(oups_io_write_file_atomic(p, saved, len));
    oups_mem_free(saved);
    oups_table_free(main), oups_table_free(t[0]), oups_table_free(t[1]), oups_table_free(out);
    oups_asof_by_merger_free(m);
}

/* Cut rows of keys k[0..n) for a main cut at key K: table d gets the rows <= K (exact matches)
 * or < K. */
static int64_t rows_before(const int64_t *k, int64_t n, int64_t K, bool le) {
    int64_t i = 0;
    while (i < n && (le ? k[i] <= K : k[i] < K)) i++;
    return i;
}

TEST(chunks_in_new_processes_equal_one_shot) {
    if (parity_child_arg()) return;
    CHECK(tmpdir_make(dir, sizeof dir));
    uint64_t rng = tests_seed() ^ 0xb2;
    for (int iter = 0; iter < 20; iter++) {
        gen(&ps, &rng);
        oups_table *one = NULL;
        CHECK_OK(one_shot(&one, &ps));
        /* main cuts at row indices (inside runs of equal keys too); table cuts by the rule */
        enum { MAXC = 6 };
        int n_cuts = (int)(test_rand(&rng) % MAXC);
        int64_t mc[MAXC];
        parity_cuts(mc, n_cuts, ps.mk, ps.nm, &rng);
        char p[256];
        pathf(p, sizeof p, "state");
        unlink(p);
        oups_table *parts[MAXC + 1] = {0};
        int64_t tprev[2] = {0, 0};
        int rc = 0;
        for (int c = 0; rc == 0 && c <= n_cuts; c++) {
            int64_t m0, m1;
            parity_chunk(&m0, &m1, mc, n_cuts, c, ps.nm);
            char name[64];
            oups_table *mt = main_rows(&ps, m0, m1);
            snprintf(name, sizeof name, "c%d_main.parquet", c);
            pathf(p, sizeof p, name);
            rc = oups_parquet_write(p, mt, NULL);
            oups_table_free(mt);
            for (int d = 0; rc == 0 && d < ps.D; d++) {
                /* rows up to the last target of this chunk, but none the next chunk's first target excludes */
                int64_t t1 = ps.nt[d];
                if (c < n_cuts) {
                    int64_t next = m1 < ps.nm ? ps.mk[m1] : INT64_MAX;
                    int64_t last = m1 > 0 ? ps.mk[m1 - 1] : INT64_MIN;
                    int64_t lo = rows_before(ps.tk[d], ps.nt[d], last, ps.allow[d]);
                    int64_t hi = next == INT64_MAX ? ps.nt[d] : rows_before(ps.tk[d], ps.nt[d], next, ps.allow[d]);
                    if (lo < tprev[d]) lo = tprev[d];
                    t1 = hi > lo ? lo + (int64_t)(test_rand(&rng) % (uint64_t)(hi - lo + 1)) : lo;
                }
                oups_table *tt = table_rows(&ps, d, tprev[d], t1);
                tprev[d] = t1;
                snprintf(name, sizeof name, "c%d_t%d.parquet", c, d);
                pathf(p, sizeof p, name);
                rc = oups_parquet_write(p, tt, NULL);
                oups_table_free(tt);
            }
            char arg[256];
            snprintf(arg, sizeof arg, "%s %d %d %d %d %d %d %d %d %lld", dir, c, ps.D, ps.n_by, ps.np[0], ps.np[1],
                     ps.allow[0], ps.allow[1], (int)ps.fill, (long long)ps.tol);
            if (rc == 0 && parity_run_child("chunk_worker", arg) != 0) rc = oups_error_set(OUPS_EIO, "chunk %d failed", c);
            snprintf(name, sizeof name, "c%d_out.parquet", c);
            pathf(p, sizeof p, name);
            if (rc == 0) rc = oups_parquet_read(&parts[c], p);
        }
        oups_table *cat = NULL;
        if (rc == 0) rc = oups_table_concat(&cat, parts, n_cuts + 1);
        char what[128];
        snprintf(what, sizeof what, "iter %d (%d chunks, %lld main rows)", iter, n_cuts + 1, (long long)ps.nm);
        if (rc < 0) fprintf(stderr, "  %s: %s\n", what, oups_error_last());
        int eq = rc == 0 && parity_tables_equal(one, cat, what);
        for (int c = 0; c <= n_cuts; c++) oups_table_free(parts[c]);
        oups_table_free(cat);
        oups_table_free(one);
        CHECK(eq);
    }
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
}

/* ---- the state blob ------------------------------------------------------------------------ */

TEST(blob_damage_and_options) {
    uint64_t rng = tests_seed() ^ 0xb3;
    static scen s;
    do gen(&s, &rng);
    while (s.nt[0] < 5 || s.nm < 5);
    oups_asof_by_merger *m = NULL, *m2 = NULL;
    oups_table *main = main_rows(&s, 0, s.nm), *t[2] = {table_rows(&s, 0, 0, s.nt[0]), table_rows(&s, 1, 0, s.nt[1])};
    oups_table *out = NULL;
    CHECK_OK(by_new(&m, s.D, s.np, s.allow, s.fill, s.tol, s.n_by));
    uint8_t *blob = NULL, *again = NULL;
    size_t len = 0, len2 = 0;
    /* before any merge: a blob without state */
    CHECK_OK(oups_asof_by_merger_save(&blob, &len, m));
    CHECK_OK(by_new(&m2, s.D, s.np, s.allow, s.fill, s.tol, s.n_by));
    CHECK_OK(oups_asof_by_merger_load(m2, blob, len));
    CHECK(!oups_asof_by_merger_has_state(m2));
    oups_mem_free(blob);
    CHECK_OK(oups_asof_by_merger_merge(&out, m, main, t, true));
    oups_table_free(out);
    CHECK_OK(oups_asof_by_merger_save(&blob, &len, m));
    CHECK_OK(oups_asof_by_merger_load(m2, blob, len));
    CHECK_OK(oups_asof_by_merger_save(&again, &len2, m2));
    CHECK(len == len2 && !memcmp(blob, again, len));
    oups_mem_free(again);
    oups_datatype key;
    bool has = false;
    CHECK_OK(oups_asof_by_merger_state_key_type(&key, &has, blob, len));
    CHECK(has && key.id == OUPS_TYPE_INT64);
    /* every truncation, and bit flips: refused (never a crash), the merger unchanged */
    for (size_t n = 0; n < len; n++) CHECK_RC(oups_asof_by_merger_load(m2, blob, n), OUPS_ECORRUPT);
    uint8_t *x = malloc(len);
    for (size_t i = 0; i < len * 8; i += 3) {
        memcpy(x, blob, len);
        x[i / 8] ^= (uint8_t)(1u << (i % 8));
        int rc = oups_asof_by_merger_load(m2, x, len);
        CHECK(rc == OUPS_ECORRUPT || rc == OUPS_EINVAL);
    }
    free(x);
    CHECK_OK(oups_asof_by_merger_save(&again, &len2, m2));
    CHECK(len == len2 && !memcmp(blob, again, len));
    oups_mem_free(again);
    /* other options or by columns: OUPS_EINVAL naming them */
    oups_asof_by_merger_free(m2);
    m2 = NULL;
    CHECK_OK(by_new(&m2, s.D, s.np, s.allow, s.fill, s.tol, s.n_by == 1 ? 2 : 1));
    CHECK_RC(oups_asof_by_merger_load(m2, blob, len), OUPS_EINVAL);
    CHECK(strstr(oups_error_last(), "by columns"));
    oups_asof_by_merger_free(m2);
    m2 = NULL;
    int np2[2] = {s.np[0] + 1, s.np[1]};
    CHECK_OK(by_new(&m2, s.D, np2, s.allow, s.fill, s.tol, s.n_by));
    CHECK_RC(oups_asof_by_merger_load(m2, blob, len), OUPS_EINVAL);
    /* a plain merger's blob is not a by-merger's */
    CHECK_RC(oups_asof_by_merger_load(m2, (const uint8_t *)"OUPSASOF", 8), OUPS_ECORRUPT);
    oups_mem_free(blob);
    oups_table_free(main), oups_table_free(t[0]), oups_table_free(t[1]);
    oups_asof_by_merger_free(m);
    oups_asof_by_merger_free(m2);
    /* bad options */
    static const char *two[] = {"sym", "sym"}, *key_by[] = {"ts"};
    oups_asof_merger_options o = OUPS_ASOF_MERGER_OPTIONS_INIT;
    o.on = "ts";
    o.n_dfs_per_group = 1;
    CHECK_RC(oups_asof_by_merger_new(&m, &o, two, 2), OUPS_EINVAL);
    CHECK_RC(oups_asof_by_merger_new(&m, &o, key_by, 1), OUPS_EINVAL);
    CHECK_RC(oups_asof_by_merger_new(&m, &o, two, 0), OUPS_EINVAL);
    o.n_join_positions = 2;
    CHECK_RC(oups_asof_by_merger_new(&m, &o, two, 1), OUPS_EINVAL);
}

RUN_TESTS("ops.asof_by", by_hand, random_vs_brute_force, chunk_worker, chunks_in_new_processes_equal_one_shot,
          blob_damage_and_options)
