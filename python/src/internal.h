/*
 * python/src/internal.h: what the files of the extension module oups._oups share: the handle
 * types (Table, Dataset, Loop, AsofMerger), error raising and the table <-> numpy conversions.
 * The extension uses only the public liboups API (the headers in include/oups/).
 */
#ifndef OUPS_PY_INTERNAL_H
#define OUPS_PY_INTERNAL_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "oups/oups.h"

/* A table handle owned by Python (oups._oups.Table). */
typedef struct {
    PyObject_HEAD
    oups_table *t;
} PyTable;

extern PyTypeObject PyTable_Type;
extern PyTypeObject PyDataset_Type;
extern PyTypeObject PyLoop_Type;
extern PyTypeObject PyAsofMerger_Type;

/* An open dataset or view (oups._oups.Dataset). */
typedef struct {
    PyObject_HEAD
    oups_opd *opd;
    PyObject *parent; /* the dataset a view was made from (kept open while the view lives) */
    int busy;         /* a thread is inside a C call on this handle (GIL released) */
    int users;        /* open iterations borrowing this handle: close() must wait */
} PyDataset;

/* An as-of merger (oups._oups.AsofMerger). */
typedef struct {
    PyObject_HEAD
    oups_asof_merger *m;
    int busy;
} PyAsofMerger;

/* Raise the exception class of `code` with the library's last message (prefixed by `what`
 * if not NULL). If a Python exception is already pending (raised by one of our callbacks),
 * it is kept. Always returns NULL. */
PyObject *oupspy_raise(int code);
/* Exception class for a status code. */
PyObject *oupspy_error_class(int code);
/* Keep the Python exception raised in a callback running under C, so that oupspy_raise
 * re-raises it once the C call returns. Call with the GIL held and an exception set. */
void oupspy_stash_exception(void);

/* New Python Table owning `t` (steals the reference; frees it on failure). */
PyObject *oupspy_table_wrap(oups_table *t);
/* Table from a Python object: an oups Table, or an object with __arrow_c_stream__ /
 * __arrow_c_array__. Returns a new reference to the oups table, or NULL with an exception. */
oups_table *oupspy_table_from_object(PyObject *obj);
/* Column from a 1-D numpy array (the main keys of a merge): zero-copy for numeric/datetime. */
oups_column *oupspy_column_from_array(PyObject *arr);

/* A C handle is used by one thread at a time. The GIL is released during C calls, so mark the
 * handle busy (under the GIL) around them: a second thread gets oups.StateError instead of
 * racing. Returns 0, or -1 with the exception set. */
static inline int oupspy_enter(int *busy, const char *what) {
    if (*busy) {
        PyErr_Format(oupspy_error_class(-15 /* OUPS_ESTATE */), "%s is in use by another thread", what);
        return -1;
    }
    *busy = 1;
    return 0;
}
static inline void oupspy_leave(int *busy) { *busy = 0; }

int oupspy_init_table(PyObject *m);
int oupspy_init_store(PyObject *m);
int oupspy_init_loop(PyObject *m);
int oupspy_init_ops(PyObject *m);
int oupspy_init_segagg(PyObject *m);

#endif
