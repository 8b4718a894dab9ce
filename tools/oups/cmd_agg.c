/*
 * tools/oups/cmd_agg.c: `oups agg`: segmented aggregation (bins, snapshots, per group) of
 * ordered tables with the SegmentedAggregator of liboups. The inputs are read, concatenated
 * in order and aggregated as one chunk. With --state FILE the aggregator's state is loaded
 * before and saved after (atomically), so successive invocations on successive chunks continue
 * exactly: each prints its bins, the first (per group) being the previous invocation's last
 * bin, updated. Output files appear only complete, and only when the command succeeds.
 * Documented in docs/segagg.md.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "csv.h"
#include "input.h"
#include "live.h"
#include "sink.h"

enum { OPT_ON = 256, OPT_BIN, OPT_CLOSED, OPT_LABEL, OPT_ORIGIN, OPT_OFFSET, OPT_SNAP, OPT_BY, OPT_AGG, OPT_STATE,
       OPT_SNAPS_OUT, OPT_FORMAT };

static const char *const usage_text =
    "usage: oups agg IN... --ordered-on COL --bin-by PERIOD|rows:N --agg NAME=FUNC:COL... [options]\n"
    "       oups agg --input - [--store-out DATASET --state FILE] --ordered-on COL ... (live mode)\n"
    "\n"
    "Segmented aggregation of ordered tables, streamed: the inputs are read chunk by chunk (CSV\n"
    "blocks, Parquet row groups) and each output row is written once final, so memory holds a\n"
    "chunk and about one bin per group; the output is that of one chunk holding every row:\n"
    "rows are cut into bins (a time grid, or N rows per bin), each bin aggregated; optional\n"
    "snapshots observe the bin in progress on a time grid. With --by, bins are kept per group\n"
    "(each group's bins span its own first to last row); rows ordered by (bin, group).\n"
    "\n"
    "options:\n"
    "  --ordered-on COL, --on COL  order column (timestamp for time grids); names the label column\n"
    "  --bin-by PERIOD|rows:N      bins: a period (30s, 5min, 1h, D) or N rows per bin\n"
    "  --closed left|right         bins [start, end) (left, default) or (start, end]\n"
    "  --label left|right          label time bins by their start (default) or end edge\n"
    "  --origin O                  grid anchor: epoch (default), start_day, start, or a timestamp\n"
    "  --offset PERIOD             added to the origin (default 0)\n"
    "  --snap-by PERIOD            snapshots every PERIOD (labelled like the bins), to --snaps-out\n"
    "  --by COL,...                group key columns\n"
    "  --agg NAME=FUNC:COL         output column NAME = FUNC of COL; FUNC: first last min max sum\n"
    "                              count mean (repeat --agg for several; empty bins are empty cells)\n"
    "  --state FILE                load the aggregator state from FILE if it exists, save it after:\n"
    "                              successive invocations on successive chunks continue exactly\n"
    "  -o BINS                     bins output file (default stdout)\n"
    "  --snaps-out SNAPS           snapshots output file (required with --snap-by)\n"
    "  --format csv|jsonl|parquet  output format (default csv; parquet needs -o)\n"
    CLI_CSV_OPTIONS_HELP
    "\n" CLI_INPUTS_HELP "\n"
    CLI_LIVE_OPTIONS_HELP
    "In the live mode with --store-out, the bins are merged into DATASET (a bin re-emitted with\n"
    "new values replaces the stored one: rows are identified by the label and the --by columns),\n"
    "--snaps-out names a dataset too, and time bins are required (--bin-by PERIOD).\n";

#define usage_error(msg) cli_usage_error("agg", NULL, msg)

typedef struct agg_args {
    const char *on, *bin_by, *closed, *label, *origin, *offset, *snap_by, *by, *state, *out, *snaps_out, *format;
    int n_aggs;
    char *aggs[256];
    int n_in;
    char **in;
    cli_live_options live;
} agg_args;

static int parse_args(agg_args *a, int argc, char **argv) {
    static const struct option opts[] = {
        {"ordered-on", required_argument, 0, OPT_ON}, {"on", required_argument, 0, OPT_ON}, /* asof's name */
        {"bin-by", required_argument, 0, OPT_BIN},
        {"closed", required_argument, 0, OPT_CLOSED}, {"label", required_argument, 0, OPT_LABEL},
        {"origin", required_argument, 0, OPT_ORIGIN}, {"offset", required_argument, 0, OPT_OFFSET},
        {"snap-by", required_argument, 0, OPT_SNAP},  {"by", required_argument, 0, OPT_BY},
        {"agg", required_argument, 0, OPT_AGG},       {"state", required_argument, 0, OPT_STATE},
        {"snaps-out", required_argument, 0, OPT_SNAPS_OUT}, {"format", required_argument, 0, OPT_FORMAT},
        {"help", no_argument, 0, 'h'},                CLI_CSV_LONG_OPTIONS, CLI_LIVE_LONG_OPTIONS,
        {0, 0, 0, 0},
    };
    memset(a, 0, sizeof *a);
    a->live = (cli_live_options)CLI_LIVE_OPTIONS_INIT;
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (c) {
        case OPT_ON: a->on = optarg; break;
        case OPT_BIN: a->bin_by = optarg; break;
        case OPT_CLOSED: a->closed = optarg; break;
        case OPT_LABEL: a->label = optarg; break;
        case OPT_ORIGIN: a->origin = optarg; break;
        case OPT_OFFSET: a->offset = optarg; break;
        case OPT_SNAP: a->snap_by = optarg; break;
        case OPT_BY: a->by = optarg; break;
        case OPT_AGG:
            if (a->n_aggs == 256) return usage_error("at most 256 --agg");
            a->aggs[a->n_aggs++] = optarg;
            break;
        case OPT_STATE: a->state = optarg; break;
        case OPT_SNAPS_OUT: a->snaps_out = optarg; break;
        case OPT_FORMAT: a->format = optarg; break;
        case 'o': a->out = optarg; break;
        case 'h': fputs(usage_text, stdout); return -1;
        default: {
            int l = c == '?' ? 0 : cli_live_option(&a->live, c, optarg, "agg");
            if (l == 2) return 2;
            if (l == 0) return cli_bad_option("agg", NULL, argv);
        }
        }
    }
    a->n_in = argc - optind;
    a->in = argv + optind;
    if (cli_live_check(&a->live, a->state, "agg")) return 2;
    if (a->live.print_offset) return 0;
    if (a->live.input && a->n_in > 0) return usage_error("give the inputs as files or --input -, not both");
    if (!a->live.input && a->n_in < 1) return usage_error("at least one input file is required");
    if (!a->on) return usage_error("--ordered-on COL is required");
    if (!a->bin_by) return usage_error("--bin-by PERIOD|rows:N is required");
    if (a->n_aggs < 1) return usage_error("at least one --agg NAME=FUNC:COL is required");
    if (a->closed && strcmp(a->closed, "left") != 0 && strcmp(a->closed, "right") != 0)
        return usage_error("--closed must be left or right");
    if (a->label && strcmp(a->label, "left") != 0 && strcmp(a->label, "right") != 0)
        return usage_error("--label must be left or right");
    if (a->snap_by && !a->snaps_out) return usage_error("--snap-by needs --snaps-out SNAPS");
    if (!a->snap_by && a->snaps_out) return usage_error("--snaps-out needs --snap-by PERIOD");
    const char *f = a->format ? a->format : "csv";
    if (strcmp(f, "csv") != 0 && strcmp(f, "jsonl") != 0 && strcmp(f, "parquet") != 0)
        return usage_error("--format must be csv, jsonl or parquet");
    if (a->live.store_out) {
        if (a->out) return usage_error("-o and --store-out are exclusive");
        if (!strncmp(a->bin_by, "rows:", 5))
            return usage_error("--store-out needs time bins (--bin-by PERIOD): row bins can share a label");
        return 0;
    }
    if (strcmp(f, "parquet") == 0 && (!a->out || !strcmp(a->out, "-") || !strcmp(a->snaps_out ? a->snaps_out : "x", "-")))
        return usage_error("--format parquet needs -o BINS (and a --snaps-out file)");
    if (a->live.input && strcmp(f, "parquet") == 0)
        return usage_error("the live mode writes csv or jsonl rows as they come, or a store dataset (--store-out)");
    return 0;
}

