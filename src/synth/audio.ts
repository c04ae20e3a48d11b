/**
 * @file Synthetic auscultation and cough recordings for generated records, one sound per pattern.
 *
 * Why: the generator attaches a recording whose sound depends on the diagnosis (a wheeze for
 * asthma, a seal-bark cough for croup, an irregular heart for atrial fibrillation), so the audio
 * encoder has something real to learn and the audio saliency maps have something to point at.
 *
 * Each pattern is built from the acoustics it stands for: band-limited noise shaped by a breathing
 * cycle, tones with harmonics for wheeze, stridor and whoop, damped clicks for crackles, filtered
 * noise bursts for coughs, damped low-frequency transients for S1/S2, and filtered noise for
 * murmurs and rubs. Timing is laid out so that a 2-second clip always contains the phase that
 * carries the finding (expiration for a wheeze, inspiration for crackles and stridor).
 *
 * Levels are absolute, not normalised per clip: stridor is loud and a normal breath is quiet, as
 * through a stethoscope. A per-patient recording gain varies them; a clip that would clip is
 * scaled down as a whole.
 */
import { Random } from '../util/random.js';
import { ClinicalBertError, quote } from '../util/errors.js';
import { encodeWav16 } from './wav.js';

export const AUDIO_PATTERNS = [
  'normal_breath',
  'wheeze',
  'crackles',
  'stridor',
  'dry_cough',
  'wet_cough',
  'barking_cough',
  'whoop_cough',
  'normal_heart',
  'tachycardia_regular',
  'irregular_rhythm',
  'pericardial_rub',
  'murmur',
] as const;

export type AudioPattern = (typeof AUDIO_PATTERNS)[number];

/** What the recording is of: breathing and coughs, or the heart through a stethoscope. */
export const AUDIO_PATTERN_KINDS: Readonly<Record<AudioPattern, 'respiratory' | 'cardiac'>> = {
  normal_breath: 'respiratory',
  wheeze: 'respiratory',
  crackles: 'respiratory',
  stridor: 'respiratory',
  dry_cough: 'respiratory',
  wet_cough: 'respiratory',
  barking_cough: 'respiratory',
  whoop_cough: 'respiratory',
  normal_heart: 'cardiac',
  tachycardia_regular: 'cardiac',
  irregular_rhythm: 'cardiac',
  pericardial_rub: 'cardiac',
  murmur: 'cardiac',
};

/** One line per pattern, for the HTML report and the model card. */
export const AUDIO_PATTERN_DESCRIPTIONS: Readonly<Record<AudioPattern, string>> = {
  normal_breath: 'Vesicular breath sounds: soft 200-800 Hz noise, louder on inspiration, 3-4 s cycle.',
  wheeze: 'Sustained musical tones (300-900 Hz, with harmonics) during expiration (asthma, COPD, bronchospasm).',
  crackles: 'Short explosive clicks (5-20 ms) during inspiration (pneumonia, pulmonary edema, bronchiectasis).',
  stridor: 'Loud monophonic 500-1200 Hz tone on inspiration (croup, epiglottitis, laryngospasm).',
  dry_cough: 'Sharp 250-400 ms cough bursts, broadband with high-frequency emphasis.',
  wet_cough: 'Cough bursts with low-frequency rumble and gurgling (productive cough).',
  barking_cough: "Low-pitched 'seal bark' cough with a strong 300-600 Hz resonance (croup).",
  whoop_cough: 'A paroxysm of 5-8 rapid coughs, then a high-pitched 1-1.5 kHz inspiratory whoop (pertussis).',
  normal_heart: 'Regular S1-S2 heart sounds at 60-90 beats per minute.',
  tachycardia_regular: 'Regular heart sounds at 150-220 beats per minute (paroxysmal supraventricular tachycardia).',
  irregular_rhythm: 'Irregularly irregular beats at 90-150 per minute with varying S1 (atrial fibrillation).',
  pericardial_rub: 'Scratchy high-pitched three-component rub with each beat (pericarditis).',
  murmur: 'Heart sounds with a systolic noise between S1 and S2.',
};

const MIN_RATE = 4000;
const MAX_RATE = 96000;
const MAX_SECONDS = 60;

/** A mono signal under construction. */
interface Track {
  rate: number;
  seconds: number;
  out: Float32Array;
}

