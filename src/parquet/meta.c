/*
 * parquet/meta.c: parse and serialize the parquet.thrift structs of meta.h with the compact
 * protocol of thrift.c. Parsing skips unknown fields and fields of an unexpected type (as
 * Thrift readers do), keeps byte strings pointing into the input, and puts arrays in an arena.
 * Memory cap: a list's declared count times a lower bound of its element's encoded size must
 * fit in the remaining input, so arrays stay proportional to the bytes parsed.
 * Field ids follow parquet.thrift (apache/parquet-format).
 */
#include "parquet/meta.h"

#include <stdalign.h>
#include <stddef.h>

#include "parquet/thrift.h"

/* ---- arena ------------------------------------------------------------------------------- */

typedef struct arena_block {
    struct arena_block *next;
    size_t used, cap;
    alignas(max_align_t) uint8_t data[];
} arena_block;

#define ARENA_BLOCK (64 * 1024)

void *oups_parquet__arena_alloc(oups_pq_arena *a, size_t size) {
    size = (size + 15) & ~(size_t)15;
    if (size == 0) size = 16;
    arena_block *b = a->blocks;
    if (!b || b->cap - b->used < size) {
        size_t cap = size > ARENA_BLOCK / 4 ? size : ARENA_BLOCK;
        arena_block *nb = oups_malloc(sizeof(arena_block) + cap);
        if (!nb) return NULL;
        nb->used = 0;
        nb->cap = cap;
        if (b && cap != ARENA_BLOCK) { /* big one-off block: keep the current bump block on top */
            nb->next = b->next;
            b->next = nb;
            nb->used = cap;
            memset(nb->data, 0, size);
            return nb->data;
        }
        nb->next = b;
        a->blocks = b = nb;
    }
    void *p = b->data + b->used;
    b->used += size;
    memset(p, 0, size);
    return p;
}

void oups_parquet__arena_free(oups_pq_arena *a) {
    arena_block *b = a->blocks;
    while (b) {
        arena_block *n = b->next;
        oups_free(b);
        b = n;
    }
    a->blocks = NULL;
}

/* ---- init -------------------------------------------------------------------------------- */

void oups_parquet__stats_init(oups_pq_stats *s) {
    memset(s, 0, sizeof *s);
    s->null_count = s->distinct_count = -1;
    s->is_max_value_exact = s->is_min_value_exact = -1;
}

void oups_parquet__schema_elem_init(oups_pq_schema_elem *e) {
    memset(e, 0, sizeof *e);
    e->type = e->type_length = e->repetition = e->num_children = -1;
    e->converted_type = e->scale = e->precision = e->field_id = -1;
}

void oups_parquet__column_chunk_init(oups_pq_column_chunk *c) {
    memset(c, 0, sizeof *c);
    c->offset_index_offset = c->column_index_offset = -1;
    c->offset_index_length = c->column_index_length = -1;
    c->meta.index_page_offset = c->meta.dictionary_page_offset = c->meta.bloom_filter_offset = -1;
    c->meta.bloom_filter_length = -1;
    oups_parquet__stats_init(&c->meta.stats);
}

void oups_parquet__row_group_init(oups_pq_row_group *g) {
    memset(g, 0, sizeof *g);
    g->file_offset = g->total_compressed_size = -1;
    g->ordinal = -1;
}

void oups_parquet__file_meta_init(oups_pq_file_meta *m) { memset(m, 0, sizeof *m); }

void oups_parquet__page_header_init(oups_pq_page_header *h) {
    memset(h, 0, sizeof *h);
    oups_parquet__stats_init(&h->data_v1.stats);
    oups_parquet__stats_init(&h->data_v2.stats);
    h->dict.is_sorted = -1;
    h->data_v2.is_compressed = true;
}

/* ---- parse helpers ------------------------------------------------------------------------ */

typedef oups_thrift_reader rd;

static int get_i64(rd *r, int t, int64_t *out) {
    if (t == OUPS_TT_I16 || t == OUPS_TT_I32 || t == OUPS_TT_I64) return oups_thrift__read_i64(r, out);
    if (t == OUPS_TT_BYTE) {
        int8_t b;
        OUPS_TRY(oups_thrift__read_byte(r, &b));
        *out = b;
        return 0;
    }
    return oups_thrift__skip(r, t);
}

static int get_i32(rd *r, int t, int32_t *out) {
    int64_t v = *out;
    OUPS_TRY(get_i64(r, t, &v));
    if (v < INT32_MIN || v > INT32_MAX) return oups_thrift__corrupt(r, "i32 out of range");
    *out = (int32_t)v;
    return 0;
}

static int get_bool(rd *r, int t, bool *out) {
    if (t == OUPS_TT_BOOL_TRUE || t == OUPS_TT_BOOL_FALSE) return oups_thrift__read_bool(r, t, out);
    return oups_thrift__skip(r, t);
}

static int get_str(rd *r, int t, oups_pq_str *out) {
    if (t != OUPS_TT_BINARY) return oups_thrift__skip(r, t);
    return oups_thrift__read_binary(r, &out->ptr, &out->len);
}

/* A list of `want` elements: allocates n * elem_size (zeroed) after checking that n elements
 * of at least `min_bytes` each fit in the input. `*arr` stays NULL when the field has another
 * type (then it is skipped). */
