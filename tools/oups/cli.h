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
int oups_cli_agg(int argc, char **argv);

#include <stddef.h>
#include <stdint.h>

/* cli_args.c. `group` is the command after "oups" ("parquet", "asof"), `cmd` its
 * subcommand ("cat") or NULL. */
/** Print "oups: <group> <cmd>: <msg> (see 'oups <group> <cmd> --help')"; returns 2. */
int cli_usage_error(const char *group, const char *cmd, const char *msg);
/** After getopt_long returned '?': report the offending argument; returns 2. */
int cli_bad_option(const char *group, const char *cmd, char **argv);
/** Strict non-negative integer option value; prints the error and returns non-zero if bad. */
int cli_parse_count(int64_t *out, const char *opt, const char *text);
/** A subcommand: its name and entry point (argv[0] is the subcommand name). */
typedef struct cli_subcommand {
    const char *name;
    int (*run)(int argc, char **argv);
} cli_subcommand;
/** Run the subcommand named by argv[1] (table ends with {NULL, NULL}); --help prints `usage`. */
int cli_dispatch(const char *group, const char *usage, const cli_subcommand *cmds, int argc, char **argv);
/** Split "a,b,c": *items points into *copy; free both with free(). */
int cli_split_list(char ***items, int *n, char **copy, const char *text);

/* cli_state.c (--state FILE). */
/** Whole file into *out (free()); 1 if it does not exist; < 0 with the message printed. */
int cli_read_state(uint8_t **out, size_t *len, const char *path);
/** Replace `path` atomically by `len` bytes; 0 or < 0 with the message printed. */
int cli_write_state(const char *path, const uint8_t *data, size_t len);

#endif
