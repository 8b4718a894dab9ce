/*
 * tests/consumer/consumer.c: a program built outside the oups tree against an installed oups
 * (find_package and pkg-config, shared and static; tests/consumer/run.sh). It writes a small
 * table to Parquet in memory, reads it back and prints "consumer ok <version> <rows>".
 */
#include <stdio.h>

#include "oups/oups.h"

int main(void) {
    int64_t ts[3] = {1, 2, 3};
    oups_datatype ty = oups_type(OUPS_TYPE_INT64);
    oups_column *col = NULL;
    oups_table *t = NULL, *back = NULL;
    oups_parquet_writer *w = NULL;
    oups_parquet_reader *r = NULL;
    uint8_t *img = NULL;
    size_t len = 0;
    const char *names[1] = {"ts"};
    int rc = oups_column_from_values(&col, &ty, ts, 3, NULL);
    if (rc == 0) rc = oups_table_new(&t, 1, names, &col);
    if (rc == 0) rc = oups_parquet_writer_open_memory(&w, t, NULL);
    if (rc == 0) rc = oups_parquet_writer_write_table(w, t);
    if (rc == 0) rc = oups_parquet_writer_finish_memory(w, &img, &len);
    if (rc == 0) rc = oups_parquet_reader_open_memory(&r, img, len, "memory");
    if (rc == 0) rc = oups_parquet_reader_read(&back, r, NULL, 0, NULL, 0);
    if (rc == 0) printf("consumer ok %s %lld\n", oups_version(), (long long)oups_table_num_rows(back));
    else fprintf(stderr, "consumer: %s: %s\n", oups_strerror(rc), oups_error_last());
    oups_table_free(back);
    oups_parquet_reader_free(r);
    oups_mem_free(img);
    oups_parquet_writer_free(w);
    oups_table_free(t);
    oups_column_release(col);
    return rc == 0 ? 0 : 1;
}
