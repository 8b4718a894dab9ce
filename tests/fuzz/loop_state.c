/*
 * tests/fuzz/loop_state.c: libFuzzer target for the StatefulLoop state file. Any input bytes are
 * a state file image (as is, and with its CRC made right), parsed by oups_loop__decode() (what oups_loop_open does with the file);
 * a file that parses is then bound as a program would: "func:f#1" with one field of every
 * value type (the table one an in-memory Parquet file) and "obj:AsofMerger#1" holding an
 * AsofMerger (asof_target.h). Binding answers 0 or a clean error (damaged value, missing field,
 * other type, other options); when it succeeds the state is encoded again and must decode.
 * Seeds: corpus/loop_state/, real state files written by make_seeds.c.
 */
#include "asof_target.h"
#include "loop/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool clean_error(int rc) {
    return rc == OUPS_ECORRUPT || rc == OUPS_EUNSUPPORTED || rc == OUPS_ENOTFOUND || rc == OUPS_ESCHEMA ||
           rc == OUPS_EINVAL;
}

static oups_loop *fuzz_loop(void) {
    oups_loop *loop = oups_calloc(1, sizeof *loop);
    if (!loop || !(loop->path = oups_strdup("fuzz.loopstate"))) abort();
    loop->lock_fd = -1;
    loop->iteration = -1;
    return loop;
}

static void one_input(const uint8_t *data, size_t size);

/* The raw bytes test the header checks; a copy with the CRC made right lets mutations reach
 * the parser behind it. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    one_input(data, size);
    if (size < 16) return 0;
    uint8_t *fixed = malloc(size);
    if (!fixed) abort();
    memcpy(fixed, data, size);
    oups_store_u32le(fixed + 12, oups_crc32(0, fixed + 16, size - 16));
    one_input(fixed, size);
    free(fixed);
    return 0;
}

static void one_input(const uint8_t *data, size_t size) {
    oups_loop *loop = fuzz_loop();
    int rc = oups_loop__decode(loop, data, size);
    if (rc < 0 && !clean_error(rc)) fuzz_asof_fail("decode", rc);
    int64_t i = 0;
    double d = 0;
    bool b = false;
    char *s = NULL;
    oups_state_bytes y = {0};
    oups_table *t = NULL;
    oups_asof_merger *m = NULL;
    if (rc == 0 && (rc = fuzz_asof_new(&m)) < 0) fuzz_asof_fail("new", rc);
    oups_state_field f[6] = {{"i", OUPS_STATE_INT64, &i, NULL},  {"d", OUPS_STATE_DOUBLE, &d, NULL},
                             {"b", OUPS_STATE_BOOL, &b, NULL},   {"s", OUPS_STATE_STRING, &s, NULL},
                             {"y", OUPS_STATE_BYTES, &y, NULL},  {"t", OUPS_STATE_TABLE, &t, NULL}};
    if (rc == 0) rc = oups_loop_bind(loop, NULL, OUPS_STATE_FUNC, "f", f, 6);
    if (rc == 0) rc = oups_loop_bind_object(loop, NULL, "AsofMerger", m, &oups_asof_merger_state_ops);
    if (rc < 0 && !clean_error(rc)) fuzz_asof_fail("bind", rc);
    if (rc == 0) {
        fuzz_asof_exercise(m);
        oups_bytes out = {0};
        oups_loop *again = fuzz_loop();
        if ((rc = oups_loop__encode(&out, loop, 7)) < 0) fuzz_asof_fail("encode", rc);
        if ((rc = oups_loop__decode(again, out.data, out.len)) < 0) fuzz_asof_fail("decode of an encoded state", rc);
        oups_bytes_free(&out);
        oups_loop_free(again);
    }
    oups_free(s);
    oups_free(y.data);
    oups_table_free(t);
    oups_asof_merger_free(m);
    oups_loop_free(loop);
}
