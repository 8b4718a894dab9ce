/*
 * tools/oups/cmd_parquet.c: the `oups parquet` subcommands: schema, meta, cat, copy, from-csv.
 * Each parses its own options with getopt_long (options and positionals in any order) and
 * prints "oups: ..." on failure. Table text formats come from csv.h; the Parquet work is the
 * public reader/writer API. `cat` and `copy` stream one row group at a time, so files larger
 * than memory work. Documented in docs/parquet-cli.md.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "csv.h"

enum { OPT_COLUMNS = 256, OPT_ROW_GROUPS, OPT_LIMIT, OPT_FORMAT, OPT_COMPRESSION, OPT_RG_SIZE, OPT_PAGE_VERSION,
       OPT_SCHEMA, OPT_ENCODING, OPT_THREADS };

#define usage_error(cmd, msg) cli_usage_error("parquet", cmd, msg)
#define bad_option(cmd, argv) cli_bad_option("parquet", cmd, argv)

static const char *const usage_text =
    "usage: oups parquet <command> [<args>]\n"
    "\n"
    "commands:\n"
    "  schema FILE [-o OUT]             columns, physical/logical types, nullability\n"
    "  meta FILE [-o OUT]               file metadata as JSON (row groups, stats, encodings)\n"
    "  cat FILE [--columns a,b] [--row-groups 0,2] [--limit N] [--format csv|jsonl|table] [-o OUT]\n"
    "                                   print rows as CSV (header row) or JSON lines\n"
    "  copy IN OUT [--compression C[:level]] [--row-group-size N] [--page-version 1|2]\n"
    "           [--encoding E|col=E,...] [--threads N]\n"
    "                                   rewrite a file with other writer options\n"
    "  from-csv IN OUT.parquet [--schema 'name:type,...'] [--delimiter C] [--no-header]\n"
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
static int parse_encoding(oups_parquet_write_options *o, const char *arg) {
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
        if (oups_parquet_encoding_parse(&e, eq ? eq + 1 : item)) return cli_fail_lib(OUPS_EINVAL, "--encoding");
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

/* Writer options shared by copy and from-csv. */
static int write_option(oups_parquet_write_options *o, int opt, const char *arg) {
    int64_t v = 0;
    switch (opt) {
    case OPT_ENCODING: return parse_encoding(o, arg);
    case OPT_THREADS:
        if (cli_parse_count(&v, "--threads", arg)) return OUPS_EINVAL;
        if (v > 4096) return cli_fail(OUPS_EINVAL, "--threads must be at most 4096");
        o->threads = (int)v;
        return 0;
    case OPT_COMPRESSION:
        if (oups_codec_parse(&o->codec, &o->codec_level, arg)) return cli_fail_lib(OUPS_EINVAL, "--compression");
        return 0;
    case OPT_RG_SIZE:
        if (cli_parse_count(&v, "--row-group-size", arg)) return OUPS_EINVAL;
        if (v == 0) return cli_fail(OUPS_EINVAL, "--row-group-size must be at least 1");
        o->row_group_size = v;
        return 0;
    case OPT_PAGE_VERSION:
        if (strcmp(arg, "1") && strcmp(arg, "2")) return cli_fail(OUPS_EINVAL, "--page-version must be 1 or 2");
        o->data_page_version = atoi(arg);
        return 0;
    }
    return OUPS_EINVAL;
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

/* ---- cat --------------------------------------------------------------------------------- */

/* Without --columns, a file that also has nested columns prints its flat ones (cols stays NULL
 * when every column is readable); the nested ones are named on stderr. */
static int flat_columns(char ***cols, int *n, oups_parquet_reader *r, const char *path) {
    oups_table *all = NULL;
    if (oups_parquet_reader_schema(&all, r) == 0) {
        oups_table_free(all);
        return 0;
    }
    int nc = oups_parquet_reader_num_columns(r), dummy = 0;
    *cols = calloc((size_t)nc + 1, sizeof **cols);
    if (!*cols) return cli_fail(OUPS_ENOMEM, "out of memory");
    *n = 0;
    for (int c = 0; c < nc; c++) {
        const char *name = NULL;
        oups_table *t = NULL;
        if (oups_parquet_reader_column_name(&name, r, c)) continue;
        if (oups_parquet_reader_read(&t, r, &dummy, 0, &name, 1) == 0) (*cols)[(*n)++] = (char *)name;
        else fprintf(stderr, "oups: %s: skipping column '%s' (nested: not supported)\n", path, name);
        oups_table_free(t);
    }
    if (*n == 0) return cli_fail(OUPS_EUNSUPPORTED, "%s: no column can be read (all are nested)", path);
    return 0;
}

static int cmd_cat(int argc, char **argv) {
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'},         {"output", required_argument, NULL, 'o'},
        {"columns", required_argument, NULL, OPT_COLUMNS}, {"row-groups", required_argument, NULL, OPT_ROW_GROUPS},
        {"limit", required_argument, NULL, OPT_LIMIT},    {"format", required_argument, NULL, OPT_FORMAT},
        {NULL, 0, NULL, 0}};
    const char *out_path = NULL, *format = "csv", *columns = NULL, *row_groups = NULL;
    int64_t limit = -1;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            printf("usage: oups parquet cat FILE [--columns a,b] [--row-groups 0,2] [--limit N]\n"
                   "                          [--format csv|jsonl|table] [-o OUT]\n\n"
                   "Print rows. CSV has a header row (RFC 4180 quoting); nulls are empty fields, empty strings\n"
                   "are \"\"; floats in shortest round-trip form; timestamps ISO 8601 with the unit's digits\n"
                   "(Z when the column has a timezone); dates YYYY-MM-DD; binary as hex; decimals exact.\n"
                   "JSONL: one object per row, numbers as numbers, null for nulls (and NaN/inf).\n"
                   "table: a box with names and types, for reading (first and last 20 rows beyond 40).\n");
            return 0;
        case 'o': out_path = optarg; break;
        case OPT_COLUMNS: columns = optarg; break;
        case OPT_ROW_GROUPS: row_groups = optarg; break;
        case OPT_LIMIT:
            if (cli_parse_count(&limit, "--limit", optarg)) return 2;
            break;
        case OPT_FORMAT:
            if (strcmp(optarg, "csv") && strcmp(optarg, "jsonl") && strcmp(optarg, "table"))
                return usage_error("cat", "--format is csv, jsonl or table");
            format = optarg;
            break;
        default: return bad_option("cat", argv);
        }
    }
    if (argc - optind != 1) return usage_error("cat", "expected one FILE");
    const char *path = argv[optind];
    oups_parquet_reader *r = NULL;
    char **cols = NULL, *cols_copy = NULL, **rgs = NULL, *rgs_copy = NULL;
    int n_cols = 0, n_rg = 0, *rg_list = NULL;
    FILE *f = NULL;
    oups_table *schema = NULL;
    int rc = oups_parquet_reader_open(&r, path);
    if (rc) {
        cli_fail_lib(rc, NULL);
        goto out;
    }
    const int total_rg = oups_parquet_reader_num_row_groups(r);
    if (columns && (rc = cli_split_list(&cols, &n_cols, &cols_copy, columns))) goto out;
    if (!columns && (rc = flat_columns(&cols, &n_cols, r, path))) goto out;
    if (row_groups) {
        if ((rc = cli_split_list(&rgs, &n_rg, &rgs_copy, row_groups))) goto out;
    } else {
        n_rg = total_rg;
    }
    rg_list = calloc((size_t)n_rg + 1, sizeof *rg_list);
    if (!rg_list) {
        rc = cli_fail(OUPS_ENOMEM, "out of memory");
        goto out;
    }
    for (int i = 0; i < n_rg; i++) {
        int64_t v = i;
        if (rgs && (rc = cli_parse_count(&v, "--row-groups", rgs[i]))) goto out;
        if (v >= total_rg) {
            rc = cli_fail(OUPS_EINVAL, "%s: row group %lld does not exist (the file has %d)", path, (long long)v,
                          total_rg);
            goto out;
        }
        rg_list[i] = (int)v;
    }
    if ((rc = cli_open_output(&f, out_path))) goto out;
    /* The header comes from the schema, so an empty selection still prints it. */
    oups_table *all = NULL;
    rc = oups_parquet_reader_schema(&all, r);
    if (rc == 0 && cols) rc = oups_table_select(&schema, all, (const char *const *)cols, n_cols);
    else if (rc == 0) schema = oups_table_retain(all);
    if (rc == OUPS_EUNSUPPORTED && cols) /* a partly nested file: the schema of the columns read */
        rc = oups_parquet_reader_read(&schema, r, rg_list, 0, (const char *const *)cols, n_cols);
    oups_table_free(all);
    if (rc) {
        cli_fail_lib(rc, NULL);
        goto out;
    }
    if ((rc = cli_write_header(f, schema, format))) goto out;
    for (int i = 0; i < n_rg && limit != 0; i++) {
        oups_table *t = NULL, *part = NULL;
        rc = oups_parquet_reader_read(&t, r, &rg_list[i], 1, (const char *const *)cols, cols ? n_cols : 0);
        if (rc) {
            cli_fail_lib(rc, NULL);
            goto out;
        }
        int64_t n = oups_table_num_rows(t);
        if (limit >= 0 && n > limit) {
            rc = oups_table_slice(&part, t, 0, limit);
            if (rc) cli_fail_lib(rc, NULL);
            n = limit;
        }
        if (rc == 0) rc = cli_write_rows(f, part ? part : t, format);
        oups_table_free(part);
        oups_table_free(t);
        if (rc) goto out;
        if (limit >= 0) limit -= n;
    }
