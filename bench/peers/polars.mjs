// bench/peers/polars.mjs: Polars' side of bench_parquet; run with POLARS_MAX_THREADS=1.
// usage: node polars.mjs IN.parquet OUT.parquet RUNS
// Times reading every column of IN (readParquet), and writing the frame to OUT with zstd;
// prints one JSON line {"engine","version","read_ms":[...],"write_ms":[...]} plus the
// process CPU time of each (read_cpu_ms, write_cpu_ms), steadier than wall time on a busy host.
import { createRequire } from 'node:module';

// The package lives with the test oracles (tests/oracle/node_modules).
const require = createRequire(new URL('../../tests/oracle/package.json', import.meta.url));
const pl = require('nodejs-polars');

const [input, output, runsText] = process.argv.slice(2);
const runs = Number(runsText || 3);
const read = [], write = [], readCpu = [], writeCpu = [];
const cpu = (c) => (c.user + c.system) / 1000; // process CPU ms (all threads)
for (let i = 0; i < runs; i++) {
  let t0 = performance.now(), c0 = process.cpuUsage();
  const df = pl.readParquet(input);
  read.push(performance.now() - t0);
  readCpu.push(cpu(process.cpuUsage(c0)));
  t0 = performance.now();
  c0 = process.cpuUsage();
  df.writeParquet(output, { compression: 'zstd' });
  write.push(performance.now() - t0);
  writeCpu.push(cpu(process.cpuUsage(c0)));
}
process.stdout.write(JSON.stringify({ engine: 'polars', version: String(pl.version ?? ''), read_ms: read, write_ms: write, read_cpu_ms: readCpu, write_cpu_ms: writeCpu }) + '\n');
