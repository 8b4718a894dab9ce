// tests/oracle/duckdb.mjs: run one SQL statement in DuckDB (in memory) and print the result.
// usage: node duckdb.mjs [--json] "SQL"
// Default output: CSV with a header row (nulls as empty fields); --json: one JSON object per row
// with values as DuckDB's JS API gives them (bigints and decimals as strings, blobs as hex).
import { DuckDBInstance } from '@duckdb/node-api';

const args = process.argv.slice(2);
const json = args[0] === '--json';
const sql = json ? args[1] : args[0];
const inst = await DuckDBInstance.create(':memory:', { threads: '1' });
const con = await inst.connect();
const reader = await con.runAndReadAll(sql);
const cols = reader.columnNames();
const rows = reader.getRowsJS();
const str = (v) => (v === null || v === undefined ? null
  : typeof v === 'bigint' ? v.toString()
  : v instanceof Uint8Array ? Buffer.from(v).toString('hex')
  : v instanceof Date ? v.toISOString()
  : typeof v === 'object' ? JSON.stringify(v, (k, x) => (typeof x === 'bigint' ? x.toString() : x))
  : String(v));
if (json) {
  for (const r of rows) {
    const o = {};
    cols.forEach((c, i) => { o[c] = str(r[i]); });
    process.stdout.write(JSON.stringify(o) + '\n');
  }
} else {
  const q = (s) => (s === null ? '' : /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s);
  process.stdout.write(cols.map(q).join(',') + '\n');
  for (const r of rows) process.stdout.write(r.map((v) => q(str(v))).join(',') + '\n');
}
