/*
 * bench/bench_asof.c: the as-of merger against its targets (issue 5), single thread:
 *   1. int64 keys, main N x table N (default 10M) with one float64 column, backward with exact
 *      matches: our time vs Polars join_asof (POLARS_MAX_THREADS=1), pandas merge_asof and
 *      DuckDB ASOF JOIN (threads=1), measured in the same run; targets <= 0.2 x Polars with a
 *      fresh output (issue 5) and <= 0.25 x Polars with a reused output (issue 11), CPU time.
 *      Peak memory of the merge <= output + 64 MiB. Checksums (sum of joined values) compared.
 *   2. 100 groups x 2 tables x 2 join positions x n_prev 3, 1M main rows, 20K rows per table.
 * Data formulas (shared with bench/peers/asof_*): main key 3i + ((48271 i) mod 1000003) mod 3,
 * table key 3i + ((69621 i) mod 1000003) mod 3, value i / 4. Our figure is the median of 5
 * runs, peers the median of 3, each as wall time and as process CPU time (the machine may be
 * shared: CPU time is the steadier figure; the target is checked on it). "Fresh output": a
 * new merger and newly allocated output per run; "reused output": one merger with
 * reuse_output, the previous result freed first (what a caching allocator gives the peers). usage: bench_asof [N_MAIN [N_TABLE]] (peers skipped if
 * OUPS_BENCH_NO_PEERS is set). Exit status 1 if a target is missed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "oups/oups.h"

#ifndef OUPS_SOURCE_DIR
#define OUPS_SOURCE_DIR "."
#endif
#ifndef OUPS_BENCH_COMPILER
#define OUPS_BENCH_COMPILER "unknown compiler"
#define OUPS_BENCH_FLAGS "unknown flags"
#endif

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* VmHWM / VmRSS of this process in bytes. */
static int64_t proc_status(const char *field) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    int64_t kb = -1;
    size_t n = strlen(field);
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, field, n) == 0 && sscanf(line + n, ": %" SCNd64, &kb) == 1) break;
    if (f) fclose(f);
    return kb * 1024;
}

/* Reset VmHWM to the current RSS (Linux: write 5 to clear_refs). */
static void reset_peak(void) {
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (f) {
        fputs("5", f);
        fclose(f);
    }
}

static int64_t cpu_ns(void) { /* this process's CPU time: robust to other load on the machine */
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void die(const char *what) {
    fprintf(stderr, "bench_asof: %s: %s\n", what, oups_error_last());
    exit(2);
}

/* A column of n values written in place (no temporary copy, so memory figures are clean). */
static oups_column *gen_column(oups_type_id id, int64_t n, int64_t mult, double scale) {
    oups_buffer *b = NULL;
    oups_column *c = NULL;
    oups_datatype t = oups_type(id);
    if (oups_buffer_new(&b, n * 8)) die("buffer");
    uint8_t *p = oups_buffer_data(b);
    for (int64_t i = 0; i < n; i++) {
        if (id == OUPS_TYPE_INT64) {
            int64_t k = 3 * i + ((i * mult) % 1000003) % 3;
            memcpy(p + i * 8, &k, 8);
        } else {
            double v = (double)i * scale;
            memcpy(p + i * 8, &v, 8);
        }
    }
    if (oups_column_new(&c, &t, n, 0, 0, NULL, NULL, b)) die("column");
    return c;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}
static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double column_sum(const oups_table *t, const char *name) {
    oups_column_view v;
    oups_column_view_get(&v, oups_table_column(t, oups_table_column_index(t, name)));
    const double *d = (const double *)v.data + v.offset;
    double s = 0;
    for (int64_t i = 0; i < v.length; i++)
        if (!v.validity || ((v.validity[(v.offset + i) >> 3] >> ((v.offset + i) & 7)) & 1)) s += d[i];
    return s;
}

/* Median of the JSON list after `key` ("ms":[1.5, 2, ...]). */
static double median_of_list(const char *key) {
    double runs[16];
    int n = 0;
    const char *q = strchr(key, '[');
    if (!q) return 0;
    q++;
    while (n < 16 && *q && *q != ']') {
        char *end;
        runs[n++] = strtod(q, &end);
        if (end == q) break;
        q = end;
        while (*q == ',' || *q == ' ') q++;
    }
    return n ? median(runs, n) : 0;
}

/* Run a peer; fills its median time (ms) and checksum; returns 0 if it ran. */
static int run_peer(const char *cmd, char *version, size_t vcap, double *ms, double *cpu, double *sum) {
    FILE *p = popen(cmd, "r");
    char line[4096] = "";
    if (!p) return -1;
    if (!fgets(line, sizeof line, p)) line[0] = 0;
    if (pclose(p) != 0 || !line[0]) return -1;
    const char *v = strstr(line, "\"version\":"), *m = strstr(line, "\"ms\":"), *s = strstr(line, "\"sum\":"),
               *c = strstr(line, "\"cpu_ms\":");
    if (!v || !m || !s || !c) return -1;
    sscanf(v + 10, " \"%63[^\"]", version);
    (void)vcap;
    *ms = median_of_list(m);
    *cpu = median_of_list(c);
    *sum = strtod(s + 6, NULL);
    return 0;
}

static void print_machine(void) {
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[256], cpu[256] = "unknown CPU";
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "model name", 10) == 0) {
            snprintf(cpu, sizeof cpu, "%s", strchr(line, ':') + 2);
            cpu[strcspn(cpu, "\n")] = 0;
            break;
        }
    if (f) fclose(f);
    printf("machine: %s, 1 thread; compiler: %s %s; oups %s\n", cpu, OUPS_BENCH_COMPILER, OUPS_BENCH_FLAGS,
           oups_version());
}

