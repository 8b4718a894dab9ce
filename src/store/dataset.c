/*
 * store/dataset.c: the ordered parquet dataset handle (spec §3): open with an OFD fcntl lock
 * on <parent>/<name>.lock (exclusive for writers, shared for read-only opens; shared by
 * reference count with views), loading the metadata file and, for writers only, finishing an
 * interrupted commit (commit.c); views, accessors, reading rows (all or a key range, touching
 * only the needed row-group files, each checked against the metadata: schema, row count, key
 * order and min/max), remove_from_disk and check. Writing lives in write.c, the format in meta.c.
 * A read-only handle never creates, renames or deletes a dataset file (only the transient lock
 * file, removed by whoever releases it last when it can tell it is last).
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/internal.h"

/* ---- lock --------------------------------------------------------------------------------- */

static int lock_acquire(store_lock **out, const char *path, const char *dataset, int64_t timeout_ms, bool shared) {
    *out = NULL;
    int64_t deadline = oups_now_ns() + (timeout_ms > 0 ? timeout_ms : 0) * 1000000;
    for (;;) {
        int fd;
        OUPS_TRY(oups_io_open(&fd, path, O_RDWR | O_CREAT, 0644));
        int64_t left = timeout_ms < 0 ? -1 : (deadline - oups_now_ns()) / 1000000;
        int rc = oups_io_lock_mode(fd, path, timeout_ms < 0 ? -1 : left > 0 ? left : 0, shared);
        if (rc == OUPS_EBUSY || rc == OUPS_ETIMEOUT) {
            oups_io_close(fd);
            return oups_error_set(OUPS_ETIMEOUT, "failed to acquire lock for dataset '%s' within %.3f seconds. "
                                  "Another process may be using this dataset.", dataset, (double)timeout_ms / 1000.0);
        }
        if (rc < 0) {
            oups_io_close(fd);
            return rc;
        }
        /* The previous holder deletes the file on release: make sure we locked the live one. */
        struct stat a, b;
        if (fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev) {
            store_lock *l = oups_calloc(1, sizeof *l);
            char *p = oups_strdup(path);
            if (!l || !p) {
                oups_free(l);
                oups_free(p);
                oups_io_close(fd);
                return OUPS_ENOMEM;
            }
            atomic_init(&l->refcount, 1);
            l->fd = fd;
            l->path = p;
            *out = l;
            return 0;
        }
        oups_io_close(fd);
    }
}

static void lock_release(store_lock *l, bool shared) {
    if (!l || atomic_fetch_sub(&l->refcount, 1) != 1) return;
    /* Delete the file while still holding the lock (see lock_acquire), but only as its sole
     * holder: a reader first tries to turn its shared lock into an exclusive one, and leaves
     * the file to the other readers if that fails. Errors here must not replace the caller's. */
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    if (!shared || fcntl(l->fd, F_OFD_SETLK, &fl) == 0) (void)unlink(l->path);
    fl.l_type = F_UNLCK;
    (void)fcntl(l->fd, F_OFD_SETLK, &fl);
    oups_io_close(l->fd);
    oups_free(l->path);
    oups_free(l);
}

/* ---- open / close ------------------------------------------------------------------------- */

static void opd_free(oups_opd *o) {
    if (!o) return;
    if (o->txn) (void)oups_opd_rollback(o); /* closed without commit (txn.c) */
    lock_release(o->lock, o->shared);
    oups_store__journal_free(&o->pending);
    oups_free(o->path);
    oups_free(o->md_path);
    oups_free(o->ordered_on);
    oups_table_free(o->columns);
    oups_store__stats_free(&o->stats);
    oups_store__kv_free(&o->kv);
    oups_free(o);
}

void oups_opd_close(oups_opd *opd) { opd_free(opd); }

/* Absolute path without trailing slashes. */
static int resolve(char **out, const char *path) {
    char buf[PATH_MAX], cwd[PATH_MAX];
    if (!path || !*path) return oups_error_set(OUPS_EINVAL, "dataset path is empty");
    if (path[0] == '/') snprintf(buf, sizeof buf, "%s", path);
    else if (!getcwd(cwd, sizeof cwd)) return oups_error_set(OUPS_EIO, "getcwd failed");
    else if (snprintf(buf, sizeof buf, "%s/%s", cwd, path) >= (int)sizeof buf)
        return oups_error_set(OUPS_EINVAL, "dataset path too long: %s", path);
    size_t n = strlen(buf);
    while (n > 1 && buf[n - 1] == '/') buf[--n] = '\0';
    if (n <= 1) return oups_error_set(OUPS_EINVAL, "dataset path '%s' has no name", path);
    *out = oups_strdup(buf);
    return *out ? 0 : OUPS_ENOMEM;
}

