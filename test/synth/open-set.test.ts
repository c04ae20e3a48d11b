import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KnowledgeGraph } from '../../src/kg/graph.js';
import { EntityLinker } from '../../src/kg/link.js';
import { generate, LABELS_FORMAT_VERSION, type PatientLabel } from '../../src/synth/generate.js';
import { GeneratorGraphView } from '../../src/synth/graph-view.js';
import { renderNote } from '../../src/synth/note.js';
import { drawOpenSetKind, drawPatient, parseOpenSetFraction, sampleOpenSetPatient } from '../../src/synth/open-set.js';
import { OUTSIDE_PROBLEMS } from '../../src/synth/outside-conditions.js';
import { INCIDENTAL_AUDIO_RATE, INCIDENTAL_IMAGE_RATE } from '../../src/synth/presentation.js';
import { abnormalLoinc, firstLineDrug, samplePatient } from '../../src/synth/sample.js';
import { UsageError } from '../../src/util/errors.js';
import { Random } from '../../src/util/random.js';
import { fhirSchemaErrors } from '../support/fhir-schema.js';
import { must } from '../support/must.js';

const graph = await KnowledgeGraph.loadDefault();
const linker = new EntityLinker(graph);
const view = new GeneratorGraphView(graph.file);
const acuteIds = new Set(view.acute.map((c) => c.id));
/** Mentions of one of the 49 acute conditions (the diagnosis labels) in a text, negated or not. */
const acuteMentions = (text: string) => linker.link(text).filter((m) => m.type === 'condition' && acuteIds.has(m.entityId));

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cb-open-set-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lines = (path: string) => readFileSync(path, 'utf8').split('\n').filter(Boolean);

describe('--open-set <fraction>', () => {
  it('accepts fractions from 0 to 1', () => {
    expect(parseOpenSetFraction('--open-set', '0')).toBe(0);
    expect(parseOpenSetFraction('--open-set', '0.25')).toBe(0.25);
    expect(parseOpenSetFraction('--open-set', '.5')).toBe(0.5);
    expect(parseOpenSetFraction('--open-set', '1')).toBe(1);
  });

  it('rejects anything else, quoting the value and saying what is valid', () => {
    for (const bad of ['1.5', '-0.1', 'abc', '', '20%', '0x1', '1e-1']) {
      const call = () => parseOpenSetFraction('--open-set', bad);
      expect(call, bad).toThrow(UsageError);
      expect(call, bad).toThrow(`--open-set must be a fraction from 0 to 1 (e.g. 0, 0.2, 1), got ${JSON.stringify(bad)}`);
    }
  });

  it('is checked by generate() too', async () => {
    await expect(
      generate(graph.file, {
        seed: 1,
        patients: 1,
        format: 'ndjson',
        out: join(dir, 'x.ndjson'),
        labels: join(dir, 'x.labels.jsonl'),
        openSet: 2,
      }),
    ).rejects.toThrow('the open-set fraction must be from 0 to 1, got "2"');
  });
});

describe('which patients are open-set', () => {
  const N = 4000;

  it('none at fraction 0, about the fraction otherwise, about half of each kind', () => {
    for (let i = 0; i < 200; i++) expect(drawOpenSetKind(3, i, 0)).toBeNull();
    for (const f of [0.1, 0.5]) {
      const kinds = Array.from({ length: N }, (_, i) => drawOpenSetKind(3, i, f)).filter((k) => k !== null);
      expect(Math.abs(kinds.length / N - f), `fraction ${f}`).toBeLessThan(0.03);
      const noAcute = kinds.filter((k) => k === 'no-acute').length / kinds.length;
      expect(noAcute).toBeGreaterThan(0.4);
      expect(noAcute).toBeLessThan(0.6);
    }
    expect(Array.from({ length: 200 }, (_, i) => drawOpenSetKind(3, i, 1)).every((k) => k !== null)).toBe(true);
  });

  it('a patient open-set at one fraction stays so, of the same kind, at a larger one', () => {
    for (let i = 0; i < N; i++) {
      const small = drawOpenSetKind(9, i, 0.2);
      if (small) expect(drawOpenSetKind(9, i, 0.6)).toBe(small);
    }
  });

  it('patients that are not open-set are drawn exactly as samplePatient draws them', () => {
    for (let i = 0; i < 300; i++) {
      const p = drawPatient(view, 4, i, 0.5);
      if (!p.openSet) expect(p).toEqual(samplePatient(view, 4, i));
      else expect(p.condition).toBeNull();
    }
  });
});

