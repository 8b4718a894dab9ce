// labels: quick fault
/*
 * tests/table/test_arrow.c: the Arrow C Data Interface. Export: exact format strings, buffer
 * layout (validity NULL without nulls, offsets, n_buffers), memory valid after the table is
 * freed, children moved out and released in every order (ASan checks use-after-free and
 * leaks). Import: a hand-made producer exercising every accepted format (u/z widened, U/Z
 * zero-copy, parent offsets), move semantics (release NULL after success, the producer's
 * release called exactly once, when the last column goes; untouched on failure), and clear
 * errors for released, non-struct and unsupported inputs. OOM at every allocation of both.
 */
#include "fixtures.h"

/* ---- a hand-made producer: up to 8 children over caller-provided buffers ----------------- */

typedef struct producer {
    struct ArrowArray parent, child[8];
    struct ArrowArray *child_ptr[8];
    struct ArrowSchema sparent, schild[8];
    struct ArrowSchema *schild_ptr[8];
    const void *bufs[8][3];
    const void *pbufs[1];
    int n;
    int array_releases, schema_releases;
} producer;

static void child_release(struct ArrowArray *a) { a->release = NULL; }
static void parent_release(struct ArrowArray *a) {
    producer *p = a->private_data;
    for (int i = 0; i < a->n_children; i++)
        if (a->children[i]->release) a->children[i]->release(a->children[i]);
    p->array_releases++;
    a->release = NULL;
}
static void schild_release(struct ArrowSchema *s) { s->release = NULL; }
static void sparent_release(struct ArrowSchema *s) {
    producer *p = s->private_data;
    for (int i = 0; i < s->n_children; i++)
        if (s->children[i]->release) s->children[i]->release(s->children[i]);
    p->schema_releases++;
    s->release = NULL;
}

static void producer_init(producer *p, int64_t length, int64_t offset) {
    memset(p, 0, sizeof *p);
    p->parent = (struct ArrowArray){.length = length, .offset = offset, .n_buffers = 1, .buffers = p->pbufs,
                                    .children = p->child_ptr, .release = parent_release, .private_data = p};
    p->sparent = (struct ArrowSchema){.format = "+s", .name = "", .children = p->schild_ptr,
                                      .release = sparent_release, .private_data = p};
}

static void producer_add(producer *p, const char *name, const char *format, int64_t length, int64_t offset,
                         int64_t null_count, const void *b0, const void *b1, const void *b2) {
    int i = p->n++;
    p->bufs[i][0] = b0;
    p->bufs[i][1] = b1;
    p->bufs[i][2] = b2;
    bool three = strchr("uzUZ", format[0]) != NULL;
    p->child[i] = (struct ArrowArray){.length = length, .null_count = null_count, .offset = offset,
                                      .n_buffers = three ? 3 : 2, .buffers = p->bufs[i], .release = child_release};
    p->schild[i] = (struct ArrowSchema){.format = format, .name = name, .flags = ARROW_FLAG_NULLABLE,
                                        .release = schild_release};
    p->child_ptr[i] = &p->child[i];
    p->schild_ptr[i] = &p->schild[i];
    p->parent.n_children = p->sparent.n_children = p->n;
}

/* ---- export ------------------------------------------------------------------------------- */

