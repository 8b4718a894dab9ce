/*
 * bench/bench_cli_memory.c: the `oups` CLI on inputs larger than a memory budget. Generates
 * trades (ts, sym, px, qty) and quotes (ts, bid, ask) CSV files of --mb MB each (default 256),
 * converts them to Parquet, then runs as child processes, --runs times alternating (default 5):
 *   agg   oups agg trades.csv --ordered-on ts --bin-by 1min --agg last=last:px --agg n=count:qty
 *   asof  oups asof --on ts --main trades.csv quotes.csv
 *   copy  oups parquet copy trades.parquet (row groups of 65536 rows, gathered by 4 in the output)
 *   store oups store write ds trades.csv --ordered-on ts --row-group-size 65536 (a new dataset
 *         each run: one transaction, chunks of whole row groups)
 * each streamed (the default: 16 MiB CSV blocks, Parquet row groups) and whole-file (the CSV as
 * one block: OUPS_CSV_BLOCK_BYTES above the file size; for copy, the same rows as one row group),
 * and reports per run the peak RSS of the child (wait4 ru_maxrss) against the cap (--cap-mb,
 * default a quarter of --mb) and its CPU time (user + system), as medians with the min..max
 * spread. The cap is checked on the measured peak, not enforced with RLIMIT_AS: glibc reserves
 * 64 MiB of address space per thread arena and the Parquet reader/writer use worker threads, so a
 * `ulimit -v` cap measures reservations, not memory used.
 * With --only ...,live (live is not run by default): the live mode's cost per chunk at the
 * start and at the end of a stream of 1,000,000 trades (of trades.csv) in chunks of 1,000 rows
 * into a store dataset (--store-out): `oups agg --input -` (1-second bars per symbol) and `oups
 * asof --input -` (quotes as Parquet), each timed over its first 50 chunks (a new dataset) and
 * its last 50 (after the 900 between, untimed), process start included.
 * Usage: bench_cli_memory OUPS_BINARY [--mb N] [--cap-mb N] [--runs N] [--dir DIR] [--only JOBS]
 * (--only: those jobs alone, comma-separated, e.g. store or copy,live; the others take most of
 * the time; default agg,asof,copy,store)
 * Exit status 1 if a run fails or a streamed peak RSS exceeds the cap.
 */
#define _GNU_SOURCE /* wait4, mkdtemp, putenv, clock_gettime, gmtime_r */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct sample {
    double rss_mb, cpu_s, wall_s;
} sample;

static const char *oups_bin;
static char dir[512];

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Run `sh -c cmd` in dir with `env` (NAME=VALUE or NULL) added; its peak RSS and CPU time. */
static int run(sample *s, const char *env, const char *cmd) {
    double t0 = now();
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        if (chdir(dir) != 0) _exit(127);
        if (env) putenv((char *)env);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    int st;
    struct rusage ru;
    if (wait4(pid, &st, 0, &ru) < 0) return -1;
    s->wall_s = now() - t0;
    s->rss_mb = (double)ru.ru_maxrss / 1024.0;
    s->cpu_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 + (double)ru.ru_stime.tv_sec +
               (double)ru.ru_stime.tv_usec * 1e-6;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "bench_cli_memory: '%s' failed (status %d)\n", cmd, st);
        return -1;
    }
    return 0;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Write trades.csv and quotes.csv of about `mb` MB each: one event every 10 ms (trades) and
 * every 7 ms (quotes) from 2024-01-02, 8 symbols. */
static int generate(int64_t mb) {
    char p[600];
    int64_t target = mb * 1000000;
    for (int f = 0; f < 2; f++) {
        snprintf(p, sizeof p, "%s/%s", dir, f ? "quotes.csv" : "trades.csv");
        FILE *o = fopen(p, "w");
        if (!o) return -1;
        setvbuf(o, NULL, _IOFBF, 1 << 20);
        int64_t written = fprintf(o, f ? "ts,bid,ask\n" : "ts,sym,px,qty\n");
        uint64_t x = 88172645463325252ull;
        int64_t t = 1704153600000LL, step = f ? 7 : 10; /* ms */
        for (int64_t i = 0; written < target; i++, t += step) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            time_t sec = (time_t)(t / 1000);
            struct tm tm;
            gmtime_r(&sec, &tm);
            char ts[40];
            strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
            double px = 100.0 + (double)(x % 10000) / 100.0;
            if (f) written += fprintf(o, "%s.%03dZ,%.2f,%.2f\n", ts, (int)(t % 1000), px, px + 0.01);
            else
                written += fprintf(o, "%s.%03dZ,S%d,%.2f,%d\n", ts, (int)(t % 1000), (int)(x >> 61), px,
                                   (int)(x % 500) + 1);
        }
        if (fclose(o)) return -1;
    }
    return 0;
}

