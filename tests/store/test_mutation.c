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
 */
#include <stdarg.h>

#include "cli_run.h"
#include "integrity_util.h"

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

RUN_TESTS("store.mutation", campaign)
