/**
 * @file Hostile and broken input (issue 11, items 1 and 2): each break is generated here by test
 * code (no large committed files) and must cost only the bad line or record, never its neighbours
 * or the run: a lone surrogate in a Bulk Patient id, an over-long part of a Bundle, a truncated
 * first NDJSON line, one Binary referenced by many Media, an HTML note of unclosed tags (linear-time HTML-to-text),
 * a `data:` URL with a bad percent-escape.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectFormat } from '../../src/io/detect.js';
import { decodeEntities, htmlToText } from '../../src/records/html-text.js';
import { readJsonDocument } from '../../src/io/json-document.js';
import { assembleBundle } from '../../src/records/assemble-bundle.js';
import { BulkGrouper } from '../../src/records/group-bulk.js';
import { readRecords } from '../../src/records/read.js';
import type { RecordItem } from '../../src/records/types.js';
import { collect, tempFolder } from '../io/corpus.js';

let tmp = '';
let remove = () => {};
beforeAll(() => {
  ({ dir: tmp, remove } = tempFolder('cb-hostile-'));
});
afterAll(() => remove());

const patient = (id: string) => ({ resourceType: 'Patient', id, gender: 'female', birthDate: '1960-01-01' });
const condition = (id: string, subject: string) => ({
  resourceType: 'Condition',
  id,
  subject: { reference: `Patient/${subject}` },
  code: { text: 'Asthma' },
});
const ids = (items: RecordItem[]) => items.flatMap((i) => (i.kind === 'record' ? [i.record.id] : [])).sort();

describe('a lone surrogate in a Bulk Patient id', () => {
  it('is a BAD_ID dead letter for that line; its neighbours are grouped and read', async () => {
    const dir = join(tmp, 'bulk-surrogate');
    mkdirSync(dir);
    // JSON.stringify escapes the lone surrogate as \ud800, as an export would hold it
    writeFileSync(
      join(dir, 'Patient.ndjson'),
      [patient('p1'), patient('bad\ud800'), patient('p3')].map((p) => JSON.stringify(p)).join('\n'),
    );
    writeFileSync(
      join(dir, 'Condition.ndjson'),
      [condition('c1', 'p1'), condition('c2', 'bad\udc00x'), condition('c3', 'p3')].map((c) => JSON.stringify(c)).join('\n'),
    );
    const items = await collect(readRecords([dir], { tempDir: tmp }));
    expect(ids(items)).toEqual(['p1', 'p3']);
    // the Patient line is the dead letter (the Condition naming no valid patient is not joined)
    const failures = items.filter((i) => i.kind === 'failure');
    expect(failures).toEqual([
      { kind: 'failure', code: 'BAD_ID', position: { file: join(dir, 'Patient.ndjson'), line: 2 }, reason: expect.any(String) },
    ]);
    // the dead letter names the position, never the content
    expect(JSON.stringify(failures)).not.toContain('bad');
  });

  it('is refused by the grouper itself, without an exception', async () => {
    const grouper = new BulkGrouper({ tempDir: tmp });
    try {
      const added = await grouper.add({
        kind: 'resource',
        resource: patient('\ud800'),
        position: { file: 'Patient.ndjson', line: 1 },
        baseDir: tmp,
        standalone: false,
      } as Parameters<BulkGrouper['add']>[0]);
      expect(added).toMatchObject({ kind: 'invalid', code: 'BAD_ID' });
    } finally {
      await grouper.close();
    }
  });
});

describe('an over-long part of a Bundle document', () => {
  const read = (text: string, maxPieceChars: number) =>
    collect(readJsonDocument(Readable.from([Buffer.from(text)]), 'doc.json', tmp, { maxPieceChars }));

  it('is a PART_TOO_LONG dead letter (the shell or one entry over the budget), not a RangeError', async () => {
    const longId = 'x'.repeat(5000);
    const inShell = JSON.stringify({ resourceType: 'Bundle', id: longId, type: 'collection', entry: [{ resource: patient('p1') }] });
    expect(await read(inShell, 1000)).toEqual([
      { kind: 'error', position: { file: 'doc.json' }, code: 'PART_TOO_LONG', reason: expect.any(String) },
    ]);
    const inEntry = JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: [{ resource: patient(longId) }] });
    const [item] = await read(inEntry, 1000);
    expect(item).toMatchObject({ kind: 'error', code: 'PART_TOO_LONG' });
    expect(JSON.stringify(item)).not.toContain('xxxx');
    // under the budget the same documents read as before
    expect((await read(inShell, 10_000))[0]).toMatchObject({ kind: 'bundle' });
  });

  it('costs only its own file: the next input is read', async () => {
    const big = join(tmp, 'big.json');
    const good = join(tmp, 'good.json');
    writeFileSync(
      big,
      JSON.stringify({ resourceType: 'Bundle', id: 'y'.repeat(3000), type: 'collection', entry: [{ resource: patient('p1') }] }),
    );
    writeFileSync(good, JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: [{ resource: patient('p2') }] }));
    const items = await collect(readRecords([big, good], { format: 'bundle', maxLineBytes: 1000 }));
    expect(items.map((i) => (i.kind === 'failure' ? i.code : i.kind))).toEqual(['PART_TOO_LONG', 'record']);
    expect(ids(items)).toEqual(['p2']);
  });
});

describe('a truncated first NDJSON line', () => {
  const bundleLine = (id: string) =>
    JSON.stringify({
      resourceType: 'Bundle',
      type: 'collection',
      entry: [{ resource: patient(id) }, { resource: condition(`c-${id}`, id) }],
    });
  const good = Array.from({ length: 20 }, (_, i) => bundleLine(`p${i + 1}`));

  it('is sniffed as NDJSON when the later lines parse as objects', () => {
    const cut = bundleLine('p0').slice(0, 60);
    expect(detectFormat(Buffer.from([cut, ...good].join('\n')), true)).toEqual({ format: 'ndjson' });
    // a pretty-printed document stays a document, as does one entry per line with commas
    const pretty = JSON.stringify(JSON.parse(bundleLine('p1')), null, 2);
    expect(detectFormat(Buffer.from(pretty), true)).toEqual({ format: 'bundle' });
    const perLine = `{"resourceType":"Bundle","type":"collection","entry":[\n${good
      .slice(0, 3)
      .map((l) => `{"resource":${l}}`)
      .join(',\n')}\n]}`;
    expect(detectFormat(Buffer.from(perLine), true)).toEqual({ format: 'bundle' });
  });

  it('costs only itself: read 21, one dead letter, 20 records', async () => {
    const file = join(tmp, 'cut-first.ndjson');
    writeFileSync(file, [bundleLine('p0').slice(0, 60), ...good].join('\n'));
    const items = await collect(readRecords([file]));
    expect(items).toHaveLength(21);
    expect(items[0]).toMatchObject({ kind: 'failure', position: { line: 1 } });
    expect(ids(items)).toEqual(good.map((_, i) => `p${i + 1}`).sort());
  });
});

describe('HTML-to-text on hostile notes', () => {
  /** The regular-expression reduction the scanner replaced (quadratic on unclosed constructs). */
  const reference = (html: string): string => {
    const BLOCK = /^(?:p|div|br|li|ul|ol|tr|table|h[1-6]|pre|section|article|header|footer|blockquote|dt|dd|hr|title)$/i;
    const text = html
      .replace(/<!--[\s\S]*?-->/g, '')
      .replace(/<(script|style|head)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, '')
      .replace(/<(script|style)\b[^>]*\/>/gi, '')
      .replace(/<\/?([A-Za-z][A-Za-z0-9:-]*)\b[^>]*>/g, (_tag, name: string) =>
        BLOCK.test(name) ? '\n' : /^t[dh]$/i.test(name) ? ' ' : '',
      )
      .replace(/<![^>]*>/g, '');
    return decodeEntities(text)
      .replace(/\r\n?/g, '\n')
      .replace(/[ \t\f\v\u00a0]+/g, ' ')
      .replace(/ *\n */g, '\n')
      .replace(/\n{2,}/g, '\n')
      .trim();
  };

  it('gives the same text as the regular-expression reduction (seeded random fragments)', () => {
    const parts = [
      '<',
      '>',
      '/',
      '!',
      '-',
      '<!--',
      '-->',
      'script',
      'style',
      'head',
      'SCRIPT',
      'p',
      'a',
      'td',
      '<br/>',
      '&amp;',
      ' ',
      '\n',
      'x',
      '</script>',
      '<script>',
      '<style/>',
      '</ head>',
      'a-',
      'a:',
    ];
    let seed = 11;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let n = 0; n < 5000; n++) {
      let html = '';
      for (let i = 0, k = 1 + Math.floor(next() * 20); i < k; i++) html += parts[Math.floor(next() * parts.length)];
      expect(htmlToText(html), JSON.stringify(html)).toBe(reference(html));
    }
  });

  it('reduces 400 KB notes of unclosed tags, comments and scripts (each took tens of seconds before)', () => {
    // no `>` anywhere: nothing is a tag, the text stays as it is
    expect(htmlToText('<a'.repeat(200_000))).toBe('<a'.repeat(200_000));
    expect(htmlToText(`<p>x</p>${'<!--'.repeat(100_000)}`)).toBe(`x\n${'<!--'.repeat(100_000)}`);
    // many openings before one far `>`: the script/style tags are only removed when closed
    const scripts = `${'<script '.repeat(50_000)}>tail`;
    expect(htmlToText(scripts)).toBe('tail');
    expect(htmlToText(`${'<style '.repeat(50_000)}/>tail`)).toBe('tail');
  });
});

