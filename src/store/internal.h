/*
 * store/internal.h: what the files of src/store share (private to the module): the key
 * encoding of ordered_on values as order-preserving int64, row-group stats arrays, the user
 * key-value map, the dataset handle layout, the write planner (plan.c) and the commit
 * protocol (commit.c). Invariant: stats are in row-group order and file_ids[i] == i on disk
 * once a commit is complete.
 */
#ifndef OUPS_SRC_STORE_INTERNAL_H
#define OUPS_SRC_STORE_INTERNAL_H

#include <stdatomic.h>

#include "oups/parquet.h"
#include "oups/store.h"
#include "table/table.h"
#include "util/util.h"

/* Largest file id (uint16 in the metadata); a variable so tests can lower it. */
extern int64_t oups_store__max_file_id;
#define STORE_MAX_RG_ROWS INT64_C(4294967295)

/* ---- key values (keyval.c) ---------------------------------------------------------- */

/* Key columns are mapped to int64 preserving order: ints/timestamps/date32 as is, float64
 * through its IEEE bits (negatives flipped). */
bool oups_store__key_type_ok(const oups_datatype *t);
/* Keys of rows [0, n) of `col` into `out` (n entries). OUPS_EUNORDERED naming `name` and the
 * row for a null or NaN. */
int oups_store__key_extract(int64_t *out, const oups_column *col, const char *name);
int64_t oups_store__key_from_double(double v);
/* Scalar (of the key's type family) to key; OUPS_ESCHEMA if it does not fit. */
int oups_store__key_from_scalar(int64_t *out, const oups_datatype *t, const oups_scalar *s);
void oups_store__key_to_scalar(oups_scalar *out, const oups_datatype *t, int64_t key);
/* Nanoseconds since the epoch of a timestamp key (for periods). */
int oups_store__key_to_ns(int64_t *out, const oups_datatype *t, int64_t key);
/* Number of elements < v (left) or <= v (right) in sorted a[0..n). */
int64_t oups_store__lower(const int64_t *a, int64_t n, int64_t v);
int64_t oups_store__upper(const int64_t *a, int64_t n, int64_t v);

/* ---- keys (key.c) ---- */
int oups_store__schema_clone(oups_key_schema **out, const oups_key_schema *s);

/* iter_intersections cuts row groups to the window's pages (default true; tests turn it off). */
extern bool oups_store__intersect_cut;
/* iter_intersections closes these datasets (n as opened) when freed (intersect.c). */
int oups_store__intersections_own(oups_intersections *it, oups_opd **opds);

/* ---- stats and kv (meta.c) ----------------------------------------------------------- */

/* Per row group: file id, rows, key min and max, the CRC-32 of the whole row-group file (-1:
 * unknown, row groups written by format 1), and the CRC-32 of its tail (page index and footer;
 * -1: unknown, files written before format 4 or without page checksums). A read checks the
 * tail and the pages it decodes when the tail CRC is known, else the whole file. */
typedef struct store_stats {
    int64_t n, cap;
    int64_t *file_ids, *n_rows, *mins, *maxs, *crcs, *tails;
} store_stats;

int oups_store__stats_push(store_stats *s, int64_t file_id, int64_t n_rows, int64_t min, int64_t max, int64_t crc,
                           int64_t tail);
/* CRC-32 of a whole file. */
int oups_store__file_crc(int64_t *out, const char *path);
/* CRC-32 of the tail of the file `r` reads (oups_parquet_reader_tail_offset to the end);
 * *bytes (may be NULL) gets its length. */
int oups_store__tail_crc(int64_t *out, int64_t *bytes, const oups_parquet_reader *r, const char *path);
/* A row-group file just written: its whole CRC, and its tail CRC (-1 without page checksums). */
int oups_store__file_digest(int64_t *crc, int64_t *tail, const char *path);
int oups_store__stats_copy(store_stats *dst, const store_stats *src);
void oups_store__stats_free(store_stats *s);

typedef struct store_kv {
    int n, cap;
    char **keys, **values;
} store_kv;

