/*
 * tests/cli/asof_oracles.h: which as-of oracles the CLI tests can run: pandas merge_asof
 * (/usr/bin/python3 with pandas, tests/cli/asof_cli_pandas.py) and Polars join_asof
 * (nodejs-polars, tests/oracle/polars_asof.mjs). A missing one is said on stderr and its
 * comparisons are skipped.
 */
#ifndef OUPS_TESTS_CLI_ASOF_ORACLES_H
#define OUPS_TESTS_CLI_ASOF_ORACLES_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

static inline void asof_oracles(bool *pandas, bool *polars) {
    *pandas = system("/usr/bin/python3 -c 'import pandas' 2>/dev/null") == 0;
    char node_cmd[512];
    snprintf(node_cmd, sizeof node_cmd, "cd %s/tests/oracle && node -e \"require('nodejs-polars')\" 2>/dev/null",
             OUPS_SOURCE_DIR);
    *polars = system(node_cmd) == 0;
    if (!*pandas) fprintf(stderr, "  pandas not found (python3-pandas): its comparison is skipped\n");
    if (!*polars) fprintf(stderr, "  nodejs-polars not found: its comparison is skipped\n");
}

#endif
