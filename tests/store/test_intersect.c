// labels: quick
/*
 * tests/store/test_intersect.c: iter_intersections reads only the pages a window needs.
 * Property: on random datasets (1 to 3, int64 keys with runs of equal keys across row groups,
 * many small pages, an int64 and a string column) and random windows (start, end, both,
 * neither) and n_prev, every step (datasets, rows) equals the iteration without page cutting
 * (oups_store__intersect_cut off), and the data pages decoded are at most, per row group the
 * iteration reads, every column's pages overlapping the rows of the key pages that meet the
 * window extended by n_prev rows before them (plus whole row groups n_prev takes from before
 * the window); a narrow window decodes fewer pages than the uncut iteration.
 */
#include <limits.h>

#include "store_util.h"

#define NCOL 3

static void make_table(oups_table **out, int64_t n, int64_t k0, uint64_t *rs) {
    oups_datatype it = oups_type(OUPS_TYPE_INT64), st = oups_type(OUPS_TYPE_STRING);
    oups_builder *b[NCOL];
    oups_column *c[NCOL];
    CHECK_OK(oups_builder_new(&b[0], &it, n));
    CHECK_OK(oups_builder_new(&b[1], &it, n));
    CHECK_OK(oups_builder_new(&b[2], &st, n));
    int64_t k = k0;
    for (int64_t i = 0; i < n; i++) {
        k += test_rand(rs) % 4 == 0 ? 0 : (int64_t)(test_rand(rs) % 3); /* runs of equal keys */
        char s[16];
        int len = snprintf(s, sizeof s, "s%d", (int)(test_rand(rs) % 9));
        CHECK_OK(oups_builder_append_int(b[0], k));
        CHECK_OK(oups_builder_append_int(b[1], (int64_t)test_rand(rs)));
        CHECK_OK(oups_builder_append_bytes(b[2], s, len));
    }
    for (int j = 0; j < NCOL; j++) {
        CHECK_OK(oups_builder_finish(&c[j], b[j]));
        oups_builder_free(b[j]);
    }
    const char *names[NCOL] = {"k", "v", "s"};
    CHECK_OK(oups_table_new(out, NCOL, names, c));
    for (int j = 0; j < NCOL; j++) oups_column_release(c[j]);
}

/* The steps of an iteration, as one string of step tables rendered by their rows. */
typedef struct run {
    int64_t n_steps;
    oups_table **tables; /* n_steps * n_ds, NULL where a dataset is not in the step */
    int64_t pages;       /* pages decoded, all datasets */
} run;

static void iterate(run *out, oups_opd **ds, int n, const oups_intersections_options *o, bool cut) {
    oups_store__intersect_cut = cut;
    oups_opd_read_stats before[3], after;
    for (int i = 0; i < n; i++) oups_opd_read_stats_get(&before[i], ds[i]);
    oups_intersections *it;
    CHECK_OK(oups_intersections_open(&it, ds, n, o));
    memset(out, 0, sizeof *out);
    int64_t cap = 0;
    for (;;) {
        bool done;
        CHECK_OK(oups_intersections_next(it, &done));
        if (done) break;
        if (out->n_steps == cap) {
            cap = cap ? 2 * cap : 64;
            out->tables = realloc(out->tables, (size_t)(cap * n) * sizeof *out->tables);
            CHECK(out->tables);
        }
        oups_table **row = out->tables + out->n_steps * n;
        for (int i = 0; i < n; i++) row[i] = NULL;
        for (int j = 0; j < oups_intersections_count(it); j++)
            row[oups_intersections_index(it, j)] = oups_table_retain((oups_table *)oups_intersections_table(it, j));
        out->n_steps++;
    }
    oups_intersections_free(it);
    oups_store__intersect_cut = true;
    for (int i = 0; i < n; i++) {
        oups_opd_read_stats_get(&after, ds[i]);
        out->pages += after.pages_decoded - before[i].pages_decoded;
    }
}

