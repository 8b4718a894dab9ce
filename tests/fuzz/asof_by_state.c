/*
 * tests/fuzz/asof_by_state.c: libFuzzer target for the per-group as-of merger's state blob
 * (oups_asof_by_merger). Any input bytes are a blob (as is, and with its length and CRC fields
 * made right): oups_asof_by_merger_load() must answer 0, OUPS_ECORRUPT or OUPS_EINVAL (saved
 * with other options) and never crash; oups_asof_by_merger_state_key_type() must not crash
 * and must succeed when the load does. A blob that loads is then used: a chunk with the
 * state's columns (0 rows) is merged, and the state is saved, loaded into a fresh merger and
 * saved again, byte-identical. Seeds (corpus/asof_by_state/): states written by
 * `oups asof --on ts --by sym --n-prev 1 --state FILE` (the options below), with several
 * groups, a group only in MAIN, a 0-row table and a key-only table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/internal.h"
#include "blob_frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, int rc) {
    fprintf(stderr, "asof by fuzz: %s: unexpected %s: %s\n", what, oups_strerror(rc), oups_error_last());
    abort();
}

/* The options of the seeds (the CLI's defaults with --n-prev 1 --by sym). */
static int new_merger(oups_asof_by_merger **m) {
    static const int n_prev[1] = {1};
    static const bool allow[1] = {true};
    static const char *by[1] = {"sym"};
    oups_asof_merger_options o = OUPS_ASOF_MERGER_OPTIONS_INIT;
    o.on = "ts";
    o.n_dfs_per_group = 1;
    o.n_prev = n_prev;
    o.allow_exact_matches = allow;
    o.fill = OUPS_ASOF_FILL_NULLS;
    return oups_asof_by_merger_new(m, &o, by, 1);
}

static void exercise(oups_asof_by_merger *m) {
    if (!oups_asof_by_merger_has_state(m)) return;
    oups_table *main = NULL, *t = NULL, *out = NULL;
    int rc = oups_asof_by_merger_schema(&main, m, -1);
    if (rc == 0) rc = oups_asof_by_merger_schema(&t, m, 0);
    if (rc < 0) fail("schema", rc);
    rc = oups_asof_by_merger_merge(&out, m, main, &t, true);
    /* a layout name equal to a by column, or a key type that is not orderable: refused */
    if (rc < 0 && rc != OUPS_ESCHEMA && rc != OUPS_EUNSUPPORTED && rc != OUPS_EINVAL && rc != OUPS_ENOTFOUND)
        fail("merge", rc);
    oups_table_free(out);
    oups_table_free(main);
    oups_table_free(t);
    uint8_t *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    oups_asof_by_merger *m2 = NULL;
    if ((rc = oups_asof_by_merger_save(&a, &na, m)) < 0) fail("save", rc);
    if ((rc = new_merger(&m2)) < 0) fail("new", rc);
    if ((rc = oups_asof_by_merger_load(m2, a, na)) < 0) fail("load of a saved state", rc);
    if ((rc = oups_asof_by_merger_save(&b, &nb, m2)) < 0) fail("save again", rc);
    if (na != nb || memcmp(a, b, na) != 0) {
        fprintf(stderr, "asof by fuzz: save/load/save changed the blob (%zu -> %zu bytes)\n", na, nb);
        abort();
    }
    oups_mem_free(a);
    oups_mem_free(b);
    oups_asof_by_merger_free(m2);
}

static void one_input(const uint8_t *data, size_t size) {
    oups_asof_by_merger *m = NULL;
    int rc = new_merger(&m);
    if (rc < 0) fail("new", rc);
    rc = oups_asof_by_merger_load(m, data, size);
    if (rc < 0 && rc != OUPS_ECORRUPT && rc != OUPS_EINVAL) fail("load", rc);
    oups_datatype key;
    bool has_state = false;
    int rc2 = oups_asof_by_merger_state_key_type(&key, &has_state, data, size);
    if (rc == 0 && (rc2 < 0 || has_state != oups_asof_by_merger_has_state(m))) {
        fprintf(stderr, "asof by fuzz: state_key_type disagrees with load (%d)\n", rc2);
        abort();
    }
    if (rc2 < 0 && rc2 != OUPS_ECORRUPT) fail("state_key_type", rc2);
    if (rc == 0) exercise(m);
    oups_asof_by_merger_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_blob_frames(one_input, data, size);
    return 0;
}
