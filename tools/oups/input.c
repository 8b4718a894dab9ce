/*
 * tools/oups/input.c: the streamed table input of the CLI commands (input.h). Specs are expanded
 * at open (globs, directories) into a list of inputs read one after the other, one chunk at a
 * time: a Parquet row group, a CSV/JSONL block (csv.c), or a dataset row group. The first input
 * fixes the schema; Parquet files and datasets are checked against it at open (their footers
 * only), CSV inputs when they are reached (they are parsed with the first input's types).
 */
#include <errno.h>
#include <glob.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "input.h"
#include "records.h"

enum kind { K_PARQUET, K_CSV, K_JSONL, K_DATASET };

typedef struct item {
    char *path;
    enum kind kind;
} item;

struct cli_input {
    cli_input_options o;
    item *items;
    int n, cap;
    int cur;             /* the input being read (n: done) */
    oups_table *schema;  /* 0 rows, projected, in the first input's column order */
    char **names;        /* the schema's column names (borrowed from schema) */
    cli_schema first_types; /* the schema as types for later CSV inputs (names borrowed) */
    /* the open input */
    bool open;
    oups_parquet_reader *pq;
    int rg, threads;
    int *rg_list;        /* cli_input_row_groups: the row groups to read (n_rg of them) */
    int n_rg;
    cli_csv *csv;
    cli_jsonl *jl;
    oups_opd *opd;
    int64_t ds_rg;
    bool reorder;        /* its chunks need selecting into the schema's order/projection */
    const char *name;
    /* progress: size of the open file, and bytes of it already reported */
    int64_t size, reported;
    bool progress;       /* cli_progress_begin was called */
};

static bool has_suffix(const char *s, const char *suffix) {
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcasecmp(s + a - b, suffix);
}

static bool is_jsonl(const char *p) {
    return has_suffix(p, ".jsonl") || has_suffix(p, ".ndjson") || has_suffix(p, ".jsonl.gz") ||
           has_suffix(p, ".jsonl.zst");
}

static bool is_csv(const char *p) {
    static const char *const ext[] = {".csv", ".csv.gz", ".csv.zst", ".csv.zstd", ".tsv", ".tsv.gz", ".tsv.zst"};
    for (size_t i = 0; i < sizeof ext / sizeof *ext; i++)
        if (has_suffix(p, ext[i])) return true;
    return false;
}

/* DIR is a dataset when DIR_opdmd exists beside it (the store's layout). */
static bool is_dataset(const char *dir) {
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/') n--;
    char *md = malloc(n + 8);
    if (!md) return false;
    snprintf(md, n + 8, "%.*s_opdmd", (int)n, dir);
    bool yes = access(md, F_OK) == 0;
    free(md);
    return yes;
}

static int add_item(cli_input *in, const char *path, enum kind kind) {
    if (in->n == in->cap) {
        int cap = in->cap ? in->cap * 2 : 8;
        item *it = realloc(in->items, sizeof *it * (size_t)cap);
        if (!it) return cli_fail(OUPS_ENOMEM, "out of memory");
        in->items = it;
        in->cap = cap;
    }
    char *p = strdup(path);
    if (!p) return cli_fail(OUPS_ENOMEM, "out of memory");
    in->items[in->n++] = (item){p, kind};
    return 0;
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* A directory that is not a dataset: its Parquet, CSV and JSONL files, in name order. */
static int add_dir(cli_input *in, const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return cli_fail(OUPS_EIO, "%s: %s", dir, strerror(errno));
    char **names = NULL;
    int n = 0, cap = 0, rc = 0;
    for (struct dirent *e; rc == 0 && (e = readdir(d));) {
        const char *f = e->d_name;
        if (f[0] == '.' || !(cli_path_is_parquet(f) || is_csv(f) || is_jsonl(f))) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            char **nn = realloc(names, sizeof *nn * (size_t)cap);
            if (!nn) {
                rc = cli_fail(OUPS_ENOMEM, "out of memory");
                break;
            }
            names = nn;
        }
        size_t len = strlen(dir) + strlen(f) + 2;
        if (!(names[n] = malloc(len))) {
            rc = cli_fail(OUPS_ENOMEM, "out of memory");
            break;
        }
        snprintf(names[n++], len, "%s%s%s", dir, has_suffix(dir, "/") ? "" : "/", f);
    }
    closedir(d);
    if (rc == 0 && n == 0) rc = cli_fail(OUPS_ENOTFOUND, "%s: no .parquet, .csv or .jsonl file in this directory", dir);
    if (rc == 0) qsort(names, (size_t)n, sizeof *names, by_name);
    for (int i = 0; i < n; i++) {
        struct stat st;
        if (rc == 0 && stat(names[i], &st) == 0 && S_ISREG(st.st_mode))
            rc = add_item(in, names[i], cli_path_is_parquet(names[i]) ? K_PARQUET : is_jsonl(names[i]) ? K_JSONL : K_CSV);
        free(names[i]);
    }
    free(names);
    return rc;
}

