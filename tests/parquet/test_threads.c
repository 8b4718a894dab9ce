// labels: quick
/*
 * tests/parquet/test_threads.c: the parallel writer and reader. Thread counts 1, 2 and 7 write
 * byte-identical files (every type, nulls, several row groups and pages, page index, both page
 * versions, every encoding choice) and read them back to equal tables; a failure reports the
 * same error (the first failing column's) whatever the thread count, on write (a value out of
 * range in two columns) and on read (a damaged chunk in two columns); a failed parallel write
 * leaves no file; allocation failures under two threads return OUPS_ENOMEM and leak nothing
 * (the fault hook runs tasks inline, so this also checks that path).
 */
#include <unistd.h>

#include "gen_table.h"
#include "pq_mem.h"

static const int thread_counts[] = {1, 2, 7};

static int write_threads(uint8_t **img, size_t *len, const oups_table *t, oups_parquet_write_options o, int threads) {
    o.threads = threads;
    return write_mem(img, len, t, &o);
}

static int read_threads(oups_table **out, const uint8_t *img, size_t len, int threads) {
    oups_parquet_reader *r;
    int rc = oups_parquet_reader_open_memory(&r, img, len, "mem");
    if (rc) return rc;
    oups_parquet_reader_set_threads(r, threads);
    rc = oups_parquet_reader_read(out, r, NULL, 0, NULL, 0);
    oups_parquet_reader_free(r);
    return rc;
}

TEST(identical_bytes) {
    oups_table *t;
    CHECK_OK(gen_table(&t, gen_all_cols, GEN_ALL_N, 2500, 10, tests_seed() + 50, -1));
    for (int variant = 0; variant < 4; variant++) {
        oups_parquet_write_options o = OUPS_PARQUET_WRITE_OPTIONS_INIT;
        o.row_group_size = 900;
        o.page_size = 2000;
        o.page_index = variant & 1;
        o.data_page_version = variant & 2 ? 2 : 1;
        if (variant == 3) o.encoding = OUPS_PARQUET_ENCODING_PLAIN;
        uint8_t *ref = NULL, *img = NULL;
        size_t ref_len = 0, len = 0;
        CHECK_OK(write_threads(&ref, &ref_len, t, o, 1));
        for (int k = 1; k < 3; k++) {
            CHECK_OK(write_threads(&img, &len, t, o, thread_counts[k]));
            bool same = len == ref_len && memcmp(img, ref, len) == 0;
            if (!same) fprintf(stderr, "  variant %d: %d threads differ from 1\n", variant, thread_counts[k]);
            oups_mem_free(img);
            CHECK(same);
        }
        for (int k = 0; k < 3; k++) {
            oups_table *back;
            CHECK_OK(read_threads(&back, ref, ref_len, thread_counts[k]));
            CHECK(oups_table_equal(t, back, NULL, 0) == 1);
            oups_table_free(back);
        }
        oups_mem_free(ref);
    }
    oups_table_free(t);
}

/* Two timestamp[s] columns holding a value beyond the millisecond range. */
TEST(same_write_error) {
    oups_datatype ts = oups_type_timestamp(OUPS_UNIT_S, NULL);
    int64_t v[4] = {1, 2, INT64_MAX / 10, 4};
    const char *names[4] = {"a", "b", "c", "d"};
    oups_column *c[4];
    for (int i = 0; i < 4; i++) {
        int64_t w[4] = {1, 2, 3, 4};
        CHECK_OK(oups_column_from_values(&c[i], &ts, i == 1 || i == 3 ? v : w, 4, NULL));
    }
    oups_table *t;
    CHECK_OK(oups_table_new(&t, 4, names, c));
    for (int i = 0; i < 4; i++) oups_column_release(c[i]);
    char first[512] = "";
    char path[128];
    snprintf(path, sizeof path, "/tmp/oups-test-threads-%ld.parquet", (long)getpid());
    for (int k = 0; k < 3; k++) {
        uint8_t *img;
        size_t len;
        oups_parquet_write_options o = OUPS_PARQUET_WRITE_OPTIONS_INIT;
        CHECK_RC(write_threads(&img, &len, t, o, thread_counts[k]), OUPS_EOVERFLOW);
        CHECK(strstr(oups_error_last(), "column 'b'"));
        if (k == 0) snprintf(first, sizeof first, "%s", oups_error_last());
        CHECK(strcmp(first, oups_error_last()) == 0);
        o.threads = thread_counts[k];
        CHECK_RC(oups_parquet_write(path, t, &o), OUPS_EOVERFLOW);
        CHECK(!gen_exists(path));
    }
    oups_table_free(t);
}

/* Find the first data page header of column `col` in row group 0 and flip its body. */
static void damage(uint8_t *img, size_t len, int col) {
    oups_pq_file_meta m;
    oups_pq_arena a = {0};
    if (footer(&m, &a, img, len) == 0) {
        const oups_pq_column_meta *cm = &m.row_groups[0].columns[col].meta;
        int64_t start = cm->dictionary_page_offset >= 4 ? cm->dictionary_page_offset : cm->data_page_offset;
        for (int64_t i = start + 40; i < start + cm->total_compressed_size - 8 && i < start + 400; i += 3)
            img[i] ^= 0x5a;
    }
    oups_parquet__arena_free(&a);
}

TEST(same_read_error) {
    oups_table *t;
    CHECK_OK(gen_table(&t, gen_all_cols, GEN_ALL_N, 3000, 10, tests_seed() + 51, -1));
    uint8_t *img;
    size_t len;
    oups_parquet_write_options o = OUPS_PARQUET_WRITE_OPTIONS_INIT;
    CHECK_OK(write_threads(&img, &len, t, o, 1));
    damage(img, len, 11); /* f64 */
    damage(img, len, 16); /* s */
    char first[1024] = "";
    int first_rc = 0;
    for (int k = 0; k < 3; k++) {
        oups_table *back = NULL;
        int rc = read_threads(&back, img, len, thread_counts[k]);
        CHECK(rc < 0 && back == NULL);
        if (k == 0) first_rc = rc, snprintf(first, sizeof first, "%s", oups_error_last());
        CHECK(rc == first_rc && strcmp(first, oups_error_last()) == 0);
    }
    CHECK(strstr(first, "'f64'"));
    oups_mem_free(img);
    oups_table_free(t);
}

/* Every allocation failed in turn while two threads are asked for. */
TEST(alloc_faults) {
    oups_table *t;
    CHECK_OK(gen_table(&t, gen_all_cols, GEN_ALL_N, 300, 10, tests_seed() + 52, -1));
    oups_parquet_write_options o = OUPS_PARQUET_WRITE_OPTIONS_INIT;
    o.row_group_size = 150;
    for (int64_t n = 1;; n += 7) {
        uint8_t *img = NULL;
        size_t len = 0;
        oups_fault_alloc_after(n, OUPS_FAULT_ONCE);
        int rc = write_threads(&img, &len, t, o, 2);
        oups_table *back = NULL;
        if (rc == 0) rc = read_threads(&back, img, len, 2);
        int64_t hits = oups_fault_alloc_off();
        oups_table_free(back);
        oups_mem_free(img);
        CHECK(rc == 0 || rc == OUPS_ENOMEM);
        if (hits == 0) {
            CHECK_OK(rc);
            break;
        }
    }
    oups_table_free(t);
}

RUN_TESTS("parquet.threads", identical_bytes, same_write_error, same_read_error, alloc_faults)
