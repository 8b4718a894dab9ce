/*
 * store/txn.c: write transactions on a dataset (oups_opd_begin / _commit / _rollback), so that
 * an input larger than memory is merged chunk by chunk and still committed atomically.
 * Each oups_opd_write of a transaction runs as usual (plan.c, write.c) against the staged
 * state: the committed row groups it keeps plus the staged files file_<e>.parquet.new written
 * by earlier writes of the transaction (stats file ids < 0, STORE_NEW_SRC(e)); instead of
 * committing, its result becomes the new staged state. A staged file a later write replaces
 * (the growing last row group) is deleted at once; committed files it replaces are only
 * listed, and dropped by the commit. Nothing but staged files is written before the commit,
 * so a crash leaves the committed dataset, and leftovers that the next writer's open deletes
 * (commit.c, as for an interrupted single write). The commit checks every staged file against
 * the CRC taken when it was written, renumbers them 0..m-1 (the journal's format) and runs the
 * ordinary commit (commit.c) with the accumulated drop list.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "store/internal.h"

/* The committed state saved at begin (restored by a rollback) and what the writes staged. */
typedef struct store_txn {
    store_stats stats;
    store_kv kv;
    oups_table *columns;
    char *ordered_on;
    oups_datatype key_type;
    bool key_type_known;
    int64_t next_e;        /* staged file number of the next new row group */
    int64_t *drop, n_drop; /* committed file ids replaced by the writes */
    bool has_schema;       /* schema_crc of the last write's data */
    uint32_t schema_crc;
    bool dirty;  /* a write succeeded: the commit has something to do */
    bool failed; /* a write failed: only a rollback is possible */
} store_txn;

static void txn_free(store_txn *t) {
    if (!t) return;
    oups_store__stats_free(&t->stats);
    oups_store__kv_free(&t->kv);
    oups_table_free(t->columns);
    oups_free(t->ordered_on);
    oups_free(t->drop);
    oups_free(t);
}

int oups_opd_begin(oups_opd *opd) {
    if (opd->readonly) return oups_error_set(OUPS_EREADONLY, "cannot call 'begin' on a read-only dataset.");
    if (opd->broken)
        return oups_error_set(OUPS_ESTATE, "%s: dataset state unknown after a failed commit; reopen it", opd->path);
    if (opd->txn) return oups_error_set(OUPS_ESTATE, "%s: a transaction is already in progress", opd->path);
    store_txn *t = oups_calloc(1, sizeof *t);
    if (!t) return OUPS_ENOMEM;
    int rc = oups_store__stats_copy(&t->stats, &opd->stats);
    if (rc == 0) rc = oups_store__kv_copy(&t->kv, &opd->kv);
    if (rc == 0 && opd->ordered_on && !(t->ordered_on = oups_strdup(opd->ordered_on))) rc = OUPS_ENOMEM;
    if (rc < 0) {
        txn_free(t);
        return rc;
    }
    t->columns = opd->columns ? oups_table_retain(opd->columns) : NULL;
    t->key_type = opd->key_type;
    t->key_type_known = opd->key_type_known;
    opd->txn = t;
    return 0;
}

int64_t oups_store__txn_next_staged(const oups_opd *opd) { return opd->txn ? opd->txn->next_e : 0; }

void oups_store__txn_fail(oups_opd *opd) {
    if (opd->txn) opd->txn->failed = true;
}

int oups_store__txn_stage(oups_opd *opd, const store_stats *final, const int64_t *drop, int64_t n_drop,
                          int64_t n_new, const store_kv *kv, const uint32_t *schema_crc) {
    store_txn *t = opd->txn;
    store_stats st = {0};
    store_kv kv2 = {0};
    int rc = oups_store__stats_copy(&st, final); /* final may be opd->stats itself */
    if (rc == 0) rc = oups_store__kv_copy(&kv2, kv);
    int64_t *d = rc == 0 ? oups_realloc(t->drop, (size_t)(t->n_drop + n_drop + 1) * 8) : NULL;
    if (rc == 0 && !d) rc = OUPS_ENOMEM;
    if (rc < 0) {
        oups_store__stats_free(&st);
        oups_store__kv_free(&kv2);
        return rc;
    }
    t->drop = d;
    char path[PATH_MAX];
    for (int64_t i = 0; i < n_drop; i++) {
        if (drop[i] >= 0) {
            t->drop[t->n_drop++] = drop[i];
            continue;
        }
        oups_store__file_path(path, opd->path, -drop[i] - 2, ".new"); /* never committed */
        (void)oups_io_unlink(path); /* a leftover goes at the commit, rollback or next open */
    }
    oups_store__stats_free(&opd->stats);
    oups_store__kv_free(&opd->kv);
    opd->stats = st;
    opd->kv = kv2;
    t->next_e += n_new;
    if (schema_crc) t->has_schema = true, t->schema_crc = *schema_crc;
    t->dirty = true;
    return 0;
}

