/*
 * ops/segagg_kernel.c: the segmented aggregation kernel (spec §3.2): folds runs of rows into
 * the running aggregates of the bin in progress, walks one group's bins and snapshots in
 * marker order emitting an output row per marker, and turns output rows into typed columns.
 *
 * Bit-identity across chunk splits: every aggregate is folded in row order from the bin's
 * first row; a float sum goes to four lanes by the rank of the value in the bin (segagg.h), so
 * cutting a bin anywhere, by a chunk boundary or a snapshot, gives the same bits. A run of rows
 * without nulls takes one fused loop per input column computing only what its aggregations
 * need (min, max and the sum lanes are independent dependency chains, so they overlap).
 */
#include "ops/segagg.h"

sa_dom oups_ops__sa_dom(oups_type_id id) {
    if (oups_type_is_float(id)) return SA_F64;
    if (oups_type_is_unsigned(id)) return SA_U64;
    return SA_I64;
}

void oups_ops__sa_acc_reset(sa_acc *acc, int n_cols) { memset(acc, 0, sizeof *acc * (size_t)n_cols); }

/* ---- folds --------------------------------------------------------------------------------- */

#define SUM_STEP_i(s, y, ovf) ovf |= __builtin_add_overflow(s, (int64_t)(y), &s)
#define SUM_STEP_u(s, y, ovf) ovf |= __builtin_add_overflow(s, (uint64_t)(y), &s)

/* fold_<name>(acc, values, validity, offset, a, b, need): rows [a, b) of a column whose row 0
 * is element `off`. Returns 1 if an integer sum overflowed. */
#define FOLD_FN(NAME, T, DT, D)                                                                              \
    static int NAME(sa_acc *acc, const void *data, const uint8_t *valid, int64_t off, int64_t a, int64_t b,   \
                    unsigned need) {                                                                         \
        const T *x = (const T *)data + off;                                                                  \
        int ovf = 0;                                                                                         \
        DT mn = acc->min.D, mx = acc->max.D, s = acc->sum.D;                                                 \
        if (!valid) {                                                                                        \
            if (acc->count == 0) mn = mx = acc->first.D = (DT)x[a];                                          \
            acc->last.D = (DT)x[b - 1];                                                                      \
            acc->count += b - a;                                                                             \
            if ((need & SA_NEED_SUM) && (need & (SA_NEED_MIN | SA_NEED_MAX))) {                              \
                for (int64_t i = a; i < b; i++) {                                                            \
                    DT y = (DT)x[i];                                                                         \
                    mn = y < mn ? y : mn;                                                                    \
                    mx = y > mx ? y : mx;                                                                    \
                    SUM_STEP_##D(s, y, ovf);                                                                 \
                }                                                                                            \
            } else if (need & (SA_NEED_MIN | SA_NEED_MAX)) {                                                 \
                for (int64_t i = a; i < b; i++) {                                                            \
                    DT y = (DT)x[i];                                                                         \
                    mn = y < mn ? y : mn;                                                                    \
                    mx = y > mx ? y : mx;                                                                    \
                }                                                                                            \
            } else if (need & SA_NEED_SUM) {                                                                 \
                for (int64_t i = a; i < b; i++) SUM_STEP_##D(s, x[i], ovf);                                  \
            }                                                                                                \
        } else {                                                                                             \
            for (int64_t i = a; i < b; i++) {                                                                \
                if (!oups_bit_get(valid, off + i)) continue;                                                 \
                DT y = (DT)x[i];                                                                             \
                if (acc->count++ == 0) mn = mx = acc->first.D = y;                                           \
                acc->last.D = y;                                                                             \
                mn = y < mn ? y : mn;                                                                        \
                mx = y > mx ? y : mx;                                                                        \
                SUM_STEP_##D(s, y, ovf);                                                                     \
            }                                                                                                \
        }                                                                                                    \
        acc->min.D = mn;                                                                                     \
        acc->max.D = mx;                                                                                     \
        acc->sum.D = s;                                                                                      \
        return ovf;                                                                                          \
    }

