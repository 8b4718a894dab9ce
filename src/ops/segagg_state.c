/*
 * ops/segagg_state.c: the segmented aggregator's state blob (save/load) and the
 * oups_state_ops the StatefulLoop binds. Loading checks every field before touching the
 * aggregator, so a foreign, truncated or damaged blob gives OUPS_ECORRUPT (or OUPS_EINVAL when
 * it was saved with other options) and leaves the aggregator unchanged.
 *
 * Blob (little-endian): "OUPSSAGG" | u32 version (1) | u64 body length | body | u32 CRC-32 of
 * all preceding bytes. Body: the options fingerprint (str ordered_on; bin_by and snap_by as
 * u8 kind, i64 freq_ns, i64 rows, u8 closed_right, u8 label_right, u8 origin, i64 origin_ns,
 * i64 offset_ns, i64 n_points, u32 CRC of the points; u32 n_by + str each; u32 n_aggs + per
 * aggregation str name, str column, u8 func), then u8 has_state; with state: type of
 * ordered_on, a type per aggregated column (in order of first use), a type per `by` column,
 * i64 grid origin (ordered_on units, absolute: the fix for grids not dividing a day), i64 last
 * value, u32 n_groups, per group i64 bin_rows, last_label, bin_key, last_end, snap_key and the
 * 256-byte user buffer, per (group, column) the running aggregate (first, last, min, max, sum
 * as 8 bytes each, i64 count, 3 x f64 float sum lanes 1..3), and with `by` a u64 length + in-memory Parquet file of the
 * n_groups group keys (in group id order). str = u32 len + bytes; type = u8 id, u8 unit,
 * i32 precision, i32 scale, str tz.
 */
#include "ops/blob.h"
#include "ops/segagg.h"
#include "oups/parquet.h"

#define MAGIC "OUPSSAGG"
enum { VERSION = 1 };

/* ---- writing ------------------------------------------------------------------------------- */

static int wseg(oups_bytes *b, const oups_segmenter *s) {
    OUPS_TRY(oups_blob_put_u8(b, (unsigned)s->kind));
    OUPS_TRY(oups_blob_put_i64(b, s->freq_ns));
    OUPS_TRY(oups_blob_put_i64(b, s->rows));
    OUPS_TRY(oups_blob_put_u8(b, s->closed_right));
    OUPS_TRY(oups_blob_put_u8(b, s->label_right));
    OUPS_TRY(oups_blob_put_u8(b, (unsigned)s->origin));
    OUPS_TRY(oups_blob_put_i64(b, s->origin_ns));
    OUPS_TRY(oups_blob_put_i64(b, s->offset_ns));
    OUPS_TRY(oups_blob_put_i64(b, s->n_points));
    return oups_blob_put_u32(b, s->n_points ? oups_crc32(0, s->points, (size_t)s->n_points * 8) : 0);
}

/* The options fingerprint (also what load compares against). */
static int wconfig(oups_bytes *b, const oups_segagg *a) {
    OUPS_TRY(oups_blob_put_str(b, a->ordered_on));
    OUPS_TRY(wseg(b, &a->bin));
    OUPS_TRY(wseg(b, &a->snap));
    OUPS_TRY(oups_blob_put_u32(b, (uint32_t)a->n_by));
    for (int i = 0; i < a->n_by; i++) OUPS_TRY(oups_blob_put_str(b, a->by[i]));
    OUPS_TRY(oups_blob_put_u32(b, (uint32_t)a->n_aggs));
    for (int k = 0; k < a->n_aggs; k++) {
        OUPS_TRY(oups_blob_put_str(b, a->agg_names[k]));
        OUPS_TRY(oups_blob_put_str(b, a->cols[a->agg_col[k]]));
        OUPS_TRY(oups_blob_put_u8(b, (unsigned)a->agg_func[k]));
    }
    return 0;
}

