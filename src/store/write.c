/*
 * store/write.c: oups_opd_write (spec §4): validate everything before touching the disk
 * (ordered_on, order, schema, options), deduplicate the new rows, plan (plan.c), then stream
 * each merge sequence: load old row groups and new rows up to each load point, stable-sort,
 * deduplicate (last wins), cut row groups (every T rows or at period changes), write them as
 * staged files, and finally place them positionally (§4.9 [REQUIRED]) and commit (commit.c).
 * Also the §3.4 primitive oups_opd_write_row_groups.
 */
#include <limits.h>
#include <stddef.h>
#include <stdio.h>

#include "store/internal.h"

int64_t oups_store__max_file_id = 65535;

typedef struct wctx {
    oups_opd *opd;
    const oups_store_write_options *o;
    oups_parquet_write_options pq;
    oups_period period;
    bool has_period, drop;
    const char **subset; /* dedup subset (n_subset == 0: all columns) */
    int n_subset;
    bool has_schema; /* schema_crc of the validated new data */
    uint32_t schema_crc;
    bool allow_new;           /* allow_new_columns */
    oups_table *conformed;    /* the new data in the dataset's column order (+ new ones) */
    oups_table *new_columns;  /* 0 rows: the dataset's columns after a write that adds some */
    store_stats news; /* emitted row groups: (e, n_rows, min, max) */
    int64_t e0;       /* staged file number of news[0] (> 0 inside a transaction, txn.c) */
} wctx;

static int check_not_readonly(const oups_opd *opd, const char *what) {
    if (opd->readonly) return oups_error_set(OUPS_EREADONLY, "cannot call '%s' on a read-only dataset.", what);
    if (opd->broken)
        return oups_error_set(OUPS_ESTATE, "%s: dataset state unknown after a failed commit; reopen it", opd->path);
    return 0;
}

/* Resolve ordered_on between the dataset and the options (spec §3.10). */
static int resolve_ordered_on(oups_opd *opd, const char *given) {
    if (given && !*given) given = NULL;
    if (!opd->ordered_on) {
        if (!given) return oups_error_set(OUPS_EINVAL, "'ordered_on' parameter is required.");
        opd->ordered_on = oups_strdup(given);
        return opd->ordered_on ? 0 : OUPS_ENOMEM;
    }
    if (given && strcmp(given, opd->ordered_on) != 0)
        return oups_error_set(OUPS_EINVAL, "ordered_on '%s' does not match the dataset's ordered_on column '%s'",
                              given, opd->ordered_on);
    return 0;
}

/* Keys of `t`'s ordered_on column (caller frees), checking non-decreasing order. */
static int table_keys(int64_t **out, const oups_opd *opd, const oups_table *t, bool check_sorted) {
    *out = NULL;
    int c = oups_table_column_index(t, opd->ordered_on);
    if (c < 0) return oups_error_set(OUPS_ENOTFOUND, "ordered_on column '%s' is not among the table's columns", opd->ordered_on);
    int64_t n = oups_table_num_rows(t);
    int64_t *k = oups_malloc_array((size_t)n + 1, 8);
    if (!k) return OUPS_ENOMEM;
    int rc = oups_store__key_extract(k, oups_table_column(t, c), opd->ordered_on);
    for (int64_t i = 1; rc == 0 && check_sorted && i < n; i++)
        if (k[i] < k[i - 1]) {
            oups_column_view v;
            char b1[64], b2[64];
            oups_column_view_get(&v, oups_table_column(t, c));
            rc = oups_error_set(OUPS_EUNORDERED, "ordered_on column '%s' must be sorted in ascending order: row %lld (%s) "
                                "comes after %s", opd->ordered_on, (long long)i, oups_column__format(b1, sizeof b1, &v, i),
                                oups_column__format(b2, sizeof b2, &v, i - 1));
        }
    if (rc < 0) {
        oups_free(k);
        return rc;
    }
    *out = k;
    return 0;
}

static int to_ns(int64_t *dst, const int64_t *src, int64_t n, const oups_datatype *t) {
    for (int64_t i = 0; i < n; i++) OUPS_TRY(oups_store__key_to_ns(&dst[i], t, src[i]));
    return 0;
}

