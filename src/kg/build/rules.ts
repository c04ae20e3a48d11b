/**
 * @file The numeric rules the build applies where the sources give no numbers: condition priors,
 * P(evidence | condition) and the base rates of unlinked evidences.
 *
 * Why a module of its own: DDXPlus's public release ships no priors and empty evidence
 * dictionaries, so every probability in the graph comes from these few deterministic rules. The
 * same constants produce both the numbers and the sentences in `provenance.notes`, so the file
 * can never describe a rule it did not apply.
 */
import { HALLMARK_P } from '../lexicon/conditions.js';

/** Probabilities are written with 3 decimals, priors with 6 (they must sum to 1 per course). */
export const roundP = (p: number): number => Math.round(p * 1000) / 1000;
const roundPrior = (p: number): number => Math.round(p * 1e6) / 1e6;

/** Acute prior weight: halves with each step of DDXPlus severity (1 most severe .. 5 mildest). */
export function acuteWeight(severity: number): number {
  return 2 ** (severity - 1);
}

/** Chronic prior weight: the condition's occurrences among the Synthea codes, plus one. */
export function chronicWeight(syntheaCount: number): number {
  return syntheaCount + 1;
}

/**
 * Normalise weights to priors that sum to exactly 1 after rounding: the rounding remainder goes
 * to the largest weight (first by key order on ties), so the result is deterministic.
 */
export function priors(weights: Map<string, number>): Map<string, number> {
  const total = [...weights.values()].reduce((a, b) => a + b, 0);
  const out = new Map<string, number>();
  let largest = '';
  let largestWeight = -1;
  for (const [key, w] of [...weights.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    out.set(key, roundPrior(w / total));
    if (w > largestWeight) {
      largest = key;
      largestWeight = w;
    }
  }
  const sum = [...out.values()].reduce((a, b) => a + b, 0);
  out.set(largest, roundPrior((out.get(largest) ?? 0) + (1 - sum)));
  return out;
}

export const SYMPTOM_BASE = 0.15;
export const SYMPTOM_SPAN = 0.75;
export const ANTECEDENT_BASE = 0.1;
export const ANTECEDENT_SPAN = 0.4;

/**
 * P(evidence | condition) from the evidence's specificity: `n` is the number of conditions that
 * list it. An evidence of one condition gets base + span; one shared by all 49 gets about base.
 * Hallmark evidences of a condition get at least HALLMARK_P.
 */
export function evidenceP(kind: 'finding' | 'antecedent', n: number, hallmark: boolean): number {
  const p = kind === 'finding' ? SYMPTOM_BASE + SYMPTOM_SPAN / Math.sqrt(n) : ANTECEDENT_BASE + ANTECEDENT_SPAN / Math.sqrt(n);
  return roundP(hallmark ? Math.max(p, HALLMARK_P) : p);
}

/** P(evidence present | condition not linked to it). */
export const BACKGROUND = { findingRate: 0.01, antecedentRate: 0.015 } as const;

/** The rules in words, for `provenance.notes`. */
export function ruleNotes(): string[] {
  return [
    'Acute condition priors: DDXPlus publishes none, so prior ∝ 2^(severity − 1) (severity 1 = most severe, 5 = mildest): ' +
      'mild common conditions (URTI, panic attack) are 16 times as frequent as the most severe (anaphylaxis, Ebola). Priors sum to 1 over the acute course.',
    "Chronic condition priors: prior ∝ (number of occurrences of the condition's SNOMED codes in synthea-codes/codes_in_synthea_bundles.csv + 1). Priors sum to 1 over the chronic course.",
    `symptom_of p = P(finding | condition) = ${SYMPTOM_BASE} + ${SYMPTOM_SPAN}/√n, where n is the number of conditions listing the evidence ` +
      '(DDXPlus publishes no evidence probabilities): specific evidences are likely, shared ones less so.',
    `risk_factor_for p = P(antecedent | condition) = ${ANTECEDENT_BASE} + ${ANTECEDENT_SPAN}/√n, same n.`,
    `Hallmark evidences (a curated short list per condition in src/kg/lexicon/conditions.ts, e.g. heartburn for GERD) get p = max(rule, ${HALLMARK_P}).`,
    `Background rates (top-level "background"): a finding not linked to a condition is present with probability ${BACKGROUND.findingRate}, ` +
      `an unlinked antecedent with ${BACKGROUND.antecedentRate}, chosen so that a generated patient carries about one unrelated finding and one or two unrelated antecedents.`,
  ];
}
