/*
 * store/commit.c: the crash-safe commit protocol of a dataset write and its roll-forward.
 *  1. (write.c) new row groups are written and fsynced as staged files file_<e>.parquet.new,
 *     which a `*.parquet` glob does not match; old files are untouched.
 *  2. Commit point: the metadata file with the final stats plus a journal (phase 1 or 2) is
 *     atomically renamed into place (fsync file, rename, fsync dir).
 *  3. Phase 1: old files that change id are renamed aside to file_<k>.parquet.mv and replaced
 *     files are deleted; fsync dir; metadata rewritten with phase 2.
 *  4. Phase 2: staged and moved-aside files are renamed to file_<k>.parquet; fsync dir;
 *     metadata rewritten without journal.
 * Each phase only consumes names it does not create, so re-running it after a crash (at open)
 * is idempotent. Without a journal, staged files are leftovers of an uncommitted write and
 * are deleted. As the reference store (end state: file k holds row group k).
 * Only a writer rolls forward, and only a journal that verifies: the metadata checksum
 * (meta.c), then every file it would move exists under the name the phase implies, with the
 * row count the stats give its final position. Otherwise nothing is touched (ECORRUPT).
 * Read-only handles resolve the same names without renaming anything (journal_path).
 */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>

#include "store/internal.h"

void oups_store__file_path(char *buf, const char *dir, int64_t id, const char *suffix) {
    snprintf(buf, PATH_MAX, "%s/file_%05lld.parquet%s", dir, (long long)id, suffix);
}

static bool ends_with(const char *s, const char *suffix) {
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && memcmp(s + a - b, suffix, b) == 0;
}

/* Unlink entries of `dir` whose name matches: staged suffixes, or temp files of `prefix`. */
static int clean_dir(const char *dir, const char *prefix) {
    DIR *d = opendir(dir);
    if (!d) return 0; /* missing directory: nothing to clean */
    int rc = 0;
    struct dirent *e;
    char path[PATH_MAX];
    while (rc == 0 && (e = readdir(d)) != NULL) {
        const char *n = e->d_name;
        bool staged = prefix ? strncmp(n, prefix, strlen(prefix)) == 0 && strstr(n + strlen(prefix), ".tmp-")
                             : ends_with(n, ".parquet.new") || ends_with(n, ".parquet.mv") ||
                                   (strncmp(n, "file_", 5) == 0 && strstr(n, ".tmp-"));
        if (!staged) continue;
        snprintf(path, sizeof path, "%s/%s", dir, n);
        rc = oups_io_unlink(path);
        if (rc == OUPS_ENOTFOUND) rc = 0;
    }
    closedir(d);
    return rc;
}

int oups_store__clean_staged(const oups_opd *opd) {
    OUPS_TRY(clean_dir(opd->path, NULL));
    /* metadata temp files "<name>_opdmd.tmp-<pid>" live in the parent directory */
    char parent[PATH_MAX];
    snprintf(parent, sizeof parent, "%s", opd->md_path);
    char *slash = strrchr(parent, '/');
    if (!slash) return 0;
    *slash = '\0';
    char prefix[PATH_MAX];
    snprintf(prefix, sizeof prefix, "%s", slash + 1);
    return clean_dir(parent[0] ? parent : "/", prefix);
}

static int rename_if_present(const char *from, const char *to) {
    int rc = oups_io_rename(from, to);
    return rc == OUPS_ENOTFOUND ? 0 : rc;
}

/* Stats with file ids 0..n-1 (the final state). */
static int aligned(store_stats *out, const store_stats *st) {
    OUPS_TRY(oups_store__stats_copy(out, st));
    for (int64_t k = 0; k < out->n; k++) out->file_ids[k] = k;
    return 0;
}

static bool exists(const char *path) {
    struct stat sb;
    return stat(path, &sb) == 0;
}

void oups_store__journal_path(char *buf, const oups_opd *opd, const store_journal *j, int64_t k) {
    if (k < 0) { /* a staged row group of a transaction in progress (txn.c) */
        oups_store__file_path(buf, opd->path, -k - 2, ".new");
        return;
    }
    int64_t v = k < j->n_final ? j->src[k] : k;
    if (!j->phase || v == k) {
        oups_store__file_path(buf, opd->path, k, "");
    } else if (v >= 0) { /* moved aside in phase 1, renamed to k in phase 2 */
        oups_store__file_path(buf, opd->path, k, ".mv");
        if (!exists(buf)) oups_store__file_path(buf, opd->path, j->phase == 1 ? v : k, "");
    } else { /* staged, renamed to k in phase 2 */
        oups_store__file_path(buf, opd->path, -v - 2, ".new");
        if (j->phase == 2 && !exists(buf)) oups_store__file_path(buf, opd->path, k, "");
    }
}

