// labels: quick oracle
/*
 * tests/cli/test_asof_cli.c: the flags of `oups asof` (exit code, output, stderr): the
 * pandas / Polars / DuckDB defaults (exact matches included, null for no match) checked
 * against pandas merge_asof (tests/cli/asof_cli_pandas.py, /usr/bin/python3 with pandas; the
 * oracle case is skipped without it), --reference-defaults, --fill nulls|zeros|values:FILE,
 * --keep-main / --no-keep-main, usage errors (exit 2), ISO-8601 timestamps and file names in
 * errors, --delimiter / --no-header, and chunked reading (tiny CSV blocks, many Parquet row
 * groups) equal to one-shot.
 */
#include <stdarg.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ops/asof_fixtures.h" /* harness, tmpdir_make */

static char dir[64];

static void write_text(const char *name, const char *text) { write_text_in(dir, name, text); }
static char *slurp(const char *name) { return slurp_in(dir, name); }

/* In dir: `ENV oups CMD` (CMD a printf format), stdout to out.txt, stderr to err.txt. */
static int sh(const char *env, const char *fmt, ...) {
    char args[2048], cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof cmd, "cd %s && %s %s/oups %s > out.txt 2> err.txt", dir, env ? env : "", OUPS_BINARY_DIR, args);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* out.txt (or err.txt) equals / contains `want`; prints both when not. */
static int file_is(const char *name, const char *want, bool whole) {
    char *got = slurp(name);
    int ok = got && (whole ? !strcmp(got, want) : strstr(got, want) != NULL);
    if (!ok) fprintf(stderr, "  %s: want %s\n%s\n  got:\n%s\n", name, whole ? "exactly" : "a line with", want, got ? got : "(none)");
    free(got);
    return ok;
}
#define OUT_IS(w) CHECK(file_is("out.txt", w, true))
#define ERR_HAS(w) CHECK(file_is("err.txt", w, false))

TEST(defaults_are_pandas) {
    CHECK(access(OUPS_BINARY_DIR "/oups", X_OK) == 0);
    CHECK(tmpdir_make(dir, sizeof dir));
    /* a quote at exactly the trade's time is used; no quote before: null */
    write_text("trades.csv", "ts,qty\n1,10\n5,20\n7,30\n");
    write_text("quotes.csv", "ts,px\n5,1.5\n6,2.5\n");
    CHECK(sh(NULL, "asof --on ts --main trades.csv quotes.csv") == 0);
    OUT_IS("ts,qty,px\n1,10,\n5,20,1.5\n7,30,2.5\n");
    /* the reference merger's defaults: exact matches excluded, zeros */
    CHECK(sh(NULL, "asof --on ts --main trades.csv quotes.csv --reference-defaults") == 0);
    OUT_IS("ts,qty,px\n1,10,0.0\n5,20,0.0\n7,30,2.5\n");
    /* explicit flags win over --reference-defaults */
    CHECK(sh(NULL, "asof --on ts --main trades.csv quotes.csv --reference-defaults --allow-exact-matches 1") == 0);
    OUT_IS("ts,qty,px\n1,10,0.0\n5,20,1.5\n7,30,2.5\n");
    CHECK(sh(NULL, "asof --on ts --main trades.csv quotes.csv --reference-defaults --fill nulls") == 0);
    OUT_IS("ts,qty,px\n1,10,\n5,20,\n7,30,2.5\n");
    CHECK(sh(NULL, "asof --on ts --main trades.csv quotes.csv --fill zeros") == 0);
    OUT_IS("ts,qty,px\n1,10,0.0\n5,20,1.5\n7,30,2.5\n");
    CHECK(sh(NULL, "asof --on ts --main trades.csv quotes.csv --direction forward") == 0);
    OUT_IS("ts,qty,px\n1,10,1.5\n5,20,1.5\n7,30,\n");
    CHECK(sh(NULL, "asof --on ts --main trades.csv quotes.csv --help") == 0);
    CHECK(file_is("out.txt", "--reference-defaults", false) && file_is("out.txt", "--fill nulls|zeros|values:FILE", false));
}

