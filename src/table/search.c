/*
 * table/search.c: single values (oups_scalar) read from and compared with columns, and
 * binary search in sorted columns (numpy searchsorted, LEFT/RIGHT). Integer and float columns
 * without nulls are searched on the raw typed array (the hot path: the store and the loop
 * search timestamp columns for every chunk); other cases compare row by row with the same
 * ordering as sort (nulls first, NaN last; compare.c).
 */
#include <math.h>
#include <stdio.h>

#include "table/table.h"

typedef enum { FAM_INT, FAM_FLOAT, FAM_BYTES, FAM_DECIMAL, FAM_BOOL } family;

static family family_of(oups_type_id id) {
    if (oups_type_is_float(id)) return FAM_FLOAT;
    if (oups_type_is_binary(id)) return FAM_BYTES;
    if (id == OUPS_TYPE_DECIMAL128) return FAM_DECIMAL;
    if (id == OUPS_TYPE_BOOL) return FAM_BOOL;
    return FAM_INT;
}

static bool compatible(oups_type_id col, oups_type_id s) {
    family a = family_of(col), b = family_of(s);
    return a == b || (a == FAM_FLOAT && b == FAM_INT) || (a == FAM_INT && b == FAM_FLOAT);
}

void oups_column_get_scalar(oups_scalar *out, const oups_column *col, int64_t i) {
    memset(out, 0, sizeof *out);
    out->type = col->type;
    if (!oups_column_is_valid(col, i)) {
        out->is_null = true;
        return;
    }
    oups_column_view v;
    oups_column_view_get(&v, col);
    int64_t k = v.offset + i;
    oups_type_id id = col->type.id;
    if (oups_type_is_binary(id)) {
        out->v.bytes.ptr = (const uint8_t *)v.data + v.offsets[k];
        out->v.bytes.len = v.offsets[k + 1] - v.offsets[k];
    } else if (id == OUPS_TYPE_BOOL) {
        out->v.b = oups_bit_get(v.data, k);
    } else if (oups_type_is_float(id)) {
        out->v.f = oups_column__get_double(&v, i);
    } else if (id == OUPS_TYPE_DECIMAL128) {
        memcpy(out->v.dec, (const uint8_t *)v.data + k * 16, 16);
    } else if (oups_type_is_unsigned(id)) {
        out->v.u = oups_column__get_uint(&v, i);
    } else {
        out->v.i = oups_column__get_int(&v, i);
    }
}

/* Compare two integers each given as (is_unsigned, bits). */
static int cmp_int(bool ua, uint64_t a, bool ub, uint64_t b) {
    if (ua == ub) {
        if (ua) return (a > b) - (a < b);
        return ((int64_t)a > (int64_t)b) - ((int64_t)a < (int64_t)b);
    }
    if (!ua && (int64_t)a < 0) return -1; /* negative signed < any unsigned */
    if (!ub && (int64_t)b < 0) return 1;
    return (a > b) - (a < b);
}

static double scalar_double(const oups_scalar *s) {
    if (oups_type_is_float(s->type.id)) return s->v.f;
    return oups_type_is_unsigned(s->type.id) ? (double)s->v.u : (double)s->v.i;
}

int oups_column_compare_scalar(const oups_column *col, int64_t i, const oups_scalar *s) {
    bool rn = !oups_column_is_valid(col, i);
    if (rn || s->is_null) return s->is_null - rn;
    oups_column_view v;
    oups_column_view_get(&v, col);
    oups_type_id id = col->type.id, sid = s->type.id;
    int64_t k = v.offset + i;
    switch (family_of(id)) {
    case FAM_BYTES: {
        if (family_of(sid) != FAM_BYTES) return 0;
        const uint8_t *p = (const uint8_t *)v.data + v.offsets[k];
        int64_t n = v.offsets[k + 1] - v.offsets[k], m = s->v.bytes.len, c = n < m ? n : m;
        int r = c ? memcmp(p, s->v.bytes.ptr, (size_t)c) : 0;
        if (r) return r < 0 ? -1 : 1;
        return (n > m) - (n < m);
    }
    case FAM_BOOL: return family_of(sid) == FAM_BOOL ? (int)oups_bit_get(v.data, k) - (int)s->v.b : 0;
    case FAM_DECIMAL:
        return family_of(sid) == FAM_DECIMAL ? oups_column__cmp_decimal((const uint8_t *)v.data + k * 16, s->v.dec) : 0;
    case FAM_FLOAT:
        return compatible(id, sid) ? oups_column__cmp_double(oups_column__get_double(&v, i), scalar_double(s)) : 0;
    case FAM_INT:
        if (family_of(sid) == FAM_FLOAT) return oups_column__cmp_double(oups_column__get_double(&v, i), s->v.f);
        if (family_of(sid) != FAM_INT) return 0;
        bool cu = oups_type_is_unsigned(id), su = oups_type_is_unsigned(sid);
        return cmp_int(cu, cu ? oups_column__get_uint(&v, i) : (uint64_t)oups_column__get_int(&v, i), su,
                       su ? s->v.u : (uint64_t)s->v.i);
    }
    return 0;
}

