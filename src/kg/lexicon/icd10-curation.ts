/**
 * @file Clinical calls about which ICD-10-CM descriptions may name a graph condition in a note:
 * codes whose description means something else than the entity that carries the code, related
 * codes outside an entity's own that name kinds of it, and forms too generic to name one condition.
 *
 * Why here and not in the build: the rules that turn a description into a note-like phrase are
 * mechanical (src/kg/build/icd10-forms.ts); these are judgements a reviewer should be able to read
 * and challenge in one place. Codes are dotted and upper-case; the build fails if one is not in the
 * ICD-10-CM file, or if an excluded code is not among the codes it would otherwise read.
 */

export interface ExcludedCode {
  code: string;
  why: string;
}

/** Codes whose descriptions are not read for forms, although they belong to a graph condition's codes. */
export const EXCLUDED_ICD10: readonly ExcludedCode[] = [
  {
    code: 'B20',
    why: 'names HIV disease in general, which notes mean as chronic HIV (the antecedent E_2); DDXPlus uses B20 for the initial infection',
  },
  ...['F41', 'F41.1', 'F41.3', 'F41.8', 'F41.9'].map((code) => ({
    code,
    why: 'DDXPlus codes panic attack with the category F41 ("Other anxiety disorders"); generalized, mixed and unspecified anxiety disorders are not a panic attack',
  })),
  ...['J45.2', 'J45.3', 'J45.4', 'J45.5'].map((code) => ({
    code,
    why: 'asthma severity classes (mild intermittent … severe persistent) describe the chronic disease (antecedent E_124, Childhood asthma), not an acute exacerbation',
  })),
  { code: 'J30.0', why: 'vasomotor rhinitis is non-allergic; the entity is allergic rhinosinusitis' },
];

export interface RelatedCodes {
  /** Graph entity id. */
  entity: string;
  /** Codes read as if the entity carried them (with their direct children); never added to the entity's codes. */
  codes: readonly string[];
  why: string;
}

/**
 * Codes outside an entity's own whose descriptions name a kind of it. Only their descriptions are
 * read: the entity's codes (and so code linking and the icd10 table of kg.json) do not change.
 */
export const RELATED_ICD10: readonly RelatedCodes[] = [
  {
    entity: 'condition:I48.91',
    codes: ['I48.0', 'I48.1', 'I48.2'],
    why: 'I48.91 is the unspecified member; paroxysmal, persistent, chronic and permanent atrial fibrillation are its siblings (flutter, I48.3/I48.4/I48.92, is left out)',
  },
  {
    entity: 'condition:J17',
    codes: ['J12', 'J13', 'J14', 'J15'],
    why: 'viral and bacterial pneumonias by organism are coded outside J17/J18',
  },
  { entity: 'condition:J40', codes: ['J20'], why: "DDXPlus's bronchitis is acute bronchitis, coded J20 by organism" },
  { entity: 'condition:I51.4', codes: ['I40'], why: "DDXPlus's myocarditis is acute myocarditis (I40)" },
  { entity: 'condition:H66.90', codes: ['H66.0'], why: 'acute suppurative otitis media is the acute otitis media of the entity' },
];

/** Derived forms too generic to name one condition (compared after normalisation). */
export const GENERIC_FORMS: readonly string[] = [
  'disease',
  'disorder',
  'infection',
  'syndrome',
  'neoplasm',
  'malignant neoplasm',
  'fracture',
  'edema',
  'poisoning',
  'reaction',
  'anxiety disorder',
  'heart disease',
];
