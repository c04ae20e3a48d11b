/**
 * @file Which prediction an explanation explains: the top label of the diagnosis head, or, when
 * the head abstains ("none of these"), the abstention itself.
 *
 * Why one place: every method (ablation, occlusion, rollout, ERASER) must measure the same
 * probability, and the head is found by convention (`diagnoses`, else the first softmax head over
 * `condition:` labels), which a model package could change. The head's "none of these" label is
 * never explained as if it were a diagnosis; an abstained record is explained as "why none of
 * these": the target is the abstention score (the none label's probability, or 1 − the highest
 * label probability), named `none` / "none of these labels", so the same methods say what pushed
 * the record away from every label.
 */
import { NONE_TARGET, abstentionOf, answerIndices, noneIndex, rankIndices } from '../model/decide.js';
import type { HeadSpec, ModelManifest } from '../model/manifest.js';
import type { RecordOutputs } from '../model/runtime.js';
import { ClinicalBertError } from '../util/errors.js';
import type { ExplainTarget } from './types.js';

/** The name of the head whose top label explanations explain. */
export function diagnosisHead(manifest: ModelManifest): string {
  const heads = Object.entries(manifest.heads);
  const named = heads.find(([name]) => name === 'diagnoses' || name === 'diagnosis');
  const conditions = heads.find(([, h]) => h.activation === 'softmax' && h.labels.some((l) => l.id.startsWith('condition:')));
  const softmax = heads.find(([, h]) => h.activation === 'softmax');
  const found = named ?? conditions ?? softmax;
  if (!found) {
    throw new ClinicalBertError(`the model has no softmax head to explain (heads: ${heads.map(([name]) => name).join(', ') || 'none'})`, {
      code: 'EXPLAIN_NO_HEAD',
    });
  }
  return found[0];
}

/** The answer labels of a head (its none label left out), best first. */
export function rankedAnswers(spec: HeadSpec, scores: Float32Array): number[] {
  return rankIndices(scores, answerIndices(spec));
}

/**
 * The explained outcome of `head` in one record's outputs: its top answer label, or its
 * abstention when the record abstains (score unrounded: differences are taken from it).
 */
export function topTarget(head: string, spec: HeadSpec, outputs: RecordOutputs): ExplainTarget {
  const scores = outputs.heads[head];
  if (!scores || scores.length === 0) {
    throw new ClinicalBertError(`the model produced no scores for head ${JSON.stringify(head)}`, { code: 'EXPLAIN_NO_HEAD' });
  }
  const abstained = abstentionOf(head, spec, scores);
  if (abstained) {
    return {
      head,
      index: noneIndex(spec),
      id: NONE_TARGET.id,
      display: NONE_TARGET.display,
      score: abstained.score as number,
      abstention: spec.abstention?.score ?? 'label',
    };
  }
  const index = rankedAnswers(spec, scores)[0] as number;
  const label = spec.labels[index];
  return {
    head,
    index,
    id: label?.id ?? String(index),
    display: label?.display ?? String(index),
    score: scores[index] as number,
  };
}

/**
 * The target's score in some outputs (of a variant of the record): the label's probability, or
 * for a `one-minus-max` abstention 1 − the highest probability among the labels but `index`.
 */
export function targetScore(target: ExplainTarget, outputs: RecordOutputs): number {
  const scores = outputs.heads[target.head];
  if (!scores) return Number.NaN;
  if (target.abstention === 'one-minus-max') {
    let max = 0;
    for (let i = 0; i < scores.length; i++) if (i !== target.index) max = Math.max(max, scores[i] as number);
    return 1 - max;
  }
  return scores[target.index] ?? Number.NaN;
}
