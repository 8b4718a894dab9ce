// labels: quick
/*
 * tests/cli/test_inputs.c: the streamed input of the CLI commands (tools/oups/input.c) through
 * `oups parquet cat`: several files (CSV and Parquet, columns in another order) read as one, a
 * glob in name order, a directory of files, an oups dataset directory (row group by row group),
 * stdin, a projection, tiny CSV blocks across several inputs; inputs whose columns or types
 * differ fail (exit 1) naming both inputs, the column and both types, leaving no output; a
 * missing file, an unmatched glob, '-' twice, --row-groups over several inputs fail cleanly.
 * `parquet copy IN... OUT` writes several inputs into one file, gathering the small row groups
 * of Parquet inputs (regrouping CSV ones or with --row-group-size). Progress lines on stderr
 * (forced with OUPS_PROGRESS=1; off with --quiet). JSONL files and stdin (--input-format jsonl),
 * with tiny blocks. An empty CSV or JSONL file: "no columns" naming it, or 0 rows with --schema.
 */
#include "cli_run.h"
#include "harness.h"

static int setup_files(void) {
    clirun_put_text("a.csv", "k,v,s\n1,1.5,x\n2,2.5,y\n");
    clirun_put_text("b.csv", "s,k,v\nz,3,3.5\n");
    clirun_put_text("c.csv", "k,v,s\n4,4.5,w\n5,5.5,\"q,r\"\n");
    clirun_put_text("bad_type.csv", "k,v,s\n4,4.5,7\n");
    clirun_put_text("bad_cols.csv", "k,v\n4,4.5\n");
    clirun_put_text("more_cols.csv", "k,v,s,t\n4,4.5,w,1\n");
    int rc = clirun_sh("mkdir -p p && echo 'not data' > p/README.txt");
    if (rc == 0) rc = clirun("parquet from-csv a.csv p/2_a.parquet");
    if (rc == 0) rc = clirun("parquet from-csv b.csv p/1_b.parquet");
    if (rc == 0) rc = clirun("parquet from-csv c.csv p/3_c.parquet --row-group-size 1");
    if (rc == 0) rc = clirun("parquet from-csv bad_type.csv bad_type.parquet --schema s:int32");
    return rc;
}

static const char *const ALL_ROWS = "k,v,s\n1,1.5,x\n2,2.5,y\n3,3.5,z\n4,4.5,w\n5,5.5,\"q,r\"\n";

TEST(csv_and_parquet_files_concatenated) {
    CHECK(clirun("parquet cat a.csv b.csv p/3_c.parquet") == 0);
    CHECK(clirun_same("out.txt", ALL_ROWS));
    CHECK(clirun("parquet cat p/2_a.parquet b.csv c.csv --format jsonl") == 0);
    CHECK(clirun_same("out.txt", "{\"k\":1,\"v\":1.5,\"s\":\"x\"}\n{\"k\":2,\"v\":2.5,\"s\":\"y\"}\n"
                                 "{\"k\":3,\"v\":3.5,\"s\":\"z\"}\n{\"k\":4,\"v\":4.5,\"s\":\"w\"}\n"
                                 "{\"k\":5,\"v\":5.5,\"s\":\"q,r\"}\n"));
}

TEST(glob_in_name_order) {
    /* 1_b, 2_a, 3_c: b's row first */
    CHECK(clirun("parquet cat 'p/*.parquet'") == 0);
    CHECK(clirun_same("out.txt", "s,k,v\nz,3,3.5\nx,1,1.5\ny,2,2.5\nw,4,4.5\n\"q,r\",5,5.5\n"));
    CHECK(clirun("parquet cat 'p/nothing*.parquet'") == 1);
    CHECK(clirun_one_error_line("p/nothing*.parquet: no file matches"));
}

TEST(directory_of_files) {
    CHECK(clirun("parquet cat p --columns k") == 0);
    CHECK(clirun_same("out.txt", "k\n3\n1\n2\n4\n5\n"));
    CHECK(clirun_sh("mkdir -p empty") == 0);
    CHECK(clirun("parquet cat empty") == 1);
    CHECK(clirun_one_error_line("no .parquet, .csv or .jsonl file"));
}

