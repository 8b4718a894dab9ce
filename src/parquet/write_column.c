/*
 * parquet/write_column.c: encode one column chunk. Rows are cut into pages of about
 * page_size uncompressed bytes; each page gets RLE definition levels (every column is
 * OPTIONAL, max level 1), its non-null values converted to the physical type (PLAIN,
 * DELTA_BINARY_PACKED, or dictionary indices), and is compressed whole (v1) or values only
 * (v2). Columns other than bool and FLBA decimals try a dictionary first and fall back to
 * PLAIN for the rest of the chunk once it passes dictionary_page_limit (or right away when the
 * first page is mostly distinct values). Value and level encoders are in enc_*.c, compression
 * in codec.c, headers in meta.c, statistics in write_stats.c. Spec: Encodings.md, parquet.thrift.
 */
#include <inttypes.h>
#include <limits.h>

#include "parquet/codec.h"
#include "parquet/encoding.h"
#include "parquet/write.h"

/* One data page, remembered for the chunk metadata and page index. */
typedef struct page_info {
    int64_t offset; /* in the data-pages buffer, header included */
    int64_t size;   /* header + compressed body */
    int64_t first_row, rows;
    oups_pqw_stats st;
    uint32_t crc; /* page_checksums: CRC-32 of the page's data, then of its header */
} page_info;

/* Dictionary of a chunk. Byte arrays: entry i is the value at column element item[i] (its
 * first occurrence), so entries and statistics point into the column and never move.
 * Fixed-width values (4 or 8 bytes): item[i] holds the physical value's bits. */
/* A hash slot. Fixed-width keys live in the slot itself, so a lookup touches one cache line. */
typedef struct dict_slot {
    uint64_t key;  /* fixed width: the value's bits; byte arrays: the column element */
    uint32_t hash;
    uint32_t ref;  /* entry + 1; 0 = empty */
} dict_slot;

typedef struct dict {
    dict_slot *slots;
    int64_t cap;     /* power of two */
    int64_t *item;
    int64_t count, item_cap;
    int64_t bytes;    /* size of the PLAIN dictionary page */
    uint32_t *stamp;  /* byte arrays: page number that last folded entry i into its statistics */
} dict;

/* Per-chunk state. */
typedef struct chunk {
    const oups_column_view *v;
    const oups_pqw_col *c;
    const oups_parquet_write_options *o;
    oups_pqw_scratch *s;
    const char *what;
    dict d;
    bool use_dict;
    bool dict_check;     /* give the dictionary up when the first values are mostly distinct */
    bool dict_checked;   /* the distinct-values check was made */
    int32_t fallback;    /* encoding of pages without the dictionary: PLAIN, DELTA or BSS */
    bool bss_check;      /* AUTO floats: whether BSS pays is decided by the first page that needs
                          * the fallback (a chunk kept in its dictionary never pays for the test) */
    int64_t dict_values; /* values dictionary-encoded so far */
    page_info *pages;
    int64_t n_pages, pages_cap;
    int64_t uncompressed; /* sum of header + uncompressed page sizes */
    unsigned enc_mask;    /* encodings of data pages (bit = Encoding value) */
    int32_t enc_count[10]; /* data pages per encoding */
    uint32_t dict_crc;     /* page_checksums: the dictionary page's, like page_info.crc */
} chunk;

/* The bytes of a value of n <= 8 bytes as one integer (distinct values of equal length give
 * distinct keys): overlapping loads instead of a variable-length copy, which showed up hot. */
static inline uint64_t short_key(const uint8_t *p, int64_t n) {
    if (n >= 4) return n == 8 ? oups_load_u64le(p) : oups_load_u32le(p) | (uint64_t)oups_load_u32le(p + n - 4) << 32;
    return n ? (uint64_t)p[0] | (uint64_t)p[n / 2] << 8 | (uint64_t)p[n - 1] << 16 : 0;
}

static uint64_t hash_bytes(const uint8_t *p, int64_t n) {
    uint64_t h = 0x9E3779B97F4A7C15ull ^ (uint64_t)n;
    if (n <= 8) {
        h = (h ^ short_key(p, n)) * 0xBF58476D1CE4E5B9ull;
    } else {
        for (; n > 8; p += 8, n -= 8) {
            h = (h ^ oups_load_u64le(p)) * 0xBF58476D1CE4E5B9ull;
            h ^= h >> 29;
        }
        h = (h ^ oups_load_u64le(p + n - 8)) * 0x94D049BB133111EBull; /* last 8, overlapping */
    }
    h ^= h >> 32;
    return h * 0x9E3779B97F4A7C15ull;
}

static inline bool bytes_equal(const uint8_t *a, const uint8_t *b, int64_t n) {
    return n <= 8 ? short_key(a, n) == short_key(b, n) : memcmp(a, b, (size_t)n) == 0;
}

static int dict_grow(dict *d) {
    int64_t cap = d->cap ? d->cap * 2 : 1024;
    dict_slot *slots = oups_calloc((size_t)cap, sizeof *slots);
    if (!slots) return OUPS_ENOMEM;
    for (int64_t i = 0; i < d->cap; i++) {
        if (!d->slots[i].ref) continue;
        int64_t j = (int64_t)d->slots[i].hash & (cap - 1);
        while (slots[j].ref) j = (j + 1) & (cap - 1);
        slots[j] = d->slots[i];
    }
    oups_free(d->slots);
    d->slots = slots;
    d->cap = cap;
    return 0;
}

/* Add entry `item` of `size` dictionary-page bytes at empty slot j; *idx its index, or -1
 * when it would pass the size limit (the caller then falls back to PLAIN). */
