// labels: quick
/*
 * tests/ops/test_asof_parity.c: parity of the AsofMerger at the edges (issue 9): a stream cut
 * into chunks, each merged in a NEW PROCESS that loads the state saved by the previous one from
 * a file, gives the one-shot result bit for bit. Random scenarios generate the edges on purpose:
 * empty main, tables with 0 rows (typed), key-only tables, chunks where every input is empty,
 * single-row chunks, chunk boundaries inside runs of equal keys, and columns in another order in
 * later chunks (matched by name). Two drivers:
 *   - C API: each chunk runs in a child (this binary, case `chunk_worker`, see parity.h) reading
 *     its inputs from Parquet files and writing its output as Parquet; tables compared with
 *     oups_table_equal (bit-identical). Several groups and join positions, windows, both fill
 *     modes, tolerance.
 *   - CLI: `oups asof --state` per chunk, one process each; chunk files Parquet or CSV (after
 *     the first chunk: CSV columns are typed by the state), the concatenated CSV output equal
 *     byte for byte to the one-shot output.
 * Chunk boundaries: main is cut at row indices; table d of a group is cut anywhere that keeps the
 * as-of rows of both sides (all keys <= the last target before the cut, and none past the
 * first target after it; < instead of <= without exact matches), so cuts inside runs of
 * equal keys are exact too. Backward direction only: forward and nearest are chunk-exact only
 * when table chunks reach past the last target (docs/asof.md).
 */
#include <math.h>
#include <sys/stat.h>

#include "asof_fixtures.h"
#include "parity.h"
#include "table/fixtures.h"

enum { MAX_G = 3, MAX_D = 3, MAX_CHUNKS = 8 };

typedef struct job {
    int G, D, J, fill, has_tol;
    int64_t tol;
    int np[MAX_D], allow[MAX_D];
} job;

/* ---- scenario ------------------------------------------------------------------------------ */

typedef struct scen {
    job j;
    int64_t nm;
    int64_t *main;
    int32_t *comb;
    oups_table *t[MAX_G * MAX_D];
} scen;

/* Sorted keys with many runs of equal values; n picked among 0, 1 and up to `max`. */
static int64_t *gen_keys(int64_t *n, int64_t max, uint64_t *rng) {
    int r = (int)(test_rand(rng) % 8);
    *n = r == 0 ? 0 : r == 1 ? 1 : (int64_t)(test_rand(rng) % (uint64_t)(max + 1));
    int64_t *k = malloc(sizeof *k * (size_t)(*n + 1)), v = (int64_t)(test_rand(rng) % 5);
    for (int64_t i = 0; i < *n; i++) k[i] = v += (int64_t)(test_rand(rng) % 3);
    return k;
}

/* Value columns of table d: `which` from tests/table/fixtures.h (0 columns: key-only). */
static int pick_cols(int *which, uint64_t *rng, const int *allowed, int n_allowed) {
    int nc = (int)(test_rand(rng) % 4);
    for (int c = 0; c < nc; c++) {
        int x = allowed[test_rand(rng) % (uint64_t)n_allowed];
        for (int p = 0; p < c; p++)
            if (which[p] == x) x = -1;
        if (x < 0) return c;
        which[c] = x;
    }
    return nc;
}

static int make_table(oups_table **out, const int64_t *k, int64_t n, const int *which, int nc, uint64_t seed) {
    oups_table *vals = NULL;
    oups_column *kc = col_i64(k, n);
    int rc = kc ? 0 : OUPS_ENOMEM;
    if (rc == 0 && nc == 0) *out = tbl(1, "key", oups_column_retain(kc));
    else if (rc == 0) rc = fx_table_cols(&vals, n, 20, seed, which, nc);
    if (rc == 0 && nc > 0) rc = oups_table_set_column(out, vals, "key", kc);
    oups_table_free(vals);
    oups_column_release(kc);
    return rc == 0 && !*out ? OUPS_ENOMEM : rc;
}

