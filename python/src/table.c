/*
 * python/src/table.c: the Table type of oups._oups and the conversions between oups tables and
 * numpy arrays (one column at a time; the pandas side lives in oups/_frame.py), plus the Arrow
 * PyCapsule interface (__arrow_c_schema__, __arrow_c_array__, __arrow_c_stream__) both ways.
 *
 * Zero-copy: fixed-width numeric and timestamp columns are wrapped both ways. A numpy array
 * handed to oups is kept alive by the oups buffer (released under the GIL when the last oups
 * reference goes); an oups column handed to numpy is kept alive by a capsule set as the array's
 * base. Arrays made from oups columns are read-only: oups columns are immutable and shared.
 */
#include "internal.h"

#define NO_IMPORT_ARRAY
#define PY_ARRAY_UNIQUE_SYMBOL oups_ARRAY_API
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>

#include <string.h>

/* ------------------------------------------------------------------------------------------ */
/* Table type */

/* The class made by oupspy_table_wrap: oups.Table (a Python subclass adding to_pandas) once
 * oups/__init__.py has registered it, the base type before. */
static PyTypeObject *table_class = &PyTable_Type;

static PyObject *set_table_class(PyObject *mod, PyObject *cls) {
    (void)mod;
    if (!PyType_Check(cls) || !PyType_IsSubtype((PyTypeObject *)cls, &PyTable_Type)) {
        PyErr_SetString(PyExc_TypeError, "not a Table subclass");
        return NULL;
    }
    Py_INCREF(cls);
    table_class = (PyTypeObject *)cls;
    Py_RETURN_NONE;
}

PyObject *oupspy_table_wrap(oups_table *t) {
    PyTable *self = (PyTable *)table_class->tp_alloc(table_class, 0);
    if (!self) {
        oups_table_free(t);
        return NULL;
    }
    self->t = t;
    return (PyObject *)self;
}

static void table_dealloc(PyTable *self) {
    oups_table_free(self->t);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *table_num_rows(PyTable *self, void *closure) {
    (void)closure;
    return PyLong_FromLongLong(oups_table_num_rows(self->t));
}

/* [item(self, i) for each column i], NULL if an item fails. */
static PyObject *per_column_list(PyTable *self, PyObject *(*item)(PyTable *, int)) {
    int n = oups_table_num_columns(self->t);
    PyObject *list = PyList_New(n);
    if (!list) return NULL;
    for (int i = 0; i < n; i++) {
        PyObject *o = item(self, i);
        if (!o) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, i, o);
    }
    return list;
}

static PyObject *column_name_item(PyTable *self, int i) {
    return PyUnicode_FromString(oups_table_column_name(self->t, i));
}

static PyObject *table_column_names(PyTable *self, void *closure) {
    (void)closure;
    return per_column_list(self, column_name_item);
}

static PyObject *schema_item(PyTable *self, int i) {
    char buf[96];
    oups_datatype_format(oups_column_type(oups_table_column(self->t, i)), buf, sizeof buf);
    return Py_BuildValue("(ss)", oups_table_column_name(self->t, i), buf);
}

static PyObject *table_schema(PyTable *self, void *closure) {
    (void)closure;
    return per_column_list(self, schema_item);
}

/* Capsule destructor keeping an oups column alive under a numpy array. */
static void column_capsule_free(PyObject *cap) {
    oups_column_release(PyCapsule_GetPointer(cap, "oups.column"));
}

/* Read-only numpy array of dtype `descr` (stolen) over `n` elements at `data`, owned by `col`. */
static PyObject *array_over_column(oups_column *col, PyArray_Descr *descr, const void *data, int64_t n) {
    npy_intp dims[1] = {(npy_intp)n};
    PyObject *arr = PyArray_NewFromDescr(&PyArray_Type, descr, 1, dims, NULL, (void *)data, NPY_ARRAY_C_CONTIGUOUS,
                                         NULL);
    if (!arr) return NULL;
    PyObject *cap = PyCapsule_New(oups_column_retain(col), "oups.column", column_capsule_free);
    if (!cap) {
        oups_column_release(col);
        Py_DECREF(arr);
        return NULL;
    }
    if (PyArray_SetBaseObject((PyArrayObject *)arr, cap) < 0) {
        Py_DECREF(arr);
        return NULL;
    }
    return arr;
}

static int numpy_typenum(oups_type_id id) {
    switch (id) {
    case OUPS_TYPE_INT8: return NPY_INT8;
    case OUPS_TYPE_INT16: return NPY_INT16;
    case OUPS_TYPE_INT32: return NPY_INT32;
    case OUPS_TYPE_INT64: return NPY_INT64;
    case OUPS_TYPE_UINT8: return NPY_UINT8;
    case OUPS_TYPE_UINT16: return NPY_UINT16;
    case OUPS_TYPE_UINT32: return NPY_UINT32;
    case OUPS_TYPE_UINT64: return NPY_UINT64;
    case OUPS_TYPE_FLOAT32: return NPY_FLOAT32;
    case OUPS_TYPE_FLOAT64: return NPY_FLOAT64;
    case OUPS_TYPE_TIMESTAMP: return NPY_INT64;
    case OUPS_TYPE_DATE32: return NPY_INT32;
    default: return -1;
    }
}

