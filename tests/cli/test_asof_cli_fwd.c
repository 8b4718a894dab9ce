// labels: quick oracle
/*
 * tests/cli/test_asof_cli_fwd.c: `oups asof --direction forward|nearest` read chunk by chunk and
 * continued across processes. Random inputs (runs of equal keys, two TABLEs, --by, tolerance,
 * n-prev windows, exact matches on or off): tiny CSV blocks and small Parquet row groups give
 * the one-shot bytes; MAIN cut at random rows (inside runs of equal keys too) and joined by one
 * `--state` process per chunk against the whole TABLE files gives the one-shot rows; the live
 * mode (MAIN on stdin in chunks of random size) too. One-shot checked against pandas
 * merge_asof(direction=) and Polars join_asof(strategy=) (skipped, said on stderr, when
 * missing). Edges: key-only and empty TABLEs, single rows, an empty MAIN chunk, a run of equal
 * keys cut between calls. Errors: a state of another direction, MAIN starting before the
 * state's last key.
 */
#include "cli_run.h"
#include "asof_oracles.h"
#include "harness.h"

/* oups ARGS (printf format) exits 0, else its stderr is printed. */
static int ok0(int st) {
    if (st != 0) fprintf(stderr, "  exit %d: %s\n", st, clirun_text("err.txt"));
    return st == 0;
}
#define RUN0(...) CHECK(ok0(clirun(__VA_ARGS__)))

static int err_has(const char *want) {
    int ok = strstr(clirun_text("err.txt"), want) != NULL;
    if (!ok) fprintf(stderr, "  stderr: want a line with %s\n  got:\n%s\n", want, clirun_text("err.txt"));
    return ok;
}

static int same_text(const char *what, const char *x, const char *y) {
    int ok = x && y && !strcmp(x, y);
    if (!ok) fprintf(stderr, "  %s differs:\n%.800s\n---\n%.800s\n", what, x ? x : "", y ? y : "");
    return ok;
}

static int same_files(const char *a, const char *b) {
    char *x = clirun_slurp(a, NULL), *y = clirun_slurp(b, NULL);
    int ok = same_text(b, x, y);
    free(x), free(y);
    return ok;
}

/* MAIN: ts, sym, q; a TABLE: ts, sym (with --by), px<t>, n<t> (px null now and then). Keys
 * grow by 0..2 (runs of equal keys); sym in A, B, C (MAIN also D: never in a TABLE). */
static int gen(const char *name, int table, int n, uint64_t *rng, int64_t k0, bool sym) {
    static char buf[1 << 16];
    size_t len = table ? (size_t)snprintf(buf, sizeof buf, "ts,%spx%d,n%d\n", sym ? "sym," : "", table, table)
                       : (size_t)snprintf(buf, sizeof buf, "ts,sym,q\n");
    int64_t k = k0;
    for (int i = 0; i < n; i++) {
        k += (int64_t)(test_rand(rng) % 3);
        const char *s = (const char *[]){"A", "B", "C", "D"}[test_rand(rng) % (table ? 3 : 4)];
        char px[32] = "";
        if (i % 7 != 3) snprintf(px, sizeof px, "%d.5", i);
        if (table) len += (size_t)snprintf(buf + len, sizeof buf - len, "%lld,%s%s%s,%d\n", (long long)k, sym ? s : "",
                                           sym ? "," : "", px, i);
        else len += (size_t)snprintf(buf + len, sizeof buf - len, "%lld,%s,%d\n", (long long)k, s, i);
    }
    clirun_put_text(name, buf);
    return n;
}

TEST(fwd_errors) {
    clirun_put_text("m.csv", "ts,q\n1,10\n5,20\n");
    clirun_put_text("t.csv", "ts,px\n2,1.5\n5,2.5\n9,3.5\n");
    clirun_put_text("m2.csv", "ts,q\n3,30\n");
    RUN0("asof --on ts --main m.csv t.csv --direction forward");
    CHECK(clirun_same("out.txt", "ts,q,px\n1,10,1.5\n5,20,2.5\n"));
    /* a state of another direction */
    RUN0("asof --on ts --main m.csv t.csv --direction forward --state f.state");
    CHECK(clirun("asof --on ts --main m2.csv t.csv --state f.state") == 1);
    CHECK(err_has("f.state: a state of oups asof --direction forward or nearest"));
    RUN0("asof --on ts --main m.csv t.csv --state b.state");
    CHECK(clirun("asof --on ts --main m2.csv t.csv --state b.state --direction nearest") == 1);
    CHECK(err_has("b.state: a state of oups asof --direction backward"));
    /* MAIN before the last key of the previous call */
    CHECK(clirun("asof --on ts --main m2.csv t.csv --direction forward --state f.state -o x.csv") == 1);
    CHECK(err_has("m2.csv: column 'ts' starts at 3, before the last key of the previous call"));
    CHECK(!clirun_exists("x.csv"));
    /* the next chunk continues (the TABLE given whole again) */
    clirun_put_text("m3.csv", "ts,q\n5,30\n6,40\n");
    RUN0("asof --on ts --main m3.csv t.csv --direction forward --state f.state");
    CHECK(clirun_same("out.txt", "ts,q,px\n5,30,2.5\n6,40,3.5\n"));
}

