/**
 * @file The report's pictures as inline SVG: score bars, signed contribution bars, score
 * histograms, a line plot (the model card's accuracy against coverage), the image occlusion
 * overlay and the audio waveform with saliency bands.
 *
 * Inline SVG needs no script and no request, prints well and survives being mailed as one file.
 * Coordinates are rounded to two decimals so the same numbers give the same bytes. One colour
 * convention runs through the whole report: warm for evidence that supports the explained
 * prediction, blue for evidence against it, violet for attention (which is not evidence).
 */
import { html, joinHtml, safeDataImageUrl, type Html } from './escape.js';
import { fmtEffect, fmtSeconds } from './format.js';

export const SUPPORT_RGB = '217, 72, 15';
export const AGAINST_RGB = '37, 99, 235';
export const ATTENTION_RGB = '124, 58, 237';

const r2 = (x: number): number => Math.round(x * 100) / 100;
const clamp01 = (x: number): number => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);

/**
 * Occlusion effects below this never reach full colour: a record whose strongest piece moves the
 * score by 0.0002 must not look as decisive as one where it moves it by 0.3. Tints saturate at
 * max(this, the strongest effect); captions say so.
 */
export const MIN_EFFECT_SCALE = 0.05;

/** The value at which signed occlusion tints saturate. */
export function effectScale(weights: readonly number[]): number {
  return Math.max(MIN_EFFECT_SCALE, ...weights.map((w) => Math.abs(w)));
}

/** Background for a weight: hue by sign, opacity ∝ |weight| / maxAbs. */
export function weightFill(weight: number, maxAbs: number, rgb?: string, maxAlpha = 0.75): string {
  const alpha = maxAbs > 0 ? r2(clamp01(Math.abs(weight) / maxAbs) * maxAlpha) : 0;
  return `rgba(${rgb ?? (weight >= 0 ? SUPPORT_RGB : AGAINST_RGB)}, ${alpha})`;
}

/** A horizontal bar for a value in [0, max]; stretches to its container's width. */
export function barSvg(value: number, max = 1, tone: 'score' | 'count' = 'score'): Html {
  const w = max > 0 ? r2(clamp01(value / max) * 100) : 0;
  return html`<svg class="bar ${tone}" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true"><rect class="track" width="100" height="10" rx="1.5"></rect><rect class="fill" width="${w}" height="10" rx="1.5"></rect></svg>`;
}

/** A bar from a centre axis: right and warm for positive, left and blue for negative. */
export function signedBarSvg(value: number, maxAbs: number): Html {
  const w = maxAbs > 0 ? r2(clamp01(Math.abs(value) / maxAbs) * 50) : 0;
  const x = value >= 0 ? 50 : r2(50 - w);
  return html`<svg class="bar signed" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true"><rect class="track" width="100" height="10" rx="1.5"></rect><rect class="${value >= 0 ? 'pos' : 'neg'}" x="${x}" width="${w}" height="10"></rect><line class="axis" x1="50" x2="50" y1="0" y2="10"></line></svg>`;
}

/** Column chart of counts per bin over [0, 1] (top-1 score distribution). */
export function histogramSvg(bins: readonly number[], caption: string): Html {
  const max = Math.max(1, ...bins);
  const n = bins.length;
  const W = 200;
  const H = 60;
  const bw = W / n;
  const cols = bins.map((count, i) => {
    const h = r2((count / max) * (H - 4));
    const lo = i / n;
    const hi = (i + 1) / n;
    return html`<rect x="${r2(i * bw + 1)}" y="${r2(H - h)}" width="${r2(bw - 2)}" height="${h}"><title>${`${lo.toFixed(1)}–${hi.toFixed(1)}: ${count}`}</title></rect>`;
  });
  return html`<figure class="hist"><svg viewBox="0 0 ${W} ${H + 14}" role="img" aria-label="${caption}"><g class="cols">${cols}</g><line class="axis" x1="0" x2="${W}" y1="${H}" y2="${H}"></line><text x="0" y="${H + 12}">0</text><text x="${W / 2}" y="${H + 12}" text-anchor="middle">0.5</text><text x="${W}" y="${H + 12}" text-anchor="end">1</text></svg><figcaption>${caption}</figcaption></figure>`;
}

