/*
 * store/keyval.c: ordered_on values as order-preserving int64 "keys", so planning, stats and
 * searches work on plain integer arrays whatever the key column type (ints, timestamps,
 * date32 as is; float64 via its IEEE bits with negatives flipped). Also the two binary
 * searches (numpy searchsorted left/right) used throughout the store.
 */
#include <math.h>

#include "store/internal.h"

bool oups_store__key_type_ok(const oups_datatype *t) {
    return oups_type_is_signed(t->id) || t->id == OUPS_TYPE_FLOAT64;
}

int64_t oups_store__key_from_double(double v) {
    if (v == 0) v = 0.0; /* -0.0 == 0.0 for ordering, as the table sort compares them */
    uint64_t u;
    memcpy(&u, &v, 8);
    u = (u >> 63) ? ~u : (u | (UINT64_C(1) << 63));
    return (int64_t)(u ^ (UINT64_C(1) << 63));
}

static double key_to_double(int64_t k) {
    uint64_t u = (uint64_t)k ^ (UINT64_C(1) << 63);
    u = (u >> 63) ? (u & ~(UINT64_C(1) << 63)) : ~u;
    double v;
    memcpy(&v, &u, 8);
    return v;
}

int oups_store__key_extract(int64_t *out, const oups_column *col, const char *name) {
    oups_column_view v;
    oups_column_view_get(&v, col);
    if (!oups_store__key_type_ok(&v.type)) {
        char tb[80];
        return oups_error_set(OUPS_EUNSUPPORTED, "ordered_on column '%s' has type %s (expected an integer, "
                              "timestamp, date32 or float64 column)", name, oups_datatype_format(&v.type, tb, sizeof tb));
    }
    for (int64_t i = 0; i < v.length; i++) {
        if (v.validity && !oups_bit_get(v.validity, v.offset + i))
            return oups_error_set(OUPS_EUNORDERED, "ordered_on column '%s': row %lld is null", name, (long long)i);
        if (v.type.id == OUPS_TYPE_FLOAT64) {
            double d = oups_column__get_double(&v, i);
            if (isnan(d))
                return oups_error_set(OUPS_EUNORDERED, "ordered_on column '%s': row %lld is NaN", name, (long long)i);
            out[i] = oups_store__key_from_double(d);
        } else {
            out[i] = oups_column__get_int(&v, i);
        }
    }
    return 0;
}

int oups_store__key_from_scalar(int64_t *out, const oups_datatype *t, const oups_scalar *s) {
    if (s->is_null) return oups_error_set(OUPS_EINVAL, "key bound is null");
    bool s_int = oups_type_is_signed(s->type.id);
    if (t->id == OUPS_TYPE_FLOAT64) {
        double d = s->type.id == OUPS_TYPE_FLOAT64 || s->type.id == OUPS_TYPE_FLOAT32 ? s->v.f
                   : s_int                                                           ? (double)s->v.i
                                                                                     : NAN;
        if (isnan(d)) return oups_error_set(OUPS_ESCHEMA, "key bound is not a number for a float64 key");
        *out = oups_store__key_from_double(d);
        return 0;
    }
    if (!s_int) return oups_error_set(OUPS_ESCHEMA, "key bound must be an integer or timestamp for this key column");
    *out = s->v.i;
    return 0;
}

void oups_store__key_to_scalar(oups_scalar *out, const oups_datatype *t, int64_t key) {
    memset(out, 0, sizeof *out);
    out->type = *t;
    if (t->id == OUPS_TYPE_FLOAT64) out->v.f = key_to_double(key);
    else out->v.i = key;
}

int oups_store__key_to_ns(int64_t *out, const oups_datatype *t, int64_t key) {
    static const int64_t mult[] = {1000000000, 1000000, 1000, 1};
    if (t->id != OUPS_TYPE_TIMESTAMP)
        return oups_error_set(OUPS_ESCHEMA, "a row-group period needs a timestamp ordered_on column");
    int64_t m = mult[t->unit];
    if (key > INT64_MAX / m || key < INT64_MIN / m)
        return oups_error_set(OUPS_EOVERFLOW, "timestamp %lld out of the nanosecond range", (long long)key);
    *out = key * m;
    return 0;
}

int64_t oups_store__lower(const int64_t *a, int64_t n, int64_t v) {
    int64_t lo = 0, hi = n;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (a[mid] < v) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

int64_t oups_store__upper(const int64_t *a, int64_t n, int64_t v) {
    int64_t lo = 0, hi = n;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (a[mid] <= v) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}
