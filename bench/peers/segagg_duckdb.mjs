// bench/peers/segagg_duckdb.mjs: DuckDB's side of bench_segagg, single-threaded (threads=1).
// usage: node segagg_duckdb.mjs IN.parquet OUT.parquet RUNS
// Times COPY (SELECT time_bucket(1 minute, ts), first, max, min, last, sum of x FROM IN GROUP BY
// the bucket ORDER BY it) TO OUT (zstd), and the aggregation alone from a loaded table; prints
// one JSON line {"engine","version","ms":[...],"cpu_ms":[...],"agg_ms":[...],"agg_cpu_ms":[...],"sum","bins"}.
import { createRequire } from 'node:module';

// The packages live with the test oracles (tests/oracle/node_modules).
const require = createRequire(new URL('../../tests/oracle/package.json', import.meta.url));
const { DuckDBInstance } = require('@duckdb/node-api');

const [input, output, runsText] = process.argv.slice(2);
const runs = Number(runsText || 3);
const inst = await DuckDBInstance.create(':memory:', { threads: '1' });
const con = await inst.connect();
const version = (await con.runAndReadAll('SELECT version()')).getRowsJS()[0][0];
const cpu = (c) => (c.user + c.system) / 1000;
const q = (src) => `SELECT time_bucket(INTERVAL '1 minute', ts) AS ts, first(x) AS open, max(x) AS high,
  min(x) AS low, last(x) AS close, sum(x) AS sum FROM ${src} GROUP BY 1 ORDER BY 1`;
const ms = [], cpu_ms = [], agg_ms = [], agg_cpu_ms = [];
let sum = 0, bins = 0;
for (let r = 0; r < runs; r++) {
  let t0 = performance.now(), c0 = process.cpuUsage();
  await con.run(`COPY (${q(`read_parquet('${input}')`)}) TO '${output}' (FORMAT parquet, COMPRESSION zstd)`);
  ms.push(performance.now() - t0);
  cpu_ms.push(cpu(process.cpuUsage(c0)));
}
await con.run(`CREATE TABLE t AS SELECT * FROM read_parquet('${input}')`);
for (let r = 0; r < runs; r++) {
  const t0 = performance.now(), c0 = process.cpuUsage();
  await con.run(`CREATE OR REPLACE TABLE o AS ${q('t')}`);
  agg_ms.push(performance.now() - t0);
  agg_cpu_ms.push(cpu(process.cpuUsage(c0)));
}
const row = (await con.runAndReadAll('SELECT sum(sum), count(*) FROM o')).getRowsJS()[0];
sum = Number(row[0]);
bins = Number(row[1]);
process.stdout.write(JSON.stringify({ engine: 'duckdb', version, ms, cpu_ms, agg_ms, agg_cpu_ms, sum, bins }) + '\n');