static int parse_period(int64_t *ns, const char *opt, const char *text) {
    oups_period p;
    if (oups_period_parse(&p, text) < 0 || oups_period_nanos(ns, &p) < 0) {
        char msg[256];
        snprintf(msg, sizeof msg, "%s: '%s' is not a fixed period (30s, 5min, 1h, D)", opt, text);
        return usage_error(msg);
    }
    return 0;
}

static int parse_agg(oups_segagg_agg *g, char *spec) {
    static const char *const fn[] = {"first", "last", "min", "max", "sum", "count", "mean"};
    char *eq = strchr(spec, '='), *colon = eq ? strchr(eq, ':') : NULL;
    char msg[320];
    snprintf(msg, sizeof msg, "--agg '%s': expected NAME=FUNC:COL with FUNC one of first last min max sum count mean",
             spec);
    if (!eq || !colon || eq == spec || !colon[1]) return usage_error(msg);
    *eq = 0;
    *colon = 0;
    g->name = spec;
    g->column = colon + 1;
    for (int f = 0; f <= OUPS_AGG_MEAN; f++)
        if (strcmp(eq + 1, fn[f]) == 0) {
            g->func = (oups_segagg_func)f;
            return 0;
        }
    *eq = '=';
    *colon = ':';
    return usage_error(msg);
}

