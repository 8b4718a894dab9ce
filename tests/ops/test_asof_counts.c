// labels: quick
/*
 * tests/ops/test_asof_counts.c: the as-of counts of the kernel (ops/internal.h) against a
 * binary search, for the dispatched version (AVX2 windows where the CPU has it) and the
 * portable one: sizes around the window (8 keys, 4 targets), the four runs (16 targets) and
 * the merger's block; tables denser and sparser than the targets; long runs of equal keys;
 * keys at the ends of the int64 range; a start count from an earlier target.
 */
#include "harness.h"
#include "ops/internal.h"

/* Keys K < m (le false) or K <= m (le true): binary search. */
static int64_t ref_count(const int64_t *K, int64_t nk, int64_t m, bool le) {
    int64_t lo = 0, hi = nk;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (le ? K[mid] <= m : K[mid] < m) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* n sorted keys: steps drawn from 0..max_step (0 makes runs of equal keys), from `start`. */
static void sorted_keys(int64_t *v, int64_t n, int64_t start, uint64_t max_step, uint64_t *rs) {
    int64_t k = start;
    for (int64_t i = 0; i < n; i++) {
        v[i] = k;
        uint64_t st = max_step ? test_rand(rs) % (max_step + 1) : 0;
        k = (int64_t)((uint64_t)k + st);
    }
}

/* Both versions, both comparisons, several start counts: every count equals the reference. */
static int check_case(const int64_t *M, int64_t nm, const int64_t *K, int64_t nk) {
    int64_t *cnt = malloc(sizeof(int64_t) * (size_t)(nm + 1));
    int ok = cnt != NULL;
    for (int le = 0; ok && le < 2; le++)
        for (int portable = 0; ok && portable < 2; portable++) {
            /* p: the count of the first target, or of a smaller earlier one (0). */
            int64_t starts[2] = {0, nm ? ref_count(K, nk, M[0], le) : 0};
            for (int s = 0; ok && s < 2; s++) {
                int64_t last = (portable ? oups_ops__asof_merge_counts_portable : oups_ops__asof_merge_counts)(
                    cnt, M, nm, K, nk, starts[s], le);
                for (int64_t i = 0; ok && i < nm; i++)
                    if (cnt[i] != ref_count(K, nk, M[i], le)) {
                        fprintf(stderr, "  nm %lld nk %lld le %d portable %d start %lld: row %lld count %lld, "
                                "want %lld\n",
                                (long long)nm, (long long)nk, le, portable, (long long)starts[s], (long long)i,
                                (long long)cnt[i], (long long)ref_count(K, nk, M[i], le));
                        ok = 0;
                    }
                if (ok && nm && last != cnt[nm - 1]) ok = 0;
                if (ok && !nm && last != starts[s]) ok = 0;
            }
        }
    free(cnt);
    return ok;
}

TEST(sizes_and_densities) {
    uint64_t rs = tests_seed();
    static const int64_t sizes[] = {0, 1, 3, 4, 7, 8, 9, 15, 16, 17, 31, 33, 100, 1000, 4099};
    static const uint64_t steps[] = {0, 1, 2, 3, 10, 1000};
    int n_sizes = (int)(sizeof sizes / sizeof sizes[0]), n_steps = (int)(sizeof steps / sizeof steps[0]);
    int64_t cap = 4099;
    int64_t *M = malloc(sizeof(int64_t) * (size_t)cap), *K = malloc(sizeof(int64_t) * (size_t)cap);
    CHECK(M && K);
    for (int a = 0; a < n_sizes; a++)
        for (int b = 0; b < n_sizes; b++)
            for (int sm = 0; sm < n_steps; sm++) {
                int sk = (int)(test_rand(&rs) % (uint64_t)n_steps);
                sorted_keys(M, sizes[a], (int64_t)(test_rand(&rs) % 50), steps[sm], &rs);
                sorted_keys(K, sizes[b], (int64_t)(test_rand(&rs) % 50), steps[sk], &rs);
                int ok = check_case(M, sizes[a], K, sizes[b]);
                if (!ok) free(M), free(K);
                CHECK(ok);
            }
    free(M);
    free(K);
}

TEST(large_blocks) { /* the merger's counts over a few blocks: equal and unequal densities */
    uint64_t rs = tests_seed() + 1;
    int64_t n = 100003;
    int64_t *M = malloc(sizeof(int64_t) * (size_t)n), *K = malloc(sizeof(int64_t) * (size_t)n);
    CHECK(M && K);
    static const uint64_t pairs[][2] = {{3, 3}, {3, 1}, {1, 8}, {0, 2}, {2, 0}};
    int ok = 1;
    for (int p = 0; ok && p < 5; p++) {
        sorted_keys(M, n, 0, pairs[p][0], &rs);
        sorted_keys(K, n, 1, pairs[p][1], &rs);
        ok = check_case(M, n, K, n) && check_case(M, n / 7, K, n) && check_case(M, n, K, n / 7);
    }
    free(M);
    free(K);
    CHECK(ok);
}

TEST(extreme_keys) { /* int64 ends: the vector compares are signed, exact at the extremes */
    int64_t M[40], K[40];
    for (int i = 0; i < 40; i++) {
        M[i] = i < 20 ? INT64_MIN + i / 3 : INT64_MAX - (39 - i) / 3;
        K[i] = i < 20 ? INT64_MIN + i / 2 : INT64_MAX - (39 - i) / 2;
    }
    CHECK(check_case(M, 40, K, 40));
    CHECK(check_case(K, 40, M, 40));
    int64_t same[24];
    for (int i = 0; i < 24; i++) same[i] = INT64_MAX;
    CHECK(check_case(same, 24, same, 24));
    for (int i = 0; i < 24; i++) same[i] = INT64_MIN;
    CHECK(check_case(same, 24, K, 40));
}

RUN_TESTS("ops.asof_counts", sizes_and_densities, large_blocks, extreme_keys)
