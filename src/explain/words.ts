/**
 * @file Word occlusion: for each unit of the note (a word, or a linked mention as a whole), the
 * drop in the target probability when that unit is removed, the note re-tokenized and re-linked,
 * and the record run again. All variants of a record go through the model together (the text
 * encoder in calls of at most TEXT_ROWS_PER_CALL rows, then one fusion call).
 *
 * This is a measurement of the model, not a picture of it (it is what ERASER comprehensiveness
 * rewards), at the cost of one text-encoder row per unit: at most MAX_UNITS (see units.ts).
 */
import type { RecordFeatures } from '../model/features.js';
import type { ClinicalModel, Embeddings } from '../model/runtime.js';
import { removeUnits, textUnits, type TextUnit } from './units.js';
import { scoreTextVariants } from './variants.js';
import type { ExplainTarget, WordExplanation } from './types.js';

export interface UnitWeights {
  units: TextUnit[];
  /** One weight per unit, same order. */
  weights: number[];
}

export interface OcclusionResult extends UnitWeights {
  /** Target probability of the unmodified record in the same batch. */
  base: number;
  /** Rows run: the original plus one per unit. */
  rows: number;
}

export async function wordOcclusion(
  model: ClinicalModel,
  features: RecordFeatures,
  embeddings: Embeddings,
  row: number,
  target: ExplainTarget,
  maxUnits?: number,
): Promise<OcclusionResult> {
  const units = textUnits(features.text, features.entities, maxUnits);
  if (units.length === 0) return { units, weights: [], base: target.score, rows: 0 };
  const texts = units.map((_, i) => removeUnits(features.text, units, (j) => j === i));
  const { base, scores } = await scoreTextVariants(model, features, embeddings, row, target, texts);
  return { units, weights: scores.map((s) => base - s), base, rows: texts.length + 1 };
}

/** The output shape of unit weights over a text. */
export function wordExplanation(method: WordExplanation['method'], text: string, result: UnitWeights): WordExplanation {
  return {
    method,
    text,
    words: result.units.map((u, i) => ({ start: u.start, end: u.end, weight: result.weights[i] as number })),
  };
}
