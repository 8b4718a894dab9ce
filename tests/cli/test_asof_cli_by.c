// labels: quick oracle
/*
 * tests/cli/test_asof_cli_by.c: `oups asof --by`: random inputs (a string and an int by
 * column, groups only in MAIN, ties) checked against pandas merge_asof(by=) (python3-pandas,
 * tests/cli/asof_cli_pandas.py) and Polars join_asof(by=) (tests/oracle/polars_asof.mjs), every
 * direction, with and without tolerance; tiny CSV blocks and small Parquet row groups give the
 * one-shot bytes; --state with one process per chunk (CSV and Parquet chunk files) equals
 * one-shot; flags and errors (exit codes, messages). Oracles missing: those comparisons are
 * skipped (said on stderr), the rest runs.
 */
#include <stdarg.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ops/asof_fixtures.h" /* harness, tmpdir_make */
#include "asof_oracles.h"

static char dir[64];

static void write_text(const char *name, const char *text) { write_text_in(dir, name, text); }
static char *slurp(const char *name) { return slurp_in(dir, name); }

/* In dir: a shell command line (printf format), stdout to out.txt, stderr to err.txt. */
static int sh(const char *fmt, ...) {
    char args[2048], cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof cmd, "cd %s && export PATH=%s:$PATH && { %s; } > out.txt 2> err.txt", dir, OUPS_BINARY_DIR, args);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Exit status 0, else its stderr printed. */
static int ok0(int st) {
    if (st == 0) return 1;
    char *e = slurp("err.txt");
    fprintf(stderr, "  exit %d: %s\n", st, e ? e : "");
    free(e);
    return 0;
}
#define RUN0(...) CHECK(ok0(sh(__VA_ARGS__)))

static int file_has(const char *name, const char *want) {
    char *got = slurp(name);
    int ok = got && strstr(got, want) != NULL;
    if (!ok) fprintf(stderr, "  %s: want a line with %s\n  got:\n%s\n", name, want, got ? got : "(none)");
    free(got);
    return ok;
}

static int same_files(const char *a, const char *b) {
    char *x = slurp(a), *y = slurp(b);
    int ok = x && y && !strcmp(x, y);
    if (!ok) fprintf(stderr, "  %s and %s differ:\n%.600s\n---\n%.600s\n", a, b, x ? x : "", y ? y : "");
    free(x), free(y);
    return ok;
}

static const char *SYMS[] = {"AAA", "BB", "C", "DD"}; /* DD only in MAIN */

/* main: ts, sym, venue (int), q; table: ts, sym, venue, px, size (px null now and then). Keys
 * grow by 0..2 (runs of equal keys). Rows [0, n) into name. */
static void gen_csv(const char *name, bool table, int n, uint64_t *rng, int64_t *keys_out, const char *venue_name) {
    static char buf[1 << 18];
    size_t len = (size_t)snprintf(buf, sizeof buf, table ? "ts,sym,%s,px,size\n" : "ts,sym,%s,q\n", venue_name);
    int64_t k = table ? -3 : 0;
    for (int i = 0; i < n; i++) {
        k += (int64_t)(test_rand(rng) % 3);
        if (keys_out) keys_out[i] = k;
        const char *s = SYMS[test_rand(rng) % (table ? 3 : 4)];
        int venue = (int)(test_rand(rng) % 2);
        char px[32] = "";
        if (i % 9 != 4) snprintf(px, sizeof px, "%d.25", i);
        if (table) len += (size_t)snprintf(buf + len, sizeof buf - len, "%lld,%s,%d,%s,%d\n", (long long)k, s, venue, px, i * 3);
        else len += (size_t)snprintf(buf + len, sizeof buf - len, "%lld,%s,%d,%d\n", (long long)k, s, venue, i);
    }
    write_text(name, buf);
}

