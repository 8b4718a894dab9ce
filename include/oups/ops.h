/**
 * @file oups/ops.h
 * @brief Stateful operations on ordered tables, one section per operation:
 *        the as-of merger (multi-group as-of join with windows of previous values), the
 *        plain single-table as-of join built on the same kernel, and the segmented
 *        aggregator (bins, snapshots, per group; docs/segagg.md).
 *
 * Handles: oups_asof_merger (opaque; holds the output layout, frozen at the first merge, and
 * the per-group "fill blocks" that carry history from one call to the next); oups_segagg
 * (opaque; holds per group the bin in progress and the segmentation state).
 * Ownership: tables and columns passed in are borrowed for the call; results returned through
 * `**out` belong to the caller. A failed call changes no state and moves no ownership.
 * Threading: one thread at a time per merger or aggregator; different ones are independent.
 * Behaviour: the reference library's AsofMerger (Python oups.AsofMerger); guide: docs/asof.md
 * lists where this port deliberately differs (errors instead of the reference's quirks).
 */
#ifndef OUPS_OPS_H
#define OUPS_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oups/loop.h"
#include "oups/table.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ========================================================================================== */
/** @name As-of merger */

/** Which table row a key matches. */
typedef enum oups_asof_direction {
    OUPS_ASOF_BACKWARD = 0, /**< last row with key <= target (< without exact matches); default */
    OUPS_ASOF_FORWARD = 1,  /**< first row with key >= target (> without exact matches) */
    OUPS_ASOF_NEAREST = 2   /**< the closer of both; a distance tie takes the backward row */
} oups_asof_direction;

/** What the fill blocks start as, and what a miss (beyond tolerance, no forward row) gives. */
typedef enum oups_asof_fill {
    OUPS_ASOF_FILL_ZEROS = 0, /**< zero of each type (0, 0.0, false, epoch, "", 0 decimal); reference */
    OUPS_ASOF_FILL_NULLS = 1, /**< nulls */
    OUPS_ASOF_FILL_VALUES = 2 /**< the tables of `fill_values_init` */
} oups_asof_fill;

#define OUPS_ASOF_MERGER_OPTIONS_VERSION 1

/**
 * Configuration of a merger. Arrays are borrowed and copied by oups_asof_merger_new().
 * Initialise with OUPS_ASOF_MERGER_OPTIONS_INIT, then set `on` and `n_dfs_per_group`.
 */
typedef struct oups_asof_merger_options {
    unsigned version;            /**< OUPS_ASOF_MERGER_OPTIONS_VERSION */
    const char *on;              /**< key column name, present in every table; required */
    int n_dfs_per_group;         /**< tables per group, >= 1; required */
    /** Output name prefixes, `n_join_positions * n_dfs_per_group` strings, row-major [j][d].
     *  NULL: all "" (then only one join position can have distinct names). */
    const char *const *prefixes;
    /** Number of join positions J. With `prefixes`: required (>= 1). Without: 0 means "take it
     *  from the first merge". */
    int n_join_positions;
    const bool *allow_exact_matches; /**< per df index; NULL: all false (the reference default) */
    const int *n_prev;               /**< per df index, >= 0; NULL: all 0 */
    int n_prev_suffix_start;         /**< suffix of the current value in window names (default 0) */
    oups_asof_direction direction;   /**< default OUPS_ASOF_BACKWARD */
    bool has_tolerance;              /**< if true, a match farther than `tolerance` is a miss */
    int64_t tolerance;               /**< max |target - key| in key units (integer-like keys only) */
    oups_asof_fill fill;             /**< default OUPS_ASOF_FILL_ZEROS */
    /** OUPS_ASOF_FILL_VALUES only: `n_fill_groups * n_dfs_per_group` tables, row-major [g][d],
     *  table d with `n_prev[d] + 1` rows (oldest first) and the value columns of table d (`on`
     *  may be present and is ignored). Checked at the first merge. */
    oups_table *const *fill_values_init;
    int n_fill_groups;
    /** The reference's `copy = false`, made safe: the merger keeps the result's buffers and the
     *  next merge writes into them only if the caller has freed that result (nobody else holds
     *  them), saving the allocation and the page faults of a fresh output. Default false. */
    bool reuse_output;
} oups_asof_merger_options;

