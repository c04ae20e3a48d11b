/**
 * @file The heart through a stethoscope: beats laid out by a rhythm, S1 and S2 as damped
 * low-frequency transients, and the patterns that are a rhythm alone (normal, regular
 * tachycardia, atrial fibrillation). The murmur and the rub add their noise to a heart built here.
 *
 * Why apart: every cardiac pattern shares the beats and heart sounds, drawn in the same order;
 * `heartSound` fixes that order once, and a rhythm is just parameters.
 */
import type { Random } from '../../../util/random.js';
import { addDampedSine, type Track } from '../track.js';
import type { Sound } from './sound.js';

export interface Beat {
  /** Time of S1 (seconds, clip time). */
  s1: number;
  /** Time of S2. */
  s2: number;
  /** Time of the next beat's S1. */
  next: number;
  /** Loudness of this beat's S1 relative to the patient's usual. */
  strength: number;
}

export interface Rhythm {
  /** Beats per minute: the mean rate is drawn from this range. */
  rate: readonly [number, number];
  /** Atrial fibrillation: every interval and every S1's loudness drawn on its own. */
  irregular: boolean;
  /**
   * Beat-to-beat variation of a regular rhythm (standard deviation, as a fraction of the
   * period): normal sinus rhythm still varies a little (respiratory sinus arrhythmia).
   */
  jitter: number;
  /** Scale of the heart sounds' ringing: fast hearts give crisper sounds, shorter ringing. */
  ringing: number;
}

/** Sinus rhythm at a resting rate. */
export const SINUS_RHYTHM: Rhythm = { rate: [60, 90], irregular: false, jitter: 0.02, ringing: 1 };

export function layoutBeats(rhythm: Rhythm, rng: Random, seconds: number): Beat[] {
  const [low, high] = rhythm.rate;
  const period = 60 / rng.uniform(low, high);
  const { irregular, jitter } = rhythm;
  const beats: Beat[] = [];
  let t = -rng.uniform(0.1, period);
  while (t < seconds) {
    // Atrial fibrillation: each interval drawn on its own, 60%-140% of the mean.
    const interval = irregular ? period * rng.uniform(0.6, 1.4) : period * (1 + rng.normal(0, jitter));
    // Systole shortens with rate, though less than the whole cycle does.
    const systole = Math.min(0.34, 0.33 * Math.sqrt(interval));
    beats.push({
      s1: t,
      s2: t + systole,
      next: t + interval,
      strength: irregular ? rng.uniform(0.6, 1.3) : rng.uniform(0.92, 1.08),
    });
    t += interval;
  }
  return beats;
}

/** What a murmur or a rub adds to the heart sounds, drawn after them. */
export type HeartFinding = (track: Track, rng: Random, beats: readonly Beat[], s1Amp: number) => void;

/** Heart sounds (S1, S2) over `rhythm`, with the finding, when there is one, added on top. */
export function heartSound(rhythm: Rhythm, finding?: HeartFinding): Sound {
  return (track, rng) => {
    const { seconds } = track;
    const beats = layoutBeats(rhythm, rng, seconds);
    const s1Amp = rng.uniform(0.3, 0.5);
    const s2Ratio = rng.uniform(0.6, 0.9);
    const s1Low = rng.uniform(40, 60);
    const s1High = rng.uniform(80, 120);
    const s2Low = rng.uniform(60, 90);
    const s2High = rng.uniform(110, 150);
    const s1Tau = rng.uniform(0.025, 0.035) * rhythm.ringing;
    const s2Tau = rng.uniform(0.015, 0.022) * rhythm.ringing;
    for (const beat of beats) {
      const a = s1Amp * beat.strength;
      addDampedSine(track, beat.s1, s1Low, s1Tau, a);
      addDampedSine(track, beat.s1 + 0.012, s1High, s1Tau * 0.6, 0.6 * a);
      const b = s1Amp * s2Ratio;
      addDampedSine(track, beat.s2, s2Low, s2Tau, b);
      addDampedSine(track, beat.s2 + 0.008, s2High, s2Tau * 0.7, 0.6 * b);
    }
    finding?.(track, rng, beats, s1Amp);
  };
}

export const normalHeart: Sound = heartSound(SINUS_RHYTHM);

/** Paroxysmal supraventricular tachycardia: regular and fast. */
export const tachycardiaRegular: Sound = heartSound({ rate: [150, 220], irregular: false, jitter: 0.01, ringing: 0.7 });

/** Atrial fibrillation: irregularly irregular. */
export const irregularRhythm: Sound = heartSound({ rate: [90, 150], irregular: true, jitter: 0.02, ringing: 1 });