static void run_free(run *r, int n) {
    for (int64_t k = 0; k < r->n_steps * n; k++) oups_table_free(r->tables[k]);
    free(r->tables);
}

static bool same(const oups_table *a, const oups_table *b) {
    if (!a || !b) return a == b;
    if (oups_table_num_rows(a) == 0 || oups_table_num_rows(b) == 0)
        return oups_table_num_rows(a) == oups_table_num_rows(b);
    char desc[200];
    bool eq = oups_table_equal(a, b, desc, sizeof desc);
    if (!eq) fprintf(stderr, "  %s\n", desc);
    return eq;
}

/* Pages of row group i of dataset opd overlapping rows [r0, r1) (every column; an empty span
 * still decodes one page per column), or all of them (r0 < 0). */
static void pages_in(int64_t *total, const oups_opd *opd, int64_t i, int64_t r0, int64_t r1) {
    char path[PATH_MAX];
    oups_store__rg_path(path, opd, i);
    oups_parquet_reader *r;
    CHECK_OK(oups_parquet_reader_open(&r, path));
    for (int c = 0; c < NCOL; c++) {
        oups_parquet_page *p;
        int n;
        CHECK_OK(oups_parquet_reader_pages(&p, &n, r, 0, c));
        for (int k = 0; k < n; k++) *total += r0 < 0 || (p[k].first_row < r1 && p[k].first_row + p[k].n_rows > r0);
        *total += r0 >= 0 && r1 == r0 && n > 0;
        oups_mem_free(p);
    }
    oups_parquet_reader_free(r);
}

/* Rows of row group i that its key pages meeting [lo, hi) hold (hi NULL: unbounded). */
static void key_span(int64_t *r0, int64_t *r1, const oups_opd *opd, int64_t i, int64_t lo, const int64_t *hi) {
    *r0 = 0;
    *r1 = opd->stats.n_rows[i];
    if (lo <= opd->stats.mins[i] && (!hi || *hi > opd->stats.maxs[i])) return;
    char path[PATH_MAX];
    oups_store__rg_path(path, opd, i);
    oups_parquet_reader *r;
    CHECK_OK(oups_parquet_reader_open(&r, path));
    oups_parquet_page *p;
    int n;
    CHECK_OK(oups_parquet_reader_pages(&p, &n, r, 0, 0));
    int a = 0, b = n;
    while (a < n && p[a].max.v.i < lo) a++;
    while (hi && b > a && p[b - 1].min.v.i >= *hi) b--;
    *r0 = a < n ? p[a].first_row : *r1;
    *r1 = b > a ? p[b - 1].first_row + p[b - 1].n_rows : *r0;
    oups_mem_free(p);
    oups_parquet_reader_free(r);
}

/* The bound on pages decoded for dataset opd (see the header comment). */
static void bound(int64_t *total, const oups_opd *opd, bool has_lo, int64_t lo, const int64_t *hi, int64_t n_prev) {
    const store_stats *s = &opd->stats;
    if (s->n == 0) return;
    /* groups: row groups sharing boundary keys; f = first with max >= lo, l = first with min >= hi */
    int64_t f = 0, l = s->n; /* in row groups, at group boundaries */
    if (has_lo) {
        int64_t g0 = 0;
        for (int64_t i = 0; i < s->n; i++) {
            if (i > 0 && s->mins[i] != s->maxs[i - 1]) g0 = i;
            if (s->maxs[i] >= lo && (i + 1 == s->n || s->mins[i + 1] != s->maxs[i])) {
                f = g0;
                break;
            }
            if (i + 1 == s->n) f = s->n;
        }
    }
    if (hi) {
        l = f;
        while (l < s->n && s->mins[l] < *hi) l++;
        while (l < s->n && l > 0 && s->mins[l] == s->maxs[l - 1]) l++; /* whole groups */
    }
    for (int64_t i = f; i < l; i++) {
        int64_t r0, r1;
        key_span(&r0, &r1, opd, i, has_lo ? lo : INT64_MIN, hi);
        r0 = r0 > n_prev ? r0 - n_prev : 0;
        pages_in(total, opd, i, r0, r1);
    }
    int64_t have = 0; /* row groups n_prev may take before the window */
    for (int64_t i = f - 1; has_lo && i >= 0 && have < n_prev; i--) {
        pages_in(total, opd, i, -1, -1);
        have += s->n_rows[i];
    }
}

