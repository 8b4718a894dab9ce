/**
 * @file oups/parquet.h
 * @brief Parquet reader and writer (flat schemas), written from the Apache Parquet format
 *        specification. Files are standard: DuckDB, Polars, Spark read what we write.
 *
 * Handles: oups_parquet_reader (an open file or memory image; reads row groups and columns on
 * demand with pread, so files larger than memory are fine), oups_parquet_writer (streams row
 * groups to a temporary file; finish() writes the footer, fsyncs and renames it into place).
 *
 * Type mapping (read): INT32/INT64 with their logical/converted types → the matching table
 * type; INT96 → timestamp[ns]; BYTE_ARRAY STRING/ENUM/JSON → string, else binary; DECIMAL in
 * INT32/INT64/FLBA/BYTE_ARRAY → decimal128; DATE → date32; TIMESTAMP(unit, isAdjustedToUTC) →
 * timestamp[unit] with tz "UTC" when adjusted; FLOAT16 → float32; UUID and other FLBA → binary.
 * Nested columns and encrypted files: OUPS_EUNSUPPORTED naming the column.
 *
 * Ownership: tables returned are owned by the caller and independent of the reader.
 * Threading: one thread per handle at a time. Inside a read or a row-group write the library
 * may use worker threads (a task per column: oups_parquet_reader_set_threads, the writer's
 * `threads` option, the OUPS_THREADS environment variable); files and tables are the same
 * for every thread count. Workers are created on first parallel use and kept for reuse.
 */
#ifndef OUPS_PARQUET_H
#define OUPS_PARQUET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oups/table.h"
#include "oups/util.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Compression codecs; values are the Parquet CompressionCodec enum. */
typedef enum oups_codec {
    OUPS_CODEC_UNCOMPRESSED = 0,
    OUPS_CODEC_SNAPPY = 1,
    OUPS_CODEC_GZIP = 2,
    OUPS_CODEC_LZO = 3, /**< read: unsupported */
    OUPS_CODEC_BROTLI = 4,
    OUPS_CODEC_LZ4 = 5, /**< read only: legacy Hadoop framing (or raw as fallback) */
    OUPS_CODEC_ZSTD = 6,
    OUPS_CODEC_LZ4_RAW = 7
} oups_codec;

/** Parse "none|uncompressed|snappy|gzip|zstd|lz4_raw|brotli" with optional ":level". */
OUPS_API OUPS_NODISCARD int oups_codec_parse(oups_codec *codec, int *level, const char *text);
/** Lower-case name of a codec ("zstd"). */
OUPS_API const char *oups_codec_name(oups_codec codec);

/* ------------------------------------------------------------------------------------------ */
/** @name Reader */

typedef struct oups_parquet_reader oups_parquet_reader;

/**
 * Open a file and parse its footer (only the footer is read here; data is read on demand).
 * @param[out] out  The reader; NULL on failure.
 * Ownership: caller frees with oups_parquet_reader_free(). The path is copied. The file stays
 * open until then.
 * Errors: OUPS_ENOTFOUND, OUPS_EIO, OUPS_ECORRUPT (bad magic, footer, schema tree, row groups
 * without one chunk per column), OUPS_EUNSUPPORTED (encrypted footer), OUPS_ENOMEM.
 * Cost: two small reads plus one read of the footer; memory about 2x the footer size.
 * Nested or encrypted columns do not fail here, only when read (see oups_parquet_reader_read).
 */
OUPS_API OUPS_NODISCARD int oups_parquet_reader_open(oups_parquet_reader **out, const char *path);
/**
 * Open a Parquet image in memory, like oups_parquet_reader_open().
 * Ownership: `data` is borrowed and must outlive the reader (nothing is copied); `name` (may
 * be NULL) is copied and used in error messages.
 */
OUPS_API OUPS_NODISCARD int oups_parquet_reader_open_memory(oups_parquet_reader **out, const void *data, size_t len,
                                                            const char *name);
/** Close the file and free the reader (NULL is a no-op). Tables already read stay valid. */
OUPS_API void oups_parquet_reader_free(oups_parquet_reader *r);

