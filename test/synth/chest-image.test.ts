import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import {
  IMAGE_PATTERN_DESCRIPTIONS,
  IMAGE_PATTERNS,
  renderChestImage,
  renderChestPixels,
  type ImagePattern,
} from '../../src/synth/chest-image.js';
import { Random } from '../../src/util/random.js';
import { must } from '../support/must.js';
import { cardiacWidths, maskTexture, mean, mirror, region, regionMean, regionTexture, type Gray, type Region } from './image-stats.js';

const SIZE = 128;
const SEEDS = [0, 1, 2, 3, 4, 5, 6, 7];

// Zones of the patient's right lung (image left); `mirror` gives the left lung.
const UPPER = region(0.16, 0.4, 0.2, 0.32);
const MIDDLE = region(0.16, 0.4, 0.34, 0.48);
const LOWER = region(0.16, 0.4, 0.5, 0.6);
const PERIHILAR = region(0.3, 0.42, 0.36, 0.5);
const PERIPHERAL = region(0.14, 0.2, 0.3, 0.45);
/** Just inside the chest wall: air in a pneumothorax, lung everywhere else. */
const SUBPLEURAL = region(0.175, 0.215, 0.4, 0.56);
/** The lateral costophrenic recess. */
const ANGLE = region(0.12, 0.32, 0.52, 0.68);
/** Just below a normal dome: liver or spleen in a normal film, lung in a hyperinflated one. */
const BELOW_DOME = region(0.16, 0.36, 0.67, 0.72);
const HEART_ROW = 0.58;

function film(pattern: ImagePattern, seed: number, size = SIZE): Gray {
  return { pixels: renderChestPixels(pattern, Random.derive(seed, 'chest-test'), size), size };
}

/** Per seed: [normal, pattern], drawn from the same rng state, so on the same patient. */
function pairs(pattern: ImagePattern): Array<[Gray, Gray]> {
  return SEEDS.map((seed) => [film('normal', seed), film(pattern, seed)]);
}

const both = (r: Region): Region[] => [r, mirror(r)];

/** Change of the region mean (gray levels), pattern minus normal, per seed. */
function meanShift([normal, finding]: [Gray, Gray], r: Region): number {
  return regionMean(finding, r) - regionMean(normal, r);
}

function textureRatio([normal, finding]: [Gray, Gray], r: Region): number {
  return regionTexture(finding, r) / regionTexture(normal, r);
}

