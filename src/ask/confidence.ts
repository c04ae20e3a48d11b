/**
 * @file How far to trust an answer of `clinicalbert ask`: one number per route to the answer, in
 * one table, so that a reader can see why a coded answer outranks one read from a note.
 *
 * The values are set by judgement, not fitted: coded data is what the clinician recorded as a
 * fact; a note mention depends on the linker and on the ConText rules (negation F about 0.9 on the
 * ConText sentences, src/kg/context-eval.ts), a value read from a note's text on a number found
 * next to a mention. Conflicting evidence (a note affirms what another denies) multiplies the
 * confidence by CONFLICT_FACTOR: the most recent note wins, but not by much.
 */

export const CONFIDENCE = {
  /** A coded fact that holds now (active Condition, active MedicationRequest, latest Observation). */
  codedCurrent: 0.95,
  /** A coded fact that held before (resolved, stopped), answering ever / past. */
  codedHistory: 0.9,
  /** A coded fact that no longer holds, answering "no" for now (no note said otherwise). */
  codedNoLonger: 0.8,
  /** A coded observation value (latest, trend, comparison). */
  codedValue: 0.95,
  /** A coded status read from its text (smoking status, AUDIT-C score). */
  codedStatus: 0.9,
  /** A note mention stated as present ("Patient is an active smoker"). */
  noteAffirmed: 0.75,
  /** A note mention stated as absent ("denies chest pain"). */
  noteNegated: 0.7,
  /** A note mention stated as past ("history of asthma"), answering ever / past. */
  noteHistorical: 0.7,
  /** A note mention about the family ("mother has diabetes"), answering a family question. */
  noteFamily: 0.7,
  /** A value read next to a mention in a note ("HbA1c 7.2%"). */
  noteValue: 0.6,
  /** Not named in the newest note's medication list (nor in any note): not taken now. */
  noteListAbsent: 0.6,
  /** A list of values with no value, stated in a note ("No Known Allergies"). */
  noteNone: 0.7,
  /** Nothing answers. */
  unknown: 0,
} as const;

export type ConfidenceRoute = keyof typeof CONFIDENCE;

/** Applied when the evidence disagrees (affirmed and negated both found). */
export const CONFLICT_FACTOR = 0.6;

/** The confidence of an answer reached by `route`, lowered when the evidence conflicts. */
export function confidenceOf(route: ConfidenceRoute, conflicting = false): number {
  const base = CONFIDENCE[route];
  return Math.round((conflicting ? base * CONFLICT_FACTOR : base) * 1000) / 1000;
}

/**
 * A "why" answer's confidence: the model's own probability for the answer it gives (its score
 * when the diagnosis is the model's, 1 − score when it is not), scaled by the model's route
 * factor: the model's probabilities are measured in the model card, not promised here.
 */
export const MODEL_FACTOR = 0.9;

export function confidenceOfModel(score: number, predicted: boolean): number {
  const p = predicted ? score : 1 - score;
  return Math.round(Math.min(1, Math.max(0, p)) * MODEL_FACTOR * 1000) / 1000;
}
