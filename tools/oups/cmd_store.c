/*
 * tools/oups/cmd_store.c: the `oups store` subcommands (placeholder until implemented).
 */
#include <stdio.h>

#include "cli.h"

int oups_cli_store(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "oups: 'store' is not implemented yet\n");
    return 1;
}
