/*
 * ops/segagg.c: oups_segagg, the segmented aggregator: options, the checks done before any
 * work (columns, types, order, continuity), group ids (hash of the `by` key columns, ids in
 * order of first appearance), the per-group pass (rows of each group gathered contiguous,
 * segmenters, kernel walk) on copies of the group states, and the output tables ordered by
 * (label, group key). State is committed only when the whole chunk succeeded.
 */
#include <stdlib.h>

#include "ops/segagg.h"

/* ---- options ------------------------------------------------------------------------------- */

static int check_seg(const oups_segmenter *s, const char *what, bool bins) {
    switch (s->kind) {
    case OUPS_SEG_NONE:
        if (bins) return oups_error_set(OUPS_EINVAL, "segagg: bin_by is required");
        return 0;
    case OUPS_SEG_TIME:
        if (s->freq_ns < 1) return oups_error_set(OUPS_EINVAL, "segagg: %s period must be >= 1 ns", what);
        if ((unsigned)s->origin > OUPS_ORIGIN_VALUE) return oups_error_set(OUPS_EINVAL, "segagg: %s: bad origin", what);
        return 0;
    case OUPS_SEG_ROWS:
        if (!bins) return oups_error_set(OUPS_EINVAL, "segagg: snap_by cannot count rows");
        if (s->rows < 1) return oups_error_set(OUPS_EINVAL, "segagg: bin_by rows must be >= 1");
        return 0;
    case OUPS_SEG_POINTS:
        if (s->n_points < 1 || !s->points) return oups_error_set(OUPS_EINVAL, "segagg: %s has no points", what);
        for (int64_t i = 1; i < s->n_points; i++)
            if (s->points[i] <= s->points[i - 1])
                return oups_error_set(OUPS_EINVAL, "segagg: %s points must be strictly increasing (point %lld)", what,
                                      (long long)i);
        return 0;
    case OUPS_SEG_CALLBACK:
        if (!bins) return oups_error_set(OUPS_EINVAL, "segagg: snap_by cannot be a callback");
        if (!s->fn) return oups_error_set(OUPS_EINVAL, "segagg: bin_by callback is NULL");
        return 0;
    }
    return oups_error_set(OUPS_EINVAL, "segagg: %s: unknown segmenter kind %d", what, (int)s->kind);
}

static int copy_points(oups_segmenter *s) {
    if (s->kind != OUPS_SEG_POINTS) {
        s->points = NULL;
        s->n_points = 0;
        return 0;
    }
    int64_t *p = oups_malloc_array((size_t)s->n_points, 8);
    if (!p) return OUPS_ENOMEM;
    memcpy(p, s->points, (size_t)s->n_points * 8);
    s->points = p;
    return 0;
}

static bool name_taken(char *const *names, int n, const char *s) {
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], s) == 0) return true;
    return false;
}

