/*
 * ops/asof_merger.c: the as-of merger object: options, the layout frozen at the first merge
 * (value columns grouped by dtype, output names, duplicate check), input validation (nothing
 * is computed unless every check passes), the block-wise merge loop (as-of bases per group and
 * df index, then one typed gather per output column) and the fill-block update committed only
 * on success. Kernels live in asof_kernel.c, the state blob in asof_state.c.
 * Behaviour: the reference AsofMerger's (Python oups); departures (errors instead of quirks) in docs/asof.md.
 */
#include <stdio.h>

#include "ops/internal.h"

/* Target rows per pass: the scratch stays in L2. Not a power of two: the four lockstep cursors
 * of the count (a quarter block apart) and the block's arrays would map to the same cache sets
 * (4096 rows measured 1.5x slower than 4000); long passes also keep the hardware prefetchers on
 * their streams. Multiple of 8 (bit-packed outputs are written byte by byte). */
enum { BLOCK = 30000 };

/* ---- construction ---------------------------------------------------------------------- */

void oups_ops__asof_fill_clear(asof_fill *f, int n_cols) {
    for (int c = 0; c < n_cols; c++) {
        if (f->f) oups_column_release(f->f[c]);
        if (f->miss) oups_column_release(f->miss[c]);
    }
    oups_free(f->f);
    oups_free(f->miss);
    f->f = f->miss = NULL;
}

static void free_strs(char **s, int n) {
    if (!s) return;
    for (int i = 0; i < n; i++) oups_free(s[i]);
    oups_free(s);
}

void oups_ops__asof_state_free(asof_state *s, int n_dfs) {
    if (s->fills && s->layout)
        for (int i = 0; i < s->n_groups * n_dfs; i++) oups_ops__asof_fill_clear(&s->fills[i], s->layout[i % n_dfs].n_cols);
    oups_free(s->fills);
    if (s->layout)
        for (int d = 0; d < n_dfs; d++) {
            free_strs(s->layout[d].names, s->layout[d].n_cols);
            oups_free(s->layout[d].types);
        }
    oups_free(s->layout);
    free_strs(s->prefixes, s->J * n_dfs);
    free_strs(s->out_names, s->n_out);
    memset(s, 0, sizeof *s);
}

void oups_ops__asof_state_install(oups_asof_merger *m, asof_state *s) {
    oups_ops__asof_state_free(&m->st, m->n_dfs);
    m->st = *s;
    memset(s, 0, sizeof *s);
    m->has_state = true;
}

static void release_pool(oups_asof_merger *m) {
    for (int i = 0; i < m->n_pool; i++) oups_buffer_release(m->pool[i]);
    oups_free(m->pool);
    m->pool = NULL;
    m->n_pool = 0;
}

void oups_asof_merger_free(oups_asof_merger *m) {
    if (!m) return;
    release_pool(m);
    oups_ops__asof_state_free(&m->st, m->n_dfs);
    oups_free(m->on);
    free_strs(m->prefixes, m->J * m->n_dfs);
    oups_free(m->allow);
    oups_free(m->n_prev);
    if (m->fill_init)
        for (int i = 0; i < m->n_fill_groups * m->n_dfs; i++) oups_table_free(m->fill_init[i]);
    oups_free(m->fill_init);
    oups_free(m);
}

static int check_options(const oups_asof_merger_options *o) {
    if (!o) return oups_error_set(OUPS_EINVAL, "asof merger: options are NULL");
    if (o->version != OUPS_ASOF_MERGER_OPTIONS_VERSION)
        return oups_error_set(OUPS_EINVAL, "asof merger: options version %u, expected %d", o->version,
                              OUPS_ASOF_MERGER_OPTIONS_VERSION);
    if (!o->on || !o->on[0]) return oups_error_set(OUPS_EINVAL, "asof merger: option 'on' (key column) is required");
    if (o->n_dfs_per_group < 1 || o->n_dfs_per_group > 4096)
        return oups_error_set(OUPS_EINVAL, "asof merger: n_dfs_per_group %d must be 1..4096", o->n_dfs_per_group);
    if (o->n_join_positions < 0 || o->n_join_positions > 65536 || (o->prefixes && o->n_join_positions < 1))
        return oups_error_set(OUPS_EINVAL, "asof merger: n_join_positions %d invalid (prefixes need J >= 1)",
                              o->n_join_positions);
    if (o->prefixes)
        for (int i = 0; i < o->n_join_positions * o->n_dfs_per_group; i++)
            if (!o->prefixes[i])
                return oups_error_set(OUPS_EINVAL, "asof merger: prefix [%d][%d] is NULL", i / o->n_dfs_per_group,
                                      i % o->n_dfs_per_group);
    for (int d = 0; o->n_prev && d < o->n_dfs_per_group; d++)
        if (o->n_prev[d] < 0 || o->n_prev[d] > 1000000)
            return oups_error_set(OUPS_EINVAL, "asof merger: n_prev[%d] = %d must be 0..1000000", d, o->n_prev[d]);
    if ((unsigned)o->direction > OUPS_ASOF_NEAREST)
        return oups_error_set(OUPS_EINVAL, "asof merger: unknown direction %d", (int)o->direction);
    if (o->has_tolerance && o->tolerance < 0)
        return oups_error_set(OUPS_EINVAL, "asof merger: tolerance %lld is negative", (long long)o->tolerance);
    if ((unsigned)o->fill > OUPS_ASOF_FILL_VALUES)
        return oups_error_set(OUPS_EINVAL, "asof merger: unknown fill mode %d", (int)o->fill);
    if (o->fill == OUPS_ASOF_FILL_VALUES && (!o->fill_values_init || o->n_fill_groups < 1))
        return oups_error_set(OUPS_EINVAL, "asof merger: fill mode 'values' needs fill_values_init and n_fill_groups");
    if (o->fill == OUPS_ASOF_FILL_VALUES)
        for (int i = 0; i < o->n_fill_groups * o->n_dfs_per_group; i++)
            if (!o->fill_values_init[i])
                return oups_error_set(OUPS_EINVAL, "asof merger: fill_values_init[%d][%d] is NULL",
                                      i / o->n_dfs_per_group, i % o->n_dfs_per_group);
    return 0;
}

