/*
 * tests/fuzz/segagg_state.c: libFuzzer target for the segmented aggregator's state loader.
 * Any input bytes are a state blob, loaded into two aggregators (grouped time bins with time
 * snapshots; row-count bins with point snapshots). A blob that loads is then used: a small
 * chunk is aggregated and the state saved again. Any error code is fine (a damaged state may
 * be refused at load or give bins the checks reject); crashes, leaks and sanitizer reports
 * are the bugs. Under OUPS_FUZZING the blob checksum is not verified, so mutations reach the
 * decoder. Seeds (corpus/segagg_state/) are states saved by these two configurations.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oups/oups.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define T0 INT64_C(1577865600000000000) /* 2020-01-01T08:00Z */
#define MINUTE INT64_C(60000000000)

static const int64_t snap_points[] = {T0 + MINUTE, T0 + 3 * MINUTE, T0 + 9 * MINUTE, T0 + 30 * MINUTE};

static int fuzz_agg(oups_segagg **out, int which) {
    static const oups_segagg_agg aggs[] = {{"x_sum", "x", OUPS_AGG_SUM}, {"x_first", "x", OUPS_AGG_FIRST},
                                           {"x_max", "x", OUPS_AGG_MAX}, {"n", "x", OUPS_AGG_COUNT}};
    static const char *const by[] = {"g"};
    oups_segagg_options o = OUPS_SEGAGG_OPTIONS_INIT;
    o.ordered_on = "ts";
    o.aggs = aggs;
    o.n_aggs = 4;
    if (which == 0) {
        o.bin_by.kind = OUPS_SEG_TIME;
        o.bin_by.freq_ns = 5 * MINUTE;
        o.snap_by.kind = OUPS_SEG_TIME;
        o.snap_by.freq_ns = 2 * MINUTE;
        o.by = by;
        o.n_by = 1;
    } else {
        o.bin_by.kind = OUPS_SEG_ROWS;
        o.bin_by.rows = 3;
        o.snap_by.kind = OUPS_SEG_POINTS;
        o.snap_by.points = snap_points;
        o.snap_by.n_points = 4;
    }
    return oups_segagg_new(out, &o);
}

/* Rows at T0 + start, +1 min, ... with groups "a"/"b" and values 1, 2, ... */
static oups_table *fuzz_chunk(int64_t start, int n) {
    oups_datatype ts = oups_type_timestamp(OUPS_UNIT_NS, NULL), s = oups_type(OUPS_TYPE_STRING),
                  f = oups_type(OUPS_TYPE_FLOAT64);
    oups_builder *b[3] = {NULL, NULL, NULL};
    oups_column *c[3] = {NULL, NULL, NULL};
    oups_table *t = NULL;
    int rc = oups_builder_new(&b[0], &ts, n) | oups_builder_new(&b[1], &s, n) | oups_builder_new(&b[2], &f, n);
    for (int i = 0; rc == 0 && i < n; i++) {
        rc |= oups_builder_append_int(b[0], T0 + start + i * MINUTE);
        rc |= oups_builder_append_bytes(b[1], i % 3 ? "a" : "b", 1);
        rc |= oups_builder_append_double(b[2], i + 1);
    }
    for (int i = 0; i < 3; i++) {
        if (rc == 0) rc = oups_builder_finish(&c[i], b[i]);
        oups_builder_free(b[i]);
    }
    const char *names[] = {"ts", "g", "x"};
    if (rc == 0 && oups_table_new(&t, 3, names, c) < 0) t = NULL;
    for (int i = 0; i < 3; i++) oups_column_release(c[i]);
    return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    for (int which = 0; which < 2; which++) {
        oups_segagg *a = NULL;
        if (fuzz_agg(&a, which) < 0) abort();
        if (oups_segagg_load(a, data, size) == 0) {
            oups_table *t = fuzz_chunk(40 * MINUTE, 7), *bins = NULL, *snaps = NULL;
            uint8_t *blob = NULL;
            size_t len = 0;
            if (!t) abort();
            if (oups_segagg_process(&bins, &snaps, a, t) == 0 && (!bins || !snaps)) abort();
            if (oups_segagg_save(&blob, &len, a) < 0) abort();
            oups_mem_free(blob);
            oups_table_free(bins);
            oups_table_free(snaps);
            oups_table_free(t);
        }
        oups_segagg_free(a);
    }
    return 0;
}

#ifdef SEGAGG_FUZZ_SEEDS
/* Write seed blobs: the state of each configuration after one and after two chunks. */
int main(int argc, char **argv) {
    for (int which = 0; which < 2; which++) {
        oups_segagg *a = NULL;
        if (fuzz_agg(&a, which) < 0) return 1;
        for (int k = 0; k < 2; k++) {
            oups_table *t = fuzz_chunk(k * 11 * MINUTE, 5 + k), *bins = NULL, *snaps = NULL;
            uint8_t *blob = NULL;
            size_t len = 0;
            if (oups_segagg_process(&bins, &snaps, a, t) < 0 || oups_segagg_save(&blob, &len, a) < 0) return 1;
            char path[512];
            snprintf(path, sizeof path, "%s/seed_%d_%d.bin", argc > 1 ? argv[1] : ".", which, k);
            FILE *f = fopen(path, "wb");
            if (!f || fwrite(blob, 1, len, f) != len || fclose(f) != 0) return 1;
            oups_mem_free(blob);
            oups_table_free(bins);
            oups_table_free(snaps);
            oups_table_free(t);
        }
        oups_segagg_free(a);
    }
    return 0;
}
#endif
