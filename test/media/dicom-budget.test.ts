/**
 * @file DICOM budgets (issue 11, item 2): a deflated data set is inflated with an output cap, and
 * rows × columns is checked against a pixel budget before any pixel is read. The DICOM files are
 * built here, byte by byte; small caps are passed as options so the tests stay small.
 */
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeDicom } from '../../src/media/dicom.js';

/** One explicit VR little endian element. */
function element(group: number, elem: number, vr: string, value: Buffer): Buffer {
  const long = ['OB', 'OW', 'UN', 'SQ', 'UT'].includes(vr);
  const head = Buffer.alloc(long ? 12 : 8);
  head.writeUInt16LE(group, 0);
  head.writeUInt16LE(elem, 2);
  head.write(vr, 4, 'latin1');
  if (long) head.writeUInt32LE(value.length, 8);
  else head.writeUInt16LE(value.length, 6);
  return Buffer.concat([head, value]);
}
const us = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
};
const ui = (s: string) => Buffer.from(s.length % 2 ? `${s}\0` : s, 'latin1');

/** A monochrome 8-bit DICOM of `rows` × `columns`, its data set deflated when `deflated`. */
function dicom(rows: number, columns: number, deflated: boolean): Uint8Array {
  const syntax = deflated ? '1.2.840.10008.1.2.1.99' : '1.2.840.10008.1.2.1';
  const metaBody = element(0x0002, 0x0010, 'UI', ui(syntax));
  const groupLength = Buffer.alloc(4);
  groupLength.writeUInt32LE(metaBody.length);
  const meta = Buffer.concat([element(0x0002, 0x0000, 'UL', groupLength), metaBody]);
  const pixels = Buffer.alloc(rows * columns, 7);
  const dataSet = Buffer.concat([
    element(0x0028, 0x0002, 'US', us(1)),
    element(0x0028, 0x0004, 'CS', Buffer.from('MONOCHROME2 ', 'latin1')),
    element(0x0028, 0x0010, 'US', us(rows)),
    element(0x0028, 0x0011, 'US', us(columns)),
    element(0x0028, 0x0100, 'US', us(8)),
    element(0x0028, 0x0101, 'US', us(8)),
    element(0x7fe0, 0x0010, 'OB', pixels),
  ]);
  return new Uint8Array(Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), meta, deflated ? deflateRawSync(dataSet) : dataSet]));
}

describe('DICOM budgets', () => {
  it('decodes a small deflated DICOM under the default budgets', () => {
    const image = decodeDicom(dicom(64, 48, true));
    expect({ width: image.width, height: image.height, length: image.pixels.length }).toEqual({ width: 48, height: 64, length: 64 * 48 });
  });

  it('refuses a data set that inflates past the cap with a MediaError (DICOM_TOO_LARGE)', () => {
    // 4 KB of pixels deflate to a few dozen bytes: the ratio of a zip bomb, at a small scale
    const bytes = dicom(64, 64, true);
    expect(bytes.length).toBeLessThan(400);
    expect(() => decodeDicom(bytes, { maxInflatedBytes: 1000 })).toThrow(expect.objectContaining({ code: 'DICOM_TOO_LARGE' }));
    expect(decodeDicom(bytes, { maxInflatedBytes: 10_000 }).width).toBe(64);
  });

  it('refuses rows × columns over the pixel budget before reading pixels (IMAGE_TOO_LARGE)', () => {
    expect(() => decodeDicom(dicom(100, 100, false), { maxPixels: 5000 })).toThrow(expect.objectContaining({ code: 'IMAGE_TOO_LARGE' }));
    expect(decodeDicom(dicom(100, 100, false), { maxPixels: 10_000 }).height).toBe(100);
  });

  it('names a parse failure in words, never [object Object]', () => {
    const bytes = dicom(8, 8, false).slice(0, 150);
    expect(() => decodeDicom(bytes)).toThrow(expect.objectContaining({ code: 'DICOM_PARSE' }));
    try {
      decodeDicom(bytes);
    } catch (error) {
      expect((error as Error).message).not.toContain('[object Object]');
    }
  });
});