/* `cli`: one group, one join position, CSV-friendly types, zeros fill. */
static int make_scen(scen *s, uint64_t *rng, bool cli) {
    static const int all_types[] = {0, 1, 3, 4, 6, 8, 9, 10, 11, 12, 13, 14, 15};
    static const int csv_types[] = {0, 4, 10, 13}; /* bool, int64, float64, string */
    memset(s, 0, sizeof *s);
    job *j = &s->j;
    j->G = cli ? 1 : 1 + (int)(test_rand(rng) % MAX_G);
    j->D = 1 + (int)(test_rand(rng) % MAX_D);
    j->J = cli ? 1 : 1 + (int)(test_rand(rng) % 2);
    j->fill = cli ? 0 : (int)(test_rand(rng) % 2);
    j->has_tol = test_rand(rng) % 4 == 0;
    j->tol = (int64_t)(test_rand(rng) % 4);
    for (int d = 0; d < j->D; d++) {
        j->np[d] = (int)(test_rand(rng) % 3);
        j->allow[d] = (int)(test_rand(rng) % 2);
    }
    s->main = gen_keys(&s->nm, 40, rng);
    s->comb = malloc(sizeof *s->comb * (size_t)(s->nm * j->J + 1));
    for (int64_t i = 0; i < s->nm * j->J; i++) s->comb[i] = (int32_t)(test_rand(rng) % (uint64_t)j->G);
    for (int d = 0; d < j->D; d++) {
        int which[4];
        int nc = cli ? pick_cols(which, rng, csv_types, 4) : pick_cols(which, rng, all_types, 13);
        for (int g = 0; g < j->G; g++) {
            int64_t n;
            int64_t *k = gen_keys(&n, 30, rng);
            int rc = make_table(&s->t[g * j->D + d], k, n, which, nc, test_rand(rng));
            free(k);
            if (rc < 0) return rc;
        }
    }
    return 0;
}

static void free_scen(scen *s) {
    free(s->main);
    free(s->comb);
    for (int i = 0; i < MAX_G * MAX_D; i++) oups_table_free(s->t[i]);
}

/* Rows of sorted key column kc with key < x (le false) or <= x (le true). */
static int64_t count_keys(const oups_table *t, int64_t x, bool le) {
    const oups_column *kc = oups_table_column(t, oups_table_column_index(t, "key"));
    oups_column_view v;
    oups_column_view_get(&v, kc);
    const int64_t *k = (const int64_t *)v.data + v.offset;
    int64_t n = 0;
    while (n < v.length && (le ? k[n] <= x : k[n] < x)) n++;
    return n;
}

/* Table cuts matching main cuts: tcut[c * G * D + i] for table i (see the file comment). */
static void table_cuts(int64_t *tcut, const scen *s, const int64_t *mcut, int n_cuts, uint64_t *rng) {
    int nt = s->j.G * s->j.D;
    for (int i = 0; i < nt; i++) {
        bool le = s->j.allow[i % s->j.D];
        int64_t prev = 0;
        for (int c = 0; c < n_cuts; c++) {
            int64_t m = mcut[c];
            int64_t lo = m > 0 ? count_keys(s->t[i], s->main[m - 1], le) : 0;
            int64_t hi = m < s->nm ? count_keys(s->t[i], s->main[m], le) : oups_table_num_rows(s->t[i]);
            int64_t x = lo + (int64_t)(test_rand(rng) % (uint64_t)(hi - lo + 1));
            tcut[c * nt + i] = prev = x > prev ? x : prev;
        }
    }
}

