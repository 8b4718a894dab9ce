/*
 * tests/cli_run.h: run the built `oups` binary (OUPS_BINARY_DIR/oups) for CLI tests.
 */
#ifndef OUPS_TESTS_CLI_RUN_H
#define OUPS_TESTS_CLI_RUN_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

/* In `dir`, run `oups <prefix><args>` with stdout -> out.txt, stderr -> err.txt; exit code
 * (-1 if it did not exit normally). `args` is a printf format. */
static inline int cli_run_in(const char *dir, const char *prefix, const char *fmt, va_list ap) {
    char args[2048], cmd[4096];
    vsnprintf(args, sizeof args, fmt, ap);
    snprintf(cmd, sizeof cmd, "cd %s && %s/oups %s%s >out.txt 2>err.txt", dir, OUPS_BINARY_DIR, prefix, args);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

#endif