out:
    if (f) {
        int crc = cli_close_output(f, out_path);
        if (rc == 0) rc = crc;
    }
    oups_table_free(schema);
    oups_parquet_reader_free(r);
    free(cols);
    free(cols_copy);
    free(rgs);
    free(rgs_copy);
    free(rg_list);
    return rc ? 1 : 0;
}

/* ---- copy -------------------------------------------------------------------------------- */

/* Rows waiting to reach a full row group (copy with --row-group-size). */
static int flush_rows(oups_parquet_writer *w, oups_table **pending, int64_t rg_size, bool final) {
    while (*pending && (oups_table_num_rows(*pending) >= rg_size || final)) {
        int64_t n = oups_table_num_rows(*pending), take = n < rg_size ? n : rg_size;
        oups_table *head = NULL, *rest = NULL;
        int rc = oups_table_slice(&head, *pending, 0, take);
        if (rc == 0) rc = oups_parquet_writer_write_row_group(w, head);
        if (rc == 0 && take < n) rc = oups_table_slice(&rest, *pending, take, n - take);
        oups_table_free(head);
        if (rc) {
            oups_table_free(rest);
            return cli_fail_lib(rc, NULL);
        }
        oups_table_free(*pending);
        *pending = rest;
    }
    return 0;
}

/* Append `t` (taken over) to the pending rows and write every full row group. */
static int append_rows(oups_parquet_writer *w, oups_table **pending, oups_table *t, int64_t rg_size) {
    oups_table *parts[2] = {*pending, t}, *joined = t;
    int rc = *pending ? oups_table_concat(&joined, parts, 2) : 0;
    if (*pending) oups_table_free(t);
    if (rc) return cli_fail_lib(rc, NULL);
    oups_table_free(*pending);
    *pending = joined;
    return flush_rows(w, pending, rg_size, false);
}

