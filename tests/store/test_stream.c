// labels: quick fault
/*
 * tests/store/test_stream.c: write transactions (oups_opd_begin/commit/rollback, txn.c).
 * Property: random datasets (n-rows and period strategies, coalescing, duplicate modes), new
 * data split into random chunks (empty ones, single rows, boundaries inside runs of equal
 * keys, overlapping the stored rows) written in one transaction give a dataset byte-identical
 * (every file and the metadata) to the same chunks written and committed one by one, and the
 * same rows as one oups_opd_write of all the data (row-group boundaries may differ there: the
 * planner sees the data a chunk at a time; the test counts how often they agree and requires
 * it for in-order appends to an empty dataset with the n-rows strategy, where they must).
 * Chunks out of global order (general merge-writes) too. Faults: rollback and close without
 * commit leave the dataset as it was; a staged file damaged before the commit is refused; an
 * I/O crash at every call of a transaction (writes and commit), and a child SIGKILLed at random
 * moments, leave the old or the new dataset, which passes oups_opd_check read-only (leftover
 * staged files are not data) and after a writer's open (which deletes them).
 */
#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>

#include "store_util.h"

#define MAXN 64

typedef struct gen {
    int64_t t[MAXN * 4], v[MAXN * 4];
    int64_t n;
} gen;

/* n sorted keys in [lo, lo + span) steps of 10 min (runs of equal keys likely), v in 0..2. */
static void gen_rows(gen *g, uint64_t *rs, int64_t n, int64_t lo, int64_t span) {
    g->n = n;
    for (int64_t i = 0; i < n; i++) g->t[i] = lo + (int64_t)(test_rand(rs) % (uint64_t)span);
    for (int64_t i = 1; i < n; i++) /* insertion sort: n is small */
        for (int64_t j = i; j > 0 && g->t[j] < g->t[j - 1]; j--) {
            int64_t x = g->t[j];
            g->t[j] = g->t[j - 1];
            g->t[j - 1] = x;
        }
    for (int64_t i = 0; i < n; i++) {
        g->t[i] = su_ts("2024-01-01 00:00") + g->t[i] * 600 * SU_NS;
        g->v[i] = (int64_t)(test_rand(rs) % 3);
    }
}

static oups_table *gen_table(const gen *g, int64_t a, int64_t b) { return su_ts_table("ts", g->t + a, g->v + a, b - a); }

typedef struct params {
    int64_t T, max_off;
    const char *period;
    oups_dup_mode dup;
} params;

static oups_store_write_options opts_of(const params *p) {
    static const char *const on[] = {"ts"};
    oups_store_write_options o = OUPS_STORE_WRITE_OPTIONS_INIT;
    o.ordered_on = "ts";
    o.row_group_rows = p->T;
    o.row_group_period = p->period;
    o.max_n_off_target_rgs = p->max_off;
    o.duplicates = p->dup;
    if (p->dup == OUPS_DUP_COLUMNS) o.duplicates_on = on, o.n_duplicates_on = 1;
    return o;
}

static bool open_ds(oups_opd **opd, const char *dir) {
    char p[512];
    snprintf(p, sizeof p, "%s/ds", dir);
    if (oups_opd_open(opd, p, NULL) == 0) return true;
    fprintf(stderr, "  open %s: %s\n", p, oups_error_last());
    return false;
}

/* The same existing dataset in each of dirs[0..n): `n_writes` random writes. */
static bool build_existing(char **dirs, int n, uint64_t *rs, const params *p) {
    int n_writes = (int)(test_rand(rs) % 3);
    oups_store_write_options o = opts_of(p);
    for (int w = 0; w < n_writes; w++) {
        gen g;
        gen_rows(&g, rs, 1 + (int64_t)(test_rand(rs) % 12), (int64_t)(test_rand(rs) % 20), 1 + (int64_t)(test_rand(rs) % 30));
        oups_table *t = gen_table(&g, 0, g.n);
        for (int d = 0; d < n; d++) {
            oups_opd *opd;
            if (!t || !open_ds(&opd, dirs[d])) return oups_table_free(t), false;
            int rc = oups_opd_write(opd, t, &o);
            oups_opd_close(opd);
            if (rc) return oups_table_free(t), false;
        }
        oups_table_free(t);
    }
    return true;
}

