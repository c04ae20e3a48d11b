import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeReadOptions, readRecords } from '../../src/records/read.js';
import type { ClinicalRecord, RecordItem } from '../../src/records/types.js';
import { UsageError } from '../../src/util/errors.js';
import { collect, REPO_ROOT, tempFolder } from '../io/corpus.js';

const records = (items: RecordItem[]): ClinicalRecord[] => items.flatMap((i) => (i.kind === 'record' ? [i.record] : []));
const NAME = 'Zebulon';
const NOTE = 'SECRET-NOTE-TEXT';

function bundle(patientId: string, extra: object[] = []): object {
  return {
    resourceType: 'Bundle',
    type: 'collection',
    entry: [
      {
        fullUrl: `urn:uuid:${patientId}`,
        resource: { resourceType: 'Patient', id: patientId, name: [{ given: [NAME] }], gender: 'female', birthDate: '1980-02-29' },
      },
      {
        resource: {
          resourceType: 'DocumentReference',
          id: `doc-${patientId}`,
          subject: { reference: `urn:uuid:${patientId}` },
          date: '2021-02-28T10:00:00Z',
          content: [{ attachment: { contentType: 'text/plain', data: Buffer.from(`${NOTE} for ${patientId}`).toString('base64') } }],
        },
      },
      ...extra.map((resource) => ({ resource })),
    ],
  };
}

let dir = '';
let remove = () => {};
beforeAll(() => {
  ({ dir, remove } = tempFolder());
});
afterAll(() => remove());