static int build(oups_segagg *a, const oups_segagg_options *o) {
    OUPS_TRY(check_seg(&o->bin_by, "bin_by", true));
    OUPS_TRY(check_seg(&o->snap_by, "snap_by", false));
    if (o->n_aggs < 1 || !o->aggs) return oups_error_set(OUPS_EINVAL, "segagg: at least one aggregation is required");
    if (o->n_by < 0 || (o->n_by > 0 && !o->by) || o->n_by > 64)
        return oups_error_set(OUPS_EINVAL, "segagg: bad group key columns (n_by %d)", o->n_by);
    if (!(a->ordered_on = oups_strdup(o->ordered_on))) return OUPS_ENOMEM;
    a->bin = o->bin_by;
    a->snap = o->snap_by;
    a->snap.closed_right = a->bin.closed_right;
    OUPS_TRY(copy_points(&a->bin));
    OUPS_TRY(copy_points(&a->snap));
    a->by = oups_calloc((size_t)o->n_by + 1, sizeof *a->by);
    a->agg_names = oups_calloc((size_t)o->n_aggs, sizeof *a->agg_names);
    a->cols = oups_calloc((size_t)o->n_aggs, sizeof *a->cols);
    a->agg_col = oups_calloc((size_t)o->n_aggs, sizeof *a->agg_col);
    a->agg_func = oups_calloc((size_t)o->n_aggs, sizeof *a->agg_func);
    a->col_need = oups_calloc((size_t)o->n_aggs, sizeof *a->col_need);
    if (!a->by || !a->agg_names || !a->cols || !a->agg_col || !a->agg_func || !a->col_need) return OUPS_ENOMEM;
    for (int i = 0; i < o->n_by; i++) {
        if (!o->by[i] || !*o->by[i]) return oups_error_set(OUPS_EINVAL, "segagg: empty group key column name");
        if (strcmp(o->by[i], o->ordered_on) == 0 || name_taken(a->by, a->n_by, o->by[i]))
            return oups_error_set(OUPS_EINVAL, "segagg: group key column '%s' given twice or equal to ordered_on",
                                  o->by[i]);
        if (!(a->by[i] = oups_strdup(o->by[i]))) return OUPS_ENOMEM;
        a->n_by = i + 1;
    }
    for (int k = 0; k < o->n_aggs; k++) {
        const oups_segagg_agg *g = &o->aggs[k];
        if (!g->name || !*g->name || !g->column || !*g->column)
            return oups_error_set(OUPS_EINVAL, "segagg: aggregation %d has no output name or no column", k);
        if ((unsigned)g->func > OUPS_AGG_MEAN)
            return oups_error_set(OUPS_EINVAL, "segagg: aggregation '%s': unknown function %d", g->name, (int)g->func);
        if (strcmp(g->name, o->ordered_on) == 0 || name_taken(a->by, a->n_by, g->name) ||
            name_taken(a->agg_names, a->n_aggs, g->name))
            return oups_error_set(OUPS_EINVAL, "segagg: output column name '%s' used twice", g->name);
        if (!(a->agg_names[k] = oups_strdup(g->name))) return OUPS_ENOMEM;
        a->n_aggs = k + 1;
        int c = 0;
        while (c < a->n_cols && strcmp(a->cols[c], g->column) != 0) c++;
        if (c == a->n_cols) {
            if (!(a->cols[c] = oups_strdup(g->column))) return OUPS_ENOMEM;
            a->n_cols++;
        }
        a->agg_col[k] = c;
        a->agg_func[k] = g->func;
        a->col_need[c] |= g->func == OUPS_AGG_MIN ? SA_NEED_MIN
                          : g->func == OUPS_AGG_MAX ? SA_NEED_MAX
                          : (g->func == OUPS_AGG_SUM || g->func == OUPS_AGG_MEAN) ? SA_NEED_SUM
                                                                                  : 0u;
    }
    return 0;
}

int oups_segagg_new(oups_segagg **out, const oups_segagg_options *o) {
    if (!out) return oups_error_set(OUPS_EINVAL, "segagg: out is NULL");
    *out = NULL;
    if (!o || o->version != OUPS_SEGAGG_OPTIONS_VERSION)
        return oups_error_set(OUPS_EINVAL, "segagg: options missing or of unknown version");
    if (!o->ordered_on || !*o->ordered_on) return oups_error_set(OUPS_EINVAL, "segagg: ordered_on is required");
    oups_segagg *a = oups_calloc(1, sizeof *a);
    if (!a) return OUPS_ENOMEM;
    int rc = build(a, o);
    if (rc < 0) {
        oups_segagg_free(a);
        return rc;
    }
    *out = a;
    return 0;
}

void oups_ops__sa_state_clear(oups_segagg *a) {
    oups_free(a->col_types);
    oups_free(a->by_types);
    oups_free(a->groups);
    oups_free(a->accs);
    oups_free(a->hash_slot);
    oups_table_free(a->keys);
    a->col_types = a->by_types = NULL;
    a->groups = NULL;
    a->accs = NULL;
    a->hash_slot = NULL;
    a->keys = NULL;
    a->n_groups = 0;
    a->hash_cap = 0;
    a->has_layout = a->has_origin = false;
}

void oups_segagg_free(oups_segagg *a) {
    if (!a) return;
    oups_ops__sa_state_clear(a);
    oups_free(a->ordered_on);
    oups_free((void *)a->bin.points);
    oups_free((void *)a->snap.points);
    for (int i = 0; i < a->n_by; i++) oups_free(a->by[i]);
    for (int k = 0; k < a->n_aggs; k++) oups_free(a->agg_names[k]);
    for (int c = 0; c < a->n_cols; c++) oups_free(a->cols[c]);
    oups_free(a->by);
    oups_free(a->agg_names);
    oups_free(a->cols);
    oups_free(a->agg_col);
    oups_free(a->agg_func);
    oups_free(a->col_need);
    oups_free(a);
}

bool oups_segagg_has_state(const oups_segagg *a) { return a && a->n_groups > 0; }

/* ---- group keys ---------------------------------------------------------------------------- */

static uint64_t mix(uint64_t h, uint64_t x) {
    h ^= x + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    return h * 0xbf58476d1ce4e5b9ULL;
}

