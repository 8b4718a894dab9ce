/*
 * tests/store/integrity_util.h: what the integrity tests share (test_integrity.c,
 * test_mutation.c): a small dataset with several row groups and key-value metadata, the
 * same dataset captured in the middle of a commit (journal phase 1 or 2, by crashing a write
 * through the I/O fault hooks), a directory snapshot (names, sizes, mtimes, contents) to prove
 * a read-only operation changed nothing, and renderings of what read and info return.
 */
#ifndef OUPS_TESTS_STORE_INTEGRITY_UTIL_H
#define OUPS_TESTS_STORE_INTEGRITY_UTIL_H

#include <dirent.h>
#include <sys/stat.h>

#include "store_util.h"

/* The dataset: four row groups of (a, b) and two kv entries; the write W14a of test_crash.c
 * replaces, moves and adds row groups (a journal with both phases). */
#define IU_OLD "[0,2,4,6][6,7,8,10][11,11,12,12][13]"
#define IU_NEW "[0,2,3n,4n][6][6,7,8,10][11,11,12,12][13n,14n]"

static inline oups_store_write_options iu_opts(void) {
    static const char *const dup[] = {"a"}, *const kk[] = {"owner", "note"}, *const kvv[] = {"me", "line\none"};
    oups_store_write_options o = OUPS_STORE_WRITE_OPTIONS_INIT;
    o.ordered_on = "a";
    o.row_group_rows = 4;
    o.max_n_off_target_rgs = 1;
    o.duplicates = OUPS_DUP_COLUMNS;
    o.duplicates_on = dup;
    o.n_duplicates_on = 1;
    o.n_kv = 2;
    o.kv_keys = kk;
    o.kv_values = kvv;
    return o;
}

/* dir/ds with IU_OLD and the kv entries; true on success. */
static inline bool iu_build(const char *dir) {
    oups_opd *opd = su_existing(dir, "ds", IU_OLD);
    if (!opd) return false;
    oups_store_write_options o = iu_opts();
    int rc = oups_opd_write(opd, NULL, &o);
    oups_opd_close(opd);
    return rc == 0;
}

static inline int iu_write_new(oups_opd *opd) {
    int n;
    oups_table **rgs = su_parse("3n,4n,13n,14n", &n);
    oups_store_write_options o = iu_opts();
    o.n_kv = 0;
    int rc = oups_opd_write(opd, rgs[0], &o);
    su_free_rgs(rgs, n);
    return rc;
}

/* Journal phase of dir/ds_opdmd (0 if none or unreadable). */
static inline int iu_phase(const char *dir) {
    char p[512];
    snprintf(p, sizeof p, "%s/ds_opdmd", dir);
    store_meta m;
    if (oups_store__meta_read(&m, p) != 0) return 0;
    int ph = m.journal.phase;
    oups_store__meta_free(&m);
    return ph;
}

/* dir/ds left in the middle of the W14a commit, with journal phase `phase` (1 or 2): the
 * write crashes at its k-th I/O call for the first k that leaves that phase. */
static inline bool iu_capture(const char *dir, int phase) {
    char p[512];
    snprintf(p, sizeof p, "%s/ds", dir);
    for (int64_t k = 1; k < 400; k++) {
        char sub[512];
        snprintf(sub, sizeof sub, "rm -rf %s/ds %s/ds_opdmd %s/ds.lock", dir, dir, dir);
        if (system(sub) != 0 || !iu_build(dir)) return false;
        oups_opd *opd;
        if (oups_opd_open(&opd, p, NULL) != 0) return false;
        oups_fault_io_after(k, OUPS_IO_ALL, OUPS_FAULT_CRASH);
        (void)iu_write_new(opd);
        int64_t hits = oups_fault_io_off();
        oups_opd_close(opd);
        if (hits == 0) return false;
        if (iu_phase(dir) == phase) return true;
    }
    return false;
}

