/**
 * @file oups/loop.h
 * @brief StatefulLoop: a "for each chunk" loop with iteration bookkeeping, named state bound to
 *        caller variables and persisted atomically at the end of the run, and memory-capped
 *        buffers (as the reference library's oups.StatefulLoop; guide: docs/loop.md).
 *
 * Handles: oups_loop (one persistence file, one pass over one chunk source), oups_source (a
 * pull-style chunk source: a table, or a fixed number of tables, per item).
 *
 * Usage (a complete function; docs/loop.md has the guide):
 * @code
 * #include "oups/oups.h"
 *
 * int count_rows(oups_source src, int64_t *n_rows) {
 *     oups_loop *loop;
 *     oups_table *chunk;
 *     oups_state_field fields[] = {{"n_rows", OUPS_STATE_INT64, n_rows, NULL}};
 *     int rc = oups_loop_open(&loop, "job.loopstate", NULL);     // loads the file if it exists
 *     if (rc == 0) rc = oups_loop_bind(loop, NULL, OUPS_STATE_FUNC, "count", fields, 1);
 *     if (rc == 0) rc = oups_loop_begin(loop, &src);             // the loop owns src now
 *     while (rc == 0 && (rc = oups_loop_next(loop, &chunk)) == 1) {
 *         *n_rows += oups_table_num_rows(chunk);                  // state: a plain C variable
 *         rc = 0;
 *     }                                                           // rc 0: state persisted
 *     oups_loop_free(loop);
 *     return rc;
 * }
 * @endcode
 *
 * Ownership: values a caller binds stay the caller's; the loop reads them at persist time and
 * writes restored values into them at bind time (never freeing what they held). Chunks handed
 * out by oups_loop_next are borrowed until the next call. Threading: one thread per loop.
 */
#ifndef OUPS_LOOP_H
#define OUPS_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oups/store.h"
#include "oups/table.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------------ */
/** @name Object state interface (implemented by every stateful op, e.g. the asof merger) */

/**
 * How the loop persists an object. `save` serialises the object's current state into a new
 * buffer `*out` of `*len` bytes allocated with the liboups allocator (the loop frees it with
 * oups_mem_free()); `load` restores the object from a blob produced by `save` (borrowed for
 * the call). Both return 0 or a negative OUPS_E* code (OUPS_ECORRUPT for a blob they cannot
 * read) and set a message with oups_error_set-like context.
 */
typedef struct oups_state_ops {
    int (*save)(void *obj, uint8_t **out, size_t *len);
    int (*load)(void *obj, const uint8_t *blob, size_t len);
} oups_state_ops;

/* ------------------------------------------------------------------------------------------ */
/** @name Chunk sources */

/**
 * A pull-style source of items. `next` gives the next item: `width` new table references
 * written to out[0..width) (the loop takes them over; NULL entries allowed), and returns 1; or
 * returns 0 at the end, or a negative code with a message (out untouched in both cases).
 * `free` (may be NULL) releases `self`. `width` 0 means 1.
 */
typedef struct oups_source {
    int (*next)(void *self, oups_table **out);
    void (*free)(void *self);
    void *self;
    int width;
} oups_source;

/**
 * Source over an in-memory list of tables (one table per item, in order).
 * @param[out] out  The source; pass it to oups_loop_begin() (or call out->free(out->self)).
 * Ownership: the tables are retained; the caller keeps its references.
 * Errors: OUPS_EINVAL (n < 0, NULL table), OUPS_ENOMEM. Cost: O(n).
 */
OUPS_API OUPS_NODISCARD int oups_source_tables(oups_source *out, oups_table *const *tables, int n);

/**
 * Source over a Parquet file, one item per row group (row groups of 0 rows included).
 * Ownership: the path is copied; the file stays open until the source is freed.
 * Errors: those of oups_parquet_reader_open(); read errors surface from `next`.
 * Cost: one row group in memory at a time (plus the loop's one-item look-ahead).
 */
OUPS_API OUPS_NODISCARD int oups_source_parquet(oups_source *out, const char *path);

/**
 * Source over a store dataset, one item per row group, in order (read through a one-row-group
 * view). Ownership: `opd` is borrowed and must stay open until the loop is freed.
 * Errors: OUPS_EINVAL; read errors surface from `next`, naming the row group.
 * Cost: one row group in memory at a time (plus the look-ahead).
 */
OUPS_API OUPS_NODISCARD int oups_source_opd(oups_source *out, oups_opd *opd);

