// labels: oracle
/*
 * tests/store/test_oracle.c: DuckDB (the independent reader) reading the glob DATASET/(star).parquet
 * returns exactly the dataset, in row-group order, after appends, a middle insertion with
 * id shifts, deduplication and coalescing, on a schema with timestamp, int, float and string
 * columns. Schema evolution: after writes that add a column (allow_new_columns), DuckDB
 * (read_parquet union_by_name) and Polars (scan with missing columns inserted) read the
 * dataset's files as our reader does: nulls in the new column for the older row groups.
 */
#include <sys/wait.h>

#include "store_util.h"
#include "oracle.h"


/* ts (timestamp ns), a (int64), x (float64), s (string) */
static oups_table *make(const int64_t *a, int64_t n, int64_t tag) {
    oups_datatype tt = oups_type_timestamp(OUPS_UNIT_NS, NULL), it = oups_type(OUPS_TYPE_INT64),
                  ft = oups_type(OUPS_TYPE_FLOAT64), st = oups_type(OUPS_TYPE_STRING);
    int64_t ts[64];
    double x[64];
    oups_builder *sb;
    if (oups_builder_new(&sb, &st, n) < 0) return NULL;
    for (int64_t i = 0; i < n; i++) {
        ts[i] = su_ts("2024-01-01 00:00") + a[i] * 60 * SU_NS;
        x[i] = (double)a[i] + 0.25 * (double)tag;
        char s[32];
        snprintf(s, sizeof s, "r%lld_%lld", (long long)a[i], (long long)tag);
        if (oups_builder_append_bytes(sb, s, (int64_t)strlen(s)) < 0) return NULL;
    }
    oups_column *c[4] = {0};
    oups_table *t = NULL;
    if (oups_column_from_values(&c[0], &tt, ts, n, NULL) == 0 && oups_column_from_values(&c[1], &it, a, n, NULL) == 0 &&
        oups_column_from_values(&c[2], &ft, x, n, NULL) == 0 && oups_builder_finish(&c[3], sb) == 0) {
        const char *names[] = {"ts", "a", "x", "s"};
        if (oups_table_new(&t, 4, names, c) < 0) t = NULL;
    }
    for (int i = 0; i < 4; i++) oups_column_release(c[i]);
    oups_builder_free(sb);
    return t;
}

/* Our rows rendered like the DuckDB CSV ("a,x,s" per row, header first). */
static char *ours(oups_opd *opd) {
    oups_table *t;
    if (oups_opd_read(&t, opd, NULL, 0) < 0) return NULL;
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    len += (size_t)snprintf(buf, cap, "a,x,s,minute\n");
    oups_column_view ts, a, x, s;
    oups_column_view_get(&ts, oups_table_column(t, 0));
    oups_column_view_get(&a, oups_table_column(t, 1));
    oups_column_view_get(&x, oups_table_column(t, 2));
    oups_column_view_get(&s, oups_table_column(t, 3));
    for (int64_t i = 0; i < oups_table_num_rows(t); i++) {
        int64_t o0 = s.offsets[s.offset + i], o1 = s.offsets[s.offset + i + 1];
        int64_t minute = (((const int64_t *)ts.data)[ts.offset + i] - su_ts("2024-01-01 00:00")) / (60 * SU_NS);
        len += (size_t)snprintf(buf + len, cap - len, "%lld,%g,%.*s,%lld\n", (long long)((const int64_t *)a.data)[a.offset + i],
                                ((const double *)x.data)[x.offset + i], (int)(o1 - o0), (const char *)s.data + o0,
                                (long long)minute);
    }
    oups_table_free(t);
    return buf;
}

static bool same_as_duckdb(oups_opd *opd) {
    char sql[1024];
    snprintf(sql, sizeof sql,
             "select a, x, s, (epoch_ms(ts) - epoch_ms(timestamp '2024-01-01')) // 60000 as minute from "
             "read_parquet('%s/*.parquet', filename=true, file_row_number=true) order by filename, file_row_number",
             oups_opd_path(opd));
    char *theirs = oracle_duckdb(sql), *mine = ours(opd);
    bool ok = theirs && mine && strcmp(theirs, mine) == 0;
    if (!ok) fprintf(stderr, "  duckdb:\n%s\n  ours:\n%s\n", theirs ? theirs : "(failed)", mine ? mine : "(failed)");
    free(theirs);
    free(mine);
    return ok;
}

TEST(duckdb_reads_dataset) {
    char *dir = su_tmpdir();
    char p[512];
    snprintf(p, sizeof p, "%s/ds", dir);
    oups_opd_options oo = OUPS_OPD_OPTIONS_INIT;
    oo.ordered_on = "ts";
    oups_opd *opd;
    CHECK_OK(oups_opd_open(&opd, p, &oo));
    oups_store_write_options o = OUPS_STORE_WRITE_OPTIONS_INIT;
    o.row_group_rows = 3;
    static const int64_t w1[] = {0, 1, 2, 3, 4, 5, 6, 7, 20, 21, 22, 30}, w2[] = {31, 32, 33, 34}, w3[] = {10, 11, 12},
                         w4[] = {2, 3, 21, 40};
    oups_table *t = make(w1, 12, 0);
    CHECK_OK(oups_opd_write(opd, t, &o));
    oups_table_free(t);
    CHECK(same_as_duckdb(opd));
    t = make(w2, 4, 1); /* append */
    CHECK_OK(oups_opd_write(opd, t, &o));
    oups_table_free(t);
    CHECK(same_as_duckdb(opd));
    t = make(w3, 3, 2); /* middle insertion: ids shift */
    o.max_n_off_target_rgs = 2;
    CHECK_OK(oups_opd_write(opd, t, &o));
    oups_table_free(t);
    CHECK(same_as_duckdb(opd));
    static const char *const dup[] = {"ts"};
    o.duplicates = OUPS_DUP_COLUMNS; /* replace rows 2, 3, 21 and add 40 */
    o.duplicates_on = dup;
    o.n_duplicates_on = 1;
    t = make(w4, 4, 3);
    CHECK_OK(oups_opd_write(opd, t, &o));
    oups_table_free(t);
    CHECK(same_as_duckdb(opd));
    CHECK_OK(oups_opd_check(opd));
    oups_opd_close(opd);
    su_rmrf(dir);
}

