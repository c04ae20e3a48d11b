/**
 * @file Signal-processing helpers the sounds are built from: seeded white noise, biquad filters,
 * band-pass, RMS normalisation, a raised-sine bump and the peak level.
 *
 * Why apart: every sound filters noise and shapes levels the same way; the helpers know nothing
 * about breathing or hearts.
 */
import type { Random } from '../../util/random.js';

/**
 * Approximately Gaussian white noise with unit variance: two 16-bit uniforms per step (a
 * triangular distribution), plenty for noise that will be filtered anyway. The samples come from
 * a xorshift32 generator seeded by one draw of `rng`: an inlined loop is several times faster
 * than a method call per sample, and the stream is still fixed by the seed.
 */
export function whiteNoise(rng: Random, n: number): Float32Array {
  const out = new Float32Array(n);
  const scale = Math.sqrt(6) / 65536;
  let state = rng.nextUint32() | 1;
  for (let i = 0; i < n; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out[i] = ((state & 0xffff) + ((state >>> 16) & 0xffff) - 65536) * scale;
  }
  return out;
}

export type FilterKind = 'lowpass' | 'highpass' | 'bandpass';

/** A second-order section from the RBJ audio-EQ cookbook, run in place. */
export function biquad(x: Float32Array, kind: FilterKind, freq: number, q: number, rate: number): Float32Array {
  const w = (2 * Math.PI * Math.min(freq, 0.45 * rate)) / rate;
  const cos = Math.cos(w);
  const alpha = Math.sin(w) / (2 * q);
  let b0: number;
  let b1: number;
  let b2: number;
  if (kind === 'lowpass') {
    b0 = (1 - cos) / 2;
    b1 = 1 - cos;
    b2 = b0;
  } else if (kind === 'highpass') {
    b0 = (1 + cos) / 2;
    b1 = -(1 + cos);
    b2 = b0;
  } else {
    // Constant 0 dB peak gain.
    b0 = alpha;
    b1 = 0;
    b2 = -alpha;
  }
  const a0 = 1 + alpha;
  const a1 = -2 * cos;
  const a2 = 1 - alpha;
  const nb0 = b0 / a0;
  const nb1 = b1 / a0;
  const nb2 = b2 / a0;
  const na1 = a1 / a0;
  const na2 = a2 / a0;
  let x1 = 0;
  let x2 = 0;
  let y1 = 0;
  let y2 = 0;
  for (let i = 0; i < x.length; i++) {
    const x0 = x[i] as number;
    const y0 = nb0 * x0 + nb1 * x1 + nb2 * x2 - na1 * y1 - na2 * y2;
    x2 = x1;
    x1 = x0;
    y2 = y1;
    y1 = y0;
    x[i] = y0;
  }
  return x;
}

/** Band-pass by high-pass then low-pass sections: a flat band, skirts of 12 dB/octave per order. */
export function band(x: Float32Array, low: number, high: number, rate: number, order: 1 | 2 = 1): Float32Array {
  for (let k = 0; k < order; k++) biquad(biquad(x, 'highpass', low, Math.SQRT1_2, rate), 'lowpass', high, Math.SQRT1_2, rate);
  return x;
}

export function rms(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i] as number) ** 2;
  return Math.sqrt(s / Math.max(1, x.length));
}

/** Scale a filtered noise to unit RMS, so its level is set by the envelope alone. */
export function normalise(x: Float32Array): Float32Array {
  const r = rms(x);
  if (r > 0) for (let i = 0; i < x.length; i++) x[i] = (x[i] as number) / r;
  return x;
}

/** Raised-sine bump on [0, 1]: 0 at both ends, 1 in the middle, `sharpness` < 1 flattens the top. */
export function bump(u: number, sharpness = 1): number {
  if (u <= 0 || u >= 1) return 0;
  const s = Math.sin(Math.PI * u);
  return sharpness === 1 ? s : s ** sharpness;
}

export function maxAbs(x: Float32Array): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] as number));
  return m;
}
