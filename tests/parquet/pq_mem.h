/*
 * tests/parquet/pq_mem.h: writer tests' helpers: write a table to an in-memory Parquet image,
 * read an image back, parse its footer, look for an encoding in a chunk's metadata; every
 * encoding choice and the column types that can take it.
 */
#ifndef OUPS_TESTS_PQ_MEM_H
#define OUPS_TESTS_PQ_MEM_H

#include "harness.h"
#include "parquet/meta.h"
#include "util/util.h"

/* Write `t` in memory with `o`, return the image (free with oups_mem_free). */
static inline int write_mem(uint8_t **img, size_t *len, const oups_table *t, const oups_parquet_write_options *o) {
    oups_parquet_writer *w;
    int rc = oups_parquet_writer_open_memory(&w, t, o);
    if (rc) return rc;
    rc = oups_parquet_writer_write_table(w, t);
    if (rc == 0) rc = oups_parquet_writer_finish_memory(w, img, len);
    oups_parquet_writer_free(w);
    return rc;
}

static inline int read_mem(oups_table **out, const uint8_t *img, size_t len) {
    oups_parquet_reader *r;
    int rc = oups_parquet_reader_open_memory(&r, img, len, "mem");
    if (rc) return rc;
    rc = oups_parquet_reader_read(out, r, NULL, 0, NULL, 0);
    oups_parquet_reader_free(r);
    return rc;
}

/* Write, read back, compare. 1 if equal. */
static inline int roundtrip(const oups_table *t, const oups_parquet_write_options *o, char *desc, size_t cap) {
    uint8_t *img = NULL;
    size_t len = 0;
    oups_table *back = NULL;
    int rc = write_mem(&img, &len, t, o);
    if (rc == 0) rc = read_mem(&back, img, len);
    int eq = rc == 0 && oups_table_equal(t, back, desc, cap);
    if (rc) snprintf(desc, cap, "rc %s: %s", oups_strerror(rc), oups_error_last());
    oups_table_free(back);
    oups_mem_free(img);
    return eq;
}

/* Footer of an image, parsed (strings point into img). */
static inline int footer(oups_pq_file_meta *m, oups_pq_arena *a, const uint8_t *img, size_t len) {
    uint32_t n = oups_load_u32le(img + len - 8);
    return oups_parquet__parse_file_meta(m, a, img + len - 8 - n, n, "test");
}

static inline bool has_enc(const oups_pq_column_meta *cm, int enc) {
    for (int i = 0; i < cm->n_encodings; i++)
        if (cm->encodings[i] == enc) return true;
    return false;
}

static const oups_parquet_encoding all_encodings[5] = {
    OUPS_PARQUET_ENCODING_AUTO, OUPS_PARQUET_ENCODING_PLAIN, OUPS_PARQUET_ENCODING_DICTIONARY,
    OUPS_PARQUET_ENCODING_DELTA, OUPS_PARQUET_ENCODING_BYTE_STREAM_SPLIT};

/* Can a column of gen_table type `type` take encoding e? */
static inline bool allowed(const char *type, oups_parquet_encoding e) {
    bool integer = !strncmp(type, "int", 3) || !strncmp(type, "uint", 4) || !strncmp(type, "timestamp", 9) ||
                   !strcmp(type, "date32");
    bool fl = !strncmp(type, "float", 5);
    switch (e) {
    case OUPS_PARQUET_ENCODING_DICTIONARY: return strcmp(type, "bool") && strcmp(type, "decimal(38,6)");
    case OUPS_PARQUET_ENCODING_DELTA: return integer;
    case OUPS_PARQUET_ENCODING_BYTE_STREAM_SPLIT: return fl;
    default: return true;
    }
}

#endif