TEST(keep_main) {
    CHECK(dir[0]);
    CHECK(sh(NULL, "asof --on ts --main trades.csv quotes.csv --no-keep-main") == 0);
    OUT_IS("ts,px\n1,\n5,1.5\n7,2.5\n");
    CHECK(sh(NULL, "asof --on ts --main trades.csv quotes.csv --no-keep-main --keep-main") == 0);
    OUT_IS("ts,qty,px\n1,10,\n5,20,1.5\n7,30,2.5\n");
    /* key not first in MAIN: MAIN's column order is kept */
    write_text("m2.csv", "qty,ts\n10,1\n20,5\n");
    CHECK(sh(NULL, "asof --on ts --main m2.csv quotes.csv") == 0);
    OUT_IS("qty,ts,px\n10,1,\n20,5,1.5\n");
    /* a clash: named, exit 1, no output file; a prefix resolves it */
    write_text("m3.csv", "ts,px\n1,9\n");
    CHECK(sh(NULL, "asof --on ts --main m3.csv quotes.csv -o clash.csv") == 1);
    ERR_HAS("output column 'px' is both a column of MAIN (m3.csv)");
    char path[128];
    snprintf(path, sizeof path, "%s/clash.csv", dir);
    CHECK(access(path, F_OK) != 0);
    CHECK(sh(NULL, "asof --on ts --main m3.csv quotes.csv --prefixes q_") == 0);
    OUT_IS("ts,px,q_px\n1,9,\n");
}

TEST(fill_values_file) {
    CHECK(dir[0]);
    /* n_prev 1: two fill rows (oldest first), the last one is what a miss gives */
    write_text("fill.csv", "px\n-1\n-2\n");
    CHECK(sh(NULL, "asof --on ts --main trades.csv quotes.csv --n-prev 1 --fill values:fill.csv") == 0);
    OUT_IS("ts,qty,px_1,px_0\n1,10,-1.0,-2.0\n5,20,-2.0,1.5\n7,30,1.5,2.5\n");
    /* as Parquet (typed float64 from a CSV inferred as int64: the file is read with the TABLE's types) */
    CHECK(sh(NULL, "parquet from-csv fill.csv fill.parquet --schema px:float64") == 0);
    CHECK(sh(NULL, "asof --on ts --main trades.csv quotes.csv --n-prev 1 --fill values:fill.parquet") == 0);
    OUT_IS("ts,qty,px_1,px_0\n1,10,-1.0,-2.0\n5,20,-2.0,1.5\n7,30,1.5,2.5\n");
    /* wrong row count, missing / unknown column: exit 1 naming the file */
    CHECK(sh(NULL, "asof --on ts --main trades.csv quotes.csv --fill values:fill.csv") == 1);
    ERR_HAS("fill.csv (--fill): 2 rows, needs 1");
    write_text("fill2.csv", "bid\n1\n");
    CHECK(sh(NULL, "asof --on ts --main trades.csv quotes.csv --fill values:fill2.csv") == 1);
    ERR_HAS("fill2.csv (--fill): no column 'px'");
    /* one file per TABLE */
    CHECK(sh(NULL, "asof --on ts --main trades.csv quotes.csv --fill values:fill.csv,fill.csv") == 2);
    ERR_HAS("one file per TABLE");
}

