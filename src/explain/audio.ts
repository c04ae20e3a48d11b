/**
 * @file Audio saliency by occlusion: each of k time segments (default 8) of the model's input
 * waveform silenced (zeros, which is what the padding of a short recording already looks like),
 * all variants in one batch; a segment's weight is the drop in the target probability.
 *
 * The output carries a peak envelope of the waveform (~200 points) so a report can draw it.
 */
import type { RecordFeatures } from '../model/features.js';
import type { ClinicalModel, Embeddings } from '../model/runtime.js';
import { edges, scoreMediaVariants } from './media-variants.js';
import type { AudioSaliency, ExplainTarget } from './types.js';

export const DEFAULT_SEGMENTS = 8;
export const ENVELOPE_POINTS = 200;

/** Peak absolute amplitude per slice of the waveform. */
export function envelope(samples: Float32Array, points = ENVELOPE_POINTS): number[] {
  const out: number[] = [];
  const step = samples.length / points;
  for (let p = 0; p < points; p++) {
    let peak = 0;
    const end = Math.min(samples.length, Math.round((p + 1) * step));
    for (let i = Math.round(p * step); i < end; i++) peak = Math.max(peak, Math.abs(samples[i] as number));
    out.push(peak);
  }
  return out;
}

export async function audioOcclusion(
  model: ClinicalModel,
  features: RecordFeatures,
  embeddings: Embeddings,
  row: number,
  target: ExplainTarget,
  segments = DEFAULT_SEGMENTS,
): Promise<{ saliency: AudioSaliency; rows: number } | undefined> {
  const audio = features.audio;
  if (!audio) return undefined;
  const rate = model.manifest.audio.sampleRate;
  const cuts = edges(audio.length, segments);
  const variants: Float32Array[] = [audio];
  for (let s = 0; s < segments; s++) {
    const copy = audio.slice();
    copy.fill(0, cuts[s], cuts[s + 1]);
    variants.push(copy);
  }
  const [base, ...scores] = await scoreMediaVariants(model, 'audio', features, embeddings, row, target, variants);
  return {
    saliency: {
      method: 'audio-occlusion',
      ...(features.audioResource ? { resource: features.audioResource } : {}),
      seconds: audio.length / rate,
      segments: scores.map((s, i) => ({
        start: (cuts[i] as number) / rate,
        end: (cuts[i + 1] as number) / rate,
        weight: (base as number) - s,
      })),
      envelope: envelope(audio),
    },
    rows: variants.length,
  };
}
