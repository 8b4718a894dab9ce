// labels: quick
/*
 * tests/ops/test_asof_cli.c: the `oups asof` command (built binary OUPS_BINARY_DIR/oups):
 * consecutive chunks with --state (zero-row chunks included) print exactly the one-shot
 * output, parquet output, and errors (usage: exit 2; bad state or unsorted input: exit 1).
 */
#include <sys/wait.h>

#include "asof_fixtures.h"

static char dir[64];

static void write_text(const char *name, const char *text) { write_text_in(dir, name, text); }
static char *slurp(const char *name) { return slurp_in(dir, name); }

/* Run `oups asof ARGS` in dir; stdout to OUT (a file in dir); returns the exit status. */
static int run(const char *args, const char *out) {
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "cd %s && %s/oups asof %s > %s 2> err.txt", dir, OUPS_BINARY_DIR, args, out);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* CSV of keys (one column "ts") or keys and two value columns. */
static void csv_rows(char *buf, size_t cap, const int64_t *k, int64_t n, bool values, int64_t first_row) {
    size_t len = (size_t)snprintf(buf, cap, values ? "ts,x,name\n" : "ts\n");
    for (int64_t i = 0; i < n; i++) {
        int64_t r = first_row + i;
        if (values)
            len += (size_t)snprintf(buf + len, cap - len, "%lld,%lld.5,%s%lld\n", (long long)k[i], (long long)r,
                                    r % 3 ? "n" : "", (long long)r);
        else len += (size_t)snprintf(buf + len, cap - len, "%lld\n", (long long)k[i]);
    }
}

TEST(chunks_with_state_equal_one_shot) {
    CHECK(access(OUPS_BINARY_DIR "/oups", X_OK) == 0);
    CHECK(tmpdir_make(dir, sizeof dir));
    uint64_t rng = tests_seed();
    enum { NM = 60, NA = 50, NB = 40 };
    int64_t M[NM], A[NA], B[NB], v;
    v = 0;
    for (int i = 0; i < NM; i++) M[i] = v += (int64_t)(test_rand(&rng) % 4);
    v = -3;
    for (int i = 0; i < NA; i++) A[i] = v += (int64_t)(test_rand(&rng) % 5);
    v = 0;
    for (int i = 0; i < NB; i++) B[i] = v += (int64_t)(test_rand(&rng) % 6);
    static char buf[1 << 16];
    csv_rows(buf, sizeof buf, M, NM, false, 0);
    write_text("main.csv", buf);
    csv_rows(buf, sizeof buf, A, NA, true, 0);
    write_text("a.csv", buf);
    csv_rows(buf, sizeof buf, B, NB, true, 1000);
    write_text("b.csv", buf);
    const char *opts = "--on ts --n-prev 2,1 --allow-exact-matches 0,1 --prefixes A_,B_ --n-prev-suffix-start 1";
    char args[1024];
    snprintf(args, sizeof args, "%s --main main.csv a.csv b.csv", opts);
    CHECK(run(args, "one.csv") == 0);
    /* Chunks at key cuts; the first has rows in every file (CSV types are inferred), one is empty. */
    int64_t cuts[] = {INT64_MIN, 40, 41, 41, 70, 90, INT64_MAX};
    enum { NC = 6 };
    size_t out_len = 0;
    static char chunked[1 << 16];
    for (int c = 0; c < NC; c++) {
        int64_t lo = cuts[c], hi = cuts[c + 1];
        const int64_t *srcs[3] = {M, A, B};
        int ns[3] = {NM, NA, NB};
        const char *names[3] = {"cm.csv", "ca.csv", "cb.csv"};
        for (int f = 0; f < 3; f++) {
            int64_t i0 = 0, i1;
            while (i0 < ns[f] && srcs[f][i0] < lo) i0++;
            for (i1 = i0; i1 < ns[f] && srcs[f][i1] < hi;) i1++;
            csv_rows(buf, sizeof buf, srcs[f] + i0, i1 - i0, f > 0, i0 + (f == 2 ? 1000 : 0));
            write_text(names[f], buf);
        }
        snprintf(args, sizeof args, "%s --main cm.csv ca.csv cb.csv --state s.state", opts);
        int st = run(args, "part.csv");
        if (st != 0) {
            char *err = slurp("err.txt");
            fprintf(stderr, "  chunk %d: exit %d: %s\n", c, st, err ? err : "");
            free(err);
        }
        CHECK(st == 0);
        char *part = slurp("part.csv");
        CHECK(part);
        const char *body = c == 0 ? part : strchr(part, '\n') + 1; /* one header */
        out_len += (size_t)snprintf(chunked + out_len, sizeof chunked - out_len, "%s", body);
        free(part);
    }
    char *one = slurp("one.csv");
    CHECK(one);
    int same = strcmp(one, chunked) == 0;
    if (!same) fprintf(stderr, "  one-shot:\n%.400s\n  chunked:\n%.400s\n", one, chunked);
    free(one);
    CHECK(same);
    /* Parquet output carries the same table. */
    snprintf(args, sizeof args, "%s --main main.csv a.csv b.csv --format parquet -o out.parquet", opts);
    CHECK(run(args, "none.txt") == 0);
    char path[256];
    snprintf(path, sizeof path, "%s/out.parquet", dir);
    oups_table *t = NULL;
    CHECK_OK(oups_parquet_read(&t, path));
    CHECK(oups_table_num_rows(t) == NM);
    CHECK(oups_table_num_columns(t) == 1 + 2 * 3 + 2 * 2);
    CHECK(oups_table_column_index(t, "A_name_3") >= 0 && oups_table_column_index(t, "B_x_1") >= 0);
    oups_table_free(t);
    /* Parquet input: the same targets from the parquet file give the same rows. */
    snprintf(args, sizeof args, "%s --main out.parquet a.csv b.csv --no-keep-main", opts);
    CHECK(run(args, "from_parquet.csv") == 0);
    char *a1 = slurp("one.csv"), *a2 = slurp("from_parquet.csv");
    int eq = a1 && a2 && strcmp(a1, a2) == 0;
    free(a1);
    free(a2);
    CHECK(eq);
}

