// labels: fault slow
/*
 * tests/cli/test_live.c: the live mode of `oups agg` and `oups asof` (--input -, --store-out,
 * --state) against real processes fed through a pipe: SIGKILL at random instants (so also
 * inside store writes and state checkpoints), SIGTERM, the feeder closing stdin in the middle
 * of a line, restarts on the whole stream or on its rest (--input-offset from --print-offset),
 * CSV and JSONL, chunks cut by rows and by seconds (a feeder that pauses). The dataset read back
 * must equal the one-shot `oups agg` / `oups asof` output byte for byte (CSV text of the same
 * values) in every trial.
 * Also: kills placed right after a chunk's write, before its checkpoint
 * (OUPS_TEST_KILL_AFTER_WRITE), a 0-row input, a replay of a finished stream (nothing changes), a
 * malformed JSONL line (exit 1, the message names the line and field, the state stops at the
 * last chunk before it), usage errors. Trials use a random small --row-group-size, so kills also
 * hit writes that merge the small row groups. A stream of hundreds of chunks ends with row groups
 * of at most --row-group-size rows and few small ones (the work of a chunk is bounded).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "oups/oups.h"
#include "cli_run.h"
#include "harness.h"

#define sh clirun_sh
#define put clirun_put
#define dir clirun_dir
static char *slurp(const char *name) { return clirun_slurp(name, NULL); }


/* The stream: a header and N data rows (CSV with blank lines sprinkled; JSONL), and where each
 * data row starts, so a restart can be fed the rest. */
enum { N = 1500 };
static char csv[N * 64 + 64], jsonl[N * 96 + 64];
static size_t csv_len, jsonl_len, csv_row[N + 1], jsonl_row[N + 1], csv_header_len;

static const char *AGG = "--ordered-on ts --bin-by 1min --by sym --agg open=first:px --agg high=max:px "
                         "--agg close=last:px --agg vol=sum:qty --agg n=count:px";

static void gen(uint64_t *st) {
    csv_len = (size_t)sprintf(csv, "ts,sym,px,qty\n");
    csv_header_len = csv_len;
    jsonl_len = 0;
    int64_t t = 9 * 3600;
    for (int i = 0; i < N; i++) {
        uint64_t r = test_rand(st);
        t += r % 3 == 0 ? 0 : (int64_t)(r % 37); /* runs of equal timestamps */
        char ts[40], px[32];
        snprintf(ts, sizeof ts, "2024-01-02T%02lld:%02lld:%02lldZ", (long long)(t / 3600 % 24), (long long)(t / 60 % 60),
                 (long long)(t % 60));
        bool null = (r >> 8) % 11 == 0;
        snprintf(px, sizeof px, "%.3f", 100 + (double)((r >> 12) % 1000) / 8);
        const char *sym = (const char *[]){"A", "B", "C", "D"}[(r >> 40) % 4];
        int qty = 1 + (int)((r >> 24) % 50);
        if ((r >> 50) % 29 == 0) csv[csv_len++] = '\n'; /* a blank line: skipped, not a row */
        csv_row[i] = csv_len;
        csv_len += (size_t)sprintf(csv + csv_len, "%s,%s,%s,%d\n", ts, sym, null ? "" : px, qty);
        jsonl_row[i] = jsonl_len;
        jsonl_len += (size_t)sprintf(jsonl + jsonl_len, "{\"ts\": \"%s\", \"sym\": \"%s\", \"px\": %s, \"qty\": %d}\n", ts,
                                     sym, null ? "null" : px, qty);
    }
    csv_row[N] = csv_len;
    jsonl_row[N] = jsonl_len;
}

static int64_t offset(void) {
    if (sh("%s/oups agg --state st --print-offset > off.txt", OUPS_BINARY_DIR) != 0) return -1;
    char *s = slurp("off.txt");
    int64_t v = s ? strtoll(s, NULL, 10) : -1;
    free(s);
    return v;
}