int oups_asof_merger_new(oups_asof_merger **out, const oups_asof_merger_options *o) {
    *out = NULL;
    OUPS_TRY(check_options(o));
    oups_asof_merger *m = oups_calloc(1, sizeof *m);
    if (!m) return OUPS_ENOMEM;
    int n = o->n_dfs_per_group;
    m->n_dfs = n;
    m->J = o->n_join_positions;
    m->suffix_start = o->n_prev_suffix_start;
    m->direction = o->direction;
    m->has_tol = o->has_tolerance;
    m->tol = o->tolerance;
    m->fill = o->fill;
    m->reuse_output = o->reuse_output;
    m->on = oups_strdup(o->on);
    m->allow = oups_calloc((size_t)n, sizeof *m->allow);
    m->n_prev = oups_calloc((size_t)n, sizeof *m->n_prev);
    int rc = (!m->on || !m->allow || !m->n_prev) ? OUPS_ENOMEM : 0;
    for (int d = 0; rc == 0 && d < n; d++) {
        m->allow[d] = o->allow_exact_matches ? o->allow_exact_matches[d] : false;
        m->n_prev[d] = o->n_prev ? o->n_prev[d] : 0;
    }
    if (rc == 0 && o->prefixes) {
        m->prefixes = oups_calloc((size_t)(m->J * n), sizeof *m->prefixes);
        if (!m->prefixes) rc = OUPS_ENOMEM;
        for (int i = 0; rc == 0 && i < m->J * n; i++)
            if (!(m->prefixes[i] = oups_strdup(o->prefixes[i]))) rc = OUPS_ENOMEM;
    }
    if (rc == 0 && o->fill == OUPS_ASOF_FILL_VALUES) {
        m->fill_init = oups_calloc((size_t)(o->n_fill_groups * n), sizeof *m->fill_init);
        if (!m->fill_init) rc = OUPS_ENOMEM;
        else {
            m->n_fill_groups = o->n_fill_groups;
            for (int i = 0; i < o->n_fill_groups * n; i++) m->fill_init[i] = oups_table_retain(o->fill_values_init[i]);
        }
    }
    if (rc < 0) {
        oups_asof_merger_free(m);
        return rc;
    }
    *out = m;
    return 0;
}

bool oups_asof_merger_has_state(const oups_asof_merger *m) { return m && m->has_state; }

/* ---- layout ---------------------------------------------------------------------------- */

/* Value columns of table t (all but `on`), grouped by dtype in order of first appearance. */
static int build_table_layout(asof_table_layout *L, const oups_table *t, const char *on) {
    int n = t->n_cols;
    L->names = oups_calloc((size_t)n + 1, sizeof *L->names);
    L->types = oups_calloc((size_t)n + 1, sizeof *L->types);
    if (!L->names || !L->types) return OUPS_ENOMEM;
    bool *done = oups_calloc((size_t)n + 1, sizeof *done);
    if (!done) return OUPS_ENOMEM;
    for (int c = 0; c < n; c++) {
        if (done[c] || strcmp(t->names[c], on) == 0) continue;
        for (int c2 = c; c2 < n; c2++) {
            if (done[c2] || strcmp(t->names[c2], on) == 0 || !oups_datatype_equal(&t->cols[c]->type, &t->cols[c2]->type))
                continue;
            done[c2] = true;
            L->types[L->n_cols] = t->cols[c2]->type;
            if (!(L->names[L->n_cols++] = oups_strdup(t->names[c2]))) {
                oups_free(done);
                return OUPS_ENOMEM;
            }
        }
    }
    oups_free(done);
    return 0;
}

