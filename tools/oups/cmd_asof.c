/*
 * tools/oups/cmd_asof.c: `oups asof`: as-of join of one group of tables (one join position)
 * against the rows of a main input, with the AsofMerger of liboups (or, with --by, the
 * per-group oups_asof_by_merger). Defaults are those of pandas / Polars / DuckDB (exact
 * matches included, null for no match); --reference-defaults gives the reference merger's.
 * Inputs are read chunk by chunk (Parquet row groups, CSV blocks) and joined in steps: each
 * step takes the rows of every input with key below the smallest "last key read" of the inputs
 * still open, so memory stays bounded by a chunk per input (plus runs of equal keys) while the
 * result equals one merge over whole inputs; forward and nearest add a look-ahead of TABLE rows
 * (fwd_step). The per-step work is asof_chunk() (main rows in, output rows out); outputs are
 * written per step and appear only when complete. With --state FILE the merger's state is loaded before and
 * saved after (atomically), so successive invocations on consecutive chunks continue exactly.
 * Documented in docs/asof.md.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "csv.h"
#include "input.h"
#include "live.h"
#include "records.h"
#include "sink.h"

enum {
    OPT_ON = 256, OPT_MAIN, OPT_NPREV, OPT_ALLOW, OPT_PREFIXES, OPT_SUFFIX, OPT_DIRECTION, OPT_TOL, OPT_STATE,
    OPT_FORMAT, OPT_FILL, OPT_REFDEF, OPT_KEEP, OPT_NOKEEP, OPT_BY
};

static const char *const usage_text =
    "usage: oups asof --on COL --main MAIN TABLE... [options]\n"
    "       oups asof --on COL --input - [--store-out DATASET --state FILE] TABLE... (live mode)\n"
    "\n"
    "As-of join: for each row of MAIN (COL non-decreasing), the row of each TABLE (COL\n"
    "non-decreasing) as of the row's key, optionally with windows\n"
    "of previous values. The TABLEs form one group (one join position). Output: MAIN's columns\n"
    "then each TABLE's value columns (grouped by type). Inputs are read chunk by chunk (Parquet\n"
    "row groups, CSV blocks): memory stays bounded by a chunk per input whatever the input sizes\n"
    "(forward and nearest also hold the TABLE rows up to each target's next row, per --by group).\n"
    "\n"
    "Defaults are those of pandas merge_asof, Polars join_asof and DuckDB ASOF JOIN: a TABLE row\n"
    "at exactly the key is used, and a key with no match gets nulls.\n"
    "\n"
    "options:\n"
    "  --by COL[,COL]              per-group join: a MAIN row matches only TABLE rows with equal\n"
    "                              values in these columns (pandas by=, Polars by=)\n"
    "  --direction D               backward (default), forward or nearest\n"
    "  --tolerance V               max key distance (integer in key units, or a period such as\n"
    "                              5s, 100ms for timestamp keys); beyond it: no match\n"
    "  --allow-exact-matches B,... 0|1 per table (default 1: a row at exactly the key is used)\n"
    "  --fill nulls|zeros|values:FILE[,FILE...]\n"
    "                              what no match gives (default nulls): nulls, the zero of each\n"
    "                              type, or per TABLE a file (CSV or Parquet) with its value\n"
    "                              columns and n-prev + 1 rows, oldest first (the history before\n"
    "                              the first row; the last row is what a miss gives)\n"
    "  --reference-defaults        the reference AsofMerger's defaults: --allow-exact-matches 0\n"
    "                              --fill zeros (explicit flags still win)\n"
    "  --keep-main, --no-keep-main keep MAIN's other columns in the output (default on); a name\n"
    "                              clash with a TABLE column is an error (use --prefixes)\n"
    "  --n-prev N,N,...            previous values per table (default 0; one value: all tables)\n"
    "  --prefixes P,P,...          output name prefix per table (default none)\n"
    "  --n-prev-suffix-start K     suffix of the current value in window names (default 0)\n"
    "  --state FILE                load the merger state from FILE if it exists, save it after\n"
    "                              (consecutive chunks then continue exactly; forward and nearest:\n"
    "                              MAIN in chunks, each TABLE given whole to every call)\n"
    "  --format csv|jsonl|parquet  output format (default csv; parquet needs -o)\n"
    "  -o OUT                      output file (default stdout); appears only when complete\n"
    CLI_CSV_OPTIONS_HELP
    "\n"
    "The first call fixes the output columns from the TABLEs' columns (a Parquet file with 0\n"
    "rows keeps them). CSV types are inferred from values, so there a CSV value column without\n"
    "any value is refused (give that table as Parquet); with a state, CSV inputs take the\n"
    "state's types. Columns are matched by name (any order). Exit status: 0 ok, 1 error, 2 usage\n"
    "error.\n"
    "\n"
    "MAIN and each TABLE is one input spec (a glob or directory reads its files as one input).\n"
    CLI_INPUTS_HELP;

static const char *const live_usage_text = /* apart: one string literal is at most 4095 bytes in C11 */
    "\n" CLI_LIVE_OPTIONS_HELP
    "In the live mode MAIN is stdin and the TABLEs are files, read in step with it (a TABLE\n"
    "stream is not supported); with --store-out the output rows (one per\n"
    "MAIN row) are appended to DATASET, ordered on COL, and a replayed row is not written twice.\n";

#define usage_error(msg) cli_usage_error("asof", NULL, msg)

/* ---- options ----------------------------------------------------------------------------- */

/* Comma-separated list: the number of items, and each item into items[i] (pointers into
 * `buf`, a writable copy). */
static int list_items(char **items, int cap, char *buf) {
    int n = 0;
    for (char *p = buf; n < cap;) {
        items[n++] = p;
        char *c = strchr(p, ',');
        if (!c) break;
        *c = 0;
        p = c + 1;
    }
    return n;
}

/* Integers of a list option, one per table (a single value applies to all); 2 (usage error,
 * printed) if bad. */
static int int_list(int *out, int n_tables, const char *opt, const char *text, int lo, int hi) {
    int64_t v[256];
    int n = 0;
    if (cli_opt_list_int(v, &n, 256, "asof", NULL, opt, text, lo, hi)) return 2;
    if (n != 1 && n != n_tables) {
        char msg[160];
        snprintf(msg, sizeof msg, "bad value '%.60s' for %s: %d values for %d tables", text, opt, n, n_tables);
        return usage_error(msg);
    }
    for (int i = 0; i < n_tables; i++) out[i] = (int)v[n == 1 ? 0 : i];
    return 0;
}

/* --tolerance: an integer in key units, or a fixed period for timestamp keys. With key NULL
 * (before the key type is known) only the syntax is checked. 2 (usage error) if bad. */
static int parse_tolerance(int64_t *out, const char *text, const oups_datatype *key) {
    if (*text >= '0' && *text <= '9' && strspn(text, "0123456789") == strlen(text))
        return cli_opt_count(out, "asof", NULL, "--tolerance", text);
    char msg[256], ty[64];
    oups_period p;
    int64_t ns;
    if (oups_period_parse(&p, text) < 0 || oups_period_nanos(&ns, &p) < 0) {
        snprintf(msg, sizeof msg, "bad value '%.60s' for --tolerance: expected a non-negative integer (key units) or "
                 "a fixed period such as 5s, 100ms", text);
        return usage_error(msg);
    }
    if (!key) return 0;
    if (key->id != OUPS_TYPE_TIMESTAMP) {
        snprintf(msg, sizeof msg, "bad value '%.60s' for --tolerance: a period needs a timestamp key, the key is %s; "
                 "give an integer in key units", text, oups_datatype_format(key, ty, sizeof ty));
        return usage_error(msg);
    }
    static const int64_t per_unit[] = {1000000000, 1000000, 1000, 1}; /* ns per s, ms, us, ns */
    *out = ns / per_unit[key->unit];
    return 0;
}

