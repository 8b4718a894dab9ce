// labels: fault
/*
 * tests/store/test_crash.c: crash safety of oups_opd_write. For every k, the k-th I/O call of
 * a write fails (OUPS_FAULT_FAIL) or "crashes" (OUPS_FAULT_CRASH: it and all later calls
 * fail, unsynced data is lost); reopening must then show exactly the old or the new dataset,
 * pass oups_opd_check (no stray or missing files) and, for FAIL with success returned, the
 * new one. A second crash during the recovery at reopen is also injected. Finally a child
 * process writing in a loop is SIGKILLed at random moments; allocation failures are injected too.
 */
#include <signal.h>
#include <sys/wait.h>

#include "store_util.h"

typedef struct scenario {
    const char *existing, *df, *want;
    int64_t T, max_off;
    bool dup;
} scenario;

static const scenario SCENARIOS[] = {
    /* W14a: replaced, moved (ids 1->2, 2->3) and new row groups */
    {"[0,2,4,6][6,7,8,10][11,11,12,12][13]", "3n,4n,13n,14n", "[0,2,3n,4n][6][6,7,8,10][11,11,12,12][13n,14n]", 4, 1,
     true},
    /* W21: insertion, ids shift */
    {"[0,1,2][6,7,8][9]", "3n", "[0,1,2][3n][6,7,8][9]", 3, 2, false},
    /* W23c: coalescing without new data */
    {"[1,2][3]", NULL, "[1,2,3]", 4, 1, false},
    /* append to a fresh dataset */
    {"", "1,2,3", "[1,2][3]", 2, 0, false},
};

static oups_store_write_options sc_opts(const scenario *s) {
    oups_store_write_options o = OUPS_STORE_WRITE_OPTIONS_INIT;
    static const char *const dup[] = {"a"};
    o.ordered_on = "a";
    o.row_group_rows = s->T;
    o.max_n_off_target_rgs = s->max_off;
    if (s->dup) {
        o.duplicates = OUPS_DUP_COLUMNS;
        o.duplicates_on = dup;
        o.n_duplicates_on = 1;
    }
    return o;
}

static const char *old_render(const scenario *s) {
    static char buf[256];
    buf[0] = '\0';
    if (!*s->existing) return buf;
    snprintf(buf, sizeof buf, "%s", s->existing);
    return buf;
}

static int do_write(oups_opd *opd, const scenario *s) {
    oups_store_write_options o = sc_opts(s);
    oups_table *df = NULL;
    if (s->df) {
        int n;
        oups_table **rgs = su_parse(s->df, &n);
        df = oups_table_retain(rgs[0]);
        su_free_rgs(rgs, n);
    }
    int rc = oups_opd_write(opd, df, &o);
    oups_table_free(df);
    return rc;
}

/* Reopen and classify: 0 old, 1 new, -1 bad. */
static int verify(const char *dir, const scenario *s) {
    char p[512], got[512];
    snprintf(p, sizeof p, "%s/ds", dir);
    oups_opd *opd;
    if (oups_opd_open(&opd, p, NULL) < 0) {
        fprintf(stderr, "  reopen failed: %s\n", oups_error_last());
        return -1;
    }
    int res = -1;
    if (su_render(got, sizeof got, opd) < 0) fprintf(stderr, "  read failed: %s\n", oups_error_last());
    else if (oups_opd_check(opd) < 0) fprintf(stderr, "  check failed: %s\n", oups_error_last());
    else if (strcmp(got, old_render(s)) == 0) res = 0;
    else if (strcmp(got, s->want) == 0) res = 1;
    else fprintf(stderr, "  unexpected state %s\n", got);
    oups_opd_close(opd);
    return res;
}

static bool run_fault(const scenario *s, int mode, bool second_crash) {
    int n_ok = 0, seen[2] = {0, 0};
    for (int64_t k = 1;; k++) {
        char *dir = su_tmpdir();
        oups_opd *opd = su_existing(dir, "ds", s->existing);
        if (!opd) return false;
        oups_fault_io_after(k, OUPS_IO_ALL, mode);
        int rc = do_write(opd, s);
        int64_t hits = oups_fault_io_off();
        oups_opd_close(opd);
        if (second_crash && hits > 0) { /* crash again while recovering at reopen */
            for (int64_t j = 1; j < 40; j++) {
                char p[512];
                snprintf(p, sizeof p, "%s/ds", dir);
                oups_fault_io_after(j, OUPS_IO_ALL, OUPS_FAULT_CRASH);
                oups_opd *o2 = NULL;
                int rc2 = oups_opd_open(&o2, p, NULL);
                int64_t h2 = oups_fault_io_off();
                oups_opd_close(o2);
                (void)rc2;
                if (h2 == 0) break;
            }
        }
        int v = verify(dir, s);
        su_rmrf(dir);
        if (v < 0 || (hits == 0 && (rc != 0 || v != 1)) || (mode == OUPS_FAULT_FAIL && rc == 0 && v != 1)) {
            fprintf(stderr, "  scenario %s + %s, mode %d, k=%lld: rc=%d hits=%lld state=%d\n", s->existing,
                    s->df ? s->df : "NULL", mode, (long long)k, rc, (long long)hits, v);
            return false;
        }
        n_ok++;
        seen[v]++;
        if (hits == 0) break; /* k is past the write's last I/O call */
    }
    /* both outcomes occur: crashes before and after the commit point */
    if (!(n_ok > 3 && seen[0] > 0 && seen[1] > 1)) fprintf(stderr, "  k tried %d, old %d, new %d\n", n_ok, seen[0], seen[1]);
    return n_ok > 3 && seen[0] > 0 && seen[1] > 1;
}