int oups_ops__asof_out_names(asof_state *s, const oups_asof_merger *m) {
    int n_out = 1;
    for (int d = 0; d < m->n_dfs; d++) n_out += s->J * (m->n_prev[d] + 1) * s->layout[d].n_cols;
    s->out_names = oups_calloc((size_t)n_out, sizeof *s->out_names);
    if (!s->out_names) return OUPS_ENOMEM;
    s->n_out = n_out;
    if (!(s->out_names[0] = oups_strdup(m->on))) return OUPS_ENOMEM;
    int o = 1;
    for (int j = 0; j < s->J; j++)
        for (int d = 0; d < m->n_dfs; d++) {
            const char *pre = s->prefixes[j * m->n_dfs + d];
            int np = m->n_prev[d];
            for (int c = 0; c < s->layout[d].n_cols; c++)
                for (int sl = 0; sl <= np; sl++) {
                    const char *col = s->layout[d].names[c];
                    size_t cap = strlen(pre) + strlen(col) + 24;
                    char *name = oups_malloc(cap);
                    if (!name) return OUPS_ENOMEM;
                    if (np == 0) snprintf(name, cap, "%s%s", pre, col);
                    else snprintf(name, cap, "%s%s_%lld", pre, col, (long long)m->suffix_start + np - sl);
                    s->out_names[o++] = name;
                }
        }
    /* Names are few (columns, not rows): a quadratic check keeps this simple. */
    for (int a = 1; a < n_out; a++)
        for (int b = 0; b < a; b++)
            if (strcmp(s->out_names[a], s->out_names[b]) == 0)
                return oups_error_set(OUPS_EINVAL,
                                      "asof merger: output column name '%s' occurs twice (output columns %d and %d); "
                                      "give distinct prefixes per join position and table",
                                      s->out_names[a], b, a);
    return 0;
}

/* Fill and miss blocks of a new state: zeros, nulls, or the fill_values_init tables. */
static int init_fill(asof_fill *F, const oups_asof_merger *m, const asof_table_layout *L, int g, int d) {
    int np1 = m->n_prev[d] + 1, n = L->n_cols;
    F->f = oups_calloc((size_t)n + 1, sizeof *F->f);
    F->miss = oups_calloc((size_t)n + 1, sizeof *F->miss);
    if (!F->f || !F->miss) return OUPS_ENOMEM;
    if (m->fill != OUPS_ASOF_FILL_VALUES) {
        for (int c = 0; c < n; c++) {
            OUPS_TRY(oups_ops__asof_const_column(&F->f[c], &L->types[c], np1, m->fill == OUPS_ASOF_FILL_NULLS));
            F->miss[c] = oups_column_retain(F->f[c]);
        }
        return 0;
    }
    const oups_table *t = m->fill_init[g * m->n_dfs + d];
    int extra = oups_table_column_index(t, m->on) >= 0;
    if (t->n_cols != n + extra)
        return oups_error_set(OUPS_ESCHEMA,
                              "asof merger: fill_values_init group %d, table %d has %d value columns, the input "
                              "table %d has %d",
                              g, d, t->n_cols - extra, d, n);
    if (t->n_rows != np1)
        return oups_error_set(OUPS_EINVAL, "asof merger: fill_values_init group %d, table %d has %lld rows, needs %d "
                              "(n_prev + 1)", g, d, (long long)t->n_rows, np1);
    for (int c = 0; c < n; c++) {
        int k = oups_table_column_index(t, L->names[c]);
        if (k < 0 || !oups_datatype_equal(&t->cols[k]->type, &L->types[c]))
            return oups_error_set(OUPS_ESCHEMA, "asof merger: fill_values_init group %d, table %d: column '%s' %s", g,
                                  d, L->names[c], k < 0 ? "is missing" : "has another type than in the input table");
        F->f[c] = oups_column_retain(t->cols[k]);
        F->miss[c] = oups_column_retain(t->cols[k]);
    }
    return 0;
}

/* First merge: the state from group 0's tables, J and the fill mode. */
static int new_state(asof_state *s, const oups_asof_merger *m, oups_table *const *tables, int n_groups, int J,
                     const oups_datatype *key_type) {
    int n = m->n_dfs;
    s->J = J;
    s->key_type = *key_type;
    s->prefixes = oups_calloc((size_t)(J * n), sizeof *s->prefixes);
    s->layout = oups_calloc((size_t)n, sizeof *s->layout);
    if (!s->prefixes || !s->layout) return OUPS_ENOMEM;
    for (int i = 0; i < J * n; i++)
        if (!(s->prefixes[i] = oups_strdup(m->prefixes ? m->prefixes[i] : ""))) return OUPS_ENOMEM;
    for (int d = 0; d < n; d++) OUPS_TRY(build_table_layout(&s->layout[d], tables[d], m->on));
    OUPS_TRY(oups_ops__asof_out_names(s, m));
    if (m->fill == OUPS_ASOF_FILL_VALUES && m->n_fill_groups != n_groups)
        return oups_error_set(OUPS_EINVAL, "asof merger: fill_values_init has %d groups, the first merge %d",
                              m->n_fill_groups, n_groups);
    s->fills = oups_calloc((size_t)(n_groups * n), sizeof *s->fills);
    if (!s->fills) return OUPS_ENOMEM;
    s->n_groups = n_groups;
    for (int g = 0; g < n_groups; g++)
        for (int d = 0; d < n; d++) OUPS_TRY(init_fill(&s->fills[g * n + d], m, &s->layout[d], g, d));
    return 0;
}