static int wkeys(oups_bytes *b, const oups_table *keys) {
    oups_parquet_writer *pw = NULL;
    uint8_t *img = NULL;
    size_t len = 0;
    oups_parquet_write_options o = OUPS_PARQUET_WRITE_OPTIONS_INIT;
    o.codec = OUPS_CODEC_UNCOMPRESSED;
    int rc = oups_parquet_writer_open_memory(&pw, keys, &o);
    if (rc == 0) rc = oups_parquet_writer_write_table(pw, keys);
    if (rc == 0) rc = oups_parquet_writer_finish_memory(pw, &img, &len);
    oups_parquet_writer_free(pw);
    if (rc == 0) rc = oups_blob_put_i64(b, (int64_t)len);
    if (rc == 0) rc = oups_blob_put(b, img, len);
    oups_mem_free(img);
    return rc;
}

static int wstate(oups_bytes *b, const oups_segagg *a) {
    OUPS_TRY(oups_blob_put_type(b, &a->on_type));
    for (int c = 0; c < a->n_cols; c++) OUPS_TRY(oups_blob_put_type(b, &a->col_types[c]));
    for (int i = 0; i < a->n_by; i++) OUPS_TRY(oups_blob_put_type(b, &a->by_types[i]));
    OUPS_TRY(oups_blob_put_i64(b, a->origin));
    OUPS_TRY(oups_blob_put_i64(b, a->last_value));
    OUPS_TRY(oups_blob_put_u32(b, (uint32_t)a->n_groups));
    for (int g = 0; g < a->n_groups; g++) {
        const sa_group *G = &a->groups[g];
        OUPS_TRY(oups_blob_put_i64(b, G->bin_rows));
        OUPS_TRY(oups_blob_put_i64(b, G->last_label));
        OUPS_TRY(oups_blob_put_i64(b, G->bin_key));
        OUPS_TRY(oups_blob_put_i64(b, G->last_end));
        OUPS_TRY(oups_blob_put_i64(b, G->snap_key));
        OUPS_TRY(oups_blob_put(b, G->user, sizeof G->user));
    }
    for (size_t i = 0; i < (size_t)a->n_groups * (size_t)a->n_cols; i++) {
        const sa_acc *c = &a->accs[i];
        const sa_val vals[5] = {c->first, c->last, c->min, c->max, c->sum};
        for (int k = 0; k < 5; k++) OUPS_TRY(oups_blob_put(b, &vals[k], 8));
        OUPS_TRY(oups_blob_put_i64(b, c->count));
        OUPS_TRY(oups_blob_put(b, c->lane, sizeof c->lane));
    }
    return a->n_by ? wkeys(b, a->keys) : 0;
}

int oups_segagg_save(uint8_t **out, size_t *len, const oups_segagg *a) {
    if (!out || !len) return oups_error_set(OUPS_EINVAL, "segagg save: NULL output");
    *out = NULL;
    *len = 0;
    if (!a) return oups_error_set(OUPS_EINVAL, "segagg save: aggregator is NULL");
    oups_bytes b = {0};
    int rc = oups_blob_begin(&b, MAGIC, VERSION);
    if (rc == 0) rc = wconfig(&b, a);
    if (rc == 0) rc = oups_blob_put_u8(&b, a->n_groups > 0);
    if (rc == 0 && a->n_groups > 0) rc = wstate(&b, a);
    if (rc == 0) rc = oups_blob_end(&b);
    if (rc < 0) {
        oups_bytes_free(&b);
        return rc;
    }
    *out = b.data;
    *len = b.len;
    return 0;
}

/* ---- reading ------------------------------------------------------------------------------- */

typedef oups_blob_rd rd;

/* Compare the blob's fingerprint with the aggregator's own (a mismatch names the field). */
static int check_config(rd *d, const oups_segagg *a) {
    oups_bytes mine = {0};
    int rc = wconfig(&mine, a);
    if (rc < 0) {
        oups_bytes_free(&mine);
        return rc;
    }
    size_t n = mine.len;
    bool same = n <= d->n - d->pos && memcmp(mine.data, d->p + d->pos, n) == 0;
    oups_bytes_free(&mine);
    if (!same)
        return oups_error_set(OUPS_EINVAL, "segagg load: state saved with other options (ordered_on, bin_by, snap_by, "
                              "by or aggregations differ)");
    d->pos += n;
    return 0;
}