static int name_cmp(const void *a, const void *b) { return strcmp(a, b); }

/* Sorted names of the entries of `dir` (at most 256). */
static int list_dir(char names[][64], const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 256)
        if (e->d_name[0] != '.') snprintf(names[n++], 64, "%.63s", e->d_name);
    closedir(d);
    qsort(names, (size_t)n, 64, name_cmp);
    return n;
}

static bool same_file(const char *a, const char *b) {
    uint8_t *x = NULL, *y = NULL;
    size_t nx = 0, ny = 0;
    bool ok = oups_io_read_file(&x, &nx, a) == 0 && oups_io_read_file(&y, &ny, b) == 0 && nx == ny &&
              memcmp(x, y, nx) == 0;
    oups_free(x);
    oups_free(y);
    return ok;
}

/* Every file of dataset dir1/ds (and dir1/ds_opdmd) byte-identical to dir2's. */
static bool same_bytes(const char *dir1, const char *dir2) {
    static char n1[256][64], n2[256][64];
    char a[512], b[512];
    snprintf(a, sizeof a, "%s/ds", dir1);
    snprintf(b, sizeof b, "%s/ds", dir2);
    int k1 = list_dir(n1, a), k2 = list_dir(n2, b);
    if (k1 != k2) return fprintf(stderr, "  %d vs %d files\n", k1, k2), false;
    for (int i = 0; i < k1; i++) {
        snprintf(a, sizeof a, "%.300s/ds/%.63s", dir1, n1[i]);
        snprintf(b, sizeof b, "%.300s/ds/%.63s", dir2, n2[i]);
        if (strcmp(n1[i], n2[i]) != 0 || !same_file(a, b)) return fprintf(stderr, "  %s differs\n", a), false;
    }
    snprintf(a, sizeof a, "%s/ds_opdmd", dir1);
    snprintf(b, sizeof b, "%s/ds_opdmd", dir2);
    if (access(a, F_OK) != 0 && access(b, F_OK) != 0) return true;
    if (!same_file(a, b)) return fprintf(stderr, "  %s differs\n", a), false;
    return true;
}

/* Rows (all columns) and row-group sizes of a dataset. */
static bool contents(oups_table **rows, int64_t *sizes, int64_t *n_rgs, const char *dir) {
    oups_opd *opd;
    if (!open_ds(&opd, dir)) return false;
    int rc = oups_opd_read(rows, opd, NULL, 0);
    *n_rgs = oups_opd_len(opd);
    for (int64_t i = 0; rc == 0 && i < *n_rgs && i < 256; i++) {
        oups_opd_rg_stats s;
        rc = oups_opd_stats(&s, opd, i);
        sizes[i] = s.n_rows;
    }
    if (rc == 0) rc = oups_opd_check(opd);
    oups_opd_close(opd);
    return rc == 0;
}

static int64_t n_agree, n_compared;