describe('generated output with open-set patients', () => {
  const run = (name: string, openSet: number, format: 'ndjson' | 'bulk' | 'csv' = 'ndjson') => {
    const out = join(dir, name);
    return generate(graph.file, { seed: 7, patients: 40, format, out, labels: `${out}.labels.jsonl`, openSet }).then((summary) => ({
      out,
      summary,
    }));
  };

  it('is byte-identical for the same seed and fraction', async () => {
    const a = await run('a.ndjson', 0.4);
    const b = await run('b.ndjson', 0.4);
    expect(readFileSync(a.out).equals(readFileSync(b.out))).toBe(true);
    expect(readFileSync(`${a.out}.labels.jsonl`).equals(readFileSync(`${b.out}.labels.jsonl`))).toBe(true);
    expect(a.summary.openSet).toBeGreaterThan(5);
    expect(a.summary.openSet).toBeLessThan(30);
  });

  it('leaves every patient that is not open-set identical to the fraction-0 output', async () => {
    const zero = await run('zero.ndjson', 0);
    expect(zero.summary.openSet).toBe(0);
    const open = join(dir, 'a.ndjson');
    const r0 = lines(zero.out);
    const l0 = lines(`${zero.out}.labels.jsonl`);
    const r1 = lines(open);
    const l1 = lines(`${open}.labels.jsonl`);
    let same = 0;
    let changed = 0;
    for (let i = 0; i < 40; i++) {
      const label = JSON.parse(l1[i] as string) as PatientLabel;
      if (label.openSet === null) {
        expect(r1[i], `record ${i}`).toBe(r0[i]);
        expect(l1[i], `label ${i}`).toBe(l0[i]);
        same++;
      } else {
        expect(r1[i]).not.toBe(r0[i]);
        changed++;
      }
    }
    expect(same).toBeGreaterThan(5);
    expect(changed).toBeGreaterThan(5);
  });

  it('writes labels format 2: condition null and openSet for open-set patients, openSet null for the others', async () => {
    const { out } = await run('labels.ndjson', 0.5);
    const labels = lines(`${out}.labels.jsonl`).map((l) => JSON.parse(l) as PatientLabel);
    const displays = new Set(OUTSIDE_PROBLEMS.map((o) => o.display));
    const kinds = new Set<string>();
    for (const label of labels) {
      expect(label.labelsVersion).toBe(LABELS_FORMAT_VERSION);
      expect(LABELS_FORMAT_VERSION).toBe(2);
      expect(Object.keys(label)).toContain('openSet');
      if (label.openSet === null) {
        expect(acuteIds.has(label.condition?.id ?? '')).toBe(true);
        continue;
      }
      kinds.add(label.openSet.kind);
      expect(label.condition).toBeNull();
      if (label.openSet.kind === 'outside') expect(displays.has(label.openSet.problem)).toBe(true);
      else expect(Object.keys(label.openSet)).toEqual(['kind']);
      // Only the chronic conditions' first-line drugs.
      const expected = new Set(label.chronic.map((c) => firstLineDrug(view, c.id)?.id).filter((id) => id !== undefined));
      expect(new Set(label.recommendedDrugs.map((d) => d.id))).toEqual(expected);
    }
    expect(kinds).toEqual(new Set(['no-acute', 'outside']));
  });

  it('writes valid FHIR with no acute Condition for open-set patients, only their chronic ones', async () => {
    const { out } = await run('fhir.ndjson', 1);
    const labels = lines(`${out}.labels.jsonl`).map((l) => JSON.parse(l) as PatientLabel);
    const acuteCodes = new Set(view.acute.flatMap((c) => c.codes.map((code) => `${code.system}|${code.code}`)));
    lines(out).forEach((line, i) => {
      const bundle = JSON.parse(line) as { entry: { resource: Record<string, unknown> }[] };
      expect(fhirSchemaErrors(bundle), `bundle ${i}`).toEqual([]);
      const label = labels[i] as PatientLabel;
      const conditions = bundle.entry.map((e) => e.resource).filter((r) => r.resourceType === 'Condition');
      expect(conditions).toHaveLength(label.chronic.length);
      for (const c of conditions) {
        for (const coding of (c.code as { coding: { system: string; code: string }[] }).coding) {
          expect(acuteCodes.has(`${coding.system}|${coding.code}`)).toBe(false);
        }
      }
      // The outside problem is ground truth too: its name is not coded or titled anywhere.
      if (label.openSet?.kind === 'outside') {
        const coded = JSON.stringify(bundle.entry.map((e) => e.resource).filter((r) => r.resourceType !== 'DocumentReference'));
        expect(coded).not.toContain(label.openSet.problem);
      }
    });
  });

  it('writes the other formats too', async () => {
    const csv = await run('open.csv', 0.5, 'csv');
    expect(lines(csv.out).length).toBeGreaterThan(40);
    const bulk = await run('open-bulk', 0.5, 'bulk');
    expect(lines(join(bulk.out, 'Patient.000.ndjson'))).toHaveLength(40);
  });
});

