// One DuckDB operation per process, so /usr/bin/time sees its own peak memory.
//   node duckdb.mjs import-jsonl|import-csv|import-parquet <input> <db>
//   node duckdb.mjs export-jsonl|export-csv|export-parquet <db> <output>
import { DuckDBInstance } from '@duckdb/node-api';

const [op, a, b] = process.argv.slice(2);
const db = await DuckDBInstance.create(op.startsWith('import') ? b : a);
const con = await db.connect();
const q = (s) => con.run(s);
const lit = (s) => `'${s.replace(/'/g, "''")}'`;
switch (op) {
  case 'import-jsonl':
    await q(`CREATE OR REPLACE TABLE records AS SELECT * FROM read_json(${lit(a)}, format='newline_delimited')`);
    await q('CHECKPOINT');
    break;
  case 'import-csv':
    await q(`CREATE OR REPLACE TABLE records AS SELECT * FROM read_csv(${lit(a)}, header=true)`);
    await q('CHECKPOINT');
    break;
  case 'import-parquet':
    await q(`CREATE OR REPLACE TABLE records AS SELECT * FROM read_parquet(${lit(a)})`);
    await q('CHECKPOINT');
    break;
  case 'export-parquet':
    await q(`COPY records TO ${lit(b)} (FORMAT parquet, COMPRESSION zstd)`);
    break;
  case 'export-jsonl':
    await q(`COPY records TO ${lit(b)} (FORMAT json)`);
    break;
  case 'export-csv':
    await q(`COPY records TO ${lit(b)} (FORMAT csv, HEADER)`);
    break;
  default:
    throw new Error(`unknown op ${op}`);
}
