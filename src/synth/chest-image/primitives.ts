/**
 * @file Drawing primitives the chest painters share: a soft step, lines splatted into a field,
 * lobulated blobs, thick rings, and a random side.
 *
 * Why apart: several patterns draw with the same shapes (nodules, masses, nodes; cavities and
 * bronchial walls), and the geometry needs the soft step too.
 */
import type { Random } from '../../util/random.js';
import type { Film } from './film.js';

export function smoothstep(edge0: number, edge1: number, x: number): number {
  // Most pixels are well away from any edge: answer those without dividing.
  if (x <= edge0) return 0;
  if (x >= edge1) return 1;
  const t = (x - edge0) / (edge1 - edge0);
  return t * t * (3 - 2 * t);
}

/** Splat a value into a field along a segment given in anatomical coordinates. */
export function stampLine(
  film: Film,
  field: Float32Array,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  amp0: number,
  amp1: number,
): void {
  const [p0x, p0y] = film.toPixel(x0, y0);
  const [p1x, p1y] = film.toPixel(x1, y1);
  const steps = Math.max(1, Math.ceil(2 * Math.hypot(p1x - p0x, p1y - p0y)));
  const size = film.size;
  for (let k = 0; k <= steps; k++) {
    const f = k / steps;
    const px = p0x + (p1x - p0x) * f;
    const py = p0y + (p1y - p0y) * f;
    const amp = (amp0 + (amp1 - amp0) * f) * 0.5;
    const ix = Math.floor(px);
    const iy = Math.floor(py);
    const fx = px - ix;
    const fy = py - iy;
    for (let dy = 0; dy <= 1; dy++) {
      const yy = iy + dy;
      if (yy < 0 || yy >= size) continue;
      const wy = dy === 0 ? 1 - fy : fy;
      for (let dx = 0; dx <= 1; dx++) {
        const xx = ix + dx;
        if (xx < 0 || xx >= size) continue;
        const wx = dx === 0 ? 1 - fx : fx;
        const idx = yy * size + xx;
        field[idx] = (field[idx] as number) + amp * wx * wy;
      }
    }
  }
}

/** A soft disc with an optionally lobulated outline, added to the density. */
export interface Blob {
  x: number;
  y: number;
  rx: number;
  ry: number;
  amp: number;
  /** Outline wobble: amplitude of two angular harmonics. */
  wobble: number;
  phase1: number;
  phase2: number;
}

export function blobValue(b: Blob, x: number, y: number, edge: number): number {
  const dx = (x - b.x) / b.rx;
  const dy = (y - b.y) / b.ry;
  const r2 = dx * dx + dy * dy;
  const reach = 1 + b.wobble * 2 + (2 * edge) / Math.min(b.rx, b.ry);
  if (r2 > reach * reach) return 0;
  const r = Math.sqrt(r2);
  let radius = 1;
  if (b.wobble > 0) {
    const theta = Math.atan2(dy, dx);
    radius += b.wobble * (Math.sin(3 * theta + b.phase1) + 0.6 * Math.sin(5 * theta + b.phase2));
  }
  const e = edge / Math.min(b.rx, b.ry);
  return 1 - smoothstep(radius - e, radius + e, r);
}

export function drawBlob(rng: Random, x: number, y: number, rx: number, ry: number, amp: number, wobble: number): Blob {
  return { x, y, rx, ry, amp, wobble, phase1: rng.uniform(0, 2 * Math.PI), phase2: rng.uniform(0, 2 * Math.PI) };
}

export function addBlobs(film: Film, blobs: Blob[], edge: number, weight?: (i: number) => number): void {
  const n = film.x.length;
  for (let i = 0; i < n; i++) {
    const x = film.x[i] as number;
    const y = film.y[i] as number;
    let add = 0;
    for (const b of blobs) add += b.amp * blobValue(b, x, y, edge);
    if (add !== 0) film.density[i] = (film.density[i] as number) + add * (weight ? weight(i) : 1);
  }
}

/** A thick ring (cavity wall or bronchial wall) with a darker centre. */
export function addRing(film: Film, cx: number, cy: number, radius: number, wall: number, amp: number, lucency: number): void {
  const n = film.x.length;
  const reach = radius + 3 * wall;
  for (let i = 0; i < n; i++) {
    const dx = (film.x[i] as number) - cx;
    const dy = (film.y[i] as number) - cy;
    if (Math.abs(dx) > reach || Math.abs(dy) > reach) continue;
    const r = Math.sqrt(dx * dx + dy * dy);
    const ring = Math.exp(-(((r - radius) / wall) ** 2));
    const inside = 1 - smoothstep(radius - wall, radius - 0.5 * wall, r);
    film.density[i] = (film.density[i] as number) + amp * ring - lucency * inside;
    film.markingsGain[i] = (film.markingsGain[i] as number) * (1 - inside);
  }
}

export function randomSide(rng: Random): 0 | 1 {
  return rng.chance(0.5) ? 0 : 1;
}
