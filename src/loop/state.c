/*
 * loop/state.c: the state store of a loop: binding caller variables to keys (spec §7–§9),
 * serialising their values, and the state file (load at open, atomic save at persist).
 *
 * State file, version 1 (all integers little-endian; str = u32 length + bytes, no NUL):
 *   0  "OUPSLOOP"            magic (8 bytes): anything else is a foreign file
 *   8  u32 version = 1       a newer version is OUPS_EUNSUPPORTED
 *   12 u32 crc32             of every byte from offset 16 to the end
 *   16 str id = "stateful_loop", u64 items_done, u32 n_entries, then per entry:
 *        str key ("func:step#1"), u32 n_fields, per field: str name, u8 type
 *        (oups_state_type), u64 length, value bytes
 * Values: int64/double 8 bytes (double as its bit pattern), bool 1 byte (0/1), string/bytes
 * raw, table an in-memory Parquet file (empty: NULL table), object the blob of ops->save.
 * Every length is checked against the bytes left, so damaged files give OUPS_ECORRUPT.
 */
#include <fcntl.h>

#include "loop/internal.h"

#define LP_MAGIC "OUPSLOOP"
#define LP_VERSION 1u
#define LP_ID "stateful_loop"
#define LP_HEADER 16

static const char *type_name(int t) {
    static const char *const names[] = {"?", "int64", "double", "bool", "string", "bytes", "table", "object"};
    return t >= OUPS_STATE_INT64 && t <= OUPS_STATE_OBJECT ? names[t] : names[0];
}

/* ---- values ---------------------------------------------------------------------------- */

static int table_to_blob(uint8_t **out, size_t *len, const oups_table *t) {
    oups_parquet_writer *w = NULL;
    int rc = oups_parquet_writer_open_memory(&w, t, NULL);
    if (rc == 0) rc = oups_parquet_writer_write_table(w, t);
    if (rc == 0) rc = oups_parquet_writer_finish_memory(w, out, len);
    oups_parquet_writer_free(w);
    return rc;
}

static int table_from_blob(oups_table **out, const uint8_t *blob, size_t len, const char *what) {
    oups_parquet_reader *r = NULL;
    *out = NULL;
    int rc = oups_parquet_reader_open_memory(&r, blob, len, what);
    if (rc == 0) rc = oups_parquet_reader_read(out, r, NULL, 0, NULL, 0);
    oups_parquet_reader_free(r);
    return rc;
}

/* Serialise the current value of a bound field into a new blob. */
static int value_save(uint8_t **out, size_t *len, const oups_state_field *f) {
    *out = NULL;
    *len = 0;
    size_t n = 0;
    const void *src = NULL;
    switch (f->type) {
    case OUPS_STATE_INT64: n = 8; src = f->ptr; break;
    case OUPS_STATE_DOUBLE: n = 8; src = f->ptr; break;
    case OUPS_STATE_BOOL: {
        uint8_t b = *(const bool *)f->ptr ? 1 : 0;
        if (!(*out = oups_malloc(1))) return OUPS_ENOMEM;
        **out = b;
        *len = 1;
        return 0;
    }
    case OUPS_STATE_STRING: src = *(char **)f->ptr; n = src ? strlen(src) : 0; break;
    case OUPS_STATE_BYTES: {
        const oups_state_bytes *b = f->ptr;
        src = b->data;
        n = b->data ? b->len : 0;
        break;
    }
    case OUPS_STATE_TABLE: {
        const oups_table *t = *(oups_table **)f->ptr;
        return t ? table_to_blob(out, len, t) : 0;
    }
    case OUPS_STATE_OBJECT: return f->ops->save(f->ptr, out, len);
    }
    if (n == 0) return 0;
    if (!(*out = oups_malloc(n))) return OUPS_ENOMEM;
    memcpy(*out, src, n);
    *len = n;
    return 0;
}

/* A restored value before it is handed to the caller's variable. */
typedef union lp_value {
    int64_t i;
    double d;
    bool b;
    char *s;
    oups_state_bytes y;
    oups_table *t;
} lp_value;

