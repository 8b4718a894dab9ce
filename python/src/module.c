/*
 * python/src/module.c: the extension module oups._oups: its initialisation and the exception
 * hierarchy (oups.Error and one subclass per liboups status code, each also deriving from the
 * closest built-in exception so that `except ValueError` keeps working for reference users).
 */
#include "internal.h"

#define PY_ARRAY_UNIQUE_SYMBOL oups_ARRAY_API
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>

static PyObject *error_base;

static const struct {
    int code;
    const char *name;
    PyObject **builtin;
    const char *doc;
} error_defs[] = {
    {OUPS_EINVAL, "InvalidArgumentError", &PyExc_ValueError, "invalid argument (OUPS_EINVAL)"},
    {OUPS_ENOMEM, "OutOfMemoryError", &PyExc_MemoryError, "an allocation failed (OUPS_ENOMEM)"},
    {OUPS_EIO, "OupsIOError", &PyExc_OSError, "an operating-system I/O call failed (OUPS_EIO)"},
    {OUPS_ECORRUPT, "CorruptError", &PyExc_ValueError, "corrupt or truncated data (OUPS_ECORRUPT)"},
    {OUPS_EUNSUPPORTED, "UnsupportedError", &PyExc_NotImplementedError, "feature not implemented (OUPS_EUNSUPPORTED)"},
    {OUPS_EUNORDERED, "UnorderedError", &PyExc_ValueError, "data not in the required order (OUPS_EUNORDERED)"},
    {OUPS_ESCHEMA, "SchemaError", &PyExc_ValueError, "column names or types differ (OUPS_ESCHEMA)"},
    {OUPS_ENOTFOUND, "NotFoundError", &PyExc_LookupError, "file, dataset, key or column missing (OUPS_ENOTFOUND)"},
    {OUPS_EBUSY, "BusyError", &PyExc_RuntimeError, "a lock is held by someone else (OUPS_EBUSY)"},
    {OUPS_ETIMEOUT, "LockTimeoutError", &PyExc_TimeoutError, "waited longer than the timeout (OUPS_ETIMEOUT)"},
    {OUPS_EREADONLY, "ReadOnlyError", &PyExc_PermissionError, "write through a read-only view (OUPS_EREADONLY)"},
    {OUPS_EEXISTS, "ExistsError", &PyExc_FileExistsError, "already exists (OUPS_EEXISTS)"},
    {OUPS_EUSER, "CallbackError", &PyExc_RuntimeError, "a callback asked to stop (OUPS_EUSER)"},
    {OUPS_EOVERFLOW, "ValueOverflowError", &PyExc_OverflowError, "value does not fit (OUPS_EOVERFLOW)"},
    {OUPS_ESTATE, "StateError", &PyExc_RuntimeError, "call made in the wrong state (OUPS_ESTATE)"},
};
#define N_ERRORS (sizeof error_defs / sizeof error_defs[0])
static PyObject *error_classes[N_ERRORS];

/* Exception raised by a Python callback while C was running (see oupspy_stash_exception). */
static PyObject *stashed_type, *stashed_value, *stashed_tb;

PyObject *oupspy_error_class(int code) {
    for (size_t i = 0; i < N_ERRORS; i++)
        if (error_defs[i].code == code) return error_classes[i];
    return error_base;
}

void oupspy_stash_exception(void) {
    Py_XDECREF(stashed_type);
    Py_XDECREF(stashed_value);
    Py_XDECREF(stashed_tb);
    PyErr_Fetch(&stashed_type, &stashed_value, &stashed_tb);
}

PyObject *oupspy_raise(int code) {
    if (stashed_type) { /* a callback's own exception explains the failure best */
        PyErr_Restore(stashed_type, stashed_value, stashed_tb);
        stashed_type = stashed_value = stashed_tb = NULL;
        return NULL;
    }
    if (PyErr_Occurred()) return NULL;
    const char *msg = oups_error_last();
    if (!msg || !*msg) msg = oups_strerror(code);
    PyObject *cls = oupspy_error_class(code);
    PyObject *exc = PyObject_CallFunction(cls, "s", msg);
    if (exc) {
        PyObject *c = PyUnicode_FromString(oups_strerror(code));
        if (c) PyObject_SetAttrString(exc, "code", c);
        Py_XDECREF(c);
        PyErr_SetObject(cls, exc);
        Py_DECREF(exc);
    }
    return NULL;
}

static PyObject *version(PyObject *mod, PyObject *unused) {
    (void)mod;
    (void)unused;
    return PyUnicode_FromString(oups_version());
}

/* period_floor(text, ts_ns) -> start of the bin (used by the frequency-string helpers). */
static PyObject *period_floor(PyObject *mod, PyObject *args) {
    (void)mod;
    const char *text;
    long long ts;
    if (!PyArg_ParseTuple(args, "sL", &text, &ts)) return NULL;
    oups_period p;
    int64_t out;
    int rc = oups_period_parse(&p, text);
    if (rc == 0) rc = oups_period_floor(&out, &p, ts);
    if (rc) return oupspy_raise(rc);
    return PyLong_FromLongLong(out);
}

static PyMethodDef module_functions[] = {
    {"version", version, METH_NOARGS, "liboups version"},
    {"period_floor", period_floor, METH_VARARGS, "floor a ns timestamp to its period bin"},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "oups._oups", "C core of oups: liboups through its public API.", -1, module_functions,
    NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__oups(void) {
    import_array();
    PyObject *m = PyModule_Create(&module_def);
    if (!m) return NULL;
    error_base = PyErr_NewExceptionWithDoc("oups.Error", "Base of every oups error; carries the C message.",
                                           PyExc_Exception, NULL);
    if (!error_base || PyModule_AddObjectRef(m, "Error", error_base) < 0) goto fail;
    for (size_t i = 0; i < N_ERRORS; i++) {
        char name[64];
        snprintf(name, sizeof name, "oups.%s", error_defs[i].name);
        PyObject *bases = PyTuple_Pack(2, error_base, *error_defs[i].builtin);
        if (!bases) goto fail;
        error_classes[i] = PyErr_NewExceptionWithDoc(name, error_defs[i].doc, bases, NULL);
        Py_DECREF(bases);
        if (!error_classes[i] || PyModule_AddObjectRef(m, error_defs[i].name, error_classes[i]) < 0) goto fail;
    }
    if (oupspy_init_table(m) < 0 || oupspy_init_store(m) < 0 || oupspy_init_loop(m) < 0 || oupspy_init_ops(m) < 0 ||
        oupspy_init_segagg(m) < 0)
        goto fail;
    return m;
fail:
    Py_DECREF(m);
    return NULL;
}
