/*
 * parquet/reader.c: the public reader API: open a file or memory image, read and validate the
 * footer (magic, length, thrift metadata), walk the schema tree into leaf columns with their
 * table types (type mapping of oups/parquet.h), key-value metadata, and the read entry points
 * that hand each requested leaf to read_column.c. Statistics and descriptions: describe.c.
 * Nested leaves (groups, repetition) and encrypted chunks are marked unsupported here, so they
 * fail only when read. Spec: parquet-format README (file layout), LogicalTypes.md.
 */
#include <fcntl.h>
#include <stdio.h>

#include "parquet/internal.h"

#define MAX_SCHEMA_DEPTH 64

static void leaf_unsupported(oups_pqr_leaf *l, const char *why) {
    l->unsupported = OUPS_EUNSUPPORTED;
    snprintf(l->why, sizeof l->why, "%s", why);
}

/* Table type and conversion of a flat leaf (LogicalTypes.md; converted types as fallback). */
static void map_type(oups_pqr_leaf *l) {
    const oups_pq_schema_elem *e = l->el;
    const oups_pq_logical *lt = &e->logical;
    int ct = e->converted_type;
    bool is_dec = lt->kind == OUPS_PQ_LT_DECIMAL || (lt->kind == OUPS_PQ_LT_NONE && ct == OUPS_PQ_CT_DECIMAL);
    int32_t prec = lt->kind == OUPS_PQ_LT_DECIMAL ? lt->precision : e->precision;
    int32_t scale = lt->kind == OUPS_PQ_LT_DECIMAL ? lt->scale : e->scale;
    if (scale < 0) scale = 0;
    l->conv = OUPS_PQR_COPY;
    switch (e->type) {
    case OUPS_PQ_BOOLEAN:
        l->type = oups_type(OUPS_TYPE_BOOL);
        l->conv = OUPS_PQR_BOOL;
        return;
    case OUPS_PQ_INT32: {
        l->phys_width = 4;
        if (is_dec) {
            l->type = oups_type_decimal(prec, scale);
            l->conv = OUPS_PQR_DEC_I32;
            break;
        }
        int bw = 32;
        bool sgn = true;
        if (lt->kind == OUPS_PQ_LT_INTEGER) {
            bw = lt->bit_width;
            sgn = lt->is_signed;
        } else if (lt->kind == OUPS_PQ_LT_NONE && ct >= OUPS_PQ_CT_UINT_8 && ct <= OUPS_PQ_CT_INT_32) {
            static const int w[] = {8, 16, 32, 64, 8, 16, 32};
            bw = w[ct - OUPS_PQ_CT_UINT_8];
            sgn = ct >= OUPS_PQ_CT_INT_8;
        }
        if (lt->kind == OUPS_PQ_LT_DATE || (lt->kind == OUPS_PQ_LT_NONE && ct == OUPS_PQ_CT_DATE)) {
            l->type = oups_type(OUPS_TYPE_DATE32);
        } else if (bw == 8) {
            l->type = oups_type(sgn ? OUPS_TYPE_INT8 : OUPS_TYPE_UINT8);
            l->conv = OUPS_PQR_I32_TO_8;
        } else if (bw == 16) {
            l->type = oups_type(sgn ? OUPS_TYPE_INT16 : OUPS_TYPE_UINT16);
            l->conv = OUPS_PQR_I32_TO_16;
        } else if (bw == 32) {
            l->type = oups_type(sgn ? OUPS_TYPE_INT32 : OUPS_TYPE_UINT32);
        } else {
            leaf_unsupported(l, "INT32 with an integer annotation wider than 32 bits");
        }
        break; /* TIME(MILLIS) and unknown annotations: plain int32 */
    }
    case OUPS_PQ_INT64: {
        l->phys_width = 8;
        bool sgn = true;
        if (is_dec) {
            l->type = oups_type_decimal(prec, scale);
            l->conv = OUPS_PQR_DEC_I64;
        } else if (lt->kind == OUPS_PQ_LT_TIMESTAMP) {
            static const oups_time_unit u[] = {OUPS_UNIT_MS, OUPS_UNIT_US, OUPS_UNIT_NS};
            if (lt->unit < 1 || lt->unit > 3) {
                leaf_unsupported(l, "TIMESTAMP with an unknown unit");
                break;
            }
            l->type = oups_type_timestamp(u[lt->unit - 1], lt->adjusted_to_utc ? "UTC" : "");
        } else if (lt->kind == OUPS_PQ_LT_NONE && ct == OUPS_PQ_CT_TIMESTAMP_MILLIS) {
            l->type = oups_type_timestamp(OUPS_UNIT_MS, "UTC"); /* legacy: UTC-adjusted by definition */
        } else if (lt->kind == OUPS_PQ_LT_NONE && ct == OUPS_PQ_CT_TIMESTAMP_MICROS) {
            l->type = oups_type_timestamp(OUPS_UNIT_US, "UTC");
        } else {
            if (lt->kind == OUPS_PQ_LT_INTEGER) sgn = lt->is_signed;
            else if (lt->kind == OUPS_PQ_LT_NONE && ct == OUPS_PQ_CT_UINT_64) sgn = false;
            l->type = oups_type(sgn ? OUPS_TYPE_INT64 : OUPS_TYPE_UINT64);
        }
        break;
    }
    case OUPS_PQ_INT96:
        l->phys_width = 12;
        l->type = oups_type_timestamp(OUPS_UNIT_NS, "");
        l->conv = OUPS_PQR_INT96;
        break;
    case OUPS_PQ_FLOAT:
        l->phys_width = 4;
        l->type = oups_type(OUPS_TYPE_FLOAT32);
        break;
    case OUPS_PQ_DOUBLE:
        l->phys_width = 8;
        l->type = oups_type(OUPS_TYPE_FLOAT64);
        break;
    case OUPS_PQ_BYTE_ARRAY: {
        bool str = lt->kind == OUPS_PQ_LT_STRING || lt->kind == OUPS_PQ_LT_ENUM || lt->kind == OUPS_PQ_LT_JSON ||
                   (lt->kind == OUPS_PQ_LT_NONE &&
                    (ct == OUPS_PQ_CT_UTF8 || ct == OUPS_PQ_CT_ENUM || ct == OUPS_PQ_CT_JSON));
        if (is_dec) {
            l->type = oups_type_decimal(prec, scale);
            l->conv = OUPS_PQR_DEC_BA;
        } else {
            l->type = oups_type(str ? OUPS_TYPE_STRING : OUPS_TYPE_BINARY);
            l->conv = OUPS_PQR_BYTES;
        }
        break;
    }
    case OUPS_PQ_FLBA:
        if (e->type_length < 1 || e->type_length > (1 << 20)) {
            leaf_unsupported(l, "FIXED_LEN_BYTE_ARRAY without a valid type_length");
            return;
        }
        l->phys_width = e->type_length;
        if (is_dec) {
            l->type = oups_type_decimal(prec, scale);
            l->conv = OUPS_PQR_DEC_FLBA;
        } else if (lt->kind == OUPS_PQ_LT_FLOAT16 && e->type_length == 2) {
            l->type = oups_type(OUPS_TYPE_FLOAT32);
            l->conv = OUPS_PQR_F16;
        } else {
            l->type = oups_type(OUPS_TYPE_BINARY);
            l->conv = OUPS_PQR_FLBA_BYTES;
        }
        break;
    default:
        leaf_unsupported(l, "unknown physical type");
        return;
    }
    if (!l->unsupported && l->type.id == OUPS_TYPE_DECIMAL128 && oups_datatype_validate(&l->type) < 0) {
        oups_error_clear();
        leaf_unsupported(l, "DECIMAL precision/scale outside decimal128 (precision 1..38)");
    }
}

