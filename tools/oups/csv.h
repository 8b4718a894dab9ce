/*
 * tools/oups/csv.h: table text I/O shared by the CLI commands (parquet, store, asof): read a
 * table from a .parquet or .csv file (CSV with type inference or a --schema), write a table
 * as CSV or JSONL, parse a schema spec and single typed values (--start / --end-excl).
 * CLI-internal, built on the public liboups API only. Formats are described in
 * docs/parquet-cli.md.
 *
 * Error convention: every function returning int returns 0 on success; on failure it has
 * already printed one line "oups: ..." on stderr (naming file, line, column, value) and
 * returns a negative OUPS_E* code, so callers just `return 1`.
 */
#ifndef OUPS_CLI_CSV_H
#define OUPS_CLI_CSV_H

#include <stdbool.h>
#include <stdio.h>

#include "oups/oups.h"

/** A parsed --schema: n (name, type) pairs. */
typedef struct cli_schema {
    int n;
    char **names;
    oups_datatype *types;
} cli_schema;

/**
 * Parse "name:type,name:type,..." (types in the oups_datatype_parse syntax: int64, float64,
 * bool, string, binary, date32, timestamp[ns], timestamp[us,UTC], decimal(10,2) ...; commas
 * inside [] or () do not separate). Spaces around names and types are ignored.
 * Ownership: free with cli_schema_free(). Errors: OUPS_EINVAL naming the bad entry.
 */
int cli_parse_schema(cli_schema *out, const char *spec);
void cli_schema_free(cli_schema *s);

/* ---- reading ---------------------------------------------------------------------------- */

/** Options of the CSV reader; initialise with CLI_CSV_OPTIONS_INIT. */
typedef struct cli_csv_options {
    char delimiter;      /**< field separator (default ',') */
    bool no_header;      /**< the first record is data; columns are named column_1, column_2, ... */
    size_t block_bytes;  /**< bytes parsed per block (default 16 MiB; grown for a longer record) */
} cli_csv_options;
#define CLI_CSV_OPTIONS_INIT {',', false, (size_t)16 << 20}

/** getopt_long entries of the CSV input options, shared by every command reading CSV, and
 * their parser: 1 = handled, 0 = not a CSV option, 2 = usage error (printed). */
enum { CLI_OPT_DELIMITER = 1000, CLI_OPT_NO_HEADER };
#define CLI_CSV_LONG_OPTIONS \
    {"delimiter", required_argument, NULL, CLI_OPT_DELIMITER}, {"no-header", no_argument, NULL, CLI_OPT_NO_HEADER}
#define CLI_CSV_OPTIONS_HELP \
    "  --delimiter C               CSV field separator (default ','; 'tab' or '\\t' for a tab)\n" \
    "  --no-header                 the CSV has no header row: columns are column_1, column_2, ...\n"
int cli_csv_option(cli_csv_options *o, int opt, const char *arg, const char *group, const char *cmd);

/** Sequential bytes of an input: a file, "-" (stdin), or by extension a .gz / .zst(d) file
 * decompressed on the fly (csv_source.c). Errors are printed (naming the input). */
typedef struct cli_source cli_source;
int cli_source_open(cli_source **out, const char *path);
/** Next bytes into buf[0..cap): the count, 0 at the end, or < 0 (printed; damaged or
 * truncated compressed data is OUPS_ECORRUPT). */
int64_t cli_source_read(cli_source *s, char *buf, size_t cap);
const char *cli_source_name(const cli_source *s); /* "<stdin>" for "-" */
/** Bytes taken from the file so far (compressed bytes for .gz/.zst), for progress. */
int64_t cli_source_raw_bytes(const cli_source *s);
void cli_source_close(cli_source *s);

/**
 * Streaming CSV reader: the input is parsed block by block (cli_csv_options.block_bytes), so
 * memory stays bounded by one block and its table whatever the input size.
 * CSV: RFC 4180 with a header row (unless no_header); an empty unquoted field is null, "" is
 * the empty string; blank lines are skipped (with one column they are nulls); a UTF-8 byte
 * order mark is ignored. Columns named in schema_spec get that type (they must exist in the
 * header); the others are inferred from the first block (as DuckDB samples its input):
 * integers -> int64, decimals/exponents/nan/inf -> float64, true/false -> bool, YYYY-MM-DD ->
 * date32, other ISO 8601 timestamps -> timestamp[ns] (timestamp[ns,UTC] if every value has Z or
 * an offset), else string (also for all-null columns). A later value that does not fit the
 * inferred type is an error naming the line and column, suggesting --schema.
 * The environment variable OUPS_CSV_BLOCK_BYTES overrides block_bytes (tests use tiny blocks
 * to put block boundaries inside quoted fields and multi-line records).
 * cli_csv_open reads the header and the first block. cli_csv_next gives each block as a table
 * (caller frees): 1, then 0 at the end, or < 0 (printed, naming file, line, column, value).
 */
typedef struct cli_csv cli_csv;
/** The message for an input without a header row (CSV) or object line (JSONL), without --schema. */
#define CLI_NO_COLUMNS "no columns: the file is empty (give --schema NAME:TYPE,... to read it as 0 rows)"
int cli_csv_open(cli_csv **out, const char *path, const char *schema_spec, const cli_csv_options *opts);
/** As cli_csv_open with a parsed schema (borrowed; NULL: infer all): with `need_all` each of its
 * columns must be in the header, else those the header lacks are skipped. */