static const char *kind_name(oups_type_id id) {
    switch (id) {
    case OUPS_TYPE_BOOL: return "bool";
    case OUPS_TYPE_INT8: return "int8";
    case OUPS_TYPE_INT16: return "int16";
    case OUPS_TYPE_INT32: return "int32";
    case OUPS_TYPE_INT64: return "int64";
    case OUPS_TYPE_UINT8: return "uint8";
    case OUPS_TYPE_UINT16: return "uint16";
    case OUPS_TYPE_UINT32: return "uint32";
    case OUPS_TYPE_UINT64: return "uint64";
    case OUPS_TYPE_FLOAT32: return "float32";
    case OUPS_TYPE_FLOAT64: return "float64";
    case OUPS_TYPE_TIMESTAMP: return "timestamp";
    case OUPS_TYPE_DATE32: return "date32";
    case OUPS_TYPE_STRING: return "string";
    case OUPS_TYPE_BINARY: return "binary";
    case OUPS_TYPE_DECIMAL128: return "decimal";
    }
    return "?";
}

static PyObject *validity_mask(const oups_column_view *v) {
    if (v->null_count == 0 || !v->validity) Py_RETURN_NONE;
    npy_intp dims[1] = {(npy_intp)v->length};
    PyObject *mask = PyArray_SimpleNew(1, dims, NPY_BOOL);
    if (!mask) return NULL;
    npy_bool *m = PyArray_DATA((PyArrayObject *)mask);
    for (int64_t i = 0; i < v->length; i++) {
        int64_t b = v->offset + i;
        m[i] = (v->validity[b >> 3] >> (b & 7)) & 1;
    }
    return mask;
}

static PyObject *bytes_objects(const oups_column_view *v, bool text) {
    npy_intp dims[1] = {(npy_intp)v->length};
    PyObject *arr = PyArray_SimpleNew(1, dims, NPY_OBJECT);
    if (!arr) return NULL;
    PyObject **out = PyArray_DATA((PyArrayObject *)arr);
    const char *base = v->data;
    for (int64_t i = 0; i < v->length; i++) {
        int64_t b = v->offset + i;
        PyObject *o;
        if (v->validity && !((v->validity[b >> 3] >> (b & 7)) & 1)) {
            o = Py_None;
            Py_INCREF(o);
        } else {
            const char *p = base + v->offsets[b];
            Py_ssize_t len = (Py_ssize_t)(v->offsets[b + 1] - v->offsets[b]);
            o = text ? PyUnicode_DecodeUTF8(p, len, "surrogateescape") : PyBytes_FromStringAndSize(p, len);
            if (!o) {
                for (int64_t k = i; k < v->length; k++) { /* leave a valid array to free */
                    Py_XDECREF(out[k]);
                    out[k] = Py_NewRef(Py_None);
                }
                Py_DECREF(arr);
                return NULL;
            }
        }
        Py_XDECREF(out[i]); /* may be NULL or None depending on numpy */
        out[i] = o;
    }
    return arr;
}

/* Table.column(i) -> (name, kind, values, valid_mask or None, extra). extra: for timestamps
 * (unit 's'/'ms'/'us'/'ns', tz), for decimals the scale, else None. */
static PyObject *table_column(PyTable *self, PyObject *arg) {
    long i = PyLong_AsLong(arg);
    if (i == -1 && PyErr_Occurred()) return NULL;
    oups_column *col = oups_table_column(self->t, (int)i);
    if (!col) {
        PyErr_Format(PyExc_IndexError, "column index %ld out of range", i);
        return NULL;
    }
    oups_column_view v;
    oups_column_view_get(&v, col);
    PyObject *values = NULL, *extra = NULL;
    int tn = numpy_typenum(v.type.id);
    if (tn >= 0) {
        int w = oups_datatype_width(v.type.id);
        values = array_over_column(col, PyArray_DescrFromType(tn), (const uint8_t *)v.data + v.offset * w, v.length);
    } else if (v.type.id == OUPS_TYPE_BOOL) {
        npy_intp dims[1] = {(npy_intp)v.length};
        values = PyArray_SimpleNew(1, dims, NPY_BOOL);
        if (values) {
            npy_bool *o = PyArray_DATA((PyArrayObject *)values);
            const uint8_t *d = v.data;
            for (int64_t k = 0; k < v.length; k++) {
                int64_t b = v.offset + k;
                o[k] = (d[b >> 3] >> (b & 7)) & 1;
            }
        }
    } else if (v.type.id == OUPS_TYPE_STRING || v.type.id == OUPS_TYPE_BINARY) {
        values = bytes_objects(&v, v.type.id == OUPS_TYPE_STRING);
    } else if (v.type.id == OUPS_TYPE_DECIMAL128) {
        npy_intp dims[2] = {(npy_intp)v.length, 16};
        values = PyArray_SimpleNew(2, dims, NPY_UINT8);
        if (values) memcpy(PyArray_DATA((PyArrayObject *)values), (const uint8_t *)v.data + v.offset * 16, (size_t)v.length * 16);
    }
    if (!values) return NULL;
    if (v.type.id == OUPS_TYPE_TIMESTAMP) {
        static const char *units[] = {"s", "ms", "us", "ns"};
        extra = Py_BuildValue("(ss)", units[v.type.unit], v.type.tz);
    } else if (v.type.id == OUPS_TYPE_DECIMAL128) {
        extra = PyLong_FromLong(v.type.scale);
    } else {
        extra = Py_None;
        Py_INCREF(extra);
    }
    PyObject *mask = extra ? validity_mask(&v) : NULL;
    if (!mask) {
        Py_DECREF(values);
        Py_XDECREF(extra);
        return NULL;
    }
    return Py_BuildValue("(ssNNN)", oups_table_column_name(self->t, (int)i), kind_name(v.type.id), values, mask,
                         extra);
}

