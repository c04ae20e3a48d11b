/**
 * @file A package's precisions (src/model/precision.ts, issue 12 item 2): the committed package's
 * int8 text encoder is listed in `files` with the hash and size on disk and checked at load like
 * every graph; a manifest whose int8 graph is not listed, whose hash differs from its files entry,
 * whose default names a precision it has no graphs for, or whose int8 graph has other inputs or
 * outputs than the fp32 one is refused; loading picks the graphs of the asked or default precision.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { GraphSpec, ModelManifest } from '../../src/model/manifest.js';
import { loadModelPackage, ModelPackageError, parseManifest } from '../../src/model/package.js';
import { availablePrecisions, defaultPrecision, graphsAt } from '../../src/model/precision.js';
import { ClinicalModel } from '../../src/model/runtime.js';
import { tempFolder } from '../io/corpus.js';
import { HAS_MODEL, MODEL_DIR, MODEL_NOTE } from '../support/cli.js';
import { must } from '../support/must.js';
import { variantPackage } from '../support/variant-package.js';

const { dir: tmp, remove } = tempFolder('cb-precision-');
afterAll(() => remove());

const MANIFEST = (): ModelManifest => JSON.parse(readFileSync(join(MODEL_DIR, 'manifest.json'), 'utf8')) as ModelManifest;
const HAS_INT8 = HAS_MODEL && MANIFEST().precisions?.int8?.text !== undefined;
const NOTE = MODEL_NOTE || (HAS_INT8 ? '' : ` [SKIPPED: the package at ${MODEL_DIR} has no int8 graphs]`);
const int8Text = (m: ModelManifest): GraphSpec => must(m.precisions?.int8?.text, 'the int8 text graph');

function parseError(m: ModelManifest): ModelPackageError {
  try {
    parseManifest('/pkg', JSON.stringify(m));
  } catch (error) {
    expect(error).toBeInstanceOf(ModelPackageError);
    return error as ModelPackageError;
  }
  throw new Error('the manifest was accepted');
}

describe.skipIf(!HAS_INT8)(`the int8 text encoder in the package${NOTE}`, () => {
  it('is listed in files with the sha256 and size of the file on disk, beside the fp32 graphs', async () => {
    const m = MANIFEST();
    const spec = int8Text(m);
    const entry = must(
      m.files.find((f) => f.path === spec.file),
      'the files entry',
    );
    const bytes = readFileSync(join(MODEL_DIR, spec.file));
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(spec.sha256);
    expect(entry).toEqual({ path: spec.file, sha256: spec.sha256, bytes: bytes.length });
    expect(spec.precision).toMatch(/^int8/);
    expect(spec.inputs).toEqual(m.graphs.text.inputs);
    expect(spec.outputs).toEqual(m.graphs.text.outputs);
    expect(availablePrecisions(m)).toEqual(['fp32', 'int8']);
    expect((await loadModelPackage(MODEL_DIR, { verify: 'hash' })).manifest.precisions?.int8?.text?.file).toBe(spec.file);
  });

  it('is checked at load like every graph: a hash that differs from its files entry, or a file not listed, is refused', async () => {
    const wrongHash = variantPackage(MODEL_DIR, join(tmp, 'wrong-hash'), (m) => {
      int8Text(m).sha256 = '0'.repeat(64);
    });
    await expect(loadModelPackage(wrongHash, { verify: 'size' })).rejects.toMatchObject({
      code: 'MODEL_INTEGRITY',
      message: expect.stringContaining('precisions.int8.text: sha256 differs from the files entry for onnx/text_encoder.int8.onnx'),
    });
    const unlisted = variantPackage(MODEL_DIR, join(tmp, 'unlisted'), (m) => {
      m.files = m.files.filter((f) => f.path !== int8Text(m).file);
    });
    await expect(loadModelPackage(unlisted, { verify: 'size' })).rejects.toMatchObject({
      code: 'MODEL_MANIFEST_INVALID',
      message: expect.stringContaining('onnx/text_encoder.int8.onnx is used but not listed in "files"'),
    });
  });

  it('runs when asked, and the package default otherwise', async () => {
    for (const precision of ['fp32', 'int8'] as const) {
      const model = await ClinicalModel.load(MODEL_DIR, { device: 'cpu', threads: 1, verify: 'size', precision });
      expect(model.precision).toBe(precision);
      await model.release();
    }
    const model = await ClinicalModel.load(MODEL_DIR, { device: 'cpu', threads: 1, verify: 'size' });
    expect(model.precision).toBe(defaultPrecision(MANIFEST()));
    await model.release();
  });
});

describe('precisions in a manifest', () => {
  const spec = (m: ModelManifest): GraphSpec => ({ ...m.graphs.text, file: 'onnx/text_encoder.int8.onnx', precision: 'int8-per-row' });
  const fp32Only = (): ModelManifest => {
    const m = MANIFEST();
    delete m.precisions;
    return m;
  };

  it('defaults to fp32 and refuses int8 in a package that has only fp32 graphs', () => {
    const m = fp32Only();
    expect(defaultPrecision(m)).toBe('fp32');
    expect(graphsAt('/pkg', m).graphs.text.file).toBe(m.graphs.text.file);
    expect(() => graphsAt('/pkg', m, 'int8')).toThrow(/--precision int8: the model package \/pkg has no int8 graphs; it has: fp32/);
  });

  it('takes the int8 graph for the roles it replaces and fp32 for the others', () => {
    const m = fp32Only();
    m.precisions = { default: 'int8', int8: { text: spec(m) } };
    const { precision, graphs } = graphsAt('/pkg', m);
    expect(precision).toBe('int8');
    expect(graphs.text.file).toBe('onnx/text_encoder.int8.onnx');
    expect(graphs.fusion).toEqual(m.graphs.fusion);
    expect(graphsAt('/pkg', m, 'fp32').graphs.text).toEqual(m.graphs.text);
  });

  it('refuses a default without graphs, an int8 graph fed differently, and unknown precisions', () => {
    const noGraphs = fp32Only();
    noGraphs.precisions = { default: 'int8' };
    expect(parseError(noGraphs).message).toContain('precisions.default is "int8" but the package has no int8 graphs; it has: fp32');
    const renamed = fp32Only();
    const other = spec(renamed);
    other.outputs = other.outputs.map((o) => (o.name === 'text_embedding' ? { ...o, name: 'pooled' } : o));
    renamed.precisions = { int8: { text: other } };
    expect(parseError(renamed).message).toContain("precisions.int8.text: its inputs and outputs differ from graphs.text's");
    const unknown = fp32Only() as unknown as Record<string, unknown>;
    unknown.precisions = { int4: { text: spec(fp32Only()) } };
    expect(parseError(unknown as unknown as ModelManifest).code).toBe('MODEL_MANIFEST_INVALID');
  });
});
