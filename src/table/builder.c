/*
 * table/builder.c: append values one by one into growing buffers, then finish into a column.
 * Buffers grow geometrically (doubling) so n appends cost O(n) amortised; the validity bitmap
 * is only allocated at the first null (a column without nulls carries none). Integer appends
 * are range-checked against the target type (OUPS_EOVERFLOW). finish hands the buffers to a
 * new column and resets the builder; a failed finish leaves the builder as it was.
 */
#include <limits.h>
#include <stdio.h>

#include "table/table.h"

struct oups_builder {
    oups_datatype type;
    int width;              /* bytes per value; 0 for bool and string/binary */
    int64_t length;         /* rows appended */
    int64_t null_count;
    int64_t n_bytes;        /* string/binary: bytes used in `data` */
    oups_buffer *validity;  /* NULL until the first null */
    oups_buffer *offsets;   /* string/binary: length+1 int64 offsets */
    oups_buffer *data;
};

/* Make `*buf` hold at least `need` bytes (contents kept), doubling its size when it grows. */
static int ensure(oups_buffer **buf, int64_t need) {
    if (*buf && (*buf)->size >= need) return 0;
    int64_t size = *buf ? (*buf)->size : 0;
    int64_t target = size < 64 ? 64 : size;
    while (target < need) target = target > INT64_MAX / 2 ? need : target * 2;
    if (!*buf) return oups_buffer_new_zeroed(buf, target);
    return oups_buffer_resize(*buf, target);
}

static int64_t value_bytes(const oups_builder *b, int64_t rows) {
    if (b->type.id == OUPS_TYPE_BOOL) return (rows + 7) / 8;
    if (oups_type_is_binary(b->type.id)) return b->n_bytes;
    return rows * b->width;
}

int oups_builder_new(oups_builder **out, const oups_datatype *type, int64_t capacity_hint) {
    *out = NULL;
    OUPS_TRY(oups_datatype_validate(type));
    if (capacity_hint < 0 || capacity_hint > (INT64_C(1) << 40))
        return oups_error_set(OUPS_EINVAL, "builder: capacity hint %lld out of range", (long long)capacity_hint);
    oups_builder *b = oups_calloc(1, sizeof *b);
    if (!b) return OUPS_ENOMEM;
    b->type = *type;
    b->width = oups_datatype_width(type->id);
    int rc = 0;
    if (capacity_hint > 0) {
        if (oups_type_is_binary(type->id)) rc = ensure(&b->offsets, (capacity_hint + 1) * 8);
        else if (type->id == OUPS_TYPE_BOOL) rc = ensure(&b->data, (capacity_hint + 7) / 8);
        else rc = ensure(&b->data, capacity_hint * b->width);
    }
    if (rc < 0) {
        oups_builder_free(b);
        return rc;
    }
    *out = b;
    return 0;
}

void oups_builder_free(oups_builder *b) {
    if (!b) return;
    oups_buffer_release(b->validity);
    oups_buffer_release(b->offsets);
    oups_buffer_release(b->data);
    oups_free(b);
}

int64_t oups_builder_length(const oups_builder *b) { return b->length; }

/* Room for one more row in validity and offsets; records validity of the new row. Must be
 * called before writing the value so that a failure leaves the builder unchanged. */
static int reserve_row(oups_builder *b, bool valid) {
    int64_t n = b->length;
    if (!valid && !b->validity) {
        OUPS_TRY(ensure(&b->validity, (n + 1 + 7) / 8));
        memset(b->validity->data, 0xff, (size_t)((n + 7) / 8)); /* all earlier rows are valid */
    } else if (b->validity) {
        OUPS_TRY(ensure(&b->validity, (n + 1 + 7) / 8));
    }
    if (oups_type_is_binary(b->type.id)) {
        OUPS_TRY(ensure(&b->offsets, (n + 2) * 8));
        if (n == 0) ((int64_t *)b->offsets->data)[0] = 0;
    }
    return 0;
}

/* Commit the row whose room reserve_row made and whose value is written. */
static void commit_row(oups_builder *b, bool valid) {
    if (b->validity) oups_bit_set(b->validity->data, b->length, valid);
    if (oups_type_is_binary(b->type.id)) ((int64_t *)b->offsets->data)[b->length + 1] = b->n_bytes;
    if (!valid) b->null_count++;
    b->length++;
}