TEST(timestamps_tolerance) {
    CHECK(dir[0]); /* after the first case */
    write_text("tm.csv", "ts\n2024-01-01T00:00:10Z\n2024-01-01T00:00:20Z\n2024-01-01T00:00:30Z\n");
    write_text("tt.csv", "ts,v\n2024-01-01T00:00:04Z,1\n2024-01-01T00:00:17Z,2\n2024-01-01T00:00:30Z,3\n");
    CHECK(run("--on ts --main tm.csv tt.csv --tolerance 5s --allow-exact-matches 1", "o.csv") == 0);
    char *o = slurp("o.csv");
    CHECK(o && strstr(o, "10.000000000Z,\n") && strstr(o, "20.000000000Z,2\n") && strstr(o, "30.000000000Z,3\n"));
    free(o);
    CHECK(run("--on ts --main tm.csv tt.csv --tolerance 5000000000 --direction nearest --reference-defaults", "o.csv") == 0);
    o = slurp("o.csv");
    CHECK(o && strstr(o, "20.000000000Z,2\n") && strstr(o, "30.000000000Z,0\n")); /* 13 s back, none forward */
    free(o);
    CHECK(run("--on ts --main tm.csv tt.csv --tolerance 5x", "o.csv") == 2);
    /* A period tolerance with a state and only header-only CSV chunks: the key type comes from
     * the state (the tolerance is converted before the merger exists). */
    CHECK(run("--on ts --main tm.csv tt.csv --tolerance 5s --state tol.state", "o.csv") == 0);
    write_text("tm_empty.csv", "ts\n");
    write_text("tt_empty.csv", "ts,v\n");
    CHECK(run("--on ts --main tm_empty.csv tt_empty.csv --tolerance 5s --state tol.state", "o.csv") == 0);
    write_text("tm2.csv", "ts\n2024-01-01T00:00:33Z\n2024-01-01T00:00:36Z\n");
    CHECK(run("--on ts --main tm2.csv tt_empty.csv --tolerance 5s --state tol.state", "o.csv") == 0);
    o = slurp("o.csv");
    CHECK(o && strstr(o, "33.000000000Z,3\n") && strstr(o, "36.000000000Z,\n")); /* 3 s, then 6 s from ts 30 */
    free(o);
}