/* `text` lines "a,z" of our read (z empty when null), header first. */
static char *ours_az(oups_opd *opd) {
    oups_table *t;
    const char *cols[] = {"a", "z"};
    if (oups_opd_read(&t, opd, cols, 2) < 0) return NULL;
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    len += (size_t)snprintf(buf, cap, "a,z\n");
    for (int64_t i = 0; i < oups_table_num_rows(t); i++) {
        oups_scalar a, z;
        oups_column_get_scalar(&a, oups_table_column(t, 0), i);
        oups_column_get_scalar(&z, oups_table_column(t, 1), i);
        len += (size_t)snprintf(buf + len, cap - len, "%lld,", (long long)a.v.i);
        if (!z.is_null) len += (size_t)snprintf(buf + len, cap - len, "%g", z.v.f);
        len += (size_t)snprintf(buf + len, cap - len, "\n");
    }
    oups_table_free(t);
    return buf;
}

/* stdout of a shell command (malloc'ed), or NULL. */
static char *run_out(const char *cmd) {
    FILE *f = popen(cmd, "r");
    if (!f) return NULL;
    size_t cap = 1 << 16;
    char *buf = malloc(cap);
    size_t n = fread(buf, 1, cap - 1, f);
    buf[n] = '\0';
    if (pclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

TEST(new_columns_read_as_nulls_by_peers) {
    char *dir = su_tmpdir(), p[512], sql[1024], cmd[2048];
    snprintf(p, sizeof p, "%s/ds", dir);
    oups_opd_options oo = OUPS_OPD_OPTIONS_INIT;
    oo.ordered_on = "ts";
    oups_opd *opd;
    CHECK_OK(oups_opd_open(&opd, p, &oo));
    oups_store_write_options o = OUPS_STORE_WRITE_OPTIONS_INIT;
    o.row_group_rows = 3;
    static const int64_t w1[] = {0, 1, 2, 3, 4, 5, 6, 7}, w2[] = {7, 8, 20, 21};
    oups_table *t = make(w1, 8, 0);
    CHECK_OK(oups_opd_write(opd, t, &o));
    oups_table_free(t);
    /* the new data: ts, a, z (a new float column), x, s: other columns in another order too */
    t = make(w2, 4, 1);
    double z[] = {0.5, 1.5, 2.5, 3.5};
    oups_datatype ft = oups_type(OUPS_TYPE_FLOAT64);
    oups_column *zc;
    CHECK_OK(oups_column_from_values(&zc, &ft, z, 4, NULL));
    const char *names[] = {"ts", "a", "z", "x", "s"};
    oups_column *cols[] = {(oups_column *)oups_table_column(t, 0), (oups_column *)oups_table_column(t, 1), zc,
                           (oups_column *)oups_table_column(t, 2), (oups_column *)oups_table_column(t, 3)};
    oups_table *t2;
    CHECK_OK(oups_table_new(&t2, 5, names, cols));
    oups_column_release(zc);
    CHECK_RC(oups_opd_write(opd, t2, &o), OUPS_ESCHEMA); /* not allowed by default */
    o.allow_new_columns = true;
    CHECK_OK(oups_opd_write(opd, t2, &o)); /* merges into the last old row group (7) */
    oups_table_free(t);
    oups_table_free(t2);
    CHECK_OK(oups_opd_check(opd));
    char *mine = ours_az(opd);
    CHECK(mine && strcmp(mine, "a,z\n0,\n1,\n2,\n3,\n4,\n5,\n6,\n7,\n7,0.5\n8,1.5\n20,2.5\n21,3.5\n") == 0);
    snprintf(sql, sizeof sql,
             "select a, z from read_parquet('%s/*.parquet', union_by_name=true, filename=true, file_row_number=true) "
             "order by filename, file_row_number", oups_opd_path(opd));
    char *duck = oracle_duckdb(sql);
    bool ok = duck && mine && strcmp(duck, mine) == 0;
    if (!ok) fprintf(stderr, "  duckdb:\n%s\n  ours:\n%s\n", duck ? duck : "(failed)", mine ? mine : "(failed)");
    CHECK(ok);
    snprintf(cmd, sizeof cmd, "node %s/tests/oracle/polars_scan.mjs '%s/*.parquet' a:i64,z:f64", OUPS_SOURCE_DIR,
             oups_opd_path(opd));
    char *pol = run_out(cmd);
    ok = pol && mine && strcmp(pol, mine) == 0;
    if (!ok) fprintf(stderr, "  polars:\n%s\n  ours:\n%s\n", pol ? pol : "(failed)", mine ? mine : "(failed)");
    CHECK(ok);
    free(duck);
    free(pol);
    free(mine);
    oups_opd_close(opd);
    su_rmrf(dir);
}

RUN_TESTS("store.oracle", duckdb_reads_dataset, new_columns_read_as_nulls_by_peers)