TEST(usage_errors_exit_2) {
    CHECK(dir[0]);
    static const char *bad[][2] = {
        {"--n-prev x", "bad value 'x' for --n-prev: 'x' is not an integer"},
        {"--n-prev -1", "bad value '-1' for --n-prev"},
        {"--n-prev 1,2", "bad value '1,2' for --n-prev: 2 values for 1 tables"},
        {"--allow-exact-matches 2", "bad value '2' for --allow-exact-matches"},
        {"--n-prev-suffix-start y", "bad value 'y' for --n-prev-suffix-start"},
        {"--tolerance 1x", "bad value '1x' for --tolerance: expected a non-negative integer (key units) or a fixed period"},
        {"--tolerance -5", "bad value '-5' for --tolerance"},
        {"--tolerance 5s", "a period needs a timestamp key, the key is int64"},
        {"--fill bogus", "bad value 'bogus' for --fill"},
        {"--fill values:", "bad value 'values:' for --fill"},
        {"--prefixes a_,b_", "--prefixes: give one prefix per table"},
        {"--direction up", "bad value 'up' for --direction: expected one of backward, forward, nearest"},
        {"--format xml", "bad value 'xml' for --format"},
        {"--format parquet", "--format parquet needs -o"},
        {"--by ts", "--by"},
        {"--bogus", "unknown option"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int st = sh(NULL, "asof --on ts --main trades.csv quotes.csv %s", bad[i][0]);
        if (st != 2) fprintf(stderr, "  %s: exit %d\n", bad[i][0], st);
        CHECK(st == 2);
        ERR_HAS(bad[i][1]);
        ERR_HAS("see 'oups asof --help'");
    }
    CHECK(sh(NULL, "asof --main trades.csv quotes.csv") == 2);
    CHECK(sh(NULL, "asof --on ts quotes.csv") == 2);
    CHECK(sh(NULL, "asof --on ts --main trades.csv") == 2);
}

TEST(errors_name_input_column_iso_time) {
    CHECK(dir[0]);
    write_text("tm.csv", "ts\n2024-01-01T00:00:10Z\n2024-01-01T00:00:20Z\n");
    write_text("tq.csv", "ts,v\n2024-01-01T00:00:04Z,1\n2024-01-01T00:00:17Z,2\n2024-01-01T00:00:09Z,3\n");
    CHECK(sh(NULL, "asof --on ts --main tm.csv tq.csv") == 1);
    /* CSV places are the 1-based lines where the rows start */
    ERR_HAS("tq.csv: column 'ts' is not in non-decreasing order: line 4 (2024-01-01T00:00:09.000000000Z) comes after "
            "line 3 (2024-01-01T00:00:17.000000000Z)");
    /* across CSV blocks too */
    CHECK(sh("OUPS_CSV_BLOCK_BYTES=16", "asof --on ts --main tm.csv tq.csv") == 1);
    ERR_HAS("line 4 (2024-01-01T00:00:09.000000000Z) comes after line 3");
    /* a quoted field spanning lines: lines, not rows + 1 */
    write_text("tl.csv", "ts,note\n2024-01-01T00:00:04Z,\"two\nlines\"\n2024-01-01T00:00:17Z,x\n2024-01-01T00:00:09Z,y\n");
    CHECK(sh(NULL, "asof --on ts --main tm.csv tl.csv --no-keep-main") == 1);
    ERR_HAS("tl.csv: column 'ts' is not in non-decreasing order: line 5 (2024-01-01T00:00:09.000000000Z) comes after "
            "line 4 (2024-01-01T00:00:17.000000000Z)");
    CHECK(sh("OUPS_CSV_BLOCK_BYTES=16", "asof --on ts --main tm.csv tl.csv --no-keep-main") == 1);
    ERR_HAS("line 5 (2024-01-01T00:00:09.000000000Z) comes after line 4");
    write_text("nokey.csv", "t,v\n1,2\n");
    CHECK(sh(NULL, "asof --on ts --main trades.csv nokey.csv") == 1);
    ERR_HAS("nokey.csv: no column 'ts'");
    CHECK(sh(NULL, "asof --on ts --main missing.csv quotes.csv") == 1);
    ERR_HAS("missing.csv");
}

/* MAIN and each TABLE are input specs: a glob, a directory, stdin; the result is the same. */
TEST(input_specs) {
    CHECK(dir[0]);
    write_text("s_main.csv", "ts,qty\n1,10\n5,20\n7,30\n9,40\n");
    CHECK(sh(NULL, "asof --on ts --main s_main.csv quotes.csv -o one.csv") == 0);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "cd %s && mkdir -p mparts qparts && printf 'ts,qty\\n1,10\\n5,20\\n' > mparts/a.csv && "
             "printf 'ts,qty\\n7,30\\n9,40\\n' > mparts/b.csv && printf 'ts,px\\n5,1.5\\n' > qparts/1.csv && "
             "printf 'ts,px\\n6,2.5\\n' > qparts/2.csv", dir);
    CHECK(system(cmd) == 0);
    CHECK(sh(NULL, "asof --on ts --main 'mparts/*.csv' qparts -o specs.csv") == 0);
    CHECK(sh(NULL, "asof --on ts --main - 'qparts/*.csv' -o stdin.csv < s_main.csv") == 0);
    char *one = slurp("one.csv"), *specs = slurp("specs.csv"), *in = slurp("stdin.csv");
    int same = one && specs && in && !strcmp(one, specs) && !strcmp(one, in);
    if (!same) fprintf(stderr, "  one-shot:\n%s\n  specs:\n%s\n  stdin:\n%s\n", one, specs, in);
    free(one), free(specs), free(in);
    CHECK(same);
    /* the order is checked across the files of a spec, naming the file */
    snprintf(cmd, sizeof cmd, "cd %s && printf 'ts,qty\\n3,50\\n' > mparts/c.csv", dir);
    CHECK(system(cmd) == 0);
    CHECK(sh(NULL, "asof --on ts --main 'mparts/*.csv' qparts") == 1);
    ERR_HAS("mparts/c.csv: column 'ts' is not in non-decreasing order: line 2 (3) comes after the last row of the input "
            "before it (9)");
}

