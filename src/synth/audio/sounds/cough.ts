/**
 * @file Coughs: how a run of coughs is laid out through a clip and the loudness contour of each.
 * The dry, wet and barking coughs fill the same run with different sounds; the whoop uses the
 * contour for its paroxysm.
 *
 * Why apart: the layout and contour are shared, and drawn in the same order for every cough.
 */
import type { Random } from '../../../util/random.js';
import type { Track } from '../track.js';

export interface Burst {
  start: number;
  duration: number;
}

/** Lay out coughs through the clip: 1-3 in two seconds, separated by breaths. */
export function layoutCoughs(rng: Random, seconds: number, minDuration: number, maxDuration: number): Burst[] {
  const bursts: Burst[] = [];
  let t = rng.uniform(0.05, 0.3);
  const maxCount = Math.max(1, Math.round(1.5 * seconds));
  while (bursts.length < maxCount) {
    const duration = rng.uniform(minDuration, maxDuration);
    if (t + duration > seconds - 0.02) {
      // A clip too short for even one full cough still gets one, shortened to fit.
      if (bursts.length === 0) bursts.push({ start: Math.min(t, seconds * 0.1), duration: Math.max(0.05, seconds * 0.85) });
      break;
    }
    bursts.push({ start: t, duration });
    t += duration + rng.uniform(0.15, 0.5);
  }
  return bursts;
}

/** The loudness contour of one cough: a fast attack, an explosive peak, a decaying tail. */
export function coughEnvelope(env: Float32Array, rate: number, burst: Burst, peak: number, rng: Random): void {
  const attack = rng.uniform(0.004, 0.01);
  const explosive = rng.uniform(0.025, 0.05);
  const tau = burst.duration * rng.uniform(0.18, 0.28);
  const i0 = Math.max(0, Math.round(burst.start * rate));
  const i1 = Math.min(env.length, Math.round((burst.start + burst.duration) * rate));
  const fade = 0.01;
  for (let i = i0; i < i1; i++) {
    const t = i / rate - burst.start;
    let v: number;
    if (t < attack) v = t / attack;
    else if (t < attack + explosive) v = 1;
    else v = Math.exp(-(t - attack - explosive) / tau);
    // A short fade so the burst ends without a click.
    const tail = burst.duration - t;
    if (tail < fade) v *= tail / fade;
    env[i] = Math.max(env[i] as number, peak * v);
  }
}

/**
 * Lay out a run of coughs of `minDuration`-`maxDuration` seconds through the track and their
 * loudness contour (one envelope over the whole clip).
 */
export function coughRun(track: Track, rng: Random, minDuration: number, maxDuration: number): { bursts: Burst[]; envelope: Float32Array } {
  const { rate, out, seconds } = track;
  const bursts = layoutCoughs(rng, seconds, minDuration, maxDuration);
  const envelope = new Float32Array(out.length);
  for (const burst of bursts) coughEnvelope(envelope, rate, burst, rng.uniform(0.35, 0.6), rng);
  return { bursts, envelope };
}
