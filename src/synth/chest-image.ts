/**
 * @file Synthetic frontal chest radiographs for generated records, one look per finding pattern.
 *
 * Why: the generator gives every patient an image whose appearance depends on the diagnosis, so
 * the image encoder has something real to learn and the image saliency maps have something to
 * point at. The pictures are schematic but laid out like a PA film (patient's right on the image
 * left): dark lung fields, mediastinum and heart shadow, posterior ribs, clavicles, spine,
 * diaphragm domes, soft tissue and quantum-like noise.
 *
 * Randomness is drawn in a fixed order: first the patient's anatomy (and the seeds of the vessel
 * markings and of the noise), then whatever the pattern needs. So for one rng state every pattern
 * is drawn on the same patient, and the difference between two patterns' images is the finding
 * alone. The tests rely on that; explanation checks can use it as a ground-truth region.
 *
 * Everything is computed in "anatomical" coordinates: x across the chest in image widths with the
 * midline at 0 (negative = image left = patient's right), y down the image in image heights. The
 * per-patient rotation and shift map pixels into that frame.
 *
 * This module is the renderer's entry and its order of work; the parts live in chest-image/:
 * the pattern names (catalog), the patient (anatomy), the chest's geometry (thorax), the film's
 * fields and exposure (film), the normal chest (base), the lung markings (lung-markings), shared
 * shapes (primitives) and one painter per finding (patterns/).
 */
import type { Random } from '../util/random.js';
import { ClinicalBertError, quote } from '../util/errors.js';
import { encodeGrayPng } from '../media/png.js';
import { drawAnatomy } from './chest-image/anatomy.js';
import { paintBase } from './chest-image/base.js';
import { IMAGE_PATTERNS, type ImagePattern } from './chest-image/catalog.js';
import { develop, getWorkArrays, makeFilm } from './chest-image/film.js';
import { parenchymaTexture, vesselMarkings } from './chest-image/lung-markings.js';
import { PAINTERS } from './chest-image/patterns/index.js';
import { Thorax } from './chest-image/thorax.js';

export { IMAGE_PATTERN_DESCRIPTIONS, IMAGE_PATTERNS, type ImagePattern } from './chest-image/catalog.js';

const MIN_SIZE = 16;
const MAX_SIZE = 1024;

function assertPattern(pattern: string): asserts pattern is ImagePattern {
  if (!(IMAGE_PATTERNS as readonly string[]).includes(pattern)) {
    throw new ClinicalBertError(`unknown image pattern ${quote(pattern)}; valid: ${IMAGE_PATTERNS.join(', ')}`, {
      code: 'SYNTH_UNKNOWN_PATTERN',
    });
  }
}

/**
 * Render one frontal chest radiograph as 8-bit grayscale pixels (row-major, `size * size`).
 * Advances `rng`; the same rng state gives the same pixels.
 */
export function renderChestPixels(pattern: ImagePattern, rng: Random, size = 128): Uint8Array {
  assertPattern(pattern);
  if (!Number.isInteger(size) || size < MIN_SIZE || size > MAX_SIZE) {
    throw new ClinicalBertError(`image size must be an integer between ${MIN_SIZE} and ${MAX_SIZE}, got ${quote(size)}`, {
      code: 'SYNTH_BAD_IMAGE_SIZE',
    });
  }
  const painter = PAINTERS[pattern];
  const anatomy = drawAnatomy(rng);
  painter.reshape?.(anatomy, rng);
  const thorax = new Thorax(anatomy, size);
  const work = getWorkArrays(size);
  const film = makeFilm(thorax, work);
  paintBase(thorax, film);
  painter.paint?.(thorax, film, rng);

  const markings = vesselMarkings(thorax, film, work.markings);
  const mottle = parenchymaTexture(thorax, film, work.mottle);
  return develop(anatomy, film, markings, mottle);
}

/** Render one frontal chest radiograph as a grayscale PNG (`size` x `size`). */
export function renderChestImage(pattern: ImagePattern, rng: Random, size = 128): Buffer {
  return encodeGrayPng(renderChestPixels(pattern, rng, size), size, size);
}
