/*
 * tools/oups/cmd_parquet.c: the `oups parquet` subcommands: schema, meta, cat, copy, from-csv.
 * Each parses its own options with getopt_long (options and positionals in any order) and
 * prints "oups: ..." on failure. Table text formats come from csv.h; the Parquet work is the
 * public reader/writer API. `cat` and `copy` stream one row group at a time, so files larger
 * than memory work. Documented in docs/parquet-cli.md.
 */
#include <errno.h>
#include <getopt.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "csv.h"
#include "input.h"

enum { OPT_COLUMNS = 256, OPT_ROW_GROUPS, OPT_LIMIT, OPT_FORMAT, OPT_COMPRESSION, OPT_RG_SIZE, OPT_PAGE_VERSION,
       OPT_SCHEMA, OPT_ENCODING, OPT_THREADS, OPT_INPUT_FORMAT };

#define usage_error(cmd, msg) cli_usage_error("parquet", cmd, msg)
#define bad_option(cmd, argv) cli_bad_option("parquet", cmd, argv)

static const char *const usage_text =
    "usage: oups parquet <command> [<args>]\n"
    "\n"
    "commands:\n"
    "  schema FILE [-o OUT]             columns, physical/logical types, nullability\n"
    "  meta FILE [-o OUT]               file metadata as JSON (row groups, stats, encodings)\n"
    "  cat INPUT... [--columns a,b] [--row-groups 0,2] [--limit N] [--format csv|jsonl|table] [-o OUT]\n"
    "                                   print rows as CSV (header row), JSON lines or a table\n"
    "  copy IN... OUT [--compression C[:level]] [--row-group-size N] [--page-version 1|2]\n"
    "           [--encoding E|col=E,...] [--threads N]\n"
    "                                   rewrite inputs as one file with other writer options\n"
    "  from-csv IN... OUT.parquet [--schema 'name:type,...'] [--delimiter C] [--no-header]\n"
    "           [--compression C[:level]] [--row-group-size N] [--page-version 1|2]\n"
    "           [--encoding E|col=E,...] [--threads N]\n"
    "                                   convert CSV, streamed (types inferred unless given)\n"
    "\n"
    "compression: none, snappy, gzip, zstd (default), lz4_raw, brotli; e.g. zstd:9\n"
    "encoding: auto (default: chosen per column chunk), plain, dictionary, delta, byte_stream_split\n"
    "threads: 0 (default) = OUPS_THREADS or the online cores\n"
    "Run 'oups parquet <command> --help' for details.\n";

/* Per-column choices of the last --encoding (the process keeps them until exit or reset). */
static struct {
    char *copy;
    const char **cols;
    oups_parquet_encoding *encs;
} col_enc;

static void col_enc_free(void) {
    free(col_enc.copy);
    free(col_enc.cols);
    free(col_enc.encs);
    memset(&col_enc, 0, sizeof col_enc);
}

/* --encoding E (every column) or col=E items, comma-separated; the last --encoding wins. */
static int parse_encoding(oups_parquet_write_options *o, const char *arg, const char *cmd) {
    col_enc_free();
    size_t n = 1;
    for (const char *p = arg; *p; p++) n += *p == ',';
    col_enc.copy = strdup(arg);
    col_enc.cols = calloc(n, sizeof *col_enc.cols);
    col_enc.encs = calloc(n, sizeof *col_enc.encs);
    if (!col_enc.copy || !col_enc.cols || !col_enc.encs) return cli_fail(OUPS_ENOMEM, "out of memory");
    o->encoding = OUPS_PARQUET_ENCODING_AUTO;
    int k = 0;
    for (char *item = strtok(col_enc.copy, ","); item; item = strtok(NULL, ",")) {
        char *eq = strchr(item, '=');
        oups_parquet_encoding e;
        if (oups_parquet_encoding_parse(&e, eq ? eq + 1 : item)) {
            char msg[512];
            snprintf(msg, sizeof msg, "bad value '%s' for --encoding: %s", arg, oups_error_last());
            return usage_error(cmd, msg);
        }
        if (!eq) {
            o->encoding = e;
            continue;
        }
        *eq = '\0';
        col_enc.cols[k] = item;
        col_enc.encs[k++] = e;
    }
    o->n_column_encodings = k;
    o->encoding_columns = col_enc.cols;
    o->column_encodings = col_enc.encs;
    return 0;
}