/* ESCHEMA unless every column of the dataset is in the new data with its type. */
static int columns_kept(const oups_table *ds, const oups_table *df, const char *path) {
    char ta[80], tb[80];
    for (int i = 0; i < oups_table_num_columns(ds); i++) {
        const char *a = oups_table_column_name(ds, i);
        const oups_datatype *x = oups_column_type(oups_table_column(ds, i));
        int j = oups_table_column_index(df, a);
        if (j < 0)
            return oups_error_set(OUPS_ESCHEMA, "%s: column '%s' (%s) is not in the new data: a write cannot drop a column",
                                  path, a, oups_datatype_format(x, ta, sizeof ta));
        const oups_datatype *y = oups_column_type(oups_table_column(df, j));
        if (!oups_datatype_equal(x, y))
            return oups_error_set(OUPS_ESCHEMA, "%s: column '%s' is %s in the dataset but %s in the new data: a write "
                                  "cannot change a column's type", path, a, oups_datatype_format(x, ta, sizeof ta),
                                  oups_datatype_format(y, tb, sizeof tb));
    }
    return 0;
}

/* ESCHEMA naming the first column whose name or type differs (dataset vs new data): a column
 * only in the new data, one only in the dataset, a type, then the order. */
static int schema_diff(const oups_table *ds, const oups_table *df, const char *path) {
    char tb[80];
    int n = oups_table_num_columns(ds), m = oups_table_num_columns(df);
    for (int j = 0; j < m; j++) {
        const char *b = oups_table_column_name(df, j);
        if (oups_table_column_index(ds, b) < 0)
            return oups_error_set(OUPS_ESCHEMA, "%s: column '%s' (%s) of the new data is not in the dataset "
                                  "(allow_new_columns, --allow-new-columns, adds it)", path, b,
                                  oups_datatype_format(oups_column_type(oups_table_column(df, j)), tb, sizeof tb));
    }
    OUPS_TRY(columns_kept(ds, df, path));
    for (int i = 0; i < n && i < m; i++) {
        const char *a = oups_table_column_name(ds, i), *b = oups_table_column_name(df, i);
        if (strcmp(a, b) != 0)
            return oups_error_set(OUPS_ESCHEMA, "%s: column %d is '%s' in the dataset but '%s' in the new data", path,
                                  i, a, b);
    }
    return 0;
}

/* allow_new_columns: df must have every column of `ds` with its type (in any order); its other
 * columns are appended. Sets w->conformed (df in that order) and, if columns are added,
 * w->new_columns. */
static int evolve(wctx *w, const oups_table *ds, const oups_table *df) {
    OUPS_TRY(columns_kept(ds, df, w->opd->path));
    int n = oups_table_num_columns(ds), m = oups_table_num_columns(df), k = 0;
    const char **names = oups_malloc_array((size_t)m + 1, sizeof *names);
    if (!names) return OUPS_ENOMEM;
    for (int i = 0; i < n; i++) names[k++] = oups_table_column_name(ds, i);
    for (int j = 0; j < m; j++)
        if (oups_table_column_index(ds, oups_table_column_name(df, j)) < 0) names[k++] = oups_table_column_name(df, j);
    int rc = oups_table_select(&w->conformed, df, names, k);
    if (rc == 0 && k > n) rc = oups_table_slice(&w->new_columns, w->conformed, 0, 0);
    oups_free(names);
    return rc;
}

/* Validate df against the dataset before anything is written. */
static int validate_df(wctx *w, const oups_table *df) {
    oups_opd *opd = w->opd;
    int c = oups_table_column_index(df, opd->ordered_on);
    if (c < 0) return oups_error_set(OUPS_ENOTFOUND, "ordered_on column '%s' is not among the table's columns", opd->ordered_on);
    const oups_datatype *kt = oups_column_type(oups_table_column(df, c));
    char tb[80];
    if (!oups_store__key_type_ok(kt))
        return oups_error_set(OUPS_EUNSUPPORTED, "ordered_on column '%s' has type %s (expected an integer, timestamp, "
                              "date32 or float64 column)", opd->ordered_on, oups_datatype_format(kt, tb, sizeof tb));
    if (w->has_period && kt->id != OUPS_TYPE_TIMESTAMP)
        return oups_error_set(OUPS_ESCHEMA, "if 'row_group_target_size' is a period, column '%s' has to be a timestamp "
                              "(it is %s).", opd->ordered_on, oups_datatype_format(kt, tb, sizeof tb));
    for (int i = 0; i < w->n_subset; i++)
        if (oups_table_column_index(df, w->subset[i]) < 0)
            return oups_error_set(OUPS_ENOTFOUND, "duplicates_on column '%s' is not among the table's columns", w->subset[i]);
    if (opd->stats.n > 0) {
        oups_table *schema;
        OUPS_TRY(oups_store__read_rgs(&schema, opd, NULL, 0, NULL, 0));
        int rc = w->allow_new ? evolve(w, schema, df) : schema_diff(schema, df, opd->path);
        oups_table_free(schema);
        OUPS_TRY(rc);
    }
    w->schema_crc = oups_store__schema_crc(w->conformed ? w->conformed : df);
    w->has_schema = true;
    return 0;
}

