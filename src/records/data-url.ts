/**
 * @file `data:` URLs of attachments (RFC 2397): the media type, and the bytes, base64 or
 * percent-encoded.
 *
 * Why not `decodeURIComponent`: it decodes to a string through UTF-8, so a percent-encoded image
 * (`%89PNG…`, bytes that are not UTF-8) cannot be read at all, and a bad escape (`%zz`, a lone
 * `%`) throws a URIError, which dead-lettered the whole patient (issue 11). Here escapes decode
 * to bytes, and a bad one is a reason naming its position (never the content) that the caller
 * turns into a warning, dropping that attachment only.
 */

export type DataUrl =
  | {
      ok: true;
      /** The media type written before the data, when there is one (parameters kept). */
      contentType?: string;
      /** The data as written: base64 text when `base64` is true, else percent-encoded text. */
      data: string;
      base64: boolean;
    }
  | { ok: false; reason: string };

/** Split a `data:` URL into its media type and data. */
export function parseDataUrl(url: string): DataUrl {
  const m = /^data:([^,]*?)(;base64)?,(.*)$/s.exec(url);
  if (!m) return { ok: false, reason: 'malformed data: URL' };
  return { ok: true, ...(m[1] ? { contentType: m[1] } : {}), data: m[3] ?? '', base64: m[2] !== undefined };
}

const HEX = /^[0-9A-Fa-f]{2}$/;

/**
 * The bytes of percent-encoded data: `%XX` is one byte, any other character its UTF-8 bytes. A
 * `%` not followed by two hex digits is refused with its position.
 */
export function percentDecode(text: string): { ok: true; bytes: Uint8Array } | { ok: false; reason: string } {
  if (!text.includes('%')) return { ok: true, bytes: new TextEncoder().encode(text) };
  const parts: Uint8Array[] = [];
  const encoder = new TextEncoder();
  let start = 0;
  for (let i = text.indexOf('%'); i >= 0; i = text.indexOf('%', i)) {
    const hex = text.slice(i + 1, i + 3);
    if (!HEX.test(hex)) {
      return { ok: false, reason: `invalid percent-escape at character ${i + 1} of the data (% must be followed by two hex digits)` };
    }
    if (i > start) parts.push(encoder.encode(text.slice(start, i)));
    parts.push(Uint8Array.of(Number.parseInt(hex, 16)));
    i += 3;
    start = i;
  }
  if (start < text.length) parts.push(encoder.encode(text.slice(start)));
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  return { ok: true, bytes };
}
