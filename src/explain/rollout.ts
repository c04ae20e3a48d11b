/**
 * @file Attention rollout (Abnar & Zuidema 2020): how much of the [CLS] vector's attention flows,
 * through all layers, back to each input token, summed over the tokens of each text unit.
 *
 * It is labelled `faithful: false` on purpose: attention says where information may have moved,
 * not what the prediction depends on, and it sees only the text encoder, not the linked-entity
 * path the fusion head reads. It is here because it is almost free (one text-encoder call that
 * also fetches the attention maps) and makes a useful picture; its ERASER scores are measured by
 * `clinicalbert evaluate --faithfulness` beside the occlusion method's.
 *
 * Each layer's head-averaged attention A becomes 0.5·A + 0.5·I (the residual connection), rows
 * renormalized; the [CLS] row of their product, last layer first, is the rollout.
 */
import type { RecordFeatures } from '../model/features.js';
import type { ClinicalModel } from '../model/runtime.js';
import type { ort } from '../model/session.js';
import { textUnits } from './units.js';
import type { UnitWeights } from './words.js';

export interface LayerView {
  data: Float32Array;
  /** Offset of this record's [heads, length, length] block. */
  offset: number;
  heads: number;
  length: number;
}

/** Per-layer views of one batch row, from one stacked 5-D output or one 4-D output per layer. */
function layerViews(attentions: readonly ort.Tensor[], row: number): LayerView[] {
  const views: LayerView[] = [];
  for (const tensor of attentions) {
    const dims = tensor.dims.map(Number);
    const data = tensor.data as Float32Array;
    if (dims.length === 5) {
      const [layers, batch, heads, length] = dims as [number, number, number, number, number];
      for (let l = 0; l < layers; l++) views.push({ data, offset: (l * batch + row) * heads * length * length, heads, length });
    } else if (dims.length === 4) {
      const [, heads, length] = dims as [number, number, number, number];
      views.push({ data, offset: row * heads * length * length, heads, length });
    }
  }
  return views;
}

/** Rollout from [CLS] to each of the first `n` tokens. */
export function rolloutFromCls(layers: readonly LayerView[], n: number): Float64Array {
  let flow = new Float64Array(n);
  flow[0] = 1;
  const mixed = new Float64Array(n * n);
  for (let l = layers.length - 1; l >= 0; l--) {
    const { data, offset, heads, length } = layers[l] as LayerView;
    mixed.fill(0);
    for (let h = 0; h < heads; h++) {
      const base = offset + h * length * length;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) mixed[i * n + j] = (mixed[i * n + j] as number) + (data[base + i * length + j] as number) / heads;
      }
    }
    const next = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const fi = flow[i] as number;
      if (fi === 0) continue;
      let sum = 0;
      for (let j = 0; j < n; j++) sum += 0.5 * (mixed[i * n + j] as number) + (i === j ? 0.5 : 0);
      for (let j = 0; j < n; j++) next[j] = (next[j] as number) + (fi * (0.5 * (mixed[i * n + j] as number) + (i === j ? 0.5 : 0))) / sum;
    }
    flow = next;
  }
  return flow;
}

/**
 * Rollout weights per text unit of one record, or undefined when the text graph exports no
 * attentions or the tokenizer cannot give offsets for this text.
 */
export async function attentionRollout(
  model: ClinicalModel,
  features: RecordFeatures,
  maxUnits?: number,
): Promise<UnitWeights | undefined> {
  const units = textUnits(features.text, features.entities, maxUnits);
  const encoding = model.tokenizer.encode(features.text, model.featurizer.spec.maxLength, { offsets: true });
  if (!encoding.offsets || encoding.ids.length !== features.inputIds.length) return undefined;
  const { attentions } = await model.encodeText([features], { attentions: true });
  if (!attentions || attentions.length === 0) return undefined;
  const layers = layerViews(attentions, 0);
  if (layers.length === 0) return undefined;
  const n = features.inputIds.length;
  const flow = rolloutFromCls(layers, n);
  const weights = units.map(() => 0);
  let u = 0;
  // Skip [CLS] and [SEP]; tokens and units are both in text order.
  for (let t = 1; t < n - 1; t++) {
    const [start] = encoding.offsets[t] as [number, number];
    while (u < units.length && (units[u] as { end: number }).end <= start) u++;
    const unit = units[u];
    if (unit && start >= unit.start) weights[u] = (weights[u] as number) + (flow[t] as number);
  }
  return { units, weights };
}
