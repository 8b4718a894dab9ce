/**
 * @file oups/store.h
 * @brief Ordered parquet datasets (OPD), incremental merge-writes, dataset keys, a store of
 *        keyed datasets, and lock-step iteration over several datasets (iter_intersections).
 *
 * On disk, a dataset `<parent>/<name>` is a directory of standard Parquet files, one row group
 * per file, `file_00000.parquet`, `file_00001.parquet`, ... (file k holds row group k, rows
 * sorted on the `ordered_on` key column across files), a sibling metadata file
 * `<parent>/<name>_opdmd` (a Parquet file: per row group file id, row count, key min and max;
 * ordered_on and the user key-value map as JSON in its key-value metadata) and, while the
 * dataset is open, a lock file `<parent>/<name>.lock`. Any Parquet reader can read
 * `<name>/\*.parquet` as the dataset. Writes are crash-safe: a write is either fully visible
 * or not at all after a crash; the next writer's open completes an interrupted commit.
 * Integrity: the metadata is checksummed and validated at open, and every row-group file is
 * checked against it (CRC, schema, rows, key order, min/max) when read; damage is
 * OUPS_ECORRUPT naming the file, and recovery never acts on a journal that does not verify.
 *
 * Handles: oups_key_schema / oups_key (dataset identifiers), oups_opd (an open, locked
 * dataset, or a read-only view of some of its row groups), oups_store (a root directory of
 * keyed datasets), oups_intersections (an iteration in progress).
 *
 * Key column types: signed integers, timestamps, date32 and float64 (string keys:
 * OUPS_EUNSUPPORTED). Keys may not be null or NaN.
 *
 * Ownership: handles returned through `**out` belong to the caller (free with the matching
 * _free/_close). Strings and tables returned by getters are borrowed as documented.
 * Threading: one thread per handle at a time. Datasets are locked across threads and
 * processes (OFD fcntl locks: exclusive for writers, shared for read-only opens); a writer's
 * lock is not re-entrant: opening the same dataset twice, even from one thread, waits for the
 * first handle (and all its views) to be closed.
 * Behaviour: that of the reference library's store (Python oups, `oups.store`); guide: docs/store.md.
 */
#ifndef OUPS_STORE_H
#define OUPS_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "oups/parquet.h"
#include "oups/table.h"
#include "oups/util.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------------ */
/** @name Keys: schema-driven dataset identifiers */

typedef struct oups_key_schema oups_key_schema;
typedef struct oups_key oups_key;

/**
 * Parse a key schema: levels separated by '/', fields by ',', each `name:int` or `name:str`,
 * e.g. "quantity:str,city:str/frequency:str" (2 levels: path `<quantity>-<city>/<frequency>`).
 * @param[out] out   The schema; free with oups_key_schema_free().
 * @param field_sep  Separator between fields of a level inside a path part ('-' usually);
 *                   must not be '/' or NUL ('.' is allowed, as upstream).
 * @return 0, OUPS_EINVAL naming the bad part of `spec`, or OUPS_ENOMEM.
 */
OUPS_API OUPS_NODISCARD int oups_key_schema_parse(oups_key_schema **out, const char *spec, char field_sep);
OUPS_API void oups_key_schema_free(oups_key_schema *s);
/** Number of levels (directories in a key's path). */
OUPS_API int oups_key_schema_depth(const oups_key_schema *s);
/** Total number of fields over all levels. */
OUPS_API int oups_key_schema_num_fields(const oups_key_schema *s);

/**
 * Build and validate a key from the text of each field, in schema order (int fields: a
 * decimal integer). Values must be non-empty and contain neither the separator, '/' nor '.'.
 * @param[out] out  Free with oups_key_free(). Ownership: the key keeps a reference to `s`
 *                  semantics only (s must outlive the key).
 * @return 0, OUPS_EINVAL naming the field and value, or OUPS_ENOMEM.
 */
OUPS_API OUPS_NODISCARD int oups_key_new(oups_key **out, const oups_key_schema *s, const char *const *values,
                                         int n_values);
/**
 * Parse `<f1><sep><f2>...` (str(key)). Strict: exactly the schema's number of fields.
 * @return 0, OUPS_EINVAL if the text does not parse (message names it), or OUPS_ENOMEM.
 */
