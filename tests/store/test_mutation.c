// labels: fault
/*
 * tests/store/test_mutation.c: the mutation campaign of issue 9. Three datasets (committed,
 * and captured in the middle of a commit with journal phase 1 and phase 2, each with several
 * row groups and key-value metadata) get thousands of random byte changes (bit flips, byte
 * sets, truncations, digit changes in the metadata JSON) to the metadata file or to one of
 * the row-group / staged files, each followed by read, info and check through a read-only
 * C API open (and for a sample, a writer's open and the CLI). Required: no run succeeds with
 * output different from the undamaged dataset's, no read-only operation changes any file
 * (names, sizes, mtimes, contents), a writer's open that fails changes nothing, and error
 * messages are one printable line. Iterations: OUPS_MUTATION_ITERS (default 3000; 600 in
 * sanitizer builds). Sanitizer reports fail the run by themselves.
 * targeted: a dataset of two row groups of many pages each, and one-byte damages aimed at
 * what a narrow range read relies on (the tail of the file it reads: page index and footer;
 * the pages it decodes) or not (pages it skips, the file it skips), in format 4 (tail and page
 * checksums) and, rewritten as format 2, without tail checksums. Required: a damage the read
 * relies on always fails it; one it skips leaves its output equal to the undamaged one in
 * format 4 and fails it in format 2 (whole-file check) when in the file it reads; the full
 * read and check always fail; no file changes.
 */
#include <fcntl.h>
#include <stdarg.h>

#include "cli_run.h"
#include "integrity_util.h"
#include "parquet/internal.h"

#if defined(__SANITIZE_ADDRESS__)
#define MU_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MU_SANITIZED 1
#endif
#endif
#ifndef MU_SANITIZED
#define MU_SANITIZED 0
#endif

enum { N_BASES = 3 };
static const char *const BASE_ROWS[N_BASES] = {IU_OLD, IU_NEW, IU_NEW};

typedef struct base {
    char dir[256];
    char info[4096];
    char cli_read[4096], cli_info[4096], cli_check[256];
} base;

static char cli_dir[256];

static bool copy_file(const char *from, const char *to) {
    uint8_t *d = NULL;
    size_t n = 0;
    if (oups_io_read_file(&d, &n, from) != 0) return false;
    FILE *f = fopen(to, "wb");
    bool ok = f && fwrite(d, 1, n, f) == n;
    if (f) ok &= fclose(f) == 0;
    oups_free(d);
    return ok;
}

/* Copy base dir (ds_opdmd and ds/) into a fresh dst; the names of ds/ files into names. */
static bool copy_base(const char *src, const char *dst, char names[][64], int *n_names) {
    char a[600], b[600];
    snprintf(a, sizeof a, "%s/ds", dst);
    if (mkdir(dst, 0755) != 0 || mkdir(a, 0755) != 0) return false;
    snprintf(a, sizeof a, "%s/ds_opdmd", src);
    snprintf(b, sizeof b, "%s/ds_opdmd", dst);
    if (!copy_file(a, b)) return false;
    snprintf(a, sizeof a, "%s/ds", src);
    struct dirent **ents;
    int n = scandir(a, &ents, NULL, alphasort);
    *n_names = 0;
    bool ok = n >= 0;
    for (int i = 0; i < n; i++) {
        const char *nm = ents[i]->d_name;
        if (nm[0] != '.' && ok) {
            snprintf(a, sizeof a, "%s/ds/%s", src, nm);
            snprintf(b, sizeof b, "%s/ds/%s", dst, nm);
            ok = copy_file(a, b);
            snprintf(names[(*n_names)++], 64, "%.60s", nm);
        }
        free(ents[i]);
    }
    if (n >= 0) free(ents);
    return ok;
}