#define OUPS_ASOF_MERGER_OPTIONS_INIT                                                                             \
    { OUPS_ASOF_MERGER_OPTIONS_VERSION, NULL, 0, NULL, 0, NULL, NULL, 0, OUPS_ASOF_BACKWARD, false, 0,             \
      OUPS_ASOF_FILL_ZEROS, NULL, 0, false }

typedef struct oups_asof_merger oups_asof_merger;

/**
 * Create a merger.
 * @param[out] out  The merger; free with oups_asof_merger_free(). NULL on failure.
 * @param opts      Borrowed; strings, arrays and the fill tables are copied or retained.
 * @return 0, OUPS_EINVAL naming the bad option (missing `on`, n_dfs_per_group < 1, negative
 *         n_prev, bad J, tolerance < 0, fill tables missing for OUPS_ASOF_FILL_VALUES, unknown
 *         version), or OUPS_ENOMEM.
 */
OUPS_API OUPS_NODISCARD int oups_asof_merger_new(oups_asof_merger **out, const oups_asof_merger_options *opts);

/** Free a merger (NULL is a no-op). */
OUPS_API void oups_asof_merger_free(oups_asof_merger *m);

/**
 * As-of join of `n_groups` groups of tables against the sorted target keys `main`.
 *
 * Output: one row per element of `main`. Column 0 is named `on` and is `main` itself
 * (zero-copy). Then for each join position j, df index d, dtype block of table d (value columns
 * grouped by type in order of first appearance), column, window slot (oldest first): the
 * window of n_prev[d] + 1 values of group combinations[i][j] as of main[i], named
 * `<prefix[j][d]><col>` (n_prev 0) or `<prefix[j][d]><col>_<k>`, k from
 * n_prev_suffix_start + n_prev down to n_prev_suffix_start. Types and nulls are carried
 * through unchanged. Backward: the as-of row of target m is the last row with key <= m (< m
 * without exact matches); with equal keys the last one; if there is none, the window comes
 * from the fill block (the last rows delivered by earlier calls, or the initial fill).
 *
 * After the call each group's fill block holds the last n_prev + 1 rows of everything its
 * tables delivered, so consecutive non-overlapping chunks give exactly the one-shot result
 * (backward direction; forward and nearest need table chunks reaching past the last target).
 *
 * @param[out] out        The result table; caller frees it with oups_table_free().
 * @param m               The merger (its fill blocks are updated on success only).
 * @param main            Target keys, non-decreasing, no nulls, same type as every `on` column.
 * @param tables          `n_groups * n_dfs_per_group` tables, row-major [g][d]; each has `on`
 *                        (non-decreasing, no nulls) and the same value columns (names and types;
 *                        matched by name, order may differ) as table d of the first call, whose
 *                        columns fix the layout whatever its row count (0 rows and key-only
 *                        tables included). Borrowed.
 * @param n_groups        >= 1; at most the number of groups of the first call.
 * @param combinations    `len(main) * n_join_positions` group indices, row-major, or NULL for a
 *                        single join position using group 0 (then n_groups must be 1).
 * @param n_join_positions Columns of `combinations` (ignored when it is NULL).
 * @param check_sorted    Check that `main` and every `on` column are non-decreasing (O(n)).
 * @return 0, or (nothing computed, state unchanged):
 *         OUPS_EINVAL (group index out of range naming row and position, more groups than the
 *         first call, J differing from the layout's, duplicate output column names, nulls in a
 *         key), OUPS_ESCHEMA (a table's columns or types differ from the layout, key types
 *         differ, fill tables do not match), OUPS_ENOTFOUND (a table lacks `on`),
 *         OUPS_EUNORDERED (check_sorted and a key decreases,
 *         naming group, table and row), OUPS_EUNSUPPORTED (tolerance with float keys), OUPS_ENOMEM.
 * Groups of the first call not passed now keep their fill blocks; a passed group that no row
 * references, and an empty `main`, are accepted (the fill blocks still advance).
 * Ownership: `main`, `tables` and `combinations` are borrowed for the call; the result is the
 * caller's and shares `main`'s buffers (column 0). With reuse_output the merger also keeps a
 * reference to the result's buffers, and writes into them again only once the caller freed it.
 * Cost: O(len(main) * J * n_dfs + table rows) for the as-of indices (four interleaved cursors
 * per block of targets; per (group, table) galloping cursors when combinations are given), then
 * one typed gather per (column, window). Memory: the output plus O(n_dfs * J * 4096) scratch
 * (keys of types other than int64 and timestamp are widened to a temporary int64 array).
 */
