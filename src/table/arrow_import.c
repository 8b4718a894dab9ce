/*
 * table/arrow_import.c: oups_table_import, the consumer side of the Arrow C Data Interface.
 * Accepts a struct array ("+s") whose children have supported formats (b c s i l C S I L f g
 * tdD ts{s,m,u,n}:tz u z U Z d:p,s[,128]). Buffers are wrapped zero-copy; every wrapped
 * buffer holds a reference on a `holder` that owns the moved-in ArrowArray, so the producer's
 * release runs when the last column using its memory goes. 32-bit offsets (u, z) are widened
 * into a new int64 buffer. On failure nothing is moved: the holder is marked not owned and
 * the caller's structures are untouched. The schema is only read, and released on success.
 */
#include <stdio.h>
#include <stdlib.h>

#include "table/table.h"

typedef struct holder {
    _Atomic int64_t refs;
    bool owned; /* set once the import succeeded: then the last unref releases `array` */
    struct ArrowArray array;
} holder;

static void holder_unref(void *payload) {
    holder *h = payload;
    if (atomic_fetch_sub_explicit(&h->refs, 1, memory_order_acq_rel) != 1) return;
    if (h->owned && h->array.release) h->array.release(&h->array);
    oups_free(h);
}

/* Parse a child format into a type; `wide` tells whether string/binary offsets are int64. */
static int parse_format(oups_datatype *t, bool *wide, const char *f, const char *col) {
    static const struct {
        const char *f;
        oups_type_id id;
    } simple[] = {
        {"b", OUPS_TYPE_BOOL},    {"c", OUPS_TYPE_INT8},    {"s", OUPS_TYPE_INT16},   {"i", OUPS_TYPE_INT32},
        {"l", OUPS_TYPE_INT64},   {"C", OUPS_TYPE_UINT8},   {"S", OUPS_TYPE_UINT16},  {"I", OUPS_TYPE_UINT32},
        {"L", OUPS_TYPE_UINT64},  {"f", OUPS_TYPE_FLOAT32}, {"g", OUPS_TYPE_FLOAT64}, {"tdD", OUPS_TYPE_DATE32},
        {"u", OUPS_TYPE_STRING},  {"U", OUPS_TYPE_STRING},  {"z", OUPS_TYPE_BINARY},  {"Z", OUPS_TYPE_BINARY},
    };
    *wide = f[0] == 'U' || f[0] == 'Z';
    for (size_t i = 0; i < sizeof simple / sizeof simple[0]; i++)
        if (strcmp(f, simple[i].f) == 0) {
            *t = oups_type(simple[i].id);
            return 0;
        }
    if (strncmp(f, "ts", 2) == 0 && f[2] && strchr("smun", f[2]) && f[3] == ':' && strlen(f + 4) < sizeof t->tz) {
        *t = oups_type_timestamp((oups_time_unit)(strchr("smun", f[2]) - "smun"), f + 4);
        return 0;
    }
    int p, s, bits = 128, n = 0;
    if (strncmp(f, "d:", 2) == 0 &&
        ((sscanf(f, "d:%d,%d%n", &p, &s, &n) == 2 && f[n] == '\0') ||
         (sscanf(f, "d:%d,%d,%d%n", &p, &s, &bits, &n) == 3 && f[n] == '\0')) &&
        bits == 128) {
        *t = oups_type_decimal(p, s);
        if (oups_datatype_validate(t) < 0)
            return oups_error_set(OUPS_EUNSUPPORTED, "import: column '%s': format '%s': decimal precision must be "
                                  "1..38 and scale 0..precision", col, f);
        return 0;
    }
    return oups_error_set(OUPS_EUNSUPPORTED, "import: column '%s': Arrow format '%s' is not supported", col, f);
}

/* Wrap `size` bytes at `p` as a buffer that keeps `h` alive; NULL pointers of empty buffers
 * become fresh empty buffers. */
static int wrap(oups_buffer **out, holder *h, const void *p, int64_t size, const char *col) {
    *out = NULL;
    if (!p) {
        if (size > 0) return oups_error_set(OUPS_EINVAL, "import: column '%s': NULL buffer for %lld bytes", col,
                                            (long long)size);
        return oups_buffer_new_zeroed(out, 0);
    }
    atomic_fetch_add_explicit(&h->refs, 1, memory_order_relaxed);
    int rc = oups_buffer_wrap(out, p, size, holder_unref, h);
    if (rc < 0) atomic_fetch_sub_explicit(&h->refs, 1, memory_order_relaxed);
    return rc;
}

