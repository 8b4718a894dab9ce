/*
 * ops/internal.h: shared inside the ops module only (asof_*.c): the merger's struct, the
 * as-of kernel (key normalisation, as-of indices, typed gathers) and the state codec entry
 * points. The "virtual history" H = F ++ D of spec §6 is addressed by an H index t: t < np1
 * reads the fill block F, t >= np1 reads table row t - np1. A window base b (< 0: miss) covers
 * H[b .. b + np]; slot s of the window is H[b + s].
 */
#ifndef OUPS_SRC_OPS_INTERNAL_H
#define OUPS_SRC_OPS_INTERNAL_H

#include "oups/ops.h"
#include "table/table.h"

/* ---- keys (asof_kernel.c) ------------------------------------------------------------- */

/* Keys mapped to int64 so that integer order equals key order: int64/timestamp as is (no
 * copy), other ints widened, uint64 with the sign bit flipped, floats by an order-preserving
 * bit map (-0.0 folded into 0.0). `owned` is the temporary array, if one was needed. */
typedef struct asof_keys {
    const int64_t *v;
    int64_t n;
    int64_t *owned;
    const oups_column *col; /* the keys' column, borrowed: messages show its values as stored */
} asof_keys;

/* 0, OUPS_EUNSUPPORTED (key type not orderable here), OUPS_EINVAL (null key). `what` names
 * the column in messages ("main", "group 2, table 1"). */
int oups_ops__asof_keys(asof_keys *out, const oups_column *col, const char *what);
void oups_ops__asof_keys_free(asof_keys *k);
/* OUPS_EUNORDERED naming `what`, the row and both values if some key decreases. */
int oups_ops__asof_check_sorted(const asof_keys *k, const char *what);
/* True for key types whose mapped value is not the numeric value (floats). */
bool oups_ops__asof_key_is_float(oups_type_id id);
/* The numeric value of a mapped float key. */
double oups_ops__asof_key_to_double(int64_t mapped);

/* Counts of table keys K < m (le false) or K <= m (le true) for each m of the sorted block
 * M[0..nb), starting from the count `p` known for an earlier target (keys taken four at a time).
 * Writes cnt[0..nb) and returns the count for M[nb-1] (the next block's start). */
int64_t oups_ops__asof_merge_counts(int64_t *cnt, const int64_t *M, int64_t nb, const int64_t *K, int64_t nk,
                                    int64_t p, bool le);
/* The same without SIMD (what CPUs without AVX2 run; tests compare both). */
int64_t oups_ops__asof_merge_counts_portable(int64_t *cnt, const int64_t *M, int64_t nb, const int64_t *K, int64_t nk,
                                             int64_t p, bool le);
/* The same count for one target, galloping forward from `p` (inline: called per row and
 * group when combinations are given; usually the first comparison settles it). */
static inline int64_t oups_ops__asof_advance(const int64_t *K, int64_t nk, int64_t p, int64_t m, bool le) {
#define OK_(x) (le ? (x) <= m : (x) < m)
    if (p >= nk || !OK_(K[p])) return p;
    int64_t lo = p, step = 1; /* invariant: K[lo] qualifies */
    while (lo + step < nk && OK_(K[lo + step])) {
        lo += step;
        step <<= 1;
    }
    int64_t hi = lo + step < nk ? lo + step : nk; /* K[hi] does not qualify, or hi == nk */
    while (hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2;
        if (OK_(K[mid])) lo = mid;
        else hi = mid;
    }
    return hi;
#undef OK_
}

/* The same count, branch-light for the common case of a short advance: the next four keys are
 * loaded and compared independently and summed (one well-predicted branch); when all four
 * qualify, it gallops from there. */
static inline int64_t oups_ops__asof_step(const int64_t *K, int64_t nk, int64_t j, int64_t m, bool le) {
    if (OUPS_UNLIKELY(j + 4 > nk)) return oups_ops__asof_advance(K, nk, j, m, le);
    int64_t c = le ? (int64_t)(K[j] <= m) + (int64_t)(K[j + 1] <= m) + (int64_t)(K[j + 2] <= m) +
                         (int64_t)(K[j + 3] <= m)
                   : (int64_t)(K[j] < m) + (int64_t)(K[j + 1] < m) + (int64_t)(K[j + 2] < m) + (int64_t)(K[j + 3] < m);
    if (OUPS_LIKELY(c < 4)) return j + c;
    return oups_ops__asof_advance(K, nk, j + 4, m, le);
}

/* ---- typed gathers (asof_kernel.c) ------------------------------------------------------ */

/* Sources of one value column for one group: the fill block F (np1 rows), the table's column
 * D, and the miss block (np1 rows: what a miss gives, slot by slot). */