static void write_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return; /* the reader is gone (EPIPE) */
        p += w;
        n -= (size_t)w;
    }
}

static double seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void nap_us(long us) {
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

enum mode { FULL, KILL, TERM, CUT_LINE, PAUSES };

/* Run `oups agg --input - ARGS` in dir with `data` on a pipe; the raw wait status. KILL / TERM
 * send the signal after a random part was written (and a random short wait); CUT_LINE closes
 * stdin at a random byte; PAUSES writes in pieces with pauses. */
static int feed(const char *args, const char *data, size_t n, enum mode mode, uint64_t *st) {
    /* args: the command after "oups" (agg ... or asof ...), --input - included */
    int p[2];
    if (pipe(p) != 0) return -1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[0], 0);
        close(p[0]);
        close(p[1]);
        char cmd[4096];
        snprintf(cmd, sizeof cmd, "cd %s && exec %s/oups %s >>out.txt 2>>err.txt", dir, OUPS_BINARY_DIR, args);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    close(p[0]);
    size_t cut = n ? (size_t)(test_rand(st) % (n + 1)) : 0;
    if (mode == FULL) write_all(p[1], data, n);
    else if (mode == PAUSES)
        for (size_t at = 0; at < n;) {
            size_t k = 1 + (size_t)(test_rand(st) % 3000);
            if (k > n - at) k = n - at;
            write_all(p[1], data + at, k);
            at += k;
            nap_us((long)(test_rand(st) % 15000));
        }
    else {
        for (size_t at = 0; at < cut;) { /* random pieces, sometimes ending inside a line */
            size_t k = 1 + (size_t)(test_rand(st) % 4000);
            if (k > cut - at) k = cut - at;
            write_all(p[1], data + at, k);
            at += k;
            if (test_rand(st) % 4 == 0) nap_us((long)(test_rand(st) % 3000));
        }
        if (mode != CUT_LINE) {
            nap_us((long)(test_rand(st) % 20000));
            kill(pid, mode == KILL ? SIGKILL : SIGTERM);
        }
    }
    close(p[1]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    return status;
}

/* The stream for a run starting at row k: the header (CSV) and the rows from k. */
static char *from_row(bool js, int64_t k, size_t *n) {
    const char *base = js ? jsonl : csv;
    size_t head = js ? 0 : csv_header_len, start = js ? jsonl_row[k] : csv_row[k], len = js ? jsonl_len : csv_len;
    char *s = malloc(head + (len - start) + 1);
    memcpy(s, base, head);
    memcpy(s + head, base + start, len - start);
    *n = head + len - start;
    return s;
}

/* One trial of `oups ARGS --state st` (ARGS with --input - and --store-out ds/...): runs
 * killed, cut or terminated at random, restarted (on the whole stream or on the rest) until a
 * run reads the stream to its end; then dataset ds/<names[i]> must read back as refs[i]. */
static void trial(const char *args0, bool js, uint64_t *st, const char *const *names, const char *const *refs, int n) {
    CHECK(sh("rm -rf st ds out.txt err.txt") == 0);
    char args[2048];
    int64_t rows = 1 + (int64_t)(test_rand(st) % 200);
    int64_t rg = 5 + (int64_t)(test_rand(st) % 300);
    snprintf(args, sizeof args, "%s --input-format %s --chunk-rows %lld --state st --row-group-size %lld", args0,
             js ? "jsonl" : "csv", (long long)rows, (long long)rg);
    int stops = 1 + (int)(test_rand(st) % 5);
    for (int run = 0;; run++) {
        bool rest = test_rand(st) % 2;
        int64_t k = rest ? offset() : 0;
        CHECK(k >= 0 && k <= N);
        size_t len;
        char *data = from_row(js, k, &len);
        char a2[2200];
        snprintf(a2, sizeof a2, "%s --input-offset %lld", args, (long long)k);
        enum mode m = run >= stops ? (test_rand(st) % 4 ? FULL : PAUSES) : (enum mode)(1 + test_rand(st) % 3);
        if (m == PAUSES) strcat(a2, " --chunk-seconds 0.004");
        int64_t before = offset();
        int status = feed(a2, data, len, m, st);
        free(data);
        if (m == FULL || m == PAUSES) {
            if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) sh("cat err.txt >&2");
            CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
            break;
        }
        /* KILL; TERM: the chunk read so far is finished, exit 0 (or killed before the handler) */
        if (m == KILL || m == TERM) CHECK(!WIFEXITED(status) || WEXITSTATUS(status) == 0);
        if (m == CUT_LINE) CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        CHECK(offset() >= before); /* a state never goes back */
    }
    CHECK(offset() == N);
    for (int i = 0; i < n; i++) {
        CHECK(sh("%s/oups store read ds/%s > got.csv", OUPS_BINARY_DIR, names[i]) == 0);
        char *got = slurp("got.csv");
        CHECK(got && strcmp(got, refs[i]) == 0);
        free(got);
    }
}


