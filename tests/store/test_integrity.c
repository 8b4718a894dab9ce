// labels: fault
/*
 * tests/store/test_integrity.c: damaged metadata and journals are detected, never acted upon
 * (issue 9 §1). Each reproducer of the issue, for the checksummed format and for format-1
 * files (no checksum: structural validation and the files themselves must catch it): journal
 * phase 2 -> 0, a digit changed in the journal's src list, a zeroed file id, a mangled
 * footer, stats changes, JSON ending in "\u" or "\". Read-only opens (read, info, check)
 * change no file, even with a pending journal, whose committed state they read in place; a
 * writer completes it. Shared locks, check --repair, schema mismatch messages.
 */
#include "integrity_util.h"

static char ds[512];

static void set_ds(const char *dir) { snprintf(ds, sizeof ds, "%s/ds", dir); }

/* Whole file into a malloc'd buffer. */
static uint8_t *load(const char *path, size_t *len) {
    uint8_t *d = NULL;
    return oups_io_read_file(&d, len, path) == 0 ? d : NULL;
}

static bool store_bytes(const char *path, const uint8_t *d, size_t len) {
    FILE *f = fopen(path, "wb");
    if (!f) return false;
    bool ok = fwrite(d, 1, len, f) == len;
    return fclose(f) == 0 && ok;
}

/* Replace the first occurrence of `from` by `to` (same length) in the file. */
static bool patch(const char *path, const char *from, const char *to) {
    size_t len, n = strlen(from);
    uint8_t *d = load(path, &len);
    bool ok = false;
    for (size_t i = 0; d && !ok && i + n <= len; i++)
        if (memcmp(d + i, from, n) == 0) {
            memcpy(d + i, to, n);
            ok = store_bytes(path, d, len);
        }
    oups_free(d);
    return ok;
}

/* Rewrite the dataset's metadata in format 1 (no checksum), optionally changed by `edit`. */
static bool to_legacy(const char *dir, void (*edit)(store_meta *)) {
    char p[512];
    snprintf(p, sizeof p, "%s/ds_opdmd", dir);
    store_meta m;
    if (oups_store__meta_read(&m, p) != 0) return false;
    m.format = 1;
    if (edit) edit(&m);
    int rc = oups_store__meta_write(p, &m);
    oups_store__meta_free(&m);
    return rc == 0;
}

/* Every read-only operation fails with ECORRUPT and changes nothing; so does a writer's
 * open. The message is one printable line naming the metadata file. */
static bool refused_untouched(const char *dir) {
    char before[8192], after[8192], buf[4096];
    iu_snap(before, sizeof before, dir);
    int r1 = iu_read(buf, sizeof buf, ds), r2 = iu_info(buf, sizeof buf, ds), r3 = iu_check(ds);
    oups_opd *opd = NULL;
    int r4 = oups_opd_open(&opd, ds, NULL);
    oups_opd_close(opd);
    iu_snap(after, sizeof after, dir);
    const char *m = oups_error_last();
    bool printable = true;
    for (const char *c = m; *c; c++) printable &= (unsigned char)*c >= 0x20 && *c != 0x7f;
    bool ok = r1 == OUPS_ECORRUPT && r2 == OUPS_ECORRUPT && r3 == OUPS_ECORRUPT && r4 == OUPS_ECORRUPT &&
              strcmp(before, after) == 0 && printable && strstr(m, "ds_opdmd");
    if (!ok)
        fprintf(stderr, "  rc %d %d %d %d, same files %d, message: %s\n", r1, r2, r3, r4, strcmp(before, after) == 0, m);
    return ok;
}

TEST(format2_roundtrip) {
    su_use_tmpfs();
    char *dir = su_tmpdir(), buf[4096], p[512];
    set_ds(dir);
    CHECK(iu_build(dir));
    snprintf(p, sizeof p, "%s/ds_opdmd", dir);
    store_meta m;
    CHECK_OK(oups_store__meta_read(&m, p));
    CHECK(m.format == STORE_META_FORMAT && m.has_schema && m.stats.n == 4 && m.kv.n == 2);
    oups_store__meta_free(&m);
    CHECK_OK(iu_read(buf, sizeof buf, ds));
    CHECK(strcmp(buf, IU_OLD) == 0);
    CHECK_OK(iu_info(buf, sizeof buf, ds));
    CHECK(strcmp(buf, "a|0:4:0:6;1:4:6:10;2:4:11:12;3:1:13:13;owner=me;note=line\none;") == 0);
    CHECK_OK(iu_check(ds));
    su_rmrf(dir);
}

