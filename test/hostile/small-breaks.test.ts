/**
 * @file The smaller breaks of issue 11 through the CLI, each with the behaviour a user of a
 * nightly job expects: an invalid glob is a usage error (exit 2) naming it, not an internal error;
 * the same Patient id in two Bulk exports makes two records with a warning naming both folders
 * (not one merged record, silently); a symlinked Bulk file is read when it stays in the folder and
 * named in an info line when it does not; a repeated CSV header is named by position, its cells
 * never printed; a DICOM that cannot be parsed is a warning in words, never `[object Object]`.
 * (The `data:` URL with a bad escape is in test/records/hostile-input.test.ts.)
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempFolder } from '../io/corpus.js';
import { cli, HAS_MODEL, MODEL_DIR, MODEL_NOTE } from '../support/cli.js';
import { dicom } from '../support/dicom.js';

let tmp = '';
let remove = () => {};
beforeAll(() => {
  ({ dir: tmp, remove } = tempFolder('cb-cli-small-'));
});
afterAll(() => remove());

describe('an invalid glob', () => {
  it('is a usage error (exit 2) quoting the pattern in analyze, before the model loads (was exit 1, a SyntaxError stack)', () => {
    const pattern = join(tmp, 'exports', '[z-a]*.ndjson');
    const analyze = cli(['analyze', pattern]);
    expect(analyze.status, analyze.stderr).toBe(2);
    expect(analyze.stderr).toContain(`${JSON.stringify(pattern)} is not a valid glob pattern`);
    expect(analyze.stderr).not.toMatch(/internal error|SyntaxError| {4}at /);
  });

  it.skipIf(!HAS_MODEL)(`is a usage error in explain too${MODEL_NOTE}`, () => {
    const pattern = join(tmp, '[z-a]');
    const explain = cli(['explain', pattern, '--record', 'p1', '--model', MODEL_DIR]);
    expect(explain.status, explain.stderr).toBe(2);
    expect(explain.stderr).toContain('is not a valid glob pattern');
  });
});

describe.skipIf(!HAS_MODEL)(`Bulk exports and links${MODEL_NOTE}`, () => {
  it('keeps one Patient id of two exports apart with a warning naming both, and names a link out of the folder', () => {
    const line = (o: object) => `${JSON.stringify(o)}\n`;
    const exportFolder = (name: string, condition: string): string => {
      const folder = join(tmp, name);
      mkdirSync(folder);
      writeFileSync(join(folder, 'Patient.ndjson'), line({ resourceType: 'Patient', id: 'p1', gender: 'female' }));
      writeFileSync(
        join(folder, 'Condition.ndjson'),
        line({ resourceType: 'Condition', id: 'c1', subject: { reference: 'Patient/p1' }, code: { text: condition } }),
      );
      return folder;
    };
    const a = exportFolder('export-a', 'Asthma');
    const b = exportFolder('export-b', 'Gout');
    // a Bulk file of export-b linked from export-a: outside export-a, not read there
    symlinkSync(join(b, 'Condition.ndjson'), join(a, 'Condition.001.ndjson'));
    const r = cli(['analyze', a, b, '--no-timing', '--model', MODEL_DIR]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(2);
    expect(r.stderr).toContain(`warning: p1: Patient/p1 is in 2 exports (${a}, ${b})`);
    expect(r.stderr).toContain(`${a}: 1 linked file(s) not read: Condition.001.ndjson (a link leading outside the folder)`);
    expect(r.stderr).toMatch(/read 2, written 2/);
  });
});

describe.skipIf(!HAS_MODEL)(`CSV headers and DICOM errors on stderr${MODEL_NOTE}`, () => {
  it('names a repeated CSV header column by position and a DICOM parse failure in words', () => {
    const csv = join(tmp, 'rows.csv');
    writeFileSync(csv, 'id,Jane Doe,Jane Doe\nr1,a,b\n');
    const truncated = Buffer.from(dicom(8, 8, false).slice(0, 150)).toString('base64');
    const bundle = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        { resourceType: 'Patient', id: 'p1' },
        {
          resourceType: 'Media',
          id: 'm1',
          status: 'completed',
          subject: { reference: 'Patient/p1' },
          content: { contentType: 'application/dicom', data: truncated },
        },
      ].map((resource) => ({ resource })),
    };
    const ndjson = join(tmp, 'dicom.ndjson');
    writeFileSync(ndjson, `${JSON.stringify(bundle)}\n`);
    const r = cli(['analyze', csv, ndjson, '--no-timing', '--model', MODEL_DIR]);
    expect(r.status, r.stderr).toBe(3);
    expect(r.stderr).toContain(`error: ${csv}: CSV_HEADER: CSV header repeats an earlier column name at column 3 (of 3)`);
    expect(r.stderr).not.toContain('Jane');
    const warnings = (JSON.parse(r.stdout) as { warnings: string[] }).warnings;
    expect(warnings).toContainEqual(expect.stringMatching(/^Media\/m1: image ignored: not a readable DICOM file \(.+\)$/));
    expect(`${r.stdout}${r.stderr}`).not.toContain('[object Object]');
  });
});
