/**
 * @file Decodes the first frame of a DICOM image to 8-bit grayscale.
 *
 * Why hand-rolled pixel handling on top of dicom-parser: the parser gives us elements, not
 * pictures. Uncompressed pixel data (8/16-bit, signed or not, little or big endian, monochrome,
 * RGB or palette colour) with rescale slope/intercept and the stored window covers what clinics
 * export as plain DICOM; compressed transfer syntaxes (JPEG, JPEG 2000, RLE) are refused with a
 * message that names them rather than decoded wrongly. Objects without pixels (structured
 * reports, ECG waveforms) are named too.
 *
 * Budgets (issue 11): a deflated transfer syntax is inflated with an output cap (a 1 MB file can
 * inflate to 4 GB), and rows × columns is checked against a pixel budget before any pixel is
 * read. Exceeding either is a MediaError: the attachment is dropped with a warning on the record.
 */
import { inflateRawSync } from 'node:zlib';
import type * as DicomParser from 'dicom-parser';
import { lazyRequire } from '../util/lazy-require.js';
import { MediaError } from './errors.js';

/** dicom-parser, loaded by the first DICOM attachment (most runs have none). */
const dicomParser = lazyRequire<typeof DicomParser>('dicom-parser');

const TRANSFER_SYNTAXES: Record<string, { name: string; supported: boolean }> = {
  '1.2.840.10008.1.2': { name: 'Implicit VR Little Endian', supported: true },
  '1.2.840.10008.1.2.1': { name: 'Explicit VR Little Endian', supported: true },
  '1.2.840.10008.1.2.1.99': { name: 'Deflated Explicit VR Little Endian', supported: true },
  '1.2.840.10008.1.2.2': { name: 'Explicit VR Big Endian', supported: true },
  '1.2.840.10008.1.2.4.50': { name: 'JPEG Baseline', supported: false },
  '1.2.840.10008.1.2.4.51': { name: 'JPEG Extended (12-bit)', supported: false },
  '1.2.840.10008.1.2.4.57': { name: 'JPEG Lossless', supported: false },
  '1.2.840.10008.1.2.4.70': { name: 'JPEG Lossless SV1', supported: false },
  '1.2.840.10008.1.2.4.80': { name: 'JPEG-LS Lossless', supported: false },
  '1.2.840.10008.1.2.4.81': { name: 'JPEG-LS Near-lossless', supported: false },
  '1.2.840.10008.1.2.4.90': { name: 'JPEG 2000 Lossless', supported: false },
  '1.2.840.10008.1.2.4.91': { name: 'JPEG 2000', supported: false },
  '1.2.840.10008.1.2.5': { name: 'RLE Lossless', supported: false },
};

const NO_PIXEL_MODALITIES: Record<string, string> = {
  SR: 'a structured report',
  ECG: 'an ECG waveform',
  RTDOSE: 'a radiotherapy dose grid',
};

export interface GrayImage {
  width: number;
  height: number;
  /** Row-major 8-bit luminance. */
  pixels: Uint8Array;
  /** Modality (0008,0060), e.g. `DX`, `CT`, when the file names it. */
  modality?: string;
  /** Body Part Examined (0018,0015), e.g. `CHEST`, when the file names it. */
  bodyPart?: string;
}

/** Most bytes a Deflated Explicit VR Little Endian data set may inflate to (256 MiB). */
export const MAX_DICOM_INFLATED_BYTES = 256 * 1024 * 1024;
/**
 * Most pixels (width × height) an image decoder may produce (64 megapixels: 8192 × 8192; a large
 * digital radiograph is about 4300 × 3500). Shared with sharp's `limitInputPixels` in image.ts.
 */
export const MAX_IMAGE_PIXELS = 64 * 1024 * 1024;

/** What decoding one image may cost (`--max-inflate-mb`, `--max-megapixels`); also the budget of PNG and JPEG (image.ts). */
export interface DicomBudget {
  /** Inflate cap for deflated data sets, in bytes (default MAX_DICOM_INFLATED_BYTES). */
  maxInflatedBytes?: number;
  /** Pixel budget, rows × columns (default MAX_IMAGE_PIXELS). */
  maxPixels?: number;
}

