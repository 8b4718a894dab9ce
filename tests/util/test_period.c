// labels: quick
/*
 * tests/util/test_period.c: period parsing, fixed lengths, and floor / next with the examples
 * of spec/store.md 4.6 (2h, 2D, MS, W -> preceding Sunday) plus D, YS, multiples of months
 * and years, and timestamps before 1970. Expected instants are computed with libc timegm so
 * the test does not share the calendar code it checks.
 */
#include <time.h>

#include "harness.h"
#include "util/util.h"

#define NS INT64_C(1000000000)

static int64_t at(int y, int mo, int d, int h, int mi) {
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};
    return (int64_t)timegm(&tm) * NS;
}

static int floor_next(const char *freq, int64_t ts, int64_t want_floor, int64_t want_next) {
    oups_period p;
    int64_t f, n;
    if (oups_period_parse(&p, freq) < 0 || oups_period_floor(&f, &p, ts) < 0 || oups_period_next(&n, &p, f) < 0)
        return 0;
    if (f != want_floor || n != want_next) {
        fprintf(stderr, "  %s: floor %lld next %lld, expected %lld %lld\n", freq, (long long)f, (long long)n,
                (long long)want_floor, (long long)want_next);
        return 0;
    }
    return 1;
}

TEST(period_parse) {
    static const struct {
        const char *text;
        int64_t mult;
        oups_period_unit unit;
    } ok[] = {{"15min", 15, OUPS_PERIOD_MIN}, {"2h", 2, OUPS_PERIOD_H},      {"1h", 1, OUPS_PERIOD_H},
              {"H", 1, OUPS_PERIOD_H},        {"T", 1, OUPS_PERIOD_MIN},     {"D", 1, OUPS_PERIOD_D},
              {"2D", 2, OUPS_PERIOD_D},       {"W", 1, OUPS_PERIOD_W},       {"MS", 1, OUPS_PERIOD_MONTH_START},
              {"3MS", 3, OUPS_PERIOD_MONTH_START}, {"YS", 1, OUPS_PERIOD_YEAR_START}, {"10s", 10, OUPS_PERIOD_S},
              {"5ms", 5, OUPS_PERIOD_MS},     {"7us", 7, OUPS_PERIOD_US},    {"100ns", 100, OUPS_PERIOD_NS}};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        oups_period p;
        CHECK_OK(oups_period_parse(&p, ok[i].text));
        CHECK(p.multiple == ok[i].mult && p.unit == ok[i].unit);
    }
    static const char *const bad[] = {"", "0h", "h2", "2", "xyz", "2 h", "-1h", "99999999999999999999h", "ME"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        oups_period p;
        CHECK_RC(oups_period_parse(&p, bad[i]), OUPS_EINVAL);
        char want[64];
        snprintf(want, sizeof want, "'%s'", bad[i]);
        CHECK(strstr(oups_error_last(), want) != NULL); /* the message names the text */
    }
    oups_period p;
    CHECK_RC(oups_period_parse(&p, NULL), OUPS_EINVAL);
}

TEST(period_nanos) {
    oups_period p;
    int64_t n;
    CHECK_OK(oups_period_parse(&p, "2h"));
    CHECK_OK(oups_period_nanos(&n, &p));
    CHECK(n == 7200 * NS);
    CHECK_OK(oups_period_parse(&p, "W"));
    CHECK_OK(oups_period_nanos(&n, &p));
    CHECK(n == 7 * 86400 * NS);
    CHECK_OK(oups_period_parse(&p, "MS"));
    CHECK_RC(oups_period_nanos(&n, &p), OUPS_EINVAL);
    CHECK_OK(oups_period_parse(&p, "9999999999W"));
    CHECK_RC(oups_period_nanos(&n, &p), OUPS_EOVERFLOW);
}