typedef struct walk_ctx {
    oups_parquet_reader *r;
    int next;   /* next schema element index */
    int n_leaf; /* leaves filled so far */
} walk_ctx;

/* Depth-first walk of the children of element `parent`; `path` is the parent's dotted path. */
static int walk(walk_ctx *w, int n_children, int depth, int max_def, int max_rep, bool in_group, const char *path) {
    oups_parquet_reader *r = w->r;
    if (depth > MAX_SCHEMA_DEPTH)
        return oups_error_set(OUPS_ECORRUPT, "%s: schema nested deeper than %d levels", r->name, MAX_SCHEMA_DEPTH);
    for (int c = 0; c < n_children; c++) {
        if (w->next >= r->meta.n_schema)
            return oups_error_set(OUPS_ECORRUPT, "%s: schema has fewer elements than its num_children say",
                                  r->name);
        const oups_pq_schema_elem *e = &r->meta.schema[w->next++];
        if (!e->name.ptr || e->name.len > 4096 || memchr(e->name.ptr, 0, (size_t)e->name.len))
            return oups_error_set(OUPS_ECORRUPT, "%s: schema element %d has a missing or invalid name", r->name,
                                  w->next - 1);
        size_t plen = strlen(path);
        char *name = oups_malloc(plen + 1 + (size_t)e->name.len + 1);
        if (!name) return OUPS_ENOMEM;
        size_t k = 0;
        if (plen) {
            memcpy(name, path, plen);
            name[plen] = '.';
            k = plen + 1;
        }
        memcpy(name + k, e->name.ptr, (size_t)e->name.len);
        name[k + (size_t)e->name.len] = '\0';
        int def = max_def + (e->repetition == OUPS_PQ_OPTIONAL || e->repetition == OUPS_PQ_REPEATED);
        int rep = max_rep + (e->repetition == OUPS_PQ_REPEATED);
        int rc = 0;
        if (e->num_children > 0) {
            rc = walk(w, e->num_children, depth + 1, def, rep, true, name);
            oups_free(name);
        } else if (e->type < 0) {
            oups_free(name);
            rc = oups_error_set(OUPS_ECORRUPT, "%s: schema element %d is neither a group nor typed", r->name,
                                w->next - 1);
        } else {
            oups_pqr_leaf *l = &r->leaves[w->n_leaf++];
            l->name = name;
            l->el = e;
            l->max_def = def;
            l->max_rep = rep;
            map_type(l);
            if (!name[0]) leaf_unsupported(l, "empty column name");
            else if (rep > 0) leaf_unsupported(l, "nested column (repeated field)");
            else if (in_group) leaf_unsupported(l, "nested column (inside a group)");
            else if (def > 1) leaf_unsupported(l, "nested column (definition levels above 1)");
        }
        if (rc) return rc;
    }
    return 0;
}

