/*
 * ops/segagg_seg.c: the segmenters of the segmented aggregator (spec §2): time grid, row
 * count, explicit points and user callback for bins; time grid and points for snapshots.
 * Each turns one group's ordered values v[0..n) into markers (exclusive end row, label,
 * ordering key) and updates the group's segmentation state so that the next call's first
 * bin (and first time-grid snapshot) is this call's last one, continued.
 */
#include "ops/internal.h"
#include "ops/segagg.h"

/* More bins than this in one call is almost surely a wrong period (1ns over days): refuse
 * before allocating. Fuzzing builds use a small cap: a mutated state whose bin in progress is
 * years before the chunk is valid, but would spend the fuzzer's time emitting empty bins. */
#ifdef OUPS_FUZZING
#define SA_MAX_MARKS (INT64_C(1) << 16)
#else
#define SA_MAX_MARKS (INT64_C(1) << 28)
#endif

int oups_ops__sa_marks_reserve(sa_marks *m, int64_t n) {
    if (n <= m->cap) return 0;
    if (n > SA_MAX_MARKS)
        return oups_error_set(OUPS_EINVAL, "segagg: %lld bins or snapshots in one call (more than %lld): "
                              "is the period too small?", (long long)n, (long long)SA_MAX_MARKS);
    int64_t cap = m->cap ? m->cap : 16;
    while (cap < n) cap *= 2;
    int64_t *r = oups_realloc(m->row, (size_t)cap * 8), *l = r ? oups_realloc(m->label, (size_t)cap * 8) : NULL;
    if (r) m->row = r;
    if (l) m->label = l;
    int64_t *k = l ? oups_realloc(m->key, (size_t)cap * 8) : NULL;
    if (!k) return OUPS_ENOMEM;
    m->key = k;
    m->cap = cap;
    return 0;
}

void oups_ops__sa_marks_free(sa_marks *m) {
    oups_free(m->row);
    oups_free(m->label);
    oups_free(m->key);
    memset(m, 0, sizeof *m);
}

static int push(sa_marks *m, int64_t row, int64_t label, int64_t key) {
    if (m->n == m->cap) OUPS_TRY(oups_ops__sa_marks_reserve(m, m->n + 1));
    m->row[m->n] = row;
    m->label[m->n] = label;
    m->key[m->n] = key;
    m->n++;
    return 0;
}

/* A value of ordered_on as text for messages (ISO 8601 for timestamps). */
static const char *fmt_on(char *buf, size_t cap, const oups_segagg *a, int64_t v) {
    int32_t v32 = (int32_t)v;
    int16_t v16 = (int16_t)v;
    int8_t v8 = (int8_t)v;
    int w = oups_datatype_width(a->on_type.id);
    oups_column_view cv = {.type = a->on_type, .length = 1};
    cv.data = w == 8 ? (const void *)&v : w == 4 ? (const void *)&v32 : w == 2 ? (const void *)&v16 : (const void *)&v8;
    return oups_column__format(buf, cap, &cv, 0);
}

int oups_ops__sa_freq(int64_t *out, const oups_segagg *a, const oups_segmenter *s, const char *what) {
    if (s->freq_ns % a->unit_ns != 0)
        return oups_error_set(OUPS_EINVAL, "segagg: %s period of %lld ns is not a whole number of units of '%s'", what,
                              (long long)s->freq_ns, a->ordered_on);
    *out = s->freq_ns / a->unit_ns;
    return 0;
}

static int64_t mod_floor(int64_t x, int64_t f) {
    int64_t r = x % f;
    return r < 0 ? r + f : r;
}

/* Largest grid point <= t (grid: origin + k * F). */
static int grid_floor(int64_t *out, int64_t t, int64_t origin, int64_t F) {
    int64_t o = mod_floor(origin, F), d;
    if (__builtin_sub_overflow(t, o, &d)) return oups_error_set(OUPS_EOVERFLOW, "segagg: timestamp out of range");
    *out = t - mod_floor(d, F);
    return 0;
}

/* Spec §2.2: intervals from the one holding v[0] (or the stored last interval when
 * restarting) to the first whose end covers v[n-1]; *key = start edge of the last one. */
