/*
 * tools/oups/sink.c: outputs written as their rows come (sink.h).
 */
#include <string.h>

#include "csv.h"
#include "sink.h"

int cli_sink_write(cli_sink *s, const oups_table *t) {
    int rc;
    bool pq = !strcmp(s->format, "parquet");
    if (!s->open) {
        s->open = true;
        if (pq && (rc = oups_parquet_writer_open(&s->pw, s->path, t, NULL)) < 0) return cli_fail_lib(rc, s->path);
        if (!pq && ((rc = cli_open_output(&s->f, s->path)) < 0 || (rc = cli_write_header(s->f, t, s->format)) < 0))
            return rc;
    }
    if (oups_table_num_rows(t) == 0) return 0;
    if (pq) return (rc = oups_parquet_writer_write_table(s->pw, t)) < 0 ? cli_fail_lib(rc, s->path) : 0;
    return cli_write_rows(s->f, t, s->format);
}

int cli_sink_close(cli_sink *s, bool ok) {
    int rc = 0;
    if (s->pw) {
        if (ok && !cli_failed() && (rc = oups_parquet_writer_finish(s->pw)) < 0) rc = cli_fail_lib(rc, s->path);
        oups_parquet_writer_free(s->pw);
    }
    if (s->f) rc = cli_close_output(s->f, s->path);
    s->pw = NULL;
    s->f = NULL;
    return rc;
}
