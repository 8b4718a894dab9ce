/*
 * util/bytes.c: a growable byte buffer (append, printf) used by encoders and serializers.
 */
#include <stdio.h>

#include "util/util.h"

int oups_bytes_reserve(oups_bytes *b, size_t extra) {
    if (extra > SIZE_MAX - b->len) return oups_error_oom();
    size_t need = b->len + extra;
    if (need <= b->cap && b->data) return 0; /* data is never NULL after a successful reserve */
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need) cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    uint8_t *p = oups_realloc(b->data, cap);
    if (!p) return OUPS_ENOMEM;
    b->data = p;
    b->cap = cap;
    return 0;
}

int oups_bytes_append(oups_bytes *b, const void *p, size_t n) {
    OUPS_TRY(oups_bytes_reserve(b, n));
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}

int oups_bytes_printf(oups_bytes *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return oups_error_set(OUPS_EINVAL, "bad format string");
    OUPS_TRY(oups_bytes_reserve(b, (size_t)n + 1));
    va_start(ap, fmt);
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

void oups_bytes_free(oups_bytes *b) {
    oups_free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