/**
 * Approximately Gaussian white noise with unit variance: two 16-bit uniforms per step (a
 * triangular distribution), plenty for noise that will be filtered anyway. The samples come from
 * a xorshift32 generator seeded by one draw of `rng`: an inlined loop is several times faster
 * than a method call per sample, and the stream is still fixed by the seed.
 */
function whiteNoise(rng: Random, n: number): Float32Array {
  const out = new Float32Array(n);
  const scale = Math.sqrt(6) / 65536;
  let state = rng.nextUint32() | 1;
  for (let i = 0; i < n; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out[i] = ((state & 0xffff) + ((state >>> 16) & 0xffff) - 65536) * scale;
  }
  return out;
}

type FilterKind = 'lowpass' | 'highpass' | 'bandpass';

/** A second-order section from the RBJ audio-EQ cookbook, run in place. */
function biquad(x: Float32Array, kind: FilterKind, freq: number, q: number, rate: number): Float32Array {
  const w = (2 * Math.PI * Math.min(freq, 0.45 * rate)) / rate;
  const cos = Math.cos(w);
  const alpha = Math.sin(w) / (2 * q);
  let b0: number;
  let b1: number;
  let b2: number;
  if (kind === 'lowpass') {
    b0 = (1 - cos) / 2;
    b1 = 1 - cos;
    b2 = b0;
  } else if (kind === 'highpass') {
    b0 = (1 + cos) / 2;
    b1 = -(1 + cos);
    b2 = b0;
  } else {
    // Constant 0 dB peak gain.
    b0 = alpha;
    b1 = 0;
    b2 = -alpha;
  }
  const a0 = 1 + alpha;
  const a1 = -2 * cos;
  const a2 = 1 - alpha;
  const nb0 = b0 / a0;
  const nb1 = b1 / a0;
  const nb2 = b2 / a0;
  const na1 = a1 / a0;
  const na2 = a2 / a0;
  let x1 = 0;
  let x2 = 0;
  let y1 = 0;
  let y2 = 0;
  for (let i = 0; i < x.length; i++) {
    const x0 = x[i] as number;
    const y0 = nb0 * x0 + nb1 * x1 + nb2 * x2 - na1 * y1 - na2 * y2;
    x2 = x1;
    x1 = x0;
    y2 = y1;
    y1 = y0;
    x[i] = y0;
  }
  return x;
}

/** Band-pass by high-pass then low-pass sections: a flat band, skirts of 12 dB/octave per order. */
function band(x: Float32Array, low: number, high: number, rate: number, order: 1 | 2 = 1): Float32Array {
  for (let k = 0; k < order; k++) biquad(biquad(x, 'highpass', low, Math.SQRT1_2, rate), 'lowpass', high, Math.SQRT1_2, rate);
  return x;
}

function rms(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i] as number) ** 2;
  return Math.sqrt(s / Math.max(1, x.length));
}

/** Scale a filtered noise to unit RMS, so its level is set by the envelope alone. */
function normalise(x: Float32Array): Float32Array {
  const r = rms(x);
  if (r > 0) for (let i = 0; i < x.length; i++) x[i] = (x[i] as number) / r;
  return x;
}

/** Raised-sine bump on [0, 1]: 0 at both ends, 1 in the middle, `sharpness` < 1 flattens the top. */
function bump(u: number, sharpness = 1): number {
  if (u <= 0 || u >= 1) return 0;
  const s = Math.sin(Math.PI * u);
  return sharpness === 1 ? s : s ** sharpness;
}

/**
 * Add a tone with harmonics between two times: frequency and amplitude are evaluated every few
 * milliseconds and the phase is carried continuously (a rotating phasor), so there are no clicks
 * and no per-sample trigonometry.
 */
