/*
 * parquet/page_index.c: the read side of the page index (PageIndex.md): a column chunk's
 * OffsetIndex (page locations and first rows) and ColumnIndex (per-page min/max), read on
 * demand with one pread each, validated against the chunk (pages in order, inside the chunk's
 * byte range, first rows increasing from 0), and row-range reads that decode only the data
 * pages holding the rows asked for (plus the dictionary page). Chunks without an offset index
 * (files of other writers) are read whole and sliced. Leaves page decoding to read_column.c.
 */
#include <stdatomic.h>
#include <stdio.h>

#include "parquet/internal.h"

static int pi_corrupt(const oups_parquet_reader *r, int rg, int leaf, const char *what) {
    return oups_error_set(OUPS_ECORRUPT, "%s: column '%s': row group %d: page index: %s", r->name,
                          r->leaves[leaf].name, rg, what);
}

/* pread + parse one index structure at [off, off+len) into the arena. */
static int load(const uint8_t **out, oups_parquet_reader *r, oups_pq_arena *a, int64_t off, int32_t len, int rg,
                int leaf) {
    if (off < 4 || len <= 0 || off > r->size - 8 || len > r->size - 8 - off)
        return pi_corrupt(r, rg, leaf, "index location outside the file");
    atomic_fetch_add_explicit(&r->bytes_read, len, memory_order_relaxed);
    if (r->fd < 0) {
        *out = r->mem + off;
        return 0;
    }
    uint8_t *buf = oups_parquet__arena_alloc(a, (size_t)len);
    if (!buf) return OUPS_ENOMEM;
    OUPS_TRY(oups_io_pread(r->fd, buf, (size_t)len, off, r->name));
    *out = buf;
    return 0;
}

/* The offset index of (rg, leaf), validated; 1 when the chunk has none. */
static int offset_index(oups_pq_offset_index *oi, oups_parquet_reader *r, oups_pq_arena *a, int rg, int leaf) {
    const oups_pq_row_group *g = &r->meta.row_groups[rg];
    const oups_pq_column_chunk *cc = &g->columns[leaf];
    if (cc->offset_index_offset < 0 || cc->offset_index_length <= 0 || !cc->has_meta) return 1;
    const uint8_t *p;
    OUPS_TRY(load(&p, r, a, cc->offset_index_offset, cc->offset_index_length, rg, leaf));
    char what[256];
    snprintf(what, sizeof what, "%s: column '%s': row group %d: offset index", r->name, r->leaves[leaf].name, rg);
    OUPS_TRY(oups_parquet__parse_offset_index(oi, a, p, (size_t)cc->offset_index_length, what));
    const oups_pq_column_meta *m = &cc->meta;
    int64_t lo = m->data_page_offset, hi;
    if (m->dictionary_page_offset >= 4 && m->dictionary_page_offset < lo) lo = m->dictionary_page_offset;
    hi = lo + m->total_compressed_size;
    if (oi->n_pages < 1 && g->num_rows > 0) return pi_corrupt(r, rg, leaf, "no pages");
    for (int32_t i = 0; i < oi->n_pages; i++) {
        const oups_pq_page_location *l = &oi->pages[i];
        bool ok = l->offset >= lo && l->compressed_page_size > 0 && l->compressed_page_size <= hi - l->offset &&
                  (i == 0 ? l->first_row_index == 0
                          : l->first_row_index > oi->pages[i - 1].first_row_index &&
                                l->offset >= oi->pages[i - 1].offset + oi->pages[i - 1].compressed_page_size) &&
                  l->first_row_index < g->num_rows;
        if (!ok) return pi_corrupt(r, rg, leaf, "page locations out of order or outside the column chunk");
    }
    return 0;
}

static int leaf_of(int *out, const oups_parquet_reader *r, const char *name) {
    for (int c = 0; c < r->n_leaves; c++)
        if (name && strcmp(name, r->leaves[c].name) == 0) {
            const oups_pqr_leaf *l = &r->leaves[c];
            if (l->unsupported) return oups_error_set(l->unsupported, "%s: column '%s': %s", r->name, l->name, l->why);
            *out = c;
            return 0;
        }
    return oups_error_set(OUPS_ENOTFOUND, "%s: no column '%s'", r->name, name ? name : "(null)");
}