static int bench_single(int64_t nm, int64_t nk) {
    int ok = 1;
    oups_column *mc = gen_column(OUPS_TYPE_INT64, nm, 48271, 0);
    oups_column *kc = gen_column(OUPS_TYPE_INT64, nk, 69621, 0);
    oups_column *vc = gen_column(OUPS_TYPE_FLOAT64, nk, 0, 0.25);
    const char *names[2] = {"ts", "v"};
    oups_column *cols[2] = {kc, vc};
    oups_table *t = NULL;
    if (oups_table_new(&t, 2, names, cols)) die("table");
    oups_column_release(kc);
    oups_column_release(vc);
    bool allow = true;
    oups_asof_merger_options o = OUPS_ASOF_MERGER_OPTIONS_INIT;
    o.on = "ts";
    o.n_dfs_per_group = 1;
    o.allow_exact_matches = &allow;
    double runs[5], cpus[5], sum = 0, plain_runs[5], reuse_runs[5], reuse_cpus[5];
    int64_t peak_extra = 0, out_bytes = 0;
    for (int r = 0; r < 5; r++) {
        oups_asof_merger *m = NULL;
        oups_table *res = NULL;
        if (oups_asof_merger_new(&m, &o)) die("merger");
        int64_t rss0 = proc_status("VmRSS");
        reset_peak();
        int64_t t0 = now_ns(), c0 = cpu_ns();
        if (oups_asof_merger_merge(&res, m, mc, &t, 1, NULL, 0, false)) die("merge");
        runs[r] = (double)(now_ns() - t0) / 1e6;
        cpus[r] = (double)(cpu_ns() - c0) / 1e6;
        int64_t extra = proc_status("VmHWM") - rss0;
        if (extra > peak_extra) peak_extra = extra;
        out_bytes = nm * 8; /* the value column; `ts` shares main's buffer */
        sum = column_sum(res, "v");
        oups_table_free(res);
        oups_asof_merger_free(m);
        /* The plain API (null fill: validity gathered too). */
        t0 = now_ns();
        if (oups_asof(&res, mc, t, "ts", NULL)) die("oups_asof");
        plain_runs[r] = (double)(now_ns() - t0) / 1e6;
        oups_table_free(res);
    }
    /* Steady state: one merger reusing its output buffers (freed by us between calls), as a
     * caching allocator (Polars' jemalloc) does for the peers' repeated runs. */
    oups_asof_merger_options ro = o;
    ro.reuse_output = true;
    oups_asof_merger *rm = NULL;
    if (oups_asof_merger_new(&rm, &ro)) die("merger");
    for (int r = -1; r < 5; r++) {
        oups_table *res = NULL;
        int64_t t0 = now_ns(), c0 = cpu_ns();
        if (oups_asof_merger_merge(&res, rm, mc, &t, 1, NULL, 0, false)) die("merge");
        if (r >= 0) {
            reuse_runs[r] = (double)(now_ns() - t0) / 1e6;
            reuse_cpus[r] = (double)(cpu_ns() - c0) / 1e6;
        }
        oups_table_free(res);
    }
    oups_asof_merger_free(rm);
    double ours = median(runs, 5), ours_cpu = median(cpus, 5), plain = median(plain_runs, 5);
    double reuse = median(reuse_runs, 5), reuse_cpu = median(reuse_cpus, 5);
    printf("1. as-of join, int64 keys, main %" PRId64 " x table %" PRId64 ", one float64 column, backward, exact "
           "matches\n", nm, nk);
    printf("   oups merger, fresh output   %7.1f ms wall %7.1f ms CPU  (median of 5)  sum %.2f\n", ours, ours_cpu, sum);
    printf("   oups merger, reused output  %7.1f ms wall %7.1f ms CPU\n", reuse, reuse_cpu);
    printf("   oups_asof (plain) %8.1f ms  (null fill, sortedness checked)\n", plain);
    printf("   memory: peak %+.1f MiB over inputs; output %.1f MiB; budget output + 64 MiB: %s\n",
           (double)peak_extra / 1048576, (double)out_bytes / 1048576,
           peak_extra <= out_bytes + (64 << 20) ? "ok" : "MISSED");
    if (peak_extra > out_bytes + (64 << 20)) ok = 0;
    if (!getenv("OUPS_BENCH_NO_PEERS")) {
        const char *py = "/usr/bin/python3";
        struct {
            const char *name, *fmt;
        } peers[] = {
            {"polars", "cd %s && POLARS_MAX_THREADS=1 node bench/peers/asof_polars.mjs %" PRId64 " %" PRId64 " 3"},
            {"pandas", "cd %s && %s bench/peers/asof_pandas.py %" PRId64 " %" PRId64 " 3"},
            {"duckdb", "cd %s && node bench/peers/asof_duckdb.mjs %" PRId64 " %" PRId64 " 3"},
        };
        for (int p = 0; p < 3; p++) {
            char cmd[1024], version[64] = "?";
            if (p == 1) snprintf(cmd, sizeof cmd, peers[p].fmt, OUPS_SOURCE_DIR, py, nm, nk);
            else snprintf(cmd, sizeof cmd, peers[p].fmt, OUPS_SOURCE_DIR, nm, nk);
            double ms = 0, cpu = 0, psum = 0;
            if (run_peer(cmd, version, sizeof version, &ms, &cpu, &psum) < 0) {
                printf("   %-8s (did not run: %s)\n", peers[p].name, cmd);
                continue;
            }
            double rel = psum == 0 ? (sum == 0 ? 0 : 1) : (sum - psum) / psum;
            printf("   %-7s %-8s %7.1f ms wall %7.1f ms CPU | oups/peer: fresh %.3f wall %.3f CPU, reused %.3f wall "
                   "%.3f CPU  (sum %s)\n",
                   peers[p].name, version, ms, cpu, ours / ms, ours_cpu / cpu, reuse / ms, reuse_cpu / cpu,
                   rel < 1e-12 && rel > -1e-12 ? "equal" : "DIFFERS");
            if (p == 0) {
                bool met = ours_cpu <= 0.2 * cpu, met11 = reuse_cpu <= 0.25 * cpu;
                printf("   target oups <= 0.2 x Polars (issue 5: fresh output, CPU time): %s\n", met ? "met" : "MISSED");
                printf("   target oups <= 0.25 x Polars (issue 11: reused output, CPU time): %s\n",
                       met11 ? "met" : "MISSED");
                if (!met || !met11) ok = 0;
            }
        }
    }
    oups_table_free(t);
    oups_column_release(mc);
    return ok;
}

