/*
 * bench/bench_parquet.c: Parquet write and read speed against DuckDB and Polars in the same
 * run. Data: N rows (default 10,000,000; argv[1]) of tick data, seeded: ts timestamp[ns]
 * ordered, bid/ask float64, qty int32, sym string of 8 values. We write it with zstd and read
 * every column back, single-threaded. The peers (bench/peers/, with DuckDB threads=1, Polars
 * POLARS_MAX_THREADS=1) read OUR file and write their own with zstd. Runs alternate (oups, DuckDB,
 * Polars, oups, ...; RUNS rounds, env OUPS_BENCH_RUNS, default 5) so that a busy host slows all
 * alike. Prints the machine, compiler and flags, medians with the min-max spread, ratios of the
 * medians, file sizes and the peak RSS
 * added while writing. OUPS_BENCH_NO_PEERS=1 skips the peers; OUPS_BENCH_CODEC=name[:level]
 * changes our codec (the peers keep zstd). Shares the data and helpers of bench_common.h.
 */
#define _GNU_SOURCE
#include "bench_common.h"

enum { MAX_RUNS = 25 };

/* A /proc/self/status field in bytes (VmRSS, VmHWM). */
static int64_t status_kb(const char *key) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    int64_t v = -1;
    size_t kl = strlen(key);
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, key, kl) == 0 && line[kl] == ':') v = strtoll(line + kl + 1, NULL, 10) * 1024;
    if (f) fclose(f);
    return v;
}

/* Reset the peak RSS to the current RSS (Linux: "5" to clear_refs). */
static void reset_peak(void) {
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (f) {
        fputs("5", f);
        fclose(f);
    }
}

typedef struct peer {
    const char *name, *env;
    double read_ms[MAX_RUNS], write_ms[MAX_RUNS], read_cpu[MAX_RUNS], write_cpu[MAX_RUNS];
    int runs; /* rounds measured so far */
    int64_t size;
    char version[64];
    bool ok;
} peer;

/* One round of peer `pe`: a node process timing one read of IN and one write (its start-up is
 * not timed). A failed round marks the peer failed. */
static void run_peer(peer *pe, const char *in, const char *dir) {
    char out[512], cmd[2048], json[4096] = "";
    snprintf(out, sizeof out, "%s/%s.parquet", dir, pe->name);
    snprintf(cmd, sizeof cmd, "%s node '%s/bench/peers/%s.mjs' '%s' '%s' 1", pe->env, OUPS_SOURCE_DIR, pe->name, in,
             out);
    FILE *f = popen(cmd, "r");
    size_t n = f ? fread(json, 1, sizeof json - 1, f) : 0;
    json[n] = 0;
    int st = f ? pclose(f) : -1;
    int k = pe->runs;
    if (st != 0 || json_array(json, "read_ms", &pe->read_ms[k], 1) != 1 ||
        json_array(json, "write_ms", &pe->write_ms[k], 1) != 1 ||
        json_array(json, "read_cpu_ms", &pe->read_cpu[k], 1) != 1 ||
        json_array(json, "write_cpu_ms", &pe->write_cpu[k], 1) != 1) {
        fprintf(stderr, "peer %s failed (%d): %s\n", pe->name, st, json);
        pe->ok = false;
        return;
    }
    const char *v = strstr(json, "\"version\":\"");
    if (v) snprintf(pe->version, sizeof pe->version, "%.*s", (int)strcspn(v + 11, "\""), v + 11);
    pe->runs++;
    pe->size = file_size(out);
}

/* "median [min-max]" of v[0..n) in a static buffer per slot (two slots per printed line). */
static const char *spread(double *v, int n, int slot) {
    static char buf[4][48];
    double lo = v[0], hi = v[0];
    for (int i = 1; i < n; i++) {
        if (v[i] < lo) lo = v[i];
        if (v[i] > hi) hi = v[i];
    }
    snprintf(buf[slot], sizeof buf[slot], "%6.0f [%5.0f-%5.0f]", median(v, n), lo, hi);
    return buf[slot];
}

