/*
 * bench/bench_store.c: incremental writes and iter_intersections of ordered datasets.
 * Data: N rows (default 10,000,000; argv[1]) of ticks (ts timestamp[ns] every 1 ms, bid
 * float64, qty int64), row groups of N/10 rows (1,000,000 by default), zstd.
 *  1. full write of a fresh dataset (wall time);
 *  2. append 1,000 newer rows: row groups rewritten (old files whose inode is gone) and time
 *     as a share of the full write (targets: <= 1 row group, <= 5%);
 *  3. insert 1,000 rows inside one row group in the middle: only that row group rewritten;
 *  4. a narrow range read (1,000 rows in the middle) against a full read of its row group:
 *     row groups read, pages decoded and bytes read (oups_opd_read_stats_get) against the
 *     dataset's totals, CPU time;
 *  5. iter_intersections over 3 datasets of N/3 rows with interleaved keys: peak RSS added
 *     (VmHWM reset through /proc/self/clear_refs) against 3 row groups + 64 MB, row groups
 *     read (each once); then over a window of about one row group's keys (row groups read
 *     against those whose [min, max] meets the window, target: equal) and over a narrow
 *     window of 1,000 ticks per dataset; row groups, pages and bytes read against the totals.
 * Prints machine, compiler and flags. Temp data under $TMPDIR or /tmp, removed at the end.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "oups/oups.h"
#include "util/util.h"

static void die(const char *what, int rc) {
    fprintf(stderr, "bench_store: %s: %s: %s\n", what, oups_strerror(rc), oups_error_last());
    exit(1);
}

static double now_s(void) { return (double)oups_now_ns() / 1e9; }

static int64_t status_kb(const char *key) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    int64_t v = -1;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, key, strlen(key)) == 0) v = strtoll(line + strlen(key) + 1, NULL, 10);
    if (f) fclose(f);
    return v;
}

/* Rows [first, first+n) of the tick series, keys ts0 + (first+i)*step_ns (+ offset). */
static oups_table *ticks(int64_t first, int64_t n, int64_t step_ns, int64_t offset_ns) {
    oups_datatype tt = oups_type_timestamp(OUPS_UNIT_NS, NULL), ft = oups_type(OUPS_TYPE_FLOAT64),
                  it = oups_type(OUPS_TYPE_INT64);
    int64_t *ts = malloc((size_t)n * 8), *q = malloc((size_t)n * 8);
    double *bid = malloc((size_t)n * 8);
    if (!ts || !q || !bid) die("malloc", OUPS_ENOMEM);
    for (int64_t i = 0; i < n; i++) {
        ts[i] = INT64_C(1700000000000000000) + (first + i) * step_ns + offset_ns;
        bid[i] = 100.0 + (double)((first + i) % 1000) * 0.01;
        q[i] = (first + i) % 97;
    }
    oups_column *c[3];
    oups_table *t;
    int rc = oups_column_from_values(&c[0], &tt, ts, n, NULL);
    if (rc == 0) rc = oups_column_from_values(&c[1], &ft, bid, n, NULL);
    if (rc == 0) rc = oups_column_from_values(&c[2], &it, q, n, NULL);
    const char *names[] = {"ts", "bid", "qty"};
    if (rc == 0) rc = oups_table_new(&t, 3, names, c);
    if (rc) die("table", rc);
    for (int i = 0; i < 3; i++) oups_column_release(c[i]);
    free(ts);
    free(q);
    free(bid);
    return t;
}

/* Inodes of the dataset's row-group files. */
static int inodes(ino_t *out, const char *dir) {
    int n = 0;
    char p[4096];
    for (int k = 0; k < 65536; k++) {
        struct stat st;
        snprintf(p, sizeof p, "%s/file_%05d.parquet", dir, k);
        if (stat(p, &st) != 0) break;
        out[n++] = st.st_ino;
    }
    return n;
}

static int rewritten(const ino_t *before, int nb, const ino_t *after, int na) {
    int gone = 0;
    for (int i = 0; i < nb; i++) {
        bool found = false;
        for (int j = 0; j < na && !found; j++) found = before[i] == after[j];
        gone += !found;
    }
    return gone;
}

