/**
 * Reference ranges by age and sex: every source table spot-checked at its band edges, the featurizer
 * flags a child's measurements against the child's ranges (a healthy 4-year-old links no abnormal
 * entity), and end to end a record with only normal paediatric vitals gets no predictions.
 */
import { describe, expect, it } from 'vitest';
import type { EntityLinker } from '../../src/kg/link.js';
import { SYSTEMS } from '../../src/kg/types.js';
import { Featurizer } from '../../src/model/features.js';
import { exactAgeYears, rangeSubjectOf, referenceRange } from '../../src/model/reference-ranges.js';
import type { Tokenizer } from '../../src/model/tokenizer.js';
import { NO_EVIDENCE_WARNING, type PredictionLine } from '../../src/pipeline/prediction.js';
import type { CodedFact } from '../../src/records/types.js';
import { cli, HAS_MODEL, jsonLines, MODEL_DIR, MODEL_NOTE } from '../support/cli.js';

const HR = '8867-4';
const RR = '9279-1';
const SBP = '8480-6';
const DBP = '8462-4';
const HB = '718-7';
const BMI = '39156-5';

describe('referenceRange', () => {
  it('reads heart and respiratory rate from Fleming 2011 centiles (1st, 99th) by exact age', () => {
    const months = (m: number) => m / 12 + 1e-9; // just past the band's lower edge
    expect(referenceRange(HR, months(0), undefined)).toEqual([107, 181]);
    expect(referenceRange(HR, months(3), undefined)).toEqual([104, 175]);
    expect(referenceRange(HR, months(11.9), undefined)).toEqual([93, 161]);
    expect(referenceRange(HR, months(18), undefined)).toEqual([82, 149]);
    expect(referenceRange(HR, 17.9, undefined)).toEqual([43, 104]);
    expect(referenceRange(RR, months(0), undefined)).toEqual([25, 66]);
    expect(referenceRange(RR, months(9), undefined)).toEqual([22, 58]);
    expect(referenceRange(RR, months(23.9), undefined)).toEqual([19, 46]);
    expect(referenceRange(RR, 14.5, undefined)).toEqual([12, 23]);
  });

  it('reads whole years as the widest range over the year', () => {
    expect(referenceRange(HR, 0, undefined)).toEqual([93, 181]);
    expect(referenceRange(RR, 0, undefined)).toEqual([22, 66]);
    expect(referenceRange(HR, 1, undefined)).toEqual([82, 156]);
    expect(referenceRange(RR, 1, undefined)).toEqual([19, 53]);
    expect(referenceRange(HR, 2, undefined)).toEqual([76, 142]);
    expect(referenceRange(HR, 4, undefined)).toEqual([65, 131]);
    expect(referenceRange(RR, 5, undefined)).toEqual([17, 29]);
    expect(referenceRange(HR, 11, undefined)).toEqual([52, 115]);
    expect(referenceRange(RR, 12, undefined)).toEqual([12, 23]);
    expect(referenceRange(RR, 17, undefined)).toEqual([11, 22]);
    expect(referenceRange(HR, 18, undefined)).toEqual([50, 100]);
    expect(referenceRange(RR, 18, undefined)).toEqual([10, 20]);
  });

  it('reads systolic pressure against PALS hypotension, and not high under 13 (AAP 2017)', () => {
    expect(referenceRange(SBP, 10 / 365.25, undefined)).toEqual([60, Infinity]);
    expect(referenceRange(SBP, 0, undefined)).toEqual([70, Infinity]);
    expect(referenceRange(SBP, 0.5, undefined)).toEqual([70, Infinity]);
    expect(referenceRange(SBP, 1, undefined)).toEqual([72, Infinity]);
    expect(referenceRange(SBP, 9, undefined)).toEqual([88, Infinity]);
    expect(referenceRange(SBP, 10, undefined)).toEqual([90, Infinity]);
    expect(referenceRange(SBP, 12, undefined)).toEqual([90, Infinity]);
    expect(referenceRange(SBP, 13, undefined)).toEqual([90, 139]);
    expect(referenceRange(DBP, 12, undefined)).toBeUndefined();
    expect(referenceRange(DBP, 13, undefined)).toEqual([55, 89]);
  });

  it('reads haemoglobin against WHO 2011 anaemia thresholds by age and sex', () => {
    expect(referenceRange(HB, 0, 'male')).toBeUndefined();
    expect(referenceRange(HB, 0.25, 'male')).toBeUndefined();
    expect(referenceRange(HB, 0.5, 'male')).toEqual([11.0, Infinity]);
    expect(referenceRange(HB, 4, 'male')).toEqual([11.0, 17.5]);
    expect(referenceRange(HB, 5, 'female')).toEqual([11.5, 17.5]);
    expect(referenceRange(HB, 11, 'male')).toEqual([11.5, 17.5]);
    expect(referenceRange(HB, 12, 'male')).toEqual([12.0, 17.5]);
    expect(referenceRange(HB, 14, 'male')).toEqual([12.0, 17.5]);
    expect(referenceRange(HB, 15, 'male')).toEqual([13.0, 17.5]);
    expect(referenceRange(HB, 15, 'female')).toEqual([12.0, 17.5]);
    expect(referenceRange(HB, 40, 'unknown')).toEqual([12.0, 17.5]);
    expect(referenceRange(HB, 40, undefined)).toEqual([12.0, 17.5]);
  });

  it('does not flag BMI under 18, and keeps temperature, SpO2 and glucose at every age', () => {
    expect(referenceRange(BMI, 17, undefined)).toBeUndefined();
    expect(referenceRange(BMI, 18, undefined)).toEqual([18.5, 29.9]);
    for (const age of [0, 4, 40, undefined]) {
      expect(referenceRange('8310-5', age, undefined)).toEqual([35.0, 37.9]);
      expect(referenceRange('59408-5', age, undefined)).toEqual([94, 100]);
      expect(referenceRange('2708-6', age, undefined)).toEqual([94, 100]);
      expect(referenceRange('2339-0', age, undefined)).toEqual([65, 125]);
    }
  });

  it('falls back to the adult ranges when the age is unknown', () => {
    expect(referenceRange(HR, undefined, undefined)).toEqual([50, 100]);
    expect(referenceRange(RR, undefined, undefined)).toEqual([10, 20]);
    expect(referenceRange(SBP, undefined, undefined)).toEqual([90, 139]);
    expect(referenceRange(DBP, undefined, undefined)).toEqual([55, 89]);
    expect(referenceRange(BMI, undefined, undefined)).toEqual([18.5, 29.9]);
    expect(referenceRange(HB, undefined, 'male')).toEqual([13.0, 17.5]);
    expect(referenceRange('1234-5', 4, undefined)).toBeUndefined();
  });

  it('computes an exact age from full dates, and keeps whole years otherwise', () => {
    expect(exactAgeYears('2024-01-15', '2024-04-15T10:00:00Z')).toBe(0.25);
    expect(exactAgeYears('2024-01-15', '2024-04-14')).toBeCloseTo(2 / 12 + 30 / 365.25, 9);
    expect(exactAgeYears('2024', '2024-04-14')).toBeUndefined();
    expect(rangeSubjectOf({ birthDate: '2020-06-01', ageYears: 4, sex: 'female' }, '2024-12-01')).toEqual({ ageYears: 4.5, sex: 'female' });
    expect(rangeSubjectOf({ birthDate: '2020', ageYears: 4 }, '2024-12-01')).toEqual({ ageYears: 4 });
    expect(rangeSubjectOf({}, undefined)).toEqual({});
  });
});