int cli_csv_open_typed(cli_csv **out, const char *path, const cli_schema *sch, bool need_all,
                       const cli_csv_options *opts);
int cli_csv_next(oups_table **out, cli_csv *s);
/** The 1-based line where row `row` of the last block cli_csv_next gave starts (a record may span
 * lines); row -1: the last row of the block before it. -1 when there is no such row. */
int64_t cli_csv_row_line(const cli_csv *s, int64_t row);
/** Bytes of the input file consumed so far (cli_source_raw_bytes), for progress. */
int64_t cli_csv_raw_bytes(const cli_csv *s);
/** The columns and types (a 0-row table, borrowed), known from cli_csv_open on. */
const oups_table *cli_csv_schema(const cli_csv *s);
void cli_csv_close(cli_csv *s);

/** True for a path read as Parquet: ending in ".parquet" or ".pq" (any case). */
bool cli_path_is_parquet(const char *path);

/**
 * Read a whole table: Parquet (schema_spec must be NULL) or CSV as above, all blocks
 * concatenated. Ownership: caller frees *out with oups_table_free(). Errors: OUPS_EINVAL for a
 * bad row or value, OUPS_ENOTFOUND, OUPS_EIO, OUPS_ECORRUPT, library errors (all printed).
 */
int cli_read_table(oups_table **out, const char *path, const char *schema_spec);
int cli_read_table_opts(oups_table **out, const char *path, const char *schema_spec, const cli_csv_options *o);

/**
 * As cli_read_table, with the types of `types` for the CSV columns it names; columns of `types`
 * that the header lacks are skipped (the caller checks the columns), the others are inferred.
 * A Parquet file is read as stored. `types` and `o` (CSV options; NULL: defaults) are borrowed.
 */
int cli_read_table_typed(oups_table **out, const char *path, const cli_schema *types);
int cli_read_table_typed_opts(oups_table **out, const char *path, const cli_schema *types, const cli_csv_options *o);

/**
 * Write the header (CSV: the column names row; JSONL: nothing) and then rows of `t`.
 * format: "csv", "jsonl" or "table" (a box for people, drawn at cli_close_output; NULL = csv). Call cli_write_header once, then cli_write_rows for
 * each chunk (e.g. per row group); cli_write_table does both.
 * CSV cells: nulls empty, empty strings "", floats in shortest round-trip form (nan, inf,
 * -inf), timestamps ISO 8601 with the unit's fraction digits (+ "Z" when the type has a
 * timezone), dates YYYY-MM-DD, binary as lower-case hex, decimals as exact decimal text.
 * JSONL: one object per row; numbers as numbers (NaN/inf as null), everything else as strings.
 * Errors: OUPS_EINVAL (format), OUPS_EIO (write failed).
 */
int cli_write_header(FILE *f, const oups_table *t, const char *format);
int cli_write_rows(FILE *f, const oups_table *t, const char *format);
int cli_write_table(FILE *f, const oups_table *t, const char *format);

/** Text of row r of `col` as shown in a table: "null", strings raw (cut to cap), binary hex,
 * other values as in CSV. */
void cli_cell_text(char *buf, size_t cap, const oups_column *col, int64_t r);

/* format "table" (table_write.c): cli_write_header/rows collect, cli_close_output draws the box
 * (first and last 20 rows beyond 40, with the total). */
int cli_box_begin(const oups_table *schema);
int cli_box_rows(const oups_table *t);
bool cli_box_active(void);
int cli_box_end(FILE *f);

/**
 * Parse one value of `type` from text, as in CSV cells: ints, floats, bool, timestamps (ISO
 * 8601 as above, or an integer in the type's unit), date32 (YYYY-MM-DD or days), decimals,
 * string (bytes borrowed from `text`), binary (hex, decoded into buf[0..cap)).
 * `what` names the value in messages (e.g. "--start"). An empty text is an error (no nulls).
 */
int cli_parse_value(oups_scalar *out, const oups_datatype *type, const char *text, uint8_t *buf, size_t cap,
                    const char *what);

/** Open `path` for writing ("-" or NULL: stdout). Close with cli_close_output (flushes; 0 or
 * OUPS_EIO with the message printed). A file output is written to a temporary beside `path`
 * and appears at `path` only when cli_close_output is reached with no failure reported
 * (cli_failed()): a command that fails half-way leaves no partial output, and a previous
 * file at `path` is kept. */
int cli_open_output(FILE **out, const char *path);
int cli_close_output(FILE *f, const char *path);

/** True once any failure was printed by cli_fail, cli_fail_lib or cli_usage_error. */
bool cli_failed(void);
/** Print "oups: <fmt...>" on stderr and return rc (for callers' own messages). */
int cli_fail(int rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** Print "oups: " + oups_error_last() (or `context: ` + it) on stderr; returns rc. */
int cli_fail_lib(int rc, const char *context);

/* Proleptic Gregorian calendar <-> days since 1970-01-01 (shared by csv.c and csv_write.c). */
int64_t cli_days_from_civil(int64_t y, unsigned m, unsigned d);
void cli_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

#endif
