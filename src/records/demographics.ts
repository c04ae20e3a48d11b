/**
 * @file Demographics from a Patient resource, with the age at the record's own reference time.
 *
 * Age is computed from calendar dates as written (birthDate and the reference time's date part),
 * never from the clock, so the same input gives the same record tomorrow.
 */
import { type fhir4, str } from './fhir.js';
import type { Demographics } from './types.js';

const SEXES = ['female', 'male', 'other', 'unknown'] as const;

function dateParts(value: string): [number, number, number] | undefined {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?/.exec(value);
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2] ?? 1), Number(m[3] ?? 1)];
}

/** Whole years from `birthDate` to the date of `at`, or undefined when either is unusable. */
export function ageInYears(birthDate: string, at: string): number | undefined {
  const b = dateParts(birthDate);
  const t = dateParts(at);
  if (!b || !t) return undefined;
  const [by, bm, bd] = b;
  const [ty, tm, td] = t;
  const age = ty - by - (tm < bm || (tm === bm && td < bd) ? 1 : 0);
  return age >= 0 && age < 150 ? age : undefined;
}

/** Sex from a gender code; anything else is left out rather than guessed. */
export function parseSex(value: string | undefined): Demographics['sex'] {
  return (SEXES as readonly (string | undefined)[]).includes(value) ? (value as Demographics['sex']) : undefined;
}

export function demographicsOf(patient: fhir4.Patient | undefined, referenceTime: string | undefined): Demographics {
  const d: Demographics = {};
  if (!patient) return d;
  const sex = parseSex(str(patient.gender));
  if (sex) d.sex = sex;
  const birthDate = str(patient.birthDate);
  if (birthDate) {
    d.birthDate = birthDate;
    if (referenceTime) {
      const age = ageInYears(birthDate, referenceTime);
      if (age !== undefined) d.ageYears = age;
    }
  }
  return d;
}