/* Rows [lo, hi) of t, columns in a random order when `shuffle`. */
static int chunk_of(oups_table **out, const oups_table *t, int64_t lo, int64_t hi, bool shuffle, uint64_t *rng) {
    oups_table *part = NULL;
    int rc = oups_table_slice(&part, t, lo, hi - lo);
    int n = oups_table_num_columns(t);
    if (rc < 0 || !shuffle || n < 2) {
        *out = part;
        return rc;
    }
    const char *names[8];
    for (int c = 0; c < n; c++) names[c] = oups_table_column_name(t, c);
    for (int c = n - 1; c > 0; c--) {
        int r = (int)(test_rand(rng) % (uint64_t)(c + 1));
        const char *x = names[c];
        names[c] = names[r];
        names[r] = x;
    }
    rc = oups_table_select(out, part, names, n);
    oups_table_free(part);
    return rc;
}

static char dir[64];

static void pathf(char *buf, size_t cap, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = snprintf(buf, cap, "%s/", dir);
    vsnprintf(buf + n, cap - (size_t)n, fmt, ap);
    va_end(ap);
}

static int rm_dir(void) {
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd);
}

/* ---- C API: the worker (child process) ------------------------------------------------------ */

/* Job file: "G D J fill has_tol tol" then "np allow" per df index. */
static int write_job(const char *path, const job *j) {
    FILE *f = fopen(path, "w");
    if (!f) return OUPS_EIO;
    fprintf(f, "%d %d %d %d %d %lld\n", j->G, j->D, j->J, j->fill, j->has_tol, (long long)j->tol);
    for (int d = 0; d < j->D; d++) fprintf(f, "%d %d\n", j->np[d], j->allow[d]);
    return fclose(f) == 0 ? 0 : OUPS_EIO;
}

static int read_job(const char *path, job *j) {
    FILE *f = fopen(path, "r");
    long long tol = 0;
    int ok = f && fscanf(f, "%d %d %d %d %d %lld", &j->G, &j->D, &j->J, &j->fill, &j->has_tol, &tol) == 6;
    for (int d = 0; ok && d < j->D; d++) ok = fscanf(f, "%d %d", &j->np[d], &j->allow[d]) == 2;
    if (f) fclose(f);
    j->tol = tol;
    return ok ? 0 : OUPS_EIO;
}

static int new_merger(oups_asof_merger **m, const job *j) {
    static const char *const pre[MAX_G * MAX_D] = {"a_", "b_", "c_", "d_", "e_", "f_", "g_", "h_", "i_"};
    bool allow[MAX_D];
    for (int d = 0; d < j->D; d++) allow[d] = j->allow[d];
    oups_asof_merger_options o = OUPS_ASOF_MERGER_OPTIONS_INIT;
    o.on = "key";
    o.n_dfs_per_group = j->D;
    o.prefixes = pre;
    o.n_join_positions = j->J;
    o.n_prev = j->np;
    o.allow_exact_matches = allow;
    o.fill = (oups_asof_fill)j->fill;
    o.has_tolerance = j->has_tol;
    o.tolerance = j->tol;
    return oups_asof_merger_new(m, &o);
}

/* Chunk c of the job in directory `d`: load d/state (if c > 0), merge d/c<c>_*, write
 * d/out<c>.parquet, save d/state. */