/* datetime64[ns], made once (numpy has no type number for a unit). */
static PyArray_Descr *m8ns_descr(void) {
    static PyArray_Descr *d;
    if (!d) {
        PyObject *s = PyUnicode_FromString("M8[ns]");
        if (s && !PyArray_DescrConverter(s, &d)) d = NULL;
        Py_XDECREF(s);
    }
    return d;
}

/* Table._pandas_columns() -> [array or column(i) tuple]: numeric columns without nulls and ns
 * timestamps without zone or nulls come as ready read-only numpy arrays (datetime64[ns] for
 * timestamps), so that the common frame is built with no Python work per column; the others
 * as the column(i) tuple for oups/_frame.py. */
static PyObject *pandas_column(PyTable *self, int i) {
    oups_column *col = oups_table_column(self->t, i);
    if (!col) {
        PyErr_Format(PyExc_IndexError, "column index %d out of range", i);
        return NULL;
    }
    oups_column_view v;
    oups_column_view_get(&v, col);
    int tn = numpy_typenum(v.type.id);
    bool fast = tn >= 0 && v.type.id != OUPS_TYPE_DATE32 && (v.null_count == 0 || !v.validity) &&
                (v.type.id != OUPS_TYPE_TIMESTAMP || (v.type.unit == OUPS_UNIT_NS && !v.type.tz[0]));
    if (!fast) {
        PyObject *idx = PyLong_FromLong(i);
        PyObject *item = idx ? table_column(self, idx) : NULL;
        Py_XDECREF(idx);
        return item;
    }
    PyArray_Descr *d = v.type.id == OUPS_TYPE_TIMESTAMP ? m8ns_descr() : PyArray_DescrFromType(tn);
    if (!d) return NULL;
    if (v.type.id == OUPS_TYPE_TIMESTAMP) Py_INCREF(d);
    int w = oups_datatype_width(v.type.id);
    return array_over_column(col, d, (const uint8_t *)v.data + v.offset * w, v.length);
}

static PyObject *table_pandas_columns(PyTable *self, PyObject *unused) {
    (void)unused;
    return per_column_list(self, pandas_column);
}

/* Table._pandas_column(name) -> array or column(i) tuple, as one item of _pandas_columns(). */
static PyObject *table_pandas_column(PyTable *self, PyObject *name) {
    const char *s = PyUnicode_AsUTF8(name);
    if (!s) return NULL;
    int i = oups_table_column_index(self->t, s);
    if (i < 0) {
        PyErr_Format(PyExc_KeyError, "no column '%s' in the table", s);
        return NULL;
    }
    return pandas_column(self, i);
}

/* Table.select(names) -> Table of these columns in this order (zero-copy). */
static PyObject *table_select(PyTable *self, PyObject *list) {
    PyObject *seq = PySequence_Fast(list, "select() needs a sequence of column names");
    if (!seq) return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    const char **names = PyMem_Calloc((size_t)n + 1, sizeof *names);
    PyObject *result = NULL;
    if (!names) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++)
        if (!(names[i] = PyUnicode_AsUTF8(PySequence_Fast_GET_ITEM(seq, i)))) goto done;
    oups_table *out;
    int rc = oups_table_select(&out, self->t, names, (int)n);
    result = rc ? oupspy_raise(rc) : oupspy_table_wrap(out);
done:
    PyMem_Free(names);
    Py_DECREF(seq);
    return result;
}

static PyObject *table_slice(PyTable *self, PyObject *args) {
    long long off, n;
    if (!PyArg_ParseTuple(args, "LL", &off, &n)) return NULL;
    oups_table *out;
    int rc = oups_table_slice(&out, self->t, off, n);
    if (rc) return oupspy_raise(rc);
    return oupspy_table_wrap(out);
}

static PyObject *table_equals(PyTable *self, PyObject *other) {
    if (!PyObject_TypeCheck(other, &PyTable_Type)) {
        PyErr_SetString(PyExc_TypeError, "equals() needs an oups Table");
        return NULL;
    }
    char desc[256];
    int eq = oups_table_equal(self->t, ((PyTable *)other)->t, desc, sizeof desc);
    if (eq) Py_RETURN_TRUE;
    return PyUnicode_FromString(desc);
}

static PyObject *table_memory_size(PyTable *self, PyObject *unused) {
    (void)unused;
    return PyLong_FromLongLong(oups_table_memory_size(self->t));
}

/* ------------------------------------------------------------------------------------------ */
/* numpy -> oups */

