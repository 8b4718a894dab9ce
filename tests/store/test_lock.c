// labels: quick
/*
 * tests/store/test_lock.c: dataset locking (spec §3.3, §7.3 O1/O6): timeout while held (also
 * within one thread: not re-entrant), release on close (lock file deleted), views keeping
 * the lock alive after the parent is closed, release on an ordered_on mismatch, and
 * contention between two processes.
 */
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>

#include "store_util.h"

static char *ds_path(const char *dir) {
    static char p[512];
    snprintf(p, sizeof p, "%s/ds", dir);
    return p;
}

TEST(o1_fresh) {
    char *dir = su_tmpdir();
    char p[512];
    snprintf(p, sizeof p, "%s/sub/ds", dir);
    oups_opd_options oo = OUPS_OPD_OPTIONS_INIT;
    oo.ordered_on = "a";
    oups_opd *opd;
    CHECK_OK(oups_opd_open(&opd, p, &oo));
    CHECK(strcmp(oups_opd_path(opd), p) == 0 && strcmp(oups_opd_ordered_on(opd), "a") == 0);
    CHECK(oups_opd_len(opd) == 0 && oups_opd_kv_count(opd) == 0 && oups_opd_is_new(opd));
    CHECK(oups_opd_max_file_id(opd) == -1);
    char lock[600];
    snprintf(lock, sizeof lock, "%s.lock", p);
    CHECK(access(lock, F_OK) == 0 && access(p, F_OK) != 0);
    oups_opd_close(opd);
    CHECK(access(lock, F_OK) != 0);
    su_rmrf(dir);
}

TEST(timeout_and_views) {
    char *dir = su_tmpdir();
    oups_opd *opd = su_existing(dir, "ds", "[1,2][3]");
    CHECK(opd);
    oups_opd_options oo = OUPS_OPD_OPTIONS_INIT;
    oo.lock_timeout_ms = 300;
    oups_opd *other;
    int64_t t0 = oups_now_ns();
    CHECK_RC(oups_opd_open(&other, ds_path(dir), &oo), OUPS_ETIMEOUT);
    double el = (double)(oups_now_ns() - t0) / 1e9;
    CHECK(el >= 0.25 && el < 3.0);
    CHECK(strstr(oups_error_last(), "failed to acquire lock for dataset") != NULL);
    oups_opd *view;
    CHECK_OK(oups_opd_view(&view, opd, 1, 2, 1));
    oups_opd_close(opd);
    oo.lock_timeout_ms = 50;
    CHECK_RC(oups_opd_open(&other, ds_path(dir), &oo), OUPS_ETIMEOUT); /* the view holds it */
    oups_opd_close(view);
    oo.lock_timeout_ms = 0;
    CHECK_OK(oups_opd_open(&other, ds_path(dir), &oo));
    oups_opd_close(other);
    su_rmrf(dir);
}

TEST(o6_mismatch_releases) {
    char *dir = su_tmpdir();
    oups_opd *opd = su_existing(dir, "ds", "[1,2]");
    CHECK(opd);
    oups_opd_close(opd);
    oups_opd_options oo = OUPS_OPD_OPTIONS_INIT;
    oo.ordered_on = "b";
    CHECK_RC(oups_opd_open(&opd, ds_path(dir), &oo), OUPS_EINVAL);
    CHECK(strncmp(oups_error_last(), "ordered_on 'b' does not match", 29) == 0);
    oo.ordered_on = "a";
    oo.lock_timeout_ms = 0;
    CHECK_OK(oups_opd_open(&opd, ds_path(dir), &oo));
    oups_opd_close(opd);
    su_rmrf(dir);
}

TEST(two_processes) {
    char *dir = su_tmpdir();
    oups_opd *opd = su_existing(dir, "ds", "[1,2]");
    CHECK(opd);
    oups_opd_close(opd);
    int fds[2];
    CHECK(pipe(fds) == 0);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) { /* child: hold the lock for 400 ms, then write and exit */
        oups_opd *c;
        if (oups_opd_open(&c, ds_path(dir), NULL) != 0) _exit(2);
        if (write(fds[1], "x", 1) != 1) _exit(3);
        struct timespec ts = {0, 400000000};
        nanosleep(&ts, NULL);
        int n;
        oups_table **rgs = su_parse("3n", &n);
        oups_store_write_options o = OUPS_STORE_WRITE_OPTIONS_INIT;
        o.row_group_rows = 10;
        int rc = oups_opd_write(c, rgs[0], &o);
        su_free_rgs(rgs, n);
        oups_opd_close(c);
        _exit(rc == 0 ? 0 : 4);
    }
    char x;
    CHECK(read(fds[0], &x, 1) == 1);
    oups_opd_options oo = OUPS_OPD_OPTIONS_INIT;
    oo.lock_timeout_ms = 100;
    CHECK_RC(oups_opd_open(&opd, ds_path(dir), &oo), OUPS_ETIMEOUT);
    oo.lock_timeout_ms = 10000;
    CHECK_OK(oups_opd_open(&opd, ds_path(dir), &oo)); /* waits for the child */
    int status;
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    char got[128];
    CHECK_OK(su_render(got, sizeof got, opd));
    CHECK(strcmp(got, "[1,2][3n]") == 0);
    oups_opd_close(opd);
    close(fds[0]);
    close(fds[1]);
    su_rmrf(dir);
}

static void *try_open(void *arg) {
    oups_opd_options oo = OUPS_OPD_OPTIONS_INIT;
    oo.lock_timeout_ms = 0;
    oups_opd *o;
    int rc = oups_opd_open(&o, arg, &oo);
    if (rc == 0) oups_opd_close(o);
    return (void *)(intptr_t)rc;
}

TEST(other_thread) {
    char *dir = su_tmpdir();
    oups_opd *opd = su_existing(dir, "ds", "[1]");
    CHECK(opd);
    pthread_t th;
    void *res;
    CHECK(pthread_create(&th, NULL, try_open, ds_path(dir)) == 0 && pthread_join(th, &res) == 0);
    CHECK((intptr_t)res == OUPS_ETIMEOUT);
    oups_opd_close(opd);
    CHECK(pthread_create(&th, NULL, try_open, ds_path(dir)) == 0 && pthread_join(th, &res) == 0);
    CHECK((intptr_t)res == 0);
    su_rmrf(dir);
}

RUN_TESTS("store.lock", other_thread, o1_fresh, timeout_and_views, o6_mismatch_releases, two_processes)
