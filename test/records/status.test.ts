/**
 * FHIR statuses read as a clinician reads them (src/records/status.ts): what is entered in error,
 * refuted or cancelled is not read and leaves a warning naming the resource and its status; what is
 * resolved or stopped stays in the record (the featurizer flags it historical); in an encounter's
 * record a condition resolved since is current when it held during that encounter; coded results
 * carry a normalised interpretation.
 */
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/io/types.js';
import { assembleBundle } from '../../src/records/assemble-bundle.js';
import type { RecordUnit } from '../../src/records/assemble-patient.js';
import { factState, heldDuring, interpretationOf, unreadStatus } from '../../src/records/status.js';
import type { ClinicalRecord, CodedFact } from '../../src/records/types.js';

const SNOMED = 'http://snomed.info/sct';
const LOINC = 'http://loinc.org';
const V3 = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';
const subject = { reference: 'Patient/p1' };
const b64 = (s: string) => Buffer.from(s).toString('base64');
const concept = (system: string, code: string, display?: string) => ({ coding: [{ system, code, ...(display ? { display } : {}) }] });

function condition(id: string, clinical: string, more: JsonObject = {}): JsonObject {
  return {
    resourceType: 'Condition',
    id,
    clinicalStatus: concept('http://terminology.hl7.org/CodeSystem/condition-clinical', clinical),
    verificationStatus: concept('http://terminology.hl7.org/CodeSystem/condition-ver-status', 'confirmed'),
    code: concept(SNOMED, `code-${id}`, `Condition ${id}`),
    subject,
    ...more,
  };
}

function doc(id: string, text: string, more: JsonObject = {}): JsonObject {
  return {
    resourceType: 'DocumentReference',
    id,
    status: 'current',
    subject,
    date: '2024-01-02T10:00:00Z',
    content: [{ attachment: { contentType: 'text/plain', data: b64(text) } }],
    ...more,
  };
}

function observation(id: string, more: JsonObject): JsonObject {
  return { resourceType: 'Observation', id, status: 'final', subject, effectiveDateTime: '2024-01-02T10:00:00Z', ...more };
}

async function records(resources: JsonObject[], unit: RecordUnit = 'patient'): Promise<ClinicalRecord[]> {
  const bundle = {
    resourceType: 'Bundle',
    type: 'collection',
    entry: [{ resource: { resourceType: 'Patient', id: 'p1' } }, ...resources.map((resource) => ({ resource }))],
  };
  const out: ClinicalRecord[] = [];
  for await (const item of assembleBundle(
    { kind: 'bundle', bundle, position: { file: 'status.json' }, baseDir: '/nonexistent' },
    { unit, allowNetwork: false, maxAttachmentBytes: 1 << 20 },
  )) {
    if (item.kind !== 'record') throw new Error(item.reason);
    out.push(item.record);
  }
  return out;
}

async function onlyRecord(resources: JsonObject[]): Promise<ClinicalRecord> {
  const [record] = await records(resources);
  if (!record) throw new Error('no record');
  return record;
}

const factOf = (record: ClinicalRecord, resource: string): CodedFact | undefined => record.facts.find((f) => f.resource === resource);

describe('Conditions and allergies by clinical and verification status', () => {
  it('keeps resolved, inactive and remission conditions as history, with their abatement', async () => {
    const r = await onlyRecord([
      condition('c1', 'resolved', { onsetDateTime: '2020-01-01', abatementDateTime: '2020-02-01' }),
      condition('c2', 'inactive'),
      condition('c3', 'remission', { abatementPeriod: { start: '2021-05-01' } }),
      condition('c4', 'active'),
    ]);
    expect(r.facts.map((f) => [f.resource, f.status, f.verification, factState(f)])).toEqual([
      ['Condition/c1', 'resolved', 'confirmed', 'history'],
      ['Condition/c2', 'inactive', 'confirmed', 'history'],
      ['Condition/c3', 'remission', 'confirmed', 'history'],
      ['Condition/c4', 'active', 'confirmed', 'current'],
    ]);
    expect(factOf(r, 'Condition/c1')?.abatement).toBe('2020-02-01');
    expect(factOf(r, 'Condition/c3')?.abatement).toBe('2021-05-01');
    expect(r.warnings).toEqual([]);
  });

  it('does not read a refuted or entered-in-error condition or allergy, and says so', async () => {
    const verification = (code: string) => ({
      verificationStatus: concept('http://terminology.hl7.org/CodeSystem/condition-ver-status', code),
    });
    const r = await onlyRecord([
      condition('refuted', 'active', verification('refuted')),
      condition('error', 'active', verification('entered-in-error')),
      condition('clinicalerror', 'entered-in-error'),
      condition('provisional', 'active', verification('provisional')),
      {
        resourceType: 'AllergyIntolerance',
        id: 'a1',
        patient: subject,
        verificationStatus: concept('http://terminology.hl7.org/CodeSystem/allergyintolerance-verification', 'refuted'),
        code: concept(SNOMED, '91936005', 'Penicillin allergy'),
      },
      {
        resourceType: 'AllergyIntolerance',
        id: 'a2',
        patient: subject,
        clinicalStatus: concept('http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', 'resolved'),
        code: concept(SNOMED, '300913006', 'Shellfish allergy'),
      },
    ]);
    expect(r.facts.map((f) => [f.resource, factState(f)])).toEqual([
      ['AllergyIntolerance/a2', 'history'],
      ['Condition/provisional', 'current'],
    ]);
    expect([...r.warnings].sort()).toEqual([
      'AllergyIntolerance/a1: verificationStatus refuted; not read',
      'Condition/clinicalerror: clinicalStatus entered-in-error; not read',
      'Condition/error: verificationStatus entered-in-error; not read',
      'Condition/refuted: verificationStatus refuted; not read',
    ]);
  });
});

