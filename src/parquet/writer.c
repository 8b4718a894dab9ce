/*
 * parquet/writer.c: the public Parquet writer. Maps table types to Parquet physical, logical
 * and legacy converted types; streams row groups to `path.tmp-<pid>` (or memory), one column
 * chunk in memory at a time; at finish writes the page index (all ColumnIndex, then all
 * OffsetIndex), the footer, fsyncs, renames into place and fsyncs the directory. Freeing an
 * unfinished writer removes the temporary. Chunk encoding is in write_column.c.
 * Spec: parquet.thrift FileMetaData, LogicalTypes.md, PageIndex.md.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <unistd.h>

#include "parquet/write.h"

struct oups_parquet_writer {
    char *path;    /* final path; NULL in memory */
    char *tmp;     /* temporary path; NULL in memory */
    const char *what;
    int fd;        /* -1 in memory or once closed */
    bool finished; /* footer written (file: renamed) */
    bool failed;   /* a write failed part-way: only free() is allowed */
    int64_t pos;   /* bytes written so far */
    oups_bytes mem;
    oups_parquet_write_options o;
    oups_table *schema; /* 0-row table with the names and types */
    int n_cols;
    oups_pqw_col *cols;
    oups_pq_arena arena; /* every metadata array and string of the footer */
    oups_pq_schema_elem *elems;
    oups_pq_row_group *rgs;
    oups_pqw_page_index **pidx; /* per row group: n_cols entries, when page_index */
    int n_rg, rg_cap;
    int64_t num_rows;
    oups_pq_kv *kv;
    oups_pq_sorting_column *sorting;
    const char **sort_names;
    int threads;               /* encoding threads (resolved at open) */
    oups_pqw_scratch *scratch; /* per thread slot */
    oups_pq_arena *col_arenas; /* per thread slot: metadata of the chunks it encodes */
    oups_bytes *chunks;        /* per column: its encoded chunk of the current row group */
};

static const oups_parquet_write_options defaults = OUPS_PARQUET_WRITE_OPTIONS_INIT;

static char *arena_strdup(oups_pq_arena *a, const char *s) {
    size_t n = strlen(s);
    char *d = oups_parquet__arena_alloc(a, n + 1);
    if (d) memcpy(d, s, n + 1);
    return d;
}

static oups_pq_str str_of(const char *s) { return (oups_pq_str){(const uint8_t *)s, (int64_t)strlen(s)}; }

/* Smallest FLBA width holding every decimal of precision p (two's complement). */
static int decimal_bytes(int32_t p) {
    int k = 1;
    while (ldexp(1.0, 8 * k - 1) <= pow(10.0, p)) k++;
    return k;
}

static void set_int(oups_pq_schema_elem *e, int bits, bool is_signed) {
    static const int ct[2][4] = {{OUPS_PQ_CT_UINT_8, OUPS_PQ_CT_UINT_16, OUPS_PQ_CT_UINT_32, OUPS_PQ_CT_UINT_64},
                                 {OUPS_PQ_CT_INT_8, OUPS_PQ_CT_INT_16, OUPS_PQ_CT_INT_32, OUPS_PQ_CT_INT_64}};
    e->logical.kind = OUPS_PQ_LT_INTEGER;
    e->logical.bit_width = bits;
    e->logical.is_signed = is_signed;
    e->converted_type = ct[is_signed][bits == 8 ? 0 : bits == 16 ? 1 : bits == 32 ? 2 : 3];
}