static void release_pyobject(void *payload) {
    PyGILState_STATE g = PyGILState_Ensure();
    Py_DECREF((PyObject *)payload);
    PyGILState_Release(g);
}

/* Bitmap buffer from a bool mask (True = valid); NULL buffer (and 0) when all valid. */
static int bitmap_from_mask(oups_buffer **out, PyObject *mask_obj, int64_t n) {
    *out = NULL;
    if (mask_obj == Py_None) return 0;
    PyArrayObject *mask = (PyArrayObject *)PyArray_FROM_OTF(mask_obj, NPY_BOOL, NPY_ARRAY_IN_ARRAY);
    if (!mask) return -1;
    if (PyArray_NDIM(mask) != 1 || PyArray_DIM(mask, 0) != n) {
        Py_DECREF(mask);
        PyErr_SetString(PyExc_ValueError, "mask length differs from the values");
        return -1;
    }
    int rc = oups_buffer_new_zeroed(out, (n + 7) / 8);
    if (rc) {
        Py_DECREF(mask);
        oupspy_raise(rc);
        return -1;
    }
    uint8_t *bits = oups_buffer_data(*out);
    const npy_bool *m = PyArray_DATA(mask);
    for (int64_t i = 0; i < n; i++)
        if (m[i]) bits[i >> 3] |= (uint8_t)(1u << (i & 7));
    Py_DECREF(mask);
    return 0;
}

static int type_from_kind(oups_datatype *t, int *typenum, const char *kind, PyObject *extra) {
    static const struct {
        const char *name;
        oups_type_id id;
        int typenum;
    } kinds[] = {
        {"int8", OUPS_TYPE_INT8, NPY_INT8},          {"int16", OUPS_TYPE_INT16, NPY_INT16},
        {"int32", OUPS_TYPE_INT32, NPY_INT32},       {"int64", OUPS_TYPE_INT64, NPY_INT64},
        {"uint8", OUPS_TYPE_UINT8, NPY_UINT8},       {"uint16", OUPS_TYPE_UINT16, NPY_UINT16},
        {"uint32", OUPS_TYPE_UINT32, NPY_UINT32},    {"uint64", OUPS_TYPE_UINT64, NPY_UINT64},
        {"float32", OUPS_TYPE_FLOAT32, NPY_FLOAT32}, {"float64", OUPS_TYPE_FLOAT64, NPY_FLOAT64},
        {"bool", OUPS_TYPE_BOOL, NPY_BOOL},          {"timestamp", OUPS_TYPE_TIMESTAMP, NPY_INT64},
        {"string", OUPS_TYPE_STRING, NPY_OBJECT},    {"binary", OUPS_TYPE_BINARY, NPY_OBJECT},
    };
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        if (strcmp(kind, kinds[k].name) != 0) continue;
        *typenum = kinds[k].typenum;
        if (kinds[k].id == OUPS_TYPE_TIMESTAMP) {
            const char *tz = (extra && extra != Py_None) ? PyUnicode_AsUTF8(extra) : NULL;
            if (!tz && PyErr_Occurred()) return -1;
            *t = oups_type_timestamp(OUPS_UNIT_NS, tz);
        } else {
            *t = oups_type(kinds[k].id);
        }
        return 0;
    }
    PyErr_Format(PyExc_TypeError, "unsupported column kind '%s'", kind);
    return -1;
}

/* Column of strings/bytes from an object array (None, NaN and pd.NA are nulls). */
static oups_column *objects_column(const char *name, const oups_datatype *type, PyArrayObject *arr,
                                   const npy_bool *valid) {
    int64_t n = PyArray_DIM(arr, 0);
    oups_builder *b;
    int rc = oups_builder_new(&b, type, n);
    if (rc) return (oupspy_raise(rc), NULL);
    PyObject **objs = PyArray_DATA(arr);
    bool text = type->id == OUPS_TYPE_STRING;
    for (int64_t i = 0; i < n && rc == 0; i++) {
        PyObject *o = objs[i];
        if ((valid && !valid[i]) || o == Py_None || (PyFloat_Check(o) && PyFloat_AS_DOUBLE(o) != PyFloat_AS_DOUBLE(o)) ||
            strcmp(Py_TYPE(o)->tp_name, "NAType") == 0) {
            rc = oups_builder_append_null(b);
        } else if (text && PyUnicode_Check(o)) {
            Py_ssize_t len;
            const char *p = PyUnicode_AsUTF8AndSize(o, &len);
            if (!p) goto fail;
            rc = oups_builder_append_bytes(b, p, len);
        } else if (!text && PyBytes_Check(o)) {
            rc = oups_builder_append_bytes(b, PyBytes_AS_STRING(o), PyBytes_GET_SIZE(o));
        } else {
            PyErr_Format(PyExc_TypeError, "column '%s' row %lld: %s value in a %s column", name, (long long)i,
                         Py_TYPE(o)->tp_name, text ? "string" : "bytes");
            goto fail;
        }
    }
    oups_column *col = NULL;
    if (rc == 0) rc = oups_builder_finish(&col, b);
    oups_builder_free(b);
    if (rc) return (oupspy_raise(rc), NULL);
    return col;
fail:
    oups_builder_free(b);
    return NULL;
}