/* One path (not a glob): a file by its extension, a dataset, a directory, or "-". */
static int add_path(cli_input *in, const char *p, bool *stdin_seen) {
    if (!strcmp(p, "-")) {
        if (*stdin_seen) return cli_fail(OUPS_EINVAL, "'-' (stdin) given twice as input");
        *stdin_seen = true;
        bool jsonl = in->o.stdin_format && !strcmp(in->o.stdin_format, "jsonl");
        return add_item(in, p, jsonl ? K_JSONL : K_CSV);
    }
    struct stat st;
    if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) return is_dataset(p) ? add_item(in, p, K_DATASET) : add_dir(in, p);
    /* a missing file is reported when it is opened, naming it */
    return add_item(in, p, cli_path_is_parquet(p) ? K_PARQUET : is_jsonl(p) ? K_JSONL : K_CSV);
}

static int add_spec(cli_input *in, const char *spec, bool *stdin_seen) {
    if (!strpbrk(spec, "*?[") || access(spec, F_OK) == 0) return add_path(in, spec, stdin_seen);
    glob_t g;
    int grc = glob(spec, 0, NULL, &g); /* sorted by name */
    if (grc == GLOB_NOMATCH) return cli_fail(OUPS_ENOTFOUND, "%s: no file matches this pattern", spec);
    if (grc) return cli_fail(OUPS_EIO, "%s: cannot expand the pattern", spec);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < g.gl_pathc; i++) rc = add_path(in, g.gl_pathv[i], stdin_seen);
    globfree(&g);
    return rc;
}

/* ---- one input ---------------------------------------------------------------------------- */

static void close_current(cli_input *in) {
    oups_parquet_reader_free(in->pq);
    cli_csv_close(in->csv);
    cli_jsonl_close(in->jl);
    oups_opd_close(in->opd);
    in->pq = NULL;
    in->csv = NULL;
    in->jl = NULL;
    in->opd = NULL;
    in->open = false;
}

static int open_dataset(oups_opd **out, const char *path) {
    oups_opd_options o = OUPS_OPD_OPTIONS_INIT;
    o.lock_timeout_ms = 10000;
    o.read_only = true;
    int rc = oups_opd_open(out, path, &o);
    return rc ? cli_fail_lib(rc, path) : 0;
}

/* Parquet without a projection: every column, or the flat ones of a file with nested ones
 * (named on stderr); *cols NULL when all are readable. */
static int flat_columns(char ***cols, int *n, oups_parquet_reader *r, const char *path) {
    *cols = NULL;
    *n = 0;
    oups_table *all = NULL;
    if (oups_parquet_reader_schema(&all, r) == 0) {
        oups_table_free(all);
        return 0;
    }
    int nc = oups_parquet_reader_num_columns(r), none = 0;
    *cols = calloc((size_t)nc + 1, sizeof **cols);
    if (!*cols) return cli_fail(OUPS_ENOMEM, "out of memory");
    for (int c = 0; c < nc; c++) {
        const char *name = NULL;
        oups_table *t = NULL;
        if (oups_parquet_reader_column_name(&name, r, c)) continue;
        if (oups_parquet_reader_read(&t, r, &none, 0, &name, 1) == 0) (*cols)[(*n)++] = (char *)name;
        else fprintf(stderr, "oups: %s: skipping column '%s' (nested: not supported)\n", path, name);
        oups_table_free(t);
    }
    if (*n == 0) return cli_fail(OUPS_EUNSUPPORTED, "%s: no column can be read (all are nested)", path);
    return 0;
}

