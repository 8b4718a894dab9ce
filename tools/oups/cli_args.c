/*
 * tools/oups/cli_args.c: option-parsing helpers shared by the subcommands (usage errors,
 * getopt failures, comma lists, counts), so every command reports problems the same way:
 * one "oups: ..." line on stderr and exit code 2 for usage errors.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "csv.h"

int cli_usage_error(const char *group, const char *cmd, const char *msg) {
    const char *sp = cmd ? " " : "";
    if (!cmd) cmd = "";
    return cli_fail(2, "%s%s%s: %s (see 'oups %s%s%s --help')", group, sp, cmd, msg, group, sp, cmd);
}

/* getopt_long returned '?': an unknown option or one missing its value (getopt itself stays
 * quiet: opterr = 0, so the user sees a single "oups: ..." line). */
int cli_bad_option(const char *group, const char *cmd, char **argv) {
    char msg[256];
    snprintf(msg, sizeof msg, "unknown option or missing value in '%s'", argv[optind - 1]);
    return cli_usage_error(group, cmd, msg);
}

int cli_parse_count(int64_t *out, const char *opt, const char *text) {
    char *e;
    errno = 0;
    long long v = strtoll(text, &e, 10);
    if (!*text || *e || errno || v < 0) return cli_fail(OUPS_EINVAL, "%s: '%s' is not a non-negative integer", opt, text);
    *out = v;
    return 0;
}

int cli_csv_option(cli_csv_options *o, int opt, const char *arg, const char *group, const char *cmd) {
    if (opt == CLI_OPT_NO_HEADER) {
        o->no_header = true;
        return 1;
    }
    if (opt != CLI_OPT_DELIMITER) return 0;
    if (!strcmp(arg, "\\t") || !strcmp(arg, "tab")) arg = "\t";
    if (strlen(arg) != 1 || *arg == '"' || *arg == '\n' || *arg == '\r') {
        char msg[128];
        snprintf(msg, sizeof msg, "--delimiter: '%s' is not one character (other than a quote or newline)", arg);
        return cli_usage_error(group, cmd, msg);
    }
    o->delimiter = *arg;
    return 1;
}

int cli_split_list(char ***items, int *n, char **copy, const char *text) {
    *copy = strdup(text);
    size_t cap = 1;
    for (const char *p = text; *p; p++) cap += *p == ',';
    *items = calloc(cap, sizeof **items);
    if (!*copy || !*items) return cli_fail(OUPS_ENOMEM, "out of memory");
    *n = 0;
    for (char *save = NULL, *tok = strtok_r(*copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
        (*items)[(*n)++] = tok;
    return 0;
}

int cli_dispatch(const char *group, const char *usage, const cli_subcommand *cmds, int argc, char **argv) {
    if (argc < 2) {
        fputs(usage, stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        fputs(usage, stdout);
        return 0;
    }
    for (const cli_subcommand *c = cmds; c->name; c++)
        if (!strcmp(cmd, c->name)) return c->run(argc - 1, argv + 1);
    fprintf(stderr, "oups: %s: unknown command '%s' (see 'oups %s --help')\n", group, cmd, group);
    return 2;
}
