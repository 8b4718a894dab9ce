// labels: quick
/*
 * tests/store/test_store.c: the Store collection (spec §2, §7.2: discovery fixture, ST2,
 * delete with directory cleanup) and iter_intersections (§5, §7.7: ST5, fixture F3 with I1,
 * I3, n_prev, end_excl=0, inconsistent ordered_on releasing locks).
 */
#include "store_util.h"

static void touch(const char *root, const char *rel) {
    char p[512], cmd[1100];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    snprintf(cmd, sizeof cmd, "mkdir -p \"$(dirname '%s')\" && touch '%s'", p, p);
    if (system(cmd) != 0) fprintf(stderr, "touch failed\n");
}

static char *keys_repr(oups_store *st) {
    static char buf[1024];
    const oups_key *const *keys;
    int64_t n;
    buf[0] = '\0';
    if (oups_store_keys(&keys, &n, st) < 0) return buf;
    size_t len = 0;
    for (int64_t i = 0; i < n; i++) {
        char *s;
        if (oups_key_to_str(&s, keys[i]) < 0) return buf;
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s", i ? "\n" : "", s);
        oups_mem_free(s);
    }
    return buf;
}

TEST(discovery) {
    char *root = su_tmpdir();
    touch(root, "london.temperature/greenwich.summer_opdmd");
    touch(root, "london.temperature/westminster.winter_dummy");
    touch(root, "paris.temperature/bastille.summer_opdmd");
    touch(root, "stockholm.pressure/skansen.fall_opdmd");
    touch(root, "stockholm.pressure/flemings.spring/innerplace.morning_opdmd");
    char d[512];
    snprintf(d, sizeof d, "%s/paris.temperature/forgottendir", root);
    CHECK(mkdir(d, 0777) == 0);
    oups_key_schema *s;
    CHECK_OK(oups_key_schema_parse(&s, "capital:str,quantity:str/area:str,season:str", '.'));
    oups_store *st;
    CHECK_OK(oups_store_open(&st, root, s));
    CHECK(strcmp(keys_repr(st), "london.temperature.greenwich.summer\nparis.temperature.bastille.summer\n"
                                "stockholm.pressure.skansen.fall") == 0);
    oups_key *k;
    CHECK_OK(oups_key_new(&k, oups_store_schema(st), (const char *[]){"london", "temperature", "greenwich", "summer"}, 4));
    bool has;
    CHECK_OK(oups_store_contains(&has, st, k));
    CHECK(has);
    oups_key_free(k);
    oups_store_free(st);
    oups_key_schema_free(s);
    CHECK_OK(oups_key_schema_parse(&s, "capital:str,quantity:str/area:str,season:str", '-'));
    CHECK_OK(oups_store_open(&st, root, s));
    CHECK(strcmp(keys_repr(st), "") == 0);
    oups_store_free(st);
    /* a missing root gives zero keys */
    CHECK_OK(oups_store_open(&st, "/tmp/oups_no_such_store_root", s));
    CHECK(strcmp(keys_repr(st), "") == 0);
    oups_store_free(st);
    oups_key_schema_free(s);
    su_rmrf(root);
}

