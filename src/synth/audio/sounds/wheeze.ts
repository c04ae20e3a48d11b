/**
 * @file Wheeze (asthma, COPD, bronchospasm): sustained musical tones with harmonics through
 * expiration, sometimes a second weaker tone (polyphonic).
 */
import { bump } from '../dsp.js';
import { addTone } from '../track.js';
import { breathSound, phaseIntervals } from './breath.js';
import type { Sound } from './sound.js';

export const wheeze: Sound = breathSound('expiration', (track, rng, breathing, level) => {
  const { seconds } = track;
  const f0 = rng.uniform(300, 900);
  const glide = rng.uniform(-0.03, 0.02);
  const loud = level * rng.uniform(3, 6);
  // Polyphonic wheeze (several airways) in some patients: a second, weaker tone.
  const second = rng.chance(0.35) ? f0 * rng.uniform(1.2, 1.45) : undefined;
  for (const [s, e] of phaseIntervals(breathing, seconds, 'expiration')) {
    const onset = s + (e - s) * rng.uniform(0.05, 0.15);
    const offset = e - (e - s) * rng.uniform(0.05, 0.15);
    const shape = (u: number): number => loud * bump(u, 0.4);
    addTone(track, onset, offset, [1, 0.35, 0.12], (u) => f0 * (1 + glide * u), shape);
    if (second !== undefined)
      addTone(
        track,
        onset,
        offset,
        [1, 0.25],
        (u) => second * (1 + glide * u),
        (u) => 0.5 * shape(u),
      );
  }
});
