import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { contentFree, readCsv } from '../../src/io/csv.js';
import { collect } from './corpus.js';

const read = (text: string) => collect(readCsv(Readable.from([Buffer.from(text, 'utf8')]), 'rows.csv', '/data'));

describe('readCsv', () => {
  it('yields rows keyed by header with the line each row starts on', async () => {
    const items = await read('id,patient_id,note_text\nr1,p1,"two\nlines, and ""quotes"""\n\nr2,p2,plain\n');
    expect(items).toEqual([
      {
        kind: 'csv-row',
        position: { file: 'rows.csv', line: 2 },
        baseDir: '/data',
        row: { id: 'r1', patient_id: 'p1', note_text: 'two\nlines, and "quotes"' },
      },
      {
        kind: 'csv-row',
        position: { file: 'rows.csv', line: 5 },
        baseDir: '/data',
        row: { id: 'r2', patient_id: 'p2', note_text: 'plain' },
      },
    ]);
  });

  it('reports a row with the wrong number of columns and reads on', async () => {
    const items = await read('id,sex\nr1,female\nr2\nr3,male\n');
    expect(items.map((i) => (i.kind === 'error' ? `error@${i.position.line}` : i.kind === 'csv-row' ? i.row.id : i.kind))).toEqual([
      'r1',
      'error@3',
      'r3',
    ]);
  });

  it('reports an unclosed quote at the end', async () => {
    const items = await read('id,note_text\nr1,"never closed\n');
    expect(items.at(-1)).toMatchObject({ kind: 'error', code: 'CSV_QUOTE_NOT_CLOSED' });
  });

  it('never quotes a cell in its reasons (csv-parse does), and reports each bad row once', async () => {
    const items = await read('id,note_text\nr1,Patient John "Smith" reports pain\nr2,"a"Doe\nr3,fine\n');
    const errors = items.filter((i) => i.kind === 'error');
    // r2's stray quote opens a field that swallows r3: csv-parse reports it when the input ends.
    expect(errors.map((e) => (e.kind === 'error' ? `${e.code}@${e.position.line}` : ''))).toEqual([
      'INVALID_OPENING_QUOTE@2',
      'CSV_INVALID_CLOSING_QUOTE@3',
      'CSV_QUOTE_NOT_CLOSED@4',
    ]);
    for (const e of errors) {
      const reason = e.kind === 'error' ? e.reason : '';
      expect(reason).toMatch(/^CSV row skipped: (Invalid (Opening|Closing)|Quote Not Closed).*line \d/);
      expect(reason).not.toMatch(/John|Smith|Doe|"D"/);
    }
    expect(contentFree('Invalid Closing Quote: got "D" at line 3 instead of delimiter')).toBe(
      'Invalid Closing Quote: got another character at line 3 instead of delimiter',
    );
  });

  it('refuses a header without the id column', async () => {
    const items = await read('patient,sex\np1,female\n');
    expect(items).toEqual([expect.objectContaining({ kind: 'error', code: 'CSV_HEADER', reason: expect.stringContaining('id') })]);
  });
});
