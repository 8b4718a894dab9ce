// labels: quick
/*
 * tests/store/test_range.c: key-range reads pruned by row-group stats and by the page index.
 * Property: on random datasets (int64 or float64 keys with runs of equal keys, several row
 * groups of many small pages, a string column with nulls) and random ranges (both bounds, one,
 * none, empty, a single key), oups_opd_read_range equals the full read filtered on the key,
 * with and without a column projection; the row groups read are exactly those whose [min,
 * max] meets the range, and the pages decoded in each are at most the pages (of every
 * column) overlapping the rows of the key pages that meet the range; a narrow range decodes
 * fewer pages than a full read. Row-group files without a page index (other writers) give
 * the same rows.
 */
#include <limits.h>

#include "store_util.h"

#define NCOL 3

static void make_table(oups_table **out, const int64_t *k, int64_t n, bool float_key, uint64_t *rs) {
    oups_datatype kt = oups_type(float_key ? OUPS_TYPE_FLOAT64 : OUPS_TYPE_INT64), it = oups_type(OUPS_TYPE_INT64),
                  st = oups_type(OUPS_TYPE_STRING);
    oups_builder *b[NCOL];
    oups_column *c[NCOL] = {0};
    CHECK_OK(oups_builder_new(&b[0], &kt, n));
    CHECK_OK(oups_builder_new(&b[1], &it, n));
    CHECK_OK(oups_builder_new(&b[2], &st, n));
    for (int64_t i = 0; i < n; i++) {
        CHECK_OK(float_key ? oups_builder_append_double(b[0], (double)k[i] / 4) : oups_builder_append_int(b[0], k[i]));
        CHECK_OK(oups_builder_append_int(b[1], (int64_t)test_rand(rs)));
        char s[32];
        int len = snprintf(s, sizeof s, "row-%lld", (long long)(test_rand(rs) % 1000));
        CHECK_OK(test_rand(rs) % 5 == 0 ? oups_builder_append_null(b[2]) : oups_builder_append_bytes(b[2], s, len));
    }
    for (int j = 0; j < NCOL; j++) {
        CHECK_OK(oups_builder_finish(&c[j], b[j]));
        oups_builder_free(b[j]);
    }
    const char *names[NCOL] = {"k", "v", "s"};
    CHECK_OK(oups_table_new(out, NCOL, names, c));
    for (int j = 0; j < NCOL; j++) oups_column_release(c[j]);
}

/* The pages a range read may decode in row group `rg` (file `path`): every column's pages
 * overlapping the rows of the key pages whose [min, max] meets [lo, hi); all pages when the
 * row group lies inside the range. */
static void page_bound(int64_t *out, const char *path, const oups_opd *opd, int64_t i, int64_t lo, int64_t hi) {
    oups_parquet_reader *r;
    CHECK_OK(oups_parquet_reader_open(&r, path));
    int64_t r0 = 0, r1 = oups_parquet_reader_num_rows(r), total = 0;
    oups_parquet_page *p;
    int n;
    bool inside = lo <= opd->stats.mins[i] && hi > opd->stats.maxs[i];
    CHECK_OK(oups_parquet_reader_pages(&p, &n, r, 0, 0));
    if (!inside) {
        int64_t a = -1, b = -1;
        for (int k = 0; k < n; k++) {
            int64_t mn, mx;
            CHECK_OK(oups_store__key_from_scalar(&mn, &p[k].min.type, &p[k].min));
            CHECK_OK(oups_store__key_from_scalar(&mx, &p[k].max.type, &p[k].max));
            if (mx >= lo && mn < hi) {
                if (a < 0) a = p[k].first_row;
                b = p[k].first_row + p[k].n_rows;
            }
        }
        r0 = a < 0 ? 0 : a;
        r1 = a < 0 ? 0 : b;
    }
    oups_mem_free(p);
    for (int c = 0; c < NCOL; c++) {
        CHECK_OK(oups_parquet_reader_pages(&p, &n, r, 0, c));
        for (int k = 0; k < n; k++) total += p[k].first_row < r1 && p[k].first_row + p[k].n_rows > r0;
        total += r1 == r0 && n > 0; /* an empty span still decodes a page per column */
        oups_mem_free(p);
    }
    oups_parquet_reader_free(r);
    *out += total;
}

