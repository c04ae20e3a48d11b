/**
 * @file The abbreviations real clinical notes use for the graph's conditions and findings, and the
 * ones deliberately left out, each with the reason.
 *
 * Why a table of its own: whether "PE" means pulmonary embolism is a clinical judgement about how
 * notes are written, not a parsing rule, and a reviewer should be able to read every such call in
 * one place. The rule for an entry: a clinician reading the abbreviation in a note reads it one
 * way. Usage was checked on the training half of MTSamples only (for each distinct transcription
 * the smallest `note_id` carrying it decides; odd = training half); `evidence` says what was seen.
 *
 * Every form here goes to its entity's `linkOnly` (the linker matches it, the synthetic-note
 * generator never writes it) and is recorded in kg.json's `provenance.surfaceForms`. The build
 * fails if an entry names an entity the graph lacks, repeats a form the graph already has, or if a
 * rejected form below ever becomes a surface form, so the table cannot drift silently.
 *
 * Forms are lower-case; the linker ignores case, and "/" and "-" only separate words ("h/a" matches
 * "H/A"). A period ends a phrase for the linker, so dotted spellings ("A. fib") cannot be listed;
 * "a fib" (already a synonym) covers "A fib" and "A-fib". The linker also strips suffixes from words
 * of four letters or more, so a three-letter form can catch an English word ("doe" <- "does"): check
 * a new short form against the training half before adding it.
 */

export interface AbbreviationEntry {
  /** The form as notes write it, lower-case. */
  form: string;
  /** What a clinician reads. */
  expansion: string;
  /** The graph entity it names. */
  entity: string;
  /** How notes use it (MTSamples training half), or why it is safe without corpus evidence. */
  evidence: string;
}

export interface RejectedAbbreviation {
  form: string;
  /** The readings seen or known. */
  readings: string;
  why: string;
}

const STANDARD = 'not in the MTSamples training half; standard clinical shorthand with one reading';

/**
 * Forms already in the graph before this table existed (names, synonyms) are not repeated here:
 * afib, a-fib, af, chf, copd (the DDXPlus antecedent E_123), mi, stemi, nstemi, acs, sob, pnd, cp,
 * uri, ptx, svt, tb, aom, gbs, htn, cad, dm, dvt, abd pain.
 */
export const ABBREVIATIONS: readonly AbbreviationEntry[] = [
  // ---- Conditions ------------------------------------------------------------------------------
  { form: 'paf', expansion: 'paroxysmal atrial fibrillation', entity: 'condition:I48.91', evidence: STANDARD },
  { form: 'af with rvr', expansion: 'atrial fibrillation with rapid ventricular response', entity: 'condition:I48.91', evidence: STANDARD },
  {
    form: 'afib with rvr',
    expansion: 'atrial fibrillation with rapid ventricular response',
    entity: 'condition:I48.91',
    evidence: STANDARD,
  },
  {
    form: 'a fib with rvr',
    expansion: 'atrial fibrillation with rapid ventricular response',
    entity: 'condition:I48.91',
    evidence: STANDARD,
  },
  { form: 'pna', expansion: 'pneumonia', entity: 'condition:J17', evidence: STANDARD },
  { form: 'ami', expansion: 'acute myocardial infarction', entity: 'condition:I21', evidence: STANDARD },
  {
    form: 'lung ca',
    expansion: 'lung cancer',
    entity: 'condition:C34',
    evidence:
      '2 uses in 1 note ("non-small cell lung CA"); "CA" alone is also calcium and the coracoacromial ligament, so only the two-word forms are listed',
  },
  {
    form: 'ca of the lung',
    expansion: 'cancer of the lung',
    entity: 'condition:C34',
    evidence: '2 uses in 1 note ("past history of CA of the lung")',
  },
  {
    form: 'pancreatic ca',
    expansion: 'pancreatic cancer',
    entity: 'condition:C25',
    evidence: `${STANDARD} (as "lung CA", "renal CA", "breast CA" are)`,
  },
  { form: 'ca of the pancreas', expansion: 'cancer of the pancreas', entity: 'condition:C25', evidence: STANDARD },

  // ---- Findings --------------------------------------------------------------------------------
  {
    form: 'ha',
    expansion: 'headache',
    entity: 'finding:E_53.head',
    evidence:
      '15 of 15 uses (11 notes) mean headache ("denied HA", "the HA\'s are associated with photophobia"); the interjection "ha" would link too (none seen)',
  },
  { form: 'h/a', expansion: 'headache', entity: 'finding:E_53.head', evidence: STANDARD },
  { form: 'soboe', expansion: 'shortness of breath on exertion', entity: 'finding:E_218', evidence: STANDARD },
  { form: 'brbpr', expansion: 'bright red blood per rectum', entity: 'finding:E_179', evidence: STANDARD },
  { form: 'wt loss', expansion: 'weight loss', entity: 'finding:E_162', evidence: STANDARD },
  {
    form: 'ruq pain',
    expansion: 'right upper quadrant pain',
    entity: 'finding:E_53.abdomen',
    evidence: `${STANDARD}; "quadrant pain" spelled out is in 13 notes`,
  },
  { form: 'rlq pain', expansion: 'right lower quadrant pain', entity: 'finding:E_53.abdomen', evidence: STANDARD },
  { form: 'luq pain', expansion: 'left upper quadrant pain', entity: 'finding:E_53.abdomen', evidence: STANDARD },
  { form: 'llq pain', expansion: 'left lower quadrant pain', entity: 'finding:E_53.abdomen', evidence: STANDARD },
  {
    form: 'le edema',
    expansion: 'lower extremity edema',
    entity: 'finding:E_151.leg',
    evidence: `${STANDARD}; "extremity edema" spelled out is in 8 notes`,
  },
  { form: 'ble edema', expansion: 'bilateral lower extremity edema', entity: 'finding:E_151.leg', evidence: STANDARD },
  { form: 'lle edema', expansion: 'left lower extremity edema', entity: 'finding:E_151.leg', evidence: STANDARD },
  { form: 'rle edema', expansion: 'right lower extremity edema', entity: 'finding:E_151.leg', evidence: STANDARD },
];

