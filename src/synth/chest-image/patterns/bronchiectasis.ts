/**
 * @file Bronchiectasis: ring shadows and tram-track lines in both lower zones.
 */
import type { Random } from '../../../util/random.js';
import type { Film } from '../film.js';
import { stampLine, addRing } from '../primitives.js';
import type { Thorax } from '../thorax.js';
import type { Painter } from './painter.js';

export const bronchiectasis: Painter = {
  paint(t: Thorax, film: Film, rng: Random): void {
    const { a } = t;
    const n = film.x.length;
    const wall = Math.max(0.006, 0.8 / t.size);
    const rings = rng.intBetween(8, 14);
    for (let k = 0; k < rings; k++) {
      const side = (k % 2) as 0 | 1;
      const s = side === 0 ? -1 : 1;
      const d = rng.uniform(a.mediastinum + 0.04, t.lateralEdge(0.6) - 0.05);
      const y = rng.uniform(a.dome[side] - 0.16, a.dome[side] - 0.02);
      addRing(film, s * d, y, rng.uniform(0.012, 0.02), wall, rng.uniform(0.18, 0.24), 0.03);
    }
    const tracks = new Float32Array(n);
    for (const side of [0, 1] as const) {
      const [hx, hy] = t.hilum(side);
      const s = side === 0 ? -1 : 1;
      const count = rng.intBetween(3, 5);
      for (let k = 0; k < count; k++) {
        // Parallel walls of a thickened bronchus heading down and out from the hilum.
        const angle = rng.uniform(0.7, 1.3);
        const dirX = s * Math.cos(angle);
        const dirY = Math.sin(angle);
        const start = rng.uniform(0.05, 0.1);
        const length = rng.uniform(0.06, 0.1);
        const gap = rng.uniform(0.009, 0.013);
        for (const offset of [-gap, gap]) {
          const ox = -dirY * offset * s;
          const oy = dirX * offset * s;
          stampLine(
            film,
            tracks,
            hx + dirX * start + ox,
            hy + dirY * start + oy,
            hx + dirX * (start + length) + ox,
            hy + dirY * (start + length) + oy,
            1,
            0.8,
          );
        }
      }
    }
    for (let i = 0; i < n; i++) {
      film.density[i] = (film.density[i] as number) + 0.16 * Math.min(1, tracks[i] as number) * (film.lung[i] as number);
    }
  },
};
