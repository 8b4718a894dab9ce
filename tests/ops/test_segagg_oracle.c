// labels: oracle
/*
 * tests/ops/test_segagg_oracle.c: the segmented aggregator's time-grid bins against pandas
 * `df.resample(freq, closed, label, origin, offset).agg(first, last, min, max, sum, count,
 * mean)` (tests/ops/segagg_pandas.py) on random data with duplicate keys and nulls, for every
 * closed x label x origin (epoch, start_day, start, a timestamp) combination, with offsets and
 * periods that do and do not divide a day. Documented differences, applied to pandas' side:
 * an empty bin (no row) is null in every column (pandas: sum 0, count 0).
 */
#include <unistd.h>

#include "segagg_fixtures.h"

static const char *python(void) { return access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3"; }

static const char *const FN[] = {"first", "last", "min", "max", "sum", "count", "mean"};
static const char *const ORIGINS[] = {"epoch", "start_day", "start", "value"};

typedef struct ocase {
    int64_t freq, offset, origin_ns;
    int closed_right, label_right, origin;
    int64_t n;
    int64_t *ts, *iv;
    double *x;
} ocase;

static int gen_case(ocase *c, uint64_t *st, const char *path) {
    static const int64_t freqs[] = {60, 300, 420, 780, 3600, 90};
    c->freq = freqs[test_rand(st) % 6] * INT64_C(1000000000);
    c->offset = (int64_t)(test_rand(st) % 3) * 60 * INT64_C(1000000000);
    c->n = 1 + (int64_t)(test_rand(st) % 200);
    c->ts = malloc(sizeof *c->ts * (size_t)c->n);
    c->iv = malloc(sizeof *c->iv * (size_t)c->n);
    c->x = malloc(sizeof *c->x * (size_t)c->n);
    int64_t t = HM(0, 0) + (int64_t)(test_rand(st) % (86400 * 3)) * INT64_C(1000000000);
    c->origin_ns = t - (int64_t)(test_rand(st) % 100000) * INT64_C(1000000000);
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    char origin[32];
    if (c->origin == 3) snprintf(origin, sizeof origin, "%lld", (long long)c->origin_ns);
    else snprintf(origin, sizeof origin, "%s", ORIGINS[c->origin]);
    fprintf(f, "%lld %s %s %s %lld\n", (long long)c->freq, c->closed_right ? "right" : "left",
            c->label_right ? "right" : "left", origin, (long long)c->offset);
    for (int64_t i = 0; i < c->n; i++) {
        uint64_t r = test_rand(st);
        t += r % 5 == 0 ? 0 : (int64_t)(r % 600) * INT64_C(1000000000) * (1 + (int64_t)(r % 3 == 0) * 10);
        c->ts[i] = t;
        c->x[i] = (r >> 10) % 7 == 0 ? NAN : (double)((int64_t)((r >> 16) % 20000) - 10000) / 8.0;
        c->iv[i] = (int64_t)((r >> 32) % 1000000) - 500000;
        if (isnan(c->x[i])) fprintf(f, "%lld nan %lld\n", (long long)t, (long long)c->iv[i]);
        else fprintf(f, "%lld %.17g %lld\n", (long long)t, c->x[i], (long long)c->iv[i]);
    }
    return fclose(f) == 0 ? 0 : -1;
}

/* Our one-shot bins for the case. */
static int ours(oups_table **out, const ocase *c) {
    oups_segagg_agg aggs[14];
    char names[14][16];
    for (int k = 0; k < 14; k++) {
        snprintf(names[k], sizeof names[k], "%s_%s", k < 7 ? "x" : "i", FN[k % 7]);
        aggs[k] = (oups_segagg_agg){names[k], k < 7 ? "x" : "i", (oups_segagg_func)(k % 7)};
    }
    oups_segagg_options o = OUPS_SEGAGG_OPTIONS_INIT;
    o.ordered_on = "ts";
    o.bin_by.kind = OUPS_SEG_TIME;
    o.bin_by.freq_ns = c->freq;
    o.bin_by.closed_right = c->closed_right;
    o.bin_by.label_right = c->label_right;
    o.bin_by.origin = (oups_seg_origin)c->origin;
    o.bin_by.origin_ns = c->origin_ns;
    o.bin_by.offset_ns = c->offset;
    o.aggs = aggs;
    o.n_aggs = 14;
    const char *cn[] = {"ts", "x", "i"};
    oups_column *cols[] = {col_ts(c->ts, c->n), col_f64(c->x, c->n), col_i64(c->iv, c->n)};
    oups_table *t = sa_table(3, cn, cols);
    oups_segagg *a = NULL;
    int rc = oups_segagg_new(&a, &o);
    if (rc == 0) rc = oups_segagg_process(out, NULL, a, t);
    oups_segagg_free(a);
    oups_table_free(t);
    return rc;
}

static bool close_enough(double a, double b) { return a == b || fabs(a - b) <= 1e-9 * (1 + fabs(a) + fabs(b)); }

/* Compare one case with pandas' lines read from p. */
static int verify(const ocase *c, FILE *p) {
    oups_table *b = NULL;
    if (ours(&b, c) < 0) {
        fprintf(stderr, "  ours failed: %s\n", oups_error_last());
        return 0;
    }
    int ok = 1;
    int64_t row = 0, nb = oups_table_num_rows(b);
    char line[4096];
    while (fgets(line, sizeof line, p) && line[0] != '#') {
        long long label, size;
        double v[14];
        char *s = line;
        int used = 0;
        if (sscanf(s, "%lld %lld%n", &label, &size, &used) != 2) return 0;
        s += used;
        for (int k = 0; k < 14; k++) {
            v[k] = strtod(s, &s);
            if (size == 0) v[k] = NAN; /* empty bin: null everywhere (pandas: sum 0, count 0) */
        }
        if (!ok) continue;
        if (row >= nb) {
            fprintf(stderr, "  pandas has more bins than ours (%lld)\n", (long long)nb);
            ok = 0;
            continue;
        }
        oups_scalar l;
        oups_column_get_scalar(&l, oups_table_column(b, 0), row);
        if (l.v.i != label) {
            fprintf(stderr, "  bin %lld: label %lld, pandas %lld\n", (long long)row, (long long)l.v.i, label);
            ok = 0;
        }
        for (int k = 0; k < 14 && ok; k++) {
            oups_scalar s1;
            oups_column_get_scalar(&s1, oups_table_column(b, 1 + k), row);
            double got = s1.is_null ? NAN
                         : s1.type.id == OUPS_TYPE_FLOAT64 ? s1.v.f
                                                           : (double)s1.v.i;
            if (isnan(got) != isnan(v[k]) || (!isnan(got) && !close_enough(got, v[k]))) {
                fprintf(stderr, "  bin %lld (label %lld, %lld rows) %s_%s: %.17g, pandas %.17g\n", (long long)row, label,
                        size, k < 7 ? "x" : "i", FN[k % 7], got, v[k]);
                ok = 0;
            }
        }
        row++;
    }
    if (ok && row != nb) {
        fprintf(stderr, "  %lld bins, pandas %lld\n", (long long)nb, (long long)row);
        ok = 0;
    }
    if (!ok)
        fprintf(stderr, "  case: freq %llds closed %s label %s origin %s offset %llds, %lld rows\n",
                (long long)(c->freq / 1000000000), c->closed_right ? "right" : "left", c->label_right ? "right" : "left",
                ORIGINS[c->origin], (long long)(c->offset / 1000000000), (long long)c->n);
    oups_table_free(b);
    return ok;
}

enum { N_CASES = 48 };

TEST(pandas_resample) {
    uint64_t rng = tests_seed() + 99;
    char tmp[] = "/tmp/oups_segagg_oracle_XXXXXX", cmd[16384];
    CHECK(mkdtemp(tmp) != NULL);
    static ocase cases[N_CASES];
    size_t len = (size_t)snprintf(cmd, sizeof cmd, "%s %s/tests/ops/segagg_pandas.py", python(), OUPS_SOURCE_DIR);
    int ok = 1;
    for (int k = 0; k < N_CASES && ok; k++) { /* every closed x label x origin, 3 times */
        ocase *c = &cases[k];
        memset(c, 0, sizeof *c);
        c->closed_right = k % 2;
        c->label_right = (k / 2) % 2;
        c->origin = (k / 4) % 4;
        char path[128];
        snprintf(path, sizeof path, "%s/in%d.txt", tmp, k);
        ok = gen_case(c, &rng, path) == 0;
        len += (size_t)snprintf(cmd + len, sizeof cmd - len, " %s", path);
    }
    FILE *p = ok ? popen(cmd, "r") : NULL;
    ok = p != NULL;
    for (int k = 0; k < N_CASES && ok; k++) ok = verify(&cases[k], p);
    if (p && pclose(p) != 0 && ok) {
        fprintf(stderr, "  the pandas oracle failed (%s)\n", cmd);
        ok = 0;
    }
    for (int k = 0; k < N_CASES; k++) {
        free(cases[k].ts);
        free(cases[k].iv);
        free(cases[k].x);
    }
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
    if (system(cmd) != 0) ok = 0;
    CHECK(ok);
}

RUN_TESTS("ops.segagg_oracle", pandas_resample)
