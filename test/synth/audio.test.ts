import { describe, expect, it } from 'vitest';
import {
  AUDIO_PATTERN_DESCRIPTIONS,
  AUDIO_PATTERN_KINDS,
  AUDIO_PATTERNS,
  renderAudio,
  renderAudioSamples,
  type AudioPattern,
} from '../../src/synth/audio.js';
import { Random } from '../../src/util/random.js';
import {
  bandEnvelope,
  bandFraction,
  beatIntervals,
  coefficientOfVariation,
  countBursts,
  cyclePeriod,
  decodeWav,
  kurtosis,
  mean,
  peakFrequency,
  peakiness,
  powerSpectrum,
  quantile,
  resonanceFrequency,
  spectralCentroid,
  systolicRatio,
  windowKurtosis,
} from './signal-stats.js';

const RATE = 16000;
const SEEDS = [0, 1, 2, 3, 4, 5];

/** Decoded through wavefile, so every check also goes through the file format. */
function record(pattern: AudioPattern, seed: number, seconds = 2): Float64Array {
  const decoded = decodeWav(renderAudio(pattern, Random.derive(seed, 'audio-test', pattern), seconds, RATE));
  return decoded.samples;
}

function rms(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i] as number) ** 2;
  return Math.sqrt(s / x.length);
}

const spectrum = (x: Float64Array) => powerSpectrum(x, RATE);

describe('renderAudio', () => {
  it('lists every pattern with a kind and a description', () => {
    expect(new Set(AUDIO_PATTERNS).size).toBe(13);
    for (const p of AUDIO_PATTERNS) {
      expect(AUDIO_PATTERN_DESCRIPTIONS[p].length).toBeGreaterThan(10);
      expect(['respiratory', 'cardiac']).toContain(AUDIO_PATTERN_KINDS[p]);
    }
    expect(AUDIO_PATTERNS.filter((p) => AUDIO_PATTERN_KINDS[p] === 'cardiac')).toEqual([
      'normal_heart',
      'tachycardia_regular',
      'irregular_rhythm',
      'pericardial_rub',
      'murmur',
    ]);
  });

  it('writes 2 s of 16 kHz 16-bit mono WAV (about 64 KB) that wavefile decodes, for every pattern', () => {
    for (const p of AUDIO_PATTERNS) {
      const buf = renderAudio(p, Random.derive(1, p));
      expect(buf.length, p).toBe(44 + 2 * 2 * RATE);
      const decoded = decodeWav(buf);
      expect([decoded.rate, decoded.bitsPerSample, decoded.channels], p).toEqual([16000, 16, 1]);
      expect(decoded.samples.length, p).toBe(2 * RATE);
      const peak = Math.max(...Array.from(decoded.samples, Math.abs));
      // Audible, and never clipped.
      expect(peak, p).toBeGreaterThan(0.02);
      expect(peak, p).toBeLessThan(0.96);
    }
  });

  it('gives byte-identical files for the same seed and different ones for another seed', () => {
    for (const p of AUDIO_PATTERNS) {
      const a = renderAudio(p, Random.derive(7, 'audio', 2));
      const b = renderAudio(p, Random.derive(7, 'audio', 2));
      const c = renderAudio(p, Random.derive(7, 'audio', 3));
      expect(a.equals(b), p).toBe(true);
      expect(a.equals(c), p).toBe(false);
    }
  });

  it('advances the rng, so consecutive recordings from one stream differ', () => {
    const rng = new Random(3);
    const first = renderAudio('normal_heart', rng);
    expect(first.equals(renderAudio('normal_heart', rng))).toBe(false);
  });

  it('honours other lengths and sample rates', () => {
    expect(renderAudioSamples('wheeze', new Random(1), 1, 8000).length).toBe(8000);
    expect(renderAudioSamples('whoop_cough', new Random(1), 0.5, 16000).length).toBe(8000);
    const long = renderAudio('irregular_rhythm', new Random(1), 6, 22050);
    expect(decodeWav(long).samples.length).toBe(6 * 22050);
    expect(decodeWav(long).rate).toBe(22050);
  });

  it('rejects unknown patterns, lengths and rates, listing the valid patterns', () => {
    expect(() => renderAudio('rales' as AudioPattern, new Random(1))).toThrow(/"rales".*normal_breath, wheeze/);
    expect(() => renderAudio('wheeze', new Random(1), 0)).toThrow(/between 0 and 60 seconds/);
    expect(() => renderAudio('wheeze', new Random(1), 2, 2000)).toThrow(/between 4000 and 96000 Hz.*"2000"/);
  });
});

