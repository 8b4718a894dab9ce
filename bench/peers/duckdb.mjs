// bench/peers/duckdb.mjs: DuckDB's side of bench_parquet, single-threaded (threads=1).
// usage: node duckdb.mjs IN.parquet OUT.parquet RUNS
// Times reading every column of IN into a DuckDB table, and writing that table to OUT with
// zstd; prints one JSON line {"engine","version","read_ms":[...],"write_ms":[...]}.
import { createRequire } from 'node:module';

// The packages live with the test oracles (tests/oracle/node_modules).
const require = createRequire(new URL('../../tests/oracle/package.json', import.meta.url));
const { DuckDBInstance } = require('@duckdb/node-api');

const [input, output, runsText] = process.argv.slice(2);
const runs = Number(runsText || 3);
const inst = await DuckDBInstance.create(':memory:', { threads: '1' });
const con = await inst.connect();
const version = (await con.runAndReadAll('SELECT version()')).getRowsJS()[0][0];
const read = [], write = [], readCpu = [], writeCpu = [];
const cpu = (c) => (c.user + c.system) / 1000; // process CPU ms (all threads)
for (let i = 0; i < runs; i++) {
  await con.run('DROP TABLE IF EXISTS t');
  let t0 = performance.now(), c0 = process.cpuUsage();
  await con.run(`CREATE TABLE t AS SELECT * FROM read_parquet('${input}')`);
  read.push(performance.now() - t0);
  readCpu.push(cpu(process.cpuUsage(c0)));
  t0 = performance.now();
  c0 = process.cpuUsage();
  await con.run(`COPY t TO '${output}' (FORMAT parquet, COMPRESSION zstd)`);
  write.push(performance.now() - t0);
  writeCpu.push(cpu(process.cpuUsage(c0)));
}
process.stdout.write(JSON.stringify({ engine: 'duckdb', version, read_ms: read, write_ms: write, read_cpu_ms: readCpu, write_cpu_ms: writeCpu }) + '\n');
