/*
 * tests/harness.h: the in-house test harness (no framework). A test file defines cases with
 * TEST(name) and lists them in a RUN_TESTS(...) main; `test_x` runs all, `test_x NAME` one.
 * Prints "N passed, N failed" at the end; exit status 1 if any failed. CHECK records a
 * failure with file:line and the liboups error message, and returns from the case.
 * Randomness: tests_seed() gives the seed (env OUPS_TEST_SEED or a fixed default), printed
 * on failure. SKIP_IF(cond, fmt, ...) ends a case as skipped with the reason (e.g. the external
 * corpus is absent on a fresh clone); a run with skipped cases and no failure exits 77, which
 * CTest reports as "Not Run" (SKIP_RETURN_CODE, tests/CMakeLists.txt) after the other cases ran.
 */
#ifndef OUPS_TESTS_HARNESS_H
#define OUPS_TESTS_HARNESS_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oups/oups.h"

typedef void (*test_fn)(void);
static int test_failed_flag;
static int test_skipped_flag;
static uint64_t test_seed_value = 0;

#define TEST(name) static void name(void)

#define CHECK(cond)                                                                                   \
    do {                                                                                              \
        if (!(cond)) {                                                                                \
            fprintf(stderr, "  FAIL %s:%d: %s  [last oups error: %s]\n", __FILE__, __LINE__, #cond,   \
                    oups_error_last());                                                               \
            test_failed_flag = 1;                                                                     \
            return;                                                                                   \
        }                                                                                             \
    } while (0)

/* CHECK that an oups call returned `expected` (an OUPS_* code). */
#define CHECK_RC(expr, expected)                                                                      \
    do {                                                                                              \
        int check_rc_ = (expr);                                                                       \
        if (check_rc_ != (expected)) {                                                                \
            fprintf(stderr, "  FAIL %s:%d: %s returned %s (%d), expected %s  [%s]\n", __FILE__,       \
                    __LINE__, #expr, oups_strerror(check_rc_), check_rc_, #expected,                  \
                    oups_error_last());                                                               \
            test_failed_flag = 1;                                                                     \
            return;                                                                                   \
        }                                                                                             \
    } while (0)
#define CHECK_OK(expr) CHECK_RC(expr, 0)

/* End the current case as skipped when `cond` holds, printing why ("SKIPPED: <reason>"). */
#define SKIP_IF(cond, ...)                                                                            \
    do {                                                                                              \
        if (cond) {                                                                                   \
            fprintf(stderr, "  SKIPPED: ");                                                           \
            fprintf(stderr, __VA_ARGS__);                                                             \
            fprintf(stderr, "\n");                                                                    \
            test_skipped_flag = 1;                                                                    \
            return;                                                                                   \
        }                                                                                             \
    } while (0)

static inline uint64_t tests_seed(void) {
    if (!test_seed_value) {
        const char *s = getenv("OUPS_TEST_SEED");
        test_seed_value = s ? strtoull(s, NULL, 10) : 20261124;
        if (!test_seed_value) test_seed_value = 1;
    }
    return test_seed_value;
}

/* splitmix64: small, seedable, good enough for test data. */
static inline uint64_t test_rand(uint64_t *state) {
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static inline int test_run(const char *suite, int argc, char **argv, const char *const *names, const test_fn *fns,
                           int n) {
    int passed = 0, failed = 0, skipped = 0;
    for (int i = 0; i < n; i++) {
        if (argc > 1 && strcmp(argv[1], names[i]) != 0) continue;
        test_failed_flag = 0;
        test_skipped_flag = 0;
        oups_error_clear();
        fns[i]();
        if (test_skipped_flag && !test_failed_flag) {
            skipped++;
            fprintf(stderr, "SKIPPED %s.%s\n", suite, names[i]);
        } else if (test_failed_flag) {
            failed++;
            fprintf(stderr, "FAIL %s.%s (seed %" PRIu64 ")\n", suite, names[i], tests_seed());
        } else {
            passed++;
        }
    }
    if (skipped) {
        printf("%s: %d passed, %d failed, %d skipped\n", suite, passed, failed, skipped);
        return failed ? 1 : 77;
    }
    printf("%s: %d passed, %d failed\n", suite, passed, failed);
    return failed ? 1 : 0;
}

/* test_run with the case names as one "a, b, c" string (split in place). */
static inline int test_run_list(const char *suite, int argc, char **argv, char *list, const test_fn *fns, int n) {
    const char **names = malloc(sizeof *names * (size_t)n);
    if (!names) return 1;
    char *p = list;
    for (int i = 0; i < n; i++) {
        while (*p == ' ' || *p == ',' || *p == '\n') p++;
        names[i] = p;
        while (*p && *p != ',') p++;
        if (*p) *p++ = '\0';
    }
    int rc = test_run(suite, argc, argv, names, fns, n);
    free(names);
    return rc;
}

#define TEST_NAMES_(...) #__VA_ARGS__
/* RUN_TESTS("suite", case1, case2, ...) defines main(). */
#define RUN_TESTS(suite, ...)                                                                         \
    int main(int argc, char **argv) {                                                                 \
        static const test_fn fns[] = {__VA_ARGS__};                                                   \
        static char list[] = TEST_NAMES_(__VA_ARGS__);                                                \
        return test_run_list(suite, argc, argv, list, fns, (int)(sizeof fns / sizeof fns[0]));        \
    }

#endif /* OUPS_TESTS_HARNESS_H */