TEST(fail_every_call) {
    su_use_tmpfs();
    for (size_t i = 0; i < sizeof SCENARIOS / sizeof SCENARIOS[0]; i++) CHECK(run_fault(&SCENARIOS[i], OUPS_FAULT_FAIL, false));
}

TEST(crash_every_call) {
    su_use_tmpfs();
    for (size_t i = 0; i < sizeof SCENARIOS / sizeof SCENARIOS[0]; i++) CHECK(run_fault(&SCENARIOS[i], OUPS_FAULT_CRASH, false));
}

TEST(crash_during_recovery) {
    su_use_tmpfs();
    CHECK(run_fault(&SCENARIOS[0], OUPS_FAULT_CRASH, true));
}

/* remove_from_disk crashing at every I/O call: afterwards the dataset is intact or empty. */
TEST(remove_crash) {
    su_use_tmpfs();
    for (int64_t k = 1;; k++) {
        char *dir = su_tmpdir();
        oups_opd *opd = su_existing(dir, "ds", "[1,2][3,4][5]");
        CHECK(opd);
        oups_fault_io_after(k, OUPS_IO_ALL, OUPS_FAULT_CRASH);
        int rc = oups_opd_remove_from_disk(opd, false);
        int64_t hits = oups_fault_io_off();
        oups_opd_close(opd);
        char p[512], got[256];
        snprintf(p, sizeof p, "%s/ds", dir);
        CHECK_OK(oups_opd_open(&opd, p, NULL));
        CHECK_OK(su_render(got, sizeof got, opd));
        CHECK_OK(oups_opd_check(opd));
        CHECK(strcmp(got, "[1,2][3,4][5]") == 0 || strcmp(got, "") == 0);
        CHECK(hits > 0 || (rc == 0 && strcmp(got, "") == 0));
        oups_opd_close(opd);
        su_rmrf(dir);
        if (hits == 0) break;
    }
}

/* Every allocation of a write failing in turn: an error, no leak (ASan), old or new state. */
TEST(alloc_failures) {
    su_use_tmpfs();
    const scenario *s = &SCENARIOS[0];
    for (int64_t k = 1;; k++) {
        char *dir = su_tmpdir();
        oups_opd *opd = su_existing(dir, "ds", s->existing);
        CHECK(opd);
        oups_fault_alloc_after(k, OUPS_FAULT_ONCE);
        int rc = do_write(opd, s);
        int64_t hits = oups_fault_alloc_off();
        oups_opd_close(opd);
        int v = verify(dir, s);
        su_rmrf(dir);
        if (v < 0 || (hits == 0 && rc != 0)) fprintf(stderr, "  alloc k=%lld rc=%d state=%d\n", (long long)k, rc, v);
        CHECK(v >= 0 && (hits > 0 || rc == 0));
        if (hits == 0) break;
    }
}

/* A child appends batches of 5 rows (T=3, coalescing) until killed; the dataset must always
 * hold exactly the first i batches for some i. */
TEST(sigkill_child) {
    uint64_t rs = tests_seed();
    for (int round = 0; round < 12; round++) {
        char *dir = su_tmpdir();
        char p[512];
        snprintf(p, sizeof p, "%s/ds", dir);
        pid_t pid = fork();
        CHECK(pid >= 0);
        if (pid == 0) {
            oups_opd_options oo = OUPS_OPD_OPTIONS_INIT;
            oo.ordered_on = "a";
            oups_opd *c;
            if (oups_opd_open(&c, p, &oo) != 0) _exit(2);
            oups_store_write_options o = OUPS_STORE_WRITE_OPTIONS_INIT;
            o.row_group_rows = 3;
            o.max_n_off_target_rgs = 1;
            for (int64_t i = 0; i < 100000; i++) {
                int64_t a[5], b[5];
                for (int j = 0; j < 5; j++) {
                    a[j] = i * 5 + j;
                    b[j] = i;
                }
                oups_table *t = su_table(a, b, 5);
                if (oups_opd_write(c, t, &o) != 0) _exit(3);
                oups_table_free(t);
            }
            _exit(0);
        }
        struct timespec ts = {0, (long)(20000000 + test_rand(&rs) % 80000000)};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        int status;
        waitpid(pid, &status, 0);
        CHECK(WIFSIGNALED(status));
        oups_opd *opd;
        CHECK_OK(oups_opd_open(&opd, p, NULL));
        CHECK_OK(oups_opd_check(opd));
        oups_table *t;
        CHECK_OK(oups_opd_read(&t, opd, NULL, 0));
        int64_t n = oups_table_num_rows(t);
        CHECK(n % 5 == 0);
        if (n > 0) {
            oups_column_view a;
            oups_column_view_get(&a, oups_table_column(t, oups_table_column_index(t, "a")));
            for (int64_t r = 0; r < n; r++) CHECK(((const int64_t *)a.data)[a.offset + r] == r);
        }
        oups_table_free(t);
        oups_opd_close(opd);
        su_rmrf(dir);
    }
}

RUN_TESTS("store.crash", fail_every_call, crash_every_call, crash_during_recovery, remove_crash, alloc_failures, sigkill_child)
