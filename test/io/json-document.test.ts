import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { EntrySplitter, readJsonDocument } from '../../src/io/json-document.js';
import type { SourceItem } from '../../src/io/types.js';
import { collect, CORPUS_NOTE, HAS_CORPUS, HL7, NOTES_BUNDLES, SYNTHEA_2019 } from './corpus.js';

/** Feed bytes in chunks of `size` so multi-byte characters and tokens straddle chunk borders. */
function chunked(bytes: Buffer, size: number): Readable {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return Readable.from(chunks);
}

async function readDoc(text: string | Buffer, size = 5): Promise<SourceItem[]> {
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8');
  return collect(readJsonDocument(chunked(bytes, size), 'doc.json', '/tmp'));
}

function parsedValue(item: SourceItem | undefined): unknown {
  if (item?.kind === 'bundle') return item.bundle;
  if (item?.kind === 'resource') return item.resource;
  return item;
}

describe('EntrySplitter', () => {
  it('cuts out entry elements and keeps the rest, with tricky strings', () => {
    const doc = {
      resourceType: 'Bundle',
      note: 'has "entry": [ and } and \\ and ] inside',
      entry: [
        { resource: { resourceType: 'Patient', id: 'a', text: '{"entry":[1,2]}' } },
        { resource: { resourceType: 'Condition', id: 'é→✓' } },
      ],
      tail: { entry: [9] },
    };
    const text = JSON.stringify(doc, null, 2);
    const splitter = new EntrySplitter();
    const parts: string[] = [];
    for (let i = 0; i < text.length; i += 3) parts.push(...splitter.write(text.slice(i, i + 3)));
    expect(splitter.complete).toBe(true);
    expect(parts.map((p) => JSON.parse(p) as unknown)).toEqual(doc.entry);
    expect(JSON.parse(splitter.shellText)).toEqual({ ...doc, entry: [] });
  });
});

describe('readJsonDocument', () => {
  it('yields a Bundle item equal to JSON.parse of the whole text, whatever the chunking', async () => {
    const doc = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [{ fullUrl: 'urn:uuid:1', resource: { resourceType: 'Patient', name: [{ given: ['Zoë'] }] } }],
    };
    for (const size of [1, 2, 7, 1000]) {
      const [item] = await readDoc(JSON.stringify(doc, null, 1), size);
      expect(item?.kind).toBe('bundle');
      expect(parsedValue(item)).toEqual(doc);
    }
  });

  it('yields a single non-Bundle resource as a standalone resource item', async () => {
    const [item] = await readDoc('{\n "resourceType": "List", "entry": [{"item": {"reference": "Patient/1"}}]\n}');
    expect(item).toMatchObject({
      kind: 'resource',
      standalone: true,
      resource: { resourceType: 'List', entry: [{ item: { reference: 'Patient/1' } }] },
    });
  });

  it('turns a truncated document into one error item', async () => {
    const text = JSON.stringify({ resourceType: 'Bundle', entry: [{ resource: { resourceType: 'Patient' } }] }, null, 2);
    const items = await readDoc(text.slice(0, text.length - 10));
    expect(items).toEqual([expect.objectContaining({ kind: 'error', code: 'INVALID_JSON', position: { file: 'doc.json' } })]);
  });

  it('rejects a broken entry, trailing data and a non-object top level', async () => {
    const broken = await readDoc('{"resourceType":"Bundle","entry":[{"resource": {"resourceType": "Patient",}}]}');
    expect(broken[0]).toMatchObject({ kind: 'error', code: 'INVALID_JSON', reason: expect.stringContaining('entry 0') });
    const trailing = await readDoc('{"resourceType":"Patient"}\n{"resourceType":"Patient"}');
    expect(trailing[0]).toMatchObject({ kind: 'error', code: 'INVALID_JSON', reason: expect.stringContaining('NDJSON') });
    const array = await readDoc('[1,2]');
    expect(array[0]).toMatchObject({ kind: 'error', code: 'NOT_AN_OBJECT' });
  });

  it('never puts document text into an error reason', async () => {
    const items = await readDoc('{"resourceType":"Patient","name":"Secret Person" x}');
    expect(items[0]?.kind).toBe('error');
    expect(JSON.stringify(items)).not.toContain('Secret');
  });
});

describe.skipIf(!HAS_CORPUS)(`readJsonDocument on the corpus${CORPUS_NOTE}`, () => {
  const files = HAS_CORPUS
    ? [NOTES_BUNDLES, SYNTHEA_2019, HL7].flatMap((dir) =>
        readdirSync(dir)
          .filter((f) => f.endsWith('.json'))
          .map((f) => join(dir, f)),
      )
    : [];

  it('parses every corpus JSON file exactly as JSON.parse does', async () => {
    expect(files.length).toBeGreaterThan(40);
    for (const file of files) {
      const bytes = readFileSync(file);
      const items = await collect(readJsonDocument(chunked(bytes, 65_536 + 3), file, '/tmp'));
      expect(items, file).toHaveLength(1);
      expect(parsedValue(items[0]), file).toEqual(JSON.parse(bytes.toString('utf8')));
    }
  });
});