/* A state written with the reference defaults (as by an earlier oups) needs them as flags. */
TEST(state_with_old_defaults) {
    CHECK(dir[0]);
    CHECK(sh(NULL, "asof --on ts --main trades.csv quotes.csv --reference-defaults --state old.state") == 0);
    write_text("t2.csv", "ts,qty\n8,40\n");
    write_text("q2.csv", "ts,px\n8,3.5\n");
    CHECK(sh(NULL, "asof --on ts --main t2.csv q2.csv --state old.state") == 1);
    ERR_HAS("needs --reference-defaults");
    CHECK(sh(NULL, "asof --on ts --main t2.csv q2.csv --state old.state --reference-defaults") == 0);
    OUT_IS("ts,qty,px\n8,40,2.5\n"); /* exact match excluded: the row at 6 */
}

/* CSV options: a delimiter (MAIN, TABLE and fill file) and files without a header row. */
TEST(csv_delimiter_no_header) {
    CHECK(dir[0]);
    write_text("sc_m.csv", "ts;qty\n1;10\n5;20\n7;30\n");
    write_text("sc_q.csv", "ts;px\n5;1.5\n6;2.5\n");
    write_text("sc_f.csv", "px\n-1\n");
    CHECK(sh(NULL, "asof --on ts --main sc_m.csv sc_q.csv --delimiter ';'") == 0);
    OUT_IS("ts,qty,px\n1,10,\n5,20,1.5\n7,30,2.5\n");
    CHECK(sh(NULL, "asof --on ts --main sc_m.csv sc_q.csv --delimiter ';' --fill values:sc_f.csv") == 0);
    OUT_IS("ts,qty,px\n1,10,-1.0\n5,20,1.5\n7,30,2.5\n");
    write_text("tab_m.tsv", "ts\tqty\n1\t10\n5\t20\n");
    write_text("tab_q.tsv", "ts\tpx\n5\t1.5\n");
    CHECK(sh(NULL, "asof --on ts --main tab_m.tsv tab_q.tsv --delimiter tab") == 0);
    OUT_IS("ts,qty,px\n1,10,\n5,20,1.5\n");
    write_text("nh_m.csv", "1,10\n5,20\n");
    write_text("nh_q.csv", "5,1.5\n");
    CHECK(sh(NULL, "asof --on column_1 --main nh_m.csv nh_q.csv --no-header --prefixes q_") == 0);
    OUT_IS("column_1,column_2,q_column_2\n1,10,\n5,20,1.5\n");
    /* without the flag the header row is data: named in the error */
    CHECK(sh(NULL, "asof --on ts --main sc_m.csv sc_q.csv") == 1);
    ERR_HAS("sc_m.csv: no column 'ts'");
    CHECK(sh(NULL, "asof --on ts --main sc_m.csv sc_q.csv --delimiter ';;'") == 2);
    CHECK(sh(NULL, "asof --help") == 0);
    CHECK(file_is("out.txt", "--delimiter C", false) && file_is("out.txt", "--no-header", false));
    CHECK(file_is("out.txt", "Inputs: files (.parquet/.pq, .csv, .csv.gz, .csv.zst, .jsonl), globs", false));
}