/* One random case; false on a failure (printed). */
static bool stream_case(uint64_t *rs, bool in_order) {
    params p = {2 + (int64_t)(test_rand(rs) % 6), (int64_t)(test_rand(rs) % 4), NULL,
                (oups_dup_mode)(test_rand(rs) % 3)};
    if (test_rand(rs) % 4 == 0) p.period = test_rand(rs) % 2 ? "h" : "2h";
    bool fresh = test_rand(rs) % 3 == 0;
    char *dirs[3];
    for (int d = 0; d < 3; d++) {
        dirs[d] = strdup(su_tmpdir());
        if (!dirs[d]) return false;
    }
    bool ok = fresh || build_existing(dirs, 3, rs, &p);
    oups_store_write_options o = opts_of(&p);
    /* the chunks: a random split of one sorted table, or independent tables */
    gen all;
    gen_rows(&all, rs, (int64_t)(test_rand(rs) % (MAXN / 2 + 1)), (int64_t)(test_rand(rs) % 25), 1 + (int64_t)(test_rand(rs) % 40));
    int64_t cut[MAXN + 2], n_chunks = 0, pos = 0;
    bool aligned = test_rand(rs) % 3 == 0; /* chunks of k * T rows, as the CLI cuts them */
    cut[n_chunks++] = 0;
    while (pos < all.n || (n_chunks < 3 && test_rand(rs) % 2)) {
        int64_t len = (int64_t)(test_rand(rs) % 4); /* 0: an empty chunk */
        if (test_rand(rs) % 5 == 0) len = (int64_t)(test_rand(rs) % 12);
        if (aligned) len = p.T * (int64_t)(test_rand(rs) % 3);
        pos = pos + len > all.n ? all.n : pos + len;
        cut[n_chunks++] = pos;
        if (n_chunks > MAXN) {
            cut[n_chunks - 1] = all.n;
            break;
        }
        if (pos == all.n) break;
    }
    n_chunks--;
    gen indep[8];
    if (!in_order) {
        n_chunks = 1 + (int64_t)(test_rand(rs) % 6);
        for (int64_t c = 0; c < n_chunks; c++)
            gen_rows(&indep[c], rs, (int64_t)(test_rand(rs) % 8), (int64_t)(test_rand(rs) % 25), 1 + (int64_t)(test_rand(rs) % 20));
    }
    oups_opd *txn = NULL;
    ok = ok && open_ds(&txn, dirs[0]);
    if (ok && oups_opd_begin(txn) != 0) ok = false;
    for (int64_t c = 0; ok && c < n_chunks; c++) {
        oups_table *t = in_order ? gen_table(&all, cut[c], cut[c + 1]) : gen_table(&indep[c], 0, indep[c].n);
        oups_opd *seq = NULL;
        ok = t && open_ds(&seq, dirs[1]);
        if (ok && oups_opd_write(txn, t, &o) != 0) ok = false, fprintf(stderr, "  txn write: %s\n", oups_error_last());
        if (ok && oups_opd_write(seq, t, &o) != 0) ok = false, fprintf(stderr, "  seq write: %s\n", oups_error_last());
        oups_opd_close(seq);
        oups_table_free(t);
    }
    if (ok && oups_opd_commit(txn) != 0) ok = false, fprintf(stderr, "  commit: %s\n", oups_error_last());
    oups_opd_close(txn);
    if (ok && !same_bytes(dirs[0], dirs[1])) ok = false;
    if (ok && in_order) { /* one-shot: same rows */
        oups_opd *one;
        oups_table *t = gen_table(&all, 0, all.n);
        ok = t && open_ds(&one, dirs[2]);
        if (ok && oups_opd_write(one, t, &o) != 0) ok = false, fprintf(stderr, "  one-shot: %s\n", oups_error_last());
        if (ok) oups_opd_close(one);
        oups_table_free(t);
        oups_table *ra = NULL, *rb = NULL;
        static int64_t sa[256], sb[256];
        int64_t na = 0, nb = 0;
        char desc[200] = "";
        ok = ok && contents(&ra, sa, &na, dirs[0]) && contents(&rb, sb, &nb, dirs[2]);
        if (ok && !oups_table_equal(ra, rb, desc, sizeof desc)) ok = false, fprintf(stderr, "  rows: %s\n", desc);
        bool agree = ok && na == nb && memcmp(sa, sb, (size_t)(na < 256 ? na : 256) * 8) == 0;
        n_compared++;
        n_agree += agree;
        /* Chunks of k * T rows (the last excepted) into an empty dataset, n-rows strategy, no
         * duplicates dropped: every chunk's row groups are full, and a chunk starting inside a
         * run of equal keys re-merges the previous full row group: the one-shot's cuts, so
         * the files must be byte-identical. (Otherwise the planner decides chunk by chunk,
         * e.g. off-target row groups at chunk ends are only coalesced with max_off set.) */
        if (ok && aligned && fresh && !p.period && p.dup == OUPS_DUP_NONE && !agree) {
            ok = false;
            fprintf(stderr, "  row groups differ from the one-shot write (%lld vs %lld)\n", (long long)na, (long long)nb);
        }
        if (ok && aligned && fresh && !p.period && p.dup == OUPS_DUP_NONE && n_chunks > 0 &&
            !same_bytes(dirs[0], dirs[2]))
            ok = false;
        oups_table_free(ra);
        oups_table_free(rb);
    }
    if (!ok) {
        for (int64_t c = 0; in_order && c <= n_chunks; c++) fprintf(stderr, " %lld", (long long)cut[c]);
        fprintf(stderr, "  case: T=%lld max_off=%lld period=%s dup=%d fresh=%d in_order=%d chunks=%lld rows=%lld\n",
                (long long)p.T, (long long)p.max_off, p.period ? p.period : "-", (int)p.dup, fresh, in_order,
                (long long)n_chunks, (long long)all.n);
    }
    for (int d = 0; d < 3; d++) {
        su_rmrf(dirs[d]);
        free(dirs[d]);
    }
    return ok;
}