static int run_chunk(const char *d, int c) {
    char p[320];
    job j;
    snprintf(p, sizeof p, "%s/job.txt", d);
    OUPS_TRY(read_job(p, &j));
    oups_asof_merger *m = NULL;
    oups_table *main_t = NULL, *t[MAX_G * MAX_D] = {0}, *res = NULL;
    uint8_t *blob = NULL, *comb = NULL;
    size_t len = 0, comb_len = 0;
    int rc = new_merger(&m, &j);
    snprintf(p, sizeof p, "%s/state", d);
    if (rc == 0 && c > 0) rc = oups_io_read_file(&blob, &len, p);
    if (rc == 0 && c > 0) rc = oups_asof_merger_load(m, blob, len);
    oups_free(blob);
    blob = NULL;
    snprintf(p, sizeof p, "%s/c%d_main.parquet", d, c);
    if (rc == 0) rc = oups_parquet_read(&main_t, p);
    snprintf(p, sizeof p, "%s/c%d_comb.bin", d, c);
    if (rc == 0) rc = oups_io_read_file(&comb, &comb_len, p);
    for (int i = 0; rc == 0 && i < j.G * j.D; i++) {
        snprintf(p, sizeof p, "%s/c%d_t%d.parquet", d, c, i);
        rc = oups_parquet_read(&t[i], p);
    }
    if (rc == 0) {
        const oups_column *mc = oups_table_column(main_t, 0);
        int32_t *cb = malloc(comb_len + 4);
        memcpy(cb, comb, comb_len);
        rc = oups_asof_merger_merge(&res, m, mc, t, j.G, cb, j.J, true);
        free(cb);
    }
    snprintf(p, sizeof p, "%s/out%d.parquet", d, c);
    if (rc == 0) rc = oups_parquet_write(p, res, NULL);
    if (rc == 0) rc = oups_asof_merger_save(&blob, &len, m);
    snprintf(p, sizeof p, "%s/state", d);
    if (rc == 0) rc = oups_io_write_file_atomic(p, blob, len);
    oups_mem_free(blob);
    oups_free(comb);
    oups_table_free(res);
    oups_table_free(main_t);
    for (int i = 0; i < j.G * j.D; i++) oups_table_free(t[i]);
    oups_asof_merger_free(m);
    return rc;
}

/* Only a worker: does the job named by parity_child_arg() ("DIR CHUNK"), nothing otherwise. */
TEST(chunk_worker) {
    const char *arg = parity_child_arg();
    if (!arg) return;
    char d[200];
    int c = -1;
    CHECK(sscanf(arg, "%199s %d", d, &c) == 2);
    CHECK_OK(run_chunk(d, c));
}

/* ---- C API: the driver ------------------------------------------------------------------------ */

/* Write the inputs of chunk c into sub-directory `sub` (chunk boundaries given; shuffle
 * columns when asked). */
static int write_chunk(const char *sub, int c, const scen *s, int64_t m0, int64_t m1, const int64_t *t0,
                       const int64_t *t1, bool shuffle, uint64_t *rng) {
    char p[256];
    int nt = s->j.G * s->j.D;
    oups_table *mt = tbl(1, "key", col_i64(s->main + m0, m1 - m0));
    int rc = mt ? 0 : OUPS_ENOMEM;
    pathf(p, sizeof p, "%s/c%d_main.parquet", sub, c);
    if (rc == 0) rc = oups_parquet_write(p, mt, NULL);
    oups_table_free(mt);
    pathf(p, sizeof p, "%s/c%d_comb.bin", sub, c);
    if (rc == 0) rc = oups_io_write_file_atomic(p, s->comb + m0 * s->j.J, (size_t)((m1 - m0) * s->j.J) * 4);
    for (int i = 0; rc == 0 && i < nt; i++) {
        oups_table *part = NULL;
        pathf(p, sizeof p, "%s/c%d_t%d.parquet", sub, c, i);
        rc = chunk_of(&part, s->t[i], t0[i], t1[i], shuffle, rng);
        if (rc == 0) rc = oups_parquet_write(p, part, NULL);
        oups_table_free(part);
    }
    return rc;
}

/* Run chunks 0..n-1 of `sub` in child processes; concatenate their outputs. */
static int run_children(oups_table **out, const char *sub, int n) {
    oups_table *parts[MAX_CHUNKS + 1] = {0};
    int rc = 0;
    for (int c = 0; rc == 0 && c < n; c++) {
        char arg[256], p[256];
        pathf(arg, sizeof arg, "%s %d", sub, c);
        if (parity_run_child("chunk_worker", arg) != 0) rc = oups_error_set(OUPS_EIO, "worker of chunk %d failed", c);
        pathf(p, sizeof p, "%s/out%d.parquet", sub, c);
        if (rc == 0) rc = oups_parquet_read(&parts[c], p);
    }
    if (rc == 0) rc = oups_table_concat(out, parts, n);
    for (int c = 0; c < n; c++) oups_table_free(parts[c]);
    return rc;
}

