/*
 * tools/oups/table_write.c: `--format table`, a box table for people (as DuckDB's shell draws
 * one): column names and types on top, numbers right-aligned, nulls as "null", long text cut
 * with "…". Rows arrive in chunks (cli_write_rows) and the box is drawn at cli_close_output,
 * when the widths are known; memory stays bounded: beyond 40 rows only the first and last 20
 * are kept, and a "·" row marks the ones left out, the footer giving the total.
 */
#include <stdlib.h>
#include <string.h>

#include "csv.h"

enum { HEAD = 20, TAIL = 20, MAX_CELL = 40 };

static struct {
    bool active;
    int ncols;
    char **names, **types;
    bool *right;          /* numbers right-aligned */
    char **head[HEAD];    /* cells of the first rows */
    char **tail[TAIL];    /* ring of the last rows */
    int64_t rows;
} box;

static void free_row(char **cells) {
    if (!cells) return;
    for (int c = 0; c < box.ncols; c++) free(cells[c]);
    free(cells);
}

static void box_reset(void) {
    for (int c = 0; c < box.ncols; c++) free(box.names[c]), free(box.types[c]);
    free(box.names);
    free(box.types);
    free(box.right);
    for (int i = 0; i < HEAD; i++) free_row(box.head[i]);
    for (int i = 0; i < TAIL; i++) free_row(box.tail[i]);
    memset(&box, 0, sizeof box);
}

int cli_box_begin(const oups_table *schema) {
    box_reset();
    box.active = true;
    box.ncols = oups_table_num_columns(schema);
    box.names = calloc((size_t)box.ncols + 1, sizeof *box.names);
    box.types = calloc((size_t)box.ncols + 1, sizeof *box.types);
    box.right = calloc((size_t)box.ncols + 1, sizeof *box.right);
    if (!box.names || !box.types || !box.right) return cli_fail(OUPS_ENOMEM, "out of memory");
    for (int c = 0; c < box.ncols; c++) {
        char t[96];
        const oups_datatype *ty = oups_column_type(oups_table_column(schema, c));
        box.names[c] = strdup(oups_table_column_name(schema, c));
        box.types[c] = strdup(oups_datatype_format(ty, t, sizeof t));
        box.right[c] = ty->id != OUPS_TYPE_STRING && ty->id != OUPS_TYPE_BINARY && ty->id != OUPS_TYPE_BOOL &&
                       ty->id != OUPS_TYPE_TIMESTAMP && ty->id != OUPS_TYPE_DATE32;
        if (!box.names[c] || !box.types[c]) return cli_fail(OUPS_ENOMEM, "out of memory");
    }
    return 0;
}

bool cli_box_active(void) { return box.active; }

/* Display width in characters (UTF-8 continuation bytes do not count). */
static size_t width(const char *s) {
    size_t w = 0;
    for (; *s; s++) w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

/* The cell as shown: control characters as spaces, cut after MAX_CELL characters. */
static char *shown(const char *text) {
    size_t n = strlen(text), w = 0, o = 0;
    char *b = malloc(n + 4);
    if (!b) return NULL;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)text[i];
        if ((c & 0xC0) != 0x80 && ++w > MAX_CELL) {
            memcpy(b + o, "…", 3);
            o += 3;
            break;
        }
        b[o++] = c < 0x20 ? ' ' : (char)c;
    }
    b[o] = '\0';
    return b;
}

int cli_box_rows(const oups_table *t) {
    char buf[256];
    for (int64_t r = 0; r < oups_table_num_rows(t); r++, box.rows++) {
        char **cells = calloc((size_t)box.ncols + 1, sizeof *cells);
        if (!cells) return cli_fail(OUPS_ENOMEM, "out of memory");
        for (int c = 0; c < box.ncols; c++) {
            cli_cell_text(buf, sizeof buf, oups_table_column(t, c), r);
            if (!(cells[c] = shown(buf))) {
                free_row(cells);
                return cli_fail(OUPS_ENOMEM, "out of memory");
            }
        }
        if (box.rows < HEAD) {
            box.head[box.rows] = cells;
        } else {
            char ***slot = &box.tail[(box.rows - HEAD) % TAIL];
            free_row(*slot);
            *slot = cells;
        }
    }
    return 0;
}

static void line(FILE *f, const size_t *w, const char *l, const char *m, const char *r) {
    fputs(l, f);
    for (int c = 0; c < box.ncols; c++) {
        for (size_t i = 0; i < w[c] + 2; i++) fputs("─", f);
        fputs(c + 1 < box.ncols ? m : r, f);
    }
    putc('\n', f);
}

static void row(FILE *f, const size_t *w, char *const *cells, bool center) {
    fputs("│", f);
    for (int c = 0; c < box.ncols; c++) {
        size_t pad = w[c] - width(cells[c]);
        size_t left = center ? pad / 2 : box.right[c] ? pad : 0;
        fprintf(f, " %*s%s%*s │", (int)left, "", cells[c], (int)(pad - left), "");
    }
    putc('\n', f);
}

int cli_box_end(FILE *f) {
    if (!box.active) return 0;
    int64_t kept_tail = box.rows > HEAD ? (box.rows - HEAD < TAIL ? box.rows - HEAD : TAIL) : 0;
    size_t *w = calloc((size_t)box.ncols + 1, sizeof *w);
    char **dots = calloc((size_t)box.ncols + 1, sizeof *dots);
    if (!w || !dots) {
        free(w), free(dots);
        box_reset();
        return cli_fail(OUPS_ENOMEM, "out of memory");
    }
    int64_t first_tail = box.rows - kept_tail; /* row index of the oldest row kept in the ring */
    for (int c = 0; c < box.ncols; c++) {
        dots[c] = "·";
        w[c] = width(box.names[c]) > width(box.types[c]) ? width(box.names[c]) : width(box.types[c]);
        for (int64_t i = 0; i < box.rows && i < HEAD; i++) w[c] = width(box.head[i][c]) > w[c] ? width(box.head[i][c]) : w[c];
        for (int64_t i = 0; i < kept_tail; i++) {
            char **cells = box.tail[(first_tail - HEAD + i) % TAIL];
            w[c] = width(cells[c]) > w[c] ? width(cells[c]) : w[c];
        }
    }
    line(f, w, "┌", "┬", "┐");
    row(f, w, box.names, true);
    row(f, w, box.types, true);
    line(f, w, "├", "┼", "┤");
    for (int64_t i = 0; i < box.rows && i < HEAD; i++) row(f, w, box.head[i], false);
    if (box.rows > HEAD + TAIL) row(f, w, dots, true);
    for (int64_t i = 0; i < kept_tail; i++) row(f, w, box.tail[(first_tail - HEAD + i) % TAIL], false);
    line(f, w, "└", "┴", "┘");
    int64_t shown_rows = box.rows < HEAD ? box.rows : HEAD + kept_tail;
    if (shown_rows < box.rows)
        fprintf(f, "%lld rows (%lld shown)\n", (long long)box.rows, (long long)shown_rows);
    else
        fprintf(f, "%lld row%s\n", (long long)box.rows, box.rows == 1 ? "" : "s");
    free(w);
    free(dots);
    box_reset();
    return 0;
}