int oups_store__reload(oups_opd *opd) {
    store_meta m;
    int rc = oups_store__meta_read(&m, opd->md_path);
    oups_store__journal_free(&opd->pending);
    if (rc == OUPS_ENOTFOUND) { /* never written: a new dataset */
        oups_store__stats_free(&opd->stats);
        opd->is_new = true;
        return opd->shared ? 0 : oups_store__clean_staged(opd);
    }
    OUPS_TRY(rc);
    oups_free(opd->ordered_on);
    oups_store__stats_free(&opd->stats);
    oups_store__kv_free(&opd->kv);
    opd->ordered_on = m.ordered_on;
    opd->key_type = m.key_type;
    opd->key_type_known = m.key_type_known;
    opd->has_schema = m.has_schema;
    opd->schema_crc = m.schema_crc;
    oups_table_free(opd->columns);
    opd->columns = m.columns;
    opd->stats = m.stats;
    opd->kv = m.kv;
    opd->is_new = false;
    if (opd->shared) { /* read the committed state where it is, touching nothing */
        rc = oups_store__journal_verify(opd, &m.journal);
        if (rc == 0) {
            opd->pending = m.journal;
            memset(&m.journal, 0, sizeof m.journal);
        }
    } else {
        rc = oups_store__recover(opd, &m.journal);
    }
    oups_store__journal_free(&m.journal);
    if (rc == 0) opd->broken = false;
    return rc;
}

int oups_store__open_locked(oups_opd **out, const char *path, const oups_opd_options *opts) {
    *out = NULL;
    oups_opd *o = oups_calloc(1, sizeof *o);
    if (!o) return OUPS_ENOMEM;
    o->is_new = true;
    o->shared = o->readonly = opts->version >= 2 && opts->read_only; /* version 1 has no such field */
    char parent[PATH_MAX], lock_path[PATH_MAX + 8];
    int rc = resolve(&o->path, path);
    if (rc == 0) {
        size_t n = strlen(o->path);
        o->md_path = oups_malloc(n + 8);
        if (!o->md_path) rc = OUPS_ENOMEM;
        else snprintf(o->md_path, n + 8, "%s_opdmd", o->path);
        snprintf(parent, sizeof parent, "%s", o->path);
        *strrchr(parent, '/') = '\0';
        snprintf(lock_path, sizeof lock_path, "%s.lock", o->path);
    }
    if (rc == 0 && parent[0] && !o->shared) rc = oups_io_mkdir_p(parent);
    if (rc == 0) rc = lock_acquire(&o->lock, lock_path, o->path, opts->lock_timeout_ms, o->shared);
    if (rc < 0) {
        opd_free(o);
        return rc;
    }
    *out = o;
    return 0;
}

int oups_opd_open(oups_opd **out, const char *path, const oups_opd_options *opts) {
    oups_opd_options def = OUPS_OPD_OPTIONS_INIT;
    if (!opts) opts = &def;
    oups_opd *o;
    OUPS_TRY(oups_store__open_locked(&o, path, opts));
    int rc = oups_store__reload(o);
    if (rc == 0 && opts->ordered_on && *opts->ordered_on) {
        if (!o->ordered_on) {
            o->ordered_on = oups_strdup(opts->ordered_on);
            if (!o->ordered_on) rc = OUPS_ENOMEM;
        } else if (strcmp(o->ordered_on, opts->ordered_on) != 0) {
            rc = oups_error_set(OUPS_EINVAL, "ordered_on '%s' does not match the dataset's ordered_on column '%s'",
                                opts->ordered_on, o->ordered_on);
        }
    }
    if (rc < 0) {
        opd_free(o); /* releases the lock too */
        return rc;
    }
    *out = o;
    return 0;
}