static int dict_add(dict *d, int64_t j, uint64_t h, int64_t item, int64_t size, int64_t limit, int64_t *idx) {
    if (d->bytes + size > limit || d->count >= INT32_MAX - 1) {
        *idx = -1;
        return 0;
    }
    if (d->count == d->item_cap) {
        int64_t cap = d->item_cap ? d->item_cap * 2 : 256;
        int64_t *it = oups_realloc(d->item, (size_t)cap * sizeof *it);
        uint32_t *stamp = oups_realloc(d->stamp, (size_t)cap * sizeof *stamp);
        if (it) d->item = it;
        if (stamp) d->stamp = stamp;
        if (!it || !stamp) return OUPS_ENOMEM;
        d->item_cap = cap;
    }
    d->item[d->count] = item;
    d->stamp[d->count] = 0;
    d->slots[j] = (dict_slot){(uint64_t)item, (uint32_t)h, (uint32_t)(d->count + 1)};
    *idx = d->count++;
    d->bytes += size;
    if (d->count * 2 > d->cap) OUPS_TRY(dict_grow(d)); /* keep probes short */
    return 0;
}

/* Index of the byte array at column element e, adding it if new. */
static int dict_find_bytes(dict *d, const oups_column_view *v, int64_t e, int64_t limit, int64_t *idx) {
    const uint8_t *data = v->data;
    const uint8_t *p = data + v->offsets[e];
    int64_t n = v->offsets[e + 1] - v->offsets[e];
    uint64_t h = hash_bytes(p, n) >> 32;
    int64_t j = (int64_t)h & (d->cap - 1);
    for (; d->slots[j].ref; j = (j + 1) & (d->cap - 1)) {
        if (d->slots[j].hash != h) continue;
        int64_t k = (int64_t)d->slots[j].ref - 1, r = d->item[k];
        if (v->offsets[r + 1] - v->offsets[r] == n && bytes_equal(data + v->offsets[r], p, n)) {
            *idx = k;
            return 0;
        }
    }
    return dict_add(d, j, h, e, 4 + n, limit, idx);
}

/* Index of a fixed-width value (its bits, `width` bytes), adding it if new. */
static inline int dict_find_fixed(dict *d, uint64_t key, int width, int64_t limit, int64_t *idx) {
    /* One multiply, then fold the high half in: bits of every key byte reach the index bits
     * (ordered keys and float bit patterns cluster under a plain multiply's low bits). */
    uint64_t h = (key ^ (key >> 29)) * 0xBF58476D1CE4E5B9ull;
    h = (h ^ (h >> 32)) & 0xffffffffu;
    int64_t j = (int64_t)h & (d->cap - 1);
    for (; d->slots[j].ref; j = (j + 1) & (d->cap - 1))
        if (d->slots[j].key == key) {
            *idx = (int64_t)d->slots[j].ref - 1;
            return 0;
        }
    return dict_add(d, j, h, (int64_t)key, width, limit, idx);
}

static void dict_free(dict *d) {
    oups_free(d->slots);
    oups_free(d->item);
    oups_free(d->stamp);
}

/* Rows of the page starting at r0: about page_size bytes of PLAIN values. */
static int64_t page_end(const chunk *k, int64_t r0) {
    const oups_column_view *v = k->v;
    int64_t n = v->length, size = k->o->page_size;
    if (k->c->physical == OUPS_PQ_BYTE_ARRAY) {
        const int64_t *of = v->offsets + v->offset;
        int64_t r = r0, acc = 0;
        while (r < n && acc < size && r - r0 < INT32_MAX / 2) {
            acc += of[r + 1] - of[r] + 4;
            r++;
        }
        return r;
    }
    int64_t rows = k->c->physical == OUPS_PQ_BOOLEAN ? size * 8 : size / k->c->width;
    if (rows < 1) rows = 1;
    if (rows > INT32_MAX / 2) rows = INT32_MAX / 2;
    return n - r0 < rows ? n : r0 + rows;
}

/* Definition levels of rows [r0, r1) (RLE hybrid, bit width 1, no length prefix). */
static int put_levels(oups_bytes *out, chunk *k, int64_t r0, int64_t r1, int64_t nulls) {
    int64_t n = r1 - r0;
    if (nulls == 0 || nulls == n) { /* one RLE run: no need to spell the levels out */
        OUPS_TRY(oups_enc__write_uleb(out, (uint64_t)n << 1));
        uint8_t b = nulls == 0;
        return oups_bytes_append(out, &b, 1);
    }
    oups_bytes *l = &k->s->lvls;
    l->len = 0;
    OUPS_TRY(oups_bytes_reserve(l, (size_t)n * 2));
    uint16_t *lv = (uint16_t *)l->data;
    for (int64_t i = 0; i < n; i++) lv[i] = oups_bit_get(k->v->validity, k->v->offset + r0 + i);
    return oups_rle_encode_u16(out, lv, n, 1);
}

/* Fixed-width physical values of the non-null rows [r0, r1): a pointer into the column when
 * the layout already matches, else converted into scratch. Checks values fit their type. */
