// labels: quick
/*
 * tests/cli/test_cat_formats.c: `oups parquet cat --format table` (the box, alignment, nulls,
 * first and last rows of a long file with the total, -o written only when complete) and, when
 * the parquet-testing corpus is present, `cat` of a file that also has nested columns: its flat
 * columns are printed and the nested ones named on stderr (exit 0); the same for a file with
 * list and struct columns written by DuckDB (skipped without node / @duckdb/node-api); the
 * CSV text of floats and timestamps (written without printf) equals printf's shortest
 * round-trip %.Ng and ISO 8601 text, cell for cell, over random and edge values.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* gmtime_r */
#endif
#include <math.h>
#include <stdarg.h>
#include <time.h>
#include <unistd.h>

#include "cli_run.h"
#include "harness.h"
#include "oracle.h"
#include "parquet/reader_text.h"

TEST(table_box) {
    clirun_put_text("a.csv", "sym,px,note\nAAA,1.5,\nBB,-20.25,\"two\nlines\"\n");
    CHECK(clirun("parquet from-csv a.csv a.parquet") == 0);
    CHECK(clirun("parquet cat a.parquet --format table") == 0);
    const char *want = "┌────────┬─────────┬───────────┐\n"
                       "│  sym   │   px    │   note    │\n"
                       "│ string │ float64 │  string   │\n"
                       "├────────┼─────────┼───────────┤\n"
                       "│ AAA    │     1.5 │ null      │\n"
                       "│ BB     │  -20.25 │ two lines │\n"
                       "└────────┴─────────┴───────────┘\n"
                       "2 rows\n";
    CHECK(strcmp(clirun_text("out.txt"), want) == 0);
    CHECK(clirun("parquet cat a.parquet --format table -o box.txt") == 0);
    CHECK(strcmp(clirun_text("box.txt"), want) == 0);
    CHECK(clirun("parquet cat a.parquet --format box") == 2);
}

TEST(table_box_of_a_long_file) {
    char p[512];
    clirun_path(p, sizeof p, "n.csv");
    FILE *f = fopen(p, "wb");
    fputs("n\n", f);
    for (int i = 1; i <= 1000; i++) fprintf(f, "%d\n", i);
    fclose(f);
    CHECK(clirun("parquet from-csv n.csv n.parquet --row-group-size 64") == 0);
    CHECK(clirun("parquet cat n.parquet --format table") == 0);
    const char *out = clirun_text("out.txt");
    CHECK(strstr(out, "│    20 │\n│   ·   │\n│   981 │\n"));
    CHECK(strstr(out, "│  1000 │\n└───────┘\n1000 rows (40 shown)\n"));
    CHECK(!strstr(out, "│    21 │"));
    CHECK(clirun("parquet cat n.parquet --format table --limit 3") == 0);
    CHECK(strstr(clirun_text("out.txt"), "│     3 │\n└───────┘\n3 rows\n"));
}

/* What the CSV writer printed with printf alone: the shortest %.Ng (15..17) reading back the
 * same double, ".0" added to integral text. The oracle of csv_write.c's printf-free path. */
static void printf_float(char *buf, size_t cap, double v) {
    if (isnan(v)) snprintf(buf, cap, "nan");
    else if (isinf(v)) snprintf(buf, cap, v < 0 ? "-inf" : "inf");
    else {
        for (int prec = 15; prec <= 17; prec++) {
            snprintf(buf, cap, "%.*g", prec, v);
            if (strtod(buf, NULL) == v) break;
        }
        if (!strpbrk(buf, ".e")) strncat(buf, ".0", cap - strlen(buf) - 1);
    }
}

