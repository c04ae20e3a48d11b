/**
 * @file Interstitial pattern (bronchiolitis, viral pneumonitis): a diffuse haze and a reticular net
 * over both lungs.
 */
import type { Random } from '../../../util/random.js';
import type { Film } from '../film.js';
import { smoothstep } from '../primitives.js';
import type { Thorax } from '../thorax.js';
import type { Painter } from './painter.js';

export const interstitial: Painter = {
  paint(t: Thorax, film: Film, rng: Random): void {
    const n = film.x.length;
    const haze = rng.uniform(0.05, 0.08);
    const amp = rng.uniform(0.1, 0.13);
    // A reticular net: the borders of a jittered Voronoi tiling, one cell a few pixels across.
    const cell = rng.uniform(0.028, 0.036);
    const cols = Math.ceil(1 / cell) + 2;
    const rows = Math.ceil(1 / cell) + 2;
    const seedsX = new Float32Array(cols * rows);
    const seedsY = new Float32Array(cols * rows);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        seedsX[r * cols + c] = (c - 1 + rng.uniform(0.1, 0.9)) * cell - 0.5;
        seedsY[r * cols + c] = (r - 1 + rng.uniform(0.1, 0.9)) * cell;
      }
    }
    const lineWidth = Math.max(0.004, 0.9 / t.size);
    const { x: xs, y: ys, lungVisible, density } = film;
    for (let i = 0; i < n; i++) {
      const lung = lungVisible[i] as number;
      if (lung === 0) continue;
      const x = xs[i] as number;
      const y = ys[i] as number;
      const cx = Math.floor((x + 0.5) / cell) + 1;
      const cy = Math.floor(y / cell) + 1;
      let f1 = Infinity;
      let f2 = Infinity;
      for (let r = Math.max(0, cy - 1); r <= Math.min(rows - 1, cy + 1); r++) {
        for (let c = Math.max(0, cx - 1); c <= Math.min(cols - 1, cx + 1); c++) {
          const dx = x - (seedsX[r * cols + c] as number);
          const dy = y - (seedsY[r * cols + c] as number);
          const dist = dx * dx + dy * dy;
          if (dist < f1) {
            f2 = f1;
            f1 = dist;
          } else if (dist < f2) {
            f2 = dist;
          }
        }
      }
      // Distance to the border between the two nearest cells, to first order.
      const border = (Math.sqrt(f2) - Math.sqrt(f1)) / 2;
      const net = 1 - smoothstep(0, lineWidth, border);
      density[i] = (density[i] as number) + lung * (haze + amp * net);
    }
  },
};