static int fixed_values(const void **out, chunk *k, int64_t r0, int64_t r1, int64_t nulls) {
    const oups_column_view *v = k->v;
    const oups_pqw_col *c = k->c;
    oups_type_id id = v->type.id;
    int in_w = id == OUPS_TYPE_DECIMAL128 ? 16 : oups_datatype_width(id), w = c->width;
    bool to_ms = id == OUPS_TYPE_TIMESTAMP && v->type.unit == OUPS_UNIT_S;
    if (nulls == 0 && in_w == w && !to_ms && c->physical != OUPS_PQ_FLBA) {
        *out = (const uint8_t *)v->data + (v->offset + r0) * w;
        return 0;
    }
    oups_bytes *b = &k->s->vals;
    b->len = 0;
    OUPS_TRY(oups_bytes_reserve(b, (size_t)((r1 - r0) * w)));
    uint8_t *o = b->data;
    const uint8_t *src = v->data;
    int64_t m = 0;
    for (int64_t r = r0; r < r1; r++) {
        int64_t e = v->offset + r;
        if (nulls && !oups_bit_get(v->validity, e)) continue;
        const uint8_t *p = src + e * in_w;
        switch (id) {
        case OUPS_TYPE_INT8: ((int32_t *)o)[m] = *(const int8_t *)p; break;
        case OUPS_TYPE_INT16: ((int32_t *)o)[m] = *(const int16_t *)p; break;
        case OUPS_TYPE_UINT8: ((int32_t *)o)[m] = *p; break;
        case OUPS_TYPE_UINT16: ((int32_t *)o)[m] = *(const uint16_t *)p; break;
        case OUPS_TYPE_DECIMAL128: {
            /* The unscaled value must be the sign extension of its low w bytes. */
            uint8_t ext = (p[w - 1] & 0x80) ? 0xFF : 0;
            for (int j = w; j < 16; j++)
                if (p[j] != ext)
                    return oups_error_set(OUPS_EOVERFLOW,
                                          "%s: column '%s': row %" PRId64 ": decimal value exceeds precision %d",
                                          k->what, c->name, r, (int)v->type.precision);
            if (c->physical == OUPS_PQ_FLBA) {
                for (int j = 0; j < w; j++) o[m * w + j] = p[w - 1 - j]; /* big-endian */
            } else {
                memcpy(o + m * w, p, (size_t)w);
            }
            break;
        }
        default:
            if (to_ms) {
                int64_t x;
                memcpy(&x, p, 8);
                if (x > INT64_MAX / 1000 || x < INT64_MIN / 1000)
                    return oups_error_set(OUPS_EOVERFLOW,
                                          "%s: column '%s': row %" PRId64 ": timestamp[s] %" PRId64
                                          " does not fit timestamp[ms]",
                                          k->what, c->name, r, x);
                x *= 1000;
                memcpy(o + m * 8, &x, 8);
            } else {
                memcpy(o + m * w, p, (size_t)w);
            }
        }
        m++;
    }
    *out = o;
    return 0;
}

static int bss_pays(chunk *k, bool *pays);

/* PLAIN / DELTA / BSS values of a non-dictionary page, appended to `out`. */
static int put_values(oups_bytes *out, chunk *k, int64_t r0, int64_t r1, int64_t nulls, oups_pqw_stats *st,
                      int32_t *enc) {
    const oups_column_view *v = k->v;
    const oups_pqw_col *c = k->c;
    int64_t nv = r1 - r0 - nulls;
    *enc = OUPS_PQ_ENC_PLAIN;
    if (c->physical == OUPS_PQ_BOOLEAN) {
        const uint8_t *bits = v->data;
        int64_t off = v->offset + r0;
        if (nulls) { /* gather the valid bits */
            oups_bytes *b = &k->s->vals;
            b->len = 0;
            OUPS_TRY(oups_bytes_reserve(b, (size_t)(nv / 8 + 1)));
            memset(b->data, 0, (size_t)(nv / 8 + 1));
            int64_t m = 0;
            for (int64_t e = off; e < v->offset + r1; e++)
                if (oups_bit_get(v->validity, e)) oups_bit_set(b->data, m++, oups_bit_get(bits, e));
            bits = b->data, off = 0;
        }
        if (k->o->statistics) oups_pqw__stats_bool(st, bits, off, nv);
        return oups_plain_encode_bool(out, bits, off, nv);
    }
    if (c->physical == OUPS_PQ_BYTE_ARRAY) {
        if (k->o->statistics) oups_pqw__stats_rows(st, c, v, r0, r1);
        const int64_t *of = v->offsets + v->offset + r0;
        const uint8_t *data = v->data;
        if (nulls) { /* compact the offsets of the valid rows; bytes stay where they are */
            oups_bytes *b = &k->s->offs, *d = &k->s->vals;
            b->len = d->len = 0;
            OUPS_TRY(oups_bytes_reserve(b, (size_t)(nv + 1) * 8));
            int64_t *o = (int64_t *)b->data, m = 0;
            o[0] = 0;
            for (int64_t r = r0; r < r1; r++) {
                int64_t e = v->offset + r;
                if (!oups_bit_get(v->validity, e)) continue;
                OUPS_TRY(oups_bytes_append(d, data + v->offsets[e], (size_t)(v->offsets[e + 1] - v->offsets[e])));
                o[++m] = (int64_t)d->len;
            }
            of = o, data = d->data;
        }
        return oups_plain_encode_byte_array(out, of, data, nv);
    }
    if (k->bss_check) { /* before fixed_values: the test uses its scratch too */
        bool pays;
        k->bss_check = false;
        OUPS_TRY(bss_pays(k, &pays));
        if (pays) k->fallback = OUPS_PQ_ENC_BYTE_STREAM_SPLIT;
    }
    const void *vals = NULL;
    OUPS_TRY(fixed_values(&vals, k, r0, r1, nulls));
    if (k->o->statistics) {
        if (c->order == OUPS_PQW_FLBA_SIGNED) oups_pqw__stats_rows(st, c, v, r0, r1);
        else oups_pqw__stats_values(st, c, vals, nv);
    }
    *enc = k->fallback;
    if (k->fallback == OUPS_PQ_ENC_DELTA_BINARY_PACKED)
        return c->width == 4 ? oups_delta_encode_i32(out, vals, nv) : oups_delta_encode_i64(out, vals, nv);
    if (k->fallback == OUPS_PQ_ENC_BYTE_STREAM_SPLIT) return oups_bss_encode(out, vals, c->width, nv);
    return oups_bytes_append(out, vals, (size_t)(nv * c->width));
}

