/**
 * @file Simple region statistics over grayscale pixels, for checking the synthetic chest images.
 *
 * Regions are given in image fractions (0..1 across, 0..1 down) so the checks read like the
 * radiology they stand for ("right lower zone", "perihilar") and survive a change of image size.
 * The layout is a PA film: the patient's right lung is on the image left.
 */

export interface Gray {
  pixels: Uint8Array;
  size: number;
}

export interface Region {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

export const region = (x0: number, x1: number, y0: number, y1: number): Region => ({ x0, x1, y0, y1 });

/** The same region mirrored across the midline: the other lung. */
export const mirror = (r: Region): Region => ({ x0: 1 - r.x1, x1: 1 - r.x0, y0: r.y0, y1: r.y1 });

function bounds(size: number, r: Region): [number, number, number, number] {
  return [Math.round(r.x0 * size), Math.round(r.x1 * size), Math.round(r.y0 * size), Math.round(r.y1 * size)];
}

export function regionMean(img: Gray, r: Region): number {
  const [x0, x1, y0, y1] = bounds(img.size, r);
  let sum = 0;
  let count = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      sum += img.pixels[y * img.size + x] as number;
      count++;
    }
  }
  return sum / count;
}

/**
 * Fine texture: the mean squared difference between each pixel and the mean of its 3x3
 * neighbourhood. Smooth gradients (haze, domes) barely move it; lines, rings and nets do.
 */
export function regionTexture(img: Gray, r: Region): number {
  const [x0, x1, y0, y1] = bounds(img.size, r);
  const { pixels, size } = img;
  let sum = 0;
  let count = 0;
  for (let y = Math.max(1, y0); y < Math.min(size - 1, y1); y++) {
    for (let x = Math.max(1, x0); x < Math.min(size - 1, x1); x++) {
      let local = 0;
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) local += pixels[(y + dy) * size + x + dx] as number;
      const diff = (pixels[y * size + x] as number) - local / 9;
      sum += diff * diff;
      count++;
    }
  }
  return sum / count;
}

/**
 * The same fine texture over the pixels of a mask whose whole 3x3 neighbourhood lies in the mask,
 * so the mask's own border (a pleural line, say) does not count.
 */
export function maskTexture(img: Gray, mask: Uint8Array): { texture: number; pixels: number } {
  const { pixels, size } = img;
  let sum = 0;
  let count = 0;
  for (let y = 1; y < size - 1; y++) {
    for (let x = 1; x < size - 1; x++) {
      let inside = true;
      let local = 0;
      for (let dy = -1; dy <= 1 && inside; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const k = (y + dy) * size + x + dx;
          if (!mask[k]) {
            inside = false;
            break;
          }
          local += pixels[k] as number;
        }
      }
      if (!inside) continue;
      const diff = (pixels[y * size + x] as number) - local / 9;
      sum += diff * diff;
      count++;
    }
  }
  return { texture: count ? sum / count : NaN, pixels: count };
}

function median(values: number[]): number {
  const sorted = values.slice().sort((p, q) => p - q);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/**
 * Heart width and thoracic width (in pixels) along one row, as a radiologist measures the
 * cardiothoracic ratio. The row is smoothed (5 rows, 3 columns) so single noisy pixels do not
 * decide an edge. The heart is the bright run around the midline, its edge where the profile falls
 * halfway to the lung level; the thorax spans the inner edges of the chest wall, found coming in
 * from each side where the profile falls halfway from the chest wall's peak to the lung level.
 */
export function cardiacWidths(img: Gray, rowFraction: number): { heart: number; thorax: number } {
  const { pixels, size } = img;
  const y = Math.round(rowFraction * size);
  const profile: number[] = [];
  for (let x = 0; x < size; x++) {
    let sum = 0;
    let count = 0;
    for (let dy = -2; dy <= 2; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        const xx = Math.min(size - 1, Math.max(0, x + dx));
        sum += pixels[(y + dy) * size + xx] as number;
        count++;
      }
    }
    profile.push(sum / count);
  }
  const at = (f: number): number => Math.round(f * size);
  const heartLevel = median(profile.slice(at(0.54), at(0.58)));
  const result: number[] = [];
  const walls: number[] = [];
  for (const side of [-1, 1]) {
    // The darkest tenth of this half of the chest is lung, however much of it the heart covers.
    const half = (side < 0 ? profile.slice(at(0.14), at(0.46)) : profile.slice(at(0.54), at(0.86))).sort((p, q) => p - q);
    const lung = half[Math.floor(half.length / 10)] as number;
    const heartThreshold = (heartLevel + lung) / 2;
    let x = at(0.56);
    while (x > 0 && x < size - 1 && (profile[x] as number) >= heartThreshold) x += side;
    result.push(x);
    const outer = side < 0 ? profile.slice(0, at(0.25)) : profile.slice(at(0.75));
    const wallThreshold = (Math.max(...outer) + lung) / 2;
    // Come in from the film's edge: past the dark background, over the chest wall, into the lung.
    let w = side < 0 ? 1 : size - 2;
    while (w > 0 && w < size - 1 && (profile[w] as number) < wallThreshold) w -= side;
    while (w > 0 && w < size - 1 && (profile[w] as number) >= wallThreshold) w -= side;
    walls.push(w);
  }
  return {
    heart: (result[1] as number) - (result[0] as number),
    thorax: (walls[1] as number) - (walls[0] as number),
  };
}

export function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}