TEST(killed_and_restarted_equals_one_shot) {
    CHECK(access(OUPS_BINARY_DIR "/oups", X_OK) == 0);
    uint64_t st = tests_seed();
    gen(&st);
    put("all.csv", csv, csv_len);
    CHECK(sh("%s/oups agg all.csv %s --snap-by 20s --snaps-out refs.csv -o ref.csv", OUPS_BINARY_DIR, AGG) == 0);
    char *ref = slurp("ref.csv"), *refs = slurp("refs.csv");
    CHECK(ref && refs && strlen(ref) > 1000);
    /* The work is bounded by time (the machine may be slow), never the result: >= 3 trials. */
    double t0 = seconds();
    int trials = 0;
    for (; trials < 3 || (trials < 40 && seconds() - t0 < 10); trials++) {
        bool js = trials % 3 == 2, snaps = trials % 2 == 1;
        char args[1024];
        snprintf(args, sizeof args, "agg --input - %s --schema px:float64 --store-out ds/bars%s", AGG,
                 snaps ? " --snap-by 20s --snaps-out ds/snaps" : "");
        const char *const names[] = {"bars", "snaps"}, *const r[] = {ref, refs};
        trial(args, js, &st, names, r, snaps ? 2 : 1);
        if (test_failed_flag) {
            fprintf(stderr, "  trial %d failed (seed %llu)\n", trials, (unsigned long long)tests_seed());
            break;
        }
    }
    fprintf(stderr, "  %d trials\n", trials);
    free(ref);
    free(refs);
}

/* oups asof --input -: MAIN from stdin, the quotes a file read in step; killed and restarted
 * as above, the dataset equals the one-shot join (exact matches on and off, every direction). */
TEST(asof_killed_and_restarted_equals_one_shot) {
    uint64_t st = tests_seed() + 2;
    gen(&st);
    put("all.csv", csv, csv_len);
    /* quotes: keys interleaved with the trades' (equal keys included), a file */
    char *q = malloc(N * 48 + 64);
    size_t ql = (size_t)sprintf(q, "ts,bid\n");
    for (int i = 0; i < N; i++) {
        int64_t t = 9 * 3600 + (int64_t)i * 12 + (int64_t)(test_rand(&st) % 12); /* non-decreasing */
        ql += (size_t)sprintf(q + ql, "2024-01-02T%02lld:%02lld:%02lldZ,%d.5\n", (long long)(t / 3600 % 24),
                              (long long)(t / 60 % 60), (long long)(t % 60), i);
    }
    put("quotes.csv", q, ql);
    free(q);
    double t0 = seconds();
    int trials = 0;
    for (; trials < 2 || (trials < 20 && seconds() - t0 < 6); trials++) {
        const char *exact = trials % 2 ? "1" : "0";
        /* every direction: forward and nearest keep MAIN's last key in the state, and their
         * look-ahead rows must not be given twice after a kill */
        const char *dir = (const char *[]){"backward", "forward", "nearest"}[test_rand(&st) % 3];
        int np = dir[0] == 'b' ? (int)(test_rand(&st) % 3) : 0; /* windows of previous values: a TABLE row given twice shows */
        CHECK(sh("%s/oups asof --on ts --main all.csv quotes.csv --allow-exact-matches %s --n-prev %d --direction %s "
                 "-o ref.csv",
                 OUPS_BINARY_DIR, exact, np, dir) == 0);
        char *ref = slurp("ref.csv");
        CHECK(ref && strlen(ref) > 1000);
        char args[1024];
        snprintf(args, sizeof args, "asof --on ts --input - quotes.csv --allow-exact-matches %s --n-prev %d "
                 "--direction %s --schema px:float64 --store-out ds/j", exact, np, dir);
        const char *const names[] = {"j"}, *const r[] = {ref};
        trial(args, trials % 3 == 1, &st, names, r, 1);
        free(ref);
        if (test_failed_flag) {
            fprintf(stderr, "  asof trial %d (%s) failed (seed %llu)\n", trials, dir, (unsigned long long)tests_seed());
            break;
        }
    }
    fprintf(stderr, "  %d asof trials\n", trials);
}