static int get_list(rd *r, int t, int want, size_t min_bytes, size_t elem_size, oups_pq_arena *a, void **arr,
                    int32_t *n_out) {
    *arr = NULL;
    *n_out = 0;
    if (t != OUPS_TT_LIST) return oups_thrift__skip(r, t);
    int et;
    int64_t n;
    rd save = *r;
    OUPS_TRY(oups_thrift__read_list(r, &et, &n));
    bool is_bool = et == OUPS_TT_BOOL_TRUE || et == OUPS_TT_BOOL_FALSE;
    if (!(et == want || (want == OUPS_TT_BOOL_TRUE && is_bool) ||
          (want == OUPS_TT_I32 && (et == OUPS_TT_I64 || et == OUPS_TT_I16)))) {
        *r = save;
        return oups_thrift__skip(r, t);
    }
    if ((uint64_t)n * min_bytes > (uint64_t)(r->end - r->p) || n > INT32_MAX)
        return oups_thrift__corrupt(r, "list count larger than the input allows");
    *arr = oups_parquet__arena_alloc(a, (size_t)n * elem_size);
    if (!*arr) return OUPS_ENOMEM;
    *n_out = (int32_t)n;
    return 0;
}

/* Field loop: `body` handles field `id` of type `t` and sets rc. */
#define FOR_FIELDS(r, body)                                                                  \
    do {                                                                                     \
        OUPS_TRY(oups_thrift__enter(r));                                                     \
        int16_t last_ = 0, id;                                                               \
        int t, rc;                                                                           \
        for (;;) {                                                                           \
            OUPS_TRY(oups_thrift__read_field(r, &last_, &t, &id));                           \
            if (t == OUPS_TT_STOP) break;                                                    \
            body;                                                                            \
            if (rc) return rc;                                                               \
        }                                                                                    \
        oups_thrift__leave(r);                                                               \
    } while (0)

static int expect_struct(rd *r, int t) {
    (void)r;
    return t == OUPS_TT_STRUCT;
}

/* ---- parse structs ------------------------------------------------------------------------ */

static int parse_stats(rd *r, oups_pq_stats *s) {
    oups_parquet__stats_init(s);
    FOR_FIELDS(r, {
        bool b;
        switch (id) {
        case 1: rc = get_str(r, t, &s->max); break;
        case 2: rc = get_str(r, t, &s->min); break;
        case 3: rc = get_i64(r, t, &s->null_count); break;
        case 4: rc = get_i64(r, t, &s->distinct_count); break;
        case 5: rc = get_str(r, t, &s->max_value); break;
        case 6: rc = get_str(r, t, &s->min_value); break;
        case 7:
            b = false;
            rc = get_bool(r, t, &b);
            if (t <= OUPS_TT_BOOL_FALSE) s->is_max_value_exact = b;
            break;
        case 8:
            b = false;
            rc = get_bool(r, t, &b);
            if (t <= OUPS_TT_BOOL_FALSE) s->is_min_value_exact = b;
            break;
        default: rc = oups_thrift__skip(r, t);
        }
    });
    return 0;
}

static int parse_time_unit(rd *r, int *unit) {
    FOR_FIELDS(r, {
        if (id >= 1 && id <= 3 && t == OUPS_TT_STRUCT) *unit = id;
        rc = oups_thrift__skip(r, t);
    });
    return 0;
}

static int parse_logical_body(rd *r, int kind, oups_pq_logical *lt) {
    FOR_FIELDS(r, {
        rc = 0;
        if (kind == OUPS_PQ_LT_DECIMAL && id == 1) rc = get_i32(r, t, &lt->scale);
        else if (kind == OUPS_PQ_LT_DECIMAL && id == 2) rc = get_i32(r, t, &lt->precision);
        else if ((kind == OUPS_PQ_LT_TIME || kind == OUPS_PQ_LT_TIMESTAMP) && id == 1)
            rc = get_bool(r, t, &lt->adjusted_to_utc);
        else if ((kind == OUPS_PQ_LT_TIME || kind == OUPS_PQ_LT_TIMESTAMP) && id == 2 && expect_struct(r, t))
            rc = parse_time_unit(r, &lt->unit);
        else if (kind == OUPS_PQ_LT_INTEGER && id == 1) {
            int64_t v = 0;
            rc = get_i64(r, t, &v);
            lt->bit_width = (int)(v < 0 || v > 64 ? 0 : v);
        } else if (kind == OUPS_PQ_LT_INTEGER && id == 2) rc = get_bool(r, t, &lt->is_signed);
        else rc = oups_thrift__skip(r, t);
    });
    return 0;
}

static int parse_logical(rd *r, oups_pq_logical *lt) {
    memset(lt, 0, sizeof *lt);
    FOR_FIELDS(r, {
        if (t == OUPS_TT_STRUCT && lt->kind == OUPS_PQ_LT_NONE) {
            lt->kind = (id >= 1 && id <= 18 && id != 9) ? id : OUPS_PQ_LT_OTHER;
            rc = parse_logical_body(r, lt->kind, lt);
        } else {
            rc = oups_thrift__skip(r, t);
        }
    });
    return 0;
}