OUPS_API OUPS_NODISCARD int oups_asof_merger_merge(oups_table **out, oups_asof_merger *m, const oups_column *main,
                                                   oups_table *const *tables, int n_groups,
                                                   const int32_t *combinations, int n_join_positions,
                                                   bool check_sorted);

/** True once the first merge has fixed the layout (or a saved state was loaded). NULL: false. */
OUPS_API bool oups_asof_merger_has_state(const oups_asof_merger *m);

/**
 * Fill block of group g, df index d: a table of n_prev[d] + 1 rows (oldest first) with the
 * value columns in layout order.
 * @param[out] out  New table (its columns are shared with the merger, zero-copy); free with
 *                  oups_table_free().
 * @return 0, OUPS_ESTATE before the first merge, OUPS_EINVAL for g or d out of range, OUPS_ENOMEM.
 */
OUPS_API OUPS_NODISCARD int oups_asof_merger_fill_block(oups_table **out, const oups_asof_merger *m, int g, int d);

/**
 * Type of the key column, fixed at the first merge (or by a loaded state).
 * @return 0, or OUPS_ESTATE before the first merge.
 */
OUPS_API OUPS_NODISCARD int oups_asof_merger_key_type(oups_datatype *out, const oups_asof_merger *m);

/**
 * Serialise the merger's state (layout and fill blocks) into a versioned, checksummed blob.
 * @param[out] out  New buffer; free with oups_mem_free().
 * @param[out] len  Its size in bytes.
 * Before the first merge the blob records just that (loading it gives a merger without state).
 * @return 0 or OUPS_ENOMEM.
 * Cost: O(size of the fill blocks).
 */
OUPS_API OUPS_NODISCARD int oups_asof_merger_save(uint8_t **out, size_t *len, const oups_asof_merger *m);

/**
 * Restore a state saved by oups_asof_merger_save() into a merger created with the same options
 * (the fill_values_init tables are not needed: the blob carries the fill blocks). Replaces any
 * state the merger had.
 * @param blob  Borrowed.
 * @return 0, OUPS_ECORRUPT (not an asof-merger blob, unknown version, truncated, bad checksum,
 *         inconsistent contents; never crashes), OUPS_EINVAL (saved with other options, naming
 *         the option), OUPS_ENOMEM. On failure the merger is unchanged.
 */
OUPS_API OUPS_NODISCARD int oups_asof_merger_load(oups_asof_merger *m, const uint8_t *blob, size_t len);

/**
 * The key type recorded in a saved state, read without a merger: for a caller that needs it to
 * build the options of the merger that will load the blob (e.g. a tolerance given as a period
 * is converted into key units).
 * @param[out] key        The key type (untouched when *has_state is false).
 * @param[out] has_state  False if the blob was saved before the first merge.
 * @param blob            Borrowed.
 * @return 0, OUPS_ECORRUPT (as oups_asof_merger_load; only the part up to the key is parsed).
 */
OUPS_API OUPS_NODISCARD int oups_asof_merger_state_key_type(oups_datatype *key, bool *has_state, const uint8_t *blob,
                                                            size_t len);

/** oups_state_ops for oups_loop_bind_object(loop, ..., merger, &oups_asof_merger_state_ops). */
OUPS_API extern const oups_state_ops oups_asof_merger_state_ops;

/* ========================================================================================== */
/** @name As-of merger per group (`by` columns) */

/**
 * The as-of join per group: a row of `main` matches only rows of a table with the same values
 * in the `by` columns (pandas merge_asof(by=...), Polars join_asof(by=...)). Each distinct
 * by-value a table brings is a group with its own fill blocks (its history: the last
 * n_prev + 1 rows, the last key for the tolerance), created from the initial fill when the
 * value first appears and carried across calls and saved states, so consecutive chunks give
 * the one-shot result (backward direction, as oups_asof_merger_merge()).
 */
typedef struct oups_asof_by_merger oups_asof_by_merger;

/**
 * Create a per-group merger.
 * @param opts  As for oups_asof_merger_new(), with one join position (`n_join_positions` 0 or
 *              1, `prefixes` NULL or n_dfs_per_group strings); OUPS_ASOF_FILL_VALUES takes
 *              `n_fill_groups` = 1: every group starts from those tables. `reuse_output` is
 *              ignored. Borrowed.
 * @param by    `n_by` (1..64) distinct column names, not `on`, present in `main` and in every
 *              table with the same types. Borrowed.
 * @return 0, OUPS_EINVAL (as oups_asof_merger_new(), or bad `by`), OUPS_ENOMEM.
 */
