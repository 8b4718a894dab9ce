// labels: fault
/*
 * tests/store/test_concurrent.c: `oups store write` of CSV input whose values are integral
 * while the dataset's column is float64: the CSV types come from the dataset's schema, which
 * must be looked up under the dataset lock (it used to be read from file_00000.parquet
 * unlocked while another writer renamed it, failing about once in 300 writes with "columns or
 * types differ"). Deterministically: a write started while another writer holds the lock in
 * the middle of its commit (file_00000.parquet staged, not in place) must wait and succeed.
 * Then two processes write many times while a third reads (shared lock): every write must
 * succeed, every read see ordered rows, and the dataset hold every row with float64 values.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/wait.h>

#include "cli_run.h"
#include "store_util.h"

#define N_WRITES 150

static int run(const char *cwd, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int rc = cli_run_in(cwd, "store ", fmt, ap);
    va_end(ap);
    return rc;
}

static void put(const char *path, const char *text) {
    FILE *f = fopen(path, "wb");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* Child w writes rows ts = 2*i + w (i < N_WRITES), one per call; exit code: failed calls. */
static int writer(const char *root, int w) {
    char cwd[300], csv[400], text[128];
    snprintf(cwd, sizeof cwd, "%s/c%d", root, w);
    if (mkdir(cwd, 0755) != 0) return 100;
    snprintf(csv, sizeof csv, "%s/in.csv", cwd);
    int failed = 0;
    for (int i = 0; i < N_WRITES; i++) {
        snprintf(text, sizeof text, "ts,v\n%d,%d\n", 2 * i + w + 10, 2 * i + w);
        put(csv, text);
        if (run(cwd, "write %s/ds --ordered-on ts in.csv", root) != 0) {
            char err[600];
            snprintf(err, sizeof err, "cat %s/err.txt >&2", cwd);
            if (system(err) != 0) fprintf(stderr, "  (no stderr)\n");
            failed++;
        }
    }
    return failed;
}

/* A reader: `store read` over and over; a run that fails or returns unordered rows counts. */
static int reader(const char *root, const volatile int *stop) {
    char cwd[300];
    snprintf(cwd, sizeof cwd, "%s/r", root);
    if (mkdir(cwd, 0755) != 0) return 100;
    int bad = 0;
    for (int i = 0; i < 2000 && !*stop; i++) {
        if (run(cwd, "read %s/ds", root) != 0) {
            bad++;
            continue;
        }
        char p[400];
        snprintf(p, sizeof p, "%s/out.txt", cwd);
        FILE *f = fopen(p, "r");
        char line[256];
        long long prev = -1;
        bool header = true;
        while (f && fgets(line, sizeof line, f)) {
            if (header) {
                header = false;
                continue;
            }
            long long ts = atoll(line);
            if (ts <= prev) bad++;
            prev = ts;
        }
        if (f) fclose(f);
        struct timespec ts = {0, 5000000};
        nanosleep(&ts, NULL);
    }
    return bad;
}

/* ts int64 + v float64, one row. */
static oups_table *float_row(int64_t ts, double v) {
    oups_datatype it = oups_type(OUPS_TYPE_INT64), ft = oups_type(OUPS_TYPE_FLOAT64);
    oups_column *c[2] = {0};
    oups_table *t = NULL;
    const char *names[] = {"ts", "v"};
    if (oups_column_from_values(&c[0], &it, &ts, 1, NULL) == 0 && oups_column_from_values(&c[1], &ft, &v, 1, NULL) == 0 &&
        oups_table_new(&t, 2, names, c) != 0)
        t = NULL;
    oups_column_release(c[0]);
    oups_column_release(c[1]);
    return t;
}

