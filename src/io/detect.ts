/**
 * @file Decide how to read an input from its first bytes, so users need not say.
 *
 * The first non-space byte separates JSON from CSV; for JSON the first line separates NDJSON (a
 * complete object on line one) from a pretty-printed document (a Bundle or a single resource).
 * A minified document on a single line is also valid NDJSON with one line, and reads the same.
 *
 * A first line that does not parse is not enough to call the input one document: an NDJSON export
 * whose first line was cut would then be read as one broken document and its good lines lost. When
 * most of the later complete lines in the head parse as objects, the input is NDJSON and only the
 * bad line is a dead letter (a pretty-printed document's inner lines do not parse on their own).
 */

export type DetectedFormat = 'ndjson' | 'bundle' | 'csv';
export type Detection = { format: DetectedFormat } | { code: string; reason: string };

function isObjectLine(line: string): boolean {
  if (!line.startsWith('{')) return false;
  try {
    const value = JSON.parse(line) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

/**
 * True when more than half of the complete non-blank lines of `rest` (the head after the first
 * line; its last, possibly cut, line is left out) parse as JSON objects.
 */
export function laterLinesAreObjects(rest: string): boolean {
  const lines = rest.split('\n');
  lines.pop();
  let seen = 0;
  let objects = 0;
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '') continue;
    seen++;
    if (isObjectLine(line)) objects++;
  }
  return objects > 0 && objects * 2 > seen;
}

/** Detect the format of an input from its head (`complete` when the head is the whole input). */
export function detectFormat(head: Buffer, complete: boolean): Detection {
  let text = head.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const start = text.search(/\S/);
  if (start < 0) {
    return complete
      ? { code: 'EMPTY_INPUT', reason: 'empty input (no data)' }
      : { code: 'UNKNOWN_FORMAT', reason: 'cannot detect the format: the first 64 KiB are blank; pass --format' };
  }
  const first = text[start];
  if (first === '{') {
    const newline = text.indexOf('\n', start);
    if (newline < 0) return { format: 'ndjson' };
    const line = text.slice(start, newline).trim();
    if (isObjectLine(line)) return { format: 'ndjson' };
    return laterLinesAreObjects(text.slice(newline + 1)) ? { format: 'ndjson' } : { format: 'bundle' };
  }
  if (first === '[') {
    return {
      code: 'UNSUPPORTED_FORMAT',
      reason: 'a JSON array at the top level is not read; expected NDJSON, a FHIR Bundle or resource, or CSV',
    };
  }
  if (first === '<') {
    return { code: 'UNSUPPORTED_FORMAT', reason: 'looks like XML; only FHIR JSON (and CSV) are read' };
  }
  const lineEnd = text.indexOf('\n', start);
  const firstLine = text.slice(start, lineEnd < 0 ? undefined : lineEnd);
  if (firstLine.includes(',')) return { format: 'csv' };
  return {
    code: 'UNKNOWN_FORMAT',
    reason: 'cannot detect the format (not JSON, and the first line has no comma for a CSV header); pass --format',
  };
}
