// labels: quick
/*
 * tests/store/test_plan.c: the write planner against every unit example of spec/store.md
 * §4.4 (OARs, merge regions), §4.5 (n-rows on_target, grouping) and §4.6 (period on_target,
 * likely_exceeds, split offsets). Pure functions, no I/O.
 */
#include "harness.h"
#include "store/internal.h"

#define N(a) ((int64_t)(sizeof(a) / sizeof((a)[0])))
#define H INT64_C(3600000000000)
#define DAY (24 * H)

static bool arr_eq(const int64_t *a, const int64_t *b, int64_t n) {
    for (int64_t i = 0; i < n; i++)
        if (a[i] != b[i]) return false;
    return true;
}
static bool barr_eq(const bool *a, const char *tf) {
    for (size_t i = 0; i < strlen(tf); i++)
        if (a[i] != (tf[i] == 'T')) return false;
    return true;
}

/* days since epoch of y-m-d, ns */
static int64_t ymd(int y, int m, int d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (era * 146097 + doe - 719468) * DAY;
}

TEST(oars_drop_simple) {
    int64_t mins[] = {10, 20, 30}, maxs[] = {15, 25, 35}, d[] = {12, 22, 32};
    store_oars o;
    CHECK_OK(oups_store__oars(&o, mins, maxs, 3, d, 3, true));
    int64_t rs[] = {0, 1, 2}, re[] = {1, 2, 3}, de[] = {1, 2, 3};
    bool ok = o.n == 3 && arr_eq(o.rg_start, rs, 3) && arr_eq(o.rg_end, re, 3) && arr_eq(o.df_end, de, 3) &&
              barr_eq(o.has_rg, "TTT") && barr_eq(o.has_df, "TTT");
    oups_store__oars_free(&o);
    CHECK(ok);
}

TEST(oars_orphans) {
    int64_t mins[] = {20, 40, 43}, maxs[] = {25, 42, 45}, d[] = {5, 22, 32, 41, 42, 46, 52};
    store_oars o;
    CHECK_OK(oups_store__oars(&o, mins, maxs, 3, d, N(d), true));
    int64_t rs[] = {0, 0, 1, 1, 2, 3}, re[] = {0, 1, 1, 2, 3, 3}, de[] = {1, 2, 3, 5, 5, 7};
    bool ok = o.n == 6 && arr_eq(o.rg_start, rs, 6) && arr_eq(o.rg_end, re, 6) && arr_eq(o.df_end, de, 6) &&
              barr_eq(o.has_rg, "FTFTTF") && barr_eq(o.has_df, "TTTTFT") && o.n_no_split == 0;
    oups_store__oars_free(&o);
    CHECK(ok);
}