/** One point of a line plot over [0, 1]², with the tooltip text for its marker. */
export interface PlotPoint {
  x: number;
  y: number;
  title: string;
}

/**
 * A line plot over the unit square (e.g. accuracy against coverage): axes with ticks at 0, 0.5
 * and 1, a polyline through the points in the order given (values clamped to [0, 1]), and a small
 * square marker per point whose `<title>` is its tooltip. Texts are escaped like every value.
 */
export function lineChartSvg(points: readonly PlotPoint[], axes: { x: string; y: string }, caption: string): Html {
  const W = 320;
  const H = 200;
  const left = 36;
  const bottom = 30;
  const top = 8;
  const right = 10;
  const pw = W - left - right;
  const ph = H - top - bottom;
  const px = (x: number) => r2(left + clamp01(x) * pw);
  const py = (y: number) => r2(top + (1 - clamp01(y)) * ph);
  const ticks = [0, 0.5, 1].map(
    (t) =>
      html`<line class="grid" x1="${px(0)}" x2="${px(1)}" y1="${py(t)}" y2="${py(t)}"></line><line class="grid" x1="${px(t)}" x2="${px(t)}" y1="${py(0)}" y2="${py(1)}"></line><text x="${left - 4}" y="${r2(py(t) + 3.5)}" text-anchor="end">${String(t)}</text><text x="${px(t)}" y="${H - bottom + 13}" text-anchor="${t === 0 ? 'start' : t === 1 ? 'end' : 'middle'}">${String(t)}</text>`,
  );
  const line = points.map((p) => `${px(p.x)},${py(p.y)}`).join(' ');
  const markers = points.map(
    (p) => html`<rect x="${r2(px(p.x) - 2.5)}" y="${r2(py(p.y) - 2.5)}" width="5" height="5"><title>${p.title}</title></rect>`,
  );
  return html`<figure class="linechart"><svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${caption}"><g class="ticks">${ticks}</g><line class="axis" x1="${px(0)}" x2="${px(1)}" y1="${py(0)}" y2="${py(0)}"></line><line class="axis" x1="${px(0)}" x2="${px(0)}" y1="${py(0)}" y2="${py(1)}"></line>${points.length > 1 ? html`<polyline class="curve" points="${line}"></polyline>` : ''}<g class="markers">${markers}</g><text x="${r2(left + pw / 2)}" y="${H - 3}" text-anchor="middle">${axes.x}</text><text x="10" y="${r2(top + ph / 2)}" text-anchor="middle" transform="rotate(-90 10 ${r2(top + ph / 2)})">${axes.y}</text></svg><figcaption>${caption}</figcaption></figure>`;
}

/**
 * The model's input image with the occlusion grid over it: each cell tinted by how much
 * covering it lowered (warm) or raised (blue) the explained score.
 */
export function imageOverlaySvg(
  thumbnail: string,
  grid: number,
  cells: readonly number[],
  label: string,
  /** Id of an `<image>` already in the page (imagePlainSvg) to reuse instead of a second copy. */
  imageId?: string,
): Html | undefined {
  const url = safeDataImageUrl(thumbnail);
  if (!url) return undefined;
  const maxAbs = effectScale(cells);
  const rects: Html[] = [];
  cells.forEach((weight, i) => {
    if (weight === 0 || maxAbs === 0) return;
    const x = i % grid;
    const y = Math.floor(i / grid);
    rects.push(
      html`<rect x="${x}" y="${y}" width="1" height="1" fill="${weightFill(weight, maxAbs, undefined, 0.7)}"><title>${`row ${y + 1}, column ${x + 1}: ${fmtEffect(weight, 'covered')}`}</title></rect>`,
    );
  });
  const lines: string[] = [];
  for (let k = 1; k < grid; k++) lines.push(`M${k} 0V${grid}M0 ${k}H${grid}`);
  const picture = imageId
    ? html`<use href="#${imageId}"></use>`
    : html`<image href="${url}" x="0" y="0" width="${grid}" height="${grid}" preserveAspectRatio="none"></image>`;
  return html`<svg class="image-overlay" viewBox="0 0 ${grid} ${grid}" role="img" aria-label="${label}">${picture}<g class="cells">${rects}</g><path class="grid" d="${lines.join('')}" vector-effect="non-scaling-stroke"></path></svg>`;
}

