// labels: quick slow
/*
 * tests/ops/test_segagg_props.c: property tests of the segmented aggregator (spec §5.4 P1, P2
 * and more): random data (duplicate keys, nulls, every supported input type; no, one or two
 * group key columns), every segmenter (time grid with every closed/label/origin, row count,
 * points, user callback) with and without snapshots, every aggregation; random chunk splits (empty chunks,
 * cuts inside runs of equal keys). Chunked outputs, consolidated, must equal the one-shot
 * output bit for bit:
 *   - in process, the state saved and loaded into a NEW aggregator between chunks;
 *   - across processes: this binary re-runs itself ("child" mode) once per chunk, reading the
 *     chunk from a Parquet file, the state from a file, writing outputs and the state back.
 */
#include <unistd.h>

#include "segagg_fixtures.h"

/* One random configuration; encoded as text for the child processes. */
typedef struct cfg {
    int bin_kind, freq_min, right, label_right, origin, offset_min, rows;
    int snap_kind, snap_freq, snap_label, grouped;
    uint64_t points_seed;
} cfg;

#define BASE HM(8, 0)

static void encode(char *buf, size_t cap, const cfg *c) {
    snprintf(buf, cap, "%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%llu", c->bin_kind, c->freq_min, c->right, c->label_right,
             c->origin, c->offset_min, c->rows, c->snap_kind, c->snap_freq, c->snap_label, c->grouped,
             (unsigned long long)c->points_seed);
}
static int decode(cfg *c, const char *s) {
    unsigned long long ps;
    int n = sscanf(s, "%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%llu", &c->bin_kind, &c->freq_min, &c->right, &c->label_right,
                   &c->origin, &c->offset_min, &c->rows, &c->snap_kind, &c->snap_freq, &c->snap_label, &c->grouped, &ps);
    c->points_seed = ps;
    return n == 12 ? 0 : -1;
}

/* Points from BASE - 1h on, gaps of 1..20 minutes, far beyond any test data. */
static int64_t *make_points(uint64_t seed, int64_t *n) {
    uint64_t st = seed;
    int64_t *p = malloc(2000 * sizeof *p), t = BASE - 60 * MIN_NS;
    for (int i = 0; i < 2000; i++) p[i] = t += (1 + (int64_t)(test_rand(&st) % 20)) * MIN_NS;
    *n = 2000;
    return p;
}

/* The test's user segmenter: a 7-minute left-closed grid anchored on the epoch, labelled by
 * start, written against the callback contract (state = start edge of the bin in progress). */
static int user_grid(oups_segagg_bins *out, const int64_t *on, int64_t n, uint8_t state[OUPS_SEGAGG_USER_STATE],
                     bool restarting, void *user) {
    (void)user;
    const int64_t F = 7 * MIN_NS;
    int64_t S;
    if (restarting) memcpy(&S, state, 8);
    else S = on[0] - ((on[0] % F) + F) % F;
    int64_t E = on[n - 1] - ((on[n - 1] % F) + F) % F + F, nb = (E - S) / F;
    if (nb > out->cap) {
        out->n = nb;
        return OUPS_EOVERFLOW;
    }
    int64_t p = 0;
    for (int64_t k = 0; k < nb; k++) {
        int64_t e = S + (k + 1) * F;
        while (p < n && on[p] < e) p++;
        out->next_starts[k] = p;
        out->labels[k] = e - F;
        out->ends[k] = e;
    }
    out->n = nb;
    int64_t last = E - F;
    memcpy(state, &last, 8);
    return 0;
}

static const char *const COLS[] = {"ts", "g", "x", "i", "i32", "u16", "f32", "b"};
enum { NCOLS = 8 };

/* Every aggregation valid for each value column. */
static int make_aggs(oups_segagg_agg *aggs, char names[][16]) {
    static const char *fn[] = {"first", "last", "min", "max", "sum", "count", "mean"};
    int n = 0;
    for (int c = 0; c < NCOLS; c++) {
        if (c == 1) continue;
        for (int f = 0; f <= OUPS_AGG_MEAN; f++) {
            bool ok = c == 7 ? (f == OUPS_AGG_FIRST || f == OUPS_AGG_LAST || f == OUPS_AGG_COUNT)
                      : c == 0 ? f != OUPS_AGG_SUM && f != OUPS_AGG_MEAN
                               : true;
            if (!ok) continue;
            snprintf(names[n], 16, "%s_%s", COLS[c], fn[f]);
            aggs[n] = (oups_segagg_agg){names[n], COLS[c], (oups_segagg_func)f};
            n++;
        }
    }
    return n;
}

