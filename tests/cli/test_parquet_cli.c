// labels: quick
/*
 * tests/cli/test_parquet_cli.c: `oups parquet ...` end to end, running the built binary
 * (OUPS_BINARY_DIR "/oups") on files in a temporary directory: from-csv -> cat round trips
 * (types, quoting, nulls, timestamps), --schema types, JSONL, cat selections, copy with writer
 * options and its row groups (input ones under 100,000 rows gathered up to 262,144, none split), -o, stdin, every --help, and errors (exit codes, one "oups: ..." line naming the
 * line/column/file).
 */
#include <stdarg.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli_run.h"
#include "harness.h"

static const char *tmp_path(const char *name) {
    static char buf[8][512];
    static int k;
    char *b = buf[k++ % 8];
    clirun_path(b, 512, name);
    return b;
}

static const char *mixed_csv =
    "ts,price,qty,flag,name,note\n"
    "2024-01-01T00:00:00Z,1.5,10,true,abc,\"x,y\"\n"
    "2024-01-01 00:00:01.123456789+01:00,2,-3,false,\"he said \"\"hi\"\"\",\n"
    "2024-01-02,1e10,,TRUE,,\"\"\n"
    "2024-01-02T03:04:05.5,0.1,9223372036854775807,false,\"two\nlines\",plain\n";

static const char *mixed_expected =
    "ts,price,qty,flag,name,note\n"
    "2024-01-01T00:00:00.000000000,1.5,10,true,abc,\"x,y\"\n"
    "2023-12-31T23:00:01.123456789,2.0,-3,false,\"he said \"\"hi\"\"\",\n"
    "2024-01-02T00:00:00.000000000,10000000000.0,,true,,\"\"\n"
    "2024-01-02T03:04:05.500000000,0.1,9223372036854775807,false,\"two\nlines\",plain\n";

TEST(from_csv_cat_roundtrip) {
    clirun_put_text("m.csv", mixed_csv);
    CHECK(clirun("parquet from-csv m.csv m.parquet") == 0);
    CHECK(clirun("parquet cat m.parquet") == 0);
    CHECK(strcmp(clirun_text("out.txt"), mixed_expected) == 0);
    /* inferred schema */
    CHECK(clirun("parquet schema m.parquet") == 0);
    const char *s = clirun_text("out.txt");
    CHECK(strstr(s, "ts: timestamp[ns]") && strstr(s, "price: float64") && strstr(s, "qty: int64") &&
          strstr(s, "flag: bool") && strstr(s, "name: string"));
    /* cat output read back is a fixed point */
    CHECK(clirun("parquet cat m.parquet -o again.csv") == 0);
    CHECK(clirun("parquet from-csv again.csv again.parquet --compression snappy") == 0);
    CHECK(clirun("parquet cat again.parquet") == 0);
    CHECK(strcmp(clirun_text("out.txt"), mixed_expected) == 0);
    /* -o OUT, as asof/agg/cat take it, for from-csv and copy (every operand is then an input) */
    CHECK(clirun("parquet from-csv m.csv -o o1.parquet") == 0);
    CHECK(clirun("parquet copy m.csv again.csv -o o2.parquet") == 0);
    CHECK(clirun("parquet cat o1.parquet") == 0);
    CHECK(strcmp(clirun_text("out.txt"), mixed_expected) == 0);
    CHECK(clirun("parquet meta o2.parquet") == 0);
    CHECK(clirun("parquet from-csv -o o3.parquet") == 2); /* no input */
    CHECK(!clirun_exists("o3.parquet"));
}

