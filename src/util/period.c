/*
 * util/period.c: the one parser and calendar arithmetic for time periods and frequencies
 * used everywhere in oups (store row-group periods, segment bins, CLI --row-group-size).
 * Semantics follow the reference library's store (row-group target periods): fixed periods floor to multiples counted from the
 * epoch; W to the preceding-or-same Sunday; MS / YS to the first day of month / year.
 */
#include <ctype.h>
#include <stdlib.h>

#include "util/util.h"

#define NS_PER_DAY INT64_C(86400000000000)

static const struct {
    const char *name;
    oups_period_unit unit;
} units[] = {
    {"ns", OUPS_PERIOD_NS}, {"us", OUPS_PERIOD_US},  {"ms", OUPS_PERIOD_MS},
    {"s", OUPS_PERIOD_S},   {"min", OUPS_PERIOD_MIN}, {"T", OUPS_PERIOD_MIN},
    {"h", OUPS_PERIOD_H},   {"H", OUPS_PERIOD_H},    {"D", OUPS_PERIOD_D},
    {"W", OUPS_PERIOD_W},   {"MS", OUPS_PERIOD_MONTH_START}, {"YS", OUPS_PERIOD_YEAR_START},
};

int oups_period_parse(oups_period *out, const char *text) {
    if (!out || !text) return oups_error_set(OUPS_EINVAL, "period: NULL argument");
    const char *p = text;
    int64_t mult = 1;
    if (isdigit((unsigned char)*p)) {
        mult = 0;
        while (isdigit((unsigned char)*p)) {
            if (mult > INT64_MAX / 10 - 9) return oups_error_set(OUPS_EINVAL, "period '%s': multiple too large", text);
            mult = mult * 10 + (*p++ - '0');
        }
        if (mult == 0) return oups_error_set(OUPS_EINVAL, "period '%s': multiple must be >= 1", text);
    }
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strcmp(p, units[i].name) == 0) {
            out->multiple = mult;
            out->unit = units[i].unit;
            return 0;
        }
    return oups_error_set(OUPS_EINVAL,
                          "period '%s': unknown unit (expected [N]ns|us|ms|s|min|T|h|H|D|W|MS|YS)", text);
}

int oups_period_nanos(int64_t *out, const oups_period *p) {
    static const int64_t base[] = {1, 1000, 1000000, 1000000000, INT64_C(60000000000),
                                   INT64_C(3600000000000), NS_PER_DAY, 7 * NS_PER_DAY};
    if (p->unit > OUPS_PERIOD_W || p->multiple < 1)
        return oups_error_set(OUPS_EINVAL, "period has no fixed length (MS/YS)");
    if (p->multiple > INT64_MAX / base[p->unit]) return oups_error_set(OUPS_EOVERFLOW, "period too long");
    *out = p->multiple * base[p->unit];
    return 0;
}

static int64_t floor_div(int64_t a, int64_t b) {
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/* Civil-from-days and days-from-civil (proleptic Gregorian), Howard Hinnant's algorithms
 * as published in his "chrono-compatible low-level date algorithms" paper. */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d) {
    z += 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int64_t days_from_civil(int64_t y, int m, int d) {
    y -= m <= 2;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Bins beyond the int64 nanosecond range (about 1677-09-21 .. 2262-04-11) are reported,
 * never computed with overflowing (undefined) arithmetic. */
static int out_of_range(void) {
    return oups_error_set(OUPS_EOVERFLOW, "period bin outside the timestamp range (years 1677..2262)");
}

/* *out = q * len + add, or OUPS_EOVERFLOW. */
static int mul_add(int64_t *out, int64_t q, int64_t len, int64_t add) {
    int64_t v;
    if (__builtin_mul_overflow(q, len, &v) || __builtin_add_overflow(v, add, out)) return out_of_range();
    return 0;
}

/* First instant of month `months` counted from 1970-01 (may be negative). */
static int month_start(int64_t *out, int64_t months) {
    if (months < -INT64_C(12) * 400000 || months > INT64_C(12) * 400000) return out_of_range();
    int64_t y = 1970 + floor_div(months, 12);
    int m = (int)(months - floor_div(months, 12) * 12) + 1;
    return mul_add(out, days_from_civil(y, m, 1), NS_PER_DAY, 0);
}

int oups_period_floor(int64_t *out, const oups_period *p, int64_t ts) {
    if (p->multiple < 1) return oups_error_set(OUPS_EINVAL, "period multiple must be >= 1");
    if (p->unit == OUPS_PERIOD_W) {
        int64_t len;
        OUPS_TRY(oups_period_nanos(&len, p));
        int64_t origin = 3 * NS_PER_DAY; /* Sunday 1970-01-04 */
        if (ts < INT64_MIN + origin) return out_of_range();
        return mul_add(out, floor_div(ts - origin, len), len, origin);
    }
    if (p->unit <= OUPS_PERIOD_D) {
        int64_t len;
        OUPS_TRY(oups_period_nanos(&len, p));
        return mul_add(out, floor_div(ts, len), len, 0);
    }
    int64_t y;
    int m, d;
    civil_from_days(floor_div(ts, NS_PER_DAY), &y, &m, &d);
    int64_t months = (y - 1970) * 12 + (m - 1), step = p->multiple;
    if (p->unit == OUPS_PERIOD_YEAR_START) {
        if (step > INT64_MAX / 12) return out_of_range();
        step *= 12;
    }
    int64_t first; /* first month of the bin: multiples of `step` months from 1970-01 */
    if (__builtin_mul_overflow(floor_div(months, step), step, &first)) return out_of_range();
    return month_start(out, first);
}

int oups_period_next(int64_t *out, const oups_period *p, int64_t start) {
    if (p->unit <= OUPS_PERIOD_W) {
        int64_t len;
        OUPS_TRY(oups_period_nanos(&len, p));
        if (start > INT64_MAX - len) return oups_error_set(OUPS_EOVERFLOW, "period end past year 2262");
        *out = start + len;
        return 0;
    }
    if (p->multiple < 1 || p->multiple > INT64_MAX / 12) return oups_error_set(OUPS_EINVAL, "bad period multiple");
    int64_t y;
    int m, d;
    civil_from_days(floor_div(start, NS_PER_DAY), &y, &m, &d);
    int64_t months = (y - 1970) * 12 + (m - 1), step = p->unit == OUPS_PERIOD_MONTH_START ? p->multiple : 12 * p->multiple;
    if (__builtin_add_overflow(months, step, &months)) return out_of_range();
    return month_start(out, months);
}
