/**
 * @file The decoded-bytes budget belongs to each record (issue 11, item 2;
 * src/records/record-budget.ts), while decoding stays shared: with `--unit encounter` the records
 * of one Bundle each get the whole budget (they shared one before, so a later encounter lost its
 * image to an earlier one's), a Binary counts once per record that uses it and is decoded once
 * for all of them, inline data and files count too, and a Bulk Binary in the shared store is read
 * and parsed once per patient, not once per attachment that references it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assembleBundle } from '../../src/records/assemble-bundle.js';
import { type AssembleOptions, assemblePatient } from '../../src/records/assemble-patient.js';
import { recordFromCsvRow } from '../../src/records/from-csv.js';
import { BulkGrouper } from '../../src/records/group-bulk.js';
import type { ClinicalRecord } from '../../src/records/types.js';
import { tempFolder } from '../io/corpus.js';

let tmp = '';
let remove = () => {};
beforeAll(() => {
  ({ dir: tmp, remove } = tempFolder('cb-record-budget-'));
});
afterAll(() => remove());

/** 1000 bytes that sniff as PNG (decoding them is the featurizer's business, not this test's). */
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(992, 1)]);
const options = (unit: 'patient' | 'encounter', maxRecordDecodedBytes: number): AssembleOptions => ({
  unit,
  allowNetwork: false,
  maxAttachmentBytes: 1_000_000,
  maxRecordDecodedBytes,
});
const budgetWarnings = (r: ClinicalRecord) => r.warnings.filter((w) => w.includes('past the 0.0 MB budget (--max-record-mb)'));

async function assemble(bundle: object, opts: AssembleOptions): Promise<ClinicalRecord[]> {
  const item = { kind: 'bundle', bundle, position: { file: 'b.json' }, baseDir: tmp } as Parameters<typeof assembleBundle>[0];
  const out: ClinicalRecord[] = [];
  for await (const o of assembleBundle(item, opts)) if (o.kind === 'record') out.push(o.record);
  return out;
}

describe('one Bundle, three encounters, two Binaries of 1000 bytes, a budget of 1500 bytes', () => {
  const encounter = (id: string, start: string) => ({
    resourceType: 'Encounter',
    id,
    status: 'finished',
    subject: { reference: 'Patient/p1' },
    period: { start, end: start },
  });
  const media = (id: string, encounterId: string, binary: string) => ({
    resourceType: 'Media',
    id,
    status: 'completed',
    subject: { reference: 'Patient/p1' },
    encounter: { reference: `Encounter/${encounterId}` },
    content: { contentType: 'image/png', url: `Binary/${binary}` },
  });
  const bundle = {
    resourceType: 'Bundle',
    type: 'collection',
    entry: [
      { resourceType: 'Patient', id: 'p1' },
      encounter('e1', '2020-01-01T00:00:00Z'),
      encounter('e2', '2021-01-01T00:00:00Z'),
      encounter('e3', '2022-01-01T00:00:00Z'),
      { resourceType: 'Binary', id: 'b1', contentType: 'image/png', data: PNG.toString('base64') },
      { resourceType: 'Binary', id: 'b2', contentType: 'image/png', data: PNG.toString('base64') },
      // e1 and e3 use b1, e2 uses b2; in e1, b1 is referenced twice
      media('m1', 'e1', 'b1'),
      media('m1bis', 'e1', 'b1'),
      media('m2', 'e2', 'b2'),
      media('m3', 'e3', 'b1'),
    ].map((resource) => ({ resource })),
  };

  it('with --unit encounter, gives each record its whole budget: every encounter keeps its image, b1 decoded once for e1 and e3', async () => {
    const records = await assemble(bundle, options('encounter', 1500));
    expect(records.map((r) => [r.id, r.media.map((m) => m.resource)])).toEqual([
      ['e1', ['Media/m1', 'Media/m1bis']],
      ['e2', ['Media/m2']],
      ['e3', ['Media/m3']],
    ]);
    for (const r of records) expect(budgetWarnings(r)).toEqual([]);
    const [e1, , e3] = records;
    // the same bytes, not a second decode
    expect(e3?.media[0]?.data).toBe(e1?.media[0]?.data);
    expect(e1?.media[1]?.data).toBe(e1?.media[0]?.data);
  });

  it('with --unit patient, the one record counts b1 once and b2 no longer fits: one warning, b2 dropped', async () => {
    const [record] = await assemble(bundle, options('patient', 1500));
    expect(record?.media.map((m) => m.resource)).toEqual(
      ['Media/m1', 'Media/m1bis', 'Media/m2', 'Media/m3'].filter((m) => m !== 'Media/m2'),
    );
    expect(budgetWarnings(record as ClinicalRecord)).toEqual([
      "Media/m2 content: Binary/b2 (0.0 MB) would take the record's decoded attachments past the 0.0 MB budget (--max-record-mb); ignored",
    ]);
  });
});

