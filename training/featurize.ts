/**
 * @file Featurizes records for the training recipe with the runtime's own code
 * (src/model/features.ts), writing NumPy arrays the Python stages load.
 *
 *   node --import tsx training/featurize.ts --records X.ndjson [--labels X.labels.jsonl] \
 *        --model-dir <dir with tokenizer.json> [--kg kg.json] --out <folder>
 *
 * Output (rows aligned): input_ids / attention_mask int64 [N, L]; entity_ids / entity_flags int64
 * [N, E]; image float32 [N, 1, S, S] and has_image [N]; audio float32 [N, T] and has_audio [N];
 * records.jsonl (record id, patient, linked entities, warnings); entity_vocab.json; stats.json.
 * With --labels, records without a label (or labels without a record) are an error: the recipe
 * must train on exactly the records it generated.
 */
import { mkdirSync, readFileSync, writeFileSync, createWriteStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { KnowledgeGraph } from '../src/kg/graph.js';
import { EntityLinker } from '../src/kg/link.js';
import { entityVocabularyOf, Featurizer } from '../src/model/features.js';
import { loadTokenizer } from '../src/model/tokenizer.js';
import { readRecords } from '../src/records/read.js';
import { NpyWriter } from './npy.js';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string' },
    labels: { type: 'string' },
    'model-dir': { type: 'string' },
    kg: { type: 'string' },
    out: { type: 'string' },
    'max-length': { type: 'string', default: '256' },
    'max-entities': { type: 'string', default: '64' },
    'image-size': { type: 'string', default: '64' },
    'sample-rate': { type: 'string', default: '16000' },
    seconds: { type: 'string', default: '2' },
  },
});
if (!args.records || !args['model-dir'] || !args.out) {
  process.stderr.write('usage: featurize.ts --records <file> --model-dir <dir> --out <folder> [--labels <file>] [--kg <file>]\n');
  process.exit(2);
}
const modelDir = resolve(args['model-dir']);
const out = resolve(args.out);
mkdirSync(out, { recursive: true });
const L = Number(args['max-length']);
const E = Number(args['max-entities']);
const S = Number(args['image-size']);
const rate = Number(args['sample-rate']);
const T = Math.round(rate * Number(args.seconds));

const graph = await KnowledgeGraph.load(args.kg ?? join(modelDir, 'kg.json'));
const linker = new EntityLinker(graph);
const tokenizer = await loadTokenizer(modelDir);
const vocabulary = entityVocabularyOf(graph.entities.map((e) => e.id));
const featurizer = new Featurizer(tokenizer, linker, vocabulary, {
  maxLength: L,
  maxEntities: E,
  image: { size: S, mean: 0.5, std: 0.25 },
  // One window per recording: the training arrays hold [N, T] (generated recordings are one window long).
  audio: { sampleRate: rate, seconds: Number(args.seconds), maxWindows: 1 },
});

const labelOrder = new Map<string, number>();
if (args.labels) {
  const lines = readFileSync(args.labels, 'utf8').split('\n').filter(Boolean);
  lines.forEach((line, i) => labelOrder.set((JSON.parse(line) as { patientId: string }).patientId, i));
}

const w = {
  inputIds: new NpyWriter(join(out, 'input_ids.npy'), 'int64', [L]),
  mask: new NpyWriter(join(out, 'attention_mask.npy'), 'int64', [L]),
  entityIds: new NpyWriter(join(out, 'entity_ids.npy'), 'int64', [E]),
  entityFlags: new NpyWriter(join(out, 'entity_flags.npy'), 'int64', [E]),
  image: new NpyWriter(join(out, 'image.npy'), 'float32', [1, S, S]),
  hasImage: new NpyWriter(join(out, 'has_image.npy'), 'float32', []),
  audio: new NpyWriter(join(out, 'audio.npy'), 'float32', [T]),
  hasAudio: new NpyWriter(join(out, 'has_audio.npy'), 'float32', []),
};
const meta = createWriteStream(join(out, 'records.jsonl'));
const pad = (values: number[], n: number) => {
  const row = new Array<number>(n).fill(0);
  for (let i = 0; i < Math.min(n, values.length); i++) row[i] = values[i] as number;
  return row;
};
const zerosImage = new Float32Array(S * S);
const zerosAudio = new Float32Array(T);
const started = Date.now();
let rows = 0;
let failures = 0;
let withImage = 0;
let withAudio = 0;
const stream = readRecords([args.records]);
for await (const item of stream) {
  if (item.kind === 'failure') {
    failures++;
    process.stderr.write(`featurize: ${item.position.file}:${item.position.line ?? ''} ${item.code}: ${item.reason}\n`);
    continue;
  }
  const record = item.record;
  const labelIndex = labelOrder.get(record.id);
  if (args.labels && labelIndex !== rows) {
    throw new Error(`record ${record.id} at row ${rows} has label row ${String(labelIndex)}: records and labels are not aligned`);
  }
  const f = await featurizer.featurize(record);
  w.inputIds.append(pad(f.inputIds, L));
  w.mask.append(pad(f.inputIds.map(() => 1), L));
  w.entityIds.append(pad(f.entityIds, E));
  w.entityFlags.append(pad(f.entityFlags, E));
  w.image.append(f.image ?? zerosImage);
  w.hasImage.append([f.image ? 1 : 0]);
  w.audio.append(f.audio ?? zerosAudio);
  w.hasAudio.append([f.audio ? 1 : 0]);
  if (f.image) withImage++;
  if (f.audio) withAudio++;
  meta.write(`${JSON.stringify({ row: rows, id: record.id, patient: record.patient, entities: f.entities.map((e) => `${e.id}|${e.flag}`), warnings: [...record.warnings, ...f.warnings] })}\n`);
  rows++;
}
for (const writer of Object.values(w)) writer.close();
await new Promise((r) => meta.end(r));
if (args.labels && rows !== labelOrder.size) throw new Error(`${rows} records but ${labelOrder.size} labels`);
writeFileSync(join(out, 'entity_vocab.json'), `${JSON.stringify(vocabulary)}\n`);
const stats = { rows, failures, withImage, withAudio, maxLength: L, maxEntities: E, imageSize: S, audioSamples: T, seconds: (Date.now() - started) / 1000 };
writeFileSync(join(out, 'stats.json'), `${JSON.stringify(stats, null, 2)}\n`);
process.stderr.write(`featurize: ${JSON.stringify(stats)}\n`);
