// labels: quick
/*
 * tests/parquet/test_encoding.c: the Parquet encodings of src/parquet/enc_*.c. Seeded random
 * round trips for every bit width and awkward lengths, the worked examples of Encodings.md,
 * and hostile input (every truncation, random garbage, bad header fields): decoders must
 * return OUPS_ECORRUPT or the exact values, never crash or read out of bounds (run under ASan).
 */
#include "harness.h"
#include "parquet/encoding.h"

static const int64_t lengths[] = {0, 1, 7, 8, 9, 31, 32, 33, 127, 128, 129, 1000, 4097};
#define N_LENGTHS (int)(sizeof lengths / sizeof lengths[0])
#define MAXN 4097

/* Random values below 2^bw, with runs of repeats half of the time. */
static void fill_u32(uint32_t *v, int64_t n, int bw, uint64_t *st, int runs) {
    uint64_t mask = bw == 32 ? 0xffffffffu : ((1ull << bw) - 1);
    for (int64_t i = 0; i < n;) {
        uint32_t x = (uint32_t)(test_rand(st) & mask);
        int64_t len = runs ? 1 + (int64_t)(test_rand(st) % 40) : 1;
        for (int64_t k = 0; k < len && i < n; k++) v[i++] = x;
    }
}

TEST(rle_roundtrip_u32) {
    static uint32_t v[MAXN], got[MAXN];
    uint64_t st = tests_seed();
    for (int bw = 0; bw <= 32; bw++)
        for (int li = 0; li < N_LENGTHS; li++)
            for (int runs = 0; runs < 2; runs++) {
                int64_t n = lengths[li];
                fill_u32(v, n, bw, &st, runs);
                oups_bytes b = {0};
                CHECK_OK(oups_rle_encode_u32(&b, v, n, bw));
                size_t used = 0;
                memset(got, 0xab, sizeof got);
                int rc = oups_rle_decode_u32(b.data, b.data + b.len, bw, got, n, &used);
                int same = memcmp(v, got, (size_t)n * 4) == 0;
                size_t len = b.len;
                oups_bytes_free(&b);
                CHECK_OK(rc);
                CHECK(same);
                CHECK(used == len);
            }
}

TEST(rle_roundtrip_u16) {
    static uint32_t v32[MAXN];
    static uint16_t v[MAXN], got[MAXN];
    uint64_t st = tests_seed() + 1;
    for (int bw = 0; bw <= 16; bw++)
        for (int li = 0; li < N_LENGTHS; li++) {
            int64_t n = lengths[li];
            fill_u32(v32, n, bw, &st, bw & 1);
            for (int64_t i = 0; i < n; i++) v[i] = (uint16_t)v32[i];
            oups_bytes b = {0};
            CHECK_OK(oups_rle_encode_u16(&b, v, n, bw));
            int rc = oups_rle_decode_u16(b.data, b.data + b.len, bw, got, n, NULL);
            int same = memcmp(v, got, (size_t)n * 2) == 0;
            oups_bytes_free(&b);
            CHECK_OK(rc);
            CHECK(same);
        }
    CHECK_RC(oups_rle_decode_u16(NULL, NULL, 17, got, 0, NULL), OUPS_ECORRUPT);
}

/* Encodings.md: values 0..7 bit-packed with width 3 are 10001000 11000110 11111010. */
TEST(rle_spec_vector) {
    const uint8_t packed[] = {0x03, 0x88, 0xC6, 0xFA};
    uint32_t got[8];
    size_t used;
    CHECK_OK(oups_rle_decode_u32(packed, packed + sizeof packed, 3, got, 8, &used));
    for (int i = 0; i < 8; i++) CHECK(got[i] == (uint32_t)i);
    CHECK(used == 4);
    /* a repeated run: 100 times the value 5 (width 3: one value byte) */
    const uint8_t rep[] = {200, 1, 5};
    static uint32_t many[100];
    CHECK_OK(oups_rle_decode_u32(rep, rep + sizeof rep, 3, many, 100, &used));
    CHECK(many[0] == 5 && many[99] == 5 && used == 3);
    /* the encoder makes exactly that run */
    oups_bytes b = {0};
    CHECK_OK(oups_rle_encode_u32(&b, many, 100, 3));
    int same = b.len == 3 && memcmp(b.data, rep, 3) == 0;
    oups_bytes_free(&b);
    CHECK(same);
    /* a run value that does not fit the width, and a value too wide for the encoder */
    const uint8_t bad[] = {2, 9};
    CHECK_RC(oups_rle_decode_u32(bad, bad + 2, 3, got, 1, NULL), OUPS_ECORRUPT);
    uint32_t wide = 8;
    CHECK_RC(oups_rle_encode_u32(&b, &wide, 1, 3), OUPS_EINVAL);
    oups_bytes_free(&b);
    /* width 0 with no bytes at all: zeros */
    CHECK_OK(oups_rle_decode_u32(rep, rep, 0, got, 8, NULL));
    CHECK(got[7] == 0);
}