describe('inline data and files count against the budget too', () => {
  it('three inline images of 1000 bytes under 2500: two kept, the third dropped with a warning', async () => {
    const doc = (id: string) => ({
      resourceType: 'Media',
      id,
      status: 'completed',
      subject: { reference: 'Patient/p1' },
      content: { contentType: 'image/png', data: PNG.toString('base64') },
    });
    const bundle = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [{ resourceType: 'Patient', id: 'p1' }, doc('a'), doc('b'), doc('c')].map((resource) => ({ resource })),
    };
    const [record] = await assemble(bundle, options('patient', 2500));
    expect(record?.media).toHaveLength(2);
    expect(budgetWarnings(record as ClinicalRecord)).toHaveLength(1);
  });

  it('a CSV row whose image file is over the budget keeps no image; the next row has a budget of its own', async () => {
    const dir = join(tmp, 'csv');
    mkdirSync(dir);
    writeFileSync(join(dir, 'x.png'), PNG);
    const row = (id: string) => ({
      kind: 'csv-row' as const,
      position: { file: 'rows.csv', line: 2 },
      baseDir: dir,
      row: { id, image_file: 'x.png' },
    });
    const small = await recordFromCsvRow(row('r1'), options('patient', 500));
    expect(small.kind === 'record' && small.record.media).toEqual([]);
    expect(small.kind === 'record' && small.record.warnings).toEqual([
      "CSV/r1.image_file: attachment of 0.0 MB would take the record's decoded attachments past the 0.0 MB budget (--max-record-mb); ignored",
    ]);
    const opts = options('patient', 1500);
    for (const id of ['r2', 'r3']) {
      const out = await recordFromCsvRow(row(id), opts);
      expect(out.kind === 'record' && out.record.media.length, id).toBe(1);
    }
  });
});

describe('a Bulk Binary in the shared store referenced by 50 Media', () => {
  it('is read and parsed once for the patient, decoded once, and counted once', async () => {
    const grouper = new BulkGrouper({ tempDir: tmp });
    const item = (resource: object, line: number) => ({
      kind: 'resource' as const,
      resource: resource as Record<string, unknown>,
      standalone: false,
      position: { file: 'export/x.ndjson', line },
      baseDir: tmp,
    });
    try {
      await grouper.add(item({ resourceType: 'Patient', id: 'p1' }, 1));
      // no securityContext: the Binary belongs to nobody and goes to the shared store
      await grouper.add(item({ resourceType: 'Binary', id: 'b1', contentType: 'image/png', data: PNG.toString('base64') }, 2));
      for (let i = 0; i < 50; i++) {
        await grouper.add(
          item(
            {
              resourceType: 'Media',
              id: `m${i}`,
              status: 'completed',
              subject: { reference: 'Patient/p1' },
              content: { contentType: 'image/png', url: 'Binary/b1' },
            },
            3 + i,
          ),
        );
      }
      expect(grouper.sharedCount).toBe(1);
      const records: ClinicalRecord[] = [];
      for await (const { group } of grouper.groups()) records.push(...(await assemblePatient(group, options('patient', 1500))));
      expect(records).toHaveLength(1);
      expect(records[0]?.media).toHaveLength(50);
      expect(new Set(records[0]?.media.map((m) => m.data)).size).toBe(1);
      expect(grouper.sharedReads).toBe(1);
    } finally {
      await grouper.close();
    }
  });
});
