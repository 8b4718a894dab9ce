/*
 * loop/source_store.c: chunk source adapters over the ordered store (include/oups/store.h):
 * a dataset read one row group per item, and iter_intersections (one step per item, one table
 * per dataset). Kept apart from source.c so programs that do not
 * iterate a store do not pull the store module in.
 */
#include <inttypes.h>

#include "loop/internal.h"

typedef struct src_opd {
    oups_opd *opd; /* borrowed */
    int64_t i, n;
} src_opd;

static int opd_next(void *self, oups_table **out) {
    src_opd *s = self;
    if (s->i >= s->n) return 0;
    oups_opd *view = NULL;
    int rc = oups_opd_view(&view, s->opd, s->i, s->i + 1, 1);
    if (rc == 0) rc = oups_opd_read(&out[0], view, NULL, 0);
    oups_opd_close(view);
    if (rc < 0) return oups_error_prefix(rc, "row group %" PRId64 ": ", s->i);
    s->i++;
    return 1;
}

static void opd_free(void *self) { oups_free(self); }

int oups_source_opd(oups_source *out, oups_opd *opd) {
    if (!out || !opd) return oups_error_set(OUPS_EINVAL, "source opd: NULL argument");
    memset(out, 0, sizeof *out);
    src_opd *s = oups_calloc(1, sizeof *s);
    if (!s) return OUPS_ENOMEM;
    s->opd = opd;
    s->n = oups_opd_len(opd);
    *out = (oups_source){opd_next, opd_free, s, 1};
    return 0;
}

typedef struct src_inter {
    oups_intersections *it; /* owned */
    int width;
} src_inter;

static int inter_next(void *self, oups_table **out) {
    src_inter *s = self;
    bool done = false;
    OUPS_TRY(oups_intersections_next(s->it, &done));
    if (done) return 0;
    for (int k = 0; k < s->width; k++) out[k] = NULL;
    for (int i = 0; i < oups_intersections_count(s->it); i++) {
        int k = oups_intersections_index(s->it, i);
        if (k < 0 || k >= s->width) {
            for (int j = 0; j < s->width; j++) {
                oups_table_free(out[j]);
                out[j] = NULL;
            }
            return oups_error_set(OUPS_EINVAL, "intersections step: dataset index %d outside [0, %d)", k, s->width);
        }
        out[k] = oups_table_retain((oups_table *)oups_intersections_table(s->it, i));
    }
    return 1;
}

static void inter_free(void *self) {
    src_inter *s = self;
    if (!s) return;
    oups_intersections_free(s->it);
    oups_free(s);
}

int oups_source_intersections(oups_source *out, oups_intersections *it, int n_datasets) {
    if (!out || !it || n_datasets <= 0) {
        oups_intersections_free(it);
        return oups_error_set(OUPS_EINVAL, "source intersections: NULL iterator or %d datasets", n_datasets);
    }
    memset(out, 0, sizeof *out);
    src_inter *s = oups_calloc(1, sizeof *s);
    if (!s) {
        oups_intersections_free(it);
        return OUPS_ENOMEM;
    }
    *s = (src_inter){it, n_datasets};
    *out = (oups_source){inter_next, inter_free, s, n_datasets};
    return 0;
}
