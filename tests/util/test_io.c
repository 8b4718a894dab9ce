// labels: quick fault
/*
 * tests/util/test_io.c: the I/O layer: messages naming paths, short reads as OUPS_ECORRUPT,
 * fault injection (the k-th call among selected kinds fails with EIO), crash mode (unsynced
 * writes are lost on disarm), atomic whole-file writes (no temp file left, old content kept
 * when the rename fails), and OFD locks (two descriptors of one process conflict:
 * OUPS_EBUSY without waiting, OUPS_ETIMEOUT after the timeout).
 */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "util/util.h"

static char dir[64];

static const char *tmpdir(void) {
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/oups-test-io-XXXXXX");
        if (!mkdtemp(dir)) return NULL;
    }
    return dir;
}

static void path_of(char *buf, size_t cap, const char *name) { snprintf(buf, cap, "%s/%s", tmpdir(), name); }

static int64_t size_of(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 ? (int64_t)st.st_size : -1;
}

static int count_entries(void) {
    DIR *d = opendir(tmpdir());
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        if (e->d_name[0] != '.') n++;
    if (d) closedir(d);
    return n;
}

TEST(io_basic_and_messages) {
    char p[128];
    path_of(p, sizeof p, "missing");
    int fd;
    CHECK_RC(oups_io_open(&fd, p, O_RDONLY, 0), OUPS_ENOTFOUND);
    CHECK(fd == -1 && strstr(oups_error_last(), p) != NULL);
    path_of(p, sizeof p, "a.bin");
    CHECK_OK(oups_io_open(&fd, p, O_RDWR | O_CREAT | O_TRUNC, 0644));
    CHECK_OK(oups_io_pwrite(fd, "hello world", 11, 0, p));
    char buf[16] = {0};
    CHECK_OK(oups_io_pread(fd, buf, 5, 6, p));
    CHECK(memcmp(buf, "world", 5) == 0);
    CHECK_RC(oups_io_pread(fd, buf, 10, 6, p), OUPS_ECORRUPT); /* short read: truncated file */
    CHECK(strstr(oups_error_last(), "truncated") != NULL && strstr(oups_error_last(), p) != NULL);
    int64_t size;
    CHECK_OK(oups_io_file_size(&size, fd, p));
    CHECK(size == 11);
    CHECK_OK(oups_io_fsync(fd, p));
    CHECK_OK(oups_io_close(fd));
    uint8_t *data;
    size_t len;
    CHECK_OK(oups_io_read_file(&data, &len, p));
    CHECK(len == 11 && memcmp(data, "hello world", 11) == 0 && data[11] == '\0');
    oups_free(data);
    char q[128];
    path_of(q, sizeof q, "x/y/z");
    CHECK_OK(oups_io_mkdir_p(q));
    CHECK_OK(oups_io_mkdir_p(q)); /* exists: fine */
    path_of(q, sizeof q, "x/y/z/b.bin");
    CHECK_OK(oups_io_rename(p, q));
    CHECK(size_of(q) == 11 && size_of(p) == -1);
    CHECK_RC(oups_io_rename(p, q), OUPS_ENOTFOUND);
    CHECK_OK(oups_io_unlink(q));
    CHECK_RC(oups_io_unlink(q), OUPS_ENOTFOUND);
    CHECK_OK(oups_io_fsync_dir(tmpdir()));
    const char *const parts[] = {"x/y/z", "x/y", "x"};
    for (int i = 0; i < 3; i++) {
        path_of(q, sizeof q, parts[i]);
        CHECK(rmdir(q) == 0);
    }
}

TEST(io_fault_kth_call) {
    char p[128];
    path_of(p, sizeof p, "f.bin");
    int fd;
    CHECK_OK(oups_io_open(&fd, p, O_RDWR | O_CREAT | O_TRUNC, 0644));
    /* the 3rd write fails; reads are not counted */
    oups_fault_io_after(3, OUPS_IO_WRITE, OUPS_FAULT_FAIL);
    char b[4];
    CHECK_OK(oups_io_pwrite(fd, "aa", 2, 0, p));
    CHECK_OK(oups_io_pread(fd, b, 2, 0, p));
    CHECK_OK(oups_io_pwrite(fd, "bb", 2, 2, p));
    CHECK(oups_fault_io_count() == 2);
    CHECK_RC(oups_io_pwrite(fd, "cc", 2, 4, p), OUPS_EIO);
    CHECK(strstr(oups_error_last(), p) != NULL);
    CHECK_OK(oups_io_pwrite(fd, "dd", 2, 4, p)); /* only the k-th call fails */
    CHECK(oups_fault_io_off() == 1);
    /* every kind of call can be failed */
    oups_fault_io_after(1, OUPS_IO_FSYNC, OUPS_FAULT_FAIL);
    CHECK_RC(oups_io_fsync(fd, p), OUPS_EIO);
    oups_fault_io_after(1, OUPS_IO_OPEN, OUPS_FAULT_FAIL);
    int fd2;
    CHECK_RC(oups_io_open(&fd2, p, O_RDONLY, 0), OUPS_EIO);
    oups_fault_io_after(1, OUPS_IO_LOCK, OUPS_FAULT_FAIL);
    CHECK_RC(oups_io_lock(fd, p, 0), OUPS_EIO);
    oups_fault_io_after(1, OUPS_IO_MKDIR, OUPS_FAULT_FAIL);
    char q[128];
    path_of(q, sizeof q, "newdir");
    CHECK_RC(oups_io_mkdir_p(q), OUPS_EIO);
    oups_fault_io_after(1, OUPS_IO_UNLINK | OUPS_IO_RENAME, OUPS_FAULT_FAIL);
    CHECK_RC(oups_io_unlink(p), OUPS_EIO);
    CHECK(oups_fault_io_off() == 1);
    CHECK(size_of(p) == 6);
    CHECK_OK(oups_io_close(fd));
    CHECK_OK(oups_io_unlink(p));
}