FOLD_FN(fold_i8, int8_t, int64_t, i)
FOLD_FN(fold_i16, int16_t, int64_t, i)
FOLD_FN(fold_i32, int32_t, int64_t, i)
FOLD_FN(fold_i64, int64_t, int64_t, i)
FOLD_FN(fold_u8, uint8_t, uint64_t, u)
FOLD_FN(fold_u16, uint16_t, uint64_t, u)
FOLD_FN(fold_u32, uint32_t, uint64_t, u)
FOLD_FN(fold_u64, uint64_t, uint64_t, u)

/* Floats: min/max as above, the sum in four lanes by rank in the bin (see sa_acc). */
#define FOLD_FLOAT(NAME, T)                                                                                  \
    static int NAME(sa_acc *acc, const void *data, const uint8_t *valid, int64_t off, int64_t a, int64_t b,   \
                    unsigned need) {                                                                         \
        const T *x = (const T *)data + off;                                                                  \
        double mn = acc->min.f, mx = acc->max.f, l[4] = {acc->sum.f, acc->lane[0], acc->lane[1], acc->lane[2]}; \
        bool mm = need & (SA_NEED_MIN | SA_NEED_MAX), sum = need & SA_NEED_SUM;                              \
        if (!valid) {                                                                                        \
            int64_t c = acc->count, i = a;                                                                   \
            if (c == 0) mn = mx = acc->first.f = (double)x[a];                                               \
            acc->last.f = (double)x[b - 1];                                                                  \
            acc->count += b - a;                                                                             \
            for (; i < b && ((c + i - a) & 3); i++) { /* to a rank multiple of 4 */                          \
                double y = (double)x[i];                                                                     \
                mn = y < mn ? y : mn;                                                                        \
                mx = y > mx ? y : mx;                                                                        \
                l[(c + i - a) & 3] += y;                                                                     \
            }                                                                                                \
            if (mm && sum) {                                                                                 \
                for (; i + 4 <= b; i += 4) {                                                                 \
                    double y0 = (double)x[i], y1 = (double)x[i + 1], y2 = (double)x[i + 2], y3 = (double)x[i + 3]; \
                    mn = y0 < mn ? y0 : mn;                                                                  \
                    mx = y0 > mx ? y0 : mx;                                                                  \
                    mn = y1 < mn ? y1 : mn;                                                                  \
                    mx = y1 > mx ? y1 : mx;                                                                  \
                    mn = y2 < mn ? y2 : mn;                                                                  \
                    mx = y2 > mx ? y2 : mx;                                                                  \
                    mn = y3 < mn ? y3 : mn;                                                                  \
                    mx = y3 > mx ? y3 : mx;                                                                  \
                    l[0] += y0, l[1] += y1, l[2] += y2, l[3] += y3;                                          \
                }                                                                                            \
            } else if (sum) {                                                                                \
                for (; i + 4 <= b; i += 4)                                                                   \
                    l[0] += (double)x[i], l[1] += (double)x[i + 1], l[2] += (double)x[i + 2], l[3] += (double)x[i + 3]; \
            } else if (mm) {                                                                                 \
                for (; i < b; i++) {                                                                         \
                    double y = (double)x[i];                                                                 \
                    mn = y < mn ? y : mn;                                                                    \
                    mx = y > mx ? y : mx;                                                                    \
                }                                                                                            \
            } else {                                                                                         \
                i = b; /* first/last/count only */                                                           \
            }                                                                                                \
            for (; i < b; i++) {                                                                             \
                double y = (double)x[i];                                                                     \
                mn = y < mn ? y : mn;                                                                        \
                mx = y > mx ? y : mx;                                                                        \
                l[(c + i - a) & 3] += y;                                                                     \
            }                                                                                                \
        } else {                                                                                             \
            for (int64_t i = a; i < b; i++) {                                                                \
                if (!oups_bit_get(valid, off + i)) continue;                                                 \
                double y = (double)x[i];                                                                     \
                if (acc->count == 0) mn = mx = acc->first.f = y;                                             \
                acc->last.f = y;                                                                             \
                mn = y < mn ? y : mn;                                                                        \
                mx = y > mx ? y : mx;                                                                        \
                l[acc->count++ & 3] += y;                                                                    \
            }                                                                                                \
        }                                                                                                    \
        acc->min.f = mn;                                                                                     \
        acc->max.f = mx;                                                                                     \
        acc->sum.f = l[0];                                                                                   \
        acc->lane[0] = l[1], acc->lane[1] = l[2], acc->lane[2] = l[3];                                       \
        return 0;                                                                                            \
    }