static int load_schema(oups_parquet_reader *r) {
    const oups_pq_file_meta *m = &r->meta;
    if (m->n_schema < 1 || !m->schema)
        return oups_error_set(OUPS_ECORRUPT, "%s: footer has no schema", r->name);
    int n_leaves = 0;
    for (int i = 1; i < m->n_schema; i++) n_leaves += m->schema[i].num_children <= 0;
    r->leaves = oups_calloc((size_t)n_leaves + 1, sizeof *r->leaves);
    if (!r->leaves) return OUPS_ENOMEM;
    walk_ctx w = {r, 1, 0};
    int root_children = m->schema[0].num_children < 0 ? 0 : m->schema[0].num_children;
    int rc = walk(&w, root_children, 0, 0, 0, false, "");
    r->n_leaves = w.n_leaf; /* so free() releases names even on failure */
    if (rc) return rc;
    if (w.next != m->n_schema || w.n_leaf != n_leaves)
        return oups_error_set(OUPS_ECORRUPT, "%s: schema tree does not cover its %d elements", r->name,
                              m->n_schema);
    for (int g = 0; g < m->n_row_groups; g++) {
        const oups_pq_row_group *rg = &m->row_groups[g];
        if (rg->n_columns != n_leaves)
            return oups_error_set(OUPS_ECORRUPT, "%s: row group %d has %d column chunks for %d columns", r->name,
                                  g, rg->n_columns, n_leaves);
        if (rg->num_rows < 0)
            return oups_error_set(OUPS_ECORRUPT, "%s: row group %d has a negative row count", r->name, g);
        for (int c = 0; c < n_leaves; c++)
            if (rg->columns[c].encrypted || m->encrypted)
                leaf_unsupported(&r->leaves[c], "encrypted column");
    }
    if (m->encrypted)
        for (int c = 0; c < n_leaves; c++) leaf_unsupported(&r->leaves[c], "encrypted file");
    return 0;
}

