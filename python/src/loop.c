/*
 * python/src/loop.c: oups._oups.Loop, the C StatefulLoop driven from Python. The loop's
 * source pulls items from a Python iterator (any objects: the loop only counts them, keeps
 * them in order and tells the last one); bound state is persisted by the C loop through
 * oups_state_ops whose save/load call oups._state.encode/decode (a tagged binary format of
 * None/bool/int/float/str/bytes/Timestamp/DataFrame/C-op values in dicts, lists and tuples;
 * no pickle). Each bound field is a (container, name) pair: a dict entry (function state) or an
 * attribute (object state), read at persist time and written at bind time when restored.
 */
#include "internal.h"

#include <string.h>

typedef struct {
    PyObject_HEAD
    oups_loop *loop;
    PyObject *iter;    /* the Python source */
    PyObject *pending; /* items pulled by the C look-ahead and not yet handed out (FIFO) */
    PyObject *holders; /* capsules of field holders; they outlive the C loop */
    int busy;
} PyLoop;

typedef struct {
    PyObject *container;
    PyObject *name;
    int is_attr;
} holder;

static PyObject *state_call(const char *fn, PyObject *args) {
    PyObject *mod = PyImport_ImportModule("oups._state");
    if (!mod) return NULL;
    PyObject *f = PyObject_GetAttrString(mod, fn);
    Py_DECREF(mod);
    if (!f) return NULL;
    PyObject *r = PyObject_CallObject(f, args);
    Py_DECREF(f);
    return r;
}

static PyObject *holder_get(holder *h) {
    if (h->is_attr) return PyObject_GetAttr(h->container, h->name);
    return PyObject_GetItem(h->container, h->name);
}

static int holder_save(void *obj, uint8_t **out, size_t *len) {
    holder *h = obj;
    PyGILState_STATE g = PyGILState_Ensure();
    int rc = OUPS_EUSER;
    PyObject *v = holder_get(h), *blob = NULL;
    if (v) {
        PyObject *args = Py_BuildValue("(OO)", v, h->name);
        blob = args ? state_call("encode", args) : NULL;
        Py_XDECREF(args);
    }
    if (blob && PyBytes_Check(blob)) {
        *len = (size_t)PyBytes_GET_SIZE(blob);
        *out = oups_mem_alloc(*len ? *len : 1);
        if (*out) {
            memcpy(*out, PyBytes_AS_STRING(blob), *len);
            rc = 0;
        } else {
            rc = OUPS_ENOMEM;
        }
    } else if (blob) {
        PyErr_SetString(PyExc_TypeError, "state encoder did not return bytes");
    }
    if (rc == OUPS_EUSER) oupspy_stash_exception();
    Py_XDECREF(v);
    Py_XDECREF(blob);
    PyGILState_Release(g);
    return rc;
}

static int holder_load(void *obj, const uint8_t *blob, size_t len) {
    holder *h = obj;
    PyGILState_STATE g = PyGILState_Ensure();
    PyObject *cur = holder_get(h);
    if (!cur) {
        PyErr_Clear();
        cur = Py_NewRef(Py_None);
    }
    PyObject *args = Py_BuildValue("(y#O)", (const char *)blob, (Py_ssize_t)len, cur);
    PyObject *v = args ? state_call("decode", args) : NULL;
    int ok = v && (h->is_attr ? PyObject_SetAttr(h->container, h->name, v) : PyObject_SetItem(h->container, h->name, v)) == 0;
    if (!ok) oupspy_stash_exception();
    Py_XDECREF(args);
    Py_XDECREF(v);
    Py_DECREF(cur);
    PyGILState_Release(g);
    return ok ? 0 : OUPS_EUSER;
}

static const oups_state_ops holder_ops = {holder_save, holder_load};

static void holder_capsule_free(PyObject *cap) {
    holder *h = PyCapsule_GetPointer(cap, "oups.holder");
    if (!h) return;
    Py_XDECREF(h->container);
    Py_XDECREF(h->name);
    PyMem_Free(h);
}

/* ------------------------------------------------------------------------------------------ */

static PyObject *loop_new(PyTypeObject *type, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"path", "default_memory_limit", "lock_timeout_ms", NULL};
    const char *path;
    long long limit = 314572800, timeout = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "s|LL", kwlist, &path, &limit, &timeout)) return NULL;
    oups_loop_options o = OUPS_LOOP_OPTIONS_INIT;
    o.default_memory_limit = limit;
    o.lock_timeout_ms = timeout;
    PyLoop *self = (PyLoop *)type->tp_alloc(type, 0);
    if (!self) return NULL;
    if (!(self->pending = PyList_New(0)) || !(self->holders = PyList_New(0))) {
        Py_DECREF(self);
        return NULL;
    }
    int rc;
    Py_BEGIN_ALLOW_THREADS rc = oups_loop_open(&self->loop, path, &o);
    Py_END_ALLOW_THREADS if (rc) {
        Py_DECREF(self);
        return oupspy_raise(rc);
    }
    return (PyObject *)self;
}