/* The 0-row schema of an open input with columns `cols` (NULL: all readable ones). */
static int source_schema(oups_table **out, cli_input *in, const item *it, const char *const *cols, int n_cols) {
    *out = NULL;
    int rc = 0, none = 0;
    if (it->kind == K_PARQUET) {
        char **flat = NULL;
        int n_flat = 0;
        if (!cols && (rc = flat_columns(&flat, &n_flat, in->pq, it->path))) {
            free(flat);
            return rc;
        }
        if (flat) cols = (const char *const *)flat, n_cols = n_flat;
        rc = cols ? oups_parquet_reader_read(out, in->pq, &none, 0, cols, n_cols) : oups_parquet_reader_schema(out, in->pq);
        free(flat);
        return rc ? cli_fail_lib(rc, NULL) : 0;
    }
    oups_table *all = NULL;
    if (it->kind == K_DATASET) rc = oups_opd_schema(&all, in->opd);
    else if (it->kind == K_JSONL) all = oups_table_retain((oups_table *)cli_jsonl_schema(in->jl));
    else all = oups_table_retain((oups_table *)cli_csv_schema(in->csv));
    if (rc) return cli_fail_lib(rc, it->path);
    if (cols) rc = oups_table_select(out, all, cols, n_cols);
    else *out = oups_table_retain(all);
    oups_table_free(all);
    if (rc == OUPS_ENOTFOUND) return cli_fail(rc, "%s: %s", in->name, oups_error_last());
    return rc ? cli_fail_lib(rc, in->name) : 0;
}

static int open_source(cli_input *in, const item *it, bool first) {
    int rc = 0;
    struct stat st;
    in->rg = 0;
    in->ds_rg = 0;
    in->reported = 0;
    in->size = it->kind != K_DATASET && strcmp(it->path, "-") && stat(it->path, &st) == 0 ? st.st_size : 0;
    in->name = strcmp(it->path, "-") ? it->path : "<stdin>";
    switch (it->kind) {
    case K_PARQUET:
        if ((rc = oups_parquet_reader_open(&in->pq, it->path))) return cli_fail_lib(rc, NULL);
        oups_parquet_reader_set_threads(in->pq, in->threads);
        break;
    case K_DATASET:
        if ((rc = open_dataset(&in->opd, it->path))) return rc;
        break;
    case K_JSONL:
    case K_CSV: {
        cli_schema spec = {0};
        const cli_schema *sch = first ? in->o.types : &in->first_types;
        bool need_all = false;
        if (first && in->o.schema_spec) {
            if ((rc = cli_parse_schema(&spec, in->o.schema_spec))) return rc;
            sch = &spec, need_all = true;
        }
        if (it->kind == K_CSV) rc = cli_csv_open_typed(&in->csv, it->path, sch, need_all, &in->o.csv);
        else rc = cli_jsonl_open(&in->jl, it->path, sch, need_all, &in->o.csv);
        cli_schema_free(&spec);
        if (rc) return rc;
        break;
    }
    }
    in->open = true;
    return 0;
}

/* The schema of a later input must equal the first's on its columns (and have no others when
 * there is no projection). */
static int check_schema(cli_input *in, const oups_table *s, const char *name) {
    const char *first = in->items[0].path;
    if (!strcmp(first, "-")) first = "<stdin>";
    char ta[80], tb[80];
    for (int i = 0; i < oups_table_num_columns(in->schema); i++) {
        const char *col = in->names[i];
        int j = oups_table_column_index(s, col);
        if (j < 0) return cli_fail(OUPS_ESCHEMA, "%s has no column '%s' (%s has it)", name, col, first);
        const oups_datatype *a = oups_column_type(oups_table_column(in->schema, i)),
                            *b = oups_column_type(oups_table_column(s, j));
        if (!oups_datatype_equal(a, b))
            return cli_fail(OUPS_ESCHEMA, "column '%s' is %s in %s but %s in %s", col, oups_datatype_format(a, ta, sizeof ta),
                            first, oups_datatype_format(b, tb, sizeof tb), name);
    }
    if (!in->o.columns)
        for (int j = 0; j < oups_table_num_columns(s); j++)
            if (oups_table_column_index(in->schema, oups_table_column_name(s, j)) < 0)
                return cli_fail(OUPS_ESCHEMA, "%s has column '%s' that %s lacks", name, oups_table_column_name(s, j),
                                first);
    return 0;
}

