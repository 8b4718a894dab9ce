// labels: oracle
/*
 * tests/store/test_oracle.c: DuckDB (the independent reader) reading the glob DATASET/(star).parquet
 * returns exactly the dataset, in row-group order, after appends, a middle insertion with
 * id shifts, deduplication and coalescing, on a schema with timestamp, int, float and string
 * columns.
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

RUN_TESTS("store.oracle", duckdb_reads_dataset)
