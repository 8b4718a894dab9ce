// labels: quick
/*
 * tests/cli/test_exit_codes.c: the exit status convention of every `oups` command and
 * subcommand: a bad option value, an unknown option or a missing required argument exits 2
 * with exactly one "oups: ..." line on stderr (naming the option or what is missing); a runtime
 * error (missing or corrupt input file, no such dataset) exits 1 with one line naming the
 * input; --help exits 0. Each row of the tables below is one invocation.
 */
#include "cli_run.h"
#include "harness.h"

typedef struct row {
    int rc;             /* expected exit status */
    const char *args;   /* after "oups " */
    const char *needle; /* in the single stderr line */
} row;

static int setup(void) {
    clirun_put_text("a.csv", "ts,v\n2024-01-02T09:00:00Z,1.5\n2024-01-02T09:00:01Z,2.5\n");
    clirun_put_text("t.csv", "ts,p\n2024-01-02T08:59:59Z,10\n");
    int rc = clirun("parquet from-csv a.csv a.parquet");
    if (rc == 0) rc = clirun_sh("head -c 100 a.parquet > corrupt.parquet");
    if (rc == 0) rc = clirun("store write ds --ordered-on ts a.csv");
    return rc;
}

static int check_rows(const row *rows, size_t n) {
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        int rc = clirun("%s", rows[i].args);
        if (rc != rows[i].rc || !clirun_one_error_line(rows[i].needle)) {
            fprintf(stderr, "  oups %s: exit %d, expected %d\n", rows[i].args, rc, rows[i].rc);
            bad++;
        }
    }
    return bad;
}

TEST(parquet_commands) {
    static const row rows[] = {
        {2, "parquet bogus", "unknown command 'bogus'"},
        {2, "parquet schema", "expected one FILE"},
        {2, "parquet schema --bogus a.parquet", "'--bogus'"},
        {1, "parquet schema missing.parquet", "missing.parquet"},
        {1, "parquet schema corrupt.parquet", "corrupt.parquet"},
        {2, "parquet meta", "expected one FILE"},
        {2, "parquet meta -x a.parquet", "'-x'"},
        {1, "parquet meta corrupt.parquet", "corrupt.parquet"},
        {2, "parquet cat", "expected at least one INPUT"},
        {2, "parquet cat a.parquet --limit x", "bad value 'x' for --limit"},
        {2, "parquet cat a.parquet --limit -1", "bad value '-1' for --limit"},
        {2, "parquet cat a.parquet --format xml", "bad value 'xml' for --format"},
        {2, "parquet cat a.parquet --row-groups 0,x", "bad value '0,x' for --row-groups"},
        {2, "parquet cat a.csv --delimiter ab", "--delimiter"},
        {2, "parquet cat a.csv --schema ts:nosuch", "unknown type 'nosuch'"},
        {2, "parquet cat a.parquet --bogus", "'--bogus'"},
        {2, "parquet cat a.parquet --limit", "'--limit'"},
        {1, "parquet cat missing.parquet", "missing.parquet"},
        {1, "parquet cat corrupt.parquet", "corrupt.parquet"},
        {1, "parquet cat a.parquet --row-groups 5", "row group 5 does not exist"},
        {2, "parquet copy a.parquet", "expected IN and OUT"},
        {2, "parquet copy a.parquet o.parquet --row-group-size 0", "bad value '0' for --row-group-size"},
        {2, "parquet copy a.parquet o.parquet --compression foo", "bad value 'foo' for --compression"},
        {2, "parquet copy a.parquet o.parquet --page-version 3", "bad value '3' for --page-version"},
        {2, "parquet copy a.parquet o.parquet --encoding zz", "bad value 'zz' for --encoding"},
        {2, "parquet copy a.parquet o.parquet --threads x", "bad value 'x' for --threads"},
        {2, "parquet copy a.parquet o.parquet --bogus", "'--bogus'"},
        {1, "parquet copy missing.parquet o.parquet", "missing.parquet"},
        {1, "parquet copy corrupt.parquet o.parquet", "corrupt.parquet"},
        {2, "parquet from-csv a.csv", "expected IN and OUT.parquet"},
        {2, "parquet from-csv a.csv o.parquet --schema 'ts'", "--schema"},
        {2, "parquet from-csv a.csv o.parquet --row-group-size x", "bad value 'x' for --row-group-size"},
        {2, "parquet from-csv a.csv o.parquet --delimiter ''", "--delimiter"},
        {1, "parquet from-csv missing.csv o.parquet", "missing.csv"},
    };
    /* "oups parquet" alone prints the usage on stderr: several lines, checked apart */
    CHECK(clirun("parquet") == 2);
    char *t = clirun_slurp("err.txt", NULL);
    CHECK(t && !strncmp(t, "usage: oups parquet", 19));
    free(t);
    CHECK(check_rows(rows, sizeof rows / sizeof *rows) == 0);
    CHECK(!clirun_exists("o.parquet"));
}