/** Row count of the file, from the footer. */
OUPS_API int64_t oups_parquet_reader_num_rows(const oups_parquet_reader *r);
OUPS_API int oups_parquet_reader_num_row_groups(const oups_parquet_reader *r);
/** Rows of row group `rg`, or -1 if out of range. */
OUPS_API int64_t oups_parquet_reader_row_group_num_rows(const oups_parquet_reader *r, int rg);
/** Number of leaf columns (flat schema: the columns). */
OUPS_API int oups_parquet_reader_num_columns(const oups_parquet_reader *r);
/**
 * Name of leaf column `col` (nested leaves: dotted path "a.b.c").
 * @param[out] out  Borrowed from the reader, valid while it lives.
 * @return 0, or OUPS_EINVAL if `col` is out of range.
 */
OUPS_API OUPS_NODISCARD int oups_parquet_reader_column_name(const char **out, const oups_parquet_reader *r, int col);

/**
 * A 0-row table with the file's schema (names and mapped types, see the type mapping above).
 * @param[out] out  Caller owns it (oups_table_free()); NULL on failure.
 * Errors: OUPS_EUNSUPPORTED naming the first column that cannot be read (nested, encrypted,
 * decimal precision above 38, duplicate or empty name), OUPS_ENOMEM.
 */
OUPS_API OUPS_NODISCARD int oups_parquet_reader_schema(oups_table **out, const oups_parquet_reader *r);

/**
 * Read row groups `row_groups[0..n_rg)` (NULL: all, in order; an index may repeat) and columns
 * `columns[0..n_cols)` (NULL: all, in file order) into one table, rows in the order given.
 * @param[out] out  Caller owns it (oups_table_free()); independent of the reader. NULL on failure.
 * Errors: OUPS_ENOTFOUND (column name), OUPS_EINVAL (row group index), OUPS_ECORRUPT naming
 * file, column, row group and page (also a page CRC that does not match), OUPS_EUNSUPPORTED
 * (nested/encrypted column, LZO, BIT_PACKED levels, dictionary-encoded booleans), OUPS_EIO,
 * OUPS_ENOMEM.
 * Cost: one pread per requested column chunk (exactly its bytes), values decoded straight into
 * the table's buffers (one pass; pages with nulls take one extra scatter pass). Memory: the
 * table plus one column chunk and one decompressed page at a time. Decoded sizes are capped at
 * 64 MiB + 16384 x the file size per column (hostile files: OUPS_ECORRUPT).
 */
OUPS_API OUPS_NODISCARD int oups_parquet_reader_read(oups_table **out, oups_parquet_reader *r, const int *row_groups,
                                                     int n_rg, const char *const *columns, int n_cols);

/**
 * Threads decoding the columns of one oups_parquet_reader_read() call in parallel (a task
 * per column): 0 (the default) = OUPS_THREADS from the environment if set, else the online
 * cores; 1 = the calling thread only. Results and errors do not depend on it.
 */
OUPS_API void oups_parquet_reader_set_threads(oups_parquet_reader *r, int threads);

/** Number of key-value metadata pairs of the file. */
OUPS_API int oups_parquet_reader_kv_count(const oups_parquet_reader *r);
/** Key / value of pair i (NULL if out of range; a value may be NULL). Borrowed from the reader. */
OUPS_API const char *oups_parquet_reader_kv_key(const oups_parquet_reader *r, int i);
OUPS_API const char *oups_parquet_reader_kv_value(const oups_parquet_reader *r, int i);
/** Value for `key` (the last pair with that key), or NULL if absent. Borrowed from the reader. */
OUPS_API const char *oups_parquet_reader_kv_get(const oups_parquet_reader *r, const char *key);

/** Statistics of one column chunk, decoded to the column's table type. */
typedef struct oups_parquet_stats {
    bool has_min_max;
    oups_scalar min, max; /**< bytes borrowed from the reader */
    bool has_null_count;
    int64_t null_count;
} oups_parquet_stats;

