/*
 * tools/oups/cmd_store.c: the `oups store` subcommands: write, read, info, check, keys, rm,
 * on ordered parquet datasets (include/oups/store.h). Options are parsed with getopt_long
 * (options and positionals in any order); failures print one "oups: ..." line. Table text
 * I/O comes from csv.h. `read` streams one row group at a time. Documented in docs/store.md.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "csv.h"
#include "input.h"

enum { OPT_ORDERED_ON = 256, OPT_RG_SIZE, OPT_DUP_ON, OPT_DUP_ALL, OPT_MAX_OFF, OPT_KV, OPT_KV_DEL, OPT_COMPRESSION,
       OPT_START, OPT_END, OPT_COLUMNS, OPT_FORMAT, OPT_SCHEMA, OPT_SEP, OPT_REPAIR, OPT_LOCK_TIMEOUT, OPT_LIMIT,
       OPT_STATS, OPT_NEW_COLUMNS, OPT_INPUT_FORMAT };

#define usage_error(cmd, msg) cli_usage_error("store", cmd, msg)
#define bad_option(cmd, argv) cli_bad_option("store", cmd, argv)

static const char *const usage_text =
    "usage: oups store <command> [<args>]\n"
    "\n"
    "commands:\n"
    "  write DATASET --ordered-on COL [--row-group-size N|PERIOD] [--duplicates-on a,b | --duplicates-on-all]\n"
    "        [--max-n-off-target-rgs N] [--kv k=v]... [--kv-del k]... [--compression C] [--allow-new-columns]\n"
    "        INPUT...\n"
    "                         merge rows into an ordered dataset (created if missing), streamed\n"
    "  read DATASET [--start V] [--end V] [--columns a,b] [--limit N] [--format csv|jsonl|table|parquet] [-o OUT]\n"
    "                         print rows with start <= key < end\n"
    "  info DATASET           ordered_on, row groups (file id, rows, min, max), metadata as JSON\n"
    "  check DATASET [--repair [--ordered-on COL]]\n"
    "                         verify files against the metadata (--repair: finish or rebuild safely)\n"
    "  keys ROOT --schema SPEC [--sep C]\n"
    "                         list the dataset keys of a store (SPEC e.g. 'quantity:str,city:str/freq:str')\n"
    "  rm DATASET             delete a dataset\n"
    "\n"
    "A dataset DIR is DIR/file_NNNNN.parquet (one row group each), DIR_opdmd and, while open, DIR.lock.\n"
    "Every command on a dataset takes --lock-timeout SECONDS (default 10): read, info and check share\n"
    "the lock, write, rm and check --repair take it alone.\n"
    "Run 'oups store <command> --help' for details.\n";

#define LOCK_TIMEOUT_DEFAULT_MS 10000
#define LOCK_TIMEOUT_HELP                                                                                          \
    "--lock-timeout SECONDS: wait at most this long for the dataset's lock (default 10; 0: try once); after\n" \
    "  1 s of waiting, \"oups: waiting for lock on DATASET ...\" is printed once on stderr.\n"

/* --lock-timeout SECONDS (a decimal number >= 0) in milliseconds; the usage exit code if bad. */
static int opt_seconds(int64_t *ms, const char *cmd, const char *opt, const char *text) {
    char *e;
    errno = 0;
    double v = strtod(text, &e);
    if (!*text || *e || errno || !(v >= 0) || v > 1e9) {
        char msg[160];
        snprintf(msg, sizeof msg, "bad value '%s' for %s: not a number of seconds >= 0", text, opt);
        return usage_error(cmd, msg);
    }
    *ms = (int64_t)(v * 1000 + 0.5);
    return 0;
}

/* `open` with a lock timeout of at most 1 s first; if the lock is still busy and the timeout
 * allows more, say so once on stderr and wait the rest. 0, or the error printed. */
static int with_lock_wait(const char *path, int64_t timeout_ms, int (*open)(int64_t ms, void *ctx), void *ctx) {
    int64_t first = timeout_ms > 1000 ? 1000 : timeout_ms;
    int rc = open(first, ctx);
    if (rc == OUPS_ETIMEOUT && timeout_ms > first) {
        fprintf(stderr, "oups: waiting for lock on %s ...\n", path);
        fflush(stderr);
        rc = open(timeout_ms - first, ctx);
    }
    if (rc == OUPS_ETIMEOUT)
        return cli_fail(rc, "%s: lock not acquired within %.3g s (--lock-timeout): another process is using the "
                        "dataset", path, (double)timeout_ms / 1000.0);
    return rc ? cli_fail_lib(rc, NULL) : 0;
}

typedef struct opd_open_ctx {
    oups_opd **out;
    const char *path;
    oups_opd_options o;
} opd_open_ctx;

static int opd_open_ms(int64_t ms, void *ctx) {
    opd_open_ctx *c = ctx;
    c->o.lock_timeout_ms = ms;
    return oups_opd_open(c->out, c->path, &c->o);
}

/* Open (and lock) a dataset, waiting for the lock as with_lock_wait says. */
static int open_dataset(oups_opd **out, const char *path, bool read_only, int64_t timeout_ms) {
    opd_open_ctx c = {out, path, OUPS_OPD_OPTIONS_INIT};
    c.o.read_only = read_only;
    return with_lock_wait(path, timeout_ms, opd_open_ms, &c);
}

