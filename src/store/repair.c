/*
 * store/repair.c: oups_opd_repair (`oups store check --repair`). A dataset whose metadata
 * verifies is opened as a writer (which finishes an interrupted commit) and checked. One whose
 * metadata or journal is damaged gets its metadata rebuilt from the row-group files, but only
 * when no staged file (*.parquet.new / *.parquet.mv) exists: those may hold committed rows
 * that only the damaged journal can place, so then nothing is changed and the error lists
 * them. Nothing is ever deleted: the damaged metadata file is kept as <name>_opdmd.damaged.
 */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "store/internal.h"

static bool ends_with(const char *s, const char *suffix) {
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && memcmp(s + a - b, suffix, b) == 0;
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Row-group file ids of the directory, sorted; ECORRUPT on staged or unknown files. */
static int scan(int64_t **ids, int64_t *n, const char *dir) {
    *ids = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d) return 0;
    int64_t cap = 0;
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        const char *nm = e->d_name;
        if (strcmp(nm, ".") == 0 || strcmp(nm, "..") == 0) continue;
        char *end;
        long long id = strncmp(nm, "file_", 5) == 0 && nm[5] >= '0' && nm[5] <= '9' ? strtoll(nm + 5, &end, 10) : -1;
        if (ends_with(nm, ".parquet.new") || ends_with(nm, ".parquet.mv")) {
            rc = oups_error_set(OUPS_ECORRUPT, "%s: staged file '%s' may hold committed rows that only the damaged "
                                "journal can place; nothing was changed (move the staged files into place by hand, "
                                "see docs/store.md)", dir, nm);
        } else if (id < 0 || strcmp(end, ".parquet") != 0 || id > oups_store__max_file_id) {
            rc = oups_error_set(OUPS_ECORRUPT, "%s: unexpected file '%s'; nothing was changed", dir, nm);
        } else {
            if (*n == cap) {
                cap = cap ? 2 * cap : 64;
                int64_t *p = oups_realloc(*ids, (size_t)cap * 8);
                if (!p) rc = OUPS_ENOMEM;
                else *ids = p;
            }
            if (rc == 0) (*ids)[(*n)++] = id;
        }
    }
    closedir(d);
    if (rc == 0 && *n > 0) qsort(*ids, (size_t)*n, 8, cmp_i64);
    for (int64_t k = 0; rc == 0 && k < *n; k++)
        if ((*ids)[k] != k)
            rc = oups_error_set(OUPS_ECORRUPT, "%s: file_%05lld.parquet is missing; nothing was changed", dir,
                                (long long)k);
    return rc;
}

/* Stats, key type and schema of files 0..n-1 read back, checked for order. Files may hold a
 * prefix of the widest file's columns (written before a write added columns): the metadata
 * then records the widest columns (format 3). */
static int rebuild_meta(store_meta *m, const char *dir, int64_t n, const char *ordered_on) {
    char path[PATH_MAX];
    oups_table *first = NULL; /* the widest schema so far */
    bool mixed = false;
    int rc = 0;
    for (int64_t k = 0; rc == 0 && k < n; k++) {
        oups_store__file_path(path, dir, k, "");
        oups_parquet_reader *r = NULL;
        oups_table *schema = NULL, *t = NULL;
        int c = -1;
        rc = oups_parquet_reader_open(&r, path);
        if (rc == 0) rc = oups_parquet_reader_schema(&schema, r);
        if (rc == 0 && k == 0) {
            c = oups_table_column_index(schema, ordered_on);
            if (c < 0) rc = oups_error_set(OUPS_ENOTFOUND, "%s: no column '%s'", path, ordered_on);
            else m->key_type = *oups_column_type(oups_table_column(schema, c));
            if (rc == 0 && !oups_store__key_type_ok(&m->key_type))
                rc = oups_error_set(OUPS_EUNSUPPORTED, "%s: column '%s' cannot be a key", path, ordered_on);
            m->key_type_known = rc == 0;
        } else if (rc == 0 && !oups_table_schema_equal(first, schema)) {
            mixed = true;
            if (oups_store__is_prefix(first, schema)) { /* wider: keep it */
                oups_table *x = first;
                first = schema;
                schema = x;
            } else if (!oups_store__is_prefix(schema, first)) {
                rc = oups_error_set(OUPS_ECORRUPT, "%s: columns or types differ from those of the other files", path);
            }
        }
        const char *cols[] = {ordered_on};
        if (rc == 0) rc = oups_parquet_reader_read(&t, r, NULL, 0, cols, 1);
        int64_t rows = t ? oups_table_num_rows(t) : 0;
        int64_t *keys = rc == 0 ? oups_malloc_array((size_t)rows + 1, 8) : NULL;
        if (rc == 0 && !keys) rc = OUPS_ENOMEM;
        if (rc == 0) rc = oups_store__key_extract(keys, oups_table_column(t, 0), ordered_on);
        if (rc == 0 && rows == 0) rc = oups_error_set(OUPS_ECORRUPT, "%s: no rows", path);
        for (int64_t i = 1; rc == 0 && i < rows; i++)
            if (keys[i] < keys[i - 1]) rc = oups_error_set(OUPS_ECORRUPT, "%s: row %lld out of order", path, (long long)i);
        if (rc == 0 && k > 0 && m->stats.maxs[k - 1] > keys[0])
            rc = oups_error_set(OUPS_ECORRUPT, "%s: starts before the previous file ends", path);
        int64_t crc = -1, tail = -1;
        if (rc == 0) rc = oups_store__file_digest(&crc, &tail, path);
        if (rc == 0) rc = oups_store__stats_push(&m->stats, k, rows, keys[0], keys[rows - 1], crc, tail);
        oups_free(keys);
        oups_table_free(t);
        if (k == 0) first = schema;
        else oups_table_free(schema);
        oups_parquet_reader_free(r);
    }
    if (rc == 0 && first) {
        m->schema_crc = oups_store__schema_crc(first);
        m->has_schema = true;
        if (mixed) m->columns = oups_table_retain(first);
    }
    oups_table_free(first);
    if (rc < 0 && rc != OUPS_ENOMEM) oups_error_prefix(rc, "cannot rebuild the metadata, nothing was changed: ");
    return rc;
}