TEST(stream_equals_sequential_and_one_shot) {
    su_use_tmpfs();
    uint64_t rs = tests_seed();
    n_agree = n_compared = 0;
    for (int i = 0; i < 300; i++) CHECK(stream_case(&rs, true));
    fprintf(stderr, "  row-group boundaries equal to the one-shot write's in %lld of %lld cases\n", (long long)n_agree,
            (long long)n_compared);
}

TEST(general_merge_writes) {
    su_use_tmpfs();
    uint64_t rs = tests_seed() ^ 0x5eed;
    for (int i = 0; i < 150; i++) CHECK(stream_case(&rs, false));
}

/* Rendering of a dataset for the fault tests (key column `a` and marker `b`). */
static bool render_dir(char *out, size_t cap, const char *dir, bool read_only) {
    char p[512];
    snprintf(p, sizeof p, "%s/ds", dir);
    oups_opd_options oo = OUPS_OPD_OPTIONS_INIT;
    oo.read_only = read_only;
    oups_opd *opd;
    out[0] = '\0';
    snprintf(out, cap, "<missing>");
    if (access(p, F_OK) != 0 && !read_only) return snprintf(out, cap, "%s", ""), true;
    char md[520];
    snprintf(md, sizeof md, "%s_opdmd", p);
    if (access(md, F_OK) != 0) return snprintf(out, cap, "%s", ""), true;
    if (oups_opd_open(&opd, p, &oo) != 0) return fprintf(stderr, "  open: %s\n", oups_error_last()), false;
    bool ok = su_render(out, cap, opd) == 0 && oups_opd_check(opd) == 0;
    if (!ok) fprintf(stderr, "  render/check: %s\n", oups_error_last());
    oups_opd_close(opd);
    return ok;
}

static const char *const CHUNKS[] = {"1,2n", "2n,3", "", "3,4n,5", "5n", "0n,9"};
#define N_CHUNKS 6
#define OLD_RG "[1,2][4,6][7]"

/* Begin, write CHUNKS (T=2, duplicates on a), commit. */
static int txn_run(oups_opd *opd) {
    static const char *const on[] = {"a"};
    oups_store_write_options o = OUPS_STORE_WRITE_OPTIONS_INIT;
    o.ordered_on = "a";
    o.row_group_rows = 2;
    o.max_n_off_target_rgs = 2;
    o.duplicates = OUPS_DUP_COLUMNS;
    o.duplicates_on = on;
    o.n_duplicates_on = 1;
    int rc = oups_opd_begin(opd);
    for (int c = 0; c < N_CHUNKS && rc == 0; c++) {
        int n;
        oups_table **rgs = su_parse(CHUNKS[c], &n); /* "" gives a 0-row table */
        rc = oups_opd_write(opd, rgs[0], &o);
        su_free_rgs(rgs, n);
    }
    return rc ? rc : oups_opd_commit(opd);
}