/* Open an existing dataset (refusing to create one); read-only ones change no file. */
static int open_existing(oups_opd **out, const char *path, bool read_only, int64_t timeout_ms) {
    char md[4096];
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/') n--;
    snprintf(md, sizeof md, "%.*s_opdmd", (int)n, path);
    if (access(md, F_OK) != 0) return cli_fail(OUPS_ENOTFOUND, "%s: no such dataset (no metadata file %s)", path, md);
    return open_dataset(out, path, read_only, timeout_ms);
}

/* ---- write ---------------------------------------------------------------------------------- */

/* Schema spec "name:type,..." of an open dataset (NULL if it has no rows), so CSV input gets
 * the dataset's types. Read under the dataset's lock: a concurrent writer may be renaming. */
static int dataset_schema_spec(char **out, const oups_opd *opd) {
    *out = NULL;
    if (oups_opd_len(opd) == 0) return 0;
    oups_table *t;
    int rc = oups_opd_schema(&t, opd);
    if (rc) return cli_fail_lib(rc, NULL);
    size_t len = 0;
    FILE *m = open_memstream(out, &len);
    if (!m) rc = cli_fail(OUPS_ENOMEM, "out of memory");
    for (int i = 0; m && i < oups_table_num_columns(t); i++) {
        char tb[80];
        fprintf(m, "%s%s:%s", i ? "," : "", oups_table_column_name(t, i),
                oups_datatype_format(oups_column_type(oups_table_column(t, i)), tb, sizeof tb));
    }
    if (m) fclose(m);
    oups_table_free(t);
    return rc;
}

/* With a period strategy (the row-group size is then not a row count), rows of one period
 * buffered before they are written even though the period is not complete. */
#define PERIOD_CHUNK_ROWS ((int64_t)1 << 20)

static int64_t rows_of(const oups_table *t) { return t ? oups_table_num_rows(t) : 0; }

/* A copy of rows [a, a + n) of t owning its buffers (a slice would keep all of t's alive). */
static int copy_rows(oups_table **out, const oups_table *t, int64_t a, int64_t n) {
    int64_t *idx = malloc((size_t)n * sizeof *idx + 1);
    if (!idx) return OUPS_ENOMEM;
    for (int64_t i = 0; i < n; i++) idx[i] = a + i;
    int rc = oups_table_take(out, t, idx, n);
    free(idx);
    return rc;
}

/* Rows buffered for the next write: the chunks read since (not concatenated one by one, which
 * would copy the buffer at each chunk). */
typedef struct pending {
    oups_table **parts;
    int n, cap;
    int64_t rows;
} pending;

static void pending_clear(pending *p) {
    for (int i = 0; i < p->n; i++) oups_table_free(p->parts[i]);
    p->n = 0;
    p->rows = 0;
}

static int pending_add(pending *p, oups_table *t) {
    if (p->n == p->cap) {
        int cap = p->cap ? 2 * p->cap : 16;
        oups_table **a = realloc(p->parts, (size_t)cap * sizeof *a);
        if (!a) {
            oups_table_free(t);
            return cli_fail(OUPS_ENOMEM, "out of memory");
        }
        p->parts = a;
        p->cap = cap;
    }
    p->parts[p->n++] = t;
    p->rows += rows_of(t);
    return 0;
}

/* Nanoseconds per unit of a timestamp (oups_time_unit order). */
static const int64_t to_ns[] = {1000000000, 1000000, 1000, 1};

