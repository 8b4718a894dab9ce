/*
 * tools/oups/live.c: the live driver of `oups agg` and `oups asof` (live.h): stdin read with
 * poll() into complete records, chunks cut by rows, seconds, end of input or a signal, each
 * chunk processed by the command, merged into the store datasets, then the state checkpointed.
 *
 * Restart rule. The state file (a "live state": magic, rows consumed, input column types, the
 * command's own state blob, checksum) records S, the number of data rows of the stream whose
 * effect is in the state. Each dataset records in its key-value metadata, in the same atomic
 * commit as the rows, D = the stream rows whose output it holds (D >= S: the write comes first).
 * A restarted run whose stdin starts at stream row K (--input-offset, default 0) skips S - K
 * rows (K > S is a gap: an error), then replays from S: re-emitted rows (agg) replace their
 * stored versions, and per-row outputs (asof) of rows below D are not written again. So the
 * dataset ends as a one-shot run leaves it whatever the instant of a kill.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "live.h"
#include "records.h"

#define KV_ROWS "oups_live_rows"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig) {
    (void)sig;
    stop_requested = 1;
}

/* ---- options ------------------------------------------------------------------------------ */

int cli_live_option(cli_live_options *o, int opt, const char *arg, const char *group) {
    char msg[256];
    int64_t v;
    switch (opt) {
    case CLI_OPT_INPUT:
        if (strcmp(arg, "-") != 0) return cli_usage_error(group, NULL, "--input takes '-' (stdin, live mode)");
        o->input = arg;
        return 1;
    case CLI_OPT_INPUT_FORMAT:
        if (strcmp(arg, "csv") != 0 && strcmp(arg, "jsonl") != 0)
            return cli_usage_error(group, NULL, "--input-format must be csv or jsonl");
        o->format = arg;
        return 1;
    case CLI_OPT_CHUNK_ROWS:
    case CLI_OPT_INPUT_OFFSET: {
        char *e;
        errno = 0;
        long long n = strtoll(arg, &e, 10);
        bool rows = opt == CLI_OPT_CHUNK_ROWS;
        if (!*arg || *e || errno || n < (rows ? 1 : 0)) {
            snprintf(msg, sizeof msg, "bad value '%s' for %s: an integer >= %d", arg,
                     rows ? "--chunk-rows" : "--input-offset", rows ? 1 : 0);
            return cli_usage_error(group, NULL, msg);
        }
        v = n;
        if (rows) o->chunk_rows = v;
        else o->input_offset = v;
        return 1;
    }
    case CLI_OPT_CHUNK_SECONDS: {
        char *e;
        double s = strtod(arg, &e);
        if (!*arg || *e || !(s > 0) || s > 1e9) {
            snprintf(msg, sizeof msg, "bad value '%s' for --chunk-seconds: a number of seconds > 0", arg);
            return cli_usage_error(group, NULL, msg);
        }
        o->chunk_seconds = s;
        return 1;
    }
    case CLI_OPT_SCHEMA: o->schema_spec = arg; return 1;
    case CLI_OPT_STORE_OUT: o->store_out = arg; return 1;
    case CLI_OPT_ROW_GROUP_SIZE: return cli_opt_positive(&o->row_group_size, group, NULL, "--row-group-size", arg) ? 2 : 1;
    case CLI_OPT_PRINT_OFFSET: o->print_offset = true; return 1;
    default: return cli_csv_option(&o->csv, opt, arg, group, NULL);
    }
}