/* Decode a stored value of a non-object field (types already checked equal). */
static int value_decode(lp_value *v, const oups_state_field *f, const lp_field *s, const char *path, const char *key) {
    memset(v, 0, sizeof *v);
    size_t need = f->type == OUPS_STATE_BOOL ? 1 : 8;
    if ((f->type == OUPS_STATE_INT64 || f->type == OUPS_STATE_DOUBLE || f->type == OUPS_STATE_BOOL) &&
        (s->len != need || (f->type == OUPS_STATE_BOOL && s->blob[0] > 1)))
        return oups_error_set(OUPS_ECORRUPT, "%s: state '%s' field '%s': bad %s value (%zu bytes)", path, key,
                              f->name, type_name(f->type), s->len);
    switch (f->type) {
    case OUPS_STATE_INT64: memcpy(&v->i, s->blob, 8); return 0;
    case OUPS_STATE_DOUBLE: memcpy(&v->d, s->blob, 8); return 0;
    case OUPS_STATE_BOOL: v->b = s->blob[0] == 1; return 0;
    case OUPS_STATE_STRING:
        if (!(v->s = oups_malloc(s->len + 1))) return OUPS_ENOMEM;
        if (s->len) memcpy(v->s, s->blob, s->len);
        v->s[s->len] = '\0';
        return 0;
    case OUPS_STATE_BYTES:
        if (s->len && !(v->y.data = oups_malloc(s->len))) return OUPS_ENOMEM;
        if (s->len) memcpy(v->y.data, s->blob, s->len);
        v->y.len = s->len;
        return 0;
    case OUPS_STATE_TABLE: {
        int rc = s->len ? table_from_blob(&v->t, s->blob, s->len, key) : 0;
        return rc < 0 ? oups_error_prefix(rc, "%s: state '%s' field '%s': ", path, key, f->name) : 0;
    }
    case OUPS_STATE_OBJECT: break;
    }
    return 0;
}

static void value_drop(lp_value *v, oups_state_type type) {
    if (type == OUPS_STATE_STRING) oups_free(v->s);
    if (type == OUPS_STATE_BYTES) oups_free(v->y.data);
    if (type == OUPS_STATE_TABLE) oups_table_free(v->t);
}

static void value_assign(const oups_state_field *f, const lp_value *v) {
    switch (f->type) {
    case OUPS_STATE_INT64: *(int64_t *)f->ptr = v->i; break;
    case OUPS_STATE_DOUBLE: *(double *)f->ptr = v->d; break;
    case OUPS_STATE_BOOL: *(bool *)f->ptr = v->b; break;
    case OUPS_STATE_STRING: *(char **)f->ptr = v->s; break;
    case OUPS_STATE_BYTES: *(oups_state_bytes *)f->ptr = v->y; break;
    case OUPS_STATE_TABLE: *(oups_table **)f->ptr = v->t; break;
    case OUPS_STATE_OBJECT: break;
    }
}

static int entry_field(const lp_entry *e, const char *name);

/* Restore every field of `fields` from entry `e` (spec §9: the stored value wins). All
 * values are decoded first, then objects loaded, then variables assigned: a failure leaves
 * the caller's variables untouched (except objects loaded before a failing object). */
static int restore(const lp_entry *e, const oups_state_field *fields, int n, const char *path) {
    lp_value *vals = oups_calloc((size_t)n + 1, sizeof *vals);
    if (!vals) return OUPS_ENOMEM;
    int rc = 0, done = 0;
    for (; done < n && rc == 0; done++)
        if (fields[done].type != OUPS_STATE_OBJECT)
            rc = value_decode(&vals[done], &fields[done], &e->fields[entry_field(e, fields[done].name)], path, e->key);
    for (int i = 0; i < n && rc == 0; i++) {
        const oups_state_field *f = &fields[i];
        const lp_field *s = &e->fields[entry_field(e, f->name)];
        if (f->type == OUPS_STATE_OBJECT && (rc = f->ops->load(f->ptr, s->blob, s->len)) < 0)
            rc = oups_error_prefix(rc, "%s: state '%s' field '%s': ", path, e->key, f->name);
    }
    for (int i = 0; i < done; i++) {
        if (rc == 0) value_assign(&fields[i], &vals[i]);
        else value_drop(&vals[i], fields[i].type);
    }
    oups_free(vals);
    return rc;
}

/* ---- store ----------------------------------------------------------------------------- */