/* Write rows [a, b) of `t` as one staged row group. */
static int emit(wctx *w, const oups_table *t, const int64_t *keys, int64_t a, int64_t b) {
    if (b - a > STORE_MAX_RG_ROWS)
        return oups_error_set(OUPS_EOVERFLOW, "number of rows %lld exceeds max value %lld", (long long)(b - a),
                              (long long)STORE_MAX_RG_ROWS);
    char path[PATH_MAX];
    oups_store__file_path(path, w->opd->path, w->e0 + w->news.n, ".new");
    oups_table *s;
    OUPS_TRY(oups_table_slice(&s, t, a, b - a));
    w->pq.row_group_size = b - a;
    int rc = oups_parquet_write(path, s, &w->pq);
    oups_table_free(s);
    OUPS_TRY(rc);
    int64_t crc, tail; /* of the bytes on disk (read back from the page cache), checked at each read */
    OUPS_TRY(oups_store__file_digest(&crc, &tail, path));
    return oups_store__stats_push(&w->news, STORE_NEW_SRC(w->e0 + w->news.n), b - a, keys[a], keys[b - 1], crc, tail);
}

/* remainder ++ old rgs [rg_pos, rg_end) ++ df[df_pos, df_end), stable-sorted, deduplicated. */
static int load_chunk(oups_table **out, wctx *w, oups_table *rem, int64_t rg_pos, int64_t rg_end, const oups_table *df,
                      int64_t df_pos, int64_t df_end) {
    *out = NULL;
    oups_table *parts[3] = {0};
    int n = 0, rc = 0;
    if (rem) parts[n++] = oups_table_retain(rem);
    if (rg_end > rg_pos) {
        int64_t *idx = oups_malloc_array((size_t)(rg_end - rg_pos), 8);
        if (!idx) return OUPS_ENOMEM;
        for (int64_t i = rg_pos; i < rg_end; i++) idx[i - rg_pos] = i;
        rc = oups_store__read_rgs(&parts[n], w->opd, idx, rg_end - rg_pos, NULL, 0);
        oups_free(idx);
        if (rc == 0) n++;
    }
    if (rc == 0 && df && df_end > df_pos) {
        rc = oups_table_slice(&parts[n], df, df_pos, df_end - df_pos);
        if (rc == 0) n++;
    }
    oups_table *cat = NULL, *sorted = NULL;
    if (rc == 0 && n == 0) rc = oups_error_set(OUPS_ESTATE, "write plan: empty load point");
    if (rc == 0) rc = oups_table_concat(&cat, parts, n);
    const char *key[] = {w->opd->ordered_on};
    if (rc == 0) rc = n > 1 ? oups_table_sort(&sorted, cat, key, 1) : 0;
    if (rc == 0 && n <= 1) sorted = oups_table_retain(cat);
    if (rc == 0 && w->drop) rc = oups_table_dedup_last(out, sorted, w->subset, w->n_subset);
    else if (rc == 0) *out = oups_table_retain(sorted);
    oups_table_free(cat);
    oups_table_free(sorted);
    for (int i = 0; i < n; i++) oups_table_free(parts[i]);
    return rc;
}