static int import_column(oups_column **out, holder *h, const struct ArrowArray *a, const struct ArrowSchema *s,
                         int64_t parent_off, int64_t rows) {
    *out = NULL;
    const char *col = s->name ? s->name : "";
    if (!s->format) return oups_error_set(OUPS_EINVAL, "import: column '%s': schema has no format", col);
    oups_datatype type;
    bool wide;
    OUPS_TRY(parse_format(&type, &wide, s->format, col));
    bool bin = oups_type_is_binary(type.id);
    if (a->release == NULL || s->release == NULL)
        return oups_error_set(OUPS_EINVAL, "import: column '%s' was released or moved out", col);
    if (s->dictionary || a->dictionary || a->n_children != 0 || s->n_children != 0)
        return oups_error_set(OUPS_EUNSUPPORTED, "import: column '%s': dictionary or nested arrays are not supported",
                              col);
    if (a->n_buffers != (bin ? 3 : 2) || !a->buffers)
        return oups_error_set(OUPS_EINVAL, "import: column '%s' (format '%s'): %lld buffers, expected %d", col,
                              s->format, (long long)a->n_buffers, bin ? 3 : 2);
    if (a->offset < 0 || a->length < 0 || a->length < parent_off + rows || a->offset > INT64_MAX / 16 - a->length)
        return oups_error_set(OUPS_EINVAL, "import: column '%s': length %lld / offset %lld do not cover %lld rows", col,
                              (long long)a->length, (long long)a->offset, (long long)(parent_off + rows));
    int64_t off = a->offset + parent_off, total = off + rows;
    oups_buffer *validity = NULL, *offsets = NULL, *data = NULL;
    int64_t null_count = 0;
    int rc = 0;
    if (a->null_count > 0 && !a->buffers[0])
        return oups_error_set(OUPS_EINVAL, "import: column '%s': %lld nulls but no validity buffer", col,
                              (long long)a->null_count);
    if (a->null_count != 0 && a->buffers[0]) {
        rc = wrap(&validity, h, a->buffers[0], (total + 7) / 8, col);
        null_count = parent_off == 0 && rows == a->length ? a->null_count : -1; /* counts of slices recomputed */
    }
    if (rc == 0 && bin) {
        if (!a->buffers[1] && total > 0)
            rc = oups_error_set(OUPS_EINVAL, "import: column '%s': NULL offsets buffer", col);
        else if (wide) {
            int64_t end = a->buffers[1] ? ((const int64_t *)a->buffers[1])[total] : 0;
            rc = a->buffers[1] ? wrap(&offsets, h, a->buffers[1], (total + 1) * 8, col)
                               : oups_buffer_new_zeroed(&offsets, 8);
            if (rc == 0) rc = wrap(&data, h, a->buffers[2], end, col);
        } else { /* widen int32 offsets (Arrow "u"/"z") to the int64 layout oups uses */
            const int32_t *o32 = a->buffers[1];
            rc = oups_buffer_new_zeroed(&offsets, (total + 1) * 8);
            if (rc == 0 && o32)
                for (int64_t i = 0; i <= total; i++) ((int64_t *)offsets->data)[i] = o32[i];
            if (rc == 0) rc = wrap(&data, h, a->buffers[2], o32 ? o32[total] : 0, col);
        }
    } else if (rc == 0) {
        int64_t size = type.id == OUPS_TYPE_BOOL ? (total + 7) / 8 : total * oups_datatype_width(type.id);
        rc = wrap(&data, h, a->buffers[1], size, col);
    }
    if (rc < 0) {
        oups_buffer_release(validity);
        oups_buffer_release(offsets);
        oups_buffer_release(data);
        return rc;
    }
    rc = oups_column_new(out, &type, rows, off, null_count, validity, offsets, data);
    if (rc < 0 && rc != OUPS_ENOMEM) return oups_error_prefix(rc, "import: column '%s': ", col);
    return rc;
}

int oups_table_import(oups_table **out, struct ArrowArray *array, struct ArrowSchema *schema) {
    *out = NULL;
    if (!array || !schema) return oups_error_set(OUPS_EINVAL, "import: NULL argument");
    if (!array->release || !schema->release)
        return oups_error_set(OUPS_EINVAL, "import: the %s was already released (or moved)",
                              !array->release ? "ArrowArray" : "ArrowSchema");
    if (!schema->format || strcmp(schema->format, "+s") != 0)
        return oups_error_set(OUPS_EUNSUPPORTED,
                              "import: top-level array has format '%s'; a table must be a struct array ('+s') with "
                              "one child per column", schema->format ? schema->format : "(null)");
    if (array->n_children != schema->n_children || array->n_children < 0 || array->n_children > INT32_MAX / 2 ||
        (array->n_children > 0 && (!array->children || !schema->children)))
        return oups_error_set(OUPS_EINVAL, "import: array has %lld children, schema %lld",
                              (long long)array->n_children, (long long)schema->n_children);
    if (array->length < 0 || array->offset < 0)
        return oups_error_set(OUPS_EINVAL, "import: negative length %lld or offset %lld", (long long)array->length,
                              (long long)array->offset);
    if (array->null_count != 0 && array->n_buffers >= 1 && array->buffers && array->buffers[0] &&
        oups_bits_count(array->buffers[0], array->offset, array->length) != array->length)
        return oups_error_set(OUPS_EUNSUPPORTED, "import: the struct array has null rows (a table row cannot be null)");
    int n = (int)array->n_children;
    holder *h = oups_malloc(sizeof *h);
    oups_column **cols = oups_calloc((size_t)n + 1, sizeof *cols);
    const char **names = oups_calloc((size_t)n + 1, sizeof *names);
    if (!h || !cols || !names) {
        oups_free(h);
        oups_free(cols);
        oups_free(names);
        return OUPS_ENOMEM;
    }
    atomic_init(&h->refs, 1);
    h->owned = false;
    h->array = *array;
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        if (!array->children[i] || !schema->children[i]) {
            rc = oups_error_set(OUPS_EINVAL, "import: child %d is NULL", i);
            break;
        }
        names[i] = schema->children[i]->name ? schema->children[i]->name : "";
        rc = import_column(&cols[i], h, array->children[i], schema->children[i], array->offset, array->length);
    }
    if (rc == 0) {
        rc = n > 0 ? oups_table_new(out, n, names, cols) : oups_table__make(out, 0, NULL, NULL, array->length);
        if (rc < 0 && rc != OUPS_ENOMEM) oups_error_prefix(rc, "import: ");
    }
    for (int i = 0; i < n; i++) oups_column_release(cols[i]);
    oups_free(cols);
    oups_free(names);
    if (rc == 0) { /* move: from now on the holder owns the array; we are done with the schema */
        h->owned = true;
        array->release = NULL;
        schema->release(schema);
        schema->release = NULL;
    }
    holder_unref(h);
    return rc;
}
