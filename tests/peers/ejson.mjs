// MongoDB's own Extended JSON implementation (the bson package, EJSON),
// driven by tributary's tests.
//
//   node ejson.mjs parse <file> <relaxed|canonical>
//       parses every line of file with EJSON.parse and prints each document
//       described with its BSON types (below), one per line
//   node ejson.mjs write <dir>
//       writes dir/canonical.json and dir/relaxed.json (EJSON.stringify of
//       the same documents, one per line) and dir/expected-canonical.jsonl,
//       dir/expected-relaxed.jsonl: each written line as EJSON itself reads
//       it back (parse in canonical mode), described
//
// Description: null, booleans and strings as themselves; arrays as arrays;
// documents as {"$doc": {...}}; numbers as {"$n": text} (a JS number),
// {"$double": text}, {"$int32": n} or {"$long": "digits"}; text is the
// shortest round-trip decimal, "-0", "NaN", "Infinity" or "-Infinity";
// {"$date": ms}, {"$oid": hex}, {"$decimal": text}, {"$binary": base64,
// "$sub": n}, {"$timestamp": {"t": t, "i": i}}, {"$regex": pattern,
// "options": o}.
import { readFileSync, writeFileSync } from 'node:fs';
import { EJSON, Binary, BSONRegExp, Decimal128, Double, Int32, Long, ObjectId, Timestamp } from 'bson';

const num = (x) => (Object.is(x, -0) ? '-0' : String(x));

function describe(v) {
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') return { $n: num(v) };
  if (typeof v === 'bigint') return { $long: v.toString() };
  if (Array.isArray(v)) return v.map(describe);
  if (v instanceof Date) return { $date: v.getTime() };
  switch (v._bsontype) {
    case 'Double': return { $double: num(v.value) };
    case 'Int32': return { $int32: v.value };
    case 'Long': return { $long: v.toString() };
    case 'ObjectId': return { $oid: v.toHexString() };
    case 'Decimal128': return { $decimal: v.toString() };
    case 'Binary': return { $binary: Buffer.from(v.buffer.subarray(0, v.position)).toString('base64'), $sub: v.sub_type };
    case 'Timestamp': return { $timestamp: { t: v.t, i: v.i } };
    case 'BSONRegExp': return { $regex: v.pattern, options: v.options };
    case undefined: break;
    default: throw new Error(`unexpected BSON type ${v._bsontype}`);
  }
  const doc = {};
  for (const [k, x] of Object.entries(v)) doc[k] = describe(x);
  return { $doc: doc };
}

const lines = (file) => readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0);

// Documents with every type a record can carry, some of them at the edges
// of their ranges.
function documents() {
  const docs = [];
  const texts = ['plain', 'quotes " and \' and \\ backslash', 'line\nbreak\ttab\r\u0001', 'unicode: é 中文 😀 \u2028 \u0000 end'];
  for (let i = 0; i < 8; i++) {
    docs.push({
      _id: new ObjectId((0x54b03ef2a817f4f960f5b800n + BigInt(i)).toString(16)),
      document_id: `doc-${i}`,
      values: [new Double(0.5 + i), new Double(1), new Double(-0), new Double(1e-45), new Double(3.4028234663852886e38),
        new Double(-1.1754943508222875e-38), new Int32(7 - i), Long.fromNumber(1 << 20), new Double(0.1)],
      content: texts[i % texts.length],
      metadata: {
        oid: new ObjectId('5f1d7e1c2a3b4c5d6e7f8091'),
        when: new Date(Date.UTC(2024, 0, 31, 12, 30, 45, 678) - i * 86400000 * 20000),
        n64: Long.fromString(i % 2 ? '9007199254740993' : '-9223372036854775808'),
        i32: new Int32(-2147483648 + i),
        d: new Double(2.5e-300 * (i + 1)),
        whole: new Double(4),
        dec: Decimal128.fromString(i % 2 ? '1.10' : '-12345.678901234567890123456789'),
        bin: new Binary(Buffer.from([0, 1, 2, 253, 254, 255, i]), 0),
        ts: new Timestamp({ t: 1700000000 + i, i: 4294967295 - i }),
        re: new BSONRegExp('^a[]}{"/]+$', 'i'),
        nested: { a: [1, new Int32(2), { b: [null, true, 'x'] }], 'key with "quotes"': { ü: 'ü' } },
        $exists: i % 2 === 0,
      },
      chunk_index: new Int32(i),
      chunk_count: Long.fromString('1099511627776'),
      created_at: new Date(Date.UTC(1969 + i * 10, 11, 31, 23, 59, 59, 999)),
      updated_at: new Date(Date.UTC(2024, 1, 29, 0, 0, 0, i)),
    });
  }
  return docs;
}

const [op, a, b] = process.argv.slice(2);
if (op === 'parse') {
  const relaxed = b === 'relaxed';
  if (!relaxed && b !== 'canonical') throw new Error('mode must be relaxed or canonical');
  for (const line of lines(a)) process.stdout.write(JSON.stringify(describe(EJSON.parse(line, { relaxed }))) + '\n');
} else if (op === 'write') {
  for (const mode of ['canonical', 'relaxed']) {
    const text = documents().map((d) => EJSON.stringify(d, { relaxed: mode === 'relaxed' }));
    writeFileSync(`${a}/${mode}.json`, text.join('\n') + '\n');
    const expected = text.map((t) => JSON.stringify(describe(EJSON.parse(t, { relaxed: false }))));
    writeFileSync(`${a}/expected-${mode}.jsonl`, expected.join('\n') + '\n');
  }
} else {
  console.error(`unknown op ${op}`);
  process.exit(2);
}