static void entry_clear(lp_entry *e) {
    for (int i = 0; i < e->n_fields; i++) {
        oups_free(e->fields[i].name);
        oups_free(e->fields[i].blob);
    }
    oups_free(e->fields);
    oups_free(e->bound);
    oups_free(e->slot);
    oups_free(e->key);
    memset(e, 0, sizeof *e);
}

void oups_loop__state_free(oups_loop *loop) {
    for (int i = 0; i < loop->n_entries; i++) entry_clear(&loop->entries[i]);
    oups_free(loop->entries);
    loop->entries = NULL;
    loop->n_entries = loop->cap_entries = 0;
}

static lp_entry *entry_find(oups_loop *loop, const char *key) {
    for (int i = 0; i < loop->n_entries; i++)
        if (strcmp(loop->entries[i].key, key) == 0) return &loop->entries[i];
    return NULL;
}

/* Append an empty entry that takes over `key`; NULL (key freed) on failure. */
static lp_entry *entry_add(oups_loop *loop, char *key) {
    if (loop->n_entries == loop->cap_entries) {
        int cap = loop->cap_entries ? loop->cap_entries * 2 : 8;
        lp_entry *e = oups_realloc(loop->entries, (size_t)cap * sizeof *e);
        if (!e) {
            oups_free(key);
            return NULL;
        }
        loop->entries = e;
        loop->cap_entries = cap;
    }
    lp_entry *e = &loop->entries[loop->n_entries++];
    memset(e, 0, sizeof *e);
    e->key = key;
    return e;
}

static int entry_field(const lp_entry *e, const char *name) {
    for (int i = 0; i < e->n_fields; i++)
        if (strcmp(e->fields[i].name, name) == 0) return i;
    return -1;
}

static int check_fields(const oups_state_field *fields, int n) {
    if (n < 0 || (n > 0 && !fields)) return oups_error_set(OUPS_EINVAL, "loop bind: bad field list (n = %d)", n);
    for (int i = 0; i < n; i++) {
        const oups_state_field *f = &fields[i];
        if (!f->name || !f->name[0]) return oups_error_set(OUPS_EINVAL, "loop bind: field %d has no name", i);
        if (f->type < OUPS_STATE_INT64 || f->type > OUPS_STATE_OBJECT)
            return oups_error_set(OUPS_EINVAL, "loop bind: field '%s' has unknown type %d", f->name, (int)f->type);
        if (!f->ptr) return oups_error_set(OUPS_EINVAL, "loop bind: field '%s' has no variable", f->name);
        if (f->type == OUPS_STATE_OBJECT && (!f->ops || !f->ops->save || !f->ops->load))
            return oups_error_set(OUPS_EINVAL, "loop bind: object field '%s' has no save/load ops", f->name);
        for (int j = 0; j < i; j++)
            if (strcmp(fields[j].name, f->name) == 0)
                return oups_error_set(OUPS_EINVAL, "loop bind: duplicate field name '%s'", f->name);
    }
    return 0;
}

/* "ns:base#n" with n = 1 + the bindings of this prefix made so far in this loop. */
static char *next_key(oups_loop *loop, oups_state_ns ns, const char *base) {
    oups_bytes b = {0};
    if (oups_bytes_printf(&b, "%s:%s#", ns == OUPS_STATE_OBJ ? "obj" : "func", base) < 0) return NULL;
    size_t plen = b.len;
    int n = 1;
    for (int i = 0; i < loop->n_entries; i++)
        if (loop->entries[i].bound && strncmp(loop->entries[i].key, (char *)b.data, plen) == 0) n++;
    if (oups_bytes_printf(&b, "%d", n) < 0) {
        oups_bytes_free(&b);
        return NULL;
    }
    return (char *)b.data;
}

