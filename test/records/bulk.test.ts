import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BulkGrouper } from '../../src/records/group-bulk.js';
import { readSources, type SourceNotice } from '../../src/io/sources.js';
import { readRecords, type ReadOptions } from '../../src/records/read.js';
import type { ClinicalRecord, RecordItem } from '../../src/records/types.js';
import { BULK_10, collect, CORPUS_NOTE, HAS_CORPUS, NOTES_BUNDLES, tempFolder } from '../io/corpus.js';
import { parseBundle, parseResource, type FhirReference } from '../support/fhir-json.js';

const records = (items: RecordItem[]): ClinicalRecord[] => items.flatMap((i) => (i.kind === 'record' ? [i.record] : []));
const withoutSource = (r: ClinicalRecord) => ({ ...r, source: undefined });

let tmp = '';
let remove = () => {};
beforeAll(() => {
  ({ dir: tmp, remove } = tempFolder());
});
afterAll(() => remove());

describe.skipIf(!HAS_CORPUS)(`the SMART 10-patient Bulk Data export${CORPUS_NOTE}`, () => {
  const lines = (file: string) =>
    readFileSync(join(BULK_10, file), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '');
  let items: RecordItem[] = [];
  let stats: ReturnType<typeof readRecords>['stats'];
  let spill = '';
  const notices: SourceNotice[] = [];

  beforeAll(async () => {
    spill = join(tmp, 'spill-default');
    mkdirSync(spill);
    const stream = readRecords([BULK_10], { tempDir: spill, onNotice: (n) => notices.push(n) });
    items = await collect(stream);
    stats = stream.stats;
  });

  it('gives one record per Patient resource, and names log.ndjson once as not read', () => {
    const patients = lines('Patient.000.ndjson').map((l) => parseResource(l).id as string);
    // the export is named "10 patients" (living); its Patient file holds 13 (3 deceased)
    expect(patients).toHaveLength(13);
    expect(
      records(items)
        .map((r) => r.id)
        .sort(),
    ).toEqual([...patients].sort());
    // bulk-data-client's event log is not a resource file: named once, not read, no failure
    expect(items.filter((i) => i.kind !== 'record')).toEqual([]);
    expect(notices).toEqual([expect.objectContaining({ code: 'FILES_NOT_READ', files: ['log.ndjson'] })]);
    expect(notices[0]?.message).toContain('1 file(s) not named as a FHIR resource type, not read: log.ndjson');
  });

  it('attaches every fact, note and encounter-derived time to the right patient', () => {
    const subjectOf = new Map<string, string>();
    for (const file of readdirSync(BULK_10).filter((f) => f.endsWith('.000.ndjson'))) {
      for (const l of lines(file)) {
        const r = parseResource(l);
        const ref = ((r.subject ?? r.patient) as FhirReference | undefined)?.reference;
        if (ref) subjectOf.set(`${r.resourceType}/${r.id as string}`, ref);
      }
    }
    let checked = 0;
    for (const r of records(items)) {
      expect(r.patient).toBe(`Patient/${r.id}`);
      for (const f of r.facts) {
        expect(subjectOf.get(f.resource ?? ''), f.resource).toBe(r.patient);
        checked++;
      }
      for (const n of r.notes) expect(subjectOf.get(n.resource)).toBe(r.patient);
      expect(r.notes.length).toBeGreaterThan(0);
      expect(r.source.file).toBe(join(BULK_10, 'Patient.000.ndjson'));
    }
    const expectedFacts = ['Condition', 'AllergyIntolerance', 'MedicationRequest', 'Procedure'].reduce(
      (n, t) => n + lines(`${t}.000.ndjson`).length,
      0,
    );
    expect(checked).toBe(expectedFacts);
  });

  it('accounts for every line and removes its spill folder', () => {
    expect(stats.balanced).toBe(true);
    const total = readdirSync(BULK_10)
      .filter((f) => f.endsWith('.000.ndjson'))
      .reduce((n, f) => n + lines(f).length, 0);
    expect(stats.itemsRead).toBe(total);
    expect(stats.itemsFailed).toBe(0);
    expect(stats.skippedByReason).toEqual({
      'no patient reference (Location)': lines('Location.000.ndjson').length,
      'no patient reference (Organization)': lines('Organization.000.ndjson').length,
      'no patient reference (Practitioner)': lines('Practitioner.000.ndjson').length,
      'no patient reference (PractitionerRole)': lines('PractitionerRole.000.ndjson').length,
    });
    expect(stats).toMatchObject({ recordsYielded: 13, failures: 0, skippedInputs: 0, files: 13 });
    expect(readdirSync(spill)).toEqual([]);
  });

  it('gives the same records when buckets must be split again to fit a small memory bound', async () => {
    const small = records(await collect(readRecords([BULK_10], { tempDir: tmp, maxBucketBytes: 50_000 })));
    const byId = (rs: ClinicalRecord[]) => new Map(rs.map((r) => [r.id, r]));
    const expected = byId(records(items));
    expect(small).toHaveLength(expected.size);
    for (const r of small) expect(r).toEqual(expected.get(r.id));
  });

  it('splits a crowded bucket by a second hash and still hands out whole patients', async () => {
    const summarize = async (options: ConstructorParameters<typeof BulkGrouper>[0]) => {
      const grouper = new BulkGrouper(options);
      try {
        for await (const item of readSources([BULK_10], { format: 'auto' })) if (item.kind === 'resource') await grouper.add(item);
        const out: string[] = [];
        let parts = 0;
        for await (const { group, lines: n } of grouper.groups()) {
          out.push(`${group.patientKey}:${n}:${group.entries.length}:${group.patient ? 'P' : '-'}`);
          parts = Math.max(parts, readdirSync(grouper.spillFolder as string).filter((f) => f.startsWith('bucket-0.spill.')).length);
        }
        if (options?.buckets === 1) expect(parts).toBeGreaterThan(1); // the one bucket was split
        return out.sort();
      } finally {
        await grouper.close();
      }
    };
    const crowded = await summarize({ tempDir: tmp, buckets: 1, maxBucketBytes: 2_000_000 });
    expect(crowded).toHaveLength(13);
    expect(crowded).toEqual(await summarize({ tempDir: tmp }));
  });

  it('cleans up when the consumer stops early', async () => {
    const spillEarly = join(tmp, 'spill-early');
    mkdirSync(spillEarly);
    for await (const item of readRecords([BULK_10], { tempDir: spillEarly })) {
      if (item.kind === 'record') break;
    }
    expect(readdirSync(spillEarly)).toEqual([]);
  });
});