describe('a condition resolved since is current in the record of an encounter during which it held', () => {
  const encounter = (id: string, start: string, end: string) => ({
    resourceType: 'Encounter',
    id,
    status: 'finished',
    subject,
    period: { start, end },
  });
  // as Synthea writes COVID-19: found at a visit, dated at its end, resolved weeks later
  const visit = encounter('e1', '2020-11-21T15:36:45-05:00', '2020-11-21T16:28:08-05:00');
  const later = encounter('e2', '2021-03-01T09:00:00-05:00', '2021-03-01T09:30:00-05:00');
  const covid = condition('covid', 'resolved', {
    encounter: { reference: 'Encounter/e1' },
    onsetDateTime: '2020-11-21T16:28:08-05:00',
    abatementDateTime: '2020-12-02T17:05:07-05:00',
  });

  it('is current at the visit (encounter unit) and history for the patient', async () => {
    const [first, second] = await records([visit, later, covid], 'encounter');
    const atVisit = factOf(first as ClinicalRecord, 'Condition/covid');
    expect(first?.time).toBe('2020-11-21T15:36:45-05:00');
    expect(atVisit?.heldAtEncounter).toBe(true);
    expect(atVisit?.status).toBe('resolved');
    expect(factState(atVisit as CodedFact)).toBe('current');
    expect(second?.facts).toEqual([]);
    const patient = await onlyRecord([visit, later, covid]);
    expect(factOf(patient, 'Condition/covid')?.heldAtEncounter).toBeUndefined();
    expect(factState(factOf(patient, 'Condition/covid') as CodedFact)).toBe('history');
  });

  it('stays history at an encounter that began after it abated, or ended before its onset', async () => {
    const late = condition('late', 'resolved', {
      encounter: { reference: 'Encounter/e2' },
      onsetDateTime: '2020-01-01T00:00:00Z',
      abatementDateTime: '2021-02-01T00:00:00Z',
    });
    const [, second] = await records([visit, later, late], 'encounter');
    expect(factOf(second as ClinicalRecord, 'Condition/late')?.heldAtEncounter).toBeUndefined();
    const fact: CodedFact = { kind: 'condition', codings: [], status: 'resolved', time: '2021-03-02T00:00:00Z' };
    expect(heldDuring(fact, '2021-03-01T09:00:00Z', '2021-03-01T09:30:00Z')).toBe(false);
    expect(heldDuring({ ...fact, time: '2021-03-01T09:10:00Z' }, '2021-03-01T09:00:00Z', '2021-03-01T09:30:00Z')).toBe(true);
    expect(heldDuring({ ...fact, time: '2021-02-01T00:00:00Z' }, '2021-03-01T09:00:00Z', undefined)).toBe(true);
    expect(heldDuring({ ...fact, time: undefined }, '2021-03-01T09:00:00Z', undefined)).toBe(false);
    expect(
      heldDuring({ ...fact, time: '2021-02-01T00:00:00Z', abatement: '2021-03-01T09:00:00Z' }, '2021-03-01T09:00:00Z', undefined),
    ).toBe(false);
  });
});

