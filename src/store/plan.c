/*
 * store/plan.c: the write planner (spec §4.4-4.6), pure functions over row-group stats and
 * the new keys: ordered atomic regions (OARs), "likely on target" per strategy (n-rows or
 * time period), merge regions with off-target coalescing, and merge sequences (load points).
 * Also the split rule used by the streaming merge. No I/O; write.c executes the plan.
 * Keys are order-preserving int64 (keyval.c); for the period strategy they are ns timestamps.
 */
#include "store/internal.h"

void oups_store__oars_free(store_oars *o) {
    oups_free(o->rg_start);
    oups_free(o->rg_end);
    oups_free(o->df_end);
    oups_free(o->has_rg);
    oups_free(o->has_df);
    oups_free(o->no_split);
    memset(o, 0, sizeof *o);
}

static void oar_push(store_oars *o, int64_t rs, int64_t re, int64_t de, bool hr, bool hd) {
    int64_t k = o->n++;
    o->rg_start[k] = rs;
    o->rg_end[k] = re;
    o->df_end[k] = de;
    o->has_rg[k] = hr;
    o->has_df[k] = hd;
}

int oups_store__oars(store_oars *out, const int64_t *mins, const int64_t *maxs, int64_t R, const int64_t *d,
                     int64_t D, bool drop) {
    memset(out, 0, sizeof *out);
    for (int64_t i = 0; i + 1 < R; i++)
        if (maxs[i] > mins[i + 1]) return oups_error_set(OUPS_EINVAL, "row groups must not overlap (row group %lld)", (long long)i);
    for (int64_t i = 1; i < D; i++)
        if (d[i] < d[i - 1]) return oups_error_set(OUPS_EUNORDERED, "'df_ordered_on' must be sorted in ascending order (row %lld)", (long long)i);
    int64_t cap = 2 * R + 1;
    int64_t *s = oups_malloc_array((size_t)(R + 1), sizeof *s), *e = oups_malloc_array((size_t)(R + 1), sizeof *e);
    bool *ov = oups_calloc((size_t)(R + 1), 1);
    out->rg_start = oups_malloc_array((size_t)cap, 8);
    out->rg_end = oups_malloc_array((size_t)cap, 8);
    out->df_end = oups_malloc_array((size_t)cap, 8);
    out->has_rg = oups_calloc((size_t)cap, 1);
    out->has_df = oups_calloc((size_t)cap, 1);
    out->no_split = oups_malloc_array((size_t)(R + 1), 8);
    if (!s || !e || !ov || !out->rg_start || !out->rg_end || !out->df_end || !out->has_rg || !out->has_df ||
        !out->no_split) {
        oups_free(s);
        oups_free(e);
        oups_free(ov);
        oups_store__oars_free(out);
        return OUPS_ENOMEM;
    }
    if (R == 0) {
        oar_push(out, 0, 0, D, false, true);
    } else {
        for (int64_t i = 0; i < R; i++) { /* step A */
            s[i] = oups_store__lower(d, D, mins[i]);
            e[i] = drop ? oups_store__upper(d, D, maxs[i]) : oups_store__lower(d, D, maxs[i]);
            ov[i] = s[i] != e[i];
        }
        for (int64_t i = 0; i + 1 < R; i++) /* step B */
            if (mins[i + 1] == maxs[i] && ov[i + 1]) {
                e[i] = s[i + 1];
                out->no_split[out->n_no_split++] = i + 1;
            }
        for (int64_t j = 0; j < R; j++) { /* steps C and D */
            int64_t prev_end = j == 0 ? 0 : e[j - 1];
            if (s[j] - prev_end > 0) oar_push(out, j, j, s[j], false, true);
            oar_push(out, j, j + 1, e[j], true, ov[j]);
        }
        if (D - e[R - 1] > 0) oar_push(out, R, R, D, false, true);
    }
    oups_free(s);
    oups_free(e);
    oups_free(ov);
    return 0;
}