static int run_sequence(wctx *w, const store_seq *sq, const oups_table *df, int64_t *df_pos) {
    oups_table *rem = NULL;
    int64_t rg_pos = sq->rg_start;
    int rc = 0;
    for (int64_t i = 0; i < sq->n && rc == 0; i++) {
        oups_table *chunk;
        rc = load_chunk(&chunk, w, rem, rg_pos, sq->rg_end[i], df, *df_pos, sq->df_end[i]);
        if (rc < 0) break;
        oups_table_free(rem);
        rem = NULL;
        int64_t n = oups_table_num_rows(chunk), *keys = NULL, *ns = NULL, *off = NULL, n_off = 0;
        rc = table_keys(&keys, w->opd, chunk, false);
        if (rc == 0 && w->has_period) {
            ns = oups_malloc_array((size_t)n + 1, 8);
            rc = ns ? to_ns(ns, keys, n, &w->opd->key_type) : OUPS_ENOMEM;
        }
        if (rc == 0)
            rc = oups_store__split_offsets(&off, &n_off, ns ? ns : keys, n, w->o->row_group_rows,
                                           w->has_period ? &w->period : NULL);
        bool last = i == sq->n - 1;
        for (int64_t s = 0; rc == 0 && s < n_off; s++) {
            int64_t a = off[s], b = s + 1 < n_off ? off[s + 1] : n;
            if (a == b) continue;
            if (s + 1 < n_off || last) rc = emit(w, chunk, keys, a, b);
            else rc = oups_table_slice(&rem, chunk, a, b - a);
        }
        oups_free(keys);
        oups_free(ns);
        oups_free(off);
        oups_table_free(chunk);
        rg_pos = sq->rg_end[i];
        *df_pos = sq->df_end[i];
    }
    oups_table_free(rem);
    return rc;
}

static void remove_staged(wctx *w) {
    char path[PATH_MAX];
    for (int64_t e = 0; e < w->news.n; e++) {
        oups_store__file_path(path, w->opd->path, w->e0 + e, ".new");
        (void)oups_io_unlink(path);
    }
}

/* Positional placement (§4.9): final stats with journal sources, and the old ids to drop
 * (inside a transaction, old ids may be staged ones, < 0). */
static int place(store_stats *final, int64_t **drop, int64_t *n_drop, const oups_opd *opd, const store_plan *plan,
                 const int64_t *seq_news, const store_stats *news) {
    const store_stats *old = &opd->stats;
    memset(final, 0, sizeof *final);
    *n_drop = 0;
    *drop = oups_malloc_array((size_t)old->n + 1, 8);
    if (!*drop) return OUPS_ENOMEM;
    int64_t p = 0, e = 0;
    int rc = 0;
    for (int64_t s = 0; s <= plan->n_seq && rc == 0; s++) {
        int64_t upto = s < plan->n_seq ? plan->seq[s].rg_start : old->n;
        for (; p < upto && rc == 0; p++)
            rc = oups_store__stats_push(final, old->file_ids[p], old->n_rows[p], old->mins[p], old->maxs[p],
                                        old->crcs[p], old->tails[p]);
        if (s == plan->n_seq) break;
        const store_seq *sq = &plan->seq[s];
        for (int64_t i = 0; i < seq_news[s] && rc == 0; i++, e++)
            rc = oups_store__stats_push(final, news->file_ids[e], news->n_rows[e], news->mins[e], news->maxs[e],
                                        news->crcs[e], news->tails[e]);
        int64_t end = sq->rg_end[sq->n - 1];
        for (; p < end; p++) (*drop)[(*n_drop)++] = old->file_ids[p];
    }
    return rc;
}

/* Commit the new state, or make it the staged state of the transaction in progress. */
static int finish(wctx *w, const store_stats *final, const int64_t *drop, int64_t n_drop, const store_kv *kv) {
    const uint32_t *crc = w->has_schema ? &w->schema_crc : NULL;
    if (w->opd->txn) return oups_store__txn_stage(w->opd, final, drop, n_drop, w->news.n, kv, crc);
    return oups_store__commit(w->opd, final, drop, n_drop, kv, crc);
}

