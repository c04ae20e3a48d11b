/**
 * @file Barking cough (croup): a harsh voiced source through a narrow subglottic resonance, the
 * "seal bark".
 */
import { biquad, maxAbs, whiteNoise } from '../dsp.js';
import { coughRun } from './cough.js';
import type { Sound } from './sound.js';

export const barkingCough: Sound = (track, rng) => {
  const { rate, out } = track;
  const { envelope } = coughRun(track, rng, 0.25, 0.45);
  // Barking: a harsh voiced source through a narrow subglottic resonance (croup's "seal bark").
  const f0 = rng.uniform(140, 240);
  const resonance = rng.uniform(330, 560);
  const pulses = new Float32Array(out.length);
  let next = 0;
  while (next < out.length) {
    const i = Math.round(next);
    if (i < out.length) pulses[i] = 1;
    // Jittered glottal periods: a rough voice rather than a pure buzz.
    next += (rate / f0) * (1 + rng.uniform(-0.04, 0.04));
  }
  for (let i = 0; i < out.length; i++) pulses[i] = (pulses[i] as number) * (envelope[i] as number);
  const voiced = biquad(biquad(pulses, 'bandpass', resonance, 5, rate), 'bandpass', resonance, 3, rate);
  const breath = whiteNoise(rng, out.length);
  for (let i = 0; i < out.length; i++) breath[i] = (breath[i] as number) * (envelope[i] as number);
  biquad(breath, 'bandpass', resonance, 2, rate);
  const voicedGain = 1 / Math.max(1e-9, maxAbs(voiced));
  const peakLevel = maxAbs(envelope);
  for (let i = 0; i < out.length; i++) {
    out[i] = (out[i] as number) + peakLevel * 0.9 * voicedGain * (voiced[i] as number) + 0.25 * (breath[i] as number);
  }
};
