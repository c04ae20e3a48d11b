/**
 * @file Pulmonary edema: a big heart, bilateral perihilar "bat-wing" haze that blurs the vessels,
 * sometimes small effusions at both angles.
 */
import type { Random } from '../../../util/random.js';
import type { Anatomy } from '../anatomy.js';
import type { Film } from '../film.js';
import type { Thorax } from '../thorax.js';
import { addEffusion } from './effusion.js';
import type { Painter } from './painter.js';

export const edema: Painter = {
  reshape(a: Anatomy, rng: Random): void {
    a.ctr = rng.uniform(0.53, 0.6);
  },
  paint(t: Thorax, film: Film, rng: Random): void {
    const n = film.x.length;
    const amp = rng.uniform(0.26, 0.34);
    // Centred out from the hila, past the enlarged heart's border, so the wings show.
    const centres = ([0, 1] as const).map((side) => {
      const [hx, hy] = t.hilum(side);
      return [hx + (side === 0 ? -1 : 1) * 0.05, hy + 0.02] as const;
    });
    const sx = rng.uniform(0.085, 0.1);
    const sy = rng.uniform(0.11, 0.13);
    for (let i = 0; i < n; i++) {
      const lung = film.lung[i] as number;
      if (lung === 0) continue;
      const x = film.x[i] as number;
      const y = film.y[i] as number;
      const c = centres[t.side(x)] as readonly [number, number];
      // A flat-topped (super-Gaussian) wing: dense around the hilum, a fairly sharp lateral
      // margin, the periphery spared.
      const r2 = ((x - c[0]) / sx) ** 2 + ((y - c[1]) / sy) ** 2;
      const g = Math.exp(-0.5 * r2 * r2);
      film.density[i] = (film.density[i] as number) + amp * g * lung * (1 - 0.5 * (film.heart[i] as number));
      // Vessels lose their edges in the haze.
      film.markingsGain[i] = (film.markingsGain[i] as number) * (1 - 0.6 * g);
    }
    if (rng.chance(0.6)) {
      addEffusion(t, film, 0, rng.uniform(0.03, 0.06));
      addEffusion(t, film, 1, rng.uniform(0.03, 0.06));
    }
  },
};
