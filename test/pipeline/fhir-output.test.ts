/**
 * `--output-format fhir` from hand-made prediction lines: every Bundle and resource valid against
 * the official FHIR R4 JSON schema, the layout (RiskAssessment, draft MedicationRequest proposals,
 * Provenance, model Device) and its references, codings from the head specs, abstentions and
 * NO_EVIDENCE as notes, warnings as notes, deterministic fullUrls, and predictions that read back
 * to the line's.
 */
import type { Bundle, MedicationRequest, Provenance, RiskAssessment } from 'fhir/r4.js';
import { describe, expect, it } from 'vitest';
import type { HeadSpec } from '../../src/model/manifest.js';
import {
  FHIR_URIS,
  FIXED_RECORDED,
  NONE_FITS,
  predictionBundle,
  sourceReference,
  sourceReferences,
  uuidV5,
} from '../../src/pipeline/fhir-output.js';
import { NO_EVIDENCE_WARNING, type PredictionLine, type ScoredLabel } from '../../src/pipeline/prediction.js';
import type { ClinicalRecord } from '../../src/records/types.js';
import { SYSTEMS } from '../../src/util/code-systems.js';
import { predictionsOf } from '../support/fhir-output.js';
import { r4SchemaErrors } from '../support/fhir-r4-schema.js';

const model = { name: 'clinicalbert-test', version: '1.0.0', sha: '0123456789ab', precision: 'int8' };

function line(over: Partial<PredictionLine> = {}): PredictionLine {
  return {
    schemaVersion: '1.3',
    id: 'enc-1',
    patient: 'Patient/p1',
    encounter: 'Encounter/enc-1',
    source: { file: 'in.ndjson', line: 1, entry: 0 },
    subject: { ageYears: 60, sex: 'female', encounterDate: '2025-02-16T16:51:39Z' },
    model,
    inputs: {
      notes: 2,
      tokens: 120,
      truncated: false,
      entities: 4,
      image: 'Media/img-1',
      audio: null,
      attachments: [
        { kind: 'note', resource: 'DocumentReference/doc-1', title: 'H&P', date: '2025-02-16' },
        { kind: 'note', resource: 'DiagnosticReport/dr-9.conclusion', title: null, date: null },
        { kind: 'image', resource: 'Media/img-1', title: 'Chest radiograph', date: null },
      ],
    },
    predictions: {
      diagnoses: [
        { id: 'condition:J18.9', system: SYSTEMS.icd10, code: 'J18.9', display: 'Pneumonia', score: 0.8123 },
        { id: 'condition:J45', system: SYSTEMS.icd10, code: 'J45', display: 'Asthma', score: 0.1 },
      ],
      drugs: [
        { id: 'drug:DB01060', system: SYSTEMS.rxnorm, code: '723', display: 'Amoxicillin', score: 0.91 },
        { id: 'drug:DB00316', system: SYSTEMS.drugbank, code: 'DB00316', display: 'Acetaminophen', score: 1 },
      ],
      severity: [{ id: '3', display: 'severity 3 (moderate)', score: 0.7 }],
      specialty: [{ id: 'Cardiovascular / Pulmonary', display: 'Cardiovascular / Pulmonary', score: 0.5 }],
    },
    warnings: ['DocumentReference/doc-2: attachment larger than --max-attachment-mb; dropped'],
    ...over,
  };
}

const abstaining = (): PredictionLine =>
  line({
    encounter: undefined,
    predictions: {
      diagnoses: [],
      drugs: [],
      severity: [],
      specialty: [{ id: 'General Medicine', display: 'General Medicine', score: 0.4 }],
    },
    abstained: {
      diagnoses: { reason: 'NO_LABEL_FITS', message: 'none of the 49 diagnoses fits the evidence', score: 0.62, threshold: 0.1949 },
      drugs: { reason: 'FOLLOWS_ABSTAINED', message: 'nothing reported: this head follows diagnoses, which abstained', head: 'diagnoses' },
      severity: {
        reason: 'FOLLOWS_ABSTAINED',
        message: 'nothing reported: this head follows diagnoses, which abstained',
        head: 'diagnoses',
      },
    },
    warnings: [],
  });