static uint64_t hash_row(const oups_column_view *v, int nv, int64_t i) {
    uint64_t h = 0x243f6a8885a308d3ULL;
    for (int c = 0; c < nv; c++) {
        int64_t k = v[c].offset + i;
        if (v[c].validity && !oups_bit_get(v[c].validity, k)) {
            h = mix(h, 0x7fULL);
            continue;
        }
        const uint8_t *p;
        int64_t n;
        uint8_t bit;
        if (oups_type_is_binary(v[c].type.id)) {
            p = (const uint8_t *)v[c].data + v[c].offsets[k];
            n = v[c].offsets[k + 1] - v[c].offsets[k];
        } else if (v[c].type.id == OUPS_TYPE_BOOL) {
            bit = oups_bit_get(v[c].data, k);
            p = &bit;
            n = 1;
        } else {
            n = oups_datatype_width(v[c].type.id);
            p = (const uint8_t *)v[c].data + k * n;
        }
        uint64_t x = (uint64_t)n;
        for (int64_t j = 0; j < n; j++) x = (x << 8 | (x >> 56)) ^ (x * 31 + p[j]);
        h = mix(h, x);
    }
    return h ? h : 1;
}

static bool same_row(const oups_column_view *a, int64_t i, const oups_column_view *b, int64_t j, int nv) {
    for (int c = 0; c < nv; c++)
        if (!oups_column__same(&a[c], i, &b[c], j)) return false;
    return true;
}

static void views_of(oups_column_view *v, const oups_table *t, const int *idx, int n) {
    for (int c = 0; c < n; c++) oups_column_view_get(&v[c], oups_table_column(t, idx ? idx[c] : c));
}

/* Open addressing table of group ids (+1, 0 = empty); linear probing on the key hash. */
static int hash_grow(int64_t **slots, int64_t *cap, int64_t need) {
    if (need * 2 <= *cap) return 0;
    int64_t nc = *cap ? *cap : 64;
    while (need * 2 > nc) nc *= 2;
    int64_t *ns = oups_calloc((size_t)nc, 8);
    if (!ns) return OUPS_ENOMEM;
    oups_free(*slots);
    *slots = ns;
    *cap = nc;
    return 1; /* caller re-inserts */
}

int oups_ops__sa_rehash(oups_segagg *a) {
    oups_free(a->hash_slot);
    a->hash_slot = NULL;
    a->hash_cap = 0;
    if (a->n_by == 0) return 0;
    OUPS_TRY(hash_grow(&a->hash_slot, &a->hash_cap, a->n_groups + 1));
    oups_column_view kv[64];
    views_of(kv, a->keys, NULL, a->n_by);
    for (int64_t g = 0; g < a->n_groups; g++) {
        int64_t s = (int64_t)(hash_row(kv, a->n_by, g) & (uint64_t)(a->hash_cap - 1));
        for (; a->hash_slot[s]; s = (s + 1) & (a->hash_cap - 1))
            if (same_row(kv, a->hash_slot[s] - 1, kv, g, a->n_by))
                return oups_error_set(OUPS_ECORRUPT, "segagg load: group %lld has the key of group %lld", (long long)g,
                                      (long long)(a->hash_slot[s] - 1));
        a->hash_slot[s] = g + 1;
    }
    return 0;
}

/* ---- one call ------------------------------------------------------------------------------ */

/* Everything one call builds; committed into the aggregator on success. */
typedef struct sa_call {
    int n_groups;
    sa_group *groups;
    sa_acc *accs;
    int64_t *slots, cap;
    int64_t *new_rows;  /* chunk row of each new group's first row */
    int64_t n_new;
    oups_table *keys;
    int32_t *gid;       /* per chunk row (NULL: all group 0) */
    int64_t *ord_tmp;   /* ordered_on widened to int64, when not int64 already */
    oups_column *gathered[257];
    sa_marks bins, snaps;
    sa_rows bo, so;
    oups_datatype *col_types, *by_types;
} sa_call;

static void call_free(sa_call *c) {
    oups_free(c->groups);
    oups_free(c->accs);
    oups_free(c->slots);
    oups_free(c->new_rows);
    oups_table_free(c->keys);
    oups_free(c->gid);
    oups_free(c->ord_tmp);
    for (int k = 0; k < 257; k++) oups_column_release(c->gathered[k]);
    oups_ops__sa_marks_free(&c->bins);
    oups_ops__sa_marks_free(&c->snaps);
    oups_ops__sa_rows_free(&c->bo);
    oups_ops__sa_rows_free(&c->so);
    oups_free(c->col_types);
    oups_free(c->by_types);
}

