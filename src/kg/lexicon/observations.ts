/**
 * @file Measurements (LOINC) and allergens (Synthea AllergyIntolerance codes) in the graph, and
 * which measurement is abnormal in which condition.
 *
 * Why curated: Synthea records these codes but no file says that a high heart rate belongs to
 * PSVT. The `abnormal_in` rows below are textbook associations only ("clinically obvious"), each
 * with P(abnormal | condition) and one direction per measurement, so a generator drawing values
 * and a reader flagging a coded Observation agree. Reference ranges are adult ranges as commonly
 * printed on laboratory reports.
 */

export interface ObservationCuration {
  /** Preferred LOINC code first; others are the same quantity measured another way. */
  loinc: readonly string[];
  name: string;
  synonyms: readonly string[];
  unit: string;
  normalRange: [number, number];
  /** Whether abnormal means above or below the range, for all of this measurement's edges. */
  direction: 'high' | 'low';
  /** Condition ICD-10 code -> P(abnormal | condition). */
  abnormalIn: Readonly<Record<string, number>>;
  /** Set when the LOINC code is not in Synthea's code list and was added from LOINC itself. */
  standardCode?: true;
}

export const OBSERVATIONS: readonly ObservationCuration[] = [
  {
    loinc: ['8867-4'],
    name: 'heart rate',
    synonyms: ['hr', 'pulse', 'pulse rate'],
    unit: '/min',
    normalRange: [60, 100],
    direction: 'high',
    abnormalIn: { 'I47.1': 0.95, 'I48.91': 0.7, I26: 0.6, 'T78.0': 0.7, F41: 0.7, 'I51.4': 0.5, 'J81.0': 0.6, J17: 0.4, 'D64.9': 0.3 },
  },
  {
    loinc: ['9279-1'],
    name: 'respiratory rate',
    synonyms: ['rr', 'resp rate', 'breathing rate'],
    unit: '/min',
    normalRange: [12, 20],
    direction: 'high',
    abnormalIn: { J17: 0.5, I26: 0.6, 'J81.0': 0.8, J45: 0.6, 'J44.1': 0.6, J21: 0.7, 'T78.0': 0.5 },
  },
  {
    loinc: ['8310-5', '8331-1'],
    name: 'body temperature',
    synonyms: ['temperature', 'temp', 'oral temperature'],
    unit: 'Cel',
    normalRange: [36.1, 37.8],
    direction: 'high',
    abnormalIn: { 'J11.1': 0.8, J17: 0.75, 'A98.4': 0.9, 'J05.1': 0.8, 'H66.90': 0.5, 'J02.9': 0.4, J40: 0.3, A15: 0.4, B20: 0.6 },
  },
  {
    loinc: ['59408-5', '2708-6', '2713-6'],
    name: 'oxygen saturation',
    synonyms: ['spo2', 'sao2', 'o2 sat', 'o2 saturation', 'pulse oximetry', 'pulse ox'],
    unit: '%',
    normalRange: [95, 100],
    direction: 'low',
    abnormalIn: { J17: 0.5, I26: 0.6, 'J81.0': 0.9, 'J44.1': 0.6, J45: 0.5, J93: 0.5, J21: 0.5 },
  },
  {
    loinc: ['8480-6'],
    name: 'systolic blood pressure',
    synonyms: ['sbp', 'systolic bp', 'systolic pressure'],
    unit: 'mm[Hg]',
    normalRange: [90, 139],
    direction: 'high',
    abnormalIn: { I10: 0.8 },
    standardCode: true,
  },
  {
    loinc: ['8462-4'],
    name: 'diastolic blood pressure',
    synonyms: ['dbp', 'diastolic bp', 'diastolic pressure'],
    unit: 'mm[Hg]',
    normalRange: [60, 89],
    direction: 'high',
    abnormalIn: { I10: 0.7 },
    standardCode: true,
  },
  {
    loinc: ['39156-5'],
    name: 'body mass index',
    synonyms: ['bmi'],
    unit: 'kg/m2',
    normalRange: [18.5, 24.9],
    direction: 'high',
    abnormalIn: { 'E66.9': 0.95 },
  },
  {
    loinc: ['718-7'],
    name: 'hemoglobin',
    synonyms: ['haemoglobin', 'hgb', 'hb'],
    unit: 'g/dL',
    normalRange: [12, 17.5],
    direction: 'low',
    abnormalIn: { 'D64.9': 0.95 },
  },
  {
    loinc: ['787-2'],
    name: 'mean corpuscular volume',
    synonyms: ['mcv'],
    unit: 'fL',
    normalRange: [80, 100],
    direction: 'low',
    abnormalIn: { 'D64.9': 0.5 },
  },
  {
    loinc: ['2276-4'],
    name: 'ferritin',
    synonyms: ['serum ferritin'],
    unit: 'ng/mL',
    normalRange: [30, 400],
    direction: 'low',
    abnormalIn: { 'D64.9': 0.5 },
  },
  {
    loinc: ['2339-0', '2345-7'],
    name: 'glucose',
    synonyms: ['blood glucose', 'blood sugar', 'serum glucose'],
    unit: 'mg/dL',
    normalRange: [70, 99],
    direction: 'high',
    abnormalIn: { 'E11.9': 0.8, 'R73.03': 0.4 },
  },
  {
    loinc: ['4548-4'],
    name: 'hemoglobin A1c',
    synonyms: ['hba1c', 'a1c', 'glycated hemoglobin', 'glycosylated hemoglobin'],
    unit: '%',
    normalRange: [4, 5.6],
    direction: 'high',
    abnormalIn: { 'E11.9': 0.9, 'R73.03': 0.9 },
  },
  {
    loinc: ['2093-3'],
    name: 'total cholesterol',
    synonyms: ['serum cholesterol'],
    unit: 'mg/dL',
    normalRange: [100, 199],
    direction: 'high',
    abnormalIn: { 'E78.5': 0.8 },
  },
  {
    loinc: ['18262-6'],
    name: 'LDL cholesterol',
    synonyms: ['ldl', 'low density lipoprotein cholesterol'],
    unit: 'mg/dL',
    normalRange: [0, 129],
    direction: 'high',
    abnormalIn: { 'E78.5': 0.8 },
  },
  {
    loinc: ['6690-2'],
    name: 'white blood cell count',
    synonyms: ['wbc', 'white cell count', 'leukocyte count', 'leukocytes'],
    unit: '10*3/uL',
    normalRange: [4.5, 11],
    direction: 'high',
    abnormalIn: { J17: 0.6 },
  },
  {
    loinc: ['89579-7'],
    name: 'troponin',
    synonyms: ['troponin i', 'high-sensitivity troponin', 'hs troponin'],
    unit: 'ng/L',
    normalRange: [0, 14],
    direction: 'high',
    abnormalIn: { I21: 0.95, 'I51.4': 0.7 },
  },
  {
    loinc: ['48065-7'],
    name: 'D-dimer',
    synonyms: ['d dimer', 'ddimer'],
    unit: 'ug/mL{FEU}',
    normalRange: [0, 0.5],
    direction: 'high',
    abnormalIn: { I26: 0.95 },
  },
  {
    loinc: ['33762-6'],
    name: 'NT-proBNP',
    synonyms: ['bnp', 'probnp', 'brain natriuretic peptide'],
    unit: 'pg/mL',
    normalRange: [0, 125],
    direction: 'high',
    abnormalIn: { 'I50.9': 0.9, 'J81.0': 0.9 },
  },
  {
    loinc: ['1988-5'],
    name: 'C-reactive protein',
    synonyms: ['crp'],
    unit: 'mg/L',
    normalRange: [0, 10],
    direction: 'high',
    abnormalIn: { J17: 0.8, I30: 0.6 },
  },
  {
    loinc: ['33959-8'],
    name: 'procalcitonin',
    synonyms: ['serum procalcitonin'],
    unit: 'ng/mL',
    normalRange: [0, 0.5],
    direction: 'high',
    abnormalIn: { J17: 0.5 },
  },
  {
    loinc: ['38265-5'],
    name: 'bone density T-score',
    synonyms: ['t-score', 'dxa t-score', 'dexa t-score', 'bone mineral density'],
    unit: '{T-score}',
    normalRange: [-1, 3],
    direction: 'low',
    abnormalIn: { 'M81.0': 0.95 },
  },
  {
    loinc: ['72106-8'],
    name: 'MMSE score',
    synonyms: ['mmse', 'mini-mental state examination'],
    unit: '{score}',
    normalRange: [24, 30],
    direction: 'low',
    abnormalIn: { 'G30.9': 0.9 },
  },
  {
    loinc: ['10230-1'],
    name: 'left ventricular ejection fraction',
    synonyms: ['lvef', 'ejection fraction'],
    unit: '%',
    normalRange: [50, 70],
    direction: 'low',
    abnormalIn: { 'I50.9': 0.6, 'I51.4': 0.4 },
  },
];