describe('readRecords', () => {
  it('reads on past a malformed NDJSON line, naming its line, and balances its counts', async () => {
    const file = join(dir, 'bundles.ndjson');
    writeFileSync(
      file,
      [JSON.stringify(bundle('a')), `{"resourceType":"Bundle","entry":[{"name":"${NAME}"`, '', JSON.stringify(bundle('b'))].join('\n'),
    );
    const stream = readRecords([file]);
    const items = await collect(stream);
    expect(items.map((i) => (i.kind === 'record' ? i.record.id : `${i.code}@${i.position.line}`))).toEqual(['a', 'INVALID_JSON@2', 'b']);
    expect(records(items)[1]?.source).toEqual({ file, line: 4, entry: 0 });
    expect(stream.stats).toMatchObject({ itemsRead: 3, itemsUsed: 2, itemsFailed: 1, itemsSkipped: 0, recordsYielded: 2, failures: 1 });
    expect(stream.stats.balanced).toBe(true);
    expect(records(items)[0]).toMatchObject({
      demographics: { sex: 'female', birthDate: '1980-02-29', ageYears: 40 },
      time: '2021-02-28T10:00:00Z',
    });
  });

  it('fails a Bundle without a Patient unless all resources name one patient', async () => {
    const condition = (id: string, patient: string) => ({
      resourceType: 'Condition',
      id,
      subject: { reference: `Patient/${patient}` },
      code: { text: 'Asthma' },
    });
    const file = join(dir, 'nopatient.ndjson');
    writeFileSync(
      file,
      [
        { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: condition('c1', 'p9') }, { resource: condition('c2', 'p9') }] },
        { resourceType: 'Bundle', type: 'batch', entry: [{ resource: condition('c1', 'p1') }, { resource: condition('c2', 'p2') }] },
        { resourceType: 'Bundle', type: 'collection', entry: [{ resource: { resourceType: 'Organization', id: 'o1' } }] },
        {
          resourceType: 'Bundle',
          type: 'collection',
          entry: [
            { resource: { resourceType: 'Observation', id: 'o1', status: 'final', code: { text: 'x' } } },
            { resource: { resourceType: 'Observation', id: 'o2', status: 'final', code: { text: 'y' } } },
          ],
        },
      ]
        .map((b) => JSON.stringify(b))
        .join('\n'),
    );
    const items = await collect(readRecords([file]));
    expect(items[0]).toMatchObject({
      kind: 'record',
      record: { id: 'p9', patient: 'Patient/p9', warnings: [expect.stringContaining('no Patient resource')] },
    });
    expect(records(items)[0]?.facts).toHaveLength(2);
    expect(items[1]).toMatchObject({
      kind: 'failure',
      code: 'NO_PATIENT',
      position: { line: 2 },
      reason: expect.stringContaining('2 different patients'),
    });
    // reference data only (Synthea's hospital Bundles): skipped, not a failure
    expect(items[2]).toMatchObject({
      kind: 'skipped',
      code: 'REFERENCE_DATA_ONLY',
      position: { line: 3 },
      reason: expect.stringContaining('1 Organization'),
    });
    // clinical resources about nobody stay a failure
    expect(items[3]).toMatchObject({
      kind: 'failure',
      code: 'NO_PATIENT',
      position: { line: 4 },
      reason: expect.stringContaining('Bundle without a Patient'),
    });
  });

  it('splits a Bundle with two patients into two records, each with its own resources', async () => {
    const two = bundle('x') as { entry: object[] };
    two.entry.push(...(bundle('y') as { entry: object[] }).entry);
    const items = await collect(readRecords(['-'], { stdin: Readable.from([JSON.stringify(two)]) }));
    expect(records(items).map((r) => [r.id, r.notes.map((n) => n.resource)])).toEqual([
      ['x', ['DocumentReference/doc-x']],
      ['y', ['DocumentReference/doc-y']],
    ]);
  });

  it('reads notes from every text source and medications from bundled or contained Medication', async () => {
    const b64 = (t: string) => Buffer.from(t).toString('base64');
    const rx = (id: string, medication: object) => ({
      resourceType: 'MedicationRequest',
      id,
      subject: { reference: 'Patient/n' },
      authoredOn: '2022-01-01',
      ...medication,
    });
    const nb = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: 'urn:uuid:aaaaaaaa-0000-4000-8000-000000000001', resource: { resourceType: 'Patient', id: 'n' } },
        {
          fullUrl: 'urn:uuid:aaaaaaaa-0000-4000-8000-000000000002',
          resource: {
            resourceType: 'Medication',
            code: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '197361' }] },
          },
        },
        { resource: rx('r1', { medicationReference: { reference: 'urn:uuid:aaaaaaaa-0000-4000-8000-000000000002' } }) },
        {
          resource: {
            ...rx('r2', { medicationReference: { reference: '#m' } }),
            contained: [{ resourceType: 'Medication', id: 'm', code: { text: 'Amoxicillin' } }],
          },
        },
        { resource: rx('r3', { medicationReference: { reference: 'Medication/absent', display: 'Ibuprofen 200 MG' } }) },
        {
          resource: {
            resourceType: 'Communication',
            id: 'c',
            subject: { reference: 'Patient/n' },
            sent: '2022-01-02',
            payload: [
              { contentString: 'Called the patient.' },
              { contentAttachment: { contentType: 'text/plain; charset=utf-8', data: b64('Results normal.') } },
            ],
          },
        },
        {
          resource: {
            resourceType: 'DiagnosticReport',
            id: 'dr',
            subject: { reference: 'Patient/n' },
            issued: '2022-01-03',
            conclusion: 'No acute findings.',
          },
        },
        {
          resource: {
            resourceType: 'DocumentReference',
            id: 'h',
            subject: { reference: 'Patient/n' },
            date: '2022-01-04',
            content: [{ attachment: { contentType: 'text/html', data: b64('<html><body><p>Wheeze &amp; cough</p></body></html>') } }],
          },
        },
      ],
    };
    const [record] = records(await collect(readRecords(['-'], { stdin: Readable.from([JSON.stringify(nb)]) })));
    expect(record?.notes.map((n) => [n.resource, n.text, n.contentType])).toEqual([
      ['Communication/c.payload[0]', 'Called the patient.', 'text/plain'],
      ['Communication/c.payload[1]', 'Results normal.', 'text/plain'],
      ['DiagnosticReport/dr.conclusion', 'No acute findings.', 'text/plain'],
      ['DocumentReference/h', 'Wheeze & cough', 'text/html'],
    ]);
    expect(record?.facts.map((f) => [f.resource, f.codings[0]?.code ?? f.text])).toEqual([
      ['MedicationRequest/r1', '197361'],
      ['MedicationRequest/r2', 'Amoxicillin'],
      ['MedicationRequest/r3', 'Ibuprofen 200 MG'],
    ]);
    expect(record?.warnings).toEqual(['MedicationRequest/r3: medication reference not found in the input; kept its display text']);
  });

  it('places resources in encounter records by reference, then by time, sharing undated history', async () => {
    const subject = { reference: 'Patient/e' };
    const eb = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        { resourceType: 'Patient', id: 'e', birthDate: '2000-06-15' },
        { resourceType: 'Encounter', id: 'e2', subject, period: { start: '2021-01-01T09:00:00Z' } },
        { resourceType: 'Encounter', id: 'e1', subject, period: { start: '2020-01-01T09:00:00Z' } },
        {
          resourceType: 'Observation',
          id: 'o1',
          subject,
          effectiveDateTime: '2020-06-01',
          code: { text: 'HR' },
          valueQuantity: { value: 70 },
        },
        {
          resourceType: 'Observation',
          id: 'o2',
          subject,
          encounter: { reference: 'Encounter/gone' },
          effectiveDateTime: '2021-05-01',
          code: { text: 'HR' },
          valueQuantity: { value: 90 },
        },
        { resourceType: 'AllergyIntolerance', id: 'a1', patient: subject, code: { text: 'Peanut' } },
        {
          resourceType: 'Condition',
          id: 'c1',
          subject,
          encounter: { reference: 'Encounter/e2' },
          code: { text: 'Asthma' },
          onsetDateTime: '2019-01-01',
        },
        { resourceType: 'Communication', id: 'n1', subject, payload: [{ contentString: 'Undated message.' }] },
      ].map((resource) => ({ resource })),
    };
    const recs = records(await collect(readRecords(['-'], { unit: 'encounter', stdin: Readable.from([JSON.stringify(eb)]) })));
    expect(recs.map((r) => [r.id, r.encounter, r.time, r.demographics.ageYears])).toEqual([
      ['e1', 'Encounter/e1', '2020-01-01T09:00:00Z', 19],
      ['e2', 'Encounter/e2', '2021-01-01T09:00:00Z', 20],
    ]);
    expect(recs.map((r) => r.facts.map((f) => f.resource).sort())).toEqual([
      ['AllergyIntolerance/a1', 'Observation/o1'],
      ['AllergyIntolerance/a1', 'Condition/c1', 'Observation/o2'],
    ]);
    expect(recs.map((r) => r.notes.length)).toEqual([0, 1]);
    expect(recs[1]?.warnings).toEqual(['Patient/e: 1 resource(s) reference an encounter not in the input; placed by time']);
  });

  it('reports an empty file and keeps going', async () => {
    writeFileSync(join(dir, 'empty.json'), '');
    writeFileSync(join(dir, 'one.json'), JSON.stringify(bundle('c'), null, 2));
    const items = await collect(readRecords([join(dir, 'empty.json'), join(dir, 'one.json')]));
    expect(items.map((i) => (i.kind === 'record' ? i.record.id : i.code))).toEqual(['EMPTY_INPUT', 'c']);
  });

  it('never puts names or note text into failures or warnings', async () => {
    const file = join(dir, 'messy.ndjson');
    const messy = bundle('m', [
      {
        resourceType: 'Media',
        id: 'md',
        subject: { reference: 'Patient/m' },
        content: { contentType: 'image/png', data: Buffer.from(NOTE).toString('base64') },
      },
      {
        resourceType: 'DocumentReference',
        id: 'd2',
        subject: { reference: 'Patient/m' },
        content: [{ attachment: { contentType: 'text/plain', data: `${NOTE}!` } }],
      },
      {
        resourceType: 'Communication',
        id: 'cm',
        subject: { reference: 'Patient/m' },
        payload: [{ contentAttachment: { contentType: 'text/plain; charset=klingon', data: Buffer.from(NAME).toString('base64') } }],
      },
    ]);
    writeFileSync(file, `${JSON.stringify(messy)}\n{"resourceType":"Patient","name":"${NAME} ${NOTE}",}\n`);
    const items = await collect(readRecords([file]));
    const messages = JSON.stringify(items.map((i) => (i.kind === 'record' ? i.record.warnings : i.reason)));
    expect(messages).toContain('Media/md');
    expect(messages).not.toContain(NAME);
    expect(messages).not.toContain(NOTE);
  });

  it('validates its options with usage errors that list the choices', () => {
    expect(() => normalizeReadOptions({ format: 'xml' as never })).toThrow(UsageError);
    expect(() => normalizeReadOptions({ format: 'xml' as never })).toThrow(/auto, ndjson, bundle, bulk, csv/);
    expect(() => normalizeReadOptions({ unit: 'visit' as never })).toThrow(/patient, encounter/);
    expect(normalizeReadOptions({})).toMatchObject({
      format: 'auto',
      unit: 'patient',
      allowNetwork: false,
      maxAttachmentBytes: 20 * 1024 * 1024,
    });
  });

  it('reads real stdin in a child process', () => {
    const script = join(dir, 'stdin-child.mts'); // .mts: an ES module wherever it lies
    writeFileSync(
      script,
      `import { readRecords } from ${JSON.stringify(join(REPO_ROOT, 'src', 'records', 'read.ts'))};\n` +
        `const s = readRecords(['-']);\nfor await (const item of s) console.log(item.kind === 'record' ? item.record.id : item.code);\n` +
        `console.log(JSON.stringify(s.stats));\n`,
    );
    const input = `${JSON.stringify(bundle('s1'))}\nnot json\n${JSON.stringify(bundle('s2'))}\n`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: REPO_ROOT, input, encoding: 'utf8', timeout: 60_000 });
    expect(child.stderr).toBe('');
    const out = child.stdout.trim().split('\n');
    expect(out.slice(0, 3)).toEqual(['s1', 'INVALID_JSON', 's2']);
    expect(JSON.parse(out[3] ?? '{}')).toMatchObject({ itemsRead: 3, itemsUsed: 2, itemsFailed: 1, files: 1 });
  });
});