static bool func_supports(oups_segagg_func f, oups_type_id id) {
    bool num = (id >= OUPS_TYPE_INT8 && id <= OUPS_TYPE_FLOAT64);
    bool ordered = num || id == OUPS_TYPE_TIMESTAMP || id == OUPS_TYPE_DATE32;
    switch (f) {
    case OUPS_AGG_FIRST: case OUPS_AGG_LAST: case OUPS_AGG_COUNT: return ordered || id == OUPS_TYPE_BOOL;
    case OUPS_AGG_MIN: case OUPS_AGG_MAX: return ordered;
    default: return num;
    }
}

static const char *func_name(oups_segagg_func f) {
    static const char *const names[] = {"first", "last", "min", "max", "sum", "count", "mean"};
    return (unsigned)f <= OUPS_AGG_MEAN ? names[f] : "?";
}

/* Find the columns, check their types (against the first chunk's once known). */
static int resolve(const oups_segagg *a, const oups_table *t, int *on_idx, int *by_idx, int *col_idx, sa_call *c) {
    char tb[64], tb2[64];
    OUPS_TRY(oups_table_column_find(on_idx, t, a->ordered_on));
    const oups_datatype *ot = oups_column_type(oups_table_column(t, *on_idx));
    bool on_ok = oups_type_is_signed(ot->id);
    if (!on_ok || (a->bin.kind == OUPS_SEG_TIME || a->snap.kind == OUPS_SEG_TIME ? ot->id != OUPS_TYPE_TIMESTAMP : 0))
        return oups_error_set(OUPS_ESCHEMA, "segagg: ordered_on column '%s' has type %s; expected %s", a->ordered_on,
                              oups_datatype_format(ot, tb, sizeof tb),
                              on_ok ? "a timestamp for a time grid" : "a signed integer, timestamp or date32");
    if (a->has_layout && !oups_datatype_equal(ot, &a->on_type))
        return oups_error_set(OUPS_ESCHEMA, "segagg: column '%s' has type %s, earlier chunks %s", a->ordered_on,
                              oups_datatype_format(ot, tb, sizeof tb), oups_datatype_format(&a->on_type, tb2, sizeof tb2));
    c->col_types = oups_calloc((size_t)a->n_cols + 1, sizeof *c->col_types);
    c->by_types = oups_calloc((size_t)a->n_by + 1, sizeof *c->by_types);
    if (!c->col_types || !c->by_types) return OUPS_ENOMEM;
    for (int i = 0; i < a->n_by; i++) {
        OUPS_TRY(oups_table_column_find(&by_idx[i], t, a->by[i]));
        c->by_types[i] = *oups_column_type(oups_table_column(t, by_idx[i]));
        if (a->has_layout && !oups_datatype_equal(&c->by_types[i], &a->by_types[i]))
            return oups_error_set(OUPS_ESCHEMA, "segagg: group key column '%s' has type %s, earlier chunks %s", a->by[i],
                                  oups_datatype_format(&c->by_types[i], tb, sizeof tb),
                                  oups_datatype_format(&a->by_types[i], tb2, sizeof tb2));
    }
    for (int i = 0; i < a->n_cols; i++) {
        OUPS_TRY(oups_table_column_find(&col_idx[i], t, a->cols[i]));
        c->col_types[i] = *oups_column_type(oups_table_column(t, col_idx[i]));
        if (a->has_layout && !oups_datatype_equal(&c->col_types[i], &a->col_types[i]))
            return oups_error_set(OUPS_ESCHEMA, "segagg: column '%s' has type %s, earlier chunks %s", a->cols[i],
                                  oups_datatype_format(&c->col_types[i], tb, sizeof tb),
                                  oups_datatype_format(&a->col_types[i], tb2, sizeof tb2));
    }
    for (int k = 0; k < a->n_aggs; k++) {
        const oups_datatype *ty = &c->col_types[a->agg_col[k]];
        if (!func_supports(a->agg_func[k], ty->id))
            return oups_error_set(OUPS_ESCHEMA, "segagg: aggregation '%s': %s of column '%s' of type %s is not supported",
                                  a->agg_names[k], func_name(a->agg_func[k]), a->cols[a->agg_col[k]],
                                  oups_datatype_format(ty, tb, sizeof tb));
    }
    return 0;
}

/* ordered_on as int64 (borrowed when it already is), checked: no nulls, non-decreasing, not
 * before the previous chunk's last value. */
