/**
 * @file The recording under construction and what the sounds draw into it: tones with harmonics,
 * damped sinusoids (clicks, heart sounds, bubbles) and envelopes.
 *
 * Why apart: these are the synthesiser's drawing calls, shared by respiratory and cardiac sounds.
 */
import { bump } from './dsp.js';

/** A mono signal under construction. */
export interface Track {
  rate: number;
  seconds: number;
  out: Float32Array;
}

/**
 * Add a tone with harmonics between two times: frequency and amplitude are evaluated every few
 * milliseconds and the phase is carried continuously (a rotating phasor), so there are no clicks
 * and no per-sample trigonometry.
 */
export function addTone(
  track: Track,
  start: number,
  end: number,
  harmonics: readonly number[],
  frequency: (u: number) => number,
  amplitude: (u: number) => number,
): void {
  const { rate, out } = track;
  const i0 = Math.max(0, Math.round(start * rate));
  const i1 = Math.min(out.length, Math.round(end * rate));
  if (i1 <= i0) return;
  const span = Math.max(1, Math.round(end * rate) - Math.round(start * rate));
  const block = 32;
  const phases = harmonics.map(() => 0);
  for (let b = i0; b < i1; b += block) {
    const u = (b - Math.round(start * rate)) / span;
    const uNext = Math.min(1, (b + block - Math.round(start * rate)) / span);
    const f = frequency(u);
    const a0 = amplitude(u);
    const a1 = amplitude(uNext);
    const stop = Math.min(i1, b + block);
    for (let h = 0; h < harmonics.length; h++) {
      const fh = f * (h + 1);
      // Harmonics above Nyquist would alias into the band the tests and the model listen to.
      if (fh >= 0.45 * rate) continue;
      const w = (2 * Math.PI * fh) / rate;
      const cw = Math.cos(w);
      const sw = Math.sin(w);
      let re = Math.cos(phases[h] as number);
      let im = Math.sin(phases[h] as number);
      const gain = harmonics[h] as number;
      for (let i = b; i < stop; i++) {
        const a = a0 + ((a1 - a0) * (i - b)) / block;
        out[i] = (out[i] as number) + gain * a * im;
        const nre = re * cw - im * sw;
        im = re * sw + im * cw;
        re = nre;
      }
      phases[h] = Math.atan2(im, re);
    }
  }
}

/**
 * Add a damped sinusoid A e^(-t/tau) sin(2 pi f t) starting at `at` seconds, computed by the
 * two-term resonator recurrence. It starts at zero, so it clicks only as much as it should.
 */
export function addDampedSine(track: Track, at: number, freq: number, tau: number, amp: number): void {
  const { rate, out } = track;
  const w = (2 * Math.PI * freq) / rate;
  const r = Math.exp(-1 / (tau * rate));
  const c = 2 * r * Math.cos(w);
  const r2 = r * r;
  const start = Math.round(at * rate);
  const length = Math.ceil(tau * rate * 7);
  let s2 = 0; // y[n-2]
  let s1 = amp * r * Math.sin(w); // y[1]; y[0] = 0
  for (let n = 1; n < length; n++) {
    const i = start + n;
    if (i >= out.length) break;
    if (i >= 0) out[i] = (out[i] as number) + s1;
    const next = c * s1 - r2 * s2;
    s2 = s1;
    s1 = next;
  }
}

/** Write a bump of height `level` over [start, end] seconds into an envelope (maximum, not sum). */
export function paintEnvelope(env: Float32Array, rate: number, start: number, end: number, level: number, sharpness: number): void {
  const i0 = Math.max(0, Math.floor(start * rate));
  const i1 = Math.min(env.length, Math.ceil(end * rate));
  const span = (end - start) * rate;
  // Evaluated once a millisecond or so and interpolated: an envelope has nothing faster in it.
  const block = 16;
  for (let b = i0; b < i1; b += block) {
    const v0 = level * bump((b - start * rate) / span, sharpness);
    const v1 = level * bump((b + block - start * rate) / span, sharpness);
    const stop = Math.min(i1, b + block);
    for (let i = b; i < stop; i++) {
      const v = v0 + ((v1 - v0) * (i - b)) / block;
      if (v > (env[i] as number)) env[i] = v;
    }
  }
}
