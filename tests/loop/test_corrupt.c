// labels: quick
/*
 * tests/loop/test_corrupt.c: damaged state files are refused with a clear code and never
 * reset: foreign files, empty file, newer version, bad checksum, wrong id, trailing bytes,
 * every truncation; fuzzed files (random bytes, bit flips with and without a fixed-up
 * checksum) never crash, hang or leak, and restoring from whatever loads stays safe.
 */
#include "loop/loop_test.h"

static char dir[64], path[128];

static int64_t i_v;
static double d_v;
static bool b_v;
static char *s_v;
static oups_state_bytes y_v;
static oups_table *t_v;
static lt_counter c_v;

static oups_state_field fields[] = {{"i", OUPS_STATE_INT64, &i_v, NULL},   {"d", OUPS_STATE_DOUBLE, &d_v, NULL},
                                    {"b", OUPS_STATE_BOOL, &b_v, NULL},    {"s", OUPS_STATE_STRING, &s_v, NULL},
                                    {"y", OUPS_STATE_BYTES, &y_v, NULL},   {"t", OUPS_STATE_TABLE, &t_v, NULL}};

/* Write a valid state file holding every slot type; returns its bytes (caller frees). */
static uint8_t *make_valid(size_t *len) {
    lt_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/s.loopstate", dir);
    oups_loop *loop;
    i_v = 7, d_v = 1.5, b_v = true, s_v = "text", y_v = (oups_state_bytes){"\1\2\3\4", 4};
    t_v = lt_table(0, 4);
    c_v = (lt_counter){3, 4};
    uint8_t *data = NULL;
    if (oups_loop_open(&loop, path, NULL) == 0 && oups_loop_bind(loop, NULL, OUPS_STATE_FUNC, "f", fields, 6) == 0 &&
        oups_loop_bind_object(loop, NULL, "C", &c_v, &lt_counter_ops) == 0 && oups_loop_persist(loop) == 0)
        (void)oups_io_read_file(&data, len, path);
    oups_loop_free(loop);
    oups_table_free(t_v);
    return data;
}

static void write_raw(const uint8_t *p, size_t n) {
    unlink(path); /* a fresh file: truncating one in place is slow on some file systems */
    FILE *f = fopen(path, "wb");
    if (f) {
        if (n) fwrite(p, 1, n, f);
        fclose(f);
    }
}

static void fix_crc(uint8_t *p, size_t n) {
    if (n >= 16) oups_store_u32le(p + 12, oups_crc32(0, p + 16, n - 16));
}

/* Open and, if it loads, bind every field: must return without crashing; restored values are
 * released. Returns the open code. */
static int try_load(void) {
    oups_loop *loop;
    int rc = oups_loop_open(&loop, path, NULL);
    if (rc < 0) return rc;
    s_v = NULL, y_v = (oups_state_bytes){NULL, 0}, t_v = NULL;
    int bind_rc = oups_loop_bind(loop, NULL, OUPS_STATE_FUNC, "f", fields, 6);
    bind_rc |= oups_loop_bind_object(loop, NULL, "C", &c_v, &lt_counter_ops);
    (void)bind_rc; /* any outcome is fine here, as long as nothing crashes or leaks */
    oups_loop_free(loop);
    oups_mem_free(s_v);
    oups_mem_free(y_v.data);
    oups_table_free(t_v);
    return 0;
}

TEST(valid_roundtrip_baseline) {
    size_t len;
    uint8_t *good = make_valid(&len);
    CHECK(good && len > 16 && memcmp(good, "OUPSLOOP", 8) == 0);
    CHECK_OK(try_load());
    oups_mem_free(good);
    lt_rmdir(dir);
}

