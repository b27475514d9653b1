// Generates N synthetic records in the seed's shape (768-dim vectors, ~500
// characters of content, small metadata) as JSONL and CSV, deterministically.
import { createWriteStream } from 'node:fs';

const n = parseInt(process.argv[2] ?? '50000', 10);
const dim = parseInt(process.argv[3] ?? '768', 10);
const outDir = process.argv[4] ?? 'out';

let seed = 12345;
function rand() {  // xorshift32, deterministic
  seed ^= seed << 13; seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5; seed >>>= 0;
  return seed / 4294967296;
}
const words = ('river delta basin stream flow current bank source mouth estuary channel meander ' +
  'watershed valley spring creek rapids falls lake reservoir sediment tide marsh').split(' ');
function sentence(len) {
  const w = [];
  while (w.join(' ').length < len) w.push(words[Math.floor(rand() * words.length)]);
  return w.join(' ');
}
function vec() {
  const v = new Array(dim);
  for (let i = 0; i < dim; i++) v[i] = Number(Math.fround(rand() * 2 - 1).toPrecision(9));
  return v;
}
function csvCell(s) { return '"' + s.replace(/"/g, '""') + '"'; }

const jsonl = createWriteStream(`${outDir}/records.jsonl`);
const csv = createWriteStream(`${outDir}/records.csv`);
csv.write('id,document_id,values,content,metadata,chunk_id,content_hash,content_type,language,chunk_index,chunk_count,model,created_at,updated_at\n');
async function write(stream, s) {
  if (!stream.write(s)) await new Promise((r) => stream.once('drain', r));
}
for (let i = 0; i < n; i++) {
  const doc = Math.floor(i / 8);
  const r = {
    id: `chunk-${i}`, document_id: `doc-${doc}`, values: vec(), content: sentence(500),
    metadata: { category: words[i % words.length], rating: (i % 50) / 10, source: 'bench', tags: ['a', 'b'] },
    chunk_id: `c${i % 8}`, content_hash: `h${i}`, content_type: 'text/plain', language: i % 3 ? 'en' : 'fr',
    chunk_index: i % 8, chunk_count: 8, model: 'text-embedding-ada-002',
    created_at: '2024-01-01T00:00:00Z', updated_at: '2024-01-01T00:00:00Z',
  };
  await write(jsonl, JSON.stringify(r) + '\n');
  await write(csv, [r.id, r.document_id, csvCell(JSON.stringify(r.values)), csvCell(r.content),
    csvCell(JSON.stringify(r.metadata)), r.chunk_id, r.content_hash, r.content_type, r.language,
    r.chunk_index, r.chunk_count, r.model, r.created_at, r.updated_at].join(',') + '\n');
}
jsonl.end();
csv.end();