int oups_opd_view(oups_opd **out, oups_opd *opd, int64_t start, int64_t stop, int64_t step) {
    *out = NULL;
    if (step < 1 || start < 0 || stop < 0)
        return oups_error_set(OUPS_EINVAL, "view [%lld:%lld:%lld]: bounds must be >= 0 and step >= 1", (long long)start,
                              (long long)stop, (long long)step);
    oups_opd *v = oups_calloc(1, sizeof *v);
    if (!v) return OUPS_ENOMEM;
    *v = *opd;
    v->path = oups_strdup(opd->path);
    v->md_path = oups_strdup(opd->md_path);
    v->ordered_on = opd->ordered_on ? oups_strdup(opd->ordered_on) : NULL;
    v->columns = opd->columns ? oups_table_retain(opd->columns) : NULL;
    memset(&v->stats, 0, sizeof v->stats);
    memset(&v->kv, 0, sizeof v->kv);
    memset(&v->pending, 0, sizeof v->pending);
    v->txn = NULL; /* a view reads the staged state of a transaction but never ends it */
    v->readonly = true;
    v->lock = opd->lock;
    atomic_fetch_add(&v->lock->refcount, 1);
    int rc = (!v->path || !v->md_path || (opd->ordered_on && !v->ordered_on)) ? OUPS_ENOMEM : 0;
    if (rc == 0) rc = oups_store__kv_copy(&v->kv, &opd->kv);
    if (rc == 0 && opd->pending.phase) rc = oups_store__journal_copy(&v->pending, &opd->pending);
    if (stop > opd->stats.n) stop = opd->stats.n;
    for (int64_t i = start; rc == 0 && i < stop; i += step)
        rc = oups_store__stats_push(&v->stats, opd->stats.file_ids[i], opd->stats.n_rows[i], opd->stats.mins[i],
                                    opd->stats.maxs[i], opd->stats.crcs[i], opd->stats.tails[i]);
    if (rc < 0) {
        opd_free(v);
        return rc;
    }
    *out = v;
    return 0;
}

/* ---- accessors ---------------------------------------------------------------------------- */

int64_t oups_opd_len(const oups_opd *opd) { return opd->stats.n; }
const char *oups_opd_ordered_on(const oups_opd *opd) { return opd->ordered_on; }
const char *oups_opd_path(const oups_opd *opd) { return opd->path; }
bool oups_opd_is_new(const oups_opd *opd) { return opd->is_new; }
bool oups_opd_is_readonly(const oups_opd *opd) { return opd->readonly; }

int64_t oups_opd_max_file_id(const oups_opd *opd) {
    int64_t m = -1;
    if (!opd->readonly) {
        for (int64_t i = 0; i < opd->stats.n; i++)
            if (opd->stats.file_ids[i] > m) m = opd->stats.file_ids[i];
        return m;
    }
    DIR *d = opendir(opd->path); /* views scan the directory (spec §3.8) */
    if (!d) return -1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *n = e->d_name;
        if (strncmp(n, "file_", 5) != 0) continue;
        char *end;
        long long id = strtoll(n + 5, &end, 10);
        if (end != n + 5 && strcmp(end, ".parquet") == 0 && id > m) m = id;
    }
    closedir(d);
    return m;
}

int oups_opd_stats(oups_opd_rg_stats *out, const oups_opd *opd, int64_t i) {
    if (i < 0 || i >= opd->stats.n)
        return oups_error_set(OUPS_EINVAL, "%s: row group %lld out of range (%lld row groups)", opd->path, (long long)i,
                              (long long)opd->stats.n);
    out->file_id = opd->stats.file_ids[i];
    out->n_rows = opd->stats.n_rows[i];
    oups_store__key_to_scalar(&out->min, &opd->key_type, opd->stats.mins[i]);
    oups_store__key_to_scalar(&out->max, &opd->key_type, opd->stats.maxs[i]);
    return 0;
}

int oups_opd_kv_count(const oups_opd *opd) { return opd->kv.n; }
const char *oups_opd_kv_key(const oups_opd *opd, int i) { return i >= 0 && i < opd->kv.n ? opd->kv.keys[i] : NULL; }
const char *oups_opd_kv_value(const oups_opd *opd, int i) {
    return i >= 0 && i < opd->kv.n ? opd->kv.values[i] : NULL;
}
const char *oups_opd_kv_get(const oups_opd *opd, const char *key) { return oups_store__kv_get(&opd->kv, key); }

/* ---- reading ------------------------------------------------------------------------------ */

void oups_store__rg_path(char *buf, const oups_opd *opd, int64_t file_id) {
    oups_store__journal_path(buf, opd, &opd->pending, file_id);
}

/* Keys of column `name` of t, rows [r0, r0 + rows(t)) of row group i, checked against its
 * stats: sorted, inside [min, max], first == min when r0 == 0, last == max at the end. */
