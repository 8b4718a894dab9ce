// bench/peers/segagg_polars.mjs: Polars' side of bench_segagg; run with POLARS_MAX_THREADS=1.
// usage: node segagg_polars.mjs IN.parquet OUT.parquet RUNS
// Times read_parquet(IN) -> group_by_dynamic(ts, every 1m).agg(first, max, min, last, sum of x)
// -> write_parquet(OUT, zstd), and the aggregation alone; prints one JSON line {"engine",
// "version","ms":[...],"cpu_ms":[...],"agg_ms":[...],"agg_cpu_ms":[...],"sum","bins"}.
import { createRequire } from 'node:module';

// The package lives with the test oracles (tests/oracle/node_modules).
const require = createRequire(new URL('../../tests/oracle/package.json', import.meta.url));
const pl = require('nodejs-polars');

const [input, output, runsText] = process.argv.slice(2);
const runs = Number(runsText || 3);
const cpu = (c) => (c.user + c.system) / 1000;
const agg = (df) =>
  df.groupByDynamic({ indexColumn: 'ts', every: '1m' }).agg(
    pl.col('x').first().alias('open'), pl.col('x').max().alias('high'), pl.col('x').min().alias('low'),
    pl.col('x').last().alias('close'), pl.col('x').sum().alias('sum'));
const ms = [], cpu_ms = [], agg_ms = [], agg_cpu_ms = [];
let sum = 0, bins = 0;
for (let r = 0; r < runs; r++) {
  let t0 = performance.now(), c0 = process.cpuUsage();
  const df = pl.readParquet(input);
  const t1 = performance.now(), c1 = process.cpuUsage();
  const out = agg(df);
  agg_ms.push(performance.now() - t1);
  agg_cpu_ms.push(cpu(process.cpuUsage(c1)));
  out.writeParquet(output, { compression: 'zstd' });
  ms.push(performance.now() - t0);
  cpu_ms.push(cpu(process.cpuUsage(c0)));
  sum = out.getColumn('sum').sum();
  bins = out.height;
}
process.stdout.write(JSON.stringify({ engine: 'polars', version: String(pl.version ?? ''), ms, cpu_ms, agg_ms, agg_cpu_ms, sum, bins }) + '\n');