/* Hook for asof_by.c (groups appear as data arrives): the state gets n_groups groups; new
 * ones start from group 0's initial fill (zeros, nulls or fill_values_init group 0), removed
 * ones are freed (a failed by-merge forgets the groups it added). */
int oups_ops__asof_set_groups(oups_asof_merger *m, int n_groups) {
    asof_state *s = &m->st;
    int n = m->n_dfs, old = s->n_groups;
    if (!m->has_state || n_groups < 1 || n_groups == old) return 0;
    if (n_groups < old) {
        for (int i = n_groups * n; i < old * n; i++) oups_ops__asof_fill_clear(&s->fills[i], s->layout[i % n].n_cols);
        s->n_groups = n_groups;
        return 0;
    }
    asof_fill *f = oups_realloc(s->fills, (size_t)n_groups * (size_t)n * sizeof *f);
    if (!f) return OUPS_ENOMEM;
    s->fills = f;
    memset(f + (size_t)old * n, 0, (size_t)(n_groups - old) * (size_t)n * sizeof *f);
    int rc = 0;
    for (int i = old * n; rc == 0 && i < n_groups * n; i++) rc = init_fill(&f[i], m, &s->layout[i % n], 0, i % n);
    if (rc == 0) s->n_groups = n_groups;
    else
        for (int i = old * n; i < n_groups * n; i++) oups_ops__asof_fill_clear(&f[i], s->layout[i % n].n_cols);
    return rc;
}

int oups_asof_merger_key_type(oups_datatype *out, const oups_asof_merger *m) {
    if (!m || !m->has_state) return oups_error_set(OUPS_ESTATE, "asof merger: no state yet (merge or load first)");
    *out = m->st.key_type;
    return 0;
}

int oups_asof_merger_fill_block(oups_table **out, const oups_asof_merger *m, int g, int d) {
    *out = NULL;
    if (!m || !m->has_state) return oups_error_set(OUPS_ESTATE, "asof merger: no state yet (merge or load first)");
    if (g < 0 || g >= m->st.n_groups || d < 0 || d >= m->n_dfs)
        return oups_error_set(OUPS_EINVAL, "asof merger: fill block [%d][%d] out of range (%d groups, %d tables)", g, d,
                              m->st.n_groups, m->n_dfs);
    const asof_table_layout *L = &m->st.layout[d];
    return oups_table_new(out, L->n_cols, (const char *const *)L->names, m->st.fills[g * m->n_dfs + d].f);
}

/* ---- one merge call -------------------------------------------------------------------- */

typedef struct merge_ctx {
    oups_asof_merger *m;
    const asof_state *st;
    int n_groups, J, n_dfs;
    const int32_t *comb;
    asof_keys main_k;
    asof_keys *tk;    /* [g * n_dfs + d] */
    asof_src **srcs;  /* per d: [c * n_groups + g] */
    bool fl;          /* float keys */
} merge_ctx;

static void ctx_free(merge_ctx *x) {
    oups_ops__asof_keys_free(&x->main_k);
    if (x->tk)
        for (int i = 0; i < x->n_groups * x->n_dfs; i++) oups_ops__asof_keys_free(&x->tk[i]);
    oups_free(x->tk);
    if (x->srcs)
        for (int d = 0; d < x->n_dfs; d++) oups_free(x->srcs[d]);
    oups_free(x->srcs);
}