/* The loaded state, moved into the aggregator on success. */
typedef struct loaded {
    oups_datatype on_type, *col_types, *by_types;
    int64_t origin, last_value;
    int n_groups;
    sa_group *groups;
    sa_acc *accs;
    oups_table *keys;
} loaded;

static int rkeys(rd *d, const oups_segagg *a, loaded *L) {
    int64_t len = 0;
    OUPS_TRY(oups_blob_get_i64(d, &len));
    if (len < 0 || (uint64_t)len > d->n - d->pos) return oups_error_set(OUPS_ECORRUPT, "segagg load: state blob truncated");
    oups_parquet_reader *pr = NULL;
    int rc = oups_parquet_reader_open_memory(&pr, d->p + d->pos, (size_t)len, "segagg state keys");
    if (rc == 0) rc = oups_parquet_reader_read(&L->keys, pr, NULL, 0, NULL, 0);
    oups_parquet_reader_free(pr);
    if (rc < 0) return oups_error_set(OUPS_ECORRUPT, "segagg load: group keys unreadable: %s", oups_error_last());
    d->pos += (size_t)len;
    if (oups_table_num_rows(L->keys) != L->n_groups || oups_table_num_columns(L->keys) != a->n_by)
        return oups_error_set(OUPS_ECORRUPT, "segagg load: %lld group keys for %d groups",
                              (long long)oups_table_num_rows(L->keys), L->n_groups);
    for (int i = 0; i < a->n_by; i++)
        if (strcmp(oups_table_column_name(L->keys, i), a->by[i]) != 0 ||
            !oups_datatype_equal(oups_column_type(oups_table_column(L->keys, i)), &L->by_types[i]))
            return oups_error_set(OUPS_ECORRUPT, "segagg load: group key column %d does not match", i);
    return 0;
}

static int check_group(const oups_segagg *a, const sa_group *G, int g) {
    bool ok = G->bin_rows >= 1;
    if (a->bin.kind == OUPS_SEG_ROWS) ok = ok && G->bin_rows <= a->bin.rows;
    if (a->bin.kind == OUPS_SEG_POINTS) ok = ok && G->bin_key >= 0 && G->bin_key < a->bin.n_points;
    if (a->snap.kind == OUPS_SEG_POINTS) ok = ok && G->snap_key >= 0 && G->snap_key <= a->snap.n_points;
    return ok ? 0 : oups_error_set(OUPS_ECORRUPT, "segagg load: group %d has an inconsistent segmentation state", g);
}

static int rstate(rd *d, const oups_segagg *a, loaded *L) {
    OUPS_TRY(oups_blob_get_type(d, &L->on_type));
    if (!oups_type_is_signed(L->on_type.id)) return oups_error_set(OUPS_ECORRUPT, "segagg load: bad ordered_on type");
    L->col_types = oups_calloc((size_t)a->n_cols + 1, sizeof *L->col_types);
    L->by_types = oups_calloc((size_t)a->n_by + 1, sizeof *L->by_types);
    if (!L->col_types || !L->by_types) return OUPS_ENOMEM;
    for (int c = 0; c < a->n_cols; c++) OUPS_TRY(oups_blob_get_type(d, &L->col_types[c]));
    for (int i = 0; i < a->n_by; i++) OUPS_TRY(oups_blob_get_type(d, &L->by_types[i]));
    OUPS_TRY(oups_blob_get_i64(d, &L->origin));
    OUPS_TRY(oups_blob_get_i64(d, &L->last_value));
    uint32_t ng = 0;
    OUPS_TRY(oups_blob_get_u32(d, &ng));
    size_t per = 5 * 8 + OUPS_SEGAGG_USER_STATE + (size_t)a->n_cols * 72;
    if (ng < 1 || ng > INT32_MAX - 1 || ng > (d->n - d->pos) / per || (a->n_by == 0 && ng != 1))
        return oups_error_set(OUPS_ECORRUPT, "segagg load: %u groups", ng);
    L->n_groups = (int)ng;
    L->groups = oups_calloc(ng, sizeof *L->groups);
    L->accs = oups_calloc((size_t)ng * (size_t)a->n_cols + 1, sizeof *L->accs);
    if (!L->groups || !L->accs) return OUPS_ENOMEM;
    for (uint32_t g = 0; g < ng; g++) {
        sa_group *G = &L->groups[g];
        OUPS_TRY(oups_blob_get_i64(d, &G->bin_rows));
        OUPS_TRY(oups_blob_get_i64(d, &G->last_label));
        OUPS_TRY(oups_blob_get_i64(d, &G->bin_key));
        OUPS_TRY(oups_blob_get_i64(d, &G->last_end));
        OUPS_TRY(oups_blob_get_i64(d, &G->snap_key));
        OUPS_TRY(oups_blob_get(d, G->user, sizeof G->user));
        OUPS_TRY(check_group(a, G, (int)g));
    }
    for (size_t i = 0; i < (size_t)ng * (size_t)a->n_cols; i++) {
        sa_acc *c = &L->accs[i];
        sa_val *vals[5] = {&c->first, &c->last, &c->min, &c->max, &c->sum};
        for (int k = 0; k < 5; k++) OUPS_TRY(oups_blob_get(d, vals[k], 8));
        OUPS_TRY(oups_blob_get_i64(d, &c->count));
        OUPS_TRY(oups_blob_get(d, c->lane, sizeof c->lane));
        if (c->count < 0) return oups_error_set(OUPS_ECORRUPT, "segagg load: negative count");
    }
    if (a->n_by) OUPS_TRY(rkeys(d, a, L));
    return 0;
}