TEST(io_crash_loses_unsynced_writes) {
    char p[128];
    path_of(p, sizeof p, "crash.bin");
    /* calls: open(1) write(2) fsync(3) write(4) fsync(5) <- crash here */
    oups_fault_io_after(5, OUPS_IO_ALL, OUPS_FAULT_CRASH);
    int fd;
    CHECK_OK(oups_io_open(&fd, p, O_RDWR | O_CREAT | O_TRUNC, 0644));
    CHECK_OK(oups_io_pwrite(fd, "durable.", 8, 0, p));
    CHECK_OK(oups_io_fsync(fd, p));
    CHECK_OK(oups_io_pwrite(fd, "volatile", 8, 8, p));
    CHECK(size_of(p) == 16);
    CHECK_RC(oups_io_fsync(fd, p), OUPS_EIO);
    CHECK_RC(oups_io_pwrite(fd, "x", 1, 0, p), OUPS_EIO); /* everything after the crash fails */
    CHECK(oups_fault_io_off() == 2);
    CHECK(size_of(p) == 8); /* the unsynced write is gone */
    uint8_t *data;
    size_t len;
    CHECK_OK(oups_io_read_file(&data, &len, p));
    CHECK(len == 8 && memcmp(data, "durable.", 8) == 0);
    oups_free(data);
    CHECK_OK(oups_io_close(fd));
    CHECK_OK(oups_io_unlink(p));
}

TEST(io_atomic_write) {
    char p[128];
    path_of(p, sizeof p, "meta.json");
    int before = count_entries();
    CHECK_OK(oups_io_write_file_atomic(p, "{\"v\":1}", 7));
    CHECK_OK(oups_io_write_file_atomic(p, "{\"v\":2}", 7));
    uint8_t *data;
    size_t len;
    CHECK_OK(oups_io_read_file(&data, &len, p));
    CHECK(len == 7 && memcmp(data, "{\"v\":2}", 7) == 0);
    oups_free(data);
    CHECK(count_entries() == before + 1); /* no temp file left */
    /* fail each step in turn: the old content stays, no temp file is left */
    for (unsigned op = OUPS_IO_OPEN; op <= OUPS_IO_RENAME; op <<= 1) {
        if (op == OUPS_IO_READ) continue;
        oups_fault_io_after(1, op, OUPS_FAULT_FAIL);
        CHECK_RC(oups_io_write_file_atomic(p, "{\"v\":3}", 7), OUPS_EIO);
        oups_fault_io_off();
        CHECK_OK(oups_io_read_file(&data, &len, p));
        CHECK(len == 7 && memcmp(data, "{\"v\":2}", 7) == 0);
        oups_free(data);
        CHECK(count_entries() == before + 1);
    }
    CHECK_OK(oups_io_unlink(p));
}

TEST(io_locks_conflict) {
    char p[128];
    path_of(p, sizeof p, "lock");
    int a, b;
    CHECK_OK(oups_io_open(&a, p, O_RDWR | O_CREAT, 0644));
    CHECK_OK(oups_io_open(&b, p, O_RDWR, 0)); /* a second open file description */
    CHECK_OK(oups_io_lock(a, p, 0));
    CHECK_OK(oups_io_lock(a, p, 0)); /* re-locking through the same description is fine */
    CHECK_RC(oups_io_lock(b, p, 0), OUPS_EBUSY);
    CHECK(strstr(oups_error_last(), p) != NULL);
    int64_t t0 = oups_now_ns();
    CHECK_RC(oups_io_lock(b, p, 60), OUPS_ETIMEOUT);
    CHECK(oups_now_ns() - t0 >= 60 * INT64_C(1000000));
    CHECK(strstr(oups_error_last(), "60 ms") != NULL);
    CHECK_OK(oups_io_unlock(a, p));
    CHECK_OK(oups_io_lock(b, p, 100));
    CHECK_RC(oups_io_lock(a, p, 0), OUPS_EBUSY);
    CHECK_OK(oups_io_close(b)); /* closing the description releases its lock */
    CHECK_OK(oups_io_lock(a, p, 0));
    CHECK_OK(oups_io_close(a));
    CHECK_OK(oups_io_unlink(p));
}

TEST(io_cleanup) { /* last: every test removed its files */
    CHECK(count_entries() == 0);
    CHECK(rmdir(tmpdir()) == 0);
}

RUN_TESTS("util.io", io_basic_and_messages, io_fault_kth_call, io_crash_loses_unsynced_writes, io_atomic_write,
          io_locks_conflict, io_cleanup)
