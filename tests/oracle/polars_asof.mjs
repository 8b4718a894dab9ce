// tests/oracle/polars_asof.mjs: the Polars oracle of tests/cli/test_asof_cli_by.c.
// usage: node polars_asof.mjs ON BY|- DIRECTION TOLERANCE|none MAIN.csv TABLE.csv OURS.csv
// Runs Polars join_asof(MAIN, TABLE, on, by (comma list), strategy, tolerance; exact matches
// included, as Polars always does) and compares it with the `oups asof` output OURS.csv column
// by column (by name, the same set of names; values as text, nulls equal). Prints "ok N rows"
// or the first difference (exit 1).
import pl from 'nodejs-polars';

const [on, by, strategy, tol, mainP, tableP, oursP] = process.argv.slice(2);
const opts = { on, strategy };
if (by !== '-') opts.by = by.split(',');
if (tol !== 'none') opts.tolerance = Number(tol);
const warn = console.warn;
console.warn = () => {}; // "sortedness cannot be checked" with by
const ref = pl.readCSV(mainP).joinAsof(pl.readCSV(tableP), opts);
console.warn = warn;
const ours = pl.readCSV(oursP);
const a = [...ours.columns].sort().join(','), b = [...ref.columns].sort().join(',');
if (a !== b) {
  console.log(`columns differ: ours ${ours.columns}, polars ${ref.columns}`);
  process.exit(1);
}
if (ours.height !== ref.height) {
  console.log(`row counts differ: ours ${ours.height}, polars ${ref.height}`);
  process.exit(1);
}
const text = (v) => (v === null || v === undefined ? 'null' : String(v));
for (const c of ref.columns) {
  const x = ours.getColumn(c).toArray(), y = ref.getColumn(c).toArray();
  for (let i = 0; i < x.length; i++) {
    const nx = x[i] === null || x[i] === undefined, ny = y[i] === null || y[i] === undefined;
    if (nx !== ny || (!nx && text(x[i]) !== text(y[i]) && Number(x[i]) !== Number(y[i]))) {
      console.log(`column ${c} row ${i}: ours ${text(x[i])}, polars ${text(y[i])}`);
      process.exit(1);
    }
  }
}
console.log(`ok ${ref.height} rows`);