TEST(dataset_directory) {
    CHECK(clirun_sh("rm -rf ds ds_opdmd") == 0);
    CHECK(clirun("store write ds --ordered-on k --row-group-size 2 p/2_a.parquet") == 0);
    CHECK(clirun("store write ds --ordered-on k --row-group-size 2 c.csv") == 0);
    CHECK(clirun("parquet cat ds") == 0);
    CHECK(clirun_same("out.txt", "k,v,s\n1,1.5,x\n2,2.5,y\n4,4.5,w\n5,5.5,\"q,r\"\n"));
    CHECK(clirun("parquet cat ds b.csv --columns s,k") == 0);
    CHECK(clirun_same("out.txt", "s,k\nx,1\ny,2\nw,4\n\"q,r\",5\nz,3\n"));
    CHECK(!clirun_exists("ds.lock")); /* the read-only open left nothing behind */
}

TEST(stdin_input) {
    CHECK(clirun_sh("cat b.csv | %s/oups parquet cat a.csv - p/3_c.parquet >out.txt 2>err.txt", OUPS_BINARY_DIR) == 0);
    CHECK(clirun_same("out.txt", ALL_ROWS));
    CHECK(clirun_sh("cat a.csv | %s/oups parquet cat - - >out.txt 2>err.txt", OUPS_BINARY_DIR) == 1);
    CHECK(clirun_one_error_line("'-' (stdin) given twice"));
}

TEST(projection) {
    CHECK(clirun("parquet cat p/2_a.parquet b.csv c.csv --columns s,k") == 0);
    CHECK(clirun_same("out.txt", "s,k\nx,1\ny,2\nz,3\nw,4\n\"q,r\",5\n"));
    /* a projection ignores the other columns: more_cols.csv has an extra one */
    CHECK(clirun("parquet cat a.csv more_cols.csv --columns v") == 0);
    CHECK(clirun_same("out.txt", "v\n1.5\n2.5\n4.5\n"));
    CHECK(clirun("parquet cat a.csv --columns nope") == 1);
    CHECK(clirun_one_error_line("nope"));
}

TEST(tiny_csv_blocks_across_inputs) {
    for (int bytes = 1; bytes <= 9; bytes += 4) {
        char env[64];
        snprintf(env, sizeof env, "OUPS_CSV_BLOCK_BYTES=%d", bytes);
        CHECK(clirun_env(env, "parquet cat a.csv b.csv c.csv") == 0);
        CHECK(clirun_same("out.txt", ALL_ROWS));
    }
}

TEST(mismatched_inputs_fail_naming_both) {
    /* Parquet inputs are checked at open: no output at all */
    CHECK(clirun("parquet cat p/2_a.parquet bad_type.parquet -o out.csv") == 1);
    CHECK(clirun_one_error_line("column 's' is string in p/2_a.parquet but int32 in bad_type.parquet"));
    CHECK(!clirun_exists("out.csv"));
    /* a later CSV is parsed with the first input's types */
    CHECK(clirun("parquet cat a.csv bad_type.parquet") == 1);
    CHECK(clirun_one_error_line("column 's' is string in a.csv but int32 in bad_type.parquet"));
    CHECK(clirun("parquet cat a.csv bad_cols.csv -o out.csv") == 1);
    CHECK(clirun_one_error_line("bad_cols.csv has no column 's' (a.csv has it)"));
    CHECK(!clirun_exists("out.csv"));
    CHECK(clirun("parquet cat a.csv more_cols.csv") == 1);
    CHECK(clirun_one_error_line("more_cols.csv has column 't' that a.csv lacks"));
    clirun_put_text("float_k.csv", "k,v,s\n1.25,1,x\n");
    CHECK(clirun("parquet cat p/2_a.parquet float_k.csv") == 1);
    CHECK(clirun_one_error_line("float_k.csv: line 2, column 'k': cannot parse '1.25' as int64"));
}

TEST(runtime_errors) {
    CHECK(clirun("parquet cat a.csv missing.parquet") == 1);
    CHECK(clirun_one_error_line("missing.parquet"));
    CHECK(clirun("parquet cat missing.csv") == 1);
    CHECK(clirun_one_error_line("missing.csv"));
    CHECK(clirun("parquet cat a.csv p/2_a.parquet --row-groups 0") == 1);
    CHECK(clirun_one_error_line("single Parquet input"));
    CHECK(clirun("parquet cat p/3_c.parquet --row-groups 1,0") == 0);
    CHECK(clirun_same("out.txt", "k,v,s\n5,5.5,\"q,r\"\n4,4.5,w\n"));
    CHECK(clirun("parquet cat p/3_c.parquet --row-groups 2") == 1);
    CHECK(clirun_one_error_line("row group 2 does not exist (the file has 2)"));
}

