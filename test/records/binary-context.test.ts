/**
 * A Binary is never a record of its own: it follows `Binary.securityContext` to its
 * DocumentReference (whose subject is the patient) or to a Patient, in Bulk Data and in Bundles.
 */
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRecords } from '../../src/records/read.js';
import type { ClinicalRecord, RecordItem } from '../../src/records/types.js';
import { collect, tempFolder } from '../io/corpus.js';

const records = (items: RecordItem[]): ClinicalRecord[] => items.flatMap((i) => (i.kind === 'record' ? [i.record] : []));
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const NOTE = 'Patient reports three days of productive cough and fever.';

let tmp = '';
let remove = () => {};
beforeAll(() => {
  ({ dir: tmp, remove } = tempFolder('cb-binary-context-'));
});
afterAll(() => remove());

const patient = (id: string) => ({ resourceType: 'Patient', id, gender: 'female', birthDate: '1970-01-01' });
const binary = (id: string, context: string) => ({
  resourceType: 'Binary',
  id,
  contentType: 'text/plain',
  securityContext: { reference: context },
  data: b64(NOTE),
});
/** A DocumentReference that does not point at its Binary: only the Binary's securityContext joins them. */
const docRef = (id: string, subject: string) => ({
  resourceType: 'DocumentReference',
  id,
  status: 'current',
  subject: { reference: subject },
  date: '2020-03-01T10:00:00Z',
  content: [],
});

async function bulk(lines: object[]) {
  const stream = readRecords(['-'], { tempDir: tmp, stdin: Readable.from([lines.map((l) => JSON.stringify(l)).join('\n')]) });
  const items = await collect(stream);
  return { items, stats: stream.stats };
}
const noteTexts = (r: ClinicalRecord | undefined) => r?.notes.map((n) => n.text) ?? [];

describe('Binary.securityContext in Bulk Data', () => {
  it('DocumentReference/x gives the note to x’s patient (Binary before or after the DocumentReference)', async () => {
    for (const order of ['binary-first', 'docref-first']) {
      const lines: object[] = [patient('p1'), patient('p2'), docRef('d1', 'Patient/p1')];
      if (order === 'binary-first') lines.unshift(binary('b1', 'DocumentReference/d1'));
      else lines.push(binary('b1', 'DocumentReference/d1'));
      const { items, stats } = await bulk(lines);
      const recs = records(items);
      expect(recs.map((r) => r.id).sort(), order).toEqual(['p1', 'p2']);
      expect(noteTexts(recs.find((r) => r.id === 'p1')), order).toEqual([NOTE]);
      expect(noteTexts(recs.find((r) => r.id === 'p2')), order).toEqual([]);
      expect(
        items.filter((i) => i.kind === 'failure'),
        order,
      ).toEqual([]);
      expect(JSON.stringify(stats.skippedByReason)).not.toContain('not a Patient');
      expect(recs.flatMap((r) => r.warnings).join('\n')).not.toContain('not found');
      expect(stats.balanced).toBe(true);
    }
  });

  it('a urn:uuid: context names the DocumentReference or Patient with that id, never a phantom patient', async () => {
    const { items } = await bulk([
      patient('p1'),
      patient('a0b1c2d3-0000-4000-8000-00000000000a'),
      docRef('d1', 'Patient/p1'),
      binary('b1', 'urn:uuid:d1'),
      binary('b2', 'urn:uuid:a0b1c2d3-0000-4000-8000-00000000000a'),
      binary('b3', 'urn:uuid:f0000000-0000-4000-8000-0000000000ff'),
    ]);
    const recs = records(items);
    expect(recs.map((r) => r.id).sort()).toEqual(['a0b1c2d3-0000-4000-8000-00000000000a', 'p1']);
    expect(noteTexts(recs.find((r) => r.id === 'p1'))).toEqual([NOTE]);
    expect(noteTexts(recs.find((r) => r.id === 'a0b1c2d3-0000-4000-8000-00000000000a'))).toEqual([NOTE]);
  });

  it('a Patient context gives the note to that patient; a Binary alone makes no record', async () => {
    const { items } = await bulk([patient('p1'), binary('b1', 'Patient/p1'), binary('b2', 'Patient/nobody')]);
    const recs = records(items);
    expect(recs.map((r) => r.id)).toEqual(['p1']);
    expect(noteTexts(recs[0])).toEqual([NOTE]);
  });

  it('a Binary both referenced by its DocumentReference and naming it is read once', async () => {
    const doc = { ...docRef('d1', 'Patient/p1'), content: [{ attachment: { contentType: 'text/plain', url: 'Binary/b1' } }] };
    const { items } = await bulk([patient('p1'), doc, binary('b1', 'DocumentReference/d1')]);
    expect(noteTexts(records(items)[0])).toEqual([NOTE]);
  });
});

describe('Binary.securityContext in a Bundle', () => {
  const bundleOf = (...resources: object[]) =>
    JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: resources.map((resource) => ({ resource })) });
  const read = async (...lines: string[]) => collect(readRecords(['-'], { stdin: Readable.from([lines.join('\n')]) }));

  it('DocumentReference/x gives the note to x’s patient, among two patients', async () => {
    const items = await read(bundleOf(patient('p1'), patient('p2'), docRef('d2', 'Patient/p2'), binary('b1', 'DocumentReference/d2')));
    const recs = records(items);
    expect(recs.map((r) => [r.id, noteTexts(r)])).toEqual([
      ['p1', []],
      ['p2', [NOTE]],
    ]);
  });

  it('urn:uuid: resolves through fullUrl to the DocumentReference or the Patient', async () => {
    const uuidP = 'urn:uuid:11111111-0000-4000-8000-000000000001';
    const uuidD = 'urn:uuid:22222222-0000-4000-8000-000000000002';
    const bundle = JSON.stringify({
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        { fullUrl: uuidP, resource: { resourceType: 'Patient', gender: 'male' } },
        { fullUrl: 'urn:uuid:33333333-0000-4000-8000-000000000003', resource: patient('other') },
        { fullUrl: uuidD, resource: { ...docRef('d1', uuidP), id: undefined } },
        { resource: binary('b1', uuidD) },
        { resource: binary('b2', 'urn:uuid:33333333-0000-4000-8000-000000000003') },
        { resource: binary('b3', 'urn:uuid:99999999-0000-4000-8000-000000000009') },
      ],
    });
    const recs = records(await read(bundle));
    expect(recs.map((r) => [r.id, noteTexts(r).length])).toEqual([
      ['11111111-0000-4000-8000-000000000001', 1],
      ['other', 1],
    ]);
  });

  it('a Bundle of Binaries whose context is an unknown urn:uuid: is a dead letter, not a phantom patient', async () => {
    const items = await read(bundleOf(binary('b1', 'urn:uuid:99999999-0000-4000-8000-000000000009')));
    expect(items).toEqual([expect.objectContaining({ kind: 'failure', code: 'NO_PATIENT' })]);
  });
});
