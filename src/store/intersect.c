/*
 * store/intersect.c: iter_intersections (spec §5): lock-step iteration of several datasets
 * over the key axis. Row groups sharing a boundary key are collapsed into groups; each
 * dataset contributes the first key of each of its relevant groups (after the first) as a
 * step boundary; steps are the sorted union. Memory: per dataset, the one group currently
 * needed (plus unconsumed rows of the previous one), loaded when a step's upper bound
 * passes the group's first key. n_prev (newer revision) prepends preceding rows in step 0.
 * Column selection (options version 2): only the chosen columns, plus ordered_on, are read.
 * In the row groups a window's bounds cut, only the pages that can hold keys in the window
 * (the key column's page index), plus the n_prev rows before start, are read.
 */
#include <stdlib.h>

#include "store/internal.h"

/* Whether loads cut row groups to the window's pages (tests compare with the uncut iteration). */
bool oups_store__intersect_cut = true;

typedef struct it_ds {
    oups_opd *opd;
    int index;
    int64_t n_groups, f, l, loaded_end;
    int64_t *g_rg; /* first row group of each group, plus n_rgs */
    int64_t *gmin;
    oups_table *mem;
    int64_t *keys, n_mem, pos;
    oups_table *prefix; /* n_prev rows for step 0 */
    const char **cols;  /* selected columns (+ ordered_on), NULL: all */
    int n_cols;
    int64_t lo, n_before; /* the first load's cut: keys >= lo, and n_before rows before them */
    const int64_t *hi;    /* every load's cut: keys < *hi (NULL: none) */
} it_ds;

struct oups_intersections {
    int n_all, n_ds; /* requested datasets; participating ones */
    it_ds *ds;
    oups_opd **owned; /* datasets to close at free (store version) */
    bool has_end;
    int64_t end;
    int64_t n_steps, step;
    int64_t *U; /* n_steps upper bounds; the last is end or +inf (has_end false) */
    oups_table **step_tables;
    int *which;
    int n_cur;
};

static void clear_step(oups_intersections *it) {
    for (int i = 0; i < it->n_cur; i++) oups_table_free(it->step_tables[i]);
    it->n_cur = 0;
}

static void free_cols(it_ds *d) {
    for (int k = 0; k < d->n_cols; k++) oups_free((char *)d->cols[k]);
    oups_free(d->cols);
}

void oups_intersections_free(oups_intersections *it) {
    if (!it) return;
    clear_step(it);
    for (int i = 0; i < it->n_ds; i++) {
        it_ds *d = &it->ds[i];
        oups_free(d->g_rg);
        oups_free(d->gmin);
        oups_table_free(d->mem);
        oups_free(d->keys);
        oups_table_free(d->prefix);
        free_cols(d);
    }
    if (it->owned)
        for (int i = 0; i < it->n_all; i++) oups_opd_close(it->owned[i]);
    oups_free(it->owned);
    oups_free(it->ds);
    oups_free(it->U);
    oups_free(it->step_tables);
    oups_free(it->which);
    oups_free(it);
}