/* Binary search over a raw typed array a[0..n) for `key`, using `LESS(x, key)` for LEFT and
 * `!LESS(key, x)` for RIGHT. */
#define SEARCH_TYPED(T, LESS)                                                                  \
    do {                                                                                       \
        const T *a = (const T *)v->data + v->offset;                                           \
        int64_t lo = 0, hi = v->length;                                                        \
        if (side == OUPS_SIDE_LEFT) {                                                          \
            while (lo < hi) {                                                                  \
                int64_t mid = lo + (hi - lo) / 2;                                              \
                if (LESS(a[mid], key)) lo = mid + 1;                                           \
                else hi = mid;                                                                 \
            }                                                                                  \
        } else {                                                                               \
            while (lo < hi) {                                                                  \
                int64_t mid = lo + (hi - lo) / 2;                                              \
                if (!LESS(key, a[mid])) lo = mid + 1;                                          \
                else hi = mid;                                                                 \
            }                                                                                  \
        }                                                                                      \
        return lo;                                                                             \
    } while (0)

#define LT(x, y) ((x) < (y))
/* NaN sorts after every number and equals NaN. */
#define LT_FLOAT(x, y) ((double)(x) < (double)(y) || (!isnan((double)(x)) && isnan((double)(y))))

static int64_t search_int(const oups_column_view *v, int64_t key, oups_side side) {
    switch (v->type.id) {
    case OUPS_TYPE_INT8: SEARCH_TYPED(int8_t, LT);
    case OUPS_TYPE_INT16: SEARCH_TYPED(int16_t, LT);
    case OUPS_TYPE_INT32: case OUPS_TYPE_DATE32: SEARCH_TYPED(int32_t, LT);
    case OUPS_TYPE_UINT8: SEARCH_TYPED(uint8_t, LT);
    case OUPS_TYPE_UINT16: SEARCH_TYPED(uint16_t, LT);
    case OUPS_TYPE_UINT32: SEARCH_TYPED(uint32_t, LT);
    default: SEARCH_TYPED(int64_t, LT);
    }
}

static int64_t search_uint64(const oups_column_view *v, uint64_t key, oups_side side) { SEARCH_TYPED(uint64_t, LT); }

static int64_t search_float(const oups_column_view *v, double key, oups_side side) {
    if (v->type.id == OUPS_TYPE_FLOAT32) SEARCH_TYPED(float, LT_FLOAT);
    SEARCH_TYPED(double, LT_FLOAT);
}

/* Fast path for integer columns without nulls and an integer key: clamp the key to the
 * column's range (a key below every representable value gives 0, above gives n). */
static int64_t search_int_column(const oups_column_view *v, const oups_scalar *s, oups_side side) {
    oups_type_id id = v->type.id;
    bool su = oups_type_is_unsigned(s->type.id);
    if (id == OUPS_TYPE_UINT64) {
        if (!su && s->v.i < 0) return 0;
        return search_uint64(v, su ? s->v.u : (uint64_t)s->v.i, side);
    }
    int64_t lo;
    uint64_t hi;
    oups_datatype__int_range(id, &lo, &hi); /* hi <= INT64_MAX here: uint64 was handled above */
    if (su ? s->v.u > hi : s->v.i > (int64_t)hi) return v->length;
    if (!su && s->v.i < lo) return 0;
    return search_int(v, su ? (int64_t)s->v.u : s->v.i, side);
}

int oups_column_search_sorted(int64_t *out, const oups_column *col, const oups_scalar *value, oups_side side) {
    *out = 0;
    if (!compatible(col->type.id, value->type.id)) {
        char tc[96], ts[96];
        return oups_error_set(OUPS_ESCHEMA, "search_sorted: value of type %s cannot be compared with column of type %s",
                              oups_datatype_format(&value->type, ts, sizeof ts),
                              oups_datatype_format(&col->type, tc, sizeof tc));
    }
    if (side != OUPS_SIDE_LEFT && side != OUPS_SIDE_RIGHT)
        return oups_error_set(OUPS_EINVAL, "search_sorted: bad side %d", (int)side);
    oups_column_view v;
    oups_column_view_get(&v, col);
    if (!v.validity && !value->is_null) {
        family f = family_of(col->type.id), fs = family_of(value->type.id);
        if (f == FAM_INT && fs == FAM_INT) {
            *out = search_int_column(&v, value, side);
            return 0;
        }
        if (f == FAM_FLOAT) {
            *out = search_float(&v, scalar_double(value), side);
            return 0;
        }
    }
    int64_t lo = 0, hi = col->length;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        int c = oups_column_compare_scalar(col, mid, value);
        if (side == OUPS_SIDE_LEFT ? c < 0 : c <= 0) lo = mid + 1;
        else hi = mid;
    }
    *out = lo;
    return 0;
}