/* Format-1 datasets (written by the previous version) are read, then upgraded by a write. */
TEST(legacy_format_read) {
    su_use_tmpfs();
    char *dir = su_tmpdir(), buf[4096], p[512];
    set_ds(dir);
    CHECK(iu_build(dir));
    CHECK(to_legacy(dir, NULL));
    CHECK_OK(iu_read(buf, sizeof buf, ds));
    CHECK(strcmp(buf, IU_OLD) == 0);
    CHECK_OK(iu_check(ds));
    oups_opd *opd;
    CHECK_OK(oups_opd_open(&opd, ds, NULL));
    CHECK_OK(iu_write_new(opd));
    oups_opd_close(opd);
    snprintf(p, sizeof p, "%s/ds_opdmd", dir);
    store_meta m;
    CHECK_OK(oups_store__meta_read(&m, p));
    CHECK(m.format == STORE_META_FORMAT && m.has_schema);
    oups_store__meta_free(&m);
    CHECK_OK(iu_read(buf, sizeof buf, ds));
    CHECK(strcmp(buf, IU_NEW) == 0);
    su_rmrf(dir);
}

/* Issue: "phase":2 -> 0 made `info` delete the staged files holding committed rows. */
TEST(journal_phase_changed) {
    su_use_tmpfs();
    for (int legacy = 0; legacy < 2; legacy++)
        for (int ph = 1; ph <= 2; ph++) {
            char *dir = su_tmpdir(), p[512], from[16], to[16];
            set_ds(dir);
            CHECK(iu_capture(dir, ph));
            if (legacy) CHECK(to_legacy(dir, NULL));
            snprintf(p, sizeof p, "%s/ds_opdmd", dir);
            for (int v = 0; v <= 3; v++) {
                if (v == ph) continue;
                snprintf(from, sizeof from, "\"phase\":%d", ph);
                snprintf(to, sizeof to, "\"phase\":%d", v);
                CHECK(patch(p, from, to));
                if (legacy && v != 0 && v != 3) { /* a valid phase: the files must then match it */
                    char before[8192], after[8192], buf[4096];
                    iu_snap(before, sizeof before, dir);
                    int r = iu_read(buf, sizeof buf, ds);
                    iu_snap(after, sizeof after, dir);
                    CHECK(strcmp(before, after) == 0);
                    CHECK(r == OUPS_ECORRUPT || (r == 0 && strcmp(buf, IU_NEW) == 0));
                } else {
                    CHECK(refused_untouched(dir));
                }
                CHECK(patch(p, to, from));
            }
            su_rmrf(dir);
        }
}

/* Issue: one digit changed in the journal's src list installed the wrong staged file. Every
 * single-digit change: refused with nothing changed, or (format 1, a change the files prove
 * harmless) the committed rows exactly. */
TEST(journal_src_digit_changed) {
    su_use_tmpfs();
    for (int legacy = 0; legacy < 2; legacy++)
        for (int ph = 1; ph <= 2; ph++) {
            char *dir = su_tmpdir(), *save = NULL;
            CHECK(dir);
            save = strdup(dir);
            char p[512], cmd[1200];
            set_ds(save);
            CHECK(iu_capture(save, ph));
            if (legacy) CHECK(to_legacy(save, NULL));
            snprintf(p, sizeof p, "%s/ds_opdmd", save);
            size_t len;
            uint8_t *orig = load(p, &len);
            CHECK(orig);
            const char *src = memmem(orig, len, "\"src\":[", 7);
            CHECK(src);
            size_t at = (size_t)((const uint8_t *)src - orig) + 7;
            snprintf(cmd, sizeof cmd, "rm -rf %s.orig && cp -a %s %s.orig", save, save, save);
            CHECK(system(cmd) == 0);
            for (size_t i = at; orig[i] != ']'; i++) {
                if (orig[i] < '0' || orig[i] > '9') continue;
                for (char d = '0'; d <= '9'; d++) {
                    if (d == orig[i]) continue;
                    snprintf(cmd, sizeof cmd, "rm -rf %s && cp -a %s.orig %s", save, save, save);
                    CHECK(system(cmd) == 0);
                    uint8_t *m = load(p, &len);
                    m[i] = (uint8_t)d;
                    CHECK(store_bytes(p, m, len));
                    oups_free(m);
                    char before[8192], after[8192], buf[4096];
                    iu_snap(before, sizeof before, save);
                    int r = iu_read(buf, sizeof buf, ds);
                    iu_snap(after, sizeof after, save);
                    CHECK(strcmp(before, after) == 0);
                    CHECK(r == OUPS_ECORRUPT || (legacy && r == 0 && strcmp(buf, IU_NEW) == 0));
                    oups_opd *opd = NULL;
                    r = oups_opd_open(&opd, ds, NULL); /* a writer: rolls forward only what verifies */
                    oups_opd_close(opd);
                    if (r != 0) {
                        iu_snap(after, sizeof after, save);
                        CHECK(r == OUPS_ECORRUPT && strcmp(before, after) == 0);
                    } else {
                        CHECK(legacy);
                        CHECK_OK(iu_read(buf, sizeof buf, ds));
                        CHECK(strcmp(buf, IU_NEW) == 0);
                        CHECK_OK(iu_check(ds));
                    }
                }
            }
            oups_free(orig);
            snprintf(cmd, sizeof cmd, "rm -rf %s.orig", save);
            CHECK(system(cmd) == 0);
            su_rmrf(save);
            free(save);
        }
}

