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
#include "live.h"

enum { OPT_ON = 256, OPT_BIN, OPT_CLOSED, OPT_LABEL, OPT_ORIGIN, OPT_OFFSET, OPT_SNAP, OPT_BY, OPT_AGG, OPT_STATE,
       OPT_SNAPS_OUT, OPT_FORMAT };

static const char *const usage_text =
    "usage: oups agg IN... --ordered-on COL --bin-by PERIOD|rows:N --agg NAME=FUNC:COL... [options]\n"
    "       oups agg --input - [--store-out DATASET --state FILE] --ordered-on COL ... (live mode)\n"
    "\n"
    "Segmented aggregation of ordered tables (.parquet or .csv, read in order as one chunk):\n"
    "rows are cut into bins (a time grid, or N rows per bin), each bin aggregated; optional\n"
    "snapshots observe the bin in progress on a time grid. With --by, bins are kept per group\n"
    "(each group's bins span its own first to last row); rows ordered by (bin, group).\n"
    "\n"
    "options:\n"
    "  --ordered-on COL            order column (timestamp for time grids); names the label column\n"
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
        {"ordered-on", required_argument, 0, OPT_ON}, {"bin-by", required_argument, 0, OPT_BIN},
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

/* Write a table (a file appears only complete: cli_open_output / oups_parquet_write). */
static int write_out(const oups_table *t, const char *path, const char *format) {
    int rc;
    if (!strcmp(format, "parquet")) return (rc = oups_parquet_write(path, t, NULL)) < 0 ? cli_fail_lib(rc, path) : 0;
    FILE *f = NULL;
    if ((rc = cli_open_output(&f, path)) < 0) return rc;
    rc = cli_write_table(f, t, format);
    int rc2 = cli_close_output(f, path);
    return rc < 0 ? rc : rc2;
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

/* The inputs, in order, as one table. */
static int read_inputs(oups_table **out, const agg_args *a) {
    oups_table **t = calloc((size_t)a->n_in, sizeof *t);
    int rc = t ? 0 : cli_fail(OUPS_ENOMEM, "out of memory");
    for (int i = 0; rc == 0 && i < a->n_in; i++)
        rc = cli_read_table_opts(&t[i], a->in[i], cli_path_is_parquet(a->in[i]) ? NULL : a->live.schema_spec, &a->live.csv);
    if (rc == 0 && (rc = oups_table_concat(out, t, a->n_in)) < 0) cli_fail_lib(rc, "inputs");
    for (int i = 0; t && i < a->n_in; i++) oups_table_free(t[i]);
    free(t);
    return rc;
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
    oups_table *in = NULL, *bins = NULL, *snaps = NULL;
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
    if (read_inputs(&in, &a) < 0) goto out;
    if (a.state) {
        if ((rc = cli_read_state(&blob, &len, a.state)) < 0) goto out;
        if (rc == 0 && (rc = oups_segagg_load(sa, blob, len)) < 0) {
            cli_fail_lib(rc, a.state);
            goto out;
        }
    }
    if (oups_table_num_rows(in) == 0 && strcmp(format, "parquet") != 0) {
        /* An empty text input has no types: the outputs get the header only (CSV) or nothing
         * (JSONL); the state is unchanged. */
        if (write_header(a.out, &a, aggs, by, n_by, format) < 0 ||
            (a.snaps_out && write_header(a.snaps_out, &a, aggs, by, n_by, format) < 0))
            goto out;
        status = 0;
        goto out;
    }
    if ((rc = oups_segagg_process(&bins, &snaps, sa, in)) < 0) {
        cli_fail_lib(rc, a.n_in == 1 ? a.in[0] : NULL);
        goto out;
    }
    if (write_out(bins, a.out, format) < 0) goto out;
    if (snaps && write_out(snaps, a.snaps_out, format) < 0) goto out;
    /* after the outputs: a crash in between replays this chunk, nothing is lost */
    if (a.state && cli_save_state(a.state, save_agg, sa) < 0) goto out;
    status = 0;
out:
    free(blob);
    oups_table_free(in);
    oups_table_free(bins);
    oups_table_free(snaps);
    oups_segagg_free(sa);
    free(by);
    free(by_copy);
    return status;
}