TEST(foreign_and_damaged_files_refused) {
    size_t len;
    uint8_t *good = make_valid(&len);
    CHECK(good);
    uint8_t *p = malloc(len + 8);
    write_raw((const uint8_t *)"hello, world\n", 13);
    CHECK_RC(try_load(), OUPS_ECORRUPT);
    CHECK(strstr(oups_error_last(), "not an oups loop state file") && strstr(oups_error_last(), path));
    write_raw(NULL, 0);
    CHECK_RC(try_load(), OUPS_ECORRUPT);
    /* a real Parquet file is foreign too */
    uint8_t *pq = NULL;
    size_t pq_len = 0;
    if (oups_io_read_file(&pq, &pq_len, OUPS_SOURCE_DIR "/../shared/parquet-testing/data/alltypes_plain.parquet") ==
        0) {
        write_raw(pq, pq_len);
        CHECK_RC(try_load(), OUPS_ECORRUPT);
        oups_mem_free(pq);
    }
    memcpy(p, good, len);
    oups_store_u32le(p + 8, 2); /* newer version */
    write_raw(p, len);
    CHECK_RC(try_load(), OUPS_EUNSUPPORTED);
    CHECK(strstr(oups_error_last(), "version 2"));
    memcpy(p, good, len);
    p[len - 1] ^= 0x40; /* damaged payload */
    write_raw(p, len);
    CHECK_RC(try_load(), OUPS_ECORRUPT);
    CHECK(strstr(oups_error_last(), "checksum"));
    memcpy(p, good, len);
    p[20] = 'X'; /* id "stateful_loop" -> "Xtateful_loop" */
    fix_crc(p, len);
    write_raw(p, len);
    CHECK_RC(try_load(), OUPS_ECORRUPT);
    CHECK(strstr(oups_error_last(), "id"));
    memcpy(p, good, len);
    memcpy(p + len, "trailing", 8);
    fix_crc(p, len + 8);
    write_raw(p, len + 8);
    CHECK_RC(try_load(), OUPS_ECORRUPT);
    CHECK(strstr(oups_error_last(), "trailing"));
    /* the refused file is left as it was: never silently reset */
    uint8_t *now = NULL;
    size_t now_len = 0;
    CHECK_OK(oups_io_read_file(&now, &now_len, path));
    CHECK(now_len == len + 8 && memcmp(now, p, now_len) == 0);
    oups_mem_free(now);
    free(p);
    oups_mem_free(good);
    lt_rmdir(dir);
}

TEST(every_truncation_refused) {
    size_t len;
    uint8_t *good = make_valid(&len);
    CHECK(good);
    uint8_t *p = malloc(len);
    for (size_t n = 0; n < len; n++) {
        write_raw(good, n);
        CHECK_RC(try_load(), OUPS_ECORRUPT);
        /* with a matching checksum the parser itself must find the truncation */
        memcpy(p, good, n);
        fix_crc(p, n);
        write_raw(p, n);
        CHECK(try_load() < 0);
    }
    free(p);
    oups_mem_free(good);
    lt_rmdir(dir);
}

TEST(fuzzed_files_never_crash) {
    size_t len;
    uint8_t *good = make_valid(&len);
    CHECK(good);
    uint64_t rng = tests_seed();
    uint8_t *p = malloc(len + 64);
    int loaded = 0;
    for (int iter = 0; iter < 3000; iter++) {
        size_t n = len;
        memcpy(p, good, len);
        int kind = (int)(test_rand(&rng) % 4);
        if (kind == 0) { /* random bytes after a valid header */
            n = 16 + test_rand(&rng) % (len + 48 - 16);
            for (size_t i = 16; i < n; i++) p[i] = (uint8_t)test_rand(&rng);
        } else { /* 1..8 bit flips in the payload */
            int flips = 1 + (int)(test_rand(&rng) % 8);
            for (int f = 0; f < flips; f++) {
                size_t at = 16 + test_rand(&rng) % (len - 16);
                p[at] ^= (uint8_t)(1u << (test_rand(&rng) % 8));
            }
            if (kind == 3) n = 16 + test_rand(&rng) % (len - 16); /* and a truncation */
        }
        bool fixed = test_rand(&rng) % 4 != 0;
        if (fixed) fix_crc(p, n);
        write_raw(p, n);
        int rc = try_load();
        CHECK(rc == 0 || rc == OUPS_ECORRUPT || rc == OUPS_EUNSUPPORTED || rc == OUPS_ENOMEM);
        if (!fixed) CHECK(rc < 0);
        loaded += rc == 0;
    }
    (void)loaded; /* some flips only touch values: those load with other values, safely */
    free(p);
    oups_mem_free(good);
    lt_rmdir(dir);
}

RUN_TESTS("loop.corrupt", valid_roundtrip_baseline, foreign_and_damaged_files_refused, every_truncation_refused,
          fuzzed_files_never_crash)
