// labels: oracle
/*
 * tests/parquet/test_interop.c: oracle tests of the Parquet writer and reader against DuckDB
 * and Polars (the node scripts in tests/oracle). Files we write (every type, codec, page version, nulls,
 * empty and multi-row-group files, edge values, every encoding choice) are read by both engines with the expected
 * types and identical values; files both engines write (each codec, DuckDB's v2 pages) are
 * read by us identical to what the engine itself reads. Values are compared as canonical
 * text (integers, hex bytes, decimal text; floats parsed back and compared by bits).
 */
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gen_table.h"
#include "pq_mem.h"

static char tmpdir_buf[] = "/tmp/oups_interop_XXXXXX";
static const char *tmpdir_path;

static void cleanup(void) {
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir_buf);
    if (system(cmd) != 0) fprintf(stderr, "cleanup failed\n");
}

/* The test's temporary directory, made on first use and removed at exit. */
static const char *tmpdir(void) {
    if (!tmpdir_path) {
        if (!mkdtemp(tmpdir_buf)) {
            perror("mkdtemp");
            exit(1);
        }
        atexit(cleanup);
        tmpdir_path = tmpdir_buf;
    }
    return tmpdir_path;
}

/* Run a shell command, capture stdout (oups_mem_free). */
static int run(char **out, const char *cmd) {
    FILE *f = popen(cmd, "r");
    if (!f) return -1;
    size_t cap = 1 << 16, len = 0;
    char *b = malloc(cap);
    size_t n;
    while (b && (n = fread(b + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len < 4096) b = realloc(b, cap *= 2);
    }
    int st = pclose(f);
    if (!b) return -1;
    b[len] = 0;
    *out = b;
    if (st != 0) fprintf(stderr, "  command failed (%d): %.300s\n  output: %.500s\n", st, cmd, b);
    return st == 0 ? 0 : -1;
}

/* Run tests/oracle/<script> with `args`, feeding `input` (may be NULL) on stdin. */
static int oracle(char **out, const char *script, const char *args, const char *input) {
    char in_path[300] = "/dev/null", cmd[16384];
    if (input) {
        snprintf(in_path, sizeof in_path, "%s/stdin.txt", tmpdir());
        FILE *f = fopen(in_path, "w");
        if (!f || fputs(input, f) < 0 || fclose(f) != 0) return -1;
    }
    snprintf(cmd, sizeof cmd, "node '%s/tests/oracle/%s' %s < '%s'", OUPS_SOURCE_DIR, script, args, in_path);
    return run(out, cmd);
}

/* Next "--END--"-terminated section of an oracle's output (in place), NULL when none left. */
static char *next_section(char **p) {
    if (!*p || !**p) return NULL;
    char *s = *p, *e = strstr(s, "--END--\n");
    if (!e) return *p = NULL, s;
    *e = 0;
    *p = e + 8;
    return s;
}

/* Canonical text of row i (see polars_read.mjs); floats are handled by the comparison. */
static void canon(char *buf, size_t cap, const oups_column *col, int64_t i) {
    oups_scalar s;
    oups_column_get_scalar(&s, col, i);
    if (s.is_null) {
        snprintf(buf, cap, "NULL");
        return;
    }
    oups_type_id id = s.type.id;
    if (id == OUPS_TYPE_BOOL) snprintf(buf, cap, "%s", s.v.b ? "true" : "false");
    else if (id >= OUPS_TYPE_UINT8 && id <= OUPS_TYPE_UINT64) snprintf(buf, cap, "%" PRIu64, s.v.u);
    else if (id == OUPS_TYPE_FLOAT32 || id == OUPS_TYPE_FLOAT64) snprintf(buf, cap, "%.17g", s.v.f);
    else if (id == OUPS_TYPE_STRING || id == OUPS_TYPE_BINARY) {
        size_t k = 0;
        for (int64_t j = 0; j < s.v.bytes.len && k + 3 < cap; j++)
            k += (size_t)snprintf(buf + k, cap - k, "%02x", ((const uint8_t *)s.v.bytes.ptr)[j]);
        buf[k] = 0;
    } else if (id == OUPS_TYPE_DECIMAL128) {
        __extension__ typedef __int128 i128;
        __extension__ typedef unsigned __int128 u128;
        i128 v;
        memcpy(&v, s.v.dec, 16);
        u128 m = v < 0 ? (u128)0 - (u128)v : (u128)v;
        char d[64];
        int n = 0;
        do d[n++] = (char)('0' + (int)(m % 10)), m /= 10;
        while (m || n <= s.type.scale);
        size_t k = 0;
        if (v < 0) buf[k++] = '-';
        for (int j = n - 1; j >= 0; j--) {
            buf[k++] = d[j];
            if (j == s.type.scale && j > 0) buf[k++] = '.';
        }
        buf[k] = 0;
    } else snprintf(buf, cap, "%" PRId64, s.v.i);
}

/* Float equality of our value and an engine's text: bits, any NaN equal to any NaN. */
static bool float_eq(const oups_column *col, int64_t i, const char *text) {
    oups_scalar s;
    oups_column_get_scalar(&s, col, i);
    double d = strtod(text, NULL);
    if (isnan(s.v.f) || isnan(d)) return isnan(s.v.f) && isnan(d);
    if (s.type.id == OUPS_TYPE_FLOAT32) {
        float a = (float)s.v.f, b = (float)d;
        return memcmp(&a, &b, 4) == 0;
    }
    return memcmp(&s.v.f, &d, 8) == 0;
}

/* Split the next line of *p at TABs into fields (in place); returns the count, -1 at the end. */
static int next_line(char **p, char **f, int max) {
    if (!**p) return -1;
    char *e = strchr(*p, '\n');
    if (e) *e = 0;
    int n = 0;
    for (char *q = *p; n < max;) {
        f[n++] = q;
        char *c = strchr(q, '\t');
        if (!c) break;
        *c = 0;
        q = c + 1;
    }
    *p = e ? e + 1 : *p + strlen(*p);
    return n;
}

/*
 * Compare an engine's canonical output with table t: header line of names, an optional dtype
 * line (returned in dtypes[]), then rows. 1 if equal (reports the first difference).
 */
static int compare(const oups_table *t, char *text, bool dtype_line, char **dtypes, const char *label) {
    char *p = text, *names[64], *f[64];
    int nc = next_line(&p, names, 64);
    if (dtype_line && next_line(&p, dtypes, 64) < nc) return fprintf(stderr, "  %s: no dtype line\n", label), 0;
    int idx[64];
    for (int j = 0; j < nc; j++) {
        idx[j] = oups_table_column_index(t, names[j]);
        if (idx[j] < 0) return fprintf(stderr, "  %s: unexpected column '%s'\n", label, names[j]), 0;
    }
    int64_t row = 0;
    char buf[512];
    for (int n; (n = next_line(&p, f, 64)) >= 0; row++) {
        if (row >= oups_table_num_rows(t))
            return fprintf(stderr, "  %s: more rows than %" PRId64 "\n", label, oups_table_num_rows(t)), 0;
        if (n != nc) return fprintf(stderr, "  %s: row %" PRId64 ": %d fields\n", label, row, n), 0;
        for (int j = 0; j < nc; j++) {
            const oups_column *c = oups_table_column(t, idx[j]);
            oups_type_id id = oups_column_type(c)->id;
            canon(buf, sizeof buf, c, row);
            bool eq = (id == OUPS_TYPE_FLOAT32 || id == OUPS_TYPE_FLOAT64) && strcmp(f[j], "NULL") && strcmp(buf, "NULL")
                          ? float_eq(c, row, f[j])
                          : strcasecmp(buf, f[j]) == 0;
            if (!eq)
                return fprintf(stderr, "  %s: row %" PRId64 " column '%s': ours %s, theirs %s\n", label, row, names[j],
                               buf, f[j]),
                       0;
        }
    }
    if (row != oups_table_num_rows(t))
        return fprintf(stderr, "  %s: %" PRId64 " rows, expected %" PRId64 "\n", label, row, oups_table_num_rows(t)), 0;
    return 1;
}

/* DuckDB SELECT giving the canonical text of every column of t's schema from `file`. */
static void duck_sql(char *sql, size_t cap, const oups_table *t, const char *file) {
    size_t k = (size_t)snprintf(sql, cap, "SELECT ");
    for (int j = 0; j < oups_table_num_columns(t); j++) {
        const char *n = oups_table_column_name(t, j);
        const oups_datatype *ty = oups_column_type(oups_table_column(t, j));
        char e[200];
        switch (ty->id) {
        case OUPS_TYPE_STRING:
        case OUPS_TYPE_BINARY: snprintf(e, sizeof e, "lower(hex(%s))", n); break;
        case OUPS_TYPE_DATE32: snprintf(e, sizeof e, "CAST(%s - DATE '1970-01-01' AS VARCHAR)", n); break;
        case OUPS_TYPE_TIMESTAMP:
            snprintf(e, sizeof e, "CAST(epoch_%s(%s) AS VARCHAR)",
                     ty->unit == OUPS_UNIT_NS ? "ns" : ty->unit == OUPS_UNIT_US ? "us" : "ms", n);
            break;
        default: snprintf(e, sizeof e, "CAST(%s AS VARCHAR)", n);
        }
        k += (size_t)snprintf(sql + k, cap - k, "%scoalesce(%s, 'NULL') AS %s", j ? ", " : "", e, n);
    }
    snprintf(sql + k, cap - k, " FROM read_parquet('%s')", file);
}

static const char *duck_type(const oups_datatype *t, char *buf, size_t cap) {
    static const char *names[] = {"", "BOOLEAN", "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT",
                                  "USMALLINT", "UINTEGER", "UBIGINT", "FLOAT", "DOUBLE", "", "DATE", "VARCHAR", "BLOB"};
    if (t->id == OUPS_TYPE_TIMESTAMP)
        return t->tz[0] ? "TIMESTAMP WITH TIME ZONE" : t->unit == OUPS_UNIT_NS ? "TIMESTAMP_NS" : "TIMESTAMP";
    if (t->id == OUPS_TYPE_DECIMAL128) {
        snprintf(buf, cap, "DECIMAL(%d,%d)", (int)t->precision, (int)t->scale);
        return buf;
    }
    return names[t->id];
}

static const char *polars_type(const oups_datatype *t, char *buf, size_t cap) {
    static const char *names[] = {"", "Bool", "Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16",
                                  "UInt32", "UInt64", "Float32", "Float64", "", "Date", "String", "Binary"};
    static const char *units[] = {"s", "ms", "us", "ns"};
    if (t->id == OUPS_TYPE_TIMESTAMP) snprintf(buf, cap, "DataType(Datetime(%s,%s))", units[t->unit], t->tz);
    else if (t->id == OUPS_TYPE_DECIMAL128) snprintf(buf, cap, "DataType(Decimal(%d,%d))", (int)t->precision, (int)t->scale);
    else snprintf(buf, cap, "DataType(%s)", names[t->id]);
    return buf;
}

/* Files to check, each with the table it must hold. */
typedef struct fileset {
    int n;
    oups_table *t[32];
    char path[32][300], label[32][96];
} fileset;

static void fs_add(fileset *fs, oups_table *t, const char *path, const char *label) {
    if (fs->n == (int)(sizeof fs->t / sizeof fs->t[0])) abort(); /* grow the arrays */
    fs->t[fs->n] = t ? oups_table_retain(t) : NULL;
    snprintf(fs->path[fs->n], sizeof fs->path[0], "%.*s", (int)sizeof fs->path[0] - 1, path);
    snprintf(fs->label[fs->n], sizeof fs->label[0], "%.*s", (int)sizeof fs->label[0] - 1, label);
    fs->n++;
}

static void fs_free(fileset *fs) {
    for (int i = 0; i < fs->n; i++) oups_table_free(fs->t[i]);
    fs->n = 0;
}

/* Append to a growing string. */
static void cat(char **s, size_t *len, const char *x) {
    size_t n = strlen(x);
    *s = realloc(*s, *len + n + 1);
    memcpy(*s + *len, x, n + 1);
    *len += n;
}

/* DuckDB (one process) reads every file with the expected types and values. */
static int duck_check_all(const fileset *fs) {
    char *in = NULL, *out = NULL, sql[8192];
    size_t len = 0;
    for (int i = 0; i < fs->n; i++) {
        snprintf(sql, sizeof sql, "DESCRIBE SELECT * FROM read_parquet('%s')\n;;\n", fs->path[i]);
        cat(&in, &len, sql);
        duck_sql(sql, sizeof sql, fs->t[i], fs->path[i]);
        cat(&in, &len, sql);
        cat(&in, &len, "\n;;\n");
    }
    int ok = oracle(&out, "duckdb_batch.mjs", "", in) == 0;
    char *p = out;
    for (int i = 0; ok && i < fs->n; i++) {
        const oups_table *t = fs->t[i];
        char *types = next_section(&p), *vals = next_section(&p), *f[8] = {NULL}, buf[64];
        if (!types || !vals) {
            fprintf(stderr, "  %s: DuckDB output ends early\n", fs->label[i]);
            ok = 0;
            break;
        }
        next_line(&types, f, 8); /* header */
        for (int j = 0; ok && j < oups_table_num_columns(t); j++) {
            const oups_datatype *ty = oups_column_type(oups_table_column(t, j));
            const char *want = duck_type(ty, buf, sizeof buf);
            if (next_line(&types, f, 8) < 2 || strcmp(f[0], oups_table_column_name(t, j)) || strcmp(f[1], want)) {
                fprintf(stderr, "  %s: DuckDB column %d: %s %s, expected %s %s\n", fs->label[i], j, f[0], f[1],
                        oups_table_column_name(t, j), want);
                ok = 0;
            }
        }
        ok = ok && compare(t, vals, false, NULL, fs->label[i]);
    }
    free(in);
    free(out);
    return ok;
}

/* Polars (one process) reads every file with the expected dtypes and values (Binary columns
 * left out: nodejs-polars cannot hand them to JS). */
static int polars_check_all(const fileset *fs) {
    char *args = NULL, *out = NULL, *dt[64], buf[96], one[4096];
    size_t len = 0;
    for (int i = 0; i < fs->n; i++) {
        const oups_table *t = fs->t[i];
        size_t k = (size_t)snprintf(one, sizeof one, " '%s' '", fs->path[i]);
        for (int j = 0, m = 0; j < oups_table_num_columns(t); j++)
            if (oups_column_type(oups_table_column(t, j))->id != OUPS_TYPE_BINARY)
                k += (size_t)snprintf(one + k, sizeof one - k, "%s%s", m++ ? "," : "", oups_table_column_name(t, j));
        snprintf(one + k, sizeof one - k, "'");
        cat(&args, &len, one);
    }
    int ok = oracle(&out, "polars_read.mjs", args, NULL) == 0;
    char *p = out;
    for (int i = 0; ok && i < fs->n; i++) {
        const oups_table *t = fs->t[i];
        char *sec = next_section(&p);
        ok = sec && compare(t, sec, true, dt, fs->label[i]);
        for (int j = 0, m = 0; ok && j < oups_table_num_columns(t); j++) {
            const oups_datatype *ty = oups_column_type(oups_table_column(t, j));
            if (ty->id == OUPS_TYPE_BINARY) continue;
            if (strcmp(dt[m++], polars_type(ty, buf, sizeof buf)) != 0) {
                fprintf(stderr, "  %s: Polars dtype of '%s' is %s, expected %s\n", fs->label[i],
                        oups_table_column_name(t, j), dt[m - 1], buf);
                ok = 0;
            }
        }
    }
    free(args);
    free(out);
    return ok;
}

static const char *codec_names[] = {"none", "snappy", "gzip", "zstd", "lz4_raw"};

TEST(ours_read_by_engines) {
    oups_table *t;
    CHECK_OK(gen_table(&t, gen_all_cols, GEN_ALL_N, 400, 15, tests_seed(), -1));
    fileset fs = {0};
    char path[300], label[96];
    for (int ci = 0; ci < 5; ci++)
        for (int v = 1; v <= 2; v++) {
            oups_parquet_write_options o = OUPS_PARQUET_WRITE_OPTIONS_INIT;
            int lvl;
            CHECK_OK(oups_codec_parse(&o.codec, &lvl, codec_names[ci]));
            o.data_page_version = v;
            o.row_group_size = 150; /* 3 row groups */
            o.page_size = 512;      /* several pages per chunk */
            o.dictionary = ci != 1 && ci != 2; /* snappy, gzip: PLAIN values */
            o.delta_integers = ci == 2 || ci == 4; /* gzip: DELTA_BINARY_PACKED integers */
            o.page_index = ci >= 3;
            snprintf(path, sizeof path, "%s/ours_%s_v%d.parquet", tmpdir(), codec_names[ci], v);
            snprintf(label, sizeof label, "ours %s v%d", codec_names[ci], v);
            CHECK_OK(oups_parquet_write(path, t, &o));
            fs_add(&fs, t, path, label);
        }
    /* few distinct values: dictionary pages for every type, fallback to PLAIN midway */
    int64_t idx[400];
    for (int i = 0; i < 400; i++) idx[i] = i < 300 ? (i * 7) % 11 : i;
    oups_table *rep;
    CHECK_OK(oups_table_take(&rep, t, idx, 400));
    for (int v = 1; v <= 2; v++) {
        oups_parquet_write_options o = OUPS_PARQUET_WRITE_OPTIONS_INIT;
        o.data_page_version = v;
        o.page_size = 256;
        o.dictionary_page_limit = 400;
        snprintf(path, sizeof path, "%s/ours_dict_v%d.parquet", tmpdir(), v);
        snprintf(label, sizeof label, "ours dictionary v%d", v);
        CHECK_OK(oups_parquet_write(path, rep, &o));
        fs_add(&fs, rep, path, label);
    }
    oups_table_free(rep);
    /* every encoding choice, on every column whose type takes it */
    const char *names[GEN_ALL_N];
    oups_parquet_encoding encs[GEN_ALL_N];
    for (int ei = 1; ei < 5; ei++)
        for (int v = 1; v <= 2; v++) {
            oups_parquet_write_options o = OUPS_PARQUET_WRITE_OPTIONS_INIT;
            int n = 0;
            for (int k = 0; k < GEN_ALL_N; k++)
                if (allowed(gen_all_cols[k].type, all_encodings[ei]))
                    names[n] = gen_all_cols[k].name, encs[n++] = all_encodings[ei];
            o.n_column_encodings = n;
            o.encoding_columns = names;
            o.column_encodings = encs;
            o.data_page_version = v;
            o.row_group_size = 150;
            o.page_size = 512;
            const char *en = oups_parquet_encoding_name(all_encodings[ei]);
            snprintf(path, sizeof path, "%s/ours_enc_%s_v%d.parquet", tmpdir(), en, v);
            snprintf(label, sizeof label, "ours encoding %s v%d", en, v);
            CHECK_OK(oups_parquet_write(path, t, &o));
            fs_add(&fs, t, path, label);
        }
    int ok = duck_check_all(&fs) && polars_check_all(&fs);
    fs_free(&fs);
    oups_table_free(t);
    CHECK(ok);
}

TEST(ours_edge_files) {
    char path[300];
    fileset fs = {0};
    oups_table *t;
    /* empty table: no row groups, the schema alone */
    CHECK_OK(gen_table(&t, gen_all_cols, GEN_ALL_N, 0, 0, 1, -1));
    snprintf(path, sizeof path, "%s/empty.parquet", tmpdir());
    CHECK_OK(oups_parquet_write(path, t, NULL));
    fs_add(&fs, t, path, "empty");
    oups_table_free(t);
    /* an all-null string column; dictionary fallback in the others */
    CHECK_OK(gen_table(&t, gen_all_cols, GEN_ALL_N, 2000, 0, tests_seed() + 9, 16));
    oups_parquet_write_options o = OUPS_PARQUET_WRITE_OPTIONS_INIT;
    o.dictionary_page_limit = 2000;
    snprintf(path, sizeof path, "%s/fallback.parquet", tmpdir());
    CHECK_OK(oups_parquet_write(path, t, &o));
    fs_add(&fs, t, path, "fallback");
    oups_table_free(t);
    int ok = duck_check_all(&fs) && polars_check_all(&fs);
    fs_free(&fs);
    CHECK(ok);
}

/* Read every file of fs with our reader into fs->t. */
static int read_all(fileset *fs) {
    for (int i = 0; i < fs->n; i++)
        if (oups_parquet_read(&fs->t[i], fs->path[i]) != 0)
            return fprintf(stderr, "  %s: %s\n", fs->label[i], oups_error_last()), 0;
    return 1;
}

TEST(duckdb_files_read_by_us) {
    static const char *opts[] = {"COMPRESSION uncompressed", "COMPRESSION snappy", "COMPRESSION gzip",
                                 "COMPRESSION zstd", "COMPRESSION lz4_raw", "COMPRESSION brotli",
                                 "COMPRESSION zstd, PARQUET_VERSION V2"};
    const char *sel =
        "SELECT i::BIGINT AS id, CASE WHEN i % 7 = 0 THEN NULL ELSE i % 3 = 0 END AS b, "
        "(i % 256 - 128)::TINYINT AS i8, (i * 7919 % 65536 - 32768)::SMALLINT AS i16, "
        "CASE WHEN i % 5 = 1 THEN NULL ELSE (i * 2654435761 % 4294967296 - 2147483648)::INTEGER END AS i32, "
        "(i * -1234567890123)::BIGINT AS i64, (i % 256)::UTINYINT AS u8, (i * 7 % 65536)::USMALLINT AS u16, "
        "(i * 2654435761 % 4294967296)::UINTEGER AS u32, (18446744073709551615::UBIGINT - i::UBIGINT * 1000003) AS u64, "
        "CASE i % 6 WHEN 0 THEN 'nan'::FLOAT WHEN 1 THEN '-inf'::FLOAT WHEN 2 THEN '-0.0'::FLOAT ELSE (i / 3.0)::FLOAT END AS f32, "
        "CASE WHEN i % 9 = 4 THEN NULL ELSE (i - 1000) * 0.1::DOUBLE END AS f64, "
        "CASE WHEN i % 4 = 0 THEN NULL ELSE ['', 'héllo', '日本語', 'x' || i::VARCHAR][i % 4 + 1] END AS s, "
        "CASE WHEN i % 10 = 3 THEN NULL ELSE ('\\x' || lpad(to_hex(i % 300), 4, '0'))::BLOB END AS bin, "
        "(DATE '1969-12-01' + (i * 13 - 5000)::INTEGER) AS d, "
        "(TIMESTAMP '1965-03-04 05:06:07.123456' + to_microseconds(i * 987654321)) AS ts, "
        "(TIMESTAMP_NS '2000-01-01 00:00:00' + to_microseconds(i * 1000)) AS ts_ns, "
        "(TIMESTAMPTZ '1970-01-01 00:00:00+00' + to_seconds(i * 3601 - 100000)) AS ts_tz, "
        "((i - 500) * 1.25)::DECIMAL(9,2) AS dec9, ((i - 500) * 123456789.0123)::DECIMAL(18,4) AS dec18, "
        "CASE WHEN i % 11 = 0 THEN NULL ELSE ((i - 500)::DECIMAL(38,6) * 12345678901234567890.123456) END AS dec38 "
        "FROM range(2500) t(i)";
    char *in = NULL, *out = NULL, q[8192], path[300];
    size_t len = 0;
    fileset fs = {0};
    for (int k = 0; k < 7; k++) {
        snprintf(path, sizeof path, "%s/duck_%d.parquet", tmpdir(), k);
        snprintf(q, sizeof q, "COPY (%s) TO '%s' (FORMAT parquet, %s, ROW_GROUP_SIZE 1000)\n;;\n", sel, path, opts[k]);
        cat(&in, &len, q);
        snprintf(q, sizeof q, "duckdb %s", opts[k]);
        fs_add(&fs, NULL, path, q);
    }
    int ok = oracle(&out, "duckdb_batch.mjs", "", in) == 0 && !strstr(out, "ERROR");
    ok = ok && read_all(&fs) && duck_check_all(&fs);
    free(in);
    free(out);
    fs_free(&fs);
    CHECK(ok);
}

TEST(polars_files_read_by_us) {
    static const char *codecs[] = {"uncompressed", "snappy", "gzip", "zstd", "lz4", "brotli"};
    char args[4096] = "3000", path[300], label[96], *out = NULL;
    fileset fs = {0};
    for (int k = 0; k < 6; k++) {
        snprintf(path, sizeof path, "%s/polars_%s.parquet", tmpdir(), codecs[k]);
        size_t n = strlen(args);
        snprintf(args + n, sizeof args - n, " '%s' %s", path, codecs[k]);
        snprintf(label, sizeof label, "polars %s", codecs[k]);
        fs_add(&fs, NULL, path, label);
    }
    int ok = oracle(&out, "polars_write.mjs", args, NULL) == 0;
    /* Polars and DuckDB both read Polars' files as we do */
    ok = ok && read_all(&fs) && polars_check_all(&fs) && duck_check_all(&fs);
    free(out);
    fs_free(&fs);
    CHECK(ok);
}

RUN_TESTS("parquet.interop", ours_read_by_engines, ours_edge_files, duckdb_files_read_by_us, polars_files_read_by_us)
