// tests/oracle/polars_scan.mjs: scan a glob of Parquet files with Polars, given the full schema,
// inserting nulls for the columns a file lacks (missingColumns: 'insert'; columns outside the
// given schema are ignored); for the store's
// schema-evolution oracle test.
// usage: node polars_scan.mjs GLOB COL:TYPE,... (TYPE: i64, f64, str, ts_ns)
// Output: CSV with a header row, nulls as empty fields, rows in file then row order, values as
// Polars casts them to text.
import pl from 'nodejs-polars';

const [glob, spec] = process.argv.slice(2);
const types = { i64: pl.Int64, f64: pl.Float64, str: pl.Utf8, ts_ns: pl.Datetime('ns') };
const schema = {};
for (const part of spec.split(',')) {
  const [name, t] = part.split(':');
  schema[name] = types[t];
}
const df = pl.scanParquet(glob, { missingColumns: 'insert', extraColumns: 'ignore', schema }).collectSync();
const names = df.columns;
const out = df.select(...names.map((n) => pl.col(n).cast(pl.Utf8)));
const cols = names.map((n) => out.getColumn(n).toArray());
const lines = [names.join(',')];
for (let r = 0; r < df.height; r++) lines.push(cols.map((c) => (c[r] === null || c[r] === undefined ? '' : c[r])).join(','));
process.stdout.write(lines.join('\n') + '\n');
