/**
 * @file The geometry of a chest in anatomical coordinates: lung fields, diaphragm, heart
 * silhouette, hila and lung zones, computed from one patient's anatomy.
 *
 * Why apart: the film layout, the base film and every pattern ask the same questions (is this
 * point in the lung? where is the hilum?); one class answers them.
 *
 * Coordinates: x across the chest in image widths with the midline at 0 (negative = image left =
 * patient's right), y down the image in image heights.
 */
import type { Anatomy } from './anatomy.js';
import { smoothstep } from './primitives.js';

/** The geometry shared by the base film and the patterns, evaluated in anatomical coordinates. */
export class Thorax {
  /** Soft edge width: about one pixel. */
  readonly edge: number;

  constructor(
    readonly a: Anatomy,
    readonly size: number,
  ) {
    this.edge = 1.2 / size;
  }

  side(x: number): 0 | 1 {
    return x < 0 ? 0 : 1;
  }

  /** Where the dome reaches its top, as a distance from the midline. */
  domeCentre(): number {
    return this.a.mediastinum + 0.45 * (this.a.thorax - this.a.mediastinum);
  }

  /** The diaphragm's y at distance `d` from the midline on one side. */
  diaphragmY(side: 0 | 1, d: number): number {
    const a = this.a;
    const c = this.domeCentre();
    if (d >= c) {
      const t = (d - c) / (a.thorax - c);
      return a.dome[side] + a.domeDepth * t * t;
    }
    const t = (c - d) / (c - a.mediastinum);
    return a.dome[side] + 0.3 * a.domeDepth * t * t;
  }

  /** Distance from the midline of the inner rib margin at height y (the cage widens downward). */
  lateralEdge(y: number): number {
    return this.a.thorax * (0.9 + 0.1 * smoothstep(0.15, 0.6, y));
  }

  /** The lung field (0..1, soft edges) at a point, ignoring the heart. */
  lungAt(x: number, y: number): number {
    const a = this.a;
    const d = Math.abs(x);
    const side = this.side(x);
    const e = this.edge;
    // The aortic knob bulges into the left lung above the hilum.
    let inner = a.mediastinum;
    if (side === 1) {
      const k = (y - (a.hilumY - 0.13)) / 0.035;
      if (k > -3 && k < 3) inner += 0.025 * Math.exp(-k * k);
    }
    const medial = smoothstep(inner - e, inner + e, d);
    if (medial === 0) return 0;
    const lateral = 1 - smoothstep(this.lateralEdge(y) - e, this.lateralEdge(y) + e, d);
    if (lateral === 0) return 0;
    // The apex is a dome: steep beside the mediastinum, sloping down toward the chest wall.
    const apexD = a.mediastinum + 0.3 * (a.thorax - a.mediastinum);
    const u = (d - apexD) / (0.6 * a.thorax);
    const top = a.apexY + (u < 0 ? 0.15 : 0.3) * u * u;
    const upper = smoothstep(top - e, top + e, y);
    if (upper === 0) return 0;
    const bottom = this.diaphragmY(side, d);
    const lower = 1 - smoothstep(bottom - e, bottom + e, y);
    return medial * lateral * upper * lower;
  }

  /** 1 above the diaphragm (in the chest), 0 below it (in the abdomen). */
  chestAt(x: number, y: number): number {
    const bottom = this.diaphragmY(this.side(x), Math.abs(x));
    return 1 - smoothstep(bottom - this.edge, bottom + this.edge, y);
  }

  /** Where the cardiac silhouette leaves the mediastinum (highest on the left), and where it is widest. */
  heartSpan(): [number, number] {
    const a = this.a;
    const widest = Math.min(a.dome[0], a.dome[1]) - 0.02;
    return [Math.min(a.hilumY - 0.02, widest - 0.16), widest];
  }

  /**
   * How far the heart border reaches from the midline on one side at height y. The right border
   * (image left) is short and convex and holds about a third of the width; the left border slopes
   * down and out from the hilum to the apex. The widest span is `ctr` times the thoracic width.
   */
  heartEdge(side: 0 | 1, y: number): number {
    const a = this.a;
    const [leftTop, widest] = this.heartSpan();
    const top = side === 0 ? leftTop + 0.08 : leftTop;
    if (y <= top) return 0;
    const full = 2 * a.ctr * a.thorax * (side === 0 ? 0.36 : 0.64);
    const t = Math.min(1, (y - top) / (widest - top));
    const u = 1 - t;
    const profile = side === 0 ? 1 - u * u * u : 1 - u * u;
    return a.mediastinum * (1 - profile) + full * profile;
  }

  heartAt(x: number, y: number): number {
    const edge = this.heartEdge(this.side(x), y);
    if (edge === 0) return 0;
    return 1 - smoothstep(edge - this.edge, edge + this.edge, Math.abs(x));
  }

  hilum(side: 0 | 1): [number, number] {
    const s = side === 0 ? -1 : 1;
    return [s * (this.a.mediastinum + 0.035), this.a.hilumY];
  }

  /** 0 at the medial edge of the lung, 1 at the rib margin. */
  lateralFraction(x: number, y: number): number {
    const d = Math.abs(x);
    return Math.max(0, Math.min(1, (d - this.a.mediastinum) / (this.lateralEdge(y) - this.a.mediastinum)));
  }

  /** A point in the middle of one zone of one lung, as [x, y]. */
  zoneCentre(side: 0 | 1, zone: 'upper' | 'middle' | 'lower'): [number, number] {
    const a = this.a;
    const s = side === 0 ? -1 : 1;
    const d = a.mediastinum + 0.5 * (a.thorax - a.mediastinum);
    const y = zone === 'upper' ? a.apexY + 0.12 : zone === 'middle' ? a.hilumY + 0.02 : a.dome[side] - 0.08;
    return [s * d, y];
  }
}
