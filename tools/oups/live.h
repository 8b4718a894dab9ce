/*
 * tools/oups/live.h: the live mode of the stateful commands (`oups agg`, `oups asof`): the
 * main input read continuously from stdin (CSV or JSONL), cut into chunks (--chunk-rows,
 * --chunk-seconds, end of input, SIGTERM/SIGINT), each chunk processed by the command, its
 * output merged into store datasets (--store-out) or printed, then the state checkpointed.
 * The state file records the stream rows consumed and the input's column types, so a restart
 * on the whole stream or on its rest (--input-offset) continues exactly. Rules: docs/live.md.
 */
#ifndef OUPS_CLI_LIVE_H
#define OUPS_CLI_LIVE_H

#include <stdbool.h>
#include <stdint.h>

#include "csv.h"

/** The live options of a command (set by cli_live_option from its getopt loop). */
typedef struct cli_live_options {
    const char *input;        /* "-" selects the live mode */
    const char *format;       /* --input-format csv (default) | jsonl */
    int64_t chunk_rows;       /* 0: unset */
    double chunk_seconds;     /* 0: unset */
    int64_t input_offset;     /* stream row of the input's first data row */
    const char *schema_spec;  /* --schema */
    cli_csv_options csv;      /* --delimiter, --no-header */
    const char *store_out;    /* --store-out DATASET */
    int64_t row_group_size;   /* --row-group-size: 0 unset (CLI_LIVE_ROW_GROUP_SIZE) */
    bool print_offset;        /* --print-offset */
} cli_live_options;
#define CLI_LIVE_OPTIONS_INIT {NULL, NULL, 0, 0, 0, NULL, CLI_CSV_OPTIONS_INIT, NULL, 0, false}

/* Row groups of a --store-out dataset: the target rows, and the small row groups (one per
 * chunk) left at its end before they are merged into one (docs/live.md, "Row groups"). */
#define CLI_LIVE_ROW_GROUP_SIZE 65536
#define CLI_LIVE_MAX_SMALL_ROW_GROUPS 8

enum { CLI_OPT_INPUT = 1100, CLI_OPT_INPUT_FORMAT, CLI_OPT_CHUNK_ROWS, CLI_OPT_CHUNK_SECONDS, CLI_OPT_INPUT_OFFSET,
       CLI_OPT_SCHEMA, CLI_OPT_STORE_OUT, CLI_OPT_PRINT_OFFSET, CLI_OPT_ROW_GROUP_SIZE };
#define CLI_LIVE_LONG_OPTIONS                                                                                    \
    {"input", required_argument, NULL, CLI_OPT_INPUT}, {"input-format", required_argument, NULL, CLI_OPT_INPUT_FORMAT}, \
    {"chunk-rows", required_argument, NULL, CLI_OPT_CHUNK_ROWS},                                                 \
    {"chunk-seconds", required_argument, NULL, CLI_OPT_CHUNK_SECONDS},                                           \
    {"input-offset", required_argument, NULL, CLI_OPT_INPUT_OFFSET},                                             \
    {"schema", required_argument, NULL, CLI_OPT_SCHEMA}, {"store-out", required_argument, NULL, CLI_OPT_STORE_OUT}, \
    {"print-offset", no_argument, NULL, CLI_OPT_PRINT_OFFSET},                                                   \
    {"row-group-size", required_argument, NULL, CLI_OPT_ROW_GROUP_SIZE}
#define CLI_LIVE_OPTIONS_HELP                                                                                    \
    "live mode (docs/live.md):\n"                                                                                \
    "  --input -                   read the main input from stdin continuously, chunk by chunk\n"               \
    "  --input-format csv|jsonl    format of stdin (default csv, with a header line)\n"                          \
    "  --chunk-rows N              cut a chunk every N rows (default 65536)\n"          \
    "  --chunk-seconds S           cut a chunk S seconds (decimal) after its first row arrived\n"               \
    "  --schema NAME:TYPE,...      types of CSV/JSONL columns (the others are inferred; live mode:\n"                     \
    "                              from the first chunk, then kept in the state)\n"               \
    "  --store-out DATASET         merge each chunk's output into this store dataset (needs --state)\n"          \
    "  --row-group-size N          rows per row group of DATASET (default 65536)\n"                          \
    "  --input-offset K            stdin starts at data row K of the stream (default 0: the whole\n"             \
    "                              stream); rows the state already consumed are skipped\n"                      \
    "  --print-offset              print the number of stream rows --state FILE consumed, and exit\n"            \
    "Each chunk is processed, its output written, then the state checkpointed; killed at any\n"             \
    "instant and restarted on the whole stream or on its rest (--input-offset), the store\n"                 \
    "dataset ends as a one-shot run leaves it. SIGTERM/SIGINT: the chunk read so far is finished\n"          \
    "and checkpointed, exit 0. An incomplete last line at the end of the input is not read.\n"

/** 1 = a live option (parsed into o), 0 = not one, 2 = usage error (printed). */
int cli_live_option(cli_live_options *o, int opt, const char *arg, const char *group);
/** Checks after option parsing (state and --store-out rules): 0 or 2 (printed). */
int cli_live_check(const cli_live_options *o, const char *state, const char *group);
/** --print-offset: print the rows consumed by the live state at `path` (0 if absent); exit code. */
int cli_live_print_offset(const char *path);

/** What a command does with each chunk. */
typedef struct cli_live_job {
    void *obj;
    int n_outputs;                /* 1, or 2 (agg: bins and snapshots) */
    const char *store_out[2];     /* datasets of the outputs, or NULL: printed to out[] */
    const char *out[2];           /* text outputs without a store ("-" or NULL: stdout) */
    const char *out_format;       /* csv | jsonl */
    const char *key;              /* ordered column of the outputs (the datasets' ordered_on) */
    const char *const *by;        /* with key: the identity of an output row */
    int n_by;
    /* Re-emitting (agg): an output row replaces the stored row of the same identity, and the
     * stored rows from the output's first key on are rewritten in (key, by) order. Per-row
     * (asof): one output row per input row, in order; on a replay the rows the dataset already
     * has are not written again. */
    bool per_row;
    /* outs[i] new (may be NULL: nothing); < 0 printed. */
    int (*process)(oups_table **outs, void *obj, const oups_table *chunk);
    /* blob freed with oups_mem_free. */
    int (*save)(uint8_t **blob, size_t *len, const void *obj);
    int (*load)(void *obj, const uint8_t *blob, size_t len); /* < 0 printed */
} cli_live_job;

/** Run the live mode: exit code (0, or 1 after a printed error). */
int cli_live_run(const cli_live_options *o, const char *state, const cli_live_job *job);

#endif