static int parse_schema_elem(rd *r, oups_pq_schema_elem *e) {
    oups_parquet__schema_elem_init(e);
    FOR_FIELDS(r, {
        switch (id) {
        case 1: rc = get_i32(r, t, &e->type); break;
        case 2: rc = get_i32(r, t, &e->type_length); break;
        case 3: rc = get_i32(r, t, &e->repetition); break;
        case 4: rc = get_str(r, t, &e->name); break;
        case 5: rc = get_i32(r, t, &e->num_children); break;
        case 6: rc = get_i32(r, t, &e->converted_type); break;
        case 7: rc = get_i32(r, t, &e->scale); break;
        case 8: rc = get_i32(r, t, &e->precision); break;
        case 9: rc = get_i32(r, t, &e->field_id); break;
        case 10: rc = expect_struct(r, t) ? parse_logical(r, &e->logical) : oups_thrift__skip(r, t); break;
        default: rc = oups_thrift__skip(r, t);
        }
    });
    return 0;
}

static int parse_kv(rd *r, oups_pq_kv *kv) {
    FOR_FIELDS(r, {
        if (id == 1) rc = get_str(r, t, &kv->key);
        else if (id == 2) rc = get_str(r, t, &kv->value);
        else rc = oups_thrift__skip(r, t);
    });
    if (!kv->key.ptr) return oups_thrift__corrupt(r, "key-value without a key");
    return 0;
}

static int parse_kv_list(rd *r, int t, oups_pq_arena *a, oups_pq_kv **kv, int32_t *n) {
    OUPS_TRY(get_list(r, t, OUPS_TT_STRUCT, 2, sizeof **kv, a, (void **)kv, n));
    for (int32_t i = 0; i < *n; i++) OUPS_TRY(parse_kv(r, &(*kv)[i]));
    return 0;
}

static int parse_i32_list(rd *r, int t, oups_pq_arena *a, int32_t **v, int32_t *n) {
    OUPS_TRY(get_list(r, t, OUPS_TT_I32, 1, sizeof **v, a, (void **)v, n));
    for (int32_t i = 0; i < *n; i++) OUPS_TRY(oups_thrift__read_i32(r, &(*v)[i]));
    return 0;
}

static int parse_enc_stats(rd *r, oups_pq_page_enc_stats *s) {
    FOR_FIELDS(r, {
        if (id == 1) rc = get_i32(r, t, &s->page_type);
        else if (id == 2) rc = get_i32(r, t, &s->encoding);
        else if (id == 3) rc = get_i32(r, t, &s->count);
        else rc = oups_thrift__skip(r, t);
    });
    return 0;
}

static int parse_column_meta(rd *r, oups_pq_arena *a, oups_pq_column_meta *m) {
    FOR_FIELDS(r, {
        switch (id) {
        case 1: rc = get_i32(r, t, &m->type); break;
        case 2: rc = parse_i32_list(r, t, a, &m->encodings, &m->n_encodings); break;
        case 3:
            rc = get_list(r, t, OUPS_TT_BINARY, 1, sizeof *m->path, a, (void **)&m->path, &m->n_path);
            for (int32_t i = 0; rc == 0 && i < m->n_path; i++)
                rc = oups_thrift__read_binary(r, &m->path[i].ptr, &m->path[i].len);
            break;
        case 4: rc = get_i32(r, t, &m->codec); break;
        case 5: rc = get_i64(r, t, &m->num_values); break;
        case 6: rc = get_i64(r, t, &m->total_uncompressed_size); break;
        case 7: rc = get_i64(r, t, &m->total_compressed_size); break;
        case 8: rc = parse_kv_list(r, t, a, &m->kv, &m->n_kv); break;
        case 9: rc = get_i64(r, t, &m->data_page_offset); break;
        case 10: rc = get_i64(r, t, &m->index_page_offset); break;
        case 11: rc = get_i64(r, t, &m->dictionary_page_offset); break;
        case 12:
            m->has_stats = expect_struct(r, t);
            rc = m->has_stats ? parse_stats(r, &m->stats) : oups_thrift__skip(r, t);
            break;
        case 13:
            rc = get_list(r, t, OUPS_TT_STRUCT, 1, sizeof *m->encoding_stats, a, (void **)&m->encoding_stats,
                          &m->n_encoding_stats);
            for (int32_t i = 0; rc == 0 && i < m->n_encoding_stats; i++)
                rc = parse_enc_stats(r, &m->encoding_stats[i]);
            break;
        case 14: rc = get_i64(r, t, &m->bloom_filter_offset); break;
        case 15: rc = get_i32(r, t, &m->bloom_filter_length); break;
        default: rc = oups_thrift__skip(r, t);
        }
    });
    return 0;
}

static int parse_column_chunk(rd *r, oups_pq_arena *a, oups_pq_column_chunk *c) {
    oups_parquet__column_chunk_init(c);
    FOR_FIELDS(r, {
        switch (id) {
        case 1: rc = get_str(r, t, &c->file_path); break;
        case 2: rc = get_i64(r, t, &c->file_offset); break;
        case 3:
            c->has_meta = expect_struct(r, t);
            rc = c->has_meta ? parse_column_meta(r, a, &c->meta) : oups_thrift__skip(r, t);
            break;
        case 4: rc = get_i64(r, t, &c->offset_index_offset); break;
        case 5: rc = get_i32(r, t, &c->offset_index_length); break;
        case 6: rc = get_i64(r, t, &c->column_index_offset); break;
        case 7: rc = get_i32(r, t, &c->column_index_length); break;
        case 8:
        case 9:
            c->encrypted = true;
            rc = oups_thrift__skip(r, t);
            break;
        default: rc = oups_thrift__skip(r, t);
        }
    });
    return 0;
}

