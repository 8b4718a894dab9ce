/*
 * python/src/segagg.c: oups._oups.SegmentedAggregator on oups_segagg (bins, snapshots, groups,
 * state blob for the loop). Compiled only against a liboups whose ops.h has the segmented
 * aggregator (OUPS_SEGAGG_OPTIONS_VERSION); otherwise the module simply lacks the type.
 * User-callback segmenters are not bound (a Python segmenter per group and call would need the
 * GIL inside the C kernel).
 */
#include "internal.h"

#ifdef OUPS_SEGAGG_OPTIONS_VERSION

#include <string.h>

typedef struct {
    PyObject_HEAD
    oups_segagg *a;
    int busy;
} PySegagg;

static PyTypeObject PySegagg_Type;

/* Segmenter from a dict: {"kind": "time"|"rows"|"points"|"none", "freq_ns", "rows", "points"
 * (int64 list), "closed_right", "label_right", "origin" (0..3), "origin_ns", "offset_ns"}.
 * `points` is kept alive by the caller's dict; the C side copies it. */
static int segmenter_from_dict(oups_segmenter *s, PyObject *d, int64_t **points) {
    oups_segmenter init = OUPS_SEGMENTER_INIT;
    *s = init;
    *points = NULL;
    if (d == Py_None) return 0;
    if (!PyDict_Check(d)) {
        PyErr_SetString(PyExc_TypeError, "segmenter must be a dict");
        return -1;
    }
    PyObject *v = PyDict_GetItemString(d, "kind");
    const char *kind = v ? PyUnicode_AsUTF8(v) : "none";
    if (!kind) return -1;
    static const char *kinds[] = {"none", "time", "rows", "points"};
    int k = -1;
    for (int i = 0; i < 4; i++)
        if (strcmp(kind, kinds[i]) == 0) k = i;
    if (k < 0) {
        PyErr_Format(PyExc_ValueError, "unknown segmenter kind '%s'", kind);
        return -1;
    }
    s->kind = (oups_seg_kind)k;
#define GET_I64(key, field)                                                                                       \
    if ((v = PyDict_GetItemString(d, key))) {                                                                     \
        s->field = PyLong_AsLongLong(v);                                                                          \
        if (PyErr_Occurred()) return -1;                                                                          \
    }
    GET_I64("freq_ns", freq_ns)
    GET_I64("rows", rows)
    GET_I64("origin_ns", origin_ns)
    GET_I64("offset_ns", offset_ns)
#undef GET_I64
    if ((v = PyDict_GetItemString(d, "origin"))) {
        s->origin = (oups_seg_origin)PyLong_AsLong(v);
        if (PyErr_Occurred()) return -1;
    }
    if ((v = PyDict_GetItemString(d, "closed_right"))) s->closed_right = PyObject_IsTrue(v) == 1;
    if ((v = PyDict_GetItemString(d, "label_right"))) s->label_right = PyObject_IsTrue(v) == 1;
    if ((v = PyDict_GetItemString(d, "points"))) {
        PyObject *seq = PySequence_Fast(v, "points must be a sequence of integers");
        if (!seq) return -1;
        Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
        *points = PyMem_Calloc((size_t)n + 1, sizeof **points);
        if (!*points) {
            Py_DECREF(seq);
            PyErr_NoMemory();
            return -1;
        }
        for (Py_ssize_t i = 0; i < n; i++) (*points)[i] = PyLong_AsLongLong(PySequence_Fast_GET_ITEM(seq, i));
        Py_DECREF(seq);
        if (PyErr_Occurred()) return -1;
        s->points = *points;
        s->n_points = n;
    }
    return 0;
}

/* SegmentedAggregator(ordered_on, aggs=[(name, column, func)], bin_by=dict, snap_by=None, by=None)
 * func: 0 first, 1 last, 2 min, 3 max, 4 sum, 5 count, 6 mean. */
static PyObject *segagg_new(PyTypeObject *type, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"ordered_on", "aggs", "bin_by", "snap_by", "by", NULL};
    const char *on;
    PyObject *aggs_obj, *bin_obj, *snap_obj = Py_None, *by_obj = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "sOO|OO", kwlist, &on, &aggs_obj, &bin_obj, &snap_obj, &by_obj))
        return NULL;
    oups_segagg_options o = OUPS_SEGAGG_OPTIONS_INIT;
    o.ordered_on = on;
    int64_t *bin_points = NULL, *snap_points = NULL;
    oups_segagg_agg *aggs = NULL;
    const char **by = NULL;
    PyObject *aggs_seq = NULL, *by_seq = NULL, *result = NULL;
    if (segmenter_from_dict(&o.bin_by, bin_obj, &bin_points) < 0 ||
        segmenter_from_dict(&o.snap_by, snap_obj, &snap_points) < 0)
        goto done;
    if (!(aggs_seq = PySequence_Fast(aggs_obj, "aggs must be a sequence"))) goto done;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(aggs_seq);
    if (!(aggs = PyMem_Calloc((size_t)n + 1, sizeof *aggs))) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        int f;
        if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(aggs_seq, i), "ssi", &aggs[i].name, &aggs[i].column, &f))
            goto done;
        aggs[i].func = (oups_segagg_func)f;
    }
    o.aggs = aggs;
    o.n_aggs = (int)n;
    if (by_obj != Py_None) {
        if (!(by_seq = PySequence_Fast(by_obj, "by must be a sequence of column names"))) goto done;
        Py_ssize_t nb = PySequence_Fast_GET_SIZE(by_seq);
        if (!(by = PyMem_Calloc((size_t)nb + 1, sizeof *by))) {
            PyErr_NoMemory();
            goto done;
        }
        for (Py_ssize_t i = 0; i < nb; i++)
            if (!(by[i] = PyUnicode_AsUTF8(PySequence_Fast_GET_ITEM(by_seq, i)))) goto done;
        o.by = by;
        o.n_by = (int)nb;
    }
    oups_segagg *a;
    int rc = oups_segagg_new(&a, &o);
    if (rc) {
        oupspy_raise(rc);
        goto done;
    }
    PySegagg *self = (PySegagg *)type->tp_alloc(type, 0);
    if (!self) {
        oups_segagg_free(a);
        goto done;
    }
    self->a = a;
    result = (PyObject *)self;