int oups_parquet_reader_pages(oups_parquet_page **out, int *n, oups_parquet_reader *r, int rg, int col) {
    *out = NULL;
    *n = 0;
    if (rg < 0 || rg >= r->meta.n_row_groups || col < 0 || col >= r->n_leaves)
        return oups_error_set(OUPS_EINVAL, "%s: row group %d / column %d out of range", r->name, rg, col);
    if (r->leaves[col].unsupported)
        return oups_error_set(r->leaves[col].unsupported, "%s: column '%s': %s", r->name, r->leaves[col].name,
                              r->leaves[col].why);
    oups_pq_arena a = {0};
    oups_pq_offset_index oi;
    oups_pq_column_index ci = {0};
    const oups_pq_column_chunk *cc = &r->meta.row_groups[rg].columns[col];
    int rc = offset_index(&oi, r, &a, rg, col);
    if (rc == 1) {
        oups_parquet__arena_free(&a);
        return 0;
    }
    bool has_ci = rc == 0 && cc->column_index_offset >= 0 && cc->column_index_length > 0;
    if (has_ci) {
        const uint8_t *p;
        char what[256];
        snprintf(what, sizeof what, "%s: column '%s': row group %d: column index", r->name, r->leaves[col].name, rg);
        rc = load(&p, r, &a, cc->column_index_offset, cc->column_index_length, rg, col);
        if (rc == 0) rc = oups_parquet__parse_column_index(&ci, &a, p, (size_t)cc->column_index_length, what);
        if (rc == 0 && ci.n_pages != oi.n_pages) rc = pi_corrupt(r, rg, col, "column and offset indexes disagree");
    }
    /* one block: the pages, then a copy of the byte-array bounds they point to */
    size_t extra = 0;
    for (int32_t i = 0; rc == 0 && has_ci && i < ci.n_pages; i++)
        extra += (size_t)ci.min_values[i].len + (size_t)ci.max_values[i].len;
    oups_parquet_page *pg = rc == 0 ? oups_calloc(1, (size_t)oi.n_pages * sizeof *pg + extra + 1) : NULL;
    if (rc == 0 && !pg) rc = OUPS_ENOMEM;
    uint8_t *bytes = pg ? (uint8_t *)(pg + oi.n_pages) : NULL;
    int64_t rows = r->meta.row_groups[rg].num_rows;
    for (int32_t i = 0; rc == 0 && i < oi.n_pages; i++) {
        pg[i].first_row = oi.pages[i].first_row_index;
        pg[i].n_rows = (i + 1 < oi.n_pages ? oi.pages[i + 1].first_row_index : rows) - pg[i].first_row;
        if (!has_ci || ci.null_pages[i]) continue;
        oups_pq_str b[2] = {ci.min_values[i], ci.max_values[i]};
        oups_scalar *s[2] = {&pg[i].min, &pg[i].max};
        bool ok = true;
        for (int k = 0; k < 2; k++) {
            memcpy(bytes, b[k].ptr, (size_t)b[k].len);
            b[k].ptr = bytes;
            bytes += b[k].len;
            ok = ok && oups_parquet__stat_scalar(s[k], r, col, b[k]) == 0;
        }
        pg[i].has_min_max = ok;
    }
    oups_parquet__arena_free(&a);
    if (rc < 0) {
        oups_free(pg);
        return rc;
    }
    *out = pg;
    *n = oi.n_pages;
    return 0;
}

