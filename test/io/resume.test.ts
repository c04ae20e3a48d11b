/**
 * @file The `--resume` ledger (src/io/resume.ts) without a model: torn last lines cut off, keys
 * used up earliest first (a repeated record id matches its own line), leftovers counted, lines
 * that are not ours or come from another model or another precision refused.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readResume } from '../../src/io/resume.js';
import { UsageError } from '../../src/util/errors.js';
import type { ClinicalRecord, RecordItem } from '../../src/records/types.js';
import { tempFolder } from './corpus.js';

let tmp = '';
let remove = () => {};
beforeAll(() => {
  ({ dir: tmp, remove } = tempFolder('cb-resume-ledger-'));
});
afterAll(() => remove());

const SHA = 'a'.repeat(64);
const line = (id: string, file: string, n: number, extra: object = {}) =>
  JSON.stringify({
    schemaVersion: '1.2',
    id,
    source: { file, line: n },
    model: { name: 'm', version: '1', sha: SHA },
    warnings: [],
    ...extra,
  });
const record = (id: string, file: string, n: number): Extract<RecordItem, { kind: 'record' }> => ({
  kind: 'record',
  record: { id, source: { file, line: n } } as unknown as ClinicalRecord,
});

describe('readResume', () => {
  it('cuts the torn last line, keeps the whole ones, and matches each key once, earliest first', async () => {
    const out = join(tmp, 'a.jsonl');
    const dead = join(tmp, 'a.dead.jsonl');
    writeFileSync(out, `${line('p1', 'in.ndjson', 1, { warnings: ['w'] })}\n${line('p1', 'in.ndjson', 4)}\n{"id":"p2","sou`);
    writeFileSync(dead, `${JSON.stringify({ file: 'in.ndjson', line: 2, code: 'INVALID_JSON', reason: 'x' })}\n`);
    const ledger = await readResume({ out, deadLetter: dead, outputFormat: 'jsonl', modelSha: SHA });
    expect(ledger.files).toEqual([
      { path: out, lines: 2, tornBytes: 15 },
      { path: dead, lines: 1, tornBytes: 0 },
    ]);
    expect(readFileSync(out, 'utf8').endsWith('\n')).toBe(true);
    expect(ledger.stats).toMatchObject({ written: 2, deadLettered: 1, warnings: 1, deadLetterCodes: { INVALID_JSON: 1 } });
    expect(ledger.outcome(record('p1', 'in.ndjson', 1))).toBe('written');
    expect(ledger.outcome({ kind: 'failure', position: { file: 'in.ndjson', line: 2 }, code: 'INVALID_JSON', reason: 'x' })).toBe(
      'dead-lettered',
    );
    // the same id at another line is its own record: not in the files
    expect(ledger.outcome(record('p1', 'in.ndjson', 3))).toBeUndefined();
    expect(ledger.leftOver()).toEqual({ written: 1, deadLettered: 0 });
    expect(ledger.outcome(record('p1', 'in.ndjson', 4))).toBe('written');
    expect(ledger.outcome(record('p1', 'in.ndjson', 4))).toBeUndefined();
    expect(ledger.leftOver()).toEqual({ written: 0, deadLettered: 0 });
  });

  it('treats missing files as empty (a first run) and an empty file as no lines', async () => {
    const ledger = await readResume({ out: join(tmp, 'none.jsonl'), outputFormat: 'jsonl', modelSha: SHA });
    expect(ledger.files).toEqual([{ path: join(tmp, 'none.jsonl'), lines: 0, tornBytes: 0 }]);
    const torn = join(tmp, 'only-torn.jsonl');
    writeFileSync(torn, '{"id":');
    const again = await readResume({ out: torn, outputFormat: 'jsonl', modelSha: SHA });
    expect(again.files[0]).toEqual({ path: torn, lines: 0, tornBytes: 6 });
    expect(readFileSync(torn, 'utf8')).toBe('');
  });

  it('refuses lines of another model package and lines that are not ours, naming file and line', async () => {
    const other = join(tmp, 'other.jsonl');
    writeFileSync(other, `${line('p1', 'in', 1)}\n${line('p2', 'in', 2).replace(SHA, 'b'.repeat(64))}\n`);
    await expect(readResume({ out: other, outputFormat: 'jsonl', modelSha: SHA })).rejects.toThrow(
      /other\.jsonl line 2 was written by model package "b{64}"/,
    );
    const bundle = join(tmp, 'bundle.jsonl');
    writeFileSync(bundle, `${line('p1', 'in', 1)}\n`);
    await expect(readResume({ out: bundle, outputFormat: 'fhir', modelSha: SHA })).rejects.toThrow(
      /bundle\.jsonl line 1 is not a result Bundle \(--output-format fhir\)/,
    );
    const text = join(tmp, 'text.jsonl');
    writeFileSync(text, 'hello\n');
    await expect(readResume({ out: text, outputFormat: 'jsonl', modelSha: SHA })).rejects.toMatchObject({ code: 'RESUME_MISMATCH' });
  });

  it('refuses lines written at another precision (schema 1.3) and accepts lines that do not say (1.2 and older)', async () => {
    const at = (id: string, n: number, precision: string) =>
      line(id, 'in', n, { schemaVersion: '1.3', model: { name: 'm', version: '1', sha: SHA, precision } });
    const mixed = join(tmp, 'precision.jsonl');
    const text = `${line('p1', 'in', 1)}\n${at('p2', 2, 'fp32')}\n${at('p3', 3, 'int8')}\n`;
    writeFileSync(mixed, text);
    const refused = readResume({ out: mixed, outputFormat: 'jsonl', modelSha: SHA, precision: 'fp32' });
    await expect(refused).rejects.toThrow(/precision\.jsonl line 3 was written at precision "int8", this run uses "fp32"/);
    await expect(refused).rejects.toBeInstanceOf(UsageError);
    await expect(refused).rejects.toMatchObject({ code: 'RESUME_MISMATCH' });
    // refused before anything is written: the file is as it was
    expect(readFileSync(mixed, 'utf8')).toBe(text);

    writeFileSync(mixed, `${line('p1', 'in', 1)}\n${at('p2', 2, 'int8')}\n`);
    const ledger = await readResume({ out: mixed, outputFormat: 'jsonl', modelSha: SHA, precision: 'int8' });
    expect(ledger.stats.written).toBe(2);
    expect(ledger.outcome(record('p1', 'in', 1))).toBe('written');
    expect(ledger.outcome(record('p2', 'in', 2))).toBe('written');
    await expect(readResume({ out: mixed, outputFormat: 'jsonl', modelSha: SHA, precision: 'fp32' })).rejects.toThrow(
      /line 2 was written at precision "int8"/,
    );
  });
});
