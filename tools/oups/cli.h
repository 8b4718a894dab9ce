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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* cli_args.c. `group` is the command after "oups" ("parquet", "asof"), `cmd` its
 * subcommand ("cat") or NULL. */
/** Print "oups: <group> <cmd>: <msg> (see 'oups <group> <cmd> --help')"; returns 2. */
int cli_usage_error(const char *group, const char *cmd, const char *msg);
/** After getopt_long returned '?': report the offending argument; returns 2. */
int cli_bad_option(const char *group, const char *cmd, char **argv);
/*
 * Strict option values. Each returns 0 with *out set, or prints the usage error
 * "oups: <group> <cmd>: bad value 'x' for --opt: <why> (see 'oups <group> <cmd> --help')" and
 * returns 2 (the usage exit code), so callers write `if (cli_opt_count(...)) return 2;`.
 */
/** An integer >= 0. */
int cli_opt_count(int64_t *out, const char *group, const char *cmd, const char *opt, const char *text);
/** An integer > 0. */
int cli_opt_positive(int64_t *out, const char *group, const char *cmd, const char *opt, const char *text);
/** An integer in lo..hi. */
int cli_opt_int(int64_t *out, const char *group, const char *cmd, const char *opt, const char *text, int64_t lo,
                int64_t hi);
/** A fixed period > 0 ("5s", "100ms", "1min", "1h", "D", "2W"; units ns us ms s min T h H D W)
 * in nanoseconds. Month/year starts (MS, YS) have no fixed length and are refused. */
int cli_opt_period(int64_t *ns, const char *group, const char *cmd, const char *opt, const char *text);
/** Comma-separated integers in lo..hi: at most `max` into out[], their count in *n. */
int cli_opt_list_int(int64_t *out, int *n, int max, const char *group, const char *cmd, const char *opt,
                     const char *text, int64_t lo, int64_t hi);
/** One of `choices` (NULL-terminated): its index in *out. */
int cli_opt_choice(int *out, const char *group, const char *cmd, const char *opt, const char *text,
                   const char *const *choices);

/** A --schema "name:type,..." spec that cli_parse_schema accepts (its message is printed). */
int cli_opt_schema(const char *text);

/** The global --quiet (main.c): no progress lines on stderr. */
void cli_set_quiet(bool quiet);
bool cli_quiet(void);

/* progress.c: one progress line on stderr for the inputs being read (input.c feeds it): rows,
 * MB, MB/s, ETA when the sizes are known. Only when stderr is a terminal and after 2 s (or
 * OUPS_PROGRESS=1; OUPS_PROGRESS=0 or --quiet: never). */
/** An input was opened; its size in bytes (-1: unknown, then no ETA). */
void cli_progress_begin(int64_t total_bytes);
/** Rows and bytes of the input just read. */
void cli_progress_advance(int64_t rows, int64_t bytes);
/** An input was closed; the last one prints the final line (not after a failure). */
void cli_progress_end(void);
/** Clear a progress line from the terminal before another message (cli_fail does it). */
void cli_progress_interrupt(void);

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
/** Make a state blob with `save` (freed with oups_mem_free) and write it with cli_write_state. */
int cli_save_state(const char *path, int (*save)(uint8_t **out, size_t *len, const void *obj), const void *obj);

#endif