int main(int argc, char **argv) {
    int64_t n = argc > 1 ? strtoll(argv[1], NULL, 10) : 10000000;
    setenv("OUPS_THREADS", "1", 1); /* single-threaded, as the peers here (bench_e2e: all cores) */
    print_machine();
    printf("threads:  1 (OUPS_THREADS=1; DuckDB threads=1, POLARS_MAX_THREADS=1)\n");
    printf("data:     %" PRId64 " rows: ts timestamp[ns] ordered, bid/ask float64, qty int32, sym string (8 values); "
           "seed 20261124\n",
           n);
    oups_table *t = make_table(n);
    char dir[] = "/tmp/oups_bench_XXXXXX", path[512];
    if (!mkdtemp(dir)) return perror("mkdtemp"), 1;
    snprintf(path, sizeof path, "%s/oups.parquet", dir);

    oups_parquet_write_options o = OUPS_PARQUET_WRITE_OPTIONS_INIT; /* zstd, 1Mi-row groups */
    const char *codec = getenv("OUPS_BENCH_CODEC"); /* e.g. "none" or "zstd:1" to see the codec's share */
    if (codec && oups_codec_parse(&o.codec, &o.codec_level, codec)) die("OUPS_BENCH_CODEC", OUPS_EINVAL);
    const char *re = getenv("OUPS_BENCH_RUNS");
    int runs = re ? atoi(re) : 5;
    if (runs < 1 || runs > MAX_RUNS) runs = 5;
    peer peers[2] = {{.name = "duckdb", .env = "", .ok = true},
                     {.name = "polars", .env = "POLARS_MAX_THREADS=1", .ok = true}};
    bool with_peers = !getenv("OUPS_BENCH_NO_PEERS"), equal = false;
    double w[MAX_RUNS], r[MAX_RUNS], wc[MAX_RUNS], rcpu[MAX_RUNS];
    int64_t peak = 0;
    for (int i = 0; i < runs; i++) { /* one round: oups write + read, then each peer */
        reset_peak();
        int64_t rss0 = status_kb("VmRSS"), t0 = oups_now_ns();
        double c0 = cpu_ms();
        int rc = oups_parquet_write(path, t, &o);
        w[i] = (double)(oups_now_ns() - t0) / 1e6;
        wc[i] = cpu_ms() - c0;
        if (rc) die("write", rc);
        int64_t p = status_kb("VmHWM") - rss0;
        if (p > peak) peak = p;
        oups_table *back;
        t0 = oups_now_ns();
        c0 = cpu_ms();
        rc = oups_parquet_read(&back, path);
        r[i] = (double)(oups_now_ns() - t0) / 1e6;
        rcpu[i] = cpu_ms() - c0;
        if (rc) die("read", rc);
        if (i == 0) equal = oups_table_equal(t, back, NULL, 0) == 1;
        oups_table_free(back);
        for (int j = 0; with_peers && j < 2; j++)
            if (peers[j].ok) run_peer(&peers[j], path, dir);
    }
    double ow = median(w, runs), orr = median(r, runs), owc = median(wc, runs), orc = median(rcpu, runs);
    int64_t osize = file_size(path);
    printf("oups options: %s (level %d, 0 = codec default), row groups of %" PRId64 " rows, pages of %" PRId64
           " bytes, data page v%d, encodings auto (per column chunk)\n",
           oups_codec_name(o.codec), o.codec_level, o.row_group_size, o.page_size, o.data_page_version);
    printf("read-back equals the input: %s\n", equal ? "yes" : "NO");
    printf("peak RSS added while writing: %.1f MiB (the input table itself: %.1f MiB)\n", (double)peak / 1048576,
           (double)oups_table_memory_size(t) / 1048576);

    printf("\nms, median [min-max] of %d alternating runs, single thread\n", runs);
    printf("  %-22s %-20s %-20s %-20s %-20s %8s\n", "", "write", "write cpu", "read", "read cpu", "file MiB");
    printf("  %-22s %s %s ", "oups", spread(w, runs, 0), spread(wc, runs, 1));
    printf("%s %s %9.1f\n", spread(r, runs, 2), spread(rcpu, runs, 3), (double)osize / 1048576);
    for (int i = 0; i < 2; i++) {
        peer *pe = &peers[i];
        if (!pe->ok || pe->runs != runs) continue;
        char label[128];
        snprintf(label, sizeof label, "%s %s", pe->name, pe->version);
        printf("  %-22s %s %s ", label, spread(pe->write_ms, runs, 0), spread(pe->write_cpu, runs, 1));
        printf("%s %s %9.1f\n", spread(pe->read_ms, runs, 2), spread(pe->read_cpu, runs, 3), (double)pe->size / 1048576);
    }
    for (int i = 0; i < 2; i++) {
        peer *pe = &peers[i];
        if (pe->ok && pe->runs == runs)
            printf("ratio oups/%s (medians): write %.2f (cpu %.2f), read %.2f (cpu %.2f)\n", pe->name,
                   ow / median(pe->write_ms, runs), owc / median(pe->write_cpu, runs), orr / median(pe->read_ms, runs),
                   orc / median(pe->read_cpu, runs));
    }
    printf("(peers read the oups file and write their own, zstd; reproduce: scripts/bench.sh)\n");
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    oups_table_free(t);
    return equal ? 0 : 1;
}
