/*
 * table/table.c: the table handle: construction, reference counting, column lookup,
 * and the zero-copy operations (slice, select, rename, set_column). Copying operations
 * (concat, take), sorting, comparison and dedup live in their own files.
 */
#include "table/table.h"

int oups_table__adopt(oups_table **out, int n_cols, int64_t n_rows, char **names, oups_column **cols) {
    *out = NULL;
    oups_table *t = oups_malloc(sizeof *t);
    if (!t) {
        for (int i = 0; i < n_cols; i++) {
            oups_free(names[i]);
            oups_column_release(cols[i]);
        }
        oups_free(names);
        oups_free(cols);
        return OUPS_ENOMEM;
    }
    atomic_init(&t->refcount, 1);
    t->n_cols = n_cols;
    t->n_rows = n_rows;
    t->names = names;
    t->cols = cols;
    *out = t;
    return 0;
}

static int check_names(int n_cols, const char *const *names) {
    for (int i = 0; i < n_cols; i++) {
        if (!names[i] || !names[i][0]) return oups_error_set(OUPS_EINVAL, "table: column %d has an empty name", i);
        for (int j = 0; j < i; j++)
            if (strcmp(names[i], names[j]) == 0)
                return oups_error_set(OUPS_EINVAL, "table: duplicate column name '%s'", names[i]);
    }
    return 0;
}

int oups_table_new(oups_table **out, int n_cols, const char *const *names, oups_column *const *cols) {
    *out = NULL;
    if (n_cols < 0 || (n_cols > 0 && (!names || !cols))) return oups_error_set(OUPS_EINVAL, "table: bad column list");
    OUPS_TRY(check_names(n_cols, names));
    int64_t n_rows = n_cols ? cols[0]->length : 0;
    for (int i = 0; i < n_cols; i++)
        if (!cols[i] || cols[i]->length != n_rows)
            return oups_error_set(OUPS_EINVAL, "table: column '%s' has %lld rows, column '%s' %lld", names[i],
                                  cols[i] ? (long long)cols[i]->length : -1LL, names[0], (long long)n_rows);
    char **nm = oups_calloc((size_t)n_cols + 1, sizeof *nm);
    oups_column **cs = oups_calloc((size_t)n_cols + 1, sizeof *cs);
    if (!nm || !cs) {
        oups_free(nm);
        oups_free(cs);
        return OUPS_ENOMEM;
    }
    for (int i = 0; i < n_cols; i++) {
        nm[i] = oups_strdup(names[i]);
        if (!nm[i]) {
            for (int j = 0; j < i; j++) oups_free(nm[j]);
            oups_free(nm);
            oups_free(cs);
            return OUPS_ENOMEM;
        }
    }
    for (int i = 0; i < n_cols; i++) cs[i] = oups_column_retain(cols[i]);
    return oups_table__adopt(out, n_cols, n_rows, nm, cs);
}

int oups_table_new_empty(oups_table **out, int n_cols, const char *const *names, const oups_datatype *types) {
    *out = NULL;
    if (n_cols < 0) return oups_error_set(OUPS_EINVAL, "table: bad column count");
    oups_column **cols = oups_calloc((size_t)n_cols + 1, sizeof *cols);
    if (!cols) return OUPS_ENOMEM;
    int rc = 0;
    for (int i = 0; i < n_cols && rc == 0; i++) {
        oups_buffer *offsets = NULL, *data = NULL;
        rc = oups_buffer_new_zeroed(&data, 0);
        if (rc == 0 && oups_type_is_binary(types[i].id)) rc = oups_buffer_new_zeroed(&offsets, 8);
        if (rc == 0) rc = oups_column_new(&cols[i], &types[i], 0, 0, 0, NULL, offsets, data);
        else {
            oups_buffer_release(data);
            oups_buffer_release(offsets);
        }
    }
    if (rc == 0) rc = oups_table_new(out, n_cols, names, cols);
    for (int i = 0; i < n_cols; i++) oups_column_release(cols[i]);
    oups_free(cols);
    return rc;
}

oups_table *oups_table_retain(oups_table *t) {
    if (t) atomic_fetch_add_explicit(&t->refcount, 1, memory_order_relaxed);
    return t;
}

void oups_table_free(oups_table *t) {
    if (!t || atomic_fetch_sub_explicit(&t->refcount, 1, memory_order_acq_rel) != 1) return;
    for (int i = 0; i < t->n_cols; i++) {
        oups_free(t->names[i]);
        oups_column_release(t->cols[i]);
    }
    oups_free(t->names);
    oups_free(t->cols);
    oups_free(t);
}