describe('notes by DocumentReference status and docStatus', () => {
  it('does not read an entered-in-error document; reads a superseded one; keeps duplicates working', async () => {
    const r = await onlyRecord([
      doc('wrong', 'Wrong patient: pneumonia.', { status: 'entered-in-error' }),
      doc('draft-error', 'Preliminary note.', { docStatus: 'entered-in-error' }),
      doc('old', 'Cough for three days.', { status: 'superseded', date: '2024-01-01T10:00:00Z' }),
      doc('new', 'Cough for three days.', { date: '2024-01-02T10:00:00Z' }),
      {
        resourceType: 'DiagnosticReport',
        id: 'dr-copy',
        status: 'final',
        subject,
        code: { text: 'Note' },
        effectiveDateTime: '2024-01-03T10:00:00Z',
        presentedForm: [{ contentType: 'text/plain', data: b64('Wrong patient: pneumonia.') }],
      },
    ]);
    expect(r.notes.map((n) => [n.resource, n.text, n.duplicates])).toEqual([
      ['DocumentReference/old', 'Cough for three days.', ['DocumentReference/new']],
      // the copy of an entered-in-error note in another resource is that resource's own
      ['DiagnosticReport/dr-copy', 'Wrong patient: pneumonia.', undefined],
    ]);
    expect([...r.warnings].sort()).toEqual([
      'DocumentReference/draft-error: docStatus entered-in-error; not read',
      'DocumentReference/wrong: status entered-in-error; not read',
    ]);
    expect(r.warnings.join(' ')).not.toMatch(/pneumonia|Preliminary/);
  });

  it('does not read a Binary that only an entered-in-error document points to', async () => {
    const r = await onlyRecord([
      { resourceType: 'Binary', id: 'b1', contentType: 'text/plain', data: b64('Orphaned text.') },
      {
        resourceType: 'DocumentReference',
        id: 'd1',
        status: 'entered-in-error',
        subject,
        content: [{ attachment: { contentType: 'text/plain', url: 'Binary/b1' } }],
      },
    ]);
    expect(r.notes).toEqual([]);
    expect(r.warnings).toEqual(['DocumentReference/d1: status entered-in-error; not read']);
  });
});

describe('DiagnosticReports and Observations by status', () => {
  const result = (id: string) =>
    observation(id, { code: concept(LOINC, '718-7', 'Hemoglobin'), valueQuantity: { value: 8.1, unit: 'g/dL' } });

  for (const status of ['cancelled', 'entered-in-error']) {
    it(`a ${status} report: no conclusion, no presentedForm, no results`, async () => {
      const r = await onlyRecord([
        result('o1'),
        result('o2'),
        {
          resourceType: 'DiagnosticReport',
          id: 'r1',
          status,
          subject,
          code: { text: 'CBC' },
          conclusion: 'Anaemia.',
          presentedForm: [{ contentType: 'text/plain', data: b64('Full report text.') }],
          result: [{ reference: 'Observation/o1' }],
        },
      ]);
      expect(r.notes).toEqual([]);
      expect(r.facts.map((f) => f.resource)).toEqual(['Observation/o2']);
      expect([...r.warnings].sort()).toEqual([
        `DiagnosticReport/r1: status ${status}; not read`,
        `Observation/o1: result of DiagnosticReport/r1 (status ${status}); not read`,
      ]);
    });
  }

  it('reads a final report and its results', async () => {
    const r = await onlyRecord([
      result('o1'),
      {
        resourceType: 'DiagnosticReport',
        id: 'r1',
        status: 'final',
        subject,
        conclusion: 'Anaemia.',
        result: [{ reference: 'Observation/o1' }],
      },
    ]);
    expect(r.notes.map((n) => n.resource)).toEqual(['DiagnosticReport/r1.conclusion']);
    expect(r.facts.map((f) => f.resource)).toEqual(['Observation/o1']);
    expect(r.warnings).toEqual([]);
  });

  it('does not read a cancelled or entered-in-error observation', async () => {
    const r = await onlyRecord([
      observation('ok', { code: concept(LOINC, '8310-5'), valueQuantity: { value: 39.2 } }),
      observation('cancel', { status: 'cancelled', code: concept(LOINC, '8310-5') }),
      observation('error', { status: 'entered-in-error', code: concept(LOINC, '8310-5'), valueQuantity: { value: 40 } }),
    ]);
    expect(r.facts.map((f) => f.resource)).toEqual(['Observation/ok']);
    expect([...r.warnings].sort()).toEqual([
      'Observation/cancel: status cancelled; not read',
      'Observation/error: status entered-in-error; not read',
    ]);
  });
});

