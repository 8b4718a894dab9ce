/*
 * tests/cli_run.h: the scaffolding of CLI tests: run the built `oups` binary
 * (OUPS_BINARY_DIR/oups) and handle files in a per-test scratch directory.
 * cli_run_in runs in any directory; the clirun_* helpers work in clirun_dir, made by
 * clirun_setup("name") (a fresh mkdtemp directory under /tmp): clirun(...) / clirun_env(...)
 * run a command there with stdout in out.txt and stderr in err.txt, clirun_put writes a file,
 * clirun_slurp reads one (malloc'ed, NUL-terminated), clirun_text too (valid until the next
 * call), clirun_exists tests one, clirun_same compares one with a text, clirun_one_error_line
 * checks err.txt; CLIRUN_TESTS defines main() around them.
 */
#ifndef OUPS_TESTS_CLI_RUN_H
#define OUPS_TESTS_CLI_RUN_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* In `dir`, run `oups <prefix><args>` with stdout -> out.txt, stderr -> err.txt; exit code
 * (-1 if it did not exit normally). `args` is a printf format. */
static inline int cli_run_in(const char *dir, const char *prefix, const char *fmt, va_list ap) {
    char args[2048], cmd[4096];
    vsnprintf(args, sizeof args, fmt, ap);
    snprintf(cmd, sizeof cmd, "cd %s && %s/oups %s%s >out.txt 2>err.txt", dir, OUPS_BINARY_DIR, prefix, args);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char clirun_dir[128];

/* A fresh scratch directory /tmp/oups-<name>-XXXXXX; 0 or -1. */
static inline int clirun_setup(const char *name) {
    snprintf(clirun_dir, sizeof clirun_dir, "/tmp/oups-%s-XXXXXX", name);
    return mkdtemp(clirun_dir) ? 0 : -1;
}

/* `env` (e.g. "OUPS_CSV_BLOCK_BYTES=7", or NULL) oups <args> in clirun_dir; the exit code. */
static inline int clirun_venv(const char *env, const char *fmt, va_list ap) {
    char args[4096], cmd[8192];
    vsnprintf(args, sizeof args, fmt, ap);
    snprintf(cmd, sizeof cmd, "cd %s && %s %s/oups %s >out.txt 2>err.txt", clirun_dir, env ? env : "",
             OUPS_BINARY_DIR, args);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static inline int clirun(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline int clirun(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int rc = clirun_venv(NULL, fmt, ap);
    va_end(ap);
    return rc;
}

static inline int clirun_env(const char *env, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline int clirun_env(const char *env, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int rc = clirun_venv(env, fmt, ap);
    va_end(ap);
    return rc;
}

/* A shell command (sh -c) run in clirun_dir; its exit code. */
static inline int clirun_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline int clirun_sh(const char *fmt, ...) {
    char c[4096], cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c, sizeof c, fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof cmd, "cd %s && %s", clirun_dir, c);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static inline void clirun_path(char *buf, size_t cap, const char *name) {
    snprintf(buf, cap, "%s/%s", clirun_dir, name);
}

static inline void clirun_put(const char *name, const void *data, size_t len) {
    char p[512];
    clirun_path(p, sizeof p, name);
    FILE *f = fopen(p, "wb");
    if (!f) return;
    fwrite(data, 1, len, f);
    fclose(f);
}

static inline void clirun_put_text(const char *name, const char *text) { clirun_put(name, text, strlen(text)); }

/* The whole file (free()), NULL if it cannot be read; *len its size if len is not NULL. */
static inline char *clirun_slurp(const char *name, size_t *len) {
    char p[512];
    clirun_path(p, sizeof p, name);
    FILE *f = fopen(p, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)(n < 0 ? 0 : n) + 1);
    size_t got = b && n > 0 ? fread(b, 1, (size_t)n, f) : 0;
    fclose(f);
    if (!b) return NULL;
    b[got] = '\0';
    if (len) *len = got;
    return b;
}

static inline int clirun_exists(const char *name) {
    char p[512];
    clirun_path(p, sizeof p, name);
    return access(p, F_OK) == 0;
}

/* The text of file `name` ("" if unreadable), valid until the next call. */
static inline const char *clirun_text(const char *name) {
    static char *last;
    free(last);
    last = clirun_slurp(name, NULL);
    return last ? last : "";
}

/* Does file `name` hold exactly `want`? */
static inline int clirun_same(const char *name, const char *want) {
    char *t = clirun_slurp(name, NULL);
    int same = t && !strcmp(t, want);
    if (!same) fprintf(stderr, "  %s: got <<%s>>, expected <<%s>>\n", name, t ? t : "(unreadable)", want);
    free(t);
    return same;
}

/* Does err.txt hold exactly one line, containing `needle`? */
static inline int clirun_one_error_line(const char *needle) {
    char *t = clirun_slurp("err.txt", NULL);
    const char *nl = t ? strchr(t, '\n') : NULL;
    int ok = t && strstr(t, needle) && nl && nl[1] == '\0';
    if (!ok) fprintf(stderr, "  stderr: <<%s>>, expected one line with <<%s>>\n", t ? t : "(none)", needle);
    free(t);
    return ok;
}

/* Remove clirun_dir and everything in it; 0 or -1. */
static inline int clirun_cleanup(void) {
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s", clirun_dir);
    return clirun_dir[0] && system(cmd) == 0 ? 0 : -1;
}

/* For CLIRUN_TESTS without a setup. */
static inline int clirun_no_setup(void) { return 0; }

/* As RUN_TESTS (harness.h, included after this file) in a scratch directory: main() makes it
 * (clirun_setup(name)), calls `setup` (int (*)(void), 0 = ok), runs the cases, removes it. */
#define CLIRUN_TESTS(suite, name, setup, ...)                                                        \
    int main(int argc, char **argv) {                                                                \
        static const test_fn fns[] = {__VA_ARGS__};                                                  \
        static char list[] = TEST_NAMES_(__VA_ARGS__);                                               \
        if (clirun_setup(name) || setup()) {                                                         \
            fprintf(stderr, "%s: setup failed in %s\n", suite, clirun_dir);                          \
            return 1;                                                                                \
        }                                                                                            \
        int rc_ = test_run_list(suite, argc, argv, list, fns, (int)(sizeof fns / sizeof fns[0]));    \
        if (clirun_cleanup() && rc_ == 0) rc_ = 1;                                                   \
        return rc_;                                                                                  \
    }

#endif