TEST(cut_iteration_equals_uncut) {
    su_use_tmpfs();
    char *root = su_tmpdir();
    CHECK(root);
    uint64_t rs = tests_seed();
    int64_t cases = 0, narrow_less = 0;
    for (int round = 0; round < 12; round++) {
        int n = 1 + (int)(test_rand(&rs) % 3);
        oups_opd *ds[3];
        oups_parquet_write_options pq = OUPS_PARQUET_WRITE_OPTIONS_INIT;
        pq.page_size = 128 + (int64_t)(test_rand(&rs) % 512);
        for (int i = 0; i < n; i++) {
            char p[600];
            snprintf(p, sizeof p, "%s/r%d_%d", root, round, i);
            CHECK_OK(oups_opd_open(&ds[i], p, NULL));
            oups_table *t;
            make_table(&t, 200 + (int64_t)(test_rand(&rs) % 1500), (int64_t)(test_rand(&rs) % 50), &rs);
            oups_store_write_options o = OUPS_STORE_WRITE_OPTIONS_INIT;
            o.ordered_on = "k";
            o.row_group_rows = 100 + (int64_t)(test_rand(&rs) % 300);
            o.parquet = &pq;
            CHECK_OK(oups_opd_write(ds[i], t, &o));
            oups_table_free(t);
        }
        for (int w = 0; w < 10; w++) {
            int64_t a = (int64_t)(test_rand(&rs) % 1200), b = a + (int64_t)(test_rand(&rs) % 300), np[3];
            int mode = (int)(test_rand(&rs) % 4); /* 0 both bounds, 1 start, 2 end, 3 none */
            for (int i = 0; i < n; i++) np[i] = test_rand(&rs) % 3 ? (int64_t)(test_rand(&rs) % 80) : 0;
            oups_scalar lo = {.type = oups_type(OUPS_TYPE_INT64), .v.i = a}, hi = {.type = oups_type(OUPS_TYPE_INT64), .v.i = b};
            oups_intersections_options o = OUPS_INTERSECTIONS_OPTIONS_INIT;
            o.start = mode <= 1 ? &lo : NULL;
            o.end_excl = mode == 0 || mode == 2 ? &hi : NULL;
            o.n_prev = np;
            run cut, whole;
            iterate(&cut, ds, n, &o, true);
            iterate(&whole, ds, n, &o, false);
            CHECK(cut.n_steps == whole.n_steps);
            for (int64_t k = 0; k < cut.n_steps * n; k++) CHECK(same(cut.tables[k], whole.tables[k]));
            int64_t lim = 0;
            for (int i = 0; i < n; i++) bound(&lim, ds[i], o.start != NULL, a, o.end_excl ? &b : NULL, np[i]);
            if (cut.pages > lim)
                fprintf(stderr, "  round %d window %d (mode %d, [%lld, %lld)): %lld pages decoded > bound %lld\n", round,
                        w, mode, (long long)a, (long long)b, (long long)cut.pages, (long long)lim);
            CHECK(cut.pages <= lim);
            CHECK(cut.pages <= whole.pages);
            narrow_less += mode == 0 && cut.pages < whole.pages;
            cases++;
            run_free(&cut, n);
            run_free(&whole, n);
        }
        for (int i = 0; i < n; i++) oups_opd_close(ds[i]);
    }
    fprintf(stderr, "  %lld windows; %lld bounded windows decoded fewer pages than the uncut iteration\n",
            (long long)cases, (long long)narrow_less);
    CHECK(narrow_less > 0);
    su_rmrf(root);
}

RUN_TESTS("store.intersect", cut_iteration_equals_uncut)