int oups_loop_bind(oups_loop *loop, const char **key_out, oups_state_ns ns, const char *base,
                   const oups_state_field *fields, int n_fields) {
    if (key_out) *key_out = NULL;
    if (!loop) return oups_error_set(OUPS_EINVAL, "loop bind: NULL loop");
    if (ns != OUPS_STATE_FUNC && ns != OUPS_STATE_OBJ) return oups_error_set(OUPS_EINVAL, "loop bind: bad namespace");
    if (!base || !base[0]) return oups_error_set(OUPS_EINVAL, "loop bind: function/object has no name");
    if (strchr(base, '#')) return oups_error_set(OUPS_EINVAL, "loop bind: name '%s' contains '#'", base);
    if (loop->phase != LP_IDLE)
        return oups_error_set(OUPS_ESTATE, "loop bind '%s': bindings must be made before oups_loop_begin", base);
    OUPS_TRY(check_fields(fields, n_fields));
    /* Allocate first, so that once values are restored nothing can fail any more. */
    char *key = next_key(loop, ns, base);
    oups_state_field *bound = oups_malloc_array((size_t)n_fields + 1, sizeof *bound);
    int *slot = oups_malloc_array((size_t)n_fields + 1, sizeof *slot);
    lp_entry *e = NULL;
    bool created = false;
    int rc = key && bound && slot ? 0 : OUPS_ENOMEM;
    if (rc == 0 && (e = entry_find(loop, key))) { /* restore: same fields, same types */
        for (int i = 0; i < n_fields && rc == 0; i++) {
            int k = entry_field(e, fields[i].name);
            if (k < 0)
                rc = oups_error_set(OUPS_ENOTFOUND, "%s: state '%s' has no field '%s'", loop->path, key, fields[i].name);
            else if (e->fields[k].type != fields[i].type)
                rc = oups_error_set(OUPS_ESCHEMA, "%s: state '%s' field '%s' is stored as %s, bound as %s", loop->path,
                                    key, fields[i].name, type_name(e->fields[k].type), type_name(fields[i].type));
        }
        if (rc == 0) rc = restore(e, fields, n_fields, loop->path);
        oups_free(key);
    } else if (rc == 0) {
        created = (e = entry_add(loop, key)) != NULL; /* takes over key */
        rc = created ? 0 : OUPS_ENOMEM;
        /* New entry: fields get names now, values at persist time. */
        if (rc == 0 && n_fields && !(e->fields = oups_calloc((size_t)n_fields, sizeof *e->fields))) rc = OUPS_ENOMEM;
        for (; rc == 0 && e->n_fields < n_fields; e->n_fields++) {
            lp_field *s = &e->fields[e->n_fields];
            s->type = (uint8_t)fields[e->n_fields].type;
            if (!(s->name = oups_strdup(fields[e->n_fields].name))) rc = OUPS_ENOMEM;
        }
    } else {
        oups_free(key);
    }
    if (rc < 0) {
        if (created) { /* the new entry is the last one: drop it */
            entry_clear(e);
            loop->n_entries--;
        }
        oups_free(bound);
        oups_free(slot);
        return rc;
    }
    for (int i = 0; i < n_fields; i++) {
        slot[i] = entry_field(e, fields[i].name);
        bound[i] = fields[i];
        bound[i].name = e->fields[slot[i]].name;
    }
    e->bound = bound;
    e->slot = slot;
    e->n_bound = n_fields;
    if (key_out) *key_out = e->key;
    return 0;
}

int oups_loop_bind_object(oups_loop *loop, const char **key_out, const char *base, void *obj,
                          const oups_state_ops *ops) {
    oups_state_field f = {"state", OUPS_STATE_OBJECT, obj, ops};
    return oups_loop_bind(loop, key_out, OUPS_STATE_OBJ, base, &f, 1);
}

/* ---- file encoding --------------------------------------------------------------------- */

static int put_u32(oups_bytes *b, uint32_t v) {
    uint8_t x[4];
    oups_store_u32le(x, v);
    return oups_bytes_append(b, x, 4);
}
static int put_u64(oups_bytes *b, uint64_t v) {
    uint8_t x[8];
    oups_store_u64le(x, v);
    return oups_bytes_append(b, x, 8);
}
static int put_str(oups_bytes *b, const char *s) {
    size_t n = strlen(s);
    OUPS_TRY(put_u32(b, (uint32_t)n));
    return oups_bytes_append(b, s, n);
}

