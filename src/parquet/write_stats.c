/*
 * parquet/write_stats.c: column statistics for the writer: min/max in the column order of
 * the Parquet spec (signed or unsigned integers, IEEE floats ignoring NaN with min -0.0 and
 * max +0.0 for zeros, unsigned lexicographic bytes, signed big-endian decimals), null counts,
 * and their PLAIN encoding. Byte arrays longer than 64 bytes are truncated (min: a prefix;
 * max: a prefix with its last byte or UTF-8 code point incremented, or no max at all) and
 * flagged inexact. Spec: parquet.thrift Statistics, ColumnOrder.
 */
#include <math.h>

#include "parquet/write.h"

/* Longest min/max byte string written; longer ones are truncated (as Arrow and parquet-mr). */
#define STATS_MAX_BYTES 64

static int cmp_bytes(const uint8_t *a, int64_t na, const uint8_t *b, int64_t nb) {
    int64_t n = na < nb ? na : nb;
    int r = n ? memcmp(a, b, (size_t)n) : 0;
    if (r) return r;
    return (na > nb) - (na < nb);
}

/* Two 16-byte little-endian two's complement decimals. */
static int cmp_dec(const uint8_t *a, const uint8_t *b) {
    int64_t ha = (int64_t)oups_load_u64le(a + 8), hb = (int64_t)oups_load_u64le(b + 8);
    if (ha != hb) return ha < hb ? -1 : 1;
    uint64_t la = oups_load_u64le(a), lb = oups_load_u64le(b);
    return (la > lb) - (la < lb);
}

static int cmp_num(oups_pqw_order o, const void *a, const void *b) {
    switch (o) {
    case OUPS_PQW_U32:
    case OUPS_PQW_U64: {
        uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
        return (x > y) - (x < y);
    }
    case OUPS_PQW_F32:
    case OUPS_PQW_F64: {
        double x = *(const double *)a, y = *(const double *)b;
        return (x > y) - (x < y);
    }
    default: {
        int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
        return (x > y) - (x < y);
    }
    }
}

int oups_pqw__stats_cmp(const oups_pqw_stats *a, const oups_pqw_stats *b, const oups_pqw_col *c, int which) {
    if (c->order == OUPS_PQW_BYTES)
        return which ? cmp_bytes(a->max_p, a->max_len, b->max_p, b->max_len)
                     : cmp_bytes(a->min_p, a->min_len, b->min_p, b->min_len);
    if (c->order == OUPS_PQW_FLBA_SIGNED)
        return which ? cmp_dec(a->max_p, b->max_p) : cmp_dec(a->min_p, b->min_p);
    return which ? cmp_num(c->order, &a->max, &b->max) : cmp_num(c->order, &a->min, &b->min);
}

void oups_pqw__stats_merge(oups_pqw_stats *dst, const oups_pqw_stats *src, const oups_pqw_col *c) {
    dst->null_count += src->null_count;
    if (!src->has_minmax) return;
    if (!dst->has_minmax) {
        int64_t nulls = dst->null_count;
        *dst = *src;
        dst->null_count = nulls;
        return;
    }
    if (oups_pqw__stats_cmp(src, dst, c, 0) < 0) {
        dst->min = src->min;
        dst->min_p = src->min_p;
        dst->min_len = src->min_len;
    }
    if (oups_pqw__stats_cmp(src, dst, c, 1) > 0) {
        dst->max = src->max;
        dst->max_p = src->max_p;
        dst->max_len = src->max_len;
    }
}

/* The loops below keep min/max in locals so the compiler can vectorize them; the page result
 * is then merged. NaN never wins `x < mn` or `x > mx`, so floats skip it for free. */
#define MINMAX_LOOP(T, ptr, n, mn, mx)                                                                   \
    do {                                                                                                 \
        const T *v_ = (const T *)(ptr);                                                                  \
        for (int64_t i_ = 0; i_ < (n); i_++) {                                                           \
            T x_ = v_[i_];                                                                               \
            mn = x_ < mn ? x_ : mn;                                                                      \
            mx = x_ > mx ? x_ : mx;                                                                      \
        }                                                                                                \
    } while (0)

