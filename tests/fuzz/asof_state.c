/*
 * tests/fuzz/asof_state.c: libFuzzer target for the AsofMerger state blob. Any input bytes are
 * a blob (as is, and with its length and CRC fields made right): oups_asof_merger_load() must answer 0, OUPS_ECORRUPT or OUPS_EINVAL (saved with other
 * options) and never crash; oups_asof_merger_state_key_type() must agree on corruption. A
 * blob that loads is then used (asof_target.h): a small chunk is merged and the state is saved,
 * reloaded into a fresh merger and saved again, byte-identical. Seeds: corpus/asof_state/,
 * real states written by make_seeds.c (key-only tables, empty tables, several groups, J = 2).
 */
#include "asof_target.h"
#include "blob_frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one_input(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_blob_frames(one_input, data, size);
    return 0;
}

static void one_input(const uint8_t *data, size_t size) {
    oups_asof_merger *m = NULL;
    int rc = fuzz_asof_new(&m);
    if (rc < 0) fuzz_asof_fail("new", rc);
    rc = oups_asof_merger_load(m, data, size);
    if (rc < 0 && rc != OUPS_ECORRUPT && rc != OUPS_EINVAL) fuzz_asof_fail("load", rc);
    oups_datatype key;
    bool has_state = false;
    int rc2 = oups_asof_merger_state_key_type(&key, &has_state, data, size);
    if (rc == 0 && (rc2 < 0 || has_state != oups_asof_merger_has_state(m) ||
                    (has_state && !oups_datatype_equal(&key, &m->st.key_type)))) {
        fprintf(stderr, "asof fuzz: state_key_type disagrees with load (%d)\n", rc2);
        abort();
    }
    if (rc2 < 0 && rc2 != OUPS_ECORRUPT) fuzz_asof_fail("state_key_type", rc2);
    if (rc == 0) fuzz_asof_exercise(m);
    oups_asof_merger_free(m);
}
