import { describe, expect, it } from 'vitest';
import { detectFormat } from '../../src/io/detect.js';

const detect = (text: string, complete = true) => detectFormat(Buffer.from(text, 'utf8'), complete);

describe('detectFormat', () => {
  it('reads a complete object on the first line as NDJSON', () => {
    expect(detect('{"resourceType":"Patient","id":"a"}\n{"resourceType":"Patient","id":"b"}\n')).toEqual({ format: 'ndjson' });
  });

  it('reads a pretty-printed document as a Bundle file', () => {
    expect(detect('{\n  "resourceType": "Bundle",\n  "entry": []\n}\n')).toEqual({ format: 'bundle' });
    expect(detect('  {"resourceType": "Bundle",\n "entry": []}')).toEqual({ format: 'bundle' });
  });

  it('treats a single minified line as NDJSON (the same as a one-document file)', () => {
    expect(detect('{"resourceType":"Bundle","entry":[]}')).toEqual({ format: 'ndjson' });
    expect(detect('{"resourceType":"Bundle","entry":[', false)).toEqual({ format: 'ndjson' });
  });

  it('skips a byte-order mark and leading blank lines', () => {
    expect(detect('\uFEFF\n\n{"resourceType":"Patient"}\n')).toEqual({ format: 'ndjson' });
  });

  it('detects CSV from a header line with commas', () => {
    expect(detect('id,patient_id,sex\nr1,p1,female\n')).toEqual({ format: 'csv' });
  });

  it('reports empty input, arrays, XML and unknown text with codes', () => {
    expect(detect('')).toMatchObject({ code: 'EMPTY_INPUT' });
    expect(detect('  \n\t\n')).toMatchObject({ code: 'EMPTY_INPUT' });
    expect(detect('[{"resourceType":"Patient"}]')).toMatchObject({ code: 'UNSUPPORTED_FORMAT' });
    expect(detect('<Bundle xmlns="http://hl7.org/fhir"/>')).toMatchObject({
      code: 'UNSUPPORTED_FORMAT',
      reason: expect.stringContaining('XML'),
    });
    expect(detect('hello world\n')).toMatchObject({ code: 'UNKNOWN_FORMAT', reason: expect.stringContaining('--format') });
  });
});