/**
 * Statistics of column `col` in row group `rg`: min_value/max_value when present (column order
 * TYPE_ORDER, IEEE_754_TOTAL_ORDER or unspecified), else the legacy min/max only for types whose
 * legacy order is signed (BOOLEAN, signed INT32/INT64, FLOAT, DOUBLE). Bounds that are NaN, of
 * INT96 columns or of the wrong size are reported absent (has_min_max false). Truncated byte
 * array bounds (is_min/max_value_exact false) are still valid bounds.
 * Ownership: string/binary bounds point into the reader. Errors: OUPS_EINVAL (indices),
 * OUPS_EUNSUPPORTED (column that cannot be read). Cost: no I/O.
 */
OUPS_API OUPS_NODISCARD int oups_parquet_reader_stats(oups_parquet_stats *out, const oups_parquet_reader *r, int rg,
                                                      int col);

/** One data page of a column chunk, from the file's page index. */
typedef struct oups_parquet_page {
    int64_t first_row;    /**< index of the page's first row in its row group */
    int64_t n_rows;       /**< rows of the page */
    bool has_min_max;     /**< false: all-null page, no ColumnIndex, or bounds that do not decode */
    oups_scalar min, max; /**< the ColumnIndex bounds, in the column's table type */
} oups_parquet_page;

/**
 * The data pages of column `col` in row group `rg`, from the chunk's OffsetIndex (locations,
 * first rows) and ColumnIndex (min/max, when written).
 * @param[out] out  `*n` pages in row order, NULL with `*n` = 0 when the chunk has no offset
 *                  index (files of writers that do not write one). Caller frees it with
 *                  oups_mem_free(); byte-array bounds point into the same block.
 * Errors: OUPS_EINVAL (indices), OUPS_ECORRUPT (an index that does not parse, or pages out of
 * order or outside the chunk), OUPS_EUNSUPPORTED (column that cannot be read), OUPS_EIO.
 * Cost: one pread of each index structure; no page is read.
 */
OUPS_API OUPS_NODISCARD int oups_parquet_reader_pages(oups_parquet_page **out, int *n, oups_parquet_reader *r,
                                                      int rg, int col);
/**
 * Rows [row_start, row_end) of row group `rg`, columns as in oups_parquet_reader_read(). In a
 * chunk with an offset index only the data pages holding those rows (and the dictionary page)
 * are read and decoded; other chunks are decoded whole, then sliced.
 * @param[out] out  Caller owns it; independent of the reader.
 * Errors: those of oups_parquet_reader_read(); OUPS_EINVAL for rows outside the row group.
 * Cost: per column, one pread of its offset index and one or two of its pages; one thread.
 */
OUPS_API OUPS_NODISCARD int oups_parquet_reader_read_rows(oups_table **out, oups_parquet_reader *r, int rg,
                                                          int64_t row_start, int64_t row_end,
                                                          const char *const *columns, int n_cols);
/** Data pages (v1 or v2) decoded by this reader since it was opened, all reads included. */
OUPS_API int64_t oups_parquet_reader_pages_decoded(const oups_parquet_reader *r);
/** Bytes this reader read from its file since it was opened (footer, indexes, pages). */
OUPS_API int64_t oups_parquet_reader_bytes_read(const oups_parquet_reader *r);
/**
 * Where the file's tail starts: its page index (when it has one) and footer, from there to the
 * end. With page checksums, the tail plus the pages a read decodes are all it relies on: a
 * caller holding a checksum of the tail (the store does) can thus verify a partial read.
 * Cost: O(column chunks), no I/O.
 */
OUPS_API int64_t oups_parquet_reader_tail_offset(const oups_parquet_reader *r);
/**
 * Whether the footer lists page checksums (write option page_checksums). When it does, every
 * page any read decodes, header included, is checked against them first (OUPS_ECORRUPT naming
 * the column, row group and page on a mismatch); the footer itself is not covered.
 */
OUPS_API bool oups_parquet_reader_has_page_checksums(const oups_parquet_reader *r);

/**
 * Describe the file as JSON (file, num_rows, format_version, created_by, schema with table
 * and Parquet types, key_value_metadata, row_groups with per-column codec, encodings, sizes,
 * offsets and statistics) — the output of `oups parquet meta`. Binary bounds print as
 * "0x.." hex, decimals as strings, NaN/inf as strings.
 * Ownership: `*out` is NUL-terminated, caller frees with oups_mem_free(). Errors: OUPS_ENOMEM.
 */