/* One column from (name, kind, values, mask, extra). */
static oups_column *column_from_tuple(PyObject *tup, const char **name_out) {
    const char *name, *kind;
    PyObject *values, *mask, *extra;
    if (!PyArg_ParseTuple(tup, "ssOOO", &name, &kind, &values, &mask, &extra)) return NULL;
    *name_out = name;
    oups_datatype type;
    int typenum;
    if (type_from_kind(&type, &typenum, kind, extra) < 0) return NULL;
    PyArrayObject *arr = (PyArrayObject *)PyArray_FROM_OTF(values, typenum, NPY_ARRAY_IN_ARRAY);
    if (!arr) return NULL;
    if (PyArray_NDIM(arr) != 1) {
        Py_DECREF(arr);
        PyErr_Format(PyExc_ValueError, "column '%s' is not one-dimensional", name);
        return NULL;
    }
    int64_t n = PyArray_DIM(arr, 0);
    oups_column *col = NULL;
    if (typenum == NPY_OBJECT) {
        PyArrayObject *m = NULL;
        if (mask != Py_None && !(m = (PyArrayObject *)PyArray_FROM_OTF(mask, NPY_BOOL, NPY_ARRAY_IN_ARRAY))) {
            Py_DECREF(arr);
            return NULL;
        }
        col = objects_column(name, &type, arr, m ? PyArray_DATA(m) : NULL);
        Py_XDECREF(m);
        Py_DECREF(arr);
        return col;
    }
    oups_buffer *validity = NULL, *data = NULL;
    if (bitmap_from_mask(&validity, mask, n) < 0) {
        Py_DECREF(arr);
        return NULL;
    }
    int rc;
    if (typenum == NPY_BOOL) { /* oups bools are bit-packed: one copy */
        rc = oups_buffer_new_zeroed(&data, (n + 7) / 8);
        if (rc == 0) {
            uint8_t *bits = oups_buffer_data(data);
            const npy_bool *v = PyArray_DATA(arr);
            for (int64_t i = 0; i < n; i++)
                if (v[i]) bits[i >> 3] |= (uint8_t)(1u << (i & 7));
        }
        Py_DECREF(arr);
    } else { /* zero-copy: the buffer owns our reference to the array */
        rc = oups_buffer_wrap(&data, PyArray_DATA(arr), (int64_t)PyArray_NBYTES(arr), release_pyobject, arr);
        if (rc) Py_DECREF(arr);
    }
    if (rc) {
        oups_buffer_release(validity);
        return (oupspy_raise(rc), NULL);
    }
    rc = oups_column_new(&col, &type, n, 0, -1, validity, NULL, data);
    if (rc) return (oupspy_raise(rc), NULL);
    return col;
}

/* Column of a 1-D numpy array of a fixed-width dtype (bool, ints, floats, datetime64[ns]), no
 * nulls: the type comes from the dtype; zero-copy but for bools. */
static oups_column *column_from_ndarray(const char *name, PyObject *obj) {
    if (!PyArray_Check(obj) || PyArray_NDIM((PyArrayObject *)obj) != 1) {
        PyErr_Format(PyExc_TypeError, "column '%s': expected a 1-D numpy array", name);
        return NULL;
    }
    PyArray_Descr *d = PyArray_DESCR((PyArrayObject *)obj);
    const char *kind = NULL;
    if (PyArray_ISNOTSWAPPED((PyArrayObject *)obj)) {
        switch (d->type_num) {
        case NPY_BOOL: kind = "bool"; break;
        case NPY_INT8: kind = "int8"; break;
        case NPY_INT16: kind = "int16"; break;
        case NPY_INT32: kind = "int32"; break;
        case NPY_INT64: kind = "int64"; break;
        case NPY_UINT8: kind = "uint8"; break;
        case NPY_UINT16: kind = "uint16"; break;
        case NPY_UINT32: kind = "uint32"; break;
        case NPY_UINT64: kind = "uint64"; break;
        case NPY_FLOAT32: kind = "float32"; break;
        case NPY_FLOAT64: kind = "float64"; break;
        case NPY_DATETIME: {
            PyArray_DatetimeMetaData *m = &((PyArray_DatetimeDTypeMetaData *)d->c_metadata)->meta;
            if (m->base == NPY_FR_ns && m->num == 1) kind = "timestamp";
            break;
        }
        default: break;
        }
    }
    if (!kind) {
        PyErr_Format(PyExc_TypeError, "column '%s': numpy dtype not taken as it is", name);
        return NULL;
    }
    PyObject *values = d->type_num == NPY_DATETIME
                           ? PyArray_View((PyArrayObject *)obj, PyArray_DescrFromType(NPY_INT64), NULL)
                           : Py_NewRef(obj);
    PyObject *tup = values ? Py_BuildValue("(ssNOO)", name, kind, values, Py_None, Py_None) : NULL;
    if (!tup) return NULL;
    const char *unused;
    oups_column *col = column_from_tuple(tup, &unused);
    Py_DECREF(tup);
    return col;
}

/* table_from_columns([(name, kind, values, mask, extra) or (name, array), ...]) -> Table; a
 * 2-tuple takes the type from the array's dtype (column_from_ndarray). */