/* Writer options shared by copy and from-csv: 0, or 2 (a usage error, printed). */
static int write_option(oups_parquet_write_options *o, int opt, const char *arg, const char *cmd) {
    int64_t v = 0;
    int k;
    static const char *const page_versions[] = {"1", "2", NULL};
    switch (opt) {
    case OPT_ENCODING:
        if (parse_encoding(o, arg, cmd)) return 2;
        return 0;
    case OPT_THREADS:
        if (cli_opt_int(&v, "parquet", cmd, "--threads", arg, 0, 4096)) return 2;
        o->threads = (int)v;
        return 0;
    case OPT_COMPRESSION:
        if (oups_codec_parse(&o->codec, &o->codec_level, arg)) {
            char msg[512];
            snprintf(msg, sizeof msg, "bad value '%s' for --compression: %s", arg, oups_error_last());
            return usage_error(cmd, msg);
        }
        return 0;
    case OPT_RG_SIZE:
        if (cli_opt_positive(&v, "parquet", cmd, "--row-group-size", arg)) return 2;
        o->row_group_size = v;
        return 0;
    case OPT_PAGE_VERSION:
        if (cli_opt_choice(&k, "parquet", cmd, "--page-version", arg, page_versions)) return 2;
        o->data_page_version = k + 1;
        return 0;
    }
    return usage_error(cmd, "unknown option");
}

#define WRITE_LONG_OPTIONS                                                                                       \
    {"compression", required_argument, NULL, OPT_COMPRESSION}, {"row-group-size", required_argument, NULL, OPT_RG_SIZE}, \
        {"page-version", required_argument, NULL, OPT_PAGE_VERSION}, {"encoding", required_argument, NULL, OPT_ENCODING}, \
        {"threads", required_argument, NULL, OPT_THREADS}

/* ---- schema / meta ------------------------------------------------------------------------- */

static int cmd_describe(int argc, char **argv, bool json) {
    const char *cmd = argv[0], *out_path = NULL;
    static const struct option longopts[] = {{"help", no_argument, NULL, 'h'}, {"output", required_argument, NULL, 'o'},
                                             {NULL, 0, NULL, 0}};
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
        if (c == 'h') {
            printf("usage: oups parquet %s FILE [-o OUT]\n\n%s\n", cmd,
                   json ? "Print the file metadata as JSON: row count, schema, row groups with per-column statistics,\n"
                          "encodings, codecs and sizes, key-value metadata."
                        : "Print the schema, one line per column: name, physical and logical type, nullability.");
            return 0;
        }
        if (c == 'o') out_path = optarg;
        else return bad_option(cmd, argv);
    }
    if (argc - optind != 1) return usage_error(cmd, "expected one FILE");
    oups_parquet_reader *r = NULL;
    char *text = NULL;
    int rc = oups_parquet_reader_open(&r, argv[optind]);
    if (rc == 0) rc = json ? oups_parquet_reader_meta_json(&text, r) : oups_parquet_reader_schema_text(&text, r);
    if (rc) cli_fail_lib(rc, NULL);
    FILE *f = NULL;
    if (rc == 0 && (rc = cli_open_output(&f, out_path)) == 0) {
        size_t n = strlen(text);
        fputs(text, f);
        if (n && text[n - 1] != '\n') putc('\n', f);
        rc = cli_close_output(f, out_path);
    }
    oups_mem_free(text);
    oups_parquet_reader_free(r);
    return rc ? 1 : 0;
}

static const char *const input_formats[] = {"csv", "jsonl", NULL};

/* ---- cat --------------------------------------------------------------------------------- */