static int rebuild(oups_opd *opd, const char *ordered_on, char *done, size_t cap) {
    char why[512];
    snprintf(why, sizeof why, "%s", oups_error_last());
    if (!ordered_on || !*ordered_on)
        return oups_error_set(OUPS_EINVAL, "%s; to rebuild the metadata from the row-group files, give the ordered_on "
                              "column", why);
    int64_t *ids, n;
    store_meta m = {0};
    int rc = scan(&ids, &n, opd->path);
    oups_free(ids);
    if (rc == 0) {
        m.format = STORE_META_FORMAT;
        m.ordered_on = (char *)ordered_on;
        rc = rebuild_meta(&m, opd->path, n, ordered_on);
    }
    char aside[PATH_MAX];
    struct stat sb;
    snprintf(aside, sizeof aside, "%s.damaged", opd->md_path);
    for (int i = 1; rc == 0 && stat(aside, &sb) == 0; i++) snprintf(aside, sizeof aside, "%s.damaged.%d", opd->md_path, i);
    bool had_md = stat(opd->md_path, &sb) == 0;
    if (rc == 0 && had_md) rc = oups_io_rename(opd->md_path, aside);
    if (rc == 0) rc = oups_store__meta_write(opd->md_path, &m);
    if (rc == 0)
        snprintf(done, cap, "metadata rebuilt from %lld row-group files%s%.300s (%.300s)", (long long)n,
                 had_md ? "; the damaged one is kept as " : "", had_md ? aside : "", why);
    m.ordered_on = NULL;
    oups_store__meta_free(&m);
    return rc;
}

int oups_opd_repair(const char *path, const char *ordered_on, int64_t lock_timeout_ms, char **report) {
    if (report) *report = NULL;
    oups_opd_options o = OUPS_OPD_OPTIONS_INIT;
    o.lock_timeout_ms = lock_timeout_ms;
    oups_opd *opd;
    OUPS_TRY(oups_store__open_locked(&opd, path, &o));
    char done[1024] = "metadata verified";
    struct stat sb;
    int rc;
    /* Without metadata a writer's open deletes staged files: never here, rebuild instead. */
    if (stat(opd->md_path, &sb) != 0) {
        rc = stat(opd->path, &sb) == 0 ? oups_error_set(OUPS_ECORRUPT, "%s: no metadata file", opd->md_path)
                                       : oups_error_set(OUPS_ENOTFOUND, "%s: no such dataset", opd->path);
    } else {
        bool pending = false;
        store_meta m;
        if (oups_store__meta_read(&m, opd->md_path) == 0) {
            pending = m.journal.phase != 0;
            oups_store__meta_free(&m);
        }
        rc = oups_store__reload(opd); /* a writer's open: rolls a verified journal forward */
        if (rc == 0 && pending) snprintf(done, sizeof done, "interrupted commit completed");
    }
    if (rc == OUPS_ECORRUPT) {
        rc = rebuild(opd, ordered_on, done, sizeof done);
        if (rc == 0) rc = oups_store__reload(opd);
    }
    if (rc == 0) rc = oups_opd_check(opd);
    if (rc == 0 && report) {
        *report = oups_strdup(done);
        if (!*report) rc = OUPS_ENOMEM;
    }
    oups_opd_close(opd);
    return rc;
}