/* Segmenters from the options (usage errors print and return 2). */
static int make_options(oups_segagg_options *o, oups_segagg_agg *aggs, char ***by, int *n_by, char **by_copy,
                        const agg_args *a) {
    oups_segmenter *b = &o->bin_by;
    o->ordered_on = a->on;
    if (strncmp(a->bin_by, "rows:", 5) == 0) {
        char *e;
        long long n = strtoll(a->bin_by + 5, &e, 10);
        if (!a->bin_by[5] || *e || n < 1) return usage_error("--bin-by rows:N needs an integer N >= 1");
        b->kind = OUPS_SEG_ROWS;
        b->rows = n;
        if (a->label) return usage_error("--label applies to time bins only (row bins are labelled by their first row)");
    } else {
        b->kind = OUPS_SEG_TIME;
        if (parse_period(&b->freq_ns, "--bin-by", a->bin_by)) return 2;
    }
    b->closed_right = a->closed && strcmp(a->closed, "right") == 0;
    b->label_right = a->label && strcmp(a->label, "right") == 0;
    if (a->origin) {
        if (!strcmp(a->origin, "epoch")) b->origin = OUPS_ORIGIN_EPOCH;
        else if (!strcmp(a->origin, "start_day")) b->origin = OUPS_ORIGIN_START_DAY;
        else if (!strcmp(a->origin, "start")) b->origin = OUPS_ORIGIN_START;
        else {
            oups_scalar s;
            oups_datatype ts = oups_type_timestamp(OUPS_UNIT_NS, NULL);
            if (cli_parse_value(&s, &ts, a->origin, NULL, 0, "--origin") < 0) return 2;
            b->origin = OUPS_ORIGIN_VALUE;
            b->origin_ns = s.v.i;
        }
    }
    if (a->offset && parse_period(&b->offset_ns, "--offset", a->offset)) return 2;
    if (a->snap_by) {
        o->snap_by.kind = OUPS_SEG_TIME;
        if (parse_period(&o->snap_by.freq_ns, "--snap-by", a->snap_by)) return 2;
        o->snap_by.label_right = b->label_right;
        o->snap_by.origin = b->origin;
        o->snap_by.origin_ns = b->origin_ns;
        o->snap_by.offset_ns = b->offset_ns;
    }
    for (int k = 0; k < a->n_aggs; k++)
        if (parse_agg(&aggs[k], a->aggs[k])) return 2;
    o->aggs = aggs;
    o->n_aggs = a->n_aggs;
    if (a->by) {
        if (cli_split_list(by, n_by, by_copy, a->by) < 0) return 1;
        o->by = (const char *const *)*by;
        o->n_by = *n_by;
    }
    return 0;
}

/* The CSV header of the outputs (label, by columns, aggregations) alone; JSONL: an empty output. */
static int write_header(const char *path, const agg_args *a, const oups_segagg_agg *aggs, char **by, int n_by,
                        const char *format) {
    FILE *f = NULL;
    int rc = cli_open_output(&f, path);
    if (rc < 0) return rc;
    if (!strcmp(format, "csv")) {
        fputs(a->on, f);
        for (int i = 0; i < n_by; i++) fprintf(f, ",%s", by[i]);
        for (int k = 0; k < a->n_aggs; k++) fprintf(f, ",%s", aggs[k].name);
        fputc('\n', f);
    }
    return cli_close_output(f, path);
}

/* ---- streamed outputs: a row is written once it is final and nothing can sort before it ---- */
/* Each chunk's output re-emits, per group with rows in the chunk, the group's last bin (in
 * progress); and a dormant group can later emit bins whose labels are below rows already
 * output by other groups. So rows are held until their label is below W, the smallest label of
 * the groups' last rows: every later row has a label >= its group's last label >= W. What is
 * held is about one bin per group (plus the bins since the oldest group's last one). */