/* Bind table (g, d)'s columns to the layout: same names and types, `on` present. */
static int bind_table(merge_ctx *x, int g, int d, const oups_table *t) {
    const asof_state *st = x->st;
    const asof_table_layout *L = &st->layout[d];
    const char *on = x->m->on;
    int k = oups_table_column_index(t, on);
    if (k < 0)
        return oups_error_set(OUPS_ENOTFOUND, "asof merger: group %d, table %d has no key column '%s'", g, d, on);
    if (!oups_datatype_equal(&t->cols[k]->type, &st->key_type)) {
        char a[80], b[80];
        return oups_error_set(OUPS_ESCHEMA, "asof merger: group %d, table %d: key '%s' is %s, main is %s", g, d, on,
                              oups_datatype_format(&t->cols[k]->type, a, sizeof a),
                              oups_datatype_format(&st->key_type, b, sizeof b));
    }
    if (t->n_cols != L->n_cols + 1)
        return oups_error_set(OUPS_ESCHEMA,
                              "asof merger: group %d, table %d has %d value columns, the layout of table %d (fixed at "
                              "the first merge) has %d",
                              g, d, t->n_cols - 1, d, L->n_cols);
    const asof_fill *F = &st->fills[g * x->n_dfs + d];
    for (int c = 0; c < L->n_cols; c++) {
        int i = oups_table_column_index(t, L->names[c]);
        if (i < 0 || !oups_datatype_equal(&t->cols[i]->type, &L->types[c])) {
            char a[80], b[80];
            if (i < 0)
                return oups_error_set(OUPS_ESCHEMA, "asof merger: group %d, table %d lacks column '%s' of the layout",
                                      g, d, L->names[c]);
            return oups_error_set(OUPS_ESCHEMA, "asof merger: group %d, table %d: column '%s' is %s, layout has %s", g,
                                  d, L->names[c], oups_datatype_format(&t->cols[i]->type, a, sizeof a),
                                  oups_datatype_format(&L->types[c], b, sizeof b));
        }
        oups_ops__asof_src_init(&x->srcs[d][c * x->n_groups + g], F->f[c], t->cols[i], F->miss[c]);
    }
    char what[64];
    snprintf(what, sizeof what, "asof merger: group %d, table %d", g, d);
    return oups_ops__asof_keys(&x->tk[g * x->n_dfs + d], t->cols[k], what);
}

static bool fwd_closer(int64_t kf, int64_t m, int64_t kb, bool fl) {
    if (fl) {
        double f = oups_ops__asof_key_to_double(kf), t = oups_ops__asof_key_to_double(m),
               b = oups_ops__asof_key_to_double(kb);
        return f - t < t - b;
    }
    return (uint64_t)kf - (uint64_t)m < (uint64_t)m - (uint64_t)kb;
}

static bool too_far(const merge_ctx *x, int64_t hi, int64_t lo) {
    return x->m->has_tol && (uint64_t)hi - (uint64_t)lo > (uint64_t)x->m->tol;
}

/* Window base for target `t` of (g, d), given the counts of keys < t and <= t. */
static int64_t resolve(const merge_ctx *x, int g, int d, int64_t t, int64_t clt, int64_t cle) {
    const asof_keys *K = &x->tk[g * x->n_dfs + d];
    const asof_fill *F = &x->st->fills[g * x->n_dfs + d];
    bool allow = x->m->allow[d];
    oups_asof_direction dir = x->m->direction;
    /* Only the counts the direction needs were computed (need_lt / need_le). */
    int64_t b = dir == OUPS_ASOF_FORWARD ? 0 : allow ? cle : clt; /* backward: rows up to the window end */
    int64_t f = dir == OUPS_ASOF_BACKWARD ? K->n : allow ? clt : cle; /* forward: first qualifying row */
    bool have_b = b > 0 || F->n_seen > 0, have_f = f < K->n;
    int64_t kb = b > 0 ? K->v[b - 1] : F->last_key;
    switch (dir) {
    case OUPS_ASOF_BACKWARD:
        if (x->m->has_tol && (!have_b || too_far(x, t, kb))) return -1;
        return b;
    case OUPS_ASOF_FORWARD:
        if (!have_f || too_far(x, K->v[f], t)) return -1;
        return f + 1;
    default:
        if (have_f && (!have_b || fwd_closer(K->v[f], t, kb, x->fl))) return too_far(x, K->v[f], t) ? -1 : f + 1;
        if (x->m->has_tol && (!have_b || too_far(x, t, kb))) return -1;
        return b;
    }
}

static bool need_le(const oups_asof_merger *m, int d) {
    return m->direction == OUPS_ASOF_NEAREST || (m->direction == OUPS_ASOF_BACKWARD) == m->allow[d];
}
static bool need_lt(const oups_asof_merger *m, int d) {
    return m->direction == OUPS_ASOF_NEAREST || (m->direction == OUPS_ASOF_BACKWARD) != m->allow[d];
}

/* Scratch of the block loop. */
typedef struct block_buf {
    int64_t *base;   /* [(j * n_dfs + d) * BLOCK + k] */
    int64_t *clt, *cle;
    int32_t *grp;    /* [j * BLOCK + k] */
    int64_t *cur;    /* cursors [(g * n_dfs + d) * 2 + {0: lt, 1: le}] */
} block_buf;

