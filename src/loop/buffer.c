/*
 * loop/buffer.c: memory-capped buffers (spec §10). A buffer is chosen by the caller's id
 * (instead of the reference's call position, so conditional calls cannot mix data) and holds
 * n lists plus the accumulated oups_table_memory_size of what was pushed. It flushes, as the
 * concatenation of each list, when the size reaches the limit or at the last item; otherwise
 * the call returns OUPS_SKIP. Buffers live only in memory: they are never persisted.
 * Memory: a list keeps its first table as is (a lone table flushes zero-copy); from the second
 * one on, rows are appended into growable column buffers and the inputs are released, so the
 * pending data is held once and the flush hands those buffers out without another copy (peak
 * memory ~ limit + one chunk, not twice the limit).
 */
#include "loop/internal.h"
#include "table/table.h"

#define LP_MAX_BUFFERS 4096

static void acc_clear(lp_list *l) {
    if (l->cols)
        for (int i = 0; i < oups_table_num_columns(l->schema); i++) {
            oups_buffer_release(l->cols[i].validity);
            oups_buffer_release(l->cols[i].offsets);
            oups_buffer_release(l->cols[i].data);
        }
    oups_free(l->cols);
    oups_table_free(l->schema);
    oups_table_free(l->first);
    memset(l, 0, sizeof *l);
}

/* Grow (or create) *b to hold `size` bytes, keeping its contents (amortised by resize). */
static int ensure(oups_buffer **b, int64_t size) {
    if (!*b) return oups_buffer_new(b, size);
    return size > oups_buffer_size(*b) ? oups_buffer_resize(*b, size) : 0;
}

static void set_bits(uint8_t *bits, int64_t off, int64_t n) {
    for (int64_t i = off; i < off + n; i++) oups_bit_set(bits, i, true);
}

/* Append the rows of `t` (same schema as l->schema) to the accumulated columns. */
static int acc_append(lp_list *l, const oups_table *t) {
    int64_t rows = l->rows, n = oups_table_num_rows(t);
    for (int i = 0; i < oups_table_num_columns(t); i++) {
        lp_acc *a = &l->cols[i];
        oups_column_view v;
        oups_column_view_get(&v, oups_table_column(t, i));
        if (v.null_count > 0 || a->validity) {
            bool fresh = !a->validity;
            OUPS_TRY(ensure(&a->validity, (rows + n + 7) / 8));
            uint8_t *bits = oups_buffer_data(a->validity);
            if (fresh) set_bits(bits, 0, rows); /* earlier rows had no nulls */
            if (v.null_count > 0) oups_bits_copy(bits, rows, v.validity, v.offset, n);
            else set_bits(bits, rows, n);
            a->null_count += v.null_count;
        }
        if (oups_type_is_binary(v.type.id)) {
            bool fresh = !a->offsets;
            OUPS_TRY(ensure(&a->offsets, (rows + n + 1) * 8));
            int64_t *o = (int64_t *)oups_buffer_data(a->offsets);
            if (fresh) o[0] = 0;
            const int64_t *so = v.offsets + v.offset;
            int64_t base = o[rows], bytes = so[n] - so[0];
            OUPS_TRY(ensure(&a->data, base + bytes));
            if (bytes) memcpy(oups_buffer_data(a->data) + base, (const uint8_t *)v.data + so[0], (size_t)bytes);
            for (int64_t r = 1; r <= n; r++) o[rows + r] = base + (so[r] - so[0]);
        } else if (v.type.id == OUPS_TYPE_BOOL) {
            OUPS_TRY(ensure(&a->data, (rows + n + 7) / 8));
            if (n) oups_bits_copy(oups_buffer_data(a->data), rows, v.data, v.offset, n);
        } else {
            int64_t w = oups_datatype_width(v.type.id);
            OUPS_TRY(ensure(&a->data, (rows + n) * w));
            if (n) memcpy(oups_buffer_data(a->data) + rows * w, (const uint8_t *)v.data + v.offset * w, (size_t)(n * w));
        }
    }
    l->rows = rows + n;
    return 0;
}

/* Start accumulating: an empty table with the schema of l->first, then its rows. */
static int acc_start(lp_list *l) {
    int nc = oups_table_num_columns(l->first);
    const char **names = oups_calloc((size_t)nc + 1, sizeof *names);
    oups_datatype *types = oups_calloc((size_t)nc + 1, sizeof *types);
    int rc = names && types ? 0 : OUPS_ENOMEM;
    for (int i = 0; rc == 0 && i < nc; i++) {
        names[i] = oups_table_column_name(l->first, i);
        types[i] = *oups_column_type(oups_table_column(l->first, i));
    }
    if (rc == 0) rc = oups_table_new_empty(&l->schema, nc, names, types);
    oups_free(names);
    oups_free(types);
    if (rc == 0 && !(l->cols = oups_calloc((size_t)nc + 1, sizeof *l->cols))) rc = OUPS_ENOMEM;
    if (rc == 0) rc = acc_append(l, l->first);
    if (rc < 0) { /* keep the list as it was: only `first` pending */
        oups_table *first = l->first;
        l->first = NULL;
        acc_clear(l);
        l->first = first;
        return rc;
    }
    oups_table_free(l->first);
    l->first = NULL;
    return 0;
}