typedef struct asof_args {
    const char *on, *main, *state, *format, *out, *direction, *tolerance;
    const char *n_prev, *allow, *prefixes, *fill, *by;
    bool ref_defaults, keep_main;
    int suffix_start;
    int n_tables;
    char **tables;
    /* parsed */
    int np[256];
    bool allow_b[256];
    char pbuf[8192], *pre[256];
    oups_asof_fill fill_mode;
    char fbuf[8192], *fill_files[256];
    char bybuf[4096], *by_cols[64];
    int n_by;
    cli_live_options live; /* --input -: MAIN is stdin (live.c) */
} asof_args;

static int parse_fill(asof_args *a) {
    a->fill_mode = a->ref_defaults ? OUPS_ASOF_FILL_ZEROS : OUPS_ASOF_FILL_NULLS;
    if (!a->fill) return 0;
    if (!strcmp(a->fill, "nulls")) a->fill_mode = OUPS_ASOF_FILL_NULLS;
    else if (!strcmp(a->fill, "zeros")) a->fill_mode = OUPS_ASOF_FILL_ZEROS;
    else if (!strncmp(a->fill, "values:", 7) && a->fill[7]) {
        a->fill_mode = OUPS_ASOF_FILL_VALUES;
        snprintf(a->fbuf, sizeof a->fbuf, "%s", a->fill + 7);
        if (list_items(a->fill_files, 256, a->fbuf) != a->n_tables) {
            char msg[128];
            snprintf(msg, sizeof msg, "--fill values:FILE,...: give one file per TABLE (%d)", a->n_tables);
            return usage_error(msg);
        }
    } else {
        char msg[160];
        snprintf(msg, sizeof msg, "bad value '%.60s' for --fill: expected nulls, zeros or values:FILE[,FILE...]", a->fill);
        return usage_error(msg);
    }
    return 0;
}

static int parse_args(asof_args *a, int argc, char **argv) {
    static const struct option opts[] = {
        {"on", required_argument, 0, OPT_ON},
        {"main", required_argument, 0, OPT_MAIN},
        {"n-prev", required_argument, 0, OPT_NPREV},
        {"allow-exact-matches", required_argument, 0, OPT_ALLOW},
        {"prefixes", required_argument, 0, OPT_PREFIXES},
        {"n-prev-suffix-start", required_argument, 0, OPT_SUFFIX},
        {"direction", required_argument, 0, OPT_DIRECTION},
        {"tolerance", required_argument, 0, OPT_TOL},
        {"state", required_argument, 0, OPT_STATE},
        {"format", required_argument, 0, OPT_FORMAT},
        {"fill", required_argument, 0, OPT_FILL},
        {"reference-defaults", no_argument, 0, OPT_REFDEF},
        {"keep-main", no_argument, 0, OPT_KEEP},
        {"no-keep-main", no_argument, 0, OPT_NOKEEP},
        {"by", required_argument, 0, OPT_BY},
        {"help", no_argument, 0, 'h'},
        CLI_CSV_LONG_OPTIONS,
        CLI_LIVE_LONG_OPTIONS,
        {0, 0, 0, 0},
    };
    memset(a, 0, sizeof *a);
    a->keep_main = true;
    a->live = (cli_live_options)CLI_LIVE_OPTIONS_INIT;
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (c) {
        case OPT_ON: a->on = optarg; break;
        case OPT_MAIN: a->main = optarg; break;
        case OPT_NPREV: a->n_prev = optarg; break;
        case OPT_ALLOW: a->allow = optarg; break;
        case OPT_PREFIXES: a->prefixes = optarg; break;
        case OPT_SUFFIX: {
            int64_t v;
            if (cli_opt_int(&v, "asof", NULL, "--n-prev-suffix-start", optarg, -1000000, 1000000)) return 2;
            a->suffix_start = (int)v;
            break;
        }
        case OPT_DIRECTION: a->direction = optarg; break;
        case OPT_TOL: a->tolerance = optarg; break;
        case OPT_STATE: a->state = optarg; break;
        case OPT_FORMAT: a->format = optarg; break;
        case OPT_FILL: a->fill = optarg; break;
        case OPT_REFDEF: a->ref_defaults = true; break;
        case OPT_KEEP: a->keep_main = true; break;
        case OPT_NOKEEP: a->keep_main = false; break;
        case OPT_BY: a->by = optarg; break;
        case 'o': a->out = optarg; break;
        case 'h': fputs(usage_text, stdout), fputs(live_usage_text, stdout); return -1;
        default: {
            int l = c == '?' ? 0 : cli_live_option(&a->live, c, optarg, "asof");
            if (l == 2) return 2;
            if (l == 0) return cli_bad_option("asof", NULL, argv);
        }
        }
    }
    a->n_tables = argc - optind;
    a->tables = argv + optind;
    if (cli_live_check(&a->live, a->state, "asof")) return 2;
    if (a->live.print_offset) return 0;
    if (!a->on) return usage_error("--on COL is required");
    if (a->live.input && a->main) return usage_error("MAIN is --main FILE or stdin (--input -), not both");
    if (a->live.input && a->live.store_out && a->out) return usage_error("-o and --store-out are exclusive");
    if (!a->main && !a->live.input) return usage_error("--main FILE is required");
    if (a->n_tables < 1) return usage_error("at least one TABLE file is required");
    if (a->n_tables > 256) return usage_error("at most 256 tables");
    static const char *const formats[] = {"csv", "jsonl", "parquet", NULL}, *const dirs[] = {"backward", "forward",
                                                                                             "nearest", NULL};
    int choice;
    if (!a->format) a->format = "csv";
    if (cli_opt_choice(&choice, "asof", NULL, "--format", a->format, formats)) return 2;
    if (a->direction && cli_opt_choice(&choice, "asof", NULL, "--direction", a->direction, dirs)) return 2;
    if (!strcmp(a->format, "parquet") && a->live.input && !a->live.store_out)
        return usage_error("the live mode writes csv or jsonl rows as they come, or a store dataset (--store-out)");
    if (!strcmp(a->format, "parquet") && !a->live.input && (!a->out || !strcmp(a->out, "-")))
        return usage_error("--format parquet needs -o OUT");
    int n = a->n_tables, allow[256], rc;
    for (int d = 0; d < n; d++) allow[d] = !a->ref_defaults;
    if (a->n_prev && (rc = int_list(a->np, n, "--n-prev", a->n_prev, 0, 1000000))) return rc;
    if (a->allow && (rc = int_list(allow, n, "--allow-exact-matches", a->allow, 0, 1))) return rc;
    for (int d = 0; d < n; d++) a->allow_b[d] = allow[d];
    if (a->prefixes) {
        snprintf(a->pbuf, sizeof a->pbuf, "%s", a->prefixes);
        if (list_items(a->pre, 256, a->pbuf) != n) {
            char msg[128];
            snprintf(msg, sizeof msg, "--prefixes: give one prefix per table (%d)", n);
            return usage_error(msg);
        }
    }
    int64_t tol;
    if (a->tolerance && (rc = parse_tolerance(&tol, a->tolerance, NULL))) return rc;
    if ((rc = parse_fill(a))) return rc;
    if (a->by) {
        snprintf(a->bybuf, sizeof a->bybuf, "%s", a->by);
        a->n_by = list_items(a->by_cols, 64, a->bybuf);
        for (int i = 0; i < a->n_by; i++)
            if (!*a->by_cols[i] || !strcmp(a->by_cols[i], a->on)) return usage_error("--by: empty name, or the --on column");
    }
    return 0;
}

/* ---- inputs, read chunk by chunk --------------------------------------------------------- */

/* One input (a spec: a file, a glob, a directory or "-"): its reader, the rows read and not
 * yet joined (`buf`, never NULL after open; 0 rows possible), rows read so far (messages give
 * CSV lines, or 1-based rows in the file a chunk came from). */