/* Edges: a key-only TABLE, a TABLE without rows (Parquet), single rows, an empty MAIN chunk
 * between two others (the state's last key kept), a run of equal keys cut between calls. */
TEST(fwd_edges) {
    clirun_put_text("e_m.csv", "ts,q\n4,1\n4,2\n6,3\n");
    clirun_put_text("e_m1.csv", "ts,q\n4,1\n");
    clirun_put_text("e_m0.csv", "ts,q\n");
    clirun_put_text("e_m2.csv", "ts,q\n4,2\n6,3\n");
    clirun_put_text("e_k.csv", "ts\n4\n5\n");
    clirun_put_text("e_t.csv", "ts,px\n4,1.5\n4,2.5\n7,3.5\n");
    clirun_put_text("e_t0.csv", "ts,px\n");
    RUN0("parquet from-csv e_t0.csv e_t0.parquet --schema ts:int64,px:float64");
    /* key-only: no value column */
    RUN0("asof --on ts --main e_m.csv e_k.csv --direction nearest");
    CHECK(clirun_same("out.txt", "ts,q\n4,1\n4,2\n6,3\n"));
    /* no rows: every target misses */
    RUN0("asof --on ts --main e_m.csv e_t0.parquet --direction forward");
    CHECK(clirun_same("out.txt", "ts,q,px\n4,1,\n4,2,\n6,3,\n"));
    /* forward takes the first row of a run, nearest's tie the backward (last) one */
    RUN0("asof --on ts --main e_m.csv e_t.csv --direction forward");
    CHECK(clirun_same("out.txt", "ts,q,px\n4,1,1.5\n4,2,1.5\n6,3,3.5\n"));
    RUN0("asof --on ts --main e_m.csv e_t.csv --direction nearest --n-prev 1");
    CHECK(clirun_same("out.txt", "ts,q,px_1,px_0\n4,1,1.5,2.5\n4,2,1.5,2.5\n6,3,2.5,3.5\n"));
    char *one = clirun_slurp("out.txt", NULL);
    /* the same in three calls: the run of 4 cut, an empty chunk in between */
    static const char *const chunks[] = {"e_m1.csv", "e_m0.csv", "e_m2.csv"};
    static char all[512];
    size_t len = 0;
    for (int c = 0; c < 3; c++) {
        RUN0("asof --on ts --main %s e_t.csv --direction nearest --n-prev 1 --state e.state", chunks[c]);
        const char *t = clirun_text("out.txt");
        len += (size_t)snprintf(all + len, sizeof all - len, "%s", c ? strchr(t, '\n') + 1 : t);
    }
    CHECK(same_text("three calls", one, all));
    free(one);
    /* without exact matches, and single rows */
    RUN0("asof --on ts --main e_m1.csv e_t.csv --direction forward --allow-exact-matches 0");
    CHECK(clirun_same("out.txt", "ts,q,px\n4,1,3.5\n"));
    RUN0("asof --on ts --main e_m1.csv e_t.csv --direction forward --allow-exact-matches 0 --state e0.state");
    RUN0("asof --on ts --main e_m2.csv e_t.csv --direction forward --allow-exact-matches 0 --state e0.state");
    CHECK(clirun_same("out.txt", "ts,q,px\n4,2,3.5\n6,3,3.5\n"));
}

/* Random MAIN chunks, one --state process each (TABLEs whole), concatenated: the one-shot. */
static int chunked_state(uint64_t *rng, const char *tables, const char *flags, int nm, int iter) {
    char *m = clirun_slurp("m.csv", NULL);
    if (!m) return 0;
    char *lines[512], *p = strchr(m, '\n') + 1;
    for (int i = 0; i <= nm; i++) lines[i] = p, p = i < nm ? strchr(p, '\n') + 1 : p;
    static char all[1 << 17];
    size_t len = 0;
    int n_cuts = 1 + (int)(test_rand(rng) % 4), m0 = 0, ok = 1;
    char state[32];
    snprintf(state, sizeof state, "fs%d.state", iter);
    for (int c = 0; ok && c <= n_cuts; c++) {
        int m1 = c == n_cuts ? nm : m0 + (int)(test_rand(rng) % (uint64_t)(nm - m0 + 1));
        char path[256];
        clirun_path(path, sizeof path, "cm.csv");
        FILE *f = fopen(path, "w");
        fputs("ts,sym,q\n", f);
        fwrite(lines[m0], 1, (size_t)(lines[m1] - lines[m0]), f);
        fclose(f);
        ok = ok0(clirun("asof --on ts --main cm.csv %s %s --state %s -o part.csv", tables, flags, state));
        char *part = ok ? clirun_slurp("part.csv", NULL) : NULL;
        ok = part != NULL;
        if (ok) len += (size_t)snprintf(all + len, sizeof all - len, "%s", c == 0 ? part : strchr(part, '\n') + 1);
        free(part);
        m0 = m1;
    }
    char *one = clirun_slurp("one.csv", NULL);
    if (ok) ok = same_text("chunks in new processes", one, all);
    free(one);
    free(m);
    return ok;
}

