/**
 * @file Runs occluded copies of a record's image or audio through that modality's encoder and the
 * fusion head in one batch, reusing the record's other embeddings: the shared core of image and
 * audio saliency (image.ts, audio.ts).
 *
 * The original input goes first in the batch, so the base probability and the variants share
 * batch-mates (an int8 graph's activation scale depends on them).
 */
import type { RecordFeatures } from '../model/features.js';
import type { ClinicalModel, Embeddings } from '../model/runtime.js';
import { takeEmbeddingRows } from './tensors.js';
import { targetScore } from './target.js';
import type { ExplainTarget } from './types.js';

/** Runs `items` (the original first) through one encoder and the fusion head; target scores. */
export async function scoreMediaVariants(
  model: ClinicalModel,
  role: 'image' | 'audio',
  features: RecordFeatures,
  embeddings: Embeddings,
  row: number,
  target: ExplainTarget,
  items: Float32Array[],
): Promise<number[]> {
  const encoded = await model.encodeMedia(role, items);
  const rows = items.map(() => row);
  const outputs = await model.fuse(
    items.map(() => features),
    { ...takeEmbeddingRows(embeddings, rows), [role]: encoded },
  );
  return outputs.map((o) => targetScore(target, o));
}

/** Cell boundaries of an n-way split of `size` (cells differ by at most one pixel). */
export function edges(size: number, n: number): number[] {
  return Array.from({ length: n + 1 }, (_, i) => Math.round((i * size) / n));
}
