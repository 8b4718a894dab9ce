/*
 * table/arrow_export.c: oups_table_export, the producer side of the Arrow C Data Interface
 * (https://arrow.apache.org/docs/format/CDataInterface.html). A table becomes a struct array
 * ("+s", no nulls) with one child per column, zero-copy: each child's private data retains its
 * column, so exported memory outlives the table and every child can be moved out and released
 * on its own, in any order; the parent's release only releases children still in place.
 * Format strings of oups types (oups_arrow__format) are shared with the importer.
 */
#include <stdio.h>

#include "table/table.h"

void oups_arrow__format(char *buf, size_t cap, const oups_datatype *t) {
    static const char *const simple[] = {
        [OUPS_TYPE_BOOL] = "b",  [OUPS_TYPE_INT8] = "c",    [OUPS_TYPE_INT16] = "s",   [OUPS_TYPE_INT32] = "i",
        [OUPS_TYPE_INT64] = "l", [OUPS_TYPE_UINT8] = "C",   [OUPS_TYPE_UINT16] = "S",  [OUPS_TYPE_UINT32] = "I",
        [OUPS_TYPE_UINT64] = "L", [OUPS_TYPE_FLOAT32] = "f", [OUPS_TYPE_FLOAT64] = "g", [OUPS_TYPE_DATE32] = "tdD",
        [OUPS_TYPE_STRING] = "U", [OUPS_TYPE_BINARY] = "Z",
    };
    if (t->id == OUPS_TYPE_TIMESTAMP) snprintf(buf, cap, "ts%c:%s", "smun"[t->unit], t->tz);
    else if (t->id == OUPS_TYPE_DECIMAL128) snprintf(buf, cap, "d:%d,%d", t->precision, t->scale);
    else snprintf(buf, cap, "%s", simple[t->id]);
}

/* ---- arrays ------------------------------------------------------------------------------- */

typedef struct child_array_priv {
    oups_column *col;
    const void *buffers[3];
} child_array_priv;

typedef struct parent_array_priv {
    struct ArrowArray *children; /* storage; the parent's `children` points into it */
    struct ArrowArray **ptrs;
    const void *buffers[1];
} parent_array_priv;

static void release_child_array(struct ArrowArray *a) {
    child_array_priv *p = a->private_data;
    oups_column_release(p->col);
    oups_free(p);
    a->release = NULL;
}

static void release_parent_array(struct ArrowArray *a) {
    parent_array_priv *p = a->private_data;
    for (int64_t i = 0; i < a->n_children; i++)
        if (p->children[i].release) p->children[i].release(&p->children[i]); /* not moved out */
    oups_free(p->children);
    oups_free(p->ptrs);
    oups_free(p);
    a->release = NULL;
}

static int export_child_array(struct ArrowArray *a, oups_column *col) {
    child_array_priv *p = oups_malloc(sizeof *p);
    if (!p) return OUPS_ENOMEM;
    p->col = oups_column_retain(col);
    bool bin = oups_type_is_binary(col->type.id);
    p->buffers[0] = col->null_count > 0 ? col->validity->data : NULL; /* spec: may be null when no nulls */
    p->buffers[1] = bin ? col->offsets->data : col->data->data;
    p->buffers[2] = bin ? col->data->data : NULL;
    a->length = col->length;
    a->null_count = col->null_count;
    a->offset = col->offset;
    a->n_buffers = bin ? 3 : 2;
    a->n_children = 0;
    a->buffers = p->buffers;
    a->children = NULL;
    a->dictionary = NULL;
    a->private_data = p;
    a->release = release_child_array;
    return 0;
}

/* ---- schemas ------------------------------------------------------------------------------ */

typedef struct child_schema_priv {
    char format[96];
    char name[]; /* NUL-terminated */
} child_schema_priv;

typedef struct parent_schema_priv {
    struct ArrowSchema *children;
    struct ArrowSchema **ptrs;
} parent_schema_priv;

static void release_child_schema(struct ArrowSchema *s) {
    oups_free(s->private_data);
    s->release = NULL;
}

static void release_parent_schema(struct ArrowSchema *s) {
    parent_schema_priv *p = s->private_data;
    for (int64_t i = 0; i < s->n_children; i++)
        if (p->children[i].release) p->children[i].release(&p->children[i]);
    oups_free(p->children);
    oups_free(p->ptrs);
    oups_free(p);
    s->release = NULL;
}

static int export_child_schema(struct ArrowSchema *s, const char *name, const oups_datatype *type) {
    size_t len = strlen(name);
    child_schema_priv *p = oups_malloc(sizeof *p + len + 1);
    if (!p) return OUPS_ENOMEM;
    oups_arrow__format(p->format, sizeof p->format, type);
    memcpy(p->name, name, len + 1);
    s->format = p->format;
    s->name = p->name;
    s->metadata = NULL;
    s->flags = ARROW_FLAG_NULLABLE;
    s->n_children = 0;
    s->children = NULL;
    s->dictionary = NULL;
    s->private_data = p;
    s->release = release_child_schema;
    return 0;
}

/* ---- the table ---------------------------------------------------------------------------- */

int oups_table_export(struct ArrowArray *out_array, struct ArrowSchema *out_schema, const oups_table *t) {
    if (!out_array || !out_schema || !t) return oups_error_set(OUPS_EINVAL, "export: NULL argument");
    memset(out_array, 0, sizeof *out_array);
    memset(out_schema, 0, sizeof *out_schema);
    size_t n = (size_t)t->n_cols;
    parent_array_priv *pa = oups_calloc(1, sizeof *pa);
    parent_schema_priv *ps = oups_calloc(1, sizeof *ps);
    if (pa) {
        pa->children = oups_calloc(n + 1, sizeof *pa->children);
        pa->ptrs = oups_calloc(n + 1, sizeof *pa->ptrs);
    }
    if (ps) {
        ps->children = oups_calloc(n + 1, sizeof *ps->children);
        ps->ptrs = oups_calloc(n + 1, sizeof *ps->ptrs);
    }
    if (!pa || !ps || !pa->children || !pa->ptrs || !ps->children || !ps->ptrs) {
        if (pa) {
            oups_free(pa->children);
            oups_free(pa->ptrs);
        }
        if (ps) {
            oups_free(ps->children);
            oups_free(ps->ptrs);
        }
        oups_free(pa);
        oups_free(ps);
        return OUPS_ENOMEM;
    }
    *out_array = (struct ArrowArray){.length = t->n_rows, .null_count = 0, .offset = 0, .n_buffers = 1,
                                     .n_children = t->n_cols, .buffers = pa->buffers, .children = pa->ptrs,
                                     .dictionary = NULL, .release = release_parent_array, .private_data = pa};
    *out_schema = (struct ArrowSchema){.format = "+s", .name = "", .metadata = NULL, .flags = 0,
                                       .n_children = t->n_cols, .children = ps->ptrs, .dictionary = NULL,
                                       .release = release_parent_schema, .private_data = ps};
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        pa->ptrs[i] = &pa->children[i];
        ps->ptrs[i] = &ps->children[i];
        rc = export_child_array(&pa->children[i], t->cols[i]);
        if (rc == 0) rc = export_child_schema(&ps->children[i], t->names[i], &t->cols[i]->type);
    }
    if (rc < 0) { /* children not yet made have release == NULL (calloc) and are skipped */
        out_array->release(out_array);
        out_schema->release(out_schema);
        memset(out_array, 0, sizeof *out_array);
        memset(out_schema, 0, sizeof *out_schema);
    }
    return rc;
}
