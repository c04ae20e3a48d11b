/**
 * @file Spectral and temporal measurements of audio, for checking the synthetic recordings.
 *
 * Each function is a textbook measure (Welch power spectrum, spectral centroid, band envelopes,
 * excess-free kurtosis, peak picking) kept small enough to read, so a failing audio test points at
 * the sound and not at the measuring stick.
 */
import FFT from 'fft.js';
import wavefile from 'wavefile';

const { WaveFile } = wavefile;

export interface Decoded {
  samples: Float64Array;
  rate: number;
  bitsPerSample: number;
  channels: number;
}

/** Decode a WAV file with wavefile (an independent reader), samples scaled to [-1, 1). */
export function decodeWav(buf: Buffer): Decoded {
  const wav = new WaveFile(buf);
  const fmt = wav.fmt as { sampleRate: number; bitsPerSample: number; numChannels: number };
  const raw = wav.getSamples(false, Float64Array);
  const samples = new Float64Array(raw.length);
  for (let i = 0; i < raw.length; i++) samples[i] = (raw[i] as number) / 32768;
  return { samples, rate: fmt.sampleRate, bitsPerSample: fmt.bitsPerSample, channels: fmt.numChannels };
}

export interface Spectrum {
  /** Bin spacing in Hz. */
  resolution: number;
  /** Mean power per bin, 0 .. Nyquist. */
  power: Float64Array;
}

function hann(n: number): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1));
  return w;
}

const ffts = new Map<number, FFT>();

function fftOf(size: number): FFT {
  let f = ffts.get(size);
  if (!f) {
    f = new FFT(size);
    ffts.set(size, f);
  }
  return f;
}

/** Power spectrum of one Hann-windowed frame starting at `start` (zero-padded past the end). */
function framePower(x: ArrayLike<number>, start: number, size: number, window: Float64Array): Float64Array {
  const fft = fftOf(size);
  const input = new Array<number>(size);
  for (let i = 0; i < size; i++) {
    const k = start + i;
    input[i] = k >= 0 && k < x.length ? (x[k] as number) * (window[i] as number) : 0;
  }
  const out = fft.createComplexArray() as number[];
  fft.realTransform(out, input);
  const power = new Float64Array(size / 2 + 1);
  for (let b = 0; b <= size / 2; b++) {
    const re = out[2 * b] as number;
    const im = out[2 * b + 1] as number;
    power[b] = re * re + im * im;
  }
  return power;
}

/** Welch's averaged periodogram over `x[from..to)`: Hann frames of `size`, half overlapping. */
export function powerSpectrum(x: ArrayLike<number>, rate: number, size = 2048, from = 0, to = x.length): Spectrum {
  const window = hann(size);
  const power = new Float64Array(size / 2 + 1);
  let frames = 0;
  for (let start = from; start + size <= to || frames === 0; start += size / 2) {
    const p = framePower(x, start, size, window);
    for (let b = 0; b < power.length; b++) power[b] = (power[b] as number) + (p[b] as number);
    frames++;
    if (start + size >= to) break;
  }
  for (let b = 0; b < power.length; b++) power[b] = (power[b] as number) / frames;
  return { resolution: rate / size, power };
}

function bins(spec: Spectrum, lo: number, hi: number): [number, number] {
  return [Math.max(0, Math.ceil(lo / spec.resolution)), Math.min(spec.power.length - 1, Math.floor(hi / spec.resolution))];
}

/** Frequency (Hz) of the strongest bin within [lo, hi]. */
export function peakFrequency(spec: Spectrum, lo = 0, hi = Infinity): number {
  const [b0, b1] = bins(spec, lo, hi);
  let best = b0;
  for (let b = b0; b <= b1; b++) if ((spec.power[b] as number) > (spec.power[best] as number)) best = b;
  return best * spec.resolution;
}

/**
 * Where the spectral envelope peaks: the power is first averaged over +-`halfWidth` Hz, so a
 * resonance shows as one hump however its harmonics happen to fall.
 */
export function resonanceFrequency(spec: Spectrum, lo: number, hi: number, halfWidth = 120): number {
  const [b0, b1] = bins(spec, lo, hi);
  const reach = Math.round(halfWidth / spec.resolution);
  let best = b0;
  let bestPower = -Infinity;
  for (let b = b0; b <= b1; b++) {
    let sum = 0;
    let n = 0;
    for (let k = Math.max(0, b - reach); k <= Math.min(spec.power.length - 1, b + reach); k++) {
      sum += spec.power[k] as number;
      n++;
    }
    if (sum / n > bestPower) {
      bestPower = sum / n;
      best = b;
    }
  }
  return best * spec.resolution;
}

/** Power-weighted mean frequency within [lo, hi]. */
export function spectralCentroid(spec: Spectrum, lo = 0, hi = Infinity): number {
  const [b0, b1] = bins(spec, lo, hi);
  let num = 0;
  let den = 0;
  for (let b = b0; b <= b1; b++) {
    num += b * spec.resolution * (spec.power[b] as number);
    den += spec.power[b] as number;
  }
  return num / den;
}