static int cmd_copy(int argc, char **argv) {
    static const struct option longopts[] = {{"help", no_argument, NULL, 'h'}, WRITE_LONG_OPTIONS, {NULL, 0, NULL, 0}};
    oups_parquet_write_options w = OUPS_PARQUET_WRITE_OPTIONS_INIT;
    bool regroup = false;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 'h') {
            printf("usage: oups parquet copy IN OUT [--compression C[:level]] [--row-group-size N]\n"
                   "                            [--page-version 1|2] [--encoding E|col=E,...] [--threads N]\n\n"
                   "Rewrite IN as OUT with the given writer options (compression default zstd). Row groups are\n"
                   "kept as they are unless --row-group-size is given; key-value metadata is copied. OUT\n"
                   "appears only when complete.\n"
                   "--encoding: auto (default, chosen per column chunk from its values), plain, dictionary,\n"
                   "  delta (integer/date/timestamp columns), byte_stream_split (float columns); E alone sets\n"
                   "  every column, col=E one column.\n"
                   "--threads: threads decoding and encoding the columns of a row group (0, the default:\n"
                   "  OUPS_THREADS or the online cores). The output is the same for every count.\n");
            return 0;
        }
        if (c == '?') return bad_option("copy", argv);
        if (write_option(&w, c, optarg)) return 2;
        regroup |= c == OPT_RG_SIZE;
    }
    if (argc - optind != 2) return usage_error("copy", "expected IN and OUT");
    const char *in = argv[optind], *out = argv[optind + 1];
    oups_parquet_reader *r = NULL;
    oups_parquet_writer *wr = NULL;
    oups_table *schema = NULL, *pending = NULL;
    const char **keys = NULL, **vals = NULL;
    int rc = oups_parquet_reader_open(&r, in);
    if (rc == 0) oups_parquet_reader_set_threads(r, w.threads);
    if (rc == 0) rc = oups_parquet_reader_schema(&schema, r);
    if (rc) {
        cli_fail_lib(rc, NULL);
        goto out;
    }
    int nkv = oups_parquet_reader_kv_count(r);
    keys = calloc((size_t)nkv + 1, sizeof *keys);
    vals = calloc((size_t)nkv + 1, sizeof *vals);
    if (!keys || !vals) {
        rc = cli_fail(OUPS_ENOMEM, "out of memory");
        goto out;
    }
    for (int i = 0; i < nkv; i++) keys[i] = oups_parquet_reader_kv_key(r, i), vals[i] = oups_parquet_reader_kv_value(r, i);
    w.n_kv = nkv;
    w.kv_keys = keys;
    w.kv_values = vals;
    if ((rc = oups_parquet_writer_open(&wr, out, schema, &w))) {
        cli_fail_lib(rc, NULL);
        goto out;
    }
    for (int g = 0; g < oups_parquet_reader_num_row_groups(r); g++) {
        oups_table *t = NULL;
        if ((rc = oups_parquet_reader_read(&t, r, &g, 1, NULL, 0))) {
            cli_fail_lib(rc, NULL);
            goto out;
        }
        if (!regroup) {
            rc = oups_parquet_writer_write_row_group(wr, t);
            oups_table_free(t);
            if (rc) {
                cli_fail_lib(rc, NULL);
                goto out;
            }
            continue;
        }
        oups_table *parts[2] = {pending, t}, *joined = t;
        if (pending && (rc = oups_table_concat(&joined, parts, 2))) {
            oups_table_free(t);
            cli_fail_lib(rc, NULL);
            goto out;
        }
        if (pending) oups_table_free(t), oups_table_free(pending);
        pending = joined;
        if ((rc = flush_rows(wr, &pending, w.row_group_size, false))) goto out;
    }
    if ((rc = flush_rows(wr, &pending, w.row_group_size, true))) goto out;
    if ((rc = oups_parquet_writer_finish(wr))) cli_fail_lib(rc, NULL);