void oups_pqw__stats_values(oups_pqw_stats *s, const oups_pqw_col *c, const void *v, int64_t n) {
    if (n <= 0) return;
    oups_pqw_stats p = {0};
    switch (c->order) {
    case OUPS_PQW_I32: {
        int32_t mn = INT32_MAX, mx = INT32_MIN;
        MINMAX_LOOP(int32_t, v, n, mn, mx);
        p.min.i = mn, p.max.i = mx;
        break;
    }
    case OUPS_PQW_U32: {
        uint32_t mn = UINT32_MAX, mx = 0;
        MINMAX_LOOP(uint32_t, v, n, mn, mx);
        p.min.u = mn, p.max.u = mx;
        break;
    }
    case OUPS_PQW_I64: {
        int64_t mn = INT64_MAX, mx = INT64_MIN;
        MINMAX_LOOP(int64_t, v, n, mn, mx);
        p.min.i = mn, p.max.i = mx;
        break;
    }
    case OUPS_PQW_U64: {
        uint64_t mn = UINT64_MAX, mx = 0;
        MINMAX_LOOP(uint64_t, v, n, mn, mx);
        p.min.u = mn, p.max.u = mx;
        break;
    }
    case OUPS_PQW_F32: {
        float mn = INFINITY, mx = -INFINITY;
        MINMAX_LOOP(float, v, n, mn, mx);
        if (!(mn <= mx)) return; /* all NaN: no min/max */
        p.min.d = mn, p.max.d = mx;
        break;
    }
    case OUPS_PQW_F64: {
        double mn = INFINITY, mx = -INFINITY;
        MINMAX_LOOP(double, v, n, mn, mx);
        if (!(mn <= mx)) return;
        p.min.d = mn, p.max.d = mx;
        break;
    }
    default:
        return; /* bool and bytes have their own entry points */
    }
    if (c->order == OUPS_PQW_F32 || c->order == OUPS_PQW_F64) {
        /* Spec: a zero min is written as -0.0 and a zero max as +0.0, whatever zeros occur. */
        if (p.min.d == 0) p.min.d = -0.0;
        if (p.max.d == 0) p.max.d = 0.0;
    }
    p.has_minmax = true;
    oups_pqw__stats_merge(s, &p, c);
}

void oups_pqw__stats_one_bytes(oups_pqw_stats *s, const uint8_t *p, int64_t len) {
    if (!s->has_minmax) {
        s->has_minmax = true;
        s->min_p = s->max_p = p;
        s->min_len = s->max_len = len;
        return;
    }
    if (cmp_bytes(p, len, s->min_p, s->min_len) < 0) s->min_p = p, s->min_len = len;
    else if (cmp_bytes(p, len, s->max_p, s->max_len) > 0) s->max_p = p, s->max_len = len;
}

void oups_pqw__stats_rows(oups_pqw_stats *s, const oups_pqw_col *c, const oups_column_view *v, int64_t r0,
                          int64_t r1) {
    const uint8_t *data = v->data;
    for (int64_t r = r0; r < r1; r++) {
        int64_t e = v->offset + r;
        if (v->validity && !oups_bit_get(v->validity, e)) continue;
        if (c->order == OUPS_PQW_BYTES) {
            oups_pqw__stats_one_bytes(s, data + v->offsets[e], v->offsets[e + 1] - v->offsets[e]);
            continue;
        }
        const uint8_t *d = data + 16 * e;
        if (!s->has_minmax) {
            s->has_minmax = true;
            s->min_p = s->max_p = d;
        } else if (cmp_dec(d, s->min_p) < 0) {
            s->min_p = d;
        } else if (cmp_dec(d, s->max_p) > 0) {
            s->max_p = d;
        }
    }
}

void oups_pqw__stats_bool(oups_pqw_stats *s, const uint8_t *bits, int64_t off, int64_t n) {
    if (n <= 0) return;
    int64_t ones = oups_bits_count(bits, off, n);
    int64_t mn = ones == n ? 1 : 0, mx = ones > 0 ? 1 : 0;
    if (!s->has_minmax) {
        s->has_minmax = true;
        s->min.i = mn, s->max.i = mx;
        return;
    }
    if (mn < s->min.i) s->min.i = mn;
    if (mx > s->max.i) s->max.i = mx;
}

