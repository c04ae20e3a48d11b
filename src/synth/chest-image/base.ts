/**
 * @file The base film every pattern is drawn over: soft tissue, lungs, mediastinum and trachea,
 * heart shadow, spine, posterior ribs and clavicles.
 *
 * Why apart: it is the normal chest; the patterns add only their finding to it.
 */
import type { Film } from './film.js';
import { smoothstep } from './primitives.js';
import type { Thorax } from './thorax.js';

/** Soft tissue, lungs, mediastinum, heart, spine, ribs and clavicles. */
export function paintBase(t: Thorax, film: Film): void {
  const { a } = t;
  const ribs: number[] = [];
  for (let i = 0, y = a.ribStart; i < 13; i++) {
    ribs.push(y);
    // Posterior ribs sit further apart lower down.
    y += a.ribSpacing * (0.85 + 0.04 * i);
  }
  const ribHalf = Math.max(0.013, 1.8 / t.size);
  const clavHalf = Math.max(0.013, 1.7 / t.size);
  const ribFloor = Math.max(a.dome[0], a.dome[1]) + a.domeDepth + 0.03;
  const [heartTop] = t.heartSpan();
  const clavicleBottom = Math.max(a.clavicleMedialY, a.clavicleLateralY) + 0.02 + clavHalf;
  const n = film.x.length;
  const { x: xs, y: ys, heart: hearts, chest: chests, lungVisible: visible, density: out } = film;
  for (let i = 0; i < n; i++) {
    const x = xs[i] as number;
    const y = ys[i] as number;
    const d = Math.abs(x);
    // The neck at the top edge, the shoulders sloping out to the full width of the chest; above
    // them the film sees air, as on a real PA film.
    const full = a.thorax + a.body;
    const bodyHalf = y >= a.shoulderY ? full : 0.12 + (full - 0.12) * Math.sqrt(Math.max(0, y) / a.shoulderY);
    const inBody = 1 - smoothstep(bodyHalf - 0.012, bodyHalf + 0.012, d);
    // Soft tissue is thinner toward the edges of the body, so it is a little darker there.
    const depth = Math.sqrt(Math.max(0, 1 - (d / full) ** 2));
    let density = 0.04 + inBody * (0.44 + 0.1 * depth);
    const chest = chests[i] as number;
    const lungVisible = visible[i] as number;
    // Liver and spleen below the domes, heart and great vessels in the middle: thicker tissue.
    density += 0.25 * inBody * (1 - chest) * (0.5 + 0.5 * depth);
    density += 0.11 * (hearts[i] as number) * chest;
    if (d < a.mediastinum && y < heartTop + 0.04) {
      density += 0.02 * (1 - smoothstep(a.mediastinum - 0.02, a.mediastinum, d));
      // The tracheal air column, down to the carina.
      if (y < a.hilumY - 0.06 && y > 0.02) density -= 0.07 * (1 - smoothstep(0.012, 0.02, d));
    }
    density -= (0.3 + a.extraLucency) * lungVisible;
    // Spine: vertebral bodies with disc spaces, seen faintly through the mediastinum.
    if (d < 0.045) {
      const body = 1 - smoothstep(0.028, 0.042, d);
      density += inBody * body * (0.05 + 0.02 * Math.cos((2 * Math.PI * y) / 0.045));
    }
    // Posterior ribs: a family of curves y = y0 + slope * d^2 / thorax, inside the rib cage.
    const cageEdge = t.lateralEdge(y);
    if (d > 0.03 && d < cageEdge + 0.03 && y < ribFloor + 0.03) {
      const along = y - (a.ribSlope * d * d) / a.thorax;
      let nearest = Infinity;
      for (let k = 0; k < ribs.length; k++) {
        const r = ribs[k] as number;
        const dist = Math.abs(along - r);
        if (dist < nearest) nearest = dist;
        // Sorted: once a rib lies below the point, later ones are further away.
        if (r > along) break;
      }
      if (nearest < ribHalf) {
        const p = nearest / ribHalf;
        const fade =
          smoothstep(0.03, 0.07, d) *
          (1 - smoothstep(cageEdge, cageEdge + 0.03, d)) *
          (1 - smoothstep(ribFloor - 0.03, ribFloor + 0.03, y));
        const q = 1 - p * p;
        density += 0.08 * fade * q * q;
      }
    }
    // Clavicles: from the sternal notch up and out, with a gentle S.
    if (d > 0.03 && d < 0.33 && y < clavicleBottom) {
      const f = (d - 0.03) / 0.3;
      const cy = a.clavicleMedialY + (a.clavicleLateralY - a.clavicleMedialY) * f + 0.012 * Math.sin(Math.PI * f);
      const dist = Math.abs(y - cy);
      if (dist < clavHalf) density += 0.13 * (1 - (dist / clavHalf) ** 2) * smoothstep(0.03, 0.05, d);
    }
    out[i] = density;
  }
}