out:
    oups_table_free(pending);
    oups_table_free(schema);
    oups_parquet_writer_free(wr);
    oups_parquet_reader_free(r);
    free(keys);
    free(vals);
    col_enc_free();
    return rc ? 1 : 0;
}

/* ---- from-csv ---------------------------------------------------------------------------- */

static int cmd_from_csv(int argc, char **argv) {
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'}, {"schema", required_argument, NULL, OPT_SCHEMA}, WRITE_LONG_OPTIONS,
        CLI_CSV_LONG_OPTIONS, {NULL, 0, NULL, 0}};
    oups_parquet_write_options w = OUPS_PARQUET_WRITE_OPTIONS_INIT;
    cli_csv_options co = CLI_CSV_OPTIONS_INIT;
    const char *schema = NULL;
    int c, k;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 'h') {
            printf("usage: oups parquet from-csv IN OUT.parquet [--schema 'name:type,...'] [--delimiter C]\n"
                   "       [--no-header] [--compression C[:level]] [--row-group-size N] [--page-version 1|2]\n"
                   "       [--encoding E|col=E,...] [--threads N]   (see 'oups parquet copy --help')\n\n"
                   "Convert CSV (IN: a file, '-' for stdin, or a .gz / .zst file decompressed on the fly), streamed\n"
                   "in blocks: memory stays bounded by one block and one row group, whatever the input size.\n"
                   "Columns not named in --schema are inferred from the first block (16 MiB): integers -> int64,\n"
                   "decimals/exponents -> float64, true/false -> bool, YYYY-MM-DD -> date32, ISO 8601\n"
                   "timestamps -> timestamp[ns] (timestamp[ns,UTC] if all carry Z or an offset), else string.\n"
                   "Types: bool, int8..int64, uint8..uint64, float32, float64, string, binary (hex), date32,\n"
                   "timestamp[s|ms|us|ns] or timestamp[ns,UTC], decimal(p,s). Timestamps are ISO 8601 (date,\n"
                   "'T' or space, up to 9 fraction digits, optional Z or +HH:MM) or integers in the unit.\n"
                   "An empty unquoted field is null. OUT appears only when the conversion succeeded.\n\n"
                   "options:\n" CLI_CSV_OPTIONS_HELP);
            return 0;
        }
        if (c == OPT_SCHEMA) schema = optarg;
        else if (c == '?') return bad_option("from-csv", argv);
        else if ((k = cli_csv_option(&co, c, optarg, "parquet", "from-csv")) != 0) {
            if (k == 2) return 2;
        } else if (write_option(&w, c, optarg)) return 2;
    }
    if (argc - optind != 2) return usage_error("from-csv", "expected IN and OUT.parquet");
    const char *in = argv[optind], *out = argv[optind + 1];
    cli_csv *s = NULL;
    oups_parquet_writer *wr = NULL;
    oups_table *t = NULL, *pending = NULL;
    int rc = cli_csv_open(&s, in, schema, &co);
    if (rc == 0 && (rc = oups_parquet_writer_open(&wr, out, cli_csv_schema(s), &w))) cli_fail_lib(rc, NULL);
    /* blocks regrouped into row groups of --row-group-size rows, as a one-shot write would */
    while (rc == 0 && (rc = cli_csv_next(&t, s)) == 1) rc = append_rows(wr, &pending, t, w.row_group_size);
    if (rc == 0) rc = flush_rows(wr, &pending, w.row_group_size, true);
    if (rc == 0 && (rc = oups_parquet_writer_finish(wr))) cli_fail_lib(rc, NULL);
    oups_table_free(pending);
    oups_parquet_writer_free(wr); /* unfinished: nothing appears at OUT */
    cli_csv_close(s);
    col_enc_free();
    return rc ? 1 : 0;
}

static int cmd_schema(int argc, char **argv) { return cmd_describe(argc, argv, false); }
static int cmd_meta(int argc, char **argv) { return cmd_describe(argc, argv, true); }

int oups_cli_parquet(int argc, char **argv) {
    static const cli_subcommand cmds[] = {{"schema", cmd_schema}, {"meta", cmd_meta}, {"cat", cmd_cat},
                                          {"copy", cmd_copy},     {"from-csv", cmd_from_csv}, {NULL, NULL}};
    return cli_dispatch("parquet", usage_text, cmds, argc, argv);
}