int cli_live_check(const cli_live_options *o, const char *state, const char *group) {
    if (o->print_offset && !state) return cli_usage_error(group, NULL, "--print-offset needs --state FILE");
    if (o->row_group_size && !o->store_out)
        return cli_usage_error(group, NULL, "--row-group-size applies to --store-out only");
    if (o->input) {
        if (o->store_out && !state)
            return cli_usage_error(group, NULL, "--store-out needs --state FILE (a restart resumes from it)");
        return 0;
    }
    const char *live_only = o->format ? "--input-format" : o->chunk_rows ? "--chunk-rows" : o->chunk_seconds ? "--chunk-seconds"
                            : o->input_offset ? "--input-offset" : o->store_out ? "--store-out" : NULL;
    if (live_only) {
        char msg[128];
        snprintf(msg, sizeof msg, "%s applies to the live mode only (--input -)", live_only);
        return cli_usage_error(group, NULL, msg);
    }
    return 0;
}

/* ---- the live state file ------------------------------------------------------------------ */
/* "OUPSLIV1", u64 rows, u32 n + schema text ("name:type,..."), u64 n + the command's blob,
 * u64 FNV-1a of everything before; integers little-endian. */

static const char MAGIC[8] = {'O', 'U', 'P', 'S', 'L', 'I', 'V', '1'};

static uint64_t fnv(const uint8_t *p, size_t n) {
    uint64_t h = 1469598103934665603u;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 1099511628211u;
    return h;
}

