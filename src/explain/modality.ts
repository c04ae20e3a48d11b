/**
 * @file Modality contributions by ablation: the target probability with all modalities, and with
 * each of text, image, audio and knowledge-graph entities switched off through the fusion head's
 * `modality_mask`.
 *
 * Why this is exact and cheap: the model was trained with modality dropout through that same
 * mask, so "switched off" is the input the model sees for a record that lacks the modality, and
 * only the fusion head runs again. One fusion call covers a whole batch: 5 rows per record (the
 * full record, then one row per modality removed) on the embeddings already computed.
 */
import type { RecordFeatures } from '../model/features.js';
import type { ClinicalModel, Embeddings, RecordOutputs, RunMask } from '../model/runtime.js';
import { takeEmbeddingRows } from './tensors.js';
import { targetScore } from './target.js';
import type { ExplainTarget, ModalityContribution } from './types.js';

export const MODALITIES = ['text', 'image', 'audio', 'entities'] as const;
export type Modality = (typeof MODALITIES)[number];

/** Rows per record in the ablation call: the full record, then one per modality removed. */
export const ABLATION_ROWS = 1 + MODALITIES.length;

export interface AblationRun {
  /** Outputs of the full record (every present modality on). */
  full: RecordOutputs;
  /** Outputs with each modality removed, in MODALITIES order. */
  without: RecordOutputs[];
}

/** One fusion call with ABLATION_ROWS rows per record. */
export async function runAblation(model: ClinicalModel, batch: readonly RecordFeatures[], embeddings: Embeddings): Promise<AblationRun[]> {
  const rows: number[] = [];
  const features: RecordFeatures[] = [];
  const masks: RunMask[] = [];
  batch.forEach((f, r) => {
    rows.push(r);
    features.push(f);
    masks.push({});
    for (const m of MODALITIES) {
      rows.push(r);
      features.push(f);
      masks.push({ [m]: false });
    }
  });
  const outputs = await model.fuse(features, takeEmbeddingRows(embeddings, rows), masks);
  return batch.map((_, r) => ({
    full: outputs[r * ABLATION_ROWS] as RecordOutputs,
    without: outputs.slice(r * ABLATION_ROWS + 1, (r + 1) * ABLATION_ROWS),
  }));
}

/** Contribution of each modality to the target: score − score without it (null when absent). */
export function modalityContributions(run: AblationRun, target: ExplainTarget): ModalityContribution[] {
  const score = targetScore(target, run.full);
  return MODALITIES.map((modality, i) => {
    const present = run.full.modalities[modality];
    if (!present) return { modality, present, scoreWithout: null, contribution: null };
    const without = targetScore(target, run.without[i] as RecordOutputs);
    return { modality, present, scoreWithout: without, contribution: score - without };
  });
}
