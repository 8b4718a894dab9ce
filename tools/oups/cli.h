/*
 * tools/oups/cli.h: subcommand entry points of the `oups` CLI and shared CLI conventions.
 * Each subcommand gets argv starting at its own name (argv[0] = "parquet", ...), parses its
 * options with getopt_long (options and positionals in any order), writes results to stdout
 * unless -o FILE, prints a one-line "oups: ..." message on stderr on failure and returns a
 * non-zero exit code (1 for errors, 2 for usage errors).
 */
#ifndef OUPS_CLI_H
#define OUPS_CLI_H

int oups_cli_parquet(int argc, char **argv);
int oups_cli_store(int argc, char **argv);
int oups_cli_asof(int argc, char **argv);

#endif
