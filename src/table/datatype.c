/*
 * table/datatype.c: data type values, their widths, and the one text syntax for types used
 * by the CLI (--schema) and messages: bool, int8..uint64, float32/64, string, binary, date32,
 * timestamp[unit] / timestamp[unit,TZ], decimal(p,s).
 */
#include <stdio.h>
#include <stdlib.h>

#include "table/table.h"

static const char *const simple_names[] = {
    [OUPS_TYPE_BOOL] = "bool",       [OUPS_TYPE_INT8] = "int8",     [OUPS_TYPE_INT16] = "int16",
    [OUPS_TYPE_INT32] = "int32",     [OUPS_TYPE_INT64] = "int64",   [OUPS_TYPE_UINT8] = "uint8",
    [OUPS_TYPE_UINT16] = "uint16",   [OUPS_TYPE_UINT32] = "uint32", [OUPS_TYPE_UINT64] = "uint64",
    [OUPS_TYPE_FLOAT32] = "float32", [OUPS_TYPE_FLOAT64] = "float64", [OUPS_TYPE_DATE32] = "date32",
    [OUPS_TYPE_STRING] = "string",   [OUPS_TYPE_BINARY] = "binary",
};
static const char *const unit_names[] = {"s", "ms", "us", "ns"};

oups_datatype oups_type(oups_type_id id) {
    oups_datatype t;
    memset(&t, 0, sizeof t);
    t.id = id;
    return t;
}

oups_datatype oups_type_timestamp(oups_time_unit unit, const char *tz) {
    oups_datatype t = oups_type(OUPS_TYPE_TIMESTAMP);
    t.unit = unit;
    if (tz) snprintf(t.tz, sizeof t.tz, "%s", tz);
    return t;
}

oups_datatype oups_type_decimal(int32_t precision, int32_t scale) {
    oups_datatype t = oups_type(OUPS_TYPE_DECIMAL128);
    t.precision = precision;
    t.scale = scale;
    return t;
}

int oups_datatype_validate(const oups_datatype *t) {
    if (!t || t->id < OUPS_TYPE_BOOL || t->id > OUPS_TYPE_DECIMAL128)
        return oups_error_set(OUPS_EINVAL, "unknown type id %d", t ? (int)t->id : -1);
    if (t->id == OUPS_TYPE_TIMESTAMP && (t->unit < OUPS_UNIT_S || t->unit > OUPS_UNIT_NS))
        return oups_error_set(OUPS_EINVAL, "timestamp: unknown unit %d", (int)t->unit);
    if (t->id == OUPS_TYPE_DECIMAL128 && (t->precision < 1 || t->precision > 38 || t->scale < 0 || t->scale > t->precision))
        return oups_error_set(OUPS_EINVAL, "decimal(%d,%d): precision must be 1..38 and scale 0..precision",
                              t->precision, t->scale);
    return 0;
}

bool oups_datatype_equal(const oups_datatype *a, const oups_datatype *b) {
    if (a->id != b->id) return false;
    if (a->id == OUPS_TYPE_TIMESTAMP) return a->unit == b->unit && strcmp(a->tz, b->tz) == 0;
    if (a->id == OUPS_TYPE_DECIMAL128) return a->precision == b->precision && a->scale == b->scale;
    return true;
}

int oups_datatype_width(oups_type_id id) {
    switch (id) {
    case OUPS_TYPE_INT8: case OUPS_TYPE_UINT8: return 1;
    case OUPS_TYPE_INT16: case OUPS_TYPE_UINT16: return 2;
    case OUPS_TYPE_INT32: case OUPS_TYPE_UINT32: case OUPS_TYPE_FLOAT32: case OUPS_TYPE_DATE32: return 4;
    case OUPS_TYPE_INT64: case OUPS_TYPE_UINT64: case OUPS_TYPE_FLOAT64: case OUPS_TYPE_TIMESTAMP: return 8;
    case OUPS_TYPE_DECIMAL128: return 16;
    default: return 0;
    }
}

