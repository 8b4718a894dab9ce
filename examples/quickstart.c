/*
 * examples/quickstart.c: the main job. For now a tiny table round trip (build a table,
 * export it through the Arrow C Data Interface, import it back, compare); the StatefulLoop
 * issue replaces it with the end-to-end flow (store, iter_intersections, AsofMerger, live
 * replay, offline/live parity).
 */
#include <stdio.h>

#include "oups/oups.h"

static int fail(const char *what, int rc) {
    fprintf(stderr, "quickstart: %s failed: %s: %s\n", what, oups_strerror(rc), oups_error_last());
    return 1;
}

int main(void) {
    oups_datatype ts_type = oups_type_timestamp(OUPS_UNIT_NS, "UTC");
    oups_datatype f64 = oups_type(OUPS_TYPE_FLOAT64);
    oups_builder *bt = NULL, *bp = NULL;
    oups_column *cols[2] = {NULL, NULL};
    int rc = oups_builder_new(&bt, &ts_type, 8);
    if (rc == 0) rc = oups_builder_new(&bp, &f64, 8);
    for (int i = 0; rc == 0 && i < 8; i++) {
        rc = oups_builder_append_int(bt, INT64_C(1700000000000000000) + i * INT64_C(1000000000));
        if (rc == 0) rc = i == 3 ? oups_builder_append_null(bp) : oups_builder_append_double(bp, 100.0 + i * 0.25);
    }
    if (rc == 0) rc = oups_builder_finish(&cols[0], bt);
    if (rc == 0) rc = oups_builder_finish(&cols[1], bp);
    oups_builder_free(bt);
    oups_builder_free(bp);
    if (rc < 0) return fail("building columns", rc);
    const char *names[] = {"ts", "price"};
    oups_table *t = NULL, *back = NULL;
    rc = oups_table_new(&t, 2, names, cols);
    oups_column_release(cols[0]);
    oups_column_release(cols[1]);
    if (rc < 0) return fail("oups_table_new", rc);
    struct ArrowArray arr;
    struct ArrowSchema sch;
    if ((rc = oups_table_export(&arr, &sch, t)) < 0) return fail("oups_table_export", rc);
    if ((rc = oups_table_import(&back, &arr, &sch)) < 0) return fail("oups_table_import", rc);
    char desc[256];
    int same = oups_table_equal(t, back, desc, sizeof desc);
    printf("table: %lld rows x %d columns, %lld bytes; Arrow C Data round trip: %s\n",
           (long long)oups_table_num_rows(t), oups_table_num_columns(t), (long long)oups_table_memory_size(t),
           same ? "identical" : desc);
    oups_table_free(back);
    oups_table_free(t);
    return same ? 0 : 1;
}