TEST(period_spec_examples) {
    /* spec/store.md 4.6 */
    CHECK(floor_next("2h", at(2024, 5, 1, 10, 0), at(2024, 5, 1, 10, 0), at(2024, 5, 1, 12, 0)));
    CHECK(floor_next("2h", at(2024, 5, 1, 9, 59), at(2024, 5, 1, 8, 0), at(2024, 5, 1, 10, 0)));
    CHECK(floor_next("2h", at(2024, 5, 1, 7, 30), at(2024, 5, 1, 6, 0), at(2024, 5, 1, 8, 0)));
    CHECK(floor_next("MS", at(2024, 3, 1, 12, 0), at(2024, 3, 1, 0, 0), at(2024, 4, 1, 0, 0)));
    CHECK(floor_next("2D", at(2024, 1, 3, 5, 0), at(2024, 1, 2, 0, 0), at(2024, 1, 4, 0, 0)));
    CHECK(floor_next("W", at(2024, 1, 3, 0, 0), at(2023, 12, 31, 0, 0), at(2024, 1, 7, 0, 0)));
    /* more: a Sunday floors to itself, D, YS, month and year multiples, hours */
    CHECK(floor_next("W", at(2024, 1, 7, 23, 59), at(2024, 1, 7, 0, 0), at(2024, 1, 14, 0, 0)));
    CHECK(floor_next("D", at(2024, 2, 29, 23, 59) + 999, at(2024, 2, 29, 0, 0), at(2024, 3, 1, 0, 0)));
    CHECK(floor_next("YS", at(2024, 7, 4, 1, 2), at(2024, 1, 1, 0, 0), at(2025, 1, 1, 0, 0)));
    CHECK(floor_next("2YS", at(2025, 7, 4, 1, 2), at(2024, 1, 1, 0, 0), at(2026, 1, 1, 0, 0)));
    CHECK(floor_next("3MS", at(2024, 5, 31, 0, 0), at(2024, 4, 1, 0, 0), at(2024, 7, 1, 0, 0)));
    CHECK(floor_next("MS", at(2024, 12, 31, 23, 0), at(2024, 12, 1, 0, 0), at(2025, 1, 1, 0, 0)));
    CHECK(floor_next("h", at(2024, 1, 1, 0, 0) + 1, at(2024, 1, 1, 0, 0), at(2024, 1, 1, 1, 0)));
    CHECK(floor_next("15min", at(2024, 1, 1, 0, 44), at(2024, 1, 1, 0, 30), at(2024, 1, 1, 0, 45)));
    /* before the epoch: floors go down, not toward zero */
    CHECK(floor_next("D", -1, at(1969, 12, 31, 0, 0), 0));
    CHECK(floor_next("MS", at(1969, 12, 15, 0, 0), at(1969, 12, 1, 0, 0), 0));
    CHECK(floor_next("W", at(1970, 1, 1, 0, 0), at(1969, 12, 28, 0, 0), at(1970, 1, 4, 0, 0)));
}

TEST(period_next_overflow) {
    oups_period p;
    int64_t out;
    CHECK_OK(oups_period_parse(&p, "D"));
    CHECK_RC(oups_period_next(&out, &p, INT64_MAX - 10), OUPS_EOVERFLOW);
    p.multiple = 0;
    CHECK_RC(oups_period_floor(&out, &p, 0), OUPS_EINVAL);
    /* bins outside the int64 ns range are errors, not overflows (UBSan checks) */
    static const char *const freqs[] = {"D", "7D", "W", "MS", "YS", "5YS", "999999999999MS", "99999999999YS"};
    for (size_t i = 0; i < sizeof freqs / sizeof freqs[0]; i++) {
        CHECK_OK(oups_period_parse(&p, freqs[i]));
        CHECK_RC(oups_period_floor(&out, &p, INT64_MIN), OUPS_EOVERFLOW);
        CHECK(strstr(oups_error_last(), "range") != NULL);
        int rc = oups_period_floor(&out, &p, INT64_MAX);
        CHECK(rc == 0 || rc == OUPS_EOVERFLOW);
        if (rc == 0) CHECK_RC(oups_period_next(&out, &p, out), OUPS_EOVERFLOW);
    }
    CHECK_OK(oups_period_parse(&p, "MS"));
    CHECK_OK(oups_period_floor(&out, &p, INT64_MAX));
    CHECK(out == at(2262, 4, 1, 0, 0));
}

RUN_TESTS("util.period", period_parse, period_nanos, period_spec_examples, period_next_overflow)