TEST(errors) {
    CHECK(dir[0]); /* after the first case */
    write_text("bad.state", "not a state file at all");
    CHECK(run("--on ts --main main.csv a.csv --state bad.state", "o.txt") == 1);
    char *err = slurp("err.txt");
    CHECK(err && strstr(err, "oups:") && strstr(err, "bad.state"));
    free(err);
    CHECK(run("--main main.csv a.csv", "o.txt") == 2);       /* no --on */
    CHECK(run("--on ts --main main.csv", "o.txt") == 2);     /* no table */
    CHECK(run("--on ts --main main.csv a.csv --direction up", "o.txt") == 2);
    CHECK(run("--on ts --main main.csv a.csv --format parquet", "o.txt") == 2);
    CHECK(run("--on ts --main main.csv a.csv --n-prev 1,2,3", "o.txt") == 2);
    CHECK(run("--on nope --main main.csv a.csv", "o.txt") == 1);
    write_text("unsorted.csv", "ts\n5\n3\n");
    CHECK(run("--on ts --main unsorted.csv a.csv", "o.txt") == 1);
    err = slurp("err.txt");
    CHECK(err && strstr(err, "unsorted.csv") && strstr(err, "line 3 (3) comes after line 2 (5)"));
    free(err);
    /* Two tables with the same column names and no prefixes: duplicate output names. */
    CHECK(run("--on ts --main main.csv a.csv b.csv", "o.txt") == 1);
    err = slurp("err.txt");
    CHECK(err && strstr(err, "twice"));
    free(err);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
}

/* Issue 9: a typed table with 0 rows keeps its value columns (the layout comes from the
 * schema, never from the row count), with and without --state, and the next chunk continues. */
TEST(empty_tables_keep_their_columns) {
    CHECK(dir[0]); /* after the first case */
    write_text("e_main.csv", "ts\n10\n20\n");
    write_text("e_t0.csv", "ts,v\n");
    write_text("e_main2.csv", "ts\n30\n");
    write_text("e_t2.csv", "ts,v\n25,2.5\n");
    char cmd[512];
    snprintf(cmd, sizeof cmd, "cd %s && %s/oups parquet from-csv e_t0.csv e_t0.parquet --schema ts:int64,v:float64",
             dir, OUPS_BINARY_DIR);
    CHECK(system(cmd) == 0);
    CHECK(run("--on ts --main e_main.csv e_t0.parquet --state e.state", "o1.csv") == 0);
    CHECK(run("--on ts --main e_main2.csv e_t2.csv --state e.state", "o2.csv") == 0);
    char *o1 = slurp("o1.csv"), *o2 = slurp("o2.csv");
    CHECK(o1 && o2);
    int ok = !strcmp(o1, "ts,v\n10,\n20,\n") && !strcmp(o2, "ts,v\n30,2.5\n");
    if (!ok) fprintf(stderr, "  got:\n%s---\n%s", o1, o2);
    free(o1);
    free(o2);
    CHECK(ok);
    CHECK(run("--on ts --main e_main.csv e_t0.parquet", "o1.csv") == 0); /* no state */
    o1 = slurp("o1.csv");
    ok = o1 && !strcmp(o1, "ts,v\n10,\n20,\n");
    free(o1);
    CHECK(ok);
    /* A header-only CSV has no column types: refused in a first call, naming file and column. */
    CHECK(run("--on ts --main e_main.csv e_t0.csv", "o1.csv") == 1);
    char *err = slurp("err.txt");
    CHECK(err && strstr(err, "e_t0.csv") && strstr(err, "'v'") && strstr(err, "type is unknown"));
    free(err);
    write_text("e_none.csv", "ts\n");
    CHECK(run("--on ts --main e_none.csv e_none.csv", "o1.csv") == 1);
    /* ... but typed by the state in later calls, also with columns in another order. */
    CHECK(run("--on ts --main e_main2.csv e_t0.csv --state e.state", "o3.csv") == 0);
    write_text("e_t4.csv", "v,ts\n4.5,31\n");
    write_text("e_main4.csv", "ts\n32\n");
    CHECK(run("--on ts --main e_main4.csv e_t4.csv --state e.state", "o4.csv") == 0);
    char *o3 = slurp("o3.csv"), *o4 = slurp("o4.csv");
    ok = o3 && o4 && !strcmp(o3, "ts,v\n30,2.5\n") && !strcmp(o4, "ts,v\n32,4.5\n");
    free(o3);
    free(o4);
    CHECK(ok);
    write_text("e_t5.csv", "ts,w\n33,1\n");
    CHECK(run("--on ts --main e_main4.csv e_t5.csv --state e.state", "o5.csv") == 1);
    err = slurp("err.txt");
    CHECK(err && strstr(err, "e_t5.csv") && strstr(err, "'v'"));
    free(err);
}

RUN_TESTS("ops.asof_cli", chunks_with_state_equal_one_shot, timestamps_tolerance, empty_tables_keep_their_columns,
          errors)
