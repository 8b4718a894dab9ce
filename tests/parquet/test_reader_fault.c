// labels: fault
/*
 * tests/parquet/test_reader_fault.c: the reader under injected failures. Every allocation of
 * an open+read is failed in turn (OUPS_ENOMEM, nothing leaks, a later retry works), and every
 * open/pread (OUPS_EIO naming the file). Also a crafted file with two columns of one name
 * (patched from a writer image) is OUPS_EUNSUPPORTED, not a table with duplicate names.
 */
#include "harness.h"
#include "reader_text.h"
#include "util/util.h"

static int open_and_read(const char *path, oups_table **out) {
    oups_parquet_reader *r = NULL;
    int rc = oups_parquet_reader_open(&r, path);
    if (rc == 0) rc = oups_parquet_reader_read(out, r, NULL, 0, NULL, 0);
    if (rc == 0) {
        char *s = NULL;
        rc = oups_parquet_reader_meta_json(&s, r);
        oups_mem_free(s);
        if (rc) {
            oups_table_free(*out);
            *out = NULL;
        }
    }
    oups_parquet_reader_free(r);
    return rc;
}

TEST(every_allocation_failure_is_clean) {
    REQUIRE_CORPUS();
    const char *files[] = {"alltypes_plain.snappy.parquet", "delta_byte_array.parquet", "byte_array_decimal.parquet",
                           "datapage_v2_empty_datapage.snappy.parquet", "float16_nonzeros_and_nans.parquet"};
    for (int f = 0; f < 5; f++) {
        char path[1024];
        corpus_path(path, sizeof path, files[f]);
        oups_table *want = NULL;
        CHECK_OK(open_and_read(path, &want));
        for (int64_t n = 1;; n++) {
            oups_table *t = NULL;
            oups_fault_alloc_after(n, OUPS_FAULT_ONCE);
            int rc = open_and_read(path, &t);
            int64_t hits = oups_fault_alloc_off();
            CHECK(rc == 0 || rc == OUPS_ENOMEM);
            if (rc == 0) {
                char desc[128];
                CHECK(oups_table_equal(want, t, desc, sizeof desc) == 1);
            } else {
                CHECK(t == NULL);
            }
            oups_table_free(t);
            if (hits == 0) break;
        }
        oups_table_free(want);
    }
}

TEST(every_io_failure_is_clean) {
    REQUIRE_CORPUS();
    char path[1024];
    corpus_path(path, sizeof path, "alltypes_tiny_pages.parquet");
    for (int64_t k = 1;; k++) {
        oups_table *t = NULL;
        oups_fault_io_after(k, OUPS_IO_ALL, OUPS_FAULT_FAIL);
        int rc = open_and_read(path, &t);
        int64_t hits = oups_fault_io_off();
        if (hits == 0) {
            CHECK_OK(rc);
            oups_table_free(t);
            break;
        }
        CHECK_RC(rc, OUPS_EIO);
        CHECK(strstr(oups_error_last(), "alltypes_tiny_pages") != NULL);
    }
}

TEST(duplicate_column_names_are_unsupported) {
    oups_datatype ty[2] = {oups_type(OUPS_TYPE_INT32), oups_type(OUPS_TYPE_INT32)};
    const char *names[2] = {"zz_a", "zz_b"};
    oups_table *t;
    CHECK_OK(oups_table_new_empty(&t, 2, names, ty));
    oups_parquet_writer *w;
    CHECK_OK(oups_parquet_writer_open_memory(&w, t, NULL));
    uint8_t *img;
    size_t len;
    CHECK_OK(oups_parquet_writer_finish_memory(w, &img, &len));
    oups_parquet_writer_free(w);
    for (size_t i = 0; i + 4 <= len; i++)
        if (memcmp(img + i, "zz_b", 4) == 0) img[i + 3] = 'a';
    oups_parquet_reader *r;
    CHECK_OK(oups_parquet_reader_open_memory(&r, img, len, "dup"));
    oups_table *got = NULL;
    CHECK_RC(oups_parquet_reader_read(&got, r, NULL, 0, NULL, 0), OUPS_EUNSUPPORTED);
    CHECK(strstr(oups_error_last(), "'zz_a' appears twice") != NULL);
    CHECK_RC(oups_parquet_reader_schema(&got, r), OUPS_EUNSUPPORTED);
    oups_parquet_reader_free(r);
    oups_mem_free(img);
    oups_table_free(t);
}

RUN_TESTS("parquet.reader_fault", every_allocation_failure_is_clean, every_io_failure_is_clean,
          duplicate_column_names_are_unsupported)