const char *oups_store__kv_get(const store_kv *kv, const char *key);
/* Add/replace; value NULL deletes; a new key with value "" is ignored (spec §3.5). */
int oups_store__kv_update(store_kv *kv, const char *key, const char *value);
int oups_store__kv_copy(store_kv *dst, const store_kv *src);
void oups_store__kv_free(store_kv *kv);

/* Pending renames of a commit (commit.c): final position k takes old file `src[k]` (>= 0), or
 * staged new file number e = -src[k] - 2 (named file_<e>.parquet.new); old ids in `drop` are
 * deleted. Phase 1 moves old files that change id aside (file_<j>.parquet -> file_<k>
 * .parquet.mv) and deletes dropped ones; phase 2 renames staged files to file_<k>.parquet. */
typedef struct store_journal {
    int phase;          /* 0: none, 1 or 2 */
    int64_t n_final;
    int64_t *src;       /* n_final entries */
    int64_t n_drop;
    int64_t *drop;
} store_journal;
#define STORE_NEW_SRC(e) (-(e)-2)
void oups_store__journal_free(store_journal *j);
int oups_store__journal_copy(store_journal *dst, const store_journal *src);

/* What the metadata file holds (meta.c). Format 1: no checksum (older files, read only after
 * structural validation); format 2: checksummed, with the schema's CRC; format 3: format 2 plus
 * the dataset's columns, written once a write added columns (older row groups then hold a
 * prefix of them); format 4 (written since the page checksums): the tail CRC of each file too,
 * and the columns when a write added some. */
#define STORE_META_FORMAT_CHECKSUM 2
#define STORE_META_FORMAT_COLUMNS 3
#define STORE_META_FORMAT_TAILS 4 /* tail CRCs in the stats; "columns" optional */
#define STORE_META_FORMAT STORE_META_FORMAT_TAILS /* what this version writes */
typedef struct store_meta {
    int format;
    char *ordered_on;
    oups_datatype key_type;
    bool key_type_known;
    bool has_schema;     /* schema_crc is known (format 2 files written with rows) */
    uint32_t schema_crc; /* oups_store__schema_crc of every row-group file */
    oups_table *columns; /* format 3: the dataset's columns (0 rows), schema_crc's; else NULL */
    store_stats stats;
    store_kv kv;
    store_journal journal;
} store_meta;
void oups_store__meta_free(store_meta *m);
/* CRC-32 of a table's column names and types: what every row-group file must match. */
uint32_t oups_store__schema_crc(const oups_table *t);

/* Metadata file: parquet with columns file_ids (uint16), n_rows (uint32), ordered_on_mins,
 * ordered_on_maxs (key type), key-value "oups" = JSON {"format": 2, "ordered_on": ..,
 * "key_type": .., "schema": crc, "key_value_metadata": {..}, "journal": {"phase": p, "src":
 * [..], "drop": [..]}} and "oups_crc32" (checksum, see meta.c). Borrowed from `m`.
 * m->format 1 writes the previous format (no checksum): for tests only. */
int oups_store__meta_write(const char *md_path, const store_meta *m);
/* Read, verify (checksum) and validate (structure) it: ENOTFOUND if absent, ECORRUPT naming
 * the file and what is wrong. `*m` is owned by the caller (oups_store__meta_free). */
int oups_store__meta_read(store_meta *m, const char *md_path);
/* The same from an image in memory (`file` names it in messages); the fuzz target's entry. */
int oups_store__meta_parse(store_meta *m, const void *data, size_t len, const char *file);

/* ---- dataset handle (dataset.c) ------------------------------------------------------- */

/* Shared by a dataset handle and its views: the lock, and the read statistics. */
typedef struct store_lock {
    _Atomic int refcount;
    int fd;
    char *path;
    _Atomic int64_t row_groups_read, pages_decoded, bytes_read;
} store_lock;

