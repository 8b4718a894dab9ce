// labels: quick fault
/*
 * tests/store/test_stream_cli.c: `oups store write` streaming its inputs into one transaction
 * (tools/oups/cmd_store.c, store/txn.c), end to end with the built binary. A CSV much bigger
 * than a chunk (tiny CSV blocks, OUPS_CSV_BLOCK_BYTES) given as several files, a glob, a
 * directory, a dataset and stdin gives files byte-identical to one write of the whole input
 * (row groups of N rows, or of a period);
 * merging into existing data with duplicates dropped gives the rows of a one-chunk write; rows
 * out of order across inputs or inside a later block are refused naming the input, the
 * 1-based row and ISO 8601 values, leaving the dataset unchanged and no staged file; a write
 * killed (SIGKILL) part-way leaves the old or the new dataset, passing `store check`.
 */
#include <signal.h>
#include <sys/wait.h>

#include "cli_run.h"
#include "harness.h"

#define N_ROWS 3000

/* Rows a..b-1 of the test data (keys non-decreasing, runs of equal keys) as CSV, to `name`. */
static void put_rows(const char *name, int a, int b, bool header) {
    size_t cap = (size_t)(b - a + 1) * 64, len = 0;
    char *s = malloc(cap);
    if (!s) return;
    if (header) len += (size_t)snprintf(s + len, cap - len, "ts,sym,px\n");
    for (int i = a; i < b; i++) {
        int sec = i / 3 * 7 + (i % 3 == 2); /* pairs of equal keys */
        len += (size_t)snprintf(s + len, cap - len, "2024-03-01T%02d:%02d:%02d.5,%c,%d.25\n", sec / 3600 % 24,
                                sec / 60 % 60, sec % 60, "ABC"[i % 3], i);
    }
    clirun_put(name, s, len);
    free(s);
}

static int setup(void) {
    put_rows("all.csv", 0, N_ROWS, true);
    if (clirun_sh("mkdir -p parts && cd parts && true") != 0) return -1;
    put_rows("parts/p1.csv", 0, 1000, true);
    put_rows("parts/p2.csv", 1000, 1001, true); /* a single row */
    put_rows("parts/p3.csv", 1001, N_ROWS, true);
    return 0;
}

#define SMALL "OUPS_CSV_BLOCK_BYTES=300"

/* Files of datasets a and b identical (every row-group file and the metadata). */
static bool same_dataset(const char *a, const char *b) {
    int rc = clirun_sh("cmp -s %s_opdmd %s_opdmd && diff -r %s %s >/dev/null", a, b, a, b);
    if (rc != 0) fprintf(stderr, "  datasets %s and %s differ\n", a, b);
    return rc == 0;
}

TEST(many_inputs_equal_one_write) {
    /* reference: one input, one block (the whole CSV parsed at once), one chunk */
    CHECK(clirun("store write ref all.csv --ordered-on ts --row-group-size 128") == 0);
    CHECK(clirun_env(SMALL, "store write s_glob 'parts/p*.csv' --ordered-on ts --row-group-size 128") == 0);
    CHECK(same_dataset("ref", "s_glob"));
    CHECK(clirun_env(SMALL, "store write s_files parts/p1.csv parts/p2.csv parts/p3.csv --ordered-on ts "
                            "--row-group-size 128") == 0);
    CHECK(same_dataset("ref", "s_files"));
    CHECK(clirun_env(SMALL, "store write s_dir parts --ordered-on ts --row-group-size 128") == 0);
    CHECK(same_dataset("ref", "s_dir"));
    CHECK(clirun_env(SMALL, "store write s_stdin - --ordered-on ts --row-group-size 128 < all.csv") == 0);
    CHECK(same_dataset("ref", "s_stdin"));
    /* a dataset as the input (read row group by row group), other row-group size */
    CHECK(clirun("store write ref2 all.csv --ordered-on ts --row-group-size 100") == 0);
    CHECK(clirun("store write s_ds ref --ordered-on ts --row-group-size 100") == 0);
    CHECK(same_dataset("ref2", "s_ds"));
    /* period row groups: chunks end where a period begins, so no period is split */
    CHECK(clirun("store write pref all.csv --ordered-on ts --row-group-size 10min") == 0);
    CHECK(clirun_env(SMALL, "store write s_per 'parts/p*.csv' --ordered-on ts --row-group-size 10min") == 0);
    CHECK(same_dataset("pref", "s_per"));
    CHECK(clirun("store check s_glob") == 0);
    CHECK(strstr(clirun_text("out.txt"), "ok: 24 row groups") != NULL);
}

TEST(merge_with_duplicates_equals_one_chunk) {
    /* existing rows 0..1999, then rows 1500..2999 with px changed: duplicates on (ts, sym) */
    put_rows("base.csv", 0, 2000, true);
    CHECK(clirun("store write m1 base.csv --ordered-on ts --row-group-size 50") == 0);
    CHECK(clirun("store write m2 base.csv --ordered-on ts --row-group-size 50") == 0);
    CHECK(clirun_sh("sed -e '2,1501d' -e 's/25$/75/' all.csv > upd.csv") == 0);
    CHECK(clirun_env(SMALL, "store write m1 upd.csv --ordered-on ts --row-group-size 50 --duplicates-on sym") == 0);
    CHECK(clirun("store write m2 upd.csv --ordered-on ts --row-group-size 50 --duplicates-on sym") == 0);
    CHECK(clirun_sh("%s/oups store read m1 > r1.csv && %s/oups store read m2 > r2.csv", OUPS_BINARY_DIR,
                    OUPS_BINARY_DIR) == 0);
    CHECK(clirun_sh("cmp r1.csv r2.csv && test $(wc -l < r1.csv) -eq 3001") == 0);
    CHECK(clirun("store check m1") == 0);
}

