import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readCsv } from '../../src/io/csv.js';
import { collect } from './corpus.js';

const read = (text: string) => collect(readCsv(Readable.from([Buffer.from(text, 'utf8')]), 'rows.csv', '/data'));

describe('readCsv', () => {
  it('yields rows keyed by header with the line each row starts on', async () => {
    const items = await read('id,patient_id,note_text\nr1,p1,"two\nlines, and ""quotes"""\n\nr2,p2,plain\n');
    expect(items).toEqual([
      { kind: 'csv-row', position: { file: 'rows.csv', line: 2 }, baseDir: '/data', row: { id: 'r1', patient_id: 'p1', note_text: 'two\nlines, and "quotes"' } },
      { kind: 'csv-row', position: { file: 'rows.csv', line: 5 }, baseDir: '/data', row: { id: 'r2', patient_id: 'p2', note_text: 'plain' } },
    ]);
  });

  it('reports a row with the wrong number of columns and reads on', async () => {
    const items = await read('id,sex\nr1,female\nr2\nr3,male\n');
    expect(items.map((i) => (i.kind === 'error' ? `error@${i.position.line}` : i.kind === 'csv-row' ? i.row.id : i.kind))).toEqual(['r1', 'error@3', 'r3']);
  });

  it('reports an unclosed quote at the end', async () => {
    const items = await read('id,note_text\nr1,"never closed\n');
    expect(items.at(-1)).toMatchObject({ kind: 'error', code: 'CSV_QUOTE_NOT_CLOSED' });
  });

  it('refuses a header without the id column', async () => {
    const items = await read('patient,sex\np1,female\n');
    expect(items).toEqual([expect.objectContaining({ kind: 'error', code: 'CSV_HEADER', reason: expect.stringContaining('id') })]);
  });
});