OUPS_API OUPS_NODISCARD int oups_key_from_str(oups_key **out, const oups_key_schema *s, const char *text);
/** Parse a relative path: exactly one component per level, each with exactly that level's
 * fields. Same errors as oups_key_from_str. */
OUPS_API OUPS_NODISCARD int oups_key_from_path(oups_key **out, const oups_key_schema *s, const char *path);
/** str(key): all fields joined with the separator. `*out` freed with oups_mem_free(). */
OUPS_API OUPS_NODISCARD int oups_key_to_str(char **out, const oups_key *k);
/** Relative path: one directory per level. `*out` freed with oups_mem_free(). */
OUPS_API OUPS_NODISCARD int oups_key_to_path(char **out, const oups_key *k);
/** Copy of a key. */
OUPS_API OUPS_NODISCARD int oups_key_clone(oups_key **out, const oups_key *k);
/** Field by field: ints numerically, strings by bytes. Keys of one schema only. */
OUPS_API int oups_key_cmp(const oups_key *a, const oups_key *b);
OUPS_API uint64_t oups_key_hash(const oups_key *k);
/** Text of field i (borrowed), or NULL if out of range. */
OUPS_API const char *oups_key_field(const oups_key *k, int i);
OUPS_API void oups_key_free(oups_key *k);

/* ------------------------------------------------------------------------------------------ */
/** @name Ordered parquet datasets */

typedef struct oups_opd oups_opd;

#define OUPS_OPD_OPTIONS_VERSION 2
typedef struct oups_opd_options {
    int version;             /**< OUPS_OPD_OPTIONS_VERSION */
    const char *ordered_on;  /**< NULL/"": take the stored one; else must match it */
    int64_t lock_timeout_ms; /**< < 0: wait forever (default); 0: try once */
    /** Open read-only: a shared lock (readers wait only for writers), writes refused with
     * OUPS_EREADONLY, and no dataset file is ever created, renamed or deleted, not even to
     * finish an interrupted commit: its row groups are then read under their staged names. */
    bool read_only;
} oups_opd_options;
#define OUPS_OPD_OPTIONS_INIT {OUPS_OPD_OPTIONS_VERSION, NULL, -1, false}

/**
 * Open (and lock) the dataset at `path` (= `<parent>/<name>`); creates `<parent>` if missing
 * (not when read-only). The metadata is verified (checksum) and validated (file ids 0..n-1,
 * min <= max, max[k] <= min[k+1]). A writer completes an interrupted commit left by a crash,
 * once its journal verifies against the files, and removes temporary files of an uncommitted
 * write; a read-only open changes nothing. A missing metadata file gives a new, empty dataset
 * (nothing is written but the lock file).
 * @param[out] out  Close with oups_opd_close().
 * @param opts      May be NULL (defaults).
 * @return 0, OUPS_ETIMEOUT (lock held elsewhere), OUPS_EINVAL (ordered_on mismatch),
 *         OUPS_ECORRUPT (damaged metadata or journal: the message names the file and what is
 *         wrong, and no file was touched), OUPS_EUNSUPPORTED (metadata of a newer format),
 *         OUPS_EIO, or another negative code. On failure the lock is released.
 */
OUPS_API OUPS_NODISCARD int oups_opd_open(oups_opd **out, const char *path, const oups_opd_options *opts);
/** Release a dataset or view. The lock goes (and the lock file is deleted) when the dataset
 * and all its views are closed. NULL is a no-op. */
OUPS_API void oups_opd_close(oups_opd *opd);
/**
 * Read-only view of row groups start, start+step, ... (< stop), Python slice semantics on
 * non-negative bounds (clamped to the length). Shares the lock; writes through it fail with
 * OUPS_EREADONLY. @return 0, OUPS_EINVAL (step < 1 or negative bounds), OUPS_ENOMEM.
 */
OUPS_API OUPS_NODISCARD int oups_opd_view(oups_opd **out, oups_opd *opd, int64_t start, int64_t stop, int64_t step);

