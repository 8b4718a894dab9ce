// labels: quick
/*
 * tests/store/test_evolve.c: schema evolution (allow_new_columns). A write adding columns is
 * refused by default and accepted when allowed (new data's columns in any order); row groups
 * written before read back with nulls in the new columns (whole, projected, by key range,
 * through views and iter_intersections), the metadata records the columns (format 3, checked
 * and verified at reopen) and the dataset passes check; later writes must bring every column
 * (dropping one or changing a type is OUPS_ESCHEMA naming the dataset, the column and both
 * types); version-1 option structs never evolve; check --repair rebuilds the columns of an
 * evolved dataset from its files.
 */
#include "store_util.h"

/* Columns a, b (int64) and, when `c` is given, c (float64) in the order of `names`. */
static void make(oups_table **out, const char *const *names, int n_cols, const int64_t *a, const double *c, int64_t n) {
    oups_datatype it = oups_type(OUPS_TYPE_INT64), ft = oups_type(OUPS_TYPE_FLOAT64);
    oups_column *cols[3] = {0};
    for (int k = 0; k < n_cols; k++) {
        if (strcmp(names[k], "c") == 0) CHECK_OK(oups_column_from_values(&cols[k], &ft, c, n, NULL));
        else CHECK_OK(oups_column_from_values(&cols[k], &it, a, n, NULL));
    }
    CHECK_OK(oups_table_new(out, n_cols, names, cols));
    for (int k = 0; k < n_cols; k++) oups_column_release(cols[k]);
}

/* "a:c" per row of `t` ("-" for a null c), joined by spaces. */
static void render(char *buf, size_t cap, const oups_table *t) {
    size_t len = 0;
    buf[0] = '\0';
    int ia = oups_table_column_index(t, "a"), ic = oups_table_column_index(t, "c");
    for (int64_t r = 0; r < oups_table_num_rows(t); r++) {
        oups_scalar a, c;
        if (ia >= 0) oups_column_get_scalar(&a, oups_table_column(t, ia), r);
        oups_column_get_scalar(&c, oups_table_column(t, ic), r);
        len += (size_t)snprintf(buf + len, cap - len, "%s", r ? " " : "");
        if (ia >= 0) len += (size_t)snprintf(buf + len, cap - len, "%lld:", (long long)a.v.i);
        len += (size_t)(c.is_null ? snprintf(buf + len, cap - len, "-") : snprintf(buf + len, cap - len, "%g", c.v.f));
    }
}

static bool reads_as(oups_opd *opd, const char *want) {
    oups_table *t;
    char got[2048];
    if (oups_opd_read(&t, opd, NULL, 0) < 0) return false;
    render(got, sizeof got, t);
    bool ok = strcmp(got, want) == 0 && oups_table_num_columns(t) == 3 &&
              strcmp(oups_table_column_name(t, 2), "c") == 0;
    if (!ok) fprintf(stderr, "  got  %s\n  want %s\n", got, want);
    oups_table_free(t);
    return ok;
}

TEST(new_columns_read_as_nulls) {
    su_use_tmpfs();
    char *dir = su_tmpdir(), p[512];
    snprintf(p, sizeof p, "%s/ds", dir);
    oups_opd *opd;
    CHECK_OK(oups_opd_open(&opd, p, NULL));
    oups_store_write_options o = OUPS_STORE_WRITE_OPTIONS_INIT;
    o.ordered_on = "a";
    o.row_group_rows = 2;
    static const char *const ab[] = {"a", "b"}, *const cab[] = {"c", "a", "b"}, *const ac[] = {"a", "c"};
    static const int64_t a1[] = {1, 2, 3, 4, 5}, a2[] = {5, 6, 7};
    static const double c2[] = {0.5, 6.5, 7.5};
    oups_table *t;
    make(&t, ab, 2, a1, NULL, 5);
    CHECK_OK(oups_opd_write(opd, t, &o));
    oups_table_free(t);
    make(&t, cab, 3, a2, c2, 3); /* c first, a and b after: the dataset's order is kept */
    CHECK_RC(oups_opd_write(opd, t, &o), OUPS_ESCHEMA);
    CHECK(strstr(oups_error_last(), "allow_new_columns"));
    oups_store_write_options o1 = o; /* a version-1 struct has no such field: never evolves */
    o1.version = 1;
    o1.allow_new_columns = true;
    CHECK_RC(oups_opd_write(opd, t, &o1), OUPS_ESCHEMA);
    o.allow_new_columns = true;
    CHECK_OK(oups_opd_write(opd, t, &o)); /* 5 merges with the old last row group */
    oups_table_free(t);
    const char *want = "1:- 2:- 3:- 4:- 5:- 5:0.5 6:6.5 7:7.5";
    CHECK(reads_as(opd, want));
    CHECK_OK(oups_opd_check(opd));
    /* the metadata records the columns (format 3) and the reopened dataset reads the same */
    store_meta m;
    CHECK_OK(oups_store__meta_read(&m, opd->md_path));
    CHECK(m.format == STORE_META_FORMAT && m.columns && oups_table_num_columns(m.columns) == 3);
    oups_store__meta_free(&m);
    oups_opd_close(opd);
    oups_opd_options ro = OUPS_OPD_OPTIONS_INIT;
    ro.read_only = true;
    CHECK_OK(oups_opd_open(&opd, p, &ro));
    CHECK(reads_as(opd, want));
    oups_table *s;
    CHECK_OK(oups_opd_schema(&s, opd));
    CHECK(oups_table_num_columns(s) == 3 && strcmp(oups_table_column_name(s, 2), "c") == 0);
    oups_table_free(s);
    /* projections, ranges and views */
    char got[512];
    const char *only_c[] = {"c"};
    CHECK_OK(oups_opd_read(&s, opd, only_c, 1));
    render(got, sizeof got, s);
    CHECK(strcmp(got, "- - - - - 0.5 6.5 7.5") == 0 && oups_table_num_columns(s) == 1);
    oups_table_free(s);
    oups_scalar lo = {.type = oups_type(OUPS_TYPE_INT64), .v.i = 4}, hi = lo;
    hi.v.i = 7;
    CHECK_OK(oups_opd_read_range(&s, opd, &lo, &hi, only_c, 1));
    render(got, sizeof got, s);
    CHECK(strcmp(got, "- - 0.5 6.5") == 0);
    oups_table_free(s);
    oups_opd *v;
    CHECK_OK(oups_opd_view(&v, opd, 0, 1, 1));
    CHECK_OK(oups_opd_read(&s, v, ac, 2));
    render(got, sizeof got, s);
    CHECK(strcmp(got, "1:- 2:-") == 0);
    oups_table_free(s);
    oups_opd_close(v);
    const char *nope[] = {"zz"};
    CHECK_RC(oups_opd_read(&s, opd, nope, 1), OUPS_ENOTFOUND);
    /* iter_intersections sees the same */
    oups_intersections *it;
    CHECK_OK(oups_intersections_open(&it, &opd, 1, NULL));
    bool done = false;
    size_t at = 0;
    char all[512] = "";
    while (!done) {
        CHECK_OK(oups_intersections_next(it, &done));
        for (int i = 0; !done && i < oups_intersections_count(it); i++) {
            render(got, sizeof got, oups_intersections_table(it, i));
            at += (size_t)snprintf(all + at, sizeof all - at, "%s%s", at && got[0] ? " " : "", got);
        }
    }
    oups_intersections_free(it);
    CHECK(strcmp(all, want) == 0);
    oups_opd_close(opd);
    su_rmrf(dir);
}

