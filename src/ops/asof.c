/*
 * ops/asof.c: oups_asof(), the plain one-table as-of join: a throw-away merger with one group,
 * one join position and no previous values (same kernel, sortedness always checked), whose
 * output columns are put back in the right table's original order.
 */
#include <stdio.h>

#include "ops/internal.h"

int oups_asof(oups_table **out, const oups_column *left_keys, const oups_table *right, const char *on,
              const oups_asof_options *opts) {
    *out = NULL;
    oups_asof_options def = OUPS_ASOF_OPTIONS_INIT;
    if (!opts) opts = &def;
    if (!left_keys || !right || !on) return oups_error_set(OUPS_EINVAL, "asof: left keys, right table or 'on' is NULL");
    if (opts->version != OUPS_ASOF_OPTIONS_VERSION)
        return oups_error_set(OUPS_EINVAL, "asof: options version %u, expected %d", opts->version,
                              OUPS_ASOF_OPTIONS_VERSION);
    if (opts->fill == OUPS_ASOF_FILL_VALUES)
        return oups_error_set(OUPS_EINVAL, "asof: fill mode 'values' needs the merger (oups_asof_merger_new)");
    int k;
    OUPS_TRY(oups_table_column_find(&k, right, on));
    const char *prefix = opts->prefix ? opts->prefix : "";
    bool allow = opts->allow_exact_matches;
    oups_asof_merger_options mo = OUPS_ASOF_MERGER_OPTIONS_INIT;
    mo.on = on;
    mo.n_dfs_per_group = 1;
    mo.prefixes = &prefix;
    mo.n_join_positions = 1;
    mo.allow_exact_matches = &allow;
    mo.direction = opts->direction;
    mo.has_tolerance = opts->has_tolerance;
    mo.tolerance = opts->tolerance;
    mo.fill = opts->fill;
    oups_asof_merger *m = NULL;
    OUPS_TRY(oups_asof_merger_new(&m, &mo));
    oups_table *res = NULL;
    oups_table *tables[1] = {(oups_table *)right};
    int rc = oups_asof_merger_merge(&res, m, left_keys, tables, 1, NULL, 0, true);
    oups_asof_merger_free(m);
    if (rc < 0) return rc;
    /* Back to the right table's column order (the merger groups columns by type). */
    int n = right->n_cols;
    char **names = oups_calloc((size_t)n, sizeof *names);
    if (!names) rc = OUPS_ENOMEM;
    for (int c = -1, o = 0; rc == 0 && c < n; c++) { /* c = -1: the key, first */
        if (c == k) continue;
        const char *pre = c < 0 ? "" : prefix, *src = c < 0 ? on : right->names[c];
        size_t cap = strlen(pre) + strlen(src) + 1;
        if (!(names[o] = oups_malloc(cap))) rc = OUPS_ENOMEM;
        else snprintf(names[o++], cap, "%s%s", pre, src);
    }
    if (rc == 0) rc = oups_table_select(out, res, (const char *const *)names, n);
    for (int c = 0; names && c < n; c++) oups_free(names[c]);
    oups_free(names);
    oups_table_free(res);
    return rc;
}