static void check_one_range(oups_opd *opd, const oups_table *all, bool has_lo, int64_t lo, bool has_hi, int64_t hi,
                            bool project, bool indexed) {
    oups_scalar s_lo, s_hi;
    const oups_datatype *kt = oups_column_type(oups_table_column(all, 0));
    oups_store__key_to_scalar(&s_lo, kt, lo);
    oups_store__key_to_scalar(&s_hi, kt, hi);
    int64_t L = has_lo ? lo : INT64_MIN, H = has_hi ? hi : INT64_MAX;
    /* expected rows, row groups and page bound */
    int64_t n = oups_table_num_rows(all), *keys = malloc((size_t)n * 8);
    CHECK_OK(oups_store__key_extract(keys, oups_table_column(all, 0), "k"));
    int64_t a = oups_store__lower(keys, n, L), b = oups_store__lower(keys, n, H);
    if (b < a) b = a;
    free(keys);
    int64_t want_rgs = 0, bound = 0;
    for (int64_t i = 0; i < opd->stats.n; i++) {
        if (opd->stats.maxs[i] < L || opd->stats.mins[i] >= H) continue;
        want_rgs++;
        char path[PATH_MAX];
        oups_store__rg_path(path, opd, i);
        if (indexed) page_bound(&bound, path, opd, i, L, H);
    }
    oups_opd_read_stats before, after;
    oups_opd_read_stats_get(&before, opd);
    const char *cols[] = {"s", "v"};
    oups_table *got, *want0, *want;
    CHECK_OK(oups_opd_read_range(&got, opd, has_lo ? &s_lo : NULL, has_hi ? &s_hi : NULL, project ? cols : NULL,
                                 project ? 2 : 0));
    oups_opd_read_stats_get(&after, opd);
    CHECK_OK(oups_table_slice(&want0, all, a, b - a));
    if (project) CHECK_OK(oups_table_select(&want, want0, cols, 2));
    else want = oups_table_retain(want0);
    char desc[256] = "";
    bool eq = oups_table_num_rows(want) == 0 ? oups_table_num_rows(got) == 0 : oups_table_equal(want, got, desc, sizeof desc);
    if (!eq)
        fprintf(stderr, "  range [%s%lld, %s%lld) project %d: %s\n", has_lo ? "" : "-", (long long)lo, has_hi ? "" : "+",
                (long long)hi, project, desc);
    CHECK(eq);
    CHECK(after.row_groups_read - before.row_groups_read == want_rgs);
    if (indexed) {
        int64_t dec = after.pages_decoded - before.pages_decoded;
        if (dec > bound) fprintf(stderr, "  pages decoded %lld > bound %lld\n", (long long)dec, (long long)bound);
        CHECK(dec <= bound);
    }
    oups_table_free(got);
    oups_table_free(want0);
    oups_table_free(want);
}

/* Rewrite every row-group file without a page index, as another writer would (the metadata's
 * file checksums updated to match). */
static void strip_page_index(oups_opd **opd, const char *path) {
    store_meta m;
    CHECK_OK(oups_store__meta_read(&m, (*opd)->md_path));
    for (int64_t i = 0; i < m.stats.n; i++) {
        char p[PATH_MAX];
        oups_store__file_path(p, path, i, "");
        oups_table *t;
        CHECK_OK(oups_parquet_read(&t, p));
        oups_parquet_write_options o = OUPS_PARQUET_WRITE_OPTIONS_INIT;
        o.row_group_size = oups_table_num_rows(t);
        CHECK_OK(oups_parquet_write(p, t, &o));
        CHECK_OK(oups_store__file_crc(&m.stats.crcs[i], p));
        m.stats.tails[i] = -1; /* no page checksums: reads check the whole file */
        oups_table_free(t);
    }
    CHECK_OK(oups_store__meta_write((*opd)->md_path, &m));
    oups_store__meta_free(&m);
    oups_opd_close(*opd);
    CHECK_OK(oups_opd_open(opd, path, NULL));
}

TEST(random_ranges_match_filtered_full_reads) {
    su_use_tmpfs();
    uint64_t rs = tests_seed() + 11;
    for (int round = 0; round < 8; round++) {
        char *dir = su_tmpdir(), path[512];
        snprintf(path, sizeof path, "%s/ds", dir);
        bool float_key = round % 2;
        int64_t n = 200 + (int64_t)(test_rand(&rs) % 3000), *k = malloc((size_t)n * 8), at = -50;
        for (int64_t i = 0; i < n; i++) k[i] = at += (int64_t)(test_rand(&rs) % 4); /* runs of equal keys */
        oups_table *t;
        make_table(&t, k, n, float_key, &rs);
        oups_opd *opd;
        CHECK_OK(oups_opd_open(&opd, path, NULL));
        oups_parquet_write_options pq = OUPS_PARQUET_WRITE_OPTIONS_INIT;
        pq.page_size = 64 + (int64_t)(test_rand(&rs) % 512);
        pq.data_page_version = 1 + (int)(test_rand(&rs) % 2);
        oups_store_write_options o = OUPS_STORE_WRITE_OPTIONS_INIT;
        o.ordered_on = "k";
        o.row_group_rows = 100 + (int64_t)(test_rand(&rs) % 900);
        o.parquet = &pq;
        CHECK_OK(oups_opd_write(opd, t, &o));
        for (int pass = 0; pass < 2; pass++) {
            bool indexed = pass == 0;
            if (!indexed) strip_page_index(&opd, path);
            for (int q = 0; q < 25; q++) {
                int64_t lo = k[0] - 2 + (int64_t)(test_rand(&rs) % (uint64_t)(k[n - 1] - k[0] + 5));
                int64_t hi = lo + (q % 3 == 0 ? 1 : (int64_t)(test_rand(&rs) % (uint64_t)(k[n - 1] - k[0] + 5)));
                if (q == 5) hi = lo; /* empty */
                check_one_range(opd, t, q % 4 != 1, lo, q % 4 != 2, hi, q % 2, indexed);
            }
            if (indexed) { /* a single key decodes fewer pages than the whole dataset */
                oups_opd_read_stats s0, s1, s2;
                oups_opd_read_stats_get(&s0, opd);
                oups_table *all;
                CHECK_OK(oups_opd_read(&all, opd, NULL, 0));
                oups_opd_read_stats_get(&s1, opd);
                check_one_range(opd, t, true, k[n / 2], true, k[n / 2] + 1, false, true);
                oups_opd_read_stats_get(&s2, opd);
                CHECK(s2.pages_decoded - s1.pages_decoded < s1.pages_decoded - s0.pages_decoded);
                CHECK(oups_table_equal(all, t, NULL, 0));
                oups_table_free(all);
            }
        }
        CHECK_OK(oups_opd_check(opd));
        oups_opd_close(opd);
        oups_table_free(t);
        free(k);
        su_rmrf(dir);
    }
}

RUN_TESTS("store.range", random_ranges_match_filtered_full_reads)
