// What grew between two V8 heap snapshots, by type and constructor, per unit (e.g. per
// connection): `npx tsx src/heap-diff.ts before.heapsnapshot after.heapsnapshot 5000`.
// The snapshots `--heap-snapshots <dir>` writes around the idle workload's connections.
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

/** Bytes and objects by "type:name" (strings and code as one entry each). */
function totals(file: string): Map<string, { count: number; bytes: number }> {
  const s = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = s.snapshot.meta.node_fields;
  const types = s.snapshot.meta.node_types[0];
  const [type, name, size] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [
    number,
    number,
    number,
  ];
  const byKey = new Map<string, { count: number; bytes: number }>();
  for (let i = 0; i < s.nodes.length; i += fields.length) {
    const t = types[s.nodes[i + type]!]!;
    const label = t.includes('string')
      ? '(strings)'
      : t === 'code'
        ? '(code)'
        : s.strings[s.nodes[i + name]!]!;
    const key = `${t}:${label.slice(0, 60)}`;
    const entry = byKey.get(key) ?? { count: 0, bytes: 0 };
    entry.count += 1;
    entry.bytes += s.nodes[i + size]!;
    byKey.set(key, entry);
  }
  return byKey;
}

const [beforeFile, afterFile, unitsArg = '1'] = process.argv.slice(2);
if (!beforeFile || !afterFile) {
  console.error('usage: heap-diff.ts <before.heapsnapshot> <after.heapsnapshot> [units]');
  process.exit(2);
}
const units = Number(unitsArg);
const before = totals(beforeFile);
const rows = [...totals(afterFile)].map(([key, after]) => {
  const was = before.get(key) ?? { count: 0, bytes: 0 };
  return {
    key,
    count: (after.count - was.count) / units,
    bytes: (after.bytes - was.bytes) / units,
  };
});
const total = rows.reduce((n, r) => n + r.bytes, 0);
console.log(`${total.toFixed(0)} bytes per unit; the largest growths (bytes, objects per unit):`);
for (const r of rows.sort((a, b) => b.bytes - a.bytes).slice(0, 40)) {
  console.log(`${r.bytes.toFixed(1).padStart(9)} ${r.count.toFixed(2).padStart(7)}  ${r.key}`);
}
