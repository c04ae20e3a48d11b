/**
 * @file Checks a package's int8 text encoder against its fp32 one, through onnxruntime-node (the
 * Python recipe has no onnxruntime): the recipe's int8-check step runs it, bench/int8.ts prints it.
 *
 *   node --import tsx training/int8_compare.ts --model <package> --records a.ndjson [--records b.ndjson] \
 *        [--limit 64] [--out check.json]
 *
 * Determinism: every record is run alone (1 thread) and inside a batch of 16 records taken in
 * input order, so padded to the longest of them, at 1 and at 2 intra-op threads; the token
 * vectors, the pooled vector, the TF-IDF read-out and the specialty logits of the record are
 * compared bit for bit, for fp32 and int8 alike. Agreement: the int8 text outputs and the whole
 * model's head probabilities against fp32's on the same records.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { RecordFeatures } from '../src/model/features.js';
import type { Precision } from '../src/model/manifest.js';
import { loadModelPackage } from '../src/model/package.js';
import { graphsAt } from '../src/model/precision.js';
import { ClinicalModel, textFeeds } from '../src/model/runtime.js';
import { createSession, type ort } from '../src/model/session.js';
import { readRecords } from '../src/records/read.js';

const BATCH = 16;
const PARTS = ['tokens', 'pooled', 'readout', 'specialty'] as const;
type Part = (typeof PARTS)[number];

/** How many numbers of a record differ between two runs, and by how much at most. */
export interface Difference {
  values: number;
  differing: number;
  maxAbs: number;
}

export interface Int8Check {
  records: number;
  batch: number;
  /** Per precision and part: the record alone (1 thread) against the record in a batch (1 and 2 threads). */
  determinism: Record<Precision, Record<Part, Difference>>;
  /** int8 against fp32, each record alone. */
  agreement: {
    text: Record<Exclude<Part, 'tokens'>, { maxAbs: number; meanAbs: number }>;
    heads: Record<string, { maxAbs: number; top1Agreement?: number }>;
  };
}

function newDifference(): Difference {
  return { values: 0, differing: 0, maxAbs: 0 };
}

function compare(into: Difference, a: Float32Array, b: Float32Array): void {
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs((a[i] as number) - (b[i] as number));
    into.values++;
    if (d !== 0 || Number.isNaN(d)) into.differing++;
    if (d > into.maxAbs) into.maxAbs = d;
  }
}

/** Row `r` of a text run, split into the parts compared (tokens only up to the record's length). */
async function textRows(session: ort.InferenceSession, batch: readonly RecordFeatures[]): Promise<Record<Part, Float32Array>[]> {
  const out = await session.run(textFeeds(batch), ['text_embedding', 'specialty_logits', 'token_embeddings']);
  const text = out.text_embedding as ort.Tensor;
  const tokens = out.token_embeddings as ort.Tensor;
  const specialty = out.specialty_logits as ort.Tensor;
  const hidden = tokens.dims[2] as number;
  const length = tokens.dims[1] as number;
  const width = text.dims[1] as number;
  const classes = specialty.dims[1] as number;
  return batch.map((f, r) => {
    const row = (text.data as Float32Array).subarray(r * width, (r + 1) * width);
    return {
      tokens: (tokens.data as Float32Array).subarray(r * length * hidden, (r * length + f.inputIds.length) * hidden),
      pooled: row.subarray(0, hidden),
      readout: row.subarray(hidden),
      specialty: (specialty.data as Float32Array).subarray(r * classes, (r + 1) * classes),
    };
  });
}

export async function readFeatures(model: ClinicalModel, files: readonly string[], limit: number): Promise<RecordFeatures[]> {
  const features: RecordFeatures[] = [];
  for (const file of files) {
    let taken = 0;
    for await (const item of readRecords([file])) {
      if (item.kind !== 'record') continue;
      features.push(await model.featurizer.featurize(item.record));
      if (++taken >= limit) break;
    }
  }
  return features;
}