/**
 * Source over iter_intersections (oups_intersections_open / oups_store_intersections): one
 * item per step, of width `n_datasets` (the number of datasets the iterator was opened on):
 * table k of an item (oups_loop_chunk(loop, k)) is dataset k's rows for the step, NULL when
 * dataset k does not take part. Ownership: TAKES OVER `it` (freed with the source, also on
 * failure). Errors: OUPS_EINVAL, OUPS_ENOMEM; step errors surface from `next`.
 * Cost: what the iterator holds (one collapsed row group per dataset) plus the look-ahead.
 */
OUPS_API OUPS_NODISCARD int oups_source_intersections(oups_source *out, oups_intersections *it, int n_datasets);

/* ------------------------------------------------------------------------------------------ */
/** @name Loop */

typedef struct oups_loop oups_loop;

#define OUPS_LOOP_OPTIONS_VERSION 1

typedef struct oups_loop_options {
    int version;                  /**< OUPS_LOOP_OPTIONS_VERSION */
    int64_t default_memory_limit; /**< bytes, for oups_loop_buffer(limit < 0); default 300 MiB */
    int64_t checkpoint_every;     /**< persist after every N items when buffers are empty; 0: off */
    int64_t lock_timeout_ms;      /**< wait for the lock (0: try once, < 0: forever) */
} oups_loop_options;

#define OUPS_LOOP_OPTIONS_INIT {OUPS_LOOP_OPTIONS_VERSION, INT64_C(314572800), 0, 0}

/**
 * Open a loop on persistence file `path`. If the file exists it is loaded and validated: its
 * entries become the state store and take precedence over initial values at bind time.
 * The file is locked (sidecar `path.lock`, OFD lock) until oups_loop_free().
 * @param[out] out  The loop; free with oups_loop_free(). NULL on failure.
 * @param opts      NULL for defaults (OUPS_LOOP_OPTIONS_INIT).
 * Errors: OUPS_EBUSY (another loop holds the file), OUPS_ECORRUPT (foreign, truncated or
 * damaged file: never silently reset), OUPS_EUNSUPPORTED (newer format version), OUPS_EIO,
 * OUPS_EINVAL (options). Cost: reads the whole file.
 */
OUPS_API OUPS_NODISCARD int oups_loop_open(oups_loop **out, const char *path, const oups_loop_options *opts);

/** Release the loop, its source and buffers, and the lock. Persists nothing. NULL is a no-op. */
OUPS_API void oups_loop_free(oups_loop *loop);

/** The path as given (borrowed). */
OUPS_API const char *oups_loop_path(const oups_loop *loop);
/** True if a persistence file was loaded at open ("this loop has completed once"). */
OUPS_API bool oups_loop_resumed(const oups_loop *loop);
/** Default buffer limit in bytes. */
OUPS_API int64_t oups_loop_default_memory_limit(const oups_loop *loop);

/** Namespace of a state key: "func:<base>#<n>" or "obj:<base>#<n>". */
typedef enum oups_state_ns { OUPS_STATE_FUNC = 0, OUPS_STATE_OBJ = 1 } oups_state_ns;

/** Type of a bound field, and what `ptr` of oups_state_field points to. */
typedef enum oups_state_type {
    OUPS_STATE_INT64 = 1, /**< int64_t * */
    OUPS_STATE_DOUBLE,    /**< double * (bits preserved) */
    OUPS_STATE_BOOL,      /**< bool * */
    OUPS_STATE_STRING,    /**< char ** (NUL-terminated; NULL persists as "") */
    OUPS_STATE_BYTES,     /**< oups_state_bytes * */
    OUPS_STATE_TABLE,     /**< oups_table ** (NULL allowed), persisted as in-memory Parquet */
    OUPS_STATE_OBJECT     /**< an object persisted through `ops` */
} oups_state_type;

/** A caller-owned byte string for OUPS_STATE_BYTES. */
typedef struct oups_state_bytes {
    void *data;
    size_t len;
} oups_state_bytes;

/** One named field of a binding. */
typedef struct oups_state_field {
    const char *name;          /**< unique within the binding, non-empty */
    oups_state_type type;
    void *ptr;                 /**< the caller's variable (or the object for OUPS_STATE_OBJECT) */
    const oups_state_ops *ops; /**< OUPS_STATE_OBJECT only */
} oups_state_field;