static int check_keys(const oups_opd *opd, int64_t i, const oups_table *t, int64_t r0, const char *path) {
    int c = opd->ordered_on ? oups_table_column_index(t, opd->ordered_on) : -1;
    int64_t n = oups_table_num_rows(t);
    if (c < 0 || n == 0) return 0;
    int64_t *keys = oups_malloc_array((size_t)n, 8);
    if (!keys) return OUPS_ENOMEM;
    int rc = oups_store__key_extract(keys, oups_table_column(t, c), opd->ordered_on);
    if (rc < 0 && rc != OUPS_ENOMEM) rc = oups_error_prefix(OUPS_ECORRUPT, "%s: ", path);
    for (int64_t r = 1; rc == 0 && r < n; r++)
        if (keys[r] < keys[r - 1])
            rc = oups_error_set(OUPS_ECORRUPT, "%s: row %lld is out of order on '%s'", path, (long long)(r0 + r),
                                opd->ordered_on);
    bool at_end = r0 + n == opd->stats.n_rows[i];
    if (rc == 0 && (keys[0] < opd->stats.mins[i] || keys[n - 1] > opd->stats.maxs[i] ||
                    (r0 == 0 && keys[0] != opd->stats.mins[i]) || (at_end && keys[n - 1] != opd->stats.maxs[i])))
        rc = oups_error_set(OUPS_ECORRUPT, "%s: key min/max differ from the metadata's for row group %lld", path,
                            (long long)i);
    oups_free(keys);
    return rc;
}

/* True if the columns of `t` are the first columns of `cols` (a row group written before a
 * write added columns). */
bool oups_store__is_prefix(const oups_table *t, const oups_table *cols) {
    int n = oups_table_num_columns(t);
    if (!cols || n > oups_table_num_columns(cols)) return false;
    for (int i = 0; i < n; i++)
        if (strcmp(oups_table_column_name(t, i), oups_table_column_name(cols, i)) != 0 ||
            !oups_datatype_equal(oups_column_type(oups_table_column(t, i)), oups_column_type(oups_table_column(cols, i))))
            return false;
    return true;
}

/* `t` (rows of a file written before columns were added) with the columns `names[0..n)` of
 * the dataset: its own, and all-null ones for those it lacks. */
static int with_new_columns(oups_table **out, const oups_table *t, const char *const *names, int n,
                            const oups_table *cols) {
    *out = NULL;
    oups_column **c = oups_calloc((size_t)n + 1, sizeof *c);
    if (!c) return OUPS_ENOMEM;
    int rc = 0;
    for (int i = 0; rc == 0 && i < n; i++) {
        int k = oups_table_column_index(t, names[i]), d = oups_table_column_index(cols, names[i]);
        if (k >= 0) c[i] = oups_column_retain(oups_table_column(t, k));
        else if (d < 0) rc = oups_error_set(OUPS_ENOTFOUND, "no column '%s' in the dataset", names[i]);
        else rc = oups_column_new_nulls(&c[i], oups_column_type(oups_table_column(cols, d)), oups_table_num_rows(t));
    }
    if (rc == 0) rc = oups_table_new(out, n, names, c);
    for (int i = 0; i < n; i++) oups_column_release(c[i]);
    oups_free(c);
    return rc;
}

/* Open row group i's file checked against the metadata: its tail (page index and footer)
 * against the tail CRC when it is known (since format 4: the reader then checks every page it
 * decodes against the page checksums the footer lists), else, or when `whole`, the whole file
 * against its CRC (unknown for format-1 row groups); the schema (CRC known since format 2), the
 * footer's row count. A mismatch is ECORRUPT naming the file: a damaged file is never read as
 * data. `*schema` gets the file's 0-row table. */
