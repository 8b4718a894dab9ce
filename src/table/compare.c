/*
 * table/compare.c: value-level comparison of rows, shared by every kernel that orders or
 * matches rows (sort, check_ordered, search, dedup, equal), value formatting for messages,
 * and oups_table_equal. Two notions of "same", on purpose:
 *  - ordering (oups_column__compare): nulls first, NaN after all numbers and equal to NaN,
 *    -0.0 == 0.0, strings by bytes (memcmp, shorter prefix first);
 *  - identity (oups_column__same): bit-identical values, nulls equal nulls, values under nulls
 *    ignored. Used by equal and dedup ("floats compare by bits").
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <time.h>

#include "table/table.h"

int oups_column__cmp_double(double a, double b) {
    bool na = isnan(a), nb = isnan(b);
    if (na || nb) return na - nb;
    return (a > b) - (a < b);
}

static int cmp_bytes(const uint8_t *a, int64_t na, const uint8_t *b, int64_t nb) {
    int64_t n = na < nb ? na : nb;
    int c = n ? memcmp(a, b, (size_t)n) : 0;
    if (c) return c < 0 ? -1 : 1;
    return (na > nb) - (na < nb);
}

int oups_column__cmp_decimal(const uint8_t *a, const uint8_t *b) {
    int64_t ha, hb;
    uint64_t la, lb;
    memcpy(&la, a, 8);
    memcpy(&ha, a + 8, 8);
    memcpy(&lb, b, 8);
    memcpy(&hb, b + 8, 8);
    if (ha != hb) return ha < hb ? -1 : 1;
    return (la > lb) - (la < lb);
}

static inline bool is_null(const oups_column_view *v, int64_t i) {
    return v->validity && !oups_bit_get(v->validity, v->offset + i);
}

int oups_column__compare(const oups_column_view *a, int64_t i, const oups_column_view *b, int64_t j) {
    bool an = is_null(a, i), bn = is_null(b, j);
    if (an || bn) return bn - an;
    oups_type_id id = a->type.id;
    if (oups_type_is_binary(id)) {
        const int64_t *oa = a->offsets + a->offset + i, *ob = b->offsets + b->offset + j;
        return cmp_bytes((const uint8_t *)a->data + oa[0], oa[1] - oa[0], (const uint8_t *)b->data + ob[0],
                         ob[1] - ob[0]);
    }
    if (oups_type_is_float(id))
        return oups_column__cmp_double(oups_column__get_double(a, i), oups_column__get_double(b, j));
    if (id == OUPS_TYPE_DECIMAL128)
        return oups_column__cmp_decimal((const uint8_t *)a->data + (a->offset + i) * 16,
                                        (const uint8_t *)b->data + (b->offset + j) * 16);
    if (id == OUPS_TYPE_UINT64) {
        uint64_t x = oups_column__get_uint(a, i), y = oups_column__get_uint(b, j);
        return (x > y) - (x < y);
    }
    int64_t x = oups_column__get_int(a, i), y = oups_column__get_int(b, j);
    return (x > y) - (x < y);
}

bool oups_column__same(const oups_column_view *a, int64_t i, const oups_column_view *b, int64_t j) {
    bool an = is_null(a, i), bn = is_null(b, j);
    if (an || bn) return an == bn;
    oups_type_id id = a->type.id;
    if (oups_type_is_binary(id)) {
        const int64_t *oa = a->offsets + a->offset + i, *ob = b->offsets + b->offset + j;
        int64_t n = oa[1] - oa[0];
        return n == ob[1] - ob[0] &&
               (n == 0 || memcmp((const uint8_t *)a->data + oa[0], (const uint8_t *)b->data + ob[0], (size_t)n) == 0);
    }
    if (id == OUPS_TYPE_BOOL) return oups_bit_get(a->data, a->offset + i) == oups_bit_get(b->data, b->offset + j);
    int w = oups_datatype_width(id);
    return memcmp((const uint8_t *)a->data + (a->offset + i) * w, (const uint8_t *)b->data + (b->offset + j) * w,
                  (size_t)w) == 0;
}

/* Decimal128 (unscaled, little-endian two's complement) to text with `scale` fraction digits. */
static void format_decimal(char *buf, size_t cap, const uint8_t *v, int scale) {
    uint32_t limb[4]; /* magnitude, least significant first */
    memcpy(limb, v, 16);
    bool neg = limb[3] >> 31;
    if (neg) { /* two's complement negate */
        uint64_t carry = 1;
        for (int k = 0; k < 4; k++) {
            uint64_t x = (uint64_t)(uint32_t)~limb[k] + carry;
            limb[k] = (uint32_t)x;
            carry = x >> 32;
        }
    }
    char digits[48];
    int nd = 0;
    do {
        uint64_t rem = 0;
        for (int k = 3; k >= 0; k--) {
            uint64_t cur = (rem << 32) | limb[k];
            limb[k] = (uint32_t)(cur / 10);
            rem = cur % 10;
        }
        digits[nd++] = (char)('0' + rem);
    } while ((limb[0] | limb[1] | limb[2] | limb[3]) != 0);
    while (nd <= scale) digits[nd++] = '0';
    char text[64];
    int n = 0;
    if (neg) text[n++] = '-';
    for (int k = nd - 1; k >= 0; k--) {
        text[n++] = digits[k];
        if (k == scale && scale > 0) text[n++] = '.';
    }
    text[n] = '\0';
    snprintf(buf, cap, "%s", text);
}