static int ordered_values(const int64_t **out, const oups_segagg *a, const oups_column *col, sa_call *c) {
    oups_column_view v;
    oups_column_view_get(&v, col);
    char b1[64], b2[64];
    if (v.null_count) return oups_error_set(OUPS_EINVAL, "segagg: column '%s' has nulls", a->ordered_on);
    if (oups_datatype_width(v.type.id) == 8) *out = (const int64_t *)v.data + v.offset;
    else {
        if (!(c->ord_tmp = oups_malloc_array((size_t)v.length, 8))) return OUPS_ENOMEM;
        for (int64_t i = 0; i < v.length; i++) c->ord_tmp[i] = oups_column__get_int(&v, i);
        *out = c->ord_tmp;
    }
    const int64_t *x = *out;
    for (int64_t i = 1; i < v.length; i++)
        if (x[i] < x[i - 1])
            return oups_error_set(OUPS_EUNORDERED, "segagg: column '%s' is not ordered: row %lld (%s) after %s",
                                  a->ordered_on, (long long)i, oups_column__format(b1, sizeof b1, &v, i),
                                  oups_column__format(b2, sizeof b2, &v, i - 1));
    if (a->n_groups > 0 && x[0] < a->last_value) {
        oups_column_view lv = v;
        int64_t last = a->last_value;
        int32_t l32 = (int32_t)last;
        lv.data = v.type.id == OUPS_TYPE_DATE32 || v.type.id == OUPS_TYPE_INT32 ? (const void *)&l32 : (const void *)&last;
        lv.offset = 0;
        lv.validity = NULL;
        return oups_error_set(OUPS_EUNORDERED, "segagg: chunk starts at %s in '%s', before the previous chunk's last "
                              "value %s", oups_column__format(b1, sizeof b1, &v, 0), a->ordered_on,
                              oups_column__format(b2, sizeof b2, &lv, 0));
    }
    return 0;
}

/* Group id per row; new groups get ids from a->n_groups on, in order of first appearance. */
static int assign_groups(const oups_segagg *a, const oups_table *t, const int *by_idx, int64_t n, sa_call *c) {
    c->n_groups = a->n_groups;
    if (a->n_by == 0) {
        if (c->n_groups == 0) c->n_groups = 1;
        return 0;
    }
    oups_column_view cv[64], kv[64];
    views_of(cv, t, by_idx, a->n_by);
    if (a->keys) views_of(kv, a->keys, NULL, a->n_by);
    if (!(c->gid = oups_malloc_array((size_t)n, sizeof *c->gid))) return OUPS_ENOMEM;
    c->cap = a->hash_cap;
    if (c->cap) {
        if (!(c->slots = oups_malloc_array((size_t)c->cap, 8))) return OUPS_ENOMEM;
        memcpy(c->slots, a->hash_slot, (size_t)c->cap * 8);
    }
    int64_t new_cap = 0;
    for (int64_t i = 0; i < n; i++) {
        if (i > 0 && same_row(cv, i, cv, i - 1, a->n_by)) { /* runs of one key are common */
            c->gid[i] = c->gid[i - 1];
            continue;
        }
        int rg = hash_grow(&c->slots, &c->cap, (int64_t)c->n_groups + 1);
        if (rg < 0) return rg;
        if (rg > 0) /* grown: re-insert every known group */
            for (int64_t g = 0; g < c->n_groups; g++) {
                uint64_t h = g < a->n_groups ? hash_row(kv, a->n_by, g) : hash_row(cv, a->n_by, c->new_rows[g - a->n_groups]);
                int64_t s = (int64_t)(h & (uint64_t)(c->cap - 1));
                while (c->slots[s]) s = (s + 1) & (c->cap - 1);
                c->slots[s] = g + 1;
            }
        int64_t s = (int64_t)(hash_row(cv, a->n_by, i) & (uint64_t)(c->cap - 1));
        for (; c->slots[s]; s = (s + 1) & (c->cap - 1)) {
            int64_t g = c->slots[s] - 1;
            bool eq = g < a->n_groups ? same_row(kv, g, cv, i, a->n_by) : same_row(cv, c->new_rows[g - a->n_groups], cv, i, a->n_by);
            if (eq) break;
        }
        if (!c->slots[s]) {
            if (c->n_groups >= INT32_MAX - 1) return oups_error_set(OUPS_EOVERFLOW, "segagg: too many groups");
            if (c->n_new == new_cap) {
                new_cap = new_cap ? 2 * new_cap : 16;
                int64_t *nr = oups_realloc(c->new_rows, (size_t)new_cap * 8);
                if (!nr) return OUPS_ENOMEM;
                c->new_rows = nr;
            }
            c->new_rows[c->n_new++] = i;
            c->slots[s] = ++c->n_groups;
        }
        c->gid[i] = (int32_t)(c->slots[s] - 1);
    }
    return 0;
}