TEST(chunks_in_new_processes_equal_one_shot) {
    if (parity_child_arg()) return;
    CHECK(tmpdir_make(dir, sizeof dir));
    uint64_t rng = tests_seed() ^ 0x5a5a;
    char p[256];
    pathf(p, sizeof p, "one");
    CHECK(mkdir(p, 0755) == 0);
    pathf(p, sizeof p, "chunks");
    CHECK(mkdir(p, 0755) == 0);
    for (int iter = 0; iter < 40; iter++) {
        scen s;
        CHECK_OK(make_scen(&s, &rng, false));
        int n_cuts = (int)(test_rand(&rng) % MAX_CHUNKS), nt = s.j.G * s.j.D;
        int64_t mcut[MAX_CHUNKS], tcut[MAX_CHUNKS * MAX_G * MAX_D], zero[MAX_G * MAX_D] = {0}, all[MAX_G * MAX_D];
        parity_cuts(mcut, n_cuts, s.main, s.nm, &rng);
        table_cuts(tcut, &s, mcut, n_cuts, &rng);
        for (int i = 0; i < nt; i++) all[i] = oups_table_num_rows(s.t[i]);
        pathf(p, sizeof p, "one/job.txt");
        int rc = write_job(p, &s.j);
        pathf(p, sizeof p, "chunks/job.txt");
        if (rc == 0) rc = write_job(p, &s.j);
        if (rc == 0) rc = write_chunk("one", 0, &s, 0, s.nm, zero, all, false, &rng);
        for (int c = 0; rc == 0 && c <= n_cuts; c++) {
            int64_t m0, m1;
            parity_chunk(&m0, &m1, mcut, n_cuts, c, s.nm);
            const int64_t *t0 = c ? tcut + (c - 1) * nt : zero, *t1 = c < n_cuts ? tcut + c * nt : all;
            rc = write_chunk("chunks", c, &s, m0, m1, t0, t1, c > 0 && test_rand(&rng) % 2, &rng);
        }
        oups_table *one = NULL, *chunked = NULL;
        if (rc == 0) rc = run_children(&one, "one", 1);
        if (rc == 0) rc = run_children(&chunked, "chunks", n_cuts + 1);
        char what[160];
        snprintf(what, sizeof what, "iter %d (G=%d D=%d J=%d, %d chunks, main %lld rows)", iter, s.j.G, s.j.D, s.j.J,
                 n_cuts + 1, (long long)s.nm);
        if (rc < 0) fprintf(stderr, "  %s: %s\n", what, oups_error_last());
        int eq = rc == 0 && parity_tables_equal(one, chunked, what);
        oups_table_free(one);
        oups_table_free(chunked);
        free_scen(&s);
        CHECK(eq);
    }
    CHECK(rm_dir() == 0);
}

/* ---- CLI: oups asof --state, one process per chunk -------------------------------------------- */