/* First row of `t` (sorted on its timestamp column c) whose key is >= `start` (ns). */
static int64_t first_at(const oups_table *t, int c, int64_t start) {
    oups_column_view v;
    oups_column_view_get(&v, oups_table_column(t, c));
    const int64_t *k = (const int64_t *)v.data + v.offset, m = to_ns[v.type.unit];
    int64_t lo = 0, hi = v.length;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (k[mid] * m < start) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* How many buffered rows to write now: whole row groups of `target` rows; with a period, the
 * rows before the last period begun (the rest waits for the next chunk, so that no period is
 * split between two writes, which would give it two row groups), or all of them once they
 * reach `target` rows inside one period (memory stays bounded). */
static int chunk_rows(int64_t *n, const pending *p, const oups_store_write_options *o, int64_t target) {
    *n = p->rows - p->rows % target;
    const oups_table *last = p->n ? p->parts[p->n - 1] : NULL;
    int c = last ? oups_table_column_index(last, o->ordered_on) : -1;
    if (!o->row_group_period || rows_of(last) == 0 || c < 0) return 0;
    const oups_datatype *kt = oups_column_type(oups_table_column(last, c));
    if (kt->id != OUPS_TYPE_TIMESTAMP) return 0; /* refused by the store's check */
    oups_column_view v;
    oups_column_view_get(&v, oups_table_column(last, c));
    oups_period per;
    int64_t start;
    int rc = oups_period_parse(&per, o->row_group_period);
    if (rc == 0) rc = oups_period_floor(&start, &per, ((const int64_t *)v.data)[v.offset + v.length - 1] * to_ns[kt->unit]);
    if (rc) return cli_fail_lib(rc, NULL);
    *n = p->rows >= target ? p->rows : 0;
    int64_t before = p->rows;
    for (int j = p->n - 1; j >= 0; j--) { /* the part where the last period begins */
        before -= rows_of(p->parts[j]);
        int64_t at = rows_of(p->parts[j]) ? first_at(p->parts[j], c, start) : 0;
        if (at > 0 || before == 0) {
            if (before + at > 0) *n = before + at;
            break;
        }
    }
    return 0;
}

/* Write the first `n` buffered rows into the transaction; the rest stays buffered. */
static int pending_write(pending *p, int64_t n, oups_opd *opd, const oups_store_write_options *o, const char *name) {
    oups_table *all = NULL, *head = NULL, *rest = NULL;
    int rc = p->n == 1 ? 0 : oups_table_concat(&all, p->parts, p->n);
    if (rc == 0 && p->n == 1) all = oups_table_retain(p->parts[0]);
    if (rc == 0) rc = oups_table_slice(&head, all, 0, n);
    /* copied: the chunk's memory goes before the next chunk is read (the rest is < a chunk) */
    if (rc == 0 && n < p->rows) rc = copy_rows(&rest, all, n, p->rows - n);
    oups_table_free(all);
    pending_clear(p);
    if (rc == 0) rc = oups_opd_write(opd, head, o);
    oups_table_free(head);
    if (rc == 0 && rest) return pending_add(p, rest);
    oups_table_free(rest);
    return rc ? cli_fail_lib(rc, name) : 0;
}

/* Merge the inputs into the dataset in one transaction, in chunks of whole row groups
 * (multiples of the row-group size, or with a period cut where the last period begins),
 * so memory stays about one chunk whatever the input size and, for in-order data, the row
 * groups are those of a single write. Checks the key order across chunks and inputs. Errors
 * printed. */
static int stream_write(oups_opd *opd, cli_input *in, const oups_store_write_options *o) {
    int64_t target = o->row_group_period ? PERIOD_CHUNK_ROWS : o->row_group_rows;
    pending p = {0};
    oups_table *prev = NULL;
    char file[512] = "", prev_file[512] = "";
    int64_t r0 = 0;
    bool wrote = false;
    int rc = oups_opd_begin(opd);
    if (rc) rc = cli_fail_lib(rc, NULL);
    while (rc == 0) {
        oups_table *t = NULL;
        int r = cli_input_next(&t, in);
        if (r <= 0) {
            rc = r;
            break;
        }
        if (strcmp(file, cli_input_name(in)) != 0) {
            snprintf(prev_file, sizeof prev_file, "%s", file);
            snprintf(file, sizeof file, "%s", cli_input_name(in));
            r0 = 0;
        }
        rc = cli_input_check_order(in, t, o->ordered_on, r0, prev, prev_file);
        r0 += rows_of(t);
        if (rc == 0 && rows_of(t) > 0) {
            oups_table_free(prev);
            prev = NULL;
            if ((rc = copy_rows(&prev, t, rows_of(t) - 1, 1)) != 0) rc = cli_fail_lib(rc, NULL);
        }
        if (rc == 0) rc = pending_add(&p, t);
        else oups_table_free(t);
        int64_t n = 0;
        if (rc == 0) rc = chunk_rows(&n, &p, o, target);
        if (rc == 0 && n > 0) {
            rc = pending_write(&p, n, opd, o, file);
            wrote = true;
        }
    }
    /* the rest; an empty input still creates the dataset and updates its metadata */
    if (rc == 0 && (p.rows > 0 || !wrote)) {
        if (p.n == 0) rc = pending_add(&p, oups_table_retain((oups_table *)cli_input_schema(in)));
        if (rc == 0) rc = pending_write(&p, p.rows, opd, o, file[0] ? file : NULL);
    }
    if (rc == 0 && (rc = oups_opd_commit(opd)) != 0) cli_fail_lib(rc, NULL);
    pending_clear(&p);
    free(p.parts);
    oups_table_free(prev);
    return rc;
}

static int cmd_write(int argc, char **argv) {
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'},
        {"ordered-on", required_argument, NULL, OPT_ORDERED_ON},
        {"row-group-size", required_argument, NULL, OPT_RG_SIZE},
        {"duplicates-on", required_argument, NULL, OPT_DUP_ON},
        {"duplicates-on-all", no_argument, NULL, OPT_DUP_ALL},
        {"max-n-off-target-rgs", required_argument, NULL, OPT_MAX_OFF},
        {"kv", required_argument, NULL, OPT_KV},
        {"kv-del", required_argument, NULL, OPT_KV_DEL},
        {"compression", required_argument, NULL, OPT_COMPRESSION},
        {"lock-timeout", required_argument, NULL, OPT_LOCK_TIMEOUT},
        {"allow-new-columns", no_argument, NULL, OPT_NEW_COLUMNS},
        {"input-format", required_argument, NULL, OPT_INPUT_FORMAT},
        CLI_CSV_LONG_OPTIONS,
        {NULL, 0, NULL, 0}};
    static const char *const input_formats[] = {"csv", "jsonl", NULL};
    cli_input_options io = CLI_INPUT_OPTIONS_INIT;
    /* A write holds the raw CSV block, its rows and their copy joined to the rows carried from
     * the block before: 4 MiB blocks keep that near 30 MB (16 MiB: 65 MB), at the same CPU time
     * (bench_cli_memory). */
    io.csv.block_bytes = (size_t)4 << 20;
    oups_store_write_options o = OUPS_STORE_WRITE_OPTIONS_INIT;
    int64_t lock_ms = LOCK_TIMEOUT_DEFAULT_MS;
    oups_parquet_write_options pq = OUPS_PARQUET_WRITE_OPTIONS_INIT;
    const char *dup_on = NULL;
    int n_kv = 0, rc = 0, c;
    char **kv_keys = calloc((size_t)argc + 1, sizeof *kv_keys), **kv_vals = calloc((size_t)argc + 1, sizeof *kv_vals);
    if (!kv_keys || !kv_vals) {
        free(kv_keys);
        free(kv_vals);
        cli_fail(OUPS_ENOMEM, "out of memory");
        return 1;
    }
    optind = 0;
    opterr = 0;
    while (rc == 0 && (c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        char *e;
        switch (c) {
        case 'h':
            printf("usage: oups store write DATASET --ordered-on COL [--row-group-size N|PERIOD]\n"
                   "       [--duplicates-on a,b | --duplicates-on-all] [--max-n-off-target-rgs N]\n"
                   "       [--kv k=v]... [--kv-del k]... [--compression C] [--allow-new-columns]\n"
                   "       [--lock-timeout SECONDS] [--delimiter C] [--no-header] [--input-format csv|jsonl] INPUT...\n\n"
                   "Merge the inputs (one after the other, sorted on COL throughout) into the dataset; only\n"
                   "overlapped row groups are rewritten. The inputs are streamed in chunks of whole row groups\n"
                   "(k x --row-group-size rows; with a period, cut where a period begins), each merged as it\n"
                   "comes, and all committed at the end as one write: memory is about a chunk whatever the\n"
                   "input size, and an error, a kill or a crash part-way leaves the dataset as it was.\n"
                   "CSV columns the dataset has take its types.\n"
                   "--row-group-size: target rows per row group (default 6345000), or a period for a\n"
                   "  timestamp key (ns us ms s min/T h/H D W MS YS, e.g. 2h, D, MS).\n"
                   "--duplicates-on: drop duplicates on these columns (+ COL), last occurrence wins;\n"
                   "  --duplicates-on-all: on all columns.\n"
                   "--max-n-off-target-rgs: coalesce runs of more than N off-target row groups.\n"
                   "--kv k=v / --kv-del k: update the dataset's key-value metadata.\n"
                   "--allow-new-columns: INPUT may have columns the dataset lacks: they are added (row groups\n"
                   "  written before read back with nulls there). Dropping or retyping a column is refused.\n"
                   "--input-format csv|jsonl: the format of '-' (stdin; default csv).\n"
                   LOCK_TIMEOUT_HELP CLI_CSV_OPTIONS_HELP "\n" CLI_INPUTS_HELP);
            free(kv_keys);
            free(kv_vals);
            return 0;
        case OPT_ORDERED_ON: o.ordered_on = optarg; break;
        case OPT_RG_SIZE:
            errno = 0;
            o.row_group_rows = strtoll(optarg, &e, 10);
            if ((*optarg == '-' || (*optarg >= '0' && *optarg <= '9')) && *e == '\0') {
                rc = cli_opt_positive(&o.row_group_rows, "store", "write", "--row-group-size", optarg);
            } else {
                oups_period p;
                if (oups_period_parse(&p, optarg) != 0) {
                    char msg[300];
                    snprintf(msg, sizeof msg, "bad value '%s' for --row-group-size: %s", optarg, oups_error_last());
                    rc = usage_error("write", msg);
                }
                o.row_group_period = optarg;
            }
            break;
        case OPT_DUP_ON: dup_on = optarg; break;
        case OPT_DUP_ALL: o.duplicates = OUPS_DUP_ALL; break;
        case OPT_MAX_OFF:
            rc = cli_opt_positive(&o.max_n_off_target_rgs, "store", "write", "--max-n-off-target-rgs", optarg);
            break;
        case OPT_LOCK_TIMEOUT: rc = opt_seconds(&lock_ms, "write", "--lock-timeout", optarg); break;
        case OPT_NEW_COLUMNS: o.allow_new_columns = true; break;
        case OPT_INPUT_FORMAT: {
            int k;
            if (cli_opt_choice(&k, "store", "write", "--input-format", optarg, input_formats)) rc = 2;
            else io.stdin_format = input_formats[k];
            break;
        }
        case OPT_KV: {
            char *eq = strchr(optarg, '=');
            if (!eq || eq == optarg) {
                char msg[200];
                snprintf(msg, sizeof msg, "bad value '%.100s' for --kv: expected key=value", optarg);
                rc = usage_error("write", msg);
                break;
            }
            *eq = '\0';
            kv_keys[n_kv] = optarg;
            kv_vals[n_kv++] = eq + 1;
            break;
        }
        case OPT_KV_DEL:
            kv_keys[n_kv] = optarg;
            kv_vals[n_kv++] = NULL;
            break;
        case OPT_COMPRESSION:
            if (oups_codec_parse(&pq.codec, &pq.codec_level, optarg)) {
                char msg[300];
                snprintf(msg, sizeof msg, "bad value '%s' for --compression: %s", optarg, oups_error_last());
                rc = usage_error("write", msg);
            }
            break;
        default:
            if ((c = cli_csv_option(&io.csv, c, optarg, "store", "write")) != 1) rc = c == 2 ? 2 : bad_option("write", argv);
            break;
        }
    }
    if (rc == 0 && argc - optind < 2) rc = usage_error("write", "expected DATASET and INPUT...");
    for (int i = optind + 1; rc == 0 && i < argc; i++) { /* it would wait for its own lock */
        char a[4096], b[4096];
        if (realpath(argv[optind], a) && realpath(argv[i], b) && strcmp(a, b) == 0)
            rc = usage_error("write", "the dataset cannot be one of its own inputs");
    }
    if (rc == 0 && !o.ordered_on) rc = usage_error("write", "--ordered-on is required");
    if (rc == 0 && dup_on && o.duplicates == OUPS_DUP_ALL)
        rc = usage_error("write", "--duplicates-on and --duplicates-on-all are exclusive");
    char **dups = NULL, *dups_copy = NULL, *spec = NULL;
    cli_input *in = NULL;
    oups_opd *opd = NULL;
    if (rc == 0 && dup_on) {
        int n;
        rc = cli_split_list(&dups, &n, &dups_copy, dup_on);
        o.duplicates = OUPS_DUP_COLUMNS;
        o.duplicates_on = (const char *const *)dups;
        o.n_duplicates_on = n;
    }
    if (rc == 0) {
        o.n_kv = n_kv;
        o.kv_keys = (const char *const *)kv_keys;
        o.kv_values = (const char *const *)kv_vals;
        o.parquet = &pq;
        rc = open_dataset(&opd, argv[optind], false, lock_ms);
        if (rc == 0) rc = dataset_schema_spec(&spec, opd);
        /* The dataset's types for the CSV columns it has; a column the CSV lacks is left to
         * the store's schema check, which names the dataset, the column and both types. */
        cli_schema types = {0};
        if (rc == 0 && spec) rc = cli_parse_schema(&types, spec);
        io.types = spec ? &types : NULL;
        if (rc == 0) rc = cli_input_open(&in, argv + optind + 1, argc - optind - 1, &io);
        if (rc == 0) rc = stream_write(opd, in, &o);
        cli_input_close(in);
        cli_schema_free(&types);
    }
    oups_opd_close(opd); /* without a commit (an error): rolled back */
    free(spec);
    free(dups);
    free(dups_copy);
    free(kv_keys);
    free(kv_vals);
    return rc == 2 ? 2 : rc ? 1 : 0;
}

/* ---- read ----------------------------------------------------------------------------------- */

/* Order of two key values of one dataset (signed integers, timestamps, date32 or float64). */
static int key_cmp(const oups_scalar *a, const oups_scalar *b) {
    if (a->type.id == OUPS_TYPE_FLOAT64 || a->type.id == OUPS_TYPE_FLOAT32) return (a->v.f > b->v.f) - (a->v.f < b->v.f);
    return (a->v.i > b->v.i) - (a->v.i < b->v.i);
}

static int cmd_read(int argc, char **argv) {
    static const struct option longopts[] = {{"help", no_argument, NULL, 'h'},
                                             {"output", required_argument, NULL, 'o'},
                                             {"start", required_argument, NULL, OPT_START},
                                             {"end", required_argument, NULL, OPT_END},
                                             {"end-excl", required_argument, NULL, OPT_END},
                                             {"columns", required_argument, NULL, OPT_COLUMNS},
                                             {"format", required_argument, NULL, OPT_FORMAT},
                                             {"limit", required_argument, NULL, OPT_LIMIT},
                                             {"stats", no_argument, NULL, OPT_STATS},
                                             {"lock-timeout", required_argument, NULL, OPT_LOCK_TIMEOUT},
                                             {NULL, 0, NULL, 0}};
    const char *out_path = NULL, *start = NULL, *end = NULL, *columns = NULL, *format = "csv";
    int64_t limit = -1, lock_ms = LOCK_TIMEOUT_DEFAULT_MS;
    bool stats = false;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            printf("usage: oups store read DATASET [--start V] [--end V] [--columns a,b] [--limit N]\n"
                   "                          [--format csv|jsonl|table|parquet] [-o OUT] [--stats]\n"
                   "                          [--lock-timeout SECONDS]\n\n"
                   "Print the rows with start <= key < end (--end is exclusive; --end-excl is the same option),\n"
                   "values parsed with the key's type: integers, floats, ISO 8601 timestamps. Only the row groups\n"
                   "whose key range meets [start, end) are read, one at a time, and in a row group the range cuts\n"
                   "only the pages that can hold keys in it are decoded (the Parquet page index).\n"
                   "--columns a,b: only these columns, in this order. --limit N: the first N rows only.\n"
                   "--format parquet needs -o. --stats: print the row groups read and pages decoded on stderr.\n"
                   LOCK_TIMEOUT_HELP
                   "Takes the dataset's lock shared: readers wait only for a writer.\n");
            return 0;
        case 'o': out_path = optarg; break;
        case OPT_START: start = optarg; break;
        case OPT_END:
            if (end && strcmp(end, optarg) != 0) return usage_error("read", "--end given twice");
            end = optarg;
            break;
        case OPT_COLUMNS: columns = optarg; break;
        case OPT_FORMAT:
            if (strcmp(optarg, "csv") && strcmp(optarg, "jsonl") && strcmp(optarg, "table") && strcmp(optarg, "parquet")) {
                char msg[160];
                snprintf(msg, sizeof msg, "bad value '%.40s' for --format: csv, jsonl, table or parquet", optarg);
                return usage_error("read", msg);
            }
            format = optarg;
            break;
        case OPT_LIMIT:
            if (cli_opt_count(&limit, "store", "read", "--limit", optarg)) return 2;
            break;
        case OPT_STATS: stats = true; break;
        case OPT_LOCK_TIMEOUT:
            if (opt_seconds(&lock_ms, "read", "--lock-timeout", optarg)) return 2;
            break;
        default: return bad_option("read", argv);
        }
    }
    if (argc - optind != 1) return usage_error("read", "expected one DATASET");
    bool pq = strcmp(format, "parquet") == 0;
    if (pq && (!out_path || strcmp(out_path, "-") == 0)) return usage_error("read", "--format parquet needs -o FILE");
    oups_opd *opd = NULL;
    char **cols = NULL, *cols_copy = NULL;
    int n_cols = 0;
    FILE *f = NULL;
    oups_parquet_writer *w = NULL;
    oups_scalar s_start, s_end;
    uint8_t b1[256], b2[256];
    int rc = columns ? cli_split_list(&cols, &n_cols, &cols_copy, columns) : 0;
    if (rc == 0) rc = open_existing(&opd, argv[optind], true, lock_ms);
    if (rc == 0 && (start || end) && oups_opd_len(opd) > 0) {
        oups_opd_rg_stats st;
        rc = oups_opd_stats(&st, opd, 0);
        if (rc == 0 && start) rc = cli_parse_value(&s_start, &st.min.type, start, b1, sizeof b1, "--start");
        if (rc == 0 && end) rc = cli_parse_value(&s_end, &st.min.type, end, b2, sizeof b2, "--end");
    }
    if (rc == 0 && !pq) rc = cli_open_output(&f, out_path);
    bool started = false;
    int64_t n = rc == 0 ? oups_opd_len(opd) : 0, left = limit;
    for (int64_t i = 0; rc == 0 && i < n; i++) { /* one row group at a time */
        oups_opd_rg_stats st;
        if (started && left == 0) break;
        rc = oups_opd_stats(&st, opd, i);
        /* row groups the range excludes are skipped without opening them (but the first one
         * opened gives the header, even if no row matches) */
        if (rc == 0 && started && ((start && key_cmp(&st.max, &s_start) < 0) ||
                                   (end && key_cmp(&st.min, &s_end) >= 0)))
            continue;
        oups_opd *v = NULL;
        oups_table *t = NULL;
        if (rc == 0) rc = oups_opd_view(&v, opd, i, i + 1, 1);
        if (rc == 0) rc = oups_opd_read_range(&t, v, start ? &s_start : NULL, end ? &s_end : NULL,
                                              (const char *const *)cols, cols ? n_cols : 0);
        if (rc) cli_fail_lib(rc, NULL);
        if (rc == 0 && left >= 0 && oups_table_num_rows(t) > left) {
            oups_table *s;
            if ((rc = oups_table_slice(&s, t, 0, left)) != 0) cli_fail_lib(rc, NULL);
            oups_table_free(t);
            t = s;
        }
        if (rc == 0 && !started) { /* the header (or file schema) even if no row matches */
            oups_parquet_write_options po = OUPS_PARQUET_WRITE_OPTIONS_INIT;
            if (pq && (rc = oups_parquet_writer_open(&w, out_path, t, &po)) != 0) cli_fail_lib(rc, NULL);
            if (!pq) rc = cli_write_header(f, t, format);
            started = true;
        }
        if (rc == 0 && oups_table_num_rows(t) > 0) {
            if (pq && (rc = oups_parquet_writer_write_row_group(w, t)) != 0) cli_fail_lib(rc, NULL);
            if (!pq) rc = cli_write_rows(f, t, format);
            if (left > 0) left -= oups_table_num_rows(t);
        }
        oups_table_free(t);
        oups_opd_close(v);
    }
    if (rc == 0 && w && (rc = oups_parquet_writer_finish(w)) != 0) cli_fail_lib(rc, NULL);
    oups_parquet_writer_free(w);
    if (f) {
        int rc2 = cli_close_output(f, out_path);
        if (rc == 0) rc = rc2;
    }
    if (rc == 0 && stats) {
        oups_opd_read_stats rs;
        oups_opd_read_stats_get(&rs, opd);
        fprintf(stderr, "oups: store read: %lld of %lld row groups read, %lld pages decoded\n",
                (long long)rs.row_groups_read, (long long)oups_opd_len(opd), (long long)rs.pages_decoded);
    }
    oups_opd_close(opd);
    free(cols);
    free(cols_copy);
    return rc ? 1 : 0;
}

