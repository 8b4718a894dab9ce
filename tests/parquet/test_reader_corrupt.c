// labels: quick
/*
 * tests/parquet/test_reader_corrupt.c: hostile inputs never crash, hang or leak the reader.
 * For every corpus file: prefixes cut at many offsets (always OUPS_ECORRUPT), the data region
 * cut while the footer is kept (offsets then point past the data), random byte flips anywhere
 * and flips inside the footer. Each variant goes through the fuzz target body (every reader
 * entry point) and must end in success, OUPS_ECORRUPT or OUPS_EUNSUPPORTED. Seeded (tests_seed).
 * Run under -DOUPS_SANITIZE=ON to catch memory errors and leaks.
 */
#include <dirent.h>

#include "../fuzz/parquet_read_target.h"
#include "harness.h"
#include "reader_text.h"
#include "util/util.h"

typedef struct corpus_file {
    char name[256];
    uint8_t *data;
    size_t len;
} corpus_file;

static int load_corpus(corpus_file **out) {
    *out = NULL; /* free_corpus(NULL, 0) is then safe whatever happens below */
    DIR *d = opendir(corpus_dir());
    if (!d) return 0;
    int n = 0, cap = 128;
    corpus_file *fs = calloc((size_t)cap, sizeof *fs);
    struct dirent *e;
    while ((e = readdir(d)) && n < cap) {
        size_t l = strlen(e->d_name);
        if (l < 8 || strcmp(e->d_name + l - 8, ".parquet") != 0) continue;
        char path[1024];
        corpus_path(path, sizeof path, e->d_name);
        snprintf(fs[n].name, sizeof fs[n].name, "%s", e->d_name);
        fs[n].data = (uint8_t *)slurp(path, &fs[n].len);
        if (fs[n].data) n++;
    }
    closedir(d);
    *out = fs;
    return n;
}

static void free_corpus(corpus_file *fs, int n) {
    for (int i = 0; i < n; i++) free(fs[i].data);
    free(fs);
}

/* Variants per file: fewer for big files so the whole test stays fast (also under ASan). */
static int budget(size_t len, int base) {
    int n = (int)(base * 20000.0 / (double)(len + 20000));
    return n < 8 ? 8 : n;
}

static int run(const char *file, const char *what, const uint8_t *img, size_t len) {
    int rc = fuzz_parquet_read(img, len);
    if (rc) fprintf(stderr, "  %s (%s): unexpected %s: %s\n", file, what, oups_strerror(rc), oups_error_last());
    return rc;
}

TEST(prefixes_are_corrupt) {
    REQUIRE_CORPUS();
    corpus_file *fs;
    int n = load_corpus(&fs);
    CHECK(n > 50);
    int bad = 0;
    for (int f = 0; f < n; f++) {
        int k = budget(fs[f].len, 40);
        for (int i = 0; i < k; i++) {
            size_t cut = (size_t)((double)fs[f].len * i / k);
            oups_parquet_reader *r = NULL;
            int rc = oups_parquet_reader_open_memory(&r, fs[f].data, cut, fs[f].name);
            if (rc != OUPS_ECORRUPT) bad++;
            oups_parquet_reader_free(r);
        }
    }
    free_corpus(fs, n);
    CHECK(bad == 0);
}

TEST(data_cut_with_footer_kept) {
    REQUIRE_CORPUS();
    corpus_file *fs;
    int n = load_corpus(&fs);
    int bad = 0;
    uint64_t st = tests_seed();
    for (int f = 0; f < n; f++) {
        size_t len = fs[f].len;
        if (len < 12) continue;
        uint32_t flen = oups_load_u32le(fs[f].data + len - 8);
        if ((size_t)flen + 12 > len) continue;
        size_t tail = flen + 8, data_end = len - tail;
        uint8_t *img = malloc(len);
        int k = budget(len, 30);
        for (int i = 0; i < k; i++) {
            size_t cut = 4 + (size_t)(test_rand(&st) % (data_end - 3));
            memcpy(img, fs[f].data, cut);
            memcpy(img + cut, fs[f].data + data_end, tail);
            bad += run(fs[f].name, "data cut", img, cut + tail) != 0;
        }
        free(img);
    }
    free_corpus(fs, n);
    CHECK(bad == 0);
}

static int flip_file(const corpus_file *cf, uint64_t *st, int variants, bool footer_only) {
    size_t len = cf->len, lo = 0;
    if (footer_only) {
        uint32_t flen = oups_load_u32le(cf->data + len - 8);
        if ((size_t)flen + 12 > len) return 0;
        lo = len - 8 - flen;
    }
    uint8_t *img = malloc(len);
    int bad = 0;
    for (int i = 0; i < variants; i++) {
        memcpy(img, cf->data, len);
        int flips = 1 + (int)(test_rand(st) % 4);
        for (int j = 0; j < flips; j++) {
            size_t at = lo + (size_t)(test_rand(st) % (len - lo));
            uint64_t how = test_rand(st);
            img[at] = (how & 1) ? (uint8_t)(img[at] ^ (1u << (how >> 1 & 7))) : (uint8_t)(how >> 8);
        }
        bad += run(cf->name, footer_only ? "footer flips" : "flips", img, len) != 0;
    }
    free(img);
    return bad;
}

TEST(random_byte_flips) {
    REQUIRE_CORPUS();
    corpus_file *fs;
    int n = load_corpus(&fs);
    int bad = 0;
    uint64_t st = tests_seed() ^ 0x5eed;
    for (int f = 0; f < n; f++) bad += flip_file(&fs[f], &st, budget(fs[f].len, 60), false);
    free_corpus(fs, n);
    CHECK(bad == 0);
}

TEST(footer_byte_flips) {
    REQUIRE_CORPUS();
    corpus_file *fs;
    int n = load_corpus(&fs);
    int bad = 0;
    uint64_t st = tests_seed() ^ 0xf00;
    for (int f = 0; f < n; f++) bad += flip_file(&fs[f], &st, 60, true);
    free_corpus(fs, n);
    CHECK(bad == 0);
}

RUN_TESTS("parquet.reader_corrupt", prefixes_are_corrupt, data_cut_with_footer_kept, random_byte_flips,
          footer_byte_flips)
