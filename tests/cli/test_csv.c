// labels: quick
/*
 * tests/cli/test_csv.c: the streaming CSV reader through `oups parquet from-csv` (the built
 * binary): tiny blocks (OUPS_CSV_BLOCK_BYTES) put block boundaries inside quoted fields,
 * escaped quotes, CRLF line ends and multi-line records, and the result must equal the one-block
 * read; gzip and zstd inputs equal the plain one; --delimiter, --no-header, date32 inference;
 * a later block that does not fit the inferred type fails naming line, column and --schema,
 * with no output; truncated compressed input fails cleanly; memory stays bounded by a block.
 */
#include <stdarg.h>
#include <sys/resource.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "cli_run.h"
#include "harness.h"

/* `oups parquet cat NAME` output (static copy). */
static char *cat_of(const char *name) {
    if (clirun("parquet cat %s", name) != 0) return NULL;
    return clirun_slurp("out.txt", NULL);
}

/* A CSV with every tokenizer edge: quoted delimiters, escaped quotes, embedded CR/LF, CRLF
 * line ends, nulls vs "", blank lines. */
static char *tricky_csv(size_t *len, int rows) {
    size_t cap = (size_t)rows * 96 + 64, n = 0;
    char *b = malloc(cap);
    n += (size_t)snprintf(b + n, cap - n, "id,txt,x,day\r\n");
    uint64_t st = tests_seed();
    for (int i = 0; i < rows; i++) {
        const char *txt;
        switch (test_rand(&st) % 6) {
        case 0: txt = "\"a,b\""; break;
        case 1: txt = "\"say \"\"hi\"\"\""; break;
        case 2: txt = "\"two\nlines\""; break;
        case 3: txt = "\"\""; break;
        case 4: txt = ""; break;
        default: txt = "plain"; break;
        }
        n += (size_t)snprintf(b + n, cap - n, "%d,%s,%d.5,2024-01-%02d%s", i, txt, i % 7, 1 + i % 28,
                              i % 3 ? "\n" : "\r\n");
        if (i % 50 == 7) n += (size_t)snprintf(b + n, cap - n, "\n"); /* a blank line */
    }
    *len = n;
    return b;
}

TEST(tiny_blocks_equal_one_block) {
    size_t len;
    char *csv = tricky_csv(&len, 400);
    clirun_put("t.csv", csv, len);
    free(csv);
    CHECK(clirun("parquet from-csv t.csv one.parquet") == 0);
    char *want = cat_of("one.parquet");
    CHECK(want && strstr(want, "id,txt,x,day\n"));
    CHECK(strstr(want, "\"say \"\"hi\"\"\"") && strstr(want, "\"two\nlines\""));
    static const char *const sizes[] = {"1", "2", "3", "7", "64", "1000"};
    for (int i = 0; i < 6; i++) {
        char env[64];
        snprintf(env, sizeof env, "OUPS_CSV_BLOCK_BYTES=%s", sizes[i]);
        CHECK(clirun_env(env, "parquet from-csv t.csv blocks.parquet --schema id:int64,x:float64,day:date32") == 0);
        char *got = cat_of("blocks.parquet");
        CHECK(got && strcmp(got, want) == 0);
        free(got);
    }
    CHECK(clirun("parquet schema one.parquet") == 0);
    char *schema = clirun_slurp("out.txt", NULL);
    CHECK(strstr(schema, "date") != NULL); /* YYYY-MM-DD inferred as date32 */
    free(schema);
    free(want);
}

TEST(compressed_inputs_equal_plain) {
    size_t len;
    char *csv = tricky_csv(&len, 3000);
    clirun_put("c.csv", csv, len);
    char p[512];
    clirun_path(p, sizeof p, "c.csv.gz");
    gzFile gz = gzopen(p, "wb");
    CHECK(gz && gzwrite(gz, csv, (unsigned)len) == (int)len);
    gzclose(gz);
    size_t zcap = ZSTD_compressBound(len);
    char *z = malloc(zcap);
    size_t zn = ZSTD_compress(z, zcap, csv, len, 3);
    CHECK(!ZSTD_isError(zn));
    clirun_put("c.csv.zst", z, zn);
    clirun_put("cut.csv.zst", z, zn / 2); /* truncated frame */
    free(csv);
    free(z);
    CHECK(clirun("parquet from-csv c.csv plain.parquet") == 0);
    char *want = cat_of("plain.parquet");
    CHECK(want != NULL);
    CHECK(clirun_env("OUPS_CSV_BLOCK_BYTES=100", "parquet from-csv c.csv.gz gz.parquet") == 0);
    char *got = cat_of("gz.parquet");
    CHECK(got && strcmp(got, want) == 0);
    free(got);
    CHECK(clirun("parquet from-csv c.csv.zst zst.parquet") == 0);
    got = cat_of("zst.parquet");
    CHECK(got && strcmp(got, want) == 0);
    free(got);
    free(want);
    CHECK(clirun("parquet from-csv cut.csv.zst cut.parquet") == 1);
    char *err = clirun_slurp("err.txt", NULL);
    CHECK(strstr(err, "cut.csv.zst") && strstr(err, "zstd"));
    free(err);
    CHECK(!clirun_exists("cut.parquet"));
}

