/*
 * ops/segagg.h: shared by the segmented aggregator's files only (segagg_*.c): the aggregator
 * struct, the per-group state that a call updates and the blob persists, the segmenters'
 * output (markers) and the kernel entry points. Every group is processed as an independent
 * stream of its own rows; a call works on copies of the group states and commits them only
 * when the whole chunk succeeded.
 */
#ifndef OUPS_SRC_OPS_SEGAGG_H
#define OUPS_SRC_OPS_SEGAGG_H

#include "oups/ops.h"
#include "table/table.h"

/* A running value in its widened domain: signed ints, timestamp, date32 and bool as int64,
 * unsigned ints as uint64, floats as double. */
typedef union sa_val {
    int64_t i;
    uint64_t u;
    double f;
} sa_val;

typedef enum sa_dom { SA_I64 = 0, SA_U64 = 1, SA_F64 = 2 } sa_dom;

/* What an input column must accumulate (union over the aggregations reading it). */
enum { SA_NEED_MIN = 1, SA_NEED_MAX = 2, SA_NEED_SUM = 4 };

/* Running aggregate of one input column over the rows of the bin in progress; `count` counts
 * the non-null values (first/last/min/max are meaningful only when count > 0). Float sums use
 * four lanes: the k-th non-null value of the bin goes to lane k mod 4 (lane 0 is sum.f, lanes
 * 1..3 are `lane`), and the sum is (l0 + l1) + (l2 + l3). The lane of a value depends only on
 * its rank in the bin, so the bits do not depend on chunking, and four independent additions
 * per step run at the adder's throughput instead of its latency. */
typedef struct sa_acc {
    sa_val first, last, min, max, sum;
    int64_t count;
    double lane[3];
} sa_acc;

static inline double oups_ops__sa_fsum(const sa_acc *a) { return (a->sum.f + a->lane[0]) + (a->lane[1] + a->lane[2]); }

/* Per-group state between calls (all fields persisted). */
typedef struct sa_group {
    int64_t bin_rows;   /* rows in the bin in progress (>= 1 once the group had rows) */
    int64_t last_label; /* label of that bin */
    int64_t bin_key;    /* TIME: its start edge; POINTS: index of its end point */
    int64_t last_end;   /* ROWS: its end value (the spec's last_bin_end) */
    int64_t snap_key;   /* TIME snapshots: start edge of the last interval; POINTS: next point index */
    uint8_t user[OUPS_SEGAGG_USER_STATE];
} sa_group;

/* Bins or snapshots of one group for one call: exclusive end row, label, ordering key. */
typedef struct sa_marks {
    int64_t n, cap;
    int64_t *row, *label, *key;
    bool last_unknown; /* bins: the last one goes after every snapshot */
} sa_marks;

/* Output rows under construction (bins or snapshots of every group), one value per aggregation. */
typedef struct sa_rows {
    int64_t n, cap;
    int n_aggs;
    int64_t *label;
    int32_t *group;
    sa_val *val;    /* n * n_aggs */
    uint8_t *valid; /* n * n_aggs */
} sa_rows;

struct oups_segagg {
    /* configuration */
    char *ordered_on;
    oups_segmenter bin, snap; /* points copied (owned) */
    int n_by;
    char **by;
    int n_aggs;
    char **agg_names;
    int *agg_col; /* index into cols */
    oups_segagg_func *agg_func;
    int n_cols; /* distinct aggregated input columns */
    char **cols;
    unsigned *col_need;
    /* fixed by the first chunk with rows (or a loaded state) */
    bool has_layout;
    oups_datatype on_type;
    oups_datatype *col_types; /* n_cols */
    oups_datatype *by_types;  /* n_by */
    int64_t unit_ns;          /* nanoseconds per unit of ordered_on (TIME segmenters) */
    bool has_origin;
    int64_t origin; /* absolute grid anchor + offset, ordered_on units */
    int64_t last_value;
    /* groups */
    int n_groups;
    sa_group *groups;
    sa_acc *accs;       /* n_groups * n_cols */
    oups_table *keys;   /* n_groups rows of the `by` columns (NULL without by) */
    int64_t *hash_slot; /* open addressing: group id + 1, 0 empty */
    int64_t hash_cap;
};

/* ---- segmenters (segagg_seg.c) ---------------------------------------------------------- */

int oups_ops__sa_marks_reserve(sa_marks *m, int64_t n);
void oups_ops__sa_marks_free(sa_marks *m);

/* Bins of one group's rows v[0..n) (n >= 1), updating *g (bin_key, last_label, last_end, user).
 * `restarting`: the group had rows before (its bin in progress is g->bin_rows rows). */
int oups_ops__sa_bins(sa_marks *out, const oups_segagg *a, const int64_t *v, int64_t n, sa_group *g, bool restarting);
/* Snapshots of one group's rows (g->snap_key updated). */
int oups_ops__sa_snaps(sa_marks *out, const oups_segagg *a, const int64_t *v, int64_t n, sa_group *g, bool restarting);
/* Period of a TIME segmenter in ordered_on units (OUPS_EINVAL if not a whole number of units). */
int oups_ops__sa_freq(int64_t *out, const oups_segagg *a, const oups_segmenter *s, const char *what);

/* ---- kernel (segagg_kernel.c) ----------------------------------------------------------- */

sa_dom oups_ops__sa_dom(oups_type_id id);
/* Reset an accumulator for a new bin. */
void oups_ops__sa_acc_reset(sa_acc *acc, int n_cols);
/*
 * Walk the merged bins and snapshots of one group's slice [0, n) of `views` (rows
 * base .. base + n of each column), folding rows into `acc` (n_cols accumulators, the bin in
 * progress, continued from the previous call when g->bin_rows > 0) and appending one output
 * row per bin to `bins_out` and per snapshot to `snaps_out` (group id `gid`).
 */
int oups_ops__sa_walk(const oups_segagg *a, const oups_column_view *views, int64_t base, int64_t n, sa_group *g,
                      sa_acc *acc, const sa_marks *bins, const sa_marks *snaps, int32_t gid, sa_rows *bins_out,
                      sa_rows *snaps_out);
int oups_ops__sa_rows_reserve(sa_rows *r, int64_t extra);
void oups_ops__sa_rows_free(sa_rows *r);
/* Output type of aggregation k. */
oups_datatype oups_ops__sa_out_type(const oups_segagg *a, int k);
/* Column of the value rows `order[0..n)` of aggregation k. */
int oups_ops__sa_out_column(oups_column **out, const oups_segagg *a, int k, const sa_rows *r, const int64_t *order,
                            int64_t n);

/* ---- groups and state (segagg.c / segagg_state.c) --------------------------------------- */

/* Rebuild the key hash from a->keys (OUPS_ECORRUPT on a duplicate key). */
int oups_ops__sa_rehash(oups_segagg *a);
/* Free the layout and groups (back to "no state"). */
void oups_ops__sa_state_clear(oups_segagg *a);

#endif /* OUPS_SRC_OPS_SEGAGG_H */
