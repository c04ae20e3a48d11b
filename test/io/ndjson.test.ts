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
});