OUPS_API OUPS_NODISCARD int oups_asof_by_merger_new(oups_asof_by_merger **out, const oups_asof_merger_options *opts,
                                                    const char *const *by, int n_by);

/** Free a per-group merger (NULL is a no-op). */
OUPS_API void oups_asof_by_merger_free(oups_asof_by_merger *m);

/**
 * As-of join per group of the rows of `main` against `tables` (n_dfs_per_group tables).
 * @param[out] out  Columns: `on` (main's, zero-copy), main's `by` columns (zero-copy), then the
 *                  value columns of each table (its columns other than `on` and `by`), laid
 *                  out as by oups_asof_merger_merge() (grouped by type, windows). One row per
 *                  row of `main`, in order. Caller frees it.
 * @param main      Table with `on` (non-decreasing, no nulls) and the `by` columns (no nulls;
 *                  their types are fixed by the first call); other columns are ignored.
 * @param tables    n_dfs_per_group tables with `on`, the `by` columns (no nulls) and the value
 *                  columns. Each group's rows must be non-decreasing in `on` (a table sorted by
 *                  `on` is). The first call fixes the value columns, as for the merger.
 * @param check_sorted  Check `main` and each group's rows of each table (O(n)).
 * @return 0, or (nothing changed): OUPS_ENOTFOUND (a `by` or `on` column missing), OUPS_ESCHEMA
 *         (a `by` type differs from the first call's, and the merger's schema errors),
 *         OUPS_EINVAL (a null by-value, naming the input, column and row; a null key),
 *         OUPS_EUNORDERED, OUPS_EUNSUPPORTED, OUPS_ENOMEM.
 * Main rows whose by-value no table has brought yet get the initial fill (no match). By-values
 * are compared as bytes (floats by bits: -0.0 and 0.0 differ, as do NaNs of other bits).
 * Cost: O(rows) to hash the by-values and split each table by group (one copy of its value
 * columns), then oups_asof_merger_merge() with one group per by-value seen so far. Memory:
 * the state holds, per group, its key bytes and n_prev + 1 rows per table.
 */
OUPS_API OUPS_NODISCARD int oups_asof_by_merger_merge(oups_table **out, oups_asof_by_merger *m, const oups_table *main,
                                                      oups_table *const *tables, bool check_sorted);

/** True once the first merge has fixed the layout (or a state was loaded). NULL: false. */
OUPS_API bool oups_asof_by_merger_has_state(const oups_asof_by_merger *m);

/** Number of groups (distinct by-values brought by the tables so far). */
OUPS_API int oups_asof_by_merger_num_groups(const oups_asof_by_merger *m);

/**
 * The columns an input must have as the state fixes them, as a 0-row table: for `d` = -1
 * (main) `on` and the `by` columns; for table d, `on`, the `by` columns and its value columns
 * (layout order). For a caller reading typeless input (CSV) with the state's types.
 * @return 0, OUPS_ESTATE before the first merge, OUPS_EINVAL (d out of range), OUPS_ENOMEM.
 */
OUPS_API OUPS_NODISCARD int oups_asof_by_merger_schema(oups_table **out, const oups_asof_by_merger *m, int d);

/**
 * Serialise the state (by types, group keys, and the merger's layout and fill blocks of every
 * group) into a versioned, checksummed blob. Free with oups_mem_free().
 * @return 0, OUPS_EINVAL (m NULL) or OUPS_ENOMEM. Cost: O(groups x fill blocks).
 */
OUPS_API OUPS_NODISCARD int oups_asof_by_merger_save(uint8_t **out, size_t *len, const oups_asof_by_merger *m);

/**
 * Restore a state saved by oups_asof_by_merger_save() into a per-group merger created with the
 * same options and `by` columns; replaces its state.
 * @return 0, OUPS_ECORRUPT (truncated, bad checksum, inconsistent; never crashes), OUPS_EINVAL
 *         (saved with other options or by columns, naming them), OUPS_ENOMEM. On failure the
 *         merger is unchanged.
 */
OUPS_API OUPS_NODISCARD int oups_asof_by_merger_load(oups_asof_by_merger *m, const uint8_t *blob, size_t len);