static int open_rg(oups_parquet_reader **out, oups_table **schema, const oups_opd *opd, int64_t i, char *path,
                   bool whole) {
    *out = NULL;
    *schema = NULL;
    oups_store__rg_path(path, opd, opd->stats.file_ids[i]);
    oups_parquet_reader *r = NULL;
    int64_t crc = -1, tail = opd->stats.tails[i], bytes = 0;
    whole = whole || tail < 0;
    /* the lock keeps writers out between the CRC and the parse */
    int rc = whole && opd->stats.crcs[i] >= 0 ? oups_store__file_crc(&crc, path) : 0;
    if (rc == 0 && whole && crc != opd->stats.crcs[i])
        rc = oups_error_set(OUPS_ECORRUPT, "%s: checksum mismatch: the file is damaged", path);
    if (rc == 0) rc = oups_parquet_reader_open(&r, path);
    if (rc == OUPS_ENOTFOUND)
        rc = oups_error_set(OUPS_ECORRUPT, "%s: row group %lld's file is missing", path, (long long)i);
    if (rc < 0 && rc != OUPS_ENOMEM && !whole) /* a damaged footer, found before its checksum */
        rc = oups_error_prefix(OUPS_ECORRUPT, "%s: the file is damaged: ", path);
    if (rc == 0 && tail >= 0) {
        rc = oups_store__tail_crc(&crc, &bytes, r, path);
        if (rc == 0 && (crc != tail || !oups_parquet_reader_has_page_checksums(r)))
            rc = oups_error_set(OUPS_ECORRUPT, "%s: checksum mismatch in the page index or footer: the file is damaged",
                                path);
    }
    struct stat sb;
    if (whole && opd->stats.crcs[i] >= 0 && stat(path, &sb) == 0) bytes = sb.st_size;
    atomic_fetch_add(&opd->lock->bytes_read, bytes);
    if (rc < 0) {
        oups_parquet_reader_free(r);
        return rc;
    }
    oups_table *t = NULL;
    rc = oups_parquet_reader_schema(&t, r);
    if (rc == 0 && opd->has_schema && oups_store__schema_crc(t) != opd->schema_crc && !oups_store__is_prefix(t, opd->columns))
        rc = oups_error_set(OUPS_ECORRUPT, "%s: columns or types differ from the dataset's (metadata schema)", path);
    if (rc == 0 && oups_parquet_reader_num_rows(r) != opd->stats.n_rows[i])
        rc = oups_error_set(OUPS_ECORRUPT, "%s: %lld rows, the metadata says %lld", path,
                            (long long)oups_parquet_reader_num_rows(r), (long long)opd->stats.n_rows[i]);
    if (rc == 0 && oups_parquet_reader_num_row_groups(r) != 1)
        rc = oups_error_set(OUPS_ECORRUPT, "%s: %d row groups, a dataset file has one", path,
                            oups_parquet_reader_num_row_groups(r));
    if (rc < 0) {
        oups_table_free(t);
        oups_parquet_reader_free(r);
        return rc;
    }
    *out = r;
    *schema = t;
    return 0;
}

/* A key range lo <= key < hi (no upper bound without has_hi) of a read: the pages that can
 * hold such keys are decoded (key_rows) and, with n_before, that many rows before them;
 * `exact`: the rows outside the range are then cut off (the key column is read for it). */
typedef struct rg_cut {
    int64_t lo, hi, n_before;
    bool has_hi, exact;
} rg_cut;

/* Rows [*r0, *r1) of row group i (read through `r`) that can hold keys in the cut's range:
 * from the key column's page index (pages are sorted on the key), else the whole row group. */
static int key_rows(int64_t *r0, int64_t *r1, const oups_opd *opd, oups_parquet_reader *r, int64_t i,
                    const rg_cut *cut) {
    int64_t lo = cut->lo, hi = cut->hi;
    *r0 = 0;
    *r1 = opd->stats.n_rows[i];
    if (lo <= opd->stats.mins[i] && (!cut->has_hi || hi > opd->stats.maxs[i])) return 0;
    int leaf = -1;
    for (int c = 0; c < oups_parquet_reader_num_columns(r) && leaf < 0; c++) {
        const char *name;
        if (oups_parquet_reader_column_name(&name, r, c) == 0 && strcmp(name, opd->ordered_on) == 0) leaf = c;
    }
    oups_parquet_page *pg = NULL;
    int n = 0;
    if (leaf >= 0) OUPS_TRY(oups_parquet_reader_pages(&pg, &n, r, 0, leaf));
    bool usable = n > 0;
    for (int k = 0; k < n && usable; k++) usable = pg[k].has_min_max;
    if (usable) {
        int a = 0, b = n; /* pages [a, b) may hold keys in [lo, hi) */
        int64_t kmin, kmax;
        int rc = 0;
        while (rc == 0 && a < n && (rc = oups_store__key_from_scalar(&kmax, &opd->key_type, &pg[a].max)) == 0 && kmax < lo) a++;
        while (rc == 0 && cut->has_hi && b > a &&
               (rc = oups_store__key_from_scalar(&kmin, &opd->key_type, &pg[b - 1].min)) == 0 && kmin >= hi)
            b--;
        if (rc == 0) {
            *r0 = a < n ? pg[a].first_row : *r1;
            *r1 = b > a ? pg[b - 1].first_row + pg[b - 1].n_rows : *r0;
        }
        usable = rc == 0;
    }
    oups_mem_free(pg);
    if (!usable) *r0 = 0, *r1 = opd->stats.n_rows[i];
    return 0;
}