/**
 * The plain input image, for comparison beside the overlay, in the overlay's coordinates so the
 * overlay can reuse it by `id` (the thumbnail is then stored once in the file).
 */
export function imagePlainSvg(thumbnail: string, grid: number, id: string, label: string): Html | undefined {
  const url = safeDataImageUrl(thumbnail);
  if (!url) return undefined;
  return html`<svg class="image-plain" viewBox="0 0 ${grid} ${grid}" role="img" aria-label="${label}"><image id="${id}" href="${url}" x="0" y="0" width="${grid}" height="${grid}" preserveAspectRatio="none"></image></svg>`;
}

/**
 * The waveform envelope (scaled to its peak) as a mirrored polyline, with each occluded segment
 * shaded by its weight and a seconds axis below.
 */
export function waveformSvg(
  envelope: readonly number[],
  seconds: number,
  segments: readonly { start: number; end: number; weight: number }[],
  label: string,
): Html {
  const W = 720;
  const H = 120;
  const mid = H / 2;
  const peak = Math.max(1e-9, ...envelope.map((e) => Math.abs(e)));
  const n = envelope.length;
  const xs = (i: number) => r2(n <= 1 ? 0 : (i / (n - 1)) * W);
  const top = envelope.map((e, i) => `${xs(i)},${r2(mid - (Math.abs(e) / peak) * (mid - 4))}`);
  const bottom = envelope.map((e, i) => `${xs(i)},${r2(mid + (Math.abs(e) / peak) * (mid - 4))}`).reverse();
  const maxAbs = effectScale(segments.map((s) => s.weight));
  const bands = segments.map((s) => {
    const x = r2((s.start / seconds) * W);
    const w = r2(((s.end - s.start) / seconds) * W);
    return html`<rect x="${x}" y="0" width="${w}" height="${H}" fill="${weightFill(s.weight, maxAbs, undefined, 0.55)}"><title>${`${s.start.toFixed(2)}–${s.end.toFixed(2)} s: ${fmtEffect(s.weight, 'silenced')}`}</title></rect>`;
  });
  const step = seconds <= 12 ? 1 : seconds <= 60 ? 5 : Math.ceil(seconds / 12 / 10) * 10;
  const ticks: Html[] = [];
  for (let t = 0; t <= seconds + 1e-9; t += step) {
    const x = r2((t / seconds) * W);
    const anchor = t === 0 ? 'start' : x >= W - 1 ? 'end' : 'middle';
    ticks.push(
      html`<line class="tick" x1="${x}" x2="${x}" y1="${H}" y2="${H + 4}"></line><text x="${x}" y="${H + 16}" text-anchor="${anchor}">${fmtSeconds(t)}</text>`,
    );
  }
  const wave =
    n > 0
      ? html`<polygon class="wave" points="${[...top, ...bottom].join(' ')}"></polygon><polyline class="wave-line" points="${top.join(' ')}"></polyline><polyline class="wave-line" points="${bottom.join(' ')}"></polyline>`
      : html``;
  return html`<svg class="waveform" viewBox="0 0 ${W} ${H + 20}" role="img" aria-label="${label}"><rect class="wave-bg" width="${W}" height="${H}"></rect><g class="bands">${bands}</g>${wave}<line class="axis" x1="0" x2="${W}" y1="${mid}" y2="${mid}"></line>${joinHtml(ticks)}</svg>`;
}

/** A colour ramp key: "against ← 0 → supports". */
export function legendRamp(kind: 'signed' | 'attention'): Html {
  if (kind === 'attention') {
    return html`<span class="ramp"><span class="swatch" style="background:${weightFill(0.25, 1, ATTENTION_RGB)}"></span><span class="swatch" style="background:${weightFill(1, 1, ATTENTION_RGB)}"></span> more attention</span>`;
  }
  return html`<span class="ramp"><span class="swatch" style="background:${weightFill(-1, 1)}"></span><span class="swatch" style="background:${weightFill(-0.3, 1)}"></span> against · supports <span class="swatch" style="background:${weightFill(0.3, 1)}"></span><span class="swatch" style="background:${weightFill(1, 1)}"></span></span>`;
}
