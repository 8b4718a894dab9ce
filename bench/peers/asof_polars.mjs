// bench/peers/asof_polars.mjs: Polars' side of bench_asof; run with POLARS_MAX_THREADS=1.
// usage: node asof_polars.mjs N_MAIN N_TABLE RUNS
// Builds the bench data (formulas shared with bench_asof.c: main key 3i + (48271i mod 1000003)
// mod 3, table key 3i + (69621i mod 1000003) mod 3, value i/4), then times
// left.joinAsof(right, {on: "ts", strategy: "backward"}) (exact matches allowed);
// prints one JSON line {"engine","version","ms":[...],"cpu_ms":[...],"sum"} (sum of the joined values).
import { createRequire } from 'node:module';

// The package lives with the test oracles (tests/oracle/node_modules).
const require = createRequire(new URL('../../tests/oracle/package.json', import.meta.url));
const pl = require('nodejs-polars');

const [nmText, nkText, runsText] = process.argv.slice(2);
const nm = Number(nmText), nk = Number(nkText), runs = Number(runsText || 3);
const keys = (n, mult) => {
  const a = new BigInt64Array(n);
  for (let i = 0; i < n; i++) a[i] = BigInt(3 * i + (((i * mult) % 1000003) % 3));
  return a;
};
const vals = new Float64Array(nk);
for (let i = 0; i < nk; i++) vals[i] = i * 0.25;
const left = pl.DataFrame({ ts: pl.Series('ts', keys(nm, 48271), pl.Int64) });
const right = pl.DataFrame({ ts: pl.Series('ts', keys(nk, 69621), pl.Int64), v: pl.Series('v', vals, pl.Float64) });
const ms = [], cpu_ms = [];
let sum = 0;
for (let r = 0; r < runs; r++) {
  const t0 = performance.now(), c0 = process.cpuUsage();
  const out = left.joinAsof(right, { on: 'ts', strategy: 'backward' });
  ms.push(performance.now() - t0);
  const c1 = process.cpuUsage(c0);
  cpu_ms.push((c1.user + c1.system) / 1000);
  sum = out.getColumn('v').sum();
}
process.stdout.write(JSON.stringify({ engine: 'polars', version: String(pl.version ?? ''), ms, cpu_ms, sum }) + '\n');