static PyObject *loop_close(PyLoop *self, PyObject *unused) {
    (void)unused;
    if (self->busy) {
        PyErr_SetString(oupspy_error_class(OUPS_ESTATE), "loop is in use by another thread");
        return NULL;
    }
    oups_loop_free(self->loop); /* before the holders: nothing may call back into them after */
    self->loop = NULL;
    Py_CLEAR(self->iter);
    Py_RETURN_NONE;
}

static void loop_dealloc(PyLoop *self) {
    oups_loop_free(self->loop);
    Py_XDECREF(self->iter);
    Py_XDECREF(self->pending);
    Py_XDECREF(self->holders);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int loop_ok(PyLoop *self) {
    if (self->loop && !self->busy) return 1;
    PyErr_SetString(oupspy_error_class(OUPS_ESTATE), self->loop ? "loop is in use by another thread" : "loop is closed");
    return 0;
}

/* bind(ns, base, container, names, is_attr) -> state key. ns: 0 func, 1 obj. */
static PyObject *loop_bind(PyLoop *self, PyObject *args) {
    int ns, is_attr;
    const char *base;
    PyObject *container, *names;
    if (!PyArg_ParseTuple(args, "isOOp", &ns, &base, &container, &names, &is_attr) || !loop_ok(self)) return NULL;
    PyObject *seq = PySequence_Tuple(names);
    if (!seq) return NULL;
    Py_ssize_t n = PyTuple_GET_SIZE(seq);
    oups_state_field *fields = PyMem_Calloc((size_t)n + 1, sizeof *fields);
    PyObject *caps = PyList_New(0), *result = NULL;
    if (!fields || !caps) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *name = PyTuple_GET_ITEM(seq, i);
        holder *h = PyMem_Calloc(1, sizeof *h);
        if (!h) {
            PyErr_NoMemory();
            goto done;
        }
        PyObject *cap = PyCapsule_New(h, "oups.holder", holder_capsule_free);
        if (!cap) {
            PyMem_Free(h);
            goto done;
        }
        h->container = Py_NewRef(container);
        h->name = Py_NewRef(name);
        h->is_attr = is_attr;
        int err = PyList_Append(caps, cap);
        Py_DECREF(cap);
        if (err < 0) goto done;
        if (!(fields[i].name = PyUnicode_AsUTF8(name))) goto done;
        fields[i].type = OUPS_STATE_OBJECT;
        fields[i].ptr = h;
        fields[i].ops = &holder_ops;
    }
    const char *key;
    int rc;
    /* load callbacks run Python code: keep the GIL (they would take it back anyway) */
    rc = oups_loop_bind(self->loop, &key, ns ? OUPS_STATE_OBJ : OUPS_STATE_FUNC, base, fields, (int)n);
    if (rc) {
        oupspy_raise(rc);
        goto done;
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(caps); i++)
        if (PyList_Append(self->holders, PyList_GET_ITEM(caps, i)) < 0) goto done;
    result = PyUnicode_FromString(key);
done:
    PyMem_Free(fields);
    Py_XDECREF(caps);
    Py_DECREF(seq);
    return result;
}

static int source_next(void *selfp, oups_table **out) {
    PyLoop *self = selfp;
    PyGILState_STATE g = PyGILState_Ensure();
    int rc = 1;
    PyObject *item = PyIter_Next(self->iter);
    if (item) {
        if (PyList_Append(self->pending, item) < 0) rc = OUPS_EUSER;
        Py_DECREF(item);
        out[0] = NULL;
    } else {
        rc = PyErr_Occurred() ? OUPS_EUSER : 0;
    }
    if (rc == OUPS_EUSER) oupspy_stash_exception();
    PyGILState_Release(g);
    return rc;
}

static PyObject *loop_begin(PyLoop *self, PyObject *iterable) {
    if (!loop_ok(self)) return NULL;
    PyObject *it = PyObject_GetIter(iterable);
    if (!it) return NULL;
    oups_source src = {source_next, NULL, self, 1};
    int rc = oups_loop_begin(self->loop, &src);
    if (rc) {
        Py_DECREF(it);
        return oupspy_raise(rc);
    }
    Py_XSETREF(self->iter, it);
    Py_RETURN_NONE;
}

/* next() -> (True, item) or (False, None) at the end (state persisted). */
static PyObject *loop_next(PyLoop *self, PyObject *unused) {
    (void)unused;
    if (!loop_ok(self)) return NULL;
    oups_table *chunk;
    int rc;
    self->busy = 1; /* the source and state callbacks run Python code meanwhile */
    Py_BEGIN_ALLOW_THREADS rc = oups_loop_next(self->loop, &chunk);
    Py_END_ALLOW_THREADS self->busy = 0;
    if (rc < 0) return oupspy_raise(rc);
    if (rc == 0 || PyList_GET_SIZE(self->pending) == 0) return Py_BuildValue("(OO)", Py_False, Py_None);
    PyObject *item = Py_NewRef(PyList_GET_ITEM(self->pending, 0));
    if (PySequence_DelItem(self->pending, 0) < 0) {
        Py_DECREF(item);
        return NULL;
    }
    return Py_BuildValue("(ON)", Py_True, item);
}