/**
 * Bind caller variables under the next key `<ns>:<base>#<n>` (n counts bindings of the same
 * namespace and base in this loop, from 1, in binding order: keep the order stable between runs).
 * If the key was loaded from the file, every field is restored into the caller's variable now
 * (the stored value wins over the initial one); otherwise the current values are kept. At
 * persist time the current values are read back.
 * Restored values: int64/double/bool are written in place; a string becomes a new NUL-terminated
 * buffer and bytes a new `data` (free with oups_mem_free()); a table a new handle (free with
 * oups_table_free()); an object gets ops->load(). The previous contents are not freed.
 * @param[out] key_out  If not NULL, receives the key (borrowed from the loop).
 * Ownership: `fields` and names are copied; the variables must outlive the loop's last persist.
 * Errors: OUPS_EINVAL (empty base, empty or duplicate field name, NULL ptr, bad type, binding
 * after oups_loop_begin), OUPS_ESCHEMA (stored field of another type), OUPS_ENOTFOUND (stored
 * entry lacks a field), OUPS_ECORRUPT (stored blob unreadable), or the code of ops->load.
 * Nothing is registered and no variable is changed on failure (except objects whose load ran
 * before a failing object).
 */
OUPS_API OUPS_NODISCARD int oups_loop_bind(oups_loop *loop, const char **key_out, oups_state_ns ns, const char *base,
                                           const oups_state_field *fields, int n_fields);

/** Bind one object under "obj:<base>#<n>" as a single field named "state". */
OUPS_API OUPS_NODISCARD int oups_loop_bind_object(oups_loop *loop, const char **key_out, const char *base, void *obj,
                                                  const oups_state_ops *ops);

/**
 * Start the pass over `src`. Ownership: the loop takes over `src` (freed with the loop, also on
 * failure). One pass per loop. Errors: OUPS_ESTATE (already begun), OUPS_EINVAL.
 */
OUPS_API OUPS_NODISCARD int oups_loop_begin(oups_loop *loop, const oups_source *src);

/**
 * Advance to the next item, pulling one item ahead to know whether it is the last.
 * @param[out] chunk  table 0 of the item, borrowed until the next call (may be NULL).
 * @return 1: an item is ready (iteration and is_last updated); 0: the source is exhausted,
 * the previous item was the last and the state has just been persisted (an empty source
 * persists nothing); negative: a source or persistence error (nothing persisted; later calls
 * return OUPS_ESTATE). With checkpoint_every, the state may also be persisted here before an
 * item is handed out.
 * Cost: one `next` call on the source; persistence writes the whole state file.
 */
OUPS_API OUPS_NODISCARD int oups_loop_next(oups_loop *loop, oups_table **chunk);

/** Table i of the current item (borrowed until the next oups_loop_next), NULL if out of range. */
OUPS_API oups_table *oups_loop_chunk(const oups_loop *loop, int i);
/** 0-based index of the current item in this run; -1 before the first. */
OUPS_API int64_t oups_loop_iteration(const oups_loop *loop);
/** True from the hand-out of the last item on. */
OUPS_API bool oups_loop_is_last(const oups_loop *loop);
/** Number of items completed by all runs up to the last persist (persisted with the state). */
OUPS_API int64_t oups_loop_items_done(const oups_loop *loop);

/**
 * Persist the state now (same procedure as at the end of the pass): every bound variable is
 * read back and the whole file rewritten atomically. Call it at a point where nothing is
 * pending in buffers; also to retry after oups_loop_next failed to persist at the end.
 * Errors: OUPS_EIO (file unchanged, or replaced if only the directory fsync failed),
 * OUPS_ENOMEM, or the code of an object's save (file unchanged).
 * Cost: serialises every bound value (tables through the Parquet writer), one file write.
 */
OUPS_API OUPS_NODISCARD int oups_loop_persist(oups_loop *loop);

/**
 * Accumulate `n` tables in buffer `id` (any small id >= 0, one per independent buffer; keep
 * `n` the same for an id). Table k goes to list k (NULL: nothing for that list this time).
 * When the accumulated size (oups_table_memory_size) reaches `memory_limit` bytes (< 0: the
 * loop's default; 0 flushes every call), or at the last item, out[k] receives the
 * concatenation of list k (NULL if list k is empty) and the buffer is reset: returns 0.
 * Otherwise returns OUPS_SKIP (positive): the caller `continue`s.
 * Ownership: the inputs are retained; out[k] belong to the caller (oups_table_free()).
 * Errors: OUPS_EINVAL (id < 0 or >= 4096, n changed), OUPS_ESCHEMA (concat), OUPS_ENOMEM.
 * Cost: a copy of the data at flush (one table per list is zero-copy).
 */
OUPS_API OUPS_NODISCARD int oups_loop_buffer(oups_table **out, oups_loop *loop, int id, oups_table *const *tables,
                                             int n, int64_t memory_limit);

#ifdef __cplusplus
}
#endif
#endif /* OUPS_LOOP_H */