/* CSV of table t (any column order), as the CLI reads it back with the state's types. */
static int write_csv(const char *path, const oups_table *t) {
    FILE *f = fopen(path, "w");
    if (!f) return OUPS_EIO;
    int nc = oups_table_num_columns(t);
    for (int c = 0; c < nc; c++) fprintf(f, "%s%s", c ? "," : "", oups_table_column_name(t, c));
    fputc('\n', f);
    for (int64_t r = 0; r < oups_table_num_rows(t); r++) {
        for (int c = 0; c < nc; c++) {
            const oups_column *col = oups_table_column(t, c);
            oups_column_view v;
            oups_column_view_get(&v, col);
            if (c) fputc(',', f);
            if (!oups_column_is_valid(col, r)) continue; /* empty unquoted: null */
            int64_t k = v.offset + r;
            switch (v.type.id) {
            case OUPS_TYPE_BOOL: fputs(oups_bit_get(v.data, k) ? "true" : "false", f); break;
            case OUPS_TYPE_INT64: fprintf(f, "%lld", (long long)((const int64_t *)v.data)[k]); break;
            case OUPS_TYPE_FLOAT64: {
                double x = ((const double *)v.data)[k];
                if (isnan(x)) fputs("nan", f);
                else if (isinf(x)) fputs(x > 0 ? "inf" : "-inf", f);
                else fprintf(f, "%.17g", x);
                break;
            }
            default: { /* string, quoted */
                const char *sd = (const char *)v.data;
                fputc('"', f);
                for (int64_t b = v.offsets[k]; b < v.offsets[k + 1]; b++) {
                    if (sd[b] == '"') fputc('"', f);
                    fputc(sd[b], f);
                }
                fputc('"', f);
            }
            }
        }
        fputc('\n', f);
    }
    return fclose(f) == 0 ? 0 : OUPS_EIO;
}

/* Chunk input `name` (no extension) as Parquet, or as CSV when `csv`; the path into buf. */
static int write_input(char *buf, size_t cap, const char *name, const oups_table *t, bool csv) {
    pathf(buf, cap, "%s.%s", name, csv ? "csv" : "parquet");
    return csv ? write_csv(buf, t) : oups_parquet_write(buf, t, NULL);
}

/* `oups asof` on inputs files[0] (main) and files[1..D]; stdout into out_path. */
static int run_cli(const scen *s, char files[][256], const char *state, const char *out_path) {
    char np[64] = "", allow[64] = "", pre[64] = "", tol[32];
    for (int d = 0; d < s->j.D; d++) {
        size_t a = strlen(np), b = strlen(allow), c = strlen(pre);
        snprintf(np + a, sizeof np - a, "%s%d", d ? "," : "", s->j.np[d]);
        snprintf(allow + b, sizeof allow - b, "%s%d", d ? "," : "", s->j.allow[d]);
        snprintf(pre + c, sizeof pre - c, "%sp%d_", d ? "," : "", d);
    }
    snprintf(tol, sizeof tol, "%lld", (long long)s->j.tol);
    char *argv[32] = {OUPS_BINARY_DIR "/oups", "asof", "--on", "key", "--n-prev", np, "--allow-exact-matches", allow,
                      "--prefixes", pre, "--main", files[0]};
    int a = 12;
    for (int d = 0; d < s->j.D; d++) argv[a++] = files[d + 1];
    if (s->j.has_tol) {
        argv[a++] = "--tolerance";
        argv[a++] = tol;
    }
    if (state) {
        argv[a++] = "--state";
        argv[a++] = (char *)state;
    }
    argv[a] = NULL;
    return parity_spawn(argv, out_path, NULL);
}

static char *slurp_file(const char *path, size_t *len) {
    uint8_t *data = NULL;
    if (oups_io_read_file(&data, len, path) < 0) return NULL;
    char *s = malloc(*len + 1);
    memcpy(s, data, *len);
    s[*len] = 0;
    oups_free(data);
    return s;
}

