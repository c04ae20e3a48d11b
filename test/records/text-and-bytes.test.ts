import { describe, expect, it } from 'vitest';
import { base64DecodedSize, checkBase64 } from '../../src/records/base64.js';
import { parseContentType, sniffContentType } from '../../src/records/content-types.js';
import { ageInYears } from '../../src/records/demographics.js';
import { htmlToText } from '../../src/records/html-text.js';

describe('checkBase64', () => {
  it('accepts valid data with line breaks and reports its size', () => {
    const data = Buffer.from('hello, world!').toString('base64');
    expect(checkBase64(`${data.slice(0, 8)}\n  ${data.slice(8)}`)).toEqual({ ok: true, clean: data, bytes: 13 });
    expect(base64DecodedSize(data)).toBe(13);
  });

  it('rejects truncated data, bad characters and misplaced padding', () => {
    const data = Buffer.from('hello, world!').toString('base64');
    expect(checkBase64(data.slice(0, -3))).toMatchObject({ ok: false, reason: expect.stringContaining('truncated') });
    expect(checkBase64(`${data.slice(0, 4)}*${data.slice(5)}`)).toMatchObject({ ok: false, reason: expect.stringContaining('alphabet') });
    expect(checkBase64('QQ==QUJD')).toMatchObject({ ok: false, reason: expect.stringContaining('padding') });
    expect(checkBase64('SGVsbG8_d29ybGQ-')).toMatchObject({ ok: false });
  });
});

describe('content types', () => {
  it('normalizes aliases and reads the charset', () => {
    expect(parseContentType('text/plain; charset=ISO-8859-1')).toEqual({
      mime: 'text/plain',
      declared: 'text/plain; charset=ISO-8859-1',
      charset: 'iso-8859-1',
    });
    expect(parseContentType('audio/x-wav').mime).toBe('audio/wav');
    expect(parseContentType('AUDIO/VND.WAVE').mime).toBe('audio/wav');
    expect(parseContentType('image/jpg').mime).toBe('image/jpeg');
  });

  it('recognizes PNG, JPEG, DICOM and WAV by their magic numbers', () => {
    expect(sniffContentType(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 13, 10]))).toBe('image/png');
    expect(sniffContentType(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('image/jpeg');
    const dicom = new Uint8Array(140);
    dicom.set(Buffer.from('DICM'), 128);
    expect(sniffContentType(dicom)).toBe('application/dicom');
    expect(sniffContentType(Buffer.from('RIFF\0\0\0\0WAVEfmt '))).toBe('audio/wav');
    expect(sniffContentType(Buffer.from('plain words'))).toBeUndefined();
  });

  it('names MP4 audio, MP4 video, WebM and Matroska from their headers', () => {
    expect(sniffContentType(Buffer.from('\0\0\0\x20ftypM4A \0\0\0\0'))).toBe('audio/mp4');
    expect(sniffContentType(Buffer.from('\0\0\0\x20ftypisom\0\0\0\0'))).toBe('video/mp4');
    const ebml = (docType: string) => Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x82, 0x84]), Buffer.from(docType)]);
    expect(sniffContentType(ebml('webm'))).toBe('video/webm');
    expect(sniffContentType(ebml('matroska'))).toBe('video/x-matroska');
  });
});

describe('htmlToText', () => {
  it('drops scripts, styles and comments, breaks blocks and decodes entities', () => {
    const html =
      '<html><head><title>t</title><style>p{color:red}</style></head><body><h1>Assessment</h1>' +
      '<script>alert("x")</script><!-- hidden --><p>Temp 38&#46;5 &deg;C &amp; cough&nbsp;&lt;3 days&gt;</p><ul><li>one</li><li>two &#x2713;</li></ul></body></html>';
    expect(htmlToText(html)).toBe('Assessment\nTemp 38.5 °C & cough <3 days>\none\ntwo ✓');
  });
});

describe('ageInYears', () => {
  it('counts whole years from the dates as written, never the clock', () => {
    expect(ageInYears('1971-05-02', '2025-05-01T23:59:00Z')).toBe(53);
    expect(ageInYears('1971-05-02', '2025-05-02T00:00:00-05:00')).toBe(54);
    expect(ageInYears('2000', '2010-06-01')).toBe(10);
    expect(ageInYears('2030-01-01', '2020-01-01')).toBeUndefined();
  });
});