/* ---- info / check / rm ---------------------------------------------------------------------- */

static void json_string(FILE *f, const char *s) {
    putc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') fprintf(f, "\\%c", *p);
        else if (*p < 0x20) fprintf(f, "\\u%04x", *p);
        else putc(*p, f);
    }
    putc('"', f);
}

static int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

/* A key value: a number, or an ISO 8601 string for timestamps and dates. */
static void json_key(FILE *f, const oups_scalar *s) {
    static const int64_t per_s[] = {1, 1000, 1000000, 1000000000};
    static const int digits[] = {0, 3, 6, 9};
    if (s->type.id == OUPS_TYPE_TIMESTAMP || s->type.id == OUPS_TYPE_DATE32) {
        bool ts = s->type.id == OUPS_TYPE_TIMESTAMP;
        int64_t unit = ts ? per_s[s->type.unit] : 1, secs = ts ? floor_div(s->v.i, unit) : s->v.i * 86400;
        int64_t frac = ts ? s->v.i - secs * unit : 0, days = floor_div(secs, 86400), sod = secs - days * 86400, y;
        unsigned m, d;
        cli_civil_from_days(days, &y, &m, &d);
        fprintf(f, "\"%04lld-%02u-%02u", (long long)y, m, d);
        if (ts) {
            fprintf(f, "T%02d:%02d:%02d", (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60));
            if (digits[s->type.unit]) fprintf(f, ".%0*lld", digits[s->type.unit], (long long)frac);
            if (s->type.tz[0]) fputc('Z', f);
        }
        fputc('"', f);
    } else if (s->type.id == OUPS_TYPE_FLOAT64 || s->type.id == OUPS_TYPE_FLOAT32) {
        fprintf(f, "%.17g", s->v.f);
    } else {
        fprintf(f, "%lld", (long long)s->v.i);
    }
}