static void loaded_free(loaded *L) {
    oups_free(L->col_types);
    oups_free(L->by_types);
    oups_free(L->groups);
    oups_free(L->accs);
    oups_table_free(L->keys);
}

int oups_segagg_load(oups_segagg *a, const uint8_t *blob, size_t len) {
    if (!a || (!blob && len)) return oups_error_set(OUPS_EINVAL, "segagg load: aggregator or blob is NULL");
    rd d;
    OUPS_TRY(oups_blob_open(&d, blob, len, MAGIC, VERSION, "segagg load", "a segagg"));
    loaded L = {0};
    uint8_t has = 0;
    int rc = check_config(&d, a);
    if (rc == 0) rc = oups_blob_get_u8(&d, &has);
    if (rc == 0 && has > 1) rc = oups_error_set(OUPS_ECORRUPT, "segagg load: bad state flag %u", has);
    if (rc == 0 && has) rc = rstate(&d, a, &L);
    if (rc == 0 && d.pos != d.n) rc = oups_error_set(OUPS_ECORRUPT, "segagg load: %zu trailing bytes", d.n - d.pos);
    /* Install into a scratch copy first: the key hash must build (no duplicate keys). */
    oups_segagg tmp = *a;
    if (rc == 0 && has) {
        tmp.n_groups = L.n_groups;
        tmp.keys = L.keys;
        tmp.hash_slot = NULL;
        tmp.hash_cap = 0;
        rc = oups_ops__sa_rehash(&tmp);
        if (rc < 0) oups_free(tmp.hash_slot);
    }
    if (rc < 0) {
        loaded_free(&L);
        return rc;
    }
    oups_ops__sa_state_clear(a);
    if (has) {
        static const int64_t per_unit[] = {1000000000, 1000000, 1000, 1};
        a->has_layout = a->has_origin = true;
        a->on_type = L.on_type;
        a->unit_ns = L.on_type.id == OUPS_TYPE_TIMESTAMP ? per_unit[L.on_type.unit] : 1;
        a->col_types = L.col_types;
        a->by_types = L.by_types;
        a->origin = L.origin;
        a->last_value = L.last_value;
        a->n_groups = L.n_groups;
        a->groups = L.groups;
        a->accs = L.accs;
        a->keys = L.keys;
        a->hash_slot = tmp.hash_slot;
        a->hash_cap = tmp.hash_cap;
    }
    return 0;
}

/* ---- oups_state_ops ----------------------------------------------------------------------- */

static int ops_save(void *obj, uint8_t **out, size_t *len) { return oups_segagg_save(out, len, obj); }
static int ops_load(void *obj, const uint8_t *blob, size_t len) { return oups_segagg_load(obj, blob, len); }

const oups_state_ops oups_segagg_state_ops = {ops_save, ops_load};