/* Is `name` an item of the comma-separated `list`? */
static int listed(const char *list, const char *name) {
    size_t n = strlen(name);
    for (const char *p = list; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
        if (!strncmp(p, name, n) && (p[n] == ',' || p[n] == '\0')) return 1;
    return 0;
}

static void print_range(const char *what, double *v, int runs) {
    double m = median(v, runs);
    printf(" %s %6.2f (%5.2f..%5.2f)", what, m, v[0], v[runs - 1]);
}

/* The live mode's cost per chunk at the start and at the end of a 1,000,000-row stream (see
 * the header comment). */
static int live_chunks(int runs) {
    sample s;
    char cmd[2048];
    /* the windows: rows [0, 50000), [50000, 950000), [950000, 1000000), each with the header */
    snprintf(cmd, sizeof cmd,
             "awk 'NR==1{print > \"l0.csv\"; print > \"l1.csv\"; print > \"l2.csv\"; next} NR<=50001{print > "
             "\"l0.csv\"; next} NR<=950001{print > \"l1.csv\"; next} NR<=1000001{print > \"l2.csv\"; next} {exit}' "
             "trades.csv && head -n 1500001 quotes.csv > lq.csv && %s --quiet parquet from-csv lq.csv lq.parquet && "
             "test $(wc -l < l2.csv) -eq 50001",
             oups_bin);
    if (run(&s, NULL, cmd)) {
        fprintf(stderr, "bench_cli_memory: live needs 1,000,000 trades (--mb 160 or more)\n");
        return 1;
    }
    const char *names[] = {"agg", "asof"};
    const char *args[] = {"agg --input - --ordered-on ts --bin-by 1s --by sym --agg last=last:px --agg n=count:qty",
                          "asof --on ts --input - lq.parquet"};
    printf("\nlive: 1,000,000 rows in chunks of 1,000 into a dataset; ms per chunk, medians (min..max) of %d runs\n",
           runs);
    for (int j = 0; j < 2; j++) {
        double cpu[2][99], wall[2][99];
        for (int r = 0; r < runs; r++) {
            const int64_t offs[3] = {0, 50000, 950000};
            for (int w = 0; w < 3; w++) {
                snprintf(cmd, sizeof cmd, "%s%s --quiet %s --chunk-rows 1000 --state l.state --store-out lds "
                         "--input-offset %lld < l%d.csv", w ? "" : "rm -rf l.state lds lds_opdmd && ", oups_bin,
                         args[j], (long long)offs[w], w);
                if (run(&s, NULL, cmd)) return 1;
                if (w == 1) continue;
                cpu[w / 2][r] = s.cpu_s * 1000 / 50, wall[w / 2][r] = s.wall_s * 1000 / 50;
            }
        }
        for (int w = 0; w < 2; w++) {
            printf("%-5s %-14s", names[j], w ? "last 50 chunks" : "first 50");
            print_range("CPU ms", cpu[w], runs);
            print_range("wall ms", wall[w], runs);
            printf("\n");
        }
    }
    return 0;
}

typedef struct job {
    const char *name, *cmd, *whole_env, *whole_cmd;
} job;

int main(int argc, char **argv) {
    int64_t mb = 256, cap = -1;
    int runs = 5;
    const char *d = NULL, *only = "agg,asof,copy,store";
    if (argc < 2) {
        fprintf(stderr, "usage: bench_cli_memory OUPS_BINARY [--mb N] [--cap-mb N] [--runs N] [--dir DIR] "
                "[--only JOB,...]\n");
        return 2;
    }
    static char bin[4096];
    if (!realpath(argv[1], bin)) {
        fprintf(stderr, "bench_cli_memory: %s: %s\n", argv[1], strerror(errno));
        return 2;
    }
    oups_bin = bin;
    for (int i = 2; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--mb")) mb = atoll(argv[i + 1]);
        else if (!strcmp(argv[i], "--cap-mb")) cap = atoll(argv[i + 1]);
        else if (!strcmp(argv[i], "--runs")) runs = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--dir")) d = argv[i + 1];
        else if (!strcmp(argv[i], "--only")) only = argv[i + 1];
        else {
            fprintf(stderr, "bench_cli_memory: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (cap < 0) cap = mb / 4;
    if (mb < 1 || runs < 1 || runs > 99 || cap < 1) return 2;
    if (d) snprintf(dir, sizeof dir, "%s", d);
    else snprintf(dir, sizeof dir, "/tmp/oups-bench-cli-XXXXXX");
    if (!d && !mkdtemp(dir)) return 1;
    if (d) mkdir(dir, 0755);
    printf("bench_cli_memory: inputs of %lld MB each, cap %lld MB, %d alternating runs, in %s\n", (long long)mb,
           (long long)cap, runs, dir);
    sample s;
    char cmd[2048], whole_env[64];
    if (generate(mb)) {
        fprintf(stderr, "bench_cli_memory: cannot write the inputs: %s\n", strerror(errno));
        return 1;
    }
    snprintf(cmd, sizeof cmd, "%s --quiet parquet from-csv trades.csv trades.parquet --row-group-size 65536 && "
             "%s --quiet parquet from-csv trades.csv trades1.parquet --row-group-size 1000000000", oups_bin, oups_bin);
    if (run(&s, NULL, cmd)) return 1;
    struct stat st;
    char p[600];
    snprintf(p, sizeof p, "%s/trades.csv", dir);
    if (stat(p, &st)) return 1;
    snprintf(whole_env, sizeof whole_env, "OUPS_CSV_BLOCK_BYTES=%lld", (long long)st.st_size + 1);
    char agg[1024], asof[1024], copy[1024], copy1[1024], store[1024];
    snprintf(agg, sizeof agg,
             "%s --quiet agg trades.csv --ordered-on ts --bin-by 1min --agg last=last:px --agg n=count:qty -o agg.csv",
             oups_bin);
    snprintf(asof, sizeof asof, "%s --quiet asof --on ts --main trades.csv quotes.csv -o asof.csv", oups_bin);
    snprintf(copy, sizeof copy, "%s --quiet parquet copy trades.parquet copy.parquet", oups_bin);
    snprintf(copy1, sizeof copy1, "%s --quiet parquet copy trades1.parquet copy1.parquet", oups_bin);
    snprintf(store, sizeof store, "rm -rf ds ds_opdmd && %s --quiet store write ds trades.csv --ordered-on ts "
             "--row-group-size 65536", oups_bin);
    const job jobs[] = {{"agg", agg, whole_env, agg},
                        {"asof", asof, whole_env, asof},
                        {"copy", copy, NULL, copy1},
                        {"store", store, whole_env, store}};
    int bad = 0;
    printf("%-5s %-9s %22s %24s %22s\n", "job", "mode", "peak RSS MB (min..max)", "CPU s (min..max)", "wall s (min..max)");
    for (size_t j = 0; j < sizeof jobs / sizeof *jobs; j++) {
        if (!listed(only, jobs[j].name)) continue;
        double rss[2][99], cpu[2][99], wall[2][99];
        for (int r = 0; r < runs; r++)
            for (int m = 0; m < 2; m++) { /* alternating streamed / whole-file */
                const char *c = m ? jobs[j].whole_cmd : jobs[j].cmd;
                if (run(&s, m ? jobs[j].whole_env : NULL, c)) return 1;
                rss[m][r] = s.rss_mb, cpu[m][r] = s.cpu_s, wall[m][r] = s.wall_s;
            }
        double med_cpu[2];
        for (int m = 0; m < 2; m++) {
            double mr = median(rss[m], runs), mc = median(cpu[m], runs), mw = median(wall[m], runs);
            med_cpu[m] = mc;
            printf("%-5s %-9s %8.1f (%6.1f..%6.1f) %10.2f (%5.2f..%5.2f) %10.2f (%5.2f..%5.2f)\n", jobs[j].name,
                   m ? "whole" : "streamed", mr, rss[m][0], rss[m][runs - 1], mc, cpu[m][0], cpu[m][runs - 1], mw,
                   wall[m][0], wall[m][runs - 1]);
            if (m == 0 && rss[m][runs - 1] > (double)cap) {
                printf("      streamed peak RSS %.1f MB is above the cap of %lld MB\n", rss[m][runs - 1], (long long)cap);
                bad = 1;
            }
        }
        printf("%-5s streamed/whole CPU time: %.3f (streaming overhead %+.1f %%)\n", jobs[j].name,
               med_cpu[0] / med_cpu[1], 100.0 * (med_cpu[0] / med_cpu[1] - 1.0));
    }
    if (listed(only, "live") && live_chunks(runs)) return 1;
    if (!d) {
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        if (system(cmd) != 0) bad = 1;
    }
    return bad;
}
