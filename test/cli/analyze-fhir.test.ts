/**
 * `clinicalbert analyze --output-format fhir` as a user runs it: one FHIR R4 Bundle per sample
 * record, valid against the official R4 JSON schema, byte-identical across runs with --no-timing,
 * saying what the JSON Lines output says; abstaining and NO_EVIDENCE records represented; --report
 * still written; an unknown output format and --explain with fhir are usage errors (exit 2).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bundle, Provenance, RiskAssessment } from 'fhir/r4.js';
import { afterAll, describe, expect, it } from 'vitest';
import { FHIR_URIS, FIXED_RECORDED, sourceReference } from '../../src/pipeline/fhir-output.js';
import type { PredictionLine } from '../../src/pipeline/prediction.js';
import { cli, HAS_MODEL, jsonLines, MODEL_DIR, MODEL_NOTE } from '../support/cli.js';
import { predictionsOf } from '../support/fhir-output.js';
import { r4SchemaErrors } from '../support/fhir-r4-schema.js';
import { abstainOneMinusMax, variantPackage } from '../support/variant-package.js';

const tmp = mkdtempSync(join(tmpdir(), 'cb-analyze-fhir-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const model = ['--model', MODEL_DIR];
const SAMPLES = 'samples/records.ndjson';

const bundles = (stdout: string) => jsonLines(stdout) as unknown as Bundle[];
const risk = (b: Bundle) => b.entry?.[0]?.resource as RiskAssessment;
const provenanceOf = (b: Bundle | undefined) =>
  b?.entry?.find((e) => e.resource?.resourceType === 'Provenance')?.resource as Provenance | undefined;

function expectR4(list: Bundle[]) {
  for (const b of list) {
    expect(r4SchemaErrors(b).slice(0, 5)).toEqual([]);
    for (const e of b.entry ?? []) expect(r4SchemaErrors(e.resource).slice(0, 5)).toEqual([]);
  }
}

describe('analyze --output-format: usage', () => {
  it('an unknown value is a usage error listing the valid ones; --explain with fhir is refused by name', () => {
    const bad = cli(['analyze', SAMPLES, '--output-format', 'xml', ...model]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--output-format must be one of jsonl, fhir; got "xml"/);
    expect(bad.stdout).toBe('');
    const explain = cli(['analyze', SAMPLES, '--output-format', 'fhir', '--explain', 'fast', ...model]);
    expect(explain.status).toBe(2);
    expect(explain.stderr).toMatch(/--explain fast .*--output-format jsonl/);
    expect(cli(['analyze', '--help']).stdout).toMatch(/--output-format <format>[\s\S]*jsonl, fhir/);
  });
});

describe.skipIf(!HAS_MODEL)(`analyze --output-format fhir${MODEL_NOTE}`, () => {
  it('writes one valid R4 Bundle per sample record, byte-identical with --no-timing, with the JSON Lines predictions; --report still works', () => {
    const report = join(tmp, 'report.html');
    const a = cli(['analyze', SAMPLES, '--output-format', 'fhir', '--no-timing', '--report', report, ...model]);
    expect(a.status, a.stderr).toBe(0);
    const list = bundles(a.stdout);
    expect(list).toHaveLength(20);
    expectR4(list);
    expect(existsSync(report) && readFileSync(report, 'utf8')).toMatch(/<html/i);
    const b = cli(['analyze', SAMPLES, '--output-format', 'fhir', '--no-timing', ...model]);
    expect(b.stdout).toBe(a.stdout);

    // The default output is unchanged, and the Bundles say what its lines say.
    const lines = jsonLines(cli(['analyze', SAMPLES, '--no-timing', ...model]).stdout) as unknown as PredictionLine[];
    expect(list.map((x) => x.identifier?.value)).toEqual(lines.map((l) => l.id));
    list.forEach((bundle, i) => {
      const l = lines[i] as PredictionLine;
      const expected = Object.fromEntries(
        Object.entries(l.predictions).map(([head, labels]) => [
          head,
          labels.map((x) => ({ code: x.code ?? x.id, display: x.display, score: x.score })),
        ]),
      );
      expect(predictionsOf(bundle)).toEqual(expected);
      const r = risk(bundle);
      expect(r.subject?.reference).toBe(l.patient);
      expect(r.occurrenceDateTime).toBe(l.subject?.encounterDate);
      for (const a of l.inputs.attachments ?? []) expect(r.basis?.map((x) => x.reference)).toContain(sourceReference(a.resource));
      expect(provenanceOf(bundle)?.recorded).toBe(FIXED_RECORDED);
    });

    // With timing, Provenance.recorded is the run's time.
    const timed = bundles(cli(['analyze', SAMPLES, '--output-format', 'fhir', ...model]).stdout);
    const recorded = provenanceOf(timed[0])?.recorded ?? '';
    expect(Math.abs(Date.parse(recorded) - Date.now())).toBeLessThan(10 * 60 * 1000);
  });

  it('represents abstaining records: a "none of the labels fits" prediction and a note naming the reason', () => {
    // A threshold this low makes every record whose best diagnosis is below 0.9999 abstain.
    const pkg = variantPackage(MODEL_DIR, join(tmp, 'abstaining-pkg'), abstainOneMinusMax(0.0001));
    const r = cli(['analyze', SAMPLES, '--output-format', 'fhir', '--no-timing', '--quiet', '--model', pkg]);
    expect(r.status, r.stderr).toBe(0);
    const list = bundles(r.stdout);
    expectR4(list);
    const abstaining = list.filter((b) => risk(b).prediction?.some((p) => p.outcome?.coding?.[0]?.system === FHIR_URIS.abstention));
    expect(abstaining.length).toBeGreaterThan(0);
    for (const b of abstaining) {
      expect(risk(b).note?.map((n) => n.text)).toContainEqual(expect.stringMatching(/^abstained \(NO_LABEL_FITS\): diagnoses: /));
      // Only the abstention outcome: no diagnosis is reported (drugs may still be, for coded conditions).
      expect(risk(b).prediction).toHaveLength(1);
    }
  });

  it('represents records without evidence: a RiskAssessment with no prediction and a NO_EVIDENCE note', () => {
    const input = `${JSON.stringify({
      resourceType: 'Bundle',
      type: 'collection',
      entry: [{ resource: { resourceType: 'Patient', id: 'empty', gender: 'female', birthDate: '1960-01-01' } }],
    })}\n`;
    const r = cli(['analyze', '-', '--output-format', 'fhir', '--no-timing', '--quiet', ...model], { input });
    expect(r.status, r.stderr).toBe(0);
    const list = bundles(r.stdout);
    expect(list).toHaveLength(1);
    expectR4(list);
    const ra = risk(list[0] as Bundle);
    expect(ra.subject?.reference).toBe('Patient/empty');
    expect(ra.prediction).toBeUndefined();
    expect(ra.note?.[0]?.text).toMatch(/^abstained \(NO_EVIDENCE\): diagnoses, drugs, severity, specialty: /);
    expect(list[0]?.entry?.map((e) => e.resource?.resourceType)).toEqual(['RiskAssessment', 'Provenance', 'Device']);
  });
});
