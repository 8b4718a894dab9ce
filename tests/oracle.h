/*
 * tests/oracle.h: run an independent engine (the node scripts in tests/oracle/) and capture
 * its output, for oracle tests. Needs OUPS_SOURCE_DIR (set for every test by CMake).
 */
#ifndef OUPS_TESTS_ORACLE_H
#define OUPS_TESTS_ORACLE_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

/* stdout of `node tests/oracle/duckdb.mjs SQL` (malloc'ed, free()), or NULL if it failed. */
static inline char *oracle_duckdb(const char *sql) {
    char script[1024];
    snprintf(script, sizeof script, "%s/tests/oracle/duckdb.mjs", OUPS_SOURCE_DIR);
    int fds[2];
    if (pipe(fds) != 0) return NULL;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execlp("node", "node", script, sql, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    ssize_t k;
    while (buf && (k = read(fds[0], buf + len, cap - len - 1)) > 0) {
        len += (size_t)k;
        if (cap - len < 4096) {
            char *grown = realloc(buf, cap *= 2);
            if (!grown) free(buf);
            buf = grown;
        }
    }
    close(fds[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    if (!buf || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        free(buf);
        return NULL;
    }
    buf[len] = '\0';
    return buf;
}

#endif