describe('medications by status', () => {
  const med = (resourceType: string, id: string, status: string): JsonObject => ({
    resourceType,
    id,
    status,
    subject,
    medicationCodeableConcept: concept('http://www.nlm.nih.gov/research/umls/rxnorm', `rx-${id}`, `Drug ${id}`),
  });

  it('reads active ones as current, stopped and completed ones as history, and not cancelled or entered-in-error ones', async () => {
    const r = await onlyRecord([
      med('MedicationRequest', 'active', 'active'),
      med('MedicationRequest', 'stopped', 'stopped'),
      med('MedicationStatement', 'completed', 'completed'),
      med('MedicationRequest', 'cancelled', 'cancelled'),
      med('MedicationRequest', 'error', 'entered-in-error'),
      med('MedicationStatement', 'serror', 'entered-in-error'),
    ]);
    expect(r.facts.map((f) => [f.resource, factState(f)])).toEqual([
      ['MedicationRequest/active', 'current'],
      ['MedicationRequest/stopped', 'history'],
      ['MedicationStatement/completed', 'history'],
    ]);
    expect([...r.warnings].sort()).toEqual([
      'MedicationRequest/cancelled: status cancelled; not read',
      'MedicationRequest/error: status entered-in-error; not read',
      'MedicationStatement/serror: status entered-in-error; not read',
    ]);
  });
});

describe('interpretation of coded results', () => {
  it('reads Synthea COVID-19 test results from their coded value', async () => {
    const covidTest = (id: string, code: string, display: string) =>
      observation(id, {
        code: concept(LOINC, '94531-1', 'SARS-CoV-2 RNA Pr Resp Ql NAA+probe'),
        valueCodeableConcept: { ...concept(SNOMED, code, display), text: display },
      });
    const r = await onlyRecord([
      covidTest('pos', '260373001', 'Detected (qualifier value)'),
      covidTest('neg', '260415000', 'Not detected (qualifier value)'),
    ]);
    expect(r.facts.map((f) => [f.resource, f.valueText, f.interpretation])).toEqual([
      ['Observation/neg', 'Not detected (qualifier value)', 'ND'],
      ['Observation/pos', 'Detected (qualifier value)', 'DET'],
    ]);
  });

  it('prefers interpretation flags, then SNOMED values, then words', () => {
    const flag = (code: string) => [concept(V3, code)];
    expect(interpretationOf(flag('POS'), concept(SNOMED, '260385009'))).toBe('POS');
    expect(interpretationOf(flag('HH'), undefined)).toBe('HH');
    expect(interpretationOf([concept('http://terminology.hl7.org/CodeSystem/v2-0078', 'l')], undefined)).toBe('L');
    expect(interpretationOf([{ text: 'Positive' }], undefined)).toBe('POS');
    expect(interpretationOf(undefined, concept(SNOMED, '10828004', 'Positive'))).toBe('POS');
    expect(interpretationOf(undefined, { text: 'Detected' })).toBe('DET');
    expect(interpretationOf(undefined, { text: 'negative' })).toBe('NEG');
    expect(interpretationOf(undefined, { text: 'Never smoker' })).toBeUndefined();
    expect(interpretationOf(undefined, undefined)).toBeUndefined();
  });

  it('reads a component interpretation for that component only', async () => {
    const r = await onlyRecord([
      observation('bp', {
        code: concept(LOINC, '85354-9'),
        interpretation: [concept(V3, 'H')],
        component: [
          { code: concept(LOINC, '8480-6'), valueQuantity: { value: 170 }, interpretation: [concept(V3, 'H')] },
          { code: concept(LOINC, '8462-4'), valueQuantity: { value: 80 } },
        ],
      }),
    ]);
    expect(r.facts.map((f) => [f.codings[0]?.code, f.interpretation])).toEqual([
      ['8480-6', 'H'],
      ['8462-4', undefined],
    ]);
  });
});

describe('unreadStatus on its own', () => {
  it('names the field and the code', () => {
    expect(unreadStatus({ resourceType: 'Procedure', status: 'not-done', subject, id: 'x' })).toBe('status not-done');
    expect(unreadStatus({ resourceType: 'Procedure', status: 'completed', subject, id: 'x' })).toBeUndefined();
    expect(unreadStatus({ resourceType: 'MedicationStatement', status: 'not-taken', subject, id: 'x' })).toBe('status not-taken');
    expect(unreadStatus({ resourceType: 'DocumentReference', status: 'superseded', content: [] })).toBeUndefined();
    expect(unreadStatus({ resourceType: 'Communication', status: 'entered-in-error' })).toBe('status entered-in-error');
  });

  it('does not read a proposed medication (a suggestion, such as our own written back), only ordered ones', () => {
    const request = { resourceType: 'MedicationRequest', status: 'draft', subject, medicationCodeableConcept: { text: 'x' } } as const;
    expect(unreadStatus({ ...request, intent: 'proposal' })).toBe('intent proposal');
    expect(unreadStatus({ ...request, status: 'active', intent: 'order' })).toBeUndefined();
  });
});