/** Abbreviations considered and left out. None of them may be a surface form of the graph. */
export const REJECTED_ABBREVIATIONS: readonly RejectedAbbreviation[] = [
  {
    form: 'pe',
    readings:
      'pulmonary embolism; "PE:" the physical-examination heading; "PE tubes" (pressure-equalisation ear tubes); physical education',
    why:
      'MTSamples training half: 23 uses in 21 notes: 13 pulmonary embolism, 6 "PE tubes", 2 physical education, 2 the "PE:" heading. ' +
      'Of the 13 embolism uses, 11 are in consent boilerplate ("risks of anesthesia, bleeding, infection, pain, MI, DVT, PE were discussed") ' +
      'that names no diagnosis of the patient, so linking "PE" would be wrong far more often than right. Keeping only some senses out would ' +
      'need a context rule in the linker (what follows: ":" or "tube"), and would still link the boilerplate; "pulmonary embolism", "pulmonary emboli" ' +
      'and "pulmonary embolus" link as before.',
  },
  {
    form: 'doe',
    readings: 'dyspnea on exertion',
    why:
      'one clinical reading, but the linker\'s suffix rules (src/kg/normalize.ts) reduce "does" to "doe": the form linked 553 times in the ' +
      'MTSamples training half, every one the verb. "dyspnea on exertion" (12 notes) and "soboe" link instead.',
  },
  {
    form: 'n/v',
    readings: 'nausea and vomiting',
    why: 'names two findings at once; the linker links one entity per span, so either nausea or vomiting would be lost (not in the training half).',
  },
  {
    form: 'f/c',
    readings: 'fevers and chills',
    why: 'names two findings at once (see n/v).',
  },
  {
    form: 'loc',
    readings: 'loss of consciousness; level of consciousness ("decreased LOC"); device names ("Slim-LOC plate")',
    why: 'MTSamples training half: 4 uses, 2 loss of consciousness and 2 the "Slim-LOC" plate; "level of consciousness" reads the opposite way.',
  },
  {
    form: 'ua',
    readings: 'unstable angina; urinalysis',
    why: 'MTSamples training half: 15 of 15 uses mean urinalysis.',
  },
  {
    form: 'cap',
    readings: 'community-acquired pneumonia; a cap (catheter cap, fat cap, "one cap p.o.")',
    why: 'MTSamples training half: 8 uses, none pneumonia (locking cap, knee cap, "one cap p.o.").',
  },
  {
    form: 'om',
    readings: 'otitis media; the obtuse marginal coronary branch',
    why: 'MTSamples training half: 4 uses, 2 the obtuse marginal branch in a catheterisation report.',
  },
  {
    form: 'lad',
    readings: 'lymphadenopathy; the left anterior descending artery',
    why: 'MTSamples training half: 53 uses in 19 notes, nearly all the artery (catheterisation and bypass reports); lymphadenopathy once ("No LAD" in a neck exam).',
  },
  {
    form: 'ams',
    readings: 'altered mental status; acute mountain sickness',
    why: 'two clinical readings (not in the training half); "altered mental status" links as before.',
  },
  {
    form: 'sz',
    readings: 'seizure; schizophrenia',
    why: 'two clinical readings (not in the training half).',
  },
];
