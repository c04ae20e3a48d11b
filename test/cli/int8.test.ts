/**
 * @file `--precision` through the CLI (issue 12, item 2): the int8 text encoder's predictions are
 * byte-identical whatever the batch size (1, 3, 16: a record alone, or padded to its batch-mates)
 * and the thread count, as fp32's are; they agree with fp32's on the top diagnosis of every sample
 * record; the summary and each line (schema 1.3) name the precision; `--resume` at another
 * precision than the interrupted run's is refused before anything is written; a precision the flag
 * does not know, or one the package has no graphs for, is a usage error (exit 2) that lists what
 * there is.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ModelManifest } from '../../src/model/manifest.js';
import type { PredictionLine } from '../../src/pipeline/prediction.js';
import { tempFolder } from '../io/corpus.js';
import { cli, HAS_MODEL, jsonLines, MODEL_DIR, MODEL_NOTE } from '../support/cli.js';
import { variantPackage } from '../support/variant-package.js';

const { dir: tmp, remove } = tempFolder('cb-int8-');
afterAll(() => remove());

const manifest = (): ModelManifest => JSON.parse(readFileSync(join(MODEL_DIR, 'manifest.json'), 'utf8')) as ModelManifest;
const HAS_INT8 = HAS_MODEL && existsSync(join(MODEL_DIR, 'manifest.json')) && manifest().precisions?.int8 !== undefined;
const NOTE = MODEL_NOTE || (HAS_INT8 ? '' : ` [SKIPPED: the package at ${MODEL_DIR} has no int8 graphs]`);
const INPUT = 'samples/records.ndjson';

function analyze(...args: string[]): string {
  const r = cli(['analyze', INPUT, '--model', MODEL_DIR, '--no-timing', ...args]);
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

describe.skipIf(!HAS_MODEL)(`clinicalbert analyze --precision${MODEL_NOTE}`, () => {
  it('refuses a precision it does not know, listing the choices', () => {
    const r = cli(['analyze', INPUT, '--model', MODEL_DIR, '--precision', 'int4']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--precision must be one of fp32, int8; got "int4"/);
    expect(r.stdout).toBe('');
  });

  it('refuses int8 for a package that has no int8 graphs, naming what it has', () => {
    const pkg = variantPackage(MODEL_DIR, join(tmp, 'fp32-only'), (m) => {
      delete m.precisions;
    });
    const r = cli(['analyze', INPUT, '--model', pkg, '--precision', 'int8']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('has no int8 graphs; it has: fp32');
    expect(r.stdout).toBe('');
    const evaluate = cli(['evaluate', INPUT, '--labels', `${INPUT}.labels.jsonl`, '--model', pkg, '--precision', 'int8']);
    expect(evaluate.status).toBe(2);
  });
});

describe.skipIf(!HAS_INT8)(`int8 predictions${NOTE}`, () => {
  it('are byte-identical across batch sizes 1, 3 and 16 and 1 and 2 threads', () => {
    const runs = [
      analyze('--precision', 'int8', '--batch-size', '1'),
      analyze('--precision', 'int8', '--batch-size', '3'),
      analyze('--precision', 'int8', '--batch-size', '16'),
      analyze('--precision', 'int8', '--batch-size', '16', '--threads', '2'),
      analyze('--precision', 'int8', '--batch-size', '3', '--threads', '2'),
    ];
    expect(jsonLines(runs[0] as string).length).toBe(20);
    for (const run of runs.slice(1)) expect(run).toBe(runs[0]);
  });

  it('name the same top diagnosis as fp32 for every sample record, and the summary names the precision', () => {
    const top = (stdout: string) =>
      (jsonLines(stdout) as unknown as PredictionLine[]).map((l) => `${l.id}:${l.predictions.diagnoses?.[0]?.id ?? 'none'}`);
    const int8 = cli(['analyze', INPUT, '--model', MODEL_DIR, '--no-timing', '--precision', 'int8', '--log-format', 'json']);
    expect(int8.status, int8.stderr).toBe(0);
    expect(top(int8.stdout)).toEqual(top(analyze('--precision', 'fp32')));
    const summary = jsonLines(int8.stderr).find((l) => l.event === 'summary');
    expect(summary?.precision).toBe('int8');
  });

  it('name their precision in each line, and --resume at the other precision is refused before anything is written', () => {
    const precisions = (stdout: string) => (jsonLines(stdout) as unknown as PredictionLine[]).map((l) => l.model.precision);
    const fp32 = analyze('--precision', 'fp32');
    expect(precisions(fp32)).toEqual(precisions(fp32).map(() => 'fp32'));
    expect(precisions(analyze('--precision', 'int8'))).toEqual(precisions(fp32).map(() => 'int8'));

    const out = join(tmp, 'resume.jsonl');
    const kept = `${fp32.split('\n').slice(0, 5).join('\n')}\n`;
    writeFileSync(out, kept);
    const resume = (precision: string) =>
      cli(['analyze', INPUT, '--model', MODEL_DIR, '--no-timing', '--precision', precision, '--out', out, '--resume']);
    const refused = resume('int8');
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/resume\.jsonl line 1 was written at precision "fp32", this run uses "int8"/);
    expect(readFileSync(out, 'utf8')).toBe(kept);
    const resumed = resume('fp32');
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(fp32);
  });

  it('are what a run without --precision writes when the package defaults to int8', () => {
    const wanted = manifest().precisions?.default ?? 'fp32';
    expect(analyze()).toBe(analyze('--precision', wanted));
  });
});