/** The key type recorded in a saved per-group state, read without a merger (as
 * oups_asof_merger_state_key_type()). @return 0 or OUPS_ECORRUPT. */
OUPS_API OUPS_NODISCARD int oups_asof_by_merger_state_key_type(oups_datatype *key, bool *has_state,
                                                               const uint8_t *blob, size_t len);

/** oups_state_ops for oups_loop_bind_object(loop, ..., by_merger, &oups_asof_by_merger_state_ops). */
OUPS_API extern const oups_state_ops oups_asof_by_merger_state_ops;

/* ========================================================================================== */
/** @name Plain as-of join (one table) */

#define OUPS_ASOF_OPTIONS_VERSION 1

/** Options of oups_asof(); initialise with OUPS_ASOF_OPTIONS_INIT. */
typedef struct oups_asof_options {
    unsigned version;              /**< OUPS_ASOF_OPTIONS_VERSION */
    oups_asof_direction direction; /**< default backward */
    bool allow_exact_matches;      /**< default true (as pandas, Polars and DuckDB) */
    bool has_tolerance;
    int64_t tolerance;             /**< key units, integer-like keys only */
    oups_asof_fill fill;           /**< default OUPS_ASOF_FILL_NULLS (no match gives null) */
    const char *prefix;            /**< prepended to the right table's column names; NULL: none */
} oups_asof_options;

#define OUPS_ASOF_OPTIONS_INIT \
    { OUPS_ASOF_OPTIONS_VERSION, OUPS_ASOF_BACKWARD, true, false, 0, OUPS_ASOF_FILL_NULLS, NULL }

/**
 * As-of join of one table: for each left key, the matching row of `right`.
 * @param[out] out   Table: column `on` (= left_keys, zero-copy), then the value columns of
 *                   `right` in their original order, prefixed. Caller frees it.
 * @param left_keys  Non-decreasing keys (checked), no nulls. Borrowed.
 * @param right      Table with column `on`, non-decreasing (checked). Borrowed.
 * @param opts       NULL for the defaults.
 * @return 0, OUPS_ENOTFOUND (no `on` in right), OUPS_EUNORDERED, OUPS_ESCHEMA (key types differ),
 *         OUPS_EINVAL, OUPS_ENOMEM.
 * Cost: as oups_asof_merger_merge() with one group; no state is kept.
 */
OUPS_API OUPS_NODISCARD int oups_asof(oups_table **out, const oups_column *left_keys, const oups_table *right,
                                      const char *on, const oups_asof_options *opts);

/* ========================================================================================== */
/** @name Segmented aggregator (bins, snapshots, per group) — guide: docs/segagg.md */

/** Aggregation functions. Output types: first/last/min/max keep the input type; sum gives
 *  int64 (signed inputs), uint64 (unsigned) or float64 (floats); count int64; mean float64. */
typedef enum oups_segagg_func {
    OUPS_AGG_FIRST = 0, /**< first non-null value of the bin (any supported type) */
    OUPS_AGG_LAST,      /**< last non-null value (any supported type) */
    OUPS_AGG_MIN,       /**< ints, floats, timestamp, date32 */
    OUPS_AGG_MAX,
    OUPS_AGG_SUM,       /**< ints, floats; 0 for a non-empty bin whose values are all null */
    OUPS_AGG_COUNT,     /**< non-null values (any supported type) */
    OUPS_AGG_MEAN       /**< ints, floats: sum / count, null when count is 0 */
} oups_segagg_func;

/** One output column: `name` = func(`column`). */
typedef struct oups_segagg_agg {
    const char *name;
    const char *column;
    oups_segagg_func func;
} oups_segagg_agg;

/** Bins handed back by a user segmenter (see oups_segagg_bin_fn). */
typedef struct oups_segagg_bins {
    int64_t cap;            /**< capacity of the three arrays (set by the aggregator) */
    int64_t n;              /**< bins written (or needed, with OUPS_EOVERFLOW) */
    int64_t *next_starts;   /**< per bin, its exclusive end row; non-decreasing, last = n_rows */
    int64_t *labels;        /**< per bin, its label (ordered_on units) */
    int64_t *ends;          /**< per bin, its end value (ordered_on units; orders it among snapshots) */
    bool last_end_unknown;  /**< the last bin is placed after every snapshot of the call */
} oups_segagg_bins;

#define OUPS_SEGAGG_USER_STATE 256

