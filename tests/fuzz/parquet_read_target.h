/*
 * tests/fuzz/parquet_read_target.h: the body of the parquet_read fuzz target, shared by the
 * libFuzzer entry (parquet_read.c) and the corrupt-input tests (tests/parquet/
 * test_reader_corrupt.c). It opens the bytes as a Parquet image and exercises every reader
 * entry point: schema, descriptions, statistics of every chunk, each column alone and a full
 * read. Any return code is fine; crashes, leaks, hangs and sanitizer reports are bugs.
 * Returns the first unexpected code (anything but 0, OUPS_ECORRUPT, OUPS_EUNSUPPORTED), or 0.
 */
#ifndef OUPS_TESTS_FUZZ_PARQUET_READ_TARGET_H
#define OUPS_TESTS_FUZZ_PARQUET_READ_TARGET_H

#include <stddef.h>
#include <stdint.h>

#include "oups/oups.h"

static int fuzz_expected(int rc) { return rc == 0 || rc == OUPS_ECORRUPT || rc == OUPS_EUNSUPPORTED; }

static int fuzz_parquet_read(const uint8_t *data, size_t size) {
    oups_parquet_reader *r = NULL;
    int rc = oups_parquet_reader_open_memory(&r, data, size, "fuzz");
    if (rc) return fuzz_expected(rc) ? 0 : rc;
    int bad = 0;
    oups_table *t = NULL;
    char *s = NULL;
    rc = oups_parquet_reader_schema(&t, r);
    if (!fuzz_expected(rc) && !bad) bad = rc;
    oups_table_free(t);
    if (oups_parquet_reader_meta_json(&s, r) == 0) oups_mem_free(s);
    if (oups_parquet_reader_schema_text(&s, r) == 0) oups_mem_free(s);
    int n_rg = oups_parquet_reader_num_row_groups(r), n_col = oups_parquet_reader_num_columns(r);
    for (int g = 0; g < n_rg && g < 64; g++)
        for (int c = 0; c < n_col && c < 64; c++) {
            oups_parquet_stats st;
            rc = oups_parquet_reader_stats(&st, r, g, c);
            if (!fuzz_expected(rc) && !bad) bad = rc;
        }
    for (int c = 0; c < n_col && c < 64; c++) {
        const char *name;
        if (oups_parquet_reader_column_name(&name, r, c) != 0) continue;
        rc = oups_parquet_reader_read(&t, r, NULL, 0, &name, 1);
        if (!fuzz_expected(rc) && rc != OUPS_ENOTFOUND && !bad) bad = rc; /* duplicate names */
        oups_table_free(t);
    }
    rc = oups_parquet_reader_read(&t, r, NULL, 0, NULL, 0);
    if (!fuzz_expected(rc) && !bad) bad = rc;
    oups_table_free(t);
    oups_parquet_reader_free(r);
    return bad;
}

#endif /* OUPS_TESTS_FUZZ_PARQUET_READ_TARGET_H */