/* Rows [lo, hi) of leaf `leaf` in row group rg: the pages holding them, or the whole chunk. */
static int read_rows_column(oups_column **out, oups_parquet_reader *r, int rg, int leaf, int64_t lo, int64_t hi) {
    *out = NULL;
    oups_pq_arena a = {0};
    oups_pq_offset_index oi;
    oups_column *col = NULL;
    int64_t first = 0;
    if (hi <= lo) return oups_column_new_nulls(out, &r->leaves[leaf].type, 0);
    int rc = offset_index(&oi, r, &a, rg, leaf);
    if (rc == 1) {
        rc = oups_parquet__read_column(&col, r, leaf, &rg, 1);
    } else if (rc == 0) {
        int32_t k = 0, m = oi.n_pages - 1; /* first and last page overlapping [lo, hi) */
        while (k + 1 < oi.n_pages && oi.pages[k + 1].first_row_index <= lo) k++;
        while (m > k && oi.pages[m].first_row_index >= hi) m--;
        const oups_pq_column_meta *cm = &r->meta.row_groups[rg].columns[leaf].meta;
        int64_t start = cm->data_page_offset;
        if (cm->dictionary_page_offset >= 4 && cm->dictionary_page_offset < start) start = cm->dictionary_page_offset;
        int64_t dict_len = oi.pages[0].offset - start; /* the dictionary page(s) before the first data page */
        int64_t end_row = m + 1 < oi.n_pages ? oi.pages[m + 1].first_row_index : r->meta.row_groups[rg].num_rows;
        first = oi.pages[k].first_row_index;
        rc = oups_parquet__read_column_span(&col, r, leaf, rg, dict_len, oi.pages[k].offset,
                                            oi.pages[m].offset + oi.pages[m].compressed_page_size - oi.pages[k].offset,
                                            end_row - first, k);
    }
    oups_parquet__arena_free(&a);
    if (rc == 0 && (lo - first != 0 || hi - lo != oups_column_length(col))) {
        rc = oups_column_slice(out, col, lo - first, hi - lo);
        oups_column_release(col);
        return rc;
    }
    if (rc < 0) {
        oups_column_release(col);
        return rc;
    }
    *out = col;
    return 0;
}

int oups_parquet_reader_read_rows(oups_table **out, oups_parquet_reader *r, int rg, int64_t row_start,
                                  int64_t row_end, const char *const *columns, int n_cols) {
    *out = NULL;
    if (rg < 0 || rg >= r->meta.n_row_groups)
        return oups_error_set(OUPS_EINVAL, "%s: row group %d out of range (%d row groups)", r->name, rg,
                              r->meta.n_row_groups);
    int64_t rows = r->meta.row_groups[rg].num_rows;
    if (row_start < 0 || row_end < row_start || row_end > rows)
        return oups_error_set(OUPS_EINVAL, "%s: rows [%lld, %lld) outside row group %d (%lld rows)", r->name,
                              (long long)row_start, (long long)row_end, rg, (long long)rows);
    if (!columns) n_cols = r->n_leaves;
    if (n_cols < 0) return oups_error_set(OUPS_EINVAL, "%s: negative column count", r->name);
    char **names = oups_calloc((size_t)n_cols + 1, sizeof *names);
    oups_column **cols = oups_calloc((size_t)n_cols + 1, sizeof *cols);
    int rc = names && cols ? 0 : OUPS_ENOMEM;
    for (int i = 0; rc == 0 && i < n_cols; i++) {
        int leaf = i;
        if (columns) rc = leaf_of(&leaf, r, columns[i]);
        else if (r->leaves[i].unsupported) rc = leaf_of(&leaf, r, r->leaves[i].name);
        for (int j = 0; rc == 0 && j < i; j++)
            if (strcmp(names[j], r->leaves[leaf].name) == 0)
                rc = oups_error_set(OUPS_EUNSUPPORTED, "%s: column '%s' appears twice", r->name, names[j]);
        if (rc == 0) rc = (names[i] = oups_strdup(r->leaves[leaf].name)) ? 0 : OUPS_ENOMEM;
        if (rc == 0) rc = read_rows_column(&cols[i], r, rg, leaf, row_start, row_end);
    }
    if (rc == 0) {
        rc = oups_table__adopt(out, n_cols, row_end - row_start, names, cols);
        names = NULL;
        cols = NULL;
    }
    for (int i = 0; names && i < n_cols; i++) oups_free(names[i]);
    for (int i = 0; cols && i < n_cols; i++) oups_column_release(cols[i]);
    oups_free(names);
    oups_free(cols);
    return rc;
}

int64_t oups_parquet_reader_pages_decoded(const oups_parquet_reader *r) {
    return atomic_load_explicit(&((oups_parquet_reader *)r)->pages_decoded, memory_order_relaxed);
}
