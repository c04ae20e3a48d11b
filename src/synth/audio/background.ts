/**
 * @file Room and body noise under every recording.
 *
 * Why apart: it is added after the pattern's sound, from its own seeded stream, so a pattern's
 * draws never change the background and the background never shifts the pattern.
 */
import type { Random } from '../../util/random.js';
import { whiteNoise } from './dsp.js';
import type { Track } from './track.js';

/** Room and body noise every recording has: a little broadband hiss over a low rumble. */
export function addBackground(track: Track, rng: Random, level: number): void {
  const { out, rate } = track;
  const hiss = whiteNoise(rng, out.length);
  const rumbleLevel = level * rng.uniform(0.3, 0.8);
  const hissLevel = level * 0.5;
  // One-pole low-pass of the same noise: the rumble, at a fraction of the cost of a second stream.
  const k = Math.exp((-2 * Math.PI * rng.uniform(80, 150)) / rate);
  const rumbleGain = rumbleLevel * Math.sqrt((1 + k) / (1 - k));
  let low = 0;
  for (let i = 0; i < out.length; i++) {
    const h = hiss[i] as number;
    low = k * low + (1 - k) * h;
    out[i] = (out[i] as number) + hissLevel * h + rumbleGain * low;
  }
}