OUPS_API OUPS_NODISCARD int oups_parquet_reader_meta_json(char **out, const oups_parquet_reader *r);
/**
 * Human-readable schema, one line per leaf column — the output of `oups parquet schema`:
 * "name: table-type (PHYSICAL [LOGICAL], required|optional|repeated)", table-type
 * "unsupported" for columns that cannot be read. Ownership/Errors: as oups_parquet_reader_meta_json.
 */
OUPS_API OUPS_NODISCARD int oups_parquet_reader_schema_text(char **out, const oups_parquet_reader *r);

/* ------------------------------------------------------------------------------------------ */
/** @name Writer
 *
 * Type mapping (write): every column is OPTIONAL. bool → BOOLEAN; int8/16/32 → INT32 and
 * uint8/16/32 → INT32 with INTEGER(bits, signed) and INT_n/UINT_n; int64/uint64 → INT64 likewise;
 * float32 → FLOAT; float64 → DOUBLE; date32 → INT32 DATE; timestamp[ms|us|ns] → INT64
 * TIMESTAMP(unit, isAdjustedToUTC = tz non-empty) plus TIMESTAMP_MILLIS/MICROS when adjusted;
 * timestamp[s] is written as milliseconds (Parquet has no seconds unit: it reads back as
 * timestamp[ms]); a tz other than UTC reads back as "UTC"; string → BYTE_ARRAY STRING/UTF8;
 * binary → BYTE_ARRAY; decimal(p,s) → INT32 (p <= 9), INT64 (p <= 18), else FIXED_LEN_BYTE_ARRAY
 * of the fewest bytes, with DECIMAL(p,s). Statistics follow the column order of the type
 * (unsigned for uint and bytes), skip NaN, write zero bounds as -0.0/+0.0, and truncate byte
 * arrays to 64 bytes (flagged inexact); the deprecated min/max fields only where the old signed
 * order is right. Every column gets TYPE_ORDER in column_orders.
 */

/** 2 added encoding, n_column_encodings, encoding_columns, column_encodings and threads;
 * 3 added page_checksums. Structs of older versions are still accepted (the fields they lack
 * take their defaults). */
#define OUPS_PARQUET_WRITE_OPTIONS_VERSION 3

/**
 * Value encoding of a column (oups_parquet_write_options.encoding, column_encodings). Every
 * choice is standard Parquet that DuckDB, Polars, pyarrow and Spark (3.3+) read.
 */
typedef enum oups_parquet_encoding {
    /** Per column chunk, from a sample of its values (default): integer-like columns that are
     * sorted (the ordered-on column) take DELTA_BINARY_PACKED; other columns but bool and FLBA
     * decimals try a dictionary (given up when more than half of the first 16,384 values are
     * distinct, or past dictionary_page_limit) and go on in DELTA_BINARY_PACKED for integers
     * whose deltas are narrow (or with delta_integers), BYTE_STREAM_SPLIT for floats whose
     * sample compresses better so, PLAIN otherwise. `dictionary = false` rules dictionaries
     * out. */
    OUPS_PARQUET_ENCODING_AUTO = 0,
    OUPS_PARQUET_ENCODING_PLAIN = 1,
    /** Dictionary without the distinct-values check; PLAIN once past dictionary_page_limit.
     * Not for bool and FLBA decimals (OUPS_EINVAL). */
    OUPS_PARQUET_ENCODING_DICTIONARY = 2,
    /** DELTA_BINARY_PACKED: integer, date and timestamp columns only (else OUPS_EINVAL). */
    OUPS_PARQUET_ENCODING_DELTA = 3,
    /** BYTE_STREAM_SPLIT: float32 / float64 columns only (else OUPS_EINVAL). */
    OUPS_PARQUET_ENCODING_BYTE_STREAM_SPLIT = 4
} oups_parquet_encoding;

/** Parse "auto|plain|dictionary|delta|byte_stream_split" (also "dict", "bss"). OUPS_EINVAL
 * naming the text otherwise. */