static void zero_id(store_meta *m) { m->stats.file_ids[2] = 0; }
static void bump_min(store_meta *m) { m->stats.mins[1] = 7; }
static void bump_rows(store_meta *m) { m->stats.n_rows[0] = 5; }
static void swap_rgs(store_meta *m) { m->stats.maxs[0] = 11; }

/* Issue: a zeroed file_ids entry or changed stats were read as data. */
TEST(stats_damaged) {
    su_use_tmpfs();
    char *dir = su_tmpdir(), p[512], buf[4096];
    set_ds(dir);
    CHECK(iu_build(dir));
    snprintf(p, sizeof p, "%s/ds_opdmd", dir);
    /* format 2: any byte of the JSON changed fails the checksum */
    CHECK(patch(p, "\"owner\"", "\"Owner\""));
    CHECK(refused_untouched(dir));
    CHECK(patch(p, "\"Owner\"", "\"owner\""));
    CHECK_OK(iu_check(ds));
    size_t len;
    uint8_t *good = load(p, &len);
    CHECK(good);
    /* format 1: structural validation at open */
    CHECK(to_legacy(dir, zero_id));
    CHECK(refused_untouched(dir));
    CHECK(strstr(oups_error_last(), "file id"));
    CHECK(store_bytes(p, good, len));
    CHECK(to_legacy(dir, swap_rgs));
    CHECK(refused_untouched(dir));
    /* format 1, structurally valid but false: reading the file finds it */
    CHECK(store_bytes(p, good, len));
    CHECK(to_legacy(dir, bump_min));
    CHECK_RC(iu_read(buf, sizeof buf, ds), OUPS_ECORRUPT);
    CHECK(strstr(oups_error_last(), "file_00001.parquet"));
    CHECK_RC(iu_check(ds), OUPS_ECORRUPT);
    CHECK(store_bytes(p, good, len));
    CHECK(to_legacy(dir, bump_rows));
    CHECK_RC(iu_read(buf, sizeof buf, ds), OUPS_ECORRUPT);
    CHECK_RC(iu_check(ds), OUPS_ECORRUPT);
    oups_free(good);
    su_rmrf(dir);
}

/* Issue: a mangled footer read as no rows, and the next write overwrote file_00000. */
TEST(mangled_footer) {
    su_use_tmpfs();
    char *dir = su_tmpdir(), p[512], buf[4096], before[8192], after[8192];
    set_ds(dir);
    CHECK(iu_build(dir));
    snprintf(p, sizeof p, "%s/ds/file_00000.parquet", dir);
    size_t len;
    uint8_t *d = load(p, &len);
    CHECK(d && len > 40);
    for (size_t off = 8; off < 40; off += 3) { /* bytes of the footer, before its length */
        uint8_t *m = malloc(len);
        memcpy(m, d, len);
        m[len - off] ^= 0x5a;
        CHECK(store_bytes(p, m, len));
        free(m);
        iu_snap(before, sizeof before, dir);
        int r = iu_read(buf, sizeof buf, ds);
        CHECK(r != 0 || strcmp(buf, IU_OLD) == 0);
        oups_opd *opd;
        CHECK_OK(oups_opd_open(&opd, ds, NULL));
        int w = iu_write_new(opd);
        oups_opd_close(opd);
        iu_snap(after, sizeof after, dir);
        /* the write needs row group 0: it must fail and leave every file as it was */
        CHECK(r != 0 ? w != 0 && strcmp(before, after) == 0 : 1);
        CHECK(store_bytes(p, d, len));
        if (w == 0) { /* harmless change: restore the old dataset for the next round */
            su_rmrf(dir);
            dir = su_tmpdir();
            set_ds(dir);
            CHECK(iu_build(dir));
            snprintf(p, sizeof p, "%s/ds/file_00000.parquet", dir);
            oups_free(d);
            d = load(p, &len);
        }
    }
    oups_free(d);
    su_rmrf(dir);
}

