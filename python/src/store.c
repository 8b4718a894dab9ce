/*
 * python/src/store.c: ordered parquet datasets (oups._oups.Dataset: open/lock, views, stats,
 * key-value metadata, read, merge-write, row-group write, remove) and lock-step iteration
 * (oups._oups.Intersections). Key-space (Store, indexers) lives in Python (oups/store.py).
 * Every call that touches the disk runs with the GIL released.
 */
#include "internal.h"

#include <math.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------ */
/* Scalars: Python int (ints, timestamps as ns, date32 as days) or float, typed like `like`. */

static int scalar_for(oups_scalar *out, PyObject *obj, const oups_datatype *like) {
    memset(out, 0, sizeof *out);
    if (PyFloat_Check(obj) || (like && like->id == OUPS_TYPE_FLOAT64)) {
        double d = PyFloat_AsDouble(obj);
        if (d == -1.0 && PyErr_Occurred()) return -1;
        out->type = oups_type(OUPS_TYPE_FLOAT64);
        out->v.f = d;
        return 0;
    }
    long long v = PyLong_AsLongLong(obj);
    if (v == -1 && PyErr_Occurred()) return -1;
    out->type = like ? *like : oups_type(OUPS_TYPE_INT64);
    out->v.i = v;
    return 0;
}

static PyObject *scalar_to_py(const oups_scalar *s) {
    if (s->is_null) Py_RETURN_NONE;
    switch (s->type.id) {
    case OUPS_TYPE_FLOAT32:
    case OUPS_TYPE_FLOAT64: return PyFloat_FromDouble(s->v.f);
    case OUPS_TYPE_UINT8:
    case OUPS_TYPE_UINT16:
    case OUPS_TYPE_UINT32:
    case OUPS_TYPE_UINT64: return PyLong_FromUnsignedLongLong(s->v.u);
    case OUPS_TYPE_BOOL: return PyBool_FromLong(s->v.b);
    case OUPS_TYPE_STRING: return PyUnicode_FromStringAndSize(s->v.bytes.ptr, (Py_ssize_t)s->v.bytes.len);
    case OUPS_TYPE_BINARY: return PyBytes_FromStringAndSize(s->v.bytes.ptr, (Py_ssize_t)s->v.bytes.len);
    default: return PyLong_FromLongLong(s->v.i);
    }
}

/* Names from a Python list of str (NULL for None). `*names` freed with PyMem_Free; the strings
 * are borrowed from `list`, which the caller keeps alive. */
static int names_from_list(const char ***names, int *n, PyObject *list) {
    *names = NULL;
    *n = 0;
    if (list == NULL || list == Py_None) return 0;
    Py_ssize_t len = PySequence_Length(list);
    if (len < 0) return -1;
    *names = PyMem_Calloc((size_t)len + 1, sizeof **names);
    if (!*names) return (PyErr_NoMemory(), -1);
    for (Py_ssize_t i = 0; i < len; i++) {
        PyObject *item = PySequence_GetItem(list, i);
        if (!item) return -1;
        (*names)[i] = PyUnicode_AsUTF8(item);
        Py_DECREF(item); /* items of a list stay alive while the list does */
        if (!(*names)[i]) return -1;
    }
    *n = (int)len;
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Dataset */

static PyObject *dataset_new(PyTypeObject *type, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"path", "ordered_on", "lock_timeout_ms", NULL};
    const char *path, *ordered_on = NULL;
    long long timeout = -1;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "s|zL", kwlist, &path, &ordered_on, &timeout)) return NULL;
    oups_opd_options o = OUPS_OPD_OPTIONS_INIT;
    o.ordered_on = ordered_on;
    o.lock_timeout_ms = timeout;
    oups_opd *opd;
    int rc;
    Py_BEGIN_ALLOW_THREADS rc = oups_opd_open(&opd, path, &o);
    Py_END_ALLOW_THREADS if (rc) return oupspy_raise(rc);
    PyDataset *self = (PyDataset *)type->tp_alloc(type, 0);
    if (!self) {
        oups_opd_close(opd);
        return NULL;
    }
    self->opd = opd;
    return (PyObject *)self;
}