/* Window bases of rows [i0, i0 + nb) for every (j, d). */
static void block_bases(merge_ctx *x, block_buf *bb, int64_t i0, int64_t nb) {
    const oups_asof_merger *m = x->m;
    const int64_t *M = x->main_k.v + i0;
    int nd = x->n_dfs;
    if (x->n_groups == 1) { /* one group: branch-free merge per df index, shared by all j */
        for (int d = 0; d < nd; d++) {
            const asof_keys *K = &x->tk[d];
            int64_t *out = bb->base + (size_t)d * BLOCK;
            if (m->direction == OUPS_ASOF_BACKWARD && !m->has_tol) { /* the count is the base */
                int64_t *cur = &bb->cur[d * 2 + m->allow[d]];
                *cur = oups_ops__asof_merge_counts(out, M, nb, K->v, K->n, *cur, m->allow[d]);
                continue;
            }
            if (need_lt(m, d))
                bb->cur[d * 2] = oups_ops__asof_merge_counts(bb->clt, M, nb, K->v, K->n, bb->cur[d * 2], false);
            if (need_le(m, d))
                bb->cur[d * 2 + 1] = oups_ops__asof_merge_counts(bb->cle, M, nb, K->v, K->n, bb->cur[d * 2 + 1], true);
            for (int64_t k = 0; k < nb; k++) out[k] = resolve(x, 0, d, M[k], bb->clt[k], bb->cle[k]);
        }
        for (int j = 1; j < x->J; j++)
            memcpy(bb->base + (size_t)j * nd * BLOCK, bb->base, (size_t)nd * BLOCK * 8);
        return;
    }
    for (int j = 0; j < x->J; j++) {
        int32_t *grp = bb->grp + (size_t)j * BLOCK;
        for (int64_t k = 0; k < nb; k++) grp[k] = x->comb[(i0 + k) * x->J + j];
    }
    /* Rows outer, positions inner: each (g, d) cursor then sees non-decreasing targets. */
    bool plain = m->direction == OUPS_ASOF_BACKWARD && !m->has_tol; /* the count is the base */
    for (int64_t k = 0; k < nb; k++)
        for (int j = 0; j < x->J; j++) {
            int g = bb->grp[(size_t)j * BLOCK + k];
            for (int d = 0; d < nd; d++) {
                const asof_keys *K = &x->tk[g * nd + d];
                int64_t *cur = bb->cur + (g * nd + d) * 2;
                if (need_lt(m, d)) cur[0] = oups_ops__asof_step(K->v, K->n, cur[0], M[k], false);
                if (need_le(m, d)) cur[1] = oups_ops__asof_step(K->v, K->n, cur[1], M[k], true);
                bb->base[((size_t)j * nd + d) * BLOCK + k] =
                    plain ? cur[m->allow[d]] : resolve(x, g, d, M[k], cur[0], cur[1]);
            }
        }
}

/* The output columns (all but `on`), block by block. */
static int compute(merge_ctx *x, asof_out *outs) {
    int64_t nm = x->main_k.n;
    int nd = x->n_dfs, J = x->J;
    block_buf bb = {0};
    bb.base = oups_malloc_array((size_t)J * nd * BLOCK, 8);
    bb.clt = oups_malloc_array(BLOCK, 8);
    bb.cle = oups_malloc_array(BLOCK, 8);
    bb.grp = oups_malloc_array((size_t)J * BLOCK, 4);
    bb.cur = oups_calloc((size_t)x->n_groups * nd * 2, 8);
    int rc = (!bb.base || !bb.clt || !bb.cle || !bb.grp || !bb.cur) ? OUPS_ENOMEM : 0;
    for (int64_t i0 = 0; rc == 0 && i0 < nm; i0 += BLOCK) {
        int64_t nb = nm - i0 < BLOCK ? nm - i0 : BLOCK;
        block_bases(x, &bb, i0, nb);
        int o = 0;
        for (int j = 0; rc == 0 && j < J; j++)
            for (int d = 0; rc == 0 && d < nd; d++) {
                const int32_t *grp = x->n_groups == 1 ? NULL : bb.grp + (size_t)j * BLOCK;
                const int64_t *base = bb.base + ((size_t)j * nd + d) * BLOCK;
                int np1 = x->m->n_prev[d] + 1;
                for (int c = 0; rc == 0 && c < x->st->layout[d].n_cols; c++, o += np1)
                    rc = oups_ops__asof_gather(&outs[o], np1, i0, nb, x->srcs[d] + (size_t)c * x->n_groups, grp, base,
                                               np1);
            }
    }
    oups_free(bb.base);
    oups_free(bb.clt);
    oups_free(bb.cle);
    oups_free(bb.grp);
    oups_free(bb.cur);
    return rc;
}

/* New fill blocks of the groups of this call (last np1 rows of F ++ D), into nf[g * n_dfs + d]
 * (entries with an empty table are left zeroed: unchanged). */
