// bench/peers/e2e_duckdb_prep.mjs: rewrite a Parquet file with DuckDB (zstd, DuckDB's own
// row groups and encodings), so that bench_e2e's inputs are written by neither contestant.
// usage: node e2e_duckdb_prep.mjs IN OUT
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../tests/oracle/package.json', import.meta.url));
const { DuckDBInstance } = require('@duckdb/node-api');

const [input, output] = process.argv.slice(2);
const inst = await DuckDBInstance.create(':memory:');
const con = await inst.connect();
const version = (await con.runAndReadAll('SELECT version()')).getRowsJS()[0][0];
await con.run(`COPY (SELECT * FROM read_parquet('${input}')) TO '${output}' (FORMAT parquet, COMPRESSION zstd)`);
process.stdout.write(JSON.stringify({ engine: 'duckdb', version }) + '\n');