static int encode(oups_bytes *b, const oups_loop *loop, int64_t items_done) {
    size_t total = LP_HEADER + 4 + strlen(LP_ID) + 8 + 4; /* reserve once: table blobs can be large */
    for (int i = 0; i < loop->n_entries; i++) {
        const lp_entry *e = &loop->entries[i];
        total += 8 + strlen(e->key);
        for (int k = 0; k < e->n_fields; k++) total += 4 + strlen(e->fields[k].name) + 1 + 8 + e->fields[k].len;
    }
    OUPS_TRY(oups_bytes_reserve(b, total));
    OUPS_TRY(oups_bytes_append(b, LP_MAGIC, 8));
    OUPS_TRY(put_u32(b, LP_VERSION));
    OUPS_TRY(put_u32(b, 0)); /* crc, filled below */
    OUPS_TRY(put_str(b, LP_ID));
    OUPS_TRY(put_u64(b, (uint64_t)items_done));
    OUPS_TRY(put_u32(b, (uint32_t)loop->n_entries));
    for (int i = 0; i < loop->n_entries; i++) {
        const lp_entry *e = &loop->entries[i];
        OUPS_TRY(put_str(b, e->key));
        OUPS_TRY(put_u32(b, (uint32_t)e->n_fields));
        for (int k = 0; k < e->n_fields; k++) {
            const lp_field *f = &e->fields[k];
            OUPS_TRY(put_str(b, f->name));
            OUPS_TRY(oups_bytes_append(b, &f->type, 1));
            OUPS_TRY(put_u64(b, f->len));
            if (f->len) OUPS_TRY(oups_bytes_append(b, f->blob, f->len));
        }
    }
    oups_store_u32le(b->data + 12, oups_crc32(0, b->data + LP_HEADER, b->len - LP_HEADER));
    return 0;
}

int oups_loop__encode(oups_bytes *out, oups_loop *loop, int64_t items_done) {
    /* Read back every bound variable first: a failing save leaves the file untouched. */
    for (int i = 0; i < loop->n_entries; i++) {
        lp_entry *e = &loop->entries[i];
        for (int k = 0; k < e->n_bound; k++) {
            uint8_t *blob;
            size_t len;
            int rc = value_save(&blob, &len, &e->bound[k]);
            if (rc < 0) return oups_error_prefix(rc, "%s: saving state '%s' field '%s': ", loop->path, e->key,
                                                 e->bound[k].name);
            lp_field *f = &e->fields[e->slot[k]];
            oups_free(f->blob);
            f->blob = blob;
            f->len = len;
        }
    }
    return encode(out, loop, items_done);
}

int oups_loop__save(oups_loop *loop, int64_t items_done) {
    oups_bytes b = {0};
    int rc = oups_loop__encode(&b, loop, items_done);
    if (rc == 0) rc = oups_io_write_file_atomic(loop->path, b.data, b.len);
    oups_bytes_free(&b);
    if (rc == 0) loop->items_done = items_done;
    return rc;
}

/* ---- file decoding --------------------------------------------------------------------- */

typedef struct rd {
    const uint8_t *p;
    size_t left;
    size_t size;
    const char *path;
} rd;

static int truncated(const rd *r, const char *what) {
    return oups_error_set(OUPS_ECORRUPT, "%s: state file truncated or damaged at byte %zu (reading %s)", r->path,
                          r->size - r->left, what);
}
static int get(rd *r, const uint8_t **out, size_t n, const char *what) {
    if (n > r->left) return truncated(r, what);
    *out = r->p;
    r->p += n;
    r->left -= n;
    return 0;
}
static int get_u32(rd *r, uint32_t *v, const char *what) {
    const uint8_t *p = NULL;
    OUPS_TRY(get(r, &p, 4, what));
    *v = oups_load_u32le(p);
    return 0;
}
static int get_u64(rd *r, uint64_t *v, const char *what) {
    const uint8_t *p = NULL;
    OUPS_TRY(get(r, &p, 8, what));
    *v = oups_load_u64le(p);
    return 0;
}
static int get_str(rd *r, char **out, const char *what) {
    uint32_t n;
    const uint8_t *p = NULL;
    *out = NULL;
    OUPS_TRY(get_u32(r, &n, what));
    OUPS_TRY(get(r, &p, n, what));
    if (memchr(p, 0, n)) return oups_error_set(OUPS_ECORRUPT, "%s: state file: NUL byte inside %s", r->path, what);
    return (*out = oups_strndup((const char *)p, n)) ? 0 : OUPS_ENOMEM;
}