/* Row groups of dataset ds/NAME: none above `target` rows, at most `max_small` + 1 under the
 * store's on-target size (0.8 target: the small ones of the last chunks, not merged yet). */
static void check_row_groups(const char *name, int64_t target, int max_small) {
    char path[600];
    snprintf(path, sizeof path, "%s/ds/%s", dir, name);
    oups_opd *opd = NULL;
    CHECK_OK(oups_opd_open(&opd, path, NULL));
    if (!opd) return;
    int64_t n = oups_opd_len(opd), small = 0, big = 0, rows = 0;
    for (int64_t i = 0; i < n; i++) {
        oups_opd_rg_stats s;
        CHECK_OK(oups_opd_stats(&s, opd, i));
        rows += s.n_rows;
        big += s.n_rows > target;
        small += s.n_rows * 5 < target * 4;
    }
    oups_opd_close(opd);
    if (big || small > max_small + 1) fprintf(stderr, "  %s: %lld row groups, %lld above %lld rows, %lld small\n", name,
                                              (long long)n, (long long)big, (long long)target, (long long)small);
    CHECK(rows > 0 && big == 0 && small <= max_small + 1);
}

/* Hundreds of chunks: the dataset equals the one-shot output, and its row groups stay bounded
 * (before --row-group-size, agg rewrote one growing row group per chunk and asof added one
 * row group per chunk). */
TEST(many_chunks_bounded_row_groups) {
    uint64_t st = tests_seed() + 3;
    gen(&st);
    put("all.csv", csv, csv_len);
    CHECK(sh("%s/oups agg all.csv %s -o ref.csv", OUPS_BINARY_DIR, AGG) == 0);
    CHECK(sh("rm -rf st ds && %s/oups agg --input - %s --schema px:float64 --chunk-rows 5 --state st "
             "--store-out ds/bars --row-group-size 40 < all.csv", OUPS_BINARY_DIR, AGG) == 0);
    CHECK(sh("%s/oups store read ds/bars > got.csv && cmp -s got.csv ref.csv", OUPS_BINARY_DIR) == 0);
    check_row_groups("bars", 40, 8);
    clirun_put_text("quotes.csv", "ts,bid\n2024-01-02T09:00:00Z,1.5\n2024-01-02T11:00:00Z,2.5\n");
    CHECK(sh("%s/oups asof --on ts --main all.csv quotes.csv -o ref.csv", OUPS_BINARY_DIR) == 0);
    CHECK(sh("rm -rf st && %s/oups asof --on ts --input - quotes.csv --schema px:float64 --chunk-rows 3 --state st "
             "--store-out ds/j --row-group-size 50 < all.csv", OUPS_BINARY_DIR) == 0);
    CHECK(sh("%s/oups store read ds/j > got.csv && cmp -s got.csv ref.csv", OUPS_BINARY_DIR) == 0);
    check_row_groups("j", 50, 8);
}

