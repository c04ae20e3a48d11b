/**
 * @file The events of src/pipeline/batches.ts come in input order: a dead letter raised at reading
 * (a broken line) waits behind the records of its window, so the dead-letter file is the same at
 * every batch size even when the model's own failures (INFERENCE_FAILED, known only once a window
 * ran) are mixed with them. `--resume` relies on it: each output file is a prefix of one fixed
 * sequence.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempFolder } from '../io/corpus.js';
import { cli, HAS_MODEL, jsonLines, MODEL_DIR, MODEL_NOTE, REPO_ROOT } from '../support/cli.js';
import { variantPackage } from '../support/variant-package.js';

let tmp = '';
let remove = () => {};
beforeAll(() => {
  ({ dir: tmp, remove } = tempFolder('cb-batches-order-'));
});
afterAll(() => remove());

describe.skipIf(!HAS_MODEL)(`event order${MODEL_NOTE}`, () => {
  it('dead letters of reading and of the model interleave in input order, the same at batch sizes 1, 3 and 16', () => {
    // the image graph cannot run (the manifest names an input it does not have): records with an
    // image become INFERENCE_FAILED once their window ran; broken lines fail at once
    const pkg = variantPackage(MODEL_DIR, join(tmp, 'pkg'), (m) => {
      const input = m.graphs.image.inputs[0];
      if (!input) throw new Error('the image graph has no input');
      input.name = 'pixels';
    });
    const samples = readFileSync(join(REPO_ROOT, 'samples', 'records.ndjson'), 'utf8')
      .trim()
      .split('\n');
    const lines = samples.flatMap((line, i) => (i % 3 === 0 ? [line, '{"broken": '] : [line]));
    const input = join(tmp, 'mixed.ndjson');
    writeFileSync(input, `${lines.join('\n')}\n`);
    const letters = [1, 3, 16].map((size) => {
      const dead = join(tmp, `dead-${size}.jsonl`);
      const run = cli(['analyze', input, '--model', pkg, '--dead-letter', dead, '--no-timing', '--batch-size', String(size), '-q']);
      expect(run.status, run.stderr).toBe(3);
      return readFileSync(dead, 'utf8');
    });
    expect(letters[1]).toBe(letters[0]);
    expect(letters[2]).toBe(letters[0]);
    const parsed = jsonLines(letters[0] as string) as { line: number; code: string }[];
    expect(new Set(parsed.map((l) => l.code))).toEqual(new Set(['INVALID_JSON', 'INFERENCE_FAILED']));
    const order = parsed.map((l) => l.line);
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });
});
