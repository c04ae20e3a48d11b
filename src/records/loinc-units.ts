/**
 * @file Units and names of the measurements a CSV row may carry as `LOINC=value` pairs
 * (docs/csv-format.md). The CSV has no unit column, so the unit is fixed per LOINC code here,
 * and the generator (src/synth/vitals.ts) writes values in exactly these units.
 */
export const CSV_MEASUREMENT_UNITS: Readonly<Record<string, { unit: string; display: string }>> = {
  '8310-5': { unit: 'Cel', display: 'Body temperature' },
  '8867-4': { unit: '/min', display: 'Heart rate' },
  '9279-1': { unit: '/min', display: 'Respiratory rate' },
  '59408-5': { unit: '%', display: 'Oxygen saturation in Arterial blood by Pulse oximetry' },
  '8480-6': { unit: 'mm[Hg]', display: 'Systolic blood pressure' },
  '8462-4': { unit: 'mm[Hg]', display: 'Diastolic blood pressure' },
  '39156-5': { unit: 'kg/m2', display: 'Body mass index (BMI) [Ratio]' },
  '718-7': { unit: 'g/dL', display: 'Hemoglobin [Mass/volume] in Blood' },
  '2339-0': { unit: 'mg/dL', display: 'Glucose [Mass/volume] in Blood' },
};
