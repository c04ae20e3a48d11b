/**
 * @file What normal aerated lung shows on a film: branching vessel markings from the hila and the
 * fine mottle of small vessels and interstitium.
 *
 * Why apart: both come from their own random streams, seeded by the anatomy, so every pattern
 * drawn on one patient shares them; patterns only turn them down (`markingsGain`).
 */
import { Random } from '../../util/random.js';
import type { Film } from './film.js';
import { stampLine } from './primitives.js';
import type { Thorax } from './thorax.js';

/** Branching vessel trees from each hilum; from their own stream so every pattern shares them. */
export function vesselMarkings(t: Thorax, film: Film, field: Float32Array): Float32Array {
  const rng = new Random(t.a.markingsSeed);
  field.fill(0);
  const branch = (x: number, y: number, angle: number, length: number, amp: number, depth: number): void => {
    const x1 = x + Math.cos(angle) * length;
    const y1 = y + Math.sin(angle) * length;
    // Vessels taper toward the periphery: fainter, and they stop short of the chest wall.
    stampLine(film, field, x, y, x1, y1, amp, amp * 0.8);
    if (depth === 0) return;
    for (const sign of [-1, 1]) {
      branch(x1, y1, angle + sign * rng.uniform(0.2, 0.6), length * rng.uniform(0.65, 0.85), amp * 0.8, depth - 1);
    }
  };
  for (const side of [0, 1] as const) {
    const [hx, hy] = t.hilum(side);
    const s = side === 0 ? -1 : 1;
    const trunks = rng.intBetween(6, 8);
    for (let k = 0; k < trunks; k++) {
      // Fan out from up-and-out to down-and-out; angles measured toward the patient's side.
      const spread = -1.3 + (2.5 * (k + rng.uniform(0.2, 0.8))) / trunks;
      const angle = s > 0 ? spread : Math.PI - spread;
      branch(hx, hy, angle, rng.uniform(0.06, 0.08), rng.uniform(0.8, 1), 4);
    }
  }
  return field;
}

/**
 * The fine mottle of small vessels and interstitium that every aerated lung shows: a random
 * field with a grain of about two pixels, zero mean. An airless space (pneumothorax) lacks it.
 */
export function parenchymaTexture(t: Thorax, film: Film, field: Float32Array): Float32Array {
  const { size, lungVisible } = film;
  field.fill(0);
  const rng = new Random(t.a.markingsSeed ^ 0x5bd1e995);
  const cell = 2;
  const cols = Math.ceil(size / cell) + 2;
  const grid = new Float32Array(cols * cols);
  for (let k = 0; k < grid.length; k++) grid[k] = rng.float() - 0.5;
  for (let py = 0; py < size; py++) {
    const gy = py / cell;
    const iy = Math.floor(gy);
    const fy = gy - iy;
    for (let px = 0; px < size; px++) {
      // Only lung shows it; elsewhere it would be multiplied by zero.
      if (lungVisible[py * size + px] === 0) continue;
      const gx = px / cell;
      const ix = Math.floor(gx);
      const fx = gx - ix;
      const k = iy * cols + ix;
      const top = (grid[k] as number) * (1 - fx) + (grid[k + 1] as number) * fx;
      const bottom = (grid[k + cols] as number) * (1 - fx) + (grid[k + cols + 1] as number) * fx;
      field[py * size + px] = top * (1 - fy) + bottom * fy;
    }
  }
  return field;
}
