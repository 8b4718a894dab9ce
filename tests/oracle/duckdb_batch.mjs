// tests/oracle/duckdb_batch.mjs: run many SQL statements in one DuckDB process (threads=1),
// so oracle tests pay node's start-up once. usage: node duckdb_batch.mjs < statements
// Input: statements separated by lines holding only ";;". Output per statement: a header line
// of column names, then one line per row, fields separated by TAB (values as text, NULL for
// null), then a line "--END--". A failing statement prints "ERROR: message" before its end line.
import { DuckDBInstance } from '@duckdb/node-api';
import fs from 'node:fs';

const stmts = fs.readFileSync(0, 'utf8').split(/\n;;\n?/).filter((s) => s.trim());
const inst = await DuckDBInstance.create(':memory:', { threads: '1' });
const con = await inst.connect();
const out = [];
const text = (v) => (v === null || v === undefined ? 'NULL' : typeof v === 'object' ? JSON.stringify(v, (k, x) => (typeof x === 'bigint' ? x.toString() : x)) : String(v));
for (const sql of stmts) {
  try {
    const reader = await con.runAndReadAll(sql);
    out.push(reader.columnNames().join('\t'));
    for (const r of reader.getRowsJS()) out.push(r.map(text).join('\t'));
  } catch (e) {
    out.push('ERROR: ' + String(e.message).replace(/\n/g, ' '));
  }
  out.push('--END--');
}
process.stdout.write(out.join('\n') + '\n');