typedef struct asof_in {
    const char *spec;
    cli_input *in;
    bool typed; /* Parquet or datasets only: the types do not depend on the values */
    oups_table *buf;
    bool ended;
    int64_t n_read, file_row0;
    char file[512]; /* the input the last chunk came from */
} asof_in;

static void in_close(asof_in *s) {
    cli_input_close(s->in);
    oups_table_free(s->buf);
    memset(s, 0, sizeof *s);
}

static int64_t rows(const oups_table *t) { return t ? oups_table_num_rows(t) : 0; }

static const oups_column *key_col(const oups_table *t, const char *on) {
    return oups_table_column(t, oups_table_column_index(t, on));
}

/* Append the next chunk to s->buf: 1, 0 at the end, < 0 (printed). */
static int in_read(asof_in *s, const char *on) {
    oups_table *t = NULL;
    int rc = cli_input_next(&t, s->in);
    if (rc <= 0) {
        if (rc == 0) s->ended = true;
        return rc;
    }
    const char *name = cli_input_name(s->in);
    if (strcmp(name, s->file) != 0) { /* the next file of the spec */
        snprintf(s->file, sizeof s->file, "%s", name);
        s->file_row0 = s->n_read;
    }
    if (oups_table_column_index(t, on) < 0) rc = cli_fail(OUPS_ENOTFOUND, "%s: no column '%s'", s->file, on);
    if (rc >= 0) rc = cli_input_check_order(s->in, t, on, s->n_read - s->file_row0, s->buf, NULL);
    if (rc >= 0 && (rows(t) > 0 || rows(s->buf) == 0)) {
        s->n_read += rows(t);
        if (rows(s->buf) == 0) {
            oups_table_free(s->buf);
            s->buf = t;
            return 1;
        }
        oups_table *both[2] = {s->buf, t}, *cat = NULL;
        if ((rc = oups_table_concat(&cat, both, 2)) < 0) rc = cli_fail_lib(rc, s->file);
        else {
            oups_table_free(s->buf);
            s->buf = cat;
            rc = 1;
        }
    }
    oups_table_free(t);
    return rc < 0 ? rc : 1;
}

/* Open `spec` (CSV columns typed as in `types` when not NULL); s->buf gets the first chunk
 * (0 rows for an input without rows: its columns). */
static int in_open(asof_in *s, const char *spec, const oups_table *types, const char *on, const cli_csv_options *csv) {
    memset(s, 0, sizeof *s);
    s->spec = spec;
    snprintf(s->file, sizeof s->file, "%s", spec);
    cli_schema sch = {0};
    cli_input_options o = CLI_INPUT_OPTIONS_INIT;
    int rc = types ? cli_schema_of_table(&sch, types) : 0;
    o.types = types ? &sch : NULL;
    o.csv = *csv;
    char *specs[1] = {(char *)spec};
    if (rc == 0) rc = cli_input_open(&s->in, specs, 1, &o);
    cli_schema_free(&sch);
    if (rc < 0) return rc;
    s->typed = cli_input_row_grouped(s->in);
    if ((rc = oups_table_slice(&s->buf, cli_input_schema(s->in), 0, 0)) < 0) return cli_fail_lib(rc, spec);
    if (oups_table_column_index(s->buf, on) < 0) return cli_fail(OUPS_ENOTFOUND, "%s: no column '%s'", spec, on);
    rc = in_read(s, on);
    return rc < 0 ? rc : 0;
}

/* Rows [0, n) of s->buf into *out (zero-copy); s->buf keeps the rest. */
static int in_take(oups_table **out, asof_in *s, int64_t n) {
    oups_table *rest = NULL;
    int rc = oups_table_slice(out, s->buf, 0, n);
    if (rc == 0) rc = oups_table_slice(&rest, s->buf, n, rows(s->buf) - n);
    if (rc < 0) return cli_fail_lib(rc, s->file);
    oups_table_free(s->buf);
    s->buf = rest;
    return 0;
}

/* ---- column types ------------------------------------------------------------------------ */

/* The join: the merger, or with --by the per-group merger (the same calls for both). */
typedef struct joiner {
    oups_asof_merger *m;
    oups_asof_by_merger *bm;
    int n_by;
} joiner;

static int j_new(joiner *jn, const oups_asof_merger_options *o, const asof_args *a) {
    jn->n_by = a->n_by;
    int rc = a->n_by ? oups_asof_by_merger_new(&jn->bm, o, (const char *const *)a->by_cols, a->n_by)
                     : oups_asof_merger_new(&jn->m, o);
    return rc < 0 ? cli_fail_lib(rc, NULL) : 0;
}
static void j_free(joiner *jn) {
    oups_asof_merger_free(jn->m);
    oups_asof_by_merger_free(jn->bm);
    jn->m = NULL;
    jn->bm = NULL;
}
/* Not printed (the caller adds the state file and a hint, or cli_save_state names the file). */
static int j_load(joiner *jn, const uint8_t *blob, size_t len) {
    return jn->bm ? oups_asof_by_merger_load(jn->bm, blob, len) : oups_asof_merger_load(jn->m, blob, len);
}
static int j_save(uint8_t **out, size_t *len, const void *obj) {
    const joiner *jn = obj;
    return jn->bm ? oups_asof_by_merger_save(out, len, jn->bm) : oups_asof_merger_save(out, len, jn->m);
}
static bool j_has_state(const joiner *jn) {
    return jn->bm ? oups_asof_by_merger_has_state(jn->bm) : oups_asof_merger_has_state(jn->m);
}
/* The columns the state fixes for input i (0: MAIN, d + 1: TABLE d), as a 0-row table: the key
 * (and the by columns), and for a TABLE its value columns. */
static int j_schema(oups_table **out, const joiner *jn, const char *on, int i) {
    *out = NULL;
    int rc;
    if (jn->bm) {
        if ((rc = oups_asof_by_merger_schema(out, jn->bm, i - 1)) < 0) return cli_fail_lib(rc, NULL);
        return 0;
    }
    oups_table *fill = NULL;
    oups_datatype key;
    if ((rc = oups_asof_merger_key_type(&key, jn->m)) < 0 ||
        (i > 0 && (rc = oups_asof_merger_fill_block(&fill, jn->m, 0, i - 1)) < 0))
        return cli_fail_lib(rc, NULL);
    int n = 1 + (fill ? oups_table_num_columns(fill) : 0);
    const char **names = calloc((size_t)n, sizeof *names);
    oups_datatype *types = calloc((size_t)n, sizeof *types);
    rc = names && types ? 0 : cli_fail(OUPS_ENOMEM, "out of memory");
    for (int c = 0; rc == 0 && c < n; c++) {
        names[c] = c ? oups_table_column_name(fill, c - 1) : on;
        types[c] = c ? *oups_column_type(oups_table_column(fill, c - 1)) : key;
    }
    if (rc == 0 && (rc = oups_table_new_empty(out, n, names, types)) < 0) cli_fail_lib(rc, NULL);
    free(names);
    free(types);
    oups_table_free(fill);
    return rc;
}
/* res: the key, the by columns, the value columns. */
static int j_merge(oups_table **res, joiner *jn, const oups_table *main, oups_table *const *tables, const char *on) {
    int rc = jn->bm ? oups_asof_by_merger_merge(res, jn->bm, main, tables, false)
                    : oups_asof_merger_merge(res, jn->m, key_col(main, on), tables, 1, NULL, 0, false);
    return rc < 0 ? cli_fail_lib(rc, NULL) : 0;
}

