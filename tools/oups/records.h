/*
 * tools/oups/records.h: rows of text cells held in memory, the form in which the live input
 * (live.c) hands complete CSV records or JSONL lines to the table builder. The cells of a CSV
 * block (cli_csv_cells) and the tables built from cells (cli_cells_table, with the CSV type
 * inference and cell parsing) are in csv.c; JSONL lines (cli_jsonl_cells) and the cell
 * storage are in jsonl.c. Errors are printed ("oups: <input>: line L, ...") and returned < 0.
 */
#ifndef OUPS_CLI_RECORDS_H
#define OUPS_CLI_RECORDS_H

#include "csv.h"

/** Rows of `ncols` cells: texts NUL-terminated in one arena, referenced by offset (SIZE_MAX:
 * null); the line of each row names it in messages. Zero-initialise, set ncols; free with
 * cli_cells_free; cli_cells_clear keeps the allocations for the next chunk. */
typedef struct cli_cells {
    int ncols;
    int64_t nrows;
    char *arena;
    size_t arena_len, arena_cap;
    size_t *off;     /* nrows * ncols */
    int64_t *line;   /* nrows */
    int64_t cap_rows;
    int filled;      /* cells of the row being added */
} cli_cells;

/** Append a cell to the row being added (text NULL: null). */
int cli_cells_add(cli_cells *c, const char *text, size_t len);
/** End the row being added (exactly ncols cells must have been added). */
int cli_cells_end_row(cli_cells *c, int64_t line);
void cli_cells_clear(cli_cells *c);
void cli_cells_free(cli_cells *c);

/** The complete CSV records of buf[0, len) (first at line `first_line`) appended as rows;
 * blank lines are skipped; a record with another number of fields than c->ncols is an error
 * naming its line. With c->ncols == 0 (no rows yet), the first record's width sets it. */
int cli_csv_cells(cli_cells *c, const char *name, const char *buf, size_t len, char delim, int64_t first_line);

/** A table of the rows: column i is named names[i]; a column named in `sch` (may be NULL) gets
 * that type, the others are inferred from these cells as from a CSV block (csv.h). A cell that
 * does not parse as its type is an error naming the input, line, column and value. */
int cli_cells_table(oups_table **out, const cli_cells *c, const char *name, char *const *names, const cli_schema *sch);

/** JSONL: the column names of line `text` (one JSON object, keys in order), for a stream
 * without a state: *names (free each and the array). */
int cli_jsonl_keys(char ***names, int *n, const char *name, const char *text, size_t len, int64_t line);
/** JSONL: one line (a JSON object of scalars) appended as a row of cells in the order of
 * `names`; a key missing is null, an unknown key, a nested value or bad JSON is an error
 * naming the line and the field. */
int cli_jsonl_cells(cli_cells *c, char *const *names, const char *name, const char *text, size_t len, int64_t line);

/** The names and types of t's columns (free with cli_schema_free). */
int cli_schema_of_table(cli_schema *s, const oups_table *t);

/**
 * A JSONL file (or "-", or .gz/.zst by extension: cli_source) read block by block, as
 * cli_csv reads CSV (block_bytes of `o`, OUPS_CSV_BLOCK_BYTES): the columns are the keys of the
 * first line; `sch` (copied; may be NULL) types the columns it names, the others are inferred
 * from the first block and then fixed. A file without an object line has the columns of `sch`
 * with `need_all` (a --schema: 0 rows), else is refused (CLI_NO_COLUMNS), as an empty CSV. A
 * last line without a newline is read. next: 1 = a table (caller frees), 0 = the end, < 0
 * (printed, naming the line and the field).
 */
typedef struct cli_jsonl cli_jsonl;
int cli_jsonl_open(cli_jsonl **out, const char *path, const cli_schema *sch, bool need_all, const cli_csv_options *o);
int cli_jsonl_next(oups_table **out, cli_jsonl *j);
/** The columns and types (0 rows, borrowed); no columns for an input without rows. */
const oups_table *cli_jsonl_schema(const cli_jsonl *j);
void cli_jsonl_close(cli_jsonl *j);

#endif
