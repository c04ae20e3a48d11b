/**
 * @file Sentence spans of a note, so that an answer can cite the sentence that holds a mention
 * (and the hypothetical check can look at what comes before a mention in its sentence).
 *
 * Why not a library: notes mix prose, markdown headings, bullet lists and medication lists
 * separated by semicolons, and the spans must be character offsets into the note as given. The
 * rules are few and predictable:
 * - `.`, `!` or `?` followed by whitespace (or the end of the text) ends a sentence, except after a
 *   common abbreviation ("Dr.", "e.g.", "vs.", ABBREVIATIONS) and after a list number at the start
 *   of a line ("1. Hypertension"); a decimal ("7.2") is never followed by whitespace, so never splits;
 * - `;` followed by whitespace ends one ("lisinopril 10 mg; warfarin 5 mg": each list item is its
 *   own sentence; in prose the linker's negation scopes end at `;` too);
 * - a line break ends one when the line is a heading ("# Allergies", a line in capitals, a line
 *   ending in `:`), when the line or the next one is a list item (starting with `-`, `*`, `•`,
 *   `1.` or `1)`) or a heading, or when a blank line follows. Any other line break is a wrapped
 *   line ("Allen322\n is a 6 month-old …", dictated reports) and does not end the sentence.
 * Spans are trimmed of surrounding whitespace; empty ones are dropped.
 */

/** A sentence: [start, end) into the text. */
export interface SentenceSpan {
  start: number;
  end: number;
}

/** Words (lower case, without their final dot) after which a dot does not end a sentence. */
const ABBREVIATIONS = new Set([
  'dr',
  'mr',
  'mrs',
  'ms',
  'prof',
  'st',
  'jr',
  'sr',
  'vs',
  'e.g',
  'i.e',
  'eg',
  'ie',
  'approx',
  'appt',
  'fig',
  'cf',
  'b.i.d',
  't.i.d',
  'q.i.d',
  'p.o',
  'p.r.n',
  'q.d',
]);

const LIST_ITEM = /^\s*(?:[-*•]\s|\d{1,3}[.)]\s)/;

function isHeadingLine(line: string): boolean {
  const t = line.trim();
  if (t === '') return false;
  if (t.startsWith('#') || t.endsWith(':')) return true;
  return /\p{Lu}.*\p{Lu}/u.test(t) && t === t.toUpperCase() && !/[.!?]$/.test(t);
}

/** The word that ends right before `dot` (letters and inner dots), lower case. */
function wordBefore(text: string, dot: number): string {
  let i = dot;
  while (i > 0 && /[\p{L}.]/u.test(text[i - 1] as string)) i--;
  return text.slice(i, dot).toLowerCase();
}

function endsSentenceAtDot(text: string, i: number): boolean {
  const word = wordBefore(text, i);
  if (ABBREVIATIONS.has(word)) return false;
  // A list number at the start of a line ("1. Hypertension").
  const lineStart = text.lastIndexOf('\n', i - 1) + 1;
  if (/^\s*\d{1,3}$/.test(text.slice(lineStart, i))) return false;
  return true;
}

/** Whether the line break at `i` ends a sentence (see the file comment). */
function endsSentenceAtBreak(text: string, i: number): boolean {
  const lineStart = text.lastIndexOf('\n', i - 1) + 1;
  const line = text.slice(lineStart, i);
  const nextEnd = text.indexOf('\n', i + 1);
  const next = text.slice(i + 1, nextEnd === -1 ? text.length : nextEnd);
  if (line.trim() === '' || next.trim() === '') return true;
  return isHeadingLine(line) || LIST_ITEM.test(line) || LIST_ITEM.test(next) || isHeadingLine(next);
}

/** Sentence spans of `text`, in order, trimmed, never empty. */
export function sentenceSpans(text: string): SentenceSpan[] {
  const spans: SentenceSpan[] = [];
  const push = (from: number, to: number): void => {
    let s = from;
    let e = to;
    while (s < e && /\s/.test(text[s] as string)) s++;
    while (e > s && /\s/.test(text[e - 1] as string)) e--;
    if (e > s) spans.push({ start: s, end: e });
  };
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    const next = text[i + 1];
    const followedBySpace = next === undefined || /\s/.test(next);
    if ((c === '!' || c === '?' || c === ';') && followedBySpace) {
      push(start, i + 1);
      start = i + 1;
    } else if (c === '.' && followedBySpace && endsSentenceAtDot(text, i)) {
      push(start, i + 1);
      start = i + 1;
    } else if (c === '\n' && endsSentenceAtBreak(text, i)) {
      push(start, i);
      start = i + 1;
    }
  }
  push(start, text.length);
  return spans;
}

/**
 * The sentence that holds `offset`: the last span starting at or before it (an offset in the
 * whitespace between two sentences belongs to the one before), or undefined before the first.
 */
export function sentenceAt(spans: readonly SentenceSpan[], offset: number): SentenceSpan | undefined {
  let lo = 0;
  let hi = spans.length - 1;
  let found: SentenceSpan | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const span = spans[mid] as SentenceSpan;
    if (span.start <= offset) {
      found = span;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}