/* Issue: metadata JSON ending in "\u" or a lone "\" was read past its buffer (ASan). */
TEST(json_truncated_escape) {
    su_use_tmpfs();
    static const char *const texts[] = {"{\"ordered_on\":\"ab\\u", "{\"ordered_on\":\"ab\\", "{\"ordered_on\":\"ab\\u00",
                                        "{\"ordered_on\":\"a\\ud800\"}", "{\"ordered_on\":\"a\\u0000\"}",
                                        "{\"ordered_on\":\"a\x01\\q\n\"}", "{\"journal\":{\"phase\":2}}",
                                        "{\"format\":2,\"format\":2}", "{\"ordered_on\":null", "{", ""};
    char *dir = su_tmpdir(), p[512];
    set_ds(dir);
    snprintf(p, sizeof p, "%s/ds_opdmd", dir);
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        oups_table *t;
        CHECK_OK(oups_table_new_empty(&t, 0, NULL, NULL));
        oups_parquet_write_options o = OUPS_PARQUET_WRITE_OPTIONS_INIT;
        const char *kk[] = {"oups"}, *kv[] = {texts[i]};
        o.n_kv = 1;
        o.kv_keys = kk;
        o.kv_values = kv;
        CHECK_OK(oups_parquet_write(p, t, &o));
        oups_table_free(t);
        CHECK(refused_untouched(dir));
    }
    su_rmrf(dir);
}

/* A pending commit: read-only opens read its committed state where it lies and change
 * nothing; a writer's open completes it. */
TEST(readonly_pending_journal) {
    su_use_tmpfs();
    for (int ph = 1; ph <= 2; ph++) {
        char *dir = su_tmpdir(), buf[4096], before[8192], after[8192];
        set_ds(dir);
        CHECK(iu_capture(dir, ph));
        iu_snap(before, sizeof before, dir);
        CHECK_OK(iu_read(buf, sizeof buf, ds));
        CHECK(strcmp(buf, IU_NEW) == 0);
        CHECK_OK(iu_info(buf, sizeof buf, ds));
        CHECK(strstr(buf, "owner=me;"));
        oups_opd_options o = OUPS_OPD_OPTIONS_INIT;
        o.read_only = true;
        oups_opd *opd;
        CHECK_OK(oups_opd_open(&opd, ds, &o));
        CHECK(oups_opd_has_pending_commit(opd));
        CHECK_OK(oups_opd_check(opd));
        oups_opd *v;
        CHECK_OK(oups_opd_view(&v, opd, 4, 5, 1)); /* views resolve staged names too */
        oups_table *t;
        CHECK_OK(oups_opd_read(&t, v, NULL, 0));
        CHECK(oups_table_num_rows(t) == 2);
        oups_table_free(t);
        oups_opd_close(v);
        CHECK_RC(iu_write_new(opd), OUPS_EREADONLY);
        oups_opd_close(opd);
        iu_snap(after, sizeof after, dir);
        CHECK(strcmp(before, after) == 0);
        CHECK_OK(oups_opd_open(&opd, ds, NULL)); /* the writer rolls forward */
        CHECK(!oups_opd_has_pending_commit(opd));
        CHECK_OK(oups_opd_check(opd));
        oups_opd_close(opd);
        CHECK_OK(iu_read(buf, sizeof buf, ds));
        CHECK(strcmp(buf, IU_NEW) == 0);
        su_rmrf(dir);
    }
}

/* Readers share the lock; a writer waits for them; the lock file goes with the last one. */
TEST(shared_lock) {
    su_use_tmpfs();
    char *dir = su_tmpdir(), lock[600];
    set_ds(dir);
    CHECK(iu_build(dir));
    snprintf(lock, sizeof lock, "%s.lock", ds);
    oups_opd_options ro = OUPS_OPD_OPTIONS_INIT, rw = OUPS_OPD_OPTIONS_INIT;
    ro.read_only = true;
    ro.lock_timeout_ms = rw.lock_timeout_ms = 0;
    oups_opd *a, *b, *w;
    CHECK_OK(oups_opd_open(&a, ds, &ro));
    CHECK_OK(oups_opd_open(&b, ds, &ro));
    CHECK_RC(oups_opd_open(&w, ds, &rw), OUPS_ETIMEOUT);
    oups_opd_close(a);
    CHECK_RC(oups_opd_open(&w, ds, &rw), OUPS_ETIMEOUT);
    oups_opd_close(b);
    CHECK(access(lock, F_OK) != 0);
    CHECK_OK(oups_opd_open(&w, ds, &rw));
    CHECK_RC(oups_opd_open(&a, ds, &ro), OUPS_ETIMEOUT);
    oups_opd_close(w);
    CHECK(access(lock, F_OK) != 0);
    /* a read-only open of a missing dataset creates nothing */
    char missing[600], snap1[4096], snap2[4096];
    snprintf(missing, sizeof missing, "%s/none", dir);
    iu_snap(snap1, sizeof snap1, dir);
    CHECK_OK(oups_opd_open(&a, missing, &ro));
    CHECK(oups_opd_is_new(a));
    oups_opd_close(a);
    iu_snap(snap2, sizeof snap2, dir);
    CHECK(strcmp(snap1, snap2) == 0);
    su_rmrf(dir);
}

