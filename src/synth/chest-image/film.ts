/**
 * @file The film: per-pixel fields (anatomical coordinates, lung, heart, density, how much of the
 * lung markings show) that the base film and the patterns paint, and the film's exposure that
 * turns the painted density into 8-bit pixels.
 *
 * Why apart: the layout of the fields and the reuse of their memory between renders are one
 * concern; the painters only read and write the fields.
 */
import type { Anatomy } from './anatomy.js';
import type { Thorax } from './thorax.js';

/** Per-pixel fields the patterns read and write. */
export interface Film {
  size: number;
  /** Anatomical coordinates of each pixel centre. */
  x: Float32Array;
  y: Float32Array;
  lung: Float32Array;
  heart: Float32Array;
  /** 1 above the diaphragm, 0 below. */
  chest: Float32Array;
  /** Lung not hidden by the heart: where lung texture shows. */
  lungVisible: Float32Array;
  density: Float32Array;
  /** How much of the vessel markings shows at each pixel (a pneumothorax has none). */
  markingsGain: Float32Array;
  /** Pixel coordinates of an anatomical point. */
  toPixel(x: number, y: number): [number, number];
}

/** The film's per-pixel fields plus the scratch arrays the lung markings use. */
export interface WorkArrays extends Pick<Film, 'x' | 'y' | 'lung' | 'heart' | 'chest' | 'lungVisible' | 'density' | 'markingsGain'> {
  markings: Float32Array;
  mottle: Float32Array;
}

/**
 * Working arrays, reused between renders of the usual sizes. A film needs ten image-sized arrays,
 * and allocating them afresh each time cost about a sixth of the render in garbage collection.
 * Rendering is synchronous, so one set per size and thread is safe; each render rewrites or
 * clears every array before reading it. Large sizes are rare and not kept.
 */
const workArrays = new Map<number, WorkArrays>();

export function getWorkArrays(size: number): WorkArrays {
  const cached = workArrays.get(size);
  if (cached) return cached;
  const n = size * size;
  const arrays: WorkArrays = {
    x: new Float32Array(n),
    y: new Float32Array(n),
    lung: new Float32Array(n),
    heart: new Float32Array(n),
    chest: new Float32Array(n),
    lungVisible: new Float32Array(n),
    density: new Float32Array(n),
    markingsGain: new Float32Array(n),
    markings: new Float32Array(n),
    mottle: new Float32Array(n),
  };
  if (size <= 256) workArrays.set(size, arrays);
  return arrays;
}

export function makeFilm(t: Thorax, work: WorkArrays): Film {
  const { a, size } = t;
  // Every per-pixel field below is rewritten for every pixel, except this one.
  work.markingsGain.fill(1);
  const film: Film = {
    size,
    x: work.x,
    y: work.y,
    lung: work.lung,
    heart: work.heart,
    chest: work.chest,
    lungVisible: work.lungVisible,
    density: work.density,
    markingsGain: work.markingsGain,
    toPixel(x: number, y: number): [number, number] {
      // Inverse of the pixel -> anatomy map below.
      const cos = Math.cos(a.angle);
      const sin = Math.sin(a.angle);
      const rx = cos * x - sin * (y - 0.5);
      const ry = sin * x + cos * (y - 0.5) + 0.5;
      return [(rx + 0.5 + a.shiftX) * size - 0.5, (ry + a.shiftY) * size - 0.5];
    },
  };
  const cos = Math.cos(a.angle);
  const sin = Math.sin(a.angle);
  const { x: xs, y: ys, lung: lungs, heart: hearts, chest: chests, lungVisible } = film;
  for (let py = 0; py < size; py++) {
    const v = (py + 0.5) / size - a.shiftY - 0.5;
    for (let px = 0; px < size; px++) {
      const i = py * size + px;
      const u = (px + 0.5) / size - 0.5 - a.shiftX;
      const x = cos * u + sin * v;
      const y = -sin * u + cos * v + 0.5;
      xs[i] = x;
      ys[i] = y;
      const lung = t.lungAt(x, y);
      const heart = t.heartAt(x, y);
      lungs[i] = lung;
      hearts[i] = heart;
      chests[i] = t.chestAt(x, y);
      lungVisible[i] = lung * (1 - heart);
    }
  }
  return film;
}

/**
 * Expose the film: the density with the lung markings and texture added, through the film's
 * response curve, with grain. Returns 8-bit pixels, row-major.
 */
export function develop(anatomy: Anatomy, film: Film, markings: Float32Array, mottle: Float32Array): Uint8Array {
  const { size } = film;
  // The film's response curve, tabulated: a power per pixel costs more than the rest of the pass.
  const lutSteps = 512;
  const lutMax = 1.25;
  const lut = new Float32Array(lutSteps + 2);
  for (let k = 0; k <= lutSteps + 1; k++) {
    lut[k] = anatomy.offset + anatomy.gain * ((k / lutSteps) * lutMax) ** anatomy.gamma;
  }
  // Film grain from a xorshift32 stream seeded by the anatomy: inlined, it costs a fraction of a
  // method call per pixel, and the seed still fixes every value.
  let grain = anatomy.noiseSeed | 1;
  // The sum of two uniforms has a standard deviation of sqrt(1/6).
  const noiseScale = anatomy.noiseSd / Math.sqrt(1 / 6);
  const { density, markingsGain, lungVisible } = film;
  const out = new Uint8Array(size * size);
  for (let i = 0; i < out.length; i++) {
    const lungTexture = (markingsGain[i] as number) * (lungVisible[i] as number);
    const vessel = Math.min(1, markings[i] as number) + 1.6 * (mottle[i] as number);
    const v = Math.max(0, Math.min(lutMax, (density[i] as number) + 0.09 * vessel * lungTexture));
    const pos = (v / lutMax) * lutSteps;
    const k = Math.floor(pos);
    const lo = lut[k] as number;
    let level = lo + ((lut[k + 1] as number) - lo) * (pos - k);
    grain ^= grain << 13;
    grain ^= grain >>> 17;
    grain ^= grain << 5;
    // Two 16-bit uniforms from one draw: a triangular (near-Gaussian) grain.
    level += (((grain & 0xffff) + ((grain >>> 16) & 0xffff)) / 65536 - 1) * noiseScale;
    out[i] = (255 * Math.max(0, Math.min(1, level)) + 0.5) | 0;
  }
  return out;
}