FOLD_FLOAT(fold_f32, float)
FOLD_FLOAT(fold_f64, double)

/* Bool columns support first, last and count only. */
static int fold_bool(sa_acc *acc, const void *data, const uint8_t *valid, int64_t off, int64_t a, int64_t b,
                     unsigned need) {
    (void)need;
    for (int64_t i = a; i < b; i++) {
        if (valid && !oups_bit_get(valid, off + i)) continue;
        int64_t y = oups_bit_get(data, off + i);
        if (acc->count++ == 0) acc->first.i = y;
        acc->last.i = y;
    }
    return 0;
}

typedef int (*fold_fn)(sa_acc *, const void *, const uint8_t *, int64_t, int64_t, int64_t, unsigned);

static fold_fn fold_for(oups_type_id id) {
    switch (id) {
    case OUPS_TYPE_BOOL: return fold_bool;
    case OUPS_TYPE_INT8: return fold_i8;
    case OUPS_TYPE_INT16: return fold_i16;
    case OUPS_TYPE_INT32: case OUPS_TYPE_DATE32: return fold_i32;
    case OUPS_TYPE_INT64: case OUPS_TYPE_TIMESTAMP: return fold_i64;
    case OUPS_TYPE_UINT8: return fold_u8;
    case OUPS_TYPE_UINT16: return fold_u16;
    case OUPS_TYPE_UINT32: return fold_u32;
    case OUPS_TYPE_UINT64: return fold_u64;
    case OUPS_TYPE_FLOAT32: return fold_f32;
    case OUPS_TYPE_FLOAT64: return fold_f64;
    default: return NULL;
    }
}

/* ---- output rows --------------------------------------------------------------------------- */

int oups_ops__sa_rows_reserve(sa_rows *r, int64_t extra) {
    if (r->n + extra <= r->cap) return 0;
    int64_t cap = r->cap ? r->cap : 64;
    while (cap < r->n + extra) cap *= 2;
    size_t na = (size_t)(r->n_aggs ? r->n_aggs : 1);
    int64_t *l = oups_realloc(r->label, (size_t)cap * 8);
    if (l) r->label = l;
    int32_t *g = l ? oups_realloc(r->group, (size_t)cap * 4) : NULL;
    if (g) r->group = g;
    sa_val *v = g ? oups_realloc(r->val, (size_t)cap * na * sizeof *v) : NULL;
    if (v) r->val = v;
    uint8_t *ok = v ? oups_realloc(r->valid, (size_t)cap * na) : NULL;
    if (!ok) return OUPS_ENOMEM;
    r->valid = ok;
    r->cap = cap;
    return 0;
}

void oups_ops__sa_rows_free(sa_rows *r) {
    oups_free(r->label);
    oups_free(r->group);
    oups_free(r->val);
    oups_free(r->valid);
    memset(r, 0, sizeof *r);
}

