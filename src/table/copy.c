/*
 * table/copy.c: the copying table operations: concat (rows of several tables one after the
 * other) and take (rows at given indices, the back end of sort and dedup), plus the exact
 * memory size formula used by memory caps. Results are fresh, compact columns at offset 0:
 * bool values bit-packed, strings with int64 offsets starting at 0, and a validity bitmap
 * only when the result has nulls.
 */
#include <stdio.h>

#include "table/table.h"

static void set_bits(uint8_t *bits, int64_t off, int64_t n) {
    for (int64_t i = 0; i < n; i++) oups_bit_set(bits, off + i, true);
}

static void release3(oups_buffer *a, oups_buffer *b, oups_buffer *c) {
    oups_buffer_release(a);
    oups_buffer_release(b);
    oups_buffer_release(c);
}

/* ---- take --------------------------------------------------------------------------------- */

#define GATHER(T)                                                                              \
    do {                                                                                       \
        const T *src = (const T *)c->data->data + c->offset;                                   \
        T *dst = (T *)data->data;                                                              \
        for (int64_t r = 0; r < n; r++) dst[r] = src[idx[r]];                                  \
    } while (0)

int oups_column__take(oups_column **out, const oups_column *c, const int64_t *idx, int64_t n) {
    *out = NULL;
    oups_buffer *validity = NULL, *offsets = NULL, *data = NULL;
    int64_t nulls = 0;
    int rc = 0;
    if (c->null_count > 0) {
        rc = oups_buffer_new_zeroed(&validity, (n + 7) / 8);
        for (int64_t r = 0; rc == 0 && r < n; r++) {
            bool ok = oups_bit_get(c->validity->data, c->offset + idx[r]);
            if (ok) oups_bit_set(validity->data, r, true);
            else nulls++;
        }
        if (rc == 0 && nulls == 0) { /* no null among the rows taken */
            oups_buffer_release(validity);
            validity = NULL;
        }
    }
    if (rc == 0 && oups_type_is_binary(c->type.id)) {
        const int64_t *o = (const int64_t *)c->offsets->data + c->offset;
        int64_t total = 0;
        for (int64_t r = 0; r < n; r++) total += o[idx[r] + 1] - o[idx[r]];
        rc = oups_buffer_new(&offsets, (n + 1) * 8);
        if (rc == 0) rc = oups_buffer_new(&data, total);
        if (rc == 0) {
            int64_t *oo = (int64_t *)offsets->data, pos = 0;
            oo[0] = 0;
            for (int64_t r = 0; r < n; r++) {
                int64_t len = o[idx[r] + 1] - o[idx[r]];
                if (len) memcpy(data->data + pos, c->data->data + o[idx[r]], (size_t)len);
                pos += len;
                oo[r + 1] = pos;
            }
        }
    } else if (rc == 0 && c->type.id == OUPS_TYPE_BOOL) {
        rc = oups_buffer_new_zeroed(&data, (n + 7) / 8);
        for (int64_t r = 0; rc == 0 && r < n; r++)
            if (oups_bit_get(c->data->data, c->offset + idx[r])) oups_bit_set(data->data, r, true);
    } else if (rc == 0) {
        int w = oups_datatype_width(c->type.id);
        rc = oups_buffer_new(&data, n * w);
        if (rc == 0) {
            switch (w) {
            case 1: GATHER(uint8_t); break;
            case 2: GATHER(uint16_t); break;
            case 4: GATHER(uint32_t); break;
            case 8: GATHER(uint64_t); break;
            default:
                for (int64_t r = 0; r < n; r++)
                    memcpy(data->data + r * 16, c->data->data + (c->offset + idx[r]) * 16, 16);
            }
        }
    }
    if (rc < 0) {
        release3(validity, offsets, data);
        return rc;
    }
    return oups_column_new(out, &c->type, n, 0, nulls, validity, offsets, data);
}

/* Rows `idx` of every column of `t`, as a table named like `t`. */
static int take_columns(oups_table **out, const oups_table *t, const int64_t *idx, int64_t n) {
    oups_column **cols = oups_calloc((size_t)t->n_cols + 1, sizeof *cols);
    if (!cols) return OUPS_ENOMEM;
    int rc = 0;
    for (int i = 0; i < t->n_cols && rc == 0; i++) rc = oups_column__take(&cols[i], t->cols[i], idx, n);
    if (rc == 0) rc = oups_table__make(out, t->n_cols, (const char *const *)t->names, cols, n);
    for (int i = 0; i < t->n_cols; i++) oups_column_release(cols[i]);
    oups_free(cols);
    return rc;
}

int oups_table_take(oups_table **out, const oups_table *t, const int64_t *indices, int64_t n) {
    *out = NULL;
    if (n < 0 || (n > 0 && !indices)) return oups_error_set(OUPS_EINVAL, "take: bad index list (%lld)", (long long)n);
    for (int64_t r = 0; r < n; r++)
        if (indices[r] < 0 || indices[r] >= t->n_rows)
            return oups_error_set(OUPS_EINVAL, "take: index %lld at position %lld outside table of %lld rows",
                                  (long long)indices[r], (long long)r, (long long)t->n_rows);
    return take_columns(out, t, indices, n);
}

/* ---- concat ------------------------------------------------------------------------------- */