/* Parquet storage of one table column: schema element and encoder settings. */
static void map_type(oups_pqw_col *c, oups_pq_schema_elem *e, const oups_parquet_write_options *o) {
    const oups_datatype *t = &c->type;
    e->repetition = OUPS_PQ_OPTIONAL;
    e->name = str_of(c->name);
    c->legacy_stats = true;
    switch (t->id) {
    case OUPS_TYPE_BOOL:
        c->physical = OUPS_PQ_BOOLEAN, c->order = OUPS_PQW_BOOL;
        break;
    case OUPS_TYPE_INT8:
    case OUPS_TYPE_INT16:
    case OUPS_TYPE_INT32:
        c->physical = OUPS_PQ_INT32, c->order = OUPS_PQW_I32;
        set_int(e, 8 * oups_datatype_width(t->id), true);
        break;
    case OUPS_TYPE_UINT8:
    case OUPS_TYPE_UINT16:
    case OUPS_TYPE_UINT32:
        c->physical = OUPS_PQ_INT32, c->order = OUPS_PQW_U32, c->legacy_stats = false;
        set_int(e, 8 * oups_datatype_width(t->id), false);
        break;
    case OUPS_TYPE_INT64:
        c->physical = OUPS_PQ_INT64, c->order = OUPS_PQW_I64;
        set_int(e, 64, true);
        break;
    case OUPS_TYPE_UINT64:
        c->physical = OUPS_PQ_INT64, c->order = OUPS_PQW_U64, c->legacy_stats = false;
        set_int(e, 64, false);
        break;
    case OUPS_TYPE_FLOAT32: c->physical = OUPS_PQ_FLOAT, c->order = OUPS_PQW_F32; break;
    case OUPS_TYPE_FLOAT64: c->physical = OUPS_PQ_DOUBLE, c->order = OUPS_PQW_F64; break;
    case OUPS_TYPE_DATE32:
        c->physical = OUPS_PQ_INT32, c->order = OUPS_PQW_I32;
        e->logical.kind = OUPS_PQ_LT_DATE;
        e->converted_type = OUPS_PQ_CT_DATE;
        break;
    case OUPS_TYPE_TIMESTAMP: {
        /* Parquet has no seconds unit: seconds are written as milliseconds. */
        int unit = t->unit == OUPS_UNIT_NS ? OUPS_PQ_UNIT_NANOS : t->unit == OUPS_UNIT_US ? OUPS_PQ_UNIT_MICROS
                                                                                        : OUPS_PQ_UNIT_MILLIS;
        c->physical = OUPS_PQ_INT64, c->order = OUPS_PQW_I64;
        e->logical.kind = OUPS_PQ_LT_TIMESTAMP;
        e->logical.unit = unit;
        e->logical.adjusted_to_utc = t->tz[0] != '\0';
        /* The legacy types always meant UTC-adjusted millis/micros. */
        if (e->logical.adjusted_to_utc && unit != OUPS_PQ_UNIT_NANOS)
            e->converted_type = unit == OUPS_PQ_UNIT_MILLIS ? OUPS_PQ_CT_TIMESTAMP_MILLIS : OUPS_PQ_CT_TIMESTAMP_MICROS;
        break;
    }
    case OUPS_TYPE_STRING:
        c->physical = OUPS_PQ_BYTE_ARRAY, c->order = OUPS_PQW_BYTES, c->legacy_stats = false;
        e->logical.kind = OUPS_PQ_LT_STRING;
        e->converted_type = OUPS_PQ_CT_UTF8;
        break;
    case OUPS_TYPE_BINARY:
        c->physical = OUPS_PQ_BYTE_ARRAY, c->order = OUPS_PQW_BYTES, c->legacy_stats = false;
        break;
    case OUPS_TYPE_DECIMAL128:
        e->logical.kind = OUPS_PQ_LT_DECIMAL;
        e->logical.precision = e->precision = t->precision;
        e->logical.scale = e->scale = t->scale;
        e->converted_type = OUPS_PQ_CT_DECIMAL;
        if (t->precision <= 9) {
            c->physical = OUPS_PQ_INT32, c->order = OUPS_PQW_I32;
        } else if (t->precision <= 18) {
            c->physical = OUPS_PQ_INT64, c->order = OUPS_PQW_I64;
        } else {
            c->physical = OUPS_PQ_FLBA, c->order = OUPS_PQW_FLBA_SIGNED, c->legacy_stats = false;
            c->width = e->type_length = decimal_bytes(t->precision);
        }
        break;
    }
    e->type = c->physical;
    if (c->physical == OUPS_PQ_INT32 || c->physical == OUPS_PQ_FLOAT) c->width = 4;
    if (c->physical == OUPS_PQ_INT64 || c->physical == OUPS_PQ_DOUBLE) c->width = 8;
    bool integer = c->physical == OUPS_PQ_INT32 || c->physical == OUPS_PQ_INT64;
    c->delta_ok = integer && t->id != OUPS_TYPE_DECIMAL128;
    c->dict_ok = c->physical != OUPS_PQ_BOOLEAN && c->physical != OUPS_PQ_FLBA;
    c->enc = o->encoding;
}