/* ---- n-rows strategy (§4.5) ---------------------------------------------------------- */

void oups_store__nrows_on_target(bool *on_target, int64_t *min_rows, const store_oars *o, const int64_t *rg_rows,
                                 int64_t T, bool drop) {
    int64_t min_size = (int64_t)(0.8 * (double)T);
    for (int64_t k = 0; k < o->n; k++) {
        int64_t nr = o->has_rg[k] ? rg_rows[o->rg_start[k]] : 0;
        int64_t df_rows = o->df_end[k] - (k ? o->df_end[k - 1] : 0);
        int64_t max_rows = nr + df_rows;
        min_rows[k] = drop ? (nr > df_rows ? nr : df_rows) : max_rows;
        on_target[k] = o->has_df[k] ? max_rows >= min_size : (min_size <= max_rows && max_rows <= T);
    }
}

int64_t oups_store__nrows_group(int64_t *sel, const int64_t *min_rows, int64_t a, int64_t b, int64_t T) {
    int64_t n = 0, c = 0, j = 1;
    for (int64_t k = a; k < b; k++) {
        c += min_rows[k];
        bool hit = false;
        while (j <= INT64_MAX / T && c >= j * T) { /* first index where c >= j*T, deduplicated */
            hit = true;
            j++;
        }
        if (hit) sel[n++] = k - a;
    }
    if (n > 0) n--; /* drop the largest: a trailing partial chunk joins the last full one */
    sel[n++] = b - a - 1;
    if (n >= 2 && sel[n - 2] == sel[n - 1]) n--;
    return n;
}

typedef struct nrows_ctx {
    const int64_t *min_rows;
    int64_t T;
} nrows_ctx;

static bool nrows_exceeds(int64_t a, int64_t b, void *ctx) {
    const nrows_ctx *c = ctx;
    int64_t sum = 0;
    for (int64_t k = a; k < b; k++) sum += c->min_rows[k];
    return sum >= c->T;
}

/* ---- time-period strategy (§4.6) ----------------------------------------------------- */

/* Bin number of ns timestamp v: fixed periods by arithmetic; calendar ones by walking the
 * grid from *cur (values come in non-decreasing order, so the walk is linear overall). */
typedef struct bin_walk {
    int64_t start, idx; /* current bin start and its number */
} bin_walk;

static int bin_of(int64_t *out, const oups_period *p, bin_walk *w, int64_t v) {
    int64_t f;
    OUPS_TRY(oups_period_floor(&f, p, v));
    if (p->unit <= OUPS_PERIOD_W) {
        int64_t len;
        OUPS_TRY(oups_period_nanos(&len, p));
        *out = (f - w->start) / len;
        return 0;
    }
    while (w->start < f) {
        OUPS_TRY(oups_period_next(&w->start, p, w->start));
        w->idx++;
    }
    *out = w->idx;
    return 0;
}

int oups_store__period_pidx(int64_t *pstart, int64_t *pend, const store_oars *o, const int64_t *mins,
                            const int64_t *maxs, const int64_t *d, const oups_period *p) {
    bin_walk w = {0, 0};
    for (int64_t k = 0; k < o->n; k++) {
        int64_t lo = 0, hi = 0, d0 = k ? o->df_end[k - 1] : 0;
        if (o->df_end[k] > d0) {
            lo = d[d0];
            hi = d[o->df_end[k] - 1];
        }
        if (o->has_rg[k]) {
            lo = mins[o->rg_start[k]];
            hi = maxs[o->rg_start[k]];
        }
        if (k == 0) OUPS_TRY(oups_period_floor(&w.start, p, lo));
        /* pidx = searchsorted_right(grid, v) = bin number + 1 (grid starts at floor(first)) */
        OUPS_TRY(bin_of(&pstart[k], p, &w, lo));
        OUPS_TRY(bin_of(&pend[k], p, &w, hi));
        pstart[k]++;
        pend[k]++;
    }
    return 0;
}