/* --tolerance as a period on timestamp keys (ns from CSV, ms from Parquet), every direction. */
TEST(tolerance_period_on_timestamps) {
    CHECK(dir[0]);
    write_text("tp_m.csv", "ts,q\n2024-01-02T00:00:07Z,1\n2024-01-02T00:00:20Z,2\n2024-01-02T00:00:31.5Z,3\n");
    write_text("tp_t.csv", "ts,px\n2024-01-02T00:00:05Z,1.5\n2024-01-02T00:00:09Z,2.5\n2024-01-02T00:00:35Z,3.5\n");
    static const char *const want[][4] = {
        {"backward", "1.5", "", ""},    /* 7: 5 (2 s); 20: 9 is 11 s away; 31.5: 9 is 22.5 s away */
        {"forward", "2.5", "", "3.5"},  /* 7: 9 (2 s); 20: 35 is 15 s away; 31.5: 35 (3.5 s) */
        {"nearest", "1.5", "", "3.5"},  /* 7: 5 and 9 tie at 2 s: the backward row */
    };
    for (int i = 0; i < 3; i++) {
        CHECK(sh(NULL, "asof --on ts --main tp_m.csv tp_t.csv --direction %s --tolerance 5s --no-keep-main", want[i][0]) == 0);
        char exp[256];
        snprintf(exp, sizeof exp, "ts,px\n2024-01-02T00:00:07.000000000Z,%s\n2024-01-02T00:00:20.000000000Z,%s\n"
                 "2024-01-02T00:00:31.500000000Z,%s\n", want[i][1], want[i][2], want[i][3]);
        OUT_IS(exp);
    }
    /* ms keys: 5s is 5000 key units; 4999ms is one unit short for the row 5 s away */
    CHECK(sh(NULL, "parquet from-csv tp_m.csv tp_m.parquet --schema 'ts:timestamp[ms,UTC],q:int64'") == 0);
    CHECK(sh(NULL, "parquet from-csv tp_t.csv tp_t.parquet --schema 'ts:timestamp[ms,UTC],px:float64'") == 0);
    write_text("tp_m2.csv", "ts,q\n2024-01-02T00:00:10Z,1\n");
    CHECK(sh(NULL, "parquet from-csv tp_m2.csv tp_m2.parquet --schema 'ts:timestamp[ms,UTC],q:int64'") == 0);
    CHECK(sh(NULL, "asof --on ts --main tp_m2.parquet tp_t.parquet --tolerance 5s --no-keep-main") == 0);
    OUT_IS("ts,px\n2024-01-02T00:00:10.000Z,2.5\n");
    CHECK(sh(NULL, "asof --on ts --main tp_m2.parquet tp_t.parquet --tolerance 100ms --no-keep-main") == 0);
    OUT_IS("ts,px\n2024-01-02T00:00:10.000Z,\n");
    CHECK(sh(NULL, "asof --on ts --main tp_m2.parquet tp_t.parquet --tolerance 1min --direction forward --no-keep-main") == 0);
    OUT_IS("ts,px\n2024-01-02T00:00:10.000Z,3.5\n");
}

/* Random inputs: small CSV blocks and many Parquet row groups give the one-shot bytes, and
 * the output is pandas merge_asof's (directions, allow, tolerance). */