/* Values seen before a chunk's dictionary must prove itself (distinct <= half of them). */
#define DICT_CHECK_AT 16384

/* Dictionary indices of the non-null rows [r0, r1) into ix; *m their count. Statistics of
 * byte arrays come from the page's distinct entries, of fixed-width values from the values.
 * *m = -1 when the dictionary would pass its limit. */
static int page_indices(chunk *k, uint32_t *ix, int64_t *m, int64_t r0, int64_t r1, int64_t nulls,
                        oups_pqw_stats *st) {
    const oups_column_view *v = k->v;
    dict *d = &k->d;
    int64_t limit = k->o->dictionary_page_limit, i, n = 0;
    /* index of the value where the distinct-values check falls, to give up before hashing on */
    int64_t early = k->dict_checked || !k->dict_check ? -1 : DICT_CHECK_AT - 1 - k->dict_values;
    *m = -1;
    if (k->c->physical != OUPS_PQ_BYTE_ARRAY) {
        const void *vals;
        OUPS_TRY(fixed_values(&vals, k, r0, r1, nulls));
        int64_t nv = r1 - r0 - nulls;
        int w = k->c->width;
        uint64_t last = 0;
        i = -1;
        for (int64_t j = 0; j < nv; j++) {
            if (j == early && d->count * 2 > DICT_CHECK_AT) return 0;
            uint64_t key = w == 4 ? ((const uint32_t *)vals)[j] : ((const uint64_t *)vals)[j];
            if (i < 0 || key != last) { /* runs of equal values (prices, flags) skip the lookup */
                OUPS_TRY(dict_find_fixed(d, key, w, limit, &i));
                if (i < 0) return 0;
                last = key;
            }
            ix[j] = (uint32_t)i;
        }
        if (k->o->statistics) oups_pqw__stats_values(st, k->c, vals, nv);
        *m = nv;
        return 0;
    }
    for (int64_t r = r0; r < r1; r++) {
        int64_t e = v->offset + r;
        if (nulls && !oups_bit_get(v->validity, e)) continue;
        OUPS_TRY(dict_find_bytes(d, v, e, limit, &i));
        if (i < 0 || (n == early && d->count * 2 > DICT_CHECK_AT)) return 0;
        ix[n++] = (uint32_t)i;
    }
    uint32_t stamp = (uint32_t)k->n_pages + 1;
    if (k->o->statistics) /* each distinct entry of the page once */
        for (int64_t j = 0; j < n; j++) {
            if (d->stamp[ix[j]] == stamp) continue;
            d->stamp[ix[j]] = stamp;
            int64_t e = d->item[ix[j]];
            oups_pqw__stats_one_bytes(st, (const uint8_t *)v->data + v->offsets[e], v->offsets[e + 1] - v->offsets[e]);
        }
    *m = n;
    return 0;
}

/* Dictionary-encoded values of a page: bit width byte + RLE hybrid indices. *ok = false
 * (nothing appended) when the dictionary is abandoned: past its size limit, or holding more
 * distinct values than half the values once DICT_CHECK_AT values were seen (PLAIN is then
 * about as small and cheaper). */
static int put_indices(oups_bytes *out, chunk *k, int64_t r0, int64_t r1, int64_t nulls, oups_pqw_stats *st,
                       bool *ok) {
    dict *d = &k->d;
    int64_t count0 = d->count, bytes0 = d->bytes, m;
    oups_bytes *b = &k->s->lvls; /* the levels are already in the page */
    b->len = 0;
    OUPS_TRY(oups_bytes_reserve(b, (size_t)(r1 - r0) * 4));
    uint32_t *ix = (uint32_t *)b->data;
    oups_pqw_stats pst = *st;
    OUPS_TRY(page_indices(k, ix, &m, r0, r1, nulls, &pst));
    bool check = m >= 0 && k->dict_check && !k->dict_checked && k->dict_values + m >= DICT_CHECK_AT;
    if (check) k->dict_checked = true;
    if (m < 0 || (check && d->count * 2 > k->dict_values + m)) {
        d->count = count0, d->bytes = bytes0; /* later lookups never happen */
        *ok = false;
        return 0;
    }
    k->dict_values += m;
    *st = pst;
    uint8_t bw = (uint8_t)oups_bit_width(d->count ? (uint64_t)d->count - 1 : 0);
    OUPS_TRY(oups_bytes_append(out, &bw, 1));
    *ok = true;
    return oups_rle_encode_u32(out, ix, m, bw);
}

/* Compress src into scratch (or pass it through); the result in *p, *pn. */
static int compress(chunk *k, const uint8_t *src, size_t n, const uint8_t **p, size_t *pn) {
    if (k->o->codec == OUPS_CODEC_UNCOMPRESSED) {
        *p = src, *pn = n;
        return 0;
    }
    k->s->comp.len = 0;
    OUPS_TRY(oups_codec_compress(k->o->codec, k->o->codec_level, src, n, &k->s->comp));
    *p = k->s->comp.data, *pn = k->s->comp.len;
    return 0;
}

/* Append header + body parts to dst; *total gets the bytes appended. With page_checksums the
 * header carries the standard CRC of the body (a ++ b) and *crc gets that CRC continued over
 * the header bytes: the footer lists it (writer.c), so that a reader checks every byte of a
 * page it decodes, header included, before trusting it. */
