/*
 * table/column.c: column construction from buffers (with layout checks), views, slices,
 * reference counting, and typed element access used by the generic kernels.
 * Builders live in builder.c; table-level operations in table.c and the ops files.
 */
#include "table/table.h"

static int64_t min_bytes(const oups_datatype *t, int64_t rows) {
    if (t->id == OUPS_TYPE_BOOL) return (rows + 7) / 8;
    return rows * oups_datatype_width(t->id);
}

int oups_column_new(oups_column **out, const oups_datatype *type, int64_t length, int64_t offset, int64_t null_count,
                    oups_buffer *validity, oups_buffer *offsets, oups_buffer *data) {
    *out = NULL;
    int rc = oups_datatype_validate(type);
    int64_t rows = offset + length;
    if (rc == 0 && (length < 0 || offset < 0 || rows < 0))
        rc = oups_error_set(OUPS_EINVAL, "column: negative length %lld or offset %lld", (long long)length, (long long)offset);
    if (rc == 0 && validity && validity->size < (rows + 7) / 8)
        rc = oups_error_set(OUPS_EINVAL, "column: validity bitmap of %lld bytes too small for %lld rows",
                            (long long)validity->size, (long long)rows);
    if (rc == 0 && oups_type_is_binary(type->id)) {
        if (!offsets || offsets->size < (rows + 1) * 8)
            rc = oups_error_set(OUPS_EINVAL, "column: offsets buffer missing or too small for %lld rows", (long long)rows);
        else if (length > 0) {
            const int64_t *o = (const int64_t *)offsets->data + offset;
            int64_t data_size = data ? data->size : 0;
            if (o[0] < 0 || o[length] > data_size)
                rc = oups_error_set(OUPS_ECORRUPT, "column: string offsets [%lld, %lld] outside data of %lld bytes",
                                    (long long)o[0], (long long)o[length], (long long)data_size);
            for (int64_t i = 0; rc == 0 && i < length; i++)
                if (o[i + 1] < o[i])
                    rc = oups_error_set(OUPS_ECORRUPT, "column: string offsets decrease at row %lld", (long long)i);
        }
    } else if (rc == 0 && (!data || data->size < min_bytes(type, rows))) {
        rc = oups_error_set(OUPS_EINVAL, "column: data buffer missing or too small for %lld rows", (long long)rows);
    }
    oups_column *c = NULL;
    if (rc == 0) {
        c = oups_malloc(sizeof *c);
        if (!c) rc = OUPS_ENOMEM;
    }
    if (rc < 0) {
        oups_buffer_release(validity);
        oups_buffer_release(offsets);
        oups_buffer_release(data);
        return rc;
    }
    if (!oups_type_is_binary(type->id) && offsets) { /* not part of the layout */
        oups_buffer_release(offsets);
        offsets = NULL;
    }
    atomic_init(&c->refcount, 1);
    c->type = *type;
    c->length = length;
    c->offset = offset;
    c->validity = validity;
    c->offsets = offsets;
    c->data = data;
    if (!validity) c->null_count = 0;
    else if (null_count >= 0) c->null_count = null_count;
    else c->null_count = length - oups_bits_count(validity->data, offset, length);
    if (!data) { /* empty string column: give it an empty data buffer so views are uniform */
        if (oups_buffer_new(&c->data, 0) < 0) {
            oups_column_release(c);
            return OUPS_ENOMEM;
        }
    }
    *out = c;
    return 0;
}

int oups_column_new_nulls(oups_column **out, const oups_datatype *type, int64_t length) {
    *out = NULL;
    oups_buffer *validity = NULL, *offsets = NULL, *data = NULL;
    int rc = oups_buffer_new_zeroed(&validity, (length + 7) / 8);
    if (rc == 0 && oups_type_is_binary(type->id)) rc = oups_buffer_new_zeroed(&offsets, (length + 1) * 8);
    if (rc == 0) rc = oups_buffer_new_zeroed(&data, min_bytes(type, length));
    if (rc < 0) {
        oups_buffer_release(validity);
        oups_buffer_release(offsets);
        oups_buffer_release(data);
        return rc;
    }
    return oups_column_new(out, type, length, 0, length, validity, offsets, data);
}

int oups_column_from_values(oups_column **out, const oups_datatype *type, const void *values, int64_t n,
                            const uint8_t *validity) {
    *out = NULL;
    if (oups_type_is_binary(type->id))
        return oups_error_set(OUPS_EINVAL, "oups_column_from_values: string/binary need a builder");
    oups_buffer *vb = NULL, *db = NULL;
    int64_t nbytes = min_bytes(type, n);
    OUPS_TRY(oups_buffer_new(&db, nbytes));
    if (nbytes) memcpy(db->data, values, (size_t)nbytes);
    if (validity) {
        if (oups_buffer_new(&vb, (n + 7) / 8) < 0) {
            oups_buffer_release(db);
            return OUPS_ENOMEM;
        }
        memcpy(vb->data, validity, (size_t)((n + 7) / 8));
    }
    return oups_column_new(out, type, n, 0, -1, vb, NULL, db);
}

