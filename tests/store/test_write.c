// labels: quick
/*
 * tests/store/test_write.c: oups_opd_write on int keys against the scenarios of
 * spec/store.md §7.4 (W1, W14a-d, W19, W21, W23a-d, W27) and §7.6 (E1), plus the
 * validation errors (nothing written), metadata updates (§3.5) and the §3.4 primitive.
 */
#include "store_util.h"

static oups_store_write_options opts(int64_t T, int64_t max_off, bool dup_on_a) {
    oups_store_write_options o = OUPS_STORE_WRITE_OPTIONS_INIT;
    static const char *const dup[] = {"a"};
    o.ordered_on = "a";
    o.row_group_rows = T;
    o.max_n_off_target_rgs = max_off;
    if (dup_on_a) {
        o.duplicates = OUPS_DUP_COLUMNS;
        o.duplicates_on = dup;
        o.n_duplicates_on = 1;
    }
    return o;
}

#define SCENARIO(existing, df, o, want)                                                                             \
    do {                                                                                                            \
        char *dir_ = su_tmpdir();                                                                                   \
        oups_opd *opd_ = su_existing(dir_, "ds", existing);                                                         \
        CHECK(opd_ != NULL);                                                                                        \
        oups_store_write_options o_ = o;                                                                            \
        bool ok_ = su_write_expect(opd_, df, &o_, want);                                                            \
        oups_opd_close(opd_);                                                                                       \
        su_rmrf(dir_);                                                                                              \
        CHECK(ok_);                                                                                                 \
    } while (0)

TEST(w1_fresh_append) {
    char *dir = su_tmpdir();
    oups_opd *opd = su_existing(dir, "ds", NULL);
    CHECK(opd);
    oups_store_write_options o = opts(2, 0, false);
    CHECK(su_write_expect(opd, "0,1,2,3,4,5", &o, "[0,1][2,3][4,5]"));
    CHECK(su_write_expect(opd, "6n,7n", &o, "[0,1][2,3][4,5][6n,7n]"));
    CHECK(oups_opd_max_file_id(opd) == 3);
    oups_opd_close(opd);
    /* reopen: same state from the metadata file */
    char path[512];
    snprintf(path, sizeof path, "%s/ds", dir);
    CHECK_OK(oups_opd_open(&opd, path, NULL));
    char got[512];
    CHECK_OK(su_render(got, sizeof got, opd));
    CHECK(strcmp(got, "[0,1][2,3][4,5][6n,7n]") == 0);
    CHECK(!oups_opd_is_new(opd) && strcmp(oups_opd_ordered_on(opd), "a") == 0);
    oups_opd_close(opd);
    su_rmrf(dir);
}

TEST(w14_islands) {
    const char *ex = "[0,2,4,6][6,7,8,10][11,11,12,12][13]";
    SCENARIO(ex, "3n,4n,13n,14n", opts(4, 1, true), "[0,2,3n,4n][6][6,7,8,10][11,11,12,12][13n,14n]");
    SCENARIO(ex, "3n,6n,13n,14n", opts(4, 1, true), "[0,2,3n,4][6n,7,8,10][11,11,12,12][13n,14n]");
    SCENARIO(ex, "3n,6n,13n,14n", opts(4, 1, false), "[0,2,3n,4][6,6,6n,7][8,10][11,11,12,12][13,13n,14n]");
    SCENARIO(ex, "6n,7n,13n,14n", opts(4, 1, false), "[0,2,4,6][6,6n,7,7n][8,10][11,11,12,12][13,13n,14n]");
}

TEST(w19_w21) {
    const char *ex = "[0,1,2,6][7,8,9,10][11][12]";
    SCENARIO(ex, "12n", opts(4, 3, false), "[0,1,2,6][7,8,9,10][11][12][12n]");
    SCENARIO(ex, "12n", opts(4, 0, false), "[0,1,2,6][7,8,9,10][11][12][12n]");
    SCENARIO(ex, "12n", opts(4, 2, false), "[0,1,2,6][7,8,9,10][11,12,12n]");
    SCENARIO("[0,1,2][6,7,8][9]", "3n", opts(3, 2, false), "[0,1,2][3n][6,7,8][9]");
}

