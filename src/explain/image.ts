/**
 * @file Image saliency by occlusion: each cell of an n×n grid (default 4×4) of the model's input
 * image replaced by the image's mean value, all variants in one batch; a cell's weight is the drop
 * in the target probability. The mean (rather than black) removes structure without painting a
 * dark patch the encoder could read as a finding.
 *
 * The output carries the model's input as a small grayscale PNG data URL, so a report can draw the
 * grid over exactly what the model saw.
 */
import { encodeGrayPng } from '../media/png.js';
import type { RecordFeatures } from '../model/features.js';
import type { ClinicalModel, Embeddings } from '../model/runtime.js';
import { edges, scoreMediaVariants } from './media-variants.js';
import type { ExplainTarget, ImageSaliency } from './types.js';

export const DEFAULT_GRID = 4;

/** The model's normalized image input as a grayscale PNG data URL. */
export function imageThumbnail(image: Float32Array, size: number, mean: number, std: number): string {
  const pixels = new Uint8Array(size * size);
  for (let i = 0; i < pixels.length; i++) {
    const value = ((image[i] as number) * std + mean) * 255;
    pixels[i] = Math.max(0, Math.min(255, Math.round(value)));
  }
  return `data:image/png;base64,${encodeGrayPng(pixels, size, size).toString('base64')}`;
}

export async function imageOcclusion(
  model: ClinicalModel,
  features: RecordFeatures,
  embeddings: Embeddings,
  row: number,
  target: ExplainTarget,
  grid = DEFAULT_GRID,
): Promise<{ saliency: ImageSaliency; rows: number } | undefined> {
  const image = features.image;
  if (!image) return undefined;
  const spec = model.manifest.image;
  const size = spec.size;
  let mean = 0;
  for (const v of image) mean += v;
  mean /= image.length;
  const cuts = edges(size, grid);
  const variants: Float32Array[] = [image];
  for (let gy = 0; gy < grid; gy++) {
    for (let gx = 0; gx < grid; gx++) {
      const copy = image.slice();
      for (let y = cuts[gy] as number; y < (cuts[gy + 1] as number); y++)
        copy.fill(mean, y * size + (cuts[gx] as number), y * size + (cuts[gx + 1] as number));
      variants.push(copy);
    }
  }
  const [base, ...scores] = await scoreMediaVariants(model, 'image', features, embeddings, row, target, variants);
  return {
    saliency: {
      method: 'image-occlusion',
      ...(features.imageResource ? { resource: features.imageResource } : {}),
      grid,
      cells: scores.map((s) => (base as number) - s),
      thumbnail: imageThumbnail(image, size, spec.mean, spec.std),
    },
    rows: variants.length,
  };
}