done:
    PyMem_Free(bin_points);
    PyMem_Free(snap_points);
    PyMem_Free(aggs);
    PyMem_Free(by);
    Py_XDECREF(aggs_seq);
    Py_XDECREF(by_seq);
    return result;
}

static void segagg_dealloc(PySegagg *self) {
    oups_segagg_free(self->a);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* process(chunk) -> (bins Table, snapshots Table or None) */
static PyObject *segagg_process(PySegagg *self, PyObject *chunk_obj) {
    if (oupspy_enter(&self->busy, "SegmentedAggregator") < 0) return NULL;
    oups_table *chunk = oupspy_table_from_object(chunk_obj);
    if (!chunk) {
        oupspy_leave(&self->busy);
        return NULL;
    }
    oups_table *bins = NULL, *snaps = NULL;
    int rc;
    Py_BEGIN_ALLOW_THREADS rc = oups_segagg_process(&bins, &snaps, self->a, chunk);
    oups_table_free(chunk);
    Py_END_ALLOW_THREADS oupspy_leave(&self->busy);
    if (rc) return oupspy_raise(rc);
    PyObject *b = oupspy_table_wrap(bins);
    if (!b) {
        oups_table_free(snaps);
        return NULL;
    }
    if (!snaps) return Py_BuildValue("(NO)", b, Py_None);
    PyObject *s = oupspy_table_wrap(snaps);
    if (!s) {
        Py_DECREF(b);
        return NULL;
    }
    return Py_BuildValue("(NN)", b, s);
}

static PyObject *segagg_save(PySegagg *self, PyObject *unused) {
    (void)unused;
    uint8_t *buf;
    size_t len;
    int rc = oups_segagg_save(&buf, &len, self->a);
    if (rc) return oupspy_raise(rc);
    PyObject *b = PyBytes_FromStringAndSize((const char *)buf, (Py_ssize_t)len);
    oups_mem_free(buf);
    return b;
}

static PyObject *segagg_load(PySegagg *self, PyObject *obj) {
    Py_buffer v;
    if (PyObject_GetBuffer(obj, &v, PyBUF_SIMPLE) < 0) return NULL;
    int rc = oups_segagg_load(self->a, v.buf, (size_t)v.len);
    PyBuffer_Release(&v);
    if (rc) return oupspy_raise(rc);
    Py_RETURN_NONE;
}

static PyObject *segagg_has_state(PySegagg *self, void *closure) {
    (void)closure;
    return PyBool_FromLong(oups_segagg_has_state(self->a));
}

static PyMethodDef segagg_methods[] = {
    {"process", (PyCFunction)segagg_process, METH_O, "process(chunk) -> (bins, snapshots or None)"},
    {"save", (PyCFunction)segagg_save, METH_NOARGS, "state blob"},
    {"load", (PyCFunction)segagg_load, METH_O, "restore a state blob"},
    {NULL, NULL, 0, NULL}};

static PyGetSetDef segagg_getset[] = {{"has_state", (getter)segagg_has_state, NULL, "rows aggregated", NULL},
                                      {NULL, NULL, NULL, NULL, NULL}};

static PyTypeObject PySegagg_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "oups._oups.SegmentedAggregator",
    .tp_basicsize = sizeof(PySegagg),
    .tp_dealloc = (destructor)segagg_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "The C segmented aggregator (see oups.SegmentedAggregator).",
    .tp_methods = segagg_methods,
    .tp_getset = segagg_getset,
    .tp_new = segagg_new,
};

int oupspy_init_segagg(PyObject *m) {
    if (PyType_Ready(&PySegagg_Type) < 0) return -1;
    return PyModule_AddObjectRef(m, "SegmentedAggregator", (PyObject *)&PySegagg_Type);
}

#else /* a liboups without the segmented aggregator */

int oupspy_init_segagg(PyObject *m) {
    (void)m;
    return 0;
}

#endif
