/**
 * @file A minimal PNG encoder for 8-bit grayscale images, written for the record generator.
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

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

/**
 * Filter every scanline with each of PNG's five filters and keep the one with the smallest sum of
 * absolute (signed) residuals: the heuristic the PNG specification recommends, and deterministic.
 */
function filterScanlines(pixels: Uint8Array, width: number, height: number): Uint8Array {
  const stride = width + 1;
  const out = new Uint8Array(stride * height);
  const candidate = new Uint8Array(width);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    const prev = (y - 1) * width;
    let bestScore = Infinity;
    for (let filter = 0; filter <= 4; filter++) {
      let score = 0;
      for (let x = 0; x < width; x++) {
        const cur = pixels[row + x] as number;
        const left = x > 0 ? (pixels[row + x - 1] as number) : 0;
        const up = y > 0 ? (pixels[prev + x] as number) : 0;
        const upLeft = x > 0 && y > 0 ? (pixels[prev + x - 1] as number) : 0;
        let predicted: number;
        switch (filter) {
          case 0:
            predicted = 0;
            break;
          case 1:
            predicted = left;
            break;
          case 2:
            predicted = up;
            break;
          case 3:
            predicted = (left + up) >> 1;
            break;
          default:
            predicted = paeth(left, up, upLeft);
        }
        const residual = (cur - predicted) & 0xff;
        candidate[x] = residual;
        score += residual < 128 ? residual : 256 - residual;
        // A filter already worse than the best so far is abandoned; its row is never copied.
        if (score >= bestScore) break;
      }
      if (score < bestScore) {
        bestScore = score;
        out[y * stride] = filter;
        out.set(candidate, y * stride + 1);
      }
    }
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
    throw new ClinicalBertError(
      `PNG pixel buffer holds ${pixels.length} bytes but ${width}x${height} needs ${width * height}`,
      { code: 'SYNTH_BAD_IMAGE_SIZE' },
    );
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