static PyObject *table_from_columns(PyObject *mod, PyObject *list) {
    (void)mod;
    PyObject *seq = PySequence_Fast(list, "columns must be a sequence");
    if (!seq) return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    oups_column **cols = PyMem_Calloc((size_t)n + 1, sizeof *cols);
    const char **names = PyMem_Calloc((size_t)n + 1, sizeof *names);
    PyObject *result = NULL;
    if (!cols || !names) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(seq, i);
        if (PyTuple_Check(item) && PyTuple_GET_SIZE(item) == 2) {
            /* the name's UTF-8 lives as long as the str, which the list keeps alive */
            if (!(names[i] = PyUnicode_AsUTF8(PyTuple_GET_ITEM(item, 0)))) goto done;
            cols[i] = column_from_ndarray(names[i], PyTuple_GET_ITEM(item, 1));
        } else {
            cols[i] = column_from_tuple(item, &names[i]);
        }
        if (!cols[i]) goto done;
    }
    oups_table *t;
    int rc = oups_table_new(&t, (int)n, names, cols);
    result = rc ? oupspy_raise(rc) : oupspy_table_wrap(t);
done:
    if (cols)
        for (Py_ssize_t i = 0; i < n; i++) oups_column_release(cols[i]);
    PyMem_Free(cols);
    PyMem_Free(names);
    Py_DECREF(seq);
    return result;
}

oups_column *oupspy_column_from_array(PyObject *arr) {
    if (PyArray_Check(arr) && PyArray_NDIM((PyArrayObject *)arr) == 1) { /* fast path: plain keys */
        int tn = PyArray_TYPE((PyArrayObject *)arr);
        if (tn != NPY_OBJECT && tn != NPY_UNICODE && tn != NPY_STRING) {
            oups_column *col = column_from_ndarray("main", arr);
            if (col || !PyErr_ExceptionMatches(PyExc_TypeError)) return col;
            PyErr_Clear(); /* e.g. datetime64[us]: converted below */
        }
    }
    PyObject *frame = PyImport_ImportModule("oups._frame");
    if (!frame) return NULL;
    PyObject *tup = PyObject_CallMethod(frame, "column_tuple", "sO", "main", arr);
    Py_DECREF(frame);
    if (!tup) return NULL;
    const char *name;
    oups_column *col = column_from_tuple(tup, &name);
    Py_DECREF(tup);
    return col;
}

/* ------------------------------------------------------------------------------------------ */
/* Arrow PyCapsule interface */

static void schema_capsule_free(PyObject *cap) {
    struct ArrowSchema *s = PyCapsule_GetPointer(cap, "arrow_schema");
    if (s && s->release) s->release(s);
    PyMem_Free(s);
}

static void array_capsule_free(PyObject *cap) {
    struct ArrowArray *a = PyCapsule_GetPointer(cap, "arrow_array");
    if (a && a->release) a->release(a);
    PyMem_Free(a);
}

static PyObject *table_arrow_c_array(PyTable *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"requested_schema", NULL};
    PyObject *req = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|O", kwlist, &req)) return NULL;
    struct ArrowSchema *s = PyMem_Calloc(1, sizeof *s);
    struct ArrowArray *a = PyMem_Calloc(1, sizeof *a);
    if (!s || !a) {
        PyMem_Free(s);
        PyMem_Free(a);
        return PyErr_NoMemory();
    }
    int rc = oups_table_export(a, s, self->t);
    if (rc) {
        PyMem_Free(s);
        PyMem_Free(a);
        return oupspy_raise(rc);
    }
    PyObject *sc = PyCapsule_New(s, "arrow_schema", schema_capsule_free);
    if (!sc) {
        s->release(s);
        PyMem_Free(s);
        a->release(a);
        PyMem_Free(a);
        return NULL;
    }
    PyObject *ac = PyCapsule_New(a, "arrow_array", array_capsule_free);
    if (!ac) {
        Py_DECREF(sc);
        a->release(a);
        PyMem_Free(a);
        return NULL;
    }
    return Py_BuildValue("(NN)", sc, ac);
}

static PyObject *table_arrow_c_schema(PyTable *self, PyObject *unused) {
    (void)unused;
    PyObject *pair = table_arrow_c_array(self, PyTuple_New(0), NULL);
    if (!pair) return NULL;
    PyObject *sc = PyTuple_GET_ITEM(pair, 0);
    Py_INCREF(sc);
    Py_DECREF(pair);
    return sc;
}

/* A stream of one batch over a table. */
struct ArrowArrayStream {
    int (*get_schema)(struct ArrowArrayStream *, struct ArrowSchema *out);
    int (*get_next)(struct ArrowArrayStream *, struct ArrowArray *out);
    const char *(*get_last_error)(struct ArrowArrayStream *);
    void (*release)(struct ArrowArrayStream *);
    void *private_data;
};

typedef struct {
    oups_table *t;
    bool done;
} stream_state;

static int stream_get_schema(struct ArrowArrayStream *st, struct ArrowSchema *out) {
    stream_state *p = st->private_data;
    struct ArrowArray a;
    if (oups_table_export(&a, out, p->t)) return ENOMEM;
    a.release(&a);
    return 0;
}