int oups_store__period_on_target(bool *on_target, const store_oars *o, const int64_t *pstart, const int64_t *pend) {
    /* pstart[0], pend[0], pstart[1], ... is non-decreasing: count occurrences by search. */
    int64_t *v = oups_malloc_array((size_t)(2 * o->n + 1), 8);
    if (!v) return OUPS_ENOMEM;
    for (int64_t k = 0; k < o->n; k++) {
        v[2 * k] = pstart[k];
        v[2 * k + 1] = pend[k];
    }
    for (int64_t k = 0; k < o->n; k++) {
        int64_t count = oups_store__upper(v, 2 * o->n, pstart[k]) - oups_store__lower(v, 2 * o->n, pstart[k]);
        on_target[k] = (o->has_df[k] && pstart[k] != pend[k]) || (pstart[k] == pend[k] && count == 2);
    }
    oups_free(v);
    return 0;
}

typedef struct period_ctx {
    const int64_t *pstart, *pend;
} period_ctx;

static bool period_exceeds(int64_t a, int64_t b, void *ctx) {
    const period_ctx *c = ctx;
    return c->pstart[a] != c->pend[b - 1];
}

/* ---- merge regions (§4.4 step F) ----------------------------------------------------- */

int64_t oups_store__merge_regions(int64_t *mrs, const bool *has_df, const bool *on_target, int64_t n, int64_t n_d,
                                  int64_t max_off, bool (*exceeds)(int64_t, int64_t, void *), void *ctx) {
    int64_t m = 0;
    for (int64_t k = 0; k < n;) { /* runs of has_df | off, or of has_df alone */
        bool in = has_df[k] || (max_off > 0 && !on_target[k]);
        if (!in) {
            k++;
            continue;
        }
        int64_t a = k, n_off = 0;
        bool any_df = false;
        while (k < n && (has_df[k] || (max_off > 0 && !on_target[k]))) {
            n_off += !on_target[k];
            any_df |= has_df[k];
            k++;
        }
        int64_t b = k;
        if (max_off > 0) {
            if (n_d > 0 && !any_df) continue;
            if (n_off > max_off || exceeds(a, b, ctx)) {
                mrs[2 * m] = a;
                mrs[2 * m + 1] = b;
                m++;
                continue;
            }
            if (n_d == 0) continue;
        }
        for (int64_t j = a; j < b;) { /* the simple runs of has_df inside [a, b) */
            if (!has_df[j]) {
                j++;
                continue;
            }
            int64_t s = j;
            while (j < b && has_df[j]) j++;
            mrs[2 * m] = s;
            mrs[2 * m + 1] = j;
            m++;
        }
    }
    return m;
}

/* ---- whole plan (§4.4 step G) --------------------------------------------------------- */

void oups_store__plan_free(store_plan *p) {
    for (int64_t i = 0; i < p->n_seq; i++) {
        oups_free(p->seq[i].rg_end);
        oups_free(p->seq[i].df_end);
    }
    oups_free(p->seq);
    memset(p, 0, sizeof *p);
}

