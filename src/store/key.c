/*
 * store/key.c: key schemas ("a:str,b:int/c:str": levels of typed fields) and keys (spec §1):
 * validation, str(key), relative path (one directory per level), strict parsing back (exactly
 * one path component per level with exactly its fields: the spec's recommended C behaviour),
 * ordering and hashing. Keys hold each field's canonical text plus the int value.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "store/internal.h"

#define KEY_MAX_FIELDS 64

struct oups_key_schema {
    char sep;
    int depth, n_fields;
    int level_end[KEY_MAX_FIELDS]; /* fields of level l: [level_end[l-1], level_end[l]) */
    bool is_int[KEY_MAX_FIELDS];
    char *names[KEY_MAX_FIELDS];
};

struct oups_key {
    const oups_key_schema *schema;
    char *text[KEY_MAX_FIELDS];
    int64_t ival[KEY_MAX_FIELDS];
};

void oups_key_schema_free(oups_key_schema *s) {
    if (!s) return;
    for (int i = 0; i < s->n_fields; i++) oups_free(s->names[i]);
    oups_free(s);
}

int oups_key_schema_parse(oups_key_schema **out, const char *spec, char sep) {
    *out = NULL;
    if (!spec || !*spec) return oups_error_set(OUPS_EINVAL, "key schema: empty");
    if (sep == '\0' || sep == '/')
        return oups_error_set(OUPS_EINVAL, "key schema: field separator '%c' not allowed", sep ? sep : '0');
    oups_key_schema *s = oups_calloc(1, sizeof *s);
    if (!s) return OUPS_ENOMEM;
    s->sep = sep;
    const char *p = spec;
    int rc = 0;
    for (;;) {
        size_t n = strcspn(p, ",/");
        const char *colon = memchr(p, ':', n);
        if (!colon || colon == p) {
            rc = oups_error_set(OUPS_EINVAL, "key schema '%s': field '%.*s' must be name:int or name:str", spec, (int)n, p);
            break;
        }
        size_t tl = n - (size_t)(colon + 1 - p);
        bool is_int = tl == 3 && memcmp(colon + 1, "int", 3) == 0;
        if (!is_int && !(tl == 3 && memcmp(colon + 1, "str", 3) == 0)) {
            rc = oups_error_set(OUPS_EINVAL, "key schema '%s': field '%.*s' has type '%.*s' (expected int or str)", spec,
                                (int)n, p, (int)tl, colon + 1);
            break;
        }
        if (s->n_fields == KEY_MAX_FIELDS) {
            rc = oups_error_set(OUPS_EINVAL, "key schema '%s': more than %d fields", spec, KEY_MAX_FIELDS);
            break;
        }
        s->is_int[s->n_fields] = is_int;
        s->names[s->n_fields] = oups_strndup(p, (size_t)(colon - p));
        if (!s->names[s->n_fields++]) {
            rc = OUPS_ENOMEM;
            break;
        }
        p += n;
        if (*p == ',') {
            p++;
            continue;
        }
        s->level_end[s->depth++] = s->n_fields;
        if (*p == '\0') break;
        p++; /* '/' */
    }
    if (rc < 0) {
        oups_key_schema_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

int oups_key_schema_depth(const oups_key_schema *s) { return s->depth; }
int oups_key_schema_num_fields(const oups_key_schema *s) { return s->n_fields; }

void oups_key_free(oups_key *k) {
    if (!k) return;
    for (int i = 0; i < k->schema->n_fields; i++) oups_free(k->text[i]);
    oups_free(k);
}

/* Set field i from n bytes of text; `validate` applies the construction rules. */
static int set_field(oups_key *k, int i, const char *v, size_t n, bool validate) {
    const oups_key_schema *s = k->schema;
    if (validate) {
        if (n == 0) return oups_error_set(OUPS_EINVAL, "key field '%s': empty value not allowed", s->names[i]);
        for (size_t j = 0; j < n; j++)
            if (v[j] == s->sep || v[j] == '/' || v[j] == '.' || v[j] == '\0')
                return oups_error_set(OUPS_EINVAL,
                                      "key field '%s': use of a forbidden character among (%c, /, .) is not possible in "
                                      "'%.*s'", s->names[i], s->sep, (int)n, v);
    }
    char *t = oups_strndup(v, n);
    if (!t) return OUPS_ENOMEM;
    if (s->is_int[i]) {
        char *end;
        errno = 0;
        long long x = n ? strtoll(t, &end, 10) : 0;
        if (n == 0 || *end || errno || t[0] == '+' || t[0] == ' ') {
            int rc = oups_error_set(OUPS_EINVAL, "key field '%s': '%s' is not an integer", s->names[i], t);
            oups_free(t);
            return rc;
        }
        k->ival[i] = x;
        oups_free(t);
        char buf[24];
        snprintf(buf, sizeof buf, "%lld", x);
        t = oups_strdup(buf);
        if (!t) return OUPS_ENOMEM;
    }
    oups_free(k->text[i]);
    k->text[i] = t;
    return 0;
}

static int key_alloc(oups_key **out, const oups_key_schema *s) {
    *out = oups_calloc(1, sizeof **out);
    if (!*out) return OUPS_ENOMEM;
    (*out)->schema = s;
    return 0;
}

int oups_key_new(oups_key **out, const oups_key_schema *s, const char *const *values, int n) {
    *out = NULL;
    if (n != s->n_fields)
        return oups_error_set(OUPS_EINVAL, "key: %d values given, the schema has %d fields", n, s->n_fields);
    oups_key *k;
    OUPS_TRY(key_alloc(&k, s));
    for (int i = 0; i < n; i++) {
        int rc = values[i] ? set_field(k, i, values[i], strlen(values[i]), true)
                           : oups_error_set(OUPS_EINVAL, "key field '%s': NULL value", s->names[i]);
        if (rc < 0) {
            oups_key_free(k);
            return rc;
        }
    }
    /* an int rendered in its canonical form must still be valid (e.g. "-1" with sep '-') */
    for (int i = 0; i < n; i++) {
        int rc = set_field(k, i, k->text[i], strlen(k->text[i]), true);
        if (rc < 0) {
            oups_key_free(k);
            return rc;
        }
    }
    *out = k;
    return 0;
}

/* Split [p, p+n) on the separator into fields [f0, f0+count); exact count required. */
static int parse_part(oups_key *k, const char *p, size_t n, int f0, int count, const char *whole) {
    int f = f0;
    size_t start = 0;
    for (size_t j = 0; j <= n; j++) {
        if (j < n && p[j] != k->schema->sep) continue;
        if (f == f0 + count) return oups_error_set(OUPS_EINVAL, "key '%s': too many fields", whole);
        OUPS_TRY(set_field(k, f++, p + start, j - start, false));
        if (j - start == 0) return oups_error_set(OUPS_EINVAL, "key '%s': empty field", whole);
        start = j + 1;
    }
    if (f != f0 + count) return oups_error_set(OUPS_EINVAL, "key '%s': too few fields", whole);
    return 0;
}

int oups_key_from_str(oups_key **out, const oups_key_schema *s, const char *text) {
    *out = NULL;
    oups_key *k;
    OUPS_TRY(key_alloc(&k, s));
    int rc = parse_part(k, text, strlen(text), 0, s->n_fields, text);
    if (rc < 0) {
        oups_key_free(k);
        return rc;
    }
    *out = k;
    return 0;
}

int oups_key_from_path(oups_key **out, const oups_key_schema *s, const char *path) {
    *out = NULL;
    oups_key *k;
    OUPS_TRY(key_alloc(&k, s));
    const char *p = path;
    int rc = 0;
    for (int l = 0; l < s->depth && rc == 0; l++) {
        size_t n = strcspn(p, "/");
        bool last = l == s->depth - 1;
        if (last ? p[n] != '\0' : p[n] != '/') {
            rc = oups_error_set(OUPS_EINVAL, "key path '%s': expected %d components", path, s->depth);
            break;
        }
        int f0 = l ? s->level_end[l - 1] : 0;
        rc = parse_part(k, p, n, f0, s->level_end[l] - f0, path);
        p += n + 1;
    }
    if (rc < 0) {
        oups_key_free(k);
        return rc;
    }
    *out = k;
    return 0;
}

static int render(char **out, const oups_key *k, bool as_path) {
    oups_bytes b = {0};
    const oups_key_schema *s = k->schema;
    int rc = 0, l = 0;
    for (int i = 0; i < s->n_fields && rc == 0; i++) {
        if (i > 0) {
            bool level_break = i == s->level_end[l];
            if (level_break) l++;
            rc = oups_bytes_append(&b, level_break && as_path ? "/" : &s->sep, 1);
        }
        if (rc == 0) rc = oups_bytes_append(&b, k->text[i], strlen(k->text[i]));
    }
    if (rc == 0) rc = oups_bytes_append(&b, "", 1);
    if (rc < 0) {
        oups_bytes_free(&b);
        return rc;
    }
    *out = (char *)b.data;
    return 0;
}

int oups_key_to_str(char **out, const oups_key *k) { return render(out, k, false); }
int oups_key_to_path(char **out, const oups_key *k) { return render(out, k, true); }

int oups_key_clone(oups_key **out, const oups_key *k) {
    *out = NULL;
    oups_key *c;
    OUPS_TRY(key_alloc(&c, k->schema));
    for (int i = 0; i < k->schema->n_fields; i++) {
        c->ival[i] = k->ival[i];
        c->text[i] = oups_strdup(k->text[i]);
        if (!c->text[i]) {
            oups_key_free(c);
            return OUPS_ENOMEM;
        }
    }
    *out = c;
    return 0;
}

int oups_key_cmp(const oups_key *a, const oups_key *b) {
    for (int i = 0; i < a->schema->n_fields; i++) {
        int c = a->schema->is_int[i] ? (a->ival[i] > b->ival[i]) - (a->ival[i] < b->ival[i])
                                     : strcmp(a->text[i], b->text[i]);
        if (c) return c < 0 ? -1 : 1;
    }
    return 0;
}

uint64_t oups_key_hash(const oups_key *k) {
    uint64_t h = 1469598103934665603ULL; /* FNV-1a over the canonical texts */
    for (int i = 0; i < k->schema->n_fields; i++) {
        for (const char *p = k->text[i]; *p; p++) h = (h ^ (uint8_t)*p) * 1099511628211ULL;
        h = (h ^ 0xff) * 1099511628211ULL;
    }
    return h;
}

const char *oups_key_field(const oups_key *k, int i) { return i >= 0 && i < k->schema->n_fields ? k->text[i] : NULL; }

int oups_store__schema_clone(oups_key_schema **out, const oups_key_schema *s) {
    *out = oups_calloc(1, sizeof **out);
    if (!*out) return OUPS_ENOMEM;
    **out = *s;
    for (int i = 0; i < s->n_fields; i++) {
        (*out)->names[i] = oups_strdup(s->names[i]);
        if (!(*out)->names[i]) {
            (*out)->n_fields = i;
            oups_key_schema_free(*out);
            *out = NULL;
            return OUPS_ENOMEM;
        }
    }
    return 0;
}