static void dataset_dealloc(PyDataset *self) {
    oups_opd_close(self->opd);
    Py_XDECREF(self->parent);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int dataset_ok(PyDataset *self) {
    if (self->opd && !self->busy) return 1;
    PyErr_SetString(oupspy_error_class(OUPS_ESTATE),
                    self->opd ? "dataset is in use by another thread" : "dataset is closed");
    return 0;
}

static PyObject *dataset_close(PyDataset *self, PyObject *unused) {
    (void)unused;
    if (self->users > 0 || self->busy) {
        PyErr_SetString(oupspy_error_class(OUPS_ESTATE), "dataset is in use (an iteration or another thread)");
        return NULL;
    }
    oups_opd_close(self->opd);
    self->opd = NULL;
    Py_CLEAR(self->parent);
    Py_RETURN_NONE;
}

static Py_ssize_t dataset_len(PyDataset *self) {
    if (!dataset_ok(self)) return -1;
    return (Py_ssize_t)oups_opd_len(self->opd);
}

static PyObject *dataset_view(PyDataset *self, PyObject *args) {
    long long start, stop, step;
    if (!PyArg_ParseTuple(args, "LLL", &start, &stop, &step) || !dataset_ok(self)) return NULL;
    oups_opd *v;
    int rc = oups_opd_view(&v, self->opd, start, stop, step);
    if (rc) return oupspy_raise(rc);
    PyDataset *out = (PyDataset *)Py_TYPE(self)->tp_alloc(Py_TYPE(self), 0);
    if (!out) {
        oups_opd_close(v);
        return NULL;
    }
    out->opd = v;
    out->parent = (PyObject *)self;
    Py_INCREF(self);
    return (PyObject *)out;
}

static PyObject *dataset_info(PyDataset *self, PyObject *unused) {
    (void)unused;
    if (!dataset_ok(self)) return NULL;
    const char *on = oups_opd_ordered_on(self->opd);
    return Py_BuildValue("{s:z,s:s,s:O,s:O,s:L}", "ordered_on", on, "path", oups_opd_path(self->opd), "is_new",
                         oups_opd_is_new(self->opd) ? Py_True : Py_False, "readonly",
                         oups_opd_is_readonly(self->opd) ? Py_True : Py_False, "max_file_id",
                         (long long)oups_opd_max_file_id(self->opd));
}

/* stats() -> ([(file_id, n_rows, min, max)], key type name or None when there is no row group) */
static PyObject *dataset_stats(PyDataset *self, PyObject *unused) {
    (void)unused;
    if (!dataset_ok(self)) return NULL;
    int64_t n = oups_opd_len(self->opd);
    PyObject *list = PyList_New((Py_ssize_t)n);
    if (!list) return NULL;
    char kt[80] = "";
    for (int64_t i = 0; i < n; i++) {
        oups_opd_rg_stats st;
        int rc = oups_opd_stats(&st, self->opd, i);
        if (rc) {
            Py_DECREF(list);
            return oupspy_raise(rc);
        }
        if (i == 0) oups_datatype_format(&st.min.type, kt, sizeof kt);
        PyObject *item = Py_BuildValue("(LLNN)", (long long)st.file_id, (long long)st.n_rows, scalar_to_py(&st.min),
                                       scalar_to_py(&st.max));
        if (!item) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)i, item);
    }
    return Py_BuildValue("(Nz)", list, n ? kt : NULL);
}

static PyObject *dataset_kv(PyDataset *self, PyObject *unused) {
    (void)unused;
    if (!dataset_ok(self)) return NULL;
    PyObject *d = PyDict_New();
    int n = oups_opd_kv_count(self->opd);
    for (int i = 0; d && i < n; i++) {
        PyObject *v = PyUnicode_FromString(oups_opd_kv_value(self->opd, i));
        if (!v || PyDict_SetItemString(d, oups_opd_kv_key(self->opd, i), v) < 0) Py_CLEAR(d);
        Py_XDECREF(v);
    }
    return d;
}