/* Options of info and rm: --help, --lock-timeout. -1 to go on with *path set, else the exit code. */
static int one_dataset_cmd(int argc, char **argv, const char *help, char **path, int64_t *lock_ms) {
    static const struct option longopts[] = {{"help", no_argument, NULL, 'h'},
                                             {"lock-timeout", required_argument, NULL, OPT_LOCK_TIMEOUT},
                                             {NULL, 0, NULL, 0}};
    int c;
    optind = 0;
    opterr = 0;
    *lock_ms = LOCK_TIMEOUT_DEFAULT_MS;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 'h') {
            printf("%s" LOCK_TIMEOUT_HELP, help);
            return 0;
        }
        if (c == OPT_LOCK_TIMEOUT) {
            if (opt_seconds(lock_ms, argv[0], "--lock-timeout", optarg)) return 2;
            continue;
        }
        return bad_option(argv[0], argv);
    }
    if (argc - optind != 1) return usage_error(argv[0], "expected one DATASET");
    *path = argv[optind];
    return -1; /* go on */
}

static int cmd_info(int argc, char **argv) {
    char *path = NULL;
    int64_t lock_ms;
    int r = one_dataset_cmd(argc, argv,
                            "usage: oups store info DATASET [--lock-timeout SECONDS]\n\nPrint {\"ordered_on\": NAME, \"row_groups\": [{\"file_id\", "
                            "\"n_rows\", \"min\", \"max\"}...],\n\"key_value_metadata\": {...}} (timestamps as ISO 8601).\n",
                            &path, &lock_ms);
    if (r >= 0) return r;
    oups_opd *opd;
    if (open_existing(&opd, path, true, lock_ms)) return 1;
    printf("{\"ordered_on\": ");
    if (oups_opd_ordered_on(opd)) json_string(stdout, oups_opd_ordered_on(opd));
    else printf("null");
    printf(", \"row_groups\": [");
    for (int64_t i = 0; i < oups_opd_len(opd); i++) {
        oups_opd_rg_stats s;
        if (oups_opd_stats(&s, opd, i)) break;
        printf("%s{\"file_id\": %lld, \"n_rows\": %lld, \"min\": ", i ? ", " : "", (long long)s.file_id, (long long)s.n_rows);
        json_key(stdout, &s.min);
        printf(", \"max\": ");
        json_key(stdout, &s.max);
        printf("}");
    }
    printf("], \"key_value_metadata\": {");
    for (int i = 0; i < oups_opd_kv_count(opd); i++) {
        if (i) printf(", ");
        json_string(stdout, oups_opd_kv_key(opd, i));
        printf(": ");
        json_string(stdout, oups_opd_kv_value(opd, i));
    }
    printf("}}\n");
    oups_opd_close(opd);
    return fflush(stdout) == 0 ? 0 : 1;
}