/* TABLE `t` against the columns a state fixes (matched by name, any order). */
static int check_columns(const oups_table *t, const char *path, const oups_table *want) {
    char a[80], b[80];
    for (int c = 0; c < oups_table_num_columns(want); c++) {
        const char *name = oups_table_column_name(want, c);
        int k = oups_table_column_index(t, name);
        if (k < 0)
            return cli_fail(OUPS_ESCHEMA, "%s: no column '%s' (the state, fixed by the first call, has it)", path, name);
        const oups_datatype *ty = oups_column_type(oups_table_column(t, k)),
                            *wt = oups_column_type(oups_table_column(want, c));
        if (!oups_datatype_equal(ty, wt))
            return cli_fail(OUPS_ESCHEMA, "%s: column '%s' is %s, the state has %s", path, name,
                            oups_datatype_format(ty, a, sizeof a), oups_datatype_format(wt, b, sizeof b));
    }
    for (int k = 0; k < oups_table_num_columns(t); k++) {
        const char *name = oups_table_column_name(t, k);
        if (oups_table_column_index(want, name) < 0)
            return cli_fail(OUPS_ESCHEMA, "%s: column '%s' is not in the state (its columns were fixed by the first "
                            "call)", path, name);
    }
    return 0;
}

/* `t` with its key column typed `key` (an input without rows read from CSV has a string key). */
static int retype_key(oups_table **t, const char *on, const oups_datatype *key) {
    int n = oups_table_num_columns(*t), rc = 0;
    const char **names = calloc((size_t)n, sizeof *names);
    oups_datatype *types = calloc((size_t)n, sizeof *types);
    oups_table *e = NULL;
    if (!names || !types) rc = cli_fail(OUPS_ENOMEM, "out of memory");
    for (int c = 0; rc == 0 && c < n; c++) {
        names[c] = oups_table_column_name(*t, c);
        types[c] = strcmp(names[c], on) == 0 ? *key : *oups_column_type(oups_table_column(*t, c));
    }
    if (rc == 0 && (rc = oups_table_new_empty(&e, n, names, types)) < 0) cli_fail_lib(rc, NULL);
    free(names);
    free(types);
    if (rc < 0) return rc;
    oups_table_free(*t);
    *t = e;
    return 0;
}

/* First run (no state): the key type comes from the first input that has one (Parquet, or
 * CSV with rows). A CSV column without any value has no type (CSV types are inferred from
 * values): a TABLE with such a value column is refused, since this run fixes the output
 * columns for good; a CSV without rows gets the key type. */
static int type_first(asof_in *in, int n_in, const char *on, oups_datatype *key) {
    int have = -1;
    for (int i = 0; i < n_in && have < 0; i++)
        if (in[i].typed || rows(in[i].buf) > 0) {
            *key = *oups_column_type(key_col(in[i].buf, on));
            have = i;
        }
    if (have < 0)
        return cli_fail(OUPS_ESCHEMA, "the type of key '%s' is unknown: every input is a CSV file without rows and "
                        "there is no state yet (give one input as Parquet, or with rows)", on);
    for (int i = 0; i < n_in; i++) {
        if (in[i].typed) continue;
        for (int c = 0; i > 0 && c < oups_table_num_columns(in[i].buf); c++) {
            const oups_column *col = oups_table_column(in[i].buf, c);
            const char *name = oups_table_column_name(in[i].buf, c);
            if (strcmp(name, on) != 0 && oups_column_null_count(col) == oups_column_length(col))
                return cli_fail(OUPS_ESCHEMA, "%s: column '%s' has no value, so its type is unknown (CSV types are "
                                "inferred from values); the first call fixes the output columns: give this table "
                                "as Parquet (oups parquet from-csv --schema), or with values", in[i].spec, name);
        }
        if (rows(in[i].buf) == 0 && retype_key(&in[i].buf, on, key) < 0) return -1;
    }
    return 0;
}

/* --fill values:FILE for TABLE d: read with the types of the TABLE's columns `schema`, checked
 * (every value column, n_prev + 1 rows) so that errors name the file. */
static int read_fill(oups_table **out, const char *path, const oups_table *schema, const asof_args *a, int np) {
    const char *on = a->on;
    cli_schema s = {0};
    int n = oups_table_num_columns(schema), rc = cli_schema_of_table(&s, schema);
    if (rc == 0) rc = cli_read_table_typed_opts(out, path, &s, &a->live.csv);
    cli_schema_free(&s);
    if (rc < 0) return rc;
    for (int c = 0; c < n; c++) {
        const char *name = oups_table_column_name(schema, c);
        bool is_by = false;
        for (int k = 0; k < a->n_by; k++) is_by |= !strcmp(name, a->by_cols[k]);
        if (strcmp(name, on) != 0 && !is_by && oups_table_column_index(*out, name) < 0)
            return cli_fail(OUPS_ESCHEMA, "%s (--fill): no column '%s' (the TABLE's value columns are needed)", path, name);
    }
    for (int c = 0; c < oups_table_num_columns(*out); c++)
        if (oups_table_column_index(schema, oups_table_column_name(*out, c)) < 0)
            return cli_fail(OUPS_ESCHEMA, "%s (--fill): column '%s' is not a column of the TABLE", path,
                            oups_table_column_name(*out, c));
    if (rows(*out) != np + 1)
        return cli_fail(OUPS_EINVAL, "%s (--fill): %lld rows, needs %d (n-prev + 1: the oldest first, the last one "
                        "is what a miss gives)", path, (long long)rows(*out), np + 1);
    /* the value columns only (the --by columns may be there: the same fill for every group) */
    const char *keep[1024];
    int nk = 0;
    for (int c = 0; c < oups_table_num_columns(*out) && nk < 1024; c++) {
        const char *name = oups_table_column_name(*out, c);
        bool is_by = false;
        for (int k = 0; k < a->n_by; k++) is_by |= !strcmp(name, a->by_cols[k]);
        if (!is_by) keep[nk++] = name;
    }
    oups_table *sel = NULL;
    if ((rc = oups_table_select(&sel, *out, keep, nk)) < 0) return cli_fail_lib(rc, path);
    oups_table_free(*out);
    *out = sel;
    return 0;
}

/* ---- the join ---------------------------------------------------------------------------- */

typedef struct asof_job {
    const asof_args *a;
    joiner jn;
    cli_sink out;
    bool merged; /* asof_chunk ran at least once */
    /* forward / nearest */
    bool fwd, has_tol;
    int64_t tol;       /* in key units */
    bool has_cut;      /* TABLE rows with key < cut were given for good (the merger holds them) */
    oups_scalar cut;
    bool has_main_last;
    oups_scalar main_last; /* the last MAIN key joined */
} asof_job;

/* One step: the rows of `main` joined with the TABLE rows `tables` (those not given in
 * earlier steps) into *out: MAIN's columns (all with --keep-main, else the key) then the
 * merger's value columns. */
static int asof_chunk(asof_job *j, const oups_table *main, oups_table *const *tables, oups_table **out) {
    const asof_args *a = j->a;
    oups_table *res = NULL;
    *out = NULL;
    int rc = j_merge(&res, &j->jn, main, tables, a->on);
    if (rc < 0) return rc;
    j->merged = true;
    if (!a->keep_main) {
        *out = res;
        return 0;
    }
    /* MAIN's columns, then the joined ones (res: the key, the by columns, the values) */
    int skip = 1 + a->n_by, nm = oups_table_num_columns(main), nr = oups_table_num_columns(res), n = nm + nr - skip;
    const char **names = calloc((size_t)n, sizeof *names);
    oups_column **cols = calloc((size_t)n, sizeof *cols);
    if (!names || !cols) rc = cli_fail(OUPS_ENOMEM, "out of memory");
    for (int c = 0; rc == 0 && c < n; c++) {
        const oups_table *t = c < nm ? main : res;
        int k = c < nm ? c : c - nm + skip;
        names[c] = oups_table_column_name(t, k);
        cols[c] = oups_table_column(t, k);
        if (c >= nm && oups_table_column_index(main, names[c]) >= 0)
            rc = cli_fail(OUPS_EINVAL, "output column '%s' is both a column of MAIN (%s) and a joined column: rename "
                          "it with --prefixes, or drop MAIN's columns with --no-keep-main", names[c], a->main);
    }
    if (rc == 0 && (rc = oups_table_new(out, n, names, cols)) < 0) cli_fail_lib(rc, NULL);
    free(names);
    free(cols);
    oups_table_free(res);
    return rc;
}

