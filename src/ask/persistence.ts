/**
 * @file Which conditions last once they are there, for reading an old note's present tense.
 *
 * Why: `ask` reads a note of two years ago "presenting with viral sinusitis" as the past, not as
 * today (src/ask/record-conditions.ts PRESENT_WINDOW_DAYS), but "presenting with atrial
 * fibrillation" two years ago still says something of today: atrial fibrillation stays. The graph's
 * `course` cannot tell: it says which conditions are the model's presenting diagnoses (`acute`: the
 * 49 DDXPlus conditions, among them atrial fibrillation, anemia and chronic rhinosinusitis) and which
 * its history items (`chronic`), not how long a condition lasts.
 *
 * A condition lasts when the graph calls it chronic, when its name says "chronic", or when one of its
 * ICD-10-CM codes falls in LASTING_ICD10: the chronic conditions of the CMS Chronic Conditions
 * Warehouse (Alzheimer's and dementia, anemia, asthma, atrial fibrillation, benign prostatic
 * hyperplasia, cataract, chronic kidney disease, COPD, depression, diabetes, glaucoma, heart failure,
 * hyperlipidemia, hypertension, hypothyroidism, ischemic heart disease, osteoporosis, rheumatoid and
 * osteoarthritis) and HIV. Left out on purpose: that list's events (acute myocardial infarction,
 * stroke, hip fracture) and cancers, which treatment can end. A name that says "acute" or
 * "exacerbation" never lasts, whatever its code ("Acute COPD exacerbation", J44.1).
 */
import type { Entity } from '../kg/types.js';
import { SYSTEMS } from '../util/code-systems.js';

/** ICD-10-CM code prefixes of lasting conditions by group (see the file comment); a code matches by prefix. */
export const LASTING_GROUPS: Readonly<Record<string, readonly string[]>> = {
  'HIV disease': ['B20'],
  anemias: ['D50', 'D51', 'D52', 'D53', 'D55', 'D56', 'D57', 'D58', 'D59', 'D60', 'D61', 'D62', 'D63', 'D64'],
  hypothyroidism: ['E03'],
  diabetes: ['E08', 'E09', 'E10', 'E11', 'E13'],
  hyperlipidemia: ['E78'],
  "dementia, Alzheimer's disease": ['F01', 'F02', 'F03', 'G30'],
  depression: ['F32', 'F33'],
  cataract: ['H25', 'H26'],
  glaucoma: ['H40'],
  hypertension: ['I10', 'I11', 'I12', 'I13', 'I15', 'I16'],
  'ischemic heart disease, stable (not unstable angina or infarction)': ['I20.8', 'I20.9', 'I25'],
  'atrial fibrillation': ['I48'],
  'heart failure': ['I50'],
  'COPD, asthma, bronchiectasis': ['J41', 'J42', 'J43', 'J44', 'J45', 'J47'],
  'rheumatoid arthritis, osteoarthritis': ['M05', 'M06', 'M15', 'M16', 'M17', 'M18', 'M19'],
  osteoporosis: ['M80', 'M81'],
  'chronic kidney disease': ['N18'],
  'benign prostatic hyperplasia': ['N40'],
};

/** Every prefix of LASTING_GROUPS. */
export const LASTING_ICD10: readonly string[] = Object.values(LASTING_GROUPS).flat();

const NEVER_LASTING = /\b(acute|exacerbation)\b/i;
const NAMED_CHRONIC = /\bchronic\b/i;

/** Whether the condition lasts once present (see the file comment); false for an unknown entity. */
export function lasts(entity: Entity | undefined): boolean {
  if (!entity) return false;
  if (entity.course === 'chronic') return true;
  if (NEVER_LASTING.test(entity.name)) return false;
  if (NAMED_CHRONIC.test(entity.name)) return true;
  return entity.codes.some((c) => c.system === SYSTEMS.icd10 && LASTING_ICD10.some((p) => c.code.startsWith(p)));
}