describe('open-set patients', () => {
  const N = 2000;
  const noAcute = Array.from({ length: N }, (_, i) => sampleOpenSetPatient(view, 13, i, 'no-acute'));
  const outside = Array.from({ length: N }, (_, i) => sampleOpenSetPatient(view, 13, i, 'outside'));

  it('no-acute: findings only at the background rate, vitals abnormal only through chronic conditions', () => {
    const expected = view.evidences.reduce((sum, e) => sum + view.backgroundRate(e), 0);
    const mean = noAcute.reduce((sum, p) => sum + p.present.length, 0) / N;
    // Female-only evidences are skipped for men and children, so the mean is a little lower.
    expect(mean).toBeGreaterThan(expected * 0.8);
    expect(mean).toBeLessThan(expected * 1.1);
    for (const p of noAcute) {
      expect(p.condition).toBeNull();
      expect(p.absentLinked).toEqual([]);
      const allowed = abnormalLoinc(view, p.chronic);
      for (const m of p.measurements.filter((x) => x.abnormal)) {
        expect(allowed.has(m.spec.loinc) || (m.spec.aliases ?? []).some((a) => allowed.has(a)), m.spec.loinc).toBe(true);
      }
      const drugs = new Set(p.chronic.map((c) => firstLineDrug(view, c.id)?.id).filter((id) => id !== undefined));
      expect(new Set(p.recommended.map((d) => d.id))).toEqual(drugs);
    }
    // Some have an abnormal value (hypertension, obesity…), most chronic-free ones none.
    expect(noAcute.some((p) => p.measurements.some((m) => m.abnormal))).toBe(true);
    expect(noAcute.filter((p) => p.chronic.length === 0).every((p) => p.measurements.every((m) => !m.abnormal))).toBe(true);
  });

  it('no-acute: routine visits that fit the patient', () => {
    const visits = new Map<string, number>();
    for (const p of noAcute) {
      if (p.openSet?.kind !== 'no-acute') throw new Error('expected a no-acute patient');
      visits.set(p.openSet.visit, (visits.get(p.openSet.visit) ?? 0) + 1);
      if (p.openSet.visit === 'well-child') expect(p.ageYears).toBeLessThan(18);
      if (p.openSet.visit === 'chronic-follow-up') expect(p.chronic.length).toBeGreaterThan(0);
      if (p.openSet.visit === 'medication-check') expect(p.medications.length).toBeGreaterThan(0);
    }
    for (const visit of ['annual-physical', 'medication-check', 'chronic-follow-up', 'well-child']) {
      expect(visits.get(visit) ?? 0, visit).toBeGreaterThan(N / 20);
    }
  });

  it('carry only incidental normal studies (or a chronic condition’s own trace), at the incidental rates', () => {
    for (const group of [noAcute, outside]) {
      const images = group.filter((p) => p.image);
      const audio = group.filter((p) => p.audio);
      expect(Math.abs(images.length / N - INCIDENTAL_IMAGE_RATE)).toBeLessThan(0.04);
      expect(Math.abs(audio.length / N - INCIDENTAL_AUDIO_RATE)).toBeLessThan(0.04);
      for (const p of images) expect(['normal', 'cardiomegaly']).toContain(p.image?.shown);
      for (const p of images.filter((x) => x.image?.shown === 'cardiomegaly'))
        expect(p.chronic.some((c) => c.id === 'condition:I50.9')).toBe(true);
      for (const p of audio) expect(['normal_breath', 'normal_heart']).toContain(p.audio?.shown);
    }
  });

  it('outside: every problem is drawn, within its ages, with its own evidences and chronic condition', () => {
    const seen = new Set<string>();
    for (const p of outside) {
      if (p.openSet?.kind !== 'outside') throw new Error('expected an outside patient');
      const problem = p.openSet.problem;
      seen.add(problem.id);
      expect(p.ageYears).toBeGreaterThanOrEqual(problem.ages[0]);
      expect(p.ageYears).toBeLessThanOrEqual(problem.ages[1]);
      const present = new Set(p.present.map((e) => e.id));
      for (const id of problem.evidences ?? []) expect(present.has(id), `${problem.id} ${id}`).toBe(true);
      if (problem.chronic) expect(p.chronic.map((c) => c.id)).toContain(problem.chronic);
    }
    expect(seen).toEqual(new Set(OUTSIDE_PROBLEMS.map((o) => o.id)));
  });
});