struct oups_opd {
    store_lock *lock;
    char *path;    /* dataset directory, absolute */
    char *md_path; /* <path>_opdmd */
    bool check_whole; /* oups_opd_check: reads check whole files, not only tails and pages */
    char *ordered_on;
    oups_datatype key_type;
    bool key_type_known;
    bool has_schema;
    uint32_t schema_crc;
    /* The dataset's columns (0-row table) once a write added some: row-group files then hold a
     * prefix of them, and reads give nulls for the others. NULL: every file has schema_crc. */
    oups_table *columns;
    store_stats stats;
    store_kv kv;
    /* A committed journal not yet rolled forward: only read-only handles keep one (they never
     * touch files); row groups are then found under their staged names (oups_store__rg_path). */
    store_journal pending;
    /* A write transaction in progress (txn.c, oups_opd_begin): stats then describe the staged
     * state, file ids < 0 naming staged files (STORE_NEW_SRC); NULL otherwise. */
    struct store_txn *txn;
    bool is_new, readonly, broken;
    bool shared; /* opened read-only (OUPS_OPD_READ_ONLY): shared lock, never writes */
};

/* "<dir>/file_%05d.parquet" plus `suffix` ("" or ".new" / ".mv"); buffers of PATH_MAX. */
void oups_store__file_path(char *buf, const char *dir, int64_t id, const char *suffix);
/* Path of the file holding row group `file_id` now: file_<id>.parquet, or its staged name
 * while a journal is pending (read-only handles). */
void oups_store__rg_path(char *buf, const oups_opd *opd, int64_t file_id);
/* A handle with its lock taken, metadata not loaded (oups_opd_open's first half). */
int oups_store__open_locked(oups_opd **out, const char *path, const oups_opd_options *opts);
/* Reload stats/kv/ordered_on from the metadata file (after a failed commit). */
int oups_store__reload(oups_opd *opd);
/* True if the columns of `t` are the first columns of `cols` (names and types; cols may be NULL). */
bool oups_store__is_prefix(const oups_table *t, const oups_table *cols);
/* Read the given row groups (stats indices) of the dataset, in order, as one table. */
int oups_store__read_rgs(oups_table **out, const oups_opd *opd, const int64_t *idx, int64_t n,
                         const char *const *columns, int n_cols);
/* The columns (NULL: all) of row group i, only the pages that can hold keys in [lo, *hi) (hi NULL: no
 * upper bound) by the key column's page index (whole without one), and n_before rows before
 * them, not cut further. */
int oups_store__read_rg_cut(oups_table **out, const oups_opd *opd, int64_t i, const char *const *columns, int n_cols,
                            int64_t lo, const int64_t *hi, int64_t n_before);

/* ---- commit protocol (commit.c) ------------------------------------------------------- */

/* Commit a write whose new row groups are already durable as staged files: `final` gives each
 * final row group's stats, its file_id holding the journal source (old id, or STORE_NEW_SRC(e));
 * `drop` lists old ids to delete; `kv` is the new user map. On success opd->stats/kv are
 * updated (file ids 0..n-1). On failure the dataset on disk is the old or the new state and the
 * handle is reloaded from disk (or marked broken if even that fails). */
int oups_store__commit(oups_opd *opd, const store_stats *final, const int64_t *drop, int64_t n_drop,
                       const store_kv *kv, const uint32_t *schema_crc);
/* Check that the files a pending journal `j` of `opd` acts on exist under the expected names
 * (oups_store__journal_path) with the row counts of the stats: ECORRUPT naming the file
 * otherwise. Touches nothing. */
int oups_store__journal_verify(const oups_opd *opd, const store_journal *j);
/* Current path of row group k under journal j (see oups_store__rg_path). */
void oups_store__journal_path(char *buf, const oups_opd *opd, const store_journal *j, int64_t k);
/* At a writer's open (lock held): finish a committed journal once it verifies, else remove
 * staged files of an uncommitted write. Consumes nothing; `j` may have phase 0. */
int oups_store__recover(oups_opd *opd, const store_journal *j);
/* Remove staged/temporary files (*.parquet.new, *.parquet.mv, *.tmp-*) of the dataset. */
int oups_store__clean_staged(const oups_opd *opd);

/* ---- write transactions (txn.c) ------------------------------------------------------ */