/* Row group i (stats index) of the dataset, checked against the metadata (open_rg, and key
 * order and min/max when the key column is read), cut to `range` if given. Counted in the
 * handle's read statistics. */
static int read_rg(oups_table **out, const oups_opd *opd, int64_t i, const char *const *columns, int n_cols,
                   bool schema_only, const rg_cut *range) {
    *out = NULL;
    char path[PATH_MAX];
    oups_parquet_reader *r = NULL;
    oups_table *t = NULL;
    OUPS_TRY(open_rg(&r, &t, opd, i, path, opd->check_whole));
    int rc = 0;
    /* a file older than the dataset's last columns: read the columns it has, null the others */
    const char **want = NULL, **have = NULL;
    int n_want = 0, n_have = 0;
    if (!schema_only && opd->columns && oups_table_num_columns(t) < oups_table_num_columns(opd->columns)) {
        n_want = columns ? n_cols : oups_table_num_columns(opd->columns);
        want = oups_malloc_array((size_t)n_want + 1, sizeof *want);
        have = oups_malloc_array((size_t)n_want + 1, sizeof *have);
        if (!want || !have) rc = OUPS_ENOMEM;
        for (int k = 0; rc == 0 && k < n_want; k++) {
            want[k] = columns ? columns[k] : oups_table_column_name(opd->columns, k);
            if (oups_table_column_index(t, want[k]) >= 0) have[n_have++] = want[k];
        }
        columns = have;
        n_cols = n_have;
    }
    if (rc == 0 && !schema_only) {
        oups_table_free(t);
        t = NULL;
        int64_t r0 = 0, r1 = opd->stats.n_rows[i];
        if (range) rc = key_rows(&r0, &r1, opd, r, i, range);
        if (range) r0 = r0 > range->n_before ? r0 - range->n_before : 0;
        if (rc == 0 && r0 == 0 && r1 == opd->stats.n_rows[i]) /* whole: columns decoded in parallel */
            rc = oups_parquet_reader_read(&t, r, NULL, 0, columns, columns ? n_cols : 0);
        else if (rc == 0)
            rc = oups_parquet_reader_read_rows(&t, r, 0, r0, r1, columns, columns ? n_cols : 0);
        if (rc == 0 && oups_table_num_rows(t) != r1 - r0)
            rc = oups_error_set(OUPS_ECORRUPT, "%s: %lld rows read, expected %lld", path,
                                (long long)oups_table_num_rows(t), (long long)(r1 - r0));
        if (rc == 0) rc = check_keys(opd, i, t, r0, path);
        atomic_fetch_add(&opd->lock->row_groups_read, 1);
        atomic_fetch_add(&opd->lock->pages_decoded, oups_parquet_reader_pages_decoded(r));
    } else if (columns) {
        oups_table *s;
        rc = oups_table_select(&s, t, columns, n_cols);
        oups_table_free(t);
        t = rc == 0 ? s : NULL;
    }
    atomic_fetch_add(&opd->lock->bytes_read, oups_parquet_reader_bytes_read(r));
    oups_parquet_reader_free(r);
    if (rc == 0 && want) {
        oups_table *s;
        rc = with_new_columns(&s, t, want, n_want, opd->columns);
        oups_table_free(t);
        t = rc == 0 ? s : NULL;
    }
    oups_free(want);
    oups_free(have);
    if (rc == 0 && range && range->exact) { /* cut to lo <= key < hi */
        int kc = oups_table_column_index(t, opd->ordered_on);
        int64_t rows = oups_table_num_rows(t);
        int64_t *keys = oups_malloc_array((size_t)rows + 1, 8);
        if (!keys) rc = OUPS_ENOMEM;
        if (rc == 0 && kc < 0) rc = oups_error_set(OUPS_EINVAL, "a key range needs the key column '%s'", opd->ordered_on);
        if (rc == 0) rc = oups_store__key_extract(keys, oups_table_column(t, kc), opd->ordered_on);
        int64_t a = rc == 0 ? oups_store__lower(keys, rows, range->lo) : 0;
        int64_t b = rc == 0 ? (range->has_hi ? oups_store__lower(keys, rows, range->hi) : rows) : 0;
        oups_free(keys);
        oups_table *s;
        if (rc == 0 && (a > 0 || b < rows) && (rc = oups_table_slice(&s, t, a, b > a ? b - a : 0)) == 0) {
            oups_table_free(t);
            t = s;
        }
    }
    if (rc < 0) {
        oups_table_free(t);
        return rc;
    }
    *out = t;
    return 0;
}