/** Share of the power in [lo, hi] out of the power in [0, Nyquist]. */
export function bandFraction(spec: Spectrum, lo: number, hi: number): number {
  const [b0, b1] = bins(spec, lo, hi);
  let band = 0;
  let total = 0;
  for (let b = 0; b < spec.power.length; b++) {
    total += spec.power[b] as number;
    if (b >= b0 && b <= b1) band += spec.power[b] as number;
  }
  return band / total;
}

/** How tonal the spectrum is in [lo, hi]: the strongest bin over the median bin. */
export function peakiness(spec: Spectrum, lo: number, hi: number): number {
  const [b0, b1] = bins(spec, lo, hi);
  const values = Array.from(spec.power.subarray(b0, b1 + 1)).sort((a, b) => a - b);
  return (values[values.length - 1] as number) / (values[Math.floor(values.length / 2)] as number);
}

/** Kurtosis (4th standardised moment; 3 for Gaussian noise): high for sparse impulsive signals. */
export function kurtosis(x: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m += x[i] as number;
  m /= x.length;
  let m2 = 0;
  let m4 = 0;
  for (let i = 0; i < x.length; i++) {
    const d = (x[i] as number) - m;
    m2 += d * d;
    m4 += d * d * d * d;
  }
  m2 /= x.length;
  m4 /= x.length;
  return m4 / (m2 * m2);
}

/** The power-of-two frame length closest to `seconds` at this rate (for the FFT). */
export function frameFor(rate: number, seconds: number): number {
  return 2 ** Math.max(4, Math.round(Math.log2(seconds * rate)));
}

export interface Envelope {
  /** Seconds between values. */
  hop: number;
  /** Root of the band's power in each frame; the frame is centred on index * hop. */
  values: Float64Array;
}

/** Band-limited loudness over time: short-time spectra (Hann `frame`, step `hopSeconds`). */
export function bandEnvelope(x: ArrayLike<number>, rate: number, lo: number, hi: number, frame = 512, hopSeconds = 0.005): Envelope {
  const hop = Math.max(1, Math.round(hopSeconds * rate));
  const window = hann(frame);
  const resolution = rate / frame;
  const b0 = Math.max(0, Math.ceil(lo / resolution));
  const b1 = Math.min(frame / 2, Math.floor(hi / resolution));
  const count = Math.floor(x.length / hop);
  const values = new Float64Array(count);
  for (let k = 0; k < count; k++) {
    const p = framePower(x, k * hop - frame / 2, frame, window);
    let e = 0;
    for (let b = b0; b <= b1; b++) e += p[b] as number;
    values[k] = Math.sqrt(e);
  }
  return { hop: hop / rate, values };
}

/**
 * Times (seconds) of local maxima above `fraction` of the envelope's maximum, at least
 * `minGap` seconds apart (the larger peak wins when two are closer).
 */
export function peakTimes(env: Envelope, fraction: number, minGap: number): number[] {
  const { values, hop } = env;
  let max = 0;
  for (const v of values) max = Math.max(max, v);
  const threshold = fraction * max;
  const candidates: number[] = [];
  for (let k = 1; k < values.length - 1; k++) {
    const v = values[k] as number;
    if (v >= threshold && v >= (values[k - 1] as number) && v > (values[k + 1] as number)) candidates.push(k);
  }
  const gap = Math.round(minGap / hop);
  const kept: number[] = [];
  for (const k of candidates) {
    const last = kept[kept.length - 1];
    if (last !== undefined && k - last < gap) {
      if ((values[k] as number) > (values[last] as number)) kept[kept.length - 1] = k;
    } else {
      kept.push(k);
    }
  }
  return kept.map((k) => k * hop);
}

/** Number of separate bursts: rises above `high` (fraction of the maximum) after falling below `low`. */
export function countBursts(env: Envelope, high: number, low: number, from = 0, to = Infinity): number {
  const { values, hop } = env;
  let max = 0;
  for (const v of values) max = Math.max(max, v);
  let inside = false;
  let count = 0;
  for (let k = 0; k < values.length; k++) {
    const t = k * hop;
    if (t < from || t > to) continue;
    const v = (values[k] as number) / max;
    if (!inside && v >= high) {
      inside = true;
      count++;
    } else if (inside && v < low) {
      inside = false;
    }
  }
  return count;
}

export function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** Coefficient of variation: standard deviation over mean. */
export function coefficientOfVariation(values: readonly number[]): number {
  const m = mean(values);
  const variance = values.reduce((a, v) => a + (v - m) ** 2, 0) / values.length;
  return Math.sqrt(variance) / m;
}

/** Mean of the envelope between two times. */
export function envelopeMean(env: Envelope, from: number, to: number): number {
  const k0 = Math.max(0, Math.ceil(from / env.hop));
  const k1 = Math.min(env.values.length - 1, Math.floor(to / env.hop));
  let s = 0;
  let n = 0;
  for (let k = k0; k <= k1; k++) {
    s += env.values[k] as number;
    n++;
  }
  return n ? s / n : 0;
}

