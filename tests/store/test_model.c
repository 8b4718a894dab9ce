// labels: quick
/*
 * tests/store/test_model.c: random write sequences against a simple model. With
 * duplicates_on=a (keys unique) the dataset must equal the model exactly: new rows replace
 * old rows of the same key, the last of the new data wins. Without dedup it must hold the
 * same multiset of rows (ties at row-group boundaries follow the planner's placement).
 * After every write: keys ordered, max[i] <= min[i+1], each row group <= T rows, ids 0..n-1
 * (oups_opd_check), and the metadata survives a reopen.
 */
#include "store_util.h"

typedef struct row {
    int64_t a, b;
} row;

static int row_cmp(const void *x, const void *y) {
    const row *p = x, *q = y;
    return p->a != q->a ? (p->a > q->a) - (p->a < q->a) : (p->b > q->b) - (p->b < q->b);
}

/* Model update with dedup on a: drop old rows whose key is new, keep the last new row per key. */
static int64_t model_dedup(row *m, int64_t n, const row *d, int64_t nd) {
    int64_t k = 0;
    for (int64_t i = 0; i < n; i++) {
        bool replaced = false;
        for (int64_t j = 0; j < nd && !replaced; j++) replaced = d[j].a == m[i].a;
        if (!replaced) m[k++] = m[i];
    }
    for (int64_t j = 0; j < nd; j++)
        if (j + 1 == nd || d[j + 1].a != d[j].a) m[k++] = d[j];
    qsort(m, (size_t)k, sizeof *m, row_cmp); /* keys unique: sorting by a gives the order */
    return k;
}

static bool dataset_rows(row *out, int64_t *n, oups_opd *opd, int64_t T) {
    oups_table *t;
    if (oups_opd_read(&t, opd, NULL, 0) < 0) return false;
    *n = oups_table_num_rows(t);
    if (*n > 0) {
        oups_column_view a, b;
        oups_column_view_get(&a, oups_table_column(t, oups_table_column_index(t, "a")));
        oups_column_view_get(&b, oups_table_column(t, oups_table_column_index(t, "b")));
        for (int64_t i = 0; i < *n; i++) {
            out[i].a = ((const int64_t *)a.data)[a.offset + i];
            out[i].b = ((const int64_t *)b.data)[b.offset + i];
        }
    }
    oups_table_free(t);
    for (int64_t i = 0; i < oups_opd_len(opd); i++) {
        oups_opd_rg_stats s;
        if (oups_opd_stats(&s, opd, i) < 0 || s.n_rows > T || s.n_rows < 1) return false;
    }
    return oups_opd_check(opd) == 0;
}

static bool run_sequence(uint64_t *rs, bool dedup) {
    char *dir = su_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/ds", dir);
    static row model[4096], got[4096], d[64];
    int64_t n_model = 0, T = 2 + (int64_t)(test_rand(rs) % 5);
    oups_opd_options oo = OUPS_OPD_OPTIONS_INIT;
    oo.ordered_on = "a";
    oups_opd *opd;
    if (oups_opd_open(&opd, path, &oo) < 0) return false;
    bool ok = true;
    for (int w = 0; w < 25 && ok; w++) {
        int64_t nd = (int64_t)(test_rand(rs) % 12), lo = (int64_t)(test_rand(rs) % 60), span = 1 + (int64_t)(test_rand(rs) % 30);
        int64_t a[64], b[64];
        for (int64_t i = 0; i < nd; i++) a[i] = lo + (int64_t)(test_rand(rs) % (uint64_t)span);
        for (int64_t i = 1; i < nd; i++) /* insertion sort */
            for (int64_t j = i; j > 0 && a[j] < a[j - 1]; j--) {
                int64_t x = a[j];
                a[j] = a[j - 1];
                a[j - 1] = x;
            }
        for (int64_t i = 0; i < nd; i++) {
            b[i] = 1000 * (w + 1) + i;
            d[i].a = a[i];
            d[i].b = b[i];
        }
        oups_table *df = nd > 0 || test_rand(rs) % 2 ? su_table(a, b, nd) : NULL;
        oups_store_write_options o = OUPS_STORE_WRITE_OPTIONS_INIT;
        static const char *const dup[] = {"a"};
        o.row_group_rows = T;
        o.max_n_off_target_rgs = (int64_t)(test_rand(rs) % 4);
        if (dedup) {
            o.duplicates = OUPS_DUP_COLUMNS;
            o.duplicates_on = dup;
            o.n_duplicates_on = 1;
        }
        int rc = oups_opd_write(opd, df, &o);
        oups_table_free(df);
        if (rc < 0) {
            fprintf(stderr, "  write %d failed: %s\n", w, oups_error_last());
            ok = false;
            break;
        }
        if (dedup) {
            n_model = model_dedup(model, n_model, d, nd);
        } else {
            memcpy(model + n_model, d, (size_t)nd * sizeof *d);
            n_model += nd;
        }
        if (test_rand(rs) % 4 == 0) { /* reopen: state must come back from disk */
            oups_opd_close(opd);
            if (oups_opd_open(&opd, path, NULL) < 0) return false;
        }
        int64_t n_got;
        if (!dataset_rows(got, &n_got, opd, T)) {
            fprintf(stderr, "  write %d: dataset check failed: %s\n", w, oups_error_last());
            ok = false;
            break;
        }
        for (int64_t i = 1; i < n_got; i++) ok &= got[i].a >= got[i - 1].a;
        if (!dedup) {
            qsort(got, (size_t)n_got, sizeof *got, row_cmp);
            qsort(model, (size_t)n_model, sizeof *model, row_cmp);
        }
        ok &= n_got == n_model;
        for (int64_t i = 0; ok && i < n_got; i++) ok &= got[i].a == model[i].a && got[i].b == model[i].b;
        if (!ok) fprintf(stderr, "  write %d (T=%lld, dedup %d): %lld rows, model %lld\n", w, (long long)T, dedup,
                         (long long)n_got, (long long)n_model);
    }
    oups_opd_close(opd);
    su_rmrf(dir);
    return ok;
}

TEST(random_dedup) {
    su_use_tmpfs(); /* hundreds of writes: spare the disk's fsyncs */
    uint64_t rs = tests_seed();
    for (int s = 0; s < 12; s++) CHECK(run_sequence(&rs, true));
}

TEST(random_no_dedup) {
    su_use_tmpfs();
    uint64_t rs = tests_seed() + 1;
    for (int s = 0; s < 12; s++) CHECK(run_sequence(&rs, false));
}

RUN_TESTS("store.model", random_dedup, random_no_dedup)
