/**
 * @file Make text from input safe to print on a terminal.
 *
 * Record ids, fullUrls, file names and resource ids come from files a user may not have written.
 * Printed raw in a text log, an ESC sequence can clear the screen or set the window title, a
 * carriage return or newline can forge an `error:` line, and a bidi override can reorder what
 * the reader sees. Every C0 and C1 control character, DEL and the Unicode bidi embedding,
 * override and isolate characters are written as visible escapes (`\x1b`, `\n`, `\u202e`)
 * instead. JSON logs need none of this: JSON.stringify already escapes C0 controls, and a JSON
 * consumer is not a terminal.
 */

// C0 (U+0000-U+001F), DEL, C1 (U+0080-U+009F), bidi embeddings/overrides and isolates
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** `text` with every control and bidi-override character replaced by a visible escape. */
export function escapeControl(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const named = NAMED[c];
    if (named) return named;
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
