// tests/oracle/polars_read.mjs: read Parquet files with Polars and print them canonically, for
// the oups interop tests (one node start-up for many files).
// usage: node polars_read.mjs FILE COLS [FILE COLS ...]
// COLS: "COL,COL,..." to read only those ("" for all; nodejs-polars cannot hand Binary columns
// to JS, so callers leave those out). Output per file: a line of column names, a line of
// Polars dtypes, one line per row with TAB-separated fields, then "--END--" (after
// "ERROR: message" if the file failed). Canonical values: NULL; ints, dates (days) and
// datetimes (count of their unit) as decimal integers; floats as JS shortest text ("-0" for
// negative zero); strings as lower-case hex of their UTF-8 bytes; decimals as Polars' text;
// booleans true/false.
import pl from 'nodejs-polars';

function dump(file, keep) {
  const df = keep ? pl.scanParquet(file).select(...keep.map((c) => pl.col(c))).collectSync() : pl.readParquet(file);
  const names = df.columns;
  const dtypes = df.dtypes.map(String);
  // Values become text inside Polars, so 64-bit integers never pass through JS numbers:
  // temporal columns as their integer count, strings as hex; floats stay numbers.
  const exprs = names.map((n, i) => {
    const d = dtypes[i];
    if (d.startsWith('DataType(Float')) return pl.col(n);
    if (d === 'DataType(String)') return pl.col(n).str.encode('hex');
    if (d.startsWith('DataType(Datetime') || d.startsWith('DataType(Date')) return pl.col(n).cast(pl.Int64).cast(pl.String);
    return pl.col(n).cast(pl.String);
  });
  const out = df.select(...exprs);
  const cols = names.map((n) => out.getColumn(n).toArray());
  const canon = (v) => {
    if (v === null || v === undefined) return 'NULL';
    if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
    return String(v);
  };
  const lines = [names.join('\t'), dtypes.join('\t')];
  for (let r = 0; r < df.height; r++) lines.push(cols.map((c) => canon(c[r])).join('\t'));
  return lines;
}

const out = [];
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i += 2) {
  try {
    out.push(...dump(args[i], args[i + 1] ? args[i + 1].split(',') : null));
  } catch (e) {
    out.push('ERROR: ' + String(e.message).replace(/\n/g, ' '));
  }
  out.push('--END--');
}
process.stdout.write(out.join('\n') + '\n');
