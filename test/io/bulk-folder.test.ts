import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
