// labels: quick
/*
 * tests/store/test_cli.c: `oups store ...` end to end with the built binary
 * (OUPS_BINARY_DIR "/oups") in a temp directory: write from CSV and Parquet (period and
 * n-rows sizes, dedup, kv), read with bounds/columns/formats, info JSON, check, keys, rm,
 * --help, and errors (exit codes 1/2 with one "oups: ..." line; nothing written on bad input).
 * read: --end (alias --end-excl), --limit, --stats (row groups and pages counted), every format;
 * bad option values exit 2; --lock-timeout on every command, and the "waiting for lock" line
 * while another process holds the lock (held until the line shows: no timing assumption);
 * write --allow-new-columns.
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
    CHECK(one_error_line("a.csv: column 'ts' is not in non-decreasing order: line 3 (2021-01-01T07:00:00.000000000) "
                         "comes after line 2 (2021-01-01T08:00:00.000000000)"));
    CHECK(store("info st/ds") == 1);
    CHECK(one_error_line("no such dataset"));
    CHECK(store("write st/ds a.csv") == 2);
    CHECK(one_error_line("--ordered-on is required"));
    CHECK(store("write st/ds --ordered-on ts --row-group-size 2x a.csv") == 2);
    CHECK(one_error_line("2x"));
    CHECK(store("write st/ds --ordered-on ts --bogus a.csv") == 2);
    CHECK(store("read st/ds --format xml") == 2);
    CHECK(store("frobnicate") == 2);
    put("b.csv", "ts,v\n2021-01-01T08:00:00,1\n");
    CHECK(store("write st/ds --ordered-on ts b.csv") == 0);
    put("c.csv", "ts,w\n2021-01-01T09:00:00,1\n");
    CHECK(store("write st/ds --ordered-on ts c.csv") == 1); /* other columns: the same message as Parquet */
    CHECK(one_error_line("c.csv: "));
    CHECK(one_error_line("column 'w' (int64) of the new data is not in the dataset"));
    CHECK(oups_cmd("parquet from-csv c.csv c.parquet") == 0);
    CHECK(store("write st/ds --ordered-on ts c.parquet") == 1);
    CHECK(one_error_line("c.parquet: "));
    CHECK(one_error_line("column 'w' (int64) of the new data is not in the dataset"));
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

TEST(read_flags) {
    dir = su_tmpdir();
    char csv[8192];
    size_t at = (size_t)snprintf(csv, sizeof csv, "k,v\n");
    for (int i = 0; i < 300; i++) at += (size_t)snprintf(csv + at, sizeof csv - at, "%d,%d\n", i, i * 10);
    put("a.csv", csv);
    CHECK(store("write ds --ordered-on k --row-group-size 100 a.csv") == 0);
    CHECK(store("read ds --start 150 --end 153") == 0);
    CHECK(strcmp(slurp("out.txt"), "k,v\n150,1500\n151,1510\n152,1520\n") == 0);
    CHECK(store("read ds --start 150 --end-excl 153 --columns v --format jsonl") == 0);
    CHECK(strcmp(slurp("out.txt"), "{\"v\":1500}\n{\"v\":1510}\n{\"v\":1520}\n") == 0);
    CHECK(store("read ds --start 95 --limit 7 --stats") == 0);
    CHECK(strcmp(slurp("out.txt"), "k,v\n95,950\n96,960\n97,970\n98,980\n99,990\n100,1000\n101,1010\n") == 0);
    CHECK(one_error_line("2 of 3 row groups read")); /* stops once the limit is reached */
    CHECK(store("read ds --limit 0") == 0);
    CHECK(strcmp(slurp("out.txt"), "k,v\n") == 0);
    CHECK(store("read ds --start 150 --end 151 --format table") == 0);
    CHECK(strstr(slurp("out.txt"), "150") && strstr(slurp("out.txt"), "1500"));
    CHECK(store("read ds --start 290 --format parquet -o tail.parquet") == 0);
    CHECK(oups_cmd("parquet cat tail.parquet") == 0);
    CHECK(strncmp(slurp("out.txt"), "k,v\n290,2900\n", 13) == 0);
    CHECK(store("read ds --start 150 --end 151 --stats") == 0);
    CHECK(one_error_line("1 of 3 row groups read, 2 pages decoded"));
    /* bad option values: usage exit 2, one line naming the value */
    CHECK(store("read ds --limit -1") == 2);
    CHECK(one_error_line("bad value '-1' for --limit"));
    CHECK(store("read ds --limit x") == 2);
    CHECK(store("read ds --lock-timeout soon") == 2);
    CHECK(one_error_line("bad value 'soon' for --lock-timeout"));
    CHECK(store("read ds --end 3 --end-excl 4") == 2);
    CHECK(store("write ds --ordered-on k --row-group-size 0 a.csv") == 2);
    CHECK(one_error_line("bad value '0' for --row-group-size"));
    CHECK(store("write ds --ordered-on k --row-group-size -5 a.csv") == 2);
    CHECK(store("write ds --ordered-on k --max-n-off-target-rgs 0 a.csv") == 2);
    CHECK(store("write ds --ordered-on k --compression lzma a.csv") == 2);
    CHECK(store("write ds --ordered-on k --kv novalue a.csv") == 2);
    CHECK(store("info ds --lock-timeout -1") == 2);
    CHECK(store("rm ds --lock-timeout x") == 2);
    CHECK(store("check ds --lock-timeout 1e99") == 2);
    CHECK(store("info ds --lock-timeout 0.5") == 0 && store("check ds --lock-timeout 2") == 0);
    su_rmrf(dir);
}