static PyObject *loop_persist(PyLoop *self, PyObject *unused) {
    (void)unused;
    if (!loop_ok(self)) return NULL;
    int rc;
    self->busy = 1;
    Py_BEGIN_ALLOW_THREADS rc = oups_loop_persist(self->loop);
    Py_END_ALLOW_THREADS self->busy = 0;
    if (rc) return oupspy_raise(rc);
    Py_RETURN_NONE;
}

static PyObject *loop_info(PyLoop *self, PyObject *unused) {
    (void)unused;
    if (!self->loop) /* no busy check: the loop's own callbacks (source, state) may ask */
        return (PyErr_SetString(oupspy_error_class(OUPS_ESTATE), "loop is closed"), NULL);
    return Py_BuildValue("{s:s,s:O,s:L,s:O,s:L}", "path", oups_loop_path(self->loop), "resumed",
                         oups_loop_resumed(self->loop) ? Py_True : Py_False, "iteration",
                         (long long)oups_loop_iteration(self->loop), "is_last",
                         oups_loop_is_last(self->loop) ? Py_True : Py_False, "items_done",
                         (long long)oups_loop_items_done(self->loop));
}

static PyMethodDef loop_methods[] = {
    {"bind", (PyCFunction)loop_bind, METH_VARARGS, "bind(ns, base, container, names, is_attr) -> key"},
    {"begin", (PyCFunction)loop_begin, METH_O, "begin(iterable)"},
    {"next", (PyCFunction)loop_next, METH_NOARGS, "next() -> (has_item, item)"},
    {"persist", (PyCFunction)loop_persist, METH_NOARGS, "persist the state now"},
    {"info", (PyCFunction)loop_info, METH_NOARGS, "dict: path, resumed, iteration, is_last, items_done"},
    {"close", (PyCFunction)loop_close, METH_NOARGS, "release the loop and its lock (persists nothing)"},
    {NULL, NULL, 0, NULL}};

PyTypeObject PyLoop_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "oups._oups.Loop",
    .tp_basicsize = sizeof(PyLoop),
    .tp_dealloc = (destructor)loop_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "Loop(path, default_memory_limit=314572800, lock_timeout_ms=0): the C StatefulLoop.",
    .tp_methods = loop_methods,
    .tp_new = loop_new,
};

/* Parquet bytes of a table and back: how DataFrames inside a state value are stored. */
static PyObject *table_to_parquet(PyObject *mod, PyObject *obj) {
    (void)mod;
    oups_table *t = oupspy_table_from_object(obj);
    if (!t) return NULL;
    oups_parquet_writer *w = NULL;
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc;
    Py_BEGIN_ALLOW_THREADS rc = oups_parquet_writer_open_memory(&w, t, NULL);
    if (rc == 0) rc = oups_parquet_writer_write_table(w, t);
    if (rc == 0) rc = oups_parquet_writer_finish_memory(w, &buf, &len);
    oups_parquet_writer_free(w);
    oups_table_free(t);
    Py_END_ALLOW_THREADS if (rc) return oupspy_raise(rc);
    PyObject *b = PyBytes_FromStringAndSize((const char *)buf, (Py_ssize_t)len);
    oups_mem_free(buf);
    return b;
}

static PyObject *table_from_parquet(PyObject *mod, PyObject *obj) {
    (void)mod;
    Py_buffer view;
    if (PyObject_GetBuffer(obj, &view, PyBUF_SIMPLE) < 0) return NULL;
    oups_parquet_reader *r = NULL;
    oups_table *t = NULL;
    int rc;
    Py_BEGIN_ALLOW_THREADS rc = oups_parquet_reader_open_memory(&r, view.buf, (size_t)view.len, NULL);
    if (rc == 0) rc = oups_parquet_reader_read(&t, r, NULL, 0, NULL, 0);
    oups_parquet_reader_free(r);
    Py_END_ALLOW_THREADS PyBuffer_Release(&view);
    if (rc) return oupspy_raise(rc);
    return oupspy_table_wrap(t);
}

static PyMethodDef loop_functions[] = {
    {"table_to_parquet", table_to_parquet, METH_O, "Parquet file bytes of a table"},
    {"table_from_parquet", table_from_parquet, METH_O, "table from Parquet file bytes"},
    {NULL, NULL, 0, NULL}};

int oupspy_init_loop(PyObject *m) {
    if (PyType_Ready(&PyLoop_Type) < 0) return -1;
    if (PyModule_AddObjectRef(m, "Loop", (PyObject *)&PyLoop_Type) < 0) return -1;
    return PyModule_AddFunctions(m, loop_functions);
}