/* The rendering of the committed result (computed once with no fault). */
static bool expected_new(char *out, size_t cap) {
    char *dir = su_tmpdir();
    oups_opd *opd = su_existing(dir, "ds", OLD_RG);
    bool ok = opd && txn_run(opd) == 0;
    oups_opd_close(opd);
    ok = ok && render_dir(out, cap, dir, false);
    su_rmrf(dir);
    return ok;
}

TEST(rollback_and_close_leave_old) {
    su_use_tmpfs();
    for (int how = 0; how < 3; how++) {
        char *dir = su_tmpdir(), got[256];
        oups_opd *opd = su_existing(dir, "ds", OLD_RG);
        CHECK(opd);
        CHECK_OK(oups_opd_begin(opd));
        CHECK_RC(oups_opd_begin(opd), OUPS_ESTATE);
        oups_store_write_options o = OUPS_STORE_WRITE_OPTIONS_INIT;
        o.row_group_rows = 2;
        int n;
        oups_table **rgs = su_parse("3n,4n,8n", &n);
        CHECK_OK(oups_opd_write(opd, rgs[0], &o));
        su_free_rgs(rgs, n);
        CHECK_RC(oups_opd_remove_from_disk(opd, false), OUPS_ESTATE);
        CHECK(oups_opd_len(opd) >= 3);
        if (how == 0) CHECK_OK(oups_opd_rollback(opd));
        if (how == 1) { /* a failed write: the commit rolls back */
            rgs = su_parse("5,4", &n);
            CHECK_RC(oups_opd_write(opd, rgs[0], &o), OUPS_EUNORDERED);
            su_free_rgs(rgs, n);
            CHECK_RC(oups_opd_commit(opd), OUPS_ESTATE);
        }
        if (how < 2) {
            CHECK_OK(su_render(got, sizeof got, opd));
            CHECK(strcmp(got, OLD_RG) == 0);
            CHECK_RC(oups_opd_commit(opd), OUPS_ESTATE);
        }
        oups_opd_close(opd); /* how == 2: close without commit */
        CHECK(render_dir(got, sizeof got, dir, true));
        CHECK(strcmp(got, OLD_RG) == 0);
        char p[512];
        snprintf(p, sizeof p, "%s/ds", dir);
        static char names[256][64];
        CHECK(list_dir(names, p) == 3); /* no staged file left */
        su_rmrf(dir);
    }
}

/* A staged file damaged before the commit: a later write reading it, or the commit, refuses;
 * the dataset stays the old one. */
TEST(staged_bit_flip_refused) {
    su_use_tmpfs();
    for (int when = 0; when < 2; when++) {
        char *dir = su_tmpdir(), got[256], p[512];
        oups_opd *opd = su_existing(dir, "ds", OLD_RG);
        CHECK(opd);
        oups_store_write_options o = OUPS_STORE_WRITE_OPTIONS_INIT;
        o.row_group_rows = 2;
        CHECK_OK(oups_opd_begin(opd));
        int n;
        oups_table **rgs = su_parse("8,9,10", &n); /* staged [8,9][10] */
        CHECK_OK(oups_opd_write(opd, rgs[0], &o));
        su_free_rgs(rgs, n);
        oups_opd_rg_stats s;
        CHECK_OK(oups_opd_stats(&s, opd, oups_opd_len(opd) - 1));
        CHECK(s.file_id < 0);
        oups_store__file_path(p, oups_opd_path(opd), -s.file_id - 2, ".new");
        uint8_t *buf;
        size_t len;
        CHECK_OK(oups_io_read_file(&buf, &len, p));
        buf[len / 2] ^= 0x10;
        FILE *f = fopen(p, "wb");
        CHECK(f && fwrite(buf, 1, len, f) == len);
        fclose(f);
        oups_free(buf);
        if (when == 0) { /* the next write merges the damaged last row group */
            rgs = su_parse("10,11", &n); /* with duplicates dropped, merges the staged [10] */
            o.duplicates = OUPS_DUP_ALL;
            CHECK_RC(oups_opd_write(opd, rgs[0], &o), OUPS_ECORRUPT);
            su_free_rgs(rgs, n);
            CHECK_RC(oups_opd_commit(opd), OUPS_ESTATE);
        } else {
            CHECK_RC(oups_opd_commit(opd), OUPS_ECORRUPT);
            CHECK(strstr(oups_error_last(), ".new") != NULL);
        }
        oups_opd_close(opd);
        CHECK(render_dir(got, sizeof got, dir, false));
        CHECK(strcmp(got, OLD_RG) == 0);
        su_rmrf(dir);
    }
}