static int chunk_out(asof_job *j, const oups_table *main, oups_table *const *tables) {
    oups_table *o = NULL;
    int rc = asof_chunk(j, main, tables, &o);
    if (rc == 0) rc = cli_sink_write(&j->out, o);
    oups_table_free(o);
    return rc;
}

/* ---- forward and nearest ------------------------------------------------------------------ */

/* The merger gives each target a forward match among the TABLE rows of the same call only, and
 * keeps the rows given as history (the backward side, the windows). So a step joining MAIN
 * rows up to key L gives each TABLE its rows below the commit key (for good) and, beyond them,
 * a look-ahead up to the first row with key > L (the forward match of the last targets, which
 * later targets may need too): the merger's state is saved before the join, restored after
 * it, and advanced with the committed rows alone. The commit key is one no later target is
 * below (the next chunk's first key, or L itself when the next target may equal L), so a
 * committed row is never a forward match to come. With --by each group needs its own next
 * row: the look-ahead is every row with key <= L + tolerance, or without a tolerance every
 * row up to the first one past L of each by-value of the step's MAIN rows (by_lookahead). */

/* Rows of s->buf with key < K (side LEFT) or <= K (RIGHT). */
static int count_keys(int64_t *n, const asof_in *s, const char *on, const oups_scalar *K, oups_side side) {
    *n = rows(s->buf);
    int rc = *n > 0 ? oups_column_search_sorted(n, key_col(s->buf, on), K, side) : 0;
    return rc < 0 ? cli_fail_lib(rc, s->file) : 0;
}

/* Read s until it holds a row with key > K (>= K with `or_equal`), or to its end. */
static int read_past(asof_in *s, const char *on, const oups_scalar *K, bool or_equal) {
    int rc = 0;
    while (rc >= 0 && !s->ended &&
           (rows(s->buf) == 0 || oups_column_compare_scalar(key_col(s->buf, on), rows(s->buf) - 1, K) < (or_equal ? 0 : 1)))
        rc = in_read(s, on);
    return rc < 0 ? rc : 0;
}

static void last_key(oups_scalar *k, const oups_table *t, const char *on) {
    oups_column_get_scalar(k, key_col(t, on), rows(t) - 1);
}

/* Drop the TABLE rows with key < the state's cut (an earlier call gave them to the merger). */
static int skip_committed(asof_job *j, asof_in *tabs, int n) {
    for (int d = 0; j->has_cut && d < n; d++) {
        int64_t k;
        oups_table *gone = NULL;
        int rc = read_past(&tabs[d], j->a->on, &j->cut, true);
        if (rc >= 0) rc = count_keys(&k, &tabs[d], j->a->on, &j->cut, OUPS_SIDE_LEFT);
        if (rc >= 0) rc = in_take(&gone, &tabs[d], k);
        oups_table_free(gone);
        if (rc < 0) return rc;
    }
    return 0;
}

/* --by without a tolerance: the by-values of a step's MAIN rows, as byte strings in a hash
 * set; each TABLE is read ahead until every one of them has a row past L (or to its end). */
typedef struct by_entry {
    uint64_t h;
    char *key; /* NULL: a free slot */
    size_t len;
    bool seen;
} by_entry;
typedef struct by_set {
    by_entry *e;
    size_t cap, n; /* cap: a power of two, at least twice n */
    char *kb;      /* the key being built */
    size_t kl, kcap;
} by_set;

static int kb_put(by_set *b, const void *d, size_t n) {
    if (b->kl + n > b->kcap) {
        size_t cap = b->kcap ? b->kcap * 2 : 256;
        while (cap < b->kl + n) cap *= 2;
        char *p = realloc(b->kb, cap);
        if (!p) return cli_fail(OUPS_ENOMEM, "out of memory");
        b->kb = p, b->kcap = cap;
    }
    memcpy(b->kb + b->kl, d, n);
    b->kl += n;
    return 0;
}

/* The by-values of row r of t into b->kb, as the per-group merger tells them apart (bytes;
 * floats by their bits); its hash (FNV-1a) in *h. */
static int by_key(by_set *b, uint64_t *h, const oups_table *t, const asof_args *a, int64_t r) {
    b->kl = 0;
    int rc = 0;
    for (int k = 0; rc == 0 && k < a->n_by; k++) {
        int c = oups_table_column_index(t, a->by_cols[k]);
        oups_scalar v;
        memset(&v, 0, sizeof v);
        if (c >= 0) oups_column_get_scalar(&v, oups_table_column(t, c), r);
        uint8_t tag = c < 0 ? 2 : v.is_null; /* a missing column: the merger says so */
        rc = kb_put(b, &tag, 1);
        if (rc || tag) continue;
        switch (v.type.id) {
        case OUPS_TYPE_STRING:
        case OUPS_TYPE_BINARY:
            rc = kb_put(b, &v.v.bytes.len, sizeof v.v.bytes.len);
            if (rc == 0) rc = kb_put(b, v.v.bytes.ptr, (size_t)v.v.bytes.len);
            break;
        case OUPS_TYPE_BOOL: rc = kb_put(b, &v.v.b, 1); break;
        case OUPS_TYPE_DECIMAL128: rc = kb_put(b, v.v.dec, 16); break;
        case OUPS_TYPE_FLOAT32:
        case OUPS_TYPE_FLOAT64: rc = kb_put(b, &v.v.f, 8); break;
        default: rc = kb_put(b, &v.v.i, 8);
        }
    }
    uint64_t x = 1469598103934665603ull;
    for (size_t i = 0; i < b->kl; i++) x = (x ^ (uint8_t)b->kb[i]) * 1099511628211ull;
    *h = x;
    return rc;
}

/* The slot of the key in b->kb (hash h): its entry, or the free slot where it would go. */
static by_entry *by_slot(const by_set *b, uint64_t h) {
    for (size_t i = h & (b->cap - 1);; i = (i + 1) & (b->cap - 1)) {
        by_entry *e = &b->e[i];
        if (!e->key || (e->h == h && e->len == b->kl && !memcmp(e->key, b->kb, b->kl))) return e;
    }
}

static int by_add(by_set *b, uint64_t h) {
    if (2 * (b->n + 1) > b->cap) { /* grow: rehash every key */
        size_t cap = b->cap ? b->cap * 2 : 64;
        by_entry *old = b->e, *e = calloc(cap, sizeof *e);
        if (!e) return cli_fail(OUPS_ENOMEM, "out of memory");
        size_t old_cap = b->cap;
        b->e = e, b->cap = cap;
        for (size_t i = 0; i < old_cap; i++)
            if (old[i].key) {
                size_t k = old[i].h & (cap - 1);
                while (e[k].key) k = (k + 1) & (cap - 1);
                e[k] = old[i];
            }
        free(old);
    }
    by_entry *e = by_slot(b, h);
    if (e->key) return 0;
    if (!(e->key = malloc(b->kl ? b->kl : 1))) return cli_fail(OUPS_ENOMEM, "out of memory");
    memcpy(e->key, b->kb, b->kl);
    e->h = h, e->len = b->kl, e->seen = false;
    b->n++;
    return 0;
}

static void by_free(by_set *b) {
    for (size_t i = 0; i < b->cap; i++) free(b->e[i].key);
    free(b->e);
    free(b->kb);
    memset(b, 0, sizeof *b);
}

/* *k: the rows of TABLE s a step up to L gives: through the first row past L of every by-value
 * of `set` (reading s ahead as needed), or all of s. */
