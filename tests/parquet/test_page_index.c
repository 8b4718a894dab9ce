// labels: quick
/*
 * tests/parquet/test_page_index.c: the read side of the page index. Pages listed from the
 * OffsetIndex cover the row group in order, the ColumnIndex bounds of a sorted column are its
 * first and last value per page; row-range reads equal a whole read sliced, for random ranges
 * over every column type (nulls, dictionaries, both page versions), and decode no page that
 * does not overlap the range (counted); files without a page index read the same; damage in
 * the index bytes is an error or changes nothing, never wrong rows. Page checksums (write
 * option page_checksums): any one damaged byte of any page (header or data, dictionary pages
 * included) fails every read that decodes it, a row-range read is right or an error, a
 * caller's stale checksum entry is dropped, older option structs write none.
 */
#include "gen_table.h"
#include "pq_mem.h"

static int overlapping(const oups_parquet_page *p, int n, int64_t lo, int64_t hi) {
    int k = 0;
    for (int i = 0; i < n; i++) k += p[i].first_row < hi && p[i].first_row + p[i].n_rows > lo;
    return k ? k : (n > 0); /* an empty range still decodes one page */
}

/* read_rows(rg, lo, hi) == read(rg) sliced; pages decoded <= those overlapping [lo, hi). */
static void check_range(oups_parquet_reader *r, const oups_table *whole_rg, int rg, int64_t lo, int64_t hi,
                        bool indexed) {
    int64_t before = oups_parquet_reader_pages_decoded(r), bound = 0;
    for (int c = 0; c < oups_parquet_reader_num_columns(r); c++) {
        oups_parquet_page *p;
        int n;
        CHECK_OK(oups_parquet_reader_pages(&p, &n, r, rg, c));
        CHECK(indexed ? n > 0 : n == 0);
        bound += indexed ? overlapping(p, n, lo, hi) : 0;
        oups_mem_free(p);
    }
    oups_table *got, *want;
    CHECK_OK(oups_parquet_reader_read_rows(&got, r, rg, lo, hi, NULL, 0));
    CHECK_OK(oups_table_slice(&want, whole_rg, lo, hi - lo));
    char desc[256] = "";
    bool eq = oups_table_equal(want, got, desc, sizeof desc);
    if (!eq) fprintf(stderr, "  rg %d rows [%lld, %lld): %s\n", rg, (long long)lo, (long long)hi, desc);
    CHECK(eq);
    if (indexed && hi > lo) CHECK(oups_parquet_reader_pages_decoded(r) - before <= bound);
    oups_table_free(got);
    oups_table_free(want);
}

static void random_ranges(const uint8_t *img, size_t len, bool indexed, uint64_t seed) {
    oups_parquet_reader *r;
    CHECK_OK(oups_parquet_reader_open_memory(&r, img, len, "mem.parquet"));
    uint64_t rs = seed;
    for (int rg = 0; rg < oups_parquet_reader_num_row_groups(r); rg++) {
        oups_table *whole;
        CHECK_OK(oups_parquet_reader_read(&whole, r, &rg, 1, NULL, 0));
        int64_t n = oups_table_num_rows(whole);
        for (int k = 0; k < 12; k++) {
            int64_t a = (int64_t)(test_rand(&rs) % (uint64_t)(n + 1)), b = (int64_t)(test_rand(&rs) % (uint64_t)(n + 1));
            if (k == 0) a = 0, b = n;
            if (k == 1) a = b = n / 2;
            check_range(r, whole, rg, a < b ? a : b, a < b ? b : a, indexed);
        }
        oups_table_free(whole);
    }
    oups_parquet_reader_free(r);
}

TEST(row_ranges_equal_sliced_reads) {
    oups_table *t;
    CHECK_OK(gen_table(&t, gen_all_cols, GEN_ALL_N, 2500, 15, tests_seed() + 7, -1));
    for (int v = 1; v <= 2; v++)
        for (int pidx = 0; pidx <= 1; pidx++) {
            oups_parquet_write_options o = OUPS_PARQUET_WRITE_OPTIONS_INIT;
            o.data_page_version = v;
            o.row_group_size = 1100;
            o.page_size = 900;
            o.page_index = pidx;
            uint8_t *img;
            size_t len;
            CHECK_OK(write_mem(&img, &len, t, &o));
            random_ranges(img, len, pidx, tests_seed() + (uint64_t)(10 * v + pidx));
            oups_mem_free(img);
        }
    oups_table_free(t);
}