static oups_opd *open_ds(const char *path) {
    oups_opd_options o = OUPS_OPD_OPTIONS_INIT;
    o.ordered_on = "ts";
    oups_opd *opd;
    int rc = oups_opd_open(&opd, path, &o);
    if (rc) die("open", rc);
    return opd;
}

static double timed_write(oups_opd *opd, oups_table *t, int64_t T) {
    oups_store_write_options o = OUPS_STORE_WRITE_OPTIONS_INIT;
    o.row_group_rows = T;
    double t0 = now_s();
    int rc = oups_opd_write(opd, t, &o);
    if (rc) die("write", rc);
    return now_s() - t0;
}

static double cpu_s(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* Row groups of `opd` whose [min, max] meets [lo, hi). */
/* Steps and rows of an intersections iteration run to its end. */
/* Iterate datasets ds[0..3) over `io` (NULL: all) to the end: steps, rows and seconds taken. */
static double drain(oups_opd *const *ds, const oups_intersections_options *io, int64_t *steps, int64_t *rows) {
    oups_intersections *it;
    int rc = oups_intersections_open(&it, ds, 3, io);
    if (rc) die("intersections", rc);
    *steps = *rows = 0;
    double t0 = now_s();
    for (;;) {
        bool done;
        if ((rc = oups_intersections_next(it, &done))) die("next", rc);
        if (done) break;
        ++*steps;
        for (int i = 0; i < oups_intersections_count(it); i++) *rows += oups_table_num_rows(oups_intersections_table(it, i));
    }
    double secs = now_s() - t0;
    oups_intersections_free(it);
    return secs;
}

/* What the three datasets have read so far, summed. */
static oups_opd_read_stats reads(oups_opd *const *ds) {
    oups_opd_read_stats sum = {0};
    for (int k = 0; k < 3; k++) {
        oups_opd_read_stats st;
        oups_opd_read_stats_get(&st, ds[k]);
        sum.row_groups_read += st.row_groups_read;
        sum.pages_decoded += st.pages_decoded;
        sum.bytes_read += st.bytes_read;
    }
    return sum;
}

/* Bytes of the dataset's row-group files. */
static int64_t ds_bytes(const oups_opd *opd) {
    int64_t n = 0;
    char p[4096];
    for (int64_t i = 0; i < oups_opd_len(opd); i++) {
        struct stat sb;
        snprintf(p, sizeof p, "%s/file_%05lld.parquet", oups_opd_path(opd), (long long)i);
        if (stat(p, &sb) == 0) n += sb.st_size;
    }
    return n;
}

/* Row groups, pages and bytes read between two read statistics, against the totals. */
static void print_reads(const char *what, oups_opd_read_stats a, oups_opd_read_stats b, int64_t rgs, int64_t pages,
                        int64_t bytes) {
    printf("%-26s row groups %lld of %lld, pages %lld of %lld, bytes %lld of %lld (%.2f%%)\n", what,
           (long long)(b.row_groups_read - a.row_groups_read), (long long)rgs,
           (long long)(b.pages_decoded - a.pages_decoded), (long long)pages, (long long)(b.bytes_read - a.bytes_read),
           (long long)bytes, 100.0 * (double)(b.bytes_read - a.bytes_read) / (double)bytes);
}

static int64_t rgs_meeting(const oups_opd *opd, int64_t lo, int64_t hi) {
    int64_t n = 0;
    for (int64_t i = 0; i < oups_opd_len(opd); i++) {
        oups_opd_rg_stats st;
        if (oups_opd_stats(&st, opd, i) == 0 && st.max.v.i >= lo && st.min.v.i < hi) n++;
    }
    return n;
}

/* Read rows lo <= ts < hi (NULL bounds: the view's all); prints what it cost, against the
 * totals of the dataset `all` (pages: those of a whole read, *pages; 0: measure them here). */
static void timed_read(const char *what, oups_opd *opd, const int64_t *lo, const int64_t *hi, oups_opd *all,
                       int64_t *pages) {
    oups_scalar a = {.type = oups_type_timestamp(OUPS_UNIT_NS, NULL)}, b = a;
    if (lo) a.v.i = *lo;
    if (hi) b.v.i = *hi;
    oups_opd_read_stats s0, s1;
    oups_opd_read_stats_get(&s0, opd);
    double c0 = cpu_s(), t0 = now_s();
    oups_table *t;
    int rc = oups_opd_read_range(&t, opd, lo ? &a : NULL, hi ? &b : NULL, NULL, 0);
    if (rc) die("read_range", rc);
    double wall = now_s() - t0, cpu = cpu_s() - c0;
    oups_opd_read_stats_get(&s1, opd);
    printf("%-26s %8lld rows, %.3f s CPU (%.3f s wall)\n", what, (long long)oups_table_num_rows(t), cpu, wall);
    oups_table_free(t);
    if (!*pages) {
        oups_opd_read_stats w0, w1;
        oups_opd_read_stats_get(&w0, all);
        if ((rc = oups_opd_read(&t, all, NULL, 0))) die("read", rc);
        oups_table_free(t);
        oups_opd_read_stats_get(&w1, all);
        *pages = w1.pages_decoded - w0.pages_decoded;
    }
    print_reads("", s0, s1, oups_opd_len(all), *pages, ds_bytes(all));
}

static int rm_one(const char *p, const struct stat *s, int f, struct FTW *w) {
    (void)s;
    (void)f;
    (void)w;
    return remove(p);
}

int main(int argc, char **argv) {
    int64_t N = argc > 1 ? strtoll(argv[1], NULL, 10) : 10000000, T = N / 10 > 0 ? N / 10 : 1;
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char root[512], p[600];
    snprintf(root, sizeof root, "%s/oups_bench_store_XXXXXX", tmp);
    if (!mkdtemp(root)) die("mkdtemp", OUPS_EIO);
    struct utsname u;
    uname(&u);
    printf("bench_store: %s %s, %ld CPUs; %s, %s (%s)\n", u.sysname, u.release, sysconf(_SC_NPROCESSORS_ONLN),
           OUPS_BENCH_COMPILER, OUPS_BENCH_BUILD_TYPE, OUPS_BENCH_FLAGS);
    printf("N = %" PRId64 " rows, row groups of %" PRId64 " rows, zstd, data in %s\n", N, T, root);
    static ino_t before[65536], after[65536];
    int rc0;

    /* 1. full write */
    snprintf(p, sizeof p, "%s/ds", root);
    oups_opd *opd = open_ds(p);
    oups_table *t = ticks(0, N, 1000000, 0);
    double full = timed_write(opd, t, T);
    oups_table_free(t);
    printf("full write:        %8.3f s  (%.1f Mrows/s)\n", full, (double)N / full / 1e6);

    /* 2. append 1,000 newer rows */
    int nb = inodes(before, p);
    t = ticks(N, 1000, 1000000, 0);
    double app = timed_write(opd, t, T);
    oups_table_free(t);
    int na = inodes(after, p);
    int rw = rewritten(before, nb, after, na);
    printf("append 1000 rows:  %8.3f s  = %.2f%% of full (target <= 5%%), row groups rewritten: %d (target <= 1) %s\n",
           app, 100 * app / full, rw, app <= 0.05 * full && rw <= 1 ? "OK" : "MISSED");

    /* 3. insert 1,000 rows in the middle of row group 5 (keys between existing ones) */
    nb = inodes(before, p);
    t = ticks(5 * T + T / 2, 1000, 1000000, 500000);
    double mid = timed_write(opd, t, T);
    oups_table_free(t);
    na = inodes(after, p);
    rw = rewritten(before, nb, after, na);
    printf("middle insert:     %8.3f s, row groups rewritten: %d of %d (target 1: the overlapped one) %s\n", mid, rw, nb,
           rw == 1 ? "OK" : "MISSED");
    if (oups_opd_check(opd)) die("check", OUPS_ECORRUPT);
    oups_opd_close(opd);

    /* 4. a narrow range read (1,000 rows = 1 s of ticks in row group 7) vs its whole row group */
    oups_opd_options ro = OUPS_OPD_OPTIONS_INIT;
    ro.read_only = true;
    snprintf(p, sizeof p, "%s/ds", root);
    if ((rc0 = oups_opd_open(&opd, p, &ro))) die("open", rc0);
    int64_t lo = INT64_C(1700000000000000000) + (7 * T + T / 3) * 1000000, hi = lo + 1000 * 1000000;
    oups_opd *v;
    if ((rc0 = oups_opd_view(&v, opd, 7, 8, 1))) die("view", rc0);
    int64_t pages = 0;
    timed_read("whole row group 7:", v, NULL, NULL, opd, &pages);
    oups_opd_close(v);
    timed_read("narrow range (1000 rows):", opd, &lo, &hi, opd, &pages);
    oups_opd_close(opd);

    /* 5. iter_intersections over 3 interleaved datasets */
    oups_opd *ds[3];
    int64_t n3 = N / 3, T3 = T;
    for (int k = 0; k < 3; k++) {
        snprintf(p, sizeof p, "%s/it%d", root, k);
        ds[k] = open_ds(p);
        t = ticks(0, n3, 3000000, k * 1000000);
        timed_write(ds[k], t, T3);
        oups_table_free(t);
    }
    FILE *cr = fopen("/proc/self/clear_refs", "w");
    if (cr) {
        fputs("5", cr); /* reset VmHWM to the current RSS */
        fclose(cr);
    }
    int64_t rss0 = status_kb("VmRSS"), n_rgs = 0, bytes = 0;
    oups_opd_read_stats read0 = reads(ds);
    for (int k = 0; k < 3; k++) n_rgs += oups_opd_len(ds[k]), bytes += ds_bytes(ds[k]);
    int64_t steps = 0, rows = 0;
    double it_s = drain(ds, NULL, &steps, &rows);
    int64_t peak = status_kb("VmHWM") - rss0;
    double rg_mb = (double)T3 * 24 / 1e6, limit = 3 * rg_mb + 64;
    printf("iter_intersections: %lld steps, %lld rows in %.3f s; peak RSS added %.1f MB (target <= 3 row groups "
           "%.1f MB + 64 MB = %.1f MB) %s%s\n",
           (long long)steps, (long long)rows, it_s, (double)peak / 1024, 3 * rg_mb, limit,
           (double)peak / 1024 <= limit ? "OK" : "MISSED", cr ? "" : " (VmHWM not resettable: figure is an upper bound)");
    oups_opd_read_stats read1 = reads(ds);
    int64_t all_pages = read1.pages_decoded - read0.pages_decoded;
    print_reads("  all:", read0, read1, n_rgs, all_pages, bytes);
    printf("  row groups read: %lld of %lld (each once) %s\n", (long long)(read1.row_groups_read - read0.row_groups_read),
           (long long)n_rgs, read1.row_groups_read - read0.row_groups_read == n_rgs ? "OK" : "MISSED");
    /* the same over a window of about one row group's keys in the middle */
    int64_t w0 = INT64_C(1700000000000000000) + (n3 / 2) * 3000000, w1 = w0 + T3 * 3000000, need = 0;
    oups_scalar ws = {.type = oups_type_timestamp(OUPS_UNIT_NS, NULL), .v.i = w0}, we = ws;
    we.v.i = w1;
    for (int k = 0; k < 3; k++) need += rgs_meeting(ds[k], w0, w1);
    oups_intersections_options io = OUPS_INTERSECTIONS_OPTIONS_INIT;
    io.start = &ws;
    io.end_excl = &we;
    it_s = drain(ds, &io, &steps, &rows);
    oups_opd_read_stats read2 = reads(ds);
    printf("iter_intersections window: %lld steps, %lld rows in %.3f s; row groups read: %lld, meeting the window: "
           "%lld, in all: %lld %s\n",
           (long long)steps, (long long)rows, it_s, (long long)(read2.row_groups_read - read1.row_groups_read),
           (long long)need, (long long)n_rgs, read2.row_groups_read - read1.row_groups_read == need ? "OK" : "MISSED");
    print_reads("  window:", read1, read2, n_rgs, all_pages, bytes);
    /* a narrow window: 1,000 ticks of each dataset, inside one of its row groups */
    ws.v.i = w0 + T3 / 5 * 3000000;
    we.v.i = ws.v.i + INT64_C(1000) * 3000000;
    it_s = drain(ds, &io, &steps, &rows);
    oups_opd_read_stats read3 = reads(ds);
    printf("iter_intersections narrow window: %lld steps, %lld rows in %.3f s\n", (long long)steps, (long long)rows,
           it_s);
    print_reads("  narrow window:", read2, read3, n_rgs, all_pages, bytes);
    for (int k = 0; k < 3; k++) oups_opd_close(ds[k]);
    nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}