static bool same_order(const oups_table *a, const oups_table *b) {
    if (oups_table_num_columns(a) != oups_table_num_columns(b)) return false;
    for (int i = 0; i < oups_table_num_columns(a); i++)
        if (strcmp(oups_table_column_name(a, i), oups_table_column_name(b, i))) return false;
    return true;
}

/* A CSV/JSONL input gives all its columns in its order: select the schema's? */
static bool text_needs_select(const cli_input *in) {
    const oups_table *t = in->csv ? cli_csv_schema(in->csv) : in->jl ? cli_jsonl_schema(in->jl) : NULL;
    return t && !same_order(t, in->schema);
}

/* Open input k (not the first) and check it against the schema. */
static int open_later(cli_input *in, int k) {
    const item *it = &in->items[k];
    int rc = open_source(in, it, false);
    oups_table *s = NULL;
    if (rc == 0) rc = source_schema(&s, in, it, in->o.columns, in->o.n_columns);
    if (rc == 0) rc = check_schema(in, s, in->name);
    if (rc == 0) in->reorder = text_needs_select(in);
    oups_table_free(s);
    return rc;
}

/* The first input fixes the schema. */
static int open_first(cli_input *in) {
    const item *it = &in->items[0];
    if (in->o.schema_spec && it->kind != K_CSV && it->kind != K_JSONL)
        return cli_fail(OUPS_EINVAL, "%s: --schema applies to CSV input only", it->path);
    int rc = open_source(in, it, true);
    if (rc == 0) rc = source_schema(&in->schema, in, it, in->o.columns, in->o.n_columns);
    if (rc) return rc;
    int nc = oups_table_num_columns(in->schema);
    in->names = calloc((size_t)nc + 1, sizeof *in->names);
    in->first_types.types = calloc((size_t)nc + 1, sizeof *in->first_types.types);
    if (!in->names || !in->first_types.types) return cli_fail(OUPS_ENOMEM, "out of memory");
    for (int i = 0; i < nc; i++) {
        in->names[i] = (char *)oups_table_column_name(in->schema, i);
        in->first_types.types[i] = *oups_column_type(oups_table_column(in->schema, i));
    }
    in->first_types.n = nc;
    in->first_types.names = in->names;
    in->reorder = text_needs_select(in);
    return 0;
}

int cli_input_open(cli_input **out, char *const *specs, int n_specs, const cli_input_options *o) {
    *out = NULL;
    cli_input *in = calloc(1, sizeof *in);
    if (!in) return cli_fail(OUPS_ENOMEM, "out of memory");
    in->o = o ? *o : (cli_input_options)CLI_INPUT_OPTIONS_INIT;
    const char *sf = in->o.stdin_format;
    if (sf && strcmp(sf, "csv") && strcmp(sf, "jsonl")) {
        free(in);
        return cli_fail(OUPS_EINVAL, "stdin format '%s': expected csv or jsonl", sf);
    }
    bool stdin_seen = false;
    int rc = n_specs > 0 ? 0 : cli_fail(OUPS_EINVAL, "no input given");
    for (int i = 0; rc == 0 && i < n_specs; i++) rc = add_spec(in, specs[i], &stdin_seen);
    if (rc == 0) { /* from here on: the first CSV block is read at open */
        cli_progress_begin(cli_input_total_bytes(in));
        in->progress = true;
    }
    if (rc == 0) rc = open_first(in);
    /* Parquet files and datasets are checked now (footers only), so a mismatch fails before
     * any output; CSV inputs when they are reached. */
    for (int k = 1; rc == 0 && k < in->n; k++) {
        const item *it = &in->items[k];
        if (it->kind != K_PARQUET && it->kind != K_DATASET) continue;
        cli_input probe = *in;
        probe.pq = NULL, probe.csv = NULL, probe.jl = NULL, probe.opd = NULL;
        rc = open_later(&probe, k);
        close_current(&probe);
    }
    if (rc) {
        cli_input_close(in);
        return rc;
    }
    *out = in;
    return 0;
}