/* Poll (up to a minute, for loaded machines) until `name` in dir contains `needle`. */
static bool eventually(const char *name, const char *needle) {
    for (int i = 0; i < 600; i++) {
        if (strstr(slurp(name), needle)) return true;
        usleep(100000);
    }
    return false;
}

TEST(lock_wait) {
    dir = su_tmpdir();
    put("a.csv", "k,v\n1,10\n2,20\n");
    CHECK(store("write ds --ordered-on k a.csv") == 0);
    char p[512], cmd[2048];
    snprintf(p, sizeof p, "%s/ds", dir);
    oups_opd *holder;
    CHECK_OK(oups_opd_open(&holder, p, NULL)); /* a writer: exclusive */
    CHECK(store("read ds --lock-timeout 0") == 1);
    CHECK(one_error_line("lock not acquired within 0 s"));
    /* a reader in another process waits: the line shows after 1 s; the holder lets go then */
    snprintf(cmd, sizeof cmd, "cd %s && (%s/oups store read ds --lock-timeout 300 >out2.txt 2>err2.txt; echo $? >rc2.txt) &",
             dir, OUPS_BINARY_DIR);
    CHECK(system(cmd) == 0);
    CHECK(eventually("err2.txt", "oups: waiting for lock on ds ...\n"));
    oups_opd_close(holder);
    CHECK(eventually("rc2.txt", "\n"));
    CHECK(strcmp(slurp("rc2.txt"), "0\n") == 0 && strcmp(slurp("out2.txt"), "k,v\n1,10\n2,20\n") == 0);
    CHECK(strcmp(slurp("err2.txt"), "oups: waiting for lock on ds ...\n") == 0); /* once */
    /* readers share the lock: no waiting behind another reader */
    oups_opd_options ro = OUPS_OPD_OPTIONS_INIT;
    ro.read_only = true;
    CHECK_OK(oups_opd_open(&holder, p, &ro));
    CHECK(store("read ds --lock-timeout 0") == 0 && store("info ds --lock-timeout 0") == 0 &&
          store("check ds --lock-timeout 0") == 0);
    CHECK(store("write ds --ordered-on k --lock-timeout 0 a.csv") == 1); /* a writer waits for readers */
    CHECK(store("rm ds --lock-timeout 0") == 1);
    CHECK(store("check ds --repair --lock-timeout 0") == 1);
    CHECK(one_error_line("lock not acquired"));
    oups_opd_close(holder);
    su_rmrf(dir);
}

TEST(allow_new_columns) {
    dir = su_tmpdir();
    put("a.csv", "ts,v\n2021-01-01T08:00:00,1\n2021-01-01T09:00:00,2\n");
    put("b.csv", "ts,w,v\n2021-01-01T09:30:00,x,3\n2021-01-01T10:00:00,y,4\n");
    CHECK(store("write ds --ordered-on ts --row-group-size 2 a.csv") == 0);
    CHECK(store("write ds --ordered-on ts --row-group-size 2 b.csv") == 1);
    CHECK(one_error_line("column 'w' (string) of the new data is not in the dataset"));
    CHECK(store("write ds --ordered-on ts --row-group-size 2 --allow-new-columns b.csv") == 0);
    CHECK(store("read ds") == 0);
    CHECK(strcmp(slurp("out.txt"), "ts,v,w\n2021-01-01T08:00:00.000000000,1,\n2021-01-01T09:00:00.000000000,2,\n"
                                   "2021-01-01T09:30:00.000000000,3,x\n2021-01-01T10:00:00.000000000,4,y\n") == 0);
    CHECK(store("check ds") == 0);
    put("c.csv", "ts,w\n2021-01-01T11:00:00,z\n");
    CHECK(oups_cmd("parquet from-csv c.csv c.parquet") == 0);
    CHECK(store("write ds --ordered-on ts --allow-new-columns c.parquet") == 1);
    CHECK(one_error_line("ds: column 'v' (int64) is not in the new data: a write cannot drop a column"));
    su_rmrf(dir);
}

RUN_TESTS("store.cli", write_read_info, errors, check_repair, read_flags, lock_wait, allow_new_columns)