typedef struct repair_ctx {
    const char *path, *ordered_on;
    char *report;
} repair_ctx;

static int repair_ms(int64_t ms, void *ctx) {
    repair_ctx *c = ctx;
    return oups_opd_repair(c->path, c->ordered_on, ms, &c->report);
}

static int cmd_check(int argc, char **argv) {
    static const struct option longopts[] = {{"help", no_argument, NULL, 'h'},
                                             {"repair", no_argument, NULL, OPT_REPAIR},
                                             {"ordered-on", required_argument, NULL, OPT_ORDERED_ON},
                                             {"lock-timeout", required_argument, NULL, OPT_LOCK_TIMEOUT},
                                             {NULL, 0, NULL, 0}};
    bool repair = false;
    const char *ordered_on = NULL;
    int64_t lock_ms = LOCK_TIMEOUT_DEFAULT_MS;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            printf("usage: oups store check DATASET [--repair [--ordered-on COL]] [--lock-timeout SECONDS]\n\n"
                   "Verify the metadata (checksum, file ids 0..n-1, min <= max, max[i] <= min[i+1]) and every\n"
                   "row-group file against it (schema, rows, key order, min/max), and that no stray file exists.\n"
                   "Read-only: changes nothing, even when a write was interrupted (its committed state is\n"
                   "checked where it lies).\n"
                   "--repair: as a writer, finish an interrupted commit whose journal verifies; if the metadata\n"
                   "  or journal is damaged and no staged file (*.parquet.new/.mv) exists, rebuild the metadata\n"
                   "  from the row-group files (needs --ordered-on; key-value metadata is not recovered; the\n"
                   "  damaged file is kept as DATASET_opdmd.damaged). Never deletes a file.\n"
                   LOCK_TIMEOUT_HELP);
            return 0;
        case OPT_REPAIR: repair = true; break;
        case OPT_LOCK_TIMEOUT:
            if (opt_seconds(&lock_ms, "check", "--lock-timeout", optarg)) return 2;
            break;
        case OPT_ORDERED_ON: ordered_on = optarg; break;
        default: return bad_option("check", argv);
        }
    }
    if (argc - optind != 1) return usage_error("check", "expected one DATASET");
    if (ordered_on && !repair) return usage_error("check", "--ordered-on goes with --repair");
    const char *path = argv[optind];
    if (repair) {
        repair_ctx rc_ = {path, ordered_on, NULL};
        int rc = with_lock_wait(path, lock_ms, repair_ms, &rc_);
        char *report = rc_.report;
        if (rc == 0) printf("ok: %s\n", report);
        oups_mem_free(report);
        return rc ? 1 : 0;
    }
    oups_opd *opd;
    if (open_existing(&opd, path, true, lock_ms)) return 1;
    int rc = oups_opd_check(opd);
    if (rc) cli_fail_lib(rc, NULL);
    else if (oups_opd_has_pending_commit(opd))
        printf("ok: %lld row groups (an interrupted commit awaits the next writer or check --repair)\n",
               (long long)oups_opd_len(opd));
    else printf("ok: %lld row groups\n", (long long)oups_opd_len(opd));
    oups_opd_close(opd);
    return rc ? 1 : 0;
}

