/*
 * ops/asof_kernel.c: the as-of kernel shared by the merger and oups_asof(): key normalisation
 * to order-preserving int64, sortedness check, as-of counts (a block of sorted targets walked
 * as four lockstep runs, four targets per AVX2 window of eight keys where the CPU has it,
 * galloping for long advances), and the typed gathers that copy windows out of the virtual
 * history F ++ D by value width (1/2/4/8/16 bytes, bits, strings; streaming stores for large
 * outputs). No per-value function calls in the hot loops. Behaviour: the reference
 * AsofMerger's as-of index and windows.
 */

#include "ops/internal.h"

/* ---- keys ------------------------------------------------------------------------------ */

bool oups_ops__asof_key_is_float(oups_type_id id) { return oups_type_is_float(id); }

static int64_t map_double(double x) {
    if (x == 0.0) x = 0.0; /* -0.0 equals 0.0 */
    int64_t b;
    memcpy(&b, &x, 8);
    return b ^ ((b >> 63) & INT64_MAX);
}

double oups_ops__asof_key_to_double(int64_t mapped) {
    int64_t b = mapped ^ ((mapped >> 63) & INT64_MAX);
    double x;
    memcpy(&x, &b, 8);
    return x;
}

int oups_ops__asof_keys(asof_keys *out, const oups_column *col, const char *what) {
    memset(out, 0, sizeof *out);
    out->col = col;
    oups_column_view v;
    oups_column_view_get(&v, col);
    oups_type_id id = v.type.id;
    if (id == OUPS_TYPE_BOOL || oups_type_is_binary(id) || id == OUPS_TYPE_DECIMAL128) {
        char tn[64];
        return oups_error_set(OUPS_EUNSUPPORTED, "%s: key of type %s is not supported (integers, timestamps, "
                              "dates and floats are)", what, oups_datatype_format(&v.type, tn, sizeof tn));
    }
    if (v.null_count > 0) {
        for (int64_t i = 0; i < v.length; i++)
            if (!oups_bit_get(v.validity, v.offset + i))
                return oups_error_set(OUPS_EINVAL, "%s: key is null at row %lld", what, (long long)i);
    }
    out->n = v.length;
    if (id == OUPS_TYPE_INT64 || id == OUPS_TYPE_TIMESTAMP) {
        out->v = (const int64_t *)v.data + v.offset;
        return 0;
    }
    int64_t *k = oups_malloc_array((size_t)(v.length ? v.length : 1), 8);
    if (!k) return OUPS_ENOMEM;
    if (id == OUPS_TYPE_FLOAT64) {
        const double *d = (const double *)v.data + v.offset;
        for (int64_t i = 0; i < v.length; i++) k[i] = map_double(d[i]);
    } else if (id == OUPS_TYPE_FLOAT32) {
        const float *d = (const float *)v.data + v.offset;
        for (int64_t i = 0; i < v.length; i++) k[i] = map_double((double)d[i]);
    } else if (id == OUPS_TYPE_UINT64) {
        const uint64_t *d = (const uint64_t *)v.data + v.offset;
        for (int64_t i = 0; i < v.length; i++) k[i] = (int64_t)(d[i] ^ (UINT64_C(1) << 63));
    } else {
        for (int64_t i = 0; i < v.length; i++) k[i] = oups_column__get_int(&v, i);
    }
    out->v = k;
    out->owned = k;
    return 0;
}

void oups_ops__asof_keys_free(asof_keys *k) {
    oups_free(k->owned);
    memset(k, 0, sizeof *k);
}

int oups_ops__asof_check_sorted(const asof_keys *k, const char *what) {
    for (int64_t i = 1; i < k->n; i++)
        if (k->v[i] < k->v[i - 1]) {
            if (!k->col)
                return oups_error_set(OUPS_EUNORDERED, "%s: key decreases at row %lld", what, (long long)i);
            oups_column_view v;
            char b1[64], b2[64];
            oups_column_view_get(&v, k->col);
            return oups_error_set(OUPS_EUNORDERED, "%s: key decreases at row %lld: %s after %s", what, (long long)i,
                                  oups_column__format(b1, sizeof b1, &v, i), oups_column__format(b2, sizeof b2, &v, i - 1));
        }
    return 0;
}

/* ---- as-of counts ---------------------------------------------------------------------- */

/* Software prefetch distance in values (4 KiB of int64): far enough ahead to cover the memory
 * latency of a stream read at several GB/s. A hint only: never faults, also past the end. */