static int list_push(lp_list *l, oups_table *t) {
    if (!l->first && !l->schema) {
        l->first = oups_table_retain(t);
        return 0;
    }
    if (!oups_table_schema_equal(l->first ? l->first : l->schema, t))
        return oups_error_set(OUPS_ESCHEMA, "the table's column names or types differ from the pending ones");
    if (l->first) OUPS_TRY(acc_start(l));
    return acc_append(l, t);
}

/* The list's concatenation (NULL if empty); the list is reset on success. */
static int list_flush(oups_table **out, lp_list *l) {
    *out = NULL;
    if (l->first) { /* a lone table: zero-copy */
        *out = l->first;
        l->first = NULL;
        return 0;
    }
    if (!l->schema) return 0;
    int nc = oups_table_num_columns(l->schema);
    oups_column **cols = oups_calloc((size_t)nc + 1, sizeof *cols);
    const char **names = oups_calloc((size_t)nc + 1, sizeof *names);
    int rc = cols && names ? 0 : OUPS_ENOMEM;
    for (int i = 0; rc == 0 && i < nc; i++) {
        lp_acc *a = &l->cols[i];
        names[i] = oups_table_column_name(l->schema, i);
        if (!a->data && (rc = oups_buffer_new(&a->data, 0)) < 0) break;
        if (a->null_count == 0) { /* no nulls after all: drop the bitmap */
            oups_buffer_release(a->validity);
            a->validity = NULL;
        }
        rc = oups_column_new(&cols[i], oups_column_type(oups_table_column(l->schema, i)), l->rows, 0, a->null_count,
                             a->validity, a->offsets, a->data); /* consumes the buffers */
        a->validity = a->offsets = a->data = NULL;
    }
    if (rc == 0) rc = oups_table_new(out, nc, names, cols);
    for (int i = 0; cols && i < nc; i++) oups_column_release(cols[i]);
    oups_free(cols);
    oups_free(names);
    acc_clear(l); /* on failure the pending data is lost with the error */
    return rc;
}

bool oups_loop__buffers_empty(const oups_loop *loop) {
    for (int b = 0; b < loop->n_bufs; b++)
        for (int k = 0; k < loop->bufs[b].n; k++)
            if (loop->bufs[b].lists[k].first || loop->bufs[b].lists[k].schema) return false;
    return true;
}

void oups_loop__buffers_free(oups_loop *loop) {
    for (int b = 0; b < loop->n_bufs; b++) {
        for (int k = 0; k < loop->bufs[b].n; k++) acc_clear(&loop->bufs[b].lists[k]);
        oups_free(loop->bufs[b].lists);
    }
    oups_free(loop->bufs);
    loop->bufs = NULL;
    loop->n_bufs = 0;
}

/* The buffer `id`, created with n lists on first use. */
static int buffer_get(lp_buffer **out, oups_loop *loop, int id, int n) {
    if (id < 0 || id >= LP_MAX_BUFFERS || n <= 0)
        return oups_error_set(OUPS_EINVAL, "%s: loop buffer id %d with %d tables: id must be in [0, %d), n > 0",
                              loop->path, id, n, LP_MAX_BUFFERS);
    if (id >= loop->n_bufs) {
        lp_buffer *bufs = oups_realloc(loop->bufs, (size_t)(id + 1) * sizeof *bufs);
        if (!bufs) return OUPS_ENOMEM;
        memset(bufs + loop->n_bufs, 0, (size_t)(id + 1 - loop->n_bufs) * sizeof *bufs);
        loop->bufs = bufs;
        loop->n_bufs = id + 1;
    }
    lp_buffer *b = &loop->bufs[id];
    if (!b->n) {
        if (!(b->lists = oups_calloc((size_t)n, sizeof *b->lists))) return OUPS_ENOMEM;
        b->n = n;
    } else if (b->n != n) {
        return oups_error_set(OUPS_EINVAL, "%s: loop buffer %d takes %d tables per call, not %d", loop->path, id, b->n,
                              n);
    }
    *out = b;
    return 0;
}

int oups_loop_buffer(oups_table **out, oups_loop *loop, int id, oups_table *const *tables, int n,
                     int64_t memory_limit) {
    if (!out || !loop || (n > 0 && !tables)) return oups_error_set(OUPS_EINVAL, "loop buffer: NULL argument");
    for (int k = 0; k < n; k++) out[k] = NULL;
    lp_buffer *b = NULL;
    OUPS_TRY(buffer_get(&b, loop, id, n));
    for (int k = 0; k < n; k++) {
        if (!tables[k]) continue;
        int rc = list_push(&b->lists[k], tables[k]);
        if (rc < 0) return oups_error_prefix(rc, "%s: loop buffer %d, table %d: ", loop->path, id, k);
        b->bytes += oups_table_memory_size(tables[k]);
    }
    int64_t limit = memory_limit < 0 ? loop->opts.default_memory_limit : memory_limit;
    if (!loop->is_last && b->bytes < limit) return OUPS_SKIP;
    int rc = 0;
    for (int k = 0; k < n; k++) {
        int r = list_flush(&out[k], &b->lists[k]);
        if (r < 0 && rc == 0) rc = oups_error_prefix(r, "%s: loop buffer %d, table %d: ", loop->path, id, k);
    }
    b->bytes = 0;
    if (rc < 0)
        for (int k = 0; k < n; k++) {
            oups_table_free(out[k]);
            out[k] = NULL;
        }
    return rc;
}
