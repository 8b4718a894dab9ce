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

/**
 * Read a whole table: a path ending in ".parquet" (or ".pq") is read with the Parquet reader
 * (schema_spec must be NULL); anything else is read as CSV (a "-" path reads stdin).
 * CSV: RFC 4180 with a header row; an empty unquoted field is null, "" is the empty string.
 * Columns named in schema_spec get that type (they must exist in the header); the others are
 * inferred: integers -> int64, decimals/exponents/nan/inf -> float64, true/false -> bool,
 * ISO 8601 timestamps -> timestamp[ns] (timestamp[ns,UTC] if every value has Z or an offset),
 * else string (also for all-null columns).
 * Ownership: caller frees *out with oups_table_free(). Errors: OUPS_EINVAL for a bad row or
 * value (message names file, line and column), OUPS_ENOTFOUND, OUPS_EIO, library errors.
 */
int cli_read_table(oups_table **out, const char *path, const char *schema_spec);

/**
 * As cli_read_table, with the types of `types` for the CSV columns it names; columns of `types`
 * that the header lacks are skipped (the caller checks the columns), the others are inferred.
 * A Parquet file is read as stored. `types` is borrowed.
 */
int cli_read_table_typed(oups_table **out, const char *path, const cli_schema *types);

/** True for the paths read as Parquet (ending in ".parquet" or ".pq", any case). */
bool cli_path_is_parquet(const char *path);

/** Read CSV text [text, text+len) (named `name` in messages) into a table; as above. */
int cli_read_csv(oups_table **out, const char *text, size_t len, const char *name, const char *schema_spec);

/**
 * Write the header (CSV: the column names row; JSONL: nothing) and then rows of `t`.
 * format: "csv" or "jsonl" (NULL = csv). Call cli_write_header once, then cli_write_rows for
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