OUPS_API OUPS_NODISCARD int oups_parquet_encoding_parse(oups_parquet_encoding *out, const char *text);
/** Lower-case name of an encoding choice ("delta"). */
OUPS_API const char *oups_parquet_encoding_name(oups_parquet_encoding e);

/** Writer options. Start from OUPS_PARQUET_WRITE_OPTIONS_INIT and change fields. */
typedef struct oups_parquet_write_options {
    int version;                 /**< OUPS_PARQUET_WRITE_OPTIONS_VERSION */
    oups_codec codec;            /**< default ZSTD; LZO and LZ4 (Hadoop) cannot be written */
    int codec_level;             /**< 0: codec default */
    int64_t row_group_size;      /**< rows per row group for write_table (default 1,048,576) */
    int64_t page_size;           /**< target uncompressed data page bytes (default 1 MiB) */
    int data_page_version;       /**< 1 (default, widest support) or 2 */
    bool dictionary;             /**< AUTO may dictionary-encode columns (default true); a
                                      chunk whose first 16,384 values (or all, if fewer) are
                                      more than half distinct, or whose dictionary passes
                                      dictionary_page_limit, goes on without */
    int64_t dictionary_page_limit; /**< PLAIN dictionary page bytes before falling back (1 MiB) */
    bool delta_integers;         /**< AUTO: DELTA_BINARY_PACKED for every integer, date and
                                      timestamp chunk not dictionary-encoded (default false: AUTO
                                      then decides from the data) */
    bool statistics;             /**< min/max/null_count per chunk (default true) */
    bool page_index;             /**< write ColumnIndex/OffsetIndex (default false) */
    int n_kv;                    /**< key-value metadata pairs (copied at open) */
    const char *const *kv_keys;  /**< n_kv keys (non-NULL) */
    const char *const *kv_values; /**< n_kv values (NULL: key without value) */
    int n_sorting_columns;       /**< SortingColumn metadata (ascending, nulls first) in each row
                                      group; each row group is checked to be so sorted */
    const char *const *sorting_columns; /**< column names, most significant first */
    oups_parquet_encoding encoding; /**< every column not in column_encodings (default AUTO) */
    int n_column_encodings;         /**< per-column choices (copied at open) */
    const char *const *encoding_columns;            /**< n_column_encodings column names */
    const oups_parquet_encoding *column_encodings;  /**< their encodings */
    int threads;                 /**< threads encoding and compressing the column chunks of a
                                      row group: 0 (default) = OUPS_THREADS from the environment
                                      if set, else the online cores; 1 = the calling thread only.
                                      The bytes written are the same for every value. */
    bool page_checksums;         /**< every page header gets the standard CRC of its data, and
                                      the footer's key-value entry OUPS_PARQUET_PAGE_CRC_KEY
                                      the CRC of each whole page (data, then header), which
                                      this library's reader then checks on every page it
                                      decodes (default false; the store sets it). A caller's
                                      entry of that key is dropped. */
} oups_parquet_write_options;

/** Footer key-value entry of the page checksums (write option page_checksums): for each row
 * group, for each column, the CRC-32 of each page in file order (dictionary first) as 8 hex
 * digits, chunks separated by one space. */
#define OUPS_PARQUET_PAGE_CRC_KEY "oups.page_crc32"

#define OUPS_PARQUET_WRITE_OPTIONS_INIT                                                              \
    {OUPS_PARQUET_WRITE_OPTIONS_VERSION, OUPS_CODEC_ZSTD, 0, 1048576, 1048576, 1, true, 1048576, false, true, \
     false, 0, NULL, NULL, 0, NULL, OUPS_PARQUET_ENCODING_AUTO, 0, NULL, NULL, 0, false}

typedef struct oups_parquet_writer oups_parquet_writer;

