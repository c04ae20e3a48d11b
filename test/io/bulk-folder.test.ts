/**
 * @file Which files of a Bulk Data folder are read: those named as a resource type; links with
 * such names when they lead to a file inside the folder; every other entry named in an info line.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isBulkFileName, listBulkFolder } from '../../src/io/bulk-folder.js';
import { readSources, type SourceNotice } from '../../src/io/sources.js';
import { readRecords } from '../../src/records/read.js';
import { collect, tempFolder } from './corpus.js';

let dir = '';
let remove = () => {};
beforeAll(() => {
  ({ dir, remove } = tempFolder('cb-bulk-folder-'));
});
afterAll(() => remove());

describe('Bulk Data file names', () => {
  it('reads only files named as an R4 resource type', () => {
    for (const name of [
      'Patient.ndjson',
      'Observation.000.ndjson',
      'Condition.ndjson.gz',
      'DocumentReference.001.ndjson.gz',
      '1.Patient.ndjson',
      'Encounter-2.ndjson',
    ])
      expect(isBulkFileName(name), name).toBe(true);
    for (const name of ['log.ndjson', 'README.txt', 'patient.ndjson', 'Foo.ndjson', 'Patient.json', 'Patient.ndjson.bak', 'errors.ndjson'])
      expect(isBulkFileName(name), name).toBe(false);
  });
});

describe('a Bulk Data folder as bulk-data-client leaves it', () => {
  let folder = '';
  beforeAll(() => {
    folder = join(dir, 'export');
    mkdirSync(folder);
    mkdirSync(join(folder, 'attachments'));
    writeFileSync(join(folder, 'Patient.000.ndjson'), '{"resourceType":"Patient","id":"p1"}\n{"resourceType":"Patient","id":"p2"}\n');
    writeFileSync(
      join(folder, 'Condition.000.ndjson.gz'),
      gzipSync('{"resourceType":"Condition","id":"c1","subject":{"reference":"Patient/p1"},"code":{"text":"Asthma"}}\n'),
    );
    writeFileSync(join(folder, 'log.ndjson'), '{"exportId":"e","eventId":"kickoff"}\n{"exportId":"e","eventId":"export_complete"}\n');
    writeFileSync(join(folder, 'README.txt'), 'Exported by a person named Jane Doe\n');
    writeFileSync(join(folder, '.DS_Store'), 'x');
  });

  it('lists the resource files, and everything else (hidden files aside) as not read', async () => {
    const listing = await listBulkFolder(folder);
    expect(listing.files.map((f) => f.slice(folder.length + 1))).toEqual(['Condition.000.ndjson.gz', 'Patient.000.ndjson']);
    expect(listing.ignored).toEqual(['README.txt', 'attachments', 'log.ndjson']);
  });

  it('names the other files in one notice, reads none of them, and fails nothing', async () => {
    const notices: SourceNotice[] = [];
    const items = await collect(readSources([folder], { format: 'auto', onNotice: (n) => notices.push(n) }));
    expect(items.map((i) => i.kind)).toEqual(['resource', 'resource', 'resource']);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ code: 'FILES_NOT_READ', folder, files: ['README.txt', 'attachments', 'log.ndjson'] });
    expect(notices[0]?.message).toBe(
      `${folder}: 3 file(s) not named as a FHIR resource type, not read: README.txt, attachments, log.ndjson`,
    );
    expect(notices[0]?.message).not.toContain('Jane');
    const stream = readRecords([folder]);
    const records = await collect(stream);
    expect(records.map((r) => (r.kind === 'record' ? r.record.id : r.kind)).sort()).toEqual(['p1', 'p2']);
    expect(stream.stats).toMatchObject({ itemsRead: 3, failures: 0, files: 2 });
    expect(stream.stats.balanced).toBe(true);
  });

  it('still explains a folder of Bundle files: no resource file, a glob is needed', async () => {
    const bundles = join(dir, 'bundles');
    mkdirSync(bundles);
    writeFileSync(join(bundles, 'a.json'), '{"resourceType":"Bundle","type":"collection","entry":[]}');
    const items = await collect(readSources([bundles], { format: 'auto' }));
    expect(items).toEqual([
      expect.objectContaining({ kind: 'error', code: 'EMPTY_FOLDER', reason: expect.stringContaining('pass a glob such as dir/*.json') }),
    ]);
  });
});

describe('symbolic links in a Bulk Data folder', () => {
  // What a user expects: a link they made inside the export (to a file kept in a subfolder, say)
  // is read like the file; a link out of the folder is not read (the folder is what was handed
  // over, as for attachments), and is named with why, never skipped without a word.
  let folder = '';
  beforeAll(() => {
    folder = join(dir, 'linked');
    const elsewhere = join(dir, 'elsewhere');
    mkdirSync(join(folder, 'store'), { recursive: true });
    mkdirSync(elsewhere);
    writeFileSync(join(folder, 'store', 'patients.txt'), '{"resourceType":"Patient","id":"p1"}\n');
    symlinkSync(join('store', 'patients.txt'), join(folder, 'Patient.000.ndjson'));
    symlinkSync(join(folder, 'store', 'patients.txt'), join(folder, 'Patient.001.ndjson'));
    writeFileSync(join(elsewhere, 'Condition.ndjson'), '{"resourceType":"Condition","id":"c1","subject":{"reference":"Patient/p1"}}\n');
    symlinkSync(relative(folder, join(elsewhere, 'Condition.ndjson')), join(folder, 'Condition.000.ndjson'));
    symlinkSync('missing.ndjson', join(folder, 'Encounter.000.ndjson'));
    symlinkSync('store', join(folder, 'Observation.000.ndjson'));
  });

  it('reads a link to a file inside the folder (once), and names every other link with why', async () => {
    const listing = await listBulkFolder(folder);
    expect(listing.files).toEqual([join(folder, 'Patient.000.ndjson')]);
    expect(listing.links).toEqual([
      { name: 'Condition.000.ndjson', reason: 'a link leading outside the folder' },
      { name: 'Encounter.000.ndjson', reason: 'a broken link' },
      { name: 'Observation.000.ndjson', reason: 'a link to something other than a file' },
      { name: 'Patient.001.ndjson', reason: 'a link to Patient.000.ndjson, read once' },
    ]);
    const notices: SourceNotice[] = [];
    const stream = readRecords([folder], { onNotice: (n) => notices.push(n) });
    const items = await collect(stream);
    expect(items.map((i) => (i.kind === 'record' ? i.record.id : i.kind))).toEqual(['p1']);
    // the record holds no Condition: the file outside the folder was not read
    expect(items[0]?.kind === 'record' && items[0].record.facts).toEqual([]);
    expect(notices.map((n) => n.message)).toEqual([
      `${folder}: 4 linked file(s) not read: Condition.000.ndjson (a link leading outside the folder), Encounter.000.ndjson (a broken link), ` +
        'Observation.000.ndjson (a link to something other than a file), Patient.001.ndjson (a link to Patient.000.ndjson, read once)',
      `${folder}: 1 file(s) not named as a FHIR resource type, not read: store`,
    ]);
  });
});