TEST(schema_types) {
    clirun_put_text("t.csv", "t,d,p,b,u,i,f,s\n"
                        "2024-03-01T12:00:00.25+00:00,2024-02-29,12.5,00ff10,255,-7,0.5,007\n"
                        "1709294400000,19782,-0.07,,0,2147483647,3,\n");
    CHECK(clirun("parquet from-csv t.csv t.parquet --schema 't:timestamp[ms,UTC], d:date32,p:decimal(10,2),"
              "b:binary,u:uint8,i:int32,f:float32,s:string'") == 0);
    CHECK(clirun("parquet cat t.parquet") == 0);
    const char *want = "t,d,p,b,u,i,f,s\n"
                       "2024-03-01T12:00:00.250Z,2024-02-29,12.50,00ff10,255,-7,0.5,007\n"
                       "2024-03-01T12:00:00.000Z,2024-02-29,-0.07,,0,2147483647,3.0,\n";
    CHECK(strcmp(clirun_text("out.txt"), want) == 0);
    CHECK(clirun("parquet cat t.parquet --format jsonl") == 0);
    const char *want_json =
        "{\"t\":\"2024-03-01T12:00:00.250Z\",\"d\":\"2024-02-29\",\"p\":12.50,\"b\":\"00ff10\",\"u\":255,\"i\":-7,"
        "\"f\":0.5,\"s\":\"007\"}\n"
        "{\"t\":\"2024-03-01T12:00:00.000Z\",\"d\":\"2024-02-29\",\"p\":-0.07,\"b\":null,\"u\":0,\"i\":2147483647,"
        "\"f\":3.0,\"s\":null}\n";
    CHECK(strcmp(clirun_text("out.txt"), want_json) == 0);
    /* all zoned timestamps infer timestamp[ns,UTC] and print with Z */
    clirun_put_text("z.csv", "t\n2024-01-01T00:00:00Z\n2024-01-01T01:00:00+01:00\n");
    CHECK(clirun("parquet from-csv z.csv z.parquet") == 0);
    CHECK(clirun("parquet cat z.parquet") == 0);
    CHECK(strcmp(clirun_text("out.txt"), "t\n2024-01-01T00:00:00.000000000Z\n2024-01-01T00:00:00.000000000Z\n") == 0);
}

TEST(cat_selections) {
    clirun_put_text("s.csv", "a,b\n1,x\n2,y\n3,z\n4,w\n5,v\n");
    CHECK(clirun("parquet from-csv --row-group-size 2 s.csv s.parquet") == 0); /* options anywhere */
    CHECK(clirun("parquet cat s.parquet --row-groups 2,0 --columns b,a") == 0);
    CHECK(strcmp(clirun_text("out.txt"), "b,a\nv,5\nx,1\ny,2\n") == 0);
    CHECK(clirun("parquet cat --limit 3 s.parquet --columns b") == 0);
    CHECK(strcmp(clirun_text("out.txt"), "b\nx\ny\nz\n") == 0);
    CHECK(clirun("parquet cat --limit 0 s.parquet") == 0);
    CHECK(strcmp(clirun_text("out.txt"), "a,b\n") == 0);
    CHECK(clirun("parquet cat s.parquet --row-groups 3") == 1);
    CHECK(strncmp(clirun_text("err.txt"), "oups: ", 6) == 0);
    CHECK(clirun("parquet cat s.parquet --columns nope") == 1);
    CHECK(strstr(clirun_text("err.txt"), "nope") != NULL);
    /* stdin input, -o output */
    CHECK(clirun_sh("printf 'k\\n1\\n\\n3\\n' | %s/oups parquet from-csv - in.parquet", OUPS_BINARY_DIR) == 0);
    CHECK(clirun("parquet cat in.parquet -o cat.csv") == 0);
    CHECK(strcmp(clirun_text("cat.csv"), "k\n1\n\n3\n") == 0); /* a blank line in one column is a null */
}

