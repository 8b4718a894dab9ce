/**
 * @file oups/util.h
 * @brief Status codes, error messages and version of liboups.
 *
 * Every fallible public function of liboups returns an `int`: 0 (OUPS_OK) on success or one of
 * the negative OUPS_E* codes below. Right after a failing call, oups_error_last() gives a
 * message naming the offending input (file, column, row group, row, value). The message lives
 * in a thread-local buffer owned by the library: it stays valid until the next failing call
 * on the same thread, and reporting an error never allocates (so out-of-memory is reported
 * reliably). Codes are never renumbered.
 *
 * Threading: all functions here are thread-safe; the message is per thread.
 */
#ifndef OUPS_UTIL_H
#define OUPS_UTIL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define OUPS_API __attribute__((visibility("default")))
#define OUPS_NODISCARD __attribute__((warn_unused_result))
#else
#define OUPS_API
#define OUPS_NODISCARD
#endif

/** Status codes. 0 is success; failures are negative; positive values are non-error statuses. */
typedef enum oups_status {
    OUPS_OK = 0,
    OUPS_EINVAL = -1,       /**< invalid argument (bad option, out-of-range index, NULL) */
    OUPS_ENOMEM = -2,       /**< an allocation failed */
    OUPS_EIO = -3,          /**< an operating-system I/O call failed (errno in the message) */
    OUPS_ECORRUPT = -4,     /**< corrupt or truncated data (file, blob, page) */
    OUPS_EUNSUPPORTED = -5, /**< valid input using a feature oups does not implement */
    OUPS_EUNORDERED = -6,   /**< data not in the required (non-decreasing) order */
    OUPS_ESCHEMA = -7,      /**< column names or types differ from what is required */
    OUPS_ENOTFOUND = -8,    /**< a file, dataset, key or column does not exist */
    OUPS_EBUSY = -9,        /**< a lock is held by someone else */
    OUPS_ETIMEOUT = -10,    /**< waited longer than the given timeout */
    OUPS_EREADONLY = -11,   /**< write attempted through a read-only handle or view */
    OUPS_EEXISTS = -12,     /**< the thing to create already exists */
    OUPS_EUSER = -13,       /**< a user callback asked to stop; passed back untouched */
    OUPS_EOVERFLOW = -14,   /**< a size or value does not fit the target type */
    OUPS_ESTATE = -15,      /**< call made in the wrong state (e.g. after finish) */
    OUPS_SKIP = 1           /**< not an error: "nothing to do yet" (see oups_loop_buffer) */
} oups_status;

/** Name of a status code ("OUPS_ECORRUPT"); never NULL, static storage. */
OUPS_API const char *oups_strerror(int code);

/**
 * Message of the last failure on this thread, or "" if none.
 * Ownership: static thread-local storage, valid until the next failing call on this thread.
 */
OUPS_API const char *oups_error_last(void);

/** Code of the last failure on this thread (0 if none). */
OUPS_API int oups_error_last_code(void);

/** Forget the last failure of this thread. */
OUPS_API void oups_error_clear(void);

/** Free memory that liboups returned to the caller (strings, index arrays). NULL is a no-op. */
OUPS_API void oups_mem_free(void *p);

/**
 * Allocate `size` bytes that liboups may free with oups_mem_free(): what a callback handing
 * memory to the library needs (oups_state_ops.save blobs). NULL (OUPS_ENOMEM set) on failure.
 */
OUPS_API void *oups_mem_alloc(size_t size);

/** Library version, e.g. "0.1.0"; static storage. */
OUPS_API const char *oups_version(void);

/**
 * Time period / frequency: an optional integer multiple and a unit among ns, us, ms, s,
 * min (or T), h (or H), D, W, MS (month start), YS (year start). "15min", "2h", "D", "MS".
 */
typedef enum oups_period_unit {
    OUPS_PERIOD_NS = 0,
    OUPS_PERIOD_US,
    OUPS_PERIOD_MS,
    OUPS_PERIOD_S,
    OUPS_PERIOD_MIN,
    OUPS_PERIOD_H,
    OUPS_PERIOD_D,
    OUPS_PERIOD_W,
    OUPS_PERIOD_MONTH_START,
    OUPS_PERIOD_YEAR_START
} oups_period_unit;

typedef struct oups_period {
    int64_t multiple;      /**< >= 1 */
    oups_period_unit unit;
} oups_period;

/**
 * Parse a period string ("15min", "2h", "D", "W", "MS", "YS").
 * @param[out] out  The parsed period.
 * @return 0, or OUPS_EINVAL naming the text.
 */
OUPS_API OUPS_NODISCARD int oups_period_parse(oups_period *out, const char *text);

/**
 * Length of a fixed period in nanoseconds (ns .. W). Month and year starts have no fixed
 * length: OUPS_EINVAL.
 */
OUPS_API OUPS_NODISCARD int oups_period_nanos(int64_t *out, const oups_period *p);

/**
 * Floor a timestamp (nanoseconds since the epoch, UTC) to the start of its period bin:
 * fixed periods (ns .. D) are multiples counted from the Unix epoch; W floors to the preceding
 * (or same) Sunday (multiples counted from Sunday 1970-01-04), as pandas W-SUN;
 * MS and YS floor to the first day of the month/year (multiples counted from 1970-01).
 */
OUPS_API OUPS_NODISCARD int oups_period_floor(int64_t *out, const oups_period *p, int64_t ts_ns);

/** Start of the bin after the one starting at `bin_start_ns`. */
OUPS_API OUPS_NODISCARD int oups_period_next(int64_t *out, const oups_period *p, int64_t bin_start_ns);

#ifdef __cplusplus
}
#endif
#endif /* OUPS_UTIL_H */