TEST(export_formats_and_layout) {
    oups_table *big, *t;
    CHECK_OK(fx_table(&big, 100, 20, tests_seed()));
    CHECK_OK(oups_table_slice(&t, big, 3, 90));
    oups_table_free(big);
    struct ArrowArray a;
    struct ArrowSchema s;
    CHECK_OK(oups_table_export(&a, &s, t));
    static const char *const want[FX_NCOLS] = {"b", "c", "s", "i", "l", "C", "S", "I",
                                               "L", "f", "g", "tsn:UTC", "tdD", "U", "Z", "d:20,4"};
    CHECK(strcmp(s.format, "+s") == 0 && s.n_children == FX_NCOLS && a.n_children == FX_NCOLS);
    CHECK(a.length == 90 && a.null_count == 0 && a.offset == 0 && a.n_buffers == 1 && a.buffers[0] == NULL);
    for (int c = 0; c < FX_NCOLS; c++) {
        struct ArrowArray *ch = a.children[c];
        struct ArrowSchema *sc = s.children[c];
        CHECK(strcmp(sc->format, want[c]) == 0 && strcmp(sc->name, fx_names[c]) == 0);
        CHECK(sc->flags == ARROW_FLAG_NULLABLE && sc->n_children == 0 && sc->dictionary == NULL);
        CHECK(ch->length == 90 && ch->offset == 3 && ch->n_children == 0 && ch->dictionary == NULL);
        CHECK(ch->n_buffers == (c == 13 || c == 14 ? 3 : 2));
        oups_column *col = oups_table_column(t, c);
        CHECK(ch->null_count == oups_column_null_count(col) && ch->null_count > 0);
        CHECK(ch->buffers[0] == oups_buffer_data(oups_column_buffer(col, 0))); /* zero-copy */
        CHECK(ch->release != NULL && ch->private_data != NULL);
    }
    a.release(&a);
    s.release(&s);
    CHECK(a.release == NULL && s.release == NULL);
    /* no nulls: the validity buffer is NULL */
    int which[2] = {4, 13};
    CHECK_OK(fx_table_cols(&big, 10, 0, 1, which, 2));
    CHECK_OK(oups_table_export(&a, &s, big));
    CHECK(a.children[0]->buffers[0] == NULL && a.children[0]->null_count == 0);
    CHECK(a.children[1]->buffers[0] == NULL && ((const int64_t *)a.children[1]->buffers[1])[0] == 0);
    a.release(&a);
    s.release(&s);
    oups_table_free(big);
    oups_table_free(t);
}

TEST(export_outlives_table_and_round_trips) {
    for (int pct = 0; pct <= 100; pct += 50) {
        oups_table *t, *copy, *back;
        CHECK_OK(fx_table(&t, 257, pct, tests_seed() + (uint64_t)pct));
        int64_t idx[257];
        for (int i = 0; i < 257; i++) idx[i] = i;
        CHECK_OK(oups_table_take(&copy, t, idx, 257));
        struct ArrowArray a;
        struct ArrowSchema s;
        CHECK_OK(oups_table_export(&a, &s, t));
        oups_table_free(t); /* exported memory stays valid */
        CHECK_OK(oups_table_import(&back, &a, &s));
        CHECK(a.release == NULL && s.release == NULL); /* moved */
        char desc[256];
        CHECK(oups_table_equal(copy, back, desc, sizeof desc) == 1);
        oups_table_free(back);
        oups_table_free(copy);
    }
    /* empty table and zero-column table */
    oups_table *t, *e, *z, *back;
    CHECK_OK(fx_table(&t, 5, 0, 1));
    CHECK_OK(oups_table_slice(&e, t, 5, 0));
    CHECK_OK(oups_table_select(&z, t, NULL, 0));
    oups_table *cases[2] = {e, z};
    for (int k = 0; k < 2; k++) {
        struct ArrowArray a;
        struct ArrowSchema s;
        CHECK_OK(oups_table_export(&a, &s, cases[k]));
        CHECK_OK(oups_table_import(&back, &a, &s));
        CHECK(oups_table_equal(cases[k], back, NULL, 0) == 1);
        CHECK(oups_table_num_rows(back) == oups_table_num_rows(cases[k]));
        oups_table_free(back);
    }
    oups_table_free(z);
    oups_table_free(e);
    oups_table_free(t);
}

/* Read every exported child's values (so ASan sees any use after free). */
static int64_t touch(const struct ArrowArray *ch) {
    int64_t sum = 0;
    const uint8_t *p = ch->buffers[ch->n_buffers - 1];
    int64_t bytes = ch->n_buffers == 3 ? ((const int64_t *)ch->buffers[1])[ch->offset + ch->length] : ch->length;
    for (int64_t i = 0; i < bytes; i++) sum += p[i];
    return sum;
}