/** A parse error's text: dicom-parser throws strings and `{ exception }` objects, not only Errors. */
function causeText(cause: unknown): string {
  if (typeof cause === 'string') return cause;
  if (cause instanceof Error) return cause.message;
  const exception = (cause as { exception?: unknown } | null)?.exception;
  return typeof exception === 'string' ? exception : 'unknown error';
}

export function isDicom(bytes: Uint8Array): boolean {
  return bytes.length > 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;
}

/**
 * `bytes` as raw-deflate stored blocks, none final: inflated ahead of a deflate stream (which
 * starts on a byte boundary, where a stored block ends) they give `bytes` then the stream's output.
 */
function storedBlocks(bytes: Uint8Array): Buffer {
  const parts: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += 0xffff) {
    const piece = bytes.subarray(at, at + 0xffff);
    const head = Buffer.alloc(5); // BFINAL 0, BTYPE 00 (stored), padding; LEN; NLEN
    head.writeUInt16LE(piece.length, 1);
    head.writeUInt16LE(~piece.length & 0xffff, 3);
    parts.push(head, piece);
  }
  return Buffer.concat(parts);
}

export function decodeDicom(bytes: Uint8Array, budget: DicomBudget = {}): GrayImage {
  const maxInflated = budget.maxInflatedBytes ?? MAX_DICOM_INFLATED_BYTES;
  const maxPixels = budget.maxPixels ?? MAX_IMAGE_PIXELS;
  let dataSet: DicomParser.DataSet;
  try {
    dataSet = dicomParser().parseDicom(bytes, {
      inflater: (buffer: Uint8Array, position: number) => {
        let inflated: Buffer;
        try {
          // the bytes before `position` (preamble and meta header) go first, as stored blocks, so
          // the one buffer inflated is the whole byte array dicom-parser reads: no copy of it
          const stream = Buffer.concat([storedBlocks(buffer.subarray(0, position)), buffer.subarray(position)]);
          inflated = inflateRawSync(stream, { maxOutputLength: maxInflated + position });
        } catch (cause) {
          if ((cause as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || cause instanceof RangeError) {
            throw new MediaError(`deflated DICOM data set inflates past the ${maxInflated}-byte budget (--max-inflate-mb); not decoded`, {
              code: 'DICOM_TOO_LARGE',
            });
          }
          throw cause;
        }
        return new Uint8Array(inflated.buffer, inflated.byteOffset, inflated.length);
      },
    } as DicomParser.ParseDicomOptions);
  } catch (cause) {
    if (cause instanceof MediaError) throw cause;
    throw new MediaError(`not a readable DICOM file (${causeText(cause)})`, { code: 'DICOM_PARSE', cause });
  }
  const syntax = dataSet.string('x00020010')?.trim() ?? '1.2.840.10008.1.2';
  const known = TRANSFER_SYNTAXES[syntax];
  const modality = dataSet.string('x00080060')?.trim() ?? '';
  const pixelElement = dataSet.elements.x7fe00010;
  if (!pixelElement) {
    const what = NO_PIXEL_MODALITIES[modality];
    throw new MediaError(`DICOM object has no image pixels${what ? ` (it is ${what})` : ''}`, { code: 'DICOM_NO_PIXELS' });
  }
  if (!known?.supported) {
    throw new MediaError(
      `DICOM transfer syntax ${syntax}${known ? ` (${known.name})` : ''} is compressed and not supported; ` +
        `supported: ${Object.entries(TRANSFER_SYNTAXES)
          .filter(([, v]) => v.supported)
          .map(([, v]) => v.name)
          .join(', ')}`,
      { code: 'DICOM_UNSUPPORTED_SYNTAX' },
    );
  }
  const rows = dataSet.uint16('x00280010') ?? 0;
  const columns = dataSet.uint16('x00280011') ?? 0;
  const bitsAllocated = dataSet.uint16('x00280100') ?? 16;
  const samples = dataSet.uint16('x00280002') ?? 1;
  const signed = (dataSet.uint16('x00280103') ?? 0) === 1;
  const planar = dataSet.uint16('x00280006') ?? 0;
  const photometric = dataSet.string('x00280004')?.trim() ?? 'MONOCHROME2';
  if (rows === 0 || columns === 0) throw new MediaError('DICOM image has no rows or columns', { code: 'DICOM_NO_PIXELS' });
  const count = rows * columns;
  if (count > maxPixels) {
    throw new MediaError(
      `DICOM image of ${columns} × ${rows} pixels is over the ${maxPixels}-pixel budget (--max-megapixels); not decoded`,
      {
        code: 'IMAGE_TOO_LARGE',
      },
    );
  }
  const frameBytes = (count * samples * bitsAllocated) / 8;
  if (pixelElement.length < frameBytes) {
    throw new MediaError(`DICOM pixel data is truncated (${pixelElement.length} of ${frameBytes} bytes)`, { code: 'DICOM_TRUNCATED' });
  }
  const data = new DataView(dataSet.byteArray.buffer, dataSet.byteArray.byteOffset + pixelElement.dataOffset, frameBytes);
  const littleEndian = syntax !== '1.2.840.10008.1.2.2';
  const read = (index: number): number => {
    if (bitsAllocated === 8) return signed ? data.getInt8(index) : data.getUint8(index);
    if (bitsAllocated === 16) return signed ? data.getInt16(index * 2, littleEndian) : data.getUint16(index * 2, littleEndian);
    if (bitsAllocated === 32) return signed ? data.getInt32(index * 4, littleEndian) : data.getUint32(index * 4, littleEndian);
    throw new MediaError(`DICOM BitsAllocated ${bitsAllocated} is not supported (8, 16 or 32)`, { code: 'DICOM_UNSUPPORTED_SYNTAX' });
  };

  // Each pixel's value, as a float32 (what a Float32Array of them held), computed where needed
  // rather than stored: at the pixel budget a stored copy took 256 MiB more (4 bytes a pixel).
  let value: (i: number) => number;
  if (samples === 3) {
    value = (i) => {
      const [r, g, b] = planar === 1 ? [read(i), read(i + count), read(i + 2 * count)] : [read(3 * i), read(3 * i + 1), read(3 * i + 2)];
      return Math.fround(0.299 * r + 0.587 * g + 0.114 * b);
    };
  } else if (photometric === 'PALETTE COLOR') {
    const lut = (tag: string) => {
      const el = dataSet.elements[tag];
      if (!el) return undefined;
      const n = el.length / 2;
      return Array.from({ length: n }, (_, k) => dataSet.uint16(tag, k) ?? 0);
    };
    const [red, green, blue] = [lut('x00281201'), lut('x00281202'), lut('x00281203')];
    const first = dataSet.uint16('x00281101', 1) ?? 0;
    value = (i) => {
      const k = Math.max(0, read(i) - first);
      return Math.fround(red && green && blue ? 0.299 * (red[k] ?? 0) + 0.587 * (green[k] ?? 0) + 0.114 * (blue[k] ?? 0) : read(i));
    };
  } else {
    const slope = Number(dataSet.string('x00281053') ?? 1) || 1;
    const intercept = Number(dataSet.string('x00281052') ?? 0) || 0;
    value = (i) => Math.fround(read(i) * slope + intercept);
  }

  // Window: the stored one when present, else the full range of the values.
  let lo = Infinity;
  let hi = -Infinity;
  const center = Number(dataSet.string('x00281050')?.split('\\')[0]);
  const width = Number(dataSet.string('x00281051')?.split('\\')[0]);
  if (samples === 1 && photometric !== 'PALETTE COLOR' && Number.isFinite(center) && Number.isFinite(width) && width > 1) {
    lo = center - width / 2;
    hi = center + width / 2;
  } else {
    for (let i = 0; i < count; i++) {
      const v = value(i);
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  const span = hi - lo || 1;
  const pixels = new Uint8Array(count);
  const invert = photometric === 'MONOCHROME1';
  for (let i = 0; i < count; i++) {
    const v = Math.round((Math.min(hi, Math.max(lo, value(i))) - lo) * (255 / span));
    pixels[i] = invert ? 255 - v : v;
  }
  const bodyPart = dataSet.string('x00180015')?.trim();
  return { width: columns, height: rows, pixels, ...(modality ? { modality } : {}), ...(bodyPart ? { bodyPart } : {}) };
}
