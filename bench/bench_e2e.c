/*
 * bench/bench_e2e.c: whole jobs against Polars, as users time them, on 1 thread and on every
 * core, from one run:
 *   copy  `oups parquet copy IN OUT` vs Polars readParquet + writeParquet (zstd), IN = N tick
 *         rows (bench_common.h data) written by DuckDB (zstd, its row groups and encodings);
 *   asof  `oups asof --on ts --main TICKS QUOTES --allow-exact-matches 1 --format parquet -o
 *         OUT [--no-keep-main]` vs Polars reading both, joinAsof(backward) of the ticks' ts with
 *         the quotes, writeParquet zstd; both inputs N rows written by DuckDB; the output is ts, px, vol.
 * Each measurement alternates oups and Polars processes, RUNS times (default 5, env
 * OUPS_BENCH_RUNS), and prints the median with the min-max spread of wall time, the CPU time
 * (all threads, and its system part; user time is the steadiest on a shared host), their ratios, the output file sizes and a check
 * that both outputs have the same rows (asof: the same sum of px). oups is timed as a whole
 * process (exec included); Polars inside node (start-up and module loading excluded).
 * Threads: OUPS_THREADS and POLARS_MAX_THREADS = 1, then the online cores.
 * usage: bench_e2e [N]   (default 10,000,000; the oups binary: env OUPS_BIN, else ../oups
 * beside this program's directory, as scripts/bench.sh builds it; OUPS_BENCH_KEEP=1 keeps the
 * files, e.g. to profile the jobs)
 */
#define _GNU_SOURCE
#include <libgen.h>
#include <math.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "bench_common.h"
#include "table/table.h"

extern char **environ;

enum { MAX_RUNS = 25 };

/* N quote rows: ts ordered (gaps 0..2 ms), px a cent random walk, vol int32. */
static oups_table *make_quotes(int64_t n) {
    int64_t *ts = malloc((size_t)n * 8);
    double *px = malloc((size_t)n * 8);
    int32_t *vol = malloc((size_t)n * 4);
    if (!ts || !px || !vol) die("allocating quotes", OUPS_ENOMEM);
    int64_t t = INT64_C(1704067200000000000);
    double p = 100.0;
    for (int64_t i = 0; i < n; i++) {
        uint64_t r = next_rand();
        t += (int64_t)(r % 2000000);
        p += ((int)((r >> 21) % 3) - 1) * 0.01;
        if (p < 1) p = 1;
        ts[i] = t;
        px[i] = (double)(int64_t)(p * 100 + 0.5) / 100;
        vol[i] = (int32_t)(1 + (r >> 33) % 5000);
    }
    oups_datatype tt = oups_type_timestamp(OUPS_UNIT_NS, NULL), tf = oups_type(OUPS_TYPE_FLOAT64),
                  ti = oups_type(OUPS_TYPE_INT32);
    oups_column *c[3];
    int rc;
    if ((rc = oups_column_from_values(&c[0], &tt, ts, n, NULL)) || (rc = oups_column_from_values(&c[1], &tf, px, n, NULL)) ||
        (rc = oups_column_from_values(&c[2], &ti, vol, n, NULL)))
        die("building quotes", rc);
    const char *names[3] = {"ts", "px", "vol"};
    oups_table *tab;
    if ((rc = oups_table_new(&tab, 3, names, c))) die("building quotes", rc);
    for (int i = 0; i < 3; i++) oups_column_release(c[i]);
    free(ts), free(px), free(vol);
    return tab;
}

static double now_ms(void) { return (double)oups_now_ns() / 1e6; }

/* Whether `bin asof --help` lists `opt` (flags that appeared in later versions). */
static bool asof_has_option(const char *bin, const char *opt) {
    char cmd[1200], line[512];
    snprintf(cmd, sizeof cmd, "'%s' asof --help 2>/dev/null", bin);
    FILE *f = popen(cmd, "r");
    bool found = false;
    while (f && fgets(line, sizeof line, f))
        if (strstr(line, opt)) found = true;
    if (f) pclose(f);
    return found;
}

/* Run argv with OUPS_THREADS=threads; wall, CPU (user + system of the child) and system in ms. */
static void run_oups(char *const argv[], int threads, double *wall, double *cpu, double *sys) {
    char t[16];
    snprintf(t, sizeof t, "%d", threads);
    setenv("OUPS_THREADS", t, 1);
    double t0 = now_ms();
    pid_t pid;
    if (posix_spawn(&pid, argv[0], NULL, NULL, argv, environ) != 0) die(argv[0], OUPS_EIO);
    int st;
    struct rusage ru;
    if (wait4(pid, &st, 0, &ru) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "bench_e2e: %s %s failed\n", argv[0], argv[1]);
        exit(1);
    }
    *wall = now_ms() - t0;
    *cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
    *sys = (double)ru.ru_stime.tv_sec * 1e3 + (double)ru.ru_stime.tv_usec / 1e3;
}