static int cmd_rm(int argc, char **argv) {
    char *path = NULL;
    int64_t lock_ms;
    int r = one_dataset_cmd(argc, argv, "usage: oups store rm DATASET [--lock-timeout SECONDS]\n\nDelete the dataset's files, metadata "
                            "and lock.\n", &path, &lock_ms);
    if (r >= 0) return r;
    oups_opd *opd;
    if (open_existing(&opd, path, false, lock_ms)) return 1;
    int rc = oups_opd_remove_from_disk(opd, false);
    if (rc) cli_fail_lib(rc, NULL);
    oups_opd_close(opd);
    return rc ? 1 : 0;
}

/* ---- keys ----------------------------------------------------------------------------------- */

static int cmd_keys(int argc, char **argv) {
    static const struct option longopts[] = {{"help", no_argument, NULL, 'h'},
                                             {"schema", required_argument, NULL, OPT_SCHEMA},
                                             {"sep", required_argument, NULL, OPT_SEP},
                                             {NULL, 0, NULL, 0}};
    const char *schema = NULL;
    char sep = '-';
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            printf("usage: oups store keys ROOT --schema SPEC [--sep C]\n\n"
                   "List the keys of the datasets under ROOT, sorted, one per line (fields joined by the\n"
                   "separator, default '-'). SPEC: levels separated by '/', fields 'name:int|str' by ',',\n"
                   "e.g. 'quantity:str,city:str/frequency:str' for paths <quantity>-<city>/<frequency>.\n");
            return 0;
        case OPT_SCHEMA: schema = optarg; break;
        case OPT_SEP:
            if (strlen(optarg) != 1) return usage_error("keys", "--sep is one character");
            sep = optarg[0];
            break;
        default: return bad_option("keys", argv);
        }
    }
    if (argc - optind != 1) return usage_error("keys", "expected one ROOT");
    if (!schema) return usage_error("keys", "--schema is required");
    oups_key_schema *s = NULL;
    oups_store *st = NULL;
    const oups_key *const *keys;
    int64_t n = 0;
    int rc = oups_key_schema_parse(&s, schema, sep);
    if (rc == 0) rc = oups_store_open(&st, argv[optind], s);
    if (rc == 0) rc = oups_store_keys(&keys, &n, st);
    for (int64_t i = 0; rc == 0 && i < n; i++) {
        char *k;
        rc = oups_key_to_str(&k, keys[i]);
        if (rc == 0) puts(k);
        oups_mem_free(k);
    }
    if (rc) cli_fail_lib(rc, NULL);
    oups_store_free(st);
    oups_key_schema_free(s);
    return rc ? 1 : 0;
}

int oups_cli_store(int argc, char **argv) {
    static const cli_subcommand cmds[] = {{"write", cmd_write}, {"read", cmd_read}, {"info", cmd_info},
                                          {"check", cmd_check}, {"keys", cmd_keys}, {"rm", cmd_rm},
                                          {NULL, NULL}};
    return cli_dispatch("store", usage_text, cmds, argc, argv);
}
