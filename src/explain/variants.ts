/**
 * @file Text variants of a record: the note with some units removed, tokenized and linked again,
 * run through the text encoder (in calls of at most TEXT_ROWS_PER_CALL rows) and the fusion head
 * (one call), with the record's image and audio embeddings reused (they do not change when words
 * are removed).
 *
 * Re-linking matters: most of the note's evidence reaches the model as linked entities, so a
 * removed word must also disappear from the entity list (and a removed "no" must un-negate the
 * finding it negated), or occlusion would measure only the weaker [CLS] path.
 *
 * A variant is `Featurizer.withText` (src/model/features.ts): the text re-tokenized and re-linked,
 * the entities the original linked from coded facts and measurements kept, deduplicated by the
 * featurizer's own rule.
 */
import type { RecordFeatures } from '../model/features.js';
import type { ClinicalModel, Embeddings } from '../model/runtime.js';
import type { ort } from '../model/session.js';
import { concatRows, takeEmbeddingRows } from './tensors.js';
import { targetScore } from './target.js';
import type { ExplainTarget } from './types.js';

/**
 * Variant rows per text-encoder call. Peak memory grows with rows × length² (the text graph
 * materializes every layer's attention maps, ~8 MB per 256-token row), so 128 variants of a full
 * note in one call took 1.8 GB; in calls of 32 the transient stays near 350 MB, at the same
 * time per row.
 */
export const TEXT_ROWS_PER_CALL = 32;

/**
 * The target probability of the record as is (`base`) and of each variant text: text-encoder
 * calls of at most TEXT_ROWS_PER_CALL rows, then one fusion call. `row` is the record's row in
 * `embeddings`.
 */
export async function scoreTextVariants(
  model: ClinicalModel,
  features: RecordFeatures,
  embeddings: Embeddings,
  row: number,
  target: ExplainTarget,
  texts: readonly string[],
): Promise<{ base: number; scores: number[] }> {
  // The original is encoded with the variants (row 0), so base and variants come from the same
  // kind of call and the drop is not a difference between two code paths.
  const variants = [features, ...texts.map((text) => model.featurizer.withText(features, text))];
  const text: ort.Tensor[] = [];
  const specialty: ort.Tensor[] = [];
  for (let i = 0; i < variants.length; i += TEXT_ROWS_PER_CALL) {
    const encoded = await model.encodeText(variants.slice(i, i + TEXT_ROWS_PER_CALL));
    text.push(encoded.text);
    if (encoded.specialty) specialty.push(encoded.specialty);
  }
  const media = takeEmbeddingRows(
    embeddings,
    variants.map(() => row),
  );
  const outputs = await model.fuse(variants, {
    ...media,
    text: concatRows(text),
    ...(specialty.length === text.length ? { specialty: concatRows(specialty) } : {}),
  });
  const scores = outputs.map((o) => targetScore(target, o));
  return { base: scores[0] as number, scores: scores.slice(1) };
}
