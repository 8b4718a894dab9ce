/*
 * tools/oups/cmd_asof.c: `oups asof`: as-of join of one group of tables (one join position)
 * against the keys of a main file, with the AsofMerger of liboups. With --state FILE the
 * merger's state (layout and fill blocks) is loaded before and saved after (atomically:
 * temp file, fsync, rename), so successive invocations on consecutive chunks continue exactly.
 * Reading and writing tables goes through csv.h (CSV, JSONL, Parquet). Documented in
 * docs/asof.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "csv.h"

enum { OPT_ON = 256, OPT_MAIN, OPT_NPREV, OPT_ALLOW, OPT_PREFIXES, OPT_SUFFIX, OPT_DIRECTION, OPT_TOL, OPT_STATE,
       OPT_FORMAT };

static const char *const usage_text =
    "usage: oups asof --on COL --main MAIN TABLE... [options]\n"
    "\n"
    "As-of join: for each key of column COL of MAIN (.parquet or .csv, non-decreasing), the\n"
    "row of each TABLE (.parquet or .csv, with COL non-decreasing) as of that key, with windows\n"
    "of previous values. The TABLEs form one group (one join position).\n"
    "\n"
    "options:\n"
    "  --n-prev N,N,...            previous values per table (default 0; one value: all tables)\n"
    "  --allow-exact-matches B,... 0|1 per table (default 0: a key equal to the target is not used)\n"
    "  --prefixes P,P,...          output name prefix per table (default none)\n"
    "  --n-prev-suffix-start K     suffix of the current value in window names (default 0)\n"
    "  --direction D               backward (default), forward or nearest\n"
    "  --tolerance V               max key distance (integer in key units, or a period such as\n"
    "                              5s, 100ms for timestamp keys); beyond it: the fill value\n"
    "  --state FILE                load the merger state from FILE if it exists, save it after\n"
    "                              (consecutive chunks then continue exactly)\n"
    "  --format csv|jsonl|parquet  output format (default csv; parquet needs -o)\n"
    "  -o OUT                      output file (default stdout)\n"
    "\n"
    "The first call fixes the output columns from the TABLEs' columns (a Parquet file with 0\n"
    "rows keeps them). CSV types are inferred from values, so there a CSV value column without\n"
    "any value is refused (give that table as Parquet); with a state, CSV inputs take the\n"
    "state's types. Columns are matched by name (any order).\n";

#define usage_error(msg) cli_usage_error("asof", NULL, msg)

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

/* Integers of a list option, one per table (a single value applies to all). */
static int int_list(int *out, int n_tables, const char *opt, const char *text, int lo, int hi) {
    char buf[4096], *items[256];
    snprintf(buf, sizeof buf, "%s", text);
    int n = list_items(items, 256, buf);
    if (n != 1 && n != n_tables)
        return cli_fail(OUPS_EINVAL, "%s: %d values for %d tables", opt, n, n_tables);
    for (int i = 0; i < n_tables; i++) {
        const char *s = items[n == 1 ? 0 : i];
        char *e;
        errno = 0;
        long v = strtol(s, &e, 10);
        if (!*s || *e || errno || v < lo || v > hi)
            return cli_fail(OUPS_EINVAL, "%s: '%s' is not an integer in %d..%d", opt, s, lo, hi);
        out[i] = (int)v;
    }
    return 0;
}

/* --tolerance: an integer in key units, or a period for timestamp keys. */
static int parse_tolerance(int64_t *out, const char *text, const oups_datatype *key) {
    char *e;
    errno = 0;
    long long v = strtoll(text, &e, 10);
    if (*text && !*e && !errno && v >= 0) {
        *out = v;
        return 0;
    }
    oups_period p;
    int64_t ns;
    if (key->id != OUPS_TYPE_TIMESTAMP || oups_period_parse(&p, text) < 0 || oups_period_nanos(&ns, &p) < 0)
        return cli_fail(OUPS_EINVAL, "--tolerance: '%s' is neither a non-negative integer nor a fixed period "
                        "(for timestamp keys)", text);
    static const int64_t per_unit[] = {1000000000, 1000000, 1000, 1}; /* ns per s, ms, us, ns */
    *out = ns / per_unit[key->unit];
    return 0;
}

