/*
 * examples/quickstart.c: the main job, end to end, on a local folder store.
 *
 * 1. Generates quotes and trades for several instruments over several days (seeded) into a
 *    store keyed by `instrument:str/kind:str` (one row group per day).
 * 2. Offline: one StatefulLoop run over iter_intersections of AAA's trades and every
 *    instrument's quotes from START on (with n_prev warm-up rows before START), an AsofMerger
 *    bound as object state computing, for each AAA trade, the last N quotes (bid, ask) of every
 *    instrument; results buffered under a memory cap and written to AAA/features_offline.
 *    The same loop also computes 1-minute OHLC bars of every instrument's bid (a
 *    SegmentedAggregator grouped by instrument, bound as object state too) with 10-second
 *    snapshots of the bar in progress, written to ALL/bars_offline and ALL/snaps_offline
 *    (each call's first bar per instrument replaces the previous call's last one: the store
 *    de-duplicates on (ts, instrument), keeping the newest row).
 * 3. Live: the same range replayed as small time windows, each window a separate run of a
 *    reopened loop that resumes from the persisted state, writing to AAA/features_live,
 *    ALL/bars_live and ALL/snaps_live.
 * 4. Checks the offline and live outputs are bit-identical and prints a summary.
 *
 * usage: example_quickstart [--dir DIR] [--instruments N] [--days N] [--quotes-per-day N]
 *                           [--trades-per-day N] [--window-hours H] [--keep]
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "oups/oups.h"

#define NS_PER_HOUR INT64_C(3600000000000)
#define NS_PER_DAY (24 * NS_PER_HOUR)
#define DAY0 INT64_C(1735689600000000000) /* 2025-01-01T00:00:00Z */
#define N_PREV 2                          /* previous quotes kept per instrument (window N_PREV+1) */
#define MAX_INSTR 8

static const char *const instr_names[MAX_INSTR] = {"AAA", "BBB", "CCC", "DDD", "EEE", "FFF", "GGG", "HHH"};

typedef struct config {
    char dir[512];
    int n_instr, n_days;
    int64_t quotes_per_day, trades_per_day, window_hours;
    int keep;
} config;

static int fail(const char *what, int rc) {
    fprintf(stderr, "quickstart: %s failed: %s: %s\n", what, oups_strerror(rc), oups_error_last());
    return rc < 0 ? rc : -1;
}
#define TRY(what, expr)                                                                                \
    do {                                                                                               \
        int rc_ = (expr);                                                                              \
        if (rc_ < 0) return fail(what, rc_);                                                           \
    } while (0)