TEST(st2_write_refresh_read_delete) {
    char *root = su_tmpdir();
    oups_key_schema *s;
    CHECK_OK(oups_key_schema_parse(&s, "capital:str,quantity:str/area:str,season:str", '-'));
    oups_store *st;
    CHECK_OK(oups_store_open(&st, root, s));
    oups_key_schema_free(s);
    oups_key *we;
    CHECK_OK(oups_key_new(&we, oups_store_schema(st), (const char *[]){"paris", "temperature", "notredame", "winter"}, 4));
    bool has;
    CHECK_OK(oups_store_contains(&has, st, we));
    CHECK(!has);
    oups_opd *opd;
    CHECK_OK(oups_store_get(&opd, st, we, NULL));
    int64_t t[] = {su_ts("2021-01-01 08:00"), su_ts("2021-01-01 10:00"), su_ts("2021-01-01 12:00"),
                   su_ts("2021-01-01 14:00")},
            v[] = {8, 5, 4, 2};
    oups_table *df = su_ts_table("timestamp", t, v, 4);
    oups_store_write_options o = OUPS_STORE_WRITE_OPTIONS_INIT;
    o.ordered_on = "timestamp";
    o.row_group_rows = 2;
    CHECK_OK(oups_opd_write(opd, df, &o));
    oups_opd_close(opd);
    CHECK_OK(oups_store_contains(&has, st, we));
    CHECK(has);
    char p[512];
    snprintf(p, sizeof p, "%s/paris-temperature/notredame-winter/file_00000.parquet", root);
    CHECK(access(p, F_OK) == 0);
    snprintf(p, sizeof p, "%s/paris-temperature/notredame-winter_opdmd", root);
    CHECK(access(p, F_OK) == 0);
    CHECK_OK(oups_store_get(&opd, st, we, NULL));
    oups_opd *v0;
    CHECK_OK(oups_opd_view(&v0, opd, 0, 1, 1));
    oups_table *got, *want;
    CHECK_OK(oups_opd_read(&got, v0, NULL, 0));
    CHECK_OK(oups_table_slice(&want, df, 0, 2));
    CHECK(oups_table_equal(got, want, NULL, 0) == 1);
    oups_table_free(got);
    oups_table_free(want);
    CHECK_OK(oups_opd_read(&got, opd, NULL, 0));
    CHECK(oups_table_equal(got, df, NULL, 0) == 1);
    oups_table_free(got);
    oups_opd_close(v0);
    oups_opd_close(opd);
    oups_table_free(df);
    /* delete: files and emptied parents go, the root stays */
    CHECK_OK(oups_store_delete(st, we, 0));
    CHECK_OK(oups_store_contains(&has, st, we));
    CHECK(!has);
    snprintf(p, sizeof p, "%s/paris-temperature", root);
    CHECK(access(p, F_OK) != 0 && access(root, F_OK) == 0);
    CHECK_RC(oups_store_delete(st, we, 0), OUPS_ENOTFOUND);
    CHECK(strstr(oups_error_last(), "key 'paris-temperature-notredame-winter' not found in store.") != NULL);
    oups_key_free(we);
    oups_store_free(st);
    su_rmrf(root);
}

/* ---- iter_intersections ---- */

static oups_store *f3_store(char *root, oups_key *keys[3]) {
    oups_key_schema *s;
    if (oups_key_schema_parse(&s, "k:str", '-') < 0) return NULL;
    oups_store *st;
    int rc = oups_store_open(&st, root, s);
    oups_key_schema_free(s);
    if (rc < 0) return NULL;
    static const char *data[3][12] = {
        {"08:00", "09:00", "10:00", "10:00", "10:00", "10:00", "14:00", "14:15", "18:15", "18:15"},
        {"08:35", "08:35", "08:35", "10:00", "12:10", "12:10", "12:10", "12:10", "14:00", "15:15", "18:00", "19:15"},
        {"15:15", "16:00", "18:15", "19:00", "22:00", "22:05", "22:05", "22:05"}};
    static const int n[3] = {10, 12, 8};
    for (int k = 0; k < 3; k++) {
        char name[8];
        snprintf(name, sizeof name, "key%d", k + 1);
        const char *vals[] = {name};
        if (oups_key_new(&keys[k], oups_store_schema(st), vals, 1) < 0) return NULL;
        int64_t t[12], v[12];
        for (int i = 0; i < n[k]; i++) {
            char iso[32];
            snprintf(iso, sizeof iso, "2025-01-01 %s", data[k][i]);
            t[i] = su_ts(iso);
            v[i] = i;
        }
        oups_table *df = su_ts_table("ts", t, v, n[k]);
        oups_opd *opd;
        oups_store_write_options o = OUPS_STORE_WRITE_OPTIONS_INIT;
        o.ordered_on = "ts";
        o.row_group_rows = 2;
        rc = oups_store_get(&opd, st, keys[k], NULL);
        if (rc == 0) rc = oups_opd_write(opd, df, &o);
        oups_opd_close(opd);
        oups_table_free(df);
        if (rc < 0) return NULL;
    }
    return st;
}