TEST(edges) {
    uint64_t st = tests_seed() + 1;
    gen(&st);
    put("all.csv", csv, csv_len);
    CHECK(sh("%s/oups agg all.csv %s -o ref.csv", OUPS_BINARY_DIR, AGG) == 0);
    char *ref = slurp("ref.csv");
    CHECK(ref);
    char args[2048];
    snprintf(args, sizeof args, "%s --schema px:float64 --chunk-rows 97 --state st --store-out ds/bars", AGG);
    /* a 0-row input: nothing written, no state */
    CHECK(sh("rm -rf st ds && printf 'ts,sym,px,qty\\n' | %s/oups agg --input - %s", OUPS_BINARY_DIR, args) == 0);
    CHECK(sh("test -e st") != 0);
    CHECK(offset() == 0);
    /* the whole stream, then the whole stream again: only skipped rows, nothing changes */
    CHECK(sh("%s/oups agg --input - %s < all.csv && %s/oups store read ds/bars > got.csv", OUPS_BINARY_DIR, args,
             OUPS_BINARY_DIR) == 0);
    char *got = slurp("got.csv");
    CHECK(got && strcmp(got, ref) == 0);
    free(got);
    CHECK(sh("cp st st0 && %s/oups agg --input - %s < all.csv && cmp st st0 && %s/oups store read ds/bars > got.csv",
             OUPS_BINARY_DIR, args, OUPS_BINARY_DIR) == 0);
    got = slurp("got.csv");
    CHECK(got && strcmp(got, ref) == 0);
    free(got);
    /* killed after the k-th chunk's write, before its checkpoint (the dataset ahead of the
     * state), then restarted on the whole stream or on the rest: the one-shot dataset */
    for (int k = 1; k <= 12; k += 1 + k / 3) {
        CHECK(sh("rm -rf st ds && { OUPS_TEST_KILL_AFTER_WRITE=%d %s/oups agg --input - %s < all.csv; } 2>/dev/null", k,
                 OUPS_BINARY_DIR, args) != 0);
        int64_t s = offset();
        CHECK(s == 97 * (k - 1));
        size_t n;
        char *rest = from_row(false, k % 2 ? 0 : s, &n);
        put("rest.csv", rest, n);
        free(rest);
        CHECK(sh("%s/oups agg --input - %s --input-offset %lld < rest.csv", OUPS_BINARY_DIR, args,
                 (long long)(k % 2 ? 0 : s)) == 0);
        CHECK(sh("%s/oups store read ds/bars > got.csv", OUPS_BINARY_DIR) == 0);
        got = slurp("got.csv");
        CHECK(got && strcmp(got, ref) == 0);
        free(got);
    }
    CHECK(sh("cp st st0") == 0);
    /* a gap (the input starts after the rows consumed) is refused, nothing changes */
    CHECK(sh("%s/oups agg --input - %s --input-offset %d < all.csv 2> err.txt", OUPS_BINARY_DIR, args, N + 5) == 1);
    CHECK(sh("grep -q 'would be missing' err.txt && cmp st st0") == 0);
    /* a malformed JSONL line: exit 1 naming line and field; the state stops before its chunk */
    char bad[N * 96 + 64];
    size_t bl = jsonl_row[100];
    memcpy(bad, jsonl, bl);
    bl += (size_t)sprintf(bad + bl, "{\"ts\": \"2024-01-02T23:00:00Z\", \"sym\": \"A\", \"px\": 1.2.3, \"qty\": 1}\n");
    memcpy(bad + bl, jsonl + jsonl_row[101], jsonl_len - jsonl_row[101]);
    bl += jsonl_len - jsonl_row[101];
    put("bad.jsonl", bad, bl);
    snprintf(args, sizeof args, "%s --schema px:float64 --input-format jsonl --chunk-rows 30 --state st --store-out ds/j", AGG);
    CHECK(sh("rm -f st && %s/oups agg --input - %s < bad.jsonl 2> err.txt", OUPS_BINARY_DIR, args) == 1);
    CHECK(sh("grep -q \"line 101, field 'px'\" err.txt") == 0);
    CHECK(offset() == 90);
    /* an unknown field and a field given twice */
    CHECK(sh("rm -f st && printf '{\"ts\": \"2024-01-02T09:00:00Z\", \"sym\": \"A\", \"px\": 1.5, \"qty\": 1}\\n"
             "{\"ts\": \"2024-01-02T09:00:00Z\", \"sym\": \"A\", \"px\": 1.5, \"qty\": 1, \"zz\": 2}\\n' | "
             "%s/oups agg --input - %s 2> err.txt", OUPS_BINARY_DIR, args) == 1);
    CHECK(sh("grep -q \"line 2, field 'zz': not a column\" err.txt") == 0);
    /* the feeder stops inside a line: that line is not read */
    size_t cut = csv_row[10] + 7;
    put("cut.csv", csv, cut);
    snprintf(args, sizeof args, "%s --schema px:float64 --chunk-rows 4 --state st --store-out ds/c", AGG);
    CHECK(sh("rm -f st && %s/oups agg --input - %s < cut.csv 2> err.txt", OUPS_BINARY_DIR, args) == 0);
    CHECK(sh("grep -q 'incomplete' err.txt") == 0);
    CHECK(offset() == 10);
    free(ref);
}

