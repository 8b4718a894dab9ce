/*
 * tests/fuzz/store_meta.c: libFuzzer target for the dataset metadata file (store/meta.c):
 * any input bytes are a `<name>_opdmd` image, parsed as Parquet, then its "oups" JSON
 * (ordered_on, key type, schema CRC, user key-value map, commit journal) and stats table,
 * checksummed and validated. Under OUPS_FUZZING the checksum is computed but not enforced, so
 * mutations reach the JSON parser and the structural validation. Whatever is accepted must
 * satisfy what the store relies on (file ids 0..n-1, ordered stats, a journal that describes
 * a commit); anything else must be OUPS_ECORRUPT or OUPS_EUNSUPPORTED. Seeds (corpus/
 * store_meta/): metadata of a committed dataset, of one captured mid-commit in journal phase 1
 * and phase 2 (by crashing a write through the I/O fault hooks), and a format-1 file.
 */
#include <stdio.h>
#include <stdlib.h>

#include "store/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what) {
    fprintf(stderr, "store_meta: accepted metadata with %s\n", what);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    store_meta m;
    int rc = oups_store__meta_parse(&m, data, size, "fuzz");
    if (rc != 0) {
        if (rc != OUPS_ECORRUPT && rc != OUPS_EUNSUPPORTED) {
            fprintf(stderr, "store_meta: unexpected %s: %s\n", oups_strerror(rc), oups_error_last());
            abort();
        }
        return 0;
    }
    const store_stats *s = &m.stats;
    for (int64_t i = 0; i < s->n; i++) {
        if (s->file_ids[i] != i) fail("a file id out of place");
        if (s->n_rows[i] < 1 || s->mins[i] > s->maxs[i] || (i > 0 && s->maxs[i - 1] > s->mins[i]))
            fail("stats out of order");
    }
    const store_journal *j = &m.journal;
    if (j->phase && (j->phase > 2 || j->n_final != s->n)) fail("a journal of the wrong size");
    for (int64_t k = 0; j->phase && k < j->n_final; k++) {
        if (j->src[k] == -1 || (j->src[k] < 0 && -j->src[k] - 2 >= j->n_final)) fail("a journal source out of range");
        for (int64_t i = 0; i < j->n_drop; i++)
            if (j->src[k] >= 0 && j->drop[i] == j->src[k]) fail("a journal dropping a kept file");
    }
    for (int i = 0; i < m.kv.n; i++)
        if (!m.kv.keys[i] || !m.kv.values[i]) fail("a NULL key-value entry");
    oups_store__meta_free(&m);
    return 0;
}