static int decode_entry(rd *r, oups_loop *loop) {
    char *key;
    uint32_t n;
    OUPS_TRY(get_str(r, &key, "state key"));
    if (entry_find(loop, key)) {
        int rc = oups_error_set(OUPS_ECORRUPT, "%s: state file: duplicate state key '%s'", r->path, key);
        oups_free(key);
        return rc;
    }
    lp_entry *e = entry_add(loop, key);
    if (!e) return OUPS_ENOMEM;
    OUPS_TRY(get_u32(r, &n, "field count"));
    if (n > r->left / 14) return truncated(r, "field count"); /* a field takes at least 14 bytes */
    if (n && !(e->fields = oups_calloc(n, sizeof *e->fields))) return OUPS_ENOMEM;
    while ((uint32_t)e->n_fields < n) {
        lp_field *f = &e->fields[e->n_fields]; /* counted once named, so entry_clear frees it */
        const uint8_t *p = NULL;
        uint64_t len;
        OUPS_TRY(get_str(r, &f->name, "field name"));
        int dup = entry_field(e, f->name);
        e->n_fields++;
        if (dup >= 0)
            return oups_error_set(OUPS_ECORRUPT, "%s: state '%s': duplicate field '%s'", r->path, e->key, f->name);
        OUPS_TRY(get(r, &p, 1, "field type"));
        f->type = p[0];
        if (f->type < OUPS_STATE_INT64 || f->type > OUPS_STATE_OBJECT)
            return oups_error_set(OUPS_ECORRUPT, "%s: state '%s' field '%s': unknown type tag %u", r->path, e->key,
                                  f->name, f->type);
        OUPS_TRY(get_u64(r, &len, "field length"));
        if (len > r->left) return truncated(r, "field value");
        OUPS_TRY(get(r, &p, (size_t)len, "field value"));
        if (len) {
            if (!(f->blob = oups_malloc((size_t)len))) return OUPS_ENOMEM;
            memcpy(f->blob, p, (size_t)len);
            f->len = (size_t)len;
        }
    }
    return 0;
}

int oups_loop__decode(oups_loop *loop, const uint8_t *data, size_t size) {
    const char *path = loop->path;
    if (size < 8 || memcmp(data, LP_MAGIC, 8) != 0)
        return oups_error_set(OUPS_ECORRUPT, "%s: not an oups loop state file (bad magic)", path);
    if (size < LP_HEADER) return oups_error_set(OUPS_ECORRUPT, "%s: state file truncated (%zu bytes)", path, size);
    uint32_t version = oups_load_u32le(data + 8);
    if (version != LP_VERSION)
        return oups_error_set(OUPS_EUNSUPPORTED, "%s: unsupported state file version %u (this build reads %u)", path,
                              version, LP_VERSION);
    uint32_t crc = oups_crc32(0, data + LP_HEADER, size - LP_HEADER);
    if (crc != oups_load_u32le(data + 12))
        return oups_error_set(OUPS_ECORRUPT, "%s: state file checksum mismatch (damaged or truncated)", path);
    rd r = {data + LP_HEADER, size - LP_HEADER, size, path};
    char *id;
    uint64_t items;
    uint32_t n;
    OUPS_TRY(get_str(&r, &id, "id"));
    bool ok = strcmp(id, LP_ID) == 0;
    oups_free(id);
    if (!ok) return oups_error_set(OUPS_ECORRUPT, "%s: invalid persistence file id", path);
    OUPS_TRY(get_u64(&r, &items, "items done"));
    if (items > INT64_MAX) return oups_error_set(OUPS_ECORRUPT, "%s: state file: bad item count", path);
    OUPS_TRY(get_u32(&r, &n, "entry count"));
    if (n > r.left / 8) return truncated(&r, "entry count"); /* an entry takes at least 8 bytes */
    for (uint32_t i = 0; i < n; i++) OUPS_TRY(decode_entry(&r, loop));
    if (r.left) return oups_error_set(OUPS_ECORRUPT, "%s: state file: %zu trailing bytes", path, r.left);
    loop->items_done = loop->items_base = (int64_t)items;
    return 0;
}

int oups_loop__load(oups_loop *loop) {
    uint8_t *data = NULL;
    size_t size = 0;
    int rc = oups_io_read_file(&data, &size, loop->path);
    if (rc == OUPS_ENOTFOUND) {
        oups_error_clear();
        return 0;
    }
    if (rc < 0) return rc;
    rc = oups_loop__decode(loop, data, size);
    oups_free(data);
    if (rc < 0) {
        oups_loop__state_free(loop);
        return rc;
    }
    loop->resumed = true;
    return 0;
}