/** Number of row groups. */
OUPS_API int64_t oups_opd_len(const oups_opd *opd);
/** Key column name (borrowed), or NULL for a new dataset opened without one. */
OUPS_API const char *oups_opd_ordered_on(const oups_opd *opd);
/** Absolute dataset directory path (borrowed). */
OUPS_API const char *oups_opd_path(const oups_opd *opd);
/** True if no metadata file existed at open (or after remove_from_disk). */
OUPS_API bool oups_opd_is_new(const oups_opd *opd);
OUPS_API bool oups_opd_is_readonly(const oups_opd *opd);
/** Largest file id: from the stats for a dataset, from the directory for a view; -1 if none. */
OUPS_API int64_t oups_opd_max_file_id(const oups_opd *opd);

/** Statistics of one row group. min/max have the key column's type. */
typedef struct oups_opd_rg_stats {
    int64_t file_id;
    int64_t n_rows;
    oups_scalar min, max;
} oups_opd_rg_stats;
/** Stats of row group i (oups_opd_stats). @return 0 or OUPS_EINVAL (index). */
OUPS_API OUPS_NODISCARD int oups_opd_stats(oups_opd_rg_stats *out, const oups_opd *opd, int64_t i);

/** User key-value metadata: count, key/value i (borrowed until the next write), value by key. */
OUPS_API int oups_opd_kv_count(const oups_opd *opd);
OUPS_API const char *oups_opd_kv_key(const oups_opd *opd, int i);
OUPS_API const char *oups_opd_kv_value(const oups_opd *opd, int i);
OUPS_API const char *oups_opd_kv_get(const oups_opd *opd, const char *key);

/**
 * Read the rows of the dataset (or view), in row-group order, columns `columns[0..n_cols)`
 * (NULL: all). Zero row groups give an empty table with no columns.
 * Ownership: `*out` belongs to the caller. Cost: reads every row group of the view.
 * @return 0, OUPS_ENOTFOUND (column or file), OUPS_ECORRUPT, OUPS_EIO.
 */
OUPS_API OUPS_NODISCARD int oups_opd_read(oups_table **out, oups_opd *opd, const char *const *columns, int n_cols);
/**
 * The dataset's columns and types as a 0-row table (from row group 0's footer; a dataset
 * without row groups gives a table with no columns). Under the handle's lock, so safe against
 * concurrent writers. Ownership: `*out` belongs to the caller.
 * @return 0, OUPS_ECORRUPT (the file does not match the metadata), OUPS_EIO.
 */
OUPS_API OUPS_NODISCARD int oups_opd_schema(oups_table **out, const oups_opd *opd);
/** True on a read-only handle opened while an interrupted commit awaits a writer's roll-forward. */
OUPS_API bool oups_opd_has_pending_commit(const oups_opd *opd);
/**
 * Rows with start <= key < end_excl (either bound NULL: unbounded). Only row groups whose
 * [min, max] intersects the range are read, and in a row group the range cuts, only the
 * pages that can hold keys in it (from the key column's page index; every column's pages
 * from the offset index), so a narrow range decodes a few pages. Scalars must be of the
 * key's type family. Files without a page index are decoded whole.
 */
OUPS_API OUPS_NODISCARD int oups_opd_read_range(oups_table **out, oups_opd *opd, const oups_scalar *start,
                                                const oups_scalar *end_excl, const char *const *columns,
                                                int n_cols);

/** What reads of a dataset did (oups_opd_read_stats_get): counts since it was opened, its views
 * and the iterations over it included. */
typedef struct oups_opd_read_stats {
    int64_t row_groups_read; /**< row-group files whose data was read (schema lookups excluded) */
    int64_t pages_decoded;   /**< data pages decoded in them */
    int64_t bytes_read;      /**< bytes read from them: footers, page indexes, pages, and the
                                  checksum passes (the tail, or whole files without tail CRC) */
} oups_opd_read_stats;
/** Read statistics of the dataset (shared by a handle and its views). Cost: none. */
OUPS_API void oups_opd_read_stats_get(oups_opd_read_stats *out, const oups_opd *opd);

/** How duplicate rows are identified by oups_opd_write. */
typedef enum oups_dup_mode {
    OUPS_DUP_NONE = 0,   /**< keep all rows */
    OUPS_DUP_ALL = 1,    /**< rows equal on all columns */
    OUPS_DUP_COLUMNS = 2 /**< rows equal on duplicates_on (+ ordered_on, always) */
} oups_dup_mode;