export interface AllergenCuration {
  /** SNOMED substance or RxNorm ingredient code first, then the "allergy to" finding code. */
  codes: readonly { system: 'snomed' | 'rxnorm'; code: string }[];
  name: string;
  synonyms: readonly string[];
}

/** Every allergen in Synthea's AllergyIntolerance codes except the generic "Allergy to substance". */
export const ALLERGENS: readonly AllergenCuration[] = [
  {
    codes: [
      { system: 'snomed', code: '264287008' },
      { system: 'snomed', code: '232347008' },
    ],
    name: 'animal dander',
    synonyms: ['pet dander', 'cat dander', 'dog dander', 'dander', 'animal dander allergy'],
  },
  {
    codes: [{ system: 'rxnorm', code: '7984' }],
    name: 'penicillin',
    synonyms: ['penicillin v', 'pcn', 'penicillin allergy', 'penicillins'],
  },
  {
    codes: [
      { system: 'snomed', code: '762952008' },
      { system: 'snomed', code: '91935009' },
    ],
    name: 'peanuts',
    synonyms: ['peanut', 'peanut allergy'],
  },
  {
    codes: [
      { system: 'snomed', code: '111088007' },
      { system: 'snomed', code: '300916003' },
    ],
    name: 'latex',
    synonyms: ['latex allergy'],
  },
  {
    codes: [
      { system: 'snomed', code: '84489001' },
      { system: 'snomed', code: '419474003' },
    ],
    name: 'mold',
    synonyms: ['mould', 'mold allergy', 'mould allergy'],
  },
  {
    codes: [
      { system: 'snomed', code: '260147004' },
      { system: 'snomed', code: '232350006' },
    ],
    name: 'house dust mites',
    synonyms: ['dust mites', 'house dust mite', 'dust mite allergy'],
  },
  {
    codes: [
      { system: 'snomed', code: '256277009' },
      { system: 'snomed', code: '418689008' },
    ],
    name: 'grass pollen',
    synonyms: ['grass pollen allergy', 'allergy to grass pollen'],
  },
  {
    codes: [
      { system: 'snomed', code: '782576004' },
      { system: 'snomed', code: '419263009' },
    ],
    name: 'tree pollen',
    synonyms: ['tree pollen allergy'],
  },
  { codes: [{ system: 'snomed', code: '714035009' }], name: 'soy', synonyms: ['soya', 'soy allergy'] },
  { codes: [{ system: 'snomed', code: '300913006' }], name: 'shellfish', synonyms: ['shrimp', 'shellfish allergy'] },
  { codes: [{ system: 'snomed', code: '417532002' }], name: 'fish', synonyms: ['fish allergy'] },
  { codes: [{ system: 'snomed', code: '288328004' }], name: 'bee venom', synonyms: ['bee stings', 'bee sting', 'bee sting allergy'] },
  { codes: [{ system: 'rxnorm', code: '1191' }], name: 'aspirin', synonyms: ['aspirin allergy', 'aspirin sensitivity'] },
];