TEST(by_flags_and_errors) {
    CHECK(access(OUPS_BINARY_DIR "/oups", X_OK) == 0);
    CHECK(tmpdir_make(dir, sizeof dir));
    write_text("t.csv", "ts,sym,qty\n1,A,10\n2,B,20\n5,A,30\n6,C,5\n7,B,40\n");
    write_text("q.csv", "ts,sym,px\n1,B,1.5\n2,A,2.5\n5,A,3.5\n6,B,4.5\n");
    RUN0("oups asof --on ts --main t.csv q.csv --by sym");
    char *o = slurp("out.txt");
    CHECK(o && !strcmp(o, "ts,sym,qty,px\n1,A,10,\n2,B,20,1.5\n5,A,30,3.5\n6,C,5,\n7,B,40,4.5\n"));
    free(o);
    RUN0("oups asof --on ts --main t.csv q.csv --by sym --no-keep-main --n-prev 1");
    o = slurp("out.txt");
    CHECK(o && !strcmp(o, "ts,sym,px_1,px_0\n1,A,,\n2,B,,1.5\n5,A,2.5,3.5\n6,C,,\n7,B,1.5,4.5\n"));
    free(o);
    /* fill values: one table for every group (the by column may be in the file) */
    write_text("fill.csv", "sym,px\nZ,-1\n");
    RUN0("oups asof --on ts --main t.csv q.csv --by sym --fill values:fill.csv");
    o = slurp("out.txt");
    CHECK(o && !strcmp(o, "ts,sym,qty,px\n1,A,10,-1.0\n2,B,20,1.5\n5,A,30,3.5\n6,C,5,-1.0\n7,B,40,4.5\n"));
    free(o);
    /* the live mode (MAIN on stdin, in chunks, with a state) gives the same rows */
    RUN0("oups asof --on ts --main t.csv q.csv --by sym --n-prev 1 -o whole.csv");
    RUN0("oups asof --on ts --input - --chunk-rows 2 --by sym --n-prev 1 q.csv --state live.state < t.csv > live.csv");
    CHECK(same_files("whole.csv", "live.csv"));
    /* errors */
    CHECK(sh("oups asof --on ts --main t.csv q.csv --by nope") == 1);
    CHECK(file_has("err.txt", "'nope'"));
    CHECK(sh("oups asof --on ts --main t.csv q.csv --by ts") == 2);
    CHECK(sh("oups asof --on ts --main t.csv q.csv --by sym, ") == 2);
    /* forward with a state (chunked runs: tests/cli/test_asof_cli_fwd.c) */
    RUN0("oups asof --on ts --main t.csv q.csv --by sym --direction forward -o fwd1.csv");
    RUN0("oups asof --on ts --main t.csv q.csv --by sym --direction forward --state s.state -o fwd2.csv");
    CHECK(same_files("fwd1.csv", "fwd2.csv"));
    write_text("qn.csv", "ts,sym,px\n1,,1.5\n2,A,3\n");
    CHECK(sh("oups asof --on ts --main t.csv qn.csv --by sym") == 1);
    CHECK(file_has("err.txt", "null"));
    write_text("qi.csv", "ts,sym,px\n1,7,1.5\n");
    CHECK(sh("oups asof --on ts --main t.csv qi.csv --by sym") == 1);
    CHECK(file_has("err.txt", "'sym' is int64, expected string"));
    /* a --by state is not a plain state (and back) */
    RUN0("oups asof --on ts --main t.csv q.csv --by sym --state by.state");
    CHECK(sh("oups asof --on ts --main t.csv q.csv --state by.state") == 1);
    CHECK(file_has("err.txt", "by.state"));
    RUN0("oups asof --on ts --main t.csv q.csv --by sym --help");
    CHECK(file_has("out.txt", "--by COL[,COL]"));
}

TEST(by_oracles_and_chunked_reading) {
    CHECK(dir[0]);
    uint64_t rng = tests_seed() ^ 0xbb;
    bool pandas, polars;
    asof_oracles(&pandas, &polars);
    static const char *dirs[] = {"backward", "forward", "nearest"};
    for (int iter = 0; iter < 12; iter++) {
        int nm = 1 + (int)(test_rand(&rng) % 250), nt = 1 + (int)(test_rand(&rng) % 250);
        const char *d = dirs[iter % 3], *by = iter % 2 ? "sym,venue" : "sym";
        gen_csv("m.csv", false, nm, &rng, NULL, "venue");
        gen_csv("t.csv", true, nt, &rng, NULL, iter % 2 ? "venue" : "tvenue"); /* not by: other names */
        int tol = test_rand(&rng) % 3 ? -1 : (int)(test_rand(&rng) % 4);
        char tflag[32] = "", tol_s[16] = "none";
        if (tol >= 0) {
            snprintf(tflag, sizeof tflag, "--tolerance %d", tol);
            snprintf(tol_s, sizeof tol_s, "%d", tol);
        }
        RUN0("oups asof --on ts --main m.csv t.csv --by %s --direction %s %s -o one.csv", by, d, tflag);
        RUN0("OUPS_CSV_BLOCK_BYTES=9 oups asof --on ts --main m.csv t.csv --by %s --direction %s %s -o blocks.csv",
                 by, d, tflag);
        CHECK(same_files("one.csv", "blocks.csv"));
        RUN0("oups parquet from-csv t.csv t.parquet --row-group-size 6 && oups parquet from-csv m.csv m.parquet "
             "--row-group-size 4");
        RUN0("oups asof --on ts --main m.parquet t.parquet --by %s --direction %s %s -o groups.csv", by, d, tflag);
        CHECK(same_files("one.csv", "groups.csv"));
        if (pandas) {
            int st = sh("/usr/bin/python3 %s/tests/cli/asof_cli_pandas.py ts %s %s 1 %s m.csv t.csv one.csv", OUPS_SOURCE_DIR,
                        by, d, tol_s);
            if (st) CHECK(file_has("out.txt", "ok"));
            CHECK(st == 0);
        }
        /* Polars: nearest ties are resolved otherwise (pandas and we take the backward row) */
        if (polars && strcmp(d, "nearest") != 0) {
            int st = sh("node %s/tests/oracle/polars_asof.mjs ts %s %s %s m.csv t.csv one.csv", OUPS_SOURCE_DIR, by, d, tol_s);
            if (st) CHECK(file_has("out.txt", "ok"));
            CHECK(st == 0);
        }
    }
}