/**
 * A user segmenter (the reference's `bin_by` callable), called once per group and
 * call with the group's ordered_on values `on[0..n_rows)` (n_rows >= 1, as int64 in the
 * column's units). `state` is the group's persistent buffer (zeros at the group's start,
 * saved with the aggregator's state); `restarting` is true when the group had rows before.
 * Contract: fill out->next_starts/labels/ends (at most out->cap bins); empty bins are allowed
 * except a trailing one; when restarting, the first bin must continue the previous call's last
 * bin (same label), even if it gets no new row. Return 0; or OUPS_EOVERFLOW with out->n set to
 * the capacity needed (called again with larger arrays, `state` restored first); any other
 * negative code aborts the call (passed back; OUPS_EUSER is the natural choice).
 */
typedef int (*oups_segagg_bin_fn)(oups_segagg_bins *out, const int64_t *on, int64_t n_rows,
                                  uint8_t state[OUPS_SEGAGG_USER_STATE], bool restarting, void *user);

/** Kinds of segmenters. */
typedef enum oups_seg_kind {
    OUPS_SEG_NONE = 0,     /**< snap_by only: no snapshots */
    OUPS_SEG_TIME = 1,     /**< time grid of period `freq` (ordered_on must be a timestamp) */
    OUPS_SEG_ROWS = 2,     /**< bins of `rows` rows (bin_by only; the reference's by_x_rows) */
    OUPS_SEG_POINTS = 3,   /**< explicit end points `points` (strictly increasing), also the labels */
    OUPS_SEG_CALLBACK = 4  /**< `fn` (bin_by only) */
} oups_seg_kind;

/** Grid anchor (pandas `origin`); the grid is origin + offset + k * freq. */
typedef enum oups_seg_origin {
    OUPS_ORIGIN_EPOCH = 0,     /**< 1970-01-01 (default) */
    OUPS_ORIGIN_START_DAY = 1, /**< midnight (UTC) of the first value ever aggregated, persisted */
    OUPS_ORIGIN_START = 2,     /**< the first value ever aggregated, persisted */
    OUPS_ORIGIN_VALUE = 3      /**< `origin_ns` */
} oups_seg_origin;

/** A segmenter: how rows are cut into bins (bin_by) or where snapshots are taken (snap_by). */
typedef struct oups_segmenter {
    oups_seg_kind kind;
    int64_t freq_ns;          /**< TIME: period in nanoseconds (>= 1; a multiple of the column's unit) */
    int64_t rows;             /**< ROWS: rows per bin (>= 1) */
    bool closed_right;        /**< bin_by: (start, end] instead of [start, end); snapshots use the bins' */
    bool label_right;         /**< TIME: label bins/snapshots by their end edge instead of the start */
    oups_seg_origin origin;   /**< TIME */
    int64_t origin_ns;        /**< TIME with OUPS_ORIGIN_VALUE */
    int64_t offset_ns;        /**< TIME: added to the origin (pandas `offset`) */
    const int64_t *points;    /**< POINTS: strictly increasing, ordered_on units (copied) */
    int64_t n_points;
    oups_segagg_bin_fn fn;    /**< CALLBACK */
    void *user;               /**< CALLBACK: passed to fn */
} oups_segmenter;

/** A segmenter of no kind (OUPS_SEG_NONE), every field zero; set `kind` and its fields. */
#define OUPS_SEGMENTER_INIT {OUPS_SEG_NONE, 0, 0, false, false, OUPS_ORIGIN_EPOCH, 0, 0, NULL, 0, NULL, NULL}

#define OUPS_SEGAGG_OPTIONS_VERSION 1

/** Configuration of an aggregator; initialise with OUPS_SEGAGG_OPTIONS_INIT. */
typedef struct oups_segagg_options {
    unsigned version;             /**< OUPS_SEGAGG_OPTIONS_VERSION */
    const char *ordered_on;       /**< order column (non-decreasing, no nulls; signed ints, timestamp,
                                       date32); names the label column of the outputs. Required. */
    oups_segmenter bin_by;        /**< required (TIME, ROWS, POINTS or CALLBACK) */
    oups_segmenter snap_by;       /**< NONE (default), TIME or POINTS */
    const char *const *by;        /**< group key columns (any types), or NULL */
    int n_by;
    const oups_segagg_agg *aggs;  /**< at least one */
    int n_aggs;
} oups_segagg_options;