TEST(delimiter_and_no_header) {
    clirun_put("semi.csv", "a;b\n1;x,y\n2;z\n", 14);
    CHECK(clirun("parquet from-csv semi.csv semi.parquet --delimiter ';'") == 0);
    char *got = cat_of("semi.parquet");
    CHECK(got && strcmp(got, "a,b\n1,\"x,y\"\n2,z\n") == 0);
    free(got);
    clirun_put("tab.tsv", "1\tp\n2\tq\n", 8);
    CHECK(clirun("parquet from-csv tab.tsv tab.parquet --delimiter tab --no-header") == 0);
    got = cat_of("tab.parquet");
    CHECK(got && strcmp(got, "column_1,column_2\n1,p\n2,q\n") == 0);
    free(got);
    CHECK(clirun("parquet from-csv semi.csv x.parquet --delimiter ab") == 2);
    CHECK(!clirun_exists("x.parquet"));
}

TEST(later_block_not_fitting_the_inferred_type) {
    /* the first block (tiny) sees integers only; line 5 holds a float */
    clirun_put("late.csv", "k,v\n1,10\n2,20\n3,30\n4,4.5\n", 25);
    CHECK(clirun_env("OUPS_CSV_BLOCK_BYTES=8", "parquet from-csv late.csv late.parquet") == 1);
    char *err = clirun_slurp("err.txt", NULL);
    CHECK(strstr(err, "late.csv") && strstr(err, "line 5") && strstr(err, "'v'") && strstr(err, "--schema"));
    free(err);
    CHECK(!clirun_exists("late.parquet"));
    CHECK(clirun_env("OUPS_CSV_BLOCK_BYTES=8", "parquet from-csv late.csv late.parquet --schema v:float64") == 0);
    char *got = cat_of("late.parquet");
    CHECK(got && strcmp(got, "k,v\n1,10.0\n2,20.0\n3,30.0\n4,4.5\n") == 0);
    free(got);
}

TEST(memory_bounded_by_a_block) {
#if defined(__SANITIZE_ADDRESS__)
    fprintf(stderr, "  (peak RSS not checked under AddressSanitizer: its shadow memory dominates)\n");
#else
    /* 48 MB of CSV through 1 MiB blocks and 20000-row row groups: peak RSS well under the input */
    char p[512];
    clirun_path(p, sizeof p, "big.csv");
    FILE *f = fopen(p, "wb");
    fputs("ts,px,qty,sym\n", f);
    uint64_t st = tests_seed();
    long bytes = 0;
    for (int64_t i = 0; bytes < 48L << 20; i++)
        bytes += fprintf(f, "%lld,%.4f,%lld,SYM%03d\n", (long long)(1700000000000 + i), 100 + (double)(test_rand(&st) % 10000) / 100,
                         (long long)(test_rand(&st) % 1000), (int)(i % 500));
    fclose(f);
    CHECK(clirun_env("OUPS_CSV_BLOCK_BYTES=1048576", "parquet from-csv big.csv big.parquet --row-group-size 20000") == 0);
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    fprintf(stderr, "  peak RSS of the conversion: %ld KiB for %ld KiB of CSV\n", ru.ru_maxrss, bytes >> 10);
    CHECK(ru.ru_maxrss < 40 * 1024);
#endif
}

CLIRUN_TESTS("cli.csv", "csv", clirun_no_setup, tiny_blocks_equal_one_block, compressed_inputs_equal_plain,
             delimiter_and_no_header, later_block_not_fitting_the_inferred_type, memory_bounded_by_a_block)
