/*
 * tools/oups/cmd_parquet.c: the `oups parquet` subcommands (placeholder until implemented).
 */
#include <stdio.h>

#include "cli.h"

int oups_cli_parquet(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "oups: 'parquet' is not implemented yet\n");
    return 1;
}
