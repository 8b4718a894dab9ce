/*
 * loop/source_store.c: chunk source adapters over the ordered store (include/oups/store.h):
 * a dataset read one row group per item. Kept apart from source.c so programs that do not
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