/* Render all steps: one line per step, tables "HH:MM/v,..." joined by '|'. */
static bool run_steps(oups_intersections *it, const char *const *want, int n_want) {
    int step = 0;
    bool ok = true;
    for (;;) {
        bool done;
        if (oups_intersections_next(it, &done) < 0) return false;
        if (done) break;
        char buf[1024];
        size_t len = 0;
        buf[0] = '\0';
        for (int i = 0; i < oups_intersections_count(it); i++) {
            const oups_table *t = oups_intersections_table(it, i);
            oups_column_view a, b;
            oups_column_view_get(&a, oups_table_column(t, 0));
            oups_column_view_get(&b, oups_table_column(t, 1));
            if (i) len += (size_t)snprintf(buf + len, sizeof buf - len, "|");
            for (int64_t r = 0; r < oups_table_num_rows(t); r++) {
                int64_t x = ((const int64_t *)a.data)[a.offset + r] / SU_NS % 86400;
                len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%02d:%02d/%lld", r ? "," : "", (int)(x / 3600),
                                        (int)(x / 60 % 60), (long long)((const int64_t *)b.data)[b.offset + r]);
            }
        }
        if (step >= n_want || strcmp(buf, want[step]) != 0) {
            fprintf(stderr, "  step %d: got '%s' want '%s'\n", step, buf, step < n_want ? want[step] : "(none)");
            ok = false;
        }
        step++;
    }
    if (step != n_want) fprintf(stderr, "  %d steps, want %d\n", step, n_want);
    return ok && step == n_want;
}

TEST(f3_i1_i3_nprev) {
    char *root = su_tmpdir();
    oups_key *keys[3];
    oups_store *st = f3_store(root, keys);
    CHECK(st);
    static const char *i1[] = {
        "08:00/0,09:00/1|08:35/0,08:35/1,08:35/2|",
        "10:00/2,10:00/3,10:00/4,10:00/5|10:00/3|",
        "|12:10/4,12:10/5,12:10/6,12:10/7|",
        "14:00/6,14:15/7|14:00/8,15:15/9|15:15/0,16:00/1",
        "|18:00/10|",
        "18:15/8,18:15/9|19:15/11|18:15/2,19:00/3",
        "||22:00/4,22:05/5,22:05/6,22:05/7",
    };
    oups_intersections *it;
    CHECK_OK(oups_store_intersections(&it, st, (const oups_key *const *)keys, 3, NULL));
    CHECK(run_steps(it, i1, 7));
    oups_intersections_free(it);
    /* I3: start 09:00, end_excl 14:00 (key3 absent) */
    oups_scalar s = {0}, e = {0};
    s.type = e.type = oups_type_timestamp(OUPS_UNIT_NS, NULL);
    s.v.i = su_ts("2025-01-01 09:00");
    e.v.i = su_ts("2025-01-01 14:00");
    oups_intersections_options o = OUPS_INTERSECTIONS_OPTIONS_INIT;
    o.start = &s;
    o.end_excl = &e;
    static const char *i3[] = {"09:00/1|", "10:00/2,10:00/3,10:00/4,10:00/5|10:00/3", "|12:10/4,12:10/5,12:10/6,12:10/7"};
    CHECK_OK(oups_store_intersections(&it, st, (const oups_key *const *)keys, 3, &o));
    CHECK(run_steps(it, i3, 3));
    CHECK(oups_intersections_index(it, 0) == -1);
    oups_intersections_free(it);
    /* n_prev {2,1,1} with start 10:00 (no end) */
    s.v.i = su_ts("2025-01-01 10:00");
    int64_t np[] = {2, 1, 1};
    o.end_excl = NULL;
    o.n_prev = np;
    static const char *np_want[] = {
        "08:00/0,09:00/1,10:00/2,10:00/3,10:00/4,10:00/5|08:35/2,10:00/3|",
        "|12:10/4,12:10/5,12:10/6,12:10/7|",
        "14:00/6,14:15/7|14:00/8,15:15/9|15:15/0,16:00/1",
        "|18:00/10|",
        "18:15/8,18:15/9|19:15/11|18:15/2,19:00/3",
        "||22:00/4,22:05/5,22:05/6,22:05/7",
    };
    CHECK_OK(oups_store_intersections(&it, st, (const oups_key *const *)keys, 3, &o));
    CHECK(run_steps(it, np_want, 6));
    oups_intersections_free(it);
    /* n_prev ignored without start: same as I1 */
    o.start = NULL;
    CHECK_OK(oups_store_intersections(&it, st, (const oups_key *const *)keys, 3, &o));
    CHECK(run_steps(it, i1, 7));
    oups_intersections_free(it);
    np[1] = -1;
    CHECK_RC(oups_store_intersections(&it, st, (const oups_key *const *)keys, 3, &o), OUPS_EINVAL);
    /* a repeated key is refused (it would wait on its own lock) */
    const oups_key *twice[] = {keys[0], keys[1], keys[0]};
    CHECK_RC(oups_store_intersections(&it, st, twice, 3, NULL), OUPS_EINVAL);
    /* end_excl = epoch 0: zero steps */
    e.v.i = 0;
    o.n_prev = NULL;
    o.end_excl = &e;
    CHECK_OK(oups_store_intersections(&it, st, (const oups_key *const *)keys, 3, &o));
    CHECK(run_steps(it, NULL, 0));
    oups_intersections_free(it);
    /* the locks were released: open with no wait */
    oups_opd_options oo = OUPS_OPD_OPTIONS_INIT;
    oo.lock_timeout_ms = 0;
    oups_opd *opd;
    CHECK_OK(oups_store_get(&opd, st, keys[0], &oo));
    oups_opd_close(opd);
    for (int k = 0; k < 3; k++) oups_key_free(keys[k]);
    oups_store_free(st);
    su_rmrf(root);
}