static int time_grid(sa_marks *out, const oups_segagg *a, const oups_segmenter *s, const int64_t *v, int64_t n,
                     bool restarting, int64_t *key) {
    bool right = a->bin.closed_right;
    int64_t F = 1, S, E, fl = 0;
    OUPS_TRY(oups_ops__sa_freq(&F, a, s, s == &a->bin ? "bin_by" : "snap_by"));
    if (restarting) S = *key;
    else {
        OUPS_TRY(grid_floor(&fl, v[0], a->origin, F));
        if (right && fl == v[0] && __builtin_sub_overflow(fl, F, &fl))
            return oups_error_set(OUPS_EOVERFLOW, "segagg: timestamp out of range");
        S = fl;
    }
    OUPS_TRY(grid_floor(&fl, v[n - 1], a->origin, F));
    if (!right || fl != v[n - 1]) {
        if (__builtin_add_overflow(fl, F, &E)) return oups_error_set(OUPS_EOVERFLOW, "segagg: timestamp out of range");
    } else E = fl;
    int64_t span;
    /* The interval in progress starts at or before the first row; off the grid, after it, or
     * absurdly far before it: only a damaged state gives this. */
    if (S > v[0] || __builtin_sub_overflow(E, S, &span) || span % F != 0 || span < F)
        return oups_error_set(OUPS_EINVAL, "segagg: restart edge not on the grid of '%s' before the chunk",
                              a->ordered_on);
    int64_t nb = span / F;
    OUPS_TRY(oups_ops__sa_marks_reserve(out, nb));
    int64_t p = 0;
    for (int64_t k = 1; k <= nb; k++) {
        int64_t e = S + k * F;
        p = oups_ops__asof_advance(v, n, p, e, right);
        out->row[k - 1] = p;
        out->label[k - 1] = s->label_right ? e : e - F;
        out->key[k - 1] = e;
    }
    out->n = nb;
    *key = E - F;
    return 0;
}

/* Spec §2.4 (by_x_rows), with the group's rows in its bin in progress g->bin_rows. */
static int row_bins(sa_marks *out, const oups_segagg *a, const int64_t *v, int64_t n, sa_group *g, bool restarting) {
    int64_t by = a->bin.rows, r = restarting ? g->bin_rows : 0;
    bool right = a->bin.closed_right;
    int64_t cont = restarting && r < by ? (n < by - r ? n : by - r) : 0;
    int64_t fresh = n - cont;
    int64_t nb = (fresh + by - 1) / by + (cont > 0) + (restarting && cont == 0);
    OUPS_TRY(oups_ops__sa_marks_reserve(out, nb));
    if (restarting && cont == 0) /* previous last bin full: re-emit it, empty (spec §2.4 step 7) */
        OUPS_TRY(push(out, 0, g->last_label, right ? g->last_end : v[0]));
    int64_t end = cont > 0 ? cont : (by < n ? by : n);
    for (int64_t start = 0; start < n; start = end, end = end + by < n ? end + by : n) {
        int64_t label = start == 0 && cont > 0 ? g->last_label : v[start];
        int64_t key = right ? v[end - 1] : v[end < n ? end : n - 1];
        OUPS_TRY(push(out, end, label, key));
    }
    int64_t last_rows = out->row[out->n - 1] - (out->n > 1 ? out->row[out->n - 2] : 0);
    if (cont > 0 && out->n == 1) last_rows += r;
    out->last_unknown = !right || last_rows != by;
    g->last_label = out->label[out->n - 1];
    g->last_end = out->key[out->n - 1];
    return 0;
}

/* First point index whose interval holds x: p > x (left-closed) or p >= x (right-closed). */
static int64_t first_covering(const int64_t *p, int64_t m, int64_t x, bool right) {
    int64_t lo = 0, hi = m;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (right ? p[mid] >= x : p[mid] > x) hi = mid;
        else lo = mid + 1;
    }
    return lo;
}

/* Spec §2.3 for fixed points: from point k0 on, until the first whose count covers all rows.
 * Returns the index of the last point used, or m if the points ran out before the data. */
static int64_t points_walk(sa_marks *out, const int64_t *p, int64_t m, int64_t k0, const int64_t *v, int64_t n,
                           bool right, int *rc) {
    int64_t row = 0, k = k0;
    *rc = 0;
    for (; k < m; k++) {
        row = oups_ops__asof_advance(v, n, row, p[k], right);
        if ((*rc = push(out, row, p[k], p[k])) < 0) return k;
        if (row == n) return k;
    }
    return m;
}

static int point_bins(sa_marks *out, const oups_segagg *a, const int64_t *v, int64_t n, sa_group *g, bool restarting) {
    const oups_segmenter *s = &a->bin;
    int64_t k0 = restarting ? g->bin_key : first_covering(s->points, s->n_points, v[0], s->closed_right);
    int rc;
    int64_t k = points_walk(out, s->points, s->n_points, k0, v, n, s->closed_right, &rc);
    OUPS_TRY(rc);
    if (k >= s->n_points) {
        char b1[64];
        return oups_error_set(OUPS_EINVAL, "segagg: value %s of '%s' is beyond the last bin end point",
                              fmt_on(b1, sizeof b1, a, v[n - 1]), a->ordered_on);
    }
    g->bin_key = k;
    g->last_label = s->points[k];
    return 0;
}

