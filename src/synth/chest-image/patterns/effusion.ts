/**
 * @file Pleural effusion: water-dense fluid with a meniscus at one costophrenic angle. `addEffusion`
 * is shared with edema (small bilateral effusions).
 */
import type { Random } from '../../../util/random.js';
import type { Film } from '../film.js';
import { randomSide, smoothstep } from '../primitives.js';
import type { Thorax } from '../thorax.js';
import type { Painter } from './painter.js';

/** Pleural fluid at one costophrenic angle, with its upper surface rising toward the chest wall. */
export function addEffusion(t: Thorax, film: Film, side: 0 | 1, height: number): void {
  const { a } = t;
  const angleY = a.dome[side] + a.domeDepth;
  const lateralTop = angleY - height;
  const medialTop = lateralTop + Math.min(0.07, 0.6 * height);
  const edge = Math.max(t.edge, 2.5 / t.size);
  const n = film.x.length;
  for (let i = 0; i < n; i++) {
    const x = film.x[i] as number;
    if (t.side(x) !== side) continue;
    const y = film.y[i] as number;
    const q = t.lateralFraction(x, y);
    const surface = medialTop + (lateralTop - medialTop) * q * q;
    const fluid = smoothstep(surface - edge, surface + edge, y);
    if (fluid === 0) continue;
    const lung = film.lungVisible[i] as number;
    // Fluid is water-dense: it fills the lung's lucency back up to soft tissue.
    film.density[i] = (film.density[i] as number) + fluid * lung * (0.32 + a.extraLucency);
    film.markingsGain[i] = (film.markingsGain[i] as number) * (1 - fluid);
  }
}

export const effusion: Painter = {
  paint(t: Thorax, film: Film, rng: Random): void {
    addEffusion(t, film, randomSide(rng), rng.uniform(0.2, 0.3));
  },
};
