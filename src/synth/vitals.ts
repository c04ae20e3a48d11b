/**
 * @file Vital signs and labs for generated patients: LOINC code, unit, and the normal and
 * abnormal ranges the generator draws from.
 *
 * Which measurement is abnormal for which condition comes from the graph's `abnormal_in` edges;
 * the direction (fever is high, hypoxaemia is low) and plausible ranges are written here once.
 */
import { referenceRange } from '../model/reference-ranges.js';
import type { Random } from '../util/random.js';

export interface MeasurementSpec {
  loinc: string;
  display: string;
  /** UCUM unit. */
  unit: string;
  /** Short label used in notes ("HR", "SpO2"). */
  label: string;
  normal: [number, number];
  abnormal: [number, number];
  decimals: number;
  /** Labs are not measured at every visit. */
  lab?: boolean;
  /** Other LOINC codes that, when abnormal in a condition, make this one abnormal too. */
  aliases?: string[];
}

export const MEASUREMENTS: readonly MeasurementSpec[] = [
  { loinc: '8310-5', display: 'Body temperature', unit: 'Cel', label: 'T', normal: [36.4, 37.3], abnormal: [38.0, 40.1], decimals: 1 },
  { loinc: '8867-4', display: 'Heart rate', unit: '/min', label: 'HR', normal: [60, 95], abnormal: [105, 150], decimals: 0 },
  { loinc: '9279-1', display: 'Respiratory rate', unit: '/min', label: 'RR', normal: [12, 18], abnormal: [22, 34], decimals: 0 },
  {
    loinc: '59408-5',
    display: 'Oxygen saturation in Arterial blood by Pulse oximetry',
    unit: '%',
    label: 'SpO2',
    normal: [96, 99],
    abnormal: [84, 93],
    decimals: 0,
    aliases: ['2708-6'],
  },
  {
    loinc: '8480-6',
    display: 'Systolic blood pressure',
    unit: 'mm[Hg]',
    label: 'SBP',
    normal: [104, 129],
    abnormal: [142, 176],
    decimals: 0,
    aliases: ['85354-9'],
  },
  {
    loinc: '8462-4',
    display: 'Diastolic blood pressure',
    unit: 'mm[Hg]',
    label: 'DBP',
    normal: [64, 82],
    abnormal: [90, 106],
    decimals: 0,
    aliases: ['85354-9'],
  },
  {
    loinc: '39156-5',
    display: 'Body mass index (BMI) [Ratio]',
    unit: 'kg/m2',
    label: 'BMI',
    normal: [19, 27.5],
    abnormal: [31, 42],
    decimals: 1,
  },
  {
    loinc: '718-7',
    display: 'Hemoglobin [Mass/volume] in Blood',
    unit: 'g/dL',
    label: 'Hgb',
    // Women's (and children's) normal range; men from 15 draw from MALE_NORMAL_HB.
    normal: [12.4, 15.6],
    abnormal: [7.2, 10.6],
    decimals: 1,
    lab: true,
  },
  {
    loinc: '2339-0',
    display: 'Glucose [Mass/volume] in Blood',
    unit: 'mg/dL',
    label: 'glucose',
    normal: [74, 105],
    abnormal: [128, 260],
    decimals: 0,
    lab: true,
  },
];

/**
 * Normal haemoglobin of men from 15 years (g/dL): WHO calls a man anaemic below 13.0 (the reference
 * ranges in src/model/reference-ranges.ts), so a man's normal value is drawn above it.
 */
const MALE_NORMAL_HB: [number, number] = [13.3, 17.0];

export interface Measurement {
  spec: MeasurementSpec;
  value: number;
  abnormal: boolean;
}

/**
 * Draw a patient's measurements. `abnormalLoinc` holds the LOINC codes the patient's conditions
 * make abnormal; children's heart and breathing rates are drawn for their age band, and a man's normal
 * haemoglobin is drawn from the male range. `sex` only changes a value, never the draws, so every
 * stream after it is the same for either sex.
 */
export function drawMeasurements(rng: Random, abnormalLoinc: ReadonlySet<string>, ageYears: number, sex: 'female' | 'male'): Measurement[] {
  const out: Measurement[] = [];
  for (const spec of MEASUREMENTS) {
    const abnormal = abnormalLoinc.has(spec.loinc) || (spec.aliases ?? []).some((a) => abnormalLoinc.has(a));
    // Draws happen whether or not a lab is kept, so one lab's presence never shifts the others.
    const u = rng.float();
    const keep = rng.float();
    if (spec.lab && keep > (abnormal ? 0.85 : 0.4)) continue;
    if (spec.loinc === '39156-5' && ageYears < 18) continue;
    const maleHb = spec.loinc === '718-7' && sex === 'male' && ageYears >= 15;
    const [lo, hi] = abnormal ? spec.abnormal : maleHb ? MALE_NORMAL_HB : spec.normal;
    let value = lo + (hi - lo) * u;
    const child =
      ageYears < 18 && (spec.loinc === '8867-4' || spec.loinc === '9279-1') ? referenceRange(spec.loinc, ageYears, sex) : undefined;
    if (child) {
      // A child's rates from the same centile bands the featurizer reads (src/model/reference-ranges.ts):
      // normal between 20% and 60% of the 1st-99th centile span (around the median), abnormal 5-30% above the 99th.
      const [cLo, cHi] = child;
      value = abnormal ? cHi * (1.05 + 0.25 * u) : cLo + (cHi - cLo) * (0.2 + 0.4 * u);
    }
    const scale = 10 ** spec.decimals;
    out.push({ spec, value: Math.round(value * scale) / scale, abnormal });
  }
  return out;
}
