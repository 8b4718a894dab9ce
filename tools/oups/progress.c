/*
 * tools/oups/progress.c: the progress line on stderr of long jobs, fed by the streamed inputs
 * (input.c) so every command gets it: rows read, MB read, MB/s, and the ETA when the total
 * size of the inputs is known. Several inputs open at once (asof's MAIN and TABLEs) add up to
 * one line. Shown only when stderr is a terminal and the job has run for 2 s, redrawn at most
 * twice a second, ended by a newline; never with --quiet. OUPS_PROGRESS=1 forces it (from the
 * start, one line per update, for tests and logs); OUPS_PROGRESS=0 turns it off.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "csv.h"

static struct {
    int active;          /* inputs open */
    bool total_unknown;  /* some input's size is unknown: no ETA */
    int64_t total, bytes, rows;
    double start, last;  /* seconds (monotonic) */
    bool shown;          /* a line was printed */
    int mode;            /* 0 off, 1 terminal, 2 forced */
} pg;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int mode(void) {
    const char *env = getenv("OUPS_PROGRESS");
    if (cli_quiet() || (env && !strcmp(env, "0"))) return 0;
    if (env && !strcmp(env, "1")) return 2;
    return isatty(2) ? 1 : 0;
}

/* "12,345,678" */
static void grouped(char *buf, size_t cap, int64_t v) {
    char raw[32];
    int n = snprintf(raw, sizeof raw, "%lld", (long long)v), k = 0;
    size_t o = 0;
    for (int i = 0; i < n && o + 2 < cap; i++) {
        buf[o++] = raw[i];
        k = n - i - 1;
        if (k > 0 && k % 3 == 0 && raw[i] != '-') buf[o++] = ',';
    }
    buf[o] = '\0';
}

static void draw(bool final) {
    double t = now(), el = t - pg.start;
    char rows[40], line[256];
    grouped(rows, sizeof rows, pg.rows);
    double mb = (double)pg.bytes / 1e6, rate = el > 0 ? mb / el : 0;
    int n = snprintf(line, sizeof line, "oups: %s rows, %.1f MB", rows, mb);
    if (!pg.total_unknown && pg.total > 0)
        n += snprintf(line + n, sizeof line - (size_t)n, " of %.1f MB (%d%%)", (double)pg.total / 1e6,
                      (int)(100.0 * (double)pg.bytes / (double)pg.total));
    n += snprintf(line + n, sizeof line - (size_t)n, ", %.1f MB/s", rate);
    if (final) snprintf(line + n, sizeof line - (size_t)n, ", %.1f s", el);
    else if (!pg.total_unknown && pg.total > pg.bytes && rate > 0) {
        long eta = (long)((double)(pg.total - pg.bytes) / 1e6 / rate + 0.5);
        snprintf(line + n, sizeof line - (size_t)n, ", ETA %ld:%02ld", eta / 60, eta % 60);
    }
    if (pg.mode == 1) fprintf(stderr, "\r%s\033[K%s", line, final ? "\n" : "");
    else fprintf(stderr, "%s\n", line);
    pg.shown = true;
    pg.last = t;
}

void cli_progress_begin(int64_t total_bytes) {
    if (pg.active++ == 0) {
        memset(&pg, 0, sizeof pg);
        pg.active = 1;
        pg.mode = mode();
        pg.start = pg.last = now();
    }
    if (total_bytes < 0) pg.total_unknown = true;
    else pg.total += total_bytes;
}

void cli_progress_advance(int64_t rows, int64_t bytes) {
    pg.rows += rows;
    pg.bytes += bytes;
    if (!pg.mode) return;
    double t = now();
    if (pg.mode == 1 && t - pg.start < 2.0) return; /* short jobs print nothing */
    if (pg.shown && t - pg.last < 0.5) return;
    draw(false);
}

void cli_progress_end(void) {
    if (pg.active <= 0 || --pg.active > 0) return;
    if (!cli_failed() && (pg.mode == 2 || (pg.mode == 1 && pg.shown))) draw(true);
    else cli_progress_interrupt();
}

void cli_progress_interrupt(void) {
    if (pg.mode == 1 && pg.shown) fputs("\r\033[K", stderr);
    pg.shown = false;
}
