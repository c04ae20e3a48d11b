/**
 * @file Systolic murmur: band-limited noise between S1 and S2 of every beat, ejection (rising and
 * falling) or regurgitant (holding level).
 */
import { band, normalise, whiteNoise } from '../dsp.js';
import { paintEnvelope } from '../track.js';
import { heartSound, SINUS_RHYTHM } from './heart.js';
import type { Sound } from './sound.js';

export const murmur: Sound = heartSound(SINUS_RHYTHM, (track, rng, beats, s1Amp) => {
  const { rate, out } = track;
  // Turbulent systolic flow: 100-600 Hz noise from just after S1 to just before S2.
  const noise = normalise(band(whiteNoise(rng, out.length), rng.uniform(130, 180), rng.uniform(400, 600), rate, 2));
  const envelope = new Float32Array(out.length);
  const level = s1Amp * rng.uniform(0.25, 0.4);
  // Ejection murmurs rise and fall; regurgitant ones hold level through systole.
  const sharpness = rng.chance(0.5) ? 1 : 0.3;
  for (const beat of beats) paintEnvelope(envelope, rate, beat.s1 + 0.05, beat.s2 - 0.015, level, sharpness);
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) + (noise[i] as number) * (envelope[i] as number);
});