TEST(w23_resize) {
    SCENARIO("[1,1,1,1,2,2,2,2][4,4,4,4,4,6,6,6,6,6]", NULL, opts(4, 1, false),
             "[1,1,1,1][2,2,2,2][4,4,4,4][4,6,6,6][6,6]");
    SCENARIO("[1,1,2,2][4,5,6,6]", NULL, opts(4, 1, false), "[1,1,2,2][4,5,6,6]");
    SCENARIO("[1,2][3]", NULL, opts(4, 1, false), "[1,2,3]");
    SCENARIO("[1,2][3]", NULL, opts(4, 0, false), "[1,2][3]");
    /* an empty (0-row) df behaves like NULL */
    char *dir = su_tmpdir();
    oups_opd *opd = su_existing(dir, "ds", "[1,2][3]");
    CHECK(opd);
    oups_table *empty = su_table(NULL, NULL, 0);
    oups_store_write_options o = opts(4, 1, false);
    CHECK_OK(oups_opd_write(opd, empty, &o));
    oups_table_free(empty);
    char got[256];
    CHECK_OK(su_render(got, sizeof got, opd));
    CHECK(strcmp(got, "[1,2,3]") == 0);
    oups_opd_close(opd);
    su_rmrf(dir);
}

TEST(w23b_untouched_files) {
    /* no file is rewritten: inode of file 0 unchanged */
    char *dir = su_tmpdir();
    oups_opd *opd = su_existing(dir, "ds", "[1,1,2,2][4,5,6,6]");
    CHECK(opd);
    char f0[512];
    snprintf(f0, sizeof f0, "%s/ds/file_00000.parquet", dir);
    struct stat s1, s2;
    CHECK(stat(f0, &s1) == 0);
    oups_store_write_options o = opts(4, 1, false);
    CHECK(su_write_expect(opd, "7n", &o, "[1,1,2,2][4,5,6,6][7n]"));
    CHECK(stat(f0, &s2) == 0 && s1.st_ino == s2.st_ino);
    oups_opd_close(opd);
    su_rmrf(dir);
}

TEST(w27_dedup_in_new_data) {
    SCENARIO("", "1/1,1/2,2/3,2/4,2/5", opts(2, 0, false), "[1n,1/2][2/3,2/4][2/5]");
    SCENARIO("", "1/1,1/2,2/3,2/4,2/5", opts(2, 0, true), "[1/2,2/5]");
}

TEST(dup_all_and_columns) {
    /* OUPS_DUP_ALL: rows equal on all columns */
    oups_store_write_options o = opts(10, 0, false);
    o.duplicates = OUPS_DUP_ALL;
    SCENARIO("[1,2,3]", "2,2n,3", o, "[1,2,2n,3]");
}

