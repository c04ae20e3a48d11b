/**
 * @file Wet (productive) cough: low-frequency body and rumble, and bubbles popping with the airflow.
 */
import { biquad, normalise, whiteNoise } from '../dsp.js';
import { addDampedSine } from '../track.js';
import { coughRun } from './cough.js';
import type { Sound } from './sound.js';

export const wetCough: Sound = (track, rng) => {
  const { rate, out } = track;
  const { bursts, envelope } = coughRun(track, rng, 0.3, 0.5);
  // Secretions: most energy below 1 kHz, a slow rumble, and bubbles popping through the burst.
  const body = normalise(biquad(whiteNoise(rng, out.length), 'lowpass', rng.uniform(700, 1000), Math.SQRT1_2, rate));
  const rumble = normalise(biquad(whiteNoise(rng, out.length), 'lowpass', rng.uniform(120, 200), Math.SQRT1_2, rate));
  const flutter = rng.uniform(12, 30);
  for (let i = 0; i < out.length; i++) {
    const am = 0.6 + 0.4 * Math.sin((2 * Math.PI * flutter * i) / rate);
    out[i] = (out[i] as number) + (envelope[i] as number) * (0.35 * (body[i] as number) + 0.45 * am * (rumble[i] as number));
  }
  for (const burst of bursts) {
    const bubbles = rng.intBetween(6, 15);
    for (let k = 0; k < bubbles; k++) {
      const at = burst.start + burst.duration * rng.uniform(0.05, 0.8);
      // Bubbles pop with the airflow: loudest early in the cough, fading with it.
      const flow = envelope[Math.min(out.length - 1, Math.round(at * rate))] as number;
      addDampedSine(track, at, rng.uniform(120, 400), rng.uniform(0.008, 0.02), flow * rng.uniform(0.3, 0.6) * (rng.chance(0.5) ? 1 : -1));
    }
  }
};
