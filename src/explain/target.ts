/**
 * @file Which prediction an explanation explains: the top label of the diagnosis head.
 *
 * Why one place: every method (ablation, occlusion, rollout, ERASER) must measure the same
 * probability, and the head is found by convention (`diagnoses`, else the first softmax head over
 * `condition:` labels), which a model package could change.
 */
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
    throw new ClinicalBertError(
      `the model has no softmax head to explain (heads: ${heads.map(([name]) => name).join(', ') || 'none'})`,
      { code: 'EXPLAIN_NO_HEAD' },
    );
  }
  return found[0];
}

/** Label indices of a head's scores, best first (ties by index, so the order is stable). */
export function ranked(scores: Float32Array): number[] {
  return Array.from(scores.keys()).sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b);
}

/** The top label of `head` in one record's outputs (score unrounded: differences are taken from it). */
export function topTarget(head: string, spec: HeadSpec, outputs: RecordOutputs): ExplainTarget {
  const scores = outputs.heads[head];
  if (!scores || scores.length === 0) {
    throw new ClinicalBertError(`the model produced no scores for head ${JSON.stringify(head)}`, { code: 'EXPLAIN_NO_HEAD' });
  }
  const index = ranked(scores)[0] as number;
  const label = spec.labels[index];
  return {
    head,
    index,
    id: label?.id ?? String(index),
    display: label?.display ?? String(index),
    score: scores[index] as number,
  };
}

/** The target's probability in some outputs (of a variant of the record). */
export function targetScore(target: ExplainTarget, outputs: RecordOutputs): number {
  return outputs.heads[target.head]?.[target.index] ?? Number.NaN;
}
