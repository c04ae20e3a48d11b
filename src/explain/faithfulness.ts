/**
 * @file ERASER faithfulness (DeYoung et al. 2020) of text attributions, measured by removing text
 * units and running the model again:
 *
 * - comprehensiveness at k: p(target) − p(target | the top-k% units removed). High is good: the
 *   units the method ranks first are the ones the prediction needs.
 * - sufficiency at k: p(target) − p(target | only the top-k% units kept). Low is good: those
 *   units alone nearly reproduce the prediction.
 * - AOPC: the mean of each over k = 1, 5, 10, 20, 50 %.
 *
 * "Removing" is what word occlusion does (units.ts, variants.ts): cut the units out of the note,
 * re-tokenize, re-link, re-run; the target is the record's top diagnosis. k% of n units is
 * max(1, round(k·n/100)) units, ties in weight broken by position. Each method is compared with a
 * seeded random ranking of the same units, the baseline any method must beat.
 */
import type { RecordFeatures } from '../model/features.js';
import type { ClinicalModel, Embeddings } from '../model/runtime.js';
import { Random } from '../util/random.js';
import type { ExplainTarget } from './types.js';
import { removeUnits, type TextUnit } from './units.js';
import { scoreTextVariants } from './variants.js';

/** The k (%) averaged into AOPC; k = 10 and 20 are also reported by name. */
export const AOPC_K = [1, 5, 10, 20, 50] as const;

export const FAITHFULNESS_METHODS = ['word-occlusion', 'attention-rollout', 'random'] as const;
export type FaithfulnessMethod = (typeof FAITHFULNESS_METHODS)[number];

/** Units in the top k% of n. */
export function topCount(n: number, k: number): number {
  return Math.min(n, Math.max(1, Math.round((k * n) / 100)));
}

/** Indices of the `count` highest weights (ties: earlier unit first). */
export function topUnits(weights: readonly number[], count: number): Set<number> {
  const order = weights.map((_, i) => i).sort((a, b) => (weights[b] as number) - (weights[a] as number) || a - b);
  return new Set(order.slice(0, count));
}

/** A seeded random ranking of `n` units for one record (same seed and key, same weights). */
export function randomWeights(n: number, seed: number, key: string): number[] {
  const random = Random.derive(seed, 'eraser-random', key);
  return Array.from({ length: n }, () => random.float());
}

/** Per-record drops at each AOPC level, keyed by k. */
export interface MethodScores {
  comprehensiveness: Record<number, number>;
  sufficiency: Record<number, number>;
}

export interface RecordFaithfulness {
  units: number;
  base: number;
  methods: Partial<Record<FaithfulnessMethod, MethodScores>>;
}

/**
 * ERASER scores of one record for each method's unit weights, from one batch of variants (identical
 * variant texts are run once).
 */
export async function recordFaithfulness(
  model: ClinicalModel,
  features: RecordFeatures,
  embeddings: Embeddings,
  row: number,
  target: ExplainTarget,
  units: readonly TextUnit[],
  attributions: Partial<Record<FaithfulnessMethod, readonly number[]>>,
): Promise<RecordFaithfulness | undefined> {
  if (units.length === 0) return undefined;
  const texts: string[] = [];
  const indexOf = new Map<string, number>();
  const variant = (remove: (i: number) => boolean): number => {
    const text = removeUnits(features.text, units, remove);
    let index = indexOf.get(text);
    if (index === undefined) {
      index = texts.length;
      texts.push(text);
      indexOf.set(text, index);
    }
    return index;
  };
  const plan: { method: FaithfulnessMethod; k: number; removeTop: number; keepTop: number }[] = [];
  for (const method of FAITHFULNESS_METHODS) {
    const weights = attributions[method];
    if (!weights) continue;
    for (const k of AOPC_K) {
      const top = topUnits(weights, topCount(units.length, k));
      plan.push({ method, k, removeTop: variant((i) => top.has(i)), keepTop: variant((i) => !top.has(i)) });
    }
  }
  const { base, scores } = await scoreTextVariants(model, features, embeddings, row, target, texts);
  const methods: RecordFaithfulness['methods'] = {};
  for (const p of plan) {
    let m = methods[p.method];
    if (!m) {
      m = { comprehensiveness: {}, sufficiency: {} };
      methods[p.method] = m;
    }
    m.comprehensiveness[p.k] = base - (scores[p.removeTop] as number);
    m.sufficiency[p.k] = base - (scores[p.keepTop] as number);
  }
  return { units: units.length, base, methods };
}

export interface EraserSummary {
  /** Records the method was measured on. */
  records: number;
  comprehensiveness: { k10: number; k20: number; aopc: number };
  sufficiency: { k10: number; k20: number; aopc: number };
}

const mean = (xs: readonly number[]): number => (xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length);

/** Means over records of each method's scores. */
export function summarizeFaithfulness(records: readonly RecordFaithfulness[]): Partial<Record<FaithfulnessMethod, EraserSummary>> {
  const out: Partial<Record<FaithfulnessMethod, EraserSummary>> = {};
  for (const method of FAITHFULNESS_METHODS) {
    const scored = records.map((r) => r.methods[method]).filter((m): m is MethodScores => m !== undefined);
    if (scored.length === 0) continue;
    const at = (kind: keyof MethodScores, k: number) => mean(scored.map((m) => m[kind][k] as number));
    const aopc = (kind: keyof MethodScores) => mean(AOPC_K.map((k) => at(kind, k)));
    out[method] = {
      records: scored.length,
      comprehensiveness: { k10: at('comprehensiveness', 10), k20: at('comprehensiveness', 20), aopc: aopc('comprehensiveness') },
      sufficiency: { k10: at('sufficiency', 10), k20: at('sufficiency', 20), aopc: aopc('sufficiency') },
    };
  }
  return out;
}
