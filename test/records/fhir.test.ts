/**
 * The R4 types describe valid input; these tests feed the narrowing helpers and the fact and note
 * readers input that breaks those types (a string where a CodeableConcept belongs, an object where
 * an array belongs, null elements) and check that the bad parts read as absent, never throw.
 */
import { describe, expect, it } from 'vitest';
import { extractFacts } from '../../src/records/facts.js';
import {
  asResource,
  codingsOf,
  conceptText,
  type FhirResource,
  type fhir4,
  items,
  obj,
  type ResourceEntry,
  resourceTime,
  statusOf,
} from '../../src/records/fhir.js';
import { encounterReferenceOf, patientReferenceOf, ResourceIndex } from '../../src/records/fhir-refs.js';

/** Input as it may arrive: shaped like `T` by intent, but any field may be of another type. */
const malformed = <T>(value: unknown): T => value as T;

const entryOf = (resource: FhirResource): ResourceEntry => ({
  resource,
  key: `${resource.resourceType}/${resource.id ?? 'x'}`,
  position: { file: 'in.ndjson', line: 1 },
  baseDir: '/',
});

describe('FHIR narrowing helpers', () => {
  it('take an object with a string resourceType as a resource, and nothing else', () => {
    expect(asResource({ resourceType: 'Patient', id: 'p' })?.resourceType).toBe('Patient');
    for (const bad of [null, 'Patient', [], { resourceType: 5 }, { id: 'p' }]) expect(asResource(bad)).toBeUndefined();
  });

  it('keep array indices and turn non-object elements into undefined', () => {
    const coding = malformed<fhir4.Coding[]>([{ code: 'a' }, null, 'b', [1], { code: 'c' }]);
    expect(items(coding)).toEqual([{ code: 'a' }, undefined, undefined, undefined, { code: 'c' }]);
    expect(items(malformed<fhir4.Coding[]>({ 0: { code: 'a' } }))).toEqual([]);
    expect(obj(malformed<fhir4.Period>('2020'))).toBeUndefined();
    expect(obj(malformed<fhir4.Period>([]))).toBeUndefined();
  });

  it('read codings, text and status from concepts of the wrong shape without throwing', () => {
    const concept = malformed<fhir4.CodeableConcept>({
      coding: [null, { system: 'http://loinc.org', code: 5 }, { system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }],
    });
    expect(codingsOf(concept)).toEqual([{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }]);
    expect(conceptText(concept)).toBe('Heart rate');
    expect(codingsOf(malformed<fhir4.CodeableConcept>('8867-4'))).toEqual([]);
    expect(conceptText(malformed<fhir4.CodeableConcept>({ text: 7, coding: 'x' }))).toBeUndefined();
    expect(statusOf('active')).toBe('active');
    expect(statusOf(malformed<fhir4.CodeableConcept>({ coding: [{ code: 'resolved' }] }))).toBe('resolved');
    expect(statusOf(malformed<fhir4.CodeableConcept>(42))).toBeUndefined();
  });

  it('find times and references through the fields several types share, skipping bad values', () => {
    const observation = malformed<FhirResource>({
      resourceType: 'Observation',
      effectiveDateTime: 12,
      effectivePeriod: { start: 'not a date' },
      issued: '2024-05-01T10:00:00Z',
      subject: 'Patient/1',
      encounter: { reference: 'Encounter/e1' },
    });
    expect(resourceTime(observation)).toBe('2024-05-01T10:00:00Z');
    expect(patientReferenceOf(observation)).toBeUndefined();
    expect(encounterReferenceOf(observation)).toBe('Encounter/e1');
    const document = malformed<FhirResource>({
      resourceType: 'DocumentReference',
      context: { period: { start: '2023-01-02' }, encounter: [{ reference: 'Encounter/e2' }] },
      subject: { reference: 'Patient/2' },
    });
    expect(resourceTime(document)).toBe('2023-01-02');
    expect(encounterReferenceOf(document)).toBe('Encounter/e2');
    expect(patientReferenceOf(document)).toBe('Patient/2');
    expect(encounterReferenceOf(malformed<FhirResource>({ resourceType: 'DocumentReference', context: { encounter: { 0: {} } } }))).toBe(
      undefined,
    );
  });
});

describe('facts from malformed resources', () => {
  it('keep what is well formed and drop the rest', async () => {
    const warnings: string[] = [];
    const observation = malformed<FhirResource>({
      resourceType: 'Observation',
      id: 'o1',
      status: 3,
      code: { coding: [{ system: 'http://loinc.org', code: '85354-9' }] },
      component: [
        null,
        { code: 'systolic', valueQuantity: { value: 120 } },
        { code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] }, valueQuantity: { value: '120', unit: 'mm[Hg]' } },
        { code: { coding: [{ system: 'http://loinc.org', code: '8462-4' }] }, valueQuantity: { value: 80, unit: 'mm[Hg]' } },
      ],
    });
    const facts = await extractFacts(entryOf(observation), new ResourceIndex(), (m) => warnings.push(m));
    expect(facts).toEqual([
      { kind: 'observation', codings: [{ system: 'http://loinc.org', code: '8480-6' }], resource: 'Observation/o1' },
      {
        kind: 'observation',
        codings: [{ system: 'http://loinc.org', code: '8462-4' }],
        resource: 'Observation/o1',
        value: 80,
        unit: 'mm[Hg]',
      },
    ]);
    expect(warnings).toEqual([]);
  });

  it('warn about a medication reference that resolves to no Medication', async () => {
    const warnings: string[] = [];
    const request = malformed<FhirResource>({
      resourceType: 'MedicationRequest',
      id: 'm1',
      status: 'active',
      authoredOn: '2024-01-01',
      medicationReference: { reference: '#med', display: 'aspirin' },
      contained: ['med', { resourceType: 'Organization', id: 'med' }],
    });
    const facts = await extractFacts(entryOf(request), new ResourceIndex(), (m) => warnings.push(m));
    expect(facts).toEqual([
      { kind: 'medication', codings: [], text: 'aspirin', resource: 'MedicationRequest/m1', status: 'active', time: '2024-01-01' },
    ]);
    expect(warnings).toEqual(['MedicationRequest/m1: the medication reference points to a Organization; kept its display text']);
  });
});