/** 2 added allow_new_columns (structs of version 1 are still accepted: it is then false). */
#define OUPS_STORE_WRITE_OPTIONS_VERSION 2
typedef struct oups_store_write_options {
    int version;                  /**< OUPS_STORE_WRITE_OPTIONS_VERSION */
    const char *ordered_on;       /**< required for a new dataset; must match otherwise */
    int64_t row_group_rows;       /**< n-rows strategy target (default 6,345,000) */
    const char *row_group_period; /**< if set ("2h", "D", "MS"): time-period strategy */
    oups_dup_mode duplicates;
    const char *const *duplicates_on; /**< OUPS_DUP_COLUMNS: column names */
    int n_duplicates_on;
    int64_t max_n_off_target_rgs; /**< 0: unset (no coalescing); >= 1: threshold */
    int n_kv;                     /**< metadata update: add/replace; value NULL deletes */
    const char *const *kv_keys;
    const char *const *kv_values;
    const oups_parquet_write_options *parquet; /**< NULL: defaults (zstd); the page index is
                                                    always written (range reads use it) */
    /** Accept new data with columns the dataset does not have (oups_opd_write only): they are
     * appended to the dataset's columns, in the new data's order; row groups written before
     * read back with nulls there (our reader, and Parquet readers that unify schemas by
     * name, e.g. DuckDB's union_by_name). The new data's other columns may come in any order.
     * Dropping or retyping a column stays OUPS_ESCHEMA. Default false. */
    bool allow_new_columns;
} oups_store_write_options;
#define OUPS_STORE_WRITE_OPTIONS_INIT                                                               \
    {OUPS_STORE_WRITE_OPTIONS_VERSION, NULL, 6345000, NULL, OUPS_DUP_NONE, NULL, 0, 0, 0, NULL, NULL, NULL, false}

/**
 * Merge `df` (may be NULL: only resize/coalesce and metadata) into the dataset.
 * Rows of `df` must be sorted on ordered_on; with duplicates, the last occurrence wins and new
 * rows beat old ones. Only overlapped (or coalesced) row groups are rewritten; memory holds at
 * most one merge region plus one row group. Atomic: on any failure or crash the dataset is
 * unchanged; on success it is fully replaced (file k = row group k).
 * Ownership: all inputs borrowed.
 * @return 0, OUPS_EUNORDERED (df not sorted), OUPS_ENOTFOUND (ordered_on column missing),
 *         OUPS_ESCHEMA (df schema differs from the dataset's: the message names the dataset,
 *         the column and both types; or a non-timestamp key with a period), OUPS_EINVAL (options), OUPS_EREADONLY (view), OUPS_EOVERFLOW (>65535
 *         files), OUPS_EIO, or another negative code. Nothing is written before validation.
 */
OUPS_API OUPS_NODISCARD int oups_opd_write(oups_opd *opd, const oups_table *df, const oups_store_write_options *opts);

/**
 * Append `chunks` as new row groups (files max_file_id+1, ...), unmerged (used to
 * build datasets with explicit row groups). Each chunk must be sorted on ordered_on; the
 * caller is responsible for global order. Updates the metadata (with the kv update) only if
 * `write_metadata`. Errors as oups_opd_write.
 */
OUPS_API OUPS_NODISCARD int oups_opd_write_row_groups(oups_opd *opd, oups_table *const *chunks, int n_chunks,
                                                      bool write_metadata, const oups_store_write_options *opts);

/**
 * Begin a write transaction: the following oups_opd_write calls on `opd` (any number, each a
 * full merge-write with its own options: chunks need not be in global order, a later one sees
 * and may rewrite what earlier ones wrote) are staged and become visible together at
 * oups_opd_commit, or not at all. Use it to merge an input larger than memory chunk by chunk:
 * memory stays that of one write (one merge region plus one row group); with chunks in key
 * order of about the row-group target each, the growing last row group is rewritten at most
 * about twice. The result equals that of the same writes committed one by one (byte for byte,
 * files and metadata). Until the commit only staged files (`file_*.parquet.new`, which neither
 * readers nor `*.parquet` globs take as data) are written: a crash or kill leaves the dataset
 * as before the transaction, and the next writer's open deletes the leftovers.
 * During the transaction, the handle (len, stats, read, views) shows the staged state (row
 * groups of staged files have file ids < 0); oups_opd_write_row_groups and
 * oups_opd_remove_from_disk are refused (OUPS_ESTATE). A failed write ends the transaction's
 * usefulness: oups_opd_commit then rolls back and returns OUPS_ESTATE.
 * @return 0, OUPS_EREADONLY (view or read-only handle), OUPS_ESTATE (already in a
 *         transaction, or the handle is broken), OUPS_ENOMEM.
 */
