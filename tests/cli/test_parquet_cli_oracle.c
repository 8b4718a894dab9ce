// labels: oracle
/*
 * tests/cli/test_parquet_cli_oracle.c: files made by `oups parquet from-csv` / `copy` with
 * every writable codec and both page versions are read by DuckDB (tests/oracle/duckdb.mjs),
 * which must see the same rows: counts, sums, the exact strings, nulls and timestamps.
 */
#include <sys/wait.h>

#include "harness.h"

static char tmpdir[64];

static int sh(const char *cmd) {
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Run DuckDB on `sql` and return its CSV output (static buffer). */
static const char *duckdb(const char *sql) {
    static char out[8192];
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "node %s/tests/oracle/duckdb.mjs \"%s\"", OUPS_SOURCE_DIR, sql);
    FILE *p = popen(cmd, "r");
    size_t n = p ? fread(out, 1, sizeof out - 1, p) : 0;
    out[n] = '\0';
    if (p) pclose(p);
    return out;
}

TEST(duckdb_reads_every_codec) {
    snprintf(tmpdir, sizeof tmpdir, "/tmp/oups_clio_XXXXXX");
    CHECK(mkdtemp(tmpdir) != NULL);
    char path[256], cmd[1024];
    snprintf(path, sizeof path, "%s/in.csv", tmpdir);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    fprintf(f, "ts,qty,sym\n");
    uint64_t st = tests_seed();
    int64_t sum = 0, nulls = 0;
    const int rows = 3000;
    for (int i = 0; i < rows; i++) {
        int64_t q = (int64_t)(test_rand(&st) % 100000) - 50000;
        if (i % 7 == 3) {
            fprintf(f, "2024-05-01T00:00:%02d.%03dZ,,s%d\n", i % 60, i % 1000, i % 5);
            nulls++;
        } else {
            fprintf(f, "2024-05-01T00:00:%02d.%03dZ,%lld,s%d\n", i % 60, i % 1000, (long long)q, i % 5);
            sum += q;
        }
    }
    fclose(f);
    char want[512];
    snprintf(want, sizeof want,
             "n,total,valid,syms,first\n"
             "%d,%lld,%lld,s0|s1|s2|s3|s4,2024-05-01T00:00:00.000Z\n",
             rows, (long long)sum, (long long)(rows - nulls));
    const char *codecs[] = {"none", "snappy", "gzip", "zstd:5", "lz4_raw", "brotli"};
    for (int i = 0; i < 6; i++) {
        snprintf(cmd, sizeof cmd,
                 "cd %s && %s/oups parquet from-csv in.csv a.parquet --row-group-size 1000 && "
                 "%s/oups parquet copy a.parquet b.parquet --compression %s --page-version %d",
                 tmpdir, OUPS_BINARY_DIR, OUPS_BINARY_DIR, codecs[i], 1 + i % 2);
        CHECK(sh(cmd) == 0);
        char sql[512];
        snprintf(sql, sizeof sql,
                 "SELECT count(*) AS n, sum(qty) AS total, count(qty) AS valid, "
                 "string_agg(DISTINCT sym, '|' ORDER BY sym) AS syms, min(ts) AS first "
                 "FROM '%s/b.parquet'",
                 tmpdir);
        const char *got = duckdb(sql);
        if (strcmp(got, want)) fprintf(stderr, "  codec %s:\n  got  %s  want %s", codecs[i], got, want);
        CHECK(strcmp(got, want) == 0);
    }
}

/* Last case, so the directory goes even when a check above failed. */
TEST(cleanup) {
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (tmpdir[0]) CHECK(sh(cmd) == 0);
}

RUN_TESTS("cli.parquet_cli_oracle", duckdb_reads_every_codec, cleanup)