/**
 * Impulsiveness independent of the slow loudness contour: the kurtosis of each `windowSeconds`
 * window whose RMS is at least `floor` of the loudest window's. Noise whose level merely swells
 * and fades scores about 3 in every window; a window with a click in it scores far higher.
 */
export function windowKurtosis(x: ArrayLike<number>, rate: number, windowSeconds = 0.05, floor = 0.1): number[] {
  const size = Math.round(windowSeconds * rate);
  const windows: Array<{ rms: number; kurtosis: number }> = [];
  for (let start = 0; start + size <= x.length; start += size) {
    const w = Array.from({ length: size }, (_, i) => x[start + i] as number);
    const rms = Math.sqrt(w.reduce((a, v) => a + v * v, 0) / size);
    windows.push({ rms, kurtosis: kurtosis(w) });
  }
  const loudest = Math.max(...windows.map((w) => w.rms));
  return windows.filter((w) => w.rms >= floor * loudest).map((w) => w.kurtosis);
}

/** The q-quantile (0..1) of a list, by the nearest-rank rule. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

/**
 * Heart-sound timing: S1 and S2 are the peaks of the low-frequency envelope (20-200 Hz unless told
 * otherwise), and a cardiac cycle spans every second one, whichever sound the clip starts on.
 */
export function beatIntervals(x: ArrayLike<number>, rate: number, lo = 20, hi = 200): { sounds: number[]; intervals: number[] } {
  const env = bandEnvelope(x, rate, lo, hi, frameFor(rate, 0.064), 0.005);
  const sounds = peakTimes(env, 0.2, 0.09);
  const intervals: number[] = [];
  for (let k = 2; k < sounds.length; k++) intervals.push((sounds[k] as number) - (sounds[k - 2] as number));
  return { sounds, intervals };
}

/**
 * Loudness of a band in systole against diastole. Heart sounds come in S1-S2 pairs; the shorter
 * of the two alternating gaps is systole. Returns the band's mean envelope over the middle half of
 * the systolic gaps divided by the same over the diastolic gaps.
 */
export function systolicRatio(x: ArrayLike<number>, rate: number, lo: number, hi: number): number {
  const { sounds } = beatIntervals(x, rate, 20, 80);
  const env = bandEnvelope(x, rate, lo, hi, frameFor(rate, 0.016), 0.005);
  const gaps: Array<{ from: number; to: number }> = [];
  for (let k = 0; k + 1 < sounds.length; k++) gaps.push({ from: sounds[k] as number, to: sounds[k + 1] as number });
  const even = gaps.filter((_, k) => k % 2 === 0);
  const odd = gaps.filter((_, k) => k % 2 === 1);
  const length = (g: { from: number; to: number }): number => g.to - g.from;
  const [systole, diastole] = mean(even.map(length)) < mean(odd.map(length)) ? [even, odd] : [odd, even];
  const level = (gs: typeof gaps): number => mean(gs.map((g) => envelopeMean(env, g.from + 0.25 * length(g), g.to - 0.25 * length(g))));
  return level(systole) / level(diastole);
}

/**
 * The repetition period (seconds) of a band's envelope between `minPeriod` and `maxPeriod`: the
 * first autocorrelation peak within 10% of the highest, so a rhythm is not mistaken for its
 * double. Unlike peak picking it does not need every sound to stand out, which real recordings
 * do not promise.
 */
export function cyclePeriod(x: ArrayLike<number>, rate: number, lo: number, hi: number, minPeriod: number, maxPeriod: number): number {
  const env = bandEnvelope(x, rate, lo, hi, frameFor(rate, 0.032), 0.005);
  const v = Array.from(env.values);
  const m = mean(v);
  const centred = v.map((e) => e - m);
  const k0 = Math.max(1, Math.round(minPeriod / env.hop));
  const k1 = Math.min(centred.length - 1, Math.round(maxPeriod / env.hop));
  const corr: number[] = [];
  for (let k = k0; k <= k1; k++) {
    let s = 0;
    for (let i = 0; i + k < centred.length; i++) s += (centred[i] as number) * (centred[i + k] as number);
    // Divided by the full length (the biased estimate): longer lags, summed over fewer
    // frames, weigh less, which favours the fundamental period over its multiples.
    corr.push(s / centred.length);
  }
  const best = Math.max(...corr);
  for (let j = 0; j < corr.length; j++) {
    const c = corr[j] as number;
    const before = j > 0 ? (corr[j - 1] as number) : -Infinity;
    const after = j + 1 < corr.length ? (corr[j + 1] as number) : -Infinity;
    if (c >= 0.9 * best && c >= before && c >= after) return (k0 + j) * env.hop;
  }
  return (k0 + corr.indexOf(best)) * env.hop;
}