TEST(export_release_in_every_order) {
    oups_table *t;
    CHECK_OK(fx_table(&t, 64, 30, tests_seed()));
    /* orders: 0 parent first (children moved out), 1 children first, 2 parent only,
     * 3 children moved out and released in reverse order after the parent */
    int64_t idx[64];
    for (int i = 0; i < 64; i++) idx[i] = i;
    for (int order = 0; order < 4; order++) {
        struct ArrowArray a, kids[FX_NCOLS];
        struct ArrowSchema s, skids[FX_NCOLS];
        oups_table *src; /* a private copy, freed before the children in order 3 */
        CHECK_OK(oups_table_take(&src, t, idx, 64));
        CHECK_OK(oups_table_export(&a, &s, src));
        if (order != 3) oups_table_free(src);
        int moved = order == 2 ? 0 : order == 0 ? 5 : FX_NCOLS;
        for (int c = 0; c < moved; c++) { /* move: copy the struct, mark the source released */
            kids[c] = *a.children[c];
            a.children[c]->release = NULL;
            skids[c] = *s.children[c];
            s.children[c]->release = NULL;
        }
        if (order == 1) {
            for (int c = 0; c < moved; c++) {
                kids[c].release(&kids[c]);
                skids[c].release(&skids[c]);
            }
            a.release(&a);
            s.release(&s);
        } else {
            a.release(&a);
            s.release(&s);
            if (order == 3) oups_table_free(src); /* the table goes too: children keep their memory */
            for (int c = moved - 1; c >= 0; c--) {
                CHECK(touch(&kids[c]) >= 0);
                CHECK(strcmp(skids[c].name, fx_names[c]) == 0);
                kids[c].release(&kids[c]);
                skids[c].release(&skids[c]);
                CHECK(kids[c].release == NULL && skids[c].release == NULL);
            }
        }
    }
    oups_table_free(t);
}

/* ---- import ------------------------------------------------------------------------------- */

