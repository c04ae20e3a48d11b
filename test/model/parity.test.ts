/**
 * @file ONNX/PyTorch parity of a model package, and Node/recipe parity of its features.
 *
 * The training recipe (training/parity.py) saves fixed inputs of all four graphs and PyTorch's
 * outputs for them; here onnxruntime-node runs the package's graphs on the same inputs and every
 * output must be within 1e-4. The recipe also saves a few generated FHIR bundles with the
 * features it trained on (token ids, linked entities with flags, decoded image and audio): the
 * runtime's own code must produce the same features from those bundles, or the model would see
 * different inputs in use than in training. And the package must load with every hash checked,
 * while a copy with one flipped byte must be refused with a message naming the file.
 *
 * The package folder is CLINICALBERT_MODEL_DIR, or the default package (models/clinicalbert-mini).
 * Skips, saying why, when the package has no parity reference yet. Messages name cases, outputs,
 * rows and positions, never record text.
 */
import { closeSync, cpSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENTITY_FLAGS } from '../../src/model/features.js';
import { packageFeaturizer } from '../../src/model/runtime.js';
import { loadModelPackage, ModelPackageError, type ModelPackage } from '../../src/model/package.js';
import { readRecords } from '../../src/records/read.js';
import { defaultModelDir } from '../../src/util/version.js';

/** The issue's tolerance; the reference file cannot loosen it. */
const TOLERANCE = 1e-4;

interface EncodedTensor {
  dtype: 'float32' | 'int64';
  shape: number[];
  data: string;
}

interface ParityRecord {
  row: number;
  patientId: string;
  input_ids: number[];
  entities: [string, number][];
  image: EncodedTensor | null;
  audio: EncodedTensor | null;
}

interface ParityCase {
  name: string;
  graph: 'text' | 'image' | 'audio' | 'fusion';
  inputs: Record<string, EncodedTensor>;
  check_attentions?: { shape: number[] };
}

interface ParityInputs {
  format: number;
  records: ParityRecord[];
  cases: ParityCase[];
}

interface ParityOutputs {
  format: number;
  cases: Record<string, Record<string, EncodedTensor>>;
}

const modelDir = resolve(process.env.CLINICALBERT_MODEL_DIR ?? defaultModelDir());
const referenceDir = join(modelDir, 'reference');
const needed = ['manifest.json', 'reference/parity_inputs.json', 'reference/parity_outputs.json', 'reference/parity_records.ndjson'];
const missing = needed.filter((f) => !existsSync(join(modelDir, f)));
const ready = missing.length === 0;
if (!ready) {
  console.warn(
    `model parity skipped: ${modelDir} lacks ${missing.join(', ')} (build a package with training/build.sh, or set CLINICALBERT_MODEL_DIR)`,
  );
}

function bytesOf(t: EncodedTensor): Buffer {
  return Buffer.from(t.data, 'base64');
}

/** Decoded values: numbers for float32, bigints for int64 (copied so alignment never matters). */
function decode(t: EncodedTensor): ort.Tensor {
  const bytes = bytesOf(t);
  const buffer = new ArrayBuffer(bytes.length);
  new Uint8Array(buffer).set(bytes);
  const count = t.shape.reduce((a, b) => a * b, 1);
  if (t.dtype === 'float32') {
    const data = new Float32Array(buffer);
    expect(data.length).toBe(count);
    return new ort.Tensor('float32', data, t.shape);
  }
  const data = new BigInt64Array(buffer);
  expect(data.length).toBe(count);
  return new ort.Tensor('int64', data, t.shape);
}

function floats(t: EncodedTensor): Float32Array {
  return decode(t).data as Float32Array;
}

/** Largest absolute difference and where it is (flat index), or a shape mismatch. */
function maxDiff(actual: ort.Tensor, expected: ort.Tensor): { diff: number; at: number } {
  const a = actual.data as Float32Array;
  const e = expected.data as Float32Array;
  let diff = 0;
  let at = -1;
  for (let i = 0; i < e.length; i++) {
    const d = Math.abs((a[i] as number) - (e[i] as number));
    if (!(d <= diff)) {
      diff = d;
      at = i;
    }
  }
  return { diff, at };
}