/* One random change of the file; returns a short description. */
static const char *mutate(const char *path, uint64_t *rs) {
    uint8_t *d = NULL;
    size_t n = 0;
    if (oups_io_read_file(&d, &n, path) != 0 || n == 0) {
        oups_free(d);
        return "unreadable";
    }
    const char *what;
    int kind = (int)(test_rand(rs) % 10);
    size_t at = (size_t)(test_rand(rs) % n);
    if (kind < 4) {
        int flips = 1 + (int)(test_rand(rs) % 3);
        for (int i = 0; i < flips; i++) d[(at + i * 7) % n] ^= (uint8_t)(1u << (test_rand(rs) % 8));
        what = "bit flip";
    } else if (kind < 6) {
        d[at] = (uint8_t)test_rand(rs);
        what = "byte set";
    } else if (kind < 7) {
        n = at; /* truncation */
        what = "truncation";
    } else if (kind < 8) {
        d[at] = test_rand(rs) % 2 ? 0 : 0xff;
        what = "byte 0/ff";
    } else { /* a digit or quote of the JSON text / footer strings changed */
        size_t tries = 0;
        while (tries++ < n && !((d[at] >= '0' && d[at] <= '9') || d[at] == '"' || d[at] == '\\')) at = (at + 1) % n;
        d[at] = (uint8_t)("0123456789\"\\-u"[test_rand(rs) % 14]);
        what = "text char";
    }
    FILE *f = fopen(path, "wb");
    if (f) {
        if (fwrite(d, 1, n, f) != n) what = "write failed";
        fclose(f);
    }
    oups_free(d);
    return what;
}

static bool printable_line(const char *s) {
    for (const char *c = s; *c; c++)
        if ((unsigned char)*c < 0x20 && !(c[0] == '\n' && c[1] == '\0')) return false;
    return true;
}