/* Reserve a fixed-width slot (or bool bit) for row `length`; returns its address via *slot. */
static int reserve_fixed(oups_builder *b, bool valid, uint8_t **slot) {
    OUPS_TRY(reserve_row(b, valid));
    OUPS_TRY(ensure(&b->data, value_bytes(b, b->length + 1)));
    *slot = b->type.id == OUPS_TYPE_BOOL ? NULL : b->data->data + b->length * b->width;
    return 0;
}

static int wrong_type(const oups_builder *b, const char *what) {
    char tn[96];
    return oups_error_set(OUPS_ESCHEMA, "builder of type %s: %s does not apply",
                          oups_datatype_format(&b->type, tn, sizeof tn), what);
}

int oups_builder_append_null(oups_builder *b) {
    if (oups_type_is_binary(b->type.id)) {
        OUPS_TRY(reserve_row(b, false));
    } else {
        uint8_t *slot;
        OUPS_TRY(reserve_fixed(b, false, &slot));
        if (slot) memset(slot, 0, (size_t)b->width); /* deterministic bytes under nulls */
        else oups_bit_set(b->data->data, b->length, false);
    }
    commit_row(b, false);
    return 0;
}

int oups_builder_append_bool(oups_builder *b, bool v) {
    if (b->type.id != OUPS_TYPE_BOOL) return wrong_type(b, "append_bool");
    uint8_t *slot;
    OUPS_TRY(reserve_fixed(b, true, &slot));
    oups_bit_set(b->data->data, b->length, v);
    commit_row(b, true);
    return 0;
}

/* Store an integer known to fit the column type. */
static int put_int(oups_builder *b, int64_t v, uint64_t u, bool is_unsigned) {
    uint8_t *slot;
    OUPS_TRY(reserve_fixed(b, true, &slot));
    switch (b->width) {
    case 1: { uint8_t x = (uint8_t)(is_unsigned ? u : (uint64_t)v); memcpy(slot, &x, 1); break; }
    case 2: { uint16_t x = (uint16_t)(is_unsigned ? u : (uint64_t)v); memcpy(slot, &x, 2); break; }
    case 4: { uint32_t x = (uint32_t)(is_unsigned ? u : (uint64_t)v); memcpy(slot, &x, 4); break; }
    default: { uint64_t x = is_unsigned ? u : (uint64_t)v; memcpy(slot, &x, 8); break; }
    }
    commit_row(b, true);
    return 0;
}

static bool is_int_like(oups_type_id id) { return oups_type_is_signed(id) || oups_type_is_unsigned(id); }

static int overflow(const oups_builder *b, const char *value) {
    char tn[96];
    return oups_error_set(OUPS_EOVERFLOW, "builder of type %s: value %s out of range",
                          oups_datatype_format(&b->type, tn, sizeof tn), value);
}

int oups_builder_append_int(oups_builder *b, int64_t v) {
    if (!is_int_like(b->type.id)) return wrong_type(b, "append_int");
    int64_t lo;
    uint64_t hi;
    oups_datatype__int_range(b->type.id, &lo, &hi);
    if (v < lo || (v > 0 && (uint64_t)v > hi)) {
        char s[32];
        snprintf(s, sizeof s, "%lld", (long long)v);
        return overflow(b, s);
    }
    return put_int(b, v, (uint64_t)v, oups_type_is_unsigned(b->type.id));
}

int oups_builder_append_uint(oups_builder *b, uint64_t v) {
    if (!is_int_like(b->type.id)) return wrong_type(b, "append_uint");
    int64_t lo;
    uint64_t hi;
    oups_datatype__int_range(b->type.id, &lo, &hi);
    if (v > hi) {
        char s[32];
        snprintf(s, sizeof s, "%llu", (unsigned long long)v);
        return overflow(b, s);
    }
    return put_int(b, (int64_t)v, v, oups_type_is_unsigned(b->type.id));
}