/* Run the merge sequences of `plan`, place the new row groups and commit (with `kv`). */
static int execute(wctx *w, const oups_table *df, const store_plan *plan, const store_kv *kv) {
    oups_opd *opd = w->opd;
    store_stats final = {0};
    int64_t *drop = NULL, n_drop = 0, df_pos = 0;
    int64_t *seq_news = oups_calloc((size_t)plan->n_seq + 1, 8);
    int rc = seq_news ? 0 : OUPS_ENOMEM;
    if (rc == 0 && plan->n_seq > 0) rc = oups_io_mkdir_p(opd->path);
    for (int64_t s = 0; s < plan->n_seq && rc == 0; s++) {
        int64_t before = w->news.n;
        rc = run_sequence(w, &plan->seq[s], df, &df_pos);
        seq_news[s] = w->news.n - before;
    }
    if (rc == 0) rc = place(&final, &drop, &n_drop, opd, plan, seq_news, &w->news);
    if (rc == 0 && final.n > oups_store__max_file_id + 1) /* checked before the commit: nothing changes */
        rc = oups_error_set(OUPS_EOVERFLOW, "%s: file id '%lld' exceeds max value %lld", opd->path,
                            (long long)oups_store__max_file_id + 1, (long long)oups_store__max_file_id);
    if (rc < 0) remove_staged(w);
    else rc = finish(w, &final, drop, n_drop, kv);
    oups_free(seq_news);
    oups_free(drop);
    oups_store__stats_free(&final);
    return rc;
}

static int do_write(wctx *w, const oups_table *df_in) {
    oups_opd *opd = w->opd;
    const oups_store_write_options *o = w->o;
    oups_table *df = NULL;
    int64_t *d = NULL, *mins = NULL, *maxs = NULL;
    store_plan plan = {0};
    store_kv kv;
    int rc = oups_store__kv_copy(&kv, &opd->kv);
    for (int i = 0; rc == 0 && i < o->n_kv; i++) rc = oups_store__kv_update(&kv, o->kv_keys[i], o->kv_values[i]);
    if (rc < 0) return rc;
    int64_t D = df_in ? oups_table_num_rows(df_in) : 0;
    if (rc == 0 && df_in) rc = validate_df(w, df_in);
    if (rc == 0 && w->conformed) df_in = w->conformed;
    if (rc == 0 && D > 0) {
        rc = table_keys(&d, opd, df_in, true);
        if (rc == 0 && w->drop) {
            rc = oups_table_dedup_last(&df, df_in, w->subset, w->n_subset); /* dedup first, then plan (§8.2) */
            oups_free(d);
            d = NULL;
            if (rc == 0) rc = table_keys(&d, opd, df, false);
            D = df ? oups_table_num_rows(df) : 0;
        } else if (rc == 0) {
            df = oups_table_retain((oups_table *)df_in);
        }
        /* no rows yet: a key type on record is a placeholder (a metadata-only first write) */
        if (rc == 0 && (!opd->key_type_known || opd->stats.n == 0)) {
            opd->key_type = *oups_column_type(oups_table_column(df, oups_table_column_index(df, opd->ordered_on)));
            opd->key_type_known = true;
        }
    }
    if (rc < 0) goto out;
    if (D == 0 && opd->stats.n == 0) { /* metadata only (§4.3 degenerate inputs) */
        rc = finish(w, &opd->stats, NULL, 0, &kv);
        goto out;
    }
    int64_t R = opd->stats.n;
    mins = opd->stats.mins;
    maxs = opd->stats.maxs;
    if (w->has_period) { /* the planner works on ns timestamps */
        int64_t *dn = oups_malloc_array((size_t)D + 1, 8);
        mins = oups_malloc_array((size_t)R + 1, 8);
        maxs = oups_malloc_array((size_t)R + 1, 8);
        rc = dn && mins && maxs ? 0 : OUPS_ENOMEM;
        if (rc == 0) rc = to_ns(dn, d, D, &opd->key_type);
        if (rc == 0) rc = to_ns(mins, opd->stats.mins, R, &opd->key_type);
        if (rc == 0) rc = to_ns(maxs, opd->stats.maxs, R, &opd->key_type);
        oups_free(d);
        d = dn;
        if (rc < 0) goto out;
    }
    store_plan_input in = {mins, maxs, opd->stats.n_rows, R, d, D, w->drop, o->row_group_rows,
                           w->has_period ? &w->period : NULL, o->max_n_off_target_rgs};
    rc = oups_store__plan(&plan, &in);
    if (rc < 0) goto out;
    /* With new columns, the old row groups merged are read with nulls there (dataset.c), and
     * the commit records the columns; a failure before the commit restores the old ones (a
     * failed commit reloads them from the disk). */
    oups_table *prev = opd->columns, *mine = w->new_columns ? oups_table_retain(w->new_columns) : NULL;
    if (mine) opd->columns = oups_table_retain(mine);
    rc = execute(w, df, &plan, &kv);
    if (mine && rc < 0 && opd->columns == mine) {
        oups_table_free(opd->columns);
        opd->columns = prev;
        prev = NULL;
    }
    if (mine) oups_table_free(prev);
    oups_table_free(mine);
out:
    if (w->has_period) {
        oups_free(mins);
        oups_free(maxs);
    }
    oups_free(d);
    oups_store__plan_free(&plan);
    oups_store__kv_free(&kv);
    oups_table_free(df);
    return rc;
}