static int bench_groups(void) {
    enum { G = 100, D = 2, J = 2, NP = 3 };
    int64_t nm = 1000000, nk = 20000;
    oups_column *mc = gen_column(OUPS_TYPE_INT64, nm, 48271, 0);
    oups_table **tables = malloc(sizeof *tables * G * D);
    const char *names[2] = {"ts", "v"};
    for (int i = 0; i < G * D; i++) {
        /* Table keys span the same range as main (every 50th main-like key, shifted). */
        oups_column *kc = gen_column(OUPS_TYPE_INT64, nk, 69621 + i, 0);
        oups_buffer *b = oups_buffer_retain(oups_column_buffer(kc, 1));
        int64_t *k = (int64_t *)oups_buffer_data(b);
        for (int64_t r = 0; r < nk; r++) k[r] = k[r] * (nm / nk) + i;
        oups_buffer_release(b);
        oups_column *cols[2] = {kc, gen_column(OUPS_TYPE_FLOAT64, nk, 0, 1.0 + i)};
        if (oups_table_new(&tables[i], 2, names, cols)) die("table");
        oups_column_release(cols[0]);
        oups_column_release(cols[1]);
    }
    int32_t *comb = malloc(sizeof(int32_t) * (size_t)(nm * J));
    uint64_t x = 12345;
    for (int64_t i = 0; i < nm * J; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        comb[i] = (int32_t)((x >> 33) % G);
    }
    const char *prefixes[J * D] = {"L_q_", "L_t_", "R_q_", "R_t_"};
    int np[D] = {NP, NP};
    oups_asof_merger_options o = OUPS_ASOF_MERGER_OPTIONS_INIT;
    o.on = "ts";
    o.n_dfs_per_group = D;
    o.prefixes = prefixes;
    o.n_join_positions = J;
    o.n_prev = np;
    double runs[2][5], cpus[2][5];
    int n_cols = 0;
    for (int reuse = 0; reuse < 2; reuse++) {
        oups_asof_merger *m = NULL;
        o.reuse_output = reuse;
        for (int r = -reuse; r < 5; r++) { /* reuse: one merger, a warm-up call first */
            oups_table *res = NULL;
            if (!m && oups_asof_merger_new(&m, &o)) die("merger");
            int64_t t0 = now_ns(), c0 = cpu_ns();
            if (oups_asof_merger_merge(&res, m, mc, tables, G, comb, J, false)) die("merge groups");
            if (r >= 0) {
                runs[reuse][r] = (double)(now_ns() - t0) / 1e6;
                cpus[reuse][r] = (double)(cpu_ns() - c0) / 1e6;
            }
            n_cols = oups_table_num_columns(res);
            oups_table_free(res);
            if (!reuse) {
                oups_asof_merger_free(m);
                m = NULL;
            }
        }
        oups_asof_merger_free(m);
    }
    printf("2. %d groups x %d tables x %d join positions x n_prev %d, main %" PRId64 ", %" PRId64
           " rows per table: %d output columns\n", G, D, J, NP, nm, nk, n_cols);
    for (int reuse = 0; reuse < 2; reuse++) {
        double wall = median(runs[reuse], 5), cpu = median(cpus[reuse], 5);
        printf("   oups merger, %s output  %7.1f ms wall %7.1f ms CPU  (median of 5), %.1f ns CPU per output cell\n",
               reuse ? "reused" : "fresh ", wall, cpu, cpu * 1e6 / ((double)nm * (n_cols - 1)));
    }
    for (int i = 0; i < G * D; i++) oups_table_free(tables[i]);
    free(tables);
    free(comb);
    oups_column_release(mc);
    return 1;
}

int main(int argc, char **argv) {
    int64_t nm = argc > 1 ? strtoll(argv[1], NULL, 10) : 10000000;
    int64_t nk = argc > 2 ? strtoll(argv[2], NULL, 10) : nm;
    const char *only = getenv("OUPS_BENCH_ONLY"); /* "1" or "2": run one part (for profiling) */
    print_machine();
    int ok = 1;
    if (!only || strcmp(only, "1") == 0) ok &= bench_single(nm, nk);
    if (!only || strcmp(only, "2") == 0) ok &= bench_groups();
    return ok ? 0 : 1;
}
