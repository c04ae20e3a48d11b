/**
 * @file Bulk Data lines that join no record (no patient reference, a subject that is not a
 * Patient) are never silent: one notice at the end of the read counts them by reason (found by
 * the fuzzer: a file of such lines read 0 with nothing said). Reference data (Organization,
 * Location, …), which every export holds, is not named.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceNotice } from '../../src/io/sources.js';
import { readRecords } from '../../src/records/read.js';
import { collect, tempFolder } from '../io/corpus.js';

let tmp = '';
let remove = () => {};
beforeAll(() => {
  ({ dir: tmp, remove } = tempFolder('cb-lines-not-read-'));
});
afterAll(() => remove());

describe('Bulk lines that join no record', () => {
  it('are counted by reason in one LINES_NOT_READ notice', async () => {
    const folder = join(tmp, 'export');
    mkdirSync(folder);
    const lines = [
      { resourceType: 'Condition', id: 'c1', code: { text: 'x' } },
      { resourceType: 'Condition', id: 'c2', subject: { reference: 'Group/1' } },
      { resourceType: 'Condition', id: 'c3', code: { text: 'y' } },
    ];
    // reference data (the provider directory) joins no record in every export: not named
    writeFileSync(join(folder, 'Organization.ndjson'), `${JSON.stringify({ resourceType: 'Organization', id: 'o1' })}\n`);
    writeFileSync(join(folder, 'Condition.ndjson'), `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
    const notices: SourceNotice[] = [];
    const items = await collect(readRecords([folder], { format: 'bulk', onNotice: (n) => notices.push(n) }));
    expect(items).toEqual([]);
    expect(notices).toEqual([
      {
        code: 'LINES_NOT_READ',
        message: '3 Bulk Data line(s) joined no record: 2 no patient reference (Condition); 1 subject is not a Patient (Group)',
        reasons: { 'no patient reference (Condition)': 2, 'subject is not a Patient (Group)': 1 },
      },
    ]);
  });
});