static int parse_sorting(rd *r, oups_pq_sorting_column *s) {
    FOR_FIELDS(r, {
        if (id == 1) rc = get_i32(r, t, &s->column_idx);
        else if (id == 2) rc = get_bool(r, t, &s->descending);
        else if (id == 3) rc = get_bool(r, t, &s->nulls_first);
        else rc = oups_thrift__skip(r, t);
    });
    return 0;
}

static int parse_row_group(rd *r, oups_pq_arena *a, oups_pq_row_group *g) {
    oups_parquet__row_group_init(g);
    FOR_FIELDS(r, {
        switch (id) {
        case 1:
            rc = get_list(r, t, OUPS_TT_STRUCT, 8, sizeof *g->columns, a, (void **)&g->columns, &g->n_columns);
            for (int32_t i = 0; rc == 0 && i < g->n_columns; i++) rc = parse_column_chunk(r, a, &g->columns[i]);
            break;
        case 2: rc = get_i64(r, t, &g->total_byte_size); break;
        case 3: rc = get_i64(r, t, &g->num_rows); break;
        case 4:
            rc = get_list(r, t, OUPS_TT_STRUCT, 1, sizeof *g->sorting, a, (void **)&g->sorting, &g->n_sorting);
            for (int32_t i = 0; rc == 0 && i < g->n_sorting; i++) rc = parse_sorting(r, &g->sorting[i]);
            break;
        case 5: rc = get_i64(r, t, &g->file_offset); break;
        case 6: rc = get_i64(r, t, &g->total_compressed_size); break;
        case 7: rc = get_i32(r, t, &g->ordinal); break;
        default: rc = oups_thrift__skip(r, t);
        }
    });
    return 0;
}

static int parse_column_orders(rd *r, int t, oups_pq_arena *a, oups_pq_file_meta *m) {
    OUPS_TRY(get_list(r, t, OUPS_TT_STRUCT, 1, sizeof *m->column_orders, a, (void **)&m->column_orders,
                      &m->n_column_orders));
    for (int32_t i = 0; i < m->n_column_orders; i++) {
        int32_t *o = &m->column_orders[i];
        FOR_FIELDS(r, {
            if (t == OUPS_TT_STRUCT && *o == 0) *o = id;
            rc = oups_thrift__skip(r, t);
        });
    }
    return 0;
}

int oups_parquet__parse_file_meta(oups_pq_file_meta *m, oups_pq_arena *a, const uint8_t *p, size_t n,
                                  const char *what) {
    rd rr, *r = &rr;
    oups_thrift__reader_init(r, p, n, what);
    oups_parquet__file_meta_init(m);
    FOR_FIELDS(r, {
        switch (id) {
        case 1: rc = get_i32(r, t, &m->version); break;
        case 2:
            rc = get_list(r, t, OUPS_TT_STRUCT, 3, sizeof *m->schema, a, (void **)&m->schema, &m->n_schema);
            for (int32_t i = 0; rc == 0 && i < m->n_schema; i++) rc = parse_schema_elem(r, &m->schema[i]);
            break;
        case 3: rc = get_i64(r, t, &m->num_rows); break;
        case 4:
            rc = get_list(r, t, OUPS_TT_STRUCT, 5, sizeof *m->row_groups, a, (void **)&m->row_groups,
                          &m->n_row_groups);
            for (int32_t i = 0; rc == 0 && i < m->n_row_groups; i++) rc = parse_row_group(r, a, &m->row_groups[i]);
            break;
        case 5: rc = parse_kv_list(r, t, a, &m->kv, &m->n_kv); break;
        case 6: rc = get_str(r, t, &m->created_by); break;
        case 7: rc = parse_column_orders(r, t, a, m); break;
        case 8:
            m->encrypted = true;
            rc = oups_thrift__skip(r, t);
            break;
        default: rc = oups_thrift__skip(r, t);
        }
    });
    return 0;
}

static int parse_data_v1(rd *r, oups_pq_data_page_v1 *d) {
    FOR_FIELDS(r, {
        switch (id) {
        case 1: rc = get_i32(r, t, &d->num_values); break;
        case 2: rc = get_i32(r, t, &d->encoding); break;
        case 3: rc = get_i32(r, t, &d->def_level_encoding); break;
        case 4: rc = get_i32(r, t, &d->rep_level_encoding); break;
        case 5:
            d->has_stats = expect_struct(r, t);
            rc = d->has_stats ? parse_stats(r, &d->stats) : oups_thrift__skip(r, t);
            break;
        default: rc = oups_thrift__skip(r, t);
        }
    });
    return 0;
}

static int parse_dict(rd *r, oups_pq_dict_page *d) {
    FOR_FIELDS(r, {
        bool b = false;
        if (id == 1) rc = get_i32(r, t, &d->num_values);
        else if (id == 2) rc = get_i32(r, t, &d->encoding);
        else if (id == 3) {
            rc = get_bool(r, t, &b);
            if (t <= OUPS_TT_BOOL_FALSE) d->is_sorted = b;
        } else rc = oups_thrift__skip(r, t);
    });
    return 0;
}