static uint64_t rng_state = 20261124;
static uint64_t rnd(void) { /* splitmix64 */
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
static double rnd_unit(void) { return (double)(rnd() >> 11) / 9007199254740992.0; }

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static long peak_rss_mb(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld kB", &kb) == 1) break;
    if (f) fclose(f);
    return kb < 0 ? -1 : kb / 1024;
}

/* ---- data generation ------------------------------------------------------------------- */

/* `n_per_day` sorted random timestamps per day, trading hours 00:00-24:00 (a 24h market). */
static int make_times(oups_column **out, int days, int64_t n_per_day) {
    oups_datatype ts_type = oups_type_timestamp(OUPS_UNIT_NS, "UTC");
    oups_builder *b = NULL;
    TRY("builder", oups_builder_new(&b, &ts_type, days * n_per_day));
    int rc = 0;
    int64_t step = NS_PER_DAY / n_per_day, t = DAY0;
    for (int d = 0; d < days && rc == 0; d++) {
        if (t < DAY0 + d * NS_PER_DAY) t = DAY0 + d * NS_PER_DAY;
        for (int64_t i = 0; i < n_per_day && rc == 0; i++) {
            t += 1 + (int64_t)(rnd() % (uint64_t)(2 * step)); /* mean gap: one step */
            rc = oups_builder_append_int(b, t);
        }
    }
    if (rc == 0) rc = oups_builder_finish(out, b);
    oups_builder_free(b);
    return rc < 0 ? fail("generating timestamps", rc) : 0;
}

/* Quotes (ts, bid, ask) or trades (ts, price, qty) of one instrument over all days. */
static int make_table(oups_table **out, int days, int64_t n_per_day, bool trades, double base) {
    oups_column *cols[3] = {NULL, NULL, NULL};
    oups_builder *b1 = NULL, *b2 = NULL;
    oups_datatype f64 = oups_type(OUPS_TYPE_FLOAT64), i32 = oups_type(OUPS_TYPE_INT32);
    int rc = make_times(&cols[0], days, n_per_day);
    if (rc == 0) rc = oups_builder_new(&b1, &f64, days * n_per_day);
    if (rc == 0) rc = oups_builder_new(&b2, trades ? &i32 : &f64, days * n_per_day);
    double mid = base;
    for (int64_t i = 0; rc == 0 && i < days * n_per_day; i++) {
        mid *= 1.0 + (rnd_unit() - 0.5) * 2e-4;
        double spread = mid * (1e-4 + rnd_unit() * 2e-4);
        if (trades) {
            rc = oups_builder_append_double(b1, mid + (rnd_unit() - 0.5) * spread);
            if (rc == 0) rc = oups_builder_append_int(b2, 1 + (int64_t)(rnd() % 500));
        } else {
            rc = oups_builder_append_double(b1, mid - spread / 2);
            if (rc == 0) rc = oups_builder_append_double(b2, mid + spread / 2);
        }
    }
    if (rc == 0) rc = oups_builder_finish(&cols[1], b1);
    if (rc == 0) rc = oups_builder_finish(&cols[2], b2);
    const char *qnames[] = {"ts", "bid", "ask"}, *tnames[] = {"ts", "price", "qty"};
    if (rc == 0) rc = oups_table_new(out, 3, trades ? tnames : qnames, cols);
    oups_builder_free(b1);
    oups_builder_free(b2);
    for (int i = 0; i < 3; i++) oups_column_release(cols[i]);
    return rc < 0 ? fail("generating a table", rc) : 0;
}

static int open_dataset(oups_opd **out, oups_store *st, const char *instr, const char *kind) {
    const char *vals[2] = {instr, kind};
    oups_key *k = NULL;
    TRY("key", oups_key_new(&k, oups_store_schema(st), vals, 2));
    int rc = oups_store_get(out, st, k, NULL);
    oups_key_free(k);
    return rc < 0 ? fail("opening a dataset", rc) : 0;
}

static int write_dataset(oups_store *st, const char *instr, const char *kind, const oups_table *t,
                         const char *period) {
    oups_opd *opd = NULL;
    TRY("open", open_dataset(&opd, st, instr, kind));
    oups_store_write_options wo = OUPS_STORE_WRITE_OPTIONS_INIT;
    wo.ordered_on = "ts";
    wo.row_group_period = period;
    wo.row_group_rows = 250000;
    int rc = oups_opd_write(opd, t, &wo);
    oups_opd_close(opd);
    return rc < 0 ? fail("writing a dataset", rc) : 0;
}

static int generate(oups_store *st, const config *c, int64_t *n_rows) {
    *n_rows = 0;
    for (int i = 0; i < c->n_instr; i++) {
        for (int trades = 0; trades < 2; trades++) {
            if (trades && i > 0) continue; /* features are computed for AAA's trades */
            oups_table *t = NULL;
            TRY("generate", make_table(&t, c->n_days, trades ? c->trades_per_day : c->quotes_per_day,
                                       trades, 100.0 * (i + 1)));
            *n_rows += oups_table_num_rows(t);
            int rc = write_dataset(st, instr_names[i], trades ? "trades" : "quotes", t, "D");
            oups_table_free(t);
            if (rc < 0) return rc;
            fprintf(stderr, "  generated %s/%s\n", instr_names[i], trades ? "trades" : "quotes");
        }
    }
    return 0;
}

/* ---- the feature job: one loop run over [start, end_excl) ---------------------------------- */

typedef struct run_stats {
    int64_t items, rows_out, flushes, bars_out;
} run_stats;

/* Empty table with the schema of a quotes or trades dataset (for datasets not taking part). */
static int empty_like(oups_table **out, bool trades) {
    const char *qn[] = {"ts", "bid", "ask"}, *tn[] = {"ts", "price", "qty"};
    oups_datatype types[3] = {oups_type_timestamp(OUPS_UNIT_NS, "UTC"), oups_type(OUPS_TYPE_FLOAT64),
                              oups_type(trades ? OUPS_TYPE_INT32 : OUPS_TYPE_FLOAT64)};
    return oups_table_new_empty(out, 3, trades ? tn : qn, types);
}

/* One item: trades of AAA (chunk 0) and quotes of each instrument (chunks 1..n): features. */
static int compute(oups_table **out, oups_asof_merger *m, oups_loop *loop, int n_instr, oups_table *const *empty) {
    oups_table *quotes[MAX_INSTR];
    oups_table *trades = oups_loop_chunk(loop, 0);
    if (!trades) trades = empty[0];
    for (int i = 0; i < n_instr; i++) {
        quotes[i] = oups_loop_chunk(loop, 1 + i);
        if (!quotes[i]) quotes[i] = empty[1];
    }
    int ts = oups_table_column_index(trades, "ts");
    oups_table *merged = NULL, *with_price = NULL;
    TRY("asof merge", oups_asof_merger_merge(&merged, m, oups_table_column(trades, ts), quotes, 1, NULL, 1, true));
    /* The trade's own price and size next to the quote windows. */
    int rc = oups_table_set_column(&with_price, merged, "price",
                                   oups_table_column(trades, oups_table_column_index(trades, "price")));
    oups_table_free(merged);
    if (rc == 0)
        rc = oups_table_set_column(out, with_price, "qty",
                                   oups_table_column(trades, oups_table_column_index(trades, "qty")));
    oups_table_free(with_price);
    return rc < 0 ? fail("adding trade columns", rc) : 0;
}

/* ---- the bars job: 1-minute OHLC of every instrument's bid, with 10 s snapshots ------------- */

static int new_bars(oups_segagg **out) {
    static const oups_segagg_agg aggs[] = {{"open", "bid", OUPS_AGG_FIRST}, {"high", "bid", OUPS_AGG_MAX},
                                           {"low", "bid", OUPS_AGG_MIN},    {"close", "bid", OUPS_AGG_LAST},
                                           {"n_quotes", "bid", OUPS_AGG_COUNT}, {"mean_ask", "ask", OUPS_AGG_MEAN}};
    static const char *const by[] = {"instrument"};
    oups_segagg_options o = OUPS_SEGAGG_OPTIONS_INIT;
    o.ordered_on = "ts";
    o.bin_by.kind = OUPS_SEG_TIME;
    o.bin_by.freq_ns = INT64_C(60000000000);
    o.snap_by.kind = OUPS_SEG_TIME;
    o.snap_by.freq_ns = INT64_C(10000000000);
    o.snap_by.label_right = true; /* a snapshot is labelled by the time it observes */
    o.by = by;
    o.n_by = 1;
    o.aggs = aggs;
    o.n_aggs = 6;
    TRY("segmented aggregator", oups_segagg_new(out, &o));
    return 0;
}

/* The quotes of every instrument in this item, one table ordered on ts with an `instrument`
 * column (ties keep the instrument order: the sort is stable). NULL when there are none. */
static int all_quotes(oups_table **out, oups_loop *loop, int n_instr) {
    oups_table *parts[MAX_INSTR];
    int n = 0, rc = 0;
    oups_datatype str = oups_type(OUPS_TYPE_STRING);
    *out = NULL;
    for (int i = 0; i < n_instr && rc == 0; i++) {
        oups_table *q = oups_loop_chunk(loop, 1 + i);
        int64_t rows = q ? oups_table_num_rows(q) : 0;
        if (rows == 0) continue;
        oups_builder *b = NULL;
        oups_column *col = NULL;
        rc = oups_builder_new(&b, &str, rows);
        for (int64_t r = 0; rc == 0 && r < rows; r++) rc = oups_builder_append_bytes(b, instr_names[i], 3);
        if (rc == 0) rc = oups_builder_finish(&col, b);
        if (rc == 0) rc = oups_table_set_column(&parts[n], q, "instrument", col);
        if (rc == 0) n++;
        oups_builder_free(b);
        oups_column_release(col);
    }
    oups_table *cat = NULL;
    const char *keys[] = {"ts"};
    if (rc == 0 && n > 0) rc = oups_table_concat(&cat, parts, n);
    if (rc == 0 && cat) rc = oups_table_sort(out, cat, keys, 1);
    oups_table_free(cat);
    for (int i = 0; i < n; i++) oups_table_free(parts[i]);
    return rc < 0 ? fail("gathering quotes", rc) : 0;
}

/* Write a flushed bars or snapshots table: sorted on ts (stable, so a bar re-emitted by a later
 * call stays after its earlier version) and merged with de-duplication on (ts, instrument). */
static int write_bars(oups_opd *opd, const oups_table *t) {
    if (!t || oups_table_num_rows(t) == 0) return 0;
    const char *keys[] = {"ts"}, *dup[] = {"instrument"};
    oups_table *sorted = NULL;
    TRY("sorting bars", oups_table_sort(&sorted, t, keys, 1));
    oups_store_write_options wo = OUPS_STORE_WRITE_OPTIONS_INIT;
    wo.ordered_on = "ts";
    wo.row_group_rows = 200000;
    wo.duplicates = OUPS_DUP_COLUMNS;
    wo.duplicates_on = dup;
    wo.n_duplicates_on = 1;
    int rc = oups_opd_write(opd, sorted, &wo);
    oups_table_free(sorted);
    return rc < 0 ? fail("writing bars", rc) : 0;
}

static int new_merger(oups_asof_merger **out, int n_instr) {
    const char *prefixes[MAX_INSTR];
    char buf[MAX_INSTR][8];
    int n_prev[MAX_INSTR];
    for (int i = 0; i < n_instr; i++) {
        snprintf(buf[i], sizeof buf[i], "%s_", instr_names[i]);
        prefixes[i] = buf[i];
        n_prev[i] = N_PREV;
    }
    oups_asof_merger_options mo = OUPS_ASOF_MERGER_OPTIONS_INIT;
    mo.on = "ts";
    mo.n_dfs_per_group = n_instr;
    mo.prefixes = prefixes;
    mo.n_join_positions = 1;
    mo.n_prev = n_prev;
    TRY("asof merger", oups_asof_merger_new(out, &mo));
    return 0;
}

/*
 * One run of the job: resume the loop state at `state_path` (if any), iterate the steps of
 * [start, end_excl) (end_excl NULL: to the end), buffer the features and the bars under `cap`
 * bytes and write each flush to AAA/features_<mode>, ALL/bars_<mode> and ALL/snaps_<mode>.
 * Warm-up rows (n_prev) are requested only on the first run: later runs carry that history in
 * the merger's persisted fill blocks (and the bars in the aggregator's persisted state).
 */
static int run_job(oups_store *st, const config *c, const char *state_path, const char *mode, int64_t start,
                   const int64_t *end_excl, int64_t cap, run_stats *rs) {
    oups_loop *loop = NULL;
    oups_asof_merger *m = NULL;
    oups_segagg *bars = NULL;
    oups_opd *out_opd = NULL, *bars_opd = NULL, *snaps_opd = NULL;
    char kind[3][64];
    snprintf(kind[0], sizeof kind[0], "features_%s", mode);
    snprintf(kind[1], sizeof kind[1], "bars_%s", mode);
    snprintf(kind[2], sizeof kind[2], "snaps_%s", mode);
    oups_intersections *it = NULL;
    oups_table *empty[2] = {NULL, NULL};
    oups_key *keys[1 + MAX_INSTR] = {NULL};
    int rc = oups_loop_open(&loop, state_path, NULL);
    if (rc == 0) rc = new_merger(&m, c->n_instr);
    if (rc == 0) rc = oups_loop_bind_object(loop, NULL, "asof", m, &oups_asof_merger_state_ops);
    if (rc == 0) rc = new_bars(&bars);
    if (rc == 0) rc = oups_loop_bind_object(loop, NULL, "bars", bars, &oups_segagg_state_ops);
    bool first_run = rc == 0 && !oups_loop_resumed(loop);

    /* Datasets: AAA trades, then every instrument's quotes. */
    for (int i = 0; rc == 0 && i <= c->n_instr; i++) {
        const char *vals[2] = {i == 0 ? instr_names[0] : instr_names[i - 1], i == 0 ? "trades" : "quotes"};
        rc = oups_key_new(&keys[i], oups_store_schema(st), vals, 2);
    }
    int64_t n_prev[1 + MAX_INSTR] = {0};
    for (int i = 1; i <= c->n_instr; i++) n_prev[i] = first_run ? N_PREV + 1 : 0;
    oups_datatype ts_type = oups_type_timestamp(OUPS_UNIT_NS, "UTC");
    oups_scalar s_start = {.type = ts_type, .is_null = false, .v.i = start};
    oups_scalar s_end = {.type = ts_type, .is_null = false, .v.i = end_excl ? *end_excl : 0};
    oups_intersections_options io = OUPS_INTERSECTIONS_OPTIONS_INIT;
    io.start = &s_start;
    io.end_excl = end_excl ? &s_end : NULL;
    io.n_prev = n_prev;
    if (rc == 0) rc = oups_store_intersections(&it, st, (const oups_key *const *)keys, 1 + c->n_instr, &io);
    oups_source src;
    if (rc == 0) {
        rc = oups_source_intersections(&src, it, 1 + c->n_instr);
        it = NULL; /* taken over */
    }
    if (rc == 0) rc = oups_loop_begin(loop, &src);
    if (rc == 0) rc = empty_like(&empty[0], true);
    if (rc == 0) rc = empty_like(&empty[1], false);
    if (rc == 0) rc = open_dataset(&out_opd, st, instr_names[0], kind[0]);
    if (rc == 0) rc = open_dataset(&bars_opd, st, "ALL", kind[1]);
    if (rc == 0) rc = open_dataset(&snaps_opd, st, "ALL", kind[2]);

    oups_table *chunk;
    while (rc == 0 && (rc = oups_loop_next(loop, &chunk)) == 1) {
        rc = 0;
        rs->items++;
        oups_table *features = NULL, *flushed = NULL, *quotes = NULL, *bs[2] = {NULL, NULL}, *bflushed[2] = {NULL, NULL};
        rc = compute(&features, m, loop, c->n_instr, empty);
        if (rc == 0) rc = oups_loop_buffer(&flushed, loop, 0, &features, 1, cap);
        oups_table_free(features);
        if (rc == 0 && flushed && oups_table_num_rows(flushed) > 0) {
            oups_store_write_options wo = OUPS_STORE_WRITE_OPTIONS_INIT;
            wo.ordered_on = "ts";
            wo.row_group_rows = 200000;
            rc = oups_opd_write(out_opd, flushed, &wo);
            rs->rows_out += oups_table_num_rows(flushed);
            rs->flushes++;
        }
        oups_table_free(flushed);
        if (rc == OUPS_SKIP) rc = 0;
        /* The bars: all quotes of the item through the aggregator (state kept per instrument). */
        if (rc == 0) rc = all_quotes(&quotes, loop, c->n_instr);
        if (rc == 0 && quotes && (rc = oups_segagg_process(&bs[0], &bs[1], bars, quotes)) < 0) fail("bars", rc);
        if (rc == 0) rc = oups_loop_buffer(bflushed, loop, 1, bs, 2, cap);
        if (rc == 0) {
            rc = write_bars(bars_opd, bflushed[0]);
            if (rc == 0) rc = write_bars(snaps_opd, bflushed[1]);
            if (bflushed[0]) rs->bars_out += oups_table_num_rows(bflushed[0]);
        }
        if (rc == OUPS_SKIP) rc = 0;
        oups_table_free(quotes);
        for (int k = 0; k < 2; k++) {
            oups_table_free(bs[k]);
            oups_table_free(bflushed[k]);
        }
    }
    if (rc < 0) fail("feature run", rc);
    oups_intersections_free(it);
    oups_opd_close(out_opd);
    oups_opd_close(bars_opd);
    oups_opd_close(snaps_opd);
    oups_table_free(empty[0]);
    oups_table_free(empty[1]);
    for (int i = 0; i <= c->n_instr; i++) oups_key_free(keys[i]);
    oups_loop_free(loop); /* releases the state file lock; the state was persisted by next() */
    oups_asof_merger_free(m);
    oups_segagg_free(bars);
    return rc < 0 ? rc : 0;
}

static int read_all(oups_table **out, oups_store *st, const char *instr, const char *kind) {
    oups_opd *opd = NULL;
    TRY("open", open_dataset(&opd, st, instr, kind));
    int rc = oups_opd_read(out, opd, NULL, 0);
    oups_opd_close(opd);
    return rc < 0 ? fail("reading features", rc) : 0;
}

static int parse_args(config *c, int argc, char **argv) {
    snprintf(c->dir, sizeof c->dir, "quickstart-data");
    c->n_instr = 4;
    c->n_days = 3;
    c->quotes_per_day = 200000;
    c->trades_per_day = 50000;
    c->window_hours = 2;
    c->keep = 0;
    static const struct option opts[] = {
        {"dir", required_argument, 0, 'd'},           {"instruments", required_argument, 0, 'i'},
        {"days", required_argument, 0, 'n'},          {"quotes-per-day", required_argument, 0, 'q'},
        {"trades-per-day", required_argument, 0, 't'}, {"window-hours", required_argument, 0, 'w'},
        {"keep", no_argument, 0, 'k'},                {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    int o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'd': snprintf(c->dir, sizeof c->dir, "%s", optarg); break;
        case 'i': c->n_instr = atoi(optarg); break;
        case 'n': c->n_days = atoi(optarg); break;
        case 'q': c->quotes_per_day = atoll(optarg); break;
        case 't': c->trades_per_day = atoll(optarg); break;
        case 'w': c->window_hours = atoll(optarg); break;
        case 'k': c->keep = 1; break;
        case 'h':
            printf("usage: example_quickstart [--dir DIR] [--instruments N<=8] [--days N] [--quotes-per-day N]\n"
                   "                          [--trades-per-day N] [--window-hours H] [--keep]\n");
            exit(0);
        default: return -1;
        }
    }
    if (c->n_instr < 1 || c->n_instr > MAX_INSTR || c->n_days < 2 || c->quotes_per_day < 10 ||
        c->trades_per_day < 10 || c->window_hours < 1) {
        fprintf(stderr, "quickstart: bad arguments (see --help)\n");
        return -1;
    }
    return 0;
}

int main(int argc, char **argv) {
    config c;
    if (parse_args(&c, argc, argv) < 0) return 2;
    char cmd[1100], root[600], off_state[700], live_state[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", c.dir);
    if (system(cmd) != 0) return 1;
    snprintf(root, sizeof root, "%s/store", c.dir);
    snprintf(off_state, sizeof off_state, "%s/offline.loopstate", c.dir);
    snprintf(live_state, sizeof live_state, "%s/live.loopstate", c.dir);

    oups_key_schema *schema = NULL;
    oups_store *st = NULL;
    if (oups_key_schema_parse(&schema, "instrument:str/kind:str", '-') < 0 || oups_store_open(&st, root, schema) < 0) {
        fail("opening the store", oups_error_last_code());
        return 1;
    }

    double t0 = now_s();
    fprintf(stderr, "quickstart: generating %d instruments x %d days into %s\n", c.n_instr, c.n_days, root);
    int64_t n_in = 0;
    if (generate(st, &c, &n_in) < 0) return 1;
    double t_gen = now_s() - t0;

    int64_t start = DAY0 + NS_PER_DAY / 2; /* features from day 1 noon on; earlier quotes are warm-up */
    int64_t cap = 8 << 20;                 /* 8 MiB buffer cap: several flushes offline */
    run_stats off = {0}, live = {0};
    fprintf(stderr, "quickstart: offline run\n");
    t0 = now_s();
    if (run_job(st, &c, off_state, "offline", start, NULL, cap, &off) < 0) return 1;
    double t_off = now_s() - t0;

    int64_t window = c.window_hours * NS_PER_HOUR, end_all = DAY0 + c.n_days * NS_PER_DAY;
    int n_runs = 0;
    fprintf(stderr, "quickstart: live replay in %" PRId64 "h windows\n", c.window_hours);
    t0 = now_s();
    for (int64_t w = start; w < end_all; w += window, n_runs++) {
        int64_t end = w + window;
        bool last = end >= end_all;
        if (run_job(st, &c, live_state, "live", w, last ? NULL : &end, cap, &live) < 0) return 1;
        if (n_runs % 8 == 0) fprintf(stderr, "  live run %d done\n", n_runs + 1);
    }
    double t_live = now_s() - t0;

    /* Features, bars and snapshots: offline vs live, bit for bit. */
    static const char *const what[3][3] = {{"AAA", "features_offline", "features_live"},
                                           {"ALL", "bars_offline", "bars_live"},
                                           {"ALL", "snaps_offline", "snaps_live"}};
    oups_table *a[3] = {NULL}, *b[3] = {NULL};
    char desc[512] = "";
    int same = 1;
    for (int k = 0; k < 3; k++) {
        if (read_all(&a[k], st, what[k][0], what[k][1]) < 0 || read_all(&b[k], st, what[k][0], what[k][2]) < 0) return 1;
        if (k > 0) { /* the store orders rows on ts only: compare bars in (ts, instrument) order */
            const char *keys[] = {"ts", "instrument"};
            for (int x = 0; x < 2; x++) {
                oups_table **t = x ? &b[k] : &a[k], *sorted = NULL;
                TRY("sorting bars", oups_table_sort(&sorted, *t, keys, 2));
                oups_table_free(*t);
                *t = sorted;
            }
        }
        char d[400];
        if (!oups_table_equal(a[k], b[k], d, sizeof d)) {
            if (same) snprintf(desc, sizeof desc, "%s: %s", what[k][1] + 0, d);
            same = 0;
        }
    }
    printf("quickstart summary\n");
    printf("  input:    %" PRId64 " rows (%d instruments x %d days of quotes, AAA trades), %.2f s\n", n_in,
           c.n_instr, c.n_days, t_gen);
    printf("  offline:  %" PRId64 " steps, %" PRId64 " feature rows x %d columns, %" PRId64 " buffer flushes, %.2f s\n",
           off.items, off.rows_out, oups_table_num_columns(a[0]), off.flushes, t_off);
    printf("  bars:     %" PRId64 " 1-minute OHLC bars, %" PRId64 " 10-second snapshots (all instruments)\n",
           oups_table_num_rows(a[1]), oups_table_num_rows(a[2]));
    printf("  live:     %d runs (resumed from persisted state), %" PRId64 " steps, %" PRId64 " rows, %.2f s\n", n_runs,
           live.items, live.rows_out, t_live);
    printf("  peak RSS: %ld MiB\n", peak_rss_mb());
    if (same)
        printf("offline and live results are identical (%" PRId64 " feature rows, %" PRId64 " bars, %" PRId64
               " snapshots, bit for bit)\n", oups_table_num_rows(a[0]), oups_table_num_rows(a[1]), oups_table_num_rows(a[2]));
    else
        printf("offline and live results DIFFER: %s\n", desc);
    for (int k = 0; k < 3; k++) {
        oups_table_free(a[k]);
        oups_table_free(b[k]);
    }
    oups_store_free(st);
    oups_key_schema_free(schema);
    if (!c.keep) {
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", c.dir);
        if (system(cmd) != 0) return 1;
    }
    return same ? 0 : 1;
}