static const char *slurp(const char *dir, const char *name) {
    static char buf[8192];
    char p[600];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    buf[0] = '\0';
    FILE *f = fopen(p, "rb");
    if (!f) return buf;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static int oups_cli(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int rc = cli_run_in(cli_dir, "store ", fmt, ap);
    va_end(ap);
    return rc;
}

/* The three read-only CLI commands on dir/ds: outputs into r/i/c (NULL: compare instead).
 * Returns false on a wrong output, a bad exit code or a malformed error. */
static bool cli_ops(const char *dir, char *r, char *i, char *c, const base *b) {
    static const char *const cmds[] = {"read %s/ds", "info %s/ds", "check %s/ds"};
    for (int k = 0; k < 3; k++) {
        char fmt[64];
        snprintf(fmt, sizeof fmt, "%s", cmds[k]);
        int rc = oups_cli(fmt, dir);
        const char *out = slurp(cli_dir, "out.txt");
        char *dst = k == 0 ? r : k == 1 ? i : c;
        const char *want = k == 0 ? b->cli_read : k == 1 ? b->cli_info : b->cli_check;
        if (dst) {
            if (rc != 0) return false;
            snprintf(dst, k == 2 ? 256 : 4096, "%s", out);
        } else if (rc == 0 && strcmp(out, want) != 0) {
            fprintf(stderr, "  CLI %s: exit 0 with a different output:\n%s\n", cmds[k], out);
            return false;
        } else if (rc != 0) {
            const char *err = slurp(cli_dir, "err.txt");
            if (rc != 1 || strncmp(err, "oups: ", 6) != 0 || !printable_line(err) || strchr(err, '\n') == NULL) {
                fprintf(stderr, "  CLI %s: exit %d, stderr '%s'\n", cmds[k], rc, err);
                return false;
            }
        }
    }
    return true;
}

static int64_t iterations(void) {
    const char *e = getenv("OUPS_MUTATION_ITERS");
    if (e && atoll(e) > 0) return atoll(e);
    return MU_SANITIZED ? 600 : 3000;
}

TEST(campaign) {
    su_use_tmpfs();
    char *root = su_tmpdir();
    CHECK(root);
    char rootbuf[128];
    snprintf(rootbuf, sizeof rootbuf, "%s", root);
    snprintf(cli_dir, sizeof cli_dir, "%s/cli", rootbuf);
    CHECK(mkdir(cli_dir, 0755) == 0);
    static base bases[N_BASES];
    for (int k = 0; k < N_BASES; k++) {
        base *b = &bases[k];
        char bdir[160];
        snprintf(bdir, sizeof bdir, "%s/base%d", rootbuf, k);
        snprintf(b->dir, sizeof b->dir, "%s", bdir);
        CHECK(mkdir(bdir, 0755) == 0);
        CHECK(k == 0 ? iu_build(bdir) : iu_capture(bdir, k));
        char p[600], rows[4096];
        snprintf(p, sizeof p, "%s/ds", bdir);
        CHECK_OK(iu_read(rows, sizeof rows, p));
        CHECK(strcmp(rows, BASE_ROWS[k]) == 0);
        CHECK_OK(iu_info(b->info, sizeof b->info, p));
        CHECK_OK(iu_check(p));
        CHECK(cli_ops(bdir, b->cli_read, b->cli_info, b->cli_check, b));
    }
    uint64_t rs = tests_seed();
    int64_t n_iter = iterations(), detected = 0, same = 0, wrong = 0, touched = 0, bad_msg = 0, writer_runs = 0,
            cli_runs = 0;
    char work[300], p[600], names[64][64];
    snprintf(work, sizeof work, "%s/work", rootbuf);
    for (int64_t it = 0; it < n_iter; it++) {
        int k = (int)(test_rand(&rs) % N_BASES), n_names;
        const base *b = &bases[k];
        if (access(work, F_OK) == 0) su_rmrf(work);
        CHECK(copy_base(b->dir, work, names, &n_names));
        char target[600];
        if (test_rand(&rs) % 2 || n_names == 0) snprintf(target, sizeof target, "%s/ds_opdmd", work);
        else snprintf(target, sizeof target, "%s/ds/%s", work, names[test_rand(&rs) % (uint64_t)n_names]);
        const char *what = mutate(target, &rs);
        snprintf(p, sizeof p, "%s/ds", work);
        static char before[16384], after[16384];
        char rows[4096], info[4096];
        iu_snap(before, sizeof before, work);
        int r1 = iu_read(rows, sizeof rows, p);
        bool msg_ok = r1 == 0 || printable_line(oups_error_last());
        int r2 = iu_info(info, sizeof info, p);
        msg_ok &= r2 == 0 || printable_line(oups_error_last());
        int r3 = iu_check(p);
        msg_ok &= r3 == 0 || printable_line(oups_error_last());
        iu_snap(after, sizeof after, work);
        bool bad = (r1 == 0 && strcmp(rows, BASE_ROWS[k]) != 0) || (r2 == 0 && strcmp(info, b->info) != 0) ||
                   (r3 == 0 && r1 != 0);
        bool changed = strcmp(before, after) != 0;
        if (!bad && !changed && it % 50 == 0) { /* a sample through the CLI */
            cli_runs++;
            bad |= !cli_ops(work, NULL, NULL, NULL, b);
            iu_snap(after, sizeof after, work);
            changed |= strcmp(before, after) != 0;
        }
        if (!bad && !changed && it % 10 == 0) { /* a writer: fails changing nothing, or reads right */
            writer_runs++;
            oups_opd *opd = NULL;
            int rw = oups_opd_open(&opd, p, NULL);
            oups_opd_close(opd);
            if (rw != 0) {
                iu_snap(after, sizeof after, work);
                changed |= strcmp(before, after) != 0;
            } else {
                int r = iu_read(rows, sizeof rows, p);
                bad |= r == 0 && strcmp(rows, BASE_ROWS[k]) != 0;
            }
        }
        if (bad || changed || !msg_ok)
            fprintf(stderr, "  iteration %lld (base %d, %s of %s): read %d %s, info %d, check %d%s%s%s [%s]\n",
                    (long long)it, k, what, target + strlen(work) + 1, r1, r1 ? "" : rows, r2, r3,
                    bad ? ", WRONG OUTPUT" : "", changed ? ", FILES CHANGED" : "", msg_ok ? "" : ", BAD MESSAGE",
                    oups_error_last());
        wrong += bad;
        touched += changed;
        bad_msg += !msg_ok;
        if (r1 || r2 || r3) detected++;
        else same++;
    }
    fprintf(stderr, "  %lld mutations: %lld detected, %lld harmless (same output); %lld writer opens, %lld CLI "
            "samples; wrong outputs %lld, files changed %lld, bad messages %lld\n", (long long)n_iter,
            (long long)detected, (long long)same, (long long)writer_runs, (long long)cli_runs, (long long)wrong,
            (long long)touched, (long long)bad_msg);
    CHECK(wrong == 0 && touched == 0 && bad_msg == 0);
    CHECK(detected > n_iter / 4); /* the campaign does damage */
    su_rmrf(rootbuf);
}

/* ---- targeted damages ---------------------------------------------------------------------- */

enum { T_ROWS = 2000, T_RG = 1000, T_LO = 1100, T_HI = 1160 };

/* dir/ds: keys 0..T_ROWS-1 in row groups of T_RG rows, an int64 and a dictionary-encoded
 * string column, pages of ~64 rows. */
static void t_build(const char *dir) {
    oups_datatype it = oups_type(OUPS_TYPE_INT64), st = oups_type(OUPS_TYPE_STRING);
    oups_builder *b[3];
    oups_column *c[3];
    CHECK_OK(oups_builder_new(&b[0], &it, T_ROWS));
    CHECK_OK(oups_builder_new(&b[1], &it, T_ROWS));
    CHECK_OK(oups_builder_new(&b[2], &st, T_ROWS));
    uint64_t rs = 7;
    for (int64_t i = 0; i < T_ROWS; i++) {
        char v[16];
        int len = snprintf(v, sizeof v, "cat-%d", (int)(i % 5));
        CHECK_OK(oups_builder_append_int(b[0], i));
        CHECK_OK(oups_builder_append_int(b[1], (int64_t)test_rand(&rs)));
        CHECK_OK(oups_builder_append_bytes(b[2], v, len));
    }
    for (int j = 0; j < 3; j++) {
        CHECK_OK(oups_builder_finish(&c[j], b[j]));
        oups_builder_free(b[j]);
    }
    const char *names[] = {"k", "v", "s"};
    oups_table *t;
    CHECK_OK(oups_table_new(&t, 3, names, c));
    for (int j = 0; j < 3; j++) oups_column_release(c[j]);
    oups_parquet_write_options pq = OUPS_PARQUET_WRITE_OPTIONS_INIT;
    pq.page_size = 512;
    oups_store_write_options o = OUPS_STORE_WRITE_OPTIONS_INIT;
    o.ordered_on = "k";
    o.row_group_rows = T_RG;
    o.parquet = &pq;
    char p[600];
    snprintf(p, sizeof p, "%.500s/ds", dir);
    oups_opd *opd;
    CHECK_OK(oups_opd_open(&opd, p, NULL));
    CHECK_OK(oups_opd_write(opd, t, &o));
    oups_opd_close(opd);
    oups_table_free(t);
}

/* Byte spans of a file, by what the range read does with them. */
typedef struct t_span {
    int64_t a, b;
} t_span;
enum { T_TAIL, T_READ, T_SKIPPED, T_OTHER_FILE, T_KINDS };
typedef struct t_map {
    t_span s[T_KINDS][256];
    int n[T_KINDS];
    int64_t other_size;
} t_map;

static void t_add(t_map *m, int kind, int64_t a, int64_t b) {
    if (b > a && m->n[kind] < 256) m->s[kind][m->n[kind]++] = (t_span){a, b};
}

/* The spans of file_00001 (the one [T_LO, T_HI) reads): its tail; the dictionary page and
 * the pages of each column overlapping the rows of the key pages meeting the range (read);
 * the other pages (skipped). */
static void t_map_file(t_map *m, const char *path) {
    oups_parquet_reader *r;
    CHECK_OK(oups_parquet_reader_open(&r, path));
    t_add(m, T_TAIL, oups_parquet_reader_tail_offset(r), r->size);
    oups_parquet_page *pg;
    int n;
    CHECK_OK(oups_parquet_reader_pages(&pg, &n, r, 0, 0));
    int64_t r0 = -1, r1 = -1;
    for (int k = 0; k < n; k++)
        if (pg[k].max.v.i >= T_LO && pg[k].min.v.i < T_HI) {
            if (r0 < 0) r0 = pg[k].first_row;
            r1 = pg[k].first_row + pg[k].n_rows;
        }
    oups_mem_free(pg);
    CHECK(r0 >= 0);
    for (int c = 0; c < 3; c++) {
        const oups_pq_column_chunk *cc = &r->meta.row_groups[0].columns[c];
        uint8_t *buf = malloc((size_t)cc->offset_index_length);
        CHECK(buf && pread(r->fd, buf, (size_t)cc->offset_index_length, cc->offset_index_offset) ==
                         cc->offset_index_length);
        oups_pq_arena a = {0};
        oups_pq_offset_index oi;
        CHECK_OK(oups_parquet__parse_offset_index(&oi, &a, buf, (size_t)cc->offset_index_length, "test"));
        CHECK(oi.n_pages > 4);
        int64_t start = cc->meta.dictionary_page_offset >= 4 ? cc->meta.dictionary_page_offset : cc->meta.data_page_offset;
        t_add(m, T_READ, start, oi.pages[0].offset); /* the dictionary page, if any */
        for (int k = 0; k < oi.n_pages; k++) {
            int64_t f = oi.pages[k].first_row_index, e = k + 1 < oi.n_pages ? oi.pages[k + 1].first_row_index : T_RG;
            t_add(m, f < r1 && e > r0 ? T_READ : T_SKIPPED, oi.pages[k].offset,
                  oi.pages[k].offset + oi.pages[k].compressed_page_size);
        }
        oups_parquet__arena_free(&a);
        free(buf);
    }
    oups_parquet_reader_free(r);
}

/* One byte of dir/ds/<file> xor-ed with a non-zero value. */
static void t_damage(const char *file, int64_t at, uint8_t x) {
    int fd = open(file, O_RDWR);
    uint8_t b;
    CHECK(fd >= 0 && pread(fd, &b, 1, at) == 1);
    b ^= x;
    CHECK(pwrite(fd, &b, 1, at) == 1);
    close(fd);
}

/* Rows [T_LO, T_HI) of path (all rows: `all`) through a read-only open. */
static int t_range(oups_table **out, const char *path, bool all) {
    oups_opd *opd;
    OUPS_TRY(iu_open_ro(&opd, path));
    oups_scalar lo = {.type = oups_type(OUPS_TYPE_INT64), .v.i = T_LO}, hi = {.type = oups_type(OUPS_TYPE_INT64), .v.i = T_HI};
    int rc = all ? oups_opd_read(out, opd, NULL, 0) : oups_opd_read_range(out, opd, &lo, &hi, NULL, 0);
    oups_opd_close(opd);
    return rc;
}

/* dir/ds_opdmd rewritten as format 2: no tail checksums (as written by the previous version). */
static void t_format2(const char *dir) {
    char p[600];
    snprintf(p, sizeof p, "%s/ds_opdmd", dir);
    store_meta m;
    CHECK_OK(oups_store__meta_read(&m, p));
    CHECK(m.format == STORE_META_FORMAT_TAILS);
    m.format = STORE_META_FORMAT_CHECKSUM;
    for (int64_t i = 0; i < m.stats.n; i++) {
        CHECK(m.stats.tails[i] >= 0);
        m.stats.tails[i] = -1;
    }
    CHECK_OK(oups_store__meta_write(p, &m));
    oups_store__meta_free(&m);
}

TEST(targeted) {
    su_use_tmpfs();
    char *root = su_tmpdir();
    CHECK(root);
    char dirs[2][300], work[300], p[600], names[64][64];
    int n_names;
    for (int f = 0; f < 2; f++) {
        snprintf(dirs[f], sizeof dirs[f], "%s/base%d", root, f);
        CHECK(mkdir(dirs[f], 0755) == 0);
        t_build(dirs[f]);
        if (f == 1) t_format2(dirs[f]);
    }
    snprintf(work, sizeof work, "%s/work", root);
    snprintf(p, sizeof p, "%s/ds/file_00001.parquet", dirs[0]);
    static t_map m;
    t_map_file(&m, p);
    struct stat sb;
    snprintf(p, sizeof p, "%s/ds/file_00000.parquet", dirs[0]);
    CHECK(stat(p, &sb) == 0);
    t_add(&m, T_OTHER_FILE, 0, sb.st_size);
    CHECK(m.n[T_READ] >= 3 && m.n[T_SKIPPED] >= 6);
    oups_table *want;
    snprintf(p, sizeof p, "%s/ds", dirs[0]);
    CHECK_OK(t_range(&want, p, false));
    CHECK(oups_table_num_rows(want) == T_HI - T_LO);
    /* what a narrow read costs: the tail and the pages it decodes, not the file */
    oups_opd *opd;
    CHECK_OK(iu_open_ro(&opd, p));
    oups_scalar lo = {.type = oups_type(OUPS_TYPE_INT64), .v.i = T_LO}, hi = {.type = oups_type(OUPS_TYPE_INT64), .v.i = T_HI};
    oups_table *t;
    CHECK_OK(oups_opd_read_range(&t, opd, &lo, &hi, NULL, 0));
    oups_table_free(t);
    oups_opd_read_stats rst;
    oups_opd_read_stats_get(&rst, opd);
    oups_opd_close(opd);
    int64_t relied = 0;
    for (int k = T_TAIL; k <= T_READ; k++)
        for (int i = 0; i < m.n[k]; i++) relied += m.s[k][i].b - m.s[k][i].a;
    fprintf(stderr, "  narrow read: %lld bytes read (tail + read pages %lld, file %lld)\n", (long long)rst.bytes_read,
            (long long)relied, (long long)(m.s[T_TAIL][0].b));
    CHECK(rst.bytes_read < m.s[T_TAIL][0].b / 2);
    uint64_t rs = tests_seed();
    int64_t n_iter = iterations() / 5, count[2][T_KINDS] = {{0}}, fails = 0;
    for (int64_t it = 0; it < n_iter; it++) {
        int f = (int)(test_rand(&rs) % 2), kind = (int)(test_rand(&rs) % T_KINDS);
        const t_span *sp = &m.s[kind][test_rand(&rs) % (uint64_t)m.n[kind]];
        int64_t at = sp->a + (int64_t)(test_rand(&rs) % (uint64_t)(sp->b - sp->a));
        uint8_t x = (uint8_t)(1 + test_rand(&rs) % 255);
        if (access(work, F_OK) == 0) su_rmrf(work);
        CHECK(copy_base(dirs[f], work, names, &n_names));
        snprintf(p, sizeof p, "%s/ds/file_0000%d.parquet", work, kind == T_OTHER_FILE ? 0 : 1);
        t_damage(p, at, x);
        static char before[16384], after[16384];
        iu_snap(before, sizeof before, work);
        snprintf(p, sizeof p, "%s/ds", work);
        oups_table *got = NULL, *whole = NULL;
        int r1 = t_range(&got, p, false);
        bool msg_ok = r1 == 0 || printable_line(oups_error_last());
        int r2 = t_range(&whole, p, true);
        oups_table_free(whole);
        msg_ok &= r2 == 0 || printable_line(oups_error_last());
        int r3 = iu_check(p);
        msg_ok &= r3 == 0 || printable_line(oups_error_last());
        iu_snap(after, sizeof after, work);
        bool must_fail = kind == T_TAIL || kind == T_READ || (f == 1 && kind == T_SKIPPED);
        bool ok = msg_ok && r2 != 0 && r3 != 0 && strcmp(before, after) == 0 &&
                  (must_fail ? r1 != 0 : r1 == 0 && oups_table_equal(want, got, NULL, 0));
        if (!ok) {
            fails++;
            fprintf(stderr, "  format %d, kind %d, byte %lld ^ %02x: range %d, read %d, check %d%s [%s]\n", f ? 2 : 4,
                    kind, (long long)at, x, r1, r2, r3, strcmp(before, after) ? ", FILES CHANGED" : "",
                    oups_error_last());
        }
        count[f][kind]++;
        oups_table_free(got);
    }
    fprintf(stderr, "  %lld targeted damages (format 4 / 2: tail %lld/%lld, read pages %lld/%lld, skipped pages "
            "%lld/%lld, other file %lld/%lld): %lld not as required\n", (long long)n_iter, (long long)count[0][0],
            (long long)count[1][0], (long long)count[0][1], (long long)count[1][1], (long long)count[0][2],
            (long long)count[1][2], (long long)count[0][3], (long long)count[1][3], (long long)fails);
    CHECK(fails == 0);
    oups_table_free(want);
    su_rmrf(root);
}

RUN_TESTS("store.mutation", campaign, targeted)
