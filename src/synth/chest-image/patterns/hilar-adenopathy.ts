/**
 * @file Hilar adenopathy (sarcoidosis): lumpy nodes at both hila, sometimes a right paratracheal node.
 */
import type { Random } from '../../../util/random.js';
import type { Film } from '../film.js';
import { type Blob, drawBlob, addBlobs } from '../primitives.js';
import type { Thorax } from '../thorax.js';
import type { Painter } from './painter.js';

export const hilarAdenopathy: Painter = {
  paint(t: Thorax, film: Film, rng: Random): void {
    const { a } = t;
    const blobs: Blob[] = [];
    for (const side of [0, 1] as const) {
      const [hx, hy] = t.hilum(side);
      const s = side === 0 ? -1 : 1;
      const count = rng.intBetween(3, 5);
      for (let k = 0; k < count; k++) {
        const r = rng.uniform(0.018, 0.03);
        blobs.push(
          drawBlob(
            rng,
            hx + s * rng.uniform(0, 0.035),
            hy + rng.uniform(-0.05, 0.05),
            r,
            r * rng.uniform(0.85, 1.15),
            rng.uniform(0.18, 0.26),
            0.06,
          ),
        );
      }
    }
    if (rng.chance(0.5)) {
      // Right paratracheal node: the "1-2-3" sign.
      const r = rng.uniform(0.016, 0.024);
      blobs.push(drawBlob(rng, -(a.mediastinum + 0.005), a.hilumY - 0.12, r, r * 1.3, rng.uniform(0.15, 0.2), 0.05));
    }
    addBlobs(film, blobs, 1.5 * t.edge);
  },
};
