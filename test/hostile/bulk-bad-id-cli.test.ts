/**
 * @file Hostile input through the CLI (issue 11, item 1): one Bulk Patient whose id holds a lone
 * surrogate is a dead letter, and the good records of its batch window are still written (before,
 * a URIError in the Bulk grouper ended the run with exit 1 and the window lost).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempFolder } from '../io/corpus.js';
import { cli, HAS_MODEL, MODEL_DIR, MODEL_NOTE } from '../support/cli.js';

let tmp = '';
let remove = () => {};
beforeAll(() => {
  ({ dir: tmp, remove } = tempFolder('cb-cli-hostile-'));
});
afterAll(() => remove());

describe.skipIf(!HAS_MODEL)(`analyze on hostile input${MODEL_NOTE}`, () => {
  it('dead-letters a Bulk Patient with a lone surrogate in its id and writes its neighbours', () => {
    const dir = join(tmp, 'bulk');
    mkdirSync(dir);
    const patients = ['p1', 'p2', 'bad\ud800', 'p4', 'p5'].map((id) => JSON.stringify({ resourceType: 'Patient', id, gender: 'male' }));
    const conditions = ['p1', 'p2', 'p4', 'p5'].map((id, i) =>
      JSON.stringify({
        resourceType: 'Condition',
        id: `c${i}`,
        subject: { reference: `Patient/${id}` },
        code: { text: 'Atrial fibrillation' },
      }),
    );
    writeFileSync(join(dir, 'Patient.ndjson'), patients.join('\n'));
    writeFileSync(join(dir, 'Condition.ndjson'), conditions.join('\n'));
    const out = join(tmp, 'out.ndjson');
    const dead = join(tmp, 'dead.ndjson');
    const r = cli(['analyze', dir, '--no-timing', '--model', MODEL_DIR, '--out', out, '--dead-letter', dead]);
    // exit 3: some records were dead-lettered; never 1 (a crash)
    expect(r.status, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/read 5, written 4, dead-lettered 1/);
    const written = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { id: string }).id);
    expect(written.sort()).toEqual(['p1', 'p2', 'p4', 'p5']);
    const letters = readFileSync(dead, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(letters).toEqual([expect.objectContaining({ code: 'BAD_ID' })]);
    expect(JSON.stringify(letters)).not.toContain('bad');
  });
});
