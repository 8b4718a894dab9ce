// labels: quick
/*
 * tests/cli/test_outputs.c: an `-o FILE` output appears only when the command succeeded. A
 * command that fails half-way (here `parquet cat` of a file whose second row group is damaged,
 * after the first was written) exits 1, leaves no partial file and no temporary behind, and
 * keeps what was at FILE before; a successful run replaces FILE. Checked for CSV and JSONL.
 */
#include <dirent.h>
#include <stdarg.h>
#include <unistd.h>

#include "cli_run.h"
#include "harness.h"

static long file_size(const char *name) {
    char p[512];
    clirun_path(p, sizeof p, name);
    FILE *f = fopen(p, "rb");
    if (!f) return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fclose(f);
    return n;
}

static int temporaries_left(void) {
    DIR *d = opendir(clirun_dir);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strstr(e->d_name, ".tmp-")) n++;
    closedir(d);
    return n;
}

/* Two row groups of 20000 int64; the second row group's first page header (its offset read
 * from the footer) is overwritten, so reading it fails after the first was printed. */
static int make_files(void) {
    enum { N = 40000 };
    static int64_t v[N];
    uint64_t st = tests_seed();
    for (int i = 0; i < N; i++) v[i] = (int64_t)test_rand(&st);
    oups_datatype ty = oups_type(OUPS_TYPE_INT64);
    oups_column *c = NULL;
    oups_table *t = NULL;
    const char *names[1] = {"x"};
    oups_parquet_write_options o = OUPS_PARQUET_WRITE_OPTIONS_INIT;
    o.row_group_size = N / 2;
    char good[512], bad[512];
    clirun_path(good, sizeof good, "good.parquet");
    clirun_path(bad, sizeof bad, "bad.parquet");
    int rc = oups_column_from_values(&c, &ty, v, N, NULL);
    if (rc == 0) rc = oups_table_new(&t, 1, names, &c);
    if (rc == 0) rc = oups_parquet_write(good, t, &o);
    if (rc == 0) rc = oups_parquet_write(bad, t, &o);
    oups_table_free(t);
    oups_column_release(c);
    if (rc) return rc;
    oups_parquet_reader *r = NULL;
    char *json = NULL;
    rc = oups_parquet_reader_open(&r, bad);
    if (rc == 0) rc = oups_parquet_reader_meta_json(&json, r);
    oups_parquet_reader_free(r);
    if (rc) return rc;
    const char *k = strstr(json, "\"data_page_offset\":");
    k = k ? strstr(k + 1, "\"data_page_offset\":") : NULL;
    long at = k ? atol(k + strlen("\"data_page_offset\":")) : -1;
    oups_mem_free(json);
    if (at <= 0) return OUPS_EINVAL;
    FILE *f = fopen(bad, "r+b");
    static const uint8_t junk[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    fseek(f, at, SEEK_SET);
    fwrite(junk, 1, sizeof junk, f);
    fclose(f);
    return 0;
}

TEST(failing_cat_leaves_previous_output) {
    CHECK_OK(make_files());
    const char *formats[2] = {"csv", "jsonl"};
    for (int i = 0; i < 2; i++) {
        clirun_put_text("out.txt.keep", "previous\n");
        char from[512], to[512];
        clirun_path(from, sizeof from, "out.txt.keep");
        clirun_path(to, sizeof to, "result");
        CHECK(rename(from, to) == 0);
        CHECK(clirun("parquet cat bad.parquet --format %s -o result", formats[i]) == 1);
        CHECK(clirun_same("result", "previous\n")); /* untouched: the partial output was dropped */
        CHECK(temporaries_left() == 0);
        CHECK(clirun("parquet cat good.parquet --format %s -o result", formats[i]) == 0);
        CHECK(file_size("result") > 40000); /* replaced by the complete output */
        CHECK(temporaries_left() == 0);
    }
}

TEST(failing_cat_creates_nothing) {
    CHECK_OK(make_files());
    CHECK(clirun("parquet cat bad.parquet -o fresh.csv") == 1);
    CHECK(file_size("fresh.csv") == -1);
    CHECK(temporaries_left() == 0);
    /* a usage error after -o: nothing either */
    CHECK(clirun("parquet cat good.parquet -o fresh.csv --limit x") == 2);
    CHECK(file_size("fresh.csv") == -1);
}

CLIRUN_TESTS("cli.outputs", "outputs", clirun_no_setup, failing_cat_leaves_previous_output,
             failing_cat_creates_nothing)