static int by_lookahead(int64_t *k, by_set *set, asof_in *s, const asof_args *a, const oups_scalar *L) {
    for (size_t i = 0; i < set->cap; i++) set->e[i].seen = false;
    size_t left = set->n;
    int64_t r;
    int rc = count_keys(&r, s, a->on, L, OUPS_SIDE_RIGHT);
    while (rc >= 0) {
        for (; rc >= 0 && left > 0 && r < rows(s->buf); r++) {
            uint64_t h;
            rc = by_key(set, &h, s->buf, a, r);
            by_entry *e = rc >= 0 ? by_slot(set, h) : NULL;
            if (e && e->key && !e->seen) e->seen = true, left--;
        }
        if (rc < 0 || left == 0 || s->ended) break;
        rc = in_read(s, a->on); /* appends: the row numbers stay */
    }
    *k = r;
    return rc < 0 ? rc : 0;
}

/* Join `main` with the TABLEs tabs[0..n) into *out (see above). TABLE rows with key < *commit
 * are given for good (all rows: commit NULL; none: no_commit). */
static int fwd_step(asof_job *j, const oups_table *main, asof_in *tabs, int n, const oups_scalar *commit,
                    bool no_commit, oups_table **out) {
    const char *on = j->a->on;
    bool by = j->a->n_by > 0, has_l = rows(main) > 0, groups = by && !j->has_tol;
    oups_scalar bound;
    int64_t nc[256], ng[256];
    bool look = false;
    int rc = 0;
    by_set set = {0};
    *out = NULL;
    for (int64_t r = 0; groups && has_l && rc >= 0 && r < rows(main); r++) {
        uint64_t h;
        if ((rc = by_key(&set, &h, main, j->a, r)) >= 0) rc = by_add(&set, h);
    }
    if (has_l) {
        last_key(&bound, main, on);
        j->main_last = bound, j->has_main_last = true;
        if (by && j->has_tol) { /* saturated: L + tolerance */
            if (bound.type.id == OUPS_TYPE_UINT64) bound.v.u = bound.v.u > UINT64_MAX - (uint64_t)j->tol ? UINT64_MAX
                                                                                                       : bound.v.u + (uint64_t)j->tol;
            else bound.v.i = bound.v.i > INT64_MAX - j->tol ? INT64_MAX : bound.v.i + j->tol;
        }
    }
    for (int d = 0; rc >= 0 && d < n; d++) {
        asof_in *s = &tabs[d];
        if (rc >= 0 && has_l && !groups) rc = read_past(s, on, &bound, false);
        nc[d] = rows(s->buf);
        if (rc >= 0 && no_commit) nc[d] = 0;
        else if (rc >= 0 && commit) rc = count_keys(&nc[d], s, on, commit, OUPS_SIDE_LEFT);
        ng[d] = nc[d];
        if (rc >= 0 && has_l) {
            int64_t k;
            rc = groups ? by_lookahead(&k, &set, s, j->a, &bound) : count_keys(&k, s, on, &bound, OUPS_SIDE_RIGHT);
            if (!by && k < rows(s->buf)) k++; /* the first row past L */
            if (k > ng[d]) ng[d] = k;
        }
        look |= ng[d] > nc[d];
    }
    oups_table *pieces[256] = {0}, *res = NULL, *none = NULL;
    uint8_t *snap = NULL;
    size_t snap_len = 0;
    for (int d = 0; rc >= 0 && d < n; d++)
        if ((rc = oups_table_slice(&pieces[d], tabs[d].buf, 0, ng[d])) < 0) cli_fail_lib(rc, tabs[d].file);
    if (rc >= 0 && look && (rc = j_save(&snap, &snap_len, &j->jn)) < 0) cli_fail_lib(rc, NULL);
    if (rc >= 0) rc = asof_chunk(j, main, pieces, out);
    if (rc >= 0 && look) { /* back to before the look-ahead; then the committed rows alone */
        if ((rc = j_load(&j->jn, snap, snap_len)) < 0) cli_fail_lib(rc, NULL);
        for (int d = 0; rc >= 0 && d < n; d++) {
            oups_table_free(pieces[d]);
            pieces[d] = NULL;
            if ((rc = oups_table_slice(&pieces[d], tabs[d].buf, 0, nc[d])) < 0) cli_fail_lib(rc, tabs[d].file);
        }
        if (rc >= 0 && (rc = oups_table_slice(&none, main, 0, 0)) < 0) cli_fail_lib(rc, NULL);
        if (rc >= 0) rc = j_merge(&res, &j->jn, none, pieces, on);
    }
    for (int d = 0; rc >= 0 && d < n; d++) { /* the committed rows leave the buffers */
        oups_table *gone = NULL;
        rc = in_take(&gone, &tabs[d], nc[d]);
        oups_table_free(gone);
    }
    for (int d = 0; d < n; d++) oups_table_free(pieces[d]);
    oups_table_free(res);
    oups_table_free(none);
    oups_mem_free(snap);
    by_free(&set);
    if (rc < 0) {
        oups_table_free(*out);
        *out = NULL;
    }
    return rc < 0 ? rc : 0;
}

/* Join in steps. Each step gives the rows with key < K of every input, K the smallest last
 * key read among the inputs not at their end (all rows once every input ended), then reads
 * one more chunk of the inputs whose last key is K. A row with key K waits until K grows, so
 * every target of a step sees all the table rows up to it and none past it: the backward join
 * is the one-shot join. Forward and nearest give the MAIN rows the same way and the TABLE rows
 * through fwd_step (committed up to K, plus the look-ahead). With a state, backward also gives
 * the TABLE rows past the last MAIN row (to the state: the next call continues after them);
 * forward and nearest commit the rows below the last MAIN key (the next call skips them). */
static int run_steps(asof_job *j, asof_in *in, int n_in) {
    const char *on = j->a->on;
    bool fwd = j->fwd, state = j->a->state != NULL;
    oups_table *pieces[257] = {0};
    int rc = 0;
    while (rc >= 0) {
        /* an input with nothing buffered could still bring any key: read until it has rows */
        for (int i = 0; rc >= 0 && i < n_in; i++)
            while (!in[i].ended && rows(in[i].buf) == 0 && (rc = in_read(&in[i], on)) > 0) {}
        if (rc < 0) break;
        if (in[0].ended && rows(in[0].buf) == 0 && (fwd || !state) && j->merged) break; /* nothing more to join */
        int lim = -1; /* the input not at its end with the smallest last key */
        for (int i = 0; i < n_in; i++)
            if (!in[i].ended) {
                oups_scalar last;
                last_key(&last, in[i].buf, on);
                if (lim < 0 || oups_column_compare_scalar(key_col(in[lim].buf, on), rows(in[lim].buf) - 1, &last) > 0)
                    lim = i;
            }
        oups_scalar K;
        if (lim >= 0) last_key(&K, in[lim].buf, on);
        bool any = false;
        for (int i = 0; rc >= 0 && i < (fwd ? 1 : n_in); i++) {
            int64_t n = rows(in[i].buf);
            if (lim >= 0) rc = count_keys(&n, &in[i], on, &K, OUPS_SIDE_LEFT);
            if (rc >= 0) rc = in_take(&pieces[i], &in[i], n);
            any |= n > 0;
        }
        if (rc >= 0 && fwd) {
            /* the commit key: K while MAIN goes on; once MAIN ended, with a state, its last key
             * (the next call's targets start there) */
            const oups_scalar *commit = lim >= 0 ? &K : NULL;
            bool no_commit = false;
            oups_scalar end;
            if (state && in[0].ended) {
                if (rows(in[0].buf) > 0) last_key(&end, in[0].buf, on);
                else if (rows(pieces[0]) > 0) last_key(&end, pieces[0], on);
                else if (j->has_main_last) end = j->main_last;
                else if (j->has_cut) end = j->cut;
                else no_commit = true;
                if (!no_commit && (!commit || oups_column_compare_scalar(key_col(in[lim].buf, on), rows(in[lim].buf) - 1,
                                                                         &end) > 0))
                    commit = &end;
                if (!no_commit) j->cut = end, j->has_cut = true;
            }
            oups_table *o = NULL;
            rc = fwd_step(j, pieces[0], in + 1, n_in - 1, commit, no_commit, &o);
            if (rc >= 0) rc = cli_sink_write(&j->out, o);
            oups_table_free(o);
        } else if (rc >= 0 && (any || (lim < 0 && !j->merged)))
            rc = chunk_out(j, pieces[0], pieces + 1);
        for (int i = 0; i < n_in; i++) oups_table_free(pieces[i]), pieces[i] = NULL;
        if (lim < 0) break; /* every input ended and was joined */
        /* the limiting inputs (their last key is K, so all they hold is K) read a chunk */
        for (int i = 0; rc >= 0 && i < n_in; i++)
            if (!in[i].ended && oups_column_compare_scalar(key_col(in[i].buf, on), rows(in[i].buf) - 1, &K) <= 0)
                rc = in_read(&in[i], on);
    }
    return rc < 0 ? rc : 0;
}