static int wctx_init(wctx *w, oups_opd *opd, const oups_store_write_options *o) {
    memset(w, 0, sizeof *w);
    w->opd = opd;
    w->o = o;
    w->e0 = oups_store__txn_next_staged(opd);
    oups_parquet_write_options def = OUPS_PARQUET_WRITE_OPTIONS_INIT;
    w->pq = def;
    if (o->parquet && (o->parquet->version == 1 || o->parquet->version == 2)) { /* older, shorter structs */
        memcpy(&w->pq, o->parquet, o->parquet->version == 1 ? offsetof(oups_parquet_write_options, encoding)
                                                             : offsetof(oups_parquet_write_options, page_checksums));
        w->pq.version = OUPS_PARQUET_WRITE_OPTIONS_VERSION;
    } else if (o->parquet) {
        w->pq = *o->parquet;
    }
    w->pq.page_index = true; /* range reads decode only the pages they need (dataset.c) */
    w->pq.page_checksums = true; /* ... and check only those pages and the tail (meta.c) */
    if (o->max_n_off_target_rgs < 0)
        return oups_error_set(OUPS_EINVAL, "'max_n_off_target_rgs' must be >= 1 (0: unset), got %lld",
                              (long long)o->max_n_off_target_rgs);
    if (o->row_group_period) {
        OUPS_TRY(oups_period_parse(&w->period, o->row_group_period));
        w->has_period = true;
    } else if (o->row_group_rows < 1) {
        return oups_error_set(OUPS_EINVAL, "row_group_target_size must be >= 1, got %lld", (long long)o->row_group_rows);
    }
    OUPS_TRY(resolve_ordered_on(opd, o->ordered_on));
    w->drop = o->duplicates != OUPS_DUP_NONE;
    w->allow_new = o->version >= 2 && o->allow_new_columns;
    if (o->duplicates == OUPS_DUP_COLUMNS) {
        w->subset = oups_malloc_array((size_t)o->n_duplicates_on + 1, sizeof(char *));
        if (!w->subset) return OUPS_ENOMEM;
        bool has_key = false;
        for (int i = 0; i < o->n_duplicates_on; i++) {
            w->subset[w->n_subset++] = o->duplicates_on[i];
            has_key |= strcmp(o->duplicates_on[i], opd->ordered_on) == 0;
        }
        if (!has_key) w->subset[w->n_subset++] = opd->ordered_on;
    }
    return 0;
}

int oups_opd_write(oups_opd *opd, const oups_table *df, const oups_store_write_options *opts) {
    OUPS_TRY(check_not_readonly(opd, "write"));
    oups_store_write_options def = OUPS_STORE_WRITE_OPTIONS_INIT;
    wctx w;
    int rc = wctx_init(&w, opd, opts ? opts : &def);
    if (rc == 0) rc = do_write(&w, df);
    if (rc < 0) oups_store__txn_fail(opd);
    oups_table_free(w.conformed);
    oups_table_free(w.new_columns);
    oups_free(w.subset);
    oups_store__stats_free(&w.news);
    return rc;
}

int oups_store__write_plan(oups_opd *opd, const oups_table *df, const store_plan *plan,
                           const oups_store_write_options *opts) {
    wctx w;
    store_kv kv = {0};
    int rc = wctx_init(&w, opd, opts);
    if (rc == 0 && df && !opd->key_type_known) {
        opd->key_type = *oups_column_type(oups_table_column(df, oups_table_column_index(df, opd->ordered_on)));
        opd->key_type_known = true;
    }
    if (rc == 0) rc = oups_store__kv_copy(&kv, &opd->kv);
    if (rc == 0) rc = execute(&w, df, plan, &kv);
    oups_store__kv_free(&kv);
    oups_free(w.subset);
    oups_store__stats_free(&w.news);
    return rc;
}