/* Column `ci` of every table, one after the other. */
static int concat_column(oups_column **out, oups_table *const *tables, int n, int ci, int64_t rows) {
    const oups_column *first = tables[0]->cols[ci];
    oups_type_id id = first->type.id;
    oups_buffer *validity = NULL, *offsets = NULL, *data = NULL;
    int64_t nulls = 0, total = 0;
    for (int k = 0; k < n; k++) {
        const oups_column *c = tables[k]->cols[ci];
        nulls += c->null_count;
        if (oups_type_is_binary(id)) {
            const int64_t *o = (const int64_t *)c->offsets->data + c->offset;
            total += o[c->length] - o[0];
        }
    }
    int rc = 0;
    if (nulls > 0) rc = oups_buffer_new_zeroed(&validity, (rows + 7) / 8);
    if (rc == 0 && oups_type_is_binary(id)) {
        rc = oups_buffer_new(&offsets, (rows + 1) * 8);
        if (rc == 0) rc = oups_buffer_new(&data, total);
    } else if (rc == 0) {
        rc = oups_buffer_new_zeroed(&data, id == OUPS_TYPE_BOOL ? (rows + 7) / 8 : rows * oups_datatype_width(id));
    }
    if (rc < 0) {
        release3(validity, offsets, data);
        return rc;
    }
    int64_t pos = 0, bytes = 0;
    if (offsets) ((int64_t *)offsets->data)[0] = 0;
    for (int k = 0; k < n; k++) {
        const oups_column *c = tables[k]->cols[ci];
        int64_t m = c->length;
        if (validity) {
            if (c->null_count > 0) oups_bits_copy(validity->data, pos, c->validity->data, c->offset, m);
            else set_bits(validity->data, pos, m);
        }
        if (oups_type_is_binary(id)) {
            const int64_t *o = (const int64_t *)c->offsets->data + c->offset;
            int64_t *oo = (int64_t *)offsets->data + pos;
            int64_t len = o[m] - o[0];
            if (len) memcpy(data->data + bytes, c->data->data + o[0], (size_t)len);
            for (int64_t r = 1; r <= m; r++) oo[r] = bytes + (o[r] - o[0]);
            bytes += len;
        } else if (id == OUPS_TYPE_BOOL) {
            oups_bits_copy(data->data, pos, c->data->data, c->offset, m);
        } else {
            int w = oups_datatype_width(id);
            if (m) memcpy(data->data + pos * w, c->data->data + c->offset * w, (size_t)(m * w));
        }
        pos += m;
    }
    return oups_column_new(out, &first->type, rows, 0, nulls, validity, offsets, data);
}

int oups_table_concat(oups_table **out, oups_table *const *tables, int n) {
    *out = NULL;
    if (n <= 0 || !tables) return oups_error_set(OUPS_EINVAL, "concat: no tables");
    const oups_table *t0 = tables[0];
    int64_t rows = 0;
    for (int k = 0; k < n; k++) {
        const oups_table *t = tables[k];
        if (t->n_cols != t0->n_cols)
            return oups_error_set(OUPS_ESCHEMA, "concat: table %d has %d columns, table 0 has %d", k, t->n_cols,
                                  t0->n_cols);
        for (int i = 0; i < t->n_cols; i++) {
            if (strcmp(t->names[i], t0->names[i]) != 0)
                return oups_error_set(OUPS_ESCHEMA, "concat: table %d column %d is '%s', table 0 has '%s'", k, i,
                                      t->names[i], t0->names[i]);
            if (!oups_datatype_equal(&t->cols[i]->type, &t0->cols[i]->type)) {
                char a[96], b[96];
                return oups_error_set(OUPS_ESCHEMA, "concat: column '%s' is %s in table %d, %s in table 0", t->names[i],
                                      oups_datatype_format(&t->cols[i]->type, a, sizeof a), k,
                                      oups_datatype_format(&t0->cols[i]->type, b, sizeof b));
            }
        }
        if (t->n_rows > INT64_MAX / 16 - rows) return oups_error_set(OUPS_EOVERFLOW, "concat: too many rows");
        rows += t->n_rows;
    }
    if (n == 1) {
        *out = oups_table_retain((oups_table *)t0); /* immutable, so sharing the handle is a zero-copy result */
        return 0;
    }
    oups_column **cols = oups_calloc((size_t)t0->n_cols + 1, sizeof *cols);
    if (!cols) return OUPS_ENOMEM;
    int rc = 0;
    for (int i = 0; i < t0->n_cols && rc == 0; i++) rc = concat_column(&cols[i], tables, n, i, rows);
    if (rc == 0) rc = oups_table__make(out, t0->n_cols, (const char *const *)t0->names, cols, rows);
    for (int i = 0; i < t0->n_cols; i++) oups_column_release(cols[i]);
    oups_free(cols);
    return rc;
}

/* ---- memory size -------------------------------------------------------------------------- */

int64_t oups_table_memory_size(const oups_table *t) {
    int64_t total = 0, n = t->n_rows;
    for (int i = 0; i < t->n_cols; i++) {
        const oups_column *c = t->cols[i];
        if (c->null_count > 0) total += (n + 7) / 8;
        if (oups_type_is_binary(c->type.id)) {
            const int64_t *o = (const int64_t *)c->offsets->data + c->offset;
            total += (n + 1) * 8 + (o[n] - o[0]);
        } else if (c->type.id == OUPS_TYPE_BOOL) {
            total += (n + 7) / 8;
        } else {
            total += n * oups_datatype_width(c->type.id);
        }
    }
    return total;
}