static int user_bins(sa_marks *out, const oups_segagg *a, const int64_t *v, int64_t n, sa_group *g, bool restarting) {
    uint8_t saved[OUPS_SEGAGG_USER_STATE];
    memcpy(saved, g->user, sizeof saved);
    OUPS_TRY(oups_ops__sa_marks_reserve(out, n + 2));
    oups_segagg_bins b;
    int rc;
    for (int tries = 0;; tries++) {
        b = (oups_segagg_bins){out->cap, 0, out->row, out->label, out->key, false};
        rc = a->bin.fn(&b, v, n, g->user, restarting, a->bin.user);
        if (rc != OUPS_EOVERFLOW || tries == 4) break;
        memcpy(g->user, saved, sizeof saved);
        if (b.n <= out->cap) return oups_error_set(OUPS_EINVAL, "segagg: user segmenter asked for %lld bins of "
                                                   "capacity, it had %lld", (long long)b.n, (long long)out->cap);
        OUPS_TRY(oups_ops__sa_marks_reserve(out, b.n));
    }
    if (rc < 0) return rc == OUPS_EOVERFLOW ? oups_error_set(rc, "segagg: user segmenter keeps asking for more room") : rc;
    if (b.n < 1 || b.n > out->cap)
        return oups_error_set(OUPS_EINVAL, "segagg: user segmenter returned %lld bins (capacity %lld)", (long long)b.n,
                              (long long)out->cap);
    for (int64_t i = 0; i < b.n; i++)
        if (out->row[i] < (i ? out->row[i - 1] : 0) || out->row[i] > n)
            return oups_error_set(OUPS_EINVAL, "segagg: user segmenter: bin %lld ends at row %lld (rows: %lld; ends "
                                  "must be non-decreasing)", (long long)i, (long long)out->row[i], (long long)n);
    if (out->row[b.n - 1] != n)
        return oups_error_set(OUPS_EINVAL, "segagg: user segmenter: series of bins have to cover the full length of "
                              "the data (last end row %lld, %lld rows)", (long long)out->row[b.n - 1], (long long)n);
    if (b.n >= 2 && out->row[b.n - 2] == n)
        return oups_error_set(OUPS_EINVAL, "segagg: user segmenter: there is at least one empty trailing bin");
    if (restarting && out->label[0] != g->last_label) {
        char b1[64], b2[64];
        return oups_error_set(OUPS_EINVAL, "segagg: user segmenter: not possible to have label %s of the first bin "
                              "different than label %s of the previous call's last bin",
                              fmt_on(b1, sizeof b1, a, out->label[0]), fmt_on(b2, sizeof b2, a, g->last_label));
    }
    out->n = b.n;
    out->last_unknown = b.last_end_unknown;
    g->last_label = out->label[b.n - 1];
    return 0;
}

int oups_ops__sa_bins(sa_marks *out, const oups_segagg *a, const int64_t *v, int64_t n, sa_group *g, bool restarting) {
    out->n = 0;
    out->last_unknown = false;
    switch (a->bin.kind) {
    case OUPS_SEG_TIME:
        OUPS_TRY(time_grid(out, a, &a->bin, v, n, restarting, &g->bin_key));
        g->last_label = out->label[out->n - 1];
        return 0;
    case OUPS_SEG_ROWS: return row_bins(out, a, v, n, g, restarting);
    case OUPS_SEG_POINTS: return point_bins(out, a, v, n, g, restarting);
    case OUPS_SEG_CALLBACK: return user_bins(out, a, v, n, g, restarting);
    default: return oups_error_set(OUPS_EINVAL, "segagg: no bin_by segmenter");
    }
}

int oups_ops__sa_snaps(sa_marks *out, const oups_segagg *a, const int64_t *v, int64_t n, sa_group *g, bool restarting) {
    const oups_segmenter *s = &a->snap;
    out->n = 0;
    out->last_unknown = false;
    if (s->kind == OUPS_SEG_TIME) return time_grid(out, a, s, v, n, restarting, &g->snap_key);
    if (s->kind != OUPS_SEG_POINTS) return 0;
    bool right = a->bin.closed_right;
    int64_t k0 = restarting ? g->snap_key : first_covering(s->points, s->n_points, v[0], right);
    int rc;
    g->snap_key = points_walk(out, s->points, s->n_points, k0, v, n, right, &rc);
    return rc;
}