static int cmd_cat(int argc, char **argv) {
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'},         {"output", required_argument, NULL, 'o'},
        {"columns", required_argument, NULL, OPT_COLUMNS}, {"row-groups", required_argument, NULL, OPT_ROW_GROUPS},
        {"limit", required_argument, NULL, OPT_LIMIT},    {"format", required_argument, NULL, OPT_FORMAT},
        {"schema", required_argument, NULL, OPT_SCHEMA},  CLI_CSV_LONG_OPTIONS,
        {"input-format", required_argument, NULL, OPT_INPUT_FORMAT}, {NULL, 0, NULL, 0}};
    static const char *const formats[] = {"csv", "jsonl", "table", NULL};
    const char *out_path = NULL, *format = "csv", *columns = NULL, *row_groups = NULL;
    cli_input_options io = CLI_INPUT_OPTIONS_INIT;
    int64_t limit = -1;
    int c, k, fi;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            printf("usage: oups parquet cat INPUT... [--columns a,b] [--row-groups 0,2] [--limit N]\n"
                   "                          [--format csv|jsonl|table] [--schema SPEC] [--delimiter C]\n"
                   "                          [--no-header] [-o OUT]\n\n"
                   "Print the rows of the inputs, one after the other, streamed (one row group or CSV block at\n"
                   "a time). CSV has a header row (RFC 4180 quoting); nulls are empty fields, empty strings\n"
                   "are \"\"; floats in shortest round-trip form; timestamps ISO 8601 with the unit's digits\n"
                   "(Z when the column has a timezone); dates YYYY-MM-DD; binary as hex; decimals exact.\n"
                   "JSONL: one object per row, numbers as numbers, null for nulls (and NaN/inf).\n"
                   "table: a box with names and types, for reading (first and last 20 rows beyond 40).\n"
                   "A Parquet file with nested columns prints its flat ones (the others are named on stderr).\n"
                   "--row-groups: only these row groups of a single Parquet input.\n"
                   "--schema, --delimiter, --no-header: for CSV inputs (see 'oups parquet from-csv --help').\n"
                   "--input-format csv|jsonl: the format of '-' (stdin; default csv).\n\n"
                   CLI_INPUTS_HELP);
            return 0;
        case 'o': out_path = optarg; break;
        case OPT_COLUMNS: columns = optarg; break;
        case OPT_ROW_GROUPS: row_groups = optarg; break;
        case OPT_SCHEMA:
            if (cli_opt_schema(optarg)) return 2;
            io.schema_spec = optarg;
            break;
        case OPT_INPUT_FORMAT:
            if (cli_opt_choice(&fi, "parquet", "cat", "--input-format", optarg, input_formats)) return 2;
            io.stdin_format = input_formats[fi];
            break;
        case OPT_LIMIT:
            if (cli_opt_count(&limit, "parquet", "cat", "--limit", optarg)) return 2;
            break;
        case OPT_FORMAT:
            if (cli_opt_choice(&fi, "parquet", "cat", "--format", optarg, formats)) return 2;
            format = formats[fi];
            break;
        default:
            if ((k = cli_csv_option(&io.csv, c, optarg, "parquet", "cat")) == 2) return 2;
            if (k == 0) return bad_option("cat", argv);
        }
    }
    if (argc - optind < 1) return usage_error("cat", "expected at least one INPUT");
    int64_t *rg_list = NULL;
    int n_rg = 0;
    if (row_groups) {
        int max = 1;
        for (const char *p = row_groups; *p; p++) max += *p == ',';
        if (!(rg_list = calloc((size_t)max, sizeof *rg_list))) return cli_fail(1, "out of memory");
        if (cli_opt_list_int(rg_list, &n_rg, max, "parquet", "cat", "--row-groups", row_groups, 0, INT32_MAX)) {
            free(rg_list);
            return 2;
        }
    }
    char **cols = NULL, *cols_copy = NULL;
    int n_cols = 0;
    FILE *f = NULL;
    cli_input *in = NULL;
    int rc = columns ? cli_split_list(&cols, &n_cols, &cols_copy, columns) : 0;
    io.columns = (const char *const *)cols;
    io.n_columns = n_cols;
    if (rc == 0) rc = cli_input_open(&in, argv + optind, argc - optind, &io);
    if (rc == 0 && rg_list) rc = cli_input_row_groups(in, rg_list, n_rg);
    if (rc == 0) rc = cli_open_output(&f, out_path);
    /* The header comes from the schema, so an empty selection still prints it. */
    if (rc == 0) rc = cli_write_header(f, cli_input_schema(in), format);
    oups_table *t = NULL;
    while (rc == 0 && limit != 0 && (rc = cli_input_next(&t, in)) == 1) {
        oups_table *part = NULL;
        int64_t n = oups_table_num_rows(t);
        rc = 0;
        if (limit >= 0 && n > limit) {
            if ((rc = oups_table_slice(&part, t, 0, limit))) cli_fail_lib(rc, NULL);
            n = limit;
        }
        if (rc == 0) rc = cli_write_rows(f, part ? part : t, format);
        oups_table_free(part);
        oups_table_free(t);
        if (limit >= 0) limit -= n;
    }
    if (f) {
        int crc = cli_close_output(f, out_path);
        if (rc == 0) rc = crc;
    }
    cli_input_close(in);
    free(cols);
    free(cols_copy);
    free(rg_list);
    return rc ? 1 : 0;
}