int oups_store__intersections_own(oups_intersections *it, oups_opd **opds) {
    it->owned = oups_malloc_array((size_t)it->n_all + 1, sizeof *opds);
    if (!it->owned) return OUPS_ENOMEM;
    memcpy(it->owned, opds, (size_t)it->n_all * sizeof *opds);
    return 0;
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Groups of dataset d; f and l per the bounds; returns whether it participates. */
static int setup_ds(it_ds *d, bool has_start, int64_t start, bool has_end, int64_t end) {
    const store_stats *s = &d->opd->stats;
    d->g_rg = oups_malloc_array((size_t)s->n + 1, 8);
    d->gmin = oups_malloc_array((size_t)s->n + 1, 8);
    int64_t *gmax = oups_malloc_array((size_t)s->n + 1, 8);
    if (!d->g_rg || !d->gmin || !gmax) {
        oups_free(gmax);
        return OUPS_ENOMEM;
    }
    for (int64_t i = 0; i < s->n; i++) {
        if (i == 0 || s->mins[i] != s->maxs[i - 1]) {
            d->g_rg[d->n_groups] = i;
            d->gmin[d->n_groups++] = s->mins[i];
        }
        gmax[d->n_groups - 1] = s->maxs[i];
    }
    d->g_rg[d->n_groups] = s->n;
    d->f = 0;
    if (has_start)
        while (d->f < d->n_groups && gmax[d->f] < start) d->f++;
    d->l = has_end ? oups_store__lower(d->gmin, d->n_groups, end) : d->n_groups;
    d->loaded_end = d->f;
    oups_free(gmax);
    return 0;
}

/* Load groups [loaded_end, ge) after the unconsumed rows of the current table, each row group
 * cut to the pages the window needs (keys below lo only on the first load). Rows before the
 * cut of the first load are all below lo and n_before of them are kept, so that step 0's
 * n_prev rows are right; rows cut at the end are all >= *hi, never part of a step. */
static int load_groups(it_ds *d, int64_t ge) {
    int64_t a = d->g_rg[d->loaded_end], b = d->g_rg[ge];
    bool first = d->mem == NULL, cut = oups_store__intersect_cut;
    oups_table **parts = oups_calloc((size_t)(b - a) + 1, sizeof *parts);
    if (!parts) return OUPS_ENOMEM;
    int rc = 0;
    for (int64_t i = a; rc == 0 && i < b; i++)
        rc = oups_store__read_rg_cut(&parts[i - a], d->opd, i, d->cols, d->n_cols, first && cut ? d->lo : INT64_MIN,
                                     cut ? d->hi : NULL, first ? d->n_before : 0);
    oups_table *t = NULL, *rest = NULL, *cat = NULL;
    if (rc == 0 && b - a == 1) t = parts[0], parts[0] = NULL;
    else if (rc == 0) rc = oups_table_concat(&t, parts, (int)(b - a));
    for (int64_t i = a; i < b; i++) oups_table_free(parts[i - a]);
    oups_free(parts);
    if (rc == 0 && d->mem && d->pos < d->n_mem) {
        rc = oups_table_slice(&rest, d->mem, d->pos, d->n_mem - d->pos);
        oups_table *parts[2] = {rest, t};
        if (rc == 0) rc = oups_table_concat(&cat, parts, 2);
        oups_table_free(rest);
        oups_table_free(t);
        t = cat;
    }
    int64_t n = t ? oups_table_num_rows(t) : 0;
    int64_t *keys = NULL;
    if (rc == 0) {
        keys = oups_malloc_array((size_t)n + 1, 8);
        rc = keys ? oups_store__key_extract(keys, oups_table_column(t, oups_table_column_index(t, d->opd->ordered_on)),
                                            d->opd->ordered_on)
                  : OUPS_ENOMEM;
    }
    if (rc < 0) {
        oups_table_free(t);
        oups_free(keys);
        return rc;
    }
    oups_table_free(d->mem);
    oups_free(d->keys);
    d->mem = t;
    d->keys = keys;
    d->n_mem = n;
    d->pos = 0;
    d->loaded_end = ge;
    return 0;
}

/* The n rows preceding row group rg0's first row, from row groups before it. */
static int rows_before(oups_table **out, it_ds *d, int64_t rg0, int64_t n) {
    const store_stats *s = &d->opd->stats;
    int64_t a = rg0, have = 0;
    while (a > 0 && have < n) have += s->n_rows[--a];
    int64_t *idx = oups_malloc_array((size_t)(rg0 - a) + 1, 8);
    if (!idx) return OUPS_ENOMEM;
    for (int64_t i = a; i < rg0; i++) idx[i - a] = i;
    oups_table *t;
    int rc = oups_store__read_rgs(&t, d->opd, idx, rg0 - a, d->cols, d->n_cols);
    oups_free(idx);
    if (rc < 0) return rc;
    int64_t rows = oups_table_num_rows(t), take = rows < n ? rows : n;
    rc = oups_table_slice(out, t, rows - take, take);
    oups_table_free(t);
    return rc;
}

/* Dataset d's column selection: copies of the names, ordered_on appended when missing. */
static int select_cols(it_ds *d, const char *const *cols, const int *n_cols, int i) {
    if (!cols) return 0;
    int n = n_cols ? n_cols[i] : -1;
    if (n < 0) return oups_error_set(OUPS_EINVAL, "iter_intersections: no column count for '%s'", d->opd->path);
    d->cols = oups_calloc((size_t)n + 2, sizeof *d->cols);
    if (!d->cols) return OUPS_ENOMEM;
    bool has = false;
    for (int k = 0; k <= n; k++) {
        if (k == n && has) break;
        const char *name = k < n ? cols[k] : d->opd->ordered_on;
        if (!name) return oups_error_set(OUPS_EINVAL, "iter_intersections: column %d of '%s' is NULL", k, d->opd->path);
        if (!(d->cols[d->n_cols] = oups_strdup(name))) return OUPS_ENOMEM;
        d->n_cols++;
        has |= strcmp(name, d->opd->ordered_on) == 0;
    }
    return 0;
}

int oups_intersections_open(oups_intersections **out, oups_opd *const *opds, int n,
                            const oups_intersections_options *opts) {
    *out = NULL;
    oups_intersections_options def = OUPS_INTERSECTIONS_OPTIONS_INIT;
    if (!opts) opts = &def;
    for (int i = 0; i < n; i++) {
        const char *a = opds[0]->ordered_on, *b = opds[i]->ordered_on;
        if (!a || !b || strcmp(a, b) != 0)
            return oups_error_set(OUPS_EINVAL, "inconsistent 'ordered_on' columns. '%s' has '%s', but '%s' has '%s'.",
                                  opds[0]->path, a ? a : "(unset)", opds[i]->path, b ? b : "(unset)");
        if (opts->n_prev && opts->n_prev[i] < 0)
            return oups_error_set(OUPS_EINVAL, "'n_prev' values must be greater than or equal to 0.");
    }
    oups_intersections *it = oups_calloc(1, sizeof *it);
    if (!it) return OUPS_ENOMEM;
    it->n_all = n;
    it->ds = oups_calloc((size_t)n + 1, sizeof *it->ds);
    it->step_tables = oups_calloc((size_t)n + 1, sizeof *it->step_tables);
    it->which = oups_calloc((size_t)n + 1, sizeof *it->which);
    int rc = it->ds && it->step_tables && it->which ? 0 : OUPS_ENOMEM;
    const oups_datatype *kt = NULL;
    int64_t n_bounds = 0, *bounds = NULL;
    for (int i = 0; rc == 0 && i < n; i++) {
        if (opds[i]->stats.n == 0) continue;
        if (kt && !oups_datatype_equal(kt, &opds[i]->key_type))
            rc = oups_error_set(OUPS_ESCHEMA, "inconsistent key types: '%s' and '%s'", opds[0]->path, opds[i]->path);
        kt = &opds[i]->key_type;
        n_bounds += opds[i]->stats.n;
    }
    int64_t start = 0;
    if (rc == 0 && kt && opts->start) rc = oups_store__key_from_scalar(&start, kt, opts->start);
    if (rc == 0 && kt && opts->end_excl) rc = oups_store__key_from_scalar(&it->end, kt, opts->end_excl);
    it->has_end = opts->end_excl != NULL;
    if (rc == 0) {
        bounds = oups_malloc_array((size_t)n_bounds + 1, 8);
        if (!bounds) rc = OUPS_ENOMEM;
    }
    n_bounds = 0;
    for (int i = 0; rc == 0 && i < n; i++) {
        if (opds[i]->stats.n == 0) continue;
        it_ds *d = &it->ds[it->n_ds];
        d->opd = opds[i];
        d->index = i;
        rc = setup_ds(d, opts->start != NULL, start, it->has_end, it->end);
        if (rc == 0 && opts->version >= 2 && opts->columns) /* version 1 has no such field */
            rc = select_cols(d, opts->columns[i], opts->n_columns, i);
        if (rc < 0 || d->f >= d->l) { /* not participating */
            oups_free(d->g_rg);
            oups_free(d->gmin);
            free_cols(d);
            memset(d, 0, sizeof *d);
            continue;
        }
        it->n_ds++;
        for (int64_t g = d->f + 1; g < d->l; g++) bounds[n_bounds++] = d->gmin[g];
        int64_t np = opts->n_prev ? opts->n_prev[i] : 0;
        d->lo = opts->start ? start : INT64_MIN;
        d->n_before = np;
        d->hi = it->has_end ? &it->end : NULL;
        if (!opts->start) continue;
        rc = load_groups(d, d->f + 1); /* position step 0 at start, with n_prev rows before */
        if (rc == 0) d->pos = oups_store__lower(d->keys, d->n_mem, start);
        if (rc == 0 && np > d->pos) { /* take the missing rows from earlier row groups, if any */
            if (d->g_rg[d->f] > 0) rc = rows_before(&d->prefix, d, d->g_rg[d->f], np - d->pos);
            d->pos = 0;
        } else {
            d->pos -= np;
        }
    }
    if (rc == 0 && it->n_ds > 0) {
        qsort(bounds, (size_t)n_bounds, 8, cmp_i64);
        int64_t m = 0;
        for (int64_t i = 0; i < n_bounds; i++)
            if (m == 0 || bounds[i] != bounds[m - 1]) bounds[m++] = bounds[i];
        bounds[m++] = it->end; /* only meaningful with has_end; the last step is unbounded otherwise */
        it->U = bounds;
        it->n_steps = m;
        bounds = NULL;
    }
    oups_free(bounds);
    if (rc < 0) {
        oups_intersections_free(it);
        return rc;
    }
    it->step = -1;
    *out = it;
    return 0;
}

int oups_intersections_next(oups_intersections *it, bool *done) {
    clear_step(it);
    *done = false;
    if (it->step + 1 >= it->n_steps) {
        it->step = it->n_steps;
        *done = true;
        return 0;
    }
    int64_t j = ++it->step;
    bool last = j == it->n_steps - 1, unbounded = last && !it->has_end;
    int64_t U = it->U[j];
    for (int i = 0; i < it->n_ds; i++) {
        it_ds *d = &it->ds[i];
        int64_t ge = last ? d->l : oups_store__lower(d->gmin, d->l, U);
        if (ge <= d->f) ge = d->f + 1;
        if (ge > d->loaded_end) OUPS_TRY(load_groups(d, ge));
        int64_t end = unbounded ? d->n_mem : oups_store__lower(d->keys, d->n_mem, U);
        if (end < d->pos) end = d->pos;
        oups_table *t;
        OUPS_TRY(oups_table_slice(&t, d->mem, d->pos, end - d->pos));
        d->pos = end;
        if (d->prefix) {
            oups_table *parts[2] = {d->prefix, t}, *cat;
            int rc = oups_table_concat(&cat, parts, 2);
            oups_table_free(t);
            OUPS_TRY(rc);
            t = cat;
            oups_table_free(d->prefix);
            d->prefix = NULL;
        }
        it->step_tables[it->n_cur] = t;
        it->which[it->n_cur++] = d->index;
    }
    return 0;
}

int oups_intersections_count(const oups_intersections *it) { return it->n_cur; }
int oups_intersections_index(const oups_intersections *it, int i) { return i >= 0 && i < it->n_cur ? it->which[i] : -1; }
const oups_table *oups_intersections_table(const oups_intersections *it, int i) {
    return i >= 0 && i < it->n_cur ? it->step_tables[i] : NULL;
}