typedef struct held {
    oups_table *rows; /* ordered by (label, group), as the one-shot output */
    bool snaps;       /* snapshots: a row replaces the held row of its (label, group) */
} held;

typedef struct agg_keys {
    const char *names[65]; /* label, then the by columns */
    int n;
    char **by;
    int n_by;
} agg_keys;

#define ROW_COL "\001row"

/* The by columns of t and a column ROW_COL = row index (or -1 for every row). */
static int groups_of(oups_table **out, const oups_table *t, const agg_keys *k, bool index) {
    int64_t n = oups_table_num_rows(t);
    int64_t *v = malloc(sizeof *v * (size_t)(n + 1));
    oups_column *c = NULL;
    oups_table *sel = NULL;
    oups_datatype i64 = oups_type(OUPS_TYPE_INT64);
    int rc = v ? 0 : OUPS_ENOMEM;
    for (int64_t i = 0; rc == 0 && i < n; i++) v[i] = index ? i : -1;
    if (rc == 0) rc = oups_column_from_values(&c, &i64, v, n, NULL);
    if (rc == 0) rc = oups_table_select(&sel, t, k->names + 1, k->n - 1);
    if (rc == 0) rc = oups_table_set_column(out, sel, ROW_COL, c);
    oups_column_release(c);
    oups_table_free(sel);
    free(v);
    return rc;
}

/* The ROW_COL values >= 0 of dedup_last(concat(a, b)) on the by columns, marked in mark[]. */
static int mark_last(bool *mark, bool value, oups_table *a, oups_table *b, const agg_keys *k) {
    oups_table *parts[2] = {a, b}, *cat = NULL, *last = NULL;
    int rc = oups_table_concat(&cat, parts, 2);
    if (rc == 0) rc = oups_table_dedup_last(&last, cat, (const char *const *)k->by, k->n_by);
    if (rc == 0) {
        const oups_column *c = oups_table_column(last, oups_table_column_index(last, ROW_COL));
        for (int64_t i = 0; i < oups_table_num_rows(last); i++) {
            oups_scalar v;
            oups_column_get_scalar(&v, c, i);
            if (v.v.i >= 0) mark[v.v.i] = value;
        }
    }
    oups_table_free(cat);
    oups_table_free(last);
    return rc;
}

/* Bins: the held rows without the last row of each group that has rows in `nw` (the bin
 * `nw` re-emits), by the consolidation rule of docs/segagg.md. */
static int drop_reemitted(oups_table **out, const oups_table *h, const oups_table *nw, const agg_keys *k) {
    int64_t n = oups_table_num_rows(h), kept = 0;
    bool *drop = calloc((size_t)n + 1, 1);
    int64_t *keep = malloc(sizeof *keep * (size_t)(n + 1));
    oups_table *hg = NULL, *ng = NULL;
    int rc = drop && keep ? 0 : OUPS_ENOMEM;
    if (rc == 0 && k->n_by == 0) drop[n - 1] = true; /* one group, which has rows in nw */
    if (rc == 0 && k->n_by > 0) {
        rc = groups_of(&hg, h, k, true);
        if (rc == 0) rc = groups_of(&ng, nw, k, false);
        if (rc == 0) rc = mark_last(drop, true, ng, hg, k);  /* the last held row of every group */
        if (rc == 0) rc = mark_last(drop, false, hg, ng, k); /* ... but of the groups not in nw */
    }
    for (int64_t i = 0; rc == 0 && i < n; i++)
        if (!drop[i]) keep[kept++] = i;
    if (rc == 0) rc = oups_table_take(out, h, keep, kept);
    oups_table_free(hg);
    oups_table_free(ng);
    free(drop);
    free(keep);
    return rc;
}