oups_column *oups_column_retain(oups_column *c) {
    if (c) atomic_fetch_add_explicit(&c->refcount, 1, memory_order_relaxed);
    return c;
}

void oups_column_release(oups_column *c) {
    if (!c || atomic_fetch_sub_explicit(&c->refcount, 1, memory_order_acq_rel) != 1) return;
    oups_buffer_release(c->validity);
    oups_buffer_release(c->offsets);
    oups_buffer_release(c->data);
    oups_free(c);
}

void oups_column_view_get(oups_column_view *v, const oups_column *c) {
    v->type = c->type;
    v->length = c->length;
    v->offset = c->offset;
    v->null_count = c->null_count;
    v->validity = c->validity && c->null_count > 0 ? c->validity->data : NULL;
    v->offsets = c->offsets ? (const int64_t *)c->offsets->data : NULL;
    v->data = c->data ? c->data->data : NULL;
}

const oups_datatype *oups_column_type(const oups_column *c) { return &c->type; }
int64_t oups_column_length(const oups_column *c) { return c->length; }
int64_t oups_column_null_count(const oups_column *c) { return c->null_count; }

oups_buffer *oups_column_buffer(const oups_column *c, int i) {
    if (i == 0) return c->validity;
    if (oups_type_is_binary(c->type.id)) return i == 1 ? c->offsets : i == 2 ? c->data : NULL;
    return i == 1 ? c->data : NULL;
}

bool oups_column_is_valid(const oups_column *c, int64_t i) {
    return !c->validity || c->null_count == 0 || oups_bit_get(c->validity->data, c->offset + i);
}

int oups_column_slice(oups_column **out, const oups_column *c, int64_t off, int64_t n) {
    *out = NULL;
    if (off < 0 || n < 0 || off > c->length || n > c->length - off)
        return oups_error_set(OUPS_EINVAL, "slice [%lld, %lld) outside column of %lld rows", (long long)off,
                              (long long)(off + n), (long long)c->length);
    oups_column *s = oups_malloc(sizeof *s);
    if (!s) return OUPS_ENOMEM;
    atomic_init(&s->refcount, 1);
    s->type = c->type;
    s->length = n;
    s->offset = c->offset + off;
    s->validity = oups_buffer_retain(c->validity);
    s->offsets = oups_buffer_retain(c->offsets);
    s->data = oups_buffer_retain(c->data);
    if (!c->validity || c->null_count == 0) s->null_count = 0;
    else if (c->null_count == c->length) s->null_count = n;
    else s->null_count = n - oups_bits_count(c->validity->data, s->offset, n);
    *out = s;
    return 0;
}

int64_t oups_column__get_int(const oups_column_view *v, int64_t i) {
    int64_t k = v->offset + i;
    switch (v->type.id) {
    case OUPS_TYPE_INT8: return ((const int8_t *)v->data)[k];
    case OUPS_TYPE_INT16: return ((const int16_t *)v->data)[k];
    case OUPS_TYPE_INT32: case OUPS_TYPE_DATE32: return ((const int32_t *)v->data)[k];
    case OUPS_TYPE_INT64: case OUPS_TYPE_TIMESTAMP: return ((const int64_t *)v->data)[k];
    case OUPS_TYPE_UINT8: return ((const uint8_t *)v->data)[k];
    case OUPS_TYPE_UINT16: return ((const uint16_t *)v->data)[k];
    case OUPS_TYPE_UINT32: return ((const uint32_t *)v->data)[k];
    case OUPS_TYPE_UINT64: return (int64_t)((const uint64_t *)v->data)[k];
    case OUPS_TYPE_BOOL: return oups_bit_get(v->data, k);
    default: return 0;
    }
}

uint64_t oups_column__get_uint(const oups_column_view *v, int64_t i) {
    if (v->type.id == OUPS_TYPE_UINT64) return ((const uint64_t *)v->data)[v->offset + i];
    return (uint64_t)oups_column__get_int(v, i);
}

double oups_column__get_double(const oups_column_view *v, int64_t i) {
    int64_t k = v->offset + i;
    if (v->type.id == OUPS_TYPE_FLOAT64) return ((const double *)v->data)[k];
    if (v->type.id == OUPS_TYPE_FLOAT32) return ((const float *)v->data)[k];
    if (oups_type_is_unsigned(v->type.id)) return (double)oups_column__get_uint(v, i);
    return (double)oups_column__get_int(v, i);
}
