/*
 * ops/asof_state.c: the merger's state blob (save/load) and the oups_state_ops wrappers the
 * StatefulLoop binds. Loading validates every length and value before building anything, so
 * a corrupt, truncated or foreign blob gives OUPS_ECORRUPT and leaves the merger unchanged.
 *
 * Blob (little-endian): "OUPSASOF" | u32 version (1) | u64 body length | body | u32 CRC-32 of
 * all preceding bytes. Body: configuration fingerprint (u32 n_dfs; per d u32 n_prev, u8 allow;
 * u8 direction, u8 has_tol, i64 tol, u8 fill, i32 suffix start, str on), u8 has_state (0: the
 * merger had not merged yet; nothing follows), then the state: u32 J,
 * J*n_dfs str prefixes, type key, per d (u32 n_cols, per column str name, type), u32 n_groups,
 * per (g, d): i64 n_seen, i64 last_key, per column the fill block then the miss block
 * (n_prev+1 rows each: per row u8 valid, then the value: W bytes, u8 for bool, u32 len + bytes
 * for string/binary). str = u32 len + bytes; type = u8 id, u8 unit, i32 precision, i32 scale,
 * str tz.
 * Edges, all saved and loaded: a table without value columns (n_cols 0: its (g, d) entries are
 * only n_seen and last_key, possibly the last bytes of the body), a group no row referenced or
 * whose tables were all empty (n_seen 0: the initial fill blocks), fill blocks never have 0
 * rows (n_prev + 1 >= 1). Counts read from the blob are bounded by the bytes left before
 * anything is allocated from them.
 */
#include "ops/blob.h"
#include "ops/internal.h"

#define MAGIC "OUPSASOF"
enum { VERSION = 1 };

/* ---- writing ----------------------------------------------------------------------------- */

static int put_column(oups_bytes *b, const oups_column *col) {
    oups_column_view v;
    oups_column_view_get(&v, col);
    int w = oups_datatype_width(v.type.id);
    for (int64_t i = 0; i < v.length; i++) {
        int64_t k = v.offset + i;
        OUPS_TRY(oups_blob_put_u8(b, !v.validity || oups_bit_get(v.validity, k)));
        if (oups_type_is_binary(v.type.id)) {
            int64_t s0 = v.offsets[k], n = v.offsets[k + 1] - s0;
            OUPS_TRY(oups_blob_put_u32(b, (uint32_t)n));
            OUPS_TRY(oups_blob_put(b, (const uint8_t *)v.data + s0, (size_t)n));
        } else if (v.type.id == OUPS_TYPE_BOOL) {
            OUPS_TRY(oups_blob_put_u8(b, oups_bit_get(v.data, k)));
        } else {
            OUPS_TRY(oups_blob_put(b, (const uint8_t *)v.data + k * w, (size_t)w));
        }
    }
    return 0;
}

static int put_config(oups_bytes *b, const oups_asof_merger *m) {
    OUPS_TRY(oups_blob_put_u32(b, (uint32_t)m->n_dfs));
    for (int d = 0; d < m->n_dfs; d++) {
        OUPS_TRY(oups_blob_put_u32(b, (uint32_t)m->n_prev[d]));
        OUPS_TRY(oups_blob_put_u8(b, m->allow[d]));
    }
    OUPS_TRY(oups_blob_put_u8(b, (uint8_t)m->direction));
    OUPS_TRY(oups_blob_put_u8(b, m->has_tol));
    OUPS_TRY(oups_blob_put_i64(b, m->has_tol ? m->tol : 0));
    OUPS_TRY(oups_blob_put_u8(b, (uint8_t)m->fill));
    OUPS_TRY(oups_blob_put_u32(b, (uint32_t)m->suffix_start));
    return oups_blob_put_str(b, m->on);
}

static int put_state(oups_bytes *b, const oups_asof_merger *m) {
    const asof_state *s = &m->st;
    OUPS_TRY(oups_blob_put_u32(b, (uint32_t)s->J));
    for (int i = 0; i < s->J * m->n_dfs; i++) OUPS_TRY(oups_blob_put_str(b, s->prefixes[i]));
    OUPS_TRY(oups_blob_put_type(b, &s->key_type));
    for (int d = 0; d < m->n_dfs; d++) {
        OUPS_TRY(oups_blob_put_u32(b, (uint32_t)s->layout[d].n_cols));
        for (int c = 0; c < s->layout[d].n_cols; c++) {
            OUPS_TRY(oups_blob_put_str(b, s->layout[d].names[c]));
            OUPS_TRY(oups_blob_put_type(b, &s->layout[d].types[c]));
        }
    }
    OUPS_TRY(oups_blob_put_u32(b, (uint32_t)s->n_groups));
    for (int i = 0; i < s->n_groups * m->n_dfs; i++) {
        const asof_fill *F = &s->fills[i];
        OUPS_TRY(oups_blob_put_i64(b, F->n_seen));
        OUPS_TRY(oups_blob_put_i64(b, F->last_key));
        for (int c = 0; c < s->layout[i % m->n_dfs].n_cols; c++) {
            OUPS_TRY(put_column(b, F->f[c]));
            OUPS_TRY(put_column(b, F->miss[c]));
        }
    }
    return 0;
}

