/*
 * tools/oups/sink.h: an output written as its rows come (streamed commands: agg, asof): CSV
 * or JSONL rows after one header, or Parquet row groups; the file appears at its path only
 * when complete (cli_open_output's temporary, the Parquet writer's), stdout for "-"/NULL.
 */
#ifndef OUPS_CLI_SINK_H
#define OUPS_CLI_SINK_H

#include <stdbool.h>
#include <stdio.h>

#include "oups/oups.h"

typedef struct cli_sink {
    const char *path, *format; /* format: csv | jsonl | parquet */
    FILE *f;
    oups_parquet_writer *pw;
    bool open;
} cli_sink;

/** Write t's rows (the first call fixes the columns and writes the header); 0 or < 0 printed. */
int cli_sink_write(cli_sink *s, const oups_table *t);
/** Finish: the output appears only if `ok` and no failure was printed; 0 or < 0 printed. */
int cli_sink_close(cli_sink *s, bool ok);

#endif