static int parse_data_v2(rd *r, oups_pq_data_page_v2 *d) {
    FOR_FIELDS(r, {
        switch (id) {
        case 1: rc = get_i32(r, t, &d->num_values); break;
        case 2: rc = get_i32(r, t, &d->num_nulls); break;
        case 3: rc = get_i32(r, t, &d->num_rows); break;
        case 4: rc = get_i32(r, t, &d->encoding); break;
        case 5: rc = get_i32(r, t, &d->def_levels_byte_length); break;
        case 6: rc = get_i32(r, t, &d->rep_levels_byte_length); break;
        case 7: rc = get_bool(r, t, &d->is_compressed); break;
        case 8:
            d->has_stats = expect_struct(r, t);
            rc = d->has_stats ? parse_stats(r, &d->stats) : oups_thrift__skip(r, t);
            break;
        default: rc = oups_thrift__skip(r, t);
        }
    });
    return 0;
}

int oups_parquet__parse_page_header(oups_pq_page_header *h, const uint8_t *p, size_t n, size_t *consumed,
                                    const char *what) {
    rd rr, *r = &rr;
    oups_thrift__reader_init(r, p, n, what);
    oups_parquet__page_header_init(h);
    h->type = -1;
    h->uncompressed_page_size = h->compressed_page_size = -1;
    FOR_FIELDS(r, {
        switch (id) {
        case 1: rc = get_i32(r, t, &h->type); break;
        case 2: rc = get_i32(r, t, &h->uncompressed_page_size); break;
        case 3: rc = get_i32(r, t, &h->compressed_page_size); break;
        case 4:
            h->has_crc = t == OUPS_TT_I32;
            rc = get_i32(r, t, &h->crc);
            break;
        case 5:
            h->has_data_v1 = expect_struct(r, t);
            rc = h->has_data_v1 ? parse_data_v1(r, &h->data_v1) : oups_thrift__skip(r, t);
            break;
        case 7:
            h->has_dict = expect_struct(r, t);
            rc = h->has_dict ? parse_dict(r, &h->dict) : oups_thrift__skip(r, t);
            break;
        case 8:
            h->has_data_v2 = expect_struct(r, t);
            rc = h->has_data_v2 ? parse_data_v2(r, &h->data_v2) : oups_thrift__skip(r, t);
            break;
        default: rc = oups_thrift__skip(r, t);
        }
    });
    if (h->type < 0 || h->uncompressed_page_size < 0 || h->compressed_page_size < 0)
        return oups_thrift__corrupt(r, "page header without type or sizes");
    *consumed = (size_t)(r->p - p);
    return 0;
}

int oups_parquet__parse_column_index(oups_pq_column_index *ci, oups_pq_arena *a, const uint8_t *p, size_t n,
                                     const char *what) {
    rd rr, *r = &rr;
    oups_thrift__reader_init(r, p, n, what);
    memset(ci, 0, sizeof *ci);
    int32_t n_null = -1, n_min = -1, n_max = -1, n_cnt = -1;
    FOR_FIELDS(r, {
        switch (id) {
        case 1:
            rc = get_list(r, t, OUPS_TT_BOOL_TRUE, 1, sizeof(bool), a, (void **)&ci->null_pages, &n_null);
            for (int32_t i = 0; rc == 0 && i < n_null; i++) {
                int8_t b;
                rc = oups_thrift__read_byte(r, &b);
                ci->null_pages[i] = b == OUPS_TT_BOOL_TRUE;
            }
            break;
        case 2:
        case 3: {
            oups_pq_str **arr = id == 2 ? &ci->min_values : &ci->max_values;
            int32_t *cnt = id == 2 ? &n_min : &n_max;
            rc = get_list(r, t, OUPS_TT_BINARY, 1, sizeof(oups_pq_str), a, (void **)arr, cnt);
            for (int32_t i = 0; rc == 0 && i < *cnt; i++)
                rc = oups_thrift__read_binary(r, &(*arr)[i].ptr, &(*arr)[i].len);
            break;
        }
        case 4: rc = get_i32(r, t, &ci->boundary_order); break;
        case 5:
            rc = get_list(r, t, OUPS_TT_I64, 1, sizeof(int64_t), a, (void **)&ci->null_counts, &n_cnt);
            for (int32_t i = 0; rc == 0 && i < n_cnt; i++) rc = oups_thrift__read_i64(r, &ci->null_counts[i]);
            break;
        default: rc = oups_thrift__skip(r, t);
        }
    });
    if (!ci->null_pages || !ci->min_values || !ci->max_values || n_min != n_null || n_max != n_null ||
        (ci->null_counts && n_cnt != n_null))
        return oups_thrift__corrupt(r, "column index lists missing or of different lengths");
    ci->n_pages = n_null;
    return 0;
}

static int parse_page_location(rd *r, oups_pq_page_location *l) {
    l->offset = l->first_row_index = -1;
    l->compressed_page_size = -1;
    FOR_FIELDS(r, {
        if (id == 1) rc = get_i64(r, t, &l->offset);
        else if (id == 2) rc = get_i32(r, t, &l->compressed_page_size);
        else if (id == 3) rc = get_i64(r, t, &l->first_row_index);
        else rc = oups_thrift__skip(r, t);
    });
    if (l->offset < 0 || l->compressed_page_size < 0 || l->first_row_index < 0)
        return oups_thrift__corrupt(r, "page location missing a field");
    return 0;
}

