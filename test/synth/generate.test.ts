import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import sharp from 'sharp';
import wavefile from 'wavefile';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KnowledgeGraphFile } from '../../src/kg/types.js';
import { SYSTEMS } from '../../src/kg/types.js';
import { generate, type PatientLabel } from '../../src/synth/generate.js';
import { GeneratorGraphView } from '../../src/synth/graph-view.js';
import { samplePatient } from '../../src/synth/sample.js';
import { defaultModelDir } from '../../src/util/version.js';
import { fhirSchemaErrors } from '../support/fhir-schema.js';
import { must } from '../support/must.js';

const kg = JSON.parse(readFileSync(join(defaultModelDir(), 'kg.json'), 'utf8')) as KnowledgeGraphFile;
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cb-synth-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const readLines = (path: string) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('synth ndjson', () => {
  it('is byte-identical for the same seed and differs for another seed', async () => {
    const a = join(dir, 'a.ndjson');
    const b = join(dir, 'b.ndjson');
    const c = join(dir, 'c.ndjson');
    await generate(kg, { seed: 7, patients: 25, format: 'ndjson', out: a, labels: join(dir, 'a.labels.jsonl') });
    await generate(kg, { seed: 7, patients: 25, format: 'ndjson', out: b, labels: join(dir, 'b.labels.jsonl') });
    await generate(kg, { seed: 8, patients: 25, format: 'ndjson', out: c, labels: join(dir, 'c.labels.jsonl') });
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
    expect(readFileSync(join(dir, 'a.labels.jsonl')).equals(readFileSync(join(dir, 'b.labels.jsonl')))).toBe(true);
    expect(readFileSync(a).equals(readFileSync(c))).toBe(false);
  });

  it('a patient does not depend on how many are generated', async () => {
    const small = join(dir, 'small.ndjson');
    await generate(kg, { seed: 7, patients: 5, format: 'ndjson', out: small, labels: join(dir, 'small.labels.jsonl') });
    const first5 = readFileSync(join(dir, 'a.ndjson'), 'utf8').split('\n').slice(0, 5).join('\n');
    expect(readFileSync(small, 'utf8').trimEnd()).toBe(first5);
  });

  it('writes valid FHIR R4 Bundles whose references resolve, with labels kept out', async () => {
    const bundles = readLines(join(dir, 'a.ndjson'));
    const labels = readLines(join(dir, 'a.labels.jsonl')) as unknown as PatientLabel[];
    expect(bundles).toHaveLength(25);
    expect(labels).toHaveLength(25);
    for (const [i, bundle] of bundles.entries()) {
      expect(fhirSchemaErrors(bundle), `bundle ${i}`).toEqual([]);
      const entries = bundle.entry as { fullUrl: string; resource: Record<string, unknown> }[];
      const urls = new Set(entries.map((e) => e.fullUrl));
      const refs = JSON.stringify(bundle).match(/"reference":"[^"]+"/g) ?? [];
      for (const ref of refs) expect(urls.has(ref.slice(13, -1)), ref).toBe(true);
      const patient = entries.find((e) => e.resource.resourceType === 'Patient');
      expect(patient?.resource.id).toBe(labels[i]?.patientId);
      // The presenting diagnosis is the label: it must not be coded anywhere in the record.
      const label = labels[i] as PatientLabel;
      expect(label.openSet).toBeNull();
      const condition = label.condition as NonNullable<PatientLabel['condition']>;
      const chronicIds = new Set(label.chronic.map((c) => c.id));
      if (!chronicIds.has(condition.id)) {
        const conditionCodes = entries
          .filter((e) => e.resource.resourceType === 'Condition')
          .flatMap((e) => ((e.resource.code as { coding: { code: string }[] }).coding ?? []).map((c) => c.code));
        expect(conditionCodes).not.toContain(condition.icd10);
      }
      const doc = must(
        entries.find((e) => e.resource.resourceType === 'DocumentReference'),
        'a DocumentReference entry',
      );
      const attachment = must((doc.resource.content as { attachment: { data: string } }[])[0], 'the note content').attachment;
      const note = Buffer.from(attachment.data, 'base64').toString('utf8');
      expect(note.length).toBeGreaterThan(80);
      expect(note).not.toContain(condition.icd10 ?? '@@');
    }
  }, 120_000);

  it('attaches decodable PNG chest images and 16 kHz WAV audio', async () => {
    const bundles = readLines(join(dir, 'a.ndjson'));
    let images = 0;
    let audios = 0;
    for (const bundle of bundles) {
      for (const { resource } of bundle.entry as { resource: Record<string, unknown> }[]) {
        const contents =
          resource.resourceType === 'Media'
            ? [resource.content as { contentType: string; data: string }]
            : resource.resourceType === 'DocumentReference'
              ? (resource.content as { attachment: { contentType: string; data: string } }[]).map((c) => c.attachment)
              : [];
        for (const att of contents) {
          const bytes = Buffer.from(att.data, 'base64');
          if (att.contentType === 'image/png') {
            const { info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
            expect(info.width).toBe(128);
            expect(info.height).toBe(128);
            images++;
          } else if (att.contentType === 'audio/wav') {
            const wav = new wavefile.WaveFile(bytes);
            const fmt = wav.fmt as { sampleRate: number; numChannels: number; bitsPerSample: number };
            expect(fmt.sampleRate).toBe(16000);
            expect(fmt.numChannels).toBe(1);
            expect(fmt.bitsPerSample).toBe(16);
            audios++;
          }
        }
      }
    }
    expect(images).toBeGreaterThan(0);
    expect(audios).toBeGreaterThan(0);
  });
});

describe('synth bulk', () => {
  it('writes one NDJSON file per resource type, linked to Patients by reference', async () => {
    const out = join(dir, 'bulk');
    const summary = await generate(kg, { seed: 3, patients: 15, format: 'bulk', out, labels: join(dir, 'bulk.labels.jsonl') });
    const files = readdirSync(out).sort();
    expect(files).toContain('Patient.000.ndjson');
    expect(files).toContain('DocumentReference.000.ndjson');
    expect(files).toContain('Observation.000.ndjson');
    expect(summary.files.length).toBe(files.length);
    const patients = new Set(readLines(join(out, 'Patient.000.ndjson')).map((p) => `Patient/${p.id as string}`));
    expect(patients.size).toBe(15);
    for (const file of files) {
      for (const resource of readLines(join(out, file))) {
        expect(`${file}: ${JSON.stringify(fhirSchemaErrors(resource))}`).toBe(`${file}: []`);
        expect(file.startsWith(`${resource.resourceType as string}.`)).toBe(true);
        if (resource.resourceType === 'Patient') continue;
        const owner = (resource.subject ?? resource.patient) as { reference: string };
        expect(patients.has(owner.reference), `${file} ${owner.reference}`).toBe(true);
      }
    }
  }, 120_000);
});

describe('synth csv', () => {
  it('writes the documented columns with attachment files beside the CSV', async () => {
    const out = join(dir, 'records.csv');
    await generate(kg, { seed: 5, patients: 20, format: 'csv', out, labels: join(dir, 'records.labels.jsonl') });
    const rows = parse(readFileSync(out), { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(20);
    expect(Object.keys(rows[0] as object)).toEqual([
      'id',
      'patient_id',
      'sex',
      'birth_date',
      'visit_time',
      'note_text',
      'image_file',
      'audio_file',
      'condition_codes',
      'medication_codes',
      'allergy_codes',
      'observations',
    ]);
    let attachments = 0;
    for (const row of rows) {
      expect(row.note_text?.length).toBeGreaterThan(50);
      for (const key of ['image_file', 'audio_file'] as const) {
        if (!row[key]) continue;
        expect(row[key]).toMatch(/^records_files\//);
        expect(existsSync(join(dir, row[key] as string))).toBe(true);
        attachments++;
      }
      for (const pair of (row.observations ?? '').split(';').filter(Boolean)) expect(pair).toMatch(/^\d+-\d=\d+(\.\d+)?$/);
    }
    expect(attachments).toBeGreaterThan(0);
  });
});

describe('sampling follows the graph', () => {
  const view = new GeneratorGraphView(kg);
  const N = 4000;
  const patients = Array.from({ length: N }, (_, i) => samplePatient(view, 11, i));

  it('draws conditions by prior', () => {
    const counts = new Map<string, number>();
    for (const p of patients) counts.set(p.condition.id, (counts.get(p.condition.id) ?? 0) + 1);
    const top = must(view.acute.slice().sort((a, b) => (b.prior ?? 0) - (a.prior ?? 0))[0], 'the likeliest acute condition');
    const expected = top.prior ?? 0;
    expect(Math.abs((counts.get(top.id) ?? 0) / N - expected)).toBeLessThan(0.03);
  });

  it('draws evidences with their probabilities given the condition', () => {
    const byCondition = new Map<string, typeof patients>();
    for (const p of patients) byCondition.set(p.condition.id, [...(byCondition.get(p.condition.id) ?? []), p]);
    const [conditionId, group] = must([...byCondition.entries()].sort((a, b) => b[1].length - a[1].length)[0], 'the commonest condition');
    expect(group.length).toBeGreaterThan(150);
    for (const { entity, p } of view.evidencesFor(conditionId)) {
      const freq = group.filter((g) => g.present.some((e) => e.id === entity.id)).length / group.length;
      // The "at least one symptom" rule can only raise a frequency.
      expect(freq, `${entity.id} for ${conditionId}`).toBeGreaterThan(p - 0.12);
      expect(freq, `${entity.id} for ${conditionId}`).toBeLessThan(p + 0.2);
    }
  });

  it('puts images and audio in at least a third of the records, and not in all', () => {
    const withImage = patients.filter((p) => p.image).length / N;
    const withAudio = patients.filter((p) => p.audio).length / N;
    expect(withImage).toBeGreaterThan(1 / 3);
    expect(withAudio).toBeGreaterThan(1 / 3);
    expect(withImage).toBeLessThan(0.9);
    expect(withAudio).toBeLessThan(0.9);
  });

  it('recommends drugs that the graph says treat the patient’s conditions', () => {
    const treats = new Set(kg.edges.filter((e) => e.type === 'treats' || e.type === 'palliates').map((e) => `${e.source}>${e.target}`));
    for (const p of patients.slice(0, 500)) {
      for (const d of p.recommended) {
        expect([p.condition, ...p.chronic].some((c) => treats.has(`${d.id}>${c.id}`))).toBe(true);
      }
      for (const m of p.medications) expect(m.drug.codes.length).toBeGreaterThan(0);
    }
    expect(patients.some((p) => p.recommended.some((d) => d.codes.some((c) => c.system === SYSTEMS.rxnorm)))).toBe(true);
  });
});
