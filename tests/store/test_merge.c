// labels: quick
/*
 * tests/store/test_merge.c: the streaming merge step alone (spec/store.md §4.7 examples):
 * given existing row groups, new rows and hand-written merge sequences, the emitted row
 * groups (placed positionally, §4.9) are exactly the spec's chunks. Letters are markers:
 * a=1 (rendered "n"), b=2, c=3, ..., x=24, y=25, z=26.
 */
#include "store_util.h"

/* Sequences "rg_start:rg_end,df_end;rg_end,df_end|rg_start:..." */
static bool parse_plan(store_plan *p, const char *text) {
    memset(p, 0, sizeof *p);
    p->seq = calloc(8, sizeof *p->seq);
    const char *s = text;
    while (*s) {
        store_seq *q = &p->seq[p->n_seq++];
        char *e;
        q->rg_start = strtoll(s, &e, 10);
        s = e + 1; /* ':' */
        q->rg_end = malloc(16 * 8);
        q->df_end = malloc(16 * 8);
        for (;;) {
            q->rg_end[q->n] = strtoll(s, &e, 10);
            q->df_end[q->n++] = strtoll(e + 1, &e, 10);
            s = e;
            if (*s != ';') break;
            s++;
        }
        if (*s == '|') s++;
    }
    return true;
}

static void free_plan(store_plan *p) { /* allocated with malloc here, not oups_malloc */
    for (int64_t i = 0; i < p->n_seq; i++) {
        free(p->seq[i].rg_end);
        free(p->seq[i].df_end);
    }
    free(p->seq);
}

static bool merge_case(const char *existing, const char *df, const char *plan_text, int64_t T, bool drop,
                       const char *want) {
    char *dir = su_tmpdir();
    oups_opd *opd = su_existing(dir, "ds", existing);
    if (!opd) return false;
    int n;
    oups_table **rgs = su_parse(df, &n);
    store_plan plan;
    parse_plan(&plan, plan_text);
    oups_store_write_options o = OUPS_STORE_WRITE_OPTIONS_INIT;
    static const char *const dup[] = {"a"};
    o.row_group_rows = T;
    if (drop) {
        o.duplicates = OUPS_DUP_COLUMNS;
        o.duplicates_on = dup;
        o.n_duplicates_on = 1;
    }
    bool ok = oups_store__write_plan(opd, rgs[0], &plan, &o) == 0;
    char got[1024] = "";
    if (ok) ok = su_render(got, sizeof got, opd) == 0 && strcmp(got, want) == 0 && oups_opd_check(opd) == 0;
    if (!ok) fprintf(stderr, "  plan %s: got %s want %s [%s]\n", plan_text, got, want, oups_error_last());
    free_plan(&plan);
    su_free_rgs(rgs, n);
    oups_opd_close(opd);
    su_rmrf(dir);
    return ok;
}

TEST(spec_streaming_examples) {
    /* rg [3,4,5] (rgs of 2), df [1a,2b,2c], (0, [[0,3]]) -> [1a,2b] [2c] */
    CHECK(merge_case("[3,4][5]", "1n,2/2,2/3", "0:0,3", 2, false, "[1n,2/2][2/3][3,4][5]"));
    /* rgs [1,2][3], df [4,5,6,7], (1, [[2,4]]) -> loads [3]: [3,4] [5,6] [7] */
    CHECK(merge_case("[1,2][3]", "4n,5n,6n,7n", "1:2,4", 2, false, "[1,2][3,4n][5n,6n][7n]"));
    /* one rg [2x,3c,4y], split 3, df [1a,2b,4d,5e], (0, [[1,3],[1,4]]) */
    CHECK(merge_case("[2/24,3/3,4/25]", "1n,2/2,4/4,5/5", "0:1,3;1,4", 3, false,
                     "[1n,2/24,2/2][3/3,4/25,4/4][5/5]"));
    /* rgs [1a,2x][3y,4z][5e], df [2b,3c,4d], (0, [[1,0],[2,2],[3,3]]), no drop */
    CHECK(merge_case("[1n,2/24][3/25,4/26][5/5]", "2/2,3/3,4/4", "0:1,0;2,2;3,3", 2, false,
                     "[1n,2/24][2/2,3/25][3/3,4/26][4/4,5/5]"));
    /* same data, drop on the key, (0, [[1,1],[2,3],[3,3]]) */
    CHECK(merge_case("[1n,2/24][3/25,4/26][5/5]", "2/2,3/3,4/4", "0:1,1;2,3;3,3", 2, true, "[1n,2/2][3/3,4/4][5/5]"));
    /* pairs over [1a,2x,3y,4z,5e,7f,8g,9h,10i], df [2b,6c,7d,11i,12j], drop, three sequences */
    CHECK(merge_case("[1n,2/24][3/25,4/26][5/5,7/6][8/7,9/8][10/9]", "2/2,6/3,7/4,11/9,12/10", "0:1,1|2:3,3|4:5,5", 2,
                     true, "[1n,2/2][3/25,4/26][5/5,6/3][7/4][8/7,9/8][10/9,11/9][12/10]"));
    /* rgs [1a,2x][6y], df [2b..8h], (1,[[1,2],[1,4]]) and (2,[[2,6],[2,7]]) */
    CHECK(merge_case("[1n,2/24][6/25]", "2/2,3/3,4/4,5/5,6/6,7/7,8/8", "1:1,2;1,4|2:2,6;2,7", 2, false,
                     "[1n,2/24][2/2,3/3][4/4,5/5][6/25][6/6,7/7][8/8]"));
    /* an empty list of sequences emits nothing */
    CHECK(merge_case("[1,2]", "3n", "", 2, false, "[1,2]"));
}

RUN_TESTS("store.merge", spec_streaming_examples)