TEST(import_every_format) {
    static const uint8_t valid[2] = {0xfb, 0xff};     /* row 2 null */
    static const uint8_t bools[2] = {0x35, 0x00};
    static const int8_t i8[10] = {-1, 2, 0, 4, 5, 6, 7, 8, 9, 10};
    static const uint16_t u16[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 65535};
    static const int32_t d32[10] = {19000, 19001, 19002, 19003, 19004, 19005, 19006, 19007, 19008, 19009};
    static const int64_t ts[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    static const double f64[10] = {0.5, -1, 2, 3, 4, 5, 6, 7, 8, 9};
    static const int32_t o32[11] = {0, 1, 3, 3, 6, 6, 7, 8, 9, 10, 11};
    static const int64_t o64[11] = {0, 1, 3, 3, 6, 6, 7, 8, 9, 10, 11};
    static const char chars[] = "abcdefghijk";
    uint8_t dec[10 * 16] = {0};
    for (int i = 0; i < 10; i++) dec[i * 16] = (uint8_t)(i * 7);
    producer p;
    /* the struct has offset 1 and length 8: rows 1..8 of each child (children offset 1 too) */
    producer_init(&p, 8, 1);
    producer_add(&p, "b", "b", 9, 1, 1, valid, bools, NULL);
    producer_add(&p, "i8", "c", 9, 1, 0, NULL, i8, NULL);
    producer_add(&p, "u16", "S", 9, 1, -1, valid, u16, NULL);
    producer_add(&p, "d", "tdD", 9, 1, 0, NULL, d32, NULL);
    producer_add(&p, "ts", "tsu:Europe/Paris", 9, 1, 0, NULL, ts, NULL);
    producer_add(&p, "f", "g", 9, 1, 1, valid, f64, NULL);
    producer_add(&p, "s", "u", 9, 1, 1, valid, o32, chars);
    producer_add(&p, "bin", "Z", 9, 1, 0, NULL, o64, chars);
    oups_table *t;
    CHECK_OK(oups_table_import(&t, &p.parent, &p.sparent));
    CHECK(p.parent.release == NULL && p.sparent.release == NULL && p.schema_releases == 1);
    CHECK(p.array_releases == 0); /* still in use by the table */
    CHECK(oups_table_num_rows(t) == 8 && oups_table_num_columns(t) == 8);
    /* table row r is child element 2 + r; element 2 is null in the validity bitmap */
    oups_scalar s;
    oups_column_get_scalar(&s, oups_table_column(t, 0), 0);
    CHECK(s.is_null);
    oups_column_get_scalar(&s, oups_table_column(t, 0), 1); /* element 3: bit 3 of 0x35 = 0 */
    CHECK(!s.is_null && !s.v.b);
    oups_column_get_scalar(&s, oups_table_column(t, 0), 2); /* element 4: 1 */
    CHECK(s.v.b);
    oups_column_get_scalar(&s, oups_table_column(t, 1), 0);
    CHECK(s.v.i == 0);
    CHECK(oups_column_null_count(oups_table_column(t, 2)) == 1);
    oups_column_get_scalar(&s, oups_table_column(t, 2), 7);
    CHECK(s.v.u == 65535);
    oups_column_get_scalar(&s, oups_table_column(t, 3), 0);
    CHECK(s.v.i == 19002 && s.type.id == OUPS_TYPE_DATE32);
    oups_column_get_scalar(&s, oups_table_column(t, 4), 0);
    CHECK(s.v.i == 3 && s.type.unit == OUPS_UNIT_US && strcmp(s.type.tz, "Europe/Paris") == 0);
    oups_column_get_scalar(&s, oups_table_column(t, 6), 1); /* element 3: "def" */
    CHECK(s.type.id == OUPS_TYPE_STRING && s.v.bytes.len == 3 && memcmp(s.v.bytes.ptr, "def", 3) == 0);
    oups_column_get_scalar(&s, oups_table_column(t, 7), 0); /* element 2: "" */
    CHECK(s.type.id == OUPS_TYPE_BINARY && s.v.bytes.len == 0);
    CHECK(oups_column_null_count(oups_table_column(t, 7)) == 0);
    /* U/Z and fixed-width buffers are not copied */
    oups_column_view v;
    oups_column_view_get(&v, oups_table_column(t, 7));
    CHECK(v.data == (const void *)chars && v.offsets == o64);
    oups_column_view_get(&v, oups_table_column(t, 4));
    CHECK(v.data == (const void *)ts && v.offset == 2);
    /* the producer's release runs once, when the last user goes */
    oups_column *keep = oups_column_retain(oups_table_column(t, 5));
    oups_table_free(t);
    CHECK(p.array_releases == 0);
    oups_column_release(keep);
    CHECK(p.array_releases == 1);
    /* decimal128 with explicit bit width */
    producer_init(&p, 10, 0);
    producer_add(&p, "dec", "d:10,2,128", 10, 0, 0, NULL, dec, NULL);
    CHECK_OK(oups_table_import(&t, &p.parent, &p.sparent));
    oups_column_get_scalar(&s, oups_table_column(t, 0), 3);
    CHECK(s.type.precision == 10 && s.type.scale == 2 && s.v.dec[0] == 21);
    oups_table_free(t);
    CHECK(p.array_releases == 1);
}

TEST(import_errors_leave_input_owned) {
    static const int64_t v[4] = {1, 2, 3, 4};
    producer p;
    oups_table *t = (oups_table *)1;
    /* unsupported child format: names column and format */
    producer_init(&p, 4, 0);
    producer_add(&p, "a", "l", 4, 0, 0, NULL, v, NULL);
    producer_add(&p, "half", "e", 4, 0, 0, NULL, v, NULL);
    CHECK_RC(oups_table_import(&t, &p.parent, &p.sparent), OUPS_EUNSUPPORTED);
    CHECK(t == NULL && strstr(oups_error_last(), "'half'") != NULL && strstr(oups_error_last(), "'e'") != NULL);
    CHECK(p.parent.release != NULL && p.sparent.release != NULL && p.array_releases == 0);
    /* decimal256, date64, dictionary */
    p.schild[1].format = "d:10,2,256";
    CHECK_RC(oups_table_import(&t, &p.parent, &p.sparent), OUPS_EUNSUPPORTED);
    p.schild[1].format = "tdm";
    CHECK_RC(oups_table_import(&t, &p.parent, &p.sparent), OUPS_EUNSUPPORTED);
    p.schild[1].format = "l";
    p.schild[1].dictionary = &p.schild[0];
    CHECK_RC(oups_table_import(&t, &p.parent, &p.sparent), OUPS_EUNSUPPORTED);
    p.schild[1].dictionary = NULL;
    /* malformed: wrong buffer count, child too short, duplicate names */
    p.child[1].n_buffers = 3;
    CHECK_RC(oups_table_import(&t, &p.parent, &p.sparent), OUPS_EINVAL);
    CHECK(strstr(oups_error_last(), "'half'") != NULL);
    p.child[1].n_buffers = 2;
    p.child[1].length = 3;
    CHECK_RC(oups_table_import(&t, &p.parent, &p.sparent), OUPS_EINVAL);
    p.child[1].length = 4;
    p.schild[1].name = "a";
    CHECK_RC(oups_table_import(&t, &p.parent, &p.sparent), OUPS_EINVAL);
    CHECK(strstr(oups_error_last(), "duplicate") != NULL);
    p.schild[1].name = "b";
    /* non-struct top level */
    p.sparent.format = "l";
    CHECK_RC(oups_table_import(&t, &p.parent, &p.sparent), OUPS_EUNSUPPORTED);
    CHECK(strstr(oups_error_last(), "struct") != NULL);
    p.sparent.format = "+s";
    p.child[0].null_count = 2; /* nulls claimed, no bitmap */
    CHECK_RC(oups_table_import(&t, &p.parent, &p.sparent), OUPS_EINVAL);
    CHECK(strstr(oups_error_last(), "no validity buffer") != NULL);
    p.child[0].null_count = 0;
    CHECK(p.array_releases == 0 && p.parent.release != NULL);
    /* now it works; then the released input is refused */
    oups_table *ok;
    CHECK_OK(oups_table_import(&ok, &p.parent, &p.sparent));
    CHECK(oups_table_num_columns(ok) == 2);
    CHECK_RC(oups_table_import(&t, &p.parent, &p.sparent), OUPS_EINVAL);
    CHECK(strstr(oups_error_last(), "released") != NULL);
    CHECK_RC(oups_table_import(&t, NULL, &p.sparent), OUPS_EINVAL);
    CHECK(p.array_releases == 0 && p.schema_releases == 1);
    oups_table_free(ok);
    CHECK(p.array_releases == 1);
}

TEST(export_import_oom) {
    oups_table *t;
    CHECK_OK(fx_table(&t, 50, 20, 8));
    FX_OOM_LOOP({
        struct ArrowArray a;
        struct ArrowSchema s;
        rc = oups_table_export(&a, &s, t);
        if (rc == 0) {
            a.release(&a);
            s.release(&s);
        } else {
            CHECK(a.release == NULL && s.release == NULL);
        }
    });
    struct ArrowArray a;
    struct ArrowSchema s;
    CHECK_OK(oups_table_export(&a, &s, t));
    FX_OOM_LOOP({
        oups_table *back = NULL;
        rc = oups_table_import(&back, &a, &s);
        if (rc == 0) {
            CHECK(oups_table_equal(t, back, NULL, 0) == 1);
            oups_table_free(back);
        } else {
            CHECK(back == NULL && a.release != NULL && s.release != NULL); /* still ours */
        }
    });
    static const int32_t o32[3] = {0, 2, 5};
    producer p;
    producer_init(&p, 2, 0);
    producer_add(&p, "s", "u", 2, 0, 0, NULL, o32, "hello");
    FX_OOM_LOOP({
        oups_table *back = NULL;
        rc = oups_table_import(&back, &p.parent, &p.sparent);
        CHECK(rc == 0 || (p.parent.release != NULL && p.array_releases == 0));
        oups_table_free(back);
    });
    CHECK(p.array_releases == 1);
    oups_table_free(t);
}

RUN_TESTS("table.arrow", export_formats_and_layout, export_outlives_table_and_round_trips,
          export_release_in_every_order, import_every_format, import_errors_leave_input_owned, export_import_oom)