/* The given row groups, each cut to `range` if given, concatenated. */
static int read_rgs(oups_table **out, const oups_opd *opd, const int64_t *idx, int64_t n, const char *const *columns,
                    int n_cols, const rg_cut *range) {
    *out = NULL;
    if (n == 0) {
        if (opd->columns) return columns ? oups_table_select(out, opd->columns, columns, n_cols)
                                         : (*out = oups_table_retain(opd->columns), 0);
        if (opd->stats.n == 0) return oups_table_new_empty(out, 0, NULL, NULL);
        return read_rg(out, opd, 0, columns, n_cols, true, NULL);
    }
    oups_table **parts = oups_calloc((size_t)n, sizeof *parts);
    if (!parts) return OUPS_ENOMEM;
    int rc = 0;
    for (int64_t i = 0; i < n && rc == 0; i++) rc = read_rg(&parts[i], opd, idx[i], columns, n_cols, false, range);
    if (rc == 0 && n == 1) *out = parts[0], parts[0] = NULL; /* no copy */
    else if (rc == 0) rc = oups_table_concat(out, parts, (int)n);
    for (int64_t i = 0; i < n; i++) oups_table_free(parts[i]);
    oups_free(parts);
    return rc;
}

int oups_store__read_rgs(oups_table **out, const oups_opd *opd, const int64_t *idx, int64_t n,
                         const char *const *columns, int n_cols) {
    return read_rgs(out, opd, idx, n, columns, n_cols, NULL);
}

int oups_store__read_rg_cut(oups_table **out, const oups_opd *opd, int64_t i, const char *const *columns, int n_cols,
                            int64_t lo, const int64_t *hi, int64_t n_before) {
    rg_cut cut = {lo, hi ? *hi : 0, n_before, hi != NULL, false};
    return read_rg(out, opd, i, columns, n_cols, false, &cut);
}

int oups_opd_schema(oups_table **out, const oups_opd *opd) { return oups_store__read_rgs(out, opd, NULL, 0, NULL, 0); }

int oups_opd_read(oups_table **out, oups_opd *opd, const char *const *columns, int n_cols) {
    return oups_opd_read_range(out, opd, NULL, NULL, columns, n_cols);
}

void oups_opd_read_stats_get(oups_opd_read_stats *out, const oups_opd *opd) {
    out->row_groups_read = atomic_load(&opd->lock->row_groups_read);
    out->pages_decoded = atomic_load(&opd->lock->pages_decoded);
    out->bytes_read = atomic_load(&opd->lock->bytes_read);
}

int oups_opd_read_range(oups_table **out, oups_opd *opd, const oups_scalar *start, const oups_scalar *end_excl,
                        const char *const *columns, int n_cols) {
    *out = NULL;
    rg_cut range = {INT64_MIN, 0, 0, end_excl != NULL, true};
    bool bounded = start || end_excl;
    if (bounded && opd->stats.n > 0) {
        if (start) OUPS_TRY(oups_store__key_from_scalar(&range.lo, &opd->key_type, start));
        if (end_excl) OUPS_TRY(oups_store__key_from_scalar(&range.hi, &opd->key_type, end_excl));
    }
    int64_t *idx = oups_malloc_array((size_t)(opd->stats.n + 1), 8), n = 0;
    if (!idx) return OUPS_ENOMEM;
    for (int64_t i = 0; i < opd->stats.n; i++)
        if (!bounded || (opd->stats.maxs[i] >= range.lo && (!end_excl || opd->stats.mins[i] < range.hi))) idx[n++] = i;
    /* the key column is needed to cut: read it too, then select the requested columns */
    const char **cols = NULL;
    int nc = n_cols;
    int rc = 0;
    if (bounded && columns && opd->ordered_on) {
        cols = oups_malloc_array((size_t)n_cols + 1, sizeof *cols);
        if (!cols) rc = OUPS_ENOMEM;
        bool has = false;
        for (int i = 0; rc == 0 && i < n_cols; i++) {
            cols[i] = columns[i];
            has |= strcmp(columns[i], opd->ordered_on) == 0;
        }
        if (rc == 0 && !has) cols[nc++] = opd->ordered_on;
    }
    oups_table *t = NULL;
    if (rc == 0)
        rc = read_rgs(&t, opd, idx, n, cols ? cols : columns, cols ? nc : n_cols,
                      bounded && opd->ordered_on ? &range : NULL);
    oups_free(idx);
    if (rc == 0 && cols && nc > n_cols) {
        oups_table *s;
        rc = oups_table_select(&s, t, columns, n_cols);
        if (rc == 0) {
            oups_table_free(t);
            t = s;
        }
    }
    oups_free(cols);
    if (rc < 0) {
        oups_table_free(t);
        return rc;
    }
    *out = t;
    return 0;
}