/* Group states for this call: copies of the known ones, fresh ones for new groups. */
static int copy_states(const oups_segagg *a, sa_call *c) {
    c->groups = oups_calloc((size_t)c->n_groups, sizeof *c->groups);
    c->accs = oups_calloc((size_t)c->n_groups * (size_t)a->n_cols, sizeof *c->accs);
    if (!c->groups || !c->accs) return OUPS_ENOMEM;
    if (a->n_groups) {
        memcpy(c->groups, a->groups, sizeof *c->groups * (size_t)a->n_groups);
        memcpy(c->accs, a->accs, sizeof *c->accs * (size_t)a->n_groups * (size_t)a->n_cols);
    }
    return 0;
}

/* Rows of the chunk grouped (stable counting sort by group id): start[g] .. start[g+1];
 * c->gathered[0] is ordered_on, c->gathered[1 + k] aggregated column k, in that row order. */
static int gather(const oups_segagg *a, const oups_table *t, int on_idx, const int *col_idx, int64_t n, sa_call *c,
                  int64_t *start) {
    for (int64_t i = 0; i < n; i++) start[c->gid[i] + 1]++;
    for (int g = 0; g < c->n_groups; g++) start[g + 1] += start[g];
    int64_t *perm = oups_malloc_array((size_t)n, 8), *pos = oups_malloc_array((size_t)c->n_groups + 1, 8);
    int rc = perm && pos ? 0 : OUPS_ENOMEM;
    if (rc == 0) {
        memcpy(pos, start, ((size_t)c->n_groups + 1) * 8);
        for (int64_t i = 0; i < n; i++) perm[pos[c->gid[i]]++] = i;
    }
    for (int k = 0; rc == 0 && k <= a->n_cols; k++)
        rc = oups_column__take(&c->gathered[k], oups_table_column(t, k ? col_idx[k - 1] : on_idx), perm, n);
    oups_free(perm);
    oups_free(pos);
    return rc;
}

/* Output table: label, by columns (from the key table), aggregates, rows in `order`. */
static int make_output(oups_table **out, const oups_segagg *a, const sa_rows *r, const int64_t *order,
                       const oups_table *keys) {
    int nc = 1 + a->n_by + a->n_aggs;
    oups_column **cols = oups_calloc((size_t)nc, sizeof *cols);
    const char **names = oups_calloc((size_t)nc, sizeof *names);
    int64_t *gidx = oups_malloc_array((size_t)r->n + 1, 8);
    oups_table *kt = NULL;
    int rc = cols && names && gidx ? 0 : OUPS_ENOMEM;
    if (rc == 0) rc = oups_ops__sa_out_column(&cols[0], a, -1, r, order, r->n);
    names[0] = a->ordered_on;
    if (rc == 0 && a->n_by) {
        for (int64_t i = 0; i < r->n; i++) gidx[i] = r->group[order ? order[i] : i];
        rc = oups_table_take(&kt, keys, gidx, r->n);
        for (int i = 0; rc == 0 && i < a->n_by; i++) {
            cols[1 + i] = oups_column_retain(oups_table_column(kt, i));
            names[1 + i] = a->by[i];
        }
    }
    for (int k = 0; rc == 0 && k < a->n_aggs; k++) {
        rc = oups_ops__sa_out_column(&cols[1 + a->n_by + k], a, k, r, order, r->n);
        names[1 + a->n_by + k] = a->agg_names[k];
    }
    if (rc == 0) rc = oups_table_new(out, nc, names, cols);
    for (int i = 0; cols && i < nc; i++) oups_column_release(cols[i]);
    oups_free(cols);
    oups_free(names);
    oups_free(gidx);
    oups_table_free(kt);
    return rc;
}

/* qsort has no context argument: the rows and ranks being sorted, per thread. */
static _Thread_local const sa_rows *sort_rows;
static _Thread_local const int64_t *sort_rank_tl;

static int cmp_out(const void *x, const void *y) {
    int64_t i = *(const int64_t *)x, j = *(const int64_t *)y;
    const sa_rows *r = sort_rows;
    if (r->label[i] != r->label[j]) return r->label[i] < r->label[j] ? -1 : 1;
    int64_t ri = sort_rank_tl[r->group[i]], rj = sort_rank_tl[r->group[j]];
    if (ri != rj) return ri < rj ? -1 : 1;
    return i < j ? -1 : i > j;
}

