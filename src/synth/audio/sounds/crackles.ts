/**
 * @file Crackles (pneumonia, pulmonary edema, bronchiectasis): short explosive clicks, fine or
 * coarse, scattered through inspiration.
 */
import { addDampedSine } from '../track.js';
import { breathSound, phaseIntervals } from './breath.js';
import type { Sound } from './sound.js';

export const crackles: Sound = breathSound('inspiration', (track, rng, breathing, level) => {
  const { seconds } = track;
  // Fine crackles (edema, fibrosis) are short; coarse ones (bronchiectasis, pneumonia) longer.
  const coarse = rng.chance(0.5);
  const minMs = coarse ? 10 : 5;
  const maxMs = coarse ? 20 : 10;
  for (const [s, e] of phaseIntervals(breathing, seconds, 'inspiration')) {
    const count = Math.max(4, Math.round(rng.intBetween(10, 20) * ((e - s) / 1.4)));
    for (let k = 0; k < count; k++) {
      const at = s + (e - s) * rng.uniform(0.1, 0.9);
      const duration = rng.uniform(minMs, maxMs) / 1000;
      // Two to three cycles within the click: the shorter the click, the higher its content.
      const freq = rng.uniform(2, 3.5) / duration;
      const amp = level * rng.uniform(6, 12) * (rng.chance(0.5) ? 1 : -1);
      addDampedSine(track, at, freq, duration / 3, amp);
    }
  }
});