describe('respiratory patterns carry their acoustic signature', () => {
  const normals = SEEDS.map((s) => record('normal_breath', s));

  it('normal breath: band-limited 200-800 Hz noise that swells and fades with the breathing cycle', () => {
    for (const x of normals) {
      expect(bandFraction(spectrum(x), 150, 900)).toBeGreaterThan(0.75);
      const env = bandEnvelope(x, RATE, 150, 900, 1024, 0.05).values;
      const loud = quantile(Array.from(env), 0.95);
      const quiet = quantile(Array.from(env), 0.05);
      expect(loud / quiet).toBeGreaterThan(3);
    }
  });

  it('wheeze: a strong narrow spectral peak at 300-900 Hz, unlike normal breath', () => {
    const normalPeakiness = mean(normals.map((x) => peakiness(spectrum(x), 200, 1000)));
    expect(normalPeakiness).toBeLessThan(10);
    for (const seed of SEEDS) {
      const spec = spectrum(record('wheeze', seed));
      expect(peakiness(spec, 200, 1000)).toBeGreaterThan(10 * normalPeakiness);
      const f = peakFrequency(spec, 100, 4000);
      expect(f).toBeGreaterThanOrEqual(280);
      expect(f).toBeLessThanOrEqual(920);
    }
  });

  it('crackles: impulsive clicks, so high kurtosis overall and within windows', () => {
    const normalKurtosis = mean(normals.map((x) => kurtosis(x)));
    for (const x of normals) expect(quantile(windowKurtosis(x, RATE), 0.9)).toBeLessThan(4.5);
    for (const seed of SEEDS) {
      const x = record('crackles', seed);
      expect(kurtosis(x)).toBeGreaterThan(1.5 * normalKurtosis);
      expect(quantile(windowKurtosis(x, RATE), 0.9)).toBeGreaterThan(5.5);
    }
  });

  it('stridor: a loud monophonic tone whose peak lies in 500-1200 Hz', () => {
    const normalLevel = mean(normals.map(rms));
    for (const seed of SEEDS) {
      const x = record('stridor', seed);
      const spec = spectrum(x);
      const f = peakFrequency(spec, 100, 4000);
      expect(f).toBeGreaterThanOrEqual(490);
      expect(f).toBeLessThanOrEqual(1260);
      expect(peakiness(spec, 400, 1300)).toBeGreaterThan(100);
      expect(rms(x)).toBeGreaterThan(3 * normalLevel);
    }
  });

  it('barking cough is lower-pitched than dry cough, with its energy in a 300-600 Hz resonance', () => {
    const dry = SEEDS.map((s) => spectralCentroid(spectrum(record('dry_cough', s))));
    const bark = SEEDS.map((s) => spectralCentroid(spectrum(record('barking_cough', s))));
    for (const c of dry) expect(c).toBeGreaterThan(1500);
    for (const c of bark) expect(c).toBeLessThan(Math.min(...dry) / 2);
    for (const seed of SEEDS) {
      const spec = spectrum(record('barking_cough', seed));
      // The resonance, not whichever harmonic of the voice lands nearest to it; the smoothing
      // that finds it can pull it by a harmonic's share of its width, hence 20 Hz of slack.
      const f = resonanceFrequency(spec, 50, 4000);
      expect(f).toBeGreaterThanOrEqual(280);
      expect(f).toBeLessThanOrEqual(620);
      expect(bandFraction(spec, 250, 700)).toBeGreaterThan(0.5);
    }
  });

  it('wet cough rumbles: far more low-frequency energy than a dry cough', () => {
    for (const seed of SEEDS) {
      const wet = spectrum(record('wet_cough', seed));
      const dry = spectrum(record('dry_cough', seed));
      expect(bandFraction(wet, 0, 400)).toBeGreaterThan(0.3);
      expect(bandFraction(dry, 0, 400)).toBeLessThan(0.1);
      expect(spectralCentroid(wet)).toBeLessThan(spectralCentroid(dry) / 3);
    }
  });

  it('coughs come as separate 250-500 ms bursts', () => {
    for (const p of ['dry_cough', 'wet_cough', 'barking_cough'] as const) {
      for (const seed of SEEDS) {
        // 64 ms frames: smooth over a wet cough's flutter and bubbles, not over the gaps between coughs.
        const env = bandEnvelope(record(p, seed), RATE, 100, 8000, 1024, 0.005);
        const bursts = countBursts(env, 0.3, 0.05);
        expect(bursts, p).toBeGreaterThanOrEqual(1);
        expect(bursts, p).toBeLessThanOrEqual(3);
      }
    }
  });

  it('whoop cough: a run of 5-8 coughs, then a 1-1.5 kHz whoop', () => {
    for (const seed of SEEDS) {
      const x = record('whoop_cough', seed);
      const env = bandEnvelope(x, RATE, 300, 8000, 256, 0.005);
      // The whoop is the last burst; the rest are the paroxysm.
      const coughs = countBursts(env, 0.3, 0.1) - 1;
      expect(coughs).toBeGreaterThanOrEqual(5);
      expect(coughs).toBeLessThanOrEqual(8);
      const tail = powerSpectrum(x, RATE, 2048, x.length - Math.round(0.3 * RATE), x.length);
      const f = peakFrequency(tail, 100, 4000);
      expect(f).toBeGreaterThanOrEqual(1000);
      expect(f).toBeLessThanOrEqual(1500);
      // The coughs before it have no such tone.
      const head = powerSpectrum(x, RATE, 2048, 0, Math.round(0.8 * RATE));
      expect(peakiness(head, 900, 1600)).toBeLessThan(peakiness(tail, 900, 1600) / 10);
    }
  });
});