const oups_table *cli_input_schema(const cli_input *in) { return in->schema; }
const char *cli_input_name(const cli_input *in) { return in->name; }

/* "line L" for CSV (where row `row` of the last chunk starts; row -1: the last row of the chunk
 * before), else "row N" of the input (N = r0 + row + 1, r0 rows of it before the chunk). */
static void row_name(char *buf, size_t cap, const cli_input *in, int64_t r0, int64_t row) {
    int64_t line = in->csv ? cli_csv_row_line(in->csv, row) : -1;
    if (line > 0) snprintf(buf, cap, "line %lld", (long long)line);
    else snprintf(buf, cap, "row %lld", (long long)(r0 + row + 1));
}

int cli_input_check_order(const cli_input *in, const oups_table *t, const char *on, int64_t r0,
                          const oups_table *prev, const char *prev_file) {
    const char *file = in->name;
    int c = oups_table_column_index(t, on);
    if (c < 0 || oups_table_num_rows(t) == 0) return 0; /* a missing key column: the caller's message */
    const oups_column *k = oups_table_column(t, c), *pk = NULL;
    const char *keys[1] = {on};
    int64_t bad = -1, pr = 0;
    char a[128], b[128], at[64], where[600];
    if (oups_column_null_count(k) > 0) {
        for (bad = 0; oups_column_is_valid(k, bad); bad++) {}
        row_name(at, sizeof at, in, r0, bad);
        return cli_fail(OUPS_EINVAL, "%s: column '%s' has a null at %s (keys must have values)", file, on, at);
    }
    if (oups_table_check_ordered(&bad, t, keys, 1) == 0) bad = -1;
    if (bad > 0) pk = k, pr = bad - 1;
    else if (bad < 0 && prev && oups_table_num_rows(prev) > 0) { /* across chunks */
        oups_scalar first;
        oups_column_get_scalar(&first, k, 0);
        pk = oups_table_column(prev, oups_table_column_index(prev, on)), pr = oups_table_num_rows(prev) - 1;
        if (oups_column_compare_scalar(pk, pr, &first) > 0) bad = 0;
    }
    if (bad < 0) return 0;
    cli_cell_text(a, sizeof a, k, bad);
    cli_cell_text(b, sizeof b, pk, pr);
    row_name(at, sizeof at, in, r0, bad);
    if (r0 + bad > 0) row_name(where, sizeof where, in, r0, bad - 1);
    else snprintf(where, sizeof where, "the last row of %s", prev_file ? prev_file : "the input before it");
    return cli_fail(OUPS_EUNORDERED, "%s: column '%s' is not in non-decreasing order: %s (%s) comes after %s (%s)",
                    file, on, at, a, where, b);
}
int cli_input_count(const cli_input *in) { return in->n; }
const char *cli_input_path(const cli_input *in, int k) { return in->items[k].path; }

bool cli_input_row_grouped(const cli_input *in) {
    for (int i = 0; i < in->n; i++)
        if (in->items[i].kind != K_PARQUET && in->items[i].kind != K_DATASET) return false;
    return true;
}

void cli_input_set_threads(cli_input *in, int threads) {
    in->threads = threads;
    if (in->pq) oups_parquet_reader_set_threads(in->pq, threads);
}

int64_t cli_input_total_bytes(const cli_input *in) {
    int64_t total = 0;
    for (int i = 0; i < in->n; i++) {
        struct stat st;
        if (in->items[i].kind == K_DATASET || !strcmp(in->items[i].path, "-") || stat(in->items[i].path, &st) ||
            !S_ISREG(st.st_mode))
            return -1;
        total += st.st_size;
    }
    return total;
}