int oups_parquet__parse_offset_index(oups_pq_offset_index *oi, oups_pq_arena *a, const uint8_t *p, size_t n,
                                     const char *what) {
    rd rr, *r = &rr;
    oups_thrift__reader_init(r, p, n, what);
    memset(oi, 0, sizeof *oi);
    FOR_FIELDS(r, {
        if (id == 1) {
            rc = get_list(r, t, OUPS_TT_STRUCT, 7, sizeof *oi->pages, a, (void **)&oi->pages, &oi->n_pages);
            for (int32_t i = 0; rc == 0 && i < oi->n_pages; i++) rc = parse_page_location(r, &oi->pages[i]);
        } else {
            rc = oups_thrift__skip(r, t);
        }
    });
    if (!oi->pages) return oups_thrift__corrupt(r, "offset index without page locations");
    return 0;
}

/* ---- serialize ---------------------------------------------------------------------------- */

typedef oups_thrift_writer wr;

static void w_str(wr *w, int16_t id, oups_pq_str s) {
    if (s.ptr) oups_thrift__write_binary_field(w, id, s.ptr, s.len);
}
static void w_i32_opt(wr *w, int16_t id, int32_t v) {
    if (v >= 0) oups_thrift__write_i32_field(w, id, v);
}
static void w_i64_opt(wr *w, int16_t id, int64_t v) {
    if (v >= 0) oups_thrift__write_i64_field(w, id, v);
}
static void w_begin(wr *w, int16_t id) {
    oups_thrift__write_field(w, OUPS_TT_STRUCT, id);
    oups_thrift__struct_begin(w);
}

static void write_stats(wr *w, int16_t id, const oups_pq_stats *s) {
    w_begin(w, id);
    w_str(w, 1, s->max);
    w_str(w, 2, s->min);
    w_i64_opt(w, 3, s->null_count);
    w_i64_opt(w, 4, s->distinct_count);
    w_str(w, 5, s->max_value);
    w_str(w, 6, s->min_value);
    if (s->is_max_value_exact >= 0) oups_thrift__write_bool_field(w, 7, s->is_max_value_exact);
    if (s->is_min_value_exact >= 0) oups_thrift__write_bool_field(w, 8, s->is_min_value_exact);
    oups_thrift__struct_end(w);
}

static void write_kvs(wr *w, int16_t id, const oups_pq_kv *kv, int32_t n) {
    if (n <= 0) return;
    oups_thrift__write_field(w, OUPS_TT_LIST, id);
    oups_thrift__write_list(w, OUPS_TT_STRUCT, n);
    for (int32_t i = 0; i < n; i++) {
        oups_thrift__struct_begin(w);
        oups_thrift__write_binary_field(w, 1, kv[i].key.ptr, kv[i].key.len);
        w_str(w, 2, kv[i].value);
        oups_thrift__struct_end(w);
    }
}

static void write_logical(wr *w, const oups_pq_logical *lt) {
    w_begin(w, 10);
    w_begin(w, (int16_t)lt->kind); /* the union member */
    switch (lt->kind) {
    case OUPS_PQ_LT_DECIMAL:
        oups_thrift__write_i32_field(w, 1, lt->scale);
        oups_thrift__write_i32_field(w, 2, lt->precision);
        break;
    case OUPS_PQ_LT_TIME:
    case OUPS_PQ_LT_TIMESTAMP:
        oups_thrift__write_bool_field(w, 1, lt->adjusted_to_utc);
        w_begin(w, 2);
        w_begin(w, (int16_t)lt->unit);
        oups_thrift__struct_end(w);
        oups_thrift__struct_end(w);
        break;
    case OUPS_PQ_LT_INTEGER:
        oups_thrift__write_field(w, OUPS_TT_BYTE, 1);
        {
            uint8_t b = (uint8_t)lt->bit_width;
            if (!w->rc && oups_bytes_append(w->out, &b, 1) < 0) w->rc = OUPS_ENOMEM;
        }
        oups_thrift__write_bool_field(w, 2, lt->is_signed);
        break;
    default: break;
    }
    oups_thrift__struct_end(w);
    oups_thrift__struct_end(w);
}

static void write_schema_elem(wr *w, const oups_pq_schema_elem *e) {
    oups_thrift__struct_begin(w);
    w_i32_opt(w, 1, e->type);
    w_i32_opt(w, 2, e->type_length);
    w_i32_opt(w, 3, e->repetition);
    oups_thrift__write_binary_field(w, 4, e->name.ptr, e->name.len);
    w_i32_opt(w, 5, e->num_children);
    w_i32_opt(w, 6, e->converted_type);
    w_i32_opt(w, 7, e->scale);
    w_i32_opt(w, 8, e->precision);
    w_i32_opt(w, 9, e->field_id);
    if (e->logical.kind != OUPS_PQ_LT_NONE && e->logical.kind != OUPS_PQ_LT_OTHER) write_logical(w, &e->logical);
    oups_thrift__struct_end(w);
}

