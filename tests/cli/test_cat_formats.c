// labels: quick
/*
 * tests/cli/test_cat_formats.c: `oups parquet cat --format table` (the box, alignment, nulls,
 * first and last rows of a long file with the total, -o written only when complete) and, when
 * the parquet-testing corpus is present, `cat` of a file that also has nested columns: its flat
 * columns are printed and the nested ones named on stderr (exit 0); the same for a file with
 * list and struct columns written by DuckDB (skipped without node / @duckdb/node-api).
 */
#include <stdarg.h>
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

CLIRUN_TESTS("cli.cat_formats", "cat", clirun_no_setup, table_box, table_box_of_a_long_file,
             flat_columns_of_a_partly_nested_file, flat_columns_of_a_duckdb_nested_file)