/* Add a chunk's output to the held rows; *ready = the rows now final (label < W). */
static int held_add(oups_table **ready, held *h, const oups_table *nw, const agg_keys *k) {
    *ready = NULL;
    oups_table *base = NULL, *cat = NULL, *dd = NULL, *sorted = NULL, *last = NULL;
    int rc = 0;
    if (!h->rows || oups_table_num_rows(nw) == 0 || oups_table_num_rows(h->rows) == 0 || h->snaps)
        base = h->rows ? oups_table_retain(h->rows) : NULL;
    else rc = drop_reemitted(&base, h->rows, nw, k);
    oups_table *parts[2] = {base, (oups_table *)nw};
    if (rc == 0) rc = base ? oups_table_concat(&cat, parts, 2) : oups_table_slice(&cat, nw, 0, oups_table_num_rows(nw));
    if (rc == 0 && h->snaps) rc = oups_table_dedup_last(&dd, cat, k->names, k->n);
    if (rc == 0) rc = oups_table_sort(&sorted, dd ? dd : cat, k->names, k->n);
    int64_t n = rc == 0 ? oups_table_num_rows(sorted) : 0, cut = n;
    if (rc == 0 && n > 0) { /* W: the smallest label of the groups' last rows */
        const oups_column *lab = NULL;
        if (k->n_by) {
            rc = oups_table_dedup_last(&last, sorted, (const char *const *)k->by, k->n_by);
            lab = rc == 0 ? oups_table_column(last, oups_table_column_index(last, k->names[0])) : NULL;
        } else rc = oups_table_slice(&last, sorted, n - 1, 1);
        if (rc == 0 && !lab) lab = oups_table_column(last, oups_table_column_index(last, k->names[0]));
        oups_scalar w;
        int64_t wi = 0;
        for (int64_t i = 1; rc == 0 && i < oups_table_num_rows(last); i++) {
            oups_column_get_scalar(&w, lab, wi);
            if (oups_column_compare_scalar(lab, i, &w) < 0) wi = i;
        }
        if (rc == 0) {
            oups_column_get_scalar(&w, lab, wi);
            rc = oups_column_search_sorted(&cut, oups_table_column(sorted, oups_table_column_index(sorted, k->names[0])),
                                           &w, OUPS_SIDE_LEFT);
        }
    }
    oups_table *rest = NULL;
    if (rc == 0) rc = oups_table_slice(ready, sorted, 0, cut);
    if (rc == 0) rc = oups_table_slice(&rest, sorted, cut, n - cut);
    if (rc == 0) {
        oups_table_free(h->rows);
        h->rows = rest;
    }
    oups_table_free(base);
    oups_table_free(cat);
    oups_table_free(dd);
    oups_table_free(sorted);
    oups_table_free(last);
    return rc < 0 ? cli_fail_lib(rc, NULL) : 0;
}


/* The inputs, chunk by chunk (cli_input), through the aggregator; outputs as they are final.
 * 1 if no chunk had rows (the caller prints the headers), 0, or < 0 (printed). */
static int stream(oups_segagg *sa, const agg_args *a, const agg_keys *k, const char *format) {
    cli_input_options io = CLI_INPUT_OPTIONS_INIT;
    io.schema_spec = a->live.schema_spec;
    io.csv = a->live.csv;
    /* 4 MiB CSV blocks, as store write: on a 262 MB CSV, peak RSS 14 MB (16 MiB: 43 MB, over a
     * 64 MB `ulimit -v` once the address space of the libraries is counted), and less CPU. */
    io.csv.block_bytes = (size_t)4 << 20;
    cli_input *in = NULL;
    held hb = {0}, hs = {.snaps = true};
    cli_sink sb = {.path = a->out, .format = format}, ss = {.path = a->snaps_out, .format = format};
    oups_table *chunk = NULL, *bins = NULL, *snaps = NULL, *ready = NULL;
    bool any = false;
    int rc = cli_input_open(&in, a->in, a->n_in, &io);
    while (rc >= 0 && (rc = cli_input_next(&chunk, in)) == 1) {
        if (oups_table_num_rows(chunk) > 0) {
            any = true;
            if ((rc = oups_segagg_process(&bins, &snaps, sa, chunk)) < 0) rc = cli_fail_lib(rc, cli_input_name(in));
            if (rc == 0) rc = held_add(&ready, &hb, bins, k);
            if (rc == 0) rc = cli_sink_write(&sb, ready);
            oups_table_free(ready);
            ready = NULL;
            if (rc == 0 && snaps && (rc = held_add(&ready, &hs, snaps, k)) == 0) rc = cli_sink_write(&ss, ready);
            oups_table_free(ready);
            ready = NULL;
        }
        oups_table_free(chunk);
        oups_table_free(bins);
        oups_table_free(snaps);
        chunk = bins = snaps = NULL;
    }
    /* the end: every held row is final (held rows are in order already) */
    if (rc == 0 && hb.rows) rc = cli_sink_write(&sb, hb.rows);
    if (rc == 0 && hs.rows) rc = cli_sink_write(&ss, hs.rows);
    if (rc == 0 && !any && !strcmp(format, "parquet")) { /* no rows: the columns still are known */
        if ((rc = oups_segagg_process(&bins, &snaps, sa, cli_input_schema(in))) < 0) rc = cli_fail_lib(rc, NULL);
        if (rc == 0) rc = cli_sink_write(&sb, bins);
        if (rc == 0 && snaps) rc = cli_sink_write(&ss, snaps);
        any = true;
    }
    int rc2 = cli_sink_close(&sb, rc == 0);
    int rc3 = cli_sink_close(&ss, rc == 0);
    cli_input_close(in);
    oups_table_free(bins);
    oups_table_free(snaps);
    oups_table_free(hb.rows);
    oups_table_free(hs.rows);
    if (rc < 0 || rc2 < 0 || rc3 < 0) return rc < 0 ? rc : OUPS_EIO;
    return any ? 0 : 1;
}