int oups_opd_write_row_groups(oups_opd *opd, oups_table *const *chunks, int n_chunks, bool write_metadata,
                              const oups_store_write_options *opts) {
    OUPS_TRY(check_not_readonly(opd, "_write_row_group_files"));
    if (opd->txn) return oups_error_set(OUPS_ESTATE, "%s: write_row_groups inside a transaction", opd->path);
    if (n_chunks == 0) return 0;
    oups_store_write_options def = OUPS_STORE_WRITE_OPTIONS_INIT;
    wctx w;
    store_stats final = {0};
    store_kv kv = {0};
    int rc = wctx_init(&w, opd, opts ? opts : &def);
    w.has_period = false;
    w.allow_new = false; /* the primitive writes the chunks as given */
    for (int c = 0; c < n_chunks && rc == 0; c++) {
        rc = validate_df(&w, chunks[c]);
        if (rc == 0 && c > 0 && !oups_table_schema_equal(chunks[0], chunks[c])) {
            char what[40];
            snprintf(what, sizeof what, "chunk %d vs chunk 0", c);
            rc = schema_diff(chunks[0], chunks[c], what);
            if (rc == 0) rc = oups_error_set(OUPS_ESCHEMA, "chunk %d: columns or types differ from chunk 0", c);
        }
    }
    int c0 = rc == 0 ? oups_table_column_index(chunks[0], opd->ordered_on) : -1;
    if (rc == 0 && !opd->key_type_known) {
        opd->key_type = *oups_column_type(oups_table_column(chunks[0], c0));
        opd->key_type_known = true;
    }
    if (rc == 0) rc = oups_io_mkdir_p(opd->path);
    for (int c = 0; c < n_chunks && rc == 0; c++) {
        int64_t *keys = NULL, n = oups_table_num_rows(chunks[c]);
        rc = table_keys(&keys, opd, chunks[c], true);
        if (rc == 0 && n > 0) rc = emit(&w, chunks[c], keys, 0, n);
        oups_free(keys);
    }
    if (rc == 0) rc = oups_store__stats_copy(&final, &opd->stats);
    for (int64_t e = 0; e < w.news.n && rc == 0; e++)
        rc = oups_store__stats_push(&final, w.news.file_ids[e], w.news.n_rows[e], w.news.mins[e], w.news.maxs[e],
                                    w.news.crcs[e], w.news.tails[e]);
    if (rc == 0 && final.n > oups_store__max_file_id + 1)
        rc = oups_error_set(OUPS_EOVERFLOW, "%s: file id '%lld' exceeds max value %lld", opd->path,
                            (long long)oups_store__max_file_id + 1, (long long)oups_store__max_file_id);
    if (rc == 0) rc = oups_store__kv_copy(&kv, &opd->kv);
    for (int i = 0; rc == 0 && i < w.o->n_kv; i++) rc = oups_store__kv_update(&kv, w.o->kv_keys[i], w.o->kv_values[i]);
    if (rc == 0 && write_metadata) {
        rc = oups_store__commit(opd, &final, NULL, 0, &kv, &w.schema_crc);
    } else if (rc == 0) { /* files only: rename staged files, stats in memory (§3.4) */
        char a[PATH_MAX], b[PATH_MAX];
        for (int64_t e = 0; e < w.news.n && rc == 0; e++) {
            oups_store__file_path(a, opd->path, e, ".new");
            oups_store__file_path(b, opd->path, opd->stats.n + e, "");
            rc = oups_io_rename(a, b);
        }
        for (int64_t k = opd->stats.n; k < final.n; k++) final.file_ids[k] = k;
        if (rc == 0) {
            oups_store__stats_free(&opd->stats);
            opd->stats = final;
            memset(&final, 0, sizeof final);
        }
    } else {
        remove_staged(&w);
    }
    oups_store__stats_free(&final);
    oups_store__kv_free(&kv);
    oups_free(w.subset);
    oups_store__stats_free(&w.news);
    return rc;
}