describe('Featurizer.linkEntities with reference ranges', () => {
  const linker = {
    link: () => [],
    linkCodes: (codings: readonly { code: string }[]) => codings.map((c) => `loinc:${c.code}`),
  } as unknown as EntityLinker;
  const codes = [HR, RR, '8310-5', '59408-5', HB];
  const featurizer = new Featurizer({} as Tokenizer, linker, ['[PAD]', ...codes.map((c) => `loinc:${c}`)], {
    maxLength: 16,
    maxEntities: 16,
  } as ConstructorParameters<typeof Featurizer>[3]);
  const vital = (code: string, value: number): CodedFact => ({ kind: 'observation', codings: [{ system: SYSTEMS.loinc, code }], value });
  const abnormal = (facts: CodedFact[], subject?: Parameters<Featurizer['linkEntities']>[2]) =>
    featurizer
      .linkEntities('', facts, subject)
      .filter((e) => e.flag === 'abnormal')
      .map((e) => e.id);
  const healthyChild = [vital(HR, 110), vital(RR, 24), vital('8310-5', 36.8), vital('59408-5', 98)];

  it('links no abnormal entity for a healthy 4-year-old, and tachycardia and tachypnoea for an adult', () => {
    expect(abnormal(healthyChild, { ageYears: 4, sex: 'female' })).toEqual([]);
    expect(abnormal(healthyChild, { ageYears: 30 })).toEqual([`loinc:${HR}`, `loinc:${RR}`]);
    expect(abnormal(healthyChild)).toEqual([`loinc:${HR}`, `loinc:${RR}`]);
  });

  it('flags an infant breathing at 70/min', () => {
    expect(abnormal([vital(RR, 70)], { ageYears: 0 })).toEqual([`loinc:${RR}`]);
  });

  it('flags haemoglobin 12.5 g/dL in a man, not in a woman', () => {
    expect(abnormal([vital(HB, 12.5)], { ageYears: 40, sex: 'male' })).toEqual([`loinc:${HB}`]);
    expect(abnormal([vital(HB, 12.5)], { ageYears: 40, sex: 'female' })).toEqual([]);
  });
});