/* Key type of the dataset (from row group 0), for typing range bounds. */
static int key_type(oups_datatype *out, oups_opd *opd) {
    oups_opd_rg_stats st;
    if (oups_opd_len(opd) == 0 || oups_opd_stats(&st, opd, 0) != 0) return 0;
    *out = st.min.type;
    return 1;
}

/* read(columns=None, start=None, end_excl=None) -> Table */
static PyObject *dataset_read(PyDataset *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"columns", "start", "end_excl", NULL};
    PyObject *columns = Py_None, *start = Py_None, *end = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|OOO", kwlist, &columns, &start, &end) || !dataset_ok(self))
        return NULL;
    const char **names;
    int n;
    if (names_from_list(&names, &n, columns) < 0) {
        PyMem_Free(names);
        return NULL;
    }
    oups_datatype kt;
    bool has_kt = key_type(&kt, self->opd);
    oups_scalar s0, s1;
    if ((start != Py_None && scalar_for(&s0, start, has_kt ? &kt : NULL) < 0) ||
        (end != Py_None && scalar_for(&s1, end, has_kt ? &kt : NULL) < 0)) {
        PyMem_Free(names);
        return NULL;
    }
    oups_table *t;
    int rc;
    const char *const *cols = columns == Py_None ? NULL : names;
    self->busy = 1;
    Py_BEGIN_ALLOW_THREADS if (start == Py_None && end == Py_None) rc = oups_opd_read(&t, self->opd, cols, n);
    else rc = oups_opd_read_range(&t, self->opd, start == Py_None ? NULL : &s0, end == Py_None ? NULL : &s1, cols, n);
    Py_END_ALLOW_THREADS self->busy = 0;
    PyMem_Free(names);
    if (rc) return oupspy_raise(rc);
    return oupspy_table_wrap(t);
}

typedef struct {
    oups_store_write_options o;
    oups_parquet_write_options pq; /* o.parquet points here when a writer option is given */
    const char **dup_on, **kv_keys, **kv_values;
    PyObject *kv_items;
} write_opts;

static void write_opts_free(write_opts *w) {
    PyMem_Free(w->dup_on);
    PyMem_Free(w->kv_keys);
    PyMem_Free(w->kv_values);
    Py_XDECREF(w->kv_items);
}

/* Options from keywords: ordered_on, row_group_rows, row_group_period, duplicates (0/1/2),
 * duplicates_on, max_n_off_target_rgs, key_value_metadata (dict str -> str or None), compression
 * (a codec name with an optional ":level", as oups_codec_parse reads it). */