OUPS_API OUPS_NODISCARD int oups_opd_begin(oups_opd *opd);
/**
 * Commit the transaction: every staged file is checked against the checksum taken when it was
 * written (a file changed since is OUPS_ECORRUPT naming it, and the transaction is rolled
 * back), then the dataset is replaced atomically as by oups_opd_write. The transaction ends
 * in every case. Without any successful write, nothing is written.
 * @return 0, OUPS_ESTATE (no transaction, or a write of it failed: rolled back),
 *         OUPS_ECORRUPT, OUPS_EIO (the dataset is then the old or the new one, reloaded).
 */
OUPS_API OUPS_NODISCARD int oups_opd_commit(oups_opd *opd);
/**
 * Abandon the transaction: its staged files are deleted and the handle shows the committed
 * dataset again. oups_opd_close without a commit does the same. No transaction: a no-op.
 * @return 0, or OUPS_EIO if a staged file could not be deleted (the handle is rolled back
 *         anyway; the next writer's open deletes the file).
 */
OUPS_API int oups_opd_rollback(oups_opd *opd);

/**
 * Delete the dataset's files (directory and metadata file) and clear its stats; user metadata
 * is kept in memory if `preserve_metadata`. The handle stays open and locked; writing again
 * recreates the files. @return 0, OUPS_EREADONLY, OUPS_EIO.
 */
OUPS_API OUPS_NODISCARD int oups_opd_remove_from_disk(oups_opd *opd, bool preserve_metadata);

/**
 * Verify the dataset: every file exists, its schema, row count, key order and min/max match
 * the metadata (max[i] <= min[i+1] and file ids 0..n-1 are checked at open), no stray files
 * (not checked while a commit is pending on a read-only handle: staged names are then
 * expected). Reads every row group in full (so page checksums are verified too), one at a
 * time. Never modifies anything.
 * @return 0 or OUPS_ECORRUPT naming the file and the first problem.
 */
OUPS_API OUPS_NODISCARD int oups_opd_check(oups_opd *opd);

/**
 * Repair the dataset at `path` (`oups store check --repair`), never deleting or overwriting a
 * file that could hold committed rows. Metadata that verifies: open as a writer (finishing an
 * interrupted commit) and check. Damaged metadata or journal: if no staged file
 * (`*.parquet.new`, `*.parquet.mv`) exists and file_00000.. are contiguous, sorted on
 * `ordered_on` and in order, rebuild the metadata from them (user key-value metadata is not
 * recovered; the damaged file is kept as `<name>_opdmd.damaged`); else change nothing.
 * @param ordered_on  Needed only to rebuild (the damaged metadata cannot be trusted for it).
 * @param[out] report What was done, one line (free with oups_mem_free); may be NULL.
 * @return 0 (the dataset then passes oups_opd_check), OUPS_ECORRUPT naming what blocks the
 *         repair, OUPS_EINVAL (ordered_on needed), OUPS_ENOTFOUND, OUPS_ETIMEOUT.
 */
OUPS_API OUPS_NODISCARD int oups_opd_repair(const char *path, const char *ordered_on, int64_t lock_timeout_ms,
                                            char **report);

/* ------------------------------------------------------------------------------------------ */
/** @name Lock-step iteration over datasets */

typedef struct oups_intersections oups_intersections;