TEST(copy_options) {
    clirun_put_text("c.csv", mixed_csv);
    CHECK(clirun("parquet from-csv c.csv c.parquet") == 0);
    const char *codecs[] = {"none", "snappy", "gzip:9", "zstd:3", "lz4_raw", "brotli:4"};
    for (int i = 0; i < 6; i++) {
        CHECK(clirun("parquet copy c.parquet c2.parquet --compression %s --page-version %d", codecs[i], 1 + i % 2) == 0);
        CHECK(clirun("parquet cat c2.parquet") == 0);
        CHECK(strcmp(clirun_text("out.txt"), mixed_expected) == 0);
    }
    CHECK(clirun("parquet copy c.parquet c3.parquet --row-group-size 3") == 0);
    oups_parquet_reader *r;
    CHECK_OK(oups_parquet_reader_open(&r, tmp_path("c3.parquet")));
    int groups = oups_parquet_reader_num_row_groups(r);
    int64_t first = oups_parquet_reader_row_group_num_rows(r, 0);
    oups_parquet_reader_free(r);
    CHECK(groups == 2 && first == 3);
    CHECK(clirun("parquet cat c3.parquet") == 0);
    CHECK(strcmp(clirun_text("out.txt"), mixed_expected) == 0);
    CHECK(clirun("parquet meta c3.parquet -o meta.json") == 0);
    CHECK(strstr(clirun_text("meta.json"), "\"num_rows\":4") != NULL);
    CHECK(clirun("parquet copy c.parquet c4.parquet --compression bzip2") == 2);
    CHECK(strstr(clirun_text("err.txt"), "bzip2") != NULL);
    CHECK(clirun("parquet copy c.parquet c4.parquet --page-version 3") == 2);
    CHECK(clirun("parquet copy c.parquet") == 2);
    CHECK(access(tmp_path("c4.parquet"), F_OK) != 0);
}

/* Row counts of the row groups of a Parquet file in the test directory, as "n,n,...". */
static void row_groups(char *out, size_t cap, const char *file) {
    oups_parquet_reader *r = NULL;
    out[0] = '\0';
    if (oups_parquet_reader_open(&r, tmp_path(file)) != 0) return;
    size_t len = 0;
    for (int i = 0; i < oups_parquet_reader_num_row_groups(r) && len < cap; i++)
        len += (size_t)snprintf(out + len, cap - len, "%s%lld", i ? "," : "",
                                (long long)oups_parquet_reader_row_group_num_rows(r, i));
    oups_parquet_reader_free(r);
}

TEST(copy_gathers_small_row_groups) {
    /* big.parquet: one row group of 300,000 rows; small.parquet: 5 of 50,000 rows (+ 1 of 3) */
    CHECK(clirun_sh("seq 1 300000 | awk 'BEGIN{print \"k,v\"}{print $1\",\"$1%%7}' >big.csv && "
                    "seq 300001 550003 | awk 'BEGIN{print \"k,v\"}{print $1\",\"$1%%7}' >small.csv") == 0);
    CHECK(clirun("parquet from-csv big.csv big.parquet --row-group-size 300000") == 0);
    CHECK(clirun("parquet from-csv small.csv small.parquet --row-group-size 50000") == 0);
    char rg[256];
    row_groups(rg, sizeof rg, "small.parquet");
    CHECK(strcmp(rg, "50000,50000,50000,50000,50000,3") == 0);
    /* an input row group above the limit is kept whole; the small ones are gathered while their
     * sum stays within 262,144 rows */
    CHECK(clirun("parquet copy big.parquet small.parquet small.parquet out.parquet") == 0);
    row_groups(rg, sizeof rg, "out.parquet");
    CHECK(strcmp(rg, "300000,250003,250003") == 0);
    CHECK(clirun("parquet copy small.parquet big.parquet out.parquet") == 0);
    row_groups(rg, sizeof rg, "out.parquet");
    CHECK(strcmp(rg, "250003,300000") == 0);
    /* row groups of 100,000 rows or more are kept, even when a gathering would fit */
    CHECK(clirun("parquet from-csv small.csv mid.parquet --row-group-size 120000") == 0);
    CHECK(clirun("parquet copy small.parquet mid.parquet out.parquet") == 0);
    row_groups(rg, sizeof rg, "out.parquet");
    CHECK(strcmp(rg, "250003,120000,120000,10003") == 0);
    /* --row-group-size: exact row groups across input row groups */
    CHECK(clirun("parquet copy small.parquet big.parquet out.parquet --row-group-size 120000") == 0);
    row_groups(rg, sizeof rg, "out.parquet");
    CHECK(strcmp(rg, "120000,120000,120000,120000,70003") == 0);
    /* the rows, in order */
    CHECK(clirun_sh("%s/oups parquet cat small.parquet big.parquet | md5sum >a.md5 && "
                    "%s/oups parquet cat out.parquet | md5sum >b.md5 && cmp -s a.md5 b.md5",
                    OUPS_BINARY_DIR, OUPS_BINARY_DIR) == 0);
}