function addTone(
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
function addDampedSine(track: Track, at: number, freq: number, tau: number, amp: number): void {
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

/** A breathing cycle seen through a clip: when each inspiration and expiration happens. */
interface Breathing {
  period: number;
  inspiration: number;
  /** Audible part of expiration; the rest of the cycle is a pause. */
  expiration: number;
  /** Cycle phase (seconds) at the start of the clip. */
  phase: number;
}

type Phase = 'inspiration' | 'expiration';

/** The [start, end] times (seconds, clip time, unclipped) of each phase that overlaps the clip. */
function phaseIntervals(b: Breathing, seconds: number, which: Phase): Array<[number, number]> {
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
function drawBreathing(rng: Random, focus: Phase | 'any'): Breathing {
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
function addBreathSounds(track: Track, rng: Random, b: Breathing, level: number): void {
  const { rate, out, seconds } = track;
  const noise = normalise(band(whiteNoise(rng, out.length), rng.uniform(180, 240), rng.uniform(700, 850), rate, 2));
  const expLevel = rng.uniform(0.3, 0.5);
  const envelope = new Float32Array(out.length);
  for (const [s, e] of phaseIntervals(b, seconds, 'inspiration')) paintEnvelope(envelope, rate, s, e, level, 0.8);
  for (const [s, e] of phaseIntervals(b, seconds, 'expiration')) paintEnvelope(envelope, rate, s, e, level * expLevel, 1);
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) + (noise[i] as number) * (envelope[i] as number);
}

/** Write a bump of height `level` over [start, end] seconds into an envelope (maximum, not sum). */
function paintEnvelope(env: Float32Array, rate: number, start: number, end: number, level: number, sharpness: number): void {
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

/** Room and body noise every recording has: a little broadband hiss over a low rumble. */
function addBackground(track: Track, rng: Random, level: number): void {
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

// ---------------------------------------------------------------------------------------------
// Respiratory patterns

function renderBreathing(pattern: 'normal_breath' | 'wheeze' | 'crackles' | 'stridor', track: Track, rng: Random): void {
  const focus: Phase | 'any' =
    pattern === 'wheeze' ? 'expiration' : pattern === 'crackles' || pattern === 'stridor' ? 'inspiration' : 'any';
  const breathing = drawBreathing(rng, focus);
  const level = rng.uniform(0.03, 0.06);
  addBreathSounds(track, rng, breathing, level);
  const { seconds } = track;
  switch (pattern) {
    case 'normal_breath':
      return;
    case 'wheeze': {
      const f0 = rng.uniform(300, 900);
      const glide = rng.uniform(-0.03, 0.02);
      const loud = level * rng.uniform(3, 6);
      // Polyphonic wheeze (several airways) in some patients: a second, weaker tone.
      const second = rng.chance(0.35) ? f0 * rng.uniform(1.2, 1.45) : undefined;
      for (const [s, e] of phaseIntervals(breathing, seconds, 'expiration')) {
        const onset = s + (e - s) * rng.uniform(0.05, 0.15);
        const offset = e - (e - s) * rng.uniform(0.05, 0.15);
        const shape = (u: number): number => loud * bump(u, 0.4);
        addTone(track, onset, offset, [1, 0.35, 0.12], (u) => f0 * (1 + glide * u), shape);
        if (second !== undefined)
          addTone(
            track,
            onset,
            offset,
            [1, 0.25],
            (u) => second * (1 + glide * u),
            (u) => 0.5 * shape(u),
          );
      }
      return;
    }
    case 'crackles': {
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
      return;
    }
    case 'stridor': {
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
      return;
    }
  }
}

interface Burst {
  start: number;
  duration: number;
}

/** Lay out coughs through the clip: 1-3 in two seconds, separated by breaths. */
function layoutCoughs(rng: Random, seconds: number, minDuration: number, maxDuration: number): Burst[] {
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
function coughEnvelope(env: Float32Array, rate: number, burst: Burst, peak: number, rng: Random): void {
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

function renderCough(pattern: 'dry_cough' | 'wet_cough' | 'barking_cough', track: Track, rng: Random): void {
  const { rate, out, seconds } = track;
  const [minD, maxD] = pattern === 'wet_cough' ? [0.3, 0.5] : pattern === 'barking_cough' ? [0.25, 0.45] : [0.25, 0.4];
  const bursts = layoutCoughs(rng, seconds, minD, maxD);
  const envelope = new Float32Array(out.length);
  for (const burst of bursts) coughEnvelope(envelope, rate, burst, rng.uniform(0.35, 0.6), rng);
  if (pattern === 'dry_cough') {
    // Turbulent air through an open glottis, no secretions: broadband noise with little below a
    // few hundred hertz and a broad vocal-tract resonance around 1-2.5 kHz lifting the top.
    const turbulence = normalise(band(whiteNoise(rng, out.length), rng.uniform(350, 500), rng.uniform(5000, 6500), rate));
    const tract = normalise(biquad(turbulence.slice(), 'bandpass', rng.uniform(1200, 2500), 1.2, rate));
    const mix = rng.uniform(0.5, 0.7);
    for (let i = 0; i < out.length; i++) {
      const sound = (1 - mix) * (turbulence[i] as number) + mix * (tract[i] as number);
      out[i] = (out[i] as number) + 0.5 * (envelope[i] as number) * sound;
    }
    return;
  }
  if (pattern === 'wet_cough') {
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
        addDampedSine(
          track,
          at,
          rng.uniform(120, 400),
          rng.uniform(0.008, 0.02),
          flow * rng.uniform(0.3, 0.6) * (rng.chance(0.5) ? 1 : -1),
        );
      }
    }
    return;
  }
  // Barking: a harsh voiced source through a narrow subglottic resonance (croup's "seal bark").
  const f0 = rng.uniform(140, 240);
  const resonance = rng.uniform(330, 560);
  const pulses = new Float32Array(out.length);
  let next = 0;
  while (next < out.length) {
    const i = Math.round(next);
    if (i < out.length) pulses[i] = 1;
    // Jittered glottal periods: a rough voice rather than a pure buzz.
    next += (rate / f0) * (1 + rng.uniform(-0.04, 0.04));
  }
  for (let i = 0; i < out.length; i++) pulses[i] = (pulses[i] as number) * (envelope[i] as number);
  const voiced = biquad(biquad(pulses, 'bandpass', resonance, 5, rate), 'bandpass', resonance, 3, rate);
  const breath = whiteNoise(rng, out.length);
  for (let i = 0; i < out.length; i++) breath[i] = (breath[i] as number) * (envelope[i] as number);
  biquad(breath, 'bandpass', resonance, 2, rate);
  const voicedGain = 1 / Math.max(1e-9, maxAbs(voiced));
  const peakLevel = maxAbs(envelope);
  for (let i = 0; i < out.length; i++) {
    out[i] = (out[i] as number) + peakLevel * 0.9 * voicedGain * (voiced[i] as number) + 0.25 * (breath[i] as number);
  }
}

function maxAbs(x: Float32Array): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] as number));
  return m;
}

function renderWhoop(track: Track, rng: Random): void {
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
}

// ---------------------------------------------------------------------------------------------
// Cardiac patterns

interface Beat {
  /** Time of S1 (seconds, clip time). */
  s1: number;
  /** Time of S2. */
  s2: number;
  /** Time of the next beat's S1. */
  next: number;
  /** Loudness of this beat's S1 relative to the patient's usual. */
  strength: number;
}

type CardiacPattern = 'normal_heart' | 'tachycardia_regular' | 'irregular_rhythm' | 'pericardial_rub' | 'murmur';

function layoutBeats(pattern: CardiacPattern, rng: Random, seconds: number): Beat[] {
  const [low, high] =
    pattern === 'tachycardia_regular'
      ? [150, 220]
      : pattern === 'irregular_rhythm'
        ? [90, 150]
        : pattern === 'pericardial_rub'
          ? [70, 110]
          : [60, 90];
  const period = 60 / rng.uniform(low, high);
  const irregular = pattern === 'irregular_rhythm';
  // Normal sinus rhythm still varies a little from beat to beat (respiratory sinus arrhythmia).
  const jitter = pattern === 'tachycardia_regular' ? 0.01 : 0.02;
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

function renderHeart(pattern: CardiacPattern, track: Track, rng: Random): void {
  const { rate, out, seconds } = track;
  const beats = layoutBeats(pattern, rng, seconds);
  const s1Amp = rng.uniform(0.3, 0.5);
  const s2Ratio = rng.uniform(0.6, 0.9);
  const s1Low = rng.uniform(40, 60);
  const s1High = rng.uniform(80, 120);
  const s2Low = rng.uniform(60, 90);
  const s2High = rng.uniform(110, 150);
  // Fast hearts give crisper sounds: shorter ringing.
  const fast = pattern === 'tachycardia_regular' ? 0.7 : 1;
  const s1Tau = rng.uniform(0.025, 0.035) * fast;
  const s2Tau = rng.uniform(0.015, 0.022) * fast;
  for (const beat of beats) {
    const a = s1Amp * beat.strength;
    addDampedSine(track, beat.s1, s1Low, s1Tau, a);
    addDampedSine(track, beat.s1 + 0.012, s1High, s1Tau * 0.6, 0.6 * a);
    const b = s1Amp * s2Ratio;
    addDampedSine(track, beat.s2, s2Low, s2Tau, b);
    addDampedSine(track, beat.s2 + 0.008, s2High, s2Tau * 0.7, 0.6 * b);
  }
  if (pattern === 'murmur') {
    // Turbulent systolic flow: 100-600 Hz noise from just after S1 to just before S2.
    const noise = normalise(band(whiteNoise(rng, out.length), rng.uniform(130, 180), rng.uniform(400, 600), rate, 2));
    const envelope = new Float32Array(out.length);
    const level = s1Amp * rng.uniform(0.25, 0.4);
    // Ejection murmurs rise and fall; regurgitant ones hold level through systole.
    const sharpness = rng.chance(0.5) ? 1 : 0.3;
    for (const beat of beats) paintEnvelope(envelope, rate, beat.s1 + 0.05, beat.s2 - 0.015, level, sharpness);
    for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) + (noise[i] as number) * (envelope[i] as number);
  }
  if (pattern === 'pericardial_rub') {
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
  }
}

function assertPattern(pattern: string): asserts pattern is AudioPattern {
  if (!(AUDIO_PATTERNS as readonly string[]).includes(pattern)) {
    throw new ClinicalBertError(`unknown audio pattern ${quote(pattern)}; valid: ${AUDIO_PATTERNS.join(', ')}`, {
      code: 'SYNTH_UNKNOWN_PATTERN',
    });
  }
}

/**
 * Render one recording as samples in [-1, 1]. Advances `rng`; the same rng state gives the same
 * samples.
 */
export function renderAudioSamples(pattern: AudioPattern, rng: Random, seconds = 2, sampleRate = 16000): Float32Array {
  assertPattern(pattern);
  if (!(seconds > 0 && seconds <= MAX_SECONDS)) {
    throw new ClinicalBertError(`audio length must be between 0 and ${MAX_SECONDS} seconds, got ${quote(seconds)}`, {
      code: 'SYNTH_BAD_AUDIO',
    });
  }
  if (!Number.isInteger(sampleRate) || sampleRate < MIN_RATE || sampleRate > MAX_RATE) {
    throw new ClinicalBertError(`audio sample rate must be an integer between ${MIN_RATE} and ${MAX_RATE} Hz, got ${quote(sampleRate)}`, {
      code: 'SYNTH_BAD_AUDIO',
    });
  }
  const track: Track = { rate: sampleRate, seconds, out: new Float32Array(Math.round(seconds * sampleRate)) };
  // Per-patient recording conditions first, so the finding's draws never shift them.
  const gain = rng.uniform(0.75, 1.25);
  const backgroundLevel = rng.uniform(0.0015, 0.004);
  const backgroundSeed = rng.nextUint32();
  switch (pattern) {
    case 'normal_breath':
    case 'wheeze':
    case 'crackles':
    case 'stridor':
      renderBreathing(pattern, track, rng);
      break;
    case 'dry_cough':
    case 'wet_cough':
    case 'barking_cough':
      renderCough(pattern, track, rng);
      break;
    case 'whoop_cough':
      renderWhoop(track, rng);
      break;
    default:
      renderHeart(pattern, track, rng);
  }
  addBackground(track, new Random(backgroundSeed), backgroundLevel);
  const { out } = track;
  const peak = maxAbs(out) * gain;
  // A recorder's gain would be turned down rather than let the clip clip.
  const scale = peak > 0.95 ? (gain * 0.95) / peak : gain;
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) * scale;
  return out;
}

/** Render one recording as a 16-bit PCM mono WAV file. */
export function renderAudio(pattern: AudioPattern, rng: Random, seconds = 2, sampleRate = 16000): Buffer {
  return encodeWav16(renderAudioSamples(pattern, rng, seconds, sampleRate), sampleRate);
}