typedef struct asof_src {
    const uint8_t *dp, *fp, *mp; /* fixed width: value bytes of row 0 of d, f, miss */
    oups_column_view f, d, miss;
} asof_src;

void oups_ops__asof_src_init(asof_src *S, const oups_column *f, const oups_column *d, const oups_column *miss);

/* An output column under construction (n rows, filled block by block). */
typedef struct asof_out {
    oups_datatype type;
    int64_t n;
    int width;              /* bytes per value; 0 for bool and string/binary */
    oups_buffer *data;      /* values / bits / bytes */
    oups_buffer *offsets;   /* string/binary */
    oups_buffer *validity;  /* NULL if no source can be null */
    int64_t bytes;          /* string/binary: bytes used in `data` */
} asof_out;

/* Allocate the buffers for n rows; `may_null` allocates validity. `pool` (NULL: none) points
 * to two slots (data, validity) of buffers kept from an earlier call: one is reused (and its
 * slot emptied) when nobody else references it any more. */
int oups_ops__asof_out_init(asof_out *o, const oups_datatype *type, int64_t n, bool may_null, oups_buffer **pool);
/* Turn into a column (validity dropped when nothing is null); the buffers move into it. */
int oups_ops__asof_out_finish(oups_column **out, asof_out *o);
void oups_ops__asof_out_free(asof_out *o);

/* Rows [row0, row0 + nb) of the `ns` outputs outs[0..ns) (window slots 0..ns-1): slot s of
 * row k takes H index base[k] + s of group grp[k] (grp NULL: group 0), or miss row s when
 * base[k] < 0. Rows must be filled in increasing order, and row0 must be a multiple of 8
 * (bit-packed outputs are written byte by byte). */
int oups_ops__asof_gather(asof_out *outs, int ns, int64_t row0, int64_t nb, const asof_src *srcs, const int32_t *grp,
                          const int64_t *base, int64_t np1);

/* A column of n zeros (0, false, epoch, "", decimal 0) or n nulls of `type`. */
int oups_ops__asof_const_column(oups_column **out, const oups_datatype *type, int64_t n, bool nulls);

/* ---- the merger (asof_merger.c) --------------------------------------------------------- */

/* State of one (group, df index): fill block and miss block columns (layout order), the number
 * of table rows delivered so far (saturating) and the mapped key of the last one. */
typedef struct asof_fill {
    oups_column **f;
    oups_column **miss;
    int64_t n_seen;
    int64_t last_key;
} asof_fill;

/* Value columns of df index d, in output (dtype-grouped) order. */
typedef struct asof_table_layout {
    int n_cols;
    char **names;
    oups_datatype *types;
} asof_table_layout;

/* The state that the first merge (or a load) creates: layout and fill blocks. */
typedef struct asof_state {
    int J;
    char **prefixes;           /* J * n_dfs */
    oups_datatype key_type;
    asof_table_layout *layout; /* n_dfs */
    int n_out;                 /* output columns, `on` included */
    char **out_names;
    int n_groups;
    asof_fill *fills;          /* n_groups * n_dfs */
} asof_state;

struct oups_asof_merger {
    /* configuration (copied from the options) */
    char *on;
    int n_dfs;
    int J;                 /* from the options; 0 if not given */
    char **prefixes;       /* J * n_dfs, or NULL (all "") */
    bool *allow;
    int *n_prev;
    int suffix_start;
    oups_asof_direction direction;
    bool has_tol;
    int64_t tol;
    oups_asof_fill fill;
    oups_table **fill_init; /* n_fill_groups * n_dfs retained tables (VALUES only) */
    int n_fill_groups;
    bool reuse_output;
    oups_buffer **pool;     /* reuse_output: 2 * (n_out - 1) buffers of the last result */
    int n_pool;
    bool has_state;
    asof_state st;
};

void oups_ops__asof_state_free(asof_state *s, int n_dfs);
/* Move `s` into the merger, freeing the merger's previous state. */
void oups_ops__asof_state_install(oups_asof_merger *m, asof_state *s);
/* Free the columns of one fill entry (not the entry itself). */
void oups_ops__asof_fill_clear(asof_fill *f, int n_cols);
/* Set the state's group count (asof_by.c): new groups from group 0's initial fill. */
int oups_ops__asof_set_groups(oups_asof_merger *m, int n_groups);
/* Output names from the layout (checks duplicates: OUPS_EINVAL naming the name). */
int oups_ops__asof_out_names(asof_state *s, const oups_asof_merger *m);

#endif /* OUPS_SRC_OPS_INTERNAL_H */