/* One output row: every aggregation's value from the accumulators, or nulls (empty bin). */
static void emit(sa_rows *r, const oups_segagg *a, const sa_acc *acc, bool empty, int64_t label, int32_t gid) {
    int64_t i = r->n++;
    r->label[i] = label;
    r->group[i] = gid;
    sa_val *val = r->val + i * a->n_aggs;
    uint8_t *ok = r->valid + i * a->n_aggs;
    for (int k = 0; k < a->n_aggs; k++) {
        const sa_acc *c = &acc[a->agg_col[k]];
        sa_dom dom = oups_ops__sa_dom(a->col_types[a->agg_col[k]].id);
        ok[k] = !empty && c->count > 0;
        val[k].u = 0;
        switch (a->agg_func[k]) {
        case OUPS_AGG_FIRST: val[k] = c->first; break;
        case OUPS_AGG_LAST: val[k] = c->last; break;
        case OUPS_AGG_MIN: val[k] = c->min; break;
        case OUPS_AGG_MAX: val[k] = c->max; break;
        case OUPS_AGG_SUM: /* pandas: the sum of a non-empty bin of nulls is 0 */
            ok[k] = !empty;
            val[k] = c->sum;
            if (dom == SA_F64) val[k].f = oups_ops__sa_fsum(c);
            break;
        case OUPS_AGG_COUNT:
            ok[k] = !empty;
            val[k].i = c->count;
            break;
        case OUPS_AGG_MEAN:
            if (ok[k]) {
                double s = dom == SA_F64 ? oups_ops__sa_fsum(c) : dom == SA_U64 ? (double)c->sum.u : (double)c->sum.i;
                val[k].f = s / (double)c->count;
            }
            break;
        }
    }
}

static int fold_rows(const oups_segagg *a, const oups_column_view *views, sa_acc *acc, int64_t base, int64_t r0,
                     int64_t r1, int64_t label) {
    for (int c = 0; c < a->n_cols; c++) {
        const oups_column_view *v = &views[c];
        fold_fn f = fold_for(v->type.id);
        if (f(&acc[c], v->data, v->null_count ? v->validity : NULL, v->offset, base + r0, base + r1, a->col_need[c])) {
            char buf[64];
            int32_t l32 = (int32_t)label;
            oups_column_view lv = {.type = a->on_type, .length = 1};
            lv.data = oups_datatype_width(a->on_type.id) == 4 ? (const void *)&l32 : (const void *)&label;
            return oups_error_set(OUPS_EOVERFLOW, "segagg: the sum of column '%s' overflows %s in the bin labelled %s",
                                  a->cols[c], oups_type_is_unsigned(v->type.id) ? "uint64" : "int64",
                                  oups_column__format(buf, sizeof buf, &lv, 0));
        }
    }
    return 0;
}

int oups_ops__sa_walk(const oups_segagg *a, const oups_column_view *views, int64_t base, int64_t n, sa_group *g,
                      sa_acc *acc, const sa_marks *bins, const sa_marks *snaps, int32_t gid, sa_rows *bins_out,
                      sa_rows *snaps_out) {
    (void)n;
    OUPS_TRY(oups_ops__sa_rows_reserve(bins_out, bins->n));
    if (snaps && snaps->n) OUPS_TRY(oups_ops__sa_rows_reserve(snaps_out, snaps->n));
    int64_t ns = snaps ? snaps->n : 0, i = 0, j = 0, prev = 0, bin_rows = g->bin_rows;
    bool after_last = false; /* snapshots past the last bin's end see the next bin, empty so far */
    while (i < bins->n || j < ns) {
        bool snap = j < ns && (i >= bins->n || (bins->last_unknown && i == bins->n - 1) || snaps->key[j] <= bins->key[i]);
        const sa_marks *m = snap ? snaps : bins;
        int64_t k = snap ? j++ : i++, r = m->row[k];
        if (r > prev && !after_last) {
            int64_t bi = snap ? i : i - 1; /* the bin these rows belong to, for messages */
            OUPS_TRY(fold_rows(a, views, acc, base, prev, r, bins->label[bi < bins->n ? bi : bins->n - 1]));
            bin_rows += r - prev;
            prev = r;
        }
        emit(snap ? snaps_out : bins_out, a, acc, after_last || bin_rows == 0, m->label[k], gid);
        if (!snap) {
            if (i == bins->n) after_last = true; /* the bin in progress: its aggregates stay in acc */
            else {
                oups_ops__sa_acc_reset(acc, a->n_cols);
                bin_rows = 0;
            }
        }
    }
    g->bin_rows = bin_rows;
    return 0;
}