/* The column types a state fixes for input i (0: MAIN, d + 1: TABLE d): the key, and for a
 * TABLE the value columns of its layout (names and types of the fill block). */
static int state_types(cli_schema *s, const char *on, const oups_datatype *key, const oups_asof_merger *m, int i) {
    oups_table *fill = NULL;
    int rc = i > 0 ? oups_asof_merger_fill_block(&fill, m, 0, i - 1) : 0;
    if (rc < 0) return cli_fail_lib(rc, NULL);
    int n = 1 + (fill ? oups_table_num_columns(fill) : 0);
    memset(s, 0, sizeof *s);
    s->names = calloc((size_t)n, sizeof *s->names);
    s->types = calloc((size_t)n, sizeof *s->types);
    for (; s->names && s->types && s->n < n; s->n++) {
        const char *name = s->n ? oups_table_column_name(fill, s->n - 1) : on;
        s->types[s->n] = s->n ? *oups_column_type(oups_table_column(fill, s->n - 1)) : *key;
        if (!(s->names[s->n] = strdup(name))) break;
    }
    oups_table_free(fill);
    return s->n == n ? 0 : cli_fail(OUPS_ENOMEM, "out of memory");
}

/* TABLE `path` against the columns a state fixes (matched by name, any order). */
static int check_columns(const oups_table *t, const char *path, const cli_schema *want) {
    char a[80], b[80];
    for (int c = 0; c < want->n; c++) {
        int k = oups_table_column_index(t, want->names[c]);
        if (k < 0)
            return cli_fail(OUPS_ESCHEMA, "%s: no column '%s' (the state, fixed by the first call, has it)", path,
                            want->names[c]);
        const oups_datatype *ty = oups_column_type(oups_table_column(t, k));
        if (!oups_datatype_equal(ty, &want->types[c]))
            return cli_fail(OUPS_ESCHEMA, "%s: column '%s' is %s, the state has %s", path, want->names[c],
                            oups_datatype_format(ty, a, sizeof a), oups_datatype_format(&want->types[c], b, sizeof b));
    }
    for (int k = 0; k < oups_table_num_columns(t); k++) {
        const char *name = oups_table_column_name(t, k);
        int c = 0;
        while (c < want->n && strcmp(want->names[c], name) != 0) c++;
        if (c == want->n)
            return cli_fail(OUPS_ESCHEMA, "%s: column '%s' is not in the state (its columns were fixed by the first "
                            "call)", path, name);
    }
    return 0;
}

/* Inputs of a run with a state: CSV columns get the types the state fixes (so an empty or
 * all-null CSV column is typed too); every TABLE must have the state's columns. */
static int read_with_state(oups_table **in, char *const *paths, int n_in, const char *on, const oups_datatype *key,
                           const oups_asof_merger *m) {
    for (int i = 0; i < n_in; i++) {
        cli_schema s;
        int rc = state_types(&s, on, key, m, i);
        if (rc == 0) rc = cli_read_table_typed(&in[i], paths[i], &s);
        if (rc == 0 && oups_table_column_index(in[i], on) < 0) rc = cli_fail(OUPS_ENOTFOUND, "%s: no column '%s'", paths[i], on);
        if (rc == 0 && i > 0) rc = check_columns(in[i], paths[i], &s);
        cli_schema_free(&s);
        if (rc < 0) return rc;
    }
    return 0;
}

/* The key column of an empty table read from CSV takes the key type (it is read as string).
 * Rebuilt rather than read again: the input may be stdin. */
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

/* Inputs of the first run (no state): read as they are; the key type comes from the first
 * input that has one (Parquet, or CSV with rows). A CSV column without any value has no
 * type (CSV types are inferred from values): a TABLE with such a value column is refused,
 * since this run fixes the output columns for good; an empty CSV's key takes the key type. */