int oups_asof_merger_save(uint8_t **out, size_t *len, const oups_asof_merger *m) {
    *out = NULL;
    *len = 0;
    if (!m) return oups_error_set(OUPS_EINVAL, "asof merger save: merger is NULL");
    oups_bytes b = {0};
    int rc = oups_blob_begin(&b, MAGIC, VERSION);
    if (rc == 0) rc = put_config(&b, m);
    if (rc == 0) rc = oups_blob_put_u8(&b, m->has_state);
    if (rc == 0 && m->has_state) rc = put_state(&b, m);
    if (rc == 0) rc = oups_blob_end(&b);
    if (rc < 0) {
        oups_bytes_free(&b);
        return rc;
    }
    *out = b.data;
    *len = b.len;
    return 0;
}

/* ---- reading ------------------------------------------------------------------------------ */

typedef oups_blob_rd rd;

static int short_blob(const rd *r) { return oups_blob_short(r); }
static int get_str(rd *r, char **out) {
    uint32_t n = 0;
    *out = NULL;
    OUPS_TRY(oups_blob_get_u32(r, &n));
    if (n > r->n - r->pos) return short_blob(r);
    *out = oups_strndup((const char *)r->p + r->pos, n);
    if (!*out) return OUPS_ENOMEM;
    r->pos += n;
    return 0;
}
/* A column of n rows decoded from the blob. */
static int get_column(rd *r, oups_column **out, const oups_datatype *type, int64_t n) {
    *out = NULL;
    asof_out o;
    bool bin = oups_type_is_binary(type->id);
    OUPS_TRY(oups_ops__asof_out_init(&o, type, n, true, NULL));
    int rc = 0;
    for (int64_t i = 0; rc == 0 && i < n; i++) {
        uint8_t valid = 0, bit = 0;
        rc = oups_blob_get_u8(r, &valid);
        if (rc == 0 && valid > 1) rc = oups_error_set(OUPS_ECORRUPT, "asof merger load: bad validity byte %u", valid);
        if (rc == 0) oups_bit_set(o.validity->data, i, valid);
        if (rc < 0) break;
        if (bin) {
            uint32_t len = 0;
            rc = oups_blob_get_u32(r, &len);
            if (rc == 0 && len > r->n - r->pos) rc = short_blob(r);
            if (rc == 0 && o.bytes + len > o.data->size) rc = oups_buffer_resize(o.data, (o.bytes + len) * 2);
            if (rc == 0) rc = oups_blob_get(r, o.data->data + o.bytes, len);
            o.bytes += len;
            ((int64_t *)o.offsets->data)[i + 1] = o.bytes;
        } else if (type->id == OUPS_TYPE_BOOL) {
            rc = oups_blob_get_u8(r, &bit);
            if (rc == 0) oups_bit_set(o.data->data, i, bit != 0);
        } else {
            rc = oups_blob_get(r, o.data->data + i * o.width, (size_t)o.width);
        }
    }
    if (rc < 0) {
        oups_ops__asof_out_free(&o);
        return rc;
    }
    return oups_ops__asof_out_finish(out, &o);
}

static int check_config(rd *r, const oups_asof_merger *m) {
    uint32_t n = 0, u = 0;
    uint8_t b = 0;
    int64_t tol = 0;
    char *on = NULL;
    OUPS_TRY(oups_blob_get_u32(r, &n));
    if ((int)n != m->n_dfs || n > 4096)
        return oups_error_set(OUPS_EINVAL, "asof merger load: state has %u tables per group, the merger %d", n, m->n_dfs);
    for (int d = 0; d < m->n_dfs; d++) {
        OUPS_TRY(oups_blob_get_u32(r, &u));
        OUPS_TRY(oups_blob_get_u8(r, &b));
        if ((int64_t)u != m->n_prev[d] || (b != 0) != m->allow[d])
            return oups_error_set(OUPS_EINVAL, "asof merger load: table %d saved with n_prev %u, allow_exact_matches %u; "
                                  "the merger has %d, %d", d, u, b, m->n_prev[d], (int)m->allow[d]);
    }
    OUPS_TRY(oups_blob_get_u8(r, &b));
    if (b != (uint8_t)m->direction)
        return oups_error_set(OUPS_EINVAL, "asof merger load: state saved with direction %u, the merger has %d", b,
                              (int)m->direction);
    OUPS_TRY(oups_blob_get_u8(r, &b));
    OUPS_TRY(oups_blob_get_i64(r, &tol));
    if ((b != 0) != m->has_tol || (m->has_tol && tol != m->tol))
        return oups_error_set(OUPS_EINVAL, "asof merger load: state saved with another tolerance");
    OUPS_TRY(oups_blob_get_u8(r, &b));
    if (b != (uint8_t)m->fill)
        return oups_error_set(OUPS_EINVAL, "asof merger load: state saved with fill mode %u, the merger has %d", b,
                              (int)m->fill);
    OUPS_TRY(oups_blob_get_u32(r, &u));
    if ((int32_t)u != m->suffix_start)
        return oups_error_set(OUPS_EINVAL, "asof merger load: state saved with n_prev_suffix_start %d, the merger has %d",
                              (int32_t)u, m->suffix_start);
    OUPS_TRY(get_str(r, &on));
    int rc = strcmp(on, m->on) == 0 ? 0
             : oups_error_set(OUPS_EINVAL, "asof merger load: state saved with key '%s', the merger has '%s'", on, m->on);
    oups_free(on);
    return rc;
}