/* An I/O crash (then all later calls fail, unsynced data lost) at every call of a transaction:
 * reopened read-only, then as a writer, the dataset is the old or the new one and passes check. */
TEST(crash_every_call) {
    su_use_tmpfs();
    char want[256], got[256], got2[256];
    CHECK(expected_new(want, sizeof want));
    int seen[2] = {0, 0};
    for (int64_t k = 1;; k++) {
        char *dir = su_tmpdir();
        oups_opd *opd = su_existing(dir, "ds", OLD_RG);
        CHECK(opd);
        oups_fault_io_after(k, OUPS_IO_ALL, OUPS_FAULT_CRASH);
        int rc = txn_run(opd);
        oups_opd_close(opd);
        int64_t hits = oups_fault_io_off();
        CHECK(render_dir(got, sizeof got, dir, true));
        CHECK(render_dir(got2, sizeof got2, dir, false));
        CHECK(strcmp(got, got2) == 0);
        bool is_old = strcmp(got, OLD_RG) == 0, is_new = strcmp(got, want) == 0;
        if (!(is_old || is_new)) fprintf(stderr, "  k=%lld: %s (old %s, new %s)\n", (long long)k, got, OLD_RG, want);
        CHECK(is_old || is_new);
        CHECK(hits > 0 || (rc == 0 && is_new));
        seen[is_new]++;
        su_rmrf(dir);
        if (hits == 0) break;
    }
    CHECK(seen[0] > 3 && seen[1] > 1);
}

/* A child process runs the transaction and is SIGKILLed after a random delay (or finishes):
 * the dataset is then the old or the new one, and passes check read-only and as a writer. */
TEST(sigkill_child) {
    uint64_t rs = tests_seed();
    char want[256], got[256], got2[256];
    CHECK(expected_new(want, sizeof want));
    int seen[2] = {0, 0};
    for (int round = 0; round < 40; round++) {
        char *dir = su_tmpdir();
        oups_opd *opd = su_existing(dir, "ds", OLD_RG);
        CHECK(opd);
        oups_opd_close(opd);
        pid_t pid = fork();
        CHECK(pid >= 0);
        if (pid == 0) {
            char p[512];
            snprintf(p, sizeof p, "%s/ds", dir);
            oups_opd *c;
            if (oups_opd_open(&c, p, NULL) != 0 || txn_run(c) != 0) _exit(2);
            oups_opd_close(c);
            _exit(0);
        }
        usleep((useconds_t)(test_rand(&rs) % 3000));
        kill(pid, SIGKILL);
        int st;
        waitpid(pid, &st, 0);
        CHECK(!WIFEXITED(st) || WEXITSTATUS(st) == 0);
        CHECK(render_dir(got, sizeof got, dir, true));
        CHECK(render_dir(got2, sizeof got2, dir, false));
        CHECK(strcmp(got, got2) == 0);
        bool is_new = strcmp(got, want) == 0;
        CHECK(is_new || strcmp(got, OLD_RG) == 0);
        seen[is_new]++;
        su_rmrf(dir);
    }
    fprintf(stderr, "  killed before the commit %d times, after %d times\n", seen[0], seen[1]);
}

RUN_TESTS("store.stream", stream_equals_sequential_and_one_shot, general_merge_writes, rollback_and_close_leave_old,
          staged_bit_flip_refused, crash_every_call, sigkill_child)
