/*
 * store/collection.c: the Store (spec §2): a root directory of datasets identified by keys
 * of a schema. Keys are discovered from file names only (`<level dirs>/<stem>_opdmd` exactly
 * depth-1 directories below the root, parsed strictly), kept sorted, rescanned after a new
 * dataset was opened through the store. get/contains/delete (with cleanup of emptied parent
 * directories, never the root) and iter_intersections over keys.
 */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/internal.h"

struct oups_store {
    char *root;
    oups_key_schema *schema;
    oups_key **keys;
    int64_t n, cap;
    bool fresh; /* keys reflect the disk */
};

static void keys_clear(oups_store *st) {
    for (int64_t i = 0; i < st->n; i++) oups_key_free(st->keys[i]);
    st->n = 0;
}

void oups_store_free(oups_store *st) {
    if (!st) return;
    keys_clear(st);
    oups_free(st->keys);
    oups_key_schema_free(st->schema);
    oups_free(st->root);
    oups_free(st);
}

int oups_store_open(oups_store **out, const char *root, const oups_key_schema *schema) {
    *out = NULL;
    if (!root || !*root || !schema) return oups_error_set(OUPS_EINVAL, "store: root and schema are required");
    oups_store *st = oups_calloc(1, sizeof *st);
    if (!st) return OUPS_ENOMEM;
    char cwd[PATH_MAX];
    if (root[0] != '/' && getcwd(cwd, sizeof cwd)) {
        size_t n = strlen(cwd) + strlen(root) + 2;
        st->root = oups_malloc(n);
        if (st->root) snprintf(st->root, n, "%s/%s", cwd, root);
    } else {
        st->root = oups_strdup(root);
    }
    int rc = st->root ? oups_store__schema_clone(&st->schema, schema) : OUPS_ENOMEM;
    if (rc < 0) {
        oups_store_free(st);
        return rc;
    }
    size_t n = strlen(st->root);
    while (n > 1 && st->root[n - 1] == '/') st->root[--n] = '\0';
    *out = st;
    return 0;
}

const oups_key_schema *oups_store_schema(const oups_store *st) { return st->schema; }

static bool is_dir(const char *dir, const struct dirent *e) {
    if (e->d_type != DT_UNKNOWN) return e->d_type == DT_DIR;
    char p[PATH_MAX];
    struct stat s;
    snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
    return stat(p, &s) == 0 && S_ISDIR(s.st_mode);
}

static int add_key(oups_store *st, const char *rel) {
    oups_key *k;
    if (oups_key_from_path(&k, st->schema, rel) < 0) {
        oups_error_clear(); /* not a key of this schema: ignored */
        return 0;
    }
    if (st->n == st->cap) {
        int64_t cap = st->cap ? 2 * st->cap : 16;
        oups_key **p = oups_realloc(st->keys, (size_t)cap * sizeof *p);
        if (!p) {
            oups_key_free(k);
            return OUPS_ENOMEM;
        }
        st->keys = p;
        st->cap = cap;
    }
    st->keys[st->n++] = k;
    return 0;
}

/* Walk directories `level` deep below the root; at depth-1 collect `<stem>_opdmd` files. */
static int scan(oups_store *st, const char *dir, const char *rel, int level) {
    DIR *d = opendir(dir);
    if (!d) return 0;
    struct dirent *e;
    int rc = 0;
    char sub[PATH_MAX], subrel[PATH_MAX];
    while (rc == 0 && (e = readdir(d)) != NULL) {
        const char *n = e->d_name;
        if (n[0] == '.') continue;
        bool dir_entry = is_dir(dir, e);
        snprintf(subrel, sizeof subrel, "%s%s%s", rel, *rel ? "/" : "", n);
        if (level == oups_key_schema_depth(st->schema) - 1) {
            size_t len = strlen(subrel), nl = strlen(n);
            if (!dir_entry && nl > 6 && strcmp(n + nl - 6, "_opdmd") == 0) {
                subrel[len - 6] = '\0';
                rc = add_key(st, subrel);
            }
        } else if (dir_entry) {
            snprintf(sub, sizeof sub, "%s/%s", dir, n);
            rc = scan(st, sub, subrel, level + 1);
        }
    }
    closedir(d);
    return rc;
}

static int key_cmp_qsort(const void *a, const void *b) {
    return oups_key_cmp(*(oups_key *const *)a, *(oups_key *const *)b);
}