TEST(fwd_chunks_processes_live_and_oracles) {
    uint64_t rng = tests_seed() ^ 0xf0;
    bool pandas, polars;
    asof_oracles(&pandas, &polars);
    for (int iter = 0; iter < 16; iter++) {
        const char *d = iter % 2 ? "nearest" : "forward";
        bool by = iter % 4 >= 2, two = iter % 8 >= 4 && !by; /* two TABLEs: not with the oracles */
        int nm = gen("m.csv", 0, 1 + (int)(test_rand(&rng) % 150), &rng, 0, true);
        gen("t.csv", 1, 1 + (int)(test_rand(&rng) % 150), &rng, -3, by);
        gen("t2.csv", 2, 1 + (int)(test_rand(&rng) % 60), &rng, 2, by);
        int tol = test_rand(&rng) % 2 ? -1 : (int)(test_rand(&rng) % 4);
        int np = two ? (int)(test_rand(&rng) % 3) : 0, allow = two ? (int)(test_rand(&rng) % 2) : 1;
        char flags[256], tol_s[16] = "none";
        if (tol >= 0) snprintf(tol_s, sizeof tol_s, "%d", tol);
        snprintf(flags, sizeof flags, "--direction %s --n-prev %d --allow-exact-matches %d%s%s%s", d, np, allow,
                 tol >= 0 ? " --tolerance " : "", tol >= 0 ? tol_s : "", by ? " --by sym" : "");
        const char *tables = two ? "t.csv t2.csv" : "t.csv";
        RUN0("asof --on ts --main m.csv %s %s -o one.csv", tables, flags);
        CHECK(ok0(clirun_env("OUPS_CSV_BLOCK_BYTES=9", "asof --on ts --main m.csv %s %s -o blocks.csv", tables, flags)));
        CHECK(same_files("one.csv", "blocks.csv"));
        RUN0("parquet from-csv t.csv t.parquet --row-group-size 5");
        RUN0("parquet from-csv t2.csv t2.parquet --row-group-size 3");
        RUN0("parquet from-csv m.csv m.parquet --row-group-size 4");
        RUN0("asof --on ts --main m.parquet %s %s -o groups.csv", two ? "t.parquet t2.parquet" : "t.parquet", flags);
        CHECK(same_files("one.csv", "groups.csv"));
        CHECK(chunked_state(&rng, tables, flags, nm, iter));
        int rows = 1 + (int)(test_rand(&rng) % 20);
        RUN0("asof --on ts --input - --chunk-rows %d %s %s --state live%d.state < m.csv -o live.csv", rows, tables,
             flags, iter);
        CHECK(same_files("one.csv", "live.csv"));
        if (two) continue;
        if (pandas) {
            int st = clirun_sh("/usr/bin/python3 %s/tests/cli/asof_cli_pandas.py ts %s %s 1 %s m.csv t.csv one.csv "
                               ">out.txt 2>&1", OUPS_SOURCE_DIR, by ? "sym" : "-", d, tol_s);
            if (st) fprintf(stderr, "  pandas: %s\n", clirun_text("out.txt"));
            CHECK(st == 0);
        }
        /* Polars: nearest ties are resolved otherwise (pandas and we take the backward row) */
        if (polars && !strcmp(d, "forward")) {
            int st = clirun_sh("node %s/tests/oracle/polars_asof.mjs ts %s %s %s m.csv t.csv one.csv >out.txt 2>&1",
                               OUPS_SOURCE_DIR, by ? "sym" : "-", d, tol_s);
            if (st) fprintf(stderr, "  polars: %s\n", clirun_text("out.txt"));
            CHECK(st == 0);
        }
    }
}

CLIRUN_TESTS("cli.asof_cli_fwd", "asof-fwd", clirun_no_setup, fwd_errors, fwd_edges,
             fwd_chunks_processes_live_and_oracles)