/* Order of the output rows by (label, group key, emission): NULL when already in order. */
static int out_order(int64_t **order, const sa_rows *r, const int64_t *rank) {
    *order = NULL;
    bool sorted = true;
    for (int64_t i = 1; i < r->n && sorted; i++)
        sorted = r->label[i] > r->label[i - 1] ||
                 (r->label[i] == r->label[i - 1] && rank[r->group[i]] >= rank[r->group[i - 1]]);
    if (sorted) return 0;
    if (!(*order = oups_malloc_array((size_t)r->n, 8))) return OUPS_ENOMEM;
    for (int64_t i = 0; i < r->n; i++) (*order)[i] = i;
    sort_rows = r;
    sort_rank_tl = rank;
    qsort(*order, (size_t)r->n, 8, cmp_out);
    return 0;
}

static int64_t unit_ns(const oups_datatype *t) {
    static const int64_t per[] = {1000000000, 1000000, 1000, 1};
    return t->id == OUPS_TYPE_TIMESTAMP ? per[t->unit] : 1;
}

/* The grid anchor (absolute, ordered_on units), set by the first value ever aggregated. */
static int64_t anchor(const oups_segagg *a, int64_t first) {
    const oups_segmenter *s = a->bin.kind == OUPS_SEG_TIME ? &a->bin : &a->snap;
    int64_t u = a->unit_ns, day = INT64_C(86400000000000) / u, o = 0;
    switch (s->origin) {
    case OUPS_ORIGIN_START_DAY: o = first - (first % day + day) % day; break;
    case OUPS_ORIGIN_START: o = first; break;
    case OUPS_ORIGIN_VALUE: o = s->origin_ns / u - (s->origin_ns % u < 0); break;
    default: break;
    }
    return o + s->offset_ns / u;
}