/* The column's encoding choice must suit its type. */
static int check_encoding(const oups_pqw_col *c) {
    oups_parquet_encoding e = c->enc;
    bool ok = e == OUPS_PARQUET_ENCODING_AUTO || e == OUPS_PARQUET_ENCODING_PLAIN ||
              (e == OUPS_PARQUET_ENCODING_DICTIONARY && c->dict_ok) || (e == OUPS_PARQUET_ENCODING_DELTA && c->delta_ok) ||
              (e == OUPS_PARQUET_ENCODING_BYTE_STREAM_SPLIT &&
               (c->physical == OUPS_PQ_FLOAT || c->physical == OUPS_PQ_DOUBLE));
    if (ok) return 0;
    char tb[96];
    return oups_error_set(OUPS_EINVAL, "parquet write options: column '%s' (%s) cannot be written with encoding %s",
                          c->name, oups_datatype_format(&c->type, tb, sizeof tb), oups_parquet_encoding_name(e));
}

static const char *const encoding_names[] = {"auto", "plain", "dictionary", "delta", "byte_stream_split"};

const char *oups_parquet_encoding_name(oups_parquet_encoding e) {
    return (unsigned)e < sizeof encoding_names / sizeof encoding_names[0] ? encoding_names[e] : "unknown";
}

int oups_parquet_encoding_parse(oups_parquet_encoding *out, const char *text) {
    if (!out || !text) return oups_error_set(OUPS_EINVAL, "oups_parquet_encoding_parse: NULL argument");
    for (size_t i = 0; i < sizeof encoding_names / sizeof encoding_names[0]; i++)
        if (strcmp(text, encoding_names[i]) == 0) return *out = (oups_parquet_encoding)i, 0;
    if (strcmp(text, "dict") == 0) return *out = OUPS_PARQUET_ENCODING_DICTIONARY, 0;
    if (strcmp(text, "bss") == 0) return *out = OUPS_PARQUET_ENCODING_BYTE_STREAM_SPLIT, 0;
    return oups_error_set(OUPS_EINVAL, "unknown encoding '%s' (auto, plain, dictionary, delta, byte_stream_split)",
                          text);
}

static int check_options(const oups_parquet_write_options *o) {
    if (o->version != OUPS_PARQUET_WRITE_OPTIONS_VERSION)
        return oups_error_set(OUPS_EINVAL, "parquet write options: version %d, expected 1 to %d", o->version,
                              OUPS_PARQUET_WRITE_OPTIONS_VERSION);
    switch (o->codec) {
    case OUPS_CODEC_UNCOMPRESSED:
    case OUPS_CODEC_SNAPPY:
    case OUPS_CODEC_GZIP:
    case OUPS_CODEC_BROTLI:
    case OUPS_CODEC_ZSTD:
    case OUPS_CODEC_LZ4_RAW: break;
    default: return oups_error_set(OUPS_EINVAL, "parquet write options: codec %d cannot be written", (int)o->codec);
    }
    if (o->row_group_size <= 0 || o->page_size <= 0 || o->dictionary_page_limit < 0)
        return oups_error_set(OUPS_EINVAL,
                              "parquet write options: row_group_size %" PRId64 ", page_size %" PRId64
                              ", dictionary_page_limit %" PRId64 " must be positive",
                              o->row_group_size, o->page_size, o->dictionary_page_limit);
    if (o->data_page_version != 1 && o->data_page_version != 2)
        return oups_error_set(OUPS_EINVAL, "parquet write options: data_page_version %d (1 or 2)",
                              o->data_page_version);
    if (o->n_kv < 0 || (o->n_kv > 0 && (!o->kv_keys || !o->kv_values)) || o->n_sorting_columns < 0 ||
        (o->n_sorting_columns > 0 && !o->sorting_columns))
        return oups_error_set(OUPS_EINVAL, "parquet write options: key-value or sorting column arrays missing");
    for (int i = 0; i < o->n_kv; i++)
        if (!o->kv_keys[i]) return oups_error_set(OUPS_EINVAL, "parquet write options: key %d is NULL", i);
    if (o->n_column_encodings < 0 || (o->n_column_encodings > 0 && (!o->encoding_columns || !o->column_encodings)))
        return oups_error_set(OUPS_EINVAL, "parquet write options: column encoding arrays missing");
    if (o->threads < 0) return oups_error_set(OUPS_EINVAL, "parquet write options: threads %d (0: default)", o->threads);
    return 0;
}