static int emit(oups_bytes *dst, chunk *k, oups_pq_page_header *h, const uint8_t *a, size_t na,
                const uint8_t *b, size_t nb, int64_t *total, uint32_t *crc) {
    oups_bytes *hb = &k->s->hdr;
    hb->len = 0;
    uint32_t body = 0;
    if (k->o->page_checksums) {
        body = oups_crc32(oups_crc32(0, a, na), b, nb);
        h->has_crc = true;
        h->crc = (int32_t)body;
    }
    OUPS_TRY(oups_parquet__write_page_header(hb, h));
    *crc = oups_crc32(body, hb->data, hb->len);
    OUPS_TRY(oups_bytes_reserve(dst, hb->len + na + nb));
    OUPS_TRY(oups_bytes_append(dst, hb->data, hb->len));
    if (na) OUPS_TRY(oups_bytes_append(dst, a, na));
    if (nb) OUPS_TRY(oups_bytes_append(dst, b, nb));
    *total = (int64_t)(hb->len + na + nb);
    k->uncompressed += (int64_t)hb->len + h->uncompressed_page_size;
    return 0;
}

static int too_big(chunk *k, int64_t r0) {
    return oups_error_set(OUPS_EOVERFLOW, "%s: column '%s': page at row %" PRId64 " exceeds 2 GiB", k->what,
                          k->c->name, r0);
}

/* Encode rows [r0, r1) as one data page appended to s->data. */
static int write_page(chunk *k, int64_t r0, int64_t r1) {
    const oups_column_view *v = k->v;
    oups_pqw_scratch *s = k->s;
    int64_t n = r1 - r0;
    int64_t nulls = v->validity ? n - oups_bits_count(v->validity, v->offset + r0, n) : 0;
    bool v2 = k->o->data_page_version == 2;
    oups_bytes *pg = &s->page;
    pg->len = 0;
    if (!v2) OUPS_TRY(oups_bytes_append(pg, "\0\0\0\0", 4)); /* v1: levels length, patched below */
    OUPS_TRY(put_levels(pg, k, r0, r1, nulls));
    size_t lvl_end = pg->len;
    if (!v2) oups_store_u32le(pg->data, (uint32_t)(lvl_end - 4));

    oups_pqw_stats st = {0};
    st.null_count = nulls;
    int32_t enc = OUPS_PQ_ENC_PLAIN;
    bool ok = false;
    if (k->use_dict && (n > nulls || k->d.count > 0)) { /* no dictionary page for nulls only */
        OUPS_TRY(put_indices(pg, k, r0, r1, nulls, &st, &ok));
        if (ok) enc = v2 ? OUPS_PQ_ENC_RLE_DICTIONARY : OUPS_PQ_ENC_PLAIN_DICTIONARY;
        else k->use_dict = false;
    }
    if (!ok) OUPS_TRY(put_values(pg, k, r0, r1, nulls, &st, &enc));
    if (pg->len > INT32_MAX) return too_big(k, r0);

    oups_pq_page_header h;
    oups_parquet__page_header_init(&h);
    h.uncompressed_page_size = (int32_t)pg->len;
    const uint8_t *body;
    size_t body_n, head_n = v2 ? lvl_end : 0;
    OUPS_TRY(compress(k, pg->data + head_n, pg->len - head_n, &body, &body_n));
    if (head_n + body_n > INT32_MAX) return too_big(k, r0);
    h.compressed_page_size = (int32_t)(head_n + body_n);
    if (v2) {
        h.type = OUPS_PQ_PAGE_DATA_V2;
        h.has_data_v2 = true;
        h.data_v2.num_values = (int32_t)n;
        h.data_v2.num_nulls = (int32_t)nulls;
        h.data_v2.num_rows = (int32_t)n;
        h.data_v2.encoding = enc;
        h.data_v2.def_levels_byte_length = (int32_t)lvl_end;
        h.data_v2.rep_levels_byte_length = 0;
        h.data_v2.is_compressed = k->o->codec != OUPS_CODEC_UNCOMPRESSED;
    } else {
        h.type = OUPS_PQ_PAGE_DATA;
        h.has_data_v1 = true;
        h.data_v1.num_values = (int32_t)n;
        h.data_v1.encoding = enc;
        h.data_v1.def_level_encoding = OUPS_PQ_ENC_RLE;
        h.data_v1.rep_level_encoding = OUPS_PQ_ENC_RLE;
    }
    if (k->n_pages == k->pages_cap) {
        int64_t cap = k->pages_cap ? k->pages_cap * 2 : 16;
        page_info *p = oups_realloc(k->pages, (size_t)cap * sizeof *p);
        if (!p) return OUPS_ENOMEM;
        k->pages = p, k->pages_cap = cap;
    }
    page_info *pi = &k->pages[k->n_pages];
    pi->offset = (int64_t)s->data.len;
    pi->first_row = r0, pi->rows = n, pi->st = st;
    OUPS_TRY(emit(&s->data, k, &h, pg->data, head_n, body, body_n, &pi->size, &pi->crc));
    k->n_pages++;
    k->enc_mask |= 1u << enc;
    k->enc_count[enc]++;
    return 0;
}

