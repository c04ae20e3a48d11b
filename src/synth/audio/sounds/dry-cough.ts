/**
 * @file Dry cough: sharp bursts of broadband turbulence with a vocal-tract resonance lifting the top.
 */
import { band, biquad, normalise, whiteNoise } from '../dsp.js';
import { coughRun } from './cough.js';
import type { Sound } from './sound.js';

export const dryCough: Sound = (track, rng) => {
  const { rate, out } = track;
  const { envelope } = coughRun(track, rng, 0.25, 0.4);
  // Turbulent air through an open glottis, no secretions: broadband noise with little below a
  // few hundred hertz and a broad vocal-tract resonance around 1-2.5 kHz lifting the top.
  const turbulence = normalise(band(whiteNoise(rng, out.length), rng.uniform(350, 500), rng.uniform(5000, 6500), rate));
  const tract = normalise(biquad(turbulence.slice(), 'bandpass', rng.uniform(1200, 2500), 1.2, rate));
  const mix = rng.uniform(0.5, 0.7);
  for (let i = 0; i < out.length; i++) {
    const sound = (1 - mix) * (turbulence[i] as number) + mix * (tract[i] as number);
    out[i] = (out[i] as number) + 0.5 * (envelope[i] as number) * sound;
  }
};