TEST(oars_shared_boundary) {
    int64_t d[] = {5, 22, 32, 43, 46, 52};
    store_oars o;
    { /* no drop, maxs [25,43,45] */
        int64_t mins[] = {20, 40, 43}, maxs[] = {25, 43, 45};
        CHECK_OK(oups_store__oars(&o, mins, maxs, 3, d, N(d), false));
        int64_t de[] = {1, 2, 3, 3, 4, 6};
        bool ok = o.n == 6 && arr_eq(o.df_end, de, 6) && barr_eq(o.has_df, "TTTFTT") && o.n_no_split == 1 &&
                  o.no_split[0] == 2;
        oups_store__oars_free(&o);
        CHECK(ok);
    }
    { /* drop, maxs [25,43,43] */
        int64_t mins[] = {20, 40, 43}, maxs[] = {25, 43, 43};
        CHECK_OK(oups_store__oars(&o, mins, maxs, 3, d, N(d), true));
        int64_t de[] = {1, 2, 3, 3, 4, 6};
        bool ok = o.n == 6 && arr_eq(o.df_end, de, 6) && barr_eq(o.has_df, "TTTTTT") && o.n_no_split == 1 &&
                  o.no_split[0] == 2;
        oups_store__oars_free(&o);
        CHECK(ok);
        CHECK_OK(oups_store__oars(&o, mins, maxs, 3, d, N(d), false));
        int64_t de2[] = {1, 2, 3, 3, 3, 6};
        ok = o.n == 6 && arr_eq(o.df_end, de2, 6) && barr_eq(o.has_df, "TTTFFT") && o.n_no_split == 0;
        oups_store__oars_free(&o);
        CHECK(ok);
    }
    {
        int64_t mins[] = {40, 43}, maxs[] = {43, 45}, d2[] = {22, 32, 43, 43, 44, 46};
        CHECK_OK(oups_store__oars(&o, mins, maxs, 2, d2, N(d2), true));
        int64_t rs[] = {0, 0, 1, 2}, re[] = {0, 1, 2, 2}, de[] = {2, 2, 5, 6};
        bool ok = o.n == 4 && arr_eq(o.rg_start, rs, 4) && arr_eq(o.rg_end, re, 4) && arr_eq(o.df_end, de, 4) &&
                  barr_eq(o.has_df, "TTTT") && o.n_no_split == 1 && o.no_split[0] == 1;
        oups_store__oars_free(&o);
        CHECK(ok);
    }
    {
        int64_t mins[] = {40, 43, 43, 50}, maxs[] = {43, 43, 45, 50}, d2[] = {22, 32, 46, 50};
        CHECK_OK(oups_store__oars(&o, mins, maxs, 4, d2, N(d2), true));
        int64_t rs[] = {0, 0, 1, 2, 3, 3}, re[] = {0, 1, 2, 3, 3, 4}, de[] = {2, 2, 2, 2, 3, 4};
        bool ok = o.n == 6 && arr_eq(o.rg_start, rs, 6) && arr_eq(o.rg_end, re, 6) && arr_eq(o.df_end, de, 6) &&
                  barr_eq(o.has_df, "TFFFTT");
        oups_store__oars_free(&o);
        CHECK(ok);
    }
    {
        int64_t mins[] = {10, 20}, maxs[] = {15, 25}, d2[] = {15, 16, 17, 22, 32};
        CHECK_OK(oups_store__oars(&o, mins, maxs, 2, d2, N(d2), false));
        int64_t rs[] = {0, 1, 1, 2}, re[] = {1, 1, 2, 2}, de[] = {0, 3, 4, 5};
        bool ok = o.n == 4 && arr_eq(o.rg_start, rs, 4) && arr_eq(o.rg_end, re, 4) && arr_eq(o.df_end, de, 4) &&
                  barr_eq(o.has_rg, "TFTF") && barr_eq(o.has_df, "FTTT");
        oups_store__oars_free(&o);
        CHECK(ok);
    }
    {
        int64_t mins[] = {1}, maxs[] = {4};
        CHECK_OK(oups_store__oars(&o, mins, maxs, 1, NULL, 0, false));
        bool ok = o.n == 1 && o.rg_start[0] == 0 && o.rg_end[0] == 1 && o.df_end[0] == 0 && o.has_rg[0] &&
                  !o.has_df[0];
        oups_store__oars_free(&o);
        CHECK(ok);
    }
}

TEST(oars_errors) {
    store_oars o;
    int64_t mins[] = {1, 3}, maxs[] = {4, 5}, d[] = {3, 1};
    CHECK_RC(oups_store__oars(&o, mins, maxs, 2, NULL, 0, false), OUPS_EINVAL);
    int64_t maxs2[] = {2, 5};
    CHECK_RC(oups_store__oars(&o, mins, maxs2, 2, d, 2, false), OUPS_EUNORDERED);
}

/* ---- merge regions ---- */

typedef struct ex_ctx {
    const char *tf;
    int i;
} ex_ctx;
static bool ex_fn(int64_t a, int64_t b, void *ctx) {
    (void)a;
    (void)b;
    ex_ctx *c = ctx;
    return c->tf[c->i++] == 'T';
}

static bool mr_case(const char *has_df, const char *on, const char *ex, int64_t max_off, int64_t n_d,
                    const int64_t *want, int64_t n_want) {
    int64_t n = (int64_t)strlen(has_df);
    bool hd[16], ot[16];
    for (int64_t i = 0; i < n; i++) {
        hd[i] = has_df[i] == 'T';
        ot[i] = on[i] == 'T';
    }
    int64_t mrs[32];
    ex_ctx c = {ex, 0};
    int64_t m = oups_store__merge_regions(mrs, hd, ot, n, n_d, max_off, ex_fn, &c);
    if (m != n_want) {
        fprintf(stderr, "  %s/%s: got %lld MRs\n", has_df, on, (long long)m);
        return false;
    }
    return arr_eq(mrs, want, 2 * m);
}

