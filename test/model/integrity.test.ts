/**
 * @file Manifest integrity (issue 11, item 7): a manifest that no longer describes its graphs is
 * refused at load, not at inference or silently. Each break is a variant of the committed package
 * in a temp folder (test/support/variant-package.ts): a removed label, a graph swapped for one of
 * another width with its hash updated, preprocessing sizes out of the schema's bounds, and a
 * manifest altered after its `manifest.sha256` was written. The committed package must still load.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ModelManifest } from '../../src/model/manifest.js';
import { loadModelPackage, ModelPackageError, parseManifest } from '../../src/model/package.js';
import { ClinicalModel } from '../../src/model/runtime.js';
import { tempFolder } from '../io/corpus.js';
import { HAS_MODEL, MODEL_DIR, MODEL_NOTE } from '../support/cli.js';
import { replaceVariantFile, variantPackage } from '../support/variant-package.js';

const { dir: tmp, remove } = tempFolder('cb-integrity-');
afterAll(() => remove());

const MANIFEST = (): ModelManifest => JSON.parse(readFileSync(join(MODEL_DIR, 'manifest.json'), 'utf8')) as ModelManifest;

async function loadError(dir: string): Promise<ModelPackageError> {
  try {
    const model = await ClinicalModel.load(dir, { device: 'cpu', threads: 1, verify: 'hash' });
    await model.release?.();
  } catch (error) {
    expect(error).toBeInstanceOf(ModelPackageError);
    return error as ModelPackageError;
  }
  throw new Error(`${dir} loaded`);
}

function parseError(m: ModelManifest): ModelPackageError {
  try {
    parseManifest('/pkg', JSON.stringify(m));
  } catch (error) {
    expect(error).toBeInstanceOf(ModelPackageError);
    return error as ModelPackageError;
  }
  throw new Error('the manifest was accepted');
}

/** Protobuf field `n` of wire type 0 (varint) or 2 (bytes), enough to write a tiny ONNX model. */
function varint(value: number): Buffer {
  const out: number[] = [];
  let v = value;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return Buffer.from(out);
}
const int = (n: number, value: number): Buffer => Buffer.concat([varint(n << 3), varint(value)]);
const bytesField = (n: number, ...parts: (Buffer | string)[]): Buffer => {
  const body = Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));
  return Buffer.concat([varint((n << 3) | 2), varint(body.length), body]);
};

/** An ONNX model (opset 17) whose one node copies a float [batch, width] input to an output. */
function identityGraph(input: string, output: string, width: number): Buffer {
  // ValueInfoProto: name, type { tensor_type { elem_type FLOAT, shape { dim "batch", dim width } } }
  const shape = bytesField(2, bytesField(1, bytesField(2, 'batch')), bytesField(1, int(1, width)));
  const valueInfo = (name: string): Buffer => Buffer.concat([bytesField(1, name), bytesField(2, bytesField(1, int(1, 1), shape))]);
  const node = bytesField(1, bytesField(1, input), bytesField(2, output), bytesField(4, 'Identity'));
  const graph = Buffer.concat([node, bytesField(2, 'swapped'), bytesField(11, valueInfo(input)), bytesField(12, valueInfo(output))]);
  return Buffer.concat([int(1, 8), bytesField(8, bytesField(1, ''), int(2, 17)), bytesField(7, graph)]);
}

describe.skipIf(!HAS_MODEL)(`manifest integrity at load${MODEL_NOTE}`, () => {
  it('loads the committed package: its manifest agrees with its graphs', async () => {
    const model = await ClinicalModel.load(MODEL_DIR, { device: 'cpu', threads: 1, verify: 'size' });
    expect(Object.keys(model.manifest.heads).length).toBeGreaterThan(0);
    await model.release?.();
  });

  it('refuses a manifest with one diagnosis label removed, naming the head, its labels and the graph width', async () => {
    const dir = variantPackage(MODEL_DIR, join(tmp, 'removed-label'), (m) => {
      m.heads.diagnoses?.labels.splice(0, 1);
    });
    const labels = MANIFEST().heads.diagnoses?.labels.length ?? 0;
    const error = await loadError(dir);
    expect(error.code).toBe('MODEL_MANIFEST_INVALID');
    expect(error.message).toContain(
      `heads.diagnoses has ${labels - 1} labels but the fusion graph's output diagnosis_logits is ${labels} wide`,
    );
  });

  it('refuses a fusion graph swapped for one of another width, even with its hash updated in the manifest', async () => {
    const dir = variantPackage(MODEL_DIR, join(tmp, 'swapped-graph'), () => {});
    const file = 'onnx/fusion.onnx';
    const labels = MANIFEST().heads.diagnoses?.labels.length ?? 0;
    // a graph whose diagnosis_logits is its 306-wide text_embedding passed through
    const bytes = identityGraph('text_embedding', 'diagnosis_logits', 306);
    // the variant's onnx/ is a folder of its own; its fusion.onnx link is replaced, never written through
    replaceVariantFile(dir, file, bytes);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const m = MANIFEST();
    m.graphs.fusion.sha256 = sha256;
    m.graphs.fusion.bytes = bytes.length;
    for (const f of m.files) if (f.path === file) Object.assign(f, { sha256, bytes: bytes.length });
    writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(m, null, 1)}\n`);
    const error = await loadError(dir);
    expect(error.code).toBe('MODEL_MANIFEST_INVALID');
    expect(error.message).toContain(`heads.diagnoses has ${labels} labels but the fusion graph's output diagnosis_logits is 306 wide`);
  });

  it('refuses preprocessing sizes out of the schema bounds (image.size 16000, audio.seconds 20000, …)', () => {
    const cases: [string, (m: ModelManifest) => void][] = [
      ['/image/size', (m) => (m.image.size = 16000)],
      ['/audio/seconds', (m) => (m.audio.seconds = 20000)],
      ['/audio/sampleRate', (m) => (m.audio.sampleRate = 1_000_000)],
      ['/text/maxLength', (m) => (m.text.maxLength = 100_000)],
      ['/knowledgeGraph/maxEntities', (m) => (m.knowledgeGraph.maxEntities = 100_000)],
    ];
    for (const [path, edit] of cases) {
      const m = MANIFEST();
      edit(m);
      const error = parseError(m);
      expect(error.code, path).toBe('MODEL_MANIFEST_INVALID');
      expect(error.message, path).toContain(`${path} must be <=`);
    }
  });

  it('checks manifest.json against manifest.sha256 when the package has one', async () => {
    const text = readFileSync(join(MODEL_DIR, 'manifest.json'));
    const good = variantPackage(MODEL_DIR, join(tmp, 'sha-good'), () => {});
    writeFileSync(join(good, 'manifest.json'), text);
    writeFileSync(join(good, 'manifest.sha256'), `${createHash('sha256').update(text).digest('hex')}  manifest.json\n`);
    expect((await loadModelPackage(good, { verify: 'size' })).manifest.name).toBe(MANIFEST().name);

    const tampered = variantPackage(MODEL_DIR, join(tmp, 'sha-tampered'), (m) => {
      m.heads.diagnoses?.labels.reverse();
    });
    writeFileSync(join(tampered, 'manifest.sha256'), `${createHash('sha256').update(text).digest('hex')}  manifest.json\n`);
    await expect(loadModelPackage(tampered, { verify: 'size' })).rejects.toMatchObject({
      code: 'MODEL_INTEGRITY',
      message: expect.stringContaining('manifest.json: sha256'),
    });
  });
});