function observation(id: string, code: string, value: number, unit: string) {
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    subject: { reference: 'Patient/c1' },
    effectiveDateTime: '2024-05-01T09:00:00Z',
    code: { coding: [{ system: 'http://loinc.org', code }] },
    valueQuantity: { value, unit },
  };
}

function vitalsBundle(id: string, birthDate: string): string {
  const entries = [
    { resourceType: 'Patient', id, gender: 'male', birthDate },
    observation(`${id}-hr`, HR, 110, '/min'),
    observation(`${id}-rr`, RR, 24, '/min'),
    observation(`${id}-t`, '8310-5', 36.8, 'Cel'),
    observation(`${id}-spo2`, '59408-5', 98, '%'),
  ].map((resource) => ({ resource: { ...resource, subject: { reference: `Patient/${id}` } } }));
  return JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: entries });
}

describe.skipIf(!HAS_MODEL)(`analyze on a record with only vital signs${MODEL_NOTE}`, () => {
  it('writes no predictions for a healthy 4-year-old, and reads the same vitals as abnormal in an adult', () => {
    const input = `${[vitalsBundle('c1', '2020-01-10'), vitalsBundle('a1', '1980-01-10')].join('\n')}\n`;
    const r = cli(['analyze', '-', '--no-timing', '--model', MODEL_DIR], { input });
    expect(r.status).toBe(0);
    const [child, adult] = jsonLines(r.stdout) as unknown as PredictionLine[];
    expect(child?.id).toBe('c1');
    expect(Object.values(child?.predictions ?? {}).every((labels) => labels.length === 0)).toBe(true);
    expect(child?.abstained?.diagnoses?.reason).toBe('NO_EVIDENCE');
    expect(child?.warnings).toContain(NO_EVIDENCE_WARNING);
    expect(adult?.id).toBe('a1');
    expect(adult?.abstained?.diagnoses?.reason).not.toBe('NO_EVIDENCE');
    expect(adult?.warnings).not.toContain(NO_EVIDENCE_WARNING);
  });
});
