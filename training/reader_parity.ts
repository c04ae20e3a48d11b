/**
 * @file Checks that the head written by training/reader.py gives, through src/ask/reader.ts
 * `applyHead`, the probabilities Python computed for the ConText rows (reader.json's values are
 * rounded to 6 digits, so they agree to about 1e-5).
 *
 *   node_modules/.bin/tsx training/reader_parity.ts   # after training.reader --head models/clinicalbert-mini/reader.json
 *   node_modules/.bin/tsx training/reader_parity.ts --work training/work/reader_ft --probs context_probs.npy
 *       # after training.reader --score-only (the fine-tuned head on its own encoder's features)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { applyHead, FEATURE_SIZE, loadReaderHead } from '../src/ask/reader.js';

const { values: args } = parseArgs({
  options: {
    work: { type: 'string', default: 'training/work/reader' },
    probs: { type: 'string', default: 'chosen_context_probs.npy' },
    head: { type: 'string', default: 'models/clinicalbert-mini/reader.json' },
  },
});
const work = args.work as string;
const head = await loadReaderHead(args.head as string);
const meta = readFileSync(join(work, 'meta.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l));
const buf = readFileSync(join(work, 'features.f32'));
const feats = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
const npy = readFileSync(join(work, args.probs as string));
const hl = npy.readUInt16LE(8);
const py = new Float32Array(npy.buffer.slice(npy.byteOffset + 10 + hl, npy.byteOffset + npy.byteLength));
let k = 0,
  maxDiff = 0,
  argDiff = 0;
for (const [i, m] of meta.entries()) {
  if (m.source !== 'context') continue;
  const p = applyHead(head, feats.subarray(i * FEATURE_SIZE, (i + 1) * FEATURE_SIZE));
  const q = Array.from(py.subarray(k * 5, k * 5 + 5));
  for (let c = 0; c < 5; c++) maxDiff = Math.max(maxDiff, Math.abs((p[c] as number) - (q[c] as number)));
  if (p.indexOf(Math.max(...p)) !== q.indexOf(Math.max(...q))) argDiff++;
  k++;
}
console.log(JSON.stringify({ rows: k, maxAbsProbDiff: maxDiff, argmaxDisagreements: argDiff }));
