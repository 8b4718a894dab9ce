/*
 * tools/oups/input.h: the streamed table input of every CLI command. One or more specs (files,
 * globs, directories, oups datasets, "-" for stdin) are read as one sequence of chunks with a
 * single schema, one chunk (a Parquet row group, a CSV/JSONL block, a dataset row group) at a
 * time, so peak memory is one chunk whatever the input size. CLI-internal (input.c).
 */
#ifndef OUPS_CLI_INPUT_H
#define OUPS_CLI_INPUT_H

#include <stdbool.h>

#include "csv.h"

typedef struct cli_input cli_input;
typedef struct cli_input_options {
    const char *schema_spec;          /* CSV --schema "name:type,..." or NULL */
    const cli_schema *types;          /* CSV: types for the columns it names (e.g. from a state) or NULL */
    cli_csv_options csv;              /* --delimiter, --no-header */
    const char *const *columns;       /* projection (Parquet/dataset read only these); NULL = all */
    int n_columns;
    const char *stdin_format;         /* "csv" (default) or "jsonl" for "-" */
} cli_input_options;
#define CLI_INPUT_OPTIONS_INIT {NULL, NULL, CLI_CSV_OPTIONS_INIT, NULL, 0, NULL}

/* specs: each a file (.parquet/.pq, .csv[.gz|.zst], .jsonl), a glob ('ds/<star>.parquet', expanded
 * by us in name order), a directory (an oups dataset if it holds the dataset metadata, read row
 * group by row group; else its *.parquet / *.csv files in name order), or "-" (stdin).
 * All inputs must have the same columns (by name; types equal) — else an error naming both
 * inputs, the column and both types. Errors printed ("oups: ..."), negative OUPS_E* returned.
 * A dataset DIR is recognised by its metadata file DIR_opdmd beside it; it is opened read-only
 * (shared lock) until cli_input_close. schema_spec types the CSV columns it names (each must be
 * in the header); without it, `types` does the same for the columns the header has. Later CSV
 * inputs take the types of the first input, so every input parses to the same schema; columns
 * of later inputs are reordered to the first's order. */
int cli_input_open(cli_input **out, char *const *specs, int n_specs, const cli_input_options *o);
/* Next chunk (a Parquet row group, a CSV/JSONL block, a dataset row group), projected:
 * 1 = *out set (caller frees), 0 = end, < 0 error (printed, naming input/line/column/value). */
int cli_input_next(oups_table **out, cli_input *in);
const oups_table *cli_input_schema(const cli_input *in);   /* 0-row, borrowed; valid after open */
const char *cli_input_name(const cli_input *in);           /* the input the last chunk came from */
/** The order of key `on` in chunk t, the last cli_input_next gave (r0 rows of its input before
 * it): inside t, and after the last row of `prev` (NULL: none; from `prev_file`, NULL when it
 * is "the input before it"). 0, or < 0 printed: the input, the column, both values as CSV
 * shows them (ISO 8601), each place as a CSV line ("line 7") or a 1-based row of the input. */
int cli_input_check_order(const cli_input *in, const oups_table *t, const char *on, int64_t r0,
                          const oups_table *prev, const char *prev_file);
void cli_input_close(cli_input *in);

/* Added functions. */
/** Number of inputs after expansion of globs and directories (a dataset counts as one). */
int cli_input_count(const cli_input *in);
/** Total bytes of the inputs when all are regular files or datasets (for progress ETA), else -1. */
int64_t cli_input_total_bytes(const cli_input *in);
/** Path of input k (0 <= k < cli_input_count) after expansion ("-" for stdin). */
const char *cli_input_path(const cli_input *in, int k);
/** True when every input is a Parquet file or a dataset (its chunks are row groups). */
bool cli_input_row_grouped(const cli_input *in);
/** Threads of the Parquet reads (oups_parquet_reader_set_threads; 0 = default). */
void cli_input_set_threads(cli_input *in, int threads);
/** Read only row groups rg[0..n) (in that order; copied) of a single Parquet input: else
 * OUPS_EINVAL (printed), also for an index the file does not have. Call before cli_input_next. */
int cli_input_row_groups(cli_input *in, const int64_t *rg, int n);
/** Help text naming the accepted input forms, for the commands' --help. */
#define CLI_INPUTS_HELP                                                                                      \
    "Inputs: files (.parquet/.pq, .csv, .csv.gz, .csv.zst, .jsonl), globs ('dir/*.parquet', quoted;\n"     \
    "expanded in name order), a directory (an oups dataset: row group by row group; else its\n"            \
    "Parquet, CSV and JSONL files in name order), or '-' for stdin. Several inputs are read as one,\n"     \
    "in order: same columns (by name) and types. Memory: one row group or text block at a time.\n"

#endif
