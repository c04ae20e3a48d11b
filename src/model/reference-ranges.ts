/**
 * @file Reference ranges of the measurements the model reads (LOINC -> [low, high]) by the
 * patient's age, and sex where it matters, each with its published source.
 *
 * Why: a measurement outside its range enters the model as an "abnormal" entity, and adult ranges
 * made every healthy child tachycardic and tachypnoeic (a well 4-year-old with HR 110 and RR 24 was
 * read as an acute illness). The table below is the single place a range is chosen; the same table
 * with its sources is written out for readers in docs/reference-ranges.md.
 *
 * Age. `ageYears` is either the whole years a record carries (`demographics.ageYears`) or an exact
 * age in fractional years (`exactAgeYears`, from the birth date and the record's reference time).
 * An integer is read as whole years: the age is somewhere in [ageYears, ageYears + 1), and the range
 * is the widest one over the bands in that interval (union: the lowest low, the highest high), so a
 * value is only flagged when it is abnormal at every age the patient might be. An age of 0 therefore
 * gets the union of the four infant bands of Fleming 2011. A fractional age picks its own band.
 * Unknown age: the adult ranges. Unknown sex (or "other"/"unknown"): the lower (female) haemoglobin
 * threshold, so a value is flagged only when it is low for either sex.
 *
 * A range may be open on one side (±Infinity, "not flagged high/low") or absent (`undefined`, "not
 * flagged at this age"): a range that needs data the record does not carry (height percentiles for
 * children's blood pressure, BMI-for-age percentiles) is left out rather than replaced by a guess.
 */
import type { Demographics } from '../records/types.js';

export type Sex = Demographics['sex'];
export type Range = readonly [low: number, high: number];

/** One row of a banded table: ages [fromMonths, toMonths) and the range there. */
interface Band {
  fromMonths: number;
  toMonths: number;
  range: Range;
}

const ADULT_MONTHS = 18 * 12;

/**
 * Heart rate (8867-4) and respiratory rate (9279-1), birth to 18 years: the 1st and 99th centiles of
 * Fleming S, Thompson M, Stevens R, et al. "Normal ranges of heart rate and respiratory rate in
 * children from birth to 18 years of age: a systematic review of observational studies."
 * Lancet 2011;377:1011–18 (PMC3789232), by its age bands.
 */
const FLEMING_2011: Readonly<Record<'8867-4' | '9279-1', readonly Band[]>> = {
  '8867-4': bands([
    [0, 3, 107, 181],
    [3, 6, 104, 175],
    [6, 9, 98, 168],
    [9, 12, 93, 161],
    [12, 18, 88, 156],
    [18, 24, 82, 149],
    [24, 36, 76, 142],
    [36, 48, 70, 136],
    [48, 72, 65, 131],
    [72, 96, 59, 123],
    [96, 144, 52, 115],
    [144, 180, 47, 108],
    [180, 216, 43, 104],
  ]),
  '9279-1': bands([
    [0, 3, 25, 66],
    [3, 6, 24, 64],
    [6, 9, 23, 61],
    [9, 12, 22, 58],
    [12, 18, 21, 53],
    [18, 24, 19, 46],
    [24, 36, 18, 38],
    [36, 48, 17, 33],
    [48, 72, 17, 29],
    [72, 96, 16, 27],
    [96, 144, 14, 25],
    [144, 180, 12, 23],
    [180, 216, 11, 22],
  ]),
};

function bands(rows: readonly (readonly [number, number, number, number])[]): Band[] {
  return rows.map(([fromMonths, toMonths, low, high]) => ({ fromMonths, toMonths, range: [low, high] }));
}

/**
 * Adult ranges (18 years and over, and unknown age). Standard clinical cut-offs: fever ≥ 38 °C,
 * bradycardia < 50/min and tachycardia > 100/min, tachypnoea > 20/min, SpO2 < 94 %, hypotension
 * SBP < 90, hypertension ≥ 140/90, BMI < 18.5 or ≥ 30, hyperglycaemia > 125 mg/dL (fasting), and
 * haemoglobin by WHO 2011 (below).
 */
const ADULT: Readonly<Record<string, Range>> = {
  '8310-5': [35.0, 37.9],
  '8867-4': [50, 100],
  '9279-1': [10, 20],
  '59408-5': [94, 100],
  '2708-6': [94, 100],
  '8480-6': [90, 139],
  '8462-4': [55, 89],
  '39156-5': [18.5, 29.9],
  '718-7': [12.0, 17.5],
  '2339-0': [65, 125],
};

/** Every LOINC code with a reference range at some age (the codes `isAbnormal` looks at). */
export const REFERENCE_LOINC: ReadonlySet<string> = new Set(Object.keys(ADULT));

/** Temperature, SpO2 (pulse oximetry and arterial) and glucose: the same range at every age. */
const AGE_INDEPENDENT = new Set(['8310-5', '59408-5', '2708-6', '2339-0']);

/** Below this age (exact, in years) PALS calls a patient a neonate: 28 days. */
const NEONATE_YEARS = 28 / 365.25;

/**
 * The reference range of `loinc` for a patient of `ageYears` (whole or exact years, see the file
 * comment) and `sex`: `undefined` when the code has none, or none at this age.
 */
