/*
 * tools/oups/cmd_asof.c: the `oups asof` subcommands (placeholder until implemented).
 */
#include <stdio.h>

#include "cli.h"

int oups_cli_asof(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "oups: 'asof' is not implemented yet\n");
    return 1;
}
