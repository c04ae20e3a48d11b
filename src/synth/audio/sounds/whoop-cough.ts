/**
 * @file Whooping cough (pertussis): a paroxysm of rapid coughs, then a high-pitched inspiratory
 * whoop that closes the clip.
 */
import { band, biquad, bump, normalise, whiteNoise } from '../dsp.js';
import { addTone } from '../track.js';
import { coughEnvelope } from './cough.js';
import type { Sound } from './sound.js';

export const whoopCough: Sound = (track, rng) => {
  const { rate, out, seconds } = track;
  // Lay out backward from the end: the whoop closes the clip, the paroxysm comes before it.
  const count = rng.intBetween(5, 8);
  let interval = rng.uniform(0.14, 0.2);
  let whoop = rng.uniform(0.35, 0.55);
  let gap = rng.uniform(0.05, 0.12);
  const lead = rng.uniform(0.03, 0.08);
  const tail = 0.03;
  const needed = lead + count * interval + gap + whoop + tail;
  if (needed > seconds) {
    // A short clip keeps the whole sequence, played faster.
    const squeeze = (seconds - lead - tail) / (needed - lead - tail);
    interval *= squeeze;
    whoop *= squeeze;
    gap *= squeeze;
  }
  const whoopEnd = seconds - tail;
  const whoopStart = whoopEnd - whoop;
  const firstCough = whoopStart - gap - count * interval;
  const envelope = new Float32Array(out.length);
  for (let k = 0; k < count; k++) {
    const start = firstCough + k * interval;
    // Each cough of the run is shorter than the gap to the next: they stay countable.
    coughEnvelope(envelope, rate, { start, duration: interval * rng.uniform(0.55, 0.7) }, rng.uniform(0.3, 0.5), rng);
  }
  const hiss = normalise(biquad(whiteNoise(rng, out.length), 'highpass', rng.uniform(500, 900), Math.SQRT1_2, rate));
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) + 0.5 * (envelope[i] as number) * (hiss[i] as number);
  // The whoop: forced inspiration through a narrowed glottis, a high tone that rises a little.
  const f0 = rng.uniform(1000, 1300);
  const f1 = Math.min(1500, f0 * rng.uniform(1.02, 1.15));
  const loud = rng.uniform(0.2, 0.35);
  addTone(
    track,
    whoopStart,
    whoopEnd,
    [1, 0.15],
    (u) => f0 + (f1 - f0) * u,
    (u) => loud * bump(u, 0.5),
  );
  const gasp = normalise(band(whiteNoise(rng, out.length), 900, 2000, rate));
  const i0 = Math.max(0, Math.round(whoopStart * rate));
  const i1 = Math.min(out.length, Math.round(whoopEnd * rate));
  for (let i = i0; i < i1; i++) {
    out[i] = (out[i] as number) + 0.15 * loud * bump((i - i0) / (i1 - i0)) * (gasp[i] as number);
  }
};
