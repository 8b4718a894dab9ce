// tests/oracle/polars_write.mjs: write a deterministic table with Polars, for the oups interop
// tests (files Polars writes must read back equal through oups).
// usage: node polars_write.mjs N OUT COMPRESSION [OUT COMPRESSION ...]
// Columns: id (row number) and one per type Polars can hand from JS (ints of every width and
// signedness, floats with NaN/±inf/-0, bool, string with non-ASCII, date and datetimes before
// and after 1970, decimal); every 7th value (by column) is null.
import pl from 'nodejs-polars';

const [nText, ...files] = process.argv.slice(2);
const n = Number(nText);
const id = pl.Series('id', Array.from({ length: n }, (_, i) => i), pl.Int64);
const nul = (k) => pl.when(pl.col('id').modulo(7).eq(k)).then(pl.lit(null));
const h = (m) => pl.col('id').mul(2654435761).modulo(m); // spread values deterministically
const words = ['', 'a', 'héllo', '日本語', 'zz😀', 'x'];
const s = pl.Series('s', Array.from({ length: n }, (_, i) => (i % 7 === 6 ? null : words[i % 6].repeat(1 + (i % 3)))), pl.String);
const f = pl.Series('f64', Array.from({ length: n }, (_, i) => [NaN, Infinity, -Infinity, -0, 0.1 * i - 50][i % 5]), pl.Float64);
const df = pl.DataFrame([id, s, f]).withColumns(
  nul(0).otherwise(h(256).sub(128)).cast(pl.Int8).alias('i8'),
  nul(1).otherwise(h(65536).sub(32768)).cast(pl.Int16).alias('i16'),
  nul(2).otherwise(h(4294967296).sub(2147483648)).cast(pl.Int32).alias('i32'),
  nul(3).otherwise(pl.col('id').mul(-1234567890123)).cast(pl.Int64).alias('i64'),
  nul(4).otherwise(h(256)).cast(pl.UInt8).alias('u8'),
  nul(5).otherwise(h(65536)).cast(pl.UInt16).alias('u16'),
  nul(6).otherwise(h(4294967296)).cast(pl.UInt32).alias('u32'),
  nul(0).otherwise(pl.col('id').mul(98765432101)).cast(pl.UInt64).alias('u64'),
  nul(1).otherwise(pl.col('id').sub(n / 2).mul(0.25)).cast(pl.Float32).alias('f32'),
  nul(2).otherwise(pl.col('id').modulo(3).eq(0)).alias('b'),
  nul(3).otherwise(pl.col('id').sub(n / 2).mul(37)).cast(pl.Int32).cast(pl.Date).alias('d'),
  nul(4).otherwise(pl.col('id').sub(n / 2).mul(86400123456789)).cast(pl.Datetime('ns')).alias('ts_ns'),
  nul(5).otherwise(pl.col('id').sub(n / 2).mul(3600000001)).cast(pl.Datetime('us', 'UTC')).alias('ts_us'),
  nul(6).otherwise(pl.col('id').sub(n / 2).mul(1000003)).cast(pl.Datetime('ms')).alias('ts_ms'),
);
for (let i = 0; i < files.length; i += 2) df.writeParquet(files[i], { compression: files[i + 1] });