/* The PLAIN dictionary page, appended to `out`. */
static int write_dict_page(chunk *k, oups_bytes *out, int64_t *size) {
    const oups_column_view *v = k->v;
    oups_bytes *pg = &k->s->page;
    pg->len = 0;
    OUPS_TRY(oups_bytes_reserve(pg, (size_t)k->d.bytes));
    for (int64_t i = 0; i < k->d.count && k->c->physical != OUPS_PQ_BYTE_ARRAY; i++) {
        uint8_t le[8]; /* PLAIN: the value's low `width` bytes, little-endian */
        oups_store_u64le(le, (uint64_t)k->d.item[i]);
        OUPS_TRY(oups_bytes_append(pg, le, (size_t)k->c->width));
    }
    for (int64_t i = 0; i < k->d.count && k->c->physical == OUPS_PQ_BYTE_ARRAY; i++) {
        int64_t e = k->d.item[i], n = v->offsets[e + 1] - v->offsets[e];
        uint8_t len[4];
        oups_store_u32le(len, (uint32_t)n);
        OUPS_TRY(oups_bytes_append(pg, len, 4));
        OUPS_TRY(oups_bytes_append(pg, (const uint8_t *)v->data + v->offsets[e], (size_t)n));
    }
    oups_pq_page_header h;
    oups_parquet__page_header_init(&h);
    h.type = OUPS_PQ_PAGE_DICTIONARY;
    h.uncompressed_page_size = (int32_t)pg->len;
    h.has_dict = true;
    h.dict.num_values = (int32_t)k->d.count;
    /* v1 files say PLAIN_DICTIONARY as older readers expect; v2 files use the current name. */
    h.dict.encoding = k->o->data_page_version == 2 ? OUPS_PQ_ENC_PLAIN : OUPS_PQ_ENC_PLAIN_DICTIONARY;
    const uint8_t *body;
    size_t body_n;
    OUPS_TRY(compress(k, pg->data, pg->len, &body, &body_n));
    if (body_n > INT32_MAX) return too_big(k, 0);
    h.compressed_page_size = (int32_t)body_n;
    return emit(out, k, &h, NULL, 0, body, body_n, size, &k->dict_crc);
}

static const uint8_t empty_str[1] = {0};

/* ColumnIndex + OffsetIndex of the chunk; data pages start at file offset `base`. */
static int build_page_index(oups_pqw_page_index *pi, chunk *k, int64_t base, oups_pq_arena *a) {
    int64_t np = k->n_pages;
    pi->oi.n_pages = (int32_t)np;
    pi->oi.pages = oups_parquet__arena_alloc(a, (size_t)np * sizeof *pi->oi.pages);
    if (!pi->oi.pages) return OUPS_ENOMEM;
    for (int64_t i = 0; i < np; i++) {
        pi->oi.pages[i].offset = base + k->pages[i].offset;
        pi->oi.pages[i].compressed_page_size = (int32_t)k->pages[i].size;
        pi->oi.pages[i].first_row_index = k->pages[i].first_row;
    }
    pi->has_column_index = false;
    if (!k->o->statistics) return 0;
    oups_pq_column_index *ci = &pi->ci;
    ci->n_pages = (int32_t)np;
    ci->null_pages = oups_parquet__arena_alloc(a, (size_t)np * sizeof *ci->null_pages);
    ci->min_values = oups_parquet__arena_alloc(a, (size_t)np * sizeof *ci->min_values);
    ci->max_values = oups_parquet__arena_alloc(a, (size_t)np * sizeof *ci->max_values);
    ci->null_counts = oups_parquet__arena_alloc(a, (size_t)np * sizeof *ci->null_counts);
    if (!ci->null_pages || !ci->min_values || !ci->max_values || !ci->null_counts) return OUPS_ENOMEM;
    bool asc = true, desc = true;
    const oups_pqw_stats *prev = NULL;
    for (int64_t i = 0; i < np; i++) {
        const page_info *p = &k->pages[i];
        ci->null_counts[i] = p->st.null_count;
        ci->null_pages[i] = p->st.null_count == p->rows;
        if (ci->null_pages[i]) {
            ci->min_values[i] = ci->max_values[i] = (oups_pq_str){empty_str, 0};
            continue;
        }
        oups_pq_stats e;
        OUPS_TRY(oups_pqw__stats_encode(&e, a, &p->st, k->c));
        /* A non-null page without bounds (all NaN, or a max that cannot be truncated): no
         * ColumnIndex for this chunk, as readers would otherwise skip the page wrongly. */
        if (!e.min_value.ptr || !e.max_value.ptr) return 0;
        ci->min_values[i] = e.min_value;
        ci->max_values[i] = e.max_value;
        if (prev) {
            int cmin = oups_pqw__stats_cmp(&p->st, prev, k->c, 0), cmax = oups_pqw__stats_cmp(&p->st, prev, k->c, 1);
            if (cmin < 0 || cmax < 0) asc = false;
            if (cmin > 0 || cmax > 0) desc = false;
        }
        prev = &p->st;
    }
    ci->boundary_order = asc ? OUPS_PQ_BOUNDARY_ASCENDING : desc ? OUPS_PQ_BOUNDARY_DESCENDING
                                                               : OUPS_PQ_BOUNDARY_UNORDERED;
    pi->has_column_index = true;
    return 0;
}

