/*
 * bench/bench_common.h: what the Parquet benches share: the seeded tick data (ts timestamp[ns]
 * ordered, bid/ask float64, qty int32, sym string of 8 values), CPU time, medians, the machine
 * line, file sizes and the JSON arrays the peer scripts print. Header-only (each bench is one
 * executable); every function is static inline so a bench may use a part.
 */
#ifndef OUPS_BENCH_COMMON_H
#define OUPS_BENCH_COMMON_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "oups/oups.h"
#include "util/util.h"

static uint64_t rng = 20261124; /* make_table continues the sequence; set it to reseed */
static inline uint64_t next_rand(void) {
    uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static inline void die(const char *what, int rc) {
    fprintf(stderr, "bench: %s: %s: %s\n", what, oups_strerror(rc), oups_error_last());
    exit(1);
}

/* CPU time of this process (all threads) in ms: steadier than wall time on a busy host. */
static inline double cpu_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static inline int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}
static inline double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return v[n / 2];
}

static inline oups_table *make_table(int64_t n) {
    int64_t *ts = malloc((size_t)n * 8);
    double *bid = malloc((size_t)n * 8), *ask = malloc((size_t)n * 8);
    int32_t *qty = malloc((size_t)n * 4);
    static const char *syms[8] = {"AAPL", "MSFT", "GOOG", "AMZN", "META", "NVDA", "TSLA", "BRK.B"};
    oups_buffer *offs, *data;
    int rc = oups_buffer_new(&offs, (n + 1) * 8);
    if (rc == 0) rc = oups_buffer_new(&data, n * 5);
    if (rc || !ts || !bid || !ask || !qty) die("allocating the table", rc ? rc : OUPS_ENOMEM);
    int64_t *of = (int64_t *)oups_buffer_data(offs);
    uint8_t *d = oups_buffer_data(data);
    int64_t t = INT64_C(1704067200000000000), pos = 0;
    double p = 100.0;
    of[0] = 0;
    for (int64_t i = 0; i < n; i++) {
        uint64_t r = next_rand();
        t += (int64_t)(r % 1000000);
        p += ((int)((r >> 20) % 3) - 1) * 0.01;
        if (p < 1) p = 1;
        bid[i] = (double)(int64_t)(p * 100 + 0.5) / 100;
        ask[i] = bid[i] + 0.01 * (double)(1 + (r >> 24) % 3);
        ts[i] = t;
        qty[i] = (int32_t)(1 + (r >> 32) % 1000);
        const char *s = syms[(r >> 44) % 8];
        size_t l = strlen(s);
        memcpy(d + pos, s, l);
        pos += (int64_t)l;
        of[i + 1] = pos;
    }
    oups_datatype tt = oups_type_timestamp(OUPS_UNIT_NS, NULL), tf = oups_type(OUPS_TYPE_FLOAT64),
                  ti = oups_type(OUPS_TYPE_INT32), tsym = oups_type(OUPS_TYPE_STRING);
    oups_column *c[5];
    if ((rc = oups_column_from_values(&c[0], &tt, ts, n, NULL)) || (rc = oups_column_from_values(&c[1], &tf, bid, n, NULL)) ||
        (rc = oups_column_from_values(&c[2], &tf, ask, n, NULL)) || (rc = oups_column_from_values(&c[3], &ti, qty, n, NULL)) ||
        (rc = oups_column_new(&c[4], &tsym, n, 0, 0, NULL, offs, data)))
        die("building columns", rc);
    const char *names[5] = {"ts", "bid", "ask", "qty", "sym"};
    oups_table *tab;
    if ((rc = oups_table_new(&tab, 5, names, c))) die("building the table", rc);
    for (int i = 0; i < 5; i++) oups_column_release(c[i]);
    free(ts), free(bid), free(ask), free(qty);
    return tab;
}

static inline void print_machine(void) {
    char model[512] = "?", line[512];
    FILE *f = fopen("/proc/cpuinfo", "r");
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "model name", 10) == 0) {
            char *c = strchr(line, ':');
            snprintf(model, sizeof model, "%.500s", c ? c + 2 : line);
            model[strcspn(model, "\n")] = 0;
            break;
        }
    if (f) fclose(f);
    struct utsname u;
    uname(&u);
    long mem_kb = 0;
    f = fopen("/proc/meminfo", "r");
    if (f && fgets(line, sizeof line, f)) sscanf(line, "MemTotal: %ld", &mem_kb);
    if (f) fclose(f);
    printf("machine:  %s, %ld cores online, %.1f GiB RAM, %s %s\n", model,
           sysconf(_SC_NPROCESSORS_ONLN), (double)mem_kb / 1048576, u.sysname, u.release);
    printf("compiler: %s, %s build, flags: %s\n", OUPS_BENCH_COMPILER, OUPS_BENCH_BUILD_TYPE, OUPS_BENCH_FLAGS);
    printf("liboups:  %s\n", oups_version());
    double l1 = 0, l5 = 0, l15 = 0;
    f = fopen("/proc/loadavg", "r");
    if (f && fscanf(f, "%lf %lf %lf", &l1, &l5, &l15) == 3) printf("load average (1/5/15 min): %.2f %.2f %.2f\n", l1, l5, l15);
    if (f) fclose(f);
}

static inline int64_t file_size(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 ? (int64_t)st.st_size : -1;
}

/* Parse "key":[a,b,c] from a peer's JSON line into v; returns the count. */
static inline int json_array(const char *json, const char *key, double *v, int max) {
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":[", key);
    const char *p = strstr(json, pat);
    int n = 0;
    if (!p) return 0;
    p += strlen(pat);
    while (n < max && *p && *p != ']') {
        char *e;
        v[n++] = strtod(p, &e);
        p = *e == ',' ? e + 1 : e;
    }
    return n;
}

#endif
