/**
 * @file Pericardial rub (pericarditis): three grainy high-pitched scratches with every beat.
 */
import { band, normalise, whiteNoise } from '../dsp.js';
import { paintEnvelope } from '../track.js';
import { heartSound } from './heart.js';
import type { Sound } from './sound.js';

export const pericardialRub: Sound = heartSound(
  { rate: [70, 110], irregular: false, jitter: 0.02, ringing: 1 },
  (track, rng, beats, s1Amp) => {
    const { rate, out } = track;
    // Three scratches a beat: atrial systole, ventricular systole, early diastole.
    const noise = normalise(band(whiteNoise(rng, out.length), rng.uniform(300, 450), rng.uniform(1200, 1800), rate));
    const envelope = new Float32Array(out.length);
    const level = s1Amp * rng.uniform(0.5, 0.8);
    for (const beat of beats) {
      const diastole = beat.next - beat.s2;
      const width = rng.uniform(0.05, 0.07);
      paintEnvelope(
        envelope,
        rate,
        beat.s1 + 0.5 * (beat.s2 - beat.s1) - width / 2,
        beat.s1 + 0.5 * (beat.s2 - beat.s1) + width / 2,
        level,
        0.5,
      );
      paintEnvelope(envelope, rate, beat.s2 + 0.06, beat.s2 + 0.06 + width, level * 0.8, 0.5);
      paintEnvelope(envelope, rate, beat.next - 0.1, beat.next - 0.1 + Math.min(width, diastole - 0.17), level * 0.7, 0.5);
    }
    // Grainy: the rub is many tiny catches, so chop the noise into random 2-6 ms grains.
    let grain = 0;
    let gain = 1;
    for (let i = 0; i < out.length; i++) {
      if (grain <= 0) {
        grain = Math.round(rng.uniform(0.002, 0.006) * rate);
        gain = rng.uniform(0.15, 1.3);
      }
      grain--;
      out[i] = (out[i] as number) + (noise[i] as number) * (envelope[i] as number) * gain;
    }
  },
);