static int get_state(rd *r, asof_state *s, const oups_asof_merger *m) {
    uint32_t u = 0;
    int nd = m->n_dfs;
    OUPS_TRY(oups_blob_get_u32(r, &u));
    if (u < 1 || u > 65536) return oups_error_set(OUPS_ECORRUPT, "asof merger load: %u join positions", u);
    if (m->J > 0 && (int)u != m->J)
        return oups_error_set(OUPS_EINVAL, "asof merger load: state has %u join positions, the merger %d", u, m->J);
    if ((size_t)u * (size_t)nd > (r->n - r->pos) / 4) return short_blob(r); /* a prefix takes >= 4 bytes */
    s->prefixes = oups_calloc((size_t)u * nd, sizeof *s->prefixes);
    if (!s->prefixes) return OUPS_ENOMEM;
    s->J = (int)u;
    for (int i = 0; i < s->J * nd; i++) {
        OUPS_TRY(get_str(r, &s->prefixes[i]));
        if (m->prefixes && strcmp(m->prefixes[i], s->prefixes[i]) != 0)
            return oups_error_set(OUPS_EINVAL, "asof merger load: prefix [%d][%d] saved as '%s', the merger has '%s'",
                                  i / nd, i % nd, s->prefixes[i], m->prefixes[i]);
    }
    OUPS_TRY(oups_blob_get_type(r, &s->key_type));
    s->layout = oups_calloc((size_t)nd, sizeof *s->layout);
    if (!s->layout) return OUPS_ENOMEM;
    for (int d = 0; d < nd; d++) {
        asof_table_layout *L = &s->layout[d];
        OUPS_TRY(oups_blob_get_u32(r, &u));
        if (u > (r->n - r->pos) / 14) return short_blob(r); /* a column takes >= 14 bytes */
        L->names = oups_calloc((size_t)u + 1, sizeof *L->names);
        L->types = oups_calloc((size_t)u + 1, sizeof *L->types);
        if (!L->names || !L->types) return OUPS_ENOMEM;
        for (uint32_t c = 0; c < u; c++) {
            L->n_cols = (int)c + 1;
            OUPS_TRY(get_str(r, &L->names[c]));
            OUPS_TRY(oups_blob_get_type(r, &L->types[c]));
            /* The names become table columns (schema, fill blocks): a damaged state must not
             * bring an empty, repeated or key-shadowing name there. */
            bool bad = !L->names[c][0] || strcmp(L->names[c], m->on) == 0;
            for (uint32_t e = 0; !bad && e < c; e++) bad = strcmp(L->names[e], L->names[c]) == 0;
            if (bad) return oups_error_set(OUPS_ECORRUPT, "asof merger load: table %d, column %u: bad name '%s'", d, c,
                                           L->names[c]);
        }
    }
    OUPS_TRY(oups_ops__asof_out_names(s, m));
    OUPS_TRY(oups_blob_get_u32(r, &u));
    /* A (group, table) entry takes >= 16 bytes (row count, last key): checked before allocating. */
    if (u < 1 || (size_t)u * (size_t)nd > (r->n - r->pos) / 16)
        return oups_error_set(OUPS_ECORRUPT, "asof merger load: %u groups", u);
    s->fills = oups_calloc((size_t)u * nd, sizeof *s->fills);
    if (!s->fills) return OUPS_ENOMEM;
    s->n_groups = (int)u;
    for (int i = 0; i < s->n_groups * nd; i++) {
        asof_fill *F = &s->fills[i];
        const asof_table_layout *L = &s->layout[i % nd];
        OUPS_TRY(oups_blob_get_i64(r, &F->n_seen));
        OUPS_TRY(oups_blob_get_i64(r, &F->last_key));
        if (F->n_seen < 0) return oups_error_set(OUPS_ECORRUPT, "asof merger load: negative row count");
        F->f = oups_calloc((size_t)L->n_cols + 1, sizeof *F->f);
        F->miss = oups_calloc((size_t)L->n_cols + 1, sizeof *F->miss);
        if (!F->f || !F->miss) return OUPS_ENOMEM;
        /* A value row takes >= 2 bytes (validity + value) per column, fill and miss: checked
         * before allocating. A key-only table (no value columns) stores nothing more. */
        int64_t np1 = m->n_prev[i % nd] + 1;
        if (L->n_cols > 0 && np1 > (int64_t)((r->n - r->pos) / 4 / (size_t)L->n_cols)) return short_blob(r);
        for (int c = 0; c < L->n_cols; c++) {
            OUPS_TRY(get_column(r, &F->f[c], &L->types[c], np1));
            OUPS_TRY(get_column(r, &F->miss[c], &L->types[c], np1));
        }
    }
    if (r->pos != r->n) return oups_error_set(OUPS_ECORRUPT, "asof merger load: %zu trailing bytes", r->n - r->pos);
    return 0;
}

