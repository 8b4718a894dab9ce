// labels: oracle
/*
 * tests/ops/test_asof_oracle.c: random cross-checks of the merger against pandas merge_asof
 * (tests/ops/asof_pandas.py): every direction, allow_exact_matches and tolerance, several
 * groups and join positions. pandas gives the matched row index of each (target, table); the
 * window of n_prev previous values is then rows r - n_prev .. r (null before row 0, as the
 * fill mode is "nulls"), and a miss is an all-null window. Table values encode their row.
 */
#include "asof_fixtures.h"

static const char *python(void) { return access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3"; }

static const char *const dir_names[] = {"backward", "forward", "nearest"};

/* One random case: targets, G tables (values encode group and row), combinations. */
typedef struct ocase {
    oups_asof_direction dir;
    bool allow, has_tol;
    int64_t tol;
    int G, J, np;
    int64_t nm, *main, *keys[3], nk[3], *idx[3];
    int32_t *comb;
    oups_table *tables[3];
} ocase;

/* Generate case c and write its pandas input file. */
static int gen_case(ocase *c, uint64_t *rng, const char *path) {
    c->G = 1 + (int)(test_rand(rng) % 3);
    c->J = c->G > 1 ? 2 : 1;
    c->np = (int)(test_rand(rng) % 3);
    c->tol = (int64_t)(test_rand(rng) % 8);
    c->nm = 400 + (int64_t)(test_rand(rng) % 600);
    c->main = malloc(sizeof(int64_t) * (size_t)c->nm);
    c->comb = malloc(sizeof(int32_t) * (size_t)(c->nm * c->J));
    int64_t v = 0;
    for (int64_t i = 0; i < c->nm; i++) c->main[i] = v += (int64_t)(test_rand(rng) % 5);
    for (int64_t i = 0; i < c->nm * c->J; i++) c->comb[i] = (int32_t)(test_rand(rng) % (uint64_t)c->G);
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    if (c->has_tol) fprintf(f, "%s %d %lld\n", dir_names[c->dir], (int)c->allow, (long long)c->tol);
    else fprintf(f, "%s %d none\n", dir_names[c->dir], (int)c->allow);
    for (int64_t i = 0; i < c->nm; i++) fprintf(f, "%s%lld", i ? " " : "", (long long)c->main[i]);
    fprintf(f, "\n");
    for (int g = 0; g < c->G; g++) {
        c->nk[g] = (int64_t)(test_rand(rng) % 700);
        c->keys[g] = malloc(sizeof(int64_t) * (size_t)(c->nk[g] + 1));
        c->idx[g] = malloc(sizeof(int64_t) * (size_t)c->nm);
        double *vals = malloc(sizeof(double) * (size_t)(c->nk[g] + 1));
        int64_t k = -20;
        for (int64_t i = 0; i < c->nk[g]; i++) {
            c->keys[g][i] = k += (int64_t)(test_rand(rng) % 7);
            vals[i] = (double)(g * 100000 + i);
        }
        c->tables[g] = tbl_ts_v(c->keys[g], vals, c->nk[g]);
        free(vals);
        if (c->nk[g] == 0) fprintf(f, "#");
        for (int64_t i = 0; i < c->nk[g]; i++) fprintf(f, "%s%lld", i ? " " : "", (long long)c->keys[g][i]);
        fprintf(f, "\n");
    }
    fclose(f);
    return 0;
}

static void free_case(ocase *c) {
    for (int g = 0; g < c->G; g++) {
        free(c->keys[g]);
        free(c->idx[g]);
        oups_table_free(c->tables[g]);
    }
    free(c->main);
    free(c->comb);
}

/* Our merger on case c, compared cell by cell with pandas' rows. */
static int verify_case(const ocase *c) {
    const char *prefixes[] = {"L_", "R_"};
    oups_asof_merger_options o = OUPS_ASOF_MERGER_OPTIONS_INIT;
    o.on = "ts";
    o.n_dfs_per_group = 1;
    o.prefixes = prefixes;
    o.n_join_positions = c->J;
    o.allow_exact_matches = &c->allow;
    o.n_prev = &c->np;
    o.direction = c->dir;
    o.has_tolerance = c->has_tol;
    o.tolerance = c->tol;
    o.fill = OUPS_ASOF_FILL_NULLS;
    oups_asof_merger *m = NULL;
    oups_table *r = NULL;
    oups_column *mc = col_i64(c->main, c->nm);
    int ok = oups_asof_merger_new(&m, &o) == 0;
    ok = ok && oups_asof_merger_merge(&r, m, mc, (oups_table *const *)c->tables, c->G, c->G > 1 ? c->comb : NULL,
                                      c->J, true) == 0;
    for (int j = 0; ok && j < c->J; j++)
        for (int s = 0; ok && s <= c->np; s++) {
            char name[32];
            if (c->np) snprintf(name, sizeof name, "%sv_%d", prefixes[j], c->np - s);
            else snprintf(name, sizeof name, "%sv", prefixes[j]);
            for (int64_t i = 0; ok && i < c->nm; i++) {
                int g = c->G > 1 ? c->comb[i * c->J + j] : 0;
                int64_t row = c->idx[g][i], src = row < 0 ? -1 : row - c->np + s;
                bool null = is_null_at(r, name, i);
                double got = f64_at(r, name, i);
                if (src < 0 ? !null : (null || got != (double)(g * 100000 + src))) {
                    fprintf(stderr, "  %s allow=%d tol=%s%lld np=%d G=%d: %s row %lld (target %lld, group %d): got %s%g, "
                            "pandas row %lld\n", dir_names[c->dir], (int)c->allow, c->has_tol ? "" : "none/",
                            (long long)c->tol, c->np, c->G, name, (long long)i, (long long)c->main[i], g,
                            null ? "null " : "", got, (long long)row);
                    ok = 0;
                }
            }
        }
    oups_table_free(r);
    oups_asof_merger_free(m);
    oups_column_release(mc);
    return ok;
}

enum { N_CASES = 36 };

TEST(pandas_merge_asof) {
    uint64_t rng = tests_seed();
    char tmp[64], cmd[8192];
    CHECK(tmpdir_make(tmp, sizeof tmp));
    static ocase cases[N_CASES];
    memset(cases, 0, sizeof cases);
    size_t len = (size_t)snprintf(cmd, sizeof cmd, "%s %s/tests/ops/asof_pandas.py", python(), OUPS_SOURCE_DIR);
    int ok = 1;
    for (int k = 0; k < N_CASES && ok; k++) { /* every direction x allow x tolerance, 3 times */
        ocase *c = &cases[k];
        c->dir = (oups_asof_direction)(k % 3);
        c->allow = (k / 3) % 2;
        c->has_tol = (k / 6) % 2;
        char path[128];
        snprintf(path, sizeof path, "%s/in%d.txt", tmp, k);
        ok = gen_case(c, &rng, path) == 0;
        len += (size_t)snprintf(cmd + len, sizeof cmd - len, " %s", path);
    }
    FILE *p = ok ? popen(cmd, "r") : NULL;
    ok = p != NULL;
    for (int k = 0; k < N_CASES && ok; k++)
        for (int g = 0; g < cases[k].G && ok; g++)
            for (int64_t i = 0; i < cases[k].nm && ok; i++) {
                long long v;
                ok = fscanf(p, "%lld", &v) == 1;
                cases[k].idx[g][i] = v;
            }
    if (p && pclose(p) != 0) ok = 0;
    if (!ok) fprintf(stderr, "  the pandas oracle did not run (%s)\n", cmd);
    for (int k = 0; k < N_CASES && ok; k++) ok = verify_case(&cases[k]);
    for (int k = 0; k < N_CASES; k++) {
        char path[128];
        snprintf(path, sizeof path, "%s/in%d.txt", tmp, k);
        unlink(path);
        free_case(&cases[k]);
    }
    rmdir(tmp);
    CHECK(ok);
}

RUN_TESTS("ops.asof_oracle", pandas_merge_asof)