/* ---- copy -------------------------------------------------------------------------------- */

/* Input tables waiting to be written as output row groups, and their rows. */
typedef struct rows_queue {
    oups_table **t;
    int n, cap;
    int64_t rows;
} rows_queue;

/* Write the queued rows as row groups of `cut` rows; the remainder (< cut rows) stays queued
 * unless `final`. One concatenation per call, so each row is copied once (appending to one
 * growing table instead copied it once per input row group). */
static int queue_flush(oups_parquet_writer *w, rows_queue *q, int64_t cut, bool final) {
    if (q->n == 0 || (!final && q->rows < cut)) return 0;
    oups_table *all = NULL, *rest = NULL;
    int64_t n = q->rows, off = 0;
    int rc = oups_table_concat(&all, q->t, q->n); /* one table: retained, not copied */
    for (int i = 0; i < q->n; i++) oups_table_free(q->t[i]);
    q->n = 0, q->rows = 0;
    while (rc == 0 && off < n && (final || n - off >= cut)) {
        int64_t take = n - off < cut ? n - off : cut;
        oups_table *part = all;
        if (take < n) rc = oups_table_slice(&part, all, off, take);
        if (rc == 0) rc = oups_parquet_writer_write_row_group(w, part);
        if (part != all) oups_table_free(part);
        off += take;
    }
    if (rc == 0 && off < n && (rc = oups_table_slice(&rest, all, off, n - off)) == 0) {
        q->t[q->n++] = rest;
        q->rows = n - off;
    }
    oups_table_free(all);
    return rc ? cli_fail_lib(rc, NULL) : 0;
}

/* Input row groups of at least this many rows are written as they are by copy: gathering
 * them costs a copy of their rows and saves little (122,880-row groups, DuckDB's: +2 % of
 * instructions; 65,536-row groups: -14 % CPU time). */
#define COPY_KEEP_ROWS 100000

/* Queue `t` (taken over). `exact`: row groups of exactly `target` rows (the last one shorter);
 * else input row groups are never split, those under COPY_KEEP_ROWS rows are gathered while
 * their sum stays within `target` rows, the others are written alone. */
static int queue_push(oups_parquet_writer *w, rows_queue *q, oups_table *t, int64_t target, bool exact) {
    int64_t n = oups_table_num_rows(t);
    bool alone = !exact && n >= COPY_KEEP_ROWS;
    int rc = exact || (q->rows + n <= target && !alone) ? 0 : queue_flush(w, q, INT64_MAX, true);
    if (rc == 0 && q->n == q->cap) {
        int cap = q->cap ? 2 * q->cap : 16;
        oups_table **g = realloc(q->t, (size_t)cap * sizeof *g);
        if (!g) rc = cli_fail(OUPS_ENOMEM, "out of memory");
        else q->t = g, q->cap = cap;
    }
    if (rc) {
        oups_table_free(t);
        return rc;
    }
    q->t[q->n++] = t;
    q->rows += n;
    return queue_flush(w, q, exact ? target : INT64_MAX, !exact && (q->rows >= target || alone));
}

/* Row groups of Parquet inputs are gathered up to this many rows by copy (unless
 * --row-group-size): small row groups cost a dictionary, pages and compressor set-ups each (a
 * copy of 65,536-row groups took 15 % more CPU than of one row group), and 262,144 rows
 * (Polars' default) keep peak memory at a few tens of MB. */
#define COPY_GATHER_ROWS 262144

/* A streamed copy allocates and frees row-group-sized buffers over and over; glibc gives them
 * back to the kernel (mmap above 128 KiB, the heap trimmed above twice that) and faults them
 * in again for the next row group: +0.2 s of system time for 6.6M rows in 262,144-row groups.
 * Freed memory is kept for reuse instead (peak RSS is the same). */
static void keep_freed_memory(void) {
#ifdef __GLIBC__
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
}

