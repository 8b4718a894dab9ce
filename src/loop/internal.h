/*
 * loop/internal.h: the oups_loop structure and the calls shared by the loop module's files
 * (private to src/loop). loop.c owns open/iteration/checkpoints, state.c the state store,
 * binding and the state file format, buffer.c the memory-capped buffers, source.c the chunk
 * source adapters.
 */
#ifndef OUPS_SRC_LOOP_INTERNAL_H
#define OUPS_SRC_LOOP_INTERNAL_H

#include "oups/loop.h"
#include "oups/parquet.h"
#include "util/util.h"

/* One field of a state entry as stored: its type tag (oups_state_type) and serialised value. */
typedef struct lp_field {
    char *name;
    uint8_t type;
    uint8_t *blob;
    size_t len;
} lp_field;

/* One state entry "ns:base#n". `bound` (copies of the caller's descriptors, names pointing into
 * `fields`) is NULL for entries loaded from the file and not bound in this run: those are
 * written back unchanged. bound[i] serialises into fields[slot[i]]. */
typedef struct lp_entry {
    char *key;
    lp_field *fields;
    int n_fields;
    oups_state_field *bound;
    int *slot;
    int n_bound;
} lp_entry;

/* One list of a buffer (see buffer.c): nothing pending, one table `first` kept as is, or rows
 * appended into growable per-column buffers `cols` with the names/types of `schema`. */
typedef struct lp_acc {
    oups_buffer *validity, *offsets, *data;
    int64_t null_count;
} lp_acc;

typedef struct lp_list {
    oups_table *first;
    oups_table *schema; /* 0-row table, only while accumulating */
    lp_acc *cols;
    int64_t rows;
} lp_list;

/* One memory-capped buffer: `n` lists and the memory size pushed since the last flush. */
typedef struct lp_buffer {
    int n; /* 0: never used */
    int64_t bytes;
    lp_list *lists;
} lp_buffer;

enum { LP_IDLE = 0, LP_RUNNING, LP_DONE, LP_FAILED };

struct oups_loop {
    char *path;
    int lock_fd;
    bool resumed;
    oups_loop_options opts;
    /* state store, in key order of first appearance (file order, then new bindings) */
    lp_entry *entries;
    int n_entries, cap_entries;
    int64_t items_done; /* as of the last load or persist */
    int64_t items_base; /* items_done at load: this run's items are counted on top */
    /* iteration */
    int phase;
    oups_source src;
    int width;
    oups_table **cur, **ahead; /* width tables each */
    int64_t iteration;
    bool is_last;
    bool checkpoint_due;
    /* buffers, indexed by id */
    lp_buffer *bufs;
    int n_bufs;
};

/* state.c. load/save read and write loop->path; decode parses a state file image held in
 * memory into the loop's entries (the fuzz target's entry point; on failure the caller frees
 * the entries with oups_loop__state_free), encode builds one from the bound variables. */
int oups_loop__load(oups_loop *loop);
int oups_loop__save(oups_loop *loop, int64_t items_done);
int oups_loop__decode(oups_loop *loop, const uint8_t *data, size_t size);
int oups_loop__encode(oups_bytes *out, oups_loop *loop, int64_t items_done);
void oups_loop__state_free(oups_loop *loop);

/* buffer.c */
bool oups_loop__buffers_empty(const oups_loop *loop);
void oups_loop__buffers_free(oups_loop *loop);

#endif /* OUPS_SRC_LOOP_INTERNAL_H */