/* ColumnMetaData of the finished chunk. */
static int fill_meta(oups_pq_column_chunk *cc, chunk *k, int64_t file_pos, int64_t dict_size, int64_t total,
                     oups_pq_arena *a) {
    oups_parquet__column_chunk_init(cc);
    oups_pq_column_meta *m = &cc->meta;
    cc->file_offset = file_pos;
    cc->has_meta = true;
    m->type = k->c->physical;
    int32_t dict_enc = k->o->data_page_version == 2 ? OUPS_PQ_ENC_PLAIN : OUPS_PQ_ENC_PLAIN_DICTIONARY;
    unsigned mask = k->enc_mask | 1u << OUPS_PQ_ENC_RLE | (dict_size ? 1u << dict_enc : 0);
    m->encodings = oups_parquet__arena_alloc(a, 10 * sizeof *m->encodings);
    m->encoding_stats = oups_parquet__arena_alloc(a, 11 * sizeof *m->encoding_stats);
    m->path = oups_parquet__arena_alloc(a, sizeof *m->path);
    if (!m->encodings || !m->encoding_stats || !m->path) return OUPS_ENOMEM;
    for (int e = 0; e < 10; e++)
        if (mask & (1u << e)) m->encodings[m->n_encodings++] = e;
    if (dict_size) m->encoding_stats[m->n_encoding_stats++] = (oups_pq_page_enc_stats){OUPS_PQ_PAGE_DICTIONARY, dict_enc, 1};
    int32_t ptype = k->o->data_page_version == 2 ? OUPS_PQ_PAGE_DATA_V2 : OUPS_PQ_PAGE_DATA;
    for (int e = 0; e < 10; e++)
        if (k->enc_count[e]) m->encoding_stats[m->n_encoding_stats++] = (oups_pq_page_enc_stats){ptype, e, k->enc_count[e]};
    m->n_path = 1;
    m->path[0] = (oups_pq_str){(const uint8_t *)k->c->name, (int64_t)strlen(k->c->name)};
    m->codec = k->o->codec;
    m->num_values = k->v->length;
    m->total_uncompressed_size = k->uncompressed;
    m->total_compressed_size = total;
    m->dictionary_page_offset = dict_size ? file_pos : -1;
    m->data_page_offset = file_pos + dict_size;
    if (k->o->statistics) {
        oups_pqw_stats cs = {0};
        for (int64_t i = 0; i < k->n_pages; i++) oups_pqw__stats_merge(&cs, &k->pages[i].st, k->c);
        OUPS_TRY(oups_pqw__stats_encode(&m->stats, a, &cs, k->c));
        m->has_stats = true;
    }
    return 0;
}

/* Rows sampled from the start of a chunk to choose its encoding (AUTO). */
#define SAMPLE_ROWS 4096

/* Value of integer-like element e as the physical type's bits (sign- or zero-extended). */
static uint64_t int_at(const oups_column_view *v, int64_t e) {
    const uint8_t *p = (const uint8_t *)v->data;
    switch (v->type.id) {
    case OUPS_TYPE_INT8: return (uint64_t)(int64_t)((const int8_t *)p)[e];
    case OUPS_TYPE_UINT8: return p[e];
    case OUPS_TYPE_INT16: return (uint64_t)(int64_t)((const int16_t *)p)[e];
    case OUPS_TYPE_UINT16: return ((const uint16_t *)p)[e];
    case OUPS_TYPE_INT32:
    case OUPS_TYPE_DATE32: return (uint64_t)(int64_t)((const int32_t *)p)[e];
    case OUPS_TYPE_UINT32: return ((const uint32_t *)p)[e];
    default: return ((const uint64_t *)p)[e]; /* int64, uint64, timestamps (seconds as such) */
    }
}

/* Sample of an integer column: are its first values non-decreasing, and how many bits per
 * value would DELTA_BINARY_PACKED spend on them (mean miniblock width of the deltas)? */
static void sample_deltas(const chunk *k, bool *sorted, double *bits) {
    const oups_column_view *v = k->v;
    bool narrow = k->c->width == 4;
    uint64_t prev = 0, d[32];
    int64_t nd = 0, widths = 0, minis = 0;
    bool have = false;
    *sorted = true;
    for (int64_t r = 0; r < v->length && r < SAMPLE_ROWS; r++) {
        int64_t e = v->offset + r;
        if (v->validity && !oups_bit_get(v->validity, e)) continue;
        uint64_t x = int_at(v, e);
        if (have) {
            int64_t delta = narrow ? (int64_t)(int32_t)(uint32_t)(x - prev) : (int64_t)(x - prev);
            if (delta < 0) *sorted = false;
            d[nd++] = (uint64_t)delta;
            if (nd == 32) {
                uint64_t lo = d[0], hi = d[0];
                for (int j = 1; j < 32; j++) {
                    if ((int64_t)d[j] < (int64_t)lo) lo = d[j];
                    if ((int64_t)d[j] > (int64_t)hi) hi = d[j];
                }
                widths += oups_bit_width(hi - lo);
                minis++;
                nd = 0;
            }
        }
        prev = x, have = true;
    }
    *bits = minis ? (double)widths / (double)minis : 8.0 * k->c->width;
}

/* Does BYTE_STREAM_SPLIT make the chunk's first values compress smaller than PLAIN? */
static int bss_pays(chunk *k, bool *pays) {
    *pays = false;
    int64_t r1 = k->v->length < SAMPLE_ROWS ? k->v->length : SAMPLE_ROWS;
    int64_t nulls = k->v->validity ? r1 - oups_bits_count(k->v->validity, k->v->offset, r1) : 0;
    int64_t nv = r1 - nulls;
    if (nv < 256) return 0;
    const void *vals;
    OUPS_TRY(fixed_values(&vals, k, 0, r1, nulls));
    /* s->page may hold the levels of the page being built: the BSS sample goes elsewhere */
    oups_bytes bss = {0}, *comp = &k->s->comp;
    comp->len = 0;
    int rc = oups_bss_encode(&bss, vals, k->c->width, nv);
    if (rc == 0) rc = oups_codec_compress(k->o->codec, k->o->codec_level, vals, (size_t)nv * (size_t)k->c->width, comp);
    size_t plain = comp->len;
    comp->len = 0;
    if (rc == 0) rc = oups_codec_compress(k->o->codec, k->o->codec_level, bss.data, bss.len, comp);
    *pays = comp->len * 10 < plain * 9; /* a clear gain only: BSS costs a pass */
    oups_bytes_free(&bss);
    return rc;
}