TEST(csv_numbers_equal_printf) {
    enum { N = 20000 };
    static double f[N];
    static int64_t ts[N], ms[N];
    uint64_t st = tests_seed() + 99;
    static const double edge[] = {0.0, -0.0, 1e-4, 9.9999e-5, 1e15, 999999999999999.0, 99999999999999.9, 0.1,
                                  -0.3, 1.0 / 3, 2.5e-300, 123456.78901234, 5e-5, 1e300, 100.57, -1e14};
    for (int i = 0; i < N; i++) {
        uint64_t r = test_rand(&st);
        if (i < (int)(sizeof edge / sizeof edge[0])) f[i] = edge[i];
        else if (i % 3 == 0) { /* any bit pattern but NaN/inf (printed the same either way) */
            memcpy(&f[i], &r, 8);
            if (!isfinite(f[i])) f[i] = (double)(r >> 11);
        } else { /* decimals with 0..9 places, as prices and sensors give */
            static const double p10[] = {1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
            f[i] = (double)(int64_t)((r >> 4) % 2000000000000 - 1000000000000) / p10[(r >> 60) % 10];
        }
        ts[i] = (int64_t)(r % UINT64_C(8000000000000000000)) - INT64_C(4000000000000000000); /* 1843..2096 */
        ms[i] = (int64_t)(test_rand(&st) % UINT64_C(400000000000000)) - INT64_C(62000000000000); /* 0005..14600 */
    }
    oups_datatype tf = oups_type(OUPS_TYPE_FLOAT64), tn = oups_type_timestamp(OUPS_UNIT_NS, "UTC"),
                  tm = oups_type_timestamp(OUPS_UNIT_MS, NULL);
    oups_column *c[3] = {NULL, NULL, NULL};
    oups_table *t = NULL;
    const char *names[] = {"f", "ts", "ms"};
    CHECK(oups_column_from_values(&c[0], &tf, f, N, NULL) == 0 && oups_column_from_values(&c[1], &tn, ts, N, NULL) == 0 &&
          oups_column_from_values(&c[2], &tm, ms, N, NULL) == 0 && oups_table_new(&t, 3, names, c) == 0);
    char p[512];
    clirun_path(p, sizeof p, "num.parquet");
    CHECK(oups_parquet_write(p, t, NULL) == 0);
    CHECK(clirun("parquet cat num.parquet -o num.csv") == 0);
    const char *text = clirun_text("num.csv");
    CHECK(strncmp(text, "f,ts,ms\n", 8) == 0);
    text += 8;
    int bad = 0;
    for (int i = 0; i < N && text && bad < 5; i++) {
        char want[256], fb[64], tsb[64], msb[64];
        printf_float(fb, sizeof fb, f[i]);
        for (int k = 0; k < 2; k++) { /* ISO 8601 by gmtime + printf */
            int64_t v = k ? ms[i] : ts[i], u = k ? 1000 : 1000000000;
            int64_t s = v / u, fr = v % u;
            if (fr < 0) fr += u, s--;
            time_t tt = (time_t)s;
            struct tm g;
            gmtime_r(&tt, &g);
            snprintf(k ? msb : tsb, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%0*lld%s", g.tm_year + 1900, g.tm_mon + 1,
                     g.tm_mday, g.tm_hour, g.tm_min, g.tm_sec, k ? 3 : 9, (long long)fr, k ? "" : "Z");
        }
        snprintf(want, sizeof want, "%s,%s,%s\n", fb, tsb, msb);
        if (strncmp(text, want, strlen(want)) != 0) {
            fprintf(stderr, "row %d: got %.*s want %s", i, (int)strcspn(text, "\n") + 1, text, want);
            bad++;
        }
        text = strchr(text, '\n');
        if (text) text++;
    }
    CHECK(bad == 0);
    oups_table_free(t);
    for (int k = 0; k < 3; k++) oups_column_release(c[k]);
}

TEST(flat_columns_of_a_partly_nested_file) {
    REQUIRE_CORPUS();
    CHECK(clirun("parquet cat %s/datapage_v2.snappy.parquet", corpus_dir()) == 0);
    CHECK(strncmp(clirun_text("out.txt"), "a,b,c,d\nabc,1,2.0,true\n", 23) == 0);
    CHECK(strstr(clirun_text("err.txt"), "skipping column 'e.list.element' (nested"));
    CHECK(clirun("parquet cat %s/null_list.parquet", corpus_dir()) == 1);
    CHECK(strstr(clirun_text("err.txt"), "no column can be read"));
}

/* The same without the corpus: a file with list and struct columns written by DuckDB. */
TEST(flat_columns_of_a_duckdb_nested_file) {
    char p[512], sql[1024];
    clirun_path(p, sizeof p, "nested.parquet");
    snprintf(sql, sizeof sql, "COPY (SELECT i AS id, [i, i + 1] AS l, {'x': i} AS st, 'r' || i AS name FROM range(3) "
             "t(i)) TO '%s' (FORMAT parquet)", p);
    char *ok = oracle_duckdb(sql);
    if (!ok) {
        fprintf(stderr, "  node or @duckdb/node-api not found: nested file not written, test skipped\n");
        return;
    }
    free(ok);
    CHECK(clirun("parquet cat nested.parquet") == 0);
    CHECK(clirun_same("out.txt", "id,name\n0,r0\n1,r1\n2,r2\n"));
    CHECK(strstr(clirun_text("err.txt"), "skipping column 'l.list.element' (nested"));
    CHECK(strstr(clirun_text("err.txt"), "skipping column 'st.x' (nested"));
    CHECK(clirun("parquet cat nested.parquet --columns name --format jsonl") == 0);
    CHECK(clirun_same("out.txt", "{\"name\":\"r0\"}\n{\"name\":\"r1\"}\n{\"name\":\"r2\"}\n"));
}

CLIRUN_TESTS("cli.cat_formats", "cat", clirun_no_setup, table_box, table_box_of_a_long_file, csv_numbers_equal_printf,
             flat_columns_of_a_partly_nested_file, flat_columns_of_a_duckdb_nested_file)
