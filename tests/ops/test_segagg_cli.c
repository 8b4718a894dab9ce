// labels: quick
/*
 * tests/ops/test_segagg_cli.c: the `oups agg` command (built binary OUPS_BINARY_DIR/oups):
 * successive chunks with --state, each a separate process (empty chunks and cuts inside runs
 * of equal timestamps included), consolidated, equal the one-shot output (bins and snapshots,
 * time and row bins, with groups); empty bins print as empty CSV fields; errors give exit 2
 * (usage) or 1 (runtime: unordered input, damaged state), and write no output.
 */
#include <sys/wait.h>
#include <unistd.h>

#include "segagg_fixtures.h"

static char dir[64];

static int run(const char *args) {
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "cd %s && %s/oups agg %s > out.txt 2> err.txt", dir, OUPS_BINARY_DIR, args);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char *slurp(const char *name) {
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *s = calloc(1, 1 << 20);
    size_t n = fread(s, 1, (1 << 20) - 1, f);
    s[n] = 0;
    fclose(f);
    return s;
}

static oups_table *read_pq(const char *name) {
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    oups_table *t = NULL;
    return oups_parquet_read(&t, path) < 0 ? NULL : t;
}

/* Random quotes: ts (duplicates), sym A/B/C, px (some nulls), qty. */
static oups_table *quotes(uint64_t *st, int64_t n) {
    int64_t ts[400], qty[400];
    double px[400];
    const char *syms[400];
    int64_t t = HM(8, 0);
    for (int64_t i = 0; i < n; i++) {
        uint64_t r = test_rand(st);
        t += r % 4 == 0 ? 0 : (int64_t)(r % 90) * INT64_C(1000000000);
        ts[i] = t;
        px[i] = (r >> 8) % 9 == 0 ? NAN : 100 + (double)((r >> 12) % 1000) / 8;
        qty[i] = 1 + (int64_t)((r >> 24) % 50);
        syms[i] = (const char *[]){"A", "B", "C"}[(r >> 40) % 3];
    }
    oups_builder *b = NULL;
    oups_datatype s = oups_type(OUPS_TYPE_STRING);
    oups_column *sc = NULL;
    if (oups_builder_new(&b, &s, n) < 0) return NULL;
    for (int64_t i = 0; i < n; i++)
        if (oups_builder_append_bytes(b, syms[i], 1) < 0) return NULL;
    if (oups_builder_finish(&sc, b) < 0) return NULL;
    oups_builder_free(b);
    const char *names[] = {"ts", "sym", "px", "qty"};
    oups_column *cols[] = {col_ts(ts, n), sc, col_f64(px, n), col_i64(qty, n)};
    return sa_table(4, names, cols);
}

static const char *const BY[] = {"sym"};