int oups_store__journal_verify(const oups_opd *opd, const store_journal *j) {
    char path[PATH_MAX];
    for (int64_t k = 0; j->phase && k < j->n_final; k++) {
        if (j->src[k] == k) continue;
        oups_store__journal_path(path, opd, j, k);
        int64_t crc = -1;
        if (opd->stats.crcs[k] >= 0 && oups_store__file_crc(&crc, path) == 0 && crc != opd->stats.crcs[k])
            return oups_error_set(OUPS_ECORRUPT, "%s: the commit journal puts %s at row group %lld, but its checksum "
                                  "differs; nothing was changed", opd->md_path, path, (long long)k);
        oups_parquet_reader *r;
        int rc = oups_parquet_reader_open(&r, path);
        if (rc == OUPS_ENOTFOUND)
            return oups_error_set(OUPS_ECORRUPT, "%s: the commit journal's row group %lld should be in %s, which is "
                                  "missing; nothing was changed", opd->md_path, (long long)k, path);
        if (rc < 0) return oups_error_prefix(rc == OUPS_ENOMEM ? rc : OUPS_ECORRUPT, "commit journal: ");
        int64_t n = oups_parquet_reader_num_rows(r);
        oups_parquet_reader_free(r);
        if (n != opd->stats.n_rows[k])
            return oups_error_set(OUPS_ECORRUPT, "%s: the commit journal puts %s (%lld rows) at row group %lld, which "
                                  "has %lld rows; nothing was changed", opd->md_path, path, (long long)n, (long long)k,
                                  (long long)opd->stats.n_rows[k]);
    }
    return 0;
}

/* The metadata of `opd` with other stats/kv/journal (all borrowed). */
static store_meta meta_of(const oups_opd *opd, const store_stats *st, const store_kv *kv, const store_journal *j) {
    store_meta m = {0};
    m.format = STORE_META_FORMAT;
    m.ordered_on = opd->ordered_on;
    m.key_type = opd->key_type;
    m.key_type_known = opd->key_type_known;
    m.has_schema = opd->has_schema;
    m.schema_crc = opd->schema_crc;
    m.columns = opd->columns;
    m.stats = *st;
    m.kv = *kv;
    if (j) m.journal = *j;
    return m;
}

static int roll_forward(oups_opd *opd, const store_stats *st, const store_kv *kv, const store_journal *j) {
    char a[PATH_MAX], b[PATH_MAX];
    store_journal jj = *j;
    if (jj.phase == 1) {
        for (int64_t k = 0; k < jj.n_final; k++) {
            if (jj.src[k] < 0 || jj.src[k] == k) continue;
            oups_store__file_path(a, opd->path, jj.src[k], "");
            oups_store__file_path(b, opd->path, k, ".mv");
            OUPS_TRY(rename_if_present(a, b));
        }
        for (int64_t i = 0; i < jj.n_drop; i++) {
            oups_store__file_path(a, opd->path, jj.drop[i], "");
            int rc = oups_io_unlink(a);
            if (rc < 0 && rc != OUPS_ENOTFOUND) return rc;
        }
        OUPS_TRY(oups_io_fsync_dir(opd->path));
        jj.phase = 2;
        store_meta m = meta_of(opd, st, kv, &jj);
        OUPS_TRY(oups_store__meta_write(opd->md_path, &m));
    }
    for (int64_t k = 0; k < jj.n_final; k++) {
        if (jj.src[k] >= 0 && jj.src[k] == k) continue;
        if (jj.src[k] >= 0) oups_store__file_path(a, opd->path, k, ".mv");
        else oups_store__file_path(a, opd->path, -jj.src[k] - 2, ".new");
        oups_store__file_path(b, opd->path, k, "");
        OUPS_TRY(rename_if_present(a, b));
    }
    if (jj.n_final > 0) OUPS_TRY(oups_io_fsync_dir(opd->path));
    store_meta m = meta_of(opd, st, kv, NULL);
    return oups_store__meta_write(opd->md_path, &m);
}

int oups_store__recover(oups_opd *opd, const store_journal *j) {
    if (j->phase) {
        OUPS_TRY(oups_store__journal_verify(opd, j));
        OUPS_TRY(roll_forward(opd, &opd->stats, &opd->kv, j));
    }
    return oups_store__clean_staged(opd);
}

int oups_store__commit(oups_opd *opd, const store_stats *final, const int64_t *drop, int64_t n_drop,
                       const store_kv *kv, const uint32_t *schema_crc) {
    store_stats st = {0};
    store_journal j = {0};
    int rc = aligned(&st, final);
    bool any_rename = n_drop > 0;
    j.n_final = final->n;
    j.src = final->file_ids;
    j.n_drop = n_drop;
    j.drop = (int64_t *)drop;
    for (int64_t k = 0; k < final->n; k++) any_rename |= final->file_ids[k] != k;
    bool moves = n_drop > 0;
    for (int64_t k = 0; k < final->n; k++) moves |= final->file_ids[k] >= 0 && final->file_ids[k] != k;
    j.phase = moves ? 1 : any_rename ? 2 : 0;
    if (schema_crc) {
        opd->schema_crc = *schema_crc;
        opd->has_schema = true;
    }
    if (rc == 0 && st.n > 0) rc = oups_io_mkdir_p(opd->path);
    store_meta m = meta_of(opd, &st, kv, &j);
    if (rc == 0) rc = oups_store__meta_write(opd->md_path, &m); /* commit point */
    if (rc == 0 && j.phase) rc = roll_forward(opd, &st, kv, &j);
    if (rc == 0) {
        store_kv kv2;
        rc = oups_store__kv_copy(&kv2, kv);
        if (rc == 0) {
            oups_store__stats_free(&opd->stats);
            oups_store__kv_free(&opd->kv);
            opd->stats = st;
            opd->kv = kv2;
            opd->is_new = false;
            return 0;
        }
    }
    oups_store__stats_free(&st);
    /* The commit point may or may not have been passed: re-read the disk and finish or undo. */
    int saved = rc;
    char msg[512];
    snprintf(msg, sizeof msg, "%s", oups_error_last());
    if (oups_store__reload(opd) < 0) opd->broken = true;
    oups_error_set(saved, "%s", msg);
    return saved;
}
