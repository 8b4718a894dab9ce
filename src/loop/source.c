/*
 * loop/source.c: chunk source adapters for oups_loop_begin(): an in-memory list of tables and
 * a Parquet file read one row group per item. Each adapter is a small struct behind the
 * oups_source next/free interface; the loop owns it once begun.
 */
#include "loop/internal.h"

typedef struct src_tables {
    oups_table **tables;
    int n, i;
} src_tables;

static int tables_next(void *self, oups_table **out) {
    src_tables *s = self;
    if (s->i >= s->n) return 0;
    out[0] = oups_table_retain(s->tables[s->i++]);
    return 1;
}

static void tables_free(void *self) {
    src_tables *s = self;
    if (!s) return;
    for (int i = 0; i < s->n; i++) oups_table_free(s->tables[i]);
    oups_free(s->tables);
    oups_free(s);
}

int oups_source_tables(oups_source *out, oups_table *const *tables, int n) {
    if (!out) return oups_error_set(OUPS_EINVAL, "source tables: NULL output");
    memset(out, 0, sizeof *out);
    if (n < 0 || (n > 0 && !tables)) return oups_error_set(OUPS_EINVAL, "source tables: bad list (n = %d)", n);
    for (int i = 0; i < n; i++)
        if (!tables[i]) return oups_error_set(OUPS_EINVAL, "source tables: table %d is NULL", i);
    src_tables *s = oups_calloc(1, sizeof *s);
    if (!s) return OUPS_ENOMEM;
    if (n && !(s->tables = oups_malloc_array((size_t)n, sizeof *s->tables))) {
        oups_free(s);
        return OUPS_ENOMEM;
    }
    for (; s->n < n; s->n++) s->tables[s->n] = oups_table_retain(tables[s->n]);
    *out = (oups_source){tables_next, tables_free, s, 1};
    return 0;
}

typedef struct src_parquet {
    oups_parquet_reader *r;
    int rg, n_rg;
} src_parquet;

static int parquet_next(void *self, oups_table **out) {
    src_parquet *s = self;
    if (s->rg >= s->n_rg) return 0;
    OUPS_TRY(oups_parquet_reader_read(&out[0], s->r, &s->rg, 1, NULL, 0));
    s->rg++;
    return 1;
}

static void parquet_free(void *self) {
    src_parquet *s = self;
    if (!s) return;
    oups_parquet_reader_free(s->r);
    oups_free(s);
}

int oups_source_parquet(oups_source *out, const char *path) {
    if (!out) return oups_error_set(OUPS_EINVAL, "source parquet: NULL output");
    memset(out, 0, sizeof *out);
    src_parquet *s = oups_calloc(1, sizeof *s);
    if (!s) return OUPS_ENOMEM;
    int rc = oups_parquet_reader_open(&s->r, path);
    if (rc < 0) {
        oups_free(s);
        return rc;
    }
    s->n_rg = oups_parquet_reader_num_row_groups(s->r);
    *out = (oups_source){parquet_next, parquet_free, s, 1};
    return 0;
}
