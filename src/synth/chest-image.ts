/**
 * @file Synthetic frontal chest radiographs for generated records, one look per finding pattern.
 *
 * Why: the generator gives every patient an image whose appearance depends on the diagnosis, so
 * the image encoder has something real to learn and the image saliency maps have something to
 * point at. The pictures are schematic but laid out like a PA film (patient's right on the image
 * left): dark lung fields, mediastinum and heart shadow, posterior ribs, clavicles, spine,
 * diaphragm domes, soft tissue and quantum-like noise.
 *
 * Randomness is drawn in a fixed order: first the patient's anatomy (and the seeds of the vessel
 * markings and of the noise), then whatever the pattern needs. So for one rng state every pattern
 * is drawn on the same patient, and the difference between two patterns' images is the finding
 * alone. The tests rely on that; explanation checks can use it as a ground-truth region.
 *
 * Everything is computed in "anatomical" coordinates: x across the chest in image widths with the
 * midline at 0 (negative = image left = patient's right), y down the image in image heights. The
 * per-patient rotation and shift map pixels into that frame.
 */
import { Random } from '../util/random.js';
import { ClinicalBertError, quote } from '../util/errors.js';
import { encodeGrayPng } from './png.js';

export const IMAGE_PATTERNS = [
  'normal',
  'consolidation',
  'interstitial',
  'edema',
  'pneumothorax',
  'cavitation',
  'mass',
  'hilar_adenopathy',
  'hyperinflation',
  'bronchiectasis',
  'effusion',
  'cardiomegaly',
] as const;

export type ImagePattern = (typeof IMAGE_PATTERNS)[number];

/** One line per pattern, for the HTML report and the model card. */
export const IMAGE_PATTERN_DESCRIPTIONS: Readonly<Record<ImagePattern, string>> = {
  normal: 'Clear lungs, normal heart size, sharp costophrenic angles.',
  consolidation: 'Lobar opacity in one lower or middle zone, sometimes with air bronchograms (pneumonia).',
  interstitial: 'Diffuse reticular haze in both lungs (bronchiolitis, viral pneumonitis).',
  edema: 'Bilateral perihilar "bat-wing" haze with cardiomegaly, sometimes blunted angles (acute pulmonary edema).',
  pneumothorax: 'One side: a visible pleural line with no lung markings lateral to it (pneumothorax).',
  cavitation: 'Upper-zone nodular opacities with a thick-walled lucent cavity (tuberculosis).',
  mass: 'A single round opacity 10-25% of the image width (pulmonary neoplasm).',
  hilar_adenopathy: 'Bilateral lumpy enlarged hila (sarcoidosis).',
  hyperinflation: 'Large dark lungs, flattened low diaphragms and a narrow heart (COPD, asthma).',
  bronchiectasis: 'Ring shadows and tram-track lines in the lower zones (bronchiectasis).',
  effusion: 'Dense fluid with a meniscus at one costophrenic angle (pleural effusion).',
  cardiomegaly: 'Heart wider than half the thoracic width (heart failure, myocarditis, pericarditis).',
};

const MIN_SIZE = 16;
const MAX_SIZE = 1024;