TEST(e1_errors_nothing_written) {
    char *dir = su_tmpdir();
    oups_opd *opd = su_existing(dir, "ds", "[1,2][3,4]");
    CHECK(opd);
    oups_store_write_options o = opts(2, 0, false);
    int n;
    oups_table **rgs = su_parse("3,1", &n);
    CHECK_RC(oups_opd_write(opd, rgs[0], &o), OUPS_EUNORDERED);
    CHECK(strstr(oups_error_last(), "ordered_on column 'a' must be sorted in ascending order: row 1 (1) comes after 3") != NULL);
    su_free_rgs(rgs, n);
    /* missing ordered_on column */
    oups_datatype i64 = oups_type(OUPS_TYPE_INT64);
    oups_column *c;
    int64_t v[] = {5};
    CHECK_OK(oups_column_from_values(&c, &i64, v, 1, NULL));
    const char *names[] = {"x", "b"};
    oups_column *cols[] = {c, c};
    oups_table *t;
    CHECK_OK(oups_table_new(&t, 2, names, cols));
    CHECK_RC(oups_opd_write(opd, t, &o), OUPS_ENOTFOUND);
    oups_table_free(t);
    /* schema mismatch: a float b */
    oups_datatype f64 = oups_type(OUPS_TYPE_FLOAT64);
    oups_column *cf;
    double fv[] = {1.0};
    CHECK_OK(oups_column_from_values(&cf, &f64, fv, 1, NULL));
    const char *names2[] = {"a", "b"};
    oups_column *cols2[] = {c, cf};
    CHECK_OK(oups_table_new(&t, 2, names2, cols2));
    CHECK_RC(oups_opd_write(opd, t, &o), OUPS_ESCHEMA);
    oups_table_free(t);
    oups_column_release(c);
    oups_column_release(cf);
    /* ordered_on mismatch, bad max_off */
    o.ordered_on = "b";
    CHECK_RC(oups_opd_write(opd, NULL, &o), OUPS_EINVAL);
    CHECK(strstr(oups_error_last(), "ordered_on 'b' does not match the dataset's ordered_on column 'a'") != NULL);
    o = opts(2, -1, false);
    CHECK_RC(oups_opd_write(opd, NULL, &o), OUPS_EINVAL);
    char got[256];
    CHECK_OK(su_render(got, sizeof got, opd));
    CHECK(strcmp(got, "[1,2][3,4]") == 0);
    CHECK_OK(oups_opd_check(opd));
    oups_opd_close(opd);
    /* a new dataset opened without ordered_on needs it in the write (spec §3.10) */
    char p2[512];
    snprintf(p2, sizeof p2, "%s/fresh", dir);
    CHECK_OK(oups_opd_open(&opd, p2, NULL));
    CHECK(oups_opd_ordered_on(opd) == NULL);
    CHECK_RC(oups_opd_write(opd, NULL, NULL), OUPS_EINVAL);
    CHECK(strcmp(oups_error_last(), "'ordered_on' parameter is required.") == 0);
    oups_opd_close(opd);
    su_rmrf(dir);
}

TEST(metadata_updates) {
    char *dir = su_tmpdir();
    oups_opd *opd = su_existing(dir, "ds", NULL);
    CHECK(opd);
    oups_store_write_options o = opts(2, 0, false);
    const char *k1[] = {"a", "ts", "k0"}, *v1[] = {"b", "2021-01-01T00:00:00", ""};
    o.n_kv = 3;
    o.kv_keys = k1;
    o.kv_values = v1;
    CHECK_OK(oups_opd_write(opd, NULL, &o)); /* metadata only: no directory */
    char p[512];
    snprintf(p, sizeof p, "%s/ds", dir);
    CHECK(access(p, F_OK) != 0);
    oups_opd_close(opd);
    CHECK_OK(oups_opd_open(&opd, p, NULL));
    CHECK(oups_opd_kv_count(opd) == 2 && strcmp(oups_opd_kv_get(opd, "a"), "b") == 0);
    CHECK(oups_opd_kv_get(opd, "k0") == NULL);
    const char *k2[] = {"a", "ts"}, *v2[] = {"c", NULL};
    o.n_kv = 2;
    o.kv_keys = k2;
    o.kv_values = v2;
    o.ordered_on = NULL;
    CHECK_OK(oups_opd_write(opd, NULL, &o));
    oups_opd_close(opd);
    CHECK_OK(oups_opd_open(&opd, p, NULL));
    CHECK(oups_opd_kv_count(opd) == 1 && strcmp(oups_opd_kv_get(opd, "a"), "c") == 0);
    CHECK(strcmp(oups_opd_ordered_on(opd), "a") == 0);
    oups_opd_close(opd);
    su_rmrf(dir);
}