int oups_opd_rollback(oups_opd *opd) {
    store_txn *t = opd->txn;
    if (!t) return 0;
    opd->txn = NULL;
    /* We hold the writer's lock and no journal is pending (a writer's open finished any), so
     * every staged file in the directory is ours. */
    int rc = oups_store__clean_staged(opd);
    oups_store__stats_free(&opd->stats);
    oups_store__kv_free(&opd->kv);
    oups_table_free(opd->columns);
    oups_free(opd->ordered_on);
    opd->stats = t->stats;
    opd->kv = t->kv;
    opd->columns = t->columns;
    opd->ordered_on = t->ordered_on;
    opd->key_type = t->key_type;
    opd->key_type_known = t->key_type_known;
    memset(&t->stats, 0, sizeof t->stats);
    memset(&t->kv, 0, sizeof t->kv);
    t->columns = NULL;
    t->ordered_on = NULL;
    txn_free(t);
    return rc;
}

typedef struct staged {
    int64_t e, k; /* staged number, row group */
} staged;

static int by_e(const void *a, const void *b) {
    const staged *x = a, *y = b;
    return (x->e > y->e) - (x->e < y->e);
}

/* Check every staged file against its CRC and rename them to file_<0..m-1>.parquet.new (in
 * increasing order of their numbers, so a new name is never a live one), updating the stats. */
static int verify_and_renumber(oups_opd *opd) {
    store_stats *s = &opd->stats;
    staged *v = oups_malloc_array((size_t)s->n + 1, sizeof *v);
    if (!v) return OUPS_ENOMEM;
    int64_t m = 0;
    int rc = 0;
    char a[PATH_MAX], b[PATH_MAX];
    for (int64_t k = 0; k < s->n && rc == 0; k++) {
        if (s->file_ids[k] >= 0) continue;
        v[m++] = (staged){-s->file_ids[k] - 2, k};
        int64_t crc;
        oups_store__file_path(a, opd->path, -s->file_ids[k] - 2, ".new");
        rc = oups_store__file_crc(&crc, a);
        if (rc == OUPS_ENOTFOUND) rc = oups_error_set(OUPS_ECORRUPT, "%s: staged file is missing", a);
        else if (rc == 0 && crc != s->crcs[k])
            rc = oups_error_set(OUPS_ECORRUPT, "%s: staged file changed since it was written (checksum mismatch); "
                                "nothing was committed", a);
    }
    if (rc == 0) qsort(v, (size_t)m, sizeof *v, by_e);
    for (int64_t i = 0; i < m && rc == 0; i++) {
        if (v[i].e != i) {
            oups_store__file_path(a, opd->path, v[i].e, ".new");
            oups_store__file_path(b, opd->path, i, ".new");
            rc = oups_io_rename(a, b);
        }
        s->file_ids[v[i].k] = STORE_NEW_SRC(i);
    }
    oups_free(v);
    return rc;
}

int oups_opd_commit(oups_opd *opd) {
    store_txn *t = opd->txn;
    if (!t) return oups_error_set(OUPS_ESTATE, "%s: commit without a transaction (oups_opd_begin)", opd->path);
    if (t->failed) {
        (void)oups_opd_rollback(opd);
        return oups_error_set(OUPS_ESTATE, "%s: a write of the transaction failed: it was rolled back", opd->path);
    }
    if (!t->dirty) return oups_opd_rollback(opd);
    int rc = verify_and_renumber(opd);
    if (rc == 0 && opd->stats.n > 0) rc = oups_io_fsync_dir(opd->path); /* the renames before the commit point */
    if (rc < 0) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", oups_error_last());
        (void)oups_opd_rollback(opd);
        return oups_error_set(rc, "%s", msg);
    }
    opd->txn = NULL;
    /* On failure the commit reloads the dataset from the disk: old or new state, never mixed. */
    rc = oups_store__commit(opd, &opd->stats, t->drop, t->n_drop, &opd->kv, t->has_schema ? &t->schema_crc : NULL);
    txn_free(t);
    return rc;
}