static int load_kv(oups_parquet_reader *r) {
    int n = r->meta.n_kv;
    if (n == 0) return 0;
    r->kv_keys = oups_calloc((size_t)n, sizeof(char *));
    r->kv_values = oups_calloc((size_t)n, sizeof(char *));
    if (!r->kv_keys || !r->kv_values) return OUPS_ENOMEM;
    for (int i = 0; i < n; i++) {
        const oups_pq_kv *kv = &r->meta.kv[i];
        r->kv_keys[i] = oups_strndup((const char *)kv->key.ptr, (size_t)kv->key.len);
        if (!r->kv_keys[i]) return OUPS_ENOMEM;
        if (kv->value.ptr) {
            r->kv_values[i] = oups_strndup((const char *)kv->value.ptr, (size_t)kv->value.len);
            if (!r->kv_values[i]) return OUPS_ENOMEM;
        }
    }
    return 0;
}

static int read_at(oups_parquet_reader *r, uint8_t *buf, size_t n, int64_t off) {
    if (off < 0 || (uint64_t)off + n > (uint64_t)r->size)
        return oups_error_set(OUPS_ECORRUPT, "%s: read of %zu bytes at %lld past the end of the file", r->name, n,
                              (long long)off);
    atomic_fetch_add_explicit(&r->bytes_read, (int64_t)n, memory_order_relaxed);
    if (r->fd < 0) {
        memcpy(buf, r->mem + off, n);
        return 0;
    }
    return oups_io_pread(r->fd, buf, n, off, r->name);
}