/* Magic, version, body length and checksum; `r` then reads the body. */
static int open_blob(rd *r, const uint8_t *blob, size_t len) {
    return oups_blob_open(r, blob, len, MAGIC, VERSION, "asof merger load", "an asof merger");
}

static int skip(rd *r, size_t n) {
    if (n > r->n - r->pos) return short_blob(r);
    r->pos += n;
    return 0;
}
static int skip_str(rd *r) {
    uint32_t n = 0;
    OUPS_TRY(oups_blob_get_u32(r, &n));
    return skip(r, n);
}

int oups_asof_merger_state_key_type(oups_datatype *key, bool *has_state, const uint8_t *blob, size_t len) {
    rd r;
    uint32_t n = 0;
    uint8_t flag = 0;
    *has_state = false;
    OUPS_TRY(open_blob(&r, blob, len));
    /* Skip the configuration (see the format above) up to the state flag. */
    OUPS_TRY(oups_blob_get_u32(&r, &n));
    if (n < 1 || n > 4096) return oups_error_set(OUPS_ECORRUPT, "asof merger load: %u tables per group", n);
    OUPS_TRY(skip(&r, (size_t)n * 5 + 1 + 1 + 8 + 1 + 4));
    OUPS_TRY(skip_str(&r));
    OUPS_TRY(oups_blob_get_u8(&r, &flag));
    if (flag > 1) return oups_error_set(OUPS_ECORRUPT, "asof merger load: bad state flag %u", flag);
    if (!flag) return 0;
    uint32_t J = 0;
    OUPS_TRY(oups_blob_get_u32(&r, &J));
    if (J < 1 || J > 65536) return oups_error_set(OUPS_ECORRUPT, "asof merger load: %u join positions", J);
    for (uint64_t i = 0; i < (uint64_t)J * n; i++) OUPS_TRY(skip_str(&r));
    OUPS_TRY(oups_blob_get_type(&r, key));
    *has_state = true;
    return 0;
}

int oups_asof_merger_load(oups_asof_merger *m, const uint8_t *blob, size_t len) {
    if (!m) return oups_error_set(OUPS_EINVAL, "asof merger load: merger is NULL");
    rd r;
    OUPS_TRY(open_blob(&r, blob, len));
    asof_state s = {0};
    uint8_t has_state = 0;
    int rc = check_config(&r, m);
    if (rc == 0) rc = oups_blob_get_u8(&r, &has_state);
    if (rc == 0 && has_state > 1) rc = oups_error_set(OUPS_ECORRUPT, "asof merger load: bad state flag %u", has_state);
    if (rc == 0 && has_state) rc = get_state(&r, &s, m);
    if (rc == 0 && !has_state && r.pos != r.n) rc = oups_error_set(OUPS_ECORRUPT, "asof merger load: trailing bytes");
    if (rc < 0) {
        oups_ops__asof_state_free(&s, m->n_dfs);
        return rc;
    }
    if (has_state) oups_ops__asof_state_install(m, &s);
    else {
        oups_ops__asof_state_free(&m->st, m->n_dfs);
        m->has_state = false;
    }
    return 0;
}

/* ---- oups_state_ops --------------------------------------------------------------------- */

static int ops_save(void *obj, uint8_t **out, size_t *len) { return oups_asof_merger_save(out, len, obj); }
static int ops_load(void *obj, const uint8_t *blob, size_t len) { return oups_asof_merger_load(obj, blob, len); }

const oups_state_ops oups_asof_merger_state_ops = {ops_save, ops_load};
