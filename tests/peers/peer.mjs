// Independent Parquet implementations, driven by tributary's tests.
//   node peer.mjs duck-read <file.parquet>      -> line 1: {"types":{col:type}}, then one JSON row per line
//   node peer.mjs hyparquet-read <file.parquet> -> one JSON row per line
//   node peer.mjs duck-write <in.jsonl> <out.parquet> <default|zstd|v2|auto>
//   node peer.mjs duck-json <file.parquet>      -> one row per line, as DuckDB's to_json of the row
// Rows are printed with timestamps as integer microseconds since the epoch
// (UTC), JSON columns as their text, and 64-bit integers as numbers.
import { DuckDBInstance } from '@duckdb/node-api';
import { asyncBufferFromFile, parquetReadObjects, parquetMetadataAsync } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';

const [op, a, b, c] = process.argv.slice(2);
const lit = (s) => `'${s.replace(/'/g, "''")}'`;
const out = (o) => process.stdout.write(JSON.stringify(o, (k, v) =>
  typeof v === 'bigint' ? (Number.isSafeInteger(Number(v)) ? Number(v) : v.toString()) : v) + '\n');

async function duck() {
  const db = await DuckDBInstance.create(':memory:');
  return db.connect();
}

if (op === 'duck-read') {
  const con = await duck();
  const desc = await (await con.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${lit(a)})`)).getRowObjectsJS();
  const types = {};
  const cols = [];
  for (const d of desc) {
    types[d.column_name] = d.column_type;
    const q = `"${d.column_name.replace(/"/g, '""')}"`;
    if (d.column_type.startsWith('TIMESTAMP')) cols.push(`epoch_us(${q}) AS ${q}`);
    else if (d.column_type === 'JSON') cols.push(`CAST(${q} AS VARCHAR) AS ${q}`);
    else cols.push(q);
  }
  out({ types });
  const reader = await con.runAndReadAll(`SELECT ${cols.join(', ')} FROM read_parquet(${lit(a)})`);
  for (const row of reader.getRowObjectsJS()) out(row);
} else if (op === 'hyparquet-read') {
  const file = await asyncBufferFromFile(a);
  const metadata = await parquetMetadataAsync(file);
  const rows = await parquetReadObjects({
    file, metadata, compressors,
    parsers: {
      timestampFromMilliseconds: (v) => BigInt(v) * 1000n,
      timestampFromMicroseconds: (v) => BigInt(v),
      timestampFromNanoseconds: (v) => BigInt(v) / 1000n,
      dateFromDays: (d) => d,
      stringFromBytes: (bytes) => bytes && new TextDecoder().decode(bytes),
      jsonFromBytes: (bytes) => bytes && new TextDecoder().decode(bytes),
    },
  });
  for (const row of rows) out(row);
} else if (op === 'duck-json') {
  const con = await duck();
  const reader = await con.runAndReadAll(`SELECT CAST(to_json(t) AS VARCHAR) AS j FROM read_parquet(${lit(a)}) t`);
  for (const row of reader.getRowObjectsJS()) process.stdout.write(row.j + '\n');
} else if (op === 'duck-write' && c === 'auto') {
  // DuckDB's own reading of the JSONL (types detected, metadata as a STRUCT), default COPY options.
  const con = await duck();
  await con.run(`COPY (SELECT * FROM read_json(${lit(a)}, format='newline_delimited')) TO ${lit(b)}`);
} else if (op === 'duck-write') {
  const con = await duck();
  const columns = `{id: 'VARCHAR', document_id: 'VARCHAR', "values": 'FLOAT[]', content: 'VARCHAR', metadata: 'JSON',
    chunk_id: 'VARCHAR', content_hash: 'VARCHAR', content_type: 'VARCHAR', language: 'VARCHAR',
    chunk_index: 'BIGINT', chunk_count: 'BIGINT', model: 'VARCHAR', created_at: 'TIMESTAMP', updated_at: 'TIMESTAMP'}`;
  const opts = c === 'zstd' ? '(FORMAT parquet, COMPRESSION zstd)'
    : c === 'v2' ? '(FORMAT parquet, COMPRESSION zstd, PARQUET_VERSION v2)' : '(FORMAT parquet)';
  await con.run(`COPY (SELECT * FROM read_json(${lit(a)}, format='newline_delimited', columns=${columns}))
    TO ${lit(b)} ${opts}`);
} else {
  console.error(`unknown op ${op}`);
  process.exit(2);
}