TEST(st5_and_inconsistent_ordered_on) {
    char *root = su_tmpdir();
    oups_key_schema *s;
    CHECK_OK(oups_key_schema_parse(&s, "capital:str,quantity:str", '-'));
    oups_store *st;
    CHECK_OK(oups_store_open(&st, root, s));
    oups_key_schema_free(s);
    oups_key *k[3];
    CHECK_OK(oups_key_new(&k[0], oups_store_schema(st), (const char *[]){"paris", "temperature"}, 2));
    CHECK_OK(oups_key_new(&k[1], oups_store_schema(st), (const char *[]){"london", "temperature"}, 2));
    CHECK_OK(oups_key_new(&k[2], oups_store_schema(st), (const char *[]){"oslo", "pressure"}, 2));
    const char *hours[2][4] = {{"08:00", "10:00", "12:00", "14:00"}, {"09:00", "11:00", "13:00", "15:00"}};
    for (int d = 0; d < 3; d++) {
        int64_t t[4], v[4];
        for (int i = 0; i < 4; i++) {
            char iso[32];
            snprintf(iso, sizeof iso, "2021-01-01 %s", hours[d % 2][i]);
            t[i] = su_ts(iso);
            v[i] = i;
        }
        oups_table *df = su_ts_table(d == 2 ? "other" : "timestamp", t, v, 4);
        oups_opd *opd;
        oups_store_write_options o = OUPS_STORE_WRITE_OPTIONS_INIT;
        o.ordered_on = d == 2 ? "other" : "timestamp";
        o.row_group_rows = 2;
        CHECK_OK(oups_store_get(&opd, st, k[d], NULL));
        CHECK_OK(oups_opd_write(opd, df, &o));
        oups_opd_close(opd);
        oups_table_free(df);
    }
    static const char *want[] = {"08:00/0,10:00/1|09:00/0,11:00/1", "12:00/2|", "14:00/3|13:00/2,15:00/3"};
    oups_intersections *it;
    CHECK_OK(oups_store_intersections(&it, st, (const oups_key *const *)k, 2, NULL));
    CHECK(run_steps(it, want, 3));
    oups_intersections_free(it);
    CHECK_RC(oups_store_intersections(&it, st, (const oups_key *const *)k, 3, NULL), OUPS_EINVAL);
    CHECK(strstr(oups_error_last(), "inconsistent 'ordered_on' columns.") != NULL);
    oups_opd_options oo = OUPS_OPD_OPTIONS_INIT;
    oo.lock_timeout_ms = 0;
    for (int d = 0; d < 3; d++) {
        oups_opd *opd;
        CHECK_OK(oups_store_get(&opd, st, k[d], &oo));
        oups_opd_close(opd);
        oups_key_free(k[d]);
    }
    oups_store_free(st);
    su_rmrf(root);
}

RUN_TESTS("store.store", discovery, st2_write_refresh_read_delete, f3_i1_i3_nprev, st5_and_inconsistent_ordered_on)