/* Everything of open() but the output. */
static int setup(oups_parquet_writer *w, const oups_table *schema, const oups_parquet_write_options *opts) {
    w->o = defaults;
    if (opts && (opts->version == 1 || opts->version == 2)) { /* older structs end earlier */
        memcpy(&w->o, opts, opts->version == 1 ? offsetof(oups_parquet_write_options, encoding)
                                               : offsetof(oups_parquet_write_options, page_checksums));
        w->o.version = OUPS_PARQUET_WRITE_OPTIONS_VERSION;
    } else if (opts) {
        w->o = *opts;
    }
    OUPS_TRY(check_options(&w->o));
    int n = oups_table_num_columns(schema);
    w->n_cols = n;
    const char **names = oups_parquet__arena_alloc(&w->arena, (size_t)(n + 1) * sizeof *names);
    oups_datatype *types = oups_parquet__arena_alloc(&w->arena, (size_t)(n + 1) * sizeof *types);
    w->cols = oups_parquet__arena_alloc(&w->arena, (size_t)(n + 1) * sizeof *w->cols);
    w->elems = oups_parquet__arena_alloc(&w->arena, (size_t)(n + 1) * sizeof *w->elems);
    if (!names || !types || !w->cols || !w->elems) return OUPS_ENOMEM;
    oups_parquet__schema_elem_init(&w->elems[0]);
    w->elems[0].name = str_of("schema");
    w->elems[0].num_children = n;
    for (int i = 0; i < n; i++) {
        const oups_column *col = oups_table_column(schema, i);
        names[i] = w->cols[i].name = arena_strdup(&w->arena, oups_table_column_name(schema, i));
        if (!names[i]) return OUPS_ENOMEM;
        types[i] = w->cols[i].type = *oups_column_type(col);
        if (oups_datatype_validate(&types[i]) < 0)
            return oups_error_prefix(OUPS_EINVAL, "parquet writer: column '%s': ", names[i]);
        oups_pq_schema_elem *e = &w->elems[i + 1];
        oups_parquet__schema_elem_init(e);
        map_type(&w->cols[i], e, &w->o);
    }
    for (int i = 0; i < w->o.n_column_encodings; i++) {
        const char *name = w->o.encoding_columns[i];
        int idx = name ? oups_table_column_index(schema, name) : -1;
        if (idx < 0)
            return oups_error_set(OUPS_ENOTFOUND, "parquet write options: encoding column '%s' is not in the table",
                                  name ? name : "(null)");
        w->cols[idx].enc = w->o.column_encodings[i];
    }
    for (int i = 0; i < n; i++) OUPS_TRY(check_encoding(&w->cols[i]));
    OUPS_TRY(oups_table_new_empty(&w->schema, n, names, types));
    w->threads = oups_pool_threads(w->o.threads);
    if (w->threads > n) w->threads = n > 0 ? n : 1; /* a task per column chunk */
    w->scratch = oups_calloc((size_t)w->threads, sizeof *w->scratch);
    w->col_arenas = oups_calloc((size_t)w->threads, sizeof *w->col_arenas);
    w->chunks = oups_calloc((size_t)n + 1, sizeof *w->chunks);
    if (!w->scratch || !w->col_arenas || !w->chunks) return OUPS_ENOMEM;
    /* Copy what the caller's option struct only lends. */
    w->kv = oups_parquet__arena_alloc(&w->arena, (size_t)(w->o.n_kv + 1) * sizeof *w->kv);
    if (!w->kv) return OUPS_ENOMEM;
    int n_kv = 0;
    for (int i = 0; i < w->o.n_kv; i++) {
        /* page checksums of a file read and copied would be wrong here: only ours are written */
        if (strcmp(w->o.kv_keys[i], OUPS_PARQUET_PAGE_CRC_KEY) == 0) continue;
        const char *k = arena_strdup(&w->arena, w->o.kv_keys[i]);
        const char *v = w->o.kv_values[i] ? arena_strdup(&w->arena, w->o.kv_values[i]) : NULL;
        if (!k || (w->o.kv_values[i] && !v)) return OUPS_ENOMEM;
        w->kv[n_kv].key = str_of(k);
        w->kv[n_kv++].value = v ? str_of(v) : (oups_pq_str){NULL, 0};
    }
    w->o.n_kv = n_kv; /* one slot is left for the page checksums */
    int ns = w->o.n_sorting_columns;
    w->sorting = oups_parquet__arena_alloc(&w->arena, (size_t)(ns + 1) * sizeof *w->sorting);
    w->sort_names = oups_parquet__arena_alloc(&w->arena, (size_t)(ns + 1) * sizeof *w->sort_names);
    if (!w->sorting || !w->sort_names) return OUPS_ENOMEM;
    for (int i = 0; i < ns; i++) {
        const char *name = w->o.sorting_columns[i];
        int idx = name ? oups_table_column_index(schema, name) : -1;
        if (idx < 0)
            return oups_error_set(OUPS_ENOTFOUND, "parquet write options: sorting column '%s' is not in the table",
                                  name ? name : "(null)");
        w->sorting[i] = (oups_pq_sorting_column){idx, false, true};
        w->sort_names[i] = w->cols[idx].name;
    }
    w->o.kv_keys = w->o.kv_values = w->o.sorting_columns = w->o.encoding_columns = NULL; /* borrowed: */
    w->o.column_encodings = NULL;                                                      /* never used again */
    return 0;
}

