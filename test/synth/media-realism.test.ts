import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { renderAudioSamples } from '../../src/synth/audio.js';
import { renderChestPixels } from '../../src/synth/chest-image.js';
import { Random } from '../../src/util/random.js';
import { CORPUS, CORPUS_NOTE, HAS_CORPUS } from '../io/corpus.js';
import { cardiacWidths, mean, mirror, region, regionMean, type Gray } from './image-stats.js';
import { bandFraction, cyclePeriod, decodeWav, powerSpectrum, spectralCentroid } from './signal-stats.js';

// The synthetic media are checked against real recordings from the shared corpus (read in place):
// two NIH ChestX-ray14 PA films, PhysioNet 2016 heart sounds and a COUGHVID cough. These tests
// keep the pattern tests honest: the zones and measures they use must mean the same on real data.

const NIH = join(CORPUS, 'images', 'chest-xray-nih-cxr14');
const PCG = join(CORPUS, 'audio', 'heart-sounds-physionet2016');
const COUGH = join(CORPUS, 'audio', 'cough-coughvid', '19b85386-f4cd-42ba-a5b0-f3f60c4420e9.wav');

const LUNGS = [region(0.16, 0.4, 0.34, 0.48), region(0.16, 0.4, 0.2, 0.32)].flatMap((r) => [r, mirror(r)]);
const HEART = region(0.45, 0.55, 0.55, 0.62);
const ABDOMEN = region(0.3, 0.7, 0.85, 0.95);
/** Above the shoulders: air on a PA film. */
const CORNERS = [region(0.02, 0.15, 0.01, 0.06), region(0.85, 0.98, 0.01, 0.06)];

async function realFilm(file: string): Promise<Gray> {
  const { data } = await sharp(join(NIH, file)).resize(128, 128).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
  return { pixels: new Uint8Array(data), size: 128 };
}

function levels(img: Gray): { lungs: number; heart: number; abdomen: number; corners: number } {
  return {
    lungs: mean(LUNGS.map((r) => regionMean(img, r))),
    heart: regionMean(img, HEART),
    abdomen: regionMean(img, ABDOMEN),
    corners: mean(CORNERS.map((r) => regionMean(img, r))),
  };
}

describe.skipIf(!HAS_CORPUS)(`synthetic media against real recordings${CORPUS_NOTE}`, () => {
  it('chest films: the zones the pattern tests read hold the same anatomy on real PA films, at similar levels', async () => {
    const real = [levels(await realFilm('00027426_000.png')), levels(await realFilm('00000001_000.png'))];
    const synthetic = [0, 1, 2, 3, 4, 5].map((s) =>
      levels({ pixels: renderChestPixels('normal', Random.derive(s, 'realism'), 128), size: 128 }),
    );
    for (const l of [...real, ...synthetic]) {
      // Air above the shoulders, dark lungs, a bright heart, a brighter upper abdomen.
      expect(l.corners).toBeLessThan(l.lungs);
      expect(l.heart).toBeGreaterThan(l.lungs + 50);
      expect(l.abdomen).toBeGreaterThan(l.lungs + 80);
    }
    for (const key of ['lungs', 'heart', 'abdomen'] as const) {
      const realMean = mean(real.map((l) => l[key]));
      const synthMean = mean(synthetic.map((l) => l[key]));
      expect(Math.abs(synthMean - realMean), key).toBeLessThan(45);
    }
  });

  it('chest films: the cardiothoracic measure ranks the real cardiomegaly film above the real normal one', async () => {
    const ratio = (img: Gray): number => {
      const w = cardiacWidths(img, 0.58);
      return w.heart / w.thorax;
    };
    const normal = ratio(await realFilm('00027426_000.png'));
    const enlarged = ratio(await realFilm('00000001_000.png'));
    expect(normal).toBeGreaterThan(0.3);
    expect(normal).toBeLessThan(0.5);
    expect(enlarged).toBeGreaterThan(normal + 0.04);
  });

  it('heart sounds: like a real phonocardiogram, low-frequency power and a regular 50-100 bpm cycle', () => {
    const real = decodeWav(readFileSync(join(PCG, 'normal.wav')));
    expect(real.rate).toBe(2000);
    const clip = real.samples.subarray(0, 8 * real.rate);
    expect(bandFraction(powerSpectrum(clip, real.rate, 512), 0, 200)).toBeGreaterThan(0.85);
    const realPeriod = cyclePeriod(clip, real.rate, 20, 200, 0.25, 1.5);
    expect(realPeriod).toBeGreaterThan(0.6);
    expect(realPeriod).toBeLessThan(1.2);
    for (const seed of [0, 1, 2]) {
      const ours = renderAudioSamples('normal_heart', Random.derive(seed, 'realism'), 8);
      expect(bandFraction(powerSpectrum(ours, 16000), 0, 200)).toBeGreaterThan(0.85);
      const period = cyclePeriod(ours, 16000, 20, 200, 0.25, 1.5);
      expect(period).toBeGreaterThan(0.6);
      expect(period).toBeLessThan(1.2);
    }
  });

  it('coughs: a real cough sits between our rumbling and our dry coughs in spectral centroid', () => {
    const real = decodeWav(readFileSync(COUGH));
    // Compare below 8 kHz: our recordings are sampled at 16 kHz.
    const realCentroid = spectralCentroid(powerSpectrum(real.samples, real.rate, 4096), 0, 8000);
    const centroid = (pattern: 'wet_cough' | 'dry_cough'): number =>
      mean([0, 1, 2].map((s) => spectralCentroid(powerSpectrum(renderAudioSamples(pattern, Random.derive(s, 'realism')), 16000), 0, 8000)));
    expect(realCentroid).toBeGreaterThan(centroid('wet_cough'));
    expect(realCentroid).toBeLessThan(centroid('dry_cough'));
  });
});