int oups_builder_append_double(oups_builder *b, double v) {
    if (!oups_type_is_float(b->type.id)) return wrong_type(b, "append_double");
    uint8_t *slot;
    OUPS_TRY(reserve_fixed(b, true, &slot));
    if (b->type.id == OUPS_TYPE_FLOAT32) {
        float f = (float)v;
        memcpy(slot, &f, 4);
    } else {
        memcpy(slot, &v, 8);
    }
    commit_row(b, true);
    return 0;
}

int oups_builder_append_bytes(oups_builder *b, const void *p, int64_t n) {
    if (!oups_type_is_binary(b->type.id)) return wrong_type(b, "append_bytes");
    if (n < 0 || (n > 0 && !p)) return oups_error_set(OUPS_EINVAL, "append_bytes: bad value (%lld bytes)", (long long)n);
    if (n > INT64_MAX / 4 - b->n_bytes) return oups_error_set(OUPS_EOVERFLOW, "append_bytes: column too large");
    OUPS_TRY(reserve_row(b, true));
    OUPS_TRY(ensure(&b->data, b->n_bytes + n));
    if (n) memcpy(b->data->data + b->n_bytes, p, (size_t)n);
    b->n_bytes += n;
    commit_row(b, true);
    return 0;
}

int oups_builder_append_decimal(oups_builder *b, const uint8_t v[16]) {
    if (b->type.id != OUPS_TYPE_DECIMAL128) return wrong_type(b, "append_decimal");
    uint8_t *slot;
    OUPS_TRY(reserve_fixed(b, true, &slot));
    memcpy(slot, v, 16);
    commit_row(b, true);
    return 0;
}

int oups_builder_append_from(oups_builder *b, const oups_column *col, int64_t i) {
    if (!oups_datatype_equal(&b->type, &col->type)) {
        char tb[96], tc[96];
        return oups_error_set(OUPS_ESCHEMA, "append_from: builder type %s, column type %s",
                              oups_datatype_format(&b->type, tb, sizeof tb),
                              oups_datatype_format(&col->type, tc, sizeof tc));
    }
    if (i < 0 || i >= col->length)
        return oups_error_set(OUPS_EINVAL, "append_from: row %lld outside column of %lld rows", (long long)i,
                              (long long)col->length);
    if (!oups_column_is_valid(col, i)) return oups_builder_append_null(b);
    int64_t k = col->offset + i;
    if (oups_type_is_binary(col->type.id)) {
        const int64_t *o = (const int64_t *)col->offsets->data;
        return oups_builder_append_bytes(b, col->data->data + o[k], o[k + 1] - o[k]);
    }
    if (col->type.id == OUPS_TYPE_BOOL) return oups_builder_append_bool(b, oups_bit_get(col->data->data, k));
    uint8_t *slot;
    OUPS_TRY(reserve_fixed(b, true, &slot));
    memcpy(slot, col->data->data + k * b->width, (size_t)b->width);
    commit_row(b, true);
    return 0;
}

int oups_builder_finish(oups_column **out, oups_builder *b) {
    *out = NULL;
    int64_t n = b->length;
    /* Trim to the exact sizes (and create the buffers an empty column still needs). */
    if (!b->data) OUPS_TRY(oups_buffer_new_zeroed(&b->data, 0));
    OUPS_TRY(oups_buffer_resize(b->data, value_bytes(b, n)));
    if (oups_type_is_binary(b->type.id)) {
        if (!b->offsets) {
            OUPS_TRY(oups_buffer_new_zeroed(&b->offsets, 8));
        }
        OUPS_TRY(oups_buffer_resize(b->offsets, (n + 1) * 8));
    }
    if (b->validity) OUPS_TRY(oups_buffer_resize(b->validity, (n + 7) / 8));
    /* oups_column_new consumes references even on failure: hand it extra ones so the builder
     * keeps its own and stays intact if the column cannot be made. */
    int rc = oups_column_new(out, &b->type, n, 0, b->null_count, oups_buffer_retain(b->validity),
                             oups_buffer_retain(b->offsets), oups_buffer_retain(b->data));
    if (rc < 0) return rc;
    oups_buffer_release(b->validity);
    oups_buffer_release(b->offsets);
    oups_buffer_release(b->data);
    b->validity = b->offsets = b->data = NULL;
    b->length = b->null_count = b->n_bytes = 0;
    return 0;
}
