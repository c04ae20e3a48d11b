/**
 * The project's own sample inputs (samples/, made by `clinicalbert synth`) in all three formats.
 * When samples/ has not been generated yet, the same commands write them to a temporary folder.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRecords } from '../../src/records/read.js';
import type { ClinicalRecord, RecordItem } from '../../src/records/types.js';
import type { PatientLabel } from '../../src/synth/generate.js';
import { collect, REPO_ROOT, tempFolder } from '../io/corpus.js';
import { parseBundle, type FhirAttachment, type FhirBundle } from '../support/fhir-json.js';
import { must } from '../support/must.js';
const records = (items: RecordItem[]): ClinicalRecord[] => items.flatMap((i) => (i.kind === 'record' ? [i.record] : []));

const SAMPLES = join(REPO_ROOT, 'samples');
const KG = join(REPO_ROOT, 'models', 'clinicalbert-mini', 'kg.json');
const inRepo = existsSync(join(SAMPLES, 'records.ndjson')) && existsSync(join(SAMPLES, 'bulk')) && existsSync(join(SAMPLES, 'records.csv'));
const canGenerate = inRepo || existsSync(KG);
const NOTE = canGenerate ? '' : ' [SKIPPED: no samples/ and no models/clinicalbert-mini/kg.json to generate them]';

describe.skipIf(!canGenerate)(`samples in all three formats${NOTE}`, () => {
  let dir = SAMPLES;
  let remove = () => {};
  beforeAll(() => {
    if (inRepo) return;
    ({ dir, remove } = tempFolder('cb-samples-'));
    for (const [seed, format, out] of [
      ['7', 'ndjson', 'records.ndjson'],
      ['8', 'bulk', 'bulk'],
      ['9', 'csv', 'records.csv'],
    ] as const) {
      const run = spawnSync(
        process.execPath,
        ['bin/clinicalbert.js', 'synth', '--seed', seed, '--patients', '20', '--format', format, '--out', join(dir, out), '-q'],
        {
          cwd: REPO_ROOT,
          encoding: 'utf8',
          timeout: 120_000,
        },
      );
      expect(run.status, run.stderr).toBe(0);
    }
  });
  afterAll(() => remove());

  const labels = (name: string): PatientLabel[] =>
    readFileSync(join(dir, name), 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as PatientLabel);

  it('NDJSON Bundles: one record per patient, every attachment read, no warnings', async () => {
    const stream = readRecords([join(dir, 'records.ndjson')]);
    const recs = records(await collect(stream));
    // (not records.labels.jsonl: synth's default labels path is shared with records.csv)
    const bundles = readFileSync(join(dir, 'records.ndjson'), 'utf8').trim().split('\n').map(parseBundle);
    const patientOf = (b: FhirBundle) => b.entry.find((e) => e.resource.resourceType === 'Patient')?.resource.id as string;
    expect(recs.map((r) => r.id)).toEqual(bundles.map(patientOf));
    for (const [i, r] of recs.entries()) {
      const resources = must(bundles[i], `bundle ${i}`).entry.map((e) => e.resource);
      const mediaResources = resources.filter(
        (x) =>
          x.resourceType === 'Media' ||
          (x.resourceType === 'DocumentReference' &&
            !String(must((x.content as { attachment: FhirAttachment }[])[0], 'the first content').attachment.contentType).startsWith(
              'text/',
            )),
      );
      expect(r.media).toHaveLength(mediaResources.length);
      expect(r.notes).toHaveLength(1);
      expect(r.warnings).toEqual([]);
      expect(r.demographics.ageYears).toBeGreaterThanOrEqual(0);
    }
    expect(stream.stats).toMatchObject({ failures: 0, itemsRead: bundles.length, itemsUsed: bundles.length });
  });

  it('Bulk Data folder: the same shape of records, joined across files', async () => {
    const stream = readRecords([join(dir, 'bulk')], { unit: 'encounter' });
    const recs = records(await collect(stream));
    const truth = labels('bulk.labels.jsonl');
    expect(recs.map((r) => `${r.patient}|${r.encounter ?? ''}`).sort()).toEqual(
      truth.map((l) => `Patient/${l.patientId}|Encounter/${l.encounterId}`).sort(),
    );
    const mediaLines = readFileSync(join(dir, 'bulk', 'Media.000.ndjson'), 'utf8')
      .trim()
      .split('\n').length;
    const imageDocs = readdirSync(join(dir, 'bulk')).includes('DocumentReference.000.ndjson')
      ? readFileSync(join(dir, 'bulk', 'DocumentReference.000.ndjson'), 'utf8')
          .trim()
          .split('\n')
          .filter((l) => !l.includes('"text/plain')).length
      : 0;
    expect(recs.reduce((n, r) => n + r.media.length, 0)).toBe(mediaLines + imageDocs);
    expect(recs.every((r) => r.notes.length === 1 && r.warnings.length === 0 && r.facts.length > 0)).toBe(true);
    expect(stream.stats.failures).toBe(0);
    expect(stream.stats.balanced).toBe(true);
  });

  it('CSV: one record per row with its attachment files', async () => {
    const stream = readRecords([join(dir, 'records.csv')]);
    const recs = records(await collect(stream));
    const rows = parse(readFileSync(join(dir, 'records.csv')), { columns: true }) as Record<string, string>[];
    expect(recs.map((r) => r.id)).toEqual(rows.map((row) => row.id));
    for (const [i, r] of recs.entries()) {
      const row = rows[i] as Record<string, string>;
      expect(r.patient).toBe(`Patient/${row.patient_id as string}`);
      expect(r.media.map((m) => m.url)).toEqual([row.image_file, row.audio_file].filter((f) => f));
      expect(r.notes[0]?.text).toBe(row.note_text?.trim());
      expect(r.warnings).toEqual([]);
    }
    expect(stream.stats).toMatchObject({ failures: 0, itemsRead: rows.length });
  });
});