static int stream_get_next(struct ArrowArrayStream *st, struct ArrowArray *out) {
    stream_state *p = st->private_data;
    if (p->done) {
        memset(out, 0, sizeof *out);
        return 0;
    }
    struct ArrowSchema s;
    if (oups_table_export(out, &s, p->t)) return ENOMEM;
    s.release(&s);
    p->done = true;
    return 0;
}

static const char *stream_last_error(struct ArrowArrayStream *st) {
    (void)st;
    return oups_error_last();
}

static void stream_release(struct ArrowArrayStream *st) {
    stream_state *p = st->private_data;
    oups_table_free(p->t);
    free(p);
    st->release = NULL;
}

static void stream_capsule_free(PyObject *cap) {
    struct ArrowArrayStream *s = PyCapsule_GetPointer(cap, "arrow_array_stream");
    if (s && s->release) s->release(s);
    PyMem_Free(s);
}

static PyObject *table_arrow_c_stream(PyTable *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"requested_schema", NULL};
    PyObject *req = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|O", kwlist, &req)) return NULL;
    struct ArrowArrayStream *s = PyMem_Calloc(1, sizeof *s);
    stream_state *p = calloc(1, sizeof *p);
    if (!s || !p) {
        PyMem_Free(s);
        free(p);
        return PyErr_NoMemory();
    }
    p->t = oups_table_retain(self->t);
    s->get_schema = stream_get_schema;
    s->get_next = stream_get_next;
    s->get_last_error = stream_last_error;
    s->release = stream_release;
    s->private_data = p;
    PyObject *cap = PyCapsule_New(s, "arrow_array_stream", stream_capsule_free);
    if (!cap) {
        stream_release(s);
        PyMem_Free(s);
    }
    return cap;
}

/* Import one (array, schema) pair, moving both in. */
static oups_table *import_pair(struct ArrowArray *a, struct ArrowSchema *s) {
    oups_table *t = NULL;
    int rc = oups_table_import(&t, a, s);
    if (rc) {
        if (a->release) a->release(a);
        if (s->release) s->release(s);
        oupspy_raise(rc);
        return NULL;
    }
    return t;
}

static oups_table *import_stream(struct ArrowArrayStream *st) {
    oups_table **parts = NULL, *result = NULL;
    int n = 0, cap = 0;
    for (;;) {
        struct ArrowSchema s;
        struct ArrowArray a;
        memset(&a, 0, sizeof a);
        if (st->get_next(st, &a) != 0) {
            const char *m = st->get_last_error ? st->get_last_error(st) : NULL;
            PyErr_Format(oupspy_error_class(OUPS_EINVAL), "Arrow stream: %s", m ? m : "get_next failed");
            goto done;
        }
        if (!a.release) break;
        if (st->get_schema(st, &s) != 0) {
            a.release(&a);
            PyErr_SetString(oupspy_error_class(OUPS_EINVAL), "Arrow stream: get_schema failed");
            goto done;
        }
        if (n == cap) {
            cap = cap ? 2 * cap : 8;
            oups_table **np = PyMem_Realloc(parts, (size_t)cap * sizeof *np);
            if (!np) {
                a.release(&a);
                s.release(&s);
                PyErr_NoMemory();
                goto done;
            }
            parts = np;
        }
        if (!(parts[n] = import_pair(&a, &s))) goto done;
        n++;
    }
    if (n == 0) {
        struct ArrowSchema s;
        if (st->get_schema(st, &s) != 0) {
            PyErr_SetString(oupspy_error_class(OUPS_EINVAL), "Arrow stream: get_schema failed");
            goto done;
        }
        /* An empty stream: import a zero-length array of the schema is not possible without
         * building one; report it plainly. */
        s.release(&s);
        PyErr_SetString(oupspy_error_class(OUPS_EUNSUPPORTED), "Arrow stream without any batch");
        goto done;
    }
    int rc = oups_table_concat(&result, parts, n);
    if (rc) oupspy_raise(rc);
done:
    for (int i = 0; i < n; i++) oups_table_free(parts[i]);
    PyMem_Free(parts);
    return result;
}

oups_table *oupspy_table_from_object(PyObject *obj) {
    if (PyObject_TypeCheck(obj, &PyTable_Type)) return oups_table_retain(((PyTable *)obj)->t);
    if (PyObject_HasAttrString(obj, "__arrow_c_stream__")) {
        PyObject *cap = PyObject_CallMethod(obj, "__arrow_c_stream__", NULL);
        if (!cap) return NULL;
        struct ArrowArrayStream *st = PyCapsule_GetPointer(cap, "arrow_array_stream");
        oups_table *t = st ? import_stream(st) : NULL;
        Py_DECREF(cap);
        return t;
    }
    if (PyObject_HasAttrString(obj, "__arrow_c_array__")) {
        PyObject *pair = PyObject_CallMethod(obj, "__arrow_c_array__", NULL);
        if (!pair) return NULL;
        struct ArrowSchema *s = NULL;
        struct ArrowArray *a = NULL;
        if (PyTuple_Check(pair) && PyTuple_GET_SIZE(pair) == 2) {
            s = PyCapsule_GetPointer(PyTuple_GET_ITEM(pair, 0), "arrow_schema");
            a = s ? PyCapsule_GetPointer(PyTuple_GET_ITEM(pair, 1), "arrow_array") : NULL;
        } else {
            PyErr_SetString(PyExc_TypeError, "__arrow_c_array__ must return (schema, array) capsules");
        }
        oups_table *t = NULL;
        if (s && a) {
            /* On success import moves both (release set to NULL): the capsules then free only
             * their memory. On failure they still own them. */
            int rc = oups_table_import(&t, a, s);
            if (rc) oupspy_raise(rc);
        }
        Py_DECREF(pair);
        return t;
    }
    PyErr_Format(PyExc_TypeError, "expected an oups Table or an Arrow PyCapsule provider, got %s",
                 Py_TYPE(obj)->tp_name);
    return NULL;
}