/* ---- output columns ------------------------------------------------------------------------ */

oups_datatype oups_ops__sa_out_type(const oups_segagg *a, int k) {
    oups_datatype t = a->col_types[a->agg_col[k]];
    switch (a->agg_func[k]) {
    case OUPS_AGG_SUM: {
        sa_dom d = oups_ops__sa_dom(t.id);
        return oups_type(d == SA_F64 ? OUPS_TYPE_FLOAT64 : d == SA_U64 ? OUPS_TYPE_UINT64 : OUPS_TYPE_INT64);
    }
    case OUPS_AGG_COUNT: return oups_type(OUPS_TYPE_INT64);
    case OUPS_AGG_MEAN: return oups_type(OUPS_TYPE_FLOAT64);
    default: return t;
    }
}

static void put_value(uint8_t *d, oups_type_id id, int64_t i, sa_val v) {
    switch (id) {
    case OUPS_TYPE_BOOL: oups_bit_set(d, i, v.i != 0); break;
    case OUPS_TYPE_INT8: ((int8_t *)d)[i] = (int8_t)v.i; break;
    case OUPS_TYPE_INT16: ((int16_t *)d)[i] = (int16_t)v.i; break;
    case OUPS_TYPE_INT32: case OUPS_TYPE_DATE32: ((int32_t *)d)[i] = (int32_t)v.i; break;
    case OUPS_TYPE_UINT8: ((uint8_t *)d)[i] = (uint8_t)v.u; break;
    case OUPS_TYPE_UINT16: ((uint16_t *)d)[i] = (uint16_t)v.u; break;
    case OUPS_TYPE_UINT32: ((uint32_t *)d)[i] = (uint32_t)v.u; break;
    case OUPS_TYPE_UINT64: ((uint64_t *)d)[i] = v.u; break;
    case OUPS_TYPE_FLOAT32: ((float *)d)[i] = (float)v.f; break;
    case OUPS_TYPE_FLOAT64: ((double *)d)[i] = v.f; break;
    default: ((int64_t *)d)[i] = v.i; break; /* int64, timestamp */
    }
}

int oups_ops__sa_out_column(oups_column **out, const oups_segagg *a, int k, const sa_rows *r, const int64_t *order,
                            int64_t n) {
    oups_datatype t = k < 0 ? a->on_type : oups_ops__sa_out_type(a, k);
    int w = oups_datatype_width(t.id);
    oups_buffer *data = NULL, *validity = NULL;
    int64_t nulls = 0;
    OUPS_TRY(oups_buffer_new_zeroed(&data, w ? n * w : (n + 7) / 8));
    for (int64_t i = 0; i < n; i++) {
        int64_t s = order ? order[i] : i;
        sa_val v;
        if (k < 0) v.i = r->label[s];
        else {
            v = r->val[s * a->n_aggs + k];
            if (!r->valid[s * a->n_aggs + k]) {
                if (!validity) {
                    int rc = oups_buffer_new(&validity, (n + 7) / 8);
                    if (rc < 0) {
                        oups_buffer_release(data);
                        return rc;
                    }
                    memset(validity->data, 0xff, (size_t)validity->size);
                }
                oups_bit_set(validity->data, i, false);
                nulls++;
                continue;
            }
        }
        put_value(data->data, t.id, i, v);
    }
    return oups_column_new(out, &t, n, 0, nulls, validity, NULL, data);
}