TEST(chunked_reading_and_pandas_oracle) {
    CHECK(dir[0]);
    uint64_t rng = tests_seed();
    bool pandas = system("/usr/bin/python3 -c 'import pandas' 2>/dev/null") == 0;
    if (!pandas) fprintf(stderr, "  pandas not found (python3-pandas): oracle comparison skipped\n");
    static const char *dirs[] = {"backward", "forward", "nearest"};
    for (int iter = 0; iter < 12; iter++) {
        int nm = (int)(test_rand(&rng) % 300), nt = (int)(test_rand(&rng) % 300);
        static char buf[1 << 16];
        size_t len = (size_t)snprintf(buf, sizeof buf, "ts,q\n");
        int64_t k = 0;
        for (int i = 0; i < nm; i++) {
            k += (int64_t)(test_rand(&rng) % 4);
            len += (size_t)snprintf(buf + len, sizeof buf - len, "%lld,%d\n", (long long)k, i);
        }
        write_text("rm.csv", buf);
        len = (size_t)snprintf(buf, sizeof buf, "ts,px,n\n");
        k = -5;
        for (int i = 0; i < nt; i++) {
            k += (int64_t)(test_rand(&rng) % 5);
            len += (size_t)snprintf(buf + len, sizeof buf - len, "%lld,%d.25,%d\n", (long long)k, i, i * 7);
        }
        write_text("rt.csv", buf);
        const char *d = dirs[iter % 3];
        int allow = (int)(test_rand(&rng) % 2);
        int tol = test_rand(&rng) % 3 ? -1 : (int)(test_rand(&rng) % 6);
        char flags[256], tol_s[32] = "none";
        if (tol >= 0) snprintf(tol_s, sizeof tol_s, "%d", tol);
        snprintf(flags, sizeof flags, "--direction %s --allow-exact-matches %d%s%s", d, allow,
                 tol >= 0 ? " --tolerance " : "", tol >= 0 ? tol_s : "");
        if (nm == 0 || nt == 0) { /* header-only CSV: give the table typed */
            CHECK(sh(NULL, "parquet from-csv rt.csv rt.parquet --schema ts:int64,px:float64,n:int64") == 0);
            CHECK(sh(NULL, "parquet from-csv rm.csv rm.parquet --schema ts:int64,q:int64") == 0);
            CHECK(sh(NULL, "asof --on ts --main rm.parquet rt.parquet %s -o one.csv", flags) == 0);
        } else {
            CHECK(sh(NULL, "asof --on ts --main rm.csv rt.csv %s -o one.csv", flags) == 0);
            CHECK(sh("OUPS_CSV_BLOCK_BYTES=7", "asof --on ts --main rm.csv rt.csv %s -o blocks.csv", flags) == 0);
            CHECK(sh(NULL, "parquet from-csv rt.csv rt.parquet --row-group-size 7") == 0);
            CHECK(sh(NULL, "parquet from-csv rm.csv rm.parquet --row-group-size 5") == 0);
            CHECK(sh(NULL, "asof --on ts --main rm.parquet rt.parquet %s -o groups.csv", flags) == 0);
            CHECK(sh(NULL, "asof --on ts --main rm.csv rt.parquet %s --format parquet -o mixed.parquet", flags) == 0);
            CHECK(sh(NULL, "parquet cat mixed.parquet -o mixed.csv") == 0);
            char *one = slurp("one.csv"), *blocks = slurp("blocks.csv"), *groups = slurp("groups.csv"),
                 *mixed = slurp("mixed.csv");
            int same = one && blocks && groups && mixed && !strcmp(one, blocks) && !strcmp(one, groups) &&
                       !strcmp(one, mixed);
            if (!same) fprintf(stderr, "  iter %d (%s): chunked reading differs\n%s\n---\n%s\n", iter, flags, one, blocks);
            free(one), free(blocks), free(groups), free(mixed);
            CHECK(same);
        }
        if (!pandas) continue;
        char cmd[1024];
        snprintf(cmd, sizeof cmd, "cd %s && /usr/bin/python3 %s/tests/cli/asof_cli_pandas.py ts - %s %d %s rm.csv rt.csv one.csv",
                 dir, OUPS_SOURCE_DIR, d, allow, tol_s);
        int st = system(cmd);
        if (st != 0) fprintf(stderr, "  iter %d: pandas differs (%s)\n", iter, cmd);
        CHECK(st == 0);
    }
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
}

RUN_TESTS("cli.asof_cli", defaults_are_pandas, keep_main, fill_values_file, usage_errors_exit_2,
          errors_name_input_column_iso_time, input_specs, state_with_old_defaults, csv_delimiter_no_header, tolerance_period_on_timestamps,
          chunked_reading_and_pandas_oracle)