static void chunked_case(const char *opts, bool grouped, bool snaps, uint64_t *st) {
    int64_t n = 40 + (int64_t)(test_rand(st) % 300);
    oups_table *t = quotes(st, n);
    CHECK(t != NULL);
    char path[256], args[2048];
    snprintf(path, sizeof path, "%s/all.parquet", dir);
    CHECK_OK(oups_parquet_write(path, t, NULL));
    snprintf(args, sizeof args, "all.parquet %s --format parquet -o one.parquet%s", opts,
             snaps ? " --snaps-out ones.parquet" : "");
    CHECK(run(args) == 0);
    oups_table *one = read_pq("one.parquet"), *ones = snaps ? read_pq("ones.parquet") : NULL;
    CHECK(one && (!snaps || ones));
    /* chunks: 0..5 random cuts (equal cuts = empty chunks) */
    int64_t cuts[7];
    int k = (int)(test_rand(st) % 6);
    for (int i = 0; i < k; i++) cuts[i] = (int64_t)(test_rand(st) % (uint64_t)(n + 1));
    for (int i = 1; i < k; i++)
        for (int j = i; j > 0 && cuts[j] < cuts[j - 1]; j--) {
            int64_t x = cuts[j];
            cuts[j] = cuts[j - 1];
            cuts[j - 1] = x;
        }
    cuts[k] = n;
    snprintf(path, sizeof path, "%s/state.bin", dir);
    unlink(path);
    oups_table *acc = NULL, *accs = NULL;
    for (int i = 0, prev = 0; i <= k; prev = (int)cuts[i], i++) {
        oups_table *c = NULL;
        CHECK_OK(oups_table_slice(&c, t, prev, cuts[i] - prev));
        snprintf(path, sizeof path, "%s/chunk.parquet", dir);
        CHECK_OK(oups_parquet_write(path, c, NULL));
        oups_table_free(c);
        snprintf(args, sizeof args, "chunk.parquet %s --state state.bin --format parquet -o b.parquet%s", opts,
                 snaps ? " --snaps-out s.parquet" : "");
        CHECK(run(args) == 0);
        oups_table *b = read_pq("b.parquet"), *s = snaps ? read_pq("s.parquet") : NULL;
        CHECK(b && (!snaps || s));
        acc = consolidate(acc, b, "ts", BY, grouped, false);
        if (snaps) accs = consolidate(accs, s, "ts", BY, grouped, true);
        oups_table_free(b);
        oups_table_free(s);
    }
    CHECK(same_table(one, acc, opts));
    CHECK(!snaps || same_table(ones, accs, opts));
    oups_table_free(one);
    oups_table_free(ones);
    oups_table_free(acc);
    oups_table_free(accs);
    oups_table_free(t);
}