const NO_EVIDENCE = {
  reason: 'NO_EVIDENCE',
  message: 'the record holds nothing to read: no note text, no linked finding or coded fact, no image, no audio',
};
const noEvidence = (): PredictionLine =>
  line({
    encounter: undefined,
    inputs: { notes: 0, tokens: 2, truncated: false, entities: 0, image: null, audio: null, attachments: [] },
    predictions: { diagnoses: [], drugs: [], severity: [], specialty: [] },
    abstained: { diagnoses: NO_EVIDENCE, drugs: NO_EVIDENCE, severity: NO_EVIDENCE, specialty: NO_EVIDENCE },
    warnings: [NO_EVIDENCE_WARNING],
  });

const heads = {
  diagnoses: {
    output: 'diagnosis_logits',
    activation: 'softmax',
    description: 'dx',
    labels: [
      {
        id: 'condition:J18.9',
        display: 'Pneumonia',
        system: SYSTEMS.icd10,
        code: 'J18.9',
        codings: [
          { system: SYSTEMS.ddxplusCondition, code: 'Pneumonia' },
          { system: SYSTEMS.snomed, code: '233604007', display: 'Pneumonia' },
        ],
      },
    ],
  },
} as unknown as Record<string, HeadSpec>;

const record = {
  notes: [
    { text: 'x', resource: 'DocumentReference/doc-1', contentType: 'text/plain', duplicates: ['DiagnosticReport/dr-1'] },
    { text: 'y', resource: 'DiagnosticReport/dr-9.conclusion', contentType: 'text/plain' },
  ],
  media: [{ modality: 'image', contentType: 'image/png', resource: 'Media/img-1' }],
  facts: [
    { kind: 'condition', codings: [], resource: 'Condition/c-1' },
    { kind: 'observation', codings: [], resource: 'Observation/1.2.3' },
    { kind: 'observation', codings: [], resource: 'CSV/row-1.observations' },
    { kind: 'condition', codings: [] },
  ],
} as unknown as ClinicalRecord;

const resources = (b: Bundle) => (b.entry ?? []).map((e) => e.resource);
const one = <T>(b: Bundle, type: string) => resources(b).find((r) => r?.resourceType === type) as T;
const all = <T>(b: Bundle, type: string) => resources(b).filter((r) => r?.resourceType === type) as T[];

function expectR4(bundle: Bundle) {
  expect(r4SchemaErrors(bundle).slice(0, 5)).toEqual([]);
  for (const entry of bundle.entry ?? []) expect(r4SchemaErrors(entry.resource).slice(0, 5)).toEqual([]);
}

const asRead = (labels: ScoredLabel[]) => labels.map((l) => ({ code: l.code ?? l.id, display: l.display, score: l.score }));