static int refresh(oups_store *st) {
    if (st->fresh) return 0;
    keys_clear(st);
    OUPS_TRY(scan(st, st->root, "", 0));
    if (st->n > 1) qsort(st->keys, (size_t)st->n, sizeof *st->keys, key_cmp_qsort);
    int64_t m = 0;
    for (int64_t i = 0; i < st->n; i++) {
        if (m > 0 && oups_key_cmp(st->keys[m - 1], st->keys[i]) == 0) oups_key_free(st->keys[i]);
        else st->keys[m++] = st->keys[i];
    }
    st->n = m;
    st->fresh = true;
    return 0;
}

int oups_store_keys(const oups_key *const **keys, int64_t *n, oups_store *st) {
    OUPS_TRY(refresh(st));
    *keys = (const oups_key *const *)st->keys;
    *n = st->n;
    return 0;
}

static int64_t find(const oups_store *st, const oups_key *key) {
    int64_t lo = 0, hi = st->n;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        int c = oups_key_cmp(st->keys[mid], key);
        if (c == 0) return mid;
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return -1;
}

int oups_store_contains(bool *out, oups_store *st, const oups_key *key) {
    OUPS_TRY(refresh(st));
    *out = find(st, key) >= 0;
    return 0;
}

static int dataset_path(char **out, const oups_store *st, const oups_key *key) {
    char *rel;
    OUPS_TRY(oups_key_to_path(&rel, key));
    size_t n = strlen(st->root) + strlen(rel) + 2;
    *out = oups_malloc(n);
    if (*out) snprintf(*out, n, "%s/%s", st->root, rel);
    oups_free(rel);
    return *out ? 0 : OUPS_ENOMEM;
}

int oups_store_get(oups_opd **out, oups_store *st, const oups_key *key, const oups_opd_options *opts) {
    *out = NULL;
    char *path;
    OUPS_TRY(dataset_path(&path, st, key));
    int rc = oups_opd_open(out, path, opts);
    oups_free(path);
    if (rc == 0 && oups_opd_is_new(*out)) st->fresh = false; /* it may be written: rescan next time */
    return rc;
}

int oups_store_delete(oups_store *st, const oups_key *key, int64_t lock_timeout_ms) {
    bool has;
    OUPS_TRY(oups_store_contains(&has, st, key));
    if (!has) {
        char *s = NULL;
        if (oups_key_to_str(&s, key) < 0) return OUPS_ENOMEM;
        int rc = oups_error_set(OUPS_ENOTFOUND, "key '%s' not found in store.", s);
        oups_free(s);
        return rc;
    }
    oups_opd_options o = OUPS_OPD_OPTIONS_INIT;
    o.lock_timeout_ms = lock_timeout_ms;
    oups_opd *opd;
    OUPS_TRY(oups_store_get(&opd, st, key, &o));
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", oups_opd_path(opd));
    int rc = oups_opd_remove_from_disk(opd, false);
    oups_opd_close(opd); /* deletes the lock file, so the parent can be removed when empty */
    OUPS_TRY(rc);
    int64_t i = find(st, key);
    if (i >= 0) {
        oups_key_free(st->keys[i]);
        memmove(st->keys + i, st->keys + i + 1, (size_t)(st->n - i - 1) * sizeof *st->keys);
        st->n--;
    }
    size_t root_len = strlen(st->root);
    for (char *slash = strrchr(dir, '/'); slash && (size_t)(slash - dir) > root_len; slash = strrchr(dir, '/')) {
        *slash = '\0';
        if (oups_io_rmdir(dir) != 0) break; /* not empty: stop (best effort, error not reported) */
    }
    return 0;
}

int oups_store_intersections(oups_intersections **out, oups_store *st, const oups_key *const *keys, int n,
                             const oups_intersections_options *opts) {
    *out = NULL;
    oups_opd **opds = oups_calloc((size_t)n + 1, sizeof *opds);
    if (!opds) return OUPS_ENOMEM;
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) /* the lock is not re-entrant: a repeated key would wait forever */
        for (int j = 0; j < i && rc == 0; j++)
            if (oups_key_cmp(keys[i], keys[j]) == 0)
                rc = oups_error_set(OUPS_EINVAL, "iter_intersections: key %d repeats key %d", i, j);
    for (int i = 0; i < n && rc == 0; i++) rc = oups_store_get(&opds[i], st, keys[i], NULL);
    if (rc == 0) rc = oups_intersections_open(out, opds, n, opts);
    if (rc == 0) rc = oups_store__intersections_own(*out, opds);
    if (rc < 0) {
        if (*out) {
            oups_intersections_free(*out);
            *out = NULL;
        }
        for (int i = 0; i < n; i++) oups_opd_close(opds[i]);
    }
    oups_free(opds);
    return rc;
}