static int write_opts_parse(write_opts *w, PyObject *kw) {
    memset(w, 0, sizeof *w);
    oups_store_write_options init = OUPS_STORE_WRITE_OPTIONS_INIT;
    w->o = init;
    if (!kw) return 0;
    PyObject *v;
    if ((v = PyDict_GetItemString(kw, "ordered_on")) && v != Py_None && !(w->o.ordered_on = PyUnicode_AsUTF8(v)))
        return -1;
    if ((v = PyDict_GetItemString(kw, "row_group_rows")) && v != Py_None) {
        w->o.row_group_rows = PyLong_AsLongLong(v);
        if (PyErr_Occurred()) return -1;
    }
    if ((v = PyDict_GetItemString(kw, "row_group_period")) && v != Py_None &&
        !(w->o.row_group_period = PyUnicode_AsUTF8(v)))
        return -1;
    if ((v = PyDict_GetItemString(kw, "duplicates")) && v != Py_None) {
        w->o.duplicates = (oups_dup_mode)PyLong_AsLong(v);
        if (PyErr_Occurred()) return -1;
    }
    if ((v = PyDict_GetItemString(kw, "duplicates_on")) && v != Py_None) {
        if (names_from_list(&w->dup_on, &w->o.n_duplicates_on, v) < 0) return -1;
        w->o.duplicates_on = w->dup_on;
    }
    if ((v = PyDict_GetItemString(kw, "compression")) && v != Py_None) {
        const char *text = PyUnicode_AsUTF8(v);
        if (!text) return -1;
        oups_parquet_write_options pq = OUPS_PARQUET_WRITE_OPTIONS_INIT;
        w->pq = pq;
        int rc = oups_codec_parse(&w->pq.codec, &w->pq.codec_level, text);
        if (rc) return (oupspy_raise(rc), -1);
        w->o.parquet = &w->pq;
    }
    if ((v = PyDict_GetItemString(kw, "max_n_off_target_rgs")) && v != Py_None) {
        w->o.max_n_off_target_rgs = PyLong_AsLongLong(v);
        if (PyErr_Occurred()) return -1;
    }
    if ((v = PyDict_GetItemString(kw, "key_value_metadata")) && v != Py_None) {
        if (!(w->kv_items = PyDict_Items(v))) return -1;
        Py_ssize_t n = PyList_GET_SIZE(w->kv_items);
        w->kv_keys = PyMem_Calloc((size_t)n + 1, sizeof *w->kv_keys);
        w->kv_values = PyMem_Calloc((size_t)n + 1, sizeof *w->kv_values);
        if (!w->kv_keys || !w->kv_values) return (PyErr_NoMemory(), -1);
        for (Py_ssize_t i = 0; i < n; i++) {
            PyObject *it = PyList_GET_ITEM(w->kv_items, i);
            PyObject *k = PyTuple_GET_ITEM(it, 0), *val = PyTuple_GET_ITEM(it, 1);
            if (!(w->kv_keys[i] = PyUnicode_AsUTF8(k))) return -1;
            if (val != Py_None && !(w->kv_values[i] = PyUnicode_AsUTF8(val))) return -1;
        }
        w->o.n_kv = (int)n;
        w->o.kv_keys = w->kv_keys;
        w->o.kv_values = w->kv_values;
    }
    return 0;
}

/* write(table_or_None, **options) */
static PyObject *dataset_write(PyDataset *self, PyObject *args, PyObject *kw) {
    PyObject *df;
    if (!PyArg_ParseTuple(args, "O", &df) || !dataset_ok(self)) return NULL;
    oups_table *t = NULL;
    if (df != Py_None && !(t = oupspy_table_from_object(df))) return NULL;
    write_opts w;
    if (write_opts_parse(&w, kw) < 0) {
        write_opts_free(&w);
        oups_table_free(t);
        return NULL;
    }
    int rc;
    self->busy = 1;
    Py_BEGIN_ALLOW_THREADS rc = oups_opd_write(self->opd, t, &w.o);
    oups_table_free(t);
    Py_END_ALLOW_THREADS self->busy = 0;
    write_opts_free(&w);
    if (rc) return oupspy_raise(rc);
    Py_RETURN_NONE;
}

/* write_row_groups([tables], write_metadata=True, **options) */
static PyObject *dataset_write_row_groups(PyDataset *self, PyObject *args, PyObject *kw) {
    PyObject *list;
    int write_md = 1;
    if (!PyArg_ParseTuple(args, "O|p", &list, &write_md) || !dataset_ok(self)) return NULL;
    PyObject *seq = PySequence_Fast(list, "chunks must be a sequence");
    if (!seq) return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    oups_table **ts = PyMem_Calloc((size_t)n + 1, sizeof *ts);
    write_opts w;
    PyObject *result = NULL;
    int ok = ts != NULL && write_opts_parse(&w, kw) == 0;
    for (Py_ssize_t i = 0; ok && i < n; i++) ok = (ts[i] = oupspy_table_from_object(PySequence_Fast_GET_ITEM(seq, i))) != NULL;
    if (ok) {
        int rc;
        self->busy = 1;
        Py_BEGIN_ALLOW_THREADS rc = oups_opd_write_row_groups(self->opd, ts, (int)n, write_md, &w.o);
        Py_END_ALLOW_THREADS self->busy = 0;
        if (rc) oupspy_raise(rc);
        else result = Py_NewRef(Py_None);
    } else if (!ts) {
        PyErr_NoMemory();
    }
    if (ts) {
        write_opts_free(&w);
        for (Py_ssize_t i = 0; i < n; i++) oups_table_free(ts[i]);
    }
    PyMem_Free(ts);
    Py_DECREF(seq);
    return result;
}