/** One patient's anatomy; the pattern may change some of it (heart size, diaphragm). */
interface Anatomy {
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

function drawAnatomy(rng: Random): Anatomy {
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

function smoothstep(edge0: number, edge1: number, x: number): number {
  // Most pixels are well away from any edge: answer those without dividing.
  if (x <= edge0) return 0;
  if (x >= edge1) return 1;
  const t = (x - edge0) / (edge1 - edge0);
  return t * t * (3 - 2 * t);
}

/** The geometry shared by the base film and the patterns, evaluated in anatomical coordinates. */
class Thorax {
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

/** Per-pixel fields the patterns read and write. */
interface Film {
  size: number;
  /** Anatomical coordinates of each pixel centre. */
  x: Float32Array;
  y: Float32Array;
  lung: Float32Array;
  heart: Float32Array;
  /** 1 above the diaphragm, 0 below. */
  chest: Float32Array;
  /** Lung not hidden by the heart: where lung texture shows. */
  lungVisible: Float32Array;
  density: Float32Array;
  /** How much of the vessel markings shows at each pixel (a pneumothorax has none). */
  markingsGain: Float32Array;
  /** Pixel coordinates of an anatomical point. */
  toPixel(x: number, y: number): [number, number];
}

interface WorkArrays {
  x: Float32Array;
  y: Float32Array;
  lung: Float32Array;
  heart: Float32Array;
  chest: Float32Array;
  lungVisible: Float32Array;
  density: Float32Array;
  markingsGain: Float32Array;
  markings: Float32Array;
  mottle: Float32Array;
}

/**
 * Working arrays, reused between renders of the usual sizes. A film needs ten image-sized arrays,
 * and allocating them afresh each time cost about a sixth of the render in garbage collection.
 * Rendering is synchronous, so one set per size and thread is safe; each render rewrites or
 * clears every array before reading it. Large sizes are rare and not kept.
 */
const workArrays = new Map<number, WorkArrays>();

function getWorkArrays(size: number): WorkArrays {
  const cached = workArrays.get(size);
  if (cached) return cached;
  const n = size * size;
  const arrays: WorkArrays = {
    x: new Float32Array(n),
    y: new Float32Array(n),
    lung: new Float32Array(n),
    heart: new Float32Array(n),
    chest: new Float32Array(n),
    lungVisible: new Float32Array(n),
    density: new Float32Array(n),
    markingsGain: new Float32Array(n),
    markings: new Float32Array(n),
    mottle: new Float32Array(n),
  };
  if (size <= 256) workArrays.set(size, arrays);
  return arrays;
}

function makeFilm(t: Thorax, work: WorkArrays): Film {
  const { a, size } = t;
  // Every per-pixel field below is rewritten for every pixel, except this one.
  work.markingsGain.fill(1);
  const film: Film = {
    size,
    x: work.x,
    y: work.y,
    lung: work.lung,
    heart: work.heart,
    chest: work.chest,
    lungVisible: work.lungVisible,
    density: work.density,
    markingsGain: work.markingsGain,
    toPixel(x: number, y: number): [number, number] {
      // Inverse of the pixel -> anatomy map below.
      const cos = Math.cos(a.angle);
      const sin = Math.sin(a.angle);
      const rx = cos * x - sin * (y - 0.5);
      const ry = sin * x + cos * (y - 0.5) + 0.5;
      return [(rx + 0.5 + a.shiftX) * size - 0.5, (ry + a.shiftY) * size - 0.5];
    },
  };
  const cos = Math.cos(a.angle);
  const sin = Math.sin(a.angle);
  const { x: xs, y: ys, lung: lungs, heart: hearts, chest: chests, lungVisible } = film;
  for (let py = 0; py < size; py++) {
    const v = (py + 0.5) / size - a.shiftY - 0.5;
    for (let px = 0; px < size; px++) {
      const i = py * size + px;
      const u = (px + 0.5) / size - 0.5 - a.shiftX;
      const x = cos * u + sin * v;
      const y = -sin * u + cos * v + 0.5;
      xs[i] = x;
      ys[i] = y;
      const lung = t.lungAt(x, y);
      const heart = t.heartAt(x, y);
      lungs[i] = lung;
      hearts[i] = heart;
      chests[i] = t.chestAt(x, y);
      lungVisible[i] = lung * (1 - heart);
    }
  }
  return film;
}

/** Soft tissue, lungs, mediastinum, heart, spine, ribs and clavicles. */
function paintBase(t: Thorax, film: Film): void {
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

/** Splat a value into a field along a segment given in anatomical coordinates. */
function stampLine(film: Film, field: Float32Array, x0: number, y0: number, x1: number, y1: number, amp0: number, amp1: number): void {
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

/** Branching vessel trees from each hilum; from their own stream so every pattern shares them. */
function vesselMarkings(t: Thorax, film: Film, field: Float32Array): Float32Array {
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
function parenchymaTexture(t: Thorax, film: Film, field: Float32Array): Float32Array {
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

/** A soft disc with an optionally lobulated outline, added to the density. */
interface Blob {
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

function blobValue(b: Blob, x: number, y: number, edge: number): number {
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

function drawBlob(rng: Random, x: number, y: number, rx: number, ry: number, amp: number, wobble: number): Blob {
  return { x, y, rx, ry, amp, wobble, phase1: rng.uniform(0, 2 * Math.PI), phase2: rng.uniform(0, 2 * Math.PI) };
}

function addBlobs(film: Film, blobs: Blob[], edge: number, weight?: (i: number) => number): void {
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
function addRing(film: Film, cx: number, cy: number, radius: number, wall: number, amp: number, lucency: number): void {
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

/** Pleural fluid at one costophrenic angle, with its upper surface rising toward the chest wall. */
function addEffusion(t: Thorax, film: Film, side: 0 | 1, height: number): void {
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

function randomSide(rng: Random): 0 | 1 {
  return rng.chance(0.5) ? 0 : 1;
}

/** Changes to the anatomy itself, drawn before the film is laid out. */
function reshape(pattern: ImagePattern, a: Anatomy, rng: Random): void {
  switch (pattern) {
    case 'cardiomegaly':
      a.ctr = rng.uniform(0.56, 0.66);
      break;
    case 'edema':
      a.ctr = rng.uniform(0.53, 0.6);
      break;
    case 'hyperinflation': {
      const drop = rng.uniform(0.06, 0.09);
      a.dome = [a.dome[0] + drop, a.dome[1] + drop];
      a.domeDepth *= rng.uniform(0.25, 0.45);
      a.thorax *= rng.uniform(1.02, 1.05);
      a.ctr = rng.uniform(0.3, 0.36);
      a.ribSlope *= 0.75;
      a.ribSpacing *= 1.08;
      a.extraLucency = rng.uniform(0.04, 0.06);
      break;
    }
    default:
      break;
  }
}

/** The finding itself, painted over the base film. */
function paintPattern(pattern: ImagePattern, t: Thorax, film: Film, rng: Random): void {
  const { a } = t;
  const n = film.x.length;
  switch (pattern) {
    case 'normal':
    case 'cardiomegaly':
      return;
    case 'consolidation': {
      const side = randomSide(rng);
      const zone = rng.chance(0.6) ? 'lower' : 'middle';
      const [zx, zy] = t.zoneCentre(side, zone);
      // A lobe fills much of its zone; kept lateral enough that the heart does not hide it.
      const lateral = (side === 0 ? -1 : 1) * rng.uniform(0.02, 0.04);
      const blob = drawBlob(
        rng,
        zx + lateral,
        zy + rng.uniform(-0.02, 0.02),
        rng.uniform(0.1, 0.13),
        rng.uniform(0.075, 0.095),
        rng.uniform(0.25, 0.32),
        0.08,
      );
      // A middle-zone (lobar) opacity stops at the horizontal fissure: a sharp upper border.
      const fissure = zone === 'middle' ? blob.y - blob.ry * rng.uniform(0.4, 0.7) : undefined;
      const mask = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        const y = film.y[i] as number;
        const below = fissure === undefined ? 1 : smoothstep(fissure - t.edge, fissure + t.edge, y);
        const v = blobValue(blob, film.x[i] as number, y, 2.5 * t.edge) * below;
        // Behind the heart the opacity is seen through it, more faintly.
        mask[i] = v * (film.lung[i] as number) * (1 - 0.6 * (film.heart[i] as number));
      }
      const bronchi = new Float32Array(n);
      if (rng.chance(0.6)) {
        const [hx, hy] = t.hilum(side);
        const count = rng.intBetween(2, 3);
        for (let k = 0; k < count; k++) {
          const tx = blob.x + rng.uniform(-0.6, 0.6) * blob.rx;
          const ty = blob.y + rng.uniform(-0.3, 0.6) * blob.ry;
          const fx = hx + (tx - hx) * 0.45;
          const fy = hy + (ty - hy) * 0.45;
          stampLine(film, bronchi, fx, fy, tx, ty, 1, 0.7);
        }
      }
      for (let i = 0; i < n; i++) {
        const m = mask[i] as number;
        if (m === 0) continue;
        film.density[i] = (film.density[i] as number) + blob.amp * m - 0.12 * m * Math.min(1, bronchi[i] as number);
        film.markingsGain[i] = (film.markingsGain[i] as number) * (1 - 0.8 * m);
      }
      return;
    }
    case 'interstitial': {
      const haze = rng.uniform(0.05, 0.08);
      const amp = rng.uniform(0.1, 0.13);
      // A reticular net: the borders of a jittered Voronoi tiling, one cell a few pixels across.
      const cell = rng.uniform(0.028, 0.036);
      const cols = Math.ceil(1 / cell) + 2;
      const rows = Math.ceil(1 / cell) + 2;
      const seedsX = new Float32Array(cols * rows);
      const seedsY = new Float32Array(cols * rows);
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          seedsX[r * cols + c] = (c - 1 + rng.uniform(0.1, 0.9)) * cell - 0.5;
          seedsY[r * cols + c] = (r - 1 + rng.uniform(0.1, 0.9)) * cell;
        }
      }
      const lineWidth = Math.max(0.004, 0.9 / t.size);
      const { x: xs, y: ys, lungVisible, density } = film;
      for (let i = 0; i < n; i++) {
        const lung = lungVisible[i] as number;
        if (lung === 0) continue;
        const x = xs[i] as number;
        const y = ys[i] as number;
        const cx = Math.floor((x + 0.5) / cell) + 1;
        const cy = Math.floor(y / cell) + 1;
        let f1 = Infinity;
        let f2 = Infinity;
        for (let r = Math.max(0, cy - 1); r <= Math.min(rows - 1, cy + 1); r++) {
          for (let c = Math.max(0, cx - 1); c <= Math.min(cols - 1, cx + 1); c++) {
            const dx = x - (seedsX[r * cols + c] as number);
            const dy = y - (seedsY[r * cols + c] as number);
            const dist = dx * dx + dy * dy;
            if (dist < f1) {
              f2 = f1;
              f1 = dist;
            } else if (dist < f2) {
              f2 = dist;
            }
          }
        }
        // Distance to the border between the two nearest cells, to first order.
        const border = (Math.sqrt(f2) - Math.sqrt(f1)) / 2;
        const net = 1 - smoothstep(0, lineWidth, border);
        density[i] = (density[i] as number) + lung * (haze + amp * net);
      }
      return;
    }
    case 'edema': {
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
      return;
    }
    case 'pneumothorax': {
      const side = randomSide(rng);
      // The collapsed lung is the lung outline shrunk toward the hilum, leaving air between it and
      // the chest wall.
      const scale = rng.uniform(0.45, 0.65);
      const [hx, hy] = t.hilum(side);
      for (let i = 0; i < n; i++) {
        const x = film.x[i] as number;
        if (t.side(x) !== side) continue;
        const lung = film.lung[i] as number;
        if (lung === 0) continue;
        const y = film.y[i] as number;
        // Only lateral and apical: the lung stays on the mediastinum and, below the hilum, the diaphragm.
        const sx = (x - hx) * (side === 0 ? -1 : 1) > 0 ? hx + (x - hx) / scale : x;
        const sy = y < hy ? hy + (y - hy) / scale : y;
        const collapsed = t.lungAt(sx, sy);
        const air = lung * (1 - collapsed);
        // The visceral pleura: the collapsed lung's edge, where it runs inside the chest.
        const pleuralLine = 4 * collapsed * (1 - collapsed) * smoothstep(0.95, 1, lung);
        const visible = 1 - (film.heart[i] as number);
        film.density[i] = (film.density[i] as number) - 0.06 * air * visible + 0.03 * collapsed * lung + 0.15 * pleuralLine;
        film.markingsGain[i] = (film.markingsGain[i] as number) * (1 - air);
      }
      return;
    }
    case 'cavitation': {
      const side = randomSide(rng);
      const bilateral = rng.chance(0.4);
      const blobs: Blob[] = [];
      const count = rng.intBetween(3, 7);
      for (let k = 0; k < count; k++) {
        const s = bilateral && k % 2 === 1 ? ((1 - side) as 0 | 1) : side;
        const [zx, zy] = t.zoneCentre(s, 'upper');
        const r = rng.uniform(0.012, 0.025);
        blobs.push(drawBlob(rng, zx + rng.uniform(-0.07, 0.07), zy + rng.uniform(-0.05, 0.05), r, r, rng.uniform(0.18, 0.26), 0.1));
      }
      addBlobs(film, blobs, 1.5 * t.edge, (i) => 0.4 + 0.6 * (film.lung[i] as number));
      const [zx, zy] = t.zoneCentre(side, 'upper');
      const radius = rng.uniform(0.035, 0.055);
      const cx = zx + rng.uniform(-0.03, 0.03);
      const cy = zy + rng.uniform(-0.02, 0.03);
      addRing(film, cx, cy, radius, radius * rng.uniform(0.25, 0.4), rng.uniform(0.26, 0.32), 0.06);
      // Fibrotic strands pulling toward the hilum.
      const strands = new Float32Array(n);
      const [hx, hy] = t.hilum(side);
      for (let k = 0; k < 2; k++) {
        stampLine(film, strands, cx + rng.uniform(-0.02, 0.02), cy + radius, hx + rng.uniform(-0.02, 0.02), hy, 1, 0.4);
      }
      for (let i = 0; i < n; i++) film.density[i] = (film.density[i] as number) + 0.08 * Math.min(1, strands[i] as number);
      return;
    }
    case 'mass': {
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
      return;
    }
    case 'hilar_adenopathy': {
      const blobs: Blob[] = [];
      for (const side of [0, 1] as const) {
        const [hx, hy] = t.hilum(side);
        const s = side === 0 ? -1 : 1;
        const count = rng.intBetween(3, 5);
        for (let k = 0; k < count; k++) {
          const r = rng.uniform(0.018, 0.03);
          blobs.push(
            drawBlob(
              rng,
              hx + s * rng.uniform(0, 0.035),
              hy + rng.uniform(-0.05, 0.05),
              r,
              r * rng.uniform(0.85, 1.15),
              rng.uniform(0.18, 0.26),
              0.06,
            ),
          );
        }
      }
      if (rng.chance(0.5)) {
        // Right paratracheal node: the "1-2-3" sign.
        const r = rng.uniform(0.016, 0.024);
        blobs.push(drawBlob(rng, -(a.mediastinum + 0.005), a.hilumY - 0.12, r, r * 1.3, rng.uniform(0.15, 0.2), 0.05));
      }
      addBlobs(film, blobs, 1.5 * t.edge);
      return;
    }
    case 'hyperinflation': {
      // Sparse peripheral markings: vessels are pruned and spread out.
      for (let i = 0; i < n; i++) {
        const q = t.lateralFraction(film.x[i] as number, film.y[i] as number);
        film.markingsGain[i] = (film.markingsGain[i] as number) * (1 - 0.5 * smoothstep(0.4, 0.9, q));
      }
      return;
    }
    case 'bronchiectasis': {
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
      return;
    }
    case 'effusion': {
      addEffusion(t, film, randomSide(rng), rng.uniform(0.2, 0.3));
      return;
    }
  }
}

function assertPattern(pattern: string): asserts pattern is ImagePattern {
  if (!(IMAGE_PATTERNS as readonly string[]).includes(pattern)) {
    throw new ClinicalBertError(`unknown image pattern ${quote(pattern)}; valid: ${IMAGE_PATTERNS.join(', ')}`, {
      code: 'SYNTH_UNKNOWN_PATTERN',
    });
  }
}

/**
 * Render one frontal chest radiograph as 8-bit grayscale pixels (row-major, `size * size`).
 * Advances `rng`; the same rng state gives the same pixels.
 */
export function renderChestPixels(pattern: ImagePattern, rng: Random, size = 128): Uint8Array {
  assertPattern(pattern);
  if (!Number.isInteger(size) || size < MIN_SIZE || size > MAX_SIZE) {
    throw new ClinicalBertError(`image size must be an integer between ${MIN_SIZE} and ${MAX_SIZE}, got ${quote(size)}`, {
      code: 'SYNTH_BAD_IMAGE_SIZE',
    });
  }
  const anatomy = drawAnatomy(rng);
  reshape(pattern, anatomy, rng);
  const thorax = new Thorax(anatomy, size);
  const work = getWorkArrays(size);
  const film = makeFilm(thorax, work);
  paintBase(thorax, film);
  paintPattern(pattern, thorax, film, rng);

  const markings = vesselMarkings(thorax, film, work.markings);
  const mottle = parenchymaTexture(thorax, film, work.mottle);
  // The film's response curve, tabulated: a power per pixel costs more than the rest of the pass.
  const lutSteps = 512;
  const lutMax = 1.25;
  const lut = new Float32Array(lutSteps + 2);
  for (let k = 0; k <= lutSteps + 1; k++) {
    lut[k] = anatomy.offset + anatomy.gain * ((k / lutSteps) * lutMax) ** anatomy.gamma;
  }
  // Film grain from a xorshift32 stream seeded by the anatomy: inlined, it costs a fraction of a
  // method call per pixel, and the seed still fixes every value.
  let grain = anatomy.noiseSeed | 1;
  // The sum of two uniforms has a standard deviation of sqrt(1/6).
  const noiseScale = anatomy.noiseSd / Math.sqrt(1 / 6);
  const { density, markingsGain, lungVisible } = film;
  const out = new Uint8Array(size * size);
  for (let i = 0; i < out.length; i++) {
    const lungTexture = (markingsGain[i] as number) * (lungVisible[i] as number);
    const vessel = Math.min(1, markings[i] as number) + 1.6 * (mottle[i] as number);
    const v = Math.max(0, Math.min(lutMax, (density[i] as number) + 0.09 * vessel * lungTexture));
    const pos = (v / lutMax) * lutSteps;
    const k = Math.floor(pos);
    const lo = lut[k] as number;
    let level = lo + ((lut[k + 1] as number) - lo) * (pos - k);
    grain ^= grain << 13;
    grain ^= grain >>> 17;
    grain ^= grain << 5;
    // Two 16-bit uniforms from one draw: a triangular (near-Gaussian) grain.
    level += (((grain & 0xffff) + ((grain >>> 16) & 0xffff)) / 65536 - 1) * noiseScale;
    out[i] = (255 * Math.max(0, Math.min(1, level)) + 0.5) | 0;
  }
  return out;
}

/** Render one frontal chest radiograph as a grayscale PNG (`size` x `size`). */
export function renderChestImage(pattern: ImagePattern, rng: Random, size = 128): Buffer {
  return encodeGrayPng(renderChestPixels(pattern, rng, size), size, size);
}