static void write_column_meta(wr *w, const oups_pq_column_meta *m) {
    w_begin(w, 3);
    oups_thrift__write_i32_field(w, 1, m->type);
    oups_thrift__write_field(w, OUPS_TT_LIST, 2);
    oups_thrift__write_list(w, OUPS_TT_I32, m->n_encodings);
    for (int32_t i = 0; i < m->n_encodings; i++) oups_thrift__write_i32(w, m->encodings[i]);
    oups_thrift__write_field(w, OUPS_TT_LIST, 3);
    oups_thrift__write_list(w, OUPS_TT_BINARY, m->n_path);
    for (int32_t i = 0; i < m->n_path; i++) oups_thrift__write_binary(w, m->path[i].ptr, m->path[i].len);
    oups_thrift__write_i32_field(w, 4, m->codec);
    oups_thrift__write_i64_field(w, 5, m->num_values);
    oups_thrift__write_i64_field(w, 6, m->total_uncompressed_size);
    oups_thrift__write_i64_field(w, 7, m->total_compressed_size);
    write_kvs(w, 8, m->kv, m->n_kv);
    oups_thrift__write_i64_field(w, 9, m->data_page_offset);
    w_i64_opt(w, 10, m->index_page_offset);
    w_i64_opt(w, 11, m->dictionary_page_offset);
    if (m->has_stats) write_stats(w, 12, &m->stats);
    if (m->n_encoding_stats > 0) {
        oups_thrift__write_field(w, OUPS_TT_LIST, 13);
        oups_thrift__write_list(w, OUPS_TT_STRUCT, m->n_encoding_stats);
        for (int32_t i = 0; i < m->n_encoding_stats; i++) {
            oups_thrift__struct_begin(w);
            oups_thrift__write_i32_field(w, 1, m->encoding_stats[i].page_type);
            oups_thrift__write_i32_field(w, 2, m->encoding_stats[i].encoding);
            oups_thrift__write_i32_field(w, 3, m->encoding_stats[i].count);
            oups_thrift__struct_end(w);
        }
    }
    w_i64_opt(w, 14, m->bloom_filter_offset);
    w_i32_opt(w, 15, m->bloom_filter_length);
    oups_thrift__struct_end(w);
}

static void write_row_group(wr *w, const oups_pq_row_group *g) {
    oups_thrift__struct_begin(w);
    oups_thrift__write_field(w, OUPS_TT_LIST, 1);
    oups_thrift__write_list(w, OUPS_TT_STRUCT, g->n_columns);
    for (int32_t i = 0; i < g->n_columns; i++) {
        const oups_pq_column_chunk *c = &g->columns[i];
        oups_thrift__struct_begin(w);
        w_str(w, 1, c->file_path);
        oups_thrift__write_i64_field(w, 2, c->file_offset);
        if (c->has_meta) write_column_meta(w, &c->meta);
        if (c->offset_index_offset >= 0) {
            oups_thrift__write_i64_field(w, 4, c->offset_index_offset);
            oups_thrift__write_i32_field(w, 5, c->offset_index_length);
        }
        if (c->column_index_offset >= 0) {
            oups_thrift__write_i64_field(w, 6, c->column_index_offset);
            oups_thrift__write_i32_field(w, 7, c->column_index_length);
        }
        oups_thrift__struct_end(w);
    }
    oups_thrift__write_i64_field(w, 2, g->total_byte_size);
    oups_thrift__write_i64_field(w, 3, g->num_rows);
    if (g->n_sorting > 0) {
        oups_thrift__write_field(w, OUPS_TT_LIST, 4);
        oups_thrift__write_list(w, OUPS_TT_STRUCT, g->n_sorting);
        for (int32_t i = 0; i < g->n_sorting; i++) {
            oups_thrift__struct_begin(w);
            oups_thrift__write_i32_field(w, 1, g->sorting[i].column_idx);
            oups_thrift__write_bool_field(w, 2, g->sorting[i].descending);
            oups_thrift__write_bool_field(w, 3, g->sorting[i].nulls_first);
            oups_thrift__struct_end(w);
        }
    }
    w_i64_opt(w, 5, g->file_offset);
    w_i64_opt(w, 6, g->total_compressed_size);
    if (g->ordinal >= 0) {
        oups_thrift__write_field(w, OUPS_TT_I16, 7);
        oups_thrift__write_i32(w, g->ordinal);
    }
    oups_thrift__struct_end(w);
}

int oups_parquet__write_file_meta(oups_bytes *out, const oups_pq_file_meta *m) {
    wr ww, *w = &ww;
    oups_thrift__writer_init(w, out);
    oups_thrift__write_i32_field(w, 1, m->version);
    oups_thrift__write_field(w, OUPS_TT_LIST, 2);
    oups_thrift__write_list(w, OUPS_TT_STRUCT, m->n_schema);
    for (int32_t i = 0; i < m->n_schema; i++) write_schema_elem(w, &m->schema[i]);
    oups_thrift__write_i64_field(w, 3, m->num_rows);
    oups_thrift__write_field(w, OUPS_TT_LIST, 4);
    oups_thrift__write_list(w, OUPS_TT_STRUCT, m->n_row_groups);
    for (int32_t i = 0; i < m->n_row_groups; i++) write_row_group(w, &m->row_groups[i]);
    write_kvs(w, 5, m->kv, m->n_kv);
    w_str(w, 6, m->created_by);
    if (m->n_column_orders > 0) {
        oups_thrift__write_field(w, OUPS_TT_LIST, 7);
        oups_thrift__write_list(w, OUPS_TT_STRUCT, m->n_column_orders);
        for (int32_t i = 0; i < m->n_column_orders; i++) {
            oups_thrift__struct_begin(w);
            w_begin(w, (int16_t)(m->column_orders[i] > 0 ? m->column_orders[i] : 1)); /* empty struct */
            oups_thrift__struct_end(w);
            oups_thrift__struct_end(w);
        }
    }
    oups_thrift__struct_end(w);
    return oups_thrift__writer_status(w);
}

