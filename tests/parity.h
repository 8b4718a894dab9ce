/*
 * tests/parity.h: reusable pieces of the parity tests of stateful operations ("chunked, with
 * the state saved to a file and reloaded in a NEW PROCESS between chunks, equals one-shot, bit
 * for bit"). Three parts, each independent of any operation:
 *   - splits: random chunk boundaries over n sorted rows that hit the edges on purpose (empty
 *     chunks, single-row chunks, boundaries inside runs of equal keys, a chunk holding all);
 *   - processes: run a command with stdout to a file, or one test case of the running test
 *     binary as a child (the child case reads its job from parity_child_arg());
 *   - comparison: files byte for byte, tables bit for bit (oups_table_equal), printing the
 *     first difference.
 * Used by tests/ops/test_asof_parity.c (C API and `oups asof --state`). Include after
 * harness.h. POSIX only (fork/exec, /proc/self/exe).
 */
#ifndef OUPS_TESTS_PARITY_H
#define OUPS_TESTS_PARITY_H

#include <errno.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

/* ---- splits ------------------------------------------------------------------------------ */

/* n_cuts sorted row boundaries over n rows (chunk c = rows [cuts[c-1], cuts[c]), with
 * cuts[-1] = 0 and cuts[n_cuts] = n). Each cut is, at random: a repeat of the previous one (an
 * empty chunk), the previous + 1 (a single-row chunk), 0 or n (an empty first or last chunk),
 * inside a run of equal `keys` (when keys is not NULL and such a run exists), or anywhere. */
static inline void parity_cuts(int64_t *cuts, int n_cuts, const int64_t *keys, int64_t n, uint64_t *rng) {
    int64_t prev = 0;
    for (int c = 0; c < n_cuts; c++) {
        int64_t x = prev + (int64_t)(test_rand(rng) % (uint64_t)(n - prev + 1)); /* anywhere after prev */
        switch (test_rand(rng) % 6) {
        case 0: x = prev; break;
        case 1: x = prev + 1 <= n ? prev + 1 : n; break;
        case 2: x = test_rand(rng) & 1 ? prev : n; break;
        case 3: /* inside a run: the first i > prev with keys[i - 1] == keys[i], from x on */
            if (keys)
                for (int64_t i = x > prev ? x : prev + 1; i < n; i++)
                    if (keys[i - 1] == keys[i]) {
                        x = i;
                        break;
                    }
            break;
        default: break;
        }
        cuts[c] = prev = x;
    }
}

/* Rows of chunk c of a split: [*lo, *hi). */
static inline void parity_chunk(int64_t *lo, int64_t *hi, const int64_t *cuts, int n_cuts, int c, int64_t n) {
    *lo = c == 0 ? 0 : cuts[c - 1];
    *hi = c == n_cuts ? n : cuts[c];
}

/* ---- processes --------------------------------------------------------------------------- */

#define PARITY_ENV "OUPS_PARITY_CHILD"

/* Run argv[0] (a path) with argv in a new process: stdout to `out_path` (NULL: /dev/null),
 * stderr inherited (it shows in the test log); with env_value set, the child also gets
 * OUPS_PARITY_CHILD=env_value. Returns the exit status, or -1 if it did not exit normally. */
static inline int parity_spawn(char *const argv[], const char *out_path, const char *env_value) {
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        int fd = open(out_path ? out_path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || dup2(fd, 1) < 0) _exit(127);
        close(fd);
        if (env_value) setenv(PARITY_ENV, env_value, 1);
        execv(argv[0], argv);
        _exit(127);
    }
    int st = 0;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Run test case `case_name` of this test binary in a new process, handing it `arg` (read with
 * parity_child_arg()). 0 when the case passed. */
static inline int parity_run_child(const char *case_name, const char *arg) {
    char *argv[] = {"/proc/self/exe", (char *)case_name, NULL};
    return parity_spawn(argv, NULL, arg);
}

/* Inside a child case: its argument; NULL when the case runs as an ordinary test (then it
 * should return at once: it is only a worker). */
static inline const char *parity_child_arg(void) { return getenv(PARITY_ENV); }

/* ---- comparison -------------------------------------------------------------------------- */

/* 1 if a and b hold the same bytes, else 0 with the first difference printed. */
static inline int parity_bytes_equal(const char *a, size_t na, const char *b, size_t nb, const char *what) {
    size_t i = 0;
    while (i < na && i < nb && a[i] == b[i]) i++;
    if (i == na && i == nb) return 1;
    size_t from = i > 40 ? i - 40 : 0;
    fprintf(stderr, "  %s: differ at byte %zu (sizes %zu, %zu)\n    one-shot: ...%.80s\n    chunked:  ...%.80s\n", what, i,
            na, nb, i <= na ? a + from : "", i <= nb ? b + from : "");
    return 0;
}

/* 1 if the tables are equal bit for bit (oups_table_equal), else 0 with the difference printed. */
static inline int parity_tables_equal(const oups_table *a, const oups_table *b, const char *what) {
    char desc[512] = "";
    if (a && b && oups_table_equal(a, b, desc, sizeof desc)) return 1;
    fprintf(stderr, "  %s: %s\n", what, a && b ? desc : "a table is missing");
    return 0;
}

#endif /* OUPS_TESTS_PARITY_H */
