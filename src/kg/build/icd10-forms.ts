/**
 * @file Turns an ICD-10-CM long description into the phrase a clinical note would use for the same
 * condition, or says why it gives none: "Unspecified atrial fibrillation" -> "atrial fibrillation",
 * "Lobar pneumonia, unspecified organism" -> "lobar pneumonia", "Pneumothorax and air leak" -> none.
 *
 * Why a module of its own: the rules are the contract a reviewer checks ("why does the graph link
 * this phrase?"), so they live in one pure function with the rules written down, apart from the
 * clinical calls (src/kg/lexicon/icd10-curation.ts) and the bookkeeping (surface-forms.ts).
 *
 * The rules, in order:
 * 1. Bracketed parts are dropped: "[croup]", "(SLE)", "(acute)", "(unintentional)". Square brackets
 *    hold synonyms or explanations, parentheses abbreviations and nonessential modifiers; either way
 *    the phrase reads without them.
 * 2. The description is split at commas. Segments after the first are code-book qualifiers:
 *    "unspecified", "unspecified organism/species/site/ear", "part unspecified", "(not) intractable",
 *    "not elsewhere classified", "not specified as acute or chronic", "uncomplicated", the intent of
 *    a poisoning ("accidental", "intentional self-harm", "assault", "undetermined") and "without …"
 *    clauses are dropped; a "with …" segment is kept ("…hernia, with obstruction" -> "…hernia with
 *    obstruction"). Any other segment means the description is a list ("upper lobe, bronchus or
 *    lung"): no form.
 * 3. Inside the phrase: a "without …" clause is dropped (notes name a condition, not the absence of a
 *    complication), and so are "in diseases classified elsewhere", "of native coronary artery",
 *    "of unspecified site", "unspecified part of" and the word "unspecified" wherever it is left
 *    ("Unspecified atrial fibrillation", "…due to unspecified food", "Respiratory tuberculosis
 *    unspecified").
 * 4. A leading "Other " (and "Other forms/types of ") is dropped: "Other spontaneous pneumothorax" ->
 *    "spontaneous pneumothorax". What still says "other", "specified" or "overlapping" is a residual
 *    category ("…due to other specified bacteria"): no form.
 * 5. A phrase that joins alternatives with "and" / "or" is a code-book grouping ("Atrial
 *    fibrillation and flutter"): no form.
 * 6. The result is lower-cased with single spaces.
 */

export type Derivation = { form: string } | { skipped: string };

/** Comma segments (after the first) that say nothing a note would say. */
const DROPPED_QUALIFIERS: readonly RegExp[] = [
  /^unspecified(?: (?:organism|species|site|ear))?$/,
  /^part unspecified$/,
  /^(?:not )?intractable$/,
  /^not elsewhere classified$/,
  /^not specified as acute or chronic$/,
  /^uncomplicated$/,
  /^(?:accidental|intentional self-harm|assault|undetermined)$/,
  /^without\b/,
];

/** Phrase-internal code-book wording, removed wherever it occurs. */
const DROPPED_WORDING: readonly RegExp[] = [
  /\s+without\b.*$/,
  /\s+in diseases classified elsewhere$/,
  /\s+of native coronary artery$/,
  /\s+of unspecified site$/,
  /\bunspecified part of\s+/,
  /\bunspecified\s+/g,
  /\s+unspecified$/,
];

const RESIDUAL = /\b(?:other|specified|overlapping)\b/;
const GROUPING = /\b(?:and|or)\b/;

/** The note-like phrase of one ICD-10-CM long description, or the reason it has none. */
export function deriveIcd10Form(description: string): Derivation {
  const unbracketed = description.replace(/\s*\[[^\]]*\]/g, '').replace(/\s*\([^)]*\)/g, '');
  const [head = '', ...rest] = unbracketed.split(',').map((s) => s.trim().replace(/\s+/g, ' '));
  const kept = [head];
  for (const segment of rest) {
    const lower = segment.toLowerCase();
    if (DROPPED_QUALIFIERS.some((re) => re.test(lower))) continue;
    if (/^with\b/.test(lower)) kept.push(segment);
    else return { skipped: `qualifier ${JSON.stringify(segment)} is not a code-book qualifier (a list)` };
  }
  let phrase = kept.join(' ').toLowerCase();
  for (const re of DROPPED_WORDING) phrase = phrase.replace(re, '');
  phrase = phrase.replace(/^other (?:(?:forms|types?) of )?/, '').trim();
  if (RESIDUAL.test(phrase)) return { skipped: 'a residual category ("other", "specified", "overlapping")' };
  if (GROUPING.test(phrase)) return { skipped: 'a grouping of conditions ("and" / "or")' };
  if (!phrase) return { skipped: 'nothing left after the rules' };
  return { form: phrase };
}