static PyObject *dataset_remove_from_disk(PyDataset *self, PyObject *args) {
    int preserve = 0;
    if (!PyArg_ParseTuple(args, "|p", &preserve) || !dataset_ok(self)) return NULL;
    int rc;
    self->busy = 1;
    Py_BEGIN_ALLOW_THREADS rc = oups_opd_remove_from_disk(self->opd, preserve);
    Py_END_ALLOW_THREADS self->busy = 0;
    if (rc) return oupspy_raise(rc);
    Py_RETURN_NONE;
}

static PyObject *dataset_check(PyDataset *self, PyObject *unused) {
    (void)unused;
    if (!dataset_ok(self)) return NULL;
    int rc;
    self->busy = 1;
    Py_BEGIN_ALLOW_THREADS rc = oups_opd_check(self->opd);
    Py_END_ALLOW_THREADS self->busy = 0;
    if (rc) return oupspy_raise(rc);
    Py_RETURN_NONE;
}

static PyMethodDef dataset_methods[] = {
    {"close", (PyCFunction)dataset_close, METH_NOARGS, "release the handle (and the lock)"},
    {"view", (PyCFunction)dataset_view, METH_VARARGS, "view(start, stop, step) -> read-only Dataset"},
    {"info", (PyCFunction)dataset_info, METH_NOARGS, "dict: ordered_on, path, is_new, readonly, max_file_id"},
    {"stats", (PyCFunction)dataset_stats, METH_NOARGS, "([(file_id, n_rows, min, max)] per row group, key type)"},
    {"kv", (PyCFunction)dataset_kv, METH_NOARGS, "user key-value metadata"},
    {"read", (PyCFunction)(void (*)(void))dataset_read, METH_VARARGS | METH_KEYWORDS, "read -> Table"},
    {"write", (PyCFunction)(void (*)(void))dataset_write, METH_VARARGS | METH_KEYWORDS, "merge-write"},
    {"write_row_groups", (PyCFunction)(void (*)(void))dataset_write_row_groups, METH_VARARGS | METH_KEYWORDS,
     "append row groups"},
    {"remove_from_disk", (PyCFunction)dataset_remove_from_disk, METH_VARARGS, "delete the files"},
    {"check", (PyCFunction)dataset_check, METH_NOARGS, "verify the dataset"},
    {NULL, NULL, 0, NULL}};

static PySequenceMethods dataset_as_sequence = {.sq_length = (lenfunc)dataset_len};

PyTypeObject PyDataset_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "oups._oups.Dataset",
    .tp_basicsize = sizeof(PyDataset),
    .tp_dealloc = (destructor)dataset_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "Dataset(path, ordered_on=None, lock_timeout_ms=-1): an open, locked ordered parquet dataset.",
    .tp_methods = dataset_methods,
    .tp_as_sequence = &dataset_as_sequence,
    .tp_new = dataset_new,
};

/* ------------------------------------------------------------------------------------------ */
/* Intersections */

typedef struct {
    PyObject_HEAD
    oups_intersections *it;
    PyObject *datasets; /* keeps the datasets open while iterating (their `users` counted) */
    int busy;
} PyIntersections;

/* Free the C iterator and let the datasets be closed again. */
static void intersections_release(PyIntersections *self) {
    oups_intersections_free(self->it);
    self->it = NULL;
    if (self->datasets)
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(self->datasets); i++)
            ((PyDataset *)PyTuple_GET_ITEM(self->datasets, i))->users--;
    Py_CLEAR(self->datasets);
}