/* Build an aggregator for `c` (points allocated into *pts; free after the aggregator). */
static int build(oups_segagg **a, const cfg *c, int64_t **pts) {
    static oups_segagg_agg aggs[64];
    static char names[64][16];
    int n_aggs = make_aggs(aggs, names);
    oups_segagg_options o = OUPS_SEGAGG_OPTIONS_INIT;
    o.ordered_on = "ts";
    o.aggs = aggs;
    o.n_aggs = n_aggs;
    static const char *by[] = {"g", "b"};
    o.by = by;
    o.n_by = c->grouped; /* 0, 1 (a string key) or 2 (string and bool keys) */
    int64_t np = 0;
    *pts = make_points(c->points_seed, &np);
    oups_segmenter *b = &o.bin_by, *s = &o.snap_by;
    b->kind = (oups_seg_kind)c->bin_kind;
    b->closed_right = c->right;
    b->label_right = c->label_right;
    b->freq_ns = c->freq_min * MIN_NS;
    b->rows = c->rows;
    b->origin = (oups_seg_origin)c->origin;
    b->origin_ns = BASE + 3 * MIN_NS + 17; /* used with OUPS_ORIGIN_VALUE */
    b->offset_ns = c->offset_min * MIN_NS;
    b->points = *pts;
    b->n_points = np;
    b->fn = user_grid;
    s->kind = (oups_seg_kind)c->snap_kind;
    s->freq_ns = c->snap_freq * MIN_NS;
    s->label_right = c->snap_label;
    s->origin = b->origin;
    s->origin_ns = b->origin_ns;
    s->offset_ns = b->offset_ns;
    s->points = *pts + 3;
    s->n_points = np - 3;
    return oups_segagg_new(a, &o);
}

static cfg random_cfg(uint64_t *st) {
    static const int freqs[] = {5, 10, 15, 20, 30, 60, 13, 7};
    static const int snap_freqs[] = {2, 5, 7, 10};
    cfg c = {0};
    c.bin_kind = 1 + (int)(test_rand(st) % 4);
    c.freq_min = freqs[test_rand(st) % 8];
    c.right = (int)(test_rand(st) % 2);
    c.label_right = (int)(test_rand(st) % 2);
    c.origin = (int)(test_rand(st) % 4);
    c.offset_min = (int)(test_rand(st) % 3);
    c.rows = 1 + (int)(test_rand(st) % 5);
    c.snap_kind = (int)(test_rand(st) % 4);
    if (c.snap_kind == 2) c.snap_kind = 0; /* none, time or points */
    if (c.bin_kind == OUPS_SEG_CALLBACK) c.right = 0; /* the test's callback is left-closed */
    c.snap_freq = snap_freqs[test_rand(st) % 4];
    c.snap_label = (int)(test_rand(st) % 2);
    c.grouped = (int)(test_rand(st) % 3);
    c.points_seed = test_rand(st);
    return c;
}

/* n rows from BASE on: gaps 0..3 minutes (many duplicates), groups A/B/C, ~10% nulls in x. */
static oups_table *random_data(uint64_t *st, int64_t n) {
    oups_datatype tst = oups_type_timestamp(OUPS_UNIT_NS, NULL), s = oups_type(OUPS_TYPE_STRING);
    oups_datatype types[NCOLS] = {tst, s, oups_type(OUPS_TYPE_FLOAT64), oups_type(OUPS_TYPE_INT64),
                                  oups_type(OUPS_TYPE_INT32), oups_type(OUPS_TYPE_UINT16), oups_type(OUPS_TYPE_FLOAT32),
                                  oups_type(OUPS_TYPE_BOOL)};
    oups_builder *b[NCOLS];
    oups_column *cols[NCOLS];
    for (int c = 0; c < NCOLS; c++)
        if (oups_builder_new(&b[c], &types[c], n) < 0) return NULL;
    int64_t t = BASE + (int64_t)(test_rand(st) % 5) * MIN_NS;
    int rc = 0;
    for (int64_t i = 0; i < n && rc == 0; i++) {
        uint64_t r = test_rand(st);
        t += (int64_t)(r % 4) * MIN_NS * (r % 7 == 0 ? 0 : 1) + (r % 3 == 0 ? 0 : (int64_t)(r % 60) * 1000000000);
        char g = (char)('A' + (r >> 8) % 3);
        rc |= oups_builder_append_int(b[0], t);
        rc |= oups_builder_append_bytes(b[1], &g, 1);
        if ((r >> 12) % 10 == 0) rc |= oups_builder_append_null(b[2]);
        else rc |= oups_builder_append_double(b[2], (double)((int64_t)(r >> 20) % 2000 - 1000) / 7.0);
        rc |= oups_builder_append_int(b[3], (int64_t)(r >> 24) % 100000 - 50000);
        if ((r >> 14) % 13 == 0) rc |= oups_builder_append_null(b[4]);
        else rc |= oups_builder_append_int(b[4], (int64_t)(r >> 30) % 1000 - 500);
        rc |= oups_builder_append_int(b[5], (int64_t)(r >> 40) % 65536);
        rc |= oups_builder_append_double(b[6], (double)((r >> 44) % 1000) / 3.0);
        rc |= oups_builder_append_bool(b[7], (r >> 50) & 1);
    }
    for (int c = 0; c < NCOLS; c++) {
        if (rc == 0) rc = oups_builder_finish(&cols[c], b[c]);
        oups_builder_free(b[c]);
    }
    return rc == 0 ? sa_table(NCOLS, COLS, cols) : NULL;
}

