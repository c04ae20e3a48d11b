/**
 * @file One patient's anatomy for a synthetic chest film: the random draws that make every film
 * a different patient (position, cage, domes, heart size, ribs, exposure, the noise seeds).
 *
 * Why apart: the anatomy is drawn first and in a fixed order, before any pattern draws, so that
 * for one rng state every pattern is drawn on the same patient. Patterns that change the anatomy
 * itself (a big heart, flat diaphragms) do it through their painter's `reshape`.
 */
import type { Random } from '../../util/random.js';

/** One patient's anatomy; the pattern may change some of it (heart size, diaphragm). */
export interface Anatomy {
  angle: number;
  shiftX: number;
  shiftY: number;
  /** Half-width of the thoracic cage (inner rib margin). */
  thorax: number;
  body: number;
  /** Where the sloping shoulders reach the full width of the body. */
  shoulderY: number;
  apexY: number;
  /** Top of each dome: [patient's right (image left), patient's left (image right)]. */
  dome: [number, number];
  /** How far the costophrenic angle lies below the dome top. */
  domeDepth: number;
  /** Half-width of the mediastinum above the heart. */
  mediastinum: number;
  /** Cardiothoracic ratio: heart width over thoracic width. */
  ctr: number;
  hilumY: number;
  ribStart: number;
  ribSpacing: number;
  ribSlope: number;
  clavicleMedialY: number;
  clavicleLateralY: number;
  /** Extra lung lucency (hyperinflation makes lungs darker). */
  extraLucency: number;
  gain: number;
  offset: number;
  gamma: number;
  noiseSd: number;
  markingsSeed: number;
  noiseSeed: number;
}

export function drawAnatomy(rng: Random): Anatomy {
  const domeRight = rng.uniform(0.64, 0.69);
  return {
    angle: Math.max(-0.05, Math.min(0.05, rng.normal(0, 0.02))),
    shiftX: rng.uniform(-0.02, 0.02),
    shiftY: rng.uniform(-0.015, 0.015),
    thorax: rng.uniform(0.36, 0.4),
    body: rng.uniform(0.06, 0.09),
    shoulderY: rng.uniform(0.12, 0.18),
    apexY: rng.uniform(0.1, 0.13),
    dome: [domeRight, domeRight + rng.uniform(0.01, 0.035)],
    domeDepth: rng.uniform(0.07, 0.1),
    mediastinum: rng.uniform(0.06, 0.075),
    ctr: rng.uniform(0.38, 0.46),
    hilumY: rng.uniform(0.4, 0.44),
    ribStart: rng.uniform(0.03, 0.05),
    ribSpacing: rng.uniform(0.06, 0.068),
    ribSlope: rng.uniform(0.45, 0.6),
    clavicleMedialY: rng.uniform(0.15, 0.18),
    clavicleLateralY: rng.uniform(0.1, 0.13),
    extraLucency: 0,
    gain: rng.uniform(0.92, 1.08),
    offset: rng.uniform(-0.03, 0.03),
    gamma: rng.uniform(0.9, 1.1),
    noiseSd: rng.uniform(0.012, 0.02),
    markingsSeed: rng.nextUint32(),
    noiseSeed: rng.nextUint32(),
  };
}