TEST(row_group_primitive) {
    /* §3.4 / §3.6 example: 8 one-row chunks, views, remove_from_disk */
    char *dir = su_tmpdir();
    oups_opd *opd = su_existing(dir, "ds", "[0][1][2][3][4][5][6][7]");
    CHECK(opd && oups_opd_len(opd) == 8 && oups_opd_max_file_id(opd) == 7);
    oups_opd *v, *v2;
    CHECK_OK(oups_opd_view(&v, opd, 2, 4, 1));
    oups_table *t;
    CHECK_OK(oups_opd_read(&t, v, NULL, 0));
    CHECK(oups_table_num_rows(t) == 2);
    oups_table_free(t);
    CHECK(oups_opd_len(v) == 2 && oups_opd_max_file_id(v) == 7);
    CHECK_OK(oups_opd_view(&v2, v, 0, 1, 1));
    CHECK(oups_opd_len(v2) == 1);
    CHECK_RC(oups_opd_write(v2, NULL, NULL), OUPS_EREADONLY);
    CHECK_RC(oups_opd_remove_from_disk(v2, false), OUPS_EREADONLY);
    oups_opd_close(v2);
    oups_opd_close(v);
    CHECK_OK(oups_opd_view(&v, opd, 0, 100, 2));
    CHECK(oups_opd_len(v) == 4);
    oups_opd_close(v);
    /* range read touches only needed row groups */
    oups_scalar s = {0}, e = {0};
    s.type = e.type = oups_type(OUPS_TYPE_INT64);
    s.v.i = 3;
    e.v.i = 6;
    const char *cols[] = {"b"};
    CHECK_OK(oups_opd_read_range(&t, opd, &s, &e, cols, 1));
    CHECK(oups_table_num_rows(t) == 3 && oups_table_num_columns(t) == 1);
    oups_table_free(t);
    /* remove_from_disk preserving metadata, then write again */
    const char *kk[] = {"custom_meta"}, *kv[] = {"test_value"};
    oups_store_write_options o = opts(2, 0, false);
    o.n_kv = 1;
    o.kv_keys = kk;
    o.kv_values = kv;
    CHECK_OK(oups_opd_write(opd, NULL, &o));
    CHECK_OK(oups_opd_remove_from_disk(opd, true));
    char p[512];
    snprintf(p, sizeof p, "%s/ds", dir);
    CHECK(access(p, F_OK) != 0 && oups_opd_len(opd) == 0);
    CHECK(strcmp(oups_opd_kv_get(opd, "custom_meta"), "test_value") == 0);
    o.n_kv = 0;
    CHECK(su_write_expect(opd, "1,2,3", &o, "[1,2][3]"));
    CHECK_OK(oups_opd_remove_from_disk(opd, false));
    CHECK(oups_opd_kv_count(opd) == 0);
    CHECK_OK(oups_opd_remove_from_disk(opd, false)); /* repeatable */
    oups_opd_close(opd);
    su_rmrf(dir);
}

TEST(file_id_limit) {
    /* limit lowered to 4 (ids 0..4): 5 row groups fit, a 6th is refused and nothing changes */
    int64_t saved = oups_store__max_file_id;
    oups_store__max_file_id = 4;
    char *dir = su_tmpdir();
    oups_opd *opd = su_existing(dir, "ds", "[0][1][2][3]");
    CHECK(opd);
    oups_store_write_options o = opts(1, 0, false);
    CHECK(su_write_expect(opd, "4n", &o, "[0][1][2][3][4n]"));
    int n;
    oups_table **rgs = su_parse("5n", &n);
    int rc = oups_opd_write(opd, rgs[0], &o);
    int rc2 = oups_opd_write_row_groups(opd, rgs, n, true, NULL);
    su_free_rgs(rgs, n);
    oups_store__max_file_id = saved;
    CHECK(rc == OUPS_EOVERFLOW && rc2 == OUPS_EOVERFLOW);
    CHECK(strstr(oups_error_last(), "file id '5' exceeds max value 4") != NULL);
    char got[256];
    CHECK_OK(su_render(got, sizeof got, opd));
    CHECK(strcmp(got, "[0][1][2][3][4n]") == 0);
    CHECK_OK(oups_opd_check(opd));
    /* a rewrite that keeps the count within the limit still works */
    oups_store__max_file_id = 4;
    o = opts(3, 1, false);
    rc = su_write_expect(opd, NULL, &o, "[0,1,2][3,4n]") ? 0 : -1;
    oups_store__max_file_id = saved;
    CHECK(rc == 0);
    oups_opd_close(opd);
    su_rmrf(dir);
}

