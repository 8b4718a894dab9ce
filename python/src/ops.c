/*
 * python/src/ops.c: the stateful C operations as Python objects: oups._oups.AsofMerger (the
 * reference's AsofMerger on oups_asof_merger: options, merge, state save/load for the loop) and
 * the plain as-of join (asof). Merges run with the GIL released.
 */
#include "internal.h"

#define NO_IMPORT_ARRAY
#define PY_ARRAY_UNIQUE_SYMBOL oups_ARRAY_API
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>

#include <string.h>

/* Python list -> C array of `n` ints/bools (NULL for None). */
static int int_list(int **out, PyObject *list, Py_ssize_t *n) {
    *out = NULL;
    if (list == Py_None) return 0;
    PyObject *seq = PySequence_Fast(list, "expected a sequence of integers");
    if (!seq) return -1;
    *n = PySequence_Fast_GET_SIZE(seq);
    *out = PyMem_Calloc((size_t)*n + 1, sizeof **out);
    int rc = *out ? 0 : (PyErr_NoMemory(), -1);
    for (Py_ssize_t i = 0; rc == 0 && i < *n; i++) {
        long v = PyLong_AsLong(PySequence_Fast_GET_ITEM(seq, i));
        if (v == -1 && PyErr_Occurred()) rc = -1;
        (*out)[i] = (int)v;
    }
    Py_DECREF(seq);
    return rc;
}

static PyObject *merger_new(PyTypeObject *type, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"on",        "n_dfs_per_group", "prefixes", "n_join_positions", "allow_exact_matches",
                             "n_prev",    "n_prev_suffix_start", "direction", "tolerance", "fill",
                             "fill_values_init", "n_fill_groups", "reuse_output", NULL};
    const char *on;
    int n_dfs, J = 0, suffix_start = 0, direction = 0, fill = 0, n_fill_groups = 0, reuse = 0;
    PyObject *prefixes = Py_None, *aem = Py_None, *n_prev = Py_None, *tol = Py_None, *fvi = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "si|OiOOiiOiOip", kwlist, &on, &n_dfs, &prefixes, &J, &aem, &n_prev,
                                     &suffix_start, &direction, &tol, &fill, &fvi, &n_fill_groups, &reuse))
        return NULL;
    oups_asof_merger_options o = OUPS_ASOF_MERGER_OPTIONS_INIT;
    o.on = on;
    o.n_dfs_per_group = n_dfs;
    o.n_join_positions = J;
    o.n_prev_suffix_start = suffix_start;
    o.direction = (oups_asof_direction)direction;
    o.fill = (oups_asof_fill)fill;
    o.n_fill_groups = n_fill_groups;
    o.reuse_output = reuse;
    const char **pref = NULL;
    int *aem_i = NULL, *np = NULL;
    bool *aem_b = NULL;
    oups_table **fill_tables = NULL;
    Py_ssize_t n_pref = 0, n_aem = 0, n_np = 0, n_fill = 0;
    PyObject *result = NULL, *pref_seq = NULL, *fill_seq = NULL;
    if (tol != Py_None) {
        o.has_tolerance = true;
        o.tolerance = PyLong_AsLongLong(tol);
        if (PyErr_Occurred()) return NULL;
    }
    if (prefixes != Py_None) {
        if (!(pref_seq = PySequence_Fast(prefixes, "prefixes must be a sequence"))) goto done;
        n_pref = PySequence_Fast_GET_SIZE(pref_seq);
        if (!(pref = PyMem_Calloc((size_t)n_pref + 1, sizeof *pref))) goto nomem;
        for (Py_ssize_t i = 0; i < n_pref; i++)
            if (!(pref[i] = PyUnicode_AsUTF8(PySequence_Fast_GET_ITEM(pref_seq, i)))) goto done;
        o.prefixes = pref;
    }
    if (int_list(&aem_i, aem, &n_aem) < 0 || int_list(&np, n_prev, &n_np) < 0) goto done;
    if (aem_i) {
        if (!(aem_b = PyMem_Calloc((size_t)n_aem + 1, sizeof *aem_b))) goto nomem;
        for (Py_ssize_t i = 0; i < n_aem; i++) aem_b[i] = aem_i[i] != 0;
        o.allow_exact_matches = aem_b;
    }
    o.n_prev = np;
    if (fvi != Py_None) {
        if (!(fill_seq = PySequence_Fast(fvi, "fill_values_init must be a sequence"))) goto done;
        n_fill = PySequence_Fast_GET_SIZE(fill_seq);
        if (!(fill_tables = PyMem_Calloc((size_t)n_fill + 1, sizeof *fill_tables))) goto nomem;
        for (Py_ssize_t i = 0; i < n_fill; i++)
            if (!(fill_tables[i] = oupspy_table_from_object(PySequence_Fast_GET_ITEM(fill_seq, i)))) goto done;
        o.fill_values_init = fill_tables;
    }
    oups_asof_merger *m;
    int rc = oups_asof_merger_new(&m, &o);
    if (rc) {
        oupspy_raise(rc);
        goto done;
    }
    PyAsofMerger *self = (PyAsofMerger *)type->tp_alloc(type, 0);
    if (!self) {
        oups_asof_merger_free(m);
        goto done;
    }
    self->m = m;
    result = (PyObject *)self;
    goto done;
nomem:
    PyErr_NoMemory();
done:
    for (Py_ssize_t i = 0; fill_tables && i < n_fill; i++) oups_table_free(fill_tables[i]);
    PyMem_Free(fill_tables);
    PyMem_Free(pref);
    PyMem_Free(aem_i);
    PyMem_Free(aem_b);
    PyMem_Free(np);
    Py_XDECREF(pref_seq);
    Py_XDECREF(fill_seq);
    return result;
}