TEST(merge_regions) {
    CHECK(mr_case("FTTF", "TFTT", "T", 3, 5, (int64_t[]){1, 3}, 1));
    CHECK(mr_case("TFFTFFFTF", "FFFFTFTFF", "FF", 3, 5, (int64_t[]){0, 4, 7, 8}, 2));
    CHECK(mr_case("TFFTFFFTF", "FFFFTFTFF", "FT", 10, 5, (int64_t[]){0, 1, 3, 4, 7, 9}, 3));
    CHECK(mr_case("FTFF", "TTFT", "T", 3, 5, (int64_t[]){1, 3}, 1));
    CHECK(mr_case("TFTF", "TTTT", "FF", 2, 5, (int64_t[]){0, 1, 2, 3}, 2));
    CHECK(mr_case("FFFT", "FFFF", "F", 1, 5, (int64_t[]){0, 4}, 1));
    CHECK(mr_case("TFFFTF", "TFTFFT", "TF", 2, 5, (int64_t[]){0, 2, 4, 5}, 2));
    CHECK(mr_case("TFFFT", "TFTFF", "", 0, 5, (int64_t[]){0, 1, 4, 5}, 2));
    CHECK(mr_case("TFFFT", "FFTFF", "FF", 1, 5, (int64_t[]){0, 2, 3, 5}, 2));
    CHECK(mr_case("TFFFFT", "FTFFTF", "FF", 1, 5, (int64_t[]){0, 1, 5, 6}, 2));
    CHECK(mr_case("FF", "FF", "F", 1, 0, (int64_t[]){0, 2}, 1));
    CHECK(mr_case("FF", "TT", "", 1, 0, NULL, 0));
}

/* ---- n-rows strategy ---- */

TEST(nrows_grouping) {
    int64_t min_rows[] = {50, 50, 35, 50, 50}, sel[8];
    int64_t n = oups_store__nrows_group(sel, min_rows, 0, 5, 100);
    CHECK(n == 2 && sel[0] == 1 && sel[1] == 4);
    n = oups_store__nrows_group(sel, min_rows, 1, 4, 10);
    CHECK(n == 3 && sel[0] == 0 && sel[1] == 1 && sel[2] == 2);
    int64_t mr2[] = {50, 50, 35, 15, 60, 20, 30, 45, 25};
    n = oups_store__nrows_group(sel, mr2, 1, 4, 45);
    CHECK(n == 2 && sel[0] == 0 && sel[1] == 2); /* OARs 1, 3 */
    n = oups_store__nrows_group(sel, mr2, 5, 9, 45);
    CHECK(n == 2 && sel[0] == 1 && sel[1] == 3); /* OARs 6, 8 */
}

TEST(nrows_on_target) {
    /* OARs rg90; df85; rg50+df40; rg30+df30; rg120; rg30+df80 */
    store_oars o = {0};
    int64_t rs[] = {0, 1, 1, 2, 3, 4}, re[] = {1, 1, 2, 3, 4, 5}, de[] = {0, 85, 125, 155, 155, 235};
    bool hr[] = {1, 0, 1, 1, 1, 1}, hd[] = {0, 1, 1, 1, 0, 1};
    o.n = 6;
    o.rg_start = rs;
    o.rg_end = re;
    o.df_end = de;
    o.has_rg = hr;
    o.has_df = hd;
    int64_t rg_rows[] = {90, 50, 30, 120, 30}, min_rows[6];
    bool on[6];
    oups_store__nrows_on_target(on, min_rows, &o, rg_rows, 100, true);
    CHECK(barr_eq(on, "TTTFFT"));
    int64_t want_min[] = {90, 85, 50, 30, 120, 80};
    CHECK(arr_eq(min_rows, want_min, 6));
}

/* ---- period strategy ---- */

static bool period_case(const char *freq, const int64_t *rgmin, const int64_t *rgmax, int64_t R, const int64_t *d,
                        int64_t D, const char *want) {
    oups_period p;
    if (oups_period_parse(&p, freq) < 0) return false;
    store_oars o;
    if (oups_store__oars(&o, rgmin, rgmax, R, d, D, false) < 0) return false;
    int64_t ps[16], pe[16];
    bool on[16];
    bool ok = oups_store__period_pidx(ps, pe, &o, rgmin, rgmax, d, &p) == 0 &&
              oups_store__period_on_target(on, &o, ps, pe) == 0 && (int64_t)strlen(want) == o.n && barr_eq(on, want);
    if (!ok) {
        fprintf(stderr, "  period case want %s got ", want);
        for (int64_t k = 0; k < o.n; k++) fprintf(stderr, "%c(%lld,%lld)", on[k] ? 'T' : 'F', (long long)ps[k], (long long)pe[k]);
        fprintf(stderr, "\n");
    }
    oups_store__oars_free(&o);
    return ok;
}

