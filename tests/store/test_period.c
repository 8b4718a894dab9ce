// labels: quick
/*
 * tests/store/test_period.c: the time-period strategy on timestamp keys against
 * spec/store.md §7.5 (T8, T9, T11) and the freq/dtype error; row groups are rendered with
 * strftime ("%m-%d" or "%H:%M"), new rows marked "n".
 */
#include "store_util.h"

#define NS SU_NS

static oups_table *ts_table(const char *const *iso, int n, int64_t marker) {
    int64_t t[32], v[32];
    for (int i = 0; i < n; i++) {
        t[i] = su_ts(iso[i]);
        v[i] = marker;
    }
    return su_ts_table("ts", t, v, n);
}

static bool render_is(oups_opd *opd, const char *fmt, const char *want) {
    char buf[2048];
    size_t len = 0;
    for (int64_t i = 0; i < oups_opd_len(opd); i++) {
        oups_opd *v;
        oups_table *t;
        if (oups_opd_view(&v, opd, i, i + 1, 1) < 0) return false;
        int rc = oups_opd_read(&t, v, NULL, 0);
        oups_opd_close(v);
        if (rc < 0) return false;
        oups_column_view a, b;
        oups_column_view_get(&a, oups_table_column(t, 0));
        oups_column_view_get(&b, oups_table_column(t, 1));
        len += (size_t)snprintf(buf + len, sizeof buf - len, "[");
        for (int64_t r = 0; r < oups_table_num_rows(t); r++) {
            time_t s = (time_t)(((const int64_t *)a.data)[a.offset + r] / NS);
            struct tm tm;
            gmtime_r(&s, &tm);
            char one[32];
            strftime(one, sizeof one, fmt, &tm);
            len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s%s", r ? "," : "", one,
                                    ((const int64_t *)b.data)[b.offset + r] ? "n" : "");
        }
        len += (size_t)snprintf(buf + len, sizeof buf - len, "]");
        oups_table_free(t);
    }
    if (strcmp(buf, want) != 0) fprintf(stderr, "  got  %s\n  want %s\n", buf, want);
    return strcmp(buf, want) == 0 && oups_opd_check(opd) == 0;
}

static oups_opd *open_ds(const char *dir) {
    char p[512];
    snprintf(p, sizeof p, "%s/ds", dir);
    oups_opd *opd = NULL;
    oups_opd_options oo = OUPS_OPD_OPTIONS_INIT;
    oo.ordered_on = "ts";
    return oups_opd_open(&opd, p, &oo) == 0 ? opd : NULL;
}

static oups_store_write_options popts(const char *freq, int64_t max_off) {
    oups_store_write_options o = OUPS_STORE_WRITE_OPTIONS_INIT;
    o.ordered_on = "ts";
    o.row_group_period = freq;
    o.max_n_off_target_rgs = max_off;
    return o;
}

TEST(t8_fresh_2h) {
    char *dir = su_tmpdir();
    oups_opd *opd = open_ds(dir);
    CHECK(opd);
    const char *rows[] = {"2020-01-01 08:00", "2020-01-01 09:59", "2020-01-01 10:00",
                          "2020-01-01 13:30", "2020-01-01 13:59", "2020-01-01 14:00"};
    oups_table *t = ts_table(rows, 6, 1);
    oups_store_write_options o = popts("2h", 0);
    CHECK_OK(oups_opd_write(opd, t, &o));
    oups_table_free(t);
    CHECK(render_is(opd, "%H:%M", "[08:00n,09:59n][10:00n][13:30n,13:59n][14:00n]"));
    oups_opd_close(opd);
    su_rmrf(dir);
}

static bool t9(int64_t max_off, const char *want) {
    char *dir = su_tmpdir();
    oups_opd *opd = open_ds(dir);
    if (!opd) return false;
    const char *r0[] = {"2024-01-05 00:00", "2024-01-20 00:00"}, *r1[] = {"2024-02-03 00:00"};
    oups_table *rg[2] = {ts_table(r0, 2, 0), ts_table(r1, 1, 0)};
    bool ok = oups_opd_write_row_groups(opd, rg, 2, true, NULL) == 0;
    oups_table_free(rg[0]);
    oups_table_free(rg[1]);
    const char *nw[] = {"2024-02-10 00:00", "2024-03-01 00:00", "2024-03-15 00:00"};
    oups_table *t = ts_table(nw, 3, 1);
    oups_store_write_options o = popts("MS", max_off);
    ok = ok && oups_opd_write(opd, t, &o) == 0 && render_is(opd, "%m-%d", want);
    oups_table_free(t);
    oups_opd_close(opd);
    su_rmrf(dir);
    return ok;
}

TEST(t9_month_start) {
    CHECK(t9(0, "[01-05,01-20][02-03][02-10n][03-01n,03-15n]"));
    CHECK(t9(1, "[01-05,01-20][02-03,02-10n][03-01n,03-15n]"));
}

static bool t11(int64_t max_off, const char *want) {
    char *dir = su_tmpdir();
    oups_opd *opd = open_ds(dir);
    if (!opd) return false;
    const char *h[] = {"2020-01-01 08:00", "2020-01-01 09:00", "2020-01-01 10:00", "2020-01-01 11:00"};
    oups_table *rg[4];
    for (int i = 0; i < 4; i++) rg[i] = ts_table(&h[i], 1, 0);
    bool ok = oups_opd_write_row_groups(opd, rg, 4, true, NULL) == 0;
    for (int i = 0; i < 4; i++) oups_table_free(rg[i]);
    oups_store_write_options o = popts("2h", max_off);
    ok = ok && oups_opd_write(opd, NULL, &o) == 0 && render_is(opd, "%H:%M", want);
    oups_opd_close(opd);
    su_rmrf(dir);
    return ok;
}

TEST(t11_resize) {
    CHECK(t11(1, "[08:00,09:00][10:00,11:00]"));
    CHECK(t11(0, "[08:00][09:00][10:00][11:00]"));
}

TEST(period_needs_timestamp) {
    char *dir = su_tmpdir();
    oups_opd *opd = su_existing(dir, "ds", NULL);
    CHECK(opd);
    int n;
    oups_table **rgs = su_parse("1,2", &n);
    oups_store_write_options o = OUPS_STORE_WRITE_OPTIONS_INIT;
    o.ordered_on = "a";
    o.row_group_period = "2h";
    CHECK_RC(oups_opd_write(opd, rgs[0], &o), OUPS_ESCHEMA);
    o.row_group_period = "2x";
    CHECK_RC(oups_opd_write(opd, rgs[0], &o), OUPS_EINVAL);
    su_free_rgs(rgs, n);
    CHECK(oups_opd_len(opd) == 0);
    oups_opd_close(opd);
    su_rmrf(dir);
}

RUN_TESTS("store.period", t8_fresh_2h, t9_month_start, t11_resize, period_needs_timestamp)