TEST(pages_cover_the_row_group_with_bounds) {
    static const gen_col cols[] = {{"id", "int64"}, {"x", "float64"}};
    oups_table *t;
    CHECK_OK(gen_table(&t, cols, 2, 5000, 0, tests_seed(), -1));
    oups_parquet_write_options o = OUPS_PARQUET_WRITE_OPTIONS_INIT;
    o.page_index = true;
    o.page_size = 1024;
    o.row_group_size = 3000;
    uint8_t *img;
    size_t len;
    CHECK_OK(write_mem(&img, &len, t, &o));
    oups_parquet_reader *r;
    CHECK_OK(oups_parquet_reader_open_memory(&r, img, len, "mem.parquet"));
    int64_t base = 0;
    for (int rg = 0; rg < 2; rg++) {
        oups_parquet_page *p;
        int n;
        CHECK_OK(oups_parquet_reader_pages(&p, &n, r, rg, 0));
        CHECK(n > 3);
        int64_t at = 0;
        for (int i = 0; i < n; i++) {
            CHECK(p[i].first_row == at && p[i].n_rows > 0 && p[i].has_min_max);
            CHECK(p[i].min.v.i == base + at && p[i].max.v.i == base + at + p[i].n_rows - 1);
            at += p[i].n_rows;
        }
        CHECK(at == oups_parquet_reader_row_group_num_rows(r, rg));
        base += at;
        oups_mem_free(p);
    }
    CHECK_RC(oups_parquet_reader_pages(&(oups_parquet_page *){NULL}, &(int){0}, r, 2, 0), OUPS_EINVAL);
    CHECK_RC(oups_parquet_reader_read_rows(&(oups_table *){NULL}, r, 0, 10, 3001, NULL, 0), OUPS_EINVAL);
    const char *missing[] = {"nope"};
    CHECK_RC(oups_parquet_reader_read_rows(&(oups_table *){NULL}, r, 0, 0, 1, missing, 1), OUPS_ENOTFOUND);
    /* one column, a narrow range: one page decoded */
    const char *id[] = {"id"};
    int64_t before = oups_parquet_reader_pages_decoded(r);
    oups_table *s;
    CHECK_OK(oups_parquet_reader_read_rows(&s, r, 1, 1000, 1010, id, 1));
    CHECK(oups_parquet_reader_pages_decoded(r) - before == 1);
    CHECK(oups_table_num_rows(s) == 10 && oups_table_num_columns(s) == 1);
    oups_table_free(s);
    oups_parquet_reader_free(r);
    oups_mem_free(img);
    oups_table_free(t);
}

/* Flip bits in the page index bytes (between the last chunk and the footer): a range read is
 * an error or returns the right rows. */
TEST(damaged_index_is_an_error_or_harmless) {
    static const gen_col cols[] = {{"id", "int64"}, {"s", "string"}};
    oups_table *t;
    CHECK_OK(gen_table(&t, cols, 2, 3000, 10, tests_seed() + 3, -1));
    oups_parquet_write_options o = OUPS_PARQUET_WRITE_OPTIONS_INIT;
    o.page_index = true;
    o.page_size = 2048;
    uint8_t *img;
    size_t len;
    CHECK_OK(write_mem(&img, &len, t, &o));
    oups_pq_file_meta m;
    oups_pq_arena a = {0};
    CHECK_OK(footer(&m, &a, img, len));
    int64_t lo = m.row_groups[0].columns[0].column_index_offset;
    const oups_pq_column_chunk *last = &m.row_groups[0].columns[1];
    int64_t hi = last->offset_index_offset + last->offset_index_length;
    CHECK(lo > 0 && hi > lo);
    oups_parquet__arena_free(&a);
    uint64_t rs = tests_seed();
    for (int k = 0; k < 300; k++) {
        int64_t at = lo + (int64_t)(test_rand(&rs) % (uint64_t)(hi - lo));
        uint8_t bit = (uint8_t)(1u << (test_rand(&rs) % 8));
        img[at] ^= bit;
        oups_parquet_reader *r;
        CHECK_OK(oups_parquet_reader_open_memory(&r, img, len, "mem.parquet"));
        int64_t a0 = (int64_t)(test_rand(&rs) % 3000), b0 = a0 + (int64_t)(test_rand(&rs) % 200);
        if (b0 > 3000) b0 = 3000;
        oups_table *got = NULL, *want;
        int rc = oups_parquet_reader_read_rows(&got, r, 0, a0, b0, NULL, 0);
        CHECK(rc == 0 || rc == OUPS_ECORRUPT || rc == OUPS_EUNSUPPORTED);
        if (rc == 0) {
            CHECK_OK(oups_table_slice(&want, t, a0, b0 - a0));
            CHECK(oups_table_equal(want, got, NULL, 0));
            oups_table_free(want);
        }
        oups_table_free(got);
        oups_parquet_reader_free(r);
        img[at] ^= bit;
    }
    oups_mem_free(img);
    oups_table_free(t);
}