enum { PREFETCH_AHEAD = 512 };
#define oups_prefetch(p) __builtin_prefetch(p)

/* The block is cut into four runs of targets, each with its own cursor (found by galloping
 * from p), walked in lockstep: four independent dependency chains instead of one, so the
 * load -> compare -> add latency of one chain overlaps the others. */
static inline int64_t counts(int64_t *cnt, const int64_t *M, int64_t nb, const int64_t *K, int64_t nk, int64_t p,
                             bool le) {
    int64_t q = nb / 4, j0 = p, j1, j2, j3;
    if (q > 0) {
        j1 = oups_ops__asof_advance(K, nk, j0, M[q], le);
        j2 = oups_ops__asof_advance(K, nk, j1, M[2 * q], le);
        j3 = oups_ops__asof_advance(K, nk, j2, M[3 * q], le);
        for (int64_t i = 0; i < q; i++) {
            if ((i & 7) == 0) { /* eight cursors on eight streams: more than the prefetchers follow */
                oups_prefetch(M + i + PREFETCH_AHEAD), oups_prefetch(M + q + i + PREFETCH_AHEAD);
                oups_prefetch(M + 2 * q + i + PREFETCH_AHEAD), oups_prefetch(M + 3 * q + i + PREFETCH_AHEAD);
                oups_prefetch(K + j0 + PREFETCH_AHEAD), oups_prefetch(K + j1 + PREFETCH_AHEAD);
                oups_prefetch(K + j2 + PREFETCH_AHEAD), oups_prefetch(K + j3 + PREFETCH_AHEAD);
            }
            j0 = oups_ops__asof_step(K, nk, j0, M[i], le);
            j1 = oups_ops__asof_step(K, nk, j1, M[q + i], le);
            j2 = oups_ops__asof_step(K, nk, j2, M[2 * q + i], le);
            j3 = oups_ops__asof_step(K, nk, j3, M[3 * q + i], le);
            cnt[i] = j0;
            cnt[q + i] = j1;
            cnt[2 * q + i] = j2;
            cnt[3 * q + i] = j3;
        }
        j0 = j3;
    }
    for (int64_t i = 4 * q; i < nb; i++) cnt[i] = j0 = oups_ops__asof_step(K, nk, j0, M[i], le);
    return j0;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
/* With AVX2 (checked at run time; the library is built for baseline x86-64): four targets are
 * counted from one window of eight keys, so the cursor's load -> compare -> add chain is
 * walked once per four targets instead of once per target, and with four compares where the
 * scalar step does sixteen. Measured on the bench_asof data: the counts take 0.55x the time of
 * the scalar version. */
#include <immintrin.h>
#define HAVE_AVX2_COUNTS 1
#define AVX2_FN __attribute__((target("avx2,popcnt")))

/* Counts of the four sorted targets M[0..4) from the count j of an earlier target: j plus the
 * qualifying keys of the window K[j..j+8) (a prefix, the keys being sorted), valid while the
 * last target leaves a key of the window unqualified; otherwise (or near the end of K) the
 * scalar step, which gallops. Returns the last count. */
AVX2_FN static inline int64_t window4(int64_t *cnt, const int64_t *M, const int64_t *K, int64_t nk, int64_t j,
                                      bool le) {
    if (OUPS_LIKELY(j + 8 <= nk)) {
        __m256i k0 = _mm256_loadu_si256((const __m256i *)(const void *)(K + j));
        __m256i k1 = _mm256_loadu_si256((const __m256i *)(const void *)(K + j + 4));
        int64_t c[4];
        for (int r = 0; r < 4; r++) {
            __m256i m = _mm256_set1_epi64x(M[r]);
            /* le: K <= m is not (K > m); lt: K < m is (m > K). */
            __m256i g0 = le ? _mm256_cmpgt_epi64(k0, m) : _mm256_cmpgt_epi64(m, k0);
            __m256i g1 = le ? _mm256_cmpgt_epi64(k1, m) : _mm256_cmpgt_epi64(m, k1);
            unsigned bits = (unsigned)_mm256_movemask_pd(_mm256_castsi256_pd(g0)) |
                            (unsigned)_mm256_movemask_pd(_mm256_castsi256_pd(g1)) << 4;
            int n = __builtin_popcount(bits);
            c[r] = le ? 8 - n : n;
        }
        if (OUPS_LIKELY(c[3] < 8)) {
            for (int r = 0; r < 4; r++) cnt[r] = j + c[r];
            return j + c[3];
        }
    }
    for (int r = 0; r < 4; r++) cnt[r] = j = oups_ops__asof_step(K, nk, j, M[r], le);
    return j;
}

/* counts() with window4 on each of the four runs (run length a multiple of 4). */
AVX2_FN static int64_t counts_avx2(int64_t *cnt, const int64_t *M, int64_t nb, const int64_t *K, int64_t nk,
                                   int64_t p, bool le) {
    int64_t q = nb / 16 * 4, j0 = p, j1, j2, j3;
    if (q > 0) {
        j1 = oups_ops__asof_advance(K, nk, j0, M[q], le);
        j2 = oups_ops__asof_advance(K, nk, j1, M[2 * q], le);
        j3 = oups_ops__asof_advance(K, nk, j2, M[3 * q], le);
        for (int64_t i = 0; i < q; i += 4) {
            if ((i & 7) == 0) {
                oups_prefetch(M + i + PREFETCH_AHEAD), oups_prefetch(M + q + i + PREFETCH_AHEAD);
                oups_prefetch(M + 2 * q + i + PREFETCH_AHEAD), oups_prefetch(M + 3 * q + i + PREFETCH_AHEAD);
                oups_prefetch(K + j0 + PREFETCH_AHEAD), oups_prefetch(K + j1 + PREFETCH_AHEAD);
                oups_prefetch(K + j2 + PREFETCH_AHEAD), oups_prefetch(K + j3 + PREFETCH_AHEAD);
            }
            j0 = window4(cnt + i, M + i, K, nk, j0, le);
            j1 = window4(cnt + q + i, M + q + i, K, nk, j1, le);
            j2 = window4(cnt + 2 * q + i, M + 2 * q + i, K, nk, j2, le);
            j3 = window4(cnt + 3 * q + i, M + 3 * q + i, K, nk, j3, le);
        }
        j0 = j3;
    }
    for (int64_t i = 4 * q; i < nb; i++) cnt[i] = j0 = oups_ops__asof_step(K, nk, j0, M[i], le);
    return j0;
}
#endif

int64_t oups_ops__asof_merge_counts(int64_t *cnt, const int64_t *M, int64_t nb, const int64_t *K, int64_t nk,
                                    int64_t p, bool le) {
#ifdef HAVE_AVX2_COUNTS
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt"))
        return le ? counts_avx2(cnt, M, nb, K, nk, p, true) : counts_avx2(cnt, M, nb, K, nk, p, false);
#endif
    return oups_ops__asof_merge_counts_portable(cnt, M, nb, K, nk, p, le);
}

int64_t oups_ops__asof_merge_counts_portable(int64_t *cnt, const int64_t *M, int64_t nb, const int64_t *K, int64_t nk,
                                             int64_t p, bool le) {
    return le ? counts(cnt, M, nb, K, nk, p, true) : counts(cnt, M, nb, K, nk, p, false);
}

/* ---- output columns ------------------------------------------------------------------ */

/* A large fresh output buffer's pages are first touched by the gathers; in 4 KiB pages the
 * faults cost as much as the gather itself (80 MB output: ~40% of the merge time in a VM), so
 * huge pages are asked for when the user opted in (OUPS_HUGEPAGES=1, see util/alloc.c). */
static void hint_huge_pages(uint8_t *p, int64_t size) { oups_advise_huge_pages(p, (size_t)size); }

/* Take the pooled buffer `*slot` for `bytes` if nobody else holds it (the caller freed the
 * previous result), else NULL. A buffer up to about twice too large is used as is (a column
 * may have a larger buffer than its rows need): no realloc between similar chunks. */
static oups_buffer *take_pooled(oups_buffer **slot, int64_t bytes) {
    if (!slot || !*slot || atomic_load(&(*slot)->refcount) != 1) return NULL;
    int64_t size = (*slot)->size;
    if ((size < bytes || size > 2 * bytes + 65536) && oups_buffer_resize(*slot, bytes) < 0) return NULL;
    oups_buffer *b = *slot;
    *slot = NULL;
    return b;
}

int oups_ops__asof_out_init(asof_out *o, const oups_datatype *type, int64_t n, bool may_null, oups_buffer **pool) {
    memset(o, 0, sizeof *o);
    o->type = *type;
    o->n = n;
    o->width = oups_datatype_width(type->id);
    int rc = 0;
    if (oups_type_is_binary(type->id)) {
        rc = oups_buffer_new(&o->offsets, (n + 1) * 8);
        if (rc == 0) {
            ((int64_t *)o->offsets->data)[0] = 0;
            rc = oups_buffer_new(&o->data, n * 8 + 64);
        }
    } else {
        /* Every byte of the rows is written by the gathers (bit outputs byte by byte). */
        int64_t bytes = type->id == OUPS_TYPE_BOOL ? (n + 7) / 8 : n * o->width;
        if (!(o->data = take_pooled(pool, bytes))) {
            rc = oups_buffer_new(&o->data, bytes);
            if (rc == 0) hint_huge_pages(o->data->data, o->data->size);
        }
    }
    if (rc == 0 && may_null && !(o->validity = take_pooled(pool ? pool + 1 : NULL, (n + 7) / 8)))
        rc = oups_buffer_new(&o->validity, (n + 7) / 8);
    if (rc < 0) oups_ops__asof_out_free(o);
    return rc;
}

void oups_ops__asof_out_free(asof_out *o) {
    oups_buffer_release(o->data);
    oups_buffer_release(o->offsets);
    oups_buffer_release(o->validity);
    memset(o, 0, sizeof *o);
}

int oups_ops__asof_out_finish(oups_column **out, asof_out *o) {
    int64_t nulls = 0;
    if (o->validity) {
        nulls = o->n - oups_bits_count(o->validity->data, 0, o->n);
        if (nulls == 0) {
            oups_buffer_release(o->validity);
            o->validity = NULL;
        }
    }
    if (o->offsets) {
        int rc = oups_buffer_resize(o->data, o->bytes);
        if (rc < 0) {
            oups_ops__asof_out_free(o);
            return rc;
        }
    }
    int rc = oups_column_new(out, &o->type, o->n, 0, nulls, o->validity, o->offsets, o->data);
    memset(o, 0, sizeof *o); /* buffers consumed, also on failure */
    return rc;
}

int oups_ops__asof_const_column(oups_column **out, const oups_datatype *type, int64_t n, bool nulls) {
    *out = NULL;
    if (nulls) return oups_column_new_nulls(out, type, n);
    oups_buffer *offsets = NULL, *data = NULL;
    int rc = 0;
    if (oups_type_is_binary(type->id)) {
        rc = oups_buffer_new_zeroed(&offsets, (n + 1) * 8);
        if (rc == 0) rc = oups_buffer_new_zeroed(&data, 0);
    } else {
        int64_t bytes = type->id == OUPS_TYPE_BOOL ? (n + 7) / 8 : n * oups_datatype_width(type->id);
        rc = oups_buffer_new_zeroed(&data, bytes);
    }
    if (rc < 0) {
        oups_buffer_release(offsets);
        oups_buffer_release(data);
        return rc;
    }
    return oups_column_new(out, type, n, 0, 0, NULL, offsets, data);
}

/* ---- gathers ----------------------------------------------------------------------------- */

/* Outputs of this size or more are written with streaming stores (about the L2 size: a
 * smaller output is likely still cached when it is read). */
enum { NT_MIN_BYTES = 1 << 20 };

void oups_ops__asof_src_init(asof_src *S, const oups_column *f, const oups_column *d, const oups_column *miss) {
    oups_column_view_get(&S->f, f);
    oups_column_view_get(&S->d, d);
    oups_column_view_get(&S->miss, miss);
    int w = oups_datatype_width(S->d.type.id);
    S->fp = (const uint8_t *)S->f.data + S->f.offset * w;
    S->dp = (const uint8_t *)S->d.data + S->d.offset * w;
    S->mp = (const uint8_t *)S->miss.data + S->miss.offset * w;
}

/* Where slot s of row k's window comes from: the view and its row. */
#define PICK_(S, t, b, slot, np1, V, R)                                                                             \
    do {                                                                                                          \
        if ((t) >= (np1)) {                                                                                       \
            V = &(S)->d;                                                                                          \
            R = (t) - (np1);                                                                                      \
        } else if ((b) >= 0) {                                                                                    \
            V = &(S)->f;                                                                                          \
            R = (t);                                                                                              \
        } else {                                                                                                  \
            V = &(S)->miss;                                                                                       \
            R = (slot);                                                                                           \
        }                                                                                                         \
    } while (0)

typedef struct u128_ {
    uint64_t lo, hi;
} u128_;

/* Streaming (non-temporal) stores for large outputs: the rows are not read again soon, and a
 * plain store first reads each destination line into the cache (a third more memory traffic
 * for an 8-byte column). x86-64 only; elsewhere plain stores. */
#if defined(__x86_64__) && defined(__SSE2__)
#include <emmintrin.h>
#define NT_STORE_OK 1
static inline void nt_store64(uint64_t *p, uint64_t v) { _mm_stream_si64((long long *)(void *)p, (long long)v); }
static inline void nt_store32(uint32_t *p, uint32_t v) { _mm_stream_si32((int *)(void *)p, (int)v); }
static inline void nt_fence(void) { _mm_sfence(); }
#else
#define NT_STORE_OK 0
static inline void nt_store64(uint64_t *p, uint64_t v) { *p = v; }
static inline void nt_store32(uint32_t *p, uint32_t v) { *p = v; }
static inline void nt_fence(void) {}
#endif

/* One group, one slot, 4- or 8-byte values of a large output: streaming stores. */
#define DEF_GATHER_NT(NAME, T, STORE)                                                                             \
    static void NAME(T *o, const asof_src *srcs, const int64_t *base, int64_t nb, int64_t np1) {                    \
        const T *d = (const T *)srcs->dp, *f = (const T *)srcs->fp, *ms = (const T *)srcs->mp;                     \
        for (int64_t k = 0; k < nb; k++) {                                                                        \
            if ((k & 7) == 0) oups_prefetch(d + base[k] + PREFETCH_AHEAD);                                        \
            int64_t b = base[k];                                                                                  \
            STORE(&o[k], OUPS_LIKELY(b >= np1) ? d[b - np1] : b >= 0 ? f[b] : ms[0]);                               \
        }                                                                                                         \
        nt_fence();                                                                                               \
    }
DEF_GATHER_NT(gather32_nt, uint32_t, nt_store32)
DEF_GATHER_NT(gather64_nt, uint64_t, nt_store64)

/* Fixed-width gather of `ns` window slots at once, one function per width: the group, base
 * and source pointer are read once per row. A window wholly inside the table (b >= np1, the
 * common case) is a short copy of consecutive values. */
#define DEF_GATHER(NAME, T)                                                                                       \
    static void NAME(T *const *out, int ns, const asof_src *srcs, const int32_t *grp, const int64_t *base,         \
                     int64_t nb, int64_t np1) {                                                                   \
        if (!grp && ns == 1) { /* one group, one slot: the as-of value itself */                                   \
            const T *d = (const T *)srcs->dp, *f = (const T *)srcs->fp, *ms = (const T *)srcs->mp;                 \
            T *o = out[0];                                                                                        \
            for (int64_t k = 0; k < nb; k++) {                                                                    \
                int64_t b = base[k];                                                                              \
                if (OUPS_LIKELY(b >= np1)) o[k] = d[b - np1];                                                     \
                else o[k] = b >= 0 ? f[b] : ms[0];                                                                \
            }                                                                                                     \
            return;                                                                                               \
        }                                                                                                         \
        for (int64_t k = 0; k < nb; k++) {                                                                        \
            const asof_src *S = grp ? &srcs[grp[k]] : srcs;                                                       \
            int64_t b = base[k];                                                                                  \
            if (OUPS_LIKELY(b >= np1)) {                                                                          \
                const T *p = (const T *)S->dp + (b - np1);                                                        \
                for (int s = 0; s < ns; s++) out[s][k] = p[s];                                                    \
                continue;                                                                                         \
            }                                                                                                     \
            for (int s = 0; s < ns; s++) {                                                                        \
                int64_t t = b + s;                                                                                \
                out[s][k] = t >= np1 ? ((const T *)S->dp)[t - np1]                                                \
                            : b >= 0 ? ((const T *)S->fp)[t] : ((const T *)S->mp)[s];                             \
            }                                                                                                     \
        }                                                                                                         \
    }

DEF_GATHER(gather8, uint8_t)
DEF_GATHER(gather16, uint16_t)
DEF_GATHER(gather32, uint32_t)
DEF_GATHER(gather64, uint64_t)
DEF_GATHER(gather128, u128_)

static inline bool view_valid(const oups_column_view *v, int64_t r) {
    return !v->validity || oups_bit_get(v->validity, v->offset + r);
}

/* Bit-packed output (bool values or validity) of one slot: 8 rows per output byte. `values`
 * selects the value bits (bool data) rather than validity bits. */
static void gather_bits(uint8_t *out, const asof_src *srcs, const int32_t *grp, const int64_t *base, int64_t nb,
                        int slot, int64_t np1, bool values) {
    /* Validity of one group whose table has no nulls: 8 rows all inside the table are 0xff. */
    bool table_valid = !grp && !values && !srcs->d.validity;
    for (int64_t k0 = 0; k0 < nb; k0 += 8) {
        unsigned byte = 0;
        int64_t kn = nb - k0 < 8 ? nb - k0 : 8;
        if (table_valid && kn == 8) {
            int inside = 1;
            for (int q = 0; q < 8; q++) inside &= base[k0 + q] + slot >= np1;
            if (inside) {
                out[k0 >> 3] = 0xff;
                continue;
            }
        }
        for (int64_t q = 0; q < kn; q++) {
            int64_t k = k0 + q;
            const asof_src *S = &srcs[grp ? grp[k] : 0];
            int64_t b = base[k], t = b + slot, r;
            const oups_column_view *v;
            PICK_(S, t, b, slot, np1, v, r);
            bool bit = values ? oups_bit_get(v->data, v->offset + r) : view_valid(v, r);
            byte |= (unsigned)bit << q;
        }
        out[k0 >> 3] = (uint8_t)byte;
    }
}

static int gather_bytes(asof_out *o, int64_t row0, const asof_src *srcs, const int32_t *grp, const int64_t *base,
                        int64_t nb, int slot, int64_t np1) {
    int64_t *offs = (int64_t *)o->offsets->data;
    for (int64_t k = 0; k < nb; k++) {
        const asof_src *S = &srcs[grp ? grp[k] : 0];
        int64_t b = base[k], t = b + slot, r;
        const oups_column_view *v;
        PICK_(S, t, b, slot, np1, v, r);
        int64_t s0 = v->offsets[v->offset + r], len = v->offsets[v->offset + r + 1] - s0;
        if (o->bytes + len > o->data->size) {
            int64_t want = (o->bytes + len) * 2;
            OUPS_TRY(oups_buffer_resize(o->data, want));
        }
        if (len) memcpy(o->data->data + o->bytes, (const uint8_t *)v->data + s0, (size_t)len);
        o->bytes += len;
        offs[row0 + k + 1] = o->bytes;
    }
    return 0;
}

int oups_ops__asof_gather(asof_out *outs, int ns, int64_t row0, int64_t nb, const asof_src *srcs, const int32_t *grp,
                          const int64_t *base, int64_t np1) {
    if (nb <= 0) return 0;
    const asof_out *o0 = &outs[0];
    if (oups_type_is_binary(o0->type.id)) {
        for (int s = 0; s < ns; s++) OUPS_TRY(gather_bytes(&outs[s], row0, srcs, grp, base, nb, s, np1));
    } else if (o0->type.id == OUPS_TYPE_BOOL) {
        for (int s = 0; s < ns; s++) gather_bits(outs[s].data->data + (row0 >> 3), srcs, grp, base, nb, s, np1, true);
    } else {
        void *ptrs[64], **p = ns <= 64 ? ptrs : oups_malloc_array((size_t)ns, sizeof *p);
        if (!p) return OUPS_ENOMEM;
        for (int s = 0; s < ns; s++) p[s] = outs[s].data->data + row0 * o0->width;
        bool nt = NT_STORE_OK && !grp && ns == 1 && o0->n * o0->width >= NT_MIN_BYTES;
        if (nt && o0->width == 8) gather64_nt((uint64_t *)p[0], srcs, base, nb, np1);
        else if (nt && o0->width == 4) gather32_nt((uint32_t *)p[0], srcs, base, nb, np1);
        else switch (o0->width) {
        case 1: gather8((uint8_t *const *)p, ns, srcs, grp, base, nb, np1); break;
        case 2: gather16((uint16_t *const *)p, ns, srcs, grp, base, nb, np1); break;
        case 4: gather32((uint32_t *const *)p, ns, srcs, grp, base, nb, np1); break;
        case 8: gather64((uint64_t *const *)p, ns, srcs, grp, base, nb, np1); break;
        default: gather128((u128_ *const *)p, ns, srcs, grp, base, nb, np1); break;
        }
        if (p != ptrs) oups_free(p);
    }
    for (int s = 0; s < ns; s++)
        if (outs[s].validity) gather_bits(outs[s].validity->data + (row0 >> 3), srcs, grp, base, nb, s, np1, false);
    return 0;
}