static int hex_digit(int ch) {
    return ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/* The footer's page checksums (OUPS_PARQUET_PAGE_CRC_KEY), if any: one run of 8-hex-digit
 * CRCs per column chunk, chunks separated by one space. */
static int load_page_crcs(oups_parquet_reader *r) {
    const char *v = oups_parquet_reader_kv_get(r, OUPS_PARQUET_PAGE_CRC_KEY);
    if (!v) return 0;
    int64_t n_chunks = (int64_t)r->meta.n_row_groups * r->n_leaves;
    size_t len = strlen(v);
    r->page_crcs = oups_malloc_array(len / 8 + 1, sizeof *r->page_crcs);
    r->crc_at = oups_malloc_array((size_t)n_chunks + 1, sizeof *r->crc_at);
    if (!r->page_crcs || !r->crc_at) return OUPS_ENOMEM;
    int64_t k = 0, n = 0;
    r->crc_at[0] = 0;
    for (const char *p = v;; ) {
        if (*p == ' ' || *p == '\0') {
            if (k >= n_chunks) break;
            r->crc_at[++k] = n;
            if (*p++ == '\0') break;
            continue;
        }
        uint32_t crc = 0;
        for (int d = 0; d < 8; d++) {
            int x = hex_digit((unsigned char)p[d]);
            if (x < 0) return oups_error_set(OUPS_ECORRUPT, "%s: footer: malformed page checksums", r->name);
            crc = crc << 4 | (uint32_t)x;
        }
        r->page_crcs[n++] = crc;
        p += 8;
    }
    if (k != n_chunks || r->crc_at[k] != n || (n_chunks == 0 && len > 0))
        return oups_error_set(OUPS_ECORRUPT, "%s: footer: page checksums for %lld column chunks, the file has %lld",
                              r->name, (long long)k, (long long)n_chunks);
    return 0;
}

int oups_parquet__page_crc_check(const oups_parquet_reader *r, int rg, int leaf, int64_t k, uint32_t body_crc,
                                 const uint8_t *hdr, size_t hl) {
    if (!r->page_crcs) return 0;
    int64_t at = (int64_t)rg * r->n_leaves + leaf, first = r->crc_at[at];
    if (k < 0 || k >= r->crc_at[at + 1] - first)
        return oups_error_set(OUPS_ECORRUPT, "%s: column '%s': row group %d: page %lld has no checksum in the footer",
                              r->name, r->leaves[leaf].name, rg, (long long)k);
#ifndef OUPS_FUZZING /* let mutations reach the decoders */
    if (oups_crc32(body_crc, hdr, hl) != r->page_crcs[first + k])
        return oups_error_set(OUPS_ECORRUPT, "%s: column '%s': row group %d: page %lld: checksum mismatch (header or "
                              "data damaged)", r->name, r->leaves[leaf].name, rg, (long long)k);
#else
    (void)body_crc, (void)hdr, (void)hl;
#endif
    return 0;
}

int64_t oups_parquet_reader_tail_offset(const oups_parquet_reader *r) {
    int64_t t = r->size - 8 - (int64_t)r->footer_len;
    for (int g = 0; g < r->meta.n_row_groups; g++)
        for (int c = 0; c < r->n_leaves; c++) {
            const oups_pq_column_chunk *cc = &r->meta.row_groups[g].columns[c];
            if (cc->column_index_length > 0 && cc->column_index_offset >= 0 && cc->column_index_offset < t)
                t = cc->column_index_offset;
            if (cc->offset_index_length > 0 && cc->offset_index_offset >= 0 && cc->offset_index_offset < t)
                t = cc->offset_index_offset;
        }
    return t;
}

bool oups_parquet_reader_has_page_checksums(const oups_parquet_reader *r) { return r->page_crcs != NULL; }

int64_t oups_parquet_reader_bytes_read(const oups_parquet_reader *r) {
    return atomic_load_explicit(&((oups_parquet_reader *)r)->bytes_read, memory_order_relaxed);
}

static int load_footer(oups_parquet_reader *r) {
    uint8_t tail[8], head[4];
    if (r->size < 12) return oups_error_set(OUPS_ECORRUPT, "%s: %lld bytes is too small for Parquet", r->name,
                                            (long long)r->size);
    OUPS_TRY(read_at(r, head, 4, 0));
    OUPS_TRY(read_at(r, tail, 8, r->size - 8));
    if (memcmp(tail + 4, "PARE", 4) == 0)
        return oups_error_set(OUPS_EUNSUPPORTED, "%s: encrypted footer (Parquet modular encryption)", r->name);
    if (memcmp(head, "PAR1", 4) != 0 || memcmp(tail + 4, "PAR1", 4) != 0)
        return oups_error_set(OUPS_ECORRUPT, "%s: not a Parquet file (bad magic)", r->name);
    uint32_t len = oups_load_u32le(tail);
    if ((int64_t)len > r->size - 12)
        return oups_error_set(OUPS_ECORRUPT, "%s: footer length %u larger than the file", r->name, len);
    r->footer_len = len;
    const uint8_t *p;
    if (r->fd < 0) {
        p = r->mem + r->size - 8 - len;
    } else {
        r->footer = oups_malloc(len ? len : 1);
        if (!r->footer) return OUPS_ENOMEM;
        OUPS_TRY(read_at(r, r->footer, len, r->size - 8 - len));
        p = r->footer;
    }
    char what[300];
    snprintf(what, sizeof what, "%s: footer", r->name);
    OUPS_TRY(oups_parquet__parse_file_meta(&r->meta, &r->arena, p, len, what));
    if (r->meta.num_rows < 0)
        return oups_error_set(OUPS_ECORRUPT, "%s: negative row count in the footer", r->name);
    /* Decoded data may legitimately be far larger than the file (RLE, compression); this cap
     * only stops hostile sizes from allocating unbounded memory. */
    r->alloc_cap = ((int64_t)64 << 20) + (r->size < ((int64_t)1 << 40) ? r->size * 16384 : INT64_MAX / 2);
    OUPS_TRY(load_schema(r));
    OUPS_TRY(load_kv(r));
    return load_page_crcs(r);
}

static int open_common(oups_parquet_reader **out, oups_parquet_reader *r) {
    int rc = load_footer(r);
    if (rc < 0) {
        oups_parquet_reader_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

int oups_parquet_reader_open(oups_parquet_reader **out, const char *path) {
    *out = NULL;
    if (!path) return oups_error_set(OUPS_EINVAL, "oups_parquet_reader_open: NULL path");
    oups_parquet_reader *r = oups_calloc(1, sizeof *r);
    if (!r) return OUPS_ENOMEM;
    r->fd = -1;
    r->name = oups_strdup(path);
    if (!r->name) {
        oups_free(r);
        return OUPS_ENOMEM;
    }
    int rc = oups_io_open(&r->fd, path, O_RDONLY, 0);
    if (rc == 0) rc = oups_io_file_size(&r->size, r->fd, path);
    if (rc < 0) {
        oups_parquet_reader_free(r);
        return rc;
    }
    return open_common(out, r);
}

int oups_parquet_reader_open_memory(oups_parquet_reader **out, const void *data, size_t len, const char *name) {
    *out = NULL;
    if (!data && len) return oups_error_set(OUPS_EINVAL, "oups_parquet_reader_open_memory: NULL data");
    oups_parquet_reader *r = oups_calloc(1, sizeof *r);
    if (!r) return OUPS_ENOMEM;
    r->fd = -1;
    r->mem = data;
    r->size = (int64_t)len;
    r->name = oups_strdup(name ? name : "<memory>");
    if (!r->name) {
        oups_free(r);
        return OUPS_ENOMEM;
    }
    return open_common(out, r);
}

void oups_parquet_reader_free(oups_parquet_reader *r) {
    if (!r) return;
    if (r->fd >= 0) (void)oups_io_close(r->fd);
    for (int i = 0; i < r->n_leaves; i++) oups_free(r->leaves[i].name);
    oups_free(r->leaves);
    for (int i = 0; i < r->meta.n_kv; i++) {
        if (r->kv_keys) oups_free(r->kv_keys[i]);
        if (r->kv_values) oups_free(r->kv_values[i]);
    }
    oups_free(r->kv_keys);
    oups_free(r->kv_values);
    oups_parquet__arena_free(&r->arena);
    oups_free(r->footer);
    oups_free(r->page_crcs);
    oups_free(r->crc_at);
    oups_free(r->name);
    oups_free(r);
}

int64_t oups_parquet_reader_num_rows(const oups_parquet_reader *r) { return r->meta.num_rows; }
int oups_parquet_reader_num_row_groups(const oups_parquet_reader *r) { return r->meta.n_row_groups; }
int64_t oups_parquet_reader_row_group_num_rows(const oups_parquet_reader *r, int rg) {
    return rg >= 0 && rg < r->meta.n_row_groups ? r->meta.row_groups[rg].num_rows : -1;
}
int oups_parquet_reader_num_columns(const oups_parquet_reader *r) { return r->n_leaves; }

int oups_parquet_reader_column_name(const char **out, const oups_parquet_reader *r, int col) {
    *out = NULL;
    if (col < 0 || col >= r->n_leaves)
        return oups_error_set(OUPS_EINVAL, "%s: column index %d out of range (%d columns)", r->name, col,
                              r->n_leaves);
    *out = r->leaves[col].name;
    return 0;
}

int oups_parquet_reader_kv_count(const oups_parquet_reader *r) { return r->meta.n_kv; }
const char *oups_parquet_reader_kv_key(const oups_parquet_reader *r, int i) {
    return i >= 0 && i < r->meta.n_kv ? r->kv_keys[i] : NULL;
}
const char *oups_parquet_reader_kv_value(const oups_parquet_reader *r, int i) {
    return i >= 0 && i < r->meta.n_kv ? r->kv_values[i] : NULL;
}
const char *oups_parquet_reader_kv_get(const oups_parquet_reader *r, const char *key) {
    for (int i = r->meta.n_kv - 1; i >= 0; i--) /* last one wins, as in pyarrow */
        if (strcmp(r->kv_keys[i], key) == 0) return r->kv_values[i];
    return NULL;
}

/* Leaf `c` can be read, and its name differs from those of leaves prev[0..n_prev). */
static int leaf_check(const oups_parquet_reader *r, int c, const int *prev, int n_prev) {
    const oups_pqr_leaf *l = &r->leaves[c];
    if (l->unsupported)
        return oups_error_set(l->unsupported, "%s: column '%s': %s", r->name, l->name, l->why);
    for (int j = 0; j < n_prev; j++)
        if (strcmp(r->leaves[prev[j]].name, l->name) == 0)
            return oups_error_set(OUPS_EUNSUPPORTED, "%s: column '%s' appears twice", r->name, l->name);
    return 0;
}

int oups_parquet_reader_schema(oups_table **out, const oups_parquet_reader *r) {
    *out = NULL;
    int n = r->n_leaves;
    const char **names = oups_calloc((size_t)n + 1, sizeof *names);
    oups_datatype *types = oups_calloc((size_t)n + 1, sizeof *types);
    int *all = oups_calloc((size_t)n + 1, sizeof *all);
    int rc = names && types && all ? 0 : OUPS_ENOMEM;
    for (int c = 0; rc == 0 && c < n; c++) {
        all[c] = c;
        rc = leaf_check(r, c, all, c);
        names[c] = r->leaves[c].name;
        types[c] = r->leaves[c].type;
    }
    if (rc == 0) rc = oups_table_new_empty(out, n, names, types);
    oups_free(names);
    oups_free(types);
    oups_free(all);
    return rc;
}

/* Columns of one read, decoded by parallel tasks (one per column; the reader is only read). */
typedef struct read_job {
    oups_parquet_reader *r;
    const int *sel, *rgs;
    int n_rg;
    oups_column **cols;
} read_job;

static int read_task(void *payload, int64_t i, int slot) {
    (void)slot;
    read_job *j = payload;
    return oups_parquet__read_column(&j->cols[i], j->r, j->sel[i], j->rgs, j->n_rg);
}

void oups_parquet_reader_set_threads(oups_parquet_reader *r, int threads) {
    if (r) r->threads = threads > 0 ? threads : 0;
}

int oups_parquet_reader_read(oups_table **out, oups_parquet_reader *r, const int *row_groups, int n_rg,
                             const char *const *columns, int n_cols) {
    *out = NULL;
    int *rgs = NULL, *sel = NULL;
    char **names = NULL;
    oups_column **cols = NULL;
    int rc = 0, n_done = 0;
    if (!row_groups) n_rg = r->meta.n_row_groups;
    if (!columns) n_cols = r->n_leaves;
    if (n_rg < 0 || n_cols < 0) return oups_error_set(OUPS_EINVAL, "%s: negative row group or column count", r->name);
    rgs = oups_calloc((size_t)n_rg + 1, sizeof *rgs);
    sel = oups_calloc((size_t)n_cols + 1, sizeof *sel);
    names = oups_calloc((size_t)n_cols + 1, sizeof *names);
    cols = oups_calloc((size_t)n_cols + 1, sizeof *cols);
    if (!rgs || !sel || !names || !cols) {
        rc = OUPS_ENOMEM;
        goto out;
    }
    int64_t n_rows = 0;
    for (int i = 0; i < n_rg; i++) {
        rgs[i] = row_groups ? row_groups[i] : i;
        if (rgs[i] < 0 || rgs[i] >= r->meta.n_row_groups) {
            rc = oups_error_set(OUPS_EINVAL, "%s: row group %d out of range (%d row groups)", r->name, rgs[i],
                                r->meta.n_row_groups);
            goto out;
        }
        n_rows += r->meta.row_groups[rgs[i]].num_rows;
        if (n_rows < 0 || n_rows > ((int64_t)1 << 50)) {
            rc = oups_error_set(OUPS_ECORRUPT, "%s: row counts of the row groups overflow", r->name);
            goto out;
        }
    }
    for (int i = 0; i < n_cols; i++) {
        if (!columns) {
            sel[i] = i;
        } else {
            sel[i] = -1;
            for (int c = 0; c < r->n_leaves && sel[i] < 0; c++)
                if (columns[i] && strcmp(columns[i], r->leaves[c].name) == 0) sel[i] = c;
            if (sel[i] < 0) {
                rc = oups_error_set(OUPS_ENOTFOUND, "%s: no column '%s'", r->name, columns[i] ? columns[i] : "(null)");
                goto out;
            }
        }
        if ((rc = leaf_check(r, sel[i], sel, i)) < 0) goto out;
    }
    for (int i = 0; i < n_cols; i++) {
        names[i] = oups_strdup(r->leaves[sel[i]].name);
        if (!names[i]) {
            rc = OUPS_ENOMEM;
            goto out;
        }
    }
    read_job job = {r, sel, rgs, n_rg, cols};
    rc = oups_pool_run(r->threads, n_cols, read_task, &job);
    n_done = n_cols; /* columns not read are NULL */
    if (rc < 0) goto out;
    rc = oups_table__adopt(out, n_cols, n_rows, names, cols);
    names = NULL;
    cols = NULL;
out:
    if (names)
        for (int i = 0; i < n_cols; i++) oups_free(names[i]);
    if (cols)
        for (int i = 0; i < n_done; i++) oups_column_release(cols[i]);
    oups_free(names);
    oups_free(cols);
    oups_free(rgs);
    oups_free(sel);
    return rc;
}

int oups_parquet_read(oups_table **out, const char *path) {
    *out = NULL;
    oups_parquet_reader *r;
    OUPS_TRY(oups_parquet_reader_open(&r, path));
    int rc = oups_parquet_reader_read(out, r, NULL, 0, NULL, 0);
    oups_parquet_reader_free(r);
    return rc;
}