/* Timestamps and dates as ISO 8601 in UTC ("2024-01-02T03:04:05.000000006Z"; "Z" only when the
 * type has a timezone, naive values are printed as they are), so order errors are readable. */
static void format_time(char *buf, size_t cap, const oups_datatype *t, int64_t v) {
    static const int64_t per_sec[] = {1, 1000, 1000000, 1000000000};
    static const int digits[] = {0, 3, 6, 9};
    int64_t den = t->id == OUPS_TYPE_DATE32 ? 1 : per_sec[t->unit];
    int64_t secs = v / den, frac = v % den;
    if (frac < 0) {
        secs--;
        frac += den;
    }
    if (t->id == OUPS_TYPE_DATE32) secs = v * 86400;
    time_t tt = (time_t)secs;
    struct tm tm;
    char date[64];
    if (!gmtime_r(&tt, &tm) || !strftime(date, sizeof date, t->id == OUPS_TYPE_DATE32 ? "%Y-%m-%d" : "%Y-%m-%dT%H:%M:%S", &tm)) {
        snprintf(buf, cap, "%lld", (long long)v);
        return;
    }
    const char *z = t->id == OUPS_TYPE_TIMESTAMP && t->tz[0] ? "Z" : "";
    if (t->id == OUPS_TYPE_TIMESTAMP && t->unit != OUPS_UNIT_S)
        snprintf(buf, cap, "%s.%0*lld%s", date, digits[t->unit], (long long)frac, z);
    else
        snprintf(buf, cap, "%s%s", date, z);
}

char *oups_column__format(char *buf, size_t cap, const oups_column_view *v, int64_t i) {
    if (cap == 0) return buf;
    if (is_null(v, i)) {
        snprintf(buf, cap, "null");
        return buf;
    }
    oups_type_id id = v->type.id;
    if (oups_type_is_binary(id)) {
        const int64_t *o = v->offsets + v->offset + i;
        const uint8_t *p = (const uint8_t *)v->data + o[0];
        int64_t n = o[1] - o[0];
        size_t w = 0;
        if (w + 1 < cap) buf[w++] = '"';
        for (int64_t k = 0; k < n && w + 8 < cap; k++) {
            if (k == 48) { /* long values are cut: a message names a value, it need not hold it */
                w += (size_t)snprintf(buf + w, cap - w, "...");
                break;
            }
            if (p[k] >= 0x20 && p[k] < 0x7f && p[k] != '"' && p[k] != '\\') buf[w++] = (char)p[k];
            else w += (size_t)snprintf(buf + w, cap - w, "\\x%02x", p[k]);
        }
        if (w + 1 < cap) buf[w++] = '"';
        buf[w < cap ? w : cap - 1] = '\0';
    } else if (id == OUPS_TYPE_BOOL) {
        snprintf(buf, cap, "%s", oups_bit_get(v->data, v->offset + i) ? "true" : "false");
    } else if (oups_type_is_float(id)) {
        snprintf(buf, cap, "%.17g", oups_column__get_double(v, i));
    } else if (id == OUPS_TYPE_DECIMAL128) {
        format_decimal(buf, cap, (const uint8_t *)v->data + (v->offset + i) * 16, v->type.scale);
    } else if (id == OUPS_TYPE_TIMESTAMP || id == OUPS_TYPE_DATE32) {
        format_time(buf, cap, &v->type, oups_column__get_int(v, i));
    } else if (oups_type_is_unsigned(id)) {
        snprintf(buf, cap, "%" PRIu64, oups_column__get_uint(v, i));
    } else {
        snprintf(buf, cap, "%" PRId64, oups_column__get_int(v, i));
    }
    return buf;
}

int oups_table_equal(const oups_table *a, const oups_table *b, char *desc, size_t desc_cap) {
    char scratch[1];
    if (!desc) {
        desc = scratch;
        desc_cap = 1;
    }
    if (desc_cap) desc[0] = '\0';
    if (a->n_cols != b->n_cols) {
        snprintf(desc, desc_cap, "column count %d vs %d", a->n_cols, b->n_cols);
        return 0;
    }
    for (int c = 0; c < a->n_cols; c++) {
        char ta[96], tb[96];
        if (strcmp(a->names[c], b->names[c]) != 0) {
            snprintf(desc, desc_cap, "column %d name '%s' vs '%s'", c, a->names[c], b->names[c]);
            return 0;
        }
        if (!oups_datatype_equal(&a->cols[c]->type, &b->cols[c]->type)) {
            snprintf(desc, desc_cap, "column '%s' type %s vs %s", a->names[c],
                     oups_datatype_format(&a->cols[c]->type, ta, sizeof ta),
                     oups_datatype_format(&b->cols[c]->type, tb, sizeof tb));
            return 0;
        }
    }
    if (a->n_rows != b->n_rows) {
        snprintf(desc, desc_cap, "row count %lld vs %lld", (long long)a->n_rows, (long long)b->n_rows);
        return 0;
    }
    for (int c = 0; c < a->n_cols; c++) {
        oups_column_view va, vb;
        oups_column_view_get(&va, a->cols[c]);
        oups_column_view_get(&vb, b->cols[c]);
        for (int64_t i = 0; i < a->n_rows; i++) {
            if (oups_column__same(&va, i, &vb, i)) continue;
            char xa[128], xb[128];
            snprintf(desc, desc_cap, "column '%s' row %lld: %s vs %s", a->names[c], (long long)i,
                     oups_column__format(xa, sizeof xa, &va, i), oups_column__format(xb, sizeof xb, &vb, i));
            return 0;
        }
    }
    return 1;
}