static void merger_dealloc(PyAsofMerger *self) {
    oups_asof_merger_free(self->m);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* merge(main, tables, n_groups, combinations=None, check_sorted=False) -> Table.
 * tables: flat list [g][d]; combinations: 2-D int array (len(main), J) or None. */
static PyObject *merger_merge(PyAsofMerger *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"main", "tables", "n_groups", "combinations", "check_sorted", NULL};
    PyObject *main_obj, *tables_obj, *comb_obj = Py_None;
    int n_groups, check = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OOi|Op", kwlist, &main_obj, &tables_obj, &n_groups, &comb_obj, &check))
        return NULL;
    if (oupspy_enter(&self->busy, "AsofMerger") < 0) return NULL;
    oups_column *main_col = oupspy_column_from_array(main_obj);
    if (!main_col) {
        oupspy_leave(&self->busy);
        return NULL;
    }
    PyObject *seq = PySequence_Fast(tables_obj, "tables must be a sequence"), *result = NULL;
    PyArrayObject *comb = NULL;
    Py_ssize_t n = seq ? PySequence_Fast_GET_SIZE(seq) : 0;
    oups_table **ts = seq ? PyMem_Calloc((size_t)n + 1, sizeof *ts) : NULL;
    if (!ts) {
        if (seq) PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++)
        if (!(ts[i] = oupspy_table_from_object(PySequence_Fast_GET_ITEM(seq, i)))) goto done;
    int J = 0;
    const int32_t *cptr = NULL;
    if (comb_obj != Py_None) {
        comb = (PyArrayObject *)PyArray_FROM_OTF(comb_obj, NPY_INT32, NPY_ARRAY_IN_ARRAY | NPY_ARRAY_FORCECAST);
        if (!comb) goto done;
        if (PyArray_NDIM(comb) != 2 || PyArray_DIM(comb, 0) != oups_column_length(main_col)) {
            PyErr_SetString(oupspy_error_class(OUPS_EINVAL), "'main' and 'combinations' must have the same length.");
            goto done;
        }
        J = (int)PyArray_DIM(comb, 1);
        cptr = PyArray_DATA(comb);
    }
    oups_table *out;
    int rc;
    Py_BEGIN_ALLOW_THREADS rc = oups_asof_merger_merge(&out, self->m, main_col, ts, n_groups, cptr, J, check);
    Py_END_ALLOW_THREADS if (rc) oupspy_raise(rc);
    else result = oupspy_table_wrap(out);
done:
    for (Py_ssize_t i = 0; ts && i < n; i++) oups_table_free(ts[i]);
    PyMem_Free(ts);
    Py_XDECREF(comb);
    Py_XDECREF(seq);
    oups_column_release(main_col);
    oupspy_leave(&self->busy);
    return result;
}

static PyObject *merger_save(PyAsofMerger *self, PyObject *unused) {
    (void)unused;
    uint8_t *buf;
    size_t len;
    int rc = oups_asof_merger_save(&buf, &len, self->m);
    if (rc) return oupspy_raise(rc);
    PyObject *b = PyBytes_FromStringAndSize((const char *)buf, (Py_ssize_t)len);
    oups_mem_free(buf);
    return b;
}

static PyObject *merger_load(PyAsofMerger *self, PyObject *obj) {
    Py_buffer v;
    if (PyObject_GetBuffer(obj, &v, PyBUF_SIMPLE) < 0) return NULL;
    int rc = oups_asof_merger_load(self->m, v.buf, (size_t)v.len);
    PyBuffer_Release(&v);
    if (rc) return oupspy_raise(rc);
    Py_RETURN_NONE;
}

static PyObject *merger_has_state(PyAsofMerger *self, void *closure) {
    (void)closure;
    return PyBool_FromLong(oups_asof_merger_has_state(self->m));
}

static PyObject *merger_fill_block(PyAsofMerger *self, PyObject *args) {
    int g, d;
    if (!PyArg_ParseTuple(args, "ii", &g, &d)) return NULL;
    oups_table *t;
    int rc = oups_asof_merger_fill_block(&t, self->m, g, d);
    if (rc) return oupspy_raise(rc);
    return oupspy_table_wrap(t);
}

static PyMethodDef merger_methods[] = {
    {"merge", (PyCFunction)(void (*)(void))merger_merge, METH_VARARGS | METH_KEYWORDS,
     "merge(main, tables, n_groups, combinations=None, check_sorted=False) -> Table"},
    {"save", (PyCFunction)merger_save, METH_NOARGS, "state blob"},
    {"load", (PyCFunction)merger_load, METH_O, "restore a state blob"},
    {"fill_block", (PyCFunction)merger_fill_block, METH_VARARGS, "fill_block(g, d) -> Table"},
    {NULL, NULL, 0, NULL}};

static PyGetSetDef merger_getset[] = {{"has_state", (getter)merger_has_state, NULL, "layout fixed", NULL},
                                      {NULL, NULL, NULL, NULL, NULL}};

PyTypeObject PyAsofMerger_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "oups._oups.AsofMerger",
    .tp_basicsize = sizeof(PyAsofMerger),
    .tp_dealloc = (destructor)merger_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "The C as-of merger (see oups.AsofMerger for the reference API).",
    .tp_methods = merger_methods,
    .tp_getset = merger_getset,
    .tp_new = merger_new,
};

int oupspy_init_ops(PyObject *m) {
    if (PyType_Ready(&PyAsofMerger_Type) < 0) return -1;
    return PyModule_AddObjectRef(m, "AsofMerger", (PyObject *)&PyAsofMerger_Type);
}
