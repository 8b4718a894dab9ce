/*
 * tools/oups/main.c: the `oups` command-line entry point: global options (--help,
 * --version) and dispatch to subcommands (parquet, store, asof, agg), each in its own file.
 * The CLI uses only the public headers.
 */
#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include "oups/oups.h"
#include "cli.h"

static void usage(FILE *f) {
    fprintf(f,
            "usage: oups [--version] [--help] [--quiet] <command> [<args>]\n"
            "\n"
            "oups: ordered parquet datasets and stateful processing of ordered data.\n"
            "commands:\n"
            "  parquet   inspect, convert and copy Parquet files (schema, meta, cat, copy, from-csv)\n"
            "  store     ordered parquet datasets (write, read, info, check, keys, rm)\n"
            "  asof      as-of join of tables on an ordered key\n"
            "  agg       segmented aggregation: time or row bins, snapshots, per group, resumable\n"
            "\n"
            "--quiet (anywhere on the line): no progress lines on stderr.\n"
            "Exit codes: 0 ok, 1 runtime error, 2 usage error (bad option or option value).\n"
            "Run 'oups <command> --help' for a command's options.\n");
}

/* --quiet is global: taken out of argv wherever it is (before a "--"), so every command
 * accepts it in any position without declaring it. */
static int take_quiet(int argc, char **argv) {
    int k = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--")) {
            while (i < argc) argv[k++] = argv[i++];
            break;
        }
        if (!strcmp(argv[i], "--quiet")) cli_set_quiet(true);
        else argv[k++] = argv[i];
    }
    argv[k] = NULL;
    return k;
}

int main(int argc, char **argv) {
#ifdef __GLIBC__
    /* One malloc arena: glibc reserves 64 MiB of address space for each thread's arena, which
     * an address-space cap (`ulimit -v`, a container's VSZ limit) counts although no memory is
     * used; the worker threads allocate rarely (per column chunk), so sharing costs little. */
    mallopt(M_ARENA_MAX, 1);
#endif
    argc = take_quiet(argc, argv);
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
        printf("oups %s\n", oups_version());
        return 0;
    }
    if (strcmp(argv[1], "parquet") == 0) return oups_cli_parquet(argc - 1, argv + 1);
    if (strcmp(argv[1], "store") == 0) return oups_cli_store(argc - 1, argv + 1);
    if (strcmp(argv[1], "asof") == 0) return oups_cli_asof(argc - 1, argv + 1);
    if (strcmp(argv[1], "agg") == 0) return oups_cli_agg(argc - 1, argv + 1);
    fprintf(stderr, "oups: unknown command '%s' (see 'oups --help')\n", argv[1]);
    return 2;
}