TEST(period_on_target) {
#define D2(m, d) ymd(2024, m, d)
    CHECK(period_case("MS", (int64_t[]){ymd(2023, 12, 15), ymd(2023, 12, 20)},
                      (int64_t[]){ymd(2023, 12, 19), ymd(2023, 12, 28)}, 2, (int64_t[]){D2(3, 15)}, 1, "FFT"));
    CHECK(period_case("MS", (int64_t[]){D2(1, 1)}, (int64_t[]){D2(2, 1)}, 1, (int64_t[]){D2(3, 15)}, 1, "FT"));
    CHECK(period_case("MS", (int64_t[]){D2(3, 15)}, (int64_t[]){D2(3, 16)}, 1, (int64_t[]){D2(3, 15)}, 1, "T"));
    CHECK(period_case("MS", (int64_t[]){D2(6, 10)}, (int64_t[]){D2(6, 15)}, 1, (int64_t[]){D2(4, 17), D2(5, 3)}, 2, "TT"));
    CHECK(period_case("MS", (int64_t[]){D2(6, 10)}, (int64_t[]){D2(6, 15)}, 1, (int64_t[]){D2(6, 16), D2(6, 18)}, 2, "FF"));
    CHECK(period_case("MS", (int64_t[]){D2(8, 15)}, (int64_t[]){D2(8, 17)}, 1, (int64_t[]){D2(7, 15), D2(8, 10)}, 2, "TF"));
    CHECK(period_case("MS", (int64_t[]){D2(9, 11)}, (int64_t[]){D2(10, 15)}, 1, (int64_t[]){D2(10, 16), D2(10, 18)}, 2, "FF"));
    CHECK(period_case("MS", (int64_t[]){D2(11, 18)}, (int64_t[]){D2(12, 5)}, 1, (int64_t[]){D2(11, 15), D2(11, 17)}, 2, "FF"));
    CHECK(period_case("MS", (int64_t[]){D2(1, 1)}, (int64_t[]){D2(1, 4)}, 1, (int64_t[]){D2(1, 16), D2(2, 1)}, 2, "FT"));
    CHECK(period_case("MS", (int64_t[]){D2(3, 1)}, (int64_t[]){D2(3, 2)}, 1, (int64_t[]){D2(4, 1), D2(4, 30)}, 2, "TT"));
    CHECK(period_case("MS", (int64_t[]){D2(5, 1)}, (int64_t[]){D2(6, 2)}, 1,
                      (int64_t[]){D2(5, 1), D2(6, 1), D2(6, 4), D2(6, 30)}, 4, "TF"));
    CHECK(period_case("MS", (int64_t[]){D2(4, 1), D2(4, 29)}, (int64_t[]){D2(4, 28), D2(6, 2)}, 2,
                      (int64_t[]){D2(5, 1), D2(6, 1)}, 2, "FT"));
    CHECK(period_case("MS", (int64_t[]){D2(4, 1)}, (int64_t[]){D2(5, 15)}, 1, (int64_t[]){D2(5, 18), D2(6, 1)}, 2, "FT"));
    CHECK(period_case("MS", NULL, NULL, 0, (int64_t[]){D2(5, 18), D2(6, 1)}, 2, "T"));
    CHECK(period_case("MS", NULL, NULL, 0, (int64_t[]){D2(5, 18), D2(5, 21)}, 2, "T"));
    CHECK(period_case("MS", (int64_t[]){D2(4, 1)}, (int64_t[]){D2(5, 15)}, 1, NULL, 0, "F"));
#undef D2
}

TEST(period_exceeds) {
    /* 2h; rgs 08:00-08:50 and 08:55-09:15, df 10:20 -> one MR spanning 2 periods */
    int64_t day = ymd(2020, 1, 1), M = 60000000000;
    int64_t mins[] = {day + 8 * H, day + 8 * H + 55 * M}, maxs[] = {day + 8 * H + 50 * M, day + 9 * H + 15 * M},
            rows[] = {1, 1};
    oups_period p;
    CHECK_OK(oups_period_parse(&p, "2h"));
    int64_t d1[] = {day + 10 * H + 20 * M}, d2[] = {day + 9 * H + 20 * M};
    /* max_off=3: the candidate has 3 off OARs (not > 3), so only exceeds decides */
    store_plan_input in = {mins, maxs, rows, 2, d1, 1, false, 0, &p, 3};
    store_plan plan;
    CHECK_OK(oups_store__plan(&plan, &in));
    bool ok = plan.n_seq == 1 && plan.seq[0].rg_start == 0;
    oups_store__plan_free(&plan);
    CHECK(ok);
    in.d = d2;
    CHECK_OK(oups_store__plan(&plan, &in));
    /* 09:20 falls in the rgs' period: not exceeding, df merged only with... the simple run */
    ok = plan.n_seq == 1 && plan.seq[0].rg_start == 2;
    oups_store__plan_free(&plan);
    CHECK(ok);
}

