/*
 * tests/store/store_util.h: helpers shared by the store tests: temp directories, int tables
 * written as compact strings ("[0,2,3n][4/7]": row groups of key `a` with marker `b`, where
 * "3n" means b=1, "3" b=0 and "4/7" b=7), building "existing" datasets with explicit row
 * groups (spec §7 notation) and checking a dataset's row groups against such a string.
 */
#ifndef OUPS_TESTS_STORE_UTIL_H
#define OUPS_TESTS_STORE_UTIL_H

#include <ftw.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "store/internal.h"

/* A fresh temp directory under /tmp, or under `su_tmp_base` when a test sets it (the fault
 * tests use tmpfs: thousands of simulated crashes would otherwise wait on real fsyncs). */
static const char *su_tmp_base = "/tmp";
static inline void su_use_tmpfs(void) {
    if (access("/dev/shm", W_OK) == 0) su_tmp_base = "/dev/shm";
}
static inline char *su_tmpdir(void) {
    static char buf[128];
    snprintf(buf, sizeof buf, "%s/oups_store_XXXXXX", su_tmp_base);
    return mkdtemp(buf);
}

static inline int su_rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static inline void su_rmrf(const char *dir) {
    if (nftw(dir, su_rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0) fprintf(stderr, "rm -rf %s failed\n", dir);
}

#define SU_NS INT64_C(1000000000)

/* "YYYY-MM-DD HH:MM" (UTC, naive) to ns since the epoch. */
static inline int64_t su_ts(const char *iso) {
    struct tm tm = {0};
    int y = 1970, mo = 1, d = 1, h = 0, mi = 0;
    sscanf(iso, "%d-%d-%d %d:%d", &y, &mo, &d, &h, &mi);
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    return (int64_t)timegm(&tm) * SU_NS;
}

/* Table `key` (timestamp[ns]) + v (int64). */
static inline oups_table *su_ts_table(const char *key, const int64_t *t, const int64_t *v, int64_t n) {
    oups_datatype tt = oups_type_timestamp(OUPS_UNIT_NS, NULL), it = oups_type(OUPS_TYPE_INT64);
    oups_column *c[2] = {0};
    oups_table *out = NULL;
    if (oups_column_from_values(&c[0], &tt, t, n, NULL) == 0 && oups_column_from_values(&c[1], &it, v, n, NULL) == 0) {
        const char *names[] = {key, "v"};
        if (oups_table_new(&out, 2, names, c) != 0) out = NULL;
    }
    oups_column_release(c[0]);
    oups_column_release(c[1]);
    return out;
}

/* A table with int64 columns a and b. */
static inline oups_table *su_table(const int64_t *a, const int64_t *b, int64_t n) {
    oups_datatype t = oups_type(OUPS_TYPE_INT64);
    oups_column *cols[2] = {0};
    oups_table *out = NULL;
    if (oups_column_from_values(&cols[0], &t, a, n, NULL) == 0 && oups_column_from_values(&cols[1], &t, b, n, NULL) == 0) {
        const char *names[] = {"a", "b"};
        if (oups_table_new(&out, 2, names, cols) != 0) out = NULL;
    }
    oups_column_release(cols[0]);
    oups_column_release(cols[1]);
    return out;
}

/* Parse "[..][..]" into row groups: *n_rgs tables (caller frees each and the array). A string
 * without brackets is one group. */
static inline oups_table **su_parse(const char *s, int *n_rgs) {
    oups_table **rgs = calloc(64, sizeof *rgs);
    int n = 0;
    int64_t a[256], b[256], m = 0;
    const char *p = s;
    bool bracketed = strchr(s, '[') != NULL;
    for (;;) {
        while (*p == ' ' || *p == ',') p++;
        if (*p == '[') {
            p++;
            m = 0;
            continue;
        }
        if (*p == ']' || (*p == '\0' && !bracketed)) {
            rgs[n++] = su_table(a, b, m);
            m = 0;
            if (*p == '\0') break;
            p++;
            continue;
        }
        if (*p == '\0') break;
        char *end;
        a[m] = strtoll(p, &end, 10);
        b[m] = 0;
        p = end;
        if (*p == 'n') {
            b[m] = 1;
            p++;
        } else if (*p == '/') {
            b[m] = strtoll(p + 1, &end, 10);
            p = end;
        }
        m++;
    }
    *n_rgs = n;
    return rgs;
}

static inline void su_free_rgs(oups_table **rgs, int n) {
    for (int i = 0; i < n; i++) oups_table_free(rgs[i]);
    free(rgs);
}

/* Render the dataset's row groups in the same notation ("a/b" for b > 1). */
static inline int su_render(char *buf, size_t cap, oups_opd *opd) {
    size_t len = 0;
    buf[0] = '\0';
    for (int64_t i = 0; i < oups_opd_len(opd); i++) {
        oups_opd *v;
        oups_table *t;
        if (oups_opd_view(&v, opd, i, i + 1, 1) < 0) return -1;
        int rc = oups_opd_read(&t, v, NULL, 0);
        oups_opd_close(v);
        if (rc < 0) return rc;
        oups_column_view ca, cb;
        oups_column_view_get(&ca, oups_table_column(t, oups_table_column_index(t, "a")));
        oups_column_view_get(&cb, oups_table_column(t, oups_table_column_index(t, "b")));
        len += (size_t)snprintf(buf + len, cap - len, "[");
        for (int64_t r = 0; r < oups_table_num_rows(t); r++) {
            int64_t x = ((const int64_t *)ca.data)[ca.offset + r], y = ((const int64_t *)cb.data)[cb.offset + r];
            len += (size_t)snprintf(buf + len, cap - len, r ? ",%lld" : "%lld", (long long)x);
            if (y == 1) len += (size_t)snprintf(buf + len, cap - len, "n");
            else if (y != 0) len += (size_t)snprintf(buf + len, cap - len, "/%lld", (long long)y);
        }
        len += (size_t)snprintf(buf + len, cap - len, "]");
        oups_table_free(t);
    }
    return 0;
}

/* Create a dataset at dir/name with the explicit row groups of `spec`; returns it open. */
static inline oups_opd *su_existing(const char *dir, const char *name, const char *spec) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    oups_opd_options oo = OUPS_OPD_OPTIONS_INIT;
    oo.ordered_on = "a";
    oups_opd *opd;
    if (oups_opd_open(&opd, path, &oo) < 0) return NULL;
    if (spec && *spec) {
        int n;
        oups_table **rgs = su_parse(spec, &n);
        int rc = oups_opd_write_row_groups(opd, rgs, n, true, NULL);
        su_free_rgs(rgs, n);
        if (rc < 0) {
            oups_opd_close(opd);
            return NULL;
        }
    }
    return opd;
}

/* Write `df_spec` (one group; NULL: no df) with options, then compare to `want`. */
static inline bool su_write_expect(oups_opd *opd, const char *df_spec, const oups_store_write_options *o,
                                   const char *want) {
    oups_table *df = NULL;
    if (df_spec) {
        int n;
        oups_table **rgs = su_parse(df_spec, &n);
        df = oups_table_retain(rgs[0]);
        su_free_rgs(rgs, n);
    }
    int rc = oups_opd_write(opd, df, o);
    oups_table_free(df);
    if (rc < 0) {
        fprintf(stderr, "  write failed: %s\n", oups_error_last());
        return false;
    }
    char got[4096];
    if (su_render(got, sizeof got, opd) < 0) {
        fprintf(stderr, "  render failed: %s\n", oups_error_last());
        return false;
    }
    if (strcmp(got, want) != 0) {
        fprintf(stderr, "  got  %s\n  want %s\n", got, want);
        return false;
    }
    if (oups_opd_check(opd) < 0) {
        fprintf(stderr, "  check failed: %s\n", oups_error_last());
        return false;
    }
    return true;
}

#endif