TEST(write_waits_for_a_committing_writer) {
    su_use_tmpfs();
    char *root = su_tmpdir(), p[400], f0[400], lock[400];
    snprintf(p, sizeof p, "%s/ds", root);
    snprintf(f0, sizeof f0, "%s/ds/file_00000.parquet", root);
    snprintf(lock, sizeof lock, "%s/ds.lock", root);
    oups_store_write_options o = OUPS_STORE_WRITE_OPTIONS_INIT;
    o.ordered_on = "ts";
    oups_opd *opd;
    /* one row group, then the state of a commit that rewrote it, stopped in phase 2: the new
     * file staged as file_00000.parquet.new, not in place yet */
    CHECK_OK(oups_opd_open(&opd, p, NULL));
    oups_table *t = float_row(0, 1.5);
    CHECK_OK(oups_opd_write(opd, t, &o));
    oups_table_free(t);
    oups_opd_close(opd);
    char md[400], staged[420];
    snprintf(md, sizeof md, "%s/ds_opdmd", root);
    snprintf(staged, sizeof staged, "%s.new", f0);
    CHECK(rename(f0, staged) == 0);
    store_meta m;
    CHECK_OK(oups_store__meta_read(&m, md));
    int64_t src[] = {STORE_NEW_SRC(0)}, none[] = {0};
    m.journal = (store_journal){2, 1, src, 0, none};
    CHECK_OK(oups_store__meta_write(md, &m));
    memset(&m.journal, 0, sizeof m.journal);
    oups_store__meta_free(&m);
    /* "another writer" holds the lock in the middle of that commit */
    int fd = open(lock, O_RDWR | O_CREAT, 0644);
    CHECK(fd >= 0);
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    CHECK(fcntl(fd, F_OFD_SETLK, &fl) == 0);
    snprintf(f0, sizeof f0, "%s/in.csv", root);
    put(f0, "ts,v\n5,7\n");
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) _exit(run(root, "write ds --ordered-on ts in.csv"));
    struct timespec ts = {0, 300000000}; /* let it start (the result must not depend on this) */
    nanosleep(&ts, NULL);
    fl.l_type = F_UNLCK;
    CHECK(fcntl(fd, F_OFD_SETLK, &fl) == 0);
    close(fd);
    int st;
    waitpid(pid, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        snprintf(f0, sizeof f0, "cat %s/err.txt >&2", root);
        CHECK(system(f0) == 0);
    }
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK_OK(oups_opd_open(&opd, p, NULL));
    CHECK_OK(oups_opd_check(opd));
    CHECK_OK(oups_opd_read(&t, opd, NULL, 0));
    CHECK(oups_table_num_rows(t) == 2);
    CHECK(oups_column_type(oups_table_column(t, 1))->id == OUPS_TYPE_FLOAT64);
    oups_table_free(t);
    oups_opd_close(opd);
    su_rmrf(root);
}

TEST(two_writers_float_column) {
    su_use_tmpfs();
    char *root = su_tmpdir(), p[400];
    snprintf(p, sizeof p, "%s/seed.csv", root);
    put(p, "ts,v\n0,1.5\n1,2.5\n");
    CHECK(run(root, "write %s/ds --ordered-on ts seed.csv", root) == 0);
    pid_t pids[3];
    for (int w = 0; w < 2; w++) {
        pids[w] = fork();
        CHECK(pids[w] >= 0);
        if (pids[w] == 0) _exit(writer(root, w));
    }
    static volatile int never = 0;
    pids[2] = fork();
    CHECK(pids[2] >= 0);
    if (pids[2] == 0) _exit(reader(root, &never));
    int failed = 0;
    for (int w = 0; w < 2; w++) {
        int st;
        waitpid(pids[w], &st, 0);
        failed += WIFEXITED(st) ? WEXITSTATUS(st) : 1000;
    }
    kill(pids[2], SIGTERM);
    int st;
    waitpid(pids[2], &st, 0);
    if (failed) fprintf(stderr, "  %d writes failed\n", failed);
    CHECK(failed == 0);
    CHECK(!WIFEXITED(st) || WEXITSTATUS(st) == 0); /* killed mid-run, or finished without a bad read */
    oups_opd *opd;
    snprintf(p, sizeof p, "%s/ds", root);
    CHECK_OK(oups_opd_open(&opd, p, NULL));
    CHECK_OK(oups_opd_check(opd));
    oups_table *t;
    CHECK_OK(oups_opd_read(&t, opd, NULL, 0));
    CHECK(oups_table_num_rows(t) == 2 + 2 * N_WRITES);
    CHECK(oups_column_type(oups_table_column(t, 1))->id == OUPS_TYPE_FLOAT64);
    oups_table_free(t);
    oups_opd_close(opd);
    su_rmrf(root);
}

RUN_TESTS("store.concurrent", write_waits_for_a_committing_writer, two_writers_float_column)