describe('the outside-problem table', () => {
  it('holds 30 to 40 distinct problems, none of them a label', () => {
    expect(OUTSIDE_PROBLEMS.length).toBeGreaterThanOrEqual(30);
    expect(OUTSIDE_PROBLEMS.length).toBeLessThanOrEqual(40);
    expect(new Set(OUTSIDE_PROBLEMS.map((o) => o.id)).size).toBe(OUTSIDE_PROBLEMS.length);
    expect(new Set(OUTSIDE_PROBLEMS.map((o) => o.display)).size).toBe(OUTSIDE_PROBLEMS.length);
    const labelNames = new Set(view.acute.map((c) => c.name.toLowerCase()));
    for (const o of OUTSIDE_PROBLEMS) {
      expect(labelNames.has(o.display.toLowerCase()), o.display).toBe(false);
      expect(o.ages[0]).toBeLessThanOrEqual(o.ages[1]);
      expect(o.weight).toBeGreaterThan(0);
      for (const list of [o.complaints, o.history, o.exam, o.assessment]) expect(list.length, o.id).toBeGreaterThan(0);
    }
  });

  it('uses no surface form of the 49 acute conditions in any phrase', () => {
    for (const o of OUTSIDE_PROBLEMS) {
      for (const phrase of [o.display, ...o.complaints, ...(o.onset ?? []), ...o.history, ...o.exam, ...o.assessment]) {
        expect(
          acuteMentions(phrase).map((m) => m.entityId),
          `${o.id}: ${phrase}`,
        ).toEqual([]);
      }
    }
  });

  it('names evidences and chronic conditions the graph has, and every complaint states its evidences', () => {
    for (const o of OUTSIDE_PROBLEMS) {
      for (const id of o.evidences ?? []) {
        const e = graph.get(id);
        expect(e?.type === 'finding' || e?.type === 'antecedent', `${o.id}: ${id}`).toBe(true);
        const entity = must(e, `${o.id}: ${id}`);
        const forms = [entity.name, ...entity.synonyms, ...(entity.linkOnly ?? [])].map((f) => f.toLowerCase());
        for (const complaint of o.complaints)
          expect(
            forms.some((f) => complaint.toLowerCase().includes(f)),
            `${o.id}: ${complaint} / ${id}`,
          ).toBe(true);
      }
      if (o.chronic) expect(graph.get(o.chronic)?.course, o.id).toBe('chronic');
    }
  });
});

describe('open-set notes', () => {
  const cases = Array.from({ length: 300 }, (_, i) => {
    const patient = sampleOpenSetPatient(view, 21, i, i % 2 === 0 ? 'no-acute' : 'outside');
    const note = renderNote(patient, view.findings, Random.derive(21, 'note', i));
    return { patient, note };
  });

  it('never name one of the 49 diagnosis labels', () => {
    for (const { patient, note } of cases) {
      expect(
        acuteMentions(note.text).map((m) => `${m.text} -> ${m.entityId}`),
        `patient ${patient.index}`,
      ).toEqual([]);
    }
  });

  it('read as the visit they are', () => {
    for (const { patient, note } of cases) {
      const text = note.text.toLowerCase();
      if (patient.openSet?.kind === 'outside') {
        expect(
          patient.openSet.problem.complaints.some((c) => text.includes(c.toLowerCase())),
          `patient ${patient.index}`,
        ).toBe(true);
      } else {
        expect(text, `patient ${patient.index}`).toMatch(
          /physical|check-up|health maintenance|wellness|medication|refills|prescriptions|follow-up|review of|well-child|well visit|child health/,
        );
      }
    }
  });

  it('state the background findings the patient has, and negate none of them', () => {
    let expected = 0;
    let found = 0;
    for (const { patient, note } of cases) {
      const mentions = linker.link(note.text);
      const present = new Set(patient.present.map((e) => e.id));
      for (const m of mentions.filter((x) => x.negated && x.type === 'finding')) {
        expect(present.has(m.entityId), `${m.entityId} negated but present (patient ${patient.index})`).toBe(false);
      }
      const own = new Set(patient.openSet?.kind === 'outside' ? (patient.openSet.problem.evidences ?? []) : []);
      for (const finding of patient.present.filter((e) => e.type === 'finding' && !own.has(e.id))) {
        expected++;
        if (mentions.some((m) => m.entityId === finding.id && !m.negated)) found++;
      }
    }
    expect(expected).toBeGreaterThan(100);
    expect(found / expected).toBeGreaterThan(0.95);
  });

  it('vary in style and wording', () => {
    expect(new Set(cases.map((c) => c.note.style))).toEqual(new Set(['hp', 'soap', 'narrative']));
    const openings = new Set(cases.map((c) => c.note.text.split(/\s+/).slice(0, 8).join(' ')));
    expect(openings.size).toBeGreaterThan(cases.length / 2);
  });
});
