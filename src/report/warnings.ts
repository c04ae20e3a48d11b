/**
 * @file Groups record warnings into kinds for the summary, so ten thousand "attachment of 31 MB
 * exceeds the 20 MB limit" lines read as one row with a count.
 *
 * Warnings are written as `<where>: <what>` (a resource or CSV position, then the problem). The
 * kind is the problem with the position dropped and the variable parts (numbers, quoted values,
 * FHIR ids) blanked out. A number is only a free-standing one: digits that are part of a name
 * ("audio/mp4", "ICD-10", "H.264", "utf-8") are kept, so the kind still says what was wrong.
 */

const MAX_KIND_CHARS = 140;

/** Digits not inside a word: not after a letter, digit, `_` or `.`, nor after a letter and `-`. */
const FREE_NUMBER = /(?<![\p{L}\p{N}_.]|\p{L}-)\d+(?:\.\d+)?/gu;

export function warningKind(message: string): string {
  const colon = message.indexOf(': ');
  // Only the first `: ` ends the position; later ones belong to the problem ("x ignored: reason").
  const what = colon > 0 && colon < 120 ? message.slice(colon + 2) : message;
  const kind = what
    .replace(/"(?:[^"\\]|\\.)*"/g, '"…"')
    .replace(/\b([A-Z][A-Za-z]+)\/[A-Za-z0-9\-.]{1,64}\b/g, '$1/…')
    .replace(FREE_NUMBER, '#')
    .replace(/\s+/g, ' ')
    .trim();
  return kind.length > MAX_KIND_CHARS ? `${kind.slice(0, MAX_KIND_CHARS - 1)}…` : kind || '(empty warning)';
}
