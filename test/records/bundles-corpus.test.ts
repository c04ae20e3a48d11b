import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRecords } from '../../src/records/read.js';
import type { ClinicalRecord, RecordItem } from '../../src/records/types.js';
import { collect, CORPUS, CORPUS_NOTE, HAS_CORPUS, HL7, NOTES_BUNDLES, SYNTHEA_2019, tempFolder } from '../io/corpus.js';
import { parseBundle, parseResource, type FhirAttachment, type FhirBundle, type FhirReference } from '../support/fhir-json.js';
import { must } from '../support/must.js';

const jsonFiles = (dir: string) =>
  HAS_CORPUS
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .sort()
        .map((f) => join(dir, f))
    : [];
const records = (items: RecordItem[]): ClinicalRecord[] => items.flatMap((i) => (i.kind === 'record' ? [i.record] : []));

/** Note texts computed independently of the reader: base64 text/plain attachments, decoded. */
function expectedNoteTexts(bundle: FhirBundle): Set<string> {
  const texts = new Set<string>();
  for (const e of bundle.entry) {
    const r = e.resource;
    const attachments: FhirAttachment[] =
      r.resourceType === 'DocumentReference'
        ? ((r.content as { attachment: FhirAttachment }[] | undefined) ?? []).map((c) => c.attachment)
        : r.resourceType === 'DiagnosticReport'
          ? ((r.presentedForm as FhirAttachment[] | undefined) ?? [])
          : [];
    for (const a of attachments) {
      if (typeof a.data === 'string' && String(a.contentType).startsWith('text/plain')) {
        const text = Buffer.from(a.data, 'base64').toString('utf8').trim();
        if (text) texts.add(text);
      }
    }
    if (r.resourceType === 'DiagnosticReport' && typeof r.conclusion === 'string') texts.add(r.conclusion.trim());
  }
  return texts;
}