/* Staged file number of the next new row group of a write (0 outside a transaction). */
int64_t oups_store__txn_next_staged(const oups_opd *opd);
/* A write inside a transaction, instead of committing: `final` (journal sources as for
 * oups_store__commit, staged numbers from oups_store__txn_next_staged) becomes the staged
 * state, `n_new` staged files were written, `drop` lists the row groups replaced (committed
 * ids are dropped at commit, staged files are deleted now). */
int oups_store__txn_stage(oups_opd *opd, const store_stats *final, const int64_t *drop, int64_t n_drop,
                          int64_t n_new, const store_kv *kv, const uint32_t *schema_crc);
/* A write of the transaction failed: only a rollback is possible now. */
void oups_store__txn_fail(oups_opd *opd);

/* ---- planning (plan.c) ----------------------------------------------------------------- */

/* Ordered atomic regions (spec §4.4 steps A-D). Arrays of n entries. */
typedef struct store_oars {
    int64_t n;
    int64_t *rg_start, *rg_end, *df_end;
    bool *has_rg, *has_df;
    int64_t n_no_split;
    int64_t *no_split;
} store_oars;
int oups_store__oars(store_oars *out, const int64_t *mins, const int64_t *maxs, int64_t n_rgs, const int64_t *d,
                     int64_t n_d, bool drop);
void oups_store__oars_free(store_oars *o);

/* Merge regions (step F): runs [a, b) over OARs, written to `mrs` (2 entries per MR; caller
 * gives room for 2*n). `exceeds(a, b, ctx)` is the strategy's likely_exceeds_target. */
int64_t oups_store__merge_regions(int64_t *mrs, const bool *has_df, const bool *on_target, int64_t n,
                                  int64_t n_d, int64_t max_off, bool (*exceeds)(int64_t, int64_t, void *),
                                  void *ctx);

/* One merge sequence: load points (rg_end, df_end). */
typedef struct store_seq {
    int64_t rg_start;
    int64_t n;
    int64_t *rg_end, *df_end;
} store_seq;
typedef struct store_plan {
    int64_t n_seq;
    store_seq *seq;
} store_plan;

typedef struct store_plan_input {
    const int64_t *mins, *maxs, *n_rows;
    int64_t n_rgs;
    const int64_t *d; /* new keys, sorted */
    int64_t n_d;
    bool drop;
    int64_t target_rows;        /* n-rows strategy when period == NULL */
    const oups_period *period;  /* keys are then ns timestamps */
    int64_t max_off;            /* 0: unset */
} store_plan_input;
int oups_store__plan(store_plan *out, const store_plan_input *in);
void oups_store__plan_free(store_plan *p);

/* Execute a given plan on the dataset (streaming merge, placement, commit): what
 * oups_opd_write does after planning; exposed so tests can feed the spec's sequences. */
int oups_store__write_plan(oups_opd *opd, const oups_table *df, const store_plan *plan,
                           const oups_store_write_options *opts);

/* Strategy pieces exposed for unit tests. */
void oups_store__nrows_on_target(bool *on_target, int64_t *min_rows, const store_oars *o, const int64_t *rg_rows,
                                 int64_t target, bool drop);
/* Local indices (into MR [a,b)) of the n-rows grouping; returns count. */
int64_t oups_store__nrows_group(int64_t *sel, const int64_t *min_rows, int64_t a, int64_t b, int64_t target);
int oups_store__period_pidx(int64_t *pstart, int64_t *pend, const store_oars *o, const int64_t *mins,
                            const int64_t *maxs, const int64_t *d, const oups_period *p);
int oups_store__period_on_target(bool *on_target, const store_oars *o, const int64_t *pstart,
                                 const int64_t *pend);
/* Split offsets of a chunk of keys: every `target` rows, or at each period change.
 * `*out` (oups_free) gets n_out offsets starting with 0. */
int oups_store__split_offsets(int64_t **out, int64_t *n_out, const int64_t *keys, int64_t n, int64_t target,
                              const oups_period *p);

#endif /* OUPS_SRC_STORE_INTERNAL_H */
