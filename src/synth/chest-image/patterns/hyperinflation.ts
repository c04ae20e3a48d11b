/**
 * @file Hyperinflation (COPD, asthma): low flat diaphragms, a wider darker chest, a narrow heart and
 * pruned peripheral markings.
 */
import type { Random } from '../../../util/random.js';
import type { Anatomy } from '../anatomy.js';
import type { Film } from '../film.js';
import { smoothstep } from '../primitives.js';
import type { Thorax } from '../thorax.js';
import type { Painter } from './painter.js';

export const hyperinflation: Painter = {
  reshape(a: Anatomy, rng: Random): void {
    const drop = rng.uniform(0.06, 0.09);
    a.dome = [a.dome[0] + drop, a.dome[1] + drop];
    a.domeDepth *= rng.uniform(0.25, 0.45);
    a.thorax *= rng.uniform(1.02, 1.05);
    a.ctr = rng.uniform(0.3, 0.36);
    a.ribSlope *= 0.75;
    a.ribSpacing *= 1.08;
    a.extraLucency = rng.uniform(0.04, 0.06);
  },
  paint(t: Thorax, film: Film): void {
    const n = film.x.length;
    // Sparse peripheral markings: vessels are pruned and spread out.
    for (let i = 0; i < n; i++) {
      const q = t.lateralFraction(film.x[i] as number, film.y[i] as number);
      film.markingsGain[i] = (film.markingsGain[i] as number) * (1 - 0.5 * smoothstep(0.4, 0.9, q));
    }
  },
};