/* Write the inputs to OUT (appears only when complete) in row groups of w->row_group_size rows
 * (`exact`), or of whole input row groups gathered up to that many rows. Key-value metadata
 * comes from the first input when it is a Parquet file. */
static int write_parquet(cli_input *in, const char *out, oups_parquet_write_options *w, bool exact) {
    oups_parquet_reader *first = NULL;
    oups_parquet_writer *wr = NULL;
    oups_table *t = NULL;
    rows_queue q = {0};
    const char **keys = NULL, **vals = NULL;
    int rc = 0;
    const char *p0 = cli_input_path(in, 0);
    if (cli_path_is_parquet(p0) && (rc = oups_parquet_reader_open(&first, p0))) rc = cli_fail_lib(rc, NULL);
    int nkv = first ? oups_parquet_reader_kv_count(first) : 0;
    keys = calloc((size_t)nkv + 1, sizeof *keys);
    vals = calloc((size_t)nkv + 1, sizeof *vals);
    if (rc == 0 && (!keys || !vals)) rc = cli_fail(OUPS_ENOMEM, "out of memory");
    for (int i = 0; rc == 0 && i < nkv; i++)
        keys[i] = oups_parquet_reader_kv_key(first, i), vals[i] = oups_parquet_reader_kv_value(first, i);
    w->n_kv = nkv;
    w->kv_keys = keys;
    w->kv_values = vals;
    if (rc == 0 && (rc = oups_parquet_writer_open(&wr, out, cli_input_schema(in), w))) cli_fail_lib(rc, NULL);
    oups_parquet_reader_free(first); /* the writer copied the metadata */
    free(keys);
    free(vals);
    w->n_kv = 0;
    while (rc == 0 && (rc = cli_input_next(&t, in)) == 1) rc = queue_push(wr, &q, t, w->row_group_size, exact);
    if (rc == 0) rc = queue_flush(wr, &q, exact ? w->row_group_size : INT64_MAX, true);
    if (rc == 0 && (rc = oups_parquet_writer_finish(wr))) cli_fail_lib(rc, NULL);
    for (int i = 0; i < q.n; i++) oups_table_free(q.t[i]);
    free(q.t);
    oups_parquet_writer_free(wr); /* unfinished: nothing appears at OUT */
    return rc;
}