int oups_store__plan(store_plan *out, const store_plan_input *in) {
    memset(out, 0, sizeof *out);
    if (in->n_rgs == 0 && in->n_d == 0) return 0;
    store_oars o;
    OUPS_TRY(oups_store__oars(&o, in->mins, in->maxs, in->n_rgs, in->d, in->n_d, in->drop));
    int rc = 0;
    int64_t n = o.n;
    bool *on_target = oups_calloc((size_t)n, 1);
    int64_t *min_rows = oups_malloc_array((size_t)n, 8), *pstart = oups_malloc_array((size_t)n, 8),
            *pend = oups_malloc_array((size_t)n, 8), *mrs = oups_malloc_array((size_t)(2 * n), 8),
            *sel = oups_malloc_array((size_t)n, 8);
    if (!on_target || !min_rows || !pstart || !pend || !mrs || !sel) {
        rc = OUPS_ENOMEM;
        goto out;
    }
    nrows_ctx nc = {min_rows, in->target_rows};
    period_ctx pc = {pstart, pend};
    int64_t n_mr;
    if (in->period) {
        rc = oups_store__period_pidx(pstart, pend, &o, in->mins, in->maxs, in->d, in->period);
        if (rc < 0) goto out;
        rc = oups_store__period_on_target(on_target, &o, pstart, pend);
        if (rc < 0) goto out;
        n_mr = oups_store__merge_regions(mrs, o.has_df, on_target, n, in->n_d, in->max_off, period_exceeds, &pc);
    } else {
        if (in->target_rows < 1) {
            rc = oups_error_set(OUPS_EINVAL, "row_group_target_size must be >= 1 (got %lld)", (long long)in->target_rows);
            goto out;
        }
        oups_store__nrows_on_target(on_target, min_rows, &o, in->n_rows, in->target_rows, in->drop);
        n_mr = oups_store__merge_regions(mrs, o.has_df, on_target, n, in->n_d, in->max_off, nrows_exceeds, &nc);
    }
    out->seq = oups_calloc((size_t)(n_mr ? n_mr : 1), sizeof *out->seq);
    if (!out->seq) {
        rc = OUPS_ENOMEM;
        goto out;
    }
    for (int64_t m = 0; m < n_mr; m++) {
        int64_t a = mrs[2 * m], b = mrs[2 * m + 1], ns = 0;
        if (in->period) {
            for (int64_t k = a; k < b; k++)
                if (k == b - 1 || pstart[k + 1] != pstart[k]) sel[ns++] = k - a;
        } else {
            ns = oups_store__nrows_group(sel, min_rows, a, b, in->target_rows);
        }
        store_seq *sq = &out->seq[out->n_seq++];
        sq->rg_start = o.rg_start[a];
        sq->rg_end = oups_malloc_array((size_t)ns, 8);
        sq->df_end = oups_malloc_array((size_t)ns, 8);
        if (!sq->rg_end || !sq->df_end) {
            rc = OUPS_ENOMEM;
            goto out;
        }
        for (int64_t i = 0; i < ns; i++) {
            int64_t k = a + sel[i], re = o.rg_end[k];
            bool split_forbidden = false;
            for (int64_t q = 0; q < o.n_no_split && i + 1 < ns; q++) split_forbidden |= o.no_split[q] == re;
            if (split_forbidden) continue;
            sq->rg_end[sq->n] = re;
            sq->df_end[sq->n] = o.df_end[k];
            sq->n++;
        }
    }
out:
    if (rc < 0) oups_store__plan_free(out);
    oups_store__oars_free(&o);
    oups_free(on_target);
    oups_free(min_rows);
    oups_free(pstart);
    oups_free(pend);
    oups_free(mrs);
    oups_free(sel);
    return rc;
}

int oups_store__split_offsets(int64_t **out, int64_t *n_out, const int64_t *keys, int64_t n, int64_t T,
                              const oups_period *p) {
    *out = NULL;
    *n_out = 0;
    int64_t cap = p ? n + 1 : n / (T > 0 ? T : 1) + 2;
    int64_t *off = oups_malloc_array((size_t)cap, 8), m = 0;
    if (!off) return OUPS_ENOMEM;
    off[m++] = 0;
    if (p) {
        int64_t prev = 0;
        for (int64_t i = 0; i < n; i++) {
            int64_t f;
            int rc = oups_period_floor(&f, p, keys[i]);
            if (rc < 0) {
                oups_free(off);
                return rc;
            }
            if (i > 0 && f != prev) off[m++] = i;
            prev = f;
        }
    } else {
        for (int64_t i = T; i < n; i += T) off[m++] = i;
    }
    *out = off;
    *n_out = m;
    return 0;
}
