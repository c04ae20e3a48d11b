/**
 * @file Pneumothorax: one lung collapsed toward its hilum, air with no markings between it and the
 * chest wall, the visceral pleural line at its edge.
 */
import type { Random } from '../../../util/random.js';
import type { Film } from '../film.js';
import { smoothstep, randomSide } from '../primitives.js';
import type { Thorax } from '../thorax.js';
import type { Painter } from './painter.js';

export const pneumothorax: Painter = {
  paint(t: Thorax, film: Film, rng: Random): void {
    const n = film.x.length;
    const side = randomSide(rng);
    // The collapsed lung is the lung outline shrunk toward the hilum, leaving air between it and
    // the chest wall.
    const scale = rng.uniform(0.45, 0.65);
    const [hx, hy] = t.hilum(side);
    for (let i = 0; i < n; i++) {
      const x = film.x[i] as number;
      if (t.side(x) !== side) continue;
      const lung = film.lung[i] as number;
      if (lung === 0) continue;
      const y = film.y[i] as number;
      // Only lateral and apical: the lung stays on the mediastinum and, below the hilum, the diaphragm.
      const sx = (x - hx) * (side === 0 ? -1 : 1) > 0 ? hx + (x - hx) / scale : x;
      const sy = y < hy ? hy + (y - hy) / scale : y;
      const collapsed = t.lungAt(sx, sy);
      const air = lung * (1 - collapsed);
      // The visceral pleura: the collapsed lung's edge, where it runs inside the chest.
      const pleuralLine = 4 * collapsed * (1 - collapsed) * smoothstep(0.95, 1, lung);
      const visible = 1 - (film.heart[i] as number);
      film.density[i] = (film.density[i] as number) - 0.06 * air * visible + 0.03 * collapsed * lung + 0.15 * pleuralLine;
      film.markingsGain[i] = (film.markingsGain[i] as number) * (1 - air);
    }
  },
};
