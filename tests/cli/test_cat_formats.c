// labels: quick
/*
 * tests/cli/test_cat_formats.c: `oups parquet cat --format table` (the box, alignment, nulls,
 * first and last rows of a long file with the total, -o written only when complete) and, when
 * the parquet-testing corpus is present, `cat` of a file that also has nested columns: its flat
 * columns are printed and the nested ones named on stderr (exit 0).
 */
#include <stdarg.h>
#include <unistd.h>

#include "cli_run.h"
#include "harness.h"
#include "parquet/reader_text.h"

static char dir[64];

static int run(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int rc = cli_run_in(dir, "", fmt, ap);
    va_end(ap);
    return rc;
}

static const char *text_of(const char *name) {
    static char buf[1 << 16];
    char p[256];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    buf[0] = '\0';
    FILE *f = fopen(p, "rb");
    if (!f) return buf;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void put(const char *name, const char *text) {
    char p[256];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    fputs(text, f);
    fclose(f);
}

TEST(table_box) {
    put("a.csv", "sym,px,note\nAAA,1.5,\nBB,-20.25,\"two\nlines\"\n");
    CHECK(run("parquet from-csv a.csv a.parquet") == 0);
    CHECK(run("parquet cat a.parquet --format table") == 0);
    const char *want = "┌────────┬─────────┬───────────┐\n"
                       "│  sym   │   px    │   note    │\n"
                       "│ string │ float64 │  string   │\n"
                       "├────────┼─────────┼───────────┤\n"
                       "│ AAA    │     1.5 │ null      │\n"
                       "│ BB     │  -20.25 │ two lines │\n"
                       "└────────┴─────────┴───────────┘\n"
                       "2 rows\n";
    CHECK(strcmp(text_of("out.txt"), want) == 0);
    CHECK(run("parquet cat a.parquet --format table -o box.txt") == 0);
    CHECK(strcmp(text_of("box.txt"), want) == 0);
    CHECK(run("parquet cat a.parquet --format box") == 2);
}

TEST(table_box_of_a_long_file) {
    char p[256];
    snprintf(p, sizeof p, "%s/n.csv", dir);
    FILE *f = fopen(p, "wb");
    fputs("n\n", f);
    for (int i = 1; i <= 1000; i++) fprintf(f, "%d\n", i);
    fclose(f);
    CHECK(run("parquet from-csv n.csv n.parquet --row-group-size 64") == 0);
    CHECK(run("parquet cat n.parquet --format table") == 0);
    const char *out = text_of("out.txt");
    CHECK(strstr(out, "│    20 │\n│   ·   │\n│   981 │\n"));
    CHECK(strstr(out, "│  1000 │\n└───────┘\n1000 rows (40 shown)\n"));
    CHECK(!strstr(out, "│    21 │"));
    CHECK(run("parquet cat n.parquet --format table --limit 3") == 0);
    CHECK(strstr(text_of("out.txt"), "│     3 │\n└───────┘\n3 rows\n"));
}

TEST(flat_columns_of_a_partly_nested_file) {
    REQUIRE_CORPUS();
    CHECK(run("parquet cat %s/datapage_v2.snappy.parquet", corpus_dir()) == 0);
    CHECK(strncmp(text_of("out.txt"), "a,b,c,d\nabc,1,2.0,true\n", 23) == 0);
    CHECK(strstr(text_of("err.txt"), "skipping column 'e.list.element' (nested"));
    CHECK(run("parquet cat %s/null_list.parquet", corpus_dir()) == 1);
    CHECK(strstr(text_of("err.txt"), "no column can be read"));
}

int main(int argc, char **argv) {
    snprintf(dir, sizeof dir, "/tmp/oups-cat-XXXXXX");
    if (!mkdtemp(dir)) return 1;
    static const test_fn fns[] = {table_box, table_box_of_a_long_file, flat_columns_of_a_partly_nested_file};
    static const char *names[] = {"table_box", "table_box_of_a_long_file", "flat_columns_of_a_partly_nested_file"};
    int rc = test_run("cli.cat_formats", argc, argv, names, fns, 3);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) rc = 1;
    return rc;
}
