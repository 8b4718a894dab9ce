// labels: quick fault
/*
 * tests/util/test_error.c: the error model (thread-local message and code, prefixing,
 * truncation, OOM without allocating, code names), the allocator and its fault hook
 * (once / persist, hit counts, overflow checks), and the growable byte buffer.
 */
#include <pthread.h>

#include "harness.h"
#include "util/util.h"

TEST(error_set_and_clear) {
    oups_error_clear();
    CHECK(oups_error_last()[0] == '\0' && oups_error_last_code() == 0);
    CHECK(oups_error_set(OUPS_ECORRUPT, "%s: column '%s': row %d", "f.parquet", "px", 7) == OUPS_ECORRUPT);
    CHECK(strcmp(oups_error_last(), "f.parquet: column 'px': row 7") == 0);
    CHECK(oups_error_last_code() == OUPS_ECORRUPT);
    CHECK(oups_error_prefix(OUPS_EIO, "store '%s': ", "ticks") == OUPS_EIO);
    CHECK(strcmp(oups_error_last(), "store 'ticks': f.parquet: column 'px': row 7") == 0);
    CHECK(oups_error_last_code() == OUPS_EIO);
    oups_error_clear();
    CHECK(oups_error_last()[0] == '\0' && oups_error_last_code() == 0);
}

