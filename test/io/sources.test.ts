import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandGlob } from '../../src/io/glob.js';
import { readSources } from '../../src/io/sources.js';
import { NO_BASE_DIR } from '../../src/records/safe-path.js';
import type { SourceItem } from '../../src/io/types.js';
import { collect, tempFolder } from './corpus.js';

const patient = (id: string) => JSON.stringify({ resourceType: 'Patient', id });
let dir = '';
let remove = () => {};

beforeAll(() => {
  ({ dir, remove } = tempFolder());
  mkdirSync(join(dir, 'export', 'deep', 'er'), { recursive: true });
  writeFileSync(join(dir, 'export', 'Patient.000.ndjson'), `${patient('a')}\n${patient('b')}\n`);
  writeFileSync(
    join(dir, 'export', 'Condition.ndjson.gz'),
    gzipSync(`${JSON.stringify({ resourceType: 'Condition', id: 'c', subject: { reference: 'Patient/a' } })}\n`),
  );
  writeFileSync(join(dir, 'export', 'manifest.json'), '{}');
  writeFileSync(join(dir, 'export', 'deep', 'er', 'x.ndjson'), `${patient('x')}\n`);
  writeFileSync(join(dir, 'export', '.hidden.ndjson'), `${patient('h')}\n`);
  writeFileSync(join(dir, 'one.json'), JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: [] }, null, 2));
  writeFileSync(join(dir, 'two.json'), JSON.stringify({ resourceType: 'Patient', id: 'p2' }, null, 2));
  writeFileSync(join(dir, 'empty.ndjson'), '');
  writeFileSync(join(dir, 'rows.csv'), 'id,sex\nr1,female\n');
  writeFileSync(join(dir, 'broken.gz'), Buffer.concat([gzipSync(patient('z')).subarray(0, 12)]));
  mkdirSync(join(dir, 'nondjson'));
  writeFileSync(join(dir, 'nondjson', 'a.json'), '{}');
  symlinkSync(join(dir, 'one.json'), join(dir, 'link.json'));
});
afterAll(() => remove());

const kinds = (items: SourceItem[]) => items.map((i) => (i.kind === 'error' ? `error:${i.code}` : i.kind));

describe('expandGlob', () => {
  it('matches *, ?, [..] and ** like a shell, hiding dot files', async () => {
    const rel = async (p: string) => (await expandGlob(join(dir, p))).map((f) => relative(dir, f));
    expect(await rel('*.json')).toEqual(['link.json', 'one.json', 'two.json']);
    expect(await rel('t?o.json')).toEqual(['two.json']);
    expect(await rel('[ot]*.json')).toEqual(['one.json', 'two.json']);
    expect(await rel('export/**/*.ndjson')).toEqual(['export/Patient.000.ndjson', 'export/deep/er/x.ndjson']);
    expect(await rel('export/.*.ndjson')).toEqual(['export/.hidden.ndjson']);
    expect(await rel('nothing/*.x')).toEqual([]);
  });
});

describe('readSources', () => {
  it('reads a Bulk Data folder: only *.ndjson(.gz) files, gzip undone, type from content', async () => {
    const files: string[] = [];
    const items = await collect(readSources([join(dir, 'export')], { format: 'auto', onFile: (f) => files.push(f) }));
    expect(files.map((f) => relative(dir, f))).toEqual(['export/Condition.ndjson.gz', 'export/Patient.000.ndjson']);
    expect(items.map((i) => (i.kind === 'resource' ? `${String(i.resource.resourceType)}@${i.position.line}` : i.kind))).toEqual([
      'Condition@1',
      'Patient@1',
      'Patient@2',
    ]);
    expect(items[0]?.kind === 'resource' && items[0].baseDir).toBe(join(dir, 'export'));
  });

  it('expands globs, reads JSON documents and CSV, and detects each format', async () => {
    const items = await collect(readSources([join(dir, '*.json'), join(dir, 'rows.csv')], { format: 'auto' }));
    expect(kinds(items)).toEqual(['bundle', 'bundle', 'resource', 'csv-row']);
  });

  it('turns missing inputs, empty files, bad folders and bad gzip into error items and goes on', async () => {
    const items = await collect(
      readSources(
        [
          join(dir, 'missing.ndjson'),
          join(dir, 'nope', '*.ndjson'),
          join(dir, 'empty.ndjson'),
          join(dir, 'nondjson'),
          join(dir, 'broken.gz'),
          join(dir, 'two.json'),
        ],
        { format: 'auto' },
      ),
    );
    expect(kinds(items)).toEqual([
      'error:NOT_FOUND',
      'error:NO_MATCH',
      'error:EMPTY_INPUT',
      'error:EMPTY_FOLDER',
      'error:READ_ERROR',
      'resource',
    ]);
  });

  it('honours a forced format', async () => {
    const asNdjson = await collect(readSources([join(dir, 'two.json')], { format: 'ndjson' }));
    expect(kinds(asNdjson)).toEqual(['error:INVALID_JSON', 'error:INVALID_JSON', 'error:INVALID_JSON', 'error:INVALID_JSON']);
    const folderAsCsv = await collect(readSources([join(dir, 'export')], { format: 'csv' }));
    expect(kinds(folderAsCsv)).toEqual(['error:FOLDER_FORMAT']);
  });

  it('reads - from the given stdin stream, once', async () => {
    const stdin = Readable.from([Buffer.from(`${patient('s1')}\n`), Buffer.from(`${patient('s2')}\n`)]);
    const items = await collect(readSources(['-', '-'], { format: 'auto', stdin }));
    expect(items.map((i) => `${i.kind}:${i.position.file}:${i.position.line ?? ''}`)).toEqual(['resource:-:1', 'resource:-:2', 'error:-:']);
    expect(items[2]).toMatchObject({ code: 'STDIN_TWICE' });
    // no folder: relative attachment paths are refused (src/records/safe-path.ts), not read from the cwd
    expect(items[0]?.kind === 'resource' && items[0].baseDir).toBe(NO_BASE_DIR);
    const withBase = await collect(
      readSources(['-'], { format: 'auto', stdin: Readable.from([Buffer.from(`${patient('s3')}\n`)]), stdinBaseDir: dir }),
    );
    expect(withBase[0]?.kind === 'resource' && withBase[0].baseDir).toBe(resolve(dir));
  });
});
