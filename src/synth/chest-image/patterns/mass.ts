/**
 * @file Mass (pulmonary neoplasm): one round opacity, 10-25% of the image width, anywhere in a lung.
 */
import type { Random } from '../../../util/random.js';
import type { Film } from '../film.js';
import { drawBlob, addBlobs, randomSide } from '../primitives.js';
import type { Thorax } from '../thorax.js';
import type { Painter } from './painter.js';

export const mass: Painter = {
  paint(t: Thorax, film: Film, rng: Random): void {
    const { a } = t;
    const side = randomSide(rng);
    const r = rng.uniform(0.05, 0.125);
    const lo = a.mediastinum + 0.7 * r;
    const hi = Math.max(lo, t.lateralEdge(a.hilumY) - 0.9 * r);
    const d = rng.uniform(lo, hi);
    const top = a.apexY + 0.08 + 0.6 * r;
    const bottom = Math.max(top, a.dome[side] - 0.9 * r);
    const y = rng.uniform(top, bottom);
    const blob = drawBlob(rng, side === 0 ? -d : d, y, r, r * rng.uniform(0.92, 1.05), rng.uniform(0.25, 0.32), 0.03);
    // Seen through the heart or the mediastinum it adds less contrast than against air.
    addBlobs(film, [blob], 1.5 * t.edge, (i) => 0.5 + 0.5 * (film.lungVisible[i] as number));
  },
};
