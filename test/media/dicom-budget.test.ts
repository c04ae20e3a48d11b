/**
 * @file DICOM budgets (issue 11, item 2): a deflated data set is inflated with an output cap, and
 * rows × columns is checked against a pixel budget before any pixel is read. The DICOM files are
 * built here, byte by byte; small caps are passed as options so the tests stay small.
 */
import { describe, expect, it } from 'vitest';
import { decodeDicom } from '../../src/media/dicom.js';
import { dicom } from '../support/dicom.js';

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
