// labels: fault
/*
 * tests/parquet/test_writer_fault.c: the Parquet writer under injected failures. Every
 * allocation of a write fails in turn (result OK or OUPS_ENOMEM, no leak, writer freed
 * cleanly); every I/O call of a file write fails in turn, and crashes at every I/O call:
 * afterwards the final path holds either nothing or the complete file, never a torn one.
 */
#include <sys/stat.h>
#include <unistd.h>

#include "gen_table.h"
#include "util/util.h"

static int write_mem(const oups_table *t, const oups_parquet_write_options *o) {
    oups_parquet_writer *w;
    int rc = oups_parquet_writer_open_memory(&w, t, o);
    if (rc) return rc;
    uint8_t *img = NULL;
    size_t len;
    rc = oups_parquet_writer_write_table(w, t);
    if (rc == 0) rc = oups_parquet_writer_finish_memory(w, &img, &len);
    oups_parquet_writer_free(w);
    oups_mem_free(img);
    return rc;
}

static void options(oups_parquet_write_options *o, const char **keys, const char **vals, const char **sort) {
    *o = (oups_parquet_write_options)OUPS_PARQUET_WRITE_OPTIONS_INIT;
    o->page_index = true;
    o->page_size = 512;
    o->row_group_size = 40;
    o->n_kv = 1, o->kv_keys = keys, o->kv_values = vals;
    o->n_sorting_columns = 1, o->sorting_columns = sort;
}

TEST(alloc_failures) {
    oups_table *t;
    CHECK_OK(gen_table(&t, gen_all_cols, GEN_ALL_N, 100, 20, tests_seed(), -1));
    const char *keys[] = {"k"}, *vals[] = {"v"}, *sort[] = {"id"};
    oups_parquet_write_options o;
    options(&o, keys, vals, sort);
    int n;
    for (n = 1;; n++) {
        oups_fault_alloc_after(n, OUPS_FAULT_ONCE);
        int rc = write_mem(t, &o);
        int64_t hits = oups_fault_alloc_off();
        if (rc != 0 && rc != OUPS_ENOMEM) fprintf(stderr, "  allocation %d: %s\n", n, oups_error_last());
        CHECK(rc == 0 || rc == OUPS_ENOMEM);
        if (hits == 0) {
            CHECK(rc == 0);
            break;
        }
    }
    CHECK(n > 50); /* the loop reached every allocation site of a real write */
    oups_table_free(t);
}

/* The file at path is absent or equal to t. */
static int absent_or_complete(const char *path, const oups_table *t) {
    if (!gen_exists(path)) return 1;
    oups_table *back;
    if (oups_parquet_read(&back, path) != 0) return 0;
    int eq = oups_table_equal(t, back, NULL, 0);
    oups_table_free(back);
    return eq;
}

TEST(io_failures_and_crashes) {
    char dir[] = "/tmp/oups_wfault_XXXXXX", path[300], tmp[340];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/f.parquet", dir);
    snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid());
    oups_table *t;
    CHECK_OK(gen_table(&t, gen_all_cols, GEN_ALL_N, 100, 20, tests_seed(), -1));
    const char *keys[] = {"k"}, *vals[] = {"v"}, *sort[] = {"id"};
    oups_parquet_write_options o;
    options(&o, keys, vals, sort);
    for (int mode = 0; mode < 2; mode++) {
        int k;
        for (k = 1;; k++) {
            oups_fault_io_after(k, OUPS_IO_ALL, mode == 0 ? OUPS_FAULT_FAIL : OUPS_FAULT_CRASH);
            int rc = oups_parquet_write(path, t, &o);
            int64_t hits = oups_fault_io_off();
            CHECK(rc == 0 || rc == OUPS_EIO);
            CHECK(absent_or_complete(path, t));
            if (rc != 0 && mode == 0) CHECK(!gen_exists(tmp) || !gen_exists(path)); /* failed: temp removed */
            unlink(path);
            unlink(tmp);
            if (hits == 0) break;
        }
        CHECK(k > 5);
    }
    rmdir(dir);
    oups_table_free(t);
}

RUN_TESTS("parquet.writer_fault", alloc_failures, io_failures_and_crashes)
