/**
 * @file Baseline for bench/analyze.sh: the same records through the same four ONNX graphs with
 * nothing else — featurization done up front and not timed, then only `session.run` calls on the
 * same batches `analyze` would make. Prints one JSON line: records/s and peak RSS.
 *
 *   node --import tsx bench/raw-ort.ts <records.ndjson> [batchSize] [threads] [fp32|int8]
 *
 * Without a precision, the package's default (as analyze without --precision).
 */
import { ClinicalModel } from '../src/model/runtime.js';
import type { RecordFeatures } from '../src/model/features.js';
import { PRECISIONS, type Precision } from '../src/model/manifest.js';
import { readRecords } from '../src/records/read.js';

const [input, batchArg = '16', threadsArg = '1', precisionArg] = process.argv.slice(2);
if (!input || (precisionArg !== undefined && !(PRECISIONS as readonly string[]).includes(precisionArg))) {
  process.stderr.write(`usage: raw-ort.ts <records.ndjson> [batchSize] [threads] [${PRECISIONS.join('|')}]\n`);
  process.exit(2);
}
const batchSize = Number(batchArg);
const precision = precisionArg as Precision | undefined;
const model = await ClinicalModel.load(undefined, {
  device: 'cpu',
  threads: Number(threadsArg),
  verify: 'size',
  ...(precision ? { precision } : {}),
});
const features: RecordFeatures[] = [];
for await (const item of readRecords([input])) {
  if (item.kind === 'record') features.push(await model.featurizer.featurize(item.record));
}
// The same length-sorted batches analyze makes (windows of 4 batches, sorted by token count).
const window = batchSize * 4;
const batches: RecordFeatures[][] = [];
for (let w = 0; w < features.length; w += window) {
  const sorted = features.slice(w, w + window).sort((a, b) => a.inputIds.length - b.inputIds.length);
  for (let i = 0; i < sorted.length; i += batchSize) batches.push(sorted.slice(i, i + batchSize));
}
await model.run(batches[0] ?? []); // warm-up, as analyze's first batch also pays it
const started = process.hrtime.bigint();
for (const batch of batches) await model.run(batch);
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
process.stdout.write(
  `${JSON.stringify({ records: features.length, seconds, recordsPerSecond: features.length / seconds, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024), precision: model.precision })}\n`,
);
await model.release();