TEST(usage) {
    CHECK(sh("%s/oups agg --input - %s --bin-by rows:3 --store-out d --state s < /dev/null 2> err.txt", OUPS_BINARY_DIR,
             "--ordered-on ts --agg n=count:px") == 2);
    CHECK(sh("%s/oups agg --input - %s --store-out d < /dev/null 2> err.txt", OUPS_BINARY_DIR, AGG) == 2);
    CHECK(sh("grep -q 'needs --state' err.txt") == 0);
    CHECK(sh("%s/oups agg all.csv %s --chunk-rows 5 2> err.txt", OUPS_BINARY_DIR, AGG) == 2);
    CHECK(sh("%s/oups agg --input - %s --chunk-rows 0 < /dev/null 2> err.txt", OUPS_BINARY_DIR, AGG) == 2);
    CHECK(sh("%s/oups agg --input - %s --chunk-seconds x < /dev/null 2> err.txt", OUPS_BINARY_DIR, AGG) == 2);
    CHECK(sh("%s/oups agg --input x.csv %s < /dev/null 2> err.txt", OUPS_BINARY_DIR, AGG) == 2);
    CHECK(sh("%s/oups agg --help | grep -q -- --chunk-seconds", OUPS_BINARY_DIR) == 0);
    CHECK(sh("%s/oups agg --input - %s --state s --store-out d --row-group-size 0 < /dev/null 2> err.txt",
             OUPS_BINARY_DIR, AGG) == 2);
    CHECK(sh("%s/oups asof --on ts --input - q.csv --row-group-size 10 < /dev/null 2> err.txt", OUPS_BINARY_DIR) == 2);
    CHECK(sh("grep -q -- '--row-group-size applies to --store-out only' err.txt") == 0);
    /* a state that is not a live state */
    CHECK(sh("printf 'junk' > junk.st && %s/oups agg --input - %s --state junk.st < all.csv 2> err.txt", OUPS_BINARY_DIR,
             AGG) == 1);
    CHECK(sh("grep -q 'not a live state' err.txt") == 0);
}

static int setup(void) {
    signal(SIGPIPE, SIG_IGN); /* a killed reader: the feeder's write fails, it does not die */
    return 0;
}

CLIRUN_TESTS("cli.live", "live", setup, killed_and_restarted_equals_one_shot, asof_killed_and_restarted_equals_one_shot,
             many_chunks_bounded_row_groups, edges, usage)
