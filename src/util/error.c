/*
 * util/error.c: the thread-local last-error message and code (libgit2's model).
 * The message buffer is fixed-size and thread-local, so setting an error never allocates;
 * over-long messages are truncated with "...". Messages often quote bytes of a damaged input,
 * so control bytes and invalid UTF-8 are shown as \xNN: a message is always one printable line.
 */
#include <stdio.h>

#include "util/util.h"

#define OUPS_ERRMSG_CAP 1024

static _Thread_local char errmsg[OUPS_ERRMSG_CAP];
static _Thread_local int errcode;

/* Length of the valid UTF-8 sequence (2-4 bytes) at p, or 0. */
static int utf8_len(const unsigned char *p) {
    int n = p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc2 && p[0] < 0xe0 ? 2 : 0;
    for (int i = 1; i < n; i++)
        if ((p[i] & 0xc0) != 0x80) return 0;
    return n;
}

/* Rewrite errmsg with non-printable bytes escaped (truncating with "..." if it grows). */
static void sanitize(void) {
    char out[OUPS_ERRMSG_CAP];
    size_t o = 0;
    bool cut = false;
    for (const unsigned char *p = (const unsigned char *)errmsg; *p && !cut;) {
        int n = *p >= 0x80 ? utf8_len(p) : (*p >= 0x20 && *p != 0x7f);
        if (n > 0 && o + (size_t)n < sizeof out) {
            memcpy(out + o, p, (size_t)n);
            o += (size_t)n;
            p += n;
        } else if (n == 0 && o + 4 < sizeof out) {
            snprintf(out + o, 5, "\\x%02x", *p++);
            o += 4;
        } else {
            cut = true;
        }
    }
    if (cut) memcpy(out + (o < sizeof out - 4 ? o : sizeof out - 4), "...", 4);
    else out[o] = '\0';
    memcpy(errmsg, out, sizeof out);
}

static void vset(const char *fmt, va_list ap) {
    int n = vsnprintf(errmsg, sizeof errmsg, fmt, ap);
    if (n >= (int)sizeof errmsg) memcpy(errmsg + sizeof errmsg - 4, "...", 4);
    sanitize();
}

int oups_error_set(int code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vset(fmt, ap);
    va_end(ap);
    errcode = code;
    return code;
}

int oups_error_prefix(int code, const char *fmt, ...) {
    char old[OUPS_ERRMSG_CAP];
    memcpy(old, errmsg, sizeof old);
    va_list ap;
    va_start(ap, fmt);
    vset(fmt, ap);
    va_end(ap);
    size_t used = strlen(errmsg);
    if (used + 1 < sizeof errmsg) {
        snprintf(errmsg + used, sizeof errmsg - used, "%s", old);
        if (used + strlen(old) >= sizeof errmsg - 1)
            memcpy(errmsg + sizeof errmsg - 4, "...", 4);
    }
    sanitize();
    errcode = code;
    return code;
}

int oups_error_oom(void) {
    static const char msg[] = "out of memory";
    memcpy(errmsg, msg, sizeof msg);
    errcode = OUPS_ENOMEM;
    return OUPS_ENOMEM;
}

const char *oups_error_last(void) { return errmsg; }
int oups_error_last_code(void) { return errcode; }
void oups_error_clear(void) {
    errmsg[0] = '\0';
    errcode = 0;
}

const char *oups_strerror(int code) {
    switch (code) {
    case OUPS_OK: return "OUPS_OK";
    case OUPS_EINVAL: return "OUPS_EINVAL";
    case OUPS_ENOMEM: return "OUPS_ENOMEM";
    case OUPS_EIO: return "OUPS_EIO";
    case OUPS_ECORRUPT: return "OUPS_ECORRUPT";
    case OUPS_EUNSUPPORTED: return "OUPS_EUNSUPPORTED";
    case OUPS_EUNORDERED: return "OUPS_EUNORDERED";
    case OUPS_ESCHEMA: return "OUPS_ESCHEMA";
    case OUPS_ENOTFOUND: return "OUPS_ENOTFOUND";
    case OUPS_EBUSY: return "OUPS_EBUSY";
    case OUPS_ETIMEOUT: return "OUPS_ETIMEOUT";
    case OUPS_EREADONLY: return "OUPS_EREADONLY";
    case OUPS_EEXISTS: return "OUPS_EEXISTS";
    case OUPS_EUSER: return "OUPS_EUSER";
    case OUPS_EOVERFLOW: return "OUPS_EOVERFLOW";
    case OUPS_ESTATE: return "OUPS_ESTATE";
    case OUPS_SKIP: return "OUPS_SKIP";
    default: return "OUPS_E?";
    }
}

#ifndef OUPS_VERSION_STRING
#define OUPS_VERSION_STRING "0.0.0"
#endif
const char *oups_version(void) { return OUPS_VERSION_STRING; }