/* ---- live mode (--input -): MAIN chunks from the live driver, TABLE rows read in step ---- */

typedef struct asof_live {
    asof_job *j;
    asof_in *in; /* in[d + 1]: TABLE d */
    int n;
    oups_datatype key;
    bool has_last;
    oups_scalar last; /* the last MAIN key joined: TABLE rows up to it were given */
} asof_live;

/* The rows of TABLE `s` that MAIN keys up to K need (<= K with exact matches, < K without). */
static int table_upto(oups_table **out, asof_in *s, const char *on, const oups_scalar *K, bool exact) {
    int64_t n;
    int rc = read_past(s, on, K, false);
    if (rc >= 0) rc = count_keys(&n, s, on, K, exact ? OUPS_SIDE_RIGHT : OUPS_SIDE_LEFT);
    return rc < 0 ? rc : in_take(out, s, n);
}

static int live_process(oups_table **outs, void *obj, const oups_table *chunk) {
    asof_live *L = obj;
    const char *on = L->j->a->on;
    if (oups_table_column_index(chunk, on) < 0) return cli_fail(OUPS_ENOTFOUND, "<stdin>: no column '%s'", on);
    const oups_column *k = key_col(chunk, on);
    oups_scalar K;
    if (L->has_last && oups_column_compare_scalar(k, 0, &L->last) < 0) {
        char v[96];
        cli_cell_text(v, sizeof v, k, 0);
        return cli_fail(OUPS_EUNORDERED, "<stdin>: column '%s' is not in non-decreasing order: %s comes after the last "
                        "key of the previous chunk", on, v);
    }
    oups_column_get_scalar(&K, k, oups_table_num_rows(chunk) - 1);
    oups_table *pieces[256] = {0};
    int rc = 0;
    if (L->j->fwd) /* the next chunk may start at K: the rows below it are given for good */
        rc = fwd_step(L->j, chunk, L->in + 1, L->n, &K, false, &outs[0]);
    for (int d = 0; rc >= 0 && !L->j->fwd && d < L->n; d++)
        rc = table_upto(&pieces[d], &L->in[d + 1], on, &K, L->j->a->allow_b[d]);
    if (rc >= 0 && !L->j->fwd) rc = asof_chunk(L->j, chunk, pieces, &outs[0]);
    for (int d = 0; d < L->n; d++) oups_table_free(pieces[d]);
    if (rc < 0) return rc;
    L->last = K;
    L->has_last = true;
    return 0;
}

/* A state blob: `head` (hl bytes: a magic or nothing), a key (u8 flag, 8 bytes: the last MAIN
 * key in the live mode, the cut of forward / nearest), then the merger's blob. */
static int keyed_save(uint8_t **out, size_t *len, const char *head, size_t hl, bool has, const oups_scalar *k,
                      const joiner *jn) {
    uint8_t *m = NULL;
    size_t ml = 0;
    int rc = j_save(&m, &ml, jn);
    if (rc < 0) return rc;
    uint8_t *b = oups_mem_alloc(hl + ml + 9);
    if (!b) {
        oups_mem_free(m);
        return OUPS_ENOMEM;
    }
    memcpy(b, head, hl);
    b[hl] = has;
    memcpy(b + hl + 1, k->type.id == OUPS_TYPE_FLOAT64 ? (const void *)&k->v.f : (const void *)&k->v.i, 8);
    memcpy(b + hl + 9, m, ml);
    oups_mem_free(m);
    *out = b;
    *len = hl + ml + 9;
    return 0;
}

/* The key of a keyed_save blob (after its head), typed `type`. */
static void keyed_key(bool *has, oups_scalar *k, const uint8_t *b, const oups_datatype *type) {
    *has = b[0];
    memset(k, 0, sizeof *k);
    k->type = *type;
    memcpy(type->id == OUPS_TYPE_FLOAT64 ? (void *)&k->v.f : (void *)&k->v.i, b + 1, 8);
}

/* The job's state: the last MAIN key then the merger's blob. */
static int live_save(uint8_t **out, size_t *len, const void *obj) {
    const asof_live *L = obj;
    oups_scalar k = L->last;
    k.type = L->key;
    return keyed_save(out, len, "", 0, L->has_last, &k, &L->j->jn);
}

static int live_load(void *obj, const uint8_t *blob, size_t len) {
    asof_live *L = obj;
    int rc = len < 9 ? OUPS_ECORRUPT : j_load(&L->j->jn, blob + 9, len - 9);
    if (rc < 0) return cli_fail(rc, "the state: %s", len < 9 ? "truncated" : oups_error_last());
    keyed_key(&L->has_last, &L->last, blob, &L->key);
    if (L->j->fwd) { /* forward / nearest: the rows below the last key were given */
        L->j->has_cut = L->has_last, L->j->cut = L->last;
        return skip_committed(L->j, L->in + 1, L->n);
    }
    /* the TABLE rows given before: skipped */
    for (int d = 0; rc >= 0 && L->has_last && d < L->n; d++) {
        oups_table *given = NULL;
        rc = table_upto(&given, &L->in[d + 1], L->j->a->on, &L->last, L->j->a->allow_b[d]);
        oups_table_free(given);
    }
    return rc < 0 ? rc : 0;
}

static int run_live(asof_job *j, asof_in *in, int n, const oups_datatype *key) {
    const asof_args *a = j->a;
    asof_live L = {.j = j, .in = in, .n = n, .key = *key};
    cli_live_job job = {.obj = &L, .n_outputs = 1, .out_format = a->format, .key = a->on, .per_row = true,
                        .process = live_process, .save = live_save, .load = live_load};
    if (a->live.store_out) job.store_out[0] = a->live.store_out;
    else job.out[0] = a->out;
    return cli_live_run(&a->live, a->state, &job);
}

/* --state of forward / nearest (not live): fwd_magic, the cut, then the merger's blob. */
static const char fwd_magic[8] = {'O', 'U', 'P', 'S', 'A', 'F', 'W', 'D'};

static int fwd_save(uint8_t **out, size_t *len, const void *obj) {
    const asof_job *j = obj;
    return keyed_save(out, len, fwd_magic, sizeof fwd_magic, j->has_cut, &j->cut, &j->jn);
}

/* A forward / nearest call after another: its cut from the state (key: the state's key
 * type); MAIN must not start before it; the TABLE rows below it are skipped. */
static int fwd_resume(asof_job *j, asof_in *in, int n, const uint8_t *key_bytes, const oups_datatype *key) {
    keyed_key(&j->has_cut, &j->cut, key_bytes, key);
    const char *on = j->a->on;
    if (j->has_cut && rows(in[0].buf) > 0 && oups_column_compare_scalar(key_col(in[0].buf, on), 0, &j->cut) < 0) {
        char a[96];
        cli_cell_text(a, sizeof a, key_col(in[0].buf, on), 0);
        return cli_fail(OUPS_EUNORDERED, "%s: column '%s' starts at %s, before the last key of the previous call (kept "
                        "in the state %s)", in[0].file, on, a, j->a->state);
    }
    return skip_committed(j, in + 1, n);
}

/* A state saved with other options: the likely cause since the defaults changed. */
static const char old_defaults_hint[] =
    " (the defaults changed: a state written by an earlier oups asof without --allow-exact-matches and --fill needs "
    "--reference-defaults)";