describe.skipIf(!HAS_CORPUS)(`a Synthea Bundle and the same resources as Bulk Data${CORPUS_NOTE}`, () => {
  let bundleFile = '';
  let folder = '';
  let ndjson = '';
  beforeAll(() => {
    bundleFile = join(NOTES_BUNDLES, readdirSync(NOTES_BUNDLES).find((f) => f.startsWith('Edythe31')) as string);
    const bundle = parseBundle(readFileSync(bundleFile, 'utf8'));
    folder = join(tmp, 'export');
    mkdirSync(folder);
    const byType = new Map<string, string[]>();
    for (const e of bundle.entry) {
      const type = e.resource.resourceType;
      byType.set(type, [...(byType.get(type) ?? []), JSON.stringify(e.resource)]);
    }
    for (const [type, ls] of byType) writeFileSync(join(folder, `${type}.000.ndjson`), `${ls.reverse().join('\n')}\n`);
    ndjson = bundle.entry.map((e) => JSON.stringify(e.resource)).join('\n');
  });

  for (const unit of ['patient', 'encounter'] as const) {
    it(`assembles identical records (unit ${unit})`, async () => {
      const options: Partial<ReadOptions> = { unit, tempDir: tmp };
      const fromBundle = records(await collect(readRecords([bundleFile], options)));
      const fromBulk = records(await collect(readRecords([folder], options)));
      const fromStdin = records(await collect(readRecords(['-'], { ...options, stdin: Readable.from([Buffer.from(ndjson)]) })));
      expect(fromBundle.length).toBeGreaterThan(0);
      const sort = (rs: ClinicalRecord[]) => rs.map(withoutSource).sort((a, b) => (a.id < b.id ? -1 : 1));
      expect(sort(fromBulk)).toEqual(sort(fromBundle));
      expect(sort(fromStdin)).toEqual(sort(fromBundle));
    });
  }
});