int cli_input_row_groups(cli_input *in, const int64_t *rg, int n) {
    if (in->n != 1 || in->items[0].kind != K_PARQUET)
        return cli_fail(OUPS_EINVAL, "row groups can be chosen for a single Parquet input only");
    free(in->rg_list);
    if (!(in->rg_list = calloc((size_t)n + 1, sizeof *in->rg_list))) return cli_fail(OUPS_ENOMEM, "out of memory");
    int total = oups_parquet_reader_num_row_groups(in->pq);
    for (int i = 0; i < n; i++) {
        if (rg[i] < 0 || rg[i] >= total)
            return cli_fail(OUPS_EINVAL, "%s: row group %lld does not exist (the file has %d)", in->name,
                            (long long)rg[i], total);
        in->rg_list[i] = (int)rg[i];
    }
    in->n_rg = n;
    return 0;
}

/* Next chunk of the open input: 1, 0 at its end, < 0. */
static int next_of_current(oups_table **out, cli_input *in) {
    const char *const *cols = (const char *const *)in->names;
    int nc = oups_table_num_columns(in->schema), rc = 0;
    if (in->pq) {
        int n = in->rg_list ? in->n_rg : oups_parquet_reader_num_row_groups(in->pq);
        if (in->rg >= n) return 0;
        rc = oups_parquet_reader_read(out, in->pq, in->rg_list ? &in->rg_list[in->rg] : &in->rg, 1, cols, nc);
        in->rg++;
        return rc ? cli_fail_lib(rc, NULL) : 1;
    }
    if (in->opd) {
        if (in->ds_rg >= oups_opd_len(in->opd)) return 0;
        oups_opd *v = NULL;
        rc = oups_opd_view(&v, in->opd, in->ds_rg, in->ds_rg + 1, 1);
        if (rc == 0) rc = oups_opd_read(out, v, cols, nc);
        oups_opd_close(v);
        in->ds_rg++;
        return rc ? cli_fail_lib(rc, in->name) : 1;
    }
    oups_table *t = NULL;
    if ((rc = in->csv ? cli_csv_next(&t, in->csv) : cli_jsonl_next(&t, in->jl)) != 1) return rc;
    if (!in->reorder) {
        *out = t;
        return 1;
    }
    rc = oups_table_select(out, t, cols, nc);
    oups_table_free(t);
    return rc ? cli_fail_lib(rc, in->name) : 1;
}

/* Bytes of the open input read so far: CSV the bytes consumed, Parquet the share of the file
 * of the row groups read (by rows), all of it at its end. */
static int64_t bytes_done(const cli_input *in, bool at_end) {
    if (at_end) return in->size;
    if (in->csv) return cli_csv_raw_bytes(in->csv);
    if (in->pq && oups_parquet_reader_num_rows(in->pq) > 0) {
        int64_t rows = 0;
        for (int i = 0; i < in->rg; i++)
            rows += oups_parquet_reader_row_group_num_rows(in->pq, in->rg_list ? in->rg_list[i] : i);
        return (int64_t)((double)in->size * (double)rows / (double)oups_parquet_reader_num_rows(in->pq));
    }
    return 0;
}

static void report(cli_input *in, int64_t rows, bool at_end) {
    int64_t b = bytes_done(in, at_end);
    cli_progress_advance(rows, b > in->reported ? b - in->reported : 0);
    if (b > in->reported) in->reported = b;
}

int cli_input_next(oups_table **out, cli_input *in) {
    *out = NULL;
    while (in->cur < in->n) {
        int rc = 0;
        if (!in->open) rc = open_later(in, in->cur);
        if (rc == 0) rc = next_of_current(out, in);
        if (rc < 0) return rc;
        report(in, rc == 1 ? oups_table_num_rows(*out) : 0, rc == 0);
        if (rc == 1) return 1;
        close_current(in);
        in->cur++;
    }
    return 0;
}

void cli_input_close(cli_input *in) {
    if (!in) return;
    if (in->progress) cli_progress_end();
    close_current(in);
    for (int i = 0; i < in->n; i++) free(in->items[i].path);
    free(in->items);
    free(in->names);
    free(in->rg_list);
    free(in->first_types.types);
    oups_table_free(in->schema);
    free(in);
}