int oups_cli_asof(int argc, char **argv) {
    static asof_args a;
    int rc = parse_args(&a, argc, argv);
    if (rc) return rc < 0 ? 0 : rc;
    if (a.live.print_offset) return cli_live_print_offset(a.state);
    int n = a.n_tables, status = 1;
    asof_in in[257]; /* in[0]: MAIN, in[d + 1]: TABLE d */
    memset(in, 0, sizeof in);
    oups_table *fills[256] = {0};
    asof_job j = {.a = &a, .out = {.path = a.out, .format = a.format}};
    uint8_t *blob = NULL; /* the state file's bytes */
    size_t len = 0;
    char *paths[257] = {(char *)a.main};
    for (int d = 0; d < n; d++) paths[d + 1] = a.tables[d];
    /* The key type: from the state if there is one, else from the inputs. */
    oups_datatype key;
    bool has_state = false;
    bool fwd = a.direction && strcmp(a.direction, "backward") != 0;
    const uint8_t *mblob = NULL; /* the merger's blob in it */
    size_t mlen = 0;
    if (a.state && !a.live.input && (rc = cli_read_state(&blob, &len, a.state)) < 0) goto out; /* live: live.c */
    if (blob) {
        bool fwd_blob = len >= sizeof fwd_magic + 9 && !memcmp(blob, fwd_magic, sizeof fwd_magic);
        if (fwd != fwd_blob) {
            cli_fail(OUPS_EINVAL, "%s: a state of oups asof %s, this call is %s (give the same --direction to every "
                     "call)", a.state, fwd_blob ? "--direction forward or nearest" : "--direction backward",
                     fwd ? "forward or nearest" : "backward");
            goto out;
        }
        mblob = fwd ? blob + sizeof fwd_magic + 9 : blob;
        mlen = fwd ? len - sizeof fwd_magic - 9 : len;
    }
    if (blob && (rc = a.n_by ? oups_asof_by_merger_state_key_type(&key, &has_state, mblob, mlen)
                             : oups_asof_merger_state_key_type(&key, &has_state, mblob, mlen)) < 0) {
        cli_fail(rc, "%s: %s%s", a.state, oups_error_last(),
                 a.n_by ? " (a state written without --by?)" : " (a state written with --by?)");
        goto out;
    }
    oups_asof_merger_options o = OUPS_ASOF_MERGER_OPTIONS_INIT;
    o.on = a.on;
    o.n_dfs_per_group = n;
    o.n_prev = a.np;
    o.allow_exact_matches = a.allow_b;
    o.n_prev_suffix_start = a.suffix_start;
    o.fill = a.fill_mode;
    if (a.prefixes) {
        o.prefixes = (const char *const *)a.pre;
        o.n_join_positions = 1;
    }
    if (a.direction) o.direction = !strcmp(a.direction, "forward")   ? OUPS_ASOF_FORWARD
                                   : !strcmp(a.direction, "nearest") ? OUPS_ASOF_NEAREST
                                                                     : OUPS_ASOF_BACKWARD;
    if (has_state && a.tolerance) { /* a period needs the key type: from the state */
        o.has_tolerance = true;
        if ((status = parse_tolerance(&o.tolerance, a.tolerance, &key)) != 0) goto out;
        status = 1;
    }
    /* A state fixes the types: it is loaded into a probe first (without fill tables, which
     * need those types; the real joiner checks the fill mode). */
    joiner probe = {0};
    if (has_state) {
        oups_asof_merger_options po = o;
        po.fill = a.fill_mode == OUPS_ASOF_FILL_VALUES ? OUPS_ASOF_FILL_ZEROS : a.fill_mode;
        if ((rc = j_new(&probe, &po, &a)) < 0) {}
        else if ((rc = j_load(&probe, mblob, mlen)) == OUPS_EINVAL && po.fill != o.fill)
            rc = 0; /* maybe only the fill mode: the real joiner tells */
        else if (rc < 0) cli_fail(rc, "%s: %s%s", a.state, oups_error_last(), rc == OUPS_EINVAL ? old_defaults_hint : "");
    }
    /* A 4 MiB CSV block budget (as agg and store write), shared: MAIN, each TABLE and a step's
     * output each hold about a block's rows. MAIN of 262 MB and one TABLE: 16 MiB blocks 101 MB
     * peak RSS; 16/3 MiB 45 MB; 4/3 MiB 14 MB, which also fits a 64 MB `ulimit -v`; the same
     * CPU time for all three (bench_cli_memory; /usr/bin/time, 3 alternating runs). */
    cli_csv_options csv = a.live.csv;
    if (csv.block_bytes > (size_t)4 << 20) csv.block_bytes = (size_t)4 << 20;
    csv.block_bytes /= (size_t)n + 2;
    if (csv.block_bytes < (size_t)1 << 20) csv.block_bytes = (size_t)1 << 20;
    for (int i = 0; rc >= 0 && i <= n; i++) {
        oups_table *want = NULL;
        bool typed = has_state && j_has_state(&probe);
        if (i == 0 && a.live.input) { /* MAIN comes from the live driver: an empty stand-in */
            oups_datatype st = oups_type(OUPS_TYPE_STRING);
            in[0].spec = "<stdin>";
            in[0].ended = true;
            if ((rc = oups_table_new_empty(&in[0].buf, 1, &a.on, &st)) < 0) cli_fail_lib(rc, NULL);
            continue;
        }
        if (typed) rc = j_schema(&want, &probe, a.on, i);
        if (rc >= 0) rc = in_open(&in[i], paths[i], want, a.on, &csv);
        if (rc >= 0 && typed && i > 0) rc = check_columns(in[i].buf, in[i].spec, want);
        if (rc >= 0 && has_state && rows(in[i].buf) == 0) rc = retype_key(&in[i].buf, a.on, &key);
        oups_table_free(want);
    }
    j_free(&probe);
    if (rc < 0) goto out;
    if (!has_state && type_first(in, n + 1, a.on, &key) < 0) goto out;
    if (!has_state && a.tolerance) {
        o.has_tolerance = true;
        if ((status = parse_tolerance(&o.tolerance, a.tolerance, &key)) != 0) goto out;
        status = 1;
    }
    for (int d = 0; a.fill_mode == OUPS_ASOF_FILL_VALUES && d < n; d++)
        if (read_fill(&fills[d], a.fill_files[d], in[d + 1].buf, &a, a.np[d]) < 0) goto out;
    o.fill_values_init = fills;
    o.n_fill_groups = a.fill_mode == OUPS_ASOF_FILL_VALUES;
    if (j_new(&j.jn, &o, &a) < 0) goto out;
    if (has_state && (rc = j_load(&j.jn, mblob, mlen)) < 0) {
        cli_fail(rc, "%s: %s%s", a.state, oups_error_last(), rc == OUPS_EINVAL ? old_defaults_hint : "");
        goto out;
    }
    j.fwd = o.direction != OUPS_ASOF_BACKWARD;
    j.has_tol = o.has_tolerance, j.tol = o.tolerance;
    if (a.live.input) {
        status = run_live(&j, in, n, &key);
        goto out;
    }
    if (fwd && blob && fwd_resume(&j, in, n, blob + sizeof fwd_magic, &key) < 0) goto out;
    rc = run_steps(&j, in, n + 1);
    if (cli_sink_close(&j.out, rc == 0) < 0 || rc < 0) goto out;
    /* after the output: a crash in between replays this chunk, nothing is lost */
    if (a.state && cli_save_state(a.state, fwd ? fwd_save : j_save, fwd ? (const void *)&j : &j.jn) < 0) goto out;
    status = 0;
out:
    cli_sink_close(&j.out, false);
    free(blob);
    j_free(&j.jn);
    for (int i = 0; i <= n; i++) in_close(&in[i]);
    for (int d = 0; d < n; d++) oups_table_free(fills[d]);
    return status;
}