static int next_fills(merge_ctx *x, asof_fill *nf) {
    int nd = x->n_dfs;
    for (int g = 0; g < x->n_groups; g++)
        for (int d = 0; d < nd; d++) {
            const asof_keys *K = &x->tk[g * nd + d];
            if (K->n == 0) continue;
            asof_fill *N = &nf[g * nd + d];
            const asof_fill *F = &x->st->fills[g * nd + d];
            const asof_table_layout *L = &x->st->layout[d];
            int np1 = x->m->n_prev[d] + 1;
            int64_t base[64], *bp = np1 <= 64 ? base : oups_malloc_array((size_t)np1, 8);
            N->f = oups_calloc((size_t)L->n_cols + 1, sizeof *N->f);
            N->miss = oups_calloc((size_t)L->n_cols + 1, sizeof *N->miss);
            if (!bp || !N->f || !N->miss) {
                if (bp != base) oups_free(bp);
                return OUPS_ENOMEM;
            }
            for (int s = 0; s < np1; s++) bp[s] = K->n + s; /* H[nk .. nk + np] */
            int rc = 0;
            for (int c = 0; rc == 0 && c < L->n_cols; c++) {
                asof_out o;
                const asof_src *S = &x->srcs[d][(size_t)c * x->n_groups + g];
                rc = oups_ops__asof_out_init(&o, &L->types[c], np1, S->d.validity || S->f.validity, NULL);
                if (rc == 0) rc = oups_ops__asof_gather(&o, 1, 0, np1, S, NULL, bp, np1);
                if (rc == 0) rc = oups_ops__asof_out_finish(&N->f[c], &o);
                else oups_ops__asof_out_free(&o);
                if (rc == 0) N->miss[c] = oups_column_retain(F->miss[c]);
            }
            if (bp != base) oups_free(bp);
            if (rc < 0) return rc;
            N->n_seen = F->n_seen > INT64_MAX - K->n ? INT64_MAX : F->n_seen + K->n;
            N->last_key = K->v[K->n - 1];
        }
    return 0;
}

static int check_args(const oups_asof_merger *m, const oups_column *main, oups_table *const *tables, int n_groups,
                      const int32_t *comb, int J) {
    if (!m || !main || !tables) return oups_error_set(OUPS_EINVAL, "asof merger: merger, main or tables is NULL");
    if (n_groups < 1) return oups_error_set(OUPS_EINVAL, "asof merger: n_groups %d must be >= 1", n_groups);
    if (!comb && n_groups != 1)
        return oups_error_set(OUPS_EINVAL, "asof merger: without combinations, exactly one group is allowed (got %d)",
                              n_groups);
    if (comb && J < 1) return oups_error_set(OUPS_EINVAL, "asof merger: n_join_positions %d must be >= 1", J);
    int want_J = m->has_state ? m->st.J : m->J;
    if (want_J > 0 && J != want_J)
        return oups_error_set(OUPS_EINVAL, "asof merger: %d join positions, the merger has %d", J, want_J);
    if (m->has_state && n_groups > m->st.n_groups)
        return oups_error_set(OUPS_EINVAL, "asof merger: %d groups, more than the %d of the first merge", n_groups,
                              m->st.n_groups);
    for (int i = 0; i < n_groups * m->n_dfs; i++)
        if (!tables[i]) return oups_error_set(OUPS_EINVAL, "asof merger: group %d, table %d is NULL", i / m->n_dfs, i % m->n_dfs);
    int64_t nm = oups_column_length(main);
    for (int64_t i = 0; comb && i < nm * J; i++)
        if (comb[i] < 0 || comb[i] >= n_groups)
            return oups_error_set(OUPS_EINVAL,
                                  "asof merger: combinations[%lld][%d] = %d is not a group index (0..%d)",
                                  (long long)(i / J), (int)(i % J), (int)comb[i], n_groups - 1);
    return 0;
}

/* reuse_output: keep references to the result's buffers for the next call. */
static void keep_buffers(oups_asof_merger *m, const oups_table *t) {
    int n = 2 * (t->n_cols - 1);
    if (m->n_pool != n) {
        release_pool(m);
        if (!(m->pool = oups_calloc((size_t)n + 1, sizeof *m->pool))) return; /* only a missed reuse */
        m->n_pool = n;
    }
    for (int c = 1; c < t->n_cols; c++) {
        const oups_column *col = t->cols[c];
        oups_buffer **slot = m->pool + 2 * (c - 1);
        oups_buffer_release(slot[0]);
        oups_buffer_release(slot[1]);
        slot[0] = oups_type_is_binary(col->type.id) ? NULL : oups_buffer_retain(col->data);
        slot[1] = oups_buffer_retain(col->validity);
    }
}