#define OUPS_SEGAGG_OPTIONS_INIT \
    {OUPS_SEGAGG_OPTIONS_VERSION, NULL, OUPS_SEGMENTER_INIT, OUPS_SEGMENTER_INIT, NULL, 0, NULL, 0}

typedef struct oups_segagg oups_segagg;

/**
 * Create an aggregator. @return 0, OUPS_EINVAL naming the bad option (unknown version, missing
 * ordered_on or bin_by, freq/rows < 1, points not strictly increasing, no aggregation, an
 * output name used twice or equal to ordered_on or a `by` column), OUPS_ENOMEM.
 * Ownership: strings and points are copied.
 */
OUPS_API OUPS_NODISCARD int oups_segagg_new(oups_segagg **out, const oups_segagg_options *opts);

/** Free an aggregator (NULL is a no-op). */
OUPS_API void oups_segagg_free(oups_segagg *a);

/**
 * Aggregate one chunk (the next rows of the stream, ordered on `ordered_on`).
 *
 * Per group (one group when `by` is empty), bins span from the group's first row to its last:
 * a bin with no row inside that span is null in every aggregate (count and mean included);
 * nulls of an input column are skipped. Bins table: the label column (named ordered_on, its
 * type), the `by` columns, then one column per aggregation; rows ordered by (label, group key,
 * bin order). Snapshots table (NULL without snap_by): the same columns; a snapshot observes
 * the rows of the group's bin in progress at its point (rows < point for left-closed bins,
 * <= for right-closed); on equal keys a snapshot comes before the bin that ends there.
 *
 * Restart: the last bin of each group with rows in this call is in progress; the group's first
 * bin of its next call with rows is that bin again, updated. So dropping each group's last bin
 * from an output and appending the next output, then stable-sorting by (label, group key),
 * rebuilds the one-shot result exactly (for snapshots: keep the last row per (label, group)).
 * A group without rows in the chunk outputs nothing and keeps its state.
 *
 * @param[out] bins   New table (0 rows for an empty chunk); caller frees it.
 * @param[out] snaps  New table with snap_by, else NULL; may itself be NULL without snap_by.
 * @param chunk       Borrowed. Must contain ordered_on, the `by` columns and the aggregated
 *                    columns, with the types of the first chunk.
 * @return 0, or (nothing computed, state unchanged): OUPS_ENOTFOUND (missing column),
 *         OUPS_ESCHEMA (a type differs from the first chunk's, or does not support the
 *         function), OUPS_EUNORDERED (chunk not ordered, or starting before the previous
 *         chunk's last value, naming the values), OUPS_EINVAL (null in ordered_on, a value
 *         beyond the last bin end point, too many bins, a user segmenter breaking its contract),
 *         OUPS_EOVERFLOW (an integer sum overflows), the user segmenter's code, OUPS_ENOMEM.
 * Cost: O(rows + bins + snapshots) (plus one gather of the chunk with `by`); state O(groups).
 */
OUPS_API OUPS_NODISCARD int oups_segagg_process(oups_table **bins, oups_table **snaps, oups_segagg *a,
                                                const oups_table *chunk);

/** True once a chunk with rows was aggregated (or a state with rows was loaded). NULL: false. */
OUPS_API bool oups_segagg_has_state(const oups_segagg *a);

/**
 * Serialise the state (column types, grid origin, per group: key, segmenter state, running
 * aggregates of the bin in progress) into a versioned, checksummed blob.
 * @param[out] out  New buffer; free with oups_mem_free(). @return 0 or OUPS_ENOMEM.
 */
OUPS_API OUPS_NODISCARD int oups_segagg_save(uint8_t **out, size_t *len, const oups_segagg *a);

/**
 * Restore a state saved by oups_segagg_save() into an aggregator created with the same options.
 * @return 0, OUPS_ECORRUPT (foreign, truncated, damaged or inconsistent blob; never crashes),
 *         OUPS_EINVAL (saved with other options, naming the first difference), OUPS_ENOMEM.
 *         On failure the aggregator is unchanged.
 */
OUPS_API OUPS_NODISCARD int oups_segagg_load(oups_segagg *a, const uint8_t *blob, size_t len);

/** oups_state_ops for oups_loop_bind_object(loop, ..., agg, &oups_segagg_state_ops). */
OUPS_API extern const oups_state_ops oups_segagg_state_ops;


#ifdef __cplusplus
}
#endif
#endif /* OUPS_OPS_H */