/* One Polars run (bench/peers/e2e_polars.mjs); *sum: px sum (asof). */
static void run_polars(const char *args, int threads, double *wall, double *cpu, double *sys, double *rows,
                       double *sum, char *version, size_t vcap) {
    char cmd[2048], json[1024] = "";
    snprintf(cmd, sizeof cmd, "POLARS_MAX_THREADS=%d node '%s/bench/peers/e2e_polars.mjs' %s", threads, OUPS_SOURCE_DIR,
             args);
    FILE *f = popen(cmd, "r");
    size_t n = f ? fread(json, 1, sizeof json - 1, f) : 0;
    json[n] = 0;
    int st = f ? pclose(f) : -1;
    const char *keys[5] = {"\"ms\":", "\"cpu_ms\":", "\"sys_ms\":", "\"rows\":", "\"sum\":"};
    double *dst[5] = {wall, cpu, sys, rows, sum};
    for (int i = 0; i < 5; i++) {
        const char *p = strstr(json, keys[i]);
        if (st != 0 || !p) {
            fprintf(stderr, "bench_e2e: polars %s failed (%d): %s\n", args, st, json);
            exit(1);
        }
        *dst[i] = strtod(p + strlen(keys[i]), NULL);
    }
    const char *v = strstr(json, "\"version\":\"");
    if (v) snprintf(version, vcap, "%.*s", (int)strcspn(v + 11, "\""), v + 11);
}

/* The sum of column px (asof output) and the row count of a file we can read. */
static void oups_output(const char *path, double *rows, double *sum) {
    oups_table *t;
    const char *cols[1] = {"px"};
    oups_parquet_reader *r;
    int rc = oups_parquet_reader_open(&r, path);
    if (rc) die(path, rc);
    *rows = (double)oups_parquet_reader_num_rows(r);
    if (sum) *sum = 0;
    if (sum && oups_parquet_reader_read(&t, r, NULL, 0, cols, 1) == 0) {
        oups_column_view v;
        oups_column_view_get(&v, oups_table_column(t, 0));
        for (int64_t i = 0; i < v.length; i++)
            if (!v.validity || oups_bit_get(v.validity, v.offset + i)) *sum += ((const double *)v.data)[v.offset + i];
        oups_table_free(t);
    }
    oups_parquet_reader_free(r);
}

typedef struct series {
    double wall[MAX_RUNS], cpu[MAX_RUNS], sys[MAX_RUNS];
} series;

static void summary(const char *job, int threads, series *o, series *p, int runs) {
    double ow[MAX_RUNS], pw[MAX_RUNS];
    memcpy(ow, o->wall, sizeof ow), memcpy(pw, p->wall, sizeof pw);
    double om = median(ow, runs), pm = median(pw, runs), oc = median(o->cpu, runs), pc = median(p->cpu, runs);
    double os = median(o->sys, runs), ps = median(p->sys, runs);
    printf("  %-5s %2d thr  oups %6.0f [%6.0f-%6.0f] (cpu %6.0f, sys %5.0f)  polars %6.0f [%6.0f-%6.0f] (cpu %6.0f, "
           "sys %5.0f)  ratio %.2f (cpu %.2f, user %.2f)\n",
           job, threads, om, ow[0], ow[runs - 1], oc, os, pm, pw[0], pw[runs - 1], pc, ps, om / pm, oc / pc,
           (oc - os) / (pc - ps));
}