int64_t oups_table_num_rows(const oups_table *t) { return t->n_rows; }
int oups_table_num_columns(const oups_table *t) { return t->n_cols; }
oups_column *oups_table_column(const oups_table *t, int i) { return i >= 0 && i < t->n_cols ? t->cols[i] : NULL; }
const char *oups_table_column_name(const oups_table *t, int i) { return i >= 0 && i < t->n_cols ? t->names[i] : NULL; }

int oups_table_column_index(const oups_table *t, const char *name) {
    for (int i = 0; i < t->n_cols; i++)
        if (strcmp(t->names[i], name) == 0) return i;
    return -1;
}

int oups_table_column_find(int *out, const oups_table *t, const char *name) {
    *out = oups_table_column_index(t, name);
    if (*out < 0) return oups_error_set(OUPS_ENOTFOUND, "column '%s' not found", name);
    return 0;
}

bool oups_table_schema_equal(const oups_table *a, const oups_table *b) {
    if (a->n_cols != b->n_cols) return false;
    for (int i = 0; i < a->n_cols; i++)
        if (strcmp(a->names[i], b->names[i]) != 0 || !oups_datatype_equal(&a->cols[i]->type, &b->cols[i]->type))
            return false;
    return true;
}

int oups_table__make(oups_table **out, int n, const char *const *names, oups_column *const *cols, int64_t n_rows) {
    if (n > 0) return oups_table_new(out, n, names, cols);
    *out = NULL;
    OUPS_TRY(oups_table_new(out, 0, NULL, NULL));
    (*out)->n_rows = n_rows;
    return 0;
}

int oups_table_slice(oups_table **out, const oups_table *t, int64_t off, int64_t n) {
    *out = NULL;
    if (off < 0 || n < 0 || off > t->n_rows || n > t->n_rows - off)
        return oups_error_set(OUPS_EINVAL, "slice [%lld, %lld) outside table of %lld rows", (long long)off,
                              (long long)(off + n), (long long)t->n_rows);
    oups_column **cols = oups_calloc((size_t)t->n_cols + 1, sizeof *cols);
    if (!cols) return OUPS_ENOMEM;
    int rc = 0;
    for (int i = 0; i < t->n_cols && rc == 0; i++) rc = oups_column_slice(&cols[i], t->cols[i], off, n);
    if (rc == 0) rc = oups_table__make(out, t->n_cols, (const char *const *)t->names, cols, n);
    for (int i = 0; i < t->n_cols; i++) oups_column_release(cols[i]);
    oups_free(cols);
    return rc;
}

int oups_table_select(oups_table **out, const oups_table *t, const char *const *names, int n) {
    *out = NULL;
    if (n < 0) return oups_error_set(OUPS_EINVAL, "select: negative column count");
    oups_column **cols = oups_calloc((size_t)n + 1, sizeof *cols);
    if (!cols) return OUPS_ENOMEM;
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        int k;
        rc = oups_table_column_find(&k, t, names[i]);
        if (rc == 0) cols[i] = t->cols[k];
    }
    if (rc == 0) rc = oups_table__make(out, n, names, cols, t->n_rows);
    oups_free(cols);
    return rc;
}

int oups_table_rename(oups_table **out, const oups_table *t, const char *const *from, const char *const *to, int n) {
    *out = NULL;
    const char **names = oups_calloc((size_t)t->n_cols + 1, sizeof *names);
    if (!names) return OUPS_ENOMEM;
    for (int i = 0; i < t->n_cols; i++) names[i] = t->names[i];
    int rc = 0;
    for (int k = 0; k < n && rc == 0; k++) {
        int i;
        rc = oups_table_column_find(&i, t, from[k]);
        if (rc == 0) names[i] = to[k];
    }
    if (rc == 0) rc = oups_table__make(out, t->n_cols, names, t->cols, t->n_rows);
    oups_free(names);
    return rc;
}

int oups_table_set_column(oups_table **out, const oups_table *t, const char *name, oups_column *col) {
    *out = NULL;
    if (t->n_cols > 0 && col->length != t->n_rows)
        return oups_error_set(OUPS_EINVAL, "set_column '%s': %lld rows, table has %lld", name, (long long)col->length,
                              (long long)t->n_rows);
    int k = oups_table_column_index(t, name);
    int n = k < 0 ? t->n_cols + 1 : t->n_cols;
    const char **names = oups_calloc((size_t)n + 1, sizeof *names);
    oups_column **cols = oups_calloc((size_t)n + 1, sizeof *cols);
    int rc = OUPS_ENOMEM;
    if (names && cols) {
        for (int i = 0; i < t->n_cols; i++) {
            names[i] = t->names[i];
            cols[i] = t->cols[i];
        }
        names[k < 0 ? t->n_cols : k] = name;
        cols[k < 0 ? t->n_cols : k] = col;
        rc = oups_table_new(out, n, names, cols);
    }
    oups_free(names);
    oups_free(cols);
    return rc;
}
