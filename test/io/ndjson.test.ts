import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readNdjson } from '../../src/io/ndjson.js';
import { collect } from './corpus.js';

const read = (text: string) => collect(readNdjson(Readable.from([Buffer.from(text, 'utf8')]), 'in.ndjson', '/data'));

describe('readNdjson', () => {
  it('yields Bundles and resources with 1-based lines, skipping blank lines', async () => {
    const items = await read(
      '\uFEFF{"resourceType":"Bundle","type":"collection","entry":[]}\r\n\n{"resourceType":"Condition","id":"c1"}\n   \n{"resourceType":"Patient","id":"p"}',
    );
    expect(items.map((i) => [i.kind, i.position.line])).toEqual([
      ['bundle', 1],
      ['resource', 3],
      ['resource', 5],
    ]);
    expect(items[1]).toMatchObject({ standalone: false, text: '{"resourceType":"Condition","id":"c1"}', baseDir: '/data' });
  });

  it('reports a malformed line in the middle with its line number and reads on', async () => {
    const lines = [
      '{"resourceType":"Patient","id":"a"}',
      '{"resourceType":"Patient","id":"b"}',
      '{"resourceType":"Patient","id": "Jane Doe" oops}',
      '{"resourceType":"Patient","id":"c"}',
    ];
    const items = await read(lines.join('\n'));
    expect(items).toHaveLength(4);
    expect(items[2]).toMatchObject({ kind: 'error', code: 'INVALID_JSON', position: { file: 'in.ndjson', line: 3 } });
    expect(items[3]).toMatchObject({ kind: 'resource', position: { line: 4 } });
    expect(JSON.stringify(items[2])).not.toContain('Jane');
  });

  it('rejects lines that are not objects or not FHIR resources', async () => {
    const items = await read('[1,2]\n"text"\n{"exportId":"x"}\n{"resourceType":"lowercase"}\n');
    expect(items.map((i) => (i.kind === 'error' ? i.code : i.kind))).toEqual([
      'NOT_AN_OBJECT',
      'NOT_AN_OBJECT',
      'NOT_A_RESOURCE',
      'NOT_A_RESOURCE',
    ]);
  });

  it('ends with an error item when the stream fails, keeping what was read', async () => {
    async function* failing(): AsyncGenerator<Buffer> {
      yield Buffer.from('{"resourceType":"Patient","id":"a"}\n');
      throw Object.assign(new Error('disk gone'), { code: 'EIO' });
    }
    const items = await collect(readNdjson(Readable.from(failing()), 'in.ndjson', '/data'));
    expect(items[0]).toMatchObject({ kind: 'resource' });
    expect(items.at(-1)).toMatchObject({ kind: 'error', code: 'READ_ERROR', reason: expect.stringContaining('EIO') });
  });

  it('dead-letters a line over the cap without holding it, naming file and line only, and reads its neighbours', async () => {
    const secret = `"${'Jane Doe '.repeat(2000)}"`;
    const lines = [
      '{"resourceType":"Patient","id":"a"}',
      `{"resourceType":"Patient","id":"b","name":${secret}}`,
      '{"resourceType":"Patient","id":"c"}',
    ];
    // fed in small chunks so the long line spans many of them, with CRLF endings
    const bytes = Buffer.from(lines.join('\r\n'), 'utf8');
    const chunks = Array.from({ length: Math.ceil(bytes.length / 100) }, (_, i) => bytes.subarray(i * 100, (i + 1) * 100));
    const items = await collect(readNdjson(Readable.from(chunks), 'big.ndjson', '/data', { maxLineBytes: 1024 }));
    expect(items.map((i) => (i.kind === 'error' ? `${i.code}@${i.position.line}` : `${i.kind}@${i.position.line}`))).toEqual([
      'resource@1',
      'LINE_TOO_LONG@2',
      'resource@3',
    ]);
    expect(items[1]).toMatchObject({ position: { file: 'big.ndjson', line: 2 }, reason: expect.stringContaining('longer than the 0 MiB') });
    expect(JSON.stringify(items)).not.toContain('Jane');
    expect(items[2]).toMatchObject({ text: '{"resourceType":"Patient","id":"c"}' });
  });

  it('keeps a line exactly at the cap and multi-byte characters split across chunks', async () => {
    const line = '{"resourceType":"Patient","id":"é"}';
    const bytes = Buffer.from(`${line}\n`, 'utf8');
    const at = bytes.indexOf(0xc3) + 1; // inside the two bytes of é
    const items = await collect(
      readNdjson(Readable.from([bytes.subarray(0, at), bytes.subarray(at)]), 'in.ndjson', '/data', {
        maxLineBytes: Buffer.byteLength(line),
      }),
    );
    expect(items).toEqual([expect.objectContaining({ kind: 'resource', text: line })]);
    const over = await collect(readNdjson(Readable.from([bytes]), 'in.ndjson', '/data', { maxLineBytes: Buffer.byteLength(line) - 1 }));
    expect(over).toEqual([expect.objectContaining({ kind: 'error', code: 'LINE_TOO_LONG' })]);
  });

  it('caps the last line too when the file has no newline at all', async () => {
    const items = await collect(readNdjson(Readable.from([Buffer.alloc(5000, 0x20)]), 'flat.ndjson', '/data', { maxLineBytes: 100 }));
    expect(items).toEqual([expect.objectContaining({ kind: 'error', code: 'LINE_TOO_LONG', position: { file: 'flat.ndjson', line: 1 } })]);
  });
});