static int writer_new(oups_parquet_writer **out, const oups_table *schema, const oups_parquet_write_options *opts) {
    *out = NULL;
    if (!schema) return oups_error_set(OUPS_EINVAL, "parquet writer: schema table is NULL");
    oups_parquet_writer *w = oups_calloc(1, sizeof *w);
    if (!w) return OUPS_ENOMEM;
    w->fd = -1;
    w->what = "(memory)";
    int rc = setup(w, schema, opts);
    if (rc < 0) {
        oups_parquet_writer_free(w);
        return rc;
    }
    *out = w;
    return 0;
}

/* Append bytes to the output. */
static int out_write(oups_parquet_writer *w, const void *p, size_t n) {
    int rc = w->fd >= 0 ? oups_io_pwrite(w->fd, p, n, w->pos, w->tmp) : oups_bytes_append(&w->mem, p, n);
    if (rc < 0) return rc;
    w->pos += (int64_t)n;
    return 0;
}

int oups_parquet_writer_open(oups_parquet_writer **out, const char *path, const oups_table *schema,
                             const oups_parquet_write_options *opts) {
    if (!out || !path) return oups_error_set(OUPS_EINVAL, "parquet writer: NULL argument");
    *out = NULL;
    oups_parquet_writer *w;
    OUPS_TRY(writer_new(&w, schema, opts));
    int rc = OUPS_ENOMEM;
    w->path = oups_strdup(path);
    size_t n = strlen(path) + 32;
    w->tmp = oups_malloc(n);
    if (!w->path || !w->tmp) {
        oups_free(w->tmp); /* not yet a file name: nothing to unlink */
        w->tmp = NULL;
        goto fail;
    }
    snprintf(w->tmp, n, "%s.tmp-%ld", path, (long)getpid());
    w->what = w->path;
    rc = oups_io_open(&w->fd, w->tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (rc < 0) {
        oups_free(w->tmp); /* nothing was created: nothing to unlink */
        w->tmp = NULL;
        goto fail;
    }
    rc = out_write(w, "PAR1", 4);
    if (rc < 0) goto fail;
    *out = w;
    return 0;
fail:
    oups_parquet_writer_free(w);
    return rc;
}

int oups_parquet_writer_open_memory(oups_parquet_writer **out, const oups_table *schema,
                                    const oups_parquet_write_options *opts) {
    if (!out) return oups_error_set(OUPS_EINVAL, "parquet writer: NULL argument");
    *out = NULL;
    oups_parquet_writer *w;
    OUPS_TRY(writer_new(&w, schema, opts));
    int rc = out_write(w, "PAR1", 4);
    if (rc < 0) {
        oups_parquet_writer_free(w);
        return rc;
    }
    *out = w;
    return 0;
}

static int check_state(const oups_parquet_writer *w) {
    if (!w) return oups_error_set(OUPS_EINVAL, "parquet writer: NULL handle");
    if (w->finished || w->failed)
        return oups_error_set(OUPS_ESTATE, "%s: parquet writer already %s", w->what,
                              w->finished ? "finished" : "failed");
    return 0;
}

static int check_schema(const oups_parquet_writer *w, const oups_table *t) {
    if (!t) return oups_error_set(OUPS_EINVAL, "%s: table is NULL", w->what);
    if (oups_table_schema_equal(w->schema, t)) return 0;
    int n = oups_table_num_columns(t);
    if (n != w->n_cols)
        return oups_error_set(OUPS_ESCHEMA, "%s: table has %d columns, the file %d", w->what, n, w->n_cols);
    for (int i = 0; i < n; i++) {
        const char *name = oups_table_column_name(t, i);
        char a[96], b[96];
        if (strcmp(name, w->cols[i].name) != 0)
            return oups_error_set(OUPS_ESCHEMA, "%s: column %d is '%s', the file has '%s'", w->what, i, name,
                                  w->cols[i].name);
        const oups_datatype *ty = oups_column_type(oups_table_column(t, i));
        if (!oups_datatype_equal(ty, &w->cols[i].type))
            return oups_error_set(OUPS_ESCHEMA, "%s: column '%s' is %s, the file has %s", w->what, name,
                                  oups_datatype_format(ty, a, sizeof a),
                                  oups_datatype_format(&w->cols[i].type, b, sizeof b));
    }
    return oups_error_set(OUPS_ESCHEMA, "%s: schema differs", w->what);
}

/* The column chunks of one row group, encoded by parallel tasks (one per column). */
typedef struct rg_job {
    oups_parquet_writer *w;
    const oups_table *t;
    oups_pq_row_group *rg;
    oups_pqw_page_index *pi;
} rg_job;

static int encode_task(void *payload, int64_t i, int slot) {
    rg_job *j = payload;
    oups_parquet_writer *w = j->w;
    return oups_pqw__write_chunk(&j->rg->columns[i], j->pi ? &j->pi[i] : NULL, &w->chunks[i],
                                 oups_table_column(j->t, (int)i), &w->cols[i], &w->o, &w->scratch[slot],
                                 &w->col_arenas[slot], w->what);
}

static int write_row_group(oups_parquet_writer *w, const oups_table *t, int64_t n) {
    if (w->o.n_sorting_columns)
        OUPS_TRY(oups_table_check_ordered(NULL, t, w->sort_names, w->o.n_sorting_columns));
    if (w->n_rg == w->rg_cap) {
        int cap = w->rg_cap ? w->rg_cap * 2 : 8;
        oups_pq_row_group *rgs = oups_realloc(w->rgs, (size_t)cap * sizeof *rgs);
        if (rgs) w->rgs = rgs;
        oups_pqw_page_index **pidx = oups_realloc(w->pidx, (size_t)cap * sizeof *pidx);
        if (pidx) w->pidx = pidx;
        if (!rgs || !pidx) return OUPS_ENOMEM;
        w->rg_cap = cap;
    }
    oups_pq_row_group *rg = &w->rgs[w->n_rg];
    oups_parquet__row_group_init(rg);
    rg->columns = oups_parquet__arena_alloc(&w->arena, (size_t)(w->n_cols + 1) * sizeof *rg->columns);
    oups_pqw_page_index *pi = NULL;
    bool want_pi = w->o.page_index || w->o.page_checksums;
    if (want_pi) pi = oups_parquet__arena_alloc(&w->arena, (size_t)(w->n_cols + 1) * sizeof *pi);
    if (!rg->columns || (want_pi && !pi)) return OUPS_ENOMEM;
    rg->file_offset = w->pos;
    rg->total_byte_size = rg->total_compressed_size = 0;
    /* Chunks are encoded at offset 0 (in any order, on any thread), then placed in order. */
    rg_job job = {w, t, rg, pi};
    OUPS_TRY(oups_pool_run(w->threads, w->n_cols, encode_task, &job));
    for (int i = 0; i < w->n_cols; i++) {
        oups_pqw__chunk_rebase(&rg->columns[i], pi ? &pi[i] : NULL, w->pos);
        OUPS_TRY(out_write(w, w->chunks[i].data, w->chunks[i].len));
        rg->total_byte_size += rg->columns[i].meta.total_uncompressed_size;
        rg->total_compressed_size += (int64_t)w->chunks[i].len;
    }
    rg->n_columns = w->n_cols;
    rg->num_rows = n;
    if (w->n_rg < INT16_MAX) rg->ordinal = w->n_rg;
    if (w->o.n_sorting_columns) {
        rg->n_sorting = w->o.n_sorting_columns;
        rg->sorting = w->sorting;
    }
    w->pidx[w->n_rg++] = pi;
    w->num_rows += n;
    return 0;
}

int oups_parquet_writer_write_row_group(oups_parquet_writer *w, const oups_table *t) {
    OUPS_TRY(check_state(w));
    OUPS_TRY(check_schema(w, t));
    int64_t n = oups_table_num_rows(t);
    if (n == 0) return 0;
    int rc = write_row_group(w, t, n);
    if (rc < 0 && rc != OUPS_EUNORDERED) w->failed = true; /* the file may hold part of it */
    return rc;
}

int oups_parquet_writer_write_table(oups_parquet_writer *w, const oups_table *t) {
    OUPS_TRY(check_state(w));
    OUPS_TRY(check_schema(w, t));
    int64_t n = oups_table_num_rows(t);
    for (int64_t off = 0; off < n; off += w->o.row_group_size) {
        int64_t m = n - off < w->o.row_group_size ? n - off : w->o.row_group_size;
        oups_table *s;
        OUPS_TRY(oups_table_slice(&s, t, off, m));
        int rc = oups_parquet_writer_write_row_group(w, s);
        oups_table_free(s);
        OUPS_TRY(rc);
    }
    return 0;
}

/* Page index (all ColumnIndex, then all OffsetIndex, as PageIndex.md lays out) and footer. */
static int write_footer(oups_parquet_writer *w) {
    oups_bytes b = {0}, crcs = {0};
    int rc = 0;
    for (int pass = 0; pass < 2 && w->o.page_index; pass++)
        for (int g = 0; g < w->n_rg; g++)
            for (int i = 0; i < w->n_cols; i++) {
                oups_pqw_page_index *pi = &w->pidx[g][i];
                oups_pq_column_chunk *cc = &w->rgs[g].columns[i];
                if (pass == 0 && !pi->has_column_index) continue;
                b.len = 0;
                rc = pass == 0 ? oups_parquet__write_column_index(&b, &pi->ci)
                               : oups_parquet__write_offset_index(&b, &pi->oi);
                if (rc < 0) goto out;
                if (pass == 0) cc->column_index_offset = w->pos, cc->column_index_length = (int32_t)b.len;
                else cc->offset_index_offset = w->pos, cc->offset_index_length = (int32_t)b.len;
                if ((rc = out_write(w, b.data, b.len)) < 0) goto out;
            }
    oups_pq_file_meta m;
    oups_parquet__file_meta_init(&m);
    m.version = 2;
    m.n_schema = w->n_cols + 1;
    m.schema = w->elems;
    m.num_rows = w->num_rows;
    m.n_row_groups = w->n_rg;
    m.row_groups = w->rgs;
    m.n_kv = w->o.n_kv;
    for (int g = 0; g < w->n_rg && w->o.page_checksums; g++)
        for (int i = 0; i < w->n_cols; i++) {
            const oups_pqw_page_index *pi = &w->pidx[g][i];
            if ((g || i) && (rc = oups_bytes_append(&crcs, " ", 1)) < 0) goto out;
            for (int32_t k = 0; k < pi->n_crcs; k++)
                if ((rc = oups_bytes_printf(&crcs, "%08" PRIx32, pi->crcs[k])) < 0) goto out;
        }
    if (w->o.page_checksums) {
        w->kv[m.n_kv].key = str_of(OUPS_PARQUET_PAGE_CRC_KEY);
        w->kv[m.n_kv++].value = (oups_pq_str){crcs.data ? crcs.data : (const uint8_t *)"", (int64_t)crcs.len};
    }
    m.kv = m.n_kv ? w->kv : NULL;
    m.created_by = str_of("oups version " OUPS_VERSION_STRING);
    /* TYPE_ORDER for every column: readers may then trust min_value/max_value. */
    m.n_column_orders = w->n_cols;
    m.column_orders = oups_parquet__arena_alloc(&w->arena, (size_t)(w->n_cols + 1) * sizeof *m.column_orders);
    if (!m.column_orders) {
        rc = OUPS_ENOMEM;
        goto out;
    }
    for (int i = 0; i < w->n_cols; i++) m.column_orders[i] = 1;
    b.len = 0;
    if ((rc = oups_parquet__write_file_meta(&b, &m)) < 0) goto out;
    uint8_t tail[8];
    oups_store_u32le(tail, (uint32_t)b.len);
    memcpy(tail + 4, "PAR1", 4);
    if ((rc = oups_bytes_append(&b, tail, 8)) < 0) goto out;
    rc = out_write(w, b.data, b.len);
out:
    oups_bytes_free(&crcs);
    oups_bytes_free(&b);
    return rc;
}

static int finish_file(oups_parquet_writer *w) {
    OUPS_TRY(write_footer(w));
    OUPS_TRY(oups_io_fsync(w->fd, w->tmp));
    int fd = w->fd;
    w->fd = -1;
    OUPS_TRY(oups_io_close(fd));
    OUPS_TRY(oups_io_rename(w->tmp, w->path));
    w->finished = true; /* the temporary is gone: free() must not unlink anything */
    char *slash = strrchr(w->path, '/');
    if (!slash) return oups_io_fsync_dir(".");
    if (slash == w->path) return oups_io_fsync_dir("/");
    *slash = '\0';
    int rc = oups_io_fsync_dir(w->path);
    *slash = '/';
    return rc;
}

int oups_parquet_writer_finish(oups_parquet_writer *w) {
    OUPS_TRY(check_state(w));
    if (!w->tmp) return oups_error_set(OUPS_ESTATE, "parquet writer: in memory, use finish_memory");
    int rc = finish_file(w);
    if (rc < 0 && !w->finished) w->failed = true;
    return rc;
}

int oups_parquet_writer_finish_memory(oups_parquet_writer *w, uint8_t **out, size_t *len) {
    OUPS_TRY(check_state(w));
    if (!out || !len) return oups_error_set(OUPS_EINVAL, "parquet writer: NULL output");
    if (w->tmp) return oups_error_set(OUPS_ESTATE, "%s: writer writes a file, use finish", w->what);
    int rc = write_footer(w);
    if (rc < 0) {
        w->failed = true;
        return rc;
    }
    w->finished = true;
    *out = w->mem.data;
    *len = w->mem.len;
    w->mem = (oups_bytes){0};
    return 0;
}

void oups_parquet_writer_free(oups_parquet_writer *w) {
    if (!w) return;
    if (w->fd >= 0) (void)oups_io_close(w->fd);
    if (w->tmp && !w->finished) (void)oups_io_unlink(w->tmp);
    oups_free(w->path);
    oups_free(w->tmp);
    oups_bytes_free(&w->mem);
    oups_table_free(w->schema);
    oups_free(w->rgs);
    oups_free(w->pidx);
    for (int i = 0; w->scratch && i < w->threads; i++) oups_pqw__scratch_free(&w->scratch[i]);
    for (int i = 0; w->col_arenas && i < w->threads; i++) oups_parquet__arena_free(&w->col_arenas[i]);
    for (int i = 0; w->chunks && i < w->n_cols; i++) oups_bytes_free(&w->chunks[i]);
    oups_free(w->scratch);
    oups_free(w->col_arenas);
    oups_free(w->chunks);
    oups_parquet__arena_free(&w->arena);
    oups_free(w);
}

int oups_parquet_write(const char *path, const oups_table *t, const oups_parquet_write_options *opts) {
    oups_parquet_writer *w;
    OUPS_TRY(oups_parquet_writer_open(&w, path, t, opts));
    int rc = oups_parquet_writer_write_table(w, t);
    if (rc == 0) rc = oups_parquet_writer_finish(w);
    oups_parquet_writer_free(w);
    return rc;
}