TEST(errors) {
    clirun_put_text("bad.csv", "a,b\n1,2\n3\n");
    CHECK(clirun("parquet from-csv bad.csv bad.parquet") == 1);
    CHECK(strstr(clirun_text("err.txt"), "bad.csv: line 3") != NULL);
    clirun_put_text("bad2.csv", "a,b\n1,2\nx,3\n");
    CHECK(clirun("parquet from-csv bad2.csv bad.parquet --schema a:int64") == 1);
    const char *e = clirun_text("err.txt");
    CHECK(strstr(e, "line 3") && strstr(e, "'a'") && strstr(e, "'x'"));
    clirun_put_text("bad3.csv", "a\n\"open\n");
    CHECK(clirun("parquet from-csv bad3.csv bad.parquet") == 1);
    CHECK(strstr(clirun_text("err.txt"), "never closed") != NULL);
    CHECK(clirun("parquet from-csv bad2.csv bad.parquet --schema zz:int64") == 1);
    CHECK(clirun("parquet from-csv bad2.csv bad.parquet --schema a:int99") == 2 ||
          strstr(clirun_text("err.txt"), "int99") != NULL);
    CHECK(clirun("parquet from-csv missing.csv bad.parquet") == 1);
    CHECK(strstr(clirun_text("err.txt"), "missing.csv") != NULL);
    CHECK(access(tmp_path("bad.parquet"), F_OK) != 0);
    CHECK(clirun("parquet schema missing.parquet") == 1);
    e = clirun_text("err.txt");
    CHECK(strncmp(e, "oups: ", 6) == 0 && strchr(e, '\n') == e + strlen(e) - 1); /* one line */
    clirun_put_text("junk.parquet", "this is not parquet at all");
    CHECK(clirun("parquet cat junk.parquet") == 1);
    CHECK(clirun("parquet cat --format xml m.parquet") == 2);
    CHECK(clirun("parquet nope") == 2);
    CHECK(clirun("parquet cat --bogus x") == 2);
}

/* Random bytes, quotes, commas and newlines as CSV: exit 0 or 1 with a message, never a crash. */
TEST(garbage_csv) {
    uint64_t st = tests_seed();
    const char alphabet[] = "a1,\"\n\r.-:eT Z0\x01\xff";
    for (int t = 0; t < 40; t++) {
        char text[200];
        size_t n = test_rand(&st) % (sizeof text - 1);
        for (size_t i = 0; i < n; i++) text[i] = alphabet[test_rand(&st) % (sizeof alphabet - 1)];
        text[n] = '\0';
        clirun_put_text("g.csv", text);
        int rc = clirun("parquet from-csv g.csv g.parquet");
        CHECK(rc == 0 || rc == 1);
        if (rc == 1) CHECK(strncmp(clirun_text("err.txt"), "oups: ", 6) == 0);
        if (rc == 0) CHECK(clirun("parquet cat g.parquet --format jsonl") == 0);
    }
    /* pre-epoch instants and negative decimals */
    clirun_put_text("p.csv", "t,d\n1969-12-31T23:59:59.999999999,-1234.5\n1900-01-01T00:00:00,0\n");
    CHECK(clirun("parquet from-csv p.csv p.parquet --schema 'd:decimal(9,3)'") == 0);
    CHECK(clirun("parquet cat p.parquet") == 0);
    CHECK(strcmp(clirun_text("out.txt"),
                 "t,d\n1969-12-31T23:59:59.999999999,-1234.500\n1900-01-01T00:00:00.000000000,0.000\n") == 0);
}

TEST(help) {
    const char *cmds[] = {"", "schema", "meta", "cat", "copy", "from-csv"};
    for (int i = 0; i < 6; i++) {
        CHECK(clirun("parquet %s --help", cmds[i]) == 0);
        CHECK(strstr(clirun_text("out.txt"), "usage: oups parquet") != NULL);
    }
}

CLIRUN_TESTS("cli.parquet_cli", "parquet-cli", clirun_no_setup, from_csv_cat_roundtrip, schema_types, cat_selections,
             copy_options, copy_gathers_small_row_groups, errors, garbage_csv, help)