static PyObject *table_from_arrow(PyObject *mod, PyObject *obj) {
    (void)mod;
    oups_table *t = oupspy_table_from_object(obj);
    return t ? oupspy_table_wrap(t) : NULL;
}

static PyMethodDef table_methods[] = {
    {"column", (PyCFunction)table_column, METH_O, "column(i) -> (name, kind, values, mask, extra)"},
    {"_pandas_columns", (PyCFunction)table_pandas_columns, METH_NOARGS, "[numpy array or column(i) tuple]"},
    {"_pandas_column", (PyCFunction)table_pandas_column, METH_O, "numpy array or column(i) tuple of a name"},
    {"select", (PyCFunction)table_select, METH_O, "select(names) -> Table of these columns (zero-copy)"},
    {"slice", (PyCFunction)table_slice, METH_VARARGS, "slice(offset, length) -> Table (zero-copy)"},
    {"equals", (PyCFunction)table_equals, METH_O, "True, or the first difference as a string"},
    {"memory_size", (PyCFunction)table_memory_size, METH_NOARGS, "bytes of the rows"},
    {"__arrow_c_array__", (PyCFunction)(void (*)(void))table_arrow_c_array, METH_VARARGS | METH_KEYWORDS, NULL},
    {"__arrow_c_schema__", (PyCFunction)table_arrow_c_schema, METH_NOARGS, NULL},
    {"__arrow_c_stream__", (PyCFunction)(void (*)(void))table_arrow_c_stream, METH_VARARGS | METH_KEYWORDS, NULL},
    {NULL, NULL, 0, NULL}};

static PyGetSetDef table_getset[] = {
    {"num_rows", (getter)table_num_rows, NULL, "number of rows", NULL},
    {"column_names", (getter)table_column_names, NULL, "column names", NULL},
    {"schema", (getter)table_schema, NULL, "[(name, type)] in the CLI type syntax", NULL},
    {NULL, NULL, NULL, NULL, NULL}};

PyTypeObject PyTable_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "oups._oups.Table",
    .tp_basicsize = sizeof(PyTable),
    .tp_dealloc = (destructor)table_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "An immutable oups table (Arrow layout).",
    .tp_methods = table_methods,
    .tp_getset = table_getset,
};

/* concat_tables(tables) -> one Table (same schema; one copy, none for a single table). The
 * copy runs without the GIL: the tables are immutable and kept alive by the list. */
static PyObject *concat_tables(PyObject *mod, PyObject *list) {
    (void)mod;
    PyObject *seq = PySequence_Fast(list, "concat_tables() needs a sequence of Tables");
    if (!seq) return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    oups_table **ts = PyMem_Calloc((size_t)n + 1, sizeof *ts);
    PyObject *result = NULL;
    if (!ts) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *o = PySequence_Fast_GET_ITEM(seq, i);
        if (!PyObject_TypeCheck(o, &PyTable_Type)) {
            PyErr_Format(PyExc_TypeError, "concat_tables(): item %zd is a %s, not an oups Table", i,
                         Py_TYPE(o)->tp_name);
            goto done;
        }
        ts[i] = ((PyTable *)o)->t;
    }
    oups_table *out;
    int rc;
    Py_BEGIN_ALLOW_THREADS rc = oups_table_concat(&out, ts, (int)n);
    Py_END_ALLOW_THREADS result = rc ? oupspy_raise(rc) : oupspy_table_wrap(out);
done:
    PyMem_Free(ts);
    Py_DECREF(seq);
    return result;
}

static PyMethodDef module_table_functions[] = {
    {"concat_tables", concat_tables, METH_O, "concat_tables(tables) -> Table (rows of all, in order)"},
    {"table_from_columns", table_from_columns, METH_O, "Table from [(name, kind, values, mask, extra)]"},
    {"table_from_arrow", table_from_arrow, METH_O, "Table from an Arrow PyCapsule provider"},
    {"_set_table_class", set_table_class, METH_O, "class of the tables returned"},
    {NULL, NULL, 0, NULL}};

int oupspy_init_table(PyObject *m) {
    if (PyType_Ready(&PyTable_Type) < 0) return -1;
    Py_INCREF(&PyTable_Type);
    if (PyModule_AddObject(m, "Table", (PyObject *)&PyTable_Type) < 0) return -1;
    return PyModule_AddFunctions(m, module_table_functions);
}