/* Length of the UTF-8 sequence starting with byte b, 0 if b cannot start one. */
static int utf8_len(uint8_t b) {
    return b < 0x80 ? 1 : (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 0;
}

static int utf8_put(uint8_t *o, uint32_t cp) {
    if (cp < 0x80) return o[0] = (uint8_t)cp, 1;
    if (cp < 0x800) return o[0] = (uint8_t)(0xC0 | cp >> 6), o[1] = (uint8_t)(0x80 | (cp & 0x3F)), 2;
    if (cp < 0x10000) {
        o[0] = (uint8_t)(0xE0 | cp >> 12), o[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (uint8_t)(0xF0 | cp >> 18), o[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F)), o[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

/* Where to cut p[0..len) to at most STATS_MAX_BYTES, on a code point boundary for strings. */
static int64_t cut_point(const uint8_t *p, int64_t len, bool utf8) {
    int64_t cut = len < STATS_MAX_BYTES ? len : STATS_MAX_BYTES;
    if (utf8 && cut < len)
        while (cut > 0 && (p[cut] & 0xC0) == 0x80) cut--;
    return cut;
}

/* Smallest-ish upper bound of every string starting with p[0..len): the prefix with its last
 * code point (string) or byte (binary) incremented, dropping ones that cannot be. Writes to
 * o (room for len + 4 bytes) and returns the length, or -1 if no bound exists (all 0xFF). */
static int64_t upper_bound(uint8_t *o, const uint8_t *p, int64_t len, bool utf8) {
    memcpy(o, p, (size_t)len);
    while (len > 0) {
        if (utf8) {
            int64_t s = len - 1;
            while (s > 0 && (o[s] & 0xC0) == 0x80) s--;
            int k = utf8_len(o[s]);
            if (k && s + k == len) {
                uint32_t cp = k == 1 ? o[s] : (uint32_t)(o[s] & (0x7F >> k));
                for (int j = 1; j < k; j++) cp = cp << 6 | (o[s + j] & 0x3F);
                if (cp + 1 <= 0x10FFFF) {
                    uint32_t next = cp + 1 == 0xD800 ? 0xE000 : cp + 1; /* skip surrogates */
                    return s + utf8_put(o + s, next);
                }
                len = s;
                continue;
            }
            /* not valid UTF-8: fall through to the byte rule, which is still a bound */
        }
        if (o[len - 1] != 0xFF) {
            o[len - 1]++;
            return len;
        }
        len--;
    }
    return -1;
}

static int put(oups_pq_str *out, oups_pq_arena *a, const void *p, int64_t n) {
    uint8_t *m = oups_parquet__arena_alloc(a, (size_t)n + 1);
    if (!m) return OUPS_ENOMEM;
    if (n) memcpy(m, p, (size_t)n);
    out->ptr = m;
    out->len = n;
    return 0;
}

/* PLAIN encoding of a numeric or bool min (which = 0) / max (1) into b (8 bytes); its size. */
static int plain_num(uint8_t *b, const oups_pqw_stats *s, oups_pqw_order o, int which) {
    int64_t i = which ? s->max.i : s->min.i;
    double d = which ? s->max.d : s->min.d;
    switch (o) {
    case OUPS_PQW_BOOL: b[0] = (uint8_t)i; return 1;
    case OUPS_PQW_I32:
    case OUPS_PQW_U32: oups_store_u32le(b, (uint32_t)i); return 4;
    case OUPS_PQW_F32: {
        float f = (float)d;
        memcpy(b, &f, 4);
        return 4;
    }
    case OUPS_PQW_F64: memcpy(b, &d, 8); return 8;
    default: oups_store_u64le(b, (uint64_t)i); return 8;
    }
}

int oups_pqw__stats_encode(oups_pq_stats *out, oups_pq_arena *arena, const oups_pqw_stats *s,
                           const oups_pqw_col *c) {
    oups_parquet__stats_init(out);
    out->null_count = s->null_count;
    if (!s->has_minmax) return 0;
    if (c->order == OUPS_PQW_BYTES) {
        bool utf8 = c->type.id == OUPS_TYPE_STRING;
        int64_t cut = cut_point(s->min_p, s->min_len, utf8);
        OUPS_TRY(put(&out->min_value, arena, s->min_p, cut));
        out->is_min_value_exact = cut == s->min_len;
        if (s->max_len <= STATS_MAX_BYTES) {
            OUPS_TRY(put(&out->max_value, arena, s->max_p, s->max_len));
            out->is_max_value_exact = 1;
        } else {
            uint8_t buf[STATS_MAX_BYTES + 4];
            int64_t n = upper_bound(buf, s->max_p, cut_point(s->max_p, s->max_len, utf8), utf8);
            if (n >= 0) {
                OUPS_TRY(put(&out->max_value, arena, buf, n));
                out->is_max_value_exact = 0;
            }
        }
        return 0; /* legacy min/max of byte arrays used signed bytes: never written */
    }
    if (c->order == OUPS_PQW_FLBA_SIGNED) { /* big-endian, the low `width` bytes */
        uint8_t b[16];
        for (int j = 0; j < c->width; j++) b[j] = s->min_p[c->width - 1 - j];
        OUPS_TRY(put(&out->min_value, arena, b, c->width));
        for (int j = 0; j < c->width; j++) b[j] = s->max_p[c->width - 1 - j];
        OUPS_TRY(put(&out->max_value, arena, b, c->width));
    } else {
        uint8_t b[8];
        OUPS_TRY(put(&out->min_value, arena, b, plain_num(b, s, c->order, 0)));
        OUPS_TRY(put(&out->max_value, arena, b, plain_num(b, s, c->order, 1)));
    }
    out->is_min_value_exact = out->is_max_value_exact = 1;
    if (c->legacy_stats) {
        out->min = out->min_value;
        out->max = out->max_value;
    }
    return 0;
}
