/**
 * @file Strict base64 checking before decoding attachment data.
 *
 * Node's decoder silently skips bad characters and stops at a short tail, so a truncated export
 * would yield a cut-off image or note with no sign of it. Checking alphabet, padding and length
 * first turns that into a warning on the record instead.
 */

export type Base64Check = { ok: true; clean: string; bytes: number } | { ok: false; reason: string };

/** Validate base64 text (whitespace allowed, as FHIR base64Binary allows line breaks). */
export function checkBase64(data: string): Base64Check {
  const clean = data.replace(/[\t\n\r ]+/g, '');
  const bad = clean.search(/[^A-Za-z0-9+/=]/);
  if (bad >= 0) return { ok: false, reason: `invalid base64: character ${bad + 1} is outside the base64 alphabet` };
  const pad = clean.indexOf('=');
  if (pad >= 0 && !/^={1,2}$/.test(clean.slice(pad))) {
    return { ok: false, reason: 'invalid base64: padding (=) in the middle of the data' };
  }
  if (clean.length % 4 !== 0) {
    return { ok: false, reason: `invalid base64: length ${clean.length} is not a multiple of 4 (truncated?)` };
  }
  const padding = pad >= 0 ? clean.length - pad : 0;
  return { ok: true, clean, bytes: (clean.length / 4) * 3 - padding };
}

/** The decoded size of base64 text, without decoding (for the attachment size limit). */
export function base64DecodedSize(data: string): number {
  return Math.floor((data.replace(/[\t\n\r ]+/g, '').replace(/=+$/, '').length * 3) / 4);
}

export function decodeBase64(clean: string): Uint8Array {
  const buffer = Buffer.from(clean, 'base64');
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);
}
