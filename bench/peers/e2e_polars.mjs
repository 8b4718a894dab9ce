// bench/peers/e2e_polars.mjs: Polars' side of bench_e2e, one timed run per process (the bench
// alternates processes); set POLARS_MAX_THREADS for the thread count.
// usage: node e2e_polars.mjs copy IN OUT        read IN (every column), write OUT with zstd
//        node e2e_polars.mjs asof MAIN TABLE OUT  read both, MAIN's ts joined backward (exact
//                                                 matches allowed) with TABLE, write OUT zstd
// Prints one JSON line {"engine","version","ms","cpu_ms","sys_ms","rows","sum"} (sum of column px for
// asof, a check against oups' output); node start-up and module loading are not timed.
import { createRequire } from 'node:module';

// The package lives with the test oracles (tests/oracle/node_modules).
const require = createRequire(new URL('../../tests/oracle/package.json', import.meta.url));
const pl = require('nodejs-polars');

const [what, ...args] = process.argv.slice(2);
const t0 = performance.now(), c0 = process.cpuUsage();
let rows = 0, sum = 0, out;
if (what === 'copy') {
  const df = pl.readParquet(args[0]);
  df.writeParquet(args[1], { compression: 'zstd' });
  rows = df.height;
} else {
  const main = pl.readParquet(args[0]).select('ts');
  const table = pl.readParquet(args[1]);
  out = main.joinAsof(table, { on: 'ts', strategy: 'backward' });
  out.writeParquet(args[2], { compression: 'zstd' });
  rows = out.height;
}
const ms = performance.now() - t0, c = process.cpuUsage(c0);
if (out) sum = out.getColumn('px').sum();
process.stdout.write(JSON.stringify({ engine: 'polars', version: String(pl.version ?? ''), ms,
  cpu_ms: (c.user + c.system) / 1000, sys_ms: c.system / 1000, rows, sum }) + '\n');
