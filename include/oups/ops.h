/**
 * @file oups/ops.h
 * @brief Stateful operations on ordered tables, one section per operation:
 *        the as-of merger (multi-group as-of join with windows of previous values) and the
 *        plain single-table as-of join built on the same kernel.
 *
 * Handles: oups_asof_merger (opaque; holds the output layout, frozen at the first merge, and
 * the per-group "fill blocks" that carry history from one call to the next).
 * Ownership: tables and columns passed in are borrowed for the call; results returned through
 * `**out` belong to the caller. A failed call changes no state and moves no ownership.
 * Threading: one thread at a time per merger; different mergers are independent.
 * Spec: /work/shared/spec/asof_merger.md (reference: Python oups.AsofMerger); docs/asof.md
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

#ifdef __cplusplus
}
#endif
#endif /* OUPS_OPS_H */