/**
 * Start writing `path` with the schema of `schema` (its names and types; rows are ignored).
 * Data goes to a temporary file `path.tmp-<pid>` in the same directory; the final name appears
 * only at oups_parquet_writer_finish().
 * @param[out] out  The writer (NULL on failure).
 * @param opts      NULL for OUPS_PARQUET_WRITE_OPTIONS_INIT.
 * Ownership: caller frees with oups_parquet_writer_free(); `path`, `schema`, `opts` and the
 * strings it points to are copied (borrowed for the call only).
 * Errors: OUPS_EINVAL (options, naming the field), OUPS_ENOTFOUND (sorting column), OUPS_EIO /
 * OUPS_ENOTFOUND (cannot create the temporary), OUPS_ENOMEM.
 * Cost: O(columns); writes the 4-byte magic.
 */
OUPS_API OUPS_NODISCARD int oups_parquet_writer_open(oups_parquet_writer **out, const char *path,
                                                     const oups_table *schema, const oups_parquet_write_options *opts);
/**
 * Like oups_parquet_writer_open(), but the file is built in memory; get it with
 * oups_parquet_writer_finish_memory(). Errors: OUPS_EINVAL, OUPS_ENOTFOUND, OUPS_ENOMEM.
 */
OUPS_API OUPS_NODISCARD int oups_parquet_writer_open_memory(oups_parquet_writer **out, const oups_table *schema,
                                                            const oups_parquet_write_options *opts);
/**
 * Append `t` as exactly one row group (0 rows: nothing is written).
 * Ownership: `t` is borrowed for the call.
 * Errors: OUPS_ESCHEMA naming the first column whose name or type differs from the schema;
 * OUPS_EUNORDERED (sorting columns; nothing written, the writer stays usable); OUPS_EOVERFLOW
 * naming column and row (a decimal beyond its precision, timestamp[s] beyond ms range, a page
 * over 2 GiB); OUPS_EIO, OUPS_ENOMEM (the writer is then failed: only free() remains);
 * OUPS_ESTATE after finish or a failure.
 * Cost: one pass over the values per column (AUTO adds a sample of 4,096 values, and for
 * floats two compressions of it); the columns are encoded by up to `threads` threads. Memory:
 * the row group's encoded column chunks (at most about its compressed size) plus, per
 * thread, a few pages of scratch (streams: earlier row groups are on disk).
 */
OUPS_API OUPS_NODISCARD int oups_parquet_writer_write_row_group(oups_parquet_writer *w, const oups_table *t);
/** Append `t` split into row groups of opts.row_group_size rows (zero-copy slices). Errors:
 * those of oups_parquet_writer_write_row_group(). */
OUPS_API OUPS_NODISCARD int oups_parquet_writer_write_table(oups_parquet_writer *w, const oups_table *t);
/**
 * Write the page index (when asked), the footer, fsync, rename the temporary to the final path
 * (replacing any file there) and fsync the directory. After success free() removes nothing.
 * Errors: OUPS_EIO (the temporary is removed at free(); an existing file at `path` is intact
 * unless the rename happened), OUPS_ESTATE (memory writer, finished or failed writer).
 */
OUPS_API OUPS_NODISCARD int oups_parquet_writer_finish(oups_parquet_writer *w);
/**
 * Finish an in-memory writer: `*out` (`*len` bytes) is the whole Parquet file.
 * Ownership: the caller frees `*out` with oups_mem_free(). Errors: OUPS_ESTATE, OUPS_ENOMEM.
 */
OUPS_API OUPS_NODISCARD int oups_parquet_writer_finish_memory(oups_parquet_writer *w, uint8_t **out, size_t *len);
/** Free the writer (NULL is a no-op); an unfinished file's temporary is removed, so nothing
 * appears at `path`. */
OUPS_API void oups_parquet_writer_free(oups_parquet_writer *w);

/** One-shot: write `t` to `path` atomically (open, write_table, finish, free); `opts` may be
 * NULL for defaults. Errors: those of the calls it makes. */
OUPS_API OUPS_NODISCARD int oups_parquet_write(const char *path, const oups_table *t,
                                               const oups_parquet_write_options *opts);
/** One-shot read of a whole file. */
OUPS_API OUPS_NODISCARD int oups_parquet_read(oups_table **out, const char *path);

#ifdef __cplusplus
}
#endif
#endif /* OUPS_PARQUET_H */
