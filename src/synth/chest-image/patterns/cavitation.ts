/**
 * @file Cavitation (tuberculosis): upper-zone nodules, a thick-walled lucent cavity and fibrotic
 * strands pulling toward the hilum.
 */
import type { Random } from '../../../util/random.js';
import type { Film } from '../film.js';
import { type Blob, stampLine, drawBlob, addBlobs, addRing, randomSide } from '../primitives.js';
import type { Thorax } from '../thorax.js';
import type { Painter } from './painter.js';

export const cavitation: Painter = {
  paint(t: Thorax, film: Film, rng: Random): void {
    const n = film.x.length;
    const side = randomSide(rng);
    const bilateral = rng.chance(0.4);
    const blobs: Blob[] = [];
    const count = rng.intBetween(3, 7);
    for (let k = 0; k < count; k++) {
      const s = bilateral && k % 2 === 1 ? ((1 - side) as 0 | 1) : side;
      const [zx, zy] = t.zoneCentre(s, 'upper');
      const r = rng.uniform(0.012, 0.025);
      blobs.push(drawBlob(rng, zx + rng.uniform(-0.07, 0.07), zy + rng.uniform(-0.05, 0.05), r, r, rng.uniform(0.18, 0.26), 0.1));
    }
    addBlobs(film, blobs, 1.5 * t.edge, (i) => 0.4 + 0.6 * (film.lung[i] as number));
    const [zx, zy] = t.zoneCentre(side, 'upper');
    const radius = rng.uniform(0.035, 0.055);
    const cx = zx + rng.uniform(-0.03, 0.03);
    const cy = zy + rng.uniform(-0.02, 0.03);
    addRing(film, cx, cy, radius, radius * rng.uniform(0.25, 0.4), rng.uniform(0.26, 0.32), 0.06);
    // Fibrotic strands pulling toward the hilum.
    const strands = new Float32Array(n);
    const [hx, hy] = t.hilum(side);
    for (let k = 0; k < 2; k++) {
      stampLine(film, strands, cx + rng.uniform(-0.02, 0.02), cy + radius, hx + rng.uniform(-0.02, 0.02), hy, 1, 0.4);
    }
    for (let i = 0; i < n; i++) film.density[i] = (film.density[i] as number) + 0.08 * Math.min(1, strands[i] as number);
  },
};