describe('one Binary referenced by many Media', () => {
  const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(992, 1)]);
  const bundle = (binaries: string[], media: number) => ({
    resourceType: 'Bundle',
    type: 'collection',
    entry: [
      { resource: patient('p1') },
      ...binaries.map((id) => ({ resource: { resourceType: 'Binary', id, contentType: 'image/png', data: png.toString('base64') } })),
      ...Array.from({ length: media }, (_, i) => ({
        resource: {
          resourceType: 'Media',
          id: `m${i}`,
          status: 'completed',
          subject: { reference: 'Patient/p1' },
          content: { contentType: 'image/png', url: `Binary/${binaries[i % binaries.length]}` },
        },
      })),
    ],
  });
  const assemble = async (b: object, maxRecordDecodedBytes?: number) => {
    const out: RecordItem[] = [];
    const item = { kind: 'bundle', bundle: b, position: { file: 'b.json' }, baseDir: tmp } as Parameters<typeof assembleBundle>[0];
    const options = {
      unit: 'patient',
      allowNetwork: false,
      maxAttachmentBytes: 1_000_000,
      ...(maxRecordDecodedBytes ? { maxRecordDecodedBytes } : {}),
    };
    for await (const o of assembleBundle(item, options as Parameters<typeof assembleBundle>[1])) out.push(o);
    const record = out.find((o) => o.kind === 'record');
    if (record?.kind !== 'record') throw new Error('no record');
    return record.record;
  };

  it('is decoded once: the 300 Media share one buffer', async () => {
    const record = await assemble(bundle(['b1'], 300));
    expect(record.media).toHaveLength(300);
    expect(new Set(record.media.map((m) => m.data)).size).toBe(1);
  });

  it('counts each Binary once against the per-record decoded-bytes budget; past it, a warning and the attachment dropped', async () => {
    // three Binaries of 1000 bytes, each referenced 10 times, under a 2500-byte budget: two fit
    const record = await assemble(bundle(['b1', 'b2', 'b3'], 30), 2500);
    expect(record.media).toHaveLength(20);
    expect(new Set(record.media.map((m) => m.data)).size).toBe(2);
    expect(record.warnings.filter((w) => w.includes('budget'))).toHaveLength(1);
  });
});

describe('a data: URL with a bad percent-escape', () => {
  it('drops that attachment with a warning; the record is written with its other note (was an ASSEMBLY_ERROR dead letter)', async () => {
    const doc = (id: string, url: string) => ({
      resourceType: 'DocumentReference',
      id,
      status: 'current',
      subject: { reference: 'Patient/p1' },
      content: [{ attachment: { contentType: 'text/plain', url } }],
    });
    const bundle = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [patient('p1'), doc('d1', 'data:text/plain,Wheezing%20and%20cough'), doc('d2', 'data:text/plain,50%zzoff')].map(
        (resource) => ({ resource }),
      ),
    };
    const file = join(tmp, 'data-url.ndjson');
    writeFileSync(file, `${JSON.stringify(bundle)}\n`);
    const items = await collect(readRecords([file]));
    expect(items.map((i) => i.kind)).toEqual(['record']);
    const record = (items[0] as Extract<RecordItem, { kind: 'record' }>).record;
    expect(record.notes.map((n) => n.text)).toEqual(['Wheezing and cough']);
    expect(record.warnings).toEqual([
      expect.stringMatching(/^DocumentReference\/d2 content\[0\]: data: URL with an invalid percent-escape/),
    ]);
  });
});