TEST(cli_chunks_in_new_processes_equal_one_shot) {
    if (parity_child_arg()) return;
    CHECK(access(OUPS_BINARY_DIR "/oups", X_OK) == 0);
    CHECK(tmpdir_make(dir, sizeof dir));
    uint64_t rng = tests_seed() ^ 0xc1c1;
    static char chunked[1 << 20];
    for (int iter = 0; iter < 25; iter++) {
        scen s;
        CHECK_OK(make_scen(&s, &rng, true));
        int n_cuts = (int)(test_rand(&rng) % MAX_CHUNKS), D = s.j.D;
        int64_t mcut[MAX_CHUNKS], tcut[MAX_CHUNKS * MAX_D], all[MAX_D];
        parity_cuts(mcut, n_cuts, s.main, s.nm, &rng);
        table_cuts(tcut, &s, mcut, n_cuts, &rng);
        for (int d = 0; d < D; d++) all[d] = oups_table_num_rows(s.t[d]);
        char files[1 + MAX_D][256], out[256], state[256];
        int rc = 0;
        /* One shot: Parquet inputs, no state. */
        oups_table *mt = tbl(1, "key", col_i64(s.main, s.nm));
        rc = write_input(files[0], 256, "one_main", mt, false);
        oups_table_free(mt);
        for (int d = 0; rc == 0 && d < D; d++) {
            char name[32];
            snprintf(name, sizeof name, "one_t%d", d);
            rc = write_input(files[d + 1], 256, name, s.t[d], false);
        }
        pathf(out, sizeof out, "one.csv");
        if (rc == 0 && run_cli(&s, files, NULL, out) != 0) rc = oups_error_set(OUPS_EIO, "one-shot oups asof failed");
        size_t one_len = 0, len = 0, hdr_len = 0;
        char *one = rc == 0 ? slurp_file(out, &one_len) : NULL;
        if (one) hdr_len = (size_t)(strchr(one, '\n') - one) + 1;
        /* Chunks: a new oups process each, with --state. */
        pathf(state, sizeof state, "cli.state");
        unlink(state);
        for (int c = 0; rc == 0 && c <= n_cuts; c++) {
            int64_t m0, m1;
            parity_chunk(&m0, &m1, mcut, n_cuts, c, s.nm);
            mt = tbl(1, "key", col_i64(s.main + m0, m1 - m0));
            rc = write_input(files[0], 256, "c_main", mt, c > 0 && test_rand(&rng) % 2);
            oups_table_free(mt);
            for (int d = 0; rc == 0 && d < D; d++) {
                int64_t t0 = c ? tcut[(c - 1) * D + d] : 0, t1 = c < n_cuts ? tcut[c * D + d] : all[d];
                oups_table *part = NULL;
                char name[32];
                snprintf(name, sizeof name, "c_t%d", d);
                rc = chunk_of(&part, s.t[d], t0, t1, c > 0 && test_rand(&rng) % 2, &rng);
                /* The first call fixes the layout from typed (Parquet) input; later chunks may be
                 * CSV: typed by the state. */
                if (rc == 0) rc = write_input(files[d + 1], 256, name, part, c > 0 && test_rand(&rng) % 2);
                oups_table_free(part);
            }
            pathf(out, sizeof out, "part.csv");
            if (rc == 0 && run_cli(&s, files, state, out) != 0) rc = oups_error_set(OUPS_EIO, "chunk %d: oups asof failed", c);
            size_t plen = 0;
            char *part = rc == 0 ? slurp_file(out, &plen) : NULL;
            if (rc == 0 && (!part || plen < hdr_len || memcmp(part, one, hdr_len) != 0))
                rc = oups_error_set(OUPS_EIO, "chunk %d: header differs: %.200s", c, part ? part : "");
            if (rc == 0) { /* the header once */
                size_t skip = c ? hdr_len : 0;
                memcpy(chunked + len, part + skip, plen - skip);
                len += plen - skip;
            }
            free(part);
        }
        char what[160];
        snprintf(what, sizeof what, "cli iter %d (D=%d, %d chunks, main %lld rows)", iter, D, n_cuts + 1,
                 (long long)s.nm);
        if (rc < 0) fprintf(stderr, "  %s: %s\n", what, oups_error_last());
        int eq = rc == 0 && parity_bytes_equal(one, one_len, chunked, len, what);
        free(one);
        free_scen(&s);
        CHECK(eq);
    }
    CHECK(rm_dir() == 0);
}

RUN_TESTS("ops.asof_parity", chunk_worker, chunks_in_new_processes_equal_one_shot,
          cli_chunks_in_new_processes_equal_one_shot)