/* How the chunk's values are encoded: the column's choice, or for AUTO from a sample. */
static int choose_encoding(chunk *k) {
    const oups_pqw_col *c = k->c;
    k->fallback = OUPS_PQ_ENC_PLAIN;
    k->use_dict = false;
    k->dict_check = true;
    switch (c->enc) {
    case OUPS_PARQUET_ENCODING_PLAIN: return 0;
    case OUPS_PARQUET_ENCODING_DICTIONARY: k->use_dict = true, k->dict_check = false; return 0;
    case OUPS_PARQUET_ENCODING_DELTA: k->fallback = OUPS_PQ_ENC_DELTA_BINARY_PACKED; return 0;
    case OUPS_PARQUET_ENCODING_BYTE_STREAM_SPLIT: k->fallback = OUPS_PQ_ENC_BYTE_STREAM_SPLIT; return 0;
    default: break;
    }
    k->use_dict = k->o->dictionary && c->dict_ok;
    if (c->delta_ok) {
        bool sorted;
        double bits, full = 8.0 * c->width;
        sample_deltas(k, &sorted, &bits);
        /* Sorted (an ordered-on column, timestamps): deltas are the compact form, and cheaper
         * to make and to compress than a dictionary that would mostly fail its check. */
        if (sorted && bits * 2 <= full) k->use_dict = false;
        if (k->o->delta_integers || bits * 4 <= full * 3) k->fallback = OUPS_PQ_ENC_DELTA_BINARY_PACKED;
    } else if ((c->physical == OUPS_PQ_FLOAT || c->physical == OUPS_PQ_DOUBLE) &&
               k->o->codec != OUPS_CODEC_UNCOMPRESSED) {
        k->bss_check = true; /* two compressions of a sample: only if a page needs the fallback */
    }
    return 0;
}

static int write_chunk(chunk *k, oups_pq_column_chunk *cc, oups_pqw_page_index *pi, oups_bytes *out,
                       int64_t file_pos, oups_pq_arena *arena) {
    OUPS_TRY(choose_encoding(k));
    if (k->use_dict) OUPS_TRY(dict_grow(&k->d));
    for (int pass = 0; pass < 2; pass++) {
        k->s->data.len = 0;
        for (int64_t r0 = 0, r1; r0 < k->v->length; r0 = r1) {
            r1 = page_end(k, r0);
            OUPS_TRY(write_page(k, r0, r1));
        }
        /* A chunk too short for the distinct-values check, yet mostly distinct: once more in
         * PLAIN (cheap: it has fewer than DICT_CHECK_AT values). */
        if (!k->dict_check || k->dict_checked || k->d.count * 2 <= k->dict_values) break;
        k->d.count = k->d.bytes = 0;
        k->use_dict = false; /* pages go on in k->fallback */
        k->n_pages = k->uncompressed = 0;
        k->enc_mask = 0;
        memset(k->enc_count, 0, sizeof k->enc_count);
    }
    int64_t dict_size = 0;
    out->len = 0;
    if (k->d.count) OUPS_TRY(write_dict_page(k, out, &dict_size));
    if (out->len == 0) { /* no dictionary page: hand over the data pages without a copy */
        oups_bytes t = *out;
        *out = k->s->data;
        k->s->data = t;
    } else {
        OUPS_TRY(oups_bytes_append(out, k->s->data.data, k->s->data.len));
    }
    OUPS_TRY(fill_meta(cc, k, file_pos, dict_size, (int64_t)out->len, arena));
    if (!pi) return 0;
    OUPS_TRY(build_page_index(pi, k, file_pos + dict_size, arena));
    pi->n_crcs = 0;
    if (!k->o->page_checksums) return 0;
    pi->crcs = oups_parquet__arena_alloc(arena, (size_t)(k->n_pages + 1) * sizeof *pi->crcs);
    if (!pi->crcs) return OUPS_ENOMEM;
    if (dict_size) pi->crcs[pi->n_crcs++] = k->dict_crc; /* in file order: the dictionary first */
    for (int64_t i = 0; i < k->n_pages; i++) pi->crcs[pi->n_crcs++] = k->pages[i].crc;
    return 0;
}

int oups_pqw__write_chunk(oups_pq_column_chunk *cc, oups_pqw_page_index *pi, oups_bytes *out, const oups_column *col,
                          const oups_pqw_col *c, const oups_parquet_write_options *o, oups_pqw_scratch *s,
                          oups_pq_arena *arena, const char *what) {
    oups_column_view v;
    oups_column_view_get(&v, col);
    chunk k = {.v = &v, .c = c, .o = o, .s = s, .what = what};
    int rc = write_chunk(&k, cc, pi, out, 0, arena);
    dict_free(&k.d);
    oups_free(k.pages);
    return rc;
}

void oups_pqw__chunk_rebase(oups_pq_column_chunk *cc, oups_pqw_page_index *pi, int64_t pos) {
    cc->file_offset += pos;
    cc->meta.data_page_offset += pos;
    if (cc->meta.dictionary_page_offset >= 0) cc->meta.dictionary_page_offset += pos;
    for (int32_t i = 0; pi && i < pi->oi.n_pages; i++) pi->oi.pages[i].offset += pos;
}

void oups_pqw__scratch_free(oups_pqw_scratch *s) {
    oups_bytes_free(&s->vals);
    oups_bytes_free(&s->offs);
    oups_bytes_free(&s->page);
    oups_bytes_free(&s->comp);
    oups_bytes_free(&s->data);
    oups_bytes_free(&s->lvls);
    oups_bytes_free(&s->hdr);
}
