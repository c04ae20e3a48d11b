/**
 * @file A minimal PNG encoder for 8-bit grayscale images: the record generator's chest films and
 * the explanations' saliency maps.
 *
 * Why here: it is an image codec, and media/ is the layer for codecs that both the generator
 * (synth/) and the explanations (explain/) may import; explanations must not depend on synth/.
 *
 * Why not sharp: the generator promises "same seed, same bytes", and an image library's encoder
 * may change its filter choice or its zlib settings between releases. Here every byte is chosen
 * by this file: fixed filter heuristic, fixed deflate options, no timestamps or text chunks.
 * The output is identical for identical input on a given Node.js release (Node bundles its own
 * zlib, so a different zlib in a future Node could still change the compressed stream; the
 * decoded pixels never change).
 */
import { deflateSync, constants as zlibConstants } from 'node:zlib';
import { ClinicalBertError, quote } from '../util/errors.js';

/** PNG's limit is 2^31-1; ours keeps an accidental huge allocation from looking like a hang. */
const MAX_SIDE = 16384;

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Fixed so the compressed stream depends on the pixels only. */
const DEFLATE_OPTIONS = {
  level: 9,
  memLevel: 9,
  windowBits: 15,
  strategy: zlibConstants.Z_DEFAULT_STRATEGY,
} as const;

let crcTable: Uint32Array | undefined;

function getCrcTable(): Uint32Array {
  if (crcTable) return crcTable;
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  crcTable = table;
  return table;
}

/** CRC-32 (ISO 3309, as PNG chunks use it) over `bytes`. */
export function crc32(bytes: Uint8Array): number {
  const table = getCrcTable();
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) {
    c = (table[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  }
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  // The CRC covers the type and the data, not the length.
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** A residual byte read as a signed difference, in absolute value (branch-free: see below). */
function magnitude(r: number): number {
  return Math.abs((r << 24) >> 24);
}

/**
 * Filter every scanline with each of PNG's five filters and keep the one with the smallest sum of
 * absolute (signed) residuals: the heuristic the PNG specification recommends, and deterministic
 * (ties go to the lower filter number). All five are computed and scored in one pass per row.
 */
function filterScanlines(pixels: Uint8Array, width: number, height: number): Uint8Array {
  const stride = width + 1;
  const out = new Uint8Array(stride * height);
  const rows = new Uint8Array(5 * width);
  for (let y = 0; y < height; y++) {
    const base = y * width;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let s4 = 0;
    for (let x = 0; x < width; x++) {
      const c = pixels[base + x] as number;
      // Outside the image (left of the first column, above the first row) counts as zero.
      const left = x > 0 ? (pixels[base + x - 1] as number) : 0;
      const above = y > 0 ? (pixels[base - width + x] as number) : 0;
      const diag = x > 0 && y > 0 ? (pixels[base - width + x - 1] as number) : 0;
      // Paeth: predict from whichever neighbour is closest to left + above - diag. Written
      // without branches: on noisy images the branches mispredict, which doubled the time.
      const pa = Math.abs(above - diag);
      const pb = Math.abs(left - diag);
      const pc = Math.abs(left + above - 2 * diag);
      const useLeft = Number(pa <= pb) & Number(pa <= pc);
      const useAbove = (1 - useLeft) & Number(pb <= pc);
      const predicted = useLeft * left + useAbove * above + (1 - useLeft - useAbove) * diag;
      const r1 = (c - left) & 0xff;
      const r2 = (c - above) & 0xff;
      const r3 = (c - ((left + above) >> 1)) & 0xff;
      const r4 = (c - predicted) & 0xff;
      rows[x] = c;
      rows[width + x] = r1;
      rows[2 * width + x] = r2;
      rows[3 * width + x] = r3;
      rows[4 * width + x] = r4;
      s0 += magnitude(c);
      s1 += magnitude(r1);
      s2 += magnitude(r2);
      s3 += magnitude(r3);
      s4 += magnitude(r4);
    }
    let best = 0;
    let bestScore = s0;
    if (s1 < bestScore) {
      best = 1;
      bestScore = s1;
    }
    if (s2 < bestScore) {
      best = 2;
      bestScore = s2;
    }
    if (s3 < bestScore) {
      best = 3;
      bestScore = s3;
    }
    if (s4 < bestScore) best = 4;
    out[y * stride] = best;
    out.set(rows.subarray(best * width, (best + 1) * width), y * stride + 1);
  }
  return out;
}

/**
 * Encode row-major 8-bit grayscale pixels (`width * height` bytes, top row first) as a PNG file.
 * Same input, same bytes.
 */
export function encodeGrayPng(pixels: Uint8Array, width: number, height: number): Buffer {
  for (const [name, value] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!Number.isInteger(value) || value < 1 || value > MAX_SIDE) {
      throw new ClinicalBertError(`PNG ${name} must be an integer between 1 and ${MAX_SIDE}, got ${quote(value)}`, {
        code: 'SYNTH_BAD_IMAGE_SIZE',
      });
    }
  }
  if (pixels.length !== width * height) {
    throw new ClinicalBertError(`PNG pixel buffer holds ${pixels.length} bytes but ${width}x${height} needs ${width * height}`, {
      code: 'SYNTH_BAD_IMAGE_SIZE',
    });
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 0; // colour type: grayscale
  header[10] = 0; // compression: deflate
  header[11] = 0; // filter method: adaptive
  header[12] = 0; // no interlace
  const compressed = deflateSync(filterScanlines(pixels, width, height), DEFLATE_OPTIONS);
  return Buffer.concat([SIGNATURE, chunk('IHDR', header), chunk('IDAT', compressed), chunk('IEND', new Uint8Array(0))]);
}