static inline int iu_open_ro(oups_opd **out, const char *path) {
    oups_opd_options o = OUPS_OPD_OPTIONS_INIT;
    o.read_only = true;
    o.lock_timeout_ms = 0;
    return oups_opd_open(out, path, &o);
}

/* Rows of a dataset in the su_render notation, read through a read-only open. */
static inline int iu_read(char *buf, size_t cap, const char *path) {
    oups_opd *opd;
    OUPS_TRY(iu_open_ro(&opd, path));
    int rc = su_render(buf, cap, opd);
    oups_opd_close(opd);
    return rc;
}

/* What `info` shows: stats and kv of a read-only open. */
static inline int iu_info(char *buf, size_t cap, const char *path) {
    oups_opd *opd;
    OUPS_TRY(iu_open_ro(&opd, path));
    size_t len = (size_t)snprintf(buf, cap, "%s|", oups_opd_ordered_on(opd) ? oups_opd_ordered_on(opd) : "-");
    for (int64_t i = 0; i < oups_opd_len(opd) && len < cap; i++) {
        oups_opd_rg_stats s;
        if (oups_opd_stats(&s, opd, i) != 0) break;
        len += (size_t)snprintf(buf + len, cap - len, "%lld:%lld:%lld:%lld;", (long long)s.file_id, (long long)s.n_rows,
                                (long long)s.min.v.i, (long long)s.max.v.i);
    }
    for (int i = 0; i < oups_opd_kv_count(opd) && len < cap; i++)
        len += (size_t)snprintf(buf + len, cap - len, "%s=%s;", oups_opd_kv_key(opd, i), oups_opd_kv_value(opd, i));
    oups_opd_close(opd);
    return 0;
}

/* read-only check. */
static inline int iu_check(const char *path) {
    oups_opd *opd;
    OUPS_TRY(iu_open_ro(&opd, path));
    int rc = oups_opd_check(opd);
    oups_opd_close(opd);
    return rc;
}

/* Snapshot of dir (one level of subdirectories): "name size mtime crc;" sorted by readdir
 * order of a sorted scan. The lock file is transient and left out. */
static inline void iu_snap_dir(char *buf, size_t cap, size_t *len, const char *dir, const char *rel) {
    struct dirent **ents;
    int n = scandir(dir, &ents, NULL, alphasort);
    for (int i = 0; i < n; i++) {
        const char *nm = ents[i]->d_name;
        char p[1024];
        snprintf(p, sizeof p, "%s/%s", dir, nm);
        struct stat sb;
        if (strcmp(nm, ".") != 0 && strcmp(nm, "..") != 0 && strstr(nm, ".lock") == NULL && lstat(p, &sb) == 0) {
            if (S_ISDIR(sb.st_mode)) {
                iu_snap_dir(buf, cap, len, p, nm);
            } else {
                uint8_t *data = NULL;
                size_t dl = 0;
                uint32_t crc = oups_io_read_file(&data, &dl, p) == 0 ? oups_crc32(0, data, dl) : 0;
                oups_free(data);
                if (*len < cap)
                    *len += (size_t)snprintf(buf + *len, cap - *len, "%s/%s %lld %lld.%09ld %08x;", rel, nm,
                                             (long long)sb.st_size, (long long)sb.st_mtim.tv_sec, sb.st_mtim.tv_nsec,
                                             crc);
            }
        }
        free(ents[i]);
    }
    if (n >= 0) free(ents);
}

static inline void iu_snap(char *buf, size_t cap, const char *dir) {
    size_t len = 0;
    buf[0] = '\0';
    iu_snap_dir(buf, cap, &len, dir, ".");
}

/* Path of a file of dir/ds (or the metadata file for name "opdmd"). */
static inline void iu_path(char *buf, size_t cap, const char *dir, const char *name) {
    if (strcmp(name, "opdmd") == 0) snprintf(buf, cap, "%s/ds_opdmd", dir);
    else snprintf(buf, cap, "%s/ds/%s", dir, name);
}

#endif