/* copy and from-csv: the same work; from-csv always regroups (CSV blocks are no row groups). */
static int convert(int argc, char **argv, bool from_csv) {
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'}, {"schema", required_argument, NULL, OPT_SCHEMA}, WRITE_LONG_OPTIONS,
        CLI_CSV_LONG_OPTIONS, {"input-format", required_argument, NULL, OPT_INPUT_FORMAT}, {NULL, 0, NULL, 0}};
    const char *cmd = from_csv ? "from-csv" : "copy";
    oups_parquet_write_options w = OUPS_PARQUET_WRITE_OPTIONS_INIT;
    cli_input_options io = CLI_INPUT_OPTIONS_INIT;
    bool regroup = false;
    const char *out_path = NULL; /* -o OUT, as asof/agg/cat take it; else the last operand */
    int c, k;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
        if (c == 'o') {
            out_path = optarg;
            continue;
        }
        if (c == 'h') {
            if (from_csv)
                printf("usage: oups parquet from-csv IN... OUT.parquet (or IN... -o OUT.parquet) [--schema 'name:type,...']\n"
                       "       [--delimiter C] [--no-header] [--compression C[:level]] [--row-group-size N] [--page-version 1|2]\n"
                       "       [--encoding E|col=E,...] [--threads N]   (see 'oups parquet copy --help')\n\n"
                       "Convert CSV (a file, '-' for stdin, or a .gz / .zst file decompressed on the fly), streamed\n"
                       "in blocks: memory stays bounded by one block and one row group, whatever the input size.\n"
                       "Columns not named in --schema are inferred from the first block (16 MiB): integers -> int64,\n"
                       "decimals/exponents -> float64, true/false -> bool, YYYY-MM-DD -> date32, ISO 8601\n"
                       "timestamps -> timestamp[ns] (timestamp[ns,UTC] if all carry Z or an offset), else string.\n"
                       "Types: bool, int8..int64, uint8..uint64, float32, float64, string, binary (hex), date32,\n"
                       "timestamp[s|ms|us|ns] or timestamp[ns,UTC], decimal(p,s). Timestamps are ISO 8601 (date,\n"
                       "'T' or space, up to 9 fraction digits, optional Z or +HH:MM) or integers in the unit.\n"
                       "An empty unquoted field is null. Rows are regrouped into row groups of --row-group-size\n"
                       "rows (default 1048576). OUT appears only when the conversion succeeded.\n\n"
                       "options:\n" CLI_CSV_OPTIONS_HELP "\n" CLI_INPUTS_HELP);
            else
                printf("usage: oups parquet copy IN... OUT (or IN... -o OUT) [--compression C[:level]] [--row-group-size N]\n"
                       "       [--page-version 1|2] [--encoding E|col=E,...] [--threads N]\n"
                       "       [--schema SPEC] [--delimiter C] [--no-header]\n\n"
                       "Write the inputs, one after the other, as one Parquet file OUT with the given writer\n"
                       "options (compression default zstd), streamed row group by row group. Row groups of\n"
                       "Parquet inputs and datasets are never split: consecutive ones under 100000 rows are\n"
                       "gathered while their rows add up to at most 262144, others are kept as they are, so\n"
                       "memory stays about one row group. --row-group-size N cuts row groups of exactly N rows instead (CSV inputs\n"
                       "are always cut so, default 1048576 rows). The key-value metadata of the first input is\n"
                       "copied when it is a Parquet file. OUT appears only when complete.\n"
                       "--encoding: auto (default, chosen per column chunk from its values), plain, dictionary,\n"
                       "  delta (integer/date/timestamp columns), byte_stream_split (float columns); E alone sets\n"
                       "  every column, col=E one column.\n"
                       "--threads: threads decoding and encoding the columns of a row group (0, the default:\n"
                       "  OUPS_THREADS or the online cores). The output is the same for every count.\n"
                       "--schema, --delimiter, --no-header: for CSV inputs (see 'oups parquet from-csv --help').\n"
                       "--input-format csv|jsonl: the format of '-' (stdin; default csv).\n\n"
                       CLI_INPUTS_HELP);
            col_enc_free();
            return 0;
        }
        if (c == OPT_SCHEMA) {
            if (cli_opt_schema(optarg)) return col_enc_free(), 2;
            io.schema_spec = optarg;
        } else if (c == OPT_INPUT_FORMAT) {
            if (cli_opt_choice(&k, "parquet", cmd, "--input-format", optarg, input_formats)) return col_enc_free(), 2;
            io.stdin_format = input_formats[k];
        } else if (c == '?') return col_enc_free(), bad_option(cmd, argv);
        else if ((k = cli_csv_option(&io.csv, c, optarg, "parquet", cmd)) != 0) {
            if (k == 2) return col_enc_free(), 2;
        } else if (write_option(&w, c, optarg, cmd)) return col_enc_free(), 2;
        regroup |= c == OPT_RG_SIZE;
    }
    int n_in = argc - optind - (out_path ? 0 : 1);
    if (n_in < 1) return col_enc_free(), usage_error(cmd, from_csv ? "expected IN and OUT.parquet" : "expected IN and OUT");
    if (!out_path) out_path = argv[argc - 1];
    cli_input *in = NULL;
    int rc = cli_input_open(&in, argv + optind, n_in, &io);
    if (rc == 0) {
        cli_input_set_threads(in, w.threads);
        bool exact = from_csv || regroup || !cli_input_row_grouped(in);
        if (!exact) w.row_group_size = COPY_GATHER_ROWS;
        keep_freed_memory();
        rc = write_parquet(in, out_path, &w, exact);
    }
    cli_input_close(in);
    col_enc_free();
    return rc ? 1 : 0;
}

static int cmd_copy(int argc, char **argv) { return convert(argc, argv, false); }
static int cmd_from_csv(int argc, char **argv) { return convert(argc, argv, true); }
static int cmd_schema(int argc, char **argv) { return cmd_describe(argc, argv, false); }
static int cmd_meta(int argc, char **argv) { return cmd_describe(argc, argv, true); }

int oups_cli_parquet(int argc, char **argv) {
    static const cli_subcommand cmds[] = {{"schema", cmd_schema}, {"meta", cmd_meta}, {"cat", cmd_cat},
                                          {"copy", cmd_copy},     {"from-csv", cmd_from_csv}, {NULL, NULL}};
    return cli_dispatch("parquet", usage_text, cmds, argc, argv);
}