describe.skipIf(!HAS_CORPUS)(`Synthea bundles with notes${CORPUS_NOTE}`, () => {
  it('gives one record per file with every note decoded and the right patient data', async () => {
    const files = jsonFiles(NOTES_BUNDLES);
    expect(files.length).toBe(10);
    for (const file of files) {
      const bundle = parseBundle(readFileSync(file, 'utf8'));
      const stream = readRecords([file]);
      const items = await collect(stream);
      expect(
        items.map((i) => i.kind),
        file,
      ).toEqual(['record']);
      const record = records(items)[0] as ClinicalRecord;
      const patientIndex = bundle.entry.findIndex((e) => e.resource.resourceType === 'Patient');
      const patient = must(bundle.entry[patientIndex], `the Patient entry of ${file}`).resource;
      expect(record.id).toBe(patient.id);
      expect(record.patient).toBe(`Patient/${patient.id as string}`);
      expect(record.source).toEqual({ file, entry: patientIndex });
      expect(record.demographics.sex).toBe(patient.gender);
      expect(record.demographics.birthDate).toBe(patient.birthDate);
      expect(record.demographics.ageYears).toBeGreaterThanOrEqual(0);

      const expected = expectedNoteTexts(bundle);
      expect(expected.size, file).toBeGreaterThan(10);
      expect(new Set(record.notes.map((n) => n.text)), file).toEqual(expected);
      expect(record.notes.every((n) => n.contentType === 'text/plain' && /^(DocumentReference|DiagnosticReport)\//.test(n.resource))).toBe(
        true,
      );

      const count = (type: string) => bundle.entry.filter((e) => e.resource.resourceType === type).length;
      const facts = (kind: string) => record.facts.filter((f) => f.kind === kind).length;
      expect(facts('condition')).toBe(count('Condition'));
      expect(facts('allergy')).toBe(count('AllergyIntolerance'));
      expect(facts('procedure')).toBe(count('Procedure'));
      expect(facts('medication')).toBe(count('MedicationRequest'));
      expect(record.facts.every((f) => f.codings.length > 0 || f.text)).toBe(true);
      expect(stream.stats).toMatchObject({ itemsRead: 1, itemsUsed: 1, recordsYielded: 1, failures: 0 });
    }
  });

  it('splits blood pressure panels into their components', async () => {
    const file = jsonFiles(NOTES_BUNDLES)[0] as string;
    const [record] = records(await collect(readRecords([file])));
    const systolic = record?.facts.filter((f) => f.codings.some((c) => c.code === '8480-6')) ?? [];
    const diastolic = record?.facts.filter((f) => f.codings.some((c) => c.code === '8462-4')) ?? [];
    expect(systolic.length).toBeGreaterThan(0);
    expect(systolic.length).toBe(diastolic.length);
    expect(systolic.every((f) => typeof f.value === 'number' && f.unit === 'mm[Hg]')).toBe(true);
    expect(record?.facts.some((f) => f.codings.some((c) => c.code === '85354-9'))).toBe(false);
  });

  it('with --unit encounter gives one record per Encounter and puts facts in their encounter', async () => {
    const file = jsonFiles(NOTES_BUNDLES).find((f) => basename(f).startsWith('Beatris')) as string;
    const bundle = parseBundle(readFileSync(file, 'utf8'));
    const encounters = bundle.entry.filter((e) => e.resource.resourceType === 'Encounter');
    const recs = records(await collect(readRecords([file], { unit: 'encounter' })));
    expect(recs.map((r) => r.encounter).sort()).toEqual(encounters.map((e) => `Encounter/${e.resource.id as string}`).sort());
    const byEncounter = new Map(recs.map((r) => [r.encounter, r]));
    for (const e of bundle.entry) {
      const r = e.resource;
      const encounter = r.encounter as FhirReference | undefined;
      if (r.resourceType !== 'Condition' || !encounter) continue;
      const target = byEncounter.get(`Encounter/${(encounter.reference as string).replace('urn:uuid:', '')}`);
      expect(target?.facts.some((f) => f.resource === `Condition/${r.id as string}`)).toBe(true);
    }
    expect(recs.every((r) => r.patient === recs[0]?.patient && r.time !== undefined)).toBe(true);
    const notes = recs.reduce((n, r) => n + r.notes.length, 0);
    expect(notes).toBe(expectedNoteTexts(bundle).size);
  });
});

describe.skipIf(!HAS_CORPUS)(`Synthea 2019 bundles${CORPUS_NOTE}`, () => {
  it('gives one record per file with coded facts', async () => {
    const files = jsonFiles(SYNTHEA_2019);
    const stream = readRecords(files);
    const recs = records(await collect(stream));
    expect(recs).toHaveLength(files.length);
    for (const r of recs) {
      expect(r.facts.filter((f) => f.kind === 'observation').length).toBeGreaterThan(0);
      expect(r.demographics.sex).toMatch(/^(female|male)$/);
    }
    expect(stream.stats).toMatchObject({ itemsRead: files.length, itemsUsed: files.length, failures: 0 });
  });
});

describe.skipIf(!HAS_CORPUS)(`HL7 R4 official examples${CORPUS_NOTE}`, () => {
  const byFile = new Map<string, RecordItem[]>();
  beforeAll(async () => {
    for (const file of jsonFiles(HL7)) byFile.set(basename(file), await collect(readRecords([file])));
  });
  const warningsOf = (name: string) => records(byFile.get(name) ?? []).flatMap((r) => r.warnings);

  it('reads every file; those about no patient fail with a reason', () => {
    expect(byFile.size).toBe(28);
    const failed = [...byFile].filter(([, items]) => items.some((i) => i.kind === 'failure')).map(([name]) => name);
    expect(failed.sort()).toEqual(['binary-example.json', 'binary-f006.json', 'diagnosticreport-example-gingival-mass.json']);
    for (const name of failed) {
      expect(byFile.get(name)).toEqual([
        expect.objectContaining({ kind: 'failure', code: 'NO_PATIENT', reason: expect.stringContaining('without a Patient') }),
      ]);
    }
    for (const [name, items] of byFile) if (!failed.includes(name)) expect(records(items).length, name).toBeGreaterThan(0);
  });

  it('uses the one referenced patient when a file has no Patient, with a warning', () => {
    const [record] = records(byFile.get('condition-example.json') ?? []);
    expect(record).toMatchObject({ id: 'example', patient: 'Patient/example', demographics: {} });
    expect(record?.warnings[0]).toContain('no Patient resource');
    expect(record?.facts[0]).toMatchObject({
      kind: 'condition',
      status: 'active',
      codings: [expect.objectContaining({ system: 'http://snomed.info/sct', code: '39065001' })],
    });
  });

  it('reports unsupported, remote and mislabelled attachments as warnings', () => {
    expect(warningsOf('communication-example-fm-attachment.json')).toEqual(
      expect.arrayContaining([
        'Communication/fm-attachment payload[0]: application/pdf not supported, attachment ignored',
        'Communication/fm-attachment payload[1]: application/pdf not supported, attachment ignored',
      ]),
    );
    expect(warningsOf('media-example-sound.json')).toContain('Media/sound content: audio/mpeg not supported, audio ignored');
    expect(warningsOf('media-example.json')).toContain('Media/example content: image/gif not supported, image ignored');
    expect(warningsOf('media-example-xray.json')).toContain('Media/xray content: attachment by URL not fetched; pass --allow-network');
    const [xray] = records(byFile.get('media-example-xray.json') ?? []);
    expect(xray?.media).toEqual([
      expect.objectContaining({ modality: 'image', contentType: 'image/jpeg', bodySite: '85151006', url: expect.stringMatching(/^http/) }),
    ]);
  });

  it('resolves a contained Medication and reads Composition sections as notes', () => {
    const [rx] = records(byFile.get('medicationrequest0301.json') ?? []);
    expect(rx?.facts).toEqual([expect.objectContaining({ kind: 'medication', codings: [expect.objectContaining({ code: '430127000' })] })]);
    const [doc] = records(byFile.get('document-example-dischargesummary.json') ?? []);
    expect(doc?.notes.length).toBeGreaterThan(0);
    expect(doc?.notes.every((n) => n.resource.startsWith('Composition/') && !n.text.includes('<'))).toBe(true);
  });

  it('gives media from Binary resources, referenced or loose, in a Bundle built around the examples', async () => {
    const { dir, remove } = tempFolder();
    try {
      const jpeg = parseResource(readFileSync(join(HL7, 'binary-f006.json'), 'utf8'));
      const pdf = parseResource(readFileSync(join(HL7, 'binary-example.json'), 'utf8'));
      const bundle = {
        resourceType: 'Bundle',
        type: 'collection',
        entry: [
          {
            fullUrl: 'urn:uuid:11111111-1111-4111-8111-111111111111',
            resource: { resourceType: 'Patient', id: 'p1', gender: 'female', birthDate: '1970-01-01' },
          },
          {
            resource: {
              resourceType: 'DocumentReference',
              id: 'd1',
              subject: { reference: 'urn:uuid:11111111-1111-4111-8111-111111111111' },
              date: '2020-01-01',
              content: [{ attachment: { url: 'Binary/f006' } }, { attachment: { url: 'Binary/example' } }],
            },
          },
          { resource: jpeg },
          { resource: pdf },
          // referenced by nothing: in a one-patient Bundle it is that patient's
          { resource: { ...jpeg, id: 'loose' } },
        ],
      };
      writeFileSync(join(dir, 'b.json'), JSON.stringify(bundle, null, 2));
      const [record] = records(await collect(readRecords([join(dir, 'b.json')])));
      expect(record?.media.map((m) => m.resource)).toEqual(['DocumentReference/d1', 'Binary/loose']); // dated first
      expect(record?.media.every((m) => m.modality === 'image' && m.contentType === 'image/jpeg')).toBe(true);
      expect(Buffer.from(record?.media[0]?.data ?? []).equals(Buffer.from(jpeg.data as string, 'base64'))).toBe(true);
      expect(record?.warnings).toEqual(['DocumentReference/d1 content[1]: application/pdf not supported, attachment ignored']);
      expect(record?.demographics.ageYears).toBe(50);
    } finally {
      remove();
    }
  });
});

describe.skipIf(!HAS_CORPUS)(`images and audio wrapped as attachments${CORPUS_NOTE}`, () => {
  const dicoms = HAS_CORPUS
    ? readdirSync(join(CORPUS, 'images', 'dicom'))
        .filter((f) => f.endsWith('.dcm'))
        .sort()
    : [];
  const png = join(CORPUS, 'images', 'chest-xray-nih-cxr14', '00000001_000.png');
  const wav = join(CORPUS, 'audio', 'heart-sounds-physionet2016', 'normal.wav');
  let dir = '';
  let remove = () => {};
  beforeAll(() => {
    ({ dir, remove } = tempFolder());
    for (const f of dicoms) copyFileSync(join(CORPUS, 'images', 'dicom', f), join(dir, f));
    copyFileSync(png, join(dir, 'cxr.png'));
    copyFileSync(wav, join(dir, 'heart.wav'));
  });
  afterAll(() => remove());

  function bundleOf(files: { name: string; type: string }[], inline: boolean): FhirBundle {
    return {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        { resource: { resourceType: 'Patient', id: 'm1' } },
        ...files.map((f, i) => ({
          resource: {
            resourceType: 'Media',
            id: `media-${i}`,
            subject: { reference: 'Patient/m1' },
            content: inline
              ? { contentType: f.type, data: readFileSync(join(dir, f.name)).toString('base64') }
              : { contentType: f.type, url: f.name },
          },
        })),
      ],
    };
  }

  it('reads DICOM, PNG and WAV inline and by relative file reference, bytes intact', async () => {
    expect(dicoms.length).toBeGreaterThan(10);
    const files = [
      ...dicoms.map((name) => ({ name, type: 'application/dicom' })),
      { name: 'cxr.png', type: 'image/png' },
      { name: 'heart.wav', type: 'audio/wav' },
    ];
    for (const inline of [true, false]) {
      const path = join(dir, inline ? 'inline.json' : 'byref.json');
      writeFileSync(path, JSON.stringify(bundleOf(files, inline)));
      const [record] = records(await collect(readRecords([path])));
      expect(record?.warnings).toEqual([]);
      expect(record?.media).toHaveLength(files.length);
      for (const [i, f] of files.entries()) {
        const media = record?.media.find((m) => m.resource === `Media/media-${i}`);
        expect(media, f.name).toMatchObject({ contentType: f.type, modality: f.type.startsWith('audio') ? 'audio' : 'image' });
        expect(Buffer.from(media?.data ?? []).equals(readFileSync(join(dir, f.name))), f.name).toBe(true);
        expect(media?.url).toBe(inline ? undefined : f.name);
      }
    }
  });

  it('drops a truncated inline image with a warning and keeps the rest of the record', async () => {
    const bundle = bundleOf(
      [
        { name: 'cxr.png', type: 'image/png' },
        { name: 'heart.wav', type: 'audio/wav' },
      ],
      true,
    );
    const content = must(bundle.entry[1], 'the first Media entry').resource.content as FhirAttachment;
    content.data = must(content.data, 'the inline image data').slice(0, -5);
    const path = join(dir, 'truncated.json');
    writeFileSync(path, JSON.stringify(bundle));
    const [record] = records(await collect(readRecords([path])));
    expect(record?.media.map((m) => m.contentType)).toEqual(['audio/wav']);
    expect(record?.warnings).toEqual([
      expect.stringMatching(
        /^Media\/media-0 content: invalid base64: length \d+ is not a multiple of 4 \(truncated\?\); attachment ignored$/,
      ),
    ]);
  });
});