TEST(store_commands) {
    static const row rows[] = {
        {2, "store bogus", "unknown command 'bogus'"},
        {2, "store write", "expected DATASET and INPUT"},
        {2, "store write ds2 a.csv", "--ordered-on"},
        {2, "store write ds2 --ordered-on ts a.csv --bogus", "'--bogus'"},
        {1, "store write ds2 --ordered-on ts missing.csv", "missing.csv"},
        {2, "store write ds2 --ordered-on ts --row-group-size 0 a.csv", "bad value '0' for --row-group-size"},
        {2, "store write ds2 --ordered-on ts --max-n-off-target-rgs x a.csv", "bad value 'x' for --max-n-off-target-rgs"},
        {2, "store write ds2 --ordered-on ts --compression foo a.csv", "bad value 'foo' for --compression"},
        {2, "store read ds --limit x", "bad value 'x' for --limit"},
        {2, "store read ds --lock-timeout x", "bad value 'x' for --lock-timeout"},
        {2, "store read", "expected one DATASET"},
        {2, "store read ds --bogus", "'--bogus'"},
        {1, "store read nods", "nods"},
        {2, "store info", "expected one DATASET"},
        {2, "store info ds --bogus", "'--bogus'"},
        {1, "store info nods", "nods"},
        {2, "store check", "expected one DATASET"},
        {1, "store check nods", "nods"},
        {2, "store keys", "expected one ROOT"},
        {2, "store keys . ", "--schema is required"},
        {2, "store rm", "expected one DATASET"},
        {1, "store rm nods", "nods"},
    };
    CHECK(check_rows(rows, sizeof rows / sizeof *rows) == 0);
}

TEST(asof_and_agg) {
    static const row rows[] = {
        {2, "asof", "--on COL is required"},
        {2, "asof --bogus", "'--bogus'"},
        {2, "asof --on ts --main a.csv t.csv --n-prev x", "--n-prev"},
        {2, "asof --on ts --main a.csv t.csv --tolerance 1x", "--tolerance"},
        {2, "asof --on ts --main a.csv t.csv --direction x", "--direction"},
        {2, "asof --on ts --main a.csv t.csv --fill x", "--fill"},
        {2, "asof --on ts --main a.csv t.csv --format x", "--format"},
        {1, "asof --on ts --main missing.csv t.csv", "missing.csv"},
        {1, "asof --on ts --main corrupt.parquet t.csv", "corrupt.parquet"},
        {2, "agg", "input"},
        {2, "agg --bogus", "'--bogus'"},
        {2, "agg a.csv --ordered-on ts --bin-by x --agg n=sum:v", "--bin-by"},
        {2, "agg a.csv --ordered-on ts --bin-by rows:0 --agg n=sum:v", "--bin-by"},
        {2, "agg a.csv --ordered-on ts --bin-by 1s --agg n=bogus:v", "--agg"},
        {2, "agg a.csv --ordered-on ts --bin-by 1s --agg n=sum:v --closed x", "--closed"},
        {2, "agg a.csv --ordered-on ts --bin-by 1s --agg n=sum:v --format x", "--format"},
        {2, "agg --input - --ordered-on ts --bin-by 1s --agg n=sum:v --chunk-rows 0", "--chunk-rows"},
        {2, "agg --input - --ordered-on ts --bin-by 1s --agg n=sum:v --chunk-seconds x", "--chunk-seconds"},
        {1, "agg missing.csv --ordered-on ts --bin-by 1s --agg n=sum:v", "missing.csv"},
    };
    CHECK(check_rows(rows, sizeof rows / sizeof *rows) == 0);
}

TEST(top_level_and_help) {
    CHECK(clirun("bogus") == 2);
    CHECK(clirun_one_error_line("unknown command 'bogus'"));
    CHECK(clirun("%s", "") == 2); /* no command: the usage */
    static const char *const helps[] = {"--help", "parquet --help", "parquet schema --help", "parquet meta --help",
                                        "parquet cat --help", "parquet copy --help", "parquet from-csv --help",
                                        "store --help", "store write --help", "store read --help", "store info --help",
                                        "store check --help", "store keys --help", "store rm --help", "asof --help",
                                        "agg --help"};
    for (size_t i = 0; i < sizeof helps / sizeof *helps; i++) {
        int rc = clirun("%s", helps[i]);
        if (rc != 0) fprintf(stderr, "  oups %s: exit %d\n", helps[i], rc);
        CHECK(rc == 0);
        CHECK(clirun_same("err.txt", ""));
    }
}

CLIRUN_TESTS("cli.exit_codes", "exit-codes", setup, parquet_commands, store_commands, asof_and_agg, top_level_and_help)
