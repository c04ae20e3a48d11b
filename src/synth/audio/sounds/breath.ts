/**
 * @file Breathing: the cycle a clip sees (when inspiration and expiration happen), vesicular
 * breath sounds, and the normal breath pattern. Wheeze, crackles and stridor add their finding to
 * a breath built here.
 *
 * Why apart: every respiratory finding but the coughs rides on the same breathing, drawn in the
 * same order; `breathSound` fixes that order once.
 */
import type { Random } from '../../../util/random.js';
import { band, normalise, whiteNoise } from '../dsp.js';
import { type Track, paintEnvelope } from '../track.js';
import type { Sound } from './sound.js';

/** A breathing cycle seen through a clip: when each inspiration and expiration happens. */
export interface Breathing {
  period: number;
  inspiration: number;
  /** Audible part of expiration; the rest of the cycle is a pause. */
  expiration: number;
  /** Cycle phase (seconds) at the start of the clip. */
  phase: number;
}

export type Phase = 'inspiration' | 'expiration';

/** The [start, end] times (seconds, clip time, unclipped) of each phase that overlaps the clip. */
export function phaseIntervals(b: Breathing, seconds: number, which: Phase): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let k = -1; k * b.period - b.phase < seconds; k++) {
    const cycleStart = k * b.period - b.phase;
    const s = which === 'inspiration' ? cycleStart : cycleStart + b.inspiration;
    const e = s + (which === 'inspiration' ? b.inspiration : b.expiration);
    if (e > 0 && s < seconds) out.push([s, e]);
  }
  return out;
}

/** Where in its cycle the clip starts, so that the finding's phase is in the clip. */
export function drawBreathing(rng: Random, focus: Phase | 'any'): Breathing {
  const period = rng.uniform(3, 4);
  const inspiration = period * rng.uniform(0.36, 0.44);
  const expiration = (period - inspiration) * rng.uniform(0.65, 0.8);
  let phase: number;
  if (focus === 'inspiration') phase = period - rng.uniform(0.05, 0.35);
  else if (focus === 'expiration') phase = inspiration - rng.uniform(0.15, 0.4);
  else phase = rng.uniform(0, period);
  return { period, inspiration, expiration, phase };
}

/** Vesicular breath sounds: 200-800 Hz noise, loud on inspiration, softer and shorter on expiration. */
export function addBreathSounds(track: Track, rng: Random, b: Breathing, level: number): void {
  const { rate, out, seconds } = track;
  const noise = normalise(band(whiteNoise(rng, out.length), rng.uniform(180, 240), rng.uniform(700, 850), rate, 2));
  const expLevel = rng.uniform(0.3, 0.5);
  const envelope = new Float32Array(out.length);
  for (const [s, e] of phaseIntervals(b, seconds, 'inspiration')) paintEnvelope(envelope, rate, s, e, level, 0.8);
  for (const [s, e] of phaseIntervals(b, seconds, 'expiration')) paintEnvelope(envelope, rate, s, e, level * expLevel, 1);
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) + (noise[i] as number) * (envelope[i] as number);
}

/** A finding added to a breath: drawn after the breath, in the phase it belongs to. */
export type BreathFinding = (track: Track, rng: Random, breathing: Breathing, level: number) => void;

/**
 * A breathing sound whose clip is placed so that `focus` (the phase that carries the finding) is
 * in it, with the finding, when there is one, added on top.
 */
export function breathSound(focus: Phase | 'any', finding?: BreathFinding): Sound {
  return (track, rng) => {
    const breathing = drawBreathing(rng, focus);
    const level = rng.uniform(0.03, 0.06);
    addBreathSounds(track, rng, breathing, level);
    finding?.(track, rng, breathing, level);
  };
}

/** Vesicular breath sounds alone. */
export const normalBreath: Sound = breathSound('any');