static int read_first(oups_table **in, char *const *paths, int n_in, const char *on, oups_datatype *key) {
    int have = -1;
    for (int i = 0; i < n_in; i++) {
        if (cli_read_table(&in[i], paths[i], NULL) < 0) return -1;
        int k = oups_table_column_index(in[i], on);
        if (k < 0) return cli_fail(OUPS_ENOTFOUND, "%s: no column '%s'", paths[i], on);
        if (have < 0 && (cli_path_is_parquet(paths[i]) || oups_table_num_rows(in[i]) > 0)) {
            *key = *oups_column_type(oups_table_column(in[i], k));
            have = i;
        }
    }
    if (have < 0)
        return cli_fail(OUPS_ESCHEMA, "the type of key '%s' is unknown: every input is a CSV file without rows and "
                        "there is no state yet (give one input as Parquet, or with rows)", on);
    for (int i = 0; i < n_in; i++) {
        if (cli_path_is_parquet(paths[i])) continue;
        for (int c = 0; i > 0 && c < oups_table_num_columns(in[i]); c++) {
            const oups_column *col = oups_table_column(in[i], c);
            const char *name = oups_table_column_name(in[i], c);
            if (strcmp(name, on) != 0 && oups_column_null_count(col) == oups_column_length(col))
                return cli_fail(OUPS_ESCHEMA, "%s: column '%s' has no value, so its type is unknown (CSV types are "
                                "inferred from values); the first call fixes the output columns: give this table "
                                "as Parquet (oups parquet from-csv --schema), or with values", paths[i], name);
        }
        if (oups_table_num_rows(in[i]) == 0 && retype_key(&in[i], on, key) < 0) return -1;
    }
    return 0;
}

typedef struct asof_args {
    const char *on, *main, *state, *format, *out, *direction, *tolerance;
    const char *n_prev, *allow, *prefixes;
    int suffix_start;
    int n_tables;
    char **tables;
} asof_args;

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
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    memset(a, 0, sizeof *a);
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
            char *e;
            long v = strtol(optarg, &e, 10);
            if (!*optarg || *e || v < -1000000 || v > 1000000) return usage_error("--n-prev-suffix-start needs an integer");
            a->suffix_start = (int)v;
            break;
        }
        case OPT_DIRECTION: a->direction = optarg; break;
        case OPT_TOL: a->tolerance = optarg; break;
        case OPT_STATE: a->state = optarg; break;
        case OPT_FORMAT: a->format = optarg; break;
        case 'o': a->out = optarg; break;
        case 'h': fputs(usage_text, stdout); return -1;
        default: {
            char msg[256];
            snprintf(msg, sizeof msg, "unknown option or missing value in '%s'", argv[optind - 1]);
            return usage_error(msg);
        }
        }
    }
    a->n_tables = argc - optind;
    a->tables = argv + optind;
    if (!a->on) return usage_error("--on COL is required");
    if (!a->main) return usage_error("--main FILE is required");
    if (a->n_tables < 1) return usage_error("at least one TABLE file is required");
    if (a->n_tables > 256) return usage_error("at most 256 tables");
    const char *f = a->format ? a->format : "csv";
    if (strcmp(f, "csv") != 0 && strcmp(f, "jsonl") != 0 && strcmp(f, "parquet") != 0)
        return usage_error("--format must be csv, jsonl or parquet");
    if (strcmp(f, "parquet") == 0 && (!a->out || strcmp(a->out, "-") == 0))
        return usage_error("--format parquet needs -o OUT");
    if (a->direction && strcmp(a->direction, "backward") != 0 && strcmp(a->direction, "forward") != 0 &&
        strcmp(a->direction, "nearest") != 0)
        return usage_error("--direction must be backward, forward or nearest");
    return 0;
}

static int write_output(const oups_table *t, const asof_args *a) {
    const char *f = a->format ? a->format : "csv";
    int rc;
    if (strcmp(f, "parquet") == 0) {
        if ((rc = oups_parquet_write(a->out, t, NULL)) < 0) return cli_fail_lib(rc, a->out);
        return 0;
    }
    FILE *out = NULL;
    if ((rc = cli_open_output(&out, a->out)) < 0) return rc;
    rc = cli_write_table(out, t, f);
    int rc2 = cli_close_output(out, a->out);
    return rc < 0 ? rc : rc2;
}