static void intersections_dealloc(PyIntersections *self) {
    intersections_release(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* next -> [(dataset index, Table)] of the step */
static PyObject *intersections_next(PyIntersections *self) {
    if (!self->it) return NULL;
    if (oupspy_enter(&self->busy, "iteration") < 0) return NULL;
    bool done;
    int rc;
    Py_BEGIN_ALLOW_THREADS rc = oups_intersections_next(self->it, &done);
    Py_END_ALLOW_THREADS oupspy_leave(&self->busy);
    if (rc) return oupspy_raise(rc);
    if (done) {
        intersections_release(self);
        return NULL;
    }
    int n = oups_intersections_count(self->it);
    PyObject *list = PyList_New(n);
    for (int i = 0; list && i < n; i++) {
        PyObject *t = oupspy_table_wrap(oups_table_retain((oups_table *)oups_intersections_table(self->it, i)));
        PyObject *item = t ? Py_BuildValue("(iN)", oups_intersections_index(self->it, i), t) : NULL;
        if (!item) {
            Py_CLEAR(list);
            break;
        }
        PyList_SET_ITEM(list, i, item);
    }
    return list;
}

static PyTypeObject PyIntersections_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "oups._oups.Intersections",
    .tp_basicsize = sizeof(PyIntersections),
    .tp_dealloc = (destructor)intersections_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_iter = PyObject_SelfIter,
    .tp_iternext = (iternextfunc)intersections_next,
};

/* columns[i] of intersections(): None (all) or a sequence of str, kept alive in fast[i]
 * (the names are borrowed UTF-8 of those str objects; the C iterator copies them). */
static int column_lists(PyObject *columns, Py_ssize_t n, PyObject **fast, const char ***cols, int *ncols) {
    if (PySequence_Size(columns) != n) {
        if (!PyErr_Occurred()) PyErr_Format(PyExc_ValueError, "columns: one entry per dataset (%zd) expected", n);
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *c = PySequence_GetItem(columns, i);
        if (!c) return -1;
        if (c == Py_None || PyUnicode_Check(c)) {
            if (c != Py_None) PyErr_SetString(PyExc_TypeError, "columns: a list of column names per dataset");
            Py_DECREF(c);
            if (PyErr_Occurred()) return -1;
            continue;
        }
        fast[i] = PySequence_Fast(c, "columns: a list of column names per dataset");
        Py_DECREF(c);
        if (!fast[i]) return -1;
        Py_ssize_t m = PySequence_Fast_GET_SIZE(fast[i]);
        if (m > INT_MAX - 1 || !(cols[i] = PyMem_Calloc((size_t)m + 1, sizeof **cols))) {
            PyErr_NoMemory();
            return -1;
        }
        for (Py_ssize_t k = 0; k < m; k++) {
            PyObject *name = PySequence_Fast_GET_ITEM(fast[i], k);
            if (!PyUnicode_Check(name)) {
                PyErr_Format(PyExc_TypeError, "columns: a column name must be a str, not %.100s", Py_TYPE(name)->tp_name);
                return -1;
            }
            if (!(cols[i][k] = PyUnicode_AsUTF8(name))) return -1;
        }
        ncols[i] = (int)m;
    }
    return 0;
}

/* intersections([Dataset], start=None, end_excl=None, n_prev=None, columns=None) */
static PyObject *intersections_open(PyObject *mod, PyObject *args, PyObject *kw) {
    (void)mod;
    static char *kwlist[] = {"datasets", "start", "end_excl", "n_prev", "columns", NULL};
    PyObject *list, *start = Py_None, *end = Py_None, *n_prev = Py_None, *columns = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|OOOO", kwlist, &list, &start, &end, &n_prev, &columns)) return NULL;
    PyObject *seq = PySequence_Tuple(list);
    if (!seq) return NULL;
    Py_ssize_t n = PyTuple_GET_SIZE(seq);
    oups_opd **opds = PyMem_Calloc((size_t)n + 1, sizeof *opds);
    int64_t *np = PyMem_Calloc((size_t)n + 1, sizeof *np);
    PyObject **fast = PyMem_Calloc((size_t)n + 1, sizeof *fast);
    const char ***cols = PyMem_Calloc((size_t)n + 1, sizeof *cols);
    int *ncols = PyMem_Calloc((size_t)n + 1, sizeof *ncols);
    PyIntersections *self = NULL;
    if (!opds || !np || !fast || !cols || !ncols) {
        PyErr_NoMemory();
        goto done;
    }
    bool has_kt = false;
    oups_datatype kt;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *d = PyTuple_GET_ITEM(seq, i);
        if (!PyObject_TypeCheck(d, &PyDataset_Type) || !dataset_ok((PyDataset *)d)) {
            if (!PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "datasets must be open Dataset objects");
            goto done;
        }
        opds[i] = ((PyDataset *)d)->opd;
        if (!has_kt) has_kt = key_type(&kt, opds[i]);
        if (n_prev != Py_None) {
            PyObject *v = PySequence_GetItem(n_prev, i);
            if (!v) goto done;
            np[i] = PyLong_AsLongLong(v);
            Py_DECREF(v);
            if (PyErr_Occurred()) goto done;
        }
    }
    oups_scalar s0, s1;
    if ((start != Py_None && scalar_for(&s0, start, has_kt ? &kt : NULL) < 0) ||
        (end != Py_None && scalar_for(&s1, end, has_kt ? &kt : NULL) < 0))
        goto done;
    if (columns != Py_None && column_lists(columns, n, fast, cols, ncols) < 0) goto done;
    oups_intersections_options o = OUPS_INTERSECTIONS_OPTIONS_INIT;
    o.start = start == Py_None ? NULL : &s0;
    o.end_excl = end == Py_None ? NULL : &s1;
    o.n_prev = n_prev == Py_None ? NULL : np;
    o.columns = columns == Py_None ? NULL : (const char *const *const *)cols;
    o.n_columns = ncols;
    oups_intersections *it;
    int rc;
    Py_BEGIN_ALLOW_THREADS rc = oups_intersections_open(&it, opds, (int)n, &o);
    Py_END_ALLOW_THREADS if (rc) {
        oupspy_raise(rc);
        goto done;
    }
    self = PyObject_New(PyIntersections, &PyIntersections_Type);
    if (!self) {
        oups_intersections_free(it);
        goto done;
    }
    self->it = it;
    self->busy = 0;
    self->datasets = Py_NewRef(seq);
    for (Py_ssize_t i = 0; i < n; i++) ((PyDataset *)PyTuple_GET_ITEM(seq, i))->users++;
done:
    for (Py_ssize_t i = 0; fast && cols && i < n; i++) {
        Py_XDECREF(fast[i]);
        PyMem_Free(cols[i]);
    }
    PyMem_Free(fast);
    PyMem_Free(cols);
    PyMem_Free(ncols);
    PyMem_Free(opds);
    PyMem_Free(np);
    Py_DECREF(seq);
    return (PyObject *)self;
}

static PyMethodDef store_functions[] = {
    {"intersections", (PyCFunction)(void (*)(void))intersections_open, METH_VARARGS | METH_KEYWORDS,
     "intersections(datasets, start=None, end_excl=None, n_prev=None, columns=None) -> iterator of steps"},
    {NULL, NULL, 0, NULL}};

int oupspy_init_store(PyObject *m) {
    if (PyType_Ready(&PyDataset_Type) < 0 || PyType_Ready(&PyIntersections_Type) < 0) return -1;
    if (PyModule_AddObjectRef(m, "Dataset", (PyObject *)&PyDataset_Type) < 0) return -1;
    return PyModule_AddFunctions(m, store_functions);
}
