/**
 * @file Stridor (croup, epiglottitis, laryngospasm): a loud monophonic tone through inspiration.
 */
import { bump } from '../dsp.js';
import { addTone } from '../track.js';
import { breathSound, phaseIntervals } from './breath.js';
import type { Sound } from './sound.js';

export const stridor: Sound = breathSound('inspiration', (track, rng, breathing) => {
  const { seconds } = track;
  const f0 = rng.uniform(500, 1200);
  const rise = rng.uniform(0, 0.04);
  const loud = rng.uniform(0.25, 0.45);
  for (const [s, e] of phaseIntervals(breathing, seconds, 'inspiration')) {
    const onset = s + (e - s) * rng.uniform(0.03, 0.1);
    const offset = e - (e - s) * rng.uniform(0.03, 0.1);
    addTone(
      track,
      onset,
      offset,
      [1, 0.3, 0.1],
      (u) => f0 * (1 + rise * u),
      (u) => loud * bump(u, 0.35),
    );
  }
});