export async function checkInt8(dir: string | undefined, files: readonly string[], limit = 64): Promise<Int8Check> {
  const pkg = await loadModelPackage(dir, { verify: 'size' });
  const fp32 = await ClinicalModel.load(pkg.dir, { device: 'cpu', threads: 1, verify: 'size', precision: 'fp32' });
  const int8 = await ClinicalModel.load(pkg.dir, { device: 'cpu', threads: 1, verify: 'size', precision: 'int8' });
  try {
    const features = await readFeatures(fp32, files, limit);
    const determinism = {} as Int8Check['determinism'];
    const alone = {} as Record<Precision, Record<Part, Float32Array>[]>;
    for (const precision of ['fp32', 'int8'] as const) {
      const file = pkg.path(graphsAt(pkg.dir, pkg.manifest, precision).graphs.text.file);
      const one = (await createSession(file, { device: 'cpu', threads: 1 })).session;
      const two = (await createSession(file, { device: 'cpu', threads: 2 })).session;
      const diff = Object.fromEntries(PARTS.map((p) => [p, newDifference()])) as Record<Part, Difference>;
      alone[precision] = [];
      for (const f of features) alone[precision].push(...(await textRows(one, [f])));
      for (let start = 0; start < features.length; start += BATCH) {
        const batch = features.slice(start, start + BATCH);
        for (const session of [one, two]) {
          const rows = await textRows(session, batch);
          rows.forEach((row, r) => {
            for (const part of PARTS) compare(diff[part], alone[precision][start + r]?.[part] as Float32Array, row[part]);
          });
        }
      }
      determinism[precision] = diff;
      await one.release();
      await two.release();
    }
    const text = {} as Int8Check['agreement']['text'];
    for (const part of ['pooled', 'readout', 'specialty'] as const) {
      let maxAbs = 0;
      let sum = 0;
      let count = 0;
      features.forEach((_, i) => {
        const a = alone.fp32[i]?.[part] as Float32Array;
        const b = alone.int8[i]?.[part] as Float32Array;
        for (let k = 0; k < a.length; k++) {
          const d = Math.abs((a[k] as number) - (b[k] as number));
          maxAbs = Math.max(maxAbs, d);
          sum += d;
          count++;
        }
      });
      text[part] = { maxAbs, meanAbs: count ? sum / count : 0 };
    }
    const heads: Int8Check['agreement']['heads'] = {};
    for (let start = 0; start < features.length; start += BATCH) {
      const batch = features.slice(start, start + BATCH);
      const [a, b] = [await fp32.run(batch), await int8.run(batch)];
      a.forEach((ra, r) => {
        for (const [name, pa] of Object.entries(ra.heads)) {
          const pb = b[r]?.heads[name] as Float32Array;
          const h = heads[name] ?? { maxAbs: 0 };
          heads[name] = h;
          for (let k = 0; k < pa.length; k++) h.maxAbs = Math.max(h.maxAbs, Math.abs((pa[k] as number) - (pb[k] as number)));
          if (fp32.manifest.heads[name]?.activation === 'softmax') {
            const top = (p: Float32Array) => p.indexOf(Math.max(...p));
            h.top1Agreement = (h.top1Agreement ?? 0) + (top(pa) === top(pb) ? 1 : 0);
          }
        }
      });
    }
    for (const h of Object.values(heads)) if (h.top1Agreement !== undefined) h.top1Agreement /= features.length;
    return { records: features.length, batch: BATCH, determinism, agreement: { text, heads } };
  } finally {
    await fp32.release();
    await int8.release();
  }
}

/** The check as a few lines for a terminal. */
export function describeCheck(c: Int8Check): string {
  const lines = [`${c.records} records, each alone (1 thread) vs in a batch of ${c.batch} (1 and 2 threads):`];
  for (const precision of ['fp32', 'int8'] as const) {
    const parts = PARTS.map((p) => {
      const d = c.determinism[precision][p];
      return d.differing === 0 ? `${p} identical` : `${p} ${d.differing} of ${d.values} differ (max ${d.maxAbs.toExponential(1)})`;
    });
    lines.push(`  ${precision}: ${parts.join('; ')}`);
  }
  const t = c.agreement.text;
  lines.push(
    `int8 vs fp32: max |diff| pooled ${t.pooled.maxAbs.toExponential(2)}, read-out ${t.readout.maxAbs.toExponential(2)}, specialty logits ${t.specialty.maxAbs.toExponential(2)}`,
  );
  const heads = Object.entries(c.agreement.heads).map(
    ([name, h]) =>
      `${name} ${h.maxAbs.toExponential(2)}${h.top1Agreement !== undefined ? ` (same top-1 ${(100 * h.top1Agreement).toFixed(1)}%)` : ''}`,
  );
  lines.push(`  head probabilities, max |diff|: ${heads.join(', ')}`);
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      model: { type: 'string' },
      records: { type: 'string', multiple: true },
      limit: { type: 'string', default: '64' },
      out: { type: 'string' },
    },
  });
  if (!values.records?.length) {
    process.stderr.write('usage: int8_compare.ts --model <package> --records <file> [--records <file>] [--limit 64] [--out check.json]\n');
    process.exit(2);
  }
  const check = await checkInt8(values.model, values.records, Number(values.limit));
  process.stderr.write(`${describeCheck(check)}\n`);
  if (values.out) writeFileSync(values.out, `${JSON.stringify(check, null, 1)}\n`);
}