/* Random sorted cut points (duplicates = empty chunks). */
static int random_cuts(uint64_t *st, int64_t *cuts, int64_t n) {
    int k = (int)(test_rand(st) % 6);
    for (int i = 0; i < k; i++) cuts[i] = (int64_t)(test_rand(st) % (uint64_t)(n + 1));
    for (int i = 1; i < k; i++)
        for (int j = i; j > 0 && cuts[j] < cuts[j - 1]; j--) {
            int64_t x = cuts[j];
            cuts[j] = cuts[j - 1];
            cuts[j - 1] = x;
        }
    return k;
}

static const char *const BY[] = {"g", "b"};

/* One trial in process: one-shot vs chunks with save/load into a new aggregator. */
static int trial_in_process(const cfg *c, const oups_table *t, const int64_t *cuts, int k) {
    oups_segagg *a = NULL;
    int64_t *pts = NULL;
    oups_table *one_b = NULL, *one_s = NULL, *acc_b = NULL, *acc_s = NULL;
    int ok = 1;
    if (build(&a, c, &pts) < 0 || oups_segagg_process(&one_b, &one_s, a, t) < 0) {
        fprintf(stderr, "  one-shot failed: %s\n", oups_error_last());
        ok = 0;
    }
    oups_segagg_free(a);
    free(pts);
    uint8_t *blob = NULL;
    size_t len = 0;
    int64_t prev = 0, n = oups_table_num_rows(t);
    for (int i = 0; ok && i <= k; i++) {
        int64_t end = i < k ? cuts[i] : n;
        oups_table *chunk = NULL, *b = NULL, *s = NULL;
        ok = build(&a, c, &pts) == 0 && (!blob || oups_segagg_load(a, blob, len) == 0) &&
             oups_table_slice(&chunk, t, prev, end - prev) == 0 && oups_segagg_process(&b, &s, a, chunk) == 0;
        oups_mem_free(blob);
        blob = NULL;
        if (ok) ok = oups_segagg_save(&blob, &len, a) == 0;
        if (!ok) fprintf(stderr, "  chunk %d failed: %s\n", i, oups_error_last());
        acc_b = consolidate(acc_b, b, "ts", BY, c->grouped, false);
        acc_s = consolidate(acc_s, s, "ts", BY, c->grouped, true);
        oups_table_free(chunk);
        oups_table_free(b);
        oups_table_free(s);
        oups_segagg_free(a);
        free(pts);
        prev = end;
    }
    oups_mem_free(blob);
    if (ok) ok = same_table(one_b, acc_b, "bins") && (!one_s || same_table(one_s, acc_s, "snapshots"));
    oups_table_free(one_b);
    oups_table_free(one_s);
    oups_table_free(acc_b);
    oups_table_free(acc_s);
    return ok;
}

/* Child mode: argv = child CFG STATE CHUNK BINS SNAPS. */
static int child_main(char **argv) {
    cfg c;
    if (decode(&c, argv[2]) < 0) return 2;
    oups_segagg *a = NULL;
    int64_t *pts = NULL;
    oups_table *chunk = NULL, *b = NULL, *s = NULL;
    uint8_t buf[1 << 16], *out = NULL;
    size_t len = 0;
    int rc = build(&a, &c, &pts);
    FILE *f = fopen(argv[3], "rb");
    if (rc == 0 && f) {
        size_t got = fread(buf, 1, sizeof buf, f);
        rc = oups_segagg_load(a, buf, got);
    }
    if (f) fclose(f);
    if (rc == 0) rc = oups_parquet_read(&chunk, argv[4]);
    if (rc == 0) rc = oups_segagg_process(&b, &s, a, chunk);
    if (rc == 0) rc = oups_parquet_write(argv[5], b, NULL);
    if (rc == 0 && s) rc = oups_parquet_write(argv[6], s, NULL);
    if (rc == 0) rc = oups_segagg_save(&out, &len, a);
    if (rc == 0 && (f = fopen(argv[3], "wb")) != NULL) {
        if (fwrite(out, 1, len, f) != len) rc = -1;
        fclose(f);
    }
    if (rc < 0) fprintf(stderr, "child: %s\n", oups_error_last());
    oups_mem_free(out);
    oups_table_free(chunk);
    oups_table_free(b);
    oups_table_free(s);
    oups_segagg_free(a);
    free(pts);
    return rc < 0 ? 1 : 0;
}

