/**
 * @file Text variants of a record: the note with some units removed, tokenized and linked again,
 * run through the text encoder and the fusion head in one batch, with the record's image and
 * audio embeddings reused (they do not change when words are removed).
 *
 * Re-linking matters: most of the note's evidence reaches the model as linked entities, so a
 * removed word must also disappear from the entity list (and a removed "no" must un-negate the
 * finding it negated), or occlusion would measure only the weaker [CLS] path.
 *
 * The record's facts are not part of `RecordFeatures`, so a variant keeps the entities the
 * original linked from coded facts and measurements (those without a span) and re-links the text.
 * That equals linking the variant text together with the facts (text mentions first, then facts,
 * deduplicated by entity and flag, capped), except when the original hit the entity cap, where
 * facts that did not fit originally still do not.
 */
import { ENTITY_FLAGS, type Featurizer, type LinkedEntity, type RecordFeatures } from '../model/features.js';
import type { ClinicalModel, Embeddings } from '../model/runtime.js';
import { takeEmbeddingRows, takeRows } from './tensors.js';
import { targetScore } from './target.js';
import type { ExplainTarget } from './types.js';

const vocabularies = new WeakMap<Featurizer, Map<string, number>>();

function vocabularyIndex(featurizer: Featurizer): Map<string, number> {
  let index = vocabularies.get(featurizer);
  if (!index) {
    index = new Map(featurizer.entityVocabulary.map((id, i) => [id, i]));
    vocabularies.set(featurizer, index);
  }
  return index;
}

/** The record's features with its note replaced by `text` (re-tokenized and re-linked). */
export function withText(model: ClinicalModel, features: RecordFeatures, text: string): RecordFeatures {
  const featurizer = model.featurizer;
  const entities: LinkedEntity[] = featurizer.linkEntities(text, []);
  const seen = new Set(entities.map((e) => `${e.id}|${e.flag}`));
  for (const e of features.entities) {
    if (e.span || entities.length >= featurizer.spec.maxEntities) continue;
    const key = `${e.id}|${e.flag}`;
    if (seen.has(key)) continue;
    seen.add(key);
    entities.push(e);
  }
  const index = vocabularyIndex(featurizer);
  return {
    ...features,
    text,
    inputIds: model.tokenizer.encode(text, featurizer.spec.maxLength).ids,
    entities,
    entityIds: entities.map((e) => index.get(e.id) as number),
    entityFlags: entities.map((e) => ENTITY_FLAGS[e.flag]),
  };
}

/**
 * The target probability of the record as is (`base`) and of each variant text, from one text
 * encoder call and one fusion call. `row` is the record's row in `embeddings`.
 */
export async function scoreTextVariants(
  model: ClinicalModel,
  features: RecordFeatures,
  embeddings: Embeddings,
  row: number,
  target: ExplainTarget,
  texts: readonly string[],
): Promise<{ base: number; scores: number[] }> {
  // The original is row 0 of the same batch, so base and variants share batch-mates (an int8
  // graph's activation scale depends on them).
  const variants = [features, ...texts.map((text) => withText(model, features, text))];
  const encodedText = await model.encodeText(variants);
  const rows = variants.map(() => row);
  const media = takeEmbeddingRows(embeddings, rows);
  const outputs = await model.fuse(variants, {
    ...media,
    text: encodedText.text,
    ...(encodedText.specialty ? { specialty: encodedText.specialty } : embeddings.specialty ? { specialty: takeRows(embeddings.specialty, rows) } : {}),
  });
  const scores = outputs.map((o) => targetScore(target, o));
  return { base: scores[0] as number, scores: scores.slice(1) };
}
