/*
 * bench/bench_parquet.c: Parquet write and read speed against DuckDB and Polars in the same
 * run. Data: N rows (default 10,000,000; argv[1]) of tick data, seeded: ts timestamp[ns]
 * ordered, bid/ask float64, qty int32, sym string of 8 values. We write it with zstd and read
 * every column back, single-threaded, 3 runs each (median). The peers (bench/peers/, with
 * DuckDB threads=1, Polars POLARS_MAX_THREADS=1) read OUR file and write their own with zstd.
 * Prints the machine, compiler and flags, medians, ratios, file sizes and the peak RSS
 * added while writing. OUPS_BENCH_NO_PEERS=1 skips the peers; OUPS_BENCH_CODEC=name[:level]
 * changes our codec (the peers keep zstd). Shares the data and helpers of bench_common.h.
 */
#define _GNU_SOURCE
#include "bench_common.h"

#define RUNS 3

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
    double read_ms, write_ms, read_cpu, write_cpu;
    int64_t size;
    char version[64];
    bool ok;
} peer;

static void run_peer(peer *pe, const char *in, const char *dir) {
    char out[512], cmd[2048], json[4096] = "";
    snprintf(out, sizeof out, "%s/%s.parquet", dir, pe->name);
    snprintf(cmd, sizeof cmd, "%s node '%s/bench/peers/%s.mjs' '%s' '%s' %d", pe->env, OUPS_SOURCE_DIR, pe->name, in,
             out, RUNS);
    FILE *f = popen(cmd, "r");
    size_t n = f ? fread(json, 1, sizeof json - 1, f) : 0;
    json[n] = 0;
    int st = f ? pclose(f) : -1;
    double r[RUNS], w[RUNS], rc[RUNS], wc[RUNS];
    if (st != 0 || json_array(json, "read_ms", r, RUNS) != RUNS || json_array(json, "write_ms", w, RUNS) != RUNS ||
        json_array(json, "read_cpu_ms", rc, RUNS) != RUNS || json_array(json, "write_cpu_ms", wc, RUNS) != RUNS) {
        fprintf(stderr, "peer %s failed (%d): %s\n", pe->name, st, json);
        return;
    }
    const char *v = strstr(json, "\"version\":\"");
    if (v) snprintf(pe->version, sizeof pe->version, "%.*s", (int)strcspn(v + 11, "\""), v + 11);
    pe->read_ms = median(r, RUNS);
    pe->write_ms = median(w, RUNS);
    pe->read_cpu = median(rc, RUNS);
    pe->write_cpu = median(wc, RUNS);
    pe->size = file_size(out);
    pe->ok = true;
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
    double w[RUNS], r[RUNS], wc[RUNS], rcpu[RUNS];
    int64_t peak = 0;
    for (int i = 0; i < RUNS; i++) {
        reset_peak();
        int64_t rss0 = status_kb("VmRSS"), t0 = oups_now_ns();
        double c0 = cpu_ms();
        int rc = oups_parquet_write(path, t, &o);
        w[i] = (double)(oups_now_ns() - t0) / 1e6;
        wc[i] = cpu_ms() - c0;
        if (rc) die("write", rc);
        int64_t p = status_kb("VmHWM") - rss0;
        if (p > peak) peak = p;
    }
    bool equal = false;
    for (int i = 0; i < RUNS; i++) {
        oups_table *back;
        int64_t t0 = oups_now_ns();
        double c0 = cpu_ms();
        int rc = oups_parquet_read(&back, path);
        r[i] = (double)(oups_now_ns() - t0) / 1e6;
        rcpu[i] = cpu_ms() - c0;
        if (rc) die("read", rc);
        if (i == 0) equal = oups_table_equal(t, back, NULL, 0) == 1;
        oups_table_free(back);
    }
    double ow = median(w, RUNS), orr = median(r, RUNS), owc = median(wc, RUNS), orc = median(rcpu, RUNS);
    int64_t osize = file_size(path);
    printf("oups options: %s (level %d, 0 = codec default), row groups of %" PRId64 " rows, pages of %" PRId64
           " bytes, data page v%d, encodings auto (per column chunk)\n",
           oups_codec_name(o.codec), o.codec_level, o.row_group_size, o.page_size, o.data_page_version);
    printf("read-back equals the input: %s\n", equal ? "yes" : "NO");
    printf("peak RSS added while writing: %.1f MiB (the input table itself: %.1f MiB)\n", (double)peak / 1048576,
           (double)oups_table_memory_size(t) / 1048576);

    peer peers[2] = {{.name = "duckdb", .env = ""}, {.name = "polars", .env = "POLARS_MAX_THREADS=1"}};
    bool with_peers = !getenv("OUPS_BENCH_NO_PEERS");
    for (int i = 0; with_peers && i < 2; i++) run_peer(&peers[i], path, dir);

    printf("\nmedian of %d runs, single thread    write ms (cpu)     read ms (cpu)   file MiB\n", RUNS);
    printf("  %-30s %8.0f (%6.0f) %8.0f (%6.0f) %9.1f\n", "oups", ow, owc, orr, orc, (double)osize / 1048576);
    for (int i = 0; i < 2; i++) {
        if (!peers[i].ok) continue;
        char label[128];
        snprintf(label, sizeof label, "%s %s", peers[i].name, peers[i].version);
        printf("  %-30s %8.0f (%6.0f) %8.0f (%6.0f) %9.1f\n", label, peers[i].write_ms, peers[i].write_cpu,
               peers[i].read_ms, peers[i].read_cpu, (double)peers[i].size / 1048576);
    }
    for (int i = 0; i < 2; i++)
        if (peers[i].ok)
            printf("ratio oups/%s: write %.2f (cpu %.2f), read %.2f (cpu %.2f)\n", peers[i].name, ow / peers[i].write_ms,
                   owc / peers[i].write_cpu, orr / peers[i].read_ms, orc / peers[i].read_cpu);
    printf("(peers read the oups file and write their own, zstd; reproduce: scripts/bench.sh)\n");
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    oups_table_free(t);
    return equal ? 0 : 1;
}
