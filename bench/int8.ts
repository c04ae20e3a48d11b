/**
 * @file int8 beside fp32 on the same batches: raw onnxruntime-node speed (the four graphs, as
 * bench/raw-ort.ts runs them, and the text encoder alone) at batch 16 and 1 and at 1 and 2
 * intra-op threads, then the determinism and agreement check of training/int8_compare.ts.
 *
 *   node --import tsx bench/int8.ts <records.ndjson> [--limit 320] [--rounds 3] [--model DIR] [--json FILE]
 *
 * The rounds interleave fp32 and int8 and each cell keeps its fastest round: on a shared machine
 * the fastest round is the one least slowed by other work. Benchmarks print; tests never time.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { RecordFeatures } from '../src/model/features.js';
import { ClinicalModel } from '../src/model/runtime.js';
import { checkInt8, describeCheck, readFeatures } from '../training/int8_compare.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    limit: { type: 'string', default: '320' },
    rounds: { type: 'string', default: '3' },
    model: { type: 'string' },
    json: { type: 'string' },
  },
});
const input = positionals[0];
if (!input) {
  process.stderr.write('usage: int8.ts <records.ndjson> [--limit 320] [--rounds 3] [--model DIR] [--json FILE]\n');
  process.exit(2);
}
const rounds = Number(values.rounds);

/** The batches analyze makes: windows of 4 batches, sorted by token count (as bench/raw-ort.ts). */
function batchesOf(features: readonly RecordFeatures[], size: number): RecordFeatures[][] {
  const out: RecordFeatures[][] = [];
  for (let w = 0; w < features.length; w += size * 4) {
    const sorted = features.slice(w, w + size * 4).sort((a, b) => a.inputIds.length - b.inputIds.length);
    for (let i = 0; i < sorted.length; i += size) out.push(sorted.slice(i, i + size));
  }
  return out;
}

async function seconds(work: () => Promise<void>): Promise<number> {
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

const models: Record<string, ClinicalModel> = {};
for (const threads of [1, 2]) {
  for (const precision of ['fp32', 'int8'] as const) {
    models[`${precision}/${threads}`] = await ClinicalModel.load(values.model, { device: 'cpu', threads, verify: 'size', precision });
  }
}
const reader = models['fp32/1'] as ClinicalModel;
const features = await readFeatures(reader, [input], Number(values.limit));
const cells: { batch: number; threads: number; fp32: number; int8: number; fp32Text: number; int8Text: number }[] = [];
for (const batch of [16, 1]) {
  const batches = batchesOf(features, batch);
  for (const threads of [1, 2]) {
    const best = { fp32: Infinity, int8: Infinity, fp32Text: Infinity, int8Text: Infinity };
    for (const precision of ['fp32', 'int8'] as const) await (models[`${precision}/${threads}`] as ClinicalModel).run(batches[0] ?? []);
    for (let round = 0; round < rounds; round++) {
      for (const precision of ['fp32', 'int8'] as const) {
        const model = models[`${precision}/${threads}`] as ClinicalModel;
        best[precision] = Math.min(
          best[precision],
          await seconds(async () => {
            for (const b of batches) await model.run(b);
          }),
        );
        const text = `${precision}Text` as const;
        best[text] = Math.min(
          best[text],
          await seconds(async () => {
            for (const b of batches) await model.encodeText(b);
          }),
        );
      }
    }
    const rate = (s: number) => features.length / s;
    cells.push({
      batch,
      threads,
      fp32: rate(best.fp32),
      int8: rate(best.int8),
      fp32Text: rate(best.fp32Text),
      int8Text: rate(best.int8Text),
    });
  }
}
for (const model of Object.values(models)) await model.release();

const pad = (s: string, n: number) => s.padStart(n);
console.log(
  `${features.length} records (${input}), best of ${rounds} interleaved rounds, records/s of raw session.run; ${new Date().toISOString().slice(0, 10)}`,
);
console.log(
  `${'batch'.padEnd(6)}${pad('threads', 8)}${pad('fp32', 9)}${pad('int8', 9)}${pad('int8/fp32', 11)}   text encoder alone: ${pad('fp32', 7)}${pad('int8', 8)}${pad('ratio', 7)}`,
);
for (const c of cells) {
  console.log(
    `${String(c.batch).padEnd(6)}${pad(String(c.threads), 8)}${pad(c.fp32.toFixed(1), 9)}${pad(c.int8.toFixed(1), 9)}${pad(`${(c.int8 / c.fp32).toFixed(2)}x`, 11)}   ${' '.repeat(20)}${pad(c.fp32Text.toFixed(1), 7)}${pad(c.int8Text.toFixed(1), 8)}${pad(`${(c.int8Text / c.fp32Text).toFixed(2)}x`, 7)}`,
  );
}
const check = await checkInt8(values.model, [input], 64);
console.log(describeCheck(check));
if (values.json) writeFileSync(values.json, `${JSON.stringify({ speed: cells, check }, null, 1)}\n`);