export function referenceRange(loinc: string, ageYears: number | undefined, sex: Sex | undefined): Range | undefined {
  const adult = ADULT[loinc];
  if (!adult) return undefined;
  const age = ageYears !== undefined && Number.isFinite(ageYears) && ageYears >= 0 ? ageYears : undefined;
  if (loinc === '718-7') return haemoglobin(age, sex);
  if (age === undefined || age >= 18 || AGE_INDEPENDENT.has(loinc)) return adult;
  const whole = Number.isInteger(age);
  switch (loinc) {
    case '8867-4':
    case '9279-1':
      return banded(FLEMING_2011[loinc], age, whole) ?? adult;
    case '8480-6':
      return systolic(age, whole);
    case '8462-4':
      // Under 13 there is no diastolic threshold without height percentiles (AAP 2017).
      return age >= 13 ? adult : undefined;
    case '39156-5':
      // Under 18, BMI is read against BMI-for-age percentiles, which need more than one value.
      return undefined;
    default:
      return adult;
  }
}

/** The band at an exact age, or the union of the bands over [age, age + 1) for whole years. */
function banded(table: readonly Band[], age: number, whole: boolean): Range | undefined {
  const from = age * 12;
  const to = whole ? from + 12 : from;
  let low = Infinity;
  let high = -Infinity;
  for (const band of table) {
    const overlaps = whole ? band.fromMonths < to && band.toMonths > from : band.fromMonths <= from && from < band.toMonths;
    if (!overlaps) continue;
    low = Math.min(low, band.range[0]);
    high = Math.max(high, band.range[1]);
  }
  return low <= high && from < ADULT_MONTHS ? [low, high] : undefined;
}

/**
 * Systolic blood pressure under 18. Low: PALS hypotension (American Heart Association, Pediatric
 * Advanced Life Support): < 60 mmHg in neonates (only when the exact age is known to be under 28
 * days), < 70 in infants (whole-years age 0), < 70 + 2 × age in years from 1 to 10, < 90 from 10.
 * High: under 13 there is no threshold without height percentiles (Flynn JT et al., AAP Clinical
 * Practice Guideline for Screening and Management of High Blood Pressure in Children and
 * Adolescents, Pediatrics 2017;140:e20171904), so not flagged high; from 13 the adult threshold,
 * which the same guideline uses (≥ 130/80 is stage 1 there; this table keeps the adult ≥ 140).
 */
function systolic(age: number, whole: boolean): Range {
  const years = Math.floor(age);
  const low = !whole && age < NEONATE_YEARS ? 60 : years < 1 ? 70 : years < 10 ? 70 + 2 * years : 90;
  return [low, age >= 13 ? (ADULT['8480-6'] as Range)[1] : Infinity];
}

/**
 * Haemoglobin (718-7), g/dL. Low: WHO anaemia thresholds (WHO. Haemoglobin concentrations for the
 * diagnosis of anaemia and assessment of severity. WHO/NMH/NHD/MNM/11.1, 2011): 6–59 months < 11.0,
 * 5–11 years < 11.5, 12–14 years < 12.0, non-pregnant women ≥ 15 years < 12.0, men ≥ 15 years < 13.0.
 * WHO gives no threshold under 6 months, so a whole-years age of 0 is not flagged low. High: 17.5
 * (the adult table's upper bound, kept; no cited paediatric upper limit), not applied under 1 year,
 * when a newborn's haemoglobin is physiologically higher than an adult's.
 */
function haemoglobin(age: number | undefined, sex: Sex | undefined): Range | undefined {
  const high = age !== undefined && age < 1 ? Infinity : 17.5;
  if (age === undefined || age >= 15) return [sex === 'male' ? 13.0 : 12.0, high];
  const whole = Number.isInteger(age);
  if (age < 0.5 || (whole && age < 1)) return high === Infinity ? undefined : [-Infinity, high];
  if (age < 5) return [11.0, high];
  if (age < 12) return [11.5, high];
  return [12.0, high];
}

/**
 * A patient's exact age in fractional years at `at` (completed calendar months / 12, plus the days
 * since the last month's anniversary / 365.25), when both dates are full calendar dates; otherwise
 * undefined (a birth year alone says nothing about the months).
 */
export function exactAgeYears(birthDate: string | undefined, at: string | undefined): number | undefined {
  const b = birthDate ? fullDate(birthDate) : undefined;
  const t = at ? fullDate(at) : undefined;
  if (!b || !t) return undefined;
  let months = (t[0] - b[0]) * 12 + (t[1] - b[1]);
  if (t[2] < b[2]) months -= 1;
  if (months < 0) return undefined;
  const anniversary = Date.UTC(b[0], b[1] - 1 + months, Math.min(b[2], daysInMonth(b[0], b[1] - 1 + months)));
  const days = (Date.UTC(t[0], t[1] - 1, t[2]) - anniversary) / 86_400_000;
  return months / 12 + Math.max(0, days) / 365.25;
}

function fullDate(value: string): [number, number, number] | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(value);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

function daysInMonth(year: number, monthIndex: number): number {
  return new Date(Date.UTC(year, monthIndex + 1, 0)).getUTCDate();
}

/** The age and sex the reference ranges of a record are read for. */
export interface RangeSubject {
  /** Whole years, or exact fractional years (see the file comment). */
  ageYears?: number;
  sex?: Sex;
}

/**
 * The subject of a record: its exact age when the birth date and reference time give one that
 * agrees with the whole years it carries, else those whole years; and its sex.
 */
export function rangeSubjectOf(demographics: Demographics, time: string | undefined): RangeSubject {
  const exact = exactAgeYears(demographics.birthDate, time);
  const whole = demographics.ageYears;
  const ageYears = exact !== undefined && (whole === undefined || Math.floor(exact) === whole) ? exact : whole;
  return {
    ...(ageYears !== undefined ? { ageYears } : {}),
    ...(demographics.sex ? { sex: demographics.sex } : {}),
  };
}
