/**
 * @file JSON parsing that never leaks content into error messages.
 *
 * V8's own messages quote the text around a syntax error (`Unexpected token 'x', "…" is not
 * valid JSON`), and that text may be a patient's note or name. Errors here keep only the
 * character position.
 */

export type ParseResult = { ok: true; value: unknown } | { ok: false; reason: string };

/** Parse JSON; on failure return a reason with the position only, never the text. */
export function parseJson(text: string): ParseResult {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, reason: describeJsonError(error) };
  }
}

/** A content-free description of a JSON.parse error. */
export function describeJsonError(error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  if (/Unexpected end of JSON input|Unterminated string/i.test(message)) return 'invalid JSON: unexpected end (truncated?)';
  const at = /position (\d+)/.exec(message);
  return at?.[1] !== undefined ? `invalid JSON at character ${Number(at[1]) + 1}` : 'invalid JSON';
}