describe('renderChestImage', () => {
  it('lists every pattern with a description', () => {
    expect(new Set(IMAGE_PATTERNS).size).toBe(12);
    for (const pattern of IMAGE_PATTERNS) expect(IMAGE_PATTERN_DESCRIPTIONS[pattern].length).toBeGreaterThan(10);
  });

  it('writes a grayscale PNG whose pixels are exactly the rendered ones', async () => {
    for (const pattern of ['normal', 'edema', 'mass'] as const) {
      const png = renderChestImage(pattern, Random.derive(9, pattern));
      const pixels = renderChestPixels(pattern, Random.derive(9, pattern));
      expect((await sharp(png).metadata()).channels).toBe(1);
      // Without the colour space, sharp would hand back three identical sRGB channels.
      const { data, info } = await sharp(png).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
      expect([info.width, info.height, info.channels]).toEqual([128, 128, 1]);
      expect(Buffer.from(pixels).equals(data)).toBe(true);
    }
  });

  it('gives byte-identical PNGs for the same seed and different ones for another seed', () => {
    for (const pattern of IMAGE_PATTERNS) {
      const a = renderChestImage(pattern, Random.derive(42, 'image', 3));
      const b = renderChestImage(pattern, Random.derive(42, 'image', 3));
      const c = renderChestImage(pattern, Random.derive(42, 'image', 4));
      expect(a.equals(b), pattern).toBe(true);
      expect(a.equals(c), pattern).toBe(false);
    }
  });

  it('does not depend on what was rendered before (working arrays are reused between renders)', () => {
    const first = renderChestImage('pneumothorax', Random.derive(11, 'history'));
    for (const pattern of IMAGE_PATTERNS) renderChestImage(pattern, Random.derive(12, pattern));
    renderChestImage('edema', Random.derive(13, 'other size'), 64);
    expect(renderChestImage('pneumothorax', Random.derive(11, 'history')).equals(first)).toBe(true);
  });

  it('advances the rng, so consecutive images from one stream differ', () => {
    const rng = new Random(5);
    const first = renderChestPixels('normal', rng);
    const second = renderChestPixels('normal', rng);
    expect(Buffer.from(first).equals(Buffer.from(second))).toBe(false);
  });

  it('draws every pattern on the same patient for one rng state', () => {
    // Outside the lungs and the heart nothing may move: the upper abdomen and the neck.
    const outside = [region(0.4, 0.6, 0.9, 1), region(0.4, 0.6, 0, 0.06)];
    for (const pattern of ['consolidation', 'mass', 'pneumothorax', 'bronchiectasis'] as const) {
      for (const [normal, finding] of pairs(pattern).slice(0, 3)) {
        for (const r of outside) expect(regionMean(finding, r)).toBe(regionMean(normal, r));
      }
    }
  });

  it('renders other sizes with the same layout', () => {
    for (const size of [64, 224]) {
      const img = film('normal', 1, size);
      expect(img.pixels.length).toBe(size * size);
      // Dark lungs either side of a bright mediastinum, bright abdomen below.
      const lung = regionMean(img, MIDDLE);
      expect(regionMean(img, region(0.47, 0.53, 0.3, 0.45))).toBeGreaterThan(lung + 40);
      expect(regionMean(img, region(0.3, 0.7, 0.85, 0.95))).toBeGreaterThan(lung + 40);
    }
  });

  it('rejects unknown patterns and sizes, listing the valid patterns', () => {
    expect(() => renderChestImage('pneumonia' as ImagePattern, new Random(1))).toThrow(/"pneumonia".*normal, consolidation/);
    expect(() => renderChestImage('normal', new Random(1), 8)).toThrow(/between 16 and 1024.*"8"/);
  });
});