TEST(rle_hostile) {
    static uint32_t v[MAXN], got[MAXN];
    uint64_t st = tests_seed() + 2;
    for (int bw = 1; bw <= 32; bw += 5) {
        int64_t n = 1000;
        fill_u32(v, n, bw, &st, 1);
        oups_bytes b = {0};
        CHECK_OK(oups_rle_encode_u32(&b, v, n, bw));
        /* every truncation: an error, or (padding bytes cut) the exact values */
        for (size_t cut = 0; cut < b.len; cut++) {
            uint8_t *copy = malloc(cut ? cut : 1);
            memcpy(copy, b.data, cut);
            int rc = oups_rle_decode_u32(copy, copy + cut, bw, got, n, NULL);
            int ok = rc == OUPS_ECORRUPT || (rc == 0 && memcmp(v, got, (size_t)n * 4) == 0);
            free(copy);
            if (!ok) oups_bytes_free(&b);
            CHECK(ok);
        }
        oups_bytes_free(&b);
    }
    /* random garbage never crashes */
    for (int t = 0; t < 2000; t++) {
        uint8_t junk[64];
        size_t len = test_rand(&st) % sizeof junk;
        for (size_t i = 0; i < len; i++) junk[i] = (uint8_t)test_rand(&st);
        int rc = oups_rle_decode_u32(junk, junk + len, (int)(test_rand(&st) % 33), got, 1 + (int64_t)(test_rand(&st) % MAXN), NULL);
        CHECK(rc == 0 || rc == OUPS_ECORRUPT);
    }
    /* an overlong varint header */
    const uint8_t ovl[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    CHECK_RC(oups_rle_decode_u32(ovl, ovl + sizeof ovl, 8, got, 4, NULL), OUPS_ECORRUPT);
    CHECK(oups_bit_width(0) == 0 && oups_bit_width(1) == 1 && oups_bit_width(255) == 8 && oups_bit_width(256) == 9);
    CHECK(oups_bit_width(UINT64_MAX) == 64);
}

static void fill_i64(int64_t *v, int64_t n, int kind, uint64_t *st) {
    int64_t acc = (int64_t)test_rand(st);
    for (int64_t i = 0; i < n; i++) {
        switch (kind) {
        case 0: v[i] = (int64_t)test_rand(st); break;                            /* full range: wraps */
        case 1: acc += (int64_t)(test_rand(st) % 1000); v[i] = acc; break;       /* sorted timestamps */
        case 2: v[i] = 42; break;                                                /* constant */
        case 3: v[i] = (int64_t)(test_rand(st) % 2000) - 1000; break;            /* small, signed */
        default: v[i] = (i & 1) ? INT64_MAX : INT64_MIN; break;                  /* extreme deltas */
        }
    }
}

TEST(delta_roundtrip) {
    static int64_t v[MAXN], got[MAXN];
    static int32_t v32[MAXN], got32[MAXN];
    uint64_t st = tests_seed() + 3;
    for (int kind = 0; kind < 5; kind++)
        for (int li = 0; li < N_LENGTHS; li++) {
            int64_t n = lengths[li], n_out = -1;
            fill_i64(v, n, kind, &st);
            oups_bytes b = {0};
            CHECK_OK(oups_delta_encode_i64(&b, v, n));
            size_t used = 0;
            int rc = oups_delta_decode_i64(b.data, b.data + b.len, got, n, &n_out, &used);
            int same = memcmp(v, got, (size_t)n * 8) == 0, len_ok = used == b.len;
            oups_bytes_free(&b);
            CHECK_OK(rc);
            CHECK(same && len_ok && n_out == n);

            for (int64_t i = 0; i < n; i++) v32[i] = kind == 4 ? ((i & 1) ? INT32_MAX : INT32_MIN) : (int32_t)v[i];
            CHECK_OK(oups_delta_encode_i32(&b, v32, n));
            rc = oups_delta_decode_i32(b.data, b.data + b.len, got32, n, &n_out, &used);
            same = memcmp(v32, got32, (size_t)n * 4) == 0;
            len_ok = used == b.len;
            oups_bytes_free(&b);
            CHECK_OK(rc);
            CHECK(same && len_ok && n_out == n);
        }
}

/* The two worked examples of Encodings.md (DELTA_BINARY_PACKED), byte for byte. */
TEST(delta_spec_examples) {
    const uint8_t ex1[] = {0x80, 0x01, 0x04, 0x05, 0x02, /* block */ 0x02, 0, 0, 0, 0};
    const int64_t v1[] = {1, 2, 3, 4, 5};
    const uint8_t ex2[] = {0x80, 0x01, 0x04, 0x08, 0x0E, /* block */ 0x03, 2, 0, 0, 0,
                           0xC0, 0x3F, 0, 0, 0, 0, 0, 0};
    const int64_t v2[] = {7, 5, 3, 1, 2, 3, 4, 5};
    int64_t got[8], n_out;
    size_t used;
    CHECK_OK(oups_delta_decode_i64(ex1, ex1 + sizeof ex1, got, 8, &n_out, &used));
    CHECK(n_out == 5 && used == sizeof ex1 && memcmp(got, v1, sizeof v1) == 0);
    CHECK_OK(oups_delta_decode_i64(ex2, ex2 + sizeof ex2, got, 8, &n_out, &used));
    CHECK(n_out == 8 && used == sizeof ex2 && memcmp(got, v2, sizeof v2) == 0);
    /* fewer values asked than stored: consumed still covers the whole stream */
    CHECK_OK(oups_delta_decode_i64(ex2, ex2 + sizeof ex2, got, 3, &n_out, &used));
    CHECK(n_out == 3 && used == sizeof ex2 && got[2] == 3);
    oups_bytes b = {0};
    CHECK_OK(oups_delta_encode_i64(&b, v1, 5));
    int same1 = b.len == sizeof ex1 && memcmp(b.data, ex1, sizeof ex1) == 0;
    b.len = 0;
    CHECK_OK(oups_delta_encode_i64(&b, v2, 8));
    int same2 = b.len == sizeof ex2 && memcmp(b.data, ex2, sizeof ex2) == 0;
    oups_bytes_free(&b);
    CHECK(same1 && same2);
}

TEST(delta_hostile) {
    int64_t got[300], n_out;
    /* block size not a multiple of 128; zero miniblocks; miniblock of 16 values; width 65 */
    const uint8_t bs[] = {0x64, 0x04, 0x05, 0x02};
    const uint8_t nm[] = {0x80, 0x01, 0x00, 0x05, 0x02};
    const uint8_t m16[] = {0x80, 0x01, 0x08, 0x05, 0x02};
    const uint8_t w65[] = {0x80, 0x01, 0x04, 0x05, 0x02, 0x02, 65, 0, 0, 0};
    CHECK_RC(oups_delta_decode_i64(bs, bs + sizeof bs, got, 5, &n_out, NULL), OUPS_ECORRUPT);
    CHECK_RC(oups_delta_decode_i64(nm, nm + sizeof nm, got, 5, &n_out, NULL), OUPS_ECORRUPT);
    CHECK_RC(oups_delta_decode_i64(m16, m16 + sizeof m16, got, 5, &n_out, NULL), OUPS_ECORRUPT);
    CHECK_RC(oups_delta_decode_i64(w65, w65 + sizeof w65, got, 5, &n_out, NULL), OUPS_ECORRUPT);
    /* a huge declared total with no blocks: error, fast, no allocation */
    const uint8_t huge[] = {0x80, 0x01, 0x04, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x02};
    CHECK_RC(oups_delta_decode_i64(huge, huge + sizeof huge, got, 5, &n_out, NULL), OUPS_ECORRUPT);
    /* every truncation of a real stream */
    static int64_t v[300];
    uint64_t st = tests_seed() + 4;
    fill_i64(v, 300, 0, &st);
    oups_bytes b = {0};
    CHECK_OK(oups_delta_encode_i64(&b, v, 300));
    for (size_t cut = 0; cut < b.len; cut++) {
        uint8_t *copy = malloc(cut ? cut : 1);
        memcpy(copy, b.data, cut);
        int rc = oups_delta_decode_i64(copy, copy + cut, got, 300, &n_out, NULL);
        int ok = rc == OUPS_ECORRUPT || (rc == 0 && n_out == 300 && memcmp(v, got, sizeof v) == 0);
        free(copy);
        if (!ok) oups_bytes_free(&b);
        CHECK(ok);
    }
    oups_bytes_free(&b);
    for (int t = 0; t < 3000; t++) {
        uint8_t junk[48];
        size_t len = test_rand(&st) % sizeof junk;
        for (size_t i = 0; i < len; i++) junk[i] = (uint8_t)test_rand(&st);
        if (len > 2 && (t & 1)) junk[0] = 0x80, junk[1] = 0x01; /* get past the block size check */
        int rc = oups_delta_decode_i64(junk, junk + len, got, 300, &n_out, NULL);
        CHECK(rc == 0 || rc == OUPS_ECORRUPT);
    }
}

/* n random strings sharing prefixes, as offsets + data. */
static int64_t make_strings(int64_t *off, uint8_t *data, int64_t n, uint64_t *st) {
    off[0] = 0;
    for (int64_t i = 0; i < n; i++) {
        int64_t len = (int64_t)(test_rand(st) % 20);
        int64_t keep = i ? (int64_t)(test_rand(st) % 10) : 0;
        if (keep > off[i] - (i ? off[i - 1] : 0)) keep = 0;
        for (int64_t k = 0; k < len; k++)
            data[off[i] + k] = k < keep ? data[off[i - 1] + k] : (uint8_t)('a' + test_rand(st) % 4);
        off[i + 1] = off[i] + len;
    }
    return off[n];
}

typedef int (*ba_encode_fn)(oups_bytes *, const int64_t *, const uint8_t *, int64_t);
typedef int (*ba_decode_fn)(const uint8_t *, const uint8_t *, int64_t, int64_t *, oups_bytes *, size_t *);

TEST(byte_array_roundtrip) {
    static int64_t off[MAXN + 1], got_off[MAXN + 1];
    static uint8_t data[MAXN * 20];
    const ba_encode_fn enc[] = {oups_plain_encode_byte_array, oups_delta_length_encode, oups_delta_byte_array_encode};
    const ba_decode_fn dec[] = {oups_plain_decode_byte_array, oups_delta_length_decode, oups_delta_byte_array_decode};
    uint64_t st = tests_seed() + 5;
    for (int e = 0; e < 3; e++)
        for (int li = 0; li < N_LENGTHS; li++) {
            int64_t n = lengths[li];
            int64_t total = make_strings(off, data, n, &st);
            oups_bytes b = {0}, out = {0};
            CHECK_OK(enc[e](&b, off, data, n));
            oups_bytes_append(&out, "xyz", 3); /* decoders append after existing data */
            size_t used = 0;
            int rc = dec[e](b.data, b.data + b.len, n, got_off, &out, &used);
            int ok = rc == 0 && used == b.len && got_off[0] == 3 && got_off[n] == 3 + total &&
                     memcmp(out.data + 3, data, (size_t)total) == 0;
            for (int64_t i = 0; ok && i <= n; i++) ok = got_off[i] == off[i] + 3;
            /* every truncation fails cleanly */
            for (size_t cut = 0; ok && cut < b.len; cut++) {
                uint8_t *copy = malloc(cut ? cut : 1);
                memcpy(copy, b.data, cut);
                out.len = 0;
                int rc2 = dec[e](copy, copy + cut, n, got_off, &out, NULL);
                free(copy);
                ok = rc2 == OUPS_ECORRUPT || (rc2 == 0 && n == 0);
                if (!ok) fprintf(stderr, "  encoding %d n %lld cut %zu rc %d\n", e, (long long)n, cut, rc2);
            }
            oups_bytes_free(&b);
            oups_bytes_free(&out);
            CHECK_OK(rc);
            CHECK(ok);
        }
}

TEST(byte_array_hostile) {
    /* DELTA_BYTE_ARRAY: the second value claims a 5-byte prefix of a 2-byte value */
    oups_bytes b = {0}, out = {0};
    const int32_t pre[] = {0, 5}, suf[] = {2, 1};
    CHECK_OK(oups_delta_encode_i32(&b, pre, 2));
    CHECK_OK(oups_delta_encode_i32(&b, suf, 2));
    CHECK_OK(oups_bytes_append(&b, "abc", 3));
    int64_t off[3];
    int rc = oups_delta_byte_array_decode(b.data, b.data + b.len, 2, off, &out, NULL);
    /* a negative length */
    b.len = 0;
    const int32_t neg[] = {3, -1};
    CHECK_OK(oups_delta_encode_i32(&b, neg, 2));
    CHECK_OK(oups_bytes_append(&b, "abc", 3));
    int rc2 = oups_delta_length_decode(b.data, b.data + b.len, 2, off, &out, NULL);
    /* fewer lengths than values */
    b.len = 0;
    CHECK_OK(oups_delta_encode_i32(&b, neg, 1));
    CHECK_OK(oups_bytes_append(&b, "abc", 3));
    int rc3 = oups_delta_length_decode(b.data, b.data + b.len, 2, off, &out, NULL);
    /* PLAIN: a length past the end */
    const uint8_t plain[] = {5, 0, 0, 0, 'a', 'b'};
    int rc4 = oups_plain_decode_byte_array(plain, plain + sizeof plain, 1, off, &out, NULL);
    oups_bytes_free(&b);
    oups_bytes_free(&out);
    CHECK_RC(rc, OUPS_ECORRUPT);
    CHECK_RC(rc2, OUPS_ECORRUPT);
    CHECK_RC(rc3, OUPS_ECORRUPT);
    CHECK_RC(rc4, OUPS_ECORRUPT);
}

TEST(bss_roundtrip) {
    static uint8_t v[MAXN * 16], got[MAXN * 16];
    uint64_t st = tests_seed() + 6;
    const int widths[] = {1, 2, 3, 4, 8, 12, 16};
    for (int wi = 0; wi < 7; wi++)
        for (int li = 0; li < N_LENGTHS; li++) {
            int w = widths[wi];
            int64_t n = lengths[li];
            for (int64_t i = 0; i < n * w; i++) v[i] = (uint8_t)test_rand(&st);
            oups_bytes b = {0};
            CHECK_OK(oups_bss_encode(&b, v, w, n));
            int ok = b.len == (size_t)(n * w) && (n < 2 || b.data[1] == v[w]); /* stream 0 holds byte 0 of each */
            int rc = oups_bss_decode(b.data, b.data + b.len, w, n, got);
            ok = ok && memcmp(v, got, (size_t)(n * w)) == 0;
            int rc2 = n ? oups_bss_decode(b.data, b.data + b.len - 1, w, n, got) : OUPS_ECORRUPT;
            oups_bytes_free(&b);
            CHECK_OK(rc);
            CHECK(ok);
            CHECK_RC(rc2, OUPS_ECORRUPT);
        }
    CHECK_RC(oups_bss_decode(v, v + 8, 4, INT64_MAX / 2, got), OUPS_ECORRUPT);
}

TEST(bool_roundtrip) {
    static uint8_t bits[MAXN / 8 + 2], got[MAXN / 8 + 4];
    uint64_t st = tests_seed() + 7;
    for (size_t i = 0; i < sizeof bits; i++) bits[i] = (uint8_t)test_rand(&st);
    for (int li = 0; li < N_LENGTHS; li++)
        for (int off = 0; off < 9; off += 3) {
            int64_t n = lengths[li] < MAXN - 8 ? lengths[li] : MAXN - 8;
            oups_bytes b = {0};
            CHECK_OK(oups_plain_encode_bool(&b, bits, off, n));
            int ok = b.len == (size_t)(n + 7) / 8;
            memset(got, 0, sizeof got);
            int rc = oups_plain_decode_bool(b.data, b.data + b.len, n, got, 5);
            for (int64_t i = 0; ok && i < n; i++)
                ok = ((got[(i + 5) >> 3] >> ((i + 5) & 7)) & 1) == ((bits[(i + off) >> 3] >> ((i + off) & 7)) & 1);
            int rc2 = n ? oups_plain_decode_bool(b.data, b.data + b.len - 1, n, got, 0) : OUPS_ECORRUPT;
            oups_bytes_free(&b);
            CHECK_OK(rc);
            CHECK(ok);
            CHECK_RC(rc2, OUPS_ECORRUPT);
        }
}

RUN_TESTS("parquet.encoding", rle_roundtrip_u32, rle_roundtrip_u16, rle_spec_vector, rle_hostile, delta_roundtrip,
          delta_spec_examples, delta_hostile, byte_array_roundtrip, byte_array_hostile, bss_roundtrip, bool_roundtrip)
