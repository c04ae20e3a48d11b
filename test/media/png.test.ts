import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { inflateSync, crc32 as zlibCrc32 } from 'node:zlib';
import { crc32, encodeGrayPng } from '../../src/media/png.js';
import { ClinicalBertError } from '../../src/util/errors.js';
import { Random } from '../../src/util/random.js';

/**
 * Decode with sharp. sharp reports a grayscale PNG as one channel but converts raw output to sRGB
 * unless asked to keep it in its black-and-white colour space.
 */
async function decode(png: Buffer): Promise<{ data: Buffer; width: number; height: number; channels: number }> {
  const meta = await sharp(png).metadata();
  expect(meta.space).toBe('b-w');
  const { data, info } = await sharp(png).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
  expect(info.channels).toBe(1);
  return { data, width: info.width, height: info.height, channels: meta.channels };
}

function randomPixels(seed: number, width: number, height: number): Uint8Array {
  const rng = new Random(seed);
  const pixels = new Uint8Array(width * height);
  for (let i = 0; i < pixels.length; i++) pixels[i] = rng.int(256);
  return pixels;
}

describe('crc32', () => {
  it('matches the check value of the CRC-32 specification', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('matches node:zlib on arbitrary bytes', () => {
    const bytes = randomPixels(3, 1000, 1);
    expect(crc32(bytes)).toBe(zlibCrc32(bytes));
    expect(crc32(new Uint8Array(0))).toBe(0);
  });
});

describe('encodeGrayPng', () => {
  it('writes a PNG that sharp decodes to exactly the input pixels', async () => {
    // Odd sizes and random pixels exercise every filter and the row edges.
    for (const [w, h] of [
      [1, 1],
      [7, 3],
      [128, 128],
      [33, 65],
    ] as const) {
      const pixels = randomPixels(w * 1000 + h, w, h);
      const decoded = await decode(encodeGrayPng(pixels, w, h));
      expect(decoded.width).toBe(w);
      expect(decoded.height).toBe(h);
      expect(decoded.channels).toBe(1);
      expect(Buffer.from(pixels).equals(decoded.data)).toBe(true);
    }
  });

  it('decodes to the same gray level in each channel when sharp converts to sRGB', async () => {
    const pixels = randomPixels(11, 20, 10);
    const { data, info } = await sharp(encodeGrayPng(pixels, 20, 10))
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect(info.channels).toBe(3);
    for (let i = 0; i < pixels.length; i++) {
      expect([data[3 * i], data[3 * i + 1], data[3 * i + 2]]).toEqual([pixels[i], pixels[i], pixels[i]]);
    }
  });

  it('round-trips smooth images, where the predictive filters win', async () => {
    const w = 64;
    const h = 48;
    const pixels = new Uint8Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) pixels[y * w + x] = (x * 3 + y * 2) & 0xff;
    const png = encodeGrayPng(pixels, w, h);
    // A gradient compresses to a small fraction of its raw size once filtered.
    expect(png.length).toBeLessThan((w * h) / 4);
    expect(Buffer.from(pixels).equals((await decode(png)).data)).toBe(true);
  });

  it('round-trips rows under every filter type, Paeth and Average included', async () => {
    // A smooth image with a little noise: different rows favour different filters.
    const w = 96;
    const h = 96;
    const rng = new Random(21);
    const pixels = new Uint8Array(w * h);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const smooth = 128 + 60 * Math.sin(x / (5 + (y % 7))) * Math.cos(y / 9) + (y % 3 === 0 ? x : 0);
        pixels[y * w + x] = Math.max(0, Math.min(255, Math.round(smooth + rng.normal(0, y % 2 ? 1 : 6))));
      }
    }
    const png = encodeGrayPng(pixels, w, h);
    // The IDAT chunk starts after the signature (8) and IHDR (25); its data holds the filter bytes.
    const length = png.readUInt32BE(33);
    expect(png.toString('latin1', 37, 41)).toBe('IDAT');
    const raw = inflateSync(png.subarray(41, 41 + length));
    const used = new Set<number>();
    for (let y = 0; y < h; y++) used.add(raw[y * (w + 1)] as number);
    // Sub, Up, Average and Paeth all chosen somewhere, so the round trip checks each of them.
    for (const filter of [1, 2, 3, 4]) expect(used.has(filter), `filter ${filter}`).toBe(true);
    expect(Buffer.from(pixels).equals((await decode(png)).data)).toBe(true);
  });

  it('writes the PNG signature and an 8-bit grayscale header', () => {
    const png = encodeGrayPng(new Uint8Array(6), 3, 2);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.toString('latin1', 12, 16)).toBe('IHDR');
    expect(png.readUInt32BE(16)).toBe(3);
    expect(png.readUInt32BE(20)).toBe(2);
    expect(png[24]).toBe(8);
    expect(png[25]).toBe(0);
    expect(png.toString('latin1', png.length - 8, png.length - 4)).toBe('IEND');
  });

  it('gives the same bytes for the same pixels and different bytes for different pixels', () => {
    const a = randomPixels(1, 40, 40);
    const b = a.slice();
    b[123] = ((b[123] as number) + 1) & 0xff;
    expect(encodeGrayPng(a, 40, 40).equals(encodeGrayPng(a.slice(), 40, 40))).toBe(true);
    expect(encodeGrayPng(a, 40, 40).equals(encodeGrayPng(b, 40, 40))).toBe(false);
  });

  it('rejects a size that does not match the pixels, naming the sizes', () => {
    expect(() => encodeGrayPng(new Uint8Array(10), 3, 3)).toThrow(/10 bytes but 3x3 needs 9/);
    expect(() => encodeGrayPng(new Uint8Array(0), 0, 0)).toThrow(ClinicalBertError);
    expect(() => encodeGrayPng(new Uint8Array(4), 2.5, 2)).toThrow(/width must be an integer.*"2.5"/);
  });
});