describe('chest image patterns move region statistics the way the finding should', () => {
  it('normal: a plausible film, lungs darker than the mediastinum and the abdomen, heart under half the chest', () => {
    for (const seed of SEEDS) {
      const img = film('normal', seed);
      const lungs = mean([...both(MIDDLE), ...both(UPPER)].map((r) => regionMean(img, r)));
      expect(lungs).toBeGreaterThan(30);
      expect(lungs).toBeLessThan(130);
      expect(regionMean(img, region(0.45, 0.55, 0.55, 0.62))).toBeGreaterThan(lungs + 60);
      const w = cardiacWidths(img, HEART_ROW);
      expect(w.heart / w.thorax).toBeLessThan(0.5);
      expect(w.heart / w.thorax).toBeGreaterThan(0.3);
    }
  });

  it('consolidation raises the mean of one middle or lower zone and leaves the upper zones alone', () => {
    const shifts = pairs('consolidation').map((p) => ({
      affected: Math.max(...[...both(MIDDLE), ...both(LOWER)].map((r) => meanShift(p, r))),
      upper: Math.max(...both(UPPER).map((r) => Math.abs(meanShift(p, r)))),
      sides: both(LOWER).map((r, k) => Math.max(meanShift(p, r), meanShift(p, k === 0 ? MIDDLE : mirror(MIDDLE)))),
    }));
    expect(mean(shifts.map((s) => s.affected))).toBeGreaterThan(10);
    for (const s of shifts) {
      expect(s.affected).toBeGreaterThan(4);
      expect(s.upper).toBeLessThan(1);
      // One lung, not both.
      expect(Math.min(...s.sides)).toBeLessThan(1);
    }
  });

  it('interstitial raises both the mean and the fine texture of both lungs', () => {
    for (const p of pairs('interstitial')) {
      for (const r of [...both(MIDDLE), ...both(LOWER)]) {
        expect(meanShift(p, r)).toBeGreaterThan(8);
        expect(textureRatio(p, r)).toBeGreaterThan(1.2);
      }
    }
  });

  it('edema raises perihilar intensity on both sides more than the periphery, and enlarges the heart', () => {
    const ps = pairs('edema');
    for (const p of ps) {
      for (const [hilar, peripheral] of [
        [PERIHILAR, PERIPHERAL],
        [mirror(PERIHILAR), mirror(PERIPHERAL)],
      ] as const) {
        expect(meanShift(p, hilar)).toBeGreaterThan(15);
        expect(meanShift(p, hilar)).toBeGreaterThan(2 * meanShift(p, peripheral));
      }
    }
    const ratio = (img: Gray): number => {
      const w = cardiacWidths(img, HEART_ROW);
      return w.heart / w.thorax;
    };
    expect(mean(ps.map(([, e]) => ratio(e)))).toBeGreaterThan(mean(ps.map(([n]) => ratio(n))) + 0.07);
  });

  it('pneumothorax: one side, a pleural line, and no lung texture lateral to it', () => {
    const ratios: number[] = [];
    for (const [normal, finding] of pairs('pneumothorax')) {
      // The air space: pixels the finding darkened. Same patient, so nothing else changed.
      const air = new Uint8Array(SIZE * SIZE);
      let left = 0;
      let right = 0;
      let line = 0;
      for (let i = 0; i < air.length; i++) {
        const diff = (finding.pixels[i] as number) - (normal.pixels[i] as number);
        if (diff < -6) {
          air[i] = 1;
          if (i % SIZE < SIZE / 2) left++;
          else right++;
        }
        if (diff > 12) line++;
      }
      // One side only, and a sizeable space.
      expect(Math.min(left, right)).toBe(0);
      expect(Math.max(left, right)).toBeGreaterThan(0.02 * SIZE * SIZE);
      // The visceral pleural line: a bright curve at least a fifth of the film high.
      expect(line).toBeGreaterThan(0.2 * SIZE);
      const before = maskTexture(normal, air);
      const after = maskTexture(finding, air);
      expect(after.pixels).toBeGreaterThan(50);
      // Ribs and film grain remain over the air; vessels and parenchymal mottle do not.
      expect(after.texture).toBeLessThan(0.95 * before.texture);
      ratios.push(after.texture / before.texture);
    }
    expect(mean(ratios)).toBeLessThan(0.75);
  });

  it('pneumothorax darkens the space just inside one chest wall', () => {
    const drops = pairs('pneumothorax').map((p) => Math.min(...both(SUBPLEURAL).map((r) => meanShift(p, r))));
    // Per film the fixed strip can straddle the pleural line; on average it lies in the air.
    for (const d of drops) expect(d).toBeLessThan(-2);
    expect(mean(drops)).toBeLessThan(-12);
  });

  it('cavitation adds opacity and texture to an upper zone', () => {
    const results = pairs('cavitation').map((p) => ({
      mean: Math.max(...both(UPPER).map((r) => meanShift(p, r))),
      texture: Math.max(...both(UPPER).map((r) => textureRatio(p, r))),
      lower: Math.max(...both(LOWER).map((r) => Math.abs(meanShift(p, r)))),
    }));
    for (const r of results) {
      expect(r.mean).toBeGreaterThan(2);
      expect(r.texture).toBeGreaterThan(1.15);
      expect(r.lower).toBeLessThan(1);
    }
  });

  it('mass adds one compact round opacity 10-25% of the image width across', () => {
    for (const [normal, mass] of pairs('mass')) {
      // Pixels the finding brightened clearly; the same patient, so everything else cancels.
      let count = 0;
      let x0 = SIZE;
      let x1 = -1;
      let y0 = SIZE;
      let y1 = -1;
      for (let i = 0; i < SIZE * SIZE; i++) {
        if ((mass.pixels[i] as number) - (normal.pixels[i] as number) > 20) {
          count++;
          const x = i % SIZE;
          const y = Math.floor(i / SIZE);
          x0 = Math.min(x0, x);
          x1 = Math.max(x1, x);
          y0 = Math.min(y0, y);
          y1 = Math.max(y1, y);
        }
      }
      const diameter = 2 * Math.sqrt(count / Math.PI);
      expect(diameter / SIZE).toBeGreaterThan(0.08);
      expect(diameter / SIZE).toBeLessThan(0.27);
      // Round: fills about pi/4 of its bounding box, and the box is about square.
      const box = (x1 - x0 + 1) * (y1 - y0 + 1);
      expect(count / box).toBeGreaterThan(0.6);
      expect((x1 - x0 + 1) / (y1 - y0 + 1)).toBeGreaterThan(0.75);
      expect((x1 - x0 + 1) / (y1 - y0 + 1)).toBeLessThan(1.33);
    }
  });

  it('hilar adenopathy brightens both hila and leaves the periphery alone', () => {
    for (const p of pairs('hilar_adenopathy')) {
      for (const r of both(PERIHILAR)) expect(meanShift(p, r)).toBeGreaterThan(6);
      for (const r of both(PERIPHERAL)) expect(Math.abs(meanShift(p, r))).toBeLessThan(1);
    }
  });

  it('hyperinflation darkens the lungs, lowers the diaphragm and narrows the heart', () => {
    const ps = pairs('hyperinflation');
    for (const p of ps) {
      for (const r of both(MIDDLE)) expect(meanShift(p, r)).toBeLessThan(-6);
      for (const r of both(BELOW_DOME)) expect(meanShift(p, r)).toBeLessThan(-15);
      const [normal, hyper] = p;
      expect(cardiacWidths(hyper, HEART_ROW).heart).toBeLessThan(cardiacWidths(normal, HEART_ROW).heart);
    }
  });

  it('bronchiectasis adds ring and tram-track texture to the lower zones, more than to the upper', () => {
    for (const p of pairs('bronchiectasis')) {
      const lower = mean(both(LOWER).map((r) => textureRatio(p, r)));
      const upper = mean(both(UPPER).map((r) => textureRatio(p, r)));
      expect(lower).toBeGreaterThan(1.4);
      expect(lower).toBeGreaterThan(upper + 0.3);
    }
  });

  it('effusion fills one costophrenic angle and leaves the other one alone', () => {
    for (const p of pairs('effusion')) {
      const shifts = both(ANGLE)
        .map((r) => meanShift(p, r))
        .sort((a, b) => b - a);
      expect(shifts[0]).toBeGreaterThan(15);
      expect(shifts[1]).toBe(0);
    }
  });

  it('cardiomegaly widens the bright central band past half the thoracic width', () => {
    for (const [normal, big] of pairs('cardiomegaly')) {
      const n = cardiacWidths(normal, HEART_ROW);
      const c = cardiacWidths(big, HEART_ROW);
      expect(c.heart).toBeGreaterThan(n.heart * 1.15);
      expect(c.heart / c.thorax).toBeGreaterThan(0.5);
    }
  });

  it('tells every pair of patterns apart on the same patient', () => {
    const rendered = IMAGE_PATTERNS.map((p) => Buffer.from(film(p, 3).pixels));
    for (let i = 0; i < rendered.length; i++) {
      for (let j = i + 1; j < rendered.length; j++) {
        expect(
          must(rendered[i], `image ${i}`).equals(must(rendered[j], `image ${j}`)),
          `${IMAGE_PATTERNS[i]} vs ${IMAGE_PATTERNS[j]}`,
        ).toBe(false);
      }
    }
  });
});