/* Chunk files cut at key boundaries (MAIN inside runs of equal keys too; the TABLE by the
 * exact-match rule), one `oups asof --by --state` process each: the outputs concatenated are
 * the one-shot output. */
TEST(by_state_chunks_in_new_processes) {
    CHECK(dir[0]);
    uint64_t rng = tests_seed() ^ 0xbc;
    for (int iter = 0; iter < 8; iter++) {
        enum { N = 200 };
        int64_t mk[N], tk[N];
        int nm = 20 + (int)(test_rand(&rng) % 150), nt = 20 + (int)(test_rand(&rng) % 150);
        gen_csv("m.csv", false, nm, &rng, mk, "venue");
        gen_csv("t.csv", true, nt, &rng, tk, "venue");
        int np = (int)(test_rand(&rng) % 3), allow = (int)(test_rand(&rng) % 2);
        char flags[128];
        snprintf(flags, sizeof flags, "--by sym,venue --n-prev %d --allow-exact-matches %d%s", np, allow,
                 iter % 3 == 0 ? " --fill zeros" : "");
        RUN0("oups asof --on ts --main m.csv t.csv %s -o one.csv", flags);
        char *m = slurp("m.csv"), *t = slurp("t.csv");
        CHECK(m && t);
        /* lines of each file after the header */
        char *ml[N + 1], *tl[N + 1], *mh = m, *th = t;
        mh = strchr(mh, '\n') + 1, th = strchr(th, '\n') + 1;
        for (int i = 0; i < nm; i++) ml[i] = mh, mh = strchr(mh, '\n') + 1;
        ml[nm] = mh;
        for (int i = 0; i < nt; i++) tl[i] = th, th = strchr(th, '\n') + 1;
        tl[nt] = th;
        int n_cuts = 1 + (int)(test_rand(&rng) % 4), m0 = 0, t0 = 0;
        static char all[1 << 18];
        size_t len = 0;
        char state[64];
        snprintf(state, sizeof state, "s%d.state", iter);
        for (int c = 0; c <= n_cuts; c++) {
            int m1 = c == n_cuts ? nm : m0 + (int)(test_rand(&rng) % (uint64_t)(nm - m0 + 1));
            int t1 = nt;
            if (c < n_cuts) { /* table rows up to the last target of the chunk, within the rule */
                int64_t last = m1 > 0 ? mk[m1 - 1] : INT64_MIN, next = m1 < nm ? mk[m1] : INT64_MAX;
                int lo = t0, hi = t0;
                while (lo < nt && (allow ? tk[lo] <= last : tk[lo] < last)) lo++;
                if (lo < t0) lo = t0;
                hi = lo;
                while (hi < nt && (allow ? tk[hi] <= next : tk[hi] < next)) hi++;
                t1 = lo + (int)(test_rand(&rng) % (uint64_t)(hi - lo + 1));
            }
            /* chunk files: CSV, or Parquet for the first chunk (types fixed by it) */
            char head_m[] = "ts,sym,venue,q\n", head_t[] = "ts,sym,venue,px,size\n";
            FILE *f;
            char path[256];
            snprintf(path, sizeof path, "%s/cm.csv", dir);
            f = fopen(path, "w");
            fputs(head_m, f);
            fwrite(ml[m0], 1, (size_t)(ml[m1] - ml[m0]), f);
            fclose(f);
            snprintf(path, sizeof path, "%s/ct.csv", dir);
            f = fopen(path, "w");
            fputs(head_t, f);
            fwrite(tl[t0], 1, (size_t)(tl[t1] - tl[t0]), f);
            fclose(f);
            const char *tfile = "ct.csv";
            if (c == 0) {
                RUN0("oups parquet from-csv ct.csv ct.parquet --schema ts:int64,sym:string,venue:int64,px:float64,"
                         "size:int64");
                tfile = "ct.parquet";
            }
            int st = sh("oups asof --on ts --main cm.csv %s %s --state %s -o part.csv", tfile, flags, state);
            if (st) CHECK(file_has("err.txt", "(no error)"));
            CHECK(st == 0);
            char *p = slurp("part.csv");
            CHECK(p);
            const char *body = c == 0 ? p : strchr(p, '\n') + 1;
            len += (size_t)snprintf(all + len, sizeof all - len, "%s", body);
            free(p);
            m0 = m1, t0 = t1;
        }
        free(m), free(t);
        char *one = slurp("one.csv");
        int same = one && !strcmp(one, all);
        if (!same) fprintf(stderr, "  iter %d (%s, %d chunks): chunked differs\n%.800s\n---\n%.800s\n", iter, flags,
                           n_cuts + 1, one, all);
        free(one);
        CHECK(same);
    }
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
}

RUN_TESTS("cli.asof_cli_by", by_flags_and_errors, by_oracles_and_chunked_reading, by_state_chunks_in_new_processes)