/* ---- maintenance -------------------------------------------------------------------------- */

static int remove_tree(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return 0;
    struct dirent *e;
    char path[PATH_MAX];
    int rc = 0;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (e->d_type == DT_DIR) rc = remove_tree(path);
        else rc = oups_io_unlink(path);
    }
    closedir(d);
    if (rc == 0) rc = oups_io_rmdir(dir);
    return rc;
}

int oups_opd_remove_from_disk(oups_opd *opd, bool preserve_metadata) {
    if (opd->readonly)
        return oups_error_set(OUPS_EREADONLY, "cannot call 'remove_from_disk' on a read-only dataset.");
    if (opd->txn) return oups_error_set(OUPS_ESTATE, "%s: remove_from_disk inside a transaction", opd->path);
    if (!opd->is_new) {
        /* First commit an empty dataset whose journal deletes every file, so that a crash never
         * leaves row-group files without metadata; then the metadata and the directory go. */
        store_stats empty = {0};
        int64_t *drop = oups_malloc_array((size_t)opd->stats.n + 1, 8);
        if (!drop) return OUPS_ENOMEM;
        memcpy(drop, opd->stats.file_ids, (size_t)opd->stats.n * 8);
        int rc = oups_store__commit(opd, &empty, drop, opd->stats.n, &opd->kv, NULL);
        oups_free(drop);
        OUPS_TRY(rc);
        rc = oups_io_unlink(opd->md_path);
        if (rc < 0 && rc != OUPS_ENOTFOUND) return rc;
        OUPS_TRY(remove_tree(opd->path));
        opd->is_new = true;
    }
    oups_store__stats_free(&opd->stats);
    if (!preserve_metadata) oups_store__kv_free(&opd->kv);
    return 0;
}

int oups_opd_check(oups_opd *opd) {
    const store_stats *s = &opd->stats;
    opd->check_whole = true; /* every byte of every file, not only those a read relies on */
    int rc = 0;
    for (int64_t i = 0; rc == 0 && i < s->n; i++) { /* ids, order and min/max were validated at open */
        oups_table *t;                               /* every column: page checksums are verified too */
        rc = read_rg(&t, opd, i, NULL, 0, false, NULL);
        oups_table_free(t);
    }
    opd->check_whole = false;
    OUPS_TRY(rc);
    if (opd->pending.phase) return 0; /* staged names are expected until a writer rolls forward */
    DIR *d = opendir(opd->path);
    if (!d) return 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        const char *n = e->d_name;
        if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0) continue;
        char *end;
        long long id = strncmp(n, "file_", 5) == 0 ? strtoll(n + 5, &end, 10) : -1;
        /* Without a pending journal, staged and temporary files are leftovers of a write that
         * never committed (killed): not data, and the next writer's open deletes them. */
        if (id >= 0 && (strcmp(end, ".parquet.new") == 0 || strncmp(end, ".parquet.new.tmp-", 17) == 0 ||
                        strncmp(end, ".parquet.tmp-", 13) == 0))
            continue;
        if (id < 0 || id >= s->n || strcmp(end, ".parquet") != 0)
            rc = oups_error_set(OUPS_ECORRUPT, "%s: unexpected file '%s'", opd->path, n);
    }
    closedir(d);
    return rc;
}

bool oups_opd_has_pending_commit(const oups_opd *opd) { return opd->pending.phase != 0; }