TEST(error_truncation) {
    char big[3000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    oups_error_set(OUPS_EINVAL, "value %s", big);
    size_t n = strlen(oups_error_last());
    CHECK(n == 1023 && strcmp(oups_error_last() + n - 3, "...") == 0);
    oups_error_set(OUPS_EINVAL, "short");
    oups_error_prefix(OUPS_EINVAL, "%s", big); /* prefix alone too long */
    n = strlen(oups_error_last());
    CHECK(n == 1023 && strcmp(oups_error_last() + n - 3, "...") == 0);
    oups_error_set(OUPS_EINVAL, "%s", big + 1984);      /* 1015 chars: fits */
    oups_error_prefix(OUPS_EINVAL, "%s", "0123456789ab"); /* together too long */
    n = strlen(oups_error_last());
    CHECK(n == 1023 && strncmp(oups_error_last(), "0123456789abxxx", 15) == 0);
    CHECK(strcmp(oups_error_last() + n - 3, "...") == 0);
}

TEST(error_oom_and_strerror) {
    CHECK(oups_error_oom() == OUPS_ENOMEM);
    CHECK(strcmp(oups_error_last(), "out of memory") == 0 && oups_error_last_code() == OUPS_ENOMEM);
    static const struct {
        int code;
        const char *name;
    } names[] = {{OUPS_OK, "OUPS_OK"},           {OUPS_EINVAL, "OUPS_EINVAL"},   {OUPS_ENOMEM, "OUPS_ENOMEM"},
                 {OUPS_EIO, "OUPS_EIO"},         {OUPS_ECORRUPT, "OUPS_ECORRUPT"}, {OUPS_EUNSUPPORTED, "OUPS_EUNSUPPORTED"},
                 {OUPS_EUNORDERED, "OUPS_EUNORDERED"}, {OUPS_ESCHEMA, "OUPS_ESCHEMA"}, {OUPS_ENOTFOUND, "OUPS_ENOTFOUND"},
                 {OUPS_EBUSY, "OUPS_EBUSY"},     {OUPS_ETIMEOUT, "OUPS_ETIMEOUT"}, {OUPS_EREADONLY, "OUPS_EREADONLY"},
                 {OUPS_EEXISTS, "OUPS_EEXISTS"}, {OUPS_EUSER, "OUPS_EUSER"},     {OUPS_EOVERFLOW, "OUPS_EOVERFLOW"},
                 {OUPS_ESTATE, "OUPS_ESTATE"},   {OUPS_SKIP, "OUPS_SKIP"}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) CHECK(strcmp(oups_strerror(names[i].code), names[i].name) == 0);
    /* codes are part of the ABI: never renumbered */
    CHECK(OUPS_EINVAL == -1 && OUPS_ENOMEM == -2 && OUPS_ECORRUPT == -4 && OUPS_ESTATE == -15 && OUPS_SKIP == 1);
    CHECK(strcmp(oups_strerror(-999), "OUPS_E?") == 0);
    CHECK(strcmp(oups_version(), "0.1.0") == 0 || strlen(oups_version()) > 0);
}

static void *other_thread(void *arg) {
    (void)arg;
    oups_error_set(OUPS_EBUSY, "from the other thread");
    return (void *)(intptr_t)(strcmp(oups_error_last(), "from the other thread") == 0);
}

TEST(error_is_per_thread) {
    oups_error_set(OUPS_EIO, "main thread");
    pthread_t th;
    void *ok = NULL;
    CHECK(pthread_create(&th, NULL, other_thread, NULL) == 0);
    CHECK(pthread_join(th, &ok) == 0);
    CHECK(ok == (void *)1);
    CHECK(strcmp(oups_error_last(), "main thread") == 0 && oups_error_last_code() == OUPS_EIO);
}

TEST(alloc_fault_hook) {
    oups_fault_alloc_after(2, OUPS_FAULT_ONCE);
    void *a = oups_malloc(10), *b = oups_malloc(10), *c = oups_malloc(10);
    CHECK(oups_fault_alloc_off() == 1);
    CHECK(a && !b && c);
    CHECK(oups_error_last_code() == OUPS_ENOMEM);
    oups_free(a);
    oups_free(c);
    oups_fault_alloc_after(1, OUPS_FAULT_PERSIST);
    void *d = oups_calloc(2, 2), *e = oups_realloc(NULL, 5);
    char *f = oups_strdup("x");
    CHECK(!d && !e && !f);
    CHECK(oups_fault_alloc_off() == 3);
    d = oups_malloc(1);
    CHECK(d != NULL); /* disarmed */
    oups_free(d);
    oups_error_clear();
    CHECK(oups_calloc(SIZE_MAX / 2, 4) == NULL && oups_error_last_code() == OUPS_ENOMEM);
    CHECK(oups_malloc_array(SIZE_MAX / 8 + 1, 8) == NULL);
    char *s = oups_strndup("abcdef", 3);
    CHECK(s && strcmp(s, "abc") == 0);
    oups_free(s);
    oups_mem_free(NULL);
    oups_free(NULL);
}

TEST(bytes_buffer) {
    oups_bytes b = {0};
    CHECK_OK(oups_bytes_reserve(&b, 0)); /* a valid pointer even for nothing: memcpy(data, p, 0) is safe */
    CHECK(b.data != NULL && b.len == 0);
    oups_bytes_free(&b);
    CHECK_OK(oups_bytes_append(&b, "abc", 3));
    CHECK_OK(oups_bytes_printf(&b, "-%d-%s", 42, "z"));
    CHECK(b.len == 8 && memcmp(b.data, "abc-42-z", 8) == 0);
    for (int i = 0; i < 1000; i++) CHECK_OK(oups_bytes_append(&b, "0123456789", 10));
    CHECK(b.len == 10008 && b.cap >= b.len);
    oups_bytes_free(&b);
    CHECK(b.data == NULL && b.len == 0);
    oups_fault_alloc_after(1, OUPS_FAULT_ONCE);
    CHECK_RC(oups_bytes_append(&b, "abc", 3), OUPS_ENOMEM);
    oups_fault_alloc_off();
    CHECK(b.len == 0);
    oups_bytes_free(&b);
}

/* Bytes of a damaged input quoted in a message: one printable line, valid UTF-8 kept. */
TEST(error_escapes_raw_bytes) {
    oups_error_set(OUPS_ECORRUPT, "near '%s'", "a\nb\x01\xff\xc3\xa9\xe2\x82");
    CHECK(strcmp(oups_error_last(), "near 'a\\x0ab\\x01\\xff\xc3\xa9\\xe2\\x82'") == 0);
    oups_error_prefix(OUPS_ECORRUPT, "%s: ", "f\tx");
    CHECK(strncmp(oups_error_last(), "f\\x09x: near 'a\\x0ab", 20) == 0);
    char big[1100];
    memset(big, 1, sizeof big - 1); /* escaping grows it: still truncated with "..." */
    big[sizeof big - 1] = '\0';
    oups_error_set(OUPS_ECORRUPT, "%s", big);
    size_t n = strlen(oups_error_last());
    CHECK(n <= 1023 && strcmp(oups_error_last() + n - 3, "...") == 0);
}

RUN_TESTS("util.error", error_set_and_clear, error_truncation, error_oom_and_strerror, error_is_per_thread,
          alloc_fault_hook, bytes_buffer, error_escapes_raw_bytes)