function sessionOptions(): ort.InferenceSession.SessionOptions {
  return {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionProviders: ['cpu'],
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  };
}

describe.skipIf(!ready)(`model package parity (${modelDir})${ready ? '' : ` [SKIPPED: ${modelDir} lacks ${missing.join(', ')}]`}`, () => {
  const inputs = ready ? (JSON.parse(readFileSync(join(referenceDir, 'parity_inputs.json'), 'utf8')) as ParityInputs) : undefined;
  const outputs = ready ? (JSON.parse(readFileSync(join(referenceDir, 'parity_outputs.json'), 'utf8')) as ParityOutputs) : undefined;
  const cases = inputs?.cases ?? [];
  let pkg: ModelPackage;
  const sessions = new Map<string, ort.InferenceSession>();

  async function session(role: ParityCase['graph']): Promise<ort.InferenceSession> {
    let s = sessions.get(role);
    if (!s) {
      s = await ort.InferenceSession.create(pkg.path(pkg.manifest.graphs[role].file), sessionOptions());
      sessions.set(role, s);
    }
    return s;
  }

  beforeAll(async () => {
    pkg = await loadModelPackage(modelDir);
  });

  afterAll(async () => {
    for (const s of sessions.values()) await s.release();
  });

  it('loads with every listed file present and matching its sha256', () => {
    expect(pkg.manifest.formatVersion).toBe(1);
    const listed = new Set(pkg.manifest.files.map((f) => f.path));
    for (const graph of Object.values(pkg.manifest.graphs)) expect(listed.has(graph.file)).toBe(true);
    for (const f of ['reference/parity_inputs.json', 'reference/parity_outputs.json', 'reference/parity_records.ndjson']) {
      expect(listed.has(f), `${f} is not listed in the manifest`).toBe(true);
    }
  });

  it('refuses a copy with one byte flipped, naming the file', async () => {
    const copy = mkdtempSync(join(tmpdir(), 'clinicalbert-parity-'));
    try {
      cpSync(modelDir, copy, { recursive: true });
      const target = join(copy, pkg.manifest.graphs.fusion.file);
      const offset = Math.floor(statSync(target).size / 2);
      const fd = openSync(target, 'r+');
      const byte = Buffer.alloc(1);
      readSync(fd, byte, 0, 1, offset);
      byte[0] = (byte[0] as number) ^ 0xff;
      writeSync(fd, byte, 0, 1, offset);
      closeSync(fd);
      const error = await loadModelPackage(copy).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ModelPackageError);
      expect((error as ModelPackageError).code).toBe('MODEL_INTEGRITY');
      expect((error as Error).message).toContain(pkg.manifest.graphs.fusion.file);
      expect((error as Error).message).toContain('sha256');
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it("has graphs whose input and output names are the manifest's", async () => {
    for (const role of ['text', 'image', 'audio', 'fusion'] as const) {
      const s = await session(role);
      const spec = pkg.manifest.graphs[role];
      expect(s.inputNames, `${role} inputs`).toEqual(spec.inputs.map((t) => t.name));
      expect(s.outputNames, `${role} outputs`).toEqual(spec.outputs.map((t) => t.name));
    }
  });

  it('covers every graph, a batch of one and ablated modalities', () => {
    expect(inputs?.format).toBe(1);
    expect(outputs?.format).toBe(1);
    expect(new Set(cases.map((c) => c.graph))).toEqual(new Set(['text', 'image', 'audio', 'fusion']));
    const fusion = cases.filter((c) => c.graph === 'fusion');
    expect(fusion.some((c) => c.inputs.modality_mask?.shape[0] === 1)).toBe(true);
    const masks = fusion.flatMap((c) => [...floats(c.inputs.modality_mask as EncodedTensor)]);
    expect(masks).toContain(0);
  });

  for (const c of cases) {
    it(`${c.name}: onnxruntime-node matches PyTorch within ${TOLERANCE}`, async () => {
      const s = await session(c.graph);
      const feeds = Object.fromEntries(Object.entries(c.inputs).map(([name, t]) => [name, decode(t)]));
      const result = await s.run(feeds);
      const expected = outputs?.cases[c.name] ?? {};
      expect(Object.keys(expected).length).toBeGreaterThan(0);
      for (const [name, ref] of Object.entries(expected)) {
        const actual = result[name];
        expect(actual, `${c.name}: no output ${name}`).toBeDefined();
        expect(actual?.dims, `${c.name}/${name} shape`).toEqual(ref.shape);
        const { diff, at } = maxDiff(actual as ort.Tensor, decode(ref));
        expect(diff, `${c.name}/${name}: max |onnx - torch| ${diff} at flat index ${at}`).toBeLessThanOrEqual(TOLERANCE);
      }
      if (c.check_attentions) {
        // Too large to ship for long batches: check the shape and that each row is a distribution
        // over the unpadded keys.
        const att = result.attentions as ort.Tensor;
        expect(att.dims).toEqual(c.check_attentions.shape);
        const [layers, batch, heads, seq] = att.dims as [number, number, number, number];
        const mask = decode(c.inputs.attention_mask as EncodedTensor).data as BigInt64Array;
        const data = att.data as Float32Array;
        let worstSum = 0;
        let worstPad = 0;
        for (let l = 0; l < layers; l++)
          for (let b = 0; b < batch; b++)
            for (let h = 0; h < heads; h++)
              for (let q = 0; q < seq; q++) {
                const base = (((l * batch + b) * heads + h) * seq + q) * seq;
                let sum = 0;
                for (let k = 0; k < seq; k++) {
                  const v = data[base + k] as number;
                  sum += v;
                  if (mask[b * seq + k] === 0n) worstPad = Math.max(worstPad, v);
                }
                worstSum = Math.max(worstSum, Math.abs(sum - 1));
              }
        expect(worstSum).toBeLessThanOrEqual(TOLERANCE);
        expect(worstPad).toBeLessThanOrEqual(TOLERANCE);
      }
    });
  }

  it('featurizes the reference bundles into exactly the features the recipe trained on', async () => {
    const { featurizer } = await packageFeaturizer(pkg);
    const byPatient = new Map((inputs?.records ?? []).map((r) => [r.patientId, r]));
    const flagName = Object.fromEntries(Object.entries(ENTITY_FLAGS).map(([k, v]) => [v, k]));
    let seen = 0;
    for await (const item of readRecords([join(referenceDir, 'parity_records.ndjson')])) {
      expect(item.kind, 'a reference bundle failed to assemble').toBe('record');
      if (item.kind !== 'record') continue;
      const ref = byPatient.get(item.record.id);
      expect(ref, `record ${item.record.id} is not in parity_inputs.json`).toBeDefined();
      if (!ref) continue;
      seen++;
      const f = await featurizer.featurize(item.record);
      expect(f.inputIds, `row ${ref.row}: token ids`).toEqual(ref.input_ids);
      expect(
        f.entities.map((e) => [e.id, ENTITY_FLAGS[e.flag]]),
        `row ${ref.row}: linked entities (${ref.entities.map(([, flag]) => flagName[flag]).join(',')})`,
      ).toEqual(ref.entities);
      for (const modality of ['image', 'audio'] as const) {
        const expected = ref[modality];
        const actual = f[modality];
        expect(actual !== undefined, `row ${ref.row}: ${modality} present`).toBe(expected !== null);
        if (expected && actual) {
          const e = floats(expected);
          expect(actual.length).toBe(e.length);
          let diff = 0;
          for (let i = 0; i < e.length; i++) diff = Math.max(diff, Math.abs((actual[i] as number) - (e[i] as number)));
          expect(diff, `row ${ref.row}: ${modality} values`).toBeLessThanOrEqual(1e-6);
        }
      }
    }
    expect(seen).toBe(inputs?.records.length);
    expect(seen).toBeGreaterThanOrEqual(2);
  });
});
