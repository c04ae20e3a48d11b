/**
 * Output lines built from hand-made head specs and probabilities: abstention ("none of these"),
 * heads that follow the diagnosis head, the drug rule over a small real knowledge graph, key
 * order and byte-determinism, the record's subject and attachments (schema 1.2), the model's
 * precision (schema 1.3), and validity against schema/prediction.schema.json.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RecordFeatures } from '../../src/model/features.js';
import type { HeadSpec } from '../../src/model/manifest.js';
import type { RecordOutputs } from '../../src/model/runtime.js';
import { PREDICTION_SCHEMA_VERSION, buildPredictionLine, modelRef, type PredictionLine } from '../../src/pipeline/prediction.js';
import type { ClinicalRecord, CodedFact } from '../../src/records/types.js';
import { SYSTEMS } from '../../src/kg/types.js';
import { ClinicalBertError } from '../../src/util/errors.js';
import { clinicGraph } from '../support/clinic-graph.js';
import { REPO_ROOT } from '../support/cli.js';

const require = createRequire(import.meta.url);
const Ajv = require('ajv') as new (o: object) => { compile(s: object): ((d: unknown) => boolean) & { errors?: unknown } };
const validate = new Ajv({ allErrors: true, strict: false }).compile(
  JSON.parse(readFileSync(join(REPO_ROOT, 'schema/prediction.schema.json'), 'utf8')) as object,
);

const graph = clinicGraph();
const label = (id: string, display = id) => ({ id, display });

function heads(): Record<'diagnoses' | 'severity' | 'drugs' | 'specialty', HeadSpec> {
  return {
    diagnoses: {
      output: 'diagnosis_logits',
      activation: 'softmax',
      labels: [
        { id: 'condition:J45', display: 'Asthma', system: SYSTEMS.icd10, code: 'J45' },
        { id: 'condition:J17', display: 'Pneumonia', system: SYSTEMS.icd10, code: 'J17' },
        label('none', 'none of these labels'),
      ],
      description: 'acute diagnosis',
      abstention: { label: 'none', threshold: 0.5 },
    },
    severity: {
      output: 'severity_logits',
      activation: 'softmax',
      labels: [label('1'), label('2'), label('3')],
      description: 'severity',
      follows: 'diagnoses',
    },
    drugs: {
      output: 'drug_logits',
      activation: 'sigmoid',
      labels: ['SALB', 'AMOX', 'PARA', 'AMLO', 'PEDI'].map((k) => label(`drug:${k}`)),
      description: 'drugs',
      threshold: 0.3,
      follows: 'diagnoses',
    },
    specialty: {
      output: 'specialty_logits',
      activation: 'softmax',
      labels: [label('Pulmonology'), label('Cardiology')],
      description: 'specialty',
    },
  };
}

const condition = (code: string, status?: string): CodedFact => ({
  kind: 'condition',
  codings: [{ system: SYSTEMS.icd10, code }],
  ...(status ? { status } : {}),
  resource: `Condition/${code}`,
});

function record(facts: CodedFact[]): ClinicalRecord {
  return {
    id: 'p1',
    patient: 'Patient/p1',
    source: { file: 'in.ndjson', line: 1 },
    demographics: {},
    // A note, so the record has evidence (a record without any gets no predictions: no-evidence.test.ts).
    notes: [{ text: 'Wheezing.', resource: 'DocumentReference/n1', contentType: 'text/plain' }],
    media: [],
    facts,
    warnings: [],
  };
}

const features: RecordFeatures = { text: 'Wheezing.', inputIds: [2, 3], entities: [], entityIds: [], entityFlags: [], warnings: [] };

function outputs(diagnoses: number[], drugs = [0.9, 0.9, 0.9, 0.9, 0.9]): RecordOutputs {
  return {
    heads: {
      diagnoses: Float32Array.from(diagnoses),
      severity: Float32Array.from([0.2, 0.5, 0.3]),
      drugs: Float32Array.from(drugs),
      specialty: Float32Array.from([0.7, 0.3]),
    },
    entityAttention: new Float32Array(0),
    modalities: { text: true, image: false, audio: false, entities: false },
  };
}

const model = { name: 'test-model', version: '1', sha: 'abcdef012345' };
const FACTS = [condition('I10'), condition('J45.909', 'resolved'), condition('E11.9', 'entered-in-error')];

function line(scores: number[], options: { heads?: Record<string, HeadSpec>; facts?: CodedFact[]; drugs?: number[] } = {}): PredictionLine {
  const built = buildPredictionLine(
    record(options.facts ?? FACTS),
    features,
    outputs(scores, options.drugs),
    options.heads ?? heads(),
    model,
    {
      topK: 5,
      maxLength: 256,
      graph,
    },
  );
  expect(validate(JSON.parse(JSON.stringify(built))), JSON.stringify(validate.errors)).toBe(true);
  return built;
}

const ids = (l: PredictionLine, head: string) => (l.predictions[head] ?? []).map((x) => x.id);

describe('prediction lines with abstention', () => {
  it('never reports the none label; a record that answers has no abstained key', () => {
    const l = line([0.6, 0.3, 0.1]);
    expect(l.schemaVersion).toBe(PREDICTION_SCHEMA_VERSION);
    expect(l.predictions.diagnoses).toEqual([
      { id: 'condition:J45', system: SYSTEMS.icd10, code: 'J45', display: 'Asthma', score: 0.6 },
      { id: 'condition:J17', system: SYSTEMS.icd10, code: 'J17', display: 'Pneumonia', score: 0.3 },
    ]);
    expect('abstained' in l).toBe(false);
    expect(ids(l, 'severity')).toEqual(['2', '3', '1']);
    // Even when "none" is the second-best: it is not an answer.
    expect(ids(line([0.45, 0.1, 0.45]), 'diagnoses')).toEqual(['condition:J45', 'condition:J17']);
  });

  it('abstains at score >= threshold: empty diagnoses, the reason with score and threshold, followers empty too', () => {
    const l = line([0.2, 0.1, 0.7]);
    expect(l.predictions.diagnoses).toEqual([]);
    expect(l.predictions.severity).toEqual([]);
    expect(ids(l, 'specialty')).toEqual(['Pulmonology', 'Cardiology']);
    // Fixed key order, byte for byte.
    expect(JSON.stringify(l.abstained)).toBe(
      '{"diagnoses":{"reason":"NO_LABEL_FITS","message":"none of the 2 diagnosis labels fits the evidence","score":0.7,"threshold":0.5},' +
        '"severity":{"reason":"FOLLOWS_ABSTAINED","message":"nothing reported: this head follows diagnoses, which abstained","head":"diagnoses"}}',
    );
    expect(Object.keys(l)).toEqual([
      'schemaVersion',
      'id',
      'patient',
      'source',
      'subject',
      'model',
      'inputs',
      'predictions',
      'abstained',
      'warnings',
    ]);
    // Exactly at the threshold abstains; just under answers.
    expect(line([0.25, 0.25, 0.5]).abstained?.diagnoses?.score).toBe(0.5);
    expect(line([0.26, 0.25, 0.49]).abstained).toBeUndefined();
  });

  it('gives byte-identical lines for the same input', () => {
    const a = JSON.stringify(line([0.2, 0.1, 0.7]));
    const b = JSON.stringify(line([0.2, 0.1, 0.7]));
    expect(b).toBe(a);
  });

  it('keeps only drugs for the diagnosis made or an active coded condition', () => {
    // Diagnosis asthma (J45); coded: hypertension (active), childhood asthma (resolved), diabetes (entered in error).
    expect(ids(line([0.6, 0.3, 0.1]), 'drugs')).toEqual(['drug:SALB', 'drug:AMLO']);
    // Pneumonia made: its treatment and its palliation.
    expect(ids(line([0.3, 0.6, 0.1]), 'drugs')).toEqual(['drug:AMOX', 'drug:PARA', 'drug:AMLO']);
    // No diagnosis: the coded conditions' drugs only.
    expect(ids(line([0.2, 0.1, 0.7]), 'drugs')).toEqual(['drug:AMLO']);
    // An active coded childhood asthma takes asthma drugs (is_a upward) and its own.
    expect(ids(line([0.2, 0.1, 0.7], { facts: [condition('J45.909', 'active')] }), 'drugs')).toEqual(['drug:SALB', 'drug:PEDI']);
    // The sigmoid threshold still applies, and order stays by score.
    expect(ids(line([0.3, 0.6, 0.1], { drugs: [0.9, 0.2, 0.5, 0.8, 0.9] }), 'drugs')).toEqual(['drug:AMLO', 'drug:PARA']);
    // A drug head that follows needs the graph.
    expect(() =>
      buildPredictionLine(record(FACTS), features, outputs([0.6, 0.3, 0.1]), heads(), model, { topK: 5, maxLength: 256 }),
    ).toThrow(ClinicalBertError);
  });

  it('reports as before when the package has no abstention and no head follows', () => {
    const plain = heads();
    delete plain.diagnoses.abstention;
    delete plain.severity.follows;
    delete plain.drugs.follows;
    const l = line([0.2, 0.1, 0.7], { heads: plain });
    expect(ids(l, 'diagnoses')).toEqual(['none', 'condition:J45', 'condition:J17']);
    expect(ids(l, 'drugs')).toEqual(['drug:SALB', 'drug:AMOX', 'drug:PARA', 'drug:AMLO', 'drug:PEDI']);
    expect('abstained' in l).toBe(false);
  });

  it('one-minus-max abstains when the best label is weak, with no none label', () => {
    const h = heads();
    h.diagnoses.labels.pop();
    h.diagnoses.abstention = { score: 'one-minus-max', threshold: 0.6 };
    h.drugs.follows = undefined;
    const weak = line([0.35, 0.3], { heads: h });
    expect(weak.abstained?.diagnoses).toEqual({
      reason: 'NO_LABEL_FITS',
      message: 'none of the 2 diagnosis labels fits the evidence',
      score: 0.65,
      threshold: 0.6,
    });
    expect(weak.predictions.diagnoses).toEqual([]);
    expect(ids(line([0.45, 0.3], { heads: h }), 'diagnoses')).toEqual(['condition:J45', 'condition:J17']);
  });

  it('cuts every head at top-k after the decision', () => {
    const l = buildPredictionLine(record(FACTS), features, outputs([0.3, 0.6, 0.1]), heads(), model, { topK: 1, maxLength: 256, graph });
    expect(ids(l, 'diagnoses')).toEqual(['condition:J17']);
    expect(ids(l, 'drugs')).toEqual(['drug:AMOX']);
  });
});

describe('subject and attachments (schema 1.2)', () => {
  const full: ClinicalRecord = {
    ...record([]),
    encounter: 'Encounter/e1',
    time: '2024-03-01T09:30:00+01:00',
    demographics: { sex: 'female', birthDate: '1970-05-02', ageYears: 53 },
    notes: [
      {
        text: 'Jane Doe reports wheezing.',
        resource: 'DocumentReference/n1',
        contentType: 'text/plain',
        type: '11506-3',
        time: '2024-03-01',
      },
      { text: 'Conclusion.', resource: 'DiagnosticReport/r1.conclusion', contentType: 'text/plain' },
    ],
    media: [
      { modality: 'image', contentType: 'image/png', resource: 'Media/m1', title: 'Chest X-ray, PA', url: 'images/jane-doe.png' },
      { modality: 'audio', contentType: 'audio/wav', resource: 'Media/a1' },
    ],
  };
  const build = (r: ClinicalRecord): PredictionLine => {
    const l = buildPredictionLine(r, features, outputs([0.6, 0.3, 0.1]), heads(), model, { topK: 5, maxLength: 256, graph });
    expect(validate(JSON.parse(JSON.stringify(l))), JSON.stringify(validate.errors)).toBe(true);
    return l;
  };

  it("copies age (at the record's date), sex and the date; notes, then media, with title and date, never text or file names", () => {
    const l = build(full);
    expect(l.subject).toEqual({ ageYears: 53, sex: 'female', encounterDate: '2024-03-01T09:30:00+01:00' });
    expect(l.inputs.attachments).toEqual([
      { kind: 'note', resource: 'DocumentReference/n1', title: null, date: '2024-03-01' },
      { kind: 'note', resource: 'DiagnosticReport/r1.conclusion', title: null, date: null },
      { kind: 'image', resource: 'Media/m1', title: 'Chest X-ray, PA', date: null },
      { kind: 'audio', resource: 'Media/a1', title: null, date: null },
    ]);
    const text = JSON.stringify(l);
    expect(text).not.toContain('Jane');
    expect(text).not.toContain('jane-doe');
    expect(text).not.toContain('1970');
    // Fixed key order, byte for byte.
    expect(Object.keys(l)).toEqual([
      'schemaVersion',
      'id',
      'patient',
      'encounter',
      'source',
      'subject',
      'model',
      'inputs',
      'predictions',
      'warnings',
    ]);
    expect(Object.keys(l.inputs)).toEqual(['notes', 'tokens', 'truncated', 'entities', 'image', 'audio', 'attachments']);
    expect(JSON.stringify(l.subject)).toBe('{"ageYears":53,"sex":"female","encounterDate":"2024-03-01T09:30:00+01:00"}');
    expect(JSON.stringify(build(full))).toBe(text);
  });

  it('writes null for what the record does not give, and an empty list for a record with nothing attached', () => {
    const l = build({ ...record([]), notes: [] });
    expect(l.subject).toEqual({ ageYears: null, sex: null, encounterDate: null });
    expect(l.inputs.attachments).toEqual([]);
    expect(build({ ...record([]), demographics: { sex: 'unknown' } }).subject?.sex).toBeNull();
  });

  it('still validates lines of schema 1.1 and 1.0 (no subject, no attachments)', () => {
    const { subject: _subject, ...old } = build(full);
    const { attachments: _attachments, ...inputs } = old.inputs;
    expect(validate({ ...old, schemaVersion: '1.1', inputs })).toBe(true);
    expect(validate({ ...old, subject: { ageYears: 53, sex: 'female' } })).toBe(false);
  });
});

describe('model precision (schema 1.3)', () => {
  const running = (precision: 'fp32' | 'int8') =>
    ({ manifest: { name: 'test-model', version: '1' }, pkg: { sha: 'abcdef012345' }, precision }) as unknown as Parameters<
      typeof modelRef
    >[0];
  const build = (precision: 'fp32' | 'int8'): PredictionLine =>
    buildPredictionLine(record([]), features, outputs([0.6, 0.3, 0.1]), heads(), modelRef(running(precision)), {
      topK: 5,
      maxLength: 256,
      graph,
    });

  it('names the precision the model ran at, after the sha, in a line of schema 1.3 that validates', () => {
    expect(PREDICTION_SCHEMA_VERSION).toBe('1.3');
    for (const precision of ['fp32', 'int8'] as const) {
      const l = build(precision);
      expect(l.schemaVersion).toBe('1.3');
      expect(l.model).toEqual({ name: 'test-model', version: '1', sha: 'abcdef012345', precision });
      expect(JSON.stringify(l.model)).toBe(`{"name":"test-model","version":"1","sha":"abcdef012345","precision":"${precision}"}`);
      expect(validate(JSON.parse(JSON.stringify(l))), JSON.stringify(validate.errors)).toBe(true);
    }
  });

  it('still validates lines of 1.2 without it, and refuses a precision the schema does not list', () => {
    const l = build('int8');
    const { precision: _precision, ...older } = l.model;
    expect(validate({ ...l, schemaVersion: '1.2', model: older })).toBe(true);
    expect(validate({ ...l, model: { ...l.model, precision: 'fp16' } })).toBe(false);
    expect(validate({ ...l, model: { ...l.model, precision: 8 } })).toBe(false);
  });
});
