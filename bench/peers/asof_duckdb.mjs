// bench/peers/asof_duckdb.mjs: DuckDB's side of bench_asof, single-threaded (threads=1).
// usage: node asof_duckdb.mjs N_MAIN N_TABLE RUNS
// Builds the bench data in SQL (formulas shared with bench_asof.c), then times
// CREATE TABLE r AS SELECT m.ts, t.v FROM m ASOF LEFT JOIN t ON m.ts >= t.ts (backward, exact
// matches allowed, result materialised); prints {"engine","version","ms":[...],"cpu_ms":[...],"sum"}.
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../tests/oracle/package.json', import.meta.url));
const { DuckDBInstance } = require('@duckdb/node-api');

const [nmText, nkText, runsText] = process.argv.slice(2);
const nm = Number(nmText), nk = Number(nkText), runs = Number(runsText || 3);
const inst = await DuckDBInstance.create(':memory:', { threads: '1' });
const con = await inst.connect();
const version = (await con.runAndReadAll('SELECT version()')).getRowsJS()[0][0];
await con.run(`CREATE TABLE m AS SELECT (3 * i + ((i * 48271) % 1000003) % 3)::BIGINT AS ts FROM range(${nm}) r(i)`);
await con.run(`CREATE TABLE t AS SELECT (3 * i + ((i * 69621) % 1000003) % 3)::BIGINT AS ts, i * 0.25::DOUBLE AS v
               FROM range(${nk}) r(i)`);
const ms = [], cpu_ms = [];
let sum = 0;
for (let r = 0; r < runs; r++) {
  await con.run('DROP TABLE IF EXISTS r');
  const t0 = performance.now(), c0 = process.cpuUsage();
  await con.run('CREATE TABLE r AS SELECT m.ts, t.v FROM m ASOF LEFT JOIN t ON m.ts >= t.ts');
  ms.push(performance.now() - t0);
  const c1 = process.cpuUsage(c0);
  cpu_ms.push((c1.user + c1.system) / 1000);
  sum = Number((await con.runAndReadAll('SELECT sum(v) FROM r')).getRowsJS()[0][0]);
}
process.stdout.write(JSON.stringify({ engine: 'duckdb', version, ms, cpu_ms, sum }) + '\n');