/* Row counts of the row groups of a Parquet file, as "n,n,..." (from `parquet meta`). */
static int row_groups_of(const char *file, const char *want) {
    if (clirun_sh("%s/oups parquet meta %s | python3 -c \"import json,sys; "
                  "print(','.join(str(g['num_rows']) for g in json.load(sys.stdin)['row_groups']))\" >rg.txt",
                  OUPS_BINARY_DIR, file))
        return 0;
    char w[256];
    snprintf(w, sizeof w, "%s\n", want);
    return clirun_same("rg.txt", w);
}

TEST(copy_several_inputs_into_one_file) {
    /* Parquet inputs: their small row groups (1_b: 1, 2_a: 2, 3_c: 1 + 1 rows) are gathered
     * (tests/cli/test_parquet_cli.c checks the limit) */
    CHECK(clirun("parquet copy 'p/*.parquet' all.parquet") == 0);
    CHECK(row_groups_of("all.parquet", "5"));
    CHECK(clirun("parquet cat all.parquet") == 0);
    CHECK(clirun_same("out.txt", "s,k,v\nz,3,3.5\nx,1,1.5\ny,2,2.5\nw,4,4.5\n\"q,r\",5,5.5\n"));
    CHECK(clirun("parquet copy 'p/*.parquet' all2.parquet --row-group-size 2") == 0);
    CHECK(row_groups_of("all2.parquet", "2,2,1"));
    /* a CSV among them: regrouped (default row group size) */
    CHECK(clirun("parquet copy p/2_a.parquet b.csv c.csv mixed.parquet") == 0);
    CHECK(row_groups_of("mixed.parquet", "5"));
    CHECK(clirun("parquet cat mixed.parquet") == 0);
    CHECK(clirun_same("out.txt", ALL_ROWS));
    CHECK(clirun("parquet from-csv a.csv b.csv c.csv fc.parquet --row-group-size 4") == 0);
    CHECK(row_groups_of("fc.parquet", "4,1"));
    /* a mismatch: no output */
    CHECK(clirun("parquet copy p/2_a.parquet bad_type.parquet none.parquet") == 1);
    CHECK(clirun_one_error_line("column 's' is string in p/2_a.parquet but int32 in bad_type.parquet"));
    CHECK(clirun("parquet copy a.csv bad_cols.csv none.parquet") == 1);
    CHECK(!clirun_exists("none.parquet"));
    CHECK(clirun("parquet copy p/2_a.parquet --schema k:int32 none.parquet") == 1);
    CHECK(clirun_one_error_line("--schema applies to CSV input only"));
    CHECK(clirun("parquet copy only_one.parquet") == 2);
}

TEST(jsonl_inputs) {
    clirun_put_text("a.jsonl", "{\"k\":1,\"v\":1.5,\"s\":\"x\"}\n\n{\"s\":\"y\",\"k\":2,\"v\":2.5}\r\n");
    clirun_put_text("n.jsonl", "{\"k\":3,\"v\":null,\"s\":\"z\"}\n{\"k\":4,\"s\":\"w\"}");
    for (int bytes = 0; bytes <= 7; bytes += 7) { /* 0: one block; 7: a block per line or less */
        char env[64];
        snprintf(env, sizeof env, "OUPS_CSV_BLOCK_BYTES=%d", bytes);
        CHECK(clirun_env(bytes ? env : NULL, "parquet cat a.jsonl n.jsonl c.csv") == 0);
        CHECK(clirun_same("out.txt", "k,v,s\n1,1.5,x\n2,2.5,y\n3,,z\n4,,w\n4,4.5,w\n5,5.5,\"q,r\"\n"));
    }
    CHECK(clirun_sh("cat a.jsonl | %s/oups parquet cat b.csv - --input-format jsonl >out.txt 2>err.txt",
                    OUPS_BINARY_DIR) == 0);
    CHECK(clirun_same("out.txt", "s,k,v\nz,3,3.5\nx,1,1.5\ny,2,2.5\n"));
    /* errors name the input, line and field */
    clirun_put_text("bad.jsonl", "{\"k\":1}\n{\"k\":2,\"t\":3}\n");
    CHECK(clirun("parquet cat bad.jsonl") == 1);
    CHECK(clirun_one_error_line("bad.jsonl: line 2, field 't'"));
    CHECK(clirun("parquet cat a.jsonl --input-format xml") == 2);
}

