/*
 * loop/buffer.c: memory-capped buffers (spec §10). A buffer is chosen by the caller's id
 * (instead of the reference's call position, so conditional calls cannot mix data) and holds
 * n lists of retained tables plus their accumulated oups_table_memory_size. It flushes, as the
 * concatenation of each list, when the size reaches the limit or at the last item; otherwise
 * the call returns OUPS_SKIP. Buffers live only in memory: they are never persisted.
 */
#include "loop/internal.h"

#define LP_MAX_BUFFERS 4096

static void list_clear(lp_list *l) {
    for (int i = 0; i < l->len; i++) oups_table_free(l->items[i]);
    l->len = 0;
}

static int list_push(lp_list *l, oups_table *t) {
    if (l->len == l->cap) {
        int cap = l->cap ? l->cap * 2 : 8;
        oups_table **items = oups_realloc(l->items, (size_t)cap * sizeof *items);
        if (!items) return OUPS_ENOMEM;
        l->items = items;
        l->cap = cap;
    }
    l->items[l->len++] = oups_table_retain(t);
    return 0;
}

bool oups_loop__buffers_empty(const oups_loop *loop) {
    for (int b = 0; b < loop->n_bufs; b++)
        for (int k = 0; k < loop->bufs[b].n; k++)
            if (loop->bufs[b].lists[k].len) return false;
    return true;
}

void oups_loop__buffers_free(oups_loop *loop) {
    for (int b = 0; b < loop->n_bufs; b++) {
        for (int k = 0; k < loop->bufs[b].n; k++) {
            list_clear(&loop->bufs[b].lists[k]);
            oups_free(loop->bufs[b].lists[k].items);
        }
        oups_free(loop->bufs[b].lists);
    }
    oups_free(loop->bufs);
    loop->bufs = NULL;
    loop->n_bufs = 0;
}

/* The buffer `id`, created with n lists on first use. */
static int buffer_get(lp_buffer **out, oups_loop *loop, int id, int n) {
    if (id < 0 || id >= LP_MAX_BUFFERS || n <= 0)
        return oups_error_set(OUPS_EINVAL, "%s: loop buffer id %d with %d tables: id must be in [0, %d), n > 0",
                              loop->path, id, n, LP_MAX_BUFFERS);
    if (id >= loop->n_bufs) {
        lp_buffer *bufs = oups_realloc(loop->bufs, (size_t)(id + 1) * sizeof *bufs);
        if (!bufs) return OUPS_ENOMEM;
        memset(bufs + loop->n_bufs, 0, (size_t)(id + 1 - loop->n_bufs) * sizeof *bufs);
        loop->bufs = bufs;
        loop->n_bufs = id + 1;
    }
    lp_buffer *b = &loop->bufs[id];
    if (!b->n) {
        if (!(b->lists = oups_calloc((size_t)n, sizeof *b->lists))) return OUPS_ENOMEM;
        b->n = n;
    } else if (b->n != n) {
        return oups_error_set(OUPS_EINVAL, "%s: loop buffer %d takes %d tables per call, not %d", loop->path, id, b->n,
                              n);
    }
    *out = b;
    return 0;
}

int oups_loop_buffer(oups_table **out, oups_loop *loop, int id, oups_table *const *tables, int n,
                     int64_t memory_limit) {
    if (!out || !loop || (n > 0 && !tables)) return oups_error_set(OUPS_EINVAL, "loop buffer: NULL argument");
    for (int k = 0; k < n; k++) out[k] = NULL;
    lp_buffer *b = NULL;
    OUPS_TRY(buffer_get(&b, loop, id, n));
    for (int k = 0; k < n; k++) {
        if (!tables[k]) continue;
        OUPS_TRY(list_push(&b->lists[k], tables[k]));
        b->bytes += oups_table_memory_size(tables[k]);
    }
    int64_t limit = memory_limit < 0 ? loop->opts.default_memory_limit : memory_limit;
    if (!loop->is_last && b->bytes < limit) return OUPS_SKIP;
    for (int k = 0; k < n; k++) {
        lp_list *l = &b->lists[k];
        if (!l->len) continue;
        int rc = oups_table_concat(&out[k], l->items, l->len);
        if (rc < 0) {
            for (int j = 0; j < k; j++) {
                oups_table_free(out[j]);
                out[j] = NULL;
            }
            return oups_error_prefix(rc, "%s: loop buffer %d, table %d: ", loop->path, id, k);
        }
    }
    for (int k = 0; k < n; k++) list_clear(&b->lists[k]);
    b->bytes = 0;
    return 0;
}