void oups_datatype__int_range(oups_type_id id, int64_t *lo, uint64_t *hi) {
    switch (id) {
    case OUPS_TYPE_INT8: *lo = INT8_MIN; *hi = INT8_MAX; return;
    case OUPS_TYPE_INT16: *lo = INT16_MIN; *hi = INT16_MAX; return;
    case OUPS_TYPE_INT32: case OUPS_TYPE_DATE32: *lo = INT32_MIN; *hi = INT32_MAX; return;
    case OUPS_TYPE_UINT8: *lo = 0; *hi = UINT8_MAX; return;
    case OUPS_TYPE_UINT16: *lo = 0; *hi = UINT16_MAX; return;
    case OUPS_TYPE_UINT32: *lo = 0; *hi = UINT32_MAX; return;
    case OUPS_TYPE_UINT64: *lo = 0; *hi = UINT64_MAX; return;
    default: *lo = INT64_MIN; *hi = INT64_MAX; return;
    }
}

char *oups_datatype_format(const oups_datatype *t, char *buf, size_t cap) {
    if (t->id == OUPS_TYPE_TIMESTAMP && t->unit <= OUPS_UNIT_NS) {
        if (t->tz[0]) snprintf(buf, cap, "timestamp[%s,%s]", unit_names[t->unit], t->tz);
        else snprintf(buf, cap, "timestamp[%s]", unit_names[t->unit]);
    } else if (t->id == OUPS_TYPE_DECIMAL128) {
        snprintf(buf, cap, "decimal(%d,%d)", t->precision, t->scale);
    } else if (t->id >= OUPS_TYPE_BOOL && t->id <= OUPS_TYPE_BINARY && simple_names[t->id]) {
        snprintf(buf, cap, "%s", simple_names[t->id]);
    } else {
        snprintf(buf, cap, "?");
    }
    return buf;
}

int oups_datatype_parse(oups_datatype *out, const char *text) {
    for (int id = OUPS_TYPE_BOOL; id <= OUPS_TYPE_BINARY; id++)
        if (simple_names[id] && strcmp(text, simple_names[id]) == 0) {
            *out = oups_type((oups_type_id)id);
            return 0;
        }
    if (strcmp(text, "double") == 0) { *out = oups_type(OUPS_TYPE_FLOAT64); return 0; }
    if (strcmp(text, "float") == 0) { *out = oups_type(OUPS_TYPE_FLOAT32); return 0; }
    if (strcmp(text, "str") == 0 || strcmp(text, "utf8") == 0) { *out = oups_type(OUPS_TYPE_STRING); return 0; }
    if (strncmp(text, "timestamp[", 10) == 0) {
        const char *p = text + 10;
        for (int u = 0; u < 4; u++) {
            size_t n = strlen(unit_names[u]);
            if (strncmp(p, unit_names[u], n) != 0) continue;
            const char *q = p + n;
            if (q[0] == ']' && q[1] == '\0') {
                *out = oups_type_timestamp((oups_time_unit)u, NULL);
                return 0;
            }
            if (q[0] == ',') {
                const char *tz = q + 1, *end = strchr(tz, ']');
                if (end && end[1] == '\0' && end > tz && (size_t)(end - tz) < sizeof out->tz) {
                    *out = oups_type_timestamp((oups_time_unit)u, NULL);
                    memcpy(out->tz, tz, (size_t)(end - tz));
                    out->tz[end - tz] = '\0';
                    return 0;
                }
            }
        }
    }
    int p, s, n = 0;
    if (sscanf(text, "decimal(%d,%d)%n", &p, &s, &n) == 2 && text[n] == '\0') {
        *out = oups_type_decimal(p, s);
        if (p < 1 || p > 38 || s < 0 || s > p)
            return oups_error_set(OUPS_EINVAL, "type '%s': decimal precision must be 1..38 and scale 0..precision", text);
        return 0;
    }
    return oups_error_set(OUPS_EINVAL,
                          "unknown type '%s' (expected bool, int8..int64, uint8..uint64, float32, float64, "
                          "string, binary, date32, timestamp[s|ms|us|ns(,TZ)], decimal(p,s))", text);
}