static void put_u64(uint8_t *p, uint64_t v, int n) {
    for (int i = 0; i < n; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_u64(const uint8_t *p, int n) {
    uint64_t v = 0;
    for (int i = 0; i < n; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}

typedef struct live_state {
    int64_t rows;
    char *schema;        /* NULL before the first chunk */
    const uint8_t *blob; /* into the file's bytes */
    size_t blob_len;
} live_state;

/* Parse the file's bytes (borrowed by st). */
static int state_parse(live_state *st, const uint8_t *b, size_t n, const char *path) {
    memset(st, 0, sizeof *st);
    if (n < 8 || memcmp(b, MAGIC, 8) != 0)
        return cli_fail(OUPS_ECORRUPT, "%s: not a live state file (a state of the live mode starts with %.8s)", path,
                        MAGIC);
    if (n < 8 + 8 + 4 + 8 + 8 || get_u64(b + n - 8, 8) != fnv(b, n - 8))
        return cli_fail(OUPS_ECORRUPT, "%s: damaged live state file (checksum)", path);
    size_t pos = 8;
    st->rows = (int64_t)get_u64(b + pos, 8);
    pos += 8;
    size_t sl = (size_t)get_u64(b + pos, 4);
    pos += 4;
    if (sl > n - pos - 16) return cli_fail(OUPS_ECORRUPT, "%s: damaged live state file (schema length)", path);
    if (sl && !(st->schema = strndup((const char *)b + pos, sl))) return cli_fail(OUPS_ENOMEM, "out of memory");
    pos += sl;
    st->blob_len = (size_t)get_u64(b + pos, 8);
    pos += 8;
    if (st->rows < 0 || st->blob_len != n - pos - 8) {
        free(st->schema);
        return cli_fail(OUPS_ECORRUPT, "%s: damaged live state file (lengths)", path);
    }
    st->blob = b + pos;
    return 0;
}

int cli_live_print_offset(const char *path) {
    uint8_t *bytes = NULL;
    size_t n = 0;
    int rc = cli_read_state(&bytes, &n, path);
    if (rc < 0) return 1;
    live_state st = {0};
    if (rc == 0 && state_parse(&st, bytes, n, path) < 0) {
        free(bytes);
        return 1;
    }
    printf("%lld\n", (long long)st.rows);
    free(st.schema);
    free(bytes);
    return 0;
}

/* ---- the run ------------------------------------------------------------------------------ */

typedef struct live {
    const cli_live_options *o;
    const cli_live_job *job;
    const char *state_path;
    const char *name;     /* "<stdin>" */
    bool jsonl;
    /* input bytes: buf[0, len); records are cut from buf[rec, ...) */
    char *buf;
    size_t len, cap, rec, scan;
    bool in_quotes, field_start, eof;
    int64_t line;         /* line of buf[rec] */
    /* columns */
    char **names;
    int ncols;
    cli_schema types;     /* given (--schema, or the state's) until the first chunk fixes all */
    bool typed;           /* every column typed (state or first chunk) */
    /* the chunk being read */
    cli_cells cells;
    double first_row_at;  /* monotonic seconds */
    int64_t skip;         /* rows still to skip (already consumed) */
    int64_t rows;         /* S: stream rows consumed (in the state) */
    /* outputs */
    oups_opd *opd[2];
    int64_t stored[2];    /* D of each dataset */
    FILE *out[2];
    bool header_done[2];
} live;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* "name:type,..." of the fixed columns. */
static char *schema_text(const live *L) {
    size_t cap = 64, n = 0;
    char *s = malloc(cap), tb[128];
    for (int i = 0; s && i < L->types.n; i++) {
        oups_datatype_format(&L->types.types[i], tb, sizeof tb);
        size_t need = strlen(L->types.names[i]) + strlen(tb) + 3;
        if (n + need > cap) {
            char *ns = realloc(s, cap = (n + need) * 2);
            if (!ns) free(s);
            s = ns;
            if (!s) break;
        }
        n += (size_t)sprintf(s + n, "%s%s:%s", i ? "," : "", L->types.names[i], tb);
    }
    return s;
}

/* The live state blob: the command's blob wrapped with the rows consumed and the types. */
static int wrap_state(uint8_t **out, size_t *len, const void *vL) {
    const live *L = vL;
    uint8_t *inner = NULL;
    size_t il = 0;
    int rc = L->job->save(&inner, &il, L->job->obj);
    if (rc < 0) return rc;
    char *sch = schema_text(L);
    size_t sl = sch ? strlen(sch) : 0, n = 8 + 8 + 4 + sl + 8 + il + 8;
    uint8_t *b = sch ? oups_mem_alloc(n) : NULL;
    if (!b) {
        free(sch);
        oups_mem_free(inner);
        return OUPS_ENOMEM;
    }
    memcpy(b, MAGIC, 8);
    put_u64(b + 8, (uint64_t)L->rows, 8);
    put_u64(b + 16, sl, 4);
    memcpy(b + 20, sch, sl);
    put_u64(b + 20 + sl, il, 8);
    memcpy(b + 28 + sl, inner, il);
    put_u64(b + n - 8, fnv(b, n - 8), 8);
    free(sch);
    oups_mem_free(inner);
    *out = b;
    *len = n;
    return 0;
}

/* The names of the header (CSV) or of the first line (JSONL), or of --no-header columns. */
static int set_names(live *L, char **names, int n) {
    if (L->types.n && L->typed) { /* the state fixed them: the input must have the same */
        int i = 0;
        while (i < n && i < L->types.n && !strcmp(names[i], L->types.names[i])) i++;
        if (i < n || n != L->types.n) {
            int rc = cli_fail(OUPS_ESCHEMA, "%s: column %d of the input is '%s', the state %s has '%s' (the columns "
                              "are fixed by the first run)", L->name, i + 1, i < n ? names[i] : "(none)", L->state_path,
                              i < L->types.n ? L->types.names[i] : "(none)");
            for (int k = 0; k < n; k++) free(names[k]);
            free(names);
            return rc;
        }
    }
    L->names = names;
    L->ncols = n;
    L->cells.ncols = n;
    return 0;
}

/* The header record at buf[rec, end). */
static int header(live *L, const char *rec, size_t n) {
    char **names = NULL;
    int k = 0, rc = 0;
    if (L->jsonl) {
        if (L->typed) { /* the state's columns; a JSONL line is data */
            names = calloc((size_t)L->types.n, sizeof *names);
            for (int i = 0; names && i < L->types.n; i++) names[i] = strdup(L->types.names[i]);
            k = L->types.n;
        } else if ((rc = cli_jsonl_keys(&names, &k, L->name, rec, n, L->line)) < 0) return rc;
    } else {
        /* a header row: its fields as the CSV tokenizer reads them (ncols 0: the record's width) */
        cli_cells h = {0};
        rc = cli_csv_cells(&h, L->name, rec, n, L->o->csv.delimiter, L->line);
        if (rc == 0 && h.nrows != 1) rc = cli_fail(OUPS_EINVAL, "%s: line %lld: no header row", L->name, (long long)L->line);
        names = rc == 0 ? calloc((size_t)h.ncols, sizeof *names) : NULL;
        for (int i = 0; names && i < h.ncols; i++) {
            char col[32];
            snprintf(col, sizeof col, "column_%d", i + 1);
            const char *t = L->o->csv.no_header ? col : h.off[i] == SIZE_MAX ? "" : h.arena + h.off[i];
            if (!*t && rc == 0) rc = cli_fail(OUPS_EINVAL, "%s: line %lld: column %d has an empty name", L->name,
                                               (long long)L->line, i + 1);
            names[i] = strdup(t);
        }
        k = h.ncols;
        cli_cells_free(&h);
    }
    if (!names && rc == 0) rc = cli_fail(OUPS_ENOMEM, "out of memory");
    if (rc < 0) {
        for (int i = 0; names && i < k; i++) free(names[i]);
        free(names);
        return rc;
    }
    return set_names(L, names, k);
}

/* ---- outputs ------------------------------------------------------------------------------ */

/* Merge output i of the chunk of stream rows [first, first + n_in) into its dataset. */
static int store_write(live *L, int i, const oups_table *out, int64_t first, int64_t n_in) {
    const cli_live_job *job = L->job;
    const char *path = job->store_out[i];
    oups_opd *opd = L->opd[i];
    int64_t n = oups_table_num_rows(out), drop = 0;
    if (job->per_row && L->stored[i] > first) drop = L->stored[i] - first < n ? L->stored[i] - first : n;
    oups_table *df = NULL, *old = NULL, *cat = NULL, *dd = NULL;
    int rc = oups_table_slice(&df, out, drop, n - drop);
    const char *keys[65] = {job->key};
    for (int k = 0; k < job->n_by && k < 64; k++) keys[k + 1] = job->by[k];
    int nk = 1 + (job->n_by < 64 ? job->n_by : 64);
    if (rc == 0 && !job->per_row && oups_table_num_rows(df) > 0 && oups_opd_len(opd) > 0) {
        /* The stored rows from the first key on are rewritten in (key, by) order, the new
         * version of a row replacing the old: the order of a one-shot run, whatever the chunks. */
        oups_scalar k0;
        int kc = oups_table_column_index(df, job->key);
        if (kc < 0) rc = OUPS_ENOTFOUND;
        else oups_column_get_scalar(&k0, oups_table_column(df, kc), 0);
        if (rc == 0) rc = oups_opd_read_range(&old, opd, &k0, NULL, NULL, 0);
        if (rc == 0 && oups_table_num_rows(old) > 0) {
            oups_table *parts[2] = {old, df};
            rc = oups_table_concat(&cat, parts, 2);
            if (rc == 0) rc = oups_table_dedup_last(&dd, cat, keys, nk);
            oups_table_free(df);
            df = NULL;
            if (rc == 0) rc = oups_table_sort(&df, dd, keys, nk);
        }
    }
    if (rc == 0 && oups_table_num_rows(df) > 0) {
        char through[32];
        snprintf(through, sizeof through, "%lld", (long long)(first + n_in));
        const char *kk[] = {KV_ROWS}, *kv[] = {through};
        oups_store_write_options w = OUPS_STORE_WRITE_OPTIONS_INIT;
        w.ordered_on = job->key;
        w.duplicates = job->per_row ? OUPS_DUP_NONE : OUPS_DUP_COLUMNS;
        w.duplicates_on = job->by;
        w.n_duplicates_on = job->per_row ? 0 : job->n_by;
        w.n_kv = 1;
        w.kv_keys = kk;
        w.kv_values = kv;
        /* Bounded work per chunk, whatever the stream's length: the rewrite of the last row
         * group (agg) stops growing at row_group_rows, and the row groups appended one per
         * chunk (asof) are merged once more than CLI_LIVE_MAX_SMALL_ROW_GROUPS trail. */
        w.row_group_rows = L->o->row_group_size ? L->o->row_group_size : CLI_LIVE_ROW_GROUP_SIZE;
        w.max_n_off_target_rgs = CLI_LIVE_MAX_SMALL_ROW_GROUPS;
        if ((rc = oups_opd_write(opd, df, &w)) == 0) L->stored[i] = first + n_in;
    }
    if (rc < 0) cli_fail_lib(rc, path);
    oups_table_free(df);
    oups_table_free(old);
    oups_table_free(cat);
    oups_table_free(dd);
    return rc;
}

static int text_write(live *L, int i, const oups_table *out) {
    const char *path = L->job->out[i], *f = L->job->out_format ? L->job->out_format : "csv";
    int rc = 0;
    if (!L->out[i] && (rc = cli_open_output(&L->out[i], path)) < 0) return rc;
    if (!L->header_done[i]) {
        if ((rc = cli_write_header(L->out[i], out, f)) < 0) return rc;
        L->header_done[i] = true;
    }
    if ((rc = cli_write_rows(L->out[i], out, f)) < 0) return rc;
    return fflush(L->out[i]) == 0 ? 0 : cli_fail(OUPS_EIO, "%s: write failed", path ? path : "<stdout>");
}

/* ---- chunks ------------------------------------------------------------------------------- */

/* Process the chunk read so far, write its outputs, then checkpoint the state. */
static int flush(live *L) {
    if (L->cells.nrows == 0) return 0;
    const cli_live_job *job = L->job;
    oups_table *t = NULL, *outs[2] = {NULL, NULL};
    int rc = cli_cells_table(&t, &L->cells, L->name, L->names, L->types.n ? &L->types : NULL);
    if (rc == 0 && !L->typed) { /* the first chunk fixes the types of every column, for good */
        cli_schema_free(&L->types);
        L->typed = (rc = cli_schema_of_table(&L->types, t)) == 0;
    }
    if (rc == 0) rc = job->process(outs, job->obj, t);
    int64_t n_in = oups_table_num_rows(t);
    for (int i = 0; rc == 0 && i < job->n_outputs; i++) {
        if (!outs[i]) continue;
        rc = job->store_out[i] ? store_write(L, i, outs[i], L->rows, n_in) : text_write(L, i, outs[i]);
    }
    /* Tests: OUPS_TEST_KILL_AFTER_WRITE=N kills the process after its N-th chunk write, before
     * the checkpoint, the window where the dataset is ahead of the state (random kills too). */
    static int64_t writes, kill_at = -1;
    if (kill_at < 0) kill_at = getenv("OUPS_TEST_KILL_AFTER_WRITE") ? atoll(getenv("OUPS_TEST_KILL_AFTER_WRITE")) : 0;
    if (rc == 0 && ++writes == kill_at) raise(SIGKILL);
    if (rc == 0) { /* after the writes: a kill in between replays this chunk, which is idempotent */
        L->rows += n_in;
        if (L->state_path && (rc = cli_save_state(L->state_path, wrap_state, L)) < 0) L->rows -= n_in;
    }
    for (int i = 0; i < 2; i++) oups_table_free(outs[i]);
    oups_table_free(t);
    cli_cells_clear(&L->cells);
    return rc;
}

/* End of the record starting at buf[rec] (after its newline): 1 and *end, or 0 (need more). */
static int find_record(live *L, size_t *end) {
    if (L->jsonl) {
        const char *nl = L->len > L->scan ? memchr(L->buf + L->scan, '\n', L->len - L->scan) : NULL;
        L->scan = nl ? (size_t)(nl - L->buf) + 1 : L->len;
        *end = L->scan;
        return nl != NULL;
    }
    char delim = L->o->csv.delimiter;
    for (size_t p = L->scan; p < L->len; p++) { /* the tokenizer's quoting rules (csv.c) */
        char c = L->buf[p];
        if (L->in_quotes) {
            if (c == '"') {
                if (p + 1 == L->len) { /* "" or a closing quote: the next byte tells */
                    L->scan = p;
                    return 0;
                }
                if (L->buf[p + 1] == '"') p++;
                else L->in_quotes = false;
            }
            continue;
        }
        if (c == '"' && L->field_start) L->in_quotes = true;
        L->field_start = c == delim || c == '\n';
        if (c == '\n') {
            *end = L->scan = p + 1;
            return 1;
        }
    }
    L->scan = L->len;
    return 0;
}

static bool blank(const char *r, size_t n, bool jsonl) {
    for (size_t i = 0; i < n; i++)
        if (r[i] != '\n' && r[i] != '\r' && !(jsonl && (r[i] == ' ' || r[i] == '\t'))) return false;
    return true;
}

/* One complete record. */
static int record(live *L, const char *r, size_t n) {
    if (blank(r, n, L->jsonl)) return 0;
    int rc;
    if (!L->names) {
        if ((rc = header(L, r, n)) < 0) return rc;
        if (!L->jsonl && !L->o->csv.no_header) return 0; /* a CSV header row; else the record is data */
    }
    if (L->skip > 0) { /* consumed before the restart: in the state already */
        L->skip--;
        return 0;
    }
    if (L->cells.nrows == 0) L->first_row_at = now();
    return L->jsonl ? cli_jsonl_cells(&L->cells, L->names, L->name, r, n, L->line)
                    : cli_csv_cells(&L->cells, L->name, r, n, L->o->csv.delimiter, L->line);
}

/* The complete records buffered, chunks cut every chunk_rows rows. */
static int drain(live *L) {
    size_t end;
    int64_t max_rows = L->o->chunk_rows ? L->o->chunk_rows : 65536;
    while (find_record(L, &end)) {
        const char *r = L->buf + L->rec;
        size_t n = end - L->rec;
        int rc = record(L, r, n);
        if (rc < 0) return rc;
        for (size_t i = 0; i < n; i++) L->line += r[i] == '\n';
        L->rec = end;
        if (L->cells.nrows >= max_rows && (rc = flush(L)) < 0) return rc;
    }
    if (L->rec) memmove(L->buf, L->buf + L->rec, L->len - L->rec); /* keep the incomplete record */
    L->len -= L->rec;
    L->scan -= L->rec;
    L->rec = 0;
    return 0;
}

/* Read what stdin has (waiting at most until the chunk's deadline). */
static int read_more(live *L) {
    int timeout = -1;
    if (L->o->chunk_seconds > 0 && L->cells.nrows > 0) {
        double left = L->first_row_at + L->o->chunk_seconds - now();
        if (left <= 0) return flush(L);
        timeout = (int)ceil(left * 1000);
    }
    struct pollfd p = {STDIN_FILENO, POLLIN, 0};
    int r = poll(&p, 1, timeout);
    if (r < 0 && errno != EINTR) return cli_fail(OUPS_EIO, "%s: poll: %s", L->name, strerror(errno));
    if (r <= 0) return 0; /* a signal, or the deadline: the caller's loop decides */
    if (L->cap - L->len < 65536) {
        size_t cap = L->cap ? L->cap * 2 : (size_t)1 << 17;
        char *b = realloc(L->buf, cap);
        if (!b) return cli_fail(OUPS_ENOMEM, "out of memory");
        L->buf = b;
        L->cap = cap;
    }
    ssize_t n = read(STDIN_FILENO, L->buf + L->len, L->cap - L->len);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return 0;
    if (n < 0) return cli_fail(OUPS_EIO, "%s: read: %s", L->name, strerror(errno));
    if (n == 0) L->eof = true;
    L->len += (size_t)n;
    return 0;
}

/* The state at start: rows consumed, column types, the command's state. */
static int load_state(live *L) {
    uint8_t *bytes = NULL;
    size_t n = 0;
    int rc = cli_read_state(&bytes, &n, L->state_path);
    if (rc != 0) return rc < 0 ? rc : 0; /* no state yet */
    live_state st;
    if ((rc = state_parse(&st, bytes, n, L->state_path)) == 0) {
        L->rows = st.rows;
        if (st.schema) {
            if ((rc = cli_parse_schema(&L->types, st.schema)) == 0) L->typed = true;
            else rc = cli_fail(OUPS_ECORRUPT, "%s: damaged live state file (column types)", L->state_path);
        }
        if (rc == 0 && st.rows > 0) rc = L->job->load(L->job->obj, st.blob, st.blob_len);
        free(st.schema);
    }
    free(bytes);
    return rc;
}

static int open_stores(live *L) {
    for (int i = 0; i < L->job->n_outputs; i++) {
        if (!L->job->store_out[i]) continue;
        oups_opd_options oo = OUPS_OPD_OPTIONS_INIT;
        oo.lock_timeout_ms = 10000;
        int rc = oups_opd_open(&L->opd[i], L->job->store_out[i], &oo);
        if (rc < 0) return cli_fail_lib(rc, L->job->store_out[i]);
        const char *d = oups_opd_kv_get(L->opd[i], KV_ROWS);
        L->stored[i] = d ? strtoll(d, NULL, 10) : 0;
    }
    return 0;
}

int cli_live_run(const cli_live_options *o, const char *state, const cli_live_job *job) {
    live L = {.o = o, .job = job, .state_path = state, .name = "<stdin>", .field_start = true, .line = 1};
    L.jsonl = o->format && !strcmp(o->format, "jsonl");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: poll() returns at once */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    int rc = state ? load_state(&L) : 0;
    if (rc == 0 && !L.typed && o->schema_spec) rc = cli_parse_schema(&L.types, o->schema_spec);
    if (rc == 0 && o->input_offset > L.rows)
        rc = cli_fail(OUPS_EINVAL, "--input-offset %lld: the state %s has consumed %lld rows of the stream, so rows "
                      "%lld to %lld would be missing (restart from row %lld or earlier)", (long long)o->input_offset,
                      state ? state : "(none)", (long long)L.rows, (long long)L.rows, (long long)o->input_offset - 1,
                      (long long)L.rows);
    L.skip = L.rows - o->input_offset;
    if (rc == 0) rc = open_stores(&L);
    while (rc == 0) {
        if ((rc = drain(&L)) < 0 || L.eof || stop_requested) break;
        rc = read_more(&L);
    }
    if (rc == 0 && L.eof && L.len > 0 && !blank(L.buf, L.len, L.jsonl))
        fprintf(stderr, "oups: %s: line %lld is incomplete (no newline at the end of the input): not read\n", L.name,
                (long long)L.line);
    if (rc == 0) rc = flush(&L);
    if (rc == 0 && L.skip > 0)
        fprintf(stderr, "oups: %s: the input ended within the %lld rows the state had already consumed\n", L.name,
                (long long)(L.rows - o->input_offset));
    for (int i = 0; i < 2; i++) {
        if (L.out[i] && cli_close_output(L.out[i], job->out[i]) < 0) rc = rc ? rc : OUPS_EIO;
        oups_opd_close(L.opd[i]);
    }
    for (int i = 0; i < L.ncols; i++) free(L.names[i]);
    free(L.names);
    cli_schema_free(&L.types);
    cli_cells_free(&L.cells);
    free(L.buf);
    return rc < 0 ? 1 : 0;
}