int main(int argc, char **argv) {
    int64_t n = argc > 1 ? strtoll(argv[1], NULL, 10) : 10000000;
    const char *re = getenv("OUPS_BENCH_RUNS");
    int runs = re ? atoi(re) : 5;
    if (runs < 1 || runs > MAX_RUNS) runs = 5;
    char bin[1024];
    if (getenv("OUPS_BIN")) {
        snprintf(bin, sizeof bin, "%s", getenv("OUPS_BIN"));
    } else {
        char self[900];
        ssize_t k = readlink("/proc/self/exe", self, sizeof self - 1);
        self[k > 0 ? k : 0] = 0;
        snprintf(bin, sizeof bin, "%s/../oups", dirname(self));
    }
    if (access(bin, X_OK) != 0) {
        fprintf(stderr, "bench_e2e: no oups binary at %s (build the oups target or set OUPS_BIN)\n", bin);
        return 1;
    }
    int cores = (int)sysconf(_SC_NPROCESSORS_ONLN);
    print_machine();
    printf("data:     %" PRId64 " tick rows (ts timestamp[ns] ordered, bid/ask float64, qty int32, sym string) and %" PRId64
           " quote rows (ts, px float64, vol int32), seeded; both rewritten by DuckDB (zstd)\n",
           n, n);
    char dir[] = "/tmp/oups_bench_e2e_XXXXXX", src[600], ticks[600], quotes[600], out_o[600], out_p[600], asof_o[600],
         asof_p[600], cmd[4096];
    if (!mkdtemp(dir)) return perror("mkdtemp"), 1;
    snprintf(ticks, sizeof ticks, "%s/ticks.parquet", dir);
    snprintf(quotes, sizeof quotes, "%s/quotes.parquet", dir);
    snprintf(out_o, sizeof out_o, "%s/copy_oups.parquet", dir);
    snprintf(out_p, sizeof out_p, "%s/copy_polars.parquet", dir);
    snprintf(asof_o, sizeof asof_o, "%s/asof_oups.parquet", dir);
    snprintf(asof_p, sizeof asof_p, "%s/asof_polars.parquet", dir);
    for (int k = 0; k < 2; k++) {
        rng = k == 0 ? 20261124 : 424242;
        oups_table *t = k == 0 ? make_table(n) : make_quotes(n);
        snprintf(src, sizeof src, "%s/src.parquet", dir);
        int rc = oups_parquet_write(src, t, NULL);
        oups_table_free(t);
        if (rc) die("write", rc);
        snprintf(cmd, sizeof cmd, "node '%s/bench/peers/e2e_duckdb_prep.mjs' '%s' '%s' >/dev/null", OUPS_SOURCE_DIR, src,
                 k == 0 ? ticks : quotes);
        if (system(cmd) != 0) {
            fprintf(stderr, "bench_e2e: DuckDB could not write the input\n");
            return 1;
        }
    }
    unlink(src);
    char *copy_argv[] = {bin, "parquet", "copy", ticks, out_o, NULL};
    /* The same job as Polars' (MAIN's ts joined with the quotes: ts, px, vol out): where MAIN's
     * other columns are kept by default, --no-keep-main. */
    char *asof_argv[16] = {bin, "asof", "--on", "ts", "--main", ticks, quotes, "--allow-exact-matches", "1",
                           "--format", "parquet", "-o", asof_o, NULL};
    if (asof_has_option(bin, "--no-keep-main")) asof_argv[13] = "--no-keep-main";
    char copy_args[1300], asof_args[1900], version[64] = "?";
    snprintf(copy_args, sizeof copy_args, "copy '%s' '%s'", ticks, out_p);
    snprintf(asof_args, sizeof asof_args, "asof '%s' '%s' '%s'", ticks, quotes, asof_p);
    int thread_counts[2] = {1, cores};
    static series s[2][4]; /* [threads][oups copy, polars copy, oups asof, polars asof] */
    double rows[4] = {0}, sums[4] = {0}, sizes[4] = {0};
    bool same = true;
    for (int ti = 0; ti < (cores > 1 ? 2 : 1); ti++)
        for (int r = 0; r < runs; r++) {
            int th = thread_counts[ti];
            double pr, ps;
            series *x = s[ti];
            run_oups(copy_argv, th, &x[0].wall[r], &x[0].cpu[r], &x[0].sys[r]);
            run_polars(copy_args, th, &x[1].wall[r], &x[1].cpu[r], &x[1].sys[r], &pr, &ps, version, sizeof version);
            rows[1] = pr;
            run_oups(asof_argv, th, &x[2].wall[r], &x[2].cpu[r], &x[2].sys[r]);
            run_polars(asof_args, th, &x[3].wall[r], &x[3].cpu[r], &x[3].sys[r], &pr, &ps, version, sizeof version);
            rows[3] = pr, sums[3] = ps;
        }
    oups_output(out_o, &rows[0], NULL);
    oups_output(asof_o, &rows[2], &sums[2]);
    same = rows[0] == rows[1] && rows[2] == rows[3] && fabs(sums[2] - sums[3]) <= 1e-9 * fabs(sums[3]) + 1e-6;
    const char *files[4] = {out_o, out_p, asof_o, asof_p};
    for (int i = 0; i < 4; i++) sizes[i] = (double)file_size(files[i]) / 1048576;
    printf("peers:    Polars %s (nodejs-polars); DuckDB wrote the inputs (%.1f MiB ticks, %.1f MiB quotes)\n", version,
           (double)file_size(ticks) / 1048576, (double)file_size(quotes) / 1048576);
    printf("\nms, median of %d alternating runs [min-max] (cpu ms, all threads, of which sys: the kernel zeroing fresh\n"
           "memory dominates it and varies with the host); ratio = oups / polars (wall, cpu, user = cpu - sys)\n",
           runs);
    for (int ti = 0; ti < (cores > 1 ? 2 : 1); ti++) {
        summary("copy", thread_counts[ti], &s[ti][0], &s[ti][1], runs);
        summary("asof", thread_counts[ti], &s[ti][2], &s[ti][3], runs);
    }
    printf("\noutput MiB (zstd): copy oups %.1f, polars %.1f; asof oups %.1f, polars %.1f\n", sizes[0], sizes[1], sizes[2],
           sizes[3]);
    printf("outputs agree: %s (copy rows %.0f / %.0f; asof rows %.0f / %.0f, sum(px) %.6g / %.6g)\n", same ? "yes" : "NO",
           rows[0], rows[1], rows[2], rows[3], sums[2], sums[3]);
    printf("(oups timed as a whole process, Polars inside node; reproduce: scripts/bench.sh)\n");
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (getenv("OUPS_BENCH_KEEP")) printf("inputs and outputs kept in %s\n", dir);
    else if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return same ? 0 : 1;
}
