/**
 * @file Text logs escape control characters from input (issue 11, item 6): a record id with an
 * ESC sequence, a BEL, a newline or a bidi override cannot drive the terminal or forge a line;
 * JSON logs stay plain JSON. Also: a repeated CSV header names the column by position, never by
 * its text (a header cell may hold a name).
 */
import { Readable, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { contentFree, readCsv } from '../../src/io/csv.js';
import { Logger } from '../../src/pipeline/logger.js';
import { escapeControl } from '../../src/util/control-chars.js';
import { collect } from '../io/corpus.js';

function captured(format: 'text' | 'json'): { log: Logger; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  }) as unknown as NodeJS.WriteStream;
  return { log: new Logger(format, false, stream), text: () => text };
}

const HOSTILE = 'p1\u001b]0;pwned\u0007\u001b[2J\r\nerror: forged\u202e\u2066\u0085';

describe('escapeControl', () => {
  it('writes C0, DEL, C1 and bidi controls as visible escapes and leaves other text alone', () => {
    expect(escapeControl(HOSTILE)).toBe('p1\\x1b]0;pwned\\x07\\x1b[2J\\r\\nerror: forged\\u202e\\u2066\\x85');
    expect(escapeControl('Ünïcödé 名前 \u007f\t')).toBe('Ünïcödé 名前 \\x7f\\t');
  });
});

describe('Logger', () => {
  it('text: a hostile id is escaped in every level and cannot start a line', () => {
    const { log, text } = captured('text');
    log.info('x', `info ${HOSTILE}`);
    log.warn('x', `${HOSTILE}: warning`);
    log.error('x', `dead letter ${HOSTILE}`);
    const out = text();
    const unsafe = [...out].filter((c) => c !== '\n' && escapeControl(c) !== c);
    expect(unsafe).toEqual([]);
    expect(out.split('\n')).toHaveLength(4);
    expect(out).not.toMatch(/^error: forged/m);
    expect(out).toContain('\\x1b]0;pwned\\x07');
  });

  it('json: unchanged, the id comes back exactly', () => {
    const { log, text } = captured('json');
    log.warn('record_warning', `${HOSTILE}: w`, { record: HOSTILE });
    const line = JSON.parse(text()) as { record: string; message: string };
    expect(line.record).toBe(HOSTILE);
    expect(text()).not.toContain('\u001b');
  });
});

describe('CSV messages never carry a cell', () => {
  it('a repeated header column is named by position only', async () => {
    const items = await collect(readCsv(Readable.from([Buffer.from('id,patient_id,Jane Doe,Jane Doe\nr1,p1,a,b\n')]), 'rows.csv', '/data'));
    const error = items.find((i) => i.kind === 'error');
    expect(error).toMatchObject({ code: 'CSV_HEADER' });
    expect(JSON.stringify(error)).not.toContain('Jane');
    expect(JSON.stringify(error)).toContain('column 4');
  });

  it('a csv-parse message quoting a field name loses the name', () => {
    expect(contentFree('Invalid Opening Quote: a quote is found on field "Jane Doe" at line 2')).toBe(
      'Invalid Opening Quote: a quote is found on a field at line 2',
    );
  });
});
