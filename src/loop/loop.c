/*
 * loop/loop.c: the loop handle: open (lock the state file through a sidecar `.lock`, load
 * it), one pass over a chunk source with a one-item look-ahead (spec §5), persistence at the
 * end of the last item and optional checkpoints. Policy: an abandoned pass (oups_loop_free
 * before oups_loop_next returned 0) never persists, which drops the reference's "interrupted
 * last item still persists" quirk (§5.4). State encoding lives in state.c.
 */
#include <fcntl.h>
#include <inttypes.h>

#include "loop/internal.h"

int oups_loop_open(oups_loop **out, const char *path, const oups_loop_options *opts) {
    oups_loop_options def = OUPS_LOOP_OPTIONS_INIT;
    if (!out) return oups_error_set(OUPS_EINVAL, "loop open: NULL output");
    *out = NULL;
    if (!path || !path[0]) return oups_error_set(OUPS_EINVAL, "loop open: empty path");
    if (!opts) opts = &def;
    if (opts->version != OUPS_LOOP_OPTIONS_VERSION)
        return oups_error_set(OUPS_EINVAL, "%s: loop options version %d, expected %d", path, opts->version,
                              OUPS_LOOP_OPTIONS_VERSION);
    if (opts->default_memory_limit < 0 || opts->checkpoint_every < 0)
        return oups_error_set(OUPS_EINVAL, "%s: negative default_memory_limit or checkpoint_every", path);
    oups_loop *loop = oups_calloc(1, sizeof *loop);
    if (!loop) return OUPS_ENOMEM;
    loop->lock_fd = -1;
    loop->opts = *opts;
    loop->iteration = -1;
    oups_bytes lock_path = {0};
    int rc = (loop->path = oups_strdup(path)) ? 0 : OUPS_ENOMEM;
    if (rc == 0) rc = oups_bytes_printf(&lock_path, "%s.lock", path);
    if (rc == 0) rc = oups_io_open(&loop->lock_fd, (char *)lock_path.data, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (rc == 0) {
        rc = oups_io_lock(loop->lock_fd, (char *)lock_path.data, opts->lock_timeout_ms);
        if (rc == OUPS_EBUSY || rc == OUPS_ETIMEOUT)
            rc = oups_error_set(rc, "%s: state file is held by another running loop (lock %s)", path,
                                (char *)lock_path.data);
    }
    oups_bytes_free(&lock_path);
    if (rc == 0) rc = oups_loop__load(loop);
    if (rc < 0) {
        oups_loop_free(loop);
        return rc;
    }
    *out = loop;
    return 0;
}

static void release_item(oups_table **item, int width) {
    if (!item) return;
    for (int i = 0; i < width; i++) {
        oups_table_free(item[i]);
        item[i] = NULL;
    }
}

void oups_loop_free(oups_loop *loop) {
    if (!loop) return;
    release_item(loop->cur, loop->width);
    release_item(loop->ahead, loop->width);
    oups_free(loop->cur);
    oups_free(loop->ahead);
    if (loop->src.free) loop->src.free(loop->src.self);
    oups_loop__buffers_free(loop);
    oups_loop__state_free(loop);
    if (loop->lock_fd >= 0) (void)oups_io_close(loop->lock_fd); /* closing drops the OFD lock */
    oups_free(loop->path);
    oups_free(loop);
}

const char *oups_loop_path(const oups_loop *loop) { return loop->path; }
bool oups_loop_resumed(const oups_loop *loop) { return loop->resumed; }
int64_t oups_loop_default_memory_limit(const oups_loop *loop) { return loop->opts.default_memory_limit; }
int64_t oups_loop_iteration(const oups_loop *loop) { return loop->iteration; }
bool oups_loop_is_last(const oups_loop *loop) { return loop->is_last; }
int64_t oups_loop_items_done(const oups_loop *loop) { return loop->items_done; }

oups_table *oups_loop_chunk(const oups_loop *loop, int i) {
    return loop->cur && i >= 0 && i < loop->width ? loop->cur[i] : NULL;
}

int oups_loop_begin(oups_loop *loop, const oups_source *src) {
    if (!loop || !src || !src->next) {
        if (src && src->free) src->free(src->self);
        return oups_error_set(OUPS_EINVAL, "loop begin: NULL loop or source");
    }
    if (loop->phase != LP_IDLE) {
        if (src->free) src->free(src->self);
        return oups_error_set(OUPS_ESTATE, "%s: loop already begun (one pass per loop)", loop->path);
    }
    loop->src = *src;
    loop->width = src->width > 0 ? src->width : 1;
    loop->cur = oups_calloc((size_t)loop->width, sizeof *loop->cur);
    loop->ahead = oups_calloc((size_t)loop->width, sizeof *loop->ahead);
    if (!loop->cur || !loop->ahead) return OUPS_ENOMEM; /* freed with the loop */
    loop->phase = LP_RUNNING;
    return 0;
}

/* Pull the next item into loop->ahead: 1 item, 0 end, < 0 error. */
static int pull(oups_loop *loop) {
    int rc = loop->src.next(loop->src.self, loop->ahead);
    if (rc < 0) return oups_error_prefix(rc, "%s: chunk source, item %" PRId64 ": ", loop->path, loop->iteration + 1);
    return rc > 0 ? 1 : 0;
}

static int fail(oups_loop *loop, int rc) {
    loop->phase = LP_FAILED;
    return rc;
}

int oups_loop_persist(oups_loop *loop) {
    if (!loop) return oups_error_set(OUPS_EINVAL, "loop persist: NULL loop");
    /* Items whose body completed in this run: those before the current one, or all once the
     * last body is over (also when the final persist failed and the caller retries). */
    bool over = loop->phase == LP_DONE || (loop->phase == LP_FAILED && loop->is_last);
    int64_t done = over ? loop->iteration + 1 : (loop->iteration > 0 ? loop->iteration : 0);
    return oups_loop__save(loop, loop->items_base + done);
}

int oups_loop_next(oups_loop *loop, oups_table **chunk) {
    if (chunk) *chunk = NULL;
    if (!loop) return oups_error_set(OUPS_EINVAL, "loop next: NULL loop");
    if (loop->phase == LP_DONE) return 0;
    if (loop->phase != LP_RUNNING)
        return oups_error_set(OUPS_ESTATE, "%s: loop %s", loop->path,
                              loop->phase == LP_IDLE ? "not begun" : "stopped by an earlier error");
    release_item(loop->cur, loop->width);
    int rc;
    if (loop->iteration < 0) {
        if ((rc = pull(loop)) <= 0) { /* empty source: no item, nothing persisted */
            if (rc == 0) loop->phase = LP_DONE;
            return rc < 0 ? fail(loop, rc) : 0;
        }
    } else if (loop->is_last) { /* the body of the last item is over: persist */
        loop->phase = LP_DONE;
        rc = oups_loop_persist(loop);
        return rc < 0 ? fail(loop, rc) : 0;
    } else if (loop->opts.checkpoint_every > 0) {
        /* The body of item `iteration` is over; persist once a checkpoint is due and every
         * buffer is empty, so no output of a persisted item is held only in memory. */
        if ((loop->iteration + 1) % loop->opts.checkpoint_every == 0) loop->checkpoint_due = true;
        if (loop->checkpoint_due && oups_loop__buffers_empty(loop)) {
            rc = oups_loop__save(loop, loop->items_base + loop->iteration + 1);
            if (rc < 0) return fail(loop, rc);
            loop->checkpoint_due = false;
        }
    }
    oups_table **t = loop->cur;
    loop->cur = loop->ahead;
    loop->ahead = t;
    if ((rc = pull(loop)) < 0) return fail(loop, rc); /* item not handed out, nothing persisted */
    if (rc == 0) loop->is_last = true;
    loop->iteration++;
    if (chunk) *chunk = loop->cur[0];
    return 1;
}