TEST(dropping_or_retyping_is_refused) {
    su_use_tmpfs();
    char *dir = su_tmpdir(), p[512];
    snprintf(p, sizeof p, "%s/ds", dir);
    oups_opd *opd;
    CHECK_OK(oups_opd_open(&opd, p, NULL));
    oups_store_write_options o = OUPS_STORE_WRITE_OPTIONS_INIT;
    o.ordered_on = "a";
    o.allow_new_columns = true;
    static const char *const ab[] = {"a", "b"}, *const ac[] = {"a", "c"}, *const abc[] = {"a", "b", "c"};
    static const int64_t a1[] = {1, 2}, a2[] = {3, 4};
    static const double c2[] = {3.5, 4.5};
    oups_table *t;
    make(&t, ab, 2, a1, NULL, 2);
    CHECK_OK(oups_opd_write(opd, t, &o));
    oups_table_free(t);
    make(&t, ac, 2, a2, c2, 2); /* b missing */
    CHECK_RC(oups_opd_write(opd, t, &o), OUPS_ESCHEMA);
    CHECK(strstr(oups_error_last(), "ds: column 'b' (int64) is not in the new data"));
    oups_table_free(t);
    static const char *const b_as_c[] = {"a", "c"}; /* b retyped: a table where b is a float */
    make(&t, b_as_c, 2, a2, c2, 2);
    oups_table *r;
    const char *names[] = {"a", "b"};
    oups_column *cols[] = {(oups_column *)oups_table_column(t, 0), (oups_column *)oups_table_column(t, 1)};
    CHECK_OK(oups_table_new(&r, 2, names, cols));
    CHECK_RC(oups_opd_write(opd, r, &o), OUPS_ESCHEMA);
    CHECK(strstr(oups_error_last(), "ds: column 'b' is int64 in the dataset but float64 in the new data"));
    oups_table_free(r);
    oups_table_free(t);
    make(&t, abc, 3, a2, c2, 2);
    CHECK_OK(oups_opd_write(opd, t, &o));
    oups_table_free(t);
    make(&t, ab, 2, a2, NULL, 2); /* c is now a column of the dataset */
    CHECK_RC(oups_opd_write(opd, t, &o), OUPS_ESCHEMA);
    CHECK(strstr(oups_error_last(), "column 'c' (float64) is not in the new data"));
    oups_table_free(t);
    CHECK(reads_as(opd, "1:- 2:- 3:3.5 4:4.5"));
    /* damaged metadata: repair rebuilds it, columns included, from the files */
    oups_opd_close(opd);
    char md[600];
    snprintf(md, sizeof md, "%s_opdmd", p);
    FILE *f = fopen(md, "r+b");
    CHECK(f && fseek(f, 40, SEEK_SET) == 0 && fputc('#', f) != EOF);
    fclose(f);
    CHECK_RC(oups_opd_open(&opd, p, NULL), OUPS_ECORRUPT);
    char *report = NULL;
    CHECK_OK(oups_opd_repair(p, "a", 1000, &report));
    oups_mem_free(report);
    CHECK_OK(oups_opd_open(&opd, p, NULL));
    CHECK(reads_as(opd, "1:- 2:- 3:3.5 4:4.5"));
    CHECK_OK(oups_opd_check(opd));
    oups_opd_close(opd);
    su_rmrf(dir);
}

RUN_TESTS("store.evolve", new_columns_read_as_nulls, dropping_or_retyping_is_refused)