int oups_cli_asof(int argc, char **argv) {
    asof_args a;
    int rc = parse_args(&a, argc, argv);
    if (rc) return rc < 0 ? 0 : rc;
    int n = a.n_tables;
    int n_prev[256] = {0}, allow[256] = {0};
    bool allow_b[256];
    char pbuf[8192] = "", *prefixes[256];
    if (a.n_prev && int_list(n_prev, n, "--n-prev", a.n_prev, 0, 1000000) < 0) return 1;
    if (a.allow && int_list(allow, n, "--allow-exact-matches", a.allow, 0, 1) < 0) return 1;
    for (int d = 0; d < n; d++) allow_b[d] = allow[d];
    if (a.prefixes) {
        snprintf(pbuf, sizeof pbuf, "%s", a.prefixes);
        if (list_items(prefixes, 256, pbuf) != n) {
            cli_fail(OUPS_EINVAL, "--prefixes: give one prefix per table (%d)", n);
            return 1;
        }
    }
    oups_table *in[257] = {0}, *res = NULL; /* in[0]: MAIN, in[d + 1]: TABLE d */
    char *paths[257] = {(char *)a.main};
    for (int d = 0; d < n; d++) paths[d + 1] = a.tables[d];
    oups_asof_merger *m = NULL;
    uint8_t *blob = NULL, *saved = NULL; /* read by us (free) / made by liboups (oups_mem_free) */
    size_t len = 0;
    int status = 1;
    /* The key type: from the state if there is one, else from the inputs (read as they are). */
    oups_datatype key;
    bool has_state = false;
    if (a.state && (rc = cli_read_state(&blob, &len, a.state)) < 0) goto out;
    if (blob && (rc = oups_asof_merger_state_key_type(&key, &has_state, blob, len)) < 0) {
        cli_fail_lib(rc, a.state);
        goto out;
    }
    if (!has_state && read_first(in, paths, n + 1, a.on, &key) < 0) goto out;
    oups_asof_merger_options o = OUPS_ASOF_MERGER_OPTIONS_INIT;
    o.on = a.on;
    o.n_dfs_per_group = n;
    o.n_prev = n_prev;
    o.allow_exact_matches = allow_b;
    o.n_prev_suffix_start = a.suffix_start;
    if (a.prefixes) {
        o.prefixes = (const char *const *)prefixes;
        o.n_join_positions = 1;
    }
    if (a.direction) o.direction = strcmp(a.direction, "forward") == 0 ? OUPS_ASOF_FORWARD
                                   : strcmp(a.direction, "nearest") == 0 ? OUPS_ASOF_NEAREST
                                                                         : OUPS_ASOF_BACKWARD;
    if (a.tolerance) {
        o.has_tolerance = true;
        if (parse_tolerance(&o.tolerance, a.tolerance, &key) < 0) goto out;
    }
    if ((rc = oups_asof_merger_new(&m, &o)) < 0) {
        cli_fail_lib(rc, NULL);
        goto out;
    }
    if (has_state) {
        if ((rc = oups_asof_merger_load(m, blob, len)) < 0) {
            cli_fail_lib(rc, a.state);
            goto out;
        }
        if (read_with_state(in, paths, n + 1, a.on, &key, m) < 0) goto out;
    }
    oups_table *main_t = in[0], **tables = in + 1;
    oups_column *mc = oups_table_column(main_t, oups_table_column_index(main_t, a.on));
    if ((rc = oups_asof_merger_merge(&res, m, mc, tables, 1, NULL, 0, true)) < 0) {
        cli_fail_lib(rc, NULL);
        goto out;
    }
    if (write_output(res, &a) < 0) goto out;
    if (a.state) { /* after the output: a crash in between replays this chunk, nothing is lost */
        if ((rc = oups_asof_merger_save(&saved, &len, m)) < 0) {
            cli_fail_lib(rc, NULL);
            goto out;
        }
        if (cli_write_state(a.state, saved, len) < 0) goto out;
    }
    status = 0;
out:
    free(blob);
    oups_mem_free(saved);
    oups_table_free(res);
    oups_asof_merger_free(m);
    for (int i = 0; i <= n; i++) oups_table_free(in[i]);
    return status;
}