int oups_asof_merger_merge(oups_table **out, oups_asof_merger *m, const oups_column *main, oups_table *const *tables,
                           int n_groups, const int32_t *comb, int n_join_positions, bool check_sorted) {
    *out = NULL;
    int J = comb ? n_join_positions : 1;
    OUPS_TRY(check_args(m, main, tables, n_groups, comb, J));
    int nd = m->n_dfs;
    asof_state fresh = {0};
    merge_ctx x = {.m = m, .n_groups = n_groups, .J = J, .n_dfs = nd, .comb = comb};
    asof_out *outs = NULL;
    asof_fill *nf = NULL;
    oups_column **cols = NULL;
    char **names = NULL;
    int n_out = 0, rc = 0;
    if (!m->has_state) rc = new_state(&fresh, m, tables, n_groups, J, oups_column_type(main));
    x.st = m->has_state ? &m->st : &fresh;
    if (rc == 0 && !oups_datatype_equal(oups_column_type(main), &x.st->key_type)) {
        char a[80], b[80];
        rc = oups_error_set(OUPS_ESCHEMA, "asof merger: main is %s, the key type of the first merge %s",
                            oups_datatype_format(oups_column_type(main), a, sizeof a),
                            oups_datatype_format(&x.st->key_type, b, sizeof b));
    }
    x.fl = oups_ops__asof_key_is_float(x.st->key_type.id);
    if (rc == 0 && x.fl && m->has_tol)
        rc = oups_error_set(OUPS_EUNSUPPORTED, "asof merger: tolerance needs integer-like keys, '%s' is a float", m->on);
    if (rc == 0) {
        x.tk = oups_calloc((size_t)(n_groups * nd), sizeof *x.tk);
        x.srcs = oups_calloc((size_t)nd, sizeof *x.srcs);
        if (!x.tk || !x.srcs) rc = OUPS_ENOMEM;
    }
    for (int d = 0; rc == 0 && d < nd; d++)
        if (!(x.srcs[d] = oups_calloc((size_t)x.st->layout[d].n_cols * n_groups + 1, sizeof(asof_src)))) rc = OUPS_ENOMEM;
    for (int i = 0; rc == 0 && i < n_groups * nd; i++) rc = bind_table(&x, i / nd, i % nd, tables[i]);
    if (rc == 0) rc = oups_ops__asof_keys(&x.main_k, main, "asof merger: main");
    if (rc == 0 && check_sorted) rc = oups_ops__asof_check_sorted(&x.main_k, "asof merger: main");
    for (int i = 0; rc == 0 && check_sorted && i < n_groups * nd; i++) {
        char what[64];
        snprintf(what, sizeof what, "asof merger: group %d, table %d, key '%s'", i / nd, i % nd, m->on);
        rc = oups_ops__asof_check_sorted(&x.tk[i], what);
    }
    /* Every check passed: compute the output columns. */
    int64_t nm = oups_column_length(main);
    n_out = x.st->n_out;
    if (rc == 0) {
        outs = oups_calloc((size_t)n_out, sizeof *outs);
        cols = oups_calloc((size_t)n_out + 1, sizeof *cols);
        names = oups_calloc((size_t)n_out + 1, sizeof *names);
        nf = oups_calloc((size_t)(n_groups * nd), sizeof *nf);
        if (!outs || !cols || !names || !nf) rc = OUPS_ENOMEM;
    }
    for (int j = 0, o = 0; rc == 0 && j < J; j++)
        for (int d = 0; rc == 0 && d < nd; d++)
            for (int c = 0; rc == 0 && c < x.st->layout[d].n_cols; c++) {
                bool may_null = false;
                for (int g = 0; g < n_groups; g++) {
                    const asof_src *S = &x.srcs[d][(size_t)c * n_groups + g];
                    may_null |= S->d.validity || S->f.validity || S->miss.validity;
                }
                for (int s = 0; rc == 0 && s <= m->n_prev[d]; s++, o++)
                    rc = oups_ops__asof_out_init(&outs[o], &x.st->layout[d].types[c], nm, may_null,
                                                 m->n_pool == 2 * (n_out - 1) ? m->pool + 2 * o : NULL);
            }
    if (rc == 0) rc = compute(&x, outs);
    if (rc == 0) rc = next_fills(&x, nf);
    if (cols) cols[0] = oups_column_retain((oups_column *)main);
    for (int o = 1; rc == 0 && o < n_out; o++) rc = oups_ops__asof_out_finish(&cols[o], &outs[o - 1]);
    for (int o = 0; rc == 0 && o < n_out; o++)
        if (!(names[o] = oups_strdup(x.st->out_names[o]))) rc = OUPS_ENOMEM;
    if (rc == 0) {
        rc = oups_table__adopt(out, n_out, nm, names, cols);
        names = NULL;
        cols = NULL;
    }
    if (rc == 0) { /* commit: new fill blocks, and the state of a first merge */
        asof_state *st = m->has_state ? &m->st : &fresh;
        for (int i = 0; i < n_groups * nd; i++)
            if (nf[i].f) {
                oups_ops__asof_fill_clear(&st->fills[i], st->layout[i % nd].n_cols);
                st->fills[i] = nf[i];
                memset(&nf[i], 0, sizeof nf[i]);
            }
        if (!m->has_state) oups_ops__asof_state_install(m, &fresh);
        x.st = &m->st;
        if (m->reuse_output) keep_buffers(m, *out);
    }
    if (outs)
        for (int o = 0; o < n_out - 1; o++) oups_ops__asof_out_free(&outs[o]);
    oups_free(outs);
    if (nf)
        for (int i = 0; i < n_groups * nd; i++) oups_ops__asof_fill_clear(&nf[i], x.st->layout[i % nd].n_cols);
    oups_free(nf);
    if (cols)
        for (int o = 0; o < n_out; o++) oups_column_release(cols[o]);
    oups_free(cols);
    free_strs(names, n_out);
    ctx_free(&x);
    oups_ops__asof_state_free(&fresh, nd);
    return rc;
}
