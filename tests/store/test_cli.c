// labels: quick
/*
 * tests/store/test_cli.c: `oups store ...` end to end with the built binary
 * (OUPS_BINARY_DIR "/oups") in a temp directory: write from CSV and Parquet (period and
 * n-rows sizes, dedup, kv), read with bounds/columns/formats, info JSON, check, keys, rm,
 * --help, and errors (exit codes 1/2 with one "oups: ..." line; nothing written on bad input).
 */
#include <stdarg.h>
#include <sys/wait.h>

#include "cli_run.h"
#include "store_util.h"

static char *dir;

static const char *slurp(const char *name) {
    static char buf[1 << 15];
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    buf[0] = '\0';
    FILE *f = fopen(p, "rb");
    if (!f) return buf;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void put(const char *name, const char *text) {
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    fputs(text, f);
    fclose(f);
}

/* `oups store <args>` in dir; stdout -> out.txt, stderr -> err.txt; exit code. */
static int store(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int rc = cli_run_in(dir, "store ", fmt, ap);
    va_end(ap);
    return rc;
}

/* `oups <args>` (any command) in dir. */
static int oups_cmd(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int rc = cli_run_in(dir, "", fmt, ap);
    va_end(ap);
    return rc;
}

static bool one_error_line(const char *needle) {
    const char *e = slurp("err.txt");
    const char *nl = strchr(e, '\n');
    bool ok = strncmp(e, "oups: ", 6) == 0 && nl && nl[1] == '\0' && strstr(e, needle);
    if (!ok) fprintf(stderr, "  stderr: %s\n", e);
    return ok;
}

TEST(write_read_info) {
    dir = su_tmpdir();
    put("a.csv", "ts,v\n2021-01-01T08:00:00,1\n2021-01-01T09:00:00,2\n2021-01-01T10:30:00,3\n2021-01-01T12:00:00,4\n");
    CHECK(store("write st/ds --ordered-on ts --row-group-size 2h --kv owner=me --kv tmp=x a.csv") == 0);
    CHECK(store("info st/ds") == 0);
    CHECK(strcmp(slurp("out.txt"),
                 "{\"ordered_on\": \"ts\", \"row_groups\": [{\"file_id\": 0, \"n_rows\": 2, \"min\": "
                 "\"2021-01-01T08:00:00.000000000\", \"max\": \"2021-01-01T09:00:00.000000000\"}, {\"file_id\": 1, "
                 "\"n_rows\": 1, \"min\": \"2021-01-01T10:30:00.000000000\", \"max\": \"2021-01-01T10:30:00.000000000\"}, "
                 "{\"file_id\": 2, \"n_rows\": 1, \"min\": \"2021-01-01T12:00:00.000000000\", \"max\": "
                 "\"2021-01-01T12:00:00.000000000\"}], \"key_value_metadata\": {\"owner\": \"me\", \"tmp\": \"x\"}}\n") == 0);
    /* dedup on ts (new wins), coalescing, kv delete */
    put("b.csv", "ts,v\n2021-01-01T09:00:00,20\n2021-01-01T13:00:00,5\n");
    CHECK(store("write st/ds --ordered-on ts --row-group-size 2h --duplicates-on ts --max-n-off-target-rgs 1 "
                "--kv-del tmp b.csv") == 0);
    CHECK(store("read st/ds --start 2021-01-01T09:00:00 --end-excl 2021-01-01T13:00:00") == 0);
    CHECK(strcmp(slurp("out.txt"), "ts,v\n2021-01-01T09:00:00.000000000,20\n2021-01-01T10:30:00.000000000,3\n"
                                   "2021-01-01T12:00:00.000000000,4\n") == 0);
    CHECK(store("read st/ds --columns v --format jsonl") == 0);
    CHECK(strcmp(slurp("out.txt"), "{\"v\":1}\n{\"v\":20}\n{\"v\":3}\n{\"v\":4}\n{\"v\":5}\n") == 0);
    CHECK(store("read st/ds --start 2030-01-01") == 0); /* header only */
    CHECK(strcmp(slurp("out.txt"), "ts,v\n") == 0);
    CHECK(store("info st/ds") == 0);
    CHECK(strstr(slurp("out.txt"), "\"key_value_metadata\": {\"owner\": \"me\"}}") != NULL);
    CHECK(store("check st/ds") == 0);
    CHECK(strcmp(slurp("out.txt"), "ok: 3 row groups\n") == 0);
    /* parquet out and back in as a second dataset, n-rows strategy */
    CHECK(store("read st/ds --format parquet -o all.parquet") == 0);
    CHECK(store("write st/copy --ordered-on ts --row-group-size 2 all.parquet") == 0);
    CHECK(store("info st/copy") == 0);
    CHECK(strstr(slurp("out.txt"), "\"file_id\": 2, \"n_rows\": 1") != NULL);
    CHECK(store("keys st --schema name:str") == 0);
    CHECK(strcmp(slurp("out.txt"), "copy\nds\n") == 0);
    CHECK(store("rm st/copy") == 0);
    CHECK(store("keys st --schema name:str") == 0);
    CHECK(strcmp(slurp("out.txt"), "ds\n") == 0);
    su_rmrf(dir);
}

TEST(errors) {
    dir = su_tmpdir();
    put("a.csv", "ts,v\n2021-01-01T08:00:00,1\n2021-01-01T07:00:00,2\n");
    CHECK(store("write st/ds --ordered-on ts a.csv") == 1);
    CHECK(one_error_line("must be sorted in ascending order: row 1 (2021-01-01T07:00:00.000000000) comes after 2021-01-01T08:00:00"));
    CHECK(store("info st/ds") == 1);
    CHECK(one_error_line("no such dataset"));
    CHECK(store("write st/ds a.csv") == 2);
    CHECK(one_error_line("--ordered-on is required"));
    CHECK(store("write st/ds --ordered-on ts --row-group-size 2x a.csv") == 1);
    CHECK(one_error_line("2x"));
    CHECK(store("write st/ds --ordered-on ts --bogus a.csv") == 2);
    CHECK(store("read st/ds --format xml") == 2);
    CHECK(store("frobnicate") == 2);
    put("b.csv", "ts,v\n2021-01-01T08:00:00,1\n");
    CHECK(store("write st/ds --ordered-on ts b.csv") == 0);
    put("c.csv", "ts,w\n2021-01-01T09:00:00,1\n");
    CHECK(store("write st/ds --ordered-on ts c.csv") == 1); /* other columns */
    CHECK(one_error_line("not in the header"));
    CHECK(oups_cmd("parquet from-csv c.csv c.parquet") == 0);
    CHECK(store("write st/ds --ordered-on ts c.parquet") == 1);
    CHECK(one_error_line("c.parquet: "));
    CHECK(one_error_line("column 1 is 'v' in the dataset but 'w' in the new data"));
    CHECK(store("write st/ds --ordered-on v b.csv") == 1);
    CHECK(one_error_line("does not match"));
    CHECK(store("read st/ds") == 0);
    CHECK(strcmp(slurp("out.txt"), "ts,v\n2021-01-01T08:00:00.000000000,1\n") == 0);
    CHECK(store("--help") == 0 && store("write --help") == 0 && store("read --help") == 0 && store("info --help") == 0 &&
          store("check --help") == 0 && store("keys --help") == 0 && store("rm --help") == 0);
    su_rmrf(dir);
}

/* check (read-only) and check --repair; a parquet input of other types names file and column. */
TEST(check_repair) {
    dir = su_tmpdir();
    put("a.csv", "ts,v\n1,1.5\n2,2.5\n3,3.5\n");
    CHECK(store("write st/ds --ordered-on ts --row-group-size 2 --kv k=v a.csv") == 0);
    CHECK(store("check st/ds") == 0);
    CHECK(strcmp(slurp("out.txt"), "ok: 2 row groups\n") == 0);
    CHECK(store("check st/ds --repair") == 0);
    CHECK(strcmp(slurp("out.txt"), "ok: metadata verified\n") == 0);
    CHECK(store("check st/ds --ordered-on ts") == 2);
    char p[512];
    snprintf(p, sizeof p, "%s/st/ds_opdmd", dir); /* damage the metadata's JSON */
    FILE *f = fopen(p, "r+b");
    CHECK(f);
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf, f);
    char *k = memmem(buf, n, "\"k\":\"v\"", 7);
    CHECK(k);
    k[1] = 'K';
    CHECK(fseek(f, 0, SEEK_SET) == 0 && fwrite(buf, 1, n, f) == n);
    fclose(f);
    CHECK(store("read st/ds") == 1);
    CHECK(one_error_line("checksum mismatch"));
    CHECK(store("info st/ds") == 1);
    CHECK(store("check st/ds") == 1);
    CHECK(store("check st/ds --repair") == 1);
    CHECK(one_error_line("give the ordered_on column"));
    CHECK(store("check st/ds --repair --ordered-on ts") == 0);
    CHECK(strncmp(slurp("out.txt"), "ok: metadata rebuilt from 2 row-group files", 43) == 0);
    CHECK(store("read st/ds") == 0);
    CHECK(strcmp(slurp("out.txt"), "ts,v\n1,1.5\n2,2.5\n3,3.5\n") == 0);
    su_rmrf(dir);
}

RUN_TESTS("store.cli", write_read_info, errors, check_repair)