describe('Bulk Data edge cases', () => {
  it('groups resources whose Patient is missing under the referenced id, with a warning', async () => {
    const lines = [
      { resourceType: 'Condition', id: 'c1', subject: { reference: 'Patient/ghost' }, code: { text: 'Asthma' } },
      { resourceType: 'Patient', id: 'real', gender: 'male', birthDate: '1990-06-01' },
      {
        resourceType: 'Observation',
        id: 'o1',
        subject: { reference: 'Patient/real' },
        effectiveDateTime: '2020-06-01',
        code: { text: 'HR' },
        valueQuantity: { value: 80, unit: '/min' },
      },
      {
        resourceType: 'Medication',
        id: 'm1',
        code: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '314076' }] },
      },
      {
        resourceType: 'MedicationRequest',
        id: 'r1',
        subject: { reference: 'Patient/real' },
        medicationReference: { reference: 'Medication/m1' },
        authoredOn: '2020-06-01',
      },
      { resourceType: 'Observation', id: 'o2', subject: { reference: 'Group/g1' } },
    ];
    const stream = readRecords(['-'], { tempDir: tmp, stdin: Readable.from([lines.map((l) => JSON.stringify(l)).join('\n')]) });
    const recs = records(await collect(stream));
    const ghost = recs.find((r) => r.id === 'ghost');
    const real = recs.find((r) => r.id === 'real');
    expect(ghost?.warnings).toEqual(['no Patient resource for Patient/ghost in the input; demographics unknown']);
    expect(real?.demographics).toEqual({ sex: 'male', birthDate: '1990-06-01', ageYears: 30 });
    expect(real?.time).toBe('2020-06-01');
    expect(real?.facts.find((f) => f.kind === 'medication')?.codings).toEqual([
      { system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '314076' },
    ]);
    expect(stream.stats.skippedByReason).toEqual({ 'kept for reference (Medication)': 1, 'subject is not a Patient (Group)': 1 });
    expect(stream.stats.balanced).toBe(true);
  });

  // A Bulk Data id names a resource within one export (one server), not across exports: two
  // folders holding Patient/p1 may be two people (two hospitals both numbering from 1), and
  // merging them would put one person's conditions into another's record. So each folder is one
  // export: its resources join with its own Patient, and its references resolve in it alone; both
  // records say that the id is in the other export too, so a user who knows they are one person
  // can tell. Two Patient resources of one id inside one export are that export's one patient.
  it('keeps the same Patient id in two exports (folders) apart, each record warning and naming both folders', async () => {
    const exportFolder = (name: string, sex: string, condition: string) => {
      const folder = join(tmp, 'two-exports', name);
      mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, 'Patient.ndjson'), `${JSON.stringify({ resourceType: 'Patient', id: 'p1', gender: sex })}\n`);
      writeFileSync(
        join(folder, 'Condition.ndjson'),
        `${JSON.stringify({ resourceType: 'Condition', id: 'c1', subject: { reference: 'Patient/p1' }, code: { text: condition } })}\n`,
      );
      writeFileSync(
        join(folder, 'MedicationRequest.ndjson'),
        `${JSON.stringify({ resourceType: 'MedicationRequest', id: 'r1', status: 'active', intent: 'order', subject: { reference: 'Patient/p1' }, medicationReference: { reference: 'Medication/m1' } })}\n`,
      );
      writeFileSync(
        join(folder, 'Medication.ndjson'),
        `${JSON.stringify({ resourceType: 'Medication', id: 'm1', code: { text: `${condition} drug` } })}\n`,
      );
      return folder;
    };
    const a = exportFolder('hospital-a', 'female', 'Asthma');
    const b = exportFolder('hospital-b', 'male', 'Gout');
    const stream = readRecords([a, b], { tempDir: tmp });
    const recs = records(await collect(stream));
    expect(recs.map((r) => [r.id, r.demographics.sex, r.facts.map((f) => f.text).sort(), r.source.file])).toEqual([
      ['p1', 'female', ['Asthma', 'Asthma drug'], join(a, 'Patient.ndjson')],
      ['p1', 'male', ['Gout', 'Gout drug'], join(b, 'Patient.ndjson')],
    ]);
    for (const r of recs) {
      expect(r.warnings).toEqual([
        `Patient/p1 is in 2 exports (${a}, ${b}): a Bulk Data id names a patient within one export only, so each export makes a record of its own`,
      ]);
    }
    expect(stream.stats.balanced).toBe(true);
  });

  it('reads two Patient resources of one id in one export as one patient, with a warning naming both positions', async () => {
    const folder = join(tmp, 'one-export-twice');
    mkdirSync(folder);
    writeFileSync(join(folder, 'Patient.000.ndjson'), `${JSON.stringify({ resourceType: 'Patient', id: 'p1', gender: 'female' })}\n`);
    writeFileSync(join(folder, 'Patient.001.ndjson'), `${JSON.stringify({ resourceType: 'Patient', id: 'p1', gender: 'male' })}\n`);
    writeFileSync(
      join(folder, 'Condition.000.ndjson'),
      `${JSON.stringify({ resourceType: 'Condition', id: 'c1', subject: { reference: 'Patient/p1' }, code: { text: 'Asthma' } })}\n`,
    );
    const recs = records(await collect(readRecords([folder], { tempDir: tmp })));
    expect(recs).toHaveLength(1);
    expect(recs[0]?.demographics.sex).toBe('female');
    expect(recs[0]?.facts.map((f) => f.text)).toEqual(['Asthma']);
    expect(recs[0]?.warnings).toEqual([
      `Patient/p1: 2 Patient resources in one export (${join(folder, 'Patient.000.ndjson')} line 1, ${join(folder, 'Patient.001.ndjson')} line 1); read as one patient, demographics from the first`,
    ]);
  });
});