TEST(chunks_with_state_equal_one_shot) {
    CHECK(access(OUPS_BINARY_DIR "/oups", X_OK) == 0);
    snprintf(dir, sizeof dir, "/tmp/oups_segagg_cli_XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
    uint64_t st = tests_seed();
    static const char *const A = "--agg open=first:px --agg high=max:px --agg low=min:px --agg close=last:px "
                                 "--agg vol=sum:qty --agg n=count:qty --agg avg=mean:px";
    char opts[1024];
    for (int rep = 0; rep < 3; rep++) {
        snprintf(opts, sizeof opts, "--ordered-on ts --bin-by 5min --by sym --snap-by 1min %s", A);
        chunked_case(opts, true, true, &st);
        snprintf(opts, sizeof opts, "--ordered-on ts --bin-by 13min --closed right --label right --origin start_day %s", A);
        chunked_case(opts, false, false, &st);
        snprintf(opts, sizeof opts, "--ordered-on ts --bin-by rows:4 --by sym %s", A);
        chunked_case(opts, true, false, &st);
        snprintf(opts, sizeof opts, "--ordered-on ts --bin-by 1h --origin 2020-01-01T00:07:00 --offset 1min "
                 "--snap-by 10min %s", A);
        chunked_case(opts, false, true, &st);
    }
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
}

static void write_text(const char *name, const char *text) {
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

TEST(csv_and_errors) {
    snprintf(dir, sizeof dir, "/tmp/oups_segagg_cli_XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
    write_text("q.csv", "ts,px\n2020-01-01T08:00:10,1.5\n2020-01-01T08:04:00,2.5\n");
    CHECK(run("q.csv --ordered-on ts --bin-by 2min --agg s=sum:px --agg n=count:px") == 0);
    char *out = slurp("out.txt");
    CHECK(out && strcmp(out, "ts,s,n\n2020-01-01T08:00:00.000000000,1.5,1\n2020-01-01T08:02:00.000000000,,\n"
                             "2020-01-01T08:04:00.000000000,2.5,1\n") == 0);
    CHECK(run("q.csv --on ts --bin-by 2min --agg s=sum:px --agg n=count:px") == 0); /* asof's name for it */
    char *alias = slurp("out.txt");
    CHECK(alias && strcmp(alias, out) == 0);
    free(alias);
    free(out);
    write_text("e.csv", "ts,px\n");
    CHECK(run("e.csv --ordered-on ts --bin-by 2min --agg s=sum:px --snap-by 1min --snaps-out es.csv -o eb.csv") == 0);
    out = slurp("eb.csv");
    char *out2 = slurp("es.csv");
    CHECK(out && out2 && strcmp(out, "ts,s\n") == 0 && strcmp(out2, "ts,s\n") == 0);
    free(out);
    free(out2);
    CHECK(run("--help") == 0);
    out = slurp("out.txt");
    CHECK(out && strstr(out, "--bin-by") != NULL);
    free(out);
    CHECK(run("q.csv --bin-by 2min --agg s=sum:px") == 2);                        /* no --ordered-on */
    CHECK(run("q.csv --ordered-on ts --bin-by 2parsecs --agg s=sum:px") == 2);    /* bad period */
    CHECK(run("q.csv --ordered-on ts --bin-by 2min --agg s=median:px") == 2);     /* bad function */
    CHECK(run("q.csv --ordered-on ts --bin-by 2min --agg s=sum:px --closed up") == 2);
    CHECK(run("q.csv --ordered-on ts --bin-by 2min --agg s=sum:px --snap-by 1min") == 2); /* no --snaps-out */
    CHECK(run("q.csv --ordered-on ts --bin-by 2min --agg s=sum:px --bogus") == 2);
    write_text("u.csv", "ts,px\n2020-01-01T08:00:10,1.5\n2020-01-01T07:04:00,2.5\n");
    CHECK(run("u.csv --ordered-on ts --bin-by 2min --agg s=sum:px -o o.csv") == 1);
    char path[256];
    snprintf(path, sizeof path, "%s/o.csv", dir);
    CHECK(access(path, F_OK) != 0); /* no partial output */
    out = slurp("err.txt");
    CHECK(out && strstr(out, "not ordered") != NULL);
    free(out);
    write_text("bad.state", "OUPSSAGG garbage");
    CHECK(run("q.csv --ordered-on ts --bin-by 2min --agg s=sum:px --state bad.state") == 1);
    /* a chunk starting before the previous one's end: exit 1, state unchanged */
    CHECK(run("q.csv --ordered-on ts --bin-by 2min --agg s=sum:px --state good.state") == 0);
    char *s1 = slurp("good.state");
    CHECK(run("q.csv --ordered-on ts --bin-by 2min --agg s=sum:px --state good.state") == 1);
    char *s2 = slurp("good.state");
    CHECK(s1 && s2 && memcmp(s1, s2, 64) == 0);
    free(s1);
    free(s2);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
}

/* `oups agg` with CSV blocks of `block` bytes (0: the default, one block here). */
static int run_blocks(int block, const char *args) {
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "cd %s && %s %s/oups agg %s > out.txt 2> err.txt", dir,
             block ? "OUPS_CSV_BLOCK_BYTES=" : "", OUPS_BINARY_DIR, args);
    if (block) {
        char b[32];
        snprintf(b, sizeof b, "%d", block);
        char *at = strstr(cmd, "OUPS_CSV_BLOCK_BYTES=") + strlen("OUPS_CSV_BLOCK_BYTES=");
        memmove(at + strlen(b), at, strlen(at) + 1);
        memcpy(at, b, strlen(b));
    }
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The inputs are streamed: CSV blocks (chunks) of a few rows, several input files, and the
 * one-block run give the same bins and snapshots, byte for byte (CSV) and value for value
 * (Parquet, a row group per chunk); a group dormant from the start to the end included. */
TEST(streamed_equals_one_shot) {
    snprintf(dir, sizeof dir, "/tmp/oups_segagg_cli_XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
    uint64_t st = tests_seed() + 7;
    static char text[3 * 1024 * 64];
    char *parts[3];
    size_t len = 0, hdr;
    len += (size_t)sprintf(text, "ts,sym,px,qty\n");
    hdr = len;
    int64_t t = 8 * 3600;
    enum { NR = 3000 };
    for (int i = 0; i < NR; i++) {
        uint64_t r = test_rand(&st);
        t += r % 3 == 0 ? 0 : (int64_t)(r % 23);
        const char *sym = i < NR / 20 || i > NR - NR / 20 ? (const char *[]){"A", "B", "Z"}[(r >> 40) % 3]
                                                           : (const char *[]){"A", "B", "C"}[(r >> 40) % 3];
        char px[32] = "";
        if ((r >> 8) % 13) snprintf(px, sizeof px, "%.3f", 100 + (double)((r >> 12) % 1000) / 8);
        len += (size_t)sprintf(text + len, "2020-01-01T%02lld:%02lld:%02lld,%s,%s,%d\n", (long long)(t / 3600 % 24),
                               (long long)(t / 60 % 60), (long long)(t % 60), sym, px, 1 + (int)((r >> 24) % 50));
        if (i == NR / 3 || i == 2 * NR / 3) parts[i == NR / 3 ? 0 : 1] = text + len;
    }
    parts[2] = text + len;
    write_text("all.csv", text);
    /* the same rows in three files, each with the header */
    char name[16], buf[sizeof text];
    for (int f = 0; f < 3; f++) {
        const char *from = f ? parts[f - 1] : text + hdr;
        size_t n = (size_t)(parts[f] - from);
        memcpy(buf, text, hdr);
        memcpy(buf + hdr, from, n);
        buf[hdr + n] = 0;
        snprintf(name, sizeof name, "p%d.csv", f);
        write_text(name, buf);
    }
    static const char *const cfg[] = {
        "--ordered-on ts --bin-by 1min --by sym --snap-by 20s --agg o=first:px --agg h=max:px --agg v=sum:qty --agg n=count:px",
        "--ordered-on ts --bin-by rows:3 --by sym --agg o=first:px --agg c=last:px --agg v=sum:qty",
        "--ordered-on ts --bin-by 5min --agg o=first:px --agg m=mean:px --agg v=sum:qty",
        "--ordered-on ts --bin-by 2min --closed right --label right --by sym --snap-by 30s --agg c=last:px --agg v=sum:qty",
    };
    for (int c = 0; c < 4; c++) {
        bool snaps = strstr(cfg[c], "--snap-by") != NULL;
        char args[1024];
        snprintf(args, sizeof args, "all.csv %s -o ref.csv%s", cfg[c], snaps ? " --snaps-out refs.csv" : "");
        CHECK(run_blocks(0, args) == 0);
        char *ref = slurp("ref.csv"), *refs = snaps ? slurp("refs.csv") : NULL;
        CHECK(ref && strlen(ref) > 200 && (!snaps || refs));
        snprintf(args, sizeof args, "all.csv %s --format parquet -o ref.parquet%s", cfg[c],
                 snaps ? " --snaps-out refs.parquet" : "");
        CHECK(run_blocks(0, args) == 0);
        oups_table *refp = read_pq("ref.parquet");
        CHECK(refp);
        for (int rep = 0; rep < 3; rep++) {
            int block = 40 + (int)(test_rand(&st) % 3000);
            snprintf(args, sizeof args, "%s %s -o got.csv%s", rep == 1 ? "p0.csv p1.csv p2.csv" : "all.csv", cfg[c],
                     snaps ? " --snaps-out gots.csv" : "");
            CHECK(run_blocks(block, args) == 0);
            char *got = slurp("got.csv"), *gots = snaps ? slurp("gots.csv") : NULL;
            CHECK(got && strcmp(got, ref) == 0);
            CHECK(!snaps || (gots && strcmp(gots, refs) == 0));
            free(got);
            free(gots);
        }
        snprintf(args, sizeof args, "all.csv %s --format parquet -o got.parquet%s", cfg[c],
                 snaps ? " --snaps-out gots.parquet" : "");
        CHECK(run_blocks(100, args) == 0);
        oups_table *gotp = read_pq("got.parquet");
        CHECK(gotp && same_table(refp, gotp, cfg[c]));
        oups_table_free(gotp);
        oups_table_free(refp);
        free(ref);
        free(refs);
    }
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
}

RUN_TESTS("ops.segagg_cli", chunks_with_state_equal_one_shot, csv_and_errors, streamed_equals_one_shot)
