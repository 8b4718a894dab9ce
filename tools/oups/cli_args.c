/*
 * tools/oups/cli_args.c: option-parsing helpers shared by the subcommands (usage errors,
 * getopt failures, comma lists, counts), so every command reports problems the same way:
 * one "oups: ..." line on stderr and exit code 2 for usage errors.
 */
#include <ctype.h>
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

/* "bad value 'x' for --opt: why" as a usage error (2). */
static int bad_value(const char *group, const char *cmd, const char *opt, const char *text, const char *why) {
    char msg[512];
    snprintf(msg, sizeof msg, "bad value '%s' for %s: %s", text, opt, why);
    return cli_usage_error(group, cmd, msg);
}

/* Whole text a decimal integer (optional sign)? */
static bool parse_int(int64_t *out, const char *text) {
    char *e;
    errno = 0;
    long long v = strtoll(text, &e, 10);
    if (!*text || *e || errno || isspace((unsigned char)*text)) return false;
    *out = v;
    return true;
}

int cli_opt_int(int64_t *out, const char *group, const char *cmd, const char *opt, const char *text, int64_t lo,
                int64_t hi) {
    int64_t v;
    if (!parse_int(&v, text) || v < lo || v > hi) {
        char why[96];
        if (hi == INT64_MAX) snprintf(why, sizeof why, "expected an integer >= %lld", (long long)lo);
        else snprintf(why, sizeof why, "expected an integer in %lld..%lld", (long long)lo, (long long)hi);
        return bad_value(group, cmd, opt, text, why);
    }
    *out = v;
    return 0;
}

int cli_opt_count(int64_t *out, const char *group, const char *cmd, const char *opt, const char *text) {
    return cli_opt_int(out, group, cmd, opt, text, 0, INT64_MAX);
}

int cli_opt_positive(int64_t *out, const char *group, const char *cmd, const char *opt, const char *text) {
    return cli_opt_int(out, group, cmd, opt, text, 1, INT64_MAX);
}

int cli_opt_period(int64_t *ns, const char *group, const char *cmd, const char *opt, const char *text) {
    oups_period p;
    if (oups_period_parse(&p, text) || oups_period_nanos(ns, &p))
        return bad_value(group, cmd, opt, text,
                         "expected a period such as 5s, 100ms, 1min, 1h, D (units ns us ms s min h D W)");
    return 0;
}

int cli_opt_list_int(int64_t *out, int *n, int max, const char *group, const char *cmd, const char *opt,
                     const char *text, int64_t lo, int64_t hi) {
    *n = 0;
    const char *p = text;
    for (;;) {
        const char *c = strchr(p, ',');
        size_t len = c ? (size_t)(c - p) : strlen(p);
        char item[64];
        if (*n == max) {
            char why[64];
            snprintf(why, sizeof why, "at most %d values", max);
            return bad_value(group, cmd, opt, text, why);
        }
        if (len >= sizeof item) return bad_value(group, cmd, opt, text, "a value is too long");
        memcpy(item, p, len);
        item[len] = '\0';
        int64_t v;
        if (!parse_int(&v, item) || v < lo || v > hi) {
            char why[128];
            snprintf(why, sizeof why, "'%s' is not an integer in %lld..%lld", item, (long long)lo, (long long)hi);
            return bad_value(group, cmd, opt, text, why);
        }
        out[(*n)++] = v;
        if (!c) return 0;
        p = c + 1;
    }
}

int cli_opt_choice(int *out, const char *group, const char *cmd, const char *opt, const char *text,
                   const char *const *choices) {
    char why[256] = "expected one of";
    for (int i = 0; choices[i]; i++) {
        if (!strcmp(text, choices[i])) {
            *out = i;
            return 0;
        }
        size_t l = strlen(why);
        snprintf(why + l, sizeof why - l, "%s %s", i ? "," : "", choices[i]);
    }
    return bad_value(group, cmd, opt, text, why);
}

int cli_opt_schema(const char *text) {
    cli_schema s = {0};
    int rc = cli_parse_schema(&s, text);
    cli_schema_free(&s);
    return rc ? 2 : 0;
}

static bool quiet;
void cli_set_quiet(bool q) { quiet = q; }
bool cli_quiet(void) { return quiet; }

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