static bool split_case(const char *freq, const int64_t *keys, int64_t n, const int64_t *want, int64_t n_want) {
    oups_period p;
    if (oups_period_parse(&p, freq) < 0) return false;
    int64_t *off, m;
    if (oups_store__split_offsets(&off, &m, keys, n, 0, &p) < 0) return false;
    bool ok = m == n_want && arr_eq(off, want, m);
    oups_free(off);
    return ok;
}

TEST(split_offsets) {
    CHECK(split_case("MS", (int64_t[]){ymd(2024, 1, 1), ymd(2024, 1, 1) + 12 * H, ymd(2024, 2, 1), ymd(2024, 2, 2),
                                       ymd(2024, 2, 29), ymd(2024, 3, 1)},
                     6, (int64_t[]){0, 2, 5}, 3));
    CHECK(split_case("MS", (int64_t[]){ymd(2023, 12, 31), ymd(2024, 1, 1) + 12 * H, ymd(2024, 2, 1), ymd(2024, 2, 2),
                                       ymd(2024, 2, 29)},
                     5, (int64_t[]){0, 1, 2}, 3));
    CHECK(split_case("D", (int64_t[]){ymd(2024, 1, 1) + 12 * H, ymd(2024, 1, 2) + 12 * H}, 2, (int64_t[]){0, 1}, 2));
    CHECK(split_case("D", (int64_t[]){ymd(2024, 1, 1) + 12 * H}, 1, (int64_t[]){0}, 1));
    CHECK(split_case("h", (int64_t[]){0, H, 2 * H}, 3, (int64_t[]){0, 1, 2}, 3));
    CHECK(split_case("D", (int64_t[]){ymd(2024, 1, 1) + 12 * H, ymd(2024, 6, 1) + 12 * H}, 2, (int64_t[]){0, 1}, 2));
    int64_t keys[5] = {1, 2, 3, 4, 5}, *off, m;
    CHECK_OK(oups_store__split_offsets(&off, &m, keys, 5, 2, NULL));
    bool ok = m == 3 && off[0] == 0 && off[1] == 2 && off[2] == 4;
    oups_free(off);
    CHECK(ok);
}

/* Whole plans for the write scenarios, checked on their sequences. */
TEST(plan_sequences) {
    /* W19: [0,1,2,6][7,8,9,10][11][12]; write [12], T=4, no dup */
    int64_t mins[] = {0, 7, 11, 12}, maxs[] = {6, 10, 11, 12}, rows[] = {4, 4, 1, 1}, d[] = {12};
    store_plan_input in = {mins, maxs, rows, 4, d, 1, false, 4, NULL, 3};
    store_plan plan;
    CHECK_OK(oups_store__plan(&plan, &in));
    bool ok = plan.n_seq == 1 && plan.seq[0].rg_start == 4 && plan.seq[0].n == 1 && plan.seq[0].rg_end[0] == 4 &&
              plan.seq[0].df_end[0] == 1;
    oups_store__plan_free(&plan);
    CHECK(ok);
    in.max_off = 2;
    CHECK_OK(oups_store__plan(&plan, &in));
    ok = plan.n_seq == 1 && plan.seq[0].rg_start == 2 && plan.seq[0].n == 1 && plan.seq[0].rg_end[0] == 4;
    oups_store__plan_free(&plan);
    CHECK(ok);
    /* nothing to do: R=0, D=0 */
    store_plan_input empty = {NULL, NULL, NULL, 0, NULL, 0, false, 4, NULL, 0};
    CHECK_OK(oups_store__plan(&plan, &empty));
    CHECK(plan.n_seq == 0);
}

RUN_TESTS("store.plan", oars_drop_simple, oars_orphans, oars_shared_boundary, oars_errors, merge_regions,
          nrows_grouping, nrows_on_target, period_on_target, period_exceeds, split_offsets, plan_sequences)
