/**
 * @file Lobar consolidation (pneumonia): an opacity filling much of one lower or middle zone, a sharp
 * fissure border in the middle zone, sometimes air bronchograms.
 */
import type { Random } from '../../../util/random.js';
import type { Film } from '../film.js';
import { smoothstep, stampLine, drawBlob, blobValue, randomSide } from '../primitives.js';
import type { Thorax } from '../thorax.js';
import type { Painter } from './painter.js';

export const consolidation: Painter = {
  paint(t: Thorax, film: Film, rng: Random): void {
    const n = film.x.length;
    const side = randomSide(rng);
    const zone = rng.chance(0.6) ? 'lower' : 'middle';
    const [zx, zy] = t.zoneCentre(side, zone);
    // A lobe fills much of its zone; kept lateral enough that the heart does not hide it.
    const lateral = (side === 0 ? -1 : 1) * rng.uniform(0.02, 0.04);
    const blob = drawBlob(
      rng,
      zx + lateral,
      zy + rng.uniform(-0.02, 0.02),
      rng.uniform(0.1, 0.13),
      rng.uniform(0.075, 0.095),
      rng.uniform(0.25, 0.32),
      0.08,
    );
    // A middle-zone (lobar) opacity stops at the horizontal fissure: a sharp upper border.
    const fissure = zone === 'middle' ? blob.y - blob.ry * rng.uniform(0.4, 0.7) : undefined;
    const mask = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const y = film.y[i] as number;
      const below = fissure === undefined ? 1 : smoothstep(fissure - t.edge, fissure + t.edge, y);
      const v = blobValue(blob, film.x[i] as number, y, 2.5 * t.edge) * below;
      // Behind the heart the opacity is seen through it, more faintly.
      mask[i] = v * (film.lung[i] as number) * (1 - 0.6 * (film.heart[i] as number));
    }
    const bronchi = new Float32Array(n);
    if (rng.chance(0.6)) {
      const [hx, hy] = t.hilum(side);
      const count = rng.intBetween(2, 3);
      for (let k = 0; k < count; k++) {
        const tx = blob.x + rng.uniform(-0.6, 0.6) * blob.rx;
        const ty = blob.y + rng.uniform(-0.3, 0.6) * blob.ry;
        const fx = hx + (tx - hx) * 0.45;
        const fy = hy + (ty - hy) * 0.45;
        stampLine(film, bronchi, fx, fy, tx, ty, 1, 0.7);
      }
    }
    for (let i = 0; i < n; i++) {
      const m = mask[i] as number;
      if (m === 0) continue;
      film.density[i] = (film.density[i] as number) + blob.amp * m - 0.12 * m * Math.min(1, bronchi[i] as number);
      film.markingsGain[i] = (film.markingsGain[i] as number) * (1 - 0.8 * m);
    }
  },
};