static int save_agg(uint8_t **out, size_t *len, const void *sa) { return oups_segagg_save(out, len, sa); }

static int live_process(oups_table **outs, void *sa, const oups_table *chunk) {
    int rc = oups_segagg_process(&outs[0], &outs[1], sa, chunk);
    return rc < 0 ? cli_fail_lib(rc, "<stdin>") : 0;
}

static int live_load(void *sa, const uint8_t *blob, size_t len) {
    int rc = oups_segagg_load(sa, blob, len);
    return rc < 0 ? cli_fail_lib(rc, "the state") : 0;
}

/* --input -: the live driver with this aggregator (live.c). */
static int run_live(oups_segagg *sa, const agg_args *a, char **by, int n_by, const char *format) {
    cli_live_job job = {.obj = sa, .n_outputs = a->snap_by ? 2 : 1, .out_format = format, .key = a->on,
                        .by = (const char *const *)by, .n_by = n_by, .process = live_process, .save = save_agg,
                        .load = live_load};
    if (a->live.store_out) {
        job.store_out[0] = a->live.store_out;
        job.store_out[1] = a->snaps_out;
    } else {
        job.out[0] = a->out;
        job.out[1] = a->snaps_out;
    }
    return cli_live_run(&a->live, a->state, &job);
}

int oups_cli_agg(int argc, char **argv) {
    agg_args a;
    int rc = parse_args(&a, argc, argv);
    if (rc) return rc < 0 ? 0 : rc;
    if (a.live.print_offset) return cli_live_print_offset(a.state);
    oups_segagg_options o = OUPS_SEGAGG_OPTIONS_INIT;
    oups_segagg_agg aggs[256];
    char **by = NULL, *by_copy = NULL;
    int n_by = 0;
    rc = make_options(&o, aggs, &by, &n_by, &by_copy, &a);
    if (rc) {
        free(by);
        free(by_copy);
        return rc;
    }
    const char *format = a.format ? a.format : "csv";
    oups_segagg *sa = NULL;
    uint8_t *blob = NULL;
    size_t len = 0;
    int status = 1;
    if ((rc = oups_segagg_new(&sa, &o)) < 0) {
        cli_fail_lib(rc, NULL);
        status = 2; /* option values the library refuses (duplicate output names...) */
        goto out;
    }
    if (a.live.input) {
        status = run_live(sa, &a, by, n_by, format);
        goto out;
    }
    if (a.state) {
        if ((rc = cli_read_state(&blob, &len, a.state)) < 0) goto out;
        if (rc == 0 && (rc = oups_segagg_load(sa, blob, len)) < 0) {
            cli_fail_lib(rc, a.state);
            goto out;
        }
    }
    agg_keys keys = {.names = {a.on}, .n = 1 + n_by, .by = by, .n_by = n_by};
    for (int i = 0; i < n_by && i < 64; i++) keys.names[i + 1] = by[i];
    if ((rc = stream(sa, &a, &keys, format)) < 0) goto out;
    if (rc == 1) {
        /* An empty text input has no types: the outputs get the header only (CSV) or nothing
         * (JSONL); the state is unchanged. */
        if (write_header(a.out, &a, aggs, by, n_by, format) < 0 ||
            (a.snaps_out && write_header(a.snaps_out, &a, aggs, by, n_by, format) < 0))
            goto out;
        status = 0;
        goto out;
    }
    /* after the outputs: a crash in between replays this chunk, nothing is lost */
    if (a.state && cli_save_state(a.state, save_agg, sa) < 0) goto out;
    status = 0;
out:
    free(blob);
    oups_segagg_free(sa);
    free(by);
    free(by_copy);
    return status;
}