static const char *self_path;

/* One trial across processes (a child per chunk). */
static int trial_processes(const cfg *c, const oups_table *t, const int64_t *cuts, int k, const char *dir) {
    oups_segagg *a = NULL;
    int64_t *pts = NULL;
    oups_table *one_b = NULL, *one_s = NULL, *acc_b = NULL, *acc_s = NULL;
    int ok = build(&a, c, &pts) == 0 && oups_segagg_process(&one_b, &one_s, a, t) == 0;
    oups_segagg_free(a);
    free(pts);
    char state[512], chunkf[512], bf[512], sf[512], cmd[4096], enc[256];
    snprintf(state, sizeof state, "%s/state.bin", dir);
    snprintf(chunkf, sizeof chunkf, "%s/chunk.parquet", dir);
    snprintf(bf, sizeof bf, "%s/bins.parquet", dir);
    snprintf(sf, sizeof sf, "%s/snaps.parquet", dir);
    unlink(state);
    encode(enc, sizeof enc, c);
    int64_t prev = 0, n = oups_table_num_rows(t);
    for (int i = 0; ok && i <= k; i++) {
        int64_t end = i < k ? cuts[i] : n;
        oups_table *chunk = NULL, *b = NULL, *s = NULL;
        ok = oups_table_slice(&chunk, t, prev, end - prev) == 0 && oups_parquet_write(chunkf, chunk, NULL) == 0;
        snprintf(cmd, sizeof cmd, "%s child %s %s %s %s %s", self_path, enc, state, chunkf, bf, sf);
        if (ok) ok = system(cmd) == 0 && oups_parquet_read(&b, bf) == 0 && (!one_s || oups_parquet_read(&s, sf) == 0);
        acc_b = consolidate(acc_b, b, "ts", BY, c->grouped, false);
        acc_s = consolidate(acc_s, s, "ts", BY, c->grouped, true);
        oups_table_free(chunk);
        oups_table_free(b);
        oups_table_free(s);
        prev = end;
    }
    if (ok) ok = same_table(one_b, acc_b, "bins (processes)") && (!one_s || same_table(one_s, acc_s, "snapshots (processes)"));
    oups_table_free(one_b);
    oups_table_free(one_s);
    oups_table_free(acc_b);
    oups_table_free(acc_s);
    return ok;
}

static void run_trials(int n_trials, bool processes) {
    uint64_t st = tests_seed() * 7919 + (processes ? 1 : 0);
    char dir[] = "/tmp/oups_segagg_props_XXXXXX";
    if (processes && !mkdtemp(dir)) {
        test_failed_flag = 1;
        return;
    }
    for (int trial = 0; trial < n_trials; trial++) {
        cfg c = random_cfg(&st);
        int64_t n = (int64_t)(test_rand(&st) % (processes ? 60 : 250));
        oups_table *t = random_data(&st, n);
        int64_t cuts[8];
        int k = random_cuts(&st, cuts, n);
        int ok = processes ? trial_processes(&c, t, cuts, k, dir) : trial_in_process(&c, t, cuts, k);
        if (!ok) {
            char enc[256];
            encode(enc, sizeof enc, &c);
            fprintf(stderr, "  trial %d failed: cfg %s, %lld rows, %d cuts:", trial, enc, (long long)n, k);
            for (int i = 0; i < k; i++) fprintf(stderr, " %lld", (long long)cuts[i]);
            fprintf(stderr, "\n");
            test_failed_flag = 1;
            oups_table_free(t);
            break;
        }
        oups_table_free(t);
    }
    if (processes) {
        char cmd[600];
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        if (system(cmd) != 0) test_failed_flag = 1;
    }
}

TEST(chunked_equals_one_shot) { run_trials(600, false); }
TEST(chunked_across_processes) { run_trials(25, true); }

int main(int argc, char **argv) {
    if (argc >= 7 && strcmp(argv[1], "child") == 0) return child_main(argv);
    self_path = argv[0];
    static const test_fn fns[] = {chunked_equals_one_shot, chunked_across_processes};
    static const char *const names[] = {"chunked_equals_one_shot", "chunked_across_processes"};
    return test_run("ops.segagg_props", argc, argv, names, fns, 2);
}