describe('cardiac patterns carry their acoustic signature', () => {
  const normals = SEEDS.map((s) => record('normal_heart', s, 8));
  const normalIntervals = normals.map((x) => beatIntervals(x, RATE).intervals);

  it('normal heart: low-frequency S1/S2 transients, regular at 60-90 per minute', () => {
    for (const [k, x] of normals.entries()) {
      expect(bandFraction(spectrum(x), 0, 200)).toBeGreaterThan(0.85);
      const intervals = normalIntervals[k] as number[];
      expect(intervals.length).toBeGreaterThan(10);
      expect(mean(intervals)).toBeGreaterThan(60 / 92);
      expect(mean(intervals)).toBeLessThan(60 / 58);
      expect(coefficientOfVariation(intervals)).toBeLessThan(0.05);
      // A second estimator, blind to which peaks are S1 and S2, agrees on the cycle length.
      expect(Math.abs(cyclePeriod(x, RATE, 20, 200, 0.25, 1.5) - mean(intervals))).toBeLessThan(0.05);
    }
    // Two seconds still hold at least one whole cycle.
    for (const seed of SEEDS) expect(beatIntervals(record('normal_heart', seed), RATE).intervals.length).toBeGreaterThanOrEqual(1);
  });

  it('regular tachycardia: 150-220 per minute, shorter cycles than a normal heart, still regular', () => {
    const normalMean = Math.min(...normalIntervals.map(mean));
    for (const seed of SEEDS) {
      const x = record('tachycardia_regular', seed);
      const { intervals } = beatIntervals(x, RATE);
      expect(mean(intervals)).toBeGreaterThan(60 / 225);
      expect(mean(intervals)).toBeLessThan(60 / 145);
      expect(mean(intervals)).toBeLessThan(normalMean / 1.5);
      expect(coefficientOfVariation(intervals)).toBeLessThan(0.05);
      expect(Math.abs(cyclePeriod(x, RATE, 20, 200, 0.25, 1.5) - mean(intervals))).toBeLessThan(0.03);
    }
  });

  it('irregular rhythm: cycle lengths vary far more than in a normal heart', () => {
    const normalCv = mean(normalIntervals.map(coefficientOfVariation));
    const cvs = SEEDS.map((seed) => coefficientOfVariation(beatIntervals(record('irregular_rhythm', seed, 8), RATE).intervals));
    for (const cv of cvs) expect(cv).toBeGreaterThan(0.08);
    expect(mean(cvs)).toBeGreaterThan(4 * normalCv);
  });

  it('pericardial rub: scratchy high-frequency sound, three bursts with every beat', () => {
    for (const x of normals) expect(bandFraction(spectrum(x), 250, 4000)).toBeLessThan(0.05);
    for (const seed of SEEDS) {
      const x = record('pericardial_rub', seed, 8);
      expect(bandFraction(spectrum(x), 250, 4000)).toBeGreaterThan(0.3);
      const beats = beatIntervals(x, RATE, 20, 80).sounds.length / 2;
      const bursts = countBursts(bandEnvelope(x, RATE, 300, 2000, 256, 0.005), 0.3, 0.1);
      expect(bursts / beats).toBeGreaterThan(2.5);
      expect(bursts / beats).toBeLessThan(3.5);
    }
  });

  it('murmur: noise between S1 and S2, not in diastole', () => {
    for (const x of normals) expect(systolicRatio(x, RATE, 150, 600)).toBeLessThan(1.5);
    for (const seed of SEEDS) expect(systolicRatio(record('murmur', seed, 8), RATE, 150, 600)).toBeGreaterThan(5);
  });
});
