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
    "  -o OUT                      output file (default stdout)\n";

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

/* Whole file into memory; 1 if it does not exist. */
static int read_state(uint8_t **out, size_t *len, const char *path) {
    *out = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return errno == ENOENT ? 1 : cli_fail(OUPS_EIO, "%s: %s", path, strerror(errno));
    size_t cap = 1 << 16;
    uint8_t *buf = malloc(cap);
    while (buf) {
        *len += fread(buf + *len, 1, cap - *len, f);
        if (*len < cap) break;
        uint8_t *nb = realloc(buf, cap *= 2);
        if (!nb) free(buf);
        buf = nb;
    }
    int err = ferror(f);
    fclose(f);
    if (!buf || err) {
        free(buf);
        return cli_fail(OUPS_EIO, "%s: cannot read the state file", path);
    }
    *out = buf;
    return 0;
}

/* Write `path` atomically: a temporary in the same directory, fsync, rename, fsync the dir. */
static int write_state(const char *path, const uint8_t *data, size_t len) {
    char tmp[4096], dir[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid());
    snprintf(dir, sizeof dir, "%s", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return cli_fail(OUPS_EIO, "%s: %s", tmp, strerror(errno));
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, data + done, len - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) break;
        done += (size_t)w;
    }
    int ok = done == len && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return cli_fail(OUPS_EIO, "%s: cannot write the state file: %s", path, strerror(e));
    }
    int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
    return 0;
}

/* An empty chunk read from CSV has untyped (string) columns: give it the key type and, when
 * the merger knows them (from its state), the value columns of table d. */
static int retype_empty(oups_table **t, const char *on, const oups_datatype *key, const oups_asof_merger *m, int d) {
    if (oups_table_num_rows(*t) > 0) return 0;
    oups_table *fill = NULL;
    int n = 1, rc = 0;
    if (m && d >= 0 && oups_asof_merger_has_state(m) && (rc = oups_asof_merger_fill_block(&fill, m, 0, d)) < 0)
        return cli_fail_lib(rc, NULL);
    if (fill) n += oups_table_num_columns(fill);
    const char **names = calloc((size_t)n, sizeof *names);
    oups_datatype *types = calloc((size_t)n, sizeof *types);
    if (!names || !types) rc = cli_fail(OUPS_ENOMEM, "out of memory");
    if (rc == 0) {
        names[0] = on;
        types[0] = *key;
        for (int c = 1; c < n; c++) {
            names[c] = oups_table_column_name(fill, c - 1);
            types[c] = *oups_column_type(oups_table_column(fill, c - 1));
        }
        oups_table *e = NULL;
        if ((rc = oups_table_new_empty(&e, n, names, types)) < 0) cli_fail_lib(rc, NULL);
        else {
            oups_table_free(*t);
            *t = e;
        }
    }
    free(names);
    free(types);
    oups_table_free(fill);
    return rc;
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
    oups_table *main_t = NULL, *tables[256] = {0}, *res = NULL;
    oups_asof_merger *m = NULL;
    uint8_t *blob = NULL, *saved = NULL; /* read by us (free) / made by liboups (oups_mem_free) */
    size_t len = 0;
    int status = 1;
    if (cli_read_table(&main_t, a.main, NULL) < 0) goto out;
    for (int d = 0; d < n; d++)
        if (cli_read_table(&tables[d], a.tables[d], NULL) < 0) goto out;
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
    /* The key type: from the state, else from the first input with rows. */
    oups_datatype key;
    bool have_key = false;
    oups_table *inputs[257] = {main_t};
    for (int d = 0; d < n; d++) inputs[d + 1] = tables[d];
    for (int i = 0; i <= n && !have_key; i++) {
        int k = oups_table_column_index(inputs[i], a.on);
        if (k < 0) {
            cli_fail(OUPS_ENOTFOUND, "%s: no column '%s'", i ? a.tables[i - 1] : a.main, a.on);
            goto out;
        }
        if (oups_table_num_rows(inputs[i]) > 0) {
            key = *oups_column_type(oups_table_column(inputs[i], k));
            have_key = true;
        }
    }
    if (a.tolerance) {
        if (!have_key) key = oups_type(OUPS_TYPE_INT64);
        o.has_tolerance = true;
        if (parse_tolerance(&o.tolerance, a.tolerance, &key) < 0) goto out;
    }
    if ((rc = oups_asof_merger_new(&m, &o)) < 0) {
        cli_fail_lib(rc, NULL);
        goto out;
    }
    if (a.state) {
        rc = read_state(&blob, &len, a.state);
        if (rc < 0) goto out;
        if (rc == 0 && (rc = oups_asof_merger_load(m, blob, len)) < 0) {
            cli_fail_lib(rc, a.state);
            goto out;
        }
        if (oups_asof_merger_has_state(m) && oups_asof_merger_key_type(&key, m) == 0) have_key = true;
        free(blob);
        blob = NULL;
    }
    if (have_key) {
        if (retype_empty(&main_t, a.on, &key, NULL, -1) < 0) goto out;
        for (int d = 0; d < n; d++)
            if (retype_empty(&tables[d], a.on, &key, m, d) < 0) goto out;
    }
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
        if (write_state(a.state, saved, len) < 0) goto out;
    }
    status = 0;
out:
    free(blob);
    oups_mem_free(saved);
    oups_table_free(res);
    oups_asof_merger_free(m);
    oups_table_free(main_t);
    for (int d = 0; d < n; d++) oups_table_free(tables[d]);
    return status;
}
