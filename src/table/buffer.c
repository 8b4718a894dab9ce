/*
 * table/buffer.c: reference-counted, 64-byte aligned byte buffers (own or foreign memory)
 * and bitmap helpers. Padding past `size` up to the next 64 bytes is zeroed, so kernels may
 * read whole words at the end of a buffer.
 */
#include <stdlib.h>

#include "table/table.h"

static int64_t round64(int64_t n) { return (n + 63) & ~(int64_t)63; }

static int alloc_buf(oups_buffer **out, int64_t size, bool zero) {
    *out = NULL;
    if (size < 0 || size > INT64_MAX - 64) return oups_error_set(OUPS_EINVAL, "buffer size %lld invalid", (long long)size);
    oups_buffer *b = oups_malloc(sizeof *b);
    if (!b) return OUPS_ENOMEM;
    int64_t cap = round64(size ? size : 1);
    b->data = oups_malloc((size_t)cap);
    if (!b->data) {
        oups_free(b);
        return OUPS_ENOMEM;
    }
    if (zero) memset(b->data, 0, (size_t)cap);
    else memset(b->data + size, 0, (size_t)(cap - size));
    atomic_init(&b->refcount, 1);
    b->size = size;
    b->capacity = cap;
    b->release = NULL;
    b->payload = NULL;
    *out = b;
    return 0;
}

int oups_buffer_new(oups_buffer **out, int64_t size) { return alloc_buf(out, size, false); }
int oups_buffer_new_zeroed(oups_buffer **out, int64_t size) { return alloc_buf(out, size, true); }

int oups_buffer_resize(oups_buffer *b, int64_t size) {
    if (b->release || atomic_load(&b->refcount) != 1)
        return oups_error_set(OUPS_ESTATE, "cannot resize a shared or foreign buffer");
    if (size < 0 || size > INT64_MAX - 64) return oups_error_set(OUPS_EINVAL, "buffer size %lld invalid", (long long)size);
    if (size + 64 > b->capacity || size < b->capacity / 4) {
        int64_t cap = round64(size ? size : 1);
        if (size > b->size && cap < b->capacity * 3 / 2) cap = round64(b->capacity * 3 / 2); /* amortised growth */
        uint8_t *p = oups_realloc(b->data, (size_t)cap);
        if (!p) return OUPS_ENOMEM;
        b->data = p;
        b->capacity = cap;
    }
    memset(b->data + size, 0, (size_t)(round64(size ? size : 1) - size));
    b->size = size;
    return 0;
}

int oups_buffer_wrap(oups_buffer **out, const void *data, int64_t size, void (*release)(void *), void *payload) {
    *out = NULL;
    oups_buffer *b = oups_malloc(sizeof *b);
    if (!b) return OUPS_ENOMEM;
    atomic_init(&b->refcount, 1);
    b->data = (uint8_t *)data;
    b->size = size;
    b->capacity = 0;
    b->release = release;
    b->payload = payload;
    *out = b;
    return 0;
}

uint8_t *oups_buffer_data(const oups_buffer *b) { return b->data; }
int64_t oups_buffer_size(const oups_buffer *b) { return b->size; }

oups_buffer *oups_buffer_retain(oups_buffer *b) {
    if (b) atomic_fetch_add_explicit(&b->refcount, 1, memory_order_relaxed);
    return b;
}

void oups_buffer_release(oups_buffer *b) {
    if (!b || atomic_fetch_sub_explicit(&b->refcount, 1, memory_order_acq_rel) != 1) return;
    if (b->release) b->release(b->payload);
    else oups_free(b->data);
    oups_free(b);
}

int64_t oups_bits_count(const uint8_t *bits, int64_t off, int64_t n) {
    int64_t c = 0, i = off, end = off + n;
    for (; i < end && (i & 7); i++) c += oups_bit_get(bits, i);
    for (; i + 64 <= end; i += 64) {
        uint64_t w;
        memcpy(&w, bits + (i >> 3), 8);
        c += __builtin_popcountll(w);
    }
    for (; i < end; i++) c += oups_bit_get(bits, i);
    return c;
}

void oups_bits_copy(uint8_t *dst, int64_t dst_off, const uint8_t *src, int64_t src_off, int64_t n) {
    if (((dst_off | src_off) & 7) == 0) {
        int64_t nbytes = n >> 3;
        memcpy(dst + (dst_off >> 3), src + (src_off >> 3), (size_t)nbytes);
        for (int64_t i = nbytes * 8; i < n; i++) oups_bit_set(dst, dst_off + i, oups_bit_get(src, src_off + i));
        return;
    }
    for (int64_t i = 0; i < n; i++) oups_bit_set(dst, dst_off + i, oups_bit_get(src, src_off + i));
}