int oups_parquet__write_page_header(oups_bytes *out, const oups_pq_page_header *h) {
    wr ww, *w = &ww;
    oups_thrift__writer_init(w, out);
    oups_thrift__write_i32_field(w, 1, h->type);
    oups_thrift__write_i32_field(w, 2, h->uncompressed_page_size);
    oups_thrift__write_i32_field(w, 3, h->compressed_page_size);
    if (h->has_crc) oups_thrift__write_i32_field(w, 4, h->crc);
    if (h->has_data_v1) {
        const oups_pq_data_page_v1 *d = &h->data_v1;
        w_begin(w, 5);
        oups_thrift__write_i32_field(w, 1, d->num_values);
        oups_thrift__write_i32_field(w, 2, d->encoding);
        oups_thrift__write_i32_field(w, 3, d->def_level_encoding);
        oups_thrift__write_i32_field(w, 4, d->rep_level_encoding);
        if (d->has_stats) write_stats(w, 5, &d->stats);
        oups_thrift__struct_end(w);
    }
    if (h->has_dict) {
        w_begin(w, 7);
        oups_thrift__write_i32_field(w, 1, h->dict.num_values);
        oups_thrift__write_i32_field(w, 2, h->dict.encoding);
        if (h->dict.is_sorted >= 0) oups_thrift__write_bool_field(w, 3, h->dict.is_sorted);
        oups_thrift__struct_end(w);
    }
    if (h->has_data_v2) {
        const oups_pq_data_page_v2 *d = &h->data_v2;
        w_begin(w, 8);
        oups_thrift__write_i32_field(w, 1, d->num_values);
        oups_thrift__write_i32_field(w, 2, d->num_nulls);
        oups_thrift__write_i32_field(w, 3, d->num_rows);
        oups_thrift__write_i32_field(w, 4, d->encoding);
        oups_thrift__write_i32_field(w, 5, d->def_levels_byte_length);
        oups_thrift__write_i32_field(w, 6, d->rep_levels_byte_length);
        oups_thrift__write_bool_field(w, 7, d->is_compressed);
        if (d->has_stats) write_stats(w, 8, &d->stats);
        oups_thrift__struct_end(w);
    }
    oups_thrift__struct_end(w);
    return oups_thrift__writer_status(w);
}

int oups_parquet__write_column_index(oups_bytes *out, const oups_pq_column_index *ci) {
    wr ww, *w = &ww;
    oups_thrift__writer_init(w, out);
    oups_thrift__write_field(w, OUPS_TT_LIST, 1);
    oups_thrift__write_list(w, OUPS_TT_BOOL_TRUE, ci->n_pages);
    for (int32_t i = 0; i < ci->n_pages; i++) oups_thrift__write_bool(w, ci->null_pages[i]);
    for (int16_t f = 2; f <= 3; f++) {
        const oups_pq_str *v = f == 2 ? ci->min_values : ci->max_values;
        oups_thrift__write_field(w, OUPS_TT_LIST, f);
        oups_thrift__write_list(w, OUPS_TT_BINARY, ci->n_pages);
        for (int32_t i = 0; i < ci->n_pages; i++) oups_thrift__write_binary(w, v[i].ptr, v[i].len);
    }
    oups_thrift__write_i32_field(w, 4, ci->boundary_order);
    if (ci->null_counts) {
        oups_thrift__write_field(w, OUPS_TT_LIST, 5);
        oups_thrift__write_list(w, OUPS_TT_I64, ci->n_pages);
        for (int32_t i = 0; i < ci->n_pages; i++) oups_thrift__write_i64(w, ci->null_counts[i]);
    }
    oups_thrift__struct_end(w);
    return oups_thrift__writer_status(w);
}

int oups_parquet__write_offset_index(oups_bytes *out, const oups_pq_offset_index *oi) {
    wr ww, *w = &ww;
    oups_thrift__writer_init(w, out);
    oups_thrift__write_field(w, OUPS_TT_LIST, 1);
    oups_thrift__write_list(w, OUPS_TT_STRUCT, oi->n_pages);
    for (int32_t i = 0; i < oi->n_pages; i++) {
        oups_thrift__struct_begin(w);
        oups_thrift__write_i64_field(w, 1, oi->pages[i].offset);
        oups_thrift__write_i32_field(w, 2, oi->pages[i].compressed_page_size);
        oups_thrift__write_i64_field(w, 3, oi->pages[i].first_row_index);
        oups_thrift__struct_end(w);
    }
    oups_thrift__struct_end(w);
    return oups_thrift__writer_status(w);
}
