// labels: slow
/*
 * tests/table/test_sort_speed.c: sort_indices on 10M int64 rows (the size the store and the
 * loop sort), three shapes: full-range random values, ns timestamps spread over one day, and
 * already-sorted input. Checks the result is ordered and stable-consistent, and prints the
 * wall and CPU time of each (a figure, not a benchmark: see bench/ for published numbers). Rows can be
 * changed with OUPS_SORT_ROWS.
 */
#include <time.h>

#include "fixtures.h"

/* CPU time of this process: steadier than wall time on a loaded machine. */
static double cpu_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int64_t rows(void) {
    const char *s = getenv("OUPS_SORT_ROWS");
    return s ? atoll(s) : 10000000;
}

static void run(const char *shape, int kind) {
    int64_t n = rows();
    oups_datatype t = kind == 1 ? oups_type_timestamp(OUPS_UNIT_NS, NULL) : oups_type(OUPS_TYPE_INT64);
    int64_t *v = malloc((size_t)n * sizeof *v);
    uint64_t rng = tests_seed();
    for (int64_t i = 0; i < n; i++) {
        uint64_t r = test_rand(&rng);
        v[i] = kind == 0 ? (int64_t)r : kind == 1 ? INT64_C(1700000000000000000) + (int64_t)(r % INT64_C(86400000000000)) : i;
    }
    oups_column *c;
    CHECK_OK(oups_column_from_values(&c, &t, v, n, NULL));
    const char *name = "k";
    oups_table *tab;
    CHECK_OK(oups_table_new(&tab, 1, &name, &c));
    oups_column_release(c);
    int64_t *idx;
    int64_t t0 = oups_now_ns();
    double c0 = cpu_seconds();
    CHECK_OK(oups_table_sort_indices(&idx, tab, &name, 1));
    double c1 = cpu_seconds();
    int64_t t1 = oups_now_ns();
    printf("sort_indices %-22s %lld rows: %.3f s wall, %.3f s cpu\n", shape, (long long)n, (double)(t1 - t0) / 1e9,
           c1 - c0);
    int ok = 1;
    for (int64_t i = 1; i < n && ok; i++)
        ok = v[idx[i - 1]] < v[idx[i]] || (v[idx[i - 1]] == v[idx[i]] && idx[i - 1] < idx[i]);
    oups_mem_free(idx);
    free(v);
    oups_table_free(tab);
    CHECK(ok);
}

TEST(sort_10m_random_int64) { run("random int64", 0); }
TEST(sort_10m_timestamps_one_day) { run("ns timestamps, 1 day", 1); }
TEST(sort_10m_already_sorted) { run("already sorted", 2); }

RUN_TESTS("table.sort_speed", sort_10m_random_int64, sort_10m_timestamps_one_day, sort_10m_already_sorted)