TEST(float_and_int32_keys) {
    /* float64 keys (negative values too) persist through the metadata and bound reads */
    char *dir = su_tmpdir();
    char p[512];
    snprintf(p, sizeof p, "%s/f", dir);
    oups_opd_options oo = OUPS_OPD_OPTIONS_INIT;
    oo.ordered_on = "x";
    oups_opd *opd;
    CHECK_OK(oups_opd_open(&opd, p, &oo));
    oups_datatype f64 = oups_type(OUPS_TYPE_FLOAT64), i32 = oups_type(OUPS_TYPE_INT32);
    double xs[] = {-2.5, -1.0, -0.0, 0.5, 3.25, 7.0};
    int32_t ys[] = {1, 2, 3, 4, 5, 6};
    oups_column *c[2];
    CHECK_OK(oups_column_from_values(&c[0], &f64, xs, 6, NULL));
    CHECK_OK(oups_column_from_values(&c[1], &i32, ys, 6, NULL));
    const char *names[] = {"x", "y"};
    oups_table *t;
    CHECK_OK(oups_table_new(&t, 2, names, c));
    oups_store_write_options o = OUPS_STORE_WRITE_OPTIONS_INIT;
    o.row_group_rows = 4;
    CHECK_OK(oups_opd_write(opd, t, &o));
    oups_opd_close(opd);
    CHECK_OK(oups_opd_open(&opd, p, NULL));
    oups_opd_rg_stats st;
    CHECK_OK(oups_opd_stats(&st, opd, 0));
    CHECK(st.min.type.id == OUPS_TYPE_FLOAT64 && st.min.v.f == -2.5 && st.max.v.f == 0.5 && st.n_rows == 4);
    oups_scalar lo = {0}, hi = {0};
    lo.type = hi.type = f64;
    lo.v.f = -1.0;
    hi.v.f = 3.25;
    oups_table *r;
    CHECK_OK(oups_opd_read_range(&r, opd, &lo, &hi, NULL, 0));
    CHECK(oups_table_num_rows(r) == 3);
    oups_table_free(r);
    CHECK_OK(oups_opd_check(opd));
    oups_opd_close(opd);
    /* int32 key column */
    snprintf(p, sizeof p, "%s/i", dir);
    oo.ordered_on = "y";
    CHECK_OK(oups_opd_open(&opd, p, &oo));
    CHECK_OK(oups_opd_write(opd, t, &o));
    CHECK_OK(oups_opd_write(opd, t, &o)); /* duplicates kept: each key twice */
    CHECK_OK(oups_opd_read(&r, opd, NULL, 0));
    CHECK(oups_table_num_rows(r) == 12);
    oups_table_free(r);
    CHECK_OK(oups_opd_check(opd));
    oups_opd_close(opd);
    oups_table_free(t);
    oups_column_release(c[0]);
    oups_column_release(c[1]);
    su_rmrf(dir);
}

RUN_TESTS("store.write", file_id_limit, float_and_int32_keys, w1_fresh_append, w14_islands, w19_w21, w23_resize, w23b_untouched_files, w27_dedup_in_new_data,
          dup_all_and_columns, e1_errors_nothing_written, metadata_updates, row_group_primitive)