TEST(page_checksums_catch_every_damaged_page_byte) {
    oups_table *t;
    CHECK_OK(gen_table(&t, gen_all_cols, GEN_ALL_N, 1500, 15, tests_seed() + 11, -1));
    uint64_t rs = tests_seed();
    for (int v = 1; v <= 2; v++) {
        oups_parquet_write_options o = OUPS_PARQUET_WRITE_OPTIONS_INIT;
        o.data_page_version = v;
        o.row_group_size = 700;
        o.page_size = 900;
        o.page_index = v == 1; /* the checksums do not need the page index */
        o.page_checksums = true;
        const char *kk[] = {OUPS_PARQUET_PAGE_CRC_KEY, "x"}, *kvv[] = {"0badf00d", "y"};
        o.n_kv = 2, o.kv_keys = kk, o.kv_values = kvv; /* a stale entry (a copied file's) is dropped */
        uint8_t *img;
        size_t len;
        CHECK_OK(write_mem(&img, &len, t, &o));
        oups_parquet_reader *r;
        CHECK_OK(oups_parquet_reader_open_memory(&r, img, len, "mem.parquet"));
        CHECK(oups_parquet_reader_has_page_checksums(r));
        CHECK(oups_parquet_reader_kv_count(r) == 2 && strcmp(oups_parquet_reader_kv_get(r, "x"), "y") == 0);
        int64_t tail = oups_parquet_reader_tail_offset(r);
        oups_table *got;
        CHECK_OK(oups_parquet_reader_read(&got, r, NULL, 0, NULL, 0));
        CHECK(oups_table_equal(t, got, NULL, 0));
        CHECK(oups_parquet_reader_bytes_read(r) >= tail - 4);
        oups_table_free(got);
        oups_parquet_reader_free(r);
        CHECK(tail > 4 && tail < (int64_t)len);
        for (int k = 0; k < 200; k++) { /* pages fill [4, tail): every byte is a header or data byte */
            int64_t at = 4 + (int64_t)(test_rand(&rs) % (uint64_t)(tail - 4));
            uint8_t x = (uint8_t)(1 + test_rand(&rs) % 255);
            img[at] ^= x;
            CHECK_OK(oups_parquet_reader_open_memory(&r, img, len, "mem.parquet"));
            int rc = oups_parquet_reader_read(&got, r, NULL, 0, NULL, 0);
            if (rc == 0) fprintf(stderr, "  v%d: byte %lld ^ %02x not detected\n", v, (long long)at, x);
            CHECK(rc == OUPS_ECORRUPT || rc == OUPS_EUNSUPPORTED);
            int rg = (int)(test_rand(&rs) % 3);
            int64_t n = oups_parquet_reader_row_group_num_rows(r, rg), a0 = (int64_t)(test_rand(&rs) % (uint64_t)n);
            int64_t b0 = a0 + (int64_t)(test_rand(&rs) % 50);
            if (b0 > n) b0 = n;
            oups_table *want;
            rc = oups_parquet_reader_read_rows(&got, r, rg, a0, b0, NULL, 0);
            CHECK(rc == 0 || rc == OUPS_ECORRUPT || rc == OUPS_EUNSUPPORTED);
            if (rc == 0) {
                CHECK_OK(oups_table_slice(&want, t, (int64_t)rg * 700 + a0, b0 - a0));
                CHECK(oups_table_equal(want, got, NULL, 0));
                oups_table_free(want);
                oups_table_free(got);
            }
            oups_parquet_reader_free(r);
            img[at] ^= x;
        }
        oups_mem_free(img);
    }
    oups_parquet_write_options o2 = OUPS_PARQUET_WRITE_OPTIONS_INIT;
    o2.version = 2; /* an older struct: no page_checksums field, none written */
    uint8_t *img;
    size_t len;
    CHECK_OK(write_mem(&img, &len, t, &o2));
    oups_parquet_reader *r;
    CHECK_OK(oups_parquet_reader_open_memory(&r, img, len, "mem.parquet"));
    CHECK(!oups_parquet_reader_has_page_checksums(r));
    oups_parquet_reader_free(r);
    oups_mem_free(img);
    oups_table_free(t);
}

RUN_TESTS("parquet.page_index", row_ranges_equal_sliced_reads, pages_cover_the_row_group_with_bounds,
          damaged_index_is_an_error_or_harmless, page_checksums_catch_every_damaged_page_byte)