/** 2 added columns/n_columns (structs of version 1 are still accepted: every column is read). */
#define OUPS_INTERSECTIONS_OPTIONS_VERSION 2
typedef struct oups_intersections_options {
    int version;
    const oups_scalar *start;     /**< NULL: unbounded */
    const oups_scalar *end_excl;  /**< NULL: unbounded */
    const int64_t *n_prev;        /**< NULL: 0 for all; else one value >= 0 per dataset */
    /** Column selection: NULL reads every column of every dataset; else one entry per dataset,
     * columns[i] (n_columns[i] names, borrowed for the open call) the columns of dataset i's
     * tables, in that order (NULL: all of them). Only these are read and decoded. The
     * ordered_on column, which the iteration needs, is appended when not listed. An unknown
     * name fails the first read of that dataset (OUPS_ENOTFOUND naming it). */
    const char *const *const *columns;
    const int *n_columns;         /**< with columns: the length of each list */
} oups_intersections_options;
#define OUPS_INTERSECTIONS_OPTIONS_INIT {OUPS_INTERSECTIONS_OPTIONS_VERSION, NULL, NULL, NULL, NULL, NULL}

/**
 * Start iterating datasets `opds[0..n)` (borrowed; they must stay open) over the key axis.
 * Each step covers [L, U) and gives a table (possibly 0 rows) for every participating dataset.
 * Memory: at most one "collapsed row group" (row groups sharing boundary keys) per dataset.
 * @return 0, OUPS_EINVAL (inconsistent ordered_on, negative n_prev), or another code.
 */
OUPS_API OUPS_NODISCARD int oups_intersections_open(oups_intersections **out, oups_opd *const *opds, int n,
                                                    const oups_intersections_options *opts);
/**
 * Advance to the next step. @param[out] done  true when there are no more steps.
 * @return 0 or an error (I/O while loading a row group).
 */
OUPS_API OUPS_NODISCARD int oups_intersections_next(oups_intersections *it, bool *done);
/** Number of datasets in the current step (the participating ones). */
OUPS_API int oups_intersections_count(const oups_intersections *it);
/** Index (into the opds / keys passed at open) of the i-th table of the current step. */
OUPS_API int oups_intersections_index(const oups_intersections *it, int i);
/** Table i of the current step, borrowed until the next call to _next or _free. */
OUPS_API const oups_table *oups_intersections_table(const oups_intersections *it, int i);
OUPS_API void oups_intersections_free(oups_intersections *it);

/* ------------------------------------------------------------------------------------------ */
/** @name Store: a root directory of datasets identified by keys */

typedef struct oups_store oups_store;

/**
 * Open a store at `root` (need not exist) with a key schema (copied). Keys are discovered
 * from `<root>/<level dirs>/<last part>_opdmd` file names. @return 0, OUPS_ENOMEM.
 */
OUPS_API OUPS_NODISCARD int oups_store_open(oups_store **out, const char *root, const oups_key_schema *schema);
OUPS_API void oups_store_free(oups_store *st);
/** The store's schema copy (borrowed; use it to build keys). */
OUPS_API const oups_key_schema *oups_store_schema(const oups_store *st);
/**
 * The sorted keys (rescans the disk if a dataset was created through this store since).
 * @param[out] keys  Borrowed array valid until the next call on `st`.
 */
OUPS_API OUPS_NODISCARD int oups_store_keys(const oups_key *const **keys, int64_t *n, oups_store *st);
OUPS_API OUPS_NODISCARD int oups_store_contains(bool *out, oups_store *st, const oups_key *key);
/** Open (lock) the dataset of `key`; opts may be NULL. */
OUPS_API OUPS_NODISCARD int oups_store_get(oups_opd **out, oups_store *st, const oups_key *key,
                                           const oups_opd_options *opts);
/** Remove the dataset of `key` and then-empty parent directories (not the root).
 * @return 0, OUPS_ENOTFOUND (key not in the store), OUPS_ETIMEOUT, OUPS_EIO. */
OUPS_API OUPS_NODISCARD int oups_store_delete(oups_store *st, const oups_key *key, int64_t lock_timeout_ms);
/** iter_intersections over datasets of the store; opens and locks them until _free. */
OUPS_API OUPS_NODISCARD int oups_store_intersections(oups_intersections **out, oups_store *st,
                                                     const oups_key *const *keys, int n,
                                                     const oups_intersections_options *opts);

#ifdef __cplusplus
}
#endif
#endif /* OUPS_STORE_H */