describe('predictionBundle', () => {
  it('writes a valid R4 collection: RiskAssessment, draft MedicationRequest proposals, Provenance and the model Device', () => {
    const bundle = predictionBundle(line(), { recorded: FIXED_RECORDED, record, heads });
    expectR4(bundle);
    expect(bundle.type).toBe('collection');
    expect(resources(bundle).map((r) => r?.resourceType)).toEqual([
      'RiskAssessment',
      'MedicationRequest',
      'MedicationRequest',
      'Provenance',
      'Device',
    ]);
    expect(bundle.identifier).toEqual({ system: FHIR_URIS.record, value: 'enc-1' });
    expect(bundle.meta?.tag?.map((t) => t.code)).toEqual(['1.3', 'clinicalbert-test@1.0.0+0123456789ab']);
    const urls = (bundle.entry ?? []).map((e) => e.fullUrl as string);
    expect(new Set(urls).size).toBe(urls.length);
    for (const u of urls) expect(u).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const [riskUrl, , , provenanceUrl, deviceUrl] = urls;

    const risk = one<RiskAssessment>(bundle, 'RiskAssessment');
    expect(risk).toMatchObject({
      status: 'preliminary',
      subject: { reference: 'Patient/p1' },
      encounter: { reference: 'Encounter/enc-1' },
      occurrenceDateTime: '2025-02-16T16:51:39Z',
      performer: { reference: deviceUrl },
    });
    expect(risk.method?.text).toBe('clinicalbert-test 1.0.0 (package sha 0123456789ab, precision int8)');
    // the tag names the package alike at every precision
    expect(risk.meta?.tag?.[0]?.display).toBe('clinicalbert-test 1.0.0 (package sha 0123456789ab)');
    // What the model read: notes (a part named by its resource; duplicates too), media, coded facts; never a CSV row.
    expect(risk.basis?.map((b) => b.reference)).toEqual([
      'DocumentReference/doc-1',
      'DiagnosticReport/dr-1',
      'DiagnosticReport/dr-9',
      'Media/img-1',
      'Condition/c-1',
      'Observation/1.2.3',
    ]);
    // ICD-10-CM as the line has it, then SNOMED CT from the head spec (not the urn: DDXPlus name).
    expect(risk.prediction?.[0]).toEqual({
      outcome: {
        coding: [
          { system: SYSTEMS.icd10, code: 'J18.9', display: 'Pneumonia' },
          { system: SYSTEMS.snomed, code: '233604007', display: 'Pneumonia' },
        ],
        text: 'Pneumonia',
      },
      probabilityDecimal: 0.8123,
    });
    expect(risk.prediction?.[1]?.outcome?.coding).toEqual([{ system: SYSTEMS.icd10, code: 'J45', display: 'Asthma' }]);
    expect(risk.note).toEqual([{ text: 'warning: DocumentReference/doc-2: attachment larger than --max-attachment-mb; dropped' }]);

    const [amox, para] = all<MedicationRequest>(bundle, 'MedicationRequest');
    expect(amox).toMatchObject({
      status: 'draft',
      intent: 'proposal',
      subject: { reference: 'Patient/p1' },
      encounter: { reference: 'Encounter/enc-1' },
      requester: { reference: deviceUrl },
      reasonReference: [{ reference: riskUrl }],
      extension: [{ url: FHIR_URIS.probability, valueDecimal: 0.91 }],
    });
    expect(amox?.medicationCodeableConcept?.coding).toEqual([
      { system: SYSTEMS.rxnorm, code: '723', display: 'Amoxicillin' },
      { system: SYSTEMS.drugbank, code: 'DB01060', display: 'Amoxicillin' },
    ]);
    expect(para?.medicationCodeableConcept?.coding).toEqual([{ system: SYSTEMS.drugbank, code: 'DB00316', display: 'Acetaminophen' }]);

    const provenance = one<Provenance>(bundle, 'Provenance');
    expect(provenance.recorded).toBe(FIXED_RECORDED);
    expect(provenance.target.map((t) => t.reference)).toEqual([riskUrl, urls[1], urls[2]]);
    expect(provenance.agent[0]?.who.reference).toBe(deviceUrl);
    expect(provenance.entity?.every((e) => e.role === 'source')).toBe(true);
    expect(provenance.entity?.map((e) => e.what.reference)).toEqual(risk.basis?.map((b) => b.reference));
    expect(provenanceUrl).toBe(`urn:uuid:${uuidV5('0123456789ab|enc-1|Provenance')}`);
    expect(one(bundle, 'Device')).toMatchObject({
      identifier: [{ system: FHIR_URIS.modelSha, value: '0123456789ab' }],
      deviceName: [{ name: 'clinicalbert-test', type: 'model-name' }],
      version: [{ value: '1.0.0' }],
    });
  });

  it('reads back to the line: diagnoses, drugs, and every other head as head-prediction extensions', () => {
    const l = line();
    const read = predictionsOf(predictionBundle(l, { recorded: FIXED_RECORDED }));
    expect(read).toEqual(Object.fromEntries(Object.entries(l.predictions).map(([head, labels]) => [head, asRead(labels)])));
  });

  it('is byte-identical for the same line; fullUrls change with the record and the model', () => {
    const a = JSON.stringify(predictionBundle(line(), { recorded: FIXED_RECORDED, record, heads }));
    expect(JSON.stringify(predictionBundle(line(), { recorded: FIXED_RECORDED, record, heads }))).toBe(a);
    const urls = (b: Bundle) => (b.entry ?? []).map((e) => e.fullUrl);
    const base = urls(JSON.parse(a) as Bundle);
    const otherRecord = urls(predictionBundle(line({ id: 'enc-2' }), { recorded: FIXED_RECORDED }));
    const otherModel = urls(predictionBundle(line({ model: { ...model, sha: 'ffffffffffff' } }), { recorded: FIXED_RECORDED }));
    expect(otherRecord.slice(0, 4).some((u) => base.includes(u))).toBe(false);
    expect(otherRecord[4]).toBe(base[4]); // the same model is the same Device
    expect(otherModel.some((u) => base.includes(u))).toBe(false);
  });

  it('names the precision only in the method text: a line of 1.2 (none) as before, the Device and fullUrls alike', () => {
    const { precision: _precision, ...older } = model;
    const old = predictionBundle(line({ schemaVersion: '1.2', model: older }), { recorded: FIXED_RECORDED });
    expect(one<RiskAssessment>(old, 'RiskAssessment').method?.text).toBe('clinicalbert-test 1.0.0 (package sha 0123456789ab)');
    const fp32 = predictionBundle(line({ model: { ...model, precision: 'fp32' } }), { recorded: FIXED_RECORDED });
    expect(one<RiskAssessment>(fp32, 'RiskAssessment').method?.text).toContain('precision fp32');
    const int8 = predictionBundle(line(), { recorded: FIXED_RECORDED });
    expect((fp32.entry ?? []).map((e) => e.fullUrl)).toEqual((int8.entry ?? []).map((e) => e.fullUrl));
    expect(one(fp32, 'Device')).toEqual(one(int8, 'Device'));
  });

  it('an abstaining diagnosis head: a "none of the labels fits" prediction with its score, notes naming each reason, no drugs', () => {
    const bundle = predictionBundle(abstaining(), { recorded: '2025-03-01T10:00:00.000Z' });
    expectR4(bundle);
    expect(all(bundle, 'MedicationRequest')).toEqual([]);
    const risk = one<RiskAssessment>(bundle, 'RiskAssessment');
    expect(risk.encounter).toBeUndefined();
    expect(risk.prediction).toEqual([
      {
        outcome: { coding: [{ system: FHIR_URIS.abstention, code: 'NO_LABEL_FITS', display: NONE_FITS }], text: NONE_FITS },
        probabilityDecimal: 0.62,
      },
    ]);
    expect(risk.note?.map((n) => n.text)).toEqual([
      'abstained (NO_LABEL_FITS): diagnoses: none of the 49 diagnoses fits the evidence (score 0.62, threshold 0.1949)',
      'abstained (FOLLOWS_ABSTAINED): drugs, severity: nothing reported: this head follows diagnoses, which abstained',
    ]);
    expect(one<Provenance>(bundle, 'Provenance').recorded).toBe('2025-03-01T10:00:00.000Z');
    expect(predictionsOf(bundle).specialty).toEqual([{ code: 'General Medicine', display: 'General Medicine', score: 0.4 }]);
  });

  it('NO_EVIDENCE: a RiskAssessment without prediction, with notes saying why', () => {
    const bundle = predictionBundle(noEvidence(), { recorded: FIXED_RECORDED });
    expectR4(bundle);
    const risk = one<RiskAssessment>(bundle, 'RiskAssessment');
    expect(risk.prediction).toBeUndefined();
    expect(risk.basis).toBeUndefined();
    expect(risk.extension).toBeUndefined();
    expect(risk.note?.map((n) => n.text)).toEqual([
      `abstained (NO_EVIDENCE): diagnoses, drugs, severity, specialty: ${NO_EVIDENCE.message}`,
      `warning: ${NO_EVIDENCE_WARNING}`,
    ]);
    expect(one<Provenance>(bundle, 'Provenance').entity).toBeUndefined();
  });

  it('a transaction Bundle POSTs each resource and creates the model Device only once', () => {
    const bundle = predictionBundle(line(), { recorded: FIXED_RECORDED, record, heads, bundleType: 'transaction' });
    expectR4(bundle);
    expect(bundle.type).toBe('transaction');
    expect(bundle.entry?.map((e) => e.request)).toEqual([
      { method: 'POST', url: 'RiskAssessment' },
      { method: 'POST', url: 'MedicationRequest' },
      { method: 'POST', url: 'MedicationRequest' },
      { method: 'POST', url: 'Provenance' },
      { method: 'POST', url: 'Device', ifNoneExist: `identifier=${FHIR_URIS.modelSha}|0123456789ab` },
    ]);
  });

  it('leaves out a record date FHIR cannot hold, and reads basis from the line alone without the record', () => {
    const l = line({ subject: { ageYears: null, sex: null, encounterDate: '16/02/2025' } });
    const bundle = predictionBundle(l, { recorded: FIXED_RECORDED });
    expectR4(bundle);
    const risk = one<RiskAssessment>(bundle, 'RiskAssessment');
    expect(risk.occurrenceDateTime).toBeUndefined();
    expect(sourceReferences(l)).toEqual(['DocumentReference/doc-1', 'DiagnosticReport/dr-9', 'Media/img-1']);
    expect(sourceReference('CSV/row-1.note_text')).toBeUndefined();
    expect(sourceReference('Communication/c1.payload[2]')).toBe('Communication/c1');
    expect(sourceReference('not a reference')).toBeUndefined();
  });
});