TEST(unordered_refused_dataset_unchanged) {
    CHECK(clirun("store write u all.csv --ordered-on ts --row-group-size 128") == 0);
    CHECK(clirun_sh("%s/oups store read u > before.csv && %s/oups store info u > before.json", OUPS_BINARY_DIR,
                    OUPS_BINARY_DIR) == 0);
    /* across inputs: p3 then p1 */
    CHECK(clirun_env(SMALL, "store write u parts/p3.csv parts/p1.csv --ordered-on ts --row-group-size 128") == 1);
    CHECK(clirun_one_error_line("parts/p1.csv: column 'ts' is not in non-decreasing order: line 2 "
                                "(2024-03-01T00:00:00.500000000) comes after the last row of parts/p3.csv "
                                "(2024-03-01T01:56:34.500000000)"));
    /* inside a later block of one file: row 2501 (line 2502) goes back an hour */
    CHECK(clirun_sh("sed '2502s/^2024-03-01T01/2024-03-01T00/' all.csv > bad.csv") == 0);
    CHECK(clirun_env(SMALL, "store write u bad.csv --ordered-on ts --row-group-size 128") == 1);
    CHECK(clirun_one_error_line("bad.csv: column 'ts' is not in non-decreasing order: line 2502 "
                                "(2024-03-01T00:37:11.500000000) comes after line 2501 (2024-03-01T01:37:11.500000000)"));
    CHECK(clirun_sh("%s/oups store read u > after.csv && %s/oups store info u > after.json", OUPS_BINARY_DIR,
                    OUPS_BINARY_DIR) == 0);
    CHECK(clirun_sh("cmp before.csv after.csv && cmp before.json after.json") == 0);
    CHECK(clirun_sh("ls u | grep -v '^file_[0-9]*.parquet$'") == 1); /* no staged file left */
    /* a new dataset refused part-way: no dataset appears */
    CHECK(clirun_env(SMALL, "store write nu bad.csv --ordered-on ts --row-group-size 128") == 1);
    CHECK(!clirun_exists("nu_opdmd"));
    CHECK(clirun("store write --help") == 0);
    CHECK(strstr(clirun_text("out.txt"), "Inputs: files (.parquet/.pq") != NULL);
    CHECK(clirun("store write u --ordered-on ts") == 2);
    CHECK(clirun("store write u u/ --ordered-on ts") == 2); /* would wait for its own lock */
    CHECK(clirun_one_error_line("the dataset cannot be one of its own inputs"));
    CHECK(clirun("store write u - --ordered-on ts --input-format xml < all.csv") == 2);
}

/* `oups store write` SIGKILLed at random moments while merging rows 1000..2999 into a dataset of
 * rows 0..999: afterwards `store check` passes (read-only, then as a writer through a write
 * of nothing) and the rows are those before or after. */
TEST(sigkill_part_way) {
    uint64_t rs = tests_seed();
    CHECK(clirun_sh("head -1001 all.csv > head.csv && (head -1 all.csv; tail -n +1002 all.csv) > tail.csv") == 0);
    CHECK(clirun("store write full all.csv --ordered-on ts --row-group-size 64") == 0);
    CHECK(clirun_sh("%s/oups store read full > full.csv", OUPS_BINARY_DIR) == 0);
    int seen[2] = {0, 0};
    for (int round = 0; round < 8; round++) {
        CHECK(clirun_sh("rm -rf k k_opdmd") == 0);
        CHECK(clirun("store write k head.csv --ordered-on ts --row-group-size 64") == 0);
        CHECK(clirun_sh("%s/oups store read k > head_rows.csv", OUPS_BINARY_DIR) == 0);
        char cmd[1024];
        snprintf(cmd, sizeof cmd, "cd %s && exec env %s %s/oups store write k tail.csv --ordered-on ts "
                 "--row-group-size 64 >/dev/null 2>&1", clirun_dir, SMALL, OUPS_BINARY_DIR);
        pid_t pid = fork();
        CHECK(pid >= 0);
        if (pid == 0) {
            execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
            _exit(127);
        }
        usleep((useconds_t)(test_rand(&rs) % 400000)); /* the write takes about 0.3 s */
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        CHECK(clirun("store check k") == 0);
        CHECK(clirun_sh("%s/oups store read k > got.csv", OUPS_BINARY_DIR) == 0);
        bool is_new = clirun_sh("cmp -s got.csv full.csv") == 0;
        CHECK(is_new || clirun_sh("cmp -s got.csv head_rows.csv") == 0);
        seen[is_new]++;
        (void)clirun("store write k --ordered-on ts - < /dev/null"); /* a writer's open deletes leftovers */
        CHECK(clirun("store check k") == 0);
        CHECK(clirun_sh("ls k | grep -v '^file_[0-9]*.parquet$'") == 1);
    }
    fprintf(stderr, "  killed before the commit %d times, after %d times\n", seen[0], seen[1]);
}

CLIRUN_TESTS("store.stream_cli", "stream-cli", setup, many_inputs_equal_one_write,
             merge_with_duplicates_equals_one_chunk, unordered_refused_dataset_unchanged, sigkill_part_way)