static int run(oups_table **bins, oups_table **snaps, oups_segagg *a, const oups_table *t, sa_call *c) {
    int on_idx, by_idx[64], col_idx[256];
    if (a->n_cols > 256) return oups_error_set(OUPS_EINVAL, "segagg: more than 256 aggregated columns");
    OUPS_TRY(resolve(a, t, &on_idx, by_idx, col_idx, c));
    int64_t n = oups_table_num_rows(t);
    oups_segagg cfg = *a; /* the layout this call uses (the first chunk's types on a first call) */
    cfg.on_type = *oups_column_type(oups_table_column(t, on_idx));
    cfg.col_types = c->col_types;
    cfg.by_types = c->by_types;
    cfg.unit_ns = unit_ns(&cfg.on_type);
    if (n == 0) { /* nothing to do: empty outputs, state untouched */
        if (a->n_by) {
            oups_table *kt = NULL;
            OUPS_TRY(oups_table_select(&kt, t, (const char *const *)a->by, a->n_by));
            OUPS_TRY(oups_table_slice(&c->keys, kt, 0, 0));
            oups_table_free(kt);
        }
        sa_rows r = {.n_aggs = a->n_aggs};
        OUPS_TRY(make_output(bins, &cfg, &r, NULL, c->keys));
        if (a->snap.kind != OUPS_SEG_NONE) OUPS_TRY(make_output(snaps, &cfg, &r, NULL, c->keys));
        return 0;
    }
    const int64_t *v = NULL;
    OUPS_TRY(ordered_values(&v, &cfg, oups_table_column(t, on_idx), c));
    if (!cfg.has_origin) {
        cfg.origin = anchor(&cfg, v[0]);
        cfg.has_origin = true;
    }
    OUPS_TRY(assign_groups(&cfg, t, by_idx, n, c));
    OUPS_TRY(copy_states(&cfg, c));
    /* The new key table: known keys then the first row of each new group. */
    if (a->n_by) {
        oups_table *kt = NULL, *nk = NULL;
        OUPS_TRY(oups_table_select(&kt, t, (const char *const *)a->by, a->n_by));
        int rc = oups_table_take(&nk, kt, c->new_rows, c->n_new);
        oups_table_free(kt);
        OUPS_TRY(rc);
        if (a->keys) {
            oups_table *two[2] = {a->keys, nk};
            rc = oups_table_concat(&c->keys, two, 2);
            oups_table_free(nk);
            OUPS_TRY(rc);
        } else c->keys = nk;
    }
    /* Per group: contiguous rows (gathered when grouped), segmenters, kernel. */
    oups_column_view views[257];
    int64_t *start = oups_calloc((size_t)c->n_groups + 1, 8);
    if (!start) return OUPS_ENOMEM;
    int rc = 0;
    const int64_t *gv = v;
    if (a->n_by == 0) {
        start[1] = n;
        for (int k = 0; k < a->n_cols; k++) oups_column_view_get(&views[k], oups_table_column(t, col_idx[k]));
    } else {
        rc = gather(&cfg, t, on_idx, col_idx, n, c, start);
        if (rc == 0) {
            oups_column_view ov;
            oups_column_view_get(&ov, c->gathered[0]);
            if (oups_datatype_width(ov.type.id) == 8) gv = (const int64_t *)ov.data + ov.offset;
            else
                for (int64_t i = 0; i < n; i++) c->ord_tmp[i] = oups_column__get_int(&ov, i);
            for (int k = 0; k < a->n_cols; k++) oups_column_view_get(&views[k], c->gathered[k + 1]);
        }
    }
    c->bo.n_aggs = c->so.n_aggs = a->n_aggs;
    for (int32_t g = 0; rc == 0 && g < c->n_groups; g++) {
        int64_t g0 = start[g], gn = start[g + 1] - g0;
        if (gn == 0) continue;
        sa_group *G = &c->groups[g];
        sa_acc *acc = &c->accs[(size_t)g * (size_t)a->n_cols];
        bool restarting = G->bin_rows > 0;
        if (!restarting) oups_ops__sa_acc_reset(acc, a->n_cols);
        rc = oups_ops__sa_bins(&c->bins, &cfg, gv + g0, gn, G, restarting);
        if (rc == 0 && a->snap.kind != OUPS_SEG_NONE) rc = oups_ops__sa_snaps(&c->snaps, &cfg, gv + g0, gn, G, restarting);
        if (rc == 0)
            rc = oups_ops__sa_walk(&cfg, views, g0, gn, G, acc, &c->bins, a->snap.kind ? &c->snaps : NULL, g, &c->bo,
                                   &c->so);
    }
    oups_free(start);
    OUPS_TRY(rc);
    /* Outputs ordered by (label, group key). */
    int64_t *rank = oups_calloc((size_t)c->n_groups + 1, 8), *perm = NULL, *o1 = NULL, *o2 = NULL;
    if (!rank) return OUPS_ENOMEM;
    if (a->n_by) {
        rc = oups_table_sort_indices(&perm, c->keys, (const char *const *)a->by, a->n_by);
        for (int64_t i = 0; rc == 0 && i < c->n_groups; i++) rank[perm[i]] = i;
    }
    if (rc == 0) rc = out_order(&o1, &c->bo, rank);
    if (rc == 0) rc = out_order(&o2, &c->so, rank);
    if (rc == 0) rc = make_output(bins, &cfg, &c->bo, o1, c->keys);
    if (rc == 0 && a->snap.kind != OUPS_SEG_NONE) rc = make_output(snaps, &cfg, &c->so, o2, c->keys);
    oups_mem_free(perm);
    oups_free(rank);
    oups_free(o1);
    oups_free(o2);
    OUPS_TRY(rc);
    /* Commit. */
    if (!a->has_layout) {
        a->has_layout = true;
        a->on_type = cfg.on_type;
        a->unit_ns = cfg.unit_ns;
        a->col_types = c->col_types;
        a->by_types = c->by_types;
        c->col_types = NULL;
        c->by_types = NULL;
    }
    a->has_origin = true;
    a->origin = cfg.origin;
    a->last_value = v[n - 1];
    oups_free(a->groups);
    oups_free(a->accs);
    a->groups = c->groups;
    a->accs = c->accs;
    c->groups = NULL;
    c->accs = NULL;
    a->n_groups = c->n_groups;
    if (a->n_by) {
        oups_table_free(a->keys);
        a->keys = c->keys;
        c->keys = NULL;
        oups_free(a->hash_slot);
        a->hash_slot = c->slots;
        a->hash_cap = c->cap;
        c->slots = NULL;
    }
    return 0;
}

int oups_segagg_process(oups_table **bins, oups_table **snaps, oups_segagg *a, const oups_table *chunk) {
    if (bins) *bins = NULL;
    if (snaps) *snaps = NULL;
    if (!bins || !a || !chunk) return oups_error_set(OUPS_EINVAL, "segagg process: NULL argument");
    if (a->snap.kind != OUPS_SEG_NONE && !snaps)
        return oups_error_set(OUPS_EINVAL, "segagg process: snapshots configured but `snaps` is NULL");
    sa_call c = {0};
    int rc = run(bins, snaps, a, chunk, &c);
    call_free(&c);
    if (rc < 0) {
        oups_table_free(*bins);
        *bins = NULL;
        if (snaps) {
            oups_table_free(*snaps);
            *snaps = NULL;
        }
    }
    return rc;
}