/* An empty file (0 bytes, or only blank lines) has no columns, CSV and JSONL alike: an error
 * naming the file, or with --schema 0 rows of those columns (cat, from-csv, asof). */
TEST(empty_inputs_csv_and_jsonl_alike) {
    clirun_put_text("e.csv", "");
    clirun_put_text("e.jsonl", "");
    clirun_put_text("blank.jsonl", "\n\n");
    static const char *const files[] = {"e.csv", "e.jsonl", "blank.jsonl"};
    for (int i = 0; i < 3; i++) {
        CHECK(clirun("parquet cat %s", files[i]) == 1);
        char want[128];
        snprintf(want, sizeof want, "%s: no columns: the file is empty", files[i]);
        CHECK(clirun_one_error_line(want));
        CHECK(clirun("parquet from-csv %s e.parquet", files[i]) == 1);
        CHECK(clirun_one_error_line(want));
        CHECK(!clirun_exists("e.parquet"));
        CHECK(clirun("parquet cat %s --schema k:int64,s:string --format jsonl", files[i]) == 0);
        CHECK(clirun_same("out.txt", ""));
        CHECK(clirun("parquet cat %s --schema k:int64,s:string", files[i]) == 0);
        CHECK(clirun_same("out.txt", "k,s\n"));
        CHECK(clirun("parquet from-csv %s e.parquet --schema k:int64,s:string", files[i]) == 0);
        CHECK(clirun("parquet schema e.parquet") == 0);
        char *t = clirun_slurp("out.txt", NULL);
        CHECK(t && strstr(t, "k") && strstr(t, "int64") && strstr(t, "string"));
        free(t);
        CHECK(clirun_sh("rm -f e.parquet") == 0);
        CHECK(clirun("asof --on k --main a.csv %s", files[i]) == 1);
        CHECK(clirun_one_error_line(want));
    }
}

/* Progress lines (forced by OUPS_PROGRESS=1, as stderr is no terminal here): rows and MB/s,
 * a final line with the total; none with --quiet, none by default (stderr not a terminal). */
TEST(progress_on_stderr) {
    CHECK(clirun_env("OUPS_PROGRESS=1", "parquet cat a.csv 'p/*.parquet' -o o.csv") == 0);
    char *t = clirun_slurp("err.txt", NULL);
    CHECK(t);
    const char *last = strstr(t, "oups: 7 rows, ");
    CHECK(last && strstr(last, " MB/s") && strstr(last, "(100%)"));
    free(t);
    CHECK(clirun_env("OUPS_PROGRESS=1", "--quiet parquet cat a.csv -o o.csv") == 0);
    CHECK(clirun_same("err.txt", ""));
    CHECK(clirun_env("OUPS_PROGRESS=1", "parquet cat a.csv -o o.csv --quiet") == 0);
    CHECK(clirun_same("err.txt", ""));
    CHECK(clirun("parquet cat a.csv -o o.csv") == 0);
    CHECK(clirun_same("err.txt", ""));
    /* a failure: the error line, no final progress line after it */
    CHECK(clirun_env("OUPS_PROGRESS=1", "parquet cat a.csv bad_cols.csv") == 1);
    t = clirun_slurp("err.txt", NULL);
    const char *e = t ? strstr(t, "oups: bad_cols.csv has no column") : NULL;
    CHECK(e && !strstr(e, "rows,"));
    free(t);
}

TEST(help_names_the_inputs) {
    CHECK(clirun("parquet cat --help") == 0);
    char *t = clirun_slurp("out.txt", NULL);
    CHECK(t && strstr(t, "globs") && strstr(t, "'-' for stdin") && strstr(t, "oups dataset"));
    free(t);
    CHECK(clirun("parquet copy --help") == 0);
    t = clirun_slurp("out.txt", NULL);
    CHECK(t && strstr(t, "globs") && strstr(t, "IN... OUT"));
    free(t);
}

CLIRUN_TESTS("cli.inputs", "inputs", setup_files, csv_and_parquet_files_concatenated, glob_in_name_order,
             directory_of_files, dataset_directory, stdin_input, projection, tiny_csv_blocks_across_inputs,
             mismatched_inputs_fail_naming_both, runtime_errors, copy_several_inputs_into_one_file,
             jsonl_inputs, empty_inputs_csv_and_jsonl_alike, progress_on_stderr, help_names_the_inputs)