TEST(repair) {
    su_use_tmpfs();
    char *dir = su_tmpdir(), p[512], buf[4096], before[8192], after[8192], *report = NULL;
    set_ds(dir);
    CHECK(iu_build(dir));
    snprintf(p, sizeof p, "%s/ds_opdmd", dir);
    CHECK_OK(oups_opd_repair(ds, NULL, 0, &report)); /* healthy: nothing to do */
    CHECK(strstr(report, "verified"));
    oups_mem_free(report);
    CHECK(patch(p, "\"owner\"", "\"Owner\""));
    CHECK_RC(oups_opd_repair(ds, NULL, 0, NULL), OUPS_EINVAL); /* ordered_on needed to rebuild */
    CHECK_OK(oups_opd_repair(ds, "a", 0, &report));
    CHECK(strstr(report, "rebuilt from 4"));
    oups_mem_free(report);
    CHECK_OK(iu_read(buf, sizeof buf, ds));
    CHECK(strcmp(buf, IU_OLD) == 0);
    snprintf(p, sizeof p, "%s/ds_opdmd.damaged", dir);
    CHECK(access(p, F_OK) == 0);
    su_rmrf(dir);
    /* a damaged journal with staged files: refused, nothing changed */
    dir = su_tmpdir();
    set_ds(dir);
    CHECK(iu_capture(dir, 2));
    snprintf(p, sizeof p, "%s/ds_opdmd", dir);
    CHECK(patch(p, "\"phase\":2", "\"phase\":1"));
    iu_snap(before, sizeof before, dir);
    CHECK_RC(oups_opd_repair(ds, "a", 0, NULL), OUPS_ECORRUPT);
    CHECK(strstr(oups_error_last(), "staged file"));
    iu_snap(after, sizeof after, dir);
    CHECK(strcmp(before, after) == 0);
    CHECK(patch(p, "\"phase\":1", "\"phase\":2"));
    CHECK_OK(oups_opd_repair(ds, NULL, 0, &report)); /* a journal that verifies: completed */
    CHECK(strstr(report, "completed"));
    oups_mem_free(report);
    CHECK_OK(iu_read(buf, sizeof buf, ds));
    CHECK(strcmp(buf, IU_NEW) == 0);
    su_rmrf(dir);
}

TEST(schema_mismatch_message) {
    su_use_tmpfs();
    char *dir = su_tmpdir();
    set_ds(dir);
    CHECK(iu_build(dir));
    oups_opd *opd;
    CHECK_OK(oups_opd_open(&opd, ds, NULL));
    oups_datatype it = oups_type(OUPS_TYPE_INT64), ft = oups_type(OUPS_TYPE_FLOAT64);
    int64_t a[] = {20};
    double b[] = {1.5};
    oups_column *c[2] = {0};
    CHECK_OK(oups_column_from_values(&c[0], &it, a, 1, NULL));
    CHECK_OK(oups_column_from_values(&c[1], &ft, b, 1, NULL));
    const char *names[] = {"a", "b"};
    oups_table *t;
    CHECK_OK(oups_table_new(&t, 2, names, c));
    oups_column_release(c[0]);
    oups_column_release(c[1]);
    oups_store_write_options o = iu_opts();
    CHECK_RC(oups_opd_write(opd, t, &o), OUPS_ESCHEMA);
    CHECK(strstr(oups_error_last(), "column 'b' is int64 in the dataset but float64 in the new data"));
    oups_table_free(t);
    oups_opd_close(opd);
    su_rmrf(dir);
}

RUN_TESTS("store.integrity", format2_roundtrip, legacy_format_read, journal_phase_changed, journal_src_digit_changed,
          stats_damaged, mangled_footer, json_truncated_escape, readonly_pending_journal, shared_lock, repair,
          schema_mismatch_message)
